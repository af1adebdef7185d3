//! `hothouse sensitivity` and `[sample]` on real files with the real binary: the files written,
//! their columns and sizes, and that results do not depend on threads or on an interruption.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

const STUDY: &str = r#"name = "tiny"
seed = 11
trials = 60
steps = 52
[sensitivity]
method = "morris"
trajectories = 3
resamples = 50
[sensitivity.parameters]
"host.investment" = { low = 0.25, high = 4, scale = "log" }
"participation.cost" = [0.8, 1.5]
"community.critical_mass" = [2, 8]
"#;

fn run_study(dir: &Path, text: &str, out: &str, extra: &[&str]) -> String {
    let file = dir.join("study.toml");
    fs::write(&file, text).unwrap();
    let out_dir = dir.join(out);
    let a = hothouse()
        .arg("sensitivity")
        .arg(&file)
        .arg("--out")
        .arg(&out_dir)
        .args(extra)
        .assert()
        .success();
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn morris_study_writes_its_files_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    run_study(dir.path(), STUDY, "one", &["--threads", "1", "--quiet"]);
    run_study(dir.path(), STUDY, "two", &["--threads", "2", "--quiet"]);
    let one = dir.path().join("one");
    for f in [
        "indices.csv",
        "design.csv",
        "manifest.json",
        "sensitivity.png",
        "sensitivity.svg",
    ] {
        assert!(one.join(f).is_file(), "{f}");
    }
    let indices = fs::read_to_string(one.join("indices.csv")).unwrap();
    let design = fs::read_to_string(one.join("design.csv")).unwrap();
    assert_eq!(
        indices.lines().next().unwrap(),
        "output,parameter,mu,mu_star,mu_star_lower,mu_star_upper,sigma,effects,rank"
    );
    // 4 outputs x 3 parameters; 3 trajectories x (3 + 1) points.
    assert_eq!(indices.lines().count(), 1 + 12);
    assert_eq!(design.lines().count(), 1 + 12);
    assert!(design.lines().next().unwrap().starts_with(
        "point,trajectory,host.investment,participation.cost,community.critical_mass,trials,graduated,p_graduate"
    ));
    let two = dir.path().join("two");
    assert_eq!(
        indices,
        fs::read_to_string(two.join("indices.csv")).unwrap()
    );
    assert_eq!(design, fs::read_to_string(two.join("design.csv")).unwrap());
}

#[test]
fn sobol_study_has_n_times_k_plus_2_points() {
    let dir = tempfile::tempdir().unwrap();
    let text = STUDY.replace(
        "method = \"morris\"\ntrajectories = 3",
        "method = \"sobol\"\nn = 4",
    );
    run_study(dir.path(), &text, "s", &["--quiet"]);
    let design = fs::read_to_string(dir.path().join("s/design.csv")).unwrap();
    assert_eq!(design.lines().count(), 1 + 4 * 5);
    let indices = fs::read_to_string(dir.path().join("s/indices.csv")).unwrap();
    assert!(
        indices.starts_with("output,parameter,s1,s1_lower,s1_upper,st,st_lower,st_upper,rank\n")
    );
}

#[test]
fn a_scenario_without_a_sensitivity_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.toml");
    fs::write(&file, "name = \"plain\"\n").unwrap();
    hothouse()
        .arg("sensitivity")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("o"))
        .assert()
        .code(2);
    assert!(!dir.path().join("o").exists());
}

#[test]
fn sampled_design_gives_one_variant_per_point_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.toml");
    fs::write(
        &file,
        "name = \"s\"\nseed = 3\ntrials = 20\n[sample]\nmethod = \"lhs\"\nn = 5\n[sample.parameters]\n\"host.investment\" = [0.5, 4]\n\"community.critical_mass\" = [2, 6]\n",
    )
    .unwrap();
    for out in ["a", "b"] {
        hothouse()
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(dir.path().join(out))
            .args(["--quiet", "--no-plots"])
            .assert()
            .success();
    }
    let a = fs::read_to_string(dir.path().join("a/variants.csv")).unwrap();
    assert_eq!(
        a,
        fs::read_to_string(dir.path().join("b/variants.csv")).unwrap()
    );
    assert_eq!(a.lines().count(), 6);
    assert_eq!(
        a.lines().next().unwrap(),
        "variant,host.investment,community.critical_mass"
    );
    // Latin hypercube: the five values of each parameter fall in five different fifths.
    let mut fifths: Vec<usize> = a
        .lines()
        .skip(1)
        .map(|l| {
            let x: f64 = l.split(',').nth(1).unwrap().parse().unwrap();
            ((x - 0.5) / 3.5 * 5.0) as usize
        })
        .collect();
    fifths.sort_unstable();
    assert_eq!(fifths, vec![0, 1, 2, 3, 4]);
}

#[test]
fn merged_parts_are_byte_identical_to_the_whole_study() {
    let dir = tempfile::tempdir().unwrap();
    let text = STUDY.replace(
        "method = \"morris\"\ntrajectories = 3",
        "method = \"sobol\"\nn = 4",
    );
    run_study(dir.path(), &text, "whole", &["--quiet"]);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        run_study(
            dir.path(),
            &text,
            &format!("part{k}"),
            &["--quiet", "--shard", &shard],
        );
    }
    // a part holds its own points only, and no indices
    let part2 = fs::read_to_string(dir.path().join("part2/design.csv")).unwrap();
    assert_eq!(part2.lines().count(), 1 + 7, "{part2}"); // points 6..13 of 20
    assert!(!dir.path().join("part2/indices.csv").exists());
    let merged = dir.path().join("merged");
    hothouse()
        .current_dir(dir.path())
        .args(["merge", "part3", "part1", "part2", "--out", "merged"])
        .assert()
        .success();
    for f in ["design.csv", "indices.csv", "sensitivity.svg"] {
        assert_eq!(
            fs::read(dir.path().join("whole").join(f)).unwrap(),
            fs::read(merged.join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest = fs::read_to_string(merged.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"command\": \"merge\""), "{manifest}");
    // a part missing: refused, nothing written
    hothouse()
        .current_dir(dir.path())
        .args(["merge", "part1", "part3", "--out", "short"])
        .assert()
        .code(2);
    assert!(!dir.path().join("short").exists());
}
