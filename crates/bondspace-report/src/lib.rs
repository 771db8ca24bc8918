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
//! - [`figures`]: the plot engine; [`report_figures`]: the figures of a report;
//! - [`claims`]: the paper's claims against the numbers;
//! - [`markdown`], [`html`]: the text of the report; [`json`]: `report.json`;
//! - [`mode2d`]: the picture of a mode of a 2D glass;
//! - [`reproduce`]: ensembles, reports and the mode picture of a preset study.

pub mod claims;
pub mod figures;
pub mod html;
pub mod json;
pub mod markdown;
pub mod mode2d;
pub mod report_figures;
pub mod reproduce;
pub mod stats;

use std::path::{Path, PathBuf};

use bondspace::ensemble::{self, EnsembleSpec, Family};
use bondspace::error::{Error, Result};

pub use mode2d::draw_mode_2d;
pub use stats::{GroupStats, group_stats};

/// The directory of the report inside an ensemble directory.
pub const REPORT_DIR: &str = "report";

/// Writes the figures, `report.md` / `report.html` and `report.json` of the ensemble in `dir`
/// into `dir/report/`; `note` (or, when empty, the text of `dir/note.md` if present) is put at
/// the top of the report (e.g. the reduced scale of a quick run). Returns the path of
/// `report.md`.
pub fn write_report(dir: &Path, note: &str) -> Result<PathBuf> {
    let spec: EnsembleSpec = ensemble::read_spec(dir)?;
    let out = dir.join(REPORT_DIR);
    let mut stats = Vec::new();
    let mut families = Vec::new();
    let mut records = Vec::new();
    for (gi, group) in spec.groups.iter().enumerate() {
        let data = ensemble::load_group(dir, &spec, group)?;
        stats.push(group_stats(group, &data, spec.seed + gi as u64));
        families.push(matches!(group.family, Family::Ipl { .. }));
        records.push(data);
    }
    // A_g of the IPL groups at one Λ, the largest of their λ_min, so that R_Ag compares like
    // with like
    let common = stats
        .iter()
        .zip(&families)
        .filter(|(_, ipl)| **ipl)
        .filter_map(|(s, _)| s.tail.map(|t| t.lambda_min))
        .fold(f64::NAN, f64::max);
    if common.is_finite() {
        for (gi, ((s, ipl), data)) in stats.iter_mut().zip(&families).zip(&records).enumerate() {
            if *ipl && !data.is_empty() {
                let pooling = ensemble::pool::Pooling::for_group(data);
                let (a, asim) = stats::a_g_at(data, &pooling, s.dim, common, spec.seed + gi as u64);
                s.a_g = a;
                s.a_g_sim = asim;
                s.a_g_threshold = common;
            }
        }
    }
    let ipl: Vec<&GroupStats> = stats
        .iter()
        .zip(&families)
        .filter(|(s, ipl)| **ipl && s.samples > 0)
        .map(|(s, _)| s)
        .collect();
    let harm: Vec<&GroupStats> = stats
        .iter()
        .zip(&families)
        .filter(|(s, ipl)| !**ipl && s.samples > 0)
        .map(|(s, _)| s)
        .collect();
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    let figures = report_figures::ensemble_figures(&ipl, &harm, &out)?;
    let claims = claims::claims(&ipl, &harm);
    let md = markdown::report_markdown(dir, &spec, note, &stats, &claims, &figures);
    let md_path = out.join("report.md");
    bondspace::io::write_atomic(&md_path, md.as_bytes())?;
    bondspace::io::write_atomic(&out.join("report.html"), html::html(&md).as_bytes())?;
    let json = serde_json::to_vec_pretty(&json::report(&stats, &claims))
        .map_err(|e| Error::Invalid(format!("report.json: {e}")))?;
    bondspace::io::write_atomic(&out.join("report.json"), &json)?;
    Ok(md_path)
}
