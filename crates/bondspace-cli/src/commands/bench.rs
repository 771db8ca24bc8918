//! `bondspace bench`: the spectrum methods side by side, (`--scaling`) the large-system
//! pipeline, or (`--swap`) the SWAP Monte Carlo chain, printed as Markdown tables. The
//! benchmarks themselves are [`bondspace::bench`].

use bondspace::bench::{self, ScalingBench, SpectrumBench, SwapBench};
use clap::Args;

use crate::progress;

/// Options of `bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// System sizes [default: 500,1000,2000; with --scaling 2000,20000,100000; with --swap
    /// 2000].
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
    /// The SWAP Monte Carlo benchmark: attempted moves per second of one chain, pair
    /// evaluations per trial, ns per pair, and the decorrelation per swap window.
    #[arg(long)]
    swap: bool,
    /// With --swap: parent temperature.
    #[arg(long, default_value_t = 0.45)]
    tp: f64,
    /// With --swap: sweeps of each measured run.
    #[arg(long, default_value_t = 2000)]
    sweeps: u64,
    /// With --swap: sweeps of equilibration (default move) before the measured runs.
    #[arg(long, default_value_t = 0)]
    equilibrate: u64,
    /// With --swap: swap windows |λ_i − λ_j| < w to measure (`inf`: any two particles)
    /// [default: the library's default window].
    #[arg(long, value_delimiter = ',')]
    windows: Option<Vec<f64>>,
    /// With --swap: half-skin h of the neighbour lists [default: the library's].
    #[arg(long)]
    half_skin: Option<f64>,
    /// With --swap: start from this 3D configuration (e.g. a glass quenched from an
    /// equilibrated liquid at --tp) instead of a quenched random one; replaces --sizes.
    #[arg(long)]
    start: Option<std::path::PathBuf>,
    /// bondspace against the SciPy peer scripts (dense P+D, slicing, top-K) on the same glass
    /// files, side by side (see the README, Benchmarks against the peers).
    #[arg(long)]
    peers: bool,
    /// With --peers: glass files to run on (any format `spectrum` reads) instead of glasses
    /// made of --sizes [default sizes 2000,20000].
    #[arg(long, value_delimiter = ',')]
    configs: Vec<std::path::PathBuf>,
    /// With --peers: the peer scripts' folder.
    #[arg(long, default_value = "../shared/peers")]
    peer_dir: std::path::PathBuf,
    /// With --peers: the Python that runs them [default: target/peers-venv/bin/python if it
    /// exists (scripts/peers-setup.sh makes it), else python3].
    #[arg(long)]
    peer_python: Option<std::path::PathBuf>,
    /// With --peers: threads of both sides (bondspace's pool; OpenBLAS and CHOLMOD).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// With --peers: slicing only up to this N (30 bins at N = 20 000 take minutes).
    #[arg(long, default_value_t = 2000)]
    slicing_max: usize,
    /// With --peers: every eigenpair with its participation (the `spectrum --participation`
    /// route, against SciPy's `eigh(K̃, M̃)` with vectors) only up to this N.
    #[arg(long, default_value_t = 2000)]
    participation_max: usize,
    /// With --peers: print and draw the scaling summary of an earlier run's bench-peers.json
    /// (into --work) instead of running anything.
    #[arg(long)]
    summary_from: Option<std::path::PathBuf>,
    /// With --peers: working folder (glasses made, peer outputs, bench-peers.json).
    #[arg(long, default_value = "target/bench-peers")]
    work: std::path::PathBuf,
}

/// Runs `bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    let max = bondspace::results::analysis::MAX_BINS;
    if a.bins.is_some_and(|b| !(1..=max).contains(&b)) {
        return Err(crate::args::input_error(format!(
            "--bins must be between 1 and {max}"
        )));
    }
    if a.peers {
        if a.threads == 0 {
            return Err(crate::args::input_error("--threads must be at least 1"));
        }
        if a.modes == 0 {
            return Err(crate::args::input_error("--modes must be at least 1"));
        }
        let venv = std::path::PathBuf::from("target/peers-venv/bin/python");
        let b = super::peers::PeerBench {
            configs: a.configs,
            sizes: a.sizes.unwrap_or_else(|| vec![2000, 20_000]),
            seed: a.seed,
            modes: a.modes,
            bins: a.bins.unwrap_or(30),
            dense_max: a.dense_max,
            slicing_max: a.slicing_max,
            participation_max: a.participation_max,
            peer_dir: a.peer_dir,
            python: a.peer_python.unwrap_or(if venv.is_file() {
                venv
            } else {
                "python3".into()
            }),
            threads: a.threads,
            work: a.work,
        };
        return match &a.summary_from {
            Some(json) => super::peers::summary_from(&b, json),
            None => super::peers::run(&b),
        };
    }
    if a.swap {
        let d = SwapBench::default();
        if !(a.tp.is_finite() && a.tp > 0.0) {
            return Err(crate::args::input_error("--tp must be positive and finite"));
        }
        if a.sweeps == 0 {
            return Err(crate::args::input_error("--sweeps must be at least 1"));
        }
        let b = SwapBench {
            sizes: a.sizes.unwrap_or(d.sizes),
            tp: a.tp,
            sweeps: a.sweeps,
            equilibrate: a.equilibrate,
            windows: a.windows.unwrap_or(d.windows),
            half_skin: a.half_skin.unwrap_or(d.half_skin),
            seed: a.seed,
            start: a.start,
        };
        if b.start.is_some() && b.sizes.len() > 1 {
            return Err(crate::args::input_error(
                "--start gives one configuration: use one --sizes at most",
            ));
        }
        swap(&b)
    } else if a.scaling {
        let d = ScalingBench::default();
        let b = ScalingBench {
            sizes: a.sizes.unwrap_or(d.sizes),
            modes: a.modes,
            bins: a.bins.unwrap_or(d.bins),
            seed: a.seed,
            amd_max: a.amd_max,
            dense_max: a.dense_max,
        };
        scaling(&b)
    } else {
        let d = SpectrumBench::default();
        let b = SpectrumBench {
            sizes: a.sizes.unwrap_or(d.sizes),
            explicit_max: a.explicit_max,
            bins: a.bins.unwrap_or(d.bins),
            seed: a.seed,
        };
        spectrum(&b)
    }
}

fn threads() -> String {
    format!(
        "threads: {} (faer: {:?})",
        rayon::current_num_threads(),
        faer::get_global_parallelism()
    )
}

fn spectrum(b: &SpectrumBench) -> anyhow::Result<()> {
    println!("{}", threads());
    println!(
        "Times of P(λ) and D(ω) together (P+D) and of P(λ) alone (P); explicit always needs \
         the Hessian's eigenvectors for M⁺."
    );
    println!(
        "| N | N_b | explicit P+D (s) | dense P+D (s) | dense P (s) | slicing P+D {} bins (s) | slicing P (s) | explicit/dense (P+D) | explicit/slicing (P+D) | dense/slicing (P) | counts agree |",
        b.bins
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in &b.sizes {
        let r = bench::spectrum_row(n, b)?;
        let f = |t: Option<f64>| t.map_or("–".to_string(), |t| format!("{t:.2}"));
        let ratio =
            |a: Option<f64>, b: f64| a.map_or("–".to_string(), |a| format!("{:.1}×", a / b));
        println!(
            "| {n} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {:.1}× | {} |",
            r.n_bonds,
            f(r.explicit),
            r.dense,
            r.dense_p,
            r.slicing,
            r.slicing_p,
            ratio(r.explicit, r.dense),
            ratio(r.explicit, r.slicing),
            r.dense_p / r.slicing_p,
            if r.agree { "yes" } else { "NO" }
        );
    }
    Ok(())
}

fn scaling(b: &ScalingBench) -> anyhow::Result<()> {
    println!(
        "{}; 3D IPL, Tp = ∞, seed {}; top {} modes; tail count: {} bins, λ/λ₀ ∈ [10, 10⁴]",
        threads(),
        b.seed,
        b.modes,
        b.bins
    );
    println!(
        "Peak memory is the process's resident high-water mark during the stage (the modes \
         and the tail count include the factor they use)."
    );
    println!(
        "| N | N_b | prepare (s) | prepare (GiB) | METIS nnz(L) | METIS factor (s) | AMD nnz(L) | AMD factor (s) | top-{} modes (s) | modes (GiB) | C products | max residual | tail count (s) | tail (GiB) | tail counts | vs dense |",
        b.modes
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut rows = Vec::new();
    for &n in &b.sizes {
        let bar = progress::spinner(format!("N = {n}"));
        let r = bench::scaling_row(n, b, &bar)?;
        bar.finish_and_clear();
        let (amd_nnz, amd_t) = r.amd.map_or(("–".into(), "–".into()), |(nnz, t)| {
            (format!("{:.3e}", nnz as f64), format!("{t:.2}"))
        });
        let check = r
            .dense_deviation
            .map_or("–".into(), |d| format!("max rel. Δλ {d:.1e}"));
        println!(
            "| {n} | {} | {:.1} | {:.2} | {:.3e} | {:.2} | {amd_nnz} | {amd_t} | {:.1} | {:.2} | {} | {:.1e} | {:.1} | {:.2} | {:?} | {check} |",
            r.n_bonds,
            r.prepare.0,
            r.prepare.1,
            r.metis.0 as f64,
            r.metis.1,
            r.modes.0,
            r.modes.1,
            r.lanczos_products,
            r.max_residual,
            r.tail.0,
            r.tail.1,
            r.tail_counts,
        );
        rows.push(r);
    }
    let x: Vec<f64> = rows.iter().map(|r| r.n as f64).collect();
    let col = |f: fn(&bench::ScalingRow) -> f64| -> Vec<f64> { rows.iter().map(f).collect() };
    let fmt = |e: Option<f64>| e.map_or("–".to_string(), |e| format!("{e:.2}"));
    println!(
        "growth exponents (time ∝ N^a, least squares over the sizes): prepare {}, top modes {}, tail count {}; peak memory of the modes ∝ N^{}",
        fmt(bench::growth_exponent(&x, &col(|r| r.prepare.0))),
        fmt(bench::growth_exponent(&x, &col(|r| r.modes.0))),
        fmt(bench::growth_exponent(&x, &col(|r| r.tail.0))),
        fmt(bench::growth_exponent(&x, &col(|r| r.modes.1))),
    );
    Ok(())
}

fn swap(b: &SwapBench) -> anyhow::Result<()> {
    println!(
        "SWAP Monte Carlo, one chain (one core); 3D IPL, Tp = {}, half-skin {}, seed {}, {} sweeps per run{}",
        b.tp,
        b.half_skin,
        b.seed,
        b.sweeps,
        match (&b.start, b.equilibrate) {
            (Some(f), 0) => format!(" from {}", f.display()),
            (Some(f), e) => format!(" from {} after {e} sweeps of equilibration", f.display()),
            (None, 0) => " from the quenched random start".to_string(),
            (None, e) => format!(" after {e} sweeps of equilibration"),
        }
    );
    println!(
        "| N | window | attempts/s | pair evaluations/trial | ns/pair | new outer / pair references per 10³ trials | acceptance moves | acceptance swaps | C < 1/e (sweeps) | Q < 1/e (sweeps) | C < 1/e (s) | Q < 1/e (s) | e/N | run (s) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in &b.sizes {
        let bar = progress::spinner(format!("N = {n}"));
        let rows = bench::swap_rows(n, b, &bar)?;
        bar.finish_and_clear();
        for r in rows {
            let sw = |s: Option<u64>| s.map_or("–".to_string(), |s| s.to_string());
            let secs = |s: Option<u64>| {
                s.map_or("–".to_string(), |s| {
                    format!("{:.1}", s as f64 * r.seconds_per_sweep)
                })
            };
            println!(
                "| {n} | {} | {:.3e} | {:.1} | {:.2} | {:.2} / {:.2} | {:.3} | {:.3} | {} | {} | {} | {} | {:.4} | {:.1} |",
                r.window,
                r.attempts_per_second,
                r.pair_evaluations_per_trial,
                r.ns_per_pair,
                1e3 * r.references_per_trial.0,
                1e3 * r.references_per_trial.1,
                r.acceptance.0,
                r.acceptance.1,
                sw(r.size_relaxation_sweeps),
                sw(r.overlap_relaxation_sweeps),
                secs(r.size_relaxation_sweeps),
                secs(r.overlap_relaxation_sweeps),
                r.energy_per_particle,
                r.seconds,
            );
        }
    }
    Ok(())
}
