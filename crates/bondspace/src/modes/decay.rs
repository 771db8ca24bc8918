//! Spatial decay profiles (placeholder, being written).
