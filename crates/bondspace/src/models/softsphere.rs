//! Soft spheres in the jamming community's (and jax-md's) convention:
//! u = (ε/α)(1 − r/σ_ij)^α for r < σ_ij = R_i + R_j.

use super::{PairPotential, PairTerms};
use crate::error::{Error, Result};

/// Soft spheres with exponent `alpha` (2: harmonic, 5/2: Hertzian) and energy `eps`.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftSphere {
    /// Exponent α > 1.
    pub alpha: f64,
    /// Energy scale ε.
    pub eps: f64,
}

impl SoftSphere {
    /// Soft spheres with exponent `alpha >= 2` and energy scale `eps > 0`.
    pub fn new(alpha: f64, eps: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha >= 2.0) {
            return Err(Error::Invalid(format!(
                "alpha={alpha} must be at least 2 (finite stiffness at contact)"
            )));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::Invalid(format!("eps={eps} must be positive")));
        }
        Ok(Self { alpha, eps })
    }
}

impl PairPotential for SoftSphere {
    #[inline(always)]
    fn reach(&self, si: f64, sj: f64) -> f64 {
        si + sj
    }

    fn reach_grows_with_size(&self, _max_size: f64) -> bool {
        true
    }

    #[inline(always)]
    fn terms(&self, r: f64, si: f64, sj: f64) -> PairTerms {
        let sigma = si + sj;
        let h = 1.0 - r / sigma;
        let a = self.alpha;
        let (p2, p1) = if a == 2.0 {
            (1.0, h)
        } else {
            let p2 = h.powf(a - 2.0);
            (p2, p2 * h)
        };
        PairTerms {
            u: self.eps / a * p1 * h,
            du: -self.eps / sigma * p1,
            d2u: self.eps * (a - 1.0) / (sigma * sigma) * p2,
        }
    }
}
