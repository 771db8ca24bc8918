//! The analysis of one configuration: checks (force balance, stability, memory), the bond
//! network, a spectrum method, the scales (a₀, G, c_s, ω₀, λ₀, ω_ph), optionally the top
//! modes of A with their pseudo-harmonic counterparts and decay profiles, the participation
//! of every mode and dipole responses; [`analyse_into`] writes them stage by stage into a
//! result directory ([`super::files`]).

use std::path::Path;
use std::time::Instant;

use super::summary::{ModesSummary, Summary};
use super::write::{clear_results, write_present};
use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::measures::elastic::HessianSolver;
use crate::measures::{self, Scales};
use crate::modes::bond::BondModes;
use crate::modes::decay::{self, DecayAccumulator, DecayProfile, RadialBins};
use crate::modes::dipole::DipoleResponse;
use crate::modes::phm::{self, PhmResult};
use crate::operators::Network;
use crate::operators::factor::Ordering;
use crate::spectra::{self, Method, Spectrum};
use crate::stats::log_edges;

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
    /// Refuse ([`Error::Unstable`]) a configuration whose shear modulus G is not positive, so
    /// that λ₀ = ω₀⁻², the unit of every λ, is undefined. When false (ensembles, which keep and
    /// flag such samples) only `slicing`, whose bins are in units of λ₀, refuses it.
    pub positive_modulus: bool,
}

/// Most logarithmic bins of the slicing method (each edge inside the spectrum costs a sparse
/// factorization).
pub const MAX_BINS: usize = 10_000;

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
            positive_modulus: true,
        }
    }
}

/// Default force-balance check of the analysis, relative to the typical pair force.
pub const DEFAULT_BALANCE_TOL: f64 = 1e-8;

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
    /// The box length L of the decay fits' image term (the smallest box length).
    pub decay_box: f64,
    /// Per-mode decay profiles by field name (each K × bins, on the bins of `decay`).
    pub decay_modes: Vec<(String, Vec<Vec<f64>>)>,
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
    let mut per_mode = Vec::new();
    for (name, fs) in fields {
        let mut acc = DecayAccumulator::new(bins.clone());
        let mut profiles = Vec::with_capacity(fs.len());
        for f in fs {
            let p = decay::profile(f, &pos, &cfg.simbox, &bins);
            acc.add(&p);
            profiles.push(p);
        }
        out.push((name.to_string(), acc.finish()));
        per_mode.push((name.to_string(), profiles));
    }
    m.decay = out;
    m.decay_modes = per_mode;
    m.decay_window = decay::default_window(a0, l);
    m.decay_box = l;
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
    if opt.method == Method::Slicing && !(1..=MAX_BINS).contains(&opt.bins) {
        return Err(Error::Invalid(format!(
            "{} slicing bins: between 1 and {MAX_BINS} are possible",
            opt.bins
        )));
    }
    // (state refuses non-finite energies and forces: coincident particles)
    let st = crate::state::state(cfg)?;
    if let Some(tol) = opt.force_tolerance
        && st.max_force > (tol * st.typical_pair_force).max(st.force_resolution)
    {
        return Err(Error::NotBalanced {
            max_force: st.max_force,
            tolerance: tol,
            typical_force: st.typical_pair_force,
            resolution: st.force_resolution,
        });
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
    // (no factorization at all where every bond is repulsive: spectra::repulsive_rank, exact
    // once the pinned Hessian's Cholesky factorization below succeeds)
    let sparse_rank = match opt.method {
        Method::Sparse => Some(spectra::slicing::bond_rank(
            &net,
            1e-9 / spectra::hessian_bound(&net),
            opt.ordering,
        )?),
        _ => None,
    };
    // G (and with it λ₀, ω₀) first: it factorizes the pinned Hessian, which fails for an
    // unstable configuration, and slicing needs the scales for its bins. The factor is kept
    // for the modes and dipoles.
    let solver = HessianSolver::with_ordering(&net, opt.ordering)?;
    let scales = measures::scales_with(&net, &solver);
    let g = scales.shear_modulus;
    if !(g > 0.0 && scales.lambda_0.is_finite())
        && (opt.positive_modulus || opt.method == Method::Slicing)
    {
        let why = if st.max_force
            > (DEFAULT_BALANCE_TOL * st.typical_pair_force).max(st.force_resolution)
        {
            " (it is not force-balanced, and G assumes force balance)"
        } else {
            ""
        };
        return Err(Error::Unstable(format!(
            "the shear modulus G = {g:.6e} is not positive{why}: the configuration is not a \
             stable solid, and λ₀ = 1/ω₀², the unit of the λ bins and of every reported λ/λ₀, \
             is undefined"
        )));
    }
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
        Method::Dense => spectra::dense::spectrum(&net)?,
        Method::Explicit => spectra::explicit::spectrum(&net)?,
        Method::Slicing => {
            let (l0, w0) = (scales.lambda_0, scales.omega_0);
            let le = log_edges(opt.lambda_range.0 * l0, opt.lambda_range.1 * l0, opt.bins)?;
            let we = log_edges(
                (opt.omega_range.0 * w0).powi(2),
                (opt.omega_range.1 * w0).powi(2),
                opt.bins,
            )?;
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
        return Err(Error::Unstable(format!(
            "the configuration is mechanically unstable: the Hessian has the negative \
             eigenvalue {:.3e}",
            spectrum.min_hessian
        )));
    }
    if opt.modes > spectrum.n_nonzero {
        return Err(Error::TooManyModes {
            requested: opt.modes,
            available: spectrum.n_nonzero,
        });
    }
    let summary = Summary {
        n_particles: cfg.len(),
        n_rattlers: net.n_rattlers(),
        dim: D,
        n_bonds: net.n_bonds(),
        n_sss: spectrum.n_sss,
        n_nonzero: spectrum.n_nonzero,
        scales,
        energy: st.energy,
        pressure: st.pressure,
        max_force: st.max_force,
        min_hessian_eigenvalue: opt.method.has_eigenvalues().then_some(spectrum.min_hessian),
        method: opt.method,
        factor: solver.factor().info(),
        modes: None,
        seconds: start.elapsed().as_secs_f64(),
        stages: vec![("spectrum".into(), start.elapsed().as_secs_f64())],
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
    let save = |a: &mut Analysis<D>, stage: &str| -> Result<()> {
        let now = start.elapsed().as_secs_f64();
        if !stage.is_empty() {
            let before: f64 = a.summary.stages.iter().map(|s| s.1).sum();
            a.summary.stages.push((stage.into(), now - before));
        }
        a.summary.seconds = now;
        match out {
            Some(dir) => write_present(dir, a),
            None => Ok(()),
        }
    };
    save(&mut a, "")?;
    if opt.modes > 0 || opt.dipoles > 0 {
        if opt.modes > 0 {
            let mut m = top_modes_and_phm(&a.network, &solver, opt)?;
            decay_profiles(cfg, &a.network, &mut m)?;
            a.summary.modes = Some(modes_summary(&m));
            a.modes = Some(m);
            save(&mut a, "modes")?;
        }
        let sample = crate::modes::dipole::bond_sample(a.network.n_bonds(), opt.dipoles);
        a.dipoles = crate::modes::dipole::dipole_responses(&a.network, &solver, &sample);
        if !a.dipoles.is_empty() {
            save(&mut a, "dipoles")?;
        }
    }
    if opt.participation {
        a.participation = Some(crate::modes::bond::all_participations(&a.network)?);
        save(&mut a, "participation")?;
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
                    decay::fit_exponent_periodic(&p.r, &p.mean, m.decay_window, m.decay_box),
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
        return Err(Error::MemoryExceeded {
            what: format!(
                "the {} method{} (dense matrices for nd = {nd})",
                opt.method.name(),
                if opt.participation {
                    " with the participation of every mode"
                } else {
                    ""
                }
            ),
            need,
            available: avail,
        });
    }
    Ok(())
}

/// The λ/λ₀ bin edges of the default slicing bins, which are also the bins of an ensemble's
/// pooled P(λ) (so that slicing counts add up directly).
pub fn lambda_bins() -> Vec<f64> {
    let o = Options::default();
    log_edges(o.lambda_range.0, o.lambda_range.1, o.bins).expect("the default bins are valid")
}

/// The ω/ω₀ bin edges of an ensemble's pooled D(ω) (the default slicing range).
pub fn omega_bins() -> Vec<f64> {
    let o = Options::default();
    log_edges(o.omega_range.0, o.omega_range.1, o.bins).expect("the default bins are valid")
}
