//! Scenario files: one TOML file per study, with run settings, the model's parameters grouped by
//! concept and a `[sweep]` table whose Cartesian product gives the variants.
//!
//! Every problem in a file is collected (not just the first) and reported with its line and
//! column, the key, the value and what is allowed, before any work starts.

use crate::error::{ProblemSink, ScenarioError};
use crate::parameters::{self, MotivationDistribution, ParamValue, Parameters, SPECS};
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use toml::Spanned;

/// Largest number of trials per variant (the per-time counts are 64-bit).
pub const MAX_TRIALS: u64 = 1_000_000_000_000;
/// Largest horizon in steps (weeks).
pub const MAX_STEPS: u64 = 100_000;
/// Largest number of variants in one sweep.
pub const MAX_VARIANTS: usize = 100_000;
/// Largest number of per-time counts kept in memory (variants x steps).
pub const MAX_CELLS: u64 = 200_000_000;

/// A parsed, validated scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub trials: u64,
    pub steps: u32,
    /// Parameters before any sweep value is applied.
    pub base: Parameters,
    /// Swept parameter paths with their values, in file order.
    pub sweep: Vec<(String, Vec<ParamValue>)>,
}

/// One point of the sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub index: usize,
    /// The swept parameters' values, in the order of [`Scenario::sweep`].
    pub values: Vec<ParamValue>,
    #[serde(skip)]
    pub params: Parameters,
}

impl Variant {
    /// "host.investment = 2, brand.initial = 0.5", or "base parameters" without a sweep.
    pub fn label(&self, scenario: &Scenario) -> String {
        if self.values.is_empty() {
            return "base parameters".to_string();
        }
        scenario
            .sweep
            .iter()
            .zip(&self.values)
            .map(|((path, _), v)| format!("{path} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Scenario {
    /// Reads and validates a scenario file. `file` is used in messages.
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let mut sink = ProblemSink::new(file, text);
        let root: Spanned<Raw> = match toml::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                sink.push(
                    e.span(),
                    format!("this is not valid TOML: {}", e.message().trim()),
                    Some("see https://toml.io for the syntax".to_string()),
                );
                return Err(sink.finish().expect_err("a problem was pushed"));
            }
        };
        let scenario = build(&root, &mut sink);
        sink.finish()?;
        Ok(scenario)
    }

    /// Applies command-line overrides of the run settings, checking them like the file's.
    pub fn with_overrides(
        mut self,
        trials: Option<u64>,
        seed: Option<u64>,
        steps: Option<u64>,
    ) -> Result<Scenario, String> {
        if let Some(t) = trials {
            check_trials(t)?;
            self.trials = t;
        }
        if let Some(s) = seed {
            self.seed = s;
        }
        if let Some(s) = steps {
            self.steps = check_steps(s)?;
        }
        check_cells(self.variant_count(), self.steps).map_err(|e| e.to_string())?;
        Ok(self)
    }

    /// Number of variants: the product of the sweep lists' lengths (1 without a sweep).
    pub fn variant_count(&self) -> usize {
        self.sweep.iter().map(|(_, v)| v.len()).product()
    }

    /// The swept parameters' paths.
    pub fn swept_paths(&self) -> Vec<&str> {
        self.sweep.iter().map(|(p, _)| p.as_str()).collect()
    }

    /// The variants, in order: the Cartesian product of the sweep lists with the first-listed
    /// parameter varying slowest and the last fastest (like nested loops in file order).
    pub fn variants(&self) -> Vec<Variant> {
        let n = self.variant_count();
        (0..n)
            .map(|index| {
                let mut rest = index;
                let mut values = vec![ParamValue::Int(0); self.sweep.len()];
                for (k, (_, list)) in self.sweep.iter().enumerate().rev() {
                    values[k] = list[rest % list.len()].clone();
                    rest /= list.len();
                }
                let mut params = self.base.clone();
                for ((path, _), v) in self.sweep.iter().zip(&values) {
                    params.set(path, v);
                }
                Variant {
                    index,
                    values,
                    params,
                }
            })
            .collect()
    }
}

/// Makes a scenario name safe to use as a folder name: letters, digits, `-`, `_` and `.` kept,
/// everything else replaced by `_`; never empty, never `.` or `..`, at most 100 characters.
pub fn safe_folder_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let leading_dots = s.chars().take_while(|c| *c == '.').count();
    s.replace_range(0..leading_dots, &"_".repeat(leading_dots));
    if s.is_empty() {
        s = "scenario".to_string();
    }
    s
}

fn check_trials(t: u64) -> Result<u64, String> {
    if t == 0 || t > MAX_TRIALS {
        Err(format!(
            "trials = {t} is out of range; expected a whole number from 1 to {MAX_TRIALS}"
        ))
    } else {
        Ok(t)
    }
}

fn check_steps(s: u64) -> Result<u32, String> {
    if s == 0 || s > MAX_STEPS {
        Err(format!(
            "steps = {s} is out of range; expected a whole number of weeks from 1 to {MAX_STEPS}"
        ))
    } else {
        Ok(s as u32)
    }
}

fn check_cells(variants: usize, steps: u32) -> Result<(), String> {
    if variants > MAX_VARIANTS {
        return Err(format!(
            "the sweep has {variants} variants; at most {MAX_VARIANTS} are allowed in one scenario"
        ));
    }
    let cells = variants as u64 * (u64::from(steps) + 1);
    if cells > MAX_CELLS {
        return Err(format!(
            "variants x (steps + 1) = {cells} is more than {MAX_CELLS}; use fewer variants or steps"
        ));
    }
    Ok(())
}

const RUN_KEYS: &[&str] = &["name", "description", "seed", "trials", "steps", "sweep"];

fn build(root: &Spanned<Raw>, sink: &mut ProblemSink) -> Scenario {
    let mut scenario = Scenario {
        name: String::new(),
        description: String::new(),
        seed: 1,
        trials: 1000,
        steps: 104,
        base: Parameters::default(),
        sweep: Vec::new(),
    };
    let Raw::Table(top) = root.get_ref() else {
        sink.push(None, "the file must be a TOML document".into(), None);
        return scenario;
    };
    let mut have_name = false;
    for (key, value) in top {
        let span = Some(value.span());
        match (key.as_str(), value.get_ref()) {
            ("name", Raw::Str(s)) => {
                if s.trim().is_empty() {
                    sink.push(span, "`name` is empty; give the study a short name".into(), None);
                } else {
                    scenario.name = s.clone();
                    have_name = true;
                }
            }
            ("description", Raw::Str(s)) => scenario.description = s.clone(),
            ("seed", Raw::Int(i)) if *i >= 0 => scenario.seed = *i as u64,
            ("seed", Raw::Int(i)) => sink.push(
                span,
                format!("`seed` = {i} is negative; expected a whole number from 0 to {}", i64::MAX),
                None,
            ),
            ("trials", Raw::Int(i)) => match u64::try_from(*i).map_err(|_| ()).and_then(|t| {
                check_trials(t).map_err(|_| ())
            }) {
                Ok(t) => scenario.trials = t,
                Err(()) => sink.push(
                    span,
                    format!("`trials` = {i} is out of range; expected a whole number from 1 to {MAX_TRIALS}"),
                    None,
                ),
            },
            ("steps", Raw::Int(i)) => match u64::try_from(*i).map_err(|_| ()).and_then(|s| {
                check_steps(s).map_err(|_| ())
            }) {
                Ok(s) => scenario.steps = s,
                Err(()) => sink.push(
                    span,
                    format!("`steps` = {i} is out of range; expected a whole number of weeks from 1 to {MAX_STEPS}"),
                    None,
                ),
            },
            ("name" | "description", other) => sink.push(
                span,
                format!("`{key}` must be a quoted string, not {}", other.describe()),
                None,
            ),
            ("seed" | "trials" | "steps", other) => sink.push(
                span,
                format!("`{key}` must be a whole number, not {}", other.describe()),
                None,
            ),
            ("sweep", Raw::Table(entries)) => {
                let mut flat = Vec::new();
                flatten_sweep("", entries, &mut flat);
                scenario.sweep = read_sweep(&flat, sink);
            }
            ("sweep", other) => sink.push(
                span,
                format!(
                    "`sweep` must be a table mapping parameter paths to lists, not {}",
                    other.describe()
                ),
                Some("write [sweep] then lines such as \"host.investment\" = [0, 1, 2]".into()),
            ),
            (group, Raw::Table(entries)) if parameters::GROUPS.contains(&group) => {
                for (field, v) in entries {
                    let path = format!("{group}.{field}");
                    set_base(&mut scenario.base, &path, v, sink);
                }
            }
            (group, _) if parameters::GROUPS.contains(&group) => sink.push(
                span,
                format!("`{group}` must be a table ([{group}]) of parameters"),
                None,
            ),
            (other, _) => {
                let mut allowed: Vec<&str> = RUN_KEYS.to_vec();
                allowed.extend(parameters::GROUPS);
                sink.push(
                    span,
                    format!("unknown key `{other}`; the top level allows {}", allowed.join(", ")),
                    parameters::suggest(other).map(|s| format!("did you mean `{s}` (inside [{}])?", group_of(s))),
                )
            }
        }
    }
    if !have_name && !top.iter().any(|(k, _)| k == "name") {
        sink.push(
            None,
            "the key `name` is missing; add name = \"my-study\" at the top".into(),
            None,
        );
    }
    if sink.is_empty() {
        if let Err(msg) = check_cells(scenario.variant_count(), scenario.steps) {
            sink.push(None, msg, None);
        }
    }
    // Cross-parameter rules, checked on the base and on every variant.
    if sink.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        for variant in scenario.variants() {
            for msg in cross_check(&variant.params) {
                if seen.insert(msg.clone()) {
                    let which = if scenario.sweep.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (in variant {}: {})",
                            variant.index,
                            variant.label(&scenario)
                        )
                    };
                    sink.push(None, format!("{msg}{which}"), None);
                }
            }
        }
    }
    scenario
}

fn group_of(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

fn set_base(params: &mut Parameters, path: &str, value: &Spanned<Raw>, sink: &mut ProblemSink) {
    let span = Some(value.span());
    let Some(spec) = parameters::spec(path) else {
        let group = group_of(path);
        let fields: Vec<&str> = SPECS
            .iter()
            .filter(|s| group_of(s.path) == group)
            .map(|s| &s.path[group.len() + 1..])
            .collect();
        sink.push(
            span,
            format!(
                "unknown key `{path}`; [{group}] allows {}",
                fields.join(", ")
            ),
            parameters::suggest(path).map(|s| format!("did you mean `{s}`?")),
        );
        return;
    };
    match value.get_ref().to_param() {
        Some(v) => match spec.kind.check(&v) {
            Ok(v) => {
                params.set(path, &v);
            }
            Err(msg) => sink.push(span, format!("`{path}` = {msg}"), Some(unit_help(spec))),
        },
        None => sink.push(
            span,
            format!(
                "`{path}` must be {}, not {}",
                spec.kind.allowed(),
                value.get_ref().describe()
            ),
            None,
        ),
    }
}

fn unit_help(spec: &parameters::ParamSpec) -> String {
    if spec.unit.is_empty() {
        spec.doc.to_string()
    } else {
        format!("{} ({})", spec.doc, spec.unit)
    }
}

fn flatten_sweep<'a>(
    prefix: &str,
    entries: &'a [(String, Spanned<Raw>)],
    out: &mut Vec<(String, &'a Spanned<Raw>)>,
) {
    for (key, value) in entries {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value.get_ref() {
            Raw::Table(inner) if parameters::spec(&path).is_none() => {
                flatten_sweep(&path, inner, out)
            }
            _ => out.push((path, value)),
        }
    }
}

fn read_sweep(
    entries: &[(String, &Spanned<Raw>)],
    sink: &mut ProblemSink,
) -> Vec<(String, Vec<ParamValue>)> {
    let mut sweep = Vec::new();
    for (path, value) in entries {
        let span = Some(value.span());
        let Some(spec) = parameters::spec(path) else {
            sink.push(
                span,
                format!("unknown sweep path `{path}`; a sweep path names a parameter as group.name"),
                parameters::suggest(path)
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some("`hothouse check` on a scenario lists the parameters; docs/MODEL.md explains them".into())),
            );
            continue;
        };
        let Raw::Array(items) = value.get_ref() else {
            sink.push(
                span,
                format!(
                    "sweep `{path}` must be a list of values such as [1, 2, 3], not {}",
                    value.get_ref().describe()
                ),
                None,
            );
            continue;
        };
        if items.is_empty() {
            sink.push(
                span,
                format!("sweep `{path}` is an empty list, which would give zero variants; list at least one value"),
                None,
            );
            continue;
        }
        let mut values: Vec<ParamValue> = Vec::new();
        let mut ok = true;
        for item in items {
            let ispan = Some(item.span());
            let checked = match item.get_ref().to_param() {
                Some(v) => spec.kind.check(&v),
                None => Err(format!(
                    "{} is not allowed; expected {}",
                    item.get_ref().describe(),
                    spec.kind.allowed()
                )),
            };
            match checked {
                Ok(v) => {
                    if values.contains(&v) {
                        sink.push(
                            ispan,
                            format!("sweep `{path}` lists {v} twice; each value may appear once"),
                            None,
                        );
                        ok = false;
                    } else {
                        values.push(v);
                    }
                }
                Err(msg) => {
                    sink.push(
                        ispan,
                        format!("sweep `{path}`: {msg}"),
                        Some(unit_help(spec)),
                    );
                    ok = false;
                }
            }
        }
        if sweep.iter().any(|(p, _): &(String, _)| p == path) {
            sink.push(span, format!("sweep `{path}` is given twice"), None);
            ok = false;
        }
        if ok {
            sweep.push((path.clone(), values));
        }
    }
    sweep
}

/// Rules that involve more than one parameter. Returns one message per broken rule.
pub fn cross_check(p: &Parameters) -> Vec<String> {
    let mut out = Vec::new();
    if p.community.initial_participants > p.community.population {
        out.push(format!(
            "`community.initial_participants` = {} is larger than `community.population` = {}; the population includes the participants",
            p.community.initial_participants, p.community.population
        ));
    }
    match p.motivation.distribution {
        MotivationDistribution::Uniform if p.motivation.low >= p.motivation.high => {
            out.push(format!(
                "`motivation.low` = {} must be below `motivation.high` = {} for a uniform distribution",
                p.motivation.low, p.motivation.high
            ))
        }
        MotivationDistribution::Normal => {
            use statrs::distribution::{ContinuousCDF, Normal};
            let mass = Normal::new(p.motivation.mean, p.motivation.sd)
                .map(|n| n.cdf(1.0) - n.cdf(0.0))
                .unwrap_or(0.0);
            if mass < 1e-3 {
                out.push(format!(
                    "`motivation.mean` = {} with `motivation.sd` = {} puts almost no probability (< 0.001) in [0, 1], so the truncated normal cannot be drawn; move the mean into [0, 1] or widen sd",
                    p.motivation.mean, p.motivation.sd
                ));
            }
        }
        _ => {}
    }
    let l = &p.lifecycle;
    if !(l.exploring_assets <= l.collaborating_assets
        && l.collaborating_assets <= l.formalising_assets)
    {
        out.push(format!(
            "stage thresholds must not decrease: `lifecycle.exploring_assets` = {} <= `lifecycle.collaborating_assets` = {} <= `lifecycle.formalising_assets` = {}",
            l.exploring_assets, l.collaborating_assets, l.formalising_assets
        ));
    }
    out
}

/// A TOML value with the byte spans of its parts, read through serde so that every value keeps
/// where it was written.
#[derive(Debug, Clone)]
enum Raw {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Other(&'static str),
    Array(Vec<Spanned<Raw>>),
    Table(Vec<(String, Spanned<Raw>)>),
}

impl Raw {
    fn to_param(&self) -> Option<ParamValue> {
        match self {
            Raw::Int(i) => Some(ParamValue::Int(*i)),
            Raw::Float(x) => Some(ParamValue::Float(*x)),
            Raw::Str(s) => Some(ParamValue::Text(s.clone())),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Raw::Bool(b) => format!("the boolean {b}"),
            Raw::Int(i) => format!("the number {i}"),
            Raw::Float(x) => format!("the number {x}"),
            Raw::Str(s) => format!("the text \"{s}\""),
            Raw::Other(what) => format!("a {what}"),
            Raw::Array(_) => "a list".to_string(),
            Raw::Table(_) => "a table".to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a TOML value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
                Ok(i64::try_from(v)
                    .map(Raw::Int)
                    .unwrap_or(Raw::Float(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
                    items.push(item);
                }
                Ok(Raw::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    // A TOML datetime arrives as a map with a private key; record it as such.
                    if key.starts_with("$__toml_private") {
                        let _: de::IgnoredAny = map.next_value()?;
                        return Ok(Raw::Other("date or time"));
                    }
                    let value = map.next_value::<Spanned<Raw>>()?;
                    entries.push((key, value));
                }
                Ok(Raw::Table(entries))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "name = \"t\"\n";

    #[test]
    fn minimal_file_uses_defaults() {
        let s = Scenario::parse("t.toml", MINIMAL).unwrap();
        assert_eq!(s.name, "t");
        assert_eq!(s.trials, 1000);
        assert_eq!(s.steps, 104);
        assert_eq!(s.base, Parameters::default());
        assert_eq!(s.variant_count(), 1);
    }

    #[test]
    fn sweep_order_is_first_slowest() {
        let text = "name = \"t\"\n[sweep]\n\"host.investment\" = [0, 1]\n\"brand.initial\" = [0.1, 0.2, 0.3]\n";
        let s = Scenario::parse("t.toml", text).unwrap();
        let v = s.variants();
        assert_eq!(v.len(), 6);
        assert_eq!(v[0].params.host.investment, 0.0);
        assert_eq!(v[0].params.brand.initial, 0.1);
        assert_eq!(v[1].params.brand.initial, 0.2);
        assert_eq!(v[3].params.host.investment, 1.0);
        assert_eq!(v[3].params.brand.initial, 0.1);
        assert_eq!(v[5].label(&s), "host.investment = 1, brand.initial = 0.3");
    }

    #[test]
    fn nested_sweep_tables_are_dotted_paths() {
        let text = "name = \"t\"\n[sweep]\nhost.investment = [0, 2]\n";
        let s = Scenario::parse("t.toml", text).unwrap();
        assert_eq!(s.swept_paths(), vec!["host.investment"]);
    }

    #[test]
    fn collects_every_problem_with_line_numbers() {
        let text = "name = \"t\"\ntrials = 0\n[host]\ninvestmnt = 1\n[brand]\ninitial = 2.0\n";
        let e = Scenario::parse("t.toml", text).unwrap_err();
        let lines = e.lines();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with("t.toml:2:10: `trials`"),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("host.investmnt"), "{}", lines[1]);
        assert!(lines[1].starts_with("t.toml:4:"), "{}", lines[1]);
        assert!(
            lines[2].contains("`brand.initial` = 2 is out of range"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn safe_folder_names() {
        assert_eq!(safe_folder_name("../etc/passwd"), "___etc_passwd");
        assert_eq!(safe_folder_name(".."), "__");
        assert_eq!(safe_folder_name(""), "scenario");
        assert_eq!(safe_folder_name("a b\tc\u{0}"), "a_b_c_");
        assert_eq!(safe_folder_name("host-investment"), "host-investment");
    }
}
