//! Small configurations shared by the integration tests.

#![allow(dead_code)]

use bondspace::Configuration;
use bondspace::prepare::{self, HarmonicOptions, IplOptions};

/// A progress bar that draws nothing.
pub fn hidden() -> bondspace::progress::NoProgress {
    bondspace::progress::NoProgress
}

/// An instantly quenched IPL glass of `n` particles.
pub fn ipl<const D: usize>(n: usize, seed: u64) -> Configuration<D> {
    prepare::ipl_instant_quench::<D>(n, &IplOptions::defaults(D), seed, &hidden()).unwrap()
}

/// A harmonic-sphere packing of `n` particles at pressure `p`.
pub fn harmonic<const D: usize>(n: usize, p: f64, seed: u64) -> Configuration<D> {
    let opt = HarmonicOptions {
        pressure: p,
        ..Default::default()
    };
    prepare::harmonic_packing::<D>(n, &opt, seed, &hidden()).unwrap()
}
