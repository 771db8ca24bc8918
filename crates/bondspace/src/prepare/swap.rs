//! SWAP Monte Carlo at a parent temperature (SPEC §5).
//!
//! Each sweep is N attempts. With probability `swap_probability` (0.2) an attempt exchanges the
//! sizes of two random particles, otherwise it displaces one random particle uniformly in a
//! cube of half-width δ; both are accepted with the Metropolis rule. δ is tuned during a
//! burn-in (the first `tune_fraction` of the sweeps) towards 40 % acceptance and then frozen,
//! so the production part is a proper Markov chain with fixed proposals.
//!
//! Energy changes use only the moved particle's neighbours, from per-particle neighbour lists
//! built on *reference positions* with radius r_list = r_max + 2h (r_max the largest pair
//! reach over all sizes, so the lists survive size swaps unchanged). While every particle stays
//! within h of its reference position, every interacting pair is in the lists. A particle that
//! strays farther than h gets a new reference and its list alone is rebuilt from a cell grid
//! of reference positions (local update, O(neighbourhood) instead of O(N)); a trial position
//! beyond h is evaluated from the cell grid directly. Lists are symmetric and kept in a flat
//! array with a fixed capacity per particle: no allocation in the move loop.
//!
//! The chain depends only on the configuration and the random stream, so the same seed gives
//! bitwise-identical output whatever the thread count (parallelism is over samples).

use rand::Rng as _;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::PairPotential;
use crate::neighbours::MovableCells;
use crate::rng::Rng;

/// Options of a SWAP Monte Carlo run.
#[derive(Clone, Debug)]
pub struct SwapOptions {
    /// Temperature (units of ε).
    pub temperature: f64,
    /// Total number of sweeps (N attempts each), burn-in included.
    pub sweeps: u64,
    /// Fraction of `sweeps` spent tuning δ (at least [`MIN_TUNE_SWEEPS`]).
    pub tune_fraction: f64,
    /// Probability that an attempt is a size swap (0.2).
    pub swap_probability: f64,
    /// Initial displacement half-width δ.
    pub initial_delta: f64,
    /// Half-skin h of the neighbour lists.
    pub half_skin: f64,
    /// Number of points in the recorded traces.
    pub records: usize,
}

/// Fewest sweeps spent tuning δ.
pub const MIN_TUNE_SWEEPS: u64 = 20;

impl SwapOptions {
    /// Defaults at temperature `t` with `sweeps` sweeps.
    pub fn new(temperature: f64, sweeps: u64) -> Self {
        Self {
            temperature,
            sweeps,
            tune_fraction: 0.1,
            swap_probability: 0.2,
            initial_delta: 0.1,
            half_skin: 0.4,
            records: 200,
        }
    }

    /// Sweeps spent tuning δ.
    pub fn tune_sweeps(&self) -> u64 {
        ((self.sweeps as f64 * self.tune_fraction).round() as u64)
            .max(MIN_TUNE_SWEEPS)
            .min(self.sweeps)
    }

    fn check(&self) -> Result<()> {
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(Error::Invalid(format!(
                "temperature {} must be positive and finite",
                self.temperature
            )));
        }
        if self.sweeps == 0 {
            return Err(Error::Invalid("need at least one sweep".into()));
        }
        if !(0.0..=1.0).contains(&self.swap_probability) {
            return Err(Error::Invalid(format!(
                "swap probability {} must be in [0, 1]",
                self.swap_probability
            )));
        }
        if !(self.initial_delta > 0.0 && self.half_skin > 0.0) {
            return Err(Error::Invalid("δ and the skin must be positive".into()));
        }
        Ok(())
    }
}

/// Counts of attempted and accepted moves, and of neighbour-list work.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct MoveStats {
    /// Displacement attempts.
    pub displacement_attempts: u64,
    /// Accepted displacements.
    pub displacement_accepted: u64,
    /// Swap attempts.
    pub swap_attempts: u64,
    /// Accepted swaps.
    pub swap_accepted: u64,
    /// Trial positions evaluated from the cell grid (beyond the half-skin).
    pub far_trials: u64,
    /// Local neighbour-list updates.
    pub reference_updates: u64,
    /// Full neighbour-list rebuilds.
    pub rebuilds: u64,
}

impl MoveStats {
    fn minus(&self, o: &MoveStats) -> MoveStats {
        MoveStats {
            displacement_attempts: self.displacement_attempts - o.displacement_attempts,
            displacement_accepted: self.displacement_accepted - o.displacement_accepted,
            swap_attempts: self.swap_attempts - o.swap_attempts,
            swap_accepted: self.swap_accepted - o.swap_accepted,
            far_trials: self.far_trials - o.far_trials,
            reference_updates: self.reference_updates - o.reference_updates,
            rebuilds: self.rebuilds - o.rebuilds,
        }
    }

    fn ratio(a: u64, b: u64) -> f64 {
        if b == 0 { 0.0 } else { a as f64 / b as f64 }
    }

    /// Acceptance rate of displacements.
    pub fn displacement_acceptance(&self) -> f64 {
        Self::ratio(self.displacement_accepted, self.displacement_attempts)
    }

    /// Acceptance rate of swaps.
    pub fn swap_acceptance(&self) -> f64 {
        Self::ratio(self.swap_accepted, self.swap_attempts)
    }
}

/// A particle's position and size side by side (one cache line per neighbour in the loops).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Site<const D: usize> {
    x: [f64; D],
    s: f64,
}

/// The Monte Carlo state: positions, sizes, neighbour lists and the running energy.
pub struct SwapMc<'p, const D: usize, P: PairPotential> {
    pot: &'p P,
    simbox: SimBox<D>,
    half: [f64; D],
    site: Vec<Site<D>>,
    /// Internal index of each of the caller's particles.
    inverse: Vec<u32>,
    /// (R(s_i) + 2h)², the squared reference distance beyond which i's partners cannot interact.
    bound2: Vec<f64>,
    refp: Vec<[f64; D]>,
    disp: Vec<[f64; D]>,
    h: f64,
    reref2: f64,
    r_list: f64,
    cells: MovableCells<D>,
    cap: usize,
    /// Neighbour indices, `cap` slots per particle, sorted by reference distance.
    nbr: Vec<u32>,
    /// Squared reference distances of the entries of `nbr` (rounded up).
    nd: Vec<f32>,
    cnt: Vec<u32>,
    scratch: Vec<(f32, u32)>,
    beta: f64,
    delta: f64,
    p_swap: f64,
    energy: f64,
    rng: Rng,
    stats: MoveStats,
}

const NONE: u32 = u32::MAX;

/// An accepted move farther than this fraction of h from the reference renews the reference.
const REREF: f64 = 0.9;

/// A squared distance as f32, rounded up so that comparisons against bounds stay conservative.
#[inline(always)]
fn up32(x: f64) -> f32 {
    let y = x as f32;
    if (y as f64) < x { y.next_up() } else { y }
}

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
            beta: 1.0 / opt.temperature,
            delta: opt.initial_delta,
            p_swap: opt.swap_probability,
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
    fn dist2(&self, a: &[f64; D], b: &[f64; D]) -> f64 {
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

    /// Rebuilds every list from scratch with the current positions as references.
    fn rebuild(&mut self) {
        self.stats.rebuilds += 1;
        let n = self.site.len();
        for (r, s) in self.refp.iter_mut().zip(&self.site) {
            *r = s.x;
        }
        self.cells = MovableCells::new(&self.simbox, self.r_list, &self.refp);
        let rl2 = self.r_list * self.r_list;
        let mut lists: Vec<Vec<(f32, u32)>> = vec![Vec::new(); n];
        for (i, list) in lists.iter_mut().enumerate() {
            let c = self.cells.cell_of(i);
            for &cc in self.cells.stencil(c) {
                for &j in self.cells.members(cc as usize) {
                    let d2 = self.dist2(&self.refp[i], &self.refp[j as usize]);
                    if j as usize != i && d2 < rl2 {
                        list.push((up32(d2), j));
                    }
                }
            }
            list.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        let most = lists.iter().map(Vec::len).max().unwrap_or(0);
        self.cap = self.cap.max(most + most / 2 + 16);
        self.nbr = vec![0; n * self.cap];
        self.nd = vec![0.0; n * self.cap];
        self.cnt = vec![0; n];
        for (i, list) in lists.iter().enumerate() {
            for (k, &(d, j)) in list.iter().enumerate() {
                self.nbr[i * self.cap + k] = j;
                self.nd[i * self.cap + k] = d;
            }
            self.cnt[i] = list.len() as u32;
        }
    }

    /// Inserts `(d, j)` into i's sorted list; false if it is full.
    #[inline]
    fn insert(&mut self, i: usize, d: f32, j: u32) -> bool {
        let (cap, n) = (self.cap, self.cnt[i] as usize);
        if n >= cap {
            return false;
        }
        let base = i * cap;
        let k = self.nd[base..base + n].partition_point(|&x| x <= d);
        self.nd.copy_within(base + k..base + n, base + k + 1);
        self.nbr.copy_within(base + k..base + n, base + k + 1);
        self.nd[base + k] = d;
        self.nbr[base + k] = j;
        self.cnt[i] += 1;
        true
    }

    /// Removes `j` from i's list, keeping the order.
    #[inline]
    fn remove(&mut self, i: usize, j: u32) {
        let (cap, n) = (self.cap, self.cnt[i] as usize);
        let base = i * cap;
        if let Some(k) = self.nbr[base..base + n].iter().position(|&x| x == j) {
            self.nd.copy_within(base + k + 1..base + n, base + k);
            self.nbr.copy_within(base + k + 1..base + n, base + k);
            self.cnt[i] -= 1;
        }
    }

    /// Gives particle `i` its current position as reference and rebuilds its list (and its
    /// entries in its neighbours' lists).
    fn update_reference(&mut self, i: usize) {
        self.stats.reference_updates += 1;
        let cap = self.cap;
        for k in 0..self.cnt[i] as usize {
            let j = self.nbr[i * cap + k] as usize;
            self.remove(j, i as u32);
        }
        self.cnt[i] = 0;
        let p = self.site[i].x;
        self.refp[i] = p;
        self.cells.relocate(&self.simbox, i, &p);
        let rl2 = self.r_list * self.r_list;
        let c = self.cells.cell_of(i);
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        for &cc in self.cells.stencil(c) {
            for &j in self.cells.members(cc as usize) {
                let d2 = self.dist2(&p, &self.refp[j as usize]);
                if j as usize != i && d2 < rl2 {
                    scratch.push((up32(d2), j));
                }
            }
        }
        scratch.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut overflow = scratch.len() > cap;
        if !overflow {
            for (k, &(d, j)) in scratch.iter().enumerate() {
                self.nbr[i * cap + k] = j;
                self.nd[i * cap + k] = d;
            }
            self.cnt[i] = scratch.len() as u32;
            for &(d, j) in &scratch {
                overflow |= !self.insert(j as usize, d, i as u32);
            }
        }
        self.scratch = scratch;
        if overflow {
            self.cap += self.cap / 2;
            self.rebuild();
        }
    }

    /// Σ_j u(r_ij; s_a) and Σ_j u(r_ij; s_b) over i's list at position `x` (skipping `skip`),
    /// scanning entries up to squared reference distance `bound2`.
    #[inline(always)]
    fn local_energy2(
        &self,
        i: usize,
        x: &[f64; D],
        sa: f64,
        sb: f64,
        skip: u32,
        bound2: f64,
    ) -> (f64, f64) {
        let base = i * self.cap;
        let n = self.cnt[i] as usize;
        let (list, nd) = (&self.nbr[base..base + n], &self.nd[base..base + n]);
        let (mut ea, mut eb) = (0.0, 0.0);
        for (&j, &d) in list.iter().zip(nd) {
            if d as f64 > bound2 {
                break;
            }
            if j == skip {
                continue;
            }
            let sj = &self.site[j as usize];
            let r2 = self.dist2(x, &sj.x);
            ea += self.pot.energy_r2(r2, sa, sj.s);
            eb += self.pot.energy_r2(r2, sb, sj.s);
        }
        (ea, eb)
    }

    /// Σ_j u(r_ij) over i's list at position `x`.
    #[inline(always)]
    fn local_energy(&self, i: usize, x: &[f64; D]) -> f64 {
        let base = i * self.cap;
        let n = self.cnt[i] as usize;
        let (list, nd) = (&self.nbr[base..base + n], &self.nd[base..base + n]);
        let s = self.site[i].s;
        let bound2 = self.bound2[i];
        let mut e = 0.0;
        for (&j, &d) in list.iter().zip(nd) {
            if d as f64 > bound2 {
                break;
            }
            let sj = &self.site[j as usize];
            e += self.pot.energy_r2(self.dist2(x, &sj.x), s, sj.s);
        }
        e
    }

    /// Σ_j u(r_ij) over i's list at positions `a` and `b` (one pass over the neighbours).
    #[inline(always)]
    fn local_energy_move(&self, i: usize, a: &[f64; D], b: &[f64; D]) -> (f64, f64) {
        let base = i * self.cap;
        let n = self.cnt[i] as usize;
        let (list, nd) = (&self.nbr[base..base + n], &self.nd[base..base + n]);
        let s = self.site[i].s;
        let bound2 = self.bound2[i];
        let (mut ea, mut eb) = (0.0, 0.0);
        for (&j, &d) in list.iter().zip(nd) {
            if d as f64 > bound2 {
                break;
            }
            let sj = &self.site[j as usize];
            let (ua, ub) =
                self.pot
                    .energy_r2_twice(self.dist2(a, &sj.x), self.dist2(b, &sj.x), s, sj.s);
            ea += ua;
            eb += ub;
        }
        (ea, eb)
    }

    /// Energy of particle `i` moved to `x` farther than h from its reference, from the grid.
    fn far_energy(&self, i: usize, x: &[f64; D]) -> f64 {
        let s = self.site[i].s;
        let c = self.cells.index(&self.simbox, x);
        let mut e = 0.0;
        for &cc in self.cells.stencil(c) {
            for &j in self.cells.members(cc as usize) {
                let j = j as usize;
                if j != i {
                    let sj = &self.site[j];
                    e += self.pot.energy_r2(self.dist2(x, &sj.x), s, sj.s);
                }
            }
        }
        e
    }

    /// One displacement attempt of a random particle.
    #[inline]
    fn displacement(&mut self) {
        self.stats.displacement_attempts += 1;
        let n = self.site.len();
        let i = self.rng.random_range(0..n);
        let old = self.site[i].x;
        let mut x = old;
        let mut step = [0.0; D];
        for k in 0..D {
            step[k] = self.delta * (2.0 * self.rng.random::<f64>() - 1.0);
            let l = self.simbox.lengths[k];
            let mut v = x[k] + step[k];
            if v >= l {
                v -= l;
            } else if v < 0.0 {
                v += l;
            }
            if v >= l {
                v = 0.0;
            }
            x[k] = v;
        }
        let far = self.dist2(&x, &self.refp[i]) >= self.h * self.h;
        let (e_old, e_new) = if far {
            self.stats.far_trials += 1;
            (self.local_energy(i, &old), self.far_energy(i, &x))
        } else {
            self.local_energy_move(i, &old, &x)
        };
        let de = e_new - e_old;
        if self.metropolis(de) {
            self.stats.displacement_accepted += 1;
            self.site[i].x = x;
            for k in 0..D {
                self.disp[i][k] += step[k];
            }
            self.energy += de;
            if far || self.dist2(&x, &self.refp[i]) > self.reref2 {
                self.update_reference(i);
            }
        }
    }

    /// One size-swap attempt between two random particles.
    #[inline]
    fn swap(&mut self) {
        self.stats.swap_attempts += 1;
        let n = self.site.len();
        let i = self.rng.random_range(0..n);
        let mut j = self.rng.random_range(0..n - 1);
        if j >= i {
            j += 1;
        }
        let (si, sj) = (self.site[i].s, self.site[j].s);
        let b = self.bound2[i].max(self.bound2[j]);
        let (xi, xj) = (self.site[i].x, self.site[j].x);
        let (ei_old, ei_new) = self.local_energy2(i, &xi, si, sj, j as u32, b);
        let (ej_old, ej_new) = self.local_energy2(j, &xj, sj, si, i as u32, b);
        let de = (ei_new + ej_new) - (ei_old + ej_old);
        if self.metropolis(de) {
            self.stats.swap_accepted += 1;
            self.site[i].s = sj;
            self.site[j].s = si;
            self.bound2.swap(i, j);
            self.energy += de;
        }
    }

    #[inline(always)]
    fn metropolis(&mut self, de: f64) -> bool {
        de <= 0.0 || self.rng.random::<f64>() < (-self.beta * de).exp()
    }

    /// One attempt: a swap with probability `swap_probability`, else a displacement.
    #[inline]
    pub fn attempt(&mut self) {
        if self.p_swap > 0.0 && self.rng.random::<f64>() < self.p_swap {
            self.swap();
        } else {
            self.displacement();
        }
    }

    /// One sweep: N attempts.
    pub fn sweep(&mut self) {
        for _ in 0..self.site.len() {
            self.attempt();
        }
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

    /// Sets δ (capped so that a trial never leaves the half-box).
    pub fn set_delta(&mut self, delta: f64) {
        let cap = 0.25 * self.simbox.min_length();
        self.delta = delta.clamp(1e-5, cap);
    }
}

/// What a SWAP Monte Carlo run did, and whether it looks equilibrated (written as JSON).
#[derive(Clone, Debug, Serialize)]
pub struct McReport {
    /// Temperature.
    pub temperature: f64,
    /// Total sweeps (burn-in included).
    pub sweeps: u64,
    /// Sweeps spent tuning δ (not in the traces or rates below).
    pub tune_sweeps: u64,
    /// Swap probability per attempt.
    pub swap_probability: f64,
    /// The frozen displacement half-width δ.
    pub delta: f64,
    /// Acceptance of displacements after tuning.
    pub displacement_acceptance: f64,
    /// Acceptance of swaps after tuning.
    pub swap_acceptance: f64,
    /// Attempted moves per second (one core) over the whole run.
    pub attempts_per_second: f64,
    /// Move and neighbour-list counts after tuning.
    pub stats: MoveStats,
    /// Mean neighbour entries scanned per trial position at the end (pair evaluations).
    pub pair_evaluations_per_trial: f64,
    /// Sweep number (from the end of tuning) of each trace point.
    pub trace_sweeps: Vec<u64>,
    /// Energy per particle at each trace point.
    pub energy_per_particle: Vec<f64>,
    /// Size autocorrelation C(t) = Σ δλ_i(t)δλ_i(0) / Σ δλ_i(0)², t from the end of tuning.
    pub size_autocorrelation: Vec<f64>,
    /// Self-overlap Q(t) = fraction of particles displaced less than 0.3 since the end of tuning.
    pub self_overlap: Vec<f64>,
    /// First sweep at which C(t) < 1/e, if it got there.
    pub size_relaxation_sweeps: Option<u64>,
    /// First sweep at which Q(t) < 1/e, if it got there.
    pub overlap_relaxation_sweeps: Option<u64>,
    /// Change of e/N over the last half of the run from a linear fit of 10 block means.
    pub energy_drift_last_half: f64,
    /// Its t statistic (slope over its standard error).
    pub energy_drift_t: f64,
    /// Largest |running − recomputed| total energy seen at the trace points.
    pub energy_bookkeeping_error: f64,
    /// False when the run clearly did not equilibrate (see `warnings`).
    pub equilibrated: bool,
    /// Human-readable warnings.
    pub warnings: Vec<String>,
}

/// The recorded traces of a run.
#[derive(Default)]
struct Trace {
    sweeps: Vec<u64>,
    energy: Vec<f64>,
    corr: Vec<f64>,
    overlap: Vec<f64>,
    bookkeeping: f64,
}

/// Self-overlap cutoff a (fraction of particles displaced less than a).
pub const OVERLAP_CUTOFF: f64 = 0.3;

/// Runs SWAP Monte Carlo on `positions`/`sizes` in place and reports diagnostics.
#[allow(clippy::too_many_arguments)]
pub fn swap_monte_carlo<const D: usize, P: PairPotential>(
    pot: &P,
    simbox: SimBox<D>,
    positions: &mut [[f64; D]],
    sizes: &mut [f64],
    opt: &SwapOptions,
    rng: Rng,
    progress: &dyn crate::progress::Progress,
) -> Result<McReport> {
    let start = std::time::Instant::now();
    let n = positions.len();
    let mut mc = SwapMc::new(pot, simbox, positions, sizes, opt, rng)?;
    let tune = opt.tune_sweeps();
    progress.set_length(opt.sweeps);
    progress.set_message(&format!("SWAP MC at T = {} (tuning δ)", opt.temperature));
    // tuning: every `window` sweeps, scale δ towards 40 % displacement acceptance
    let window = 5u64;
    let mut last = mc.stats();
    for s in 0..tune {
        mc.sweep();
        progress.inc(1);
        if (s + 1) % window == 0 {
            let w = mc.stats().minus(&last);
            let acc = w.displacement_acceptance();
            let f = if acc <= 0.0 {
                0.5
            } else {
                (acc / 0.4).clamp(0.5, 1.5)
            };
            mc.set_delta(mc.delta() * f);
            last = mc.stats();
        }
    }
    mc.resync_energy();
    progress.set_message(&format!("SWAP MC at T = {}", opt.temperature));
    let prod = opt.sweeps - tune;
    let stride = (prod / opt.records.max(1) as u64).max(1);
    let mean_size = mc.sizes().sum::<f64>() / n as f64;
    let sizes0: Vec<f64> = mc.sizes().map(|s| s - mean_size).collect();
    let norm0: f64 = sizes0.iter().map(|s| s * s).sum();
    let disp0: Vec<[f64; D]> = mc.displacements().collect();
    let stats0 = mc.stats();
    let mut tr = Trace::default();
    let a2 = OVERLAP_CUTOFF * OVERLAP_CUTOFF;
    let mut record = |mc: &mut SwapMc<'_, D, P>, t: u64| {
        tr.bookkeeping = tr.bookkeeping.max(mc.resync_energy());
        tr.sweeps.push(t);
        tr.energy.push(mc.energy() / n as f64);
        let c: f64 = mc
            .sizes()
            .zip(&sizes0)
            .map(|(s, s0)| (s - mean_size) * s0)
            .sum();
        tr.corr.push(if norm0 > 0.0 { c / norm0 } else { 1.0 });
        let q = mc
            .displacements()
            .zip(&disp0)
            .filter(|(d, d0)| (0..D).map(|k| (d[k] - d0[k]).powi(2)).sum::<f64>() < a2)
            .count();
        tr.overlap.push(q as f64 / n as f64);
    };
    record(&mut mc, 0);
    for s in 1..=prod {
        mc.sweep();
        progress.inc(1);
        if s % stride == 0 || s == prod {
            record(&mut mc, s);
        }
    }
    let Trace {
        sweeps: trace_sweeps,
        energy,
        corr,
        overlap,
        bookkeeping: book,
    } = tr;
    let elapsed = start.elapsed().as_secs_f64();
    let stats = mc.stats().minus(&stats0);
    let total_attempts = opt.sweeps as f64 * n as f64;
    for (p, x) in positions.iter_mut().zip(mc.positions()) {
        *p = x;
    }
    for (s, x) in sizes.iter_mut().zip(mc.sizes()) {
        *s = x;
    }

    let first_below = |v: &[f64]| {
        v.iter()
            .position(|&c| c < (-1.0f64).exp())
            .map(|k| trace_sweeps[k])
    };
    let size_relax = first_below(&corr);
    let overlap_relax = first_below(&overlap);
    let (drift, drift_t) = drift_last_half(&energy);
    let mut warnings = Vec::new();
    if drift_t.abs() > 3.0 {
        warnings.push(format!(
            "energy per particle still drifts over the last half of the run ({drift:+.3e}, \
             t = {drift_t:.1}): run more sweeps"
        ));
    }
    if size_relax.is_none() && overlap_relax.is_none() {
        warnings.push(format!(
            "neither the self-overlap ({:.3}) nor the size autocorrelation ({:.3}) decayed \
             below 1/e in {prod} sweeps: the structure has not decorrelated, run more sweeps",
            overlap.last().copied().unwrap_or(1.0),
            corr.last().copied().unwrap_or(1.0)
        ));
    }
    Ok(McReport {
        temperature: opt.temperature,
        sweeps: opt.sweeps,
        tune_sweeps: tune,
        swap_probability: opt.swap_probability,
        delta: mc.delta(),
        displacement_acceptance: stats.displacement_acceptance(),
        swap_acceptance: stats.swap_acceptance(),
        attempts_per_second: total_attempts / elapsed.max(1e-9),
        stats,
        pair_evaluations_per_trial: mc.mean_candidates(),
        trace_sweeps,
        energy_per_particle: energy,
        size_autocorrelation: corr,
        self_overlap: overlap,
        size_relaxation_sweeps: size_relax,
        overlap_relaxation_sweeps: overlap_relax,
        energy_drift_last_half: drift,
        energy_drift_t: drift_t,
        energy_bookkeeping_error: book,
        equilibrated: warnings.is_empty(),
        warnings,
    })
}

/// Linear trend of the last half of `trace` from 10 block means: (total change, t statistic).
fn drift_last_half(trace: &[f64]) -> (f64, f64) {
    let half = &trace[trace.len() / 2..];
    let nb = 10usize;
    if half.len() < nb {
        return (0.0, 0.0);
    }
    let bl = half.len() / nb;
    let means: Vec<f64> = (0..nb)
        .map(|b| half[b * bl..(b + 1) * bl].iter().sum::<f64>() / bl as f64)
        .collect();
    let xm = (nb as f64 - 1.0) / 2.0;
    let ym = means.iter().sum::<f64>() / nb as f64;
    let sxx: f64 = (0..nb).map(|b| (b as f64 - xm).powi(2)).sum();
    let sxy: f64 = (0..nb).map(|b| (b as f64 - xm) * (means[b] - ym)).sum();
    let slope = sxy / sxx;
    let res: f64 = (0..nb)
        .map(|b| (means[b] - ym - slope * (b as f64 - xm)).powi(2))
        .sum();
    let se = (res / (nb as f64 - 2.0) / sxx).sqrt();
    let t = if se > 0.0 {
        slope / se
    } else if slope == 0.0 {
        0.0
    } else {
        f64::INFINITY.copysign(slope)
    };
    (slope * nb as f64, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_detects_a_trend_and_ignores_noise() {
        let trend: Vec<f64> = (0..200).map(|i| -(i as f64) * 1e-3).collect();
        assert!(drift_last_half(&trend).1.abs() > 3.0);
        let mut rng = crate::rng::stream(1, crate::rng::Purpose::Other, 0);
        let noise: Vec<f64> = (0..200).map(|_| rng.random::<f64>()).collect();
        assert!(drift_last_half(&noise).1.abs() < 5.0);
    }
}
