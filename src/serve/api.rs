//! The explorer's JSON API without the HTTP: reading a request, turning it into a scenario file
//! (checked by the scenario reader, so a request gets the same rules and messages as a file),
//! simulating it exactly as `hothouse run` does, and the answer.
//!
//! A request is `{"set": {path: value}, "trials": N, "seed": S, "steps": T, "baseline": {"set":
//! {...}}}`, every field optional. The served scenario's text is edited (its comments kept): each
//! `set` value is written in place of the file's, `seed`/`trials`/`steps` likewise, and the
//! `[sweep]` (and any other design table) is left out, because the explorer runs one setting at
//! a time. That text is what the scenario reader checks, what runs, and what the page's download
//! button saves, so `hothouse run` on the saved file gives the same numbers.

use crate::error::Error;
use crate::outcome::Outcome;
use crate::parameters::{self, GROUPS};
use crate::scenario::Scenario;
use crate::simulation::{VariantProgress, Workers, continue_variant};
use crate::statistics::{self, OutcomeCounts, Z_95};
use crate::totals::HostTotals;
use serde_json::{Map, Value, json};
use std::sync::atomic::AtomicBool;
use toml_edit::{DocumentMut, Item};

/// Most trials one request may run.
pub const MAX_TRIALS: u64 = 20_000;
/// Longest horizon (weeks) one request may run.
pub const MAX_STEPS: u64 = 520;
/// Most trial-weeks (trials x steps) one request may run: 20,000 communities over two years.
pub const MAX_TRIAL_WEEKS: u64 = 20_000 * 104;
/// Trials when a request gives none: the scenario's, but at most this many.
pub const DEFAULT_TRIALS: u64 = 2_000;

/// The keys a request may have.
const REQUEST_KEYS: &[&str] = &["set", "trials", "seed", "steps", "baseline"];
/// Top-level keys of a scenario file that are run settings rather than parameter groups.
const RUN_KEYS: &[&str] = &["name", "description", "seed", "trials", "steps"];

/// The scenario the server was started with.
#[derive(Debug, Clone)]
pub struct Served {
    /// The file as named in messages and the manifest ("scenarios/default.toml").
    pub file: String,
    /// Its text.
    pub text: String,
    pub scenario: Scenario,
    /// The text with the sweep and other design tables left out (the starting point of every
    /// request).
    single: String,
}

/// The default scenario, bundled into the binary.
pub const BUNDLED_DEFAULT: &str = include_str!("../../scenarios/default.toml");

impl Served {
    /// The bundled default scenario.
    pub fn bundled() -> Result<Served, Error> {
        Served::new("scenarios/default.toml (bundled)", BUNDLED_DEFAULT)
    }

    /// A scenario file's text; `file` names it in messages.
    pub fn new(file: &str, text: &str) -> Result<Served, Error> {
        let scenario = Scenario::parse(file, text).map_err(|e| Error::Scenario(Box::new(e)))?;
        if u64::from(scenario.steps) > MAX_STEPS {
            return Err(Error::Usage(format!(
                "{file}: steps = {} is longer than the explorer runs ({MAX_STEPS} weeks at most); \
                 use `hothouse run` for it, or a copy of the file with fewer steps",
                scenario.steps
            )));
        }
        let mut doc: DocumentMut = text
            .parse()
            .map_err(|e| Error::BadInput(format!("{file}: {e}")))?;
        let keep: Vec<String> = doc
            .as_table()
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| RUN_KEYS.contains(&k.as_str()) || GROUPS.contains(&k.as_str()))
            .collect();
        doc.as_table_mut()
            .retain(|k, _| keep.iter().any(|x| x == k));
        Ok(Served {
            file: file.to_string(),
            text: text.to_string(),
            scenario,
            single: doc.to_string(),
        })
    }

    /// The trials a request runs when it gives none.
    pub fn default_trials(&self) -> u64 {
        self.scenario.trials.min(DEFAULT_TRIALS)
    }

    /// The scenario a request asks for (its `set` or its baseline's), checked by the scenario
    /// reader and by the server's limits.
    pub fn setting(&self, set: &[(String, Value)], req: &Request) -> Result<Setting, Vec<String>> {
        let mut doc: DocumentMut = self
            .single
            .parse()
            .map_err(|e| vec![format!("the served scenario cannot be edited: {e}")])?;
        let mut problems = Vec::new();
        let trials = req
            .trials
            .clone()
            .unwrap_or_else(|| json!(self.default_trials()));
        let run = [
            ("trials", Some(trials)),
            ("seed", req.seed.clone()),
            ("steps", req.steps.clone()),
        ];
        for (key, value) in run {
            if let Some(v) = value {
                match toml_value(key, &v) {
                    Ok(t) => doc[key] = Item::Value(t),
                    Err(m) => problems.push(m),
                }
            }
        }
        let mut changed = Vec::new();
        for (path, value) in set {
            let Some(spec) = parameters::spec(path) else {
                problems.push(unknown_parameter(path));
                continue;
            };
            let Some((group, field)) = spec.path.split_once('.') else {
                continue;
            };
            match toml_value(path, value) {
                Ok(t) => {
                    changed.push(format!("{path} = {t}"));
                    if doc.get(group).is_none() {
                        doc[group] = Item::Table(toml_edit::Table::new());
                    }
                    doc[group][field] = Item::Value(t);
                }
                Err(m) => problems.push(m),
            }
        }
        let mut text = doc.to_string();
        text.push_str(&format!(
            "\n# Saved by the hothouse explorer from {}{}.\n",
            self.file,
            if changed.is_empty() {
                String::new()
            } else {
                format!("; set there: {}", changed.join(", ").replace('\n', " "))
            }
        ));
        if self.scenario.variant_count() > 1 {
            text.push_str(
                "# The file's [sweep] is left out: the explorer runs one setting at a time.\n",
            );
        }
        // Every problem at once: the request's own, then the scenario reader's.
        let scenario = match Scenario::parse(&self.file, &text) {
            Ok(s) => s,
            Err(e) => {
                problems.extend(
                    e.problems
                        .iter()
                        .map(|p| without_place(&self.file, &p.message)),
                );
                return Err(problems);
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        check_limits(&scenario)?;
        Ok(Setting { text, scenario })
    }
}

/// The "unknown key" message of the scenario reader, for a path that is not a parameter.
fn unknown_parameter(path: &str) -> String {
    let hint = parameters::suggest(path)
        .map(|p| format!("; did you mean `{p}`?"))
        .unwrap_or_else(|| "; `hothouse params` lists every parameter".to_string());
    format!("unknown parameter `{path}` in `set`{hint}")
}

/// A problem message of the scenario reader without its `file:line:column: ` prefix (the
/// lines are those of the edited text, which the caller never saw).
fn without_place(file: &str, message: &str) -> String {
    let Some(rest) = message.strip_prefix(file) else {
        return message.to_string();
    };
    let rest = rest.trim_start_matches(|c: char| c == ':' || c.is_ascii_digit());
    rest.trim_start().to_string()
}

fn check_limits(s: &Scenario) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if s.trials > MAX_TRIALS {
        problems.push(format!(
            "`trials` = {} is more than the explorer runs per request; expected a whole number from 1 to {MAX_TRIALS} (use `hothouse run` for bigger runs)",
            s.trials
        ));
    }
    if u64::from(s.steps) > MAX_STEPS {
        problems.push(format!(
            "`steps` = {} is longer than the explorer runs per request; expected a whole number of weeks from 1 to {MAX_STEPS}",
            s.steps
        ));
    }
    let work = s.trials.saturating_mul(u64::from(s.steps));
    if problems.is_empty() && work > MAX_TRIAL_WEEKS {
        problems.push(format!(
            "`trials` x `steps` = {work} is more than the explorer runs per request ({MAX_TRIAL_WEEKS}); use fewer trials or weeks, or `hothouse run`"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A JSON value as the TOML value it would be in a scenario file. JSON `null` and whole numbers
/// beyond 64 bits have no TOML form: those get a message here; everything else is written as
/// is and judged by the scenario reader.
fn toml_value(key: &str, v: &Value) -> Result<toml_edit::Value, String> {
    let allowed = || {
        parameters::spec(key)
            .map(|s| s.kind.allowed())
            .unwrap_or_else(|| "a whole number".to_string())
    };
    Ok(match v {
        Value::Null => return Err(format!("`{key}` must be {}, not null", allowed())),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if n.is_u64() {
                return Err(format!(
                    "`{key}` = {n} is too large; expected {}",
                    allowed()
                ));
            } else {
                // Written as JSON wrote it (1e308, not 309 digits): the shortest text of the
                // same number, which TOML reads back exactly.
                n.to_string()
                    .parse::<toml_edit::Value>()
                    .unwrap_or_else(|_| n.as_f64().unwrap_or(f64::NAN).into())
            }
        }
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut a = toml_edit::Array::new();
            for item in items {
                a.push(toml_value(key, item)?);
            }
            a.into()
        }
        Value::Object(map) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, item) in map {
                t.insert(k, toml_value(key, item)?);
            }
            t.into()
        }
    })
}

/// A request to `POST /api/run`, its fields not yet checked against the model.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub set: Vec<(String, Value)>,
    pub trials: Option<Value>,
    pub seed: Option<Value>,
    pub steps: Option<Value>,
    /// The baseline's `set`, when a baseline is pinned.
    pub baseline: Option<Vec<(String, Value)>>,
}

/// Largest request body read, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// Reads a request body (empty means all defaults).
pub fn read_request(body: &[u8]) -> Result<Request, Vec<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Request::default());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        vec![format!(
            "the request body is not valid JSON ({e}); send an object such as {{\"set\": {{\"host.investment\": 2.0}}, \"trials\": 2000, \"seed\": 42}}"
        )]
    })?;
    let Value::Object(map) = value else {
        return Err(vec![format!(
            "the request body must be a JSON object with the fields {}, not {}",
            REQUEST_KEYS.join(", "),
            json_kind(&value)
        )]);
    };
    let mut req = Request::default();
    let mut problems = Vec::new();
    for (k, v) in map {
        match k.as_str() {
            "set" => match set_entries("set", v) {
                Ok(s) => req.set = s,
                Err(m) => problems.push(m),
            },
            "trials" => req.trials = Some(v),
            "seed" => req.seed = Some(v),
            "steps" => req.steps = Some(v),
            "baseline" => match v {
                Value::Object(mut b) => {
                    let set = b.remove("set").unwrap_or(Value::Object(Map::new()));
                    if let Some(other) = b.keys().next() {
                        problems.push(format!(
                            "unknown key `baseline.{other}`; the baseline has only `set` (it runs with the request's trials, seed and steps, so the comparison is paired)"
                        ));
                    }
                    match set_entries("baseline.set", set) {
                        Ok(s) => req.baseline = Some(s),
                        Err(m) => problems.push(m),
                    }
                }
                other => problems.push(format!(
                    "`baseline` must be an object such as {{\"set\": {{\"host.investment\": 1.0}}}}, not {}",
                    json_kind(&other)
                )),
            },
            other => {
                let hint = REQUEST_KEYS
                    .iter()
                    .map(|k| (strsim::levenshtein(other, k), k))
                    .filter(|(d, _)| *d <= 2)
                    .min_by_key(|(d, _)| *d)
                    .map(|(_, k)| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                problems.push(format!(
                    "unknown key `{}` in the request; it allows {}{hint}",
                    other.chars().take(60).collect::<String>(),
                    REQUEST_KEYS.join(", ")
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(req)
    } else {
        Err(problems)
    }
}

fn set_entries(what: &str, v: Value) -> Result<Vec<(String, Value)>, String> {
    match v {
        Value::Object(map) => Ok(map.into_iter().collect()),
        other => Err(format!(
            "`{what}` must be an object of parameter paths and values such as {{\"host.investment\": 2.0}}, not {}",
            json_kind(&other)
        )),
    }
}

fn json_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "text".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A checked setting: the scenario file text and the scenario it reads as.
#[derive(Debug, Clone)]
pub struct Setting {
    pub text: String,
    pub scenario: Scenario,
}

/// What the trials of one setting gave.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub counts: OutcomeCounts,
    pub totals: HostTotals,
    /// Whether trial `i` graduated, for paired comparisons.
    pub graduated: Vec<bool>,
    /// Seconds the simulation took.
    pub seconds: f64,
}

/// Simulates a setting's single variant exactly as `hothouse run` does (same seeds, same
/// counting, same sums of the host's money). Returns [`Error::Interrupted`] when `cancel` is set.
pub fn simulate(
    setting: &Setting,
    pool: &rayon::ThreadPool,
    cancel: &AtomicBool,
) -> Result<RunOutcome, Error> {
    let started = std::time::Instant::now();
    let s = &setting.scenario;
    let variant = s
        .variants()
        .into_iter()
        .next()
        .ok_or_else(|| Error::BadInput("the scenario has no variant".into()))?;
    let model = variant.model(s).map_err(Error::BadInput)?;
    let mut state = VariantProgress::new(0, s.steps);
    let mut graduated = Vec::with_capacity(s.trials as usize);
    continue_variant(
        &model,
        s.seed,
        s.trials,
        Workers::Spread(pool),
        cancel,
        &|_| {},
        &mut state,
        |_, _, _| (),
        |r, ()| {
            graduated.push(r.outcome == Outcome::Graduated);
            Ok(())
        },
        |_, _| Ok(()),
    )?;
    Ok(RunOutcome {
        counts: state.counts,
        totals: state.host,
        graduated,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The summary row as `summary.csv` names its fields (empty fields are `null`).
pub fn summary_json(o: &RunOutcome) -> Map<String, Value> {
    let s = statistics::summarize(&o.counts);
    let mut m = Map::new();
    m.insert("trials".into(), json!(s.trials));
    m.insert("graduated".into(), json!(s.graduated));
    m.insert("fizzled".into(), json!(s.fizzled));
    m.insert("censored".into(), json!(s.censored));
    m.insert("p_graduate".into(), json!(s.p_graduate));
    m.insert("p_graduate_lower".into(), json!(s.p_graduate_lower));
    m.insert("p_graduate_upper".into(), json!(s.p_graduate_upper));
    m.insert("median_survival".into(), json!(s.median_survival));
    m.insert("rmst".into(), json!(s.rmst));
    m.insert(
        "mean_host_spend".into(),
        json!(o.totals.mean_spend(s.trials)),
    );
    m.insert(
        "mean_host_covered".into(),
        json!(o.totals.mean_covered(s.trials)),
    );
    m.insert(
        "host_outlay_per_graduate".into(),
        json!(o.totals.outlay_per_graduate(s.graduated)),
    );
    m
}

/// The curves per week `0..=steps`, as `survival.csv` names its columns.
pub fn curves_json(o: &RunOutcome) -> Value {
    let rows = statistics::survival_table(&o.counts);
    let col = |f: fn(&statistics::SurvivalRow) -> f64| -> Vec<f64> { rows.iter().map(f).collect() };
    json!({
        "time": rows.iter().map(|r| r.time).collect::<Vec<_>>(),
        "survival": col(|r| r.survival),
        "survival_lower": col(|r| r.survival_lower),
        "survival_upper": col(|r| r.survival_upper),
        "cif_fizzled": col(|r| r.cif_fizzled),
        "cif_graduated": col(|r| r.cif_graduated),
    })
}

/// The paired difference of a setting against its baseline (same trials and seeds: common
/// random numbers), in percentage points of P(graduate) with a 95% interval for paired
/// proportions, and in the host's outlay per graduation.
pub fn difference_json(current: &RunOutcome, baseline: &RunOutcome) -> Value {
    let n = current.graduated.len().min(baseline.graduated.len());
    let (mut gained, mut lost) = (0u64, 0u64);
    for (c, b) in current.graduated.iter().zip(&baseline.graduated) {
        match (c, b) {
            (true, false) => gained += 1,
            (false, true) => lost += 1,
            _ => {}
        }
    }
    let nf = n.max(1) as f64;
    let d = (gained as f64 - lost as f64) / nf;
    // Var(d) of paired proportions: ((b + c) - (b - c)^2 / n) / n^2.
    let var = ((gained + lost) as f64 - (gained as f64 - lost as f64).powi(2) / nf) / (nf * nf);
    let half = Z_95 * var.max(0.0).sqrt();
    let per_grad = |o: &RunOutcome| {
        o.totals
            .outlay_per_graduate(o.counts.total(Outcome::Graduated))
    };
    let outlay = match (per_grad(current), per_grad(baseline)) {
        (Some(a), Some(b)) => json!(a - b),
        _ => Value::Null,
    };
    json!({
        "p_graduate_points": 100.0 * d,
        "p_graduate_points_lower": 100.0 * (d - half),
        "p_graduate_points_upper": 100.0 * (d + half),
        "gained": gained,
        "lost": lost,
        "host_outlay_per_graduate": outlay,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served() -> Served {
        Served::bundled().expect("bundled default")
    }

    fn problems(body: &str) -> Vec<String> {
        let s = served();
        match read_request(body.as_bytes()) {
            Err(p) => p,
            Ok(req) => match s.setting(&req.set, &req) {
                Err(p) => p,
                Ok(_) => Vec::new(),
            },
        }
    }

    #[test]
    fn set_values_replace_the_files_and_the_text_reads_back() {
        let s = served();
        let req = read_request(br#"{"set": {"host.investment": 2.5}, "seed": 7}"#).unwrap();
        let setting = s.setting(&req.set, &req).unwrap();
        assert_eq!(setting.scenario.base.host.investment, 2.5);
        assert_eq!(setting.scenario.seed, 7);
        assert_eq!(setting.scenario.trials, 2000);
        // The rest of the file (its comments too) is kept.
        assert!(setting.text.contains("# Question:"));
        assert_eq!(
            setting.scenario.base.community.population,
            s.scenario.base.community.population
        );
        let again = Scenario::parse("saved.toml", &setting.text).unwrap();
        assert_eq!(again.base, setting.scenario.base);
    }

    #[test]
    fn the_sweep_is_left_out() {
        let text =
            "name = \"s\"\n[host]\ninvestment = 1.0\n[sweep]\n\"host.investment\" = [0.5, 2.0]\n";
        let s = Served::new("s.toml", text).unwrap();
        let setting = s.setting(&[], &Request::default()).unwrap();
        assert_eq!(setting.scenario.variant_count(), 1);
        assert!(!setting.text.contains("[sweep]\n"));
    }

    #[test]
    fn bad_requests_get_the_readers_messages() {
        assert_eq!(
            problems(r#"{"set": {"host.investment": -1}}"#),
            ["`host.investment` = -1 is out of range; expected a number from 0 to 10000"]
        );
        assert_eq!(
            problems(r#"{"set": {"host.commitment": 2.5}}"#),
            [
                "`host.commitment` = 2.5 is not a whole number; expected a whole number from 0 to 1000000"
            ]
        );
        assert_eq!(
            problems(r#"{"set": {"brand.initial": "a"}}"#),
            ["`brand.initial` must be a number from 0 to 1, not the text \"a\""]
        );
        assert_eq!(
            problems(r#"{"set": {"host.investmnt": 1}}"#),
            ["unknown parameter `host.investmnt` in `set`; did you mean `host.investment`?"]
        );
        assert_eq!(
            problems(r#"{"trials": 1000000}"#),
            [
                "`trials` = 1000000 is more than the explorer runs per request; expected a whole number from 1 to 20000 (use `hothouse run` for bigger runs)"
            ]
        );
        assert_eq!(
            problems(r#"{"trials": 0}"#),
            ["`trials` = 0 is out of range; expected a whole number from 1 to 1000000000000"]
        );
        assert!(problems("junk")[0].starts_with("the request body is not valid JSON"));
        assert!(problems("[1]")[0].starts_with("the request body must be a JSON object"));
        assert_eq!(problems("{}"), Vec::<String>::new());
        assert_eq!(problems(""), Vec::<String>::new());
    }

    #[test]
    fn paired_difference_counts_discordant_trials() {
        let outcome = |g: &[bool]| RunOutcome {
            counts: OutcomeCounts::new(1),
            totals: HostTotals::default(),
            graduated: g.to_vec(),
            seconds: 0.0,
        };
        // 4 trials: one gained, none lost: +25 points; var = (1 - 1/4) / 16 = 3/64.
        let d = difference_json(
            &outcome(&[true, true, false, true]),
            &outcome(&[true, false, false, true]),
        );
        assert_eq!(d["p_graduate_points"], json!(25.0));
        assert_eq!(d["gained"], json!(1));
        assert_eq!(d["lost"], json!(0));
        let half = 100.0 * Z_95 * (3.0f64 / 64.0).sqrt();
        assert_eq!(d["p_graduate_points_upper"], json!(25.0 + half));
    }
}
