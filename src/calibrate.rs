//! `hothouse calibrate`: fits a scenario's parameters to a real life-cycle record by sequential
//! Monte Carlo ABC ([`smc`]), with the distance `D` of `hothouse compare` ([`crate::compare`]).
//!
//! Each particle is a set of values of the fitted parameters (the scenario's `[calibrate]`
//! table, [`config`]); simulating it runs `trials` communities of the scenario's base parameters
//! with those values set, over the scenario's horizon, and measures `D` between their
//! Aalen-Johansen curves and the record's over the window.

pub mod config;
pub mod smc;

mod pictures;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::compare::{distance, resolve_window};
use crate::error::Error;
use crate::model::{Model, Workspace, trial_seed};
use crate::output::{
    claim_target, file_record, num, open_staging, publish, read_staged_json, staging_dir,
    write_atomic,
};
use crate::record::Record;
use crate::scenario::Scenario;
use crate::simulation::thread_pool;
use crate::statistics::{Incidence, OutcomeCounts, survival_table};
use config::Config;
use smc::{Generation, Settings, Smc, SmcError, marginal_quantile};

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
    let (g, f) = cif(&counts);
    distance(&g, &f, record, window).d
}

/// The Aalen-Johansen cumulative incidence of graduating and of fizzling, week by week.
fn cif(counts: &OutcomeCounts) -> (Vec<f64>, Vec<f64>) {
    let table = survival_table(counts);
    (
        table.iter().map(|r| r.cif_graduated).collect(),
        table.iter().map(|r| r.cif_fizzled).collect(),
    )
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
    pub resume: bool,
    pub seed: Option<u64>,
    pub threads: usize,
}

/// What the command line is told while a fit runs (all calls may come from worker threads).
pub trait Progress: Sync {
    /// Generation `index` starts; its particles must meet `tolerance` (infinite for the prior).
    fn generation_started(&self, _index: usize, _tolerance: f64, _particles: usize) {}
    /// A particle was found after `simulations` simulations.
    fn particle_found(&self, _simulations: u64) {}
    /// A generation is finished (and saved for `--resume`); it took `seconds`.
    fn generation_done(&self, _generation: &Generation, _seconds: f64) {}
}

/// Reports nothing.
pub struct Silent;
impl Progress for Silent {}

/// Identifies a fit, so that `--resume` only continues the same fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Fingerprint {
    version: String,
    command: String,
    scenario_text: String,
    data_sha256: String,
    seed: u64,
}

/// The generations found so far, saved in the staging folder after each one.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Checkpoint {
    generations: Vec<Generation>,
    /// Wall-clock seconds each generation took.
    seconds: Vec<f64>,
}

const CHECKPOINT: &str = "generations.json";
/// Posterior draws simulated for the band of `fit.png`.
const BAND_DRAWS: usize = 50;

/// Fits, writes the output folder (atomically, through a staging folder that also holds the
/// generations found so far, for `--resume`) and returns the fit and the files written.
pub fn calibrate(
    scenario: &Scenario,
    o: &Options<'_>,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<(Calibration, Vec<PathBuf>), Error> {
    let clock = Instant::now();
    let config = config::read(o.scenario_file, o.scenario_text, scenario)?;
    if scenario.variant_count() > 1 {
        return Err(Error::Usage(format!(
            "{}: calibrate fits the base parameters; remove the [sweep] table",
            o.scenario_file
        )));
    }
    let record = Record::read(o.record)?;
    let window = resolve_window(config.window, scenario.steps, &record)?;
    let data_sha256 = file_record(o.record)
        .map_err(|e| Error::io(o.record, e))?
        .sha256;
    let (_lock, _notes) = claim_target(o.out, o.force)?;
    let incidence = record.incidence();
    let seed = o.seed.unwrap_or(scenario.seed);
    let settings = smc_settings(&config, seed);
    let staging = staging_dir(o.out);
    let mut checkpoint = staged_checkpoint(&staging, o, &data_sha256, seed)?;
    let checkpoint_path = staging.join(CHECKPOINT);
    let simulate = |values: &[f64], s: u64| {
        simulate_distance(
            with_values(scenario, &config, values),
            config.trials,
            s,
            &incidence,
            window,
        )
    };
    let pool = thread_pool(o.threads)?;
    let priors: Vec<smc::Prior> = config.parameters.iter().map(|f| f.prior).collect();
    let fitting = Fitting {
        smc: Smc::new(&priors, &settings),
        simulate: &simulate,
        pool: &pool,
        checkpoint_path: &checkpoint_path,
        scenario_file: o.scenario_file,
    };
    fitting.continue_fit(&mut checkpoint, progress, cancel)?;
    let Checkpoint {
        generations,
        seconds,
    } = checkpoint;
    if generations.is_empty() {
        return Err(Error::BadInput(format!(
            "{}: calibrate.generations must be at least 1",
            o.scenario_file
        )));
    }
    let (cal, fit) = pool.install(|| {
        summarise(
            scenario,
            config,
            generations,
            &record,
            &incidence,
            window,
            seed,
        )
    });
    let timing = Timing {
        generations: seconds,
        total: clock.elapsed().as_secs_f64(),
    };
    let files = write(&cal, &fit, scenario, o, &data_sha256, &timing, &staging)?;
    let _ = std::fs::remove_dir_all(&staging);
    Ok((cal, files))
}

/// The SMC engine's settings from `[calibrate]`: at most 10,000 proposals per particle.
fn smc_settings(config: &Config, seed: u64) -> Settings {
    Settings {
        particles: config.particles,
        generations: config.generations,
        quantile: config.quantile,
        min_acceptance: config.min_acceptance,
        max_attempts: 10_000,
        seed,
    }
}

/// The checkpoint of the fit staged in `staging`: the generations found so far when resuming
/// the same fit (same scenario text, record, seed and version), none otherwise.
fn staged_checkpoint(
    staging: &Path,
    o: &Options<'_>,
    data_sha256: &str,
    seed: u64,
) -> Result<Checkpoint, Error> {
    let fingerprint = Fingerprint {
        version: crate::VERSION.to_string(),
        command: "calibrate".into(),
        scenario_text: o.scenario_text.to_string(),
        data_sha256: data_sha256.to_string(),
        seed,
    };
    let resumed = open_staging(staging, &fingerprint, o.resume)?;
    let checkpoint_path = staging.join(CHECKPOINT);
    if resumed && checkpoint_path.exists() {
        read_staged_json(&checkpoint_path)
    } else {
        Ok(Checkpoint::default())
    }
}

/// The fit's result from its generations (at least one): the posterior's medians and 90%
/// intervals from the last, the curves simulated at the medians and their distance to the
/// record, and the band of curves from posterior draws for `fit.png`.
fn summarise<'a>(
    scenario: &Scenario,
    config: Config,
    generations: Vec<Generation>,
    record: &'a Record,
    incidence: &'a Incidence,
    window: u32,
    seed: u64,
) -> (Calibration, Fit<'a>) {
    let k = config.parameters.len();
    let (median, interval, band) = match generations.last() {
        Some(last) => {
            let q = |i: usize, p: f64| significant(marginal_quantile(last, i, p));
            (
                (0..k).map(|i| q(i, 0.5)).collect::<Vec<f64>>(),
                (0..k).map(|i| (q(i, 0.05), q(i, 0.95))).collect(),
                posterior_band(scenario, &config, last, seed),
            )
        }
        None => (Vec::new(), Vec::new(), None),
    };
    let fitted = curves(
        with_values(scenario, &config, &median),
        scenario.trials,
        scenario.seed,
    );
    let fitted_distance = fitted
        .as_ref()
        .map_or(f64::INFINITY, |(g, f)| distance(g, f, incidence, window).d);
    let cal = Calibration {
        config,
        window,
        seed,
        generations,
        median,
        interval,
        fitted_distance,
    };
    let fit = Fit {
        record,
        incidence,
        fitted,
        band,
    };
    (cal, fit)
}

/// The generation loop of a fit, with what it needs.
struct Fitting<'a> {
    smc: Smc<'a>,
    simulate: &'a (dyn Fn(&[f64], u64) -> f64 + Sync),
    pool: &'a rayon::ThreadPool,
    checkpoint_path: &'a Path,
    scenario_file: &'a str,
}

impl Fitting<'_> {
    /// Finds generations until the fit is finished, saving the checkpoint after each (an
    /// interruption loses at most the generation under way).
    fn continue_fit(
        &self,
        checkpoint: &mut Checkpoint,
        progress: &dyn Progress,
        cancel: &AtomicBool,
    ) -> Result<(), Error> {
        while !self.smc.finished(&checkpoint.generations) {
            let started = Instant::now();
            let previous = checkpoint.generations.last();
            progress.generation_started(
                checkpoint.generations.len(),
                self.smc.tolerance_after(previous),
                self.smc.particles(),
            );
            let simulate = self.simulate;
            let next = self
                .pool
                .install(|| {
                    self.smc.next_generation(
                        previous,
                        &simulate,
                        &|k| progress.particle_found(k),
                        cancel,
                    )
                })
                .map_err(|e| match e {
                    SmcError::Interrupted => Error::Interrupted,
                    other => Error::BadInput(format!("{}: {other}", self.scenario_file)),
                })?;
            let seconds = started.elapsed().as_secs_f64();
            checkpoint.generations.push(next);
            checkpoint.seconds.push(seconds);
            let json = serde_json::to_vec(&checkpoint)
                .map_err(|e| Error::BadInput(format!("{CHECKPOINT}: {e}")))?;
            write_atomic(self.checkpoint_path, &json)?;
            if let Some(g) = checkpoint.generations.last() {
                progress.generation_done(g, seconds);
            }
            if cancel.load(Ordering::SeqCst) {
                return Err(Error::Interrupted);
            }
        }
        Ok(())
    }
}

/// The Aalen-Johansen curves (graduated, fizzled; weeks `0..=steps`) of `trials` communities of
/// `model`, or `None` for a parameter set the model refuses. Trials run in parallel on the
/// current pool; the curves do not depend on the order.
fn curves(model: Result<Model, String>, trials: u64, seed: u64) -> Option<(Vec<f64>, Vec<f64>)> {
    use rayon::prelude::*;
    let model = model.ok()?;
    let results: Vec<(crate::outcome::Outcome, u32)> = (0..trials)
        .into_par_iter()
        .map_init(Workspace::new, |ws, k| {
            let r = model.run(trial_seed(seed, k), ws);
            (r.outcome, r.time)
        })
        .collect();
    let mut counts = OutcomeCounts::new(model.steps);
    for (outcome, time) in results {
        counts.record(outcome, time);
    }
    Some(cif(&counts))
}

/// Pointwise 5% and 95% quantiles, week by week, of both outcomes' curves simulated at
/// [`BAND_DRAWS`] particles drawn from the last generation by weight (each with the fit's
/// trials per particle): the posterior's predictive band.
fn posterior_band(
    scenario: &Scenario,
    config: &Config,
    last: &Generation,
    seed: u64,
) -> Option<Band> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(trial_seed(seed, u64::MAX));
    let weights: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
    let total: f64 = weights.iter().sum();
    let draws: Vec<usize> = (0..BAND_DRAWS)
        .map(|_| {
            let mut r = rng.random::<f64>() * total;
            weights
                .iter()
                .position(|&w| {
                    r -= w;
                    r < 0.0
                })
                .unwrap_or(weights.len() - 1)
        })
        .collect();
    let simulated: Vec<(Vec<f64>, Vec<f64>)> = draws
        .iter()
        .enumerate()
        .filter_map(|(i, &j)| {
            curves(
                with_values(scenario, config, &last.particles[j].values),
                config.trials,
                trial_seed(seed ^ 0xBA4D, i as u64),
            )
        })
        .collect();
    if simulated.is_empty() {
        return None;
    }
    let weeks = simulated[0].0.len();
    let quantiles = |pick: fn(&Curves) -> &Vec<f64>| {
        let mut lower = Vec::with_capacity(weeks);
        let mut upper = Vec::with_capacity(weeks);
        for t in 0..weeks {
            let mut v: Vec<f64> = simulated.iter().map(|c| pick(c)[t]).collect();
            v.sort_by(f64::total_cmp);
            let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
            lower.push(at(0.05));
            upper.push(at(0.95));
        }
        (lower, upper)
    };
    Some(Band {
        graduated: quantiles(|c| &c.0),
        fizzled: quantiles(|c| &c.1),
    })
}

/// Both outcomes' curves, graduated then fizzled, week by week.
type Curves = (Vec<f64>, Vec<f64>);

/// The 90% predictive band of both outcomes: (lower, upper) per week.
struct Band {
    graduated: (Vec<f64>, Vec<f64>),
    fizzled: (Vec<f64>, Vec<f64>),
}

/// What `fit.png` shows.
struct Fit<'a> {
    record: &'a Record,
    incidence: &'a Incidence,
    fitted: Option<(Vec<f64>, Vec<f64>)>,
    band: Option<Band>,
}

/// Wall-clock seconds: each generation's, and the whole command's.
struct Timing {
    generations: Vec<f64>,
    total: f64,
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

/// `fitted.toml`: the scenario file with the posterior medians set (its comments and layout
/// kept; `[calibrate]` and `[sweep]` left out), headed by comments giving each 90% interval and
/// the D reached.
pub fn fitted_toml(cal: &Calibration, text: &str, record: &Path) -> Result<String, Error> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::BadInput(format!("the scenario is not valid TOML: {e}")))?;
    doc.remove("calibrate");
    doc.remove("sweep");
    for (f, &x) in cal.config.parameters.iter().zip(&cal.median) {
        let value = match f.value(x) {
            crate::parameters::ParamValue::Int(i) => toml_edit::Value::from(i),
            crate::parameters::ParamValue::Float(v) => toml_edit::Value::from(v),
            crate::parameters::ParamValue::Text(s) => toml_edit::Value::from(s),
        };
        set_path(&mut doc, &f.path, value);
    }
    let last = cal.generations.last();
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
        last.map_or(0, |g| g.particles.len()),
        last.filter(|g| g.tolerance.is_finite())
            .map_or("none".into(), |g| format!("{:.4}", g.tolerance)),
        last.map_or(0.0, |g| g.ess)
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
    s.push_str(doc.to_string().trim_end());
    s.push('\n');
    Ok(s)
}

/// Sets the value at a dotted path (`group.field`, or `group.field.key` inside an inline
/// table such as a per-community distribution), creating tables as needed and keeping the
/// comments around a value it replaces.
fn set_path(doc: &mut toml_edit::DocumentMut, path: &str, mut value: toml_edit::Value) {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, groups)) = parts.split_last() else {
        return;
    };
    let mut item = doc.as_item_mut();
    for part in groups {
        if item.get(part).is_none() {
            item[part] = toml_edit::Item::Table(toml_edit::Table::new());
        }
        item = &mut item[part];
    }
    if let Some(old) = item.get(last).and_then(|i| i.as_value()) {
        *value.decor_mut() = old.decor().clone();
    }
    item[last] = toml_edit::Item::Value(value);
}

fn write(
    cal: &Calibration,
    fit: &Fit<'_>,
    scenario: &Scenario,
    o: &Options<'_>,
    data_sha256: &str,
    timing: &Timing,
    staging: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let result = staging.join("result");
    if result.exists() {
        std::fs::remove_dir_all(&result).map_err(|e| Error::io(&result, e))?;
    }
    std::fs::create_dir_all(&result).map_err(|e| Error::io(&result, e))?;
    let manifest = serde_json::json!({
        "version": crate::VERSION,
        "command": "calibrate",
        "scenario": o.scenario_file,
        "scenario_text": o.scenario_text,
        "name": scenario.name,
        "data": { "file": o.record.display().to_string(), "sha256": data_sha256 },
        "seed": cal.seed,
        "steps": scenario.steps,
        "window": cal.window,
        "threads": o.threads,
        "settings": {
            "particles": cal.config.particles,
            "trials_per_particle": cal.config.trials,
            "generations": cal.config.generations,
            "quantile": cal.config.quantile,
            "min_acceptance": cal.config.min_acceptance,
        },
        "generations": cal.generations.iter().zip(&timing.generations).map(|(g, secs)| serde_json::json!({
            "generation": g.index,
            "tolerance": if g.tolerance.is_finite() { Some(g.tolerance) } else { None },
            "simulations": g.simulations,
            "acceptance": g.acceptance,
            "ess": g.ess,
            "seconds": secs,
        })).collect::<Vec<_>>(),
        "priors": cal.config.parameters.iter().map(|f| {
            let (kind, low, high) = match f.prior {
                smc::Prior::Uniform { low, high } => ("uniform", low, high),
                smc::Prior::LogUniform { low, high } => ("log-uniform", low, high),
            };
            serde_json::json!({ "path": f.path, "prior": kind, "low": low, "high": high })
        }).collect::<Vec<_>>(),
        "posterior": cal.config.parameters.iter().zip(&cal.median).zip(&cal.interval).map(|((f, m), (lo, hi))| serde_json::json!({
            "path": f.path, "median": m, "q05": lo, "q95": hi,
        })).collect::<Vec<_>>(),
        "fitted_distance": cal.fitted_distance,
        "seconds": timing.total,
    });
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("posterior.csv", posterior_csv(cal)?),
        (
            "fitted.toml",
            fitted_toml(cal, o.scenario_text, o.record)?.into_bytes(),
        ),
    ];
    files.push((
        "manifest.json",
        serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::BadInput(format!("manifest: {e}")))?,
    ));
    let mut written = Vec::new();
    for (name, bytes) in &files {
        write_atomic(&result.join(name), bytes)?;
        written.push(o.out.join(name));
    }
    for path in pictures::draw(cal, fit, &result)? {
        if let Some(name) = path.file_name() {
            written.push(o.out.join(name));
        }
    }
    publish(&result, o.out)?;
    written.sort();
    Ok(written)
}
