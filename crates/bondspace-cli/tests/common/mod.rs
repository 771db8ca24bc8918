//! Helpers shared by the command-line tests: run the binary, temporary paths, and the
//! assertion of the command-line contract for bad input (exit 2, one line, no panic).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn bondspace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bondspace"))
        .args(args)
        .output()
        .expect("run bondspace")
}

pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bondspace-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Asserts exit status 2 and a single stderr line containing every needle.
pub fn assert_input_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    for n in needles {
        assert!(err.contains(n), "{err:?} does not mention {n:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// `bondspace prepare ipl --dim 2 -n N --seed S -o PATH` (instant quench), asserting success.
pub fn prepare_2d(path: &std::path::Path, n: &str, seed: &str) {
    prepare_ipl(path, "2", n, seed);
}

/// An instantly quenched IPL glass of `dim` dimensions, N = `n`, at `path`.
pub fn prepare_ipl(path: &std::path::Path, dim: &str, n: &str, seed: &str) {
    let o = bondspace(&[
        "prepare",
        "ipl",
        "--dim",
        dim,
        "-n",
        n,
        "--seed",
        seed,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Shape and float64 data of array `name` of an .npz archive.
pub fn npz_array(path: &std::path::Path, name: &str) -> (Vec<u64>, Vec<f64>) {
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

/// Every file of an ensemble directory except the wall-time-bearing `summary.json`, `mc.json`
/// and `cost.json` (and the wall seconds of the chain states), as (relative path, bytes), sorted.
pub fn ensemble_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &std::path::Path, d: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                walk(root, &p, out);
            } else if name.starts_with("chain-") && name.ends_with(".json") {
                // a chain's state, its wall seconds aside
                let mut v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                v.as_object_mut().unwrap().remove("seconds");
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                out.push((rel, v.to_string().into_bytes()));
            } else if name != "summary.json" && name != "mc.json" && name != "cost.json" {
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
