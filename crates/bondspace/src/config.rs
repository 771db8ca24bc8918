//! Configurations: particle positions in a periodic orthorhombic box, per-particle sizes, the
//! pair model with its parameters, and free-form metadata.
//!
//! This module owns [`Configuration`], [`AnyConfiguration`] and [`with_dim!`](crate::with_dim);
//! the box and the minimum image belong to [`geometry`](crate::geometry) (re-exported here as
//! [`SimBox`] and [`nearest`] so that older paths keep working).
//!
//! The spatial dimension is the const generic `D` (2 or 3), so every inner loop is compiled for
//! its dimension. [`AnyConfiguration`] holds either dimension for code that reads files whose
//! dimension is only known at run time; [`with_dim!`](crate::with_dim) dispatches on it once,
//! outside any hot loop.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
pub use crate::geometry::{SimBox, nearest};
use crate::models::Model;

/// The factor of [`Configuration::force_resolution`] over κ ε L_max.
pub const FORCE_RESOLUTION_FACTOR: f64 = 4.0;

/// A configuration of `N` particles in `D` dimensions.
#[derive(Clone, Debug, PartialEq)]
pub struct Configuration<const D: usize> {
    /// The periodic box.
    pub simbox: SimBox<D>,
    /// Particle positions (not necessarily wrapped into the box).
    pub positions: Vec<[f64; D]>,
    /// Per-particle size: λ_i for IPL, the radius for harmonic and soft spheres.
    pub sizes: Vec<f64>,
    /// Per-particle species label (written as the `species` column).
    pub species: Vec<String>,
    /// The pair model and its parameters.
    pub model: Model,
    /// Extra `key=value` metadata of the comment line (energy, seed, Tp, ...), in key order.
    pub info: BTreeMap<String, String>,
}

impl<const D: usize> Configuration<D> {
    /// Builds a configuration, checking that the arrays agree and sizes are positive.
    pub fn new(
        simbox: SimBox<D>,
        positions: Vec<[f64; D]>,
        sizes: Vec<f64>,
        model: Model,
    ) -> Result<Self> {
        if positions.len() != sizes.len() {
            return Err(Error::Invalid(format!(
                "{} positions but {} sizes",
                positions.len(),
                sizes.len()
            )));
        }
        if let Some(s) = sizes.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(Error::Invalid(format!(
                "particle sizes must be positive, got {s}"
            )));
        }
        let species = vec!["X".to_string(); positions.len()];
        Ok(Self {
            simbox,
            positions,
            sizes,
            species,
            model,
            info: BTreeMap::new(),
        })
    }

    /// Number of particles.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when there are no particles.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Number density N / V.
    pub fn density(&self) -> f64 {
        self.len() as f64 / self.simbox.volume()
    }

    /// Mean interparticle distance a₀ = (V/N)^{1/d}.
    pub fn a0(&self) -> f64 {
        (self.simbox.volume() / self.len() as f64).powf(1.0 / D as f64)
    }

    /// The smallest max |F_i| that double-precision positions in this box resolve:
    /// [`FORCE_RESOLUTION_FACTOR`] × κ × ε × L_max, with κ the model's stiffness scale at the
    /// mean size and ε = 2⁻⁵² (a coordinate near L_max is known to ε L_max, and moving a
    /// particle by that much changes its force by about κ ε L_max). Minimisers stall there
    /// (measured: 0.9–1.3 κ ε L on harmonic packings), so force balance is checked against
    /// max(tol × f_typ, this): it matters only near jamming, where f_typ ∝ p vanishes.
    pub fn force_resolution(&self) -> f64 {
        let mean = self.sizes.iter().sum::<f64>() / self.len().max(1) as f64;
        let l = self.simbox.lengths.iter().copied().fold(0.0, f64::max);
        FORCE_RESOLUTION_FACTOR * self.model.stiffness_scale(mean) * f64::EPSILON * l
    }

    /// Wraps every position into the box.
    pub fn wrap_positions(&mut self) {
        for p in &mut self.positions {
            *p = self.simbox.wrap(p);
        }
    }

    /// Positions as one flat slice of length N·D (x₀, y₀, (z₀,) x₁, ...).
    pub fn flat_positions(&self) -> &[f64] {
        self.positions.as_flattened()
    }

    /// Scales the box and all positions affinely by `factor`.
    pub fn scale(&mut self, factor: f64) {
        self.simbox = self.simbox.scaled(factor);
        for p in &mut self.positions {
            for x in p.iter_mut() {
                *x *= factor;
            }
        }
    }
}

/// A configuration of either dimension, as read from a file.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyConfiguration {
    /// Two dimensions.
    Two(Configuration<2>),
    /// Three dimensions.
    Three(Configuration<3>),
}

impl AnyConfiguration {
    /// The spatial dimension (2 or 3).
    pub fn dim(&self) -> usize {
        match self {
            AnyConfiguration::Two(_) => 2,
            AnyConfiguration::Three(_) => 3,
        }
    }
}

impl From<Configuration<2>> for AnyConfiguration {
    fn from(c: Configuration<2>) -> Self {
        AnyConfiguration::Two(c)
    }
}

impl From<Configuration<3>> for AnyConfiguration {
    fn from(c: Configuration<3>) -> Self {
        AnyConfiguration::Three(c)
    }
}

/// Runs `$body` with `$c` bound to the `Configuration<D>` inside an [`AnyConfiguration`]; inside
/// the body the dimension is a compile-time constant.
#[macro_export]
macro_rules! with_dim {
    ($any:expr, $c:ident => $body:expr) => {
        match $any {
            $crate::config::AnyConfiguration::Two($c) => $body,
            $crate::config::AnyConfiguration::Three($c) => $body,
        }
    };
}
