//! The mechanical state of a configuration: energy, pressure, forces, bonds, rattlers.
//!
//! This is what `bondspace inspect` prints and what `prepare` writes into the comment line.

use serde::Serialize;

use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::models::{PairPotential, eval};
use crate::neighbours;
use crate::with_potential;

/// Summary of a configuration's mechanical state.
#[derive(Clone, Debug, Serialize)]
pub struct State {
    /// Number of particles.
    pub n_particles: usize,
    /// Dimension.
    pub dim: usize,
    /// Box edge lengths.
    pub box_lengths: Vec<f64>,
    /// Number density N/V.
    pub density: f64,
    /// Model name.
    pub model: String,
    /// Model parameters as written in files.
    pub model_params: std::collections::BTreeMap<String, String>,
    /// Total energy U.
    pub energy: f64,
    /// Energy per particle U/N.
    pub energy_per_particle: f64,
    /// Virial pressure −(1/(dV)) Σ r u′.
    pub pressure: f64,
    /// max_i |F_i|.
    pub max_force: f64,
    /// Mean |u′| over bonds (the typical pair force that tolerances are relative to).
    pub typical_pair_force: f64,
    /// The smallest max |F_i| its double-precision positions resolve
    /// ([`Configuration::force_resolution`]): force balance is max |F_i| ≤ max(tol × typical
    /// pair force, this).
    pub force_resolution: f64,
    /// Number of bonds (interacting pairs).
    pub n_bonds: usize,
    /// Mean bonds per particle 2N_b/N.
    pub bonds_per_particle: f64,
    /// Rattlers (fewer than d+1 bonds, removed iteratively).
    pub n_rattlers: usize,
    /// Mean bonds per non-rattler particle among non-rattlers.
    pub bonds_per_particle_without_rattlers: f64,
}

/// Typical pair force: mean |u′| over bonds, or the model's natural scale without bonds.
pub fn typical_pair_force<const D: usize>(cfg: &Configuration<D>, t: &eval::Totals) -> f64 {
    t.mean_pair_force().filter(|f| *f > 0.0).unwrap_or_else(|| {
        let mean_size = cfg.sizes.iter().sum::<f64>() / cfg.len().max(1) as f64;
        cfg.model.force_scale(mean_size)
    })
}

/// Energy, forces (returned) and totals of a configuration.
pub fn forces<const D: usize>(cfg: &Configuration<D>) -> Result<(eval::Totals, Vec<[f64; D]>)> {
    with_potential!(&cfg.model, p => forces_with(p, cfg))
}

fn forces_with<const D: usize, P: PairPotential>(
    p: &P,
    cfg: &Configuration<D>,
) -> Result<(eval::Totals, Vec<[f64; D]>)> {
    let pairs = neighbours::bonds(p, &cfg.simbox, &cfg.positions, &cfg.sizes)?;
    let mut f = vec![[0.0; D]; cfg.len()];
    let t = eval::energy_forces(p, &cfg.simbox, &cfg.positions, &cfg.sizes, &pairs, &mut f);
    Ok((t, f))
}

/// The closest pair of `bonds` and its distance.
fn closest_pair<const D: usize>(
    cfg: &Configuration<D>,
    bonds: &[[u32; 2]],
) -> Option<(u32, u32, f64)> {
    bonds
        .iter()
        .map(|&[i, j]| {
            let d = cfg
                .simbox
                .delta(&cfg.positions[i as usize], &cfg.positions[j as usize]);
            (i, j, d.iter().map(|x| x * x).sum::<f64>().sqrt())
        })
        .min_by(|a, b| a.2.total_cmp(&b.2))
}

/// The full state summary; an [`Error::Invalid`] when the energy or a force is not finite
/// (two particles on top of each other), naming the closest pair.
pub fn state<const D: usize>(cfg: &Configuration<D>) -> Result<State> {
    let bonds = with_potential!(&cfg.model, p =>
        neighbours::bonds(p, &cfg.simbox, &cfg.positions, &cfg.sizes))?;
    let (t, f) = forces(cfg)?;
    let max_force = eval::max_force_norm(&f);
    if !(t.energy.is_finite() && max_force.is_finite() && t.virial.is_finite()) {
        let pair = closest_pair(cfg, &bonds).map_or(String::new(), |(i, j, r)| {
            format!(": particles {i} and {j} (0-based) are at distance {r:e}")
        });
        return Err(Error::Invalid(format!(
            "the energy or the forces are not finite (energy {}, max force {max_force}){pair}; \
             coincident or nearly coincident particles make no configuration",
            t.energy
        )));
    }
    let n = cfg.len();
    let ratt = neighbours::rattlers::<D>(n, &bonds);
    let n_rattlers = ratt.iter().filter(|r| **r).count();
    let kept_bonds = bonds
        .iter()
        .filter(|[i, j]| !ratt[*i as usize] && !ratt[*j as usize])
        .count();
    let v = cfg.simbox.volume();
    Ok(State {
        n_particles: n,
        dim: D,
        box_lengths: cfg.simbox.lengths.to_vec(),
        density: cfg.density(),
        model: cfg.model.name().to_string(),
        model_params: cfg
            .model
            .params()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        energy: t.energy,
        energy_per_particle: t.energy / n as f64,
        pressure: t.pressure(D, v),
        max_force,
        typical_pair_force: typical_pair_force(cfg, &t),
        force_resolution: cfg.force_resolution(),
        n_bonds: bonds.len(),
        bonds_per_particle: 2.0 * bonds.len() as f64 / n as f64,
        n_rattlers,
        bonds_per_particle_without_rattlers: if n > n_rattlers {
            2.0 * kept_bonds as f64 / (n - n_rattlers) as f64
        } else {
            0.0
        },
    })
}
