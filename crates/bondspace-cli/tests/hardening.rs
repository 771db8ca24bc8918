//! Regression tests of issue 19 (hardening): concurrent runs, bounds before allocating,
//! nonsense refused, temporary files, exit codes and messages. Every bad input exits 2 with one
//! line on stderr.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small 2D IPL glass (N = 64) at `name`.
fn glass(name: &str) -> PathBuf {
    let p = tmp(name);
    if !p.exists() {
        prepare_2d(&p, "64", "3");
    }
    p
}

/// The lines of a configuration file, `edit`ed, written to `name`.
fn edited(src: &Path, name: &str, edit: impl FnOnce(&mut Vec<String>)) -> PathBuf {
    let mut lines: Vec<String> = std::fs::read_to_string(src)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    edit(&mut lines);
    let p = tmp(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// Asserts that every sample directory of an ensemble directory is complete.
fn assert_complete(dir: &Path, samples: usize) {
    let group = dir.join("ipl-2d-n64-tpinf");
    for k in 0..samples {
        let d = group.join(format!("sample-{k:04}"));
        for f in [
            "config.xyz",
            "summary.json",
            "bond_spectrum.npy",
            "hessian_spectrum.npy",
        ] {
            assert!(d.join(f).exists(), "{} lacks {f}", d.display());
        }
    }
    let stale: Vec<String> = std::fs::read_dir(&group)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(stale.is_empty(), "temporary files left: {stale:?}");
}

fn ensemble_args(out: &Path) -> Vec<String> {
    [
        "ensemble",
        "--dim",
        "2",
        "-n",
        "64",
        "--tp",
        "inf",
        "--samples",
        "6",
        "--seed",
        "1",
        "--quiet",
        "-o",
        s(out),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

/// Defect 1: two runs into one directory. A held lock is refused naming the holder's PID, a
/// stale lock file is taken over, and two runs started together leave complete samples.
#[test]
fn ensemble_directories_are_locked() {
    let dir = tmp("lock-ens");
    let _ = std::fs::remove_dir_all(&dir);
    let args = ensemble_args(&dir);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    {
        let _held = bondspace::io::lock::DirLock::acquire(&dir).unwrap();
        let o = bondspace(&argv);
        let me = std::process::id().to_string();
        assert_input_error(&o, &["in use by another bondspace process", &me]);
        assert!(!dir.join("ensemble.json").exists());
    }
    // a lock file naming a dead process, not locked (a killed run): taken over
    std::fs::write(dir.join(".bondspace.lock"), "4294967294\n").unwrap();
    // temporary files of a killed run are removed
    let group = dir.join("ipl-2d-n64-tpinf");
    std::fs::create_dir_all(group.join(".sample-0002.tmp4294967294-0")).unwrap();
    std::fs::write(group.join(".pooled.npz.tmp4294967294-1"), b"x").unwrap();
    let o = bondspace(&argv);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_complete(&dir, 6);

    // the reproducer of the issue: two runs at once, then a third
    let dir = tmp("lock-ens-race");
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(&dir);
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_bondspace"))
                .args(ensemble_args(&dir))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for child in [a, b] {
            let o = child.wait_with_output().unwrap();
            let code = o.status.code();
            assert!(code == Some(0) || code == Some(2), "{}", stderr(&o));
            if code == Some(2) {
                assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
                assert!(stderr(&o).contains("in use by another bondspace process"));
            }
        }
        let o = bondspace(
            &ensemble_args(&dir)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert_complete(&dir, 6);
    }
}

/// Defect 1 for result directories: `spectrum` locks its output directory.
#[test]
fn spectrum_output_directories_are_locked() {
    let g = glass("lock-glass.xyz");
    let out = tmp("lock-spectrum");
    let _held = bondspace::io::lock::DirLock::acquire(&out).unwrap();
    let o = bondspace(&["spectrum", s(&g), "-o", s(&out)]);
    assert_input_error(&o, &["in use by another bondspace process"]);
}

/// Defect 2: atom counts beyond the file, or beyond any memory, exit 2 before allocating.
#[test]
fn huge_atom_counts_exit_2() {
    let g = glass("count-glass.xyz");
    for count in [
        "4000000000",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        let f = edited(&g, "count.xyz", |l| l[0] = count.to_string());
        let o = bondspace(&["inspect", s(&f)]);
        assert_input_error(&o, &["count.xyz:"]);
    }
    let f = edited(&g, "count-lammps.data", |l| {
        *l = vec![
            "title".into(),
            "4000000000 atoms".into(),
            "0 10 xlo xhi".into(),
            "0 10 ylo yhi".into(),
            "0 10 zlo zhi".into(),
            "Atoms # atomic".into(),
            "".into(),
            "1 1 0 0 0".into(),
        ]
    });
    let o = bondspace(&["inspect", s(&f), "--model", "ipl", "--type-sizes", "1"]);
    assert_input_error(&o, &["truncated"]);
}

/// Defect 3: wide boxes and tiny particles make a capped cell grid (or a refused box), in
/// seconds; a dilute glass is prepared.
#[test]
fn wide_boxes_do_not_hang() {
    let g = glass("wide-glass.xyz");
    let start = Instant::now();
    let f = edited(&g, "wide-inf.xyz", |l| {
        let (_, rest) = l[1].split_once("Lattice=\"").unwrap();
        let (_, tail) = rest.split_once('"').unwrap();
        l[1] = format!("Lattice=\"1e300 0 0 0 1e300 0 0 0 1e300\"{tail}")
            .replace("pbc=\"T T F\"", "pbc=\"T T T\"");
    });
    let o = bondspace(&["inspect", s(&f)]);
    assert_input_error(&o, &["volume"]);
    // a 3D box of 1e100 (finite volume): a capped grid
    let f3 = tmp("wide3d.xyz");
    let mut text = String::from(
        "3\nLattice=\"1e100 0 0 0 1e100 0 0 0 1e100\" Properties=species:S:1:pos:R:3:size:R:1 model=ipl\n",
    );
    text.push_str("X 0 0 0 1\nX 1 0 0 1\nX 5e99 5e99 5e99 1\n");
    std::fs::write(&f3, text).unwrap();
    let o = bondspace(&["inspect", s(&f3)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // tiny sizes
    let f = edited(&g, "tiny.xyz", |l| {
        for line in l.iter_mut().skip(2) {
            let mut t: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            for c in [4, 5] {
                t[c] = format!("{:e}", t[c].parse::<f64>().unwrap() * 1e-6);
            }
            *line = t.join(" ");
        }
    });
    let o = bondspace(&["inspect", s(&f)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bondspace(&["spectrum", s(&f), "-o", s(&tmp("tiny-out"))]);
    assert_input_error(&o, &["rattler"]);
    let o = bondspace(&[
        "prepare",
        "ipl",
        "-n",
        "500",
        "--density",
        "1e-9",
        "-o",
        s(&tmp("dilute.xyz")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

/// Defect 4: `--bins` is capped.
#[test]
fn bins_are_capped() {
    let g = glass("bins-glass.xyz");
    let o = bondspace(&[
        "spectrum",
        s(&g),
        "-o",
        s(&tmp("bins-out")),
        "--method",
        "slicing",
        "--bins",
        "1000000000",
    ]);
    assert_input_error(&o, &["--bins", "10000"]);
    let o = bondspace(&["bench", "--bins", "1000000000"]);
    assert_input_error(&o, &["--bins"]);
}

/// Defect 5: a 2D box with Lz ≤ 0, particles far outside the box, coincident particles and
/// a negative shear modulus are refused; particles a few box lengths out are the same
/// configuration.
#[test]
fn nonsense_is_refused() {
    let g = glass("nonsense-glass.xyz");
    for lz in ["0", "-1", "-0"] {
        let f = edited(&g, "lz.xyz", |l| {
            l[1] = l[1].replace(" 0 0 0 1\"", &format!(" 0 0 0 {lz}\""))
        });
        for cmd in ["inspect", "spectrum"] {
            let o = bondspace(
                &[cmd, s(&f), "-o", s(&tmp("lz-out"))][..if cmd == "inspect" { 2 } else { 4 }],
            );
            assert_input_error(&o, &["lz.xyz:2:", "Lz"]);
        }
    }
    // k box lengths outside
    let energy = |f: &Path| -> f64 {
        let o = bondspace(&["inspect", s(f), "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["energy"].as_f64().unwrap()
    };
    let e0 = energy(&g);
    let lx: f64 = {
        let text = std::fs::read_to_string(&g).unwrap();
        let lat = text
            .lines()
            .nth(1)
            .unwrap()
            .split('"')
            .nth(1)
            .unwrap()
            .to_string();
        lat.split_whitespace().next().unwrap().parse().unwrap()
    };
    let shifted = |k: f64, name: &str| {
        edited(&g, name, |l| {
            let mut t: Vec<String> = l[2].split_whitespace().map(str::to_string).collect();
            t[1] = format!("{}", t[1].parse::<f64>().unwrap() + k * lx);
            l[2] = t.join(" ");
        })
    };
    for k in [1.0, -3.0, 1000.0] {
        let e = energy(&shifted(k, "shift.xyz"));
        assert!((e - e0).abs() <= 1e-9 * e0.abs(), "k = {k}: {e} vs {e0}");
    }
    for k in [1e5, 1e300] {
        let o = bondspace(&["inspect", s(&shifted(k, "far.xyz"))]);
        assert_input_error(&o, &["far.xyz:2:", "box lengths outside the box"]);
    }
    // two particles on top of each other
    let f = edited(&g, "coincident.xyz", |l| {
        let a: Vec<String> = l[2].split_whitespace().map(str::to_string).collect();
        let mut b: Vec<String> = l[3].split_whitespace().map(str::to_string).collect();
        b[1..4].clone_from_slice(&a[1..4]);
        l[3] = b.join(" ");
    });
    for args in [
        vec!["inspect", s(&f), "--json"],
        vec!["spectrum", s(&f), "-o", s(&tmp("coinc-out"))],
        vec!["minimize", s(&f), "-o", s(&tmp("coinc-min.xyz"))],
    ] {
        let o = bondspace(&args);
        assert_input_error(&o, &["not finite", "particles 0 and 1"]);
        assert!(!String::from_utf8_lossy(&o.stdout).contains("null"));
    }
}

/// A deterministic generator for the perturbation below.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

/// Defect 5: `--allow-unbalanced` on a perturbed packing whose shear modulus comes out
/// negative is refused by `dense` and by `slicing` (no G = −6.64 with λ₀ = inf, no
/// "LDLT at shift NaN").
#[test]
fn a_negative_shear_modulus_is_refused() {
    use bondspace::prepare::{HarmonicOptions, harmonic_packing};
    use bondspace::results::{Options, analyse};
    let opt = HarmonicOptions {
        pressure: 0.1,
        ..Default::default()
    };
    let packing = harmonic_packing::<2>(100, &opt, 1, bondspace::progress::SILENT).unwrap();
    let loose = Options {
        force_tolerance: None,
        positive_modulus: false,
        ..Default::default()
    };
    let mut found = None;
    'search: for seed in 0..400u64 {
        for sigma in [0.006, 0.008, 0.01] {
            let mut c = packing.clone();
            let mut st = seed;
            for p in &mut c.positions {
                for x in p.iter_mut() {
                    // a triangular deviate of standard deviation ≈ sigma
                    *x += sigma * 2.45 * (splitmix(&mut st) + splitmix(&mut st) - 1.0);
                }
            }
            if let Ok(a) = analyse(&c, &loose)
                && a.scales.shear_modulus < 0.0
            {
                found = Some(c);
                break 'search;
            }
        }
    }
    let c = found.expect("a perturbation with G < 0");
    let f = tmp("negative-g.xyz");
    bondspace::io::xyz::write_xyz(&c, &f).unwrap();
    for method in ["dense", "slicing", "explicit"] {
        let o = bondspace(&[
            "spectrum",
            s(&f),
            "-o",
            s(&tmp("negative-g-out")),
            "--allow-unbalanced",
            "--method",
            method,
        ]);
        assert_input_error(&o, &["shear modulus", "not positive"]);
    }
}

/// Defect 6: a failing analysis leaves no temporary files, and a resumed `spectrum` removes a
/// killed run's.
#[test]
fn temporary_files_do_not_stay() {
    let g = glass("tmp-glass.xyz");
    let out = tmp("tmp-out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(".modes.npz.tmp4294967294-7"), b"half").unwrap();
    let o = bondspace(&["spectrum", s(&g), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp")), "{names:?}");
}

/// Defect 7: an input file that is a result file of the output directory is not overwritten.
#[test]
fn an_input_named_like_a_result_file_is_kept() {
    let g = glass("named-glass.xyz");
    let d = tmp("named");
    std::fs::create_dir_all(&d).unwrap();
    for name in ["summary.json", "modes.xyz"] {
        let f = d.join(name);
        std::fs::copy(&g, &f).unwrap();
        let before = std::fs::read(&f).unwrap();
        let o = bondspace(&["spectrum", s(&f), "-o", s(&d), "--format", "xyz"]);
        assert_input_error(&o, &[name, "overwrite"]);
        assert_eq!(std::fs::read(&f).unwrap(), before);
    }
}

/// Defect 8: the same bad input exits 2 in every command, before anything is written.
#[test]
fn exit_codes_agree() {
    let e = tmp("exit-ens");
    let _ = std::fs::remove_dir_all(&e);
    let o = bondspace(&[
        "ensemble",
        "-n",
        "100",
        "--samples",
        "2",
        "-o",
        s(&e),
        "--quiet",
    ]);
    assert_input_error(&o, &["minimum image"]);
    assert!(!e.join("ensemble.json").exists());
    let o = bondspace(&["prepare", "ipl", "-n", "100", "-o", s(&tmp("exit.xyz"))]);
    assert_input_error(&o, &["minimum image"]);
    let o = bondspace(&[
        "ensemble",
        "--dim",
        "2",
        "-n",
        "64",
        "--modes",
        "100000",
        "-o",
        s(&e),
        "--quiet",
    ]);
    assert_input_error(&o, &["--modes 100000"]);
    let g = glass("exit-glass.xyz");
    let o = bondspace(&[
        "spectrum",
        s(&g),
        "-o",
        s(&tmp("exit-out")),
        "--modes",
        "100000",
    ]);
    assert_input_error(&o, &["--modes 100000"]);
    // a directory and a missing file as input
    for input in [std::env::temp_dir(), tmp("missing.xyz")] {
        for cmd in ["inspect", "spectrum", "minimize"] {
            let o = bondspace(
                &[cmd, s(&input), "-o", s(&tmp("exit-x"))][..if cmd == "inspect" { 2 } else { 4 }],
            );
            assert_input_error(&o, &[]);
        }
    }
    // an ensemble.json without a single sample does not block a corrected run
    let e2 = tmp("exit-ens2");
    let _ = std::fs::remove_dir_all(&e2);
    let first = [
        "ensemble",
        "--dim",
        "2",
        "-n",
        "64",
        "--samples",
        "1",
        "--method",
        "slicing",
        "--seed",
        "5",
        "-o",
        s(&e2),
        "--quiet",
    ];
    let o = bondspace(&first);
    assert!(o.status.success(), "{}", stderr(&o));
    // (make it look like a run that failed before finishing a sample)
    std::fs::remove_dir_all(e2.join("ipl-2d-n64-tpinf")).unwrap();
    let o = bondspace(&[
        "ensemble",
        "--dim",
        "2",
        "-n",
        "64",
        "--samples",
        "1",
        "--seed",
        "5",
        "-o",
        s(&e2),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Defect 9: messages name the OS error once, cut long tokens, explain negative values and
/// show `--lambda-range`'s default in its own syntax.
#[test]
fn messages_are_short_and_clear() {
    let missing = tmp("no-such-file.xyz");
    let o = bondspace(&["inspect", s(&missing)]);
    assert_input_error(&o, &["No such file"]);
    assert_eq!(stderr(&o).matches("os error").count(), 1, "{}", stderr(&o));
    // (one argument may hold at most 128 KiB)
    let huge = "7".repeat(100_000);
    let g = glass("msg-glass.xyz");
    let f = edited(&g, "msg-digits.xyz", |l| l[0] = huge.clone());
    for args in [
        vec!["inspect".to_string(), s(&f).to_string()],
        vec![
            "prepare".into(),
            "ipl".into(),
            "-n".into(),
            "64".into(),
            "--tp".into(),
            huge.clone(),
            "-o".into(),
            "x.xyz".into(),
        ],
        vec![
            "prepare".into(),
            "ipl".into(),
            "-n".into(),
            huge.clone(),
            "-o".into(),
            "x.xyz".into(),
        ],
        vec![
            "spectrum".into(),
            s(&g).into(),
            "-o".into(),
            "y".into(),
            "--lambda-range".into(),
            huge.clone(),
        ],
        vec!["prepare".into(), "ipl".into(), format!("--{huge}")],
    ] {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = bondspace(&argv);
        assert_input_error(&o, &[]);
        assert!(
            o.stderr.len() < 400,
            "{} bytes: {}",
            o.stderr.len(),
            &stderr(&o)[..400]
        );
    }
    for (flag, value) in [
        ("--tp", "-1"),
        ("--density", "-1"),
        ("--tolerance", "-1e-3"),
    ] {
        let o = bondspace(&[
            "prepare", "ipl", "-n", "64", "--dim", "2", flag, value, "-o", "x.xyz",
        ]);
        assert_input_error(&o, &[flag, "positive"]);
    }
    let o = bondspace(&[
        "prepare",
        "harmonic",
        "-n",
        "64",
        "--pressure",
        "-1",
        "-o",
        "x.xyz",
    ]);
    assert_input_error(&o, &["--pressure", "positive"]);
    let o = bondspace(&["spectrum", s(&g), "-o", "y", "--lambda-range", "-1,3"]);
    assert_input_error(&o, &["--lambda-range", "LO,HI"]);
    let o = bondspace(&["spectrum", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        help.contains("[default: 1e-3,1e4]") && help.contains("[default: 1e-2,1e2]"),
        "{help}"
    );
    // the default written out is accepted
    let o = bondspace(&[
        "spectrum",
        s(&g),
        "-o",
        s(&tmp("msg-range")),
        "--method",
        "slicing",
        "--lambda-range",
        "1e-3,1e4",
        "--omega-range",
        "1e-2,1e2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // usage errors are one line too
    let o = bondspace(&["spectrum", s(&g), "--no-such-flag"]);
    assert_input_error(&o, &["--no-such-flag", "--help"]);
}

/// Defect 10: `dense`, `explicit` and `--participation` give the same bytes with 1 and 2
/// threads (and 3).
#[test]
fn dense_results_do_not_depend_on_the_thread_count() {
    let g = tmp("threads-glass.xyz");
    prepare_ipl(&g, "3", "200", "4");
    let run = |threads: &str, method: &str| -> Vec<(String, Vec<u8>)> {
        let out = tmp(&format!("threads-{method}-{threads}"));
        let mut args = vec![
            "spectrum",
            s(&g),
            "-o",
            s(&out),
            "--method",
            method,
            "--quiet",
        ];
        if method == "dense" {
            args.push("--participation");
        }
        let o = Command::new(env!("CARGO_BIN_EXE_bondspace"))
            .args(&args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        [
            "bond_spectrum.npy",
            "hessian_spectrum.npy",
            "participation.npz",
        ]
        .iter()
        .filter(|f| out.join(f).exists())
        .map(|f| (f.to_string(), std::fs::read(out.join(f)).unwrap()))
        .collect()
    };
    for method in ["dense", "explicit"] {
        let one = run("1", method);
        assert!(one.len() >= 2);
        for threads in ["2", "3"] {
            assert!(
                run(threads, method) == one,
                "{method}: {threads} threads differ from 1"
            );
        }
    }
}
