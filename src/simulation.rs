//! Runs every variant x trial of a scenario in parallel and streams the results into per-variant
//! outcome counts and `trials.csv`, with bounded memory, resumable after an interruption.
//!
//! Work happens in a hidden staging folder beside the target (`.NAME.partial`). Each finished
//! variant is kept there (its trial rows and counts), and the running variant saves a checkpoint
//! (its counts so far and the length of its rows file) every [`CHECKPOINT_EVERY`] and when
//! interrupted, so `--resume` continues from the last checkpoint. The assembled output folder is
//! renamed into place only when complete.

use crate::error::Error;
use crate::manifest::{Manifest, Shard};
use crate::model::{Model, TrialResult, Workspace, trial_seed};
use crate::output;
use crate::scenario::{Scenario, Variant};
use crate::statistics::{self, OutcomeCounts, Summary};
use crate::totals::HostTotals;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fs::{self, File};
use std::io::{BufReader, Seek, SeekFrom, Write};
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
    /// trials.csv, or trials.parquet (`--format parquet`).
    pub trials_format: crate::columnar::TrialsFormat,
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
    /// The host's money per variant.
    pub totals: Vec<HostTotals>,
    pub logrank: Vec<(String, String, statistics::LogRank)>,
    pub manifest: Manifest,
}

impl RunReport {
    /// The host's whole outlay per graduation in variant `i`; `None` without graduations.
    pub fn outlay_per_graduate(&self, i: usize) -> Option<f64> {
        let s = self.summaries.get(i)?;
        self.totals.get(i)?.outlay_per_graduate(s.graduated)
    }
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

/// How often a running variant saves a checkpoint for `--resume`.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A variant's checkpoint: its progress and the length of its trial rows file at that point.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checkpoint {
    rows_len: u64,
    state: VariantProgress,
}

/// Reads a JSON record of the staging folder (a finished variant or a checkpoint), checking that
/// the progress it holds belongs to this run: `steps` weeks and trials in `range`.
fn read_staged<T: serde::de::DeserializeOwned>(
    path: &Path,
    steps: u32,
    range: (u64, u64),
    progress: impl Fn(&T) -> &VariantProgress,
) -> Result<T, Error> {
    let text = fs::read(path).map_err(|e| Error::io(path, e))?;
    let damaged = |why: String| {
        Error::BadInput(format!(
            "{}: {why}; run again without --resume to start over",
            path.display()
        ))
    };
    let record: T = serde_json::from_slice(&text).map_err(|e| damaged(format!("damaged ({e})")))?;
    let state = progress(&record);
    let c = &state.counts;
    let n = steps as usize + 1;
    if c.steps != steps || c.fizzled.len() != n || c.graduated.len() != n || c.censored.len() != n {
        return Err(damaged(format!("does not match steps = {steps}")));
    }
    if state.next_trial < range.0
        || state.next_trial > range.1
        || c.trials() != state.next_trial - range.0
    {
        return Err(damaged("does not match the run's trials".to_string()));
    }
    Ok(record)
}

/// Where a variant's simulation has got to: the next trial to run and what the trials before
/// it added up to. Saved in a checkpoint so that `--resume` continues mid-variant, and saved
/// as is when the variant is finished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantProgress {
    pub next_trial: u64,
    pub counts: OutcomeCounts,
    pub agent_steps: u64,
    pub host: HostTotals,
}

impl VariantProgress {
    /// Nothing done yet: the next trial is `first`.
    pub fn new(first: u64, steps: u32) -> Self {
        Self {
            next_trial: first,
            counts: OutcomeCounts::new(steps),
            agent_steps: 0,
            host: HostTotals::default(),
        }
    }
}

/// Simulates trials `range` of one variant, calling `row` for each in trial order.
pub fn simulate_variant(
    model: &Model,
    seed: u64,
    range: (u64, u64),
    pool: &rayon::ThreadPool,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    mut row: impl FnMut(u64, u64, &TrialResult) -> Result<(), Error>,
) -> Result<(OutcomeCounts, u64), Error> {
    let mut state = VariantProgress::new(range.0, model.steps);
    continue_variant(
        model,
        seed,
        range.1,
        pool,
        cancel,
        progress,
        &mut state,
        |trial, s, _| (trial, s),
        |r, (trial, s)| row(trial, s, r),
        |_, _| Ok(()),
    )?;
    Ok((state.counts, state.agent_steps))
}

/// Continues a variant from `state` up to trial `end` (exclusive), in chunks of [`CHUNK`]
/// trials simulated in parallel. `prepare(trial, seed, result)` runs on the worker that simulated
/// the trial (to format its row in parallel); `row(result, prepared)` then runs in trial order on
/// the calling thread. After each chunk `checkpoint(state, false)` is called; when
/// interrupted, `checkpoint(state, true)` is called with the state at the last whole chunk
/// before returning [`Error::Interrupted`].
#[allow(clippy::too_many_arguments)]
pub fn continue_variant<T: Send>(
    model: &Model,
    seed: u64,
    end: u64,
    pool: &rayon::ThreadPool,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    state: &mut VariantProgress,
    prepare: impl Fn(u64, u64, &TrialResult) -> T + Sync,
    mut row: impl FnMut(&TrialResult, T) -> Result<(), Error>,
    mut checkpoint: impl FnMut(&VariantProgress, bool) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut buf = Vec::with_capacity(CHUNK as usize);
    while state.next_trial < end {
        let start = state.next_trial;
        if cancel.load(Ordering::Relaxed) {
            checkpoint(state, true)?;
            return Err(Error::Interrupted);
        }
        let stop = (start + CHUNK).min(end);
        pool.install(|| {
            (0..(stop - start) as usize)
                .into_par_iter()
                .map_init(Workspace::new, |ws, k| {
                    // After Ctrl-C the rest of the chunk is skipped, so the run stops promptly
                    // even when trials are long; the chunk is then discarded.
                    if cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let trial = start + k as u64;
                    let s = trial_seed(seed, trial);
                    let r = model.run(s, ws);
                    let prepared = prepare(trial, s, &r);
                    Some((r, prepared))
                })
                .collect_into_vec(&mut buf)
        });
        if cancel.load(Ordering::Relaxed) || buf.iter().any(Option::is_none) {
            checkpoint(state, true)?;
            return Err(Error::Interrupted);
        }
        for (r, prepared) in buf.drain(..).flatten() {
            state.counts.record(r.outcome, r.time);
            state.agent_steps += r.participant_steps;
            state.host.add(&r);
            row(&r, prepared)?;
        }
        state.next_trial = stop;
        progress(stop - start);
        checkpoint(state, false)?;
    }
    Ok(())
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
    let mut totals = Vec::with_capacity(variants.len());
    let mut agent_steps = 0u64;
    for v in &variants {
        let done_path = variant_file(&staging, v.index, "json");
        if settings.resume && done_path.exists() {
            let done: VariantProgress = read_staged(&done_path, scenario.steps, range, |d| d)?;
            if done.next_trial != range.1 {
                return Err(Error::BadInput(format!(
                    "{}: not a finished variant; run again without --resume to start over",
                    done_path.display()
                )));
            }
            progress(range.1 - range.0);
            agent_steps += done.agent_steps;
            counts.push(done.counts);
            totals.push(done.host);
            continue;
        }
        let model = Model::new(v.params.clone(), scenario.steps)
            .map_err(|e| Error::BadInput(format!("variant {}: {e}", v.index)))?;
        let rows_path = variant_file(&staging, v.index, "trials.csv");
        let checkpoint_path = variant_file(&staging, v.index, "checkpoint.json");
        let mut state = VariantProgress::new(range.0, scenario.steps);
        let mut rows_len = 0u64;
        if settings.resume && checkpoint_path.exists() {
            let cp: Checkpoint = read_staged(
                &checkpoint_path,
                scenario.steps,
                range,
                |cp: &Checkpoint| &cp.state,
            )?;
            rows_len = cp.rows_len;
            state = cp.state;
            progress(state.next_trial - range.0);
        }
        let rows = if settings.write_trials {
            // Rows after the checkpoint (from an interrupted chunk) are cut off.
            let mut file = fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&rows_path)
                .map_err(|e| Error::io(&rows_path, e))?;
            file.set_len(rows_len)
                .and_then(|()| file.seek(SeekFrom::End(0)).map(|_| ()))
                .map_err(|e| Error::io(&rows_path, e))?;
            Some(RefCell::new(std::io::BufWriter::new(file)))
        } else {
            None
        };
        let mut last_save = Instant::now();
        continue_variant(
            &model,
            scenario.seed,
            range.1,
            &pool,
            cancel,
            progress,
            &mut state,
            |trial, s, r| {
                settings
                    .write_trials
                    .then(|| output::trial_line(v.index, trial, s, r))
            },
            |_, line| match (line, &rows) {
                (Some(line), Some(w)) => {
                    let line = line.map_err(|e| Error::csv(&rows_path, e))?;
                    w.borrow_mut()
                        .write_all(&line)
                        .map_err(|e| Error::io(&rows_path, e))
                }
                _ => Ok(()),
            },
            |state, force| {
                if !force && last_save.elapsed() < CHECKPOINT_EVERY {
                    return Ok(());
                }
                last_save = Instant::now();
                // The rows of every trial before `next_trial` are on disk before the
                // checkpoint that counts them.
                let rows_len = match &rows {
                    Some(w) => {
                        let mut w = w.borrow_mut();
                        w.flush().map_err(|e| Error::io(&rows_path, e))?;
                        let mut file: &File = w.get_ref();
                        file.sync_data().map_err(|e| Error::io(&rows_path, e))?;
                        file.stream_position()
                            .map_err(|e| Error::io(&rows_path, e))?
                    }
                    None => 0,
                };
                let cp = Checkpoint {
                    rows_len,
                    state: state.clone(),
                };
                let json = serde_json::to_vec(&cp).map_err(|e| Error::BadInput(e.to_string()))?;
                output::write_atomic(&checkpoint_path, &json)
            },
        )?;
        if let Some(w) = rows {
            let file = w
                .into_inner()
                .into_inner()
                .map_err(|e| Error::io(&rows_path, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&rows_path, e))?;
        }
        let json = serde_json::to_vec(&state).map_err(|e| Error::BadInput(e.to_string()))?;
        output::write_atomic(&done_path, &json)?;
        if checkpoint_path.exists() {
            fs::remove_file(&checkpoint_path).map_err(|e| Error::io(&checkpoint_path, e))?;
        }
        agent_steps += state.agent_steps;
        counts.push(state.counts);
        totals.push(state.host);
    }

    let mut manifest = Manifest::new("run", scenario, scenario_path, scenario_text, &variants);
    manifest.threads = settings.threads;
    manifest.shard = settings.shard;
    manifest.trial_range = range;
    manifest.trials_csv = settings.write_trials;
    manifest.trials_format = settings.trials_format;
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
        &totals,
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
    totals: &[HostTotals],
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
        if manifest.trials_format == crate::columnar::TrialsFormat::Parquet {
            files.pop();
            files.push(crate::columnar::convert_trials(dir, scenario, variants)?);
        }
    }
    output::write_survival(dir, counts)?;
    files.push(dir.join("survival.csv"));
    let summaries: Vec<Summary> = counts.iter().map(statistics::summarize).collect();
    output::write_summary(dir, scenario, variants, &summaries, totals)?;
    files.push(dir.join("summary.csv"));
    let logrank = output::logrank_rows(counts);
    output::write_logrank(dir, &logrank)?;
    files.push(dir.join("logrank.csv"));
    if plots {
        files.extend(crate::plots::draw_run(dir)?);
    }
    let wall = clock.elapsed().as_secs_f64();
    manifest.host_totals = totals.to_vec();
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
        totals: totals.to_vec(),
        logrank,
        manifest,
    })
}
