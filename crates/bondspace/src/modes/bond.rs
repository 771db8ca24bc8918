//! Eigenmodes of the bond operator A = S M⁺ Sᵀ and the fields derived from them (paper
//! Sec. IV.C.1): bond force f, particle force F = Sᵀ f and displacement D = M⁺ Sᵀ f.
//!
//! Normalization: f is a unit vector in bond space (sign: the largest |f_α| is positive);
//! F = Sᵀ f and D = M⁺ F are *not* renormalized, so that Dᵀ M D = fᵀ A f = λ and
//! F = M D. Particle fields are nd-vectors in the network's particle numbering
//! (`Network::kept`), dof = d·i + k; D is translation-free.
//!
//! Two routes:
//! - [`top_modes`]: the K largest λ and their modes by a restarted Lanczos (faer's Krylov–Schur
//!   `partial_self_adjoint_eigen`) on A applied matrix-free, f ↦ S M⁺ Sᵀ f, with M⁺ from a
//!   sparse Cholesky factorization of the pinned Hessian (exact for the translation-free
//!   Sᵀ f, SPEC §2). A is never formed; each product costs two sparse triangular solves.
//!   Residuals ‖A f − λ f‖/λ are computed afterwards and reported.
//! - [`all_participations`]: every non-zero λ with the participation N·e(F) of its mode, from
//!   the full eigendecomposition of the dense reduced operator C = L⁻¹K̃L⁻ᵀ (D̃ = L⁻ᵀ y).

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::triangular_solve::solve_upper_triangular_in_place;
use faer::matrix_free::LinOp;
use faer::matrix_free::eigen::{
    PartialEigenParams, partial_self_adjoint_eigen, partial_self_adjoint_eigen_scratch,
};
use faer::{Col, Mat, MatMut, MatRef, Par, Side};

use crate::error::{Error, Result};
use crate::measures::elastic::HessianSolver;
use crate::measures::ensemble::participation_n;
use crate::operators::Network;

/// Modes of A, highest λ first.
#[derive(Clone, Debug, Default)]
pub struct BondModes {
    /// Eigenvalues λ, descending.
    pub lambda: Vec<f64>,
    /// Unit bond force modes f (each of length N_b).
    pub bond_force: Vec<Vec<f64>>,
    /// Particle force modes F = Sᵀ f (each of length nd, network numbering).
    pub particle_force: Vec<Vec<f64>>,
    /// Displacement modes D = M⁺ Sᵀ f (each of length nd, translation-free).
    pub displacement: Vec<Vec<f64>>,
    /// N·e(F), the participation of F times N (SPEC §3).
    pub participation_n: Vec<f64>,
    /// Relative residuals ‖A f − λ f‖ / λ.
    pub residual: Vec<f64>,
}

/// A = S M⁺ Sᵀ as a matrix-free operator on bond space, scaled by `scale`.
struct BondOperator<'a, const D: usize> {
    net: &'a Network<D>,
    solver: &'a HessianSolver<D>,
    scale: f64,
}

impl<const D: usize> std::fmt::Debug for BondOperator<'_, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BondOperator(N_b = {})", self.net.n_bonds())
    }
}

impl<const D: usize> BondOperator<'_, D> {
    /// out = scale · S M⁺ Sᵀ f for one bond-space vector.
    fn apply_vec(&self, f: &[f64], out: &mut [f64]) {
        let mut force = vec![0.0; self.net.ndof()];
        self.net.apply_st(f, &mut force);
        let u = self.solver.solve(&force);
        self.net.apply_s(&u, out);
        if self.scale != 1.0 {
            out.iter_mut().for_each(|v| *v *= self.scale);
        }
    }
}

impl<const D: usize> LinOp<f64> for BondOperator<'_, D> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }

    fn nrows(&self) -> usize {
        self.net.n_bonds()
    }

    fn ncols(&self) -> usize {
        self.net.n_bonds()
    }

    fn apply(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, _s: &mut MemStack) {
        let nb = self.net.n_bonds();
        let mut x = vec![0.0; nb];
        let mut y = vec![0.0; nb];
        for c in 0..rhs.ncols() {
            for (r, v) in x.iter_mut().enumerate() {
                *v = rhs[(r, c)];
            }
            self.apply_vec(&x, &mut y);
            for (r, v) in y.iter().enumerate() {
                out[(r, c)] = *v;
            }
        }
    }

    fn conj_apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, s: &mut MemStack) {
        // real symmetric
        self.apply(out, rhs, par, s);
    }
}

/// Relative residual tolerance of the Lanczos iteration (on A / λ_max).
pub const LANCZOS_TOL: f64 = 1e-12;

/// The `k` highest-λ modes of A by matrix-free restarted Lanczos (see the module docs).
pub fn top_modes<const D: usize>(net: &Network<D>, k: usize) -> Result<BondModes> {
    let solver = HessianSolver::new(net)?;
    top_modes_with(net, &solver, k)
}

/// [`top_modes`] with an existing factorization of the pinned Hessian.
pub fn top_modes_with<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    k: usize,
) -> Result<BondModes> {
    let nb = net.n_bonds();
    if k == 0 {
        return Ok(BondModes::default());
    }
    if k > net.ndof() - D {
        return Err(Error::Invalid(format!(
            "{k} modes asked for, but A has at most {} non-zero eigenvalues",
            net.ndof() - D
        )));
    }
    // the Krylov–Schur basis (max(2k, 64) vectors) must be smaller than the space
    let fs = if (2 * k).max(64) >= nb {
        dense_top_vectors(net, k)?
    } else {
        lanczos_top_vectors(net, solver, k)?
    };
    let op = BondOperator {
        net,
        solver,
        scale: 1.0,
    };
    let mut y = vec![0.0; nb];
    let mut modes = BondModes::default();
    for mut f in fs {
        normalize_sign(&mut f);
        // Rayleigh quotient and residual with the unscaled operator
        op.apply_vec(&f, &mut y);
        let lambda: f64 = f.iter().zip(&y).map(|(a, b)| a * b).sum();
        let res = f
            .iter()
            .zip(&y)
            .map(|(a, b)| (b - lambda * a).powi(2))
            .sum::<f64>()
            .sqrt()
            / lambda;
        // F = Sᵀ f, D = M⁺ F
        let mut force = vec![0.0; net.ndof()];
        net.apply_st(&f, &mut force);
        let disp = solver.solve(&force);
        modes.participation_n.push(participation_n::<D>(&force));
        modes.lambda.push(lambda);
        modes.bond_force.push(f);
        modes.particle_force.push(force);
        modes.displacement.push(disp);
        modes.residual.push(res);
    }
    Ok(modes)
}

/// The top-k unit eigenvectors of A (descending λ) by Lanczos on the matrix-free operator.
fn lanczos_top_vectors<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    k: usize,
) -> Result<Vec<Vec<f64>>> {
    let nb = net.n_bonds();
    // deterministic start vector with no special symmetry
    let v0 = Col::<f64>::from_fn(nb, |a| {
        1.0 + ((a as f64 + 1.0) * 0.618_033_988_749_895).fract()
    });
    // scale A by an estimate of λ_max (a few power steps) so the absolute tolerance of the
    // Krylov–Schur iteration is relative
    let mut op = BondOperator {
        net,
        solver,
        scale: 1.0,
    };
    let mut x: Vec<f64> = v0.iter().copied().collect();
    let mut y = vec![0.0; nb];
    let mut lmax = 0.0;
    for _ in 0..8 {
        let n = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x.iter_mut().for_each(|v| *v /= n);
        op.apply_vec(&x, &mut y);
        lmax = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        std::mem::swap(&mut x, &mut y);
    }
    if !(lmax.is_finite() && lmax > 0.0) {
        return Err(Error::Numerical("the bond operator vanishes".into()));
    }
    op.scale = 1.0 / lmax;
    let par = faer::get_global_parallelism();
    let params = PartialEigenParams {
        max_dim: (2 * k).max(64).min(nb),
        ..Default::default()
    };
    let mut vecs = Mat::<f64>::zeros(nb, k);
    let mut vals = vec![0.0; k];
    let mut mem = MemBuffer::new(partial_self_adjoint_eigen_scratch(&op, k, par, params));
    let info = partial_self_adjoint_eigen(
        vecs.as_mut(),
        &mut vals,
        &op,
        v0.as_ref(),
        LANCZOS_TOL,
        par,
        MemStack::new(&mut mem),
        params,
    );
    if info.n_converged_eigen < k {
        return Err(Error::Numerical(format!(
            "Lanczos converged {} of {k} modes",
            info.n_converged_eigen
        )));
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    Ok(order
        .iter()
        .map(|&c| (0..nb).map(|r| vecs[(r, c)]).collect())
        .collect())
}

/// Every generalized eigenpair of the pinned pencil (K̃, M̃), from the full eigendecomposition
/// of the dense reduced operator C = L⁻¹K̃L⁻ᵀ: the eigenvalues and, as columns, the
/// M̃-orthonormal eigenvectors D̃ = L⁻ᵀ y (the pinned particle's rows omitted).
fn dense_pencil_eigen<const D: usize>(net: &Network<D>) -> Result<(Vec<f64>, Mat<f64>)> {
    let (c, l) = crate::spectra::dense::reduced_operator(net)?;
    let m = c.nrows();
    let evd = c
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Numerical(format!("eigensolver failed: {e:?}")))?;
    let s = evd.S().column_vector();
    let mut dt = evd.U().to_owned();
    solve_upper_triangular_in_place(l.transpose(), dt.as_mut(), faer::get_global_parallelism());
    Ok(((0..m).map(|k| s[k]).collect(), dt))
}

/// Bond vector S D̃ of column `col` of `dt` (the pinned particle displaced by zero).
fn bond_vector<const D: usize>(
    net: &Network<D>,
    dt: &Mat<f64>,
    col: usize,
    disp: &mut [f64],
) -> Vec<f64> {
    for (r, v) in disp.iter_mut().enumerate() {
        *v = if r < dt.nrows() { dt[(r, col)] } else { 0.0 };
    }
    let mut f = vec![0.0; net.n_bonds()];
    net.apply_s(disp, &mut f);
    f
}

/// The top-k unit eigenvectors of A (descending λ) from the dense reduced eigendecomposition
/// (small systems, where a Krylov basis would be as large as the space): f ∝ S D̃.
fn dense_top_vectors<const D: usize>(net: &Network<D>, k: usize) -> Result<Vec<Vec<f64>>> {
    let (vals, dt) = dense_pencil_eigen(net)?;
    let mut order: Vec<usize> = (0..vals.len()).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    let mut disp = vec![0.0; net.ndof()];
    Ok(order
        .iter()
        .take(k)
        .map(|&c| bond_vector(net, &dt, c, &mut disp))
        .collect())
}

/// Unit norm, and the sign that makes the entry of largest magnitude positive.
fn normalize_sign(f: &mut [f64]) {
    let n = f.iter().map(|v| v * v).sum::<f64>().sqrt();
    let big = f
        .iter()
        .copied()
        .fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
    let s = if big < 0.0 { -1.0 / n } else { 1.0 / n };
    f.iter_mut().for_each(|v| *v *= s);
}

/// Every non-zero λ of A (ascending) with the participation N·e(F) of its particle force
/// mode, from the full eigendecomposition of the dense reduced operator (cost: one dense
/// nd × nd eigendecomposition with vectors).
pub fn all_participations<const D: usize>(net: &Network<D>) -> Result<(Vec<f64>, Vec<f64>)> {
    let (vals, dt) = dense_pencil_eigen(net)?;
    let max = vals.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let tol = crate::spectra::ZERO_REL * max;
    let mut disp = vec![0.0; net.ndof()];
    let mut force = vec![0.0; net.ndof()];
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (k, &lambda) in vals.iter().enumerate() {
        if lambda <= tol {
            continue;
        }
        // F = Sᵀ S D̃ (the scale of D̃ does not change N·e)
        let ext = bond_vector(net, &dt, k, &mut disp);
        net.apply_st(&ext, &mut force);
        out.push((lambda, participation_n::<D>(&force)));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(out.into_iter().unzip())
}
