//! Paired comparisons of variants for the plain answer (issue 14 item 4). Variants share random
//! numbers (trial `i` of every variant uses the same stream), so two variants are compared trial
//! by trial: McNemar's exact test on the paired graduation outcomes (McNemar 1947), and a paired
//! bootstrap (Efron & Tibshirani 1993, ch. 13) for the host's outlay per graduation. Differences
//! within noise make variants "equivalent" rather than one of them the best or the cheapest.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use statrs::distribution::{Binomial, DiscreteCDF};
use std::path::Path;

/// Two-sided exact McNemar p-value from the discordant pairs: `b` trials in which the first
/// variant graduated and the second did not, `c` the reverse. 1 when there are none.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let tail = Binomial::new(0.5, n)
        .map(|d| d.cdf(b.min(c)))
        .unwrap_or(1.0);
    (2.0 * tail).min(1.0)
}

/// The largest number of trial rows read for paired comparisons (about 10 bytes each in
/// memory); above it the answer falls back to unpaired intervals.
pub const MAX_PAIRED_ROWS: u64 = 20_000_000;

/// Each variant's trials, aligned by trial: graduated or not, and the host's outlay (spend plus
/// shortfall covered).
#[derive(Debug, Clone, PartialEq)]
pub struct PairedTrials {
    pub graduated: Vec<Vec<bool>>,
    pub outlay: Vec<Vec<f64>>,
}

impl PairedTrials {
    /// Reads `trials.csv` of a run of `variants` variants over trials `first..end`. `None` when
    /// the file is missing, unreadable, too large ([`MAX_PAIRED_ROWS`]) or not complete.
    pub fn read(path: &Path, variants: usize, first: u64, end: u64) -> Option<Self> {
        let n = end.checked_sub(first)? as usize;
        if (variants as u64).saturating_mul(n as u64) > MAX_PAIRED_ROWS {
            return None;
        }
        let mut reader = csv::Reader::from_path(path).ok()?;
        let headers = reader.headers().ok()?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (v_col, t_col, o_col) = (col("variant")?, col("trial")?, col("outcome")?);
        let (s_col, c_col) = (col("host_spend")?, col("host_covered")?);
        let mut graduated = vec![vec![false; n]; variants];
        let mut outlay = vec![vec![0.0; n]; variants];
        let mut seen = 0usize;
        for row in reader.records() {
            let row = row.ok()?;
            let v: usize = row.get(v_col)?.parse().ok()?;
            let t: u64 = row.get(t_col)?.parse().ok()?;
            let k = t.checked_sub(first)? as usize;
            let spend: f64 = row.get(s_col)?.parse().ok()?;
            let covered: f64 = row.get(c_col)?.parse().ok()?;
            *graduated.get_mut(v)?.get_mut(k)? = row.get(o_col)? == "graduated";
            outlay[v][k] = spend + covered;
            seen += 1;
        }
        (seen == variants * n).then_some(Self { graduated, outlay })
    }

    /// McNemar's p-value for variants `a` and `b` graduating equally often.
    pub fn graduation_p(&self, a: usize, b: usize) -> f64 {
        let (mut only_a, mut only_b) = (0u64, 0u64);
        for (x, y) in self.graduated[a].iter().zip(&self.graduated[b]) {
            match (x, y) {
                (true, false) => only_a += 1,
                (false, true) => only_b += 1,
                _ => {}
            }
        }
        mcnemar_exact(only_a, only_b)
    }

    /// The 95% paired-bootstrap interval of outlay per graduation of `a` minus that of `b`, from
    /// `resamples` resamples of the trials (the same trials for both) drawn from `seed`. `None`
    /// when more than 5% of the resamples lack a graduation in either variant.
    pub fn cost_difference(
        &self,
        a: usize,
        b: usize,
        resamples: usize,
        seed: u64,
    ) -> Option<(f64, f64)> {
        let n = self.graduated[a].len();
        if n == 0 || resamples == 0 {
            return None;
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut diffs = Vec::with_capacity(resamples);
        for _ in 0..resamples {
            let (mut cost_a, mut grad_a, mut cost_b, mut grad_b) = (0.0, 0u64, 0.0, 0u64);
            for _ in 0..n {
                let i = rng.random_range(0..n);
                cost_a += self.outlay[a][i];
                cost_b += self.outlay[b][i];
                grad_a += u64::from(self.graduated[a][i]);
                grad_b += u64::from(self.graduated[b][i]);
            }
            if grad_a > 0 && grad_b > 0 {
                diffs.push(cost_a / grad_a as f64 - cost_b / grad_b as f64);
            }
        }
        if (diffs.len() as f64) < 0.95 * resamples as f64 {
            return None;
        }
        diffs.sort_by(f64::total_cmp);
        let at = |q: f64| diffs[((diffs.len() - 1) as f64 * q).round() as usize];
        Some((at(0.025), at(0.975)))
    }
}

impl PairedTrials {
    /// Which of `others` cost as little per graduation as `cheapest` within noise: those whose
    /// paired-bootstrap interval of the difference ([`Self::cost_difference`], seeded by
    /// `seed`) reaches 0. The resamples are bounded in work (about 10^8 trial draws in all,
    /// at most 1000); with fewer than 200 to spare the test is not made and `None` returned.
    /// Otherwise the equivalent variants and the number of resamples. The plain answer's
    /// "as cheap within noise" and the ring in `cost.png` both come from here.
    pub fn as_cheap(
        &self,
        cheapest: usize,
        others: &[usize],
        seed: u64,
    ) -> Option<(Vec<usize>, usize)> {
        let n = self.graduated.get(cheapest)?.len().max(1);
        let resamples = (100_000_000 / (others.len().max(1) * n)).min(1000);
        if resamples < 200 {
            return None;
        }
        let same = others
            .iter()
            .copied()
            .filter(|&j| j != cheapest)
            .filter(|&j| {
                self.cost_difference(j, cheapest, resamples, seed)
                    .is_some_and(|(lo, _)| lo <= 0.0)
            })
            .collect();
        Some((same, resamples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_exact_matches_the_binomial_tail() {
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        assert_eq!(mcnemar_exact(3, 3), 1.0);
        // 0 of 6 discordant pairs one way: 2 * 0.5^6.
        assert!((mcnemar_exact(6, 0) - 0.03125).abs() < 1e-15);
        // 2 of 10: 2 * (1 + 10 + 45) / 1024.
        assert!((mcnemar_exact(2, 8) - 112.0 / 1024.0).abs() < 1e-12);
        assert_eq!(mcnemar_exact(8, 2), mcnemar_exact(2, 8));
    }

    #[test]
    fn identical_variants_are_equivalent_and_a_clear_gap_is_not() {
        let g: Vec<bool> = (0..400).map(|i| i % 3 == 0).collect();
        let cost: Vec<f64> = (0..400).map(|i| 10.0 + (i % 7) as f64).collect();
        let dearer: Vec<f64> = cost.iter().map(|c| c * 2.0).collect();
        let p = PairedTrials {
            graduated: vec![g.clone(), g.clone(), g.iter().map(|_| true).collect()],
            outlay: vec![cost.clone(), dearer, cost.clone()],
        };
        assert_eq!(p.graduation_p(0, 1), 1.0);
        assert!(p.graduation_p(0, 2) < 1e-6);
        // Twice the outlay for the same graduations: the interval lies well below 0.
        let (lo, hi) = p.cost_difference(0, 1, 500, 1).unwrap();
        assert!(hi < 0.0 && lo < hi, "{lo} {hi}");
        assert_eq!(p.cost_difference(0, 1, 500, 1), Some((lo, hi)));
        // variant 2 graduates always at the same outlay: cheaper per graduation than 0, and
        // 0 is as cheap as itself only; twice the outlay (1) is not as cheap as 0
        let twin = PairedTrials {
            graduated: vec![g.clone(), g.clone()],
            outlay: vec![cost.clone(), cost.clone()],
        };
        assert_eq!(twin.as_cheap(0, &[1], 7), Some((vec![1], 1000)));
        assert_eq!(p.as_cheap(0, &[1], 7), Some((vec![], 1000)));
    }
}
