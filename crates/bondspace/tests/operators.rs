//! Operators and exact spectra: M against finite differences of forces, S against finite
//! differences of bond lengths, symmetry and translation null spaces, and the reduced
//! spectrum against the literal dense A = S M⁺ Sᵀ.

#![allow(clippy::needless_range_loop)]

use bondspace::operators::Network;
use bondspace::spectra::{dense, explicit, slicing};
use bondspace::{Configuration, state};
use faer::Side;

mod common;
use common::{harmonic, ipl};

fn check_operators<const D: usize>(cfg: &Configuration<D>) {
    let net = Network::new(cfg).unwrap();
    let nd = net.ndof();
    let m = net.dense(true, nd);
    let k = net.dense(false, nd);
    let s = net.s_dense();
    // symmetry and translations in the null space
    for i in 0..nd {
        for j in 0..nd {
            assert!((m[(i, j)] - m[(j, i)]).abs() <= 1e-12 * (1.0 + m[(i, j)].abs()));
        }
    }
    for t in 0..D {
        for i in 0..nd {
            let (mut ms, mut ks) = (0.0, 0.0);
            for p in 0..net.n() {
                ms += m[(i, p * D + t)];
                ks += k[(i, p * D + t)];
            }
            assert!(ms.abs() < 1e-9 * (1.0 + m[(i, i)].abs()) && ks.abs() < 1e-12);
        }
    }
    // K = SᵀS
    let sts = s.transpose() * &s;
    assert!((&sts - &k).norm_max() < 1e-12);
    // M against finite differences of forces, S against finite differences of bond lengths
    let h = 1e-6;
    let mut c = cfg.clone();
    for &p in [0usize, net.n() / 2, net.n() - 1].iter() {
        let orig = net.kept[p];
        for q in 0..D {
            let x0 = c.positions[orig][q];
            c.positions[orig][q] = x0 + h;
            let (_, fp) = state::forces(&c).unwrap();
            let np = Network::new(&c).unwrap();
            c.positions[orig][q] = x0 - h;
            let (_, fm) = state::forces(&c).unwrap();
            let nm = Network::new(&c).unwrap();
            c.positions[orig][q] = x0;
            for (a, &kept) in net.kept.iter().enumerate() {
                for r in 0..D {
                    let fd = -(fp[kept][r] - fm[kept][r]) / (2.0 * h);
                    let exact = m[(a * D + r, p * D + q)];
                    assert!(
                        (fd - exact).abs() < 1e-5 * (1.0 + exact.abs()),
                        "M {fd} vs {exact}"
                    );
                }
            }
            if np.n_bonds() == net.n_bonds() && nm.n_bonds() == net.n_bonds() {
                for b in 0..net.n_bonds() {
                    let fd = (np.r[b] - nm.r[b]) / (2.0 * h);
                    assert!((fd - s[(b, p * D + q)]).abs() < 1e-7, "S");
                }
            }
        }
    }
}

#[test]
fn operators_match_finite_differences() {
    check_operators(&ipl::<2>(64, 1));
    check_operators(&ipl::<3>(160, 2));
    check_operators(&harmonic::<2>(64, 0.01, 3));
    check_operators(&harmonic::<3>(64, 0.05, 4));
}

fn compare<const D: usize>(cfg: &Configuration<D>) -> (usize, usize) {
    let net = Network::new(cfg).unwrap();
    let d = dense::spectrum(&net).unwrap();
    let e = explicit::spectrum(&net).unwrap();
    assert_eq!(d.bond.len(), e.bond.len(), "non-zero counts");
    assert_eq!(d.n_sss, e.n_sss, "SSS counts");
    for (a, b) in d.bond.iter().zip(&e.bond) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "λ {a} vs {b}");
    }
    assert_eq!(d.hessian.len(), e.hessian.len());
    let wmax = e.hessian.last().copied().unwrap();
    for (a, b) in d.hessian.iter().zip(&e.hessian) {
        assert!((a - b).abs() <= 1e-11 * wmax, "ω² {a} vs {b}");
    }
    // SSS = N_b − rank(S), with the rank from the singular values of S
    let sv = net.s_dense().singular_values().unwrap();
    let smax = sv.iter().copied().fold(0.0, f64::max);
    let rank = sv.iter().filter(|v| **v > 1e-9 * smax).count();
    assert_eq!(e.n_sss, net.n_bonds() - rank);
    assert_eq!(d.bond.len(), rank);
    assert!(d.min_hessian > 0.0);
    (net.n_rattlers(), d.n_sss)
}

#[test]
fn reduced_spectrum_equals_the_literal_bond_operator() {
    compare(&ipl::<2>(80, 5));
    compare(&ipl::<3>(160, 6));
    compare(&harmonic::<3>(96, 0.1, 8));
    // large enough (nd ≥ 600) for the two-stage eigensolver of `dense`
    compare(&ipl::<3>(250, 9));
    compare(&harmonic::<3>(240, 0.01, 10));
    let (rattlers, _) = compare(&harmonic::<2>(96, 0.002, 7));
    assert!(rattlers > 0, "low-pressure packing should have rattlers");
}

#[test]
fn unstressed_network_gives_a_projector() {
    // With u′ = 0 on every bond and stiffnesses k_α, M = Sᵀ diag(k) S, and
    // k^½ A k^½ = k^½ S M⁺ Sᵀ k^½ is the orthogonal projector onto the range of k^½ S:
    // eigenvalues 0 and 1, with rank(S) ones. Checked on the literal A with random k_α, and
    // the dense reduced route must find rank(S) non-zero eigenvalues of A.
    for (cfg, seed) in [
        (harmonic::<2>(64, 0.05, 9), 1u64),
        (harmonic::<2>(80, 0.01, 4), 2),
    ] {
        let mut net = Network::new(&cfg).unwrap();
        let mut rng = bondspace::rng::stream(seed, bondspace::rng::Purpose::Other, 0);
        for v in net.du.iter_mut() {
            *v = 0.0;
        }
        for v in net.d2u.iter_mut() {
            *v = 0.5 + 1.5 * rand::Rng::random::<f64>(&mut rng);
        }
        let (a, _) = explicit::bond_operator(&net).unwrap();
        let nb = net.n_bonds();
        let sk: Vec<f64> = net.d2u.iter().map(|k| k.sqrt()).collect();
        let b = faer::Mat::<f64>::from_fn(nb, nb, |i, j| sk[i] * a[(i, j)] * sk[j]);
        let ev = b.self_adjoint_eigenvalues(Side::Lower).unwrap();
        let ones = ev.iter().filter(|l| (*l - 1.0).abs() < 1e-9).count();
        for l in &ev {
            assert!(l.abs() < 1e-9 || (l - 1.0).abs() < 1e-9, "eigenvalue {l}");
        }
        let d = dense::spectrum(&net).unwrap();
        assert!(ones > 0);
        assert_eq!(ones, d.n_nonzero);
        assert_eq!(nb - ones, d.n_sss);
    }
}

fn check_slicing<const D: usize>(cfg: &Configuration<D>) {
    let net = Network::new(cfg).unwrap();
    let d = dense::spectrum(&net).unwrap();
    let (lo, hi) = (d.bond[0], *d.bond.last().unwrap());
    let le = bondspace::stats::log_edges(0.5 * lo, 2.0 * hi, 30).unwrap();
    let (wlo, whi) = (d.hessian[0], *d.hessian.last().unwrap());
    let we = bondspace::stats::log_edges(0.5 * wlo, 2.0 * whi, 30).unwrap();
    let c = slicing::counts(&net, &le, &we).unwrap();
    for k in 0..30 {
        let dl = d
            .bond
            .iter()
            .filter(|&&l| l > le[k] && l <= le[k + 1])
            .count();
        assert_eq!(c.lambda_counts[k], dl, "λ bin {k}");
        let dw = d
            .hessian
            .iter()
            .filter(|&&w| w >= we[k] && w < we[k + 1])
            .count();
        assert_eq!(c.omega2_counts[k], dw, "ω² bin {k}");
    }
    assert_eq!(c.lambda_counts.iter().sum::<usize>(), d.bond.len());
    assert_eq!(c.omega2_counts.iter().sum::<usize>(), d.hessian.len());
}

#[test]
fn slicing_counts_equal_dense_counts() {
    check_slicing(&ipl::<2>(200, 11));
    check_slicing(&ipl::<3>(200, 12));
    check_slicing(&harmonic::<2>(128, 0.002, 13));
    check_slicing(&harmonic::<3>(128, 0.1, 14));
}
