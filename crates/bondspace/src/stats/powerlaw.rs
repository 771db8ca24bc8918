//! Maximum-likelihood estimators of power laws in spectra (Clauset, Shalizi & Newman 2009).
//!
//! - [`tail_mle`]: the continuous power law p(x) ∝ x^−α above x_min, α̂ = 1 + n / Σ ln(x/x_min),
//!   with its asymptotic standard error (α̂ − 1)/√n;
//! - [`tail_fit_ks`]: the same with x_min chosen from the data, where the Kolmogorov–Smirnov
//!   distance between the data above x_min and the fitted law is smallest;
//! - [`binned_tail_mle`]: the interval-censored likelihood of counts in bins above x_min (exact
//!   counts by inertia have no eigenvalues, only counts), each sample with its own bins and
//!   its own upper edge;
//! - [`truncated_mle`]: p(x) ∝ x^−α on a window [a, b] (the mid-λ regime);
//! - [`flattest_window`]: the window of fixed logarithmic width above the peak of the data
//!   where the local exponent changes least.
//!
//! Exponents are returned as α of p ∝ x^−α (so P(λ) ∼ λ^−7/2 has α = 3.5). Standard errors
//! here are asymptotic; the report's errors are bootstrap errors over samples, which include
//! the sample-to-sample variation that the asymptotic formulas ignore.

/// A power law fitted by maximum likelihood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLawMle {
    /// α of p(x) ∝ x^−α.
    pub alpha: f64,
    /// Asymptotic standard error of α (from the Fisher information).
    pub alpha_se: f64,
    /// Lower end of the fitted range (x_min or a).
    pub lo: f64,
    /// Upper end of the fitted range (∞ for a tail).
    pub hi: f64,
    /// Number of data points in the range.
    pub n: usize,
    /// Kolmogorov–Smirnov distance between the data in the range and the fit.
    pub ks: f64,
}

/// The continuous power-law MLE of the values of `x` at or above `x_min`: α̂ = 1 + n / Σ
/// ln(x_i/x_min). None with fewer than two such values or all of them equal to x_min.
pub fn tail_mle(x: &[f64], x_min: f64) -> Option<PowerLawMle> {
    if !(x_min.is_finite() && x_min > 0.0) {
        return None;
    }
    let mut tail: Vec<f64> = x.iter().copied().filter(|v| *v >= x_min).collect();
    tail.sort_by(f64::total_cmp);
    tail_mle_sorted(&tail, x_min)
}

fn tail_mle_sorted(tail: &[f64], x_min: f64) -> Option<PowerLawMle> {
    let n = tail.len();
    if n < 2 {
        return None;
    }
    let s: f64 = tail.iter().map(|v| (v / x_min).ln()).sum();
    if s <= 0.0 {
        return None;
    }
    let alpha = 1.0 + n as f64 / s;
    Some(PowerLawMle {
        alpha,
        alpha_se: (alpha - 1.0) / (n as f64).sqrt(),
        lo: x_min,
        hi: f64::INFINITY,
        n,
        ks: ks_tail(tail, x_min, alpha),
    })
}

/// KS distance between sorted values ≥ x_min and the CDF 1 − (x/x_min)^(1−α).
fn ks_tail(sorted: &[f64], x_min: f64, alpha: f64) -> f64 {
    let n = sorted.len() as f64;
    let mut d = 0.0f64;
    for (i, &v) in sorted.iter().enumerate() {
        let cdf = 1.0 - (v / x_min).powf(1.0 - alpha);
        d = d
            .max((cdf - i as f64 / n).abs())
            .max(((i + 1) as f64 / n - cdf).abs());
    }
    d
}

/// The tail fit with x_min chosen by minimum KS distance (Clauset et al. 2009).
///
/// Only values at or above `floor` are considered (e.g. the peak of the distribution, below
/// which no power law is sought). With v the sorted considered values, the candidates for
/// x_min are v_i for `candidates` indices i spaced evenly over 0 ..= len − `min_tail` (so every
/// candidate leaves at least `min_tail` values in the tail); the fit of smallest KS distance
/// wins. None when fewer than `min_tail` values are considered.
pub fn tail_fit_ks(
    x: &[f64],
    floor: f64,
    min_tail: usize,
    candidates: usize,
) -> Option<PowerLawMle> {
    let mut v: Vec<f64> = x
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0 && *v >= floor)
        .collect();
    v.sort_by(f64::total_cmp);
    let min_tail = min_tail.max(2);
    if v.len() < min_tail {
        return None;
    }
    // candidate start indices: 0 ..= len − min_tail, spaced evenly
    let last = v.len() - min_tail;
    let k = candidates.max(2).min(last + 1);
    let mut best: Option<PowerLawMle> = None;
    let mut prev = usize::MAX;
    for c in 0..k {
        let i = if k == 1 { 0 } else { c * last / (k - 1) };
        if i == prev {
            continue;
        }
        prev = i;
        let x_min = v[i];
        // all values equal to x_min belong to the tail
        let start = v.partition_point(|&y| y < x_min);
        if let Some(f) = tail_mle_sorted(&v[start..], x_min)
            && best.is_none_or(|b| f.ks < b.ks)
        {
            best = Some(f);
        }
    }
    best
}

/// Counts of one sample in bins above a threshold: `edges` (k + 1 increasing edges) and
/// `counts` (k). Values are in the same units as x_min.
#[derive(Clone, Debug, PartialEq)]
pub struct BinnedSample {
    /// Bin edges.
    pub edges: Vec<f64>,
    /// Counts per bin.
    pub counts: Vec<usize>,
}

/// The interval-censored power-law MLE above `x_min` from binned counts: each sample's bins
/// at or above `x_min` (a bin straddling x_min is dropped) enter the likelihood
/// Π p_k^{c_k}, p_k = [a_k^{1−α} − b_k^{1−α}] / [B^{1−α} − T^{1−α}], B the sample's first edge
/// at or above x_min and T its top edge (nothing is known outside [B, T)). α is found by golden-section search on
/// (1, 30]; the standard error from the curvature of the log-likelihood. None without counts.
pub fn binned_tail_mle(samples: &[BinnedSample], x_min: f64) -> Option<PowerLawMle> {
    // (lower/x_min, upper/x_min, count) and per-sample top/x_min
    let mut cells: Vec<(f64, f64, f64, f64, f64)> = Vec::new();
    let mut n = 0usize;
    for s in samples {
        let first = s.edges.iter().position(|&e| e >= x_min);
        let Some(first) = first else { continue };
        if first >= s.edges.len() - 1 {
            continue;
        }
        // the sample's data are those in [its first edge at or above x_min, its top edge)
        let bottom = s.edges[first] / x_min;
        let top = s.edges[s.edges.len() - 1] / x_min;
        for k in first..s.counts.len() {
            if s.counts[k] > 0 {
                cells.push((
                    s.edges[k] / x_min,
                    s.edges[k + 1] / x_min,
                    s.counts[k] as f64,
                    bottom,
                    top,
                ));
                n += s.counts[k];
            }
        }
    }
    if n < 2 {
        return None;
    }
    let loglik = |alpha: f64| -> f64 {
        let t = 1.0 - alpha; // negative
        cells
            .iter()
            .map(|&(a, b, c, bottom, top)| {
                let p = (a.powf(t) - b.powf(t)) / (bottom.powf(t) - top.powf(t));
                c * p.max(f64::MIN_POSITIVE).ln()
            })
            .sum()
    };
    Some(maximum_likelihood(
        &loglik,
        (1.0 + 1e-9, 30.0),
        (x_min, f64::INFINITY),
        n,
    ))
}

/// The α that maximises `loglik` on `range` (golden section), its standard error from the
/// curvature there, as the fit of `n` values on the window `window`.
fn maximum_likelihood(
    loglik: &dyn Fn(f64) -> f64,
    range: (f64, f64),
    window: (f64, f64),
    n: usize,
) -> PowerLawMle {
    let alpha = golden_section_max(loglik, range.0, range.1);
    let h = 1e-4 * alpha.abs().max(1.0);
    let curv = (loglik(alpha + h) - 2.0 * loglik(alpha) + loglik(alpha - h)) / (h * h);
    PowerLawMle {
        alpha,
        alpha_se: if curv < 0.0 {
            (-curv).sqrt().recip()
        } else {
            f64::NAN
        },
        lo: window.0,
        hi: window.1,
        n,
        ks: f64::NAN,
    }
}

/// The interval-censored MLE of α for p(x) ∝ x^−α on the window [a, b] from binned counts
/// (the binned analogue of [`truncated_mle`], for slicing counts): each sample's bins that
/// lie wholly inside [a, b] enter the likelihood Π p_k^{c_k}, p_k = ∫_k x^−α / ∫_B^T x^−α with
/// [B, T] the span of those bins; α by golden-section search on [−30, 30] (the
/// log-likelihood is concave in α), its standard error from the curvature. None with fewer
/// than two counts or no bin inside.
pub fn binned_window_mle(samples: &[BinnedSample], a: f64, b: f64) -> Option<PowerLawMle> {
    // cells in u = ln(x/B): (u_lo, u_hi, count, U = ln(T/B))
    let mut cells: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut n = 0usize;
    for s in samples {
        let tol = 1e-12;
        let inside: Vec<usize> = (0..s.counts.len())
            .filter(|&k| s.edges[k] >= a * (1.0 - tol) && s.edges[k + 1] <= b * (1.0 + tol))
            .collect();
        let (Some(&first), Some(&last)) = (inside.first(), inside.last()) else {
            continue;
        };
        let (bottom, top) = (s.edges[first], s.edges[last + 1]);
        for &k in &inside {
            if s.counts[k] > 0 {
                cells.push((
                    (s.edges[k] / bottom).ln(),
                    (s.edges[k + 1] / bottom).ln(),
                    s.counts[k] as f64,
                    (top / bottom).ln(),
                ));
                n += s.counts[k];
            }
        }
    }
    if n < 2 {
        return None;
    }
    // ∫ e^{t u} du over [u0, u1] with t = 1 − α, stable at t → 0
    let int = |t: f64, u0: f64, u1: f64| -> f64 {
        if (t * (u1 - u0)).abs() < 1e-9 {
            (u1 - u0) * (t * 0.5 * (u0 + u1)).exp()
        } else {
            ((t * u1).exp() - (t * u0).exp()) / t
        }
    };
    let loglik = |alpha: f64| -> f64 {
        let t = 1.0 - alpha;
        cells
            .iter()
            .map(|&(u0, u1, c, top)| {
                let p = int(t, u0, u1) / int(t, 0.0, top);
                c * p.max(f64::MIN_POSITIVE).ln()
            })
            .sum()
    };
    Some(maximum_likelihood(&loglik, (-30.0, 30.0), (a, b), n))
}

/// Mean and variance of w on [0, W] under the density ∝ e^{t w} (a truncated exponential).
fn truncated_exp_moments(t: f64, w: f64) -> (f64, f64) {
    let tw = t * w;
    if tw.abs() < 1e-6 {
        // expansion about t = 0: mean W/2 + tW²/12, variance W²/12
        return (0.5 * w + t * w * w / 12.0, w * w / 12.0);
    }
    // mean = W / (1 − e^{−tW}) − 1/t (stable for both signs via expm1)
    let e = (-tw).exp_m1(); // e^{−tW} − 1
    let mean = -w / e - 1.0 / t;
    // variance = 1/t² − W² e^{−tW} / (1 − e^{−tW})²
    let var = 1.0 / (t * t) - w * w * (e + 1.0) / (e * e);
    (mean, var.max(0.0))
}

/// The MLE of α for p(x) ∝ x^−α on the window [a, b] from the values of `x` inside it: the
/// root of the score n (E_α[ln x] − mean ln x) = 0, found by bisection (the score is
/// monotone), with the standard error 1/√(n Var_α[ln x]). None with fewer than two values.
pub fn truncated_mle(x: &[f64], a: f64, b: f64) -> Option<PowerLawMle> {
    if !(a > 0.0 && b > a && b.is_finite()) {
        return None;
    }
    let mut inside: Vec<f64> = x.iter().copied().filter(|v| *v >= a && *v <= b).collect();
    let n = inside.len();
    if n < 2 {
        return None;
    }
    inside.sort_by(f64::total_cmp);
    let w = (b / a).ln();
    let mean_u = inside.iter().map(|v| (v / a).ln()).sum::<f64>() / n as f64;
    // in u = ln(x/a) the density is ∝ e^{(1−α) u}: E[u] increases with t = 1 − α
    let (mut lo, mut hi) = (-60.0 / w.max(1e-12), 60.0 / w.max(1e-12));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if truncated_exp_moments(mid, w).0 < mean_u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let t = 0.5 * (lo + hi);
    let alpha = 1.0 - t;
    let var = truncated_exp_moments(t, w).1;
    // KS distance against the fitted truncated CDF
    let cdf = |v: f64| {
        let u = (v / a).ln();
        if t.abs() * w < 1e-9 {
            u / w
        } else {
            (t * u).exp_m1() / (t * w).exp_m1()
        }
    };
    let nf = n as f64;
    let ks = inside.iter().enumerate().fold(0.0f64, |d, (i, &v)| {
        let c = cdf(v);
        d.max((c - i as f64 / nf).abs())
            .max(((i + 1) as f64 / nf - c).abs())
    });
    Some(PowerLawMle {
        alpha,
        alpha_se: (nf * var).sqrt().recip(),
        lo: a,
        hi: b,
        n,
        ks,
    })
}

/// The window [x, x·ratio] above the peak of the data where the local exponent is flattest.
///
/// The peak is the mode of a histogram of ln x with `per_decade` bins per decade. Windows
/// start at the peak and move up in steps of 1/`per_decade` decade while their upper end stays
/// at or below `upper` and they hold at least `min_count` values; for each the truncated MLE
/// α(x) is computed, and the window where |α(x_{k+1}) − α(x_{k−1})| is smallest is returned
/// (the first such window on ties). None when fewer than three windows qualify.
pub fn flattest_window(
    x: &[f64],
    ratio: f64,
    upper: f64,
    per_decade: usize,
    min_count: usize,
) -> Option<PowerLawMle> {
    let v: Vec<f64> = x
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if v.is_empty() || ratio <= 1.0 || per_decade == 0 {
        return None;
    }
    let step = 10f64.ln() / per_decade as f64;
    let lmin = v.iter().fold(f64::INFINITY, |m, x| m.min(x.ln()));
    let lmax = v.iter().fold(f64::NEG_INFINITY, |m, x| m.max(x.ln()));
    let nb = (((lmax - lmin) / step).floor() as usize + 1).max(1);
    let mut hist = vec![0usize; nb];
    for x in &v {
        let k = (((x.ln() - lmin) / step) as usize).min(nb - 1);
        hist[k] += 1;
    }
    let peak = hist
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(k, _)| k)?;
    let x_peak = (lmin + (peak as f64 + 0.5) * step).exp();
    let mut fits = Vec::new();
    let mut k = 0usize;
    loop {
        let a = x_peak * (step * k as f64).exp();
        let b = a * ratio;
        if b > upper {
            break;
        }
        match truncated_mle(&v, a, b) {
            Some(f) if f.n >= min_count => fits.push(f),
            _ => break,
        }
        k += 1;
    }
    if fits.len() < 3 {
        return None;
    }
    (1..fits.len() - 1)
        .min_by(|&i, &j| {
            let di = (fits[i + 1].alpha - fits[i - 1].alpha).abs();
            let dj = (fits[j + 1].alpha - fits[j - 1].alpha).abs();
            di.total_cmp(&dj).then(i.cmp(&j))
        })
        .map(|i| fits[i])
}

/// The count-based prefactor of a density P(x) = A x^−α per degree of freedom: with N(x > Λ)
/// values above Λ among `n_dof` degrees of freedom, A = (α − 1) Λ^{α−1} N(x > Λ) / n_dof
/// (for α = 7/2: A_g = (5/2) Λ^{5/2} N / (N d)).
pub fn prefactor_from_count(count_above: usize, threshold: f64, alpha: f64, n_dof: f64) -> f64 {
    (alpha - 1.0) * threshold.powf(alpha - 1.0) * count_above as f64 / n_dof
}

/// [`binned_tail_mle`] with x_min chosen from the data: among the bin edges at or above
/// `floor` that leave at least `min_tail` counts above them (edges shared by all samples:
/// those of the first), the one whose fit has the smallest KS distance between the pooled
/// cumulative counts at the edges and the fitted law. None without such an edge.
pub fn binned_tail_fit_ks(
    samples: &[BinnedSample],
    floor: f64,
    min_tail: usize,
) -> Option<PowerLawMle> {
    let edges = &samples.first()?.edges;
    let mut best: Option<PowerLawMle> = None;
    for (j, &x_min) in edges.iter().enumerate() {
        if x_min < floor || j + 1 >= edges.len() {
            continue;
        }
        let Some(mut f) = binned_tail_mle(samples, x_min) else {
            continue;
        };
        if f.n < min_tail.max(2) {
            continue;
        }
        // KS on the pooled counts at the edges above x_min (samples on their own top edges)
        let total = f.n as f64;
        let mut cum = 0.0;
        let mut d = 0.0f64;
        let t = 1.0 - f.alpha;
        let top = edges[edges.len() - 1] / x_min;
        let norm = 1.0 - top.powf(t);
        for k in j..edges.len() - 1 {
            let c: usize = samples
                .iter()
                .filter(|s| s.counts.len() == edges.len() - 1)
                .map(|s| s.counts[k])
                .sum();
            cum += c as f64;
            let model = (1.0 - (edges[k + 1] / x_min).powf(t)) / norm;
            d = d.max((cum / total - model).abs());
        }
        f.ks = d;
        if best.is_none_or(|b| f.ks < b.ks) {
            best = Some(f);
        }
    }
    best
}

/// The maximiser of a unimodal `f` on [lo, hi] by golden-section search: at most 200 steps,
/// stopping when the bracket is narrower than 1e-12; returns the bracket's midpoint.
pub fn golden_section_max(f: &dyn Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let (mut lo, mut hi) = (lo, hi);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut x1, mut x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut f1, mut f2) = (f(x1), f(x2));
    for _ in 0..200 {
        if f1 > f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = f(x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = f(x2);
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}
