//! The paper's study end to end: the ensembles of a preset ([`bondspace::ensemble::presets`]),
//! their reports, the pictures of the modes of a 2D glass, and the study's index
//! `report.md` / `report.json`: every claim side by side with the paper, the figures, the
//! sample counts and the cost per stage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bondspace::ensemble::chains::PrepCost;
use bondspace::ensemble::{self, COST_FILE, Family, presets::Study};
use bondspace::error::{Error, Result};
use bondspace::io::xyz;
use bondspace::prepare::{self, IplOptions};
use bondspace::progress::Progress;
use bondspace::results::{self, files};
use serde::{Deserialize, Serialize};

use crate::claims::{Claim, Verdict, paper_value};
use crate::markdown::claim_row;
use crate::mode2d;

/// What a front end is told as the study proceeds.
pub trait ReproduceEvents {
    /// A progress sink for the ensemble `name` (`ipl`, `harmonic`) or the mode picture.
    fn progress(&self, name: &str) -> Box<dyn Progress + '_>;
    /// A line of news (what started, what was written, failed samples).
    fn say(&self, line: &str);
}

/// Wall seconds of each stage of a study directory, summed over the runs that did work in it
/// (`wall.json`; a resumed run adds what it did).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Walls {
    /// Stage (`ipl`, `harmonic`, `pictures`) → wall seconds.
    pub seconds: BTreeMap<String, f64>,
    /// Threads of the runs (the last run's).
    pub threads: usize,
}

const WALL_FILE: &str = "wall.json";

fn read_walls(dir: &Path) -> Walls {
    std::fs::read_to_string(dir.join(WALL_FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn write_walls(dir: &Path, w: &Walls) -> Result<()> {
    let json =
        serde_json::to_vec_pretty(w).map_err(|e| Error::Invalid(format!("{WALL_FILE}: {e}")))?;
    bondspace::io::write_atomic(&dir.join(WALL_FILE), &json)
}

/// Runs `study` in `dir`: `dir/ipl` and `dir/harmonic` (ensembles and their reports, with the
/// scale note), `dir/mode2d` (the 2D mode pictures) and the index `dir/report.md` with
/// `dir/report.json`. Resumable: finished samples are kept. Returns the path of the index.
pub fn run(study: &Study, dir: &Path, events: &dyn ReproduceEvents) -> Result<PathBuf> {
    let start = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut walls = read_walls(dir);
    walls.threads = bondspace::resources::threads();
    for (name, spec) in [("ipl", &study.ipl), ("harmonic", &study.harmonic)] {
        let sub = dir.join(name);
        events.say(&format!(
            "{}: {} groups × {} samples",
            sub.display(),
            spec.groups.len(),
            spec.samples
        ));
        let t = Instant::now();
        let rep = {
            let bar = events.progress(name);
            ensemble::run(&sub, spec, (0, 1), bar.as_ref())?
        };
        if rep.computed > 0 {
            *walls.seconds.entry(name.into()).or_default() += t.elapsed().as_secs_f64();
            write_walls(dir, &walls)?;
        }
        for (n, e) in &rep.failed {
            events.say(&format!("failed: {n}: {e}"));
        }
        bondspace::io::write_atomic(&sub.join("note.md"), study.note.as_bytes())?;
        let md = crate::write_report(&sub, "")?;
        events.say(&format!(
            "wrote {} ({:.0} s so far)",
            md.display(),
            start.elapsed().as_secs_f64()
        ));
    }
    let t = Instant::now();
    {
        let bar = events.progress("2D mode pictures");
        pictures(study, &dir.join("mode2d"), bar.as_ref())?;
    }
    walls
        .seconds
        .insert("pictures".into(), t.elapsed().as_secs_f64());
    write_walls(dir, &walls)?;
    let path = write_index(study, dir, &walls)?;
    events.say(&format!(
        "wrote {} ({:.0} s in all)",
        path.display(),
        start.elapsed().as_secs_f64()
    ));
    Ok(path)
}

/// The 2D glass of the mode pictures (Tp = ∞, N = `study.mode_picture_n`) and its pictures:
/// Figs. 1b/4a–c always; with `study.hessian_picture`, Fig. 1a beside 1b and Fig. 6.
fn pictures(study: &Study, two: &Path, bar: &dyn Progress) -> Result<()> {
    let n2 = study.mode_picture_n;
    let cfg = prepare::ipl_instant_quench::<2>(n2, &IplOptions::defaults(2), study.ipl.seed, bar)?;
    xyz::write_xyz(&cfg, &two.join(files::CONFIG))?;
    let a = results::analyse_into(&cfg, &study.mode_picture_analysis, two)?;
    crate::draw_mode_2d(&cfg, &a, 0, two, "fig1b_4abc_mode_2d")?;
    if !study.hessian_picture {
        return Ok(());
    }
    let net = &a.network;
    let m = a
        .modes
        .as_ref()
        .ok_or_else(|| Error::Invalid("the 2D analysis has no mode".into()))?;
    let d = &m.modes.displacement[0];
    let cands = bondspace::modes::bond::lowest_hessian_modes(net, 200)?;
    if let Some((i, overlap)) = mode2d::best_hessian_match(&cands, d) {
        let (w2, psi) = &cands[i];
        mode2d::draw_hessian_beside_a(
            &cfg,
            net,
            psi,
            w2.max(0.0).sqrt() / a.scales.omega_0,
            d,
            m.modes.lambda[0] / a.scales.lambda_0,
            overlap,
            two,
            "fig1a_1b_hessian_beside_A",
        )?;
    }
    let dm = bondspace::modes::bond::dense_modes(net)?;
    mode2d::draw_participation_modes(
        &cfg,
        net,
        &dm,
        a.scales.lambda_0,
        two,
        "fig6_participation_modes",
    )
}

/// Stage → (core-seconds summed over samples, samples), per group.
pub type StageCosts = BTreeMap<String, BTreeMap<String, (f64, usize)>>;

/// Core-seconds per stage of an ensemble directory, from its samples' `cost.json` and the
/// stage times of their `summary.json`.
pub fn stage_costs(dir: &Path) -> Result<StageCosts> {
    let spec = ensemble::read_spec(dir)?;
    let mut out: BTreeMap<String, BTreeMap<String, (f64, usize)>> = BTreeMap::new();
    for g in &spec.groups {
        let stages = out.entry(g.name()).or_default();
        let mut add = |k: &str, v: f64| {
            let e = stages.entry(k.into()).or_insert((0.0, 0));
            e.0 += v;
            e.1 += 1;
        };
        for k in 0..spec.samples {
            let sd = ensemble::sample_dir(dir, g, k);
            if !sd.exists() {
                continue;
            }
            if let Some(c) = std::fs::read_to_string(sd.join(COST_FILE))
                .ok()
                .and_then(|t| serde_json::from_str::<PrepCost>(&t).ok())
            {
                match (c.swap_seconds, &g.family) {
                    (Some(s), _) if c.includes_equilibration => {
                        add("swap: equilibration + first spacing", s)
                    }
                    (Some(s), _) => add("swap: between snapshots", s),
                    _ => {}
                }
                let prep = match (&g.family, c.swap_seconds) {
                    (_, Some(_)) => "quench",
                    (Family::Harmonic { .. }, _) => "packing",
                    _ => "preparation",
                };
                add(prep, c.prepare_seconds);
            }
            if let Ok(s) = results::read_summary(&sd) {
                for (stage, secs) in &s.stages {
                    add(stage, *secs);
                }
            }
        }
    }
    Ok(out)
}

fn mean_of(stages: &BTreeMap<String, (f64, usize)>, k: &str) -> f64 {
    stages
        .get(k)
        .map_or(0.0, |&(s, n)| if n > 0 { s / n as f64 } else { 0.0 })
}

/// The figures of a study directory, as (path relative to it, paper figure, caption).
fn figure_list(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["mode2d", "ipl/report", "harmonic/report"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".png"))
            .collect();
        names.sort();
        for n in names {
            out.push((format!("{sub}/{n}"), n.trim_end_matches(".png").to_string()));
        }
    }
    out
}

/// What a figure file shows, by its name.
fn caption(name: &str) -> &'static str {
    const CAPTIONS: [(&str, &str); 12] = [
        (
            "fig1a_1b",
            "Paper Fig. 1a beside 1b: the Hessian mode that overlaps most with the highest-λ A-mode, and that A-mode's displacement D (2D glass, Tp = ∞)",
        ),
        (
            "fig1b_4abc",
            "Paper Figs. 1b, 4a–c: the highest-λ A-mode of the 2D glass: bond force f, F with F_PH, D with D_PH",
        ),
        (
            "fig6",
            "Paper Fig. 6: participation e of F and D of every A-mode of the 2D glass, and D, F of three modes from low to high λ",
        ),
        (
            "fig1c",
            "Paper Fig. 1c: D(ω) of the 3D IPL glasses, ω⁴ guide, ω_ph marked",
        ),
        (
            "fig1d",
            "Paper Fig. 1d: P(λ) of the same glasses, λ⁻³·⁵ guide",
        ),
        (
            "fig3a",
            "Paper Fig. 3a: P(λ) per Tp with the tail and mid fits",
        ),
        ("fig3b", "Paper Fig. 3b: N·e(λ) per Tp with the plateaus"),
        (
            "fig4d",
            "Paper Fig. 4d: decay profiles |D|, |F|, |D_PH|, |F_PH| against r/a₀",
        ),
        (
            "fig4e",
            "Paper Fig. 4e: 1 − ⟨D|D_PH⟩ and 1 − ⟨F|F_PH⟩ against λ/λ₀",
        ),
        (
            "fig5",
            "Paper Fig. 5: R_Ag (both units) and R_ξ (plateau and dipoles) against Tp",
        ),
        (
            "fig7a",
            "Paper Fig. 7a: P(λ) of harmonic packings of several N",
        ),
        (
            "fig7b",
            "Paper Fig. 7b: D(ω) of harmonic packings of several N, ω_ph marked",
        ),
    ];
    CAPTIONS
        .iter()
        .find(|(k, _)| name.starts_with(k))
        .map_or("", |(_, c)| c)
}

/// Writes the study's index `dir/report.md` and `dir/report.json`.
pub fn write_index(study: &Study, dir: &Path, walls: &Walls) -> Result<PathBuf> {
    let ipl = crate::report_numbers(&dir.join("ipl"))?;
    let harm = crate::report_numbers(&dir.join("harmonic"))?;
    // one block of rows per claim of the paper, in the paper's order, groups in order within
    let mut claims: Vec<&Claim> = ipl.claims.iter().chain(&harm.claims).collect();
    claims.sort_by_key(|c| crate::claims::claim_kind(c).unwrap_or(usize::MAX));
    let costs_ipl = stage_costs(&dir.join("ipl"))?;
    let costs_harm = stage_costs(&dir.join("harmonic"))?;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# bondspace reproduce: the paper's claims at the `{}` scale\n",
        study.name
    );
    let _ = writeln!(md, "{}\n", study.note);
    // counts actually used
    let _ = writeln!(md, "## Samples used\n");
    let _ = writeln!(md, "| group | samples | SWAP-equilibrated | chains |");
    let _ = writeln!(md, "|---|---|---|---|");
    for s in ipl.stats.iter().chain(&harm.stats) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            s.name,
            s.samples,
            s.pooled
                .n_equilibrated
                .map_or("– (no SWAP)".into(), |k| format!("{k} of {}", s.samples)),
            s.pooled.chains.map_or("–".into(), |c| c.to_string()),
        );
    }
    let part = study.ipl.analysis.participation_samples;
    let _ = writeln!(
        md,
        "\nThe participation of every mode (Fig. 3b, N·e plateau) comes from the first {} \
         glasses of each Tp; the other glasses add their top {} modes to the plateau.\n",
        part.map_or("all".into(), |k| k.to_string()),
        study.ipl.analysis.modes
    );
    // side-by-side claims
    let _ = writeln!(md, "## The paper's claims, side by side\n");
    let _ = writeln!(
        md,
        "Every number is ours with its bootstrap standard error over samples; the test is \
         stated in each row, and a verdict is only given where the test can decide. Ratios \
         of A_g are given both in λ/λ₀ units and in simulation units. The estimators, \
         windows and per-group numbers are in [ipl/report/report.md](ipl/report/report.md) \
         and [harmonic/report/report.md](harmonic/report/report.md).\n"
    );
    let _ = writeln!(md, "| claim | paper | group | ours | test | verdict |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for c in &claims {
        let _ = writeln!(md, "{}", claim_row(c, Some(paper_value(c))));
    }
    let disagree: Vec<&&Claim> = claims
        .iter()
        .filter(|c| c.verdict == Verdict::Disagrees)
        .collect();
    if !disagree.is_empty() {
        let ipl_opt = IplOptions::defaults(3);
        let _ = writeln!(md, "\n### Where the data disagree with the paper\n");
        let _ = writeln!(
            md,
            "What was checked for every disagreement below: the equilibration of the SWAP \
             chains (table above: every sample's chain passed its checks of ≥ 3 Q and ≥ 2 C \
             relaxations unless marked); the model, which is the paper's IPL glass (exponent \
             10, density {}, size polydispersity {:.2}–{:.2} with p(λ) ∝ λ^{}, the smoothing \
             of the pair potential at the cutoff as SPEC.md sets it); the Tp scale (the \
             energies e_IS against Tp are in the README's Tp table). What would settle each \
             is named in its row's test: more samples where the error decides, a larger N \
             where a window is too short.\n",
            ipl_opt.density, ipl_opt.size_min, ipl_opt.size_max, ipl_opt.size_exponent
        );
        for c in disagree {
            let _ = writeln!(md, "- {} ({}): {}", c.paper, c.group, c.ours);
        }
    }
    // figures
    let _ = writeln!(md, "\n## Figures\n");
    for (path, name) in figure_list(dir) {
        let _ = writeln!(md, "![{name}]({path})\n\n{} (`{name}`)\n", caption(&name));
    }
    // cost
    let _ = writeln!(md, "## Cost\n");
    let threads = walls.threads.max(1);
    let total_wall: f64 = walls.seconds.values().sum();
    let _ = writeln!(
        md,
        "Wall time of the run (summed over the runs that did work in this directory) on {threads} \
         threads: {:.1} min, {:.2} core-hours.\n",
        total_wall / 60.0,
        total_wall * threads as f64 / 3600.0
    );
    let _ = writeln!(md, "| stage | wall (min) |");
    let _ = writeln!(md, "|---|---|");
    for (k, v) in &walls.seconds {
        let _ = writeln!(md, "| {k} | {:.1} |", v / 60.0);
    }
    let _ = writeln!(
        md,
        "\nCore-seconds per stage, summed over the samples, and the mean per sample (each \
         sample runs on one core):\n"
    );
    let _ = writeln!(
        md,
        "| group | stage | samples | core-seconds | per sample (s) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for (g, stages) in costs_ipl.iter().chain(&costs_harm) {
        for (k, (s, n)) in stages {
            let _ = writeln!(md, "| {g} | {k} | {n} | {s:.0} | {:.2} |", s / *n as f64);
        }
    }
    // projection to --full
    let full = bondspace::ensemble::presets::full(study.ipl.seed);
    let mut proj: Vec<(String, f64)> = Vec::new();
    for (g, stages) in &costs_ipl {
        let per = mean_of(stages, "swap: between snapshots")
            + mean_of(stages, "quench")
            + mean_of(stages, "spectrum")
            + mean_of(stages, "modes")
            + mean_of(stages, "dipoles");
        let eq = mean_of(stages, "swap: equilibration + first spacing");
        let chains = full.ipl.chains.as_ref().map_or(1, |c| c.chains);
        let parts = full
            .ipl
            .analysis
            .participation_samples
            .unwrap_or(full.ipl.samples);
        let core_s = full.ipl.samples as f64 * per
            + chains as f64 * eq
            + parts as f64 * mean_of(stages, "participation");
        proj.push((g.clone(), core_s));
    }
    for (g, stages) in &costs_harm {
        let per: f64 = ["packing", "spectrum"]
            .iter()
            .map(|k| mean_of(stages, k))
            .sum();
        proj.push((g.clone(), full.harmonic.samples as f64 * per));
    }
    let _ = writeln!(
        md,
        "\nProjection to `--full` ({} glasses per Tp, {} chains per Tp, participation on {}, \
         {} packings per N) from the per-sample means above; Tp = 0.32, not in this run, \
         from the constants of `presets` ({:.0} s between snapshots, {:.0} s equilibration per \
         chain, from the mean of two equilibrated N = 2000 chains; README, \"What the paper's full \
         study costs\"):\n",
        full.ipl.samples,
        full.ipl.chains.as_ref().map_or(1, |c| c.chains),
        full.ipl
            .analysis
            .participation_samples
            .unwrap_or(full.ipl.samples),
        full.harmonic.samples,
        bondspace::ensemble::presets::IPL_SWAP_SECONDS[0].1,
        bondspace::ensemble::presets::IPL_SWAP_SECONDS[0].2,
    );
    if !costs_ipl.keys().any(|k| k.contains("tp0.32")) {
        let (_, s, eq) = bondspace::ensemble::presets::IPL_SWAP_SECONDS[0];
        let analysis = costs_ipl.values().next().map_or(
            bondspace::ensemble::presets::IPL_ANALYSIS_SECONDS,
            |st| {
                ["quench", "spectrum", "modes", "dipoles"]
                    .iter()
                    .map(|k| mean_of(st, k))
                    .sum()
            },
        );
        let chains = full.ipl.chains.as_ref().map_or(1, |c| c.chains) as f64;
        proj.push((
            "ipl-3d-n2000-tp0.32 (constants)".into(),
            full.ipl.samples as f64 * (s + analysis) + chains * eq,
        ));
    }
    let _ = writeln!(md, "| group | projected core-hours |");
    let _ = writeln!(md, "|---|---|");
    let mut total = 0.0;
    for (g, s) in &proj {
        total += s;
        let _ = writeln!(md, "| {g} | {:.0} |", s / 3600.0);
    }
    let _ = writeln!(md, "| total | {:.0} |", total / 3600.0);
    let path = dir.join("report.md");
    bondspace::io::write_atomic(&path, md.as_bytes())?;
    // report.json
    let cost_json = |c: &StageCosts| {
        serde_json::json!(
            c.iter()
                .map(|(g, st)| (
                    g.clone(),
                    serde_json::Value::Object(
                        st.iter()
                            .map(|(k, (s, n))| {
                                (
                                    k.clone(),
                                    serde_json::json!({"core_seconds": s, "samples": n}),
                                )
                            })
                            .collect::<serde_json::Map<_, _>>()
                    )
                ))
                .collect::<serde_json::Map<_, _>>()
        )
    };
    let json = serde_json::json!({
        "study": study.name,
        "note": study.note,
        "ipl": crate::json::report(&ipl.stats, &ipl.claims),
        "harmonic": crate::json::report(&harm.stats, &harm.claims),
        "claims": claims.iter().map(|c| serde_json::json!({
            "paper": c.paper, "paper_value": paper_value(c), "group": c.group, "ours": c.ours,
            "test": c.test, "verdict": c.verdict.to_string(), "unequilibrated": c.unequilibrated,
        })).collect::<Vec<_>>(),
        "cost": {
            "wall_seconds": walls.seconds,
            "threads": walls.threads,
            "ipl": cost_json(&costs_ipl),
            "harmonic": cost_json(&costs_harm),
            "full_projection_core_hours": proj.iter().map(|(g, s)| (g.clone(), serde_json::json!(s / 3600.0))).collect::<serde_json::Map<_, _>>(),
        },
    });
    let bytes = serde_json::to_vec_pretty(&json)
        .map_err(|e| Error::Invalid(format!("report.json: {e}")))?;
    bondspace::io::write_atomic(&dir.join("report.json"), &bytes)?;
    Ok(path)
}
