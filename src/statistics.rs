//! Survival statistics of a batch of trials: Kaplan-Meier survival with a log(-log) interval,
//! Aalen-Johansen cumulative incidence of the two competing outcomes, the graduation
//! probability with a Wilson interval, and the k-sample log-rank test.
//!
//! Everything is computed from [`OutcomeCounts`], the per-time outcome counts of one variant.
//! Counts are small (one vector of length `steps + 1` per outcome), exact and mergeable, so the
//! statistics of a sharded or streamed run are the statistics of the whole run.
//!
//! # Time and censoring
//!
//! Time is discrete. A trial ends `Fizzled` or `Graduated` at an integer time in `1..=steps`, or
//! is `Censored` at the horizon `steps`. Two different clocks are used:
//!
//! * **Time to fizzle** (Kaplan-Meier survival, median, RMST, log-rank): only fizzling is an
//!   event. A graduated community has not fizzled: it counts as surviving to the horizon, so its
//!   survival duration is `steps` (right-censored there), *not* its graduation time. A censored
//!   trial is right-censored at its recorded time (always `steps` in a simulation run; an earlier
//!   censoring time is accepted and handled by the usual right-censoring formulas).
//! * **First outcome** (Aalen-Johansen cumulative incidence): fizzling and graduating are
//!   competing outcomes, each at its real time; censored trials are censored at their time.
//!
//! # Estimators and sources
//!
//! * Kaplan & Meier (1958), *Nonparametric estimation from incomplete observations*, JASA 53.
//! * Greenwood (1926), *The natural duration of cancer*, Reports on Public Health 33.
//! * Kalbfleisch & Prentice (1980/2002), *The Statistical Analysis of Failure Time Data*,
//!   the log(-log) ("exponential Greenwood") interval; the default of lifelines and Stata.
//! * Aalen & Johansen (1978), *An empirical transition matrix for non-homogeneous Markov chains
//!   based on censored observations*, Scand. J. Statist. 5.
//! * Wilson (1927), *Probable inference, the law of succession, and statistical inference*,
//!   JASA 22.
//! * Mantel (1966), *Evaluation of survival data and two new rank order statistics arising in its
//!   consideration*, Cancer Chemotherapy Reports 50; Peto & Peto (1972), JRSS A 135.
//!   Computed as R's `survival::survdiff` and lifelines' `multivariate_logrank_test`.

mod counts;
pub(crate) mod figures;
mod incidence;
mod linalg;
mod logrank;
mod proportion;
mod survival;

pub use counts::OutcomeCounts;
pub use incidence::{Incidence, IncidenceCurve, cumulative_incidence, loglog_band};
pub use logrank::{LogRank, logrank, logrank_within};
pub use proportion::wilson_interval;
pub use survival::{
    MEDIAN_TOLERANCE, Summary, SurvivalRow, loglog_interval, summarize, survival_table,
};

/// The two-sided 95% standard normal quantile, `Φ⁻¹(0.975)`, used by every interval here.
pub const Z_95: f64 = 1.959_963_984_540_054;
