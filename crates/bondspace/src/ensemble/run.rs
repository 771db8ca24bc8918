//! Running an ensemble: every task of a shard — a sample, or a chain that makes several
//! ([`super::chains`]) — prepared and analysed in parallel, each sample written into its
//! sample directory as it completes; then the pooling.

use std::path::Path;

use super::batch::{run_parallel, write_dir};
use super::chains::{PrepCost, run_ipl_chain, sample_of, snapshots_of};
use super::{EnsembleSpec, Family, Group, Task, chain_file, init_dir, sample_dir};
use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::prepare::swap::ChainOptions;
use crate::prepare::{self, HarmonicOptions, IplOptions, SwapOptions, Temperature};
use crate::progress::{Progress, SILENT};
use crate::results::{self, files};
use crate::rng::derive_seed;

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Samples computed now.
    pub computed: usize,
    /// Samples found already written.
    pub skipped: usize,
    /// Samples that failed, with the error (they are retried by a re-run).
    pub failed: Vec<(String, String)>,
}

/// Runs the tasks of shard `shard = (i, n)` (task t of [`EnsembleSpec::tasks`] belongs to
/// shard t mod n; `(0, 1)` is the whole ensemble), in parallel over tasks, then pools every
/// group. `progress` counts the samples.
///
/// The specification is checked before anything is written ([`EnsembleSpec::check`]); the
/// directory is then locked for the whole run ([`crate::io::lock::DirLock`]: a second run
/// into it gets [`Error::Busy`]), and temporary files of killed runs are removed.
pub fn run(
    dir: &Path,
    spec: &EnsembleSpec,
    shard: (usize, usize),
    progress: &dyn Progress,
) -> Result<RunReport> {
    let (i, n) = shard;
    if n == 0 || i >= n {
        return Err(Error::Invalid(format!("bad shard {i}/{n}")));
    }
    spec.check()?;
    spec.check_memory()?;
    let _lock = crate::io::lock::DirLock::acquire(dir)?;
    init_dir(dir, spec)?;
    crate::io::remove_stale_temps(dir)?;
    for g in &spec.groups {
        crate::io::remove_stale_temps(&dir.join(g.name()))?;
    }
    let tasks: Vec<Task> = spec
        .tasks()
        .into_iter()
        .enumerate()
        .filter(|(t, _)| t % n == i)
        .map(|(_, t)| t)
        .collect();
    let weight = |t: &Task| match *t {
        Task::Sample { .. } => 1,
        Task::Chain { group, chain } => spec
            .chains_of(group)
            .map_or(0, |c| snapshots_of(chain, c.chains, spec.samples)),
    };
    progress.set_length(tasks.iter().map(weight).sum::<usize>() as u64);
    let outcomes: Vec<(String, Result<(usize, usize)>)> =
        run_parallel(&tasks, None, |t| match *t {
            Task::Sample { group, sample } => {
                let g = &spec.groups[group];
                // a cancelled run starts no more samples (finished ones are on disk)
                let r = if progress.cancelled() {
                    Err(Error::Interrupted)
                } else {
                    run_sample(dir, spec, g, sample).map(|made| (made as usize, !made as usize))
                };
                progress.inc(1);
                (format!("{}/sample-{sample:04}", g.name()), r)
            }
            Task::Chain { group, chain } => {
                let g = &spec.groups[group];
                let r = run_chain(dir, spec, group, chain, progress);
                (format!("{}/chain-{chain:04}", g.name()), r)
            }
        });
    if progress.cancelled() {
        return Err(Error::Interrupted);
    }
    let mut report = RunReport::default();
    for (name, r) in outcomes {
        match r {
            Ok((made, found)) => {
                report.computed += made;
                report.skipped += found;
            }
            Err(e) => report.failed.push((name, e.to_string())),
        }
    }
    super::pool(dir)?;
    Ok(report)
}

/// Prepares and analyses one sample unless its directory exists; true if computed.
fn run_sample(dir: &Path, spec: &EnsembleSpec, group: &Group, k: usize) -> Result<bool> {
    let done = sample_dir(dir, group, k);
    if done.exists() {
        return Ok(false);
    }
    crate::with_dim_const!(group.dim, D => compute_sample::<D>(&done, spec, group, k))?;
    Ok(true)
}

fn compute_sample<const D: usize>(
    done: &Path,
    spec: &EnsembleSpec,
    group: &Group,
    k: usize,
) -> Result<()> {
    let seed = derive_seed(spec.seed, &group.name());
    let t = std::time::Instant::now();
    let (cfg, mc): (Configuration<D>, _) = match group.family {
        Family::Ipl {
            tp: Temperature::Infinite,
            ..
        } => {
            let opt = IplOptions::defaults(D);
            let c = prepare::ipl_instant_quench_sample::<D>(group.n, &opt, seed, k as u64, SILENT)?;
            (c, None)
        }
        Family::Ipl {
            tp: Temperature::Finite(t),
            sweeps,
        } => {
            let opt = IplOptions::defaults(D);
            let sw = SwapOptions::new(t, sweeps.unwrap_or_else(|| prepare::default_sweeps(t)));
            let (c, r) = prepare::ipl_swap_glass::<D>(group.n, &opt, &sw, seed, k as u64, SILENT)?;
            (c, Some(r))
        }
        Family::Harmonic { pressure } => {
            let opt = HarmonicOptions {
                pressure,
                ..Default::default()
            };
            let c = prepare::harmonic_packing_sample::<D>(group.n, &opt, seed, k as u64, SILENT)?;
            (c, None)
        }
    };
    let mc = mc.map(|r| serde_json::to_vec_pretty(&r)).transpose();
    let mc = mc.map_err(|e| Error::Invalid(format!("cannot encode the MC report: {e}")))?;
    let cost = PrepCost {
        prepare_seconds: t.elapsed().as_secs_f64(),
        ..Default::default()
    };
    write_sample(done, spec, k, &cfg, mc.as_deref(), cost)
}

/// Analyses `cfg` and writes it, its results, its Monte Carlo report `mc` (JSON) and the
/// seconds of its preparation (`cost.json`) into the
/// sample directory `done`, through a temporary directory renamed into place.
fn write_sample<const D: usize>(
    done: &Path,
    spec: &EnsembleSpec,
    k: usize,
    cfg: &Configuration<D>,
    mc: Option<&[u8]>,
    cost: PrepCost,
) -> Result<()> {
    let a = &spec.analysis;
    let opt = results::Options {
        method: a.method,
        modes: a.modes,
        phm: a.phm,
        participation: a.participation_of(k),
        dipoles: a.dipoles,
        // a sample with G ≤ 0 is kept and flagged by the pooling
        positive_modulus: false,
        ..Default::default()
    };
    let res = results::analyse(cfg, &opt)?;
    write_dir(done, |tmp| {
        crate::io::xyz::write_xyz(cfg, &tmp.join(files::CONFIG))?;
        if let Some(json) = mc {
            crate::io::write_atomic(&tmp.join(files::MC), json)?;
        }
        let cost = serde_json::to_vec_pretty(&cost)
            .map_err(|e| Error::Invalid(format!("cannot encode the cost: {e}")))?;
        crate::io::write_atomic(&tmp.join(super::COST_FILE), &cost)?;
        results::write_results(tmp, &res)
    })
}

/// Runs chain `c` of the chain-sampled group `g` ([`super::chains`]): its snapshots become the
/// samples c, c + M, …; returns the samples (made, found made).
fn run_chain(
    dir: &Path,
    spec: &EnsembleSpec,
    g: usize,
    c: usize,
    progress: &dyn Progress,
) -> Result<(usize, usize)> {
    let group = &spec.groups[g];
    let (Some(cs), Family::Ipl { tp, sweeps }) = (spec.chains_of(g), &group.family) else {
        return Err(Error::Invalid(format!(
            "{} is not chain-sampled",
            group.name()
        )));
    };
    let t = tp.value();
    let seed = derive_seed(spec.seed, &group.name());
    let cap = sweeps.unwrap_or_else(|| prepare::default_max_equilibration(t));
    let mut opt = ChainOptions::new(t, group.n, cap);
    opt.spacing = cs.spacing;
    opt.snapshots = snapshots_of(c, cs.chains, spec.samples);
    let m = cs.chains;
    // the samples already made count as done from the start
    let found = (0..opt.snapshots)
        .filter(|&j| sample_dir(dir, group, sample_of(j, c, m)).exists())
        .count();
    progress.inc(found as u64);
    let gdir = dir.join(group.name());
    std::fs::create_dir_all(&gdir).map_err(|e| Error::io(&gdir, e))?;
    let ckpt = chain_file(dir, group, c);
    let exists = |j: usize| sample_dir(dir, group, sample_of(j, c, m)).exists();
    let out = crate::with_dim_const!(group.dim, D => {
        let ipl = IplOptions::defaults(D);
        run_ipl_chain::<D>(group.n, &ipl, &opt, seed, c, &ckpt, exists, |glass, snap, cost| {
            let k = sample_of(snap.index, c, m);
            let done = sample_dir(dir, group, k);
            let json = serde_json::to_vec_pretty(&snap.report)
                .map_err(|e| Error::Invalid(format!("cannot encode the MC report: {e}")))?;
            write_sample(&done, spec, k, &glass, Some(&json), cost)?;
            progress.inc(1);
            Ok(())
        })
    })?;
    // samples found made: those skipped now, and those of a chain that had finished before
    Ok((out.computed, opt.snapshots - out.computed))
}
