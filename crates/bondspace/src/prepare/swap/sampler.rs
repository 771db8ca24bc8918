//! Samples drawn from long SWAP chains ([`Chain`]).
//!
//! A chain tunes δ, then equilibrates until its checks pass — the self-overlap Q has decayed
//! below 1/e at least [`MIN_OVERLAP_RELAXATIONS`] times and the size autocorrelation C at
//! least [`MIN_SIZE_RELAXATIONS`] times, the run since tuning lasts at least
//! [`RUN_PER_TAU`] times the latest relaxation time of Q and [`RUN_PER_SIZE_TAU`] times that
//! of C, and the energy per particle does not drift over its last half — and then
//! yields a snapshot every k·τ sweeps ([`ChainOptions::spacing`]), τ the relaxation time of Q
//! measured on the fly: Q and C are measured from a reference time that is reset to the
//! present whenever they fall below 1/e, so that every such interval is one measured
//! relaxation time.
//!
//! A chain runs in blocks of sweeps. Every block starts from the [`ChainState`] alone (a fresh
//! [`SwapMc`] built from the state's positions, sizes and δ, with the random stream of
//! (seed, chain, block)), so the state between blocks is the whole chain: a chain stopped
//! after any block and resumed from its saved state continues bitwise as if it had never
//! stopped, and the same seed gives the same chain whatever the thread count.
//!
//! This module owns the chain's options, state, driver and the per-snapshot report; where
//! states and snapshots are written, and how a snapshot becomes a glass, is the caller's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnostics::drift_last_half;
use super::{MoveStats, OVERLAP_CUTOFF, SwapMc, SwapOptions, delta_factor};
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::{PairPotential, fmt_f64};
use crate::rng::{Purpose, substream};

/// Relaxations of Q (each a decay below 1/e from the previous one) before a chain may sample.
pub const MIN_OVERLAP_RELAXATIONS: usize = 3;
/// Relaxations of C before a chain may sample.
pub const MIN_SIZE_RELAXATIONS: usize = 2;
/// The run since tuning must last this many times the latest relaxation time of Q …
pub const RUN_PER_TAU: u64 = 10;
/// … and this many times the latest relaxation time of C (the slower of the two): a chain
/// that is still ageing has relaxation times that keep growing, and does not pass.
pub const RUN_PER_SIZE_TAU: u64 = 3;

/// Options a chain may be resumed with other values of: the half-skin of the lists (a speed
/// setting: the chain's law does not depend on it, only the rounding of its sums) and the
/// equilibration cap (raised to let a slow chain go on equilibrating; a chain already
/// sampling keeps its verdict).
pub const RESUMABLE_WITH_OTHER: [&str; 2] = ["half_skin", "max_equilibration_sweeps"];

/// Default spacing k of the snapshots, in relaxation times τ of the self-overlap.
pub const DEFAULT_SPACING: f64 = 2.0;
/// Default sweeps spent tuning δ at the start of a chain.
pub const DEFAULT_TUNE_SWEEPS: u64 = 200;
/// Default sweeps between two trace points (energy, Q, C).
pub const DEFAULT_TRACE_EVERY: u64 = 5;

/// Default sweeps of a block (checks and checkpoints happen between blocks): about 5 × 10⁶
/// attempts, at least 100 and at most 5000 sweeps.
pub fn default_block_sweeps(n: usize) -> u64 {
    (5_000_000 / n.max(1) as u64).clamp(100, 5000)
}

/// Options of a chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainOptions {
    /// Temperature (units of ε).
    pub temperature: f64,
    /// Probability that an attempt is a size swap.
    pub swap_probability: f64,
    /// Swaps only exchange sizes closer than this (∞: any two particles).
    pub swap_window: f64,
    /// Half-skin h of the neighbour lists.
    pub half_skin: f64,
    /// Initial δ (tuned during the first `tune_sweeps`).
    pub initial_delta: f64,
    /// Sweeps spent tuning δ (towards 40 % acceptance) before anything is measured.
    pub tune_sweeps: u64,
    /// Sweeps between checks and checkpoints.
    pub block_sweeps: u64,
    /// Sweeps between trace points.
    pub trace_every: u64,
    /// Sweeps (tuning included) after which a chain that has not passed its checks samples
    /// anyway, its snapshots flagged as not equilibrated.
    pub max_equilibration_sweeps: u64,
    /// Snapshots every `spacing` × τ sweeps.
    pub spacing: f64,
    /// Snapshots to take.
    pub snapshots: usize,
}

impl ChainOptions {
    /// Defaults at `temperature` for `n` particles: the SWAP defaults of [`SwapOptions`], an
    /// equilibration cap of `max_equilibration_sweeps` sweeps, one snapshot.
    pub fn new(temperature: f64, n: usize, max_equilibration_sweeps: u64) -> Self {
        let s = SwapOptions::new(temperature, 1);
        Self {
            temperature,
            swap_probability: s.swap_probability,
            swap_window: s.swap_window,
            half_skin: s.half_skin,
            initial_delta: s.initial_delta,
            tune_sweeps: DEFAULT_TUNE_SWEEPS,
            block_sweeps: default_block_sweeps(n),
            trace_every: DEFAULT_TRACE_EVERY,
            max_equilibration_sweeps,
            spacing: DEFAULT_SPACING,
            snapshots: 1,
        }
    }

    /// The options of the Monte Carlo moves.
    fn swap_options(&self) -> SwapOptions {
        let mut s = SwapOptions::new(self.temperature, 1);
        s.swap_probability = self.swap_probability;
        s.swap_window = self.swap_window;
        s.half_skin = self.half_skin;
        s.initial_delta = self.initial_delta;
        s
    }

    fn check(&self) -> Result<()> {
        self.swap_options().check()?;
        if self.tune_sweeps < 5 || self.block_sweeps == 0 || self.trace_every == 0 {
            return Err(Error::Invalid(
                "a chain needs at least 5 tuning sweeps, and blocks and trace intervals of at \
                 least one sweep"
                    .into(),
            ));
        }
        if !(self.spacing.is_finite() && self.spacing > 0.0) {
            return Err(Error::Invalid(format!(
                "snapshot spacing {} (in relaxation times) must be positive",
                self.spacing
            )));
        }
        Ok(())
    }

    /// The options a state records (every option but the number of snapshots, which a
    /// resumed chain may extend). A saved state resumes with options that agree with it on
    /// every key but those of [`RESUMABLE_WITH_OTHER`].
    pub fn signature(&self) -> BTreeMap<String, String> {
        [
            ("temperature", fmt_f64(self.temperature)),
            ("swap_probability", fmt_f64(self.swap_probability)),
            ("swap_window", fmt_f64(self.swap_window)),
            ("half_skin", fmt_f64(self.half_skin)),
            ("initial_delta", fmt_f64(self.initial_delta)),
            ("tune_sweeps", self.tune_sweeps.to_string()),
            ("block_sweeps", self.block_sweeps.to_string()),
            ("trace_every", self.trace_every.to_string()),
            (
                "max_equilibration_sweeps",
                self.max_equilibration_sweeps.to_string(),
            ),
            ("spacing", fmt_f64(self.spacing)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// Where a chain is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Not started: δ is tuned first.
    Tuning,
    /// Running until the equilibration checks pass.
    Equilibrating,
    /// Taking snapshots.
    Sampling,
}

/// The traces of a chain from the end of tuning on, one point every `trace_every` sweeps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChainTrace {
    /// Sweep (from the start of the chain, tuning included) of each point.
    pub sweep: Vec<u64>,
    /// Energy per particle (the running energy).
    pub energy_per_particle: Vec<f64>,
    /// Self-overlap Q since its current reference time (fraction of particles displaced less
    /// than [`OVERLAP_CUTOFF`]; the reference is reset when Q falls below 1/e).
    pub self_overlap: Vec<f64>,
    /// Size autocorrelation C since its current reference time (reset below 1/e).
    pub size_autocorrelation: Vec<f64>,
}

/// One measured relaxation: Q or C fell below 1/e at `end`, `length` sweeps after its
/// reference time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relaxation {
    /// Sweep at which it fell below 1/e.
    pub end: u64,
    /// Sweeps since the reference time.
    pub length: u64,
}

/// The whole state of a chain between two blocks (its checkpoint file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainState {
    /// Chain index.
    pub chain: u64,
    /// Seed of the chain's random streams.
    pub seed: u64,
    /// Dimension.
    pub dim: usize,
    /// Particles.
    pub n: usize,
    /// The options it runs with ([`ChainOptions::signature`]).
    pub options: BTreeMap<String, String>,
    /// Where the chain is.
    pub phase: Phase,
    /// Sweeps done since the start (tuning included).
    pub sweep: u64,
    /// Blocks done (block b uses the random stream (seed, chain, b)).
    pub blocks: u64,
    /// The displacement half-width δ (frozen after tuning).
    pub delta: f64,
    /// Positions, flattened (N × d), wrapped into the box.
    pub positions: Vec<f64>,
    /// Sizes.
    pub sizes: Vec<f64>,
    /// Displacements since the self-overlap's reference time, flattened (N × d).
    pub displacements: Vec<f64>,
    /// Sweep of the self-overlap's reference time.
    pub overlap_reference: u64,
    /// Sweep of the size autocorrelation's reference time.
    pub size_reference: u64,
    /// Sizes at that time.
    pub reference_sizes: Vec<f64>,
    /// The relaxations of Q measured so far.
    pub overlap_relaxations: Vec<Relaxation>,
    /// The relaxations of C measured so far.
    pub size_relaxations: Vec<Relaxation>,
    /// Traces from the end of tuning.
    pub trace: ChainTrace,
    /// Move counts since the end of tuning.
    pub stats: MoveStats,
    /// Sweep at which sampling started (the checks passed, or the cap was reached).
    pub equilibrated_at: Option<u64>,
    /// Whether the checks passed (false: the equilibration cap was reached first).
    pub equilibrated: bool,
    /// Drift of e/N over the last half of the equilibration and its t statistic.
    pub drift: Option<(f64, f64)>,
    /// τ: mean length (sweeps) of the relaxations of Q in the last half of the equilibration.
    pub tau: Option<f64>,
    /// The same for C (None: C did not relax in that half).
    pub tau_size: Option<f64>,
    /// Sweeps between snapshots, ⌈k τ⌉.
    pub spacing: Option<u64>,
    /// Snapshots taken.
    pub snapshots_done: usize,
    /// Largest |running − recomputed| total energy at the ends of the blocks.
    pub energy_bookkeeping_error: f64,
    /// Wall seconds of Monte Carlo spent on the chain so far (over every run of it).
    pub seconds: f64,
}

/// What a snapshot's sample records of its chain (its `mc.json`).
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotReport {
    /// Temperature.
    pub temperature: f64,
    /// The chain it came from.
    pub chain: u64,
    /// Its index among the chain's snapshots.
    pub snapshot: usize,
    /// The sweep it was taken at (from the start of the chain, tuning included).
    pub sweep: u64,
    /// The same (the sweeps the liquid had run).
    pub sweeps: u64,
    /// Sweeps spent tuning δ.
    pub tune_sweeps: u64,
    /// Sweep at which the chain started sampling.
    pub equilibration_sweeps: u64,
    /// Whether the chain passed its equilibration checks.
    pub equilibrated: bool,
    /// τ of Q (sweeps) at equilibration.
    pub tau: f64,
    /// τ of C (sweeps) at equilibration, if C relaxed in the last half of the equilibration.
    pub tau_size: Option<f64>,
    /// Mean τ of Q over the relaxations measured while sampling so far (None: none yet).
    pub tau_sampling: Option<f64>,
    /// Sweeps between snapshots.
    pub spacing: u64,
    /// Snapshot spacing in units of τ (the option k).
    pub spacing_factor: f64,
    /// The frozen δ.
    pub delta: f64,
    /// Swap window (∞: any two particles; JSON null).
    pub swap_window: f64,
    /// Acceptance of displacements since tuning.
    pub displacement_acceptance: f64,
    /// Acceptance of swaps since tuning.
    pub swap_acceptance: f64,
    /// Pair energies evaluated per attempt since tuning.
    pub pair_evaluations_per_trial: f64,
    /// Attempts per wall second over the chain so far.
    pub attempts_per_second: f64,
    /// Wall seconds of Monte Carlo spent on the chain so far.
    pub chain_seconds: f64,
    /// Sweeps until Q first fell below 1/e from the end of tuning.
    pub overlap_relaxation_sweeps: Option<u64>,
    /// Sweeps until C first fell below 1/e from the end of tuning.
    pub size_relaxation_sweeps: Option<u64>,
    /// Drift of e/N over the last half of the equilibration.
    pub energy_drift_last_half: f64,
    /// Its t statistic.
    pub energy_drift_t: f64,
    /// Largest |running − recomputed| total energy seen.
    pub energy_bookkeeping_error: f64,
    /// Energy per particle of the liquid at the snapshot.
    pub liquid_energy_per_particle: f64,
    /// Why the chain's samples may not be equilibrated, in words.
    pub warnings: Vec<String>,
}

/// A snapshot: the liquid at one sweep of a chain, in the caller's particle order.
#[derive(Clone, Debug)]
pub struct Snapshot<const D: usize> {
    /// Index among the chain's snapshots.
    pub index: usize,
    /// Positions.
    pub positions: Vec<[f64; D]>,
    /// Sizes.
    pub sizes: Vec<f64>,
    /// What the sample records of its chain.
    pub report: SnapshotReport,
}

/// What [`Chain::advance`] did.
#[derive(Clone, Debug)]
pub enum Event<const D: usize> {
    /// A block ran: save the state ([`Chain::state`]) to resume from here.
    Checkpoint,
    /// A block ran and ended on a snapshot: make its sample, then save the state (a run
    /// stopped in between redoes the block and finds the sample made).
    Snapshot(Box<Snapshot<D>>),
    /// Every snapshot is taken; nothing ran.
    Done,
}

/// A SWAP chain that yields snapshots ([module docs](self)).
pub struct Chain<'p, const D: usize, P: PairPotential> {
    pot: &'p P,
    simbox: SimBox<D>,
    opt: ChainOptions,
    state: ChainState,
}

fn flat<const D: usize>(v: impl Iterator<Item = [f64; D]>) -> Vec<f64> {
    v.flat_map(|x| x.into_iter()).collect()
}

fn unflat<const D: usize>(v: &[f64]) -> Vec<[f64; D]> {
    v.chunks_exact(D)
        .map(|c| std::array::from_fn(|k| c[k]))
        .collect()
}

fn mean(v: impl Iterator<Item = u64>) -> Option<f64> {
    let (s, k) = v.fold((0.0, 0usize), |(s, k), x| (s + x as f64, k + 1));
    (k > 0).then(|| s / k as f64)
}

impl<'p, const D: usize, P: PairPotential> Chain<'p, D, P> {
    /// A new chain `chain` of seed `seed` from `positions` and `sizes` (a liquid without
    /// overlaps).
    pub fn start(
        pot: &'p P,
        simbox: SimBox<D>,
        positions: &[[f64; D]],
        sizes: &[f64],
        opt: &ChainOptions,
        seed: u64,
        chain: u64,
    ) -> Result<Self> {
        opt.check()?;
        let n = positions.len();
        if sizes.len() != n || n < 2 {
            return Err(Error::Invalid(
                "a chain needs at least 2 particles with one size each".into(),
            ));
        }
        let state = ChainState {
            chain,
            seed,
            dim: D,
            n,
            options: opt.signature(),
            phase: Phase::Tuning,
            sweep: 0,
            blocks: 0,
            delta: opt.initial_delta,
            positions: flat(positions.iter().map(|p| simbox.wrap(p))),
            sizes: sizes.to_vec(),
            displacements: vec![0.0; n * D],
            overlap_reference: 0,
            size_reference: 0,
            reference_sizes: sizes.to_vec(),
            overlap_relaxations: Vec::new(),
            size_relaxations: Vec::new(),
            trace: ChainTrace::default(),
            stats: MoveStats::default(),
            equilibrated_at: None,
            equilibrated: false,
            drift: None,
            tau: None,
            tau_size: None,
            spacing: None,
            snapshots_done: 0,
            energy_bookkeeping_error: 0.0,
            seconds: 0.0,
        };
        Ok(Self {
            pot,
            simbox,
            opt: opt.clone(),
            state,
        })
    }

    /// A chain continued from a saved state; an error unless the state is chain `chain` of
    /// seed `seed` with `D` dimensions, made with the same options (but the number of
    /// snapshots).
    pub fn resume(
        pot: &'p P,
        simbox: SimBox<D>,
        opt: &ChainOptions,
        state: ChainState,
        seed: u64,
        chain: u64,
    ) -> Result<Self> {
        opt.check()?;
        let n = state.n;
        let consistent = state.dim == D
            && state.positions.len() == n * D
            && state.sizes.len() == n
            && state.displacements.len() == n * D
            && state.reference_sizes.len() == n;
        if !consistent {
            return Err(Error::Invalid(
                "a chain state with inconsistent arrays".into(),
            ));
        }
        if state.chain != chain || state.seed != seed {
            return Err(Error::Invalid(format!(
                "the saved state is chain {} of seed {}, not chain {chain} of seed {seed}",
                state.chain, state.seed
            )));
        }
        let binding = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
            m.iter()
                .filter(|(k, _)| !RESUMABLE_WITH_OTHER.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let mut state = state;
        if binding(&state.options) != binding(&opt.signature()) {
            let diff: Vec<String> = binding(&opt.signature())
                .iter()
                .filter(|(k, v)| state.options.get(*k) != Some(v))
                .map(|(k, v)| {
                    let old = state.options.get(k).map_or("(none)", String::as_str);
                    format!("{k}={old} (requested {v})")
                })
                .collect();
            return Err(Error::Invalid(format!(
                "the saved chain was made with other options: {}",
                diff.join(", ")
            )));
        }
        // from here on the state records what it continues with
        state.options = opt.signature();
        Ok(Self {
            pot,
            simbox,
            opt: opt.clone(),
            state,
        })
    }

    /// The chain's state (save it after every [`Chain::advance`] to resume from there).
    pub fn state(&self) -> &ChainState {
        &self.state
    }

    /// Whether every snapshot is taken.
    pub fn finished(&self) -> bool {
        self.state.snapshots_done >= self.opt.snapshots
    }

    /// Sweep of the next snapshot (sampling only).
    fn next_snapshot(&self) -> Option<u64> {
        let s = &self.state;
        Some(s.equilibrated_at? + s.snapshots_done as u64 * s.spacing?)
    }

    /// Runs one block: tuning, or sweeps up to the next check, snapshot or equilibration cap.
    pub fn advance(&mut self) -> Result<Event<D>> {
        if self.finished() {
            return Ok(Event::Done);
        }
        self.run_block()
    }

    fn run_block(&mut self) -> Result<Event<D>> {
        let start = std::time::Instant::now();
        let swap = self.opt.swap_options();
        let rng = substream(
            self.state.seed,
            Purpose::Chain,
            self.state.chain,
            self.state.blocks,
        );
        let positions = unflat::<D>(&self.state.positions);
        let mut mc = SwapMc::new(
            self.pot,
            self.simbox,
            &positions,
            &self.state.sizes,
            &swap,
            rng,
        )?;
        mc.set_delta(self.state.delta);
        let stats0 = mc.stats();
        let tune = self.opt.tune_sweeps;
        if self.state.phase == Phase::Tuning {
            // every 5 sweeps, scale δ towards 40 % displacement acceptance
            let mut last = mc.stats();
            for s in 1..=tune {
                mc.sweep();
                if s % 5 == 0 {
                    let acc = mc.stats().minus(&last).displacement_acceptance();
                    mc.set_delta(mc.delta() * delta_factor(acc));
                    last = mc.stats();
                }
            }
            self.state.sweep = tune;
            self.state.delta = mc.delta();
            self.finish_block(&mut mc, None);
            self.state.phase = Phase::Equilibrating;
            self.state.overlap_reference = tune;
            self.state.size_reference = tune;
            self.state.reference_sizes = self.state.sizes.clone();
            self.state.displacements.fill(0.0);
            mc.reset_displacements();
            self.trace_point(&mut mc, tune);
            self.state.seconds += start.elapsed().as_secs_f64();
            return Ok(Event::Checkpoint);
        }
        let next_check = {
            let done = self.state.sweep - tune;
            tune + (done / self.opt.block_sweeps + 1) * self.opt.block_sweeps
        };
        let end = match self.state.phase {
            Phase::Equilibrating => next_check.min(self.opt.max_equilibration_sweeps.max(tune + 1)),
            _ => next_check.min(self.next_snapshot().unwrap_or(next_check)),
        };
        let end = end.max(self.state.sweep + 1);
        for s in self.state.sweep + 1..=end {
            mc.sweep();
            if (s - tune).is_multiple_of(self.opt.trace_every) {
                self.trace_point(&mut mc, s);
            }
        }
        self.state.sweep = end;
        self.finish_block(&mut mc, Some(stats0));
        self.state.seconds += start.elapsed().as_secs_f64();
        if self.state.phase == Phase::Equilibrating {
            self.check_equilibration();
        }
        if self.state.phase == Phase::Sampling && self.next_snapshot() == Some(self.state.sweep) {
            let index = self.state.snapshots_done;
            self.state.snapshots_done += 1;
            let report = self.report(index, mc.energy() / self.state.n as f64);
            return Ok(Event::Snapshot(Box::new(Snapshot {
                index,
                positions: unflat::<D>(&self.state.positions),
                sizes: self.state.sizes.clone(),
                report,
            })));
        }
        Ok(Event::Checkpoint)
    }

    /// Copies the chain's configuration, displacements and counts back into the state at the
    /// end of a block.
    fn finish_block(&mut self, mc: &mut SwapMc<'_, D, P>, stats0: Option<MoveStats>) {
        let err = mc.resync_energy();
        let s = &mut self.state;
        s.energy_bookkeeping_error = s.energy_bookkeeping_error.max(err);
        s.positions = flat(mc.positions());
        s.sizes = mc.sizes().collect();
        for (a, d) in s.displacements.chunks_exact_mut(D).zip(mc.displacements()) {
            for k in 0..D {
                a[k] += d[k];
            }
        }
        if let Some(s0) = stats0 {
            s.stats = s.stats.plus(&mc.stats().minus(&s0));
        }
        s.blocks += 1;
    }

    /// Records the trace point of sweep `t`, and a relaxation of Q or C (with a new reference
    /// time) when it fell below 1/e.
    fn trace_point(&mut self, mc: &mut SwapMc<'_, D, P>, t: u64) {
        let s = &mut self.state;
        let n = s.n;
        let a2 = OVERLAP_CUTOFF * OVERLAP_CUTOFF;
        let q = s
            .displacements
            .chunks_exact(D)
            .zip(mc.displacements())
            .filter(|(a, d)| (0..D).map(|k| (a[k] + d[k]).powi(2)).sum::<f64>() < a2)
            .count() as f64
            / n as f64;
        let mean = s.reference_sizes.iter().sum::<f64>() / n as f64;
        let norm: f64 = s.reference_sizes.iter().map(|x| (x - mean).powi(2)).sum();
        let c = if norm > 0.0 {
            mc.sizes()
                .zip(&s.reference_sizes)
                .map(|(x, r)| (x - mean) * (r - mean))
                .sum::<f64>()
                / norm
        } else {
            1.0
        };
        s.trace.sweep.push(t);
        s.trace.energy_per_particle.push(mc.energy() / n as f64);
        s.trace.self_overlap.push(q);
        s.trace.size_autocorrelation.push(c);
        let e1 = (-1.0f64).exp();
        if q < e1 {
            s.overlap_relaxations.push(Relaxation {
                end: t,
                length: t - s.overlap_reference,
            });
            s.overlap_reference = t;
            s.displacements.fill(0.0);
            mc.reset_displacements();
        }
        if c < e1 {
            s.size_relaxations.push(Relaxation {
                end: t,
                length: t - s.size_reference,
            });
            s.size_reference = t;
            s.reference_sizes = mc.sizes().collect();
        }
    }

    /// At a check: starts sampling when the checks pass or the cap is reached.
    fn check_equilibration(&mut self) {
        let tune = self.opt.tune_sweeps;
        let s = &mut self.state;
        let run = s.sweep - tune;
        let (drift, drift_t) = drift_last_half(&s.trace.energy_per_particle);
        let tau_last = s.overlap_relaxations.last().map(|r| r.length);
        let tau_size_last = s.size_relaxations.last().map(|r| r.length);
        let pass = s.overlap_relaxations.len() >= MIN_OVERLAP_RELAXATIONS
            && s.size_relaxations.len() >= MIN_SIZE_RELAXATIONS
            && tau_last.is_some_and(|t| run >= RUN_PER_TAU * t)
            && tau_size_last.is_some_and(|t| run >= RUN_PER_SIZE_TAU * t)
            && drift_t.abs() <= 3.0;
        let capped = s.sweep >= self.opt.max_equilibration_sweeps;
        if !(pass || capped) {
            return;
        }
        let half = tune + run / 2;
        let tau = mean(
            s.overlap_relaxations
                .iter()
                .filter(|r| r.end > half)
                .map(|r| r.length),
        )
        .or(tau_last.map(|t| t as f64))
        .unwrap_or(run as f64);
        s.tau_size = mean(
            s.size_relaxations
                .iter()
                .filter(|r| r.end > half)
                .map(|r| r.length),
        );
        s.tau = Some(tau);
        s.spacing = Some(((self.opt.spacing * tau).ceil() as u64).max(1));
        s.equilibrated_at = Some(s.sweep);
        s.equilibrated = pass;
        s.drift = Some((drift, drift_t));
        s.phase = Phase::Sampling;
    }

    /// The report of snapshot `index`, taken now.
    fn report(&self, index: usize, liquid_energy_per_particle: f64) -> SnapshotReport {
        let s = &self.state;
        let tune = self.opt.tune_sweeps;
        let eq = s.equilibrated_at.unwrap_or(s.sweep);
        let (drift, drift_t) = s.drift.unwrap_or((0.0, 0.0));
        let mut warnings = Vec::new();
        if !s.equilibrated {
            warnings.push(format!(
                "the chain did not pass its equilibration checks within {} sweeps (Q relaxed {} \
                 times, C {} times, drift t = {drift_t:.1}): its samples may not be equilibrated",
                self.opt.max_equilibration_sweeps,
                s.overlap_relaxations.len(),
                s.size_relaxations.len()
            ));
        }
        let attempts = s.sweep as f64 * s.n as f64;
        SnapshotReport {
            temperature: self.opt.temperature,
            chain: s.chain,
            snapshot: index,
            sweep: s.sweep,
            sweeps: s.sweep,
            tune_sweeps: tune,
            equilibration_sweeps: eq,
            equilibrated: s.equilibrated,
            tau: s.tau.unwrap_or(f64::NAN),
            tau_size: s.tau_size,
            tau_sampling: mean(
                s.overlap_relaxations
                    .iter()
                    .filter(|r| r.end > eq)
                    .map(|r| r.length),
            ),
            spacing: s.spacing.unwrap_or(0),
            spacing_factor: self.opt.spacing,
            delta: s.delta,
            swap_window: self.opt.swap_window,
            displacement_acceptance: s.stats.displacement_acceptance(),
            swap_acceptance: s.stats.swap_acceptance(),
            pair_evaluations_per_trial: s.stats.pair_evaluations_per_attempt(),
            attempts_per_second: attempts / s.seconds.max(1e-9),
            chain_seconds: s.seconds,
            overlap_relaxation_sweeps: s.overlap_relaxations.first().map(|r| r.length),
            size_relaxation_sweeps: s.size_relaxations.first().map(|r| r.length),
            energy_drift_last_half: drift,
            energy_drift_t: drift_t,
            energy_bookkeeping_error: s.energy_bookkeeping_error,
            liquid_energy_per_particle,
            warnings,
        }
    }
}
