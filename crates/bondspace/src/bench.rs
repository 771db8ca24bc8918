//! Benchmarks as data and functions: the spectrum-method comparison and the large-system
//! scaling run of `bondspace bench`, each returning one typed row per system size (times,
//! memory, checks); front ends print them.

use std::time::Instant;

use crate::error::Result;
use crate::measures::{self, elastic::HessianSolver};
use crate::modes::bond::top_modes_with;
use crate::operators::Network;
use crate::operators::factor::Ordering;
use crate::prepare::{self, IplOptions};
use crate::progress::{Progress, SILENT};
use crate::spectra::{dense, explicit, slicing};
use crate::stats::{log_edges, power_law_fit};

/// The comparison of the spectrum methods on 3D IPL glasses (Tp = ∞).
#[derive(Clone, Debug)]
pub struct SpectrumBench {
    /// System sizes N.
    pub sizes: Vec<usize>,
    /// The literal dense A only up to this N (it scales as N_b³).
    pub explicit_max: usize,
    /// Logarithmic bins of the slicing method (λ/λ₀ ∈ [1e-3, 1e4], ω/ω₀ ∈ [1e-2, 1e2]).
    pub bins: usize,
    /// Seed of the glasses.
    pub seed: u64,
}

impl Default for SpectrumBench {
    fn default() -> Self {
        Self {
            sizes: vec![500, 1000, 2000],
            explicit_max: 2000,
            bins: 30,
            seed: 1,
        }
    }
}

/// One size of [`SpectrumBench`]: seconds of each method, P+D (both spectra) and P alone.
#[derive(Clone, Debug)]
pub struct SpectrumRow {
    /// N.
    pub n: usize,
    /// Bonds.
    pub n_bonds: usize,
    /// explicit, P+D (None above `explicit_max`).
    pub explicit: Option<f64>,
    /// dense, P+D.
    pub dense: f64,
    /// dense, P only.
    pub dense_p: f64,
    /// slicing, P+D.
    pub slicing: f64,
    /// slicing, P only.
    pub slicing_p: f64,
    /// Whether the slicing counts equal the dense eigenvalues binned (and explicit agrees).
    pub agree: bool,
}

fn time<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let t = Instant::now();
    let v = f()?;
    Ok((v, t.elapsed().as_secs_f64()))
}

/// Runs [`SpectrumBench`] at one size.
pub fn spectrum_row(n: usize, b: &SpectrumBench) -> Result<SpectrumRow> {
    let opt = IplOptions::defaults(3);
    let cfg = prepare::ipl_instant_quench::<3>(n, &opt, b.seed, SILENT)?;
    let net = Network::new(&cfg)?;
    let scales = measures::scales(&net)?;
    let (ex, t_ex) = if n <= b.explicit_max {
        let (e, t) = time(|| explicit::spectrum(&net))?;
        (Some(e), Some(t))
    } else {
        (None, None)
    };
    let (de, t_de) = time(|| dense::spectrum(&net))?;
    let le = log_edges(1e-3 * scales.lambda_0, 1e4 * scales.lambda_0, b.bins)?;
    let we = log_edges(
        1e-4 * scales.omega_0.powi(2),
        1e4 * scales.omega_0.powi(2),
        b.bins,
    )?;
    let (_, t_de_p) = time(|| dense::bond_eigenvalues(&net))?;
    let (sl, t_sl) = time(|| slicing::counts(&net, &le, &we))?;
    let (_, t_sl_p) =
        time(|| slicing::bond_histogram(&net, &le, 1e-9 * scales.lambda_0, Ordering::default()))?;
    let agree = (0..b.bins).all(|k| {
        sl.lambda_counts[k]
            == de
                .bond
                .iter()
                .filter(|&&l| l > le[k] && l <= le[k + 1])
                .count()
    }) && ex
        .as_ref()
        .is_none_or(|e| e.bond.len() == de.bond.len() && e.n_sss == de.n_sss);
    Ok(SpectrumRow {
        n,
        n_bonds: net.n_bonds(),
        explicit: t_ex,
        dense: t_de,
        dense_p: t_de_p,
        slicing: t_sl,
        slicing_p: t_sl_p,
        agree,
    })
}

/// The scaling benchmark of the sparse route on 3D IPL glasses (instant quench).
#[derive(Clone, Debug)]
pub struct ScalingBench {
    /// System sizes N.
    pub sizes: Vec<usize>,
    /// Number of top modes.
    pub modes: usize,
    /// Logarithmic bins of the P(λ) tail count, λ/λ₀ ∈ [10, 10⁴].
    pub bins: usize,
    /// Seed of the glasses.
    pub seed: u64,
    /// Compare the AMD ordering with METIS up to this N (AMD needs about twice the memory).
    pub amd_max: usize,
    /// Check the sparse top modes against the dense eigenvalues up to this N.
    pub dense_max: usize,
}

impl Default for ScalingBench {
    fn default() -> Self {
        Self {
            sizes: vec![2000, 20_000, 100_000],
            modes: 50,
            bins: 10,
            seed: 1,
            amd_max: 20_000,
            dense_max: 2000,
        }
    }
}

/// One size of [`ScalingBench`]: each stage's wall time (s) and peak resident memory (GiB).
#[derive(Clone, Debug)]
pub struct ScalingRow {
    /// N.
    pub n: usize,
    /// Bonds.
    pub n_bonds: usize,
    /// Preparation (instant quench): seconds and GiB.
    pub prepare: (f64, f64),
    /// METIS: nnz(L) and seconds of the factor.
    pub metis: (usize, f64),
    /// AMD: nnz(L) and seconds of the factor (None above `amd_max`).
    pub amd: Option<(usize, f64)>,
    /// The METIS factor and the top modes: seconds and GiB.
    pub modes: (f64, f64),
    /// Operator products of the Lanczos run.
    pub lanczos_products: usize,
    /// Largest relative residual of the modes.
    pub max_residual: f64,
    /// The tail count: seconds and GiB.
    pub tail: (f64, f64),
    /// The tail counts per bin.
    pub tail_counts: Vec<usize>,
    /// Largest relative deviation of the top λ from the dense eigenvalues (None above
    /// `dense_max`).
    pub dense_deviation: Option<f64>,
}

/// Wall time and peak resident memory (GiB) of one stage.
fn measured<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64, f64)> {
    use crate::resources;
    resources::reset_peak_memory();
    let t = Instant::now();
    let v = f()?;
    let secs = t.elapsed().as_secs_f64();
    let gib = resources::peak_memory().unwrap_or(f64::NAN) / 1024f64.powi(3);
    Ok((v, secs, gib))
}

/// Runs [`ScalingBench`] at one size; `progress` is told the stage.
pub fn scaling_row(n: usize, b: &ScalingBench, progress: &dyn Progress) -> Result<ScalingRow> {
    progress.set_message(&format!("N = {n}: prepare"));
    let (cfg, t_prep, m_prep) =
        measured(|| prepare::ipl_instant_quench::<3>(n, &IplOptions::defaults(3), b.seed, SILENT))?;
    let net = Network::new(&cfg)?;
    let amd = if n <= b.amd_max {
        progress.set_message(&format!("N = {n}: AMD factor"));
        let f = HessianSolver::with_ordering(&net, Ordering::Amd)?;
        let i = f.factor().info();
        Some((i.nnz_l, i.symbolic_seconds + i.numeric_seconds))
    } else {
        None
    };
    progress.set_message(&format!("N = {n}: METIS factor and top {} modes", b.modes));
    let ((solver, modes), t_modes, m_modes) = measured(|| {
        let solver = HessianSolver::with_ordering(&net, Ordering::Metis)?;
        let modes = top_modes_with(&net, &solver, b.modes)?;
        Ok((solver, modes))
    })?;
    let info = solver.factor().info();
    let max_residual = modes.residual.iter().copied().fold(0.0, f64::max);
    let scales = measures::scales_with(&net, &solver);
    drop(solver);
    progress.set_message(&format!("N = {n}: tail count"));
    let edges = log_edges(10.0 * scales.lambda_0, 1e4 * scales.lambda_0, b.bins)?;
    let ((counts, _rank), t_tail, m_tail) = measured(|| {
        slicing::bond_histogram(&net, &edges, 1e-9 * scales.lambda_0, Ordering::Metis)
    })?;
    // the top modes against the dense reduced eigenproblem (small N)
    let dense_deviation = if n <= b.dense_max {
        let (ev, _) = dense::bond_eigenvalues(&net)?;
        let top: Vec<f64> = ev.iter().rev().take(b.modes).copied().collect();
        Some(
            top.iter()
                .zip(&modes.lambda)
                .map(|(a, b)| (a - b).abs() / a)
                .fold(0.0, f64::max),
        )
    } else {
        None
    };
    Ok(ScalingRow {
        n,
        n_bonds: net.n_bonds(),
        prepare: (t_prep, m_prep),
        metis: (info.nnz_l, info.symbolic_seconds + info.numeric_seconds),
        amd,
        modes: (t_modes, m_modes),
        lanczos_products: modes.lanczos_products,
        max_residual,
        tail: (t_tail, m_tail),
        tail_counts: counts,
        dense_deviation,
    })
}

/// The exponent a of y ∝ x^a by least squares in log–log over the positive, finite points
/// (the growth of a cost with N).
pub fn growth_exponent(x: &[f64], y: &[f64]) -> Option<f64> {
    power_law_fit(x, y, (0.0, f64::INFINITY)).map(|p| p.exponent)
}

/// The SWAP Monte Carlo benchmark: speed of one chain (one core) on 3D IPL liquids at a parent
/// temperature, and the decorrelation it buys with each swap window.
#[derive(Clone, Debug)]
pub struct SwapBench {
    /// System sizes N.
    pub sizes: Vec<usize>,
    /// Parent temperature.
    pub tp: f64,
    /// Sweeps of each measured run (burn-in of δ included).
    pub sweeps: u64,
    /// Sweeps of an equilibration run (default move) before the measured runs, from the
    /// quenched random start; 0 measures from that start.
    pub equilibrate: u64,
    /// Swap windows |λ_i − λ_j| < w of the measured runs (∞: any two particles).
    pub windows: Vec<f64>,
    /// Half-skin h of the neighbour lists.
    pub half_skin: f64,
    /// Seed of the liquids.
    pub seed: u64,
    /// Start from this 3D configuration (e.g. a glass quenched from an equilibrated liquid at
    /// `tp`, which re-melts into that liquid within a few sweeps) instead of a quenched random
    /// one; its N replaces `sizes`.
    pub start: Option<std::path::PathBuf>,
}

impl Default for SwapBench {
    fn default() -> Self {
        Self {
            sizes: vec![2000],
            tp: 0.45,
            sweeps: 2000,
            equilibrate: 0,
            windows: vec![crate::prepare::swap::DEFAULT_SWAP_WINDOW],
            half_skin: crate::prepare::swap::DEFAULT_HALF_SKIN,
            seed: 1,
            start: None,
        }
    }
}

/// One measured run of [`SwapBench`] (one size and window).
#[derive(Clone, Debug)]
pub struct SwapRow {
    /// N.
    pub n: usize,
    /// The swap window.
    pub window: f64,
    /// Sweeps of the run.
    pub sweeps: u64,
    /// Wall seconds of the run.
    pub seconds: f64,
    /// Attempted moves per second.
    pub attempts_per_second: f64,
    /// Pair evaluations per attempted move.
    pub pair_evaluations_per_trial: f64,
    /// Nanoseconds per pair evaluation (the whole attempt's cost divided by its pairs).
    pub ns_per_pair: f64,
    /// New outer references (a particle's outer list rebuilt from the cell grid) and new pair
    /// references (its pair list re-derived) per attempt.
    pub references_per_trial: (f64, f64),
    /// Acceptance of displacements and of swaps after tuning.
    pub acceptance: (f64, f64),
    /// Sweeps (from the end of tuning) until the size autocorrelation C(t) < 1/e.
    pub size_relaxation_sweeps: Option<u64>,
    /// Sweeps until the self-overlap Q(t) < 1/e.
    pub overlap_relaxation_sweeps: Option<u64>,
    /// Seconds per sweep (N / rate): relaxation sweeps times this is CPU seconds.
    pub seconds_per_sweep: f64,
    /// Energy per particle at the end of the run.
    pub energy_per_particle: f64,
}

/// Runs [`SwapBench`] at one size: one row per window, each from the same starting liquid.
pub fn swap_rows(n: usize, b: &SwapBench, progress: &dyn Progress) -> Result<Vec<SwapRow>> {
    use crate::prepare::swap::swap_monte_carlo;
    use crate::rng::{Purpose, stream};
    let opt = IplOptions::defaults(3);
    let cfg = match &b.start {
        Some(path) => {
            let mut c = crate::io::xyz::read_xyz_dim::<3>(path)?;
            if c.model != crate::models::Model::Ipl(opt.model.clone()) {
                return Err(crate::error::Error::Invalid(format!(
                    "{}: the SWAP benchmark runs the default IPL model",
                    path.display()
                )));
            }
            c.wrap_positions();
            c
        }
        None => {
            let mut c = prepare::ipl_random::<3>(n, &opt, b.seed, 0)?;
            let loose = prepare::QuenchOptions {
                rel_tol: 1e-2,
                fire_factor: 1.0,
            };
            prepare::quench(&mut c, &loose, SILENT)?;
            c
        }
    };
    let n = cfg.len();
    let (simbox, mut pos, mut sizes) = (cfg.simbox, cfg.positions, cfg.sizes);
    if b.equilibrate > 0 {
        progress.set_message(&format!("N = {n}: equilibrating at T = {}", b.tp));
        let sw = prepare::SwapOptions::new(b.tp, b.equilibrate);
        let rng = stream(b.seed, Purpose::MonteCarlo, 0);
        swap_monte_carlo(&opt.model, simbox, &mut pos, &mut sizes, &sw, rng, SILENT)?;
    }
    let mut rows = Vec::new();
    for (k, &w) in b.windows.iter().enumerate() {
        progress.set_message(&format!("N = {n}: window {w}"));
        let mut sw = prepare::SwapOptions::new(b.tp, b.sweeps);
        sw.swap_window = w;
        sw.half_skin = b.half_skin;
        let (mut p, mut s) = (pos.clone(), sizes.clone());
        let rng = stream(b.seed, Purpose::MonteCarlo, 1 + k as u64);
        let t = Instant::now();
        let r = swap_monte_carlo(&opt.model, simbox, &mut p, &mut s, &sw, rng, SILENT)?;
        let seconds = t.elapsed().as_secs_f64();
        rows.push(SwapRow {
            n,
            window: w,
            sweeps: b.sweeps,
            seconds,
            attempts_per_second: r.attempts_per_second,
            pair_evaluations_per_trial: r.pair_evaluations_per_trial,
            ns_per_pair: 1e9 / (r.attempts_per_second * r.pair_evaluations_per_trial),
            references_per_trial: {
                let t = (r.stats.displacement_attempts + r.stats.swap_attempts).max(1) as f64;
                (
                    r.stats.reference_updates as f64 / t,
                    r.stats.pair_updates as f64 / t,
                )
            },
            acceptance: (r.displacement_acceptance, r.swap_acceptance),
            size_relaxation_sweeps: r.size_relaxation_sweeps,
            overlap_relaxation_sweeps: r.overlap_relaxation_sweeps,
            seconds_per_sweep: n as f64 / r.attempts_per_second,
            energy_per_particle: r.energy_per_particle.last().copied().unwrap_or(f64::NAN),
        });
    }
    Ok(rows)
}

/// Wall seconds of each stage of one route of bondspace on one glass file, and the process's
/// peak resident memory (GiB, `VmHWM` reset at the start of the route) — bondspace's side of
/// `bench --peers`, whose other side is the SciPy peer scripts run on the same file.
#[derive(Clone, Debug, Default)]
pub struct RouteRun {
    /// (stage, seconds) in order: `read`, `build` (bonds, rattlers, operators), then the
    /// route's own stages.
    pub stages: Vec<(String, f64)>,
    /// Seconds from reading the file to the last result.
    pub total: f64,
    /// Peak resident memory during the route, GiB.
    pub peak_gib: f64,
    /// Bonds N_b.
    pub n_bonds: usize,
    /// Order of the pinned pencil ((n − 1)·d).
    pub n_pencil: usize,
    /// The route's eigenvalues: dense, every non-zero λ (ascending); top-K, the top λ
    /// (descending); slicing, none.
    pub lambda: Vec<f64>,
    /// Dense: every non-zero ω² (ascending).
    pub omega2: Vec<f64>,
    /// Top-K: the largest residual ‖A f − λ f‖/λ of the modes.
    pub max_residual: f64,
    /// Top-K: vectors multiplied by C.
    pub products: usize,
    /// Top-K and slicing: entries of the sparse factor L (lower triangle, as CHOLMOD counts).
    pub nnz_l: usize,
    /// Slicing: counts of λ per bin.
    pub counts: Vec<usize>,
    /// Participation: N·e(F) of each mode, in the order of `lambda`.
    pub participation: Vec<f64>,
}

/// The routes of [`peer_route`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Every λ and ω² by the dense reduced problem (P+D).
    Dense,
    /// P(λ) and D(ω) counts in this many log bins (λ/λ₀ ∈ [1e-3, 1e4], ω/ω₀ ∈ [1e-2, 1e2]) by
    /// inertia, with rank(S).
    Slicing(usize),
    /// The top K modes of A (rank(S), the METIS factor, the Krylov eigensolve, the modes
    /// f, F, D and their residuals).
    TopK(usize),
    /// Every non-zero λ with its eigenvector and the participation N·e(F) of its particle
    /// force (the `--participation` route: one dense eigendecomposition with vectors).
    Participation,
}

struct Clock {
    start: Instant,
    last: Instant,
    stages: Vec<(String, f64)>,
}

impl Clock {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            start: now,
            last: now,
            stages: Vec::new(),
        }
    }
    fn lap(&mut self, name: &str) {
        let now = Instant::now();
        self.stages
            .push((name.into(), (now - self.last).as_secs_f64()));
        self.last = now;
    }
    /// One lap split in two: `first` took `secs` of it, `second` the rest.
    fn lap_split(&mut self, first: &str, secs: f64, second: &str) {
        let now = Instant::now();
        let all = (now - self.last).as_secs_f64();
        self.stages.push((first.into(), secs));
        self.stages.push((second.into(), all - secs));
        self.last = now;
    }
}

/// Runs one route of bondspace on the glass file `path`, stage by stage (see [`RouteRun`]).
pub fn peer_route(path: &std::path::Path, route: Route) -> Result<RouteRun> {
    use crate::resources;
    resources::reset_peak_memory();
    let mut clock = Clock::new();
    let any = crate::io::read_configuration(path, &Default::default())?;
    clock.lap("read");
    let mut run = crate::with_dim!(&any, cfg => {
        let net = Network::new(cfg)?;
        clock.lap("build");
        route_stages(&net, route, &mut clock)?
    });
    run.total = clock.start.elapsed().as_secs_f64();
    run.stages = clock.stages;
    run.peak_gib = resources::peak_memory().unwrap_or(f64::NAN) / 1024f64.powi(3);
    Ok(run)
}

fn route_stages<const D: usize>(
    net: &Network<D>,
    route: Route,
    clock: &mut Clock,
) -> Result<RouteRun> {
    let mut run = RouteRun {
        n_bonds: net.n_bonds(),
        n_pencil: net.ndof() - D,
        ..Default::default()
    };
    match route {
        Route::Dense => {
            let s = dense::spectrum(net)?;
            clock.lap("eigenvalues (P+D)");
            run.lambda = s.bond;
            run.omega2 = s.hessian;
        }
        Route::Slicing(bins) => {
            let solver = HessianSolver::with_ordering(net, Ordering::Metis)?;
            let scales = measures::scales_with(net, &solver);
            run.nnz_l = solver.factor().info().nnz_structural;
            drop(solver);
            clock.lap("factor and scales");
            let (l0, w0) = (scales.lambda_0, scales.omega_0);
            let le = log_edges(1e-3 * l0, 1e4 * l0, bins)?;
            let we = log_edges((1e-2 * w0).powi(2), (1e2 * w0).powi(2), bins)?;
            let (c, _rank) = slicing::counts_and_rank(net, &le, &we, 1e-9 * l0, Ordering::Metis)?;
            clock.lap("counts");
            run.counts = c.lambda_counts;
        }
        Route::Participation => {
            let (lambda, ne) = crate::modes::bond::all_participations(net)?;
            clock.lap("eigenpairs and N·e");
            run.lambda = lambda;
            run.participation = ne;
        }
        Route::TopK(k) => {
            let threshold = 1e-9 / crate::spectra::hessian_bound(net);
            slicing::bond_rank(net, threshold, Ordering::Metis)?;
            clock.lap("rank(S)");
            let solver = HessianSolver::with_ordering(net, Ordering::Metis)?;
            run.nnz_l = solver.factor().info().nnz_structural;
            clock.lap("factor");
            let modes = top_modes_with(net, &solver, k)?;
            // the call's own split: the eigensolve, then the modes
            clock.lap_split("eigensolve", modes.eigensolve_seconds, "modes");
            run.max_residual = modes.residual.iter().copied().fold(0.0, f64::max);
            run.products = modes.lanczos_products;
            run.lambda = modes.lambda;
        }
    }
    Ok(run)
}
