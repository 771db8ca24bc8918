//! Batches of SWAP glasses written as configuration files (`prepare ipl` with several
//! samples): either each sample from its own run ([`swap_glasses`]: sample k uses the random
//! streams `(seed, k)` only) or the samples drawn from long chains ([`chain_glasses`], through
//! [`super::chains`]); each is written, with its Monte Carlo diagnostics, as soon as it is
//! done, through the [`super::batch`] machinery, and a re-run skips the samples whose file is
//! already there (made with the same parameters) and resumes each chain from its state.

use std::path::{Path, PathBuf};

use super::batch::run_parallel;
use super::chains::{run_ipl_chain, sample_of, snapshots_of};
use crate::error::{Error, Result};
use crate::models::fmt_f64;
use crate::prepare::swap::{ChainOptions, SnapshotReport};
use crate::prepare::{IplOptions, McReport, SwapOptions, ipl_swap_glass};
use crate::progress::{Progress, SILENT};

/// The file of sample `k` of `count` written to `out`: `out` itself for a single sample, else
/// `stem-kkkk.xyz` beside it.
pub fn sample_path(out: &Path, k: usize, count: usize) -> PathBuf {
    if count <= 1 {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "glass".into());
    let ext = out
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "xyz".into());
    out.with_file_name(format!("{stem}-{k:04}.{ext}"))
}

/// The Monte Carlo diagnostics file beside a configuration: `glass.xyz` → `glass.mc.json`.
pub fn mc_report_path(config: &Path) -> PathBuf {
    config.with_extension("mc.json")
}

/// What happened to one sample of [`swap_glasses`].
#[derive(Clone, Debug)]
pub struct SampleOutcome {
    /// Sample index.
    pub index: usize,
    /// Its configuration file.
    pub path: PathBuf,
    /// False when a valid file was already there (resumed run).
    pub computed: bool,
    /// Inherent-state energy per particle.
    pub energy_per_particle: f64,
    /// The Monte Carlo report of a sample of its own run (None when resumed or drawn from a
    /// chain).
    pub report: Option<McReport>,
    /// The report of a sample drawn from a chain (None when resumed or of its own run).
    pub snapshot: Option<SnapshotReport>,
}

/// `count` independent SWAP glasses of `n` particles in `D` dimensions, in parallel over
/// samples, written to [`sample_path`]`(out, k, count)` with [`mc_report_path`] beside. The
/// files are identical for any thread count. `progress` follows the sweeps of a single
/// sample, or counts the samples of a batch.
pub fn swap_glasses<const D: usize>(
    n: usize,
    opt: &IplOptions,
    swap: &SwapOptions,
    seed: u64,
    out: &Path,
    count: usize,
    progress: &dyn Progress,
) -> Result<Vec<SampleOutcome>> {
    crate::prepare::check_ipl(D, n, opt)?;
    if count > 1 {
        // a killed batch's temporary files (their writer is gone)
        let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
        crate::io::remove_stale_temps(dir.unwrap_or(Path::new(".")))?;
    }
    let ks: Vec<usize> = (0..count).collect();
    let per_sample = (count > 1).then_some(progress);
    let inner: &dyn Progress = if count > 1 { SILENT } else { progress };
    let outcomes = run_parallel(&ks, None, |&k| {
        let path = sample_path(out, k, count);
        if let Some(done) = resume::<D>(&path, n, swap, seed, k)? {
            if let Some(p) = per_sample {
                p.inc(1);
            }
            return Ok(done);
        }
        let (cfg, report) = ipl_swap_glass::<D>(n, opt, swap, seed, k as u64, inner)?;
        // the report first: the configuration file marks a finished sample
        let json = serde_json::to_vec_pretty(&report)
            .map_err(|e| Error::Invalid(format!("cannot encode the MC report: {e}")))?;
        crate::io::write_atomic(&mc_report_path(&path), &json)?;
        crate::io::xyz::write_xyz(&cfg, &path)?;
        if let Some(p) = per_sample {
            p.inc(1);
        }
        let e = cfg.info.get("energy").and_then(|v| v.parse::<f64>().ok());
        Ok(SampleOutcome {
            index: k,
            path,
            computed: true,
            energy_per_particle: e.unwrap_or(f64::NAN) / n as f64,
            report: Some(report),
            snapshot: None,
        })
    });
    outcomes.into_iter().collect()
}

/// The outcome of a sample already written with the same parameters, None when it must be
/// computed; an error when a file made with other parameters is in the way.
fn resume<const D: usize>(
    path: &Path,
    n: usize,
    swap: &SwapOptions,
    seed: u64,
    k: usize,
) -> Result<Option<SampleOutcome>> {
    let want = [
        ("tp", fmt_f64(swap.temperature)),
        ("sweeps", swap.sweeps.to_string()),
        ("seed", seed.to_string()),
        ("sample", k.to_string()),
    ];
    resume_with::<D>(path, n, k, &want)
}

/// [`resume`] with the metadata `want` a reusable file must carry.
fn resume_with<const D: usize>(
    path: &Path,
    n: usize,
    k: usize,
    want: &[(&str, String)],
) -> Result<Option<SampleOutcome>> {
    if !path.exists() {
        return Ok(None);
    }
    let old = crate::io::xyz::read_xyz_dim::<D>(path)?;
    let (len, info) = (old.len(), &old.info);
    for (key, value) in want {
        let have = info.get(*key).map(String::as_str).unwrap_or("(none)");
        if have != value {
            return Err(Error::Invalid(format!(
                "{}: exists with {key}={have} (requested {value}): remove it or write \
                 elsewhere",
                path.display()
            )));
        }
    }
    if len != n {
        return Ok(None);
    }
    let e = info.get("energy").and_then(|v| v.parse::<f64>().ok());
    Ok(Some(SampleOutcome {
        index: k,
        path: path.to_path_buf(),
        computed: false,
        energy_per_particle: e.unwrap_or(f64::NAN) / n as f64,
        report: None,
        snapshot: None,
    }))
}

/// The checkpoint file of chain `c` beside `out`: `glass.xyz` → `glass.chain-0003.json`.
pub fn chain_path(out: &Path, c: usize) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "glass".into());
    out.with_file_name(format!("{stem}.chain-{c:04}.json"))
}

/// `count` SWAP glasses of `n` particles drawn from `chains` long chains ([`super::chains`]):
/// sample k = j·M + c is snapshot j of chain c, written to [`sample_path`]`(out, k, count)`
/// with its report ([`SnapshotReport`]) at [`mc_report_path`] beside and the chain's state at
/// [`chain_path`]`(out, c)`. Chains run in parallel; a re-run resumes every chain from its
/// state and skips the samples written (made with the same parameters). The files are
/// identical for any thread count and any interruption (the states' wall seconds aside).
/// `opt.snapshots` is ignored (each chain takes its share of `count`); `progress` counts the
/// samples.
#[allow(clippy::too_many_arguments)]
pub fn chain_glasses<const D: usize>(
    n: usize,
    ipl: &IplOptions,
    opt: &ChainOptions,
    chains: usize,
    seed: u64,
    out: &Path,
    count: usize,
    progress: &dyn Progress,
) -> Result<Vec<SampleOutcome>> {
    if chains == 0 || count == 0 {
        return Err(Error::Invalid(
            "need at least one chain and one sample".into(),
        ));
    }
    let want = |k: usize, c: usize, j: usize| {
        vec![
            ("tp", fmt_f64(opt.temperature)),
            ("seed", seed.to_string()),
            ("sample", k.to_string()),
            ("chain", c.to_string()),
            ("snapshot", j.to_string()),
            ("chains", chains.to_string()),
            ("spacing", fmt_f64(opt.spacing)),
            (
                "max_equilibration_sweeps",
                opt.max_equilibration_sweeps.to_string(),
            ),
        ]
    };
    let cs: Vec<usize> = (0..chains.min(count)).collect();
    let per_chain = run_parallel(&cs, None, |&c| -> Result<Vec<SampleOutcome>> {
        let mut o = opt.clone();
        o.snapshots = snapshots_of(c, chains, count);
        let mut done = Vec::new();
        // samples already written: checked (and counted) before the chain runs
        for j in 0..o.snapshots {
            let k = sample_of(j, c, chains);
            if let Some(r) = resume_with::<D>(&sample_path(out, k, count), n, k, &want(k, c, j))? {
                progress.inc(1);
                done.push(r);
            }
        }
        let exists = |j: usize| done.iter().any(|r| r.index == sample_of(j, c, chains));
        let mut made = Vec::new();
        run_ipl_chain::<D>(
            n,
            ipl,
            &o,
            seed,
            c,
            &chain_path(out, c),
            exists,
            |mut g, s, _cost| {
                let k = sample_of(s.index, c, chains);
                for (key, v) in want(k, c, s.index) {
                    g.info.insert(key.into(), v);
                }
                let path = sample_path(out, k, count);
                let json = serde_json::to_vec_pretty(&s.report)
                    .map_err(|e| Error::Invalid(format!("cannot encode the MC report: {e}")))?;
                crate::io::write_atomic(&mc_report_path(&path), &json)?;
                crate::io::xyz::write_xyz(&g, &path)?;
                progress.inc(1);
                let e = g.info.get("energy").and_then(|v| v.parse::<f64>().ok());
                made.push(SampleOutcome {
                    index: k,
                    path,
                    computed: true,
                    energy_per_particle: e.unwrap_or(f64::NAN) / n as f64,
                    report: None,
                    snapshot: Some(s.report.clone()),
                });
                Ok(())
            },
        )?;
        done.extend(made);
        Ok(done)
    });
    let mut all = Vec::new();
    for r in per_chain {
        all.extend(r?);
    }
    all.sort_by_key(|o| o.index);
    Ok(all)
}
