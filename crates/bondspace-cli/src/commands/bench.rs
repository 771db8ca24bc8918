//! `bondspace bench`: the spectrum methods side by side, or (`--scaling`) the large-system
//! pipeline, printed as Markdown tables. The benchmarks themselves are
//! [`bondspace::bench`].

use bondspace::bench::{self, ScalingBench, SpectrumBench};
use clap::Args;

use crate::progress;

/// Options of `bench`.
#[derive(Args)]
pub struct BenchArgs {
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
}

/// Runs `bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    let max = bondspace::results::analysis::MAX_BINS;
    if a.bins.is_some_and(|b| !(1..=max).contains(&b)) {
        return Err(crate::args::input_error(format!(
            "--bins must be between 1 and {max}"
        )));
    }
    if a.scaling {
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
