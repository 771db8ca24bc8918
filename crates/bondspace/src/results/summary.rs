//! `summary.json`: the scalar results of one configuration, typed for writing and reading.
//!
//! The key order of the file is the field order below (the scales flattened in place), and
//! non-finite floats are written as `null` and read back as NaN.

use serde::{Deserialize, Deserializer, Serialize};

use crate::io::json::nullable_f64;
use crate::measures::Scales;
use crate::operators::factor::FactorInfo;
use crate::spectra::Method;

/// The scalar results of one configuration (`summary.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Particles in the configuration (rattlers included).
    pub n_particles: usize,
    /// Rattlers removed before building operators.
    pub n_rattlers: usize,
    /// Dimension.
    pub dim: usize,
    /// Bonds N_b among non-rattlers.
    pub n_bonds: usize,
    /// States of self-stress N_b − rank(S).
    pub n_sss: usize,
    /// Non-zero eigenvalues of A.
    pub n_nonzero: usize,
    /// a₀, G, c_s, ω₀, λ₀, ω_ph (keys `a0`, `shear_modulus`, `c_s`, `omega_0`, `lambda_0`,
    /// `omega_ph`).
    #[serde(flatten)]
    pub scales: Scales,
    /// Total energy.
    #[serde(deserialize_with = "nullable_f64")]
    pub energy: f64,
    /// Virial pressure.
    #[serde(deserialize_with = "nullable_f64")]
    pub pressure: f64,
    /// max_i |F_i|.
    #[serde(deserialize_with = "nullable_f64")]
    pub max_force: f64,
    /// Smallest non-translation Hessian eigenvalue (null for the methods that compute no
    /// eigenvalue; there the Cholesky factorization of the pinned Hessian shows it positive).
    pub min_hessian_eigenvalue: Option<f64>,
    /// Method used (`auto` resolved).
    pub method: Method,
    /// The sparse Cholesky factor of the pinned Hessian: ordering, size, seconds.
    pub factor: FactorInfo,
    /// Top modes: count, residuals, PHM overlaps and decay exponents (when modes were asked
    /// for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<ModesSummary>,
    /// Wall time of the analysis.
    #[serde(deserialize_with = "nullable_f64")]
    pub seconds: f64,
    /// Wall seconds of each finished stage, in order (`spectrum`: the factor, G and the
    /// spectrum; `modes`: the top modes, PHMs and decay profiles; `dipoles`;
    /// `participation`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<(String, f64)>,
}

/// Summary of the top-mode analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModesSummary {
    /// Number of modes computed.
    pub count: usize,
    /// Largest relative residual ‖A f − λ f‖/λ.
    #[serde(deserialize_with = "nullable_f64")]
    pub max_residual: f64,
    /// Mean 1 − |⟨D|D_PH⟩| over the modes (with PHMs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_overlap_d: Option<f64>,
    /// Mean 1 − |⟨F|F_PH⟩| over the modes (with PHMs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_overlap_f: Option<f64>,
    /// PHM minimisations that reached the gradient tolerance (with PHMs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phm_converged: Option<usize>,
    /// Fit window (r_min, r_max) of the decay exponents
    /// ([`crate::modes::decay::default_window`]).
    pub decay_window: (f64, f64),
    /// Fitted decay exponents (exponent, standard error) of the mode-averaged profiles, by
    /// field: `D`, `F`, and with PHMs `D_PH`, `F_PH` (None where too few bins).
    #[serde(deserialize_with = "nullable_exponents")]
    pub decay_exponents: Vec<(String, Option<Fit>)>,
}

/// A fitted value and its standard error.
pub type Fit = (f64, f64);

/// Reads `[["D", [e, se]], ["F", null], …]`, a `null` inside a pair as NaN.
fn nullable_exponents<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, Option<Fit>)>, D::Error> {
    type Raw = Vec<(String, Option<(Option<f64>, Option<f64>)>)>;
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    Ok(Raw::deserialize(d)?
        .into_iter()
        .map(|(name, e)| (name, e.map(|(a, b)| (nan(a), nan(b)))))
        .collect())
}
