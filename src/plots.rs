//! Pictures (to be written).
