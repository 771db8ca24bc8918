//! IPL glasses: the deterministic size multiset, random starting positions, the instant quench
//! (Tp = ∞), the SWAP glass (Monte Carlo at a finite Tp, then a quench) one sample at a time,
//! and the glass of a long chain's snapshot (batches of samples and chains:
//! `crate::ensemble::glasses`, `crate::ensemble::chains`).

use rand::Rng as _;

use super::swap::{McReport, Snapshot, SwapOptions, swap_monte_carlo};
use super::{QuenchOptions, finalize, quench};
use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::{Ipl, Model, fmt_f64};
use crate::rng::{Purpose, stream};

/// Options of an IPL glass.
#[derive(Clone, Debug)]
pub struct IplOptions {
    /// The potential.
    pub model: Ipl,
    /// Number density (default 0.58 in 3D, 0.70 in 2D).
    pub density: f64,
    /// Sizes follow p(λ) ∝ λ^exponent on [size_min, size_max].
    pub size_min: f64,
    /// Largest size.
    pub size_max: f64,
    /// Exponent of the size distribution (−3).
    pub size_exponent: f64,
    /// Quench options.
    pub quench: QuenchOptions,
}

impl IplOptions {
    /// The default IPL glass of dimension `dim`: the default [`Ipl`] potential at number
    /// density 0.58 in 3D (0.70 in 2D), sizes distributed as p(λ) ∝ λ⁻³ on [1, 2.22].
    pub fn defaults(dim: usize) -> Self {
        Self {
            model: Ipl::default(),
            density: if dim == 2 { 0.70 } else { 0.58 },
            size_min: 1.0,
            size_max: 2.22,
            size_exponent: -3.0,
            quench: QuenchOptions::default(),
        }
    }
}

/// The size multiset λ_i = F⁻¹((i − ½)/N) of p(λ) ∝ λ^a on [λ_min, λ_max], ascending.
pub fn ipl_sizes(n: usize, lo: f64, hi: f64, a: f64) -> Result<Vec<f64>> {
    if !(lo > 0.0 && hi >= lo && lo.is_finite() && hi.is_finite() && a.is_finite()) {
        return Err(Error::Invalid(format!(
            "size range [{lo}, {hi}] must be positive and ordered"
        )));
    }
    let b = a + 1.0;
    Ok((0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            if hi == lo {
                lo
            } else if b.abs() < 1e-12 {
                lo * (hi / lo).powf(u)
            } else {
                let (l, h) = (lo.powf(b), hi.powf(b));
                (l + u * (h - l)).powf(1.0 / b)
            }
        })
        .collect())
}

/// Largest relative rounding of a size that [`restore_ipl_sizes`] undoes (files written with
/// six or more significant digits).
pub const SIZE_RESTORE_TOL: f64 = 1e-6;

/// Undoes the rounding of the sizes of an IPL glass made by bondspace, as a file written with
/// few digits holds them (ASE's extended XYZ has 8 decimals, GSD float32): when the metadata
/// carry the size distribution (`size_min`, `size_max`, `size_exponent`, as bondspace writes
/// them; without them, the default distribution of [`IplOptions::defaults`]) and the
/// k-th smallest size is within [`SIZE_RESTORE_TOL`] (relative) of the k-th member of
/// [`ipl_sizes`] for every k, each particle gets that member (it keeps its rank). SWAP moves
/// only permute the multiset, and its members are ~1/N apart, far more than the rounding, so
/// the assignment is exact. Returns the largest relative change, or `None` (nothing changed)
/// when the configuration is not such a glass.
pub fn restore_ipl_sizes<const D: usize>(cfg: &mut Configuration<D>) -> Option<f64> {
    if !matches!(cfg.model, Model::Ipl(_)) {
        return None;
    }
    let num = |k: &str| cfg.info.get(k).and_then(|v| v.parse::<f64>().ok());
    // a file without the metadata (GSD, LAMMPS, or an OVITO export): the default distribution,
    // which the check below accepts only if the sizes are its multiset
    let defaults = IplOptions::defaults(D);
    let lo = num("size_min").unwrap_or(defaults.size_min);
    let hi = num("size_max").unwrap_or(defaults.size_max);
    let a = num("size_exponent").unwrap_or(defaults.size_exponent);
    let target = ipl_sizes(cfg.len(), lo, hi, a).ok()?;
    let mut order: Vec<usize> = (0..cfg.len()).collect();
    order.sort_by(|&i, &j| cfg.sizes[i].total_cmp(&cfg.sizes[j]).then(i.cmp(&j)));
    let mut worst = 0.0f64;
    for (k, &i) in order.iter().enumerate() {
        let rel = ((cfg.sizes[i] - target[k]) / target[k]).abs();
        if rel.is_nan() || rel > SIZE_RESTORE_TOL {
            return None;
        }
        worst = worst.max(rel);
    }
    for (k, &i) in order.iter().enumerate() {
        cfg.sizes[i] = target[k];
    }
    Some(worst)
}

/// Random positions uniform in the box.
pub(crate) fn random_positions<const D: usize>(
    simbox: &SimBox<D>,
    n: usize,
    seed: u64,
    index: u64,
) -> Vec<[f64; D]> {
    let mut rng = stream(seed, Purpose::Positions, index);
    (0..n)
        .map(|_| std::array::from_fn(|k| rng.random::<f64>() * simbox.lengths[k]))
        .collect()
}

/// Checks, before any work, that `n` IPL particles in `dim` dimensions at `opt.density` can
/// be prepared: at least two, a positive density, a box whose edges exceed twice the largest
/// pair reach (the minimum image), and the memory ([`super::check_memory`]).
pub fn check_ipl(dim: usize, n: usize, opt: &IplOptions) -> Result<()> {
    if n < 2 {
        return Err(Error::Invalid("need at least 2 particles".into()));
    }
    if !(opt.density.is_finite() && opt.density > 0.0) {
        return Err(Error::Invalid(format!(
            "density {} must be positive",
            opt.density
        )));
    }
    super::check_memory(n)?;
    let d = dim as f64;
    let edge = (n as f64 / opt.density).powf(1.0 / d);
    let sizes = ipl_sizes(n, opt.size_min, opt.size_max, opt.size_exponent)?;
    let largest = sizes.iter().copied().fold(0.0, f64::max);
    let reach = crate::models::PairPotential::max_reach(&opt.model, largest);
    let min_n = opt.density * (2.0 * reach).powf(d) + 1.0;
    super::check_edge(
        edge,
        reach,
        &format!("{n} particles at density {}", opt.density),
        min_n,
    )
}

/// An IPL configuration of `n` particles at random positions (the Tp = ∞ liquid), unquenched.
pub fn ipl_random<const D: usize>(
    n: usize,
    opt: &IplOptions,
    seed: u64,
    index: u64,
) -> Result<Configuration<D>> {
    check_ipl(D, n, opt)?;
    let sizes = ipl_sizes(n, opt.size_min, opt.size_max, opt.size_exponent)?;
    let simbox = SimBox::<D>::cubic(n as f64 / opt.density)?;
    let positions = random_positions(&simbox, n, seed, index);
    let mut cfg = Configuration::new(simbox, positions, sizes, Model::Ipl(opt.model.clone()))?;
    for (k, v) in [
        ("density", fmt_f64(opt.density)),
        ("size_min", fmt_f64(opt.size_min)),
        ("size_max", fmt_f64(opt.size_max)),
        ("size_exponent", fmt_f64(opt.size_exponent)),
        ("seed", seed.to_string()),
    ] {
        cfg.info.insert(k.into(), v);
    }
    Ok(cfg)
}

/// An IPL glass quenched instantly from random positions (Tp = ∞), sample 0 of `seed`.
pub fn ipl_instant_quench<const D: usize>(
    n: usize,
    opt: &IplOptions,
    seed: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<Configuration<D>> {
    ipl_instant_quench_sample(n, opt, seed, 0, progress)
}

/// Sample `index` of `seed` of [`ipl_instant_quench`] (its own random positions).
pub fn ipl_instant_quench_sample<const D: usize>(
    n: usize,
    opt: &IplOptions,
    seed: u64,
    index: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<Configuration<D>> {
    let mut cfg = ipl_random::<D>(n, opt, seed, index)?;
    cfg.info.insert("tp".into(), "inf".into());
    let rep = quench(&mut cfg, &opt.quench, progress)?;
    cfg.info
        .insert("quench_iterations".into(), rep.iterations.to_string());
    finalize(&mut cfg)?;
    Ok(cfg)
}

/// Default SWAP Monte Carlo sweeps at parent temperature `tp`: about ten structural
/// relaxation times (self-overlap decay from a quenched random start, measured for N = 2000
/// in 3D: ≈ 500 sweeps at Tp = 1, 1 600 at 0.6, 4 800 at 0.45), rounded up; the README has
/// the measurements. Below 0.4: 10⁶, from the chain measured at Tp = 0.32 (README).
pub fn default_sweeps(tp: f64) -> u64 {
    if tp >= 0.8 {
        5_000
    } else if tp >= 0.55 {
        15_000
    } else if tp >= 0.4 {
        50_000
    } else {
        // Tp = 0.32 (N = 2000): τ_Q ≈ 1.4 × 10⁵ sweeps and still growing, and C relaxed once
        // (after 2.4 × 10⁵ sweeps) in 1.36 × 10⁶, so a chain's equilibration (≥ 10 τ_Q,
        // ≥ 3 τ_C) needs more than 3.4 × 10⁶ sweeps: the chains' cap, 10 × this, allows 10⁷
        1_000_000
    }
}

/// The starting liquid of a SWAP run: random positions (sample `index` of `seed`) with their
/// overlaps removed by a loose minimisation, so that the Monte Carlo energy bookkeeping never
/// carries the huge energies of overlapping random positions.
pub fn ipl_liquid_start<const D: usize>(
    n: usize,
    opt: &IplOptions,
    seed: u64,
    index: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<Configuration<D>> {
    let mut cfg = ipl_random::<D>(n, opt, seed, index)?;
    progress.set_message("removing overlaps");
    let loose = QuenchOptions {
        rel_tol: 1e-2,
        fire_factor: 1.0,
    };
    quench(&mut cfg, &loose, progress)?;
    Ok(cfg)
}

/// Default cap on the equilibration of a chain at parent temperature `tp` (sweeps, tuning
/// included): ten times [`default_sweeps`] (5 × 10⁵ at Tp = 0.45; the README has the sweeps
/// chains of N = 2000 actually needed).
pub fn default_max_equilibration(tp: f64) -> u64 {
    10 * default_sweeps(tp)
}

/// The glass of a chain's snapshot: `template` (the chain's box, model and metadata) with the
/// snapshot's positions and sizes, quenched; its metadata name the chain, the snapshot and
/// the sweep it came from (`chain`, `snapshot`, `sweep`).
pub fn ipl_snapshot_glass<const D: usize>(
    template: &Configuration<D>,
    snapshot: &Snapshot<D>,
    opt: &IplOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<Configuration<D>> {
    let mut cfg = template.clone();
    cfg.positions = snapshot.positions.clone();
    cfg.sizes = snapshot.sizes.clone();
    let r = &snapshot.report;
    for (k, v) in [
        ("tp", fmt_f64(r.temperature)),
        ("chain", r.chain.to_string()),
        ("snapshot", snapshot.index.to_string()),
        ("sweep", r.sweep.to_string()),
        ("mc_delta", fmt_f64(r.delta)),
        ("mc_equilibrated", r.equilibrated.to_string()),
    ] {
        cfg.info.insert(k.into(), v);
    }
    progress.set_message("quench");
    let rep = quench(&mut cfg, &opt.quench, progress)?;
    cfg.info
        .insert("quench_iterations".into(), rep.iterations.to_string());
    finalize(&mut cfg)?;
    Ok(cfg)
}

/// An IPL glass equilibrated with SWAP Monte Carlo at `swap.temperature`, then quenched;
/// sample `index` of `seed` (its own random streams). Returns the glass and the MC report.
pub fn ipl_swap_glass<const D: usize>(
    n: usize,
    opt: &IplOptions,
    swap: &SwapOptions,
    seed: u64,
    index: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<(Configuration<D>, McReport)> {
    let mut cfg = ipl_liquid_start::<D>(n, opt, seed, index, progress)?;
    let rng = stream(seed, Purpose::MonteCarlo, index);
    let Configuration {
        simbox,
        positions,
        sizes,
        ..
    } = &mut cfg;
    // `cfg.model` is `Model::Ipl(opt.model)` (made by `ipl_random`): run on the potential itself
    let report = swap_monte_carlo(&opt.model, *simbox, positions, sizes, swap, rng, progress)?;
    cfg.info.insert("tp".into(), fmt_f64(swap.temperature));
    cfg.info.insert("sweeps".into(), swap.sweeps.to_string());
    cfg.info.insert("sample".into(), index.to_string());
    cfg.info.insert("mc_delta".into(), fmt_f64(report.delta));
    cfg.info
        .insert("mc_equilibrated".into(), report.equilibrated.to_string());
    progress.set_message("quench");
    let rep = quench(&mut cfg, &opt.quench, progress)?;
    cfg.info
        .insert("quench_iterations".into(), rep.iterations.to_string());
    finalize(&mut cfg)?;
    Ok((cfg, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounded_sizes_are_restored_exactly_and_foreign_ones_left_alone() {
        let opt = IplOptions::defaults(2);
        let mut cfg = ipl_random::<2>(200, &opt, 3, 0).unwrap();
        // a SWAP-like permutation of the multiset, then 8 decimals as ASE writes them
        cfg.sizes.reverse();
        cfg.sizes.swap(3, 150);
        let exact = cfg.sizes.clone();
        for s in &mut cfg.sizes {
            *s = (*s * 1e8).round() / 1e8;
        }
        assert_ne!(cfg.sizes, exact);
        let worst = restore_ipl_sizes(&mut cfg).unwrap();
        assert!(worst > 0.0 && worst < 1e-8, "{worst}");
        assert_eq!(cfg.sizes, exact);
        // sizes that are not the distribution's (beyond the tolerance) are kept
        cfg.sizes[7] *= 1.0 + 1e-4;
        let kept = cfg.sizes.clone();
        assert_eq!(restore_ipl_sizes(&mut cfg), None);
        assert_eq!(cfg.sizes, kept);
        // no metadata, nothing done
        cfg.info.remove("size_exponent");
        assert_eq!(restore_ipl_sizes(&mut cfg), None);
    }
}
