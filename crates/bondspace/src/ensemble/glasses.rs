//! Batches of SWAP glasses written as configuration files (`prepare ipl` with several
//! samples): sample k of a batch uses the random streams `(seed, k)` only and is written, with
//! its Monte Carlo diagnostics, as soon as it is done, through the [`super::batch`] machinery;
//! a re-run skips the samples whose file is already there (made with the same parameters).

use std::path::{Path, PathBuf};

use super::batch::run_parallel;
use crate::error::{Error, Result};
use crate::models::fmt_f64;
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
    /// The Monte Carlo report (None when resumed).
    pub report: Option<McReport>,
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
    if !path.exists() {
        return Ok(None);
    }
    let old = crate::io::xyz::read_xyz_dim::<D>(path)?;
    let (len, info) = (old.len(), &old.info);
    let want = [
        ("tp", fmt_f64(swap.temperature)),
        ("sweeps", swap.sweeps.to_string()),
        ("seed", seed.to_string()),
        ("sample", k.to_string()),
    ];
    for (key, value) in &want {
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
    }))
}
