//! Summary statistics: mean ± standard error over samples, means of y binned in x (the N·e
//! profile in λ), and the mean of y over an x window (the N·e plateau of a report).

use super::bins::{bin_of, check_edges};

/// Mean and standard error of the mean (n − 1 in the variance); (NaN, NaN) without values and
/// (value, NaN) with one.
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (m, f64::NAN);
    }
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// The lag-1 correlation of several series (e.g. a value of the successive snapshots of
/// several chains): r = ⟨(x_t − x̄)(x_{t+1} − x̄)⟩ / ⟨(x − x̄)²⟩, the mean x̄ and the variance
/// over every value of every series, the numerator over every pair of successive values
/// within a series. Returns (r, its standard error (1 − r²)/√pairs — Bartlett's 1/√pairs for
/// independent values —, pairs), None without a pair or without variance.
pub fn lag1_correlation(series: &[Vec<f64>]) -> Option<(f64, f64, usize)> {
    let all: Vec<f64> = series.iter().flatten().copied().collect();
    let pairs: usize = series.iter().map(|s| s.len().saturating_sub(1)).sum();
    if pairs == 0 {
        return None;
    }
    let m = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|x| (x - m).powi(2)).sum::<f64>() / all.len() as f64;
    if var.is_nan() || var <= 0.0 {
        return None;
    }
    let cov = series
        .iter()
        .flat_map(|s| s.windows(2).map(|w| (w[0] - m) * (w[1] - m)))
        .sum::<f64>()
        / pairs as f64;
    let r = cov / var;
    Some((r, (1.0 - r * r).max(0.0) / (pairs as f64).sqrt(), pairs))
}

/// Means of `y` binned in `x` on `edges` (bin convention of [`super::bins`]): returns
/// (geometric bin centres, mean of y per bin — NaN when empty, number of points per bin).
/// Points with x outside the edges or non-finite y are ignored. Used for N·e(λ).
///
/// Panics if the lengths of `x` and `y` differ or the edges are not positive and strictly
/// increasing.
pub fn binned_means(x: &[f64], y: &[f64], edges: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    check_edges(edges);
    let nb = edges.len() - 1;
    let mut sum = vec![0.0; nb];
    let mut count = vec![0usize; nb];
    for (&l, &e) in x.iter().zip(y) {
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

/// The mean of y over the points (x, y) with x in `window` (inclusive), summed in the order
/// given; None without such points. The N·e plateau of the report is this mean over the modes
/// with λ/λ₀ in the tail window.
pub fn window_mean(
    points: impl IntoIterator<Item = (f64, f64)>,
    window: (f64, f64),
) -> Option<f64> {
    let v: Vec<f64> = points
        .into_iter()
        .filter(|(x, _)| (window.0..=window.1).contains(x))
        .map(|(_, y)| y)
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag1_correlation_of_independent_and_of_persistent_series() {
        let mut rng = crate::rng::stream(5, crate::rng::Purpose::Other, 0);
        use rand::Rng as _;
        let noise: Vec<Vec<f64>> = (0..8)
            .map(|_| (0..50).map(|_| rng.random::<f64>()).collect())
            .collect();
        let (r, se, pairs) = lag1_correlation(&noise).unwrap();
        assert_eq!(pairs, 8 * 49);
        assert!(r.abs() < 4.0 * se, "{r} ± {se}");
        // an AR(1) series with coefficient 0.8
        let mut x = 0.0;
        let ar: Vec<Vec<f64>> = (0..8)
            .map(|_| {
                (0..200)
                    .map(|_| {
                        x = 0.8 * x + rng.random::<f64>() - 0.5;
                        x
                    })
                    .collect()
            })
            .collect();
        let (r, se, _) = lag1_correlation(&ar).unwrap();
        assert!((r - 0.8).abs() < 0.1 && se < 0.05, "{r} ± {se}");
        assert!(lag1_correlation(&[vec![1.0], vec![2.0]]).is_none());
    }

    #[test]
    fn means_binned_and_windowed() {
        let lambdas = [1.5, 1.7, 3.0, 5.0, 5.5, 6.0, 9.0, 50.0, f64::NAN];
        let ne = [100.0, 80.0, 40.0, 20.0, 22.0, f64::NAN, 18.0, 1.0, 3.0];
        let edges = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
        let (c, m, n) = binned_means(&lambdas, &ne, &edges);
        assert_eq!(n, vec![2, 1, 2, 1, 0]);
        assert_eq!(m[0], 90.0);
        assert_eq!(m[2], 21.0);
        assert!(m[4].is_nan());
        assert!((c[1] - 8f64.sqrt()).abs() < 1e-15);
        let pts = lambdas.iter().copied().zip(ne.iter().copied());
        // a NaN inside the window is kept (the caller filters)
        assert!(window_mean(pts.clone(), (5.0, 9.0)).unwrap().is_nan());
        assert_eq!(window_mean(pts.clone(), (8.5, 60.0)), Some(9.5));
        assert_eq!(window_mean(pts, (1e3, 1e4)), None);
        assert!(mean_se(&[]).0.is_nan());
        assert!(mean_se(&[2.0]).1.is_nan());
        let (m, se) = mean_se(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        assert!((se - (1.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }
}
