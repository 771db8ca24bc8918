//! Modes of the bond operator and their measures (paper Sec. IV.B–C).
//!
//! - [`bond`]: eigenmodes of A = S M⁺ Sᵀ: the bond force mode f (unit eigenvector of A), the
//!   particle force mode F = Sᵀf and the displacement D = M⁺Sᵀf; the top K by Lanczos on the
//!   sparse factor of the pinned Hessian, or all of them densely with their participation.
//! - [`participation`]: N·e of a particle field, the QLM size n and length ξ.
//! - [`dipole`]: responses to unit force dipoles on bonds, κ_α and A_αα.
//! - [`phm`]: pseudo-harmonic modes, minimisers of C(z) = (zᵀMz)² / Σ_bonds (z_ij·z_ij)².
//! - [`decay`]: spatial decay profiles of particle fields around their core.

pub mod bond;
pub mod decay;
pub mod dipole;
pub mod participation;
pub mod phm;
