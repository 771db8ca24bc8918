//! Error type shared by the whole library.
//!
//! Every failure that a user can cause (a malformed file, an impossible option, a run that does
//! not converge) is an [`Error`] with a one-line message; nothing in the library panics on bad
//! input. [`Error::is_input_error`] tells the CLI which exit status to use (2 for bad input).

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// All errors the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be parsed: names the file, the 1-based line and the problem.
    #[error("{}:{line}: {msg}", file.display())]
    Parse {
        /// The file being read.
        file: PathBuf,
        /// 1-based line number (0 when the problem is not tied to a line).
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// Input that parses but makes no physical sense (non-positive box, box too small, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
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
        matches!(self, Error::Parse { .. } | Error::Invalid(_))
            || matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
