//! The command-line contract of `ensemble`, `merge` and `report`: resumed, sharded and
//! single-threaded runs equal an uninterrupted one byte for byte; reports are written.

mod common;
use common::*;
use std::path::PathBuf;
use std::process::Command;

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
    assert!(md.contains("## The paper's claims"), "{md}");
    assert!(md.contains("SWAP-equilibrated"), "{md}");
    // report.json: the keys of every group, and claims with a test and a verdict
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(r.join("report.json")).unwrap()).unwrap();
    let g = &json["groups"][0];
    for key in [
        "n_samples",
        "n_equilibrated",
        "e_is",
        "e_is_se",
        "G",
        "G_se",
        "lambda0",
        "A_g",
        "A_g_sim",
        "plateau",
        "plateau_se",
        "xi",
        "xi_se",
        "decay",
    ] {
        assert!(g.get(key).is_some(), "report.json lacks {key}: {g}");
    }
    assert_eq!(g["n_samples"], 3);
    let claims = json["claims"].as_array().unwrap();
    assert!(
        !claims.is_empty()
            && claims
                .iter()
                .all(|c| c["test"].is_string() && !c["verdict"].is_null())
    );
    let html = std::fs::read_to_string(r.join("report.html")).unwrap();
    assert!(html.contains("<img src=\"fig3a_P_lambda.png\""));
    // not an ensemble directory: exit 2, one line
    assert_input_error(
        &bondspace(&["report", r.to_str().unwrap()]),
        &["ensemble.json"],
    );
}

/// `reproduce --study` refuses a budget that is not a positive number of minutes, and
/// `--participation-samples` needs `--participation`; `--participation` with `--method
/// slicing` needs a subset: each a one-line input error with exit 2, before anything runs.
#[test]
fn study_and_subset_flags_are_checked() {
    let out = tmp("study-flags");
    let o = out.to_str().unwrap();
    for b in ["0", "-5", "nan", "inf"] {
        assert_input_error(
            &bondspace(&["reproduce", "--study", "--budget", b, "-o", o]),
            &["--budget"],
        );
    }
    assert!(!out.exists(), "a refused run wrote {o}");
    let base = [
        "ensemble",
        "--dim",
        "2",
        "-n",
        "100",
        "--tp",
        "inf",
        "--samples",
        "2",
        "--seed",
        "1",
        "-o",
        o,
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |a: Vec<String>| bondspace(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_input_error(
        &run(with(&["--participation-samples", "1"])),
        &["--participation"],
    );
    assert_input_error(
        &run(with(&["--method", "slicing", "--participation"])),
        &["--participation-samples"],
    );
}
