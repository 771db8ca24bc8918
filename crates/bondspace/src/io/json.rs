//! JSON helpers shared by the result files: floats that may be NaN or infinite.
//!
//! serde_json writes a non-finite float as `null`. Fields that can hold one (λ₀ of a sample
//! whose shear modulus is not positive, say) read `null` back as NaN with [`nullable_f64`].

use serde::{Deserialize, Deserializer};

/// Deserializes a float written by serde_json, `null` (a NaN or an infinity) as NaN.
pub fn nullable_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}
