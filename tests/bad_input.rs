//! Bad input never gets as far as work: the real binary on a folder of broken scenario files, bad
//! command-line options, missing files, existing output folders and hostile scenario names.
//!
//! Every file in `tests/fixtures/bad/` holds one kind of mistake (a few hold several) and starts
//! with comments that say what to expect:
//!
//! ```text
//! # expect: host.investment      text that stderr must contain (the offending key)
//! # mistake: what is wrong        one line for the reader
//! # at: 6:14                      optional: line:column of the (first) problem
//! # problems: 2                   optional: how many problems the file has (default 1)
//! ```

use assert_cmd::Command;
use hothouse::scenario::Scenario;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// A bad scenario file and what its header comments say about it.
struct Fixture {
    path: PathBuf,
    file_name: String,
    /// The file's text, when it is UTF-8.
    text: Option<String>,
    expect: String,
    mistake: String,
    at: Option<String>,
    problems: usize,
}

fn fixtures() -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = fs::read_dir(fixture_dir())
        .expect("tests/fixtures/bad exists")
        .map(|e| e.expect("readable folder").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).expect("readable fixture");
            let header = String::from_utf8_lossy(&bytes).into_owned();
            let field = |name: &str| {
                header
                    .lines()
                    .take_while(|l| l.starts_with('#'))
                    .find_map(|l| l.strip_prefix(&format!("# {name}:")))
                    .map(|v| v.trim().to_string())
            };
            let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
            Fixture {
                expect: field("expect")
                    .unwrap_or_else(|| panic!("{file_name}: no `# expect:` line")),
                mistake: field("mistake")
                    .unwrap_or_else(|| panic!("{file_name}: no `# mistake:` line")),
                at: field("at"),
                problems: field("problems").map_or(1, |n| n.parse().expect("a count")),
                text: String::from_utf8(bytes).ok(),
                file_name,
                path,
            }
        })
        .collect()
}

/// Checks a failed command: exit code 2, the expected text on stderr, and no sign of a panic.
fn bad_input_problems(out: &Output, expect: &str) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut wrong = Vec::new();
    if out.status.code() != Some(2) {
        wrong.push(format!("exit code {:?}, expected 2", out.status.code()));
    }
    if !stderr.contains(expect) {
        wrong.push(format!("stderr does not contain {expect:?}"));
    }
    for sign in [
        "panicked",
        "RUST_BACKTRACE",
        "stack overflow",
        "thread 'main'",
    ] {
        if stderr.contains(sign) {
            wrong.push(format!("stderr contains {sign:?}"));
        }
    }
    if !wrong.is_empty() {
        wrong.push(format!("stderr was:\n{stderr}"));
    }
    wrong
}

/// Names of the entries of a folder, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_folder_holds_at_least_25_kinds_of_mistake() {
    let all = fixtures();
    let mut mistakes: Vec<&str> = all.iter().map(|f| f.mistake.as_str()).collect();
    mistakes.sort_unstable();
    mistakes.dedup();
    assert!(
        mistakes.len() >= 25,
        "only {} distinct mistakes",
        mistakes.len()
    );
    for f in &all {
        assert!(!f.expect.is_empty(), "{}: empty `# expect:`", f.file_name);
    }
}

#[test]
fn run_rejects_every_bad_file_before_any_work() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        let out = hothouse()
            .arg("run")
            .arg(&f.path)
            .arg("--out")
            .arg(&out_dir)
            .args(["--no-plots", "--quiet", "--threads", "1"])
            .output()
            .unwrap();
        let mut wrong = bad_input_problems(&out, &f.expect);
        if out_dir.exists() {
            wrong.push("the output folder was created".into());
        }
        if tmp.path().join(".out.partial").exists() {
            wrong.push("a .out.partial staging folder was created".into());
        }
        let left = entries(tmp.path());
        if !left.is_empty() {
            wrong.push(format!("files were created next to --out: {left:?}"));
        }
        if let Some(at) = &f.at {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let place = format!("{}:{at}:", f.path.display());
            if !stderr.contains(&place) {
                wrong.push(format!("stderr does not point at {place}"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "run {} ({}):\n{}",
                f.file_name,
                f.mistake,
                wrong.join("\n")
            ));
        }
    }
    report(failures);
}

#[test]
fn check_rejects_every_bad_file() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let out = hothouse().arg("check").arg(&f.path).output().unwrap();
        let wrong = bad_input_problems(&out, &f.expect);
        if !wrong.is_empty() {
            failures.push(format!("check {}:\n{}", f.file_name, wrong.join("\n")));
        }
    }
    report(failures);
}

#[test]
fn trace_rejects_every_bad_file() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        let out = hothouse()
            .arg("trace")
            .arg(&f.path)
            .arg("--out")
            .arg(&out_dir)
            .arg("--no-plots")
            .output()
            .unwrap();
        let mut wrong = bad_input_problems(&out, &f.expect);
        if !entries(tmp.path()).is_empty() {
            wrong.push("trace wrote files".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("trace {}:\n{}", f.file_name, wrong.join("\n")));
        }
    }
    report(failures);
}

/// The library view of the same files: exactly the expected number of problems, each starting
/// with `file:line:column:` where a place is known, and the first at the expected place.
#[test]
fn every_problem_is_found_and_placed() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let Some(text) = &f.text else { continue };
        let wrong = match Scenario::parse(&f.file_name, text) {
            Ok(_) => vec!["parsed without problems".to_string()],
            Err(e) => {
                let lines = e.lines();
                let mut wrong = Vec::new();
                if lines.len() != f.problems {
                    wrong.push(format!(
                        "{} problem(s), expected {}:\n  {}",
                        lines.len(),
                        f.problems,
                        lines.join("\n  ")
                    ));
                }
                if e.problems.len() != lines.len() {
                    wrong.push("lines() and problems disagree".into());
                }
                for l in &lines {
                    if !l.starts_with(&format!("{}:", f.file_name)) {
                        wrong.push(format!("does not start with the file name: {l}"));
                    }
                }
                if let Some(at) = &f.at {
                    let place = format!("{}:{at}: ", f.file_name);
                    if !lines.iter().any(|l| l.starts_with(&place)) {
                        wrong.push(format!("no problem at {place}: {lines:?}"));
                    }
                }
                wrong
            }
        };
        if !wrong.is_empty() {
            failures.push(format!("{}:\n{}", f.file_name, wrong.join("\n")));
        }
    }
    report(failures);
}

/// Lines of the plain list of problems that the binary prints after its rendering.
fn listed_problems(stderr: &str) -> usize {
    // The report opens with "  × FILE has N problems" and then gives each problem as
    // "  × FILE:LINE:COL: ..." (or "  × FILE: ..." where the position is unknown).
    stderr
        .lines()
        .filter(|l| l.starts_with("  × "))
        .count()
        .saturating_sub(1)
}

#[test]
fn a_file_with_several_mistakes_reports_all_of_them() {
    for (name, expected, keys) in [
        (
            "several_mistakes.toml",
            8,
            &[
                "`trials`",
                "`steps`",
                "`seed`",
                "host.investmnt",
                "host.patience",
                "brand.initial",
                "host.nothing",
                "community.initial_participants",
            ][..],
        ),
        (
            "several_syntax_mistakes.toml",
            4,
            &["10 000", "`steps`", "brand.growth", "0.1 0.2"][..],
        ),
    ] {
        let out = hothouse()
            .arg("check")
            .arg(fixture_dir().join(name))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(listed_problems(&stderr), expected, "{name}:\n{stderr}");
        assert!(
            stderr.contains(&format!("has {expected} problems")),
            "{name}:\n{stderr}"
        );
        for k in keys {
            assert!(stderr.contains(k), "{name}: {k} not named:\n{stderr}");
        }
    }
}

#[test]
fn a_missing_file_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-scenario.toml");
    for cmd in ["run", "check", "trace"] {
        let out = hothouse().arg(cmd).arg(&missing).output().unwrap();
        let wrong = bad_input_problems(&out, "no-such-scenario.toml");
        assert!(wrong.is_empty(), "{cmd}: {}", wrong.join("\n"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot read"), "{cmd}: {stderr}");
    }
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn a_folder_given_as_the_scenario_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out = hothouse().arg("check").arg(tmp.path()).output().unwrap();
    let wrong = bad_input_problems(&out, "cannot read");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const GOOD: &str = "name = \"tiny\"\ntrials = 5\nsteps = 10\n";

/// A valid scenario in `dir`.
fn good_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("tiny.toml");
    fs::write(&path, GOOD).unwrap();
    path
}

#[test]
fn bad_options_are_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = good_scenario(tmp.path());
    let out_dir = tmp.path().join("out");
    let cases: &[(&[&str], &str)] = &[
        (&["--threads", "0"], "--threads"),
        (&["--threads", "many"], "--threads"),
        // clap reads a negative number as an unknown flag and names the value, not the option.
        (&["--threads", "-1"], "-1"),
        (&["--shard", "3/2"], "--shard"),
        (&["--shard", "0/2"], "--shard"),
        (&["--shard", "1/0"], "--shard"),
        (&["--shard", "x"], "--shard"),
        (&["--shard", "1/2/3"], "--shard"),
        (&["--trials", "0"], "trials"),
        (&["--trials", "-5"], "-5"),
        (&["--trials", "99999999999999999999999"], "--trials"),
        (&["--steps", "0"], "steps"),
        (&["--steps", "100001"], "steps"),
        (&["--seed", "-1"], "-1"),
        (&["--no-such-flag"], "--no-such-flag"),
    ];
    let mut failures = Vec::new();
    for (args, expect) in cases {
        let out = hothouse()
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(&out_dir)
            .args(["--no-plots", "--quiet"])
            .args(*args)
            .output()
            .unwrap();
        let mut wrong = bad_input_problems(&out, expect);
        if out_dir.exists() || tmp.path().join(".out.partial").exists() {
            wrong.push("an output folder was created".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("run {args:?}:\n{}", wrong.join("\n")));
        }
    }
    for (args, expect) in [
        (&["--trials", "0"][..], "trials"),
        (&["--steps", "0"][..], "steps"),
        (&["--bogus"][..], "--bogus"),
    ] {
        let out = hothouse()
            .arg("check")
            .arg(&scenario)
            .args(args)
            .output()
            .unwrap();
        let wrong = bad_input_problems(&out, expect);
        if !wrong.is_empty() {
            failures.push(format!("check {args:?}:\n{}", wrong.join("\n")));
        }
    }
    let out = hothouse().arg("frobnicate").output().unwrap();
    failures.extend(bad_input_problems(&out, "frobnicate"));
    let out = hothouse().arg("run").output().unwrap();
    failures.extend(bad_input_problems(&out, "SCENARIO"));
    report(failures);
    assert_eq!(entries(tmp.path()), vec!["tiny.toml".to_string()]);
}

#[test]
fn an_existing_output_folder_is_left_untouched_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = good_scenario(tmp.path());
    let out_dir = tmp.path().join("results");
    fs::create_dir(&out_dir).unwrap();
    fs::write(out_dir.join("precious.csv"), "a,b\n1,2\n").unwrap();
    let out = hothouse()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out_dir)
        .args(["--no-plots", "--quiet"])
        .output()
        .unwrap();
    let wrong = bad_input_problems(&out, "--force");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(entries(&out_dir), vec!["precious.csv".to_string()]);
    assert_eq!(
        fs::read_to_string(out_dir.join("precious.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    assert_eq!(
        entries(tmp.path()),
        vec!["results".to_string(), "tiny.toml".to_string()]
    );

    // A file where the folder should go is refused even with --force, and kept.
    let file = tmp.path().join("a-file");
    fs::write(&file, "keep me").unwrap();
    for force in [false, true] {
        let mut cmd = hothouse();
        cmd.arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(&file)
            .args(["--no-plots", "--quiet"]);
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().unwrap();
        let wrong = bad_input_problems(&out, "a-file");
        assert!(wrong.is_empty(), "force {force}: {}", wrong.join("\n"));
        assert_eq!(fs::read_to_string(&file).unwrap(), "keep me");
    }
}

/// A TOML basic string holding `s`, escaping quotes, backslashes and control characters.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn a_scenario_name_never_escapes_the_output_folder() {
    let names = [
        "../../evil",
        "/tmp/evil-absolute",
        "a/b/../c",
        "..",
        ".hidden",
        "back\\slash\\..\\evil",
        "tab\tnew\nline\u{1b}[31mred\u{7}",
        "C:\\Windows\\evil",
        "ünïcödé name",
    ];
    let mut failures = Vec::new();
    for name in names {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(
            tmp.path().join("s.toml"),
            format!("name = {}\nsteps = 10\n", toml_string(name)),
        )
        .unwrap();
        let out = hothouse()
            .current_dir(tmp.path())
            .args(["run", "s.toml", "--trials", "5", "--no-plots", "--quiet"])
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{name:?}: run failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let top = entries(tmp.path());
        if top != ["output", "s.toml"] {
            failures.push(format!("{name:?}: the run left {top:?} in its folder"));
        }
        let inside = entries(&tmp.path().join("output"));
        let [folder] = inside.as_slice() else {
            failures.push(format!("{name:?}: output/ holds {inside:?}"));
            continue;
        };
        let path = tmp.path().join("output").join(folder);
        let safe = !folder.is_empty()
            && !folder.starts_with('.')
            && folder
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !safe || !path.is_dir() || !path.join("summary.csv").is_file() {
            failures.push(format!("{name:?}: unsafe or incomplete folder {folder:?}"));
        }
    }
    report(failures);
}
