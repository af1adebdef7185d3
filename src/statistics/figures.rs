//! Figure data: the numbers the pictures show, read from an output folder's CSV files and
//! computed here, without any drawing backend, so that they can be tested as numbers.
//!
//! | module | owns |
//! |---|---|
//! | `table` | a CSV file read whole, columns found by header name, fields as numbers |
//! | `run` | a run folder: the swept values (`variants.csv`), the curves (`survival.csv`), one row per variant (`summary.csv`), the horizon and the trials note |
//! | `cost` | the host's outlay per graduation with its range, the cost-effectiveness frontier, the amounts of the rays of equal outlay per graduation |
//! | `trace` | one trial's history (`trace.csv`) |
//! | `trend` | P(graduate) against each parameter of a sampled design, with a LOWESS trend |
//! | `weekly` | the fan chart's weekly quantiles and means per variant (`weekly.csv`) |
//! | `error` | [`PlotError`]: why a picture could not be made, from its data or its drawing |
//!
//! The pictures (`crate::plots`) map these to marks; nothing here knows how they are drawn.

mod cost;
mod error;
mod run;
mod table;
mod trace;
mod trend;
mod weekly;

pub(crate) use cost::{cheapest, frontier, per_graduate, ray_amounts};
pub use error::PlotError;
pub(crate) use run::{Curve, RunData, SummaryRow};
pub(crate) use trace::Trace;
pub(crate) use trend::TrendPanel;
pub(crate) use weekly::{WeeklyData, WeeklySeries, stretches};

/// File names inside an output folder.
pub const VARIANTS_CSV: &str = "variants.csv";
/// Kaplan-Meier and cumulative-incidence table, one row per variant and time.
pub const SURVIVAL_CSV: &str = "survival.csv";
/// One row per variant: counts, P(graduate) and its interval, median survival, RMST and
/// (since the cost columns were added) the host's mean outlay and outlay per graduation.
pub const SUMMARY_CSV: &str = "summary.csv";
/// One trial's step-by-step history.
pub const TRACE_CSV: &str = "trace.csv";

/// A value with its interval; any of the three may be missing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Estimate {
    pub(crate) value: Option<f64>,
    pub(crate) lower: Option<f64>,
    pub(crate) upper: Option<f64>,
}

impl RunData {
    /// P(graduate) with its 95% Wilson interval, one per row of [`RunData::summary`].
    pub(crate) fn p_graduate(&self) -> Vec<Estimate> {
        self.summary
            .iter()
            .map(|r| Estimate {
                value: r.p,
                lower: r.lower,
                upper: r.upper,
            })
            .collect()
    }

    /// The highest value of the cumulative incidence curves (0 when there is none).
    pub(crate) fn max_incidence(&self) -> f64 {
        self.curves
            .iter()
            .flat_map(|c| c.cif_graduated.iter().chain(&c.cif_fizzled))
            .filter_map(|v| *v)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }
}
