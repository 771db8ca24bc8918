//! The parent temperature Tp of a glass: finite (SWAP Monte Carlo at Tp, then a quench) or
//! infinite (an instant quench from random positions).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A parent temperature: finite and positive, or infinite.
///
/// In JSON it is a number, or `null` for Tp = ∞; in names and files it is written `inf`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub enum Temperature {
    /// A finite, positive temperature.
    Finite(f64),
    /// Tp = ∞: random positions, quenched at once.
    Infinite,
}

impl Temperature {
    /// A temperature from a value: `+∞` is [`Temperature::Infinite`]; NaN, zero and negative
    /// values are refused.
    pub fn new(t: f64) -> Result<Self> {
        if t == f64::INFINITY {
            Ok(Temperature::Infinite)
        } else if t.is_finite() && t > 0.0 {
            Ok(Temperature::Finite(t))
        } else {
            Err(Error::Invalid(format!(
                "the parent temperature must be positive (or inf), got {t}"
            )))
        }
    }

    /// The finite value, or None for Tp = ∞.
    pub fn finite(self) -> Option<f64> {
        match self {
            Temperature::Finite(t) => Some(t),
            Temperature::Infinite => None,
        }
    }

    /// The value as a float (`f64::INFINITY` for Tp = ∞), for sorting and plotting.
    pub fn value(self) -> f64 {
        self.finite().unwrap_or(f64::INFINITY)
    }

    /// True for a finite temperature.
    pub fn is_finite(self) -> bool {
        matches!(self, Temperature::Finite(_))
    }
}

impl std::fmt::Display for Temperature {
    /// `inf`, or the shortest decimal that reads back exactly (`0.45`, `1`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Temperature::Finite(t) => write!(f, "{t}"),
            Temperature::Infinite => f.write_str("inf"),
        }
    }
}

impl std::str::FromStr for Temperature {
    type Err = Error;
    /// `inf` (any spelling Rust's float parser accepts) or a positive number.
    fn from_str(s: &str) -> Result<Self> {
        let t: f64 = s.trim().parse().map_err(|_| {
            Error::Invalid(format!("parent temperature {s:?} is not a number or 'inf'"))
        })?;
        Temperature::new(t)
    }
}

impl Serialize for Temperature {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.finite().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Temperature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Option::<f64>::deserialize(d)? {
            None => Ok(Temperature::Infinite),
            Some(t) => Temperature::new(t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Temperature;

    #[test]
    fn parse_print_and_json() {
        let t: Temperature = "0.45".parse().unwrap();
        assert_eq!(t, Temperature::Finite(0.45));
        assert_eq!(t.to_string(), "0.45");
        assert_eq!("inf".parse::<Temperature>().unwrap(), Temperature::Infinite);
        assert_eq!(Temperature::Finite(1.0).to_string(), "1");
        for bad in ["-1", "0", "nan", "x"] {
            assert!(bad.parse::<Temperature>().is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&Temperature::Infinite).unwrap(),
            "null"
        );
        assert_eq!(serde_json::to_string(&t).unwrap(), "0.45");
        let back: Temperature = serde_json::from_str("null").unwrap();
        assert_eq!(back, Temperature::Infinite);
        assert!(serde_json::from_str::<Temperature>("-2").is_err());
        assert!(Temperature::Finite(0.3) < Temperature::Infinite);
    }
}
