//! Global sensitivity analysis: which parameters move the answer, and by how much.
//!
//! - [`morris`]: Morris trajectories and elementary effects (mu, mu*, sigma, bootstrap
//!   confidence in mu*), for screening many parameters cheaply.
//! - [`sobol`]: Saltelli's design and the first-order and total Sobol' indices (Saltelli et
//!   al. 2010, Jansen 1999) with bootstrap confidence intervals.
//! - [`ranges`]: the plausible range of every model parameter, used when a `[sensitivity]`
//!   table does not give ranges.
//! - [`config`]: the `[sensitivity]` and `[sample]` tables of a scenario file.
//! - [`study`]: runs a design through the model (common random numbers at every point) and
//!   writes `indices.csv`, `design.csv`, `sensitivity.png/.svg` and `manifest.json`.
//! - [`parts`]: `hothouse merge` of the parts written by `hothouse sensitivity --shard K/N`.
//!
//! The estimators work on plain numbers (unit-hypercube designs and their outputs), so they are
//! tested on functions with known indices (Ishigami, Sobol' G) and against SALib
//! (tests/sensitivity_estimators.rs, fixtures made by tests/fixtures/sensitivity/make_fixtures.py).

pub mod config;
pub mod morris;
pub mod parts;
pub mod ranges;
pub mod sobol;
pub mod study;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// An estimate with a symmetric confidence interval `estimate ± half_width`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    pub fn around(estimate: f64, half_width: f64) -> Self {
        Self {
            estimate,
            lower: estimate - half_width,
            upper: estimate + half_width,
        }
    }

    /// Half the width of the interval.
    pub fn half_width(&self) -> f64 {
        (self.upper - self.lower) / 2.0
    }

    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

/// The two-sided normal quantile for `confidence` (1.959963984540054 for 0.95).
pub fn z_value(confidence: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(0.5 + confidence / 2.0))
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_for_95_percent() {
        assert!((z_value(0.95) - 1.959963984540054).abs() < 1e-12);
    }
}
