//! The paper's study as data: the ensembles of `reproduce` at reduced (`quick`) and full
//! scale, and the 2D glass drawn for the mode pictures.

use super::{AnalysisSpec, EnsembleSpec, Family, Group};
use crate::prepare::Temperature;
use crate::results;
use crate::spectra::Method;

/// One preset of the paper's study.
#[derive(Clone, Debug)]
pub struct Study {
    /// `quick`, `study` or `full`.
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
    /// Draw the Hessian mode that overlaps most with the highest-λ A-mode beside it (paper
    /// Fig. 1a beside 1b; a dense eigendecomposition of the 2D glass's Hessian).
    pub hessian_picture: bool,
    /// What the study is, against the paper's scale (kept beside the ensembles as `note.md`).
    pub note: String,
}

/// The paper's study at reduced scale: N = 500, Tp ∈ {0.45, 0.6, 1.0}, 20 samples per Tp;
/// harmonic N ∈ {250, 500, 1000}, 8 samples (about 10 minutes on 2 cores, chain-sampled).
pub fn quick(seed: u64) -> Study {
    study(false, seed)
}

/// The paper's scale: N = 2000, Tp ∈ {0.32, 0.45, 0.6, 1.0}, 10 000 samples per Tp, each by
/// slicing with its top 10 modes and their PHMs, the participation of every mode on the first
/// 100 samples per Tp; harmonic N ∈ {1000, 2000, 4000}, 1000 samples (for a cluster or a long,
/// resumable run).
pub fn full(seed: u64) -> Study {
    study(true, seed)
}

/// Measured cost of one sample, in core-seconds on one core of the 2-core development machine
/// (README, "What the paper's full study costs"): the analysis of an N = 2000 IPL glass by
/// slicing with its top 20 modes, their PHMs and 500 dipoles, with its quench.
pub const IPL_ANALYSIS_SECONDS: f64 = 15.0;
/// SWAP seconds between two snapshots (2 τ_Q sweeps at N = 2000) and to equilibrate one chain,
/// by Tp: (Tp, between snapshots, equilibration). τ_Q and the sweeps to equilibrate are those
/// the chains measured (README, the tables of the paper's Tp: Tp = 0.45 from the 100-glass
/// run of 2026-12-07, τ_Q = 13 505 and 178 950 sweeps; at Tp = 0.32 the mean of the two
/// equilibrated chains, τ_Q = 1.53 × 10⁵ and 4.5 × 10⁶ sweeps), at 3.3 × 10⁶ attempts per
/// second (`bench --swap` on a quiet core, 2026-12-07).
pub const IPL_SWAP_SECONDS: [(f64, f64, f64); 4] = [
    (0.32, 185.0, 2730.0),
    (0.45, 16.4, 108.0),
    (0.6, 2.9, 22.0),
    (1.0, 0.52, 4.7),
];
/// Seconds of one harmonic packing at p = 0.1 with its slicing spectrum (what the presets run
/// on packings): (N, seconds), measured by `scripts/study-cost.py` on one core (2026-12-07).
pub const HARMONIC_SECONDS: [(usize, f64); 3] = [(1000, 3.3), (2000, 9.1), (4000, 31.7)];
/// Seconds of the participation of every mode (dense) of one N = 2000 IPL glass.
pub const PARTICIPATION_SECONDS: f64 = 118.0;
/// Seconds of the 2D mode pictures (N = 4096: quench, slicing, top mode, dense Hessian modes).
pub const PICTURE_SECONDS: f64 = 300.0;
/// Chains per Tp of the `study` preset.
pub const STUDY_CHAINS: usize = 2;
/// Smallest budget (minutes on 2 cores) at which `study` includes Tp = 0.32: its two chains
/// must first equilibrate (≈ 2 700 core-seconds each, [`IPL_SWAP_SECONDS`], side by side on
/// the two cores), which should take about a quarter of the budget. Every Tp gets the same
/// count, so the count per Tp drops where Tp = 0.32 (≈ 200 s per glass) enters.
pub const STUDY_MIN_BUDGET_032: f64 = 180.0;

/// The sample counts a budget buys: per Tp (IPL, N = 2000), per N (harmonic) and the
/// participation subset per Tp.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyCounts {
    /// The parent temperatures.
    pub tps: Vec<f64>,
    /// Samples per Tp (one count for every Tp: an ensemble has one sample count).
    pub ipl_samples: usize,
    /// Samples per harmonic group.
    pub harmonic_samples: usize,
    /// Samples per Tp with the participation of every mode.
    pub participation_samples: usize,
    /// The budget in core-seconds.
    pub core_seconds: f64,
}

/// The counts of the `study` preset for a budget of `minutes` on 2 cores, from the measured
/// costs above: the pictures, the chains' equilibration and the participation subset
/// (max(2, 2·budget/90) glasses per Tp) first, then 15 % of the rest for the harmonic
/// packings and the remainder for the IPL glasses, the same count at every Tp (even, so
/// that the two chains per Tp take equal shares).
pub fn study_counts(minutes: f64) -> StudyCounts {
    let core_seconds = 2.0 * 60.0 * minutes.max(1.0);
    let with_032 = minutes >= STUDY_MIN_BUDGET_032;
    let tps: Vec<f64> = IPL_SWAP_SECONDS
        .iter()
        .map(|t| t.0)
        .filter(|&t| with_032 || t > 0.4)
        .collect();
    let part = ((2.0 * minutes / 90.0).round() as usize).max(2);
    let mut fixed = PICTURE_SECONDS;
    for &(_, _, eq) in IPL_SWAP_SECONDS.iter().filter(|x| tps.contains(&x.0)) {
        fixed += STUDY_CHAINS as f64 * eq + part as f64 * PARTICIPATION_SECONDS;
    }
    let rest = (core_seconds - fixed).max(0.0);
    let harm = 0.15 * rest;
    // harmonic: the same count for every N
    let per_harm: f64 = HARMONIC_SECONDS.iter().map(|h| h.1).sum();
    let harmonic_samples = ((harm / per_harm) as usize).max(4);
    // IPL: the same n at every Tp
    let per_ipl: f64 = IPL_SWAP_SECONDS
        .iter()
        .filter(|x| tps.contains(&x.0))
        .map(|&(_, s, _)| IPL_ANALYSIS_SECONDS + s)
        .sum();
    let n = ((rest - harm) / per_ipl) as usize;
    let ipl_samples = (n / 2 * 2).max(part.max(4));
    StudyCounts {
        tps,
        ipl_samples,
        harmonic_samples,
        participation_samples: part,
        core_seconds,
    }
}

/// The paper's study at a deciding scale, sized to a budget of `minutes` on 2 cores
/// ([`study_counts`]): 3D IPL glasses of N = 2000 at Tp ∈ {0.45, 0.6, 1.0} (and 0.32 from
/// [`STUDY_MIN_BUDGET_032`] minutes), chain-sampled, each analysed by slicing with its top 20
/// modes, their PHMs and 500 dipole responses, the participation of every mode on a subset;
/// harmonic packings at p = 0.1 with N ∈ {1000, 2000, 4000} by slicing; a 2D glass of N = 4096
/// for the mode pictures, its Hessian mode beside its A-mode.
pub fn deciding(seed: u64, minutes: f64) -> Study {
    let c = study_counts(minutes);
    let analysis = AnalysisSpec {
        method: Method::Slicing,
        modes: 20,
        phm: true,
        participation: true,
        participation_samples: Some(c.participation_samples),
        dipoles: 500,
    };
    let ipl = ipl_spec(&c.tps, 2000, c.ipl_samples, seed, &analysis, STUDY_CHAINS);
    let harmonic = harmonic_spec(&[1000, 2000, 4000], c.harmonic_samples, seed, &analysis);
    let note = format!(
        "Study run (`reproduce --study --budget {minutes}`, {:.0} core-minutes): 3D IPL glasses \
         with N = 2000, Tp ∈ {:?}, {} chain-sampled glasses per Tp ({STUDY_CHAINS} SWAP chains \
         per Tp, snapshots every 2 τ_Q), each by slicing (30 log bins) with its top 20 modes, \
         their PHMs and 500 dipole responses; the participation of every mode on the first {} \
         glasses per Tp; 3D harmonic packings at p = 0.1 with N ∈ [1000, 2000, 4000], {} per \
         N; a 2D IPL glass of N = 4096 (Tp = ∞) for the mode pictures. Tp = 0.32 enters from \
         --budget {STUDY_MIN_BUDGET_032} (its chains need about {:.0} core-seconds each to \
         equilibrate). The paper: N = 2000, Tp ∈ [0.32, 0.45, 0.6, 1.0], 10 000 samples per \
         Tp; harmonic N ∈ [1000, 2000, 4000], 1000 samples.",
        c.core_seconds / 60.0,
        c.tps,
        c.ipl_samples,
        c.participation_samples,
        c.harmonic_samples,
        IPL_SWAP_SECONDS[0].2,
    );
    Study {
        name: "study",
        default_dir: "bondspace-reproduce-study",
        ipl,
        harmonic,
        mode_picture_n: 4096,
        mode_picture_analysis: results::Options {
            method: Method::Slicing,
            modes: 1,
            phm: true,
            ..Default::default()
        },
        hessian_picture: true,
        note,
    }
}

fn ipl_spec(
    tps: &[f64],
    n: usize,
    samples: usize,
    seed: u64,
    analysis: &AnalysisSpec,
    chains: usize,
) -> EnsembleSpec {
    EnsembleSpec {
        groups: tps
            .iter()
            .map(|&t| Group {
                dim: 3,
                n,
                family: Family::Ipl {
                    tp: Temperature::Finite(t),
                    sweeps: None,
                },
            })
            .collect(),
        samples,
        seed,
        analysis: analysis.clone(),
        chains: Some(super::ChainSampling {
            chains,
            spacing: crate::prepare::swap::sampler::DEFAULT_SPACING,
        }),
    }
}

fn harmonic_spec(ns: &[usize], samples: usize, seed: u64, analysis: &AnalysisSpec) -> EnsembleSpec {
    EnsembleSpec {
        groups: ns
            .iter()
            .map(|&n| Group {
                dim: 3,
                n,
                family: Family::Harmonic { pressure: 0.1 },
            })
            .collect(),
        samples,
        seed,
        analysis: AnalysisSpec {
            modes: 0,
            phm: false,
            participation: false,
            participation_samples: None,
            dipoles: 0,
            ..analysis.clone()
        },
        chains: None,
    }
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
    let analysis = if full {
        AnalysisSpec {
            method: Method::Slicing,
            modes,
            phm: true,
            participation: true,
            participation_samples: Some(100),
            dipoles: 500,
        }
    } else {
        AnalysisSpec {
            method: Method::Dense,
            modes,
            phm: true,
            participation: true,
            participation_samples: None,
            dipoles: 200,
        }
    };
    let ipl = ipl_spec(
        tps,
        ipl_n,
        ipl_samples,
        seed,
        &analysis,
        if full { 32 } else { 4 },
    );
    let harmonic = harmonic_spec(harm_n, harm_samples, seed, &analysis);
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
        hessian_picture: full,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_counts_follow_the_budget() {
        // more budget, more glasses, within each set of Tp (the count per Tp drops where
        // Tp = 0.32 enters: every Tp gets the same count)
        let (a, b) = (study_counts(90.0), study_counts(170.0));
        assert!(b.ipl_samples > a.ipl_samples && b.harmonic_samples > a.harmonic_samples);
        assert_eq!(a.ipl_samples % 2, 0);
        assert_eq!(a.tps, vec![0.45, 0.6, 1.0]);
        assert_eq!(
            study_counts(STUDY_MIN_BUDGET_032).tps,
            vec![0.32, 0.45, 0.6, 1.0]
        );
        // the budget is spent: the estimated cost is within the budget and above 80 % of it
        for m in [60.0, 90.0, 180.0, 240.0, 600.0] {
            let c = study_counts(m);
            eprintln!("{m} min: {c:?}");
            let mut cost = PICTURE_SECONDS;
            for &(t, s, eq) in &IPL_SWAP_SECONDS {
                if c.tps.contains(&t) {
                    cost += STUDY_CHAINS as f64 * eq
                        + c.participation_samples as f64 * PARTICIPATION_SECONDS
                        + c.ipl_samples as f64 * (IPL_ANALYSIS_SECONDS + s);
                }
            }
            cost += c.harmonic_samples as f64 * HARMONIC_SECONDS.iter().map(|h| h.1).sum::<f64>();
            assert!(
                cost <= c.core_seconds && cost > 0.8 * c.core_seconds,
                "{m}: {cost}"
            );
        }
    }
}
