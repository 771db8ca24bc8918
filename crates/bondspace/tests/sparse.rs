//! The sparse route for large systems: the pinned-Hessian factor with either ordering (AMD,
//! METIS nested dissection) against dense linear algebra, and the top of the spectrum by
//! Lanczos on C = L⁻¹ P K̃ Pᵀ L⁻ᵀ against the dense reduced eigenproblem.

#![allow(clippy::needless_range_loop)]

use bondspace::Configuration;
use bondspace::operators::Network;
use bondspace::operators::factor::{Ordering, PinnedCholesky};
use bondspace::spectra::{dense, lanczos};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::{Mat, MatMut};

mod common;
use common::{harmonic, ipl};

const ORDERINGS: [Ordering; 2] = [Ordering::Metis, Ordering::Amd];

/// M̃ x = b solved by the factor equals the dense solve, and the factor is no larger than
/// dense.
fn check_solve<const D: usize>(cfg: &Configuration<D>) {
    let net = Network::new(cfg).unwrap();
    let m = net.ndof() - D;
    let mp = net.dense(true, m);
    let b: Vec<f64> = (0..m).map(|i| ((i * 7 + 3) % 11) as f64 - 5.0).collect();
    for ord in ORDERINGS {
        let f = PinnedCholesky::new(&net, ord).unwrap();
        assert_eq!(f.dim(), m);
        assert!(f.info().nnz_l <= m * (m + 1) / 2 + m * D);
        let mut x = b.clone();
        let mut mem = MemBuffer::new(f.scratch(1));
        f.solve_in_place(
            MatMut::from_column_major_slice_mut(&mut x, m, 1),
            MemStack::new(&mut mem),
        );
        // residual of the dense M̃ x − b
        let xm = Mat::<f64>::from_fn(m, 1, |r, _| x[r]);
        let r = &mp * &xm;
        let err = (0..m)
            .map(|i| (r[(i, 0)] - b[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        let nb = b.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(err < 1e-9 * nb, "{ord:?}: residual {err:e}");
        // the split halves: Pᵀ L⁻ᵀ L⁻¹ P b = M̃⁻¹ b
        let mut y = vec![0.0; m];
        f.permute(&b, &mut y);
        f.l_solve_in_place(
            MatMut::from_column_major_slice_mut(&mut y, m, 1),
            MemStack::new(&mut mem),
        );
        f.lt_solve_in_place(
            MatMut::from_column_major_slice_mut(&mut y, m, 1),
            MemStack::new(&mut mem),
        );
        let mut z = vec![0.0; m];
        f.unpermute(&y, &mut z);
        let diff = z
            .iter()
            .zip(&x)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let xmax = x.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        assert!(
            diff < 1e-10 * xmax,
            "{ord:?}: split solve differs by {diff:e}"
        );
    }
}

#[test]
fn factor_solves_equal_dense_solves() {
    check_solve(&ipl::<2>(120, 2));
    check_solve(&ipl::<3>(200, 3));
    // rattlers removed, pinned particle included
    check_solve(&harmonic::<2>(96, 0.002, 7));
}

/// The top-K λ by Lanczos on C equal the top of the dense reduced spectrum to 1e-10, for
/// both orderings, and the displacements are M̃-normalised eigenvectors.
fn check_top<const D: usize>(cfg: &Configuration<D>, k: usize) {
    let net = Network::new(cfg).unwrap();
    let spec = dense::spectrum(&net).unwrap();
    let want: Vec<f64> = spec.bond.iter().rev().take(k).copied().collect();
    let m = net.ndof() - D;
    for ord in ORDERINGS {
        let f = PinnedCholesky::new(&net, ord).unwrap();
        let top = lanczos::top_eigenpairs(&net, &f, k).unwrap();
        for i in 0..k {
            let rel = (top.lambda[i] - want[i]).abs() / want[i];
            assert!(
                rel < 1e-10,
                "{ord:?} mode {i}: {} vs {} ({rel:e})",
                top.lambda[i],
                want[i]
            );
            // D̃ᵀ K̃ D̃ = λ and D̃ᵀ M̃ D̃ = 1
            let mut full = vec![0.0; net.ndof()];
            full[..m].copy_from_slice(&top.displacement[i]);
            let mut out = vec![0.0; net.ndof()];
            net.apply_hessian(&full, &mut out);
            let mnorm: f64 = full.iter().zip(&out).map(|(a, b)| a * b).sum();
            net.apply_k(&full, &mut out);
            let knorm: f64 = full.iter().zip(&out).map(|(a, b)| a * b).sum();
            assert!((mnorm - 1.0).abs() < 1e-9, "{ord:?}: D̃ᵀM̃D̃ = {mnorm}");
            assert!((knorm - top.lambda[i]).abs() < 1e-9 * top.lambda[i]);
        }
    }
}

#[test]
fn lanczos_top_equals_dense_top() {
    check_top(&ipl::<2>(150, 5), 10);
    check_top(&ipl::<3>(300, 6), 12);
    check_top(&harmonic::<3>(200, 0.01, 2), 8);
}

/// The check at the paper's size: at N = 2000 in 3D the top-50 λ of the sparse route
/// (METIS factor, Lanczos on C, then the modes of A) equal the top of the dense reduced
/// spectrum to 1e-8 relative, and the residuals of A are small.
#[test]
fn sparse_top_50_equals_dense_top_50_at_n_2000() {
    use bondspace::measures::elastic::HessianSolver;
    use bondspace::modes::bond::top_modes_with;
    let cfg = ipl::<3>(2000, 1);
    let net = Network::new(&cfg).unwrap();
    let (ev, _) = dense::bond_eigenvalues(&net).unwrap();
    let want: Vec<f64> = ev.iter().rev().take(50).copied().collect();
    let solver = HessianSolver::with_ordering(&net, Ordering::Metis).unwrap();
    let modes = top_modes_with(&net, &solver, 50).unwrap();
    assert!(modes.lanczos_products > 0, "the Lanczos route was used");
    for (i, (a, b)) in modes.lambda.iter().zip(&want).enumerate() {
        assert!((a - b).abs() < 1e-8 * b, "mode {i}: {a} vs {b}");
    }
    assert!(
        modes.residual.iter().all(|&r| r < 1e-8),
        "{:?}",
        modes.residual
    );
}

/// The block iteration splits its solves and dense products in fixed tasks: the top modes
/// have the same bits on one thread as on several.
#[test]
fn top_eigenpairs_do_not_depend_on_the_thread_count() {
    let cfg = ipl::<3>(400, 4);
    let net = Network::new(&cfg).unwrap();
    let f = PinnedCholesky::new(&net, Ordering::Metis).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| lanczos::top_eigenpairs(&net, &f, 20).unwrap())
    };
    let (one, three) = (run(1), run(3));
    assert_eq!(one.products, three.products);
    for (a, b) in one.lambda.iter().zip(&three.lambda) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
    for (a, b) in one.displacement.iter().zip(&three.displacement) {
        assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
}

/// The numeric factorization runs in fixed tasks: its values have the same bits on one
/// thread as on several.
#[test]
fn the_factor_does_not_depend_on_the_thread_count() {
    let cfg = ipl::<3>(1500, 8);
    let net = Network::new(&cfg).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| PinnedCholesky::new(&net, Ordering::Metis).unwrap())
    };
    let (one, three) = (run(1), run(3));
    assert_eq!(one.values().len(), three.values().len());
    assert!(
        one.values()
            .iter()
            .zip(three.values())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(one.info().nnz_structural < one.info().nnz_l);
}

/// The tree-parallel block solves (`operators::solve`) equal faer's supernodal solves to
/// round-off, for a block of 20 columns (a pass of 16 and a padded one of 4), with the same
/// bits on one thread as on three; the plan cuts this tree into a top and groups.
#[test]
fn block_solves_equal_faer_solves_for_any_thread_count() {
    let cfg = ipl::<3>(1500, 8);
    let net = Network::new(&cfg).unwrap();
    let f = PinnedCholesky::new(&net, Ordering::Metis).unwrap();
    let (m, k) = (f.dim(), 20);
    let x0: Vec<f64> = (0..m * k)
        .map(|i| ((i * 7919 + 13) % 1009) as f64 / 1009.0 - 0.5)
        .collect();
    let (groups, top) = f.solve_plan_shape();
    assert!(
        groups > 1 && top > 0,
        "{groups} groups, {top} top supernodes"
    );
    let mut mem = MemBuffer::new(f.scratch(k));
    for transposed in [false, true] {
        let mut want = x0.clone();
        let xm = MatMut::from_column_major_slice_mut(&mut want, m, k);
        if transposed {
            f.lt_solve_in_place(xm, MemStack::new(&mut mem));
        } else {
            f.l_solve_in_place(xm, MemStack::new(&mut mem));
        }
        let run = |threads: usize| {
            let mut x = x0.clone();
            let mut work = f.solve_work();
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    if transposed {
                        f.lt_solve_block(&mut x, &mut work)
                    } else {
                        f.l_solve_block(&mut x, &mut work)
                    }
                });
            x
        };
        let (one, three) = (run(1), run(3));
        assert!(
            one.iter()
                .zip(&three)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        for (a, b) in one.chunks(m).zip(want.chunks(m)) {
            let diff = a
                .iter()
                .zip(b)
                .map(|(p, q)| (p - q).abs())
                .fold(0.0, f64::max);
            let scale = b.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            assert!(
                diff <= 1e-12 * scale,
                "transposed {transposed}: {diff:e} of {scale:e}"
            );
        }
    }
}

/// With every bond repulsive, rank(S) is known without a factorization
/// (`spectra::repulsive_rank`): it equals the inertia count of the pencil, on IPL glasses and
/// on a harmonic packing (rattlers removed).
#[test]
fn repulsive_rank_equals_the_inertia_count() {
    use bondspace::spectra::{hessian_bound, repulsive_rank, slicing};
    fn check<const D: usize>(cfg: &Configuration<D>) {
        let net = Network::new(cfg).unwrap();
        let t = 1e-9 / hessian_bound(&net);
        let known = repulsive_rank(&net, t).expect("every bond is repulsive");
        assert_eq!(known, net.ndof() - D);
        let mut inertia = slicing::InertiaCounter::new(
            &net,
            &net.hessian_pinned().unwrap(),
            &net.k_pinned().unwrap(),
            Ordering::Metis,
        )
        .unwrap();
        assert_eq!(known, inertia.negative_count(-1.0 / t).unwrap());
        // a threshold above 1/u″_max is not answered
        let kmax = net.d2u.iter().copied().fold(0.0, f64::max);
        assert!(repulsive_rank(&net, 2.0 / kmax).is_none());
    }
    check(&ipl::<3>(300, 6));
    check(&ipl::<2>(200, 3));
    check(&harmonic::<3>(200, 0.01, 2));
}

/// The block iteration may stop between restarts (when the residual estimates from the
/// coupling to the pending block say so and the exact residuals confirm it): over a range of
/// K, some runs stop there and every run's top λ equal the dense reduced spectrum to 1e-10.
#[test]
fn block_iteration_stops_between_restarts_with_exact_results() {
    let cfg = ipl::<3>(600, 9);
    let net = Network::new(&cfg).unwrap();
    let spec = dense::spectrum(&net).unwrap();
    let f = PinnedCholesky::new(&net, Ordering::Metis).unwrap();
    let mut between = 0;
    for k in [1, 2, 3, 5, 8, 13, 21, 30] {
        let top = lanczos::top_eigenpairs(&net, &f, k).unwrap();
        let want: Vec<f64> = spec.bond.iter().rev().take(k).copied().collect();
        for i in 0..k {
            let rel = (top.lambda[i] - want[i]).abs() / want[i];
            assert!(rel < 1e-10, "K = {k}, mode {i}: {rel:e}");
        }
        if top.early_stop {
            between += 1;
        }
    }
    assert!(between > 0, "no run stopped between restarts");
}
