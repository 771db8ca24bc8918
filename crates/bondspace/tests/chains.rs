//! Samples drawn from long SWAP chains: a chain resumed from a saved state continues bitwise,
//! a killed batch of chains resumes from its checkpoints to the files of an uninterrupted one,
//! the files do not depend on the thread count, and every sample records its chain and sweep
//! (read back by `results::read`, pooled with the lag-1 correlation of e_IS).

use std::path::{Path, PathBuf};

use bondspace::ensemble::glasses::{chain_glasses, chain_path, sample_path};
use bondspace::ensemble::{self, AnalysisSpec, ChainSampling, EnsembleSpec, Family, Group};
use bondspace::prepare::swap::{Chain, ChainOptions, ChainState, Event};
use bondspace::prepare::{IplOptions, Temperature, ipl_liquid_start};
use bondspace::progress::SILENT;

/// Small, fast chain options: a 2D liquid of 64 at T = 4 relaxes in tens of sweeps.
fn options() -> ChainOptions {
    let mut o = ChainOptions::new(4.0, 64, 4000);
    o.tune_sweeps = 20;
    o.block_sweeps = 25;
    o.trace_every = 1;
    o.snapshots = 3;
    o
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bondspace-chains-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A state as a checkpoint file holds it, wall seconds aside.
fn without_seconds(s: &ChainState) -> ChainState {
    let mut s: ChainState = serde_json::from_str(&serde_json::to_string(s).unwrap()).unwrap();
    s.seconds = 0.0;
    s
}

#[test]
fn a_chain_resumed_from_its_saved_state_continues_bitwise() {
    let ipl = IplOptions::defaults(2);
    let liquid = ipl_liquid_start::<2>(64, &ipl, 7, 0, SILENT).unwrap();
    let opt = options();
    let new = || {
        Chain::start(
            &ipl.model,
            liquid.simbox,
            &liquid.positions,
            &liquid.sizes,
            &opt,
            7,
            0,
        )
        .unwrap()
    };
    // uninterrupted
    let mut a = new();
    let mut snaps = Vec::new();
    let mut states = Vec::new();
    loop {
        match a.advance().unwrap() {
            Event::Checkpoint => {}
            Event::Snapshot(s) => snaps.push(s),
            Event::Done => break,
        }
        states.push(without_seconds(a.state()));
    }
    assert_eq!(snaps.len(), 3);
    let st = a.state();
    assert!(st.equilibrated, "{:?}", st.drift);
    let (eq, spacing) = (st.equilibrated_at.unwrap(), st.spacing.unwrap());
    for (j, s) in snaps.iter().enumerate() {
        assert_eq!(s.index, j);
        assert_eq!(s.report.sweep, eq + j as u64 * spacing);
        assert_eq!(s.report.chain, 0);
    }
    assert!(st.overlap_relaxations.len() >= 2 && !st.size_relaxations.is_empty());
    // stopped after every block in turn, saved through JSON and resumed: the same states and
    // snapshots, bit for bit
    for stop in [1, 3, states.len() - 2] {
        let mut b = new();
        for _ in 0..stop {
            b.advance().unwrap();
        }
        let saved = serde_json::to_string(b.state()).unwrap();
        drop(b);
        let state: ChainState = serde_json::from_str(&saved).unwrap();
        let mut c = Chain::resume(&ipl.model, liquid.simbox, &opt, state, 7, 0).unwrap();
        let mut k = stop;
        loop {
            let e = c.advance().unwrap();
            if let Event::Snapshot(s) = &e {
                let want = &snaps[s.index];
                assert_eq!(s.report.sweep, want.report.sweep);
                for (x, y) in s.positions.iter().zip(&want.positions) {
                    assert_eq!(x.map(f64::to_bits), y.map(f64::to_bits));
                }
                assert_eq!(s.sizes, want.sizes);
            }
            if matches!(e, Event::Done) {
                break;
            }
            assert_eq!(
                without_seconds(c.state()),
                states[k],
                "stopped after {stop}: state after block {k}"
            );
            k += 1;
        }
        assert_eq!(k, states.len());
    }
    // another chain index or other options are refused
    let state = a.state().clone();
    assert!(Chain::resume(&ipl.model, liquid.simbox, &opt, state.clone(), 7, 1).is_err());
    let mut other = opt.clone();
    other.spacing = 3.0;
    assert!(Chain::resume(&ipl.model, liquid.simbox, &other, state.clone(), 7, 0).is_err());
    // … but a speed setting and the equilibration cap may change, and the state then records
    // the new ones
    let mut faster = opt.clone();
    faster.half_skin = 0.15;
    faster.max_equilibration_sweeps *= 2;
    let c = Chain::resume(&ipl.model, liquid.simbox, &faster, state, 7, 0).unwrap();
    assert_eq!(c.state().options, faster.signature());
}

/// Every file of `dir`, by name, with the wall seconds removed from chain states, reports and
/// the samples' cost records.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let mut text = std::fs::read_to_string(&p).unwrap();
            if name.ends_with(".json") {
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                for key in [
                    "seconds",
                    "chain_seconds",
                    "attempts_per_second",
                    "stages",
                    "swap_seconds",
                    "prepare_seconds",
                    "includes_equilibration",
                ] {
                    if let Some(o) = v.as_object_mut() {
                        o.remove(key);
                    }
                }
                text = v.to_string();
            }
            out.push((name, text));
        }
    }
    out.sort();
    out
}

/// Asserts that two directories hold the same files (as [`files`] reads them), naming the
/// first file and JSON key that differ.
fn same(a: &Path, b: &Path, what: &str) {
    let (fa, fb) = (files(a), files(b));
    let names = |f: &[(String, String)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fa), names(&fb), "{what}: file names");
    for ((name, x), (_, y)) in fa.iter().zip(&fb) {
        if x == y {
            continue;
        }
        let mut keys = Vec::new();
        if let (Ok(u), Ok(v)) = (
            serde_json::from_str::<serde_json::Value>(x),
            serde_json::from_str::<serde_json::Value>(y),
        ) && let (Some(u), Some(v)) = (u.as_object(), v.as_object())
        {
            keys = u.keys().filter(|k| u[*k] != v[*k]).cloned().collect();
        }
        panic!("{what}: {name} differs (keys {keys:?})");
    }
}

fn batch(dir: &Path, threads: usize, count: usize) -> Vec<bool> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let ipl = IplOptions::defaults(2);
    pool.install(|| {
        chain_glasses::<2>(
            64,
            &ipl,
            &options(),
            2,
            3,
            &dir.join("g.xyz"),
            count,
            SILENT,
        )
    })
    .unwrap()
    .iter()
    .map(|o| o.computed)
    .collect()
}

#[test]
fn chain_batches_resume_and_do_not_depend_on_the_thread_count() {
    let a = tmp("a");
    assert_eq!(batch(&a, 1, 5), vec![true; 5]);
    let b = tmp("b");
    assert_eq!(batch(&b, 2, 5), vec![true; 5]);
    same(&a, &b, "1 thread against 2");
    // provenance: sample k = 2j + c is snapshot j of chain c
    for k in 0..5 {
        let cfg =
            bondspace::io::xyz::read_xyz_dim::<2>(&sample_path(&a.join("g.xyz"), k, 5)).unwrap();
        assert_eq!(cfg.info["chain"], (k % 2).to_string());
        assert_eq!(cfg.info["snapshot"], (k / 2).to_string());
        assert!(cfg.info["sweep"].parse::<u64>().unwrap() > 20);
    }
    // a re-run does nothing
    assert_eq!(batch(&a, 2, 5), vec![false; 5]);

    // killed: chain 0 stopped during its equilibration (its state saved after block 2),
    // chain 1 never started; the re-run resumes chain 0 from its state
    let c = tmp("c");
    let ipl = IplOptions::defaults(2);
    let liquid = ipl_liquid_start::<2>(64, &ipl, 3, 0, SILENT).unwrap();
    let mut o = options();
    o.snapshots = 3;
    let mut ch = Chain::start(
        &ipl.model,
        liquid.simbox,
        &liquid.positions,
        &liquid.sizes,
        &o,
        3,
        0,
    )
    .unwrap();
    for _ in 0..2 {
        assert!(matches!(ch.advance().unwrap(), Event::Checkpoint));
    }
    let state = serde_json::to_vec(ch.state()).unwrap();
    std::fs::write(chain_path(&c.join("g.xyz"), 0), state).unwrap();
    assert_eq!(batch(&c, 2, 5), vec![true; 5]);
    same(&a, &c, "interrupted against uninterrupted");

    // more samples extend the chains from their final states
    let d = tmp("d");
    batch(&d, 1, 3);
    assert_eq!(batch(&d, 1, 5), vec![false, false, false, true, true]);
    same(&a, &d, "extended against made at once");
    for x in [a, b, c, d] {
        std::fs::remove_dir_all(x).ok();
    }
}

#[test]
fn ensemble_samples_from_chains_record_their_chain_and_sweep() {
    let dir = tmp("ensemble");
    let spec = EnsembleSpec {
        groups: vec![Group {
            dim: 2,
            n: 64,
            family: Family::Ipl {
                tp: Temperature::Finite(2.0),
                sweeps: Some(20_000),
            },
        }],
        samples: 6,
        seed: 2,
        analysis: AnalysisSpec {
            method: bondspace::spectra::Method::Dense,
            modes: 0,
            phm: false,
            participation: false,
            participation_samples: None,
            dipoles: 0,
        },
        chains: Some(ChainSampling {
            chains: 2,
            spacing: 2.0,
        }),
    };
    let rep = ensemble::run(&dir, &spec, (0, 1), SILENT).unwrap();
    assert_eq!((rep.computed, rep.skipped), (6, 0), "{:?}", rep.failed);
    let data = ensemble::load_group(&dir, &spec, &spec.groups[0]).unwrap();
    assert_eq!(data.len(), 6);
    let mut last_sweep = [0u64; 2];
    for d in &data {
        let (c, j) = (d.index % 2, d.index / 2);
        let mc = d.mc.as_ref().unwrap();
        assert_eq!(d.chain, Some(c as u64));
        assert_eq!(mc.snapshot, Some(j));
        let sweep = d.sweep.unwrap();
        assert!(sweep > last_sweep[c], "chain {c}: sweeps increase");
        last_sweep[c] = sweep;
    }
    assert!(ensemble::chain_file(&dir, &spec.groups[0], 1).exists());
    let pooled = ensemble::pool(&dir).unwrap();
    assert_eq!(pooled[0].chains, Some(2));
    let (r, se, pairs) = pooled[0].e_is_lag1.unwrap();
    assert_eq!(pairs, 4);
    assert!(r.is_finite() && se > 0.0);
    // a re-run skips everything
    let again = ensemble::run(&dir, &spec, (0, 1), SILENT).unwrap();
    assert_eq!((again.computed, again.skipped), (0, 6));
    std::fs::remove_dir_all(&dir).ok();
}
