//! The text of `report.md`: the note, the estimators and windows, the table of measured
//! numbers per group, the claims and the figure list; and the number formats.

use std::fmt::Write as _;
use std::path::Path;

use bondspace::ensemble::{EnsembleSpec, Group};

use crate::claims::claims;
use crate::stats::{BOOTSTRAP, GroupStats, MID, TAIL};

pub(crate) fn fmt(v: Option<(f64, f64)>) -> String {
    match v {
        Some((x, e)) if e.is_finite() => format!("{x:.4} ± {e:.4}"),
        Some((x, _)) => format!("{x:.4}"),
        None => "–".into(),
    }
}

pub(crate) fn fmt_e(v: Option<(f64, f64)>) -> String {
    match v {
        Some((x, e)) if e.is_finite() => format!("{x:.3e} ± {e:.2e}"),
        Some((x, _)) => format!("{x:.3e}"),
        None => "–".into(),
    }
}

/// The Markdown of the report of the ensemble in `dir`.
pub fn report_markdown(
    dir: &Path,
    spec: &EnsembleSpec,
    note: &str,
    stats: &[(Group, GroupStats)],
    ipl: &[&(Group, GroupStats)],
    harm: &[&(Group, GroupStats)],
    figures: &[(String, String)],
) -> String {
    // the tables and the claims
    let mut md = String::new();
    let _ = writeln!(md, "# bondspace report\n");
    // a note kept with the ensemble (e.g. the scale of a reproduce run) when none is given
    let kept = std::fs::read_to_string(dir.join("note.md")).unwrap_or_default();
    let note = if note.is_empty() { kept.trim() } else { note };
    if !note.is_empty() {
        let _ = writeln!(md, "{note}\n");
    }
    let _ = writeln!(
        md,
        "Ensemble: `{}` (seed {}, {} samples per group requested). Errors are bootstrap \
         standard errors over samples ({BOOTSTRAP} resamples). Windows: tail λ/λ₀ ∈ [{}, {}], \
         mid λ/λ₀ ∈ [{}, {}]; A_g is the prefactor of P = A_g λ^-7/2 on the tail window; the \
         N·e plateau is the mean N·e of the modes in the tail window, n = 1.15 × plateau and \
         ξ = a₀ n^(1/d).\n",
        dir.display(),
        spec.seed,
        spec.samples,
        TAIL.0,
        TAIL.1,
        MID.0,
        MID.1
    );
    let _ = writeln!(
        md,
        "| group | samples | modes in tail | tail exponent (paper −3.5) | A_g | mid exponent (paper −2) | N·e plateau | ξ |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for (_, s) in stats {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            s.name,
            s.samples,
            s.tail_modes,
            fmt(s.tail_exponent),
            fmt_e(s.a_g),
            fmt(s.mid_exponent),
            fmt(s.plateau),
            fmt(s.xi)
        );
    }
    let _ = writeln!(md, "\n## What the data supports\n");
    for line in claims(ipl, harm) {
        let _ = writeln!(md, "- {line}");
    }
    let _ = writeln!(md, "\n## Figures\n");
    for (file, caption) in figures {
        let _ = writeln!(md, "![{caption}]({file}.png)\n\n{caption} (`{file}.svg`)\n");
    }
    md
}
