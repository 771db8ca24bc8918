//! One-configuration analysis: the bond network, a spectrum method, the scales of SPEC §3,
//! optionally the top modes of A with their pseudo-harmonic counterparts, decay profiles,
//! participation of every mode and dipole responses, and the result directory of SPEC §7
//! (`summary.json`, `bond_spectrum.npy`, `hessian_spectrum.npy`, `modes.npz`, ...).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::io::npy::write_npy;
use crate::measures::elastic::HessianSolver;
use crate::measures::{self, Scales};
use crate::modes::bond::BondModes;
use crate::modes::decay::{self, DecayAccumulator, DecayProfile, RadialBins};
use crate::modes::dipole::DipoleResponse;
use crate::modes::phm::{self, PhmResult};
use crate::operators::Network;
use crate::operators::factor::{FactorInfo, Ordering};
use crate::spectra::{self, Spectrum};

/// How to compute the spectrum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Literal dense A = S M⁺ Sᵀ (verification, small N).
    Explicit,
    /// Reduced generalized eigenproblem on the pinned space (default).
    Dense,
    /// Exact histogram counts by inertia (sparse LDLᵀ), no eigenvalues.
    Slicing,
    /// Large systems: no spectrum, rank(S) by one inertia count, and the top modes (with
    /// `modes` > 0) by Lanczos on the sparse factor.
    Sparse,
    /// Chosen by size and memory ([`Method::resolve`]).
    Auto,
}

/// `auto` uses `dense` up to this many degrees of freedom nd (N = 3000 in 3D: about a
/// minute for P(λ) and D(ω) on 2 cores).
pub const AUTO_DENSE_MAX_DOF: usize = 9_000;

/// `auto` uses `slicing` up to this many degrees of freedom nd (N = 20 000 in 3D: a few
/// minutes for 30 + 30 bins), and `sparse` above.
pub const AUTO_SLICING_MAX_DOF: usize = 60_000;

impl Method {
    /// The name used on the command line and in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Explicit => "explicit",
            Method::Dense => "dense",
            Method::Slicing => "slicing",
            Method::Sparse => "sparse",
            Method::Auto => "auto",
        }
    }

    /// The concrete method for a network of `ndof` degrees of freedom: `auto` becomes
    /// `dense` up to [`AUTO_DENSE_MAX_DOF`] if its dense matrices (about 6 nd² doubles) fit
    /// in 80 % of the available memory, `slicing` up to [`AUTO_SLICING_MAX_DOF`], else
    /// `sparse`. Other methods are returned unchanged.
    pub fn resolve(self, ndof: usize, available_bytes: Option<f64>) -> Method {
        if self != Method::Auto {
            return self;
        }
        let dense_bytes = 6.0 * (ndof as f64).powi(2) * 8.0;
        let fits = available_bytes.is_none_or(|a| dense_bytes < 0.8 * a);
        if ndof <= AUTO_DENSE_MAX_DOF && fits {
            Method::Dense
        } else if ndof <= AUTO_SLICING_MAX_DOF {
            Method::Slicing
        } else {
            Method::Sparse
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
    /// Number of highest-λ modes to compute (0: none).
    pub modes: usize,
    /// Pseudo-harmonic modes from each displacement mode (needs `modes` > 0).
    pub phm: bool,
    /// Participation N·e(F) of every mode (full dense eigendecomposition).
    pub participation: bool,
    /// Number of bonds (evenly spread) whose dipole response is computed.
    pub dipoles: usize,
    /// Fill-reducing ordering of every sparse factorization.
    pub ordering: Ordering,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            method: Method::Dense,
            force_tolerance: Some(DEFAULT_BALANCE_TOL),
            bins: 30,
            lambda_range: (1e-3, 1e4),
            omega_range: (1e-2, 1e2),
            modes: 0,
            phm: false,
            participation: false,
            dipoles: 0,
            ordering: Ordering::default(),
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
    /// Smallest non-translation Hessian eigenvalue (null for `slicing`, which computes no
    /// eigenvalue; the Cholesky factorization of the pinned Hessian there shows it positive).
    pub min_hessian_eigenvalue: Option<f64>,
    /// Method used (`auto` resolved).
    pub method: &'static str,
    /// The sparse Cholesky factor of the pinned Hessian: ordering, size, seconds.
    pub factor: FactorInfo,
    /// Top modes: count, residuals, PHM overlaps and decay exponents (with `--modes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modes: Option<ModesSummary>,
    /// Wall time of the analysis.
    pub seconds: f64,
}

/// Summary of the top-mode analysis.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ModesSummary {
    /// Number of modes computed.
    pub count: usize,
    /// Largest relative residual ‖A f − λ f‖/λ.
    pub max_residual: f64,
    /// Mean 1 − |⟨D|D_PH⟩| over the modes (with `--phm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_overlap_d: Option<f64>,
    /// Mean 1 − |⟨F|F_PH⟩| over the modes (with `--phm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_overlap_f: Option<f64>,
    /// PHM minimisations that reached the gradient tolerance (with `--phm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phm_converged: Option<usize>,
    /// Fit window (r_min, r_max) of the decay exponents ([`decay::default_window`]).
    pub decay_window: (f64, f64),
    /// Fitted decay exponents (exponent, standard error) of the mode-averaged profiles, by
    /// field: `D`, `F`, and with `--phm` `D_PH`, `F_PH` (None where too few bins).
    pub decay_exponents: Vec<(String, Option<(f64, f64)>)>,
}

/// Top modes of A and, optionally, their pseudo-harmonic counterparts.
#[derive(Clone, Debug, Default)]
pub struct ModeResults {
    /// f, F, D, λ, N·e.
    pub modes: BondModes,
    /// One PHM per mode, minimised from z₀ = D (with `phm`).
    pub phm: Vec<PhmResult>,
    /// Mode-averaged decay profiles by field name (`D`, `F`, `D_PH`, `F_PH`).
    pub decay: Vec<(String, DecayProfile)>,
    /// The fit window of the decay exponents.
    pub decay_window: (f64, f64),
}

/// Logarithmic radial bins of the decay profiles: from a₀/2 to half the smallest box length.
pub const DECAY_BINS: usize = 24;

/// Mode-averaged decay profiles of D, F (and D_PH, F_PH when present).
fn decay_profiles<const D: usize>(
    cfg: &Configuration<D>,
    net: &Network<D>,
    m: &mut ModeResults,
) -> Result<()> {
    let a0 = cfg.a0();
    let l = cfg.simbox.min_length();
    let bins = RadialBins::log(0.5 * a0, 0.5 * l, DECAY_BINS)?;
    let pos = decay::network_positions(cfg, net);
    let mut fields: Vec<(&str, Vec<&Vec<f64>>)> = vec![
        ("D", m.modes.displacement.iter().collect()),
        ("F", m.modes.particle_force.iter().collect()),
    ];
    if !m.phm.is_empty() {
        fields.push(("D_PH", m.phm.iter().map(|p| &p.displacement).collect()));
        fields.push(("F_PH", m.phm.iter().map(|p| &p.force).collect()));
    }
    let mut out = Vec::new();
    for (name, fs) in fields {
        let mut acc = DecayAccumulator::new(bins.clone());
        for f in fs {
            acc.add_field(f, &pos, &cfg.simbox);
        }
        out.push((name.to_string(), acc.finish()));
    }
    m.decay = out;
    m.decay_window = decay::default_window(a0, l);
    Ok(())
}

/// The result of analysing one configuration.
#[derive(Clone, Debug)]
pub struct Analysis<const D: usize> {
    /// Scalar results.
    pub summary: Summary,
    /// The spectra.
    pub spectrum: Spectrum,
    /// Scales.
    pub scales: Scales,
    /// Slicing counts (method `slicing` only).
    pub counts: Option<spectra::slicing::SliceCounts>,
    /// The bond network the operators were built on (rattlers removed).
    pub network: Network<D>,
    /// Top modes (with `modes` > 0).
    pub modes: Option<ModeResults>,
    /// Every non-zero λ (ascending) with N·e(F) of its mode (with `participation`).
    pub participation: Option<(Vec<f64>, Vec<f64>)>,
    /// Dipole responses of a sample of bonds (with `dipoles` > 0).
    pub dipoles: Vec<DipoleResponse>,
}

/// Analyses one configuration.
pub fn analyse<const D: usize>(cfg: &Configuration<D>, opt: &Options) -> Result<Analysis<D>> {
    analyse_impl(cfg, opt, None)
}

/// Analyses one configuration and writes its result files into `dir` stage by stage
/// (spectrum, then modes, dipoles, participation; `summary.json` updated each time), so that
/// a failure or a kill in a long later stage keeps what is finished. Result files of an
/// earlier analysis in `dir` are removed first.
pub fn analyse_into<const D: usize>(
    cfg: &Configuration<D>,
    opt: &Options,
    dir: &Path,
) -> Result<Analysis<D>> {
    clear_results(dir)?;
    analyse_impl(cfg, opt, Some(dir))
}

fn analyse_impl<const D: usize>(
    cfg: &Configuration<D>,
    opt: &Options,
    out: Option<&Path>,
) -> Result<Analysis<D>> {
    let start = Instant::now();
    let st = crate::state::state(cfg)?;
    if !(st.energy.is_finite() && st.max_force.is_finite()) {
        return Err(Error::Invalid(format!(
            "the energy or the forces are not finite (energy {}, max force {}): are two \
             particles on top of each other?",
            st.energy, st.max_force
        )));
    }
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
    let method = opt
        .method
        .resolve(net.ndof(), crate::resources::available_memory());
    let opt = &Options { method, ..*opt };
    check_memory(&net, opt)?;
    // sparse: rank(S) first, so that its LDLᵀ factor is freed before the Cholesky factor is
    // made (the two together would double the peak memory); the threshold is far below any
    // non-zero λ of A, which are ≥ λ_min(K̃)/ω²_max (Gershgorin bound of M)
    let sparse_rank = match opt.method {
        Method::Sparse => Some(spectra::slicing::bond_rank(
            &net,
            1e-9 / hessian_bound(&net),
            opt.ordering,
        )?),
        _ => None,
    };
    // G (and with it λ₀, ω₀) first: it factorizes the pinned Hessian, which fails for an
    // unstable configuration, and slicing needs the scales for its bins. The factor is kept
    // for the modes and dipoles.
    let solver = HessianSolver::with_ordering(&net, opt.ordering)?;
    let scales = measures::scales_with(&net, &solver);
    let mut counts = None;
    let spectrum = match opt.method {
        Method::Auto => unreachable!("resolved above"),
        Method::Sparse => {
            // rank(S) by one inertia count (above); the factorization of the pinned Hessian
            // succeeded, so M has no negative eigenvalue
            let rank = sparse_rank.expect("counted for sparse");
            Spectrum {
                bond: Vec::new(),
                hessian: Vec::new(),
                n_sss: net.n_bonds() - rank,
                min_hessian: 0.0,
                n_nonzero: rank,
            }
        }
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
            let (c, rank) =
                spectra::slicing::counts_and_rank(&net, &le, &we, 1e-9 * l0, opt.ordering)?;
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
    let max_w2 = spectrum.hessian.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    if spectrum.min_hessian < -1e-10 * max_w2 {
        return Err(Error::Invalid(format!(
            "the configuration is mechanically unstable: the Hessian has the negative \
             eigenvalue {:.3e}",
            spectrum.min_hessian
        )));
    }
    if opt.modes > spectrum.n_nonzero {
        return Err(Error::Invalid(format!(
            "--modes {} exceeds the {} non-zero eigenvalues of A",
            opt.modes, spectrum.n_nonzero
        )));
    }
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
        min_hessian_eigenvalue: matches!(opt.method, Method::Dense | Method::Explicit)
            .then_some(spectrum.min_hessian),
        method: opt.method.name(),
        factor: solver.factor().info(),
        modes: None,
        seconds: start.elapsed().as_secs_f64(),
    };
    let mut a = Analysis {
        summary,
        spectrum,
        scales,
        counts,
        network: net,
        modes: None,
        participation: None,
        dipoles: Vec::new(),
    };
    // every finished stage is on disk before the next, longer one starts
    let save = |a: &mut Analysis<D>| -> Result<()> {
        a.summary.seconds = start.elapsed().as_secs_f64();
        match out {
            Some(dir) => write_present(dir, a),
            None => Ok(()),
        }
    };
    save(&mut a)?;
    if opt.modes > 0 || opt.dipoles > 0 {
        if opt.modes > 0 {
            let mut m = top_modes_and_phm(&a.network, &solver, opt)?;
            decay_profiles(cfg, &a.network, &mut m)?;
            a.summary.modes = Some(modes_summary(&m));
            a.modes = Some(m);
            save(&mut a)?;
        }
        let sample = crate::modes::dipole::bond_sample(a.network.n_bonds(), opt.dipoles);
        a.dipoles = crate::modes::dipole::dipole_responses(&a.network, &solver, &sample);
        if !a.dipoles.is_empty() {
            save(&mut a)?;
        }
    }
    if opt.participation {
        a.participation =
            Some(crate::modes::bond::all_participations(&a.network).map_err(unstable)?);
        save(&mut a)?;
    }
    Ok(a)
}

/// Top modes by Lanczos and, with `opt.phm`, a PHM from each displacement mode (in parallel
/// over modes: each minimisation is independent and deterministic).
fn top_modes_and_phm<const D: usize>(
    net: &Network<D>,
    solver: &HessianSolver<D>,
    opt: &Options,
) -> Result<ModeResults> {
    use rayon::prelude::*;
    let modes = crate::modes::bond::top_modes_with(net, solver, opt.modes)?;
    let phm = if opt.phm {
        modes
            .displacement
            .par_iter()
            .map(|d| phm::pseudo_harmonic(net, d, phm::DEFAULT_REL_TOL, PHM_MAX_ITER))
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(ModeResults {
        modes,
        phm,
        ..Default::default()
    })
}

/// Iteration cap of each PHM minimisation.
pub const PHM_MAX_ITER: usize = 100_000;

fn modes_summary(m: &ModeResults) -> ModesSummary {
    let k = m.modes.lambda.len();
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    ModesSummary {
        count: k,
        max_residual: m.modes.residual.iter().copied().fold(0.0, f64::max),
        mean_overlap_d: mean(overlaps_d(m)),
        mean_overlap_f: mean(overlaps_f(m)),
        phm_converged: (!m.phm.is_empty()).then(|| m.phm.iter().filter(|p| p.converged).count()),
        decay_window: m.decay_window,
        decay_exponents: m
            .decay
            .iter()
            .map(|(name, p)| {
                (
                    name.clone(),
                    decay::fit_exponent(&p.r, &p.mean, m.decay_window),
                )
            })
            .collect(),
    }
}

/// 1 − |⟨D|D_PH⟩| per mode.
pub fn overlaps_d(m: &ModeResults) -> Vec<f64> {
    m.phm
        .iter()
        .zip(&m.modes.displacement)
        .map(|(p, d)| phm::overlap(d, &p.displacement))
        .collect()
}

/// 1 − |⟨F|F_PH⟩| per mode.
pub fn overlaps_f(m: &ModeResults) -> Vec<f64> {
    m.phm
        .iter()
        .zip(&m.modes.particle_force)
        .map(|(p, f)| phm::overlap(f, &p.force))
        .collect()
}

/// Refuses, with the memory it would need, an analysis whose dense matrices exceed the
/// memory available (dense: about six nd × nd matrices; explicit: four N_b × N_b;
/// participation: five nd × nd).
fn check_memory<const D: usize>(net: &Network<D>, opt: &Options) -> Result<()> {
    let (nd, nb) = (net.ndof() as f64, net.n_bonds() as f64);
    let mut need = match opt.method {
        Method::Dense => 6.0 * nd * nd * 8.0,
        Method::Explicit => 4.0 * nb * nb * 8.0 + 2.0 * nd * nd * 8.0,
        Method::Slicing | Method::Sparse | Method::Auto => 0.0,
    };
    if opt.participation {
        need = need.max(5.0 * nd * nd * 8.0);
    }
    let available = crate::resources::available_memory();
    if let Some(avail) = available
        && need > avail
    {
        return Err(Error::Invalid(format!(
            "method {}{} needs about {:.1} GiB of dense matrices for nd = {nd}, more than the \
             {:.1} GiB available: use --method slicing (and --modes) for large systems",
            opt.method.name(),
            if opt.participation {
                " with --participation"
            } else {
                ""
            },
            need / 1024f64.powi(3),
            avail / 1024f64.powi(3)
        )));
    }
    Ok(())
}

/// Gershgorin bound of the Hessian's largest eigenvalue: the largest row sum of the bond
/// blocks' norms, Σ_bonds 2(|u″| + (d − 1)|u′/r|) per particle.
fn hessian_bound<const D: usize>(net: &Network<D>) -> f64 {
    let mut row = vec![0.0f64; net.n()];
    for (a, &[i, j]) in net.bonds.iter().enumerate() {
        let k = 2.0 * (net.d2u[a].abs() + (D as f64 - 1.0) * (net.du[a] / net.r[a]).abs());
        row[i as usize] += k;
        row[j as usize] += k;
    }
    row.into_iter().fold(f64::MIN_POSITIVE, f64::max)
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
pub fn write_results<const D: usize>(dir: &Path, a: &Analysis<D>) -> Result<()> {
    clear_results(dir)?;
    write_present(dir, a)
}

/// Creates `dir` and removes the result files of an earlier analysis from it (they must not
/// stand beside new ones).
fn clear_results(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for name in RESULT_FILES {
        let p = dir.join(name);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Writes the files of every part present in `a` (each atomically), `summary.json` last.
fn write_present<const D: usize>(dir: &Path, a: &Analysis<D>) -> Result<()> {
    if let Some(c) = &a.counts {
        let mut z = crate::io::npy::Npz::new();
        let n = c.lambda_counts.len() as u64;
        let as_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        z.add("lambda_edges", &[n + 1], &c.lambda_edges)?;
        z.add("lambda_counts", &[n], &as_i64(&c.lambda_counts))?;
        z.add("omega2_edges", &[n + 1], &c.omega2_edges)?;
        z.add("omega2_counts", &[n], &as_i64(&c.omega2_counts))?;
        z.write(&dir.join("counts.npz"))?;
    } else if a.summary.method != Method::Sparse.name() {
        // (sparse computes no spectrum: no spectrum files)
        let b = &a.spectrum.bond;
        write_npy(&dir.join("bond_spectrum.npy"), &[b.len() as u64], b)?;
        let h = &a.spectrum.hessian;
        write_npy(&dir.join("hessian_spectrum.npy"), &[h.len() as u64], h)?;
    }
    if let Some(m) = &a.modes {
        write_modes(&dir.join("modes.npz"), &a.network, m)?;
        let mut z = crate::io::npy::Npz::new();
        if let Some((_, p)) = m.decay.first() {
            z.add("r", &[p.r.len() as u64], &p.r)?;
        }
        for (name, p) in &m.decay {
            z.add(name, &[p.mean.len() as u64], &p.mean)?;
        }
        z.add("window", &[2], &[m.decay_window.0, m.decay_window.1])?;
        z.write(&dir.join("decay.npz"))?;
    }
    if let Some((l, ne)) = &a.participation {
        let mut z = crate::io::npy::Npz::new();
        z.add("lambda", &[l.len() as u64], l)?;
        z.add("participation_N", &[ne.len() as u64], ne)?;
        z.write(&dir.join("participation.npz"))?;
    }
    if !a.dipoles.is_empty() {
        let mut z = crate::io::npy::Npz::new();
        let n = a.dipoles.len() as u64;
        let bonds = a.network.bonds_original();
        let pairs: Vec<i64> = a
            .dipoles
            .iter()
            .flat_map(|d| bonds[d.bond].map(i64::from))
            .collect();
        z.add("bonds", &[n, 2], &pairs)?;
        let kappa: Vec<f64> = a.dipoles.iter().map(|d| d.kappa).collect();
        z.add("kappa", &[n], &kappa)?;
        let comp: Vec<f64> = a.dipoles.iter().map(|d| d.compliance).collect();
        z.add("compliance", &[n], &comp)?;
        z.write(&dir.join("dipoles.npz"))?;
    }
    write_summary(dir, a)
}

/// Every file [`write_results`] may write (removed first, so that none is stale).
pub const RESULT_FILES: [&str; 8] = [
    "summary.json",
    "bond_spectrum.npy",
    "hessian_spectrum.npy",
    "counts.npz",
    "modes.npz",
    "decay.npz",
    "participation.npz",
    "dipoles.npz",
];

/// The normalization note stored in `modes.npz` (array `normalization`).
pub const MODES_NORMALIZATION: &str = "bond_force f: unit eigenvector of A = S M+ S^T (largest |f| positive); \
particle_force F = S^T f; displacement D = M+ S^T f (translation-free), so D.M.D = lambda and F = M D; \
phm_displacement, phm_force: unit D_PH and F_PH = M D_PH / |M D_PH|; overlap_X = 1 - |<X|X_PH>| of unit vectors; \
particle arrays are (K, N, d) in the file's particle order, rattlers zero";

/// Writes the arrays of SPEC §7 (`lambda`, `bond_force`, `particle_force`, `displacement`,
/// `participation_N`, `bonds`), `residual`, the PHM arrays when present, and the note
/// `normalization`.
fn write_modes<const D: usize>(path: &Path, net: &Network<D>, m: &ModeResults) -> Result<()> {
    let k = m.modes.lambda.len() as u64;
    let nb = net.n_bonds() as u64;
    let n = net.n_total as u64;
    // particle fields in the file's numbering, rattlers zero
    let expand = |fields: &mut dyn Iterator<Item = &Vec<f64>>| -> Vec<f64> {
        let mut out = Vec::new();
        for f in fields {
            let mut full = vec![0.0; net.n_total * D];
            for (p, &orig) in net.kept.iter().enumerate() {
                full[orig * D..orig * D + D].copy_from_slice(&f[p * D..p * D + D]);
            }
            out.extend(full);
        }
        out
    };
    let mut z = crate::io::npy::Npz::new();
    z.add("lambda", &[k], &m.modes.lambda)?;
    let f: Vec<f64> = m.modes.bond_force.concat();
    z.add("bond_force", &[k, nb], &f)?;
    let shape = [k, n, D as u64];
    z.add(
        "particle_force",
        &shape,
        &expand(&mut m.modes.particle_force.iter()),
    )?;
    z.add(
        "displacement",
        &shape,
        &expand(&mut m.modes.displacement.iter()),
    )?;
    z.add("participation_N", &[k], &m.modes.participation_n)?;
    let bonds: Vec<i64> = net
        .bonds_original()
        .iter()
        .flat_map(|b| b.map(i64::from))
        .collect();
    z.add("bonds", &[nb, 2], &bonds)?;
    z.add("residual", &[k], &m.modes.residual)?;
    if !m.phm.is_empty() {
        let d: Vec<&Vec<f64>> = m.phm.iter().map(|p| &p.displacement).collect();
        z.add("phm_displacement", &shape, &expand(&mut d.into_iter()))?;
        let f: Vec<&Vec<f64>> = m.phm.iter().map(|p| &p.force).collect();
        z.add("phm_force", &shape, &expand(&mut f.into_iter()))?;
        z.add("overlap_D", &[k], &overlaps_d(m))?;
        z.add("overlap_F", &[k], &overlaps_f(m))?;
    }
    z.add_text("normalization", MODES_NORMALIZATION)?;
    z.write(path)
}

fn write_summary<const D: usize>(dir: &Path, a: &Analysis<D>) -> Result<()> {
    let json = serde_json::to_string_pretty(&a.summary)
        .map_err(|e| Error::Numerical(format!("summary.json: {e}")))?;
    crate::io::write_atomic(&dir.join("summary.json"), json.as_bytes())
}
