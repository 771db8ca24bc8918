//! Spectrum slicing by inertia (Sylvester's law): exact eigenvalue counts without eigenvectors.
//!
//! - Bond operator: the number of non-zero λ of A above t equals the number of negative
//!   eigenvalues of M̃ − K̃/t on the pinned space (M̃ positive definite).
//! - Hessian: the number of modes with 0 < ω² < t equals the negative count of the full
//!   M − t I minus the d translations.
//!
//! Each count is one sparse LDLᵀ factorization with a fill-reducing (AMD) ordering; the
//! symbolic analysis is done once per operator and reused for every threshold, since all the
//! matrices M̃ − K̃/t (and M − tI) share one sparsity pattern. The inertia is read off the
//! diagonal D of the factorization (Sylvester: P A Pᵀ = L D Lᵀ has A's inertia).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::LdltRegularization;
use faer::sparse::linalg::cholesky::{
    SymbolicCholesky, SymbolicCholeskyRaw, SymmetricOrdering, factorize_symbolic_cholesky,
    supernodal,
};
use faer::sparse::{SparseColMat, Triplet};
use faer::{Par, Side};

use crate::error::{Error, Result};
use crate::operators::Network;

/// A family of symmetric matrices A + s·B sharing one sparsity pattern, with the symbolic
/// LDLᵀ factorization computed once.
pub struct InertiaCounter {
    /// Pattern (lower triangle) with the values of A and B on it.
    pattern: SparseColMat<usize, f64>,
    a_vals: Vec<f64>,
    b_vals: Vec<f64>,
    symbolic: SymbolicCholesky<usize>,
    l_values: Vec<f64>,
    mem: MemBuffer,
}

fn lower_triplets(m: &SparseColMat<usize, f64>) -> Vec<Triplet<usize, usize, f64>> {
    let mut t = Vec::new();
    let (cp, ri, v) = (m.col_ptr(), m.row_idx(), m.val());
    for j in 0..m.ncols() {
        for p in cp[j]..cp[j + 1] {
            if ri[p] >= j {
                t.push(Triplet::new(ri[p], j, v[p]));
            }
        }
    }
    t
}

impl InertiaCounter {
    /// The family A + s·B for square symmetric A, B of the same size (B may have a
    /// different pattern: the union is used).
    pub fn new(a: &SparseColMat<usize, f64>, b: &SparseColMat<usize, f64>) -> Result<Self> {
        let n = a.nrows();
        let ta = lower_triplets(a);
        let tb = lower_triplets(b);
        let mut all: Vec<Triplet<usize, usize, f64>> = ta
            .iter()
            .chain(tb.iter())
            .map(|t| Triplet::new(t.row, t.col, 0.0))
            .collect();
        // every diagonal entry present (shifts)
        all.extend((0..n).map(|i| Triplet::new(i, i, 0.0)));
        let pattern = SparseColMat::try_new_from_triplets(n, n, &all)
            .map_err(|e| Error::Numerical(format!("pattern assembly: {e:?}")))?;
        let locate = |r: usize, c: usize| -> usize {
            let (cp, ri) = (pattern.col_ptr(), pattern.row_idx());
            let col = &ri[cp[c]..cp[c + 1]];
            cp[c] + col.binary_search(&r).expect("entry in pattern")
        };
        let nnz = pattern.val().len();
        let mut a_vals = vec![0.0; nnz];
        let mut b_vals = vec![0.0; nnz];
        for t in &ta {
            a_vals[locate(t.row, t.col)] += t.val;
        }
        for t in &tb {
            b_vals[locate(t.row, t.col)] += t.val;
        }
        let symbolic = factorize_symbolic_cholesky(
            pattern.symbolic(),
            Side::Lower,
            SymmetricOrdering::Amd,
            Default::default(),
        )
        .map_err(|e| Error::Numerical(format!("symbolic factorization: {e:?}")))?;
        let l_values = vec![0.0; symbolic.len_val()];
        let mem = MemBuffer::new(
            symbolic.factorize_numeric_ldlt_scratch::<f64>(Par::Seq, Default::default()),
        );
        Ok(Self {
            pattern,
            a_vals,
            b_vals,
            symbolic,
            l_values,
            mem,
        })
    }

    /// Number of negative eigenvalues of A + s·B.
    pub fn negative_count(&mut self, s: f64) -> Result<usize> {
        let vals: Vec<f64> = self
            .a_vals
            .iter()
            .zip(&self.b_vals)
            .map(|(a, b)| a + s * b)
            .collect();
        let mat = faer::sparse::SparseColMatRef::new(self.pattern.symbolic(), &vals);
        self.symbolic
            .factorize_numeric_ldlt(
                &mut self.l_values,
                mat,
                Side::Lower,
                LdltRegularization::default(),
                Par::Seq,
                MemStack::new(&mut self.mem),
                Default::default(),
            )
            .map_err(|e| Error::Numerical(format!("LDLT at shift {s}: {e:?}")))?;
        let mut neg = 0usize;
        match self.symbolic.raw() {
            SymbolicCholeskyRaw::Simplicial(sym) => {
                let cp = sym.col_ptr();
                for j in 0..sym.nrows() {
                    // the first stored entry of each column of L holds D_jj
                    if self.l_values[cp[j]] < 0.0 {
                        neg += 1;
                    }
                }
            }
            SymbolicCholeskyRaw::Supernodal(sym) => {
                let f = supernodal::SupernodalLdltRef::new(sym, &self.l_values);
                for s in 0..sym.n_supernodes() {
                    let v = f.supernode(s).val();
                    for k in 0..v.ncols() {
                        if v[(k, k)] < 0.0 {
                            neg += 1;
                        }
                    }
                }
            }
        }
        Ok(neg)
    }
}

/// Counts of non-zero eigenvalues of A (bond operator) and of ω² (Hessian) per bin.
#[derive(Clone, Debug)]
pub struct SliceCounts {
    /// Bin edges of λ (ascending, length bins + 1).
    pub lambda_edges: Vec<f64>,
    /// Number of non-zero λ in each λ bin (e_k, e_{k+1}].
    pub lambda_counts: Vec<usize>,
    /// Bin edges of ω² (ascending).
    pub omega2_edges: Vec<f64>,
    /// Number of ω² in each bin [e_k, e_{k+1}).
    pub omega2_counts: Vec<usize>,
}

/// Negative counts of A + s·B for every shift, the shifts split over the rayon threads (each
/// with its own factorization workspace; counts are exact integers, so the result does not
/// depend on the thread count).
fn negative_counts(
    a: &SparseColMat<usize, f64>,
    b: &SparseColMat<usize, f64>,
    shifts: &[f64],
) -> Result<Vec<usize>> {
    use rayon::prelude::*;
    let chunk = shifts
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    let parts: Vec<Result<Vec<usize>>> = shifts
        .par_chunks(chunk)
        .map(|part| {
            let mut c = InertiaCounter::new(a, b)?;
            part.iter().map(|&s| c.negative_count(s)).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(shifts.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Number of λ of A above each threshold in `ts` (ascending or not).
pub fn bond_counts_above<const D: usize>(net: &Network<D>, ts: &[f64]) -> Result<Vec<usize>> {
    let shifts: Vec<f64> = ts.iter().map(|t| -1.0 / t).collect();
    negative_counts(&net.hessian_pinned()?, &net.k_pinned()?, &shifts)
}

/// Number of Hessian modes with 0 < ω² < t for each threshold.
pub fn hessian_counts_below<const D: usize>(net: &Network<D>, ts: &[f64]) -> Result<Vec<usize>> {
    let n = net.ndof();
    let eye = SparseColMat::try_new_from_triplets(
        n,
        n,
        &(0..n).map(|i| Triplet::new(i, i, 1.0)).collect::<Vec<_>>(),
    )
    .map_err(|e| Error::Numerical(format!("identity: {e:?}")))?;
    let shifts: Vec<f64> = ts.iter().map(|t| -t).collect();
    Ok(negative_counts(&net.hessian()?, &eye, &shifts)?
        .into_iter()
        .map(|c| c.saturating_sub(D))
        .collect())
}

/// Histogram counts on the given bin edges (ascending).
pub fn counts<const D: usize>(
    net: &Network<D>,
    lambda_edges: &[f64],
    omega2_edges: &[f64],
) -> Result<SliceCounts> {
    let above = bond_counts_above(net, lambda_edges)?;
    let below = hessian_counts_below(net, omega2_edges)?;
    Ok(SliceCounts {
        lambda_edges: lambda_edges.to_vec(),
        lambda_counts: above.windows(2).map(|w| w[0] - w[1]).collect(),
        omega2_edges: omega2_edges.to_vec(),
        omega2_counts: below.windows(2).map(|w| w[1] - w[0]).collect(),
    })
}

/// `bins` logarithmic bin edges from `lo` to `hi`.
pub fn log_edges(lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..=bins)
        .map(|k| (a + (b - a) * k as f64 / bins as f64).exp())
        .collect()
}
