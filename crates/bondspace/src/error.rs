//! Error type shared by the whole library.
//!
//! Every failure that a user can cause (a malformed file, an impossible request, a run that
//! does not converge) is an [`Error`] with a one-line message; nothing in the library panics
//! on bad input. The variants are typed so that a front end can react to them (the CLI maps
//! them to wording and exit statuses, a Python module to exceptions): messages describe the
//! problem in the library's terms and never name a command-line flag.
//! [`Error::is_input_error`] tells which errors are caused by the input.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// All errors the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be parsed: names the file, the 1-based line and the problem.
    #[error("{}:{line}: {problem}", file.display())]
    Parse {
        /// The file being read.
        file: PathBuf,
        /// 1-based line number (0 when the problem is not tied to a line).
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A configuration file names no pair model (no `model=` key, or a format that has none):
    /// the model must be given with the reader's options.
    #[error("{}:{line}: missing model= key: the file names no pair model", file.display())]
    NoModel {
        /// The file being read.
        file: PathBuf,
        /// 1-based line of the frame's header (0 for binary files).
        line: usize,
    },
    /// A configuration file has no per-particle size: no column or field the reader knows
    /// (`size`, `radius`, `diameter`) and none named in the reader's options.
    #[error("{}:{line}: no particle sizes: {detail}", file.display())]
    NoSizes {
        /// The file being read.
        file: PathBuf,
        /// 1-based line of the frame's header (0 for binary files).
        line: usize,
        /// What the file has instead (its columns or fields).
        detail: String,
    },
    /// Input that parses but makes no physical sense (non-positive box, box too small, an
    /// impossible request, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The configuration is not force-balanced: max |F_i| exceeds `tolerance` × the typical
    /// pair force.
    #[error(
        "the configuration is not force-balanced: max force {max_force:.3e} exceeds \
         {tolerance:e} × the typical pair force {typical_force:.3e}"
    )]
    NotBalanced {
        /// max_i |F_i|.
        max_force: f64,
        /// The relative tolerance.
        tolerance: f64,
        /// The typical pair force (mean |u′| over the bonds).
        typical_force: f64,
    },
    /// The configuration is mechanically unstable (the pinned Hessian is not positive
    /// definite, or the Hessian has a negative eigenvalue).
    #[error("{0}")]
    Unstable(String),
    /// An analysis needs more memory than is available.
    #[error(
        "{what} needs about {:.1} GiB, more than the {:.1} GiB available",
        need / 1024f64.powi(3),
        available / 1024f64.powi(3)
    )]
    MemoryExceeded {
        /// What needs the memory (e.g. "method dense for nd = 6000").
        what: String,
        /// Bytes needed.
        need: f64,
        /// Bytes available.
        available: f64,
    },
    /// More modes were requested than A has non-zero eigenvalues.
    #[error("{requested} modes requested, but A has only {available} non-zero eigenvalues")]
    TooManyModes {
        /// Modes requested.
        requested: usize,
        /// Non-zero eigenvalues of A.
        available: usize,
    },
    /// An iterative method stopped before reaching its tolerance.
    #[error("{method} did not converge after {iterations} iterations: {detail}")]
    NotConverged {
        /// The method (FIRE, CG, ...).
        method: &'static str,
        /// Iterations performed.
        iterations: usize,
        /// Residual and tolerance, in words.
        detail: String,
    },
    /// A numerical failure (a factorization that should succeed did not).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// True for errors caused by the user's input (exit status 2 in the CLI).
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::Parse { .. }
            | Error::NoModel { .. }
            | Error::NoSizes { .. }
            | Error::Invalid(_)
            | Error::NotBalanced { .. }
            | Error::Unstable(_)
            | Error::MemoryExceeded { .. }
            | Error::TooManyModes { .. } => true,
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            Error::NotConverged { .. } | Error::Numerical(_) => false,
        }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for an [`Error::Parse`].
    pub fn parse(file: impl Into<PathBuf>, line: usize, problem: impl Into<String>) -> Self {
        Error::Parse {
            file: file.into(),
            line,
            problem: problem.into(),
        }
    }
}
