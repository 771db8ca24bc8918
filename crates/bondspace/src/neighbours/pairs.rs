//! Pair search: all pairs within reach (plus a skin) from a cell grid, the bond list, the
//! minimum-image box check and Verlet lists with a skin.

use super::CellGrid;
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::PairPotential;

/// Checks that the box is large enough for the minimum image with pair reach `reach`.
pub fn check_box<const D: usize>(simbox: &SimBox<D>, reach: f64) -> Result<()> {
    let l = simbox.min_length();
    if l.is_nan() || l <= 2.0 * reach {
        return Err(Error::Invalid(format!(
            "box edge {l} is not larger than twice the largest pair reach {reach}: \
             the minimum image is ambiguous (use more particles)"
        )));
    }
    Ok(())
}

/// Cells per parallel task of [`pairs_within`].
const PAIR_CELL_CHUNK: usize = 256;

/// All pairs `i < j` with `r_ij < reach(s_i, s_j) + skin`, sorted (cells searched in
/// parallel).
pub fn pairs_within<const D: usize, P: PairPotential>(
    pot: &P,
    simbox: &SimBox<D>,
    positions: &[[f64; D]],
    sizes: &[f64],
    skin: f64,
) -> Result<Vec<[u32; 2]>> {
    let max_size = sizes.iter().copied().fold(0.0, f64::max);
    let max_reach = pot.max_reach(max_size);
    check_box(simbox, max_reach)?;
    let within = |i: usize, j: usize| {
        let d = simbox.delta(&positions[i], &positions[j]);
        let r2: f64 = d.iter().map(|x| x * x).sum();
        let rc = pot.reach(sizes[i], sizes[j]) + skin;
        r2 < rc * rc
    };
    let mut pairs = Vec::new();
    match CellGrid::new(simbox, positions, max_reach + skin) {
        None => {
            for i in 0..positions.len() {
                for j in i + 1..positions.len() {
                    if within(i, j) {
                        pairs.push([i as u32, j as u32]);
                    }
                }
            }
        }
        Some(grid) => {
            use rayon::prelude::*;
            // cells in fixed ranges, in parallel; the pairs are unique, so the sorted list
            // is the same for any thread count
            let cells: Vec<usize> = (0..grid.n_cells()).collect();
            let parts: Vec<Vec<[u32; 2]>> = cells
                .par_chunks(PAIR_CELL_CHUNK)
                .map(|cs| {
                    let mut out = Vec::new();
                    for &c in cs {
                        for &i in grid.cell(c) {
                            grid.for_each_neighbour_cell(c, |nc| {
                                for &j in grid.cell(nc) {
                                    if j > i && within(i as usize, j as usize) {
                                        out.push([i, j]);
                                    }
                                }
                            });
                        }
                    }
                    out
                })
                .collect();
            pairs = parts.concat();
            pairs.par_sort_unstable();
        }
    }
    Ok(pairs)
}

/// The bonds: interacting pairs `i < j` with `r_ij < reach(s_i, s_j)`, sorted.
pub fn bonds<const D: usize, P: PairPotential>(
    pot: &P,
    simbox: &SimBox<D>,
    positions: &[[f64; D]],
    sizes: &[f64],
) -> Result<Vec<[u32; 2]>> {
    pairs_within(pot, simbox, positions, sizes, 0.0)
}

/// Verlet list: candidate pairs within reach + skin, rebuilt when any particle has moved more
/// than half the skin since the last build (or the box changed).
#[derive(Clone, Debug)]
pub struct VerletList<const D: usize> {
    skin: f64,
    pairs: Vec<[u32; 2]>,
    reference: Vec<[f64; D]>,
    reference_box: SimBox<D>,
    builds: usize,
}

impl<const D: usize> VerletList<D> {
    /// Builds the list with the requested skin (shrunk if the box is too small for it).
    pub fn new<P: PairPotential>(
        pot: &P,
        simbox: &SimBox<D>,
        positions: &[[f64; D]],
        sizes: &[f64],
        skin: f64,
    ) -> Result<Self> {
        let max_size = sizes.iter().copied().fold(0.0, f64::max);
        let max_reach = pot.max_reach(max_size);
        check_box(simbox, max_reach)?;
        let skin = skin.min(0.99 * (0.5 * simbox.min_length() - max_reach));
        let pairs = pairs_within(pot, simbox, positions, sizes, skin)?;
        Ok(Self {
            skin,
            pairs,
            reference: positions.to_vec(),
            reference_box: *simbox,
            builds: 1,
        })
    }

    /// Rebuilds if needed; returns true if it did.
    pub fn update<P: PairPotential>(
        &mut self,
        pot: &P,
        simbox: &SimBox<D>,
        positions: &[[f64; D]],
        sizes: &[f64],
    ) -> Result<bool> {
        let limit = 0.25 * self.skin * self.skin;
        let moved = *simbox != self.reference_box
            || positions.iter().zip(&self.reference).any(|(p, q)| {
                let mut s = 0.0;
                for k in 0..D {
                    let d = p[k] - q[k];
                    s += d * d;
                }
                s > limit
            });
        if moved {
            let max_size = sizes.iter().copied().fold(0.0, f64::max);
            check_box(simbox, pot.max_reach(max_size))?;
            self.pairs = pairs_within(pot, simbox, positions, sizes, self.skin)?;
            self.reference.copy_from_slice(positions);
            self.reference_box = *simbox;
            self.builds += 1;
        }
        Ok(moved)
    }

    /// Candidate pairs (a superset of the bonds).
    pub fn pairs(&self) -> &[[u32; 2]] {
        &self.pairs
    }

    /// How many times the list was built.
    pub fn builds(&self) -> usize {
        self.builds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Harmonic, Ipl};
    use rand::{Rng, SeedableRng};

    fn random_positions<const D: usize>(n: usize, l: f64, seed: u64) -> Vec<[f64; D]> {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|_| std::array::from_fn(|_| rng.random::<f64>() * l * 1.3 - 0.15 * l))
            .collect()
    }

    fn brute<const D: usize, P: PairPotential>(
        pot: &P,
        b: &SimBox<D>,
        x: &[[f64; D]],
        s: &[f64],
        skin: f64,
    ) -> Vec<[u32; 2]> {
        let mut out = vec![];
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let d = b.delta(&x[i], &x[j]);
                let r = d.iter().map(|v| v * v).sum::<f64>().sqrt();
                if r < pot.reach(s[i], s[j]) + skin {
                    out.push([i as u32, j as u32]);
                }
            }
        }
        out
    }

    fn check<const D: usize>(n: usize, l: f64, seed: u64) {
        let x = random_positions::<D>(n, l, seed);
        let s: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64 * 0.15).collect();
        let b = SimBox::new([l; D]).unwrap();
        let ipl = Ipl::default();
        for skin in [0.0, 0.3] {
            let fast = pairs_within(&ipl, &b, &x, &s, skin).unwrap();
            assert_eq!(fast, brute(&ipl, &b, &x, &s, skin), "D={D} n={n} l={l}");
        }
        let r: Vec<f64> = s.iter().map(|v| v * 0.5).collect();
        let h = Harmonic::default();
        assert_eq!(
            pairs_within(&h, &b, &x, &r, 0.0).unwrap(),
            brute(&h, &b, &x, &r, 0.0)
        );
    }

    #[test]
    fn cell_lists_match_brute_force() {
        for seed in 0..4 {
            check::<2>(400, 20.0, seed);
            check::<3>(500, 12.0, seed);
            // few cells per edge: brute-force fallback and exactly-three-cell grids
            check::<2>(60, 7.0, seed);
            check::<3>(80, 7.0, seed);
            check::<3>(100, 10.0, seed);
        }
    }

    #[test]
    fn tiny_box_is_refused() {
        let b = SimBox::new([4.0, 4.0]).unwrap();
        let x = vec![[0.0, 0.0], [1.0, 1.0]];
        let err = pairs_within(&Ipl::default(), &b, &x, &[2.0, 2.0], 0.0).unwrap_err();
        assert!(err.to_string().contains("minimum image"));
    }
}
