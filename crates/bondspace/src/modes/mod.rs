//! Modes of the bond operator and their measures (SPEC §2, §3; paper Sec. IV.B.3, IV.C).
//!
//! - [`bond`]: eigenmodes of A (f, F, D), their participation, top-K by matrix-free Lanczos.
//! - [`dipole`]: responses to unit force dipoles on bonds, κ_α and A_αα.
//! - [`phm`]: pseudo-harmonic modes, minimisers of C(z) = (zᵀMz)² / Σ_bonds (z_ij·z_ij)².
//! - [`decay`]: spatial decay profiles of particle fields around their core.

pub mod bond;
pub mod decay;
pub mod dipole;
pub mod phm;
