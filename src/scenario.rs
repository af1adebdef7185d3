//! Scenario files: one TOML file per study, with run settings, the model's parameters grouped by
//! concept and a `[sweep]` table whose Cartesian product gives the variants.
//!
//! Every problem in a file is collected (not just the first) and reported with its line and
//! column, the key, the value and what is allowed, before any work starts. The file is read with
//! the TOML parser's error recovery, so several syntax errors are reported at once, and the rest
//! of the file is still checked (except where a syntax error makes the reading uncertain).

use crate::error::{MAX_PROBLEMS, ProblemSink, ScenarioError};
use crate::model::Model;
use crate::parameters::{
    self, Kind, MotivationDistribution, ParamSpec, ParamValue, Parameters, SPECS,
};
use crate::variation::{self, Draw, FAMILIES, Family};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

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
    /// Swept parameter paths with their values, in file order. A path may also name a
    /// distribution's own parameter, `group.name.field` (such as `core_idea.strength.sd_log`).
    pub sweep: Vec<(String, Vec<ParamValue>)>,
    /// Parameters drawn per community, in file order (the drawn-value columns of `trials.csv`).
    pub draws: Vec<Draw>,
    /// Set by a `[sample]` table (crate::sensitivity::config): the sweep's lists have one
    /// value per variant, read in step, instead of giving a Cartesian product.
    #[serde(skip)]
    pub sampled: bool,
}

/// One point of the sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub index: usize,
    /// The swept parameters' values, in the order of [`Scenario::sweep`].
    pub values: Vec<ParamValue>,
    #[serde(skip)]
    pub params: Parameters,
    /// Parameters drawn per community in this variant (a swept fixed value removes a draw).
    #[serde(skip)]
    pub draws: Vec<Draw>,
}

impl Variant {
    /// The model of this variant, its draws aligned with the scenario's drawn-value columns.
    pub fn model(&self, scenario: &Scenario) -> Result<Model, String> {
        let draws = scenario
            .draws
            .iter()
            .map(|b| self.draws.iter().find(|d| d.path == b.path).cloned())
            .collect();
        Model::with_draws(self.params.clone(), draws, scenario.steps)
    }

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
    ///
    /// Never panics, whatever the text; every problem found is in the error.
    // The error is large, but made at most once per file, on the way out.
    #[allow(clippy::result_large_err)]
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let (root, errors) = DeTable::parse_recoverable(text);
        let (syntax, regions) = syntax_problems(text, errors);
        let mut reader = Reader::new(text);
        let top = convert_table(root.get_ref());
        let scenario = reader.build(&top);

        let mut sink = ProblemSink::new(file, text);
        // Where the TOML could not be read, the recovered document is uncertain: keep only the
        // other problems that are well away from every syntax error.
        let uncertain = |f: &Found| -> bool {
            match &f.span {
                _ if f.whole_file => true,
                None => true,
                Some(r) => regions.touch(r),
            }
        };
        let have_syntax = !syntax.is_empty();
        let mut all: Vec<Found> = reader
            .found
            .into_iter()
            .filter(|f| !(have_syntax && uncertain(f)))
            .collect();
        all.extend(syntax);
        // In file order; problems without a place last. The sort is stable, so problems at the
        // same place keep the order they were found in.
        all.sort_by_key(|f| f.span.as_ref().map_or(usize::MAX, |r| r.start));
        for f in all {
            sink.push(f.span, f.message, f.help);
        }
        sink.finish()?;
        crate::sensitivity::config::apply_tables(file, text, scenario)
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
        check_cells(self.variant_count(), self.steps)?;
        Ok(self)
    }

    /// Number of variants: the product of the sweep lists' lengths (1 without a sweep).
    /// Saturates at `usize::MAX` rather than overflowing.
    pub fn variant_count(&self) -> usize {
        if self.sampled {
            return self.sweep.first().map_or(1, |(_, v)| v.len());
        }
        self.sweep
            .iter()
            .fold(1usize, |n, (_, v)| n.saturating_mul(v.len()))
    }

    /// The paths of the parameters drawn per community (columns of `trials.csv`).
    pub fn drawn_paths(&self) -> Vec<&str> {
        self.draws.iter().map(|d| d.path.as_str()).collect()
    }

    /// The swept parameters' paths.
    pub fn swept_paths(&self) -> Vec<&str> {
        self.sweep.iter().map(|(p, _)| p.as_str()).collect()
    }

    /// The variants, in order: the Cartesian product of the sweep lists with the first-listed
    /// parameter varying slowest and the last fastest (like nested loops in file order).
    pub fn variants(&self) -> Vec<Variant> {
        (0..self.variant_count())
            .map(|index| self.variant_at(index))
            .collect()
    }

    /// Variant `index` (which must be below [`Scenario::variant_count`]).
    fn variant_at(&self, index: usize) -> Variant {
        let mut rest = index;
        let mut values = vec![ParamValue::Int(0); self.sweep.len()];
        for (k, (_, list)) in self.sweep.iter().enumerate().rev() {
            if list.is_empty() {
                continue;
            }
            let i = if self.sampled {
                index
            } else {
                rest % list.len()
            };
            values[k] = list[i.min(list.len() - 1)].clone();
            rest /= list.len();
        }
        let mut params = self.base.clone();
        let mut draws = self.draws.clone();
        for ((path, _), v) in self.sweep.iter().zip(&values) {
            if params.set(path, v) {
                // A swept fixed value overrides a distribution given in the table.
                draws.retain(|d| d.path != *path);
            } else if let Some((param, field)) = path.rsplit_once('.') {
                if let (Some(d), Some(x)) = (draws.iter_mut().find(|d| d.path == param), v.as_f64())
                {
                    d.family.set(field, x);
                }
            }
        }
        Variant {
            index,
            values,
            params,
            draws,
        }
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

/// Checks a `--trials` override (the file's value is checked where it is read).
fn check_trials(t: u64) -> Result<u64, String> {
    if t == 0 || t > MAX_TRIALS {
        Err(format!(
            "--trials {t} is out of range; expected a whole number from 1 to {MAX_TRIALS}"
        ))
    } else {
        Ok(t)
    }
}

/// Checks a `--steps` override.
fn check_steps(s: u64) -> Result<u32, String> {
    if s == 0 || s > MAX_STEPS {
        Err(format!(
            "--steps {s} is out of range; expected a whole number of weeks from 1 to {MAX_STEPS}"
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

const RUN_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "trials",
    "steps",
    "sweep",
    "sample",
    "sensitivity",
];

/// How many variants breaking one cross-parameter rule are listed one by one.
const RULE_EXAMPLES: usize = 3;

/// A problem found while reading the document, before it goes to the sink.
struct Found {
    span: Option<Range<usize>>,
    message: String,
    help: Option<String>,
    /// Only meaningful when the whole file could be read (missing keys, cross-parameter rules).
    whole_file: bool,
}

/// A TOML value with the byte span where it was written.
#[derive(Debug, Clone)]
struct Node {
    span: Range<usize>,
    raw: Raw,
}

/// A key of a table, the span of the key, and its value.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    key_span: Range<usize>,
    value: Node,
}

impl Entry {
    /// From the key to the end of the value.
    fn span(&self) -> Range<usize> {
        let start = self.key_span.start.min(self.value.span.start);
        start..self.value.span.end.max(start)
    }
}

#[derive(Debug, Clone)]
enum Raw {
    Bool,
    Int(i64),
    /// A whole number that does not fit in 64 bits.
    BigInt,
    Float(f64),
    /// A real number too large to store (such as 1e400).
    BigFloat,
    Str(String),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

fn convert(value: &Spanned<DeValue<'_>>) -> Node {
    let raw = match value.get_ref() {
        DeValue::String(s) => Raw::Str(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(v) => Raw::Int(v),
            Err(_) => Raw::BigInt,
        },
        DeValue::Float(f) => read_float(f.as_str()),
        DeValue::Boolean(_) => Raw::Bool,
        DeValue::Datetime(_) => Raw::Datetime,
        DeValue::Array(items) => Raw::Array(items.iter().map(convert).collect()),
        DeValue::Table(t) => Raw::Table(convert_table(t)),
    };
    Node {
        span: value.span(),
        raw,
    }
}

fn read_float(s: &str) -> Raw {
    let unsigned = s.trim_start_matches(['+', '-']);
    let negative = s.starts_with('-');
    match unsigned {
        "nan" => return Raw::Float(f64::NAN),
        "inf" => {
            return Raw::Float(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        _ => {}
    }
    match s.replace('_', "").parse::<f64>() {
        Ok(x) if x.is_finite() => Raw::Float(x),
        _ => Raw::BigFloat,
    }
}

fn convert_table(t: &DeTable<'_>) -> Vec<Entry> {
    t.iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            key_span: k.span(),
            value: convert(v),
        })
        .collect()
}

/// The document's syntax errors, at most one per line (later ones on a line usually follow from
/// the first), in file order.
///
/// Also returns the regions of the text that the parser's recovery makes uncertain: the lines of
/// every error and, after a broken table header, everything up to the next header.
fn syntax_problems(text: &str, errors: Vec<toml::de::Error>) -> (Vec<Found>, Regions) {
    let mut errors: Vec<(Option<Range<usize>>, String)> = errors
        .into_iter()
        .map(|e| (e.span(), e.message().trim().to_string()))
        .collect();
    errors.sort_by_key(|(span, _)| span.as_ref().map(|r| r.start));
    let index = LineIndex::new(text);
    let regions = Regions::new(
        errors
            .iter()
            .filter_map(|(span, message)| {
                let r = span.as_ref()?;
                let first = index.line_of(r.start);
                let mut last = index.line_of(r.end.max(r.start));
                if message.contains("table") {
                    // A broken table header: up to the next line that starts a table.
                    last = index.next_header_after(last).map_or(usize::MAX, |h| h - 1);
                }
                Some(index.start_of(first)..index.start_of(last.saturating_add(1)))
            })
            .collect(),
    );
    let mut lines = HashSet::new();
    let mut out = Vec::new();
    for (span, message) in errors {
        if let Some(r) = &span {
            if !lines.insert(index.line_of(r.start)) {
                continue;
            }
        }
        let near = span
            .as_ref()
            .map(|r| shown(text, r))
            .filter(|s| !s.is_empty());
        let message = match (message.as_str(), &near) {
            ("duplicate key", Some(k)) => {
                format!("`{k}` is defined twice; each key and table may appear only once")
            }
            (m, _) if m.contains("recursion") || m.contains("recurse") => {
                "tables or lists are nested too deeply to be read (this is not valid TOML here)"
                    .to_string()
            }
            (m, None) if m.starts_with("string values must be quoted") => {
                "this is not valid TOML: a value is missing after `=`".to_string()
            }
            (m, Some(near)) if m.starts_with("string values must be quoted") => format!(
                "this is not valid TOML: `{near}` is not a number, boolean, date, list or table, and text must be in quotes (\"{near}\")"
            ),
            (m, Some(near)) => format!("this is not valid TOML: {m} (at `{near}`)"),
            (m, None) => format!("this is not valid TOML: {m}"),
        };
        out.push(Found {
            span,
            message,
            help: Some(
                "see https://toml.io for the syntax: text needs quotes (name = \"my-study\"), \
                 tables are written [host], lists [1, 2, 3]"
                    .to_string(),
            ),
            whole_file: false,
        });
    }
    (out, regions)
}

/// Where lines start, for finding the line of an offset quickly (a file full of errors must not
/// take time proportional to its size for each error).
struct LineIndex {
    /// The offset of the start of every line.
    starts: Vec<usize>,
    /// Lines (0-based) whose first non-blank character is `[`: table headers.
    headers: Vec<usize>,
    len: usize,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let headers = starts
            .iter()
            .enumerate()
            .filter(|(_, s)| text[**s..].trim_start_matches([' ', '\t']).starts_with('['))
            .map(|(line, _)| line)
            .collect();
        Self {
            starts,
            headers,
            len: text.len(),
        }
    }

    /// The line (0-based) holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Where line `line` starts (the end of the text for lines past the last).
    fn start_of(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len + 1)
    }

    /// The first table header after line `line`.
    fn next_header_after(&self, line: usize) -> Option<usize> {
        let i = self.headers.partition_point(|&h| h <= line);
        self.headers.get(i).copied()
    }
}

/// Disjoint, sorted byte ranges of the text that syntax errors make uncertain.
struct Regions(Vec<Range<usize>>);

impl Regions {
    fn new(mut ranges: Vec<Range<usize>>) -> Self {
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        Self(merged)
    }

    /// Whether `span` touches an uncertain region.
    fn touch(&self, span: &Range<usize>) -> bool {
        let i = self.0.partition_point(|u| u.end <= span.start);
        self.0.get(i).is_some_and(|u| u.start <= span.end)
    }
}

/// The text written at `span`, on one line, without control characters and at most 60
/// characters long.
fn shown(text: &str, span: &Range<usize>) -> String {
    let start = floor_boundary(text, span.start);
    let end = floor_boundary(text, span.end.max(span.start));
    let raw = text.get(start..end).unwrap_or("").trim();
    let mut out = String::new();
    for (i, c) in raw.chars().enumerate() {
        if i == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A key as it would be written in TOML: bare when it can be, quoted otherwise.
fn show_key(key: &str) -> String {
    if !key.is_empty()
        && key.len() <= 60
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        let mut s: String = key.chars().take(60).collect();
        if key.chars().count() > 60 {
            s.push('…');
        }
        format!("{s:?}")
    }
}

/// Why a value cannot be used for a parameter.
enum Bad {
    /// The right type but a wrong value: a message starting with the value as written.
    Value(String),
    /// The wrong type.
    Type,
}

/// Reads a scenario document into a [`Scenario`], collecting problems.
struct Reader<'t> {
    text: &'t str,
    found: Vec<Found>,
    /// Parameter paths with a problem (in the base or the sweep).
    bad: HashSet<String>,
    /// Where each parameter was set in the base tables.
    base_spans: HashMap<String, Range<usize>>,
    /// Where each swept parameter was listed.
    sweep_spans: HashMap<String, Range<usize>>,
    sweep_span: Option<Range<usize>>,
    /// Parameters given as distributions across communities, in file order.
    draws: Vec<Draw>,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            found: Vec::new(),
            bad: HashSet::new(),
            base_spans: HashMap::new(),
            sweep_spans: HashMap::new(),
            sweep_span: None,
            draws: Vec::new(),
        }
    }

    fn push(&mut self, span: Option<Range<usize>>, message: String, help: Option<String>) {
        self.found.push(Found {
            span,
            message,
            help,
            whole_file: false,
        });
    }

    fn push_whole(&mut self, span: Option<Range<usize>>, message: String, help: Option<String>) {
        self.found.push(Found {
            span,
            message,
            help,
            whole_file: true,
        });
    }

    /// Whether "did you mean" hints are still worth their cost: a file with thousands of
    /// unknown keys shows only the first problems anyway.
    fn hints_wanted(&self, word: &str) -> bool {
        self.found.len() < 2 * MAX_PROBLEMS && word.chars().count() <= 64
    }

    /// The parameter path closest to `path`, for a "did you mean" hint.
    fn suggest(&self, path: &str) -> Option<&'static str> {
        if self.hints_wanted(path) {
            parameters::suggest(path)
        } else {
            None
        }
    }

    /// The closest of `candidates` to `word`, when it is a near miss (at most 2 edits).
    fn nearest<'c>(&self, word: &str, candidates: &[&'c str]) -> Option<&'c str> {
        if !self.hints_wanted(word) {
            return None;
        }
        candidates
            .iter()
            .map(|c| (strsim::levenshtein(word, c), *c))
            .filter(|(d, c)| *d <= 2 && *d < c.len())
            .min_by_key(|(d, _)| *d)
            .map(|(_, c)| c)
    }

    fn shown(&self, node: &Node) -> String {
        shown(self.text, &node.span)
    }

    /// "the number 1e400", "the text \"abc\"", "a list", ...
    fn describe(&self, node: &Node) -> String {
        let s = self.shown(node);
        match &node.raw {
            Raw::Bool => format!("the boolean {s}"),
            Raw::Int(_) | Raw::BigInt | Raw::Float(_) | Raw::BigFloat => format!("the number {s}"),
            Raw::Str(_) => format!("the text {s}"),
            Raw::Datetime => format!("the date or time {s}"),
            Raw::Array(_) => "a list".to_string(),
            Raw::Table(_) => "a table".to_string(),
        }
    }

    fn build(&mut self, top: &[Entry]) -> Scenario {
        let mut scenario = Scenario {
            name: String::new(),
            description: String::new(),
            seed: 1,
            trials: 1000,
            steps: 104,
            base: Parameters::default(),
            sweep: Vec::new(),
            draws: Vec::new(),
            sampled: false,
        };
        let mut name_given = false;
        let mut sweep_entries: Option<&[Entry]> = None;
        for entry in top {
            let key = entry.key.as_str();
            match (key, &entry.value.raw) {
                ("name", _) => {
                    name_given = true;
                    if let Some(name) = self.read_name(entry) {
                        scenario.name = name;
                    }
                }
                ("description", Raw::Str(s)) => scenario.description = s.clone(),
                ("description", _) => self.wrong_kind(entry, "quoted text", None),
                ("seed", _) => {
                    if let Some(s) = self.whole_number("seed", &entry.value, 0, i64::MAX as u64, "")
                    {
                        scenario.seed = s;
                    }
                }
                ("trials", _) => {
                    if let Some(t) = self.whole_number("trials", &entry.value, 1, MAX_TRIALS, "") {
                        scenario.trials = t;
                    }
                }
                ("steps", _) => {
                    if let Some(s) =
                        self.whole_number("steps", &entry.value, 1, MAX_STEPS, " of weeks")
                    {
                        scenario.steps = s as u32;
                    }
                }
                ("sweep", Raw::Table(entries)) => {
                    // Read after the parameter tables, which may come later in the file but
                    // give the distributions a sweep can vary.
                    self.sweep_span = Some(entry.span());
                    sweep_entries = Some(entries);
                }
                ("sweep", _) => self.wrong_kind(
                    entry,
                    "a table mapping parameter paths to lists of values",
                    Some("write [sweep] on its own line, then lines such as host.investment = [0, 1, 2]".into()),
                ),
                ("calibrate", Raw::Table(_)) => {} // read by hothouse::calibrate::config
                (group, _) if parameters::GROUPS.contains(&group) => {
                    self.read_group(&mut scenario.base, group, entry)
                }
                // Read by crate::sensitivity::config, with their own checks.
                ("sample" | "sensitivity", _) => {}
                (other, _) => self.unknown_top_key(other, entry),
            }
        }
        scenario.draws = std::mem::take(&mut self.draws);
        if let Some(entries) = sweep_entries {
            let mut flat = Vec::new();
            self.flatten_sweep("", entries, &mut flat);
            scenario.sweep = self.read_sweep(&flat, &scenario.draws);
        }
        if !name_given {
            self.push_whole(
                Some(0..0),
                "the key `name` is missing; add name = \"my-study\" at the top of the file".into(),
                Some("the name is used for the output folder, output/<name>/".into()),
            );
        }
        self.check_size(&scenario);
        scenario
    }

    /// The study's name: quoted, not empty text.
    fn read_name(&mut self, entry: &Entry) -> Option<String> {
        let span = Some(entry.value.span.clone());
        match &entry.value.raw {
            Raw::Str(s) if s.trim().is_empty() => self.push(
                span,
                "`name` is empty; give the study a short name such as name = \"host-investment\""
                    .into(),
                None,
            ),
            Raw::Str(s) => return Some(s.clone()),
            _ => self.wrong_kind(
                entry,
                "quoted text",
                Some("write name = \"my-study\"".into()),
            ),
        }
        None
    }

    /// Reports that `entry` holds the wrong kind of value: "`key` must be `expected`, not ...".
    fn wrong_kind(&mut self, entry: &Entry, expected: &str, help: Option<String>) {
        let what = self.describe(&entry.value);
        self.push(
            Some(entry.value.span.clone()),
            format!("`{}` must be {expected}, not {what}", entry.key),
            help,
        )
    }

    /// A table of parameters such as `[host]`, into `base`.
    fn read_group(&mut self, base: &mut Parameters, group: &str, entry: &Entry) {
        let span = Some(entry.value.span.clone());
        match &entry.value.raw {
            Raw::Table(entries) => {
                for e in entries {
                    self.set_base(base, group, e);
                }
            }
            Raw::Array(_) => {
                self.bad_group(group);
                self.push(
                    span,
                    format!(
                        "`{group}` must be one table [{group}], not a list of tables [[{group}]]"
                    ),
                    None,
                )
            }
            _ => {
                self.bad_group(group);
                let what = self.describe(&entry.value);
                self.push(
                    span,
                    format!(
                        "`{group}` must be a table of parameters ([{group}] followed by lines such as name = value), not {what}"
                    ),
                    Some(format!("[{group}] allows {}", fields_of(group).join(", "))),
                )
            }
        }
    }

    /// The sweep's size: at most [`MAX_VARIANTS`] variants and a bounded number of counting
    /// cells; when it is within bounds, the rules between parameters of every variant.
    fn check_size(&mut self, scenario: &Scenario) {
        let lens: Vec<usize> = scenario.sweep.iter().map(|(_, v)| v.len()).collect();
        let too_many = lens
            .iter()
            .try_fold(1usize, |n, &l| n.checked_mul(l))
            .is_none_or(|n| n > MAX_VARIANTS);
        if too_many {
            let product = lens
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(" x ");
            self.push(
                self.sweep_span.clone(),
                format!(
                    "the sweep has {product} variants, more than the {MAX_VARIANTS} allowed in one scenario; sweep fewer values or split the study into several scenarios"
                ),
                None,
            );
        } else if let Err(msg) = check_cells(scenario.variant_count(), scenario.steps) {
            self.push(self.sweep_span.clone(), msg, None);
        } else {
            self.cross_check_all(scenario);
        }
    }

    /// Marks every parameter of a group as having a problem, so that rules involving them are
    /// not checked against defaults the user did not mean.
    fn bad_group(&mut self, group: &str) {
        for s in SPECS.iter().filter(|s| group_of(s.path) == group) {
            self.bad.insert(s.path.to_string());
        }
    }

    fn unknown_top_key(&mut self, key: &str, entry: &Entry) {
        let shown_key = show_key(key);
        let mut allowed: Vec<&str> = RUN_KEYS.to_vec();
        allowed.extend(parameters::GROUPS);
        let help = if let Some(spec) = parameters::spec(key) {
            // "host.investment" = 1 at the top: a quoted key is one name, not a path.
            let (group, field) = key.split_once('.').unwrap_or((key, ""));
            self.bad.insert(spec.path.to_string());
            Some(format!(
                "a quoted key is one name, not a path: write {group}.{field} = … without quotes, or {field} = … under [{group}]"
            ))
        } else if let Some(near) = self.nearest(key, &allowed) {
            Some(format!("did you mean `{near}`?"))
        } else if let Some(spec) = SPECS.iter().find(|s| field_of(s.path) == key) {
            Some(format!(
                "`{key}` is a parameter of [{}]; write it under [{}]",
                group_of(spec.path),
                group_of(spec.path)
            ))
        } else {
            self.suggest(key)
                .map(|s| format!("did you mean `{s}` (inside [{}])?", group_of(s)))
        };
        self.push(
            Some(entry.key_span.clone()),
            format!(
                "unknown key `{shown_key}`; the top level allows {}",
                allowed.join(", ")
            ),
            help,
        );
    }

    /// A whole-number run setting (`seed`, `trials`, `steps`) in `min..=max`.
    fn whole_number(
        &mut self,
        key: &str,
        node: &Node,
        min: u64,
        max: u64,
        unit: &str,
    ) -> Option<u64> {
        let allowed = format!("a whole number{unit} from {min} to {max}");
        let span = Some(node.span.clone());
        let s = self.shown(node);
        let message = match &node.raw {
            Raw::Int(i) => match u64::try_from(*i) {
                Ok(v) if (min..=max).contains(&v) => return Some(v),
                _ if *i < 0 => format!("`{key}` = {s} is negative; expected {allowed}"),
                _ => format!("`{key}` = {s} is out of range; expected {allowed}"),
            },
            Raw::BigInt => {
                format!("`{key}` = {s} is too large to store; expected {allowed}")
            }
            Raw::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9e15 => format!(
                "`{key}` = {s} is written as a real number; write it as a whole number ({}) without a decimal point or exponent; expected {allowed}",
                *x as i64
            ),
            Raw::Float(x) if !x.is_finite() => {
                format!("`{key}` = {s} is not a finite number; expected {allowed}")
            }
            Raw::Float(_) => format!("`{key}` = {s} is not a whole number; expected {allowed}"),
            Raw::BigFloat => format!("`{key}` = {s} is too large to store; expected {allowed}"),
            _ => format!("`{key}` must be {allowed}, not {}", self.describe(node)),
        };
        self.push(span, message, None);
        None
    }

    /// Checks a value written for a parameter and returns it in canonical form.
    fn check_param(&self, spec: &ParamSpec, node: &Node) -> Result<ParamValue, Bad> {
        let s = self.shown(node);
        let allowed = spec.kind.allowed();
        let numeric = !matches!(spec.kind, Kind::Choice(_));
        let value = match (&node.raw, numeric) {
            (Raw::Int(i), true) => ParamValue::Int(*i),
            (Raw::Float(x), true) => {
                if matches!(spec.kind, Kind::Int { .. })
                    && x.is_finite()
                    && x.fract() == 0.0
                    && x.abs() < 9e15
                {
                    return Err(Bad::Value(format!(
                        "{s} is written as a real number; write it as a whole number ({}) without a decimal point or exponent; expected {allowed}",
                        *x as i64
                    )));
                }
                ParamValue::Float(*x)
            }
            (Raw::BigInt, true) => {
                return Err(Bad::Value(format!(
                    "{s} is too large to store; expected {allowed}"
                )));
            }
            (Raw::BigFloat, true) => {
                return Err(Bad::Value(format!(
                    "{s} is too large to store; expected {allowed}"
                )));
            }
            (Raw::Str(t), false) => ParamValue::Text(t.clone()),
            // A 0 that means something may be written in its words: "open-ended", "never".
            (Raw::Str(t), true) if zero_in_words(spec, t) => match spec.kind {
                Kind::Int { .. } => ParamValue::Int(0),
                _ => ParamValue::Float(0.0),
            },
            _ => return Err(Bad::Type),
        };
        spec.kind.check(&value).map_err(|msg| {
            // Kind::check starts its message with the value; show it as the user wrote it.
            let mut rendered = vec![value.to_string()];
            match &value {
                ParamValue::Int(i) => rendered.push((*i as f64).to_string()),
                ParamValue::Text(t) => rendered.push(format!("\"{t}\"")),
                ParamValue::Float(_) => {}
            }
            let rest = rendered
                .iter()
                .filter(|r| !r.is_empty())
                .find_map(|r| msg.strip_prefix(r.as_str()));
            match rest {
                Some(rest) => Bad::Value(format!("{s}{rest}")),
                None => Bad::Value(msg),
            }
        })
    }

    fn set_base(&mut self, params: &mut Parameters, group: &str, entry: &Entry) {
        let path = format!("{group}.{}", entry.key);
        let shown_path = format!("{group}.{}", show_key(&entry.key));
        let Some(spec) = parameters::spec(&path) else {
            let elsewhere = SPECS
                .iter()
                .find(|s| field_of(s.path) == entry.key && group_of(s.path) != group);
            let help = if RUN_KEYS.contains(&entry.key.as_str()) {
                Some(format!(
                    "`{}` is a run setting: write it at the top of the file, before the first [table]; every line after [{group}] belongs to [{group}]",
                    entry.key
                ))
            } else if let Some(s) = elsewhere {
                Some(format!(
                    "`{}` belongs in [{}]",
                    field_of(s.path),
                    group_of(s.path)
                ))
            } else {
                self.suggest(&path).map(|s| format!("did you mean `{s}`?"))
            };
            self.push(
                Some(entry.key_span.clone()),
                format!(
                    "unknown key `{shown_path}`; [{group}] allows {}",
                    fields_of(group).join(", ")
                ),
                help,
            );
            return;
        };
        let span = Some(entry.value.span.clone());
        if let Raw::Table(fields) = &entry.value.raw {
            if let Some(draw) = self.read_distribution(spec, entry, fields) {
                params.set(spec.path, &draw.median());
                self.base_spans.insert(path, entry.span());
                self.draws.push(draw);
            } else {
                self.bad.insert(path);
            }
            return;
        }
        match self.check_param(spec, &entry.value) {
            Ok(v) => {
                params.set(spec.path, &v);
                self.base_spans.insert(path, entry.span());
            }
            Err(Bad::Value(msg)) => {
                self.bad.insert(path.clone());
                self.push(span, format!("`{path}` = {msg}"), Some(unit_help(spec)));
            }
            Err(Bad::Type) => {
                self.bad.insert(path.clone());
                let what = self.describe(&entry.value);
                self.push(
                    span,
                    format!("`{path}` must be {}, not {what}", spec.kind.allowed()),
                    Some(unit_help(spec)),
                );
            }
        }
    }

    /// Reads `path = { distribution = "...", ... }`: the parameter drawn per community.
    fn read_distribution(
        &mut self,
        spec: &'static ParamSpec,
        entry: &Entry,
        fields: &[Entry],
    ) -> Option<Draw> {
        let path = spec.path;
        let table_span = Some(entry.value.span.clone());
        if !self.can_vary(spec, &table_span) {
            return None;
        }
        let Some(kind) = fields.iter().find(|e| e.key == "distribution") else {
            self.push(
                table_span,
                format!("`{path}` is a table but has no `distribution`; to vary it across communities write {path} = {{ distribution = \"lognormal\", median = 1.0, sd_log = 0.4 }}"),
                Some(format!("distributions: {}", FAMILIES.join(", "))),
            );
            return None;
        };
        let name = self.family_name(path, kind)?;
        let values = self.family_fields(path, &name, fields, &table_span)?;
        let (lo, hi, _) = variation::range_of(spec)?;
        let family = Family::build(&name, (lo, hi), |f| values.get(f).copied())?;
        let draw = Draw::new(spec, family)?;
        let problems = draw.check();
        if problems.is_empty() {
            return Some(draw);
        }
        for (field, msg) in problems {
            let span = fields
                .iter()
                .find(|e| e.key == field)
                .map(|e| e.value.span.clone())
                .or(table_span.clone());
            self.push(
                Some(span.unwrap_or(0..0)),
                format!("`{path}.{field}` = {msg}"),
                Some(unit_help(spec)),
            );
        }
        None
    }

    /// Whether parameter `spec` may be drawn per community (a number whose rules can be
    /// checked for every drawn value); reported at `span` if not.
    fn can_vary(&mut self, spec: &ParamSpec, span: &Option<Range<usize>>) -> bool {
        let path = spec.path;
        if variation::range_of(spec).is_none() {
            self.push(
                span.clone(),
                format!("`{path}` cannot vary across communities: it is a choice, not a number"),
                Some(format!(
                    "write one of its values, such as {path} = \"{}\"",
                    match spec.kind {
                        Kind::Choice(names) => names.first().copied().unwrap_or(""),
                        _ => "",
                    }
                )),
            );
            return false;
        }
        if let Some((_, why)) = variation::FIXED_ONLY.iter().find(|(p, _)| *p == path) {
            self.push(
                span.clone(),
                format!("`{path}` cannot vary across communities: {why}, which could not be checked for every drawn value"),
                Some(format!("give `{path}` one value, or sweep it with [sweep]")),
            );
            return false;
        }
        true
    }

    /// The family named by `path.distribution`, one of [`FAMILIES`].
    fn family_name(&mut self, path: &str, kind: &Entry) -> Option<String> {
        if let Raw::Str(n) = &kind.value.raw
            && FAMILIES.contains(&n.as_str())
        {
            return Some(n.clone());
        }
        let s = self.shown(&kind.value);
        let near = match &kind.value.raw {
            Raw::Str(n) => self
                .nearest(n, FAMILIES)
                .map(|c| format!("did you mean \"{c}\"?")),
            _ => None,
        };
        self.push(
            Some(kind.value.span.clone()),
            format!(
                "`{path}.distribution` = {s} is not known; expected one of {}",
                FAMILIES
                    .iter()
                    .map(|f| format!("\"{f}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            near,
        );
        None
    }

    /// The numbers of a `name` distribution of `path`: only the fields it takes, each a finite
    /// number, and all it needs; `None` (with each problem reported) otherwise.
    fn family_fields(
        &mut self,
        path: &str,
        name: &str,
        fields: &[Entry],
        table_span: &Option<Range<usize>>,
    ) -> Option<HashMap<&'static str, f64>> {
        let allowed = Family::fields(name).unwrap_or(&[]);
        let mut values: HashMap<&'static str, f64> = HashMap::new();
        let mut ok = true;
        for e in fields.iter().filter(|e| e.key != "distribution") {
            let Some((field, _)) = allowed.iter().find(|(f, _)| *f == e.key) else {
                let names: Vec<&str> = allowed.iter().map(|(f, _)| *f).collect();
                self.push(
                    Some(e.key_span.clone()),
                    format!(
                        "unknown key `{}` in the {name} distribution of `{path}`; it takes {}",
                        show_key(&e.key),
                        names.join(", ")
                    ),
                    self.nearest(&e.key, &names)
                        .map(|c| format!("did you mean `{c}`?")),
                );
                ok = false;
                continue;
            };
            match &e.value.raw {
                Raw::Int(i) => {
                    values.insert(field, *i as f64);
                }
                Raw::Float(x) if x.is_finite() => {
                    values.insert(field, *x);
                }
                _ => {
                    let what = self.describe(&e.value);
                    self.push(
                        Some(e.value.span.clone()),
                        format!("`{path}.{field}` must be a finite number, not {what}"),
                        None,
                    );
                    ok = false;
                }
            }
        }
        for (field, required) in allowed {
            if *required && !values.contains_key(field) && ok {
                self.push(
                    table_span.clone(),
                    format!("the {name} distribution of `{path}` needs `{field}`"),
                    Some(format!(
                        "a {name} distribution takes {}",
                        allowed
                            .iter()
                            .map(|(f, _)| *f)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                ok = false;
            }
        }
        ok.then_some(values)
    }

    /// Reads a sweep of a distribution's own parameter, `group.name.field = [...]`.
    fn read_family_sweep(
        &mut self,
        path: &str,
        field: &str,
        draw: &Draw,
        entry: &Entry,
    ) -> Option<Vec<ParamValue>> {
        let mut probe = draw.clone();
        if !probe.family.set(field, 0.0) {
            let names: Vec<&str> = Family::fields(draw.family.name())
                .unwrap_or(&[])
                .iter()
                .map(|(f, _)| *f)
                .collect();
            self.push(
                Some(entry.key_span.clone()),
                format!(
                    "unknown sweep path `{}`; the {} distribution of `{}` takes {}",
                    show_path(path),
                    draw.family.name(),
                    draw.path,
                    names.join(", ")
                ),
                None,
            );
            return None;
        }
        let Raw::Array(items) = &entry.value.raw else {
            let what = self.describe(&entry.value);
            self.push(
                Some(entry.value.span.clone()),
                format!(
                    "sweep `{path}` must be a list of numbers such as [0.0, 0.2, 0.4], not {what}"
                ),
                None,
            );
            return None;
        };
        if items.is_empty() {
            self.push(
                Some(entry.value.span.clone()),
                format!("sweep `{path}` is an empty list, which would give zero variants; list at least one value"),
                None,
            );
            return None;
        }
        self.family_sweep_values(path, field, draw, items)
    }

    /// The values a sweep of a distribution's own parameter lists: finite numbers the
    /// distribution allows, none twice; `None` (with each problem reported) if any is wrong.
    fn family_sweep_values(
        &mut self,
        path: &str,
        field: &str,
        draw: &Draw,
        items: &[Node],
    ) -> Option<Vec<ParamValue>> {
        let mut values = Vec::new();
        let mut seen: HashSet<ValueKey> = HashSet::new();
        let mut ok = true;
        for item in items {
            let x = match &item.raw {
                Raw::Int(i) => *i as f64,
                Raw::Float(x) if x.is_finite() => *x,
                _ => {
                    let what = self.describe(item);
                    self.push(
                        Some(item.span.clone()),
                        format!("sweep `{path}`: {what} is not allowed; expected a finite number"),
                        None,
                    );
                    ok = false;
                    continue;
                }
            };
            let mut d = draw.clone();
            d.family.set(field, x);
            let problems = d.check();
            if let Some((_, msg)) = problems.first() {
                self.push(
                    Some(item.span.clone()),
                    format!("sweep `{path}`: with {field} = {x}, {msg}"),
                    None,
                );
                ok = false;
            } else if !seen.insert(ValueKey::of(&ParamValue::Float(x))) {
                let s = self.shown(item);
                self.push(
                    Some(item.span.clone()),
                    format!("sweep `{path}` lists {s} more than once; each value may appear once"),
                    None,
                );
                ok = false;
            } else {
                values.push(ParamValue::Float(x));
            }
        }
        ok.then_some(values)
    }

    fn flatten_sweep<'a>(
        &mut self,
        prefix: &str,
        entries: &'a [Entry],
        out: &mut Vec<(String, &'a Entry)>,
    ) {
        for entry in entries {
            let path = if prefix.is_empty() {
                entry.key.clone()
            } else {
                format!("{prefix}.{}", entry.key)
            };
            match &entry.value.raw {
                Raw::Table(inner) => {
                    if inner.is_empty() {
                        self.push(
                            Some(entry.key_span.clone()),
                            format!(
                                "sweep `{}` is an empty table; list values such as {}.name = [1, 2]",
                                show_path(&path),
                                show_path(&path)
                            ),
                            None,
                        );
                    } else {
                        self.flatten_sweep(&path, inner, out);
                    }
                }
                _ => out.push((path, entry)),
            }
        }
    }

    fn read_sweep(
        &mut self,
        entries: &[(String, &Entry)],
        draws: &[Draw],
    ) -> Vec<(String, Vec<ParamValue>)> {
        let mut sweep: Vec<(String, Vec<ParamValue>)> = Vec::new();
        for (path, entry) in entries {
            let value = &entry.value;
            let span = Some(value.span.clone());
            if let Some((param, field)) = path.rsplit_once('.')
                && let Some(draw) = draws.iter().find(|d| d.path == param)
            {
                if sweep.iter().any(|(p, _)| p == path) {
                    self.push(
                        Some(entry.key_span.clone()),
                        format!("sweep `{path}` is given twice; list all its values once"),
                        None,
                    );
                } else if let Some(values) = self.read_family_sweep(path, field, draw, entry) {
                    self.sweep_spans.insert(path.clone(), entry.span());
                    sweep.push((path.clone(), values));
                }
                continue;
            }
            let Some(spec) = parameters::spec(path) else {
                self.unknown_sweep_path(path, entry);
                continue;
            };
            if sweep.iter().any(|(p, _)| p == path) || self.sweep_spans.contains_key(path.as_str())
            {
                self.push(
                    Some(entry.key_span.clone()),
                    format!("sweep `{path}` is given twice; list all its values once"),
                    None,
                );
                self.bad.insert(path.clone());
                continue;
            }
            self.sweep_spans.insert(path.clone(), entry.span());
            let Raw::Array(items) = &value.raw else {
                let what = self.describe(value);
                self.push(
                    span,
                    format!(
                        "sweep `{path}` must be a list of values such as [1, 2, 3], not {what}"
                    ),
                    Some(format!("each value must be {}", spec.kind.allowed())),
                );
                self.bad.insert(path.clone());
                continue;
            };
            if items.is_empty() {
                self.push(
                    span,
                    format!(
                        "sweep `{path}` is an empty list, which would give zero variants; list at least one value"
                    ),
                    None,
                );
                self.bad.insert(path.clone());
                continue;
            }
            match self.sweep_values(path, spec, items) {
                Some(values) => sweep.push((path.clone(), values)),
                None => {
                    self.bad.insert(path.clone());
                }
            }
        }
        sweep
    }

    /// The error for a sweep path that names no parameter, with a suggestion.
    fn unknown_sweep_path(&mut self, path: &str, entry: &Entry) {
        let group = group_of(path);
        let help = self
            .suggest(path)
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| {
                parameters::GROUPS
                    .contains(&group)
                    .then(|| format!("[{group}] has {}", fields_of(group).join(", ")))
            })
            .or_else(|| {
                Some(format!(
                    "a sweep path is group.name, where group is one of {}",
                    parameters::GROUPS.join(", ")
                ))
            });
        self.push(
            Some(entry.key_span.clone()),
            format!(
                "unknown sweep path `{}`; a sweep path names a parameter as group.name, such as host.investment",
                show_path(path)
            ),
            help,
        );
    }

    /// The values a sweep lists for parameter `spec`, each checked and none twice; `None`
    /// (with each problem reported) if any is wrong.
    fn sweep_values(
        &mut self,
        path: &str,
        spec: &ParamSpec,
        items: &[Node],
    ) -> Option<Vec<ParamValue>> {
        let mut values: Vec<ParamValue> = Vec::new();
        let mut seen: HashSet<ValueKey> = HashSet::new();
        let mut ok = true;
        for item in items {
            let ispan = Some(item.span.clone());
            match self.check_param(spec, item) {
                Ok(v) => {
                    if seen.insert(ValueKey::of(&v)) {
                        values.push(v);
                    } else {
                        let s = self.shown(item);
                        self.push(
                                ispan,
                                format!(
                                    "sweep `{path}` lists {s} more than once; each value may appear once"
                                ),
                                None,
                            );
                        ok = false;
                    }
                }
                Err(Bad::Value(msg)) => {
                    self.push(
                        ispan,
                        format!("sweep `{path}`: {msg}"),
                        Some(unit_help(spec)),
                    );
                    ok = false;
                }
                Err(Bad::Type) => {
                    let what = self.describe(item);
                    self.push(
                        ispan,
                        format!(
                            "sweep `{path}`: {what} is not allowed; expected {}",
                            spec.kind.allowed()
                        ),
                        Some(unit_help(spec)),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(values)
    }

    /// Checks the rules that involve several parameters on every variant, skipping rules that
    /// involve a parameter already reported as wrong.
    fn cross_check_all(&mut self, scenario: &Scenario) {
        // Per rule: the first few variants that break it, and how many distinct breaches.
        let mut broken: BTreeMap<&'static str, RuleBreaches> = BTreeMap::new();
        let mut family_problems = 0usize;
        for index in 0..scenario.variant_count() {
            let variant = scenario.variant_at(index);
            for d in &variant.draws {
                for (field, msg) in d.check() {
                    family_problems += 1;
                    if family_problems <= RULE_EXAMPLES {
                        let span = self
                            .sweep_spans
                            .get(&format!("{}.{field}", d.path))
                            .cloned()
                            .or_else(|| self.sweep_span.clone());
                        self.push_whole(
                            span,
                            format!(
                                "the {} distribution of `{}` in variant {index} ({}): {msg}",
                                d.family.name(),
                                d.path,
                                variant.label(scenario)
                            ),
                            None,
                        );
                    }
                }
            }
            for b in broken_rules(&variant.params) {
                if b.paths.iter().any(|p| self.bad.contains(*p)) {
                    continue;
                }
                let (list, seen) = broken.entry(b.rule).or_default();
                if seen.insert(b.message.clone()) && list.len() < RULE_EXAMPLES {
                    list.push((index, b));
                }
            }
        }
        for (_, (list, seen)) in broken {
            let more = seen.len().saturating_sub(list.len());
            for (index, b) in list.iter().take(RULE_EXAMPLES) {
                let variant = scenario.variant_at(*index);
                let swept = b
                    .paths
                    .iter()
                    .find_map(|p| self.sweep_spans.get(*p).cloned());
                let (span, which) = match swept {
                    Some(span) => (
                        Some(span),
                        format!(" (in variant {index}: {})", variant.label(scenario)),
                    ),
                    None => (
                        b.paths
                            .iter()
                            .find_map(|p| self.base_spans.get(*p).cloned()),
                        String::new(),
                    ),
                };
                self.push_whole(span, format!("{}{which}", b.message), b.help.clone());
            }
            if more > 0 {
                let span = list[0]
                    .1
                    .paths
                    .iter()
                    .find_map(|p| self.sweep_spans.get(*p).cloned());
                self.push_whole(
                    span,
                    format!("… and {more} more variant(s) break the same rule as above"),
                    None,
                );
            }
        }
    }
}

/// The first few variants (by index) that break a rule, and every distinct breach message.
type RuleBreaches = (Vec<(usize, Broken)>, HashSet<String>);

/// A sweep value as a set key, for finding repeated values quickly.
#[derive(PartialEq, Eq, Hash)]
enum ValueKey {
    Int(i64),
    Float(u64),
    Text(String),
}

impl ValueKey {
    fn of(v: &ParamValue) -> Self {
        match v {
            ParamValue::Int(i) => ValueKey::Int(*i),
            // +0.0 and -0.0 are the same value.
            ParamValue::Float(x) => ValueKey::Float((*x + 0.0).to_bits()),
            ParamValue::Text(t) => ValueKey::Text(t.clone()),
        }
    }
}

fn group_of(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

fn field_of(path: &str) -> &str {
    path.split_once('.').map(|(_, f)| f).unwrap_or(path)
}

fn fields_of(group: &str) -> Vec<&'static str> {
    SPECS
        .iter()
        .filter(|s| group_of(s.path) == group)
        .map(|s| field_of(s.path))
        .collect()
}

/// A dotted path with each part shown as a TOML key.
fn show_path(path: &str) -> String {
    path.split('.').map(show_key).collect::<Vec<_>>().join(".")
}

fn unit_help(spec: &ParamSpec) -> String {
    if spec.unit.is_empty() {
        spec.doc.to_string()
    } else {
        format!("{} ({})", spec.doc, spec.unit)
    }
}

/// A broken cross-parameter rule.
struct Broken {
    rule: &'static str,
    /// The parameters the rule involves, most specific first.
    paths: &'static [&'static str],
    message: String,
    help: Option<String>,
}

/// Rules that involve more than one parameter. Returns one message per broken rule.
pub fn cross_check(p: &Parameters) -> Vec<String> {
    broken_rules(p).into_iter().map(|b| b.message).collect()
}

fn broken_rules(p: &Parameters) -> Vec<Broken> {
    let mut out = Vec::new();
    if p.community.initial_participants > p.community.population {
        out.push(Broken {
            rule: "population",
            paths: &["community.initial_participants", "community.population"],
            message: format!(
                "`community.initial_participants` = {} is larger than `community.population` = {}; the population includes the participants",
                p.community.initial_participants, p.community.population
            ),
            help: Some("raise community.population or lower community.initial_participants".into()),
        });
    }
    match p.motivation.distribution {
        MotivationDistribution::Uniform if p.motivation.low >= p.motivation.high => {
            out.push(Broken {
                rule: "uniform",
                paths: &["motivation.low", "motivation.high", "motivation.distribution"],
                message: format!(
                    "`motivation.low` = {} must be below `motivation.high` = {} for a uniform distribution",
                    p.motivation.low, p.motivation.high
                ),
                help: Some("for everyone to have the same motivation, use distribution = \"fixed\" and value".into()),
            })
        }
        MotivationDistribution::Normal => {
            use statrs::distribution::{ContinuousCDF, Normal};
            let mass = Normal::new(p.motivation.mean, p.motivation.sd)
                .map(|n| n.cdf(1.0) - n.cdf(0.0))
                .unwrap_or(0.0);
            if mass.is_nan() || mass < 1e-3 {
                out.push(Broken {
                    rule: "normal",
                    paths: &["motivation.sd", "motivation.mean", "motivation.distribution"],
                    message: format!(
                        "`motivation.mean` = {} with `motivation.sd` = {} puts almost no probability (< 0.001) in [0, 1], so the truncated normal cannot be drawn; use a smaller sd (or another distribution)",
                        p.motivation.mean, p.motivation.sd
                    ),
                    help: None,
                });
            }
        }
        _ => {}
    }
    let l = &p.lifecycle;
    if !(l.exploring_assets <= l.collaborating_assets
        && l.collaborating_assets <= l.formalising_assets)
    {
        out.push(Broken {
            rule: "thresholds",
            paths: &[
                "lifecycle.exploring_assets",
                "lifecycle.collaborating_assets",
                "lifecycle.formalising_assets",
            ],
            message: format!(
                "stage thresholds must not decrease, but `lifecycle.exploring_assets` = {}, `lifecycle.collaborating_assets` = {} and `lifecycle.formalising_assets` = {}; they must satisfy exploring <= collaborating <= formalising",
                l.exploring_assets, l.collaborating_assets, l.formalising_assets
            ),
            help: None,
        });
    }
    out
}

/// Whether `text` is the words for the value 0 of `spec` ("open-ended" for `host.commitment`,
/// "never" or "never fades" for `core_idea.half_life`), as the summary and pictures name it
/// (`output::special_meaning`).
fn zero_in_words(spec: &ParamSpec, text: &str) -> bool {
    let Some(words) = crate::output::special_meaning(spec.path, &ParamValue::Int(0)) else {
        return false;
    };
    let text = text.trim().to_lowercase();
    text == words || (text == "never" && words.starts_with("never "))
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
            lines[2].contains("`brand.initial` = 2.0 is out of range"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn several_syntax_errors_are_all_reported() {
        let text = "name = \"t\"\ntrials = 10 0\nsteps = -1\n[brand]\ndecay = 0.1 0.2\n";
        let lines = Scenario::parse("t.toml", text).unwrap_err().lines();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("t.toml:2:10:"), "{}", lines[0]);
        assert!(lines[1].starts_with("t.toml:3:9: `steps`"), "{}", lines[1]);
        assert!(lines[2].starts_with("t.toml:5:9:"), "{}", lines[2]);
    }

    #[test]
    fn numbers_too_large_to_store_are_reported_not_fatal() {
        let text = "name = \"t\"\ntrials = 99999999999999999999\n[host]\ninvestment = 1e400\n";
        let lines = Scenario::parse("t.toml", text).unwrap_err().lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("too large"), "{}", lines[0]);
        assert!(
            lines[1].contains("`host.investment` = 1e400"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn broken_table_header_does_not_misplace_its_keys() {
        let text = "name = \"t\"\n[host\ninvestment = 1\n[brand]\ninitial = 7\n";
        let lines = Scenario::parse("t.toml", text).unwrap_err().lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("t.toml:2:"), "{}", lines[0]);
        assert!(lines[1].contains("brand.initial"), "{}", lines[1]);
    }

    #[test]
    fn variant_count_saturates() {
        let mut s = Scenario::parse("t.toml", MINIMAL).unwrap();
        let list: Vec<ParamValue> = (0..1 << 16).map(ParamValue::Int).collect();
        s.sweep = (0..5).map(|i| (format!("p{i}"), list.clone())).collect();
        assert_eq!(s.variant_count(), usize::MAX);
        assert!(s.with_overrides(None, None, None).is_err());
    }

    #[test]
    fn cross_rule_breaches_are_summarised() {
        let text = "name = \"t\"\n[community]\npopulation = 10\n[sweep]\ncommunity.initial_participants = [11, 12, 13, 14, 15]\n";
        let lines = Scenario::parse("t.toml", text).unwrap_err().lines();
        assert_eq!(lines.len(), RULE_EXAMPLES + 1, "{lines:?}");
        assert!(lines[0].contains("(in variant 0:"), "{}", lines[0]);
        assert!(
            lines[RULE_EXAMPLES].contains("2 more variant(s)"),
            "{lines:?}"
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
