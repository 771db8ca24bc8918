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
//!   in registers, AVX-512F or else AVX2 + FMA where the CPU has them, with the bits of the
//!   plain version); the diagonal blocks are solved in panels of 128 columns;
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
    /// The pointer to element `i` (a method, so that closures capture the whole `Shared`).
    ///
    /// # Safety
    /// `i` lies inside x (row < m, column < w).
    unsafe fn at(self, i: usize) -> *mut f64 {
        // SAFETY: the caller's contract
        unsafe { self.0.add(i) }
    }
}

/// A pass's columns of x: m rows, the first `w` ≤ [`WIDTH`] columns, column-major.
#[derive(Clone, Copy)]
struct Block {
    p: Shared,
    m: usize,
    w: usize,
}

impl Block {
    /// out[k] ← row `rows[k]` of x (zeros beyond column w).
    ///
    /// # Safety
    /// No other task writes these rows meanwhile.
    unsafe fn gather(self, rows: impl Iterator<Item = usize>, out: &mut [Row]) {
        for (o, row) in out.iter_mut().zip(rows) {
            // SAFETY: row < m and j < w are inside x; exclusive by the caller's contract
            *o = std::array::from_fn(|j| {
                if j < self.w {
                    unsafe { *self.p.at(row + j * self.m) }
                } else {
                    0.0
                }
            });
        }
    }

    /// Rows start.. of x ← `rows`.
    ///
    /// # Safety
    /// No other task reads or writes these rows meanwhile.
    unsafe fn put(self, start: usize, rows: &[Row]) {
        for (i, r) in rows.iter().enumerate() {
            for (j, v) in r[..self.w].iter().enumerate() {
                // SAFETY: as in `gather`
                unsafe { *self.p.at(start + i + j * self.m) = *v };
            }
        }
    }

    /// Row `row` of x += `v`.
    ///
    /// # Safety
    /// As [`Self::put`].
    unsafe fn add(self, row: usize, v: &Row) {
        for (j, v) in v[..self.w].iter().enumerate() {
            // SAFETY: as in `gather`
            unsafe { *self.p.at(row + j * self.m) += v };
        }
    }
}

/// One supernode of L⁻¹: its rows of x solved in place, its updates of the rows below left
/// in `gw.t` (to be added).
///
/// # Safety
/// No other task touches the supernode's rows of x meanwhile.
unsafe fn forward_node(xb: Block, nd: &Node<'_>, gw: &mut GroupWork, par: bool) {
    let (c, r) = (nd.ncols, nd.pattern.len());
    let xr = &mut gw.xr[..c];
    // SAFETY: the caller's contract
    unsafe { xb.gather(nd.start..nd.start + c, xr) };
    forward(nd.values, c, r, xr, &mut gw.t, par);
    unsafe { xb.put(nd.start, xr) };
}

/// One supernode of L⁻ᵀ: its rows of x solved in place from the rows below.
///
/// # Safety
/// No other task touches the supernode's rows of x, or writes the rows below, meanwhile.
unsafe fn backward_node(xb: Block, nd: &Node<'_>, gw: &mut GroupWork, par: bool) {
    let (c, r) = (nd.ncols, nd.pattern.len());
    // SAFETY: the caller's contract
    unsafe { xb.gather(nd.pattern.iter().copied(), &mut gw.t[..r]) };
    let xr = &mut gw.xr[..c];
    unsafe { xb.gather(nd.start..nd.start + c, xr) };
    backward(nd.values, c, r, xr, &gw.t, par);
    unsafe { xb.put(nd.start, xr) };
}

/// One supernode: its first column, its column count, its pattern below the diagonal block
/// and its values ((c + r) × c, column-major).
struct Node<'a> {
    start: usize,
    ncols: usize,
    pattern: &'a [usize],
    values: &'a [f64],
}

impl Node<'_> {
    /// Whether the node's products are worth splitting into parallel chunks.
    fn is_big(&self) -> bool {
        (self.ncols + self.pattern.len()) * self.ncols >= PAR_MIN
    }
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
        // the concurrent groups write disjoint rows only if every pattern row of a group's
        // supernode is of the same group or of the top (true of an elimination tree, where
        // the pattern rows are ancestors); checked, and if it ever failed, all supernodes
        // would go to the top and run one after the other
        let mut group_of = vec![NONE; ns];
        for (g, members) in groups.iter().enumerate() {
            members.iter().for_each(|&s| group_of[s] = g);
        }
        let closed = groups.iter().enumerate().all(|(g, members)| {
            members.iter().all(|&s| {
                rows[cp[s]..cp[s + 1]]
                    .iter()
                    .all(|&row| matches!(group_of[owner[row]], NONE) || group_of[owner[row]] == g)
            })
        });
        if !closed {
            top = (0..ns).collect();
            groups.clear();
        }
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
        let one = |nt: usize| GroupWork {
            buf: vec![[0.0; WIDTH]; nt],
            xr: vec![[0.0; WIDTH]; max_c],
            t: vec![[0.0; WIDTH]; self.max_pattern],
        };
        SolveWork {
            groups: self.groups.iter().map(|_| one(nt)).collect(),
            // the top adds its updates to x directly
            top: one(0),
        }
    }

    /// x ← L⁻¹ x, or x ← L⁻ᵀ x if `transposed`, for the column-major block `x` (m rows),
    /// [`WIDTH`] columns per pass.
    pub(crate) fn solve(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        x: &mut [f64],
        work: &mut SolveWork,
        par: Par,
        transposed: bool,
    ) {
        let m = sym.nrows();
        assert!(x.len().is_multiple_of(m.max(1)));
        assert_eq!(
            work.groups.len(),
            self.groups.len(),
            "a workspace of another factor"
        );
        let k = x.len() / m.max(1);
        let par = !matches!(par, Par::Seq);
        for j0 in (0..k).step_by(WIDTH) {
            let w = WIDTH.min(k - j0);
            let xb = Block {
                p: Shared(x[j0 * m..(j0 + w) * m].as_mut_ptr()),
                m,
                w,
            };
            if transposed {
                self.lt_solve_pass(sym, values, xb, work, par);
            } else {
                self.l_solve_pass(sym, values, xb, work, par);
            }
        }
    }

    /// One pass of [`Self::solve`] over the columns `xb` (which nothing else touches).
    fn l_solve_pass(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        xb: Block,
        work: &mut SolveWork,
        par: bool,
    ) {
        let top_local = &self.top_local;
        self.groups
            .par_iter()
            .zip(work.groups.par_iter_mut())
            .for_each(|(group, gw)| {
                gw.buf.iter_mut().for_each(|row| *row = [0.0; WIDTH]);
                for &s in group {
                    let nd = node(sym, values, s);
                    // SAFETY (x): rows start..start + c are this group's supernode s; the
                    // pattern rows are of this group's own subtrees, or of the top, whose
                    // updates go to the group's buffer instead
                    unsafe { forward_node(xb, &nd, gw, false) };
                    for (&row, tv) in nd.pattern.iter().zip(&gw.t) {
                        match top_local[row] {
                            NONE => unsafe { xb.add(row, tv) },
                            l => gw.buf[l].iter_mut().zip(tv).for_each(|(b, v)| *b += v),
                        }
                    }
                }
            });
        // the groups' updates of the top rows, in group order
        for gw in &work.groups {
            for (i, &s) in self.top.iter().enumerate() {
                let (b, e) = (sym.supernode_begin()[s], sym.supernode_end()[s]);
                let l0 = self.top_rows[i];
                for (row, bv) in (b..e).zip(&gw.buf[l0..]) {
                    // SAFETY: x is this function's alone again
                    unsafe { xb.add(row, bv) };
                }
            }
        }
        let tw = &mut work.top;
        for &s in &self.top {
            let nd = node(sym, values, s);
            let big = par && nd.is_big();
            // SAFETY: x is this function's alone
            unsafe { forward_node(xb, &nd, tw, big) };
            for (&row, tv) in nd.pattern.iter().zip(&tw.t) {
                unsafe { xb.add(row, tv) };
            }
        }
    }

    /// One pass of [`Self::solve`] over the columns `xb` (which nothing else touches).
    fn lt_solve_pass(
        &self,
        sym: &SymbolicSupernodalCholesky<usize>,
        values: &[f64],
        xb: Block,
        work: &mut SolveWork,
        par: bool,
    ) {
        let tw = &mut work.top;
        for &s in self.top.iter().rev() {
            let nd = node(sym, values, s);
            let big = par && nd.is_big();
            // SAFETY: x is this function's alone
            unsafe { backward_node(xb, &nd, tw, big) };
        }
        self.groups
            .par_iter()
            .zip(work.groups.par_iter_mut())
            .for_each(|(group, gw)| {
                for &s in group.iter().rev() {
                    // SAFETY (x): the pattern rows are of this group's subtrees (written only
                    // by this task, before) or of the top (read-only now); rows
                    // start..start + c are this group's supernode s
                    unsafe { backward_node(xb, &node(sym, values, s), gw, false) };
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

/// Whether the CPU has AVX-512F and FMA (checked at run time, cached by std).
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma")
}

/// Whether the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// out[i] −= Σ_p a[i + p·lda] · x[p], for i < out.len() and p < x.len().
///
/// The products of the solves are skinny (16 columns against a tall block of L): this
/// streams L once, without the packing of a general matrix product, in tiles of 8 rows × 16
/// columns kept in registers. Compiled for AVX-512F with FMA where the CPU has them (checked
/// at run time); every version fuses the same multiply-adds in the same order.
fn sub_nn(out: &mut [Row], a: &[f64], lda: usize, x: &[Row]) {
    for (k, xs) in x.chunks(NN_COLS).enumerate() {
        tiles(out, &a[k * NN_COLS * lda..], lda, 1, xs);
    }
}

/// [`tiles_avx512`] where the CPU has AVX-512F, else [`tiles_plain`] compiled for AVX2 and
/// FMA where it has those (its `mul_add` then one instruction, not a call), else plain.
fn tiles(out: &mut [Row], a: &[f64], sq: usize, sk: usize, v: &[Row]) {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512() {
            // SAFETY: the CPU supports AVX-512F and FMA, checked just above
            return unsafe { tiles_avx512(out, a, sq, sk, v) };
        }
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above
            return unsafe { tiles_avx2(out, a, sq, sk, v) };
        }
    }
    tiles_plain(out, a, sq, sk, v);
}

/// [`tiles_plain`] compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tiles_avx2(out: &mut [Row], a: &[f64], sq: usize, sk: usize, v: &[Row]) {
    tiles_plain(out, a, sq, sk, v);
}

/// acc[2k], acc[2k + 1] += s_k · (x0, x1) for the 8 multipliers of a tile, one fused
/// multiply-add per register.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
#[inline]
fn tile_fma(
    acc: &mut [std::arch::x86_64::__m512d; 16],
    s: [f64; 8],
    x0: std::arch::x86_64::__m512d,
    x1: std::arch::x86_64::__m512d,
) {
    use std::arch::x86_64::*;
    for k in 0..8 {
        let v = _mm512_set1_pd(s[k]);
        acc[2 * k] = _mm512_fmadd_pd(v, x0, acc[2 * k]);
        acc[2 * k + 1] = _mm512_fmadd_pd(v, x1, acc[2 * k + 1]);
    }
}

/// Rows k < `valid` of 16 values from `out` on: row −= (acc[2k], acc[2k + 1]).
///
/// # Safety
/// `out` points to `valid` rows of 16 values, writable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
#[inline]
unsafe fn tile_sub(acc: &[std::arch::x86_64::__m512d; 16], out: *mut f64, valid: usize) {
    use std::arch::x86_64::*;
    for k in 0..valid {
        // SAFETY: the caller's contract
        unsafe {
            let o = out.add(k * WIDTH);
            _mm512_storeu_pd(o, _mm512_sub_pd(_mm512_loadu_pd(o), acc[2 * k]));
            let o = o.add(8);
            _mm512_storeu_pd(o, _mm512_sub_pd(_mm512_loadu_pd(o), acc[2 * k + 1]));
        }
    }
}

/// The bounds of [`tiles_avx512`] and [`tiles_plain`]: the last entry read is in `a`.
fn tiles_in_bounds(a: &[f64], sq: usize, sk: usize, nb: usize, nq: usize) -> bool {
    nb == 0 || nq == 0 || (nb - 1) * sk + (nq - 1) * sq < a.len()
}

/// out[b] −= Σ_q a[q·sq + b·sk] · v[q] for b < out.len(), q < v.len(): [`sub_nn`] with
/// (sq, sk) = (lda, 1), [`sub_tn`] with (1, lda). Tiles of 8 output rows × 16 columns in 16
/// registers; the last tile partial (its missing lanes repeat the last one and are not
/// stored), so that every output row runs 16 independent chains of fused multiply-adds, in q
/// order (the bits of [`tiles_plain`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn tiles_avx512(out: &mut [Row], a: &[f64], sq: usize, sk: usize, v: &[Row]) {
    use std::arch::x86_64::*;
    if v.is_empty() {
        return;
    }
    assert!(tiles_in_bounds(a, sq, sk, out.len(), v.len()));
    let (ap, vp, op) = (
        a.as_ptr(),
        v.as_ptr() as *const f64,
        out.as_mut_ptr() as *mut f64,
    );
    for b0 in (0..out.len()).step_by(8) {
        let valid = 8.min(out.len() - b0);
        // SAFETY: every a[q·sq + b·sk] read is in bounds (asserted), v and out hold 16
        // contiguous values per row
        unsafe {
            let base: [*const f64; 8] =
                std::array::from_fn(|k| ap.add((b0 + k.min(valid - 1)) * sk));
            let mut acc = [_mm512_setzero_pd(); 16];
            for q in 0..v.len() {
                let x0 = _mm512_loadu_pd(vp.add(q * WIDTH));
                let x1 = _mm512_loadu_pd(vp.add(q * WIDTH + 8));
                tile_fma(
                    &mut acc,
                    std::array::from_fn(|k| *base[k].add(q * sq)),
                    x0,
                    x1,
                );
            }
            tile_sub(&acc, op.add(b0 * WIDTH), valid);
        }
    }
}

/// [`tiles_avx512`] for any CPU (inlined into its AVX2 version).
#[inline(always)]
fn tiles_plain(out: &mut [Row], a: &[f64], sq: usize, sk: usize, v: &[Row]) {
    assert!(tiles_in_bounds(a, sq, sk, out.len(), v.len()));
    for b0 in (0..out.len()).step_by(8) {
        let valid = 8.min(out.len() - b0);
        let base: [usize; 8] = std::array::from_fn(|k| (b0 + k.min(valid - 1)) * sk);
        let mut acc = [[0.0f64; WIDTH]; 8];
        for (q, vq) in v.iter().enumerate() {
            tile_fma_plain(&mut acc, std::array::from_fn(|k| a[base[k] + q * sq]), vq);
        }
        tile_sub_plain(&acc, &mut out[b0..b0 + valid]);
    }
}

/// The plain tile: acc[k] += s_k · v (fused, as in [`tile_fma`]).
#[inline(always)]
fn tile_fma_plain(acc: &mut [Row; 8], s: [f64; 8], v: &Row) {
    for k in 0..8 {
        for j in 0..WIDTH {
            acc[k][j] = s[k].mul_add(v[j], acc[k][j]);
        }
    }
}

/// out[k] −= acc[k] for the rows of `out` (at most 8).
#[inline(always)]
fn tile_sub_plain(acc: &[Row; 8], out: &mut [Row]) {
    for (o, a) in out.iter_mut().zip(acc) {
        o.iter_mut().zip(a).for_each(|(o, a)| *o -= a);
    }
}

/// out[p] −= Σ_i a[i + p·lda] · t[i], for p < out.len() and i < t.len() (the transposed
/// product, tiles of 8 columns of L × 16; see [`sub_nn`]).
fn sub_tn(out: &mut [Row], a: &[f64], lda: usize, t: &[Row]) {
    tiles(out, a, 1, lda, t);
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
    if has_avx512() {
        // SAFETY: the CPU supports AVX-512F and FMA, checked just above
        return unsafe { triangle_avx512(x, a, lda, transposed) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above
        return unsafe { triangle_avx2(x, a, lda, transposed) };
    }
    triangle_plain(x, a, lda, transposed);
}

/// [`triangle_plain`] compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn triangle_avx2(x: &mut [Row], a: &[f64], lda: usize, transposed: bool) {
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
                tiles_plain(&mut o2, &a[k * NN_COLS * lda..], lda, 1, xs);
            }
            assert_eq!(bits(&o1), bits(&o2));
            let (mut o1, mut o2) = (rows(no, 3), rows(no, 3));
            sub_tn(&mut o1, &a, lda, &x);
            tiles_plain(&mut o2, &a, 1, lda, &x);
            assert_eq!(bits(&o1), bits(&o2));
            #[cfg(target_arch = "x86_64")]
            if has_avx2() {
                let mut o3 = rows(no, 3);
                // SAFETY: the CPU supports AVX2 and FMA, checked just above
                unsafe { tiles_avx2(&mut o3, &a, 1, lda, &x) };
                assert_eq!(bits(&o3), bits(&o2));
            }
        }
        for transposed in [false, true] {
            let (mut x1, mut x2) = (rows(37, 4), rows(37, 4));
            triangle(&mut x1, &a, lda, transposed);
            triangle_plain(&mut x2, &a, lda, transposed);
            assert_eq!(bits(&x1), bits(&x2));
        }
    }
}
