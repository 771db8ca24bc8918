//! The figures of an ensemble report (paper Figs. 1c, 3a, 3b, 4d, 4e, 5, 7a, 7b): pooled
//! curves with bootstrap error bars, the fitted windows shaded and the fitted power laws
//! drawn, reference guides bounded to where they apply.

use std::path::Path;

use bondspace::error::Result;
use bondspace::prepare::Temperature;
use bondspace::stats::Histogram;

use crate::figures::{Legend, Plot, Series, guide, render, sup};
use crate::stats::GroupStats;

fn label(s: &GroupStats) -> String {
    match s.tp {
        Some(Temperature::Finite(t)) => format!("Tp = {t}, N = {}", s.n),
        Some(Temperature::Infinite) => format!("Tp = ∞, N = {}", s.n),
        None => format!("N = {}", s.n),
    }
}

/// Points (centre, density) and errors of the non-empty bins of a histogram.
fn hist_series(h: &Option<(Histogram, Vec<f64>)>, name: String, color: usize) -> Series {
    let (mut pts, mut err) = (Vec::new(), Vec::new());
    if let Some((h, e)) = h {
        for ((c, d), se) in h.centers.iter().zip(&h.density).zip(e) {
            if *d > 0.0 {
                pts.push((*c, *d));
                err.push(*se);
            }
        }
    }
    Series {
        name,
        points: pts,
        errors: err,
        color,
        markers: true,
        ..Default::default()
    }
}

/// The fitted power law of a density P = A x^k with A from the count N(x > x₀) per dof.
fn tail_line(s: &GroupStats, color: usize) -> Option<Series> {
    let t = s.tail?;
    let (h, _) = s.p.as_ref()?;
    let alpha = -t.exponent.value;
    let above: f64 = h.mass(|c| c >= t.lambda_min);
    let xmax = h
        .centers
        .iter()
        .zip(&h.density)
        .filter(|(_, d)| **d > 0.0)
        .map(|(c, _)| *c)
        .fold(t.lambda_min, f64::max);
    // ∫_x₀^∞ A x^−α dx = above ⇒ A = above (α − 1) x₀^{α−1}
    let a = above * (alpha - 1.0) * t.lambda_min.powf(alpha - 1.0);
    let y0 = a * t.lambda_min.powf(-alpha);
    Some(guide(
        t.lambda_min,
        y0,
        xmax,
        -alpha,
        &format!(
            "fit {}: {:.2} ± {:.2}",
            label(s),
            t.exponent.value,
            t.exponent.se
        ),
        color,
    ))
}

fn mid_line(s: &GroupStats, color: usize) -> Option<Series> {
    let m = s.mid.as_ref()?;
    let (h, _) = s.p.as_ref()?;
    let k = m.exponent.value;
    let (a, b) = m.window;
    let mass = h.mass(|c| c >= a && c <= b);
    // ∫_a^b A x^k dx = mass
    let integral = if (k + 1.0).abs() < 1e-9 {
        (b / a).ln()
    } else {
        (b.powf(k + 1.0) - a.powf(k + 1.0)) / (k + 1.0)
    };
    let amp = mass / integral;
    Some(guide(
        a,
        amp * a.powf(k),
        b,
        k,
        &format!("mid fit: {:.2} ± {:.2}", k, m.exponent.se),
        color,
    ))
}

/// A λ^-7/2 reference over one decade above the first tail's λ_min, drawn above the points
/// of `first` (the first group's P(λ)).
fn tail_reference(ipl: &[&GroupStats], first: &Series) -> Option<Series> {
    let t = ipl.iter().find_map(|s| s.tail)?;
    let p = first.points.iter().find(|p| p.0 >= t.lambda_min)?;
    Some(guide(
        p.0,
        3.0 * p.1,
        10.0 * p.0,
        -3.5,
        &sup("λ", "-3.5"),
        7,
    ))
}

/// Draws every figure the groups' data allow into `out` (PNG and SVG) and returns
/// (file stem, caption) of each, in order.
pub fn ensemble_figures(
    ipl: &[&GroupStats],
    harm: &[&GroupStats],
    out: &Path,
) -> Result<Vec<(String, String)>> {
    let mut figures = Vec::new();
    let mut fig = |plot: Plot, caption: String| -> Result<()> {
        render(&plot, out)?;
        figures.push((plot.file.clone(), caption));
        Ok(())
    };
    if !ipl.is_empty() {
        // Fig. 3a: P(λ)
        let mut series = Vec::new();
        let mut bands = Vec::new();
        for (i, s) in ipl.iter().enumerate() {
            series.push(hist_series(&s.p, label(s), i));
            series.extend(tail_line(s, i));
            series.extend(mid_line(s, i));
            if let Some(m) = &s.mid {
                bands.push((m.window.0, m.window.1, i));
            }
        }
        series.extend(tail_reference(ipl, &series[0]));
        fig(
            Plot {
                file: "fig3a_P_lambda".into(),
                title: "Bond-operator spectrum P(λ) (paper Fig. 3a)".into(),
                x_label: "λ/λ₀".into(),
                y_label: "P(λ)".into(),
                series,
                bands,
                legend: Legend::LowerLeft,
                ..Default::default()
            },
            "P(λ) per Tp in units of the group's λ₀, with bootstrap error bars; the tail fits \
             (maximum likelihood above λ_min) and the mid fits (truncated maximum likelihood, \
             windows shaded) drawn, and a λ⁻³·⁵ reference."
                .into(),
        )?;
        // Fig. 1c: D(ω)
        let mut series: Vec<Series> = ipl
            .iter()
            .enumerate()
            .map(|(i, s)| hist_series(&s.d, label(s), i))
            .collect();
        let wph = ipl[0].pooled.omega_ph_over_omega_0;
        if let Some(&(x, y)) = series[0].points.first()
            && x < wph
        {
            series.push(guide(x, y, wph, 4.0, &sup("ω", "4"), 7));
        }
        let vlines = ipl
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.pooled.omega_ph_over_omega_0,
                    format!("ω_ph ({})", label(s)),
                    i,
                )
            })
            .collect();
        fig(
            Plot {
                file: "fig1c_D_omega".into(),
                title: "Harmonic spectrum D(ω) (paper Fig. 1c)".into(),
                x_label: "ω/ω₀".into(),
                y_label: "D(ω)".into(),
                series,
                vlines,
                legend: Legend::LowerRight,
                ..Default::default()
            },
            "D(ω) per Tp with bootstrap error bars, an ω⁴ guide up to the lowest phonon \
             frequency ω_ph = 2πc_s/L (vertical lines)."
                .into(),
        )?;
        // Fig. 1d: P(λ) of the same glasses as Fig. 1c, with the λ^-7/2 reference only
        let mut series: Vec<Series> = ipl
            .iter()
            .enumerate()
            .map(|(i, s)| hist_series(&s.p, label(s), i))
            .collect();
        series.extend(tail_reference(ipl, &series[0]));
        fig(
            Plot {
                file: "fig1d_P_lambda".into(),
                title: "Bond-operator spectrum P(λ) of the glasses of Fig. 1c (paper Fig. 1d)"
                    .into(),
                x_label: "λ/λ₀".into(),
                y_label: "P(λ)".into(),
                series,
                legend: Legend::LowerLeft,
                ..Default::default()
            },
            "P(λ) of the glasses of Fig. 1c, λ in units of λ₀ = ω₀⁻², bootstrap error bars, and \
             a λ⁻³·⁵ reference; the fits are in Fig. 3a."
                .into(),
        )?;
        // Fig. 3b: N·e(λ)
        let mut series = Vec::new();
        for (i, s) in ipl.iter().enumerate().filter(|(_, s)| !s.ne.is_empty()) {
            series.push(Series {
                name: label(s),
                points: s.ne.iter().map(|p| (p.0, p.1)).collect(),
                errors: s.ne.iter().map(|p| p.2).collect(),
                color: i,
                markers: true,
                ..Default::default()
            });
            if let (Some(pl), Some(t)) = (s.plateau, s.tail) {
                let xmax = s.ne.last().map_or(10.0 * t.lambda_min, |p| p.0);
                series.push(Series {
                    name: format!("plateau {:.1} ± {:.1}", pl.value, pl.se),
                    points: vec![(t.lambda_min, pl.value), (xmax, pl.value)],
                    color: i,
                    guide: true,
                    ..Default::default()
                });
            }
        }
        if !series.is_empty() {
            fig(
                Plot {
                    file: "fig3b_participation".into(),
                    title: "Participation N·e(λ) of particle force modes (paper Fig. 3b)".into(),
                    x_label: "λ/λ₀".into(),
                    y_label: "N·e".into(),
                    series,
                    legend: Legend::LowerLeft,
                    ..Default::default()
                },
                "Mean N·e(F) per λ bin with bootstrap errors; horizontal lines: the plateau \
                 (mean N·e of the modes above the tail's λ_min)."
                    .into(),
            )?;
        }
        // Fig. 5: annealing ratios
        let finite = crate::stats::finite_tp_series(ipl);
        if finite.len() >= 2 {
            let ratio = |get: fn(&GroupStats) -> Option<crate::stats::Estimate>| {
                let top = finite.last().and_then(|s| get(s));
                let (mut pts, mut err) = (Vec::new(), Vec::new());
                for s in &finite {
                    if let (Some(v), Some(t), Some(tp)) = (get(s), top, s.tp) {
                        let r = v.value / t.value;
                        pts.push((tp.value(), r));
                        let rel = ((v.se / v.value).powi(2) + (t.se / t.value).powi(2)).sqrt();
                        err.push(r * rel);
                    }
                }
                (pts, err)
            };
            let mut series = Vec::new();
            for (name, get, color) in [
                (
                    "R_Ag (λ/λ₀ units)",
                    (|s: &GroupStats| s.a_g) as fn(&GroupStats) -> Option<crate::stats::Estimate>,
                    0usize,
                ),
                ("R_Ag (simulation units)", |s: &GroupStats| s.a_g_sim, 1),
                ("R_ξ (N·e plateau)", |s: &GroupStats| s.xi, 3),
                ("R_ξ (dipoles: 2π c_s/ω_g)", |s: &GroupStats| s.xi_g, 4),
            ] {
                let (points, errors) = ratio(get);
                if !points.is_empty() {
                    series.push(Series {
                        name: name.into(),
                        points,
                        errors,
                        color,
                        markers: true,
                        ..Default::default()
                    });
                }
            }
            fig(
                Plot {
                    file: "fig5_annealing".into(),
                    title: "Effect of annealing on A_g and ξ (paper Fig. 5)".into(),
                    x_label: "Tp".into(),
                    y_label: "ratio to the highest Tp".into(),
                    series,
                    legend: Legend::LowerRight,
                    ..Default::default()
                },
                "A_g (in λ/λ₀ and in simulation units) and ξ relative to the highest parent \
                 temperature, with propagated bootstrap errors; ξ both from the N·e plateau of \
                 the A-modes and, as in Rainone et al. (2020), as 2π c_s/ω_g with \
                 ω_g = √⟨κ_α⟩ of the dipole responses."
                    .into(),
            )?;
        }
    }
    // Figs. 4d and 4e for every group with mode data
    for s in ipl.iter().chain(harm) {
        if let Some((r, profiles)) = &s.decay_profiles {
            let mut series: Vec<Series> = profiles
                .iter()
                .enumerate()
                .map(|(i, (name, m))| Series {
                    name: format!(
                        "|{name}| ({})",
                        s.decay.iter().find(|(f, _)| f == name).map_or(
                            "–".into(),
                            |(_, w)| format!("{:.2} ± {:.2}", w.exponent.value, w.exponent.se)
                        )
                    ),
                    points: r.iter().copied().zip(m.iter().copied()).collect(),
                    color: i,
                    markers: true,
                    ..Default::default()
                })
                .collect();
            let window = s.decay.first().map(|(_, w)| w.window);
            if let (Some(w), Some(d)) = (window, profiles.first()) {
                let start = r
                    .iter()
                    .zip(&d.1)
                    .find(|(x, y)| **x >= w.0 && y.is_finite());
                if let Some((&x, &y)) = start {
                    series.push(guide(x, 2.0 * y, w.1, -2.0, &sup("r", "-2"), 7));
                    series.push(guide(
                        x,
                        0.5 * y,
                        w.1.min(3.0 * x),
                        -9.0,
                        &sup("r", "-9"),
                        6,
                    ));
                }
            }
            fig(
                Plot {
                    file: format!("fig4d_decay_{}", s.name),
                    title: format!("Decay of QLM-like modes around their core, {}", label(s)),
                    x_label: "r/a₀".into(),
                    y_label: "running median of |V_i| / max |V|".into(),
                    series,
                    bands: window.map(|w| vec![(w.0, w.1, 7)]).unwrap_or_default(),
                    legend: Legend::LowerLeft,
                    ..Default::default()
                },
                format!(
                    "Decay profiles of D, F, D_PH and F_PH averaged over {} {}modes of {} \
                     (paper Fig. 4d), fit window shaded, with r⁻² and r⁻⁹ guides.",
                    s.decay_modes,
                    if s.decay_qlm_only { "QLM-like " } else { "" },
                    s.name
                ),
            )?;
        }
        if !s.overlaps.is_empty() {
            let mut series = vec![
                Series {
                    name: "D".into(),
                    points: s.overlaps.iter().map(|o| (o.0, o.1)).collect(),
                    color: 2,
                    markers: true,
                    ..Default::default()
                },
                Series {
                    name: "F".into(),
                    points: s.overlaps.iter().map(|o| (o.0, o.2)).collect(),
                    color: 0,
                    markers: true,
                    ..Default::default()
                },
            ];
            if let (Some(f), Some(o)) = (
                &s.overlap_fit,
                s.overlaps
                    .iter()
                    .find(|o| o.0 >= s.overlap_fit.as_ref().map_or(0.0, |f| f.window.0)),
            ) {
                series.push(guide(
                    o.0,
                    o.1,
                    f.window.1,
                    f.exponent.value,
                    &format!("fit D: {:.2} ± {:.2}", f.exponent.value, f.exponent.se),
                    2,
                ));
                series.push(guide(o.0, 3.0 * o.1, f.window.1, -4.0, &sup("λ", "-4"), 7));
            }
            fig(
                Plot {
                    file: format!("fig4e_overlaps_{}", s.name),
                    title: format!("Distance of D and F from their PHMs, {}", label(s)),
                    x_label: "λ/λ₀".into(),
                    y_label: "1 − |⟨V|V_PH⟩|".into(),
                    series,
                    legend: Legend::LowerLeft,
                    ..Default::default()
                },
                format!(
                    "Mean 1 − |⟨V|V_PH⟩| of the top modes of {} per λ bin (paper Fig. 4e), the \
                     fitted exponent above λ_min and a λ⁻⁴ guide.",
                    s.name
                ),
            )?;
        }
    }
    if !harm.is_empty() {
        let series = harm
            .iter()
            .enumerate()
            .map(|(i, s)| hist_series(&s.p, label(s), i))
            .collect();
        fig(
            Plot {
                file: "fig7a_P_lambda_sizes".into(),
                title: "P(λ) of harmonic packings for several N (paper Fig. 7a)".into(),
                x_label: "λ/λ₀".into(),
                y_label: "P(λ)".into(),
                series,
                legend: Legend::LowerLeft,
                ..Default::default()
            },
            "P(λ) of harmonic packings for each N with bootstrap errors: it should not depend \
             on N."
                .into(),
        )?;
        let series = harm
            .iter()
            .enumerate()
            .map(|(i, s)| hist_series(&s.d, label(s), i))
            .collect();
        let vlines = harm
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.pooled.omega_ph_over_omega_0,
                    format!("ω_ph, N = {}", s.n),
                    i,
                )
            })
            .collect();
        fig(
            Plot {
                file: "fig7b_D_omega_sizes".into(),
                title: "D(ω) of harmonic packings for several N (paper Fig. 7b)".into(),
                x_label: "ω/ω₀".into(),
                y_label: "D(ω)".into(),
                series,
                vlines,
                legend: Legend::LowerRight,
                ..Default::default()
            },
            "D(ω) for each N with ω_ph of each size: its phonon peaks move with N.".into(),
        )?;
    }
    Ok(figures)
}
