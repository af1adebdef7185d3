//! The plausible range of every model parameter: where a sensitivity study varies it when the
//! `[sensitivity]` table gives no range of its own.
//!
//! Each range is a judgement of what real communities and hosts could look like around the
//! default (docs/MODEL.md gives the defaults' sources); most span half to twice the default,
//! log-uniform where the parameter is a rate or a scale that varies by factors. Parameters
//! missing from the table (new ones) get half to twice their default, inside their allowed
//! range; a parameter whose default is 0 and that is not in the table is left out.
//!
//! These ranges live here until the parameter registry (src/parameters.rs) records them beside
//! each parameter's allowed range.

use crate::design::Range;
use crate::parameters::{Kind, MotivationDistribution, ParamValue, Parameters, SPECS};

/// `(path, low, high, log)`; whole-number parameters take whole-number bounds.
const PLAUSIBLE: &[(&str, f64, f64, bool)] = &[
    ("community.initial_participants", 4.0, 30.0, false),
    ("community.population", 50.0, 500.0, true),
    ("community.critical_mass", 2.0, 10.0, false),
    ("community.fizzle_patience", 3.0, 12.0, false),
    ("motivation.value", 0.2, 0.8, false),
    ("motivation.low", 0.0, 0.3, false),
    ("motivation.high", 0.6, 1.0, false),
    ("motivation.alpha", 1.0, 4.0, true),
    ("motivation.beta", 1.5, 6.0, true),
    ("motivation.mean", 0.2, 0.6, false),
    ("motivation.sd", 0.1, 0.4, false),
    ("participation.cost", 0.8, 1.5, false),
    ("participation.noise", 0.1, 0.5, true),
    ("participation.social_weight", 0.1, 0.6, false),
    ("participation.coordination_cost", 0.0, 0.4, false),
    ("core_idea.strength", 0.6, 1.4, false),
    ("core_idea.half_life", 8.0, 104.0, true),
    ("core_idea.floor", 0.2, 0.6, false),
    ("benefit.strength", 0.3, 1.0, false),
    ("benefit.half_saturation", 10.0, 40.0, true),
    ("benefit.productivity", 0.05, 0.2, true),
    ("benefit.decay", 0.01, 0.06, true),
    ("benefit.stall_decay", 0.0, 0.05, false),
    ("host.investment", 0.25, 4.0, true),
    ("host.half_effect", 0.5, 2.0, true),
    ("host.facilitation", 0.2, 0.6, false),
    ("host.build_rate", 0.1, 0.6, false),
    ("host.day_rate", 0.3, 0.6, false),
    // 0 (open-ended) is the default; any commitment past the 104-week horizon acts the same.
    ("host.commitment", 13.0, 130.0, false),
    ("host.patience", 4.0, 16.0, false),
    ("host.review_week", 13.0, 52.0, false),
    ("host.review_every", 13.0, 52.0, false),
    ("host.review_continue", 0.6, 0.95, false),
    ("host.review_scale", 1.0, 20.0, true),
    ("agenda.participant_share", 0.4, 1.0, false),
    ("agenda.ownership_weight", 0.1, 0.5, false),
    ("agenda.host_crowding", 0.1, 0.5, false),
    ("approach.structure", 0.0, 1.0, false),
    ("approach.planning_overhead", 0.5, 1.5, false),
    ("approach.productivity_gain", 0.5, 1.5, false),
    ("approach.clarity", 0.0, 0.2, false),
    ("approach.uncertainty", 0.2, 0.8, false),
    ("approach.ownership_penalty", 0.25, 0.75, false),
    ("recruitment.external", 0.0005, 0.002, true),
    ("recruitment.outreach", 0.002, 0.008, true),
    ("recruitment.word_of_mouth", 0.025, 0.1, true),
    ("recruitment.newcomer_return_answered", 0.45, 0.7, false),
    ("recruitment.newcomer_return_unanswered", 0.3, 0.55, false),
    ("attrition.base_rate", 0.005, 0.02, true),
    ("attrition.dissatisfied_rate", 0.04, 0.16, true),
    ("attrition.idle_limit", 4.0, 16.0, false),
    ("attrition.ownership_protection", 0.25, 0.75, false),
    ("attrition.burnout", 0.0, 0.01, false),
    ("brand.initial", 0.0, 0.2, false),
    ("brand.growth", 0.025, 0.1, true),
    ("brand.decay", 0.005, 0.02, true),
    ("brand.weight", 0.1, 0.5, false),
    ("brand.reach", 0.002, 0.008, true),
    ("brand.retention", 0.25, 0.75, false),
    ("economics.fixed_cost", 0.1, 0.4, true),
    ("economics.cost_per_participant", 0.0025, 0.01, true),
    ("economics.revenue_per_asset", 0.005, 0.02, true),
    ("economics.brand_premium", 0.5, 1.5, false),
    ("economics.reserve", 3.0, 12.0, true),
    ("lifecycle.exploring_assets", 1.0, 4.0, false),
    ("lifecycle.collaborating_assets", 5.0, 20.0, false),
    ("lifecycle.formalising_assets", 20.0, 80.0, false),
    ("lifecycle.formalising_brand", 0.2, 0.6, false),
    ("lifecycle.graduation_patience", 4.0, 16.0, false),
    ("lifecycle.partner_rate", 0.02, 1.0, true),
];

/// The plausible range of the parameter at `path`, whose value in the scenario is `default`:
/// from the table above, or else half to twice `default` inside the allowed range. `None` for
/// choices and for parameters outside the table whose default is 0.
pub fn plausible(path: &str, kind: &Kind, default: &ParamValue) -> Option<Range> {
    let integer = matches!(kind, Kind::Int { .. });
    if let Some((_, low, high, log)) = PLAUSIBLE.iter().find(|(p, ..)| *p == path) {
        return Some(Range::Number {
            low: *low,
            high: *high,
            log: *log,
            integer,
        });
    }
    let d = match default {
        ParamValue::Float(x) => *x,
        ParamValue::Int(i) => *i as f64,
        ParamValue::Text(_) => return None,
    };
    if d <= 0.0 {
        return None;
    }
    let (min, max) = match kind {
        Kind::Float { min, max } => (*min, *max),
        Kind::PositiveFloat { max } => (f64::MIN_POSITIVE, *max),
        Kind::Int { min, max } => (*min as f64, *max as f64),
        Kind::Choice(_) => return None,
    };
    let (mut low, mut high) = ((d / 2.0).max(min), (d * 2.0).min(max));
    if integer {
        low = low.ceil();
        high = high.floor();
    }
    (low < high).then_some(Range::Number {
        low,
        high,
        log: false,
        integer,
    })
}

/// Whether a motivation parameter acts under the scenario's motivation distribution (the
/// others, such as `motivation.mean` under a beta distribution, change nothing).
fn acts(path: &str, base: &Parameters) -> bool {
    let Some(name) = path.strip_prefix("motivation.") else {
        return true;
    };
    match base.motivation.distribution {
        MotivationDistribution::Fixed => name == "value",
        MotivationDistribution::Uniform => name == "low" || name == "high",
        MotivationDistribution::Beta => name == "alpha" || name == "beta",
        MotivationDistribution::Normal => name == "mean" || name == "sd",
    }
}

/// Every parameter that acts in a scenario with base parameters `base`, over its plausible
/// range, in registry order: the default design of a sensitivity study.
pub fn every_parameter(base: &Parameters) -> Vec<(&'static str, Range)> {
    SPECS
        .iter()
        .filter(|s| acts(s.path, base))
        .filter_map(|s| {
            let default = base.get(s.path)?;
            plausible(s.path, &s.kind, &default).map(|r| (s.path, r))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameters::spec;

    #[test]
    fn plausible_ranges_are_allowed_values_and_hold_the_default() {
        for (path, low, high, log) in PLAUSIBLE {
            let s = spec(path).unwrap_or_else(|| panic!("{path} is not a parameter"));
            let as_value = |x: f64| match s.kind {
                Kind::Int { .. } => ParamValue::Int(x as i64),
                _ => ParamValue::Float(x),
            };
            assert!(s.kind.check(&as_value(*low)).is_ok(), "{path} low");
            assert!(s.kind.check(&as_value(*high)).is_ok(), "{path} high");
            assert!(low < high && (!log || *low > 0.0), "{path}");
        }
    }

    #[test]
    fn every_parameter_acts_and_breaks_no_rule_at_the_corners() {
        let base = Parameters::default();
        let all = every_parameter(&base);
        // Beta motivation: alpha and beta vary, value/low/high/mean/sd and the family do not.
        assert!(all.iter().any(|(p, _)| *p == "motivation.alpha"));
        assert!(!all.iter().any(|(p, _)| *p == "motivation.mean"));
        assert!(!all.iter().any(|(p, _)| *p == "motivation.distribution"));
        // Every other parameter varies, except choices and those off by default (default 0)
        // that have no range of their own here (mechanisms a scenario switches on).
        for s in SPECS {
            let default = base.get(s.path).unwrap();
            let off = matches!(default, ParamValue::Float(x) if x == 0.0)
                || matches!(default, ParamValue::Int(0));
            let listed = PLAUSIBLE.iter().any(|(p, ..)| *p == s.path);
            let expected =
                acts(s.path, &base) && !matches!(s.kind, Kind::Choice(_)) && (listed || !off);
            assert_eq!(
                all.iter().any(|(p, _)| *p == s.path),
                expected,
                "{}",
                s.path
            );
        }
        for u in [0.0, 1.0] {
            for w in [0.0, 1.0] {
                let mut p = base.clone();
                for (i, (path, r)) in all.iter().enumerate() {
                    assert!(p.set(path, &r.value(if i % 2 == 0 { u } else { w })));
                }
                assert!(crate::scenario::cross_check(&p).is_empty());
            }
        }
    }
}
