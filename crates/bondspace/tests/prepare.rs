//! Preparation: quenched IPL glasses and harmonic packings are force-balanced to the
//! documented tolerance, hit their target pressure, and are reproducible from the seed.

#![allow(clippy::needless_range_loop)]

use bondspace::prepare::{self, HarmonicOptions, IplOptions};
use bondspace::state;

fn hidden() -> bondspace::progress::NoProgress {
    bondspace::progress::NoProgress
}

#[test]
fn ipl_instant_quench_is_force_balanced() {
    let opt2 = IplOptions::defaults(2);
    let c2 = prepare::ipl_instant_quench::<2>(200, &opt2, 11, &hidden()).unwrap();
    let s2 = state::state(&c2).unwrap();
    assert!(s2.max_force <= 1e-10 * s2.typical_pair_force, "{s2:?}");
    assert!((s2.density - 0.70).abs() < 1e-12);

    let opt3 = IplOptions::defaults(3);
    let c3 = prepare::ipl_instant_quench::<3>(300, &opt3, 12, &hidden()).unwrap();
    let s3 = state::state(&c3).unwrap();
    assert!(s3.max_force <= 1e-10 * s3.typical_pair_force, "{s3:?}");
    assert!((s3.density - 0.58).abs() < 1e-12);
    // a quench lowers the energy far below the random start's
    assert!(s3.energy_per_particle < 10.0 && s3.energy_per_particle > 0.0);
    // the comment-line numbers describe the written state
    let written: f64 = c3.info["energy"].parse().unwrap();
    assert_eq!(written, s3.energy);
    // sizes: the deterministic multiset of p(λ) ∝ λ^-3 on [1, 2.22]
    let mut sizes = c3.sizes.clone();
    sizes.sort_by(f64::total_cmp);
    assert_eq!(sizes, prepare::ipl_sizes(300, 1.0, 2.22, -3.0).unwrap());
}

#[test]
fn size_multiset_follows_the_inverse_cdf() {
    let s = prepare::ipl_sizes(1000, 1.0, 2.22, -3.0).unwrap();
    // median of p ∝ λ^-3 on [1, 2.22]: F(λ) = (1 − λ^-2)/(1 − 2.22^-2) = 1/2
    let median = (1.0 - 0.5 * (1.0 - 2.22f64.powi(-2))).powf(-0.5);
    assert!((0.5 * (s[499] + s[500]) - median).abs() < 2e-3);
    assert!(s[0] > 1.0 && s[999] < 2.22);
}

#[test]
fn harmonic_packings_reach_the_target_pressure() {
    for (p, seed) in [(0.1, 1), (0.01, 2)] {
        let opt = HarmonicOptions {
            pressure: p,
            ..Default::default()
        };
        let c = prepare::harmonic_packing::<2>(128, &opt, seed, &hidden()).unwrap();
        let s = state::state(&c).unwrap();
        assert!((s.pressure / p - 1.0).abs() < 1e-6, "{s:?}");
        assert!(s.max_force <= 1e-10 * s.typical_pair_force, "{s:?}");
    }
    let opt = HarmonicOptions::default();
    let c = prepare::harmonic_packing::<3>(128, &opt, 3, &hidden()).unwrap();
    let s = state::state(&c).unwrap();
    assert!((s.pressure / 0.1 - 1.0).abs() < 1e-6, "{s:?}");
    assert!(s.max_force <= 1e-10 * s.typical_pair_force, "{s:?}");
    assert_eq!(c.sizes.iter().filter(|r| **r == 0.5).count(), 64);
}

#[test]
fn same_seed_same_configuration() {
    let opt = IplOptions::defaults(2);
    let a = prepare::ipl_instant_quench::<2>(100, &opt, 5, &hidden()).unwrap();
    let b = prepare::ipl_instant_quench::<2>(100, &opt, 5, &hidden()).unwrap();
    let c = prepare::ipl_instant_quench::<2>(100, &opt, 6, &hidden()).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.positions, c.positions);
}

/// Near jamming (issue 19): packings at p = 1e-5 (2D) and 1e-4 (3D) reach the pressure, are
/// balanced to max(1e-10 f_typ, the resolution of their positions), and the analysis accepts
/// them as balanced.
#[test]
fn harmonic_packings_near_jamming() {
    fn check<const D: usize>(n: usize, p: f64, seed: u64) {
        let opt = HarmonicOptions {
            pressure: p,
            ..Default::default()
        };
        let start = std::time::Instant::now();
        let c = prepare::harmonic_packing::<D>(n, &opt, seed, &hidden()).unwrap();
        let s = state::state(&c).unwrap();
        assert!((s.pressure / p - 1.0).abs() < 1e-6, "{s:?}");
        let l = c.simbox.lengths.iter().copied().fold(0.0, f64::max);
        assert_eq!(s.force_resolution, 4.0 * f64::EPSILON * l);
        assert!(
            s.max_force <= (1e-10 * s.typical_pair_force).max(s.force_resolution),
            "{s:?}"
        );
        assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
        let opt = bondspace::results::Options {
            positive_modulus: false,
            ..Default::default()
        };
        match bondspace::results::analyse(&c, &opt) {
            Ok(_) | Err(bondspace::Error::Unstable(_)) => {}
            Err(e) => panic!("D = {D}, p = {p}: {e}"),
        }
    }
    check::<2>(100, 1e-5, 1);
    check::<3>(100, 1e-4, 2);
}
