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

/// Formats a number for CSV: the shortest text that reads back as the same f64.
pub fn num(x: f64) -> String {
    debug_assert!(!x.is_nan(), "NaN reached an output file");
    format!("{x}")
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
    let path = dir.join("survival.csv");
    let mut w = create_csv(&path, SURVIVAL_COLUMNS)?;
    for (variant, c) in counts.iter().enumerate() {
        for row in statistics::survival_table(c) {
            let rec = [
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
            ];
            w.write_record(&rec).map_err(|e| Error::csv(&path, e))?;
        }
    }
    finish_csv(&path, w)
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
        w.write_record(&rec).map_err(|e| Error::csv(&path, e))?;
    }
    finish_csv(&path, w)
}

/// The log-rank tests of `logrank.csv`: variant 0 against each other variant, then the
/// k-sample test across all variants (`variant_b = all`). Empty with a single variant.
pub fn logrank_rows(counts: &[OutcomeCounts]) -> Vec<(String, String, statistics::LogRank)> {
    let mut rows = Vec::new();
    if counts.len() < 2 {
        return rows;
    }
    for (b, c) in counts.iter().enumerate().skip(1) {
        rows.push((
            "0".to_string(),
            b.to_string(),
            statistics::logrank(&[&counts[0], c]),
        ));
    }
    let all: Vec<&OutcomeCounts> = counts.iter().collect();
    rows.push((
        "0".to_string(),
        "all".to_string(),
        statistics::logrank(&all),
    ));
    rows
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
            num(t.chi2),
            t.df.to_string(),
            num(t.p_value),
        ])
        .map_err(|e| Error::csv(&path, e))?;
    }
    finish_csv(&path, w)
}

/// Writes a whole file atomically: into a temporary file beside it, then renamed into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
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

/// Refuses to run into an existing folder unless `force` is given.
pub fn check_target(target: &Path, force: bool) -> Result<(), Error> {
    if target.exists() && !force {
        return Err(Error::OutputExists(target.to_path_buf()));
    }
    if target.exists() && !target.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a folder; choose another --out",
            target.display()
        )));
    }
    Ok(())
}

/// Moves a finished folder into place. An existing target (allowed by `--force`) is first moved
/// aside and removed only after the new folder is in place, so results are never lost.
pub fn publish(finished: &Path, target: &Path) -> Result<(), Error> {
    if let Some(parent) = target.parent() {
        if !parent.as_os_str().is_empty() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
    }
    if target.exists() {
        let old = target.with_file_name(format!(
            ".{}.old-{}",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        fs::rename(target, &old).map_err(|e| Error::io(target, e))?;
        if let Err(e) = fs::rename(finished, target) {
            let _ = fs::rename(&old, target);
            return Err(Error::io(target, e));
        }
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        fs::rename(finished, target).map_err(|e| Error::io(target, e))?;
    }
    Ok(())
}
