//! The explorer and the report in a real browser: Debian's `chromium` driven through
//! `chromedriver` (WebDriver, plain HTTP). Loads the explorer, moves the host-investment slider
//! with the keyboard, and checks that the chance shown equals `hothouse run` for that setting;
//! loads a run's `report.html` and checks that it renders with no console error and no network
//! request. Prints the slider-to-answer latency (recorded in docs/PERFORMANCE.md; not asserted).
//!
//! Without `chromedriver` and `chromium` on PATH the test says what it skipped and passes
//! (`.ci/run` installs them: `apt-get install chromium chromium-driver`).

mod serve_support;

use serde_json::{Value, json};
use serve_support::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Says something on the terminal even though the test harness captures test output.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A chromedriver process and one headless browser session; both ended when dropped.
struct Browser {
    driver: Child,
    base: String,
    session: String,
}

impl Browser {
    fn start(chromedriver: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = ureq::get(&format!("{}/status", browser.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["value"]["ready"] == json!(true));
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1000"]},
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}
        }}});
        let v = browser.call("POST", "/session", Some(caps));
        browser.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        browser
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let (status, text) = match (method, body) {
            ("GET", _) => get(&url),
            ("DELETE", _) => {
                let mut r = ureq::delete(&url).call().expect("DELETE");
                (200, r.body_mut().read_to_string().unwrap_or_default())
            }
            (_, b) => post(&url, b.unwrap_or(json!({})).to_string().as_bytes()),
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {text}");
        v["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Polls `script` until it returns something other than null.
    fn wait_for(&self, script: &str, what: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let v = self.js(script);
            if !v.is_null() {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn element(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    /// Key presses sent to an element, as a user's keyboard would.
    fn keys(&self, element: &str, keys: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": keys })),
        );
    }

    /// Log entries of `kind` ("browser": the console; "performance": DevTools events) since the
    /// last call.
    fn log(&self, kind: &str) -> Vec<Value> {
        self.call("POST", "/se/log", Some(json!({ "type": kind })))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// URLs of the network requests in the performance log since the last call.
    fn requests(&self) -> Vec<String> {
        self.log("performance")
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .filter(|m| m["message"]["method"] == "Network.requestWillBeSent")
            .filter_map(|m| {
                m["message"]["params"]["request"]["url"]
                    .as_str()
                    .map(String::from)
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const ARROW_RIGHT: &str = "\u{E014}";

/// The answer shown once the page is idle: (slider value, shown text, shown P(graduate)).
const SHOWN: &str = "const h = window.hothouse; \
    if (!h || !h.idle || !h.shown) return null; \
    const c = document.getElementById('chance'); \
    return [document.getElementById('p-host-investment').value, c.textContent, c.dataset.pGraduate, h.latencies.length];";

#[test]
fn explorer_and_report_in_a_real_browser() {
    let (Some(chromedriver), Some(_)) = (
        on_path(&["chromedriver"]),
        on_path(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        say(
            "SKIPPED tests/browser.rs: chromedriver and chromium are not on PATH \
             (install them with `apt-get install chromium chromium-driver`); the explorer and \
             report.html were not checked in a browser",
        );
        return;
    };
    let server = Server::start(&[]);
    let browser = Browser::start(&chromedriver);
    browser.goto(&format!("{}/", server.url));
    let first = browser.wait_for(SHOWN, "the first answer");
    assert_eq!(first[0], "1");
    let slider = browser.element("#p-host-investment");

    // Slider-to-answer latency: one step at a time from an idle page (each a new setting).
    let mut latencies = Vec::new();
    for _ in 0..5 {
        let before = browser
            .js("return window.hothouse.latencies.length")
            .as_u64()
            .unwrap();
        browser.keys(&slider, ARROW_RIGHT);
        browser.wait_for(
            &format!(
                "const h = window.hothouse; return h.idle && h.latencies.length > {before} ? true : null"
            ),
            "the answer to one step",
        );
        latencies.push(
            browser
                .js("const l = window.hothouse.latencies; return l[l.length - 1]")
                .as_f64()
                .unwrap(),
        );
    }
    // Then five quick steps, coalesced by the page, to 2 staff-days a week.
    browser.keys(&slider, &ARROW_RIGHT.repeat(5));
    let shown = browser.wait_for(
        &format!("const s = (function() {{ {SHOWN} }})(); return s && s[0] === '2' ? s : null"),
        "the answer at 2 staff-days a week",
    );
    latencies.sort_by(f64::total_cmp);
    say(&format!(
        "browser: slider-to-answer latency for 2,000 communities of the default scenario, 5 single steps: \
         median {:.0} ms, max {:.0} ms ({} cores)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        std::thread::available_parallelism().map_or(1, |n| n.get())
    ));

    // The chance shown equals `hothouse run` at the slider's setting.
    let value = shown[0].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("slider.toml");
    std::fs::write(&scenario, default_with_investment(value)).unwrap();
    let out = dir.path().join("run");
    hothouse_run(&scenario, &out, &[]);
    let summary = &csv_rows(&out.join("summary.csv"))[0];
    let p: f64 = summary["p_graduate"].parse().unwrap();
    assert_eq!(shown[2].as_str().unwrap().parse::<f64>().unwrap(), p);
    assert_eq!(shown[1].as_str().unwrap(), format!("{:.1}%", 100.0 * p));

    // The page's download is a scenario file `hothouse run` accepts unchanged, to the same numbers.
    let toml = browser.call(
        "POST",
        "/execute/async",
        Some(json!({"script": "const done = arguments[arguments.length - 1]; window.hothouse.scenarioToml().then(done, (e) => done('failed: ' + e));", "args": []})),
    );
    let saved = dir.path().join("saved.toml");
    std::fs::write(&saved, toml.as_str().unwrap()).unwrap();
    let out2 = dir.path().join("saved");
    hothouse_run(&saved, &out2, &[]);
    assert_eq!(
        csv_rows(&out2.join("summary.csv"))[0]["p_graduate"],
        summary["p_graduate"]
    );

    // No console error on the explorer.
    let errors: Vec<Value> = browser
        .log("browser")
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(
        errors.is_empty(),
        "console errors on the explorer: {errors:?}"
    );

    // report.html: renders from disk with no console error and no request beyond itself.
    let run = dir.path().join("report-run");
    let output = Command::new(bin())
        .arg("run")
        .arg(repo("scenarios/host-investment.toml"))
        .args(["--trials", "200", "--quiet", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(output.status.success());
    let report = run.join("report.html");
    let url = format!("file://{}", report.display());
    browser.requests();
    browser.goto(&url);
    browser.wait_for(
        "return document.readyState === 'complete' ? true : null",
        "the report to load",
    );
    let figures = browser.js("return document.querySelectorAll('figure svg').length");
    assert!(figures.as_u64().unwrap() >= 4, "pictures inline: {figures}");
    let answer = browser.js("return document.querySelector('.answer').textContent");
    assert!(answer.as_str().unwrap().contains("best odds"), "{answer}");
    let errors: Vec<Value> = browser
        .log("browser")
        .into_iter()
        .filter(|e| e["level"] == "SEVERE" || e["level"] == "WARNING")
        .collect();
    assert!(
        errors.is_empty(),
        "console errors on report.html: {errors:?}"
    );
    let requests: Vec<String> = browser
        .requests()
        .into_iter()
        .filter(|r| *r != url)
        .collect();
    assert!(
        requests.is_empty(),
        "report.html made requests: {requests:?}"
    );
    let resources = browser.js("return performance.getEntriesByType('resource').length");
    assert_eq!(resources, json!(0));
}
