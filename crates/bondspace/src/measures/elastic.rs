//! Athermal elastic moduli: Born term minus the nonaffine term Ξᵀ M⁺ Ξ.
//!
//! For simple shear x_a → x_a + γ x_b applied to positions and box, a bond with vector x and
//! length r changes as dr/dγ = x_a x_b / r, so
//! ∂²U/∂γ² = Σ_bonds [u″ (x_a x_b/r)² + u′ (x_b²/r − x_a² x_b²/r³)], and the mixed derivative
//! Ξ_j = −Ξ_i = (u″ − u′/r)(dr/dγ) n̂ + (u′/r) x_b e_a. Then
//! G_ab = (1/V)[∂²U/∂γ² − Ξᵀ M⁺ Ξ]. Ξ sums to zero over particles, so M⁺Ξ is obtained from
//! a Cholesky solve with one particle pinned. The modulus reported is the mean of G_ab over
//! the planes a < b.
//!
//! Relation to symmetric-strain elastic constants (e.g. jax-md's `cxyxy`, for which
//! F = I + γ(e_a e_bᵀ + e_b e_aᵀ)/2): the simple shear differs by a rigid rotation, which
//! leaves the nonaffine term unchanged at force balance and changes the Born term by
//! Σ u′ (3x_b² − x_a²)/(4r), so G_ab = C_abab + (3σ_bb − σ_aa)/4 with
//! σ_ab = (1/V) Σ u′ x_a x_b / r (negative under compression).

use faer::MatMut;
use faer::dyn_stack::{MemBuffer, MemStack};

use crate::error::Result;
use crate::operators::Network;
use crate::operators::factor::{Ordering, PinnedCholesky};

/// Born term ∂²U/∂γ² and Ξ = ∂²U/∂X∂γ for the affine deformation F = I + γ A (applied to
/// positions and box) at γ = 0.
pub fn affine_terms<const D: usize>(net: &Network<D>, a_mat: &[[f64; D]; D]) -> (f64, Vec<f64>) {
    let mut born = 0.0;
    let mut xi = vec![0.0; net.ndof()];
    for (k, &[i, j]) in net.bonds.iter().enumerate() {
        let r = net.r[k];
        let x: [f64; D] = std::array::from_fn(|q| net.unit[k][q] * r);
        let ax: [f64; D] = std::array::from_fn(|p| (0..D).map(|q| a_mat[p][q] * x[q]).sum());
        let x_ax: f64 = (0..D).map(|q| x[q] * ax[q]).sum();
        let ax2: f64 = ax.iter().map(|v| v * v).sum();
        let (du, d2u) = (net.du[k], net.d2u[k]);
        let drdg = x_ax / r;
        born += d2u * drdg * drdg + du * (ax2 / r - x_ax * x_ax / (r * r * r));
        let c = (d2u - du / r) * drdg;
        let (i, j) = (i as usize * D, j as usize * D);
        for q in 0..D {
            let v = c * net.unit[k][q] + du / r * ax[q];
            xi[j + q] += v;
            xi[i + q] -= v;
        }
    }
    (born, xi)
}

/// The matrix A = e_a e_bᵀ of simple shear x_a → x_a + γ x_b.
pub fn simple_shear<const D: usize>(a: usize, b: usize) -> [[f64; D]; D] {
    let mut m = [[0.0; D]; D];
    m[a][b] = 1.0;
    m
}

/// M⁺ solves for translation-free right-hand sides, from the sparse Cholesky factor of the
/// pinned Hessian ([`PinnedCholesky`]): one factorization serves the moduli, the modes of A
/// and the dipole responses.
#[derive(Debug)]
pub struct HessianSolver<const D: usize> {
    chol: PinnedCholesky,
}

impl<const D: usize> HessianSolver<D> {
    /// Factorizes the pinned Hessian of `net` with the default ordering; errors if it is
    /// not positive definite.
    pub fn new(net: &Network<D>) -> Result<Self> {
        Self::with_ordering(net, Ordering::default())
    }

    /// Factorizes the pinned Hessian of `net` with the given fill-reducing ordering.
    pub fn with_ordering(net: &Network<D>, ordering: Ordering) -> Result<Self> {
        Ok(Self {
            chol: PinnedCholesky::new(net, ordering)?,
        })
    }

    /// The factor P M̃ Pᵀ = L Lᵀ.
    pub fn factor(&self) -> &PinnedCholesky {
        &self.chol
    }

    fn pinned_solve(&self, b: &[f64]) -> Vec<f64> {
        let m = self.chol.dim();
        let mut u = b[..m].to_vec();
        let mut mem = MemBuffer::new(self.chol.scratch(1));
        self.chol.solve_in_place(
            MatMut::from_column_major_slice_mut(&mut u, m, 1),
            MemStack::new(&mut mem),
        );
        u
    }

    /// ξᵀ M⁺ ξ for a translation-free vector ξ (length nd).
    pub fn quadratic_form(&self, xi: &[f64]) -> f64 {
        let u = self.pinned_solve(xi);
        u.iter().zip(xi).map(|(a, b)| a * b).sum()
    }

    /// M⁺ b for a translation-free right-hand side b (length nd): the pinned solve, then the
    /// mean displacement subtracted (pinning one particle is exact for such b).
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        self.translation_free(&self.pinned_solve(b))
    }

    /// [`Self::solve`] for several right-hand sides at once (one pass over the factor).
    pub fn solve_many(&self, bs: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let m = self.chol.dim();
        let k = bs.len();
        if k == 0 {
            return Vec::new();
        }
        // M̃⁻¹ = Pᵀ L⁻ᵀ L⁻¹ P on all columns at once: each pass over L serves 16 of them, on
        // all threads (`operators::solve`; the same bits for any thread count)
        let mut u = vec![0.0; m * k];
        for (c, b) in bs.iter().enumerate() {
            self.chol.permute(&b[..m], &mut u[c * m..(c + 1) * m]);
        }
        let mut work = self.chol.solve_work();
        self.chol.l_solve_block(&mut u, &mut work);
        self.chol.lt_solve_block(&mut u, &mut work);
        let mut col = vec![0.0; m];
        u.chunks(m)
            .map(|y| {
                self.chol.unpermute(y, &mut col);
                self.translation_free(&col)
            })
            .collect()
    }

    /// A pinned solution (length (n − 1)d) extended by the pinned particle at rest, minus
    /// its mean displacement.
    fn translation_free(&self, u: &[f64]) -> Vec<f64> {
        let m = self.chol.dim();
        let n = (m + D) / D;
        let mut out = vec![0.0; m + D];
        out[..m].copy_from_slice(u);
        let mut mean = [0.0; D];
        for (r, v) in out.iter().enumerate() {
            mean[r % D] += v / n as f64;
        }
        for (r, v) in out.iter_mut().enumerate() {
            *v -= mean[r % D];
        }
        out
    }

    /// (1/V)[∂²U/∂γ² − Ξᵀ M⁺ Ξ] for F = I + γ A.
    pub fn modulus(&self, net: &Network<D>, a_mat: &[[f64; D]; D]) -> f64 {
        let (born, xi) = affine_terms(net, a_mat);
        (born - self.quadratic_form(&xi)) / net.volume
    }
}

/// Stress tensor σ_ab = (1/V) Σ u′ x_a x_b / r.
pub fn stress<const D: usize>(net: &Network<D>) -> [[f64; D]; D] {
    let mut s = [[0.0; D]; D];
    for k in 0..net.n_bonds() {
        let r = net.r[k];
        for a in 0..D {
            for b in 0..D {
                s[a][b] += net.du[k] * net.unit[k][a] * net.unit[k][b] * r / net.volume;
            }
        }
    }
    s
}

/// Simple-shear moduli G_ab for every plane a < b (order: (0,1), (0,2), (1,2)).
pub fn shear_moduli<const D: usize>(net: &Network<D>) -> Result<Vec<f64>> {
    Ok(shear_moduli_with(net, &HessianSolver::new(net)?))
}

/// [`shear_moduli`] with an existing factorization of the pinned Hessian.
pub fn shear_moduli_with<const D: usize>(net: &Network<D>, solver: &HessianSolver<D>) -> Vec<f64> {
    let mut out = Vec::new();
    for a in 0..D {
        for b in a + 1..D {
            out.push(solver.modulus(net, &simple_shear::<D>(a, b)));
        }
    }
    out
}

/// The athermal shear modulus, averaged over the d(d−1)/2 shear planes.
pub fn shear_modulus<const D: usize>(net: &Network<D>) -> Result<f64> {
    let g = shear_moduli(net)?;
    Ok(g.iter().sum::<f64>() / g.len() as f64)
}
