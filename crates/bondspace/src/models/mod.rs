//! Pair models (potentials) behind one trait.
//!
//! A model owns its parameters and answers, for a pair of particles with sizes `s_i`, `s_j` at
//! distance `r`: its reach (interaction cutoff) and `u`, `u′`, `u″`; and, for the whole model,
//! its natural force and stiffness scales ([`Model::force_scale`], [`Model::stiffness_scale`]).
//! Operators, minimizers and analysis are generic over [`PairPotential`], so adding a model
//! (Lennard-Jones-like, sticky spheres, ...) touches only this module: implement the trait, add
//! a [`Model`] variant, its file keys in [`Model::params`] / [`Model::from_params`], its scales,
//! and an arm in [`with_potential!`](crate::with_potential). Library code outside this module
//! builds variants but never matches on them.
//!
//! Evaluation of energy, forces and virial over a bond list lives in [`eval`].

pub mod eval;
mod harmonic;
mod ipl;
pub mod lanes;
mod softsphere;

pub use harmonic::Harmonic;
pub use ipl::Ipl;
pub use lanes::Lanes;
pub use softsphere::SoftSphere;

use crate::error::{Error, Result};

/// Pair energy and its first two radial derivatives.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairTerms {
    /// u(r)
    pub u: f64,
    /// u′(r) = du/dr (negative for repulsion)
    pub du: f64,
    /// u″(r)
    pub d2u: f64,
}

/// Width of the blocks of [`PairPotential::sum_lanes`] (four f64: one AVX register).
pub const LANES: usize = 4;

/// A radially symmetric pair potential depending on two per-particle sizes.
pub trait PairPotential: Sync + Send + Clone + std::fmt::Debug {
    /// The pair's reach: u and its derivatives vanish for `r >= reach(si, sj)`.
    fn reach(&self, si: f64, sj: f64) -> f64;
    /// u, u′, u″ at distance `r` (only called for `0 < r < reach`).
    fn terms(&self, r: f64, si: f64, sj: f64) -> PairTerms;
    /// u and u′ only (the force loop); defaults to [`PairPotential::terms`].
    #[inline(always)]
    fn energy_force(&self, r: f64, si: f64, sj: f64) -> (f64, f64) {
        let t = self.terms(r, si, sj);
        (t.u, t.du)
    }
    /// The pair energy at squared distance `r2`, 0 at and beyond the reach (the Monte Carlo
    /// loop; models may override it to avoid the square root).
    #[inline(always)]
    fn energy_r2(&self, r2: f64, si: f64, sj: f64) -> f64 {
        let rc = self.reach(si, sj);
        if r2 >= rc * rc {
            0.0
        } else {
            self.energy_force(r2.sqrt(), si, sj).0
        }
    }
    /// The pair energies at two squared distances for the same pair of sizes (a Monte Carlo
    /// trial: old and new position); models may share the size-dependent work.
    #[inline(always)]
    fn energy_r2_twice(&self, r2a: f64, r2b: f64, si: f64, sj: f64) -> (f64, f64) {
        (self.energy_r2(r2a, si, sj), self.energy_r2(r2b, si, sj))
    }
    /// The pair energies of a particle of size `s` with four partners of sizes `sj` at squared
    /// distances `r2`, each 0 at and beyond the reach, generic over the lane type so that the
    /// Monte Carlo kernels compile to vector instructions where the CPU has them. Each lane
    /// must equal [`PairPotential::energy_r2`] bitwise, and be 0 where r² is NaN or +∞ (the
    /// Monte Carlo's sentinel partner); models override it with a branch-free body (the
    /// cutoff as a mask, false for NaN).
    #[inline(always)]
    fn energy_lanes<V: Lanes>(&self, r2: V, s: f64, sj: V) -> V {
        lanes_by_scalar(self, r2, s, sj)
    }
    /// Σ over `blocks` blocks of four partners of the pair energies of a particle of size `s`,
    /// block b's squared distances and partner sizes given by `block(b)` = (r², s_j), summed
    /// lane by lane from +0.0 in block order (the kernel of a local energy).
    #[inline(always)]
    fn sum_lanes<V: Lanes>(
        &self,
        blocks: usize,
        s: f64,
        mut block: impl FnMut(usize) -> (V, V),
    ) -> V {
        let mut e = V::splat(0.0);
        for b in 0..blocks {
            let (r2, sj) = block(b);
            e = e + self.energy_lanes(r2, s, sj);
        }
        e
    }
    /// As [`PairPotential::sum_lanes`] at two positions of the particle, `block(b)` = (r² at
    /// the first, r² at the second, s_j) (a displacement: old and new position).
    #[inline(always)]
    fn sum_lanes_moved<V: Lanes>(
        &self,
        blocks: usize,
        s: f64,
        mut block: impl FnMut(usize) -> (V, V, V),
    ) -> (V, V) {
        let (mut ea, mut eb) = (V::splat(0.0), V::splat(0.0));
        for b in 0..blocks {
            let (ra, rb, sj) = block(b);
            ea = ea + self.energy_lanes(ra, s, sj);
            eb = eb + self.energy_lanes(rb, s, sj);
        }
        (ea, eb)
    }
    /// A lower bound on every pair energy the kernels compute: 0 for potentials whose computed
    /// energies are never negative, a rounding allowance below 0 for those whose energy is a
    /// sum of terms of both signs that cancel at the cutoff. The Monte Carlo rejects a size
    /// swap as soon as a partial sum of new pair energies, plus this floor for every pair
    /// still to come, exceeds its Metropolis threshold.
    fn energy_floor(&self) -> f64 {
        0.0
    }
    /// Whether the reach R(s, t) never decreases as either size grows, for sizes up to
    /// `max_size` (then a particle that shrinks keeps a subset of its partners, which the
    /// Monte Carlo's lists use). False unless a model says so.
    fn reach_grows_with_size(&self, max_size: f64) -> bool {
        let _ = max_size;
        false
    }
    /// Largest reach of a particle of size `s` with any size in `[min_size, max_size]` (bounds
    /// the size-aware neighbour search of the Monte Carlo). The default assumes the reach is
    /// unimodal in the partner's size, true of additive sizes; models override it otherwise.
    fn reach_bound(&self, s: f64, min_size: f64, max_size: f64) -> f64 {
        self.reach(s, min_size)
            .max(self.reach(s, max_size))
            .max(self.reach(s, s.clamp(min_size, max_size)))
    }
    /// Largest reach among sizes up to `max_size` (for cell and Verlet lists).
    fn max_reach(&self, max_size: f64) -> f64 {
        self.reach(max_size, max_size)
    }
}

/// [`PairPotential::energy_lanes`] lane by lane through [`PairPotential::energy_r2`], 0 where
/// r² is NaN or +∞.
#[inline(always)]
pub fn lanes_by_scalar<P: PairPotential, V: Lanes>(p: &P, r2: V, s: f64, sj: V) -> V {
    let (r, t) = (r2.to_array(), sj.to_array());
    V::from_array(std::array::from_fn(|l| {
        if r[l] < f64::INFINITY {
            p.energy_r2(r[l], s, t[l])
        } else {
            0.0
        }
    }))
}

/// The pair models bondspace knows, with their parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// Smoothed inverse power law u = ε(λ_ij/r)ⁿ, smoothed to zero at the cutoff x_c λ_ij (the
    /// default glass former; see [`Ipl`]).
    Ipl(Ipl),
    /// Harmonic spheres u = ½k(r − l₀)² (paper App. B).
    Harmonic(Harmonic),
    /// Soft spheres u = (ε/α)(1 − r/σ)^α (jax-md convention).
    SoftSphere(SoftSphere),
}

/// Runs `$body` with `$p` bound to the concrete potential inside a [`Model`], so generic code is
/// monomorphised per model (no dynamic dispatch in inner loops).
#[macro_export]
macro_rules! with_potential {
    ($model:expr, $p:ident => $body:expr) => {
        match $model {
            $crate::models::Model::Ipl($p) => $body,
            $crate::models::Model::Harmonic($p) => $body,
            $crate::models::Model::SoftSphere($p) => $body,
        }
    };
}

/// Formats a float so that it reads back exactly (shortest round-trip digits).
pub fn fmt_f64(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Every key that names a model parameter in some model; a file that carries one of these
/// for a model that does not use it is rejected.
pub const ALL_MODEL_KEYS: &[&str] = &[
    "ipl_n",
    "ipl_q",
    "ipl_xc",
    "nonadditivity",
    "eps",
    "k",
    "alpha",
];

/// Key prefixes reserved for model parameters (an unknown `ipl_*` key is an error).
pub const MODEL_KEY_PREFIXES: &[&str] = &["ipl_", "harmonic_", "softsphere_"];

impl Model {
    /// The `model=` name written to files.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Ipl(_) => "ipl",
            Model::Harmonic(_) => "harmonic",
            Model::SoftSphere(_) => "softsphere",
        }
    }

    /// The parameter keys this model reads and writes.
    pub fn keys(name: &str) -> Option<&'static [&'static str]> {
        match name {
            "ipl" => Some(&["ipl_n", "ipl_q", "ipl_xc", "nonadditivity", "eps"]),
            "harmonic" => Some(&["k"]),
            "softsphere" => Some(&["alpha", "eps"]),
            _ => None,
        }
    }

    /// The model's parameters as `(key, value)` pairs, in the order they are written.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Model::Ipl(p) => vec![
                ("ipl_n", p.n.to_string()),
                ("ipl_q", p.q.to_string()),
                ("ipl_xc", fmt_f64(p.xc)),
                ("nonadditivity", fmt_f64(p.nonadditivity)),
                ("eps", fmt_f64(p.eps)),
            ],
            Model::Harmonic(p) => vec![("k", fmt_f64(p.k))],
            Model::SoftSphere(p) => vec![("alpha", fmt_f64(p.alpha)), ("eps", fmt_f64(p.eps))],
        }
    }

    /// Builds a model from its name and a key lookup; missing keys take their defaults.
    ///
    /// `get(key)` returns the raw value of `key` if present. Errors name the bad key.
    pub fn from_params(name: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<Model> {
        fn num(get: &dyn Fn(&str) -> Option<String>, key: &str, default: f64) -> Result<f64> {
            match get(key) {
                None => Ok(default),
                Some(v) => match v.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(x),
                    _ => Err(Error::Invalid(format!(
                        "model parameter {key}={v:?} is not a finite number"
                    ))),
                },
            }
        }
        fn int(get: &dyn Fn(&str) -> Option<String>, key: &str, default: i64) -> Result<i64> {
            match get(key) {
                None => Ok(default),
                Some(v) => v.parse::<i64>().map_err(|_| {
                    Error::Invalid(format!("model parameter {key}={v:?} is not an integer"))
                }),
            }
        }
        match name {
            "ipl" => {
                let d = Ipl::default();
                let n = int(get, "ipl_n", d.n as i64)?;
                let q = int(get, "ipl_q", d.q as i64)?;
                if !(1..=64).contains(&n) {
                    return Err(Error::Invalid(format!("ipl_n={n} must be in 1..=64")));
                }
                if !(0..=8).contains(&q) {
                    return Err(Error::Invalid(format!("ipl_q={q} must be in 0..=8")));
                }
                Ok(Model::Ipl(Ipl::new(
                    n as i32,
                    q as u32,
                    num(get, "ipl_xc", d.xc)?,
                    num(get, "nonadditivity", d.nonadditivity)?,
                    num(get, "eps", d.eps)?,
                )?))
            }
            "harmonic" => Ok(Model::Harmonic(Harmonic::new(num(get, "k", 1.0)?)?)),
            "softsphere" => Ok(Model::SoftSphere(SoftSphere::new(
                num(get, "alpha", 2.0)?,
                num(get, "eps", 1.0)?,
            )?)),
            other => Err(Error::Invalid(format!(
                "unknown model {other:?} (known: ipl, harmonic, softsphere)"
            ))),
        }
    }

    /// What a particle's size means in this model, as the ratio size / radius: 2 for IPL (the
    /// size λ_i is a diameter: λ_ij ≈ ½(λ_i + λ_j) is the contact distance), 1 for harmonic and
    /// soft spheres (the size is the radius). Files that store radii or diameters are converted
    /// with it, and the `radius` column written for viewers is size / this ratio.
    pub fn size_per_radius(&self) -> f64 {
        match self {
            Model::Ipl(_) => 2.0,
            Model::Harmonic(_) | Model::SoftSphere(_) => 1.0,
        }
    }

    /// Largest pair reach for particle sizes up to `max_size`.
    pub fn max_reach(&self, max_size: f64) -> f64 {
        with_potential!(self, p => p.max_reach(max_size))
    }

    /// A natural force scale of the model for sizes around `size` (used only when a
    /// configuration has no bonds to measure its typical pair force).
    pub fn force_scale(&self, size: f64) -> f64 {
        match self {
            Model::Ipl(p) => p.eps * p.n as f64 / size,
            Model::Harmonic(p) => p.k * size,
            Model::SoftSphere(p) => p.eps / (2.0 * size),
        }
    }

    /// A pair stiffness scale k ~ u″ of the model for sizes around `mean_size` (an upper
    /// estimate of the curvature of one contact, in energy per length²). The minimisers bound
    /// the fastest vibration frequency with it, ω_max² ≈ 8 d k, to choose a stable time step.
    pub fn stiffness_scale(&self, mean_size: f64) -> f64 {
        match self {
            Model::Ipl(p) => {
                let n = p.n as f64;
                p.eps * n * (n + 1.0) / (mean_size * mean_size)
            }
            Model::Harmonic(p) => p.k,
            Model::SoftSphere(p) => p.eps * (p.alpha - 1.0) / (4.0 * mean_size * mean_size),
        }
    }
}
