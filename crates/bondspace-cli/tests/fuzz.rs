//! The command-line side of the fuzz test (issue 19): a sample of the mutated files of
//! `bondspace/tests/fuzz.rs` (same generator) through the binary, `inspect` for every one and
//! `spectrum` for some. Each must exit 0 or 2 (never a panic's 101 or an abort's 134), print
//! exactly one line on stderr when it exits 2, and finish within a time limit.

mod common;
#[path = "../../bondspace/tests/fuzz/mutate.rs"]
mod mutate;

use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CASES: usize = 60;
const PER_CASE: Duration = Duration::from_secs(20);

/// Runs the binary with a time limit; (exit code, stderr).
fn run_limited(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bondspace"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let o = child.wait_with_output().unwrap();
            return (
                o.status.code(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            );
        }
        if start.elapsed() > PER_CASE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bondspace {args:?} took more than {PER_CASE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn mutated_files_through_the_binary_exit_0_or_2_with_one_line() {
    let g2 = tmp("fuzz-base-2d.xyz");
    prepare_2d(&g2, "64", "1");
    let g3 = tmp("fuzz-base-3d.xyz");
    prepare_ipl(&g3, "3", "150", "3");
    let two = bondspace::io::xyz::read_xyz_dim::<2>(&g2).unwrap();
    let three = bondspace::io::xyz::read_xyz_dim::<3>(&g3).unwrap();
    let bases = mutate::bases(&[two], &[three]);
    let dir = tmp("fuzz-cases");
    std::fs::create_dir_all(&dir).unwrap();
    let mut exits = [0usize; 2];
    for (i, case) in mutate::cases(&bases, CASES, 1919).into_iter().enumerate() {
        let path = dir.join(&case.name);
        std::fs::write(&path, &case.bytes).unwrap();
        let p = path.to_str().unwrap();
        let out = dir.join(format!("out-{i}"));
        let model: &[&str] = if case.kind == mutate::Kind::Xyz {
            &[]
        } else {
            &["--model", "ipl"]
        };
        let mut runs: Vec<Vec<&str>> = vec![[&["inspect", p][..], model].concat()];
        if i % 4 == 0 {
            runs.push(
                [
                    &["spectrum", p, "-o", out.to_str().unwrap(), "--quiet"][..],
                    model,
                ]
                .concat(),
            );
        }
        for args in runs {
            let (code, err) = run_limited(&args);
            match code {
                Some(0) => exits[0] += 1,
                Some(2) => {
                    exits[1] += 1;
                    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err:?}");
                    assert!(
                        err.starts_with("error: ") && err.len() < 2000,
                        "{args:?}: {err:.300}"
                    );
                }
                other => panic!("{args:?} exited {other:?}: {err:.500}"),
            }
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    }
    // both outcomes occur
    assert!(exits[0] > 0 && exits[1] > 0, "{exits:?}");
}
