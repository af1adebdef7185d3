//! README's cluster recipes, run exactly as printed: the Slurm job array on a single-node Slurm
//! cluster started by `scripts/local-slurm.sh`, and the GNU parallel line. Each test takes the
//! script from README.md (only `TRIALS` is set, in the environment, as README says), runs it in a
//! scratch folder with the built `hothouse` first on PATH, runs README's `merge`, and checks that
//! the merged folder equals a single run's file for file, byte for byte (manifest.json apart
//! from its wall-clock fields and its provenance: `command` and `merged_from`).
//!
//! The tests need the tools (`.ci/run` installs Debian's `slurm-wlm`, `munge` and `parallel`);
//! without them they print what they skipped and pass.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Trials per variant: 8 shards of 8 trials each.
const TRIALS: &str = "64";
/// Longest wait for the job array.
const JOB_TIMEOUT: Duration = Duration::from_secs(180);

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The fenced `sh` block of README.md that contains `needle` (exactly one must).
fn readme_block(needle: &str) -> String {
    let readme = fs::read_to_string(repo("README.md")).expect("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    let found: Vec<String> = blocks.into_iter().filter(|b| b.contains(needle)).collect();
    assert_eq!(
        found.len(),
        1,
        "README.md should have one sh block containing `{needle}`"
    );
    found.into_iter().next().unwrap()
}

/// Whether `tool` is an executable on PATH.
fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(tool);
            p.is_file()
                && fs::metadata(&p)
                    .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0)
                    .unwrap_or(false)
        })
    })
}

/// The tools missing from `tools`; prints the skip if any.
fn skipped(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return false;
    }
    eprintln!(
        "skipped {test}: {} not installed (.ci/run installs slurm-wlm, munge and parallel)",
        missing.join(", ")
    );
    true
}

/// A scratch folder laid out as README's recipes expect: `scenarios/host-investment.toml`
/// there, and the built binary first on PATH.
struct Workspace {
    dir: tempfile::TempDir,
    path: std::ffi::OsString,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir(dir.path().join("scenarios")).unwrap();
        fs::copy(
            repo("scenarios/host-investment.toml"),
            dir.path().join("scenarios/host-investment.toml"),
        )
        .unwrap();
        let bin = Path::new(env!("CARGO_BIN_EXE_hothouse"))
            .parent()
            .unwrap()
            .to_path_buf();
        let mut paths = vec![bin];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Workspace {
            dir,
            path: std::env::join_paths(paths).unwrap(),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A command run in the workspace with README's environment.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.root())
            .env("PATH", &self.path)
            .env("TRIALS", TRIALS);
        c
    }

    /// Runs a README block with bash, stopping at the first failing command.
    fn bash(&self, script: &str) -> Output {
        let out = self
            .command("bash")
            .args(["-e", "-c", script])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "README's\n{script}\nfailed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The single unsharded run the merged output must equal.
    fn single_run(&self, threads: &str) -> PathBuf {
        let out = self
            .command("hothouse")
            .args(["run", "scenarios/host-investment.toml", "--trials", TRIALS])
            .args(["--threads", threads, "--quiet", "--out", "single"])
            .output()
            .expect("hothouse runs");
        assert!(
            out.status.success(),
            "single run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.root().join("single")
    }
}

/// manifest.json without what differs between a merge and a single run by nature: wall-clock
/// fields and provenance.
fn comparable_manifest(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&fs::read(path).unwrap()).expect("manifest.json is JSON");
    let map = v.as_object_mut().expect("manifest.json is an object");
    for field in [
        "started",
        "finished",
        "wall_seconds",
        "trials_per_second",
        "command",
        "merged_from",
    ] {
        assert!(map.remove(field).is_some(), "manifest.json lacks {field}");
    }
    v
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The merged folder holds the same files as the single run's, byte for byte.
fn assert_same_output(merged: &Path, single: &Path) {
    let names = file_names(single);
    assert_eq!(file_names(merged), names, "merged and single run's files");
    for f in ["trials.csv", "summary.csv", "survival.png", "manifest.json"] {
        assert!(names.iter().any(|n| n == f), "no {f} in the single run");
    }
    for name in &names {
        if name == "report.html" {
            // The report tells in words when, how and by which command the numbers were made
            // (the manifest's wall-clock fields), so it differs; its numbers come from the files
            // compared here.
            continue;
        }
        if name == "manifest.json" {
            assert_eq!(
                comparable_manifest(&merged.join(name)),
                comparable_manifest(&single.join(name)),
                "manifest.json differs"
            );
        } else {
            let (a, b) = (
                fs::read(merged.join(name)).unwrap(),
                fs::read(single.join(name)).unwrap(),
            );
            assert!(
                a == b,
                "{name} differs between the merge and the single run"
            );
        }
    }
    let rows = fs::read_to_string(single.join("trials.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        rows,
        1 + 6 * 64,
        "trials.csv: header and 6 variants x 64 trials"
    );
}

/// A single-node Slurm cluster in a scratch folder; stopped when dropped, whatever happened.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn start(dir: PathBuf) -> Cluster {
        // The guard exists before the start, so that a half-started cluster is stopped too.
        let cluster = Cluster { dir };
        let out = cluster.script("start");
        assert!(
            out.status.success(),
            "local-slurm.sh start failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("slurm.conf")
    }

    fn script(&self, action: &str) -> Output {
        Command::new("bash")
            .arg(repo("scripts/local-slurm.sh"))
            .arg(action)
            .arg(&self.dir)
            .output()
            .expect("bash runs")
    }

    /// Slurm's logs, for a failure message.
    fn logs(&self) -> String {
        let mut text = String::new();
        for name in ["slurmctld.log", "slurmd.log"] {
            let log = fs::read_to_string(self.dir.join("log").join(name)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            text.push_str(&format!("--- {name}\n"));
            for line in tail.into_iter().rev() {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let out = self.script("stop");
        if !out.status.success() {
            eprintln!(
                "local-slurm.sh stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn readme_slurm_job_array_merges_to_the_single_run() {
    if skipped(
        "the Slurm job array",
        &["munged", "slurmctld", "slurmd", "sbatch", "squeue"],
    ) {
        return;
    }
    let array = readme_block("#SBATCH --array");
    let merge = readme_block("hothouse merge shards/host-investment-*");
    let ws = Workspace::new();
    let cluster = Cluster::start(ws.root().join("slurm"));
    fs::write(ws.root().join("host-investment.sh"), &array).unwrap();

    let submitted = ws
        .command("sbatch")
        .args(["--parsable", "host-investment.sh"])
        .env("SLURM_CONF", cluster.conf())
        .output()
        .expect("sbatch runs");
    assert!(
        submitted.status.success(),
        "sbatch failed: {}\n{}",
        String::from_utf8_lossy(&submitted.stderr),
        cluster.logs()
    );
    let job = String::from_utf8_lossy(&submitted.stdout)
        .trim()
        .to_string();
    let started = Instant::now();
    loop {
        let queue = ws
            .command("squeue")
            .args(["-h", "-j", &job, "-o", "%i %t"])
            .env("SLURM_CONF", cluster.conf())
            .output()
            .expect("squeue runs");
        if queue.status.success() && queue.stdout.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < JOB_TIMEOUT,
            "job {job} not done after {JOB_TIMEOUT:?}: {}\n{}",
            String::from_utf8_lossy(&queue.stdout),
            cluster.logs()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    // Every task ran and wrote its shard.
    for k in 1..=8 {
        let log = ws.root().join(format!("slurm-{job}_{k}.out"));
        let text = fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        assert!(!text.contains("error"), "task {k} printed: {text}");
        let shard = ws.root().join(format!("shards/host-investment-{k}"));
        assert!(
            shard.join("manifest.json").is_file(),
            "task {k} wrote no shard"
        );
    }
    ws.bash(&merge);
    drop(cluster);

    let single = ws.single_run("4");
    assert_same_output(&ws.root().join("output/host-investment"), &single);
}

#[test]
fn readme_gnu_parallel_line_merges_to_the_single_run() {
    if skipped("the GNU parallel line", &["parallel"]) {
        return;
    }
    // moreutils has a different `parallel`.
    let version = Command::new("parallel").arg("--version").output();
    if !version.is_ok_and(|v| String::from_utf8_lossy(&v.stdout).contains("GNU parallel")) {
        eprintln!("skipped the GNU parallel line: `parallel` is not GNU parallel");
        return;
    }
    let recipe = readme_block("parallel hothouse run");
    let ws = Workspace::new();
    ws.bash(&recipe);
    let single = ws.single_run("1");
    assert_same_output(&ws.root().join("output/host-investment"), &single);
}
