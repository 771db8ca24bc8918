//! Pooling the samples of each group: the group's scales (λ₀, ω₀, ω_ph from its mean G),
//! P(λ/λ₀) and D(ω/ω₀) per degree of freedom, the N·e(λ) profile, mean ± standard error of
//! the per-sample scalars, the equilibration of the samples' preparation, and for samples
//! drawn from chains the lag-1 correlation of e_IS between successive snapshots.
//!
//! **Scales per group.** Every eigenvalue of a group is divided by the group's λ₀ = a₀^{2−d}/Ḡ
//! (ω₀ = λ₀^{−1/2}), Ḡ the mean shear modulus of its samples and a₀ their mean (V/N)^{1/d};
//! so a sample whose own G is not positive (its own λ₀ undefined) stays in P(λ) and D(ω), and
//! is counted in [`PooledSummary::n_nonpositive_g`]. The bins are the default slicing bins
//! (30 over λ/λ₀ ∈ [1e-3, 1e4] and ω/ω₀ ∈ [1e-2, 1e2]) extended by whole bins of the same
//! width until they hold every eigenvalue of the group, so Σ_k P_k Δλ_k = Σ n_nonzero / Σ N·d
//! exactly. Samples analysed by slicing have counts only on their own bins (the default bins
//! times their own λ₀ and ω₀): they are pooled on the default bins in units of their own
//! scales, and a sample with G ≤ 0 cannot be analysed by slicing at all.

use std::path::Path;

use serde::Serialize;

use super::{EnsembleSpec, Group, POOLED_JSON, POOLED_NPZ, read_spec, sample_dir};
use crate::error::{Error, Result};
use crate::io::npy::Npz;
use crate::results::{SampleRecord, lambda_bins, omega_bins};
use crate::stats::{Histogram, binned_means, lag1_correlation, mean_se};

/// Arrays of `pooled.npz`.
pub mod arrays {
    /// λ/λ₀ bin edges (λ₀ of the group).
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
    /// Σ n_nonzero over the samples (the pooled λ count).
    pub n_nonzero_total: usize,
    /// Samples whose SWAP run passed its equilibration checks (None: no SWAP, Tp = ∞ or
    /// another model).
    pub n_equilibrated: Option<usize>,
    /// Samples with G ≤ 0 (kept in P(λ) and D(ω) through the group's scales).
    pub n_nonpositive_g: usize,
    /// Mean and standard error over samples of the energy per particle (inherent states).
    pub energy_per_particle: (f64, f64),
    /// Mean and standard error of the shear modulus G.
    pub shear_modulus: (f64, f64),
    /// The group's λ₀ = a₀^{2−d}/Ḡ and its standard error (from that of Ḡ).
    pub lambda_0: (f64, f64),
    /// The group's ω₀ = λ₀^{−1/2}.
    pub omega_0: f64,
    /// The group's ω_ph/ω₀ = 2π a₀/L (L = a₀ N^{1/d}).
    pub omega_ph_over_omega_0: f64,
    /// Mean and standard error of a₀.
    pub a0: (f64, f64),
    /// Mean and standard error of N_SSS / N_b.
    pub sss_per_bond: (f64, f64),
    /// Mean acceptance of SWAP displacement moves and swaps (None without SWAP).
    pub acceptance: Option<(f64, f64)>,
    /// Whether λ and ω are in units of the group's scales (false: slicing samples, each in its
    /// own).
    pub group_scales: bool,
    /// Chains the samples were drawn from (None: every sample from its own run).
    pub chains: Option<usize>,
    /// Lag-1 correlation of e_IS between successive snapshots of a chain, its standard error
    /// and the number of successive pairs (`stats::lag1_correlation`; None without a pair):
    /// consistent with 0 when the snapshots are independent.
    pub e_is_lag1: Option<(f64, f64, usize)>,
}

/// The e_IS of each chain's samples in snapshot order, only consecutive snapshots in one run
/// (a missing snapshot splits a chain's series).
fn chain_series(data: &[SampleRecord]) -> Vec<Vec<f64>> {
    let mut by_chain: std::collections::BTreeMap<u64, Vec<(usize, f64)>> = Default::default();
    for d in data {
        if let (Some(c), Some(j)) = (d.chain, d.mc.as_ref().and_then(|m| m.snapshot)) {
            by_chain
                .entry(c)
                .or_default()
                .push((j, d.energy_per_particle));
        }
    }
    let mut out = Vec::new();
    for (_, mut v) in by_chain {
        v.sort_by_key(|x| x.0);
        let mut run: Vec<f64> = Vec::new();
        let mut last = None;
        for (j, e) in v {
            if last.is_some_and(|l: usize| j != l + 1) {
                out.push(std::mem::take(&mut run));
            }
            run.push(e);
            last = Some(j);
        }
        out.push(run);
    }
    out
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

/// The group's scales and bins, computed once from all its samples so that bootstrap
/// resamples share them.
#[derive(Clone, Debug, PartialEq)]
pub struct Pooling {
    /// The group's λ₀ (NaN when its mean G is not positive).
    pub lambda_0: f64,
    /// The group's ω₀.
    pub omega_0: f64,
    /// λ/λ₀ bin edges.
    pub lambda_edges: Vec<f64>,
    /// ω/ω₀ bin edges.
    pub omega_edges: Vec<f64>,
    /// True when λ and ω are divided by the group's scales (every sample has eigenvalues);
    /// false for slicing samples (each in units of its own scales, on the default bins).
    pub group_scales: bool,
}

/// Extends log-spaced `edges` by whole bins of the same width until they hold [lo, hi].
fn extend_edges(mut edges: Vec<f64>, lo: f64, hi: f64) -> Vec<f64> {
    let r = edges[1] / edges[0];
    if lo.is_finite() && lo > 0.0 {
        while lo < edges[0] {
            edges.insert(0, edges[0] / r);
        }
    }
    if hi.is_finite() {
        while hi > edges[edges.len() - 1] {
            let last = edges[edges.len() - 1];
            edges.push(last * r);
        }
    }
    edges
}

impl Pooling {
    /// The scales and bins of a group's samples.
    pub fn for_group(data: &[SampleRecord]) -> Pooling {
        let g = data.iter().map(|d| d.shear_modulus).sum::<f64>() / data.len().max(1) as f64;
        let a0 = data.iter().map(|d| d.a0).sum::<f64>() / data.len().max(1) as f64;
        let dim = data
            .first()
            .and_then(|d| d.summary.as_ref())
            .map_or(3, |s| s.dim) as i32;
        let lambda_0 = if g > 0.0 {
            a0.powi(2 - dim) / g
        } else {
            f64::NAN
        };
        let omega_0 = lambda_0.sqrt().recip();
        let group_scales = !data.is_empty() && data.iter().all(|d| d.counts.is_none());
        let (mut le, mut we) = (lambda_bins(), omega_bins());
        if group_scales && lambda_0.is_finite() {
            let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
            let (mut wlo, mut whi) = (f64::INFINITY, 0.0f64);
            for d in data {
                for l in &d.lambda {
                    lo = lo.min(l / lambda_0);
                    hi = hi.max(l / lambda_0);
                }
                for w2 in &d.omega2 {
                    let w = w2.max(0.0).sqrt() / omega_0;
                    if w > 0.0 {
                        wlo = wlo.min(w);
                    }
                    whi = whi.max(w);
                }
            }
            le = extend_edges(le, lo, hi);
            we = extend_edges(we, wlo, whi);
        }
        Pooling {
            lambda_0,
            omega_0,
            lambda_edges: le,
            omega_edges: we,
            group_scales,
        }
    }

    /// λ/λ₀ of a value of sample `d` in the pooling's units.
    pub fn lambda_unit(&self, d: &SampleRecord) -> f64 {
        if self.group_scales {
            self.lambda_0
        } else {
            d.lambda_0
        }
    }

    /// P(λ/λ₀) and D(ω/ω₀) pooled over the samples `idx` of `data` (indices may repeat, as in
    /// a bootstrap resample), normalised by their Σ N·d.
    pub fn histograms(&self, data: &[SampleRecord], idx: &[usize]) -> (Histogram, Histogram) {
        let (le, we) = (&self.lambda_edges, &self.omega_edges);
        let mut lc = vec![0usize; le.len() - 1];
        let mut wc = vec![0usize; we.len() - 1];
        let mut dof = 0.0;
        for &i in idx {
            let d = &data[i];
            dof += d.n_dof;
            let (l0, w0) = if self.group_scales {
                (self.lambda_0, self.omega_0)
            } else {
                (d.lambda_0, d.omega_0)
            };
            if let Some(c) = d.lambda_counts(l0, le) {
                for (a, c) in lc.iter_mut().zip(c) {
                    *a += c;
                }
            }
            if let Some(c) = d.omega_counts(w0, we) {
                for (a, c) in wc.iter_mut().zip(c) {
                    *a += c;
                }
            }
        }
        (
            Histogram::from_counts(le, lc, dof),
            Histogram::from_counts(we, wc, dof),
        )
    }
}

/// The pooled summary of a group's samples (no files written).
pub fn summarize(group: &Group, data: &[SampleRecord], pooling: &Pooling) -> PooledSummary {
    let col = |f: fn(&SampleRecord) -> f64| mean_se(&data.iter().map(f).collect::<Vec<_>>());
    let g = col(|d| d.shear_modulus);
    let a0 = col(|d| d.a0);
    let mc: Vec<_> = data.iter().filter_map(|d| d.mc.as_ref()).collect();
    let dim = group.dim as f64;
    PooledSummary {
        group: group.name(),
        samples: data.iter().map(|d| d.index).collect(),
        n_dof_total: data.iter().map(|d| d.n_dof).sum(),
        n_nonzero_total: data
            .iter()
            .filter_map(|d| d.summary.as_ref().map(|s| s.n_nonzero))
            .sum(),
        n_equilibrated: (!mc.is_empty()).then(|| mc.iter().filter(|m| m.equilibrated).count()),
        n_nonpositive_g: data
            .iter()
            .filter(|d| d.shear_modulus.is_nan() || d.shear_modulus <= 0.0)
            .count(),
        energy_per_particle: col(|d| d.energy_per_particle),
        shear_modulus: g,
        lambda_0: (pooling.lambda_0, pooling.lambda_0 * g.1 / g.0),
        omega_0: pooling.omega_0,
        omega_ph_over_omega_0: 2.0 * std::f64::consts::PI / (group.n as f64).powf(1.0 / dim),
        a0,
        sss_per_bond: col(|d| d.sss_per_bond),
        acceptance: (!mc.is_empty()).then(|| {
            let k = mc.len() as f64;
            (
                mc.iter().map(|m| m.displacement_acceptance).sum::<f64>() / k,
                mc.iter().map(|m| m.swap_acceptance).sum::<f64>() / k,
            )
        }),
        group_scales: pooling.group_scales,
        chains: {
            let c: std::collections::BTreeSet<u64> = data.iter().filter_map(|d| d.chain).collect();
            (!c.is_empty()).then_some(c.len())
        },
        e_is_lag1: lag1_correlation(&chain_series(data)),
    }
}

/// Pools every group of `DIR`: `pooled.npz` ([`arrays`]: P(λ/λ₀) and D(ω/ω₀) per degree of
/// freedom in the group's scales, and with participation data the N·e(λ) profile) and
/// `pooled.json` ([`PooledSummary`]). Samples are taken in index order, so the result does
/// not depend on how they were produced.
pub fn pool(dir: &Path) -> Result<Vec<PooledSummary>> {
    let spec = read_spec(dir)?;
    let mut out = Vec::new();
    for group in &spec.groups {
        let data = load_group(dir, &spec, group)?;
        let pooling = Pooling::for_group(&data);
        let s = summarize(group, &data, &pooling);
        if data.is_empty() {
            out.push(s);
            continue;
        }
        let all: Vec<usize> = (0..data.len()).collect();
        let (p, d) = pooling.histograms(&data, &all);
        let (nl, nw) = ((p.edges.len() - 1) as u64, (d.edges.len() - 1) as u64);
        let mut z = Npz::new();
        let ints = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        z.add(arrays::LAMBDA_EDGES, &[nl + 1], &p.edges)?;
        z.add(arrays::LAMBDA_COUNTS, &[nl], &ints(&p.counts))?;
        z.add(arrays::P_LAMBDA, &[nl], &p.density)?;
        z.add(arrays::OMEGA_EDGES, &[nw + 1], &d.edges)?;
        z.add(arrays::OMEGA_COUNTS, &[nw], &ints(&d.counts))?;
        z.add(arrays::D_OMEGA, &[nw], &d.density)?;
        let (ne_l, ne_v): (Vec<f64>, Vec<f64>) = data
            .iter()
            .flat_map(|d| {
                let l0 = pooling.lambda_unit(d);
                d.participation.iter().map(move |&(l, ne)| (l / l0, ne))
            })
            .unzip();
        if !ne_l.is_empty() {
            let (_, mean, count) = binned_means(&ne_l, &ne_v, &p.edges);
            z.add(arrays::NE_MEAN, &[nl], &mean)?;
            z.add(arrays::NE_COUNT, &[nl], &ints(&count))?;
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
