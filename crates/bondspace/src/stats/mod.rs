//! Statistics: the one home of binning, fits, resampling and summary statistics, used by the
//! analysis of one configuration, the ensemble pooling, the report and the benchmarks.
//!
//! - [`bins`]: logarithmic bin edges and histograms, with one bin convention;
//! - [`fit`]: power laws fitted in log–log (least squares);
//! - [`resample`]: bootstrap standard errors over samples;
//! - [`summary`]: mean ± standard error, binned means and window means (the N·e profile in λ
//!   and its plateau).
//!
//! Everything here is a pure function on plain slices; nothing knows about configurations,
//! files or physics beyond what the argument names say.

pub mod bins;
pub mod fit;
pub mod resample;
pub mod summary;

pub use bins::{Histogram, add_counts, bin_of, log_edges};
pub use fit::{PowerLaw, power_law_fit, prefactor_fixed_exponent};
pub use resample::bootstrap;
pub use summary::{binned_means, mean_se, window_mean};
