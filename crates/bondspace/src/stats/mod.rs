//! Statistics: the one home of binning, fits, resampling and summary statistics, used by the
//! analysis of one configuration, the ensemble pooling, the report and the benchmarks.
//!
//! - [`bins`]: logarithmic bin edges and histograms, with one bin convention;
//! - [`fit`]: power laws fitted in log–log (least squares: guides and regressions of
//!   per-mode values, never a density's exponent);
//! - [`powerlaw`]: maximum-likelihood power laws of spectra (tail above a data-chosen
//!   λ_min, binned counts, a truncated window) and the count-based prefactor;
//! - [`resample`]: bootstrap standard errors over samples;
//! - [`summary`]: mean ± standard error, binned means and window means (the N·e profile in λ
//!   and its plateau).
//!
//! Everything here is a pure function on plain slices; nothing knows about configurations,
//! files or physics beyond what the argument names say.

pub mod bins;
pub mod fit;
pub mod powerlaw;
pub mod resample;
pub mod summary;

pub use bins::{Histogram, add_counts, bin_of, log_edges};
pub use fit::{PowerLaw, power_law_fit, prefactor_fixed_exponent};
pub use powerlaw::{
    BinnedSample, PowerLawMle, binned_tail_fit_ks, binned_tail_mle, binned_window_mle,
    flattest_window, golden_section_max, prefactor_from_count, tail_fit_ks, tail_mle,
    truncated_mle,
};
pub use resample::{bootstrap, bootstrap_many, bootstrap_rms};
pub use summary::{binned_means, lag1_correlation, mean_se, window_mean};
