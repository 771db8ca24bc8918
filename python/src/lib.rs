//! `bondspace._native`: the Python extension module of bondspace, a thin layer over the
//! library (no physics here).
//!
//! It owns the conversions between numpy arrays and the library's types, the mapping of the
//! library's errors onto Python exceptions (bad input → `ValueError` with the library's
//! one-line message, a missing file → `FileNotFoundError`, any other failure →
//! `RuntimeError`, a stopped job → `KeyboardInterrupt`), and the running of long calls: each
//! runs on a worker thread with the GIL released, while the calling thread polls every
//! 50 ms for Ctrl-C (which cancels the job through [`Progress::cancelled`]) and forwards
//! progress to an optional Python callback `callback(done, total, message)`.
//!
//! The Python package `bondspace` (python/bondspace/__init__.py) wraps this module with the
//! documented API (SciPy sparse matrices, the `LinearOperator` of A, ASE conversion).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use bondspace::config::{AnyConfiguration, Configuration};
use bondspace::geometry::SimBox;
use bondspace::io::{Format, ReadOptions, SizeConvention};
use bondspace::measures::elastic::HessianSolver;
use bondspace::operators::Network;
use bondspace::operators::factor::Ordering;
use bondspace::prepare::{self, HarmonicOptions, IplOptions, QuenchOptions, SwapOptions};
use bondspace::progress::Progress;
use bondspace::results::arrays::{self, ArrayData, NamedArray};
use bondspace::results::{self, Options};
use bondspace::spectra::Method;
use bondspace::{Error, Model, Temperature, with_dim, with_dim_const};
use faer::sparse::SparseColMat;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyboardInterrupt, PyOSError, PyRuntimeError,
    PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

// ---------------------------------------------------------------------------------------------
// errors and long calls

/// The Python exception of a library error (same one-line message as the CLI, without the
/// CLI's advice on flags).
fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match &e {
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(msg)
        }
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::IsADirectory => {
            PyIsADirectoryError::new_err(msg)
        }
        Error::Io { .. } => PyOSError::new_err(msg),
        // another process holds the output directory's lock: not the input's fault
        Error::Busy { .. } => PyRuntimeError::new_err(msg),
        _ if e.is_input_error() => PyValueError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

fn invalid(msg: impl Into<String>) -> PyErr {
    to_py(Error::Invalid(msg.into()))
}

/// Progress of a job on the worker thread, read by the polling thread.
#[derive(Default)]
struct Shared {
    len: AtomicU64,
    pos: AtomicU64,
    msg: Mutex<String>,
    cancel: AtomicBool,
}

impl Progress for Shared {
    fn set_length(&self, len: u64) {
        self.len.store(len, AtomicOrdering::Relaxed);
        self.pos.store(0, AtomicOrdering::Relaxed);
    }
    fn inc(&self, delta: u64) {
        self.pos.fetch_add(delta, AtomicOrdering::Relaxed);
    }
    fn set_position(&self, pos: u64) {
        self.pos.store(pos, AtomicOrdering::Relaxed);
    }
    fn set_message(&self, msg: &str) {
        if let Ok(mut m) = self.msg.lock() {
            msg.clone_into(&mut m);
        }
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(AtomicOrdering::Relaxed)
    }
}

/// Runs `job` on a worker thread with the GIL released; Ctrl-C (or an exception raised by
/// `callback`) cancels it and is raised at once. A panic of the job becomes a
/// `RuntimeError`, never a crash of the interpreter.
fn run_long<T: Send + 'static>(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    job: impl FnOnce(&dyn Progress) -> bondspace::Result<T> + Send + 'static,
) -> PyResult<T> {
    let shared = Arc::new(Shared::default());
    let (tx, rx) = mpsc::channel();
    let worker = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("bondspace".into())
        .spawn(move || {
            let _ = tx.send(job(&*worker));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    // a Receiver is not Sync: the Mutex lets the GIL-free closure borrow it
    let rx = Mutex::new(rx);
    let mut last = (u64::MAX, u64::MAX, String::new());
    loop {
        let got = py.detach(|| match rx.lock() {
            Ok(r) => r.recv_timeout(Duration::from_millis(50)),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        });
        let now = (
            shared.pos.load(AtomicOrdering::Relaxed),
            shared.len.load(AtomicOrdering::Relaxed),
            shared.msg.lock().map(|m| m.clone()).unwrap_or_default(),
        );
        if let Some(cb) = &callback
            && now != last
        {
            if let Err(e) = cb.call1(py, (now.0, now.1, now.2.clone())) {
                shared.cancel.store(true, AtomicOrdering::Relaxed);
                return Err(e);
            }
            last = now;
        }
        match got {
            Ok(r) => return r.map_err(to_py),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    shared.cancel.store(true, AtomicOrdering::Relaxed);
                    return Err(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "internal error: the computation panicked (please report it)",
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// arrays

fn vec1<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

fn array<'py>(py: Python<'py>, a: NamedArray) -> PyResult<Bound<'py, PyAny>> {
    let shape: Vec<usize> = a.shape.iter().map(|&s| s as usize).collect();
    Ok(match a.data {
        ArrayData::F64(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
        ArrayData::I64(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
    })
}

fn arrays_dict<'py>(py: Python<'py>, list: Vec<NamedArray>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for a in list {
        let name = a.name.clone();
        d.set_item(name, array(py, a)?)?;
    }
    Ok(d)
}

fn slice<'a>(a: &'a PyReadonlyArray1<'_, f64>, what: &str) -> PyResult<&'a [f64]> {
    a.as_slice()
        .map_err(|_| invalid(format!("{what} must be a contiguous float64 array")))
}

// ---------------------------------------------------------------------------------------------
// configurations

/// A configuration: positions in a periodic orthorhombic box, per-particle sizes and the pair
/// model (bondspace.Configuration wraps it).
#[pyclass(module = "bondspace._native", name = "Configuration", frozen)]
#[derive(Clone)]
pub struct PyConfiguration {
    inner: AnyConfiguration,
}

fn make_config<const D: usize>(
    pos: &[f64],
    lengths: &[f64],
    sizes: &[f64],
    model: Model,
) -> bondspace::Result<Configuration<D>> {
    let mut l = [0.0; D];
    l.copy_from_slice(lengths);
    let simbox = SimBox::new(l)?;
    let positions: Vec<[f64; D]> = pos
        .chunks_exact(D)
        .map(|c| {
            let mut p = [0.0; D];
            p.copy_from_slice(c);
            p
        })
        .collect();
    Configuration::new(simbox, positions, sizes.to_vec(), model)
}

#[pymethods]
impl PyConfiguration {
    /// Builds a configuration from arrays: positions (N, d), box lengths (d,), sizes (N,)
    /// (λ_i for IPL, the radius for harmonic and soft spheres), the model's name and its
    /// parameters as strings; species and info (the comment-line metadata) are optional.
    #[staticmethod]
    #[pyo3(signature = (positions, box_lengths, sizes, model, params, species=None, info=None))]
    fn from_arrays(
        positions: PyReadonlyArray2<'_, f64>,
        box_lengths: PyReadonlyArray1<'_, f64>,
        sizes: PyReadonlyArray1<'_, f64>,
        model: &str,
        params: BTreeMap<String, String>,
        species: Option<Vec<String>>,
        info: Option<BTreeMap<String, String>>,
    ) -> PyResult<Self> {
        let shape = positions.shape().to_vec();
        let (n, d) = (shape[0], shape[1]);
        if !(d == 2 || d == 3) {
            return Err(invalid(format!(
                "positions must have shape (N, 2) or (N, 3), got ({n}, {d})"
            )));
        }
        let lengths = slice(&box_lengths, "box")?;
        if lengths.len() != d {
            return Err(invalid(format!(
                "box must hold {d} lengths for {d}D positions, got {}",
                lengths.len()
            )));
        }
        let sizes = slice(&sizes, "sizes")?;
        if sizes.len() != n {
            return Err(invalid(format!("{n} positions but {} sizes", sizes.len())));
        }
        let pos = positions
            .as_slice()
            .map_err(|_| invalid("positions must be a C-contiguous float64 array"))?;
        if let Some(i) = pos.iter().position(|x| !x.is_finite()) {
            return Err(invalid(format!(
                "particle {}: position is not finite ({})",
                i / d,
                pos[i]
            )));
        }
        let keys = Model::keys(model).ok_or_else(|| {
            invalid(format!(
                "unknown model {model:?} (ipl, harmonic, softsphere)"
            ))
        })?;
        if let Some(k) = params.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(invalid(format!(
                "{k}: not a parameter of model {model} (its keys: {})",
                keys.join(", ")
            )));
        }
        let m = Model::from_params(model, &|k| params.get(k).cloned()).map_err(to_py)?;
        let mut cfg: AnyConfiguration = with_dim_const!(d, D => {
            make_config::<D>(pos, lengths, sizes, m).map(AnyConfiguration::from)
        })
        .map_err(to_py)?;
        with_dim!(&mut cfg, c => {
            if let Some(s) = species {
                if s.len() != n {
                    return Err(invalid(format!("{n} positions but {} species", s.len())));
                }
                c.species = s;
            }
            if let Some(i) = info {
                c.info = i;
            }
        });
        Ok(Self { inner: cfg })
    }

    /// Reads a configuration file (extended XYZ, LAMMPS data or dump, GSD), with the reader
    /// options of the command line.
    #[staticmethod]
    #[pyo3(signature = (path, format=None, frame=None, model=None, params=None, size_column=None, size_convention=None, type_sizes=None, dim=None))]
    #[allow(clippy::too_many_arguments)]
    fn read(
        path: PathBuf,
        format: Option<&str>,
        frame: Option<i64>,
        model: Option<&str>,
        params: Option<BTreeMap<String, String>>,
        size_column: Option<String>,
        size_convention: Option<&str>,
        type_sizes: Option<Vec<f64>>,
        dim: Option<usize>,
    ) -> PyResult<Self> {
        let format = match format {
            None => None,
            Some("xyz" | "extxyz") => Some(Format::Xyz),
            Some("lammps-data") => Some(Format::LammpsData),
            Some("lammps-dump") => Some(Format::LammpsDump),
            Some("gsd") => Some(Format::Gsd),
            Some(f) => {
                return Err(invalid(format!(
                    "format {f:?}: expected xyz, lammps-data, lammps-dump or gsd"
                )));
            }
        };
        let model = match model {
            None => None,
            Some(name) => {
                let params = params.unwrap_or_default();
                let keys = Model::keys(name).ok_or_else(|| {
                    invalid(format!(
                        "unknown model {name:?} (ipl, harmonic, softsphere)"
                    ))
                })?;
                if let Some(k) = params.keys().find(|k| !keys.contains(&k.as_str())) {
                    return Err(invalid(format!(
                        "{k}: not a parameter of model {name} (its keys: {})",
                        keys.join(", ")
                    )));
                }
                Some(Model::from_params(name, &|k| params.get(k).cloned()).map_err(to_py)?)
            }
        };
        let size_convention = match size_convention {
            None => None,
            Some("model") => Some(SizeConvention::Model),
            Some("radius") => Some(SizeConvention::Radius),
            Some("diameter") => Some(SizeConvention::Diameter),
            Some(s) => {
                return Err(invalid(format!(
                    "size convention {s:?}: expected model, radius or diameter"
                )));
            }
        };
        let opt = ReadOptions {
            format,
            frame,
            model,
            size_column,
            size_convention,
            type_sizes: type_sizes.unwrap_or_default(),
            dim,
        };
        let cfg = bondspace::io::read_configuration(&path, &opt).map_err(to_py)?;
        Ok(Self { inner: cfg })
    }

    /// Writes the configuration as extended XYZ (the file `bondspace prepare` writes).
    fn write(&self, path: PathBuf) -> PyResult<()> {
        bondspace::io::xyz::write_any(&self.inner, &path).map_err(to_py)
    }

    /// The extended-XYZ text of the configuration.
    fn to_xyz_string(&self) -> String {
        with_dim!(&self.inner, c => bondspace::io::xyz::to_xyz_string(c))
    }

    /// Spatial dimension.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Number of particles.
    fn __len__(&self) -> usize {
        with_dim!(&self.inner, c => c.len())
    }

    /// Positions (N, d), a new array.
    #[getter]
    fn positions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        with_dim!(&self.inner, c => {
            let d = c.simbox.lengths.len();
            Ok(PyArray1::from_vec(py, c.flat_positions().to_vec()).reshape([c.len(), d])?.into_any())
        })
    }

    /// Box lengths (d,).
    #[getter(box_lengths)]
    fn box_lengths<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        with_dim!(&self.inner, c => vec1(py, c.simbox.lengths.to_vec()))
    }

    /// Per-particle sizes (N,).
    #[getter]
    fn sizes<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        with_dim!(&self.inner, c => vec1(py, c.sizes.clone()))
    }

    /// Per-particle species labels.
    #[getter]
    fn species(&self) -> Vec<String> {
        with_dim!(&self.inner, c => c.species.clone())
    }

    /// The model's name.
    #[getter]
    fn model(&self) -> &'static str {
        with_dim!(&self.inner, c => c.model.name())
    }

    /// The model's parameters (strings, as in the file).
    #[getter]
    fn params(&self) -> BTreeMap<String, String> {
        with_dim!(&self.inner, c => c.model.params().into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// The size the model pairs per unit of radius (2 for IPL λ, 1 for radii).
    #[getter]
    fn size_per_radius(&self) -> f64 {
        with_dim!(&self.inner, c => c.model.size_per_radius())
    }

    /// The comment-line metadata (energy, seed, tp, ...).
    #[getter]
    fn info(&self) -> BTreeMap<String, String> {
        with_dim!(&self.inner, c => c.info.clone())
    }

    /// The mechanical state as a JSON string (what `bondspace inspect --json` prints).
    fn state_json(&self) -> PyResult<String> {
        let s = with_dim!(&self.inner, c => bondspace::state::state(c)).map_err(to_py)?;
        serde_json::to_string(&s).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    fn __repr__(&self) -> String {
        with_dim!(&self.inner, c => format!(
            "Configuration({}D, N = {}, model = {}, box = {:?})",
            c.simbox.lengths.len(),
            c.len(),
            c.model.name(),
            c.simbox.lengths
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// preparation

fn quench_options(tolerance: f64) -> PyResult<QuenchOptions> {
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(invalid("tolerance must be positive"));
    }
    Ok(QuenchOptions {
        rel_tol: tolerance,
        ..Default::default()
    })
}

/// An IPL glass: SWAP Monte Carlo at the parent temperature `tp`, then the quench (`tp =
/// inf`: instant quench from random positions); the same glass as `bondspace prepare ipl`
/// with the same arguments. Returns the configuration and the Monte Carlo report (JSON, or
/// None at tp = inf).
#[pyfunction]
#[pyo3(signature = (dim, n, tp, seed, sweeps=None, density=None, tolerance=prepare::DEFAULT_REL_TOL, callback=None))]
#[allow(clippy::too_many_arguments)]
fn prepare_ipl(
    py: Python<'_>,
    dim: usize,
    n: usize,
    tp: f64,
    seed: u64,
    sweeps: Option<u64>,
    density: Option<f64>,
    tolerance: f64,
    callback: Option<Py<PyAny>>,
) -> PyResult<(PyConfiguration, Option<String>)> {
    if n < 2 {
        return Err(invalid("n must be at least 2"));
    }
    if tp.is_nan() || tp <= 0.0 {
        return Err(invalid(format!("tp must be positive or inf, got {tp}")));
    }
    let mut opt = IplOptions::defaults(dim);
    if let Some(d) = density {
        if !(d.is_finite() && d > 0.0) {
            return Err(invalid("density must be positive"));
        }
        opt.density = d;
    }
    opt.quench = quench_options(tolerance)?;
    let tp = if tp.is_infinite() {
        Temperature::Infinite
    } else {
        Temperature::Finite(tp)
    };
    if sweeps == Some(0) {
        return Err(invalid("sweeps must be at least 1"));
    }
    if sweeps.is_some() && tp == Temperature::Infinite {
        return Err(invalid("sweeps only apply to a finite tp"));
    }
    let (cfg, mc) = run_long(py, callback, move |progress| {
        with_dim_const!(dim, D => {
            match tp {
                Temperature::Infinite => prepare::ipl_instant_quench::<D>(n, &opt, seed, progress)
                    .map(|c| (AnyConfiguration::from(c), None)),
                Temperature::Finite(t) => {
                    let sw = SwapOptions::new(t, sweeps.unwrap_or_else(|| prepare::default_sweeps(t)));
                    prepare::ipl_swap_glass::<D>(n, &opt, &sw, seed, 0, progress).map(|(c, r)| {
                        (AnyConfiguration::from(c), serde_json::to_string_pretty(&r).ok())
                    })
                }
            }
        })
    })?;
    Ok((PyConfiguration { inner: cfg }, mc))
}

/// A harmonic-sphere packing at the target pressure (the packing of `bondspace prepare
/// harmonic`).
#[pyfunction]
#[pyo3(signature = (dim, n, pressure, seed, tolerance=prepare::DEFAULT_REL_TOL, callback=None))]
fn prepare_harmonic(
    py: Python<'_>,
    dim: usize,
    n: usize,
    pressure: f64,
    seed: u64,
    tolerance: f64,
    callback: Option<Py<PyAny>>,
) -> PyResult<PyConfiguration> {
    if n < 2 {
        return Err(invalid("n must be at least 2"));
    }
    if !(pressure.is_finite() && pressure > 0.0) {
        return Err(invalid(format!(
            "pressure must be positive, got {pressure}"
        )));
    }
    let opt = HarmonicOptions {
        pressure,
        quench: quench_options(tolerance)?,
        ..Default::default()
    };
    let cfg = run_long(py, callback, move |progress| {
        with_dim_const!(dim, D => prepare::harmonic_packing::<D>(n, &opt, seed, progress)
            .map(AnyConfiguration::from))
    })?;
    Ok(PyConfiguration { inner: cfg })
}

/// Minimises a configuration at fixed box (FIRE, then CG to `tolerance` × the typical pair
/// force; what `bondspace minimize` does). Returns the minimised configuration and a dict of
/// what changed.
#[pyfunction]
#[pyo3(signature = (config, tolerance=prepare::DEFAULT_REL_TOL, callback=None))]
fn minimize<'py>(
    py: Python<'py>,
    config: &PyConfiguration,
    tolerance: f64,
    callback: Option<Py<PyAny>>,
) -> PyResult<(PyConfiguration, String)> {
    let opt = quench_options(tolerance)?;
    let mut cfg = config.inner.clone();
    let (cfg, s) = run_long(py, callback, move |progress| {
        let s = with_dim!(&mut cfg, c => prepare::minimize_configuration(c, &opt, progress))?;
        Ok((cfg, s))
    })?;
    let json = serde_json::to_string(&s).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok((PyConfiguration { inner: cfg }, json))
}

// ---------------------------------------------------------------------------------------------
// spectra

fn parse_method(m: &str) -> PyResult<Method> {
    Ok(match m {
        "dense" => Method::Dense,
        "explicit" => Method::Explicit,
        "slicing" => Method::Slicing,
        "sparse" => Method::Sparse,
        "auto" => Method::Auto,
        _ => {
            return Err(invalid(format!(
                "method {m:?}: expected dense, explicit, slicing, sparse or auto"
            )));
        }
    })
}

fn parse_ordering(o: &str) -> PyResult<Ordering> {
    match o {
        "metis" => Ok(Ordering::Metis),
        "amd" => Ok(Ordering::Amd),
        _ => Err(invalid(format!("ordering {o:?}: expected metis or amd"))),
    }
}

fn check_range(r: (f64, f64), what: &str) -> PyResult<()> {
    if r.0 > 0.0 && r.1 > r.0 && r.1.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be two increasing positive numbers"
        )))
    }
}

/// What [`spectrum`] hands back before the Python layer wraps it.
struct SpectrumOut {
    bond: Vec<f64>,
    hessian: Vec<f64>,
    summary: String,
    counts: Option<Vec<NamedArray>>,
    modes: Option<Vec<NamedArray>>,
    decay: Option<Vec<NamedArray>>,
    participation: Option<Vec<NamedArray>>,
    dipoles: Option<Vec<NamedArray>>,
    bonds: Vec<i64>,
    rattlers: Vec<bool>,
}

fn spectrum_of<const D: usize>(
    c: &Configuration<D>,
    opt: &Options,
    output: Option<&PathBuf>,
) -> bondspace::Result<SpectrumOut> {
    let a = match output {
        Some(dir) => {
            let a = results::analyse_into(c, opt, dir)?;
            results::write::write_mode_frames(dir, c, &a)?;
            a
        }
        None => results::analyse(c, opt)?,
    };
    let summary =
        serde_json::to_string(&a.summary).map_err(|e| Error::Numerical(format!("summary: {e}")))?;
    let net = &a.network;
    let mut rattlers = vec![true; net.n_total];
    for &k in &net.kept {
        rattlers[k] = false;
    }
    Ok(SpectrumOut {
        counts: a.counts.as_ref().map(arrays::counts_arrays),
        modes: a.modes.as_ref().map(|m| arrays::mode_arrays(net, m)),
        decay: a.modes.as_ref().map(arrays::decay_arrays),
        participation: a
            .participation
            .as_ref()
            .map(|(l, ne)| arrays::participation_arrays(l, ne)),
        dipoles: (!a.dipoles.is_empty()).then(|| arrays::dipole_arrays(net, &a.dipoles)),
        bonds: arrays::bond_pairs(net),
        rattlers,
        summary,
        bond: a.spectrum.bond,
        hessian: a.spectrum.hessian,
    })
}

/// The analysis of one configuration (what `bondspace spectrum` computes, with the same
/// options; with `output`, the same files are written there). Returns a dict of numpy arrays
/// and the summary as JSON.
#[pyfunction]
#[pyo3(signature = (config, method="auto", modes=0, phm=false, participation=false, dipoles=0, bins=30, lambda_range=(1e-3, 1e4), omega_range=(1e-2, 1e2), ordering="metis", allow_unbalanced=false, output=None, callback=None))]
#[allow(clippy::too_many_arguments)]
fn spectrum<'py>(
    py: Python<'py>,
    config: &PyConfiguration,
    method: &str,
    modes: usize,
    phm: bool,
    participation: bool,
    dipoles: usize,
    bins: usize,
    lambda_range: (f64, f64),
    omega_range: (f64, f64),
    ordering: &str,
    allow_unbalanced: bool,
    output: Option<PathBuf>,
    callback: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    if phm && modes == 0 {
        return Err(invalid("phm needs modes > 0"));
    }
    use bondspace::results::analysis::MAX_BINS;
    if bins == 0 || bins > MAX_BINS {
        return Err(invalid(format!("bins must be between 1 and {MAX_BINS}")));
    }
    check_range(lambda_range, "lambda_range")?;
    check_range(omega_range, "omega_range")?;
    let opt = Options {
        method: parse_method(method)?,
        ordering: parse_ordering(ordering)?,
        bins,
        lambda_range,
        omega_range,
        force_tolerance: (!allow_unbalanced).then_some(results::DEFAULT_BALANCE_TOL),
        modes,
        phm,
        participation,
        dipoles,
        positive_modulus: true,
    };
    let cfg = config.inner.clone();
    let out = run_long(py, callback, move |progress| {
        progress.set_message("spectrum");
        with_dim!(&cfg, c => spectrum_of(c, &opt, output.as_ref()))
    })?;
    let d = PyDict::new(py);
    d.set_item("bond", vec1(py, out.bond))?;
    d.set_item("hessian", vec1(py, out.hessian))?;
    d.set_item("summary", out.summary)?;
    let nb = out.bonds.len() / 2;
    d.set_item("bonds", PyArray1::from_vec(py, out.bonds).reshape([nb, 2])?)?;
    d.set_item("rattlers", PyArray1::from_vec(py, out.rattlers))?;
    for (key, v) in [
        ("counts", out.counts),
        ("modes", out.modes),
        ("decay", out.decay),
        ("participation", out.participation),
        ("dipoles", out.dipoles),
    ] {
        match v {
            Some(list) => d.set_item(key, arrays_dict(py, list)?)?,
            None => d.set_item(key, py.None())?,
        }
    }
    Ok(d)
}

// ---------------------------------------------------------------------------------------------
// operators

/// (indptr, indices, data, shape) of a CSR matrix with rows and columns mapped through
/// `row_map` / `col_map` (network index → file index) into an `nrows × ncols` matrix.
fn csr_parts<'py>(
    py: Python<'py>,
    m: &SparseColMat<usize, f64>,
    row_map: &dyn Fn(usize) -> usize,
    col_map: &dyn Fn(usize) -> usize,
    shape: (usize, usize),
) -> PyResult<Bound<'py, PyAny>> {
    // CSC of M is CSR of Mᵀ: collect (row, col, value) and sort by (row, col)
    let s = m.symbolic();
    let vals = m.val();
    let mut triplets: Vec<(usize, usize, f64)> = Vec::with_capacity(vals.len());
    for j in 0..s.ncols() {
        let range = s.col_range(j);
        for (&i, &v) in s.row_idx()[range.clone()].iter().zip(&vals[range]) {
            triplets.push((row_map(i), col_map(j), v));
        }
    }
    triplets.sort_unstable_by_key(|t| (t.0, t.1));
    let mut indptr = vec![0i64; shape.0 + 1];
    for t in &triplets {
        indptr[t.0 + 1] += 1;
    }
    for r in 0..shape.0 {
        indptr[r + 1] += indptr[r];
    }
    let indices: Vec<i64> = triplets.iter().map(|t| t.1 as i64).collect();
    let data: Vec<f64> = triplets.iter().map(|t| t.2).collect();
    let tuple = (
        PyArray1::from_vec(py, data),
        PyArray1::from_vec(py, indices),
        PyArray1::from_vec(py, indptr),
        shape,
    );
    Ok(tuple.into_pyobject(py)?.into_any())
}

/// S (N_b × Nd), M and K (Nd × Nd) as CSR parts (data, indices, indptr, shape) in the file's
/// particle order (rattlers: empty rows and columns), with the bonds (N_b, 2) and the
/// rattler mask (N,).
#[pyfunction]
fn operators<'py>(py: Python<'py>, config: &PyConfiguration) -> PyResult<Bound<'py, PyDict>> {
    with_dim!(&config.inner, c => {
        let net = Network::new(c).map_err(to_py)?;
        let d = c.simbox.lengths.len();
        let nd = net.n_total * d;
        let dof = |k: usize| net.kept[k / d] * d + k % d;
        let id = |k: usize| k;
        let out = PyDict::new(py);
        let s = net.s_matrix().map_err(to_py)?;
        out.set_item("S", csr_parts(py, &s, &id, &dof, (net.n_bonds(), nd))?)?;
        let m = net.hessian().map_err(to_py)?;
        out.set_item("M", csr_parts(py, &m, &dof, &dof, (nd, nd))?)?;
        let k = net.k_matrix().map_err(to_py)?;
        out.set_item("K", csr_parts(py, &k, &dof, &dof, (nd, nd))?)?;
        let nb = net.n_bonds();
        out.set_item("bonds", PyArray1::from_vec(py, arrays::bond_pairs(&net)).reshape([nb, 2])?)?;
        let mut ratt = vec![true; net.n_total];
        for &k in &net.kept {
            ratt[k] = false;
        }
        out.set_item("rattlers", PyArray1::from_vec(py, ratt))?;
        Ok(out)
    })
}

enum AnyBond {
    Two(Network<2>, HessianSolver<2>),
    Three(Network<3>, HessianSolver<3>),
}

/// A = S M⁺ Sᵀ (N_b × N_b), matrix-free: each product is Sᵀ, a solve with the sparse
/// Cholesky factor of the pinned Hessian, then S (bondspace.bond_operator wraps it as a
/// `scipy.sparse.linalg.LinearOperator`).
#[pyclass(module = "bondspace._native", name = "BondOperator", frozen)]
pub struct PyBondOperator {
    op: AnyBond,
}

fn apply_block<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    x: &[f64],
    k: usize,
) -> Vec<f64> {
    let (nb, nd) = (net.n_bonds(), net.ndof());
    // columns of the (N_b, k) row-major block
    let rhs: Vec<Vec<f64>> = (0..k)
        .map(|c| {
            let f: Vec<f64> = (0..nb).map(|r| x[r * k + c]).collect();
            let mut b = vec![0.0; nd];
            net.apply_st(&f, &mut b);
            b
        })
        .collect();
    let sol = solver.solve_many(&rhs);
    let mut out = vec![0.0; nb * k];
    let mut af = vec![0.0; nb];
    for (c, u) in sol.iter().enumerate() {
        net.apply_s(u, &mut af);
        for r in 0..nb {
            out[r * k + c] = af[r];
        }
    }
    out
}

#[pymethods]
impl PyBondOperator {
    /// Builds the bond network of `config` (rattlers removed) and factorizes its pinned
    /// Hessian.
    #[new]
    #[pyo3(signature = (config, ordering="metis"))]
    fn new(py: Python<'_>, config: &PyConfiguration, ordering: &str) -> PyResult<Self> {
        let ordering = parse_ordering(ordering)?;
        let cfg = config.inner.clone();
        let op = run_long(py, None, move |_| {
            Ok(match &cfg {
                AnyConfiguration::Two(c) => {
                    let net = Network::new(c)?;
                    let s = HessianSolver::with_ordering(&net, ordering)?;
                    AnyBond::Two(net, s)
                }
                AnyConfiguration::Three(c) => {
                    let net = Network::new(c)?;
                    let s = HessianSolver::with_ordering(&net, ordering)?;
                    AnyBond::Three(net, s)
                }
            })
        })?;
        Ok(Self { op })
    }

    /// (N_b, N_b).
    #[getter]
    fn shape(&self) -> (usize, usize) {
        let nb = match &self.op {
            AnyBond::Two(n, _) => n.n_bonds(),
            AnyBond::Three(n, _) => n.n_bonds(),
        };
        (nb, nb)
    }

    /// A x for x of shape (N_b,) or (N_b, k) (C-contiguous float64); one pass over the
    /// factor serves all k columns.
    fn apply<'py>(
        &self,
        py: Python<'py>,
        x: numpy::PyReadonlyArrayDyn<'py, f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (nb, _) = self.shape();
        let shape = x.shape().to_vec();
        let k = match shape.as_slice() {
            [n] if *n == nb => 1,
            [n, k] if *n == nb => *k,
            _ => {
                return Err(invalid(format!(
                    "A is {nb} × {nb}: x must have shape ({nb},) or ({nb}, k), got {shape:?}"
                )));
            }
        };
        let data = x
            .as_slice()
            .map_err(|_| invalid("x must be a C-contiguous float64 array"))?;
        if data.iter().any(|v| !v.is_finite()) {
            return Err(invalid("x has a non-finite entry"));
        }
        let data = data.to_vec();
        let out = py.detach(|| match &self.op {
            AnyBond::Two(n, s) => apply_block(n, s, &data, k),
            AnyBond::Three(n, s) => apply_block(n, s, &data, k),
        });
        let arr = PyArray1::from_vec(py, out);
        Ok(if shape.len() == 1 {
            arr.into_any()
        } else {
            arr.reshape([nb, k])?.into_any()
        })
    }
}

// ---------------------------------------------------------------------------------------------
// ensembles

/// Runs (or resumes) an ensemble into `output` from its specification as JSON (the
/// `ensemble.json` schema), shard (i, n), then pools it. Returns the run's report as a dict
/// (computed, skipped, failed).
#[pyfunction]
#[pyo3(signature = (output, spec_json, shard=(0, 1), callback=None))]
fn run_ensemble<'py>(
    py: Python<'py>,
    output: PathBuf,
    spec_json: &str,
    shard: (usize, usize),
    callback: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let spec: bondspace::ensemble::EnsembleSpec = serde_json::from_str(spec_json)
        .map_err(|e| invalid(format!("ensemble specification: {e}")))?;
    spec.check().map_err(to_py)?;
    let r = run_long(py, callback, move |progress| {
        bondspace::ensemble::run::run(&output, &spec, shard, progress)
    })?;
    let d = PyDict::new(py);
    d.set_item("computed", r.computed)?;
    d.set_item("skipped", r.skipped)?;
    let failed = PyList::empty(py);
    for (name, err) in r.failed {
        failed.append((name, err))?;
    }
    d.set_item("failed", failed)?;
    Ok(d)
}

/// The report's numbers of the ensemble in `dir` (the content of `report.json`, computed
/// without drawing), as JSON.
#[pyfunction]
fn report_json(py: Python<'_>, dir: PathBuf) -> PyResult<String> {
    let v = run_long(py, None, move |_| bondspace_report::report_json(&dir))?;
    serde_json::to_string(&v).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The parameter keys of a model (None for an unknown model).
#[pyfunction]
fn model_keys(name: &str) -> Option<Vec<&'static str>> {
    Model::keys(name).map(|k| k.to_vec())
}

/// The Python module `bondspace._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConfiguration>()?;
    m.add_class::<PyBondOperator>()?;
    m.add_function(wrap_pyfunction!(prepare_ipl, m)?)?;
    m.add_function(wrap_pyfunction!(prepare_harmonic, m)?)?;
    m.add_function(wrap_pyfunction!(minimize, m)?)?;
    m.add_function(wrap_pyfunction!(spectrum, m)?)?;
    m.add_function(wrap_pyfunction!(operators, m)?)?;
    m.add_function(wrap_pyfunction!(run_ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(report_json, m)?)?;
    m.add_function(wrap_pyfunction!(model_keys, m)?)?;
    m.add("DEFAULT_TOLERANCE", prepare::DEFAULT_REL_TOL)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
