//! What every command shares: the value enums of the flags, parsing and validation helpers,
//! and the wording and exit status of errors.
//!
//! Exit status: 0 on success, 2 on bad usage or bad input (one line naming the problem),
//! 1 on any other failure (e.g. a minimiser that did not converge). The library's typed
//! errors are worded here, where the flags that would fix them are known.

use std::path::Path;

use bondspace::io::{Format, ReadOptions, SizeConvention};
use bondspace::operators::factor::Ordering;
use bondspace::spectra::Method;
use bondspace::{AnyConfiguration, Model, Temperature};

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
            format!(
                "invalid input: {e} (minimise it first: --minimize, or bondspace minimize; or pass --allow-unbalanced)"
            )
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
        E::NoModel { .. } => format!(
            "{e}: give it with --model ipl|harmonic|softsphere (and --param KEY=VALUE for its parameters)"
        ),
        E::NoSizes { .. } => {
            format!("{e}: name the size column with --size-column, or give --type-sizes")
        }
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

/// Pair model named on the command line (`--model` of the commands that read a file).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ModelName {
    /// Smoothed inverse power law (sizes λ_i).
    Ipl,
    /// Harmonic spheres (sizes are radii).
    Harmonic,
    /// Soft spheres (jax-md convention; sizes are radii).
    Softsphere,
}

/// Input format.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Extended XYZ.
    Xyz,
    /// LAMMPS data file.
    LammpsData,
    /// LAMMPS text dump.
    LammpsDump,
    /// HOOMD GSD.
    Gsd,
}

/// What the size numbers of a file are.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SizeArg {
    /// The model's size: λ_i for IPL, the radius for harmonic and soft spheres.
    Model,
    /// Radii (IPL λ_i = 2 r).
    Radius,
    /// Diameters (IPL λ_i = d; harmonic radius d/2).
    Diameter,
}

/// How a configuration file is read (shared by `inspect`, `minimize`, `spectrum`).
#[derive(clap::Args, Clone, Default)]
pub struct InputArgs {
    /// Frame of a multi-frame file, 0-based (negative: from the end) [default: the last].
    #[arg(long, allow_hyphen_values = true, value_name = "K")]
    pub frame: Option<i64>,
    /// Input format [default: from the content and the extension].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Pair model, for files that name none (LAMMPS, GSD, OVITO exports); overrides the file's.
    #[arg(long, value_enum)]
    pub model: Option<ModelName>,
    /// A parameter of --model, KEY=VALUE (repeatable): ipl_n, ipl_q, ipl_xc,
    /// nonadditivity, eps (ipl); k (harmonic); alpha, eps (softsphere).
    #[arg(long = "param", value_name = "KEY=VALUE", requires = "model")]
    pub params: Vec<String>,
    /// Column (extended XYZ, LAMMPS dump), per-atom field (LAMMPS data: diameter, charge) or
    /// GSD chunk (e.g. particles/charge) holding the sizes [default: size, radius, diameter].
    #[arg(long, value_name = "NAME")]
    pub size_column: Option<String>,
    /// What the size numbers are [default: radius for `radius`, diameter for `diameter`,
    /// the model's size otherwise].
    #[arg(long, value_enum)]
    pub size_convention: Option<SizeArg>,
    /// Sizes per particle type (type 1 first), for files without sizes (LAMMPS atomic).
    #[arg(long, value_delimiter = ',', value_name = "S1,S2,...")]
    pub type_sizes: Vec<f64>,
    /// Dimension of a LAMMPS or GSD file [default: 2 when every z is equal; GSD's own].
    #[arg(long = "input-dim", value_name = "D")]
    pub dim: Option<usize>,
}

impl InputArgs {
    /// The library's reader options.
    pub fn options(&self) -> anyhow::Result<ReadOptions> {
        let model = match self.model {
            None => None,
            Some(m) => {
                let name = match m {
                    ModelName::Ipl => "ipl",
                    ModelName::Harmonic => "harmonic",
                    ModelName::Softsphere => "softsphere",
                };
                let keys = Model::keys(name).unwrap_or(&[]);
                let mut kv = Vec::new();
                for p in &self.params {
                    let (k, v) = p
                        .split_once('=')
                        .ok_or_else(|| input_error(format!("--param {p:?}: expected KEY=VALUE")))?;
                    if !keys.contains(&k) {
                        return Err(input_error(format!(
                            "--param {k}: not a parameter of model {name} (its keys: {})",
                            keys.join(", ")
                        )));
                    }
                    kv.push((k.to_string(), v.to_string()));
                }
                let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                Some(
                    Model::from_params(name, &get)
                        .map_err(|e| input_error(format!("--model {name}: {e}")))?,
                )
            }
        };
        if self.dim.is_some_and(|d| d != 2 && d != 3) {
            return Err(input_error("--input-dim must be 2 or 3"));
        }
        Ok(ReadOptions {
            format: self.format.map(|f| match f {
                FormatArg::Xyz => Format::Xyz,
                FormatArg::LammpsData => Format::LammpsData,
                FormatArg::LammpsDump => Format::LammpsDump,
                FormatArg::Gsd => Format::Gsd,
            }),
            frame: self.frame,
            model,
            size_column: self.size_column.clone(),
            size_convention: self.size_convention.map(|c| match c {
                SizeArg::Model => SizeConvention::Model,
                SizeArg::Radius => SizeConvention::Radius,
                SizeArg::Diameter => SizeConvention::Diameter,
            }),
            type_sizes: self.type_sizes.clone(),
            dim: self.dim,
        })
    }

    /// Reads the configuration at `path` with these options.
    pub fn read(&self, path: &Path) -> anyhow::Result<AnyConfiguration> {
        let opt = self.options()?;
        Ok(bondspace::io::read_configuration(path, &opt)?)
    }
}
