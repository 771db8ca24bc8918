//! Operators of the bond network : S, the Hessian M and K = SᵀS, sparse.
//!
//! A [`Network`] is the bond network of a configuration after iterative rattler removal
//! (particles with fewer than d + 1 bonds): its particles are renumbered 0..n, and for every
//! bond α = (i, j), i < j, it keeps n̂_α = (X_j − X_i)/r_α (minimum image), r_α, u′, u″.
//!
//! - S (N_b × nd): δr_α = n̂_α·(δR_j − δR_i).
//! - M (nd × nd): off-diagonal block (i, j) = −k_α with k_α = u″ n̂n̂ᵀ + (u′/r)(I − n̂n̂ᵀ),
//!   diagonal blocks minus the sum of their row.
//! - K = SᵀS: the same with k_α = n̂n̂ᵀ (unit springs, no tension).
//!
//! Degrees of freedom are ordered particle-major: dof = D·i + k. [`factor`] holds the sparse
//! Cholesky factor of the pinned Hessian that every sparse computation shares.

pub mod factor;
pub mod solve;

use faer::Mat;
use faer::sparse::{SparseColMat, Triplet};

use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::models::PairPotential;
use crate::neighbours;
use crate::with_potential;

/// The bond network of a configuration with rattlers removed.
#[derive(Clone, Debug)]
pub struct Network<const D: usize> {
    /// Number of particles in the configuration (rattlers included).
    pub n_total: usize,
    /// Original indices of the kept (non-rattler) particles; new index = position here.
    pub kept: Vec<usize>,
    /// Bonds (i, j), i < j, in the new numbering, sorted.
    pub bonds: Vec<[u32; 2]>,
    /// Unit vectors n̂_α = (X_j − X_i)/r_α.
    pub unit: Vec<[f64; D]>,
    /// Bond lengths r_α.
    pub r: Vec<f64>,
    /// u′(r_α).
    pub du: Vec<f64>,
    /// u″(r_α).
    pub d2u: Vec<f64>,
    /// Box volume.
    pub volume: f64,
}

impl<const D: usize> Network<D> {
    /// Builds the network of `cfg`, removing rattlers iteratively.
    pub fn new(cfg: &Configuration<D>) -> Result<Self> {
        with_potential!(&cfg.model, p => Self::with_potential(p, cfg))
    }

    fn with_potential<P: PairPotential>(pot: &P, cfg: &Configuration<D>) -> Result<Self> {
        let all = neighbours::bonds(pot, &cfg.simbox, &cfg.positions, &cfg.sizes)?;
        let ratt = neighbours::rattlers::<D>(cfg.len(), &all);
        let kept: Vec<usize> = (0..cfg.len()).filter(|&i| !ratt[i]).collect();
        if kept.len() < 2 {
            return Err(Error::Invalid(
                "every particle is a rattler: the configuration has no rigid bond network".into(),
            ));
        }
        let mut new_index = vec![u32::MAX; cfg.len()];
        for (k, &i) in kept.iter().enumerate() {
            new_index[i] = k as u32;
        }
        let nb = all.len();
        let mut net = Network {
            n_total: cfg.len(),
            kept,
            bonds: Vec::with_capacity(nb),
            unit: Vec::with_capacity(nb),
            r: Vec::with_capacity(nb),
            du: Vec::with_capacity(nb),
            d2u: Vec::with_capacity(nb),
            volume: cfg.simbox.volume(),
        };
        for &[i, j] in &all {
            let (i, j) = (i as usize, j as usize);
            if ratt[i] || ratt[j] {
                continue;
            }
            let d = cfg.simbox.delta(&cfg.positions[i], &cfg.positions[j]);
            let r = d.iter().map(|x| x * x).sum::<f64>().sqrt();
            let t = pot.terms(r, cfg.sizes[i], cfg.sizes[j]);
            net.bonds.push([new_index[i], new_index[j]]);
            net.unit.push(std::array::from_fn(|k| d[k] / r));
            net.r.push(r);
            net.du.push(t.du);
            net.d2u.push(t.d2u);
        }
        Ok(net)
    }

    /// Number of (kept) particles n.
    pub fn n(&self) -> usize {
        self.kept.len()
    }

    /// Number of degrees of freedom n·d.
    pub fn ndof(&self) -> usize {
        self.kept.len() * D
    }

    /// Number of bonds N_b.
    pub fn n_bonds(&self) -> usize {
        self.bonds.len()
    }

    /// Number of rattlers removed.
    pub fn n_rattlers(&self) -> usize {
        self.n_total - self.kept.len()
    }

    /// Bonds in the configuration's original particle numbering.
    pub fn bonds_original(&self) -> Vec<[u32; 2]> {
        self.bonds
            .iter()
            .map(|&[i, j]| [self.kept[i as usize] as u32, self.kept[j as usize] as u32])
            .collect()
    }

    /// The d×d stiffness block k_α of bond `a` (Hessian if `tension`, else n̂n̂ᵀ for K).
    #[inline]
    pub fn block(&self, a: usize, tension: bool) -> [[f64; D]; D] {
        let n = &self.unit[a];
        let (c_par, c_perp) = if tension {
            (self.d2u[a], self.du[a] / self.r[a])
        } else {
            (1.0, 0.0)
        };
        std::array::from_fn(|p| {
            std::array::from_fn(|q| {
                let nn = n[p] * n[q];
                let id = if p == q { 1.0 } else { 0.0 };
                c_par * nn + c_perp * (id - nn)
            })
        })
    }

    /// Triplets of the block matrix (Hessian if `tension`, else K), restricted to dofs
    /// `< limit` (pinning: dofs ≥ limit are dropped). Both triangles are stored.
    fn block_triplets(&self, tension: bool, limit: usize) -> Vec<Triplet<usize, usize, f64>> {
        let mut t = Vec::with_capacity(self.n_bonds() * 4 * D * D);
        for (a, &[i, j]) in self.bonds.iter().enumerate() {
            let k = self.block(a, tension);
            let (i, j) = (i as usize * D, j as usize * D);
            for p in 0..D {
                for q in 0..D {
                    let v = k[p][q];
                    for (r, c, s) in [(i, i, v), (j, j, v), (i, j, -v), (j, i, -v)] {
                        if r + p < limit && c + q < limit {
                            t.push(Triplet::new(r + p, c + q, s));
                        }
                    }
                }
            }
        }
        t
    }

    fn sparse(&self, tension: bool, limit: usize) -> Result<SparseColMat<usize, f64>> {
        SparseColMat::try_new_from_triplets(limit, limit, &self.block_triplets(tension, limit))
            .map_err(|e| Error::Numerical(format!("sparse assembly failed: {e:?}")))
    }

    /// The Hessian M (nd × nd), sparse, both triangles.
    pub fn hessian(&self) -> Result<SparseColMat<usize, f64>> {
        self.sparse(true, self.ndof())
    }

    /// K = SᵀS (nd × nd), sparse, both triangles.
    pub fn k_matrix(&self) -> Result<SparseColMat<usize, f64>> {
        self.sparse(false, self.ndof())
    }

    /// The Hessian with the last particle pinned ((n−1)d × (n−1)d).
    pub fn hessian_pinned(&self) -> Result<SparseColMat<usize, f64>> {
        self.sparse(true, self.ndof() - D)
    }

    /// K with the last particle pinned.
    pub fn k_pinned(&self) -> Result<SparseColMat<usize, f64>> {
        self.sparse(false, self.ndof() - D)
    }

    /// S (N_b × nd), sparse.
    pub fn s_matrix(&self) -> Result<SparseColMat<usize, f64>> {
        let mut t = Vec::with_capacity(self.n_bonds() * 2 * D);
        for (a, &[i, j]) in self.bonds.iter().enumerate() {
            for k in 0..D {
                t.push(Triplet::new(a, i as usize * D + k, -self.unit[a][k]));
                t.push(Triplet::new(a, j as usize * D + k, self.unit[a][k]));
            }
        }
        SparseColMat::try_new_from_triplets(self.n_bonds(), self.ndof(), &t)
            .map_err(|e| Error::Numerical(format!("sparse assembly failed: {e:?}")))
    }

    /// Dense block matrix (Hessian if `tension`, else K) on the first `limit` dofs.
    pub fn dense(&self, tension: bool, limit: usize) -> Mat<f64> {
        let mut m = Mat::<f64>::zeros(limit, limit);
        for t in self.block_triplets(tension, limit) {
            m[(t.row, t.col)] += t.val;
        }
        m
    }

    /// Dense S (N_b × nd).
    pub fn s_dense(&self) -> Mat<f64> {
        let mut s = Mat::<f64>::zeros(self.n_bonds(), self.ndof());
        for (a, &[i, j]) in self.bonds.iter().enumerate() {
            for k in 0..D {
                s[(a, i as usize * D + k)] -= self.unit[a][k];
                s[(a, j as usize * D + k)] += self.unit[a][k];
            }
        }
        s
    }

    /// S applied to a displacement field (length nd) → bond extensions (length N_b).
    pub fn apply_s(&self, x: &[f64], out: &mut [f64]) {
        for (a, &[i, j]) in self.bonds.iter().enumerate() {
            let (i, j) = (i as usize * D, j as usize * D);
            out[a] = (0..D)
                .map(|k| self.unit[a][k] * (x[j + k] - x[i + k]))
                .sum();
        }
    }

    /// M applied to a displacement field (length nd) → `out` (length nd), matrix-free over
    /// the bonds (M x)_i = Σ_bonds ±k_α (x_i − x_j).
    pub fn apply_hessian(&self, x: &[f64], out: &mut [f64]) {
        self.apply_blocks(true, x, out);
    }

    /// K = SᵀS applied to a displacement field, matrix-free.
    pub fn apply_k(&self, x: &[f64], out: &mut [f64]) {
        self.apply_blocks(false, x, out);
    }

    fn apply_blocks(&self, tension: bool, x: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        for a in 0..self.n_bonds() {
            let [i, j] = self.bonds[a];
            let (i, j) = (i as usize * D, j as usize * D);
            let k = self.block(a, tension);
            for p in 0..D {
                let v: f64 = (0..D).map(|q| k[p][q] * (x[i + q] - x[j + q])).sum();
                out[i + p] += v;
                out[j + p] -= v;
            }
        }
    }

    /// Sᵀ applied to bond forces (length N_b) → particle forces (length nd).
    pub fn apply_st(&self, f: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        for (a, &[i, j]) in self.bonds.iter().enumerate() {
            let (i, j) = (i as usize * D, j as usize * D);
            for k in 0..D {
                let v = f[a] * self.unit[a][k];
                out[j + k] += v;
                out[i + k] -= v;
            }
        }
    }
}
