//! The sparse Cholesky factor of the pinned Hessian, P M̃ Pᵀ = L Lᵀ, with a choice of
//! fill-reducing ordering P (pinning one particle is exact for translation-free
//! right-hand sides, and K̃, M̃ are the pinned K and M).
//!
//! This one factor serves every sparse computation: M⁺ solves (elastic moduli, modes, dipoles)
//! and the reduced operator C = L⁻¹ P K̃ Pᵀ L⁻ᵀ, whose eigenvalues are the non-zero λ of
//! A = S M⁺ Sᵀ (the top of its spectrum is reached by Lanczos without a shift).
//!
//! Orderings ([`Ordering`]): faer's approximate minimum degree on the dof graph, or METIS
//! nested dissection (`METIS_NodeND`, through `metis-sys`) on the particle graph, expanded to
//! the d dofs of each particle. Nested dissection gives less fill for 3D bond networks; both
//! are kept so that the scaling benchmark can compare them (README, Large systems).
//!
//! The factor is always supernodal (dense blocks), so that the two triangular halves of a
//! solve can be applied separately. The numeric factorization runs in [`FACTOR_TASKS`] fixed
//! tasks: with faer's default of one task per thread it changed the last digits with the
//! thread count, with a fixed count it has the same bits for any thread count (1.6× faster on
//! 2 cores at N = 20 000). Blocks of right-hand sides are solved on all threads over the
//! elimination tree ([`super::solve`]); faer's single-threaded solves remain for single
//! vectors and as the reference the block solves are tested against.

use std::time::Instant;

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::llt::factor::LltRegularization;
use faer::perm::PermRef;
use faer::sparse::linalg::SupernodalThreshold;
use faer::sparse::linalg::cholesky::supernodal::{SupernodalLltRef, SymbolicSupernodalCholesky};
use faer::sparse::linalg::cholesky::{
    CholeskySymbolicParams, SymbolicCholesky, SymbolicCholeskyRaw, SymmetricOrdering,
    factorize_symbolic_cholesky,
};
use faer::{Conj, MatMut, Par, Side};
use serde::{Deserialize, Serialize};

use super::Network;
use super::solve::{SolvePlan, SolveWork};
use crate::error::{Error, Result};

/// Fill-reducing ordering of a sparse factorization.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ordering {
    /// METIS nested dissection of the particle graph (default: least fill in 3D).
    #[default]
    Metis,
    /// Approximate minimum degree (faer) on the dof graph.
    Amd,
}

impl Ordering {
    /// The name used on the command line and in result files.
    pub fn name(self) -> &'static str {
        match self {
            Ordering::Metis => "metis",
            Ordering::Amd => "amd",
        }
    }

    /// The symmetric dof permutation (forward: new position → old dof, and its inverse) of
    /// the first `n_particles` particles of `net` (the pinned ones excluded), or `None` for
    /// faer's own AMD.
    pub fn dof_permutation<const D: usize>(
        self,
        net: &Network<D>,
        n_particles: usize,
    ) -> Result<Option<(Vec<usize>, Vec<usize>)>> {
        match self {
            Ordering::Amd => Ok(None),
            Ordering::Metis => {
                let p = metis_particle_order(net, n_particles)?;
                let m = n_particles * D;
                let mut fwd = vec![0usize; m];
                let mut inv = vec![0usize; m];
                for (new, &old) in p.iter().enumerate() {
                    for k in 0..D {
                        fwd[new * D + k] = old * D + k;
                        inv[old * D + k] = new * D + k;
                    }
                }
                Ok(Some((fwd, inv)))
            }
        }
    }
}

impl std::str::FromStr for Ordering {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "metis" => Ok(Ordering::Metis),
            "amd" => Ok(Ordering::Amd),
            _ => Err(Error::Invalid(format!(
                "unknown ordering {s:?} (expected metis or amd)"
            ))),
        }
    }
}

/// One METIS call at a time (see [`metis_particle_order`]).
/// METIS keeps global state (its error-trap jump buffers), so calls from parallel samples are
/// serialized: concurrent calls gave thread-dependent results in the ensemble test.
static METIS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// METIS nested-dissection order (new position → old particle) of the bond graph restricted
/// to particles `0..n`.
fn metis_particle_order<const D: usize>(net: &Network<D>, n: usize) -> Result<Vec<usize>> {
    // CSR adjacency without self loops, both directions
    let mut deg = vec![0usize; n];
    for &[i, j] in &net.bonds {
        let (i, j) = (i as usize, j as usize);
        if i < n && j < n && i != j {
            deg[i] += 1;
            deg[j] += 1;
        }
    }
    let mut xadj = vec![0 as metis_sys::idx_t; n + 1];
    for i in 0..n {
        xadj[i + 1] = xadj[i] + deg[i] as metis_sys::idx_t;
    }
    let mut fill: Vec<usize> = xadj[..n].iter().map(|&x| x as usize).collect();
    let mut adjncy = vec![0 as metis_sys::idx_t; xadj[n] as usize];
    for &[i, j] in &net.bonds {
        let (i, j) = (i as usize, j as usize);
        if i < n && j < n && i != j {
            adjncy[fill[i]] = j as metis_sys::idx_t;
            fill[i] += 1;
            adjncy[fill[j]] = i as metis_sys::idx_t;
            fill[j] += 1;
        }
    }
    if n < 2 || adjncy.is_empty() {
        return Ok((0..n).collect());
    }
    let mut nv = n as metis_sys::idx_t;
    let mut perm = vec![0 as metis_sys::idx_t; n];
    let mut iperm = vec![0 as metis_sys::idx_t; n];
    let mut options = [0 as metis_sys::idx_t; metis_sys::METIS_NOPTIONS as usize];
    let _guard = METIS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: METIS_SetDefaultOptions writes exactly METIS_NOPTIONS entries.
    unsafe { metis_sys::METIS_SetDefaultOptions(options.as_mut_ptr()) };
    // deterministic: METIS' own seed is fixed
    options[metis_sys::moptions_et_METIS_OPTION_SEED as usize] = 1;
    // SAFETY: xadj has n + 1 entries, adjncy xadj[n] entries (a symmetric graph without self
    // loops, indices < n), perm and iperm n entries each; a null vertex-weight pointer is
    // allowed. METIS reads the inputs and writes only perm and iperm.
    let status = unsafe {
        metis_sys::METIS_NodeND(
            &mut nv,
            xadj.as_mut_ptr(),
            adjncy.as_mut_ptr(),
            std::ptr::null_mut(),
            options.as_mut_ptr(),
            perm.as_mut_ptr(),
            iperm.as_mut_ptr(),
        )
    };
    if status != metis_sys::rstatus_et_METIS_OK {
        return Err(Error::Numerical(format!(
            "METIS_NodeND failed with status {status}"
        )));
    }
    Ok(perm.into_iter().map(|p| p as usize).collect())
}

/// Size and timing of a factorization.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorInfo {
    /// The ordering used.
    pub ordering: Ordering,
    /// Order of the factored matrix ((n − 1)·d).
    pub dim: usize,
    /// Stored entries of L (supernodal blocks, the diagonal blocks as full squares).
    pub nnz_l: usize,
    /// Entries of L proper (the diagonal blocks' lower triangles), as CHOLMOD counts its L.
    #[serde(default)]
    pub nnz_structural: usize,
    /// Seconds for the ordering and the symbolic analysis.
    pub symbolic_seconds: f64,
    /// Seconds for the numeric factorization.
    pub numeric_seconds: f64,
}

/// Symbolic analysis of a pinned operator pattern with the given ordering (always
/// supernodal).
pub(crate) fn symbolic_analysis<const D: usize>(
    net: &Network<D>,
    pattern: faer::sparse::SymbolicSparseColMatRef<'_, usize>,
    ordering: Ordering,
) -> Result<SymbolicCholesky<usize>> {
    let m = pattern.nrows();
    let perm = ordering.dof_permutation(net, m / D)?;
    let ord = match &perm {
        None => SymmetricOrdering::Amd,
        Some((fwd, inv)) => SymmetricOrdering::Custom(PermRef::new_checked(fwd, inv, m)),
    };
    let params = CholeskySymbolicParams {
        supernodal_flop_ratio_threshold: SupernodalThreshold::FORCE_SUPERNODAL,
        ..Default::default()
    };
    factorize_symbolic_cholesky(pattern, Side::Lower, ord, params)
        .map_err(|e| Error::Numerical(format!("symbolic factorization: {e:?}")))
}

/// Refuses, before allocating it, a factor of `len_val` entries (plus a fifth for the
/// factorization's workspace) that does not fit in the available memory.
pub(crate) fn check_factor_memory(len_val: usize, ordering: Ordering) -> Result<()> {
    let need = 8.0 * len_val as f64 * 1.2;
    if let Some(avail) = crate::resources::available_memory()
        && need > avail
    {
        return Err(Error::Invalid(format!(
            "the sparse factor ({} ordering) needs about {:.1} GiB, more than the {:.1} GiB \
             available",
            ordering.name(),
            need / 1024f64.powi(3),
            avail / 1024f64.powi(3)
        )));
    }
    Ok(())
}

/// Tasks of the numeric Cholesky factorization, whatever the number of threads (the count
/// of the dense kernels, `spectra::DENSE_TASKS`, a floor above).
pub const FACTOR_TASKS: usize = 8;

/// The parallelism of the numeric factorization: [`FACTOR_TASKS`] fixed tasks, sequential
/// inside an ensemble's samples (which run in parallel themselves).
fn factor_par() -> Par {
    match faer::get_global_parallelism() {
        Par::Seq => Par::Seq,
        _ => Par::rayon(FACTOR_TASKS),
    }
}

/// Entries of L proper: the lower triangles of the supernodes' diagonal blocks and the rows
/// below them. faer stores each diagonal block as a full square, so the stored count
/// ([`FactorInfo::nnz_l`]) exceeds it by Σ c(c − 1)/2 over supernodes of c columns (at
/// N = 20 000 in 3D: 1.01 × 10⁸ stored, 7.5 × 10⁷ structural, as CHOLMOD counts its L).
fn structural_nnz(symbolic: &SymbolicCholesky<usize>) -> usize {
    match symbolic.raw() {
        SymbolicCholeskyRaw::Supernodal(sym) => {
            let (b, e, cp) = (
                sym.supernode_begin(),
                sym.supernode_end(),
                sym.col_ptr_for_row_idx(),
            );
            (0..sym.n_supernodes())
                .map(|s| {
                    let c = e[s] - b[s];
                    c * (c + 1) / 2 + (cp[s + 1] - cp[s]) * c
                })
                .sum()
        }
        SymbolicCholeskyRaw::Simplicial(sym) => sym.row_idx().len(),
    }
}

/// The supernodal structure of a symbolic factor (`symbolic_analysis` forces one).
fn supernodal_of(symbolic: &SymbolicCholesky<usize>) -> &SymbolicSupernodalCholesky<usize> {
    match symbolic.raw() {
        SymbolicCholeskyRaw::Supernodal(s) => s,
        SymbolicCholeskyRaw::Simplicial(_) => {
            unreachable!("the symbolic analysis forces a supernodal factor")
        }
    }
}

/// Asks the kernel for transparent huge pages (2 MiB) under a large buffer not yet touched:
/// the factor's values are gigabytes at N = 10⁵, read in strided patterns by the
/// factorization and the solves, so 4 KiB pages cost a page fault each and many TLB misses. A
/// hint only: without it (other systems, THP off) nothing changes but the speed.
fn advise_huge_pages(buf: &mut [f64]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = buf.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(buf);
        let (lo, hi) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if hi > lo {
            // SAFETY: [lo, hi) lies inside `buf`'s allocation and is page-aligned;
            // MADV_HUGEPAGE changes no contents, only how the pages are backed
            unsafe {
                libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

/// P M̃ Pᵀ = L Lᵀ for the pinned Hessian M̃ of a network (the last particle pinned).
pub struct PinnedCholesky {
    symbolic: SymbolicCholesky<usize>,
    values: Vec<f64>,
    plan: SolvePlan,
    m: usize,
    info: FactorInfo,
}

impl std::fmt::Debug for PinnedCholesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PinnedCholesky({:?})", self.info)
    }
}

impl PinnedCholesky {
    /// Factorizes the pinned Hessian of `net` with `ordering`; an error if it is not
    /// positive definite (a mechanically unstable configuration).
    pub fn new<const D: usize>(net: &Network<D>, ordering: Ordering) -> Result<Self> {
        let t0 = Instant::now();
        let mp = net.hessian_pinned()?;
        let m = mp.nrows();
        let symbolic = symbolic_analysis(net, mp.symbolic(), ordering)?;
        check_factor_memory(symbolic.len_val(), ordering)?;
        let t1 = Instant::now();
        // parallel in a fixed number of tasks: faer's supernodal factorization with one task
        // per thread changed the last bits with the thread count; with a fixed count they
        // are the same for any thread count (and equal to the sequential factor: tested)
        let par = factor_par();
        let mut values = vec![0.0; symbolic.len_val()];
        advise_huge_pages(&mut values);
        let mut mem = MemBuffer::try_new(
            symbolic.factorize_numeric_llt_scratch::<f64>(par, Default::default()),
        )
        .map_err(|_| Error::Numerical("out of memory for the Cholesky factorization".into()))?;
        symbolic
            .factorize_numeric_llt(
                &mut values,
                mp.as_ref(),
                Side::Lower,
                LltRegularization::default(),
                par,
                MemStack::new(&mut mem),
                Default::default(),
            )
            .map_err(|e| {
                Error::Unstable(format!(
                    "the Hessian is not positive definite ({e:?}): the configuration is \
                     mechanically unstable"
                ))
            })?;
        let info = FactorInfo {
            ordering,
            dim: m,
            nnz_l: values.len(),
            nnz_structural: structural_nnz(&symbolic),
            symbolic_seconds: (t1 - t0).as_secs_f64(),
            numeric_seconds: t1.elapsed().as_secs_f64(),
        };
        let plan = SolvePlan::new(supernodal_of(&symbolic));
        Ok(Self {
            symbolic,
            values,
            plan,
            m,
            info,
        })
    }

    /// Size and timing of the factorization.
    pub fn info(&self) -> FactorInfo {
        self.info
    }

    /// Order of the factored matrix ((n − 1)·d).
    pub fn dim(&self) -> usize {
        self.m
    }

    /// The stored values of L (supernodal blocks, in faer's layout).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    fn supernodal_symbolic(&self) -> &SymbolicSupernodalCholesky<usize> {
        supernodal_of(&self.symbolic)
    }

    fn supernodal(&self) -> SupernodalLltRef<'_, usize, f64> {
        SupernodalLltRef::new(self.supernodal_symbolic(), &self.values)
    }

    /// (forward, inverse) arrays of P: (P x)_i = x_{forward[i]}.
    fn perm(&self) -> Option<(&[usize], &[usize])> {
        self.symbolic.perm().map(|p| p.arrays())
    }

    /// Scratch for solves with `ncols` right-hand sides.
    pub fn scratch(&self, ncols: usize) -> StackReq {
        self.symbolic.solve_in_place_scratch::<f64>(ncols, Par::Seq)
    }

    /// x ← M̃⁻¹ x (columns of length (n − 1)·d).
    pub fn solve_in_place(&self, x: MatMut<'_, f64>, stack: &mut MemStack) {
        faer::sparse::linalg::cholesky::LltRef::new(&self.symbolic, &self.values)
            .solve_in_place_with_conj(Conj::No, x, Par::Seq, stack);
    }

    /// x ← P x.
    pub fn permute(&self, x: &[f64], out: &mut [f64]) {
        match self.perm() {
            Some((fwd, _)) => out.iter_mut().zip(fwd).for_each(|(o, &f)| *o = x[f]),
            None => out.copy_from_slice(x),
        }
    }

    /// x ← Pᵀ x.
    pub fn unpermute(&self, x: &[f64], out: &mut [f64]) {
        match self.perm() {
            Some((fwd, _)) => fwd.iter().zip(x).for_each(|(&f, v)| out[f] = *v),
            None => out.copy_from_slice(x),
        }
    }

    /// x ← L⁻¹ x (permuted space).
    pub fn l_solve_in_place(&self, x: MatMut<'_, f64>, stack: &mut MemStack) {
        self.supernodal()
            .l_solve_with_conj(Conj::No, x, Par::Seq, stack);
    }

    /// A workspace for [`Self::l_solve_block`] and [`Self::lt_solve_block`].
    pub fn solve_work(&self) -> SolveWork {
        self.plan.work(self.supernodal_symbolic())
    }

    /// (groups, top supernodes) of the cut of the elimination tree used by the block solves.
    pub fn solve_plan_shape(&self) -> (usize, usize) {
        self.plan.shape()
    }

    /// x ← L⁻¹ x (permuted space) for the column-major block `x` of (n − 1)·d rows, on all
    /// threads, with the same bits for any thread count (`operators::solve`).
    pub fn l_solve_block(&self, x: &mut [f64], work: &mut SolveWork) {
        let sym = self.supernodal_symbolic();
        self.plan
            .solve(sym, &self.values, x, work, factor_par(), false);
    }

    /// x ← L⁻ᵀ x (permuted space) for the column-major block `x`, as [`Self::l_solve_block`].
    pub fn lt_solve_block(&self, x: &mut [f64], work: &mut SolveWork) {
        let sym = self.supernodal_symbolic();
        self.plan
            .solve(sym, &self.values, x, work, factor_par(), true);
    }

    /// x ← L⁻ᵀ x (permuted space).
    pub fn lt_solve_in_place(&self, x: MatMut<'_, f64>, stack: &mut MemStack) {
        self.supernodal()
            .l_transpose_solve_with_conj(Conj::No, x, Par::Seq, stack);
    }
}
