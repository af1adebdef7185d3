//! `hothouse trace`: re-runs one trial exactly (same seed as its row in `trials.csv`) and writes
//! its week-by-week history.

use crate::error::Error;
use crate::model::{StepRecord, TrialResult, Workspace, trial_seed};
use crate::outcome::Outcome;
use crate::output::{self, num};
use crate::scenario::Scenario;
use std::fs;
use std::path::{Path, PathBuf};

/// Columns of `trace.csv`, in order.
pub const TRACE_COLUMNS: &[&str] = &[
    "time",
    "stage",
    "participants",
    "active",
    "mean_motivation",
    "assets",
    "brand",
    "host_active",
    "host_investment",
    "host_spend",
    "host_covered",
    "revenue",
    "operating_cost",
    "newcomers",
    "leavers",
    "cause",
    "critical_mass",
];

/// One trial's history and result.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Which trial: "fading-crisis, variant 0, trial 3" (the title of `trace.png`).
    pub about: String,
    /// The variant's swept values, as the summary names them (the subtitle of `trace.png`).
    pub values: String,
    /// The trial's critical mass (with any per-community draw applied).
    pub critical_mass: u32,
    pub seed: u64,
    pub steps: Vec<StepRecord>,
    pub result: TrialResult,
}

/// Re-runs trial `trial` of variant `variant`.
pub fn trace(scenario: &Scenario, variant: usize, trial: u64) -> Result<Trace, Error> {
    let variants = scenario.variants();
    let Some(v) = variants.get(variant) else {
        return Err(Error::Usage(format!(
            "--variant {variant} does not exist; this scenario has variants 0 to {}",
            variants.len() - 1
        )));
    };
    if trial >= scenario.trials {
        return Err(Error::Usage(format!(
            "--trial {trial} does not exist; this run has trials 0 to {}",
            scenario.trials - 1
        )));
    }
    let model = v.model(scenario).map_err(Error::BadInput)?;
    let seed = trial_seed(scenario.seed, trial);
    let mut steps = Vec::with_capacity(scenario.steps as usize + 1);
    let result = model.run_observed(seed, &mut Workspace::new(), |r| steps.push(r.clone()));
    let critical_mass = model.trial_parameters(seed).0.community.critical_mass;
    Ok(Trace {
        about: format!("{}, variant {variant}, trial {trial}", scenario.name),
        values: output::plain_label(scenario, v),
        critical_mass,
        seed,
        steps,
        result,
    })
}

/// Why a trial fizzled, in words, with the thresholds of `p`: what `trace` prints.
pub fn cause_words(cause: crate::model::FizzleCause, p: &crate::parameters::Parameters) -> String {
    use crate::model::FizzleCause;
    match cause {
        FizzleCause::TooFewActive => format!(
            "fewer than {} active contributors for {} weeks",
            p.community.critical_mass, p.community.fizzle_patience
        ),
        FizzleCause::EveryoneLeft => "everyone had left".to_string(),
        FizzleCause::OutOfMoney => format!(
            "no host, and the unpaid shortfall passed the participants' reserve of £{}k",
            p.economics.reserve
        ),
    }
}

/// Writes `trace.csv` (and `trace.png` when `plot`) into `dir`, each file atomically.
pub fn write(trace: &Trace, dir: &Path, plot: bool) -> Result<Vec<PathBuf>, Error> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let path = dir.join("trace.csv");
    w.write_record(TRACE_COLUMNS)
        .map_err(|e| Error::csv(&path, e))?;
    let last = trace.steps.len().saturating_sub(1);
    for (i, s) in trace.steps.iter().enumerate() {
        let stage = if i == last && trace.result.outcome != Outcome::Censored {
            trace.result.outcome.as_str()
        } else {
            s.stage.as_str()
        };
        w.write_record([
            s.time.to_string(),
            stage.to_string(),
            s.participants.to_string(),
            s.active.to_string(),
            num(s.mean_motivation),
            num(s.assets),
            num(s.brand),
            u8::from(s.host_active).to_string(),
            num(s.host_investment),
            num(s.host_spend),
            num(s.host_covered),
            num(s.revenue),
            num(s.operating_cost),
            s.newcomers.to_string(),
            s.leavers.to_string(),
            // Why the trial fizzled, on its last row.
            if i == last {
                trace.result.cause.map_or("", |c| c.as_str())
            } else {
                ""
            }
            .to_string(),
            trace.critical_mass.to_string(),
        ])
        .map_err(|e| Error::csv(&path, e))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::csv(&path, e.error()))?;
    output::write_atomic(&path, &bytes)?;
    let mut files = vec![path.clone()];
    if plot {
        let png = dir.join("trace.png");
        crate::plots::draw_trace_about(&path, &png, Some((&trace.about, &trace.values)))?;
        files.push(png);
    }
    Ok(files)
}
