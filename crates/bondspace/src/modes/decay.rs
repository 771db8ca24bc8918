//! Spatial decay profiles of particle fields around their core (paper Fig. 4d).
//!
//! For a per-particle vector field V (length n·d over the network particles, network
//! numbering, dof = D·i + k — e.g. D, D_PH, F or F_PH), the *core* is the particle with the
//! largest |V_i|, r_i is the minimum-image distance of particle i from the core and
//! y_i = |V_i| / max_j |V_j| ∈ (0, 1].
//!
//! The paper plots the running median of y against r. Here the running median is taken on
//! logarithmic bins in r ([`RadialBins::log`]): [`profile`] returns, for every bin, the median
//! of y over the particles whose r falls in the bin (NaN for an empty bin). A
//! [`DecayAccumulator`] averages these per-mode profiles over modes, bin by bin, ignoring
//! the NaN (empty) bins, and [`fit_exponent_periodic`] fits y ∼ r^exponent plus the field of
//! the nearest periodic image on a window of r ([`default_window`]; [`fit_exponent`] is the
//! plain power law).

use crate::config::{Configuration, SimBox};
use crate::error::{Error, Result};
use crate::operators::Network;

/// Bin edges in r (strictly increasing, positive); bin k is [e_k, e_{k+1}).
#[derive(Clone, Debug, PartialEq)]
pub struct RadialBins {
    /// The `bins + 1` edges.
    pub edges: Vec<f64>,
}

impl RadialBins {
    /// `bins` logarithmic bins from `r_min` to `r_max` (0 < r_min < r_max, bins ≥ 1).
    pub fn log(r_min: f64, r_max: f64, bins: usize) -> Result<Self> {
        if !(r_min.is_finite() && r_max.is_finite() && r_min > 0.0 && r_max > r_min) || bins == 0 {
            return Err(Error::Invalid(format!(
                "radial bins need 0 < r_min < r_max and bins ≥ 1, got r_min = {r_min}, \
                 r_max = {r_max}, bins = {bins}"
            )));
        }
        let ratio = (r_max / r_min).ln() / bins as f64;
        let mut edges: Vec<f64> = (0..=bins)
            .map(|k| r_min * (ratio * k as f64).exp())
            .collect();
        edges[bins] = r_max;
        Ok(RadialBins { edges })
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.edges.len().saturating_sub(1)
    }

    /// True when there is no bin.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Geometric bin centres √(e_k·e_{k+1}).
    pub fn centres(&self) -> Vec<f64> {
        self.edges
            .windows(2)
            .map(|w| (w[0] * w[1]).sqrt())
            .collect()
    }

    /// The bin holding `r` (None outside the first and last edges, or for NaN).
    #[inline]
    pub fn bin(&self, r: f64) -> Option<usize> {
        let n = self.len();
        if n == 0 || r.is_nan() || r < self.edges[0] || r >= self.edges[n] {
            return None;
        }
        // first edge > r, minus one
        let k = self.edges.partition_point(|&e| e <= r);
        Some(k - 1)
    }
}

/// Positions of the network particles (network numbering): `cfg.positions[net.kept[k]]`.
pub fn network_positions<const D: usize>(
    cfg: &Configuration<D>,
    net: &Network<D>,
) -> Vec<[f64; D]> {
    net.kept.iter().map(|&i| cfg.positions[i]).collect()
}

/// The core (particle with the largest |V_i|) and max |V| of a field; None for an empty or
/// identically zero (or non-finite) field.
pub fn core<const D: usize>(field: &[f64]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in field.chunks_exact(D).enumerate() {
        let m2: f64 = v.iter().map(|x| x * x).sum();
        if m2.is_nan() {
            return None;
        }
        if best.is_none_or(|(_, b)| m2 > b) {
            best = Some((i, m2));
        }
    }
    best.filter(|&(_, m2)| m2 > 0.0 && m2.is_finite())
        .map(|(i, m2)| (i, m2.sqrt()))
}

/// The per-mode decay profile of `field` (length n·d) over particles at `positions` (length
/// n, the same numbering) in `simbox`: for every bin of `bins`, the median of
/// y_i = |V_i|/max|V| over the particles whose minimum-image distance r_i from the core falls
/// in the bin (NaN for an empty bin; the median of an even count is the mean of the two middle
/// values). This is the binned running median of the paper's Fig. 4d.
///
/// Returns all-NaN if the field is zero or not finite. Panics if the lengths disagree.
pub fn profile<const D: usize>(
    field: &[f64],
    positions: &[[f64; D]],
    simbox: &SimBox<D>,
    bins: &RadialBins,
) -> Vec<f64> {
    assert_eq!(
        field.len(),
        positions.len() * D,
        "field length must be n·d for n positions"
    );
    let nb = bins.len();
    let mut out = vec![f64::NAN; nb];
    let Some((c, vmax)) = core::<D>(field) else {
        return out;
    };
    let x0 = positions[c];
    // (bin, y) for every particle in a bin, then grouped by bin and sorted by y
    let mut pairs: Vec<(usize, f64)> = Vec::with_capacity(positions.len());
    for (x, v) in positions.iter().zip(field.chunks_exact(D)) {
        let d = simbox.delta(&x0, x);
        let r = d.iter().map(|t| t * t).sum::<f64>().sqrt();
        if let Some(k) = bins.bin(r) {
            let y = v.iter().map(|t| t * t).sum::<f64>().sqrt() / vmax;
            pairs.push((k, y));
        }
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut start = 0;
    while start < pairs.len() {
        let k = pairs[start].0;
        let mut end = start;
        while end < pairs.len() && pairs[end].0 == k {
            end += 1;
        }
        let m = end - start;
        let mid = start + m / 2;
        out[k] = if m % 2 == 1 {
            pairs[mid].1
        } else {
            0.5 * (pairs[mid - 1].1 + pairs[mid].1)
        };
        start = end;
    }
    out
}

/// A decay profile averaged over modes.
#[derive(Clone, Debug, PartialEq)]
pub struct DecayProfile {
    /// Geometric bin centres.
    pub r: Vec<f64>,
    /// Mean over modes of the per-mode medians (NaN where no mode had a particle).
    pub mean: Vec<f64>,
    /// Number of modes that contributed to each bin.
    pub count: Vec<usize>,
}

/// Averages per-mode profiles ([`profile`]) over modes, bin by bin, ignoring NaN bins.
#[derive(Clone, Debug)]
pub struct DecayAccumulator {
    bins: RadialBins,
    sum: Vec<f64>,
    count: Vec<usize>,
    modes: usize,
}

impl DecayAccumulator {
    /// An empty accumulator on `bins`.
    pub fn new(bins: RadialBins) -> Self {
        let n = bins.len();
        DecayAccumulator {
            bins,
            sum: vec![0.0; n],
            count: vec![0; n],
            modes: 0,
        }
    }

    /// The bins.
    pub fn bins(&self) -> &RadialBins {
        &self.bins
    }

    /// Number of modes added.
    pub fn modes(&self) -> usize {
        self.modes
    }

    /// Adds one per-mode profile (length = number of bins); NaN bins are ignored.
    pub fn add(&mut self, profile: &[f64]) {
        assert_eq!(
            profile.len(),
            self.bins.len(),
            "profile length must match the bins"
        );
        for (k, &y) in profile.iter().enumerate() {
            if y.is_finite() {
                self.sum[k] += y;
                self.count[k] += 1;
            }
        }
        self.modes += 1;
    }

    /// Computes the profile of `field` (see [`profile`]) and adds it.
    pub fn add_field<const D: usize>(
        &mut self,
        field: &[f64],
        positions: &[[f64; D]],
        simbox: &SimBox<D>,
    ) {
        let p = profile(field, positions, simbox, &self.bins);
        self.add(&p);
    }

    /// Adds the modes of another accumulator on the same bins (for parallel reductions).
    pub fn merge(&mut self, other: &DecayAccumulator) -> Result<()> {
        if other.bins != self.bins {
            return Err(Error::Invalid(
                "cannot merge decay accumulators with different bins".into(),
            ));
        }
        for k in 0..self.sum.len() {
            self.sum[k] += other.sum[k];
            self.count[k] += other.count[k];
        }
        self.modes += other.modes;
        Ok(())
    }

    /// The mean profile.
    pub fn finish(&self) -> DecayProfile {
        DecayProfile {
            r: self.bins.centres(),
            mean: self
                .sum
                .iter()
                .zip(&self.count)
                .map(|(&s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
                .collect(),
            count: self.count.clone(),
        }
    }
}

/// Least-squares slope of log y against log r over the points with r in `window`
/// (inclusive) and finite, positive r and y (NaN/empty bins are ignored): returns the
/// exponent (e.g. −2 for y ∼ r⁻²) and its standard error (NaN with exactly two points). None
/// with fewer than two usable points or a degenerate spread of r.
pub fn fit_exponent(r: &[f64], y: &[f64], window: (f64, f64)) -> Option<(f64, f64)> {
    crate::stats::power_law_fit(r, y, window).map(|p| (p.exponent, p.exponent_se))
}

/// The decay exponent of a profile in a periodic box of edge `box_length`: least squares of
/// ln y against ln[A (r^−β + (L − r)^−β)] over the points with r in `window` (inclusive; finite,
/// positive r < L and y), which adds to the field of the core that of its nearest periodic image
/// along the line through it. Returns the exponent −β and its standard error (Gauss–Newton, from
/// the residual variance with n − 2 degrees of freedom; NaN with exactly two points). None with
/// fewer than two usable points. β is searched on [0.05, 15] by golden section (the cost is
/// smooth and, for these profiles, unimodal in β).
///
/// Why: on [2a₀, 0.45L] a plain power law ([`fit_exponent`]) of the running-median profile of
/// dipole responses u = M⁺Sᵀ|α⟩, whose far field is r^−(d−1), gives −1.62 at N = 2000 in 3D and
/// −1.91 to −1.93 at N = 16 000 (and −2.04 to −2.14 on [3a₀, 0.45L] there): at N = 2000 the
/// images flatten the profile towards L/2. With the image term the same profiles give −2.00 and
/// −2.01 (N = 2000, two glasses) and −2.10, −2.12 (N = 16 000): `tests/decay_window.rs`. For a
/// steep field the image term matters little: an exact r^−9 without an image reads −9.04.
pub fn fit_exponent_periodic(
    r: &[f64],
    y: &[f64],
    window: (f64, f64),
    box_length: f64,
) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = r
        .iter()
        .zip(y)
        .filter(|&(&r, &y)| {
            r.is_finite()
                && y.is_finite()
                && r > 0.0
                && r < box_length
                && y > 0.0
                && r >= window.0
                && r <= window.1
        })
        .map(|(&r, &y)| (r, y.ln()))
        .collect();
    let n = pts.len();
    if n < 2 || !box_length.is_finite() {
        return None;
    }
    let model = |b: f64, r: f64| (r.powf(-b) + (box_length - r).powf(-b)).ln();
    // the residual sum of squares with the best ln A for a given β
    let cost = |b: f64| {
        let la = pts.iter().map(|&(r, ly)| ly - model(b, r)).sum::<f64>() / n as f64;
        pts.iter()
            .map(|&(r, ly)| (ly - la - model(b, r)).powi(2))
            .sum::<f64>()
    };
    let beta = crate::stats::golden_section_max(&|b| -cost(b), 0.05, 15.0);
    if !beta.is_finite() {
        return None;
    }
    // Gauss–Newton error: the derivative of the model in β, centred (ln A is free)
    let deriv: Vec<f64> = pts
        .iter()
        .map(|&(r, _)| {
            let (a, b) = (r.powf(-beta), (box_length - r).powf(-beta));
            -(a * r.ln() + b * (box_length - r).ln()) / (a + b)
        })
        .collect();
    let mean_d = deriv.iter().sum::<f64>() / n as f64;
    let sxx: f64 = deriv.iter().map(|g| (g - mean_d).powi(2)).sum();
    let se = if n > 2 && sxx > 0.0 {
        (cost(beta) / (n - 2) as f64 / sxx).sqrt()
    } else {
        f64::NAN
    };
    Some((-beta, se))
}

/// The default fit window (2 a₀, 0.45 L), L the smallest box length.
///
/// Below about 2 a₀ (the first two neighbour shells) lies the disordered core of a
/// quasi-localised mode, whose structure is not a power law. Above L/2 a sphere around the
/// core is cut by the periodic box (minimum-image distances saturate; only corners reach
/// √d L/2) and the field from periodic images of the core superposes; 0.45 L stays just
/// inside. For the paper's N = 2000, d = 3 IPL glasses (a₀ ≈ 1.2, L ≈ 15) this is r ≈ 2.4–6.8.
pub fn default_window(a0: f64, box_length: f64) -> (f64, f64) {
    (2.0 * a0, 0.45 * box_length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn the_periodic_fit_recovers_the_exponent_with_and_without_an_image() {
        let l = 15.0;
        let r: Vec<f64> = (0..30).map(|k| 7.0f64.powf(k as f64 / 29.0)).collect();
        for beta in [1.0, 2.0, 9.0] {
            let y: Vec<f64> = r
                .iter()
                .map(|&x| 0.3 * (x.powf(-beta) + (l - x).powf(-beta)))
                .collect();
            let (e, _) = fit_exponent_periodic(&r, &y, (2.0, 0.45 * l), l).unwrap();
            assert!((e + beta).abs() < 1e-8, "{e} vs {}", -beta);
        }
        // a steep field without an image: the image term costs 0.04 (measured −9.037)
        let y: Vec<f64> = r.iter().map(|&x| x.powf(-9.0)).collect();
        let (e, _) = fit_exponent_periodic(&r, &y, (2.0, 0.45 * l), l).unwrap();
        let (p, _) = fit_exponent(&r, &y, (2.0, 0.45 * l)).unwrap();
        assert!((e - p).abs() < 0.05, "{e} vs {p}");
        assert!(fit_exponent_periodic(&r, &y, (100.0, 200.0), l).is_none());
    }

    fn rng(i: u64) -> crate::rng::Rng {
        crate::rng::stream(99, crate::rng::Purpose::Other, i)
    }

    fn unit_vector<const D: usize>(rng: &mut crate::rng::Rng) -> [f64; D] {
        loop {
            let v: [f64; D] = std::array::from_fn(|_| 2.0 * rng.random::<f64>() - 1.0);
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if n > 0.1 && n <= 1.0 {
                return v.map(|x| x / n);
            }
        }
    }

    /// Points on spherical shells of radii `radii` around `core` (wrapped into the box), a
    /// field of magnitude r^(−2) in a random direction, and a larger field on the core.
    fn shells(
        simbox: &SimBox<3>,
        core: [f64; 3],
        radii: &[f64],
        per_shell: usize,
        seed: u64,
    ) -> (Vec<[f64; 3]>, Vec<f64>) {
        let mut rng = rng(seed);
        let mut pos = vec![simbox.wrap(&core)];
        let mut field = vec![0.0, 7.0, 0.0];
        for &r in radii {
            for _ in 0..per_shell {
                let u = unit_vector::<3>(&mut rng);
                pos.push(simbox.wrap(&std::array::from_fn(|k| core[k] + r * u[k])));
                let w = unit_vector::<3>(&mut rng);
                field.extend(w.map(|x| x * r.powi(-2)));
            }
        }
        (pos, field)
    }

    #[test]
    fn exact_power_law_on_shells_with_minimum_image() {
        let simbox = SimBox::new([10.0, 11.0, 12.0]).unwrap();
        let bins = RadialBins::log(0.8, 4.8, 12).unwrap();
        let radii = bins.centres();
        // core at a corner: most shells wrap around the periodic boundaries
        let (pos, field) = shells(&simbox, [0.2, 10.9, 11.7], &radii, 31, 1);
        let p = profile(&field, &pos, &simbox, &bins);
        for (k, &y) in p.iter().enumerate() {
            let expect = radii[k].powi(-2) / 7.0;
            assert!(
                (y - expect).abs() < 1e-12 * expect,
                "bin {k}: {y} vs {expect}"
            );
        }
        let (e, se) = fit_exponent(&radii, &p, (0.0, f64::INFINITY)).unwrap();
        assert!((e + 2.0).abs() < 1e-9 && se < 1e-9, "{e} ± {se}");
        // without the minimum image the wrapped particles would land in other bins
        let naive: Vec<f64> = pos
            .iter()
            .map(|x| {
                let d: Vec<f64> = (0..3).map(|k| x[k] - pos[0][k]).collect();
                d.iter().map(|t| t * t).sum::<f64>().sqrt()
            })
            .collect();
        assert!(naive.iter().skip(1).any(|&r| r > 6.0));
    }

    #[test]
    fn random_points_give_the_exponent() {
        // uniform points: density ∝ r² around the core, so the in-bin medians of r sit at a
        // fixed ratio to the bin centres and the fitted exponent is −2 up to sampling noise
        let simbox = SimBox::new([14.0; 3]).unwrap();
        let mut rng = rng(2);
        let n = 20_000;
        let pos: Vec<[f64; 3]> = (0..n)
            .map(|_| std::array::from_fn(|_| 14.0 * rng.random::<f64>()))
            .collect();
        let c = 17;
        let mut field = vec![0.0; 3 * n];
        for i in 0..n {
            let d = simbox.delta(&pos[c], &pos[i]);
            let r = d.iter().map(|t| t * t).sum::<f64>().sqrt();
            let m = if i == c { 50.0 } else { r.powi(-2) };
            let u = unit_vector::<3>(&mut rng);
            for k in 0..3 {
                field[3 * i + k] = m * u[k];
            }
        }
        let bins = RadialBins::log(1.0, 6.3, 10).unwrap();
        let mut acc = DecayAccumulator::new(bins.clone());
        acc.add_field(&field, &pos, &simbox);
        let prof = acc.finish();
        let (e, se) = fit_exponent(&prof.r, &prof.mean, default_window(0.5, 14.0)).unwrap();
        assert!((e + 2.0).abs() < 0.05 && se < 0.05, "{e} ± {se}");
    }

    #[test]
    fn empty_bins_are_nan_and_ignored() {
        let simbox = SimBox::new([10.0; 3]).unwrap();
        // shells only at the centres of even bins
        let bins = RadialBins::log(0.5, 4.5, 8).unwrap();
        let centres = bins.centres();
        let radii: Vec<f64> = centres.iter().step_by(2).copied().collect();
        let (pos, field) = shells(&simbox, [5.0; 3], &radii, 5, 3);
        let p = profile(&field, &pos, &simbox, &bins);
        for (k, y) in p.iter().enumerate() {
            assert_eq!(y.is_nan(), k % 2 == 1, "bin {k}");
        }
        let (e, _) = fit_exponent(&centres, &p, (0.0, 100.0)).unwrap();
        assert!((e + 2.0).abs() < 1e-9);
        // the accumulator ignores NaN bins: averaging a NaN-free profile and p
        let mut acc = DecayAccumulator::new(bins.clone());
        acc.add(&p);
        let full: Vec<f64> = centres.iter().map(|r| r.powi(-2)).collect();
        acc.add(&full);
        let mut other = DecayAccumulator::new(bins.clone());
        other.add(&[f64::NAN; 8]);
        acc.merge(&other).unwrap();
        let prof = acc.finish();
        assert_eq!(acc.modes(), 3);
        for k in 0..8 {
            if k % 2 == 1 {
                assert_eq!(prof.count[k], 1);
                assert_eq!(prof.mean[k], full[k]);
            } else {
                assert_eq!(prof.count[k], 2);
                assert!((prof.mean[k] - 0.5 * (p[k] + full[k])).abs() < 1e-15);
            }
        }
        // a window without points, and a zero field
        assert!(fit_exponent(&centres, &p, (100.0, 200.0)).is_none());
        assert!(
            profile(&vec![0.0; field.len()], &pos, &simbox, &bins)
                .iter()
                .all(|v| v.is_nan())
        );
        let bad = DecayAccumulator::new(RadialBins::log(0.5, 4.0, 8).unwrap());
        assert!(acc.merge(&bad).is_err());
    }

    #[test]
    fn bins_and_medians() {
        let b = RadialBins::log(1.0, 8.0, 3).unwrap();
        assert_eq!(b.len(), 3);
        assert!((b.edges[1] - 2.0).abs() < 1e-12 && (b.edges[2] - 4.0).abs() < 1e-12);
        assert_eq!(b.bin(1.0), Some(0));
        assert_eq!(b.bin(2.5), Some(1));
        assert_eq!(b.bin(8.0), None);
        assert_eq!(b.bin(0.5), None);
        assert!((b.centres()[0] - 2f64.sqrt()).abs() < 1e-12);
        assert!(RadialBins::log(0.0, 1.0, 3).is_err());
        assert!(RadialBins::log(2.0, 1.0, 3).is_err());
        assert!(RadialBins::log(1.0, 2.0, 0).is_err());
        // 2D: median of an even count is the mean of the middle values
        let simbox = SimBox::new([20.0, 20.0]).unwrap();
        let pos = vec![[0.0, 0.0], [1.5, 0.0], [0.0, 1.5], [-1.5, 0.0], [0.0, -1.6]];
        let field = vec![4.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 3.0, 4.0, 0.0];
        let p = profile(
            &field,
            &pos,
            &simbox,
            &RadialBins::log(1.0, 2.0, 1).unwrap(),
        );
        // y = 0.25, 0.5, 0.75, 1.0 → median 0.625
        assert!((p[0] - 0.625).abs() < 1e-15);
        assert_eq!(core::<2>(&field), Some((0, 4.0)));
        assert_eq!(default_window(1.2, 15.0), (2.4, 0.45 * 15.0));
    }
}
