//! The `[sensitivity]` and `[sample]` tables of a scenario file, read from the file's text with
//! the positions of every key and value, so that each problem is reported with its line and
//! column like the scenario reader's (and every problem at once).
//!
//! ```toml
//! [sensitivity]
//! method = "morris"          # or "sobol"
//! trajectories = 20          # morris: trajectories (r); levels = 4 by default
//! # n = 256                  # sobol: base points (the design has n (k + 2) points)
//! outputs = ["p_graduate", "rmst", "median_weeks_to_graduate", "host_outlay_per_graduate"]
//! resamples = 1000           # bootstrap resamples for the confidence intervals
//! confidence = 0.95
//!
//! [sensitivity.parameters]   # leave out to vary every parameter over its plausible range
//! "host.investment" = { low = 0.25, high = 4, scale = "log" }
//! "core_idea.half_life" = [8, 104]
//! "community.population" = {}            # its plausible range
//! "motivation.distribution" = { choices = ["beta", "uniform"] }
//!
//! [sample]                   # a sampled design for `hothouse run`, beside or instead of [sweep]
//! method = "lhs"             # or "sobol", "random"
//! n = 50
//! [sample.parameters]
//! "host.investment" = [0.25, 4]
//! ```

use super::ranges;
use crate::design::{self, Range};
use crate::error::{ProblemSink, ScenarioError};
use crate::parameters::{self, Kind, ParamValue, Parameters};
use crate::scenario::Scenario;
use serde::Serialize;
use std::ops::Range as Span;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Outputs of a design point that a sensitivity study can rank parameters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// P(graduate): the share of trials that graduated.
    PGraduate,
    /// Restricted mean survival: mean weeks not fizzled within the horizon.
    Rmst,
    /// Median weeks to graduation among the trials that graduated (missing without any).
    MedianWeeksToGraduate,
    /// The host's whole outlay per graduation (missing without any graduation).
    HostOutlayPerGraduate,
}

impl Output {
    pub const ALL: [Output; 4] = [
        Output::PGraduate,
        Output::Rmst,
        Output::MedianWeeksToGraduate,
        Output::HostOutlayPerGraduate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Output::PGraduate => "p_graduate",
            Output::Rmst => "rmst",
            Output::MedianWeeksToGraduate => "median_weeks_to_graduate",
            Output::HostOutlayPerGraduate => "host_outlay_per_graduate",
        }
    }

    /// The output as a picture's title names it.
    pub fn title(self) -> &'static str {
        match self {
            Output::PGraduate => "P(graduate)",
            Output::Rmst => "Restricted mean survival (weeks)",
            Output::MedianWeeksToGraduate => "Median weeks to graduation",
            Output::HostOutlayPerGraduate => "Host outlay per graduation (£k)",
        }
    }

    fn from_name(s: &str) -> Option<Output> {
        Output::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// A parameter varied by a design, with its range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub path: String,
    pub range: Range,
}

/// The method of a sensitivity study and its design size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Method {
    Morris { trajectories: usize, levels: usize },
    Sobol { n: usize },
}

/// A validated `[sensitivity]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Study {
    pub method: Method,
    pub factors: Vec<Factor>,
    pub outputs: Vec<Output>,
    pub resamples: usize,
    pub confidence: f64,
}

impl Study {
    /// Number of design points: r (k + 1) for Morris, n (k + 2) for Sobol'.
    pub fn points(&self) -> usize {
        let k = self.factors.len();
        match self.method {
            Method::Morris { trajectories, .. } => trajectories * (k + 1),
            Method::Sobol { n } => n * (k + 2),
        }
    }
}

/// A validated `[sample]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub method: design::Method,
    pub n: usize,
    pub factors: Vec<Factor>,
}

impl Sample {
    /// The sampled values: one list per factor, `n` values each (point `i` is the i-th value of
    /// every list), from `seed`.
    pub fn values(&self, seed: u64) -> Vec<(String, Vec<ParamValue>)> {
        let units = self
            .method
            .points(self.n, self.factors.len(), design_seed(seed));
        self.factors
            .iter()
            .enumerate()
            .map(|(j, f)| {
                (
                    f.path.clone(),
                    units.iter().map(|u| f.range.value(u[j])).collect(),
                )
            })
            .collect()
    }
}

/// The seed of a design, derived from the scenario's master seed (so that the design's draws
/// are not those of trial 0).
pub fn design_seed(seed: u64) -> u64 {
    crate::model::splitmix64(seed ^ 0x5EED_DE51_6E00_0001)
}

/// Largest number of design points of a sensitivity study.
pub const MAX_POINTS: usize = 1_000_000;
/// Largest bootstrap resamples.
pub const MAX_RESAMPLES: usize = 100_000;

/// Reads the `[sensitivity]` table of a scenario (already parsed as `scenario`). `Ok(None)`
/// when the file has none.
#[allow(clippy::result_large_err)]
pub fn read_study(
    file: &str,
    text: &str,
    scenario: &Scenario,
) -> Result<Option<Study>, ScenarioError> {
    let mut r = TableReader::new(file, text);
    let Some(root) = r.root() else {
        return r.finish(None);
    };
    let study = root
        .get("sensitivity")
        .and_then(|t| r.study(t, &root, &scenario.base));
    r.finish(study)
}

/// Reads the `[sample]` table of a scenario. `Ok(None)` when the file has none.
#[allow(clippy::result_large_err)]
pub fn read_sample(
    file: &str,
    text: &str,
    base: &Parameters,
) -> Result<Option<Sample>, ScenarioError> {
    let mut r = TableReader::new(file, text);
    let Some(root) = r.root() else {
        return r.finish(None);
    };
    let sample = root.get("sample").and_then(|t| r.sample(t, &root, base));
    r.finish(sample)
}

type Value<'a> = Spanned<DeValue<'a>>;

struct TableReader<'t> {
    sink: ProblemSink<'t>,
    text: &'t str,
}

impl<'t> TableReader<'t> {
    fn new(file: &'t str, text: &'t str) -> Self {
        Self {
            sink: ProblemSink::new(file, text),
            text,
        }
    }

    fn root(&mut self) -> Option<DeTable<'t>> {
        // The scenario reader has reported syntax errors already; without a readable file
        // there is nothing to add.
        DeTable::parse(self.text).ok().map(|t| t.into_inner())
    }

    #[allow(clippy::result_large_err)]
    fn finish<T>(self, value: Option<T>) -> Result<Option<T>, ScenarioError> {
        self.sink.finish()?;
        Ok(value)
    }

    fn push(&mut self, span: Span<usize>, message: String, help: Option<&str>) {
        self.sink
            .push(Some(span), message, help.map(str::to_string));
    }

    fn shown(&self, span: &Span<usize>) -> String {
        self.text
            .get(span.clone())
            .unwrap_or("")
            .trim()
            .chars()
            .take(60)
            .collect()
    }

    /// A table's entries as (key, key span, value), or a problem naming `what`.
    fn table<'v>(
        &mut self,
        value: &'v Value<'t>,
        what: &str,
    ) -> Option<Vec<(&'v str, Span<usize>, &'v Value<'t>)>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(
                t.iter()
                    .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
                    .collect(),
            ),
            _ => {
                self.push(value.span(), format!("`{what}` must be a table"), None);
                None
            }
        }
    }

    fn whole(&mut self, key: &str, value: &Value<'t>, min: usize, max: usize) -> Option<usize> {
        let n = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match n.and_then(|n| usize::try_from(n).ok()) {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                let s = self.shown(&value.span());
                self.push(
                    value.span(),
                    format!(
                        "`{key}` = {s} is not allowed; expected a whole number from {min} to {max}"
                    ),
                    None,
                );
                None
            }
        }
    }

    fn number(&self, value: &Value<'t>) -> Option<f64> {
        match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|v| v as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        }
    }

    fn text_value<'v>(
        &mut self,
        key: &str,
        value: &'v Value<'t>,
        allowed: &[&str],
    ) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) if allowed.contains(&s.as_ref()) => Some(s.as_ref()),
            _ => {
                let s = self.shown(&value.span());
                let list = allowed
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>();
                self.push(
                    value.span(),
                    format!(
                        "`{key}` = {s} is not known; expected one of {}",
                        list.join(", ")
                    ),
                    None,
                );
                None
            }
        }
    }

    fn study(&mut self, table: &Value<'t>, root: &DeTable<'t>, base: &Parameters) -> Option<Study> {
        let k = self.study_keys(table, root, base)?;
        let method = match k.method_name.clone() {
            None if k.ok => {
                self.push(
                    table.span(),
                    "[sensitivity] needs `method` = \"morris\" or \"sobol\"".into(),
                    None,
                );
                return None;
            }
            None => return None,
            Some((m, span)) if m == "morris" => {
                if k.n.is_some() {
                    self.push(
                        k.n_span.clone().unwrap_or(span),
                        "`sensitivity.n` is for method = \"sobol\"; Morris takes `trajectories`"
                            .into(),
                        None,
                    );
                    return None;
                }
                Method::Morris {
                    trajectories: k.trajectories.unwrap_or(20),
                    levels: k.levels.unwrap_or(4),
                }
            }
            Some((_, span)) => {
                if k.trajectories.is_some() || k.levels.is_some() {
                    self.push(
                        k.n_span.clone().unwrap_or(span),
                        "`sensitivity.trajectories` and `levels` are for method = \"morris\"; Sobol' takes `n`".into(),
                        None,
                    );
                    return None;
                }
                Method::Sobol {
                    n: k.n.unwrap_or(256),
                }
            }
        };
        let factors = match k.factors {
            Some(f) => f,
            None if k.ok => ranges::every_parameter(base)
                .into_iter()
                .map(|(path, range)| Factor {
                    path: path.to_string(),
                    range,
                })
                .collect(),
            None => return None,
        };
        if !k.ok {
            return None;
        }
        let study = Study {
            method,
            factors,
            outputs: k.outputs,
            resamples: k.resamples,
            confidence: k.confidence,
        };
        if study.points() > MAX_POINTS {
            self.push(
                k.n_span.unwrap_or(table.span()),
                format!(
                    "the design has {} points, more than the {MAX_POINTS} allowed; use fewer trajectories, a smaller n or fewer parameters",
                    study.points()
                ),
                None,
            );
            return None;
        }
        Some(study)
    }

    /// The keys of a `[sensitivity]` table, each checked on its own.
    ///
    /// Long because it has one arm per key of the table, each checking its value with its
    /// message.
    fn study_keys(
        &mut self,
        table: &Value<'t>,
        root: &DeTable<'t>,
        base: &Parameters,
    ) -> Option<StudyKeys> {
        let entries = self.table(table, "sensitivity")?;
        let mut k = StudyKeys {
            method_name: None,
            trajectories: None,
            levels: None,
            n: None,
            outputs: Output::ALL.to_vec(),
            resamples: 1000,
            confidence: 0.95,
            factors: None,
            ok: true,
            n_span: None,
        };
        for (key, key_span, value) in entries {
            match key {
                "method" => {
                    k.method_name = self
                        .text_value("sensitivity.method", value, &["morris", "sobol"])
                        .map(|m| (m.to_string(), value.span()));
                    k.ok &= k.method_name.is_some();
                }
                "trajectories" => {
                    k.trajectories = self.whole("sensitivity.trajectories", value, 2, MAX_POINTS);
                    k.ok &= k.trajectories.is_some();
                    k.n_span = Some(value.span());
                }
                "levels" => {
                    k.levels = self.whole("sensitivity.levels", value, 2, 100);
                    if let Some(l) = k.levels.filter(|l| l % 2 == 1) {
                        self.push(
                            value.span(),
                            format!("`sensitivity.levels` = {l} is odd; Morris levels must be even (4 is usual)"),
                            None,
                        );
                        k.levels = None;
                    }
                    k.ok &= k.levels.is_some();
                }
                "n" => {
                    k.n = self.whole("sensitivity.n", value, 2, design::MAX_SOBOL_POINTS);
                    k.ok &= k.n.is_some();
                    k.n_span = Some(value.span());
                }
                "resamples" => match self.whole("sensitivity.resamples", value, 2, MAX_RESAMPLES) {
                    Some(v) => k.resamples = v,
                    None => k.ok = false,
                },
                "confidence" => match self.number(value) {
                    Some(c) if c > 0.0 && c < 1.0 => k.confidence = c,
                    _ => {
                        let s = self.shown(&value.span());
                        self.push(
                            value.span(),
                            format!("`sensitivity.confidence` = {s} is not allowed; expected a number between 0 and 1, such as 0.95"),
                            None,
                        );
                        k.ok = false;
                    }
                },
                "outputs" => match self.outputs(value) {
                    Some(o) => k.outputs = o,
                    None => k.ok = false,
                },
                "parameters" => {
                    k.factors = self.factors("sensitivity.parameters", value, root, base);
                    k.ok &= k.factors.is_some();
                }
                other => {
                    self.push(
                        key_span,
                        format!("unknown key `sensitivity.{other}`; [sensitivity] allows method, trajectories, levels, n, outputs, resamples, confidence, parameters"),
                        None,
                    );
                    k.ok = false;
                }
            }
        }
        Some(k)
    }

    fn outputs(&mut self, value: &Value<'t>) -> Option<Vec<Output>> {
        let names: Vec<&str> = Output::ALL.iter().map(|o| o.name()).collect();
        let DeValue::Array(items) = value.get_ref() else {
            self.push(
                value.span(),
                format!(
                    "`sensitivity.outputs` must be a list of names from {}",
                    names.join(", ")
                ),
                None,
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.text_value("sensitivity.outputs", item, &names) {
                Some(name) => {
                    if let Some(o) = Output::from_name(name).filter(|o| !out.contains(o)) {
                        out.push(o);
                    }
                }
                None => ok = false,
            }
        }
        if out.is_empty() && ok {
            self.push(
                value.span(),
                "`sensitivity.outputs` is empty; name at least one output".into(),
                None,
            );
            return None;
        }
        ok.then_some(out)
    }

    /// A `[sample]` table: method, number of points and the sampled parameters' ranges.
    ///
    /// Long because it has one arm per key of the table, then the checks between keys.
    fn sample(
        &mut self,
        table: &Value<'t>,
        root: &DeTable<'t>,
        base: &Parameters,
    ) -> Option<Sample> {
        let entries = self.table(table, "sample")?;
        let mut n_span = None;
        let mut method = None;
        let mut n = None;
        let mut factors = None;
        let mut ok = true;
        for (key, key_span, value) in entries {
            match key {
                "method" => {
                    method = self
                        .text_value("sample.method", value, design::Method::NAMES)
                        .and_then(design::Method::from_name);
                    ok &= method.is_some();
                }
                "n" => {
                    n = self.whole("sample.n", value, 2, crate::scenario::MAX_VARIANTS);
                    ok &= n.is_some();
                    n_span = Some(value.span());
                }
                "parameters" => {
                    factors = self.factors("sample.parameters", value, root, base);
                    ok &= factors.is_some();
                }
                other => {
                    self.push(
                        key_span,
                        format!(
                            "unknown key `sample.{other}`; [sample] allows method, n, parameters"
                        ),
                        None,
                    );
                    ok = false;
                }
            }
        }
        if let (Some(v), Some(design::Method::Sobol), Some(span)) = (n, method, n_span)
            && v > design::MAX_SOBOL_POINTS
        {
            self.push(
                span,
                format!(
                    "`sample.n` = {v} is more than the {} points of the Sobol' sequence; use method = \"lhs\" for more",
                    design::MAX_SOBOL_POINTS
                ),
                None,
            );
            return None;
        }
        if !ok {
            return None;
        }
        let missing: Vec<&str> = [
            ("method", method.is_none()),
            ("n", n.is_none()),
            ("parameters", factors.is_none()),
        ]
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(k, _)| k)
        .collect();
        if !missing.is_empty() {
            self.push(
                table.span(),
                format!(
                    "[sample] needs {}: method = \"lhs\" | \"sobol\" | \"random\", n = the number of points, and [sample.parameters] with a range for each sampled parameter",
                    missing.join(", ")
                ),
                None,
            );
            return None;
        }
        Some(Sample {
            method: method?,
            n: n?,
            factors: factors?,
        })
    }

    /// The ranges of a `parameters` table. Paths may be quoted (`"host.investment" = ...`) or
    /// dotted (`host.investment = ...`, nested tables).
    fn factors(
        &mut self,
        what: &str,
        value: &Value<'t>,
        root: &DeTable<'t>,
        base: &Parameters,
    ) -> Option<Vec<Factor>> {
        let mut flat = Vec::new();
        self.flatten("", value, &mut flat);
        let swept: Vec<String> = match root.get("sweep").map(|s| s.get_ref()) {
            Some(DeValue::Table(t)) => {
                let mut out = Vec::new();
                for (k, v) in t.iter() {
                    let mut inner = Vec::new();
                    self.flatten_quiet(k.get_ref(), v, &mut inner);
                    out.extend(inner);
                }
                out
            }
            _ => Vec::new(),
        };
        let mut factors: Vec<Factor> = Vec::new();
        let mut ok = true;
        for (path, key_span, v) in flat {
            let Some(spec) = parameters::spec(&path) else {
                let help = parameters::suggest(&path).map(|s| format!("did you mean `{s}`?"));
                self.push(
                    key_span,
                    format!("unknown parameter `{path}` in [{what}]; a path names a parameter as group.name, such as host.investment"),
                    help.as_deref(),
                );
                ok = false;
                continue;
            };
            if factors.iter().any(|f| f.path == path) {
                self.push(
                    key_span,
                    format!("`{path}` is given twice in [{what}]"),
                    None,
                );
                ok = false;
                continue;
            }
            if swept.contains(&path) {
                self.push(
                    key_span,
                    format!("`{path}` is both swept ([sweep]) and varied by [{what}]; a parameter may be in only one of them"),
                    None,
                );
                ok = false;
                continue;
            }
            match self.range(&path, spec, v, base) {
                Some(range) => factors.push(Factor { path, range }),
                None => ok = false,
            }
        }
        if factors.is_empty() && ok {
            self.push(
                value.span(),
                format!("[{what}] is empty; give at least one parameter and its range"),
                None,
            );
            return None;
        }
        ok.then_some(factors)
    }

    fn flatten<'v>(
        &mut self,
        prefix: &str,
        value: &'v Value<'t>,
        out: &mut Vec<(String, Span<usize>, &'v Value<'t>)>,
    ) {
        if let DeValue::Table(t) = value.get_ref() {
            for (k, v) in t.iter() {
                let path = if prefix.is_empty() {
                    k.get_ref().to_string()
                } else {
                    format!("{prefix}.{}", k.get_ref())
                };
                let is_range =
                    parameters::spec(&path).is_some() || !matches!(v.get_ref(), DeValue::Table(_));
                if is_range {
                    out.push((path, k.span(), v));
                } else {
                    self.flatten(&path, v, out);
                }
            }
        } else {
            self.push(
                value.span(),
                "the parameters must be a table of paths and ranges".into(),
                None,
            );
        }
    }

    /// Paths of a sweep, without reporting anything (the scenario reader does).
    fn flatten_quiet(&self, prefix: &str, value: &Value<'t>, out: &mut Vec<String>) {
        match value.get_ref() {
            DeValue::Table(t) if parameters::spec(prefix).is_none() => {
                for (k, v) in t.iter() {
                    self.flatten_quiet(&format!("{prefix}.{}", k.get_ref()), v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }

    /// One parameter's range: `[low, high]`, `{ low, high, scale }`, `{ choices = [...] }` or
    /// `{}` (the plausible range).
    fn range(
        &mut self,
        path: &str,
        spec: &parameters::ParamSpec,
        v: &Value<'t>,
        base: &Parameters,
    ) -> Option<Range> {
        let span = v.span();
        let shown = self.shown(&span);
        let parts = self.range_parts(path, spec, v)?;
        if let Kind::Choice(names) = spec.kind {
            let list = parts.choices.unwrap_or_default();
            if list.is_empty() || list.iter().any(|c| !names.contains(&c.as_str())) {
                let names: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                self.push(
                    span,
                    format!(
                        "the choices of `{path}` = {shown} are not allowed; list one or more of {}",
                        names.join(", ")
                    ),
                    None,
                );
                return None;
            }
            return Some(Range::Choice { choices: list });
        }
        if parts.choices.is_some() {
            self.push(
                span,
                format!("`{path}` is a number; give it [low, high], not choices"),
                None,
            );
            return None;
        }
        let mut log = parts.log;
        let (low, high) = match (parts.low, parts.high) {
            (None, None) => self.plausible_bounds(path, spec, base, span.clone(), &mut log)?,
            (Some(l), Some(h)) => {
                let lo = self.bound(path, spec, l, "low");
                let hi = self.bound(path, spec, h, "high");
                (lo?, hi?)
            }
            _ => {
                self.push(
                    span,
                    format!("the range of `{path}` needs both low and high"),
                    None,
                );
                return None;
            }
        };
        if low >= high {
            self.push(
                span,
                format!(
                    "the range of `{path}` = {shown} is {}; low must be below high",
                    if low == high { "empty" } else { "inverted" }
                ),
                None,
            );
            return None;
        }
        if log && low <= 0.0 {
            self.push(
                span,
                format!("the range of `{path}` = {shown} is log-uniform, so low must be above 0"),
                None,
            );
            return None;
        }
        Some(Range::Number {
            low,
            high,
            log,
            integer: matches!(spec.kind, Kind::Int { .. }),
        })
    }

    /// What a range entry gives, before it is checked against the parameter: `[low, high]`
    /// (a list of names for a choice) or a table of `low`, `high`, `scale` and `choices`.
    fn range_parts<'v>(
        &mut self,
        path: &str,
        spec: &parameters::ParamSpec,
        v: &'v Value<'t>,
    ) -> Option<RangeParts<'v, 't>> {
        let mut parts = RangeParts {
            low: None,
            high: None,
            log: false,
            choices: None,
        };
        let choice = matches!(spec.kind, Kind::Choice(_));
        match v.get_ref() {
            DeValue::Array(items) if items.len() == 2 && !choice => {
                parts.low = Some(&items[0]);
                parts.high = Some(&items[1]);
            }
            DeValue::Array(items) if choice => {
                let names = names_in(items);
                // a list with anything but names is no list of choices
                parts.choices = Some(if names.len() == items.len() {
                    names
                } else {
                    Vec::new()
                });
            }
            DeValue::Table(t) => {
                for (k, item) in t.iter() {
                    match k.get_ref().as_ref() {
                        "low" => parts.low = Some(item),
                        "high" => parts.high = Some(item),
                        "scale" => {
                            let name = format!("{path}.scale");
                            let scale = self.text_value(&name, item, &["linear", "log"])?;
                            parts.log = scale == "log";
                        }
                        "choices" => {
                            let DeValue::Array(items) = item.get_ref() else {
                                self.push(
                                    item.span(),
                                    format!("`{path}.choices` must be a list of names"),
                                    None,
                                );
                                return None;
                            };
                            parts.choices = Some(names_in(items));
                        }
                        other => {
                            self.push(
                                k.span(),
                                format!("unknown key `{other}` in the range of `{path}`; a range allows low, high, scale (\"linear\" or \"log\") or choices"),
                                None,
                            );
                            return None;
                        }
                    }
                }
            }
            _ => {
                let shown = self.shown(&v.span());
                self.push(
                    v.span(),
                    format!("the range of `{path}` = {shown} is not a range; write [low, high], {{ low = …, high = …, scale = \"log\" }}, {{ choices = [...] }} or {{}} for its plausible range"),
                    None,
                );
                return None;
            }
        }
        Some(parts)
    }

    /// The plausible range of `path` (`{}`); log-uniform if it is, or if the entry says so.
    fn plausible_bounds(
        &mut self,
        path: &str,
        spec: &parameters::ParamSpec,
        base: &Parameters,
        span: Span<usize>,
        log: &mut bool,
    ) -> Option<(f64, f64)> {
        let default = base.get(path)?;
        match ranges::plausible(path, &spec.kind, &default) {
            Some(Range::Number {
                low, high, log: l, ..
            }) => {
                *log |= l;
                Some((low, high))
            }
            _ => {
                self.push(
                    span,
                    format!("`{path}` has no plausible range recorded; give it [low, high]"),
                    None,
                );
                None
            }
        }
    }

    /// One end of a range: a number (whole, for a whole parameter) the parameter allows.
    fn bound(
        &mut self,
        path: &str,
        spec: &parameters::ParamSpec,
        node: &Value<'t>,
        which: &str,
    ) -> Option<f64> {
        let integer = matches!(spec.kind, Kind::Int { .. });
        let x = self.number(node);
        let as_value = match (x, integer) {
            (Some(x), true) if matches!(node.get_ref(), DeValue::Integer(_)) => {
                ParamValue::Int(x as i64)
            }
            (Some(_), true) => {
                let s = self.shown(&node.span());
                self.push(
                    node.span(),
                    format!(
                        "the {which} end of `{path}` = {s} is not a whole number; `{path}` is whole"
                    ),
                    None,
                );
                return None;
            }
            (Some(x), false) => ParamValue::Float(x),
            (None, _) => {
                let s = self.shown(&node.span());
                self.push(
                    node.span(),
                    format!("the {which} end of `{path}` = {s} is not a number"),
                    None,
                );
                return None;
            }
        };
        match spec.kind.check(&as_value) {
            Ok(_) => x,
            Err(msg) => {
                self.push(
                    node.span(),
                    format!("the {which} end of `{path}`: {msg}"),
                    None,
                );
                None
            }
        }
    }
}

/// The keys of a `[sensitivity]` table as read, before they make a [`Study`]; `ok` is false
/// once one of them was reported as wrong.
struct StudyKeys {
    method_name: Option<(String, Span<usize>)>,
    trajectories: Option<usize>,
    levels: Option<usize>,
    n: Option<usize>,
    outputs: Vec<Output>,
    resamples: usize,
    confidence: f64,
    factors: Option<Vec<Factor>>,
    ok: bool,
    /// Where the design's size is given (`trajectories` or `n`).
    n_span: Option<Span<usize>>,
}

/// What a range entry of `[sensitivity.parameters]` gives, before it is checked.
struct RangeParts<'v, 't> {
    low: Option<&'v Value<'t>>,
    high: Option<&'v Value<'t>>,
    log: bool,
    choices: Option<Vec<String>>,
}

/// The names (strings) in a list; other items are left out.
fn names_in(items: &[Value<'_>]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        })
        .collect()
}

/// The scenario reader's hook: checks the `[sensitivity]` table and applies a `[sample]` table,
/// whose points become the variants (each sweep variant with each sample point, when the file
/// has both). The design is drawn from the file's seed.
#[allow(clippy::result_large_err)]
pub fn apply_tables(
    file: &str,
    text: &str,
    mut scenario: Scenario,
) -> Result<Scenario, ScenarioError> {
    read_study(file, text, &scenario)?;
    let Some(sample) = read_sample(file, text, &scenario.base)? else {
        return Ok(scenario);
    };
    let sweep_variants = scenario.variants();
    let points = sample.values(scenario.seed);
    let n = sample.n;
    let total = sweep_variants.len().saturating_mul(n);
    let span = sample_span(text);
    // One problem, reported like the scenario reader's (`finish` fails when it holds one).
    let fail = |message: String| -> Result<(), ScenarioError> {
        let mut sink = ProblemSink::new(file, text);
        sink.push(span.clone(), message, None);
        sink.finish()
    };
    if total > crate::scenario::MAX_VARIANTS {
        fail(format!(
            "the sweep's {} variants times the sample's {n} points make {total} variants, more than the {} allowed in one scenario",
            sweep_variants.len(),
            crate::scenario::MAX_VARIANTS
        ))?;
    }
    // Lists of equal length, read in step (variant i takes the i-th value of each).
    let mut lists: Vec<(String, Vec<ParamValue>)> = scenario
        .sweep
        .iter()
        .map(|(p, _)| (p.clone(), Vec::with_capacity(total)))
        .chain(
            points
                .iter()
                .map(|(p, _)| (p.clone(), Vec::with_capacity(total))),
        )
        .collect();
    for v in &sweep_variants {
        for i in 0..n {
            let values = v.values.iter().chain(points.iter().map(|(_, l)| &l[i]));
            for ((_, list), value) in lists.iter_mut().zip(values) {
                list.push(value.clone());
            }
            let mut params = v.params.clone();
            for (path, l) in &points {
                params.set(path, &l[i]);
            }
            if let Some(first) = crate::scenario::cross_check(&params).first() {
                fail(format!(
                    "sample point {i} breaks a rule of the model: {first}; narrow the ranges in [sample.parameters]"
                ))?;
            }
        }
    }
    scenario.sweep = lists;
    scenario.sampled = true;
    Ok(scenario)
}

/// Where the `[sample]` table starts, for messages about the whole design.
fn sample_span(text: &str) -> Option<Span<usize>> {
    let table = DeTable::parse(text).ok()?;
    table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "sample")
        .map(|(k, _)| k.span())
}
