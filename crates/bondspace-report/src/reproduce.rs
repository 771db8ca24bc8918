//! The paper's study end to end: the ensembles of a preset ([`bondspace::ensemble::presets`]),
//! their reports, and the picture of the highest-λ mode of a 2D glass.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bondspace::ensemble::{self, presets::Study};
use bondspace::error::Result;
use bondspace::io::xyz;
use bondspace::prepare::{self, IplOptions};
use bondspace::progress::Progress;
use bondspace::results::{self, files};

/// What a front end is told as the study proceeds.
pub trait ReproduceEvents {
    /// A progress sink for the ensemble `name` (`ipl`, `harmonic`) or the mode picture.
    fn progress(&self, name: &str) -> Box<dyn Progress + '_>;
    /// A line of news (what started, what was written, failed samples).
    fn say(&self, line: &str);
}

/// Runs `study` in `dir`: `dir/ipl` and `dir/harmonic` (ensembles and their reports, with the
/// scale note), `dir/mode2d` (the 2D mode picture) and the index `dir/report.md`. Resumable:
/// finished samples are kept. Returns the path of the index.
pub fn run(study: &Study, dir: &Path, events: &dyn ReproduceEvents) -> Result<PathBuf> {
    let start = Instant::now();
    for (name, spec) in [("ipl", &study.ipl), ("harmonic", &study.harmonic)] {
        let sub = dir.join(name);
        events.say(&format!(
            "{}: {} groups × {} samples",
            sub.display(),
            spec.groups.len(),
            spec.samples
        ));
        let rep = {
            let bar = events.progress(name);
            ensemble::run(&sub, spec, (0, 1), bar.as_ref())?
        };
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
    // a 2D glass and its highest-λ mode, drawn (paper Figs. 1b, 4a–c)
    let two = dir.join("mode2d");
    let n2 = study.mode_picture_n;
    let seed = study.ipl.seed;
    {
        let bar = events.progress("2D mode picture");
        let cfg =
            prepare::ipl_instant_quench::<2>(n2, &IplOptions::defaults(2), seed, bar.as_ref())?;
        xyz::write_xyz(&cfg, &two.join(files::CONFIG))?;
        let a = results::analyse_into(&cfg, &study.mode_picture_analysis, &two)?;
        crate::draw_mode_2d(&cfg, &a, 0, &two, "fig1b_4abc_mode_2d")?;
    }
    let index = format!(
        "# bondspace reproduce\n\n{}\n\n- [IPL glasses: P(λ), D(ω), N·e(λ), annealing, \
         decay, PHM overlaps](ipl/report/report.md) ([html](ipl/report/report.html))\n- \
         [Harmonic packings of several N: size dependence](harmonic/report/report.md) \
         ([html](harmonic/report/report.html))\n- The highest-λ mode of a 2D IPL glass (N = \
         {n2}, Tp = ∞; paper Figs. 1b, 4a–c): \
         ![mode](mode2d/fig1b_4abc_mode_2d.png)\n",
        study.note
    );
    let path = dir.join("report.md");
    bondspace::io::write_atomic(&path, index.as_bytes())?;
    events.say(&format!(
        "wrote {} ({:.0} s in all)",
        two.join("fig1b_4abc_mode_2d.png").display(),
        start.elapsed().as_secs_f64()
    ));
    Ok(path)
}
