//! Fuzzing of the reading and validation path (issue 19), on the stable toolchain: thousands
//! of seeded mutations of extended-XYZ files (and some LAMMPS data, LAMMPS dump and GSD files)
//! are read, checked and, when valid, inspected and analysed in process. No case may panic
//! (each runs under `catch_unwind`), abort or take more than a few seconds; every refusal is
//! an error of one line. The command-line side is `bondspace-cli/tests/fuzz.rs`.

#[path = "fuzz/mutate.rs"]
mod mutate;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bondspace::io::{ReadOptions, read_configuration};
use bondspace::models::Model;
use bondspace::prepare::{self, HarmonicOptions, IplOptions};
use bondspace::progress::SILENT;
use bondspace::{results, state, with_dim};

/// Number of mutated files.
const CASES: usize = 3000;
/// The longest any one case may take (the whole run takes seconds).
const PER_CASE: Duration = Duration::from_secs(10);

fn options(kind: mutate::Kind) -> ReadOptions {
    match kind {
        mutate::Kind::Xyz => ReadOptions::default(),
        _ => ReadOptions {
            model: Some(Model::Ipl(Default::default())),
            ..Default::default()
        },
    }
}

/// What one case came to (for the summary line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Refused,
    Read,
    Analysed,
}

/// Reads, inspects and (for small valid files) analyses one file; an error must be one line.
fn run_case(path: &Path, kind: mutate::Kind) -> Result<Outcome, String> {
    let check = |e: &bondspace::Error| -> Result<Outcome, String> {
        let msg = e.to_string();
        if msg.contains('\n') || msg.is_empty() || msg.len() > 2000 {
            return Err(format!("bad message ({} bytes): {msg:.300}", msg.len()));
        }
        Ok(Outcome::Refused)
    };
    let cfg = match read_configuration(path, &options(kind)) {
        Ok(c) => c,
        Err(e) => return check(&e),
    };
    let st = match with_dim!(&cfg, c => state::state(c)) {
        Ok(s) => s,
        Err(e) => return check(&e),
    };
    if !(st.energy.is_finite() && st.max_force.is_finite() && st.pressure.is_finite()) {
        return Err(format!("non-finite state accepted: {st:?}"));
    }
    if st.n_particles > 400 {
        return Ok(Outcome::Read);
    }
    let opt = results::Options {
        force_tolerance: None,
        modes: 2,
        ..Default::default()
    };
    match with_dim!(&cfg, c => results::analyse(c, &opt).map(|a| a.summary)) {
        Ok(s) => {
            let l0 = s.scales.lambda_0;
            if !(s.scales.shear_modulus > 0.0 && l0.is_finite() && l0 > 0.0) {
                return Err(format!(
                    "analysis accepted G = {}, λ₀ = {l0}",
                    s.scales.shear_modulus
                ));
            }
            Ok(Outcome::Analysed)
        }
        Err(e) => check(&e).map(|_| Outcome::Read),
    }
}

#[test]
fn mutated_files_never_panic_hang_or_abort() {
    let two = vec![
        prepare::ipl_instant_quench::<2>(64, &IplOptions::defaults(2), 1, SILENT).unwrap(),
        prepare::harmonic_packing::<2>(64, &HarmonicOptions::default(), 2, SILENT).unwrap(),
    ];
    let three =
        vec![prepare::ipl_instant_quench::<3>(150, &IplOptions::defaults(3), 3, SILENT).unwrap()];
    let bases = mutate::bases(&two, &three);
    let cases = mutate::cases(&bases, CASES, 19);
    let dir = std::env::temp_dir().join(format!("bondspace-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xyz = cases.iter().filter(|c| c.kind == mutate::Kind::Xyz).count();
    assert!(xyz >= 2000, "{xyz} extended-XYZ cases");

    // the cases run on a worker thread; this one watches the clock
    let (tx, rx) = mpsc::channel::<(usize, Result<Outcome, String>)>();
    let worker_dir = dir.clone();
    let jobs: Vec<(String, mutate::Kind, Vec<u8>)> = cases
        .into_iter()
        .map(|c| (c.name, c.kind, c.bytes))
        .collect();
    let names: Vec<String> = jobs.iter().map(|j| j.0.clone()).collect();
    std::thread::spawn(move || {
        // panics are caught and reported, not printed
        std::panic::set_hook(Box::new(|_| {}));
        for (i, (name, kind, bytes)) in jobs.into_iter().enumerate() {
            let path = worker_dir.join(&name);
            std::fs::write(&path, &bytes).unwrap();
            let r = catch_unwind(AssertUnwindSafe(|| run_case(&path, kind))).unwrap_or_else(|p| {
                let what = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("panicked: {what}"))
            });
            let _ = std::fs::remove_file(&path);
            if tx.send((i, r)).is_err() {
                return;
            }
        }
    });
    let start = Instant::now();
    let mut counts = [0usize; 3];
    let mut failures = Vec::new();
    for expected in 0..names.len() {
        match rx.recv_timeout(PER_CASE) {
            Ok((i, r)) => {
                assert_eq!(i, expected);
                match r {
                    Ok(o) => counts[o as usize] += 1,
                    Err(e) => failures.push(format!("{}: {e}", names[i])),
                }
            }
            Err(_) => panic!(
                "{} took more than {PER_CASE:?} (a hang?); keep it with seed 19, case {expected}",
                names[expected]
            ),
        }
    }
    let _ = std::panic::take_hook();
    std::fs::remove_dir_all(&dir).ok();
    eprintln!(
        "{} cases in {:.1} s: {} refused, {} read, {} analysed",
        names.len(),
        start.elapsed().as_secs_f64(),
        counts[0],
        counts[1],
        counts[2]
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // the mutations are not all fatal: some files still read and analyse
    assert!(counts[1] + counts[2] > CASES / 20, "{counts:?}");
}
