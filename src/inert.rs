//! Parameters that the model never reads under a scenario's other settings (issue 14 item 1).
//!
//! Sweeping `motivation.mean` while the motivation distribution is beta gives identical
//! variants; a reader concludes that motivation does not matter. A parameter that a scenario
//! sets, sweeps or draws per community, and that is inert in every one of its variants, is an
//! error naming the setting that makes it inert. A parameter both set in its table and swept gets
//! a note that the sweep overrides the table.

use crate::parameters::{MotivationDistribution, Parameters};
use crate::scenario::Scenario;

/// A group of parameters read only under a condition: `inert(p)` says why they are not read
/// with parameters `p` (and what to change), or `None` when they are.
struct Gate {
    paths: &'static [&'static str],
    inert: fn(&Parameters) -> Option<String>,
}

fn motivation_family(p: &Parameters, wanted: MotivationDistribution) -> Option<String> {
    let name = |d: MotivationDistribution| format!("{d:?}").to_lowercase();
    (p.motivation.distribution != wanted).then(|| {
        format!(
            "it is read only when `motivation.distribution` = \"{}\", and the scenario's is \"{}\"; set motivation.distribution = \"{}\" to use it",
            name(wanted),
            name(p.motivation.distribution),
            name(wanted)
        )
    })
}

/// MODEL.md: the host's effects, spending and reviews exist only while it invests.
fn no_host(p: &Parameters) -> Option<String> {
    (p.host.investment <= 0.0).then(|| {
        "`host.investment` = 0 means no host, so nothing about the host is read; give host.investment a value above 0 (or sweep it)".to_string()
    })
}

const GATES: &[Gate] = &[
    Gate {
        paths: &["motivation.value"],
        inert: |p| motivation_family(p, MotivationDistribution::Fixed),
    },
    Gate {
        paths: &["motivation.low", "motivation.high"],
        inert: |p| motivation_family(p, MotivationDistribution::Uniform),
    },
    Gate {
        paths: &["motivation.alpha", "motivation.beta"],
        inert: |p| motivation_family(p, MotivationDistribution::Beta),
    },
    Gate {
        paths: &["motivation.mean", "motivation.sd"],
        inert: |p| motivation_family(p, MotivationDistribution::Normal),
    },
    Gate {
        paths: &[
            "host.half_effect",
            "host.facilitation",
            "host.build_rate",
            "host.day_rate",
            "host.commitment",
            "host.patience",
            "host.review_week",
            "host.review_every",
            "host.review_continue",
            "host.review_scale",
            "agenda.host_crowding",
            "recruitment.outreach",
        ],
        inert: no_host,
    },
    Gate {
        paths: &["host.review_continue", "host.review_scale"],
        inert: |p| {
            (p.host.review_every == 0).then(|| {
                "`host.review_every` = 0 means no periodic review, which is where it is read; give host.review_every a number of weeks".to_string()
            })
        },
    },
];

/// How a scenario gives a parameter a value.
fn how_given(path: &str, set: &[String], scenario: &Scenario) -> Option<&'static str> {
    if scenario.sweep.iter().any(|(p, _)| p == path) {
        Some("swept")
    } else if scenario.draws.iter().any(|d| d.path == path) {
        Some("drawn per community")
    } else if set.iter().any(|p| p == path) {
        Some("set")
    } else {
        None
    }
}

/// The `group.name` paths that `text` gives a value in the parameters' tables (not `[sweep]`).
fn set_in_tables(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (group, value) in &table {
        if group == "sweep" {
            continue;
        }
        if let Some(t) = value.as_table() {
            out.extend(t.keys().map(|k| format!("{group}.{k}")));
        }
    }
    out
}

/// Checks the scenario `text` (parsed as `scenario`): an error naming each parameter that is
/// given a value but read in none of the variants, with the reason; otherwise the notes to show
/// (parameters both set in their table and swept).
pub fn check(file: &str, scenario: &Scenario, text: &str) -> Result<Vec<String>, String> {
    let set = set_in_tables(text);
    let mut problems = Vec::new();
    let variants = scenario.variants();
    for gate in GATES {
        for path in gate.paths {
            let Some(how) = how_given(path, &set, scenario) else {
                continue;
            };
            // Inert in every variant (a sweep of the gating parameter can bring it to life).
            let mut reasons = variants.iter().map(|v| (gate.inert)(&v.params));
            if let Some(Some(reason)) = reasons.next()
                && reasons.all(|r| r.is_some())
            {
                let already = problems
                    .iter()
                    .any(|p: &String| p.starts_with(&format!("{file}: `{path}`")));
                if !already {
                    problems.push(format!(
                        "{file}: `{path}` is {how} but has no effect: {reason}"
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(scenario
        .sweep
        .iter()
        .filter(|(p, _)| set.contains(p))
        .map(|(p, _)| {
            format!("{file}: `{p}` is set in its table and swept; the sweep's values override the table's")
        })
        .collect())
}
