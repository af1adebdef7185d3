//! The printed summary handles special values (issue 14 item 2): no graduates, everything
//! censored, values whose 0 means something else ("open-ended", "no host"), and never prints a
//! raw NaN or inf.

use assert_cmd::Command;

/// Runs `text` as a scenario without `trials.csv` and returns stdout (asserting success).
fn summary(text: &str) -> String {
    summary_with(text, &["--no-trials"])
}

/// Runs `text` as a scenario with `extra` options and returns stdout (asserting success).
fn summary_with(text: &str, extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), text).unwrap();
    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(tmp.path())
        .args(["run", "s.toml", "--out", "o", "--no-plots"])
        .args(extra)
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
        lines.iter().find(|l| l.starts_with("In short")).unwrap(),
        &"In short: every community was still running after 1 week: none graduated or fizzled, so there is no answer yet; raise `steps`."
    );
}

#[test]
fn no_graduates_names_no_best_variant_and_zero_reads_in_words() {
    let out = summary(
        "name = \"z3\"\ntrials = 20\n[sweep]\n\"host.investment\" = [0.0, 0.1]\n\"host.commitment\" = [0, 13]\n",
    );
    assert!(
        out.contains("      0  host.investment = 0 (no host), host.commitment = 0 (open-ended)       20     0.000 [0.000, 0.161]      6 wk      6.4       (ref)            -\n"),
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
        "In short: 0% of communities graduate within 8 weeks (95% CI 0% to 7%), 42% fizzle out; 58% were still running at the horizon."
    );
}

/// Issue 14 item 9: small p-values in scientific notation, "not hit" explained, the table's
/// columns aligned for a 3-parameter sweep, and output/README.md naming every file written.
#[test]
fn small_things_a_reader_trips_on() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(
        t.join("s.toml"),
        "name = \"t3\"\ntrials = 30\n[sweep]\n\"host.investment\" = [0.5, 2.0]\n\"host.commitment\" = [0, 26]\n\"core_idea.half_life\" = [0.0, 13.0]\n",
    )
    .unwrap();
    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(t)
        .args(["run", "s.toml", "--out", "o"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    // Header and the eight rows, every one as wide as the header, each column at one place.
    let table: Vec<&str> = out.lines().skip(1).take(9).collect();
    let width = table[0].chars().count();
    for row in &table {
        assert_eq!(row.chars().count(), width, "{row}");
    }
    assert!(table[1].contains("core_idea.half_life = 0 (never fades)"));
    assert!(table[5].contains(" not hit "), "{}", table[5]);
    assert!(out.contains(
        "median = median weeks to fizzle (Kaplan-Meier; \"not hit\" when fewer than half fizzled within the horizon);\n"
    ));
    // Every file of the folder is named in output/README.md (pictures by their stem).
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/output/README.md")).unwrap();
    for e in std::fs::read_dir(t.join("o")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let stem = name.split('.').next().unwrap();
        let named = readme.contains(&format!("`{name}`")) || readme.contains(&format!("`{stem}`"));
        assert!(named, "output/README.md does not name {name}");
    }
}

#[test]
fn logrank_p_values_are_short_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(tmp.path())
        .arg("run")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/host-investment.toml"
        ))
        .args(["--out", "o", "--no-plots", "--no-trials", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let csv = std::fs::read_to_string(tmp.path().join("o/logrank.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // No host against a quarter staff-day a week: p = 1.9e-50, written as such (it would be 52
    // digits after "0."). (Values of model 0.4's random stream.)
    assert_eq!(rows[0][..2], ["0", "1"]);
    assert_eq!(rows[0][4], "1.9047672790579584e-50");
    assert_eq!(rows[1][4], "3.973258324870262e-180");
    for r in &rows {
        assert!(r[4].len() <= 24 && r[2].len() <= 24, "{r:?}");
        assert!(r[4].parse::<f64>().is_ok());
    }
}

/// Issue 14 item 4: variants equal within noise are named together, by paired tests on the
/// shared trials (McNemar for the odds, a paired bootstrap for the cost).
#[test]
fn the_plain_answer_respects_ties_and_noise() {
    // With no structure, uncertainty changes nothing: three identical variants. The answer
    // used to call the last of them the best.
    let out = summary_with(
        "name = \"tie\"\ntrials = 200\n[approach]\nstructure = 0.0\n[sweep]\n\"approach.uncertainty\" = [0.0, 0.5, 1.0]\n",
        &[],
    );
    let answer: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("In short"))
        .take_while(|l| !l.starts_with("wrote"))
        .collect();
    assert_eq!(
        answer,
        [
            "In short: all 3 variants have the same odds of graduating within 104 weeks, within noise (paired McNemar test on the same trials, p >= 0.05): 34%.",
            "Per graduation, the host pays least with approach.uncertainty = 0 (variant 0): £36.2k.",
            "As cheap within noise (paired bootstrap, 1000 resamples: the 95% interval of the difference includes 0): approach.uncertainty = 0.5 (variant 1, £36.2k), approach.uncertainty = 1 (variant 2, £36.2k).",
        ]
    );
}

#[test]
fn near_best_variants_are_listed_with_the_best() {
    let text = "name = \"t3\"\ntrials = 30\n[sweep]\n\"host.investment\" = [0.5, 2.0]\n\"host.commitment\" = [0, 26]\n\"core_idea.half_life\" = [0.0, 13.0]\n";
    let out = summary_with(text, &[]);
    assert!(out.contains("are 83% with host.investment = 2, host.commitment = 0 (open-ended), core_idea.half_life = 0 (never fades) (variant 4, "), "{out}");
    // 83%, 83% and 70% of 30 paired trials: McNemar cannot tell them apart; the others it can.
    assert!(out.contains("As good as the best within noise (paired McNemar test on the same trials, p >= 0.05): host.investment = 2, host.commitment = 26, core_idea.half_life = 0 (never fades) (variant 6, 83%), host.investment = 2, host.commitment = 0 (open-ended), core_idea.half_life = 13 (variant 5, 70%).\n"), "{out}");
    assert!(out.contains("Per graduation, the host pays least with host.investment = 2, host.commitment = 26, core_idea.half_life = 0 (never fades) (variant 6): £24.6k.\n"), "{out}");
    assert!(out.contains("As cheap within noise (paired bootstrap, 1000 resamples: the 95% interval of the difference includes 0): host.investment = 0.5, host.commitment = 26, core_idea.half_life = 0 (never fades) (variant 2, £37.4k).\n"), "{out}");
    // Without trials.csv: the 95% intervals, and the cost untested.
    let out = summary(text);
    assert!(out.contains("As good as the best within noise (overlapping 95% intervals; no trials.csv for a paired test): "), "{out}");
    assert!(
        out.contains("(variant 6): £24.6k (not tested against noise: that needs trials.csv).\n"),
        "{out}"
    );
}

/// Issue 14 item 7: which fizzle condition fired, in `trace` (terminal and trace.csv) and per
/// variant in summary.csv, agreeing with trials.csv's `cause` column.
#[test]
fn the_cause_of_fizzling_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");
    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(t)
        .args([
            "trace",
            scenario,
            "--trial",
            "1",
            "--out",
            "tr",
            "--no-plots",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(
        "trial 1 of variant 0 (seed 12263190157730297526): fizzled at week 6 (fewer than 5 active contributors for 6 weeks), furthest stage exploring\n"
    ));
    let csv = std::fs::read_to_string(t.join("tr/trace.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // (the trial's critical mass follows the cause, for the trace picture)
    assert!(lines[0].ends_with(",leavers,cause,critical_mass"));
    assert!(lines[lines.len() - 1].starts_with("6,fizzled,"));
    assert!(lines[lines.len() - 1].ends_with(",too_few_active,5"));
    assert!(lines[1..lines.len() - 1].iter().all(|l| l.ends_with(",,5")));

    let o = Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(t)
        .args([
            "run",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/host-investment.toml"
            ),
        ])
        .args(["--trials", "300", "--out", "o", "--no-plots", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let read = |f: &str| {
        let mut r = csv::Reader::from_path(t.join("o").join(f)).unwrap();
        let h = r.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        (h, rows)
    };
    let (sh, summary) = read("summary.csv");
    let (th, trials) = read("trials.csv");
    let col = |h: &csv::StringRecord, n: &str| h.iter().position(|x| x == n).unwrap();
    for (v, row) in summary.iter().enumerate() {
        let mut total = 0;
        for cause in ["everyone_left", "too_few_active", "out_of_money"] {
            let n: u64 = row[col(&sh, &format!("fizzled_{cause}"))].parse().unwrap();
            let counted = trials
                .iter()
                .filter(|r| r[0] == v.to_string() && &r[col(&th, "cause")] == cause)
                .count() as u64;
            assert_eq!(n, counted, "variant {v} {cause}");
            total += n;
        }
        assert_eq!(total, row[col(&sh, "fizzled")].parse::<u64>().unwrap());
    }
    // No host: all 300 fizzle, every one with too few active.
    assert_eq!(&summary[0][col(&sh, "fizzled_too_few_active")], "300");
}
