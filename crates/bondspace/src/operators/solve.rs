//! Block triangular solves with the supernodal factor L of [`super::factor::PinnedCholesky`],
//! parallel over its elimination tree: x ← L⁻¹ x and x ← L⁻ᵀ x for a block of columns.
//!
//! faer's supernodal solve runs over the supernodes one after the other on one thread, each
//! step a general matrix product that packs its block of L first; it is bound by its
//! overheads, not by the bandwidth (at N = 20 000, 16 columns, a pair of solves: 0.29 s on one
//! thread, 0.27 s as two concurrent tasks of 8 columns, each of which reads all of L). Here
//! one pass over L serves the whole block on all threads (0.12–0.14 s):
//!
//! - the elimination tree is cut (`SolvePlan`) into a *top* (the separators near the root)
//!   and disjoint subtrees below it, dealt into [`GROUPS`] groups of about equal work;
//! - the right-hand sides of a supernode are gathered into rows of [`WIDTH`] = 16 values, and
//!   the products with L are skinny kernels that stream L once without packing (8 × 16 tiles
//!   in registers, AVX-512F where the CPU has it, with the bits of the plain version); the
//!   diagonal blocks are solved in panels of 128 columns;
//! - L⁻¹: the groups run concurrently, each over its supernodes in ascending order; an update
//!   of a row of its own subtrees goes straight into x, an update of a top row into the
//!   group's own buffer. The buffers are then added to x in group order, and the top
//!   supernodes follow in ascending order, each with its products parallel inside (fixed
//!   chunks of rows, or of columns of L for the transposed products);
//! - L⁻ᵀ: the same in reverse, the top first; the groups then only read the top rows.
//!
//! The cut, the groups and the order of every sum depend on the factor alone, never on the
//! number of threads, so the result has the same bits for any thread count (tested).

use faer::Par;
use faer::sparse::linalg::cholesky::supernodal::SymbolicSupernodalCholesky;
use rayon::prelude::*;

/// Groups of subtrees solved concurrently (a fixed count, independent of the threads).
pub const GROUPS: usize = 8;

/// The tree is cut until no subtree below the top holds more than 1 / `SPLIT` of L.
const SPLIT: usize = 64;

/// Top supernodes with at least this many entries × columns use parallel dense kernels.
const PAR_MIN: usize = 1 << 16;

const NONE: usize = usize::MAX;

/// The cut of the supernodal elimination tree into a top and groups of subtrees.
#[derive(Clone, Debug)]
pub(crate) struct SolvePlan {
    /// Supernodes of each group, ascending.
    groups: Vec<Vec<usize>>,
    /// Top supernodes, ascending.
    top: Vec<usize>,
    /// First row of each top supernode (ascending, so the top rows are a union of ranges).
    top_rows: Vec<usize>,
    /// Row → index among the top rows, or `NONE`.
    top_local: Vec<usize>,
    /// Largest number of rows below a supernode's diagonal block.
    max_pattern: usize,
}

/// Workspace of one group (or of the top): its updates of the top rows, and one supernode's
/// right-hand sides and products, row-major.
#[derive(Debug)]
struct GroupWork {
    buf: Vec<Row>,
    xr: Vec<Row>,
    t: Vec<Row>,
}

/// Workspace of the block solves (allocated once, used for any number of columns).
#[derive(Debug)]
pub struct SolveWork {
    groups: Vec<GroupWork>,
    top: GroupWork,
}

/// x as a shared pointer for the groups' disjoint writes.
#[derive(Clone, Copy)]
struct Shared(*mut f64);
// SAFETY: the groups write disjoint rows of x (their own supernodes' columns) and only read
// rows of their own subtrees or of the top, which nobody writes meanwhile (see the callers).
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// The pointer (a method, so that closures capture the whole `Shared`).
    fn at(self, i: usize) -> *mut f64 {
        // SAFETY: callers pass offsets inside x (row < m, column < k)
        unsafe { self.0.add(i) }
    }
}

/// One supernode: its first column, its column count, its pattern below the diagonal block
/// and its values ((c + r) × c, column-major).
struct Node<'a> {
    start: usize,
    ncols: usize,
    pattern: &'a [usize],
    values: &'a [f64],
}

fn node<'a>(sym: &'a SymbolicSupernodalCholesky<usize>, values: &'a [f64], s: usize) -> Node<'a> {
    let (b, e) = (sym.supernode_begin()[s], sym.supernode_end()[s]);
    let cp = sym.col_ptr_for_row_idx();
    let cv = sym.col_ptr_for_val();
    Node {
        start: b,
        ncols: e - b,
        pattern: &sym.row_idx()[cp[s]..cp[s + 1]],
        values: &values[cv[s]..cv[s + 1]],
    }
}

impl SolvePlan {
    /// The cut of the tree of `sym` (see the module docs).
    pub(crate) fn new(sym: &SymbolicSupernodalCholesky<usize>) -> Self {
        let ns = sym.n_supernodes();
        let n = sym.nrows();
        let (begin, end) = (sym.supernode_begin(), sym.supernode_end());
        let cp = sym.col_ptr_for_row_idx();
        let rows = sym.row_idx();
        let mut owner = vec![0usize; n];
        for s in 0..ns {
            owner[begin[s]..end[s]].iter_mut().for_each(|o| *o = s);
        }
        // the parent is the supernode of the first row below the diagonal block; a parent
        // always comes after its children, so one ascending pass sums the subtrees
        let mut children = vec![Vec::new(); ns];
        let mut weight = vec![0usize; ns];
        let mut roots = Vec::new();
        let mut max_pattern = 0;
        for s in 0..ns {
            let (c, r) = (end[s] - begin[s], cp[s + 1] - cp[s]);
            max_pattern = max_pattern.max(r);
            weight[s] += c * (c + 1) / 2 + r * c;
            match rows[cp[s]..cp[s + 1]].first() {
                Some(&row) => {
                    let p = owner[row];
                    children[p].push(s);
                    weight[p] += weight[s];
                }
                None => roots.push(s),
            }
        }
        let total: usize = roots.iter().map(|&s| weight[s]).sum();
        let limit = total / SPLIT;
        let mut heap: std::collections::BinaryHeap<(usize, usize)> =
            roots.iter().map(|&s| (weight[s], s)).collect();
        let mut top = Vec::new();
        while let Some(&(w, s)) = heap.peek() {
            if w <= limit {
                break;
            }
            heap.pop();
            top.push(s);
            heap.extend(children[s].iter().map(|&c| (weight[c], c)));
        }
        // the subtrees, heaviest first, dealt to the least loaded group
        let subtrees = heap.into_sorted_vec();
        let mut load = [0usize; GROUPS];
        let mut groups = vec![Vec::new(); GROUPS];
        for &(w, s) in subtrees.iter().rev() {
            let g = (0..GROUPS).min_by_key(|&g| (load[g], g)).unwrap_or(0);
            load[g] += w;
            let mut stack = vec![s];
            while let Some(t) = stack.pop() {
                groups[g].push(t);
                stack.extend(&children[t]);
            }
        }
        groups.iter_mut().for_each(|g| g.sort_unstable());
        groups.retain(|g| !g.is_empty());
        top.sort_unstable();
        let mut top_local = vec![NONE; n];
        let mut top_rows = Vec::with_capacity(top.len());
        let mut k = 0;
        for &s in &top {
            top_rows.push(k);
            for row in begin[s]..end[s] {
                top_local[row] = k;
                k += 1;
            }
        }
        Self {
            groups,
            top,
            top_rows,
            top_local,
            max_pattern,
        }
    }

    /// (groups, top supernodes).
    pub(crate) fn shape(&self) -> (usize, usize) {
        (self.groups.len(), self.top.len())
    }

    fn n_top_rows(&self, sym: &SymbolicSupernodalCholesky<usize>) -> usize {
        self.top
            .iter()
            .map(|&s| sym.supernode_end()[s] - sym.supernode_begin()[s])
            .sum()
    }

    /// A workspace for the block solves.
    pub(crate) fn work(&self, sym: &SymbolicSupernodalCholesky<usize>) -> SolveWork {
        let nt = self.n_top_rows(sym);
        let max_c = (0..sym.n_supernodes())
            .map(|s| sym.supernode_end()[s] - sym.supernode_begin()[s])
            .max()
            .unwrap_or(0);
        let one = || GroupWork {
            buf: vec![[0.0; WIDTH]; nt],
            xr: vec![[0.0; WIDTH]; max_c],
            t: vec![[0.0; WIDTH]; self.max_pattern],
        };
        SolveWork {
            groups: self.groups.iter().map(|_| one()).collect(),
            top: one(),
        }
    }

    /// x ← L⁻¹ x for the column-major block `x` (m rows), [`WIDTH`] columns per pass.
    pub(crate) fn l_solve(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        x: &mut [f64],
        work: &mut SolveWork,
        par: Par,
    ) {
        let m = sym.nrows();
        assert!(x.len().is_multiple_of(m.max(1)));
        let k = x.len() / m.max(1);
        let par = !matches!(par, Par::Seq);
        for j0 in (0..k).step_by(WIDTH) {
            let w = WIDTH.min(k - j0);
            self.l_solve_pass(sym, values, &mut x[j0 * m..(j0 + w) * m], w, work, par);
        }
    }

    fn l_solve_pass(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        x: &mut [f64],
        w: usize,
        work: &mut SolveWork,
        par: bool,
    ) {
        let m = sym.nrows();
        let xp = Shared(x.as_mut_ptr());
        let top_local = &self.top_local;
        self.groups
            .par_iter()
            .zip(work.groups.par_iter_mut())
            .for_each(|(group, gw)| {
                gw.buf.iter_mut().for_each(|row| *row = [0.0; WIDTH]);
                for &s in group {
                    let nd = node(sym, values, s);
                    let (c, r) = (nd.ncols, nd.pattern.len());
                    let xr = &mut gw.xr[..c];
                    // SAFETY (the reads and writes of x below): rows start..start + c are
                    // this group's supernode s, the pattern rows are of this group's own
                    // subtrees or of the top, which go to the group's buffer instead
                    for (i, row) in xr.iter_mut().enumerate() {
                        *row = std::array::from_fn(|j| {
                            if j < w {
                                unsafe { *xp.at(nd.start + i + j * m) }
                            } else {
                                0.0
                            }
                        });
                    }
                    forward(nd.values, c, r, xr, &mut gw.t, false);
                    for (i, row) in xr.iter().enumerate() {
                        for (j, v) in row[..w].iter().enumerate() {
                            unsafe { *xp.at(nd.start + i + j * m) = *v };
                        }
                    }
                    for (&row, tv) in nd.pattern.iter().zip(&gw.t[..r]) {
                        let l = top_local[row];
                        if l == NONE {
                            for (j, v) in tv[..w].iter().enumerate() {
                                unsafe { *xp.at(row + j * m) += v };
                            }
                        } else {
                            gw.buf[l].iter_mut().zip(tv).for_each(|(b, v)| *b += v);
                        }
                    }
                }
            });
        // the groups' updates of the top rows, in group order
        for gw in &work.groups[..self.groups.len()] {
            for (i, &s) in self.top.iter().enumerate() {
                let (b, e) = (sym.supernode_begin()[s], sym.supernode_end()[s]);
                let l0 = self.top_rows[i];
                for (row, bv) in (b..e).zip(&gw.buf[l0..]) {
                    for (j, v) in bv[..w].iter().enumerate() {
                        x[row + j * m] += v;
                    }
                }
            }
        }
        let tw = &mut work.top;
        for &s in &self.top {
            let nd = node(sym, values, s);
            let (c, r) = (nd.ncols, nd.pattern.len());
            let xr = &mut tw.xr[..c];
            for (i, row) in xr.iter_mut().enumerate() {
                *row = std::array::from_fn(|j| if j < w { x[nd.start + i + j * m] } else { 0.0 });
            }
            forward(
                nd.values,
                c,
                r,
                xr,
                &mut tw.t,
                par && (c + r) * c >= PAR_MIN,
            );
            for (i, row) in xr.iter().enumerate() {
                for (j, v) in row[..w].iter().enumerate() {
                    x[nd.start + i + j * m] = *v;
                }
            }
            for (&row, tv) in nd.pattern.iter().zip(&tw.t[..r]) {
                for (j, v) in tv[..w].iter().enumerate() {
                    x[row + j * m] += v;
                }
            }
        }
    }

    /// x ← L⁻ᵀ x for the column-major block `x` (m rows), [`WIDTH`] columns per pass.
    pub(crate) fn lt_solve(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        x: &mut [f64],
        work: &mut SolveWork,
        par: Par,
    ) {
        let m = sym.nrows();
        assert!(x.len().is_multiple_of(m.max(1)));
        let k = x.len() / m.max(1);
        let par = !matches!(par, Par::Seq);
        for j0 in (0..k).step_by(WIDTH) {
            let w = WIDTH.min(k - j0);
            self.lt_solve_pass(sym, values, &mut x[j0 * m..(j0 + w) * m], w, work, par);
        }
    }

    fn lt_solve_pass(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        x: &mut [f64],
        w: usize,
        work: &mut SolveWork,
        par: bool,
    ) {
        let m = sym.nrows();
        let tw = &mut work.top;
        for &s in self.top.iter().rev() {
            let nd = node(sym, values, s);
            let (c, r) = (nd.ncols, nd.pattern.len());
            for (tv, &row) in tw.t[..r].iter_mut().zip(nd.pattern) {
                *tv = std::array::from_fn(|j| if j < w { x[row + j * m] } else { 0.0 });
            }
            let xr = &mut tw.xr[..c];
            for (i, row) in xr.iter_mut().enumerate() {
                *row = std::array::from_fn(|j| if j < w { x[nd.start + i + j * m] } else { 0.0 });
            }
            backward(nd.values, c, r, xr, &tw.t, par && (c + r) * c >= PAR_MIN);
            for (i, row) in xr.iter().enumerate() {
                for (j, v) in row[..w].iter().enumerate() {
                    x[nd.start + i + j * m] = *v;
                }
            }
        }
        let xp = Shared(x.as_mut_ptr());
        self.groups
            .par_iter()
            .zip(work.groups.par_iter_mut())
            .for_each(|(group, gw)| {
                for &s in group.iter().rev() {
                    let nd = node(sym, values, s);
                    let (c, r) = (nd.ncols, nd.pattern.len());
                    // SAFETY (the reads and writes of x below): the pattern rows are of this
                    // group's subtrees (written only by this task, before) or of the top
                    // (read-only here); rows start..start + c are this group's supernode s
                    for (tv, &row) in gw.t[..r].iter_mut().zip(nd.pattern) {
                        *tv = std::array::from_fn(|j| {
                            if j < w {
                                unsafe { *xp.at(row + j * m) }
                            } else {
                                0.0
                            }
                        });
                    }
                    let xr = &mut gw.xr[..c];
                    for (i, row) in xr.iter_mut().enumerate() {
                        *row = std::array::from_fn(|j| {
                            if j < w {
                                unsafe { *xp.at(nd.start + i + j * m) }
                            } else {
                                0.0
                            }
                        });
                    }
                    backward(nd.values, c, r, xr, &gw.t, false);
                    for (i, row) in xr.iter().enumerate() {
                        for (j, v) in row[..w].iter().enumerate() {
                            unsafe { *xp.at(nd.start + i + j * m) = *v };
                        }
                    }
                }
            });
    }
}

/// Columns of one pass of the block solves (narrower blocks are padded with zeros).
pub const WIDTH: usize = 16;

/// Panel width of the triangular solves inside a supernode's diagonal block.
const PANEL: usize = 128;

/// Columns of L per sweep of [`sub_nn`] over the rows: a tile reads one cache line of each
/// column, so a sweep reads this many columns as sequential streams, and the output rows are
/// read once per sweep. Measured at N = 20 000, L⁻¹ on 16 columns: 4 → 0.071 s, 8 → 0.050–
/// 0.055 s, 16 → 0.072 s, 32 → 0.079 s, all columns in one sweep → 0.110 s (L⁻ᵀ: 0.05 s).
const NN_COLS: usize = 8;

/// Output rows of one task of the parallel products in the top supernodes.
const ROW_CHUNK: usize = 1024;

/// Output rows (columns of L) of one task of the parallel transposed products.
const COL_CHUNK: usize = 32;

/// One row of a block of right-hand sides.
type Row = [f64; WIDTH];

/// out[i] −= Σ_p a[i + p·lda] · x[p], for i < out.len() and p < x.len().
///
/// The products of the solves are skinny (16 columns against a tall block of L): this
/// streams L once, without the packing of a general matrix product, in tiles of 8 rows × 16
/// columns kept in registers. Compiled for AVX-512F with FMA where the CPU has them (checked
/// at run time); every version fuses the same multiply-adds in the same order.
fn sub_nn(out: &mut [Row], a: &[f64], lda: usize, x: &[Row]) {
    #[cfg(target_arch = "x86_64")]
    let vector = std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma");
    for (k, xs) in x.chunks(NN_COLS).enumerate() {
        let a = &a[k * NN_COLS * lda..];
        #[cfg(target_arch = "x86_64")]
        if vector {
            // SAFETY: the CPU supports AVX-512F and FMA, checked above
            unsafe { sub_nn_avx512(out, a, lda, xs) };
            continue;
        }
        sub_nn_plain(out, a, lda, xs);
    }
}

/// [`sub_nn_plain`] in AVX-512F: an 8 × 16 tile in 16 registers (the same fused
/// multiply-adds in the same order, so the same bits).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn sub_nn_avx512(out: &mut [Row], a: &[f64], lda: usize, x: &[Row]) {
    use std::arch::x86_64::*;
    let rows = out.len();
    if rows == 0 || x.is_empty() {
        return;
    }
    assert!((x.len() - 1) * lda + rows <= a.len());
    let (ap, xp, op) = (
        a.as_ptr(),
        x.as_ptr() as *const f64,
        out.as_mut_ptr() as *mut f64,
    );
    // SAFETY: a[p·lda + i] for p < x.len(), i < rows is in bounds (asserted), x and out
    // hold WIDTH = 16 contiguous values per row
    unsafe {
        // tiles of 8 rows; the last one partial (its missing rows multiply zeros and are
        // not stored), so that every row runs 16 independent accumulator chains
        for i0 in (0..rows).step_by(8) {
            let valid = 8.min(rows - i0);
            let mut acc = [_mm512_setzero_pd(); 16];
            for p in 0..x.len() {
                let x0 = _mm512_loadu_pd(xp.add(p * WIDTH));
                let x1 = _mm512_loadu_pd(xp.add(p * WIDTH + 8));
                let col = ap.add(p * lda + i0);
                for ii in 0..8 {
                    let s = _mm512_set1_pd(if ii < valid { *col.add(ii) } else { 0.0 });
                    acc[2 * ii] = _mm512_fmadd_pd(s, x0, acc[2 * ii]);
                    acc[2 * ii + 1] = _mm512_fmadd_pd(s, x1, acc[2 * ii + 1]);
                }
            }
            for ii in 0..valid {
                let o = op.add((i0 + ii) * WIDTH);
                _mm512_storeu_pd(o, _mm512_sub_pd(_mm512_loadu_pd(o), acc[2 * ii]));
                let o = o.add(8);
                _mm512_storeu_pd(o, _mm512_sub_pd(_mm512_loadu_pd(o), acc[2 * ii + 1]));
            }
        }
    }
}

#[inline(always)]
fn sub_nn_plain(out: &mut [Row], a: &[f64], lda: usize, x: &[Row]) {
    let rows = out.len();
    let mut i0 = 0;
    while i0 + 8 <= rows {
        let mut acc = [[0.0f64; WIDTH]; 8];
        for (p, xp) in x.iter().enumerate() {
            let col: &[f64; 8] = a[p * lda + i0..p * lda + i0 + 8].try_into().unwrap();
            for ii in 0..8 {
                let s = col[ii];
                for j in 0..WIDTH {
                    acc[ii][j] = s.mul_add(xp[j], acc[ii][j]);
                }
            }
        }
        for ii in 0..8 {
            for j in 0..WIDTH {
                out[i0 + ii][j] -= acc[ii][j];
            }
        }
        i0 += 8;
    }
    for i in i0..rows {
        let mut acc = [0.0f64; WIDTH];
        for (p, xp) in x.iter().enumerate() {
            let s = a[p * lda + i];
            for j in 0..WIDTH {
                acc[j] = s.mul_add(xp[j], acc[j]);
            }
        }
        for j in 0..WIDTH {
            out[i][j] -= acc[j];
        }
    }
}

/// out[p] −= Σ_i a[i + p·lda] · t[i], for p < out.len() and i < t.len() (the transposed
/// product, tiles of 8 columns of L × 16; see [`sub_nn`]).
fn sub_tn(out: &mut [Row], a: &[f64], lda: usize, t: &[Row]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX-512F and FMA, checked just above
            unsafe { sub_tn_avx512(out, a, lda, t) };
            return;
        }
    }
    sub_tn_plain(out, a, lda, t);
}

/// [`sub_tn_plain`] in AVX-512F (8 columns of L × 16 in 16 registers; the same bits).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn sub_tn_avx512(out: &mut [Row], a: &[f64], lda: usize, t: &[Row]) {
    use std::arch::x86_64::*;
    let cols = out.len();
    let n = t.len();
    if cols == 0 || n == 0 {
        return;
    }
    assert!((cols - 1) * lda + n <= a.len());
    let (ap, tp, op) = (
        a.as_ptr(),
        t.as_ptr() as *const f64,
        out.as_mut_ptr() as *mut f64,
    );
    // SAFETY: a[p·lda + i] for p < cols, i < n is in bounds (asserted), t and out hold
    // WIDTH = 16 contiguous values per row
    unsafe {
        // tiles of 8 columns of L; the last one partial (its missing columns repeat the last
        // column and are not stored)
        for p0 in (0..cols).step_by(8) {
            let valid = 8.min(cols - p0);
            let mut acc = [_mm512_setzero_pd(); 16];
            let c: [*const f64; 8] =
                std::array::from_fn(|pp| ap.add((p0 + pp.min(valid - 1)) * lda));
            for i in 0..n {
                let x0 = _mm512_loadu_pd(tp.add(i * WIDTH));
                let x1 = _mm512_loadu_pd(tp.add(i * WIDTH + 8));
                for pp in 0..8 {
                    let s = _mm512_set1_pd(*c[pp].add(i));
                    acc[2 * pp] = _mm512_fmadd_pd(s, x0, acc[2 * pp]);
                    acc[2 * pp + 1] = _mm512_fmadd_pd(s, x1, acc[2 * pp + 1]);
                }
            }
            for pp in 0..valid {
                let o = op.add((p0 + pp) * WIDTH);
                _mm512_storeu_pd(o, _mm512_sub_pd(_mm512_loadu_pd(o), acc[2 * pp]));
                let o = o.add(8);
                _mm512_storeu_pd(o, _mm512_sub_pd(_mm512_loadu_pd(o), acc[2 * pp + 1]));
            }
        }
    }
}

#[inline(always)]
fn sub_tn_plain(out: &mut [Row], a: &[f64], lda: usize, t: &[Row]) {
    let cols = out.len();
    let n = t.len();
    let mut p0 = 0;
    while p0 + 8 <= cols {
        let mut acc = [[0.0f64; WIDTH]; 8];
        let c: [&[f64]; 8] = std::array::from_fn(|pp| &a[(p0 + pp) * lda..(p0 + pp) * lda + n]);
        for (i, ti) in t.iter().enumerate() {
            for pp in 0..8 {
                let s = c[pp][i];
                for j in 0..WIDTH {
                    acc[pp][j] = s.mul_add(ti[j], acc[pp][j]);
                }
            }
        }
        for pp in 0..8 {
            for j in 0..WIDTH {
                out[p0 + pp][j] -= acc[pp][j];
            }
        }
        p0 += 8;
    }
    for p in p0..cols {
        let mut acc = [0.0f64; WIDTH];
        let c = &a[p * lda..p * lda + n];
        for (i, ti) in t.iter().enumerate() {
            for j in 0..WIDTH {
                acc[j] = c[i].mul_add(ti[j], acc[j]);
            }
        }
        for j in 0..WIDTH {
            out[p][j] -= acc[j];
        }
    }
}

/// [`sub_nn`], in fixed row chunks in parallel when `par` (the same bits: every row is
/// computed alone).
fn sub_nn_par(out: &mut [Row], a: &[f64], lda: usize, x: &[Row], par: bool) {
    if par && out.len() > ROW_CHUNK {
        out.par_chunks_mut(ROW_CHUNK)
            .enumerate()
            .for_each(|(k, o)| sub_nn(o, &a[k * ROW_CHUNK..], lda, x));
    } else {
        sub_nn(out, a, lda, x);
    }
}

/// [`sub_tn`], in fixed column chunks in parallel when `par`.
fn sub_tn_par(out: &mut [Row], a: &[f64], lda: usize, t: &[Row], par: bool) {
    if par && out.len() > COL_CHUNK {
        out.par_chunks_mut(COL_CHUNK)
            .enumerate()
            .for_each(|(k, o)| sub_tn(o, &a[k * COL_CHUNK * lda..], lda, t));
    } else {
        sub_tn(out, a, lda, t);
    }
}

/// xr ← Ltop⁻¹ xr, then t ← −Lbot xr, for a supernode of `c` columns and `r` rows below
/// (`ls` its (c + r) × c values, column-major).
fn forward(ls: &[f64], c: usize, r: usize, xr: &mut [Row], t: &mut [Row], par: bool) {
    let lda = c + r;
    for q in (0..c).step_by(PANEL) {
        let nb = PANEL.min(c - q);
        triangle(&mut xr[q..q + nb], &ls[q * lda + q..], lda, false);
        let (head, tail) = xr.split_at_mut(q + nb);
        sub_nn_par(tail, &ls[q * lda + q + nb..], lda, &head[q..], par);
    }
    let t = &mut t[..r];
    t.iter_mut().for_each(|row| *row = [0.0; WIDTH]);
    if r > 0 {
        sub_nn_par(t, &ls[c..], lda, xr, par);
    }
}

/// xr ← Ltop⁻ᵀ (xr − Lbotᵀ t), for a supernode as in [`forward`].
fn backward(ls: &[f64], c: usize, r: usize, xr: &mut [Row], t: &[Row], par: bool) {
    let lda = c + r;
    if r > 0 {
        sub_tn_par(xr, &ls[c..], lda, &t[..r], par);
    }
    for q in (0..c.div_ceil(PANEL)).rev().map(|b| b * PANEL) {
        let nb = PANEL.min(c - q);
        let (head, tail) = xr.split_at_mut(q + nb);
        if !tail.is_empty() {
            sub_tn_par(&mut head[q..], &ls[q * lda + q + nb..], lda, tail, par);
        }
        triangle(&mut xr[q..q + nb], &ls[q * lda + q..], lda, true);
    }
}

/// x ← T⁻¹ x (or T⁻ᵀ x if `transposed`) for the lower triangle T = a[i + p·lda], i, p <
/// x.len() (a panel of a diagonal block), by substitution on the 16 columns at once.
fn triangle(x: &mut [Row], a: &[f64], lda: usize, transposed: bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX-512F and FMA, checked just above
            unsafe { triangle_avx512(x, a, lda, transposed) };
            return;
        }
    }
    triangle_plain(x, a, lda, transposed);
}

/// [`triangle_plain`] in AVX-512F (a row of 16 in two registers; the same bits).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn triangle_avx512(x: &mut [Row], a: &[f64], lda: usize, transposed: bool) {
    use std::arch::x86_64::*;
    let n = x.len();
    if n == 0 {
        return;
    }
    assert!((n - 1) * lda + n <= a.len());
    let (ap, xp) = (a.as_ptr(), x.as_mut_ptr() as *mut f64);
    // SAFETY: a[i + p·lda] for i, p < n is in bounds (asserted); x holds 16 values per row
    unsafe {
        for step in 0..n {
            let i = if transposed { n - 1 - step } else { step };
            let mut v0 = _mm512_loadu_pd(xp.add(i * WIDTH));
            let mut v1 = _mm512_loadu_pd(xp.add(i * WIDTH + 8));
            // the same terms in the same order as `triangle_plain`
            let (lo, hi) = if transposed { (i + 1, n) } else { (0, i) };
            for p in lo..hi {
                let l = if transposed {
                    *ap.add(p + i * lda)
                } else {
                    *ap.add(i + p * lda)
                };
                let s = _mm512_set1_pd(l);
                v0 = _mm512_fnmadd_pd(s, _mm512_loadu_pd(xp.add(p * WIDTH)), v0);
                v1 = _mm512_fnmadd_pd(s, _mm512_loadu_pd(xp.add(p * WIDTH + 8)), v1);
            }
            let d = _mm512_set1_pd(*ap.add(i + i * lda));
            _mm512_storeu_pd(xp.add(i * WIDTH), _mm512_div_pd(v0, d));
            _mm512_storeu_pd(xp.add(i * WIDTH + 8), _mm512_div_pd(v1, d));
        }
    }
}

#[inline(always)]
fn triangle_plain(x: &mut [Row], a: &[f64], lda: usize, transposed: bool) {
    let n = x.len();
    if transposed {
        for i in (0..n).rev() {
            let mut v = x[i];
            for p in i + 1..n {
                let l = a[p + i * lda];
                for j in 0..WIDTH {
                    v[j] = (-l).mul_add(x[p][j], v[j]);
                }
            }
            let d = a[i + i * lda];
            x[i] = v.map(|e| e / d);
        }
    } else {
        for i in 0..n {
            let mut v = x[i];
            for p in 0..i {
                let l = a[i + p * lda];
                for j in 0..WIDTH {
                    v[j] = (-l).mul_add(x[p][j], v[j]);
                }
            }
            let d = a[i + i * lda];
            x[i] = v.map(|e| e / d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, seed: usize) -> Vec<Row> {
        (0..n)
            .map(|i| {
                std::array::from_fn(|j| {
                    (((i * 31 + j * 7 + seed) * 2654435761) % 1000) as f64 / 997.0 - 0.5
                })
            })
            .collect()
    }

    fn bits(a: &[Row]) -> Vec<u64> {
        a.iter().flatten().map(|v| v.to_bits()).collect()
    }

    /// The vector kernels have the bits of the plain ones (the same fused multiply-adds in the
    /// same order), on shapes with partial tiles.
    #[test]
    fn vector_kernels_have_the_plain_bits() {
        let lda = 45;
        let a: Vec<f64> = (0..lda * 40)
            .map(|i| {
                ((i * 7 + 3) % 101) as f64 / 50.0 - 1.0 + if i % (lda + 1) == 0 { 4.0 } else { 0.0 }
            })
            .collect();
        for (no, nk) in [(19, 13), (8, 1), (3, 40), (0, 5)] {
            let x = rows(nk, 1);
            let (mut o1, mut o2) = (rows(no, 2), rows(no, 2));
            sub_nn(&mut o1, &a, lda, &x);
            for (k, xs) in x.chunks(NN_COLS).enumerate() {
                sub_nn_plain(&mut o2, &a[k * NN_COLS * lda..], lda, xs);
            }
            assert_eq!(bits(&o1), bits(&o2));
            let (mut o1, mut o2) = (rows(no, 3), rows(no, 3));
            sub_tn(&mut o1, &a, lda, &x);
            sub_tn_plain(&mut o2, &a, lda, &x);
            assert_eq!(bits(&o1), bits(&o2));
        }
        for transposed in [false, true] {
            let (mut x1, mut x2) = (rows(37, 4), rows(37, 4));
            triangle(&mut x1, &a, lda, transposed);
            triangle_plain(&mut x2, &a, lda, transposed);
            assert_eq!(bits(&x1), bits(&x2));
        }
    }
}
