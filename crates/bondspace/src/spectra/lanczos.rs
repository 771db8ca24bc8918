//! The top of the bond-operator spectrum for large systems: the K largest eigenpairs of the
//! pinned pencil (K̃, M̃) by restarted Lanczos (faer's Krylov–Schur
//! `partial_self_adjoint_eigen`) on the reduced operator C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, where
//! P M̃ Pᵀ = L Lᵀ is the sparse factor of [`PinnedCholesky`].
//!
//! The non-zero eigenvalues of C are those of A = S M⁺ Sᵀ, and the largest ones are the
//! extreme end of the spectrum, so no shift is needed. C is never formed: one product costs a
//! triangular solve with Lᵀ, a sparse product with K̃ (matrix-free over the bonds) and a
//! triangular solve with L. An eigenvector x of C gives the displacement D̃ = Pᵀ L⁻ᵀ x
//! (M̃-orthonormal, the pinned particle at rest), from which the bond-space modes follow
//! (`modes::bond`). Lanczos vectors have length (n − 1)·d, not N_b.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::matrix_free::LinOp;
use faer::matrix_free::eigen::{
    PartialEigenParams, partial_self_adjoint_eigen, partial_self_adjoint_eigen_scratch,
};
use faer::{Col, Mat, MatMut, MatRef, Par};

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
    work: Mutex<Work>,
    products: AtomicUsize,
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
            work: Mutex::new(Work {
                a: vec![0.0; m],
                full: vec![0.0; net.ndof()],
                kfull: vec![0.0; net.ndof()],
                mem: MemBuffer::new(factor.scratch(1)),
            }),
            products: AtomicUsize::new(0),
        }
    }

    /// y ← scale · C x, and x overwritten by the displacement Pᵀ L⁻ᵀ x if `disp` is given.
    fn apply_vec(&self, x: &[f64], y: &mut [f64], disp: Option<&mut [f64]>) {
        self.products.fetch_add(1, AtomicOrdering::Relaxed);
        let m = self.factor.dim();
        let mut guard = self.work.lock().unwrap_or_else(|e| e.into_inner());
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
        if let Some(d) = disp {
            d.copy_from_slice(&full[..m]);
        }
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

impl<const D: usize> LinOp<f64> for ReducedOperator<'_, D> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }

    fn nrows(&self) -> usize {
        self.factor.dim()
    }

    fn ncols(&self) -> usize {
        self.factor.dim()
    }

    fn apply(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, _s: &mut MemStack) {
        let m = self.factor.dim();
        let mut x = vec![0.0; m];
        let mut y = vec![0.0; m];
        for c in 0..rhs.ncols() {
            for (r, v) in x.iter_mut().enumerate() {
                *v = rhs[(r, c)];
            }
            self.apply_vec(&x, &mut y, None);
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

/// Size of the Krylov–Schur basis for `k` wanted eigenpairs in a space of dimension `m`.
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
    // the Krylov–Schur iteration is relative
    let mut x: Vec<f64> = v0.iter().copied().collect();
    let mut y = vec![0.0; m];
    let mut lmax = 0.0;
    for _ in 0..8 {
        let n = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x.iter_mut().for_each(|v| *v /= n);
        op.apply_vec(&x, &mut y, None);
        lmax = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        std::mem::swap(&mut x, &mut y);
    }
    if !(lmax.is_finite() && lmax > 0.0) {
        return Err(Error::Numerical("the bond operator vanishes".into()));
    }
    op.scale = 1.0 / lmax;
    // one thread: the result must not depend on the thread count
    let par = Par::Seq;
    let params = PartialEigenParams {
        min_dim: (k + 8).min(max_dim - 1),
        max_dim,
        max_restarts: 2_000,
        ..Default::default()
    };
    let mut vecs = Mat::<f64>::zeros(m, k);
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
    op.scale = 1.0;
    let mut out = TopPencil::default();
    let mut xcol = vec![0.0; m];
    for &c in &order {
        for (r, v) in xcol.iter_mut().enumerate() {
            *v = vecs[(r, c)];
        }
        let mut d = vec![0.0; m];
        op.apply_vec(&xcol, &mut y, Some(&mut d));
        // Rayleigh quotient of the unit x with the unscaled C
        let lambda: f64 = xcol.iter().zip(&y).map(|(a, b)| a * b).sum();
        out.lambda.push(lambda);
        out.displacement.push(d);
    }
    out.products = op.products.load(AtomicOrdering::Relaxed);
    Ok(out)
}
