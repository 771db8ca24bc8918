//! # bondspace
//!
//! Computer glasses and their bond-force-response operator A = S M⁺ Sᵀ (Giannini, Richard,
//! Manning & Lerner 2021). The library follows the pipeline:
//!
//! | stage | module |
//! |---|---|
//! | configurations & files | [`config`], [`io`] |
//! | pair models (potentials) | [`models`] |
//! | neighbours, bonds, rattlers | [`neighbours`] |
//! | operators S, M, K; the sparse factor of the pinned Hessian | [`operators`] |
//! | spectra (explicit, dense, slicing, Lanczos) | [`spectra`] |
//! | modes of A, participation, pseudo-harmonic modes, decay, dipoles | [`modes`] |
//! | measures (a₀, G, c_s, ω₀, λ₀, ω_ph; ensemble statistics) | [`measures`] |
//! | one-configuration analysis and its result files | [`analysis`] |
//! | ensembles: groups × samples, resume, shards, merge, pooling | [`ensemble`] |
//! | report: figures (PNG, SVG), report.md / report.html | [`report`] |
//! | mechanical state (energy, pressure, forces) | [`state`] |
//! | preparation (minimisers, packings, glasses) | [`prepare`] |
//! | random streams | [`rng`] |
//! | progress reporting | [`progress`] |
//! | available and peak memory | [`resources`] |
//!
//! The command-line tool `bondspace` is a thin layer over these modules.

#![warn(missing_docs)]
// Index loops over the D components read like the physics they implement.
#![allow(clippy::needless_range_loop)]

pub mod analysis;
pub mod config;
pub mod ensemble;
pub mod error;
pub mod geometry;
pub mod io;
pub mod measures;
pub mod models;
pub mod modes;
pub mod neighbours;
pub mod operators;
pub mod prepare;
pub mod progress;
pub mod report;
pub mod resources;
pub mod rng;
pub mod spectra;
pub mod state;

pub use config::{AnyConfiguration, Configuration, SimBox};
pub use error::{Error, Result};
pub use models::{Model, PairPotential};
