//! `report.html`: written by `run` (unless --no-plots) and by `hothouse report DIR`; one
//! self-contained file with the question, the answer, the key table, the pictures inline and the
//! provenance.

mod serve_support;

use serve_support::*;
use std::process::Command;

/// Runs the binary and asserts success.
fn hothouse(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let output = Command::new(bin()).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn run(args: &[&str], out: &std::path::Path) {
    let scenario = repo("scenarios/default.toml");
    let mut all: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), scenario.as_os_str()];
    all.extend(["--trials", "300", "--seed", "5", "--quiet"].map(std::ffi::OsStr::new));
    all.extend(["--out".as_ref(), out.as_os_str()]);
    all.extend(args.iter().map(std::ffi::OsStr::new));
    hothouse(&all);
}

#[test]
fn run_writes_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&[], &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let summary = &csv_rows(&out.join("summary.csv"))[0];
    let p: f64 = summary["p_graduate"].parse().unwrap();
    // The question from the scenario's leading comment, the plain answer and the table.
    assert!(
        html.contains("What are the odds that a host-convened community"),
        "question"
    );
    assert!(
        html.contains(&format!(
            "<b>{:.0}%</b> of communities graduate within 104 weeks",
            100.0 * p
        )),
        "answer"
    );
    assert!(html.contains(&format!("{:.1}% [", 100.0 * p)), "table");
    // Pictures inline, nothing fetched: no src= or href= anywhere, no script.
    assert!(html.matches("<svg").count() >= 3);
    for bad in ["src=", "href=", "<script", "<link", "url("] {
        assert!(!html.contains(bad), "report.html contains {bad}");
    }
    // Provenance: version, scenario, trials, seed.
    assert!(html.contains(&format!("hothouse {}", env!("CARGO_PKG_VERSION"))));
    assert!(html.contains("300 simulated communities"));
    assert!(html.contains("master seed 5"));
}

#[test]
fn report_command_draws_missing_pictures_and_refuses_other_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&["--no-plots"], &out);
    assert!(
        !out.join("report.html").exists(),
        "--no-plots writes no report"
    );
    let output = hothouse(&["report".as_ref(), out.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("survival.svg") && stdout.contains("report.html"),
        "{stdout}"
    );
    assert!(
        std::fs::read_to_string(out.join("report.html"))
            .unwrap()
            .contains("<svg")
    );

    let output = Command::new(bin())
        .arg("report")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "a folder without a run is bad input"
    );
}

#[test]
fn report_shows_what_happened_over_time_with_the_other_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&[], &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Every picture the run drew is in the report, inline, in the order a reader meets them:
    // how long communities last, how they end, what happened over time, then the settings.
    let mut at = Vec::new();
    for name in ["survival", "cif", "weekly", "graduation", "cost"] {
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
        let svg = &svg[svg.find("<svg").unwrap()..];
        let pos = html
            .find(svg)
            .unwrap_or_else(|| panic!("report.html lacks {name}.svg"));
        at.push(pos);
    }
    assert!(at.windows(2).all(|w| w[0] < w[1]), "order {at:?}");
    assert_eq!(html.matches("<figure>").count(), 5);
    // The fan chart's caption, in the style of the others: a bold title, then how to read it.
    let caption = "<figure><figcaption><b>What happened over time.</b> Week by week, over the \
                   communities still running";
    let fan = html.find(caption).expect("the fan chart's caption");
    assert!(at[1] < fan && fan < at[2], "caption before its picture");
}
