//! The SWAP Monte Carlo chain [`SwapMc`]: positions, sizes, the running energy and the random
//! stream; the moves (displacements, size swaps, the Metropolis rule) and the local energies
//! they need, summed over the per-particle neighbour lists (kept up to date in `lists`).
//!
//! Particles are stored internally in spatial order, each position beside its size, so that
//! neighbours sit close in memory; the accessors return them in the caller's order.

use rand::{Rng as _, RngCore as _};

use super::SwapOptions;
use super::diagnostics::MoveStats;
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::{LANES, PairPotential};
use crate::neighbours::MovableCells;
use crate::rng::Rng;

/// A particle's position and size side by side (one cache line per neighbour in the loops).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(super) struct Site<const D: usize> {
    pub(super) x: [f64; D],
    pub(super) s: f64,
}

/// The Monte Carlo state: positions, sizes, neighbour lists and the running energy.
///
/// The fields visible to the parent module are the neighbour-list state that `lists` maintains.
pub struct SwapMc<'p, const D: usize, P: PairPotential> {
    pot: &'p P,
    pub(super) simbox: SimBox<D>,
    half: [f64; D],
    pub(super) site: Vec<Site<D>>,
    /// Internal index of each of the caller's particles.
    inverse: Vec<u32>,
    /// (R(s_i) + 2h)², the squared reference distance beyond which i's partners cannot interact.
    bound2: Vec<f64>,
    pub(super) refp: Vec<[f64; D]>,
    disp: Vec<[f64; D]>,
    h: f64,
    reref2: f64,
    pub(super) r_list: f64,
    pub(super) cells: MovableCells<D>,
    pub(super) cap: usize,
    /// Neighbour indices, `cap` slots per particle, sorted by reference distance.
    pub(super) nbr: Vec<u32>,
    /// Squared reference distances of the entries of `nbr` (rounded up).
    pub(super) nd: Vec<f32>,
    pub(super) cnt: Vec<u32>,
    pub(super) scratch: Vec<(f32, u32)>,
    /// `slot[i]`: the rank of particle i's size in `sorted`; `holder[k]`: the particle at rank k.
    slot: Vec<u32>,
    holder: Vec<u32>,
    /// The ranks `win[k].0..win[k].1` hold the sizes within the swap window of `sorted[k]`
    /// (rank k itself included).
    win: Vec<(u32, u32)>,
    beta: f64,
    delta: f64,
    /// Swap probability as a threshold on 32 random bits.
    p_swap32: u64,
    energy: f64,
    rng: Rng,
    pub(super) stats: MoveStats,
}

const NONE: u32 = u32::MAX;

/// A coordinate far outside any box: padding lanes and skipped partners sit there, so their
/// pair energy is 0 (beyond every cutoff) without a branch.
const FAR: f64 = 1e30;

/// An accepted move farther than this fraction of h from the reference renews the reference.
const REREF: f64 = 0.9;

impl<'p, const D: usize, P: PairPotential> SwapMc<'p, D, P> {
    /// A chain at `temperature` from the given configuration (positions are wrapped).
    pub fn new(
        pot: &'p P,
        simbox: SimBox<D>,
        positions: &[[f64; D]],
        sizes: &[f64],
        opt: &SwapOptions,
        rng: Rng,
    ) -> Result<Self> {
        opt.check()?;
        if positions.len() != sizes.len() || positions.len() < 2 {
            return Err(Error::Invalid(
                "Monte Carlo needs at least 2 particles with one size each".into(),
            ));
        }
        if positions.len() >= NONE as usize {
            return Err(Error::Invalid("too many particles".into()));
        }
        let smax = sizes.iter().copied().fold(0.0, f64::max);
        let smin = sizes.iter().copied().fold(f64::INFINITY, f64::min);
        let r_max = pot.max_reach(smax);
        // a small box takes a thinner skin (more list updates) rather than being refused
        crate::neighbours::check_box(&simbox, r_max)?;
        let h = opt
            .half_skin
            .min(0.49 * (0.5 * simbox.min_length() - r_max));
        let r_list = r_max + 2.0 * h;
        let wrapped: Vec<[f64; D]> = positions.iter().map(|p| simbox.wrap(p)).collect();
        // store particles in spatial order (cells of edge ≈ 1) so that neighbours sit close in
        // memory; `order[k]` is the caller's index of internal particle k
        let fine = MovableCells::new(&simbox, 1.0, &wrapped);
        let mut order: Vec<u32> = (0..wrapped.len() as u32).collect();
        order.sort_by_key(|&i| (fine.cell_of(i as usize), i));
        let mut inverse = vec![0u32; order.len()];
        for (k, &o) in order.iter().enumerate() {
            inverse[o as usize] = k as u32;
        }
        let pos: Vec<[f64; D]> = order.iter().map(|&o| wrapped[o as usize]).collect();
        let sizes: Vec<f64> = order.iter().map(|&o| sizes[o as usize]).collect();
        let half = std::array::from_fn(|k| 0.5 * simbox.lengths[k]);
        let cells = MovableCells::new(&simbox, r_list, &pos);
        let bound2 = sizes
            .iter()
            .map(|&s| {
                let b = pot.reach_bound(s, smin, smax).min(r_max) + 2.0 * h;
                b * b * (1.0 + 1e-6)
            })
            .collect();
        let (slot, holder, win) = size_ranks(&sizes, opt.swap_window);
        let mut mc = Self {
            pot,
            simbox,
            half,
            site: pos
                .iter()
                .zip(&sizes)
                .map(|(&x, &s)| Site { x, s })
                .collect(),
            bound2,
            inverse,
            refp: pos.clone(),
            disp: vec![[0.0; D]; pos.len()],
            h,
            reref2: (REREF * h).powi(2),
            r_list,
            cells,
            cap: 0,
            nbr: Vec::new(),
            nd: Vec::new(),
            cnt: Vec::new(),
            scratch: Vec::new(),
            slot,
            holder,
            win,
            beta: 1.0 / opt.temperature,
            delta: opt.initial_delta,
            p_swap32: (opt.swap_probability * 4_294_967_296.0).round() as u64,
            energy: 0.0,
            rng,
            stats: MoveStats::default(),
        };
        mc.rebuild();
        mc.energy = mc.total_energy();
        Ok(mc)
    }

    /// Minimum-image squared distance; positions are wrapped, so one shift suffices.
    #[inline(always)]
    pub(super) fn dist2(&self, a: &[f64; D], b: &[f64; D]) -> f64 {
        let mut r2 = 0.0;
        for k in 0..D {
            // branch-free minimum image (neighbours straddle the boundary unpredictably)
            let d = b[k] - a[k];
            let l = self.simbox.lengths[k];
            let up = if d < -self.half[k] { l } else { 0.0 };
            let down = if d > self.half[k] { l } else { 0.0 };
            let d = d + up - down;
            r2 += d * d;
        }
        r2
    }

    /// The minimum-image squared distances from `x` to the partners in `lx` (branch-free, as
    /// [`Self::dist2`] lane by lane).
    #[inline(always)]
    fn dist2_lanes(&self, x: &[f64; D], lx: &[[f64; LANES]; D]) -> [f64; LANES] {
        let mut r2 = [0.0; LANES];
        for k in 0..D {
            let (l, h) = (self.simbox.lengths[k], self.half[k]);
            for (r, &xj) in r2.iter_mut().zip(&lx[k]) {
                let d = xj - x[k];
                let up = if d < -h { l } else { 0.0 };
                let down = if d > h { l } else { 0.0 };
                let d = d + up - down;
                *r += d * d;
            }
        }
        r2
    }

    /// Positions and sizes of the partners `list[k0..k0 + LANES]` (past the end, and partner
    /// `skip`, far away).
    #[inline(always)]
    fn gather(&self, list: &[u32], k0: usize, skip: u32) -> ([[f64; LANES]; D], [f64; LANES]) {
        let mut lx = [[FAR; LANES]; D];
        let mut ls = [1.0; LANES];
        for l in 0..LANES {
            if let Some(&j) = list.get(k0 + l) {
                let sj = &self.site[j as usize];
                let keep = j != skip;
                for k in 0..D {
                    lx[k][l] = if keep { sj.x[k] } else { FAR };
                }
                ls[l] = sj.s;
            }
        }
        (lx, ls)
    }

    /// i's list entries within squared reference distance `bound2`.
    #[inline(always)]
    fn candidates(&self, i: usize, bound2: f64) -> &[u32] {
        let base = i * self.cap;
        let n = self.cnt[i] as usize;
        let m = self.nd[base..base + n].partition_point(|&d| d as f64 <= bound2);
        &self.nbr[base..base + m]
    }

    /// Σ_j u(r_ij; s_a) and Σ_j u(r_ij; s_b) over i's candidates within `bound2` at position
    /// `x`, partner `skip` left out (a size swap).
    #[inline(always)]
    fn local_energy2(
        &self,
        i: usize,
        x: &[f64; D],
        sa: f64,
        sb: f64,
        skip: u32,
        bound2: f64,
    ) -> (f64, f64, usize) {
        let list = self.candidates(i, bound2);
        let (mut ea, mut eb) = ([0.0; LANES], [0.0; LANES]);
        for k0 in (0..list.len()).step_by(LANES) {
            let (lx, ls) = self.gather(list, k0, skip);
            let r2 = self.dist2_lanes(x, &lx);
            let ua = self.pot.energy_r2_lanes(r2, sa, ls);
            let ub = self.pot.energy_r2_lanes(r2, sb, ls);
            for l in 0..LANES {
                ea[l] += ua[l];
                eb[l] += ub[l];
            }
        }
        (lane_sum(&ea), lane_sum(&eb), list.len())
    }

    /// Σ_j u(r_ij) over i's candidates at position `x`.
    #[inline(always)]
    fn local_energy(&self, i: usize, x: &[f64; D]) -> (f64, usize) {
        let list = self.candidates(i, self.bound2[i]);
        let s = self.site[i].s;
        let mut e = [0.0; LANES];
        for k0 in (0..list.len()).step_by(LANES) {
            let (lx, ls) = self.gather(list, k0, NONE);
            let u = self.pot.energy_r2_lanes(self.dist2_lanes(x, &lx), s, ls);
            for l in 0..LANES {
                e[l] += u[l];
            }
        }
        (lane_sum(&e), list.len())
    }

    /// Σ_j u(r_ij) over i's candidates at positions `a` and `b` (one pass over the neighbours).
    #[inline(always)]
    fn local_energy_move(&self, i: usize, a: &[f64; D], b: &[f64; D]) -> (f64, f64, usize) {
        let list = self.candidates(i, self.bound2[i]);
        let s = self.site[i].s;
        let (mut ea, mut eb) = ([0.0; LANES], [0.0; LANES]);
        for k0 in (0..list.len()).step_by(LANES) {
            let (lx, ls) = self.gather(list, k0, NONE);
            let ua = self.pot.energy_r2_lanes(self.dist2_lanes(a, &lx), s, ls);
            let ub = self.pot.energy_r2_lanes(self.dist2_lanes(b, &lx), s, ls);
            for l in 0..LANES {
                ea[l] += ua[l];
                eb[l] += ub[l];
            }
        }
        (lane_sum(&ea), lane_sum(&eb), list.len())
    }

    /// Energy of particle `i` moved to `x` farther than h from its reference, from the grid.
    fn far_energy(&self, i: usize, x: &[f64; D]) -> (f64, usize) {
        let s = self.site[i].s;
        let c = self.cells.index(&self.simbox, x);
        let mut e = 0.0;
        let mut pairs = 0;
        for &cc in self.cells.stencil(c) {
            for &j in self.cells.members(cc as usize) {
                let j = j as usize;
                if j != i {
                    let sj = &self.site[j];
                    e += self.pot.energy_r2(self.dist2(x, &sj.x), s, sj.s);
                    pairs += 1;
                }
            }
        }
        (e, pairs)
    }

    /// A uniform integer in `0..n` (n ≥ 1) from the 32 random bits `x`, exactly uniform
    /// (Lemire's multiply-and-reject; a rejection draws again).
    #[inline(always)]
    fn below(&mut self, x: u32, n: u32) -> u32 {
        let mut m = x as u64 * n as u64;
        if (m as u32) < n {
            let t = n.wrapping_neg() % n;
            while (m as u32) < t {
                m = (self.rng.next_u32() as u64) * n as u64;
            }
        }
        (m >> 32) as u32
    }

    /// One displacement attempt of a random particle; `x` is 32 random bits.
    #[inline(always)]
    fn displacement(&mut self, x: u32) {
        self.stats.displacement_attempts += 1;
        let n = self.site.len() as u32;
        let i = self.below(x, n) as usize;
        let old = self.site[i].x;
        // the D step components from one 64-bit draw, `bits` bits each, on the grid
        // (2m + 1)/2^bits − 1 (m = 0..2^bits − 1), which is exactly symmetric about 0
        let bits = (64 / D).min(32) as u32;
        let scale = 2.0 / (1u64 << bits) as f64;
        let mut r = self.rng.next_u64();
        let mut p = old;
        let mut step = [0.0; D];
        for k in 0..D {
            let m = r & ((1u64 << bits) - 1);
            r >>= bits;
            step[k] = self.delta * ((m as f64 + 0.5) * scale - 1.0);
            let l = self.simbox.lengths[k];
            let mut v = p[k] + step[k];
            if v >= l {
                v -= l;
            } else if v < 0.0 {
                v += l;
            }
            if v >= l {
                v = 0.0;
            }
            p[k] = v;
        }
        let far = self.dist2(&p, &self.refp[i]) >= self.h * self.h;
        let (e_old, e_new) = if far {
            self.stats.far_trials += 1;
            let (eo, a) = self.local_energy(i, &old);
            let (en, b) = self.far_energy(i, &p);
            self.stats.pair_evaluations += (a + b) as u64;
            (eo, en)
        } else {
            let (eo, en, a) = self.local_energy_move(i, &old, &p);
            self.stats.pair_evaluations += 2 * a as u64;
            (eo, en)
        };
        let de = e_new - e_old;
        if self.metropolis(de) {
            self.stats.displacement_accepted += 1;
            self.site[i].x = p;
            for k in 0..D {
                self.disp[i][k] += step[k];
            }
            self.energy += de;
            if far || self.dist2(&p, &self.refp[i]) > self.reref2 {
                self.update_reference(i);
            }
        }
    }

    /// One size-swap attempt: i uniform, then j uniform among the other particles whose size
    /// lies within the swap window of i's; `x` is 32 random bits.
    ///
    /// The number of candidates c(λ) depends only on i's size λ (the multiset of sizes is
    /// conserved), so the pair {i, j} with sizes (a, b) is proposed with probability
    /// (1/c(a) + 1/c(b))/N (i first or j first), and the reverse swap, from sizes (b, a), with
    /// the same probability: the proposal is symmetric and plain Metropolis is exact.
    #[inline(always)]
    fn swap(&mut self, x: u32) {
        self.stats.swap_attempts += 1;
        let n = self.site.len() as u32;
        let i = self.below(x, n) as usize;
        let ki = self.slot[i];
        let (lo, hi) = self.win[ki as usize];
        let c = hi - lo - 1;
        if c == 0 {
            return;
        }
        let r = self.rng.next_u32();
        let mut kj = lo + self.below(r, c);
        if kj >= ki {
            kj += 1;
        }
        let j = self.holder[kj as usize] as usize;
        let (si, sj) = (self.site[i].s, self.site[j].s);
        let b = self.bound2[i].max(self.bound2[j]);
        let (xi, xj) = (self.site[i].x, self.site[j].x);
        let (ei_old, ei_new, a) = self.local_energy2(i, &xi, si, sj, j as u32, b);
        let (ej_old, ej_new, bb) = self.local_energy2(j, &xj, sj, si, i as u32, b);
        self.stats.pair_evaluations += 2 * (a + bb) as u64;
        let de = (ei_new + ej_new) - (ei_old + ej_old);
        if self.metropolis(de) {
            self.stats.swap_accepted += 1;
            self.site[i].s = sj;
            self.site[j].s = si;
            self.bound2.swap(i, j);
            self.slot.swap(i, j);
            self.holder.swap(ki as usize, kj as usize);
            self.energy += de;
        }
    }

    #[inline(always)]
    fn metropolis(&mut self, de: f64) -> bool {
        de <= 0.0 || self.rng.random::<f64>() < (-self.beta * de).exp()
    }

    /// One attempt: a swap with probability `swap_probability`, else a displacement.
    pub fn attempt(&mut self) {
        self.attempt_inline();
    }

    #[inline(always)]
    fn attempt_inline(&mut self) {
        // one 64-bit draw picks the kind of move (high half) and the particle (low half)
        let r = self.rng.next_u64();
        if (r >> 32) < self.p_swap32 {
            self.swap(r as u32);
        } else {
            self.displacement(r as u32);
        }
    }

    /// One sweep: N attempts.
    ///
    /// On x86-64 CPUs with AVX2 the sweep is compiled for AVX2 (four pairs per instruction);
    /// the arithmetic is the same IEEE operations in the same order (no fused multiply-add),
    /// so the chain is bitwise identical with and without it.
    pub fn sweep(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above
            unsafe { self.sweep_avx2() };
            return;
        }
        self.sweep_plain();
    }

    /// [`Self::sweep`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn sweep_avx2(&mut self) {
        for _ in 0..self.site.len() {
            self.attempt_inline();
        }
    }

    /// [`Self::sweep`] for the baseline instruction set.
    fn sweep_plain(&mut self) {
        for _ in 0..self.site.len() {
            self.attempt_inline();
        }
    }

    /// [`Self::sweep`] without the AVX2 path (tests that both give the same chain).
    #[doc(hidden)]
    pub fn sweep_baseline(&mut self) {
        self.sweep_plain();
    }

    /// The running (incrementally updated) total energy.
    pub fn energy(&self) -> f64 {
        self.energy
    }

    /// The total energy recomputed from scratch over the neighbour lists.
    pub fn total_energy(&self) -> f64 {
        let mut e = 0.0;
        for (i, si) in self.site.iter().enumerate() {
            let base = i * self.cap;
            for &j in &self.nbr[base..base + self.cnt[i] as usize] {
                let j = j as usize;
                if j > i {
                    let sj = &self.site[j];
                    e += self.pot.energy_r2(self.dist2(&si.x, &sj.x), si.s, sj.s);
                }
            }
        }
        e
    }

    /// Replaces the running energy by the recomputed one; returns the discrepancy.
    pub fn resync_energy(&mut self) -> f64 {
        let e = self.total_energy();
        let err = (e - self.energy).abs();
        self.energy = e;
        err
    }

    /// Current positions (wrapped into the box), in the caller's particle order.
    pub fn positions(&self) -> impl ExactSizeIterator<Item = [f64; D]> + '_ {
        self.inverse.iter().map(|&k| self.site[k as usize].x)
    }

    /// Current sizes, in the caller's particle order.
    pub fn sizes(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        self.inverse.iter().map(|&k| self.site[k as usize].s)
    }

    /// Cumulative (unwrapped) displacement of every particle since the start, in the caller's
    /// particle order.
    pub fn displacements(&self) -> impl ExactSizeIterator<Item = [f64; D]> + '_ {
        self.inverse.iter().map(|&k| self.disp[k as usize])
    }

    /// Move and list statistics so far.
    pub fn stats(&self) -> MoveStats {
        self.stats
    }

    /// The displacement half-width δ.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// Mean number of neighbour-list entries a displacement scans (pair evaluations per trial
    /// position), over the current sizes.
    pub fn mean_candidates(&self) -> f64 {
        let total: usize = (0..self.site.len())
            .map(|i| {
                let base = i * self.cap;
                self.nd[base..base + self.cnt[i] as usize]
                    .iter()
                    .take_while(|&&d| d as f64 <= self.bound2[i])
                    .count()
            })
            .sum();
        total as f64 / self.site.len() as f64
    }

    /// The half-skin h of the lists (the requested one, thinner in a small box).
    pub fn half_skin(&self) -> f64 {
        self.h
    }

    /// Sets δ (capped so that a trial never leaves the half-box).
    pub fn set_delta(&mut self, delta: f64) {
        let cap = 0.25 * self.simbox.min_length();
        self.delta = delta.clamp(1e-5, cap);
    }
}

/// The sum of the lanes of an accumulator, in a fixed order.
#[inline(always)]
fn lane_sum(a: &[f64; LANES]) -> f64 {
    (a[0] + a[1]) + (a[2] + a[3])
}

/// The rank of each particle's size and the particle at each rank (sizes in increasing
/// order, ties by index), and for each rank the ranks whose sizes differ from its own by less
/// than `window` (itself included): a contiguous range, the same for equal sizes.
#[allow(clippy::type_complexity)]
fn size_ranks(sizes: &[f64], window: f64) -> (Vec<u32>, Vec<u32>, Vec<(u32, u32)>) {
    let mut holder: Vec<u32> = (0..sizes.len() as u32).collect();
    holder.sort_by(|&a, &b| {
        sizes[a as usize]
            .total_cmp(&sizes[b as usize])
            .then(a.cmp(&b))
    });
    let mut slot = vec![0u32; sizes.len()];
    for (k, &i) in holder.iter().enumerate() {
        slot[i as usize] = k as u32;
    }
    let sorted: Vec<f64> = holder.iter().map(|&i| sizes[i as usize]).collect();
    let win = sorted
        .iter()
        .map(|&s| {
            let lo = sorted.partition_point(|&t| s - t >= window);
            let hi = sorted.partition_point(|&t| t - s < window);
            (lo as u32, hi as u32)
        })
        .collect();
    (slot, holder, win)
}
