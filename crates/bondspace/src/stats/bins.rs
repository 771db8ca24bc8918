//! Logarithmic bin edges and histograms normalised per degree of freedom.
//!
//! **Bin convention.** Bin k of edges e_0 < e_1 < … < e_B is the half-open interval
//! [e_k, e_{k+1}), except the last bin, which also holds its upper edge. Every histogram of
//! values in the library ([`add_counts`], [`Histogram`], the pooled P(λ) and D(ω) of an
//! ensemble, the N·e profile) uses it. Exact counts by inertia (`spectra::slicing`) are the
//! one place where the arithmetic imposes the interval: the number of negative pivots counts
//! λ > t strictly and ω² < t strictly, so a slicing bin of λ is (e_k, e_{k+1}] and one of ω² is
//! [e_k, e_{k+1}). The two conventions differ only for an eigenvalue exactly equal to an edge,
//! which floating-point spectra do not produce in practice.

use crate::error::{Error, Result};

/// `bins` logarithmic bin edges from `lo` to `hi`: e_k = exp(ln lo + (ln hi − ln lo) k / bins)
/// (so the end edges equal `lo` and `hi` to round-off, not exactly). Errors unless
/// 0 < lo < hi, both finite, and bins ≥ 1.
pub fn log_edges(lo: f64, hi: f64, bins: usize) -> Result<Vec<f64>> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) || bins == 0 {
        return Err(Error::Invalid(format!(
            "logarithmic bins need 0 < min < max and at least one bin, got min = {lo}, max = \
             {hi}, bins = {bins}"
        )));
    }
    let (a, b) = (lo.ln(), hi.ln());
    Ok((0..=bins)
        .map(|k| (a + (b - a) * k as f64 / bins as f64).exp())
        .collect())
}

/// The bin of `v` in `edges` (see the module docs), None outside the edges or for NaN.
#[inline]
pub fn bin_of(edges: &[f64], v: f64) -> Option<usize> {
    let n = edges.len().checked_sub(1)?;
    if n == 0 || v.is_nan() || v < edges[0] || v > edges[n] {
        return None;
    }
    let k = edges.partition_point(|&e| e <= v);
    Some(k.saturating_sub(1).min(n - 1))
}

/// Adds the bin counts of `values` on `edges` to `counts` (values outside and NaN are not
/// counted).
pub fn add_counts(values: &[f64], edges: &[f64], counts: &mut [usize]) {
    for &v in values {
        if let Some(k) = bin_of(edges, v) {
            counts[k] += 1;
        }
    }
}

/// Panics unless the edges are positive and strictly increasing (at least two).
pub(crate) fn check_edges(edges: &[f64]) {
    assert!(
        edges.len() >= 2 && edges.windows(2).all(|w| w[0] < w[1]) && edges[0] > 0.0,
        "histogram edges must be positive and strictly increasing (at least two)"
    );
}

/// A histogram on (logarithmic) bins, normalised per degree of freedom.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// The `bins + 1` edges, strictly increasing (convention: module docs).
    pub edges: Vec<f64>,
    /// Geometric centres √(e_k·e_{k+1}).
    pub centers: Vec<f64>,
    /// density_k = counts_k / (n_dof_total · width_k).
    pub density: Vec<f64>,
    /// Number of values in each bin, pooled over samples.
    pub counts: Vec<usize>,
}

impl Histogram {
    /// The histogram of pooled `counts` on `edges`, normalised per degree of freedom:
    /// density_k = count_k / (n_dof_total · width_k), so Σ_k density_k · width_k = (values
    /// counted) / n_dof_total.
    ///
    /// Panics if the edges are not positive and strictly increasing or the lengths disagree.
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

    /// Σ_k density_k · width_k over the bins whose centre satisfies `keep`: the fraction of
    /// modes per degree of freedom in that range.
    pub fn mass(&self, keep: impl Fn(f64) -> bool) -> f64 {
        self.centers
            .iter()
            .zip(self.edges.windows(2))
            .zip(&self.density)
            .filter(|((c, _), _)| keep(**c))
            .map(|((_, w), d)| d * (w[1] - w[0]))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_normalisation_and_convention() {
        let a: Vec<f64> = (1..=500).map(|k| 0.01 * k as f64).collect();
        let b: Vec<f64> = (1..=300).map(|k| 0.013 * k as f64 + 0.001).collect();
        let c = [f64::NAN, 1e-9, 1e9, 0.5];
        let edges = log_edges(0.02, 4.0, 17).unwrap();
        let n_dof = 3.0 * (200.0 + 150.0 + 10.0);
        let mut counts = vec![0; 17];
        for s in [&a[..], &b[..], &c[..]] {
            add_counts(s, &edges, &mut counts);
        }
        let h = Histogram::from_counts(&edges, counts, n_dof);
        let inside = a
            .iter()
            .chain(&b)
            .chain(&c)
            .filter(|&&v| (edges[0]..=edges[17]).contains(&v))
            .count();
        assert_eq!(h.counts.iter().sum::<usize>(), inside);
        assert!((h.mass(|_| true) - inside as f64 / n_dof).abs() < 1e-14);
        assert_eq!(h.centers.len(), 17);
        assert!((h.centers[0] - (edges[0] * edges[1]).sqrt()).abs() < 1e-15);
        // the lower edge belongs to the first bin, the upper edge to the last, an inner edge
        // to the bin above it
        let e = [1.0, 1.5, 2.0];
        let mut n = vec![0; 2];
        add_counts(&[1.0, 1.5, 2.0], &e, &mut n);
        assert_eq!(n, vec![1, 2]);
        assert!(log_edges(0.0, 1.0, 3).is_err() && log_edges(1.0, 2.0, 0).is_err());
        assert!(log_edges(2.0, 1.0, 3).is_err() && log_edges(1.0, f64::INFINITY, 3).is_err());
        let e = log_edges(1e-3, 1e4, 7).unwrap();
        assert_eq!(e.len(), 8);
        assert!((e[0] / 1e-3 - 1.0).abs() < 1e-15 && (e[7] / 1e4 - 1.0).abs() < 1e-15);
    }
}
