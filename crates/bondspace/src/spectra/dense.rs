//! The reduced generalized eigenproblem K D = λ M D on the pinned space, dense.

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par, Side};

use super::{Spectrum, hessian_nonzero, split_zeros};
use crate::error::{Error, Result};
use crate::operators::Network;

/// Parallelism used by the dense kernels (faer's global setting).
fn par() -> Par {
    faer::get_global_parallelism()
}

/// C = L⁻¹ K̃ L⁻ᵀ with M̃ = L Lᵀ, the pinned Hessian's Cholesky factor (returned too).
pub fn reduced_operator<const D: usize>(net: &Network<D>) -> Result<(Mat<f64>, Mat<f64>)> {
    let m = net.ndof() - D;
    let mp = net.dense(true, m);
    let llt = mp.llt(Side::Lower).map_err(|e| {
        Error::Numerical(format!(
            "the pinned Hessian is not positive definite ({e:?}): the configuration is unstable \
             or has floppy modes"
        ))
    })?;
    let l = llt.L().to_owned();
    let mut x = net.dense(false, m);
    solve_lower_triangular_in_place(l.as_ref(), x.as_mut(), par());
    let mut c = x.transpose().to_owned();
    solve_lower_triangular_in_place(l.as_ref(), c.as_mut(), par());
    // symmetrize round-off
    for j in 0..m {
        for i in j + 1..m {
            let v = 0.5 * (c[(i, j)] + c[(j, i)]);
            c[(i, j)] = v;
            c[(j, i)] = v;
        }
    }
    Ok((c, l))
}

/// Every non-zero λ of A (ascending) and the number of zero modes of the pencil (K̃, M̃).
pub fn bond_eigenvalues<const D: usize>(net: &Network<D>) -> Result<(Vec<f64>, usize)> {
    let (c, _) = reduced_operator(net)?;
    let ev = super::eigen::symmetric_eigenvalues(c, par())?;
    let (zeros_c, bond) = split_zeros(&ev);
    Ok((bond, zeros_c))
}

/// Every non-zero λ of A and every non-zero ω² of M, by the reduced problem.
pub fn spectrum<const D: usize>(net: &Network<D>) -> Result<Spectrum> {
    let hessian_ev = super::eigen::symmetric_eigenvalues(net.dense(true, net.ndof()), par())?;
    let (hessian, min_hessian) = hessian_nonzero(hessian_ev, D);
    let (bond, zeros_c) = bond_eigenvalues(net)?;
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
