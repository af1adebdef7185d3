//! `hothouse serve`'s JSON API, without a browser: the real binary on a free port, answers
//! compared field by field with `hothouse run` on the same setting, a corpus of bad requests
//! (each a 400 with the scenario reader's message, never a panic or a hang), the download that
//! `hothouse run` accepts unchanged, bounded queueing, and a clean stop on Ctrl-C.

mod serve_support;

use serde_json::Value;
use serve_support::*;
use std::fs;

#[test]
fn answer_equals_hothouse_run_for_the_same_setting_seed_and_trials() {
    let server = Server::start(&["--threads", "2"]);
    let answer = api_run(
        &server,
        r#"{"set": {"host.investment": 2.0}, "trials": 600, "seed": 42}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("invest2.toml");
    fs::write(&scenario, default_with_investment("2.0")).unwrap();
    let out = dir.path().join("run");
    hothouse_run(&scenario, &out, &["--trials", "600", "--seed", "42"]);
    assert_answer_equals_run(&answer, &out);
    assert_eq!(answer["trials"], 600);
    assert_eq!(answer["seed"], 42);
    assert_eq!(answer["curves"]["time"].as_array().unwrap().len(), 105);

    // Without a body: the served scenario as it is (2,000 trials, its seed).
    let plain = api_run(&server, "");
    let out = dir.path().join("default");
    hothouse_run(&repo("scenarios/default.toml"), &out, &[]);
    assert_answer_equals_run(&plain, &out);
    assert_eq!(plain["trials"], 2000);
}

#[test]
fn the_downloaded_scenario_runs_unchanged_to_the_same_numbers() {
    let server = Server::start(&["--threads", "2"]);
    let body = r#"{"set": {"host.commitment": 52, "approach.structure": 0.5, "brand.initial": 0.25}, "trials": 400, "seed": 9}"#;
    let (status, text) = post(
        &format!("{}/api/scenario.toml", server.url),
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("commitment = 52"), "{text}");
    assert!(
        text.contains("# Question:"),
        "the file's comments are kept: {text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.toml");
    fs::write(&file, &text).unwrap();
    let out = dir.path().join("run");
    hothouse_run(&file, &out, &[]);
    assert_answer_equals_run(&api_run(&server, body), &out);
}

#[test]
fn a_swept_scenario_is_served_one_setting_at_a_time() {
    let server = Server::start(&[
        repo("scenarios/host-investment.toml").to_str().unwrap(),
        "--threads",
        "2",
    ]);
    let (status, info) = get(&format!("{}/api/scenario", server.url));
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["swept"], serde_json::json!(["host.investment"]));
    let (status, text) = post(
        &format!("{}/api/scenario.toml", server.url),
        br#"{"set": {"host.investment": 3}, "trials": 200}"#,
    );
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.toml");
    fs::write(&file, &text).unwrap();
    let out = dir.path().join("run");
    hothouse_run(&file, &out, &[]);
    assert_eq!(csv_rows(&out.join("summary.csv")).len(), 1, "one variant");
    assert_answer_equals_run(
        &api_run(&server, r#"{"set": {"host.investment": 3}, "trials": 200}"#),
        &out,
    );
}

#[test]
fn a_pinned_baseline_is_compared_on_the_same_communities() {
    let server = Server::start(&["--threads", "2"]);
    let a = api_run(
        &server,
        r#"{"set": {"host.investment": 2}, "trials": 500, "baseline": {"set": {}}}"#,
    );
    let base = api_run(&server, r#"{"trials": 500}"#);
    let b = &a["baseline"];
    assert_eq!(b["p_graduate"], base["p_graduate"]);
    assert_eq!(
        b["host_outlay_per_graduate"],
        base["host_outlay_per_graduate"]
    );
    let d = &b["difference"];
    let points = 100.0 * (a["p_graduate"].as_f64().unwrap() - base["p_graduate"].as_f64().unwrap());
    let gained = d["gained"].as_f64().unwrap();
    let lost = d["lost"].as_f64().unwrap();
    // The paired difference is the difference of the two chances: (gained - lost) / trials.
    assert!((d["p_graduate_points"].as_f64().unwrap() - points).abs() < 1e-9);
    assert!((100.0 * (gained - lost) / 500.0 - points).abs() < 1e-9);
    let lo = d["p_graduate_points_lower"].as_f64().unwrap();
    let hi = d["p_graduate_points_upper"].as_f64().unwrap();
    assert!(lo <= points && points <= hi);
    let per_grad = a["host_outlay_per_graduate"].as_f64().unwrap()
        - base["host_outlay_per_graduate"].as_f64().unwrap();
    assert_eq!(d["host_outlay_per_graduate"].as_f64(), Some(per_grad));
}

/// Bad requests and (a part of) the message each must get.
const BAD: &[(&str, &str)] = &[
    (
        r#"{"set": {"host.investment": -1}}"#,
        "`host.investment` = -1 is out of range; expected a number from 0 to 10000",
    ),
    (
        r#"{"set": {"host.investment": 1e308}}"#,
        "`host.investment` = 1e+308 is out of range; expected a number from 0 to 10000",
    ),
    (
        r#"{"set": {"host.investment": "lots"}}"#,
        "`host.investment` must be a number from 0 to 10000, not the text \"lots\"",
    ),
    (
        r#"{"set": {"host.investment": true}}"#,
        "`host.investment` must be a number from 0 to 10000, not the boolean true",
    ),
    (
        r#"{"set": {"host.investment": [1, 2]}}"#,
        "`host.investment` must be a number from 0 to 10000, not a list",
    ),
    (
        r#"{"set": {"host.investment": null}}"#,
        "`host.investment` must be a number from 0 to 10000, not null",
    ),
    (
        r#"{"set": {"host.commitment": 2.5}}"#,
        "`host.commitment` = 2.5 is not a whole number; expected a whole number from 0 to 1000000",
    ),
    (
        r#"{"set": {"host.investmnt": 1}}"#,
        "unknown parameter `host.investmnt` in `set`; did you mean `host.investment`?",
    ),
    (r#"{"set": {"seed": 1}}"#, "unknown parameter `seed`"),
    (
        r#"{"set": {"sweep.host.investment": [1]}}"#,
        "unknown parameter",
    ),
    (r#"{"set": {"": 1}}"#, "unknown parameter ``"),
    (
        r#"{"set": {"motivation.distribution": "gamma"}}"#,
        "\"gamma\" is not known",
    ),
    (
        r#"{"set": {"motivation.distribution": "uniform", "motivation.low": 0.9, "motivation.high": 0.1}}"#,
        "`motivation.low` = 0.9 must be below `motivation.high` = 0.1",
    ),
    (
        r#"{"trials": 1000000}"#,
        "`trials` = 1000000 is more than the explorer runs per request",
    ),
    (r#"{"trials": 0}"#, "`trials` = 0 is out of range"),
    (r#"{"trials": -5}"#, "`trials`"),
    (r#"{"trials": 2.5}"#, "`trials`"),
    (r#"{"trials": "many"}"#, "`trials` must be a whole number"),
    (
        r#"{"trials": 18446744073709551615}"#,
        "`trials` = 18446744073709551615 is too large",
    ),
    (
        r#"{"steps": 100000}"#,
        "`steps` = 100000 is longer than the explorer runs",
    ),
    (
        r#"{"trials": 20000, "steps": 520}"#,
        "`trials` x `steps` = 10400000 is more than the explorer runs per request",
    ),
    (r#"{"seed": -1}"#, "`seed` = -1 is negative"),
    ("junk", "the request body is not valid JSON"),
    ("{\"set\": {", "the request body is not valid JSON"),
    ("[1, 2]", "the request body must be a JSON object"),
    ("\"text\"", "the request body must be a JSON object"),
    (
        r#"{"sett": {}}"#,
        "unknown key `sett` in the request; it allows set, trials, seed, steps, baseline; did you mean `set`?",
    ),
    (
        r#"{"set": 3}"#,
        "`set` must be an object of parameter paths and values",
    ),
    (r#"{"baseline": 1}"#, "`baseline` must be an object"),
    (
        r#"{"baseline": {"trials": 5}}"#,
        "unknown key `baseline.trials`",
    ),
    (
        r#"{"baseline": {"set": {"host.investment": -2}}}"#,
        "baseline: `host.investment` = -2 is out of range",
    ),
];

#[test]
fn bad_requests_get_400_with_the_scenario_readers_message() {
    let server = Server::start(&["--threads", "2"]);
    let url = format!("{}/api/run", server.url);
    for (body, expected) in BAD {
        for route in ["/api/run", "/api/scenario.toml"] {
            let (status, text) = post(&format!("{}{route}", server.url), body.as_bytes());
            assert_eq!(status, 400, "{route} {body} -> {status} {text}");
            let answer: Value = serde_json::from_str(&text).expect("a JSON error");
            let error = answer["error"].as_str().expect("an error message");
            assert!(
                error.contains(expected),
                "{body}: expected the message to contain\n  {expected}\ngot\n  {error}"
            );
        }
    }
    // Invalid UTF-8, deep nesting, and a value nested too deeply for the scenario reader.
    let (status, _) = post(&url, b"{\"set\": {\"host.investment\": \"\xff\xfe\"}}");
    assert_eq!(status, 400);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (status, text) = post(&url, deep.as_bytes());
    assert_eq!(status, 400, "{text}");
    let nested = format!(
        r#"{{"set": {{"host.investment": {}1{}}}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let (status, text) = post(&url, nested.as_bytes());
    assert_eq!(status, 400, "{text}");
    // Oversized bodies are refused before they are read: 413, or the connection is closed
    // while the client is still sending.
    match try_post(&url, &vec![b' '; 1 << 20]) {
        Ok((status, _)) => assert_eq!(status, 413),
        Err(e) => assert!(matches!(e, ureq::Error::Io(_)), "{e}"),
    }
    // Wrong method and unknown pages.
    assert_eq!(get(&url).0, 405);
    assert_eq!(get(&format!("{}/nowhere", server.url)).0, 404);
    // The server is still fine.
    let answer = api_run(&server, r#"{"trials": 50}"#);
    assert_eq!(answer["trials"], 50);
}

/// A request that keeps one worker busy for seconds on any machine: the most trials a request
/// may run, with communities of 400 founders among 4,000 (the default's 10 among 120 ran
/// 20,000 trials in 0.3 s once the model got faster, and finished before the interrupt).
fn long_request(seed: u64) -> Vec<u8> {
    format!(
        r#"{{"trials": 20000, "seed": {seed}, "set": {{"community.initial_participants": 400, "community.population": 4000}}}}"#
    )
    .into_bytes()
}

#[test]
fn waiting_requests_are_bounded_and_ctrl_c_stops_cleanly() {
    // One worker thread, so the long run below takes seconds on any machine.
    let mut server = Server::start(&["--threads", "1"]);
    let url = format!("{}/api/run", server.url);
    let long = {
        let url = url.clone();
        std::thread::spawn(move || post(&url, &long_request(1)).0)
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let waiting: Vec<_> = (0..14)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                post(
                    &url,
                    format!(r#"{{"trials": 100, "seed": {}}}"#, 100 + i).as_bytes(),
                )
                .0
            })
        })
        .collect();
    let statuses: Vec<u16> = waiting.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(long.join().unwrap(), 200);
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let busy = statuses.iter().filter(|s| **s == 503).count();
    assert_eq!(ok + busy, statuses.len(), "{statuses:?}");
    assert!(ok >= hothouse::serve::MAX_WAITING, "{statuses:?}");
    assert!(
        busy >= 1,
        "more requests than the queue holds: some get 503 ({statuses:?})"
    );

    // Ctrl-C in the middle of a long run: the run is cancelled and the server exits with 0.
    let long = {
        let url = url.clone();
        std::thread::spawn(move || post(&url, &long_request(2)).0)
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (ok, rest) = server.interrupt();
    assert!(ok, "exit status after SIGINT");
    assert!(rest.contains("stopped"), "{rest}");
    let status = long.join().unwrap();
    assert_eq!(status, 503, "the cancelled run answers 503");
}
