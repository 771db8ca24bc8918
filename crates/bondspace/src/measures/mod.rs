//! Measures of a configuration that need only the Hessian: the length and frequency scales
//! that make spectra dimensionless (paper Sec. II): a₀ = (V/N)^{1/d}, the athermal shear
//! modulus G, the shear wave speed c_s = √(G/ρ), ω₀ = c_s/a₀, λ₀ = ω₀⁻² and the lowest
//! phonon frequency ω_ph = 2π c_s / L. [`elastic`] owns G and the factor of the pinned Hessian
//! that the modes reuse.

pub mod elastic;

use serde::{Deserialize, Serialize};

use crate::io::json::nullable_f64;

use crate::error::Result;
use crate::operators::Network;

/// Scales used to make spectra dimensionless.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scales {
    /// a₀ = (V/N)^{1/d}.
    #[serde(deserialize_with = "nullable_f64")]
    pub a0: f64,
    /// Athermal shear modulus (simple shear, averaged over the d(d−1)/2 planes).
    #[serde(deserialize_with = "nullable_f64")]
    pub shear_modulus: f64,
    /// c_s = √(G/ρ), ρ = N/V (unit masses).
    #[serde(deserialize_with = "nullable_f64")]
    pub c_s: f64,
    /// ω₀ = c_s / a₀.
    #[serde(deserialize_with = "nullable_f64")]
    pub omega_0: f64,
    /// λ₀ = ω₀⁻².
    #[serde(deserialize_with = "nullable_f64")]
    pub lambda_0: f64,
    /// ω_ph = 2π c_s / L, L = V^{1/d}.
    #[serde(deserialize_with = "nullable_f64")]
    pub omega_ph: f64,
}

/// Computes the scales of a network (G from Born minus nonaffine terms).
pub fn scales<const D: usize>(net: &Network<D>) -> Result<Scales> {
    Ok(scales_with(net, &elastic::HessianSolver::new(net)?))
}

/// [`scales`] with an existing factorization of the pinned Hessian.
pub fn scales_with<const D: usize>(net: &Network<D>, solver: &elastic::HessianSolver<D>) -> Scales {
    let gs = elastic::shear_moduli_with(net, solver);
    let g = gs.iter().sum::<f64>() / gs.len() as f64;
    let n = net.n_total as f64;
    let v = net.volume;
    let a0 = (v / n).powf(1.0 / D as f64);
    let rho = n / v;
    let c_s = (g.max(0.0) / rho).sqrt();
    let omega_0 = c_s / a0;
    Scales {
        a0,
        shear_modulus: g,
        c_s,
        omega_0,
        lambda_0: 1.0 / (omega_0 * omega_0),
        omega_ph: 2.0 * std::f64::consts::PI * c_s / v.powf(1.0 / D as f64),
    }
}
