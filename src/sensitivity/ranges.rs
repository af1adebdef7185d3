//! Where a sensitivity study varies each parameter when the `[sensitivity]` table gives no
//! range of its own: the plausible range the parameter registry (src/parameters.rs,
//! [`crate::parameters::ParamSpec::plausible`]) records beside the allowed range. A parameter without one (a new
//! one) gets half to twice its default, inside its allowed range; one whose default is 0 is
//! then left out.

use crate::design::Range;
use crate::parameters::{Kind, MotivationDistribution, ParamValue, Parameters, SPECS};

/// The plausible range of the parameter at `path`, whose value in the scenario is `default`:
/// the registry's, or else half to twice `default` inside the allowed range. `None` for choices
/// and for parameters without a plausible range whose default is 0.
pub fn plausible(path: &str, kind: &Kind, default: &ParamValue) -> Option<Range> {
    let integer = matches!(kind, Kind::Int { .. });
    if let Some(p) = crate::parameters::spec(path).and_then(|s| s.plausible) {
        return Some(Range::Number {
            low: p.low,
            high: p.high,
            log: p.log,
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

    #[test]
    fn plausible_ranges_are_allowed_values() {
        for s in SPECS {
            let (path, Some(p)) = (s.path, s.plausible) else {
                continue;
            };
            let as_value = |x: f64| match s.kind {
                Kind::Int { .. } => ParamValue::Int(x as i64),
                _ => ParamValue::Float(x),
            };
            assert!(s.kind.check(&as_value(p.low)).is_ok(), "{path} low");
            assert!(s.kind.check(&as_value(p.high)).is_ok(), "{path} high");
            assert!(p.low < p.high && (!p.log || p.low > 0.0), "{path}");
            if matches!(s.kind, Kind::Int { .. }) {
                assert!(
                    p.low.fract() == 0.0 && p.high.fract() == 0.0,
                    "{path}: whole bounds"
                );
            }
        }
        // every parameter but the choices has one
        for s in SPECS {
            assert_eq!(
                s.plausible.is_some(),
                !matches!(s.kind, Kind::Choice(_)),
                "{}",
                s.path
            );
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
            let listed = s.plausible.is_some();
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
