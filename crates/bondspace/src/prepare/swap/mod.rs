//! SWAP Monte Carlo at a parent temperature: the equilibrated liquid that a glass is quenched
//! from (the README's section "Glasses at a parent temperature: SWAP Monte Carlo" has the
//! measured relaxation times).
//!
//! Each sweep is N attempts. With probability `swap_probability` (0.2) an attempt exchanges the
//! sizes of a random particle i and a particle j drawn uniformly among those whose size lies
//! within `swap_window` of i's (∞: any other particle; the proposal is symmetric, see
//! `chain`), otherwise it displaces one random particle uniformly in a cube of half-width δ;
//! both are accepted with the Metropolis rule. Pair energies are summed in blocks of four
//! partners by a branch-free kernel ([`crate::models::PairPotential::sum_lanes`]) written once
//! over [`crate::models::Lanes`] and run on AVX registers where the CPU has AVX2 (bitwise the
//! same chain either way). δ is tuned during a burn-in (the first `tune_fraction` of the
//! sweeps) towards 40 % acceptance and then frozen, so the production part is a proper Markov
//! chain with fixed proposals.
//!
//! The chain depends only on the configuration and the random stream, so the same seed gives
//! bitwise-identical output whatever the thread count (parallelism is over samples).
//!
//! This module owns the options ([`SwapOptions`]) and the driver ([`swap_monte_carlo`]: tuning,
//! production, recording) of one fixed-length run; long chains that equilibrate by their own
//! checks and yield snapshots, resumably, are [`sampler`]. The chain itself (state and moves)
//! is [`SwapMc`] in `chain`, its per-particle neighbour lists are maintained in `lists`, and
//! the report with its traces and equilibration tests ([`McReport`]) is built in
//! `diagnostics`.

mod chain;
mod diagnostics;
mod lists;
pub mod sampler;

pub use chain::SwapMc;
pub use diagnostics::{McReport, MoveStats, OVERLAP_CUTOFF};
pub use sampler::{Chain, ChainOptions, ChainState, Event, Snapshot, SnapshotReport};

use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::PairPotential;
use crate::rng::Rng;
use diagnostics::{RunSummary, Trace};

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
    /// Swaps only exchange sizes closer than this, |λ_i − λ_j| < w (∞: any two particles).
    pub swap_window: f64,
    /// Number of points in the recorded traces.
    pub records: usize,
}

/// Default half-skin h of the neighbour lists (measured: the README's SWAP section).
pub const DEFAULT_HALF_SKIN: f64 = 0.25;

/// Default swap window (measured: the README's SWAP section).
pub const DEFAULT_SWAP_WINDOW: f64 = f64::INFINITY;

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
            half_skin: DEFAULT_HALF_SKIN,
            swap_window: DEFAULT_SWAP_WINDOW,
            records: 200,
        }
    }

    /// Sweeps spent tuning δ.
    pub fn tune_sweeps(&self) -> u64 {
        ((self.sweeps as f64 * self.tune_fraction).round() as u64)
            .max(MIN_TUNE_SWEEPS)
            .min(self.sweeps)
    }

    /// Errors unless the temperature, sweeps, swap probability, δ and skin are usable.
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
        if self.swap_window.is_nan() || self.swap_window <= 0.0 {
            return Err(Error::Invalid(format!(
                "swap window {} must be positive (∞ for any two particles)",
                self.swap_window
            )));
        }
        Ok(())
    }
}

/// The factor by which the tuning scales the displacement δ after a window of sweeps with
/// displacement acceptance `acc`: towards 40 % acceptance, by at most 1.5 and at least 0.5
/// (0.5 when nothing was accepted).
pub(super) fn delta_factor(acc: f64) -> f64 {
    if acc <= 0.0 {
        0.5
    } else {
        (acc / 0.4).clamp(0.5, 1.5)
    }
}

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
        if progress.cancelled() {
            return Err(crate::Error::Interrupted);
        }
        if (s + 1) % window == 0 {
            let acc = mc.stats().minus(&last).displacement_acceptance();
            mc.set_delta(mc.delta() * delta_factor(acc));
            last = mc.stats();
        }
    }
    mc.resync_energy();
    progress.set_message(&format!("SWAP MC at T = {}", opt.temperature));
    let prod = opt.sweeps - tune;
    let stride = (prod / opt.records.max(1) as u64).max(1);
    let mut tr = Trace::start(&mc, n);
    let stats0 = mc.stats();
    tr.record(&mut mc, 0);
    for s in 1..=prod {
        mc.sweep();
        progress.inc(1);
        if progress.cancelled() {
            return Err(crate::Error::Interrupted);
        }
        if s % stride == 0 || s == prod {
            tr.record(&mut mc, s);
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let stats = mc.stats().minus(&stats0);
    let total_attempts = opt.sweeps as f64 * n as f64;
    for (p, x) in positions.iter_mut().zip(mc.positions()) {
        *p = x;
    }
    for (s, x) in sizes.iter_mut().zip(mc.sizes()) {
        *s = x;
    }
    Ok(tr.report(
        opt,
        RunSummary {
            tune_sweeps: tune,
            production_sweeps: prod,
            delta: mc.delta(),
            stats,
            attempts_per_second: total_attempts / elapsed.max(1e-9),
            pair_evaluations_per_trial: stats.pair_evaluations_per_attempt(),
            half_skin: mc.half_skin(),
        },
    ))
}
