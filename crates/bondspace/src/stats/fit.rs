//! Power laws y = A x^e fitted by least squares in log–log.
//!
//! These are the fits of the present report and of the benchmarks' growth exponents; they
//! weight every point equally, so on histograms they are a guide, not an unbiased estimator.

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
/// `window` (inclusive; `(0.0, f64::INFINITY)` for all). None with fewer than two usable
/// points or all x equal.
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let all = power_law_fit(
            &[1.0, 10.0, 100.0],
            &[2.0, 20.0, 200.0],
            (0.0, f64::INFINITY),
        );
        assert!((all.unwrap().exponent - 1.0).abs() < 1e-14);
    }
}
