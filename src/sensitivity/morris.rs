//! Morris's elementary effects (Morris 1991; mu* of Campolongo, Cariboni and Saltelli 2007).
//!
//! A trajectory starts at a random point of a grid of `p` levels {0, 1/(p-1), ..., 1} in the
//! unit hypercube and moves one parameter at a time, in random order, by the step
//! Δ = p / (2 (p - 1)), up or down so that it stays inside the cube: `k + 1` points. The
//! elementary effect of parameter j in a trajectory is (f(x + Δ e_j) - f(x)) / Δ, taken in the
//! direction of increasing x_j. Over `r` trajectories:
//! - mu = mean of the effects, mu* = mean of their absolute values, sigma = their standard
//!   deviation (divisor r - 1);
//! - confidence in mu*: the effects are resampled with replacement and the half-width of the
//!   interval is z * (standard deviation of the resampled mu*, divisor m - 1), as SALib does.

use super::{Interval, z_value};
use crate::model::trial_rng;
use rand::RngExt;
use serde::Serialize;

/// The step between points of a trajectory for `levels` grid levels (an even number >= 2).
pub fn delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `r` trajectories of `k + 1` points each in the unit hypercube, for `levels` grid levels
/// (even), from `seed`.
pub fn trajectories(r: usize, k: usize, levels: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = trial_rng(seed);
    let grid = (levels - 1) as f64;
    // A step of Δ is levels/2 grid levels; a trajectory going up starts at one of the
    // levels 0 .. levels/2 - 1, one going down at one of levels/2 .. levels - 1.
    let starts = levels / 2;
    let mut rows = Vec::with_capacity(r * (k + 1));
    let mut order: Vec<usize> = (0..k).collect();
    for _ in 0..r {
        // Integer grid levels, so that the same level always gives the same bits.
        let mut level: Vec<usize> = Vec::with_capacity(k);
        let mut up: Vec<bool> = Vec::with_capacity(k);
        for _ in 0..k {
            let low = rng.random_range(0..starts);
            let goes_up = rng.random::<bool>();
            level.push(if goes_up { low } else { low + starts });
            up.push(goes_up);
        }
        for i in (1..k).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let point =
            |level: &[usize]| -> Vec<f64> { level.iter().map(|l| *l as f64 / grid).collect() };
        rows.push(point(&level));
        for &j in &order {
            if up[j] {
                level[j] += starts;
            } else {
                level[j] -= starts;
            }
            rows.push(point(&level));
        }
    }
    rows
}

/// One parameter's Morris measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisIndex {
    pub mu: f64,
    /// mu* with its bootstrap confidence interval.
    pub mu_star: Interval,
    pub sigma: f64,
    /// How many elementary effects went into the measures (fewer than the trajectories when
    /// an output is missing at some point).
    pub effects: usize,
}

/// The elementary effects of each of the `k` parameters, from the design `x` (any scale: only
/// the direction in which each coordinate moved is used) and its outputs `y`, for `levels`
/// grid levels. Effects involving a missing output (NaN) are left out.
pub fn elementary_effects(x: &[Vec<f64>], y: &[f64], k: usize, levels: usize) -> Vec<Vec<f64>> {
    let step = delta(levels);
    let mut effects = vec![Vec::new(); k];
    for (xs, ys) in x.chunks_exact(k + 1).zip(y.chunks_exact(k + 1)) {
        for s in 0..k {
            let (before, after) = (&xs[s], &xs[s + 1]);
            let Some(j) = (0..k).find(|&j| after[j] != before[j]) else {
                continue;
            };
            let change = ys[s + 1] - ys[s];
            if !change.is_finite() {
                continue;
            }
            let e = if after[j] > before[j] {
                change
            } else {
                -change
            } / step;
            effects[j].push(e);
        }
    }
    effects
}

/// Morris measures of the `k` parameters from the design `x` (r trajectories of k + 1 rows)
/// and its outputs `y`.
pub fn analyze(
    x: &[Vec<f64>],
    y: &[f64],
    k: usize,
    levels: usize,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Vec<MorrisIndex> {
    let z = z_value(confidence);
    let mut rng = trial_rng(seed);
    elementary_effects(x, y, k, levels)
        .into_iter()
        .map(|ee| {
            let n = ee.len();
            if n == 0 {
                return MorrisIndex {
                    mu: f64::NAN,
                    mu_star: Interval::around(f64::NAN, f64::NAN),
                    sigma: f64::NAN,
                    effects: 0,
                };
            }
            let nf = n as f64;
            let mu = ee.iter().sum::<f64>() / nf;
            let mu_star = ee.iter().map(|e| e.abs()).sum::<f64>() / nf;
            let sigma = if n > 1 {
                (ee.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
            } else {
                f64::NAN
            };
            let boot: Vec<f64> = (0..resamples)
                .map(|_| {
                    (0..n)
                        .map(|_| ee[rng.random_range(0..n)].abs())
                        .sum::<f64>()
                        / nf
                })
                .collect();
            let half = if boot.len() > 1 {
                let m = boot.len() as f64;
                let mean = boot.iter().sum::<f64>() / m;
                z * (boot.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt()
            } else {
                f64::NAN
            };
            MorrisIndex {
                mu,
                mu_star: Interval::around(mu_star, half),
                sigma,
                effects: n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_one_coordinate_by_delta_on_the_grid() {
        let k = 5;
        let rows = trajectories(30, k, 4, 11);
        assert_eq!(rows.len(), 30 * (k + 1));
        let grid = [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0];
        for t in rows.chunks_exact(k + 1) {
            let mut moved = vec![false; k];
            for w in t.windows(2) {
                let changed: Vec<usize> = (0..k).filter(|&j| w[0][j] != w[1][j]).collect();
                assert_eq!(changed.len(), 1);
                let j = changed[0];
                assert!((w[1][j] - w[0][j]).abs() - 2.0 / 3.0 < 1e-15);
                moved[j] = true;
            }
            assert!(moved.iter().all(|m| *m));
            assert!(t.iter().flatten().all(|u| grid.contains(u)));
        }
        assert_eq!(rows, trajectories(30, k, 4, 11));
    }

    #[test]
    fn linear_function_has_its_slopes_as_effects() {
        // f = 3 x0 - 2 x1 + 0 x2: every elementary effect equals the slope.
        let k = 3;
        let x = trajectories(8, k, 4, 5);
        let y: Vec<f64> = x.iter().map(|p| 3.0 * p[0] - 2.0 * p[1]).collect();
        let m = analyze(&x, &y, k, 4, 100, 0.95, 1);
        assert!((m[0].mu - 3.0).abs() < 1e-12 && (m[0].mu_star.estimate - 3.0).abs() < 1e-12);
        assert!((m[1].mu + 2.0).abs() < 1e-12 && (m[1].mu_star.estimate - 2.0).abs() < 1e-12);
        assert!(m[0].sigma < 1e-12 && m[0].mu_star.upper - m[0].mu_star.lower < 1e-12);
        assert_eq!(m[2].mu_star.estimate, 0.0);
        assert_eq!(m[2].effects, 8);
    }
}
