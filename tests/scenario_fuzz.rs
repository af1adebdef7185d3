//! No input makes scenario parsing panic: random TOML-ish documents built from the real parameter
//! paths, junk keys and values of every TOML type (including nan, inf, huge integers, dates,
//! nested lists and tables, broken syntax) go through `Scenario::parse`. Whatever parses must
//! give variants without panicking, with every parameter in range and every cross-parameter
//! rule kept; whatever fails must say so in well-formed, renderable problems.
//!
//! A coverage-guided version of the same check lives in `fuzz/` (`cargo fuzz run scenario`).

use hothouse::parameters::{Kind, ParamSpec, SPECS};
use hothouse::scenario::{self, MAX_VARIANTS, Scenario};
use proptest::prelude::*;

const RUN_KEYS: &[&str] = &["name", "description", "seed", "trials", "steps", "sweep"];

/// A key: a real parameter field or path, a run setting, a group, or junk.
fn key() -> impl Strategy<Value = String> {
    let spec = proptest::sample::select(SPECS).prop_map(|s| s.path.to_string());
    let field =
        proptest::sample::select(SPECS).prop_map(|s| s.path.split_once('.').unwrap().1.to_string());
    let group = proptest::sample::select(hothouse::parameters::GROUPS).prop_map(str::to_string);
    let run = proptest::sample::select(RUN_KEYS).prop_map(str::to_string);
    let junk = prop_oneof![
        Just(String::new()),
        Just("a b".to_string()),
        Just("host.".to_string()),
        Just(".x".to_string()),
        Just("ünï".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("sweep.host".to_string()),
        "[a-z_]{1,12}",
        any::<String>().prop_map(|s| s.chars().take(20).collect()),
    ];
    prop_oneof![3 => spec, 3 => field, 1 => group, 2 => run, 2 => junk]
}

/// A key as written in TOML: bare when possible, quoted otherwise; dotted paths sometimes bare.
fn write_key(k: &str, dotted_bare: bool) -> String {
    let bare = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if bare(k) || (dotted_bare && k.split('.').all(bare)) {
        k.to_string()
    } else {
        basic_string(k)
    }
}

fn basic_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A scalar TOML value, as text, sometimes malformed.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (-5i64..200).prop_map(|i| i.to_string()),
        (0.0f64..1.0).prop_map(|x| format!("{x:?}")),
        any::<f64>().prop_map(|x| if x.is_finite() {
            format!("{x:e}")
        } else {
            "nan".to_string()
        }),
        prop::sample::select(
            &[
                "nan",
                "+nan",
                "-nan",
                "inf",
                "+inf",
                "-inf",
                "-0.0",
                "0",
                "1e400",
                "-1e400",
                "99999999999999999999",
                "-99999999999999999999",
                "0x7fffffffffffffffffff",
                "0xffffffffffffffff",
                "0o777",
                "0b101",
                "1_000",
                "true",
                "false",
                "1979-05-27",
                "07:32:00",
                "1979-05-27T07:32:00Z",
                "\"fixed\"",
                "\"uniform\"",
                "\"beta\"",
                "\"normal\"",
                "''",
                "'''multi\nline'''",
                "\"\"",
                "1 2",
                "=",
                "[",
                "{",
            ][..]
        )
        .prop_map(str::to_string),
        any::<String>().prop_map(|s| basic_string(&s.chars().take(30).collect::<String>())),
    ]
}

/// A TOML value, possibly a list or an inline table, nested a little.
fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|v| {
                let items: Vec<String> = v
                    .into_iter()
                    .map(|(k, x)| format!("{} = {x}", write_key(&k, true)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }),
        ]
    })
}

/// A sweep entry: a path and a list of values, usually well formed.
fn sweep_entry() -> impl Strategy<Value = String> {
    (
        key(),
        any::<bool>(),
        prop::collection::vec(scalar(), 0..5),
        prop::sample::select(&["[]", "", "5", "{}"][..]),
    )
        .prop_map(|(k, bare, items, odd)| {
            let list = if odd.is_empty() || items.len() > 1 {
                format!("[{}]", items.join(", "))
            } else {
                odd.to_string()
            };
            format!("{} = {list}", write_key(&k, bare))
        })
}

/// One line of a document.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (key(), any::<bool>(), value())
            .prop_map(|(k, bare, v)| format!("{} = {v}", write_key(&k, bare))),
        2 => key().prop_map(|k| format!("[{}]", write_key(&k, true))),
        1 => key().prop_map(|k| format!("[[{}]]", write_key(&k, true))),
        2 => Just("[sweep]".to_string()),
        4 => sweep_entry(),
        1 => Just("name = \"fuzz\"".to_string()),
        1 => any::<String>().prop_map(|s| s.chars().take(40).collect()),
        1 => Just(String::new()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(line(), 0..16)).prop_map(|(named, lines)| {
        let mut text = if named {
            "name = \"fuzz\"\n".to_string()
        } else {
            String::new()
        };
        text.push_str(&lines.join("\n"));
        text
    })
}

/// A value inside the allowed range of a parameter, as TOML text.
fn valid_value(spec: ParamSpec) -> BoxedStrategy<String> {
    match spec.kind {
        Kind::Float { min, max } => (min..=max).prop_map(|x| format!("{x:?}")).boxed(),
        Kind::PositiveFloat { max } => (1e-6..=max).prop_map(|x| format!("{x:?}")).boxed(),
        Kind::Int { min, max } => (min..=max.min(1000)).prop_map(|i| i.to_string()).boxed(),
        Kind::Choice(names) => prop::sample::select(names)
            .prop_map(|n| format!("\"{n}\""))
            .boxed(),
    }
}

/// A parameter set to a value in its range: `path = value`.
fn valid_setting() -> impl Strategy<Value = (&'static str, String)> {
    proptest::sample::select(SPECS).prop_flat_map(|spec| (Just(spec.path), valid_value(spec)))
}

/// A sweep entry with values in range (sometimes repeated).
fn valid_sweep_entry() -> impl Strategy<Value = String> {
    proptest::sample::select(SPECS).prop_flat_map(|spec| {
        prop::collection::vec(valid_value(spec), 1..4)
            .prop_map(move |v| format!("{} = [{}]", spec.path, v.join(", ")))
    })
}

/// A mostly valid scenario: a name, parameters in range (as dotted keys), a sweep, and now and
/// then one random line from [`line`].
fn mostly_valid_document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(valid_setting(), 0..8),
        prop::collection::vec(valid_sweep_entry(), 0..4),
        prop::option::weighted(0.3, line()),
        prop::option::of(1u64..50),
    )
        .prop_map(|(settings, sweep, extra, trials)| {
            let mut text = String::from("name = \"fuzz\"\n");
            if let Some(t) = trials {
                text.push_str(&format!("trials = {t}\n"));
            }
            for (path, v) in settings {
                text.push_str(&format!("{path} = {v}\n"));
            }
            if !sweep.is_empty() {
                text.push_str("[sweep]\n");
                text.push_str(&sweep.join("\n"));
                text.push('\n');
            }
            if let Some(line) = extra {
                text.push_str(&line);
            }
            text
        })
}

/// Everything that must hold for the result of parsing `text`.
fn check(text: &str) -> Result<(), TestCaseError> {
    match Scenario::parse("fuzz.toml", text) {
        Ok(s) => {
            prop_assert!(s.variant_count() >= 1);
            prop_assert!(s.variant_count() <= MAX_VARIANTS);
            prop_assert!(!s.name.trim().is_empty());
            prop_assert!((1..=scenario::MAX_TRIALS).contains(&s.trials));
            prop_assert!((1..=scenario::MAX_STEPS).contains(&u64::from(s.steps)));
            let variants = s.variants();
            prop_assert_eq!(variants.len(), s.variant_count());
            for v in &variants {
                prop_assert_eq!(v.values.len(), s.sweep.len());
                for spec in SPECS {
                    let value = v.params.get(spec.path).expect("every path has a value");
                    prop_assert!(
                        spec.kind.check(&value).is_ok(),
                        "{} = {} accepted",
                        spec.path,
                        value
                    );
                }
                let broken = scenario::cross_check(&v.params);
                prop_assert!(broken.is_empty(), "accepted despite {:?}", broken);
                let _ = v.label(&s);
            }
            let folder = scenario::safe_folder_name(&s.name);
            prop_assert!(!folder.is_empty() && !folder.starts_with('.'));
            prop_assert!(!folder.contains('/') && !folder.contains('\\'));
            let _ = s.clone().with_overrides(Some(1), Some(u64::MAX), Some(1));
        }
        Err(e) => {
            prop_assert!(!e.problems.is_empty());
            prop_assert_eq!(e.lines().len(), e.problems.len());
            for line in e.lines() {
                prop_assert!(line.starts_with("fuzz.toml"), "{}", line);
            }
            for p in &e.problems {
                if let Some(span) = p.span {
                    prop_assert!(span.offset() + span.len() <= text.len());
                }
            }
            // Rendering, as the binary does, must not panic either.
            let mut rendered = String::new();
            let handler = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            );
            let _ = handler.render_report(&mut rendered, &e);
        }
    }
    Ok(())
}

/// The number of cases: `default`, or `PROPTEST_CASES` for a longer hunt
/// (`PROPTEST_CASES=100000 cargo test --release --test scenario_fuzz`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn toml_ish_documents_never_panic(text in document()) {
        check(&text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(200)))]

    #[test]
    fn mostly_valid_documents_never_panic(text in mostly_valid_document()) {
        check(&text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(100)))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }
}

/// Files full of mistakes are reported quickly: the time per problem must not grow with the size
/// of the file (these took minutes when every problem scanned the file for its line).
#[test]
fn files_full_of_mistakes_are_quick() {
    let lines = 60_000;
    let broken_headers: String = (0..lines).map(|i| format!("[a{i}\n")).collect();
    let broken_values: String = (0..lines).map(|i| format!("x{i} = 1 2\n")).collect();
    let unknown_keys: String = (0..lines)
        .map(|i| format!("[host]\nunknown_{i} = 1\n"))
        .collect();
    let long_line = format!("name = \"x\"\nx = [{}]", "1 ".repeat(lines));
    for text in [broken_headers, broken_values, unknown_keys, long_line] {
        let start = std::time::Instant::now();
        let e = Scenario::parse("full.toml", &text).expect_err("full of mistakes");
        assert!(!e.problems.is_empty());
        let took = start.elapsed();
        assert!(took.as_secs() < 20, "{took:?} for {} bytes", text.len());
    }
}

/// Inputs that once were (or could have been) trouble, kept as plain cases.
#[test]
fn known_hard_inputs() {
    let deep_list = format!("name = \"x\"\nx = {}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_table = format!(
        "name = \"x\"\nx = {}1{}",
        "{a=".repeat(3000),
        "}".repeat(3000)
    );
    let many_problems = format!(
        "name = \"x\"\n[sweep]\nhost.investment = [{}]",
        (0..50_000)
            .map(|i| (-i - 1).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let long_key = format!("name = \"x\"\n{} = 1", vec!["a"; 20000].join("."));
    let long_sweep = format!(
        "name = \"x\"\n[sweep]\nhost.investment = [{}]",
        (0..200_000)
            .map(|i| format!("{:?}", f64::from(i) / 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let big_product = format!(
        "name = \"x\"\n[sweep]\n{}",
        SPECS
            .iter()
            .filter(|s| matches!(s.kind, Kind::Float { max, .. } if max >= 1.0))
            .map(|s| format!("{} = [0, 0.25, 0.5, 0.75, 1]\n", s.path))
            .collect::<String>()
    );
    for text in [
        "",
        "\u{feff}name = \"bom\"",
        "name = \"x\"\n[sweep.host]",
        "name = \"x\"\n[sweep]\n\"\" = []",
        "name = \"x\"\nsweep = 1\nsweep.a = 2",
        "name = \"x\"\n[sweep]\nhost.investment = [0, -0.0]",
        "name = \"x\"\ntrials = 0x7fffffffffffffff",
        "name = \"x\"\ntrials = -9223372036854775808",
        "name = \"x\"\n[motivation]\ndistribution = \"normal\"\nmean = 0\nsd = 1000",
        "name = \"x\"\n[host\n[host]\n[[host]]",
        "\"\\u0000\" = 1",
        "name = 'é'\n[é]\né = 1",
        deep_list.as_str(),
        deep_table.as_str(),
        long_key.as_str(),
        long_sweep.as_str(),
        many_problems.as_str(),
        big_product.as_str(),
    ] {
        check(text)
            .unwrap_or_else(|e| panic!("{e}\n{}", text.chars().take(200).collect::<String>()));
    }
}
