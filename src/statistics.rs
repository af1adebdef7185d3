//! Survival statistics (to be written).
