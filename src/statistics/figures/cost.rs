//! The numbers of the cost picture: what a graduation costs the host (with the range implied by
//! the interval of P(graduate)), which settings are on the cost-effectiveness frontier, and the
//! round amounts drawn as rays of equal outlay per graduation.

use super::{Estimate, RunData};

/// The host's outlay per graduation for each row of [`RunData::summary`], with the range
/// implied by the 95% Wilson interval of P(graduate): outlay per graduation = mean outlay per
/// community / P(graduate), so the upper end of P(graduate) gives the lower end of the cost.
/// No value where nothing graduated; an infinite upper end where P(graduate) may be 0.
pub(crate) fn per_graduate(run: &RunData) -> Vec<Estimate> {
    run.summary
        .iter()
        .map(|r| {
            let cost = r.cost.unwrap_or_default();
            let value = cost.per_graduate;
            let per = |p: f64| {
                cost.outlay().map(|o| {
                    if o == 0.0 {
                        0.0
                    } else if p > 0.0 {
                        o / p
                    } else {
                        f64::INFINITY
                    }
                })
            };
            let (lower, upper) = match value {
                Some(_) => (r.upper.and_then(per), r.lower.and_then(per)),
                None => (None, None),
            };
            Estimate {
                value,
                lower,
                upper,
            }
        })
        .collect()
}

/// The ring of the cost picture: the row of `run.summary` with the lowest outlay per
/// graduation (the first of equals), the rows as cheap within noise by the plain answer's
/// rule ([`crate::statistics::PairedTrials::as_cheap`]), and whether that test was made (it
/// needs `trials.csv`). `None` with fewer than two outlays per graduation.
pub(crate) fn cheapest(run: &RunData) -> Option<(usize, Vec<usize>, bool)> {
    let costs: Vec<(usize, f64)> = run
        .summary
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.cost.and_then(|c| c.per_graduate).map(|c| (i, c)))
        .filter(|(_, c)| c.is_finite())
        .collect();
    if costs.len() < 2 {
        return None;
    }
    let &(lowest, _) = costs.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let variant = |i: usize| run.summary[i].variant;
    let others: Vec<usize> = costs
        .iter()
        .map(|c| variant(c.0))
        .filter(|&v| v != variant(lowest))
        .collect();
    let tested = run
        .paired
        .as_ref()
        .and_then(|(p, seed)| p.as_cheap(variant(lowest), &others, *seed));
    let equivalent = tested.as_ref().map_or_else(Vec::new, |(same, _)| {
        costs
            .iter()
            .map(|c| c.0)
            .filter(|&i| same.contains(&variant(i)))
            .collect()
    });
    Some((lowest, equivalent, tested.is_some()))
}

/// For each setting `(outlay, P(graduate))`: whether it is on the frontier, that is, no other
/// setting is both no dearer and no less likely to graduate, and better on one of the two.
pub(crate) fn frontier(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .map(|&(ao, ap)| {
            !points
                .iter()
                .any(|&(bo, bp)| bo <= ao && bp >= ap && (bo < ao || bp > ap))
        })
        .collect()
}

/// The outlays per graduation drawn as rays in the plane whose outlay axis ends at `x_hi`:
/// round amounts (1, 2, 5 times a power of ten) from 2.5 times below the settings' own
/// (`costs`) to 2.5 times above, leaving the plot well away from both axes; at most six.
pub(crate) fn ray_amounts(costs: &[f64], x_hi: f64) -> Vec<f64> {
    if costs.is_empty() {
        return Vec::new();
    }
    let lo = costs.iter().copied().fold(f64::INFINITY, f64::min) / 2.5;
    let hi = costs.iter().copied().fold(0.0, f64::max) * 2.5;
    let mut out: Vec<f64> = Vec::new();
    for e in -4..=8 {
        for m in [1.0, 2.0, 5.0] {
            let c = m * 10f64.powi(e);
            if c >= lo && c <= hi && c >= 0.1 * x_hi && x_hi / c >= 0.08 {
                out.push(c);
            }
        }
    }
    while out.len() > 6 {
        out = out.into_iter().step_by(2).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frontier_keeps_what_nothing_beats() {
        // (10, 0.5) beats (12, 0.4); (10, 0.5) and (20, 0.7) trade off; (20, 0.6) is beaten
        // by (20, 0.7) at the same outlay
        let pts = [(10.0, 0.5), (12.0, 0.4), (20.0, 0.7), (20.0, 0.6)];
        assert_eq!(frontier(&pts), vec![true, false, true, false]);
        // equal settings do not beat each other
        assert_eq!(frontier(&[(1.0, 0.5), (1.0, 0.5)]), vec![true, true]);
    }

    #[test]
    fn rays_are_round_amounts_around_the_settings() {
        // costs 40 and 100 with the axis at 60: candidates from 16 to 250, at least 6 and at
        // most 750 -> 20, 50, 100, 200
        assert_eq!(
            ray_amounts(&[40.0, 100.0], 60.0),
            vec![20.0, 50.0, 100.0, 200.0]
        );
        assert!(ray_amounts(&[], 60.0).is_empty());
        // many candidates are thinned to every second until six or fewer remain
        let r = ray_amounts(&[1.0, 1000.0], 100.0);
        assert!(r.len() <= 6 && !r.is_empty(), "{r:?}");
    }
}
