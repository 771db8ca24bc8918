//! Plain statements of the paper's claims against the measured numbers.

use bondspace::ensemble::Group;
use bondspace::prepare::Temperature;
use bondspace::stats::Histogram;

use crate::markdown::{fmt, fmt_e};
use crate::stats::{GroupStats, TAIL};

/// Plain statements of the paper's claims against the measured numbers.
pub fn claims(ipl: &[&(Group, GroupStats)], harm: &[&(Group, GroupStats)]) -> Vec<String> {
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
        .filter(|s| s.tp.is_some_and(Temperature::is_finite))
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
                .map(|s| {
                    format!(
                        "Tp {} → {}",
                        s.tp.map_or(f64::NAN, Temperature::value),
                        show(get(s))
                    )
                })
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
            h.as_ref().map_or(f64::NAN, |h| h.mass(keep))
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
