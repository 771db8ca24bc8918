//! Ensemble measures (placeholder, being written).
