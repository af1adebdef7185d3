//! The real binary on real scenario files: output files and columns, reproducibility across
//! thread counts, shards merged equal to the single run, interruption and resume.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CSV_FILES: &[&str] = &[
    "variants.csv",
    "trials.csv",
    "survival.csv",
    "summary.csv",
    "logrank.csv",
];

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `hothouse run` with extra arguments and asserts success.
fn run(scenario: &str, out: &Path, extra: &[&str]) -> String {
    let output = hothouse()
        .arg("run")
        .arg(repo(scenario))
        .arg("--out")
        .arg(out)
        .args(["--no-plots", "--quiet"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "hothouse run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_same_csvs(a: &Path, b: &Path) {
    for f in CSV_FILES {
        let x = fs::read(a.join(f)).unwrap_or_else(|e| panic!("{}: {e}", a.join(f).display()));
        let y = fs::read(b.join(f)).unwrap_or_else(|e| panic!("{}: {e}", b.join(f).display()));
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn header(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn default_scenario_writes_every_contract_file_with_its_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("default");
    run("scenarios/default.toml", &out, &["--trials", "200"]);
    for f in CSV_FILES.iter().chain(&["manifest.json"]) {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert_eq!(header(&out.join("variants.csv")), "variant");
    assert!(
        header(&out.join("trials.csv")).starts_with("variant,trial,seed,outcome,time,"),
        "{}",
        header(&out.join("trials.csv"))
    );
    assert_eq!(
        header(&out.join("survival.csv")),
        "variant,time,at_risk,fizzled,graduated,censored,survival,survival_lower,survival_upper,cif_fizzled,cif_graduated"
    );
    assert_eq!(
        header(&out.join("summary.csv")),
        "variant,trials,graduated,fizzled,censored,p_graduate,p_graduate_lower,p_graduate_upper,median_survival,rmst,mean_host_spend,mean_host_covered,host_outlay_per_graduate,fizzled_everyone_left,fizzled_too_few_active,fizzled_out_of_money"
    );
    assert_eq!(
        header(&out.join("logrank.csv")),
        "variant_a,variant_b,chi2,df,p_value"
    );
    // 200 trials, one row each; survival has times 0..=104.
    let trials = fs::read_to_string(out.join("trials.csv")).unwrap();
    assert_eq!(trials.lines().count(), 201);
    let survival = fs::read_to_string(out.join("survival.csv")).unwrap();
    assert_eq!(survival.lines().count(), 1 + 105);
    // Every outcome is one of the three names and its time is in 1..=104.
    let mut rdr = csv::Reader::from_path(out.join("trials.csv")).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        assert!(["graduated", "fizzled", "censored"].contains(&&rec[3]));
        let t: u32 = rec[4].parse().unwrap();
        assert!((1..=104).contains(&t));
        if &rec[3] == "censored" {
            assert_eq!(t, 104);
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for key in [
        "version",
        "scenario_path",
        "scenario_text",
        "base_parameters",
        "variants",
        "seed",
        "trials",
        "steps",
        "threads",
        "shard",
        "started",
        "finished",
        "wall_seconds",
        "agent_steps",
        "trials_per_second",
        "rand_version",
        "rand_distr_version",
    ] {
        assert!(manifest.get(key).is_some(), "manifest lacks {key}");
    }
    assert_eq!(manifest["trials"], 200);
    assert_eq!(manifest["seed"], 20200323);
    assert!(
        manifest["rand_version"]
            .as_str()
            .unwrap()
            .starts_with("0.10")
    );
    assert!(manifest["agent_steps"].as_u64().unwrap() > 200);
}

#[test]
fn csv_files_are_byte_identical_for_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    let args = ["--trials", "300", "--steps", "60"];
    run(
        "scenarios/host-investment.toml",
        &a,
        &[&args[..], &["--threads", "1"]].concat(),
    );
    run(
        "scenarios/host-investment.toml",
        &b,
        &[&args[..], &["--threads", "2"]].concat(),
    );
    assert_same_csvs(&a, &b);
}

// Nine variants of few trials: one after another on one thread, side by side on two (at least
// four variants a worker), spread one at a time over three (docs/PERFORMANCE.md). The files
// must not tell which.
#[test]
fn variants_side_by_side_or_in_turn_give_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--trials", "150", "--steps", "80"];
    let dirs: Vec<PathBuf> = ["1", "2", "3"]
        .iter()
        .map(|threads| {
            let dir = tmp.path().join(format!("t{threads}"));
            run(
                "scenarios/informal-vs-structured.toml",
                &dir,
                &[&args[..], &["--threads", threads]].concat(),
            );
            dir
        })
        .collect();
    assert_same_csvs(&dirs[0], &dirs[1]);
    assert_same_csvs(&dirs[0], &dirs[2]);
    let weekly = |d: &Path| fs::read(d.join("weekly.csv")).unwrap();
    assert_eq!(weekly(&dirs[0]), weekly(&dirs[1]));
    assert_eq!(weekly(&dirs[0]), weekly(&dirs[2]));
}

#[test]
fn same_trial_has_the_same_seed_in_every_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("crn");
    run(
        "scenarios/host-investment.toml",
        &out,
        &["--trials", "20", "--steps", "20"],
    );
    let mut seeds = std::collections::HashMap::new();
    let mut rdr = csv::Reader::from_path(out.join("trials.csv")).unwrap();
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let seed = seeds
            .entry(rec[1].to_string())
            .or_insert(rec[2].to_string());
        assert_eq!(
            *seed,
            rec[2].to_string(),
            "trial {} differs across variants",
            &rec[1]
        );
        rows += 1;
    }
    assert_eq!(rows, 6 * 20);
}

#[test]
fn two_shards_merged_equal_the_single_run_file_by_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let args = ["--trials", "301", "--steps", "52"];
    run(
        "scenarios/brand-and-recruitment.toml",
        &t.join("whole"),
        &args,
    );
    run(
        "scenarios/brand-and-recruitment.toml",
        &t.join("s2"),
        &[&args[..], &["--shard", "2/2"]].concat(),
    );
    run(
        "scenarios/brand-and-recruitment.toml",
        &t.join("s1"),
        &[&args[..], &["--shard", "1/2"]].concat(),
    );
    // Shards given out of order are put in order.
    hothouse()
        .args(["merge", "--no-plots", "--out"])
        .arg(t.join("merged"))
        .arg(t.join("s2"))
        .arg(t.join("s1"))
        .assert()
        .success();
    assert_same_csvs(&t.join("whole"), &t.join("merged"));

    // A missing shard, a repeated shard and shards of another seed are refused (exit 2).
    let refuse = |dirs: &[PathBuf], needle: &str| {
        let out = hothouse()
            .args(["merge", "--no-plots", "--out"])
            .arg(t.join("refused"))
            .args(dirs)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "expected '{needle}' in: {err}");
        assert!(!t.join("refused").exists());
    };
    refuse(&[t.join("s1")], "shard 2/2 is missing");
    refuse(&[t.join("s1"), t.join("s1")], "both shard 1/2");
    run(
        "scenarios/brand-and-recruitment.toml",
        &t.join("other"),
        &[&args[..], &["--shard", "2/2", "--seed", "5"]].concat(),
    );
    refuse(&[t.join("s1"), t.join("other")], "seed");
    refuse(&[t.join("whole")], "not a shard");
}

#[test]
fn no_trials_skips_trials_csv_but_keeps_the_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run("scenarios/default.toml", &a, &["--trials", "100"]);
    run(
        "scenarios/default.toml",
        &b,
        &["--trials", "100", "--no-trials"],
    );
    assert!(!b.join("trials.csv").exists());
    for f in ["survival.csv", "summary.csv", "variants.csv", "logrank.csv"] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn highest_host_investment_graduates_more_communities_than_none() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hi");
    run("scenarios/host-investment.toml", &out, &["--trials", "400"]);
    let mut rdr = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let h = rdr.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (inv, lo, hi) = (
        col("host.investment"),
        col("p_graduate_lower"),
        col("p_graduate_upper"),
    );
    let none = rows.iter().find(|r| &r[inv] == "0").unwrap();
    let most = rows
        .iter()
        .max_by(|a, b| {
            a[inv]
                .parse::<f64>()
                .unwrap()
                .total_cmp(&b[inv].parse().unwrap())
        })
        .unwrap();
    // The 95% Wilson intervals do not even overlap.
    let none_hi: f64 = none[hi].parse().unwrap();
    let most_lo: f64 = most[lo].parse().unwrap();
    assert!(most_lo > none_hi, "most {most_lo} vs none {none_hi}");
}

#[test]
fn existing_output_needs_force_and_force_replaces_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    run("scenarios/default.toml", &out, &["--trials", "20"]);
    fs::write(out.join("marker"), "old").unwrap();
    let o = hothouse()
        .args(["run", "--quiet", "--no-plots", "--trials", "20", "--out"])
        .arg(&out)
        .arg(repo("scenarios/default.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert!(out.join("marker").exists(), "the old folder was touched");
    run(
        "scenarios/default.toml",
        &out,
        &["--trials", "20", "--force"],
    );
    assert!(!out.join("marker").exists());
    assert!(out.join("summary.csv").exists());
}

fn finished_variants(staging: &Path) -> usize {
    fs::read_dir(staging.join("variants"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".json") && !name.ends_with(".checkpoint.json")
                })
                .count()
        })
        .unwrap_or(0)
}

#[cfg(unix)]
#[test]
fn interrupted_run_keeps_old_results_and_resume_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = repo("scenarios/host-investment.toml");
    let args = ["--trials", "20000", "--steps", "104", "--threads", "1"];
    // The reference: an uninterrupted run.
    run("scenarios/host-investment.toml", &t.join("clean"), &args);
    // Earlier results in the target folder.
    let out = t.join("out");
    run("scenarios/default.toml", &out, &["--trials", "10"]);
    let old = fs::read(out.join("summary.csv")).unwrap();
    let old_trials = fs::read(out.join("trials.csv")).unwrap();

    let bin = assert_cmd::cargo::cargo_bin("hothouse");
    let mut child = std::process::Command::new(&bin)
        .arg("run")
        .arg(&scenario)
        .args(args)
        .args(["--no-plots", "--quiet", "--force", "--out"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until at least one variant has finished (but not all), then press Ctrl-C.
    let staging = t.join(".out.partial");
    let start = Instant::now();
    while finished_variants(&staging) < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "run made no progress"
        );
        if child.try_wait().unwrap().is_some() {
            panic!("the run finished before it could be interrupted; make it longer");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "an interrupted run must not report success"
    );
    // The previous results are intact, and no partial output replaced them.
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), old);
    assert_eq!(fs::read(out.join("trials.csv")).unwrap(), old_trials);
    let done = finished_variants(&staging);
    assert!((1..6).contains(&done), "{done} variants finished");

    // --resume completes it, to the same files as the clean run.
    let o = hothouse()
        .arg("run")
        .arg(&scenario)
        .args(args)
        .args(["--no-plots", "--quiet", "--force", "--resume", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_csvs(&t.join("clean"), &out);
    assert!(
        !staging.exists(),
        "the staging folder is removed after success"
    );
}

#[test]
fn check_prints_variants_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = hothouse()
        .current_dir(tmp.path())
        .arg("check")
        .arg(repo("scenarios/informal-vs-structured.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("9 variant(s)"), "{text}");
    assert!(
        text.contains("variant 8: approach.structure = 1, approach.uncertainty = 1"),
        "{text}"
    );
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn plot_redraws_a_runs_pictures_from_its_csv_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pics");
    hothouse()
        .arg("run")
        .arg(repo("scenarios/brand-and-recruitment.toml"))
        .args(["--trials", "40", "--steps", "30", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let pictures = [
        "survival.png",
        "survival.svg",
        "cif.png",
        "cif.svg",
        "graduation.png",
        "graduation.svg",
        "graduation_heatmap.png",
        "graduation_heatmap.svg",
    ];
    let mut before = Vec::new();
    for p in pictures {
        let bytes = fs::read(out.join(p)).unwrap_or_else(|_| panic!("{p} missing"));
        if p.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{p} is not a PNG");
        } else {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(text.contains("<svg"), "{p} is not an SVG");
        }
        before.push(bytes);
        fs::remove_file(out.join(p)).unwrap();
    }
    let svg = String::from_utf8(before[1].clone()).unwrap();
    assert!(
        svg.contains("Initial brand recognition = 0.3"),
        "legend names variants by swept values"
    );
    assert!(svg.contains("time (weeks)"), "axis title with unit");
    hothouse().arg("plot").arg(&out).assert().success();
    for (p, old) in pictures.iter().zip(&before) {
        assert_eq!(
            &fs::read(out.join(p)).unwrap(),
            old,
            "{p} redrawn differently"
        );
    }
    // A folder that is not an output folder is bad input.
    let o = hothouse().arg("plot").arg(tmp.path()).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn trace_writes_its_history_and_picture() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("trace");
    let o = hothouse()
        .arg("trace")
        .arg(repo("scenarios/default.toml"))
        .args(["--variant", "0", "--trial", "3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = fs::read_to_string(out.join("trace.csv")).unwrap();
    assert!(csv.starts_with("time,stage,participants,active,"));
    assert!(csv.lines().nth(1).unwrap().starts_with("0,convening,10,"));
    let png = fs::read(out.join("trace.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Variants and trials that do not exist are bad input.
    for args in [["--variant", "1"], ["--trial", "2000"]] {
        let o = hothouse()
            .arg("trace")
            .arg(repo("scenarios/default.toml"))
            .args(args)
            .arg("--out")
            .arg(tmp.path().join("x"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
    }
}

#[cfg(unix)]
#[test]
fn resume_continues_inside_a_variant_from_its_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let args = ["--trials", "300000", "--threads", "1"];
    run("scenarios/default.toml", &t.join("clean"), &args);
    let out = t.join("one");
    let bin = assert_cmd::cargo::cargo_bin("hothouse");
    let mut child = std::process::Command::new(&bin)
        .arg("run")
        .arg(repo("scenarios/default.toml"))
        .args(args)
        .args(["--no-plots", "--quiet", "--out"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first rows are on disk: Ctrl-C makes the run save a checkpoint at the
    // last whole chunk (besides the one it saves every second).
    let rows = t.join(".one.partial/variants/000000.trials.csv");
    let checkpoint = t.join(".one.partial/variants/000000.checkpoint.json");
    let start = Instant::now();
    while fs::metadata(&rows).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        if child.try_wait().unwrap().is_some() {
            panic!("the run finished before it could be interrupted; make it longer");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(!child.wait().unwrap().success());
    assert!(!out.exists(), "no partial output folder");
    let saved: serde_json::Value = serde_json::from_slice(&fs::read(&checkpoint).unwrap()).unwrap();
    let next = saved["state"]["next_trial"].as_u64().unwrap();
    assert!(next > 0 && next < 300_000, "checkpoint at trial {next}");

    run(
        "scenarios/default.toml",
        &out,
        &[&args[..], &["--resume"]].concat(),
    );
    assert_same_csvs(&t.join("clean"), &out);
}

#[test]
fn params_lists_every_parameter_with_its_default() {
    let out = hothouse().arg("params").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for spec in hothouse::parameters::SPECS {
        assert!(text.contains(spec.path), "{} missing", spec.path);
    }
    assert!(text.contains("host.investment"));
    assert!(text.contains("= 1 staff-days/week"), "{text}");
}
