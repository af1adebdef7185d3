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
use crate::weekly::{Recorder, Sample, Series, Weekly};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fs::{self, File};
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// Each variant's swept values, as "path = value, ..." (special values named in words,
    /// [`output::plain_label`]).
    pub labels: Vec<String>,
    pub files: Vec<PathBuf>,
    pub summaries: Vec<Summary>,
    /// The host's money per variant.
    pub totals: Vec<HostTotals>,
    pub logrank: Vec<(String, String, statistics::LogRank)>,
    pub manifest: Manifest,
    /// Things the user should know although the command succeeded (earlier results restored or
    /// left behind).
    pub warnings: Vec<String>,
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

/// A variant's record in the staging folder, for a checkpoint and for a finished variant: its
/// progress, and the length and SHA-256 of its trial rows file at that point (so that
/// `--resume` can tell a damaged rows file).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checkpoint {
    rows_len: u64,
    rows_sha256: String,
    state: VariantProgress,
}

/// Checks a staged rows file against its record: at least (`finished`: exactly) `rows_len`
/// bytes, whose first `rows_len` bytes have the recorded SHA-256 and hold one row per trial
/// counted. Returns the hasher after those bytes, to continue from.
fn verify_rows(
    rows_path: &Path,
    record_path: &Path,
    cp: &Checkpoint,
    first_trial: u64,
    finished: bool,
) -> Result<sha2::Sha256, Error> {
    use std::io::Read;
    let damaged = |why: String| {
        Error::BadInput(format!(
            "{}: {why}; the staged results cannot be trusted: run again without --resume to start over",
            rows_path.display()
        ))
    };
    let file = match File::open(rows_path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(damaged(format!(
                "missing, although {} records {} bytes of rows",
                record_path.display(),
                cp.rows_len
            )));
        }
        Err(e) => return Err(Error::io(rows_path, e)),
    };
    let len = file.metadata().map_err(|e| Error::io(rows_path, e))?.len();
    if len < cp.rows_len || (finished && len != cp.rows_len) {
        return Err(damaged(format!(
            "{len} bytes long, but {} records {} bytes",
            record_path.display(),
            cp.rows_len
        )));
    }
    let mut w = output::HashingWriter::new(std::io::sink());
    std::io::copy(&mut BufReader::new(file).take(cp.rows_len), &mut w)
        .map_err(|e| Error::io(rows_path, e))?;
    let rec = w.record();
    let trials = cp.state.next_trial - first_trial;
    // `record().rows` counts lines after a header; a rows file has none.
    let lines = if cp.rows_len == 0 { 0 } else { rec.rows + 1 };
    if rec.sha256 != cp.rows_sha256 {
        return Err(damaged(format!(
            "its content differs from the checksum in {}",
            record_path.display()
        )));
    }
    if lines != trials {
        return Err(damaged(format!(
            "holds {lines} rows, but {} counts {trials} trials",
            record_path.display()
        )));
    }
    Ok(w.into_hasher())
}

/// Reads a JSON record of the staging folder (a checkpoint, or with `finished_variant` a
/// finished variant, whose weekly statistics are staged beside it), checking that the progress
/// it holds belongs to this run: `steps` weeks and trials in `range`.
fn read_staged<T: serde::de::DeserializeOwned>(
    path: &Path,
    steps: u32,
    range: (u64, u64),
    progress: impl Fn(&T) -> &VariantProgress,
    finished_variant: bool,
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
    match &state.weekly {
        Some(w) => w
            .check(steps, state.next_trial - range.0)
            .map_err(damaged)?,
        // A finished variant's are staged beside it (`check_staged_weekly`).
        None if finished_variant => {}
        None => return Err(damaged("has no weekly statistics".to_string())),
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
    /// The weekly statistics (`weekly.csv`), when collected: a run collects them; the
    /// quick evaluations of `serve` and `sensitivity` do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<Weekly>,
}

impl VariantProgress {
    /// Nothing done yet: the next trial is `first`.
    pub fn new(first: u64, steps: u32) -> Self {
        Self {
            next_trial: first,
            counts: OutcomeCounts::new(steps),
            agent_steps: 0,
            host: HostTotals::default(),
            weekly: None,
        }
    }

    /// Nothing done yet, collecting weekly statistics.
    pub fn with_weekly(first: u64, steps: u32) -> Self {
        Self {
            weekly: Some(Weekly::new(steps)),
            ..Self::new(first, steps)
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
        Workers::Spread(pool),
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
/// trials simulated by `workers` (spread over a pool, or one after another on the calling
/// thread). `prepare(trial, seed, result)` runs on the worker that simulated the trial (to
/// format its row in parallel); `row(result, prepared)` then runs in trial order on the calling
/// thread. After each chunk `checkpoint(state, false)` is called. When `state`
/// collects weekly statistics, every trial is observed week by week and its recorded weeks are
/// added to them (the model's random stream is the same observed or not).
///
/// `cancel` is checked every simulated week, so an interrupt stops even a long trial within a
/// week's work. The trials of the interrupted chunk that finished before the first unfinished
/// one are kept (their rows are written and counted), `checkpoint(state, true)` is called, and
/// [`Error::Interrupted`] is returned; the unfinished trials are simply run again on `--resume`.
#[allow(clippy::too_many_arguments)]
pub fn continue_variant<T: Send>(
    model: &Model,
    seed: u64,
    end: u64,
    workers: Workers<'_>,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    state: &mut VariantProgress,
    prepare: impl Fn(u64, u64, &TrialResult) -> T + Sync,
    mut row: impl FnMut(&TrialResult, T) -> Result<(), Error>,
    mut checkpoint: impl FnMut(&VariantProgress, bool) -> Result<(), Error>,
) -> Result<(), Error> {
    let weekly = state.weekly.is_some();
    let chunk = if weekly {
        crate::weekly::chunk_trials(model.steps, CHUNK)
    } else {
        CHUNK
    };
    let mut buf = Vec::with_capacity(chunk as usize);
    // Each trial of a chunk records its weeks into its own slot of one buffer.
    let width = if weekly {
        crate::weekly::rows(model.steps)
    } else {
        1
    };
    // The buffer and accumulators of the last variant run on this thread, reused.
    let mut scratch = Scratch::take(weekly, workers.threads(), model.steps);
    let Scratch { recorded, parts } = &mut *scratch;
    while state.next_trial < end {
        let start = state.next_trial;
        if cancel.load(Ordering::Relaxed) {
            checkpoint(state, true)?;
            return Err(Error::Interrupted);
        }
        let stop = (start + chunk).min(end);
        let n = (stop - start) as usize;
        recorded.resize(n * width, Sample::default());
        let run = ChunkRun {
            model,
            seed,
            start,
            parts,
            cancel,
            progress,
        };
        run.simulate(
            workers,
            &mut recorded[..n * width],
            width,
            &prepare,
            &mut buf,
        );
        // The finished trials before the first unfinished one, in trial order.
        let finished = buf.iter().take_while(|t| t.is_some()).count() as u64;
        if let Some(w) = &mut state.weekly {
            let all_finished = finished == stop - start;
            parts.add_chunk(
                w,
                all_finished,
                &buf,
                (recorded, width),
                model.steps,
                workers,
            )?;
        }
        for (r, _, prepared) in buf.drain(..).map_while(|t| t) {
            state.counts.record(r.outcome, r.time);
            state.agent_steps += r.participant_steps;
            state.host.add(&r);
            row(&r, prepared)?;
        }
        state.next_trial = start + finished;
        if state.next_trial < stop {
            checkpoint(state, true)?;
            return Err(Error::Interrupted);
        }
        checkpoint(state, false)?;
    }
    Ok(())
}

/// Where [`continue_variant`] runs a variant's trials.
#[derive(Clone, Copy)]
pub enum Workers<'p> {
    /// Chunk by chunk, each chunk's trials spread over the pool's workers.
    Spread(&'p rayon::ThreadPool),
    /// One after another on the calling thread: a worker of a run that simulates several
    /// variants of few trials side by side, one on each worker (see `side_by_side`).
    Here,
}

impl Workers<'_> {
    /// How many threads simulate the variant's trials.
    fn threads(self) -> usize {
        match self {
            Workers::Spread(pool) => pool.current_num_threads(),
            Workers::Here => 1,
        }
    }
}

/// One chunk of a variant's trials, simulated in parallel by [`continue_variant`].
struct ChunkRun<'a> {
    model: &'a Model,
    seed: u64,
    /// The chunk's first trial.
    start: u64,
    /// The workers' weekly accumulators for this chunk (none when the weekly statistics are
    /// not collected: then no trial's weeks are recorded).
    parts: &'a WorkerParts,
    cancel: &'a AtomicBool,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl ChunkRun<'_> {
    /// Simulates the chunk's trials, one for each slot of `width` recorded weeks in
    /// `recorded`, into `buf` in trial order: each its result, its recorded weeks and what
    /// `prepare` made of it; `None` for trials skipped or stopped by an interrupt.
    fn simulate<T: Send>(
        &self,
        workers: Workers<'_>,
        recorded: &mut [Sample],
        width: usize,
        prepare: &(impl Fn(u64, u64, &TrialResult) -> T + Sync),
        buf: &mut Vec<Option<(TrialResult, usize, T)>>,
    ) {
        let pool = match workers {
            Workers::Spread(pool) => pool,
            Workers::Here => {
                let mut ws = Workspace::new();
                buf.clear();
                buf.extend(
                    recorded
                        .chunks_mut(width)
                        .enumerate()
                        .map(|(k, slot)| self.trial(&mut ws, k, slot, prepare)),
                );
                return;
            }
        };
        // Small pieces of work, so that a worker left idle can take over part of another's:
        // trials differ in length by orders of magnitude (a community that fizzles in a few
        // weeks beside one censored at the horizon), and rayon never splits a piece already
        // started. About 32 pieces a thread; a variant of few trials otherwise waited for its
        // slowest quarter (docs/PERFORMANCE.md).
        let trials = recorded.len() / width.max(1);
        let piece = (trials / (32 * pool.current_num_threads().max(1))).max(1);
        pool.install(|| {
            recorded
                .par_chunks_mut(width)
                .enumerate()
                .with_max_len(piece)
                .map_init(Workspace::new, |ws, (k, slot)| {
                    self.trial(ws, k, slot, prepare)
                })
                .collect_into_vec(buf)
        });
    }

    /// Simulates the chunk's trial `k`, recording its weeks in `slot` (and adding them to the
    /// worker's accumulators): its result, its recorded weeks and what `prepare` made of it;
    /// `None` when skipped or stopped by an interrupt.
    #[inline]
    fn trial<T>(
        &self,
        ws: &mut Workspace,
        k: usize,
        slot: &mut [Sample],
        prepare: &impl Fn(u64, u64, &TrialResult) -> T,
    ) -> Option<(TrialResult, usize, T)> {
        let (model, cancel) = (self.model, self.cancel);
        // After Ctrl-C the rest of the chunk is skipped and the trials under way stop at
        // their next week.
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let trial = self.start + k as u64;
        let s = trial_seed(self.seed, trial);
        let (r, weeks) = if self.parts.collecting() {
            let mut rec = Recorder::new(model.steps, slot);
            let r = model.run_observed_cancellable(s, ws, cancel, |w| rec.observe(w))?;
            let weeks = rec.len();
            self.parts
                .add(&r, &Series::new(model.steps, &slot[..weeks]));
            (r, weeks)
        } else {
            (model.run_cancellable(s, ws, cancel)?, 0)
        };
        let prepared = prepare(trial, s, &r);
        // Counted as each trial ends, so that long trials still move the bar.
        (self.progress)(1);
        Some((r, weeks, prepared))
    }
}

/// Memory [`continue_variant`] reuses from one variant to the next on the same thread: the
/// chunk's buffer of recorded weeks (megabytes: allocating it afresh for each variant of a
/// sweep of few trials cost more in page faults than the variant's simulation gained from a
/// second thread) and the workers' weekly accumulators.
#[derive(Default)]
struct Scratch {
    recorded: Vec<Sample>,
    parts: WorkerParts,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Lends the thread's [`Scratch`] to one variant, and gives it back when dropped (also when
/// the variant ends in an error or an interrupt).
struct ScratchLoan(Scratch);

impl Scratch {
    /// The thread's scratch memory, with empty accumulators for `threads` workers (none
    /// without `weekly`) of `steps` weeks.
    fn take(weekly: bool, threads: usize, steps: u32) -> ScratchLoan {
        let mut s = SCRATCH.with(|s| s.take());
        if s.parts.parts.len() == WorkerParts::count(weekly, threads) && s.parts.steps == steps {
            // Left empty by the last variant, unless it failed half way.
            s.parts.discard();
        } else {
            s.parts = WorkerParts::new(weekly, threads, steps);
        }
        ScratchLoan(s)
    }
}

impl std::ops::Deref for ScratchLoan {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        &self.0
    }
}

impl std::ops::DerefMut for ScratchLoan {
    fn deref_mut(&mut self) -> &mut Scratch {
        &mut self.0
    }
}

impl Drop for ScratchLoan {
    fn drop(&mut self) {
        let s = std::mem::take(&mut self.0);
        SCRATCH.with(|cell| *cell.borrow_mut() = s);
    }
}

/// Weekly accumulators, one per worker thread of the pool, for the trials of one chunk
/// (none when the weekly statistics are not collected).
#[derive(Default)]
struct WorkerParts {
    steps: u32,
    parts: Vec<std::sync::Mutex<Weekly>>,
}

impl WorkerParts {
    /// How many accumulators: one for each of `threads` workers when `weekly`, else none.
    fn count(weekly: bool, threads: usize) -> usize {
        if weekly { threads.max(1) } else { 0 }
    }

    fn new(weekly: bool, threads: usize, steps: u32) -> Self {
        WorkerParts {
            steps,
            parts: (0..Self::count(weekly, threads))
                .map(|_| std::sync::Mutex::new(Weekly::new(steps)))
                .collect(),
        }
    }

    /// The accumulators of the calling worker (each worker only ever takes its own, so the
    /// lock is never waited for).
    fn mine(&self) -> std::sync::MutexGuard<'_, Weekly> {
        let i = rayon::current_thread_index().unwrap_or(0) % self.parts.len().max(1);
        // A worker that panicked while adding leaves a poisoned lock; the panic itself ends
        // the run, so the data behind it is never used.
        self.parts[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the weekly statistics are collected (there are accumulators).
    fn collecting(&self) -> bool {
        !self.parts.is_empty()
    }

    /// Adds one finished trial's recorded weeks.
    fn add(&self, r: &TrialResult, series: &Series<'_>) {
        if self.collecting() {
            self.mine().add(r, series);
        }
    }

    /// Adds every worker's accumulators to `w` and empties them; spread over a pool, the
    /// weeks in parallel on it.
    fn drain_into(&self, w: &mut Weekly, workers: Workers<'_>) -> Result<(), Error> {
        for part in &self.parts {
            let mut part = part
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let part: &mut Weekly = &mut part;
            match workers {
                Workers::Spread(pool) => pool.install(|| w.absorb(part)),
                Workers::Here => w.merge(part).map(|()| part.clear()),
            }
            .map_err(Error::BadInput)?;
        }
        Ok(())
    }

    /// Adds a simulated chunk's weeks to the variant's `w`: the workers' accumulators when
    /// every trial of the chunk finished, or when the trials ran one after another (then an
    /// interrupt left them holding exactly the finished trials before the first unfinished
    /// one). Otherwise (interrupted, spread over a pool) they may hold trials after the first
    /// unfinished one, so they are emptied and only the finished trials before it are added,
    /// from their weeks recorded in `recorded` (slots of `width`).
    fn add_chunk<T>(
        &self,
        w: &mut Weekly,
        all_finished: bool,
        buf: &[Option<(TrialResult, usize, T)>],
        (recorded, width): (&[Sample], usize),
        steps: u32,
        workers: Workers<'_>,
    ) -> Result<(), Error> {
        let pool = match workers {
            Workers::Spread(pool) if !all_finished => pool,
            _ => return self.drain_into(w, workers),
        };
        self.discard();
        let kept: Vec<(&TrialResult, Series<'_>)> = buf
            .iter()
            .map_while(|t| t.as_ref())
            .zip(recorded.chunks(width))
            .map(|((r, weeks, _), slot)| (r, Series::new(steps, &slot[..*weeks])))
            .collect();
        w.add_all(&kept, pool);
        Ok(())
    }

    /// Empties every worker's accumulators.
    fn discard(&self) {
        for part in &self.parts {
            part.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        }
    }
}

/// The weekly statistics of a run's variants, staged one file per variant as each is done:
/// `weekly.csv`'s rows and, for a shard, the accumulators `merge` adds up.
#[derive(Debug, Default)]
pub struct WeeklyParts {
    pub rows: Vec<PathBuf>,
    pub states: Vec<PathBuf>,
}

impl WeeklyParts {
    /// Stages variant `index`'s rows (and with `state`, its accumulators) in `dir`'s
    /// `variants/` folder.
    pub fn stage(
        &mut self,
        dir: &Path,
        index: usize,
        weekly: &Weekly,
        state: bool,
    ) -> Result<(), Error> {
        write_weekly(dir, index, weekly, state)?;
        self.register(dir, index, state);
        Ok(())
    }

    /// Takes variant `index`'s staged files (written by [`write_weekly`]) into the run's.
    fn register(&mut self, dir: &Path, index: usize, state: bool) {
        self.rows.push(variant_file(dir, index, "weekly.csv"));
        if state {
            self.states.push(variant_file(dir, index, "weekly.jsonl"));
        }
    }

    /// Writes `weekly.csv` (and a shard's [`crate::weekly::STATE_FILE`]) into `dir`.
    fn assemble(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let mut files = Vec::new();
        let csv = dir.join(crate::weekly::WEEKLY_CSV);
        write_joined(&csv, &crate::weekly::header_csv(), &self.rows)?;
        files.push(csv);
        if !self.states.is_empty() {
            let state = dir.join(crate::weekly::STATE_FILE);
            write_joined(&state, b"", &self.states)?;
            files.push(state);
        }
        Ok(files)
    }
}

/// What the variants of a run added up to.
struct Simulated {
    counts: Vec<OutcomeCounts>,
    totals: Vec<HostTotals>,
    agent_steps: u64,
    weekly: WeeklyParts,
}

/// Whether a run simulates its variants side by side, each on one worker with its trials one
/// after another, instead of one variant at a time with its trials spread over the workers:
/// when there are at least [`SIDE_BY_SIDE_VARIANTS`] variants for each worker (on one worker,
/// variants one after another, each trial on that worker), and the recorded weeks of one
/// variant's trials for each worker fit in what one chunk may hold
/// ([`crate::weekly::chunk_trials`]), so that memory stays as it was. A variant of few trials
/// spread over the workers keeps them waiting for its longest trial, then for its record to be
/// joined and written; side by side, each worker goes straight on to its next variant
/// (docs/PERFORMANCE.md). The outputs are the same either way: every trial's stream depends on
/// its seed alone, and the weekly counts are sums.
fn side_by_side(variants: u64, trials: u64, steps: u32, workers: u64) -> bool {
    variants >= SIDE_BY_SIDE_VARIANTS * workers
        && trials.saturating_mul(workers) <= crate::weekly::chunk_trials(steps, CHUNK)
}

/// Variants for each worker that make [`side_by_side`] worth it: the last of them may leave
/// the other workers idle, at most about one variant's time in this many.
const SIDE_BY_SIDE_VARIANTS: u64 = 4;

/// Simulates the run's variants (or, with `--resume`, takes those an earlier run finished):
/// one at a time, each recorded as finished ([`Finish`]) on the pool while the next one runs,
/// or side by side ([`side_by_side`]). Returns when every record is written.
fn simulate_variants(ctx: &RunContext<'_>, variants: &[Variant]) -> Result<Simulated, Error> {
    let done: Vec<Option<VariantProgress>> = variants
        .iter()
        .map(|v| ctx.finished_variant(v.index))
        .collect::<Result<_, _>>()?;
    let todo: Vec<&Variant> = variants
        .iter()
        .zip(&done)
        .filter_map(|(v, d)| d.is_none().then_some(v))
        .collect();
    let simulated = if ctx.side_by_side {
        simulate_side_by_side(ctx, &todo)?
    } else {
        simulate_in_turn(ctx, &todo)?
    };
    let mut simulated = simulated.into_iter();
    let mut all = Simulated {
        counts: Vec::with_capacity(variants.len()),
        totals: Vec::with_capacity(variants.len()),
        agent_steps: 0,
        weekly: WeeklyParts::default(),
    };
    for (v, state) in variants.iter().zip(done) {
        // Both return one state for each variant of `todo`, in order, or an error.
        let state = state
            .or_else(|| simulated.next())
            .expect("a state for every variant not finished earlier");
        // A variant's weekly statistics were staged (and left memory) by its `Finish`.
        all.weekly
            .register(&ctx.staging, v.index, ctx.settings.shard.is_some());
        all.agent_steps += state.agent_steps;
        all.counts.push(state.counts);
        all.totals.push(state.host);
    }
    Ok(all)
}

/// Simulates `todo` one variant at a time, its trials spread over the pool; each is recorded
/// ([`Finish`]) on the pool while the next one runs.
fn simulate_in_turn(
    ctx: &RunContext<'_>,
    todo: &[&Variant],
) -> Result<Vec<VariantProgress>, Error> {
    let failed: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
    let staging = &ctx.staging;
    let mut states = Vec::with_capacity(todo.len());
    ctx.pool.in_place_scope(|scope| -> Result<(), Error> {
        for v in todo {
            let (state, finish) = ctx.simulate_variant(v, Workers::Spread(&ctx.pool))?;
            let failed = &failed;
            scope.spawn(move |_| {
                if let Err(e) = finish.write(staging) {
                    let mut f = failed.lock().unwrap_or_else(|p| p.into_inner());
                    f.get_or_insert(e);
                }
            });
            states.push(state);
            if failed.lock().is_ok_and(|f| f.is_some()) {
                break;
            }
        }
        Ok(())
    })?;
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(states)
}

/// Simulates `todo` side by side ([`side_by_side`]): each worker takes a variant, runs its
/// trials one after another and records it, then takes the next.
fn simulate_side_by_side(
    ctx: &RunContext<'_>,
    todo: &[&Variant],
) -> Result<Vec<VariantProgress>, Error> {
    ctx.pool.install(|| {
        todo.par_iter()
            .with_max_len(1)
            .map(|v| {
                let (state, finish) = ctx.simulate_variant(v, Workers::Here)?;
                finish.write(&ctx.staging)?;
                Ok(state)
            })
            .collect()
    })
}

/// What records a simulated variant as finished, done on the run's pool while the next
/// variant is simulated: its weekly statistics staged ([`write_weekly`]), then its record
/// (which `--resume` trusts only with the weekly files beside it), then its checkpoint removed.
/// Formatting a long horizon's weekly rows took as long as simulating a variant of few trials.
struct Finish {
    index: usize,
    weekly: Option<Weekly>,
    shard: bool,
    json: Vec<u8>,
    checkpoint_path: PathBuf,
}

impl Finish {
    fn write(self, staging: &Path) -> Result<(), Error> {
        if let Some(w) = &self.weekly {
            write_weekly(staging, self.index, w, self.shard)?;
        }
        // Not synced: `--resume` checks it (and the rows it records) before trusting it.
        output::write_replacing(
            &variant_file(staging, self.index, "json"),
            &self.json,
            false,
        )?;
        if self.checkpoint_path.exists() {
            fs::remove_file(&self.checkpoint_path)
                .map_err(|e| Error::io(&self.checkpoint_path, e))?;
        }
        Ok(())
    }
}

/// Stages variant `index`'s `weekly.csv` rows (and with `state`, its accumulators, which a
/// shard's `merge` adds up) in `dir`'s `variants/` folder. Not synced: `--resume` checks them
/// ([`check_staged_weekly`]).
fn write_weekly(dir: &Path, index: usize, weekly: &Weekly, state: bool) -> Result<(), Error> {
    let rows = variant_file(dir, index, "weekly.csv");
    output::write_replacing(&rows, &weekly.rows_csv(index), false)?;
    if state {
        let path = variant_file(dir, index, "weekly.jsonl");
        let line = crate::weekly::StateLine {
            variant: index,
            weekly: weekly.clone(),
        }
        .to_line()
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
        output::write_replacing(&path, &line, false)?;
    }
    Ok(())
}

/// With `--resume`, checks the weekly files a finished variant staged ([`write_weekly`]): one
/// row of `weekly.csv` for each recorded week of variant `index` and, with `state`,
/// accumulators for its `trials` trials.
fn check_staged_weekly(
    dir: &Path,
    index: usize,
    steps: u32,
    trials: u64,
    state: bool,
) -> Result<(), Error> {
    let damaged = |path: &Path, why: String| {
        Error::BadInput(format!(
            "{}: {why}; run again without --resume to start over",
            path.display()
        ))
    };
    let read = |path: &Path| match fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(damaged(
            path,
            "missing, although the variant is recorded as finished".into(),
        )),
        other => other.map_err(|e| Error::io(path, e)),
    };
    let rows_path = variant_file(dir, index, "weekly.csv");
    let rows = read(&rows_path)?;
    let prefix = format!("{index},");
    // Whole lines only: a file cut short (it is not synced) ends without its newline.
    let complete = rows.strip_suffix(b"\n").is_some_and(|text| {
        let mut lines = text.split(|&b| b == b'\n');
        lines.clone().count() == crate::weekly::rows(steps)
            && lines.all(|l| l.starts_with(prefix.as_bytes()))
    });
    if !complete {
        return Err(damaged(
            &rows_path,
            format!(
                "does not hold the {} weekly rows of variant {index}",
                crate::weekly::rows(steps)
            ),
        ));
    }
    if state {
        let path = variant_file(dir, index, "weekly.jsonl");
        let line: crate::weekly::StateLine = serde_json::from_slice(&read(&path)?)
            .map_err(|e| damaged(&path, format!("damaged ({e})")))?;
        if line.variant != index {
            return Err(damaged(
                &path,
                format!("holds variant {}, not {index}", line.variant),
            ));
        }
        line.weekly
            .check(steps, trials)
            .map_err(|why| damaged(&path, why))?;
    }
    Ok(())
}

/// Writes `head`, then the files `sources` one after another, into `path`.
fn write_joined(path: &Path, head: &[u8], sources: &[PathBuf]) -> Result<(), Error> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = std::io::BufWriter::new(file);
    w.write_all(head).map_err(|e| Error::io(path, e))?;
    copy_sources(sources, &mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))
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

/// The caller's cancel flag, progress callback and resumed-trials callback.
type Callbacks<'a> = (
    &'a AtomicBool,
    &'a (dyn Fn(u64) + Sync),
    &'a (dyn Fn(u64) + Sync),
);

/// A variant's rows file, written through a hasher so that checkpoints record its SHA-256.
type RowsWriter = RefCell<output::HashingWriter<std::io::BufWriter<File>>>;

/// What the variants of one run share: the scenario, the settings, the staging folder, the
/// trials this run (or shard) simulates, the thread pool, and the caller's cancel flag and
/// progress callback.
struct RunContext<'a> {
    scenario: &'a Scenario,
    settings: &'a RunSettings,
    staging: PathBuf,
    range: (u64, u64),
    pool: rayon::ThreadPool,
    cancel: &'a AtomicBool,
    progress: &'a (dyn Fn(u64) + Sync),
    /// Told of trials an interrupted run finished that `--resume` takes over.
    resumed: &'a (dyn Fn(u64) + Sync),
    /// Those trials, counted (left out of the manifest's `trials_per_second`).
    resumed_trials: AtomicU64,
    /// Whether the variants are simulated side by side, one on each worker ([`side_by_side`]).
    side_by_side: bool,
}

/// Runs a scenario into the folder `target`: prepare the staging folder, take each variant
/// (finished earlier, or simulated from its checkpoint or from the start), then assemble the
/// output folder and publish it. `progress(n)` is told of trials simulated, `resumed(n)` of
/// trials an interrupted run finished that `--resume` takes over.
#[allow(clippy::too_many_arguments)]
pub fn run(
    scenario: &Scenario,
    scenario_path: &str,
    scenario_text: &str,
    target: &Path,
    settings: &RunSettings,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    resumed: &(dyn Fn(u64) + Sync),
) -> Result<RunReport, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let variants = scenario.variants();
    let ctx = RunContext::prepare(
        scenario,
        scenario_text,
        target,
        settings,
        (cancel, progress, resumed),
        variants.len(),
    )?;
    let Simulated {
        counts,
        totals,
        agent_steps,
        weekly,
    } = simulate_variants(&ctx, &variants)?;

    let mut manifest = Manifest::new("run", scenario, scenario_path, scenario_text, &variants);
    manifest.threads = settings.threads;
    manifest.shard = settings.shard;
    manifest.trial_range = ctx.range;
    manifest.trials_csv = settings.write_trials;
    manifest.trials_format = settings.trials_format;
    manifest.agent_steps = agent_steps;

    let result = ctx.staging.join("result");
    let trials_sources: Vec<PathBuf> = if settings.write_trials {
        variants
            .iter()
            .map(|v| variant_file(&ctx.staging, v.index, "trials.csv"))
            .collect()
    } else {
        Vec::new()
    };
    let trials_done = (ctx.range.1 - ctx.range.0) * variants.len() as u64
        - ctx.resumed_trials.load(Ordering::Relaxed);
    // On the run's pool: assembling formats and hashes files in parallel.
    let report = ctx.pool.install(|| {
        assemble(
            &result,
            scenario,
            &variants,
            &counts,
            &totals,
            Some(&weekly),
            settings
                .write_trials
                .then_some(|w: &mut dyn Write| copy_sources(&trials_sources, w)),
            manifest,
            started,
            clock,
            trials_done,
            settings.plots,
        )
    })?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    publish_run(report, &result, &ctx.staging, target)
}

/// Moves the assembled folder `result` into place at `target`, removes the staging folder and
/// points the report's files at their published place.
fn publish_run(
    mut report: RunReport,
    result: &Path,
    staging: &Path,
    target: &Path,
) -> Result<RunReport, Error> {
    report.warnings.extend(output::publish(result, target)?);
    if let Err(e) = fs::remove_dir_all(staging) {
        report.warnings.push(format!(
            "could not remove the staging folder {} ({e}); remove it yourself",
            staging.display()
        ));
    }
    report.out = target.to_path_buf();
    report.files = report
        .files
        .iter()
        .filter_map(|f| f.file_name().map(|n| target.join(n)))
        .collect();
    Ok(report)
}

impl<'a> RunContext<'a> {
    /// Checks that the run fits in memory and on disk, and prepares the staging folder
    /// (kept, with `--resume`, when it belongs to the same run).
    fn prepare(
        scenario: &'a Scenario,
        scenario_text: &str,
        target: &Path,
        settings: &'a RunSettings,
        (cancel, progress, resumed): Callbacks<'a>,
        n_variants: usize,
    ) -> Result<RunContext<'a>, Error> {
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
        check_resources(
            n_variants as u64,
            scenario.steps,
            range.1 - range.0,
            settings.write_trials,
            target,
        )?;
        // The pool first: the weekly statistics take memory for each of its workers (twice
        // over when each works on its own variant).
        let pool = thread_pool(settings.threads)?;
        let workers = pool.current_num_threads() as u64;
        let side_by_side = side_by_side(
            n_variants as u64,
            range.1 - range.0,
            scenario.steps,
            workers,
        );
        check_weekly_memory(scenario, workers * (1 + u64::from(side_by_side)))?;
        prepare_staging(&staging, &fingerprint, settings.resume)?;
        Ok(RunContext {
            scenario,
            settings,
            staging,
            range,
            pool,
            cancel,
            progress,
            resumed,
            resumed_trials: AtomicU64::new(0),
            side_by_side,
        })
    }

    /// `n` trials taken over from an interrupted run.
    fn resume(&self, n: u64) {
        (self.resumed)(n);
        self.resumed_trials.fetch_add(n, Ordering::Relaxed);
    }

    /// With `--resume`, a variant an earlier run finished (checked against its rows).
    fn finished_variant(&self, index: usize) -> Result<Option<VariantProgress>, Error> {
        let done_path = variant_file(&self.staging, index, "json");
        if !(self.settings.resume && done_path.exists()) {
            return Ok(None);
        }
        let range = self.range;
        let done: Checkpoint = read_staged(
            &done_path,
            self.scenario.steps,
            range,
            |cp: &Checkpoint| &cp.state,
            true,
        )?;
        if done.state.next_trial != range.1 {
            return Err(Error::BadInput(format!(
                "{}: not a finished variant; run again without --resume to start over",
                done_path.display()
            )));
        }
        if self.settings.write_trials {
            let rows_path = variant_file(&self.staging, index, "trials.csv");
            verify_rows(&rows_path, &done_path, &done, range.0, true)?;
        }
        check_staged_weekly(
            &self.staging,
            index,
            self.scenario.steps,
            range.1 - range.0,
            self.settings.shard.is_some(),
        )?;
        self.resume(range.1 - range.0);
        Ok(Some(done.state))
    }

    /// Simulates a variant's trials (from its checkpoint, with `--resume`), saving a
    /// checkpoint every [`CHECKPOINT_EVERY`] and when interrupted. Returns its progress and
    /// what remains to record it as finished ([`Finish`]).
    fn simulate_variant(
        &self,
        v: &Variant,
        workers: Workers<'_>,
    ) -> Result<(VariantProgress, Finish), Error> {
        let (scenario, settings) = (self.scenario, self.settings);
        let model = v
            .model(scenario)
            .map_err(|e| Error::BadInput(format!("variant {}: {e}", v.index)))?;
        let checkpoint_path = variant_file(&self.staging, v.index, "checkpoint.json");
        let rows_path = variant_file(&self.staging, v.index, "trials.csv");
        let (mut state, rows) = self.start_variant(&checkpoint_path, &rows_path)?;
        let mut last_save = Instant::now();
        continue_variant(
            &model,
            scenario.seed,
            self.range.1,
            workers,
            self.cancel,
            self.progress,
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
                let json = checkpoint_json(&rows, &rows_path, state.clone())?;
                output::write_atomic(&checkpoint_path, &json)
            },
        )?;
        // The weekly statistics are staged beside the finished variant's record, not in it:
        // a variant of few trials would spend more time writing its accumulators as JSON
        // than simulating (docs/PERFORMANCE.md).
        let weekly = state.weekly.take();
        let json = checkpoint_json(&rows, &rows_path, state.clone())?;
        drop(rows);
        let finish = Finish {
            index: v.index,
            weekly,
            shard: settings.shard.is_some(),
            json,
            checkpoint_path,
        };
        Ok((state, finish))
    }

    /// Where a variant starts: from the first trial, or (with `--resume`) from its checkpoint,
    /// checked against its rows; and its rows file (with `trials.csv`), opened after the rows
    /// the checkpoint counts.
    fn start_variant(
        &self,
        checkpoint_path: &Path,
        rows_path: &Path,
    ) -> Result<(VariantProgress, Option<RowsWriter>), Error> {
        let range = self.range;
        let mut state = VariantProgress::with_weekly(range.0, self.scenario.steps);
        let mut rows_len = 0u64;
        let mut hasher = sha2::Sha256::default();
        if self.settings.resume && checkpoint_path.exists() {
            let cp: Checkpoint = read_staged(
                checkpoint_path,
                self.scenario.steps,
                range,
                |cp: &Checkpoint| &cp.state,
                false,
            )?;
            if self.settings.write_trials {
                hasher = verify_rows(rows_path, checkpoint_path, &cp, range.0, false)?;
            }
            rows_len = cp.rows_len;
            state = cp.state;
            self.resume(state.next_trial - range.0);
        }
        if !self.settings.write_trials {
            return Ok((state, None));
        }
        // Rows after the checkpoint (from an interrupted chunk) are cut off.
        let mut file = fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(rows_path)
            .map_err(|e| Error::io(rows_path, e))?;
        file.set_len(rows_len)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(|_| ()))
            .map_err(|e| Error::io(rows_path, e))?;
        let writer =
            output::HashingWriter::with_hasher(std::io::BufWriter::new(file), hasher, rows_len);
        Ok((state, Some(RefCell::new(writer))))
    }
}

/// A checkpoint of `state` as JSON, recording the rows written so far (flushed to disk first).
fn checkpoint_json(
    rows: &Option<RowsWriter>,
    rows_path: &Path,
    state: VariantProgress,
) -> Result<Vec<u8>, Error> {
    let (rows_len, rows_sha256) = rows_record(rows, rows_path)?;
    let cp = Checkpoint {
        rows_len,
        rows_sha256,
        state,
    };
    serde_json::to_vec(&cp).map_err(|e| Error::BadInput(e.to_string()))
}

/// The length and SHA-256 of the rows written so far, flushed and synced to disk first (so that
/// a checkpoint never counts rows that are not on disk).
fn rows_record(rows: &Option<RowsWriter>, rows_path: &Path) -> Result<(u64, String), Error> {
    let Some(w) = rows else {
        return Ok((
            0,
            output::HashingWriter::new(std::io::sink()).record().sha256,
        ));
    };
    let mut w = w.borrow_mut();
    w.flush().map_err(|e| Error::io(rows_path, e))?;
    w.get_ref()
        .get_ref()
        .sync_data()
        .map_err(|e| Error::io(rows_path, e))?;
    let rec = w.record();
    Ok((rec.bytes, rec.sha256))
}

/// Memory a run holds per variant and week: its three outcome counts, its at-risk counts in the
/// log-rank test and the rows of its survival table while they are written (bytes, rounded up).
pub const MEMORY_PER_VARIANT_WEEK: u64 = 48;
/// Memory per variant besides: its parameters and summary (bytes, generous).
pub const MEMORY_PER_VARIANT: u64 = 4096;
/// Disk per trial row, twice (staged, then assembled into `trials.csv`): rows are about 170
/// bytes; bytes, generous.
pub const DISK_PER_TRIAL_ROW: u64 = 2 * 200;
/// Disk per variant and week in `survival.csv` (rows are about 90 bytes) and `weekly.csv`
/// (about 150 bytes, staged and then assembled).
pub const DISK_PER_VARIANT_WEEK: u64 = 120 + 2 * 220;

/// Estimates of a run's memory and disk, in bytes.
pub fn estimate(variants: u64, steps: u32, trials: u64, write_trials: bool) -> (u64, u64) {
    let weeks = u64::from(steps) + 1;
    let memory = variants
        .saturating_mul(weeks)
        .saturating_mul(MEMORY_PER_VARIANT_WEEK)
        .saturating_add(variants.saturating_mul(MEMORY_PER_VARIANT));
    let rows = if write_trials {
        variants.saturating_mul(trials)
    } else {
        0
    };
    let disk = rows.saturating_mul(DISK_PER_TRIAL_ROW).saturating_add(
        variants
            .saturating_mul(weeks)
            .saturating_mul(DISK_PER_VARIANT_WEEK),
    );
    (memory, disk)
}

/// Memory this process may still use: the least of the system's available memory, the
/// cgroup's remaining allowance and the address-space limit; `None` if none is known.
pub fn memory_available() -> Option<u64> {
    let mut limits = Vec::new();
    if let Ok(text) = fs::read_to_string("/proc/meminfo") {
        if let Some(kb) = text
            .lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            limits.push(kb.saturating_mul(1024));
        }
    }
    let read = |p: &str| -> Option<u64> { fs::read_to_string(p).ok()?.trim().parse().ok() };
    if let (Some(max), Some(current)) = (
        read("/sys/fs/cgroup/memory.max"),
        read("/sys/fs/cgroup/memory.current"),
    ) {
        limits.push(max.saturating_sub(current));
    }
    #[cfg(unix)]
    {
        let rl = rustix::process::getrlimit(rustix::process::Resource::As);
        if let Some(max) = rl.current {
            limits.push(max);
        }
    }
    limits.into_iter().min()
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

/// Refuses (bad input), before any work, a run whose estimated memory or disk exceeds what is
/// available, giving both figures.
pub fn check_resources(
    variants: u64,
    steps: u32,
    trials: u64,
    write_trials: bool,
    target: &Path,
) -> Result<(), Error> {
    let (memory, disk) = estimate(variants, steps, trials, write_trials);
    if let Some(free) = memory_available() {
        if memory > free {
            return Err(Error::BadInput(format!(
                "this run would need about {} of memory ({variants} variants x {} weeks of counts) but {} is available; run fewer variants or weeks (split the sweep into several scenarios)",
                gigabytes(memory),
                u64::from(steps) + 1,
                gigabytes(free)
            )));
        }
    }
    let place = target
        .ancestors()
        .skip(1)
        .find(|a| a.as_os_str().is_empty() || a.is_dir())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        });
    if let Some(place) = place {
        if let Ok(free) = fs4::available_space(place) {
            if disk > free {
                return Err(Error::BadInput(format!(
                    "this run would write about {} ({}) but {} is free on the disk of {}; use --no-trials, fewer trials, or another --out",
                    gigabytes(disk),
                    if write_trials {
                        format!(
                            "{} trial rows, staged and then assembled",
                            variants.saturating_mul(trials)
                        )
                    } else {
                        "survival.csv".to_string()
                    },
                    gigabytes(free),
                    place.display()
                )));
            }
        }
    }
    Ok(())
}

/// The largest population (potential members) of any variant's communities: the bound of the
/// weekly histograms of participants and active contributors.
pub fn max_population(scenario: &Scenario) -> u64 {
    scenario
        .variants()
        .iter()
        .map(|v| {
            let drawn = v
                .draws
                .iter()
                .filter(|d| d.path == "community.population")
                .filter_map(|d| d.at(0.999).as_f64())
                .fold(0.0, f64::max);
            (v.params.community.population as f64).max(drawn) as u64
        })
        .max()
        .unwrap_or(0)
}

/// Refuses (bad input), before any work, a run whose weekly statistics
/// ([`crate::weekly::memory_estimate`], besides what [`check_resources`] counts) would not fit
/// in the memory available.
fn check_weekly_memory(scenario: &Scenario, workers: u64) -> Result<(), Error> {
    let (counts, _) = estimate(
        scenario.variant_count() as u64,
        scenario.steps,
        scenario.trials,
        false,
    );
    let population = max_population(scenario);
    let weekly =
        crate::weekly::memory_estimate(scenario.steps, population, scenario.trials, workers);
    match memory_available() {
        Some(free) if counts.saturating_add(weekly) > free => Err(Error::BadInput(format!(
            "this run would need about {} of memory for its weekly statistics ({} recorded weeks of communities of up to {} people) besides {} for its counts, but {} is available; run fewer weeks or smaller communities",
            gigabytes(weekly),
            crate::weekly::rows(scenario.steps),
            population,
            gigabytes(counts),
            gigabytes(free)
        ))),
        _ => Ok(()),
    }
}

/// Copies the staged rows files, in order, into `trials.csv`. A read failure names the source
/// file; a write failure is named after the file written by [`assemble`].
pub fn copy_sources(sources: &[PathBuf], w: &mut dyn Write) -> Result<(), Error> {
    for src in sources {
        let mut f = BufReader::new(File::open(src).map_err(|e| Error::io(src, e))?);
        std::io::copy(&mut f, w).map_err(|e| Error::io(src, e))?;
    }
    Ok(())
}

fn prepare_staging(staging: &Path, fingerprint: &Fingerprint, resume: bool) -> Result<(), Error> {
    let fp_path = staging.join("fingerprint.json");
    let found = fs::symlink_metadata(staging).ok();
    if let Some(meta) = &found {
        if !meta.is_dir() && resume {
            return Err(Error::BadInput(format!(
                "--resume: {} is a file, not the staging folder of an interrupted run; run again without --resume (it will be replaced)",
                staging.display()
            )));
        }
        if !meta.is_dir() {
            fs::remove_file(staging).map_err(|e| Error::io(staging, e))?;
        }
    }
    if resume {
        if staging.exists() {
            if !fp_path.exists() {
                return Err(Error::BadInput(format!(
                    "--resume: {} has no fingerprint.json, so it is not (or no longer) the staging folder of an interrupted run; run again without --resume to start over",
                    staging.display()
                )));
            }
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
    } else if staging.is_dir() {
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
    weekly: Option<&WeeklyParts>,
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
    let trials_record = match trials {
        Some(copy_rows) => {
            let (path, record) =
                assemble_trials(dir, scenario, variants, manifest.trials_format, copy_rows)?;
            files.push(path);
            Some(record)
        }
        None => None,
    };
    output::write_survival(dir, counts)?;
    files.push(dir.join("survival.csv"));
    let summaries: Vec<Summary> = counts.iter().map(statistics::summarize).collect();
    output::write_summary(dir, scenario, variants, &summaries, totals)?;
    files.push(dir.join("summary.csv"));
    let (logrank, logrank_note) = output::logrank_rows(counts);
    output::write_logrank(dir, &logrank)?;
    files.push(dir.join("logrank.csv"));
    if let Some(parts) = weekly {
        files.extend(parts.assemble(dir)?);
    }
    let wall = clock.elapsed().as_secs_f64();
    manifest.host_totals = totals.to_vec();
    record_files(&mut manifest, &files, trials_record.as_ref())?;
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
    if plots {
        // after the manifest: the cost picture's paired test reads its seed and trial range
        files.extend(crate::plots::draw_run(dir)?);
        files.push(crate::report::write_html(dir)?);
    }
    Ok(RunReport {
        out: dir.to_path_buf(),
        labels: variants
            .iter()
            .map(|v| output::plain_label(scenario, v))
            .collect(),
        files,
        summaries,
        totals: totals.to_vec(),
        logrank,
        manifest,
        warnings: logrank_note.into_iter().collect(),
    })
}

/// Writes the run's trials: `trials.csv` from the rows `copy_rows` writes, converted to
/// `trials.parquet` with `--format parquet`. Returns the file and its record (SHA-256, rows).
fn assemble_trials(
    dir: &Path,
    scenario: &Scenario,
    variants: &[Variant],
    format: crate::columnar::TrialsFormat,
    copy_rows: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(PathBuf, output::FileRecord), Error> {
    let path = dir.join("trials.csv");
    let record = write_trials_file(&path, &output::trial_header(scenario), copy_rows)?;
    if format != crate::columnar::TrialsFormat::Parquet {
        return Ok((path, record));
    }
    // trials.csv becomes trials.parquet, recorded by its own SHA-256.
    let parquet = crate::columnar::convert_trials(dir, scenario, variants)?;
    let record = crate::columnar::parquet_record(&parquet, record.rows)?;
    Ok((parquet, record))
}

/// Records in the manifest the SHA-256 of each data file among `files` (the tables, the
/// trials in either format and the weekly accumulators; `trials` when already known).
fn record_files(
    manifest: &mut Manifest,
    files: &[PathBuf],
    trials: Option<&output::FileRecord>,
) -> Result<(), Error> {
    manifest.files.clear();
    let recorded: Vec<(String, &PathBuf)> = files
        .iter()
        .filter_map(|f| Some((f.file_name()?.to_string_lossy().into_owned(), f)))
        .filter(|(name, _)| {
            name.ends_with(".csv")
                || name == crate::columnar::TRIALS_PARQUET
                || name == crate::weekly::STATE_FILE
        })
        .collect();
    // The files are read and hashed in parallel (on the calling pool).
    let records = recorded
        .par_iter()
        .map(|(name, f)| match (trials, name.as_str()) {
            (Some(r), "trials.csv" | crate::columnar::TRIALS_PARQUET) => Ok(r.clone()),
            _ => output::file_record(f).map_err(|e| Error::io(f, e)),
        })
        .collect::<Result<Vec<_>, Error>>()?;
    for ((name, _), record) in recorded.into_iter().zip(records) {
        manifest.files.insert(name, record);
    }
    Ok(())
}

/// Writes `trials.csv`: its header, then the rows `copy_rows` writes, recording its SHA-256 and
/// rows as they pass. A failure to write (a full disk) names this file, whatever `copy_rows`
/// was reading.
pub fn write_trials_file(
    path: &Path,
    columns: &[&str],
    copy_rows: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<output::FileRecord, Error> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = output::HashingWriter::new(std::io::BufWriter::new(file));
    let copied = (|| {
        {
            let mut header = csv::Writer::from_writer(&mut w);
            header
                .write_record(columns)
                .map_err(|e| Error::csv(path, e))?;
            header.flush().map_err(|e| Error::io(path, e))?;
        }
        copy_rows(&mut w)?;
        w.flush().map_err(|e| Error::io(path, e))
    })();
    if let Err(e) = copied {
        return Err(match w.failed.take() {
            Some(write_error) => Error::io(path, write_error),
            None => e,
        });
    }
    let record = w.record();
    let file = w
        .into_inner()
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(record)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::outcome::Outcome;

    /// An interrupt keeps the trials finished before it (their rows and counts) and reports
    /// exactly those; without one, the same trials give the same rows and counts.
    #[test]
    fn an_interrupt_mid_chunk_keeps_the_finished_trials() {
        let model = Model::new(crate::parameters::Parameters::default(), 104).unwrap();
        let pool = thread_pool(1).unwrap();
        let run = |interrupt_after: Option<u64>| {
            let cancel = AtomicBool::new(false);
            let mut state = VariantProgress::new(10, 104);
            let mut rows = Vec::new();
            let mut saved = Vec::new();
            let done = std::sync::atomic::AtomicU64::new(0);
            let result = continue_variant(
                &model,
                7,
                60,
                Workers::Spread(&pool),
                &cancel,
                &|n| {
                    done.fetch_add(n, Ordering::Relaxed);
                },
                &mut state,
                |trial, _, r| {
                    if Some(trial) == interrupt_after {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    (trial, r.time)
                },
                |_, p| {
                    rows.push(p);
                    Ok(())
                },
                |s, force| {
                    saved.push((s.next_trial, s.counts.trials(), force));
                    Ok(())
                },
            );
            (result, state, rows, saved, done.into_inner())
        };
        let (result, state, rows, saved, done) = run(Some(25));
        assert!(matches!(result, Err(Error::Interrupted)));
        // Trials 10..=25 finished; 26 was cut short (or never started).
        assert_eq!(state.next_trial, 26);
        assert_eq!(state.counts.trials(), 16);
        assert_eq!(saved, vec![(26, 16, true)]);
        assert_eq!(done, 16);
        let (full, whole, all_rows, _, _) = run(None);
        assert!(full.is_ok());
        assert_eq!(whole.next_trial, 60);
        assert_eq!(rows[..], all_rows[..16]);
        assert_eq!(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            (10..26).collect::<Vec<_>>()
        );
    }

    /// After an interrupt mid-chunk, the weekly statistics hold exactly the trials kept, even
    /// though other workers finished later trials of the chunk (added to their own
    /// accumulators, then left out).
    #[test]
    fn an_interrupt_mid_chunk_keeps_the_weekly_statistics_of_the_finished_trials_only() {
        let pool = thread_pool(2).unwrap();
        interrupted_weekly_statistics(Workers::Spread(&pool));
        // Side by side, on one worker of a run's pool: trials one after another.
        pool.install(|| interrupted_weekly_statistics(Workers::Here));
    }

    fn interrupted_weekly_statistics(workers: Workers<'_>) {
        let model = Model::new(crate::parameters::Parameters::default(), 104).unwrap();
        let run = |end: u64, interrupt_after: Option<u64>| {
            let cancel = AtomicBool::new(false);
            let mut state = VariantProgress::with_weekly(10, 104);
            let result = continue_variant(
                &model,
                7,
                end,
                workers,
                &cancel,
                &|_| {},
                &mut state,
                |trial, _, _| {
                    if Some(trial) == interrupt_after {
                        cancel.store(true, Ordering::Relaxed);
                    }
                },
                |_, _| Ok(()),
                |_, _| Ok(()),
            );
            (result, state)
        };
        let (result, cut) = run(400, Some(200));
        // The first unfinished trial may come before trial 200 (the other worker's trial under
        // way when the flag was set stops at its next week) or after it.
        let kept = cut.next_trial;
        assert!(matches!(result, Err(Error::Interrupted)) || kept == 400);
        let (whole, upto) = run(kept, None);
        assert!(whole.is_ok());
        let (cut, upto) = (cut.weekly.unwrap(), upto.weekly.unwrap());
        assert_eq!(cut.trials, kept - 10);
        assert_eq!(cut, upto);
        if matches!(workers, Workers::Here) {
            // One after another, the trial that set the flag is the last one finished.
            assert_eq!(kept, 201);
        }
    }

    #[test]
    fn variants_of_few_trials_run_side_by_side_when_each_worker_has_several() {
        // The calibration-like sweep of benches/: 64 variants of 300 trials, 312 weeks.
        assert!(side_by_side(64, 300, 312, 2));
        assert!(side_by_side(64, 300, 312, 1));
        // Fewer than four variants a worker: spread, so that no worker waits long at the end.
        assert!(!side_by_side(64, 300, 312, 17));
        assert!(!side_by_side(7, 300, 312, 2));
        // One recorded chunk's memory: 2,233 trials of 312 weeks (32 MiB of 48-byte weeks).
        assert_eq!(crate::weekly::chunk_trials(312, CHUNK), 2233);
        assert!(side_by_side(64, 1116, 312, 2));
        assert!(!side_by_side(64, 1117, 312, 2));
        // The default scenario's single variant of many trials.
        assert!(!side_by_side(1, 10_000, 104, 2));
    }

    #[test]
    fn a_full_disk_while_assembling_names_the_file_written() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("rows.csv");
        fs::write(&src, "0,1,2\n".repeat(100_000)).unwrap();
        let dest = tmp.path().join("trials.csv");
        std::os::unix::fs::symlink("/dev/full", &dest).unwrap();
        let err = write_trials_file(&dest, output::TRIAL_COLUMNS, |w| {
            copy_sources(std::slice::from_ref(&src), w)
        })
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&dest.display().to_string()), "{msg}");
        assert!(!msg.contains("rows.csv"), "{msg}");
    }

    /// Accumulators of two trials of 104 weeks (105 recorded weeks), one censored.
    fn two_trials() -> Weekly {
        let mut w = Weekly::new(104);
        let samples: Vec<Sample> = (0..105)
            .map(|t| Sample::new(10 + t, 3, f64::from(t) * 0.5, 1.25))
            .collect();
        let model = Model::new(crate::parameters::Parameters::default(), 104).unwrap();
        let mut r = model.run(7, &mut Workspace::new());
        r.outcome = Outcome::Censored;
        w.add(&r, &Series::new(104, &samples));
        r.outcome = Outcome::Fizzled;
        r.time = 40;
        w.add(&r, &Series::new(104, &samples));
        w
    }

    #[test]
    fn a_finished_variants_staged_weekly_files_are_checked_on_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::create_dir_all(dir.join("variants")).unwrap();
        let w = two_trials();
        write_weekly(dir, 3, &w, true).unwrap();
        check_staged_weekly(dir, 3, 104, 2, true).unwrap();
        // The accumulators must count the variant's trials, and belong to it.
        let message = |e: Error| e.to_string();
        assert!(
            message(check_staged_weekly(dir, 3, 104, 5, true).unwrap_err()).contains("2 trials")
        );
        fs::copy(
            variant_file(dir, 3, "weekly.jsonl"),
            variant_file(dir, 4, "weekly.jsonl"),
        )
        .unwrap();
        fs::copy(
            variant_file(dir, 3, "weekly.csv"),
            variant_file(dir, 4, "weekly.csv"),
        )
        .unwrap();
        assert!(
            message(check_staged_weekly(dir, 4, 104, 2, true).unwrap_err()).contains("variant 4")
        );
        // A rows file cut short, or missing.
        let rows = variant_file(dir, 3, "weekly.csv");
        let text = fs::read(&rows).unwrap();
        fs::write(&rows, &text[..text.len() - 1]).unwrap();
        let e = message(check_staged_weekly(dir, 3, 104, 2, false).unwrap_err());
        assert!(
            e.contains("does not hold the 105 weekly rows of variant 3"),
            "{e}"
        );
        assert!(e.contains("without --resume"), "{e}");
        fs::remove_file(&rows).unwrap();
        let e = message(check_staged_weekly(dir, 3, 104, 2, false).unwrap_err());
        assert!(e.contains("missing"), "{e}");
    }
}
