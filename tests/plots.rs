//! Pictures drawn from handcrafted CSV files through the library API.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use hothouse::plots::*;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Checks the PNG signature and returns the (width, height) of its IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 33,
        "{} is too short for a PNG",
        path.display()
    );
    assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", path.display());
    assert_eq!(
        &bytes[12..16],
        b"IHDR",
        "{}: first chunk is not IHDR",
        path.display()
    );
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// Reads an SVG and checks that it looks like a complete SVG document.
fn svg_text(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.starts_with("<svg"),
        "{} does not start with <svg",
        path.display()
    );
    assert!(
        text.trim_end().ends_with("</svg>"),
        "{} is not closed",
        path.display()
    );
    assert!(text.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    // every opened <text> element is closed
    assert_eq!(
        text.matches("<text").count(),
        text.matches("</text>").count()
    );
    text
}

/// A run folder: `params` swept, one row of values per variant, `steps` weeks. Curves are
/// smooth made-up numbers that differ between variants.
fn write_run(dir: &Path, params: &[&str], variants: &[Vec<&str>], steps: usize) {
    let mut v = String::from("variant");
    for p in params {
        write!(v, ",{p}").unwrap();
    }
    v.push('\n');
    let mut s = String::from(
        "variant,time,at_risk,fizzled,graduated,censored,survival,survival_lower,survival_upper,cif_fizzled,cif_graduated\n",
    );
    let mut m = String::from("variant");
    for p in params {
        write!(m, ",{p}").unwrap();
    }
    m.push_str(",trials,graduated,fizzled,censored,p_graduate,p_graduate_lower,p_graduate_upper,median_survival,rmst\n");
    for (i, vals) in variants.iter().enumerate() {
        // ",a,b" (or "" without a sweep): the swept values after the variant column
        let swept: String = vals.iter().map(|x| format!(",{x}")).collect();
        writeln!(v, "{i}{swept}").unwrap();
        let hazard = 0.02 + 0.01 * i as f64;
        let mut surv: f64 = 1.0;
        let mut cif_g = 0.0;
        let mut median = String::new();
        let mut rmst = 0.0;
        for t in 0..=steps {
            if t > 0 {
                rmst += surv;
                surv *= 1.0 - hazard;
                if t > steps / 4 {
                    cif_g += 0.004 * (1.0 + i as f64 * 0.3);
                }
            }
            if median.is_empty() && surv <= 0.5 {
                median = t.to_string();
            }
            let lo = (surv - 0.05).max(0.0);
            let hi = if t == 0 { 1.0 } else { (surv + 0.05).min(1.0) };
            let lo = if t == 0 { 1.0 } else { lo };
            writeln!(
                s,
                "{i},{t},{},{},{},0,{surv},{lo},{hi},{},{cif_g}",
                100 - t.min(99),
                u8::from(t > 0),
                u8::from(t > steps / 4),
                1.0 - surv
            )
            .unwrap();
        }
        let p = (0.2 + 0.05 * i as f64).min(0.95);
        writeln!(
            m,
            "{i}{swept},100,{},{},0,{p},{},{},{median},{rmst}",
            (p * 100.0) as u32,
            100 - (p * 100.0) as u32,
            p - 0.08,
            p + 0.08
        )
        .unwrap();
    }
    fs::write(dir.join("variants.csv"), v).unwrap();
    fs::write(dir.join("survival.csv"), s).unwrap();
    fs::write(dir.join("summary.csv"), m).unwrap();
}

fn names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// No temporary files are left behind by the atomic writes.
fn assert_no_leftovers(dir: &Path) {
    for e in fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp"), "temporary file left behind: {name}");
    }
}

#[test]
fn no_sweep_draws_the_three_pictures() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &[], &[vec![]], 20);
    let written = draw_run(dir.path()).unwrap();
    assert_eq!(
        names(&written),
        [
            "survival.png",
            "survival.svg",
            "cif.png",
            "cif.svg",
            "graduation.png",
            "graduation.svg"
        ]
    );
    for p in &written {
        assert!(p.is_file(), "{} missing", p.display());
    }
    assert!(!dir.path().join("graduation_heatmap.png").exists());
    for stem in ["survival", "cif", "graduation"] {
        assert_eq!(
            png_size(&dir.path().join(format!("{stem}.png"))),
            PICTURE_SIZE
        );
    }
    let survival = svg_text(&dir.path().join("survival.svg"));
    assert!(survival.contains("all trials"));
    assert!(survival.contains("time (weeks)"));
    assert!(survival.contains("P(not fizzled)"));
    assert!(survival.contains("95% confidence band"));
    let cif = svg_text(&dir.path().join("cif.svg"));
    assert!(cif.contains("time (weeks)"));
    assert!(cif.contains("graduated (solid)"));
    assert!(cif.contains("fizzled (dashed)"));
    let grad = svg_text(&dir.path().join("graduation.svg"));
    assert!(grad.contains("P(graduate)"));
    assert!(grad.contains("all trials"));
    assert_no_leftovers(dir.path());
}

#[test]
fn legend_names_variants_by_their_swept_values() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["host.investment"],
        &[vec!["0"], vec!["1"], vec!["2"], vec!["4"]],
        30,
    );
    draw_run(dir.path()).unwrap();
    let survival = svg_text(&dir.path().join("survival.svg"));
    for v in ["0", "1", "2", "4"] {
        assert!(
            survival.contains(&format!("host.investment = {v}")),
            "survival legend lacks host.investment = {v}"
        );
    }
    assert!(!survival.contains("variant 0"));
    let cif = svg_text(&dir.path().join("cif.svg"));
    assert!(cif.contains("host.investment = 2"));
    let grad = svg_text(&dir.path().join("graduation.svg"));
    assert!(
        grad.contains("host.investment"),
        "x axis names the parameter"
    );
    assert!(grad.contains("P(graduate)"));
    assert!(!dir.path().join("graduation_heatmap.png").exists());
}

#[test]
fn two_swept_parameters_make_a_heat_map() {
    let dir = tempfile::tempdir().unwrap();
    let mut variants = Vec::new();
    for style in ["informal", "structured"] {
        for inv in ["0", "2", "5"] {
            variants.push(vec![inv, style]);
        }
    }
    write_run(
        dir.path(),
        &["host.investment", "approach.style"],
        &variants,
        25,
    );
    let written = names(&draw_run(dir.path()).unwrap());
    assert!(written.contains(&"graduation_heatmap.png".to_string()));
    assert!(written.contains(&"graduation_heatmap.svg".to_string()));
    assert_eq!(
        png_size(&dir.path().join("graduation_heatmap.png")),
        PICTURE_SIZE
    );
    let heat = svg_text(&dir.path().join("graduation_heatmap.svg"));
    for label in [
        "informal",
        "structured",
        "host.investment",
        "approach.style",
        "P(graduate)",
    ] {
        assert!(heat.contains(label), "heat map lacks {label}");
    }
    // each cell is annotated with its value
    assert!(heat.contains("0.20"), "cell value of variant 0 missing");
    let grad = svg_text(&dir.path().join("graduation.svg"));
    assert!(
        grad.contains("approach.style = informal"),
        "one line per second parameter"
    );
    assert!(grad.contains("approach.style = structured"));
}

#[test]
fn three_swept_parameters_make_one_heat_map_per_third_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut variants = Vec::new();
    for rate in ["0.1", "0.5"] {
        for style in ["informal", "structured"] {
            for inv in ["0", "2"] {
                variants.push(vec![inv, style, rate]);
            }
        }
    }
    write_run(
        dir.path(),
        &["host.investment", "approach.style", "newcomer.rate"],
        &variants,
        15,
    );
    draw_run(dir.path()).unwrap();
    let heat = svg_text(&dir.path().join("graduation_heatmap.svg"));
    assert!(heat.contains("newcomer.rate = 0.1"));
    assert!(heat.contains("newcomer.rate = 0.5"));
}

#[test]
fn many_variants_are_spread_over_small_multiples() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..12).map(|i| (i as f64 * 0.5).to_string()).collect();
    let variants: Vec<Vec<&str>> = values.iter().map(|v| vec![v.as_str()]).collect();
    write_run(dir.path(), &["host.investment"], &variants, 20);
    draw_run(dir.path()).unwrap();
    let survival = svg_text(&dir.path().join("survival.svg"));
    for v in &values {
        assert!(survival.contains(&format!("host.investment = {v}")));
    }
    for stem in ["survival", "cif", "graduation"] {
        let (w, h) = png_size(&dir.path().join(format!("{stem}.png")));
        assert!(
            w >= PICTURE_SIZE.0 && h >= PICTURE_SIZE.1,
            "{stem}: {w}x{h}"
        );
    }
}

#[test]
fn a_factorial_sweep_beyond_eight_variants_gets_one_panel_per_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut variants = Vec::new();
    for style in ["informal", "structured", "hybrid"] {
        for inv in ["0", "1", "2", "4", "8"] {
            variants.push(vec![inv, style]);
        }
    }
    write_run(
        dir.path(),
        &["host.investment", "approach.style"],
        &variants,
        20,
    );
    draw_run(dir.path()).unwrap();
    let survival = svg_text(&dir.path().join("survival.svg"));
    // panels are titled by the style, curves named by the investment
    for style in ["informal", "structured", "hybrid"] {
        assert!(survival.contains(&format!("approach.style = {style}")));
    }
    assert!(survival.contains("host.investment = 8"));
    assert!(!survival.contains("host.investment = 8, approach.style"));
}

#[test]
fn string_valued_parameter_is_drawn_on_categorical_positions() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["approach.style"],
        &[vec!["informal"], vec!["structured"], vec!["hybrid"]],
        10,
    );
    draw_run(dir.path()).unwrap();
    let grad = svg_text(&dir.path().join("graduation.svg"));
    for s in ["informal", "structured", "hybrid"] {
        assert!(grad.contains(s), "category label {s} missing");
    }
}

#[test]
fn redrawing_replaces_the_pictures() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["host.investment"],
        &[vec!["1"], vec!["3"]],
        10,
    );
    draw_run(dir.path()).unwrap();
    fs::write(dir.path().join("survival.png"), b"stale").unwrap();
    draw_run(dir.path()).unwrap();
    assert_eq!(png_size(&dir.path().join("survival.png")), PICTURE_SIZE);
    assert_no_leftovers(dir.path());
}

#[test]
fn extra_columns_and_gaps_are_tolerated() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("variants.csv"),
        "variant,host.investment\n0,1\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("survival.csv"),
        "variant,time,at_risk,fizzled,graduated,censored,survival,survival_lower,survival_upper,cif_fizzled,cif_graduated,extra\n\
         0,0,10,0,0,0,1,1,1,0,0,x\n\
         0,1,10,2,0,0,0.8,,,0.2,0,x\n\
         0,2,8,0,1,0,0.8,0.5,0.95,0.2,0.1,x\n\
         0,3,7,7,0,0,0,0,0,0.9,0.1,x\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("summary.csv"),
        "variant,host.investment,trials,graduated,fizzled,censored,p_graduate,p_graduate_lower,p_graduate_upper,median_survival,rmst,note\n\
         0,1,10,1,9,0,0.1,0.02,0.4,,1.8,hello\n",
    )
    .unwrap();
    draw_run(dir.path()).unwrap();
    assert_eq!(png_size(&dir.path().join("survival.png")), PICTURE_SIZE);
}

#[test]
fn a_single_time_point_does_not_break_the_axes() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["host.investment"], &[vec!["1"]], 0);
    draw_run(dir.path()).unwrap();
}

#[test]
fn missing_column_names_the_file_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["host.investment"], &[vec!["1"], vec!["2"]], 5);
    let path = dir.path().join("survival.csv");
    let text = fs::read_to_string(&path).unwrap();
    let fixed = text.replacen("survival_upper", "upper", 1);
    fs::write(&path, fixed).unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    assert!(
        matches!(&err, PlotError::MissingColumn { column, .. } if column == "survival_upper"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("survival.csv"), "{msg}");
    assert!(msg.contains("survival_upper"), "{msg}");
    assert!(err.is_input_error());
    assert!(!dir.path().join("survival.png").exists());
}

#[test]
fn bad_number_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["host.investment"], &[vec!["1"]], 5);
    let path = dir.path().join("summary.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let k = header.iter().position(|h| *h == "p_graduate").unwrap();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    fields[k] = "lots".into();
    lines[1] = fields.join(",");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("summary.csv"), "{msg}");
    assert!(msg.contains("line 2"), "{msg}");
    assert!(msg.contains("p_graduate"), "{msg}");
    assert!(msg.contains("lots"), "{msg}");
}

#[test]
fn ragged_csv_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["host.investment"], &[vec!["1"]], 5);
    fs::write(
        dir.path().join("variants.csv"),
        "variant,host.investment\n0,1,2\n",
    )
    .unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::Csv { .. }), "{err:?}");
    assert!(err.to_string().contains("variants.csv"));
}

#[test]
fn missing_file_and_empty_folder_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::NothingToDraw { .. }), "{err:?}");
    assert!(err.is_input_error());

    write_run(dir.path(), &[], &[vec![]], 5);
    fs::remove_file(dir.path().join("summary.csv")).unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::MissingFile { .. }), "{err:?}");
    assert!(err.to_string().contains("summary.csv"), "{err}");

    let err = draw_run(&dir.path().join("no-such-folder")).unwrap_err();
    assert!(err.to_string().contains("no-such-folder"), "{err}");
}

#[test]
fn header_only_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &[], &[vec![]], 5);
    fs::write(
        dir.path().join("survival.csv"),
        "variant,time,at_risk,fizzled,graduated,censored,survival,survival_lower,survival_upper,cif_fizzled,cif_graduated\n",
    )
    .unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::NoRows { .. }), "{err:?}");
    assert!(err.to_string().contains("survival.csv"));
}

#[test]
fn variant_unknown_to_variants_csv_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["host.investment"], &[vec!["1"], vec!["2"]], 5);
    fs::write(
        dir.path().join("variants.csv"),
        "variant,host.investment\n0,1\n",
    )
    .unwrap();
    let err = draw_run(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::Inconsistent { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("variant 1") && msg.contains("variants.csv"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// trace

const TRACE_HEADER: &str = "time,stage,participants,active,mean_motivation,assets,brand,host_active,host_investment,host_spend,revenue,operating_cost,newcomers,leavers";

fn trace_csv(outcome: Option<&str>, weeks: usize) -> String {
    let mut s = format!("{TRACE_HEADER}\n");
    for t in 0..=weeks {
        let stage = match (t, outcome) {
            (t, Some(o)) if t == weeks => o,
            (t, _) if t < weeks / 4 => "convening",
            (t, _) if t < weeks / 2 => "exploring",
            (t, _) if t < 3 * weeks / 4 => "collaborating",
            _ => "formalising",
        };
        let host = u8::from(t < weeks / 2);
        writeln!(
            s,
            "{t},{stage},{},{},0.5,{},{},{host},{},{},{},{},1,0",
            5 + t,
            2 + t / 2,
            t as f64 * 0.7,
            (t as f64 / weeks as f64).min(1.0),
            if host == 1 { 100 } else { 0 },
            100 * t.min(weeks / 2),
            if t > weeks / 2 { 10 * t } else { 0 },
            30 + t
        )
        .unwrap();
    }
    s
}

#[test]
fn trace_draws_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("trace.csv");
    fs::write(&csv, trace_csv(Some("graduated"), 40)).unwrap();
    let png = dir.path().join("trace.png");
    draw_trace(&csv, &png).unwrap();
    assert_eq!(png_size(&png), TRACE_SIZE);
    let svg = dir.path().join("trace.svg");
    draw_trace(&csv, &svg).unwrap();
    let text = svg_text(&svg);
    for label in [
        "time (weeks)",
        "participants",
        "active contributors",
        "shared assets",
        "brand",
        "host spend (cumulative)",
        "convening",
        "formalising",
        "host active",
        "graduated in week 40",
    ] {
        assert!(text.contains(label), "trace lacks {label}");
    }
    assert_no_leftovers(dir.path());
}

#[test]
fn censored_and_fizzled_traces_draw() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("trace.csv");
    fs::write(&csv, trace_csv(None, 12)).unwrap();
    let svg = dir.path().join("censored.svg");
    draw_trace(&csv, &svg).unwrap();
    assert!(svg_text(&svg).contains("censored"));
    fs::write(&csv, trace_csv(Some("fizzled"), 3)).unwrap();
    draw_trace(&csv, &dir.path().join("fizzled.png")).unwrap();
    // a trial that ends at once: one row
    fs::write(
        &csv,
        format!("{TRACE_HEADER}\n1,fizzled,0,0,0,0,0,0,0,0,0,0,0,3\n"),
    )
    .unwrap();
    draw_trace(&csv, &dir.path().join("one.png")).unwrap();
}

#[test]
fn trace_with_missing_column_names_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("trace.csv");
    let text = trace_csv(Some("fizzled"), 8).replacen("brand", "brnd", 1);
    fs::write(&csv, text).unwrap();
    let err = draw_trace(&csv, &dir.path().join("trace.png")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("trace.csv") && msg.contains("`brand`"),
        "{msg}"
    );
    assert!(!dir.path().join("trace.png").exists());
}

#[test]
fn draw_run_redraws_the_trace_of_a_trace_folder() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("trace.csv"),
        trace_csv(Some("graduated"), 20),
    )
    .unwrap();
    let written = draw_run(dir.path()).unwrap();
    assert_eq!(names(&written), ["trace.png"]);
    assert_eq!(png_size(&dir.path().join("trace.png")), TRACE_SIZE);
}
