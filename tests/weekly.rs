//! `weekly.csv` and its fan chart (issue 14 item 6), on the real binary: present with its
//! header, every trial running at week 0, quantiles in order, the same bytes for any thread
//! count, after an interrupted run is resumed and after shards are merged; the fan chart drawn,
//! skipped with `--no-plots` and redrawn by `hothouse plot`. And observing a trial does not
//! change it.

use assert_cmd::Command;
use hothouse::model::Workspace;
use hothouse::simulation::{VariantProgress, Workers, continue_variant, thread_pool};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

mod common;

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn run(scenario: &str, out: &Path, extra: &[&str]) -> Output {
    let o = hothouse()
        .arg("run")
        .arg(repo(scenario))
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

const HEADER: &str = "variant,week,n_running,participants_mean,participants_p10,participants_p50,participants_p90,active_mean,active_p10,active_p50,active_p90,assets_mean,assets_p10,assets_p50,assets_p90,host_spend_mean,host_spend_p10,host_spend_p50,host_spend_p90";

#[test]
fn weekly_csv_has_its_header_every_trial_at_week_0_and_ordered_quantiles() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    run(
        "scenarios/host-investment.toml",
        &out,
        &["--trials", "60", "--no-plots", "--steps", "30"],
    );
    let text = fs::read_to_string(out.join("weekly.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 6 variants x weeks 0..=30.
    assert_eq!(rows.len(), 6 * 31);
    let mut last_running = u64::MAX;
    for r in &rows {
        assert_eq!(r.len(), 19);
        let (week, n): (u64, u64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
        if week == 0 {
            assert_eq!(n, 60, "every trial runs at week 0: {r:?}");
            assert_eq!(&r[3..7], ["10.000", "10", "10", "10"], "founders: {r:?}");
        } else {
            assert!(n <= last_running, "n_running never grows: {r:?}");
        }
        last_running = n;
        if n == 0 {
            assert!(r[3..].iter().all(|f| f.is_empty()), "{r:?}");
            continue;
        }
        for q in 0..4 {
            let v: Vec<f64> = r[3 + 4 * q..7 + 4 * q]
                .iter()
                .map(|f| f.parse().unwrap())
                .collect();
            assert!(v[1] <= v[2] && v[2] <= v[3], "p10 <= p50 <= p90: {r:?}");
            assert!(v.iter().all(|x| *x >= 0.0), "{r:?}");
        }
    }
    // The host's spend so far, in the variant without a host, is 0 throughout.
    assert!(
        rows.iter()
            .filter(|r| r[0] == "0" && r[2] != "0")
            .all(|r| r[15..19] == ["0.000", "0", "0", "0"])
    );
    // And with a host of 1 staff-day a week at £0.4k a day, £0.4k in week 1 for everyone
    // (the bin's middle, within 0.5%).
    let w1 = rows.iter().find(|r| r[0] == "3" && r[1] == "1").unwrap();
    assert_eq!(w1[15], "0.400");
    for f in &w1[16..19] {
        let v: f64 = f.parse().unwrap();
        assert!((v / 0.4 - 1.0).abs() <= 0.005, "{w1:?}");
    }
    // The manifest records the file.
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"weekly.csv\""), "{manifest}");
}

#[test]
fn weekly_csv_is_the_same_bytes_for_any_threads_and_after_shards_are_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let args = ["--trials", "300", "--no-plots"];
    run(
        "scenarios/host-investment.toml",
        &t.join("one"),
        &[&args[..], &["--threads", "1"]].concat(),
    );
    run(
        "scenarios/host-investment.toml",
        &t.join("two"),
        &[&args[..], &["--threads", "2"]].concat(),
    );
    let one = fs::read(t.join("one/weekly.csv")).unwrap();
    assert_eq!(one, fs::read(t.join("two/weekly.csv")).unwrap());
    assert!(
        !t.join("one/weekly_state.jsonl").exists(),
        "only shards keep their accumulators"
    );
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let dir = t.join(format!("s{k}"));
        run(
            "scenarios/host-investment.toml",
            &dir,
            &[&args[..], &["--shard", &shard]].concat(),
        );
        assert!(dir.join("weekly_state.jsonl").exists());
    }
    let merged = t.join("merged");
    let o = hothouse()
        .arg("merge")
        .args([t.join("s1"), t.join("s2"), t.join("s3")])
        .arg("--out")
        .arg(&merged)
        .arg("--no-plots")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(one, fs::read(merged.join("weekly.csv")).unwrap());

    // A shard whose accumulators were changed after the run is refused.
    let state = t.join("s2/weekly_state.jsonl");
    let text = fs::read_to_string(&state).unwrap();
    fs::write(
        &state,
        text.replacen("\"running\":100", "\"running\":99", 1),
    )
    .unwrap();
    let o = hothouse()
        .arg("merge")
        .args([t.join("s1"), t.join("s2"), t.join("s3")])
        .arg("--out")
        .arg(t.join("bad"))
        .arg("--no-plots")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("weekly_state.jsonl"), "{e}");
}

/// Waits until `ready()` holds, failing if the child ends first.
fn wait_for(child: &mut std::process::Child, what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "waited 5 minutes for {what}"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before {what}; make it longer");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(unix)]
#[test]
fn weekly_csv_is_the_same_bytes_after_an_interrupted_run_is_resumed() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = repo("scenarios/host-investment.toml");
    let args = [
        "--trials",
        "20000",
        "--threads",
        "1",
        "--no-plots",
        "--quiet",
    ];
    let out = t.join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hothouse"))
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rows1 = t.join(".out.partial/variants/000001.trials.csv");
    wait_for(&mut child, "rows of variant 1", || {
        fs::metadata(&rows1).is_ok_and(|m| m.len() > 0)
    });
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(!child.wait().unwrap().success(), "the run was interrupted");
    // The checkpoint holds the weekly accumulators of the trials it counts.
    let staged = fs::read_dir(t.join(".out.partial/variants"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    assert!(
        staged.iter().any(|f| f == "000000.weekly.csv"),
        "{staged:?}"
    );
    let resumed = hothouse()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(args)
        .arg("--resume")
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let clean = t.join("clean");
    run("scenarios/host-investment.toml", &clean, &args[..5]);
    for f in ["weekly.csv", "trials.csv", "summary.csv"] {
        assert!(
            fs::read(out.join(f)).unwrap() == fs::read(clean.join(f)).unwrap(),
            "{f} differs after resume"
        );
    }
}

#[test]
fn the_fan_chart_is_drawn_skipped_with_no_plots_and_redrawn_by_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    run(
        "scenarios/host-investment.toml",
        &out,
        &["--trials", "40", "--steps", "40"],
    );
    let png = out.join("weekly.png");
    let img = image::open(&png).expect("weekly.png decodes");
    // Six variants in two groups of panels: one row of four panels per group.
    assert!(
        img.width() >= 1200 && img.height() >= 800,
        "{}x{}",
        img.width(),
        img.height()
    );
    let svg = fs::read_to_string(out.join("weekly.svg")).unwrap();
    // A sweep's rows are titled by their group; each y axis names its quantity.
    assert!(svg.contains("participants (people)") && svg.contains("host spend so far (£k)"));
    assert!(
        svg.contains("Host investment = 1 to 4"),
        "plain display names"
    );
    fs::remove_file(&png).unwrap();
    let o = hothouse().arg("plot").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(png.is_file(), "plot redraws weekly.png from weekly.csv");

    let bare = tmp.path().join("bare");
    run(
        "scenarios/default.toml",
        &bare,
        &["--trials", "20", "--no-plots"],
    );
    assert!(bare.join("weekly.csv").is_file());
    assert!(!bare.join("weekly.png").exists());
}

/// Collecting weekly statistics observes every trial; the trials are the same as unobserved.
#[test]
fn observed_trials_are_the_trials_unobserved() {
    let s = common::scenario("name = \"w\"\nsteps = 104\n[host]\ninvestment = 1.0\n");
    let model = s.variants()[0].model(&s).unwrap();
    let pool = thread_pool(2).unwrap();
    let cancel = AtomicBool::new(false);
    let results = |weekly: bool| {
        let mut state = if weekly {
            VariantProgress::with_weekly(0, s.steps)
        } else {
            VariantProgress::new(0, s.steps)
        };
        let mut rows = Vec::new();
        continue_variant(
            &model,
            7,
            300,
            Workers::Spread(&pool),
            &cancel,
            &|_| {},
            &mut state,
            |_, _, r| r.clone(),
            |_, r| {
                rows.push(r);
                Ok(())
            },
            |_, _| Ok(()),
        )
        .unwrap();
        (rows, state)
    };
    let (plain, p) = results(false);
    let (observed, o) = results(true);
    assert_eq!(plain, observed);
    assert_eq!(p.counts, o.counts);
    assert!(p.weekly.is_none());
    let w = o.weekly.unwrap();
    w.check(104, 300).unwrap();
    assert_eq!(w.weeks[0].running, 300);
    // And one trial, run directly both ways.
    let mut ws = Workspace::new();
    let seed = hothouse::model::trial_seed(7, 3);
    let mut weeks = 0;
    let r = model
        .run_observed_cancellable(seed, &mut ws, &cancel, |_| weeks += 1)
        .unwrap();
    assert_eq!(r, model.run(seed, &mut ws));
    assert_eq!(weeks, r.time + 1);
}
