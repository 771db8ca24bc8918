//! The command-line contract: prepare → inspect works end to end; bad input exits 2 with one
//! line naming the problem (never a panic).

use std::path::PathBuf;
use std::process::{Command, Output};

fn bondspace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bondspace"))
        .args(args)
        .output()
        .expect("run bondspace")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bondspace-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Asserts exit status 2 and a single stderr line containing every needle.
fn assert_input_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    for n in needles {
        assert!(err.contains(n), "{err:?} does not mention {n:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// `bondspace prepare ipl --dim 2 -n N --seed S -o PATH` (instant quench), asserting success.
fn prepare_2d(path: &std::path::Path, n: &str, seed: &str) {
    let o = bondspace(&[
        "prepare",
        "ipl",
        "--dim",
        "2",
        "-n",
        n,
        "--seed",
        seed,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn prepare_then_inspect() {
    let out = tmp("ipl2.xyz");
    let o = bondspace(&[
        "prepare",
        "ipl",
        "--dim",
        "2",
        "-n",
        "150",
        "--tp",
        "inf",
        "--seed",
        "3",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bondspace(&["inspect", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["n_particles"], 150);
    assert_eq!(v["dim"], 2);
    assert_eq!(v["model"], "ipl");
    let fmax = v["max_force"].as_f64().unwrap();
    let typical = v["typical_pair_force"].as_f64().unwrap();
    assert!(fmax <= 1e-10 * typical);
    // the comment line carries energy, pressure, max force and the seed
    let text = std::fs::read_to_string(&out).unwrap();
    let comment = text.lines().nth(1).unwrap();
    for key in [
        "energy=",
        "pressure=",
        "max_force=",
        "seed=3",
        "tp=inf",
        "model=ipl",
    ] {
        assert!(comment.contains(key), "{comment}");
    }
    let o = bondspace(&["inspect", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("rattlers"));

    let out = tmp("h2.xyz");
    let o = bondspace(&[
        "prepare",
        "harmonic",
        "--dim",
        "2",
        "-n",
        "64",
        "--pressure",
        "0.05",
        "--seed",
        "1",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bondspace(&["inspect", out.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!((v["pressure"].as_f64().unwrap() / 0.05 - 1.0).abs() < 1e-6);
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let o = bondspace(&["prepare", "ipl", "-n", "10", "--tp=-0.5", "-o", "x.xyz"]);
    assert_input_error(&o, &["--tp", "positive"]);
    let o = bondspace(&["prepare", "ipl", "-n", "100", "--tp", "warm", "-o", "x.xyz"]);
    assert_input_error(&o, &["--tp", "warm"]);
    let o = bondspace(&[
        "prepare", "ipl", "-n", "100", "--sweeps", "10", "-o", "x.xyz",
    ]);
    assert_input_error(&o, &["--sweeps", "finite"]);
    // too few particles for the Monte Carlo's minimum image
    let o = bondspace(&[
        "prepare", "ipl", "--dim", "2", "-n", "12", "--tp", "0.5", "--sweeps", "5", "-o", "x.xyz",
    ]);
    assert_input_error(&o, &["box"]);
    let o = bondspace(&[
        "prepare",
        "harmonic",
        "-n",
        "10",
        "--pressure=-1",
        "-o",
        "x.xyz",
    ]);
    assert_input_error(&o, &["pressure"]);
    let missing = tmp("does-not-exist.xyz");
    let o = bondspace(&["inspect", missing.to_str().unwrap()]);
    assert_input_error(&o, &["does-not-exist.xyz"]);

    let good = "2\nLattice=\"9 0 0 0 9 0 0 0 9\" Properties=species:S:1:pos:R:3:size:R:1 pbc=\"T T T\" model=harmonic k=1\nA 1 1 1 0.5\nA 2 2 2 0.7\n";
    let cases: Vec<(String, &str, &str)> = vec![
        (good.replacen('2', "3", 1), ":5:", "truncated"),
        (good.replace("A 2 2 2", "A 2 x 2"), ":4:", "not a number"),
        (good.replace("0 0 0 9 0", "0 0 0 -9 0"), ":2:", "positive"),
        (good.replace("0.7", "0"), ":4:", "size"),
        (
            good.replace("model=harmonic", "model=foo"),
            ":2:",
            "unknown model",
        ),
        (
            good.replace("k=1", "k=1 alpha=2"),
            ":2:",
            "unknown key alpha",
        ),
        (
            good.replace("9 0 0 0 9", "9 1 0 0 9"),
            ":2:",
            "non-orthorhombic",
        ),
        (
            good.replace("Properties=species:S:1:pos:R:3:size:R:1 ", ""),
            ":2:",
            "Properties",
        ),
        ("garbage\n".to_string(), ":1:", "atom count"),
    ];
    for (i, (text, loc, what)) in cases.iter().enumerate() {
        let f = tmp(&format!("bad{i}.xyz"));
        std::fs::write(&f, text).unwrap();
        let o = bondspace(&["inspect", f.to_str().unwrap()]);
        let name = format!("bad{i}.xyz{loc}");
        assert_input_error(&o, &[&name, what]);
    }
    // a file the minimum image cannot handle is refused, not analysed wrongly
    let f = tmp("tiny.xyz");
    std::fs::write(
        &f,
        good.replace("9 0 0 0 9 0 0 0 9", "2 0 0 0 2 0 0 0 2")
            .replace("2 2 2", "1.5 1.5 1.5"),
    )
    .unwrap();
    let o = bondspace(&["inspect", f.to_str().unwrap()]);
    assert_input_error(&o, &["minimum image"]);
    // bad usage
    let o = bondspace(&["prepare", "ipl", "-o", "x.xyz"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn spectrum_writes_the_spec_files() {
    let cfg = tmp("s.xyz");
    prepare_2d(&cfg, "120", "4");
    let mut nonzero = Vec::new();
    for method in ["dense", "explicit", "slicing", "sparse", "auto"] {
        let dir = tmp(&format!("out-{method}"));
        let o = bondspace(&[
            "spectrum",
            cfg.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
            "--method",
            method,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap())
                .unwrap();
        for key in [
            "n_particles",
            "n_rattlers",
            "dim",
            "n_bonds",
            "n_sss",
            "n_nonzero",
            "a0",
            "shear_modulus",
            "c_s",
            "omega_0",
            "lambda_0",
            "omega_ph",
            "energy",
            "pressure",
            "max_force",
            "method",
            "seconds",
        ] {
            assert!(!s[key].is_null(), "{method}: summary.json lacks {key}");
        }
        // auto: a small system is solved densely
        let resolved = if method == "auto" { "dense" } else { method };
        assert_eq!(s["method"], resolved);
        assert!(s["factor"]["nnz_l"].as_u64().unwrap() > 0);
        assert_eq!(
            s["n_sss"].as_u64().unwrap() + s["n_nonzero"].as_u64().unwrap(),
            s["n_bonds"].as_u64().unwrap()
        );
        nonzero.push(s["n_nonzero"].as_u64().unwrap());
        if method == "slicing" {
            let z = std::fs::read(dir.join("counts.npz")).unwrap();
            assert_eq!(&z[..2], b"PK");
        } else if method == "sparse" {
            // no spectrum: rank(S) only
            assert!(!dir.join("bond_spectrum.npy").exists());
            assert!(!dir.join("counts.npz").exists());
        } else {
            for f in ["bond_spectrum.npy", "hessian_spectrum.npy"] {
                let b = std::fs::read(dir.join(f)).unwrap();
                assert_eq!(&b[..6], b"\x93NUMPY");
                let header = String::from_utf8_lossy(&b[10..80]);
                assert!(header.contains("'descr': '<f8'"), "{header}");
            }
            let b = std::fs::read(dir.join("bond_spectrum.npy")).unwrap();
            let header_len = u16::from_le_bytes([b[8], b[9]]) as usize;
            let n_values = (b.len() - 10 - header_len) / 8;
            assert_eq!(n_values as u64, s["n_nonzero"].as_u64().unwrap());
        }
    }
    assert!(nonzero.iter().all(|&n| n == nonzero[0]), "{nonzero:?}");

    // a configuration that is not force-balanced is refused unless asked for
    let text = std::fs::read_to_string(&cfg).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cols: Vec<String> = lines[5].split_whitespace().map(String::from).collect();
    let x: f64 = cols[1].parse().unwrap();
    cols[1] = format!("{}", x + 0.05);
    lines[5] = cols.join(" ");
    let bad = tmp("unbalanced.xyz");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let dir = tmp("out-unbalanced");
    let o = bondspace(&[
        "spectrum",
        bad.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_input_error(&o, &["not force-balanced"]);
    let o = bondspace(&[
        "spectrum",
        bad.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--allow-unbalanced",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Shape and float64 data of array `name` of an .npz archive.
fn npz_array(path: &std::path::Path, name: &str) -> (Vec<u64>, Vec<f64>) {
    let mut z = npyz::npz::NpzArchive::open(path).unwrap();
    let a = z
        .by_name(name)
        .unwrap()
        .unwrap_or_else(|| panic!("{name} missing"));
    let shape = a.shape().to_vec();
    let data = match a.dtype() {
        npyz::DType::Plain(t) if t.to_string() == "<i8" => a
            .into_vec::<i64>()
            .unwrap()
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        _ => a.into_vec::<f64>().unwrap(),
    };
    (shape, data)
}

#[test]
fn spectrum_modes_participation_and_dipoles() {
    let cfg = tmp("m.xyz");
    prepare_2d(&cfg, "120", "6");
    let dir = tmp("out-modes");
    let o = bondspace(&[
        "spectrum",
        cfg.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--modes",
        "4",
        "--phm",
        "--participation",
        "--dipoles",
        "5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let nb = s["n_bonds"].as_u64().unwrap();
    assert_eq!(s["modes"]["count"], 4);
    assert!(s["modes"]["max_residual"].as_f64().unwrap() < 1e-8);
    let m = dir.join("modes.npz");
    let (shape, lambda) = npz_array(&m, "lambda");
    assert_eq!(shape, [4]);
    assert!(
        lambda.windows(2).all(|w| w[0] >= w[1]),
        "descending: {lambda:?}"
    );
    // the top λ is the largest of bond_spectrum.npy
    let b = std::fs::read(dir.join("bond_spectrum.npy")).unwrap();
    let top = f64::from_le_bytes(b[b.len() - 8..].try_into().unwrap());
    assert!((lambda[0] - top).abs() < 1e-9 * top);
    let (shape, f) = npz_array(&m, "bond_force");
    assert_eq!(shape, [4, nb]);
    let norm: f64 = f[..nb as usize].iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-12);
    for name in [
        "particle_force",
        "displacement",
        "phm_displacement",
        "phm_force",
    ] {
        assert_eq!(npz_array(&m, name).0, [4, 120, 2], "{name}");
    }
    for name in ["participation_N", "overlap_D", "overlap_F", "residual"] {
        assert_eq!(npz_array(&m, name).0, [4], "{name}");
    }
    assert_eq!(npz_array(&m, "bonds").0, [nb, 2]);
    let (shape, ne) = npz_array(&dir.join("participation.npz"), "participation_N");
    assert_eq!(shape, [s["n_nonzero"].as_u64().unwrap()]);
    assert!(ne.iter().all(|&v| (1.0..=120.0).contains(&v)));
    let (shape, kappa) = npz_array(&dir.join("dipoles.npz"), "kappa");
    assert_eq!(shape, [5]);
    assert!(kappa.iter().all(|&k| k > 0.0));
    assert_eq!(npz_array(&dir.join("decay.npz"), "D_PH").0.len(), 1);
    let (_, dense_ne) = npz_array(&m, "participation_N");
    // two particles on top of each other: non-finite forces, refused with one line
    let text = std::fs::read_to_string(&cfg).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let first: Vec<String> = lines[2].split_whitespace().map(String::from).collect();
    let mut second: Vec<String> = lines[3].split_whitespace().map(String::from).collect();
    second[1..4].clone_from_slice(&first[1..4]);
    lines[3] = second.join(" ");
    let overlap = tmp("overlap.xyz");
    std::fs::write(&overlap, lines.join("\n") + "\n").unwrap();
    let spectrum = |config: &std::path::Path, extra: &[&str]| {
        let mut a = vec![
            "spectrum",
            config.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        bondspace(&a)
    };
    assert_input_error(
        &spectrum(&overlap, &["--allow-unbalanced"]),
        &["not finite"],
    );
    // more modes than non-zero eigenvalues
    assert_input_error(
        &spectrum(&cfg, &["--modes", "100000"]),
        &["--modes 100000 exceeds"],
    );
    // --phm needs --modes
    assert_input_error(&spectrum(&cfg, &["--phm"]), &["--modes"]);
    // the sparse method (either ordering) finds the same top modes as the dense one
    for ordering in ["metis", "amd"] {
        let sdir = tmp(&format!("out-modes-sparse-{ordering}"));
        let o = bondspace(&[
            "spectrum",
            cfg.to_str().unwrap(),
            "-o",
            sdir.to_str().unwrap(),
            "--method",
            "sparse",
            "--ordering",
            ordering,
            "--modes",
            "4",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let (_, sl) = npz_array(&sdir.join("modes.npz"), "lambda");
        for (a, b) in sl.iter().zip(&lambda) {
            assert!((a - b).abs() < 1e-9 * b, "{ordering}: {a} vs {b}");
        }
        let (_, sne) = npz_array(&sdir.join("modes.npz"), "participation_N");
        for (a, b) in sne.iter().zip(&dense_ne) {
            assert!((a - b).abs() < 1e-6 * b, "{ordering}: N·e {a} vs {b}");
        }
    }
    // bad slicing ranges
    assert_input_error(
        &spectrum(&cfg, &["--method", "slicing", "--lambda-range", "10,1"]),
        &["--lambda-range"],
    );
}

#[test]
fn swap_monte_carlo_writes_glass_and_diagnostics() {
    let out = tmp("swap2.xyz");
    let o = bondspace(
        &[
            "prepare", "ipl", "--dim", "2", "-n", "100", "--tp", "0.8", "--sweeps", "80", "--seed",
            "3", "-o",
        ]
        .iter()
        .copied()
        .chain([out.to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("attempts/s"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().nth(1).unwrap().contains("tp=0.8"));
    let mc = out.with_extension("mc.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&mc).unwrap()).unwrap();
    for key in [
        "temperature",
        "delta",
        "displacement_acceptance",
        "swap_acceptance",
        "energy_per_particle",
        "size_autocorrelation",
        "self_overlap",
        "equilibrated",
        "warnings",
        "attempts_per_second",
    ] {
        assert!(
            json.get(key).is_some(),
            "{key} missing from {}",
            mc.display()
        );
    }
    let acc = json["displacement_acceptance"].as_f64().unwrap();
    assert!((0.25..0.55).contains(&acc), "acceptance {acc}");
    // several samples, then a resumed re-run that recomputes nothing
    let many = tmp("many.xyz");
    let args = |p: &PathBuf| {
        vec![
            "prepare".to_string(),
            "ipl".into(),
            "--dim".into(),
            "2".into(),
            "-n".into(),
            "100".into(),
            "--tp".into(),
            "1".into(),
            "--sweeps".into(),
            "40".into(),
            "--samples".into(),
            "2".into(),
            "-o".into(),
            p.to_str().unwrap().into(),
        ]
    };
    let a = args(&many);
    let o = bondspace(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 samples"), "{}", stderr(&o));
    assert!(tmp("many-0000.xyz").exists() && tmp("many-0001.xyz").exists());
    let o = bondspace(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("already done").count(),
        2,
        "{}",
        stderr(&o)
    );
}

/// Every file of an ensemble directory except the wall-time-bearing `summary.json` and
/// `mc.json`, as (relative path, bytes), sorted.
fn ensemble_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &std::path::Path, d: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                walk(root, &p, out);
            } else if name != "summary.json" && name != "mc.json" {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// An ensemble run uninterrupted, the same run on one thread, the same run killed mid-way and
/// resumed, and two shards merged give the same samples and the same pooled result, byte for
/// byte.
#[test]
fn ensemble_resume_and_shards_equal_a_single_run() {
    let args = |out: &str| -> Vec<String> {
        [
            "ensemble",
            "--dim",
            "2",
            "-n",
            "300",
            "--tp",
            "inf,0.6",
            "--sweeps",
            "400",
            "--samples",
            "4",
            "--seed",
            "9",
            "--modes",
            "2",
            "--participation",
            "-o",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |out: &PathBuf, extra: &[&str]| {
        let mut a = args(out.to_str().unwrap());
        a.extend(extra.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(|s| s.as_str()).collect();
        let o = bondspace(&a);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let single = tmp("ens-single");
    run(&single, &[]);
    let reference = ensemble_files(&single);
    assert!(reference.iter().any(|(p, _)| p.ends_with("pooled.npz")));
    assert_eq!(
        reference
            .iter()
            .filter(|(p, _)| p.ends_with("config.xyz"))
            .count(),
        8
    );

    // one thread gives the same files
    let one = tmp("ens-one-thread");
    let o = Command::new(env!("CARGO_BIN_EXE_bondspace"))
        .args(args(one.to_str().unwrap()))
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(ensemble_files(&one) == reference, "one thread differs");

    // two shards into separate directories, then merged
    let (s0, s1, merged) = (tmp("ens-s0"), tmp("ens-s1"), tmp("ens-merged"));
    run(&s0, &["--shard", "0/2"]);
    run(&s1, &["--shard", "1/2"]);
    let o = bondspace(&[
        "merge",
        "-o",
        merged.to_str().unwrap(),
        s0.to_str().unwrap(),
        s1.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(ensemble_files(&merged) == reference, "merged shards differ");

    // killed mid-way, then resumed
    let killed = tmp("ens-killed");
    let a = args(killed.to_str().unwrap());
    let mut child = Command::new(env!("CARGO_BIN_EXE_bondspace"))
        .args(&a)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let done = |d: &PathBuf| {
        ["ipl-2d-n300-tpinf", "ipl-2d-n300-tp0.6"]
            .iter()
            .filter_map(|g| std::fs::read_dir(d.join(g)).ok())
            .flat_map(|r| r.filter_map(|e| e.ok()))
            .filter(|e| e.file_name().to_string_lossy().starts_with("sample-"))
            .count()
    };
    let start = std::time::Instant::now();
    while done(&killed) == 0 && start.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = done(&killed);
    assert!(before >= 1, "no sample finished before the kill");
    run(&killed, &[]);
    assert!(ensemble_files(&killed) == reference, "resumed run differs");
    // a different ensemble in the same directory is refused
    let mut a = args(killed.to_str().unwrap());
    a[4] = "200".into();
    let a: Vec<&str> = a.iter().map(|s| s.as_str()).collect();
    assert_input_error(&bondspace(&a), &["different ensemble"]);
}

/// `report` turns an ensemble directory into PNG and SVG figures, report.md and report.html.
#[test]
fn report_writes_figures_and_tables() {
    let dir = tmp("ens-report");
    let o = bondspace(&[
        "ensemble",
        "--dim",
        "2",
        "-n",
        "120",
        "--tp",
        "0.5,1.0",
        "--sweeps",
        "200",
        "--samples",
        "3",
        "--participation",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bondspace(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = dir.join("report");
    for f in [
        "fig3a_P_lambda",
        "fig1c_D_omega",
        "fig3b_participation",
        "fig5_annealing",
    ] {
        let png = std::fs::read(r.join(format!("{f}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{f}.png");
        let svg = std::fs::read_to_string(r.join(format!("{f}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{f}.svg");
    }
    let md = std::fs::read_to_string(r.join("report.md")).unwrap();
    assert!(md.contains("| ipl-2d-n120-tp0.5 | 3 |"), "{md}");
    assert!(md.contains("What the data supports"));
    let html = std::fs::read_to_string(r.join("report.html")).unwrap();
    assert!(html.contains("<img src=\"fig3a_P_lambda.png\""));
    // not an ensemble directory: exit 2, one line
    assert_input_error(
        &bondspace(&["report", r.to_str().unwrap()]),
        &["ensemble.json"],
    );
}
