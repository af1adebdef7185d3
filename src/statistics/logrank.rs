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
    logrank_within(groups, usize::MAX).unwrap_or(LogRank::nothing_to_compare(0))
}

/// Size up to which `V` is inverted as it stands (and always when it is no larger than the
/// number of fizzle times): small sweeps keep exactly the arithmetic of the direct method.
const DIRECT_MAX: usize = 64;

/// [`logrank`], computed in time linear in the number of groups, or `None` when the linear
/// algebra would need a matrix larger than `max_dim` x `max_dim` (both the number of groups and
/// the number of fizzle times exceed `max_dim`).
///
/// `V` is `diag(a) - P W Pᵀ` with `a_j = sum_t w_t p_jt`, `p_jt = n_j / n` at the fizzle times
/// `t` and `w_t = d (n - d) / (n - 1)`: a diagonal matrix less one term per fizzle time. With
/// more groups than fizzle times, the Woodbury identity gives
/// `bᵀ V⁻¹ b = sum_j b_j² / a_j + yᵀ M⁻¹ y` with `y = Pᵀ A⁻¹ b` and `M = W⁻¹ - Pᵀ A⁻¹ P`, a
/// matrix of one row per fizzle time. Groups with `a_j = 0` (at risk only where `w_t = 0`)
/// have a zero row in `V` and are left out of the quadratic form, as the generalized inverse of
/// the direct method leaves them out.
pub fn logrank_within(groups: &[&OutcomeCounts], max_dim: usize) -> Option<LogRank> {
    let active: Vec<&OutcomeCounts> = groups.iter().copied().filter(|g| g.trials() > 0).collect();
    let k = active.len();
    if k < 2 {
        return Some(LogRank::nothing_to_compare(0));
    }
    let horizon = active.iter().map(|g| g.steps as usize).max().unwrap_or(0);
    let risk: Vec<Vec<u64>> = active.iter().map(|g| g.at_risk()).collect();

    let mut observed = vec![0.0_f64; k];
    let mut expected = vec![0.0_f64; k];
    let mut weighted: Vec<Weighted> = Vec::new();
    let mut any_event = false;
    for t in 0..=horizon {
        let d: u64 = active.iter().map(|g| at(&g.fizzled, t)).sum();
        if d == 0 {
            continue;
        }
        let n: u64 = risk.iter().map(|r| at(r, t)).sum();
        if n == 0 {
            continue; // inconsistent hand-built counts: events with nobody at risk
        }
        any_event = true;
        let (df, nf) = (d as f64, n as f64);
        for j in 0..k {
            observed[j] += at(&active[j].fizzled, t) as f64;
            expected[j] += df * at(&risk[j], t) as f64 / nf;
        }
        if n > 1 && d < n {
            weighted.push((t, nf, df * (nf - df) / (nf - 1.0)));
        }
    }
    if !any_event {
        return Some(LogRank::nothing_to_compare(k - 1));
    }

    let kept: Vec<usize> = (0..k).filter(|&j| expected[j] > 0.0).collect();
    if kept.len() < 2 {
        return Some(LogRank::nothing_to_compare(0));
    }
    let tested = &kept[..kept.len() - 1];
    let m = tested.len();
    let diff: Vec<f64> = tested.iter().map(|&j| observed[j] - expected[j]).collect();
    let chi2 = if m <= weighted.len().max(DIRECT_MAX) {
        if m > max_dim {
            return None;
        }
        direct_form(tested, diff, &weighted, &risk)
    } else {
        if weighted.len() > max_dim {
            return None;
        }
        woodbury_form(tested, &diff, &weighted, &risk)
    };
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
    Some(LogRank {
        chi2,
        df: df as u32,
        p_value,
    })
}

/// A fizzle time that adds to the variance: (week, at risk, `w_t = d (n - d) / (n - 1)`).
type Weighted = (usize, f64, f64);

/// Group `j`'s share of those at risk at a fizzle time, `p_jt`.
fn share(risk: &[Vec<u64>], j: usize, &(t, n, _): &Weighted) -> f64 {
    at(&risk[j], t) as f64 / n
}

/// `bᵀ V⁻¹ b` with `V` built directly: one row per tested group.
fn direct_form(tested: &[usize], diff: Vec<f64>, weighted: &[Weighted], risk: &[Vec<u64>]) -> f64 {
    let m = tested.len();
    let mut matrix = vec![0.0_f64; m * m];
    for time in weighted {
        let weight = time.2;
        for (a, &j) in tested.iter().enumerate() {
            let pj = share(risk, j, time);
            for (b, &l) in tested.iter().enumerate() {
                let pl = share(risk, l, time);
                let delta = if j == l { 1.0 } else { 0.0 };
                matrix[a * m + b] += weight * pj * (delta - pl);
            }
        }
    }
    quadratic_form_ginv(matrix, diff)
}

/// `bᵀ V⁻¹ b` by the Woodbury identity: one row per fizzle time (see [`logrank_within`]).
fn woodbury_form(tested: &[usize], diff: &[f64], weighted: &[Weighted], risk: &[Vec<u64>]) -> f64 {
    let tp = weighted.len();
    let mut base = 0.0;
    let mut y = vec![0.0_f64; tp];
    let mut big_m = vec![0.0_f64; tp * tp];
    let mut column = vec![0.0_f64; tp];
    for (&j, &b) in tested.iter().zip(diff) {
        let a: f64 = weighted
            .iter()
            .map(|time| time.2 * share(risk, j, time))
            .sum();
        if a <= 0.0 {
            continue;
        }
        base += b * b / a;
        for (s, time) in weighted.iter().enumerate() {
            column[s] = share(risk, j, time);
            y[s] += column[s] * b / a;
        }
        for s in 0..tp {
            if column[s] == 0.0 {
                continue;
            }
            let ps = column[s] / a;
            for u in 0..tp {
                big_m[s * tp + u] -= ps * column[u];
            }
        }
    }
    for (s, time) in weighted.iter().enumerate() {
        big_m[s * tp + s] += 1.0 / time.2;
    }
    base + quadratic_form_ginv(big_m, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups with different fizzle-time distributions, from a small fixed generator.
    fn groups(k: usize, steps: u32) -> Vec<OutcomeCounts> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..k)
            .map(|g| {
                let mut c = OutcomeCounts::new(steps);
                for _ in 0..60 {
                    let r = next();
                    let t = (r % u64::from(steps + 1)) as usize;
                    match (r >> 20) % (3 + g as u64 % 4) {
                        0 | 1 => c.fizzled[t] += 1,
                        2 => c.graduated[t] += 1,
                        _ => c.censored[steps as usize] += 1,
                    }
                }
                c
            })
            .collect()
    }

    #[test]
    fn the_linear_method_equals_the_direct_one() {
        // 300 groups over 12 weeks: more groups than fizzle times, so the Woodbury form is
        // used; compared with the direct method, V built entry by entry as documented.
        let g = groups(300, 12);
        let refs: Vec<&OutcomeCounts> = g.iter().collect();
        let fast = logrank(&refs);
        // The direct method on the same data: V built entry by entry.
        let direct = {
            let risk: Vec<Vec<u64>> = g.iter().map(|c| c.at_risk()).collect();
            let k = g.len();
            let (mut o, mut e) = (vec![0.0; k], vec![0.0; k]);
            let mut v = vec![0.0; k * k];
            for t in 0..=12 {
                let d: u64 = g.iter().map(|c| c.fizzled[t]).sum();
                let n: u64 = risk.iter().map(|r| r[t]).sum();
                if d == 0 || n == 0 {
                    continue;
                }
                let (df, nf) = (d as f64, n as f64);
                for j in 0..k {
                    o[j] += g[j].fizzled[t] as f64;
                    e[j] += df * risk[j][t] as f64 / nf;
                }
                if n > 1 && d < n {
                    let w = df * (nf - df) / (nf - 1.0);
                    for j in 0..k {
                        for l in 0..k {
                            let (pj, pl) = (risk[j][t] as f64 / nf, risk[l][t] as f64 / nf);
                            v[j * k + l] += w * pj * (f64::from(u8::from(j == l)) - pl);
                        }
                    }
                }
            }
            let m = k - 1;
            let sub: Vec<f64> = (0..m)
                .flat_map(|j| (0..m).map(move |l| (j, l)))
                .map(|(j, l)| v[j * k + l])
                .collect();
            let b: Vec<f64> = (0..m).map(|j| o[j] - e[j]).collect();
            quadratic_form_ginv(sub, b)
        };
        assert_eq!(fast.df, 299);
        assert!(
            (fast.chi2 - direct).abs() <= 1e-9 * direct,
            "{} against {direct}",
            fast.chi2
        );
    }

    #[test]
    fn too_large_a_problem_is_declined() {
        let g = groups(300, 12);
        let refs: Vec<&OutcomeCounts> = g.iter().collect();
        assert!(logrank_within(&refs, 5).is_none());
        assert!(logrank_within(&refs, 13).is_some());
        assert!(logrank_within(&refs[..3], 5).is_some());
    }
}
