//! Bootstrap standard errors of statistics over samples.

use rand::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

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
    let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    let full = each_resample(n_samples, resamples, seed, stat, |s, _| {
        // Welford
        n += 1;
        let d = s - mean;
        mean += d / n as f64;
        m2 += d * (s - mean);
    })?;
    let se = if n >= 2 {
        (m2 / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    Some((full, se))
}

/// Runs `stat` on all samples and on `resamples` resamples drawn with replacement (xoshiro256++
/// seeded by `seed`), calling `each(value, full)` for every finite resampled value; returns the
/// statistic on all samples (None when there are no samples or it is None).
fn each_resample<F: Fn(&[usize]) -> Option<f64>>(
    n_samples: usize,
    resamples: usize,
    seed: u64,
    stat: F,
    mut each: impl FnMut(f64, f64),
) -> Option<f64> {
    if n_samples == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..n_samples).collect();
    let full = stat(&idx)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..resamples {
        for v in idx.iter_mut() {
            *v = rng.random_range(0..n_samples);
        }
        if let Some(s) = stat(&idx).filter(|s| s.is_finite()) {
            each(s, full);
        }
    }
    Some(full)
}

/// [`bootstrap`] with the root-mean-square deviation of the resamples from the statistic on
/// all samples as its error, sqrt(Σ_b (s_b − s)² / B), instead of their standard deviation:
/// the spread plus the bootstrap's estimate of the bias, (mean_b s_b − s)². For statistics
/// whose value depends on a choice made from the data (a power-law tail above a cutoff chosen
/// by the Kolmogorov–Smirnov distance, re-chosen in every resample), where the choice biases
/// the value by a fraction of its spread and the plain standard deviation under-covers.
/// Same resamples, seed and conventions as [`bootstrap`].
pub fn bootstrap_rms<F: Fn(&[usize]) -> Option<f64>>(
    n_samples: usize,
    resamples: usize,
    seed: u64,
    stat: F,
) -> Option<(f64, f64)> {
    let (mut n, mut sq) = (0usize, 0.0f64);
    let full = each_resample(n_samples, resamples, seed, stat, |s, full| {
        n += 1;
        sq += (s - full) * (s - full);
    })?;
    let err = if n >= 2 {
        (sq / n as f64).sqrt()
    } else {
        f64::NAN
    };
    Some((full, err))
}

/// [`bootstrap`] of a vector statistic in one pass over the resamples: `stat` returns one
/// value per component (None or non-finite where it cannot be computed), and the result is the
/// standard error of every component over the same resamples (NaN with fewer than two valid
/// values). Component k equals what [`bootstrap`] would give for the k-th value alone.
pub fn bootstrap_many<F: Fn(&[usize]) -> Vec<Option<f64>>>(
    n_samples: usize,
    resamples: usize,
    seed: u64,
    stat: F,
) -> Vec<f64> {
    if n_samples == 0 {
        return Vec::new();
    }
    let mut idx: Vec<usize> = (0..n_samples).collect();
    let k = stat(&idx).len();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut acc = vec![(0usize, 0.0f64, 0.0f64); k];
    for _ in 0..resamples {
        for v in idx.iter_mut() {
            *v = rng.random_range(0..n_samples);
        }
        for (a, s) in acc.iter_mut().zip(stat(&idx)) {
            if let Some(s) = s.filter(|s| s.is_finite()) {
                // Welford
                a.0 += 1;
                let d = s - a.1;
                a.1 += d / a.0 as f64;
                a.2 += d * (s - a.1);
            }
        }
    }
    acc.iter()
        .map(|&(n, _, m2)| {
            if n >= 2 {
                (m2 / (n - 1) as f64).sqrt()
            } else {
                f64::NAN
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bootstrap_many_equals_bootstrap_per_component() {
        let data: Vec<f64> = (0..50).map(|i| ((i * 7) % 13) as f64).collect();
        let stat = |idx: &[usize]| -> Vec<Option<f64>> {
            let m = idx.iter().map(|&i| data[i]).sum::<f64>() / idx.len() as f64;
            let big = idx.iter().filter(|&&i| data[i] > 11.0).count();
            vec![Some(m), (big > 2).then_some(big as f64)]
        };
        let many = bootstrap_many(50, 300, 9, stat);
        for (k, se) in many.iter().enumerate() {
            let one = bootstrap(50, 300, 9, |idx| stat(idx)[k]).unwrap().1;
            assert_eq!(one.to_bits(), se.to_bits(), "component {k}");
        }
    }
}
