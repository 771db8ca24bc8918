//! Smoothed inverse-power-law soft spheres (E. Lerner, J. Non-Cryst. Solids 522, 119570).

use super::{Lanes, PairPotential, PairTerms};
use crate::error::{Error, Result};

/// u(r) = ε[(λ_ij/r)^n + Σ_{ℓ=0..q} c_{2ℓ}(r/λ_ij)^{2ℓ}] for r/λ_ij < x_c, else 0, with
/// λ_ij = ½(λ_i+λ_j)(1 − n_a|λ_i − λ_j|). The c_{2ℓ} make u and its first q derivatives
/// vanish at x_c; they are computed from (n, q, x_c), not tabulated.
#[derive(Clone, Debug, PartialEq)]
pub struct Ipl {
    /// Power n of the repulsion.
    pub n: i32,
    /// Number of smoothing orders q (u, u′, .., u^(q) vanish at the cutoff).
    pub q: u32,
    /// Cutoff x_c in units of λ_ij.
    pub xc: f64,
    /// Non-additivity n_a.
    pub nonadditivity: f64,
    /// Energy scale ε.
    pub eps: f64,
    /// Smoothing coefficients c_0, c_2, ..., c_{2q}.
    coeffs: Vec<f64>,
}

impl Default for Ipl {
    fn default() -> Self {
        Ipl::new(10, 3, 1.4, 0.1, 1.0).expect("default IPL parameters are valid")
    }
}

impl Ipl {
    /// The model with the given parameters; computes the smoothing coefficients.
    pub fn new(n: i32, q: u32, xc: f64, nonadditivity: f64, eps: f64) -> Result<Self> {
        if !(xc.is_finite() && xc > 0.0) {
            return Err(Error::Invalid(format!("ipl_xc={xc} must be positive")));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::Invalid(format!("eps={eps} must be positive")));
        }
        if !(0.0..0.5).contains(&nonadditivity) {
            return Err(Error::Invalid(format!(
                "nonadditivity={nonadditivity} must be in [0, 0.5)"
            )));
        }
        let coeffs = smoothing_coefficients(n, q, xc)?;
        Ok(Self {
            n,
            q,
            xc,
            nonadditivity,
            eps,
            coeffs,
        })
    }

    /// The smoothing coefficients c_0, c_2, ..., c_{2q}.
    pub fn coefficients(&self) -> &[f64] {
        &self.coeffs
    }

    /// The effective pair size λ_ij.
    #[inline(always)]
    pub fn pair_size(&self, si: f64, sj: f64) -> f64 {
        0.5 * (si + sj) * (1.0 - self.nonadditivity * (si - sj).abs())
    }

    /// u at squared distance `r2` for the squared pair size `lam2` = λ_ij² (0 beyond the cutoff).
    #[inline(always)]
    fn energy_r2_lam2(&self, r2: f64, lam2: f64) -> f64 {
        if r2 >= self.xc * self.xc * lam2 {
            return 0.0;
        }
        if self.n == 10 && self.coeffs.len() == 4 {
            // the default model: one division gives both x² and x⁻²
            let inv = 1.0 / (r2 * lam2);
            let x2 = r2 * r2 * inv;
            let t = lam2 * lam2 * inv;
            let t2 = t * t;
            let c = &self.coeffs;
            let u = t2 * t2 * t + c[0] + x2 * (c[1] + x2 * (c[2] + x2 * c[3]));
            return self.eps * u;
        }
        let x2 = r2 / lam2;
        let rep = if self.n % 2 == 0 {
            (1.0 / x2).powi(self.n / 2)
        } else {
            x2.sqrt().powi(-self.n)
        };
        // Σ c_{2l} x^{2l} by Horner in x²
        let mut poly = 0.0;
        for c in self.coeffs.iter().rev() {
            poly = poly * x2 + c;
        }
        self.eps * (rep + poly)
    }

    /// u, u′, u″, u‴ of the reduced potential (λ_ij = 1, ε = 1) at x; used to test smoothness.
    pub fn reduced_derivatives(&self, x: f64) -> [f64; 4] {
        let n = self.n as f64;
        let xn = x.powi(-self.n);
        let mut d = [
            xn,
            -n * xn / x,
            n * (n + 1.0) * xn / (x * x),
            -n * (n + 1.0) * (n + 2.0) * xn / (x * x * x),
        ];
        for (l, c) in self.coeffs.iter().enumerate() {
            let p = 2 * l as i32;
            let pf = p as f64;
            d[0] += c * x.powi(p);
            if p >= 1 {
                d[1] += c * pf * x.powi(p - 1);
            }
            if p >= 2 {
                d[2] += c * pf * (pf - 1.0) * x.powi(p - 2);
            }
            if p >= 3 {
                d[3] += c * pf * (pf - 1.0) * (pf - 2.0) * x.powi(p - 3);
            }
        }
        d
    }
}

/// Solves for c_{2ℓ} (ℓ = 0..q) such that d^k/dx^k [x^-n + Σ c_{2ℓ} x^{2ℓ}] = 0 at x_c, k = 0..q.
fn smoothing_coefficients(n: i32, q: u32, xc: f64) -> Result<Vec<f64>> {
    let m = q as usize + 1;
    // falling factorial a(a-1)...(a-k+1)
    let falling = |a: f64, k: usize| (0..k).fold(1.0, |acc, i| acc * (a - i as f64));
    let mut a = faer::Mat::<f64>::zeros(m, m);
    let mut b = faer::Mat::<f64>::zeros(m, 1);
    for k in 0..m {
        for l in 0..m {
            let p = 2.0 * l as f64;
            a[(k, l)] = falling(p, k) * xc.powf(p - k as f64);
        }
        b[(k, 0)] = -falling(-(n as f64), k) * xc.powf(-(n as f64) - k as f64);
    }
    use faer::linalg::solvers::Solve;
    let x = a.partial_piv_lu().solve(&b);
    let c: Vec<f64> = (0..m).map(|l| x[(l, 0)]).collect();
    if c.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid(format!(
            "IPL smoothing coefficients are singular for n={n}, q={q}, xc={xc}"
        )));
    }
    Ok(c)
}

impl Ipl {
    /// xi^n, multiplied out for the default n = 10 (the generic `powi` is a library call in
    /// the minimisers' hot loop).
    #[inline(always)]
    fn inverse_power(&self, xi: f64) -> f64 {
        if self.n == 10 {
            let a = xi * xi;
            let b = a * a;
            b * b * a
        } else {
            xi.powi(self.n)
        }
    }
}

impl Ipl {
    /// n = 10 with three smoothing terms: the form with the one-division kernel.
    #[inline(always)]
    fn is_default_form(&self) -> bool {
        self.n == 10 && self.coeffs.len() == 4
    }

    /// λ_ij² of a particle of size `s` with four partners, as [`Ipl::pair_size`] per lane.
    #[inline(always)]
    fn lanes_lam2<V: Lanes>(&self, s: f64, sj: V) -> V {
        let sv = V::splat(s);
        let lam = V::splat(0.5)
            * (sv + sj)
            * (V::splat(1.0) - V::splat(self.nonadditivity) * (sv - sj).abs());
        lam * lam
    }

    /// The default form's u at squared distances `r2` and squared pair sizes `lam2`, branch-free
    /// (the cutoff is a mask): the same operations as `energy_r2_lam2`, lane by lane.
    #[inline(always)]
    fn lanes_u<V: Lanes>(&self, r2: V, lam2: V) -> V {
        let c = &self.coeffs;
        let inv = V::splat(1.0) / (r2 * lam2);
        let x2 = r2 * r2 * inv;
        let t = lam2 * lam2 * inv;
        let t2 = t * t;
        let u = t2 * t2 * t
            + V::splat(c[0])
            + x2 * (V::splat(c[1]) + x2 * (V::splat(c[2]) + x2 * V::splat(c[3])));
        (V::splat(self.eps) * u).keep(r2.lt(V::splat(self.xc * self.xc) * lam2))
    }
}

impl PairPotential for Ipl {
    #[inline(always)]
    fn reach(&self, si: f64, sj: f64) -> f64 {
        self.xc * self.pair_size(si, sj)
    }

    #[inline(always)]
    fn terms(&self, r: f64, si: f64, sj: f64) -> PairTerms {
        let lam = self.pair_size(si, sj);
        let inv = 1.0 / lam;
        let x = r * inv;
        let xi = 1.0 / x;
        let xn = self.inverse_power(xi);
        let n = self.n as f64;
        let mut u = xn;
        let mut du = -n * xn * xi;
        let mut d2u = n * (n + 1.0) * xn * xi * xi;
        // Σ c_{2l} x^{2l} and derivatives, by Horner-free accumulation of even powers.
        let x2 = x * x;
        let mut pw = 1.0; // x^{2l}
        for (l, c) in self.coeffs.iter().enumerate() {
            let p = 2.0 * l as f64;
            u += c * pw;
            if l >= 1 {
                du += c * p * pw * xi;
                d2u += c * p * (p - 1.0) * pw * xi * xi;
            }
            pw *= x2;
        }
        PairTerms {
            u: self.eps * u,
            du: self.eps * du * inv,
            d2u: self.eps * d2u * inv * inv,
        }
    }

    fn energy_floor(&self) -> f64 {
        // u = x^-n + Σ c_2l x^2l cancels to 0 at x_c: the computed u may fall below 0 by a
        // few roundings of its largest terms (|c_2l| x_c^2l ≤ |c_2l| max(1, x_c)^2l)
        let big = self.xc.max(1.0);
        let terms: f64 = self
            .coeffs
            .iter()
            .enumerate()
            .map(|(l, c)| c.abs() * big.powi(2 * l as i32))
            .sum();
        -16.0 * f64::EPSILON * self.eps * (1.0 + terms)
    }

    fn reach_grows_with_size(&self, max_size: f64) -> bool {
        // ∂λ_ij/∂λ_i = ½(1 − 2 n_a λ_i) for λ_i > λ_j, ½(1 + 2 n_a λ_i) below
        2.0 * self.nonadditivity * max_size <= 1.0
    }

    fn reach_bound(&self, s: f64, min_size: f64, max_size: f64) -> f64 {
        // λ_ij grows with the partner's size s' up to s' = max(s, 1/(2 n_a)), then falls
        let peak = if self.nonadditivity > 0.0 {
            s.max(0.5 / self.nonadditivity)
        } else {
            f64::INFINITY
        };
        self.reach(s, peak.clamp(min_size, max_size))
    }

    #[inline(always)]
    fn energy_r2(&self, r2: f64, si: f64, sj: f64) -> f64 {
        let lam = self.pair_size(si, sj);
        self.energy_r2_lam2(r2, lam * lam)
    }

    #[inline(always)]
    fn energy_lanes<V: Lanes>(&self, r2: V, s: f64, sj: V) -> V {
        if !self.is_default_form() {
            return super::lanes_by_scalar(self, r2, s, sj);
        }
        self.lanes_u(r2, self.lanes_lam2(s, sj))
    }

    #[inline(always)]
    fn sum_lanes<V: Lanes>(
        &self,
        blocks: usize,
        s: f64,
        mut block: impl FnMut(usize) -> (V, V),
    ) -> V {
        let mut e = V::splat(0.0);
        if !self.is_default_form() {
            for b in 0..blocks {
                let (r2, sj) = block(b);
                e = e + self.energy_lanes(r2, s, sj);
            }
            return e;
        }
        for b in 0..blocks {
            let (r2, sj) = block(b);
            e = e + self.lanes_u(r2, self.lanes_lam2(s, sj));
        }
        e
    }

    #[inline(always)]
    fn sum_lanes_moved<V: Lanes>(
        &self,
        blocks: usize,
        s: f64,
        mut block: impl FnMut(usize) -> (V, V, V),
    ) -> (V, V) {
        let (mut ea, mut eb) = (V::splat(0.0), V::splat(0.0));
        if !self.is_default_form() {
            for b in 0..blocks {
                let (ra, rb, sj) = block(b);
                ea = ea + self.energy_lanes(ra, s, sj);
                eb = eb + self.energy_lanes(rb, s, sj);
            }
            return (ea, eb);
        }
        for b in 0..blocks {
            let (ra, rb, sj) = block(b);
            // λ_ij² (and the cutoff) once for both positions
            let lam2 = self.lanes_lam2(s, sj);
            ea = ea + self.lanes_u(ra, lam2);
            eb = eb + self.lanes_u(rb, lam2);
        }
        (ea, eb)
    }

    #[inline(always)]
    fn energy_r2_twice(&self, r2a: f64, r2b: f64, si: f64, sj: f64) -> (f64, f64) {
        let lam = self.pair_size(si, sj);
        let lam2 = lam * lam;
        (
            self.energy_r2_lam2(r2a, lam2),
            self.energy_r2_lam2(r2b, lam2),
        )
    }

    #[inline(always)]
    fn energy_force(&self, r: f64, si: f64, sj: f64) -> (f64, f64) {
        let lam = self.pair_size(si, sj);
        let inv = 1.0 / lam;
        let x = r * inv;
        let xi = 1.0 / x;
        let xn = self.inverse_power(xi);
        let mut u = xn;
        let mut du = -(self.n as f64) * xn * xi;
        let x2 = x * x;
        let mut pw = 1.0;
        for (l, c) in self.coeffs.iter().enumerate() {
            u += c * pw;
            if l >= 1 {
                du += c * (2 * l) as f64 * pw * xi;
            }
            pw *= x2;
        }
        (self.eps * u, self.eps * du * inv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_energies_never_fall_below_the_floor() {
        // the early rejection of swaps assumes every computed pair energy ≥ energy_floor;
        // near the cutoff the smoothed u cancels to 0 and its rounding goes slightly below
        use crate::models::lanes::Plain4;
        for p in [Ipl::default(), Ipl::new(12, 2, 1.5, 0.1, 1.0).unwrap()] {
            let floor = p.energy_floor();
            assert!(floor < 0.0 && floor > -1e-10, "{floor}");
            let mut lowest = f64::INFINITY;
            for (si, sj) in [(1.0, 1.0), (1.0, 2.22), (1.7, 1.3), (2.22, 2.22)] {
                let rc = p.reach(si, sj);
                for k in 0..20_000 {
                    let r = rc * (0.5 + 0.5 * k as f64 / 20_000.0);
                    let r2 = r * r;
                    let e = p.energy_r2(r2, si, sj);
                    let v = p.energy_lanes(Plain4([r2; 4]), si, Plain4([sj; 4])).0[0];
                    lowest = lowest.min(e).min(v);
                }
            }
            assert!(lowest >= floor, "{lowest} < {floor}");
        }
    }

    #[test]
    fn lanes_are_zero_at_nan_and_infinite_distances() {
        use crate::models::lanes::Plain4;
        let r2 = Plain4([f64::NAN, f64::INFINITY, 1.0, f64::NAN]);
        let sj = Plain4([1.0, 1.2, 1.0, 2.0]);
        for p in [Ipl::default(), Ipl::new(12, 2, 1.5, 0.1, 1.0).unwrap()] {
            let e = p.energy_lanes(r2, 1.1, sj).0;
            assert_eq!([e[0], e[1], e[3]], [0.0; 3]);
            assert!(e[2] > 0.0);
        }
    }

    #[test]
    fn lanes_equal_the_scalar_energy_bitwise() {
        use crate::models::lanes::Plain4;
        let p = Ipl::default();
        let s = 1.13;
        let sj = [1.0, 1.31, 1.6, 1.13];
        for r in [0.6, 0.95, 1.2, 1.5, 1.8, 2.4] {
            let r2 = [r * r, r * r * 1.01, r * r * 0.97, r * r * 1.2];
            let (v, w) = (Plain4(r2), Plain4(sj));
            let one = p.energy_lanes(v, s, w).0;
            let moved = Plain4(r2.map(|x| x * 0.9));
            let (a, b) = p.sum_lanes_moved(1, s, |_| (v, moved, w));
            let single = p.sum_lanes(1, s, |_| (v, w));
            for l in 0..4 {
                let e = p.energy_r2(r2[l], s, sj[l]);
                assert_eq!(one[l].to_bits(), e.to_bits());
                assert_eq!(single.0[l].to_bits(), e.to_bits());
                assert_eq!(a.0[l].to_bits(), e.to_bits());
                assert_eq!(
                    b.0[l].to_bits(),
                    p.energy_r2(r2[l] * 0.9, s, sj[l]).to_bits()
                );
            }
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            use crate::models::lanes::Avx4;
            let r2 = [0.8, 1.9, 2.5, 9.0];
            let v = p.energy_lanes(Avx4::from_array(r2), s, Avx4::from_array(sj));
            for l in 0..4 {
                let e = p.energy_r2(r2[l], s, sj[l]);
                assert_eq!(v.to_array()[l].to_bits(), e.to_bits());
            }
        }
    }
}
