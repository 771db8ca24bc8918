//! # bondspace-report
//!
//! The report of an ensemble directory: figures as PNG and SVG, one per paper figure the data
//! allows, and `report.md` / `report.html` with every measured number, its bootstrap error
//! over samples, and a plain statement of what the data says of the paper's claims; and the
//! paper's study end to end (`reproduce`). This crate is the only one that draws (plotters,
//! and through it fontconfig and freetype); the core library `bondspace` has no such
//! dependency.
//!
//! - [`stats`]: the measured numbers of each group ([`GroupStats`]);
//! - [`figures`]: plots and the figures of a report;
//! - [`claims`]: the paper's claims against the numbers;
//! - [`markdown`], [`html`]: the text of the report;
//! - [`mode2d`]: the picture of a mode of a 2D glass;
//! - [`reproduce`]: ensembles, reports and the mode picture of a preset study.

pub mod claims;
pub mod figures;
pub mod html;
pub mod markdown;
pub mod mode2d;
pub mod reproduce;
pub mod stats;

use std::path::{Path, PathBuf};

use bondspace::ensemble::{self, EnsembleSpec, Family, Group};
use bondspace::error::{Error, Result};

pub use mode2d::draw_mode_2d;
pub use stats::{GroupStats, group_stats};

/// The directory of the report inside an ensemble directory.
pub const REPORT_DIR: &str = "report";

/// Writes the figures and `report.md` / `report.html` of the ensemble in `dir` into
/// `dir/report/`; `note` (or, when empty, the text of `dir/note.md` if present) is put at the
/// top of the report (e.g. the reduced scale of a quick run). Returns the path of `report.md`.
pub fn write_report(dir: &Path, note: &str) -> Result<PathBuf> {
    let spec: EnsembleSpec = ensemble::read_spec(dir)?;
    let out = dir.join(REPORT_DIR);
    let mut stats = Vec::new();
    for (gi, group) in spec.groups.iter().enumerate() {
        let data = ensemble::load_group(dir, &spec, group)?;
        stats.push((
            group.clone(),
            group_stats(group, &data, spec.seed + gi as u64),
        ));
    }
    let ipl: Vec<&(Group, GroupStats)> = stats
        .iter()
        .filter(|(g, s)| matches!(g.family, Family::Ipl { .. }) && s.samples > 0)
        .collect();
    let harm: Vec<&(Group, GroupStats)> = stats
        .iter()
        .filter(|(g, s)| matches!(g.family, Family::Harmonic { .. }) && s.samples > 0)
        .collect();
    let figures = figures::ensemble_figures(&ipl, &harm, &out)?;
    let md = markdown::report_markdown(dir, &spec, note, &stats, &ipl, &harm, &figures);
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    let md_path = out.join("report.md");
    bondspace::io::write_atomic(&md_path, md.as_bytes())?;
    bondspace::io::write_atomic(&out.join("report.html"), html::html(&md).as_bytes())?;
    Ok(md_path)
}
