//! `hothouse merge` of a sharded study: the folders written by `hothouse sensitivity --shard K/N`
//! joined into the folder of the whole study. The design is computed again from the scenario the
//! parts recorded, each point's outputs are read back from the parts' `design.csv` (numbers are
//! written in their shortest exact form, so they read back exactly), and the whole study's
//! `design.csv`, `indices.csv` and picture are written as an unsharded run writes them:
//! byte-identical CSV files.

use super::config::{Output, read_study};
use super::study::{
    DESIGN_CSV, Design, PointResult, Provenance, Report, design_header, point_values,
    publish_study, unit_design,
};
use crate::error::Error;
use crate::manifest::Shard;
use crate::output;
use crate::scenario::Scenario;
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// What a part's `manifest.json` says about it (the fields merging needs).
#[derive(Debug, Deserialize)]
struct PartManifest {
    command: String,
    version: String,
    scenario_path: String,
    scenario_text: String,
    seed: u64,
    trials: u64,
    steps: u32,
    threads: usize,
    shard: Option<Shard>,
    points: usize,
    points_in_this_folder: (usize, usize),
    agent_steps: u64,
}

fn bad(msg: String) -> Error {
    Error::BadInput(msg)
}

/// Whether `dir` was written by `hothouse sensitivity` (its manifest says so).
pub fn is_study_folder(dir: &Path) -> bool {
    fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_slice::<serde_json::Value>(&t).ok())
        .is_some_and(|m| m["command"] == "sensitivity")
}

/// Joins the parts of a sharded study (`dirs`, in any order) into `target`.
pub fn merge(dirs: &[PathBuf], target: &Path, force: bool, plots: bool) -> Result<Report, Error> {
    let (started, clock) = (SystemTime::now(), Instant::now());
    crate::merge::check_not_an_input(dirs, target)?;
    let (_lock, _notes) = output::claim_target(target, force)?;
    let parts = read_parts(dirs)?;
    let first = &parts[0].1;
    let scenario = Scenario::parse(&first.scenario_path, &first.scenario_text)?
        .with_overrides(
            Some(first.trials),
            Some(first.seed),
            Some(u64::from(first.steps)),
        )
        .map_err(bad)?;
    let study =
        read_study(&first.scenario_path, &first.scenario_text, &scenario)?.ok_or_else(|| {
            bad(format!(
                "{}: the recorded scenario has no [sensitivity] table",
                parts[0].0.display()
            ))
        })?;
    let unit = unit_design(&study, scenario.seed);
    let values = point_values(&study.factors, &unit);
    let mut results = Vec::with_capacity(values.len());
    for (dir, m) in &parts {
        let range = m
            .shard
            .map(|s| s.trial_range(values.len() as u64))
            .map(|(a, b)| (a as usize, b as usize));
        if m.points != values.len() || range != Some(m.points_in_this_folder) {
            return Err(bad(format!(
                "{}: manifest.json records points {:?} of {}, but this version of hothouse computes a design of {} points with {:?} in this part; merge with the version that ran the parts",
                dir.display(),
                m.points_in_this_folder,
                m.points,
                values.len(),
                range
            )));
        }
        results.extend(read_design(
            dir,
            &design_header(&study),
            m.points_in_this_folder,
        )?);
    }
    let prov = Provenance {
        command: "merge",
        scenario_path: &first.scenario_path,
        scenario_text: &first.scenario_text,
        threads: parts.iter().map(|(_, m)| m.threads).max().unwrap_or(1),
        shard: None,
        merged_from: parts.iter().map(|(d, _)| d.display().to_string()).collect(),
        started,
        clock,
        trials_run: 0,
        agent_steps: parts.iter().map(|(_, m)| m.agent_steps).sum(),
    };
    let staging = output::staging_dir(target);
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    let design = Design {
        study: &study,
        unit: &unit,
        values: &values,
    };
    let report = publish_study(&scenario, &design, (0, &results), &prov, plots, target);
    if report.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    report
}

/// The parts' manifests, checked to be every part of one study once, in part order.
fn read_parts(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, PartManifest)>, Error> {
    let mut parts = Vec::with_capacity(dirs.len());
    for d in dirs {
        let path = d.join("manifest.json");
        let text = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let m: PartManifest = serde_json::from_slice(&text).map_err(|e| {
            bad(format!(
                "{}: not the manifest of a part of a sensitivity study ({e})",
                path.display()
            ))
        })?;
        if m.command != "sensitivity" || m.shard.is_none() {
            return Err(bad(format!(
                "{} is not a part of a sharded study (written by `hothouse sensitivity --shard K/N`); merge does not mix it with others",
                d.display()
            )));
        }
        parts.push((d.clone(), m));
    }
    let (first_dir, first) = &parts[0];
    for (d, m) in &parts[1..] {
        let same = m.version == first.version
            && m.scenario_text == first.scenario_text
            && (m.seed, m.trials, m.steps) == (first.seed, first.trials, first.steps)
            && m.shard.map(|s| s.count) == first.shard.map(|s| s.count);
        if !same {
            return Err(bad(format!(
                "{} and {} are not parts of the same study (version, scenario, seed, trials, steps or number of parts differ)",
                d.display(),
                first_dir.display()
            )));
        }
    }
    let count = first.shard.map_or(1, |s| s.count);
    parts.sort_by_key(|(_, m)| m.shard.map_or(0, |s| s.index));
    let have: Vec<u64> = parts
        .iter()
        .filter_map(|(_, m)| m.shard)
        .map(|s| s.index)
        .collect();
    if have != (1..=count).collect::<Vec<u64>>() {
        return Err(bad(format!(
            "the study has {count} parts, and these folders are parts {have:?}; give every part once"
        )));
    }
    Ok(parts)
}

/// The outputs of points `range` from a part's `design.csv`, whose columns must be `header`.
fn read_design(
    dir: &Path,
    header: &[&str],
    range: (usize, usize),
) -> Result<Vec<PointResult>, Error> {
    let path = dir.join(DESIGN_CSV);
    let mut reader = csv::Reader::from_path(&path).map_err(|e| Error::csv(&path, e))?;
    let found = reader.headers().map_err(|e| Error::csv(&path, e))?.clone();
    if found.iter().ne(header.iter().copied()) {
        return Err(bad(format!(
            "{}: the columns are not those of this study's design ({})",
            path.display(),
            header.join(",")
        )));
    }
    let damaged = |what: &str| {
        bad(format!(
            "{}: {what}; it was changed after the run",
            path.display()
        ))
    };
    let outputs_at = header.len() - Output::ALL.len();
    let mut results = Vec::with_capacity(range.1 - range.0);
    for (i, record) in (range.0..).zip(reader.records()) {
        let record = record.map_err(|e| Error::csv(&path, e))?;
        if record.get(0) != Some(i.to_string().as_str()) {
            return Err(damaged(&format!(
                "row {} is not design point {i}",
                i - range.0 + 1
            )));
        }
        let int = |k: usize| record.get(k).and_then(|s| s.parse::<u64>().ok());
        // the outputs, in the order of `Output::ALL`
        let out = |o: usize| match record.get(outputs_at + o) {
            Some("") => Some(f64::NAN),
            Some(s) => s.parse::<f64>().ok(),
            None => None,
        };
        let (Some(trials), Some(graduated), Some(p), Some(rmst), Some(median), Some(outlay)) = (
            int(outputs_at - 2),
            int(outputs_at - 1),
            out(0),
            out(1),
            out(2),
            out(3),
        ) else {
            return Err(damaged(&format!(
                "design point {i} has a field that is not a number"
            )));
        };
        results.push(PointResult {
            trials,
            graduated,
            agent_steps: 0,
            p_graduate: p,
            rmst,
            median_weeks_to_graduate: median,
            host_outlay_per_graduate: outlay,
        });
    }
    if results.len() != range.1 - range.0 {
        return Err(damaged(&format!(
            "it has {} design points, not the {} of points {}..{}",
            results.len(),
            range.1 - range.0,
            range.0,
            range.1
        )));
    }
    Ok(results)
}
