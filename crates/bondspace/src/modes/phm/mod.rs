//! Pseudo-harmonic modes (paper Eq. 14, Kapteijns et al. 2020).
//!
//! A pseudo-harmonic mode (PHM) is a local minimiser of the cost
//!
//! C(z) = (zᵀ M z)² / Σ_bonds (z_ij·z_ij)²,   z_ij = z_j − z_i,
//!
//! over translation-free fields z (length nd, network numbering, dof = D·i + k). C is
//! homogeneous of degree 0, so it is minimised on the unit sphere: [`pseudo_harmonic`] runs a
//! Riemannian nonlinear conjugate-gradient method (Polak–Ribière+, restarts on non-descent
//! directions) whose line search is exact. Along the great circle
//! z(θ) = cos θ z + sin θ q (q the unit search direction, q ⊥ z), the numerator is a quadratic
//! form and the denominator a quartic form in (cos θ, sin θ) whose coefficients are summed over
//! the bonds in one pass; the first local minimum of C(θ) for θ > 0 is then found by a
//! bracketing bisection on the exact derivative C′(θ), with only scalar work.
//!
//! Starting from a displacement mode z₀ = D gives D_PH (the PHM in the basin of D) and the
//! pseudo-harmonic force mode F_PH = M D_PH.

use crate::error::{Error, Result};
use crate::operators::Network;

/// Default stopping tolerance on the relative gradient |∇C|·|z|/C.
pub const DEFAULT_REL_TOL: f64 = 1e-10;

/// Result of a pseudo-harmonic minimisation.
#[derive(Clone, Debug)]
pub struct PhmResult {
    /// D_PH: unit norm, translation-free, sign chosen so that ⟨z₀|D_PH⟩ ≥ 0.
    pub displacement: Vec<f64>,
    /// F_PH = M D_PH, normalised to unit norm.
    pub force: Vec<f64>,
    /// C(D_PH).
    pub cost: f64,
    /// Conjugate-gradient iterations performed.
    pub iterations: usize,
    /// Final relative gradient |∇C|·|z|/C.
    pub gradient_norm: f64,
    /// Whether the relative gradient fell below the tolerance.
    pub converged: bool,
}

/// c_⊥ u·v + (c_∥ − c_⊥)(n̂·u)(n̂·v): the bond stiffness k_α as a bilinear form.
#[inline(always)]
fn stiffness<const D: usize>(net: &Network<D>, a: usize) -> (f64, f64) {
    let c_perp = net.du[a] / net.r[a];
    (net.d2u[a] - c_perp, c_perp)
}

/// Bond difference z_j − z_i of a field.
#[inline(always)]
fn diff<const D: usize>(z: &[f64], i: usize, j: usize) -> [f64; D] {
    std::array::from_fn(|k| z[j * D + k] - z[i * D + k])
}

#[inline(always)]
fn dot<const D: usize>(u: &[f64; D], v: &[f64; D]) -> f64 {
    (0..D).map(|k| u[k] * v[k]).sum()
}

/// The numerator a = zᵀMz and denominator b = Σ_bonds (z_ij·z_ij)² of C.
fn numerator_denominator<const D: usize>(net: &Network<D>, z: &[f64]) -> (f64, f64) {
    let (mut a, mut b) = (0.0, 0.0);
    for (bond, &[i, j]) in net.bonds.iter().enumerate() {
        let u = diff::<D>(z, i as usize, j as usize);
        let n = &net.unit[bond];
        let (c_par, c_perp) = stiffness(net, bond);
        let nu = dot(n, &u);
        let s = dot(&u, &u);
        a += c_perp * s + c_par * nu * nu;
        b += s * s;
    }
    (a, b)
}

/// The cost C(z) = (zᵀMz)² / Σ_bonds (z_ij·z_ij)² (homogeneous of degree 0 in z).
///
/// Returns NaN when the denominator vanishes (z a pure translation or zero).
pub fn cost<const D: usize>(net: &Network<D>, z: &[f64]) -> f64 {
    assert_eq!(z.len(), net.ndof(), "field length must be n·d");
    let (a, b) = numerator_denominator(net, z);
    if b > 0.0 { a * a / b } else { f64::NAN }
}

/// C(z) and its gradient ∇C = 2a(2Mz)/b − a²∇b/b² written into `grad` (length nd), where
/// a = zᵀMz, b = Σ_bonds (z_ij·z_ij)² and ∂b/∂z_j = 4(z_ij·z_ij) z_ij = −∂b/∂z_i.
///
/// Two passes over the bonds, no allocation. Returns the cost (NaN if b = 0, with `grad`
/// zeroed).
pub fn cost_and_gradient<const D: usize>(net: &Network<D>, z: &[f64], grad: &mut [f64]) -> f64 {
    assert_eq!(z.len(), net.ndof(), "field length must be n·d");
    assert_eq!(grad.len(), net.ndof(), "gradient length must be n·d");
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (a, b) = numerator_denominator(net, z);
    if b <= 0.0 {
        return f64::NAN;
    }
    let wa = 4.0 * a / b;
    let wb = 4.0 * a * a / (b * b);
    for (bond, &[i, j]) in net.bonds.iter().enumerate() {
        let (i, j) = (i as usize, j as usize);
        let u = diff::<D>(z, i, j);
        let n = &net.unit[bond];
        let (c_par, c_perp) = stiffness(net, bond);
        let nu = dot(n, &u);
        let s = dot(&u, &u);
        for k in 0..D {
            // k_α u = c_⊥ u + (c_∥ − c_⊥) n̂ (n̂·u); (Mz)_j gets +k_α u, (Mz)_i gets −k_α u.
            let ku = c_perp * u[k] + c_par * n[k] * nu;
            let w = wa * ku - wb * s * u[k];
            grad[j * D + k] += w;
            grad[i * D + k] -= w;
        }
    }
    a * a / b
}

/// The gradient ∇C(z) (see [`cost_and_gradient`]); returns a new vector.
pub fn gradient<const D: usize>(net: &Network<D>, z: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; net.ndof()];
    cost_and_gradient(net, z, &mut g);
    g
}

/// The overlap measure 1 − |⟨u|v⟩| / (|u||v|) (0 for parallel fields, 1 for orthogonal).
pub fn overlap(u: &[f64], v: &[f64]) -> f64 {
    assert_eq!(u.len(), v.len(), "fields must have the same length");
    let (mut uv, mut uu, mut vv) = (0.0, 0.0, 0.0);
    for (x, y) in u.iter().zip(v) {
        uv += x * y;
        uu += x * x;
        vv += y * y;
    }
    1.0 - uv.abs() / (uu.sqrt() * vv.sqrt())
}

/// Removes the mean of every Cartesian component (the d translations) in place.
fn remove_translations<const D: usize>(z: &mut [f64]) {
    let n = z.len() / D;
    if n == 0 {
        return;
    }
    let mut mean = [0.0; D];
    for c in z.chunks_exact(D) {
        for k in 0..D {
            mean[k] += c[k];
        }
    }
    for k in 0..D {
        mean[k] /= n as f64;
    }
    for c in z.chunks_exact_mut(D) {
        for k in 0..D {
            c[k] -= mean[k];
        }
    }
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn dot_slices(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// C restricted to the great circle z(θ) = cos θ z + sin θ q:
/// a(θ) = c² a₀ + 2cs a₁ + s² a₂ and b(θ) = Σ_k β_k c^{4−k} s^k (c = cos θ, s = sin θ).
#[derive(Clone, Copy, Debug)]
struct Circle {
    a: [f64; 3],
    b: [f64; 5],
}

impl Circle {
    fn new<const D: usize>(net: &Network<D>, z: &[f64], q: &[f64]) -> Self {
        let mut a = [0.0; 3];
        let mut b = [0.0; 5];
        for (bond, &[i, j]) in net.bonds.iter().enumerate() {
            let (i, j) = (i as usize, j as usize);
            let u = diff::<D>(z, i, j);
            let v = diff::<D>(q, i, j);
            let n = &net.unit[bond];
            let (c_par, c_perp) = stiffness(net, bond);
            let (nu, nv) = (dot(n, &u), dot(n, &v));
            let (uu, uv, vv) = (dot(&u, &u), dot(&u, &v), dot(&v, &v));
            a[0] += c_perp * uu + c_par * nu * nu;
            a[1] += c_perp * uv + c_par * nu * nv;
            a[2] += c_perp * vv + c_par * nv * nv;
            b[0] += uu * uu;
            b[1] += 4.0 * uu * uv;
            b[2] += 4.0 * uv * uv + 2.0 * uu * vv;
            b[3] += 4.0 * uv * vv;
            b[4] += vv * vv;
        }
        Circle { a, b }
    }

    /// (C(θ), C′(θ)).
    fn eval(&self, theta: f64) -> (f64, f64) {
        let (s, c) = theta.sin_cos();
        let [a0, a1, a2] = self.a;
        let [b0, b1, b2, b3, b4] = self.b;
        let a = c * c * a0 + 2.0 * c * s * a1 + s * s * a2;
        let da = 2.0 * c * s * (a2 - a0) + 2.0 * (c * c - s * s) * a1;
        let (c2, s2) = (c * c, s * s);
        let b = b0 * c2 * c2 + b1 * c2 * c * s + b2 * c2 * s2 + b3 * c * s2 * s + b4 * s2 * s2;
        let db = -4.0 * b0 * c2 * c * s
            + b1 * (c2 * c2 - 3.0 * c2 * s2)
            + 2.0 * b2 * (c2 * c * s - c * s2 * s)
            + b3 * (3.0 * c2 * s2 - s2 * s2)
            + 4.0 * b4 * c * s2 * s;
        (a * a / b, a * (2.0 * da * b - a * db) / (b * b))
    }

    /// The first local minimum of C(θ) for θ > 0, given C′(0) < 0 (None otherwise).
    ///
    /// Brackets [lo, hi] with C′(lo) < 0 and (C′(hi) > 0 or C(hi) > C(lo)), which always
    /// contains a local minimum with C ≤ C(0); the bracket is then bisected to machine
    /// precision. C is π-periodic in θ, so the search never needs θ ≥ π.
    fn first_minimum(&self) -> Option<f64> {
        let (f0, d0) = self.eval(0.0);
        if d0.is_nan() || d0 >= 0.0 || !f0.is_finite() {
            return None;
        }
        // Initial guess: a Newton step on C′ from finite differences of the exact C′.
        let h = 1e-6;
        let (_, dh) = self.eval(h);
        let curv = (dh - d0) / h;
        let mut hi = if curv > 0.0 { -d0 / curv } else { 0.05 };
        if !hi.is_finite() || hi <= 0.0 {
            hi = 0.05;
        }
        hi = (2.0 * hi).min(std::f64::consts::FRAC_PI_2);
        let (mut lo, mut flo) = (0.0, f0);
        // expand
        let cap = std::f64::consts::PI * (1.0 - 1e-9);
        loop {
            let (fh, dh) = self.eval(hi);
            if dh > 0.0 || fh > flo || !fh.is_finite() {
                break;
            }
            if dh == 0.0 {
                return Some(hi);
            }
            if hi >= cap {
                // C′ < 0 and C decreasing up to (almost) π: impossible for a π-periodic C
                // unless rounding dominates; accept the lowest point found.
                return Some(hi);
            }
            lo = hi;
            flo = fh;
            hi = (2.0 * hi).min(cap);
        }
        // bisect, keeping the invariant
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            let (fm, dm) = self.eval(mid);
            if dm > 0.0 || fm > flo || !fm.is_finite() {
                hi = mid;
            } else if dm == 0.0 {
                return Some(mid);
            } else {
                lo = mid;
                flo = fm;
            }
        }
        // lo has C′ < 0 and C(lo) ≤ C(0); it is within one ulp of the minimum.
        Some(if lo > 0.0 { lo } else { hi })
    }
}

/// Minimises C(z) from `z0` by nonlinear conjugate gradients with an exact line search.
///
/// `z0` (length nd) is made translation-free (mean of every component removed) and
/// normalised; the minimisation stops when |∇C|·|z|/C < `rel_tol` (see [`DEFAULT_REL_TOL`])
/// or after `max_iter` iterations (then `converged` is false; this is not an error). The
/// gradient is projected onto the tangent space of translation-free unit fields, the search
/// direction follows Polak–Ribière+ with vector transport along the great circle, and the
/// method restarts with steepest descent whenever the direction is not a descent direction.
///
/// Errors if `z0` has the wrong length, is not finite, or is a pure translation.
pub fn pseudo_harmonic<const D: usize>(
    net: &Network<D>,
    z0: &[f64],
    rel_tol: f64,
    max_iter: usize,
) -> Result<PhmResult> {
    let nd = net.ndof();
    if z0.len() != nd {
        return Err(Error::Invalid(format!(
            "initial field has length {}, expected n·d = {nd}",
            z0.len()
        )));
    }
    if z0.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid("initial field is not finite".into()));
    }
    let mut z = z0.to_vec();
    remove_translations::<D>(&mut z);
    let nz = norm(&z);
    if nz.is_nan() || nz <= 1e-14 * norm(z0) {
        return Err(Error::Invalid(
            "initial field is a pure translation (or zero)".into(),
        ));
    }
    z.iter_mut().for_each(|v| *v /= nz);

    let mut g = vec![0.0; nd];
    let mut g_old = vec![0.0; nd];
    let mut p = vec![0.0; nd];
    let mut q = vec![0.0; nd];

    // tangent gradient at z: remove translations and the radial component
    let tangent = |z: &[f64], g: &mut [f64]| {
        remove_translations::<D>(g);
        let r = dot_slices(g, z);
        g.iter_mut().zip(z).for_each(|(gi, zi)| *gi -= r * zi);
    };

    let mut c = cost_and_gradient(net, &z, &mut g);
    if !c.is_finite() {
        return Err(Error::Numerical(
            "pseudo-harmonic cost is not finite".into(),
        ));
    }
    tangent(&z, &mut g);
    let mut gnorm = norm(&g);
    let mut rel = gnorm / c.abs();
    let mut iterations = 0;
    let mut have_direction = false;
    let mut restarts_in_a_row = 0;
    while rel >= rel_tol && iterations < max_iter {
        iterations += 1;
        // direction: PR+ with the transported previous direction (in p) and gradient (g_old)
        let mut beta = 0.0;
        if have_direction {
            let gg_old = dot_slices(&g_old, &g_old);
            if gg_old > 0.0 {
                let num: f64 = g.iter().zip(&g_old).map(|(a, b)| a * (a - b)).sum();
                beta = (num / gg_old).max(0.0);
            }
        }
        for k in 0..nd {
            p[k] = -g[k] + if have_direction { beta * p[k] } else { 0.0 };
        }
        tangent(&z, &mut p);
        if dot_slices(&p, &g) >= 0.0 {
            // not a descent direction: restart with steepest descent
            p.iter_mut().zip(&g).for_each(|(pk, gk)| *pk = -gk);
        }
        let pn = norm(&p);
        if pn.is_nan() || pn <= 0.0 {
            break;
        }
        q.iter_mut().zip(&p).for_each(|(qk, pk)| *qk = pk / pn);
        let circle = Circle::new(net, &z, &q);
        let theta = match circle.first_minimum() {
            Some(t) if t > 0.0 => t,
            _ => {
                if have_direction && restarts_in_a_row < 2 {
                    // line search failed along a conjugate direction: restart
                    have_direction = false;
                    restarts_in_a_row += 1;
                    continue;
                }
                break;
            }
        };
        restarts_in_a_row = 0;
        let (s, co) = theta.sin_cos();
        // gradient component along q, for transport
        let gq = dot_slices(&g, &q);
        for k in 0..nd {
            let (zk, qk) = (z[k], q[k]);
            z[k] = co * zk + s * qk;
            // transported direction and old gradient: the q-component rotates with the circle
            let tq = -s * zk + co * qk;
            p[k] = pn * tq;
            g_old[k] = g[k] - gq * qk + gq * tq;
        }
        let zn = norm(&z);
        z.iter_mut().for_each(|v| *v /= zn);
        c = cost_and_gradient(net, &z, &mut g);
        if !c.is_finite() {
            return Err(Error::Numerical(
                "pseudo-harmonic cost is not finite".into(),
            ));
        }
        tangent(&z, &mut g);
        gnorm = norm(&g);
        rel = gnorm / c.abs();
        have_direction = true;
    }

    // sign convention and the force mode
    remove_translations::<D>(&mut z);
    let zn = norm(&z);
    z.iter_mut().for_each(|v| *v /= zn);
    if dot_slices(z0, &z) < 0.0 {
        z.iter_mut().for_each(|v| *v = -*v);
    }
    let mut force = vec![0.0; nd];
    net.apply_hessian(&z, &mut force);
    let fnorm = norm(&force);
    if fnorm > 0.0 {
        force.iter_mut().for_each(|v| *v /= fnorm);
    }
    Ok(PhmResult {
        cost: cost(net, &z),
        displacement: z,
        force,
        iterations,
        gradient_norm: rel,
        converged: rel < rel_tol,
    })
}

#[cfg(test)]
mod tests;
