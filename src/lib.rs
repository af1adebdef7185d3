//! hothouse: an agent-based Monte-Carlo simulator of the life cycle of collaborative data
//! communities. Will a community fizzle out, or graduate into a lasting data initiative?

pub mod outcome;
pub mod plots;
pub mod statistics;

pub use outcome::Outcome;
