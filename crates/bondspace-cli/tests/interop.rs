//! Files exchanged with other tools, checked with the real tools: ASE reads every kind of file
//! bondspace writes; bondspace reads files written by ASE (extended XYZ with 8 decimals,
//! LAMMPS data), a GSD file written by the `gsd` package, a LAMMPS dump, and OVITO imports
//! bondspace's files (when its Python module is installed).
//!
//! The Python interpreter is `$BONDSPACE_PYTHON` (`.ci/run` creates `target/venv` with ase,
//! gsd and numpy and sets it), else `target/venv/bin/python` if it exists; without either the
//! tests say so and pass.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BONDSPACE_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    eprintln!(
        "SKIPPED: no Python with ase and gsd (set BONDSPACE_PYTHON, or run .ci/run, which creates target/venv)"
    );
    None
}

/// Runs `script` with the interpreter, asserting success; returns stdout.
fn py(python: &Path, script: &str) -> String {
    let o = Command::new(python)
        .arg("-c")
        .arg(script)
        .output()
        .expect("run python");
    assert!(
        o.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn has_module(python: &Path, module: &str) -> bool {
    Command::new(python)
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn ok(args: &[&str]) -> std::process::Output {
    let o = bondspace(args);
    assert!(o.status.success(), "{:?}: {}", args, stderr(&o));
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn inspect_json(args: &[&str]) -> serde_json::Value {
    let mut a = vec!["inspect", "--json"];
    a.extend_from_slice(args);
    let o = ok(&a);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every kind of file bondspace writes: IPL and harmonic, 2D and 3D, and a modes.xyz.
fn written_files() -> Vec<(PathBuf, usize)> {
    let mut out = Vec::new();
    for dim in ["2", "3"] {
        let f = tmp(&format!("w-ipl{dim}.xyz"));
        ok(&[
            "prepare",
            "ipl",
            "--dim",
            dim,
            "-n",
            if dim == "3" { "250" } else { "80" },
            "--seed",
            "3",
            "-o",
            s(&f),
            "--quiet",
        ]);
        out.push((f, dim.parse().unwrap()));
        let f = tmp(&format!("w-harm{dim}.xyz"));
        ok(&[
            "prepare",
            "harmonic",
            "--dim",
            dim,
            "-n",
            "64",
            "--pressure",
            "0.1",
            "--seed",
            "3",
            "-o",
            s(&f),
            "--quiet",
        ]);
        out.push((f, dim.parse().unwrap()));
    }
    out
}

#[test]
fn ase_reads_every_file_bondspace_writes() {
    let Some(python) = python() else { return };
    let mut files = written_files();
    // modes.xyz of a 2D harmonic packing (with PHMs) and of a 3D IPL glass
    for (i, (cfg, dim)) in files.clone().iter().enumerate() {
        if i == 1 || i == 2 {
            let dir = tmp(&format!("w-modes-{i}"));
            ok(&[
                "spectrum",
                s(cfg),
                "-o",
                s(&dir),
                "--modes",
                "3",
                "--phm",
                "--quiet",
            ]);
            files.push((dir.join("modes.xyz"), *dim));
        }
    }
    for (f, dim) in &files {
        let frames = if f.ends_with("modes.xyz") { 3 } else { 1 };
        let script = format!(
            r#"
import ase.io, numpy as np
frames = ase.io.read({f:?}, format="extxyz", index=":")
assert len(frames) == {frames}, len(frames)
for a in frames:
    assert a.info["model"] in ("ipl", "harmonic"), a.info
    assert list(a.pbc) == ([True, True, False] if {dim} == 2 else [True, True, True]), a.pbc
    assert "radius" in a.arrays and "size" in a.arrays, list(a.arrays)
    assert all(s == "X" for s in a.get_chemical_symbols())
    ratio = a.arrays["size"] / a.arrays["radius"]
    assert np.allclose(ratio, 2.0 if a.info["model"] == "ipl" else 1.0)
    if {dim} == 2:
        assert np.all(a.positions[:, 2] == 0)
    if "lambda" in a.info:
        for k in ("D", "F", "D_PH", "F_PH", "D_mag", "id"):
            assert k in a.arrays, (k, list(a.arrays))
        assert a.arrays["D"].shape == (len(a), 3)
print(len(frames))
"#,
            f = s(f)
        );
        py(&python, &script);
    }
}

#[test]
fn ase_export_with_8_decimals_keeps_the_model_and_minimize_restores_the_spectrum() {
    let Some(python) = python() else { return };
    let orig = tmp("ase-orig.xyz");
    ok(&[
        "prepare",
        "ipl",
        "--dim",
        "2",
        "-n",
        "100",
        "--seed",
        "5",
        "-o",
        s(&orig),
        "--quiet",
    ]);
    let exported = tmp("ase-export.xyz");
    py(
        &python,
        &format!(
            "import ase.io\na = ase.io.read({:?}, format='extxyz')\nase.io.write({:?}, a, format='extxyz')",
            s(&orig),
            s(&exported)
        ),
    );
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("model=ipl"), "{text:.400}");
    // the model survives ASE; the 8 decimals are not force-balanced
    let j = inspect_json(&[s(&exported)]);
    assert_eq!(j["model"], "ipl");
    let d0 = tmp("ase-spec-orig");
    ok(&["spectrum", s(&orig), "-o", s(&d0), "--quiet"]);
    let refused = bondspace(&["spectrum", s(&exported), "-o", s(&tmp("ase-refused"))]);
    assert_input_error(&refused, &["not force-balanced", "--minimize"]);
    // minimize, then spectrum; and spectrum --minimize
    let min = tmp("ase-min.xyz");
    let o = ok(&["minimize", s(&exported), "-o", s(&min), "--quiet"]);
    let msg = stderr(&o);
    for needle in [
        "energy",
        "max force",
        "displacement",
        "RMS",
        "sizes restored",
    ] {
        assert!(msg.contains(needle), "{msg}");
    }
    let d1 = tmp("ase-spec-min");
    ok(&["spectrum", s(&min), "-o", s(&d1), "--quiet"]);
    let d2 = tmp("ase-spec-min2");
    ok(&[
        "spectrum",
        s(&exported),
        "--minimize",
        "-o",
        s(&d2),
        "--quiet",
    ]);
    let a = npy(&d0.join("bond_spectrum.npy"));
    for d in [&d1, &d2] {
        let worst = max_rel_diff(&a, &npy(&d.join("bond_spectrum.npy")));
        // ASE writes every number with 8 decimals, the sizes too: minimize restores the sizes
        // from the glass's size distribution (its metadata survive ASE), then re-minimising
        // removes the position error
        assert!(worst < 1e-8, "largest relative λ difference {worst:e}");
    }
}

/// The largest relative difference of two equally long spectra.
fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) / x).abs())
        .fold(0.0f64, f64::max)
}

fn npy(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap()
}

#[test]
fn reads_lammps_data_written_by_ase_and_gsd_written_by_gsd() {
    let Some(python) = python() else { return };
    let orig = tmp("lmp-orig.xyz");
    ok(&[
        "prepare",
        "ipl",
        "--dim",
        "3",
        "-n",
        "250",
        "--seed",
        "7",
        "-o",
        s(&orig),
        "--quiet",
    ]);
    let e0 = inspect_json(&[s(&orig)])["energy"].as_f64().unwrap();
    // ASE's lammps-data writer, atom style charge with the sizes as charges
    let data = tmp("ase.data");
    py(
        &python,
        &format!(
            "import ase.io\nfrom ase.io.lammpsdata import write_lammps_data\na = ase.io.read({:?}, format='extxyz')\n\
a.set_initial_charges(a.arrays['size'])\nwrite_lammps_data({:?}, a, atom_style='charge', units='metal')",
            s(&orig),
            s(&data)
        ),
    );
    let j = inspect_json(&[s(&data), "--model", "ipl"]);
    assert_eq!(j["n_particles"], 250);
    let e = j["energy"].as_f64().unwrap();
    assert!(((e - e0) / e0).abs() < 1e-6, "{e} vs {e0}");
    // without --model: one line naming what is missing
    let o = bondspace(&["inspect", s(&data)]);
    assert_input_error(&o, &["ase.data", "no pair model", "--model"]);
    // atomic style: sizes per type are needed
    let atomic = tmp("ase-atomic.data");
    py(
        &python,
        &format!(
            "import ase.io\na = ase.io.read({:?}, format='extxyz')\na.write({:?}, format='lammps-data', atom_style='atomic')",
            s(&orig),
            s(&atomic)
        ),
    );
    let o = bondspace(&["inspect", s(&atomic), "--model", "ipl"]);
    assert_input_error(&o, &["no particle sizes", "--type-sizes"]);
    ok(&[
        "inspect",
        s(&atomic),
        "--model",
        "ipl",
        "--type-sizes",
        "1.2",
    ]);

    // GSD from the gsd package: two frames, diameters = λ (IPL sizes are diameters)
    let g = tmp("two.gsd");
    py(
        &python,
        &format!(
            r#"
import ase.io, gsd.hoomd, numpy as np
a = ase.io.read({orig:?}, format="extxyz")
L = a.cell.lengths()
with gsd.hoomd.open({g:?}, "w") as f:
    for step in (0, 1):
        fr = gsd.hoomd.Frame()
        fr.configuration.step = step
        fr.configuration.box = [L[0], L[1], L[2], 0, 0, 0]
        fr.particles.N = len(a)
        fr.particles.types = ["A"]
        fr.particles.position = (a.positions - L / 2 + (0.3 if step == 0 else 0.0)).astype(np.float32)
        fr.particles.diameter = a.arrays["size"].astype(np.float32)
        f.append(fr)
"#,
            orig = s(&orig),
            g = s(&g)
        ),
    );
    let j = inspect_json(&[s(&g), "--model", "ipl"]);
    assert_eq!(j["n_particles"], 250);
    assert_eq!(j["dim"], 3);
    let e = j["energy"].as_f64().unwrap();
    assert!(
        ((e - e0) / e0).abs() < 1e-4,
        "{e} vs {e0} (float32 positions)"
    );
    let j0 = inspect_json(&[s(&g), "--model", "ipl", "--frame", "0"]);
    assert_eq!(j0["n_particles"], 250);
    // minimize then spectrum gives the original λ: the float32 diameters are restored to the
    // default size multiset, and what is left is the float32 box (measured 2.4e-8 at N = 500)
    let min = tmp("gsd-min.xyz");
    let o = ok(&["minimize", s(&g), "--model", "ipl", "-o", s(&min)]);
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("sizes restored"), "{text}");
    let (d0, d1) = (tmp("gsd-s0"), tmp("gsd-s1"));
    ok(&["spectrum", s(&orig), "-o", s(&d0), "--quiet"]);
    ok(&["spectrum", s(&min), "-o", s(&d1), "--quiet"]);
    let worst = max_rel_diff(
        &npy(&d0.join("bond_spectrum.npy")),
        &npy(&d1.join("bond_spectrum.npy")),
    );
    assert!(
        worst < 2e-7,
        "largest relative λ difference {worst:e} (float32 box)"
    );
    let o = bondspace(&["inspect", s(&g), "--model", "ipl", "--frame", "5"]);
    assert_input_error(&o, &["two.gsd", "frame 5 does not exist", "2 frames"]);
    // a GSD file given as text: one line, no raw bytes
    let as_xyz = tmp("binary.xyz");
    std::fs::copy(&g, &as_xyz).unwrap();
    let o = bondspace(&["inspect", s(&as_xyz), "--format", "xyz"]);
    assert_input_error(&o, &["binary.xyz", "binary"]);
    assert!(o.stderr.iter().all(|&b| b == b'\n'
        || (0x20..0x7f).contains(&b)
        || b >= 0x80 && std::str::from_utf8(&o.stderr).is_ok()));
    // by its magic number, the .xyz name does not matter
    let j = inspect_json(&[s(&as_xyz), "--model", "ipl"]);
    assert_eq!(j["n_particles"], 250);
}

#[test]
fn reads_a_lammps_dump_with_frames_unsorted_ids_and_radius_column() {
    // the fixture: two frames of a 2D glass, ids shuffled, radii (IPL: λ/2), scaled
    // coordinates in the second frame
    let orig = tmp("dump-orig.xyz");
    ok(&[
        "prepare",
        "ipl",
        "--dim",
        "2",
        "-n",
        "60",
        "--seed",
        "9",
        "-o",
        s(&orig),
        "--quiet",
    ]);
    let want = inspect_json(&[s(&orig)]);
    let text = std::fs::read_to_string(&orig).unwrap();
    let mut lines = text.lines();
    let n: usize = lines.next().unwrap().trim().parse().unwrap();
    let comment = lines.next().unwrap();
    let lat = comment.split('"').nth(1).unwrap();
    let l: Vec<f64> = lat.split_whitespace().map(|t| t.parse().unwrap()).collect();
    let atoms: Vec<Vec<f64>> = lines
        .take(n)
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .map(|t| t.parse().unwrap())
                .collect()
        })
        .collect();
    let mut dump = String::new();
    for (step, scaled) in [(0, false), (100, true)] {
        dump += &format!(
            "ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n{n}\nITEM: BOX BOUNDS pp pp pp\n-1 {}\n-2 {}\n-0.5 0.5\n",
            l[0] - 1.0,
            l[4] - 2.0
        );
        dump += if scaled {
            "ITEM: ATOMS id type xs ys zs radius\n"
        } else {
            "ITEM: ATOMS id type x y z radius\n"
        };
        for k in 0..n {
            let i = (k * 7) % n; // shuffled order
            let (x, y) = (atoms[i][0] - 1.0, atoms[i][1] - 2.0);
            let (x, y) = if scaled {
                ((x + 1.0) / l[0], (y + 2.0) / l[4])
            } else {
                (x, y)
            };
            dump += &format!("{} 1 {x:.17} {y:.17} 0 {:.17}\n", i + 1, atoms[i][3]);
        }
    }
    let f = tmp("glass.dump");
    std::fs::write(&f, dump).unwrap();
    for frame in ["0", "1"] {
        let j = inspect_json(&[s(&f), "--model", "ipl", "--frame", frame]);
        assert_eq!(j["dim"], 2);
        assert_eq!(j["n_particles"], n);
        let (e, e0) = (
            j["energy"].as_f64().unwrap(),
            want["energy"].as_f64().unwrap(),
        );
        assert!(((e - e0) / e0).abs() < 1e-9, "frame {frame}: {e} vs {e0}");
    }
    // a size column by name and convention: the same numbers read as λ halve the sizes
    let j = inspect_json(&[
        s(&f),
        "--model",
        "ipl",
        "--size-column",
        "radius",
        "--size-convention",
        "model",
    ]);
    assert!(j["energy"].as_f64().unwrap() < want["energy"].as_f64().unwrap());
    // problems name the line
    let bad = tmp("bad.dump");
    let t = std::fs::read_to_string(&f)
        .unwrap()
        .replacen(" 1 ", " 1 nan? ", 1);
    std::fs::write(&bad, t).unwrap();
    let o = bondspace(&["inspect", s(&bad), "--model", "ipl", "--frame", "0"]);
    assert_input_error(&o, &["bad.dump:10:", "columns"]);
}

#[test]
fn ovito_imports_bondspace_files() {
    let Some(python) = python() else { return };
    if !has_module(&python, "ovito") {
        eprintln!("SKIPPED: the ovito Python module is not installed in {python:?}");
        return;
    }
    let files = written_files();
    for (f, dim) in &files {
        let script = format!(
            r#"
from ovito.io import import_file
import numpy as np
p = import_file({f:?})
d = p.compute()
# OVITO calls a cell 2D when no column maps to Position.Z: a 2D file's lowercase properties key
# (before Properties, which ASE reads) names the third position column z
assert tuple(d.cell.pbc) == ((True, True, False) if {dim} == 2 else (True, True, True)), d.cell.pbc
assert d.cell.is2D == ({dim} == 2), d.cell.is2D
if {dim} == 2:
    assert np.all(np.asarray(d.particles.positions)[:, 2] == 0)
r = np.asarray(d.particles["Radius"])
size = np.asarray(d.particles["size"])
model = d.attributes["model"]
assert np.allclose(size / r, 2.0 if model == "ipl" else 1.0)
names = sorted(t.name for t in d.particles.particle_types.types)
assert names == ["X"], names
print(model, d.particles.count)
"#,
            f = s(f)
        );
        py(&python, &script);
    }
    // The modes of a 2D glass: one frame per mode, imported as 2D, with the mode's vectors.
    let (f2, _) = files
        .iter()
        .find(|(f, d)| *d == 2 && s(f).contains("harm"))
        .unwrap();
    let dir = tmp("ovito-modes2");
    ok(&["spectrum", s(f2), "-o", s(&dir), "--modes", "2", "--quiet"]);
    let script = format!(
        r#"
from ovito.io import import_file
import numpy as np
p = import_file({m:?})
assert p.source.num_frames == 2, p.source.num_frames
d = p.compute(1)
assert d.cell.is2D
names = list(d.particles.keys())
assert "D" in names and "F" in names, names
assert np.asarray(d.particles["D"]).shape[0] == d.particles.count
print(names)
"#,
        m = s(&dir.join("modes.xyz"))
    );
    py(&python, &script);
}
