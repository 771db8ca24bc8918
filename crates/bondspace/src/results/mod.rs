//! Results of one configuration: the analysis that computes them and the result directory
//! that holds them, written and read through this module only.
//!
//! - [`analysis`]: [`analyse`] / [`analyse_into`] with their [`Options`], the checks before
//!   (force balance, memory) and the stages (spectrum, modes and PHMs, dipoles,
//!   participation);
//! - [`files`]: every file and array name of a result directory;
//! - [`summary`]: the typed `summary.json` ([`Summary`], [`ModesSummary`]);
//! - [`write`](mod@write): the writers (each file atomic, `summary.json` last);
//! - [`read`]: the typed readers and the per-sample [`SampleRecord`] that ensembles pool.
//!
//! Adding a result is one edit per layer: its field or array name here, its writer and its
//! reader; nothing above this floor spells a file name.

pub mod analysis;
pub mod files;
pub mod read;
pub mod summary;
pub mod write;

pub use analysis::{
    Analysis, DEFAULT_BALANCE_TOL, ModeResults, Options, analyse, analyse_into, lambda_bins,
    omega_bins,
};
pub use read::{Decay, McSummary, Profiles, SampleRecord, read_summary};
pub use summary::{ModesSummary, Summary};
pub use write::write_results;
