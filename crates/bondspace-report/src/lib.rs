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
//!
//! The drawing parts (`figures`, `report_figures`, `mode2d`, `reproduce` and [`write_report`])
//! are the default feature `figures`; without it (as the Python module builds it, so that it
//! needs no system font libraries) the crate computes the report's numbers
//! ([`report_numbers`], [`report_json`]) and draws nothing.

pub mod claims;
#[cfg(feature = "figures")]
pub mod figures;
pub mod html;
pub mod json;
pub mod markdown;
#[cfg(feature = "figures")]
pub mod mode2d;
#[cfg(feature = "figures")]
pub mod report_figures;
#[cfg(feature = "figures")]
pub mod reproduce;
pub mod stats;

use std::path::Path;
#[cfg(feature = "figures")]
use std::path::PathBuf;

use bondspace::ensemble::{self, EnsembleSpec, Family};
use bondspace::error::Result;

#[cfg(feature = "figures")]
pub use mode2d::draw_mode_2d;
pub use stats::{GroupStats, group_stats};

/// The directory of the report inside an ensemble directory.
pub const REPORT_DIR: &str = "report";

/// The measured numbers of an ensemble directory: its specification, the statistics of each
/// group (in the order of `ensemble.json`, A_g of the IPL groups at one common Λ) and the
/// paper's claims tested against them: everything of the report but its figures and text.
#[derive(Clone, Debug)]
pub struct ReportNumbers {
    /// The ensemble's specification.
    pub spec: EnsembleSpec,
    /// One entry per group.
    pub stats: Vec<GroupStats>,
    /// Whether each group is an IPL group (else harmonic).
    pub is_ipl: Vec<bool>,
    /// The claims of the paper against the numbers.
    pub claims: Vec<claims::Claim>,
}

impl ReportNumbers {
    /// The IPL groups with samples.
    pub fn ipl(&self) -> Vec<&GroupStats> {
        self.select(true)
    }

    /// The harmonic groups with samples.
    pub fn harmonic(&self) -> Vec<&GroupStats> {
        self.select(false)
    }

    fn select(&self, ipl: bool) -> Vec<&GroupStats> {
        self.stats
            .iter()
            .zip(&self.is_ipl)
            .filter(|(s, i)| **i == ipl && s.samples > 0)
            .map(|(s, _)| s)
            .collect()
    }
}

/// Computes the [`ReportNumbers`] of the ensemble in `dir` (draws and writes nothing).
pub fn report_numbers(dir: &Path) -> Result<ReportNumbers> {
    let spec: EnsembleSpec = ensemble::read_spec(dir)?;
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
    let mut numbers = ReportNumbers {
        spec,
        stats,
        is_ipl: families,
        claims: Vec::new(),
    };
    numbers.claims = claims::claims(&numbers.ipl(), &numbers.harmonic());
    Ok(numbers)
}

/// The content of `report.json` of the ensemble in `dir` (see [`json::report`]), computed
/// without drawing or writing anything.
pub fn report_json(dir: &Path) -> Result<serde_json::Value> {
    let n = report_numbers(dir)?;
    Ok(json::report(&n.stats, &n.claims))
}

/// Writes the figures, `report.md` / `report.html` and `report.json` of the ensemble in `dir`
/// into `dir/report/`; `note` (or, when empty, the text of `dir/note.md` if present) is put at
/// the top of the report (e.g. the reduced scale of a quick run). Returns the path of
/// `report.md`.
#[cfg(feature = "figures")]
pub fn write_report(dir: &Path, note: &str) -> Result<PathBuf> {
    let n = report_numbers(dir)?;
    let out = dir.join(REPORT_DIR);
    let (ipl, harm) = (n.ipl(), n.harmonic());
    std::fs::create_dir_all(&out).map_err(|e| bondspace::Error::io(&out, e))?;
    let figures = report_figures::ensemble_figures(&ipl, &harm, &out)?;
    let md = markdown::report_markdown(dir, &n.spec, note, &n.stats, &n.claims, &figures);
    let md_path = out.join("report.md");
    bondspace::io::write_atomic(&md_path, md.as_bytes())?;
    bondspace::io::write_atomic(&out.join("report.html"), html::html(&md).as_bytes())?;
    let json = serde_json::to_vec_pretty(&json::report(&n.stats, &n.claims))
        .map_err(|e| bondspace::Error::Invalid(format!("report.json: {e}")))?;
    bondspace::io::write_atomic(&out.join("report.json"), &json)?;
    Ok(md_path)
}
