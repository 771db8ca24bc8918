//! Figures: log–log plots of curves with guides and vertical lines, rendered as PNG and SVG
//! by plotters, and the figures of an ensemble report (paper Figs. 1c, 3a, 3b, 4d, 4e, 5, 7a,
//! 7b).

use std::path::Path;

use bondspace::ensemble::Group;
use bondspace::error::{Error, Result};
use bondspace::prepare::Temperature;
use bondspace::stats::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::markdown::fmt;
use crate::stats::{GroupStats, MID, TAIL};

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

pub(crate) fn hist_points(h: &Option<Histogram>) -> Vec<(f64, f64)> {
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
pub(crate) fn guide(x0: f64, y0: f64, x1: f64, k: f64, name: &str, color: usize) -> Series {
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

/// Draws every figure the groups' data allow into `out` (PNG and SVG) and returns
/// (file stem, caption) of each, in order.
pub fn ensemble_figures(
    ipl: &[&(Group, GroupStats)],
    harm: &[&(Group, GroupStats)],
    out: &Path,
) -> Result<Vec<(String, String)>> {
    let mut figures = Vec::new();
    let mut fig = |plot: Plot, caption: &str| -> Result<()> {
        render(&plot, out)?;
        figures.push((plot.file.clone(), caption.to_string()));
        Ok(())
    };
    let label = |s: &GroupStats| match s.tp {
        Some(Temperature::Finite(t)) => format!("Tp = {t}, N = {}", s.n),
        Some(Temperature::Infinite) => format!("Tp = ∞, N = {}", s.n),
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
            .filter(|(_, s)| s.tp.is_some_and(Temperature::is_finite))
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
                    .filter_map(|(_, s)| Some((s.tp?.value(), f(s)?.0 / base?)))
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
    Ok(figures)
}
