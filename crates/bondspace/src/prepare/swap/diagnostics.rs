//! What a SWAP Monte Carlo run reports: the move counts ([`MoveStats`]), the traces recorded
//! during production (energy per particle, size autocorrelation, self-overlap, energy
//! bookkeeping), the relaxation times and the equilibration tests (a drift fit of the energy
//! over the last half of the run), gathered in [`McReport`].

use serde::Serialize;

use super::{SwapMc, SwapOptions};
use crate::models::PairPotential;

/// Counts of attempted and accepted moves, and of neighbour-list work.
#[derive(Clone, Copy, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
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
    /// Local outer-list updates (a new outer reference: a cell scan).
    pub reference_updates: u64,
    /// New pair references alone (a pair list re-derived from the outer list).
    #[serde(default)]
    pub pair_updates: u64,
    /// Full neighbour-list rebuilds.
    pub rebuilds: u64,
    /// Pair energies evaluated (both positions of a displacement, both sizes of a swap).
    pub pair_evaluations: u64,
}

impl MoveStats {
    /// The counts of `self` minus those of `o` (an earlier snapshot).
    pub fn minus(&self, o: &MoveStats) -> MoveStats {
        MoveStats {
            displacement_attempts: self.displacement_attempts - o.displacement_attempts,
            displacement_accepted: self.displacement_accepted - o.displacement_accepted,
            swap_attempts: self.swap_attempts - o.swap_attempts,
            swap_accepted: self.swap_accepted - o.swap_accepted,
            far_trials: self.far_trials - o.far_trials,
            reference_updates: self.reference_updates - o.reference_updates,
            pair_updates: self.pair_updates - o.pair_updates,
            rebuilds: self.rebuilds - o.rebuilds,
            pair_evaluations: self.pair_evaluations - o.pair_evaluations,
        }
    }

    /// The counts of `self` plus those of `o`.
    pub fn plus(&self, o: &MoveStats) -> MoveStats {
        MoveStats {
            displacement_attempts: self.displacement_attempts + o.displacement_attempts,
            displacement_accepted: self.displacement_accepted + o.displacement_accepted,
            swap_attempts: self.swap_attempts + o.swap_attempts,
            swap_accepted: self.swap_accepted + o.swap_accepted,
            far_trials: self.far_trials + o.far_trials,
            reference_updates: self.reference_updates + o.reference_updates,
            pair_updates: self.pair_updates + o.pair_updates,
            rebuilds: self.rebuilds + o.rebuilds,
            pair_evaluations: self.pair_evaluations + o.pair_evaluations,
        }
    }

    fn ratio(a: u64, b: u64) -> f64 {
        if b == 0 { 0.0 } else { a as f64 / b as f64 }
    }

    /// Acceptance rate of displacements.
    pub fn displacement_acceptance(&self) -> f64 {
        Self::ratio(self.displacement_accepted, self.displacement_attempts)
    }

    /// Pair energies evaluated per attempted move.
    pub fn pair_evaluations_per_attempt(&self) -> f64 {
        Self::ratio(
            self.pair_evaluations,
            self.displacement_attempts + self.swap_attempts,
        )
    }

    /// Acceptance rate of swaps.
    pub fn swap_acceptance(&self) -> f64 {
        Self::ratio(self.swap_accepted, self.swap_attempts)
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
    /// Pair energies evaluated per attempted move after tuning (a displacement evaluates each
    /// candidate at the old and the new position, a swap each candidate of both particles
    /// with both sizes).
    pub pair_evaluations_per_trial: f64,
    /// Half-width of the swap window |λ_i − λ_j| (∞: any two particles; JSON null).
    pub swap_window: f64,
    /// Half-skin h of the neighbour lists actually used.
    pub half_skin: f64,
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

/// Self-overlap cutoff a (fraction of particles displaced less than a).
pub const OVERLAP_CUTOFF: f64 = 0.3;

/// The traces of a run, recorded from the end of tuning (t = 0) on.
pub(super) struct Trace<const D: usize> {
    n: usize,
    /// Mean size (constant: swaps only permute sizes).
    mean_size: f64,
    /// δλ_i(0), the sizes at t = 0 minus their mean.
    sizes0: Vec<f64>,
    /// Σ δλ_i(0)².
    norm0: f64,
    /// Cumulative displacements at t = 0.
    disp0: Vec<[f64; D]>,
    sweeps: Vec<u64>,
    energy: Vec<f64>,
    corr: Vec<f64>,
    overlap: Vec<f64>,
    bookkeeping: f64,
}

/// What the driver measured besides the traces.
pub(super) struct RunSummary {
    /// Sweeps spent tuning δ.
    pub tune_sweeps: u64,
    /// Sweeps after tuning.
    pub production_sweeps: u64,
    /// The frozen δ.
    pub delta: f64,
    /// Move counts after tuning.
    pub stats: MoveStats,
    /// Attempted moves per second over the whole run.
    pub attempts_per_second: f64,
    /// Pair evaluations per attempted move after tuning.
    pub pair_evaluations_per_trial: f64,
    /// The half-skin of the lists.
    pub half_skin: f64,
}

impl<const D: usize> Trace<D> {
    /// Empty traces with t = 0 at the chain's current state (`n` particles).
    pub(super) fn start<P: PairPotential>(mc: &SwapMc<'_, D, P>, n: usize) -> Self {
        let mean_size = mc.sizes().sum::<f64>() / n as f64;
        let sizes0: Vec<f64> = mc.sizes().map(|s| s - mean_size).collect();
        let norm0: f64 = sizes0.iter().map(|s| s * s).sum();
        let disp0: Vec<[f64; D]> = mc.displacements().collect();
        Self {
            n,
            mean_size,
            sizes0,
            norm0,
            disp0,
            sweeps: Vec::new(),
            energy: Vec::new(),
            corr: Vec::new(),
            overlap: Vec::new(),
            bookkeeping: 0.0,
        }
    }

    /// Records the trace point of sweep `t` (resynchronising the running energy).
    pub(super) fn record<P: PairPotential>(&mut self, mc: &mut SwapMc<'_, D, P>, t: u64) {
        let n = self.n;
        let a2 = OVERLAP_CUTOFF * OVERLAP_CUTOFF;
        self.bookkeeping = self.bookkeeping.max(mc.resync_energy());
        self.sweeps.push(t);
        self.energy.push(mc.energy() / n as f64);
        let c: f64 = mc
            .sizes()
            .zip(&self.sizes0)
            .map(|(s, s0)| (s - self.mean_size) * s0)
            .sum();
        self.corr.push(if self.norm0 > 0.0 {
            c / self.norm0
        } else {
            1.0
        });
        let q = mc
            .displacements()
            .zip(&self.disp0)
            .filter(|(d, d0)| (0..D).map(|k| (d[k] - d0[k]).powi(2)).sum::<f64>() < a2)
            .count();
        self.overlap.push(q as f64 / n as f64);
    }

    /// The report of the run: relaxation times, equilibration tests and warnings.
    pub(super) fn report(self, opt: &SwapOptions, run: RunSummary) -> McReport {
        let Trace {
            sweeps: trace_sweeps,
            energy,
            corr,
            overlap,
            bookkeeping: book,
            ..
        } = self;
        let prod = run.production_sweeps;
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
        McReport {
            temperature: opt.temperature,
            sweeps: opt.sweeps,
            tune_sweeps: run.tune_sweeps,
            swap_probability: opt.swap_probability,
            delta: run.delta,
            displacement_acceptance: run.stats.displacement_acceptance(),
            swap_acceptance: run.stats.swap_acceptance(),
            attempts_per_second: run.attempts_per_second,
            stats: run.stats,
            pair_evaluations_per_trial: run.pair_evaluations_per_trial,
            swap_window: opt.swap_window,
            half_skin: run.half_skin,
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
        }
    }
}

/// Linear trend of the last half of `trace` from 10 block means: (total change, t statistic).
pub(super) fn drift_last_half(trace: &[f64]) -> (f64, f64) {
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
    use rand::Rng as _;

    #[test]
    fn drift_detects_a_trend_and_ignores_noise() {
        let trend: Vec<f64> = (0..200).map(|i| -(i as f64) * 1e-3).collect();
        assert!(drift_last_half(&trend).1.abs() > 3.0);
        let mut rng = crate::rng::stream(1, crate::rng::Purpose::Other, 0);
        let noise: Vec<f64> = (0..200).map(|_| rng.random::<f64>()).collect();
        assert!(drift_last_half(&noise).1.abs() < 5.0);
    }
}
