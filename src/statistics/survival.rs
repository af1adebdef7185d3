//! Kaplan-Meier survival, its log(-log) interval, Aalen-Johansen cumulative incidence, and the
//! per-variant summary.

use serde::{Deserialize, Serialize};

use super::Z_95;
use super::counts::{OutcomeCounts, at};
use super::proportion::wilson_interval;
use crate::Outcome;

/// Slack allowed when looking for the median: the first time at which `survival <= 0.5 +
/// MEDIAN_TOLERANCE`, so that a product that lands on 0.5000000000000002 does not move it a step.
pub const MEDIAN_TOLERANCE: f64 = 1e-9;

/// One row of `survival.csv` (without the variant): the estimates at time `time`.
///
/// Field names are the CSV column names, so the row serializes directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalRow {
    /// Time step `t`, `0..=steps`.
    pub time: u32,
    /// Kaplan-Meier risk set `n_t`: trials whose survival duration (fizzle time; censoring time;
    /// `steps` for a graduate) is `>= t`.
    pub at_risk: u64,
    /// Trials that fizzled at `t` (`d_t`, the Kaplan-Meier events).
    pub fizzled: u64,
    /// Trials that graduated at `t` (their real time, as used by the cumulative incidence).
    pub graduated: u64,
    /// Trials censored at `t`.
    pub censored: u64,
    /// Kaplan-Meier `S(t)`: probability of not having fizzled by time `t`.
    pub survival: f64,
    /// Lower end of the 95% log(-log) interval of `S(t)`.
    pub survival_lower: f64,
    /// Upper end of the 95% log(-log) interval of `S(t)`.
    pub survival_upper: f64,
    /// Aalen-Johansen cumulative incidence of fizzling by time `t`.
    pub cif_fizzled: f64,
    /// Aalen-Johansen cumulative incidence of graduating by time `t`.
    pub cif_graduated: f64,
}

/// One row of `summary.csv` (without the variant and its parameters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of trials.
    pub trials: u64,
    /// Trials that graduated.
    pub graduated: u64,
    /// Trials that fizzled.
    pub fizzled: u64,
    /// Trials still active at the horizon.
    pub censored: u64,
    /// `graduated / trials` (0 when there are no trials).
    pub p_graduate: f64,
    /// Lower end of the 95% Wilson score interval of `p_graduate` (0 when there are no trials).
    pub p_graduate_lower: f64,
    /// Upper end of the 95% Wilson score interval of `p_graduate` (1 when there are no trials).
    pub p_graduate_upper: f64,
    /// First time `t` at which `S(t) <= 0.5` (up to [`MEDIAN_TOLERANCE`]); `None` when survival
    /// never falls that low within the horizon.
    pub median_survival: Option<u32>,
    /// Restricted mean survival time: the area under the Kaplan-Meier step function from 0 to
    /// `steps`.
    pub rmst: f64,
}

/// The Kaplan-Meier survival table of time-to-fizzle with its 95% log(-log) interval and the
/// Aalen-Johansen cumulative incidence of both outcomes: one row per time `0..=steps`.
///
/// # Kaplan-Meier (Kaplan & Meier 1958)
///
/// With `n_t` the risk set at `t` (trials whose survival duration is `>= t`; a graduate's
/// survival duration is `steps`) and `d_t` the trials that fizzled at `t`,
///
/// ```text
/// S(t) = prod_{s <= t} (1 - d_s / n_s)
/// ```
///
/// so `S(0) = 1` (no trial ends at time 0). A time with an empty risk set contributes a factor 1.
///
/// # Interval (Greenwood 1926; Kalbfleisch & Prentice, log(-log) transform)
///
/// Greenwood's sum `V(t) = sum_{s <= t} d_s / (n_s (n_s - d_s))` estimates `Var(ln S(t))`; on the
/// log(-log) scale the standard error is `se(t) = sqrt(V(t)) / |ln S(t)|` and, with
/// `z = Φ⁻¹(0.975)`,
///
/// ```text
/// lower = exp(-exp(ln(-ln S) + z se)),   upper = exp(-exp(ln(-ln S) - z se))
/// ```
///
/// ("exponential Greenwood", the default of lifelines and Stata). The interval always lies in
/// `[0, 1]` and contains `S`; it is `[1, 1]` where `S = 1` (before any fizzle) and `[0, 0]` where
/// `S = 0`. See [`loglog_interval`].
///
/// # Cumulative incidence (Aalen & Johansen 1978)
///
/// Fizzling (`F`) and graduating (`G`) compete. With `r_t` the all-cause risk set (trials whose
/// outcome time, whatever the outcome, is `>= t`) and the all-cause Kaplan-Meier
/// `S_all(t) = prod_{s <= t} (1 - (d^F_s + d^G_s) / r_s)`, `S_all(-1) = 1`,
///
/// ```text
/// CIF_k(t) = sum_{s <= t} S_all(s - 1) d^k_s / r_s,   k in {F, G}
/// ```
///
/// With censoring only at the horizon this is the plain cumulative count over the trials, and
/// `1 - S(t) = CIF_F(t)`.
pub fn survival_table(c: &OutcomeCounts) -> Vec<SurvivalRow> {
    let km_risk = c.at_risk();
    let all_risk = c.at_risk_any_outcome();
    let mut rows = Vec::with_capacity(km_risk.len());

    let mut survival = 1.0_f64;
    let mut greenwood = 0.0_f64;
    let mut survival_all = 1.0_f64;
    let mut cif_fizzled = 0.0_f64;
    let mut cif_graduated = 0.0_f64;

    for (t, (&n, &r)) in km_risk.iter().zip(&all_risk).enumerate() {
        let fizzled = at(&c.fizzled, t);
        let graduated = at(&c.graduated, t);
        let censored = at(&c.censored, t);

        // Kaplan-Meier and Greenwood.
        if fizzled > 0 && n > 0 {
            if fizzled >= n {
                survival = 0.0;
            } else {
                survival *= (n - fizzled) as f64 / n as f64;
                greenwood += fizzled as f64 / (n as f64 * (n - fizzled) as f64);
            }
        }
        let (survival_lower, survival_upper) = loglog_interval(survival, greenwood, Z_95);

        // Aalen-Johansen.
        if r > 0 {
            let events = fizzled + graduated;
            cif_fizzled += survival_all * fizzled as f64 / r as f64;
            cif_graduated += survival_all * graduated as f64 / r as f64;
            if events >= r {
                survival_all = 0.0;
            } else {
                survival_all *= (r - events) as f64 / r as f64;
            }
        }

        rows.push(SurvivalRow {
            time: t as u32,
            at_risk: n,
            fizzled,
            graduated,
            censored,
            survival,
            survival_lower,
            survival_upper,
            cif_fizzled: cif_fizzled.min(1.0),
            cif_graduated: cif_graduated.min(1.0),
        });
    }
    rows
}

/// The log(-log) ("exponential Greenwood") confidence interval of a Kaplan-Meier estimate
/// `survival` whose Greenwood sum is `greenwood = sum d/(n(n-d))`, at normal quantile `z`
/// (Kalbfleisch & Prentice):
///
/// ```text
/// se = sqrt(greenwood) / |ln S|
/// lower = exp(-exp(ln(-ln S) + z se)),   upper = exp(-exp(ln(-ln S) - z se))
/// ```
///
/// Returns `[1, 1]` when `S >= 1`, `[0, 0]` when `S <= 0`, and `[S, S]` when the variance is 0.
/// The result is clamped so that `0 <= lower <= S <= upper <= 1`; it is never NaN for finite
/// inputs.
pub fn loglog_interval(survival: f64, greenwood: f64, z: f64) -> (f64, f64) {
    if survival.is_nan() || survival <= 0.0 {
        return (0.0, 0.0);
    }
    if survival >= 1.0 {
        return (1.0, 1.0);
    }
    if !greenwood.is_finite() || greenwood <= 0.0 {
        return (survival, survival);
    }
    let log_s = survival.ln(); // < 0
    let se = greenwood.sqrt() / -log_s;
    let centre = (-log_s).ln();
    let half = z.abs() * se;
    let lower = (-(centre + half).exp()).exp();
    let upper = (-(centre - half).exp()).exp();
    (lower.clamp(0.0, survival), upper.clamp(survival, 1.0))
}

/// The per-variant summary: outcome totals, the graduation probability with its 95% Wilson score
/// interval, the median survival time and the restricted mean survival time.
///
/// * `p_graduate = graduated / trials`, interval by [`wilson_interval`] (Wilson 1927).
/// * `median_survival`: the first `t` with `S(t) <= 0.5 + 1e-9`; `None` if never reached.
/// * `rmst = sum_{t=0}^{steps-1} S(t)`: the area under the Kaplan-Meier step function on
///   `[0, steps]` (`S` is constant on each `[t, t + 1)`).
///
/// With no trials at all, `p_graduate` is 0 with interval `[0, 1]` (nothing is known), survival
/// is 1 at every time (empty risk sets contribute no events), so `median_survival` is `None` and
/// `rmst = steps`. No field is ever NaN.
pub fn summarize(c: &OutcomeCounts) -> Summary {
    let trials = c.trials();
    let graduated = c.total(Outcome::Graduated);
    let fizzled = c.total(Outcome::Fizzled);
    let censored = c.total(Outcome::Censored);
    let p_graduate = if trials == 0 {
        0.0
    } else {
        graduated as f64 / trials as f64
    };
    let (p_graduate_lower, p_graduate_upper) = wilson_interval(graduated, trials, Z_95);

    let table = survival_table(c);
    let median_survival = table
        .iter()
        .find(|row| row.survival <= 0.5 + MEDIAN_TOLERANCE)
        .map(|row| row.time);
    let rmst = table
        .iter()
        .take(c.steps as usize)
        .map(|row| row.survival)
        .sum();

    Summary {
        trials,
        graduated,
        fizzled,
        censored,
        p_graduate,
        p_graduate_lower,
        p_graduate_upper,
        median_survival,
        rmst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loglog_edges() {
        assert_eq!(loglog_interval(1.0, 0.0, Z_95), (1.0, 1.0));
        assert_eq!(loglog_interval(0.0, f64::INFINITY, Z_95), (0.0, 0.0));
        assert_eq!(loglog_interval(0.5, 0.0, Z_95), (0.5, 0.5));
        let (lo, hi) = loglog_interval(0.5, 0.1, Z_95);
        assert!(0.0 < lo && lo < 0.5 && 0.5 < hi && hi < 1.0);
    }

    #[test]
    fn empty_counts_are_finite() {
        let c = OutcomeCounts::new(4);
        let s = summarize(&c);
        assert_eq!(s.trials, 0);
        assert_eq!(
            (s.p_graduate, s.p_graduate_lower, s.p_graduate_upper),
            (0.0, 0.0, 1.0)
        );
        assert_eq!(s.median_survival, None);
        assert_eq!(s.rmst, 4.0);
        for row in survival_table(&c) {
            assert_eq!(row.survival, 1.0);
            assert_eq!((row.cif_fizzled, row.cif_graduated), (0.0, 0.0));
        }
    }
}
