//! The paper's study as data: the ensembles of `reproduce` at reduced (`quick`) and full
//! scale, and the 2D glass drawn for the mode pictures.

use super::{AnalysisSpec, EnsembleSpec, Family, Group};
use crate::prepare::Temperature;
use crate::results;
use crate::spectra::Method;

/// One preset of the paper's study.
#[derive(Clone, Debug)]
pub struct Study {
    /// `quick` or `full`.
    pub name: &'static str,
    /// Default output directory.
    pub default_dir: &'static str,
    /// 3D IPL glasses at several Tp (SWAP Monte Carlo, default sweeps by Tp).
    pub ipl: EnsembleSpec,
    /// 3D harmonic packings at p = 0.1 for several N (size dependence).
    pub harmonic: EnsembleSpec,
    /// N of the 2D IPL glass (Tp = ∞) whose highest-λ mode is drawn.
    pub mode_picture_n: usize,
    /// The analysis of that glass.
    pub mode_picture_analysis: results::Options,
    /// What the study is, against the paper's scale (kept beside the ensembles as `note.md`).
    pub note: String,
}

/// The paper's study at reduced scale: N = 500, Tp ∈ {0.45, 0.6, 1.0}, 20 samples per Tp;
/// harmonic N ∈ {250, 500, 1000}, 8 samples (about 10 minutes on 2 cores, chain-sampled).
pub fn quick(seed: u64) -> Study {
    study(false, seed)
}

/// The paper's scale: N = 2000, Tp ∈ {0.32, 0.45, 0.6, 1.0}, 10 000 samples per Tp; harmonic
/// N ∈ {1000, 2000, 4000}, 1000 samples (for a cluster or a long, resumable run).
pub fn full(seed: u64) -> Study {
    study(true, seed)
}

fn study(full: bool, seed: u64) -> Study {
    let (ipl_n, tps, ipl_samples, harm_n, harm_samples, modes): (
        usize,
        &[f64],
        usize,
        &[usize],
        usize,
        usize,
    ) = if full {
        (
            2000,
            &[0.32, 0.45, 0.6, 1.0],
            10_000,
            &[1000, 2000, 4000],
            1000,
            10,
        )
    } else {
        (500, &[0.45, 0.6, 1.0], 20, &[250, 500, 1000], 8, 5)
    };
    let analysis = AnalysisSpec {
        method: Method::Dense,
        modes,
        phm: true,
        participation: true,
    };
    let ipl = EnsembleSpec {
        groups: tps
            .iter()
            .map(|&t| Group {
                dim: 3,
                n: ipl_n,
                family: Family::Ipl {
                    tp: Temperature::Finite(t),
                    sweeps: None,
                },
            })
            .collect(),
        samples: ipl_samples,
        seed,
        analysis: analysis.clone(),
        chains: Some(super::ChainSampling {
            chains: if full { 32 } else { 4 },
            spacing: crate::prepare::swap::sampler::DEFAULT_SPACING,
        }),
    };
    let harmonic = EnsembleSpec {
        groups: harm_n
            .iter()
            .map(|&n| Group {
                dim: 3,
                n,
                family: Family::Harmonic { pressure: 0.1 },
            })
            .collect(),
        samples: harm_samples,
        seed,
        analysis: AnalysisSpec {
            modes: 0,
            phm: false,
            participation: false,
            ..analysis
        },
        chains: None,
    };
    let note = format!(
        "{} run: 3D IPL glasses with N = {ipl_n}, Tp ∈ {tps:?} (SWAP Monte Carlo, default sweeps \
         by Tp), {ipl_samples} samples per Tp; 3D harmonic packings at p = 0.1 with N ∈ \
         {harm_n:?}, {harm_samples} samples per N. The paper: N = 2000, Tp ∈ [0.32, 0.45, 0.6, \
         1.0], 10 000 samples per Tp; harmonic N ∈ [1000, 2000, 4000], 1000 samples.",
        if full { "Full" } else { "Quick" }
    );
    Study {
        name: if full { "full" } else { "quick" },
        default_dir: if full {
            "bondspace-reproduce-full"
        } else {
            "bondspace-reproduce-quick"
        },
        ipl,
        harmonic,
        mode_picture_n: if full { 4096 } else { 1000 },
        mode_picture_analysis: results::Options {
            method: Method::Slicing,
            modes: 1,
            phm: true,
            ..Default::default()
        },
        note,
    }
}
