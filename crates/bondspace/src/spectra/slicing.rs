//! Spectrum slicing by inertia (Sylvester's law): exact eigenvalue counts without eigenvectors.
//!
//! - Bond operator: the number of non-zero λ of A above t equals the number of negative
//!   eigenvalues of M̃ − K̃/t on the pinned space (M̃ positive definite).
//! - Hessian: the number of modes with 0 < ω² < t equals the negative count of the full
//!   M − t I minus the d translations.
//!
//! Each count is one sparse LDLᵀ factorization with a fill-reducing ordering (METIS nested
//! dissection by default, or AMD: [`Ordering`]); the symbolic analysis is done once per
//! operator and reused for every threshold, since all the matrices M̃ − K̃/t (and M − tI)
//! share one sparsity pattern. Thresholds are counted in parallel, one factor per thread, as
//! far as memory allows (large systems: one factor at a time). The inertia is read off the
//! diagonal D of the factorization (Sylvester: P A Pᵀ = L D Lᵀ has A's inertia).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::LdltRegularization;
use faer::sparse::linalg::cholesky::{SymbolicCholesky, SymbolicCholeskyRaw, supernodal};
use faer::sparse::{SparseColMat, Triplet};
use faer::{Par, Side};

use crate::error::{Error, Result};
use crate::operators::Network;
use crate::operators::factor::{Ordering, check_factor_memory, symbolic_analysis};

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
    /// different pattern: the union is used), operators on the first `A.nrows()/D`
    /// particles of `net` (for the ordering).
    pub fn new<const D: usize>(
        net: &Network<D>,
        a: &SparseColMat<usize, f64>,
        b: &SparseColMat<usize, f64>,
        ordering: Ordering,
    ) -> Result<Self> {
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
        let symbolic = symbolic_analysis(net, pattern.symbolic(), ordering)?;
        check_factor_memory(symbolic.len_val(), ordering)?;
        let l_values = vec![0.0; symbolic.len_val()];
        let mem = MemBuffer::new(symbolic.factorize_numeric_ldlt_scratch::<f64>(
            faer::get_global_parallelism(),
            Default::default(),
        ));
        Ok(Self {
            pattern,
            a_vals,
            b_vals,
            symbolic,
            l_values,
            mem,
        })
    }

    /// Number of negative eigenvalues of A + s·B (numeric factorization on one thread).
    pub fn negative_count(&mut self, s: f64) -> Result<usize> {
        self.negative_count_par(s, Par::Seq)
    }

    /// [`Self::negative_count`] with the numeric factorization on `par` (the count is an
    /// integer: the same for any thread count).
    pub fn negative_count_par(&mut self, s: f64, par: Par) -> Result<usize> {
        if !s.is_finite() {
            return Err(Error::Invalid(format!(
                "an inertia count at the shift {s}: the bin edges are not finite (is λ₀ or ω₀ \
                 undefined?)"
            )));
        }
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
                par,
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

/// One [`InertiaCounter`] per rayon thread for the family A + s·B, kept across rounds of
/// shifts so that the symbolic analysis is done once per thread.
struct CounterPool {
    counters: Vec<InertiaCounter>,
}

impl CounterPool {
    /// One counter per rayon thread, fewer if the factors would take more than half the
    /// available memory.
    fn new<const D: usize>(
        net: &Network<D>,
        a: &SparseColMat<usize, f64>,
        b: &SparseColMat<usize, f64>,
        ordering: Ordering,
    ) -> Result<Self> {
        use rayon::prelude::*;
        let first = InertiaCounter::new(net, a, b, ordering)?;
        let bytes = 8.0 * first.l_values.len() as f64 * 1.5;
        let fit = crate::resources::available_memory()
            .map(|m| ((0.5 * m / bytes) as usize).max(1))
            .unwrap_or(usize::MAX);
        let k = rayon::current_num_threads().max(1).min(fit);
        let more: Vec<Result<InertiaCounter>> = (1..k)
            .into_par_iter()
            .map(|_| InertiaCounter::new(net, a, b, ordering))
            .collect();
        let mut counters = vec![first];
        for c in more {
            counters.push(c?);
        }
        Ok(Self { counters })
    }

    /// Negative counts for every shift, the shifts split over the counters (counts are exact
    /// integers, so the result does not depend on the thread count).
    fn negative_counts(&mut self, shifts: &[f64]) -> Result<Vec<usize>> {
        use rayon::prelude::*;
        if shifts.is_empty() {
            return Ok(Vec::new());
        }
        if self.counters.len() == 1 {
            // one factor at a time (large systems): each factorization on every thread
            let par = faer::get_global_parallelism();
            return shifts
                .iter()
                .map(|&s| self.counters[0].negative_count_par(s, par))
                .collect();
        }
        let chunk = shifts.len().div_ceil(self.counters.len()).max(1);
        let parts: Vec<Result<Vec<usize>>> = self
            .counters
            .par_iter_mut()
            .zip(shifts.par_chunks(chunk))
            .map(|(c, part)| part.iter().map(|&s| c.negative_count(s)).collect())
            .collect();
        let mut out = Vec::with_capacity(shifts.len());
        for p in parts {
            out.extend(p?);
        }
        Ok(out)
    }
}

/// Negative counts of A + s·B for every shift.
fn negative_counts<const D: usize>(
    net: &Network<D>,
    a: &SparseColMat<usize, f64>,
    b: &SparseColMat<usize, f64>,
    shifts: &[f64],
) -> Result<Vec<usize>> {
    CounterPool::new(net, a, b, Ordering::default())?.negative_counts(shifts)
}

/// The values of a monotone integer step function at points `0..n`, evaluating as few as
/// possible: where two evaluated points have equal values every point between has that value
/// too, so whole runs of empty (or saturated) bins cost nothing. `left` and `right` are the
/// known limits before point 0 and after point n − 1. Points are evaluated in rounds (each
/// round in parallel by `eval`): a coarse grid first, then midpoints of unresolved gaps.
fn monotone_values(
    n: usize,
    left: Option<usize>,
    right: Option<usize>,
    mut eval: impl FnMut(&[usize]) -> Result<Vec<usize>>,
) -> Result<Vec<usize>> {
    let mut val: Vec<Option<usize>> = vec![None; n];
    if n == 0 {
        return Ok(Vec::new());
    }
    // virtual end points −1 and n
    let get = |val: &[Option<usize>], i: isize| -> Option<usize> {
        if i < 0 {
            left
        } else if i as usize >= n {
            right
        } else {
            val[i as usize]
        }
    };
    let step = 4usize;
    let mut todo: Vec<usize> = (0..n).step_by(step).collect();
    if *todo.last().expect("n > 0") != n - 1 {
        todo.push(n - 1);
    }
    loop {
        if !todo.is_empty() {
            let got = eval(&todo)?;
            for (&i, v) in todo.iter().zip(got) {
                val[i] = Some(v);
            }
        }
        // fill runs between equal known values; collect midpoints of the other gaps
        todo = Vec::new();
        let mut a: isize = -1;
        while a < n as isize {
            let mut b = a + 1;
            while b < n as isize && val[b as usize].is_none() {
                b += 1;
            }
            if b - a > 1 {
                match (get(&val, a), get(&val, b)) {
                    (Some(x), Some(y)) if x == y => {
                        for v in &mut val[(a + 1) as usize..b as usize] {
                            *v = Some(x);
                        }
                    }
                    _ => todo.push(((a + b) / 2).clamp(0, n as isize - 1) as usize),
                }
            }
            a = b;
        }
        todo.dedup();
        todo.retain(|&i| val[i].is_none());
        if todo.is_empty() {
            break;
        }
    }
    Ok(val
        .into_iter()
        .map(|v| v.expect("all points resolved"))
        .collect())
}

/// Number of λ of A above each threshold in `ts` (ascending or not).
pub fn bond_counts_above<const D: usize>(net: &Network<D>, ts: &[f64]) -> Result<Vec<usize>> {
    let shifts: Vec<f64> = ts.iter().map(|t| -1.0 / t).collect();
    negative_counts(net, &net.hessian_pinned()?, &net.k_pinned()?, &shifts)
}

fn identity(n: usize) -> Result<SparseColMat<usize, f64>> {
    SparseColMat::try_new_from_triplets(
        n,
        n,
        &(0..n).map(|i| Triplet::new(i, i, 1.0)).collect::<Vec<_>>(),
    )
    .map_err(|e| Error::Numerical(format!("identity: {e:?}")))
}

/// Number of Hessian modes with 0 < ω² < t for each threshold (t > 0).
pub fn hessian_counts_below<const D: usize>(net: &Network<D>, ts: &[f64]) -> Result<Vec<usize>> {
    let shifts: Vec<f64> = ts.iter().map(|t| -t).collect();
    Ok(
        negative_counts(net, &net.hessian()?, &identity(net.ndof())?, &shifts)?
            .into_iter()
            .map(|c| c.saturating_sub(D))
            .collect(),
    )
}

/// Histogram counts on the given bin edges (ascending, positive), and rank(S) = the number of
/// non-zero λ (counted above `rank_threshold`, far below any physical eigenvalue). Only the
/// edges needed to resolve the histogram are factorized (by bisection of the monotone counts): bins far
/// outside the spectrum are free. The Hessian must be positive semi-definite with exactly the
/// d translations as zero modes (checked beforehand by the Cholesky factorization of the
/// pinned Hessian in [`crate::measures::scales`]).
pub fn counts_and_rank<const D: usize>(
    net: &Network<D>,
    lambda_edges: &[f64],
    omega2_edges: &[f64],
    rank_threshold: f64,
    ordering: Ordering,
) -> Result<(SliceCounts, usize)> {
    let (lambda_counts, rank) = bond_histogram(net, lambda_edges, rank_threshold, ordering)?;
    let omega2_counts = hessian_histogram(net, omega2_edges, ordering)?;
    Ok((
        SliceCounts {
            lambda_edges: lambda_edges.to_vec(),
            lambda_counts,
            omega2_edges: omega2_edges.to_vec(),
            omega2_counts,
        },
        rank,
    ))
}

/// Counts of non-zero λ per bin (e_k, e_{k+1}] and rank(S) (λ above `rank_threshold`), by
/// adaptive slicing.
pub fn bond_histogram<const D: usize>(
    net: &Network<D>,
    edges: &[f64],
    rank_threshold: f64,
    ordering: Ordering,
) -> Result<(Vec<usize>, usize)> {
    // point 0 is the rank threshold, then the edges; above ∞ nothing. With repulsive bonds
    // the count above the threshold is known exactly (super::repulsive_rank) and bounds the
    // others, so it costs no factorization.
    let mut pool = CounterPool::new(net, &net.hessian_pinned()?, &net.k_pinned()?, ordering)?;
    let known = super::repulsive_rank(net, rank_threshold);
    let mut ts = if known.is_some() {
        Vec::new()
    } else {
        vec![rank_threshold]
    };
    ts.extend_from_slice(edges);
    let above = monotone_values(ts.len(), known, Some(0), |idx| {
        let shifts: Vec<f64> = idx.iter().map(|&i| -1.0 / ts[i]).collect();
        pool.negative_counts(&shifts)
    })?;
    let (rank, at_edges) = match known {
        Some(r) => (r, &above[..]),
        None => (above[0], &above[1..]),
    };
    Ok((at_edges.windows(2).map(|w| w[0] - w[1]).collect(), rank))
}

/// Counts of ω² per bin [e_k, e_{k+1}) by adaptive slicing (Hessian positive semi-definite
/// with the d translations as its only zero modes).
pub fn hessian_histogram<const D: usize>(
    net: &Network<D>,
    edges: &[f64],
    ordering: Ordering,
) -> Result<Vec<usize>> {
    // below 0⁺ nothing, below ∞ every non-zero mode
    let n_modes = net.ndof() - D;
    let mut pool = CounterPool::new(net, &net.hessian()?, &identity(net.ndof())?, ordering)?;
    let below = monotone_values(edges.len(), Some(0), Some(n_modes), |idx| {
        let shifts: Vec<f64> = idx.iter().map(|&i| -edges[i]).collect();
        Ok(pool
            .negative_counts(&shifts)?
            .into_iter()
            .map(|c| c.saturating_sub(D))
            .collect())
    })?;
    Ok(below.windows(2).map(|w| w[1] - w[0]).collect())
}

/// Histogram counts on the given bin edges (ascending, positive).
pub fn counts<const D: usize>(
    net: &Network<D>,
    lambda_edges: &[f64],
    omega2_edges: &[f64],
) -> Result<SliceCounts> {
    let lo = lambda_edges.first().copied().unwrap_or(1.0);
    Ok(counts_and_rank(net, lambda_edges, omega2_edges, lo, Ordering::default())?.0)
}

/// rank(S): the number of λ of A above `threshold` (far below any physical eigenvalue):
/// without a factorization where every bond is repulsive ([`super::repulsive_rank`]; the
/// caller must factorize the pinned Hessian, as the sparse route does), else by one inertia
/// count.
pub fn bond_rank<const D: usize>(
    net: &Network<D>,
    threshold: f64,
    ordering: Ordering,
) -> Result<usize> {
    if let Some(rank) = super::repulsive_rank(net, threshold) {
        return Ok(rank);
    }
    let mut c = InertiaCounter::new(net, &net.hessian_pinned()?, &net.k_pinned()?, ordering)?;
    c.negative_count_par(-1.0 / threshold, faer::get_global_parallelism())
}

#[cfg(test)]
mod tests {
    use super::monotone_values;
    use proptest::prelude::*;

    proptest! {
        /// Adaptive evaluation returns exactly the direct values of any monotone step function,
        /// and evaluates each point at most once.
        #[test]
        fn adaptive_slicing_equals_direct_evaluation(
            steps in proptest::collection::vec(0usize..4, 1..40),
            increasing in any::<bool>(),
        ) {
            // a monotone function with many flat runs (steps of 0)
            let mut f: Vec<usize> = steps.iter().scan(0usize, |acc, s| { *acc += s; Some(*acc) }).collect();
            let top = *f.last().unwrap();
            if !increasing {
                f.reverse();
            }
            let (left, right) = if increasing { (Some(0), Some(top)) } else { (None, Some(0)) };
            let mut seen = vec![0usize; f.len()];
            let got = monotone_values(f.len(), left, right, |idx| {
                Ok(idx.iter().map(|&i| { seen[i] += 1; f[i] }).collect())
            }).unwrap();
            prop_assert_eq!(&got, &f);
            prop_assert!(seen.iter().all(|&c| c <= 1));
        }
    }

    #[test]
    fn flat_regions_are_not_evaluated() {
        // 31 edges, the spectrum covering only 5 of them
        let f: Vec<usize> = (0..31)
            .map(|i: usize| i.saturating_sub(20).min(5))
            .collect();
        let mut evals = 0;
        let got = monotone_values(31, Some(0), Some(5), |idx| {
            evals += idx.len();
            Ok(idx.iter().map(|&i| f[i]).collect())
        })
        .unwrap();
        assert_eq!(got, f);
        assert!(evals < 20, "{evals} evaluations");
    }
}
