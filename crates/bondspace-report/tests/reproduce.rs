//! A study end to end at toy scale: ensembles, reports, the three 2D pictures, and the index
//! with its side-by-side claim table, sample counts and cost per stage, in report.md and
//! report.json; a re-run resumes without recomputing a sample.

use bondspace::ensemble::presets::Study;
use bondspace::ensemble::{AnalysisSpec, ChainSampling, EnsembleSpec, Family, Group};
use bondspace::prepare::Temperature;
use bondspace::progress::{Progress, SILENT};
use bondspace::results;
use bondspace::spectra::Method;
use bondspace_report::reproduce::{self, ReproduceEvents};

struct Quiet;

impl ReproduceEvents for Quiet {
    fn progress(&self, _: &str) -> Box<dyn Progress + '_> {
        Box::new(*SILENT)
    }
    fn say(&self, _: &str) {}
}

fn toy() -> Study {
    let analysis = AnalysisSpec {
        method: Method::Slicing,
        modes: 3,
        phm: true,
        participation: true,
        participation_samples: Some(1),
        dipoles: 20,
    };
    let group = |family| Group {
        dim: 2,
        n: 120,
        family,
    };
    Study {
        name: "toy",
        default_dir: "toy",
        ipl: EnsembleSpec {
            groups: vec![
                group(Family::Ipl {
                    tp: Temperature::Finite(1.0),
                    sweeps: Some(2000),
                }),
                group(Family::Ipl {
                    tp: Temperature::Finite(2.0),
                    sweeps: Some(2000),
                }),
            ],
            samples: 3,
            seed: 3,
            analysis: analysis.clone(),
            chains: Some(ChainSampling {
                chains: 1,
                spacing: 2.0,
            }),
        },
        harmonic: EnsembleSpec {
            groups: vec![group(Family::Harmonic { pressure: 0.1 })],
            samples: 2,
            seed: 3,
            analysis: AnalysisSpec {
                modes: 0,
                phm: false,
                participation: false,
                participation_samples: None,
                dipoles: 0,
                ..analysis
            },
            chains: None,
        },
        mode_picture_n: 150,
        mode_picture_analysis: results::Options {
            method: Method::Slicing,
            modes: 1,
            phm: true,
            ..Default::default()
        },
        hessian_picture: true,
        note: "toy study".into(),
    }
}

#[test]
fn a_toy_study_writes_its_index_figures_and_costs() {
    let dir = std::env::temp_dir().join(format!("bondspace-toy-study-{}", std::process::id()));
    let study = toy();
    let index = reproduce::run(&study, &dir, &Quiet).unwrap();
    let md = std::fs::read_to_string(&index).unwrap();
    for needle in [
        "## The paper's claims, side by side",
        "| claim | paper | group | ours | test | verdict |",
        "exponent −3.5",
        "## Samples used",
        "## Cost",
        "swap: between snapshots",
        "participation",
        "projected core-hours",
        "mode2d/fig1a_1b_hessian_beside_A.png",
        "mode2d/fig6_participation_modes.png",
        "ipl/report/fig5_annealing.png",
        "ipl/report/fig1d_P_lambda.png",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let groups = json["ipl"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        assert_eq!(g["n_samples"], 3);
        assert!(g["n_dipoles"].as_u64().unwrap() == 60 && g["xi_g"].as_f64().unwrap() > 0.0);
    }
    assert!(!json["claims"].as_array().unwrap().is_empty());
    let cost = &json["cost"]["ipl"]["ipl-2d-n120-tp1"];
    // only sample 0 of each group has the participation of every mode
    assert_eq!(cost["participation"]["samples"], 1);
    assert_eq!(cost["spectrum"]["samples"], 3);
    // a re-run computes no sample again and keeps the wall times of the first
    let walls = std::fs::read_to_string(dir.join("wall.json")).unwrap();
    reproduce::run(&study, &dir, &Quiet).unwrap();
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("wall.json")).unwrap()).unwrap();
    let first: serde_json::Value = serde_json::from_str(&walls).unwrap();
    assert_eq!(first["seconds"]["ipl"], again["seconds"]["ipl"]);
    let _ = std::fs::remove_dir_all(&dir);
}
