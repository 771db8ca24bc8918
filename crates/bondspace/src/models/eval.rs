//! Energy, forces and virial of a configuration over a pair list.
//!
//! These are the hot loops of minimisation: generic over the potential and the dimension,
//! allocation-free (the caller owns the force buffer).

use super::PairPotential;
use crate::geometry::SimBox;

/// Totals of one evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    /// Total potential energy U.
    pub energy: f64,
    /// Σ_bonds r u′(r) (the pair virial; pressure = −virial / (d V)).
    pub virial: f64,
    /// Σ_bonds |u′(r)|.
    pub sum_abs_force: f64,
    /// Number of interacting pairs (bonds).
    pub n_bonds: usize,
}

impl Totals {
    /// Virial pressure p = −(1/(dV)) Σ r u′.
    pub fn pressure(&self, dim: usize, volume: f64) -> f64 {
        -self.virial / (dim as f64 * volume)
    }

    /// Mean pair force magnitude over the bonds (`None` without bonds).
    pub fn mean_pair_force(&self) -> Option<f64> {
        (self.n_bonds > 0).then(|| self.sum_abs_force / self.n_bonds as f64)
    }
}

/// Evaluates U, the forces F_i = −∂U/∂x_i (written into `forces`) and the virial over the
/// candidate `pairs` (pairs beyond reach contribute nothing).
pub fn energy_forces<const D: usize, P: PairPotential>(
    pot: &P,
    simbox: &SimBox<D>,
    positions: &[[f64; D]],
    sizes: &[f64],
    pairs: &[[u32; 2]],
    forces: &mut [[f64; D]],
) -> Totals {
    for f in forces.iter_mut() {
        *f = [0.0; D];
    }
    let mut t = Totals::default();
    for &[i, j] in pairs {
        let (i, j) = (i as usize, j as usize);
        let d = simbox.delta(&positions[i], &positions[j]);
        let r2: f64 = d.iter().map(|x| x * x).sum();
        let rc = pot.reach(sizes[i], sizes[j]);
        if r2 >= rc * rc {
            continue;
        }
        let r = r2.sqrt();
        let (u, du) = pot.energy_force(r, sizes[i], sizes[j]);
        t.energy += u;
        t.virial += r * du;
        t.sum_abs_force += du.abs();
        t.n_bonds += 1;
        let s = du / r;
        for k in 0..D {
            forces[i][k] += s * d[k];
            forces[j][k] -= s * d[k];
        }
    }
    t
}

/// Pair lists shorter than this are evaluated serially by [`energy_forces_par`].
pub const PAR_MIN_PAIRS: usize = 1 << 16;

/// Fixed number of pair chunks of [`energy_forces_par`] (independent of the thread count, so
/// that the summation order, and with it every bit of the result, is too).
pub const PAR_CHUNKS: usize = 8;

/// [`energy_forces`] in parallel over [`PAR_CHUNKS`] fixed chunks of the pair list, each
/// accumulating into its own force buffer in `scratch` (reused between calls); the buffers
/// and the totals are then summed in chunk order. The result is the same for any number of
/// threads. Lists shorter than [`PAR_MIN_PAIRS`] are evaluated serially, exactly as
/// [`energy_forces`].
pub fn energy_forces_par<const D: usize, P: PairPotential>(
    pot: &P,
    simbox: &SimBox<D>,
    positions: &[[f64; D]],
    sizes: &[f64],
    pairs: &[[u32; 2]],
    forces: &mut [[f64; D]],
    scratch: &mut Vec<Vec<[f64; D]>>,
) -> Totals {
    use rayon::prelude::*;
    if pairs.len() < PAR_MIN_PAIRS {
        return energy_forces(pot, simbox, positions, sizes, pairs, forces);
    }
    let n = positions.len();
    scratch.resize_with(PAR_CHUNKS, Vec::new);
    let chunk = pairs.len().div_ceil(PAR_CHUNKS);
    let totals: Vec<Totals> = scratch
        .par_iter_mut()
        .zip(pairs.par_chunks(chunk))
        .map(|(buf, part)| {
            buf.resize(n, [0.0; D]);
            energy_forces(pot, simbox, positions, sizes, part, buf)
        })
        .collect();
    let used = totals.len();
    let bufs = &scratch[..used];
    forces.par_iter_mut().enumerate().for_each(|(i, f)| {
        *f = bufs[0][i];
        for b in &bufs[1..] {
            for k in 0..D {
                f[k] += b[i][k];
            }
        }
    });
    let mut t = Totals::default();
    for c in totals {
        t.energy += c.energy;
        t.virial += c.virial;
        t.sum_abs_force += c.sum_abs_force;
        t.n_bonds += c.n_bonds;
    }
    t
}

/// Energy only.
pub fn energy<const D: usize, P: PairPotential>(
    pot: &P,
    simbox: &SimBox<D>,
    positions: &[[f64; D]],
    sizes: &[f64],
    pairs: &[[u32; 2]],
) -> f64 {
    let mut e = 0.0;
    for &[i, j] in pairs {
        let (i, j) = (i as usize, j as usize);
        let d = simbox.delta(&positions[i], &positions[j]);
        let r2: f64 = d.iter().map(|x| x * x).sum();
        let rc = pot.reach(sizes[i], sizes[j]);
        if r2 < rc * rc {
            e += pot.energy_force(r2.sqrt(), sizes[i], sizes[j]).0;
        }
    }
    e
}

/// Largest force norm max_i |F_i|.
pub fn max_force_norm<const D: usize>(forces: &[[f64; D]]) -> f64 {
    forces
        .iter()
        .map(|f| f.iter().map(|x| x * x).sum::<f64>())
        // NaN wins (f64::max would drop it): a non-finite force must not look balanced
        .fold(0.0, |m: f64, x| {
            if x.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(x)
            }
        })
        .sqrt()
}
