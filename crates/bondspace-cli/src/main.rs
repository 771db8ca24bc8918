//! `bondspace`: the command-line interface, a thin layer over the `bondspace` library.
//!
//! Exit status: 0 on success, 2 on bad usage or bad input (one line naming the problem),
//! 1 on any other failure (e.g. a minimiser that did not converge).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use bondspace::operators::factor::Ordering;
use bondspace::prepare::{self, HarmonicOptions, IplOptions};
use bondspace::{AnyConfiguration, Configuration, io::xyz, with_dim};

mod progress;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bondspace",
    version,
    about = "Computer glasses and their bond-force-response operator A = S M⁺ Sᵀ"
)]
struct Cli {
    /// No progress bars.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a configuration (IPL glass or harmonic packing) and write it as extended XYZ.
    Prepare {
        #[command(subcommand)]
        what: PrepareCmd,
    },
    /// Bond-operator and Hessian spectra of one configuration, written to a directory.
    Spectrum {
        /// Extended-XYZ configuration.
        config: PathBuf,
        /// Output directory (summary.json, bond_spectrum.npy, hessian_spectrum.npy).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// dense: reduced generalized eigenproblem (default); explicit: literal A = S M⁺ Sᵀ;
        /// slicing: exact counts in log bins (--bins, --lambda-range, --omega-range) by
        /// inertia; sparse: large systems, no spectrum, the top modes (--modes) by Lanczos on
        /// the sparse factor; auto: dense up to nd = 9000 (if it fits in memory), slicing up
        /// to nd = 60 000, sparse above.
        #[arg(long, value_enum, default_value = "dense")]
        method: MethodArg,
        /// Fill-reducing ordering of the sparse factorizations (METIS nested dissection or
        /// approximate minimum degree).
        #[arg(long, value_enum, default_value = "metis")]
        ordering: OrderingArg,
        /// Slicing: number of logarithmic bins of P(λ) and of D(ω).
        #[arg(long, default_value_t = 30)]
        bins: usize,
        /// Slicing: range of the P(λ) bins in units of λ₀.
        #[arg(long, value_delimiter = ',', default_values_t = [1e-3, 1e4], value_name = "LO,HI")]
        lambda_range: Vec<f64>,
        /// Slicing: range of the D(ω) bins in units of ω₀.
        #[arg(long, value_delimiter = ',', default_values_t = [1e-2, 1e2], value_name = "LO,HI")]
        omega_range: Vec<f64>,
        /// Analyse a configuration that is not force-balanced.
        #[arg(long)]
        allow_unbalanced: bool,
        #[command(flatten)]
        extra: SpectrumExtras,
    },
    /// Benchmark the spectrum methods on 3D IPL glasses (Tp = ∞) and print a table; with
    /// `--scaling`, the large-system pipeline (prepare, sparse factor, top modes, tail count)
    /// with times, peak memory and fitted growth exponents.
    Bench {
        /// System sizes [default: 500,1000,2000; with --scaling 2000,20000,100000].
        #[arg(long, value_delimiter = ',')]
        sizes: Option<Vec<usize>>,
        /// Run the literal dense A only up to this N (it scales as N_b³).
        #[arg(long, default_value_t = 2000)]
        explicit_max: usize,
        /// Logarithmic bins of the slicing method (with --scaling: of the P(λ) tail count,
        /// λ/λ₀ ∈ [10, 10⁴]).
        #[arg(long)]
        bins: Option<usize>,
        /// Seed of the glasses.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The scaling benchmark of the sparse route (see the README).
        #[arg(long)]
        scaling: bool,
        /// With --scaling: number of top modes.
        #[arg(long, default_value_t = 50)]
        modes: usize,
        /// With --scaling: compare the AMD ordering with METIS up to this N (AMD needs about
        /// twice the memory).
        #[arg(long, default_value_t = 20_000)]
        amd_max: usize,
        /// With --scaling: check the sparse top modes against the dense eigenvalues up to this N.
        #[arg(long, default_value_t = 2000)]
        dense_max: usize,
    },
    /// Prepare and analyse many samples (groups of N × Tp or pressure), resumably, writing
    /// each sample as it completes; `--shard i/n` runs one of n disjoint parts.
    Ensemble(EnsembleArgs),
    /// Merge the samples of ensemble directories (shards) into one and pool them.
    Merge {
        /// Output ensemble directory.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Ensemble directories to merge (same ensemble.json).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Figures (PNG, SVG) and report.md / report.html of an ensemble directory.
    Report {
        /// Ensemble directory.
        dir: PathBuf,
    },
    /// The paper's study end to end (ensembles, then the report) in one directory.
    Reproduce {
        /// Reduced scale, under 15 minutes on 2 cores (the default).
        #[arg(long, conflicts_with = "full")]
        quick: bool,
        /// The paper's scale (N = 2000, 4 Tp × 10 000 samples; harmonic N = 1000–4000):
        /// for a cluster or a long run; resumable.
        #[arg(long)]
        full: bool,
        /// Output directory (default: bondspace-reproduce-quick or -full).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Read a configuration and print N, d, box, model, energy, pressure, max force, bonds.
    Inspect {
        /// Extended-XYZ configuration.
        config: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Ordering and bins of the sparse methods of `spectrum`.
struct SlicingArgs {
    ordering: OrderingArg,
    bins: usize,
    lambda_range: Vec<f64>,
    omega_range: Vec<f64>,
}

/// Modes and measures of `spectrum` beyond the eigenvalues.
#[derive(Args, Clone, Copy)]
struct SpectrumExtras {
    /// The K highest-λ modes of A (f, F, D, N·e) → DIR/modes.npz.
    #[arg(long, default_value_t = 0, value_name = "K")]
    modes: usize,
    /// Pseudo-harmonic modes from each displacement mode (needs --modes): PHM arrays and
    /// overlaps in modes.npz.
    #[arg(long)]
    phm: bool,
    /// Participation N·e(F) of every mode (full dense eigendecomposition) →
    /// DIR/participation.npz.
    #[arg(long)]
    participation: bool,
    /// Dipole responses κ_α and A_αα of K evenly spread bonds → DIR/dipoles.npz.
    #[arg(long, default_value_t = 0, value_name = "K")]
    dipoles: usize,
}

/// Options of `bondspace ensemble`.
#[derive(Args)]
struct EnsembleArgs {
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
    /// Participation of every mode (dense).
    #[arg(long)]
    participation: bool,
    /// Run only part i of n (0 ≤ i < n), e.g. `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModelArg {
    Ipl,
    Harmonic,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MethodArg {
    Dense,
    Explicit,
    Slicing,
    Sparse,
    Auto,
}

impl MethodArg {
    fn method(self) -> bondspace::analysis::Method {
        use bondspace::analysis::Method;
        match self {
            MethodArg::Dense => Method::Dense,
            MethodArg::Explicit => Method::Explicit,
            MethodArg::Slicing => Method::Slicing,
            MethodArg::Sparse => Method::Sparse,
            MethodArg::Auto => Method::Auto,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OrderingArg {
    Metis,
    Amd,
}

impl OrderingArg {
    fn ordering(self) -> Ordering {
        match self {
            OrderingArg::Metis => Ordering::Metis,
            OrderingArg::Amd => Ordering::Amd,
        }
    }
}

#[derive(Args)]
struct Common {
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

#[derive(Subcommand)]
enum PrepareCmd {
    /// IPL soft-sphere glass at parent temperature Tp (`--tp inf`: instant quench).
    Ipl {
        #[command(flatten)]
        common: Common,
        /// Parent temperature: `inf` for an instant quench from random positions.
        #[arg(long, default_value = "inf")]
        tp: String,
        /// SWAP Monte Carlo sweeps at Tp, burn-in included (finite Tp only; default depends
        /// on Tp, see the README).
        #[arg(long)]
        sweeps: Option<u64>,
        /// Independent samples (seed streams 0..K, run in parallel); K > 1 writes
        /// OUT-0000.xyz, OUT-0001.xyz, ... and skips samples already written.
        #[arg(long, default_value_t = 1)]
        samples: usize,
        /// Number density (default 0.58 in 3D, 0.70 in 2D).
        #[arg(long)]
        density: Option<f64>,
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

/// An error that should exit with status 2 (bad usage or input).
#[derive(Debug)]
struct InputError(String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn input_error(msg: impl Into<String>) -> anyhow::Error {
    InputError(msg.into()).into()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    progress::set_quiet(cli.quiet);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let input = e.downcast_ref::<InputError>().is_some()
                || e.downcast_ref::<bondspace::Error>()
                    .is_some_and(|e| e.is_input_error());
            eprintln!("error: {e:#}");
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Prepare { what } => run_prepare(what),
        Command::Inspect { config, json } => run_inspect(&config, json),
        Command::Ensemble(args) => run_ensemble(args),
        Command::Report { dir } => {
            let path = bondspace::report::write_report(&dir, "")?;
            eprintln!("wrote {}", path.display());
            Ok(())
        }
        Command::Reproduce {
            quick: _,
            full,
            output,
            seed,
        } => run_reproduce(full, output, seed),
        Command::Merge { output, inputs } => {
            let pooled = bondspace::ensemble::merge(&output, &inputs)?;
            print_pooled(&pooled);
            Ok(())
        }
        Command::Bench {
            sizes,
            explicit_max,
            bins,
            seed,
            scaling,
            modes,
            amd_max,
            dense_max,
        } => {
            if scaling {
                let sizes = sizes.unwrap_or_else(|| vec![2000, 20_000, 100_000]);
                let opt = ScalingOptions {
                    modes,
                    bins: bins.unwrap_or(10),
                    seed,
                    amd_max,
                    dense_max,
                };
                run_scaling_bench(&sizes, &opt)
            } else {
                let sizes = sizes.unwrap_or_else(|| vec![500, 1000, 2000]);
                run_bench(&sizes, explicit_max, bins.unwrap_or(30), seed)
            }
        }
        Command::Spectrum {
            config,
            output,
            method,
            ordering,
            bins,
            lambda_range,
            omega_range,
            allow_unbalanced,
            extra,
        } => run_spectrum(
            &config,
            &output,
            method,
            allow_unbalanced,
            extra,
            SlicingArgs {
                ordering,
                bins,
                lambda_range,
                omega_range,
            },
        ),
    }
}

fn parse_tp(tp: &str) -> anyhow::Result<f64> {
    let v: f64 = tp
        .parse()
        .map_err(|_| input_error(format!("--tp {tp:?} is not a number or 'inf'")))?;
    if v.is_nan() || v <= 0.0 {
        return Err(input_error(format!(
            "--tp {tp}: the parent temperature must be positive (or 'inf')"
        )));
    }
    Ok(v)
}

fn run_ensemble(a: EnsembleArgs) -> anyhow::Result<()> {
    use bondspace::ensemble::{AnalysisSpec, EnsembleSpec, Family, Group};
    let shard = match &a.shard {
        None => (0, 1),
        Some(s) => {
            let bad = || input_error(format!("--shard {s:?}: expected I/N with 0 ≤ I < N"));
            let (i, n) = s.split_once('/').ok_or_else(bad)?;
            let (i, n): (usize, usize) = (
                i.trim().parse().map_err(|_| bad())?,
                n.trim().parse().map_err(|_| bad())?,
            );
            if n == 0 || i >= n {
                return Err(bad());
            }
            (i, n)
        }
    };
    if a.samples == 0 {
        return Err(input_error("--samples must be at least 1"));
    }
    if a.phm && a.modes == 0 {
        return Err(input_error("--phm needs --modes K (K > 0)"));
    }
    let mut families = Vec::new();
    match a.model {
        ModelArg::Ipl => {
            for t in &a.tp {
                let v = parse_tp(t)?;
                let tp = v.is_finite().then_some(v);
                families.push(Family::Ipl {
                    tp,
                    sweeps: tp.and(a.sweeps),
                });
            }
            if a.sweeps.is_some()
                && !families
                    .iter()
                    .any(|f| matches!(f, Family::Ipl { tp: Some(_), .. }))
            {
                return Err(input_error("--sweeps only applies to a finite --tp"));
            }
        }
        ModelArg::Harmonic => {
            for &p in &a.pressure {
                if !(p.is_finite() && p > 0.0) {
                    return Err(input_error("--pressure must be positive"));
                }
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
    let spec = EnsembleSpec {
        groups,
        samples: a.samples,
        seed: a.seed,
        analysis: AnalysisSpec {
            method: a.method.method(),
            modes: a.modes,
            phm: a.phm,
            participation: a.participation,
        },
    };
    let bar = progress::bar(0, "samples");
    let rep = bondspace::ensemble::run(&a.output, &spec, shard, &bar)?;
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
    print_pooled(&bondspace::ensemble::pool(&a.output)?);
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

fn run_reproduce(full: bool, output: Option<PathBuf>, seed: u64) -> anyhow::Result<()> {
    use bondspace::analysis::Method;
    use bondspace::ensemble::{AnalysisSpec, EnsembleSpec, Family, Group};
    let (ipl_n, tps, ipl_samples, harm_n, harm_samples, modes): (
        usize,
        &[f64],
        usize,
        &[usize],
        usize,
        usize,
    ) = if full {
        (
            2000,
            &[0.32, 0.45, 0.6, 1.0],
            10_000,
            &[1000, 2000, 4000],
            1000,
            10,
        )
    } else {
        (500, &[0.45, 0.6, 1.0], 20, &[250, 500, 1000], 8, 5)
    };
    let dir = output.unwrap_or_else(|| {
        PathBuf::from(if full {
            "bondspace-reproduce-full"
        } else {
            "bondspace-reproduce-quick"
        })
    });
    let analysis = AnalysisSpec {
        method: Method::Dense,
        modes,
        phm: true,
        participation: true,
    };
    let ipl = EnsembleSpec {
        groups: tps
            .iter()
            .map(|&t| Group {
                dim: 3,
                n: ipl_n,
                family: Family::Ipl {
                    tp: Some(t),
                    sweeps: None,
                },
            })
            .collect(),
        samples: ipl_samples,
        seed,
        analysis: analysis.clone(),
    };
    let harmonic = EnsembleSpec {
        groups: harm_n
            .iter()
            .map(|&n| Group {
                dim: 3,
                n,
                family: Family::Harmonic { pressure: 0.1 },
            })
            .collect(),
        samples: harm_samples,
        seed,
        analysis: AnalysisSpec {
            modes: 0,
            phm: false,
            participation: false,
            ..analysis
        },
    };
    let scale = format!(
        "{} run: 3D IPL glasses with N = {ipl_n}, Tp ∈ {tps:?} (SWAP Monte Carlo, default sweeps \
         by Tp), {ipl_samples} samples per Tp; 3D harmonic packings at p = 0.1 with N ∈ \
         {harm_n:?}, {harm_samples} samples per N. The paper: N = 2000, Tp ∈ [0.32, 0.45, 0.6, \
         1.0], 10 000 samples per Tp; harmonic N ∈ [1000, 2000, 4000], 1000 samples.",
        if full { "Full" } else { "Quick" }
    );
    let start = Instant::now();
    for (name, spec) in [("ipl", &ipl), ("harmonic", &harmonic)] {
        let sub = dir.join(name);
        eprintln!(
            "{}: {} groups × {} samples",
            sub.display(),
            spec.groups.len(),
            spec.samples
        );
        let bar = progress::bar(0, name);
        let rep = bondspace::ensemble::run(&sub, spec, (0, 1), &bar)?;
        bar.finish_and_clear();
        if !rep.failed.is_empty() {
            for (n, e) in &rep.failed {
                eprintln!("failed: {n}: {e}");
            }
        }
        bondspace::io::write_atomic(&sub.join("note.md"), scale.as_bytes())?;
        let md = bondspace::report::write_report(&sub, "")?;
        eprintln!(
            "wrote {} ({:.0} s so far)",
            md.display(),
            start.elapsed().as_secs_f64()
        );
    }
    // a 2D glass and its highest-λ mode, drawn (paper Figs. 1b, 4a–c)
    let two = dir.join("mode2d");
    let n2 = if full { 4096 } else { 1000 };
    let bar = progress::spinner("2D mode picture");
    let cfg = prepare::ipl_instant_quench::<2>(n2, &IplOptions::defaults(2), seed, &bar)?;
    xyz::write_xyz(&cfg, &two.join("config.xyz"))?;
    let opt = bondspace::analysis::Options {
        method: Method::Slicing,
        modes: 1,
        phm: true,
        ..Default::default()
    };
    let a = bondspace::analysis::analyse_into(&cfg, &opt, &two)?;
    bondspace::report::draw_mode_2d(&cfg, &a, 0, &two, "fig1b_4abc_mode_2d")?;
    bar.finish_and_clear();
    let index = format!(
        "# bondspace reproduce\n\n{scale}\n\n- [IPL glasses: P(λ), D(ω), N·e(λ), annealing, \
         decay, PHM overlaps](ipl/report/report.md) ([html](ipl/report/report.html))\n- \
         [Harmonic packings of several N: size dependence](harmonic/report/report.md) \
         ([html](harmonic/report/report.html))\n- The highest-λ mode of a 2D IPL glass (N = \
         {n2}, Tp = ∞; paper Figs. 1b, 4a–c): \
         ![mode](mode2d/fig1b_4abc_mode_2d.png)\n"
    );
    bondspace::io::write_atomic(&dir.join("report.md"), index.as_bytes())?;
    eprintln!(
        "wrote {} ({:.0} s in all)",
        two.join("fig1b_4abc_mode_2d.png").display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_pooled(pooled: &[bondspace::ensemble::PooledSummary]) {
    for p in pooled {
        eprintln!(
            "{}: {} samples pooled, e/N = {:.6} ± {:.6}, G = {:.5} ± {:.5}",
            p.group,
            p.samples.len(),
            p.energy_per_particle.0,
            p.energy_per_particle.1,
            p.shear_modulus.0,
            p.shear_modulus.1
        );
    }
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

fn run_prepare(what: PrepareCmd) -> anyhow::Result<()> {
    let start = Instant::now();
    let (output, cfg): (PathBuf, AnyConfiguration) = match what {
        PrepareCmd::Ipl {
            common,
            tp,
            sweeps,
            samples,
            density,
        } => {
            check_common(&common)?;
            let tp_value = parse_tp(&tp)?;
            if samples == 0 {
                return Err(input_error("--samples must be at least 1"));
            }
            let mut opt = IplOptions::defaults(common.dim as usize);
            if let Some(d) = density {
                if !(d.is_finite() && d > 0.0) {
                    return Err(input_error("--density must be positive"));
                }
                opt.density = d;
            }
            opt.quench.rel_tol = common.tolerance;
            if tp_value.is_finite() {
                let sweeps = sweeps.unwrap_or_else(|| prepare::default_sweeps(tp_value));
                if sweeps == 0 {
                    return Err(input_error("--sweeps must be at least 1"));
                }
                return run_swap(&common, &opt, tp_value, sweeps, samples, start);
            }
            if sweeps.is_some() {
                return Err(input_error("--sweeps only applies to a finite --tp"));
            }
            if samples != 1 {
                return Err(input_error("--samples needs a finite --tp"));
            }
            let bar = progress::spinner("quench");
            let cfg: AnyConfiguration = if common.dim == 2 {
                prepare::ipl_instant_quench::<2>(common.n, &opt, common.seed, &bar)?.into()
            } else {
                prepare::ipl_instant_quench::<3>(common.n, &opt, common.seed, &bar)?.into()
            };
            bar.finish_and_clear();
            (common.output, cfg)
        }
        PrepareCmd::Harmonic { common, pressure } => {
            check_common(&common)?;
            if !(pressure.is_finite() && pressure > 0.0) {
                return Err(input_error("--pressure must be positive"));
            }
            let opt = HarmonicOptions {
                pressure,
                quench: prepare::QuenchOptions {
                    rel_tol: common.tolerance,
                    ..Default::default()
                },
                ..Default::default()
            };
            let bar = progress::spinner("packing");
            let cfg: AnyConfiguration = if common.dim == 2 {
                prepare::harmonic_packing::<2>(common.n, &opt, common.seed, &bar)?.into()
            } else {
                prepare::harmonic_packing::<3>(common.n, &opt, common.seed, &bar)?.into()
            };
            bar.finish_and_clear();
            (common.output, cfg)
        }
    };
    xyz::write_any(&cfg, &output)?;
    with_dim!(&cfg, c => report_written(c, &output, start.elapsed().as_secs_f64()))
}

/// SWAP Monte Carlo glasses: one file, or `samples` files written as they finish.
fn run_swap(
    common: &Common,
    opt: &IplOptions,
    tp: f64,
    sweeps: u64,
    samples: usize,
    start: Instant,
) -> anyhow::Result<()> {
    let swap = prepare::SwapOptions::new(tp, sweeps);
    let bar = if samples > 1 {
        progress::bar(samples as u64, "samples")
    } else {
        progress::bar(sweeps, "SWAP MC")
    };
    let run = |dim: u8| {
        let (n, seed, out) = (common.n, common.seed, &common.output);
        if dim == 2 {
            prepare::ipl_swap_samples::<2>(n, opt, &swap, seed, out, samples, &bar)
        } else {
            prepare::ipl_swap_samples::<3>(n, opt, &swap, seed, out, samples, &bar)
        }
    };
    let outcomes = run(common.dim)?;
    bar.finish_and_clear();
    let mut energies = Vec::new();
    for o in &outcomes {
        energies.push(o.energy_per_particle);
        match &o.report {
            None => eprintln!("{}: already done, kept", o.path.display()),
            Some(r) => {
                eprintln!(
                    "wrote {} and {}: T = {}, {} sweeps, δ = {:.4}, acceptance {:.1} % (moves)                      {:.1} % (swaps), {:.3e} attempts/s, inherent-state e/N = {:.6}",
                    o.path.display(),
                    prepare::mc_report_path(&o.path).display(),
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
        let k = energies.len() as f64;
        let mean = energies.iter().sum::<f64>() / k;
        let var = energies.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (k - 1.0);
        eprintln!(
            "{} samples: inherent-state e/N = {mean:.6} ± {:.6} (standard error) in {:.1} s",
            energies.len(),
            (var / k).sqrt(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn report_written<const D: usize>(
    c: &Configuration<D>,
    path: &std::path::Path,
    seconds: f64,
) -> anyhow::Result<()> {
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
    Ok(())
}

fn run_inspect(path: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let cfg = xyz::read_xyz(path)?;
    let st = with_dim!(&cfg, c => bondspace::state::state(c))
        .with_context(|| format!("analysing {}", path.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&st)?);
        return Ok(());
    }
    println!("file                {}", path.display());
    println!("particles           {}", st.n_particles);
    println!("dimension           {}", st.dim);
    println!("box                 {:?}", st.box_lengths);
    println!("density             {}", st.density);
    let params: Vec<String> = st
        .model_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!("model               {} {}", st.model, params.join(" "));
    println!("energy              {}", st.energy);
    println!("energy / particle   {}", st.energy_per_particle);
    println!("pressure            {}", st.pressure);
    println!("max force           {:e}", st.max_force);
    println!("typical pair force  {}", st.typical_pair_force);
    println!("bonds               {}", st.n_bonds);
    println!("bonds / particle    {}", st.bonds_per_particle);
    println!("rattlers            {}", st.n_rattlers);
    println!(
        "bonds / particle (without rattlers) {}",
        st.bonds_per_particle_without_rattlers
    );
    Ok(())
}

fn run_spectrum(
    path: &std::path::Path,
    out: &std::path::Path,
    method: MethodArg,
    allow_unbalanced: bool,
    extra: SpectrumExtras,
    slicing: SlicingArgs,
) -> anyhow::Result<()> {
    use bondspace::analysis::{self, Options};
    if extra.phm && extra.modes == 0 {
        return Err(input_error("--phm needs --modes K (K > 0)"));
    }
    let range_ok = |r: &[f64]| r.len() == 2 && r[0] > 0.0 && r[1] > r[0] && r[1].is_finite();
    if slicing.bins == 0 || !range_ok(&slicing.lambda_range) || !range_ok(&slicing.omega_range) {
        return Err(input_error(
            "--bins must be positive and --lambda-range/--omega-range two increasing positive numbers",
        ));
    }
    let cfg = xyz::read_xyz(path)?;
    let opt = Options {
        method: method.method(),
        ordering: slicing.ordering.ordering(),
        bins: slicing.bins,
        lambda_range: (slicing.lambda_range[0], slicing.lambda_range[1]),
        omega_range: (slicing.omega_range[0], slicing.omega_range[1]),
        force_tolerance: (!allow_unbalanced).then_some(analysis::DEFAULT_BALANCE_TOL),
        modes: extra.modes,
        phm: extra.phm,
        participation: extra.participation,
        dipoles: extra.dipoles,
    };
    let bar = progress::spinner(format!("spectrum ({})", opt.method.name()));
    with_dim!(&cfg, c => {
        let a = analysis::analyse_into(c, &opt, out)
            .map_err(|e| anyhow::Error::new(e).context(format!("{}", path.display())))?;
        bar.finish_and_clear();
        print_spectrum_summary(path, out, &a)
    })
}

fn print_spectrum_summary<const D: usize>(
    path: &std::path::Path,
    out: &std::path::Path,
    a: &bondspace::analysis::Analysis<D>,
) -> anyhow::Result<()> {
    let s = &a.summary;
    eprintln!(
        "{}: N = {} ({} rattlers), N_b = {}, SSS = {}, {} non-zero λ (range [{:.4e}, {:.4e}] where computed), λ₀ = {:.4e}; G = {:.6}; {:.2} s ({}) → {}",
        path.display(),
        s.n_particles,
        s.n_rattlers,
        s.n_bonds,
        s.n_sss,
        s.n_nonzero,
        a.spectrum.bond.first().copied().unwrap_or(0.0),
        a.spectrum.bond.last().copied().unwrap_or(0.0),
        s.lambda_0,
        s.shear_modulus,
        s.seconds,
        s.method,
        out.display()
    );
    if let Some(m) = &s.modes {
        eprintln!("modes: {}", serde_json::to_string(m)?);
    }
    Ok(())
}

fn run_bench(sizes: &[usize], explicit_max: usize, bins: usize, seed: u64) -> anyhow::Result<()> {
    use bondspace::operators::Network;
    use bondspace::spectra::{dense, explicit, slicing};
    let time = |f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<f64> {
        let t = Instant::now();
        f()?;
        Ok(t.elapsed().as_secs_f64())
    };
    println!(
        "threads: {} (faer: {:?})",
        rayon::current_num_threads(),
        faer::get_global_parallelism()
    );
    println!(
        "Times of P(λ) and D(ω) together (P+D) and of P(λ) alone (P); explicit always needs \
         the Hessian's eigenvectors for M⁺."
    );
    println!(
        "| N | N_b | explicit P+D (s) | dense P+D (s) | dense P (s) | slicing P+D {bins} bins (s) | slicing P (s) | explicit/dense (P+D) | explicit/slicing (P+D) | dense/slicing (P) | counts agree |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in sizes {
        let opt = IplOptions::defaults(3);
        let cfg = prepare::ipl_instant_quench::<3>(n, &opt, seed, bondspace::progress::SILENT)?;
        let net = Network::new(&cfg)?;
        let scales = bondspace::measures::scales(&net)?;
        let mut ex = None;
        let t_ex = if n <= explicit_max {
            Some(time(&mut || {
                ex = Some(explicit::spectrum(&net)?);
                Ok(())
            })?)
        } else {
            None
        };
        let mut de = None;
        let t_de = time(&mut || {
            de = Some(dense::spectrum(&net)?);
            Ok(())
        })?;
        let le = slicing::log_edges(1e-3 * scales.lambda_0, 1e4 * scales.lambda_0, bins);
        let we = slicing::log_edges(
            1e-4 * scales.omega_0.powi(2),
            1e4 * scales.omega_0.powi(2),
            bins,
        );
        let t_de_p = time(&mut || {
            dense::bond_eigenvalues(&net)?;
            Ok(())
        })?;
        let mut sl = None;
        let t_sl = time(&mut || {
            sl = Some(slicing::counts(&net, &le, &we)?);
            Ok(())
        })?;
        let t_sl_p = time(&mut || {
            slicing::bond_histogram(&net, &le, 1e-9 * scales.lambda_0, Ordering::default())?;
            Ok(())
        })?;
        let (de, sl) = (de.unwrap_or_default(), sl.expect("slicing ran"));
        let agree = (0..bins).all(|k| {
            sl.lambda_counts[k]
                == de
                    .bond
                    .iter()
                    .filter(|&&l| l > le[k] && l <= le[k + 1])
                    .count()
        }) && ex
            .as_ref()
            .is_none_or(|e| e.bond.len() == de.bond.len() && e.n_sss == de.n_sss);
        let f = |t: Option<f64>| t.map_or("–".to_string(), |t| format!("{t:.2}"));
        let r = |a: Option<f64>, b: f64| a.map_or("–".to_string(), |a| format!("{:.1}×", a / b));
        println!(
            "| {n} | {} | {} | {t_de:.2} | {t_de_p:.2} | {t_sl:.2} | {t_sl_p:.2} | {} | {} | {:.1}× | {} |",
            net.n_bonds(),
            f(t_ex),
            r(t_ex, t_de),
            r(t_ex, t_sl),
            t_de_p / t_sl_p,
            if agree { "yes" } else { "NO" }
        );
    }
    Ok(())
}

/// Options of the scaling benchmark.
struct ScalingOptions {
    modes: usize,
    bins: usize,
    seed: u64,
    amd_max: usize,
    dense_max: usize,
}

/// Wall time and peak resident memory (GiB) of one stage.
fn measured<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, f64, f64)> {
    use bondspace::resources;
    resources::reset_peak_memory();
    let t = Instant::now();
    let v = f()?;
    let secs = t.elapsed().as_secs_f64();
    let gib = resources::peak_memory().unwrap_or(f64::NAN) / 1024f64.powi(3);
    Ok((v, secs, gib))
}

/// Least-squares slope of log y against log x.
fn growth_exponent(x: &[f64], y: &[f64]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| **a > 0.0 && **b > 0.0 && b.is_finite())
        .map(|(a, b)| (a.ln(), b.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The scaling benchmark of the sparse route on 3D IPL glasses (instant quench): for each N,
/// prepare, the METIS factor of the pinned Hessian (and AMD's up to `amd_max`), the top-K
/// modes by Lanczos, and the P(λ) tail count by inertia, each with its wall time and peak
/// memory; then the fitted growth exponents.
fn run_scaling_bench(sizes: &[usize], opt: &ScalingOptions) -> anyhow::Result<()> {
    use bondspace::measures::{self, elastic::HessianSolver};
    use bondspace::modes::bond::top_modes_with;
    use bondspace::operators::Network;
    use bondspace::spectra::{dense, slicing};
    println!(
        "threads: {} (faer: {:?}); 3D IPL, Tp = ∞, seed {}; top {} modes; tail count: {} bins, λ/λ₀ ∈ [10, 10⁴]",
        rayon::current_num_threads(),
        faer::get_global_parallelism(),
        opt.seed,
        opt.modes,
        opt.bins
    );
    println!(
        "Peak memory is the process's resident high-water mark during the stage (the modes \
         and the tail count include the factor they use)."
    );
    println!(
        "| N | N_b | prepare (s) | prepare (GiB) | METIS nnz(L) | METIS factor (s) | AMD nnz(L) | AMD factor (s) | top-{} modes (s) | modes (GiB) | C products | max residual | tail count (s) | tail (GiB) | tail counts | vs dense |",
        opt.modes
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut rows: Vec<[f64; 5]> = Vec::new();
    for &n in sizes {
        let bar = progress::spinner(format!("N = {n}: prepare"));
        let (cfg, t_prep, m_prep) = measured(|| {
            Ok(prepare::ipl_instant_quench::<3>(
                n,
                &IplOptions::defaults(3),
                opt.seed,
                bondspace::progress::SILENT,
            )?)
        })?;
        let net = Network::new(&cfg)?;
        let (amd_nnz, amd_t) = if n <= opt.amd_max {
            bar.0.set_message(format!("N = {n}: AMD factor"));
            let f = HessianSolver::with_ordering(&net, Ordering::Amd)?;
            let i = f.factor().info();
            (
                format!("{:.3e}", i.nnz_l as f64),
                format!("{:.2}", i.symbolic_seconds + i.numeric_seconds),
            )
        } else {
            ("–".into(), "–".into())
        };
        bar.0
            .set_message(format!("N = {n}: METIS factor and top {} modes", opt.modes));
        let ((solver, modes), t_modes, m_modes) = measured(|| {
            let solver = HessianSolver::with_ordering(&net, Ordering::Metis)?;
            let modes = top_modes_with(&net, &solver, opt.modes)?;
            Ok((solver, modes))
        })?;
        let info = solver.factor().info();
        let max_res = modes.residual.iter().copied().fold(0.0, f64::max);
        let scales = measures::scales_with(&net, &solver);
        drop(solver);
        bar.0.set_message(format!("N = {n}: tail count"));
        let edges = slicing::log_edges(10.0 * scales.lambda_0, 1e4 * scales.lambda_0, opt.bins);
        let ((counts, _rank), t_tail, m_tail) = measured(|| {
            Ok(slicing::bond_histogram(
                &net,
                &edges,
                1e-9 * scales.lambda_0,
                Ordering::Metis,
            )?)
        })?;
        // the top modes against the dense reduced eigenproblem (small N)
        let check = if n <= opt.dense_max {
            let (ev, _) = dense::bond_eigenvalues(&net)?;
            let top: Vec<f64> = ev.iter().rev().take(opt.modes).copied().collect();
            let dev = top
                .iter()
                .zip(&modes.lambda)
                .map(|(a, b)| (a - b).abs() / a)
                .fold(0.0, f64::max);
            format!("max rel. Δλ {dev:.1e}")
        } else {
            "–".into()
        };
        bar.finish_and_clear();
        println!(
            "| {n} | {} | {t_prep:.1} | {m_prep:.2} | {:.3e} | {:.2} | {amd_nnz} | {amd_t} | {t_modes:.1} | {m_modes:.2} | {} | {max_res:.1e} | {t_tail:.1} | {m_tail:.2} | {:?} | {check} |",
            net.n_bonds(),
            info.nnz_l as f64,
            info.symbolic_seconds + info.numeric_seconds,
            modes.lanczos_products,
            counts,
        );
        rows.push([n as f64, t_prep, t_modes, t_tail, m_modes]);
    }
    let x: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let col = |k: usize| -> Vec<f64> { rows.iter().map(|r| r[k]).collect() };
    let fmt = |e: Option<f64>| e.map_or("–".to_string(), |e| format!("{e:.2}"));
    println!(
        "growth exponents (time ∝ N^a, least squares over the sizes): prepare {}, top modes {}, tail count {}; peak memory of the modes ∝ N^{}",
        fmt(growth_exponent(&x, &col(1))),
        fmt(growth_exponent(&x, &col(2))),
        fmt(growth_exponent(&x, &col(3))),
        fmt(growth_exponent(&x, &col(4))),
    );
    Ok(())
}
