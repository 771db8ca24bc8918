//! The measured numbers of each group, each with its estimator, window, sample count and a
//! bootstrap error over samples ([`BOOTSTRAP`] resamples, fixed seed).
//!
//! All eigenvalues of a group are in units of the group's λ₀ (from its mean G,
//! [`bondspace::ensemble::pool`](mod@bondspace::ensemble::pool)); slicing samples are in units of their own λ₀.
//!
//! | number | estimator |
//! |---|---|
//! | tail exponent of P(λ) | continuous power-law maximum likelihood above λ_min (values ≥ λ_min); λ_min chosen by the minimum Kolmogorov–Smirnov distance (Clauset, Shalizi & Newman 2009) among the eigenvalues above [`TAIL_FLOOR`] leaving ≥ [`TAIL_MIN_MODES`] modes; binned (interval-censored) likelihood for slicing counts; error: bootstrap over samples with λ_min re-chosen in every resample |
//! | A_g | count-based, P = A_g λ^−7/2 ⇒ A_g = (5/2) Λ^{5/2} N(λ > Λ)/(N d) at Λ = λ_min, in λ/λ₀ units and in simulation units (A_g,sim = A_g λ₀^{5/2}); the bootstrap re-estimates λ₀ in each resample for the λ/λ₀ value |
//! | mid exponent | truncated power-law maximum likelihood on the half-decade window above the peak of P where the local exponent is flattest, below λ_min; slicing counts: the binned (interval-censored) likelihood on the run of [`MID_BINS`] bins chosen the same way |
//! | N·e plateau | mean N·e of the modes with λ ≥ λ_min (all modes with participation data, else the top modes); its flatness is tested by the slope of ln N·e against ln λ over those modes |
//! | ξ | a₀ (1.15 × plateau)^{1/d} |
//! | ω_g, ξ_g | ω_g = √⟨κ_α⟩ over every dipole response of every sample (κ_α = uᵀMu/uᵀu, u = M⁺Sᵀ\|α⟩, unit masses), in ω₀ units; ξ_g = 2π c_s/ω_g in a₀ units (Rainone et al. 2020's length, the paper's cross-check of ξ); error: bootstrap over samples |
//! | decay exponents | least squares of ln y against ln r over the mode-averaged profile of the QLM-like modes (1 − |⟨D|D_PH⟩| < [`QLM_OVERLAP`]) on the decay window |
//! | overlap exponent | least squares of ln(1 − |⟨D|D_PH⟩|) against ln λ over the top modes with λ ≥ λ_min |
//! | D(ω) exponent | truncated maximum likelihood of the frequencies below ω_ph (slicing: binned likelihood on the bins below ω_ph) |

use bondspace::ensemble::pool::{Pooling, summarize};
use bondspace::ensemble::{Family, Group, PooledSummary};
use bondspace::modes::decay::default_window;
use bondspace::modes::participation::{qlm_size, xi};
use bondspace::prepare::Temperature;
use bondspace::results::SampleRecord;
use bondspace::stats::{
    BinnedSample, Histogram, PowerLawMle, binned_means, binned_tail_fit_ks, binned_window_mle,
    bootstrap, bootstrap_many, bootstrap_rms, flattest_window, power_law_fit, prefactor_from_count,
    tail_fit_ks, tail_mle, truncated_mle, window_mean,
};

/// Bootstrap resamples.
pub const BOOTSTRAP: usize = 200;
/// λ/λ₀ below which no tail λ_min is considered: the start of the paper's tail regime
/// (its Fig. 3a), well above the mid regime and the crossover.
pub const TAIL_FLOOR: f64 = 10.0;
/// The fewest modes a tail fit may rest on.
pub const TAIL_MIN_MODES: usize = 50;
/// Candidates for λ_min in the KS scan.
pub const TAIL_CANDIDATES: usize = 40;
/// Width of the mid window (a factor, half a decade).
pub const MID_RATIO: f64 = 3.162_277_660_168_379_5;
/// The fewest modes in a mid window.
pub const MID_MIN_MODES: usize = 50;
/// A mode is QLM-like when 1 − |⟨D|D_PH⟩| is below this.
pub const QLM_OVERLAP: f64 = 0.1;

/// A value with its bootstrap standard error (NaN with fewer than two samples).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    /// The value on all samples.
    pub value: f64,
    /// Bootstrap standard error over samples.
    pub se: f64,
}

impl Estimate {
    fn of(v: Option<(f64, f64)>) -> Option<Estimate> {
        v.map(|(value, se)| Estimate { value, se })
    }
}

/// The fitted tail of P(λ).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TailFit {
    /// Exponent of P(λ) ∼ λ^exponent (−α).
    pub exponent: Estimate,
    /// λ_min/λ₀.
    pub lambda_min: f64,
    /// Modes at or above λ_min.
    pub n_modes: usize,
    /// KS distance of the fit.
    pub ks: f64,
    /// `continuous MLE` or `binned MLE`.
    pub estimator: &'static str,
}

/// A fitted exponent on a window.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowFit {
    /// The exponent.
    pub exponent: Estimate,
    /// The window (units of the axis: λ/λ₀, r/a₀ or ω/ω₀).
    pub window: (f64, f64),
    /// Modes (or points) used.
    pub n_modes: usize,
}

/// Measured numbers of one group.
#[derive(Clone, Debug, Default)]
pub struct GroupStats {
    /// Group name.
    pub name: String,
    /// Tp of an IPL group, None for other models.
    pub tp: Option<Temperature>,
    /// N.
    pub n: usize,
    /// Dimension.
    pub dim: usize,
    /// Samples pooled.
    pub samples: usize,
    /// The pooled scalars (equilibration, e_IS, G, λ₀, acceptance, …).
    pub pooled: PooledSummary,
    /// Bootstrap error of λ₀ (re-estimated per resample).
    pub lambda0_se: f64,
    /// Tail of P(λ).
    pub tail: Option<TailFit>,
    /// The tail exponent above the cutoff that keeps half the tail modes: (cutoff λ/λ₀,
    /// exponent) — the stability check of the tail.
    pub tail_upper: Option<(f64, Estimate)>,
    /// A_g in λ/λ₀ units at Λ = [`GroupStats::a_g_threshold`].
    pub a_g: Option<Estimate>,
    /// Λ of A_g (λ/λ₀): the group's λ_min, or in a report the largest λ_min of the IPL
    /// groups, so that every A_g of a Tp series counts the same range.
    pub a_g_threshold: f64,
    /// A_g in simulation units.
    pub a_g_sim: Option<Estimate>,
    /// Mid exponent.
    pub mid: Option<WindowFit>,
    /// N·e plateau over λ ≥ λ_min.
    pub plateau: Option<Estimate>,
    /// Modes in the plateau mean.
    pub plateau_modes: usize,
    /// Slope of ln N·e against ln λ over the plateau modes.
    pub plateau_slope: Option<Estimate>,
    /// ξ = a₀ (1.15 plateau)^{1/d}.
    pub xi: Option<Estimate>,
    /// ω_g = √⟨κ_α⟩, the characteristic frequency of the dipole responses (Rainone,
    /// Bouchbinder & Lerner 2020), in units of ω₀: the mean over every dipole of every
    /// sample (unit masses).
    pub omega_g: Option<Estimate>,
    /// ξ_g = 2π c_s/ω_g in units of a₀ (the length of Rainone et al., the paper's
    /// cross-check of ξ).
    pub xi_g: Option<Estimate>,
    /// Dipole responses behind ω_g.
    pub dipoles: usize,
    /// Decay exponents by field (QLM-like modes), window in r/a₀.
    pub decay: Vec<(String, WindowFit)>,
    /// Mode-averaged decay profiles of the QLM-like modes: r/a₀ and (field, profile).
    pub decay_profiles: Option<bondspace::results::Profiles>,
    /// Modes used for the decay profiles.
    pub decay_modes: usize,
    /// Whether the decay profiles are of QLM-like modes only (false: old result files
    /// without per-mode profiles, averaged over every top mode).
    pub decay_qlm_only: bool,
    /// Exponent of 1 − |⟨D|D_PH⟩| against λ.
    pub overlap_fit: Option<WindowFit>,
    /// Exponent of 1 − |⟨F|F_PH⟩| against λ.
    pub overlap_f_fit: Option<WindowFit>,
    /// Binned overlaps: (λ/λ₀ centre, mean 1 − |⟨D|D_PH⟩|, mean 1 − |⟨F|F_PH⟩|, modes).
    pub overlaps: Vec<(f64, f64, f64, usize)>,
    /// Exponent of D(ω) below ω_ph.
    pub omega_low: Option<WindowFit>,
    /// Pooled P(λ/λ₀) and its bootstrap error per bin.
    pub p: Option<(Histogram, Vec<f64>)>,
    /// Pooled D(ω/ω₀) and its bootstrap error per bin.
    pub d: Option<(Histogram, Vec<f64>)>,
    /// N·e(λ/λ₀) profile: (bin centre, mean, bootstrap error) of the non-empty bins.
    pub ne: Vec<(f64, f64, f64)>,
    /// Samples whose non-zero λ count equals (N − rattlers)·d − d (a rigid network).
    pub rigid_samples: usize,
}

impl GroupStats {
    /// True when some sample's SWAP run failed its equilibration checks.
    pub fn unequilibrated(&self) -> bool {
        self.pooled.n_equilibrated.is_some_and(|k| k < self.samples)
    }
}

/// The IPL groups of finite Tp, in increasing Tp (a Tp series).
pub fn finite_tp_series<'a>(ipl: &[&'a GroupStats]) -> Vec<&'a GroupStats> {
    let mut finite: Vec<&GroupStats> = ipl
        .iter()
        .copied()
        .filter(|s| s.tp.is_some_and(|t| t.is_finite()))
        .collect();
    finite.sort_by(|a, b| a.tp.partial_cmp(&b.tp).unwrap_or(std::cmp::Ordering::Equal));
    finite
}

/// The λ/λ₀ values of samples `idx` in the pooling's units.
fn lambdas(data: &[SampleRecord], idx: &[usize], pooling: &Pooling) -> Vec<f64> {
    idx.iter()
        .flat_map(|&i| {
            let l0 = pooling.lambda_unit(&data[i]);
            data[i].lambda.iter().map(move |l| l / l0)
        })
        .collect()
}

/// Slicing counts of the samples `idx` as λ/λ₀ bins in their own units.
fn binned(data: &[SampleRecord], idx: &[usize]) -> Vec<BinnedSample> {
    idx.iter()
        .filter_map(|&i| {
            let d = &data[i];
            let c = d.counts.as_ref()?;
            Some(BinnedSample {
                edges: c.lambda_edges.iter().map(|e| e / d.lambda_0).collect(),
                counts: c.lambda_counts.clone(),
            })
        })
        .collect()
}

/// Σ N·d of samples `idx`.
fn dof(data: &[SampleRecord], idx: &[usize]) -> f64 {
    idx.iter().map(|&i| data[i].n_dof).sum()
}

/// λ₀ of a resample (from its mean G and a₀).
fn resample_lambda0(data: &[SampleRecord], idx: &[usize], dim: usize) -> f64 {
    let k = idx.len() as f64;
    let g = idx.iter().map(|&i| data[i].shear_modulus).sum::<f64>() / k;
    let a0 = idx.iter().map(|&i| data[i].a0).sum::<f64>() / k;
    if g > 0.0 {
        a0.powi(2 - dim as i32) / g
    } else {
        f64::NAN
    }
}

/// Count of λ (simulation units) above `threshold_sim` in the (dense) samples `idx`.
fn count_above_sim(data: &[SampleRecord], idx: &[usize], threshold_sim: f64) -> usize {
    idx.iter()
        .map(|&i| {
            data[i]
                .lambda
                .iter()
                .filter(|&&l| l > threshold_sim)
                .count()
        })
        .sum()
}

/// Means of profiles bin by bin (NaN-aware).
fn mean_profiles(profiles: &[&Vec<f64>]) -> Vec<f64> {
    let nb = profiles.first().map_or(0, |p| p.len());
    (0..nb)
        .map(|k| {
            let (s, c) = profiles
                .iter()
                .filter_map(|p| p.get(k).copied().filter(|y| y.is_finite()))
                .fold((0.0, 0usize), |(s, c), y| (s + y, c + 1));
            if c > 0 { s / c as f64 } else { f64::NAN }
        })
        .collect()
}

/// The per-mode profiles of `field` of the QLM-like modes of samples `idx` (all modes when
/// `qlm_only` is false).
fn qlm_profiles<'a>(
    data: &'a [SampleRecord],
    idx: &[usize],
    field: &str,
    qlm_only: bool,
) -> Vec<&'a Vec<f64>> {
    let mut out = Vec::new();
    for &i in idx {
        let d = &data[i];
        let Some(dec) = &d.decay else { continue };
        if qlm_only {
            let Some((_, per)) = dec.per_mode.iter().find(|(n, _)| n == field) else {
                continue;
            };
            for (m, p) in per.iter().enumerate() {
                if d.overlaps.get(m).is_some_and(|o| o.1 < QLM_OVERLAP) {
                    out.push(p);
                }
            }
        } else if let Some((_, p)) = dec.mean.iter().find(|(n, _)| n == field) {
            out.push(p);
        }
    }
    out
}

/// Bootstrap errors of every bin of a pair of histograms (one pass over the resamples).
fn histogram_errors(data: &[SampleRecord], pooling: &Pooling, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let nl = pooling.lambda_edges.len() - 1;
    let mut errs = bootstrap_many(data.len(), BOOTSTRAP, seed ^ 0x5eed, |idx| {
        let (p, d) = pooling.histograms(data, idx);
        p.density.into_iter().chain(d.density).map(Some).collect()
    });
    let d = errs.split_off(nl);
    (errs, d)
}

/// A_g at Λ (λ/λ₀ units of the pooling) in λ/λ₀ units and in simulation units, each with its
/// bootstrap error: A_g = (5/2) Λ^{5/2} N(λ/λ₀ > Λ)/(N d) exactly on all samples; the error of
/// the λ/λ₀ value re-estimates λ₀ in every resample. Slicing samples: counts of the bins above
/// Λ (an edge), in their own units, and A_g,sim = A_g λ₀^{5/2} with the group's λ₀.
pub fn a_g_at(
    data: &[SampleRecord],
    pooling: &Pooling,
    dim: usize,
    threshold: f64,
    seed: u64,
) -> (Option<Estimate>, Option<Estimate>) {
    let n = data.len();
    if n == 0 {
        return (None, None);
    }
    let all: Vec<usize> = (0..n).collect();
    let boot = |f: &dyn Fn(&[usize]) -> Option<f64>| bootstrap(n, BOOTSTRAP, seed, f);
    let dense = data.iter().all(|d| d.counts.is_none());
    if dense {
        let l0 = pooling.lambda_0;
        if !l0.is_finite() {
            return (None, None);
        }
        let threshold_sim = threshold * l0;
        let sim = Estimate::of(boot(&|idx| {
            let c = count_above_sim(data, idx, threshold_sim);
            Some(prefactor_from_count(c, threshold_sim, 3.5, dof(data, idx)))
        }));
        let a = boot(&|idx| {
            let c = count_above_sim(data, idx, threshold_sim);
            let sim = prefactor_from_count(c, threshold_sim, 3.5, dof(data, idx));
            Some(sim / resample_lambda0(data, idx, dim).powf(2.5))
        });
        let count = lambdas(data, &all, pooling)
            .iter()
            .filter(|&&x| x > threshold)
            .count();
        let value = prefactor_from_count(count, threshold, 3.5, dof(data, &all));
        (a.map(|(_, se)| Estimate { value, se }), sim)
    } else {
        let count_ag = |idx: &[usize]| -> Option<f64> {
            let c: usize = binned(data, idx)
                .iter()
                .map(|s| {
                    s.edges
                        .windows(2)
                        .zip(&s.counts)
                        .filter(|(w, _)| w[0] >= threshold * (1.0 - 1e-12))
                        .map(|(_, c)| c)
                        .sum::<usize>()
                })
                .sum();
            Some(prefactor_from_count(c, threshold, 3.5, dof(data, idx)))
        };
        let a = Estimate::of(boot(&count_ag));
        // simulation units: A_g,sim = A_g λ₀^{5/2}, λ₀ re-estimated in every resample
        let sim = Estimate::of(boot(&|idx| {
            Some(count_ag(idx)? * resample_lambda0(data, idx, dim).powf(2.5))
        }));
        (a, sim)
    }
}

/// Slicing counts of the samples `idx` as ω/ω₀ bins in their own units.
fn binned_omega(data: &[SampleRecord], idx: &[usize]) -> Vec<BinnedSample> {
    idx.iter()
        .filter_map(|&i| {
            let d = &data[i];
            let c = d.counts.as_ref()?;
            Some(BinnedSample {
                edges: c
                    .omega2_edges
                    .iter()
                    .map(|e| e.max(0.0).sqrt() / d.omega_0)
                    .collect(),
                counts: c.omega2_counts.clone(),
            })
        })
        .collect()
}

/// The mid exponent and the D(ω) exponent of a slicing group, by the binned window MLE
/// ([`binned_window_mle`]): the mid window is the run of [`MID_BINS`] bins above the peak
/// of the pooled P and below the tail's λ_min whose two local slopes differ least (the
/// flattest, as for every eigenvalue); D(ω) on the bins below ω_ph.
fn binned_mid_and_low(g: &mut GroupStats, data: &[SampleRecord], p: &Histogram, seed: u64) {
    let n = data.len();
    let boot = |f: &dyn Fn(&[usize]) -> Option<f64>| bootstrap(n, BOOTSTRAP, seed, f);
    let upper = g.tail.map_or(f64::INFINITY, |t| t.lambda_min);
    let peak = (0..p.density.len()).max_by(|&a, &b| p.density[a].total_cmp(&p.density[b]));
    if let Some(peak) = peak {
        let e = &p.edges;
        let mut best: Option<(f64, usize)> = None;
        for k in peak + 1..p.density.len().saturating_sub(MID_BINS - 1) {
            if e[k + MID_BINS] > upper * (1.0 + 1e-12) {
                break;
            }
            let y: Vec<f64> = (k..k + MID_BINS).map(|j| p.density[j]).collect();
            if y.iter().any(|v| *v <= 0.0) {
                continue;
            }
            let x: Vec<f64> = (k..k + MID_BINS)
                .map(|j| (e[j] * e[j + 1]).sqrt().ln())
                .collect();
            let s1 = (y[1].ln() - y[0].ln()) / (x[1] - x[0]);
            let s2 =
                (y[MID_BINS - 1].ln() - y[MID_BINS - 2].ln()) / (x[MID_BINS - 1] - x[MID_BINS - 2]);
            let d = (s2 - s1).abs();
            if best.is_none_or(|b| d < b.0) {
                best = Some((d, k));
            }
        }
        if let Some((_, k)) = best {
            let (a, b) = (e[k], e[k + MID_BINS]);
            let fit = |idx: &[usize]| binned_window_mle(&binned(data, idx), a, b);
            let all: Vec<usize> = (0..n).collect();
            if let Some(f) = fit(&all).filter(|f| f.n >= MID_MIN_MODES) {
                let se = boot(&|idx| fit(idx).map(|f| -f.alpha)).map_or(f64::NAN, |x| x.1);
                g.mid = Some(WindowFit {
                    exponent: Estimate {
                        value: -f.alpha,
                        se,
                    },
                    window: (a, b),
                    n_modes: f.n,
                });
            }
        }
    }
    // D(ω) below ω_ph: the bins wholly below it, from the lowest non-empty one
    let wph = g.pooled.omega_ph_over_omega_0;
    let all: Vec<usize> = (0..n).collect();
    let om = binned_omega(data, &all);
    let lo = om
        .iter()
        .filter_map(|s| {
            (0..s.counts.len())
                .find(|&k| s.counts[k] > 0)
                .map(|k| s.edges[k])
        })
        .fold(f64::INFINITY, f64::min);
    if lo < wph {
        let fit = |idx: &[usize]| binned_window_mle(&binned_omega(data, idx), lo, wph);
        if let Some(f) = fit(&all).filter(|f| f.n >= 10) {
            let se = boot(&|idx| fit(idx).map(|f| -f.alpha)).map_or(f64::NAN, |x| x.1);
            g.omega_low = Some(WindowFit {
                exponent: Estimate {
                    value: -f.alpha,
                    se,
                },
                window: (lo, f.hi),
                n_modes: f.n,
            });
        }
    }
}

/// Bins of the mid window of slicing counts (three default bins: a factor 5 in λ, the
/// narrowest run that spans half a decade).
pub const MID_BINS: usize = 3;

/// Measures one group.
pub fn group_stats(group: &Group, data: &[SampleRecord], seed: u64) -> GroupStats {
    let pooling = Pooling::for_group(data);
    let pooled = summarize(group, data, &pooling);
    let mut g = GroupStats {
        name: group.name(),
        samples: data.len(),
        n: group.n,
        dim: group.dim,
        tp: match group.family {
            Family::Ipl { tp, .. } => Some(tp),
            Family::Harmonic { .. } => None,
        },
        pooled,
        ..Default::default()
    };
    if data.is_empty() {
        return g;
    }
    let n = data.len();
    let all: Vec<usize> = (0..n).collect();
    let boot = |f: &dyn Fn(&[usize]) -> Option<f64>| bootstrap(n, BOOTSTRAP, seed, f);
    let boot_rms = |f: &dyn Fn(&[usize]) -> Option<f64>| bootstrap_rms(n, BOOTSTRAP, seed, f);
    let dim = group.dim;
    g.lambda0_se =
        boot(&|idx| Some(resample_lambda0(data, idx, dim))).map_or(f64::NAN, |(_, se)| se);
    g.rigid_samples = data
        .iter()
        .filter_map(|d| d.summary.as_ref())
        .filter(|s| s.n_nonzero + s.dim == (s.n_particles - s.n_rattlers) * s.dim)
        .count();
    // histograms with per-bin errors
    let (p, d) = pooling.histograms(data, &all);
    let (pe, de) = histogram_errors(data, &pooling, seed);
    // the tail
    let dense = data.iter().all(|d| d.counts.is_none());
    let tail_mle_fit: Option<PowerLawMle> = if dense {
        tail_fit_ks(
            &lambdas(data, &all, &pooling),
            TAIL_FLOOR,
            TAIL_MIN_MODES,
            TAIL_CANDIDATES,
        )
    } else {
        binned_tail_fit_ks(&binned(data, &all), TAIL_FLOOR, TAIL_MIN_MODES)
    };
    if let Some(f) = tail_mle_fit {
        let x_min = f.lo;
        // the error re-selects λ_min in every resample, so it includes the uncertainty of the
        // choice, and is the RMS deviation of the resamples from the value (the spread plus the
        // bootstrap's estimate of the bias of the choice; `stats::bootstrap_rms`); the value is
        // the fit at the λ_min chosen on all samples
        let e = boot_rms(&|idx| {
            if dense {
                tail_fit_ks(
                    &lambdas(data, idx, &pooling),
                    TAIL_FLOOR,
                    TAIL_MIN_MODES,
                    TAIL_CANDIDATES,
                )
                .map(|t| -t.alpha)
            } else {
                binned_tail_fit_ks(&binned(data, idx), TAIL_FLOOR, TAIL_MIN_MODES).map(|t| -t.alpha)
            }
        })
        .map(|(_, se)| (-f.alpha, se));
        // stability: the exponent above the median of the tail values
        let x_half = if dense {
            let mut t: Vec<f64> = lambdas(data, &all, &pooling)
                .into_iter()
                .filter(|&x| x >= x_min)
                .collect();
            t.sort_by(f64::total_cmp);
            t.get(t.len() / 2).copied()
        } else {
            None
        };
        if let Some(xh) = x_half {
            let e2 = boot(&|idx| tail_mle(&lambdas(data, idx, &pooling), xh).map(|t| -t.alpha));
            g.tail_upper = Estimate::of(e2).map(|e| (xh, e));
        }
        g.tail = Estimate::of(e).map(|exponent| TailFit {
            exponent,
            lambda_min: x_min,
            n_modes: f.n,
            ks: f.ks,
            estimator: if dense {
                "continuous MLE"
            } else {
                "binned MLE"
            },
        });
        let (ag, ags) = a_g_at(data, &pooling, dim, x_min, seed);
        g.a_g = ag;
        g.a_g_sim = ags;
        g.a_g_threshold = x_min;
    }
    // the mid regime (every eigenvalue needed)
    if dense {
        let upper = g.tail.map_or(f64::INFINITY, |t| t.lambda_min);
        let all_l = lambdas(data, &all, &pooling);
        if let Some(w) = flattest_window(&all_l, MID_RATIO, upper, 10, MID_MIN_MODES) {
            let (a, b) = (w.lo, w.hi);
            let e =
                boot(&|idx| truncated_mle(&lambdas(data, idx, &pooling), a, b).map(|f| -f.alpha));
            g.mid = Estimate::of(e).map(|exponent| WindowFit {
                exponent,
                window: (a, b),
                n_modes: w.n,
            });
        }
        // D(ω) below ω_ph
        let wph = g.pooled.omega_ph_over_omega_0;
        let omegas = |idx: &[usize]| -> Vec<f64> {
            idx.iter()
                .flat_map(|&i| {
                    let w0 = if pooling.group_scales {
                        pooling.omega_0
                    } else {
                        data[i].omega_0
                    };
                    data[i].omega2.iter().map(move |w2| w2.max(0.0).sqrt() / w0)
                })
                .filter(|w| *w > 0.0 && *w < wph)
                .collect()
        };
        let low = omegas(&all);
        if low.len() >= 10 {
            let lo = low.iter().copied().fold(f64::INFINITY, f64::min);
            // D(ω) ∼ ω^γ: γ = −α of the truncated fit
            let e = boot(&|idx| truncated_mle(&omegas(idx), lo, wph).map(|f| -f.alpha));
            g.omega_low = Estimate::of(e).map(|exponent| WindowFit {
                exponent,
                window: (lo, wph),
                n_modes: low.len(),
            });
        }
    }
    if !dense {
        binned_mid_and_low(&mut g, data, &p, seed);
    }
    // ω_g and ξ_g from the dipole responses
    g.dipoles = data.iter().map(|d| d.dipole_kappa.len()).sum();
    if g.dipoles > 0 {
        let moments = |idx: &[usize]| -> Option<(f64, f64, f64)> {
            let (mut k, mut nk, mut cs, mut w0) = (0.0, 0usize, 0.0, 0.0);
            for &i in idx {
                let d = &data[i];
                let sc = d.summary.as_ref()?.scales;
                k += d.dipole_kappa.iter().sum::<f64>();
                nk += d.dipole_kappa.len();
                cs += sc.c_s;
                w0 += sc.omega_0;
            }
            let m = idx.len() as f64;
            (nk > 0).then(|| ((k / nk as f64).sqrt(), cs / m, w0 / m))
        };
        g.omega_g = Estimate::of(boot(&|idx| moments(idx).map(|(wg, _, w0)| wg / w0)));
        let a0 = g.pooled.a0.0;
        g.xi_g = Estimate::of(boot(&|idx| {
            moments(idx).map(|(wg, cs, _)| 2.0 * std::f64::consts::PI * cs / wg / a0)
        }));
    }
    // plateau and ξ: the modes at or above λ_min
    if let Some(t) = g.tail {
        let lp = t.lambda_min;
        let modes = |idx: &[usize]| -> Vec<(f64, f64)> {
            idx.iter()
                .flat_map(|&i| {
                    let d = &data[i];
                    let l0 = pooling.lambda_unit(d);
                    let src = if d.participation.is_empty() {
                        &d.top_modes
                    } else {
                        &d.participation
                    };
                    src.iter()
                        .map(move |&(l, ne)| (l / l0, ne))
                        .filter(|(l, ne)| *l >= lp && ne.is_finite())
                })
                .collect()
        };
        g.plateau_modes = modes(&all).len();
        g.plateau = Estimate::of(boot(&|idx| window_mean(modes(idx), (lp, f64::INFINITY))));
        g.plateau_slope = Estimate::of(boot(&|idx| {
            let (x, y): (Vec<f64>, Vec<f64>) = modes(idx).into_iter().unzip();
            power_law_fit(&x, &y, (0.0, f64::INFINITY)).map(|f| f.exponent)
        }));
        let a0 = g.pooled.a0.0;
        g.xi = Estimate::of(boot(&|idx| {
            window_mean(modes(idx), (lp, f64::INFINITY)).map(|pl| xi(a0, qlm_size(pl), dim))
        }));
        // overlaps against λ above λ_min
        let ov = |idx: &[usize], which: usize| -> (Vec<f64>, Vec<f64>) {
            idx.iter()
                .flat_map(|&i| {
                    let d = &data[i];
                    let l0 = pooling.lambda_unit(d);
                    d.overlaps
                        .iter()
                        .map(move |&(l, od, of)| (l / l0, if which == 0 { od } else { of }))
                        .filter(|(l, y)| *l >= lp && *y > 0.0)
                })
                .unzip()
        };
        for which in 0..2 {
            let (x, _) = ov(&all, which);
            if x.len() >= 5 {
                let hi = x.iter().copied().fold(0.0, f64::max);
                let e = boot(&|idx| {
                    let (x, y) = ov(idx, which);
                    power_law_fit(&x, &y, (0.0, f64::INFINITY)).map(|f| f.exponent)
                });
                let fit = Estimate::of(e).map(|exponent| WindowFit {
                    exponent,
                    window: (lp, hi),
                    n_modes: x.len(),
                });
                if which == 0 {
                    g.overlap_fit = fit;
                } else {
                    g.overlap_f_fit = fit;
                }
            }
        }
    }
    // binned overlaps for the figure
    let le = &pooling.lambda_edges;
    let ov_all: Vec<(f64, f64, f64)> = data
        .iter()
        .flat_map(|d| {
            let l0 = pooling.lambda_unit(d);
            d.overlaps.iter().map(move |&(l, a, b)| (l / l0, a, b))
        })
        .collect();
    for w in le.windows(2) {
        let inb: Vec<&(f64, f64, f64)> = ov_all
            .iter()
            .filter(|(l, _, _)| *l >= w[0] && *l < w[1])
            .collect();
        if !inb.is_empty() {
            let k = inb.len() as f64;
            g.overlaps.push((
                (w[0] * w[1]).sqrt(),
                inb.iter().map(|x| x.1).sum::<f64>() / k,
                inb.iter().map(|x| x.2).sum::<f64>() / k,
                inb.len(),
            ));
        }
    }
    // N·e profile with errors
    let ne_points = |idx: &[usize]| -> (Vec<f64>, Vec<f64>) {
        idx.iter()
            .flat_map(|&i| {
                let d = &data[i];
                let l0 = pooling.lambda_unit(d);
                d.participation.iter().map(move |&(l, ne)| (l / l0, ne))
            })
            .unzip()
    };
    let (nl, nv) = ne_points(&all);
    if !nl.is_empty() {
        let (c, m, cnt) = binned_means(&nl, &nv, le);
        // every bin's error from one pass over the resamples
        let errs = bootstrap_many(n, BOOTSTRAP, seed, |idx| {
            let (l, v) = ne_points(idx);
            let (_, m, cnt) = binned_means(&l, &v, le);
            m.into_iter()
                .zip(cnt)
                .map(|(m, c)| (c > 0).then_some(m))
                .collect()
        });
        g.ne = (0..c.len())
            .filter(|&k| cnt[k] > 0)
            .map(|k| (c[k], m[k], errs[k]))
            .collect();
    }
    // decay profiles of QLM-like modes, on r/a₀
    let qlm_only = data
        .iter()
        .any(|d| d.decay.as_ref().is_some_and(|x| !x.per_mode.is_empty()));
    if let Some(r) = data
        .iter()
        .find_map(|d| d.decay.as_ref().map(|x| x.r.clone()))
    {
        let a0 = g.pooled.a0.0;
        let l = a0 * (group.n as f64).powf(1.0 / dim as f64);
        let (w0, w1) = default_window(a0, l);
        let window = (w0 / a0, w1 / a0);
        let r_a0: Vec<f64> = r.iter().map(|x| x / a0).collect();
        let mut profiles = Vec::new();
        for field in ["D", "F", "D_PH", "F_PH"] {
            let ps = qlm_profiles(data, &all, field, qlm_only);
            if ps.is_empty() {
                continue;
            }
            if field == "D" {
                g.decay_modes = ps.len();
            }
            let mean = mean_profiles(&ps);
            let e = boot(&|idx| {
                let m = mean_profiles(&qlm_profiles(data, idx, field, qlm_only));
                bondspace::modes::decay::fit_exponent_periodic(&r_a0, &m, window, l / a0)
                    .map(|x| x.0)
            });
            if let Some(exponent) = Estimate::of(e) {
                g.decay.push((
                    field.to_string(),
                    WindowFit {
                        exponent,
                        window,
                        n_modes: ps.len(),
                    },
                ));
            }
            profiles.push((field.to_string(), mean));
        }
        g.decay_qlm_only = qlm_only;
        if !profiles.is_empty() {
            g.decay_profiles = Some((r_a0, profiles));
        }
    }
    g.p = Some((p, pe));
    g.d = Some((d, de));
    g
}
