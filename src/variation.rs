//! Communities that differ: a model parameter given as a distribution across communities.
//!
//! Each trial draws its own value of every such parameter once, at its start, by inversion
//! of the distribution's CDF from one uniform number. That number comes from a sub-stream
//! reserved for these draws and keyed by the trial's seed and the parameter's path, so:
//! - common random numbers hold across variants (trial `i` draws the same uniform in each), and
//!   sweeping a distribution's own parameter moves each community's value monotonically;
//! - giving one parameter a distribution changes no other random number of the trial (neither
//!   the participants' stream nor the other parameters' draws);
//! - a scenario without distributions gives the same trials as before.
//!
//! Every family is truncated to the parameter's allowed range (by inversion on the truncated
//! CDF, so no draw is ever rejected); whole-number parameters are rounded to the nearest whole
//! number. A distribution whose spread is 0 gives its centre exactly. docs/MODEL.md §communities
//! that differ gives the equations.

use crate::model::splitmix64;
use crate::parameters::{Kind, ParamSpec, ParamValue};
use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF, Normal};

/// A family of distributions across communities, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "distribution", rename_all = "lowercase")]
pub enum Family {
    /// Uniform on [low, high].
    Uniform { low: f64, high: f64 },
    /// Normal(mean, sd), truncated to the parameter's range.
    Normal { mean: f64, sd: f64 },
    /// ln X ~ Normal(ln median, sd_log), truncated to the parameter's range.
    Lognormal { median: f64, sd_log: f64 },
    /// low + (high − low)·Beta(alpha, beta).
    Beta {
        alpha: f64,
        beta: f64,
        low: f64,
        high: f64,
    },
}

/// Family names as written in scenario files.
pub const FAMILIES: &[&str] = &["uniform", "normal", "lognormal", "beta"];

/// The largest spread allowed (sd of a normal relative to the range is unbounded in principle,
/// but a lognormal's sd_log above this is a typo rather than a model).
pub const MAX_SD_LOG: f64 = 10.0;

impl Family {
    /// The family's parameters as written in a scenario, with whether each must be given.
    pub fn fields(name: &str) -> Option<&'static [(&'static str, bool)]> {
        Some(match name {
            "uniform" => &[("low", true), ("high", true)],
            "normal" => &[("mean", true), ("sd", true)],
            "lognormal" => &[("median", true), ("sd_log", true)],
            "beta" => &[
                ("alpha", true),
                ("beta", true),
                ("low", false),
                ("high", false),
            ],
            _ => return None,
        })
    }

    /// The family `name` with its fields taken from `get` (missing optional fields default to
    /// the parameter's range). Values are not checked here: see [`Family::check`].
    pub fn build(name: &str, range: (f64, f64), get: impl Fn(&str) -> Option<f64>) -> Option<Self> {
        let (lo, hi) = range;
        Some(match name {
            "uniform" => Family::Uniform {
                low: get("low")?,
                high: get("high")?,
            },
            "normal" => Family::Normal {
                mean: get("mean")?,
                sd: get("sd")?,
            },
            "lognormal" => Family::Lognormal {
                median: get("median")?,
                sd_log: get("sd_log")?,
            },
            "beta" => Family::Beta {
                alpha: get("alpha")?,
                beta: get("beta")?,
                low: get("low").unwrap_or(lo),
                high: get("high").unwrap_or(hi),
            },
            _ => return None,
        })
    }

    /// The family's name as written in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Family::Uniform { .. } => "uniform",
            Family::Normal { .. } => "normal",
            Family::Lognormal { .. } => "lognormal",
            Family::Beta { .. } => "beta",
        }
    }

    /// Sets one of the family's parameters (for sweeps of `path.field`); false if it has none
    /// of that name.
    pub fn set(&mut self, field: &str, value: f64) -> bool {
        let slot = match (self, field) {
            (Family::Uniform { low, .. }, "low") => low,
            (Family::Uniform { high, .. }, "high") => high,
            (Family::Normal { mean, .. }, "mean") => mean,
            (Family::Normal { sd, .. }, "sd") => sd,
            (Family::Lognormal { median, .. }, "median") => median,
            (Family::Lognormal { sd_log, .. }, "sd_log") => sd_log,
            (Family::Beta { alpha, .. }, "alpha") => alpha,
            (Family::Beta { beta, .. }, "beta") => beta,
            (Family::Beta { low, .. }, "low") => low,
            (Family::Beta { high, .. }, "high") => high,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Checks the family's parameters against the parameter's allowed range `[lo, hi]`;
    /// returns every problem as (field, message).
    pub fn check(&self, lo: f64, hi: f64) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut finite = |field: &'static str, x: f64| {
            if x.is_finite() {
                true
            } else {
                out.push((field, format!("{x} is not a finite number")));
                false
            }
        };
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let within = |x: f64| x >= lo && x <= hi;
        match *self {
            Family::Uniform { low, high } => {
                if finite("low", low) && finite("high", high) {
                    problems.extend(bounds_problem(low, high, lo, hi, false));
                }
            }
            Family::Normal { mean, sd } => {
                if finite("mean", mean) && finite("sd", sd) {
                    if !within(mean) {
                        problems.push((
                            "mean",
                            format!("{mean} is outside the parameter's range [{lo}, {hi}]"),
                        ));
                    }
                    if sd < 0.0 {
                        problems.push(("sd", format!("{sd} is negative; expected 0 or more")));
                    }
                }
            }
            Family::Lognormal { median, sd_log } => {
                if finite("median", median) && finite("sd_log", sd_log) {
                    if median <= 0.0 || !within(median) {
                        problems.push((
                            "median",
                            format!("{median} must be greater than 0 and within the parameter's range [{lo}, {hi}]"),
                        ));
                    }
                    if !(0.0..=MAX_SD_LOG).contains(&sd_log) {
                        problems.push((
                            "sd_log",
                            format!(
                                "{sd_log} is out of range; expected a number from 0 to {MAX_SD_LOG}"
                            ),
                        ));
                    }
                }
            }
            Family::Beta {
                alpha,
                beta,
                low,
                high,
            } => {
                if finite("alpha", alpha) && finite("beta", beta) {
                    for (field, x) in [("alpha", alpha), ("beta", beta)] {
                        if x <= 0.0 || x > 1e6 {
                            problems.push((field, format!("{x} is out of range; expected a number greater than 0 and at most 1000000")));
                        }
                    }
                }
                if finite("low", low) && finite("high", high) {
                    problems.extend(bounds_problem(low, high, lo, hi, true));
                }
            }
        }
        out.extend(problems);
        out
    }

    /// The value at probability `u` in (0, 1) of the distribution truncated to `[lo, hi]`.
    pub fn quantile(&self, u: f64, lo: f64, hi: f64) -> f64 {
        let x = match *self {
            Family::Uniform { low, high } => low + u * (high - low),
            Family::Normal { mean, sd } => truncated_normal(u, mean, sd, lo, hi),
            Family::Lognormal { median, sd_log } => {
                let ln_lo = if lo > 0.0 { lo.ln() } else { f64::NEG_INFINITY };
                truncated_normal(u, median.ln(), sd_log, ln_lo, hi.ln()).exp()
            }
            Family::Beta {
                alpha,
                beta,
                low,
                high,
            } => match Beta::new(alpha, beta) {
                Ok(b) => low + (high - low) * b.inverse_cdf(u),
                Err(_) => low,
            },
        };
        x.clamp(lo, hi)
    }
}

/// The u-quantile of Normal(mean, sd) truncated to [lo, hi]; the mean when sd = 0.
fn truncated_normal(u: f64, mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    let Ok(n) = Normal::new(mean, sd) else {
        return mean;
    };
    if sd == 0.0 {
        return mean;
    }
    let a = if lo == f64::NEG_INFINITY {
        0.0
    } else {
        n.cdf(lo)
    };
    let b = if hi == f64::INFINITY { 1.0 } else { n.cdf(hi) };
    if b - a <= 0.0 {
        // All the mass is beyond one end (only with a centre far outside, which validation
        // forbids): the nearer end.
        return if mean < lo { lo } else { hi };
    }
    n.inverse_cdf(a + u * (b - a))
}

/// "lognormal, median 1, sd_log 0.4": a family and its parameters, for people.
pub fn describe(f: &Family) -> String {
    match *f {
        Family::Uniform { low, high } => format!("uniform, low {low}, high {high}"),
        Family::Normal { mean, sd } => {
            format!("normal, mean {mean}, sd {sd} (truncated to the allowed range)")
        }
        Family::Lognormal { median, sd_log } => {
            format!("lognormal, median {median}, sd_log {sd_log} (truncated to the allowed range)")
        }
        Family::Beta {
            alpha,
            beta,
            low,
            high,
        } => {
            format!("beta, alpha {alpha}, beta {beta}, on [{low}, {high}]")
        }
    }
}

/// FNV-1a hash of a parameter path: a stable key for its sub-stream.
fn path_key(path: &str) -> u64 {
    path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Domain separator of the draws' sub-stream.
const DRAWS_STREAM: u64 = 0x4452_4157_5300_0001; // "DRAWS" 1

/// The uniform number in (0, 1) that trial `seed` uses for the parameter at `path`: a function
/// of the two only.
pub fn uniform_for(seed: u64, path: &str) -> f64 {
    let bits = splitmix64(seed ^ splitmix64(path_key(path) ^ DRAWS_STREAM));
    ((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// The allowed range of a numeric parameter as reals, and whether it is whole.
pub fn range_of(spec: &ParamSpec) -> Option<(f64, f64, bool)> {
    match spec.kind {
        Kind::Float { min, max } => Some((min, max, false)),
        // (0, max]: the smallest positive number stands for the open end.
        Kind::PositiveFloat { max } => Some((f64::MIN_POSITIVE, max, false)),
        Kind::Int { min, max } => Some((min as f64, max as f64, true)),
        Kind::Choice(_) => None,
    }
}

/// Parameters that cannot vary across communities because a rule ties them to another
/// parameter (the rule could not be checked for every drawn value before the run).
pub const FIXED_ONLY: &[(&str, &str)] = &[
    (
        "community.initial_participants",
        "the population includes the founding participants",
    ),
    (
        "community.population",
        "the population includes the founding participants",
    ),
    ("motivation.low", "a uniform motivation needs low < high"),
    ("motivation.high", "a uniform motivation needs low < high"),
    (
        "motivation.mean",
        "a truncated normal motivation needs mass in [0, 1]",
    ),
    (
        "motivation.sd",
        "a truncated normal motivation needs mass in [0, 1]",
    ),
    (
        "lifecycle.exploring_assets",
        "stage thresholds must not decrease",
    ),
    (
        "lifecycle.collaborating_assets",
        "stage thresholds must not decrease",
    ),
    (
        "lifecycle.formalising_assets",
        "stage thresholds must not decrease",
    ),
];

/// One parameter drawn per community.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draw {
    /// Dotted path of the parameter.
    pub path: String,
    #[serde(flatten)]
    pub family: Family,
    #[serde(skip)]
    lo: f64,
    #[serde(skip)]
    hi: f64,
    #[serde(skip)]
    whole: bool,
}

impl Draw {
    /// A draw of the parameter `spec` from `family`; None for a parameter that is not numeric.
    pub fn new(spec: &ParamSpec, family: Family) -> Option<Self> {
        let (lo, hi, whole) = range_of(spec)?;
        Some(Draw {
            path: spec.path.to_string(),
            family,
            lo,
            hi,
            whole,
        })
    }

    /// Problems with the family's parameters for this parameter's range.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        self.family.check(self.lo, self.hi)
    }

    /// The value for probability `u`, as the parameter's type.
    pub fn at(&self, u: f64) -> ParamValue {
        let x = self.family.quantile(u, self.lo, self.hi);
        if self.whole {
            ParamValue::Int(x.round().clamp(self.lo, self.hi) as i64)
        } else {
            ParamValue::Float(x)
        }
    }

    /// This trial's value.
    pub fn value(&self, trial_seed: u64) -> ParamValue {
        self.at(uniform_for(trial_seed, &self.path))
    }

    /// The distribution's median, as the parameter's type (the value shown as the base).
    pub fn median(&self) -> ParamValue {
        self.at(0.5)
    }
}

/// The problem with a family's bounds `[low, high]` within the parameter's range `[lo, hi]`:
/// outside it, or in the wrong order (`strict`: equal bounds are wrong too).
fn bounds_problem(
    low: f64,
    high: f64,
    lo: f64,
    hi: f64,
    strict: bool,
) -> Option<(&'static str, String)> {
    let within = |x: f64| x >= lo && x <= hi;
    if !within(low) || !within(high) {
        Some((
            "low",
            format!("[{low}, {high}] must lie within the parameter's range [{lo}, {hi}]"),
        ))
    } else if strict && low >= high {
        Some(("low", format!("low = {low} must be below high = {high}")))
    } else if low > high {
        Some(("low", format!("low = {low} is above high = {high}")))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameters::spec;

    fn draw(path: &str, family: Family) -> Draw {
        Draw::new(spec(path).unwrap(), family).unwrap()
    }

    #[test]
    fn degenerate_distributions_give_their_centre_exactly() {
        let d = draw(
            "core_idea.strength",
            Family::Lognormal {
                median: 1.3,
                sd_log: 0.0,
            },
        );
        let n = draw("core_idea.strength", Family::Normal { mean: 0.7, sd: 0.0 });
        let u = draw(
            "core_idea.strength",
            Family::Uniform {
                low: 0.25,
                high: 0.25,
            },
        );
        for seed in 0..100 {
            assert_eq!(d.value(seed), ParamValue::Float(1.3));
            assert_eq!(n.value(seed), ParamValue::Float(0.7));
            assert_eq!(u.value(seed), ParamValue::Float(0.25));
        }
    }

    #[test]
    fn quantiles_match_hand_values() {
        // Lognormal: median at u = 0.5; Φ⁻¹(0.975) = 1.959964 gives median·exp(0.4·1.96).
        let d = draw(
            "core_idea.strength",
            Family::Lognormal {
                median: 1.0,
                sd_log: 0.4,
            },
        );
        assert!((d.family.quantile(0.5, d.lo, d.hi) - 1.0).abs() < 1e-12);
        let q = d.family.quantile(0.975, d.lo, d.hi);
        assert!(
            (q - (0.4f64 * 1.959_963_984_540_054).exp()).abs() < 1e-9,
            "{q}"
        );
        // Normal truncated to [0, 1] at mean 0: the median of the half-normal is 0.6745·sd.
        let h = draw("core_idea.floor", Family::Normal { mean: 0.0, sd: 0.1 });
        let m = h.family.quantile(0.5, 0.0, 1.0);
        assert!((m - 0.067_448_975).abs() < 1e-8, "{m}");
        // Whole numbers are rounded.
        let w = draw(
            "host.patience",
            Family::Uniform {
                low: 2.0,
                high: 4.0,
            },
        );
        assert_eq!(w.at(0.3), ParamValue::Int(3));
        assert_eq!(w.at(0.1), ParamValue::Int(2));
    }

    #[test]
    fn the_draw_depends_only_on_seed_and_path() {
        assert_eq!(
            uniform_for(7, "host.patience"),
            uniform_for(7, "host.patience")
        );
        assert_ne!(
            uniform_for(7, "host.patience"),
            uniform_for(8, "host.patience")
        );
        assert_ne!(
            uniform_for(7, "host.patience"),
            uniform_for(7, "host.commitment")
        );
        for s in 0..10_000 {
            let u = uniform_for(s, "x");
            assert!(u > 0.0 && u < 1.0);
        }
    }

    #[test]
    fn bad_family_parameters_are_reported() {
        let d = draw(
            "core_idea.floor",
            Family::Uniform {
                low: 0.5,
                high: 1.5,
            },
        );
        assert_eq!(d.check().len(), 1);
        let d = draw(
            "core_idea.strength",
            Family::Lognormal {
                median: 0.0,
                sd_log: -1.0,
            },
        );
        assert_eq!(d.check().len(), 2);
        let d = draw(
            "core_idea.floor",
            Family::Beta {
                alpha: 0.0,
                beta: 2.0,
                low: 0.0,
                high: 1.0,
            },
        );
        assert_eq!(d.check().len(), 1);
    }
}
