//! The SWAP Monte Carlo chain [`SwapMc`]: positions, sizes, the running energy and the random
//! stream; the moves (displacements, size swaps, the Metropolis rule) and the local energies
//! they need, summed over the per-particle neighbour lists (kept up to date in `lists`).
//!
//! Particles are stored internally in spatial order, each position beside its size, so that
//! neighbours sit close in memory; the accessors return them in the caller's order.

use rand::Rng as _;

use super::SwapOptions;
use super::diagnostics::MoveStats;
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::PairPotential;
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
    beta: f64,
    delta: f64,
    p_swap: f64,
    energy: f64,
    rng: Rng,
    pub(super) stats: MoveStats,
}

const NONE: u32 = u32::MAX;

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
