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
         {tolerance:e} × the typical pair force {typical_force:.3e} (and the resolution of \
         its positions, {resolution:.3e})"
    )]
    NotBalanced {
        /// The smallest max force its double-precision positions resolve
        /// ([`crate::config::Configuration::force_resolution`]).
        resolution: f64,
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
    /// The job was asked to stop ([`crate::progress::Progress::cancelled`]).
    #[error("interrupted")]
    Interrupted,
    /// A directory is in use by another process (its advisory lock is held).
    #[error(
        "{} is in use by another bondspace process{}: wait for it to finish, or use another \
         directory",
        path.display(),
        pid.map_or(String::new(), |p| format!(" (PID {p})"))
    )]
    Busy {
        /// The directory.
        path: PathBuf,
        /// The process holding the lock, when its lock file names it.
        pid: Option<u32>,
    },
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
            | Error::TooManyModes { .. }
            | Error::Busy { .. } => true,
            Error::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
            ),
            Error::NotConverged { .. } | Error::Numerical(_) | Error::Interrupted => false,
        }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for an [`Error::Parse`]; long tokens of the problem (echoed file content) are
    /// cut to an [`excerpt`].
    pub fn parse(file: impl Into<PathBuf>, line: usize, problem: impl Into<String>) -> Self {
        Error::Parse {
            file: file.into(),
            line,
            problem: shorten_tokens(&problem.into(), EXCERPT_CHARS + 8),
        }
    }
}

/// Longest excerpt of a user's token (a file's content, a flag's value) that a message echoes.
pub const EXCERPT_CHARS: usize = 40;

/// `token` as a message may echo it: at most [`EXCERPT_CHARS`] characters, then `…` when cut
/// (a malformed file can hold a million-digit "number").
pub fn excerpt(token: &str) -> String {
    match token.char_indices().nth(EXCERPT_CHARS) {
        None => token.to_string(),
        Some((cut, _)) => format!("{}…", &token[..cut]),
    }
}

/// `text` with every whitespace-separated token longer than `longest` characters cut to an
/// [`excerpt`] (spaces between the tokens are kept).
pub fn shorten_tokens(text: &str, longest: usize) -> String {
    if text.len() <= longest {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len().min(4096));
    // the token so far (at most `longest` + 1 characters kept) and its length
    let (mut token, mut chars) = (String::new(), 0usize);
    let flush = |token: &mut String, chars: &mut usize, out: &mut String| {
        if *chars > longest {
            out.push_str(&excerpt(token));
        } else {
            out.push_str(token);
        }
        token.clear();
        *chars = 0;
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut token, &mut chars, &mut out);
            out.push(c);
        } else {
            if chars <= longest {
                token.push(c);
            }
            chars += 1;
        }
    }
    flush(&mut token, &mut chars, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tokens_are_cut() {
        let msg = format!("found {:?} here", "9".repeat(1_000_000));
        let short = shorten_tokens(&msg, 48);
        assert!(short.len() < 100, "{short}");
        assert!(short.starts_with("found \"999") && short.ends_with("… here"));
        assert_eq!(shorten_tokens("a b  c", 48), "a b  c");
        let e = Error::parse("f.xyz", 1, msg);
        assert!(e.to_string().len() < 120);
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt("1.5"), "1.5");
        let long = "7".repeat(1_000_000);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        // multi-byte characters are never split
        assert_eq!(excerpt(&"é".repeat(50)).chars().count(), EXCERPT_CHARS + 1);
    }
}
