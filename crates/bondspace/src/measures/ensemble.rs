//! Ensemble-ready measures (SPEC §3), pure functions on plain slices.
//!
//! - [`log_histogram`]: P(λ) of λ/λ₀ and D(ω) of ω/ω₀ on logarithmic bins, normalised per
//!   degree of freedom and pooled over samples;
//! - [`power_law_fit`], [`prefactor_fixed_exponent`]: least squares in log–log on a window
//!   (e.g. A_g from P(λ) = A_g λ^{−7/2});
//! - [`bootstrap`]: a statistic over samples and its bootstrap standard error;
//! - [`participation_n`], [`ne_profile`], [`plateau`], [`qlm_size`], [`xi`]: participation
//!   N·e of particle fields, its profile in λ, the high-λ plateau, the QLM size n and length ξ.

use rand::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};

/// A histogram on (logarithmic) bins, normalised per degree of freedom.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// The `bins + 1` edges, strictly increasing; bin k is [e_k, e_{k+1}) (the last
    /// bin also holds its upper edge).
    pub edges: Vec<f64>,
    /// Geometric centres √(e_k·e_{k+1}).
    pub centers: Vec<f64>,
    /// density_k = counts_k / (n_dof_total · width_k).
    pub density: Vec<f64>,
    /// Number of values in each bin, pooled over samples.
    pub counts: Vec<usize>,
}

/// `bins` logarithmic bin edges from `min` to `max` (0 < min < max, bins ≥ 1).
pub fn log_edges(min: f64, max: f64, bins: usize) -> Result<Vec<f64>> {
    if !(min.is_finite() && max.is_finite() && min > 0.0 && max > min) || bins == 0 {
        return Err(Error::Invalid(format!(
            "logarithmic bins need 0 < min < max and bins ≥ 1, got min = {min}, max = {max}, \
             bins = {bins}"
        )));
    }
    let step = (max / min).ln() / bins as f64;
    let mut e: Vec<f64> = (0..=bins).map(|k| min * (step * k as f64).exp()).collect();
    e[bins] = max;
    Ok(e)
}

/// The bin of `v` in `edges` ([e_k, e_{k+1}), last bin closed), None outside or for NaN.
#[inline]
fn bin_of(edges: &[f64], v: f64) -> Option<usize> {
    let n = edges.len().checked_sub(1)?;
    if n == 0 || v.is_nan() || v < edges[0] || v > edges[n] {
        return None;
    }
    let k = edges.partition_point(|&e| e <= v);
    Some(k.saturating_sub(1).min(n - 1))
}

fn check_edges(edges: &[f64]) {
    assert!(
        edges.len() >= 2 && edges.windows(2).all(|w| w[0] < w[1]) && edges[0] > 0.0,
        "histogram edges must be positive and strictly increasing (at least two)"
    );
}

/// Pooled histogram of the values of all samples (e.g. λ/λ₀ for P(λ), ω/ω₀ for D(ω)) on
/// `edges`, normalised per degree of freedom: density_k = count_k / (n_dof_total · width_k),
/// with `n_dof_total` = Σ over samples of N·d. Hence Σ_k density_k · width_k = (number of
/// values inside the edges) / n_dof_total. Values outside the edges (and NaN) are not counted.
///
/// Panics if the edges are not positive and strictly increasing.
pub fn log_histogram(values_per_sample: &[&[f64]], edges: &[f64], n_dof_total: f64) -> Histogram {
    check_edges(edges);
    let mut counts = vec![0usize; edges.len() - 1];
    for sample in values_per_sample {
        add_counts(sample, edges, &mut counts);
    }
    Histogram::from_counts(edges, counts, n_dof_total)
}

/// Adds the bin counts of `values` on `edges` (see [`Histogram::edges`]) to `counts`.
pub fn add_counts(values: &[f64], edges: &[f64], counts: &mut [usize]) {
    for &v in values {
        if let Some(k) = bin_of(edges, v) {
            counts[k] += 1;
        }
    }
}

impl Histogram {
    /// The histogram of pooled `counts` on `edges`, normalised per degree of freedom
    /// (density_k = count_k / (n_dof_total · width_k)).
    pub fn from_counts(edges: &[f64], counts: Vec<usize>, n_dof_total: f64) -> Histogram {
        check_edges(edges);
        assert_eq!(counts.len() + 1, edges.len(), "one count per bin");
        let density = counts
            .iter()
            .zip(edges.windows(2))
            .map(|(&c, w)| c as f64 / (n_dof_total * (w[1] - w[0])))
            .collect();
        Histogram {
            edges: edges.to_vec(),
            centers: edges.windows(2).map(|w| (w[0] * w[1]).sqrt()).collect(),
            density,
            counts,
        }
    }
}

/// A power law y = prefactor · x^exponent fitted in log–log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLaw {
    /// The exponent (slope in log–log).
    pub exponent: f64,
    /// The prefactor (exp of the intercept in log–log).
    pub prefactor: f64,
    /// Standard error of the exponent from the residuals (NaN with exactly two points).
    pub exponent_se: f64,
    /// Number of points used.
    pub points: usize,
}

/// (ln x, ln y) of the points with x in the window (inclusive) and finite, positive x and y.
fn log_points(x: &[f64], y: &[f64], window: (f64, f64)) -> Vec<(f64, f64)> {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    x.iter()
        .zip(y)
        .filter(|&(&xv, &yv)| {
            xv.is_finite()
                && yv.is_finite()
                && xv > 0.0
                && yv > 0.0
                && xv >= window.0
                && xv <= window.1
        })
        .map(|(xv, yv)| (xv.ln(), yv.ln()))
        .collect()
}

/// Least-squares power law y = A x^e in log–log over the finite, positive points with x in
/// `window` (inclusive). None with fewer than two usable points or all x equal.
pub fn power_law_fit(x: &[f64], y: &[f64], window: (f64, f64)) -> Option<PowerLaw> {
    let pts = log_points(x, y, window);
    let n = pts.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / nf;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for &(lx, ly) in &pts {
        sxx += (lx - mx) * (lx - mx);
        sxy += (lx - mx) * (ly - my);
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let se = if n > 2 {
        let ssr: f64 = pts
            .iter()
            .map(|&(lx, ly)| (ly - intercept - slope * lx).powi(2))
            .sum();
        (ssr / (nf - 2.0) / sxx).sqrt()
    } else {
        f64::NAN
    };
    Some(PowerLaw {
        exponent: slope,
        prefactor: intercept.exp(),
        exponent_se: se,
        points: n,
    })
}

/// Prefactor A of y = A x^exponent with the exponent fixed (e.g. −7/2 for A_g of P(λ)): the
/// least-squares fit of ln y = ln A + exponent · ln x, i.e. the geometric mean of
/// y / x^exponent over the finite, positive points with x in `window`. None without points.
pub fn prefactor_fixed_exponent(
    x: &[f64],
    y: &[f64],
    window: (f64, f64),
    exponent: f64,
) -> Option<f64> {
    let pts = log_points(x, y, window);
    if pts.is_empty() {
        return None;
    }
    let mean = pts.iter().map(|&(lx, ly)| ly - exponent * lx).sum::<f64>() / pts.len() as f64;
    Some(mean.exp())
}

/// A statistic over samples and its bootstrap standard error.
///
/// `stat` receives sample indices (with repetitions in resamples) and returns the statistic,
/// or None when it cannot be computed (e.g. a fit without points). Returns the statistic on
/// all samples `0..n_samples` and the standard deviation (n − 1 denominator) of the statistic
/// over `resamples` resamples of `n_samples` indices drawn with replacement (resamples where
/// `stat` is None are skipped; the error is NaN with fewer than two valid resamples).
/// Deterministic for a given `seed` (xoshiro256++ seeded by `seed_from_u64`). None when
/// `n_samples` is 0 or the statistic on all samples is None.
pub fn bootstrap<F: Fn(&[usize]) -> Option<f64>>(
    n_samples: usize,
    resamples: usize,
    seed: u64,
    stat: F,
) -> Option<(f64, f64)> {
    if n_samples == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..n_samples).collect();
    let full = stat(&idx)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    for _ in 0..resamples {
        for v in idx.iter_mut() {
            *v = rng.random_range(0..n_samples);
        }
        if let Some(s) = stat(&idx).filter(|s| s.is_finite()) {
            // Welford
            n += 1;
            let d = s - mean;
            mean += d / n as f64;
            m2 += d * (s - mean);
        }
    }
    let se = if n >= 2 {
        (m2 / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    Some((full, se))
}

/// N·e = (Σ_i F_i·F_i)² / Σ_i (F_i·F_i)² of a particle field of length n·d: 1 for a field on
/// one particle, n for a field of equal magnitude on every particle. NaN for a zero field.
pub fn participation_n<const D: usize>(field: &[f64]) -> f64 {
    let (mut s2, mut s4) = (0.0, 0.0);
    for v in field.chunks_exact(D) {
        let m: f64 = v.iter().map(|x| x * x).sum();
        s2 += m;
        s4 += m * m;
    }
    if s4 > 0.0 { s2 * s2 / s4 } else { f64::NAN }
}

/// N·e binned in λ: returns (geometric bin centres, mean of N·e per bin — NaN when empty,
/// number of modes per bin). Modes with λ outside the edges or non-finite N·e are ignored.
///
/// Panics if the lengths of `lambdas` and `ne` differ or the edges are not positive and
/// strictly increasing.
pub fn ne_profile(lambdas: &[f64], ne: &[f64], edges: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    assert_eq!(
        lambdas.len(),
        ne.len(),
        "lambdas and ne must have the same length"
    );
    check_edges(edges);
    let nb = edges.len() - 1;
    let mut sum = vec![0.0; nb];
    let mut count = vec![0usize; nb];
    for (&l, &e) in lambdas.iter().zip(ne) {
        if !e.is_finite() {
            continue;
        }
        if let Some(k) = bin_of(edges, l) {
            sum[k] += e;
            count[k] += 1;
        }
    }
    let mean = sum
        .iter()
        .zip(&count)
        .map(|(&s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
        .collect();
    let centers = edges.windows(2).map(|w| (w[0] * w[1]).sqrt()).collect();
    (centers, mean, count)
}

/// The high-λ plateau of an N·e profile: the count-weighted mean of `mean` over the
/// `top_bins` highest non-empty bins (count > 0 and finite mean). None if there is none or
/// `top_bins` is 0.
pub fn plateau(mean: &[f64], count: &[usize], top_bins: usize) -> Option<f64> {
    assert_eq!(
        mean.len(),
        count.len(),
        "mean and count must have the same length"
    );
    let (mut s, mut w, mut used) = (0.0, 0usize, 0usize);
    for (&m, &c) in mean.iter().zip(count).rev() {
        if used == top_bins {
            break;
        }
        if c > 0 && m.is_finite() {
            s += m * c as f64;
            w += c;
            used += 1;
        }
    }
    (w > 0).then(|| s / w as f64)
}

/// Factor between the QLM size n and the N·e plateau (the paper's "15 % above the plateau").
pub const QLM_SIZE_FACTOR: f64 = 1.15;

/// The QLM size n = 1.15 × plateau: the N·e value 15 % above the high-λ plateau.
pub fn qlm_size(plateau: f64) -> f64 {
    QLM_SIZE_FACTOR * plateau
}

/// The QLM length ξ = a₀ n^{1/d}.
pub fn xi(a0: f64, n: f64, d: usize) -> f64 {
    a0 * n.powf(1.0 / d as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_normalisation() {
        let a: Vec<f64> = (1..=500).map(|k| 0.01 * k as f64).collect();
        let b: Vec<f64> = (1..=300).map(|k| 0.013 * k as f64 + 0.001).collect();
        let c = [f64::NAN, 1e-9, 1e9, 0.5];
        let edges = log_edges(0.02, 4.0, 17).unwrap();
        let n_dof = 3.0 * (200.0 + 150.0 + 10.0);
        let h = log_histogram(&[&a, &b, &c], &edges, n_dof);
        let inside = a
            .iter()
            .chain(&b)
            .chain(&c)
            .filter(|&&v| (0.02..=4.0).contains(&v))
            .count();
        assert_eq!(h.counts.iter().sum::<usize>(), inside);
        let integral: f64 = h
            .density
            .iter()
            .zip(h.edges.windows(2))
            .map(|(d, w)| d * (w[1] - w[0]))
            .sum();
        assert!((integral - inside as f64 / n_dof).abs() < 1e-14);
        assert_eq!(h.centers.len(), 17);
        assert!((h.centers[0] - (edges[0] * edges[1]).sqrt()).abs() < 1e-15);
        // upper edge belongs to the last bin, lower edge to the first
        let h = log_histogram(&[&[1.0, 2.0]], &[1.0, 1.5, 2.0], 1.0);
        assert_eq!(h.counts, vec![1, 1]);
        assert!(log_edges(0.0, 1.0, 3).is_err() && log_edges(1.0, 2.0, 0).is_err());
    }

    #[test]
    fn power_law_fits_recover_exact_data() {
        let x: Vec<f64> = (0..40).map(|k| 0.1 * 1.2f64.powi(k)).collect();
        let mut y: Vec<f64> = x.iter().map(|v| 0.37 * v.powf(-3.5)).collect();
        y[3] = f64::NAN;
        y[5] = -1.0;
        y[39] = 1e30; // outside the window
        let fit = power_law_fit(&x, &y, (0.2, 50.0)).unwrap();
        assert!((fit.exponent + 3.5).abs() < 1e-12, "{fit:?}");
        assert!((fit.prefactor / 0.37 - 1.0).abs() < 1e-11);
        assert!(fit.exponent_se < 1e-10);
        let a = prefactor_fixed_exponent(&x, &y, (0.2, 50.0), -3.5).unwrap();
        assert!((a / 0.37 - 1.0).abs() < 1e-12);
        assert!(power_law_fit(&x, &y, (1e6, 1e7)).is_none());
        assert!(power_law_fit(&[1.0, 1.0], &[2.0, 3.0], (0.0, 9.0)).is_none());
        assert!(prefactor_fixed_exponent(&x, &y, (1e6, 1e7), -3.5).is_none());
        let two = power_law_fit(&[1.0, 2.0], &[3.0, 12.0], (0.0, 9.0)).unwrap();
        assert!((two.exponent - 2.0).abs() < 1e-14 && two.exponent_se.is_nan());
    }

    #[test]
    fn bootstrap_standard_error_of_the_mean() {
        // deterministic, roughly normal samples: sums of 12 uniform quasi-random numbers
        let n = 400;
        let data: Vec<f64> = (0..n)
            .map(|i| {
                (0..12)
                    .map(|j| ((i * 12 + j) as f64 * 0.618_033_988_749_894_9).fract())
                    .sum::<f64>()
                    - 6.0
            })
            .collect();
        let mean = data.iter().sum::<f64>() / n as f64;
        let sd = (data.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let stat =
            |idx: &[usize]| Some(idx.iter().map(|&i| data[i]).sum::<f64>() / idx.len() as f64);
        let (full, se) = bootstrap(n, 2000, 42, stat).unwrap();
        assert!((full - mean).abs() < 1e-15);
        let expect = sd / (n as f64).sqrt();
        assert!((se / expect - 1.0).abs() < 0.2, "{se} vs {expect}");
        // deterministic for a seed, different for another
        assert_eq!(bootstrap(n, 2000, 42, stat), Some((full, se)));
        assert_ne!(bootstrap(n, 2000, 43, stat).unwrap().1, se);
        assert!(bootstrap(0, 10, 1, stat).is_none());
        assert!(bootstrap(n, 10, 1, |_| None).is_none());
        assert!(bootstrap(n, 1, 1, stat).unwrap().1.is_nan());
    }

    #[test]
    fn participation_and_sizes() {
        let mut one = vec![0.0; 3 * 50];
        one[3 * 7 + 1] = -2.5;
        assert!((participation_n::<3>(&one) - 1.0).abs() < 1e-15);
        // equal magnitudes in different directions on every particle
        let uniform: Vec<f64> = (0..2 * 64)
            .map(|k| {
                if (k / 2) % 2 == 0 {
                    [0.6, 0.8][k % 2]
                } else {
                    [1.0, 0.0][k % 2]
                }
            })
            .collect();
        assert!((participation_n::<2>(&uniform) - 64.0).abs() < 1e-12);
        assert!(participation_n::<2>(&[0.0; 4]).is_nan());
        assert!((xi(1.2, 27.0, 3) - 3.6).abs() < 1e-14);
        assert!((xi(0.9, 16.0, 2) - 3.6).abs() < 1e-14);
        assert!((qlm_size(20.0) - 23.0).abs() < 1e-14);
    }

    #[test]
    fn ne_profile_and_plateau() {
        let lambdas = [1.5, 1.7, 3.0, 5.0, 5.5, 6.0, 9.0, 50.0, f64::NAN];
        let ne = [100.0, 80.0, 40.0, 20.0, 22.0, f64::NAN, 18.0, 1.0, 3.0];
        let edges = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
        let (c, m, n) = ne_profile(&lambdas, &ne, &edges);
        assert_eq!(n, vec![2, 1, 2, 1, 0]);
        assert_eq!(m[0], 90.0);
        assert_eq!(m[2], 21.0);
        assert!(m[4].is_nan());
        assert!((c[1] - 8f64.sqrt()).abs() < 1e-15);
        // the top two non-empty bins: (21 × 2 + 18 × 1) / 3 = 20
        assert!((plateau(&m, &n, 2).unwrap() - 20.0).abs() < 1e-14);
        assert_eq!(plateau(&m, &n, 1), Some(18.0));
        assert!(plateau(&m, &n, 0).is_none());
        assert!(plateau(&[f64::NAN], &[0], 3).is_none());
    }
}
