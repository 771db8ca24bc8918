//! Pictures of the modes of a 2D glass: one bond-operator mode with its PHM (paper Figs. 1b,
//! 4a–c), the Hessian mode beside the A-mode (Fig. 1a beside 1b), and the participation of
//! every A-mode with three of them drawn (Fig. 6).
//!
//! Every picture is centred on the mode's core (the particle of largest |D|, moved to the
//! centre of the box, the others wrapped around it), so that a localized mode is never split
//! across the periodic boundary. Arrows are drawn as the paper draws them: length proportional
//! to the vector, the largest [`ARROW_MAX_A0`] a₀ (at most a twelfth of the box), every arrow
//! above [`ARROW_MIN_FRACTION`] of the largest; the core then stands out and the decaying far field stays visible as short
//! arrows.

use std::path::Path;

use bondspace::config::Configuration;
use bondspace::error::{Error, Result};
use bondspace::modes::bond::DenseModes;
use bondspace::operators::Network;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::figures::{Legend, Plot, Series};

/// Length of the largest arrow, in a₀.
pub const ARROW_MAX_A0: f64 = 5.0;
/// Arrows shorter than this fraction of the largest are not drawn.
pub const ARROW_MIN_FRACTION: f64 = 0.02;
/// Pixels per panel side.
const PANEL: u32 = 760;

type Res<T> = std::result::Result<T, String>;

fn e(x: &dyn std::fmt::Display) -> String {
    x.to_string()
}

/// Positions of the network's particles wrapped so that particle `core` sits at the centre of
/// the box.
fn centred(cfg: &Configuration<2>, net: &Network<2>, core: usize) -> Vec<[f64; 2]> {
    let [lx, ly] = cfg.simbox.lengths;
    let c = cfg.positions[net.kept[core]];
    net.kept
        .iter()
        .map(|&i| {
            let d = cfg.simbox.delta(&c, &cfg.positions[i]);
            [0.5 * lx + d[0], 0.5 * ly + d[1]]
        })
        .collect()
}

/// The particle of largest |v| of a 2D field.
fn core_of(v: &[f64]) -> usize {
    v.chunks_exact(2)
        .enumerate()
        .fold((0, -1.0), |m, (i, p)| {
            let r = p[0].hypot(p[1]);
            if r > m.1 { (i, r) } else { m }
        })
        .0
}

fn max_norm(v: &[f64]) -> f64 {
    v.chunks_exact(2)
        .map(|p| p[0].hypot(p[1]))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE)
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    cfg: &Configuration<2>,
    title: &str,
    pos: &[[f64; 2]],
) -> Res<Chart<'a, DB>> {
    let [lx, ly] = cfg.simbox.lengths;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 24))
        .margin(8)
        .build_cartesian_2d(0.0..lx, 0.0..ly)
        .map_err(|x| e(&x))?;
    chart
        .draw_series(
            pos.iter()
                .map(|p| Circle::new((p[0], p[1]), 2, RGBColor(205, 205, 205).filled())),
        )
        .map_err(|x| e(&x))?;
    Ok(chart)
}

/// Draws the arrows of `v` at `pos`, `scale` length units per unit of v.
fn arrows<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pos: &[[f64; 2]],
    v: &[f64],
    scale: f64,
    vmax: f64,
    a0: f64,
    c: RGBColor,
) -> Res<()> {
    for (i, p) in pos.iter().enumerate() {
        let (vx, vy) = (v[2 * i], v[2 * i + 1]);
        let n = vx.hypot(vy);
        if n < ARROW_MIN_FRACTION * vmax {
            continue;
        }
        let (ux, uy) = (scale * vx, scale * vy);
        let tip = (p[0] + ux, p[1] + uy);
        let len = ux.hypot(uy);
        let width = if n > 0.25 * vmax { 2 } else { 1 };
        let mut parts = vec![PathElement::new(
            vec![(p[0], p[1]), tip],
            c.stroke_width(width),
        )];
        if len > 0.3 * a0 {
            let h = 0.3 * len.min(1.5 * a0);
            let (bx, by) = (-ux / len * h, -uy / len * h);
            let left = (tip.0 + bx * 0.87 - by * 0.5, tip.1 + by * 0.87 + bx * 0.5);
            let right = (tip.0 + bx * 0.87 + by * 0.5, tip.1 + by * 0.87 - bx * 0.5);
            parts.push(PathElement::new(
                vec![left, tip, right],
                c.stroke_width(width),
            ));
        }
        chart.draw_series(parts).map_err(|x| e(&x))?;
    }
    Ok(())
}

/// Arrows of one or two fields on one panel, on a common scale (the largest arrow of either
/// [`ARROW_MAX_A0`] a₀).
fn field_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cfg: &Configuration<2>,
    pos: &[[f64; 2]],
    title: &str,
    fields: &[(&[f64], RGBColor)],
) -> Res<()> {
    let a0 = cfg.a0();
    let mut chart = panel(area, cfg, title, pos)?;
    let vmax = fields.iter().map(|f| max_norm(f.0)).fold(0.0, f64::max);
    let longest = (ARROW_MAX_A0 * a0).min(cfg.simbox.lengths[0] / 12.0);
    let scale = longest / vmax;
    for (v, c) in fields {
        arrows(&mut chart, pos, v, scale, vmax, a0, *c)?;
    }
    Ok(())
}

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREEN: RGBColor = RGBColor(44, 160, 44);
const PURPLE: RGBColor = RGBColor(148, 103, 189);
const BLACK_ISH: RGBColor = RGBColor(60, 60, 60);

/// Writes `dir/<file>.png` and `.svg` of `size`, drawn by `f`.
fn write_both(
    dir: &Path,
    file: &str,
    size: (u32, u32),
    f: &dyn Fn(DrawingArea<BitMapBackend, Shift>) -> Res<()>,
    g: &dyn Fn(DrawingArea<SVGBackend, Shift>) -> Res<()>,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|x| Error::io(dir, x))?;
    let png = dir.join(format!("{file}.png"));
    let svg = dir.join(format!("{file}.svg"));
    let err = |p: &Path, x: String| Error::Invalid(format!("{}: {x}", p.display()));
    f(BitMapBackend::new(&png, size).into_drawing_area()).map_err(|x| err(&png, x))?;
    g(SVGBackend::new(&svg, size).into_drawing_area()).map_err(|x| err(&svg, x))
}

/// Draws a high-λ mode of a 2D configuration as `dir/<file>.png` and `.svg`, three panels
/// (paper Figs. 1b and 4a–c): (a) the bond force mode f, the top 10 % of bonds by |f| drawn
/// red (extension, f > 0) or blue (compression), width and opacity by |f|; (b) the particle
/// force modes F (blue) and F_PH (orange) as arrows; (c) the displacement modes D (green) and
/// D_PH (purple). Centred on the core of D, arrows as described in the module docs. Vectors
/// are in the network numbering of `net`, as in [`ModeResults`].
///
/// [`ModeResults`]: bondspace::results::ModeResults
pub fn draw_mode_2d(
    cfg: &Configuration<2>,
    a: &bondspace::results::Analysis<2>,
    mode: usize,
    dir: &Path,
    file: &str,
) -> Result<()> {
    let m = a
        .modes
        .as_ref()
        .filter(|m| mode < m.modes.lambda.len())
        .ok_or_else(|| Error::Invalid("the analysis has no such mode".into()))?;
    let size = (3 * PANEL, PANEL + 30);
    write_both(
        dir,
        file,
        size,
        &|root| draw_mode(root, cfg, a, m, mode),
        &|root| draw_mode(root, cfg, a, m, mode),
    )
}

fn draw_mode<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    cfg: &Configuration<2>,
    a: &bondspace::results::Analysis<2>,
    m: &bondspace::results::ModeResults,
    mode: usize,
) -> Res<()> {
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let net = &a.network;
    let d = &m.modes.displacement[mode];
    let pos = centred(cfg, net, core_of(d));
    let panels = root.split_evenly((1, 3));
    let lambda = m.modes.lambda[mode] / a.scales.lambda_0;
    // (a) bonds
    {
        let mut chart = panel(
            &panels[0],
            cfg,
            &format!("(a) bond force f, λ/λ₀ = {lambda:.1}"),
            &pos,
        )?;
        let f = &m.modes.bond_force[mode];
        let mut mags: Vec<f64> = f.iter().map(|v| v.abs()).collect();
        mags.sort_by(f64::total_cmp);
        let cut = mags[(mags.len() * 9) / 10];
        let fmax = mags.last().copied().unwrap_or(1.0).max(f64::MIN_POSITIVE);
        for (b, &[i, j]) in net.bonds.iter().enumerate() {
            if f[b].abs() < cut {
                continue;
            }
            let (pi, pj) = (pos[i as usize], pos[j as usize]);
            let dd = cfg.simbox.delta(&pi, &pj);
            let w = f[b].abs() / fmax;
            let c = if f[b] > 0.0 {
                RGBColor(214, 39, 40)
            } else {
                RGBColor(31, 80, 200)
            };
            let style = c.mix(0.25 + 0.75 * w).stroke_width(1 + (4.0 * w) as u32);
            // from each end, so a bond across the boundary shows on both sides
            for (p, s) in [(pi, 1.0), (pj, -1.0)] {
                let q = (p[0] + s * 0.5 * dd[0], p[1] + s * 0.5 * dd[1]);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(p[0], p[1]), q],
                        style,
                    )))
                    .map_err(|x| e(&x))?;
            }
        }
    }
    let phm = m.phm.get(mode);
    let mut fb: Vec<(&[f64], RGBColor)> = vec![(&m.modes.particle_force[mode], BLUE)];
    if let Some(p) = phm {
        fb.push((&p.force, ORANGE));
    }
    field_panel(&panels[1], cfg, &pos, "(b) F (blue), F_PH (orange)", &fb)?;
    let mut fc: Vec<(&[f64], RGBColor)> = vec![(d, GREEN)];
    if let Some(p) = phm {
        fc.push((&p.displacement, PURPLE));
    }
    field_panel(&panels[2], cfg, &pos, "(c) D (green), D_PH (purple)", &fc)?;
    root.present().map_err(|x| e(&x))
}

/// The Hessian mode most like an A-mode: among `candidates` (ω², unit vector), the one of
/// largest |⟨ψ|D̂⟩| with the unit vector of `d`; returns its index and the overlap.
pub fn best_hessian_match(candidates: &[(f64, Vec<f64>)], d: &[f64]) -> Option<(usize, f64)> {
    let nd = d.iter().map(|v| v * v).sum::<f64>().sqrt();
    candidates
        .iter()
        .enumerate()
        .map(|(i, (_, psi))| {
            let o = psi.iter().zip(d).map(|(a, b)| a * b).sum::<f64>().abs() / nd;
            (i, o)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Paper Fig. 1a beside 1b: (a) the Hessian mode ψ (ω² given) that overlaps most with the
/// A-mode, (b) the A-mode's displacement D (λ/λ₀ given), both centred on D's core, as
/// `dir/<file>.png` and `.svg`.
#[allow(clippy::too_many_arguments)]
pub fn draw_hessian_beside_a(
    cfg: &Configuration<2>,
    net: &Network<2>,
    psi: &[f64],
    omega_over_omega0: f64,
    d: &[f64],
    lambda_over_lambda0: f64,
    overlap: f64,
    dir: &Path,
    file: &str,
) -> Result<()> {
    let pos = centred(cfg, net, core_of(d));
    let ta = format!("(a) Hessian mode, ω/ω₀ = {omega_over_omega0:.3} (|⟨ψ|D̂⟩| = {overlap:.2})");
    let tb = format!("(b) A-mode D, λ/λ₀ = {lambda_over_lambda0:.1}");
    let panels: [(&str, &[f64], RGBColor); 2] = [(&ta, psi, BLACK_ISH), (&tb, d, GREEN)];
    write_both(
        dir,
        file,
        (2 * PANEL, PANEL + 30),
        &|r| side_by_side(r, cfg, &pos, &panels),
        &|r| side_by_side(r, cfg, &pos, &panels),
    )
}

fn side_by_side<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    cfg: &Configuration<2>,
    pos: &[[f64; 2]],
    panels: &[(&str, &[f64], RGBColor)],
) -> Res<()> {
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let cells = root.split_evenly((1, panels.len()));
    for (cell, (title, v, c)) in cells.iter().zip(panels) {
        field_panel(cell, cfg, pos, title, &[(v, *c)])?;
    }
    root.present().map_err(|x| e(&x))
}

/// The modes of Fig. 6 among `n` modes of ascending λ: low (5th percentile), middle (median)
/// and the highest.
pub fn fig6_picks(n: usize) -> [usize; 3] {
    if n == 0 {
        return [0; 3];
    }
    [n / 20, n / 2, n - 1]
}

/// Paper Fig. 6: (a) the participation e = N·e/N of F (blue) and D (green) of every mode of A
/// against λ/λ₀, the three drawn modes marked; (b)–(d) D and (e)–(g) F of those modes from low
/// to high λ, each centred on its core. `lambda_0` is the configuration's λ₀.
pub fn draw_participation_modes(
    cfg: &Configuration<2>,
    net: &Network<2>,
    modes: &DenseModes,
    lambda_0: f64,
    dir: &Path,
    file: &str,
) -> Result<()> {
    let n = net.n() as f64;
    let picks = fig6_picks(modes.lambda.len());
    let fields: Vec<(Vec<f64>, Vec<f64>)> = picks.iter().map(|&i| modes.fields(net, i)).collect();
    let x = |i: usize| modes.lambda[i] / lambda_0;
    let scatter = |ne: &[f64], name: &str, color: usize| Series {
        name: name.into(),
        points: (0..ne.len()).map(|i| (x(i), ne[i] / n)).collect(),
        color,
        scatter: true,
        ..Default::default()
    };
    let mut series = vec![
        scatter(&modes.ne_displacement, "D", 2),
        scatter(&modes.ne_force, "F", 0),
    ];
    series.push(Series {
        name: "the modes drawn below".into(),
        points: picks
            .iter()
            .flat_map(|&i| {
                [
                    (x(i), modes.ne_displacement[i] / n),
                    (x(i), modes.ne_force[i] / n),
                ]
            })
            .collect(),
        color: 3,
        scatter: true,
        ..Default::default()
    });
    let plot = Plot {
        file: file.into(),
        title: "(a) participation e of every A-mode: D (green), F (blue)".into(),
        x_label: "λ/λ₀".into(),
        y_label: "e".into(),
        series,
        legend: Legend::LowerLeft,
        ..Default::default()
    };
    let picked: Vec<(f64, &[f64], &[f64])> = picks
        .iter()
        .zip(&fields)
        .map(|(&i, (d, f))| (x(i), d.as_slice(), f.as_slice()))
        .collect();
    write_both(
        dir,
        file,
        (3 * 600, 620 + 2 * 630),
        &|r| fig6(r, cfg, net, &plot, &picked),
        &|r| fig6(r, cfg, net, &plot, &picked),
    )
}

fn fig6<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    cfg: &Configuration<2>,
    net: &Network<2>,
    plot: &Plot,
    picked: &[(f64, &[f64], &[f64])],
) -> Res<()> {
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (top, bottom) = root.split_vertically(620);
    crate::figures::draw(top, plot)?;
    let cells = bottom.split_evenly((2, 3));
    for (k, (l, d, f)) in picked.iter().enumerate() {
        let pos = centred(cfg, net, core_of(d));
        let (ld, lf) = (["b", "c", "d"][k], ["e", "f", "g"][k]);
        field_panel(
            &cells[k],
            cfg,
            &pos,
            &format!("({ld}) D, λ/λ₀ = {l:.3}"),
            &[(d, GREEN)],
        )?;
        field_panel(
            &cells[3 + k],
            cfg,
            &pos,
            &format!("({lf}) F, λ/λ₀ = {l:.3}"),
            &[(f, BLUE)],
        )?;
    }
    root.present().map_err(|x| e(&x))
}
