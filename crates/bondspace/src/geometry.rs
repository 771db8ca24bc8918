//! Geometry: the periodic orthorhombic box ([`SimBox`]) and the minimum image.
//!
//! The box owns its edge lengths and answers volume, wrapping into `[0, L)` and minimum-image
//! separations; [`nearest`] is the libm-free rounding the minimum image is built on. Everything
//! above (models, neighbour search, configurations) measures distances through this module.

use crate::error::{Error, Result};

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
