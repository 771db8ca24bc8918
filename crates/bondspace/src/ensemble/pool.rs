//! Pooling the samples of each group: P(λ/λ₀) and D(ω/ω₀) per degree of freedom, the N·e(λ)
//! profile, and mean ± standard error of the per-sample scalars.

use std::path::Path;

use serde::Serialize;

use super::{EnsembleSpec, Group, POOLED_JSON, POOLED_NPZ, read_spec, sample_dir};
use crate::error::{Error, Result};
use crate::io::npy::Npz;
use crate::results::{SampleRecord, lambda_bins, omega_bins};
use crate::stats::{Histogram, binned_means, mean_se};

/// Arrays of `pooled.npz`.
pub mod arrays {
    /// λ/λ₀ bin edges.
    pub const LAMBDA_EDGES: &str = "lambda_edges";
    /// Pooled counts per λ bin.
    pub const LAMBDA_COUNTS: &str = "lambda_counts";
    /// P(λ/λ₀) per degree of freedom.
    pub const P_LAMBDA: &str = "P_lambda";
    /// ω/ω₀ bin edges.
    pub const OMEGA_EDGES: &str = "omega_edges";
    /// Pooled counts per ω bin.
    pub const OMEGA_COUNTS: &str = "omega_counts";
    /// D(ω/ω₀) per degree of freedom.
    pub const D_OMEGA: &str = "D_omega";
    /// Mean N·e per λ bin (with participation data).
    pub const NE_MEAN: &str = "ne_mean";
    /// Modes per λ bin of the N·e profile.
    pub const NE_COUNT: &str = "ne_count";
}

/// Pooled measures of one group (`pooled.json`).
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

/// The record of every finished sample of `group`, in index order.
pub fn load_group(dir: &Path, spec: &EnsembleSpec, group: &Group) -> Result<Vec<SampleRecord>> {
    let mut out = Vec::new();
    for k in 0..spec.samples {
        let sd = sample_dir(dir, group, k);
        if sd.exists() {
            out.push(SampleRecord::load(&sd, k)?);
        }
    }
    Ok(out)
}

/// P(λ/λ₀) and D(ω/ω₀) pooled over the samples `idx` of `data` (indices may repeat, as in a
/// bootstrap resample), normalised by their Σ N·d.
pub fn pooled_histograms(data: &[SampleRecord], idx: &[usize]) -> (Histogram, Histogram) {
    let (le, we) = (lambda_bins(), omega_bins());
    let mut lc = vec![0usize; le.len() - 1];
    let mut wc = vec![0usize; we.len() - 1];
    let mut dof = 0.0;
    for &i in idx {
        let d = &data[i];
        dof += d.n_dof;
        for (a, c) in lc.iter_mut().zip(&d.lambda_counts) {
            *a += c;
        }
        for (a, c) in wc.iter_mut().zip(&d.omega_counts) {
            *a += c;
        }
    }
    (
        Histogram::from_counts(&le, lc, dof),
        Histogram::from_counts(&we, wc, dof),
    )
}

/// Pools every group of `DIR`: `pooled.npz` ([`arrays`]: P(λ/λ₀) and D(ω/ω₀) per degree of
/// freedom on the default slicing bins, so that slicing counts add up directly, and with
/// participation data the N·e(λ) profile) and `pooled.json` ([`PooledSummary`]). Samples are
/// taken in index order, so the result does not depend on how they were produced.
pub fn pool(dir: &Path) -> Result<Vec<PooledSummary>> {
    let spec = read_spec(dir)?;
    let le = lambda_bins();
    let nb = (le.len() - 1) as u64;
    let mut out = Vec::new();
    for group in &spec.groups {
        let data = load_group(dir, &spec, group)?;
        let col = |f: fn(&SampleRecord) -> f64| mean_se(&data.iter().map(f).collect::<Vec<_>>());
        let s = PooledSummary {
            group: group.name(),
            samples: data.iter().map(|d| d.index).collect(),
            n_dof_total: data.iter().map(|d| d.n_dof).sum(),
            energy_per_particle: col(|d| d.energy_per_particle),
            shear_modulus: col(|d| d.shear_modulus),
            lambda_0: col(|d| d.lambda_0),
            a0: col(|d| d.a0),
            omega_ph_over_omega_0: col(|d| d.omega_ph_over_omega_0),
            sss_per_bond: col(|d| d.sss_per_bond),
        };
        if data.is_empty() {
            out.push(s);
            continue;
        }
        let all: Vec<usize> = (0..data.len()).collect();
        let (p, d) = pooled_histograms(&data, &all);
        let mut z = Npz::new();
        let ints = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        z.add(arrays::LAMBDA_EDGES, &[nb + 1], &p.edges)?;
        z.add(arrays::LAMBDA_COUNTS, &[nb], &ints(&p.counts))?;
        z.add(arrays::P_LAMBDA, &[nb], &p.density)?;
        z.add(arrays::OMEGA_EDGES, &[nb + 1], &d.edges)?;
        z.add(arrays::OMEGA_COUNTS, &[nb], &ints(&d.counts))?;
        z.add(arrays::D_OMEGA, &[nb], &d.density)?;
        let (ne_l, ne_v): (Vec<f64>, Vec<f64>) = data
            .iter()
            .flat_map(|d| d.participation.iter().copied())
            .unzip();
        if !ne_l.is_empty() {
            let (_, mean, count) = binned_means(&ne_l, &ne_v, &le);
            z.add(arrays::NE_MEAN, &[nb], &mean)?;
            z.add(arrays::NE_COUNT, &[nb], &ints(&count))?;
        }
        let gdir = dir.join(group.name());
        z.write(&gdir.join(POOLED_NPZ))?;
        let json = serde_json::to_vec_pretty(&s)
            .map_err(|e| Error::Invalid(format!("{POOLED_JSON}: {e}")))?;
        crate::io::write_atomic(&gdir.join(POOLED_JSON), &json)?;
        out.push(s);
    }
    Ok(out)
}
