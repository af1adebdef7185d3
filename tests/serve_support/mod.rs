//! Shared by the explorer's tests (tests/serve_api.rs, tests/browser.rs): the real binary
//! serving on a free port, plain HTTP calls to it, and `hothouse run` on real files to compare
//! against.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hothouse"))
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `hothouse serve` running on a free port of 127.0.0.1; stopped with SIGINT when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Server {
    /// Starts `hothouse serve ARGS --port 0` and waits for the address it prints.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(bin())
            .arg("serve")
            .args(args)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("hothouse serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reads the first line");
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let url = line[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        Server {
            child,
            url,
            stdout: Some(stdout),
        }
    }

    /// Sends SIGINT (as Ctrl-C does) and waits for the process to end; returns whether it
    /// exited with success and what it printed after its first line.
    pub fn interrupt(&mut self) -> (bool, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                let mut rest = String::new();
                if let Some(mut out) = self.stdout.take() {
                    let _ = std::io::Read::read_to_string(&mut out, &mut rest);
                }
                return (s.success(), rest);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("hothouse serve did not stop within a minute of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-INT", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

/// POSTs `body` (raw bytes) and returns the status and the body as text.
pub fn post(url: &str, body: &[u8]) -> (u16, String) {
    try_post(url, body).unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// POSTs `body`; an error when the connection fails.
pub fn try_post(url: &str, body: &[u8]) -> Result<(u16, String), ureq::Error> {
    let mut r = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)?;
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(100 << 20)
        .read_to_string()?;
    Ok((status, text))
}

/// GETs `url` and returns the status and the body as text.
pub fn get(url: &str) -> (u16, String) {
    let mut r = agent()
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().expect("body");
    (status, text)
}

/// POSTs a JSON request to `/api/run` and returns the answer, which must be a 200.
pub fn api_run(server: &Server, body: &str) -> Value {
    let (status, text) = post(&format!("{}/api/run", server.url), body.as_bytes());
    assert_eq!(status, 200, "{body} -> {text}");
    serde_json::from_str(&text).expect("JSON answer")
}

/// Runs `hothouse run SCENARIO --out OUT --no-plots --quiet EXTRA...` and asserts success.
pub fn hothouse_run(scenario: &Path, out: &Path, extra: &[&str]) {
    let output = Command::new(bin())
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--no-plots", "--quiet", "--force"])
        .args(extra)
        .output()
        .expect("hothouse run");
    assert!(
        output.status.success(),
        "hothouse run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The bundled default scenario with `host.investment` set to `value` (as written).
pub fn default_with_investment(value: &str) -> String {
    let text = std::fs::read_to_string(repo("scenarios/default.toml")).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("investment ="))
        .expect("default.toml sets host.investment");
    text.replacen(line, &format!("investment = {value}"), 1)
}

/// Rows of a CSV file as maps from column name to field.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Asserts that an API answer equals a run's `summary.csv` (variant 0) and `survival.csv`:
/// every field the same number (empty fields are `null`).
pub fn assert_answer_equals_run(answer: &Value, run_dir: &Path) {
    let summary = &csv_rows(&run_dir.join("summary.csv"))[0];
    for f in hothouse::output::SUMMARY_COLUMNS {
        let csv = &summary[*f];
        let api = &answer[*f];
        if csv.is_empty() {
            assert!(api.is_null(), "{f}: run has no value, API has {api}");
        } else {
            let x: f64 = csv.parse().unwrap();
            assert_eq!(api.as_f64(), Some(x), "{f}: run {csv}, API {api}");
        }
    }
    let rows = csv_rows(&run_dir.join("survival.csv"));
    for column in [
        "survival",
        "survival_lower",
        "survival_upper",
        "cif_fizzled",
        "cif_graduated",
    ] {
        let api: Vec<f64> = answer["curves"][column]
            .as_array()
            .unwrap_or_else(|| panic!("curves.{column}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let run: Vec<f64> = rows.iter().map(|r| r[column].parse().unwrap()).collect();
        assert_eq!(api, run, "curves.{column}");
    }
}
