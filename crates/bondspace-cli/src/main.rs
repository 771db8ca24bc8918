//! `bondspace`: the command-line interface, a thin layer over the `bondspace` library (and
//! `bondspace-report` for the figures): one module per subcommand in [`commands`], the flags'
//! shared parsing and the wording of errors in [`args`], terminal bars in [`progress`].
//!
//! Exit status: 0 on success, 2 on bad usage or bad input (one line naming the problem),
//! 1 on any other failure (e.g. a minimiser that did not converge).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod args;
mod commands;
mod progress;

use commands::{bench, ensemble, inspect, minimize, prepare, report, spectrum};

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
        what: prepare::PrepareCmd,
    },
    /// Bond-operator and Hessian spectra of one configuration, written to a directory.
    Spectrum(spectrum::SpectrumArgs),
    /// Minimise a configuration (FIRE, then CG to the force tolerance) at fixed box and write
    /// it as extended XYZ; prints the energy change, the max force before and after and the
    /// displacement from the input.
    Minimize(minimize::MinimizeArgs),
    /// Benchmark the spectrum methods on 3D IPL glasses (Tp = ∞) and print a table; with
    /// `--scaling`, the large-system pipeline (prepare, sparse factor, top modes, tail count)
    /// with times, peak memory and fitted growth exponents.
    Bench(bench::BenchArgs),
    /// Prepare and analyse many samples (groups of N × Tp or pressure), resumably, writing
    /// each sample as it completes; `--shard i/n` runs one of n disjoint parts.
    Ensemble(ensemble::EnsembleArgs),
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
        #[arg(long, conflicts_with_all = ["full", "study"])]
        quick: bool,
        /// The paper's claims at a deciding scale, sized to --budget: 3D IPL N = 2000 at
        /// Tp ∈ {0.45, 0.6, 1.0} (and 0.32 from a budget of 180 minutes), chain-sampled,
        /// each glass by slicing with its top 20 modes, PHMs and 500 dipoles, the participation
        /// of every mode on a subset; harmonic N = 1000, 2000, 4000 at p = 0.1; a 2D N = 4096
        /// glass for the mode pictures (Hessian mode beside A-mode). Resumable: a re-run with
        /// the same budget continues.
        #[arg(long, conflicts_with = "full")]
        study: bool,
        /// With --study: the budget in minutes on 2 cores that sets the sample counts (from
        /// measured per-sample costs; the report states the counts used).
        #[arg(
            long,
            default_value_t = 90.0,
            requires = "study",
            value_name = "MINUTES"
        )]
        budget: f64,
        /// The paper's scale (N = 2000, 4 Tp × 10 000 samples; harmonic N = 1000–4000):
        /// for a cluster or a long run; resumable.
        ///
        /// Projected cost (`scripts/study-cost.py`, README "What the paper's full study
        /// costs"): per-glass times measured on one core of a 2-core machine, SWAP at the
        /// 3.3 × 10⁶ attempts/s of a quiet core, the relaxation times the chains measured, the
        /// top 50 modes with PHMs per glass (this preset runs the top 10 and 500 dipoles, about
        /// as costly) and the participation of every mode on 100 glasses per Tp: about 840
        /// core-hours, of which Tp = 0.32 takes about 590 (2 τ_Q ≈ 3 × 10⁵
        /// sweeps, 185 s of SWAP per glass), Tp = 0.45 100, Tp = 0.6 63, Tp = 1 57 and the
        /// harmonic packings 24. Everything but Tp = 0.32 (≈ 245) fits the goal of 384
        /// core-hours (one day on 16 cores); within it, Tp = 0.32 gets about 1 900 glasses.
        #[arg(long)]
        full: bool,
        /// Output directory (default: bondspace-reproduce-quick, -study or -full).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Read a configuration and print N, d, box, model, energy, pressure, max force, bonds.
    Inspect {
        /// Configuration (extended XYZ, LAMMPS data or dump, GSD).
        config: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: args::InputArgs,
    },
}

/// Lets every numeric option (and `--tp`) take a value that starts with `-` (`--tp -1`,
/// `--tolerance -1e-3`), which the option's own check then refuses with a message about the
/// value rather than clap's "unexpected argument '-1'"; other options take negative numbers.
fn negative_numbers(cmd: clap::Command) -> clap::Command {
    use std::any::TypeId;
    let numeric = [
        TypeId::of::<f64>(),
        TypeId::of::<usize>(),
        TypeId::of::<u64>(),
        TypeId::of::<i64>(),
        TypeId::of::<u8>(),
    ];
    cmd.mut_args(|a| {
        if !a.get_action().takes_values() || a.is_positional() {
            return a;
        }
        let id = a.get_value_parser().type_id();
        if a.get_id() == "tp" || numeric.iter().any(|t| id == *t) {
            a.allow_hyphen_values(true)
        } else {
            a.allow_negative_numbers(true)
        }
    })
    .mut_subcommands(negative_numbers)
}

/// The parsed command line, or the exit status of a usage error (printed as one line) or of
/// `--help` / `--version`.
fn parse() -> Result<Cli, ExitCode> {
    let fail = |e: clap::Error| -> ExitCode {
        use clap::error::ErrorKind as K;
        match e.kind() {
            K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand => {
                e.exit()
            }
            _ => {
                eprintln!("error: {}", args::usage_line(&e.render().to_string()));
                ExitCode::from(2)
            }
        }
    };
    let matches = negative_numbers(Cli::command())
        .try_get_matches()
        .map_err(fail)?;
    Cli::from_arg_matches(&matches).map_err(fail)
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    progress::set_quiet(cli.quiet);
    // dense results bitwise the same for any thread count
    bondspace::spectra::fix_dense_parallelism();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let (message, status) = args::report_error(&e);
            eprintln!("error: {message}");
            ExitCode::from(status)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Prepare { what } => prepare::run(what),
        Command::Inspect { config, json, read } => inspect::run(&config, json, &read),
        Command::Spectrum(a) => spectrum::run(a),
        Command::Minimize(a) => minimize::run(a),
        Command::Ensemble(a) => ensemble::run(a),
        Command::Merge { output, inputs } => ensemble::merge(&output, &inputs),
        Command::Report { dir } => report::report(&dir),
        Command::Reproduce {
            quick: _,
            study,
            budget,
            full,
            output,
            seed,
        } => report::reproduce(full, study.then_some(budget), output, seed),
        Command::Bench(a) => bench::run(a),
    }
}
