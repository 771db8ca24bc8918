//! The command-line contract of `spectrum`: result files of every method, modes, PHMs,
//! participation and dipoles, and its refusals.

mod common;
use common::*;

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

/// `bench --peers` without the peer scripts runs bondspace's routes on its own glasses, says
/// why the peers are skipped, writes its JSON, and over two sizes the scaling table, its
/// fitted exponents and figures.
#[test]
fn peer_bench_without_peers_runs_bondspace_and_says_so() {
    let work = tmp("bench-peers");
    let _ = std::fs::remove_dir_all(&work);
    let o = bondspace(&[
        "bench",
        "--peers",
        "--sizes",
        "200,300",
        "--modes",
        "5",
        "--bins",
        "8",
        "--peer-dir",
        work.join("no-peers").to_str().unwrap(),
        "--work",
        work.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("the peer scripts are skipped"), "{out}");
    assert!(
        out.contains("Dense P+D")
            && out.contains("Every eigenpair of A with N·e")
            && out.contains("Top 5 modes"),
        "{out}"
    );
    assert!(
        out.contains("### Scaling") && out.contains("- top-5 time: bondspace "),
        "{out}"
    );
    for f in ["scaling-time.png", "scaling-time.svg", "scaling-memory.png"] {
        assert!(work.join(f).is_file(), "{f} missing");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("bench-peers.json")).unwrap()).unwrap();
    assert_eq!(json[0]["n"], 200);
    assert_eq!(json[1]["n"], 300);
    assert!(
        json[0]["participation"]["bondspace"]["total"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // the summary again from the JSON alone, and a file that is not one
    let again = work.join("again");
    let json_path = work.join("bench-peers.json");
    let o = bondspace(&[
        "bench",
        "--peers",
        "--summary-from",
        json_path.to_str().unwrap(),
        "--work",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out2 = String::from_utf8_lossy(&o.stdout);
    assert!(out2.contains("- top-5 time: bondspace "), "{out2}");
    assert!(again.join("scaling-memory.svg").is_file());
    let bad = work.join("bad.json");
    std::fs::write(&bad, "{\"n\": 3}").unwrap();
    assert_input_error(
        &bondspace(&["bench", "--peers", "--summary-from", bad.to_str().unwrap()]),
        &["bad.json", "not a list of sizes"],
    );
    assert!(
        json[0]["topk"]["bondspace"]["max_residual"]
            .as_f64()
            .unwrap()
            < 1e-8
    );
}
