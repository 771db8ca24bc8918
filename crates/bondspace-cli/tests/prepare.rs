//! The command-line contract of `prepare` and `inspect`: files end to end, SWAP diagnostics,
//! and bad input exiting 2 with one line naming the problem (never a panic).

mod common;
use common::*;
use std::path::PathBuf;

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
