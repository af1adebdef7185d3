//! Exact per-variant sums of what the host paid, for cost-effectiveness: the mean outlay per
//! community and per graduation.
//!
//! Each trial's amounts are rounded to a millionth of the money unit (a thousandth of a pound)
//! and summed as integers, so a run's totals are the same bits whatever the thread count, shard
//! layout or resume point: integer addition does not depend on order.

use crate::model::{FizzleCause, TrialResult};
use crate::outcome::Outcome;
use serde::{Deserialize, Serialize};

const MICRO: f64 = 1e6;

/// The host's money summed over a variant's trials, in millionths of the money unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostTotals {
    /// Sum of `host_spend` (facilitation).
    #[serde(with = "as_text")]
    pub spend_micro: u128,
    /// Sum of `host_covered` (operating shortfall paid).
    #[serde(with = "as_text")]
    pub covered_micro: u128,
    /// Sum of the whole outlay (spend + covered) over the trials that graduated.
    #[serde(with = "as_text")]
    pub graduated_outlay_micro: u128,
    /// Trials that fizzled, by cause in the order of [`FizzleCause::ALL`] (everyone left, too
    /// few active, out of money). Not money, but summed, checkpointed and merged the same way.
    #[serde(default)]
    pub fizzled_by_cause: [u64; 3],
}

fn micro(x: f64) -> u128 {
    // Amounts are finite and non-negative; `as` saturates anything else to 0 or u128::MAX.
    (x * MICRO).round() as u128
}

impl HostTotals {
    /// Adds one trial.
    pub fn add(&mut self, r: &TrialResult) {
        let spend = micro(r.host_spend);
        let covered = micro(r.host_covered);
        self.spend_micro = self.spend_micro.saturating_add(spend);
        self.covered_micro = self.covered_micro.saturating_add(covered);
        if let Some(k) = r
            .cause
            .and_then(|c| FizzleCause::ALL.iter().position(|&x| x == c))
        {
            self.fizzled_by_cause[k] += 1;
        }
        if r.outcome == Outcome::Graduated {
            self.graduated_outlay_micro = self
                .graduated_outlay_micro
                .saturating_add(spend.saturating_add(covered));
        }
    }

    /// Adds another variant part (a shard, a resumed part).
    pub fn merge(&mut self, other: &HostTotals) {
        self.spend_micro = self.spend_micro.saturating_add(other.spend_micro);
        self.covered_micro = self.covered_micro.saturating_add(other.covered_micro);
        self.graduated_outlay_micro = self
            .graduated_outlay_micro
            .saturating_add(other.graduated_outlay_micro);
        for (a, b) in self.fizzled_by_cause.iter_mut().zip(other.fizzled_by_cause) {
            *a += b;
        }
    }

    /// Mean facilitation spend per trial.
    pub fn mean_spend(&self, trials: u64) -> f64 {
        per(self.spend_micro, trials)
    }

    /// Mean operating shortfall paid per trial.
    pub fn mean_covered(&self, trials: u64) -> f64 {
        per(self.covered_micro, trials)
    }

    /// The host's whole outlay (over all trials, graduated or not) per graduation: what a
    /// graduation costs the host on average. `None` without graduations.
    pub fn outlay_per_graduate(&self, graduated: u64) -> Option<f64> {
        (graduated > 0).then(|| {
            per(
                self.spend_micro.saturating_add(self.covered_micro),
                graduated,
            )
        })
    }
}

fn per(total_micro: u128, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        total_micro as f64 / MICRO / n as f64
    }
}

/// u128 as a JSON string (JSON numbers are not safe beyond 2^53 in most readers).
pub(crate) mod as_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_and_order_free() {
        let mut a = HostTotals::default();
        let mut b = HostTotals::default();
        a.spend_micro = 1_250_000; // 1.25
        a.covered_micro = 250_000; // 0.25
        b.spend_micro = 750_000; // 0.75
        b.graduated_outlay_micro = 1_000_000;
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.mean_spend(4), 0.5);
        assert_eq!(ab.mean_covered(2), 0.125);
        // (2.0 + 0.25) over 3 graduations
        assert_eq!(ab.outlay_per_graduate(3), Some(0.75));
        assert_eq!(ab.outlay_per_graduate(0), None);
        let json = serde_json::to_string(&ab).unwrap();
        assert_eq!(serde_json::from_str::<HostTotals>(&json).unwrap(), ab);
    }

    #[test]
    fn micro_rounds_to_a_millionth() {
        assert_eq!(micro(0.4), 400_000);
        assert_eq!(micro(20.79999999999999), 20_800_000);
        assert_eq!(micro(0.0), 0);
    }
}
