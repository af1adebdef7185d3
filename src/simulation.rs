//! Runs every variant x trial of a scenario in parallel and streams the results into per-variant
//! outcome counts and `trials.csv`, with bounded memory, resumable after an interruption.
//!
//! Work happens in a hidden staging folder beside the target (`.NAME.partial`). Each finished
//! variant is kept there (its trial rows and counts), so `--resume` continues after the last
//! finished variant. The assembled output folder is renamed into place only when complete.

use crate::error::Error;
use crate::manifest::{Manifest, Shard};
use crate::model::{Model, Workspace, trial_seed};
use crate::output;
use crate::scenario::{Scenario, Variant};
use crate::statistics::{self, OutcomeCounts, Summary};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime};

/// Trials simulated in parallel before their rows are written: bounds memory whatever the
/// number of trials.
pub const CHUNK: u64 = 4096;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub threads: usize,
    pub shard: Option<Shard>,
    pub write_trials: bool,
    pub resume: bool,
    pub plots: bool,
}

/// What a finished run wrote and found.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out: PathBuf,
    /// Each variant's swept values, as "path = value, ...".
    pub labels: Vec<String>,
    pub files: Vec<PathBuf>,
    pub summaries: Vec<Summary>,
    pub logrank: Vec<(String, String, statistics::LogRank)>,
    pub manifest: Manifest,
}

/// Identifies a run, so that `--resume` only continues the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fingerprint {
    version: String,
    scenario_text: String,
    seed: u64,
    trials: u64,
    steps: u32,
    shard: Option<Shard>,
    write_trials: bool,
}

/// A finished variant, kept in the staging folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct VariantDone {
    agent_steps: u64,
    fizzled: Vec<u64>,
    graduated: Vec<u64>,
    censored: Vec<u64>,
}

/// Simulates trials `range` of one variant, calling `row` for each in trial order.
pub fn simulate_variant(
    model: &Model,
    seed: u64,
    range: (u64, u64),
    pool: &rayon::ThreadPool,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    mut row: impl FnMut(u64, u64, &crate::model::TrialResult) -> Result<(), Error>,
) -> Result<(OutcomeCounts, u64), Error> {
    let mut counts = OutcomeCounts::new(model.steps);
    let mut agent_steps = 0u64;
    let mut buf = Vec::with_capacity(CHUNK as usize);
    let mut start = range.0;
    while start < range.1 {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        let end = (start + CHUNK).min(range.1);
        pool.install(|| {
            (0..(end - start) as usize)
                .into_par_iter()
                .map_init(Workspace::new, |ws, k| {
                    // After Ctrl-C the rest of the chunk is skipped, so the run stops promptly
                    // even when trials are long; the chunk is then discarded.
                    if cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let trial = start + k as u64;
                    let s = trial_seed(seed, trial);
                    Some((trial, s, model.run(s, ws)))
                })
                .collect_into_vec(&mut buf)
        });
        if cancel.load(Ordering::Relaxed) || buf.iter().any(Option::is_none) {
            return Err(Error::Interrupted);
        }
        for (trial, s, r) in buf.iter().flatten() {
            counts.record(r.outcome, r.time);
            agent_steps += r.participant_steps;
            row(*trial, *s, r)?;
        }
        progress(end - start);
        start = end;
    }
    Ok((counts, agent_steps))
}

/// Builds the thread pool for `threads` workers.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))
}

fn variant_file(staging: &Path, index: usize, ext: &str) -> PathBuf {
    staging.join("variants").join(format!("{index:06}.{ext}"))
}

/// Runs a scenario into the folder `target`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    scenario: &Scenario,
    scenario_path: &str,
    scenario_text: &str,
    target: &Path,
    settings: &RunSettings,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunReport, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let variants = scenario.variants();
    let range = settings
        .shard
        .map(|s| s.trial_range(scenario.trials))
        .unwrap_or((0, scenario.trials));
    let staging = output::staging_dir(target);
    let fingerprint = Fingerprint {
        version: crate::VERSION.to_string(),
        scenario_text: scenario_text.to_string(),
        seed: scenario.seed,
        trials: scenario.trials,
        steps: scenario.steps,
        shard: settings.shard,
        write_trials: settings.write_trials,
    };
    prepare_staging(&staging, &fingerprint, settings.resume)?;
    let pool = thread_pool(settings.threads)?;

    let mut counts = Vec::with_capacity(variants.len());
    let mut agent_steps = 0u64;
    for v in &variants {
        let done_path = variant_file(&staging, v.index, "json");
        if settings.resume && done_path.exists() {
            let done = read_done(&done_path, scenario.steps)?;
            progress(range.1 - range.0);
            agent_steps += done.agent_steps;
            counts.push(OutcomeCounts {
                steps: scenario.steps,
                fizzled: done.fizzled,
                graduated: done.graduated,
                censored: done.censored,
            });
            continue;
        }
        let model = Model::new(v.params.clone(), scenario.steps)
            .map_err(|e| Error::BadInput(format!("variant {}: {e}", v.index)))?;
        let rows_path = variant_file(&staging, v.index, "trials.csv");
        let (c, steps) = if settings.write_trials {
            let file = File::create(&rows_path).map_err(|e| Error::io(&rows_path, e))?;
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(std::io::BufWriter::new(file));
            let result = simulate_variant(
                &model,
                scenario.seed,
                range,
                &pool,
                cancel,
                progress,
                |trial, s, r| {
                    w.write_record(output::trial_record(v.index, trial, s, r))
                        .map_err(|e| Error::csv(&rows_path, e))
                },
            )?;
            output::finish_csv(&rows_path, w)?;
            result
        } else {
            simulate_variant(
                &model,
                scenario.seed,
                range,
                &pool,
                cancel,
                progress,
                |_, _, _| Ok(()),
            )?
        };
        let done = VariantDone {
            agent_steps: steps,
            fizzled: c.fizzled.clone(),
            graduated: c.graduated.clone(),
            censored: c.censored.clone(),
        };
        let json = serde_json::to_vec(&done).map_err(|e| Error::BadInput(e.to_string()))?;
        output::write_atomic(&done_path, &json)?;
        agent_steps += steps;
        counts.push(c);
    }

    let mut manifest = Manifest::new("run", scenario, scenario_path, scenario_text, &variants);
    manifest.threads = settings.threads;
    manifest.shard = settings.shard;
    manifest.trial_range = range;
    manifest.trials_csv = settings.write_trials;
    manifest.started = crate::manifest::timestamp(started);
    manifest.agent_steps = agent_steps;

    let result = staging.join("result");
    let trials_sources: Vec<PathBuf> = if settings.write_trials {
        variants
            .iter()
            .map(|v| variant_file(&staging, v.index, "trials.csv"))
            .collect()
    } else {
        Vec::new()
    };
    let mut report = assemble(
        &result,
        scenario,
        &variants,
        &counts,
        settings.write_trials.then_some(|w: &mut dyn Write| {
            for src in &trials_sources {
                let mut f = BufReader::new(File::open(src).map_err(|e| Error::io(src, e))?);
                std::io::copy(&mut f, w).map_err(|e| Error::io(src, e))?;
            }
            Ok(())
        }),
        manifest,
        started,
        clock,
        (range.1 - range.0) * variants.len() as u64,
        settings.plots,
    )?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    output::publish(&result, target)?;
    fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    report.out = target.to_path_buf();
    report.files = report
        .files
        .iter()
        .filter_map(|f| f.file_name().map(|n| target.join(n)))
        .collect();
    Ok(report)
}

fn read_done(path: &Path, steps: u32) -> Result<VariantDone, Error> {
    let text = fs::read(path).map_err(|e| Error::io(path, e))?;
    let done: VariantDone = serde_json::from_slice(&text).map_err(|e| {
        Error::BadInput(format!(
            "{}: damaged ({e}); run again without --resume",
            path.display()
        ))
    })?;
    let n = steps as usize + 1;
    if done.fizzled.len() != n || done.graduated.len() != n || done.censored.len() != n {
        return Err(Error::BadInput(format!(
            "{}: does not match steps = {steps}; run again without --resume",
            path.display()
        )));
    }
    Ok(done)
}

fn prepare_staging(staging: &Path, fingerprint: &Fingerprint, resume: bool) -> Result<(), Error> {
    let fp_path = staging.join("fingerprint.json");
    if resume {
        if staging.exists() {
            let text = fs::read(&fp_path).map_err(|e| Error::io(&fp_path, e))?;
            let old: Fingerprint = serde_json::from_slice(&text).map_err(|e| {
                Error::BadInput(format!(
                    "{}: damaged ({e}); run again without --resume",
                    fp_path.display()
                ))
            })?;
            if &old != fingerprint {
                return Err(Error::BadInput(format!(
                    "--resume: the interrupted run in {} used a different scenario text, seed, trials, steps, shard or version; run again without --resume to start over",
                    staging.display()
                )));
            }
            let result = staging.join("result");
            if result.exists() {
                fs::remove_dir_all(&result).map_err(|e| Error::io(&result, e))?;
            }
            return Ok(());
        }
    } else if staging.exists() {
        fs::remove_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    }
    let dir = staging.join("variants");
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let json =
        serde_json::to_vec_pretty(fingerprint).map_err(|e| Error::BadInput(e.to_string()))?;
    output::write_atomic(&fp_path, &json)
}

/// Writes a complete output folder into `dir` (created afresh): CSV files, manifest and, if
/// asked, the pictures. Shared by `run` and `merge`.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    dir: &Path,
    scenario: &Scenario,
    variants: &[Variant],
    counts: &[OutcomeCounts],
    trials: Option<impl FnOnce(&mut dyn Write) -> Result<(), Error>>,
    mut manifest: Manifest,
    started: SystemTime,
    clock: Instant,
    trials_done: u64,
    plots: bool,
) -> Result<RunReport, Error> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    output::write_variants(dir, scenario, variants)?;
    files.push(dir.join("variants.csv"));
    if let Some(copy_rows) = trials {
        let path = dir.join("trials.csv");
        let mut w = output::create_csv(&path, output::TRIAL_COLUMNS)?;
        w.flush().map_err(|e| Error::io(&path, e))?;
        let mut file = w.into_inner().map_err(|e| Error::csv(&path, e.error()))?;
        copy_rows(&mut file)?;
        file.flush().map_err(|e| Error::io(&path, e))?;
        file.get_ref().sync_all().map_err(|e| Error::io(&path, e))?;
        files.push(path);
    }
    output::write_survival(dir, counts)?;
    files.push(dir.join("survival.csv"));
    let summaries: Vec<Summary> = counts.iter().map(statistics::summarize).collect();
    output::write_summary(dir, scenario, variants, &summaries)?;
    files.push(dir.join("summary.csv"));
    let logrank = output::logrank_rows(counts);
    output::write_logrank(dir, &logrank)?;
    files.push(dir.join("logrank.csv"));
    if plots {
        files.extend(crate::plots::draw_run(dir)?);
    }
    let wall = clock.elapsed().as_secs_f64();
    manifest.started = crate::manifest::timestamp(started);
    manifest.finished = crate::manifest::timestamp(SystemTime::now());
    manifest.wall_seconds = wall;
    manifest.trials_per_second = if wall > 0.0 {
        trials_done as f64 / wall
    } else {
        0.0
    };
    manifest.write(dir)?;
    files.push(dir.join("manifest.json"));
    Ok(RunReport {
        out: dir.to_path_buf(),
        labels: variants.iter().map(|v| v.label(scenario)).collect(),
        files,
        summaries,
        logrank,
        manifest,
    })
}
