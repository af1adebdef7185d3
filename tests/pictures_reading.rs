//! Pictures a reader cannot misread (issue 14 items 2, 4, 5 and 7, picture parts), checked on
//! what the SVG pictures say and where their text sits: special values in words, the cost
//! picture's rings as the plain answer's "as cheap within noise", no text over text over a
//! 3-parameter sweep and a sweep with an extreme cost variant, and the trace picture's title,
//! critical mass and units.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use hothouse::plots::{draw_run, draw_trace_about};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pictures")
        .join(name)
}

/// The CSV files of a fixture run copied into a fresh folder, and its pictures drawn there.
fn drawn(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(fixture(name)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    draw_run(dir.path()).unwrap();
    dir
}

/// One `<text>` element of an SVG picture: its words and an estimate of its box.
#[derive(Debug)]
struct TextBox {
    words: String,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// The horizontal texts of an SVG written by plotters, with boxes estimated from the font
/// size (DejaVu Sans: glyphs about 0.55 em wide on average; the boxes are shrunk a little so
/// that only real overprinting counts). Rotated texts (axis titles) are left out.
fn texts(svg: &str) -> Vec<TextBox> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text ") {
        let after = &rest[i..];
        let close = after.find('>').unwrap();
        let tag = &after[..close];
        let end = after.find("</text>").unwrap();
        let words = after[close + 1..end].trim().to_string();
        rest = &after[end..];
        if tag.contains("transform=") || words.is_empty() {
            continue;
        }
        let num = |n: &str| attr(tag, n).and_then(|v| v.parse::<f64>().ok()).unwrap();
        let (x, y, size) = (num("x"), num("y"), num("font-size"));
        let w = 0.5 * size * words.chars().count() as f64;
        let h = 0.7 * size;
        let x0 = match attr(tag, "text-anchor").as_deref() {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        let y0 = match attr(tag, "dy").as_deref() {
            Some("0.76em") => y + 0.15 * size,
            Some("0.5ex") => y - h / 2.0,
            _ => y - h,
        };
        out.push(TextBox {
            words: words.replace("&amp;", "&"),
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        });
    }
    out
}

/// Pairs of texts whose boxes overlap.
fn overprinted(boxes: &[TextBox]) -> Vec<(String, String)> {
    let mut bad = Vec::new();
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let w = a.x1.min(b.x1) - a.x0.max(b.x0);
            let h = a.y1.min(b.y1) - a.y0.max(b.y0);
            if w > 1.0 && h > 1.0 {
                bad.push((a.words.clone(), b.words.clone()));
            }
        }
    }
    bad
}

fn svg(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap()
}

fn words(svg: &str) -> Vec<String> {
    texts(svg).into_iter().map(|t| t.words).collect()
}

#[test]
fn special_values_are_words_apart_from_the_amounts() {
    // fading-crisis: half-life 0 (never fades), commitment 0 (open-ended)
    let dir = drawn("fading-crisis");
    let grad = words(&svg(dir.path(), "graduation"));
    assert!(grad.iter().any(|w| w == "never fades"), "{grad:?}");
    assert!(grad.iter().any(|w| w.ends_with("= open-ended")), "{grad:?}");
    assert!(!grad.iter().any(|w| w.ends_with("= 0")), "{grad:?}");
    // the x axis: the word sits apart after the tick of the longest half-life swept
    let boxes = texts(&svg(dir.path(), "graduation"));
    let never = boxes.iter().find(|t| t.words == "never fades").unwrap();
    let longest = boxes.iter().find(|t| t.words == "52").unwrap();
    assert!(never.x0 > longest.x1 + 20.0, "{never:?} {longest:?}");
    let heat = words(&svg(dir.path(), "graduation_heatmap"));
    assert!(heat.iter().any(|w| w == "never fades") && heat.iter().any(|w| w == "open-ended"));
    let cost = words(&svg(dir.path(), "cost"));
    // on the left panel's axis, and as the plane's labels of both commitments' dots
    let never = cost.iter().filter(|w| *w == "never fades").count();
    assert!(never >= 3, "the plane labels 0 as a number: {cost:?}");
    for picture in ["survival", "cif"] {
        let titles = words(&svg(dir.path(), picture));
        assert!(
            titles.iter().any(|w| w == "Host commitment = open-ended"),
            "{picture}: {titles:?}"
        );
    }

    // host-investment: 0 means no host, placed before the smallest investment with no round
    // tick at 0 and no line drawn to it
    let dir = drawn("host-investment");
    let boxes = texts(&svg(dir.path(), "graduation"));
    let no_host = boxes.iter().find(|t| t.words == "no host").unwrap();
    // the x axis's tick 1 (not the y axis's)
    let one = boxes
        .iter()
        .find(|t| t.words == "1" && (t.y0 - no_host.y0).abs() < 3.0)
        .unwrap();
    assert!(no_host.x1 < one.x0, "{no_host:?} {one:?}");
    let x_ticks: Vec<&str> = boxes
        .iter()
        .filter(|t| (t.y0 - no_host.y0).abs() < 3.0)
        .map(|t| t.words.as_str())
        .collect();
    assert!(
        !x_ticks.contains(&"0"),
        "a tick at 0 reads as an amount: {x_ticks:?}"
    );
    // every swept value has its labelled tick (0.25 and 0.5 too), and no other number does
    assert_eq!(x_ticks, ["no host", "0.25", "0.5", "1", "2", "4"]);
    let grad = svg(dir.path(), "graduation");
    // the one blue line joins the five amounts only: its polyline has five points
    let lines: Vec<&str> = grad
        .split("<polyline")
        .skip(1)
        .filter(|p| p.contains("stroke=\"#0072B2\"") && p.contains("stroke-width=\"2\""))
        .collect();
    let points: Vec<usize> = lines
        .iter()
        .map(|p| attr(p, "points").unwrap().split_whitespace().count())
        .collect();
    assert!(
        points.contains(&5) && !points.iter().any(|&n| n > 5),
        "{points:?}"
    );
}

#[test]
fn a_scenario_may_write_special_values_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("words.toml");
    fs::write(
        &file,
        "name = \"words\"\ntrials = 20\nsteps = 20\n[host]\ncommitment = \"open-ended\"\n[sweep]\n\"core_idea.half_life\" = [8.0, \"never\"]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hothouse"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("variant 1: core_idea.half_life = 0 (never fades)"),
        "{text}"
    );
    // a word that means nothing for the parameter is still refused
    fs::write(&file, "name = \"w\"\n[host]\ninvestment = \"open-ended\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hothouse"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The rings of the cost picture's left panel: circles of radius 10 drawn in ink.
fn rings(svg: &str) -> usize {
    svg.split("<circle")
        .skip(1)
        .filter(|c| attr(c, "r").as_deref() == Some("10") && c.contains("stroke=\"#1E1E1E\""))
        .count()
}

/// Runs `scenario` (text) with the binary and returns its folder and what it printed.
fn run(dir: &Path, scenario: &str) -> (PathBuf, String) {
    let file = dir.join("s.toml");
    fs::write(&file, scenario).unwrap();
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_hothouse"))
        .args(["run", "--threads", "1", "--out"])
        .arg(&out_dir)
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out_dir, text)
}

#[test]
fn the_cost_ring_marks_every_variant_as_cheap_within_noise_as_the_text_does() {
    // commitments beyond the 52-week horizon act alike: the two variants are the same trials,
    // so both are as cheap as the cheapest, in the text and in the picture
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = run(
        dir.path(),
        "name = \"ties\"\ntrials = 300\nsteps = 52\n[sweep]\n\"host.commitment\" = [60, 80]\n",
    );
    assert!(text.contains("As cheap within noise"), "{text}");
    let cost = svg(&out, "cost");
    assert_eq!(rings(&cost), 2);
    let legend = words(&cost).join(" ");
    assert!(
        legend.contains("and those as low within noise (paired bootstrap"),
        "{legend}"
    );

    // a clear gap (no host investment's 1 against 4 staff-days): only the cheapest is ringed
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = run(
        dir.path(),
        "name = \"gap\"\ntrials = 300\nsteps = 104\n[sweep]\n\"host.investment\" = [1.0, 4.0]\n",
    );
    assert!(!text.contains("As cheap within noise"), "{text}");
    let cost = svg(&out, "cost");
    assert_eq!(rings(&cost), 1);
    let legend = words(&cost).join(" ");
    assert!(
        legend.contains("none other as low within noise"),
        "{legend}"
    );
}

#[test]
fn no_text_over_text_in_crowded_sweeps() {
    // the check itself: two labels at one spot overprint, side by side they do not
    let two = |x2: u32| {
        format!(
            "<text x=\"100\" y=\"50\" dy=\"0.5ex\" font-size=\"12\">£120k</text><text x=\"{x2}\" y=\"52\" dy=\"0.5ex\" font-size=\"12\">£130k</text>"
        )
    };
    assert_eq!(overprinted(&texts(&two(110))).len(), 1);
    assert!(overprinted(&texts(&two(140))).is_empty());

    // a 3-parameter sweep (facet titles, legends) and one with an extreme cost variant
    // (labels above the axis placed or gathered into a note)
    for name in [
        "sweep-three-parameters",
        "sweep-extreme-cost",
        "host-investment",
    ] {
        let dir = drawn(name);
        for picture in [
            "survival",
            "cif",
            "graduation",
            "graduation_heatmap",
            "cost",
            "weekly",
        ] {
            let path = dir.path().join(format!("{picture}.svg"));
            if !path.exists() {
                continue;
            }
            let boxes = texts(&fs::read_to_string(&path).unwrap());
            assert!(boxes.len() > 5, "{name}/{picture}: {} texts", boxes.len());
            let bad = overprinted(&boxes);
            assert!(bad.is_empty(), "{name}/{picture}: text over text: {bad:?}");
        }
    }
    // values above the axis: each labelled, or counted in the note
    let dir = drawn("sweep-extreme-cost");
    let cost = words(&svg(dir.path(), "cost"));
    let labelled = cost
        .iter()
        .filter(|w| w.starts_with('£') && w.ends_with('k'))
        .count();
    let noted = cost
        .iter()
        .find_map(|w| w.strip_suffix(" more above the axis (values in summary.csv)"))
        .map_or(0, |n| n.parse::<usize>().unwrap());
    assert!(labelled >= 1 && noted >= 1, "{cost:?}");
    assert!(
        cost.iter().any(|w| w.starts_with("above the axis")),
        "the triangle has a legend entry"
    );
}

#[test]
fn the_trace_names_its_trial_marks_the_critical_mass_and_counts_money_in_thousands() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("trace-default").join("trace.csv");
    let out = dir.path().join("trace.svg");
    draw_trace_about(
        &csv,
        &out,
        Some(("default, variant 0, trial 0", "base parameters")),
    )
    .unwrap();
    let w = words(&fs::read_to_string(&out).unwrap());
    assert!(
        w.iter()
            .any(|t| t == "default, variant 0, trial 0: graduated in week 52"),
        "{w:?}"
    );
    assert!(
        w.iter().any(|t| t.starts_with("base parameters; ")),
        "{w:?}"
    );
    assert!(w.iter().any(|t| t == "critical mass (5 active)"), "{w:?}");
    assert!(
        w.iter().any(|t| t == "host spend (cumulative, £k)"),
        "{w:?}"
    );

    // `hothouse trace` writes the critical mass and draws the picture with the title
    let trace_dir = dir.path().join("t");
    let status = Command::new(env!("CARGO_BIN_EXE_hothouse"))
        .args(["trace", "scenarios/default.toml", "--out"])
        .arg(&trace_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(status.status.success());
    let text = fs::read_to_string(trace_dir.join("trace.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!(header.last(), Some(&"critical_mass"));
    assert!(text.lines().skip(1).all(|l| l.ends_with(",5")));
}
