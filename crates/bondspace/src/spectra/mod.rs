//! Spectra of the bond operator A = S M⁺ Sᵀ and of the Hessian M.
//!
//! - [`explicit`]: the literal definition, dense A (N_b × N_b) from the pseudo-inverse of M;
//!   kept as the verification method for small N.
//! - [`dense`]: the reduced generalized eigenproblem K D = λ M D with one particle pinned
//!   (exact: K and M both vanish on translations), by Cholesky of the pinned M, two triangular
//!   solves and a self-adjoint eigensolve; nd × nd instead of N_b × N_b.
//!
//! Both return every non-zero λ of A (ascending) and every non-zero ω² of M (ascending, the
//! d translation zero modes of the full M dropped).
//!
//! For large systems, where no dense matrix fits:
//! - [`slicing`]: exact eigenvalue counts per bin by inertia (sparse LDLᵀ);
//! - [`lanczos`]: the largest eigenpairs by Lanczos on C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, with the sparse
//!   factor of [`crate::operators::factor`].
//!
//! [`Method`] names them (and `auto`, which picks one by size).

pub mod dense;
pub mod eigen;
pub mod explicit;
pub mod lanczos;
pub mod method;
pub mod slicing;

pub use method::Method;

use crate::operators;

/// Tasks faer's dense kernels split their work into, whatever the number of threads (see
/// [`fix_dense_parallelism`]).
pub const DENSE_TASKS: usize = 8;

/// Makes faer's dense kernels (the `dense` and `explicit` spectra, the participation of every
/// mode) split their work into [`DENSE_TASKS`] tasks whatever the number of threads: with
/// faer's default, one task per thread, their blocking and so the last bits of λ changed
/// with the thread count (issue 19: 579 of 597 λ, up to 2e-14 relative, between 1 and 2
/// threads; measured here: `participation.npz` and the `explicit` spectra). With
/// a fixed count they are bitwise identical for any thread count (measured with 1, 2, 3, 4 and
/// 7 threads, N = 300 and 1000 in 3D), at no measurable cost on 2 cores; beyond 8 cores the
/// dense stages use 8. Ensembles switch the kernels to sequential inside samples instead
/// ([`crate::ensemble::batch::SequentialKernels`]). The command line calls this at start.
pub fn fix_dense_parallelism() {
    faer::set_global_parallelism(faer::Par::rayon(DENSE_TASKS));
}

/// Relative threshold below which an eigenvalue counts as zero (times the largest one).
pub const ZERO_REL: f64 = 1e-11;

/// A computed spectrum.
#[derive(Clone, Debug, Default)]
pub struct Spectrum {
    /// Non-zero eigenvalues of A, ascending.
    pub bond: Vec<f64>,
    /// Non-zero ω² of the Hessian, ascending.
    pub hessian: Vec<f64>,
    /// Number of zero eigenvalues of A (states of self-stress), N_b − rank(S).
    pub n_sss: usize,
    /// Smallest Hessian eigenvalue among the non-translation modes (negative: unstable).
    pub min_hessian: f64,
    /// Number of non-zero eigenvalues of A, rank(S).
    pub n_nonzero: usize,
}

/// Gershgorin bound of the Hessian's largest eigenvalue: the largest row sum of the bond
/// blocks' norms, Σ_bonds 2(|u″| + (d − 1)|u′/r|) per particle.
pub fn hessian_bound<const D: usize>(net: &operators::Network<D>) -> f64 {
    let mut row = vec![0.0f64; net.n()];
    for (a, &[i, j]) in net.bonds.iter().enumerate() {
        let k = 2.0 * (net.d2u[a].abs() + (D as f64 - 1.0) * (net.du[a] / net.r[a]).abs());
        row[i as usize] += k;
        row[j as usize] += k;
    }
    row.into_iter().fold(f64::MIN_POSITIVE, f64::max)
}

/// rank(S), the number of λ of A above `threshold`, without a factorization, where it is
/// exact: when every bond is repulsive (u′(r_α) ≤ 0) and the pinned Hessian M̃ is positive
/// definite. Then M = Sᵀ diag(u″) S + Σ_α (u′_α/r_α)(I − n̂n̂ᵀ)_α ≼ Sᵀ diag(u″) S, the second
/// sum being negative semi-definite, so xᵀM̃x ≤ u″_max ‖S̃x‖² for every x: S̃ has full column
/// rank, rank(S) = (n − 1)d, and every λ of the pencil (K̃, M̃) is at least 1/u″_max. The
/// answer is `None` (count by inertia instead) when a bond is attractive or `threshold` is not
/// below 1/u″_max.
///
/// The caller must establish that M̃ is positive definite (its Cholesky factorization
/// succeeds, as on the sparse and slicing routes, which stop otherwise).
pub fn repulsive_rank<const D: usize>(
    net: &operators::Network<D>,
    threshold: f64,
) -> Option<usize> {
    let k_max = net.d2u.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let repulsive = net.du.iter().all(|&f| f <= 0.0);
    (net.n_bonds() > 0 && repulsive && k_max > 0.0 && threshold * k_max < 1.0)
        .then(|| net.ndof() - D)
}

/// Splits ascending eigenvalues of a PSD operator into (zero count, non-zero values).
pub(crate) fn split_zeros(ev: &[f64]) -> (usize, Vec<f64>) {
    let max = ev.iter().copied().fold(0.0f64, |a, b| a.max(b.abs()));
    let tol = ZERO_REL * max;
    let nonzero: Vec<f64> = ev.iter().copied().filter(|v| *v > tol).collect();
    (ev.len() - nonzero.len(), nonzero)
}

/// Hessian spectrum from all eigenvalues of the full M (ascending): drops the `d`
/// translation modes (the d eigenvalues of smallest magnitude) and returns
/// (non-zero ω² ascending, smallest remaining eigenvalue).
pub(crate) fn hessian_nonzero(mut ev: Vec<f64>, d: usize) -> (Vec<f64>, f64) {
    ev.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let mut rest: Vec<f64> = ev.into_iter().skip(d).collect();
    rest.sort_by(f64::total_cmp);
    let min = rest.first().copied().unwrap_or(0.0);
    (rest, min)
}
