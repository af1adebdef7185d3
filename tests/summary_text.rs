//! The printed summary handles special values (issue 14 item 2): no graduates, everything
//! censored, values whose 0 means something else ("open-ended", "no host"), and never prints a
//! raw NaN or inf.

use assert_cmd::Command;

/// Runs `text` as a scenario and returns stdout (asserting success).
fn summary(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), text).unwrap();
    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(tmp.path())
        .args(["run", "s.toml", "--out", "o", "--no-plots", "--no-trials"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    for raw in ["NaN", "nan", "inf"] {
        assert!(!out.contains(raw), "{raw} printed: {out}");
    }
    out
}

#[test]
fn everything_censored_says_there_is_no_answer_yet() {
    let out = summary(
        "name = \"z\"\ntrials = 20\nsteps = 1\n[sweep]\n\"host.investment\" = [0.0, 1.0]\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "z: 2 variant(s) x 20 trial(s), 1 week, seed 1");
    // No fizzling: no log-rank p-value (it was printed as 1.000).
    assert!(
        lines[3]
            .trim_end()
            .ends_with("1.0           -            -"),
        "{}",
        lines[3]
    );
    assert_eq!(
        lines[4],
        "log-rank tests: none, since no community fizzled in any variant within 1 week"
    );
    assert_eq!(
        lines[7],
        "In short: every community was still running after 1 week: none graduated or fizzled, so there is no answer yet; raise `steps`."
    );
}

#[test]
fn no_graduates_names_no_best_variant_and_zero_reads_in_words() {
    let out = summary(
        "name = \"z3\"\ntrials = 20\n[sweep]\n\"host.investment\" = [0.0, 0.1]\n\"host.commitment\" = [0, 13]\n",
    );
    assert!(
        out.contains("      0  host.investment = 0 (no host), host.commitment = 0 (open-ended)       20     0.000 [0.000, 0.161]      6 wk      6.3       (ref)            -\n"),
        "{out}"
    );
    assert!(out.contains("  host.investment = 0.1, host.commitment = 13  "));
    assert!(!out.contains("best odds"), "{out}");
    assert!(
        out.contains("In short: no community graduated within 104 weeks in any variant (at most 16% by the 95% intervals); compare how long they last (median, RMST).\n"),
        "{out}"
    );
}

#[test]
fn a_single_variant_counts_those_still_running() {
    let out = summary("name = \"c\"\ntrials = 50\nsteps = 8\n");
    let answer = out.lines().find(|l| l.starts_with("In short")).unwrap();
    // Eight weeks: some fizzle (patience 6), none graduate, the rest are still running.
    assert_eq!(
        answer,
        "In short: 0% of communities graduate within 8 weeks (95% CI 0% to 7%), 40% fizzle out; 60% were still running at the horizon."
    );
}
