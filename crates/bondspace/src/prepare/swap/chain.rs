//! The SWAP Monte Carlo chain [`SwapMc`]: positions, sizes, the running energy and the random
//! stream; the moves (displacements, size swaps, the Metropolis rule) and the local energies
//! they need, summed over the per-particle neighbour lists (kept up to date in `lists`).
//!
//! A displacement within h_p of its pair reference, and the present energies of a swap, are
//! summed over the *pair lists* (every partner within its own pair's reach plus 2h_p). The new
//! energies of a swap are summed over the distance-sorted outer lists, nearest partners first,
//! and stop as soon as they exceed the Metropolis threshold drawn before the move: most swaps
//! put a large size where a small one fits and are rejected after a few blocks.
//!
//! Particles are stored internally in spatial order, each position beside its size, so that
//! neighbours sit close in memory; the accessors return them in the caller's order.

use rand::{Rng as _, RngCore as _};

use super::SwapOptions;
use super::diagnostics::MoveStats;
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::lanes::{Lanes, Plain4};
use crate::models::{LANES, PairPotential};
use crate::neighbours::MovableCells;
use crate::rng::Rng;

/// A particle's position and size side by side in four f64 (32 bytes, aligned): the position
/// in `v[..D]`, the size in `v[3]` (`v[2]` is 0 in 2D). The pair kernels load four sites and
/// transpose them into coordinate and size lanes.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(32))]
pub(super) struct Site {
    pub(super) v: [f64; 4],
}

impl Site {
    #[inline(always)]
    fn new<const D: usize>(x: &[f64; D], s: f64) -> Self {
        let mut v = [0.0; 4];
        v[..D].copy_from_slice(x);
        v[3] = s;
        Site { v }
    }

    /// The position.
    #[inline(always)]
    pub(super) fn x<const D: usize>(&self) -> [f64; D] {
        std::array::from_fn(|k| self.v[k])
    }

    /// The size.
    #[inline(always)]
    pub(super) fn s(&self) -> f64 {
        self.v[3]
    }

    #[inline(always)]
    fn set_x<const D: usize>(&mut self, x: &[f64; D]) {
        self.v[..D].copy_from_slice(x);
    }
}

/// The Monte Carlo state: positions, sizes, neighbour lists and the running energy.
///
/// The fields visible to the parent module are the neighbour-list state that `lists` maintains.
pub struct SwapMc<'p, const D: usize, P: PairPotential> {
    pub(super) pot: &'p P,
    pub(super) simbox: SimBox<D>,
    half: [f64; D],
    /// 1/L per direction.
    inv_len: [f64; D],
    /// Number of particles.
    pub(super) n: usize,
    /// The particles' sites, then one sentinel far from everything (index n): list slots
    /// past a particle's entries hold n, so that the kernels read whole blocks of four.
    pub(super) site: Vec<Site>,
    /// Internal index of each of the caller's particles.
    inverse: Vec<u32>,
    /// R(s_i), the largest reach of particle i with any partner size.
    pub(super) reach: Vec<f64>,
    /// (R(s_i) + 2h)², the squared reference distance beyond which i's partners cannot interact
    /// (with a relative margin of 10⁻⁶ over the f32 list distances).
    pub(super) bound2: Vec<f64>,
    /// r_list² less that margin: bounds below it are covered by the outer lists.
    list_bound2: f64,
    /// Outer references: the positions the outer lists were built on.
    pub(super) refp: Vec<[f64; D]>,
    /// Pair references: the positions the pair lists were built on.
    pub(super) pref: Vec<[f64; D]>,
    disp: Vec<[f64; D]>,
    /// Half-skin h of the outer lists.
    pub(super) h: f64,
    reref2: f64,
    /// Half-skin h_p of the pair lists.
    pub(super) hp: f64,
    prefref2: f64,
    pub(super) r_list: f64,
    pub(super) cells: MovableCells<D>,
    pub(super) cap: usize,
    /// Neighbour indices, `cap` slots per particle, sorted by reference distance; at least
    /// [`PAD`] slots after a particle's entries hold the sentinel n.
    pub(super) nbr: Vec<u32>,
    /// Squared reference distances of the entries of `nbr` (rounded up).
    pub(super) nd: Vec<f32>,
    pub(super) cnt: Vec<u32>,
    pub(super) scratch: Vec<(f32, u32)>,
    /// Slots per particle of the pair lists.
    pub(super) pcap: usize,
    /// The pair lists: i's partners j whose pair references are closer than R(s_i, s_j) + 2h_p
    /// (the pair's own reach), `pcap` slots per particle, unordered, at least [`PAD`] sentinel
    /// slots after a particle's entries; symmetric.
    pub(super) pnbr: Vec<u32>,
    pub(super) pcnt: Vec<u32>,
    /// [`PairPotential::energy_floor`] (≤ 0).
    floor: f64,
    /// Marks of the partners while a pair list is re-derived (`lists`), and the last stamp.
    pub(super) mark: Vec<u64>,
    pub(super) stamp: u64,
    pub(super) pscratch: Vec<u32>,
    /// [`PairPotential::reach_grows_with_size`] over the sizes present.
    monotone: bool,
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
    /// The 64 random bits of the next attempt, drawn one attempt ahead so that its lists can
    /// be fetched while this one runs.
    ahead: u64,
    pub(super) stats: MoveStats,
}

const NONE: u32 = u32::MAX;

/// The sentinel site's coordinates: its distance to anything is NaN (∞ − ∞ in the nearest
/// image), which every cutoff mask rejects, so the pair energy of padding lanes and skipped
/// partners is 0 without a branch.
const FAR: f64 = f64::INFINITY;

/// Sentinel slots kept after every particle's list entries (a block of four read from the
/// last entry reaches three slots past it).
pub(super) const PAD: usize = LANES - 1;

/// An accepted move farther than this fraction of a half-skin from its reference renews that
/// reference.
const REREF: f64 = 0.9;

/// The outer lists' half-skin in units of the pair lists' h_p: wide, so that the costly
/// outer updates (a cell scan and the sorted lists of every neighbour) are rare, while the
/// pair lists that the moves sum over stay tight.
pub(super) const OUTER_SKIN: f64 = 2.0;

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
        if positions.len() >= NONE as usize - 1 {
            return Err(Error::Invalid("too many particles".into()));
        }
        if D > 3 {
            return Err(Error::Invalid(
                "Monte Carlo runs in 2 or 3 dimensions".into(),
            ));
        }
        let smax = sizes.iter().copied().fold(0.0, f64::max);
        let smin = sizes.iter().copied().fold(f64::INFINITY, f64::min);
        let r_max = pot.max_reach(smax);
        // a small box takes thinner skins (more list updates) rather than being refused
        crate::neighbours::check_box(&simbox, r_max)?;
        let hp = opt
            .half_skin
            .min(0.49 * (0.5 * simbox.min_length() - r_max) / (1.0 + OUTER_SKIN));
        let h = OUTER_SKIN * hp;
        let r_list = r_max + 2.0 * hp + 2.0 * h;
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
        let inv_len = std::array::from_fn(|k| 1.0 / simbox.lengths[k]);
        let cells = MovableCells::new(&simbox, r_list, &pos);
        let reach: Vec<f64> = sizes
            .iter()
            .map(|&s| pot.reach_bound(s, smin, smax).min(r_max))
            .collect();
        let bound2 = reach.iter().map(|&r| margin2(r + 2.0 * h)).collect();
        let (slot, holder, win) = size_ranks(&sizes, opt.swap_window);
        let mut mc = Self {
            pot,
            simbox,
            half,
            inv_len,
            n: pos.len(),
            site: pos
                .iter()
                .zip(&sizes)
                .map(|(x, &s)| Site::new(x, s))
                .chain(std::iter::once(Site::new(&[FAR; D], 1.0)))
                .collect(),
            reach,
            bound2,
            list_bound2: r_list * r_list * (1.0 - 1e-6),
            inverse,
            refp: pos.clone(),
            pref: pos.clone(),
            disp: vec![[0.0; D]; pos.len()],
            h,
            reref2: (REREF * h).powi(2),
            hp,
            prefref2: (REREF * hp).powi(2),
            r_list,
            cells,
            cap: 0,
            nbr: Vec::new(),
            nd: Vec::new(),
            cnt: Vec::new(),
            scratch: Vec::new(),
            pcap: 0,
            pnbr: Vec::new(),
            pcnt: Vec::new(),
            floor: pot.energy_floor().min(0.0),
            mark: vec![0; pos.len() + 1],
            stamp: 0,
            pscratch: Vec::new(),
            monotone: pot.reach_grows_with_size(smax),
            slot,
            holder,
            win,
            beta: 1.0 / opt.temperature,
            delta: opt.initial_delta,
            p_swap32: (opt.swap_probability * 4_294_967_296.0).round() as u64,
            energy: 0.0,
            rng,
            ahead: 0,
            stats: MoveStats::default(),
        };
        mc.ahead = mc.rng.next_u64();
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

    /// The minimum-image squared distances from `x` to four partners whose coordinates are
    /// the lanes `col[..D]`, branch-free: d − L·round(d/L) per direction (the nearest image;
    /// [`Self::dist2`] picks the same one except at exactly half a box, beyond every reach).
    #[inline(always)]
    fn dist2_lanes<V: Lanes>(&self, x: &[f64; D], col: &[V; 4]) -> V {
        let mut r2 = V::splat(0.0);
        for k in 0..D {
            let d = col[k] - V::splat(x[k]);
            let d = d - V::splat(self.simbox.lengths[k]) * (d * V::splat(self.inv_len[k])).round();
            r2 = r2 + d * d;
        }
        r2
    }

    /// The sites of the four partners `idx`, transposed into lanes: coordinates in `[..D]`,
    /// sizes in `[3]`; with `SKIP`, partner `skip` is replaced by the sentinel.
    #[inline(always)]
    fn block<V: Lanes, const SKIP: bool>(&self, idx: &[u32], skip: u32) -> [V; 4] {
        let sentinel = self.n as u32;
        let site = |l: usize| {
            let j = if SKIP && idx[l] == skip {
                sentinel
            } else {
                idx[l]
            };
            debug_assert!(j as usize <= self.n);
            // SAFETY: list slots hold particle indices or the sentinel n, and `site` has n + 1
            // entries (the lists' invariant, kept by `lists`)
            unsafe { &self.site.get_unchecked(j as usize).v }
        };
        V::transpose([site(0), site(1), site(2), site(3)])
    }

    /// The first slot of i's list and the number of its entries within squared reference
    /// distance `bound2` (the candidates); the kernels read them in blocks of four, the slots
    /// past the candidates being farther entries (zero energy) or the sentinel.
    #[inline(always)]
    fn candidates(&self, i: usize, bound2: f64) -> (usize, usize) {
        let base = i * self.cap;
        let n = self.cnt[i] as usize;
        let m = self.nd[base..base + n].partition_point(|&d| d as f64 <= bound2);
        (base, m)
    }

    /// The list slots of the blocks of four from `base` covering `m` candidates.
    #[inline(always)]
    fn slots(&self, base: usize, m: usize) -> &[u32] {
        &self.nbr[base..base + m.div_ceil(LANES) * LANES]
    }

    /// The slots of i's pair list, in blocks of four (the slots past its entries hold the
    /// sentinel), and the number of its entries.
    #[inline(always)]
    fn pair_slots(&self, i: usize) -> (&[u32], usize) {
        let base = i * self.pcap;
        let m = self.pcnt[i] as usize;
        (&self.pnbr[base..base + m.div_ceil(LANES) * LANES], m)
    }

    /// Σ_j u(r_ij) over the pair list of i at position `x` with i's size `s`, partner `skip`
    /// left out (`SKIP`; a size swap).
    #[inline(always)]
    fn pair_energy<V: Lanes, const SKIP: bool>(
        &self,
        i: usize,
        x: &[f64; D],
        s: f64,
        skip: u32,
    ) -> (f64, usize) {
        let (slots, m) = self.pair_slots(i);
        let e = self.pot.sum_lanes(
            slots.len() / LANES,
            s,
            #[inline(always)]
            |b| {
                let col = self.block::<V, SKIP>(&slots[b * LANES..b * LANES + LANES], skip);
                (self.dist2_lanes(x, &col), col[3])
            },
        );
        (e.sum(), m)
    }

    /// `start` + Σ_j u(r_ij; s) over i's outer-list candidates within `bound2` at `x`, partner
    /// `skip` left out, nearest first, summed lane by lane in blocks of four; None as soon as
    /// the running total exceeds `limit` by more than the energy floor of the partners left
    /// (the total can then only exceed it). The second value counts the pairs evaluated.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn energy_until<V: Lanes>(
        &self,
        i: usize,
        x: &[f64; D],
        s: f64,
        skip: u32,
        bound2: f64,
        start: f64,
        limit: f64,
    ) -> (Option<f64>, usize) {
        // blocks while their first entry is within the bound (no bisection: the entries are
        // read in order anyway); the rest of the last block lies beyond it and adds 0
        let base = i * self.cap;
        let n = self.cnt[i] as usize;
        let all = n.div_ceil(LANES);
        let mut e = V::splat(0.0);
        let mut b = 0;
        while b < all && self.nd[base + b * LANES] as f64 <= bound2 {
            let slots = &self.nbr[base + b * LANES..base + b * LANES + LANES];
            let col = self.block::<V, true>(slots, skip);
            e = e + self.pot.energy_lanes(self.dist2_lanes(x, &col), s, col[3]);
            b += 1;
            let rest = (all - b) * LANES;
            if start + e.sum() + rest as f64 * self.floor > limit {
                return (None, b * LANES);
            }
        }
        (Some(e.sum()), b * LANES)
    }

    /// Σ_j u(r_ij) over i's outer-list candidates within `bound2` at positions `a` and
    /// `a + step` (one pass over the neighbours; a trial beyond h of the reference).
    #[inline(always)]
    fn local_energy_move<V: Lanes>(
        &self,
        i: usize,
        a: &[f64; D],
        step: &[f64; D],
        bound2: f64,
    ) -> (f64, f64, usize) {
        let (base, m) = self.candidates(i, bound2);
        let slots = self.slots(base, m);
        self.energy_move_over::<V>(slots, m, self.site[i].s(), a, step)
    }

    /// Σ_j u(r_ij; s) at positions `a` and `a + step` over the partners in `slots` (whole
    /// blocks of four; `m` entries).
    #[inline(always)]
    fn energy_move_over<V: Lanes>(
        &self,
        slots: &[u32],
        m: usize,
        s: f64,
        a: &[f64; D],
        step: &[f64; D],
    ) -> (f64, f64, usize) {
        let (ea, eb) = self.pot.sum_lanes_moved(
            slots.len() / LANES,
            s,
            #[inline(always)]
            |k| {
                let col = self.block::<V, false>(&slots[k * LANES..k * LANES + LANES], NONE);
                self.dist2_lanes_moved(a, step, &col)
            },
        );
        (ea.sum(), eb.sum(), m)
    }

    /// The squared nearest-image distances from `x` and from `x + step` to four partners
    /// (lanes `col[..D]`) with sizes `col[3]`: the second difference is the first one less
    /// the step (the nearest image of a neighbour does not change in one step), which saves
    /// its nearest-image arithmetic.
    #[inline(always)]
    fn dist2_lanes_moved<V: Lanes>(
        &self,
        x: &[f64; D],
        step: &[f64; D],
        col: &[V; 4],
    ) -> (V, V, V) {
        let (mut ra, mut rb) = (V::splat(0.0), V::splat(0.0));
        for k in 0..D {
            let d = col[k] - V::splat(x[k]);
            let d = d - V::splat(self.simbox.lengths[k]) * (d * V::splat(self.inv_len[k])).round();
            let e = d - V::splat(step[k]);
            ra = ra + d * d;
            rb = rb + e * e;
        }
        (ra, rb, col[3])
    }

    /// Energy of particle `i` moved to `x` farther than h from its reference, from the grid.
    fn far_energy(&self, i: usize, x: &[f64; D]) -> (f64, usize) {
        let s = self.site[i].s();
        let c = self.cells.index(&self.simbox, x);
        let mut e = 0.0;
        let mut pairs = 0;
        for &cc in self.cells.stencil(c) {
            for &j in self.cells.members(cc as usize) {
                let j = j as usize;
                if j != i {
                    let sj = &self.site[j];
                    e += self.pot.energy_r2(self.dist2(x, &sj.x()), s, sj.s());
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
    fn displacement<V: Lanes>(&mut self, x: u32) {
        self.stats.displacement_attempts += 1;
        let n = self.n as u32;
        let i = self.below(x, n) as usize;
        let old = self.site[i].x::<D>();
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
        // a trial within h_p of the pair reference is covered by the pair list; one at
        // distance d from the outer reference by the outer candidates within R + h + d, as
        // long as that stays inside the list radius (all but the largest particles far from
        // their reference); else the grid
        let dp2 = self.dist2(&p, &self.pref[i]);
        let beyond = dp2 >= self.hp * self.hp;
        let (dn2, bound2) = if beyond {
            let d2 = self.dist2(&p, &self.refp[i]);
            (d2, margin2(self.reach[i] + self.h + d2.sqrt()))
        } else {
            (0.0, 0.0)
        };
        let far = beyond && bound2 >= self.list_bound2;
        let (e_old, e_new) = if far {
            self.stats.far_trials += 1;
            let (eo, a) = self.pair_energy::<V, false>(i, &old, self.site[i].s(), NONE);
            let (en, b) = self.far_energy(i, &p);
            self.stats.pair_evaluations += (a + b) as u64;
            (eo, en)
        } else if beyond {
            let (eo, en, a) = self.local_energy_move::<V>(i, &old, &step, bound2);
            self.stats.pair_evaluations += 2 * a as u64;
            (eo, en)
        } else {
            let (slots, m) = self.pair_slots(i);
            let (eo, en, a) = self.energy_move_over::<V>(slots, m, self.site[i].s(), &old, &step);
            self.stats.pair_evaluations += 2 * a as u64;
            (eo, en)
        };
        let de = e_new - e_old;
        if self.metropolis(de) {
            self.stats.displacement_accepted += 1;
            self.site[i].set_x(&p);
            for k in 0..D {
                self.disp[i][k] += step[k];
            }
            self.energy += de;
            if dn2 > self.reref2 {
                self.update_reference(i);
            } else if dp2 > self.prefref2 {
                self.pair_reference(i);
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
    ///
    /// The Metropolis variate U is drawn first: the swap is accepted iff ΔE < −ln(U)/β
    /// (the same law as U < e^(−βΔE)). The present energies come from the pair lists; the new
    /// ones, of the particle that grows first, stop as soon as they exceed that threshold.
    #[inline(always)]
    fn swap<V: Lanes>(&mut self, x: u32) {
        self.stats.swap_attempts += 1;
        let n = self.n as u32;
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
        // the outer lists (in the last-level cache) are read after the pair energies: ask
        // for their first lines now
        for p in [i, j] {
            let base = p * self.cap;
            for k in (0..SWAP_PREFETCH).step_by(16) {
                prefetch(&self.nd, base + k);
                prefetch(&self.nbr, base + k);
            }
        }
        let (si, sj) = (self.site[i].s(), self.site[j].s());
        let threshold = -self.rng.random::<f64>().ln() / self.beta;
        let (xi, xj) = (self.site[i].x::<D>(), self.site[j].x::<D>());
        let (ei_old, a) = self.pair_energy::<V, true>(i, &xi, si, j as u32);
        let (ej_old, b) = self.pair_energy::<V, true>(j, &xj, sj, i as u32);
        let old = ei_old + ej_old;
        // a relative allowance for the rounding of the sums: an early rejection is one the
        // whole sum would make too
        let limit = old + threshold + 1e-12 * (old.abs() + threshold);
        // the particle that grows first: i takes size sj with j's reach bound, and j si
        let (p, xp, sp, q, xq, sq) = if sj > si {
            (i, xi, sj, j, xj, si)
        } else {
            (j, xj, si, i, xi, sj)
        };
        // p's partners at its new size lie within R(s_new) + h + |x_p − o_p| of its outer
        // reference o_p (theirs are within h of theirs)
        let off = |k: usize, x: &[f64; D]| self.dist2(x, &self.refp[k]).sqrt();
        let bp = margin2(self.reach[q] + self.h + off(p, &xp));
        let bq = margin2(self.reach[p] + self.h + off(q, &xq));
        let (ep, c) = self.energy_until::<V>(p, &xp, sp, q as u32, bp, 0.0, limit);
        let mut pairs = a + b + c;
        let accepted = ep.and_then(|ep| {
            let (eq, d) = self.energy_until::<V>(q, &xq, sq, p as u32, bq, ep, limit);
            pairs += d;
            let de = eq.map(|eq| (ep + eq) - old)?;
            (de < threshold).then_some(de)
        });
        self.stats.pair_evaluations += pairs as u64;
        if let Some(de) = accepted {
            self.stats.swap_accepted += 1;
            self.site[i].v[3] = sj;
            self.site[j].v[3] = si;
            self.bound2.swap(i, j);
            self.reach.swap(i, j);
            self.slot.swap(i, j);
            self.holder.swap(ki as usize, kj as usize);
            self.energy += de;
            // the grower's pair list is derived anew, the shrinker's only filtered (where a
            // smaller size pairs with a subset of the partners)
            self.refresh_pairs(p);
            if self.monotone {
                self.shrink_pairs(q);
            } else {
                self.refresh_pairs(q);
            }
        }
    }

    #[inline(always)]
    fn metropolis(&mut self, de: f64) -> bool {
        de <= 0.0 || self.rng.random::<f64>() < (-self.beta * de).exp()
    }

    /// One attempt: a swap with probability `swap_probability`, else a displacement.
    pub fn attempt(&mut self) {
        self.attempt_inline::<Plain4>();
    }

    #[inline(always)]
    fn attempt_inline<V: Lanes>(&mut self) {
        // one 64-bit draw picks the kind of move (high half) and the particle (low half); it
        // was drawn one attempt ahead, and the next one's particle lists are fetched now
        let r = self.ahead;
        self.ahead = self.rng.next_u64();
        let next = ((self.ahead as u32 as u64 * self.n as u64) >> 32) as usize;
        prefetch(&self.pnbr, next * self.pcap);
        prefetch(&self.pnbr, next * self.pcap + 16);
        prefetch(&self.site, next);
        if (r >> 32) < self.p_swap32 {
            self.swap::<V>(r as u32);
        } else {
            self.displacement::<V>(r as u32);
        }
    }

    /// One sweep: N attempts.
    ///
    /// On x86-64 CPUs with AVX2 the pair kernels run on AVX registers (four pairs per
    /// instruction, [`crate::models::lanes`]); the arithmetic is the same IEEE operations in
    /// the same order (no fused multiply-add), so the chain is bitwise identical with and
    /// without it.
    pub fn sweep(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above
            unsafe { self.sweep_avx2() };
            return;
        }
        self.sweep_plain();
    }

    /// [`Self::sweep`] compiled for AVX2, with the AVX lanes.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn sweep_avx2(&mut self) {
        for _ in 0..self.n {
            self.attempt_inline::<crate::models::lanes::Avx4>();
        }
    }

    /// [`Self::sweep`] for the baseline instruction set, with plain lanes.
    fn sweep_plain(&mut self) {
        for _ in 0..self.n {
            self.attempt_inline::<Plain4>();
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
        for (i, si) in self.site[..self.n].iter().enumerate() {
            let base = i * self.pcap;
            for &j in &self.pnbr[base..base + self.pcnt[i] as usize] {
                let j = j as usize;
                if j > i {
                    let sj = &self.site[j];
                    e += self
                        .pot
                        .energy_r2(self.dist2(&si.x(), &sj.x()), si.s(), sj.s());
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
        self.inverse.iter().map(|&k| self.site[k as usize].x())
    }

    /// Current sizes, in the caller's particle order.
    pub fn sizes(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        self.inverse.iter().map(|&k| self.site[k as usize].s())
    }

    /// Cumulative (unwrapped) displacement of every particle since the start, in the caller's
    /// particle order.
    pub fn displacements(&self) -> impl ExactSizeIterator<Item = [f64; D]> + '_ {
        self.inverse.iter().map(|&k| self.disp[k as usize])
    }

    /// Sets every cumulative displacement to zero (a new origin for the self-overlap).
    pub fn reset_displacements(&mut self) {
        self.disp.fill([0.0; D]);
    }

    /// Move and list statistics so far.
    pub fn stats(&self) -> MoveStats {
        self.stats
    }

    /// The displacement half-width δ.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// Mean number of pair-list entries a displacement within h scans (pair evaluations per
    /// trial position), over the current sizes.
    pub fn mean_candidates(&self) -> f64 {
        let total: usize = self.pcnt.iter().map(|&c| c as usize).sum();
        total as f64 / self.n as f64
    }

    /// The half-skin h_p of the pair lists (the requested one, thinner in a small box; the
    /// outer lists have twice it).
    pub fn half_skin(&self) -> f64 {
        self.hp
    }

    /// Sets δ (capped so that a trial never leaves the half-box).
    pub fn set_delta(&mut self, delta: f64) {
        let cap = 0.25 * self.simbox.min_length();
        self.delta = delta.clamp(1e-5, cap);
    }
}

/// Outer-list entries of both particles of a swap fetched ahead of their use.
const SWAP_PREFETCH: usize = 64;

/// Asks the CPU to bring the cache line of `v[k]` closer (a hint: nothing if `k` is out of
/// range or the CPU has no such instruction).
#[inline(always)]
fn prefetch<T>(v: &[T], k: usize) {
    #[cfg(target_arch = "x86_64")]
    if k < v.len() {
        // SAFETY: a prefetch reads nothing and cannot fault; the address is inside `v`
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(v.as_ptr().add(k).cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, k);
}

/// b² with a relative margin of 10⁻⁶, larger than the rounding of the f32 list distances.
#[inline(always)]
fn margin2(b: f64) -> f64 {
    b * b * (1.0 + 1e-6)
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
