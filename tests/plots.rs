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
/// smooth made-up numbers that differ between variants; `summary.csv` has the host's cost
/// columns (outlay grows with the variant, and so does P(graduate)).
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
    m.push_str(",trials,graduated,fizzled,censored,p_graduate,p_graduate_lower,p_graduate_upper,median_survival,rmst,mean_host_spend,mean_host_covered,host_outlay_per_graduate\n");
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
        let spend = 2.0 + 3.0 * i as f64;
        let covered = 1.5 - 0.05 * i as f64;
        writeln!(
            m,
            "{i}{swept},100,{},{},0,{p},{},{},{median},{rmst},{spend},{covered},{}",
            (p * 100.0) as u32,
            100 - (p * 100.0) as u32,
            p - 0.08,
            p + 0.08,
            (spend + covered) / p
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

/// Rewrites `summary.csv` as a table of fields: `edit` gets the header and the rows.
fn edit_summary(dir: &Path, edit: impl FnOnce(&mut Vec<Vec<String>>)) {
    let path = dir.join("summary.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut table: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    edit(&mut table);
    let out: String = table.iter().map(|r| r.join(",") + "\n").collect();
    fs::write(&path, out).unwrap();
}

/// Sets `column` of data row `row` (0 is the first row after the header) to `value`.
fn set_field(table: &mut [Vec<String>], row: usize, column: &str, value: &str) {
    let k = table[0].iter().position(|h| h == column).unwrap();
    table[row + 1][k] = value.to_string();
}

#[test]
fn no_sweep_draws_the_run_pictures() {
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
            "graduation.svg",
            "cost.png",
            "cost.svg"
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
    // a single variant: how its trials ended, not one dot on a 0-1 axis
    let grad = svg_text(&dir.path().join("graduation.svg"));
    assert!(grad.contains("P(graduate)"));
    assert!(grad.contains("share of trials"));
    assert!(
        grad.contains("\ngraduated "),
        "the graduated share is labelled"
    );
    assert!(grad.contains("\nfizzled "), "the fizzled share is labelled");
    // a single point, named and explained
    let cost = svg_text(&dir.path().join("cost.svg"));
    assert!(cost.contains("What a graduation costs the host"));
    assert!(
        cost.contains("all trials: £17.5k per graduation"),
        "point label"
    );
    assert!(
        cost.contains("nothing swept"),
        "note on the missing comparison"
    );
    assert!(cost.contains("mean host outlay per community (£k)"));
    assert_no_leftovers(dir.path());
}

#[test]
fn cost_picture_shows_outlay_per_graduation_and_what_it_buys() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["host.investment"],
        &[vec!["0"], vec!["0.5"], vec!["1"], vec!["2"], vec!["4"]],
        30,
    );
    let written = names(&draw_run(dir.path()).unwrap());
    assert_eq!(written[written.len() - 2..], ["cost.png", "cost.svg"]);
    let (w, h) = png_size(&dir.path().join("cost.png"));
    assert!(w >= PICTURE_SIZE.0 && h >= PICTURE_SIZE.1, "{w}x{h}");
    let cost = svg_text(&dir.path().join("cost.svg"));
    for label in [
        // titles and axis titles with units
        "What a graduation costs the host, by host investment",
        "thousands of pounds",
        "host outlay per graduation (£k)",
        "mean host outlay per community (£k)",
        "P(graduate)",
        "Host investment (staff-days/week)",
        // legend
        "lowest outlay per graduation",
        "frontier: no other setting is both",
        "equal outlay per graduation",
        // point labels and the lowest outlay per graduation (variant 0: 3.5 / 0.2)
        "dots labelled with host investment",
        "lowest: £17.5k",
        "per graduation",
    ] {
        assert!(cost.contains(label), "cost picture lacks {label:?}");
    }
    // every setting has graduates: nothing marked missing
    assert!(!cost.contains("no graduations"));
    assert_no_leftovers(dir.path());
}

#[test]
fn cost_picture_has_one_line_per_second_parameter() {
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
    // structured with 5 staff-days (variant 5) buys less than variant 4, and costs more
    edit_summary(dir.path(), |t| set_field(t, 5, "p_graduate", "0.3"));
    draw_run(dir.path()).unwrap();
    let cost = svg_text(&dir.path().join("cost.svg"));
    for label in [
        "Approach style = informal",
        "Approach style = structured",
        "host outlay per graduation (£k)",
        "mean host outlay per community (£k)",
        "hollow: off the frontier",
    ] {
        assert!(cost.contains(label), "cost picture lacks {label:?}");
    }
}

#[test]
fn a_summary_without_cost_columns_draws_no_cost_picture() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["host.investment"],
        &[vec!["1"], vec!["2"]],
        10,
    );
    // as written before the cost columns existed
    edit_summary(dir.path(), |t| {
        for row in t.iter_mut() {
            row.truncate(row.len() - 3);
        }
    });
    let written = names(&draw_run(dir.path()).unwrap());
    assert!(written.contains(&"graduation.svg".to_string()));
    assert!(
        !written.iter().any(|n| n.starts_with("cost")),
        "{written:?}"
    );
    assert!(!dir.path().join("cost.png").exists());
    // one of the three columns alone is not enough either
    edit_summary(dir.path(), |t| {
        t[0].push("mean_host_spend".into());
        for row in t.iter_mut().skip(1) {
            row.push("3".into());
        }
    });
    let written = names(&draw_run(dir.path()).unwrap());
    assert!(
        !written.iter().any(|n| n.starts_with("cost")),
        "{written:?}"
    );
}

#[test]
fn settings_without_graduations_are_gaps_in_the_cost_picture() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["host.investment"],
        &[vec!["0"], vec!["1"], vec!["2"]],
        10,
    );
    edit_summary(dir.path(), |t| {
        for (column, value) in [
            ("graduated", "0"),
            ("p_graduate", "0"),
            ("p_graduate_lower", "0"),
            ("p_graduate_upper", "0.037"),
            ("mean_host_spend", "0"),
            ("mean_host_covered", "0"),
            ("host_outlay_per_graduate", ""),
        ] {
            set_field(t, 0, column, value);
        }
        // graduates, but an interval reaching down to 0: the range runs off the axis
        set_field(t, 1, "p_graduate_lower", "0");
    });
    draw_run(dir.path()).unwrap();
    let cost = svg_text(&dir.path().join("cost.svg"));
    assert!(cost.contains("no graduations"));
    assert!(cost.contains("host outlay per graduation (£k)"));
    png_size(&dir.path().join("cost.png"));

    // nothing graduated anywhere, and no money spent
    edit_summary(dir.path(), |t| {
        for row in 0..3 {
            for (column, value) in [
                ("p_graduate", "0"),
                ("p_graduate_lower", "0"),
                ("host_outlay_per_graduate", ""),
                ("mean_host_spend", "0"),
                ("mean_host_covered", "NA"),
            ] {
                set_field(t, row, column, value);
            }
        }
    });
    draw_run(dir.path()).unwrap();
    assert!(svg_text(&dir.path().join("cost.svg")).contains("no graduations"));
}

#[test]
fn a_bad_cost_value_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["host.investment"], &[vec!["1"], vec!["2"]], 5);
    edit_summary(dir.path(), |t| set_field(t, 1, "mean_host_spend", "lots"));
    let err = draw_run(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("summary.csv") && msg.contains("line 3") && msg.contains("mean_host_spend"),
        "{msg}"
    );
}

#[test]
fn many_settings_in_the_cost_picture() {
    // 30 values of one parameter: one panel on the left, frontier labels on the right
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..30).map(|i| (i as f64 * 0.25).to_string()).collect();
    let variants: Vec<Vec<&str>> = values.iter().map(|v| vec![v.as_str()]).collect();
    write_run(dir.path(), &["host.investment"], &variants, 10);
    draw_run(dir.path()).unwrap();
    let cost = svg_text(&dir.path().join("cost.svg"));
    assert!(cost.contains("frontier dots labelled with host investment"));
    png_size(&dir.path().join("cost.png"));

    // 3 x 3 x 3: small multiples on the left, colours for one parameter
    let dir = tempfile::tempdir().unwrap();
    let mut variants = Vec::new();
    for rate in ["0.1", "0.3", "0.5"] {
        for style in ["informal", "structured", "hybrid"] {
            for inv in ["0", "2", "4"] {
                variants.push(vec![inv, style, rate]);
            }
        }
    }
    write_run(
        dir.path(),
        &["host.investment", "approach.style", "newcomer.rate"],
        &variants,
        10,
    );
    draw_run(dir.path()).unwrap();
    let (w, h) = png_size(&dir.path().join("cost.png"));
    assert!(w > PICTURE_SIZE.0 && h >= PICTURE_SIZE.1, "{w}x{h}");
    let cost = svg_text(&dir.path().join("cost.svg"));
    assert!(
        cost.contains("Approach style = hybrid"),
        "legend of the colours"
    );
    assert!(cost.contains("Newcomer rate = 0.5"), "panel title");
}

#[test]
fn cost_picture_with_a_categorical_parameter() {
    let dir = tempfile::tempdir().unwrap();
    write_run(
        dir.path(),
        &["approach.style"],
        &[vec!["informal"], vec!["structured"], vec!["hybrid"]],
        10,
    );
    draw_run(dir.path()).unwrap();
    let cost = svg_text(&dir.path().join("cost.svg"));
    for s in ["informal", "structured", "hybrid"] {
        assert!(cost.contains(s), "category label {s} missing");
    }
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
            survival.contains(&format!(
                "Host investment = {}",
                if v == "0" { "no host" } else { v }
            )),
            "survival legend lacks host.investment = {v}"
        );
    }
    assert!(!survival.contains("variant 0"));
    let cif = svg_text(&dir.path().join("cif.svg"));
    assert!(cif.contains("Host investment = 2"));
    let grad = svg_text(&dir.path().join("graduation.svg"));
    assert!(
        grad.contains("Host investment"),
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
        "Host investment",
        "Approach style",
        "P(graduate)",
    ] {
        assert!(heat.contains(label), "heat map lacks {label}");
    }
    // each cell is annotated with its value
    assert!(heat.contains("0.20"), "cell value of variant 0 missing");
    let grad = svg_text(&dir.path().join("graduation.svg"));
    assert!(
        grad.contains("Approach style = informal"),
        "one line per second parameter"
    );
    assert!(grad.contains("Approach style = structured"));
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
    assert!(heat.contains("Newcomer rate = 0.1"));
    assert!(heat.contains("Newcomer rate = 0.5"));
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
        assert!(survival.contains(&format!("Host investment = {v}")));
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
        assert!(survival.contains(&format!("Approach style = {style}")));
    }
    assert!(survival.contains("Host investment = 8"));
    assert!(!survival.contains("Host investment = 8, approach.style"));
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
        "host spend (cumulative, £k)",
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

// ---------------------------------------------------------------------------------------------
// Issue 14 item 5 and issue 15 item 8: pictures that broke

#[test]
fn svg_names_the_bundled_font() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path(), &["a"], &[vec!["1"], vec!["2"]], 10);
    draw_run(dir.path()).unwrap();
    for stem in ["survival", "cif", "graduation", "cost"] {
        let svg = svg_text(&dir.path().join(format!("{stem}.svg")));
        assert!(
            svg.contains(
                "font-family=\"'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif\""
            ),
            "{stem}.svg does not name DejaVu Sans"
        );
        assert!(!svg.contains("font-family=\"sans-serif\""), "{stem}.svg");
    }
}

#[test]
fn special_values_are_words_apart_from_the_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let variants: Vec<Vec<&str>> = ["8", "26", "0"]
        .iter()
        .flat_map(|h| ["26", "0"].map(|c| vec![*h, c]))
        .collect();
    write_run(
        dir.path(),
        &["core_idea.half_life", "host.commitment"],
        &variants,
        10,
    );
    draw_run(dir.path()).unwrap();
    let grad = svg_text(&dir.path().join("graduation.svg"));
    // the x axis: display name with unit, "never" as a tick, the legend "open-ended"
    assert!(
        grad.contains("Half-life of the core idea (weeks)"),
        "axis title"
    );
    assert!(grad.contains("\nnever fades\n</text>"), "special tick");
    assert!(grad.contains("Host commitment = open-ended"), "legend");
    assert!(!grad.contains("host.commitment = 0"));
    let heat = svg_text(&dir.path().join("graduation_heatmap.svg"));
    assert!(heat.contains("\nnever fades\n</text>") && heat.contains("\nopen-ended\n</text>"));
    // "never" is the last category of the heat map's x axis: after 26
    let (never, last_amount) = (
        heat.find("\nnever fades\n</text>").unwrap(),
        heat.find("\n26\n</text>").unwrap(),
    );
    assert!(
        never > last_amount,
        "never fades sits after the longest half-life"
    );
}

#[test]
fn long_single_sweeps_get_titled_panels() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..6).map(|i| (i as f64 * 0.5).to_string()).collect();
    let variants: Vec<Vec<&str>> = values.iter().map(|v| vec![v.as_str()]).collect();
    write_run(dir.path(), &["host.investment"], &variants, 10);
    draw_run(dir.path()).unwrap();
    let cif = svg_text(&dir.path().join("cif.svg"));
    assert!(
        cif.contains("Host investment = no host to 1\n"),
        "first panel title"
    );
    assert!(
        cif.contains("Host investment = 1.5 to 2.5"),
        "second panel title"
    );
}

#[test]
fn huge_sweeps_draw_pictures_of_bounded_size() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..400).map(|i| i.to_string()).collect();
    let variants: Vec<Vec<&str>> = values.iter().map(|v| vec![v.as_str()]).collect();
    write_run(dir.path(), &["a"], &variants, 3);
    draw_run(dir.path()).unwrap();
    let (w, h) = png_size(&dir.path().join("survival.png"));
    // at most 24 panels: 4 columns of 340 px plus the legend, 6 rows of 300 px plus the title
    assert!(w <= 1700 && h <= 1900, "survival.png is {w} x {h}");
    let survival = svg_text(&dir.path().join("survival.svg"));
    assert!(survival.contains("showing the first 24 of 50 panels"));
}

#[test]
fn three_parameter_facet_titles_fit_their_panels() {
    let dir = tempfile::tempdir().unwrap();
    let mut variants = Vec::new();
    for a in ["0.5", "1", "2"] {
        for b in ["26", "0"] {
            for c in ["8", "0"] {
                variants.push(vec![a, b, c]);
            }
        }
    }
    write_run(
        dir.path(),
        &["host.investment", "host.commitment", "core_idea.half_life"],
        &variants,
        10,
    );
    draw_run(dir.path()).unwrap();
    let svg = svg_text(&dir.path().join("cif.svg"));
    // each panel title is drawn as lines of its own (wrapped at ", "), none running into the
    // next panel's: the words of a title never share a text element with another title
    assert!(
        svg.contains("Host commitment = open-ended,"),
        "wrapped title"
    );
    assert!(svg.contains("Half-life of the core idea = never"));
}
