//! The output folder: its CSV files (columns as in the contract), atomic writes, and publishing
//! a finished folder in place of an earlier one without ever leaving a half-written result.

use crate::error::Error;
use crate::model::TrialResult;
use crate::parameters::ParamValue;
use crate::scenario::{Scenario, Variant};
use crate::statistics::{self, OutcomeCounts, Summary};
use crate::totals::HostTotals;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Columns of `trials.csv`, in order.
pub const TRIAL_COLUMNS: &[&str] = &[
    "variant",
    "trial",
    "seed",
    "outcome",
    "time",
    "stage",
    "peak_participants",
    "final_participants",
    "final_active",
    "assets",
    "brand",
    "host_spend",
    "host_covered",
    "host_weeks",
    "host_withdrew",
    "revenue",
    "final_balance",
    "joined",
    "left",
    "cause",
    "host_exit",
    "partner_week",
];

/// The header of `trials.csv`: [`TRIAL_COLUMNS`], then one column per parameter drawn per
/// community, named by its dotted path.
pub fn trial_header(scenario: &Scenario) -> Vec<&str> {
    let mut h = TRIAL_COLUMNS.to_vec();
    h.extend(scenario.drawn_paths());
    h
}

/// Columns of `survival.csv`, in order.
pub const SURVIVAL_COLUMNS: &[&str] = &[
    "variant",
    "time",
    "at_risk",
    "fizzled",
    "graduated",
    "censored",
    "survival",
    "survival_lower",
    "survival_upper",
    "cif_fizzled",
    "cif_graduated",
];

/// Statistic columns of `summary.csv`, after `variant` and the swept parameters.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "trials",
    "graduated",
    "fizzled",
    "censored",
    "p_graduate",
    "p_graduate_lower",
    "p_graduate_upper",
    "median_survival",
    "rmst",
    "mean_host_spend",
    "mean_host_covered",
    "host_outlay_per_graduate",
];

/// The last columns of `summary.csv`: fizzled trials by cause, in the order of
/// [`crate::model::FizzleCause::ALL`].
pub const CAUSE_COLUMNS: &[&str] = &[
    "fizzled_everyone_left",
    "fizzled_too_few_active",
    "fizzled_out_of_money",
];

/// Formats a number for CSV: the shortest text that reads back as the same f64.
pub fn num(x: f64) -> String {
    debug_assert!(!x.is_nan(), "NaN reached an output file");
    format!("{x}")
}

/// Formats a statistic for CSV like [`num`], but in scientific notation when it is very small or
/// very large ("1.5e-200", not 200 digits that a spreadsheet shows as 0); still the shortest text
/// that reads back as the same f64.
pub fn sci(x: f64) -> String {
    if x != 0.0 && x.is_finite() && (x.abs() < 1e-4 || x.abs() >= 1e15) {
        format!("{x:e}")
    } else {
        num(x)
    }
}

/// What the value 0 of parameter `path` means, in words, taken from the registry's text
/// ("0 means open-ended" gives "open-ended", "0 disables" gives "disabled"); `None` for any
/// other value or a parameter whose 0 is an ordinary number.
pub fn special_meaning(path: &str, value: &ParamValue) -> Option<String> {
    if value.as_f64() != Some(0.0) {
        return None;
    }
    let spec = crate::parameters::SPECS.iter().find(|s| s.path == path)?;
    if let Some(rest) = spec.doc.split("0 means ").nth(1) {
        let words = rest.split(';').next().unwrap_or(rest).trim();
        return Some(words.strip_prefix("it ").unwrap_or(words).to_string());
    }
    spec.doc
        .contains("0 disables")
        .then(|| "disabled".to_string())
}

/// A variant's swept values for people: "host.commitment = 0 (open-ended), host.investment =
/// 2", or "base parameters" without a sweep.
pub fn plain_label(scenario: &Scenario, variant: &Variant) -> String {
    if variant.values.is_empty() {
        return "base parameters".to_string();
    }
    scenario
        .sweep
        .iter()
        .zip(&variant.values)
        .map(|((path, _), v)| match special_meaning(path, v) {
            Some(words) => format!("{path} = {v} ({words})"),
            None => format!("{path} = {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row of `trials.csv` as text fields.
pub fn trial_record(variant: usize, trial: u64, seed: u64, r: &TrialResult) -> Vec<String> {
    let mut row = vec![
        variant.to_string(),
        trial.to_string(),
        seed.to_string(),
        r.outcome.as_str().to_string(),
        r.time.to_string(),
        r.stage.as_str().to_string(),
        r.peak_participants.to_string(),
        r.final_participants.to_string(),
        r.final_active.to_string(),
        num(r.assets),
        num(r.brand),
        num(r.host_spend),
        num(r.host_covered),
        r.host_weeks.to_string(),
        r.host_withdrew.to_string(),
        num(r.revenue),
        num(r.final_balance),
        r.joined.to_string(),
        r.left.to_string(),
        r.cause.map_or("", |c| c.as_str()).to_string(),
        r.host_exit.map_or("", |h| h.as_str()).to_string(),
        r.partner_week.to_string(),
    ];
    // Drawn values; empty where this variant draws nothing for the column.
    row.extend(
        r.drawn
            .iter()
            .map(|x| if x.is_nan() { String::new() } else { num(*x) }),
    );
    row
}

/// One row of `trials.csv` as CSV bytes (with its line end), exactly as a CSV writer writes it;
/// made on the worker threads so that formatting runs in parallel.
pub fn trial_line(
    variant: usize,
    trial: u64,
    seed: u64,
    r: &TrialResult,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .buffer_capacity(256)
        .from_writer(Vec::with_capacity(256));
    w.write_record(trial_record(variant, trial, seed, r))?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A CSV writer on a buffered file.
pub type CsvFile = csv::Writer<BufWriter<File>>;

/// Creates a CSV file (truncating) with its header.
pub fn create_csv(path: &Path, header: &[&str]) -> Result<CsvFile, Error> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    w.write_record(header).map_err(|e| Error::csv(path, e))?;
    Ok(w)
}

/// Flushes a CSV writer and syncs the file to disk.
pub fn finish_csv(path: &Path, w: CsvFile) -> Result<(), Error> {
    let buf = w.into_inner().map_err(|e| Error::csv(path, e.error()))?;
    let file = buf
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// Writes `variants.csv`.
pub fn write_variants(dir: &Path, scenario: &Scenario, variants: &[Variant]) -> Result<(), Error> {
    let path = dir.join("variants.csv");
    let mut header = vec!["variant"];
    header.extend(scenario.swept_paths());
    let mut w = create_csv(&path, &header)?;
    for v in variants {
        let mut rec = vec![v.index.to_string()];
        rec.extend(v.values.iter().map(ParamValue::to_string));
        w.write_record(&rec).map_err(|e| Error::csv(&path, e))?;
    }
    finish_csv(&path, w)
}

/// Writes `survival.csv` from the per-variant outcome counts.
pub fn write_survival(dir: &Path, counts: &[OutcomeCounts]) -> Result<(), Error> {
    use rayon::prelude::*;
    let path = dir.join("survival.csv");
    // Each variant's rows are formatted in parallel (on the calling pool: a sweep of many
    // variants over a long horizon has hundreds of thousands of numbers), then written in order.
    let blocks = counts
        .par_iter()
        .enumerate()
        .map(|(variant, c)| survival_rows(variant, c))
        .collect::<Result<Vec<Vec<u8>>, csv::Error>>()
        .map_err(|e| Error::csv(&path, e))?;
    let mut header = csv::Writer::from_writer(Vec::new());
    header
        .write_record(SURVIVAL_COLUMNS)
        .map_err(|e| Error::csv(&path, e))?;
    let header = header
        .into_inner()
        .map_err(|e| Error::io(&path, e.into_error()))?;
    let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::new(file);
    for block in std::iter::once(header).chain(blocks) {
        w.write_all(&block).map_err(|e| Error::io(&path, e))?;
    }
    let file = w
        .into_inner()
        .map_err(|e| Error::io(&path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(&path, e))
}

/// `survival.csv`'s rows of one variant, as CSV.
fn survival_rows(variant: usize, c: &OutcomeCounts) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in statistics::survival_table(c) {
        w.write_record([
            variant.to_string(),
            row.time.to_string(),
            row.at_risk.to_string(),
            row.fizzled.to_string(),
            row.graduated.to_string(),
            row.censored.to_string(),
            num(row.survival),
            num(row.survival_lower),
            num(row.survival_upper),
            num(row.cif_fizzled),
            num(row.cif_graduated),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Writes `summary.csv`.
pub fn write_summary(
    dir: &Path,
    scenario: &Scenario,
    variants: &[Variant],
    summaries: &[Summary],
    totals: &[HostTotals],
) -> Result<(), Error> {
    let path = dir.join("summary.csv");
    let mut header = vec!["variant"];
    header.extend(scenario.swept_paths());
    header.extend(SUMMARY_COLUMNS);
    header.extend(CAUSE_COLUMNS);
    let mut w = create_csv(&path, &header)?;
    for ((v, s), h) in variants.iter().zip(summaries).zip(totals) {
        let mut rec = vec![v.index.to_string()];
        rec.extend(v.values.iter().map(ParamValue::to_string));
        rec.extend([
            s.trials.to_string(),
            s.graduated.to_string(),
            s.fizzled.to_string(),
            s.censored.to_string(),
            num(s.p_graduate),
            num(s.p_graduate_lower),
            num(s.p_graduate_upper),
            s.median_survival.map(|m| m.to_string()).unwrap_or_default(),
            num(s.rmst),
            num(h.mean_spend(s.trials)),
            num(h.mean_covered(s.trials)),
            h.outlay_per_graduate(s.graduated)
                .map(num)
                .unwrap_or_default(),
        ]);
        rec.extend(h.fizzled_by_cause.iter().map(u64::to_string));
        w.write_record(&rec).map_err(|e| Error::csv(&path, e))?;
    }
    finish_csv(&path, w)
}

/// Largest matrix side the k-sample log-rank test may use (memory `8 x side²` bytes, time
/// `side³`): beyond it (more variants and more fizzle times than this) the test is skipped.
pub const LOGRANK_MAX_DIM: usize = 4000;

/// The log-rank tests of `logrank.csv`: variant 0 against each other variant, then the
/// k-sample test across all variants (`variant_b = all`). Empty with a single variant. The
/// second value is a note when the k-sample test was skipped as too large.
pub fn logrank_rows(
    counts: &[OutcomeCounts],
) -> (Vec<(String, String, statistics::LogRank)>, Option<String>) {
    let mut rows = Vec::new();
    if counts.len() < 2 {
        return (rows, None);
    }
    for (b, c) in counts.iter().enumerate().skip(1) {
        rows.push((
            "0".to_string(),
            b.to_string(),
            statistics::logrank(&[&counts[0], c]),
        ));
    }
    let all: Vec<&OutcomeCounts> = counts.iter().collect();
    match statistics::logrank_within(&all, LOGRANK_MAX_DIM) {
        Some(t) => {
            rows.push(("0".to_string(), "all".to_string(), t));
            (rows, None)
        }
        None => (
            rows,
            Some(format!(
                "the log-rank test across all {} variants was skipped (more than {LOGRANK_MAX_DIM} variants and fizzle weeks); logrank.csv has no `all` row",
                counts.len()
            )),
        ),
    }
}

/// Writes `logrank.csv`.
pub fn write_logrank(
    dir: &Path,
    rows: &[(String, String, statistics::LogRank)],
) -> Result<(), Error> {
    let path = dir.join("logrank.csv");
    let mut w = create_csv(&path, &["variant_a", "variant_b", "chi2", "df", "p_value"])?;
    for (a, b, t) in rows {
        w.write_record([
            a.clone(),
            b.clone(),
            sci(t.chi2),
            t.df.to_string(),
            sci(t.p_value),
        ])
        .map_err(|e| Error::csv(&path, e))?;
    }
    finish_csv(&path, w)
}

/// Writes a whole file atomically: into a temporary file beside it, synced, then renamed into
/// place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_replacing(path, bytes, true)
}

/// Writes a whole file atomically, synced to disk first when `sync` (a record that is checked
/// when read back, such as a finished variant's, need not wait for the disk: a sweep of many
/// small variants would spend its time in `fsync`).
pub fn write_replacing(path: &Path, bytes: &[u8], sync: bool) -> Result<(), Error> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// The staging folder of a run whose results go to `target`: a hidden sibling, so that the
/// final rename stays on one file system, and so that `--resume` can find it again.
pub fn staging_dir(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    target.with_file_name(format!(".{name}.partial"))
}

/// Opens the staging folder of a command that can be resumed, identified by `fingerprint`
/// (saved in it as `fingerprint.json`). Without `resume` any old staging folder is replaced by
/// an empty one; with `resume` an existing one must carry the same fingerprint, and is kept.
/// Returns whether an interrupted command's staging folder was found and kept.
pub fn open_staging<F>(staging: &Path, fingerprint: &F, resume: bool) -> Result<bool, Error>
where
    F: serde::Serialize + serde::de::DeserializeOwned + PartialEq,
{
    let fp_path = staging.join("fingerprint.json");
    if resume && fp_path.is_file() {
        let found: F = read_staged_json(&fp_path)?;
        if &found != fingerprint {
            return Err(Error::BadInput(format!(
                "--resume: the interrupted command in {} had another scenario, record, seed or version; run again without --resume to start over",
                staging.display()
            )));
        }
        return Ok(true);
    }
    if resume {
        return Err(Error::BadInput(format!(
            "--resume: {} holds no interrupted command to continue; run again without --resume",
            staging.display()
        )));
    }
    match fs::symlink_metadata(staging) {
        Ok(meta) if meta.is_dir() => {
            fs::remove_dir_all(staging).map_err(|e| Error::io(staging, e))?
        }
        Ok(_) => fs::remove_file(staging).map_err(|e| Error::io(staging, e))?,
        Err(_) => {}
    }
    fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    let json = serde_json::to_vec_pretty(fingerprint)
        .map_err(|e| Error::BadInput(format!("fingerprint: {e}")))?;
    write_atomic(&fp_path, &json)?;
    Ok(false)
}

/// Reads a JSON file a command saved in its staging folder; a damaged one is bad input that
/// says how to start over.
pub fn read_staged_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::BadInput(format!(
            "{}: damaged ({e}); run again without --resume to start over",
            path.display()
        ))
    })
}

/// Longest folder name accepted for an output folder, in bytes: hothouse keeps hidden siblings
/// named after it (`.NAME.partial`, `.NAME.lock`, `.NAME.old-PID`), and a file name has at most
/// 255 bytes on common file systems.
pub const MAX_NAME_BYTES: usize = 255 - ".".len() - ".old-".len() - 10;

fn usage(msg: String) -> Error {
    Error::Usage(msg)
}

/// Checks, before any work, that `dir` can be a folder: it is one already, or its nearest
/// existing ancestor is a folder. Used by `trace --out`, which writes into a folder.
pub fn check_folder_path(dir: &Path) -> Result<(), Error> {
    if let Ok(meta) = fs::metadata(dir) {
        if !meta.is_dir() {
            return Err(usage(format!(
                "--out {}: this is a file, not a folder; choose a folder",
                dir.display()
            )));
        }
        return Ok(());
    }
    for ancestor in dir.ancestors().skip(1) {
        if ancestor.as_os_str().is_empty() {
            break;
        }
        if fs::symlink_metadata(ancestor).is_err() {
            continue;
        }
        return match fs::metadata(ancestor) {
            Ok(m) if m.is_dir() => Ok(()),
            _ => Err(usage(format!(
                "--out {}: {} is not a folder, so no folder can be made inside it",
                dir.display(),
                ancestor.display()
            ))),
        };
    }
    Ok(())
}

/// Checks, before any work, that `target` can take the output folder of `run` or `merge`: a
/// plain folder name (not `.`, `..`, a symbolic link, or too long for the hidden siblings beside
/// it), not a folder holding the current folder, in a place where a folder can be made; and
/// refuses an existing folder unless `force` is given.
pub fn check_target(target: &Path, force: bool) -> Result<(), Error> {
    let Some(name) = target.file_name() else {
        return Err(usage(format!(
            "--out {}: give the output folder a name of its own (not ., .. or /)",
            target.display()
        )));
    };
    if name.len() > MAX_NAME_BYTES {
        return Err(usage(format!(
            "--out: the folder name is {} bytes long; at most {MAX_NAME_BYTES} are allowed (hothouse keeps hidden folders named after it beside it)",
            name.len()
        )));
    }
    if let Ok(meta) = fs::symlink_metadata(target) {
        if meta.file_type().is_symlink() {
            let to = fs::read_link(target)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return Err(usage(format!(
                "--out {} is a symbolic link (to {to}); hothouse does not replace links: give the folder it points to, or another name",
                target.display()
            )));
        }
        if let (Ok(t), Ok(cwd)) = (fs::canonicalize(target), std::env::current_dir()) {
            if cwd.canonicalize().unwrap_or(cwd).starts_with(&t) {
                return Err(usage(format!(
                    "--out {}: this folder holds the current folder, so it cannot be replaced; choose another",
                    target.display()
                )));
            }
        }
    }
    check_folder_path(target)?;
    if target.exists() && !force {
        return Err(Error::OutputExists(target.to_path_buf()));
    }
    Ok(())
}

/// Prepares to write the output folder `target` of `run` or `merge`: checks the path, takes the
/// lock (refusing when another command holds it), repairs what an interrupted publish left
/// ([`recover`]), and refuses an existing folder without `force`. Returns the lock, to hold until
/// the folder is published, and notes for the user.
pub fn claim_target(target: &Path, force: bool) -> Result<(TargetLock, Vec<String>), Error> {
    check_target(target, true)?;
    let lock = lock_target(target)?;
    let notes = recover(target)?;
    if target.exists() && !force {
        let exists = Error::OutputExists(target.to_path_buf());
        if notes.is_empty() {
            return Err(exists);
        }
        return Err(Error::BadInput(format!("{}; {exists}", notes.join("; "))));
    }
    Ok((lock, notes))
}

fn hidden_sibling(target: &Path, suffix: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    target.with_file_name(format!(".{name}.{suffix}"))
}

/// An exclusive lock on an output folder (and its staging folder), held while a command writes
/// them: a second command on the same folder is refused. The lock file `.NAME.lock` beside the
/// folder holds the process id of its owner and is removed when the lock is released.
#[derive(Debug)]
pub struct TargetLock {
    file: File,
    path: PathBuf,
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        // Removed while still locked; a process that opened the old file before the removal
        // sees that it is gone once it gets the lock, and tries again with a new file.
        let _ = fs::remove_file(&self.path);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Takes the lock of the output folder `target`, refusing (bad input) when another process
/// holds it.
pub fn lock_target(target: &Path) -> Result<TargetLock, Error> {
    use std::io::{Read, Seek};
    if let Some(parent) = target.parent() {
        if !parent.as_os_str().is_empty() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
    }
    let path = hidden_sibling(target, "lock");
    loop {
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let mut owner = String::new();
                let _ = file.read_to_string(&mut owner);
                let owner = owner.trim();
                return Err(Error::BadInput(format!(
                    "{} is in use by another hothouse command ({}); wait for it to finish, or choose another --out",
                    target.display(),
                    if owner.is_empty() {
                        "its process is starting".to_string()
                    } else {
                        format!("process {owner}")
                    }
                )));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        if !same_file(&file, &path) {
            continue;
        }
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(pid.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::io(&path, e))?;
        return Ok(TargetLock { file, path });
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Earlier results set aside by a publish that did not finish (`.NAME.old-PID`).
fn set_aside(target: &Path) -> Vec<PathBuf> {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.old-");
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut found: Vec<PathBuf> = fs::read_dir(parent)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| target.with_file_name(e.file_name()))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Repairs what a publish stopped half-way left behind (call it holding the lock): when the
/// output folder is missing but earlier results were set aside as `.NAME.old-PID`, they are
/// put back; when the folder is there, set-aside results are removed. Returns what it did, as
/// warnings for the user.
pub fn recover(target: &Path) -> Result<Vec<String>, Error> {
    let mut notes = Vec::new();
    let mut old = set_aside(target);
    if old.is_empty() {
        return Ok(notes);
    }
    if fs::symlink_metadata(target).is_err() {
        let newest = old
            .iter()
            .max_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok())
            .cloned();
        if let Some(back) = newest {
            fs::rename(&back, target).map_err(|e| Error::io(&back, e))?;
            notes.push(format!(
                "restored {} from {}, where a run stopped while publishing had set it aside",
                target.display(),
                back.display()
            ));
            old.retain(|p| p != &back);
        }
    }
    for p in old {
        if let Err(e) = fs::remove_dir_all(&p) {
            notes.push(format!(
                "could not remove {}, earlier results that were replaced ({e}); remove it yourself",
                p.display()
            ));
        }
    }
    Ok(notes)
}

/// Swaps two paths in one step, so that each always names a complete folder. Linux only
/// (renameat2 with RENAME_EXCHANGE); elsewhere, or on a file system without it, `Err`.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Moves a finished folder into place (call it holding the lock). An existing target (allowed
/// by `--force`) is swapped with the new folder in one step where the system allows it
/// (otherwise moved aside first, and put back by [`recover`] if the process is stopped in
/// between), then removed: at every instant the target is either the old or the new results.
/// Returns warnings: results published, but the old ones could not be removed.
pub fn publish(finished: &Path, target: &Path) -> Result<Vec<String>, Error> {
    if let Some(parent) = target.parent() {
        if !parent.as_os_str().is_empty() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
    }
    if fs::symlink_metadata(target).is_err() {
        fs::rename(finished, target).map_err(|e| Error::io(target, e))?;
        return Ok(Vec::new());
    }
    let old = hidden_sibling(target, &format!("old-{}", std::process::id()));
    if exchange(finished, target).is_ok() {
        // `finished` now holds the previous results.
        if fs::rename(finished, &old).is_err() {
            return Ok(remove_old(finished));
        }
    } else {
        fs::rename(target, &old).map_err(|e| Error::io(target, e))?;
        if let Err(e) = fs::rename(finished, target) {
            let _ = fs::rename(&old, target);
            return Err(Error::io(target, e));
        }
    }
    Ok(remove_old(&old))
}

fn remove_old(old: &Path) -> Vec<String> {
    match fs::remove_dir_all(old) {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!(
            "the new results are in place, but the previous ones, now in {}, could not be removed ({e}); remove them yourself",
            old.display()
        )],
    }
}

/// Removes temporary files (`.NAME.tmp…`, `.NAME.PID-N.tmp.png`) that an interrupted command
/// left in an output folder (call it holding the lock, so that none is in use).
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp") && e.path().is_file() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// A writer that passes bytes through while computing their SHA-256 and counting lines, and
/// remembers the first write error (so that a failure names the file written, not the one read).
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: sha2::Sha256,
    lines: u64,
    bytes: u64,
    /// The first write error, kept to report it against the file written.
    pub failed: Option<std::io::Error>,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: sha2::Sha256::default(),
            lines: 0,
            bytes: 0,
            failed: None,
        }
    }

    /// Continues from `hasher`, which has already seen `bytes` bytes.
    pub fn with_hasher(inner: W, hasher: sha2::Sha256, bytes: u64) -> Self {
        Self {
            inner,
            hasher,
            lines: 0,
            bytes,
            failed: None,
        }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    pub fn into_inner(self) -> W {
        self.inner
    }

    pub fn into_hasher(self) -> sha2::Sha256 {
        self.hasher
    }

    /// The record of what went through: SHA-256, lines after the header, length.
    pub fn record(&self) -> FileRecord {
        use sha2::Digest;
        FileRecord {
            sha256: hex(&self.hasher.clone().finalize()),
            rows: self.lines.saturating_sub(1),
            bytes: self.bytes,
        }
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        match self.inner.write(buf) {
            Ok(n) => {
                self.hasher.update(&buf[..n]);
                self.lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                self.bytes += n as u64;
                Ok(n)
            }
            Err(e) => {
                self.failed
                    .get_or_insert_with(|| std::io::Error::new(e.kind(), e.to_string()));
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| {
            self.failed
                .get_or_insert_with(|| std::io::Error::new(e.kind(), e.to_string()));
        })
    }
}

/// Lower-case hexadecimal of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `manifest.json` records of each CSV file: its SHA-256, its rows (lines after the
/// header) and its length, so that `merge` can tell a damaged or edited shard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileRecord {
    pub sha256: String,
    pub rows: u64,
    pub bytes: u64,
}

/// The record of a file on disk (read whole, streaming).
pub fn file_record(path: &Path) -> std::io::Result<FileRecord> {
    let mut f = File::open(path)?;
    let mut w = HashingWriter::new(std::io::sink());
    std::io::copy(&mut f, &mut w)?;
    Ok(w.record())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_far_from_one_are_written_in_scientific_notation() {
        assert_eq!(sci(1.5e-200), "1.5e-200");
        assert_eq!(sci(0.00012), "0.00012");
        assert_eq!(sci(0.0000123), "1.23e-5");
        assert_eq!(sci(0.0), "0");
        assert_eq!(sci(1.0), "1");
        assert_eq!(sci(475.18), "475.18");
        assert_eq!(sci(2.5e20), "2.5e20");
        for x in [1.5e-200, 1.23e-5, 2.5e20, f64::MIN_POSITIVE] {
            assert_eq!(sci(x).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn zero_reads_in_words_where_the_registry_gives_it_a_meaning() {
        let zero = ParamValue::Int(0);
        let words = |p: &str| special_meaning(p, &zero);
        assert_eq!(words("host.commitment").as_deref(), Some("open-ended"));
        assert_eq!(words("core_idea.half_life").as_deref(), Some("never fades"));
        assert_eq!(words("host.investment").as_deref(), Some("no host"));
        assert_eq!(
            words("community.critical_mass").as_deref(),
            Some("disabled")
        );
        assert_eq!(words("benefit.decay"), None);
        assert_eq!(
            special_meaning("host.commitment", &ParamValue::Int(13)),
            None
        );
    }
}
