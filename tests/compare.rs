//! `hothouse compare`: the record's curves against lifelines (fixtures made by
//! docs/check_compare_against_lifelines.py), the run's side against its own survival.csv, and
//! bad input (exit 2, nothing written).

use assert_cmd::Command;
use hothouse::Outcome;
use hothouse::record::Record;
use hothouse::statistics::{Incidence, IncidenceCurve};
use std::path::{Path, PathBuf};

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/compare").join(name)
}

/// Columns of a CSV file by header name, as text.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

/// Compares our curves with lifelines' answer at every week; returns the largest difference.
fn largest_difference(inc: &Incidence, answer: &Path) -> f64 {
    let (h, rows) = read_csv(answer);
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    assert_eq!(rows.len(), inc.graduated.estimate.len(), "one row per week");
    let mut worst = 0.0_f64;
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[col("week")], t.to_string());
        for (name, curve) in [("graduated", &inc.graduated), ("fizzled", &inc.fizzled)] {
            let c: &IncidenceCurve = curve;
            for (suffix, ours) in [
                ("", c.estimate[t]),
                ("_variance", c.variance[t]),
                ("_lower", c.lower[t]),
                ("_upper", c.upper[t]),
            ] {
                let theirs = &row[col(&format!("{name}{suffix}"))];
                if theirs.is_empty() {
                    // lifelines' band is NaN where F = 0; ours is [0, 0]
                    assert_eq!(c.estimate[t], 0.0, "week {t} {name}{suffix}");
                    assert_eq!(ours, 0.0, "week {t} {name}{suffix}");
                    continue;
                }
                let theirs: f64 = theirs.parse().unwrap();
                worst = worst.max((ours - theirs).abs());
            }
        }
    }
    worst
}

#[test]
fn record_curves_agree_with_lifelines_on_a_small_record() {
    let record = Record::read(&fixture("small_record.csv")).unwrap();
    assert_eq!(record.entries.len(), 41);
    let worst = largest_difference(&record.incidence(), &fixture("small_lifelines.csv"));
    println!("small record: largest difference from lifelines {worst:.3e}");
    assert!(worst < 1e-9, "{worst}");
}

#[test]
fn record_curves_agree_with_lifelines_on_the_apache_record() {
    let record = Record::read(&root().join("data/apache_incubator.csv")).unwrap();
    assert_eq!(record.entries.len(), 373);
    assert_eq!(record.count(Outcome::Graduated), 264);
    assert_eq!(record.count(Outcome::Fizzled), 85);
    let inc = record.incidence();
    let worst = largest_difference(&inc, &fixture("apache_lifelines.csv"));
    println!("Apache record: largest difference from lifelines {worst:.3e}");
    assert!(worst < 1e-9, "{worst}");
    // the figures of data/README.md (years 1-6)
    let g = [0.186, 0.495, 0.614, 0.672, 0.712, 0.721];
    let f = [0.035, 0.072, 0.121, 0.157, 0.197, 0.221];
    for y in 0..6 {
        let t = 52 * (y + 1);
        assert!(
            (inc.graduated.estimate[t] - g[y]).abs() < 0.0015,
            "year {}",
            y + 1
        );
        assert!(
            (inc.fizzled.estimate[t] - f[y]).abs() < 0.0015,
            "year {}",
            y + 1
        );
    }
}

const SCENARIO: &str = "name = \"cmp\"\nseed = 7\ntrials = 300\nsteps = 120\n[sweep]\n\"host.investment\" = [0.5, 2.0]\n";

/// Runs a small two-variant scenario into `dir/run`.
fn small_run(dir: &Path) -> PathBuf {
    let scenario = dir.join("cmp.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let run = dir.join("run");
    hothouse()
        .args(["run", "--quiet", "--no-plots", "--no-trials", "--out"])
        .arg(&run)
        .arg(&scenario)
        .assert()
        .success();
    run
}

#[test]
fn the_run_side_is_the_runs_own_survival_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let run = small_run(tmp.path());
    let out = tmp.path().join("cmp-out");
    let assert = hothouse()
        .arg("compare")
        .arg(&run)
        .arg(root().join("data/apache_incubator.csv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("window: weeks 0-120"), "{stdout}");
    assert!(stdout.contains("variant 1 (host.investment=2)"), "{stdout}");
    for f in ["compare.csv", "compare.png", "compare.svg"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // D recomputed here from survival.csv and lifelines' curves of the record
    let (sh, srows) = read_csv(&run.join("survival.csv"));
    let (lh, lrows) = read_csv(&fixture("apache_lifelines.csv"));
    let (ch, crows) = read_csv(&out.join("compare.csv"));
    let s = |n: &str| sh.iter().position(|x| x == n).unwrap();
    let l = |n: &str| lh.iter().position(|x| x == n).unwrap();
    let c = |n: &str| ch.iter().position(|x| x == n).unwrap();
    // weeks 52, 104 and the window's end, 120, for each of the two variants
    assert_eq!(crows.len(), 6);
    for variant in 0..2 {
        let mine: Vec<&Vec<String>> = srows
            .iter()
            .filter(|r| r[s("variant")] == variant.to_string())
            .collect();
        let mut d = 0.0_f64;
        for (t, row) in mine.iter().enumerate().take(121) {
            for o in ["graduated", "fizzled"] {
                let run: f64 = row[s(&format!("cif_{o}"))].parse().unwrap();
                let rec: f64 = lrows[t][l(o)].parse().unwrap();
                d = d.max((run - rec).abs());
            }
        }
        for row in crows
            .iter()
            .filter(|r| r[c("variant")] == variant.to_string())
        {
            let got: f64 = row[c("D")].parse().unwrap();
            assert!((got - d).abs() < 1e-9, "variant {variant}: D {got} vs {d}");
            let t: usize = row[c("week")].parse().unwrap();
            for o in ["graduated", "fizzled"] {
                assert_eq!(row[c(&format!("run_{o}"))], mine[t][s(&format!("cif_{o}"))]);
                let rec: f64 = row[c(&format!("record_{o}"))].parse().unwrap();
                let theirs: f64 = lrows[t][l(o)].parse().unwrap();
                assert!((rec - theirs).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn bad_input_is_refused_with_file_line_and_column_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let run = small_run(tmp.path());
    let head = "name,start,end,outcome,time_weeks\n";
    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "missing",
            "name,start,end,time_weeks\na,s,e,3\n".into(),
            vec![],
            "missing.csv:1: missing column `outcome`",
        ),
        (
            "outcome",
            format!("{head}a,s,e,graduated,3\nb,s,e,retired,4\n"),
            vec![],
            "outcome.csv:3:4: column `outcome`: `retired` is not an outcome",
        ),
        (
            "negative",
            format!("{head}a,s,e,graduated,-3\n"),
            vec![],
            "negative.csv:2:5: column `time_weeks`: `-3` is negative",
        ),
        (
            "text",
            format!("{head}a,s,e,graduated,soon\n"),
            vec![],
            "text.csv:2:5: column `time_weeks`: `soon` is not a number",
        ),
        (
            "noevents",
            format!("{head}a,s,e,censored,30\nb,s,e,censored,40\n"),
            vec![],
            "every community of the record is censored",
        ),
        (
            "window",
            format!("{head}a,s,e,graduated,300\n"),
            vec!["--window", "200"],
            "--window 200 is longer than the run's horizon (120 weeks)",
        ),
    ];
    for (name, text, extra, expect) in cases {
        let record = tmp.path().join(format!("{name}.csv"));
        std::fs::write(&record, text).unwrap();
        let out = tmp.path().join(format!("out-{name}"));
        let assert = hothouse()
            .arg("compare")
            .arg(&run)
            .arg(&record)
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(expect), "{name}: {stderr}");
        assert!(!out.exists(), "{name}: something was written");
        assert!(!run.join("compare.csv").exists());
    }
    // a folder that is not a run
    hothouse()
        .arg("compare")
        .arg(tmp.path())
        .arg(root().join("data/apache_incubator.csv"))
        .assert()
        .code(2);
}
