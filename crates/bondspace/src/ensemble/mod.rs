//! Ensembles: many samples of one or several groups (model, d, N, Tp or pressure), each
//! prepared, analysed and written as soon as it completes; resumable, shardable and pooled.
//!
//! Layout of an ensemble directory `DIR`:
//! - `DIR/ensemble.json`: the specification; a re-run (or another shard) must match it.
//! - `DIR/<group>/sample-kkkk/`: a result directory ([`crate::results::files`]) with the
//!   configuration `config.xyz` (and `mc.json` for a finite Tp). A sample is written
//!   into a hidden temporary directory that is renamed into place when complete, so a sample
//!   directory is always whole; a re-run skips the samples that exist.
//! - `DIR/<group>/chain-cccc.json`: the state of chain c of a chain-sampled group after its
//!   last block ([`chains`]): a re-run continues each chain from there.
//! - `DIR/<group>/pooled.npz`, `pooled.json`: pooled over the samples present ([`pool()`]).
//!
//! Sample k of a group uses the random streams of `(derive_seed(seed, group name), k)` — or,
//! in a chain-sampled group, chain c those of `(derive_seed(seed, group name), c)` — and every
//! dense kernel runs sequentially inside a sample (samples, or chains, run in parallel), so
//! the files are identical for any thread count, any sharding and any interruption.
//!
//! Modules: [`batch`] (parallel, deterministic, resumable batches of samples, shared with the
//! SWAP batches of [`glasses`]), [`chains`] (samples from long chains, resumable),
//! [`run`](mod@run) (prepare and analyse the samples),
//! [`pool`](mod@pool) (pool them), [`merge`](mod@merge) (merge shards), [`presets`] (the
//! paper's studies as data).

pub mod batch;
pub mod chains;
pub mod glasses;
pub mod merge;
pub mod pool;
pub mod presets;
pub mod run;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::prepare::Temperature;
use crate::spectra::Method;

pub use chains::ChainSampling;
pub use merge::merge;
pub use pool::{PooledSummary, load_group, pool};
pub use run::{RunReport, run};

/// The specification file of an ensemble directory.
pub const SPEC_FILE: &str = "ensemble.json";
/// The seconds a sample's preparation took (JSON, [`chains::PrepCost`]), in its directory;
/// the analysis stages' seconds are in its `summary.json`.
pub const COST_FILE: &str = "cost.json";
/// The pooled histograms of a group directory (npz).
pub const POOLED_NPZ: &str = "pooled.npz";
/// The pooled scalars of a group directory (JSON, [`PooledSummary`]).
pub const POOLED_JSON: &str = "pooled.json";

/// How the samples of a group are made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum Family {
    /// IPL glass: SWAP Monte Carlo at a finite `tp` (Tp = ∞: instant quench), then quench.
    Ipl {
        /// Parent temperature.
        tp: Temperature,
        /// Monte Carlo sweeps (None: [`crate::prepare::default_sweeps`]).
        sweeps: Option<u64>,
    },
    /// Harmonic-sphere packing at a target pressure.
    Harmonic {
        /// Target pressure.
        pressure: f64,
    },
}

/// One group of samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Dimension (2 or 3).
    pub dim: usize,
    /// Particles per sample.
    pub n: usize,
    /// Model and state point.
    pub family: Family,
}

impl Group {
    /// Directory name, e.g. `ipl-3d-n2000-tp0.45`, `ipl-3d-n2000-tpinf`,
    /// `harmonic-3d-n1000-p0.1`.
    pub fn name(&self) -> String {
        match &self.family {
            Family::Ipl { tp, .. } => format!("ipl-{}d-n{}-tp{tp}", self.dim, self.n),
            Family::Harmonic { pressure } => {
                format!("harmonic-{}d-n{}-p{pressure}", self.dim, self.n)
            }
        }
    }
}

/// What is computed for every sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSpec {
    /// Spectrum method (dense or slicing).
    pub method: Method,
    /// Top modes per sample.
    pub modes: usize,
    /// Pseudo-harmonic modes of the top modes.
    pub phm: bool,
    /// Participation of every mode (a full dense eigendecomposition; with the dense method,
    /// or on the subset [`AnalysisSpec::participation_samples`]).
    pub participation: bool,
    /// With `participation`: compute it only for the samples of index below this (a subset
    /// of every group, e.g. for slicing ensembles whose dense cost per sample is too high for
    /// every sample); None: every sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participation_samples: Option<usize>,
    /// Dipole responses per sample (bonds spread evenly; 0: none): κ_α and the
    /// characteristic frequency ω_g of Rainone et al.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dipoles: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl AnalysisSpec {
    /// Whether sample `k` gets the participation of every mode.
    pub fn participation_of(&self, k: usize) -> bool {
        self.participation && self.participation_samples.is_none_or(|m| k < m)
    }
}

/// An ensemble: groups × samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnsembleSpec {
    /// The groups.
    pub groups: Vec<Group>,
    /// Samples per group.
    pub samples: usize,
    /// Seed of the whole ensemble.
    pub seed: u64,
    /// Per-sample analysis.
    pub analysis: AnalysisSpec,
    /// How the groups of finite Tp are sampled: from M long chains per group ([`chains`]), or
    /// (None, the format of earlier ensembles) each sample from its own run of fixed length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chains: Option<ChainSampling>,
}

/// One unit of work of an ensemble: a sample, or a chain that makes several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Sample k of group g.
    Sample {
        /// Group.
        group: usize,
        /// Sample index.
        sample: usize,
    },
    /// Chain c of group g (its snapshots are samples c, c + M, c + 2M, …).
    Chain {
        /// Group.
        group: usize,
        /// Chain index.
        chain: usize,
    },
}

impl EnsembleSpec {
    /// Checks the specification before anything is written: the groups (dimension, N large
    /// enough for the minimum image and small enough for the memory, the state point) and the
    /// number of modes (at most (N − 1)·d, the non-zero eigenvalues A can have). With
    /// [`EnsembleSpec::check_memory`], a sample can then only fail for reasons of its own.
    pub fn check(&self) -> Result<()> {
        if self.groups.is_empty() || self.samples == 0 {
            return Err(Error::Invalid(
                "an ensemble needs a group and a sample".into(),
            ));
        }
        for g in &self.groups {
            if !(g.dim == 2 || g.dim == 3) {
                return Err(Error::Invalid(format!(
                    "{}: the dimension must be 2 or 3",
                    g.name()
                )));
            }
            let named = |e: Error| match e {
                Error::Invalid(m) => Error::Invalid(format!("group {}: {m}", g.name())),
                other => other,
            };
            match &g.family {
                Family::Ipl { tp, sweeps } => {
                    crate::prepare::check_ipl(
                        g.dim,
                        g.n,
                        &crate::prepare::IplOptions::defaults(g.dim),
                    )
                    .map_err(named)?;
                    if tp.is_finite() && *sweeps == Some(0) {
                        return Err(Error::Invalid(format!(
                            "group {}: Monte Carlo sweeps must be at least 1",
                            g.name()
                        )));
                    }
                }
                Family::Harmonic { pressure } => {
                    let opt = crate::prepare::HarmonicOptions {
                        pressure: *pressure,
                        ..Default::default()
                    };
                    crate::prepare::check_harmonic(g.dim, g.n, &opt).map_err(named)?;
                }
            }
            let max_modes = (g.n - 1) * g.dim;
            if self.analysis.modes > max_modes {
                return Err(Error::TooManyModes {
                    requested: self.analysis.modes,
                    available: max_modes,
                });
            }
        }
        if !matches!(self.analysis.method, Method::Dense | Method::Slicing) {
            return Err(Error::Invalid(
                "an ensemble's spectrum method must be dense or slicing (its spectra are pooled)"
                    .into(),
            ));
        }
        if self.analysis.participation
            && self.analysis.method != Method::Dense
            && self.analysis.participation_samples.is_none()
        {
            return Err(Error::Invalid(
                "the participation of every mode of every sample needs the dense method (or \
                 a subset of samples)"
                    .into(),
            ));
        }
        if let Some(c) = &self.chains
            && (c.chains == 0 || !(c.spacing.is_finite() && c.spacing > 0.0))
        {
            return Err(Error::Invalid(
                "chain sampling needs at least one chain and a positive spacing".into(),
            ));
        }
        if self.analysis.phm && self.analysis.modes == 0 {
            return Err(Error::Invalid(
                "pseudo-harmonic modes need top modes (modes > 0)".into(),
            ));
        }
        Ok(())
    }

    /// Checks that the dense matrices of one sample of every group fit in the available memory
    /// (`dense`: about 6 (Nd)² doubles, the participation 5 (Nd)²), before a run starts.
    pub fn check_memory(&self) -> Result<()> {
        let Some(available) = crate::resources::available_memory() else {
            return Ok(());
        };
        for g in &self.groups {
            let nd = (g.n * g.dim) as f64;
            let dense: f64 = if self.analysis.method == Method::Dense {
                6.0
            } else {
                0.0
            };
            let part: f64 = if self.analysis.participation {
                5.0
            } else {
                0.0
            };
            let need = dense.max(part) * nd * nd * 8.0;
            if need > available {
                return Err(Error::MemoryExceeded {
                    what: format!(
                        "group {}: the dense method's matrices of a sample (nd = {nd})",
                        g.name()
                    ),
                    need,
                    available,
                });
            }
        }
        Ok(())
    }

    /// The chains of group `g` when its samples come from chains (a finite-Tp IPL group of an
    /// ensemble with [`EnsembleSpec::chains`]), None otherwise.
    pub fn chains_of(&self, g: usize) -> Option<&ChainSampling> {
        let finite = matches!(self.groups[g].family, Family::Ipl { tp, .. } if tp.is_finite());
        self.chains.as_ref().filter(|_| finite)
    }

    /// Every task, group-major: the chains of a chain-sampled group, the samples of the
    /// others.
    pub fn tasks(&self) -> Vec<Task> {
        (0..self.groups.len())
            .flat_map(|g| match self.chains_of(g) {
                Some(c) => (0..c.chains.min(self.samples))
                    .map(|chain| Task::Chain { group: g, chain })
                    .collect::<Vec<_>>(),
                None => (0..self.samples)
                    .map(|sample| Task::Sample { group: g, sample })
                    .collect(),
            })
            .collect()
    }
}

/// The directory of sample `k` of `group`.
pub fn sample_dir(dir: &Path, group: &Group, k: usize) -> PathBuf {
    dir.join(group.name()).join(format!("sample-{k:04}"))
}

/// Whether an ensemble directory holds any sample directory of `spec`'s groups.
fn has_samples(dir: &Path, spec: &EnsembleSpec) -> bool {
    spec.groups.iter().any(|g| {
        std::fs::read_dir(dir.join(g.name())).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("sample-"))
        })
    })
}

/// The checkpoint file of chain `c` of `group` (its state after its last block).
pub fn chain_file(dir: &Path, group: &Group, c: usize) -> PathBuf {
    dir.join(group.name()).join(format!("chain-{c:04}.json"))
}

/// Writes `DIR/ensemble.json`, or checks that an existing one holds the same specification.
/// An existing specification without a single sample (a run that failed before finishing
/// one) protects nothing and is replaced.
pub fn init_dir(dir: &Path, spec: &EnsembleSpec) -> Result<()> {
    spec.check()?;
    let path = dir.join(SPEC_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let old: Option<EnsembleSpec> = serde_json::from_str(&text).ok();
        let replace = match &old {
            Some(old) => old != spec && !has_samples(dir, old),
            None => false,
        };
        if let (true, Some(old)) = (replace, &old) {
            // the old groups' directories hold at most the pooling of no sample
            for g in old.groups.iter().filter(|g| !spec.groups.contains(g)) {
                let gdir = dir.join(g.name());
                for f in [POOLED_NPZ, POOLED_JSON] {
                    let _ = std::fs::remove_file(gdir.join(f));
                }
                let _ = std::fs::remove_dir(&gdir);
            }
            let json = serde_json::to_vec_pretty(spec)
                .map_err(|e| Error::Invalid(format!("ensemble.json: {e}")))?;
            return crate::io::write_atomic(&path, &json);
        }
        let old = old.ok_or_else(|| {
            Error::Invalid(format!(
                "{}: not an ensemble specification: use another directory",
                path.display()
            ))
        })?;
        if &old != spec {
            return Err(Error::Invalid(format!(
                "{} holds a different ensemble (other groups, samples, seed or analysis): use \
                 another directory",
                path.display()
            )));
        }
        return Ok(());
    }
    let json = serde_json::to_vec_pretty(spec)
        .map_err(|e| Error::Invalid(format!("ensemble.json: {e}")))?;
    crate::io::write_atomic(&path, &json)
}

/// Reads the specification of an ensemble directory.
pub fn read_spec(dir: &Path) -> Result<EnsembleSpec> {
    let p = dir.join(SPEC_FILE);
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Invalid(format!("{}: {e}", p.display())))
}
