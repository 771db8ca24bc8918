//! Running an ensemble: every (group, sample) task of a shard, prepared and analysed in
//! parallel, each written into its sample directory as it completes; then the pooling.

use std::path::Path;

use super::batch::{run_parallel, write_dir};
use super::{EnsembleSpec, Family, Group, init_dir, sample_dir};
use crate::config::Configuration;
use crate::error::{Error, Result};
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

/// Runs the tasks of shard `shard = (i, n)` (task t belongs to shard t mod n; `(0, 1)` is the
/// whole ensemble), in parallel over samples, then pools every group. `progress` counts the
/// samples.
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
    let tasks: Vec<(usize, usize)> = spec
        .tasks()
        .into_iter()
        .enumerate()
        .filter(|(t, _)| t % n == i)
        .map(|(_, t)| t)
        .collect();
    progress.set_length(tasks.len() as u64);
    let outcomes: Vec<(String, Result<bool>)> = run_parallel(&tasks, Some(progress), |&(g, k)| {
        let group = &spec.groups[g];
        // a cancelled run starts no more samples (finished ones are on disk: a re-run resumes)
        let r = if progress.cancelled() {
            Err(Error::Interrupted)
        } else {
            run_sample(dir, spec, group, k)
        };
        (format!("{}/sample-{k:04}", group.name()), r)
    });
    if progress.cancelled() {
        return Err(Error::Interrupted);
    }
    let mut report = RunReport::default();
    for (name, r) in outcomes {
        match r {
            Ok(true) => report.computed += 1,
            Ok(false) => report.skipped += 1,
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
    let a = &spec.analysis;
    let opt = results::Options {
        method: a.method,
        modes: a.modes,
        phm: a.phm,
        participation: a.participation,
        // a sample with G ≤ 0 is kept and flagged by the pooling
        positive_modulus: false,
        ..Default::default()
    };
    let res = results::analyse(&cfg, &opt)?;
    write_dir(done, |tmp| {
        crate::io::xyz::write_xyz(&cfg, &tmp.join(files::CONFIG))?;
        if let Some(r) = &mc {
            let json = serde_json::to_vec_pretty(r)
                .map_err(|e| Error::Invalid(format!("cannot encode the MC report: {e}")))?;
            crate::io::write_atomic(&tmp.join(files::MC), &json)?;
        }
        results::write_results(tmp, &res)
    })
}
