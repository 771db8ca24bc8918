//! What every command shares: the value enums of the flags, parsing and validation helpers,
//! and the wording and exit status of errors.
//!
//! Exit status: 0 on success, 2 on bad usage or bad input (one line naming the problem),
//! 1 on any other failure (e.g. a minimiser that did not converge). The library's typed
//! errors are worded here, where the flags that would fix them are known.

use bondspace::Temperature;
use bondspace::operators::factor::Ordering;
use bondspace::spectra::Method;

/// An error that should exit with status 2 (bad usage or input).
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// A bad-usage error (exit status 2).
pub fn input_error(msg: impl Into<String>) -> anyhow::Error {
    InputError(msg.into()).into()
}

/// The one-line message and the exit status of a failed command.
pub fn report_error(e: &anyhow::Error) -> (String, u8) {
    let mut parts = Vec::new();
    let mut input = false;
    for cause in e.chain() {
        if let Some(b) = cause.downcast_ref::<bondspace::Error>() {
            input |= b.is_input_error();
            // the library's message already includes its sources
            parts.push(wording(b));
            break;
        }
        input |= cause.downcast_ref::<InputError>().is_some();
        parts.push(cause.to_string());
    }
    (parts.join(": "), if input { 2 } else { 1 })
}

/// A library error in the words of the command line (naming the flag that would help).
fn wording(e: &bondspace::Error) -> String {
    use bondspace::Error as E;
    match e {
        E::NotBalanced { .. } => {
            format!("invalid input: {e} (minimise it first, or pass --allow-unbalanced)")
        }
        E::MemoryExceeded { .. } => {
            format!("invalid input: {e}: use --method slicing (and --modes) for large systems")
        }
        E::TooManyModes {
            requested,
            available,
        } => format!(
            "invalid input: --modes {requested} exceeds the {available} non-zero eigenvalues of A"
        ),
        E::Unstable(_) => format!("invalid input: {e}"),
        _ => e.to_string(),
    }
}

/// Model of `ensemble`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ModelArg {
    /// IPL glasses.
    Ipl,
    /// Harmonic-sphere packings.
    Harmonic,
}

/// Spectrum method.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// Reduced generalized eigenproblem.
    Dense,
    /// Literal A.
    Explicit,
    /// Counts by inertia.
    Slicing,
    /// Top modes only.
    Sparse,
    /// By size.
    Auto,
}

impl MethodArg {
    /// The library's method.
    pub fn method(self) -> Method {
        match self {
            MethodArg::Dense => Method::Dense,
            MethodArg::Explicit => Method::Explicit,
            MethodArg::Slicing => Method::Slicing,
            MethodArg::Sparse => Method::Sparse,
            MethodArg::Auto => Method::Auto,
        }
    }
}

/// Fill-reducing ordering.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum OrderingArg {
    /// METIS nested dissection.
    Metis,
    /// Approximate minimum degree.
    Amd,
}

impl OrderingArg {
    /// The library's ordering.
    pub fn ordering(self) -> Ordering {
        match self {
            OrderingArg::Metis => Ordering::Metis,
            OrderingArg::Amd => Ordering::Amd,
        }
    }
}

/// `--tp`: a positive number or `inf`.
pub fn parse_tp(tp: &str) -> anyhow::Result<Temperature> {
    let v: f64 = tp
        .parse()
        .map_err(|_| input_error(format!("--tp {tp:?} is not a number or 'inf'")))?;
    Temperature::new(v).map_err(|_| {
        input_error(format!(
            "--tp {tp}: the parent temperature must be positive (or 'inf')"
        ))
    })
}

/// `--shard I/N` with 0 ≤ I < N; (0, 1) when absent.
pub fn parse_shard(shard: Option<&str>) -> anyhow::Result<(usize, usize)> {
    let Some(s) = shard else {
        return Ok((0, 1));
    };
    let bad = || input_error(format!("--shard {s:?}: expected I/N with 0 ≤ I < N"));
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// `--samples` at least 1.
pub fn check_samples(samples: usize) -> anyhow::Result<()> {
    if samples == 0 {
        return Err(input_error("--samples must be at least 1"));
    }
    Ok(())
}

/// `--phm` needs `--modes K`.
pub fn check_phm(phm: bool, modes: usize) -> anyhow::Result<()> {
    if phm && modes == 0 {
        return Err(input_error("--phm needs --modes K (K > 0)"));
    }
    Ok(())
}

/// `--pressure` positive.
pub fn check_pressure(p: f64) -> anyhow::Result<()> {
    if !(p.is_finite() && p > 0.0) {
        return Err(input_error("--pressure must be positive"));
    }
    Ok(())
}
