//! # bondspace
//!
//! Computer glasses and their bond-force-response operator A = S M⁺ Sᵀ (Giannini, Richard,
//! Manning & Lerner 2021). The library follows the pipeline, one floor per folder, each
//! importing only from the floors below it:
//!
//! | floor | modules |
//! |---|---|
//! | foundation | [`error`], [`stats`], [`progress`], [`rng`], [`resources`], [`geometry`] |
//! | pair models (potentials) | [`models`] |
//! | configurations & files | [`config`], [`io`] |
//! | neighbours, bonds, rattlers; mechanical state | [`neighbours`], [`state`] |
//! | preparation (minimisers, SWAP Monte Carlo, packings) | [`prepare`] |
//! | operators S, M, K; the sparse factor of the pinned Hessian | [`operators`] |
//! | spectra (explicit, dense, slicing, Lanczos) | [`spectra`] |
//! | measures (a₀, G, c_s, ω₀, λ₀, ω_ph), then modes of A (participation, PHMs, decay, dipoles) | [`measures`], [`modes`] |
//! | results of one configuration: the analysis and its result directory | [`results`] |
//! | ensembles: groups × samples, batches, resume, shards, merge, pooling, presets | [`ensemble`] |
//!
//! The report (figures, `report.md`) is the crate `bondspace-report`, the command-line tool
//! `bondspace` the crate `bondspace-cli`; both are thin layers over this library, which knows
//! nothing of flags, terminals or plotting.
//!
//! ## Example
//!
//! Read a configuration, compute its spectrum and its three highest-λ modes, print λ:
//!
//! ```
//! use bondspace::{io::xyz, results, with_dim};
//! # let dir = std::env::temp_dir().join(format!("bondspace-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("glass.xyz");
//! # let opt = bondspace::prepare::IplOptions::defaults(2);
//! # let glass = bondspace::prepare::ipl_instant_quench::<2>(64, &opt, 1, bondspace::progress::SILENT).unwrap();
//! # xyz::write_xyz(&glass, &path).unwrap();
//! let cfg = xyz::read_xyz(&path)?; // a glass written by `bondspace prepare`
//! let opt = results::Options { modes: 3, ..Default::default() };
//! with_dim!(&cfg, c => {
//!     let a = results::analyse(c, &opt)?;
//!     println!("{} non-zero λ, λ₀ = {:.4}", a.spectrum.bond.len(), a.scales.lambda_0);
//!     for l in &a.modes.as_ref().unwrap().modes.lambda {
//!         println!("λ/λ₀ = {:.3}", l / a.scales.lambda_0);
//!     }
//! });
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), bondspace::Error>(())
//! ```

#![warn(missing_docs)]
// Index loops over the D components read like the physics they implement.
#![allow(clippy::needless_range_loop)]

pub mod bench;
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
pub mod resources;
pub mod results;
pub mod rng;
pub mod spectra;
pub mod state;
pub mod stats;

pub use config::{AnyConfiguration, Configuration, SimBox};
pub use error::{Error, Result};
pub use models::{Model, PairPotential};
pub use prepare::Temperature;

/// Runs `$body` with the const `$D` bound to a run-time dimension `$dim` (2 or 3), so that
/// generic code is compiled per dimension; evaluates to an [`Error::Invalid`] for any other
/// dimension (the body must then be a [`Result`]).
#[macro_export]
macro_rules! with_dim_const {
    ($dim:expr, $D:ident => $body:expr) => {
        match $dim {
            2 => {
                const $D: usize = 2;
                $body
            }
            3 => {
                const $D: usize = 3;
                $body
            }
            d => Err($crate::Error::Invalid(format!(
                "dimension {d}: only 2 and 3 are supported"
            ))),
        }
    };
}
