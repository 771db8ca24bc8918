//! Harmonic-sphere packings at a target pressure (paper App. B).
//!
//! 50:50 radii 0.5 and 0.7 start at random positions at a packing fraction a little above
//! jamming; at each outer step the energy is minimised at fixed box (FIRE, then CG) and the
//! packing fraction φ is updated by a safeguarded secant step on p(φ) − p*, rescaling the box
//! and positions affinely, until |p/p* − 1| is below the tolerance with the forces balanced.

use super::{QuenchOptions, finalize, quench};
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
    if n < 2 {
        return Err(Error::Invalid("need at least 2 particles".into()));
    }
    if !(opt.pressure.is_finite() && opt.pressure > 0.0) {
        return Err(Error::Invalid(format!(
            "target pressure {} must be positive",
            opt.pressure
        )));
    }
    let (r_small, r_large) = opt.radii;
    let n_small = n.div_ceil(2);
    let sizes: Vec<f64> = (0..n)
        .map(|i| if i < n_small { r_small } else { r_large })
        .collect();
    let vp: f64 = sizes.iter().map(|&r| sphere_volume(D, r)).sum();
    // Start a little above random close packing; the secant search takes it from there.
    let phi_j = if D == 2 { 0.84 } else { 0.65 };
    let mut phi = phi_j + 0.02;
    let simbox = SimBox::<D>::cubic(vp / phi)?;
    let positions = super::ipl::random_positions(&simbox, n, seed, index);
    let mut cfg = Configuration::new(simbox, positions, sizes, Model::Harmonic(opt.model.clone()))?;
    for i in 0..n {
        cfg.species[i] = if i < n_small { "A" } else { "B" }.into();
    }
    let target = opt.pressure;
    // (φ, p) history of force-balanced states for the secant step.
    let mut below: Option<(f64, f64)> = None; // largest φ with p < p*
    let mut above: Option<(f64, f64)> = None; // smallest φ with p > p*
    let mut last: Option<(f64, f64)> = None;
    let mut iterations = 0;
    // Far from the target pressure a loose force tolerance is enough to steer φ; it tightens
    // with the pressure error and is the requested one on the final step.
    let mut err = 1.0f64;
    for step in 0..opt.max_steps {
        let rel_tol = if err < opt.pressure_tol {
            opt.quench.rel_tol
        } else {
            opt.quench.rel_tol.max((1e-3 * err).min(1e-5))
        };
        let q = QuenchOptions {
            rel_tol,
            ..opt.quench
        };
        let rep = quench(&mut cfg, &q, progress)?;
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
            return Ok(cfg);
        }
        if p < target {
            if below.is_none_or(|(b, _)| phi > b) {
                below = Some((phi, p));
            }
        } else if above.is_none_or(|(a, _)| phi < a) {
            above = Some((phi, p));
        }
        // Secant on p(φ) using the last two points with p > 0, else a fixed compression step.
        let mut next = match last {
            Some((phi_old, p_old)) if p > 0.0 && p_old > 0.0 && phi != phi_old => {
                let slope = (p - p_old) / (phi - phi_old);
                if slope > 0.0 {
                    phi + (target - p) / slope
                } else {
                    phi * if p < target { 1.01 } else { 0.99 }
                }
            }
            _ if p <= 0.0 => phi * 1.02,
            // first guess: p grows about linearly with φ − φ_J at slope ~ 4k
            _ => phi + (target - p) / (4.0 * opt.model.k),
        };
        // Safeguards: stay inside the bracket and move at most 3 % per step.
        next = next.clamp(phi * 0.97, phi * 1.03);
        if let (Some((b, _)), Some((a, _))) = (below, above)
            && (next <= b || next >= a)
        {
            next = 0.5 * (a + b);
        }
        last = Some((phi, p));
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
