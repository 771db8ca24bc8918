//! Every file and array name of a result directory, in one place.
//!
//! A result directory holds the analysis of one configuration. All arrays are little-endian
//! float64 (counts and indices int64), readable with `numpy.load`:
//!
//! | file | arrays | written by |
//! |---|---|---|
//! | [`SUMMARY`] | the scalars ([`super::Summary`]) | every method, updated after each stage |
//! | [`BOND_SPECTRUM`] | every non-zero λ of A, ascending, simulation units | dense, explicit |
//! | [`HESSIAN_SPECTRUM`] | every non-zero ω², ascending | dense, explicit |
//! | [`COUNTS`] | [`counts`]: λ and ω² bin edges and counts | slicing |
//! | [`MODES`] | [`modes`]: the top modes, with PHMs when asked | top modes |
//! | [`DECAY`] | [`decay`]: mode-averaged decay profiles | top modes |
//! | [`PARTICIPATION`] | [`participation`]: λ and N·e of every mode | participation |
//! | [`DIPOLES`] | [`dipoles`]: bonds, κ_α, A_αα | dipoles |
//! | [`MODES_XYZ`] | extended XYZ, one frame per top mode: [`mode_frames`] columns and keys | top modes (`spectrum`) |
//! | [`MODES_BONDS`] | LAMMPS dump local, one frame per top mode: [`mode_bonds`] columns | top modes (`spectrum`) |
//!
//! An ensemble's sample directory adds [`CONFIG`] (the configuration) and, for a finite
//! parent temperature, [`MC`] (the Monte Carlo diagnostics).

/// Scalar results (JSON).
pub const SUMMARY: &str = "summary.json";
/// Non-zero λ of A (npy).
pub const BOND_SPECTRUM: &str = "bond_spectrum.npy";
/// Non-zero ω² of the Hessian (npy).
pub const HESSIAN_SPECTRUM: &str = "hessian_spectrum.npy";
/// Slicing counts (npz, [`counts`]).
pub const COUNTS: &str = "counts.npz";
/// Top modes (npz, [`modes`]).
pub const MODES: &str = "modes.npz";
/// Decay profiles (npz, [`decay`]).
pub const DECAY: &str = "decay.npz";
/// Participation of every mode (npz, [`participation`]).
pub const PARTICIPATION: &str = "participation.npz";
/// Dipole responses (npz, [`dipoles`]).
pub const DIPOLES: &str = "dipoles.npz";
/// The top modes as extended XYZ, one frame per mode (for OVITO and ASE; [`mode_frames`]).
pub const MODES_XYZ: &str = "modes.xyz";
/// The bond network and each mode's bond forces f_α as a LAMMPS dump local, one frame per
/// mode (OVITO's Load trajectory; [`mode_bonds`]).
pub const MODES_BONDS: &str = "modes_bonds.dump";
/// The configuration of an ensemble sample (extended XYZ).
pub const CONFIG: &str = "config.xyz";
/// The SWAP Monte Carlo diagnostics of an ensemble sample (JSON).
pub const MC: &str = "mc.json";

/// Every file an analysis may write (removed before a new analysis, so that none is stale).
pub const RESULT_FILES: [&str; 10] = [
    SUMMARY,
    MODES_XYZ,
    MODES_BONDS,
    BOND_SPECTRUM,
    HESSIAN_SPECTRUM,
    COUNTS,
    MODES,
    DECAY,
    PARTICIPATION,
    DIPOLES,
];

/// Arrays of [`COUNTS`], in simulation units. A λ bin is
/// (e_k, e_{k+1}], an ω² bin [e_k, e_{k+1}) (see `stats::bins`).
pub mod counts {
    /// λ bin edges.
    pub const LAMBDA_EDGES: &str = "lambda_edges";
    /// Eigenvalues of A per λ bin.
    pub const LAMBDA_COUNTS: &str = "lambda_counts";
    /// ω² bin edges.
    pub const OMEGA2_EDGES: &str = "omega2_edges";
    /// Hessian eigenvalues per ω² bin.
    pub const OMEGA2_COUNTS: &str = "omega2_counts";
}

/// Arrays of [`MODES`]. Particle arrays are (K, N, d) in the file's
/// particle order, rattlers zero; [`modes::NORMALIZATION`] is a text note stating the
/// normalisations.
pub mod modes {
    /// λ of each mode (K).
    pub const LAMBDA: &str = "lambda";
    /// Unit bond force modes f (K, N_b).
    pub const BOND_FORCE: &str = "bond_force";
    /// Particle force modes F = Sᵀf (K, N, d).
    pub const PARTICLE_FORCE: &str = "particle_force";
    /// Displacements D = M⁺Sᵀf (K, N, d).
    pub const DISPLACEMENT: &str = "displacement";
    /// N·e(F) of each mode (K).
    pub const PARTICIPATION_N: &str = "participation_N";
    /// The bonds as particle pairs in file numbering (N_b, 2).
    pub const BONDS: &str = "bonds";
    /// ‖Af − λf‖/λ (K).
    pub const RESIDUAL: &str = "residual";
    /// Unit pseudo-harmonic modes D_PH (K, N, d).
    pub const PHM_DISPLACEMENT: &str = "phm_displacement";
    /// F_PH = M D_PH / |M D_PH| (K, N, d).
    pub const PHM_FORCE: &str = "phm_force";
    /// 1 − |⟨D|D_PH⟩| (K).
    pub const OVERLAP_D: &str = "overlap_D";
    /// 1 − |⟨F|F_PH⟩| (K).
    pub const OVERLAP_F: &str = "overlap_F";
    /// The normalisation note (text).
    pub const NORMALIZATION: &str = "normalization";
}

/// Arrays of [`DECAY`].
pub mod decay {
    /// Bin radii.
    pub const R: &str = "r";
    /// The fit window (r_min, r_max).
    pub const WINDOW: &str = "window";
    /// The mode-averaged profiles, one array per field, in this order when present.
    pub const FIELDS: [&str; 4] = ["D", "F", "D_PH", "F_PH"];

    /// The array of per-mode profiles of `field` (K × bins, modes in the order of
    /// `modes.npz`): `D_modes`, `F_modes`, ...
    pub fn per_mode(field: &str) -> String {
        format!("{field}_modes")
    }
}

/// Arrays of [`PARTICIPATION`].
pub mod participation {
    /// Every non-zero λ, ascending.
    pub const LAMBDA: &str = "lambda";
    /// N·e(F) of each mode.
    pub const PARTICIPATION_N: &str = "participation_N";
}

/// Arrays of [`DIPOLES`].
pub mod dipoles {
    /// The bonds as particle pairs in file numbering (K, 2).
    pub const BONDS: &str = "bonds";
    /// κ_α = uᵀMu / uᵀu, the dipole stiffness of each bond (u = M⁺Sᵀ|α⟩).
    pub const KAPPA: &str = "kappa";
    /// uᵀMu = A_αα, the dipole compliance of each bond.
    pub const COMPLIANCE: &str = "compliance";
}

/// Columns and comment-line keys of [`MODES_XYZ`]: besides the configuration's own columns
/// (species, pos, radius, size), per particle the 1-based `id` and 3-vectors (z = 0 in 2D) in
/// the file's particle order, rattlers zero; per frame the mode's numbers.
pub mod mode_frames {
    /// 1-based particle identifier (matches [`super::mode_bonds`]).
    pub const ID: &str = "id";
    /// Displacement D = M⁺Sᵀf.
    pub const D: &str = "D";
    /// Particle force F = Sᵀf.
    pub const F: &str = "F";
    /// Unit pseudo-harmonic mode D_PH (with PHMs).
    pub const D_PH: &str = "D_PH";
    /// F_PH = M D_PH / |M D_PH| (with PHMs).
    pub const F_PH: &str = "F_PH";
    /// |D_i|, the magnitude of each particle's displacement.
    pub const D_MAG: &str = "D_mag";
    /// Key: the mode's index k (0 = highest λ).
    pub const MODE: &str = "mode";
    /// Key: λ (simulation units).
    pub const LAMBDA: &str = "lambda";
    /// Key: λ/λ₀.
    pub const LAMBDA_REL: &str = "lambda_over_lambda0";
    /// Key: N·e(F).
    pub const PARTICIPATION_N: &str = "participation_N";
    /// Key: 1 − |⟨D|D_PH⟩| (with PHMs).
    pub const OVERLAP_D: &str = "overlap_D";
    /// Key: 1 − |⟨F|F_PH⟩| (with PHMs).
    pub const OVERLAP_F: &str = "overlap_F";
}

/// Columns of [`MODES_BONDS`] (`ITEM: ENTRIES …`), one entry per bond, one frame (TIMESTEP =
/// mode index) per mode.
pub mod mode_bonds {
    /// The columns: bond index, the two particles' 1-based ids, f_α, |f_α|.
    pub const COLUMNS: [&str; 5] = ["index", "atom1", "atom2", "f", "f_abs"];
}
