//! `sensitivity.png/.svg`: the parameters of a sensitivity study ranked per output, each with its
//! measure (mu* or the total Sobol' index) and confidence bar, one panel per output side by side.
//!
//! Every parameter gets its own row (the picture grows in height with the parameters, so 70
//! parameters stay readable); within a panel the rows are sorted by the measure, largest at the
//! top, and each panel names its own parameters because the order differs between outputs.
//! Drawn with the chart kit (title block, framed panels, type and colours), like every picture.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::PlotError;
use super::kit::axis::{Frame, Margins, Scale, frame};
use super::kit::canvas::{DrawFail, Picture, Slot, draw_title, ensure_font, write_png_and_svg};
use super::kit::style::{INK, PALETTE, anchored};

/// One parameter's bar: `(parameter, estimate, lower, upper)`.
pub type Bar = (String, f64, f64, f64);

/// What to draw: the measure's name and, per output, its title and the bars.
#[derive(Debug, Clone, Default)]
pub struct SensitivityData {
    pub measure: String,
    pub panels: Vec<(String, Vec<Bar>)>,
}

/// Height of a parameter's row, and the size of its name (smaller than tick labels, so that 70
/// parameters stay readable).
const ROW: u32 = 17;
const ROW_LABEL_SIZE: f64 = 12.0;
const PANEL_WIDTH: u32 = 600;
const LABEL_WIDTH: u32 = 300;
const TOP: u32 = 90;
const BOTTOM: u32 = 60;
/// The estimate, and its confidence bar.
const DOT: RGBColor = PALETTE[0];
const BAR: RGBColor = PALETTE[4];

struct Ranking<'a>(&'a SensitivityData);

impl Picture for Ranking<'_> {
    fn size(&self) -> (u32, u32) {
        let rows = self
            .0
            .panels
            .iter()
            .map(|(_, b)| b.len())
            .max()
            .unwrap_or(0) as u32;
        let panels = self.0.panels.len().max(1) as u32;
        (
            panels * PANEL_WIDTH,
            (TOP + BOTTOM + rows.max(8) * ROW).max(400),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let subtitle = format!(
            "{} per output, largest first; bars: confidence intervals (bootstrap)",
            self.0.measure
        );
        let body = draw_title(root, "Which parameters matter", Some(&subtitle))?;
        let areas = body.split_evenly((1, self.0.panels.len().max(1)));
        for (area, (title, bars)) in areas.iter().zip(&self.0.panels) {
            draw_panel(area, title, bars)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[(String, f64, f64, f64)],
) -> Result<(), DrawFail> {
    let mut sorted: Vec<&(String, f64, f64, f64)> = bars.iter().collect();
    let key = |b: &(String, f64, f64, f64)| {
        if b.1.is_finite() {
            b.1
        } else {
            f64::NEG_INFINITY
        }
    };
    sorted.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let finite = |x: f64| x.is_finite().then_some(x);
    let hi = sorted
        .iter()
        .filter_map(|b| finite(b.3).or(finite(b.1)))
        .fold(0.0f64, f64::max);
    let lo = sorted
        .iter()
        .filter_map(|b| finite(b.2).or(finite(b.1)))
        .fold(0.0f64, f64::min);
    let (lo, hi) = if hi - lo > 0.0 {
        (lo, hi + 0.04 * (hi - lo))
    } else {
        (0.0, 1.0)
    };
    let n = sorted.len().max(1);
    let x = Scale::linear(lo, hi, 5, "");
    let y = Scale::keyed(-0.5, n as f64 - 0.5, Vec::new(), "");
    let margins = Margins {
        all: 10,
        top: None,
        left: None,
        right: 20,
        x_area: 40,
        y_area: (LABEL_WIDTH, LABEL_WIDTH),
    };
    let spec = Frame {
        title: Some(title),
        x: &x,
        y: &y,
        slot: Slot::alone(),
        margins,
        mesh: true,
    };
    let mut chart = frame(area, &spec)?;
    let label = anchored(ROW_LABEL_SIZE, INK, HPos::Right, VPos::Center);
    // `backend_coord` is in the canvas's pixels; text on `area` is placed relative to it.
    let (ox, oy) = area.get_base_pixel();
    for (i, (name, est, l, u)) in sorted.iter().enumerate() {
        // Largest at the top: row 0 is drawn highest.
        let y = (n - 1 - i) as f64;
        let (px, py) = chart.backend_coord(&(lo, y));
        let shown = if name.chars().count() > 44 {
            format!("{}…", name.chars().take(43).collect::<String>())
        } else {
            name.clone()
        };
        area.draw_text(
            &format!("{shown} {}", i + 1),
            &label,
            (px - 6 - ox, py - oy),
        )?;
        if l.is_finite() && u.is_finite() {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(l.max(lo), y), (u.min(hi), y)],
                BAR.stroke_width(3),
            )))?;
        }
        if est.is_finite() {
            chart.draw_series(std::iter::once(Circle::new((*est, y), 3, DOT.filled())))?;
        }
    }
    Ok(())
}

/// Draws `sensitivity.png` and `sensitivity.svg` into `dir`.
pub fn draw_sensitivity(dir: &Path, data: &SensitivityData) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    write_png_and_svg(&Ranking(data), dir, "sensitivity")
}
