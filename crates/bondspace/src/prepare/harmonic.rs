//! Harmonic-sphere packings at a target pressure (paper App. B).
//!
//! 50:50 radii 0.5 and 0.7 start at random positions at a packing fraction a little above
//! jamming; at each outer step the energy is minimised at fixed box (FIRE 2.0 to the force
//! tolerance: CG's line search stalls near jamming, where the curvature jumps as contacts form
//! and break) and the packing fraction φ is updated by a safeguarded secant step on p(φ) − p*,
//! rescaling the box and positions affinely, until |p/p* − 1| is below the tolerance with the
//! forces balanced.
//!
//! Near jamming (p → 0) the typical pair force f_typ ∝ p vanishes with the forces, so the
//! relative tolerance tol × f_typ is used only down to the resolution of double-precision
//! positions ([`crate::config::Configuration::force_resolution`], 4 k ε L): at p = 1e-6 a
//! packing is balanced to about 1e-8 f_typ, the most its coordinates can hold. The slope
//! dp/dφ of the secant comes from states at least 1e-6 φ apart (p ∝ φ − φ_J near jamming, so
//! it stays good for the last tiny corrections, which a slope between two nearly equal φ,
//! dominated by the tightening of the minimisation, does not).

use super::{QuenchOptions, finalize, quench_above};
use crate::config::Configuration;
use crate::error::{Error, Result};
use crate::geometry::SimBox;
use crate::models::{Harmonic, Model, fmt_f64};

/// Options of a harmonic packing.
#[derive(Clone, Debug)]
pub struct HarmonicOptions {
    /// The potential (k).
    pub model: Harmonic,
    /// Target pressure p*.
    pub pressure: f64,
    /// Small and large radii (50:50).
    pub radii: (f64, f64),
    /// Tolerance on |p/p* − 1|.
    pub pressure_tol: f64,
    /// Largest number of compress/decompress steps.
    pub max_steps: usize,
    /// Quench options.
    pub quench: QuenchOptions,
}

impl Default for HarmonicOptions {
    fn default() -> Self {
        Self {
            model: Harmonic::default(),
            pressure: 0.1,
            radii: (0.5, 0.7),
            pressure_tol: 1e-6,
            max_steps: 200,
            quench: QuenchOptions::default(),
        }
    }
}

fn sphere_volume(dim: usize, r: f64) -> f64 {
    if dim == 2 {
        std::f64::consts::PI * r * r
    } else {
        4.0 / 3.0 * std::f64::consts::PI * r * r * r
    }
}

/// The packing fraction a packing starts from (a little above random close packing).
fn start_fraction(dim: usize) -> f64 {
    if dim == 2 { 0.86 } else { 0.67 }
}

/// Checks, before any work, that a packing of `n` spheres in `dim` dimensions can be made: at
/// least two, a positive pressure, a box whose edges exceed twice the largest pair reach at the
/// starting packing fraction (the minimum image), and the memory.
pub fn check_harmonic(dim: usize, n: usize, opt: &HarmonicOptions) -> Result<()> {
    if n < 2 {
        return Err(Error::Invalid("need at least 2 particles".into()));
    }
    if !(opt.pressure.is_finite() && opt.pressure > 0.0) {
        return Err(Error::Invalid(format!(
            "target pressure {} must be positive",
            opt.pressure
        )));
    }
    super::check_memory(n)?;
    let (r_small, r_large) = opt.radii;
    let per_particle = 0.5 * (sphere_volume(dim, r_small) + sphere_volume(dim, r_large));
    let phi = start_fraction(dim);
    let d = dim as f64;
    let edge = (n as f64 * per_particle / phi).powf(1.0 / d);
    let reach = 2.0 * r_large.max(r_small);
    let min_n = phi * (2.0 * reach).powf(d) / per_particle + 1.0;
    super::check_edge(
        edge,
        reach,
        &format!("{n} spheres at packing fraction {phi}"),
        min_n,
    )
}

/// A harmonic packing of `n` spheres at pressure `opt.pressure` (sample 0 of `seed`).
pub fn harmonic_packing<const D: usize>(
    n: usize,
    opt: &HarmonicOptions,
    seed: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<Configuration<D>> {
    harmonic_packing_sample(n, opt, seed, 0, progress)
}

/// Sample `index` of `seed` of [`harmonic_packing`] (its own random positions).
pub fn harmonic_packing_sample<const D: usize>(
    n: usize,
    opt: &HarmonicOptions,
    seed: u64,
    index: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<Configuration<D>> {
    check_harmonic(D, n, opt)?;
    let (r_small, r_large) = opt.radii;
    let n_small = n.div_ceil(2);
    let sizes: Vec<f64> = (0..n)
        .map(|i| if i < n_small { r_small } else { r_large })
        .collect();
    let vp: f64 = sizes.iter().map(|&r| sphere_volume(D, r)).sum();
    // Start a little above random close packing; the secant search takes it from there.
    let mut phi = start_fraction(D);
    let simbox = SimBox::<D>::cubic(vp / phi)?;
    let positions = super::ipl::random_positions(&simbox, n, seed, index);
    let mut cfg = Configuration::new(simbox, positions, sizes, Model::Harmonic(opt.model.clone()))?;
    for i in 0..n {
        cfg.species[i] = if i < n_small { "A" } else { "B" }.into();
    }
    let target = opt.pressure;
    // The last force-balanced state at p ≥ p* (φ, p, positions, box): a decompression that
    // unjams the packing restarts from it with a smaller step, since a packing decompressed
    // below jamming and compressed again is another packing (it jams elsewhere).
    let mut above: Option<(f64, f64, Vec<[f64; D]>, SimBox<D>)> = None;
    let mut step_scale = 1.0f64;
    let mut restored = false;
    let mut compress = 1.0f64;
    let mut anchor: Option<(f64, f64)> = None; // the last jammed state far enough for a slope
    let mut slope: Option<f64> = None;
    let mut iterations = 0;
    // Far from the target pressure a loose force tolerance is enough to steer φ; it tightens
    // with the pressure error and is the requested one on the final step. Near jamming it is
    // also at most 0.01 p*/k: the softest modes have stiffness ∝ p, so a state at force
    // tolerance r f_typ (f_typ ∝ p) lies ~r from its minimum, and r must stay far below the
    // overlaps (∝ p/k) for its pressure to be that of the minimum.
    let loose = (1e-5f64).min(1e-2 * target / opt.model.k);
    let mut err = 1.0f64;
    for step in 0..opt.max_steps {
        let rel_tol = if err < opt.pressure_tol {
            opt.quench.rel_tol
        } else {
            opt.quench.rel_tol.max((1e-3 * err).min(loose))
        };
        // FIRE to the tolerance itself: near jamming CG's line search stalls on the
        // curvature jumps at contacts (measured at p = 1e-5: stuck at 6e-11 relative)
        let q = QuenchOptions {
            rel_tol,
            fire_factor: 1.0,
        };
        // (a state far below p* has unjammed: no need to relax it to the tolerance)
        let floor = (err >= opt.pressure_tol).then_some(1e-2 * target);
        let rep = quench_above(&mut cfg, &q, floor, progress)?;
        iterations += rep.iterations;
        let (t, _) = crate::state::forces(&cfg)?;
        let p = t.pressure(D, cfg.simbox.volume());
        err = (p / target - 1.0).abs();
        if err < opt.pressure_tol && rel_tol > opt.quench.rel_tol {
            continue; // polish the forces at this φ, then check again
        }
        if err < opt.pressure_tol {
            cfg.info.insert("pressure_target".into(), fmt_f64(target));
            cfg.info.insert("seed".into(), seed.to_string());
            cfg.info
                .insert("packing_steps".into(), (step + 1).to_string());
            cfg.info
                .insert("quench_iterations".into(), iterations.to_string());
            let st = finalize(&mut cfg)?;
            if (st.pressure / target - 1.0).abs() >= opt.pressure_tol {
                return Err(Error::NotConverged {
                    method: "pressure search",
                    iterations: step + 1,
                    detail: format!("pressure {} drifted after wrapping", st.pressure),
                });
            }
            // wrapping a particle into the box rounds its coordinates (x + L): at the force
            // resolution that can unbalance it by a hair, so polish the wrapped positions
            if st.max_force > (opt.quench.rel_tol * st.typical_pair_force).max(st.force_resolution)
            {
                continue;
            }
            return Ok(cfg);
        }
        // jammed: a pressure above 1 % of p* (the quench of a state that unjams stops there;
        // an unjammed minimum's residual pressure is ≈ 1e-12 at p* = 1e-6)
        let jammed = p > 1e-2 * target;
        if p >= target && above.as_ref().is_none_or(|a| phi < a.0) {
            above = Some((phi, p, cfg.positions.clone(), cfg.simbox));
            restored = false;
        }
        // The slope dp/dφ from two jammed states at least 1e-6 φ apart: closer ones differ
        // mostly by the tightened minimisation, not by the compression. Near jamming
        // p ∝ φ − φ_J, so an earlier slope stays good for the last, tiny corrections.
        if jammed {
            match anchor {
                Some((phi_a, p_a)) if (phi - phi_a).abs() > 1e-6 * phi => {
                    if (p - p_a) / (phi - phi_a) > 0.0 {
                        slope = Some((p - p_a) / (phi - phi_a));
                    }
                    anchor = Some((phi, p));
                }
                None => anchor = Some((phi, p)),
                _ => {}
            }
        }
        let s = slope.unwrap_or(4.0 * opt.model.k); // first guess: p ≈ 4k (φ − φ_J)
        let mut next = if jammed {
            let dphi = (target - p) / s;
            // a decompression that kept the packing jammed may grow again
            let scaled = step_scale;
            step_scale = (2.0 * step_scale).min(1.0);
            phi + if dphi < 0.0 { scaled * dphi } else { dphi }
        } else if let Some((a, p_a, positions, simbox)) = above.as_ref().filter(|_| !restored) {
            // unjammed by the decompression: back to the last jammed state with a quarter of
            // the step, once (a state that unjams again is marginal: the search goes on from
            // the unjammed one, which jams again a little higher)
            restored = true;
            step_scale *= 0.25; // (doubled by each jammed step that follows)
            let dphi = step_scale * (target - p_a) / s;
            cfg.positions.clone_from(positions);
            cfg.simbox = *simbox;
            anchor = Some((*a, *p_a));
            phi = *a;
            phi + dphi
        } else {
            // unjammed: compress, twice as far each time, from about p*/slope
            above = None;
            step_scale = 1.0;
            compress *= 2.0;
            phi + compress * target / s
        };
        if jammed {
            compress = 1.0;
        }
        // at most 3 % per step
        next = next.clamp(phi * 0.97, phi * 1.03);
        let factor = (phi / next).powf(1.0 / D as f64);
        cfg.scale(factor);
        phi = next;
    }
    Err(Error::NotConverged {
        method: "pressure search",
        iterations: opt.max_steps,
        detail: format!("pressure did not reach {target} within tolerance"),
    })
}
