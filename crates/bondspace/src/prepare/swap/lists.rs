//! The per-particle neighbour lists of the SWAP chain.
//!
//! Energy changes use only the moved particle's neighbours, from per-particle neighbour lists
//! built on *reference positions* with radius r_list = r_max + 2h (r_max the largest pair
//! reach over all sizes, so the lists survive size swaps unchanged). While every particle stays
//! within h of its reference position, every interacting pair is in the lists. A particle that
//! strays farther than h gets a new reference and its list alone is rebuilt from a cell grid
//! of reference positions (local update, O(neighbourhood) instead of O(N)). A trial position
//! at distance d > h from its reference is still covered by the list entries within
//! R + h + d (R the particle's largest reach) as long as that is below r_list, which holds
//! for all but the largest particles; only beyond it is the trial evaluated from the cell grid.
//! Lists are symmetric and kept in a flat array with a fixed capacity per particle, sorted by
//! reference distance, and every list is followed by at least three slots holding the
//! sentinel index N (a site whose distance to anything is NaN), so that the pair kernels read
//! whole blocks of four: no allocation and no branch on the list's end in the move loop.

use super::SwapMc;
use super::chain::PAD;
use crate::models::PairPotential;
use crate::neighbours::MovableCells;

/// A squared distance as f32, rounded up so that comparisons against bounds stay conservative.
#[inline(always)]
fn up32(x: f64) -> f32 {
    let y = x as f32;
    if (y as f64) < x { y.next_up() } else { y }
}

impl<const D: usize, P: PairPotential> SwapMc<'_, D, P> {
    /// Rebuilds every list from scratch with the current positions as references.
    pub(super) fn rebuild(&mut self) {
        self.stats.rebuilds += 1;
        let n = self.n;
        for (r, s) in self.refp.iter_mut().zip(&self.site) {
            *r = s.x();
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
        self.cap = self.cap.max(most + most / 2 + 16 + PAD);
        self.nbr = vec![n as u32; n * self.cap];
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

    /// Inserts `(d, j)` into i's sorted list; false if it is full (fewer than [`PAD`] slots
    /// would remain after it).
    #[inline]
    fn insert(&mut self, i: usize, d: f32, j: u32) -> bool {
        let (cap, n) = (self.cap, self.cnt[i] as usize);
        if n + 1 + PAD > cap {
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

    /// Removes `j` from i's list, keeping the order (the freed slot gets the sentinel).
    #[inline]
    fn remove(&mut self, i: usize, j: u32) {
        let (cap, n) = (self.cap, self.cnt[i] as usize);
        let base = i * cap;
        if let Some(k) = self.nbr[base..base + n].iter().position(|&x| x == j) {
            self.nd.copy_within(base + k + 1..base + n, base + k);
            self.nbr.copy_within(base + k + 1..base + n, base + k);
            self.nbr[base + n - 1] = self.n as u32;
            self.cnt[i] -= 1;
        }
    }

    /// Gives particle `i` its current position as reference and rebuilds its list (and its
    /// entries in its neighbours' lists).
    pub(super) fn update_reference(&mut self, i: usize) {
        self.stats.reference_updates += 1;
        let cap = self.cap;
        for k in 0..self.cnt[i] as usize {
            let j = self.nbr[i * cap + k] as usize;
            self.remove(j, i as u32);
        }
        self.cnt[i] = 0;
        let p = self.site[i].x::<D>();
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
        let mut overflow = scratch.len() + PAD > cap;
        if !overflow {
            for (k, &(d, j)) in scratch.iter().enumerate() {
                self.nbr[i * cap + k] = j;
                self.nd[i * cap + k] = d;
            }
            self.nbr[i * cap + scratch.len()..(i + 1) * cap].fill(self.n as u32);
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
}
