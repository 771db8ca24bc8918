//! The report of an ensemble directory (step 5): figures as PNG and SVG, one per paper figure
//! the data allows, and `report.md` / `report.html` with every measured number and its
//! bootstrap error over samples, and a plain statement of which of the paper's claims the data
//! supports.
//!
//! Measurements per group (windows in units of λ₀ and ω₀, fixed and stated in the report):
//! - P(λ) tail exponent: least-squares slope of log P against log λ on λ/λ₀ ∈ [`TAIL`];
//! - A_g: prefactor of P = A_g λ^-7/2 on the same window (geometric mean of P λ^7/2);
//! - mid exponent: slope on λ/λ₀ ∈ [`MID`];
//! - N·e plateau: mean N·e of the modes with λ/λ₀ ∈ [`TAIL`]; n = 1.15 × plateau,
//!   ξ = a₀ n^{1/d};
//! - errors: bootstrap over samples ([`BOOTSTRAP`] resamples, fixed seed).

use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ensemble::{self, EnsembleSpec, Family, Group, Profiles, SampleData};
use crate::error::{Error, Result};
use crate::measures::ensemble::{
    Histogram, bootstrap, power_law_fit, prefactor_fixed_exponent, qlm_size, xi,
};

/// Fit window of the high-λ tail, λ/λ₀.
pub const TAIL: (f64, f64) = (10.0, 1e4);
/// Fit window of the mid-λ regime, λ/λ₀.
pub const MID: (f64, f64) = (1.0, 10.0);
/// Bootstrap resamples.
pub const BOOTSTRAP: usize = 200;

/// One curve of a figure.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// (x, y) points; non-positive values are skipped on log axes.
    pub points: Vec<(f64, f64)>,
    /// Palette index.
    pub color: usize,
    /// Draw markers as well as the line.
    pub markers: bool,
}

/// A log–log figure.
#[derive(Clone, Debug)]
pub struct Plot {
    /// File stem (written as `.png` and `.svg`).
    pub file: String,
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The curves.
    pub series: Vec<Series>,
    /// Vertical lines (x, legend, palette index).
    pub vlines: Vec<(f64, String, usize)>,
}

fn color(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(80, 80, 80),
    ];
    P[i % P.len()]
}

/// Writes `plot` as `dir/<file>.png` and `dir/<file>.svg`.
pub fn render(plot: &Plot, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let png = dir.join(format!("{}.png", plot.file));
    let svg = dir.join(format!("{}.svg", plot.file));
    let err = |p: &Path, e: String| Error::Invalid(format!("{}: {e}", p.display()));
    draw(
        BitMapBackend::new(&png, (900, 650)).into_drawing_area(),
        plot,
    )
    .map_err(|e| err(&png, e))?;
    draw(SVGBackend::new(&svg, (900, 650)).into_drawing_area(), plot).map_err(|e| err(&svg, e))
}

/// Short tick labels on log axes: 0.01 … 1000 plainly, else 1e-5 style.
fn tick(v: &f64) -> String {
    let a = v.abs();
    if (0.01..1000.0).contains(&a) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    p: &Plot,
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let pts: Vec<(f64, f64)> = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|(x, y)| *x > 0.0 && *y > 0.0 && x.is_finite() && y.is_finite())
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if pts.is_empty() {
        (x0, x1, y0, y1) = (1.0, 10.0, 1.0, 10.0);
    }
    let (x0, x1, y0, y1) = (x0 / 1.5, x1 * 1.5, y0 / 3.0, y1 * 3.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(&p.title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(85)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc(&p.x_label)
        .y_desc(&p.y_label)
        .label_style(("sans-serif", 16))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(|x| e(&x))?;
    for s in &p.series {
        let c = color(s.color);
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0 && x.is_finite() && y.is_finite())
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label(&s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        if s.markers {
            chart
                .draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 3, c.filled())))
                .map_err(|x| e(&x))?;
        }
    }
    for (x, name, ci) in &p.vlines {
        let c = color(*ci);
        chart
            .draw_series(LineSeries::new(vec![(*x, y0), (*x, y1)], c.stroke_width(1)))
            .map_err(|x| e(&x))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

/// Measured numbers of one group: value and bootstrap standard error.
#[derive(Clone, Debug, Default)]
pub struct GroupStats {
    /// Group name.
    pub name: String,
    /// Samples pooled.
    pub samples: usize,
    /// Tp (IPL) or None.
    pub tp: Option<f64>,
    /// N.
    pub n: usize,
    /// Tail exponent of P(λ) on [`TAIL`].
    pub tail_exponent: Option<(f64, f64)>,
    /// A_g on [`TAIL`] with the exponent fixed at −7/2.
    pub a_g: Option<(f64, f64)>,
    /// Mid exponent of P(λ) on [`MID`].
    pub mid_exponent: Option<(f64, f64)>,
    /// N·e plateau on [`TAIL`].
    pub plateau: Option<(f64, f64)>,
    /// ξ = a₀ (1.15 plateau)^{1/d}.
    pub xi: Option<(f64, f64)>,
    /// Modes in the tail window.
    pub tail_modes: usize,
    /// Pooled P(λ/λ₀).
    pub p: Option<Histogram>,
    /// Pooled D(ω/ω₀).
    pub d: Option<Histogram>,
    /// Pooled N·e(λ/λ₀) (bin centre, mean) of the non-empty bins.
    pub ne: Vec<(f64, f64)>,
    /// Mean ω_ph/ω₀.
    pub omega_ph: f64,
    /// (λ/λ₀ bin centre, mean 1 − |⟨D|D_PH⟩|, mean 1 − |⟨F|F_PH⟩|) of the top modes.
    pub overlaps: Vec<(f64, f64, f64)>,
    /// Decay profiles averaged over samples: r and (field, profile); fitted exponents
    /// (field, exponent, bootstrap error) on [`crate::modes::decay::default_window`].
    pub decay: Option<Profiles>,
    /// Decay exponents per field with bootstrap errors.
    pub decay_exponents: Vec<(String, Option<(f64, f64)>)>,
}

/// Mean over samples (NaN-aware) of the decay profile of `field`.
fn mean_decay(data: &[SampleData], idx: &[usize], field: &str) -> Option<(Vec<f64>, Vec<f64>)> {
    let mut r = None;
    let mut sum: Vec<f64> = Vec::new();
    let mut cnt: Vec<usize> = Vec::new();
    for &i in idx {
        let Some((rr, fields)) = &data[i].decay else {
            continue;
        };
        let Some((_, v)) = fields.iter().find(|(n, _)| n == field) else {
            continue;
        };
        if sum.is_empty() {
            sum = vec![0.0; v.len()];
            cnt = vec![0; v.len()];
            r = Some(rr.clone());
        }
        for (k, y) in v.iter().enumerate().take(sum.len()) {
            if y.is_finite() {
                sum[k] += y;
                cnt[k] += 1;
            }
        }
    }
    let mean = sum
        .iter()
        .zip(&cnt)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
        .collect();
    r.map(|r| (r, mean))
}

fn pooled(data: &[SampleData], idx: &[usize]) -> (Histogram, Histogram) {
    let (le, we) = (ensemble::lambda_bins(), ensemble::omega_bins());
    let mut lc = vec![0usize; le.len() - 1];
    let mut wc = vec![0usize; we.len() - 1];
    let mut dof = 0.0;
    for &i in idx {
        let d = &data[i];
        dof += d.n_dof;
        for (a, c) in lc.iter_mut().zip(&d.lambda_counts) {
            *a += c;
        }
        for (a, c) in wc.iter_mut().zip(&d.omega_counts) {
            *a += c;
        }
    }
    (
        Histogram::from_counts(&le, lc, dof),
        Histogram::from_counts(&we, wc, dof),
    )
}

fn plateau_of(data: &[SampleData], idx: &[usize]) -> Option<f64> {
    let v: Vec<f64> = idx
        .iter()
        .flat_map(|&i| data[i].participation.iter())
        .filter(|(l, _)| (TAIL.0..=TAIL.1).contains(l))
        .map(|&(_, ne)| ne)
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Measures one group.
pub fn group_stats(group: &Group, data: &[SampleData], seed: u64) -> GroupStats {
    let all: Vec<usize> = (0..data.len()).collect();
    let mut g = GroupStats {
        name: group.name(),
        samples: data.len(),
        n: group.n,
        tp: match group.family {
            Family::Ipl { tp, .. } => tp.or(Some(f64::INFINITY)),
            Family::Harmonic { .. } => None,
        },
        ..Default::default()
    };
    if data.is_empty() {
        return g;
    }
    let a0 = data.iter().map(|d| d.scalars[3]).sum::<f64>() / data.len() as f64;
    g.omega_ph = data.iter().map(|d| d.scalars[4]).sum::<f64>() / data.len() as f64;
    let (p, d) = pooled(data, &all);
    g.tail_modes = p
        .centers
        .iter()
        .zip(&p.counts)
        .filter(|(c, _)| (TAIL.0..=TAIL.1).contains(*c))
        .map(|(_, n)| n)
        .sum();
    let boot = |f: &dyn Fn(&[usize]) -> Option<f64>| bootstrap(data.len(), BOOTSTRAP, seed, f);
    let fit = |idx: &[usize], w: (f64, f64)| {
        let (p, _) = pooled(data, idx);
        power_law_fit(&p.centers, &p.density, w).map(|f| f.exponent)
    };
    g.tail_exponent = boot(&|idx| fit(idx, TAIL));
    g.mid_exponent = boot(&|idx| fit(idx, MID));
    g.a_g = boot(&|idx| {
        let (p, _) = pooled(data, idx);
        prefactor_fixed_exponent(&p.centers, &p.density, TAIL, -3.5)
    });
    g.plateau = boot(&|idx| plateau_of(data, idx));
    g.xi = boot(&|idx| plateau_of(data, idx).map(|pl| xi(a0, qlm_size(pl), group.dim)));
    let le = ensemble::lambda_bins();
    let (ne_l, ne_v): (Vec<f64>, Vec<f64>) = data
        .iter()
        .flat_map(|d| d.participation.iter().copied())
        .unzip();
    if !ne_l.is_empty() {
        let (c, m, n) = crate::measures::ensemble::ne_profile(&ne_l, &ne_v, &le);
        g.ne = c
            .into_iter()
            .zip(m)
            .zip(n)
            .filter(|(_, n)| *n > 0)
            .map(|((c, m), _)| (c, m))
            .collect();
    }
    // overlaps of the top modes against λ
    let ov: Vec<(f64, f64, f64)> = data
        .iter()
        .flat_map(|d| d.overlaps.iter().copied())
        .collect();
    if !ov.is_empty() {
        for w in le.windows(2) {
            let inb: Vec<&(f64, f64, f64)> = ov
                .iter()
                .filter(|(l, _, _)| *l >= w[0] && *l < w[1])
                .collect();
            if !inb.is_empty() {
                let n = inb.len() as f64;
                g.overlaps.push((
                    (w[0] * w[1]).sqrt(),
                    inb.iter().map(|x| x.1).sum::<f64>() / n,
                    inb.iter().map(|x| x.2).sum::<f64>() / n,
                ));
            }
        }
    }
    // decay profiles and their exponents
    // box length L = a₀ N^{1/d} (cubic boxes)
    let l = a0 * (group.n as f64).powf(1.0 / group.dim as f64);
    let window = crate::modes::decay::default_window(a0, l);
    let fields = ["D", "F", "D_PH", "F_PH"];
    let profiles: Vec<(String, Vec<f64>)> = fields
        .iter()
        .filter_map(|f| mean_decay(data, &all, f).map(|(_, m)| (f.to_string(), m)))
        .collect();
    if let Some((r, _)) = mean_decay(data, &all, "D") {
        for f in fields {
            let e = boot(&|idx| {
                let (r, m) = mean_decay(data, idx, f)?;
                crate::modes::decay::fit_exponent(&r, &m, window).map(|x| x.0)
            });
            if profiles.iter().any(|(n, _)| n == f) {
                g.decay_exponents.push((f.to_string(), e));
            }
        }
        g.decay = Some((r, profiles));
    }
    g.p = Some(p);
    g.d = Some(d);
    g
}

fn fmt(v: Option<(f64, f64)>) -> String {
    match v {
        Some((x, e)) if e.is_finite() => format!("{x:.4} ± {e:.4}"),
        Some((x, _)) => format!("{x:.4}"),
        None => "–".into(),
    }
}

fn fmt_e(v: Option<(f64, f64)>) -> String {
    match v {
        Some((x, e)) if e.is_finite() => format!("{x:.3e} ± {e:.2e}"),
        Some((x, _)) => format!("{x:.3e}"),
        None => "–".into(),
    }
}

fn hist_points(h: &Option<Histogram>) -> Vec<(f64, f64)> {
    h.as_ref()
        .map(|h| {
            h.centers
                .iter()
                .zip(&h.density)
                .filter(|(_, d)| **d > 0.0)
                .map(|(c, d)| (*c, *d))
                .collect()
        })
        .unwrap_or_default()
}

/// A guide line y = a x^k through the point (x₀, y₀), over [x₀, x₁].
fn guide(x0: f64, y0: f64, x1: f64, k: f64, name: &str, color: usize) -> Series {
    let pts = (0..=20)
        .map(|i| {
            let x = x0 * (x1 / x0).powf(i as f64 / 20.0);
            (x, y0 * (x / x0).powf(k))
        })
        .collect();
    Series {
        name: name.into(),
        points: pts,
        color,
        markers: false,
    }
}

/// Writes the figures and `report.md` / `report.html` of the ensemble in `dir` into
/// `dir/report/`; `note` (or, when empty, the text of `dir/note.md` if present) is put at the
/// top of the report (e.g. the reduced scale of a quick run). Returns the path of `report.md`.
pub fn write_report(dir: &Path, note: &str) -> Result<std::path::PathBuf> {
    let spec: EnsembleSpec = ensemble::read_spec(dir)?;
    let out = dir.join("report");
    let mut stats = Vec::new();
    for (gi, group) in spec.groups.iter().enumerate() {
        let data = ensemble::load_group(dir, &spec, group)?;
        stats.push((
            group.clone(),
            group_stats(group, &data, spec.seed + gi as u64),
        ));
    }
    let ipl: Vec<&(Group, GroupStats)> = stats
        .iter()
        .filter(|(g, s)| matches!(g.family, Family::Ipl { .. }) && s.samples > 0)
        .collect();
    let harm: Vec<&(Group, GroupStats)> = stats
        .iter()
        .filter(|(g, s)| matches!(g.family, Family::Harmonic { .. }) && s.samples > 0)
        .collect();
    let mut figures = Vec::new();
    let mut fig = |plot: Plot, caption: &str| -> Result<()> {
        render(&plot, &out)?;
        figures.push((plot.file.clone(), caption.to_string()));
        Ok(())
    };
    let label = |s: &GroupStats| match s.tp {
        Some(t) if t.is_finite() => format!("Tp = {t}, N = {}", s.n),
        Some(_) => format!("Tp = ∞, N = {}", s.n),
        None => format!("N = {}", s.n),
    };
    if !ipl.is_empty() {
        let mut series: Vec<Series> = ipl
            .iter()
            .enumerate()
            .map(|(i, (_, s))| Series {
                name: label(s),
                points: hist_points(&s.p),
                color: i,
                markers: true,
            })
            .collect();
        let xmax = series[0].points.iter().map(|p| p.0).fold(0.0, f64::max);
        if let Some(&(x, y)) = series[0].points.iter().find(|(x, _)| *x >= TAIL.0) {
            series.push(guide(x, y * 2.0, xmax.max(3.0 * x), -3.5, "λ^-7/2", 7));
        }
        if let Some(&(x, y)) = series[0].points.iter().find(|(x, _)| *x >= MID.0) {
            series.push(guide(x, y * 2.0, x * 10.0, -2.0, "λ^-2", 6));
        }
        fig(
            Plot {
                file: "fig3a_P_lambda".into(),
                title: "Bond-operator spectrum P(λ) (paper Fig. 3a)".into(),
                x_label: "λ/λ₀".into(),
                y_label: "P(λ)".into(),
                series,
                vlines: vec![],
            },
            "P(λ) per Tp, normalized per degree of freedom, with λ^-7/2 and λ^-2 guides.",
        )?;
        let mut series: Vec<Series> = ipl
            .iter()
            .enumerate()
            .map(|(i, (_, s))| Series {
                name: label(s),
                points: hist_points(&s.d),
                color: i,
                markers: true,
            })
            .collect();
        if let Some(&(x, y)) = series[0].points.first() {
            series.push(guide(x, y, x * 10.0, 4.0, "ω^4", 7));
        }
        let vlines = ipl
            .iter()
            .enumerate()
            .map(|(i, (_, s))| (s.omega_ph, format!("ω_ph ({})", label(s)), i))
            .collect();
        fig(
            Plot {
                file: "fig1c_D_omega".into(),
                title: "Harmonic spectrum D(ω) (paper Fig. 1c)".into(),
                x_label: "ω/ω₀".into(),
                y_label: "D(ω)".into(),
                series,
                vlines,
            },
            "D(ω) per Tp with an ω^4 guide and the lowest phonon frequency ω_ph = 2πc_s/L.",
        )?;
        let series: Vec<Series> = ipl
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| !s.ne.is_empty())
            .flat_map(|(i, (_, s))| {
                let mut v = vec![Series {
                    name: label(s),
                    points: s.ne.clone(),
                    color: i,
                    markers: true,
                }];
                if let Some((pl, _)) = s.plateau {
                    v.push(Series {
                        name: format!("plateau {pl:.1}"),
                        points: vec![(TAIL.0, pl), (s.ne.last().map_or(TAIL.1, |p| p.0), pl)],
                        color: i,
                        markers: false,
                    });
                }
                v
            })
            .collect();
        if !series.is_empty() {
            fig(
                Plot {
                    file: "fig3b_participation".into(),
                    title: "Participation N·e(λ) of particle force modes (paper Fig. 3b)".into(),
                    x_label: "λ/λ₀".into(),
                    y_label: "N·e".into(),
                    series,
                    vlines: vec![],
                },
                "Mean N·e(F) per λ bin; horizontal lines: the plateau (mean over λ/λ₀ ≥ 10).",
            )?;
        }
        let finite: Vec<&&(Group, GroupStats)> = ipl
            .iter()
            .filter(|(_, s)| s.tp.is_some_and(f64::is_finite))
            .collect();
        if finite.len() >= 2 {
            let top = finite
                .iter()
                .max_by(|a, b| {
                    a.1.tp
                        .partial_cmp(&b.1.tp)
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
                .map(|x| &x.1);
            let ratio = |f: &dyn Fn(&GroupStats) -> Option<(f64, f64)>| -> Vec<(f64, f64)> {
                let base = top.and_then(f).map(|v| v.0);
                finite
                    .iter()
                    .filter_map(|(_, s)| Some((s.tp?, f(s)?.0 / base?)))
                    .collect()
            };
            let mut series = vec![Series {
                name: "R_Ag = A_g / A_g(highest Tp)".into(),
                points: ratio(&|s| s.a_g),
                color: 0,
                markers: true,
            }];
            let rx = ratio(&|s| s.xi);
            if !rx.is_empty() {
                series.push(Series {
                    name: "R_ξ = ξ / ξ(highest Tp)".into(),
                    points: rx,
                    color: 3,
                    markers: true,
                });
            }
            for s in &mut series {
                s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            fig(
                Plot {
                    file: "fig5_annealing".into(),
                    title: "Effect of annealing on A_g and ξ (paper Fig. 5)".into(),
                    x_label: "Tp".into(),
                    y_label: "ratio to the highest Tp".into(),
                    series,
                    vlines: vec![],
                },
                "A_g and ξ relative to the highest parent temperature of the ensemble.",
            )?;
        }
    }
    // decay profiles (Fig. 4d) and overlaps (Fig. 4e) of the lowest-Tp group with mode data
    if let Some((_, s)) = ipl
        .iter()
        .filter(|(_, s)| s.decay.is_some())
        .min_by(|a, b| {
            a.1.tp
                .partial_cmp(&b.1.tp)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    {
        if let Some((r, profiles)) = &s.decay {
            let series = profiles
                .iter()
                .enumerate()
                .map(|(i, (name, m))| Series {
                    name: format!(
                        "|{name}| ({})",
                        fmt(s
                            .decay_exponents
                            .iter()
                            .find(|e| &e.0 == name)
                            .and_then(|e| e.1))
                    ),
                    points: r.iter().copied().zip(m.iter().copied()).collect(),
                    color: i,
                    markers: true,
                })
                .collect();
            fig(
                Plot {
                    file: "fig4d_decay".into(),
                    title: format!(
                        "Decay of the top modes around their core, {} (paper Fig. 4d)",
                        label(s)
                    ),
                    x_label: "r".into(),
                    y_label: "running median of |V_i| / max |V|".into(),
                    series,
                    vlines: vec![],
                },
                "Mode-averaged decay profiles of D, F, D_PH and F_PH with fitted exponents (window 2a₀ to 0.45L); paper: r^-2 for D, F, D_PH and r^-9 for F_PH in 3D.",
            )?;
        }
        if !s.overlaps.is_empty() {
            fig(
                Plot {
                    file: "fig4e_overlaps".into(),
                    title: format!(
                        "Distance of D and F from their PHMs, {} (paper Fig. 4e)",
                        label(s)
                    ),
                    x_label: "λ/λ₀".into(),
                    y_label: "1 − |⟨V|V_PH⟩|".into(),
                    series: vec![
                        Series {
                            name: "D".into(),
                            points: s.overlaps.iter().map(|o| (o.0, o.1)).collect(),
                            color: 2,
                            markers: true,
                        },
                        Series {
                            name: "F".into(),
                            points: s.overlaps.iter().map(|o| (o.0, o.2)).collect(),
                            color: 0,
                            markers: true,
                        },
                    ],
                    vlines: vec![],
                },
                "Mean overlap 1 − |⟨V|V_PH⟩| of the top modes per λ bin: D converges to its PHM at high λ, F much less (paper Fig. 4e).",
            )?;
        }
    }
    if !harm.is_empty() {
        for (file, title, which, x_label, caption) in [
            (
                "fig7a_P_lambda_sizes",
                "P(λ) of harmonic packings for several N (paper Fig. 7a)",
                0,
                "λ/λ₀",
                "P(λ) of harmonic packings for each N: it should not depend on N.",
            ),
            (
                "fig7b_D_omega_sizes",
                "D(ω) of harmonic packings for several N (paper Fig. 7b)",
                1,
                "ω/ω₀",
                "D(ω) for each N with ω_ph of each size: its phonon peaks move with N.",
            ),
        ] {
            let series = harm
                .iter()
                .enumerate()
                .map(|(i, (_, s))| Series {
                    name: label(s),
                    points: hist_points(if which == 0 { &s.p } else { &s.d }),
                    color: i,
                    markers: true,
                })
                .collect();
            let vlines = if which == 1 {
                harm.iter()
                    .enumerate()
                    .map(|(i, (_, s))| (s.omega_ph, format!("ω_ph, N = {}", s.n), i))
                    .collect()
            } else {
                vec![]
            };
            fig(
                Plot {
                    file: file.into(),
                    title: title.into(),
                    x_label: x_label.into(),
                    y_label: if which == 0 { "P(λ)" } else { "D(ω)" }.into(),
                    series,
                    vlines,
                },
                caption,
            )?;
        }
    }
    // the tables and the claims
    let mut md = String::new();
    let _ = writeln!(md, "# bondspace report\n");
    // a note kept with the ensemble (e.g. the scale of a reproduce run) when none is given
    let kept = std::fs::read_to_string(dir.join("note.md")).unwrap_or_default();
    let note = if note.is_empty() { kept.trim() } else { note };
    if !note.is_empty() {
        let _ = writeln!(md, "{note}\n");
    }
    let _ = writeln!(
        md,
        "Ensemble: `{}` (seed {}, {} samples per group requested). Errors are bootstrap \
         standard errors over samples ({BOOTSTRAP} resamples). Windows: tail λ/λ₀ ∈ [{}, {}], \
         mid λ/λ₀ ∈ [{}, {}]; A_g is the prefactor of P = A_g λ^-7/2 on the tail window; the \
         N·e plateau is the mean N·e of the modes in the tail window, n = 1.15 × plateau and \
         ξ = a₀ n^(1/d).\n",
        dir.display(),
        spec.seed,
        spec.samples,
        TAIL.0,
        TAIL.1,
        MID.0,
        MID.1
    );
    let _ = writeln!(
        md,
        "| group | samples | modes in tail | tail exponent (paper −3.5) | A_g | mid exponent (paper −2) | N·e plateau | ξ |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for (_, s) in &stats {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            s.name,
            s.samples,
            s.tail_modes,
            fmt(s.tail_exponent),
            fmt_e(s.a_g),
            fmt(s.mid_exponent),
            fmt(s.plateau),
            fmt(s.xi)
        );
    }
    let _ = writeln!(md, "\n## What the data supports\n");
    for line in claims(&ipl, &harm) {
        let _ = writeln!(md, "- {line}");
    }
    let _ = writeln!(md, "\n## Figures\n");
    for (file, caption) in &figures {
        let _ = writeln!(md, "![{caption}]({file}.png)\n\n{caption} (`{file}.svg`)\n");
    }
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    let md_path = out.join("report.md");
    crate::io::write_atomic(&md_path, md.as_bytes())?;
    crate::io::write_atomic(&out.join("report.html"), html(&md).as_bytes())?;
    Ok(md_path)
}

/// Plain statements of the paper's claims against the measured numbers.
fn claims(ipl: &[&(Group, GroupStats)], harm: &[&(Group, GroupStats)]) -> Vec<String> {
    let mut out = Vec::new();
    let within = |v: (f64, f64), target: f64| (v.0 - target).abs() <= 2.0 * v.1;
    for (_, s) in ipl.iter().chain(harm.iter()) {
        if let Some(t) = s.tail_exponent {
            let verdict = if !t.1.is_finite() {
                "no error estimate (too few samples)"
            } else if within(t, -3.5) {
                "consistent with −7/2 within 2σ"
            } else {
                "NOT consistent with −7/2 within 2σ"
            };
            out.push(format!(
                "{}: P(λ) tail exponent {} from {} modes — {verdict}.",
                s.name,
                fmt(Some(t)),
                s.tail_modes
            ));
        } else {
            out.push(format!(
                "{}: too few modes with λ/λ₀ ≥ {} to fit the tail ({}).",
                s.name, TAIL.0, s.tail_modes
            ));
        }
        if let Some(m) = s.mid_exponent {
            let verdict = if m.1.is_finite() && within(m, -2.0) {
                "consistent with −2 within 2σ"
            } else {
                "not consistent with −2 within 2σ"
            };
            out.push(format!(
                "{}: mid exponent {} — {verdict}.",
                s.name,
                fmt(Some(m))
            ));
        }
    }
    for (_, s) in ipl {
        if !s.decay_exponents.is_empty() {
            out.push(format!(
                "{}: decay exponents of the top modes (r ∈ [2a₀, 0.45L]) {} — paper (3D): −2 for \
                 D, F and D_PH, −9 for F_PH.",
                s.name,
                s.decay_exponents
                    .iter()
                    .map(|(n, e)| format!("{n} {}", fmt(*e)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(&(l, od, of)) = s.overlaps.last() {
            out.push(format!(
                "{}: in the highest λ bin (λ/λ₀ ≈ {l:.0}) the top modes have 1 − |⟨D|D_PH⟩| = \
                 {od:.3} and 1 − |⟨F|F_PH⟩| = {of:.3}: D is {} its PHM.",
                s.name,
                if od < 0.1 { "close to" } else { "not close to" }
            ));
        }
    }
    let mut finite: Vec<&GroupStats> = ipl
        .iter()
        .map(|x| &x.1)
        .filter(|s| s.tp.is_some_and(f64::is_finite))
        .collect();
    finite.sort_by(|a, b| a.tp.partial_cmp(&b.tp).unwrap_or(std::cmp::Ordering::Equal));
    if finite.len() >= 2 {
        let trend = |name: &str,
                     get: &dyn Fn(&GroupStats) -> Option<(f64, f64)>,
                     show: &dyn Fn(Option<(f64, f64)>) -> String,
                     yes: &str,
                     no: &str|
         -> Option<String> {
            let v: Vec<f64> = finite
                .iter()
                .map(|s| get(s).map(|x| x.0))
                .collect::<Option<_>>()?;
            let inc = v.windows(2).all(|w| w[0] < w[1]);
            let values: Vec<String> = finite
                .iter()
                .map(|s| format!("Tp {} → {}", s.tp.unwrap_or(f64::NAN), show(get(s))))
                .collect();
            Some(format!(
                "{name} against Tp ({}): {}.",
                values.join(", "),
                if inc { yes } else { no }
            ))
        };
        out.extend(trend(
            "A_g",
            &|s| s.a_g,
            &fmt_e,
            "increases with Tp, as the paper finds (Fig. 5)",
            "does not increase monotonically with Tp here",
        ));
        out.extend(trend(
            "ξ",
            &|s| s.xi,
            &fmt,
            "grows with Tp (shrinks with annealing), as the paper finds",
            "not monotonic in Tp here",
        ));
    }
    if harm.len() >= 2 {
        // the fraction of modes per degree of freedom in a range of the histogram
        let mass = |h: &Option<Histogram>, keep: &dyn Fn(f64) -> bool| -> f64 {
            h.as_ref().map_or(f64::NAN, |h| {
                h.centers
                    .iter()
                    .zip(h.edges.windows(2))
                    .zip(&h.density)
                    .filter(|((c, _), _)| keep(**c))
                    .map(|((_, w), d)| d * (w[1] - w[0]))
                    .sum()
            })
        };
        let list = |f: &dyn Fn(&GroupStats) -> String| -> String {
            harm.iter()
                .map(|(_, s)| f(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(format!(
            "Size dependence (harmonic packings): fraction of modes per degree of freedom with \
             λ/λ₀ ≥ 1: {}; with ω/ω₀ ≤ 0.5: {}. P(λ) should not depend on N; D(ω) carries \
             phonon bands at ω_ph ∝ 1/L ({}).",
            list(&|s| format!("N = {}: {:.4}", s.n, mass(&s.p, &|c| c >= 1.0))),
            list(&|s| format!("N = {}: {:.5}", s.n, mass(&s.d, &|c| c <= 0.5))),
            list(&|s| format!("N = {}: ω_ph/ω₀ = {:.3}", s.n, s.omega_ph)),
        ));
    }
    out
}

/// A minimal HTML page of the markdown report (headings, tables, images, paragraphs).
fn html(md: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut h = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>bondspace report</title>\
         <style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:\
         collapse}td,th{border:1px solid #999;padding:3px 6px}img{max-width:100%}</style>\
         </head><body>\n",
    );
    let mut in_table = false;
    for line in md.lines() {
        if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                h.push_str("<table>\n");
                in_table = true;
            }
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| format!("<td>{}</td>", esc(c.trim())))
                .collect();
            let _ = writeln!(h, "<tr>{}</tr>", cells.concat());
            continue;
        }
        if in_table {
            h.push_str("</table>\n");
            in_table = false;
        }
        if let Some(t) = line.strip_prefix("## ") {
            let _ = writeln!(h, "<h2>{}</h2>", esc(t));
        } else if let Some(t) = line.strip_prefix("# ") {
            let _ = writeln!(h, "<h1>{}</h1>", esc(t));
        } else if let Some(rest) = line.strip_prefix("![") {
            if let Some((alt, src)) = rest.split_once("](") {
                let src = src.trim_end_matches(')');
                let _ = writeln!(h, "<p><img src=\"{}\" alt=\"{}\"></p>", esc(src), esc(alt));
            }
        } else if let Some(t) = line.strip_prefix("- ") {
            let _ = writeln!(h, "<p>• {}</p>", esc(t));
        } else if !line.trim().is_empty() {
            let _ = writeln!(h, "<p>{}</p>", esc(line));
        }
    }
    if in_table {
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    h
}

/// Draws a high-λ mode of a 2D configuration as `dir/<file>.png` and `.svg`, three panels
/// (paper Figs. 1b and 4a–c): (a) the bond force mode f, the top 10 % of bonds by |f| drawn
/// red (extension, f > 0) or blue (compression), width and opacity by |f|; (b) the particle
/// force modes F (blue) and F_PH (orange) as arrows; (c) the displacement modes D (green) and
/// D_PH (purple). Arrows are scaled so that the largest is 2 a₀; those below 5 % of the largest
/// are not drawn. Vectors are in the network numbering of `net`, as in [`ModeResults`].
///
/// [`ModeResults`]: crate::analysis::ModeResults
pub fn draw_mode_2d(
    cfg: &crate::config::Configuration<2>,
    a: &crate::analysis::Analysis<2>,
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
    cfg: &crate::config::Configuration<2>,
    a: &crate::analysis::Analysis<2>,
    m: &crate::analysis::ModeResults,
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
