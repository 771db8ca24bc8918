//! `bondspace bench --peers`: bondspace against the SciPy scripts a skilled user would write
//! (`../shared/peers`: `peer_dense.py`, `peer_topk.py`), on the same glass files, in one
//! process tree. bondspace's routes run in this process ([`bondspace::bench::peer_route`]),
//! the peers as child processes one after the other; each side reports its stage times and
//! its own peak resident memory. Printed as Markdown tables, and written as JSON.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use bondspace::bench::{Route, RouteRun, peer_route};
use serde_json::Value;

/// Options of `bench --peers`.
pub struct PeerBench {
    /// Glass files; empty: make 3D IPL glasses (Tp = ∞) of `sizes` in `work`.
    pub configs: Vec<PathBuf>,
    /// Sizes of the glasses made when no files are given.
    pub sizes: Vec<usize>,
    /// Seed of the glasses made.
    pub seed: u64,
    /// Top modes K.
    pub modes: usize,
    /// Slicing bins.
    pub bins: usize,
    /// Dense P+D only up to this N.
    pub dense_max: usize,
    /// Slicing only up to this N.
    pub slicing_max: usize,
    /// Every eigenpair with N·e (the `--participation` route) only up to this N.
    pub participation_max: usize,
    /// The peer scripts' folder.
    pub peer_dir: PathBuf,
    /// The Python that runs them.
    pub python: PathBuf,
    /// Threads of both sides (rayon here, BLAS there).
    pub threads: usize,
    /// Working folder (glasses, peer outputs, `bench-peers.json`).
    pub work: PathBuf,
}

/// Why the peers cannot run, or None.
fn peers_missing(b: &PeerBench) -> Option<String> {
    for s in ["peer_dense.py", "peer_topk.py", "peer_ops.py"] {
        if !b.peer_dir.join(s).is_file() {
            return Some(format!(
                "{} not found (--peer-dir, default ../shared/peers)",
                b.peer_dir.join(s).display()
            ));
        }
    }
    let ok = Command::new(&b.python)
        .args(["-c", "import numpy, scipy, threadpoolctl, sksparse.cholmod"])
        .output();
    match ok {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "{} cannot import numpy, scipy, threadpoolctl and scikit-sparse ({}): run \
             scripts/peers-setup.sh (see the README)",
            b.python.display(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Some(format!("{} cannot be run: {e}", b.python.display())),
    }
}

/// The peer of the `--participation` route (`scripts/peer_dense_vectors.py`): SciPy's
/// `eigh(K̃, M̃)` with vectors on the peers' own operators, then N·e(F) of every mode. Built
/// in, so that the bench runs from any folder; written to the working folder to run.
const PEER_VECTORS: &str = include_str!("../../../../scripts/peer_dense_vectors.py");

/// Runs a peer script (a name in the peers' folder, or a path); its last stdout line is its
/// JSON. Returns (JSON, wall seconds).
fn run_peer(b: &PeerBench, script: &str, args: &[String]) -> anyhow::Result<(Value, f64)> {
    let t = Instant::now();
    let out = Command::new(&b.python)
        .arg(b.peer_dir.join(script))
        .args(args)
        .env("OPENBLAS_NUM_THREADS", b.threads.to_string())
        .env("OMP_NUM_THREADS", b.threads.to_string())
        .output()
        .with_context(|| format!("running {script}"))?;
    let wall = t.elapsed().as_secs_f64();
    if !out.status.success() {
        anyhow::bail!(
            "{script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    let v: Value =
        serde_json::from_str(line).with_context(|| format!("{script} printed no JSON line"))?;
    Ok((v, wall))
}

fn f(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn stage(r: &RouteRun, names: &[&str]) -> f64 {
    r.stages
        .iter()
        .filter(|(n, _)| names.contains(&n.as_str()))
        .map(|s| s.1)
        .sum()
}

fn max_rel(a: &[f64], b: &[f64]) -> Option<f64> {
    (a.len() == b.len() && !a.is_empty()).then(|| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs() / y.abs())
            .fold(0.0, f64::max)
    })
}

/// The value at `path` (object keys) inside `v`.
fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// The scaling summary's row of one size of `bench-peers.json`, or None without a top-K result.
fn scale_row(e: &Value, n: usize) -> Option<ScaleRow> {
    at(e, &["topk"])?;
    let num = |path: &[&str]| at(e, path).and_then(Value::as_f64).unwrap_or(f64::NAN);
    Some(ScaleRow {
        n,
        ours: num(&["topk", "bondspace", "total"]),
        ours_gib: num(&["topk", "bondspace", "peak_gib"]),
        peer: num(&["topk", "peer_total"]),
        peer_gib: num(&["topk", "peer", "peak_rss_MiB"]) / 1024.0,
        per_bin: num(&["slicing", "total"]) / num(&["slicing", "bins"]),
    })
}

/// The peer's peak memory in GiB, or "–" without a peer.
fn peer_gib(pv: Option<&Value>) -> String {
    pv.map_or("–".into(), |v| {
        format!("{:.2} GiB", f(v, "peak_rss_MiB") / 1024.0)
    })
}

/// A relative difference, or "–" where there is none.
fn rel(d: Option<f64>) -> String {
    d.map_or("–".into(), |d| format!("{d:.1e}"))
}

fn row(name: &str, ours: f64, peer: f64) {
    let ratio = if ours > 0.0 && peer.is_finite() {
        format!("{:.2}×", peer / ours)
    } else {
        "–".into()
    };
    let p = if peer.is_finite() {
        format!("{peer:.2}")
    } else {
        "–".into()
    };
    println!("| {name} | {ours:.2} | {p} | {ratio} |");
}

/// The scaling summary of an earlier run's `bench-peers.json` (`--summary-from`), printed and
/// drawn again without running anything.
pub fn summary_from(b: &PeerBench, json: &Path) -> anyhow::Result<()> {
    let bad = |why: String| crate::args::input_error(format!("{}: {why}", json.display()));
    let text = std::fs::read_to_string(json).map_err(|e| bad(format!("cannot read it ({e})")))?;
    let v: Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a bench-peers.json ({e})")))?;
    let entries = v
        .as_array()
        .ok_or_else(|| bad("not a list of sizes (a bench-peers.json)".into()))?;
    let mut rows = Vec::new();
    for e in entries {
        let n = e
            .get("n")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("an entry without its size n".into()))? as usize;
        rows.push(scale_row(e, n).ok_or_else(|| bad(format!("N = {n} has no top-K result")))?);
    }
    if rows.len() < 2 {
        return Err(bad("fewer than two sizes to fit".into()));
    }
    std::fs::create_dir_all(&b.work).with_context(|| format!("creating {}", b.work.display()))?;
    let first = |path: &[&str], default: usize| {
        entries
            .iter()
            .find_map(|e| at(e, path).and_then(Value::as_u64))
            .map_or(default, |v| v as usize)
    };
    scaling_summary(
        b,
        &rows,
        first(&["topk", "k"], b.modes),
        first(&["slicing", "bins"], b.bins),
    )
}

/// Runs the peer benchmark.
pub fn run(b: &PeerBench) -> anyhow::Result<()> {
    std::fs::create_dir_all(&b.work).with_context(|| format!("creating {}", b.work.display()))?;
    let missing = peers_missing(b);
    if let Some(why) = &missing {
        println!("note: the peer scripts are skipped: {why}");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(b.threads)
        .build()?;
    println!(
        "bondspace against the SciPy peers ({}), {} threads on both sides (rayon; OpenBLAS), one \
         route after the other in one process tree; peak memory is each process's resident \
         high-water mark (bondspace: VmHWM reset at the start of each route; peer: ru_maxrss).",
        b.peer_dir.display(),
        b.threads
    );
    // the glass files
    let mut files = b.configs.clone();
    if files.is_empty() {
        for &n in &b.sizes {
            let path = b.work.join(format!("ipl-3d-n{n}-seed{}.xyz", b.seed));
            if !path.is_file() {
                eprintln!("making {} (3D IPL, instant quench)", path.display());
                let opt = bondspace::prepare::IplOptions::defaults(3);
                let cfg = pool.install(|| {
                    bondspace::prepare::ipl_instant_quench::<3>(
                        n,
                        &opt,
                        b.seed,
                        bondspace::progress::SILENT,
                    )
                })?;
                bondspace::io::xyz::write_xyz(&cfg, &path)?;
            }
            files.push(path);
        }
    }
    let mut report = Vec::new();
    let mut scale = Vec::new();
    for path in &files {
        let any = bondspace::io::read_configuration(path, &Default::default())
            .with_context(|| format!("{}", path.display()))?;
        let n = bondspace::with_dim!(&any, c => c.len());
        println!("\n### {} (N = {n})\n", path.display());
        let mut entry = serde_json::json!({"config": path, "n": n});
        if n <= b.dense_max {
            let ours = pool.install(|| peer_route(path, Route::Dense))?;
            let prefix = b.work.join(format!("peer-dense-n{n}"));
            let peer = match &missing {
                None => Some(run_peer(
                    b,
                    "peer_dense.py",
                    &[
                        path.display().to_string(),
                        "--threads".into(),
                        b.threads.to_string(),
                        "--save".into(),
                        prefix.display().to_string(),
                    ],
                )?),
                Some(_) => None,
            };
            let pv = peer.as_ref().map(|p| &p.0);
            let get = |k: &str| pv.map_or(f64::NAN, |v| f(v, k));
            println!(
                "Dense P+D (every λ of A and every ω² of M), N_b = {}:\n",
                ours.n_bonds
            );
            println!("| stage | bondspace (s) | peer (s) | peer / bondspace |");
            println!("|---|---|---|---|");
            let peer_setup =
                get("t_read_s") + get("t_bonds_s") + get("t_sparse_build_s") + get("t_densify_s");
            row(
                "read, bonds, operators",
                stage(&ours, &["read", "build"]),
                peer_setup,
            );
            row(
                "eigenvalues, P and D",
                stage(&ours, &["eigenvalues (P+D)"]),
                get("t_eigh_pencil_s") + get("t_densify_hessian_s") + get("t_eigvalsh_hessian_s"),
            );
            row("total", ours.total, get("t_total_s"));
            let (dl, dw) = if pv.is_some() {
                let bond = bondspace::io::npy::read_npy_f64(Path::new(&format!(
                    "{}_bond.npy",
                    prefix.display()
                )))?;
                let hes = bondspace::io::npy::read_npy_f64(Path::new(&format!(
                    "{}_hessian.npy",
                    prefix.display()
                )))?;
                (max_rel(&ours.lambda, &bond), max_rel(&ours.omega2, &hes))
            } else {
                (None, None)
            };
            println!(
                "\npeak memory: bondspace {:.2} GiB, peer {}; λ max rel. difference {}, ω² {}",
                ours.peak_gib,
                peer_gib(pv),
                rel(dl),
                rel(dw),
            );
            entry["dense"] = serde_json::json!({
                "bondspace": {"stages": ours.stages, "total": ours.total, "peak_gib": ours.peak_gib},
                "peer": pv, "peer_wall": peer.as_ref().map(|p| p.1),
                "lambda_max_rel": dl, "omega2_max_rel": dw,
            });
        }
        if n <= b.participation_max {
            let ours = pool.install(|| peer_route(path, Route::Participation))?;
            let prefix = b.work.join(format!("peer-vectors-n{n}"));
            let peer = match &missing {
                None => {
                    // absolute: run_peer joins it to the peers' folder
                    let script = std::path::absolute(b.work.join("peer_dense_vectors.py"))?;
                    std::fs::write(&script, PEER_VECTORS)
                        .with_context(|| format!("writing {}", script.display()))?;
                    Some(run_peer(
                        b,
                        &script.display().to_string(),
                        &[
                            path.display().to_string(),
                            "--peer-dir".into(),
                            b.peer_dir.display().to_string(),
                            "--threads".into(),
                            b.threads.to_string(),
                            "--save".into(),
                            prefix.display().to_string(),
                        ],
                    )?)
                }
                Some(_) => None,
            };
            let pv = peer.as_ref().map(|p| &p.0);
            let get = |k: &str| pv.map_or(f64::NAN, |v| f(v, k));
            println!(
                "\nEvery eigenpair of A with N·e(F) (`--participation`; peer: `eigh(K̃, M̃)` with \
                 vectors, then F = K D̃ in blocks):\n"
            );
            println!("| stage | bondspace (s) | peer (s) | peer / bondspace |");
            println!("|---|---|---|---|");
            row(
                "read, bonds, operators",
                stage(&ours, &["read", "build"]),
                get("t_read_s") + get("t_bonds_s") + get("t_sparse_build_s") + get("t_densify_s"),
            );
            row(
                "eigenpairs and N·e",
                stage(&ours, &["eigenpairs and N·e"]),
                get("t_eigh_vectors_s") + get("t_participation_s"),
            );
            row("total", ours.total, get("t_total_s"));
            let (dl, dn) = if pv.is_some() {
                let read = |s: &str| {
                    bondspace::io::npy::read_npy_f64(Path::new(&format!(
                        "{}_{s}.npy",
                        prefix.display()
                    )))
                };
                (
                    max_rel(&ours.lambda, &read("lambda")?),
                    max_rel(&ours.participation, &read("ne")?),
                )
            } else {
                (None, None)
            };
            println!(
                "\npeak memory: bondspace {:.2} GiB, peer {}; λ max rel. difference {}, N·e {} \
                 (eigh's own time {})",
                ours.peak_gib,
                peer_gib(pv),
                rel(dl),
                rel(dn),
                pv.map_or("–".into(), |v| format!(
                    "{:.2} s",
                    f(v, "t_eigh_vectors_s")
                )),
            );
            entry["participation"] = serde_json::json!({
                "bondspace": {"stages": ours.stages, "total": ours.total, "peak_gib": ours.peak_gib},
                "peer": pv, "peer_wall": peer.as_ref().map(|p| p.1),
                "lambda_max_rel": dl, "ne_max_rel": dn,
            });
        }
        if n <= b.slicing_max {
            let ours = pool.install(|| peer_route(path, Route::Slicing(b.bins)))?;
            println!(
                "\nSlicing P+D, {} bins: {:.2} s (factor and scales {:.2} s, counts {:.2} s), peak {:.2} GiB",
                b.bins,
                ours.total,
                stage(&ours, &["factor and scales"]),
                stage(&ours, &["counts"]),
                ours.peak_gib
            );
            entry["slicing"] = serde_json::json!({
                "bins": b.bins, "stages": ours.stages, "total": ours.total, "peak_gib": ours.peak_gib,
            });
        }
        let ours = pool.install(|| peer_route(path, Route::TopK(b.modes)))?;
        let peer = match &missing {
            None => Some(run_peer(
                b,
                "peer_topk.py",
                &[
                    path.display().to_string(),
                    b.modes.to_string(),
                    "--vectors".into(),
                    "--threads".into(),
                    b.threads.to_string(),
                ],
            )?),
            Some(_) => None,
        };
        let pv = peer.as_ref().map(|p| &p.0);
        let get = |k: &str| pv.map_or(f64::NAN, |v| f(v, k));
        println!(
            "\nTop {} modes of A (bondspace: block Krylov–Schur on C; peer: CHOLMOD + ARPACK), \
             order {}:\n",
            b.modes, ours.n_pencil
        );
        println!("| stage | bondspace (s) | peer (s) | peer / bondspace |");
        println!("|---|---|---|---|");
        row(
            "read, bonds, operators",
            stage(&ours, &["read", "build"]),
            get("t_build_s"),
        );
        row("rank(S)", stage(&ours, &["rank(S)"]), f64::NAN);
        row("factor of M̃", stage(&ours, &["factor"]), get("t_factor_s"));
        row(
            "eigensolve",
            stage(&ours, &["eigensolve"]),
            get("t_eigensolve_s"),
        );
        row(
            "modes and residuals",
            stage(&ours, &["modes"]),
            get("t_modes_s"),
        );
        let peer_total = get("t_total_s") + get("t_modes_s");
        row("total", ours.total, peer_total);
        let peer_lambda: Option<Vec<f64>> = pv.and_then(|v| {
            v.get("lambda")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
        });
        let dl = peer_lambda.as_ref().and_then(|p| max_rel(&ours.lambda, p));
        println!(
            "\nnnz(L) (lower triangle): bondspace {:.3e}, peer {}; vectors multiplied by C: {} against {}; max \
             residual ‖Af − λf‖/λ: {:.1e} against {}; peak memory: bondspace {:.2} GiB, peer \
             {}; top-{} λ max rel. difference {}",
            ours.nnz_l as f64,
            pv.map_or("–".into(), |v| format!("{:.3e}", f(v, "nnz_L"))),
            ours.products,
            pv.map_or("–".into(), |v| format!(
                "{}",
                f(v, "operator_applications")
            )),
            ours.max_residual,
            pv.map_or("–".into(), |v| format!(
                "{:.1e}",
                f(v, "max_mode_residual")
            )),
            ours.peak_gib,
            peer_gib(pv),
            b.modes,
            rel(dl),
        );
        entry["topk"] = serde_json::json!({
            "k": b.modes,
            "bondspace": {"stages": ours.stages, "total": ours.total, "peak_gib": ours.peak_gib,
                          "nnz_l": ours.nnz_l, "products": ours.products, "max_residual": ours.max_residual},
            "peer": pv, "peer_wall": peer.as_ref().map(|p| p.1), "peer_total": peer_total,
            "lambda_max_rel": dl,
        });
        scale.extend(scale_row(&entry, n));
        report.push(entry);
        let json = b.work.join("bench-peers.json");
        bondspace::io::write_atomic(&json, serde_json::to_string_pretty(&report)?.as_bytes())?;
    }
    if scale.len() >= 2 {
        scaling_summary(b, &scale, b.modes, b.bins)?;
    }
    println!("\n(results: {})", b.work.join("bench-peers.json").display());
    Ok(())
}

/// One size of the scaling summary: the top-K route's wall time and peak memory of both
/// sides, and bondspace's slicing time per bin.
struct ScaleRow {
    n: usize,
    ours: f64,
    ours_gib: f64,
    peer: f64,
    peer_gib: f64,
    per_bin: f64,
}

/// The least-squares power law of y against N in log–log over the sizes where y is known.
fn fit(rows: &[ScaleRow], y: impl Fn(&ScaleRow) -> f64) -> Option<bondspace::stats::PowerLaw> {
    let x: Vec<f64> = rows.iter().map(|r| r.n as f64).collect();
    let y: Vec<f64> = rows.iter().map(y).collect();
    bondspace::stats::power_law_fit(&x, &y, (0.0, f64::INFINITY))
}

/// "a ± se (k sizes)" of a fitted exponent, or "–".
fn exponent(p: &Option<bondspace::stats::PowerLaw>) -> String {
    match p {
        Some(p) if p.exponent_se.is_finite() => format!(
            "{:.2} ± {:.2} ({} sizes)",
            p.exponent, p.exponent_se, p.points
        ),
        Some(p) => format!("{:.2} ({} sizes, no error bar)", p.exponent, p.points),
        None => "–".into(),
    }
}

/// A legend entry with its fitted exponent: "name, ∝ N^a".
fn with_exponent(name: &str, p: &Option<bondspace::stats::PowerLaw>) -> String {
    match p {
        Some(p) => format!(
            "{name}, ∝ {}",
            bondspace_report::figures::sup("N", &format!("{:.2}", p.exponent))
        ),
        None => name.into(),
    }
}

/// The top-K route's time and memory against N for both sides, with fitted exponents, as a
/// table and two log–log figures (`scaling-time`, `scaling-memory` in the working folder).
fn scaling_summary(
    b: &PeerBench,
    rows: &[ScaleRow],
    modes: usize,
    bins: usize,
) -> anyhow::Result<()> {
    use bondspace_report::figures::{Legend, Plot, Series, render};
    println!(
        "\n### Scaling: top {} modes end to end, and slicing per bin\n",
        modes
    );
    println!(
        "| N | bondspace (s) | peer (s) | peer / bondspace | bondspace peak (GiB) | peer peak \
         (GiB) | slicing, s per bin ({} bins) |",
        bins
    );
    println!("|---|---|---|---|---|---|---|");
    let opt = |v: f64, p: usize| {
        if v.is_finite() {
            format!("{v:.p$}")
        } else {
            "–".into()
        }
    };
    for r in rows {
        println!(
            "| {} | {:.2} | {} | {} | {:.2} | {} | {} |",
            r.n,
            r.ours,
            opt(r.peer, 2),
            opt(r.peer / r.ours, 2),
            r.ours_gib,
            opt(r.peer_gib, 2),
            opt(r.per_bin, 3)
        );
    }
    let fits = [
        fit(rows, |r| r.ours),
        fit(rows, |r| r.peer),
        fit(rows, |r| r.ours_gib),
        fit(rows, |r| r.peer_gib),
        fit(rows, |r| r.per_bin),
    ];
    let [t_ours, t_peer, m_ours, m_peer, t_bin] = fits.each_ref().map(exponent);
    println!(
        "\nFitted exponents a of y ∝ N^a (least squares of ln y on ln N over the sizes, ± the \
         standard error from the scatter about the line; one run per size):\n\
         - top-{} time: bondspace {t_ours}, peer {t_peer}\n\
         - top-{} peak memory: bondspace {m_ours}, peer {m_peer}\n\
         - slicing time per bin: bondspace {t_bin}",
        modes, modes
    );
    // a curve; its legend entry carries the exponent fitted to it, fits[k]
    let series = |name: &str, k: usize, y: &dyn Fn(&ScaleRow) -> f64, color: usize| Series {
        name: with_exponent(name, &fits[k]),
        points: rows.iter().map(|r| (r.n as f64, y(r))).collect(),
        markers: true,
        color,
        ..Default::default()
    };
    let figure = |file: &str, title: String, y_label: &str, series: Vec<Series>| Plot {
        file: file.into(),
        title,
        x_label: "N".into(),
        y_label: y_label.into(),
        series,
        legend: Legend::UpperLeft,
        ..Default::default()
    };
    let peer = "peer (CHOLMOD + ARPACK)";
    let time = figure(
        "scaling-time",
        format!("top {modes} modes of A, end to end ({} threads)", b.threads),
        "wall time (s)",
        vec![
            series("bondspace, top-K", 0, &|r| r.ours, 0),
            series(&format!("{peer}, top-K"), 1, &|r| r.peer, 1),
            series("bondspace slicing, per bin", 4, &|r| r.per_bin, 2),
        ],
    );
    let memory = figure(
        "scaling-memory",
        format!("top {modes} modes of A: peak resident memory"),
        "peak memory (GiB)",
        vec![
            series("bondspace", 2, &|r| r.ours_gib, 0),
            series(peer, 3, &|r| r.peer_gib, 1),
        ],
    );
    render(&time, &b.work)?;
    render(&memory, &b.work)?;
    println!(
        "\n(figures: {0}/scaling-time.png, {0}/scaling-memory.png and .svg)",
        b.work.display()
    );
    Ok(())
}
