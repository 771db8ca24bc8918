//! Samples drawn from long SWAP chains, resumably: chain c of a group starts from the liquid of
//! sample c (its random positions, overlaps removed), equilibrates by its own checks and takes
//! snapshots every k·τ sweeps ([`crate::prepare::swap::sampler`]); each snapshot is quenched
//! and handed to the caller, who writes it as a sample. After every block the chain's state is
//! written atomically to its checkpoint file, so a killed run restarts each chain from its last
//! checkpoint, and the files are the same as those of an uninterrupted run.
//!
//! Snapshot j of chain c is sample k = j·M + c of a group of M chains ([`sample_of`]), so that
//! the first M samples are the first snapshots of the M chains.

use std::path::Path;

use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::prepare::swap::{Chain, ChainOptions, ChainState, Event, Snapshot};
use crate::prepare::{IplOptions, ipl_liquid_start, ipl_random, ipl_snapshot_glass};
use crate::progress::SILENT;

/// Sample index of snapshot `j` of chain `c` among `chains` chains.
pub fn sample_of(j: usize, c: usize, chains: usize) -> usize {
    j * chains + c
}

/// The number of snapshots chain `c` of `chains` takes for `samples` samples in all.
pub fn snapshots_of(c: usize, chains: usize, samples: usize) -> usize {
    if c >= samples {
        0
    } else {
        (samples - c).div_ceil(chains)
    }
}

/// Wall seconds spent making one sample before its analysis (kept as `cost.json` in the
/// sample directory, for the cost of a study per stage).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrepCost {
    /// SWAP Monte Carlo since the previous snapshot of its chain, or since the chain started
    /// or resumed in this process (then the equilibration is included); None for samples not
    /// drawn from a chain.
    pub swap_seconds: Option<f64>,
    /// The preparation: the quench of a snapshot, or the whole preparation of a sample of its
    /// own (SWAP run, quench or packing).
    pub prepare_seconds: f64,
    /// True when `swap_seconds` includes the chain's equilibration (its first snapshot in
    /// this process, made from a fresh start).
    #[serde(default)]
    pub includes_equilibration: bool,
}

/// How to sample a group from chains.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChainSampling {
    /// Independent chains per group (M).
    pub chains: usize,
    /// Snapshots every `spacing` × τ sweeps (k).
    pub spacing: f64,
}

/// Default number of chains for `samples` samples: 8, or fewer when there are fewer samples.
pub fn default_chains(samples: usize) -> usize {
    samples.clamp(1, 8)
}

/// What running one chain did.
#[derive(Clone, Debug, Default)]
pub struct ChainOutcome {
    /// Samples made now.
    pub computed: usize,
    /// Samples found already made.
    pub skipped: usize,
}

fn read_state(path: &Path) -> Result<ChainState> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}

fn write_state(path: &Path, s: &ChainState) -> Result<()> {
    let json = serde_json::to_vec(s)
        .map_err(|e| Error::Invalid(format!("cannot encode a chain state: {e}")))?;
    crate::io::write_atomic(path, &json)
}

/// Runs chain `chain` of an IPL group of `n` particles (its streams from `seed`) with the
/// options `opt` until it has taken `opt.snapshots` snapshots, resuming from `checkpoint` when
/// that file exists and writing it after every block. Each snapshot's glass is passed to
/// `emit` (with the snapshot and the seconds it took), which writes it as a sample unless that sample exists and
/// returns whether it made it; `exists(j)` says whether snapshot j's sample is already there
/// (its quench is then skipped).
#[allow(clippy::too_many_arguments)]
pub fn run_ipl_chain<const D: usize>(
    n: usize,
    ipl: &IplOptions,
    opt: &ChainOptions,
    seed: u64,
    chain: usize,
    checkpoint: &Path,
    exists: impl Fn(usize) -> bool,
    mut emit: impl FnMut(Configuration<D>, &Snapshot<D>, PrepCost) -> Result<()>,
) -> Result<ChainOutcome> {
    let mut out = ChainOutcome::default();
    let template = ipl_random::<D>(n, ipl, seed, chain as u64)?;
    let c = chain as u64;
    let fresh = !checkpoint.exists();
    let mut ch = if !fresh {
        let state = read_state(checkpoint)?;
        Chain::resume(&ipl.model, template.simbox, opt, state, seed, c)
            .map_err(|e| Error::Invalid(format!("{}: {e}", checkpoint.display())))?
    } else {
        let liquid = ipl_liquid_start::<D>(n, ipl, seed, c, SILENT)?;
        Chain::start(
            &ipl.model,
            liquid.simbox,
            &liquid.positions,
            &liquid.sizes,
            opt,
            seed,
            c,
        )?
    };
    let mut last = std::time::Instant::now();
    let mut first = fresh;
    loop {
        match ch.advance()? {
            Event::Checkpoint => write_state(checkpoint, ch.state())?,
            Event::Snapshot(s) => {
                if exists(s.index) {
                    out.skipped += 1;
                } else {
                    let swap_seconds = Some(last.elapsed().as_secs_f64());
                    let t = std::time::Instant::now();
                    let glass = ipl_snapshot_glass(&template, &s, ipl, SILENT)?;
                    let cost = PrepCost {
                        swap_seconds,
                        prepare_seconds: t.elapsed().as_secs_f64(),
                        includes_equilibration: first,
                    };
                    emit(glass, &s, cost)?;
                    out.computed += 1;
                }
                first = false;
                write_state(checkpoint, ch.state())?;
                last = std::time::Instant::now();
            }
            Event::Done => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_cover_the_samples_once() {
        for (chains, samples) in [(1, 5), (3, 7), (8, 8), (8, 3), (4, 20)] {
            let mut seen = vec![0; samples];
            for c in 0..chains {
                for j in 0..snapshots_of(c, chains, samples) {
                    seen[sample_of(j, c, chains)] += 1;
                }
            }
            assert!(seen.iter().all(|&k| k == 1), "{chains} chains, {samples}");
        }
    }
}
