//! Reading a result directory back, typed: the summary, the spectra or slicing counts, the
//! participation, the top modes, their PHM overlaps and decay profiles, the Monte Carlo
//! diagnostics, and the [`SampleRecord`] that an ensemble pools.

use std::path::Path;

use super::files::{self, counts, decay, modes, participation};
use super::summary::Summary;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::io::json::nullable_f64;
use crate::io::npy::{read_npy_f64, read_npz_f64};
use crate::stats::add_counts;

fn invalid(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{}: {what}", path.display()))
}

/// Reads `summary.json` of a result directory.
pub fn read_summary(dir: &Path) -> Result<Summary> {
    let p = dir.join(files::SUMMARY);
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_str(&text).map_err(|e| invalid(&p, e))
}

/// Every non-zero λ and ω² (dense and explicit methods), None when the directory has no
/// spectrum files.
pub fn read_spectrum(dir: &Path) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let b = dir.join(files::BOND_SPECTRUM);
    if !b.exists() {
        return Ok(None);
    }
    Ok(Some((
        read_npy_f64(&b)?,
        read_npy_f64(&dir.join(files::HESSIAN_SPECTRUM))?,
    )))
}

/// The slicing counts of `counts.npz`.
#[derive(Clone, Debug, PartialEq)]
pub struct Counts {
    /// λ bin edges (simulation units).
    pub lambda_edges: Vec<f64>,
    /// Eigenvalues of A per λ bin.
    pub lambda_counts: Vec<usize>,
    /// ω² bin edges.
    pub omega2_edges: Vec<f64>,
    /// Hessian eigenvalues per ω² bin.
    pub omega2_counts: Vec<usize>,
}

/// The slicing counts, None when the directory has none.
pub fn read_counts(dir: &Path) -> Result<Option<Counts>> {
    let p = dir.join(files::COUNTS);
    if !p.exists() {
        return Ok(None);
    }
    let get = |name: &str| -> Result<Vec<f64>> {
        read_npz_f64(&p, name)?.ok_or_else(|| invalid(&p, format!("no array {name}")))
    };
    let ints = |v: Vec<f64>| v.into_iter().map(|c| c as usize).collect();
    Ok(Some(Counts {
        lambda_edges: get(counts::LAMBDA_EDGES)?,
        lambda_counts: ints(get(counts::LAMBDA_COUNTS)?),
        omega2_edges: get(counts::OMEGA2_EDGES)?,
        omega2_counts: ints(get(counts::OMEGA2_COUNTS)?),
    }))
}

/// λ and N·e of every mode, None without participation data.
pub fn read_participation(dir: &Path) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let p = dir.join(files::PARTICIPATION);
    if !p.exists() {
        return Ok(None);
    }
    let l = read_npz_f64(&p, participation::LAMBDA)?.unwrap_or_default();
    let ne = read_npz_f64(&p, participation::PARTICIPATION_N)?.unwrap_or_default();
    if l.len() != ne.len() {
        return Err(invalid(&p, "lengths differ"));
    }
    Ok(Some((l, ne)))
}

/// κ_α of the dipole responses (`dipoles.npz`), None without.
pub fn read_dipole_kappa(dir: &Path) -> Result<Option<Vec<f64>>> {
    let p = dir.join(files::DIPOLES);
    if !p.exists() {
        return Ok(None);
    }
    read_npz_f64(&p, files::dipoles::KAPPA)
}

/// λ, 1 − |⟨D|D_PH⟩| and 1 − |⟨F|F_PH⟩| of the top modes, None without PHM data.
pub fn read_mode_overlaps(dir: &Path) -> Result<Option<Vec<(f64, f64, f64)>>> {
    let p = dir.join(files::MODES);
    if !p.exists() {
        return Ok(None);
    }
    let l = read_npz_f64(&p, modes::LAMBDA)?.unwrap_or_default();
    Ok(
        match (
            read_npz_f64(&p, modes::OVERLAP_D)?,
            read_npz_f64(&p, modes::OVERLAP_F)?,
        ) {
            (Some(od), Some(of)) => Some(
                l.iter()
                    .zip(od.iter().zip(&of))
                    .map(|(x, (a, b))| (*x, *a, *b))
                    .collect(),
            ),
            _ => None,
        },
    )
}

/// Decay profiles: radii and, per field name, the profile on them.
pub type Profiles = (Vec<f64>, Vec<(String, Vec<f64>)>);

/// The decay data of a result directory: mode-averaged and per-mode profiles.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decay {
    /// Bin radii.
    pub r: Vec<f64>,
    /// Mode-averaged profile per field (order of [`decay::FIELDS`]).
    pub mean: Vec<(String, Vec<f64>)>,
    /// Per-mode profiles per field (modes in the order of `modes.npz`; empty for result
    /// directories written before they were stored).
    pub per_mode: Vec<(String, Vec<Vec<f64>>)>,
}

/// The decay profiles, None without.
pub fn read_decay(dir: &Path) -> Result<Option<Decay>> {
    let p = dir.join(files::DECAY);
    if !p.exists() {
        return Ok(None);
    }
    let Some(r) = read_npz_f64(&p, decay::R)? else {
        return Ok(None);
    };
    let mut d = Decay {
        r,
        ..Default::default()
    };
    for name in decay::FIELDS {
        if let Some(v) = read_npz_f64(&p, name)? {
            d.mean.push((name.to_string(), v));
        }
        if let Some(v) = read_npz_f64(&p, &decay::per_mode(name))? {
            let bins = d.r.len().max(1);
            d.per_mode.push((
                name.to_string(),
                v.chunks(bins).map(<[f64]>::to_vec).collect(),
            ));
        }
    }
    Ok(Some(d))
}

/// λ and N·e of the top modes (`modes.npz`), None without modes.
pub fn read_top_modes(dir: &Path) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let p = dir.join(files::MODES);
    if !p.exists() {
        return Ok(None);
    }
    let l = read_npz_f64(&p, modes::LAMBDA)?.unwrap_or_default();
    let ne = read_npz_f64(&p, modes::PARTICIPATION_N)?.unwrap_or_default();
    if l.len() != ne.len() {
        return Err(invalid(&p, "lengths differ"));
    }
    Ok(Some((l, ne)))
}

/// What a sample's SWAP Monte Carlo diagnostics (`mc.json`) say of its equilibration.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct McSummary {
    /// Parent temperature.
    #[serde(deserialize_with = "nullable_f64")]
    pub temperature: f64,
    /// Sweeps run.
    pub sweeps: u64,
    /// Acceptance of displacement moves.
    #[serde(deserialize_with = "nullable_f64")]
    pub displacement_acceptance: f64,
    /// Acceptance of swap moves.
    #[serde(deserialize_with = "nullable_f64")]
    pub swap_acceptance: f64,
    /// Sweeps until the size autocorrelation fell below 1/e (None: it did not).
    pub size_relaxation_sweeps: Option<u64>,
    /// Sweeps until the self-overlap fell below 1/e (None: it did not).
    pub overlap_relaxation_sweeps: Option<u64>,
    /// Whether the run passed its equilibration checks.
    pub equilibrated: bool,
    /// Why not, in words.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The chain the sample was drawn from (samples from long chains; None for a sample of
    /// its own run).
    #[serde(default)]
    pub chain: Option<u64>,
    /// Its index among that chain's snapshots.
    #[serde(default)]
    pub snapshot: Option<usize>,
    /// The chain's sweep (from its start, tuning included) at which it was taken.
    #[serde(default)]
    pub sweep: Option<u64>,
}

/// The Monte Carlo diagnostics of a sample, None without (`mc.json` is written for finite Tp).
pub fn read_mc(dir: &Path) -> Result<Option<McSummary>> {
    let p = dir.join(files::MC);
    if !p.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| invalid(&p, e))
}

/// What the ensemble pooling and the report need of one analysed sample, read from its
/// result directory, in simulation units: the spectrum (every eigenvalue, or slicing counts),
/// the mode data, the scalars and the equilibration of its preparation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleRecord {
    /// Sample index in its group.
    pub index: usize,
    /// The sample's summary.
    pub summary: Option<Summary>,
    /// N·d.
    pub n_dof: f64,
    /// Every non-zero λ (dense and explicit methods).
    pub lambda: Vec<f64>,
    /// Every non-zero ω² (dense and explicit methods).
    pub omega2: Vec<f64>,
    /// Slicing counts (slicing method).
    pub counts: Option<Counts>,
    /// (λ, N·e) of every mode (with participation data).
    pub participation: Vec<(f64, f64)>,
    /// (λ, N·e) of the top modes (with mode data).
    pub top_modes: Vec<(f64, f64)>,
    /// (λ, 1 − |⟨D|D_PH⟩|, 1 − |⟨F|F_PH⟩|) of the top modes (with PHM data).
    pub overlaps: Vec<(f64, f64, f64)>,
    /// Decay profiles of the top modes (with mode data).
    pub decay: Option<Decay>,
    /// κ_α of the dipole responses (with dipole data).
    pub dipole_kappa: Vec<f64>,
    /// SWAP diagnostics (finite Tp).
    pub mc: Option<McSummary>,
    /// The chain the sample came from (samples drawn from long chains).
    pub chain: Option<u64>,
    /// The sweep of that chain at which it was taken.
    pub sweep: Option<u64>,
    /// Inherent-state energy per particle E/N.
    pub energy_per_particle: f64,
    /// Shear modulus G.
    pub shear_modulus: f64,
    /// The sample's own λ₀ (NaN when G ≤ 0).
    pub lambda_0: f64,
    /// The sample's own ω₀.
    pub omega_0: f64,
    /// a₀.
    pub a0: f64,
    /// ω_ph/ω₀.
    pub omega_ph_over_omega_0: f64,
    /// N_SSS / N_b.
    pub sss_per_bond: f64,
}

impl SampleRecord {
    /// Reads the result directory `dir` of sample `index`.
    pub fn load(dir: &Path, index: usize) -> Result<SampleRecord> {
        let s = read_summary(dir)?;
        let np = s.n_particles as f64;
        let mut d = SampleRecord {
            index,
            n_dof: np * s.dim as f64,
            energy_per_particle: s.energy / np,
            shear_modulus: s.scales.shear_modulus,
            lambda_0: s.scales.lambda_0,
            omega_0: s.scales.omega_0,
            a0: s.scales.a0,
            omega_ph_over_omega_0: s.scales.omega_ph / s.scales.omega_0,
            sss_per_bond: s.n_sss as f64 / s.n_bonds as f64,
            ..Default::default()
        };
        d.counts = read_counts(dir)?;
        if d.counts.is_none() {
            let (bond, hessian) = read_spectrum(dir)?.ok_or_else(|| {
                invalid(
                    dir,
                    "neither a spectrum nor slicing counts (method sparse?)",
                )
            })?;
            d.lambda = bond;
            d.omega2 = hessian;
        }
        if let Some((l, ne)) = read_participation(dir)? {
            d.participation = l.into_iter().zip(ne).collect();
        }
        if let Some((l, ne)) = read_top_modes(dir)? {
            d.top_modes = l.into_iter().zip(ne).collect();
        }
        if let Some(ov) = read_mode_overlaps(dir)? {
            d.overlaps = ov;
        }
        d.decay = read_decay(dir)?;
        d.dipole_kappa = read_dipole_kappa(dir)?.unwrap_or_default();
        d.mc = read_mc(dir)?;
        d.chain = d.mc.as_ref().and_then(|m| m.chain);
        d.sweep = d.mc.as_ref().and_then(|m| m.sweep);
        d.summary = Some(s);
        Ok(d)
    }

    /// Counts of this sample's λ/λ₀ on `edges`, λ₀ given (a group's); slicing counts, which
    /// exist only on the sample's own bins, are placed by their bin on `edges` when those are
    /// the sample's bins divided by its own λ₀ (the default slicing bins), and `None` is
    /// returned otherwise.
    pub fn lambda_counts(&self, lambda_0: f64, edges: &[f64]) -> Option<Vec<usize>> {
        let mut counts = vec![0; edges.len() - 1];
        match &self.counts {
            None => {
                let l: Vec<f64> = self.lambda.iter().map(|x| x / lambda_0).collect();
                add_counts(&l, edges, &mut counts);
            }
            Some(c) => {
                (c.lambda_counts.len() == counts.len()).then_some(())?;
                for (acc, c) in counts.iter_mut().zip(&c.lambda_counts) {
                    *acc += c;
                }
            }
        }
        Some(counts)
    }

    /// Counts of this sample's ω/ω₀ on `edges`, ω₀ given (see [`SampleRecord::lambda_counts`]
    /// for slicing counts).
    pub fn omega_counts(&self, omega_0: f64, edges: &[f64]) -> Option<Vec<usize>> {
        let mut counts = vec![0; edges.len() - 1];
        match &self.counts {
            None => {
                let w: Vec<f64> = self
                    .omega2
                    .iter()
                    .map(|x| x.max(0.0).sqrt() / omega_0)
                    .collect();
                add_counts(&w, edges, &mut counts);
            }
            Some(c) => {
                (c.omega2_counts.len() == counts.len()).then_some(())?;
                for (acc, c) in counts.iter_mut().zip(&c.omega2_counts) {
                    *acc += c;
                }
            }
        }
        Some(counts)
    }
}
