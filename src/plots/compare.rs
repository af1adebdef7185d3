//! `compare.png/.svg`: a real record's cumulative incidence curves (black, with their shaded 95%
//! band) and a run's curves on top (one colour per variant), graduation on the left, fizzling on
//! the right. Self-contained: the data come in a [`ComparePlot`], and one function draws them.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;
use super::kit::axis::{Frame, Margins, Scale, frame};
use super::kit::canvas::Slot;
use super::kit::canvas::{DrawFail, Picture, draw_title, ensure_font, write_png_and_svg};
use super::kit::legend::{LegendEntry, Swatch, draw_inset_legend};
use super::kit::style::colour;

const MARGINS: Margins = Margins {
    all: 12,
    top: None,
    left: None,
    right: 24,
    x_area: 58,
    y_area: (80, 80),
};

/// One outcome's curve with its band, indexed by week.
pub struct Series {
    pub estimate: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// One variant of a run: both outcomes' curves, indexed by week.
pub struct RunSeries {
    pub label: String,
    pub graduated: Vec<f64>,
    pub fizzled: Vec<f64>,
    /// A band around the curves (lower, upper per week; graduated then fizzled), drawn pale
    /// in the run's colour: `calibrate`'s band of curves simulated from the posterior.
    pub band: Option<RunBand>,
}

/// A run's band: (lower, upper) per week for each outcome.
pub struct RunBand {
    pub label: String,
    pub graduated: (Vec<f64>, Vec<f64>),
    pub fizzled: (Vec<f64>, Vec<f64>),
}

/// Everything the comparison picture shows.
pub struct ComparePlot {
    pub title: String,
    pub subtitle: String,
    /// The record's graduation curve.
    pub graduated: Series,
    /// The record's fizzle curve.
    pub fizzled: Series,
    pub runs: Vec<RunSeries>,
}

/// Draws `compare.png` and `compare.svg` into `dir`; returns their paths.
pub fn draw_compare(plot: &ComparePlot, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    draw_named(plot, dir, "compare")
}

/// Draws `NAME.png` and `NAME.svg` into `dir` (`calibrate` draws the same picture as
/// `fit.png`); returns their paths.
pub fn draw_named(plot: &ComparePlot, dir: &Path, name: &str) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    write_png_and_svg(plot, dir, name)
}

/// A step function through the weekly values: `(t, v[t-1])` then `(t, v[t])` at each change.
fn steps(v: &[f64]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(v.len() * 2);
    for (t, &y) in v.iter().enumerate() {
        if let Some(&(_, prev)) = out.last() {
            if prev != y {
                out.push((t as f64, prev));
            }
        }
        out.push((t as f64, y));
    }
    out
}

/// The closed outline of the band between two step curves.
fn band(lower: &[f64], upper: &[f64]) -> Vec<(f64, f64)> {
    let mut outline = steps(upper);
    outline.extend(steps(lower).into_iter().rev());
    outline
}

impl Picture for ComparePlot {
    fn size(&self) -> (u32, u32) {
        (1500, 720)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let panels = body.split_evenly((1, 2));
        let weeks = self.graduated.estimate.len().saturating_sub(1).max(1) as f64;
        let y_max = self
            .runs
            .iter()
            .flat_map(|r| r.graduated.iter().chain(&r.fizzled))
            .chain(self.graduated.upper.iter().chain(&self.fizzled.upper))
            .fold(0.1_f64, |m, &v| m.max(v));
        let y_max = ((y_max * 1.05 * 10.0).ceil() / 10.0).min(1.0);
        let x = Scale::linear(0.0, weeks, 8, "time (weeks)");
        let y = Scale::linear(0.0, y_max, 6, "cumulative incidence");
        for (k, (panel, record, title)) in [
            (&panels[0], &self.graduated, "graduated"),
            (&panels[1], &self.fizzled, "fizzled"),
        ]
        .into_iter()
        .enumerate()
        {
            let heading = format!("share {title} by week t");
            let spec = Frame {
                title: Some(&heading),
                x: &x,
                y: &y,
                slot: Slot::alone(),
                margins: MARGINS,
                mesh: true,
            };
            let mut chart = frame(panel, &spec)?;
            for (i, run) in self.runs.iter().enumerate() {
                if let Some(b) = &run.band {
                    let (lo, hi) = if k == 0 { &b.graduated } else { &b.fizzled };
                    chart.draw_series(std::iter::once(Polygon::new(
                        band(lo, hi),
                        colour(i).mix(0.25).filled(),
                    )))?;
                }
            }
            chart.draw_series(std::iter::once(Polygon::new(
                band(&record.lower, &record.upper),
                BLACK.mix(0.15).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                steps(&record.estimate),
                BLACK.stroke_width(3),
            ))?;
            for (i, run) in self.runs.iter().enumerate() {
                let v = if k == 0 { &run.graduated } else { &run.fizzled };
                chart.draw_series(LineSeries::new(steps(v), colour(i).stroke_width(3)))?;
            }
            if k == 0 {
                let mut entries = vec![LegendEntry::new(
                    Swatch::LineBand(BLACK),
                    "record, with 95% band",
                )];
                for (i, r) in self.runs.iter().enumerate() {
                    entries.push(LegendEntry::new(Swatch::Line(colour(i)), r.label.clone()));
                    if let Some(b) = &r.band {
                        entries.push(LegendEntry::new(Swatch::Band(colour(i)), b.label.clone()));
                    }
                }
                draw_inset_legend(&chart.plotting_area().strip_coord_spec(), true, &entries)?;
            }
        }
        Ok(())
    }
}
