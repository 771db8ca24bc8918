//! Pseudo-harmonic modes (placeholder, being written).
