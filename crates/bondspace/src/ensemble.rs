//! Ensembles: many samples of one or several groups (model, d, N, Tp or pressure), each
//! prepared, analysed and written as soon as it completes; resumable, shardable and pooled.
//!
//! Layout of an ensemble directory `DIR`:
//! - `DIR/ensemble.json`: the specification; a re-run (or another shard) must match it.
//! - `DIR/<group>/sample-kkkk/`: `config.xyz`, `summary.json`, the spectrum files of
//!   [`crate::analysis::write_results`] (and `mc.json` for a finite Tp). A sample is written
//!   into a hidden temporary directory that is renamed into place when complete, so a sample
//!   directory is always whole; a re-run skips the samples that exist.
//! - `DIR/<group>/pooled.npz`, `pooled.json`: pooled over the samples present ([`pool`]).
//!
//! Sample k of a group uses the random streams of `(derive_seed(seed, group name), k)` and
//! every dense kernel runs sequentially inside a sample (samples run in parallel), so the
//! files are identical for any thread count, any sharding and any interruption.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::{self, Method};
use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::io::npy::{Npz, read_npy_f64, read_npz_f64};
use crate::measures::ensemble::{Histogram, add_counts, ne_profile};
use crate::prepare::{self, HarmonicOptions, IplOptions, SwapOptions};
use crate::rng::derive_seed;

/// How the samples of a group are made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum Family {
    /// IPL glass: SWAP Monte Carlo at `tp` (None: instant quench, Tp = ∞), then quench.
    Ipl {
        /// Parent temperature (None = ∞).
        tp: Option<f64>,
        /// Monte Carlo sweeps (None: [`prepare::default_sweeps`]).
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
            Family::Ipl { tp, .. } => format!(
                "ipl-{}d-n{}-tp{}",
                self.dim,
                self.n,
                tp.map_or("inf".to_string(), |t| t.to_string())
            ),
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
    /// Participation of every mode (dense only).
    pub participation: bool,
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
}

impl EnsembleSpec {
    /// Checks the specification.
    pub fn check(&self) -> Result<()> {
        if self.groups.is_empty() || self.samples == 0 {
            return Err(Error::Invalid(
                "an ensemble needs a group and a sample".into(),
            ));
        }
        for g in &self.groups {
            if !(g.dim == 2 || g.dim == 3) || g.n < 2 {
                return Err(Error::Invalid(format!("{}: bad dimension or N", g.name())));
            }
        }
        if !matches!(self.analysis.method, Method::Dense | Method::Slicing) {
            return Err(Error::Invalid(
                "ensembles use --method dense or slicing (their spectra are pooled)".into(),
            ));
        }
        if self.analysis.participation && self.analysis.method != Method::Dense {
            return Err(Error::Invalid(
                "--participation needs --method dense".into(),
            ));
        }
        Ok(())
    }

    /// Every (group, sample) task, group-major.
    pub fn tasks(&self) -> Vec<(usize, usize)> {
        (0..self.groups.len())
            .flat_map(|g| (0..self.samples).map(move |k| (g, k)))
            .collect()
    }
}

/// The directory of sample `k` of `group`.
pub fn sample_dir(dir: &Path, group: &Group, k: usize) -> PathBuf {
    dir.join(group.name()).join(format!("sample-{k:04}"))
}

/// Writes `DIR/ensemble.json`, or checks that an existing one holds the same specification.
pub fn init_dir(dir: &Path, spec: &EnsembleSpec) -> Result<()> {
    spec.check()?;
    let path = dir.join("ensemble.json");
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let old: EnsembleSpec = serde_json::from_str(&text)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
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
/// whole ensemble), in parallel over samples, then pools every group.
pub fn run(
    dir: &Path,
    spec: &EnsembleSpec,
    shard: (usize, usize),
    progress: &dyn crate::progress::Progress,
) -> Result<RunReport> {
    init_dir(dir, spec)?;
    let (i, n) = shard;
    if n == 0 || i >= n {
        return Err(Error::Invalid(format!("bad shard {i}/{n}")));
    }
    let tasks: Vec<(usize, usize)> = spec
        .tasks()
        .into_iter()
        .enumerate()
        .filter(|(t, _)| t % n == i)
        .map(|(_, t)| t)
        .collect();
    progress.set_length(tasks.len() as u64);
    // every dense kernel sequential inside a sample: identical results for any thread count
    let par = faer::get_global_parallelism();
    faer::set_global_parallelism(faer::Par::Seq);
    let outcomes: Vec<(String, Result<bool>)> = tasks
        .par_iter()
        .map(|&(g, k)| {
            let group = &spec.groups[g];
            let r = run_sample(dir, spec, group, k);
            progress.inc(1);
            (format!("{}/sample-{k:04}", group.name()), r)
        })
        .collect();
    faer::set_global_parallelism(par);
    let mut report = RunReport::default();
    for (name, r) in outcomes {
        match r {
            Ok(true) => report.computed += 1,
            Ok(false) => report.skipped += 1,
            Err(e) => report.failed.push((name, e.to_string())),
        }
    }
    pool(dir)?;
    Ok(report)
}

/// Prepares and analyses one sample unless its directory exists; true if computed.
fn run_sample(dir: &Path, spec: &EnsembleSpec, group: &Group, k: usize) -> Result<bool> {
    let done = sample_dir(dir, group, k);
    if done.exists() {
        return Ok(false);
    }
    if group.dim == 2 {
        compute_sample::<2>(&done, spec, group, k)?;
    } else {
        compute_sample::<3>(&done, spec, group, k)?;
    }
    Ok(true)
}

fn compute_sample<const D: usize>(
    done: &Path,
    spec: &EnsembleSpec,
    group: &Group,
    k: usize,
) -> Result<()> {
    let seed = derive_seed(spec.seed, &group.name());
    let bar = crate::progress::NoProgress;
    let (cfg, mc): (Configuration<D>, _) = match group.family {
        Family::Ipl { tp: None, .. } => {
            let opt = IplOptions::defaults(D);
            let c = prepare::ipl_instant_quench_sample::<D>(group.n, &opt, seed, k as u64, &bar)?;
            (c, None)
        }
        Family::Ipl {
            tp: Some(t),
            sweeps,
        } => {
            let opt = IplOptions::defaults(D);
            let sw = SwapOptions::new(t, sweeps.unwrap_or_else(|| prepare::default_sweeps(t)));
            let (c, r) = prepare::ipl_swap_glass::<D>(group.n, &opt, &sw, seed, k as u64, &bar)?;
            (c, Some(r))
        }
        Family::Harmonic { pressure } => {
            let opt = HarmonicOptions {
                pressure,
                ..Default::default()
            };
            let c = prepare::harmonic_packing_sample::<D>(group.n, &opt, seed, k as u64, &bar)?;
            (c, None)
        }
    };
    let a = &spec.analysis;
    let opt = analysis::Options {
        method: a.method,
        modes: a.modes,
        phm: a.phm,
        participation: a.participation,
        ..Default::default()
    };
    let res = analysis::analyse(&cfg, &opt)?;
    let tmp = fresh_tmp_dir(done)?;
    crate::io::xyz::write_xyz(&cfg, &tmp.join("config.xyz"))?;
    if let Some(r) = mc {
        let json = serde_json::to_vec_pretty(&r)
            .map_err(|e| Error::Invalid(format!("cannot encode the MC report: {e}")))?;
        crate::io::write_atomic(&tmp.join("mc.json"), &json)?;
    }
    analysis::write_results(&tmp, &res)?;
    std::fs::rename(&tmp, done).map_err(|e| Error::io(done, e))
}

/// Pooled measures of one group.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PooledSummary {
    /// Group name.
    pub group: String,
    /// Indices of the samples pooled.
    pub samples: Vec<usize>,
    /// Σ N·d over the samples (normalization of P(λ) and D(ω)).
    pub n_dof_total: f64,
    /// Mean and standard error over samples of the energy per particle.
    pub energy_per_particle: (f64, f64),
    /// Mean and standard error of the shear modulus G.
    pub shear_modulus: (f64, f64),
    /// Mean and standard error of λ₀.
    pub lambda_0: (f64, f64),
    /// Mean and standard error of a₀.
    pub a0: (f64, f64),
    /// Mean and standard error of ω_ph/ω₀.
    pub omega_ph_over_omega_0: (f64, f64),
    /// Mean and standard error of N_SSS / N_b.
    pub sss_per_bond: (f64, f64),
}

/// Mean and standard error.
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (m, f64::NAN);
    }
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// Decay profiles: radii and, per field name, the profile on them.
pub type Profiles = (Vec<f64>, Vec<(String, Vec<f64>)>);

/// What the pooling and the report need of one sample.
#[derive(Clone, Debug, Default)]
pub struct SampleData {
    /// Sample index.
    pub index: usize,
    /// N·d.
    pub n_dof: f64,
    /// Counts of λ/λ₀ on [`lambda_bins`].
    pub lambda_counts: Vec<usize>,
    /// Counts of ω/ω₀ on [`omega_bins`].
    pub omega_counts: Vec<usize>,
    /// (λ/λ₀, N·e) of every mode (with participation data).
    pub participation: Vec<(f64, f64)>,
    /// (λ/λ₀, 1 − |⟨D|D_PH⟩|, 1 − |⟨F|F_PH⟩|) of the top modes (with PHM data).
    pub overlaps: Vec<(f64, f64, f64)>,
    /// Decay profiles averaged over this sample's top modes: r and, by field name (`D`, `F`,
    /// `D_PH`, `F_PH`), the profile (with mode data).
    pub decay: Option<Profiles>,
    /// e/N, G, λ₀, a₀, ω_ph/ω₀, N_SSS/N_b.
    pub scalars: [f64; 6],
}

/// The λ/λ₀ bin edges of pooled P(λ) (those of the analysis' slicing).
pub fn lambda_bins() -> Vec<f64> {
    let o = analysis::Options::default();
    crate::spectra::slicing::log_edges(o.lambda_range.0, o.lambda_range.1, o.bins)
}

/// The ω/ω₀ bin edges of pooled D(ω).
pub fn omega_bins() -> Vec<f64> {
    let o = analysis::Options::default();
    crate::spectra::slicing::log_edges(o.omega_range.0, o.omega_range.1, o.bins)
}

/// Reads the specification of an ensemble directory.
pub fn read_spec(dir: &Path) -> Result<EnsembleSpec> {
    let p = dir.join("ensemble.json");
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Invalid(format!("{}: {e}", p.display())))
}

/// The data of every finished sample of `group`, in index order.
pub fn load_group(dir: &Path, spec: &EnsembleSpec, group: &Group) -> Result<Vec<SampleData>> {
    let (le, we) = (lambda_bins(), omega_bins());
    let mut out = Vec::new();
    for k in 0..spec.samples {
        let sd = sample_dir(dir, group, k);
        if !sd.exists() {
            continue;
        }
        let sp = sd.join("summary.json");
        let text = std::fs::read_to_string(&sp).map_err(|e| Error::io(&sp, e))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Invalid(format!("{}: {e}", sp.display())))?;
        let num = |key: &str| v[key].as_f64().unwrap_or(f64::NAN);
        let (l0, w0) = (num("lambda_0"), num("omega_0"));
        let np = num("n_particles");
        let mut d = SampleData {
            index: k,
            n_dof: np * num("dim"),
            lambda_counts: vec![0; le.len() - 1],
            omega_counts: vec![0; we.len() - 1],
            participation: Vec::new(),
            overlaps: Vec::new(),
            decay: None,
            scalars: [
                num("energy") / np,
                num("shear_modulus"),
                l0,
                num("a0"),
                num("omega_ph") / w0,
                num("n_sss") / num("n_bonds"),
            ],
        };
        let counts = sd.join("counts.npz");
        if counts.exists() {
            let get = |name: &str| -> Result<Vec<f64>> {
                read_npz_f64(&counts, name)?
                    .ok_or_else(|| Error::Invalid(format!("{}: no array {name}", counts.display())))
            };
            for (acc, c) in d.lambda_counts.iter_mut().zip(get("lambda_counts")?) {
                *acc += c as usize;
            }
            for (acc, c) in d.omega_counts.iter_mut().zip(get("omega2_counts")?) {
                *acc += c as usize;
            }
        } else {
            let l: Vec<f64> = read_npy_f64(&sd.join("bond_spectrum.npy"))?
                .iter()
                .map(|x| x / l0)
                .collect();
            add_counts(&l, &le, &mut d.lambda_counts);
            let w: Vec<f64> = read_npy_f64(&sd.join("hessian_spectrum.npy"))?
                .iter()
                .map(|x| x.max(0.0).sqrt() / w0)
                .collect();
            add_counts(&w, &we, &mut d.omega_counts);
        }
        let part = sd.join("participation.npz");
        if part.exists() {
            let l = read_npz_f64(&part, "lambda")?.unwrap_or_default();
            let ne = read_npz_f64(&part, "participation_N")?.unwrap_or_default();
            if l.len() != ne.len() {
                return Err(Error::Invalid(format!(
                    "{}: lengths differ",
                    part.display()
                )));
            }
            d.participation = l.iter().map(|x| x / l0).zip(ne).collect();
        }
        let modes = sd.join("modes.npz");
        if modes.exists() {
            let l = read_npz_f64(&modes, "lambda")?.unwrap_or_default();
            if let (Some(od), Some(of)) = (
                read_npz_f64(&modes, "overlap_D")?,
                read_npz_f64(&modes, "overlap_F")?,
            ) {
                d.overlaps = l
                    .iter()
                    .zip(od.iter().zip(&of))
                    .map(|(x, (a, b))| (x / l0, *a, *b))
                    .collect();
            }
        }
        let decay = sd.join("decay.npz");
        if decay.exists()
            && let Some(r) = read_npz_f64(&decay, "r")?
        {
            let mut fields = Vec::new();
            for name in ["D", "F", "D_PH", "F_PH"] {
                if let Some(v) = read_npz_f64(&decay, name)? {
                    fields.push((name.to_string(), v));
                }
            }
            d.decay = Some((r, fields));
        }
        out.push(d);
    }
    Ok(out)
}

/// Pools every group of `DIR`: `pooled.npz` with the histograms P(λ/λ₀) (`lambda_edges`,
/// `lambda_counts`, `P_lambda`) and D(ω/ω₀) (`omega_edges`, `omega_counts`, `D_omega`)
/// normalized per degree of freedom (SPEC §3; the bins of the analysis options, so that
/// slicing counts add up directly), and with participation data the N·e(λ) profile
/// (`ne_mean`, `ne_count` on the λ bins); `pooled.json` ([`PooledSummary`]). Samples are
/// taken in index order, so the result does not depend on how they were produced.
pub fn pool(dir: &Path) -> Result<Vec<PooledSummary>> {
    let spec = read_spec(dir)?;
    let (le, we) = (lambda_bins(), omega_bins());
    let nb = (le.len() - 1) as u64;
    let mut out = Vec::new();
    for group in &spec.groups {
        let data = load_group(dir, &spec, group)?;
        let mut s = PooledSummary {
            group: group.name(),
            samples: data.iter().map(|d| d.index).collect(),
            n_dof_total: data.iter().map(|d| d.n_dof).sum(),
            ..Default::default()
        };
        let col = |i: usize| mean_se(&data.iter().map(|d| d.scalars[i]).collect::<Vec<_>>());
        [
            s.energy_per_particle,
            s.shear_modulus,
            s.lambda_0,
            s.a0,
            s.omega_ph_over_omega_0,
            s.sss_per_bond,
        ] = [col(0), col(1), col(2), col(3), col(4), col(5)];
        if data.is_empty() {
            out.push(s);
            continue;
        }
        let sum = |f: &dyn Fn(&SampleData) -> &Vec<usize>| -> Vec<usize> {
            let mut acc = vec![0usize; nb as usize];
            for d in &data {
                for (a, c) in acc.iter_mut().zip(f(d)) {
                    *a += c;
                }
            }
            acc
        };
        let p = Histogram::from_counts(&le, sum(&|d| &d.lambda_counts), s.n_dof_total);
        let d = Histogram::from_counts(&we, sum(&|d| &d.omega_counts), s.n_dof_total);
        let mut z = Npz::new();
        let ints = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        z.add("lambda_edges", &[nb + 1], &p.edges)?;
        z.add("lambda_counts", &[nb], &ints(&p.counts))?;
        z.add("P_lambda", &[nb], &p.density)?;
        z.add("omega_edges", &[nb + 1], &d.edges)?;
        z.add("omega_counts", &[nb], &ints(&d.counts))?;
        z.add("D_omega", &[nb], &d.density)?;
        let (ne_l, ne_v): (Vec<f64>, Vec<f64>) = data
            .iter()
            .flat_map(|d| d.participation.iter().copied())
            .unzip();
        if !ne_l.is_empty() {
            let (_, mean, count) = ne_profile(&ne_l, &ne_v, &le);
            z.add("ne_mean", &[nb], &mean)?;
            z.add("ne_count", &[nb], &ints(&count))?;
        }
        let gdir = dir.join(group.name());
        z.write(&gdir.join("pooled.npz"))?;
        let json = serde_json::to_vec_pretty(&s)
            .map_err(|e| Error::Invalid(format!("pooled.json: {e}")))?;
        crate::io::write_atomic(&gdir.join("pooled.json"), &json)?;
        out.push(s);
    }
    Ok(out)
}

/// Merges the sample directories of the ensemble directories `inputs` (same specification)
/// into `out` and pools it. A sample present in several inputs must be identical in all.
pub fn merge(out: &Path, inputs: &[PathBuf]) -> Result<Vec<PooledSummary>> {
    let first = inputs
        .first()
        .ok_or_else(|| Error::Invalid("merge needs at least one input directory".into()))?;
    let spec = read_spec(first)?;
    init_dir(out, &spec)?;
    for input in inputs {
        if read_spec(input)? != spec {
            return Err(Error::Invalid(format!(
                "{} holds a different ensemble than {}",
                input.display(),
                first.display()
            )));
        }
        for group in &spec.groups {
            for k in 0..spec.samples {
                let src = sample_dir(input, group, k);
                let dst = sample_dir(out, group, k);
                if !src.exists() || src == dst {
                    continue;
                }
                if dst.exists() {
                    if !same_files(&src, &dst)? {
                        return Err(Error::Invalid(format!(
                            "{} and {} differ",
                            src.display(),
                            dst.display()
                        )));
                    }
                    continue;
                }
                copy_dir(&src, &dst)?;
            }
        }
    }
    pool(out)
}

/// Whether two sample directories hold the same files, byte for byte (summary.json's wall
/// time excepted).
fn same_files(a: &Path, b: &Path) -> Result<bool> {
    let names = |d: &Path| -> Result<Vec<String>> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map_err(|e| Error::io(d, e))?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        v.sort();
        Ok(v)
    };
    let (na, nb) = (names(a)?, names(b)?);
    if na != nb {
        return Ok(false);
    }
    for n in &na {
        if n == "summary.json" || n == "mc.json" {
            continue;
        }
        let (pa, pb) = (a.join(n), b.join(n));
        let x = std::fs::read(&pa).map_err(|e| Error::io(&pa, e))?;
        let y = std::fs::read(&pb).map_err(|e| Error::io(&pb, e))?;
        if x != y {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An empty hidden directory `.NAME.tmp` beside `done`, to be renamed to `done` when complete
/// (one left by an interrupted run is removed first).
fn fresh_tmp_dir(done: &Path) -> Result<PathBuf> {
    let parent = done
        .parent()
        .ok_or_else(|| Error::Invalid(format!("{} has no parent", done.display())))?;
    let name = done.file_name().map(|s| s.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{}.tmp", name.unwrap_or_default()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    Ok(tmp)
}

/// Copies a sample directory through a temporary name (never a half-copied sample).
fn copy_dir(src: &Path, dst: &Path) -> Result<()> {
    let tmp = fresh_tmp_dir(dst)?;
    for entry in std::fs::read_dir(src).map_err(|e| Error::io(src, e))? {
        let entry = entry.map_err(|e| Error::io(src, e))?;
        let to = tmp.join(entry.file_name());
        std::fs::copy(entry.path(), &to).map_err(|e| Error::io(&to, e))?;
    }
    std::fs::rename(&tmp, dst).map_err(|e| Error::io(dst, e))
}
