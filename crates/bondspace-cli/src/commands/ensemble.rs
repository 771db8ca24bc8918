//! `bondspace ensemble` and `bondspace merge`: many samples per group, prepared, analysed and
//! pooled, resumably and in shards.

use std::path::PathBuf;

use bondspace::ensemble::{self, AnalysisSpec, EnsembleSpec, Family, Group, PooledSummary};
use clap::Args;

use crate::args::{
    MethodArg, ModelArg, check_phm, check_pressure, check_samples, input_error, parse_shard,
    parse_tp,
};
use crate::progress;

/// Options of `ensemble`.
#[derive(Args)]
pub struct EnsembleArgs {
    /// Model: ipl (SWAP glasses at --tp) or harmonic (packings at --pressure).
    #[arg(long, value_enum, default_value = "ipl")]
    model: ModelArg,
    /// Spatial dimension (2 or 3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(2..=3))]
    dim: u8,
    /// Particles per sample (a list makes one group per N).
    #[arg(
        short = 'n',
        long = "particles",
        value_delimiter = ',',
        required = true
    )]
    n: Vec<usize>,
    /// Parent temperatures (ipl; a list, `inf` = instant quench).
    #[arg(long, value_delimiter = ',', default_value = "inf")]
    tp: Vec<String>,
    /// SWAP Monte Carlo sweeps (default: by Tp, see the README).
    #[arg(long)]
    sweeps: Option<u64>,
    /// Target pressures (harmonic; a list).
    #[arg(long, value_delimiter = ',', default_value = "0.1")]
    pressure: Vec<f64>,
    /// Samples per group.
    #[arg(long, default_value_t = 1)]
    samples: usize,
    /// Long chains per finite-Tp group that the samples are drawn from (each equilibrates
    /// until its checks pass, then takes a snapshot every --spacing relaxation times; --sweeps
    /// caps the equilibration) [default: min(samples, 8)]; 0: every sample from its own run
    /// of --sweeps sweeps (the format of earlier ensembles).
    #[arg(long)]
    chains: Option<usize>,
    /// Snapshots of a chain every k relaxation times τ of the self-overlap.
    #[arg(long, default_value_t = bondspace::prepare::swap::sampler::DEFAULT_SPACING)]
    spacing: f64,
    /// Seed of the ensemble.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Ensemble directory.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Spectrum method per sample (dense or slicing).
    #[arg(long, value_enum, default_value = "dense")]
    method: MethodArg,
    /// Top modes per sample.
    #[arg(long, default_value_t = 0)]
    modes: usize,
    /// Pseudo-harmonic modes of the top modes.
    #[arg(long)]
    phm: bool,
    /// Participation of every mode (a dense eigendecomposition per sample).
    #[arg(long)]
    participation: bool,
    /// With --participation: only for samples 0 … K−1 of each group (allows --method
    /// slicing for the rest).
    #[arg(long, value_name = "K")]
    participation_samples: Option<usize>,
    /// Dipole responses per sample (κ_α of bonds spread evenly; ω_g and ξ_g in the report).
    #[arg(long, default_value_t = 0)]
    dipoles: usize,
    /// Run only part i of n (0 ≤ i < n), e.g. `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

/// The specification the flags describe.
fn spec(a: &EnsembleArgs) -> anyhow::Result<EnsembleSpec> {
    check_samples(a.samples)?;
    check_phm(a.phm, a.modes)?;
    let mut families = Vec::new();
    match a.model {
        ModelArg::Ipl => {
            for t in &a.tp {
                let tp = parse_tp(t)?;
                families.push(Family::Ipl {
                    tp,
                    sweeps: tp.finite().and(a.sweeps),
                });
            }
            if a.sweeps.is_some()
                && !families
                    .iter()
                    .any(|f| matches!(f, Family::Ipl { tp, .. } if tp.is_finite()))
            {
                return Err(input_error("--sweeps only applies to a finite --tp"));
            }
        }
        ModelArg::Harmonic => {
            for &p in &a.pressure {
                check_pressure(p)?;
                families.push(Family::Harmonic { pressure: p });
            }
        }
    }
    let mut groups = Vec::new();
    for &n in &a.n {
        for f in &families {
            groups.push(Group {
                dim: a.dim as usize,
                n,
                family: f.clone(),
            });
        }
    }
    let method = a.method.method();
    if !matches!(
        method,
        bondspace::spectra::Method::Dense | bondspace::spectra::Method::Slicing
    ) {
        return Err(input_error(
            "ensembles use --method dense or slicing (their spectra are pooled)",
        ));
    }
    if a.participation_samples.is_some() && !a.participation {
        return Err(input_error("--participation-samples needs --participation"));
    }
    if a.participation
        && method != bondspace::spectra::Method::Dense
        && a.participation_samples.is_none()
    {
        return Err(input_error(
            "--participation needs --method dense, or --participation-samples K",
        ));
    }
    if !(a.spacing.is_finite() && a.spacing > 0.0) {
        return Err(input_error("--spacing must be positive"));
    }
    let finite = groups
        .iter()
        .any(|g| matches!(g.family, Family::Ipl { tp, .. } if tp.is_finite()));
    let m = a
        .chains
        .unwrap_or_else(|| ensemble::chains::default_chains(a.samples));
    if a.chains.is_some() && !finite {
        return Err(input_error("--chains only applies to a finite --tp"));
    }
    let chains = (finite && m > 0).then_some(ensemble::ChainSampling {
        chains: m,
        spacing: a.spacing,
    });
    Ok(EnsembleSpec {
        chains,
        groups,
        samples: a.samples,
        seed: a.seed,
        analysis: AnalysisSpec {
            method,
            modes: a.modes,
            phm: a.phm,
            participation: a.participation,
            participation_samples: a.participation_samples,
            dipoles: a.dipoles,
        },
    })
}

/// Runs `ensemble`.
pub fn run(a: EnsembleArgs) -> anyhow::Result<()> {
    let shard = parse_shard(a.shard.as_deref())?;
    let spec = spec(&a)?;
    let bar = progress::bar(0, "samples");
    let rep = ensemble::run(&a.output, &spec, shard, &bar)?;
    bar.finish_and_clear();
    eprintln!(
        "{}: {} samples computed, {} already there, {} failed (shard {}/{})",
        a.output.display(),
        rep.computed,
        rep.skipped,
        rep.failed.len(),
        shard.0,
        shard.1
    );
    print_pooled(&ensemble::pool(&a.output)?);
    if !rep.failed.is_empty() {
        for (name, e) in &rep.failed {
            eprintln!("failed: {name}: {e}");
        }
        anyhow::bail!(
            "{} samples failed (a re-run retries them)",
            rep.failed.len()
        );
    }
    Ok(())
}

/// Runs `merge`.
pub fn merge(output: &std::path::Path, inputs: &[PathBuf]) -> anyhow::Result<()> {
    print_pooled(&ensemble::merge(output, inputs)?);
    Ok(())
}

fn print_pooled(pooled: &[PooledSummary]) {
    for p in pooled {
        let k = p.samples.len();
        let eq = p
            .n_equilibrated
            .map_or(String::new(), |e| format!(", {e} of {k} SWAP-equilibrated"));
        let acc = p.acceptance.map_or(String::new(), |(m, w)| {
            format!(
                ", acceptance {:.1} % (moves) {:.1} % (swaps)",
                100.0 * m,
                100.0 * w
            )
        });
        let neg = if p.n_nonpositive_g > 0 {
            format!(", {} with G ≤ 0 (kept, flagged)", p.n_nonpositive_g)
        } else {
            String::new()
        };
        let chains = match (p.chains, p.e_is_lag1) {
            (Some(c), Some((r, se, pairs))) => format!(
                ", from {c} chains (lag-1 correlation of e_IS {r:+.3} ± {se:.3} over {pairs} \
                 successive pairs)"
            ),
            (Some(c), None) => format!(", from {c} chains"),
            _ => String::new(),
        };
        eprintln!(
            "{}: {k} samples pooled{chains}{eq}{neg}, e_IS = E/N = {:.6} ± {:.6}, G = {:.5} ± {:.5}, λ₀ = {:.4e}{acc}",
            p.group,
            p.energy_per_particle.0,
            p.energy_per_particle.1,
            p.shear_modulus.0,
            p.shear_modulus.1,
            p.lambda_0.0,
        );
    }
}
