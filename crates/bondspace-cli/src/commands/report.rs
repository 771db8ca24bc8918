//! `bondspace report` and `bondspace reproduce`: the report of an ensemble directory, and the
//! paper's study end to end.

use std::path::{Path, PathBuf};

use bondspace::ensemble::presets;
use bondspace::progress::Progress;
use bondspace_report::reproduce::{self, ReproduceEvents};

use crate::progress;

/// Runs `report`.
pub fn report(dir: &Path) -> anyhow::Result<()> {
    let path = bondspace_report::write_report(dir, "")?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Terminal bars and lines on stderr.
struct Terminal;

impl ReproduceEvents for Terminal {
    fn progress(&self, name: &str) -> Box<dyn Progress + '_> {
        // a bar is cleared from the terminal when it drops, at the end of the stage
        Box::new(if name.contains("picture") {
            progress::spinner(name)
        } else {
            progress::bar(0, name)
        })
    }
    fn say(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// Runs `reproduce` (`budget`: the `--study` preset with that budget in minutes).
pub fn reproduce(
    full: bool,
    budget: Option<f64>,
    output: Option<PathBuf>,
    seed: u64,
) -> anyhow::Result<()> {
    let study = match budget {
        Some(b) if !(b.is_finite() && b > 0.0) => {
            return Err(crate::args::input_error(
                "--budget must be a positive number of minutes",
            ));
        }
        Some(b) => presets::deciding(seed, b),
        None if full => presets::full(seed),
        None => presets::quick(seed),
    };
    let dir = output.unwrap_or_else(|| PathBuf::from(study.default_dir));
    reproduce::run(&study, &dir, &Terminal)?;
    Ok(())
}
