//! One-configuration analysis: the bond network, a spectrum method, the scales of SPEC §3,
//! and the result directory of SPEC §7 (`summary.json`, `bond_spectrum.npy`,
//! `hessian_spectrum.npy`).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::io::npy::write_npy;
use crate::measures::{self, Scales};
use crate::operators::Network;
use crate::spectra::{self, Spectrum};

/// How to compute the spectrum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Literal dense A = S M⁺ Sᵀ (verification, small N).
    Explicit,
    /// Reduced generalized eigenproblem on the pinned space (default).
    Dense,
    /// Exact histogram counts by inertia (sparse LDLᵀ), no eigenvalues.
    Slicing,
}

impl Method {
    /// The name used on the command line and in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Explicit => "explicit",
            Method::Dense => "dense",
            Method::Slicing => "slicing",
        }
    }
}

/// Options of [`analyse`].
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Spectrum method.
    pub method: Method,
    /// Refuse configurations with max |F_i| above this × the typical pair force.
    pub force_tolerance: Option<f64>,
    /// Slicing: number of logarithmic bins.
    pub bins: usize,
    /// Slicing: λ/λ₀ range of the bins.
    pub lambda_range: (f64, f64),
    /// Slicing: ω/ω₀ range of the bins.
    pub omega_range: (f64, f64),
}

impl Default for Options {
    fn default() -> Self {
        Self {
            method: Method::Dense,
            force_tolerance: Some(DEFAULT_BALANCE_TOL),
            bins: 30,
            lambda_range: (1e-3, 1e4),
            omega_range: (1e-2, 1e2),
        }
    }
}

/// Default force-balance check of the analysis, relative to the typical pair force.
pub const DEFAULT_BALANCE_TOL: f64 = 1e-8;

/// The keys of `summary.json` (SPEC §7).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Particles in the configuration (rattlers included).
    pub n_particles: usize,
    /// Rattlers removed before building operators.
    pub n_rattlers: usize,
    /// Dimension.
    pub dim: usize,
    /// Bonds N_b among non-rattlers.
    pub n_bonds: usize,
    /// States of self-stress N_b − rank(S).
    pub n_sss: usize,
    /// Non-zero eigenvalues of A.
    pub n_nonzero: usize,
    /// a₀ = (V/N)^{1/d}.
    pub a0: f64,
    /// Athermal shear modulus G.
    pub shear_modulus: f64,
    /// c_s = √(G/ρ).
    pub c_s: f64,
    /// ω₀ = c_s/a₀.
    pub omega_0: f64,
    /// λ₀ = ω₀⁻².
    pub lambda_0: f64,
    /// ω_ph = 2π c_s/L.
    pub omega_ph: f64,
    /// Total energy.
    pub energy: f64,
    /// Virial pressure.
    pub pressure: f64,
    /// max_i |F_i|.
    pub max_force: f64,
    /// Smallest non-translation Hessian eigenvalue.
    pub min_hessian_eigenvalue: f64,
    /// Method used.
    pub method: &'static str,
    /// Wall time of the analysis.
    pub seconds: f64,
}

/// The result of analysing one configuration.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Scalar results.
    pub summary: Summary,
    /// The spectra.
    pub spectrum: Spectrum,
    /// Scales.
    pub scales: Scales,
    /// Slicing counts (method `slicing` only).
    pub counts: Option<spectra::slicing::SliceCounts>,
}

/// Analyses one configuration.
pub fn analyse<const D: usize>(cfg: &Configuration<D>, opt: &Options) -> Result<Analysis> {
    let start = Instant::now();
    let st = crate::state::state(cfg)?;
    if let Some(tol) = opt.force_tolerance
        && st.max_force > tol * st.typical_pair_force
    {
        return Err(Error::Invalid(format!(
            "the configuration is not force-balanced: max force {:.3e} exceeds {tol:e} × the \
             typical pair force {:.3e} (minimise it first, or pass --allow-unbalanced)",
            st.max_force, st.typical_pair_force
        )));
    }
    let net = Network::new(cfg)?;
    // G (and with it λ₀, ω₀) first: it factorizes the pinned Hessian, which fails for an
    // unstable configuration, and slicing needs the scales for its bins.
    let scales = measures::scales(&net)?;
    let mut counts = None;
    let spectrum = match opt.method {
        Method::Dense => spectra::dense::spectrum(&net).map_err(unstable)?,
        Method::Explicit => spectra::explicit::spectrum(&net).map_err(unstable)?,
        Method::Slicing => {
            let (l0, w0) = (scales.lambda_0, scales.omega_0);
            let le = spectra::slicing::log_edges(
                opt.lambda_range.0 * l0,
                opt.lambda_range.1 * l0,
                opt.bins,
            );
            let we = spectra::slicing::log_edges(
                (opt.omega_range.0 * w0).powi(2),
                (opt.omega_range.1 * w0).powi(2),
                opt.bins,
            );
            // rank(S): the count of λ above a threshold far below any physical eigenvalue
            let (c, rank) = spectra::slicing::counts_and_rank(&net, &le, &we, 1e-9 * l0)?;
            // the pinned Hessian's Cholesky factorization in `scales` succeeded, so M has no
            // negative eigenvalue (an unstable configuration is refused there)
            let min_hessian = 0.0;
            counts = Some(c);
            Spectrum {
                bond: Vec::new(),
                hessian: Vec::new(),
                n_sss: net.n_bonds() - rank,
                min_hessian,
                n_nonzero: rank,
            }
        }
    };
    let summary = Summary {
        n_particles: cfg.len(),
        n_rattlers: net.n_rattlers(),
        dim: D,
        n_bonds: net.n_bonds(),
        n_sss: spectrum.n_sss,
        n_nonzero: spectrum.n_nonzero,
        a0: scales.a0,
        shear_modulus: scales.shear_modulus,
        c_s: scales.c_s,
        omega_0: scales.omega_0,
        lambda_0: scales.lambda_0,
        omega_ph: scales.omega_ph,
        energy: st.energy,
        pressure: st.pressure,
        max_force: st.max_force,
        min_hessian_eigenvalue: spectrum.min_hessian,
        method: opt.method.name(),
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok(Analysis {
        summary,
        spectrum,
        scales,
        counts,
    })
}

/// A failed Cholesky of the pinned Hessian means the configuration is unstable.
fn unstable(e: Error) -> Error {
    match e {
        Error::Numerical(m) if m.contains("not positive definite") => Error::Invalid(m),
        other => other,
    }
}

/// Writes `summary.json` and `bond_spectrum.npy`, `hessian_spectrum.npy` (dense, explicit)
/// or `counts.npz` (slicing: `lambda_edges`, `lambda_counts`, `omega2_edges`,
/// `omega2_counts`, in simulation units) into `dir`.
pub fn write_results(dir: &Path, a: &Analysis) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if let Some(c) = &a.counts {
        let mut z = crate::io::npy::Npz::new();
        let n = c.lambda_counts.len() as u64;
        let as_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        z.add("lambda_edges", &[n + 1], &c.lambda_edges)?;
        z.add("lambda_counts", &[n], &as_i64(&c.lambda_counts))?;
        z.add("omega2_edges", &[n + 1], &c.omega2_edges)?;
        z.add("omega2_counts", &[n], &as_i64(&c.omega2_counts))?;
        z.write(&dir.join("counts.npz"))?;
        return write_summary(dir, a);
    }
    let b = &a.spectrum.bond;
    write_npy(&dir.join("bond_spectrum.npy"), &[b.len() as u64], b)?;
    let h = &a.spectrum.hessian;
    write_npy(&dir.join("hessian_spectrum.npy"), &[h.len() as u64], h)?;
    write_summary(dir, a)
}

fn write_summary(dir: &Path, a: &Analysis) -> Result<()> {
    let json = serde_json::to_string_pretty(&a.summary)
        .map_err(|e| Error::Numerical(format!("summary.json: {e}")))?;
    crate::io::write_atomic(&dir.join("summary.json"), json.as_bytes())
}
