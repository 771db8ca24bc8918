//! The top of the bond-operator spectrum for large systems: the K largest eigenpairs of the
//! pinned pencil (K̃, M̃) by thick-restart Lanczos (Wu & Simon) on the reduced operator
//! C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, where P M̃ Pᵀ = L Lᵀ is the sparse factor of [`PinnedCholesky`].
//!
//! The iteration is ours rather than faer's `partial_self_adjoint_eigen`, whose
//! reorthogonalization loop has no exit when a new Krylov vector vanishes to round-off (it
//! spun forever on a 3D glass of N = 20 000): here every new vector is orthogonalized in
//! exactly two classical Gram–Schmidt passes, a vanishing one is replaced by a fixed
//! pseudo-random vector orthogonal to the basis, and the number of restarts is capped.
//! Everything runs on one thread, so the result does not depend on the thread count.
//!
//! The non-zero eigenvalues of C are those of A = S M⁺ Sᵀ, and the largest ones are the
//! extreme end of the spectrum, so no shift is needed. C is never formed: one product costs a
//! triangular solve with Lᵀ, a sparse product with K̃ (matrix-free over the bonds) and a
//! triangular solve with L. An eigenvector x of C gives the displacement D̃ = Pᵀ L⁻ᵀ x
//! (M̃-orthonormal, the pinned particle at rest), from which the bond-space modes follow
//! (`modes::bond`). Lanczos vectors have length (n − 1)·d, not N_b.

use std::cell::{Cell, RefCell};

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::{Accum, Col, Mat, MatMut, Par, Side};

use crate::error::{Error, Result};
use crate::operators::Network;
use crate::operators::factor::PinnedCholesky;

/// Relative residual tolerance of the Lanczos iteration (on C / λ_max).
pub const LANCZOS_TOL: f64 = 1e-10;

/// The K largest eigenpairs of the pinned pencil (K̃, M̃).
#[derive(Clone, Debug, Default)]
pub struct TopPencil {
    /// Eigenvalues λ, descending.
    pub lambda: Vec<f64>,
    /// M̃-orthonormal displacements D̃ (length (n − 1)·d each, network numbering).
    pub displacement: Vec<Vec<f64>>,
    /// Number of products with C (power steps included).
    pub products: usize,
}

struct Work {
    a: Vec<f64>,
    full: Vec<f64>,
    kfull: Vec<f64>,
    mem: MemBuffer,
}

/// C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, scaled by `scale`.
struct ReducedOperator<'a, const D: usize> {
    net: &'a Network<D>,
    factor: &'a PinnedCholesky,
    scale: f64,
    work: RefCell<Work>,
    products: Cell<usize>,
}

impl<const D: usize> std::fmt::Debug for ReducedOperator<'_, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReducedOperator(m = {})", self.factor.dim())
    }
}

impl<'a, const D: usize> ReducedOperator<'a, D> {
    fn new(net: &'a Network<D>, factor: &'a PinnedCholesky) -> Self {
        let m = factor.dim();
        Self {
            net,
            factor,
            scale: 1.0,
            work: RefCell::new(Work {
                a: vec![0.0; m],
                full: vec![0.0; net.ndof()],
                kfull: vec![0.0; net.ndof()],
                mem: MemBuffer::new(factor.scratch(1)),
            }),
            products: Cell::new(0),
        }
    }

    /// y ← scale · C x.
    fn apply_vec(&self, x: &[f64], y: &mut [f64]) {
        self.products.set(self.products.get() + 1);
        let m = self.factor.dim();
        let mut guard = self.work.borrow_mut();
        let Work {
            a,
            full,
            kfull,
            mem,
        } = &mut *guard;
        a.copy_from_slice(x);
        self.factor.lt_solve_in_place(
            MatMut::from_column_major_slice_mut(a, m, 1),
            MemStack::new(mem),
        );
        // D̃ = Pᵀ L⁻ᵀ x, the pinned dofs at zero
        self.factor.unpermute(a, &mut full[..m]);
        full[m..].iter_mut().for_each(|v| *v = 0.0);
        self.net.apply_k(full, kfull);
        self.factor.permute(&kfull[..m], y);
        self.factor.l_solve_in_place(
            MatMut::from_column_major_slice_mut(y, m, 1),
            MemStack::new(mem),
        );
        if self.scale != 1.0 {
            y.iter_mut().for_each(|v| *v *= self.scale);
        }
    }
}

/// Size of the Lanczos basis for `k` wanted eigenpairs in a space of dimension `m`.
pub fn krylov_dim(k: usize, m: usize) -> usize {
    (2 * k).max(k + 32).max(64).min(m)
}

/// The `k` largest eigenpairs of the pinned pencil (K̃, M̃) of `net` by restarted Lanczos on
/// C (see the module docs). Needs [`krylov_dim`]`(k, m) < m`; smaller problems belong to the
/// dense route.
pub fn top_eigenpairs<const D: usize>(
    net: &Network<D>,
    factor: &PinnedCholesky,
    k: usize,
) -> Result<TopPencil> {
    let m = factor.dim();
    if k == 0 {
        return Ok(TopPencil::default());
    }
    let max_dim = krylov_dim(k, m);
    if max_dim >= m {
        return Err(Error::Invalid(format!(
            "{k} eigenpairs of a pencil of order {m}: the Krylov basis would fill the space \
             (use the dense route)"
        )));
    }
    // deterministic start vector with no special symmetry
    let v0 = Col::<f64>::from_fn(m, |a| {
        1.0 + ((a as f64 + 1.0) * 0.618_033_988_749_895).fract()
    });
    let mut op = ReducedOperator::new(net, factor);
    // scale C by an estimate of λ_max (a few power steps) so that the absolute tolerance of
    // the Lanczos iteration is relative
    let mut x: Vec<f64> = v0.iter().copied().collect();
    let mut y = vec![0.0; m];
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
    let x0: Vec<f64> = v0.iter().copied().collect();
    let (vals, vecs) = thick_restart_lanczos(&op, m, k, max_dim, &x0)?;
    // λ: the Ritz values (Rayleigh quotients) unscaled, descending; D̃ = Pᵀ L⁻ᵀ x for all
    // modes in one multi-column triangular solve
    let mut out = TopPencil::default();
    let mut xs: Vec<f64> = vecs
        .col_iter()
        .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
        .collect();
    let mut mem = MemBuffer::new(factor.scratch(k));
    factor.lt_solve_in_place(
        MatMut::from_column_major_slice_mut(&mut xs, m, k),
        MemStack::new(&mut mem),
    );
    for (c, col) in xs.chunks(m).enumerate() {
        let mut d = vec![0.0; m];
        factor.unpermute(col, &mut d);
        out.lambda.push(vals[c] * lmax);
        out.displacement.push(d);
    }
    out.products = op.products.get();
    Ok(out)
}

/// Restarts allowed before [`top_eigenpairs`] gives up.
pub const MAX_RESTARTS: usize = 500;

/// Two classical Gram–Schmidt passes of `w` against the first `cols` columns of `v`; returns
/// the projection coefficients (summed over the passes).
fn orthogonalize(v: &Mat<f64>, cols: usize, w: &mut Col<f64>) -> Vec<f64> {
    let basis = v.as_ref().subcols(0, cols);
    let mut coef = Col::<f64>::zeros(cols);
    let mut c = Col::<f64>::zeros(cols);
    for _ in 0..2 {
        matmul(
            c.as_mat_mut(),
            Accum::Replace,
            basis.transpose(),
            w.as_mat(),
            1.0,
            Par::Seq,
        );
        matmul(
            w.as_mat_mut(),
            Accum::Add,
            basis,
            c.as_mat(),
            -1.0,
            Par::Seq,
        );
        coef += &c;
    }
    coef.iter().copied().collect()
}

/// Thick-restart Lanczos with full reorthogonalization for the `k` largest eigenpairs of the
/// symmetric operator `op` (order `n`, scaled so that its norm is about 1), with a basis of
/// `m` vectors. Returns the eigenvalues (of the scaled operator) and the unit eigenvectors as
/// columns; converged when every wanted Ritz pair has ‖op x − θ x‖ ≤ [`LANCZOS_TOL`].
fn thick_restart_lanczos<const D: usize>(
    op: &ReducedOperator<'_, D>,
    n: usize,
    k: usize,
    m: usize,
    start: &[f64],
) -> Result<(Vec<f64>, Mat<f64>)> {
    let mut v = Mat::<f64>::zeros(n, m + 1);
    let mut h = Mat::<f64>::zeros(m, m);
    let norm0 = start.iter().map(|x| x * x).sum::<f64>().sqrt();
    for (r, x) in start.iter().enumerate() {
        v[(r, 0)] = x / norm0;
    }
    let mut x = vec![0.0; n];
    let mut y = vec![0.0; n];
    let mut w = Col::<f64>::zeros(n);
    // vectors kept at a restart (the wanted ones and half the rest)
    let keep = (k + (m - k) / 2).min(m - 1);
    let mut j = 0;
    let mut breakdowns = 0u64;
    for _restart in 0..=MAX_RESTARTS {
        let mut beta = 0.0;
        while j < m {
            for (r, xr) in x.iter_mut().enumerate() {
                *xr = v[(r, j)];
            }
            op.apply_vec(&x, &mut y);
            for (r, yr) in y.iter().enumerate() {
                w[r] = *yr;
            }
            let coef = orthogonalize(&v, j + 1, &mut w);
            for (i, c) in coef.iter().enumerate() {
                h[(i, j)] = *c;
                h[(j, i)] = *c;
            }
            beta = w.norm_l2();
            if beta <= 1e-12 {
                // an invariant subspace: continue with a fixed pseudo-random direction
                // orthogonal to the basis (coupling zero)
                breakdowns += 1;
                for r in 0..n {
                    let t = (r as f64 + 1.0) * 0.754_877_666_246_692_7 + breakdowns as f64 * 0.5698;
                    w[r] = t.fract() - 0.5;
                }
                orthogonalize(&v, j + 1, &mut w);
                let nw = w.norm_l2();
                w /= nw;
                beta = 0.0;
            } else {
                w /= beta;
            }
            v.col_mut(j + 1).copy_from(&w);
            j += 1;
        }
        // Rayleigh–Ritz on the projected matrix
        let hs = Mat::<f64>::from_fn(m, m, |a, b| 0.5 * (h[(a, b)] + h[(b, a)]));
        let evd = hs
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| Error::Numerical(format!("projected eigenproblem: {e:?}")))?;
        let theta = evd.S().column_vector();
        let yv = evd.U();
        // descending
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| theta[b].total_cmp(&theta[a]));
        let converged = order[..k]
            .iter()
            .all(|&c| (beta * yv[(m - 1, c)]).abs() <= LANCZOS_TOL);
        let sel = if converged { k } else { keep };
        let ysel = Mat::<f64>::from_fn(m, sel, |r, c| yv[(r, order[c])]);
        let mut ritz = Mat::<f64>::zeros(n, sel);
        matmul(
            ritz.as_mut(),
            Accum::Replace,
            v.as_ref().subcols(0, m),
            ysel.as_ref(),
            1.0,
            Par::Seq,
        );
        if converged {
            return Ok(((0..k).map(|c| theta[order[c]]).collect(), ritz));
        }
        // restart: the kept Ritz vectors, then the last Lanczos vector
        let last = v.col(m).to_owned();
        v.as_mut().subcols_mut(0, keep).copy_from(&ritz);
        v.col_mut(keep).copy_from(&last);
        h.fill(0.0);
        for c in 0..keep {
            h[(c, c)] = theta[order[c]];
        }
        j = keep;
    }
    Err(Error::Numerical(format!(
        "Lanczos did not converge {k} modes in {MAX_RESTARTS} restarts"
    )))
}
