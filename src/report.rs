//! `report.html`: one self-contained page about a run for the people who decide: the question,
//! the plain answer, the key table, the pictures (inline SVG) with how to read them, and where the
//! numbers come from (the manifest in words). No scripts, no external requests: it can be opened
//! from disk or sent by email.

use crate::error::Error;
use crate::manifest::Manifest;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The report's file name inside an output folder.
pub const REPORT_HTML: &str = "report.html";

/// The pictures a report shows, in order, with how to read them.
const PICTURES: &[(&str, &str, &str)] = &[
    (
        "survival",
        "How long communities last",
        "The share of communities that have <b>not fizzled</b> by each week (Kaplan–Meier), with its 95% band. \
         A steep early drop means most communities that fail never reach critical mass; a flat tail means \
         those still going have built enough to keep going. A graduated community counts as not fizzled.",
    ),
    (
        "cif",
        "How communities end",
        "By each week, the share that has <b>graduated</b> (solid) and the share that has <b>fizzled</b> \
         (dashed): the cumulative incidence of the two outcomes (Aalen–Johansen). What is left between them \
         at the horizon is still going.",
    ),
    (
        "weekly",
        "What happened over time",
        "Week by week, over the communities still running (not yet graduated or fizzled): how many \
         people take part, how many contribute actively, the shared assets they have built and what the \
         host has spent on each so far. The shaded band holds the middle 80% of those communities (10% to \
         90%), the line is the median and the dashed line the mean. Weeks when only a few communities are \
         still running are left out (the picture says below how many): so few say little.",
    ),
    (
        "graduation",
        "The chance of graduating at each setting",
        "Each dot is the share of the simulated communities that graduated at that setting, with its 95% \
         interval (Wilson). Settings whose intervals do not overlap clearly differ.",
    ),
    (
        "graduation_heatmap",
        "The chance of graduating over two levers",
        "Each cell is the share of communities that graduated for one combination of the first two swept \
         parameters.",
    ),
    (
        "cost",
        "What a graduation costs the host",
        "Left: the host's whole outlay (facilitation and the operating shortfall it paid, over all \
         communities, graduated or not) divided by the graduations, at each setting. Right: the chance of \
         graduating against the host's mean outlay per community; the grey line joins the settings that no \
         other setting beats on both.",
    ),
];

/// The question a scenario file asks: its leading comment paragraph (from a `Question:` line if
/// there is one), as one line of text; empty without comments.
pub fn question(scenario_text: &str) -> String {
    let mut lines = Vec::new();
    for line in scenario_text.lines() {
        let t = line.trim();
        let Some(c) = t.strip_prefix('#') else {
            if t.is_empty() && lines.is_empty() {
                continue;
            }
            break;
        };
        let c = c.trim();
        if c.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(c);
    }
    let text = lines.join(" ");
    let text = match text.find("Question:") {
        Some(i) => text[i + "Question:".len()..].trim(),
        None => text.as_str(),
    };
    // A sentence starts with a capital.
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Writes `DIR/report.html`, drawing the pictures first (as `hothouse plot` does) when the
/// folder has none. Returns every file written.
pub fn write(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    if !PICTURES
        .iter()
        .any(|(name, _, _)| dir.join(format!("{name}.svg")).is_file())
    {
        files.extend(crate::plots::draw_run(dir)?);
    }
    files.push(write_html(dir)?);
    Ok(files)
}

/// Writes `DIR/report.html` from the folder's files as they are.
pub fn write_html(dir: &Path) -> Result<PathBuf, Error> {
    let html = render(dir)?;
    let path = dir.join(REPORT_HTML);
    crate::output::write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

/// A `summary.csv` row: the swept values as `path = value`, and the statistics by name.
struct Row {
    variant: String,
    label: String,
    fields: Vec<(String, String)>,
}

impl Row {
    fn get(&self, name: &str) -> Option<f64> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
    }
}

fn read_summary(dir: &Path) -> Result<Vec<Row>, Error> {
    let path = dir.join("summary.csv");
    let mut reader = csv::Reader::from_path(&path).map_err(|e| {
        Error::BadInput(format!(
            "{}: cannot read it ({e}); give the output folder of `hothouse run` or `hothouse merge`",
            path.display()
        ))
    })?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::csv(&path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let first_stat = headers
        .iter()
        .position(|h| h == "trials")
        .ok_or_else(|| Error::BadInput(format!("{}: no `trials` column", path.display())))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::csv(&path, e))?;
        let swept: Vec<String> = (1..first_stat)
            .map(|i| format!("{} = {}", headers[i], record.get(i).unwrap_or_default()))
            .collect();
        rows.push(Row {
            variant: record.get(0).unwrap_or_default().to_string(),
            label: if swept.is_empty() {
                "the scenario's parameters".to_string()
            } else {
                swept.join(", ")
            },
            fields: headers
                .iter()
                .zip(record.iter())
                .skip(first_stat)
                .map(|(h, v)| (h.clone(), v.to_string()))
                .collect(),
        });
    }
    if rows.is_empty() {
        return Err(Error::BadInput(format!(
            "{}: no rows; redo the run",
            path.display()
        )));
    }
    Ok(rows)
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn pct(p: f64) -> String {
    format!("{:.0}%", 100.0 * p)
}

fn money(k: f64) -> String {
    format!("£{k:.1}k")
}

/// The plain answer, in sentences.
fn answer(rows: &[Row], steps: u32) -> String {
    let p = |r: &Row| r.get("p_graduate").unwrap_or(0.0);
    if let [r] = rows {
        let trials = r.get("trials").unwrap_or(0.0).max(1.0);
        let mut s = format!(
            "<b>{}</b> of communities graduate within {steps} weeks (95% interval {} to {}); {} fizzle out and {} are still going at the end.",
            pct(p(r)),
            pct(r.get("p_graduate_lower").unwrap_or(0.0)),
            pct(r.get("p_graduate_upper").unwrap_or(0.0)),
            pct(r.get("fizzled").unwrap_or(0.0) / trials),
            pct(r.get("censored").unwrap_or(0.0) / trials),
        );
        if let Some(c) = r.get("host_outlay_per_graduate") {
            let _ = write!(
                s,
                " Each graduation costs the host {} on average (its whole outlay over all communities, divided by the graduations).",
                money(c)
            );
        }
        return s;
    }
    let best = rows.iter().max_by(|a, b| p(a).total_cmp(&p(b)));
    let worst = rows.iter().min_by(|a, b| p(a).total_cmp(&p(b)));
    let mut s = String::new();
    if let (Some(b), Some(w)) = (best, worst) {
        let _ = write!(
            s,
            "The best odds of graduating within {steps} weeks are <b>{}</b>, with {} (variant {}); the worst are <b>{}</b>, with {} (variant {}).",
            pct(p(b)),
            esc(&b.label),
            esc(&b.variant),
            pct(p(w)),
            esc(&w.label),
            esc(&w.variant)
        );
    }
    let cheapest = rows
        .iter()
        .filter_map(|r| r.get("host_outlay_per_graduate").map(|c| (r, c)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((r, c)) = cheapest {
        let _ = write!(
            s,
            " Per graduation, the host pays least with {} (variant {}): {}.",
            esc(&r.label),
            esc(&r.variant),
            money(c)
        );
    }
    s
}

fn table(rows: &[Row]) -> String {
    let mut t = String::from(
        "<table><thead><tr><th>variant</th><th>setting</th><th>communities</th>\
         <th>P(graduate) [95% interval]</th><th>median weeks to fizzle</th>\
         <th>mean weeks not fizzled</th><th>host outlay per community</th>\
         <th>host outlay per graduation</th></tr></thead><tbody>",
    );
    for r in rows {
        let f = |name: &str| r.get(name).unwrap_or(0.0);
        let median = r
            .fields
            .iter()
            .find(|(k, _)| k == "median_survival")
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .unwrap_or("not reached");
        let per_community = match (r.get("mean_host_spend"), r.get("mean_host_covered")) {
            (Some(a), Some(b)) => money(a + b),
            _ => "–".into(),
        };
        let per_grad = r
            .get("host_outlay_per_graduate")
            .map(money)
            .unwrap_or_else(|| "–".into());
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}% [{:.1}%, {:.1}%]</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.variant),
            esc(&r.label),
            f("trials"),
            100.0 * f("p_graduate"),
            100.0 * f("p_graduate_lower"),
            100.0 * f("p_graduate_upper"),
            esc(median),
            f("rmst"),
            per_community,
            per_grad
        );
    }
    t.push_str("</tbody></table>");
    t
}

fn provenance(m: &Manifest, variants: usize) -> String {
    let mut s = format!(
        "<p>These numbers come from <b>hothouse {}</b> (random numbers: rand {}, rand_distr {}), \
         command <code>{}</code> on the scenario <code>{}</code> (“{}”): {} variant{} × {} simulated communities, \
         {} weeks each, master seed {}. Community <i>i</i> of every variant uses the same random stream \
         (common random numbers), so the variants are compared on the same luck. The same scenario, \
         seed and version give the same numbers on any machine.</p>",
        esc(&m.version),
        esc(&m.rand_version),
        esc(&m.rand_distr_version),
        esc(&m.command),
        esc(&m.scenario_path),
        esc(&m.scenario_name),
        variants,
        if variants == 1 { "" } else { "s" },
        m.trials,
        m.steps,
        m.seed
    );
    let _ = write!(
        s,
        "<p>Run from {} to {} ({:.1} s on {} thread{}, {:.0} communities a second).",
        esc(&m.started),
        esc(&m.finished),
        m.wall_seconds,
        m.threads,
        if m.threads == 1 { "" } else { "s" },
        m.trials_per_second
    );
    if let Some(sh) = m.shard {
        let _ = write!(
            s,
            " This folder holds shard {} of {} only (communities {} to {}).",
            sh.index,
            sh.count,
            m.trial_range.0,
            m.trial_range.1.saturating_sub(1)
        );
    }
    if !m.merged_from.is_empty() {
        let _ = write!(s, " Merged from {} shard folders.", m.merged_from.len());
    }
    s.push_str("</p>");
    let _ = write!(
        s,
        "<details><summary>The scenario file</summary><pre>{}</pre></details>",
        esc(&m.scenario_text)
    );
    s
}

/// An SVG file's text, ready to sit inside HTML.
fn inline_svg(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let start = text.find("<svg")?;
    Some(text[start..].to_string())
}

/// The report of an output folder, as HTML.
pub fn render(dir: &Path) -> Result<String, Error> {
    let m = Manifest::read(dir)?;
    let rows = read_summary(dir)?;
    let scenario_question = question(&m.scenario_text);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>hothouse report: {}</title><style>{}</style></head><body><main>",
        esc(&m.scenario_name),
        STYLE
    );
    let _ = write!(
        h,
        "<h1>Will the community graduate? <span class=\"name\">{}</span></h1>",
        esc(&m.scenario_name)
    );
    h.push_str("<h2>The question</h2>");
    if !scenario_question.is_empty() {
        let _ = write!(h, "<p class=\"question\">{}</p>", esc(&scenario_question));
    }
    let description = description(&m);
    if !description.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(&description));
    }
    if scenario_question.is_empty() && description.is_empty() {
        let _ = write!(
            h,
            "<p>What are the odds that communities as described by the scenario “{}” graduate within {} weeks?</p>",
            esc(&m.scenario_name),
            m.steps
        );
    }
    let _ = write!(
        h,
        "<h2>The answer</h2><p class=\"answer\">{}</p>",
        answer(&rows, m.steps)
    );
    let _ = write!(
        h,
        "<h2>Key figures</h2>{}<p class=\"note\">P(graduate): the share of simulated communities that \
         graduated within {} weeks, with its 95% interval. Median weeks to fizzle: when half of the \
         communities have fizzled (“not reached” when fewer than half ever do). Mean weeks not fizzled: \
         the average time before fizzling, counting at most {} weeks. Host outlay: facilitation and the \
         operating shortfall the host paid, in thousands of pounds.</p>",
        table(&rows),
        m.steps,
        m.steps
    );
    h.push_str("<h2>Pictures, and how to read them</h2>");
    for (name, title, how) in PICTURES {
        if let Some(svg) = inline_svg(&dir.join(format!("{name}.svg"))) {
            let _ = write!(
                h,
                "<figure><figcaption><b>{title}.</b> {how}</figcaption>{svg}</figure>"
            );
        }
    }
    let _ = write!(
        h,
        "<h2>Where the numbers come from</h2>{}",
        provenance(&m, rows.len())
    );
    h.push_str("</main></body></html>\n");
    Ok(h)
}

/// The scenario's `description`, read from its text as recorded in the manifest.
fn description(m: &Manifest) -> String {
    toml::from_str::<toml::Table>(&m.scenario_text)
        .ok()
        .and_then(|t| {
            t.get("description")
                .and_then(|d| d.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1e1e1e;\
background:#fff;margin:0;line-height:1.5}main{max-width:980px;margin:0 auto;padding:1.5em}\
h1{font-size:1.6em;margin-bottom:.2em}h1 .name{color:#666;font-weight:normal;font-size:.7em}\
h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}\
.question{font-size:1.1em;font-style:italic}.answer{font-size:1.15em;background:#f3f7f2;\
padding:.8em 1em;border-left:4px solid #2e7d32}table{border-collapse:collapse;width:100%;\
font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left}th{background:#f5f5f5}\
.note{color:#555;font-size:.9em}figure{margin:1.5em 0}figcaption{margin-bottom:.5em}\
svg{max-width:100%;height:auto;border:1px solid #eee}pre{white-space:pre-wrap;background:#f7f7f7;\
padding:1em;font-size:.85em}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_is_the_leading_comment_paragraph() {
        let text = "# Question: will it\n# graduate?\n#\n# Other notes.\nname = \"x\"\n";
        assert_eq!(question(text), "Will it graduate?");
        assert_eq!(question("name = \"x\"\n# late comment\n"), "");
        assert_eq!(question("\n# Just a note\nname = 1\n"), "Just a note");
    }

    #[test]
    fn escapes_html() {
        assert_eq!(esc("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
    }
}
