//! `hothouse merge`: joins the output folders of the shards of one run into the output of the
//! whole run, byte-identical (CSV files) to running it unsharded.

use crate::columnar::TrialsFormat;
use crate::error::Error;
use crate::manifest::Manifest;
use crate::output;
use crate::scenario::{Scenario, Variant};
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
    let damaged = |e: csv::Error| bad(format!("{}: damaged ({e})", path.display()));
    let mut rdr = csv::Reader::from_path(&path).map_err(damaged)?;
    let headers = rdr.headers().map_err(damaged)?.clone();
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
        let rec = rec.map_err(damaged)?;
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
    check_not_an_input(dirs, target)?;
    let (_lock, mut notes) = output::claim_target(target, force)?;
    let shards = check_shards(dirs)?;
    let scenario = shards_scenario(&shards[0].1)?;
    let variants = scenario.variants();
    let sums = add_up_shards(&shards, variants.len(), scenario.steps)?;
    let manifest = merged_manifest(&shards, &scenario, &variants, sums.agent_steps);
    let staging = output::staging_dir(target);
    let stage = Stage {
        shards: &shards,
        sums: &sums,
        scenario: &scenario,
        variants: &variants,
        staging: &staging,
    };
    let mut report = match stage.assemble(manifest, started, clock, plots, &mut notes) {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    report.warnings.extend(notes);
    report
        .warnings
        .extend(output::publish(&staging.join("result"), target)?);
    let _ = fs::remove_dir_all(&staging);
    report.out = target.to_path_buf();
    Ok(report)
}

/// The scenario the shards ran: their common scenario file, with the trials, seed and steps
/// of their manifests.
fn shards_scenario(first: &Manifest) -> Result<Scenario, Error> {
    Scenario::parse(&first.scenario_path, &first.scenario_text)?
        .with_overrides(
            Some(first.trials),
            Some(first.seed),
            Some(u64::from(first.steps)),
        )
        .map_err(bad)
}

/// What the shards add up to: each variant's outcome counts and host totals, the agent-steps
/// run, and each shard's trial range.
struct ShardSums {
    counts: Vec<OutcomeCounts>,
    totals: Vec<HostTotals>,
    agent_steps: u64,
    ranges: Vec<(u64, u64)>,
}

/// Checks every shard against its manifest ([`verify_shard`]) and adds up their outcome counts
/// (from `survival.csv`, which must count the shard's trials) and host totals (from
/// `manifest.json`).
fn add_up_shards(
    shards: &[(PathBuf, Manifest)],
    variants: usize,
    steps: u32,
) -> Result<ShardSums, Error> {
    let mut sums = ShardSums {
        counts: vec![OutcomeCounts::new(steps); variants],
        totals: vec![HostTotals::default(); variants],
        agent_steps: 0,
        ranges: Vec::with_capacity(shards.len()),
    };
    for (dir, m) in shards {
        let range = verify_shard(dir, m, variants)?;
        sums.ranges.push(range);
        if m.host_totals.len() != variants {
            return Err(bad(format!(
                "{}: manifest.json has host totals for {} variants, not {}; was it written by this version of hothouse?",
                dir.display(),
                m.host_totals.len(),
                variants
            )));
        }
        for (total, part) in sums.totals.iter_mut().zip(&m.host_totals) {
            total.merge(part);
        }
        for (v, (total, c)) in sums
            .counts
            .iter_mut()
            .zip(read_counts(dir, variants, steps)?)
            .enumerate()
        {
            if c.trials() != range.1 - range.0 {
                return Err(bad(format!(
                    "shard {}: survival.csv counts {} trials of variant {v}, but the shard ran trials {}..{} ({}); it was changed after the run",
                    dir.display(),
                    c.trials(),
                    range.0,
                    range.1,
                    range.1 - range.0
                )));
            }
            total.merge(&c);
        }
        sums.agent_steps += m.agent_steps;
    }
    Ok(sums)
}

/// The merged run's manifest: the first shard's scenario and settings, the most threads any
/// shard used, the agent-steps of all, and the folders merged.
fn merged_manifest(
    shards: &[(PathBuf, Manifest)],
    scenario: &Scenario,
    variants: &[Variant],
    agent_steps: u64,
) -> Manifest {
    let first = &shards[0].1;
    let mut manifest = Manifest::new(
        "merge",
        scenario,
        &first.scenario_path,
        &first.scenario_text,
        variants,
    );
    manifest.threads = shards.iter().map(|(_, m)| m.threads).max().unwrap_or(1);
    manifest.agent_steps = agent_steps;
    manifest.trials_csv = first.trials_csv;
    manifest.trials_format = first.trials_format;
    manifest.merged_from = shards
        .iter()
        .map(|(d, _)| d.display().to_string())
        .collect();
    manifest
}

/// The merged run, ready to be written in `staging` (its `result` folder is published).
struct Stage<'a> {
    shards: &'a [(PathBuf, Manifest)],
    sums: &'a ShardSums,
    scenario: &'a Scenario,
    variants: &'a [Variant],
    staging: &'a Path,
}

impl Stage<'_> {
    /// Writes the merged run's files into `staging/result` as a run writes its own: the
    /// shards' weekly statistics added up ([`merge_weekly`], noted in `notes` when the shards
    /// have none) and their trials interleaved in run order ([`interleave_trials`]).
    fn assemble(
        &self,
        manifest: Manifest,
        started: SystemTime,
        clock: Instant,
        plots: bool,
        notes: &mut Vec<String>,
    ) -> Result<RunReport, Error> {
        let (shards, sums, scenario) = (self.shards, self.sums, self.scenario);
        let first = &shards[0].1;
        let weekly = merge_weekly(
            shards,
            &sums.ranges,
            self.staging,
            scenario.steps,
            self.variants.len(),
        )?;
        if weekly.is_none() {
            notes.push(
                "the shards were written without weekly statistics (by an older hothouse), so there is no weekly.csv"
                    .to_string(),
            );
        }
        let shard_dirs: Vec<PathBuf> = shards.iter().map(|(d, _)| d.clone()).collect();
        let n_variants = self.variants.len();
        simulation::assemble(
            &self.staging.join("result"),
            scenario,
            self.variants,
            &sums.counts,
            &sums.totals,
            weekly.as_ref(),
            first.trials_csv.then_some(|w: &mut dyn Write| {
                interleave_trials(
                    &shard_dirs,
                    &sums.ranges,
                    n_variants,
                    first.trials_format,
                    w,
                )
            }),
            manifest,
            started,
            clock,
            0,
            plots,
        )
    }
}

/// Adds up the shards' weekly accumulators ([`crate::weekly::STATE_FILE`], checked against
/// their manifests by [`verify_shard`]) variant by variant, staging `weekly.csv`'s rows in
/// `staging`. `None` when no shard has them (shards of an older version); an error when only
/// some have.
fn merge_weekly(
    shards: &[(PathBuf, Manifest)],
    ranges: &[(u64, u64)],
    staging: &Path,
    steps: u32,
    variants: usize,
) -> Result<Option<simulation::WeeklyParts>, Error> {
    use std::io::BufRead;
    let name = crate::weekly::STATE_FILE;
    let with = shards
        .iter()
        .filter(|(_, m)| m.files.contains_key(name))
        .count();
    if with == 0 {
        return Ok(None);
    }
    if let Some((d, _)) = shards.iter().find(|(_, m)| !m.files.contains_key(name)) {
        return Err(bad(format!(
            "shard {}: has no {name}, unlike the other shards; run that shard again",
            d.display()
        )));
    }
    let mut readers = Vec::new();
    for (d, _) in shards {
        let path = d.join(name);
        let file = fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        readers.push((path, std::io::BufReader::new(file).lines()));
    }
    let folder = staging.join("variants");
    fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let mut parts = simulation::WeeklyParts::default();
    for v in 0..variants {
        let mut total = crate::weekly::Weekly::new(steps);
        for ((path, lines), range) in readers.iter_mut().zip(ranges) {
            let path: &Path = path;
            let damaged = |why: String| bad(format!("{}: {why}", path.display()));
            let line = lines
                .next()
                .transpose()
                .map_err(|e| Error::io(&*path, e))?
                .ok_or_else(|| damaged(format!("ends before variant {v}")))?;
            let part: crate::weekly::StateLine = serde_json::from_str(&line)
                .map_err(|e| damaged(format!("damaged at variant {v} ({e})")))?;
            if part.variant != v {
                return Err(damaged(format!(
                    "has variant {} where variant {v} belongs",
                    part.variant
                )));
            }
            part.weekly
                .check(steps, range.1 - range.0)
                .and_then(|()| total.merge(&part.weekly))
                .map_err(|e| damaged(format!("variant {v}: {e}")))?;
        }
        parts.stage(staging, v, &total, false)?;
    }
    Ok(Some(parts))
}

/// Refuses an `--out` that is, or contains, one of the input folders: replacing it would destroy
/// the input.
pub(crate) fn check_not_an_input(dirs: &[PathBuf], target: &Path) -> Result<(), Error> {
    let resolved = match fs::canonicalize(target) {
        Ok(t) => t,
        Err(_) => {
            let Some(name) = target.file_name() else {
                return Ok(());
            };
            let parent = match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            match fs::canonicalize(parent) {
                Ok(p) => p.join(name),
                Err(_) => return Ok(()),
            }
        }
    };
    for d in dirs {
        if let Ok(input) = fs::canonicalize(d) {
            if input.starts_with(&resolved) {
                return Err(Error::Usage(format!(
                    "--out {} {} the input shard {}; merging into it would destroy that shard: choose another --out",
                    target.display(),
                    if input == resolved { "is" } else { "holds" },
                    d.display()
                )));
            }
        }
    }
    Ok(())
}

/// The CSV files a shard must have, with the records `manifest.json` keeps of them.
fn shard_files(m: &Manifest) -> Vec<&'static str> {
    let mut names = vec!["variants.csv", "survival.csv", "summary.csv", "logrank.csv"];
    if m.files.contains_key(crate::weekly::STATE_FILE) {
        names.push(crate::weekly::STATE_FILE);
    }
    if m.trials_csv {
        names.push(m.trials_format.file_name());
    }
    names
}

/// Checks a shard against its manifest before anything is merged: its trial range is the one
/// its shard number gives, and each CSV file (but `trials.csv`, checked as it is read) and
/// `trials.parquet` has the SHA-256 and rows recorded. Returns the shard's trial range.
fn verify_shard(dir: &Path, m: &Manifest, variants: usize) -> Result<(u64, u64), Error> {
    let shard = m
        .shard
        .ok_or_else(|| bad(format!("{} is not a shard", dir.display())))?;
    let range = shard.trial_range(m.trials);
    if m.trial_range != range {
        return Err(bad(format!(
            "shard {}: manifest.json says trials {}..{}, but shard {}/{} of {} trials is {}..{}; it was changed after the run",
            dir.display(),
            m.trial_range.0,
            m.trial_range.1,
            shard.index,
            shard.count,
            m.trials,
            range.0,
            range.1
        )));
    }
    for name in shard_files(m) {
        let path = dir.join(name);
        let Some(recorded) = m.files.get(name) else {
            return Err(bad(format!(
                "shard {}: manifest.json has no checksum of {name}; was it written by this version of hothouse? Run the shard again",
                dir.display()
            )));
        };
        let trials = name == m.trials_format.file_name();
        if trials {
            let expected = (range.1 - range.0) * variants as u64;
            if recorded.rows != expected {
                return Err(bad(format!(
                    "shard {}: manifest.json records {} rows of {name}, but {variants} variants x {} trials make {expected}",
                    dir.display(),
                    recorded.rows,
                    range.1 - range.0
                )));
            }
            if !path.is_file() {
                return Err(bad(format!("shard {}: {name} is missing", dir.display())));
            }
            // trials.csv is checked as it is read; trials.parquet is read out of order, so its
            // SHA-256 is checked here, before anything uses it.
            if m.trials_format == TrialsFormat::Csv {
                continue;
            }
        }
        let found = match output::file_record(&path) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(bad(format!("shard {}: {name} is missing", dir.display())));
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let found = if trials {
            output::FileRecord {
                rows: recorded.rows,
                ..found
            }
        } else {
            found
        };
        if &found != recorded {
            return Err(bad(format!(
                "shard {}: {name} does not match the checksum and rows in its manifest.json ({} rows found, {} recorded); it was changed or damaged after the run",
                dir.display(),
                found.rows,
                recorded.rows
            )));
        }
    }
    Ok(range)
}

/// A reader that hashes what it reads.
struct Tee<R> {
    inner: R,
    seen: output::HashingWriter<std::io::Sink>,
}

impl<R: std::io::Read> std::io::Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// The rows of one shard's trials file, hashed as they are read.
type TrialRows = csv::ByteRecordsIntoIter<Tee<Box<dyn std::io::Read>>>;

/// Writes the shards' trial rows in run order: variant by variant, and within a variant shard by
/// shard (each shard holds the contiguous block of trials `ranges[i]`, each exactly once and in
/// order). Streams; each shard's `trials.csv` must match the checksum in its manifest (a
/// `trials.parquet` was checked before, by [`verify_shard`]).
fn interleave_trials(
    dirs: &[PathBuf],
    ranges: &[(u64, u64)],
    variants: usize,
    format: TrialsFormat,
    w: &mut dyn Write,
) -> Result<(), Error> {
    let name = format.file_name();
    let mut readers = Vec::new();
    for d in dirs {
        readers.push((d, open_trials(d, format)?));
    }
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    for v in 0..variants {
        let tag = v.to_string();
        for ((dir, records), range) in readers.iter_mut().zip(ranges) {
            for trial in range.0..range.1 {
                let rec = next_trial(dir, name, records, (v, &tag), trial, *range)?;
                out.write_byte_record(&rec)
                    .map_err(|e| Error::csv(dir.join(name), e))?;
            }
        }
    }
    for (dir, records) in readers {
        check_trials_end(dir, name, records, variants, format)?;
    }
    out.flush()
        .map_err(|e| Error::io(Path::new("trials.csv"), e))?;
    Ok(())
}

/// Opens a shard's trials file as rows, hashing what is read.
fn open_trials(d: &Path, format: TrialsFormat) -> Result<TrialRows, Error> {
    let inner: Box<dyn std::io::Read> = match format {
        TrialsFormat::Csv => {
            let path = d.join("trials.csv");
            let file = fs::File::open(&path).map_err(|e| {
                bad(format!(
                    "shard {}: trials.csv cannot be read ({e})",
                    d.display()
                ))
            })?;
            Box::new(std::io::BufReader::new(file))
        }
        // Checked against its manifest's SHA-256 by `verify_shard` before this.
        TrialsFormat::Parquet => crate::columnar::parquet_rows(&d.join(format.file_name()))?,
    };
    let tee = Tee {
        inner,
        seen: output::HashingWriter::new(std::io::sink()),
    };
    Ok(csv::Reader::from_reader(tee).into_byte_records())
}

/// The next row of a shard's trials file, which must be trial `trial` of variant `v` (`tag`
/// is `v` as text).
fn next_trial(
    dir: &Path,
    name: &str,
    records: &mut TrialRows,
    (v, tag): (usize, &str),
    trial: u64,
    range: (u64, u64),
) -> Result<csv::ByteRecord, Error> {
    let rec = records
        .next()
        .transpose()
        .map_err(|e| bad(format!("shard {}: {name} is damaged ({e})", dir.display())))?;
    let Some(rec) = rec else {
        return Err(bad(format!(
            "shard {}: {name} ends before trial {trial} of variant {v}",
            dir.display()
        )));
    };
    if rec.get(0) != Some(tag.as_bytes()) || rec.get(1) != Some(trial.to_string().as_bytes()) {
        return Err(bad(format!(
            "shard {}: {name} has variant {}, trial {} where variant {v}, trial {trial} belongs (the shard's trials are {}..{})",
            dir.display(),
            String::from_utf8_lossy(rec.get(0).unwrap_or_default()),
            String::from_utf8_lossy(rec.get(1).unwrap_or_default()),
            range.0,
            range.1
        )));
    }
    Ok(rec)
}

/// Checks that a shard's trials file ends after its last trial and (`trials.csv`) matches the
/// checksum in its manifest.
fn check_trials_end(
    dir: &Path,
    name: &str,
    mut records: TrialRows,
    variants: usize,
    format: TrialsFormat,
) -> Result<(), Error> {
    if records.next().is_some() {
        return Err(bad(format!(
            "shard {}: {name} has more rows than its {variants} variants x trials",
            dir.display()
        )));
    }
    if format == TrialsFormat::Parquet {
        return Ok(());
    }
    let m = Manifest::read(dir)?;
    let found = records.into_reader().into_inner().seen.record();
    if m.files.get("trials.csv") != Some(&found) {
        return Err(bad(format!(
            "shard {}: trials.csv does not match the checksum in its manifest.json; it was changed or damaged after the run",
            dir.display()
        )));
    }
    Ok(())
}
