//! Tests of the pseudo-harmonic minimiser: gradient by finite differences, the exact circle
//! restriction, local minimality, invariances and bad inputs.

use super::*;
use crate::config::Configuration;
use crate::prepare::{self, IplOptions};
use rand::Rng as _;

fn ipl<const D: usize>(n: usize, seed: u64) -> (Configuration<D>, Network<D>) {
    let cfg = prepare::ipl_instant_quench::<D>(
        n,
        &IplOptions::defaults(D),
        seed,
        crate::progress::SILENT,
    )
    .unwrap();
    let net = Network::new(&cfg).unwrap();
    (cfg, net)
}

fn random_field(nd: usize, seed: u64) -> Vec<f64> {
    let mut rng = crate::rng::stream(seed, crate::rng::Purpose::Other, 7);
    (0..nd).map(|_| rng.random::<f64>() - 0.5).collect()
}

fn check_gradient<const D: usize>(n: usize, seed: u64) {
    let (_, net) = ipl::<D>(n, seed);
    let nd = net.ndof();
    let mut z = random_field(nd, seed);
    remove_translations::<D>(&mut z);
    let zn = norm(&z);
    z.iter_mut().for_each(|v| *v /= zn);
    let mut g = vec![0.0; nd];
    let c = cost_and_gradient(&net, &z, &mut g);
    assert!((c - cost(&net, &z)).abs() <= 1e-14 * c);
    let gmax = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let h = 1e-6;
    let mut zz = z.clone();
    let mut worst = 0.0f64;
    for k in 0..nd {
        zz[k] = z[k] + h;
        let cp = cost(&net, &zz);
        zz[k] = z[k] - h;
        let cm = cost(&net, &zz);
        zz[k] = z[k];
        let fd = (cp - cm) / (2.0 * h);
        worst = worst.max((fd - g[k]).abs() / gmax);
    }
    assert!(worst < 1e-6, "gradient vs finite differences: {worst}");
    // Euler (degree 0): z·∇C = 0; translation invariance: Σ_i ∇C_i = 0
    assert!(dot_slices(&z, &g).abs() < 1e-10 * gmax * (nd as f64).sqrt());
    for k in 0..D {
        let s: f64 = (0..net.n()).map(|i| g[i * D + k]).sum();
        assert!(s.abs() < 1e-10 * gmax * (nd as f64).sqrt());
    }
    // scale invariance of C
    let z3: Vec<f64> = z.iter().map(|v| -3.7 * v).collect();
    assert!((cost(&net, &z3) - c).abs() < 1e-12 * c);
}

#[test]
fn gradient_matches_finite_differences_2d() {
    check_gradient::<2>(80, 11);
}

#[test]
fn gradient_matches_finite_differences_3d() {
    check_gradient::<3>(200, 12);
}

#[test]
fn circle_restriction_is_exact() {
    let (_, net) = ipl::<3>(200, 3);
    let nd = net.ndof();
    let mut z = random_field(nd, 1);
    let mut q = random_field(nd, 2);
    remove_translations::<3>(&mut z);
    remove_translations::<3>(&mut q);
    let zn = norm(&z);
    z.iter_mut().for_each(|v| *v /= zn);
    let r = dot_slices(&q, &z);
    q.iter_mut().zip(&z).for_each(|(a, b)| *a -= r * b);
    let qn = norm(&q);
    q.iter_mut().for_each(|v| *v /= qn);
    let circle = Circle::new(&net, &z, &q);
    for &t in &[0.0, 0.1, 0.7, 1.9, 3.0] {
        let (s, c) = f64::sin_cos(t);
        let w: Vec<f64> = z.iter().zip(&q).map(|(a, b)| c * a + s * b).collect();
        let (f, df) = circle.eval(t);
        let exact = cost(&net, &w);
        assert!((f - exact).abs() < 1e-12 * exact, "{f} vs {exact}");
        let h = 1e-6;
        let fd = (circle.eval(t + h).0 - circle.eval(t - h).0) / (2.0 * h);
        assert!((fd - df).abs() < 1e-6 * (1.0 + df.abs()), "{fd} vs {df}");
    }
    // the line search finds a point where C′ ≈ 0 and C decreased, along a descent direction
    let (f0, d0) = circle.eval(0.0);
    let circle = if d0 < 0.0 {
        circle
    } else {
        q.iter_mut().for_each(|v| *v = -*v);
        Circle::new(&net, &z, &q)
    };
    let t = circle.first_minimum().unwrap();
    let (f, df) = circle.eval(t);
    assert!(f < f0 && t > 0.0);
    assert!(df.abs() < 1e-8 * f, "C′ at the line minimum: {df}");
}

fn check_minimum<const D: usize>(net: &Network<D>, z0: &[f64], r: &PhmResult) {
    let nd = net.ndof();
    eprintln!(
        "PHM: {} iterations, C(z0) = {:.6e} -> C = {:.6e}, relative gradient {:.2e}, N·e = {:.1}",
        r.iterations,
        cost(net, z0),
        r.cost,
        r.gradient_norm,
        crate::modes::participation::participation_n::<D>(&r.displacement)
    );
    assert!(
        r.converged,
        "not converged: {} after {}",
        r.gradient_norm, r.iterations
    );
    assert!(r.gradient_norm < DEFAULT_REL_TOL);
    assert!(r.cost <= cost(net, z0) * (1.0 + 1e-12));
    assert!((norm(&r.displacement) - 1.0).abs() < 1e-12);
    assert!((norm(&r.force) - 1.0).abs() < 1e-12);
    for k in 0..D {
        let s: f64 = (0..net.n()).map(|i| r.displacement[i * D + k]).sum();
        assert!(s.abs() < 1e-12);
    }
    assert!(dot_slices(z0, &r.displacement) >= 0.0);
    // independent check of the gradient at the result
    let mut g = vec![0.0; nd];
    let c = cost_and_gradient(net, &r.displacement, &mut g);
    assert!(norm(&g) / c < 10.0 * DEFAULT_REL_TOL);
    // F_PH ∝ M D_PH
    let mut f = vec![0.0; nd];
    net.apply_hessian(&r.displacement, &mut f);
    assert!(overlap(&f, &r.force) < 1e-12);
    // a local minimum: small random perturbations do not lower C
    for seed in 0..5 {
        let dz = random_field(nd, 100 + seed);
        let w: Vec<f64> = r
            .displacement
            .iter()
            .zip(&dz)
            .map(|(a, b)| a + 1e-3 * b)
            .collect();
        assert!(cost(net, &w) >= r.cost * (1.0 - 1e-12));
    }
}

#[test]
fn minimiser_from_random_vector_3d() {
    let (_, net) = ipl::<3>(200, 21);
    let z0 = random_field(net.ndof(), 5);
    let r = pseudo_harmonic(&net, &z0, DEFAULT_REL_TOL, 20_000).unwrap();
    check_minimum(&net, &z0, &r);
    assert!(r.cost < 0.5 * cost(&net, &z0));
}

#[test]
fn minimiser_from_low_frequency_mode_and_translation_invariance() {
    let (_, net) = ipl::<3>(200, 22);
    let nd = net.ndof();
    let m = net.dense(true, nd);
    let evd = m.self_adjoint_eigen(faer::Side::Lower).unwrap();
    // eigenvalues ascending: skip the 3 translations, take the lowest vibrational mode
    let z0: Vec<f64> = (0..nd).map(|r| evd.U()[(r, 3)]).collect();
    let r = pseudo_harmonic(&net, &z0, DEFAULT_REL_TOL, 20_000).unwrap();
    check_minimum(&net, &z0, &r);
    // adding a translation to z0 changes nothing
    let shifted: Vec<f64> = z0
        .iter()
        .enumerate()
        .map(|(k, v)| v + [0.3, -0.2, 0.5][k % 3])
        .collect();
    let r2 = pseudo_harmonic(&net, &shifted, DEFAULT_REL_TOL, 20_000).unwrap();
    check_minimum(&net, &z0, &r2);
    assert!(overlap(&r.displacement, &r2.displacement) < 1e-10);
    assert!((r.cost - r2.cost).abs() < 1e-8 * r.cost);
    assert!(dot_slices(&r.displacement, &r2.displacement) > 0.0);
}

#[test]
fn bad_inputs_and_overlap() {
    let (_, net) = ipl::<2>(40, 1);
    let nd = net.ndof();
    assert!(pseudo_harmonic(&net, &vec![1.0; nd - 1], 1e-8, 10).is_err());
    let translation: Vec<f64> = (0..nd).map(|k| (k % 2) as f64).collect();
    assert!(pseudo_harmonic(&net, &translation, 1e-8, 10).is_err());
    let mut nan = vec![0.5; nd];
    nan[3] = f64::NAN;
    assert!(pseudo_harmonic(&net, &nan, 1e-8, 10).is_err());
    // max_iter = 0: returns the normalised start, not converged
    let z0 = random_field(nd, 3);
    let r = pseudo_harmonic(&net, &z0, 1e-10, 0).unwrap();
    assert!(!r.converged && r.iterations == 0);
    assert!((r.cost - cost(&net, &z0)).abs() < 1e-12 * r.cost);
    assert!(overlap(&[1.0, 0.0], &[-2.0, 0.0]).abs() < 1e-15);
    assert!((overlap(&[1.0, 0.0], &[0.0, 3.0]) - 1.0).abs() < 1e-15);
    let o = overlap(&[1.0, 1.0], &[1.0, 0.0]);
    assert!((o - (1.0 - 0.5f64.sqrt())).abs() < 1e-15);
}
