//! Validation of `hothouse trace` against `hothouse run`, through the real binary: a trial's
//! trace must end where its row of trials.csv says it ended (time, outcome, end state), and the
//! trace must print the seed that trials.csv recorded for that trial.
//!
//! Run: `cargo test --release --test validation_trace`.

use assert_cmd::Command;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hothouse() -> Command {
    let mut cmd = Command::cargo_bin("hothouse").expect("the hothouse binary");
    cmd.current_dir(manifest_dir());
    cmd
}

/// Reads a CSV file into header-keyed rows.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Picks up to `n` rows: the first graduated, fizzled and censored rows that exist, the last
/// row, then rows spread evenly over the file.
fn sample_rows(rows: &[HashMap<String, String>], n: usize) -> Vec<usize> {
    let mut picked = Vec::new();
    for outcome in ["graduated", "fizzled", "censored"] {
        if let Some(i) = rows.iter().position(|r| r["outcome"] == outcome) {
            picked.push(i);
        }
    }
    // Then the last row (the last variant's last trial) and rows spread evenly between.
    let mut candidates = vec![rows.len() - 1];
    candidates.extend((0..n).map(|k| (k * rows.len()) / n + k % 3));
    candidates.extend(0..rows.len());
    for i in candidates {
        if picked.len() >= n.min(rows.len()) {
            break;
        }
        if i < rows.len() && !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked
}

/// Runs `scenario` with 50 trials, then traces a sample of its rows and checks each trace.
fn check_traces_match_run(scenario: &Path, samples: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    hothouse()
        .arg("run")
        .arg(scenario)
        .args(["--trials", "50", "--no-plots", "--quiet", "--out"])
        .arg(&run_dir)
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("manifest.json")).unwrap())
            .unwrap();
    let steps = manifest["steps"].as_u64().expect("manifest steps");
    let rows = read_csv(&run_dir.join("trials.csv"));
    let picked = sample_rows(&rows, samples);
    let outcomes: Vec<&str> = picked
        .iter()
        .map(|&i| rows[i]["outcome"].as_str())
        .collect();
    assert!(
        outcomes.contains(&"graduated"),
        "no graduated trial among 50: cannot check"
    );
    assert!(
        outcomes.contains(&"fizzled"),
        "no fizzled trial among 50: cannot check"
    );

    for &i in &picked {
        let row = &rows[i];
        let (variant, trial) = (&row["variant"], &row["trial"]);
        let trace_dir = tmp.path().join(format!("trace-{variant}-{trial}"));
        let out = hothouse()
            .arg("trace")
            .arg(scenario)
            .args([
                "--variant",
                variant,
                "--trial",
                trial,
                "--trials",
                "50",
                "--no-plots",
                "--out",
            ])
            .arg(&trace_dir)
            .assert()
            .success();
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let what = format!("variant {variant} trial {trial} ({})", row["outcome"]);

        // The seed printed is the seed of the row.
        let printed = stdout
            .split("(seed ")
            .nth(1)
            .and_then(|s| s.split(')').next())
            .unwrap_or_else(|| panic!("{what}: no seed in {stdout:?}"));
        assert_eq!(printed, row["seed"], "{what}: seed");

        let trace = read_csv(&trace_dir.join("trace.csv"));
        let last = trace.last().expect("an empty trace");
        // One row per week from week 0, ending at the outcome's time.
        assert_eq!(last["time"], row["time"], "{what}: last time");
        assert_eq!(
            trace.len().to_string(),
            (row["time"].parse::<usize>().unwrap() + 1).to_string(),
            "{what}: rows"
        );
        for (w, rec) in trace.iter().enumerate() {
            assert_eq!(rec["time"], w.to_string(), "{what}: week numbering");
        }
        match row["outcome"].as_str() {
            "graduated" | "fizzled" => {
                assert_eq!(last["stage"], row["outcome"], "{what}: last stage")
            }
            "censored" => {
                assert_eq!(
                    row["time"],
                    steps.to_string(),
                    "{what}: censored before the horizon"
                );
                assert!(
                    ["convening", "exploring", "collaborating", "formalising"]
                        .contains(&last["stage"].as_str()),
                    "{what}: last stage {}",
                    last["stage"]
                );
                assert_eq!(last["stage"], row["stage"], "{what}: stage");
            }
            other => panic!("{what}: unknown outcome {other}"),
        }
        // The end state agrees, to the last digit (both files print the shortest round-trip text).
        for (trace_col, trials_col) in [
            ("participants", "final_participants"),
            ("active", "final_active"),
            ("assets", "assets"),
            ("brand", "brand"),
            ("host_spend", "host_spend"),
        ] {
            assert_eq!(
                last[trace_col], row[trials_col],
                "{what}: {trace_col} vs {trials_col}"
            );
        }
        // joined and left are the sums of the weekly newcomers and leavers.
        let sum = |col: &str| {
            trace
                .iter()
                .map(|r| r[col].parse::<u64>().unwrap())
                .sum::<u64>()
                .to_string()
        };
        assert_eq!(sum("newcomers"), row["joined"], "{what}: joined");
        assert_eq!(sum("leavers"), row["left"], "{what}: left");
        println!(
            "{}: {what} ends at week {} as {}, seed {printed}: trace agrees",
            scenario.display(),
            last["time"],
            last["stage"]
        );
    }
}

#[test]
fn traces_of_the_default_scenario_end_where_its_trials_ended() {
    check_traces_match_run(Path::new("scenarios/default.toml"), 5);
}

/// The same with a sweep, so that traces of variants other than 0 are checked too, and with a
/// short horizon so that some trials are censored.
#[test]
fn traces_of_a_swept_scenario_end_where_its_trials_ended() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("sweep.toml");
    std::fs::write(
        &path,
        "name = \"trace-sweep\"\nseed = 99\ntrials = 50\nsteps = 40\n[community]\nfizzle_patience = 10\n[sweep]\n\"host.investment\" = [1.0, 3.0]\n\"brand.initial\" = [0.0, 0.6]\n",
    )
    .unwrap();
    check_traces_match_run(&path, 8);
}
