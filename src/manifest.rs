//! `manifest.json`: what was run, with what, by which version, and how fast.

use crate::error::Error;
use crate::parameters::ParamValue;
use crate::scenario::{Scenario, Variant};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

/// A shard of a run: `index` of `count`, 1-based, as given by `--shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let err =
            || format!("--shard {s}: expected K/N with whole numbers 1 <= K <= N, such as 2/8");
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let index: u64 = k.trim().parse().map_err(|_| err())?;
        let count: u64 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || count == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    /// The trials of this shard: a contiguous block `[lo, hi)` of `0..trials`.
    pub fn trial_range(&self, trials: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(k) * u128::from(trials) / u128::from(self.count)) as u64;
        (at(self.index - 1), at(self.index))
    }
}

/// One variant in the manifest: its index and swept values by path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantEntry {
    pub variant: usize,
    pub values: BTreeMap<String, serde_json::Value>,
}

/// The manifest of an output folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub rand_version: String,
    pub rand_distr_version: String,
    /// `run` or `merge`.
    pub command: String,
    pub scenario_path: String,
    pub scenario_name: String,
    pub scenario_text: String,
    pub base_parameters: serde_json::Value,
    pub variants: Vec<VariantEntry>,
    pub seed: u64,
    /// Trials per variant in the whole run (all shards).
    pub trials: u64,
    pub steps: u32,
    pub threads: usize,
    pub shard: Option<Shard>,
    /// Trials `[first, end)` simulated here (all of them unless sharded).
    pub trial_range: (u64, u64),
    pub trials_csv: bool,
    /// Where the trial rows are: `csv` (trials.csv) or `parquet` (trials.parquet).
    #[serde(default)]
    pub trials_format: crate::columnar::TrialsFormat,
    pub started: String,
    pub finished: String,
    pub wall_seconds: f64,
    /// Participant-steps simulated (participants alive at the start of each week, summed).
    pub agent_steps: u64,
    pub trials_per_second: f64,
    /// Folders merged into this one (for `merge`).
    #[serde(default)]
    pub merged_from: Vec<String>,
    /// Exact sums of the host's money per variant (what `merge` adds up for summary.csv).
    #[serde(default)]
    pub host_totals: Vec<crate::totals::HostTotals>,
    /// Each CSV file of the folder by name: its SHA-256, rows (lines after the header) and
    /// length, which `merge` checks.
    #[serde(default)]
    pub files: BTreeMap<String, crate::output::FileRecord>,
}

fn json_value(v: &ParamValue) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Timestamp in RFC 3339 (UTC, seconds).
pub fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

impl Manifest {
    /// A manifest for a scenario; timing fields are filled in by the caller.
    pub fn new(
        command: &str,
        scenario: &Scenario,
        scenario_path: &str,
        scenario_text: &str,
        variants: &[Variant],
    ) -> Manifest {
        let paths = scenario.swept_paths();
        Manifest {
            tool: "hothouse".into(),
            version: crate::VERSION.into(),
            rand_version: crate::RAND_VERSION.into(),
            rand_distr_version: crate::RAND_DISTR_VERSION.into(),
            command: command.into(),
            scenario_path: scenario_path.into(),
            scenario_name: scenario.name.clone(),
            scenario_text: scenario_text.into(),
            base_parameters: serde_json::to_value(&scenario.base)
                .unwrap_or(serde_json::Value::Null),
            variants: variants
                .iter()
                .map(|v| VariantEntry {
                    variant: v.index,
                    values: paths
                        .iter()
                        .zip(&v.values)
                        .map(|(p, x)| (p.to_string(), json_value(x)))
                        .collect(),
                })
                .collect(),
            seed: scenario.seed,
            trials: scenario.trials,
            steps: scenario.steps,
            threads: 1,
            shard: None,
            trial_range: (0, scenario.trials),
            trials_csv: true,
            trials_format: Default::default(),
            started: String::new(),
            finished: String::new(),
            wall_seconds: 0.0,
            agent_steps: 0,
            trials_per_second: 0.0,
            merged_from: Vec::new(),
            host_totals: Vec::new(),
            files: BTreeMap::new(),
        }
    }

    /// Reads `manifest.json` from an output folder.
    pub fn read(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::BadInput(format!(
                "{}: cannot read it ({e}); is {} a hothouse output folder?",
                path.display(),
                dir.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::BadInput(format!("{}: not a hothouse manifest ({e})", path.display()))
        })
    }

    /// Writes `manifest.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let path = dir.join("manifest.json");
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::BadInput(format!("manifest: {e}")))?;
        text.push('\n');
        crate::output::write_atomic(&path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_tile_the_trials() {
        for trials in [0u64, 1, 7, 100, 1001] {
            for count in 1..=5u64 {
                let mut next = 0;
                for index in 1..=count {
                    let (lo, hi) = Shard { index, count }.trial_range(trials);
                    assert_eq!(lo, next);
                    next = hi;
                }
                assert_eq!(next, trials);
            }
        }
    }

    #[test]
    fn shard_parse() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert!(Shard::parse("0/8").is_err());
        assert!(Shard::parse("9/8").is_err());
        assert!(Shard::parse("x").is_err());
        assert!(Shard::parse("1/0").is_err());
    }
}
