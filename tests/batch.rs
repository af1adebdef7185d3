//! Batch manners (issue 14 item 8): what `run`, `merge` and `sensitivity` print when nobody
//! watches a terminal: nothing with `--quiet`, plain progress lines in a log, no conclusion from a
//! shard, and the same header from `merge` as from `run`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `hothouse run SCENARIO --out OUT --no-plots EXTRA...` with `env` set; asserts success.
fn run(scenario: &str, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .arg("run")
        .arg(repo(scenario))
        .arg("--out")
        .arg(out)
        .arg("--no-plots")
        .args(extra)
        .env_remove("HOTHOUSE_PROGRESS_EVERY")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    o
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn quiet_prints_nothing_on_success() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(
        "scenarios/default.toml",
        &tmp.path().join("o"),
        &["--trials", "50", "--quiet"],
        &[],
    );
    assert_eq!(text(&o.stdout), "");
    assert_eq!(text(&o.stderr), "");
    assert!(tmp.path().join("o/summary.csv").exists());
}

#[test]
fn without_a_terminal_progress_is_a_plain_line() {
    let tmp = tempfile::tempdir().unwrap();
    // A line at every trial (one thread, so they come in order).
    let o = run(
        "scenarios/default.toml",
        &tmp.path().join("o"),
        &["--trials", "50", "--threads", "1"],
        &[("HOTHOUSE_PROGRESS_EVERY", "0")],
    );
    let err = text(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 50, "{err}");
    for (k, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("progress: {} of 50 trials (", k + 1)),
            "{line}"
        );
    }
    assert!(lines[49].starts_with("progress: 50 of 50 trials (100%), "));
    assert!(lines[49].ends_with(" elapsed, eta 0s"), "{}", lines[49]);
    assert!(!lines[49].contains("resumed"));
    // The default is a line every 10 seconds: none in a short run, and no bar's escape codes.
    let o = run(
        "scenarios/default.toml",
        &tmp.path().join("o"),
        &["--trials", "50", "--force"],
        &[],
    );
    assert_eq!(text(&o.stderr), "");
}

#[test]
fn a_shard_draws_no_conclusion_and_merge_prints_the_header_of_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = "scenarios/host-investment.toml";
    let mut shard_out = Vec::new();
    for (k, dir) in [("1/2", "s1"), ("2/2", "s2")] {
        let o = run(
            scenario,
            &t.join(dir),
            &["--trials", "200", "--shard", k],
            &[],
        );
        shard_out.push(text(&o.stdout));
    }
    let first = &shard_out[0];
    assert!(
        first.starts_with(
            "host-investment: 6 variant(s) x 100 trial(s), 104 weeks, seed 20200323, shard 1/2\n"
        ),
        "{first}"
    );
    assert!(!first.contains("In short"), "{first}");
    assert!(!first.contains("pays least"), "{first}");
    assert!(
        first.contains("(shard 1/2: no conclusion is drawn from part of the trials; `hothouse merge` the shards for it)"),
        "{first}"
    );
    let merged = Command::cargo_bin("hothouse")
        .unwrap()
        .arg("merge")
        .args([t.join("s1"), t.join("s2")])
        .arg("--out")
        .arg(t.join("m"))
        .arg("--no-plots")
        .output()
        .unwrap();
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let out = text(&merged.stdout);
    let whole = run(scenario, &t.join("w"), &["--trials", "200"], &[]);
    let whole = text(&whole.stdout);
    // The same header and table as the run of all the trials at once, and its conclusion.
    let head = |s: &str| s.lines().take(9).collect::<Vec<_>>().join("\n");
    assert_eq!(head(&out), head(&whole));
    assert!(
        out.starts_with("host-investment: 6 variant(s) x 200 trial(s), 104 weeks, seed 20200323\n")
    );
    assert!(out.contains("In short: the best odds"), "{out}");
}

/// Issue 14 item 9: `trace` into an existing folder follows `run`'s rule: refused without
/// `--force`; with it, the folder is replaced whole.
#[test]
fn trace_over_an_existing_folder_needs_force() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let trace = |extra: &[&str]| {
        Command::cargo_bin("hothouse")
            .unwrap()
            .current_dir(t)
            .arg("trace")
            .arg(repo("scenarios/default.toml"))
            .args(["--trial", "3", "--out", "tr", "--no-plots"])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(trace(&[]).status.success());
    std::fs::write(t.join("tr/mine.txt"), "keep?").unwrap();
    let o = trace(&[]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(e.contains("tr") && e.contains("--force"), "{e}");
    assert!(
        t.join("tr/mine.txt").exists(),
        "refused before touching the folder"
    );
    let o = trace(&["--force"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut names: Vec<String> = std::fs::read_dir(t.join("tr"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["trace.csv"]);
    assert!(text(&o.stdout).ends_with(&format!(
        "wrote {}\n",
        Path::new("tr").join("trace.csv").display()
    )));
    // Nothing left beside it.
    let mut beside: Vec<String> = std::fs::read_dir(t)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    beside.sort();
    assert_eq!(beside, ["tr"]);
}
