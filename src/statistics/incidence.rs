//! Aalen-Johansen cumulative incidence of the two competing outcomes with its variance and a 95%
//! pointwise band, for data with right-censoring at any time (a real record, where communities
//! still running are censored at different times).
//!
//! # Estimator
//!
//! With `r_t` the all-cause risk set at week `t` (records whose time, whatever the outcome, is
//! `>= t`), `d_t = d^F_t + d^G_t` the outcomes at `t` and `S(t) = prod_{s <= t} (1 - d_s / r_s)`
//! the all-cause Kaplan-Meier (Aalen & Johansen 1978),
//!
//! ```text
//! F_k(t) = sum_{s <= t} S(s-1) d^k_s / r_s,      k in {fizzled, graduated}
//! ```
//!
//! the same point estimate as `survival.csv`'s `cif_*` columns (a censoring at `t` counts as
//! after the outcomes at `t`).
//!
//! # Variance and band
//!
//! The delta-method (Greenwood-type) variance of Collett (2015, *Modelling Survival Data in
//! Medical Research*, 3rd ed., p. 411; also SAS PROC LIFETEST), which is what lifelines'
//! `AalenJohansenFitter` computes:
//!
//! ```text
//! Var F_k(t) = sum_{s <= t} (F_k(t) - F_k(s))^2 d_s / (r_s (r_s - d_s))
//!            + sum_{s <= t} S(s-1)^2 d^k_s (r_s - d^k_s) / r_s^3
//!            - 2 sum_{s <= t} (F_k(t) - F_k(s)) S(s-1) d^k_s / r_s^2
//! ```
//!
//! A term of the first sum whose `r_s = d_s` (everyone left at risk ends at `s`) is 0: nobody is
//! at risk afterwards, so `F_k(t) = F_k(s)` for every later `t` (lifelines gives NaN there).
//! The 95% band is the log(-log) transform of `F`, as lifelines computes it, so it always lies
//! in `[0, 1]`: with `se = sqrt(Var) / (F |ln F|)`,
//! `[exp(-exp(ln(-ln F) + z se)), exp(-exp(ln(-ln F) - z se))]`; `[0, 0]` where `F = 0`,
//! `[1, 1]` where `F = 1`, `[F, F]` where the variance is 0.
//!
//! Why this one and not a bootstrap: it is closed-form (the band of a record is computed once
//! per command in microseconds, also inside calibration), deterministic, and matches a widely
//! used reference implementation to rounding, so it can be tested exactly. With a record of a
//! few hundred communities and cumulative incidences between 0.03 and 0.7, the normal
//! approximation on the log(-log) scale is adequate; a bootstrap would differ only in the far
//! tails where few records remain.

use super::Z_95;
use super::counts::{OutcomeCounts, at};
use super::survival::loglog_interval;

/// One outcome's cumulative incidence curve, one value per week `0..=steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidenceCurve {
    /// Aalen-Johansen estimate `F_k(t)`.
    pub estimate: Vec<f64>,
    /// Its delta-method variance (see the module documentation).
    pub variance: Vec<f64>,
    /// Lower end of the 95% pointwise log(-log) band.
    pub lower: Vec<f64>,
    /// Upper end of the 95% pointwise log(-log) band.
    pub upper: Vec<f64>,
}

/// The cumulative incidence of both outcomes, one value per week `0..=steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Incidence {
    /// All-cause risk set `r_t`.
    pub at_risk: Vec<u64>,
    pub fizzled: IncidenceCurve,
    pub graduated: IncidenceCurve,
}

/// The Aalen-Johansen cumulative incidence of fizzling and graduating, with variances and 95%
/// bands, from outcome counts with censoring at any time.
pub fn cumulative_incidence(c: &OutcomeCounts) -> Incidence {
    let risk = c.at_risk_any_outcome();
    let len = risk.len();
    // Per week: S(t-1), d_t, d^F_t, d^G_t (as f64) and the point estimates.
    let mut lag_s = vec![1.0; len];
    let mut f_fizzled = vec![0.0; len];
    let mut f_graduated = vec![0.0; len];
    let mut s = 1.0_f64;
    let (mut ff, mut fg) = (0.0_f64, 0.0_f64);
    for t in 0..len {
        lag_s[t] = s;
        let r = risk[t];
        if r > 0 {
            let (df, dg) = (at(&c.fizzled, t), at(&c.graduated, t));
            ff += s * df as f64 / r as f64;
            fg += s * dg as f64 / r as f64;
            let d = df + dg;
            s = if d >= r {
                0.0
            } else {
                s * (1.0 - d as f64 / r as f64)
            };
        }
        f_fizzled[t] = ff;
        f_graduated[t] = fg;
    }
    let curve = |estimate: Vec<f64>, own: &[u64]| {
        let variance = variance(&estimate, own, c, &risk, &lag_s);
        let (lower, upper) = estimate
            .iter()
            .zip(&variance)
            .map(|(&f, &v)| loglog_band(f, v, Z_95))
            .unzip();
        IncidenceCurve {
            estimate,
            variance,
            lower,
            upper,
        }
    };
    Incidence {
        fizzled: curve(f_fizzled, &c.fizzled),
        graduated: curve(f_graduated, &c.graduated),
        at_risk: risk,
    }
}

/// The delta-method variance of one outcome's curve `f` at every week (module documentation).
fn variance(f: &[f64], own: &[u64], c: &OutcomeCounts, risk: &[u64], lag_s: &[f64]) -> Vec<f64> {
    // Only weeks with an outcome contribute.
    let events: Vec<usize> = (0..f.len())
        .filter(|&s| risk[s] > 0 && at(&c.fizzled, s) + at(&c.graduated, s) > 0)
        .collect();
    let mut out = vec![0.0; f.len()];
    for (t, slot) in out.iter_mut().enumerate() {
        let mut v = 0.0;
        for &s in events.iter().take_while(|&&s| s <= t) {
            let r = risk[s] as f64;
            let d = (at(&c.fizzled, s) + at(&c.graduated, s)) as f64;
            let dk = at(own, s) as f64;
            let gap = f[t] - f[s];
            if risk[s] as f64 > d {
                v += gap * gap * d / (r * (r - d));
            }
            v += lag_s[s] * lag_s[s] * dk * (r - dk) / (r * r * r);
            v -= 2.0 * gap * lag_s[s] * dk / (r * r);
        }
        *slot = v;
    }
    out
}

/// The log(-log) band of a cumulative incidence `f` with variance `var` at normal quantile `z`:
/// `[exp(-exp(ln(-ln f) + z se)), exp(-exp(ln(-ln f) - z se))]`, `se = sqrt(var) / (f |ln f|)`.
/// `[0, 0]` where `f <= 0`, `[1, 1]` where `f >= 1`, `[f, f]` where the variance is not positive.
/// This is the Kaplan-Meier interval's formula ([`loglog_interval`]) with `var / f^2` in place of
/// Greenwood's variance of `ln S`.
pub fn loglog_band(f: f64, var: f64, z: f64) -> (f64, f64) {
    if f.is_nan() || f <= 0.0 {
        return (0.0, 0.0);
    }
    loglog_interval(f, var / (f * f), z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;
    use crate::statistics::survival_table;

    #[test]
    fn hand_computed_small_case() {
        // 4 records over 3 weeks: fizzled@1, graduated@1, censored@2, graduated@3.
        let c = OutcomeCounts::from_outcomes(
            3,
            [
                (Outcome::Fizzled, 1),
                (Outcome::Graduated, 1),
                (Outcome::Censored, 2),
                (Outcome::Graduated, 3),
            ],
        );
        let inc = cumulative_incidence(&c);
        assert_eq!(inc.at_risk, vec![4, 4, 2, 1]);
        // week 1: r = 4, S(0) = 1: F = 1/4 each; S(1) = 1/2. Week 3: r = 1, G += 1/2 * 1/1.
        assert_eq!(inc.fizzled.estimate, vec![0.0, 0.25, 0.25, 0.25]);
        assert_eq!(inc.graduated.estimate, vec![0.0, 0.25, 0.25, 0.75]);
        // Var F_G(1) = 0 + 1 * 1 * 3 / 64 - 0 = 3/64.
        assert!((inc.graduated.variance[1] - 3.0 / 64.0).abs() < 1e-15);
        // Var F_G(3): week 1: gap 0.5, d = 2, r = 4: 0.25 * 2 / 8 = 1/16; + 3/64; - 2*0.5*1/16 = -1/16.
        // week 3: r = d = 1: first term 0; + 0.25 * 1 * 0 / 1 = 0; - 0.
        assert!((inc.graduated.variance[3] - 3.0 / 64.0).abs() < 1e-15);
        // the point estimates are the run's (survival.csv) Aalen-Johansen estimates
        let table = survival_table(&c);
        for (t, row) in table.iter().enumerate() {
            assert_eq!(row.cif_fizzled, inc.fizzled.estimate[t]);
            assert_eq!(row.cif_graduated, inc.graduated.estimate[t]);
        }
    }

    #[test]
    fn band_edges() {
        assert_eq!(loglog_band(0.0, 0.1, Z_95), (0.0, 0.0));
        assert_eq!(loglog_band(1.0, 0.1, Z_95), (1.0, 1.0));
        assert_eq!(loglog_band(0.3, 0.0, Z_95), (0.3, 0.3));
        let (lo, hi) = loglog_band(0.3, 0.001, Z_95);
        assert!(lo < 0.3 && 0.3 < hi && hi < 1.0 && lo > 0.0);
    }
}
