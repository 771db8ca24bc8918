//! Harmonic spheres (paper App. B): u = ½k(r − l₀)² for r < l₀ = R_i + R_j.

use super::{PairPotential, PairTerms};
use crate::error::{Error, Result};

/// Harmonic spheres with stiffness `k`; sizes are radii.
#[derive(Clone, Debug, PartialEq)]
pub struct Harmonic {
    /// Spring constant k.
    pub k: f64,
}

impl Default for Harmonic {
    fn default() -> Self {
        Self { k: 1.0 }
    }
}

impl Harmonic {
    /// Harmonic spheres with spring constant `k > 0`.
    pub fn new(k: f64) -> Result<Self> {
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::Invalid(format!("k={k} must be positive")));
        }
        Ok(Self { k })
    }
}

impl PairPotential for Harmonic {
    #[inline(always)]
    fn reach(&self, si: f64, sj: f64) -> f64 {
        si + sj
    }

    fn reach_grows_with_size(&self, _max_size: f64) -> bool {
        true
    }

    #[inline(always)]
    fn terms(&self, r: f64, si: f64, sj: f64) -> PairTerms {
        let h = r - (si + sj);
        PairTerms {
            u: 0.5 * self.k * h * h,
            du: self.k * h,
            d2u: self.k,
        }
    }
}
