//! Sampled designs: points in the unit hypercube (Latin hypercube, Sobol', independent random)
//! and the mapping of a unit coordinate onto a parameter's range (uniform or log-uniform, whole
//! numbers where the parameter is whole, or one of a list of choices).
//!
//! The designs are seeded and reproducible: the same seed gives the same points on every
//! machine. `[sample]` tables of `hothouse run` and the designs of `hothouse sensitivity` are
//! built from these.

use crate::model::trial_rng;
use crate::parameters::ParamValue;
use rand::RngExt;
use serde::Serialize;

/// The largest number of points a Sobol' design may take from one sequence (the sequence of
/// `sobol_burley` is 2^16 points long).
pub const MAX_SOBOL_POINTS: usize = 1 << 16;

/// How points are placed in the unit hypercube.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Latin hypercube: each coordinate's n values fall one in each of n equal strata.
    Lhs,
    /// An Owen-scrambled Sobol' sequence (low discrepancy).
    Sobol,
    /// Independent uniform draws.
    Random,
}

impl Method {
    pub const NAMES: &'static [&'static str] = &["lhs", "sobol", "random"];

    pub fn from_name(name: &str) -> Option<Method> {
        match name {
            "lhs" => Some(Method::Lhs),
            "sobol" => Some(Method::Sobol),
            "random" => Some(Method::Random),
            _ => None,
        }
    }

    /// `n` points of `dims` coordinates in [0, 1), from `seed`.
    pub fn points(self, n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
        match self {
            Method::Lhs => latin_hypercube(n, dims, seed),
            Method::Sobol => sobol(n, dims, seed),
            Method::Random => random(n, dims, seed),
        }
    }
}

/// How a unit coordinate maps onto a parameter's values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Range {
    /// A number in `[low, high]`: uniform, or log-uniform (`log`, with `low > 0`); a whole
    /// number (`integer`) is uniform over the whole numbers `low..=high` (log-uniform over
    /// `[low, high + 1)`, rounded down).
    Number {
        low: f64,
        high: f64,
        log: bool,
        integer: bool,
    },
    /// One of a list of names, each equally likely.
    Choice { choices: Vec<String> },
}

impl Range {
    /// The parameter value at unit coordinate `u` in [0, 1] (1 maps to the top of the range).
    pub fn value(&self, u: f64) -> ParamValue {
        let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, 1.0) };
        match self {
            Range::Number {
                low,
                high,
                log,
                integer: false,
            } => ParamValue::Float(if u == 1.0 {
                *high
            } else if *log {
                (low.ln() + u * (high.ln() - low.ln()))
                    .exp()
                    .clamp(*low, *high)
            } else {
                (low + u * (high - low)).clamp(*low, *high)
            }),
            Range::Number {
                low,
                high,
                log,
                integer: true,
            } => {
                let top = high + 1.0;
                let x = if *log {
                    (low.ln() + u * (top.ln() - low.ln())).exp()
                } else {
                    low + u * (top - low)
                };
                ParamValue::Int(x.floor().clamp(*low, *high) as i64)
            }
            Range::Choice { choices } => {
                let k = choices.len().max(1);
                let i = ((u * k as f64).floor() as usize).min(k - 1);
                ParamValue::Text(choices.get(i).cloned().unwrap_or_default())
            }
        }
    }

    /// "0.5 to 4 (log-uniform)", "one of \"beta\", \"uniform\"", for messages and docs.
    pub fn describe(&self) -> String {
        match self {
            Range::Number {
                low,
                high,
                log,
                integer,
            } => format!(
                "{low} to {high}{}",
                match (log, integer) {
                    (true, true) => " (whole numbers, log-uniform)",
                    (true, false) => " (log-uniform)",
                    (false, true) => " (whole numbers)",
                    (false, false) => "",
                }
            ),
            Range::Choice { choices } => format!(
                "one of {}",
                choices
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Latin hypercube: in every coordinate, point `i` falls in stratum `perm[i]` of `n` equal
/// strata, at a uniform place inside it; each coordinate has its own random permutation.
pub fn latin_hypercube(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = trial_rng(seed);
    let mut points = vec![vec![0.0; dims]; n];
    let mut perm: Vec<usize> = (0..n).collect();
    for d in 0..dims {
        // Fisher-Yates shuffle, written out so that the draws are fixed by this code alone.
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            perm.swap(i, j);
        }
        for (i, p) in points.iter_mut().enumerate() {
            let jitter: f64 = rng.random();
            p[d] = (perm[i] as f64 + jitter) / n as f64;
        }
    }
    points
}

/// Independent uniform points.
pub fn random(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = trial_rng(seed);
    (0..n)
        .map(|_| (0..dims).map(|_| rng.random::<f64>()).collect())
        .collect()
}

/// The first `n` points (at most [`MAX_SOBOL_POINTS`]) of an Owen-scrambled Sobol' sequence in
/// `dims` dimensions, scrambled by `seed` (Burley's hash-based scrambling, `sobol_burley`).
/// Dimensions beyond the crate's 256 take the next block of 256 with another scrambling seed.
pub fn sobol(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let nd = sobol_burley::NUM_DIMENSIONS as usize;
    let block_seed = |block: usize| -> u32 {
        (crate::model::splitmix64(seed ^ (block as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 32)
            as u32
    };
    (0..n.min(MAX_SOBOL_POINTS))
        .map(|i| {
            (0..dims)
                .map(|d| {
                    f64::from(sobol_burley::sample(
                        i as u32,
                        (d % nd) as u32,
                        block_seed(d / nd),
                    ))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_has_one_point_per_stratum() {
        let pts = latin_hypercube(50, 3, 7);
        for d in 0..3 {
            let mut strata: Vec<usize> = pts.iter().map(|p| (p[d] * 50.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..50).collect::<Vec<_>>());
        }
        assert_eq!(pts, latin_hypercube(50, 3, 7));
        assert_ne!(pts, latin_hypercube(50, 3, 8));
    }

    #[test]
    fn sobol_points_fill_strata_evenly() {
        // A (0, m, s)-net in base 2 in each dimension: 64 points put one in each of 64 strata.
        let pts = sobol(64, 5, 3);
        for d in 0..5 {
            let mut strata: Vec<usize> = pts.iter().map(|p| (p[d] * 64.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..64).collect::<Vec<_>>());
        }
        // Beyond 256 dimensions the next block is scrambled differently.
        let wide = sobol(4, 300, 3);
        assert_ne!(wide[1][0], wide[1][256]);
    }

    #[test]
    fn random_points_are_reproducible_and_in_the_cube() {
        let pts = random(100, 4, 1);
        assert!(pts.iter().flatten().all(|u| (0.0..1.0).contains(u)));
        assert_eq!(pts, random(100, 4, 1));
    }

    #[test]
    fn ranges_map_the_unit_interval() {
        let lin = Range::Number {
            low: 1.0,
            high: 3.0,
            log: false,
            integer: false,
        };
        assert_eq!(lin.value(0.0), ParamValue::Float(1.0));
        assert_eq!(lin.value(0.25), ParamValue::Float(1.5));
        assert_eq!(lin.value(1.0), ParamValue::Float(3.0));
        let log = Range::Number {
            low: 1.0,
            high: 100.0,
            log: true,
            integer: false,
        };
        match log.value(0.5) {
            ParamValue::Float(x) => assert!((x - 10.0).abs() < 1e-12),
            other => panic!("{other:?}"),
        }
        // Whole numbers 2..=5: four equal quarters of the unit interval.
        let int = Range::Number {
            low: 2.0,
            high: 5.0,
            log: false,
            integer: true,
        };
        let got: Vec<_> = [0.0, 0.24, 0.25, 0.5, 0.99, 1.0]
            .iter()
            .map(|u| int.value(*u))
            .collect();
        let want: Vec<_> = [2, 2, 3, 4, 5, 5]
            .into_iter()
            .map(ParamValue::Int)
            .collect();
        assert_eq!(got, want);
        let choice = Range::Choice {
            choices: vec!["a".into(), "b".into()],
        };
        assert_eq!(choice.value(0.49), ParamValue::Text("a".into()));
        assert_eq!(choice.value(1.0), ParamValue::Text("b".into()));
    }
}
