//! `hothouse serve`: a live explorer in the browser and the JSON API it uses.
//!
//! One page (every asset inside the binary; no internet needed) shows the levers a host controls
//! as sliders and choices, runs the communities on each change and shows the answer, the curves,
//! the cost and the difference against a pinned baseline. Its API:
//!
//! | route | what it does |
//! |---|---|
//! | `GET /` | the page (`/app.js`, `/style.css` beside it) |
//! | `GET /api/scenario` | the served scenario: name, question, run settings, levers, every parameter with its unit, meaning, range and value |
//! | `POST /api/run` | `{"set": {path: value}, "trials": N, "seed": S, "steps": T, "baseline": {"set": {...}}}` (all optional) → the summary row as `summary.csv` names it, the curves as `survival.csv` names them, and the paired difference against the baseline |
//! | `POST /api/scenario.toml` | the same body → the setting as a scenario file that `hothouse run` accepts unchanged |
//!
//! Work is bounded: a request runs at most [`api::MAX_TRIALS`] trials over at most
//! [`api::MAX_STEPS`] weeks; one simulation runs at a time (on all the worker threads), at most
//! [`MAX_WAITING`] requests wait for it and any more get `503`; a request whose client has gone
//! is cancelled. Answers are cached by setting, so the pinned baseline and a setting the user
//! returns to cost nothing. Ctrl-C (or SIGTERM) stops the running simulation and the server.

pub mod api;

use crate::error::Error;
use crate::parameters::{Kind, Parameters, SPECS};
use api::{RunOutcome, Served, Setting};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Most requests waiting for the simulation; more get `503 Service Unavailable`.
pub const MAX_WAITING: usize = 8;
/// Settings whose answers are kept.
const CACHE: usize = 32;

const INDEX_HTML: &str = include_str!("../../assets/serve/index.html");
const APP_JS: &str = include_str!("../../assets/serve/app.js");
const STYLE_CSS: &str = include_str!("../../assets/serve/style.css");

/// A lever the page shows from the start: a registry path and the slider's range (its name,
/// unit and meaning come from the registry).
struct Lever {
    path: &'static str,
    min: f64,
    max: f64,
    step: f64,
}

/// The levers a host controls, with slider ranges that cover sensible settings (the registry's
/// ranges are what the model accepts, often far wider).
const LEVERS: &[Lever] = &[
    Lever {
        path: "host.investment",
        min: 0.0,
        max: 5.0,
        step: 0.1,
    },
    Lever {
        path: "host.commitment",
        min: 0.0,
        max: 208.0,
        step: 1.0,
    },
    Lever {
        path: "approach.structure",
        min: 0.0,
        max: 1.0,
        step: 0.05,
    },
    Lever {
        path: "recruitment.outreach",
        min: 0.0,
        max: 0.02,
        step: 0.0005,
    },
    Lever {
        path: "brand.initial",
        min: 0.0,
        max: 1.0,
        step: 0.05,
    },
    Lever {
        path: "brand.growth",
        min: 0.0,
        max: 0.2,
        step: 0.005,
    },
    Lever {
        path: "brand.decay",
        min: 0.0,
        max: 0.1,
        step: 0.005,
    },
    Lever {
        path: "brand.weight",
        min: 0.0,
        max: 1.5,
        step: 0.05,
    },
    Lever {
        path: "brand.reach",
        min: 0.0,
        max: 0.02,
        step: 0.0005,
    },
    Lever {
        path: "brand.retention",
        min: 0.0,
        max: 1.0,
        step: 0.05,
    },
];

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub served: Served,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub threads: usize,
}

struct AppState {
    served: Served,
    pool: rayon::ThreadPool,
    gate: Arc<Semaphore>,
    waiting: AtomicUsize,
    cache: Mutex<Vec<(String, Arc<RunOutcome>)>>,
    /// The cancel flag of the running simulation.
    running: Mutex<Option<Arc<AtomicBool>>>,
    stopping: AtomicBool,
}

/// Why a request got no answer.
enum Refused {
    Bad(Vec<String>),
    Busy(String),
    Failed(String),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let (status, problems) = match self {
            Refused::Bad(p) => (StatusCode::BAD_REQUEST, p),
            Refused::Busy(m) => (StatusCode::SERVICE_UNAVAILABLE, vec![m]),
            Refused::Failed(m) => (StatusCode::INTERNAL_SERVER_ERROR, vec![m]),
        };
        let body = json!({ "error": problems.join("\n"), "problems": problems });
        (status, axum::Json(body)).into_response()
    }
}

/// Runs the server until Ctrl-C or SIGTERM; `ready` is called with the address once it listens.
pub fn serve(opts: ServeOptions, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::BadInput(format!("cannot start the server: {e}")))?;
    let state = Arc::new(AppState {
        served: opts.served,
        pool: crate::simulation::thread_pool(opts.threads)?,
        gate: Arc::new(Semaphore::new(1)),
        waiting: AtomicUsize::new(0),
        cache: Mutex::new(Vec::new()),
        running: Mutex::new(None),
        stopping: AtomicBool::new(false),
    });
    runtime.block_on(async move {
        let addr = SocketAddr::new(opts.bind, opts.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Usage(format!("cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::Usage(format!("cannot listen on {addr}: {e}")))?;
        ready(local);
        let app = router(state.clone());
        axum::serve(listener, app)
            .with_graceful_shutdown(stop_signal(state))
            .await
            .map_err(|e| Error::BadInput(format!("the server stopped: {e}")))
    })
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { page(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/style.css",
            get(|| async { page(STYLE_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/scenario", get(scenario_info))
        .route("/api/run", post(run))
        .route("/api/scenario.toml", post(download))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(api::MAX_BODY))
        .with_state(state)
}

async fn not_found() -> Response {
    let body = json!({
        "error": "no such page; the explorer is at /, its API at /api/scenario, /api/run and /api/scenario.toml"
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

fn page(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Resolves on Ctrl-C or SIGTERM, after cancelling the running simulation.
async fn stop_signal(state: Arc<AppState>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    state.stopping.store(true, Ordering::SeqCst);
    if let Ok(running) = state.running.lock() {
        if let Some(c) = running.as_ref() {
            c.store(true, Ordering::SeqCst);
        }
    }
}

async fn scenario_info(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(describe(&state.served)).into_response()
}

/// The served scenario for the page: run settings, the question, the levers and every
/// parameter.
fn describe(served: &Served) -> Value {
    let s = &served.scenario;
    let defaults = Parameters::default();
    let params: Vec<Value> = SPECS
        .iter()
        .map(|spec| {
            let (kind, min, max, choices) = match spec.kind {
                Kind::Float { min, max } => ("number", json!(min), json!(max), json!(null)),
                Kind::PositiveFloat { max } => ("number", json!(0.0), json!(max), json!(null)),
                Kind::Int { min, max } => ("integer", json!(min), json!(max), json!(null)),
                Kind::Choice(names) => ("choice", json!(null), json!(null), json!(names)),
            };
            json!({
                "path": spec.path,
                "display": spec.display,
                "unit": spec.unit,
                "meaning": spec.doc,
                "allowed": spec.kind.allowed(),
                "kind": kind,
                "min": min,
                "max": max,
                "choices": choices,
                "default": defaults.get(spec.path),
                "value": s.base.get(spec.path),
            })
        })
        .collect();
    let levers: Vec<Value> = LEVERS
        .iter()
        .map(|l| {
            json!({
                "path": l.path,
                "min": l.min,
                "max": l.max,
                "step": l.step,
            })
        })
        .collect();
    json!({
        "file": served.file,
        "name": s.name,
        "description": s.description,
        "question": crate::report::question(&served.text),
        "seed": s.seed,
        "trials": served.default_trials(),
        "steps": s.steps,
        "swept": s.swept_paths(),
        "limits": {
            "max_trials": api::MAX_TRIALS,
            "max_steps": api::MAX_STEPS,
            "max_trial_weeks": api::MAX_TRIAL_WEEKS,
        },
        "levers": levers,
        "params": params,
    })
}

/// Reads a request and checks its setting and its baseline's.
fn settings(state: &AppState, body: &[u8]) -> Result<(Setting, Option<Setting>), Refused> {
    let req = api::read_request(body).map_err(Refused::Bad)?;
    let current = state.served.setting(&req.set, &req);
    let baseline = req
        .baseline
        .as_ref()
        .map(|b| state.served.setting(b, &req))
        .transpose();
    match (current, baseline) {
        (Ok(c), Ok(b)) => Ok((c, b)),
        (c, b) => {
            let mut problems = c.err().unwrap_or_default();
            problems.extend(
                b.err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| format!("baseline: {m}")),
            );
            Err(Refused::Bad(problems))
        }
    }
}

async fn run(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let (current, baseline) = match settings(&state, &body) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let started = std::time::Instant::now();
    let outcome = match outcome(&state, &current).await {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let mut answer = api::summary_json(&outcome);
    answer.insert("seed".into(), json!(current.scenario.seed));
    answer.insert("steps".into(), json!(current.scenario.steps));
    answer.insert("curves".into(), api::curves_json(&outcome));
    if let Some(b) = baseline {
        let base = match self::outcome(&state, &b).await {
            Ok(o) => o,
            Err(r) => return r.into_response(),
        };
        let mut summary = api::summary_json(&base);
        summary.insert("curves".into(), api::curves_json(&base));
        summary.insert("difference".into(), api::difference_json(&outcome, &base));
        answer.insert("baseline".into(), Value::Object(summary));
    }
    answer.insert("seconds".into(), json!(started.elapsed().as_secs_f64()));
    axum::Json(Value::Object(answer)).into_response()
}

async fn download(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match settings(&state, &body) {
        Ok((current, _)) => {
            let file = format!(
                "attachment; filename=\"{}-explorer.toml\"",
                crate::scenario::safe_folder_name(&current.scenario.name)
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/toml; charset=utf-8".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, file),
                ],
                current.text,
            )
                .into_response()
        }
        Err(r) => r.into_response(),
    }
}

/// One request counted among those waiting for the simulation, until dropped.
struct Waiting<'a> {
    count: &'a AtomicUsize,
    /// How many were waiting before this one.
    ahead: usize,
}

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        let ahead = count.fetch_add(1, Ordering::SeqCst);
        Waiting { count, ahead }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sets the cancel flag when dropped unless disarmed: a request whose client has gone stops its
/// simulation.
struct CancelOnDrop(Arc<AtomicBool>, bool);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.1 {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

/// The outcome of a setting: from the cache, or simulated once the simulation is free.
async fn outcome(state: &Arc<AppState>, setting: &Setting) -> Result<Arc<RunOutcome>, Refused> {
    if let Some(o) = cached(state, &setting.text) {
        return Ok(o);
    }
    // Counted while waiting, and uncounted however the wait ends (a client that goes away
    // drops this future mid-wait).
    let waiting = Waiting::enter(&state.waiting);
    if waiting.ahead >= MAX_WAITING {
        return Err(Refused::Busy(format!(
            "the explorer is busy: {MAX_WAITING} requests are already waiting; try again in a moment"
        )));
    }
    let permit = state.gate.clone().acquire_owned().await;
    drop(waiting);
    let permit = permit.map_err(|_| Refused::Busy("the explorer is stopping".into()))?;
    if state.stopping.load(Ordering::SeqCst) {
        return Err(Refused::Busy("the explorer is stopping".into()));
    }
    // A request for the same setting may have been answered while this one waited.
    if let Some(o) = cached(state, &setting.text) {
        return Ok(o);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut r) = state.running.lock() {
        *r = Some(cancel.clone());
    }
    let mut guard = CancelOnDrop(cancel.clone(), true);
    let task = {
        let state = state.clone();
        let setting = setting.clone();
        tokio::task::spawn_blocking(move || {
            // The permit is held until the simulation has really stopped.
            let _permit = permit;
            let result = api::simulate(&setting, &state.pool, &cancel);
            if let Ok(mut r) = state.running.lock() {
                *r = None;
            }
            result
        })
    };
    let result = task.await;
    guard.1 = false;
    match result {
        Ok(Ok(o)) => {
            let o = Arc::new(o);
            if let Ok(mut cache) = state.cache.lock() {
                if cache.len() >= CACHE {
                    cache.remove(0);
                }
                cache.push((setting.text.clone(), o.clone()));
            }
            Ok(o)
        }
        Ok(Err(Error::Interrupted)) => Err(Refused::Busy("the explorer is stopping".into())),
        Ok(Err(e)) => Err(Refused::Failed(e.to_string())),
        Err(e) => Err(Refused::Failed(format!("the simulation failed: {e}"))),
    }
}

fn cached(state: &AppState, key: &str) -> Option<Arc<RunOutcome>> {
    let cache = state.cache.lock().ok()?;
    cache.iter().find(|(k, _)| k == key).map(|(_, o)| o.clone())
}
