//! SWAP Monte Carlo: energy bookkeeping against an independent recomputation, detailed
//! balance of the swap move against exact Boltzmann weights, swaps not biasing the ensemble,
//! and reproducibility whatever the thread count.

use bondspace::models::{Ipl, PairPotential, eval};
use bondspace::prepare::swap::{MoveStats, SwapMc, SwapOptions};
use bondspace::prepare::{self, IplOptions, QuenchOptions};
use bondspace::rng::{Purpose, stream};
use bondspace::{Configuration, SimBox, neighbours};

fn hidden() -> bondspace::progress::NoProgress {
    bondspace::progress::NoProgress
}

/// A random IPL liquid with its overlaps removed.
fn liquid<const D: usize>(n: usize, seed: u64) -> Configuration<D> {
    let opt = IplOptions::defaults(D);
    let mut cfg = prepare::ipl_random::<D>(n, &opt, seed, 0).unwrap();
    let loose = QuenchOptions {
        rel_tol: 1e-2,
        fire_factor: 1.0,
    };
    prepare::quench(&mut cfg, &loose, &hidden()).unwrap();
    cfg.wrap_positions();
    cfg
}

/// A Monte Carlo chain on `cfg` with the stream of `seed`.
fn chain<'p, const D: usize>(
    pot: &'p Ipl,
    cfg: &Configuration<D>,
    opt: &SwapOptions,
    seed: u64,
) -> SwapMc<'p, D, Ipl> {
    let rng = stream(seed, Purpose::MonteCarlo, 0);
    SwapMc::new(pot, cfg.simbox, &cfg.positions, &cfg.sizes, opt, rng).unwrap()
}

/// Total energy from scratch with the library's pair search (independent of the MC lists).
fn independent_energy<const D: usize>(
    pot: &Ipl,
    simbox: &SimBox<D>,
    pos: &[[f64; D]],
    sizes: &[f64],
) -> f64 {
    let pairs = neighbours::pairs_within(pot, simbox, pos, sizes, 0.0).unwrap();
    eval::energy(pot, simbox, pos, sizes, &pairs)
}

fn bookkeeping<const D: usize>(n: usize, half_skin: f64, window: f64) -> MoveStats {
    let cfg = liquid::<D>(n, 3);
    let pot = Ipl::default();
    let mut opt = SwapOptions::new(0.5, 1);
    opt.half_skin = half_skin;
    opt.swap_window = window;
    let mut mc = chain(&pot, &cfg, &opt, 5);
    mc.set_delta(0.15);
    for round in 0..5 {
        for _ in 0..40 {
            mc.sweep();
        }
        let pos: Vec<[f64; D]> = mc.positions().collect();
        let sizes: Vec<f64> = mc.sizes().collect();
        let e = independent_energy(&pot, &cfg.simbox, &pos, &sizes);
        let rel = (mc.energy() - e).abs() / e.abs();
        assert!(
            rel < 1e-11,
            "{D}D round {round}: running {} vs recomputed {e}",
            mc.energy()
        );
        // the size multiset is conserved
        let mut a = sizes.clone();
        let mut b = cfg.sizes.clone();
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        assert_eq!(a, b);
    }
    let st = mc.stats();
    assert!(
        st.displacement_accepted > 0 && st.swap_accepted > 0,
        "{st:?}"
    );
    assert!(st.reference_updates + st.pair_updates > 0, "{st:?}");
    st
}

#[test]
fn running_energy_equals_recomputed_energy() {
    bookkeeping::<2>(300, 0.4, f64::INFINITY);
    bookkeeping::<3>(500, 0.4, f64::INFINITY);
    bookkeeping::<3>(500, 0.4, 0.1);
    bookkeeping::<3>(500, 0.2, f64::INFINITY);
}

#[test]
fn neighbour_lists_stay_complete_under_heavy_local_updates() {
    // a tiny skin forces many local updates of both list levels, and far trials
    for st in [
        bookkeeping::<2>(300, 0.03, f64::INFINITY),
        bookkeeping::<3>(1200, 0.03, 0.2),
    ] {
        assert!(
            st.reference_updates > 0 && st.pair_updates > 0 && st.far_trials > 0,
            "{st:?}"
        );
    }
}

#[test]
fn swap_move_obeys_detailed_balance_on_a_tiny_system() {
    // four particles at fixed positions, only swap moves: the chain over the 24 size
    // permutations must visit each with its Boltzmann weight exp(−E/T)
    swap_detailed_balance(f64::INFINITY);
}

#[test]
fn windowed_swap_move_obeys_detailed_balance_on_a_tiny_system() {
    // window 0.2 over the sizes 1, 1.15, 1.3, 1.45: each size swaps only with its neighbours
    // in size, and the ends have one partner while the middle sizes have two, so the
    // proposal counts differ from particle to particle; the adjacent transpositions still
    // connect all 24 permutations, which must be visited with their Boltzmann weights
    swap_detailed_balance(0.2);
}

fn swap_detailed_balance(window: f64) {
    let pot = Ipl::default();
    let simbox = SimBox::<3>::new([10.0; 3]).unwrap();
    let pos = [
        [5.0, 5.0, 5.0],
        [6.3, 5.0, 5.0],
        [5.6, 6.2, 5.0],
        [5.6, 5.5, 6.25],
    ];
    let sizes = [1.0, 1.15, 1.3, 1.45];
    let t = 0.6;
    // exact weights
    let mut perms = Vec::new();
    for a in 0..4 {
        for b in 0..4 {
            for c in 0..4 {
                for d in 0..4 {
                    let p = [a, b, c, d];
                    let mut seen = [false; 4];
                    if p.iter().all(|&k| !std::mem::replace(&mut seen[k], true)) {
                        perms.push(p);
                    }
                }
            }
        }
    }
    assert_eq!(perms.len(), 24);
    let energy = |s: &[f64]| {
        let mut e = 0.0;
        for i in 0..4 {
            for j in i + 1..4 {
                let d = simbox.delta(&pos[i], &pos[j]);
                let r2: f64 = d.iter().map(|x| x * x).sum();
                e += pot.energy_r2(r2, s[i], s[j]);
            }
        }
        e
    };
    let weights: Vec<f64> = perms
        .iter()
        .map(|p| {
            let s: Vec<f64> = p.iter().map(|&k| sizes[k]).collect();
            (-energy(&s) / t).exp()
        })
        .collect();
    let z: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / z).collect();
    assert!(
        exact.iter().cloned().fold(0.0, f64::max) / exact.iter().cloned().fold(1.0, f64::min) > 5.0,
        "the test needs distinguishable weights: {exact:?}"
    );

    let mut opt = SwapOptions::new(t, 1);
    opt.swap_probability = 1.0;
    opt.swap_window = window;
    let mut mc = SwapMc::new(
        &pot,
        simbox,
        &pos,
        &sizes,
        &opt,
        stream(9, Purpose::Other, 0),
    )
    .unwrap();
    let mut counts = [0u64; 24];
    let steps = 2_000_000u64;
    for _ in 0..steps {
        mc.attempt();
        let s: Vec<f64> = mc.sizes().collect();
        let k = perms
            .iter()
            .position(|p| (0..4).all(|i| sizes[p[i]] == s[i]))
            .unwrap();
        counts[k] += 1;
    }
    for k in 0..24 {
        let f = counts[k] as f64 / steps as f64;
        // consecutive states are correlated (rejections), so allow ~5 standard errors of a
        // chain with a few steps of memory
        let tol = 5.0 * (exact[k] * (1.0 - exact[k]) * 5.0 / steps as f64).sqrt() + 1e-4;
        assert!(
            (f - exact[k]).abs() < tol,
            "permutation {:?}: sampled {f:.5}, exact {:.5} (tolerance {tol:.5})",
            perms[k],
            exact[k]
        );
    }
}

/// Mean and standard error (block averages) of e/N over `sweeps` sweeps after `burn` sweeps.
fn mean_energy(
    cfg: &Configuration<2>,
    t: f64,
    (p_swap, window): (f64, f64),
    seed: u64,
    burn: usize,
    sweeps: usize,
) -> (f64, f64) {
    let pot = Ipl::default();
    let mut opt = SwapOptions::new(t, 1);
    opt.swap_probability = p_swap;
    opt.swap_window = window;
    let mut mc = chain(&pot, cfg, &opt, seed);
    mc.set_delta(0.12);
    for _ in 0..burn {
        mc.sweep();
    }
    let n = cfg.len() as f64;
    let block = 50;
    let mut means = Vec::new();
    for _ in 0..sweeps / block {
        let mut acc = 0.0;
        for _ in 0..block {
            mc.sweep();
            acc += mc.energy() / n;
        }
        means.push(acc / block as f64);
    }
    let k = means.len() as f64;
    let m = means.iter().sum::<f64>() / k;
    let var = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (k - 1.0);
    (m, (var / k).sqrt())
}

/// Mean e/N over independent chains (each from its own random liquid) and its standard error
/// from the chain-to-chain scatter, so that slow correlations cannot hide in the error bar.
fn ensemble_energy(n: usize, t: f64, (p_swap, window): (f64, f64), chains: u64) -> (f64, f64) {
    let m: Vec<f64> = (0..chains)
        .map(|k| {
            let cfg = liquid::<2>(n, 100 + k);
            let arm = if p_swap == 0.0 {
                0
            } else if window.is_finite() {
                2000
            } else {
                1000
            };
            mean_energy(&cfg, t, (p_swap, window), 7 + k + arm, 3000, 3000).0
        })
        .collect();
    let k = chains as f64;
    let mu = m.iter().sum::<f64>() / k;
    let var = m.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (k - 1.0);
    (mu, (var / k).sqrt())
}

#[test]
fn swaps_do_not_bias_the_high_temperature_ensemble() {
    // T = 5: a liquid in which plain displacements equilibrate the size arrangement within
    // the run (at T = 2 the no-swap chains of this polydisperse model still differ from one
    // another after 6000 sweeps, i.e. they are not equilibrated, so they cannot test bias)
    let (m1, e1) = ensemble_energy(80, 5.0, (0.2, f64::INFINITY), 12);
    let (m0, e0) = ensemble_energy(80, 5.0, (0.0, f64::INFINITY), 12);
    let se = (e1 * e1 + e0 * e0).sqrt();
    assert!(se > 0.0 && se < 0.01 * m1.abs(), "{m1} ± {e1}, {m0} ± {e0}");
    assert!(
        (m1 - m0).abs() < 4.0 * se,
        "with swaps {m1} ± {e1}, without {m0} ± {e0}"
    );
    // nor do swaps restricted to a narrow size window (a proposal that were not symmetric
    // would bias the energy; a narrow window only slows the size relaxation)
    let (mw, ew) = ensemble_energy(80, 5.0, (0.5, 0.1), 12);
    let se = (ew * ew + e0 * e0).sqrt();
    assert!(
        (mw - m0).abs() < 4.0 * se,
        "with swaps in a window of 0.1 {mw} ± {ew}, without {m0} ± {e0}"
    );
}

#[test]
fn swap_glasses_are_balanced_reproducible_and_thread_independent() {
    let dir = std::env::temp_dir().join(format!("bondspace-swap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let opt = IplOptions::defaults(2);
    let swap = SwapOptions::new(0.8, 60);
    let run = |threads: usize, name: &str| {
        let out = dir.join(name);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            bondspace::ensemble::glasses::swap_glasses::<2>(120, &opt, &swap, 4, &out, 2, &hidden())
        })
        .unwrap()
    };
    let a = run(1, "a.xyz");
    let b = run(2, "b.xyz");
    for (x, y) in a.iter().zip(&b) {
        assert!(x.computed && y.computed);
        let fa = std::fs::read_to_string(&x.path).unwrap();
        let fb = std::fs::read_to_string(&y.path).unwrap();
        assert_eq!(fa, fb, "sample {} differs between 1 and 2 threads", x.index);
        let cfg = bondspace::io::xyz::read_xyz_dim::<2>(&x.path).unwrap();
        let st = bondspace::state::state(&cfg).unwrap();
        assert!(st.max_force <= 1e-10 * st.typical_pair_force, "{st:?}");
        assert_eq!(cfg.info["tp"], "0.8");
        let report =
            std::fs::read_to_string(bondspace::ensemble::glasses::mc_report_path(&x.path)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(json["sweeps"], 60);
        assert!(json["energy_per_particle"].as_array().unwrap().len() > 10);
    }
    // the two samples differ (own streams)
    let f0 = std::fs::read_to_string(&a[0].path).unwrap();
    let f1 = std::fs::read_to_string(&a[1].path).unwrap();
    assert_ne!(f0, f1);
    // a re-run resumes: nothing is recomputed
    let again = run(2, "a.xyz");
    assert!(again.iter().all(|o| !o.computed));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn vector_and_baseline_sweeps_give_the_same_chain_bitwise() {
    let cfg = liquid::<3>(400, 4);
    let pot = Ipl::default();
    for window in [f64::INFINITY, 0.1] {
        let mut opt = SwapOptions::new(0.45, 1);
        opt.swap_window = window;
        let mut a = chain(&pot, &cfg, &opt, 11);
        let mut b = chain(&pot, &cfg, &opt, 11);
        for _ in 0..30 {
            a.sweep();
            b.sweep_baseline();
        }
        assert_eq!(a.energy().to_bits(), b.energy().to_bits());
        assert_eq!(a.stats(), b.stats());
        for (x, y) in a.positions().zip(b.positions()) {
            assert_eq!(x.map(f64::to_bits), y.map(f64::to_bits));
        }
        for (x, y) in a.sizes().zip(b.sizes()) {
            assert_eq!(x.to_bits(), y.to_bits());
        }
    }
}
