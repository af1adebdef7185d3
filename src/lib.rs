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
//! - [`plots`] — pictures.

pub mod error;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod motivation;
pub mod outcome;
pub mod output;
pub mod parameters;
pub mod plots;
pub mod scenario;
pub mod simulation;
pub mod statistics;
pub mod trace;

pub use error::Error;
pub use outcome::Outcome;

/// The version of hothouse, recorded in every manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The version of `rand` this binary was built with.
pub const RAND_VERSION: &str = env!("HOTHOUSE_RAND_VERSION");
/// The version of `rand_distr` this binary was built with.
pub const RAND_DISTR_VERSION: &str = env!("HOTHOUSE_RAND_DISTR_VERSION");
