//! The reduced generalized eigenproblem K D = λ M D on the pinned space, dense.

use faer::linalg::matmul::triangular::{BlockStructure, matmul as tri_matmul};
use faer::linalg::triangular_inverse::invert_lower_triangular;
use faer::{Accum, Mat, MatRef, Par};

use super::{Spectrum, hessian_nonzero, split_zeros};
use crate::error::{Error, Result};
use crate::operators::Network;

/// Parallelism used by the dense kernels (faer's global setting).
fn par() -> Par {
    faer::get_global_parallelism()
}

/// C = L⁻¹ K̃ L⁻ᵀ with M̃ = L Lᵀ, the pinned Hessian's Cholesky factor (returned too).
/// Only the lower triangle of C is filled (every consumer reads that one).
///
/// With W = L⁻¹ (triangular inverse, n³/6 multiply-adds) the sparse K̃ makes X = W K̃ cheap
/// (n · nnz(K̃)), and the lower triangle of C = X Wᵀ is one triangular matrix product: about
/// 40 % fewer flops than two dense triangular solves with n right-hand sides.
pub fn reduced_operator<const D: usize>(net: &Network<D>) -> Result<(Mat<f64>, Mat<f64>)> {
    let (c, l) = reduced_operator_parts(net, true)?;
    Ok((c, l.expect("kept")))
}

/// [`reduced_operator`], the factor kept only if `keep_factor`: the Cholesky factorization
/// is done in place and L dropped once inverted, so that at most three n × n matrices are
/// alive (W, X, C) instead of four.
fn reduced_operator_parts<const D: usize>(
    net: &Network<D>,
    keep_factor: bool,
) -> Result<(Mat<f64>, Option<Mat<f64>>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
    use rayon::prelude::*;
    let m = net.ndof() - D;
    let mut l = net.dense(true, m);
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(
        m,
        par(),
        Default::default(),
    ));
    cholesky_in_place(
        l.as_mut(),
        Default::default(),
        par(),
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| {
        Error::Unstable(format!(
            "the pinned Hessian is not positive definite ({e:?}): the configuration is unstable \
             or has floppy modes"
        ))
    })?;
    drop(mem);
    // the strict upper triangle still holds M̃: L is the lower one
    for j in 1..m {
        l.col_mut(j).subrows_mut(0, j).fill(0.0);
    }
    let mut w = Mat::<f64>::zeros(m, m);
    invert_lower_triangular(w.as_mut(), l.as_ref(), par());
    let l = keep_factor.then_some(l);
    // X = W K̃, column by column: X[:, j] = Σ_k K̃[k, j] W[k.., k] (W[:, k] vanishes above k)
    let k = net.k_pinned()?;
    let mut x = vec![0.0; m * m];
    x.par_chunks_mut(m).enumerate().for_each(|(j, xj)| {
        let rows = k.row_idx_of_col_raw(j);
        let vals = k.val_of_col(j);
        for (&r, &v) in rows.iter().zip(vals) {
            let wk = &w.col_as_slice(r)[r..];
            for (o, &wv) in xj[r..].iter_mut().zip(wk) {
                *o += v * wv;
            }
        }
    });
    let x = MatRef::from_column_major_slice(&x, m, m);
    let mut c = Mat::<f64>::zeros(m, m);
    tri_matmul(
        c.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        x,
        BlockStructure::Rectangular,
        w.transpose(),
        BlockStructure::TriangularUpper,
        1.0,
        par(),
    );
    Ok((c, l))
}

/// Every non-zero λ of A (ascending) and the number of zero modes of the pencil (K̃, M̃).
pub fn bond_eigenvalues<const D: usize>(net: &Network<D>) -> Result<(Vec<f64>, usize)> {
    let (c, _) = reduced_operator_parts(net, false)?;
    let ev = super::eigen::symmetric_eigenvalues(c, par())?;
    let (zeros_c, bond) = split_zeros(&ev);
    Ok((bond, zeros_c))
}

/// Every non-zero λ of A and every non-zero ω² of M, by the reduced problem.
///
/// C is formed first, on every thread; then the two eigenproblems (C's and the Hessian's)
/// run concurrently, so that the sequential stages of each (bulge chasing, the tridiagonal
/// QL) overlap with the other's matrix products, and both end together (when C was formed
/// inside the bond branch, the Hessian's branch ended first and the bond one's sequential
/// tail ran alone: 23.6 s with 41 CPU-s at N = 2000 on 2 cores). Each splits its work in
/// faer's fixed tasks, so the bits do not depend on the thread count. At most four n × n
/// matrices are alive (while C is formed; two and the eigensolvers' workspaces after).
pub fn spectrum<const D: usize>(net: &Network<D>) -> Result<Spectrum> {
    let (c, _) = reduced_operator_parts(net, false)?;
    let (hessian_ev, bond_ev) = rayon::join(
        || super::eigen::symmetric_eigenvalues(net.dense(true, net.ndof()), par()),
        || super::eigen::symmetric_eigenvalues(c, par()),
    );
    let (zeros_c, bond) = split_zeros(&bond_ev?);
    let (hessian, min_hessian) = hessian_nonzero(hessian_ev?, D);
    // rank(S) = rank(K) = (nd − d) − (zero modes of the pencil); SSS = N_b − rank(S)
    let rank = net.ndof() - D - zeros_c;
    let n_nonzero = bond.len();
    Ok(Spectrum {
        bond,
        hessian,
        n_sss: net.n_bonds() - rank,
        min_hessian,
        n_nonzero,
    })
}
