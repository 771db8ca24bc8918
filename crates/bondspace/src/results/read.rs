//! Reading a result directory back, typed: the summary, the spectra or slicing counts, the
//! participation, the PHM overlaps of the top modes and the decay profiles, and the
//! [`SampleRecord`] that an ensemble pools.

use std::path::Path;

use super::analysis::{lambda_bins, omega_bins};
use super::files::{self, counts, decay, modes, participation};
use super::summary::Summary;
use crate::error::{Error, Result};
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

/// The mode-averaged decay profiles (fields in the order of [`decay::FIELDS`]), None without.
pub fn read_decay(dir: &Path) -> Result<Option<Profiles>> {
    let p = dir.join(files::DECAY);
    if !p.exists() {
        return Ok(None);
    }
    let Some(r) = read_npz_f64(&p, decay::R)? else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    for name in decay::FIELDS {
        if let Some(v) = read_npz_f64(&p, name)? {
            fields.push((name.to_string(), v));
        }
    }
    Ok(Some((r, fields)))
}

/// What the ensemble pooling and the report need of one analysed sample, read from its
/// result directory: the spectrum binned on the pooled bins in units of the sample's own
/// λ₀ and ω₀, the mode data, and the scalars by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleRecord {
    /// Sample index in its group.
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
    /// Decay profiles averaged over this sample's top modes (with mode data).
    pub decay: Option<Profiles>,
    /// Inherent-state energy per particle E/N.
    pub energy_per_particle: f64,
    /// Shear modulus G.
    pub shear_modulus: f64,
    /// λ₀ (NaN when G ≤ 0).
    pub lambda_0: f64,
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
        let (le, we) = (lambda_bins(), omega_bins());
        let s = read_summary(dir)?;
        let (l0, w0) = (s.scales.lambda_0, s.scales.omega_0);
        let np = s.n_particles as f64;
        let mut d = SampleRecord {
            index,
            n_dof: np * s.dim as f64,
            lambda_counts: vec![0; le.len() - 1],
            omega_counts: vec![0; we.len() - 1],
            participation: Vec::new(),
            overlaps: Vec::new(),
            decay: None,
            energy_per_particle: s.energy / np,
            shear_modulus: s.scales.shear_modulus,
            lambda_0: l0,
            a0: s.scales.a0,
            omega_ph_over_omega_0: s.scales.omega_ph / w0,
            sss_per_bond: s.n_sss as f64 / s.n_bonds as f64,
        };
        if let Some(c) = read_counts(dir)? {
            for (acc, c) in d.lambda_counts.iter_mut().zip(c.lambda_counts) {
                *acc += c;
            }
            for (acc, c) in d.omega_counts.iter_mut().zip(c.omega2_counts) {
                *acc += c;
            }
        } else {
            let (bond, hessian) = read_spectrum(dir)?.ok_or_else(|| {
                invalid(
                    dir,
                    "neither a spectrum nor slicing counts (method sparse?)",
                )
            })?;
            let l: Vec<f64> = bond.iter().map(|x| x / l0).collect();
            add_counts(&l, &le, &mut d.lambda_counts);
            let w: Vec<f64> = hessian.iter().map(|x| x.max(0.0).sqrt() / w0).collect();
            add_counts(&w, &we, &mut d.omega_counts);
        }
        if let Some((l, ne)) = read_participation(dir)? {
            d.participation = l.iter().map(|x| x / l0).zip(ne).collect();
        }
        if let Some(ov) = read_mode_overlaps(dir)? {
            d.overlaps = ov.into_iter().map(|(x, a, b)| (x / l0, a, b)).collect();
        }
        d.decay = read_decay(dir)?;
        Ok(d)
    }
}
