//! The picture of one bond-operator mode of a 2D configuration (paper Figs. 1b, 4a–c).

use std::path::Path;

use bondspace::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws a high-λ mode of a 2D configuration as `dir/<file>.png` and `.svg`, three panels
/// (paper Figs. 1b and 4a–c): (a) the bond force mode f, the top 10 % of bonds by |f| drawn
/// red (extension, f > 0) or blue (compression), width and opacity by |f|; (b) the particle
/// force modes F (blue) and F_PH (orange) as arrows; (c) the displacement modes D (green) and
/// D_PH (purple). Arrows are scaled so that the largest is 2 a₀; those below 5 % of the largest
/// are not drawn. Vectors are in the network numbering of `net`, as in [`ModeResults`].
///
/// [`ModeResults`]: bondspace::results::ModeResults
pub fn draw_mode_2d(
    cfg: &bondspace::config::Configuration<2>,
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
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let png = dir.join(format!("{file}.png"));
    let svg = dir.join(format!("{file}.svg"));
    let err = |p: &Path, e: String| Error::Invalid(format!("{}: {e}", p.display()));
    draw_mode(
        BitMapBackend::new(&png, (1800, 620)).into_drawing_area(),
        cfg,
        a,
        m,
        mode,
    )
    .map_err(|e| err(&png, e))?;
    draw_mode(
        SVGBackend::new(&svg, (1800, 620)).into_drawing_area(),
        cfg,
        a,
        m,
        mode,
    )
    .map_err(|e| err(&svg, e))
}

fn draw_mode<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    cfg: &bondspace::config::Configuration<2>,
    a: &bondspace::results::Analysis<2>,
    m: &bondspace::results::ModeResults,
    mode: usize,
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let net = &a.network;
    let [lx, ly] = cfg.simbox.lengths;
    let pos: Vec<[f64; 2]> = net
        .kept
        .iter()
        .map(|&i| cfg.simbox.wrap(&cfg.positions[i]))
        .collect();
    let panels = root.split_evenly((1, 3));
    let lambda = m.modes.lambda[mode] / a.scales.lambda_0;
    let titles = [
        format!("(a) bond force f, λ/λ₀ = {lambda:.1}"),
        "(b) F (blue), F_PH (orange)".to_string(),
        "(c) D (green), D_PH (purple)".to_string(),
    ];
    let a0 = cfg.a0();
    for (k, panel) in panels.iter().enumerate() {
        let mut chart = ChartBuilder::on(panel)
            .caption(&titles[k], ("sans-serif", 22))
            .margin(8)
            .build_cartesian_2d(0.0..lx, 0.0..ly)
            .map_err(|x| e(&x))?;
        // particles as light circles
        chart
            .draw_series(
                pos.iter()
                    .map(|p| Circle::new((p[0], p[1]), 2, RGBColor(200, 200, 200).filled())),
            )
            .map_err(|x| e(&x))?;
        if k == 0 {
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
                let d = cfg.simbox.delta(&pi, &pj);
                let w = f[b].abs() / fmax;
                let c = if f[b] > 0.0 {
                    RGBColor(214, 39, 40)
                } else {
                    RGBColor(31, 80, 200)
                };
                let style = c.mix(0.25 + 0.75 * w).stroke_width(1 + (4.0 * w) as u32);
                // draw from each end so bonds across the boundary show on both sides
                for (p, s) in [(pi, 1.0), (pj, -1.0)] {
                    let q = (p[0] + s * 0.5 * d[0], p[1] + s * 0.5 * d[1]);
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(p[0], p[1]), q],
                            style,
                        )))
                        .map_err(|x| e(&x))?;
                }
            }
        } else {
            let (first, second, c1, c2) = if k == 1 {
                (
                    &m.modes.particle_force[mode],
                    m.phm.get(mode).map(|p| &p.force),
                    RGBColor(31, 119, 180),
                    RGBColor(255, 127, 14),
                )
            } else {
                (
                    &m.modes.displacement[mode],
                    m.phm.get(mode).map(|p| &p.displacement),
                    RGBColor(44, 160, 44),
                    RGBColor(148, 103, 189),
                )
            };
            for (field, c) in [(Some(first), c1), (second, c2)] {
                let Some(v) = field else { continue };
                let vmax = v
                    .chunks_exact(2)
                    .map(|p| p[0].hypot(p[1]))
                    .fold(0.0, f64::max)
                    .max(f64::MIN_POSITIVE);
                let scale = 2.0 * a0 / vmax;
                for (i, p) in pos.iter().enumerate() {
                    let (vx, vy) = (v[2 * i], v[2 * i + 1]);
                    if vx.hypot(vy) < 0.05 * vmax {
                        continue;
                    }
                    let tip = (p[0] + scale * vx, p[1] + scale * vy);
                    // arrow head: two short strokes back from the tip
                    let (ux, uy) = (scale * vx, scale * vy);
                    let len = ux.hypot(uy);
                    let h = 0.25 * len.min(a0);
                    let (bx, by) = (-ux / len * h, -uy / len * h);
                    let left = (tip.0 + bx * 0.87 - by * 0.5, tip.1 + by * 0.87 + bx * 0.5);
                    let right = (tip.0 + bx * 0.87 + by * 0.5, tip.1 + by * 0.87 - bx * 0.5);
                    chart
                        .draw_series([
                            PathElement::new(vec![(p[0], p[1]), tip], c.stroke_width(2)),
                            PathElement::new(vec![left, tip, right], c.stroke_width(2)),
                        ])
                        .map_err(|x| e(&x))?;
                }
            }
        }
    }
    root.present().map_err(|x| e(&x))
}
