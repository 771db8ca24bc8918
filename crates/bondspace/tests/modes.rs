//! Modes of A against the literal dense A = S M⁺ Sᵀ, the normalization of f, F and D, the
//! participation of every mode, and the dipole identity A_αα = uᵀMu.

#![allow(clippy::needless_range_loop)]

use bondspace::Configuration;
use bondspace::measures::elastic::HessianSolver;
use bondspace::modes::bond::{all_participations, top_modes};
use bondspace::modes::dipole::{bond_sample, dipole_responses};
use bondspace::modes::participation::participation_n;
use bondspace::operators::Network;
use bondspace::spectra::explicit;
use faer::Side;

mod common;
use common::{harmonic, ipl};

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The top-K modes from matrix-free Lanczos equal the eigenvectors of the literal dense A:
/// λ to 1e-9, |⟨f|f_explicit⟩| = 1 to 1e-8 for non-degenerate modes, and the derived F, D
/// satisfy F = Sᵀf = M D, Dᵀ M D = λ, D translation-free.
fn compare_top_modes<const D: usize>(cfg: &Configuration<D>, k: usize) {
    let net = Network::new(cfg).unwrap();
    let modes = top_modes(&net, k).unwrap();
    assert_eq!(modes.lambda.len(), k);
    let (a, _) = explicit::bond_operator(&net).unwrap();
    let evd = a.self_adjoint_eigen(Side::Lower).unwrap();
    let nb = net.n_bonds();
    let s = evd.S().column_vector();
    let u = evd.U();
    let mut order: Vec<usize> = (0..nb).collect();
    order.sort_by(|&x, &y| s[y].total_cmp(&s[x]));
    let gap = |i: usize| {
        let l = s[order[i]];
        let lo = if i + 1 < nb { l - s[order[i + 1]] } else { l };
        let hi = if i > 0 { s[order[i - 1]] - l } else { l };
        lo.min(hi) / l
    };
    for i in 0..k {
        let le = s[order[i]];
        let l = modes.lambda[i];
        assert!(
            (l - le).abs() <= 1e-9 * le,
            "mode {i}: λ {l} vs explicit {le}"
        );
        assert!(modes.residual[i] < 1e-8, "residual {}", modes.residual[i]);
        let f = &modes.bond_force[i];
        assert!((dot(f, f) - 1.0).abs() < 1e-12);
        if gap(i) > 1e-4 {
            let fe: Vec<f64> = (0..nb).map(|r| u[(r, order[i])]).collect();
            let ov = dot(f, &fe).abs();
            assert!((1.0 - ov).abs() < 1e-8, "mode {i}: |<f|f_explicit>| = {ov}");
        }
        // F = Sᵀ f = M D, DᵀMD = λ, D translation-free
        let d = &modes.displacement[i];
        let ff = &modes.particle_force[i];
        let mut md = vec![0.0; net.ndof()];
        net.apply_hessian(d, &mut md);
        let fnorm = dot(ff, ff).sqrt();
        let err = md
            .iter()
            .zip(ff)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(err < 1e-8 * fnorm, "M D − F = {err}");
        assert!((dot(d, &md) - l).abs() < 1e-8 * l);
        for c in 0..D {
            let mean: f64 = d.iter().skip(c).step_by(D).sum();
            assert!(mean.abs() < 1e-10 * dot(d, d).sqrt() * net.n() as f64);
        }
        assert!((participation_n::<D>(ff) - modes.participation_n[i]).abs() < 1e-12);
    }
}

#[test]
fn top_modes_equal_the_literal_bond_operator() {
    compare_top_modes(&ipl::<2>(80, 3), 6);
    compare_top_modes(&ipl::<3>(160, 4), 8);
    compare_top_modes(&harmonic::<3>(96, 0.05, 5), 5);
    // rattlers present
    let h = harmonic::<2>(96, 0.002, 7);
    assert!(Network::new(&h).unwrap().n_rattlers() > 0);
    compare_top_modes(&h, 5);
    // so few bonds that the Krylov basis would fill the space: the dense route
    let tiny = harmonic::<2>(16, 0.2, 3);
    let nb = Network::new(&tiny).unwrap().n_bonds();
    assert!(nb <= 64, "{nb} bonds");
    compare_top_modes(&tiny, 4);
    // more modes than non-zero eigenvalues can exist: refused
    assert!(top_modes(&Network::new(&tiny).unwrap(), 10_000).is_err());
}

/// Every mode's N·e(F) from the dense eigendecomposition equals the literal route
/// (eigenvector f of A, F = Sᵀ f), eigenvalue by eigenvalue.
#[test]
fn participation_of_every_mode_matches_the_literal_operator() {
    let cfg = ipl::<2>(60, 11);
    let net = Network::new(&cfg).unwrap();
    let (lambda, ne) = all_participations(&net).unwrap();
    let (a, _) = explicit::bond_operator(&net).unwrap();
    let evd = a.self_adjoint_eigen(Side::Lower).unwrap();
    let s = evd.S().column_vector();
    let nb = net.n_bonds();
    let max = (0..nb).map(|k| s[k]).fold(0.0, f64::max);
    let mut lit: Vec<(f64, f64)> = Vec::new();
    let mut force = vec![0.0; net.ndof()];
    for k in 0..nb {
        if s[k] > 1e-11 * max {
            let f: Vec<f64> = (0..nb).map(|r| evd.U()[(r, k)]).collect();
            net.apply_st(&f, &mut force);
            lit.push((s[k], participation_n::<2>(&force)));
        }
    }
    lit.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(lit.len(), lambda.len());
    for i in 0..lambda.len() {
        assert!((lambda[i] - lit[i].0).abs() < 1e-9 * lit[i].0);
        let isolated = (i == 0 || lambda[i] - lambda[i - 1] > 1e-6 * lambda[i])
            && (i + 1 == lambda.len() || lambda[i + 1] - lambda[i] > 1e-6 * lambda[i]);
        if isolated {
            assert!(
                (ne[i] - lit[i].1).abs() < 1e-6 * lit[i].1,
                "mode {i}: N·e {} vs {}",
                ne[i],
                lit[i].1
            );
        }
    }
}

/// The dipole compliance uᵀMu (u = M⁺Sᵀ|α⟩) is the diagonal element A_αα of the literal A,
/// and κ_α = uᵀMu/uᵀu is positive.
#[test]
fn dipole_compliance_is_the_diagonal_of_a() {
    for cfg3 in [ipl::<3>(160, 21)] {
        let net = Network::new(&cfg3).unwrap();
        let solver = HessianSolver::new(&net).unwrap();
        let sample = bond_sample(net.n_bonds(), 12);
        let resp = dipole_responses(&net, &solver, &sample);
        let (a, _) = explicit::bond_operator(&net).unwrap();
        for r in &resp {
            let aa = a[(r.bond, r.bond)];
            assert!(
                (r.compliance - aa).abs() < 1e-9 * aa,
                "{} vs {aa}",
                r.compliance
            );
            assert!(r.kappa > 0.0);
        }
    }
    let cfg2 = harmonic::<2>(80, 0.01, 22);
    let net = Network::new(&cfg2).unwrap();
    let solver = HessianSolver::new(&net).unwrap();
    let (a, _) = explicit::bond_operator(&net).unwrap();
    for r in dipole_responses(&net, &solver, &bond_sample(net.n_bonds(), 10)) {
        let aa = a[(r.bond, r.bond)];
        assert!((r.compliance - aa).abs() < 1e-9 * aa);
    }
}

#[test]
fn participation_of_simple_fields() {
    // one particle: N·e = 1; uniform magnitude on n particles: N·e = n
    let mut f = vec![0.0; 30];
    f[4] = 2.0;
    assert!((participation_n::<3>(&f) - 1.0).abs() < 1e-15);
    let g: Vec<f64> = (0..30)
        .map(|i| if i % 3 == 0 { 1.0 } else { 0.0 })
        .collect();
    assert!((participation_n::<3>(&g) - 10.0).abs() < 1e-12);
}
