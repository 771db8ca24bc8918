//! Pair models: check values of the default IPL potential (n = 10, q = 3, x_c = 1.4),
//! smoothness at the cutoff, derivatives against finite differences, and forces against finite
//! differences of the total energy.

#![allow(clippy::needless_range_loop)]

use bondspace::models::{Harmonic, Ipl, PairPotential, SoftSphere, eval};
use bondspace::neighbours;
use bondspace::{Configuration, Model, SimBox};
use rand::{Rng, SeedableRng};

#[test]
fn ipl_check_values() {
    let ipl = Ipl::default();
    let t = ipl.terms(1.0, 1.0, 1.0);
    assert!((t.u - 0.614179).abs() < 1e-6, "u = {}", t.u);
    assert!((t.du - -8.41664).abs() < 1e-5, "u' = {}", t.du);
    assert!((t.d2u - 106.8009).abs() < 1e-4, "u'' = {}", t.d2u);
    // coefficients computed from (n, q, xc) equal the closed form for n = 10, q = 3:
    // c₀ = −56 x_c⁻¹⁰, c₂ = 140 x_c⁻¹², c₄ = −120 x_c⁻¹⁴, c₆ = 35 x_c⁻¹⁶
    let xc: f64 = 1.4;
    let expect = [
        -56.0 * xc.powi(-10),
        140.0 * xc.powi(-12),
        -120.0 * xc.powi(-14),
        35.0 * xc.powi(-16),
    ];
    for (c, e) in ipl.coefficients().iter().zip(expect) {
        assert!((c - e).abs() < 1e-12 * e.abs(), "{c} vs {e}");
    }
}

#[test]
fn ipl_is_smooth_at_the_cutoff() {
    for (n, q, xc) in [(10, 3, 1.4), (12, 2, 1.5), (8, 4, 1.3)] {
        let ipl = Ipl::new(n, q, xc, 0.1, 1.0).unwrap();
        let d = ipl.reduced_derivatives(xc);
        for (k, v) in d.iter().enumerate().take(q as usize + 1).take(4) {
            assert!(v.abs() < 1e-10, "n={n} q={q}: derivative {k} = {v} at x_c");
        }
        // and the pair reach matches
        assert!((ipl.reach(1.0, 1.0) - xc).abs() < 1e-15);
    }
}

fn check_derivatives<P: PairPotential>(p: &P, si: f64, sj: f64) {
    let reach = p.reach(si, sj);
    for k in 1..40 {
        let r = reach * (0.6 + 0.39 * k as f64 / 40.0);
        let h = 1e-6 * r;
        let t = p.terms(r, si, sj);
        let (up, um) = (p.terms(r + h, si, sj), p.terms(r - h, si, sj));
        let du = (up.u - um.u) / (2.0 * h);
        let d2u = (up.du - um.du) / (2.0 * h);
        let scale_1 = t.du.abs() + 1e-6;
        let scale_2 = t.d2u.abs() + 1e-6;
        assert!(
            (du - t.du).abs() < 1e-6 * scale_1,
            "u' at r={r}: {du} vs {}",
            t.du
        );
        assert!(
            (d2u - t.d2u).abs() < 1e-5 * scale_2,
            "u'' at r={r}: {d2u} vs {}",
            t.d2u
        );
        let (u, du2) = p.energy_force(r, si, sj);
        assert!(
            (u - t.u).abs() <= 1e-14 * t.u.abs().max(1.0)
                && (du2 - t.du).abs() <= 1e-12 * t.du.abs().max(1.0)
        );
    }
}

#[test]
fn radial_derivatives_match_finite_differences() {
    check_derivatives(&Ipl::default(), 1.0, 1.7);
    check_derivatives(&Harmonic::new(2.0).unwrap(), 0.5, 0.7);
    check_derivatives(&SoftSphere::new(2.0, 1.0).unwrap(), 0.4, 0.6);
    check_derivatives(&SoftSphere::new(2.5, 1.3).unwrap(), 0.4, 0.6);
}

/// A jittered square/cubic lattice with `m` sites per edge and spacing `a` (moderate overlaps,
/// so finite differences of the energy are not swamped by round-off).
fn random_config<const D: usize>(model: Model, m: usize, a: f64, seed: u64) -> Configuration<D> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let l = m as f64 * a;
    let n = m.pow(D as u32);
    let simbox = SimBox::new([l; D]).unwrap();
    let pos = (0..n)
        .map(|i| {
            std::array::from_fn(|k| {
                let c = (i / m.pow(k as u32)) % m;
                (c as f64 + 0.3 * (rng.random::<f64>() - 0.5)) * a
            })
        })
        .collect();
    let sizes = match model {
        Model::Ipl(_) => (0..n).map(|i| 1.0 + 0.2 * (i % 5) as f64).collect(),
        _ => (0..n).map(|i| if i % 2 == 0 { 0.5 } else { 0.7 }).collect(),
    };
    Configuration::new(simbox, pos, sizes, model).unwrap()
}

fn check_forces<const D: usize>(cfg: &Configuration<D>) {
    bondspace::with_potential!(&cfg.model, p => {
        let pairs = neighbours::pairs_within(p, &cfg.simbox, &cfg.positions, &cfg.sizes, 0.5).unwrap();
        let mut f = vec![[0.0; D]; cfg.len()];
        let t = eval::energy_forces(p, &cfg.simbox, &cfg.positions, &cfg.sizes, &pairs, &mut f);
        assert!(t.n_bonds > 0);
        let e0 = eval::energy(p, &cfg.simbox, &cfg.positions, &cfg.sizes, &pairs);
        assert!((e0 - t.energy).abs() <= 1e-12 * e0.abs());
        let mut x = cfg.positions.clone();
        let h = 1e-6;
        for i in (0..cfg.len()).step_by(3) {
            for k in 0..D {
                let x0 = x[i][k];
                x[i][k] = x0 + h;
                let ep = eval::energy(p, &cfg.simbox, &x, &cfg.sizes, &pairs);
                x[i][k] = x0 - h;
                let em = eval::energy(p, &cfg.simbox, &x, &cfg.sizes, &pairs);
                x[i][k] = x0;
                let fd = -(ep - em) / (2.0 * h);
                let scale = f[i].iter().map(|v| v.abs()).sum::<f64>() + 1e-3;
                assert!((fd - f[i][k]).abs() < 1e-5 * scale, "F[{i}][{k}] = {} vs fd {fd}", f[i][k]);
            }
        }
        // Newton's third law: forces sum to zero
        for k in 0..D {
            let s: f64 = f.iter().map(|v| v[k]).sum();
            assert!(s.abs() < 1e-9 * t.sum_abs_force.max(1.0));
        }
    });
}

#[test]
fn forces_are_minus_the_energy_gradient() {
    check_forces(&random_config::<2>(Model::Ipl(Ipl::default()), 8, 1.25, 1));
    check_forces(&random_config::<3>(Model::Ipl(Ipl::default()), 5, 1.4, 2));
    check_forces(&random_config::<2>(
        Model::Harmonic(Harmonic::default()),
        8,
        1.0,
        3,
    ));
    check_forces(&random_config::<3>(
        Model::Harmonic(Harmonic::default()),
        5,
        1.0,
        4,
    ));
    check_forces(&random_config::<3>(
        Model::SoftSphere(SoftSphere::new(2.5, 1.0).unwrap()),
        5,
        1.0,
        5,
    ));
}

/// Above the parallel threshold the chunked force sum equals the serial sum to round-off and
/// has the same bits on 1 and 2 threads; the parallel pair search gives the same sorted list
/// on 1 and 2 threads.
#[test]
fn parallel_forces_and_pair_search_do_not_depend_on_the_thread_count() {
    let cfg = random_config::<3>(Model::Ipl(Ipl::default()), 20, 1.25, 9);
    bondspace::with_potential!(&cfg.model, p => {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let pairs = neighbours::pairs_within(p, &cfg.simbox, &cfg.positions, &cfg.sizes, 0.4).unwrap();
                let mut f = vec![[0.0; 3]; cfg.len()];
                let mut scratch = Vec::new();
                let t = eval::energy_forces_par(p, &cfg.simbox, &cfg.positions, &cfg.sizes, &pairs, &mut f, &mut scratch);
                (pairs, f, t)
            })
        };
        let (p1, f1, t1) = run(1);
        let (p2, f2, t2) = run(2);
        assert!(p1.len() >= eval::PAR_MIN_PAIRS, "{} pairs: below the parallel threshold", p1.len());
        assert_eq!(p1, p2);
        assert_eq!(f1, f2);
        assert_eq!(t1, t2);
        let mut fs = vec![[0.0; 3]; cfg.len()];
        let ts = eval::energy_forces(p, &cfg.simbox, &cfg.positions, &cfg.sizes, &p1, &mut fs);
        assert!((ts.energy - t1.energy).abs() <= 1e-12 * ts.energy.abs());
        let scale = ts.sum_abs_force / ts.n_bonds as f64;
        for (a, b) in fs.iter().zip(&f1) {
            for k in 0..3 {
                assert!((a[k] - b[k]).abs() <= 1e-12 * scale, "{a:?} vs {b:?}");
            }
        }
    });
}
