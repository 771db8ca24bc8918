//! Preparation of configurations: minimisers, the instant quench, SWAP Monte Carlo at a parent
//! temperature, IPL glasses and harmonic packings at a target pressure.
//!
//! Tolerances: a configuration is force-balanced when max_i |F_i| ≤ `rel_tol` × the typical
//! pair force, defined as the mean |u′(r)| over its bonds (the model's natural force scale if
//! it has none), or when max_i |F_i| is below the resolution of double-precision positions
//! ([`Configuration::force_resolution`]; it matters only near jamming). The default `rel_tol`
//! is [`DEFAULT_REL_TOL`] = 1e-10.

pub mod minimize;
pub mod swap;
pub mod system;
pub mod temperature;

mod harmonic;
mod ipl;

pub use harmonic::{HarmonicOptions, check_harmonic, harmonic_packing, harmonic_packing_sample};
pub use ipl::{
    IplOptions, SIZE_RESTORE_TOL, check_ipl, default_max_equilibration, default_sweeps,
    ipl_instant_quench, ipl_instant_quench_sample, ipl_liquid_start, ipl_random, ipl_sizes,
    ipl_snapshot_glass, ipl_swap_glass, restore_ipl_sizes,
};
pub use swap::{McReport, SwapOptions};
pub use temperature::Temperature;

use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::models::PairPotential;
use crate::with_potential;
use minimize::{CgOptions, FireOptions, MinimizeReport};

/// Default force tolerance relative to the typical pair force.
pub const DEFAULT_REL_TOL: f64 = 1e-10;

/// Bytes per particle that preparing a configuration may need (positions, forces, the
/// minimisers' vectors, Verlet lists of ≈ 50 candidates, Monte Carlo lists), generously: the
/// memory check of [`check_memory`].
pub const PREPARE_BYTES_PER_PARTICLE: f64 = 4096.0;

/// Refuses, before anything is allocated, `n` particles whose preparation would not fit in the
/// available memory ([`Error::MemoryExceeded`]).
pub fn check_memory(n: usize) -> Result<()> {
    let need = n as f64 * PREPARE_BYTES_PER_PARTICLE;
    // where the available memory is unknown, still refuse what no machine has (2⁴⁸ bytes)
    let available = crate::resources::available_memory().unwrap_or(2f64.powi(48));
    if need > available {
        return Err(Error::MemoryExceeded {
            what: format!("preparing {n} particles"),
            need,
            available,
        });
    }
    Ok(())
}

/// Refuses a box whose every edge is not larger than twice `reach` (the minimum image would be
/// ambiguous): `what` describes the system, `min_n` the smallest N that works.
pub(crate) fn check_edge(edge: f64, reach: f64, what: &str, min_n: f64) -> Result<()> {
    if !(edge.is_finite() && edge > 2.0 * reach) {
        return Err(Error::Invalid(format!(
            "{what} make a box of edge {edge:.4}, not larger than twice the largest pair reach \
             {reach:.4}: the minimum image is ambiguous (use at least {} particles)",
            min_n.ceil()
        )));
    }
    Ok(())
}

/// Options of [`quench`].
#[derive(Clone, Copy, Debug)]
pub struct QuenchOptions {
    /// Force tolerance relative to the typical pair force (mean |u′| over bonds).
    pub rel_tol: f64,
    /// FIRE runs to `fire_factor × rel_tol` before CG takes over.
    pub fire_factor: f64,
}

impl Default for QuenchOptions {
    fn default() -> Self {
        Self {
            rel_tol: DEFAULT_REL_TOL,
            fire_factor: 1e5,
        }
    }
}

/// Fastest vibration frequency estimate (Gershgorin-like, from the model's stiffness scale at
/// the mean size) used to set FIRE's time step.
fn omega_max<const D: usize>(cfg: &Configuration<D>) -> f64 {
    let mean = cfg.sizes.iter().sum::<f64>() / cfg.len().max(1) as f64;
    let k = cfg.model.stiffness_scale(mean);
    (8.0 * D as f64 * k).sqrt()
}

/// Minimises the energy at fixed box: FIRE to a loose tolerance, then CG to `rel_tol`.
pub fn quench<const D: usize>(
    cfg: &mut Configuration<D>,
    opt: &QuenchOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<MinimizeReport> {
    quench_above(cfg, opt, None, progress)
}

/// [`quench`], stopped early (as converged) once the virial pressure falls below
/// `min_pressure`: a packing search only needs to know that such a state has unjammed, and
/// relaxing its vanishing overlaps to the force tolerance takes the longest.
pub(crate) fn quench_above<const D: usize>(
    cfg: &mut Configuration<D>,
    opt: &QuenchOptions,
    min_pressure: Option<f64>,
    progress: &dyn crate::progress::Progress,
) -> Result<MinimizeReport> {
    let omega = omega_max(cfg);
    let mean = cfg.sizes.iter().sum::<f64>() / cfg.len().max(1) as f64;
    let fallback = cfg.model.force_scale(mean);
    let floor = cfg.force_resolution();
    let Configuration {
        simbox,
        positions,
        sizes,
        model,
        ..
    } = cfg;
    with_potential!(&*model, p => quench_with(p, *simbox, positions, sizes, omega, (fallback, floor, min_pressure), opt, progress))
}

#[allow(clippy::too_many_arguments)]
fn quench_with<const D: usize, P: PairPotential>(
    p: &P,
    simbox: crate::geometry::SimBox<D>,
    positions: &mut [[f64; D]],
    sizes: &[f64],
    omega: f64,
    (fallback, floor, min_pressure): (f64, f64, Option<f64>),
    opt: &QuenchOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<MinimizeReport> {
    let mut sys =
        system::ParticleSystem::new(p, simbox, positions, sizes, opt.rel_tol, fallback, floor)?;
    sys.stop_below_pressure(min_pressure);
    let x = positions.as_flattened_mut();
    let mut fo = FireOptions::for_frequency(omega);
    fo.tolerance_factor = opt.fire_factor;
    progress.set_message("FIRE");
    let r1 = minimize::fire(&mut sys, x, &fo, progress)?;
    progress.set_message("CG");
    let r2 = minimize::conjugate_gradient(&mut sys, x, &CgOptions::default(), progress)?;
    Ok(r1.then(r2))
}

/// Writes the state (energy, pressure, max force) of `cfg` into its metadata, after wrapping
/// positions into the box so that the numbers describe exactly what is written.
pub fn finalize<const D: usize>(cfg: &mut Configuration<D>) -> Result<crate::state::State> {
    cfg.wrap_positions();
    let st = crate::state::state(cfg)?;
    let fmt = crate::models::fmt_f64;
    cfg.info.insert("energy".into(), fmt(st.energy));
    cfg.info.insert("pressure".into(), fmt(st.pressure));
    cfg.info.insert("max_force".into(), fmt(st.max_force));
    Ok(st)
}

/// What [`minimize_configuration`] did: the state before and after, and how far particles
/// moved.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct MinimizeSummary {
    /// Energy before.
    pub energy_before: f64,
    /// Energy after.
    pub energy_after: f64,
    /// max_i |F_i| before.
    pub max_force_before: f64,
    /// max_i |F_i| after.
    pub max_force_after: f64,
    /// The typical pair force after (the tolerance is relative to it).
    pub typical_force_after: f64,
    /// Largest displacement from the input (minimum image).
    pub max_displacement: f64,
    /// Root-mean-square displacement from the input (minimum image).
    pub rms_displacement: f64,
    /// FIRE and CG iterations.
    pub iterations: usize,
    /// The largest relative change of a size when the sizes of a bondspace IPL glass were
    /// restored from a rounded file ([`restore_ipl_sizes`]); `None`: not restored.
    pub sizes_restored: Option<f64>,
}

/// Minimises a configuration at fixed box ([`quench`]: FIRE, then CG to `opt.rel_tol`), then
/// writes its energy, pressure and max force into its metadata ([`finalize`]). The sizes of a
/// bondspace IPL glass read from a rounded file are restored first
/// ([`restore_ipl_sizes`]), so that the minimum is the original glass's.
pub fn minimize_configuration<const D: usize>(
    cfg: &mut Configuration<D>,
    opt: &QuenchOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<MinimizeSummary> {
    let before = crate::state::state(cfg)?;
    let start = cfg.positions.clone();
    let sizes_restored = ipl::restore_ipl_sizes(cfg);
    let report = quench(cfg, opt, progress)?;
    let after = finalize(cfg)?;
    let (mut max_d, mut sum2) = (0.0f64, 0.0f64);
    for (a, b) in start.iter().zip(&cfg.positions) {
        let d = cfg.simbox.delta(a, b);
        let r2: f64 = d.iter().map(|x| x * x).sum();
        max_d = max_d.max(r2.sqrt());
        sum2 += r2;
    }
    Ok(MinimizeSummary {
        energy_before: before.energy,
        energy_after: after.energy,
        max_force_before: before.max_force,
        max_force_after: after.max_force,
        typical_force_after: after.typical_pair_force,
        max_displacement: max_d,
        rms_displacement: (sum2 / cfg.len().max(1) as f64).sqrt(),
        iterations: report.iterations,
        sizes_restored,
    })
}
