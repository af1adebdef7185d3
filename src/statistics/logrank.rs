//! The k-sample log-rank test of time-to-fizzle.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::counts::{OutcomeCounts, at};
use super::linalg::quadratic_form_ginv;

/// Result of a log-rank test: one row of `logrank.csv` without the variant columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRank {
    /// The test statistic, `(O - E)ᵀ V⁻¹ (O - E)`; 0 when there is nothing to compare.
    pub chi2: f64,
    /// Degrees of freedom: the number of compared groups minus one (see [`logrank`] for which
    /// groups are compared).
    pub df: u32,
    /// `P(χ²_df >= chi2)`; 1 when there is nothing to compare. Always in `[0, 1]`.
    pub p_value: f64,
}

impl LogRank {
    fn nothing_to_compare(df: usize) -> Self {
        LogRank {
            chi2: 0.0,
            df: df as u32,
            p_value: 1.0,
        }
    }
}

/// The k-sample log-rank test (Mantel 1966; Peto & Peto 1972) that the groups have the same
/// time-to-fizzle distribution. With two groups it is the usual two-sample test.
///
/// Durations and events are those of the Kaplan-Meier survival (see
/// [`super::survival_table`]): fizzling is the event; graduates are censored at `steps`,
/// censored trials at their time. At each time `t` with `d > 0` fizzles among the `n` trials at
/// risk (group `j`: `d_j` of `n_j`), ties handled as in R's `survdiff` and lifelines'
/// `multivariate_logrank_test`:
///
/// ```text
/// O_j  = sum_t d_j
/// E_j  = sum_t d n_j / n
/// V_jl = sum_t d (n - d) / (n - 1) · (n_j / n) (δ_jl - n_l / n)      (terms with n <= 1 omitted)
/// chi2 = (O - E)ᵀ V⁻¹ (O - E)   over the first k - 1 groups,  df = k - 1
/// ```
///
/// and `p_value` is the upper tail of the chi-square distribution with `df` degrees of freedom.
///
/// Degenerate cases (documented choices, never NaN, never a panic):
///
/// * Groups with no trials are left out of the test, and `df` is reduced accordingly; so are
///   groups with no trial at risk at any fizzle time (`E_j = 0`, R's `survdiff` rule).
/// * No fizzle at all in any group, or fewer than two groups left: `chi2 = 0`, `p_value = 1`,
///   with `df` = (number of non-empty groups − 1) in the first case and 0 in the second.
/// * If `V` is singular although all groups took part (possible only when every fizzle time
///   empties its risk set, e.g. every trial fizzles at the same step), a generalized inverse is
///   used, as lifelines does (`pinv`); `df` stays k − 1.
///
/// Groups may have different horizons; a group is not at risk after its own `steps`.
pub fn logrank(groups: &[&OutcomeCounts]) -> LogRank {
    let active: Vec<&OutcomeCounts> = groups.iter().copied().filter(|g| g.trials() > 0).collect();
    let k = active.len();
    if k < 2 {
        return LogRank::nothing_to_compare(0);
    }
    let horizon = active.iter().map(|g| g.steps as usize).max().unwrap_or(0);
    let risk: Vec<Vec<u64>> = active.iter().map(|g| g.at_risk()).collect();

    let mut observed = vec![0.0_f64; k];
    let mut expected = vec![0.0_f64; k];
    let mut covariance = vec![0.0_f64; k * k];
    let mut any_event = false;
    for t in 0..=horizon {
        let d_j: Vec<u64> = active.iter().map(|g| at(&g.fizzled, t)).collect();
        let d: u64 = d_j.iter().sum();
        if d == 0 {
            continue;
        }
        let n_j: Vec<u64> = risk.iter().map(|r| at(r, t)).collect();
        let n: u64 = n_j.iter().sum();
        if n == 0 {
            continue; // inconsistent hand-built counts: events with nobody at risk
        }
        any_event = true;
        let (df, nf) = (d as f64, n as f64);
        for j in 0..k {
            observed[j] += d_j[j] as f64;
            expected[j] += df * n_j[j] as f64 / nf;
        }
        if n > 1 && d < n {
            let weight = df * (nf - df) / (nf - 1.0);
            for j in 0..k {
                let pj = n_j[j] as f64 / nf;
                for l in 0..k {
                    let pl = n_j[l] as f64 / nf;
                    let delta = if j == l { 1.0 } else { 0.0 };
                    covariance[j * k + l] += weight * pj * (delta - pl);
                }
            }
        }
    }
    if !any_event {
        return LogRank::nothing_to_compare(k - 1);
    }

    let kept: Vec<usize> = (0..k).filter(|&j| expected[j] > 0.0).collect();
    if kept.len() < 2 {
        return LogRank::nothing_to_compare(0);
    }
    let tested = &kept[..kept.len() - 1];
    let m = tested.len();
    let diff: Vec<f64> = tested.iter().map(|&j| observed[j] - expected[j]).collect();
    let mut matrix = Vec::with_capacity(m * m);
    for &j in tested {
        for &l in tested {
            matrix.push(covariance[j * k + l]);
        }
    }
    let chi2 = quadratic_form_ginv(matrix, diff);
    let chi2 = if chi2.is_finite() { chi2 } else { 0.0 };
    let df = m;
    let p_value = if chi2 <= 0.0 {
        1.0
    } else {
        match ChiSquared::new(df as f64) {
            Ok(dist) => dist.sf(chi2).clamp(0.0, 1.0),
            Err(_) => 1.0,
        }
    };
    LogRank {
        chi2,
        df: df as u32,
        p_value,
    }
}
