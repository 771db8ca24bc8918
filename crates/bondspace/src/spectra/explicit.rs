//! The literal bond operator A = S M⁺ Sᵀ, dense (verification method for small N).

use faer::{Mat, Side};

use super::{Spectrum, ZERO_REL, hessian_nonzero, split_zeros};
use crate::error::{Error, Result};
use crate::operators::Network;

/// Dense A = S M⁺ Sᵀ, where M⁺ drops the d translation modes (and any other zero mode).
pub fn bond_operator<const D: usize>(net: &Network<D>) -> Result<(Mat<f64>, Vec<f64>)> {
    let m = net.dense(true, net.ndof());
    let evd = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Numerical(format!("Hessian eigensolver failed: {e:?}")))?;
    let u = evd.U();
    let s = evd.S().column_vector();
    let nd = net.ndof();
    let w: Vec<f64> = (0..nd).map(|k| s[k]).collect();
    // translations: the d eigenvalues of smallest magnitude
    let mut order: Vec<usize> = (0..nd).collect();
    order.sort_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()));
    let wmax = w.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let keep: Vec<usize> = order
        .iter()
        .copied()
        .skip(D)
        .filter(|&k| w[k].abs() > ZERO_REL * wmax)
        .collect();
    // B = S U_keep diag(1/sqrt|ω²|) (signs kept for an unstable M), A = B sign Bᵀ
    let sd = net.s_dense();
    let mut uk = Mat::<f64>::zeros(nd, keep.len());
    for (c, &k) in keep.iter().enumerate() {
        let f = 1.0 / w[k].abs().sqrt();
        for r in 0..nd {
            uk[(r, c)] = u[(r, k)] * f;
        }
    }
    let b = &sd * &uk;
    let mut bs = b.clone();
    for (c, &k) in keep.iter().enumerate() {
        if w[k] < 0.0 {
            for r in 0..bs.nrows() {
                bs[(r, c)] = -bs[(r, c)];
            }
        }
    }
    let a = &bs * b.transpose();
    Ok((a, w))
}

/// Every non-zero λ of the literal A, and the Hessian spectrum.
pub fn spectrum<const D: usize>(net: &Network<D>) -> Result<Spectrum> {
    let (a, w) = bond_operator(net)?;
    let (hessian, min_hessian) = hessian_nonzero(w, D);
    let ev = a
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::Numerical(format!("eigensolver failed: {e:?}")))?;
    let (n_sss, bond) = split_zeros(&ev);
    let n_nonzero = bond.len();
    Ok(Spectrum {
        bond,
        hessian,
        n_sss,
        min_hessian,
        n_nonzero,
    })
}
