//! `bondspace minimize`: FIRE then CG to the force tolerance at fixed box (for configurations
//! from other codes, or written with few decimals), printing what changed.

use std::path::{Path, PathBuf};

use bondspace::prepare::{MinimizeSummary, QuenchOptions, minimize_configuration};
use bondspace::{AnyConfiguration, io::xyz, with_dim};
use clap::Args;

use crate::args::{InputArgs, input_error};
use crate::progress;

/// Options of `minimize`.
#[derive(Args)]
pub struct MinimizeArgs {
    /// Configuration (extended XYZ, LAMMPS data or dump, GSD).
    input: PathBuf,
    /// Output extended-XYZ file.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Force tolerance relative to the typical pair force.
    #[arg(long, default_value_t = bondspace::prepare::DEFAULT_REL_TOL)]
    tolerance: f64,
    #[command(flatten)]
    read: InputArgs,
}

/// Runs `minimize`.
pub fn run(a: MinimizeArgs) -> anyhow::Result<()> {
    let mut cfg = a.read.read(&a.input)?;
    let s = minimize(&mut cfg, a.tolerance, &a.input)?;
    xyz::write_any(&cfg, &a.output)?;
    print_summary(&a.input, &a.output, &s);
    Ok(())
}

/// Minimises `cfg` in place (shared with `spectrum --minimize`).
pub fn minimize(
    cfg: &mut AnyConfiguration,
    tolerance: f64,
    path: &Path,
) -> anyhow::Result<MinimizeSummary> {
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(input_error("--tolerance must be positive"));
    }
    let opt = QuenchOptions {
        rel_tol: tolerance,
        ..Default::default()
    };
    let bar = progress::spinner("minimize".to_string());
    let s = with_dim!(cfg, c => minimize_configuration(c, &opt, &bar))
        .map_err(|e| anyhow::Error::new(e).context(format!("{}", path.display())))?;
    bar.finish_and_clear();
    Ok(s)
}

/// Prints the energy change, the max force before and after and the displacement.
pub fn print_summary(input: &Path, output: &Path, s: &MinimizeSummary) {
    eprintln!(
        "{} → {}: energy {:.12e} → {:.12e} (change {:.3e}); max force {:.3e} → {:.3e} \
         ({:.1e} × the typical pair force); displacement from the input max {:.3e}, RMS {:.3e}; \
         {} iterations",
        input.display(),
        output.display(),
        s.energy_before,
        s.energy_after,
        s.energy_after - s.energy_before,
        s.max_force_before,
        s.max_force_after,
        s.max_force_after / s.typical_force_after,
        s.max_displacement,
        s.rms_displacement,
        s.iterations
    );
    if let Some(x) = s.sizes_restored.filter(|&x| x > 0.0) {
        eprintln!(
            "{}: sizes restored to the IPL size multiset (the file's size_min, size_max, \
             size_exponent, else the defaults): largest change {x:.2e} relative",
            input.display()
        );
    }
}
