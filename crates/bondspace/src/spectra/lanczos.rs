//! The top of the bond-operator spectrum for large systems: the K largest eigenpairs of the
//! pinned pencil (K̃, M̃) by block Krylov–Schur (thick-restart block Lanczos) on the reduced
//! operator C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, where P M̃ Pᵀ = L Lᵀ is the sparse factor of
//! [`PinnedCholesky`].
//!
//! The non-zero eigenvalues of C are those of A = S M⁺ Sᵀ, and the largest ones are the
//! extreme end of the spectrum, so no shift is needed. C is never formed: one product costs a
//! triangular solve with Lᵀ, a sparse product with K̃ (matrix-free over the bonds) and a
//! triangular solve with L. An eigenvector x of C gives the displacement D̃ = Pᵀ L⁻ᵀ x
//! (M̃-orthonormal, the pinned particle at rest), from which the bond-space modes follow
//! (`modes::bond`). Krylov vectors have length (n − 1)·d, not N_b.
//!
//! **Blocks.** The triangular solves are memory-bound: one vector per pass over L reads the
//! whole factor for 4 flops per entry. C is therefore applied to [`BLOCK`] vectors at a time,
//! so that one pass over each supernode serves them all (dense block kernels), and that pass
//! runs on all threads over the elimination tree (`operators::solve`). The products with K̃
//! run in fixed tasks of [`TASK`] columns. Neither split depends on the thread count, and
//! neither do the dense products with the basis (fixed row chunks, partial sums added in chunk
//! order), so the result has the same bits for any thread count.
//!
//! **Iteration.** The basis V and its image W = C V are both kept, so the projected matrix
//! H = Vᵀ C V is computed explicitly and every residual ‖C x − θ x‖ that decides the stop is
//! exact (not inferred from a recurrence); between restarts, the coupling to the pending block
//! gives cheap estimates that only say when to compute the exact ones. Each new block is
//! orthogonalized against the basis in exactly two block Gram–Schmidt passes, then within itself; a column that vanishes to round-off (an invariant
//! subspace) is replaced by a fixed pseudo-random direction orthogonal to the basis. A restart
//! keeps the wanted Ritz vectors and a few more, and the pending block, which holds
//! the residuals of all of them (the Krylov–Schur relation C V = V H + Z E). The number of
//! restarts is capped (an error, never a silent result).
//!
//! The iteration is ours rather than faer's `partial_self_adjoint_eigen`, whose
//! reorthogonalization loop has no exit when a new Krylov vector vanishes to round-off (it
//! spun forever on a 3D glass of N = 20 000), and which has no blocks.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::operators::Network;
use crate::operators::factor::PinnedCholesky;
use crate::operators::solve::SolveWork;

/// Relative residual tolerance of the iteration (on C / λ_max).
pub const LANCZOS_TOL: f64 = 1e-10;

/// Vectors per block product with C. Measured at N = 20 000, top 50, before the stop between
/// restarts (which saved 16 of the 488 vectors there) (seconds of the
/// eigensolve, vectors multiplied by C; basis / kept): 16 → 26.3 s, 488 (192 / 96); 8 → 31.9 s,
/// 360 (160 / 64); 4 → 41.1 s, 304 (104 / 56); 32 → 37.4 s, 776 (256 / 128); the single-vector
/// solves cost 0.23 s per vector in the peer's CHOLMOD; here 0.054 s in blocks of 16 then, 0.006 s
/// since the block solves run on all threads over the elimination tree (`operators::solve`).
pub const BLOCK: usize = 16;

/// Columns of one task of the K̃ products (a fixed split of the block, independent of the
/// thread count).
pub const TASK: usize = 8;

/// Rows of one task of the dense products with the basis (fixed, so that the partial sums,
/// added in chunk order, do not depend on the thread count).
const ROWS: usize = 8192;

/// The K largest eigenpairs of the pinned pencil (K̃, M̃).
#[derive(Clone, Debug, Default)]
pub struct TopPencil {
    /// Eigenvalues λ, descending.
    pub lambda: Vec<f64>,
    /// M̃-orthonormal displacements D̃ (length (n − 1)·d each, network numbering).
    pub displacement: Vec<Vec<f64>>,
    /// Number of vectors multiplied by C (power steps included).
    pub products: usize,
    /// Whether the iteration stopped between two restarts (the residual estimates of the last
    /// block, confirmed exactly) rather than at one.
    pub early_stop: bool,
}

/// Workspace of the K̃ products of one column task.
struct Task {
    full: Vec<f64>,
    kfull: Vec<f64>,
}

/// C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, scaled by `scale`.
struct ReducedOperator<'a, const D: usize> {
    net: &'a Network<D>,
    factor: &'a PinnedCholesky,
    scale: f64,
    tasks: Vec<Task>,
    solve: SolveWork,
    products: usize,
}

impl<'a, const D: usize> ReducedOperator<'a, D> {
    fn new(net: &'a Network<D>, factor: &'a PinnedCholesky) -> Self {
        let tasks = (0..BLOCK.div_ceil(TASK))
            .map(|_| Task {
                full: vec![0.0; net.ndof()],
                kfull: vec![0.0; net.ndof()],
            })
            .collect();
        Self {
            net,
            factor,
            scale: 1.0,
            tasks,
            solve: factor.solve_work(),
            products: 0,
        }
    }

    /// xy ← scale · C xy for the columns of the column-major block `xy` (m rows, at most
    /// [`BLOCK`] columns).
    fn apply(&mut self, xy: &mut [f64]) {
        let m = self.factor.dim();
        debug_assert!(xy.len().is_multiple_of(m) && xy.len() / m <= BLOCK);
        self.products += xy.len() / m;
        let (net, factor, scale) = (self.net, self.factor, self.scale);
        // one pass over L for the whole block, on all threads
        factor.lt_solve_block(xy, &mut self.solve);
        // D̃ = Pᵀ L⁻ᵀ x, the pinned dofs at zero; then P K̃ D̃, in fixed column tasks
        xy.par_chunks_mut(m * TASK)
            .zip(self.tasks.par_iter_mut())
            .for_each(|(blk, t)| {
                for col in blk.chunks_mut(m) {
                    factor.unpermute(col, &mut t.full[..m]);
                    t.full[m..].iter_mut().for_each(|v| *v = 0.0);
                    net.apply_k(&t.full, &mut t.kfull);
                    factor.permute(&t.kfull[..m], col);
                }
            });
        factor.l_solve_block(xy, &mut self.solve);
        if scale != 1.0 {
            xy.par_chunks_mut(m * TASK)
                .for_each(|blk| blk.iter_mut().for_each(|v| *v *= scale));
        }
    }
}

/// Size of the Krylov basis for `k` wanted eigenpairs in a space of dimension `m` (a
/// multiple of [`BLOCK`]).
pub fn krylov_dim(k: usize) -> usize {
    let want = (3 * k + 2 * BLOCK).max(k + 4 * BLOCK).max(96);
    want.div_ceil(BLOCK) * BLOCK
}

/// Whether [`top_eigenpairs`] can run on a pencil of order `m` (the basis and its pending
/// block must leave room; smaller problems belong to the dense route).
pub fn fits(k: usize, m: usize) -> bool {
    krylov_dim(k) + BLOCK < m
}

/// The `k` largest eigenpairs of the pinned pencil (K̃, M̃) of `net` by block Krylov–Schur on
/// C (see the module docs). Needs [`fits`]`(k, m)`.
pub fn top_eigenpairs<const D: usize>(
    net: &Network<D>,
    factor: &PinnedCholesky,
    k: usize,
) -> Result<TopPencil> {
    let m = factor.dim();
    if k == 0 {
        return Ok(TopPencil::default());
    }
    if !fits(k, m) {
        return Err(Error::Invalid(format!(
            "{k} eigenpairs of a pencil of order {m}: the Krylov basis would fill the space \
             (use the dense route)"
        )));
    }
    let max_dim = krylov_dim(k);
    // deterministic start block with no special symmetry
    const RATES: [f64; 4] = [
        0.618_033_988_749_895,
        0.754_877_666_246_692_7,
        0.414_213_562_373_095_1,
        0.324_717_957_244_746,
    ];
    let start = Mat::<f64>::from_fn(m, BLOCK, |a, c| {
        let t = (a as f64 + 1.0) * RATES[c % 4] + c as f64 * 0.377_964_473;
        if c == 0 {
            1.0 + t.fract()
        } else {
            t.fract() - 0.5
        }
    });
    let mut op = ReducedOperator::new(net, factor);
    // scale C by an estimate of λ_max, so that the absolute tolerance of the iteration is
    // relative: the largest Ritz value after two block power steps on the start block (a
    // lower bound, as eight single-vector steps were; two passes over L instead of eight)
    let mut q = start.clone();
    let mut lmax = 0.0f64;
    let mut breakdowns = 0;
    let none = Mat::<f64>::zeros(m, 0);
    for _ in 0..2 {
        orthonormalize_block(none.as_ref(), q.as_mut(), &mut breakdowns);
        let mut y: Vec<f64> = q
            .col_iter()
            .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
            .collect();
        op.apply(&mut y);
        let ym = MatRef::from_column_major_slice(&y, m, BLOCK);
        let h = mul_tn(q.as_ref(), ym);
        let h = Mat::<f64>::from_fn(BLOCK, BLOCK, |a, b| 0.5 * (h[(a, b)] + h[(b, a)]));
        let (theta, _) = projected_eigen(&h)?;
        lmax = theta.iter().fold(0.0, |a, &t| a.max(t));
        q = Mat::from_fn(m, BLOCK, |r, c| y[r + c * m]);
    }
    if !(lmax.is_finite() && lmax > 0.0) {
        return Err(Error::Numerical("the bond operator vanishes".into()));
    }
    op.scale = 1.0 / lmax;
    let (vals, vecs, early_stop) = block_krylov_schur(&mut op, m, k, max_dim, start)?;
    // λ: the Ritz values unscaled, descending; D̃ = Pᵀ L⁻ᵀ x for all modes in one
    // multi-column triangular solve
    let mut out = TopPencil::default();
    let mut xs: Vec<f64> = vecs
        .col_iter()
        .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
        .collect();
    let mut work = factor.solve_work();
    factor.lt_solve_block(&mut xs, &mut work);
    for (c, col) in xs.chunks(m).enumerate() {
        let mut d = vec![0.0; m];
        factor.unpermute(col, &mut d);
        out.lambda.push(vals[c] * lmax);
        out.displacement.push(d);
    }
    out.products = op.products;
    out.early_stop = early_stop;
    Ok(out)
}

/// Restarts allowed before [`top_eigenpairs`] gives up.
pub const MAX_RESTARTS: usize = 500;

/// out ← (accum) out + α a b, in fixed row chunks of a (and out) in parallel.
fn mul_rows(
    out: MatMut<'_, f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    alpha: f64,
) {
    out.par_row_chunks_mut(ROWS)
        .zip(a.par_row_chunks(ROWS))
        .for_each(|(o, a)| matmul(o, accum, a, b, alpha, Par::Seq));
}

/// aᵀ b, as partial products over fixed row chunks added in chunk order.
fn mul_tn(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let parts: Vec<Mat<f64>> = a
        .par_row_chunks(ROWS)
        .zip(b.par_row_chunks(ROWS))
        .map(|(a, b)| {
            let mut p = Mat::<f64>::zeros(a.ncols(), b.ncols());
            matmul(p.as_mut(), Accum::Replace, a.transpose(), b, 1.0, Par::Seq);
            p
        })
        .collect();
    let mut sum = Mat::<f64>::zeros(a.ncols(), b.ncols());
    for p in &parts {
        sum += p;
    }
    sum
}

/// a[:, ..q] ← a y for y of p = a.ncols() rows and q ≤ p columns, in fixed row chunks (each
/// through a small temporary).
fn transform_in_place(a: MatMut<'_, f64>, y: MatRef<'_, f64>) {
    let q = y.ncols();
    a.par_row_chunks_mut(ROWS).for_each(|rows| {
        let mut t = Mat::<f64>::zeros(rows.nrows(), q);
        matmul(t.as_mut(), Accum::Replace, rows.rb(), y, 1.0, Par::Seq);
        rows.subcols_mut(0, q).copy_from(&t);
    });
}

/// Two block Gram–Schmidt passes of `z` against the orthonormal columns `v`.
fn project_out(v: MatRef<'_, f64>, mut z: MatMut<'_, f64>) {
    if v.ncols() == 0 {
        return;
    }
    for _ in 0..2 {
        let c = mul_tn(v, z.rb());
        mul_rows(z.rb_mut(), Accum::Add, v, c.as_ref(), -1.0);
    }
}

/// Makes the columns of `z` orthonormal and orthogonal to `v` (orthonormal), `z` being
/// already orthogonal to `v`: Gram–Schmidt within the block (two passes), a full pass against
/// `v` again where a column lost most of its norm, and a fixed pseudo-random replacement for a
/// column that vanishes. `breakdowns` counts the replacements (and seeds them).
fn orthonormalize_block(v: MatRef<'_, f64>, mut z: MatMut<'_, f64>, breakdowns: &mut u64) {
    let n = z.nrows();
    for t in 0..z.ncols() {
        let (done, mut rest) = z.rb_mut().split_at_col_mut(t);
        let mut col = rest.rb_mut().subcols_mut(0, 1);
        let before = col.norm_l2();
        project_out(done.rb(), col.rb_mut());
        let mut nrm = col.norm_l2();
        if nrm < 1e-3 * before && nrm > 1e-12 {
            // heavy cancellation: restore orthogonality to the basis as well
            project_out(v, col.rb_mut());
            project_out(done.rb(), col.rb_mut());
            nrm = col.norm_l2();
        }
        if nrm <= 1e-12 {
            // an invariant subspace: continue with a fixed pseudo-random direction
            // orthogonal to the basis (coupling zero)
            *breakdowns += 1;
            for r in 0..n {
                let s = (r as f64 + 1.0) * 0.754_877_666_246_692_7 + *breakdowns as f64 * 0.5698;
                col[(r, 0)] = s.fract() - 0.5;
            }
            project_out(v, col.rb_mut());
            project_out(done.rb(), col.rb_mut());
            nrm = col.norm_l2();
        }
        col *= faer::Scale(1.0 / nrm);
    }
}

/// Eigenvalues and eigenvectors of the (small) projected matrix, on this thread (faer's
/// global parallelism would make the bits depend on the thread count).
fn projected_eigen(h: &Mat<f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    use faer::linalg::evd::{self, ComputeEigenvectors};
    let n = h.nrows();
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let mut mem = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    evd::self_adjoint_evd(
        h.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::Numerical(format!("projected eigenproblem: {e:?}")))?;
    Ok((s.column_vector().iter().copied().collect(), u))
}

/// Rayleigh–Ritz on the projected matrix: its eigenvalues θ, eigenvectors (columns) and the
/// order of θ descending.
fn ritz(h: &Mat<f64>) -> Result<(Vec<f64>, Mat<f64>, Vec<usize>)> {
    let (theta, yv) = projected_eigen(h)?;
    let mut order: Vec<usize> = (0..theta.len()).collect();
    order.sort_by(|&a, &c| theta[c].total_cmp(&theta[a]));
    Ok((theta, yv, order))
}

/// The wanted Ritz pairs of the first `cols` columns of the basis, if they have converged.
///
/// The basis V (orthonormal, `cols` columns, then the pending block Z) and its image W = C V
/// satisfy C V = V H + Z E with E = Zᵀ W_last, W_last the image of the last block (every
/// earlier image lies in the span of V, the last one's remainder is what became Z). The
/// residual of the Ritz pair (θ, V y) is therefore ‖E y_last‖ (y_last: the last block's rows
/// of y), a b × b product. Only when every wanted estimate is below the tolerance are the
/// Ritz vectors formed and their residuals ‖W y − θ V y‖ computed exactly; they must pass
/// [`LANCZOS_TOL`] as at a restart.
#[allow(clippy::type_complexity)]
fn converged_early(
    h: &Mat<f64>,
    v: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    cols: usize,
    b: usize,
    k: usize,
) -> Result<Option<(Vec<f64>, Mat<f64>)>> {
    let (theta, yv, order) = ritz(&h.as_ref().submatrix(0, 0, cols, cols).to_owned())?;
    let ysel = Mat::<f64>::from_fn(cols, k, |r, c| yv[(r, order[c])]);
    // the estimates ‖E y_last‖ of all wanted pairs in one b × k product
    let e = mul_tn(v.subcols(cols, b), w.subcols(cols - b, b));
    let mut est = Mat::<f64>::zeros(b, k);
    matmul(
        est.as_mut(),
        Accum::Replace,
        e.as_ref(),
        ysel.as_ref().subrows(cols - b, b),
        1.0,
        Par::Seq,
    );
    if !(0..k).all(|c| est.col(c).norm_l2() <= LANCZOS_TOL) {
        return Ok(None);
    }
    let n = v.nrows();
    let mut x = Mat::<f64>::zeros(n, k);
    let mut cx = Mat::<f64>::zeros(n, k);
    mul_rows(
        x.as_mut(),
        Accum::Replace,
        v.subcols(0, cols),
        ysel.as_ref(),
        1.0,
    );
    mul_rows(
        cx.as_mut(),
        Accum::Replace,
        w.subcols(0, cols),
        ysel.as_ref(),
        1.0,
    );
    let exact = ritz_converged(x.as_ref(), cx.as_ref(), &theta, &order, k);
    Ok(exact.then(|| ((0..k).map(|c| theta[order[c]]).collect(), x)))
}

/// Whether the first `k` Ritz pairs, vectors x (columns) with images cx = C x and values
/// `theta[order[c]]`, have exact residuals ‖C x − θ x‖ ≤ [`LANCZOS_TOL`].
fn ritz_converged(
    x: MatRef<'_, f64>,
    cx: MatRef<'_, f64>,
    theta: &[f64],
    order: &[usize],
    k: usize,
) -> bool {
    (0..k).all(|c| {
        let th = theta[order[c]];
        let r2: f64 = x
            .col(c)
            .iter()
            .zip(cx.col(c).iter())
            .map(|(a, y)| (y - th * a).powi(2))
            .sum();
        r2.sqrt() <= LANCZOS_TOL
    })
}

/// Block Krylov–Schur with full reorthogonalization for the `k` largest eigenpairs of the
/// symmetric operator `op` (order `n`, scaled so that its norm is about 1), with a basis of
/// `mmax` vectors (a multiple of [`BLOCK`]) from the start block `start` (n × BLOCK).
/// Returns the eigenvalues (of the scaled operator), the unit eigenvectors as columns and
/// whether it stopped between restarts ([`converged_early`]);
/// converged when every wanted Ritz pair has ‖op x − θ x‖ ≤ [`LANCZOS_TOL`].
fn block_krylov_schur<const D: usize>(
    op: &mut ReducedOperator<'_, D>,
    n: usize,
    k: usize,
    mmax: usize,
    start: Mat<f64>,
) -> Result<(Vec<f64>, Mat<f64>, bool)> {
    let b = start.ncols();
    // V: the basis (mmax columns) and the pending block; W = C V
    let mut v = Mat::<f64>::zeros(n, mmax + b);
    let mut w = Mat::<f64>::zeros(n, mmax);
    let mut h = Mat::<f64>::zeros(mmax, mmax);
    let mut blk = vec![0.0; n * b];
    let mut breakdowns = 0u64;
    {
        let empty = Mat::<f64>::zeros(n, 0);
        let mut first = start;
        orthonormalize_block(empty.as_ref(), first.as_mut(), &mut breakdowns);
        v.as_mut().subcols_mut(0, b).copy_from(&first);
    }
    // kept at a restart: the wanted Ritz vectors and two blocks more (at least), so that
    // the expansion is a whole number of blocks (k = 50: basis 192, 96 kept)
    let expand = ((mmax - k) / b).saturating_sub(2).max(1) * b;
    let keep = mmax - expand;
    debug_assert!(keep >= k);
    let mut jw = 0; // columns of V whose image is in W
    for _restart in 0..=MAX_RESTARTS {
        while jw < mmax {
            // W block = C (pending block)
            for (c, chunk) in blk.chunks_mut(n).enumerate() {
                chunk
                    .iter_mut()
                    .zip(v.col(jw + c).iter())
                    .for_each(|(o, x)| *o = *x);
            }
            op.apply(&mut blk);
            for (c, chunk) in blk.chunks(n).enumerate() {
                w.col_mut(jw + c)
                    .iter_mut()
                    .zip(chunk)
                    .for_each(|(o, x)| *o = *x);
            }
            let cols = jw + b;
            // H[.., new] = Vᵀ W_new, mirrored (the diagonal block symmetrized)
            let hc = mul_tn(v.as_ref().subcols(0, cols), w.as_ref().subcols(jw, b));
            for i in 0..cols {
                for c in 0..b {
                    h[(i, jw + c)] = hc[(i, c)];
                }
            }
            for i in jw..cols {
                for c in jw..cols {
                    let s = 0.5 * (h[(i, c)] + h[(c, i)]);
                    h[(i, c)] = s;
                    h[(c, i)] = s;
                }
            }
            for i in 0..jw {
                for c in jw..cols {
                    h[(c, i)] = h[(i, c)];
                }
            }
            // the next block: W_new orthogonalized against the basis
            let (basis, mut next) = v.as_mut().split_at_col_mut(cols);
            let mut next = next.rb_mut().subcols_mut(0, b);
            next.copy_from(w.as_ref().subcols(jw, b));
            project_out(basis.rb(), next.rb_mut());
            orthonormalize_block(basis.rb(), next.rb_mut(), &mut breakdowns);
            jw = cols;
            // between restarts, stop as soon as the wanted pairs have converged (the restart
            // below tests the full basis)
            if cols >= k + b
                && cols < mmax
                && let Some((vals, vecs)) = converged_early(&h, v.as_ref(), w.as_ref(), cols, b, k)?
            {
                return Ok((vals, vecs, true));
            }
        }
        // Rayleigh–Ritz on the projected matrix
        let (theta, yv, order) = ritz(&h)?;
        let ysel = Mat::<f64>::from_fn(mmax, keep, |r, c| yv[(r, order[c])]);
        // the kept Ritz vectors and their images replace the basis in place (row chunk by
        // row chunk, so no n × keep temporary); the pending block stays where it is
        transform_in_place(v.as_mut().subcols_mut(0, mmax), ysel.as_ref());
        transform_in_place(w.as_mut(), ysel.as_ref());
        // exact residuals ‖C x − θ x‖ of the wanted pairs
        let converged = ritz_converged(v.as_ref(), w.as_ref(), &theta, &order, k);
        if converged {
            let vals = (0..k).map(|c| theta[order[c]]).collect();
            return Ok((vals, v.as_ref().subcols(0, k).to_owned(), false));
        }
        // restart: the kept Ritz pairs, then the pending block
        let (_, mut tail) = v.as_mut().split_at_col_mut(keep);
        let (mut slot, rest) = tail.rb_mut().split_at_col_mut(mmax - keep);
        slot.rb_mut()
            .subcols_mut(0, b)
            .copy_from(rest.rb().subcols(0, b));
        h.fill(0.0);
        for c in 0..keep {
            h[(c, c)] = theta[order[c]];
        }
        jw = keep;
    }
    Err(Error::Numerical(format!(
        "the block Krylov iteration did not converge {k} modes in {MAX_RESTARTS} restarts"
    )))
}
