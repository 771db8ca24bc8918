//! The spectrum methods by name, and the size rule of `auto`.

use serde::{Deserialize, Serialize};

/// How to compute the spectrum of one configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Literal dense A = S M⁺ Sᵀ (verification, small N).
    Explicit,
    /// Reduced generalized eigenproblem on the pinned space (default).
    Dense,
    /// Exact histogram counts by inertia (sparse LDLᵀ), no eigenvalues.
    Slicing,
    /// Large systems: no spectrum, rank(S) by one inertia count, and the top modes by Lanczos
    /// on the sparse factor.
    Sparse,
    /// Chosen by size and memory ([`Method::resolve`]).
    Auto,
}

/// `auto` uses `dense` up to this many degrees of freedom nd (N = 3000 in 3D: about a
/// minute for P(λ) and D(ω) on 2 cores).
pub const AUTO_DENSE_MAX_DOF: usize = 9_000;

/// `auto` uses `slicing` up to this many degrees of freedom nd (N = 20 000 in 3D: a few
/// minutes for 30 + 30 bins), and `sparse` above.
pub const AUTO_SLICING_MAX_DOF: usize = 60_000;

impl Method {
    /// The name used in result files (and by the command line).
    pub fn name(self) -> &'static str {
        match self {
            Method::Explicit => "explicit",
            Method::Dense => "dense",
            Method::Slicing => "slicing",
            Method::Sparse => "sparse",
            Method::Auto => "auto",
        }
    }

    /// The concrete method for a network of `ndof` degrees of freedom: `auto` becomes
    /// `dense` up to [`AUTO_DENSE_MAX_DOF`] if its dense matrices (about 6 nd² doubles) fit
    /// in 80 % of the available memory, `slicing` up to [`AUTO_SLICING_MAX_DOF`], else
    /// `sparse`. Other methods are returned unchanged.
    pub fn resolve(self, ndof: usize, available_bytes: Option<f64>) -> Method {
        if self != Method::Auto {
            return self;
        }
        let dense_bytes = 6.0 * (ndof as f64).powi(2) * 8.0;
        let fits = available_bytes.is_none_or(|a| dense_bytes < 0.8 * a);
        if ndof <= AUTO_DENSE_MAX_DOF && fits {
            Method::Dense
        } else if ndof <= AUTO_SLICING_MAX_DOF {
            Method::Slicing
        } else {
            Method::Sparse
        }
    }

    /// True for the methods that compute every eigenvalue (dense, explicit).
    pub fn has_eigenvalues(self) -> bool {
        matches!(self, Method::Dense | Method::Explicit)
    }
}
