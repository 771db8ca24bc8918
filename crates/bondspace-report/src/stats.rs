//! The measured numbers of each group, with bootstrap errors over samples.
//!
//! Per group (windows in units of λ₀, fixed and stated in the report):
//! - P(λ) tail exponent: least-squares slope of log P against log λ on λ/λ₀ ∈ [`TAIL`];
//! - A_g: prefactor of P = A_g λ^-7/2 on the same window (geometric mean of P λ^7/2);
//! - mid exponent: slope on λ/λ₀ ∈ [`MID`];
//! - N·e plateau: mean N·e of the modes with λ/λ₀ ∈ [`TAIL`]; n = 1.15 × plateau,
//!   ξ = a₀ n^{1/d};
//! - decay exponents of the mode-averaged profiles on the default decay window;
//! - errors: bootstrap over samples ([`BOOTSTRAP`] resamples, fixed seed).

use bondspace::ensemble::pool::pooled_histograms;
use bondspace::ensemble::{Family, Group};
use bondspace::modes::participation::{qlm_size, xi};
use bondspace::prepare::Temperature;
use bondspace::results::{Profiles, SampleRecord, lambda_bins};
use bondspace::stats::{
    Histogram, binned_means, bootstrap, power_law_fit, prefactor_fixed_exponent, window_mean,
};

/// Fit window of the high-λ tail, λ/λ₀.
pub const TAIL: (f64, f64) = (10.0, 1e4);
/// Fit window of the mid-λ regime, λ/λ₀.
pub const MID: (f64, f64) = (1.0, 10.0);
/// Bootstrap resamples.
pub const BOOTSTRAP: usize = 200;

/// Measured numbers of one group: value and bootstrap standard error.
#[derive(Clone, Debug, Default)]
pub struct GroupStats {
    /// Group name.
    pub name: String,
    /// Samples pooled.
    pub samples: usize,
    /// Tp of an IPL group, None for other models.
    pub tp: Option<Temperature>,
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
    /// (field, exponent, bootstrap error) on [`bondspace::modes::decay::default_window`].
    pub decay: Option<Profiles>,
    /// Decay exponents per field with bootstrap errors.
    pub decay_exponents: Vec<(String, Option<(f64, f64)>)>,
}

/// Mean over samples (NaN-aware) of the decay profile of `field`.
fn mean_decay(data: &[SampleRecord], idx: &[usize], field: &str) -> Option<(Vec<f64>, Vec<f64>)> {
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

fn pooled(data: &[SampleRecord], idx: &[usize]) -> (Histogram, Histogram) {
    pooled_histograms(data, idx)
}

/// The N·e plateau of the samples `idx`: the mean N·e of their modes with λ/λ₀ in [`TAIL`].
fn plateau_of(data: &[SampleRecord], idx: &[usize]) -> Option<f64> {
    window_mean(
        idx.iter()
            .flat_map(|&i| data[i].participation.iter().copied()),
        TAIL,
    )
}

/// Measures one group.
pub fn group_stats(group: &Group, data: &[SampleRecord], seed: u64) -> GroupStats {
    let all: Vec<usize> = (0..data.len()).collect();
    let mut g = GroupStats {
        name: group.name(),
        samples: data.len(),
        n: group.n,
        tp: match group.family {
            Family::Ipl { tp, .. } => Some(tp),
            Family::Harmonic { .. } => None,
        },
        ..Default::default()
    };
    if data.is_empty() {
        return g;
    }
    let a0 = data.iter().map(|d| d.a0).sum::<f64>() / data.len() as f64;
    g.omega_ph = data.iter().map(|d| d.omega_ph_over_omega_0).sum::<f64>() / data.len() as f64;
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
    let le = lambda_bins();
    let (ne_l, ne_v): (Vec<f64>, Vec<f64>) = data
        .iter()
        .flat_map(|d| d.participation.iter().copied())
        .unzip();
    if !ne_l.is_empty() {
        let (c, m, n) = binned_means(&ne_l, &ne_v, &le);
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
    let window = bondspace::modes::decay::default_window(a0, l);
    let fields = ["D", "F", "D_PH", "F_PH"];
    let profiles: Vec<(String, Vec<f64>)> = fields
        .iter()
        .filter_map(|f| mean_decay(data, &all, f).map(|(_, m)| (f.to_string(), m)))
        .collect();
    if let Some((r, _)) = mean_decay(data, &all, "D") {
        for f in fields {
            let e = boot(&|idx| {
                let (r, m) = mean_decay(data, idx, f)?;
                bondspace::modes::decay::fit_exponent(&r, &m, window).map(|x| x.0)
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
