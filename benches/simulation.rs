//! Speed of the simulator on the default parameters (104 weekly steps).
//!
//! - `trial/batch1024`: 1,024 trials with fixed seeds on one thread, reusing one workspace, as
//!   the runner does. Throughput is in participant-steps (one participant simulated for one
//!   week), the unit of `agent_steps` in `manifest.json`. The batch is large on purpose: with
//!   only 64 seeds repeated thousands of times the CPU's branch predictor learns their random
//!   choices and the figure comes out about 50% too fast (docs/PERFORMANCE.md).
//! - `run/threads/N`: `simulate_variant` over 2,000 trials on a rayon pool of N = 1 and 2
//!   threads, the whole parallel runner without file output. Throughput is in trials.
//!
//! - `calibrate/particle300` and `calibrate/sweep16x300`: the calibration-like workload, many
//!   variants of few trials over 312 weeks (see each function).
//!
//! `cargo bench` takes about a minute; `cargo bench -- trial` runs one group only.
//! `cargo test --release --benches` runs every benchmark once, as a quick check that it works.
//! docs/PERFORMANCE.md records measured figures and how they compare with the targets.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hothouse::model::{Model, Workspace, trial_seed};
use hothouse::parameters::Parameters;
use hothouse::simulation::{simulate_variant, thread_pool};
use std::hint::black_box;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The master seed of scenarios/default.toml.
const SEED: u64 = 20_200_323;
/// The horizon of scenarios/default.toml: two years of weeks.
const STEPS: u32 = 104;
/// Trials in one iteration of the single-trial benchmark (about 13 ms).
const BATCH: u64 = 1_024;
/// Trials in one whole run.
const RUN_TRIALS: u64 = 2_000;

fn default_model() -> Model {
    Model::new(Parameters::default(), STEPS).expect("the default parameters are valid")
}

/// Runs trials `0..BATCH` and returns the participant-steps they simulated.
fn run_batch(model: &Model, ws: &mut Workspace) -> u64 {
    (0..BATCH)
        .map(|i| {
            model
                .run(black_box(trial_seed(SEED, i)), ws)
                .participant_steps
        })
        .sum()
}

fn bench_trial(c: &mut Criterion) {
    let model = default_model();
    let mut ws = Workspace::new();
    // The seeds are fixed, so the work per sample is fixed: count it once.
    let participant_steps = run_batch(&model, &mut ws);
    assert!(participant_steps > 0);

    let mut group = c.benchmark_group("trial");
    group
        .throughput(Throughput::Elements(participant_steps))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.bench_function(format!("batch{BATCH}"), |b| {
        b.iter(|| run_batch(&model, &mut ws))
    });
    group.finish();
}

fn bench_run(c: &mut Criterion) {
    let model = default_model();
    let cancel = AtomicBool::new(false);
    let progress = |_: u64| {};

    let mut group = c.benchmark_group("run");
    group
        .throughput(Throughput::Elements(RUN_TRIALS))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(12));
    for threads in [1usize, 2] {
        let pool = thread_pool(threads).expect("thread pool");
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                let (counts, agent_steps) = simulate_variant(
                    &model,
                    SEED,
                    (0, RUN_TRIALS),
                    &pool,
                    &cancel,
                    &progress,
                    |_, _, r| {
                        black_box(r);
                        Ok(())
                    },
                )
                .expect("run");
                black_box((counts, agent_steps))
            })
        });
    }
    group.finish();
}

/// One particle of the Apache Incubator fit (`scenarios/apache-incubator-fit.toml`): 300
/// communities of the fitted scenario over 312 weeks, and their distance D to the record, the
/// unit of work of `hothouse calibrate` (a fit costs this times the simulations in its
/// manifest, spread over the threads). Throughput in trials.
fn bench_calibrate(c: &mut Criterion) {
    use hothouse::calibrate::simulate_distance;
    use hothouse::record::Record;
    use hothouse::scenario::Scenario;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("scenarios/apache-incubator.toml");
    let text = std::fs::read_to_string(&file).expect("the bundled scenario");
    let scenario = Scenario::parse("apache-incubator.toml", &text).expect("valid");
    let record = Record::read(&root.join("data/apache_incubator.csv")).expect("the record");
    let incidence = record.incidence();
    const TRIALS: u64 = 300;
    let mut group = c.benchmark_group("calibrate");
    group
        .throughput(Throughput::Elements(TRIALS))
        .sample_size(20)
        .measurement_time(Duration::from_secs(6));
    group.bench_function("particle300", |b| {
        b.iter(|| {
            simulate_distance(
                scenario.variants()[0].model(&scenario),
                TRIALS,
                black_box(7),
                &incidence,
                312,
            )
        })
    });
    group.finish();
}

/// The calibration-like workload of docs/PERFORMANCE.md: many variants of few trials over a
/// long horizon. The first 16 variants of `benches/calibration-sweep.toml` (the Apache
/// Incubator scenario crossed with values of two fitted parameters), 300 communities each over
/// 312 weeks, each simulated and measured against the record as a particle of `hothouse
/// calibrate` is, on one thread. Throughput in participant-steps (counted once before timing).
fn bench_calibration_sweep(c: &mut Criterion) {
    use hothouse::calibrate::simulate_distance;
    use hothouse::record::Record;
    use hothouse::scenario::Scenario;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("benches/calibration-sweep.toml");
    let text = std::fs::read_to_string(&file).expect("the sweep scenario");
    let scenario = Scenario::parse("calibration-sweep.toml", &text).expect("valid");
    let record = Record::read(&root.join("data/apache_incubator.csv")).expect("the record");
    let incidence = record.incidence();
    const VARIANTS: usize = 16;
    const TRIALS: u64 = 300;
    let models: Vec<Model> = scenario.variants()[..VARIANTS]
        .iter()
        .map(|v| v.model(&scenario).expect("valid"))
        .collect();
    let mut ws = Workspace::new();
    let participant_steps: u64 = models
        .iter()
        .map(|m| {
            (0..TRIALS)
                .map(|k| {
                    m.run(trial_seed(scenario.seed, k), &mut ws)
                        .participant_steps
                })
                .sum::<u64>()
        })
        .sum();
    let mut group = c.benchmark_group("calibrate");
    group
        .throughput(Throughput::Elements(participant_steps))
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function(format!("sweep{VARIANTS}x{TRIALS}"), |b| {
        b.iter(|| {
            models
                .iter()
                .map(|m| {
                    simulate_distance(
                        Ok(m.clone()),
                        TRIALS,
                        black_box(scenario.seed),
                        &incidence,
                        312,
                    )
                })
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_trial,
    bench_run,
    bench_calibrate,
    bench_calibration_sweep
);
criterion_main!(benches);
