//! Eigenmodes of the bond operator A = S M⁺ Sᵀ and the fields derived from them (paper
//! Sec. IV.C.1): bond force f, particle force F = Sᵀ f and displacement D = M⁺ Sᵀ f.
//!
//! Normalization: f is a unit vector in bond space (sign: the largest |f_α| is positive);
//! F = Sᵀ f and D = M⁺ F are *not* renormalized, so that Dᵀ M D = fᵀ A f = λ and
//! F = M D. Particle fields are nd-vectors in the network's particle numbering
//! (`Network::kept`), dof = d·i + k; D is translation-free.
//!
//! Two routes:
//! - [`top_modes`]: the K largest λ and their modes by block Krylov–Schur on the reduced
//!   operator C = L⁻¹ P K̃ Pᵀ L⁻ᵀ of
//!   [`crate::spectra::lanczos`], with P M̃ Pᵀ = L Lᵀ the sparse Cholesky factor of the pinned
//!   Hessian (pinning one particle is exact for translation-free vectors). Neither A nor C is formed; each product costs two
//!   sparse triangular solves. An eigenvector gives D̃ and f ∝ S D̃; then D = M⁺ Sᵀ f for
//!   all modes in one multi-column solve, A f = S D, and the residuals ‖A f − λ f‖/λ are
//!   reported.
//! - [`all_participations`]: every non-zero λ with the participation N·e(F) of its mode, from
//!   the full eigendecomposition of the dense reduced operator C = L⁻¹K̃L⁻ᵀ (D̃ = L⁻ᵀ y).

use faer::linalg::triangular_solve::solve_upper_triangular_in_place;
use faer::{Mat, Side};

use super::participation::participation_n;
use crate::error::{Error, Result};
use crate::measures::elastic::HessianSolver;
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
    /// N·e(F), the participation of F times N ([`super::participation`]).
    pub participation_n: Vec<f64>,
    /// Relative residuals ‖A f − λ f‖ / λ.
    pub residual: Vec<f64>,
    /// Products with the reduced operator C made by the Krylov iteration (vectors; 0 on the
    /// dense route for tiny systems).
    pub lanczos_products: usize,
    /// Wall seconds of the eigensolve (the Krylov iteration and D̃ = Pᵀ L⁻ᵀ x); the rest of
    /// the call forms the modes (f, F, D and the residuals).
    pub eigensolve_seconds: f64,
}

/// Relative residual tolerance of the Lanczos iteration (on A / λ_max).
pub const LANCZOS_TOL: f64 = crate::spectra::lanczos::LANCZOS_TOL;

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
    // the Krylov basis must be smaller than the space
    let m = net.ndof() - D;
    let t0 = std::time::Instant::now();
    let (fs, products) = if !crate::spectra::lanczos::fits(k, m) {
        (dense_top_vectors(net, k)?, 0)
    } else {
        lanczos_top_vectors(net, solver, k)?
    };
    let eigensolve_seconds = t0.elapsed().as_secs_f64();
    // F = Sᵀ f and D = M⁺ F for all modes in one multi-column solve (the factor is read
    // once); then A f = S D gives the Rayleigh quotient and the residual
    let mut fs = fs;
    let forces: Vec<Vec<f64>> = fs
        .iter_mut()
        .map(|f| {
            normalize_sign(f);
            let mut force = vec![0.0; net.ndof()];
            net.apply_st(f, &mut force);
            force
        })
        .collect();
    let disps = solver.solve_many(&forces);
    let mut y = vec![0.0; nb];
    let mut modes = BondModes {
        lanczos_products: products,
        eigensolve_seconds,
        ..Default::default()
    };
    for ((f, force), disp) in fs.into_iter().zip(forces).zip(disps) {
        net.apply_s(&disp, &mut y);
        let lambda: f64 = f.iter().zip(&y).map(|(a, b)| a * b).sum();
        let res = f
            .iter()
            .zip(&y)
            .map(|(a, b)| (b - lambda * a).powi(2))
            .sum::<f64>()
            .sqrt()
            / lambda;
        modes.participation_n.push(participation_n::<D>(&force));
        modes.lambda.push(lambda);
        modes.bond_force.push(f);
        modes.particle_force.push(force);
        modes.displacement.push(disp);
        modes.residual.push(res);
    }
    Ok(modes)
}

/// The top-k unit eigenvectors of A (descending λ) by Lanczos on the reduced operator
/// C = L⁻¹ P K̃ Pᵀ L⁻ᵀ ([`crate::spectra::lanczos`]): f ∝ S D̃.
fn lanczos_top_vectors<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    k: usize,
) -> Result<(Vec<Vec<f64>>, usize)> {
    let top = crate::spectra::lanczos::top_eigenpairs(net, solver.factor(), k)?;
    let mut disp = vec![0.0; net.ndof()];
    let fs = top
        .displacement
        .iter()
        .map(|d| {
            disp[..d.len()].copy_from_slice(d);
            disp[d.len()..].iter_mut().for_each(|v| *v = 0.0);
            let mut f = vec![0.0; net.n_bonds()];
            net.apply_s(&disp, &mut f);
            f
        })
        .collect();
    Ok((fs, top.products))
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

/// Every mode of A of a (small) configuration from one dense eigendecomposition: its λ,
/// N·e(F) and N·e(D), and the fields of any mode on demand (paper Fig. 6).
pub struct DenseModes {
    /// Non-zero λ, ascending.
    pub lambda: Vec<f64>,
    /// N·e(F) of each mode.
    pub ne_force: Vec<f64>,
    /// N·e(D) of each mode.
    pub ne_displacement: Vec<f64>,
    dt: Mat<f64>,
    cols: Vec<usize>,
}

impl DenseModes {
    /// The fields (D, F) of mode `i` (index into `lambda`), in the network's numbering: D
    /// translation-free, both scaled so that F = Sᵀ f with f a unit bond vector.
    pub fn fields<const D: usize>(&self, net: &Network<D>, i: usize) -> (Vec<f64>, Vec<f64>) {
        let mut disp = vec![0.0; net.ndof()];
        let ext = bond_vector(net, &self.dt, self.cols[i], &mut disp);
        let mut f = ext.clone();
        normalize_sign(&mut f);
        // f = c · S D̃ with c = ±1/|S D̃|, so D = M⁺Sᵀf = c D̃ (translation removed)
        let (k, _) =
            ext.iter().enumerate().fold(
                (0, 0.0f64),
                |m, (k, v)| if v.abs() > m.1 { (k, v.abs()) } else { m },
            );
        let c = if ext[k] != 0.0 { f[k] / ext[k] } else { 0.0 };
        let mut force = vec![0.0; net.ndof()];
        net.apply_st(&f, &mut force);
        remove_translation::<D>(&mut disp);
        disp.iter_mut().for_each(|v| *v *= c);
        (disp, force)
    }
}

fn remove_translation<const D: usize>(x: &mut [f64]) {
    let n = (x.len() / D) as f64;
    let mut mean = [0.0; D];
    for p in x.chunks_exact(D) {
        for k in 0..D {
            mean[k] += p[k] / n;
        }
    }
    for p in x.chunks_exact_mut(D) {
        for k in 0..D {
            p[k] -= mean[k];
        }
    }
}

/// Every non-zero mode of A with the participations of F and D ([`DenseModes`]; cost: one
/// dense nd × nd eigendecomposition with vectors).
pub fn dense_modes<const D: usize>(net: &Network<D>) -> Result<DenseModes> {
    let (vals, dt) = dense_pencil_eigen(net)?;
    let max = vals.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let tol = crate::spectra::ZERO_REL * max;
    let mut cols: Vec<usize> = (0..vals.len()).filter(|&k| vals[k] > tol).collect();
    cols.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
    let mut out = DenseModes {
        lambda: cols.iter().map(|&k| vals[k]).collect(),
        ne_force: Vec::new(),
        ne_displacement: Vec::new(),
        dt,
        cols,
    };
    let mut disp = vec![0.0; net.ndof()];
    let mut force = vec![0.0; net.ndof()];
    for &k in &out.cols {
        let ext = bond_vector(net, &out.dt, k, &mut disp);
        net.apply_st(&ext, &mut force);
        out.ne_force.push(participation_n::<D>(&force));
        remove_translation::<D>(&mut disp);
        out.ne_displacement.push(participation_n::<D>(&disp));
    }
    Ok(out)
}

/// The `k` lowest non-trivial eigenpairs (ω², unit vectors in the network numbering) of the
/// Hessian, from its dense eigendecomposition (the d translations skipped; paper Fig. 1a).
pub fn lowest_hessian_modes<const D: usize>(
    net: &Network<D>,
    k: usize,
) -> Result<Vec<(f64, Vec<f64>)>> {
    let m = net.dense(true, net.ndof());
    let evd = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Numerical(format!("eigensolver failed: {e:?}")))?;
    let s = evd.S().column_vector();
    let u = evd.U();
    Ok((D..(D + k).min(u.ncols()))
        .map(|c| (s[c], (0..u.nrows()).map(|r| u[(r, c)]).collect()))
        .collect())
}
