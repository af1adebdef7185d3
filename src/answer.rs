//! What a run says in words: the summary table printed after `run` and `merge`, and the plain
//! answer under it ("In short: ..."), which names the best and worst odds and the cheapest
//! graduation together with the variants that do as well within noise.
//!
//! The text is built here, in the library, so that it is tested without the binary and so that
//! the cost picture rings the same variants as the text names ([`cheapest_within_noise`]).

use crate::simulation::RunReport;
use crate::statistics::{PairedTrials, Summary};

/// `x` with `decimals`, or "-" when it is not a finite number (never "NaN" or "inf").
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "-".to_string()
    }
}

/// "1 week", "104 weeks".
pub fn weeks(n: u32) -> String {
    if n == 1 {
        "1 week".to_string()
    } else {
        format!("{n} weeks")
    }
}

/// A p-value for people: "<0.001", "0.042", or "-" when undefined.
pub fn p_text(p: f64) -> String {
    if !p.is_finite() {
        "-".to_string()
    } else if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// A share as a whole percentage, "-" when undefined.
fn pct(p: f64) -> String {
    if p.is_finite() {
        format!("{:.0}%", 100.0 * p)
    } else {
        "-".to_string()
    }
}

/// The lines printed after a run: the table of variants, the log-rank test across them, the
/// columns' meaning, and the plain answer (or, for a shard, why there is none).
pub fn summary_lines(r: &RunReport) -> Vec<String> {
    let mut lines = table(r);
    // No fizzling anywhere: the log-rank tests compare nothing.
    let any_fizzled = r.summaries.iter().any(|s| s.fizzled > 0);
    if !any_fizzled && r.summaries.len() > 1 {
        lines.push(format!(
            "log-rank tests: none, since no community fizzled in any variant within {}",
            weeks(r.manifest.steps)
        ));
    } else if let Some((_, _, t)) = r.logrank.iter().find(|(_, b, _)| b == "all") {
        lines.push(format!(
            "log-rank test across all variants: chi2 = {}, df = {}, p = {}",
            fixed(t.chi2, 2),
            t.df,
            p_text(t.p_value)
        ));
    }
    lines.push(
        "median = median weeks to fizzle (Kaplan-Meier; \"not hit\" when fewer than half fizzled within the horizon);\nRMST = mean weeks not fizzled within the horizon;\nhost £k/grad = the host's whole outlay (facilitation and operating shortfall), in thousands of pounds, per graduation"
            .to_string(),
    );
    match r.manifest.shard {
        Some(sh) => lines.push(format!(
            "(shard {}/{}: no conclusion is drawn from part of the trials; `hothouse merge` the shards for it)",
            sh.index, sh.count
        )),
        None => lines.extend(plain_answer(r)),
    }
    lines
}

/// One row per variant, columns aligned however long the variants' labels are.
fn table(r: &RunReport) -> Vec<String> {
    let width = r.labels.iter().map(String::len).max().unwrap_or(0).max(12);
    let any_fizzled = r.summaries.iter().any(|s| s.fizzled > 0);
    let mut lines = vec![format!(
        "{:>7}  {:<width$} {:>8} {:>24} {:>9} {:>8} {:>11} {:>12}",
        "variant",
        "swept values",
        "trials",
        "P(graduate) [95% CI]",
        "median",
        "RMST",
        "log-rank p",
        "host £k/grad"
    )];
    let p_vs_0 = |v: usize| -> String {
        r.logrank
            .iter()
            .find(|(a, b, _)| a == "0" && *b == v.to_string())
            .filter(|_| any_fizzled)
            .map(|(_, _, t)| p_text(t.p_value))
            .unwrap_or_else(|| "-".into())
    };
    for (i, s) in r.summaries.iter().enumerate() {
        lines.push(format!(
            "{:>7}  {:<width$} {:>8} {:>24} {:>9} {:>8} {:>11} {:>12}",
            i,
            r.labels.get(i).map(String::as_str).unwrap_or(""),
            s.trials,
            format!(
                "{} [{}, {}]",
                fixed(s.p_graduate, 3),
                fixed(s.p_graduate_lower, 3),
                fixed(s.p_graduate_upper, 3)
            ),
            s.median_survival
                .map(|t| format!("{t} wk"))
                .unwrap_or_else(|| "not hit".into()),
            fixed(s.rmst, 1),
            if i == 0 {
                "(ref)".to_string()
            } else {
                p_vs_0(i)
            },
            r.outlay_per_graduate(i)
                .map(|x| fixed(x, 1))
                .unwrap_or_else(|| "-".into())
        ));
    }
    lines
}

/// A plain-language answer: the odds, and which variant gives the best and worst odds and the
/// cheapest graduation. Cases without an answer (nothing ended, nothing graduated) say so.
pub fn plain_answer(r: &RunReport) -> Vec<String> {
    let within = weeks(r.manifest.steps);
    let share = |n: u64, of: u64| pct(n as f64 / of.max(1) as f64);
    let all = &r.summaries;
    let trials: u64 = all.iter().map(|s| s.trials).sum();
    let censored: u64 = all.iter().map(|s| s.censored).sum();
    if trials > 0 && censored == trials {
        return vec![format!(
            "In short: every community was still running after {within}: none graduated or fizzled, so there is no answer yet; raise `steps`."
        )];
    }
    if all.len() == 1 {
        let s = &all[0];
        let still = if s.censored > 0 {
            format!(
                "; {} were still running at the horizon",
                share(s.censored, s.trials)
            )
        } else {
            String::new()
        };
        return vec![format!(
            "In short: {} of communities graduate within {within} (95% CI {} to {}), {} fizzle out{still}.",
            pct(s.p_graduate),
            pct(s.p_graduate_lower),
            pct(s.p_graduate_upper),
            share(s.fizzled, s.trials)
        )];
    }
    if all.iter().all(|s| s.graduated == 0) {
        let upper = all
            .iter()
            .map(|s| s.p_graduate_upper)
            .fold(0.0f64, f64::max);
        return vec![format!(
            "In short: no community graduated within {within} in any variant (at most {} by the 95% intervals); compare how long they last (median, RMST).",
            pct(upper)
        )];
    }
    let (first, end) = r.manifest.trial_range;
    let paired = if r.manifest.trials_csv {
        PairedTrials::read(&r.out.join("trials.csv"), all.len(), first, end)
    } else {
        None
    };
    let mut lines = odds_within_noise(r, paired.as_ref(), &within);
    lines.extend(cost_within_noise(r, paired.as_ref()));
    lines
}

/// Names listed in one "within noise" sentence at most; the rest are counted.
const MAX_LISTED: usize = 10;

/// "A (variant 4, 46%), B (variant 7, 45%)", at most [`MAX_LISTED`] of them.
fn listed(items: &[usize], each: impl Fn(usize) -> String) -> String {
    let mut text: Vec<String> = items.iter().take(MAX_LISTED).map(|&i| each(i)).collect();
    if items.len() > MAX_LISTED {
        text.push(format!("and {} more", items.len() - MAX_LISTED));
    }
    text.join(", ")
}

/// The first variant with the highest odds of graduating, and the first with the lowest.
fn extremes(all: &[Summary]) -> (usize, usize) {
    let pick = |better: fn(f64, f64) -> bool| {
        (0..all.len()).fold(0, |k, i| {
            if better(all[i].p_graduate, all[k].p_graduate) {
                i
            } else {
                k
            }
        })
    };
    (pick(|a, b| a > b), pick(|a, b| a < b))
}

/// The best and worst odds, with the variants whose odds are the same within noise: McNemar's
/// exact test on the paired trials (variants share random numbers) when `trials.csv` is there,
/// overlapping 95% intervals otherwise.
fn odds_within_noise(r: &RunReport, paired: Option<&PairedTrials>, within: &str) -> Vec<String> {
    let all = &r.summaries;
    let label = |i: usize| r.labels.get(i).cloned().unwrap_or_default();
    let same_odds = |i: usize, j: usize| match paired {
        Some(p) => i == j || p.graduation_p(i, j) >= 0.05,
        None => {
            all[i].p_graduate_lower <= all[j].p_graduate_upper
                && all[j].p_graduate_lower <= all[i].p_graduate_upper
        }
    };
    let how = if paired.is_some() {
        "paired McNemar test on the same trials, p >= 0.05"
    } else {
        "overlapping 95% intervals; no trials.csv for a paired test"
    };
    let (bi, wi) = extremes(all);
    // Those with odds equal to variant k's within noise, nearest first.
    let alike = |k: usize| -> Vec<usize> {
        let mut v: Vec<usize> = (0..all.len())
            .filter(|&j| j != k && same_odds(k, j))
            .collect();
        v.sort_by(|a, b| {
            let (da, db) = (all[*a].p_graduate, all[*b].p_graduate);
            (da - all[k].p_graduate)
                .abs()
                .total_cmp(&(db - all[k].p_graduate).abs())
        });
        v
    };
    let as_good = alike(bi);
    if as_good.len() + 1 == all.len() {
        let (lo, hi) = (pct(all[wi].p_graduate), pct(all[bi].p_graduate));
        let range = if lo == hi {
            lo
        } else {
            format!("{lo} to {hi}")
        };
        return vec![format!(
            "In short: all {} variants have the same odds of graduating within {within}, within noise ({how}): {range}.",
            all.len()
        )];
    }
    let cost = |i: usize| {
        r.outlay_per_graduate(i)
            .filter(|x| x.is_finite())
            .map(|x| format!(", £{x:.1}k of host outlay per graduation"))
            .unwrap_or_default()
    };
    let odds = |i: usize| format!("{} (variant {i}, {})", label(i), pct(all[i].p_graduate));
    let mut lines = vec![format!(
        "In short: the best odds of graduating within {within} are {} with {} (variant {bi}{}); the worst, {} with {} (variant {wi}{}).",
        pct(all[bi].p_graduate),
        label(bi),
        cost(bi),
        pct(all[wi].p_graduate),
        label(wi),
        cost(wi)
    )];
    if !as_good.is_empty() {
        lines.push(format!(
            "As good as the best within noise ({how}): {}.",
            listed(&as_good, odds)
        ));
    }
    let as_bad = alike(wi);
    if !as_bad.is_empty() {
        lines.push(format!(
            "As bad as the worst within noise: {}.",
            listed(&as_bad, odds)
        ));
    }
    lines
}

/// The variant where the host pays least per graduation, and the variants as cheap within noise.
#[derive(Debug, Clone, PartialEq)]
pub struct Cheapest {
    /// The variant with the lowest outlay per graduation (the first of equals).
    pub index: usize,
    /// Its outlay per graduation, in thousands of pounds.
    pub outlay: f64,
    /// Variants whose paired-bootstrap 95% interval of the difference in outlay per graduation
    /// against `index` includes 0, cheapest first.
    pub as_cheap: Vec<usize>,
    /// Bootstrap resamples used; `None` when the difference was not tested (no paired trials,
    /// or too many trials times variants to resample at least 200 times).
    pub resamples: Option<usize>,
}

/// The cheapest variant per graduation and those as cheap within noise. `outlays[i]` is variant
/// `i`'s host outlay per graduation (`None` without graduations); `paired` the run's trials
/// for the paired bootstrap ([`PairedTrials::as_cheap`], the rule the cost picture rings by too),
/// seeded by `seed`. `None` when no variant has a finite outlay per graduation.
pub fn cheapest_within_noise(
    outlays: &[Option<f64>],
    paired: Option<&PairedTrials>,
    seed: u64,
) -> Option<Cheapest> {
    let costs: Vec<(usize, f64)> = outlays
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.filter(|c| c.is_finite()).map(|c| (i, c)))
        .collect();
    let &(index, outlay) = costs.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let others: Vec<usize> = costs.iter().map(|c| c.0).filter(|&j| j != index).collect();
    let tested = paired.and_then(|p| p.as_cheap(index, &others, seed));
    let mut as_cheap: Vec<(usize, f64)> = tested
        .as_ref()
        .map(|(same, _)| {
            same.iter()
                .map(|&j| (j, outlays[j].unwrap_or(f64::INFINITY)))
                .collect()
        })
        .unwrap_or_default();
    as_cheap.sort_by(|a, b| a.1.total_cmp(&b.1));
    Some(Cheapest {
        index,
        outlay,
        as_cheap: as_cheap.into_iter().map(|(j, _)| j).collect(),
        resamples: tested.map(|(_, resamples)| resamples),
    })
}

/// Where the host pays least per graduation, and which variants are as cheap within noise.
fn cost_within_noise(r: &RunReport, paired: Option<&PairedTrials>) -> Vec<String> {
    let outlays: Vec<Option<f64>> = (0..r.summaries.len())
        .map(|i| r.outlay_per_graduate(i))
        .collect();
    let Some(c) = cheapest_within_noise(&outlays, paired, r.manifest.seed) else {
        return Vec::new();
    };
    let label = |i: usize| r.labels.get(i).cloned().unwrap_or_default();
    let finite = outlays.iter().flatten().filter(|x| x.is_finite()).count();
    let note = if c.resamples.is_none() && finite > 1 {
        " (not tested against noise: that needs trials.csv)"
    } else {
        ""
    };
    let mut lines = vec![format!(
        "Per graduation, the host pays least with {} (variant {}): £{:.1}k{note}.",
        label(c.index),
        c.index,
        c.outlay
    )];
    if let (Some(resamples), false) = (c.resamples, c.as_cheap.is_empty()) {
        let price = |i: usize| {
            format!(
                "{} (variant {i}, £{:.1}k)",
                label(i),
                outlays[i].unwrap_or(f64::NAN)
            )
        };
        lines.push(format!(
            "As cheap within noise (paired bootstrap, {resamples} resamples: the 95% interval of the difference includes 0): {}.",
            listed(&c.as_cheap, price)
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(fixed(0.12345, 3), "0.123");
        assert_eq!(fixed(f64::NAN, 3), "-");
        assert_eq!(fixed(f64::INFINITY, 1), "-");
        assert_eq!(weeks(1), "1 week");
        assert_eq!(weeks(104), "104 weeks");
        assert_eq!(p_text(0.0004), "<0.001");
        assert_eq!(p_text(0.0421), "0.042");
        assert_eq!(p_text(f64::NAN), "-");
        assert_eq!(pct(0.456), "46%");
    }

    #[test]
    fn listing_stops_at_ten_and_counts_the_rest() {
        let items: Vec<usize> = (0..12).collect();
        let text = listed(&items, |i| format!("v{i}"));
        assert_eq!(text, "v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, and 2 more");
    }

    /// 400 trials: variant 0 costs 10-16 a trial, variant 1 the same give or take 2.5 (noise
    /// summing to 3.5 over the trials: within noise of variant 0), variant 2 twice as much
    /// (clearly dearer), variant 3 never graduates.
    fn paired() -> (PairedTrials, Vec<Option<f64>>) {
        let g: Vec<bool> = (0..400).map(|i| i % 3 == 0).collect();
        let cost: Vec<f64> = (0..400).map(|i| 10.0 + (i % 7) as f64).collect();
        let outlay = vec![
            cost.clone(),
            cost.iter()
                .enumerate()
                .map(|(i, c)| c + ((i * 7919 % 11) as f64 - 5.0) * 0.5)
                .collect(),
            cost.iter().map(|c| c * 2.0).collect(),
            cost.clone(),
        ];
        let graduated = vec![g.clone(), g.clone(), g, vec![false; 400]];
        let per_grad = |o: &Vec<f64>, g: &Vec<bool>| {
            let n = g.iter().filter(|&&x| x).count();
            (n > 0).then(|| o.iter().sum::<f64>() / n as f64)
        };
        let outlays = (0..4)
            .map(|v| per_grad(&outlay[v], &graduated[v]))
            .collect();
        (PairedTrials { graduated, outlay }, outlays)
    }

    #[test]
    fn the_cheapest_and_those_within_noise_of_it() {
        let (p, outlays) = paired();
        let c = cheapest_within_noise(&outlays, Some(&p), 7).unwrap();
        assert!(outlays[0] < outlays[1]);
        assert_eq!(c.index, 0);
        assert_eq!(c.outlay, outlays[0].unwrap());
        assert_eq!(c.as_cheap, vec![1]);
        // 100,000,000 / (2 others x 400 trials) is above the cap of 1,000.
        assert_eq!(c.resamples, Some(1000));
    }

    #[test]
    fn without_paired_trials_nothing_is_called_as_cheap() {
        let (_, outlays) = paired();
        let c = cheapest_within_noise(&outlays, None, 7).unwrap();
        assert_eq!(
            (c.index, c.as_cheap.clone(), c.resamples),
            (0, vec![], None)
        );
        assert_eq!(cheapest_within_noise(&[None, None], None, 7), None);
    }

    #[test]
    fn too_many_trials_to_resample_are_not_tested() {
        // 100,000,000 / (2 others x 300,000 trials) = 166 resamples, below the 200 needed.
        let n = 300_000;
        let p = PairedTrials {
            graduated: vec![vec![true; n]; 3],
            outlay: vec![vec![1.0; n]; 3],
        };
        let c = cheapest_within_noise(&[Some(1.0), Some(1.0), Some(1.0)], Some(&p), 7).unwrap();
        assert_eq!(
            (c.index, c.as_cheap.clone(), c.resamples),
            (0, vec![], None)
        );
    }
}
