//! The two absorbing outcomes of a community's life cycle, and censoring at the horizon.

use std::fmt;

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A hosting partner formalised the community and its revenue covered its costs for a
    /// sustained period.
    Graduated,
    /// Activity stayed below critical mass for a sustained period, everyone left, or the host
    /// left and the community could not pay its way.
    Fizzled,
    /// Still going at the horizon (`steps`).
    Censored,
}

impl Outcome {
    /// The name used in `trials.csv` and `trace.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Graduated => "graduated",
            Outcome::Fizzled => "fizzled",
            Outcome::Censored => "censored",
        }
    }

    /// Parses the name used in `trials.csv`.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "graduated" => Some(Outcome::Graduated),
            "fizzled" => Some(Outcome::Fizzled),
            "censored" => Some(Outcome::Censored),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
