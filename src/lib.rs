//! hothouse: an agent-based Monte-Carlo simulator of the life cycle of collaborative data
//! communities. Will a community fizzle out, or graduate into a lasting data initiative, and
//! what would change the odds?
//!
//! The library holds the engine; the `hothouse` binary is a thin command line over it.
//! - [`parameters`] — every model parameter, its range, default and meaning.
//! - [`scenario`] — scenario files and their sweeps.
//! - [`model`] — the agent-based model of one community.
//! - [`simulation`] — many seeded trials in parallel, streamed into counts and files.
//! - [`statistics`] — survival analysis of the outcomes.
//! - [`output`] — the output folder's files.
//! - [`answer`] — what a run says in words: the summary table and the plain answer.
//! - [`plots`] — pictures.

//!
//! # Example
//!
//! Simulate 200 trials of a community with a host at two staff-days a week and read the
//! graduation odds:
//!
//! ```
//! use hothouse::model::{Model, Workspace, trial_seed};
//! use hothouse::scenario::Scenario;
//! use hothouse::statistics::{OutcomeCounts, summarize};
//!
//! let scenario = Scenario::parse("example.toml", "name = \"example\"\n[host]\ninvestment = 2.0\n")?;
//! let variant = &scenario.variants()[0];
//! let model = Model::new(variant.params.clone(), scenario.steps)?;
//! let mut counts = OutcomeCounts::new(scenario.steps);
//! let mut workspace = Workspace::new();
//! for trial in 0..200 {
//!     let result = model.run(trial_seed(scenario.seed, trial), &mut workspace);
//!     counts.record(result.outcome, result.time);
//! }
//! let summary = summarize(&counts);
//! assert_eq!(summary.trials, 200);
//! assert!(summary.p_graduate_lower <= summary.p_graduate && summary.p_graduate <= summary.p_graduate_upper);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod answer;
pub mod calibrate;
pub mod columnar;
pub mod compare;
pub mod design;
pub mod error;
pub mod inert;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod motivation;
pub mod outcome;
pub mod output;
pub mod parameters;
pub mod plots;
pub mod progress;
pub mod record;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod simulation;
pub mod statistics;
pub mod totals;
pub mod trace;
pub mod variation;
pub mod weekly;

pub use error::Error;
pub use outcome::Outcome;

/// The version of hothouse, recorded in every manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The version of `rand` this binary was built with.
pub const RAND_VERSION: &str = env!("HOTHOUSE_RAND_VERSION");
/// The version of `rand_distr` this binary was built with.
pub const RAND_DISTR_VERSION: &str = env!("HOTHOUSE_RAND_DISTR_VERSION");
