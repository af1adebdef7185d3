//! Per-time outcome counts of one variant.

use serde::{Deserialize, Serialize};

use crate::Outcome;

/// Outcome counts of one variant at each integer time `0..=steps` (index = time).
///
/// Each vector has length `steps + 1`. Counts are exact and can be merged (shards, streaming):
/// every statistic in [`crate::statistics`] is a function of these counts alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// The horizon: the last time step of a trial.
    pub steps: u32,
    /// `fizzled[t]`: trials that fizzled at time `t`.
    pub fizzled: Vec<u64>,
    /// `graduated[t]`: trials that graduated at time `t`.
    pub graduated: Vec<u64>,
    /// `censored[t]`: trials still active when observation stopped at time `t` (`t = steps` in a
    /// simulation run).
    pub censored: Vec<u64>,
}

/// `v[t]`, or 0 when `t` is out of range (the estimators never index out of bounds, even on
/// hand-built counts whose vectors are too short).
#[inline]
pub(crate) fn at(v: &[u64], t: usize) -> u64 {
    v.get(t).copied().unwrap_or(0)
}

impl OutcomeCounts {
    /// Empty counts for a horizon of `steps`.
    pub fn new(steps: u32) -> Self {
        let len = steps as usize + 1;
        OutcomeCounts {
            steps,
            fizzled: vec![0; len],
            graduated: vec![0; len],
            censored: vec![0; len],
        }
    }

    /// Builds the counts of a list of `(outcome, time)` trials.
    pub fn from_outcomes<I: IntoIterator<Item = (Outcome, u32)>>(steps: u32, trials: I) -> Self {
        let mut counts = OutcomeCounts::new(steps);
        for (outcome, time) in trials {
            counts.record(outcome, time);
        }
        counts
    }

    /// Records one trial that ended with `outcome` at `time`.
    ///
    /// A censored trial is recorded at its time (always `steps` in a simulation run).
    ///
    /// # Panics
    ///
    /// If `time > steps`: a trial cannot end after the horizon.
    pub fn record(&mut self, outcome: Outcome, time: u32) {
        self.record_n(outcome, time, 1);
    }

    /// Records `n` trials that ended with `outcome` at `time`.
    ///
    /// # Panics
    ///
    /// If `time > steps`.
    pub fn record_n(&mut self, outcome: Outcome, time: u32, n: u64) {
        assert!(
            time <= self.steps,
            "outcome time {time} is after the horizon steps = {}",
            self.steps
        );
        let t = time as usize;
        let v = match outcome {
            Outcome::Fizzled => &mut self.fizzled,
            Outcome::Graduated => &mut self.graduated,
            Outcome::Censored => &mut self.censored,
        };
        if v.len() <= t {
            v.resize(self.steps as usize + 1, 0);
        }
        v[t] += n;
    }

    /// Adds `other`'s counts to these, element-wise (e.g. the shards of one variant).
    ///
    /// # Panics
    ///
    /// If the two horizons differ: counts of different horizons do not describe the same
    /// experiment. Check [`OutcomeCounts::steps`] first when merging user-supplied files.
    pub fn merge(&mut self, other: &OutcomeCounts) {
        assert_eq!(
            self.steps, other.steps,
            "cannot merge outcome counts of different horizons"
        );
        let len = self.steps as usize + 1;
        for (mine, theirs) in [
            (&mut self.fizzled, &other.fizzled),
            (&mut self.graduated, &other.graduated),
            (&mut self.censored, &other.censored),
        ] {
            mine.resize(len, 0);
            for (m, o) in mine.iter_mut().zip(theirs) {
                *m += o;
            }
        }
    }

    /// Number of trials recorded.
    pub fn trials(&self) -> u64 {
        self.fizzled.iter().sum::<u64>()
            + self.graduated.iter().sum::<u64>()
            + self.censored.iter().sum::<u64>()
    }

    /// Number of trials that ended with `outcome`, at any time.
    pub fn total(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Fizzled => self.fizzled.iter().sum(),
            Outcome::Graduated => self.graduated.iter().sum(),
            Outcome::Censored => self.censored.iter().sum(),
        }
    }

    /// Kaplan-Meier risk set of time-to-fizzle, for each time `0..=steps`: the number of trials
    /// whose survival duration is `>= t`. The survival duration is the fizzle time of a fizzled
    /// trial, the censoring time of a censored one, and `steps` for a graduated one.
    pub fn at_risk(&self) -> Vec<u64> {
        let graduated = self.total(Outcome::Graduated);
        suffix_sums(self.steps, |t| at(&self.fizzled, t) + at(&self.censored, t))
            .into_iter()
            .map(|n| n + graduated)
            .collect()
    }

    /// All-cause risk set of the first outcome, for each time `0..=steps`: the number of trials
    /// whose outcome time (fizzle, graduation or censoring time) is `>= t`.
    pub fn at_risk_any_outcome(&self) -> Vec<u64> {
        suffix_sums(self.steps, |t| {
            at(&self.fizzled, t) + at(&self.graduated, t) + at(&self.censored, t)
        })
    }
}

/// `out[t] = sum_{s >= t} f(s)` for `t` in `0..=steps`.
fn suffix_sums(steps: u32, f: impl Fn(usize) -> u64) -> Vec<u64> {
    let len = steps as usize + 1;
    let mut out = vec![0; len];
    let mut acc = 0;
    for t in (0..len).rev() {
        acc += f(t);
        out[t] = acc;
    }
    out
}

impl Extend<(Outcome, u32)> for OutcomeCounts {
    fn extend<I: IntoIterator<Item = (Outcome, u32)>>(&mut self, iter: I) {
        for (outcome, time) in iter {
            self.record(outcome, time);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_sets() {
        // steps 3: fizzle@1, graduate@1, fizzle@2, censored@3
        let c = OutcomeCounts::from_outcomes(
            3,
            [
                (Outcome::Fizzled, 1),
                (Outcome::Graduated, 1),
                (Outcome::Fizzled, 2),
                (Outcome::Censored, 3),
            ],
        );
        assert_eq!(c.trials(), 4);
        // the graduate stays at risk of fizzling to the horizon
        assert_eq!(c.at_risk(), vec![4, 4, 3, 2]);
        // but leaves the all-cause risk set after time 1
        assert_eq!(c.at_risk_any_outcome(), vec![4, 4, 2, 1]);
    }

    #[test]
    #[should_panic(expected = "after the horizon")]
    fn record_after_horizon_panics() {
        OutcomeCounts::new(2).record(Outcome::Fizzled, 3);
    }

    #[test]
    fn short_vectors_do_not_panic() {
        let c = OutcomeCounts {
            steps: 3,
            fizzled: vec![0, 1],
            graduated: vec![],
            censored: vec![0, 0, 0, 1],
        };
        assert_eq!(c.at_risk(), vec![2, 2, 1, 1]);
    }
}
