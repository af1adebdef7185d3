//! A sweep the model ignores is refused (issue 14 item 1). Each rule of `hothouse::inert` is
//! checked both ways: the model really gives identical trials across the swept values under
//! the rule's condition, and `run`/`check` refuse such a sweep with exit 2 naming the setting.

mod common;

use assert_cmd::Command;
use std::path::Path;

/// Each rule's parameters, two valid values for a sweep, and the settings under which the model
/// does not read them.
const CASES: &[(&str, &str, &str)] = &[
    (
        "motivation.value",
        "0.3, 0.7",
        "[motivation]\ndistribution = \"beta\"\n",
    ),
    (
        "motivation.low",
        "0.1, 0.3",
        "[motivation]\ndistribution = \"beta\"\n",
    ),
    (
        "motivation.high",
        "0.8, 0.9",
        "[motivation]\ndistribution = \"normal\"\n",
    ),
    (
        "motivation.alpha",
        "1.0, 5.0",
        "[motivation]\ndistribution = \"uniform\"\n",
    ),
    (
        "motivation.beta",
        "1.0, 5.0",
        "[motivation]\ndistribution = \"fixed\"\n",
    ),
    (
        "motivation.mean",
        "0.2, 0.6",
        "[motivation]\ndistribution = \"beta\"\n",
    ),
    (
        "motivation.sd",
        "0.1, 0.4",
        "[motivation]\ndistribution = \"uniform\"\n",
    ),
    ("host.half_effect", "0.5, 3.0", "[host]\ninvestment = 0.0\n"),
    (
        "host.facilitation",
        "0.1, 0.9",
        "[host]\ninvestment = 0.0\n",
    ),
    ("host.build_rate", "0.1, 2.0", "[host]\ninvestment = 0.0\n"),
    ("host.day_rate", "0.1, 2.0", "[host]\ninvestment = 0.0\n"),
    ("host.commitment", "0, 10", "[host]\ninvestment = 0.0\n"),
    ("host.patience", "1, 20", "[host]\ninvestment = 0.0\n"),
    ("host.review_week", "0, 5", "[host]\ninvestment = 0.0\n"),
    ("host.review_every", "0, 4", "[host]\ninvestment = 0.0\n"),
    (
        "agenda.host_crowding",
        "0.0, 0.9",
        "[host]\ninvestment = 0.0\n",
    ),
    (
        "recruitment.outreach",
        "0.0, 0.05",
        "[host]\ninvestment = 0.0\n",
    ),
    (
        "host.review_continue",
        "0.1, 0.9",
        "[host]\ninvestment = 2.0\nreview_every = 0\n",
    ),
    (
        "host.review_scale",
        "0.5, 50.0",
        "[host]\ninvestment = 2.0\nreview_every = 0\n",
    ),
];

fn sweep_text(path: &str, values: &str, settings: &str) -> String {
    format!(
        "name = \"inert\"\nseed = 3\ntrials = 40\nsteps = 104\n\n{settings}\n[sweep]\n\"{path}\" = [{values}]\n"
    )
}

fn hothouse(args: &[&str], dir: &Path) -> std::process::Output {
    Command::cargo_bin("hothouse")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_rule_names_a_truly_inert_parameter() {
    for (path, values, settings) in CASES {
        let s = common::scenario(&sweep_text(path, values, settings));
        let variants = s.variants();
        assert_eq!(variants.len(), 2);
        let trials: Vec<_> = variants
            .iter()
            .map(|v| common::run_trials(&v.model(&s).unwrap(), s.seed, 40))
            .collect();
        assert!(
            trials[0] == trials[1],
            "{path} changes trials under {settings}"
        );
        assert!(
            hothouse::inert::check("s.toml", &s, &sweep_text(path, values, settings)).is_err(),
            "{path} not refused under {settings}"
        );
    }
}

#[test]
fn inert_sweeps_and_settings_are_refused_naming_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // The cases: motivation.mean swept under the default beta distribution...
    std::fs::write(
        t.join("a.toml"),
        "name = \"a\"\ntrials = 10\n[sweep]\n\"motivation.mean\" = [0.2, 0.4, 0.6]\n",
    )
    .unwrap();
    for args in [&["check", "a.toml"][..], &["run", "a.toml", "--out", "o"]] {
        let o = hothouse(args, t);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            "error: a.toml: `motivation.mean` is swept but has no effect: it is read only when `motivation.distribution` = \"normal\", and the scenario's is \"beta\"; set motivation.distribution = \"normal\" to use it\n"
        );
        assert!(!t.join("o").exists());
    }
    // ... and alpha = 5 with a uniform distribution.
    std::fs::write(
        t.join("b.toml"),
        "name = \"b\"\n[motivation]\ndistribution = \"uniform\"\nalpha = 5\n",
    )
    .unwrap();
    let o = hothouse(&["check", "b.toml"], t);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("`motivation.alpha` is set but has no effect")
            && e.contains("the scenario's is \"uniform\""),
        "{e}"
    );
    // A sweep of the gate itself brings the parameter to life in some variants: accepted.
    std::fs::write(
        t.join("c.toml"),
        "name = \"c\"\n[host]\ninvestment = 1.0\nday_rate = 0.5\n[sweep]\n\"host.investment\" = [0.0, 1.0]\n\"host.day_rate\" = [0.2, 0.4]\n",
    )
    .unwrap();
    let o = hothouse(&["check", "c.toml"], t);
    assert_eq!(o.status.code(), Some(0));
    // Set in the table and swept: a note that the sweep overrides the table.
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "warning: c.toml: `host.investment` is set in its table and swept; the sweep's values override the table's\n\
         warning: c.toml: `host.day_rate` is set in its table and swept; the sweep's values override the table's\n"
    );
}

#[test]
fn the_bundled_scenarios_set_nothing_inert() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let s = hothouse::scenario::Scenario::parse("s.toml", &text).unwrap();
        assert_eq!(
            hothouse::inert::check("s.toml", &s, &text),
            Ok(vec![]),
            "{}",
            path.display()
        );
    }
}
