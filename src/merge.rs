//! `hothouse merge`: joins the output folders of the shards of one run into the output of the
//! whole run, byte-identical (CSV files) to running it unsharded.

use crate::error::Error;
use crate::manifest::Manifest;
use crate::output;
use crate::scenario::Scenario;
use crate::simulation::{self, RunReport};
use crate::statistics::OutcomeCounts;
use crate::totals::HostTotals;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

fn bad(msg: String) -> Error {
    Error::BadInput(msg)
}

/// Checks that `shards` are all the shards of one run, and returns them in shard order.
pub fn check_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, Manifest)>, Error> {
    if dirs.is_empty() {
        return Err(Error::Usage("merge needs at least one shard folder".into()));
    }
    let mut shards = Vec::new();
    for d in dirs {
        let m = Manifest::read(d)?;
        if m.shard.is_none() {
            return Err(bad(format!(
                "{} is not a shard (it was run without --shard); merge joins the folders of `hothouse run --shard K/N`",
                d.display()
            )));
        }
        shards.push((d.clone(), m));
    }
    let (first_dir, first) = &shards[0];
    for (d, m) in &shards[1..] {
        let mismatch = if m.version != first.version {
            Some(format!(
                "hothouse version {} against {}",
                m.version, first.version
            ))
        } else if m.scenario_text != first.scenario_text {
            Some("a different scenario file".to_string())
        } else if m.seed != first.seed {
            Some(format!("seed {} against {}", m.seed, first.seed))
        } else if m.trials != first.trials || m.steps != first.steps {
            Some(format!(
                "trials/steps {}/{} against {}/{}",
                m.trials, m.steps, first.trials, first.steps
            ))
        } else if m.shard.map(|s| s.count) != first.shard.map(|s| s.count) {
            Some("a different number of shards".to_string())
        } else if m.trials_csv != first.trials_csv {
            Some("trials.csv present in one and not the other (--no-trials)".to_string())
        } else if m.trials_format != first.trials_format {
            Some("trials.csv in one and trials.parquet in the other (--format)".to_string())
        } else {
            None
        };
        if let Some(what) = mismatch {
            return Err(bad(format!(
                "{} and {} are not shards of the same run: {what}",
                d.display(),
                first_dir.display()
            )));
        }
    }
    let count = first.shard.map(|s| s.count).unwrap_or(1);
    shards.sort_by_key(|(_, m)| m.shard.map(|s| s.index).unwrap_or(0));
    for w in shards.windows(2) {
        if w[0].1.shard == w[1].1.shard {
            return Err(bad(format!(
                "{} and {} are both shard {}/{count}; give each shard once",
                w[0].0.display(),
                w[1].0.display(),
                w[0].1.shard.map(|s| s.index).unwrap_or(0)
            )));
        }
    }
    let have: Vec<u64> = shards
        .iter()
        .filter_map(|(_, m)| m.shard.map(|s| s.index))
        .collect();
    let missing: Vec<String> = (1..=count)
        .filter(|k| !have.contains(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "shard{} {} {} missing; merge needs all {count} shards",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )));
    }
    Ok(shards)
}

/// Reads the outcome counts of every variant from a folder's `survival.csv`.
pub fn read_counts(dir: &Path, variants: usize, steps: u32) -> Result<Vec<OutcomeCounts>, Error> {
    let path = dir.join("survival.csv");
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| Error::csv(&path, e))?;
    let headers = rdr.headers().map_err(|e| Error::csv(&path, e))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("{}: no column `{name}`", path.display())))
    };
    let (cv, ct, cf, cg, cc) = (
        col("variant")?,
        col("time")?,
        col("fizzled")?,
        col("graduated")?,
        col("censored")?,
    );
    let mut counts = vec![OutcomeCounts::new(steps); variants];
    let mut rows = 0usize;
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::csv(&path, e))?;
        let field = |i: usize| -> Result<u64, Error> {
            rec.get(i).and_then(|s| s.parse().ok()).ok_or_else(|| {
                bad(format!(
                    "{}: row {}: `{}` is not a whole number",
                    path.display(),
                    line + 2,
                    rec.get(i).unwrap_or("")
                ))
            })
        };
        let (v, t) = (field(cv)? as usize, field(ct)? as usize);
        if v >= variants || t > steps as usize {
            return Err(bad(format!(
                "{}: row {}: variant {v} or time {t} is outside the run's {variants} variants and {steps} steps",
                path.display(),
                line + 2
            )));
        }
        counts[v].fizzled[t] += field(cf)?;
        counts[v].graduated[t] += field(cg)?;
        counts[v].censored[t] += field(cc)?;
        rows += 1;
    }
    if rows != variants * (steps as usize + 1) {
        return Err(bad(format!(
            "{}: has {rows} rows; a run of {variants} variants and {steps} steps has {}",
            path.display(),
            variants * (steps as usize + 1)
        )));
    }
    Ok(counts)
}

/// Merges shard folders into `target`.
pub fn merge(
    dirs: &[PathBuf],
    target: &Path,
    force: bool,
    plots: bool,
) -> Result<RunReport, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    output::check_target(target, force)?;
    let shards = check_shards(dirs)?;
    let first = &shards[0].1;
    let scenario = Scenario::parse(&first.scenario_path, &first.scenario_text)?
        .with_overrides(
            Some(first.trials),
            Some(first.seed),
            Some(u64::from(first.steps)),
        )
        .map_err(bad)?;
    let variants = scenario.variants();
    let mut counts = vec![OutcomeCounts::new(scenario.steps); variants.len()];
    let mut totals = vec![HostTotals::default(); variants.len()];
    let mut agent_steps = 0;
    for (dir, m) in &shards {
        if m.host_totals.len() != variants.len() {
            return Err(bad(format!(
                "{}: manifest.json has host totals for {} variants, not {}; was it written by this version of hothouse?",
                dir.display(),
                m.host_totals.len(),
                variants.len()
            )));
        }
        for (total, part) in totals.iter_mut().zip(&m.host_totals) {
            total.merge(part);
        }
        for (total, c) in counts
            .iter_mut()
            .zip(read_counts(dir, variants.len(), scenario.steps)?)
        {
            total.merge(&c);
        }
        agent_steps += m.agent_steps;
    }
    let mut manifest = Manifest::new(
        "merge",
        &scenario,
        &first.scenario_path,
        &first.scenario_text,
        &variants,
    );
    manifest.threads = shards.iter().map(|(_, m)| m.threads).max().unwrap_or(1);
    manifest.agent_steps = agent_steps;
    manifest.trials_csv = first.trials_csv;
    manifest.trials_format = first.trials_format;
    manifest.merged_from = shards
        .iter()
        .map(|(d, _)| d.display().to_string())
        .collect();

    let staging = output::staging_dir(target);
    let result = staging.join("result");
    let shard_dirs: Vec<PathBuf> = shards.iter().map(|(d, _)| d.clone()).collect();
    let n_variants = variants.len();
    let report = simulation::assemble(
        &result,
        &scenario,
        &variants,
        &counts,
        &totals,
        first
            .trials_csv
            .then_some(|w: &mut dyn Write| interleave_trials(&shard_dirs, n_variants, w)),
        manifest,
        started,
        clock,
        0,
        plots,
    );
    let mut report = match report {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    output::publish(&result, target)?;
    let _ = fs::remove_dir_all(&staging);
    report.out = target.to_path_buf();
    Ok(report)
}

/// Writes the shards' trial rows in run order: variant by variant, and within a variant shard by
/// shard (each shard holds a contiguous block of trials). Streams; holds one row per shard.
fn interleave_trials(dirs: &[PathBuf], variants: usize, w: &mut dyn Write) -> Result<(), Error> {
    let mut readers = Vec::new();
    for d in dirs {
        let (path, rows) = crate::columnar::trial_rows(d)?;
        let rdr = csv::Reader::from_reader(rows);
        readers.push((path, rdr.into_byte_records(), None::<csv::ByteRecord>));
    }
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    for v in 0..variants {
        let tag = v.to_string();
        for (path, records, peeked) in readers.iter_mut() {
            loop {
                if peeked.is_none() {
                    *peeked = records
                        .next()
                        .transpose()
                        .map_err(|e| Error::csv(&*path, e))?;
                }
                match peeked {
                    Some(rec) if rec.get(0) == Some(tag.as_bytes()) => {
                        out.write_byte_record(rec)
                            .map_err(|e| Error::csv(&*path, e))?;
                        *peeked = None;
                    }
                    _ => break,
                }
            }
        }
    }
    for (path, records, peeked) in readers.iter_mut() {
        if peeked.is_some() || records.next().is_some() {
            return Err(bad(format!(
                "{}: has rows out of variant order or of unknown variants",
                path.display()
            )));
        }
    }
    out.flush().map_err(|e| bad(e.to_string()))?;
    Ok(())
}
