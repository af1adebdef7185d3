//! Variance-based (Sobol') sensitivity indices from Saltelli's design.
//!
//! The design takes a base sample of `2k` coordinates per point from a Sobol' sequence: the
//! first `k` make the point of matrix A, the last `k` that of matrix B. Each base point `i`
//! gives `k + 2` consecutive rows: A_i, then AB_i^(j) for j = 1..k (A_i with coordinate j taken
//! from B_i), then B_i, the layout of SALib's `sobol.sample(..., calc_second_order=False)`.
//!
//! From the outputs f, centred on their mean over the whole design, with V the variance of all A and B outputs (divisor n):
//! - first-order index (Saltelli et al. 2010, their eq. (b)):
//!   S_j = mean(f(B) (f(AB^j) - f(A))) / V;
//! - total index (Jansen 1999, Saltelli et al. 2010 eq. (f)):
//!   ST_j = mean((f(A) - f(AB^j))^2) / (2 V).
//!
//! Confidence: the base points are resampled with replacement `resamples` times, the indices
//! recomputed on each resample, and the half-width of the interval is z * (standard deviation
//! of the resampled indices, divisor m - 1), as SALib does.

use super::{Interval, z_value};
use crate::model::trial_rng;
use rand::RngExt;
use serde::Serialize;

/// Rows of the design per base point.
pub fn rows_per_point(k: usize) -> usize {
    k + 2
}

/// Saltelli's design in the unit hypercube: `n` base points (at most
/// [`crate::design::MAX_SOBOL_POINTS`]) of `k` parameters, `n (k + 2)` rows.
pub fn saltelli_design(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let base = crate::design::sobol(n, 2 * k, seed);
    saltelli_rows(&base, k)
}

/// Saltelli's rows from base points of `2k` coordinates (A from the first `k`, B from the rest).
pub fn saltelli_rows(base: &[Vec<f64>], k: usize) -> Vec<Vec<f64>> {
    let mut rows = Vec::with_capacity(base.len() * rows_per_point(k));
    for b in base {
        let a = &b[..k];
        let bb = &b[k..2 * k];
        rows.push(a.to_vec());
        for j in 0..k {
            let mut ab = a.to_vec();
            ab[j] = bb[j];
            rows.push(ab);
        }
        rows.push(bb.to_vec());
    }
    rows
}

/// One parameter's Sobol' indices with their confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolIndex {
    pub s1: Interval,
    pub st: Interval,
}

/// The outputs of a design, split by role: `a[i]`, `b[i]` and `ab[j][i]`.
struct Split {
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<Vec<f64>>,
}

fn split(y: &[f64], k: usize, keep: &[usize]) -> Split {
    let step = rows_per_point(k);
    Split {
        a: keep.iter().map(|&i| y[i * step]).collect(),
        b: keep.iter().map(|&i| y[i * step + k + 1]).collect(),
        ab: (0..k)
            .map(|j| keep.iter().map(|&i| y[i * step + 1 + j]).collect())
            .collect(),
    }
}

/// Variance (divisor n) of A and B outputs together; 0 when they are all equal.
fn variance(a: &[f64], b: &[f64]) -> f64 {
    let n = (a.len() + b.len()) as f64;
    let mean = a.iter().chain(b).sum::<f64>() / n;
    let v = a.iter().chain(b).map(|y| (y - mean).powi(2)).sum::<f64>() / n;
    let (lo, hi) = a
        .iter()
        .chain(b)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
            (l.min(*y), h.max(*y))
        });
    if hi - lo == 0.0 { 0.0 } else { v }
}

fn first_order(a: &[f64], ab: &[f64], b: &[f64], v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let n = a.len() as f64;
    a.iter()
        .zip(ab)
        .zip(b)
        .map(|((a, ab), b)| b * (ab - a))
        .sum::<f64>()
        / n
        / v
}

fn total_order(a: &[f64], ab: &[f64], v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let n = a.len() as f64;
    0.5 * a
        .iter()
        .zip(ab)
        .map(|(a, ab)| (a - ab).powi(2))
        .sum::<f64>()
        / n
        / v
}

/// The point estimates (S_j, ST_j) for every parameter from the base points in `keep`.
fn estimate(s: &Split) -> Vec<(f64, f64)> {
    let v = variance(&s.a, &s.b);
    s.ab.iter()
        .map(|ab| (first_order(&s.a, ab, &s.b, v), total_order(&s.a, ab, v)))
        .collect()
}

/// Sobol' indices of the `k` parameters from the outputs `y` of Saltelli's design (`n (k + 2)`
/// values, in design order). Base points with a missing output (NaN) in any of their rows are
/// left out. Returns `None` when fewer than two base points remain.
pub fn analyze(
    y: &[f64],
    k: usize,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<Vec<SobolIndex>> {
    let step = rows_per_point(k);
    let n = y.len() / step;
    let keep: Vec<usize> = (0..n)
        .filter(|&i| y[i * step..(i + 1) * step].iter().all(|v| v.is_finite()))
        .collect();
    if keep.len() < 2 {
        return None;
    }
    // Centred on the mean of every output used (as SALib does): the first-order estimator is
    // not invariant to a shift of the output, and centring removes that bias.
    let used: Vec<f64> = keep
        .iter()
        .flat_map(|&i| y[i * step..(i + 1) * step].iter().copied())
        .collect();
    let mean = used.iter().sum::<f64>() / used.len() as f64;
    let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let y = centred.as_slice();
    let point = estimate(&split(y, k, &keep));
    // Resamples of the kept base points, the same for every parameter.
    let mut rng = trial_rng(seed);
    let m = keep.len();
    let mut boot: Vec<Vec<(f64, f64)>> = Vec::with_capacity(resamples);
    let mut pick = vec![0usize; m];
    for _ in 0..resamples {
        for p in pick.iter_mut() {
            *p = keep[rng.random_range(0..m)];
        }
        boot.push(estimate(&split(y, k, &pick)));
    }
    let z = z_value(confidence);
    let half = |values: Vec<f64>| -> f64 {
        if values.len() < 2 {
            return f64::NAN;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        z * (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    Some(
        point
            .iter()
            .enumerate()
            .map(|(j, (s1, st))| SobolIndex {
                s1: Interval::around(*s1, half(boot.iter().map(|b| b[j].0).collect())),
                st: Interval::around(*st, half(boot.iter().map(|b| b[j].1).collect())),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_salib_layout() {
        let base = vec![vec![0.1, 0.2, 0.7, 0.8]];
        let rows = saltelli_rows(&base, 2);
        assert_eq!(
            rows,
            vec![
                vec![0.1, 0.2],
                vec![0.7, 0.2],
                vec![0.1, 0.8],
                vec![0.7, 0.8]
            ]
        );
    }

    #[test]
    fn additive_function_by_hand() {
        // f = x1 on two base points A = (0, *), B = (1, *): S1 = mean(B (AB - A)) / V.
        // Rows: A, AB1, AB2, B for each point; y = x1.
        let y = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0];
        // A = [0, 1], B = [1, 0], AB1 = [1, 0], AB2 = [0, 1]; V = 0.25.
        // S1_1 = mean([1*(1-0), 0*(0-1)]) / 0.25 = 0.5 / 0.25 = 2 (two points are few).
        let s = analyze(&y, 2, 10, 0.95, 1).unwrap();
        assert_eq!(s[0].s1.estimate, 2.0);
        // ST_1 = 0.5 mean([(0-1)^2, (1-0)^2]) / 0.25 = 2; parameter 2 does nothing.
        assert_eq!(s[0].st.estimate, 2.0);
        assert_eq!(s[1].s1.estimate, 0.0);
        assert_eq!(s[1].st.estimate, 0.0);
    }

    #[test]
    fn constant_output_gives_zero_and_missing_points_are_dropped() {
        let y = [3.0; 12];
        let s = analyze(&y, 1, 5, 0.95, 1).unwrap();
        assert_eq!(s[0].s1.estimate, 0.0);
        let mut y2 = y;
        y2[0] = f64::NAN;
        y2[4] = f64::NAN;
        assert!(analyze(&y2, 1, 5, 0.95, 1).is_some());
        y2[8] = f64::NAN;
        assert!(analyze(&y2, 1, 5, 0.95, 1).is_none());
    }
}
