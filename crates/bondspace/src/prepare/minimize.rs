//! Energy minimisers: FIRE 2.0 and Polak–Ribière nonlinear conjugate gradients.
//!
//! Both work on an [`Objective`] (energy and gradient of a flat coordinate vector) and stop
//! when the largest per-particle force norm max_i |F_i| falls below the objective's absolute
//! tolerance. FIRE (Guénolé et al., Comput. Mater. Sci. 175, 109584 (2020), the "FIRE 2.0"
//! variant with semi-implicit Euler, delayed start and backtracking on uphill steps) is robust
//! far from a minimum; CG with a derivative-based line search (secant/bisection on the
//! directional derivative, so it keeps working when energy differences are below round-off)
//! converges fast near one. The usual recipe is FIRE to a loose tolerance, then CG.

use crate::error::{Error, Result};

/// A function to minimise: energy and gradient of a flat coordinate vector.
pub trait Objective {
    /// Number of coordinates.
    fn n_coords(&self) -> usize;
    /// Coordinates per particle (the dimension), for per-particle force norms.
    fn block(&self) -> usize;
    /// Energy at `x`, writing the gradient into `grad`.
    fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> Result<f64>;
    /// Absolute tolerance on max_i |F_i| at the last evaluated point.
    fn force_tolerance(&self) -> f64;
    /// Largest displacement of one particle allowed in one step.
    fn max_step(&self) -> f64;
    /// True when the last evaluated point is good enough whatever its forces (the minimisers
    /// then stop as converged); never by default.
    fn stop_early(&self) -> bool {
        false
    }
}

/// Largest per-block Euclidean norm of `v`.
pub fn max_block_norm(v: &[f64], block: usize) -> f64 {
    v.chunks(block)
        .map(|c| c.iter().map(|x| x * x).sum::<f64>())
        .fold(0.0, f64::max)
        .sqrt()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// What a minimiser did.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct MinimizeReport {
    /// Iterations (steps) taken.
    pub iterations: usize,
    /// Energy/gradient evaluations.
    pub evaluations: usize,
    /// Final energy.
    pub energy: f64,
    /// Final max_i |F_i|.
    pub max_force: f64,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

impl MinimizeReport {
    /// Adds the counts of a following stage (energy and force are the later stage's).
    pub fn then(self, next: MinimizeReport) -> MinimizeReport {
        MinimizeReport {
            iterations: self.iterations + next.iterations,
            evaluations: self.evaluations + next.evaluations,
            ..next
        }
    }
}

/// FIRE 2.0 parameters.
#[derive(Clone, Copy, Debug)]
pub struct FireOptions {
    /// Initial time step.
    pub dt_start: f64,
    /// Largest time step.
    pub dt_max: f64,
    /// Smallest time step.
    pub dt_min: f64,
    /// Steps with P > 0 before the time step may grow.
    pub n_delay: usize,
    /// Time-step growth factor.
    pub f_inc: f64,
    /// Time-step shrink factor.
    pub f_dec: f64,
    /// Initial velocity-mixing parameter α.
    pub alpha_start: f64,
    /// α decay factor.
    pub f_alpha: f64,
    /// Largest number of consecutive uphill steps before giving up.
    pub n_neg_max: usize,
    /// Iteration limit.
    pub max_iter: usize,
    /// Multiplies the objective's force tolerance (FIRE is often run to a looser one first).
    pub tolerance_factor: f64,
}

impl FireOptions {
    /// Defaults for a system whose fastest vibration has angular frequency `omega_max`.
    pub fn for_frequency(omega_max: f64) -> Self {
        let dt_max = 1.0 / omega_max;
        Self {
            dt_start: 0.1 * dt_max,
            dt_max,
            dt_min: 0.002 * dt_max,
            n_delay: 5,
            f_inc: 1.1,
            f_dec: 0.5,
            alpha_start: 0.25,
            f_alpha: 0.99,
            n_neg_max: 2000,
            max_iter: 1_000_000,
            tolerance_factor: 1.0,
        }
    }
}

/// Minimises with FIRE 2.0 from `x` (updated in place).
pub fn fire(
    obj: &mut impl Objective,
    x: &mut [f64],
    opt: &FireOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<MinimizeReport> {
    let n = obj.n_coords();
    let block = obj.block();
    let mut g = vec![0.0; n];
    let mut v = vec![0.0; n];
    let mut e = obj.eval(x, &mut g)?;
    let mut evals = 1;
    let (mut dt, mut alpha) = (opt.dt_start, opt.alpha_start);
    let (mut n_pos, mut n_neg) = (0usize, 0usize);
    for it in 0..opt.max_iter {
        let fmax = max_block_norm(&g, block);
        if fmax <= opt.tolerance_factor * obj.force_tolerance() || obj.stop_early() {
            return Ok(MinimizeReport {
                iterations: it,
                evaluations: evals,
                energy: e,
                max_force: fmax,
                converged: true,
            });
        }
        if it % 256 == 0 {
            progress.set_position(it as u64);
            if progress.cancelled() {
                return Err(crate::Error::Interrupted);
            }
        }
        // P = F · v with F = -g
        let p = -dot(&g, &v);
        if p > 0.0 {
            n_pos += 1;
            n_neg = 0;
            if n_pos > opt.n_delay {
                dt = (dt * opt.f_inc).min(opt.dt_max);
                alpha *= opt.f_alpha;
            }
        } else {
            n_pos = 0;
            n_neg += 1;
            if n_neg > opt.n_neg_max {
                break;
            }
            if it >= opt.n_delay {
                dt = (dt * opt.f_dec).max(opt.dt_min);
                alpha = opt.alpha_start;
            }
            for (xi, vi) in x.iter_mut().zip(&v) {
                *xi -= 0.5 * dt * vi;
            }
            v.iter_mut().for_each(|vi| *vi = 0.0);
        }
        // semi-implicit Euler with FIRE mixing
        for (vi, gi) in v.iter_mut().zip(&g) {
            *vi -= dt * gi;
        }
        let vnorm = dot(&v, &v).sqrt();
        let fnorm = dot(&g, &g).sqrt();
        if fnorm > 0.0 {
            let mix = alpha * vnorm / fnorm;
            for (vi, gi) in v.iter_mut().zip(&g) {
                *vi = (1.0 - alpha) * *vi - mix * gi;
            }
        }
        // Cap the step (and the velocity with it) so no particle moves more than max_step.
        let step = dt * max_block_norm(&v, block);
        if step > obj.max_step() {
            let scale = obj.max_step() / step;
            v.iter_mut().for_each(|vi| *vi *= scale);
        }
        for (xi, vi) in x.iter_mut().zip(&v) {
            *xi += dt * vi;
        }
        e = obj.eval(x, &mut g)?;
        evals += 1;
    }
    let fmax = max_block_norm(&g, block);
    Err(Error::NotConverged {
        method: "FIRE",
        iterations: opt.max_iter.min(evals),
        detail: format!(
            "max force {fmax:.3e} above tolerance {:.3e}",
            opt.tolerance_factor * obj.force_tolerance()
        ),
    })
}

/// Nonlinear CG parameters.
#[derive(Clone, Copy, Debug)]
pub struct CgOptions {
    /// Iteration limit.
    pub max_iter: usize,
    /// Line search: accept when |φ′(α)| ≤ `curvature` · |φ′(0)|.
    pub curvature: f64,
    /// Line search evaluation limit per iteration.
    pub max_line_evals: usize,
}

impl Default for CgOptions {
    fn default() -> Self {
        Self {
            max_iter: 200_000,
            curvature: 0.1,
            max_line_evals: 40,
        }
    }
}

/// Minimises with Polak–Ribière+ conjugate gradients and a derivative-based line search.
pub fn conjugate_gradient(
    obj: &mut impl Objective,
    x: &mut [f64],
    opt: &CgOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<MinimizeReport> {
    let n = obj.n_coords();
    let block = obj.block();
    let mut g = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut d = vec![0.0; n];
    let mut e = obj.eval(x, &mut g)?;
    let mut evals = 1;
    for (di, gi) in d.iter_mut().zip(&g) {
        *di = -gi;
    }
    let mut prev_alpha = 0.0;
    let mut prev_slope = 0.0;
    let mut stalls = 0;
    for it in 0..opt.max_iter {
        let fmax = max_block_norm(&g, block);
        if fmax <= obj.force_tolerance() || obj.stop_early() {
            return Ok(MinimizeReport {
                iterations: it,
                evaluations: evals,
                energy: e,
                max_force: fmax,
                converged: true,
            });
        }
        if it % 256 == 0 {
            progress.set_position(it as u64);
            if progress.cancelled() {
                return Err(crate::Error::Interrupted);
            }
        }
        let mut slope0 = dot(&g, &d);
        if slope0 >= 0.0 || it % n.max(50) == 0 {
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi;
            }
            slope0 = dot(&g, &d);
        }
        let dmax = max_block_norm(&d, block);
        let cap = obj.max_step() / dmax;
        let mut alpha = if prev_alpha > 0.0 {
            (prev_alpha * prev_slope / slope0).min(cap)
        } else {
            cap.min(obj.max_step() * 0.1 / dmax)
        };
        // Bracket a sign change of φ′(α) = g(x + α d)·d, then secant/bisection.
        let (mut a, mut sa) = (0.0, slope0);
        let mut b_bracket: Option<(f64, f64)> = None;
        let mut accepted = None;
        for _ in 0..opt.max_line_evals {
            for ((xn, xi), di) in x_new.iter_mut().zip(x.iter()).zip(&d) {
                *xn = xi + alpha * di;
            }
            let en = obj.eval(&x_new, &mut g_new)?;
            evals += 1;
            let s = dot(&g_new, &d);
            let uphill = en > e + 1e-12 * e.abs().max(1e-300) + 1e-4 * alpha * slope0;
            if s.abs() <= opt.curvature * slope0.abs() && !uphill {
                accepted = Some((alpha, en));
                break;
            }
            if s < 0.0 && !uphill {
                a = alpha;
                sa = s;
            } else {
                b_bracket = Some((alpha, s));
            }
            alpha = match b_bracket {
                None => (2.0 * alpha).min(a + cap),
                Some((b, sb)) => {
                    let t = if sb > 0.0 && sb.is_finite() {
                        a + (b - a) * (-sa) / (sb - sa)
                    } else {
                        0.5 * (a + b)
                    };
                    // keep the secant step inside the bracket
                    t.clamp(a + 0.05 * (b - a), b - 0.05 * (b - a))
                }
            };
            if b_bracket.is_none() && alpha <= a {
                break;
            }
        }
        let (alpha_acc, e_acc) = match accepted {
            Some(v) => v,
            None => {
                // Take the best point of the bracket that lowers the energy, if any.
                if a > 0.0 {
                    for ((xn, xi), di) in x_new.iter_mut().zip(x.iter()).zip(&d) {
                        *xn = xi + a * di;
                    }
                    let en = obj.eval(&x_new, &mut g_new)?;
                    evals += 1;
                    (a, en)
                } else {
                    stalls += 1;
                    if stalls > 5 {
                        break;
                    }
                    // Restart along steepest descent with a smaller step.
                    for (di, gi) in d.iter_mut().zip(&g) {
                        *di = -gi;
                    }
                    prev_alpha = 0.0;
                    continue;
                }
            }
        };
        stalls = 0;
        x.copy_from_slice(&x_new);
        e = e_acc;
        // Polak–Ribière+
        let gg = dot(&g, &g);
        let mut num = 0.0;
        for (gn, go) in g_new.iter().zip(&g) {
            num += gn * (gn - go);
        }
        let beta = if gg > 0.0 { (num / gg).max(0.0) } else { 0.0 };
        std::mem::swap(&mut g, &mut g_new);
        for (di, gi) in d.iter_mut().zip(&g) {
            *di = -gi + beta * *di;
        }
        prev_alpha = alpha_acc;
        prev_slope = slope0;
    }
    let fmax = max_block_norm(&g, block);
    Err(Error::NotConverged {
        method: "conjugate gradients",
        iterations: opt.max_iter,
        detail: format!(
            "max force {fmax:.3e} above tolerance {:.3e}",
            obj.force_tolerance()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An anisotropic quadratic bowl plus a quartic term, minimum at x = c.
    struct Bowl {
        c: Vec<f64>,
    }

    impl Objective for Bowl {
        fn n_coords(&self) -> usize {
            self.c.len()
        }
        fn block(&self) -> usize {
            2
        }
        fn eval(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64> {
            let mut e = 0.0;
            for i in 0..x.len() {
                let k = 1.0 + i as f64;
                let y = x[i] - self.c[i];
                e += 0.5 * k * y * y + 0.25 * y.powi(4);
                g[i] = k * y + y.powi(3);
            }
            Ok(e)
        }
        fn force_tolerance(&self) -> f64 {
            1e-10
        }
        fn max_step(&self) -> f64 {
            0.5
        }
    }

    #[test]
    fn fire_and_cg_find_the_minimum() {
        let c: Vec<f64> = (0..20).map(|i| (i as f64).sin()).collect();
        let hidden = crate::progress::NoProgress;
        let mut x = vec![3.0; 20];
        let r = fire(
            &mut Bowl { c: c.clone() },
            &mut x,
            &FireOptions::for_frequency(5.0),
            &hidden,
        )
        .unwrap();
        assert!(r.converged);
        for (a, b) in x.iter().zip(&c) {
            assert!((a - b).abs() < 1e-9);
        }
        let mut x = vec![-2.0; 20];
        let r = conjugate_gradient(
            &mut Bowl { c: c.clone() },
            &mut x,
            &CgOptions::default(),
            &hidden,
        )
        .unwrap();
        assert!(r.converged && r.iterations < 200, "{r:?}");
        for (a, b) in x.iter().zip(&c) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn non_convergence_is_an_error() {
        let hidden = crate::progress::NoProgress;
        let mut x = vec![3.0; 4];
        let mut opt = FireOptions::for_frequency(5.0);
        opt.max_iter = 3;
        let err = fire(&mut Bowl { c: vec![0.0; 4] }, &mut x, &opt, &hidden).unwrap_err();
        assert!(err.to_string().contains("did not converge"));
    }
}
