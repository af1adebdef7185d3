//! `hothouse compare`: how far a run's life cycles are from a real record's.
//!
//! The distance `D` of a variant is the largest absolute gap between the run's and the record's
//! Aalen-Johansen cumulative incidence curves, of either outcome (graduated, fizzled), over weeks
//! `0..=window`:
//!
//! ```text
//! D = max_{t = 0..window} max(|F^run_G(t) - F^rec_G(t)|, |F^run_F(t) - F^rec_F(t)|)
//! ```
//!
//! (a two-outcome Kolmogorov-Smirnov-type distance on the weekly grid). The run's curves are its
//! own `survival.csv` columns `cif_graduated`, `cif_fizzled`; the record's are computed with
//! censoring at any time ([`crate::record`], [`crate::statistics::cumulative_incidence`]).
//! The default window is the run's horizon or the record's longest follow-up, whichever is
//! shorter; a longer window is refused.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::Outcome;
use crate::error::Error;
use crate::output::{num, write_atomic};
use crate::plots::compare::{ComparePlot, RunSeries, Series, draw_compare};
use crate::record::Record;
use crate::statistics::{Incidence, IncidenceCurve};

/// Weeks in a year: the printed table's points are 52, 104, ...
pub const YEAR: u32 = 52;

/// Columns of `compare.csv`.
pub const COMPARE_COLUMNS: &[&str] = &[
    "variant",
    "D",
    "d_week",
    "d_outcome",
    "window",
    "week",
    "run_graduated",
    "record_graduated",
    "record_graduated_lower",
    "record_graduated_upper",
    "run_fizzled",
    "record_fizzled",
    "record_fizzled_lower",
    "record_fizzled_upper",
];

/// One variant's cumulative incidence curves from a run, indexed by week `0..=steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCurves {
    pub variant: usize,
    /// The swept values, as `path=value, ...` (empty without a sweep).
    pub label: String,
    pub cif_fizzled: Vec<f64>,
    pub cif_graduated: Vec<f64>,
}

/// Where and how large the largest gap is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distance {
    /// The largest absolute gap.
    pub d: f64,
    /// The first week at which it is reached.
    pub week: u32,
    /// The outcome whose curves are that far apart (graduated when both are).
    pub outcome: Outcome,
}

/// `D` between a run's curves and the record's over weeks `0..=window` (module documentation).
/// Weeks beyond either curve's end use that curve's last value.
pub fn distance(
    run_graduated: &[f64],
    run_fizzled: &[f64],
    record: &Incidence,
    window: u32,
) -> Distance {
    let value = |v: &[f64], t: usize| v.get(t).or(v.last()).copied().unwrap_or(0.0);
    let mut best = Distance {
        d: 0.0,
        week: 0,
        outcome: Outcome::Graduated,
    };
    for t in 0..=window as usize {
        for (outcome, run, rec) in [
            (
                Outcome::Graduated,
                run_graduated,
                &record.graduated.estimate,
            ),
            (Outcome::Fizzled, run_fizzled, &record.fizzled.estimate),
        ] {
            let gap = (value(run, t) - value(rec, t)).abs();
            if gap > best.d {
                best = Distance {
                    d: gap,
                    week: t as u32,
                    outcome,
                };
            }
        }
    }
    best
}

/// Reads the cumulative incidence curves of every variant of a run folder (`survival.csv`, and
/// `variants.csv` for the labels when present). Returns the curves and the horizon.
pub fn read_run(dir: &Path) -> Result<(Vec<RunCurves>, u32), Error> {
    let path = dir.join("survival.csv");
    if !path.is_file() {
        return Err(Error::BadInput(format!(
            "{}: not found; give the output folder of `hothouse run` (or `merge`)",
            path.display()
        )));
    }
    let bad = |line: u64, msg: String| {
        Error::BadInput(format!("{}:{line}: {msg}; redo the run", path.display()))
    };
    let mut reader = csv::Reader::from_path(&path).map_err(|e| Error::csv(&path, e))?;
    let headers = reader.headers().map_err(|e| Error::csv(&path, e))?.clone();
    let mut cols = [0usize; 4];
    for (slot, name) in cols
        .iter_mut()
        .zip(["variant", "time", "cif_fizzled", "cif_graduated"])
    {
        *slot = headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(1, format!("missing column `{name}`")))?;
    }
    let mut curves: Vec<RunCurves> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::csv(&path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let (variant, time, f, g) = curve_point(&record, &cols).map_err(|msg| bad(line, msg))?;
        if curves.last().is_none_or(|c| c.variant != variant) {
            if curves.iter().any(|c| c.variant == variant) || time != 0 {
                return Err(bad(
                    line,
                    format!("the rows of variant {variant} are not one run of weeks from 0"),
                ));
            }
            curves.push(RunCurves {
                variant,
                label: String::new(),
                cif_fizzled: Vec::new(),
                cif_graduated: Vec::new(),
            });
        }
        let c = curves.last_mut().expect("pushed above");
        if time != c.cif_fizzled.len() {
            return Err(bad(
                line,
                format!("week {time} of variant {variant} is out of order"),
            ));
        }
        c.cif_fizzled.push(f);
        c.cif_graduated.push(g);
    }
    let steps = curves.first().map_or(0, |c| c.cif_fizzled.len()) as u32;
    if steps == 0 {
        return Err(bad(1, "the file has no rows".into()));
    }
    if curves.iter().any(|c| c.cif_fizzled.len() as u32 != steps) {
        return Err(bad(1, "the variants have different horizons".into()));
    }
    for (variant, label) in variant_labels(dir) {
        if let Some(c) = curves.iter_mut().find(|c| c.variant == variant) {
            c.label = label;
        }
    }
    Ok((curves, steps - 1))
}

/// One row of `survival.csv` as (variant, week, CIF of fizzling, CIF of graduating), from the
/// columns at `cols`; the problem in words otherwise.
fn curve_point(
    record: &csv::StringRecord,
    cols: &[usize; 4],
) -> Result<(usize, usize, f64, f64), String> {
    let field = |k: usize| record.get(cols[k]).unwrap_or("");
    let variant: usize = field(0)
        .parse()
        .map_err(|_| format!("`{}` is not a variant number", field(0)))?;
    let time: usize = field(1)
        .parse()
        .map_err(|_| format!("`{}` is not a week", field(1)))?;
    let prob = |k: usize| match field(k).parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "`{}` is not a probability between 0 and 1",
            field(k)
        )),
    };
    Ok((variant, time, prob(2)?, prob(3)?))
}

/// `path=value, ...` per variant from `variants.csv`; empty when the file is missing or unusable
/// (labels only decorate the output).
fn variant_labels(dir: &Path) -> Vec<(usize, String)> {
    let Ok(mut reader) = csv::Reader::from_path(dir.join("variants.csv")) else {
        return Vec::new();
    };
    let Ok(headers) = reader.headers().cloned() else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            let v = r.get(0)?.parse().ok()?;
            let label = headers
                .iter()
                .zip(r.iter())
                .skip(1)
                .map(|(h, x)| format!("{h}={x}"))
                .collect::<Vec<_>>()
                .join(", ");
            Some((v, label))
        })
        .collect()
}

/// One variant's comparison.
#[derive(Debug, Clone)]
pub struct VariantComparison {
    pub run: RunCurves,
    pub distance: Distance,
}

/// The comparison of every variant of a run with a record.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub record: Record,
    pub incidence: Incidence,
    /// The run's horizon.
    pub steps: u32,
    /// Weeks compared: `0..=window`.
    pub window: u32,
    pub variants: Vec<VariantComparison>,
}

/// The window to use: `window` if given (checked), else the shorter of the run's horizon and
/// the record's longest follow-up.
pub fn resolve_window(window: Option<u32>, steps: u32, record: &Record) -> Result<u32, Error> {
    let follow_up = record.follow_up();
    match window {
        None => Ok(steps.min(follow_up)),
        Some(0) => Err(Error::Usage("--window 0: compare at least 1 week".into())),
        Some(w) if w > steps => Err(Error::Usage(format!(
            "--window {w} is longer than the run's horizon ({steps} weeks); use at most {steps}, or run with --steps {w}"
        ))),
        Some(w) if w > follow_up => Err(Error::Usage(format!(
            "--window {w} is longer than {}'s longest follow-up ({follow_up} weeks); use at most {follow_up}",
            record.file
        ))),
        Some(w) => Ok(w),
    }
}

/// Reads a run folder and a record and compares them over the window.
pub fn compare(
    run_dir: &Path,
    record_path: &Path,
    window: Option<u32>,
) -> Result<Comparison, Error> {
    let record = Record::read(record_path)?;
    let (curves, steps) = read_run(run_dir)?;
    let window = resolve_window(window, steps, &record)?;
    let incidence = record.incidence();
    let variants = curves
        .into_iter()
        .map(|run| VariantComparison {
            distance: distance(&run.cif_graduated, &run.cif_fizzled, &incidence, window),
            run,
        })
        .collect();
    Ok(Comparison {
        record,
        incidence,
        steps,
        window,
        variants,
    })
}

impl Comparison {
    /// The weeks of the table: every full year within the window, then the window's end.
    pub fn table_weeks(&self) -> Vec<u32> {
        let mut weeks: Vec<u32> = (1..)
            .map(|y| y * YEAR)
            .take_while(|&w| w <= self.window)
            .collect();
        if weeks.last() != Some(&self.window) {
            weeks.push(self.window);
        }
        weeks
    }

    /// `compare.csv`: one row per variant and table week.
    pub fn csv(&self) -> Result<Vec<u8>, Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let e = |e: csv::Error| Error::csv("compare.csv", e);
        w.write_record(COMPARE_COLUMNS).map_err(e)?;
        let rec =
            |c: &IncidenceCurve, t: usize| [num(c.estimate[t]), num(c.lower[t]), num(c.upper[t])];
        for v in &self.variants {
            for week in self.table_weeks() {
                let t = week as usize;
                let [g, g_lo, g_hi] = rec(&self.incidence.graduated, t);
                let [f, f_lo, f_hi] = rec(&self.incidence.fizzled, t);
                w.write_record([
                    v.run.variant.to_string(),
                    num(v.distance.d),
                    v.distance.week.to_string(),
                    v.distance.outcome.to_string(),
                    self.window.to_string(),
                    week.to_string(),
                    num(v.run.cif_graduated[t]),
                    g,
                    g_lo,
                    g_hi,
                    num(v.run.cif_fizzled[t]),
                    f,
                    f_lo,
                    f_hi,
                ])
                .map_err(e)?;
            }
        }
        w.into_inner()
            .map_err(|err| Error::csv("compare.csv", err.error()))
    }

    /// The printed table: per variant, D and both outcomes' curves at the table weeks.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let r = &self.record;
        let _ = writeln!(
            s,
            "record {}: {} communities ({} graduated, {} fizzled, {} censored), followed up to {} weeks",
            r.file,
            r.entries.len(),
            r.count(Outcome::Graduated),
            r.count(Outcome::Fizzled),
            r.count(Outcome::Censored),
            r.follow_up()
        );
        let _ = writeln!(
            s,
            "window: weeks 0-{} (run horizon {})",
            self.window, self.steps
        );
        let inc = &self.incidence;
        for v in &self.variants {
            let label = if v.run.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.run.label)
            };
            let _ = writeln!(
                s,
                "\nvariant {}{label}: D = {:.3} ({} at week {})",
                v.run.variant, v.distance.d, v.distance.outcome, v.distance.week
            );
            let _ = writeln!(
                s,
                "  {:>5}  {:>9} {:>24}  {:>9} {:>24}",
                "week", "grad run", "grad record [95% band]", "fizz run", "fizz record [95% band]"
            );
            for week in self.table_weeks() {
                let t = week as usize;
                let band = |c: &IncidenceCurve| {
                    format!(
                        "{:.3} [{:.3}, {:.3}]",
                        c.estimate[t], c.lower[t], c.upper[t]
                    )
                };
                let _ = writeln!(
                    s,
                    "  {:>5}  {:>9.3} {:>24}  {:>9.3} {:>24}",
                    week,
                    v.run.cif_graduated[t],
                    band(&inc.graduated),
                    v.run.cif_fizzled[t],
                    band(&inc.fizzled)
                );
            }
        }
        let _ = writeln!(
            s,
            "\nD = the largest gap between the run's and the record's cumulative incidence of either outcome over the window"
        );
        s
    }

    /// The picture's data: the record with its bands and every variant's curves, over the window.
    pub fn plot(&self) -> ComparePlot {
        let end = self.window as usize + 1;
        let series = |c: &IncidenceCurve| Series {
            estimate: c.estimate[..end].to_vec(),
            lower: c.lower[..end].to_vec(),
            upper: c.upper[..end].to_vec(),
        };
        ComparePlot {
            title: "Run against record: cumulative incidence".into(),
            subtitle: format!(
                "record {} ({} communities), black with shaded 95% band; run variants in colour",
                Path::new(&self.record.file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                self.record.entries.len()
            ),
            graduated: series(&self.incidence.graduated),
            fizzled: series(&self.incidence.fizzled),
            runs: self
                .variants
                .iter()
                .map(|v| RunSeries {
                    label: format!(
                        "variant {}{}: D = {:.3}",
                        v.run.variant,
                        if v.run.label.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", v.run.label)
                        },
                        v.distance.d
                    ),
                    graduated: v.run.cif_graduated[..end].to_vec(),
                    fizzled: v.run.cif_fizzled[..end].to_vec(),
                    band: None,
                })
                .collect(),
        }
    }

    /// Writes `compare.png`, `compare.svg` (unless `plots` is false) and `compare.csv` into
    /// `out` (created if needed), each file atomically; returns the paths written.
    pub fn write(&self, out: &Path, plots: bool) -> Result<Vec<PathBuf>, Error> {
        let bytes = self.csv()?;
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let mut written = Vec::new();
        if plots {
            written.extend(draw_compare(&self.plot(), out)?);
        }
        let path = out.join("compare.csv");
        write_atomic(&path, &bytes)?;
        written.push(path);
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::{OutcomeCounts, cumulative_incidence};

    #[test]
    fn distance_is_the_largest_gap_of_either_outcome() {
        // record: one fizzle at week 1, one graduation at week 2 (no censoring)
        let rec = cumulative_incidence(&OutcomeCounts::from_outcomes(
            2,
            [(Outcome::Fizzled, 1), (Outcome::Graduated, 2)],
        ));
        // record: F = [0, .5, .5], G = [0, 0, .5]
        let d = distance(&[0.0, 0.1, 0.2, 0.3], &[0.0, 0.5, 0.5, 0.9], &rec, 2);
        assert!((d.d - 0.3).abs() < 1e-15);
        assert_eq!((d.week, d.outcome), (2, Outcome::Graduated));
        // beyond the record's end its last value holds: week 3 gives |0.95 - 0.5|
        let d = distance(&[0.0, 0.1, 0.2, 0.3], &[0.0, 0.5, 0.5, 0.95], &rec, 3);
        assert!((d.d - 0.45).abs() < 1e-15);
        assert_eq!((d.week, d.outcome), (3, Outcome::Fizzled));
    }
}
