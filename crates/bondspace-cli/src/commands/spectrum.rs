//! `bondspace spectrum`: the bond-operator and Hessian spectra of one configuration, and
//! optionally its modes, participation and dipole responses, written to a directory.

use std::path::{Path, PathBuf};

use bondspace::results::{self, Analysis, Options};
use bondspace::with_dim;
use clap::Args;

use crate::args::{InputArgs, MethodArg, OrderingArg, check_phm, input_error};
use crate::progress;

/// Options of `spectrum`.
#[derive(Args)]
pub struct SpectrumArgs {
    /// Configuration (extended XYZ, LAMMPS data or dump, GSD).
    config: PathBuf,
    /// Output directory (summary.json, bond_spectrum.npy, hessian_spectrum.npy).
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// dense: reduced generalized eigenproblem (default); explicit: literal A = S M⁺ Sᵀ;
    /// slicing: exact counts in log bins (--bins, --lambda-range, --omega-range) by
    /// inertia; sparse: large systems, no spectrum, the top modes (--modes) by Lanczos on
    /// the sparse factor; auto: dense up to nd = 9000 (if it fits in memory), slicing up
    /// to nd = 60 000, sparse above.
    #[arg(long, value_enum, default_value = "dense")]
    method: MethodArg,
    /// Fill-reducing ordering of the sparse factorizations (METIS nested dissection or
    /// approximate minimum degree).
    #[arg(long, value_enum, default_value = "metis")]
    ordering: OrderingArg,
    /// Slicing: number of logarithmic bins of P(λ) and of D(ω).
    #[arg(long, default_value_t = 30)]
    bins: usize,
    /// Slicing: range of the P(λ) bins in units of λ₀.
    #[arg(long, value_delimiter = ',', default_values_t = [1e-3, 1e4], value_name = "LO,HI")]
    lambda_range: Vec<f64>,
    /// Slicing: range of the D(ω) bins in units of ω₀.
    #[arg(long, value_delimiter = ',', default_values_t = [1e-2, 1e2], value_name = "LO,HI")]
    omega_range: Vec<f64>,
    /// Analyse a configuration that is not force-balanced.
    #[arg(long)]
    allow_unbalanced: bool,
    /// Minimise the configuration first (as `bondspace minimize`; e.g. for a file written
    /// with few decimals or by another code).
    #[arg(long)]
    minimize: bool,
    /// Force tolerance of --minimize, relative to the typical pair force.
    #[arg(long, default_value_t = bondspace::prepare::DEFAULT_REL_TOL, requires = "minimize")]
    tolerance: f64,
    #[command(flatten)]
    read: InputArgs,
    /// The K highest-λ modes of A (f, F, D, N·e) → DIR/modes.npz, and DIR/modes.xyz (one
    /// frame per mode, for OVITO and ASE) with DIR/modes_bonds.dump (bond forces f_α).
    #[arg(long, default_value_t = 0, value_name = "K")]
    modes: usize,
    /// Pseudo-harmonic modes from each displacement mode (needs --modes): PHM arrays and
    /// overlaps in modes.npz.
    #[arg(long)]
    phm: bool,
    /// Participation N·e(F) of every mode (full dense eigendecomposition) →
    /// DIR/participation.npz.
    #[arg(long)]
    participation: bool,
    /// Dipole responses κ_α and A_αα of K evenly spread bonds → DIR/dipoles.npz.
    #[arg(long, default_value_t = 0, value_name = "K")]
    dipoles: usize,
}

/// Runs `spectrum`.
pub fn run(a: SpectrumArgs) -> anyhow::Result<()> {
    check_phm(a.phm, a.modes)?;
    let range_ok = |r: &[f64]| r.len() == 2 && r[0] > 0.0 && r[1] > r[0] && r[1].is_finite();
    if a.bins == 0 || !range_ok(&a.lambda_range) || !range_ok(&a.omega_range) {
        return Err(input_error(
            "--bins must be positive and --lambda-range/--omega-range two increasing positive numbers",
        ));
    }
    let mut cfg = a.read.read(&a.config)?;
    if a.minimize {
        let s = super::minimize::minimize(&mut cfg, a.tolerance, &a.config)?;
        super::minimize::print_summary(&a.config, Path::new("(in memory)"), &s);
    }
    let opt = Options {
        method: a.method.method(),
        ordering: a.ordering.ordering(),
        bins: a.bins,
        lambda_range: (a.lambda_range[0], a.lambda_range[1]),
        omega_range: (a.omega_range[0], a.omega_range[1]),
        force_tolerance: (!a.allow_unbalanced).then_some(results::DEFAULT_BALANCE_TOL),
        modes: a.modes,
        phm: a.phm,
        participation: a.participation,
        dipoles: a.dipoles,
    };
    let bar = progress::spinner(format!("spectrum ({})", opt.method.name()));
    with_dim!(&cfg, c => {
        let r = results::analyse_into(c, &opt, &a.output)
            .map_err(|e| anyhow::Error::new(e).context(format!("{}", a.config.display())))?;
        if r.modes.is_some() {
            results::write::write_mode_frames(&a.output, c, &r)?;
        }
        bar.finish_and_clear();
        print_summary(&a.config, &a.output, &r)
    })
}

fn print_summary<const D: usize>(path: &Path, out: &Path, a: &Analysis<D>) -> anyhow::Result<()> {
    let s = &a.summary;
    eprintln!(
        "{}: N = {} ({} rattlers), N_b = {}, SSS = {}, {} non-zero λ (range [{:.4e}, {:.4e}] where computed), λ₀ = {:.4e}; G = {:.6}; {:.2} s ({}) → {}",
        path.display(),
        s.n_particles,
        s.n_rattlers,
        s.n_bonds,
        s.n_sss,
        s.n_nonzero,
        a.spectrum.bond.first().copied().unwrap_or(0.0),
        a.spectrum.bond.last().copied().unwrap_or(0.0),
        s.scales.lambda_0,
        s.scales.shear_modulus,
        s.seconds,
        s.method.name(),
        out.display()
    );
    if let Some(m) = &s.modes {
        eprintln!("modes: {}", serde_json::to_string(m)?);
    }
    Ok(())
}
