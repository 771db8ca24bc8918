//! Dipole responses (Rainone, Bouchbinder & Lerner 2020).
//!
//! For bond α the unit force dipole is Ξ^(α) = Sᵀ|α⟩ (paper Eq. 4) and its displacement
//! response u = M⁺ Ξ^(α) (Eq. 5). The dipole stiffness is κ_α = (uᵀ M u)/(uᵀ u), and the
//! dipole compliance uᵀ M u = Ξᵀ M⁺ Ξ is the diagonal element A_αα of the bond operator
//! (Eq. 6), which the tests check against the literal dense A.

use serde::Serialize;

use crate::measures::elastic::HessianSolver;
use crate::operators::Network;

/// The response to a unit force dipole on one bond.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DipoleResponse {
    /// Bond index α (network numbering, as `Network::bonds`).
    pub bond: usize,
    /// κ_α = uᵀMu / uᵀu.
    pub kappa: f64,
    /// uᵀ M u (= A_αα).
    pub compliance: f64,
}

/// `count` bonds spread evenly over the bond list (deterministic sample).
pub fn bond_sample(n_bonds: usize, count: usize) -> Vec<usize> {
    let count = count.min(n_bonds);
    (0..count).map(|k| k * n_bonds / count).collect()
}

/// Dipole responses of the given bonds. uᵀMu is evaluated with the matrix-free Hessian
/// product, independently of the Cholesky solve that gives u.
pub fn dipole_responses<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    bonds: &[usize],
) -> Vec<DipoleResponse> {
    let mut mu = vec![0.0; net.ndof()];
    dipole_fields(net, solver, bonds)
        .into_iter()
        .zip(bonds)
        .map(|(u, &a)| {
            net.apply_hessian(&u, &mut mu);
            let umu: f64 = u.iter().zip(&mu).map(|(x, y)| x * y).sum();
            let uu: f64 = u.iter().map(|x| x * x).sum();
            DipoleResponse {
                bond: a,
                kappa: umu / uu,
                compliance: umu,
            }
        })
        .collect()
}

/// The displacement responses u = M⁺ Sᵀ|α⟩ of the given bonds (translation-free, network
/// numbering): the far field of a force dipole, whose decay calibrates the decay window.
pub fn dipole_fields<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    bonds: &[usize],
) -> Vec<Vec<f64>> {
    let mut unit = vec![0.0; net.n_bonds()];
    let mut xi = vec![0.0; net.ndof()];
    bonds
        .iter()
        .map(|&a| {
            unit[a] = 1.0;
            net.apply_st(&unit, &mut xi);
            unit[a] = 0.0;
            solver.solve(&xi)
        })
        .collect()
}
