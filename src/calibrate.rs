//! `hothouse calibrate`: fits a scenario's parameters to a real life-cycle record by sequential
//! Monte Carlo ABC ([`smc`]), with the distance `D` of `hothouse compare` ([`crate::compare`]).
//!
//! Each particle is a set of values of the fitted parameters (the scenario's `[calibrate]`
//! table, [`config`]); simulating it runs `trials` communities of the scenario's base parameters
//! with those values set, over the scenario's horizon, and measures `D` between their
//! Aalen-Johansen curves and the record's over the window.

pub mod config;
pub mod smc;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::compare::{distance, resolve_window};
use crate::error::Error;
use crate::model::{Model, Workspace, trial_seed};
use crate::output::{check_target, num, publish, staging_dir, write_atomic};
use crate::record::Record;
use crate::scenario::Scenario;
use crate::statistics::{Incidence, OutcomeCounts, survival_table};
use config::Config;
use smc::{Generation, Settings, SmcError, marginal_quantile};

/// What a fit found.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub config: Config,
    pub window: u32,
    pub seed: u64,
    pub generations: Vec<Generation>,
    /// Per fitted parameter: the posterior median and 90% interval (5% and 95% quantiles) of
    /// the last generation.
    pub median: Vec<f64>,
    pub interval: Vec<(f64, f64)>,
    /// `D` of the scenario's `trials` communities at the posterior median (seeded by the
    /// scenario's seed).
    pub fitted_distance: f64,
}

/// `D` of `trials` communities of `model` (trial `k` seeded `trial_seed(seed, k)`) against the
/// record's curves over weeks `0..=window`. A parameter set the model refuses is infinitely far.
pub fn simulate_distance(
    model: Result<Model, String>,
    trials: u64,
    seed: u64,
    record: &Incidence,
    window: u32,
) -> f64 {
    let Ok(model) = model else {
        return f64::INFINITY;
    };
    let steps = model.steps;
    let mut counts = OutcomeCounts::new(steps);
    let mut ws = Workspace::new();
    for k in 0..trials {
        let r = model.run(trial_seed(seed, k), &mut ws);
        counts.record(r.outcome, r.time);
    }
    let table = survival_table(&counts);
    let g: Vec<f64> = table.iter().map(|r| r.cif_graduated).collect();
    let f: Vec<f64> = table.iter().map(|r| r.cif_fizzled).collect();
    distance(&g, &f, record, window).d
}

/// `x` to four significant digits: posterior summaries are not known more precisely, and
/// `fitted.toml` stays readable.
pub fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// The model of the scenario with the fitted values set, exactly as a one-point sweep of those
/// paths would set them (a fixed value replaces a per-community distribution; a path such as
/// `core_idea.strength.sd_log` sets a distribution's own parameter).
fn with_values(scenario: &Scenario, config: &Config, values: &[f64]) -> Result<Model, String> {
    let mut s = scenario.clone();
    s.sweep = config
        .parameters
        .iter()
        .zip(values)
        .map(|(f, &x)| (f.path.clone(), vec![f.value(x)]))
        .collect();
    s.variants()[0].model(&s)
}

/// Options of one fit.
pub struct Options<'a> {
    pub scenario_file: &'a str,
    pub scenario_text: &'a str,
    pub record: &'a Path,
    pub out: &'a Path,
    pub force: bool,
    pub seed: Option<u64>,
    pub threads: usize,
}

/// Fits, writes the output folder (atomically, through a staging folder) and returns the fit
/// and the files written.
pub fn calibrate(
    scenario: &Scenario,
    o: &Options<'_>,
    cancel: &AtomicBool,
    report: impl FnMut(&Generation) + Send,
) -> Result<(Calibration, Vec<PathBuf>), Error> {
    let config = config::read(o.scenario_file, o.scenario_text, scenario)?;
    if scenario.variant_count() > 1 {
        return Err(Error::Usage(format!(
            "{}: calibrate fits the base parameters; remove the [sweep] table",
            o.scenario_file
        )));
    }
    let record = Record::read(o.record)?;
    let window = resolve_window(config.window, scenario.steps, &record)?;
    check_target(o.out, o.force)?;
    let incidence = record.incidence();
    let seed = o.seed.unwrap_or(scenario.seed);
    let settings = Settings {
        particles: config.particles,
        generations: config.generations,
        quantile: config.quantile,
        min_acceptance: config.min_acceptance,
        max_attempts: 10_000,
        seed,
    };
    let priors: Vec<smc::Prior> = config.parameters.iter().map(|f| f.prior).collect();
    let simulate = |values: &[f64], s: u64| {
        simulate_distance(
            with_values(scenario, &config, values),
            config.trials,
            s,
            &incidence,
            window,
        )
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", o.threads)))?;
    let generations = pool
        .install(|| smc::run(&priors, &settings, simulate, report, cancel))
        .map_err(|e| match e {
            SmcError::Interrupted => Error::Interrupted,
            other => Error::BadInput(format!("{}: {other}", o.scenario_file)),
        })?;
    let last = generations.last().expect("generation 0 always exists");
    let k = config.parameters.len();
    let q = |i: usize, p: f64| significant(marginal_quantile(last, i, p));
    let median: Vec<f64> = (0..k).map(|i| q(i, 0.5)).collect();
    let interval = (0..k).map(|i| (q(i, 0.05), q(i, 0.95))).collect();
    let fitted_distance = simulate_distance(
        with_values(scenario, &config, &median),
        scenario.trials,
        scenario.seed,
        &incidence,
        window,
    );
    let cal = Calibration {
        config,
        window,
        seed,
        generations,
        median,
        interval,
        fitted_distance,
    };
    let files = write(&cal, scenario, o)?;
    Ok((cal, files))
}

impl Calibration {
    /// One line per fitted parameter: `path = median (posterior median; 90% interval lo to hi)`.
    pub fn fitted_lines(&self) -> Vec<String> {
        self.config
            .parameters
            .iter()
            .zip(&self.median)
            .zip(&self.interval)
            .map(|((f, m), (lo, hi))| {
                format!(
                    "{} = {} (posterior median; 90% interval {} to {})",
                    f.path,
                    f.value(*m),
                    f.value(*lo),
                    f.value(*hi)
                )
            })
            .collect()
    }
}

/// `posterior.csv`: every generation's particles.
pub fn posterior_csv(cal: &Calibration) -> Result<Vec<u8>, Error> {
    let e = |e: csv::Error| Error::csv("posterior.csv", e);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["generation", "particle", "weight", "distance", "tolerance"];
    header.extend(cal.config.parameters.iter().map(|f| f.path.as_str()));
    w.write_record(&header).map_err(e)?;
    for g in &cal.generations {
        for (i, p) in g.particles.iter().enumerate() {
            let mut rec = vec![
                g.index.to_string(),
                i.to_string(),
                num(p.weight),
                num(p.distance),
                if g.tolerance.is_finite() {
                    num(g.tolerance)
                } else {
                    String::new()
                },
            ];
            rec.extend(
                cal.config
                    .parameters
                    .iter()
                    .zip(&p.values)
                    .map(|(f, &x)| f.value(x).to_string()),
            );
            w.write_record(&rec).map_err(e)?;
        }
    }
    w.into_inner()
        .map_err(|err| Error::csv("posterior.csv", err.error()))
}

/// `fitted.toml`: the scenario with the posterior medians set (without `[calibrate]` and
/// `[sweep]`), headed by comments giving each 90% interval and the D reached.
pub fn fitted_toml(cal: &Calibration, text: &str, record: &Path) -> Result<String, Error> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e| Error::BadInput(format!("the scenario is not valid TOML: {e}")))?;
    doc.remove("calibrate");
    doc.remove("sweep");
    for (f, &x) in cal.config.parameters.iter().zip(&cal.median) {
        let mut table = &mut doc;
        let parts: Vec<&str> = f.path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            let entry = table
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            table = entry.as_table_mut().expect("made a table above");
        }
        let value = match f.value(x) {
            crate::parameters::ParamValue::Int(i) => toml::Value::Integer(i),
            crate::parameters::ParamValue::Float(v) => toml::Value::Float(v),
            crate::parameters::ParamValue::Text(s) => toml::Value::String(s),
        };
        table.insert(parts[parts.len() - 1].to_string(), value);
    }
    let body = toml::to_string(&doc)
        .map_err(|e| Error::BadInput(format!("cannot write fitted.toml: {e}")))?;
    let last = cal.generations.last().expect("generation 0 always exists");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Fitted by `hothouse calibrate` against {} (weeks 0-{}), seed {}:",
        record.display(),
        cal.window,
        cal.seed
    );
    let _ = writeln!(
        s,
        "# {} generations of {} particles, last tolerance {}, effective sample size {:.0}.",
        cal.generations.len(),
        last.particles.len(),
        if last.tolerance.is_finite() {
            format!("{:.4}", last.tolerance)
        } else {
            "none".into()
        },
        last.ess
    );
    let _ = writeln!(
        s,
        "# D at the posterior median (the file's trials and seed): {:.4}",
        cal.fitted_distance
    );
    for line in cal.fitted_lines() {
        let _ = writeln!(s, "# {line}");
    }
    s.push('\n');
    s.push_str(&body);
    Ok(s)
}

fn write(cal: &Calibration, scenario: &Scenario, o: &Options<'_>) -> Result<Vec<PathBuf>, Error> {
    let staging = staging_dir(o.out);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let manifest = serde_json::json!({
        "version": crate::VERSION,
        "command": "calibrate",
        "scenario": o.scenario_file,
        "scenario_text": o.scenario_text,
        "name": scenario.name,
        "data": o.record.display().to_string(),
        "seed": cal.seed,
        "steps": scenario.steps,
        "window": cal.window,
        "threads": o.threads,
        "particles": cal.config.particles,
        "trials_per_particle": cal.config.trials,
        "generations": cal.generations.iter().map(|g| serde_json::json!({
            "generation": g.index,
            "tolerance": if g.tolerance.is_finite() { Some(g.tolerance) } else { None },
            "simulations": g.simulations,
            "acceptance": g.acceptance,
            "ess": g.ess,
        })).collect::<Vec<_>>(),
        "priors": cal.config.parameters.iter().map(|f| serde_json::json!({
            "path": f.path,
            "prior": format!("{:?}", f.prior),
        })).collect::<Vec<_>>(),
        "fitted_distance": cal.fitted_distance,
    });
    let files: [(&str, Vec<u8>); 3] = [
        ("posterior.csv", posterior_csv(cal)?),
        (
            "fitted.toml",
            fitted_toml(cal, o.scenario_text, o.record)?.into_bytes(),
        ),
        (
            "manifest.json",
            serde_json::to_vec_pretty(&manifest)
                .map_err(|e| Error::BadInput(format!("manifest: {e}")))?,
        ),
    ];
    for (name, bytes) in &files {
        write_atomic(&staging.join(name), bytes)?;
    }
    publish(&staging, o.out)?;
    Ok(files.iter().map(|(n, _)| o.out.join(n)).collect())
}
