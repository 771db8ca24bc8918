//! The per-particle neighbour lists of the SWAP chain.
//!
//! Energy changes use only the moved particle's neighbours, from two levels of per-particle
//! lists, each built on its own *reference positions*.
//!
//! The *outer lists* have radius r_list = r_max + 2h_p + 2h (r_max the largest pair reach over
//! all sizes, so they survive size swaps unchanged; h = 2h_p the outer half-skin). While every
//! particle stays within h of its outer reference, every pair that interacts, now or after
//! any size swap, is in them. A particle that strays farther than h gets a new outer
//! reference and its list alone is rebuilt from a cell grid of reference positions (local
//! update, O(neighbourhood) instead of O(N)). A trial position at distance d from its outer
//! reference is covered by the entries within R + h + d (R the particle's largest reach) as
//! long as that is below r_list; only beyond it is the trial evaluated from the cell grid.
//! Lists are symmetric and kept in a flat array with a fixed capacity per particle, sorted by
//! reference distance, and every list is followed by at least three slots holding the
//! sentinel index N (a site whose distance to anything is NaN), so that the pair kernels read
//! whole blocks of four: no allocation and no branch on the list's end in the move loop.
//!
//! Each particle also has a *pair list* on its *pair reference* (a position within h of the
//! outer one): the partners j whose pair references are closer than R(s_i, s_j) + 2h_p, the
//! reach of that pair rather than the largest reach of i, with the thin half-skin h_p. It
//! serves every displacement within h_p of the pair reference and the present energies of a
//! swap. It is derived from the outer list (every such partner lies within R + 2h_p + 2h of
//! the outer reference), with distances between pair references computed afresh, so a new
//! pair reference costs a pass over one outer list and no cell scan. It depends on the
//! sizes, so an accepted swap re-derives the pair lists of both particles (and their entries
//! in their partners' pair lists). Pair lists are unordered (an entry is removed by moving
//! the last one into its slot), symmetric, and padded with sentinels.

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

/// The first position of `x` in `xs`, comparing eight entries at a time (vector compares).
#[inline]
fn find(xs: &[u32], x: u32) -> Option<usize> {
    let mut chunks = xs.chunks_exact(8);
    for (c, chunk) in chunks.by_ref().enumerate() {
        let chunk: &[u32; 8] = chunk.try_into().expect("chunks of eight");
        if chunk.iter().fold(false, |hit, &v| hit | (v == x)) {
            return chunk.iter().position(|&v| v == x).map(|k| 8 * c + k);
        }
    }
    let rest = chunks.remainder();
    let at = xs.len() - rest.len();
    rest.iter().position(|&v| v == x).map(|k| at + k)
}

impl<const D: usize, P: PairPotential> SwapMc<'_, D, P> {
    /// Rebuilds every list from scratch with the current positions as references.
    pub(super) fn rebuild(&mut self) {
        self.stats.rebuilds += 1;
        let n = self.n;
        for ((r, q), s) in self.refp.iter_mut().zip(&mut self.pref).zip(&self.site) {
            *r = s.x();
            *q = s.x();
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
        self.rebuild_pairs();
    }

    /// Whether j belongs in i's pair list: their pair references closer than
    /// R(s_i, s_j) + 2h_p (symmetric in i and j).
    #[inline(always)]
    fn pairs_with(&self, i: usize, j: usize) -> bool {
        let r = self.pot.reach(self.site[i].s(), self.site[j].s()) + 2.0 * self.hp;
        self.dist2(&self.pref[i], &self.pref[j]) < r * r
    }

    /// The number of i's outer entries that may be in its pair list: those within
    /// R(s_i) + 2h_p + h + |p_i − o_i| of its outer reference o_i (p_i its pair reference; a
    /// partner's pair reference is within h of its outer one).
    #[inline(always)]
    fn pair_candidates(&self, i: usize) -> usize {
        let base = i * self.cap;
        let off = self.dist2(&self.pref[i], &self.refp[i]).sqrt();
        let r = self.reach[i] + 2.0 * self.hp + self.h + off;
        let b2 = r * r * (1.0 + 1e-6);
        self.nd[base..base + self.cnt[i] as usize].partition_point(|&d| d as f64 <= b2)
    }

    /// Derives every pair list from the outer lists.
    fn rebuild_pairs(&mut self) {
        let n = self.n;
        let mut most = 0;
        self.pcnt = vec![0; n];
        for i in 0..n {
            let base = i * self.cap;
            let m = self.pair_candidates(i);
            let c = (0..m)
                .filter(|&k| self.pairs_with(i, self.nbr[base + k] as usize))
                .count();
            most = most.max(c);
        }
        self.pcap = self.pcap.max(most + most / 2 + 8 + PAD);
        self.pnbr = vec![n as u32; n * self.pcap];
        for i in 0..n {
            let ok = self.derive_pairs(i);
            debug_assert!(ok, "pair capacity sized from the counts");
        }
    }

    /// Fills i's pair list from its outer list (its old entries are overwritten, not removed
    /// from the partners' lists); false if it does not fit.
    fn derive_pairs(&mut self, i: usize) -> bool {
        let (base, pbase) = (i * self.cap, i * self.pcap);
        let m = self.pair_candidates(i);
        let mut c = 0;
        for k in 0..m {
            // branch-free: every candidate is written, and kept if it pairs
            if c + PAD >= self.pcap {
                return false;
            }
            let j = self.nbr[base + k];
            self.pnbr[pbase + c] = j;
            c += self.pairs_with(i, j as usize) as usize;
        }
        self.pnbr[pbase + c..pbase + self.pcap].fill(self.n as u32);
        self.pcnt[i] = c as u32;
        true
    }

    /// Re-derives i's pair list (after a new reference or a new size of i) and i's entries in
    /// its partners' pair lists; rebuilds every list with more room if one overflows.
    ///
    /// Only the partners that change are touched: the old partners are stamped, the new list
    /// derived, i added to the lists of the new partners without a stamp and removed from
    /// those of the old partners not re-stamped.
    pub(super) fn refresh_pairs(&mut self, i: usize) {
        let pcap = self.pcap;
        let sentinel = self.n as u32;
        self.stamp += 2;
        let (old_mark, kept_mark) = (self.stamp - 1, self.stamp);
        let mut old = std::mem::take(&mut self.pscratch);
        old.clear();
        old.extend_from_slice(&self.pnbr[i * pcap..i * pcap + self.pcnt[i] as usize]);
        for &j in &old {
            self.mark[j as usize] = old_mark;
        }
        let mut ok = self.derive_pairs(i);
        for k in 0..self.pcnt[i] as usize {
            if !ok {
                break;
            }
            let j = self.pnbr[i * pcap + k] as usize;
            if self.mark[j] == old_mark {
                self.mark[j] = kept_mark;
                continue;
            }
            let c = self.pcnt[j] as usize;
            if c + 1 + PAD > pcap {
                ok = false;
            } else {
                self.pnbr[j * pcap + c] = i as u32;
                self.pcnt[j] += 1;
            }
        }
        if ok {
            for &j in &old {
                let j = j as usize;
                if self.mark[j] != old_mark {
                    continue;
                }
                // remove i from j's list: the last entry takes its slot
                let (base, c) = (j * pcap, self.pcnt[j] as usize);
                if let Some(p) = find(&self.pnbr[base..base + c], i as u32) {
                    self.pnbr[base + p] = self.pnbr[base + c - 1];
                    self.pnbr[base + c - 1] = sentinel;
                    self.pcnt[j] -= 1;
                }
            }
        }
        self.pscratch = old;
        if !ok {
            self.pcap += self.pcap / 2;
            self.rebuild();
        }
    }

    /// Drops from i's pair list the partners that no longer pair with it after i shrank (a
    /// smaller size pairs with a subset: no new partner can appear), and i from their lists.
    pub(super) fn shrink_pairs(&mut self, i: usize) {
        let pcap = self.pcap;
        let sentinel = self.n as u32;
        let base = i * pcap;
        let mut k = 0;
        while k < self.pcnt[i] as usize {
            let j = self.pnbr[base + k] as usize;
            if self.pairs_with(i, j) {
                k += 1;
                continue;
            }
            let last = base + self.pcnt[i] as usize - 1;
            self.pnbr[base + k] = self.pnbr[last];
            self.pnbr[last] = sentinel;
            self.pcnt[i] -= 1;
            let (jb, c) = (j * pcap, self.pcnt[j] as usize);
            if let Some(p) = find(&self.pnbr[jb..jb + c], i as u32) {
                self.pnbr[jb + p] = self.pnbr[jb + c - 1];
                self.pnbr[jb + c - 1] = sentinel;
                self.pcnt[j] -= 1;
            }
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

    /// Removes `j`, at squared reference distance `d` (as stored: the lists are symmetric),
    /// from i's list, keeping the order (the freed slot gets the sentinel). j is looked up
    /// among the entries at distance `d` by bisection, and in the whole list only if it is not
    /// there.
    #[inline]
    fn remove(&mut self, i: usize, j: u32, d: f32) {
        let (cap, n) = (self.cap, self.cnt[i] as usize);
        let base = i * cap;
        let nd = &self.nd[base..base + n];
        let nb = &self.nbr[base..base + n];
        let first = nd.partition_point(|&x| x < d);
        let at = (first..n)
            .take_while(|&k| nd[k] == d)
            .find(|&k| nb[k] == j)
            .or_else(|| find(nb, j));
        if let Some(k) = at {
            self.nd.copy_within(base + k + 1..base + n, base + k);
            self.nbr.copy_within(base + k + 1..base + n, base + k);
            self.nbr[base + n - 1] = self.n as u32;
            self.cnt[i] -= 1;
        }
    }

    /// Gives particle `i` its current position as pair reference and re-derives its pair list
    /// (and its entries in its partners' pair lists).
    pub(super) fn pair_reference(&mut self, i: usize) {
        self.stats.pair_updates += 1;
        self.pref[i] = self.site[i].x::<D>();
        self.refresh_pairs(i);
    }

    /// Gives particle `i` its current position as outer and pair reference and rebuilds its
    /// lists (and its entries in its neighbours' lists).
    pub(super) fn update_reference(&mut self, i: usize) {
        self.stats.reference_updates += 1;
        let cap = self.cap;
        for k in 0..self.cnt[i] as usize {
            let (j, d) = (self.nbr[i * cap + k] as usize, self.nd[i * cap + k]);
            self.remove(j, i as u32, d);
        }
        self.cnt[i] = 0;
        let p = self.site[i].x::<D>();
        self.refp[i] = p;
        self.pref[i] = p;
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
        } else {
            self.refresh_pairs(i);
        }
    }
}
