//! The scenario's `[calibrate]` table, read from the file text (line and column in every
//! message), apart from the rest of the scenario:
//!
//! ```toml
//! [calibrate]
//! particles = 200        # particles per generation (10 to 100000)
//! trials = 200           # simulated communities per particle (10 to 1000000)
//! generations = 8        # most generations, the prior's included (1 to 100)
//! quantile = 0.5         # each tolerance is this quantile of the previous distances (0 to 1)
//! min_acceptance = 0.02  # stop after a generation accepting fewer (0 to 1)
//! window = 312           # weeks compared (default: the horizon or the record's follow-up)
//!
//! [calibrate.parameters]
//! "host.patience" = { prior = "uniform", low = 4, high = 40 }
//! "core_idea.half_life" = { prior = "log-uniform", low = 4, high = 400 }
//! ```

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::smc::Prior;
use crate::error::{ProblemSink, ScenarioError};
use crate::parameters::{self, Kind, ParamValue};
use crate::scenario::Scenario;
use crate::variation::Draw;

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub path: String,
    pub prior: Prior,
    /// Whole-number parameter: values are rounded when set.
    pub whole: bool,
}

/// The settings of `[calibrate]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub particles: usize,
    pub trials: u64,
    pub generations: usize,
    pub quantile: f64,
    pub min_acceptance: f64,
    pub window: Option<u32>,
    pub parameters: Vec<Fitted>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            particles: 200,
            trials: 200,
            generations: 8,
            quantile: 0.5,
            min_acceptance: 0.02,
            window: None,
            parameters: Vec::new(),
        }
    }
}

fn number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|x| x as f64),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite()),
        _ => None,
    }
}

fn whole(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// Reads `[calibrate]` from a scenario's text; `scenario` is the scenario read from it (a fitted
/// path must be one of its parameters, or a field of one of its per-community distributions,
/// such as `core_idea.strength.sd_log`; the window may not exceed its horizon).
///
/// Long because it has one arm per key of the table, each checking its value with its message.
// The error is large, but made at most once per file, on the way out.
#[allow(clippy::result_large_err)]
pub fn read(file: &str, text: &str, scenario: &Scenario) -> Result<Config, ScenarioError> {
    let steps = scenario.steps;
    let mut sink = ProblemSink::new(file, text);
    let mut config = Config::default();
    let root = match DeTable::parse(text) {
        Ok(r) => r,
        Err(e) => {
            sink.push(e.span(), format!("not valid TOML: {}", e.message()), None);
            return sink.finish().map(|()| config);
        }
    };
    let Some(table) = root.get_ref().get("calibrate") else {
        sink.push(
            None,
            "has no [calibrate] table; add one naming the parameters to fit and their priors"
                .into(),
            Some("see README, section `Fitting the model to a record`".into()),
        );
        return sink.finish().map(|()| config);
    };
    let DeValue::Table(table) = table.get_ref() else {
        sink.push(
            Some(table.span()),
            "`calibrate` must be a table".into(),
            None,
        );
        return sink.finish().map(|()| config);
    };
    for (key, value) in table.iter() {
        let span = Some(value.span());
        let k = key.get_ref().as_ref();
        let mut int = |name: &str, lo: i64, hi: i64| -> Option<i64> {
            match whole(value.get_ref()) {
                Some(x) if (lo..=hi).contains(&x) => Some(x),
                _ => {
                    sink.push(
                        span.clone(),
                        format!("calibrate.{name} must be a whole number from {lo} to {hi}"),
                        None,
                    );
                    None
                }
            }
        };
        match k {
            "particles" => config.particles = int("particles", 10, 100_000).map_or(config.particles, |x| x as usize),
            "trials" => config.trials = int("trials", 10, 1_000_000).map_or(config.trials, |x| x as u64),
            "generations" => config.generations = int("generations", 1, 100).map_or(config.generations, |x| x as usize),
            "window" => config.window = int("window", 1, steps as i64).map(|x| x as u32),
            "quantile" | "min_acceptance" => match number(value.get_ref()) {
                Some(x) if x > 0.0 && x < 1.0 => {
                    if k == "quantile" { config.quantile = x } else { config.min_acceptance = x }
                }
                _ => sink.push(span, format!("calibrate.{k} must be a number between 0 and 1 (exclusive)"), None),
            },
            "parameters" => match value.get_ref() {
                DeValue::Table(t) => {
                    for (path, prior) in t.iter() {
                        if let Some(f) = read_parameter(&mut sink, path, prior, scenario) {
                            config.parameters.push(f);
                        }
                    }
                }
                _ => sink.push(span, "calibrate.parameters must be a table of parameter paths".into(), None),
            },
            other => sink.push(
                Some(key.span()),
                format!("`{other}` is not a setting of [calibrate]"),
                Some("the settings are particles, trials, generations, quantile, min_acceptance, window and [calibrate.parameters]".into()),
            ),
        }
    }
    if config.parameters.is_empty() && sink.is_empty() {
        sink.push(
            Some(table_span(table)),
            "[calibrate] names no parameters to fit; add [calibrate.parameters]".into(),
            None,
        );
    }
    sink.finish().map(|()| config)
}

fn table_span(t: &DeTable<'_>) -> Range<usize> {
    t.iter().next().map_or(0..0, |(k, _)| k.span())
}

/// What a fitted path names: a model parameter, or a field of a per-community distribution.
struct Target<'a> {
    /// The parameter's kind, checked against the prior's bounds (not for a distribution's field).
    kind: Option<Kind>,
    /// The distribution and its field, checked by setting the field on a copy of the draw.
    draw: Option<(Draw, &'a str)>,
    whole: bool,
}

/// The target of the path `name`, or `None` (with the problem pushed) when it names nothing
/// that can be fitted.
fn target<'a>(
    sink: &mut ProblemSink<'_>,
    name: &'a str,
    span: Range<usize>,
    scenario: &Scenario,
) -> Option<Target<'a>> {
    let draw = name.rsplit_once('.').and_then(|(param, field)| {
        let d = scenario.draws.iter().find(|d| d.path == param)?;
        d.family.clone().set(field, 1.0).then(|| (d.clone(), field))
    });
    let current = scenario
        .base
        .get(name)
        .or(draw.as_ref().map(|_| ParamValue::Float(0.0)));
    let Some(current) = current else {
        let hint = parameters::suggest(name).map(|s| format!("did you mean `{s}`?"));
        sink.push(
            Some(span),
            format!("calibrate.parameters: `{name}` is not a model parameter"),
            hint,
        );
        return None;
    };
    if matches!(current, ParamValue::Text(_)) {
        sink.push(
            Some(span),
            format!(
                "calibrate.parameters: `{name}` is a choice, not a number; it cannot be fitted"
            ),
            None,
        );
        return None;
    }
    Some(Target {
        kind: parameters::spec(name)
            .map(|s| s.kind)
            .filter(|_| draw.is_none()),
        whole: matches!(current, ParamValue::Int(_)),
        draw,
    })
}

impl Target<'_> {
    /// Whether both bounds of the prior are values the target may take; each one that is not
    /// is pushed as a problem.
    fn allows(
        &self,
        sink: &mut ProblemSink<'_>,
        name: &str,
        span: &Range<usize>,
        bounds: [f64; 2],
    ) -> bool {
        let mut ok = true;
        for x in bounds {
            let v = if self.whole {
                ParamValue::Int(x.round() as i64)
            } else {
                ParamValue::Float(x)
            };
            if let Some(Err(m)) = self.kind.map(|k: Kind| k.check(&v)) {
                sink.push(
                    Some(span.clone()),
                    format!("calibrate.parameters.\"{name}\": {m}"),
                    None,
                );
                ok = false;
            }
            if let Some((mut d, field)) = self.draw.clone() {
                d.family.set(field, x);
                for (_, m) in d.check() {
                    sink.push(
                        Some(span.clone()),
                        format!("calibrate.parameters.\"{name}\" = {x}: {m}"),
                        None,
                    );
                    ok = false;
                }
            }
        }
        ok
    }
}

/// One entry of `[calibrate.parameters]`: the path, its prior and the prior's bounds, checked.
fn read_parameter(
    sink: &mut ProblemSink<'_>,
    path: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    scenario: &Scenario,
) -> Option<Fitted> {
    let name = path.get_ref().as_ref();
    let span = Some(value.span());
    let target = target(sink, name, path.span(), scenario)?;
    let DeValue::Table(t) = value.get_ref() else {
        sink.push(span, format!("calibrate.parameters.\"{name}\" must be {{ prior = \"uniform\" | \"log-uniform\", low = …, high = … }}"), None);
        return None;
    };
    let get = |k: &str| t.get(k).map(|v| v.get_ref());
    let prior = match get("prior") {
        Some(DeValue::String(s)) => s.to_string(),
        _ => {
            sink.push(
                span,
                format!(
                    "calibrate.parameters.\"{name}\": give prior = \"uniform\" or \"log-uniform\""
                ),
                None,
            );
            return None;
        }
    };
    let (Some(low), Some(high)) = (get("low").and_then(number), get("high").and_then(number))
    else {
        sink.push(
            span,
            format!("calibrate.parameters.\"{name}\": give low and high, numbers"),
            None,
        );
        return None;
    };
    let mut ok = low < high;
    if !ok {
        sink.push(
            span.clone(),
            format!("calibrate.parameters.\"{name}\": low {low} must be below high {high}"),
            None,
        );
    }
    ok &= target.allows(sink, name, &value.span(), [low, high]);
    let prior = match prior.as_str() {
        "uniform" => Prior::Uniform { low, high },
        "log-uniform" if low > 0.0 => Prior::LogUniform { low, high },
        "log-uniform" => {
            sink.push(
                span,
                format!("calibrate.parameters.\"{name}\": a log-uniform prior needs low > 0"),
                None,
            );
            return None;
        }
        other => {
            sink.push(span, format!("calibrate.parameters.\"{name}\": prior \"{other}\" is not known; use \"uniform\" or \"log-uniform\""), None);
            return None;
        }
    };
    ok.then(|| Fitted {
        path: name.to_string(),
        prior,
        whole: target.whole,
    })
}

impl Fitted {
    /// The value to set for natural value `x` (rounded for whole-number parameters).
    pub fn value(&self, x: f64) -> ParamValue {
        if self.whole {
            ParamValue::Int(x.round() as i64)
        } else {
            ParamValue::Float(x)
        }
    }
}
