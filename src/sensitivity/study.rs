//! Runs a sensitivity study: every point of the design through the model, with common random
//! numbers (trial i uses `trial_seed(seed, i)` at every point), then the indices, the picture and
//! the manifest, published atomically.
//!
//! Work happens in a hidden staging folder beside the target (`.NAME.partial`). Each finished
//! point's outputs are appended to `points.csv` there, so `--resume` continues after the last
//! finished point (the point running when interrupted is run again). `--shard K/N` runs only
//! the K-th of N contiguous parts of the design and writes its `design.csv` and manifest;
//! `hothouse merge` joins the parts into the whole study (`super::parts`).

use super::config::{Factor, Method, Output, Study, design_seed};
use super::{Interval, morris, sobol};
use crate::error::Error;
use crate::manifest::{Shard, timestamp};
use crate::model::Model;
use crate::output::{self, num};
use crate::parameters::{ParamValue, Parameters};
use crate::scenario::Scenario;
use crate::simulation::{VariantProgress, Workers, continue_variant, thread_pool};
use crate::statistics::{OutcomeCounts, summarize};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

/// File names of a sensitivity output folder.
pub const INDICES_CSV: &str = "indices.csv";
pub const DESIGN_CSV: &str = "design.csv";
const POINTS_FILE: &str = "points.csv";
const FINGERPRINT_FILE: &str = "fingerprint.json";

/// How to run a study.
#[derive(Debug, Clone)]
pub struct Settings {
    pub threads: usize,
    pub shard: Option<Shard>,
    pub resume: bool,
    pub plots: bool,
}

/// The outputs of one design point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointResult {
    pub trials: u64,
    pub graduated: u64,
    pub agent_steps: u64,
    pub p_graduate: f64,
    pub rmst: f64,
    /// NaN when no trial graduated.
    pub median_weeks_to_graduate: f64,
    /// NaN when no trial graduated.
    pub host_outlay_per_graduate: f64,
}

impl PointResult {
    pub fn output(&self, o: Output) -> f64 {
        match o {
            Output::PGraduate => self.p_graduate,
            Output::Rmst => self.rmst,
            Output::MedianWeeksToGraduate => self.median_weeks_to_graduate,
            Output::HostOutlayPerGraduate => self.host_outlay_per_graduate,
        }
    }

    fn from_progress(p: &VariantProgress) -> Self {
        let s = summarize(&p.counts);
        let median = median_graduation(&p.counts).map_or(f64::NAN, f64::from);
        Self {
            trials: s.trials,
            graduated: s.graduated,
            agent_steps: p.agent_steps,
            p_graduate: s.p_graduate,
            rmst: s.rmst,
            median_weeks_to_graduate: median,
            host_outlay_per_graduate: p.host.outlay_per_graduate(s.graduated).unwrap_or(f64::NAN),
        }
    }
}

/// The median week of graduation among the trials that graduated: the first week by which at
/// least half of them had graduated. `None` without graduations.
pub fn median_graduation(c: &OutcomeCounts) -> Option<u32> {
    let total: u64 = c.graduated.iter().sum();
    if total == 0 {
        return None;
    }
    let mut seen = 0u64;
    for (t, g) in c.graduated.iter().enumerate() {
        seen += g;
        if 2 * seen >= total {
            return Some(t as u32);
        }
    }
    None
}

/// One row of `indices.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexRow {
    pub output: Output,
    pub parameter: String,
    pub measures: Measures,
    /// 1 = the parameter that matters most for this output (by mu* or the total index).
    pub rank: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Measures {
    Morris(morris::MorrisIndex),
    Sobol(sobol::SobolIndex),
}

impl Measures {
    /// The measure parameters are ranked by (mu* or the total index) with its interval.
    pub fn ranking(&self) -> Interval {
        match self {
            Measures::Morris(m) => m.mu_star,
            Measures::Sobol(s) => s.st,
        }
    }
}

/// What a finished study wrote and found.
#[derive(Debug, Clone)]
pub struct Report {
    pub out: PathBuf,
    pub files: Vec<PathBuf>,
    pub points: usize,
    pub indices: Vec<IndexRow>,
    pub wall_seconds: f64,
    pub trials_run: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fingerprint {
    version: String,
    scenario_text: String,
    seed: u64,
    trials: u64,
    steps: u32,
    shard: Option<Shard>,
}

/// The unit-hypercube design of a study.
pub fn unit_design(study: &Study, seed: u64) -> Vec<Vec<f64>> {
    let k = study.factors.len();
    match study.method {
        Method::Morris {
            trajectories,
            levels,
        } => morris::trajectories(trajectories, k, levels, design_seed(seed)),
        Method::Sobol { n } => sobol::saltelli_design(n, k, design_seed(seed)),
    }
}

/// The parameter values of every design point.
pub fn point_values(factors: &[Factor], unit: &[Vec<f64>]) -> Vec<Vec<ParamValue>> {
    unit.iter()
        .map(|u| {
            factors
                .iter()
                .zip(u)
                .map(|(f, x)| f.range.value(*x))
                .collect()
        })
        .collect()
}

fn point_params(base: &Parameters, factors: &[Factor], values: &[ParamValue]) -> Parameters {
    let mut p = base.clone();
    for (f, v) in factors.iter().zip(values) {
        p.set(&f.path, v);
    }
    p
}

/// The model of a design point: the scenario's base with the point's values; a varied
/// parameter that the scenario draws per community takes the point's fixed value instead.
fn point_model(
    scenario: &Scenario,
    factors: &[Factor],
    values: &[ParamValue],
) -> Result<Model, String> {
    let params = point_params(&scenario.base, factors, values);
    let draws = scenario
        .draws
        .iter()
        .map(|d| (!factors.iter().any(|f| f.path == d.path)).then(|| d.clone()))
        .collect();
    Model::with_draws(params, draws, scenario.steps)
}

/// Checks every design point against the model's cross-parameter rules before any work.
fn check_points(
    base: &Parameters,
    factors: &[Factor],
    values: &[Vec<ParamValue>],
) -> Result<(), Error> {
    for (i, v) in values.iter().enumerate() {
        let broken = crate::scenario::cross_check(&point_params(base, factors, v));
        if let Some(first) = broken.first() {
            return Err(Error::BadInput(format!(
                "design point {i} breaks a rule of the model: {first}; narrow the ranges in [sensitivity.parameters] so that no combination breaks it"
            )));
        }
    }
    Ok(())
}

/// Runs `study` on `scenario` into the folder `target`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    scenario: &Scenario,
    study: &Study,
    scenario_path: &str,
    scenario_text: &str,
    target: &Path,
    settings: &Settings,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let unit = unit_design(study, scenario.seed);
    let values = point_values(&study.factors, &unit);
    check_points(&scenario.base, &study.factors, &values)?;
    let (first, end) = settings
        .shard
        .map(|s| s.trial_range(values.len() as u64))
        .map_or((0, values.len()), |(a, b)| (a as usize, b as usize));

    let staging = output::staging_dir(target);
    let fingerprint = Fingerprint {
        version: crate::VERSION.to_string(),
        scenario_text: scenario_text.to_string(),
        seed: scenario.seed,
        trials: scenario.trials,
        steps: scenario.steps,
        shard: settings.shard,
    };
    let mut results = prepare_staging(&staging, &fingerprint, settings.resume, first..end)?;
    progress(results.len() as u64 * scenario.trials);
    let todo = first + results.len()..end;
    let trials_run = simulate_points(
        scenario,
        study,
        (todo, &values),
        &staging,
        settings.threads,
        (cancel, progress),
        &mut results,
    )?;
    let prov = Provenance {
        command: "sensitivity",
        scenario_path,
        scenario_text,
        threads: settings.threads,
        shard: settings.shard,
        merged_from: Vec::new(),
        started,
        clock,
        trials_run,
        agent_steps: results.iter().map(|r| r.agent_steps).sum(),
    };
    let design = Design {
        study,
        unit: &unit,
        values: &values,
    };
    publish_study(
        scenario,
        &design,
        (first, &results),
        &prov,
        settings.plots,
        target,
    )
}

/// Simulates the design points `todo` in order, with common random numbers, appending each
/// one's outputs to `points.csv` in the staging folder (so that `--resume` continues after it)
/// and to `results`; returns the number of trials run.
fn simulate_points(
    scenario: &Scenario,
    study: &Study,
    (todo, values): (std::ops::Range<usize>, &[Vec<ParamValue>]),
    staging: &Path,
    threads: usize,
    (cancel, progress): (&AtomicBool, &(dyn Fn(u64) + Sync)),
    results: &mut Vec<PointResult>,
) -> Result<u64, Error> {
    let pool = thread_pool(threads)?;
    let points_path = staging.join(POINTS_FILE);
    let mut points_file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&points_path)
        .map_err(|e| Error::io(&points_path, e))?;
    let mut trials_run = 0u64;
    for (i, point) in todo.clone().zip(&values[todo]) {
        let model = point_model(scenario, &study.factors, point)
            .map_err(|e| Error::BadInput(format!("design point {i}: {e}")))?;
        let mut state = VariantProgress::new(0, scenario.steps);
        continue_variant(
            &model,
            scenario.seed,
            scenario.trials,
            Workers::Spread(&pool),
            cancel,
            progress,
            &mut state,
            |_, _, _| (),
            |_, ()| Ok(()),
            |_, _| Ok(()),
        )?;
        trials_run += scenario.trials;
        let r = PointResult::from_progress(&state);
        writeln!(points_file, "{}", point_line(i, &r)).map_err(|e| Error::io(&points_path, e))?;
        results.push(r);
    }
    points_file
        .sync_all()
        .map_err(|e| Error::io(&points_path, e))?;
    Ok(trials_run)
}

/// A study's design: the unit-hypercube points and the parameter values they stand for.
pub(super) struct Design<'a> {
    pub(super) study: &'a Study,
    pub(super) unit: &'a [Vec<f64>],
    pub(super) values: &'a [Vec<ParamValue>],
}

/// What an output folder's manifest records about how it was made.
pub(super) struct Provenance<'a> {
    pub(super) command: &'static str,
    pub(super) scenario_path: &'a str,
    pub(super) scenario_text: &'a str,
    pub(super) threads: usize,
    pub(super) shard: Option<Shard>,
    /// The part folders a merged study was joined from.
    pub(super) merged_from: Vec<String>,
    pub(super) started: SystemTime,
    pub(super) clock: Instant,
    pub(super) trials_run: u64,
    pub(super) agent_steps: u64,
}

/// Writes the output folder of design points `first..first + results.len()` (`design.csv`;
/// with every point, `indices.csv` and the picture; `manifest.json`) in the staging folder
/// beside `target`, then publishes it there.
pub(super) fn publish_study(
    scenario: &Scenario,
    design: &Design<'_>,
    (first, results): (usize, &[PointResult]),
    prov: &Provenance<'_>,
    plots: bool,
    target: &Path,
) -> Result<Report, Error> {
    let Design {
        study,
        unit,
        values,
    } = *design;
    let staging = output::staging_dir(target);
    let folder = staging.join("out");
    fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let mut files = Vec::new();
    let design_rows: Vec<(usize, &[ParamValue], &PointResult)> = (first..)
        .zip(results)
        .map(|(i, r)| (i, values[i].as_slice(), r))
        .collect();
    write_design(&folder.join(DESIGN_CSV), study, &design_rows)?;
    files.push(DESIGN_CSV);
    let whole = prov.shard.is_none();
    let indices = if whole {
        let rows = indices(study, unit, results, scenario.seed);
        write_indices(&folder.join(INDICES_CSV), study, &rows)?;
        files.push(INDICES_CSV);
        rows
    } else {
        Vec::new()
    };
    let mut pictures = Vec::new();
    if whole && plots {
        pictures = crate::plots::draw_sensitivity(&folder, &picture_data(study, &indices))?;
    }
    let wall_seconds = prov.clock.elapsed().as_secs_f64();
    let manifest = manifest_json(scenario, design, (first, results.len()), prov, wall_seconds);
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::BadInput(format!("manifest: {e}")))?;
    output::write_atomic(&folder.join("manifest.json"), text.as_bytes())?;
    files.push("manifest.json");
    output::publish(&folder, target)?;
    let _ = fs::remove_dir_all(&staging);
    let mut paths: Vec<PathBuf> = files.iter().map(|f| target.join(f)).collect();
    paths.extend(
        pictures
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| target.join(n)),
    );
    Ok(Report {
        out: target.to_path_buf(),
        files: paths,
        points: values.len(),
        indices,
        wall_seconds,
        trials_run: prov.trials_run,
    })
}

/// The `manifest.json` of a study's folder holding design points `first..first + len`.
fn manifest_json(
    scenario: &Scenario,
    design: &Design<'_>,
    (first, len): (usize, usize),
    prov: &Provenance<'_>,
    wall_seconds: f64,
) -> serde_json::Value {
    let mut manifest = serde_json::json!({
        "command": prov.command,
        "version": crate::VERSION,
        "rand_version": crate::RAND_VERSION,
        "rand_distr_version": crate::RAND_DISTR_VERSION,
        "scenario_path": prov.scenario_path,
        "scenario_text": prov.scenario_text,
        "base_parameters": scenario.base,
        "study": design.study,
        "seed": scenario.seed,
        "design_seed": design_seed(scenario.seed),
        "trials": scenario.trials,
        "steps": scenario.steps,
        "threads": prov.threads,
        "shard": prov.shard,
        "points": design.values.len(),
        "points_in_this_folder": [first, first + len],
        "start_time": timestamp(prov.started),
        "end_time": timestamp(SystemTime::now()),
        "wall_seconds": wall_seconds,
        "agent_steps": prov.agent_steps,
        "trials_per_second": if wall_seconds > 0.0 { prov.trials_run as f64 / wall_seconds } else { 0.0 },
    });
    if !prov.merged_from.is_empty() {
        manifest["merged_from"] = serde_json::json!(prov.merged_from);
    }
    manifest
}

/// Creates the staging folder, or on `--resume` reads the points it already holds.
fn prepare_staging(
    staging: &Path,
    fingerprint: &Fingerprint,
    resume: bool,
    range: std::ops::Range<usize>,
) -> Result<Vec<PointResult>, Error> {
    let fp_path = staging.join(FINGERPRINT_FILE);
    if resume && fp_path.exists() {
        let text = fs::read(&fp_path).map_err(|e| Error::io(&fp_path, e))?;
        let found: Fingerprint = serde_json::from_slice(&text).map_err(|e| {
            Error::BadInput(format!(
                "{}: damaged ({e}); run again without --resume to start over",
                fp_path.display()
            ))
        })?;
        if &found != fingerprint {
            return Err(Error::BadInput(format!(
                "{}: the interrupted study had another scenario, seed, trials, steps, shard or version; run again without --resume to start over",
                staging.display()
            )));
        }
        let points_path = staging.join(POINTS_FILE);
        let text = fs::read_to_string(&points_path).unwrap_or_default();
        let mut done = Vec::new();
        // Only whole lines count: the last one may have been cut short.
        let whole = text.rfind('\n').map_or("", |e| &text[..=e]);
        for line in whole.lines() {
            match parse_point_line(line) {
                Some((i, r)) if i == range.start + done.len() && i < range.end => done.push(r),
                _ => {
                    return Err(Error::BadInput(format!(
                        "{}: damaged; run again without --resume to start over",
                        points_path.display()
                    )));
                }
            }
        }
        // Drop a cut line, so appending starts on a fresh line.
        fs::write(&points_path, whole).map_err(|e| Error::io(&points_path, e))?;
        let _ = fs::remove_dir_all(staging.join("out"));
        return Ok(done);
    }
    if staging.exists() {
        fs::remove_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    }
    fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    let text = serde_json::to_vec_pretty(fingerprint)
        .map_err(|e| Error::BadInput(format!("fingerprint: {e}")))?;
    output::write_atomic(&fp_path, &text)?;
    Ok(Vec::new())
}

fn opt_num(x: f64) -> String {
    if x.is_finite() { num(x) } else { String::new() }
}

fn point_line(i: usize, r: &PointResult) -> String {
    format!(
        "{i},{},{},{},{},{},{},{}",
        r.trials,
        r.graduated,
        r.agent_steps,
        opt_num(r.p_graduate),
        opt_num(r.rmst),
        opt_num(r.median_weeks_to_graduate),
        opt_num(r.host_outlay_per_graduate)
    )
}

fn parse_point_line(line: &str) -> Option<(usize, PointResult)> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() != 8 {
        return None;
    }
    let x = |s: &str| -> Option<f64> {
        if s.is_empty() {
            Some(f64::NAN)
        } else {
            s.parse().ok()
        }
    };
    Some((
        f[0].parse().ok()?,
        PointResult {
            trials: f[1].parse().ok()?,
            graduated: f[2].parse().ok()?,
            agent_steps: f[3].parse().ok()?,
            p_graduate: x(f[4])?,
            rmst: x(f[5])?,
            median_weeks_to_graduate: x(f[6])?,
            host_outlay_per_graduate: x(f[7])?,
        },
    ))
}

fn method_columns(study: &Study) -> (&'static str, &'static [&'static str]) {
    match study.method {
        Method::Morris { .. } => (
            "trajectory",
            &[
                "mu",
                "mu_star",
                "mu_star_lower",
                "mu_star_upper",
                "sigma",
                "effects",
            ],
        ),
        Method::Sobol { .. } => (
            "base_point",
            &["s1", "s1_lower", "s1_upper", "st", "st_lower", "st_upper"],
        ),
    }
}

/// The columns of `design.csv`.
pub(super) fn design_header(study: &Study) -> Vec<&str> {
    let (group_col, _) = method_columns(study);
    let mut header = vec!["point", group_col];
    header.extend(study.factors.iter().map(|f| f.path.as_str()));
    header.extend(["trials", "graduated"]);
    header.extend(Output::ALL.iter().map(|o| o.name()));
    header
}

/// `design.csv`: `point`, the trajectory (Morris) or base point (Sobol') it belongs to, the
/// varied parameters' values, then `trials, graduated` and every output (empty when missing).
fn write_design(
    path: &Path,
    study: &Study,
    rows: &[(usize, &[ParamValue], &PointResult)],
) -> Result<(), Error> {
    let per_group = match study.method {
        Method::Morris { .. } => study.factors.len() + 1,
        Method::Sobol { .. } => sobol::rows_per_point(study.factors.len()),
    };
    let mut w = output::create_csv(path, &design_header(study))?;
    for (i, values, r) in rows {
        let mut rec = vec![i.to_string(), (i / per_group).to_string()];
        rec.extend(values.iter().map(|v| match v {
            ParamValue::Float(x) => num(*x),
            other => other.to_string(),
        }));
        rec.push(r.trials.to_string());
        rec.push(r.graduated.to_string());
        rec.extend(Output::ALL.iter().map(|o| opt_num(r.output(*o))));
        w.write_record(&rec).map_err(|e| Error::csv(path, e))?;
    }
    output::finish_csv(path, w)
}

/// The indices of every output, ranked within each output (1 = matters most).
pub fn indices(
    study: &Study,
    unit: &[Vec<f64>],
    results: &[PointResult],
    seed: u64,
) -> Vec<IndexRow> {
    let k = study.factors.len();
    let mut rows = Vec::new();
    for (o_index, o) in study.outputs.iter().enumerate() {
        let y: Vec<f64> = results.iter().map(|r| r.output(*o)).collect();
        let boot_seed = crate::model::splitmix64(design_seed(seed) ^ (o_index as u64 + 1));
        let measures: Vec<Measures> = match study.method {
            Method::Morris { levels, .. } => morris::analyze(
                unit,
                &y,
                k,
                levels,
                study.resamples,
                study.confidence,
                boot_seed,
            )
            .into_iter()
            .map(Measures::Morris)
            .collect(),
            Method::Sobol { .. } => {
                match sobol::analyze(&y, k, study.resamples, study.confidence, boot_seed) {
                    Some(s) => s.into_iter().map(Measures::Sobol).collect(),
                    None => continue,
                }
            }
        };
        let mut order: Vec<usize> = (0..k).collect();
        let key = |j: usize| {
            let e = measures[j].ranking().estimate;
            if e.is_nan() { f64::NEG_INFINITY } else { e }
        };
        order.sort_by(|a, b| key(*b).total_cmp(&key(*a)).then(a.cmp(b)));
        let mut rank = vec![0; k];
        for (pos, j) in order.iter().enumerate() {
            rank[*j] = pos + 1;
        }
        for j in 0..k {
            rows.push(IndexRow {
                output: *o,
                parameter: study.factors[j].path.clone(),
                measures: measures[j],
                rank: rank[j],
            });
        }
    }
    rows
}

/// `indices.csv`: `output, parameter`, the method's measures and their bounds, `rank`.
fn write_indices(path: &Path, study: &Study, rows: &[IndexRow]) -> Result<(), Error> {
    let (_, cols) = method_columns(study);
    let mut header = vec!["output", "parameter"];
    header.extend(cols);
    header.push("rank");
    let mut w = output::create_csv(path, &header)?;
    for r in rows {
        let mut rec = vec![r.output.name().to_string(), r.parameter.clone()];
        match &r.measures {
            Measures::Morris(m) => rec.extend([
                opt_num(m.mu),
                opt_num(m.mu_star.estimate),
                opt_num(m.mu_star.lower),
                opt_num(m.mu_star.upper),
                opt_num(m.sigma),
                m.effects.to_string(),
            ]),
            Measures::Sobol(s) => rec.extend([
                opt_num(s.s1.estimate),
                opt_num(s.s1.lower),
                opt_num(s.s1.upper),
                opt_num(s.st.estimate),
                opt_num(s.st.lower),
                opt_num(s.st.upper),
            ]),
        }
        rec.push(r.rank.to_string());
        w.write_record(&rec).map_err(|e| Error::csv(path, e))?;
    }
    output::finish_csv(path, w)
}

/// What the sensitivity picture shows: per output, the parameters with their ranking measure.
fn picture_data(study: &Study, rows: &[IndexRow]) -> crate::plots::SensitivityData {
    let measure = match study.method {
        Method::Morris { .. } => "mu* (mean |elementary effect|)",
        Method::Sobol { .. } => "total Sobol' index",
    };
    crate::plots::SensitivityData {
        measure: measure.to_string(),
        panels: study
            .outputs
            .iter()
            .map(|o| {
                let bars = rows
                    .iter()
                    .filter(|r| r.output == *o)
                    .map(|r| {
                        let i = r.measures.ranking();
                        (r.parameter.clone(), i.estimate, i.lower, i.upper)
                    })
                    .collect();
                (o.title().to_string(), bars)
            })
            .collect(),
    }
}
