//! `bondspace prepare ipl|harmonic`: make a configuration and write it as extended XYZ.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bondspace::ensemble::{
    self,
    glasses::{chain_glasses, mc_report_path, swap_glasses},
};
use bondspace::prepare::swap::ChainOptions;
use bondspace::prepare::{self, HarmonicOptions, IplOptions, SwapOptions};
use bondspace::stats::mean_se;
use bondspace::{AnyConfiguration, Configuration, Temperature, io::xyz, with_dim, with_dim_const};
use clap::{Args, Subcommand};

use crate::args::{check_pressure, check_samples, input_error, parse_tp};
use crate::progress;

/// Options of every `prepare` command.
#[derive(Args)]
pub struct Common {
    /// Spatial dimension (2 or 3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(2..=3))]
    dim: u8,
    /// Number of particles.
    #[arg(short = 'n', long = "particles")]
    n: usize,
    /// Random seed (same seed, same output, whatever the thread count).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (extended XYZ).
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Force tolerance relative to the typical pair force (mean |u′| over bonds).
    #[arg(long, default_value_t = prepare::DEFAULT_REL_TOL)]
    tolerance: f64,
}

/// `prepare` subcommands.
#[derive(Subcommand)]
pub enum PrepareCmd {
    /// IPL soft-sphere glass at parent temperature Tp (`--tp inf`: instant quench).
    Ipl {
        #[command(flatten)]
        common: Common,
        /// Parent temperature: `inf` for an instant quench from random positions.
        #[arg(long, default_value = "inf")]
        tp: String,
        /// SWAP Monte Carlo sweeps at Tp, burn-in included (finite Tp only; default depends
        /// on Tp, see the README). With samples drawn from chains: the cap on each chain's
        /// equilibration (default: ten times the single-run default).
        #[arg(long)]
        sweeps: Option<u64>,
        /// Samples; K > 1 writes OUT-0000.xyz, OUT-0001.xyz, ... and skips samples already
        /// written. They are drawn from --chains long chains (resumable from their states,
        /// OUT.chain-cccc.json).
        #[arg(long, default_value_t = 1)]
        samples: usize,
        /// Independent chains the samples are drawn from (each equilibrates until its checks
        /// pass, then takes a snapshot every --spacing relaxation times) [default: min(K, 8)
        /// for K > 1 samples; 1 sample without --chains is one run of --sweeps sweeps]; 0:
        /// every sample from its own run of --sweeps sweeps.
        #[arg(long)]
        chains: Option<usize>,
        /// Snapshots of a chain every k relaxation times τ of the self-overlap.
        #[arg(long, default_value_t = bondspace::prepare::swap::sampler::DEFAULT_SPACING)]
        spacing: f64,
        /// Number density (default 0.58 in 3D, 0.70 in 2D).
        #[arg(long)]
        density: Option<f64>,
        /// SWAP Monte Carlo: swap only sizes closer than W, |λ_i − λ_j| < W (`inf`: any two
        /// particles) [default: the library's, see the README].
        #[arg(long)]
        swap_window: Option<f64>,
    },
    /// Harmonic-sphere packing (radii 0.5/0.7, 50:50) at a target pressure.
    Harmonic {
        #[command(flatten)]
        common: Common,
        /// Target pressure p*.
        #[arg(long, default_value_t = 0.1)]
        pressure: f64,
    },
}

fn check_common(c: &Common) -> anyhow::Result<()> {
    if c.n < 2 {
        return Err(input_error("-n must be at least 2"));
    }
    if !(c.tolerance.is_finite() && c.tolerance > 0.0) {
        return Err(input_error("--tolerance must be positive"));
    }
    Ok(())
}

/// Runs `prepare`.
pub fn run(what: PrepareCmd) -> anyhow::Result<()> {
    let start = Instant::now();
    let (output, cfg): (PathBuf, AnyConfiguration) = match what {
        PrepareCmd::Ipl {
            common,
            tp,
            sweeps,
            samples,
            chains,
            spacing,
            density,
            swap_window,
        } => {
            check_common(&common)?;
            let tp = parse_tp(&tp)?;
            check_samples(samples)?;
            let mut opt = IplOptions::defaults(common.dim as usize);
            if let Some(d) = density {
                if !(d.is_finite() && d > 0.0) {
                    return Err(input_error("--density must be positive"));
                }
                opt.density = d;
            }
            opt.quench.rel_tol = common.tolerance;
            if let Temperature::Finite(t) = tp {
                if sweeps == Some(0) {
                    return Err(input_error("--sweeps must be at least 1"));
                }
                if !(spacing.is_finite() && spacing > 0.0) {
                    return Err(input_error("--spacing must be positive"));
                }
                if let Some(w) = swap_window
                    && (w.is_nan() || w <= 0.0)
                {
                    return Err(input_error("--swap-window must be positive (or inf)"));
                }
                let m = chains.unwrap_or(if samples > 1 {
                    ensemble::chains::default_chains(samples)
                } else {
                    0
                });
                if m > 0 {
                    let cap = sweeps.unwrap_or_else(|| prepare::default_max_equilibration(t));
                    let mut copt = ChainOptions::new(t, common.n, cap);
                    copt.spacing = spacing;
                    if let Some(w) = swap_window {
                        copt.swap_window = w;
                    }
                    return run_chains(&common, &opt, &copt, m, samples, start);
                }
                let mut swap =
                    SwapOptions::new(t, sweeps.unwrap_or_else(|| prepare::default_sweeps(t)));
                if let Some(w) = swap_window {
                    swap.swap_window = w;
                }
                return run_swap(&common, &opt, &swap, samples, start);
            }
            if chains.is_some() {
                return Err(input_error("--chains only applies to a finite --tp"));
            }
            if sweeps.is_some() {
                return Err(input_error("--sweeps only applies to a finite --tp"));
            }
            if swap_window.is_some() {
                return Err(input_error("--swap-window only applies to a finite --tp"));
            }
            if samples != 1 {
                return Err(input_error("--samples needs a finite --tp"));
            }
            let bar = progress::spinner("quench");
            let cfg: AnyConfiguration = with_dim_const!(common.dim as usize, D => {
                prepare::ipl_instant_quench::<D>(common.n, &opt, common.seed, &bar)
                    .map(AnyConfiguration::from)
            })?;
            bar.finish_and_clear();
            (common.output, cfg)
        }
        PrepareCmd::Harmonic { common, pressure } => {
            check_common(&common)?;
            check_pressure(pressure)?;
            let opt = HarmonicOptions {
                pressure,
                quench: prepare::QuenchOptions {
                    rel_tol: common.tolerance,
                    ..Default::default()
                },
                ..Default::default()
            };
            let bar = progress::spinner("packing");
            let cfg: AnyConfiguration = with_dim_const!(common.dim as usize, D => {
                prepare::harmonic_packing::<D>(common.n, &opt, common.seed, &bar)
                    .map(AnyConfiguration::from)
            })?;
            bar.finish_and_clear();
            (common.output, cfg)
        }
    };
    xyz::write_any(&cfg, &output)?;
    with_dim!(&cfg, c => report_written(c, &output, start.elapsed().as_secs_f64()));
    Ok(())
}

/// SWAP Monte Carlo glasses: one file, or `samples` files written as they finish.
fn run_swap(
    common: &Common,
    opt: &IplOptions,
    swap: &SwapOptions,
    samples: usize,
    start: Instant,
) -> anyhow::Result<()> {
    let sweeps = swap.sweeps;
    let bar = if samples > 1 {
        progress::bar(samples as u64, "samples")
    } else {
        progress::bar(sweeps, "SWAP MC")
    };
    let (n, seed, out) = (common.n, common.seed, &common.output);
    let outcomes = with_dim_const!(common.dim as usize, D => {
        swap_glasses::<D>(n, opt, swap, seed, out, samples, &bar)
    })?;
    bar.finish_and_clear();
    let mut energies = Vec::new();
    for o in &outcomes {
        energies.push(o.energy_per_particle);
        match &o.report {
            None => eprintln!("{}: already done, kept", o.path.display()),
            Some(r) => {
                eprintln!(
                    "wrote {} and {}: T = {}, {} sweeps, δ = {:.4}, acceptance {:.1} % (moves), \
                     {:.1} % (swaps), {:.3e} attempts/s, inherent-state e/N = {:.6}",
                    o.path.display(),
                    mc_report_path(&o.path).display(),
                    r.temperature,
                    r.sweeps,
                    r.delta,
                    100.0 * r.displacement_acceptance,
                    100.0 * r.swap_acceptance,
                    r.attempts_per_second,
                    o.energy_per_particle
                );
                for w in &r.warnings {
                    eprintln!("warning: {}: {w}", o.path.display());
                }
            }
        }
    }
    if energies.len() > 1 {
        let (mean, se) = mean_se(&energies);
        eprintln!(
            "{} samples: inherent-state e/N = {mean:.6} ± {se:.6} (standard error) in {:.1} s",
            energies.len(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// SWAP glasses drawn from `chains` long chains, written as they finish.
fn run_chains(
    common: &Common,
    opt: &IplOptions,
    copt: &ChainOptions,
    chains: usize,
    samples: usize,
    start: Instant,
) -> anyhow::Result<()> {
    let bar = progress::bar(samples as u64, "samples");
    let (n, seed, out) = (common.n, common.seed, &common.output);
    let outcomes = with_dim_const!(common.dim as usize, D => {
        chain_glasses::<D>(n, opt, copt, chains, seed, out, samples, &bar)
    })?;
    bar.finish_and_clear();
    let mut energies = Vec::new();
    for o in &outcomes {
        energies.push(o.energy_per_particle);
        match &o.snapshot {
            None => eprintln!("{}: already done, kept", o.path.display()),
            Some(r) => {
                eprintln!(
                    "wrote {}: chain {}, snapshot {} at sweep {} (equilibrated at {}, τ = {:.0} \
                     sweeps, spacing {}), acceptance {:.1} % (moves), {:.1} % (swaps), \
                     {:.3e} attempts/s, inherent-state e/N = {:.6}",
                    o.path.display(),
                    r.chain,
                    r.snapshot,
                    r.sweep,
                    r.equilibration_sweeps,
                    r.tau,
                    r.spacing,
                    100.0 * r.displacement_acceptance,
                    100.0 * r.swap_acceptance,
                    r.attempts_per_second,
                    o.energy_per_particle
                );
                for w in &r.warnings {
                    eprintln!("warning: {}: {w}", o.path.display());
                }
            }
        }
    }
    if energies.len() > 1 {
        let (mean, se) = mean_se(&energies);
        eprintln!(
            "{} samples from {} chains: inherent-state e/N = {mean:.6} ± {se:.6} (standard \
             error) in {:.1} s",
            energies.len(),
            chains.min(samples),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn report_written<const D: usize>(c: &Configuration<D>, path: &Path, seconds: f64) {
    let get = |k: &str| c.info.get(k).cloned().unwrap_or_default();
    eprintln!(
        "wrote {} ({}D, N = {}, {}): energy {}, pressure {}, max force {} in {:.2} s",
        path.display(),
        D,
        c.len(),
        c.model.name(),
        get("energy"),
        get("pressure"),
        get("max_force"),
        seconds
    );
}
