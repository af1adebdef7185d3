//! Nothing lost, nothing silently wrong (issue 15): the real binary against concurrent runs,
//! damaged staging and shards, interrupted publishing, hostile paths and closed pipes. Each test
//! reproduces a case that went wrong before, and waits for files rather than for time, so that it
//! holds on a slow, loaded machine.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `hothouse run SCENARIO --out OUT --no-plots --quiet EXTRA...`, in `cwd`.
fn run_in(cwd: &Path, scenario: &str, out: &Path, extra: &[&str]) -> Output {
    hothouse()
        .current_dir(cwd)
        .arg("run")
        .arg(repo(scenario))
        .arg("--out")
        .arg(out)
        .args(["--no-plots", "--quiet"])
        .args(extra)
        .output()
        .expect("runs")
}

fn run_ok(scenario: &str, out: &Path, extra: &[&str]) {
    let o = run_in(Path::new("."), scenario, out, extra);
    assert!(o.status.success(), "run failed: {}", stderr(&o));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit code 2 and that stderr holds every one of `words`; returns stderr.
fn refused(o: &Output, words: &[&str]) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2; stderr: {e}");
    assert!(!e.contains("panicked"), "{e}");
    for w in words {
        assert!(e.contains(w), "stderr lacks `{w}`: {e}");
    }
    e
}

fn spawn_run(scenario: &str, out: &Path, extra: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("hothouse"))
        .arg("run")
        .arg(repo(scenario))
        .arg("--out")
        .arg(out)
        .args(["--no-plots", "--quiet"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns")
}

/// Waits until `ready()` holds, failing if the child ends first or nothing happens in 5 minutes.
fn wait_for(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
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

fn interrupt(child: &mut Child) {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(!child.wait().unwrap().success());
}

fn len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// Item 1: two runs with the same --out.
#[cfg(unix)]
#[test]
fn a_second_run_on_the_same_output_is_refused_naming_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cc");
    let mut first = spawn_run(
        "scenarios/host-investment.toml",
        &out,
        &["--trials", "1000000", "--threads", "1", "--force"],
    );
    let lock = tmp.path().join(".cc.lock");
    let pid = first.id().to_string();
    wait_for(&mut first, "the lock file", || {
        fs::read_to_string(&lock).is_ok_and(|t| t.trim() == pid)
    });
    let second = run_in(
        tmp.path(),
        "scenarios/default.toml",
        &out,
        &["--trials", "10", "--force"],
    );
    refused(&second, &["in use", &format!("process {pid}")]);
    // The same for merge into that folder.
    let merge = hothouse()
        .arg("merge")
        .arg(tmp.path().join("nothing"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    refused(&merge, &[&format!("process {pid}")]);
    interrupt(&mut first);
    assert!(!lock.exists(), "the lock file is removed on exit");
    // Once the first has ended, the folder is free again.
    run_ok(
        "scenarios/default.toml",
        &out,
        &["--trials", "10", "--force"],
    );
}

/// Rows files and records of an interrupted run: variant 0 finished, variant 1 checkpointed
/// with rows on disk.
fn interrupted_staging(t: &Path, args: &[&str]) -> PathBuf {
    let out = t.join("out");
    let mut child = spawn_run("scenarios/host-investment.toml", &out, args);
    let staging = t.join(".out.partial");
    let rows1 = staging.join("variants/000001.trials.csv");
    wait_for(&mut child, "rows of variant 1", || len(&rows1) > 0);
    interrupt(&mut child);
    assert!(staging.join("variants/000000.json").exists());
    assert!(staging.join("variants/000001.checkpoint.json").exists());
    staging
}

fn resume(t: &Path, args: &[&str]) -> Output {
    run_in(
        t,
        "scenarios/host-investment.toml",
        &t.join("out"),
        &[args, &["--resume"]].concat(),
    )
}

// Item 2: --resume from damaged staging.
#[cfg(unix)]
#[test]
fn resume_refuses_damaged_or_missing_rows_and_then_completes_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let args = ["--trials", "20000", "--threads", "1"];
    let staging = interrupted_staging(t, &args);
    let done_rows = staging.join("variants/000000.trials.csv");
    let running_rows = staging.join("variants/000001.trials.csv");
    let checkpoint: serde_json::Value =
        serde_json::from_slice(&fs::read(staging.join("variants/000001.checkpoint.json")).unwrap())
            .unwrap();
    let saved = checkpoint["rows_len"].as_u64().unwrap() as usize;
    assert!(saved > 0);
    let damage = |path: &Path, bytes: Option<Vec<u8>>, words: &[&str]| {
        let original = fs::read(path).unwrap();
        match bytes {
            Some(b) => fs::write(path, b).unwrap(),
            None => fs::remove_file(path).unwrap(),
        }
        let o = resume(t, &args);
        refused(&o, &[&path.display().to_string(), "without --resume"]);
        for w in words {
            assert!(stderr(&o).contains(w), "{}", stderr(&o));
        }
        // Refused before touching anything: the damaged file is as it was left.
        if let Ok(now) = fs::read(path) {
            assert!(
                !now.contains(&0u8),
                "NUL bytes were written into {}",
                path.display()
            );
        }
        assert!(!t.join("out").exists(), "nothing was published");
        fs::write(path, original).unwrap();
    };
    let done = fs::read(&done_rows).unwrap();
    let running = fs::read(&running_rows).unwrap();
    // The running variant's rows cut short of its checkpoint.
    damage(
        &running_rows,
        Some(running[..saved / 2].to_vec()),
        &["bytes"],
    );
    // A finished variant's rows cut short, mid-row.
    damage(&done_rows, Some(done[..done.len() - 100].to_vec()), &[]);
    // The same length, one row's variant changed.
    let mut edited = done.clone();
    let row = done.len() / 2
        + done[done.len() / 2..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    edited[row] = b'7';
    damage(&done_rows, Some(edited), &["checksum"]);
    // Deleted.
    damage(&done_rows, None, &["missing"]);
    damage(&running_rows, None, &["missing"]);

    // Undamaged, it completes to the same files as a run never interrupted.
    let o = resume(t, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    run_ok("scenarios/host-investment.toml", &t.join("clean"), &args);
    for f in ["trials.csv", "survival.csv", "summary.csv", "logrank.csv"] {
        assert!(
            fs::read(t.join("out").join(f)).unwrap() == fs::read(t.join("clean").join(f)).unwrap(),
            "{f} differs after resume"
        );
    }
}

/// Two shards of a small run, in `t/s1` and `t/s2`.
fn shards(t: &Path) -> (PathBuf, PathBuf) {
    let (s1, s2) = (t.join("s1"), t.join("s2"));
    for (k, s) in [("1/2", &s1), ("2/2", &s2)] {
        run_ok(
            "scenarios/host-investment.toml",
            s,
            &["--trials", "300", "--steps", "52", "--shard", k],
        );
    }
    (s1, s2)
}

fn merge(t: &Path, dirs: &[&Path], out: &str) -> Output {
    hothouse()
        .current_dir(t)
        .arg("merge")
        .args(dirs)
        .args(["--no-plots", "--out", out])
        .output()
        .unwrap()
}

// Item 3 (and 13): merge checks what it is given.
#[test]
fn the_manifest_records_each_csv_files_checksum_and_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let (s1, _) = shards(tmp.path());
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(s1.join("manifest.json")).unwrap()).unwrap();
    for (file, rows) in [
        ("trials.csv", 6 * 150),
        ("survival.csv", 6 * 53),
        ("summary.csv", 6),
        ("variants.csv", 6),
        ("logrank.csv", 6),
    ] {
        let rec = &m["files"][file];
        let bytes = fs::read(s1.join(file)).unwrap();
        assert_eq!(rec["rows"], rows, "{file}");
        assert_eq!(rec["bytes"], bytes.len() as u64, "{file}");
        assert_eq!(rec["sha256"], sha256_hex(&bytes), "{file}");
    }
}

#[test]
fn merge_refuses_edited_cut_or_relabelled_shards_naming_shard_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (s1, s2) = shards(t);
    let case = |name: &str, edit: &dyn Fn(&Path), file: &str| {
        let bad = t.join(name);
        copy_dir(&s2, &bad);
        edit(&bad);
        let o = merge(t, &[&s1, &bad], &format!("m-{name}"));
        refused(&o, &[&bad.display().to_string(), file]);
        assert!(
            !t.join(format!("m-{name}")).exists(),
            "{name}: merged anyway"
        );
    };
    let rewrite = |path: &Path, f: &dyn Fn(String) -> String| {
        let text = fs::read_to_string(path).unwrap();
        fs::write(path, f(text)).unwrap();
    };
    case(
        "outcome",
        &|d| {
            rewrite(&d.join("trials.csv"), &|t| {
                if t.contains(",fizzled,") {
                    t.replacen(",fizzled,", ",graduated,", 1)
                } else {
                    t.replacen(",graduated,", ",fizzled,", 1)
                }
            })
        },
        "trials.csv",
    );
    case(
        "deleted-rows",
        &|d| {
            rewrite(&d.join("trials.csv"), &|t| {
                let lines: Vec<&str> = t.lines().collect();
                let mut kept: Vec<&str> = lines[..100].to_vec();
                kept.extend(&lines[301..]);
                kept.join("\n") + "\n"
            })
        },
        "trials.csv",
    );
    case(
        "header-only",
        &|d| {
            rewrite(&d.join("trials.csv"), &|t| {
                t.lines().next().unwrap().to_string() + "\n"
            })
        },
        "trials.csv",
    );
    case(
        "cut-mid-row",
        &|d| rewrite(&d.join("trials.csv"), &|t| t[..t.len() / 2].to_string()),
        "trials.csv",
    );
    case(
        "missing",
        &|d| fs::remove_file(d.join("trials.csv")).unwrap(),
        "trials.csv",
    );
    case(
        "survival-count",
        &|d| {
            rewrite(&d.join("survival.csv"), &|t| {
                let mut lines: Vec<String> = t.lines().map(String::from).collect();
                // variant,time,at_risk,fizzled,...: raise one fizzled count by 5000
                let mut f: Vec<String> = lines[5].split(',').map(String::from).collect();
                f[3] = (f[3].parse::<u64>().unwrap() + 5000).to_string();
                lines[5] = f.join(",");
                lines.join("\n") + "\n"
            })
        },
        "survival.csv",
    );
    case(
        "garbled-survival",
        &|d| rewrite(&d.join("survival.csv"), &|t| t.replacen(",", "\"", 3)),
        "survival.csv",
    );
    // A copy of shard 1 relabelled as shard 2: its files match its manifest, but its trials
    // are not shard 2's.
    let relabel = |m: &Path, range_too: bool| {
        let mut v: serde_json::Value = serde_json::from_slice(&fs::read(m).unwrap()).unwrap();
        v["shard"]["index"] = 2.into();
        if range_too {
            v["trial_range"] = serde_json::json!([150, 300]);
        }
        fs::write(m, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    };
    for (name, range_too, file) in [
        ("relabelled", false, "manifest.json"),
        ("relabelled-range", true, "trials.csv"),
    ] {
        let bad = t.join(name);
        copy_dir(&s1, &bad);
        relabel(&bad.join("manifest.json"), range_too);
        let o = merge(t, &[&s1, &bad], &format!("m-{name}"));
        refused(&o, &[&bad.display().to_string()]);
        let e = stderr(&o);
        assert!(e.contains(file) || e.contains("survival.csv"), "{e}");
    }
    // Untouched, the same shards merge.
    let o = merge(t, &[&s1, &s2], "m-good");
    assert!(o.status.success(), "{}", stderr(&o));
}

// Item 4.
#[test]
fn merge_refuses_an_out_that_is_or_holds_an_input() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (s1, s2) = shards(t);
    let before = fs::read(s2.join("trials.csv")).unwrap();
    let o = hothouse()
        .current_dir(t)
        .args(["merge", "s1", "s2", "--out", "s2", "--force", "--no-plots"])
        .output()
        .unwrap();
    refused(&o, &["s2", "destroy"]);
    let o = hothouse()
        .current_dir(t)
        .args(["merge", "s1", "./s2", "--out", ".", "--force", "--no-plots"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    fs::create_dir(t.join("shards")).unwrap();
    fs::rename(&s1, t.join("shards/s1")).unwrap();
    let o = hothouse()
        .current_dir(t)
        .args([
            "merge",
            "shards/s1",
            "s2",
            "--out",
            "shards",
            "--force",
            "--no-plots",
        ])
        .output()
        .unwrap();
    refused(&o, &["shards/s1", "destroy"]);
    assert_eq!(fs::read(s2.join("trials.csv")).unwrap(), before);
    assert!(t.join("shards/s1/trials.csv").exists());
}

// Item 5: a publish stopped between its two renames left only `.NAME.old-PID`.
#[test]
fn results_set_aside_by_an_interrupted_publish_are_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("o");
    run_ok("scenarios/default.toml", &out, &["--trials", "20"]);
    let old = fs::read(out.join("summary.csv")).unwrap();
    fs::rename(&out, t.join(".o.old-4242")).unwrap();
    // Without --force: restored, then refused as an existing folder.
    let o = run_in(t, "scenarios/default.toml", &out, &["--trials", "30"]);
    refused(&o, &["restored", "--force"]);
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), old);
    assert!(!t.join(".o.old-4242").exists());
    // A set-aside copy beside a published folder is what a publish failed to remove: removed.
    copy_dir(&out, &t.join(".o.old-4243"));
    run_ok(
        "scenarios/default.toml",
        &out,
        &["--trials", "30", "--force"],
    );
    assert!(!t.join(".o.old-4243").exists());
    assert_ne!(fs::read(out.join("summary.csv")).unwrap(), old);
    let hidden: Vec<String> = fs::read_dir(t)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
}

// Item 9: a closed stdout.
#[allow(clippy::incompatible_msrv)]
#[test]
fn a_closed_stdout_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/default.toml");
    let scenario = scenario.to_str().unwrap();
    let out = tmp.path().join("o");
    let out = out.to_str().unwrap();
    for args in [
        vec!["params"],
        vec!["check", scenario],
        vec![
            "run",
            scenario,
            "--trials",
            "10",
            "--no-plots",
            "--out",
            out,
        ],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("hothouse"))
            .args(&args)
            .stdout(writer)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{args:?}: {}", stderr(&o));
    }
}

// Item 11.
#[test]
fn plot_removes_temporary_pictures_an_interrupted_plot_left() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    run_ok("scenarios/default.toml", &out, &["--trials", "20"]);
    let stale = [
        out.join(".cif.png.99999-2.tmp.png"),
        out.join(".survival.svg.tmp-99999"),
    ];
    for s in &stale {
        fs::write(s, "half a picture").unwrap();
    }
    let o = hothouse().arg("plot").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for s in &stale {
        assert!(!s.exists(), "{} is still there", s.display());
    }
    assert!(out.join("cif.png").exists());
}

// Item 12.
#[test]
fn a_stale_staging_file_or_folder_without_fingerprint_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("o");
    let staging = t.join(".o.partial");
    fs::write(&staging, "not a folder").unwrap();
    let o = run_in(
        t,
        "scenarios/default.toml",
        &out,
        &["--trials", "20", "--resume"],
    );
    refused(&o, &["is a file", "without --resume"]);
    fs::remove_file(&staging).unwrap();
    fs::create_dir(&staging).unwrap();
    let o = run_in(
        t,
        "scenarios/default.toml",
        &out,
        &["--trials", "20", "--resume"],
    );
    refused(&o, &["fingerprint.json", "without --resume"]);
    // Without --resume the stale staging (folder or file) is replaced.
    run_ok("scenarios/default.toml", &out, &["--trials", "20"]);
    fs::write(&staging, "not a folder").unwrap();
    run_ok(
        "scenarios/default.toml",
        &out,
        &["--trials", "20", "--force"],
    );
    assert!(!staging.exists());
}

// Items 14, 15 and 16: paths that cannot take the output, refused before any work.
#[cfg(unix)]
#[test]
fn unusable_out_paths_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = t.join("file");
    fs::write(&file, "x").unwrap();
    let scenario = repo("scenarios/default.toml");
    let trace = |out: &Path| {
        hothouse()
            .arg("trace")
            .arg(&scenario)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    refused(&trace(&file), &["not a folder"]);
    refused(&trace(Path::new("/dev/null")), &["not a folder"]);
    refused(&trace(&file.join("sub")), &["is not a folder"]);
    let big = ["--trials", "100000"];
    let o = run_in(t, "scenarios/default.toml", &file.join("sub"), &big);
    refused(&o, &["is not a folder"]);
    assert_eq!(fs::read(&file).unwrap(), b"x");

    // A symbolic link as --out: refused, the folder it points to untouched.
    let real = t.join("real");
    run_ok("scenarios/default.toml", &real, &["--trials", "20"]);
    let before = fs::read(real.join("summary.csv")).unwrap();
    let link = t.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = run_in(
        t,
        "scenarios/default.toml",
        &link,
        &[&big[..], &["--force"]].concat(),
    );
    refused(&o, &["symbolic link"]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(real.join("summary.csv")).unwrap(), before);
    let dangling = t.join("dangling");
    std::os::unix::fs::symlink(t.join("nowhere"), &dangling).unwrap();
    let o = run_in(t, "scenarios/default.toml", &dangling, &big);
    refused(&o, &["symbolic link"]);

    // `.` and `..` with --force, and a name too long for the hidden folders beside it.
    let inner = t.join("inner");
    fs::create_dir(&inner).unwrap();
    for out in [".", ".."] {
        let o = run_in(
            &inner,
            "scenarios/default.toml",
            Path::new(out),
            &[&big[..], &["--force"]].concat(),
        );
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", stderr(&o));
    }
    let long = t.join("x".repeat(250));
    let o = run_in(t, "scenarios/default.toml", &long, &big);
    refused(&o, &["250 bytes"]);
    // Nothing was started: no staging folder, no output.
    let left: Vec<String> = fs::read_dir(t)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(fs::read_dir(&inner).unwrap().next().is_none());
}

// Item 17: the old results cannot be removed.
#[cfg(target_os = "linux")]
#[test]
fn old_results_that_cannot_be_removed_give_success_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("o");
    run_ok("scenarios/default.toml", &out, &["--trials", "20"]);
    let pinned = out.join("summary.csv");
    let chattr = |flag: &str, p: &Path| {
        std::process::Command::new("chattr")
            .arg(flag)
            .arg(p)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !chattr("+i", &pinned) {
        eprintln!("skipped: cannot make a file immutable here (needs chattr and root)");
        return;
    }
    let o = run_in(
        t,
        "scenarios/default.toml",
        &out,
        &["--trials", "30", "--force"],
    );
    let set_aside: Vec<PathBuf> = fs::read_dir(t)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".o.old-")
        })
        .collect();
    for p in &set_aside {
        chattr("-i", &p.join("summary.csv"));
    }
    chattr("-i", &pinned);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["trials"], 30, "the new results are published");
    assert!(!t.join(".o.partial").exists());
    assert_eq!(
        set_aside.len(),
        1,
        "the old results are set aside, named in the warning"
    );
    assert!(stderr(&o).contains(&set_aside[0].display().to_string()));
}

/// A scenario sweeping `a x b` variants, written into `dir`.
fn big_sweep(dir: &Path, a: usize, b: usize) -> PathBuf {
    let list = |n: usize, f: &dyn Fn(usize) -> f64| {
        (0..n)
            .map(|i| format!("{:?}", f(i)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "name = \"big\"\nseed = 1\ntrials = 2\nsteps = 4\n\n[sweep]\n\"host.investment\" = [{}]\n\"core_idea.half_life\" = [{}]\n",
        list(a, &|i| i as f64 * 0.01),
        list(b, &|j| 1.0 + j as f64)
    );
    let path = dir.join("big.toml");
    fs::write(&path, text).unwrap();
    path
}

// Item 6: statistics linear in variants; 100,000 variants used to abort allocating 80 GB.
#[test]
fn a_sweep_of_100000_variants_gets_its_k_sample_log_rank_test() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = big_sweep(t, 400, 250);
    let o = hothouse()
        .arg("run")
        .arg(&scenario)
        .args(["--no-trials", "--no-plots", "--quiet", "--out"])
        .arg(t.join("o"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let logrank = fs::read_to_string(t.join("o/logrank.csv")).unwrap();
    assert_eq!(logrank.lines().count(), 1 + 99_999 + 1);
    let all = logrank.lines().last().unwrap();
    assert!(all.starts_with("0,all,"), "{all}");
}

// Item 8: pictures of a huge sweep stay a bounded size (a 40,000-variant folder used to draw a
// 1660 x 375,100 px survival.png and then fail to allocate 3.7 GB for the next bitmap).
#[test]
fn pictures_of_40000_variants_stay_a_bounded_size() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = big_sweep(t, 200, 200);
    let out = t.join("o");
    run_ok(scenario.to_str().unwrap(), &out, &["--no-trials"]);
    let o = hothouse().arg("plot").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut drawn = 0;
    for entry in fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            let (w, h) = image::image_dimensions(&path).unwrap();
            assert!(w <= 4000 && h <= 4000, "{}: {w} x {h}", path.display());
            assert!(
                len(&path) < 5_000_000,
                "{}: {} bytes",
                path.display(),
                len(&path)
            );
            drawn += 1;
        }
    }
    assert!(drawn >= 3, "{drawn} pictures");
}

// Item 7: a run that cannot fit is refused before it starts, with the figures.
#[cfg(unix)]
#[test]
fn runs_that_cannot_fit_in_memory_or_on_disk_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // The case of the issue: 2,000 variants x 99,999 weeks under a 2 GB limit.
    let scenario = big_sweep(t, 40, 50);
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000 && exec \"$0\" run \"$1\" --steps 99999 --trials 1 --out \"$2\"")
        .arg(assert_cmd::cargo::cargo_bin("hothouse"))
        .arg(&scenario)
        .arg(t.join("o"))
        .output()
        .unwrap();
    refused(&o, &["memory", "GB"]);
    // A trillion trial rows: hundreds of terabytes.
    let o = run_in(
        t,
        "scenarios/default.toml",
        &t.join("o"),
        &["--trials", "1000000000000"],
    );
    refused(&o, &["GB", "free on the disk", "--no-trials"]);
    assert!(!t.join("o").exists() && !t.join(".o.partial").exists());
}

/// A scenario of two variants: `lifecycle.graduation_patience = 1` graduates within weeks, while
/// `1000000` never graduates, so each of its trials runs all `steps` weeks with a population of
/// hundreds of thousands (about 0.02 s a week on one core of the machine this was written on).
fn long_trials(dir: &Path, trials: u64, steps: u32, population: u64) -> String {
    let path = dir.join("long.toml");
    fs::write(
        &path,
        format!(
            "name = \"long\"\nseed = 5\ntrials = {trials}\nsteps = {steps}\n\n[community]\n\
             initial_participants = {}\npopulation = {population}\n\n[sweep]\n\
             \"lifecycle.graduation_patience\" = [1, 1000000]\n",
            population / 10
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// Sends SIGINT and waits for the child to end, allowing `bound` (killing it and failing after).
fn interrupt_within(child: &mut Child, bound: Duration) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run was still going {bound:?} after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `scenario` into `t/out` and waits until its first variant is finished (so that the
/// second is under way); returns the child, the output folder and its staging folder.
fn start_second_variant(t: &Path, scenario: &str, args: &[&str]) -> (Child, PathBuf, PathBuf) {
    let out = t.join("out");
    let mut child = spawn_run(scenario, &out, args);
    let staging = t.join(".out.partial");
    wait_for(&mut child, "the first variant to finish", || {
        staging.join("variants/000000.json").exists()
    });
    (child, out, staging)
}

/// The checkpoint of the second variant in `staging`.
fn second_checkpoint(staging: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(staging.join("variants/000001.checkpoint.json")).unwrap())
        .unwrap()
}

// Item 10: an interrupt stops a run inside a long trial, not at the end of it.
#[cfg(unix)]
#[test]
fn an_interrupt_stops_a_run_inside_a_long_trial() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // One trial of the second variant is 99,999 weeks of about 1.7 million participants:
    // most of an hour on one core, so a run that ends within two minutes of SIGINT stopped
    // inside that trial.
    let scenario = long_trials(t, 1, 99_999, 2_000_000);
    let (mut child, out, staging) = start_second_variant(t, &scenario, &["--threads", "1"]);
    let status = interrupt_within(&mut child, Duration::from_secs(120));
    assert!(!status.success());
    let mut e = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut e).unwrap();
    assert!(e.contains("interrupted") && e.contains("--resume"), "{e}");
    // Nothing published, no lock left, and the staging folder holds the finished variant and
    // an empty checkpoint of the interrupted one (its unfinished trial is dropped).
    assert!(!out.exists());
    assert!(!t.join(".out.lock").exists());
    let cp = second_checkpoint(&staging);
    assert_eq!(cp["state"]["next_trial"], 0);
    assert_eq!(cp["rows_len"], 0);
    assert_eq!(len(&staging.join("variants/000001.trials.csv")), 0);
}

// Item 10: a run interrupted inside its trials resumes to the files of an uninterrupted run.
#[cfg(unix)]
#[test]
fn a_run_interrupted_inside_trials_resumes_to_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // The second variant's 300 trials of 400 weeks (communities of up to 20,000) take about
    // 5 s on 2 threads of the machine this was measured on; the interrupt comes 0.3 s into
    // them, so it lands inside the variant on a machine many times faster or slower (six
    // longer trials and 1.5 s, as before, ended first on a fast moment of a CI machine).
    let scenario = long_trials(t, 300, 400, 20_000);
    let args = ["--threads", "2"];
    let (mut child, out, staging) = start_second_variant(t, &scenario, &args);
    std::thread::sleep(Duration::from_millis(300));
    let status = interrupt_within(&mut child, Duration::from_secs(120));
    assert!(
        !status.success(),
        "the run ended before the interrupt; make it longer"
    );
    // The checkpoint counts exactly the rows on disk (the trials finished before the interrupt).
    let cp = second_checkpoint(&staging);
    let rows = fs::read_to_string(staging.join("variants/000001.trials.csv")).unwrap();
    assert_eq!(cp["rows_len"].as_u64().unwrap(), rows.len() as u64);
    assert_eq!(
        cp["state"]["next_trial"].as_u64().unwrap(),
        rows.lines().count() as u64
    );
    assert!(cp["state"]["next_trial"].as_u64().unwrap() < 300);
    resume_to_clean_files(t, &scenario, &out, &args);
}

/// Resumes the interrupted run of `scenario` into `out`, and checks that its files are those of
/// an uninterrupted run (into `t/clean`).
fn resume_to_clean_files(t: &Path, scenario: &str, out: &Path, args: &[&str]) {
    let resumed = hothouse()
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--no-plots", "--quiet", "--resume"])
        .args(args)
        .output()
        .unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    run_ok(scenario, &t.join("clean"), args);
    for f in [
        "trials.csv",
        "weekly.csv",
        "survival.csv",
        "summary.csv",
        "logrank.csv",
    ] {
        assert!(
            fs::read(out.join(f)).unwrap() == fs::read(t.join("clean").join(f)).unwrap(),
            "{f} differs after resume"
        );
    }
}

// Issue 14 item 8: after --resume, the progress and the manifest's rate count only this run's
// trials; the trials taken over are shown apart.
#[cfg(unix)]
#[test]
fn a_resumed_run_reports_the_rate_of_its_own_trials() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let args = ["--trials", "20000", "--threads", "1"];
    let staging = interrupted_staging(t, &args);
    // Variant 0 finished, variant 1 up to its checkpoint.
    let resumed = 20_000
        + second_checkpoint(&staging)["state"]["next_trial"]
            .as_u64()
            .unwrap();
    let o = hothouse()
        .arg("run")
        .arg(repo("scenarios/host-investment.toml"))
        .arg("--out")
        .arg(t.join("out"))
        .args(["--no-plots", "--resume"])
        .args(args)
        .env("HOTHOUSE_PROGRESS_EVERY", "0.01")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    let first = e.lines().next().unwrap_or_default();
    assert!(first.starts_with("progress: "), "{e}");
    assert!(first.contains(&format!(", {resumed} resumed)")), "{first}");
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(t.join("out/manifest.json")).unwrap()).unwrap();
    let simulated = m["trials_per_second"].as_f64().unwrap() * m["wall_seconds"].as_f64().unwrap();
    assert!(
        (simulated - (120_000 - resumed) as f64).abs() < 1.0,
        "{simulated} trials by the manifest's rate; {resumed} of 120000 were resumed"
    );
}

// A run of many variants of few trials simulates them side by side, one on each worker
// (docs/PERFORMANCE.md): interrupted with variants finished and others under way, --resume
// completes it to the files of an uninterrupted run.
#[cfg(unix)]
#[test]
fn a_run_of_variants_side_by_side_resumes_to_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = t.join("side.toml");
    // Eight variants of 16 long trials (communities of thousands that neither fizzle nor
    // graduate in 400 weeks): at least four variants for each of two workers.
    fs::write(
        &scenario,
        "name = \"side\"\nseed = 11\ntrials = 16\nsteps = 400\n\n[community]\n\
         initial_participants = 2000\npopulation = 20000\n\n[lifecycle]\n\
         graduation_patience = 1000000\n\n[sweep]\n\
         \"host.investment\" = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]\n",
    )
    .unwrap();
    let scenario = scenario.display().to_string();
    let args = ["--threads", "2"];
    let (mut child, out, staging) = start_second_variant(t, &scenario, &args);
    let status = interrupt_within(&mut child, Duration::from_secs(120));
    assert!(
        !status.success(),
        "the run ended before the interrupt; make it longer"
    );
    let staged = |ext: &str| {
        fs::read_dir(staging.join("variants"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(ext)
            })
            .count()
    };
    let finished = staged(".json") - staged(".checkpoint.json");
    assert!((1..8).contains(&finished), "{finished} variants finished");
    // The variants under way saved their finished trials.
    assert!(staged(".checkpoint.json") >= 1);
    resume_to_clean_files(t, &scenario, &out, &args);
}
