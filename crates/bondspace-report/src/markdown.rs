//! The text of `report.md`: the note, the estimators, the equilibration and scales of each
//! group, the table of measured numbers, the claims and the figure list.

use std::fmt::Write as _;
use std::path::Path;

use bondspace::ensemble::EnsembleSpec;

use crate::claims::{Claim, pm, pm_e};
use crate::stats::{BOOTSTRAP, Estimate, GroupStats, QLM_OVERLAP, TAIL_FLOOR, TAIL_MIN_MODES};

fn opt(e: Option<Estimate>) -> String {
    e.map_or("–".into(), pm)
}

fn opt_e(e: Option<Estimate>) -> String {
    e.map_or("–".into(), pm_e)
}

/// A Markdown table cell: its pipes escaped (a claim such as |D| ∼ r⁻² has them).
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// One row of a claim table: the claim, the paper's value when given, the group, ours, the
/// test and the verdict (marked when its samples were not all equilibrated).
pub fn claim_row(c: &Claim, paper_value: Option<&str>) -> String {
    let mut cells = vec![cell(&c.paper)];
    cells.extend(paper_value.map(cell));
    cells.extend([cell(&c.group), cell(&c.ours), cell(&c.test)]);
    cells.push(format!(
        "{}{}",
        cell(&c.verdict.to_string()),
        if c.unequilibrated {
            " — from samples not all equilibrated"
        } else {
            ""
        }
    ));
    format!("| {} |", cells.join(" | "))
}

/// The Markdown of the report of the ensemble in `dir`.
pub fn report_markdown(
    dir: &Path,
    spec: &EnsembleSpec,
    note: &str,
    stats: &[GroupStats],
    claims: &[Claim],
    figures: &[(String, String)],
) -> String {
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
        "Ensemble: `{}` (seed {}, {} samples per group requested). Every error is a bootstrap \
         standard error over samples ({BOOTSTRAP} resamples). Eigenvalues are in units of each \
         group's λ₀ = a₀^(2−d)/Ḡ from its mean shear modulus (samples with G ≤ 0 stay in, and \
         are counted). Estimators: the tail exponent of P(λ) by continuous power-law maximum \
         likelihood of the eigenvalues ≥ λ_min, λ_min chosen by the minimum Kolmogorov–Smirnov \
         distance among the eigenvalues above {TAIL_FLOOR} λ₀ leaving at least {TAIL_MIN_MODES} \
         modes (binned likelihood for slicing counts; the error re-chooses λ_min in every \
         resample); A_g = (5/2) Λ^(5/2) N(λ > Λ)/(N d) at Λ = λ_min (for a Tp series, at the largest λ_min of its groups, so that the ratios count one range); the \
         mid exponent by truncated maximum likelihood on the half-decade window above the \
         peak of P where the local exponent is flattest; the N·e plateau as the mean N·e of \
         the modes above λ_min, n = 1.15 × plateau, ξ = a₀ n^(1/d); decay exponents by least \
         squares on the profiles of the QLM-like modes (1 − |⟨D|D_PH⟩| < {QLM_OVERLAP}); \
         log-binned least squares appear only as drawn guides.\n",
        dir.display(),
        spec.seed,
        spec.samples,
    );
    let _ = writeln!(md, "## Samples, equilibration and scales\n");
    let _ = writeln!(
        md,
        "| group | samples | SWAP-equilibrated | chains (lag-1 correlation of e_IS, pairs) | G ≤ 0 | e_IS = E/N | G | λ₀ | ω_ph/ω₀ | acceptance (moves, swaps) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
    for s in stats {
        let p = &s.pooled;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.5} ± {:.5} | {:.4} ± {:.4} | {:.4e} ± {:.2e} | {:.4} | {} |",
            s.name,
            s.samples,
            p.n_equilibrated
                .map_or("– (no SWAP)".into(), |k| format!("{k} of {}", s.samples)),
            match (p.chains, p.e_is_lag1) {
                (Some(c), Some((r, se, pairs))) => format!("{c} ({r:+.2} ± {se:.2}, {pairs})"),
                (Some(c), None) => format!("{c} (–)"),
                _ => "– (own runs)".into(),
            },
            p.n_nonpositive_g,
            p.energy_per_particle.0,
            p.energy_per_particle.1,
            p.shear_modulus.0,
            p.shear_modulus.1,
            p.lambda_0.0,
            s.lambda0_se,
            p.omega_ph_over_omega_0,
            p.acceptance.map_or("–".into(), |(a, b)| format!(
                "{:.1} %, {:.1} %",
                100.0 * a,
                100.0 * b
            )),
        );
    }
    let _ = writeln!(md, "\n## Measured numbers\n");
    let _ = writeln!(
        md,
        "| group | tail exponent (λ_min/λ₀, modes) | A_g (λ/λ₀ units) at Λ/λ₀ | A_g (simulation units) | mid exponent (window) | N·e plateau (modes) | ξ/a₀ (plateau) | ω_g/ω₀ (dipoles) | ξ_g/a₀ = 2π c_s/(ω_g a₀) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    for s in stats {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.name,
            s.tail.map_or("–".into(), |t| format!(
                "{} ({:.2}, {})",
                pm(t.exponent),
                t.lambda_min,
                t.n_modes
            )),
            s.a_g.map_or("–".into(), |a| format!(
                "{} at {:.2}",
                pm_e(a),
                s.a_g_threshold
            )),
            opt_e(s.a_g_sim),
            s.mid.as_ref().map_or("–".into(), |m| format!(
                "{} ([{:.3}, {:.3}])",
                pm(m.exponent),
                m.window.0,
                m.window.1
            )),
            s.plateau
                .map_or("–".into(), |p| format!("{} ({})", pm(p), s.plateau_modes)),
            opt(s.xi),
            s.omega_g.map_or("–".into(), |w| format!(
                "{} ({} dipoles)",
                pm(w),
                s.dipoles
            )),
            opt(s.xi_g),
        );
    }
    let decay: Vec<&GroupStats> = stats.iter().filter(|s| !s.decay.is_empty()).collect();
    if !decay.is_empty() {
        let _ = writeln!(
            md,
            "\nDecay exponents (r/a₀ window; modes used — QLM-like only where per-mode profiles exist):\n"
        );
        let _ = writeln!(md, "| group | window r/a₀ | modes | D | F | D_PH | F_PH |");
        let _ = writeln!(md, "|---|---|---|---|---|---|---|");
        for s in decay {
            let get = |f: &str| {
                s.decay
                    .iter()
                    .find(|(n, _)| n == f)
                    .map_or("–".into(), |(_, w)| pm(w.exponent))
            };
            let w = s.decay[0].1.window;
            let _ = writeln!(
                md,
                "| {} | [{:.2}, {:.2}] | {}{} | {} | {} | {} | {} |",
                s.name,
                w.0,
                w.1,
                s.decay_modes,
                if s.decay_qlm_only {
                    ""
                } else {
                    " (all top modes)"
                },
                get("D"),
                get("F"),
                get("D_PH"),
                get("F_PH")
            );
        }
    }
    let _ = writeln!(md, "\n## The paper's claims\n");
    let _ = writeln!(md, "| claim | group | ours | test | verdict |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for c in claims {
        let _ = writeln!(md, "{}", claim_row(c, None));
    }
    let _ = writeln!(md, "\n## Figures\n");
    for (file, caption) in figures {
        let _ = writeln!(md, "![{caption}]({file}.png)\n\n{caption} (`{file}.svg`)\n");
    }
    md
}
