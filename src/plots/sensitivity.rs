//! `sensitivity.png/.svg`: the parameters of a sensitivity study ranked per output, each with its
//! measure (mu* or the total Sobol' index) and confidence bar, one panel per output side by side.
//!
//! Every parameter gets its own row (the picture grows in height with the parameters, so 70
//! parameters stay readable); within a panel the rows are sorted by the measure, largest at the
//! top, and each panel names its own parameters because the order differs between outputs.
//! Self-contained: it uses only the picture plumbing of `plots` (files, font, the `Picture`
//! trait).

use super::PlotError;
use super::kit::canvas::{DrawFail, Picture, ensure_font, write_png_and_svg};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// One parameter's bar: `(parameter, estimate, lower, upper)`.
pub type Bar = (String, f64, f64, f64);

/// What to draw: the measure's name and, per output, its title and the bars.
#[derive(Debug, Clone, Default)]
pub struct SensitivityData {
    pub measure: String,
    pub panels: Vec<(String, Vec<Bar>)>,
}

/// The bundled font, as the chart kit registers it.
use super::kit::style::FONT;
const ROW: u32 = 17;
const PANEL_WIDTH: u32 = 600;
const LABEL_WIDTH: u32 = 300;
const TOP: u32 = 90;
const BOTTOM: u32 = 60;
const INK: RGBColor = RGBColor(30, 30, 30);
const MUTED: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(225, 225, 225);
const DOT: RGBColor = RGBColor(0, 114, 178);
const BAR: RGBColor = RGBColor(86, 180, 233);

fn style(size: f64, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

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
        let (w, _) = self.size();
        root.draw_text(
            "Which parameters matter",
            &style(26.0, INK, HPos::Center, VPos::Top),
            (w as i32 / 2, 10),
        )?;
        root.draw_text(
            &format!(
                "{} per output, largest first; bars: confidence intervals (bootstrap)",
                self.0.measure
            ),
            &style(16.0, MUTED, HPos::Center, VPos::Top),
            (w as i32 / 2, 44),
        )?;
        let areas = root.split_evenly((1, self.0.panels.len().max(1)));
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
    let mut chart = ChartBuilder::on(area)
        .margin_top(TOP as i32 - 20)
        .margin_bottom(10)
        .margin_right(20)
        .x_label_area_size(40)
        .y_label_area_size(LABEL_WIDTH)
        .caption(title, (FONT, 18.0).into_font().color(&INK))
        .build_cartesian_2d(lo..hi, -0.5..(n as f64 - 0.5))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_labels(5)
        .label_style((FONT, 13.0).into_font().color(&INK))
        .draw()?;
    let label = style(12.0, INK, HPos::Right, VPos::Center);
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
