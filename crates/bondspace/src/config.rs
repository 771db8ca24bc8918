//! Configurations: particle positions in a periodic orthorhombic box, per-particle sizes, the
//! pair model with its parameters, and free-form metadata.
//!
//! The spatial dimension is the const generic `D` (2 or 3), so every inner loop is compiled for
//! its dimension. [`AnyConfiguration`] holds either dimension for code that reads files whose
//! dimension is only known at run time; [`with_dim!`](crate::with_dim) dispatches on it once,
//! outside any hot loop.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::models::Model;

/// A periodic orthorhombic box with edge lengths `lengths` (minimum-image convention).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimBox<const D: usize> {
    /// Edge lengths L_1..L_D, all positive.
    pub lengths: [f64; D],
}

impl<const D: usize> SimBox<D> {
    /// A box with the given edge lengths; errors unless all are finite and positive.
    pub fn new(lengths: [f64; D]) -> Result<Self> {
        if lengths.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
            return Err(Error::Invalid(format!(
                "box lengths must be finite and positive, got {lengths:?}"
            )));
        }
        Ok(Self { lengths })
    }

    /// A cubic (square in 2D) box of volume `volume`.
    pub fn cubic(volume: f64) -> Result<Self> {
        Self::new([volume.powf(1.0 / D as f64); D])
    }

    /// Volume (area in 2D).
    pub fn volume(&self) -> f64 {
        self.lengths.iter().product()
    }

    /// Smallest edge length.
    pub fn min_length(&self) -> f64 {
        self.lengths.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Minimum-image separation vector `b - a` (positions need not be wrapped).
    #[inline(always)]
    pub fn delta(&self, a: &[f64; D], b: &[f64; D]) -> [f64; D] {
        let mut d = [0.0; D];
        for k in 0..D {
            let l = self.lengths[k];
            let x = b[k] - a[k];
            d[k] = x - l * nearest(x / l);
        }
        d
    }

    /// Position wrapped into `[0, L)` in every direction.
    #[inline]
    pub fn wrap(&self, p: &[f64; D]) -> [f64; D] {
        let mut w = *p;
        for k in 0..D {
            let l = self.lengths[k];
            let mut x = p[k] - l * (p[k] / l).floor();
            if x >= l {
                x -= l;
            }
            if x < 0.0 {
                x = 0.0;
            }
            w[k] = x;
        }
        w
    }

    /// The same box scaled by `factor` in every direction.
    pub fn scaled(&self, factor: f64) -> Self {
        let mut lengths = self.lengths;
        for l in &mut lengths {
            *l *= factor;
        }
        Self { lengths }
    }
}

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
        let species = vec!["A".to_string(); positions.len()];
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

/// Nearest integer of `v` (|v| < 2⁵¹) without a libm call: adding and subtracting 1.5·2⁵²
/// rounds in the default round-to-nearest mode (`f64::round` is a function call on the
/// baseline x86-64 target, which lacks `roundsd`; it took 12 % of a quench's time).
/// Ties round to even, which only picks between two equidistant images.
#[inline(always)]
pub fn nearest(v: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    (v + MAGIC) - MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `nearest` equals `f64::round` away from exact ties, and minimum-image components lie
        /// in [−L/2, L/2] whatever the unwrapped positions.
        #[test]
        fn nearest_and_minimum_image(v in -1e6f64..1e6, a in -50.0f64..50.0, b in -50.0f64..50.0) {
            if (v - v.trunc()).abs() != 0.5 {
                prop_assert_eq!(nearest(v), v.round());
            }
            let sb = SimBox::new([3.7, 5.1]).unwrap();
            let d = sb.delta(&[a, b], &[b, a]);
            for (k, l) in [3.7, 5.1].iter().enumerate() {
                prop_assert!(d[k].abs() <= 0.5 * l + 1e-12);
                let shift = ((if k == 0 { b - a } else { a - b }) - d[k]) / l;
                prop_assert!((shift - shift.round()).abs() < 1e-9);
            }
        }
    }
}
