//! Modes of the bond operator and their measures (SPEC §2, §3; paper Sec. IV.B.3, IV.C).
//!
//! - [`phm`]: pseudo-harmonic modes, minimisers of C(z) = (zᵀMz)² / Σ_bonds (z_ij·z_ij)².
//! - [`decay`]: spatial decay profiles of particle fields around their core.

pub mod decay;
pub mod phm;
