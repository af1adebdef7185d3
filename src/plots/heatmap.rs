//! `graduation_heatmap`: P(graduate) over the first two swept parameters, one panel per
//! combination of the others; each cell gives the share and (with room) its interval.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::DrawFail;
use super::kit::axis::{Chart, Frame, Levels, Margins, Scale, frame};
use super::kit::canvas::{Picture, Slot, canvas_size, draw_title, slots, split_panels, subtitle};
use super::kit::facets::{MAX_PANELS, label};
use super::kit::names::{lower_name, with_unit};
use super::kit::style::{
    INK, LEGEND_SIZE, MUTED, TICK_SIZE, anchored, fmt_prob, fmt_tick, ink_on, text, text_size,
    viridis,
};
use crate::statistics::figures::{RunData, SummaryRow};

const Y_DESC: &str = "P(graduate)";
/// Cells without a summary row.
const NO_DATA: RGBColor = RGBColor(235, 235, 235);

pub(crate) struct HeatmapPicture<'a> {
    run: &'a RunData,
    x: Levels,
    y: Levels,
    /// Panel title (values of the third and later parameters) and the summary rows in it.
    panels: Vec<(Option<String>, Vec<usize>)>,
    /// Panels left out to keep the picture's size bounded.
    omitted: usize,
}

/// The text of a cell: its value, and its interval on a second line when there is room.
struct CellText {
    size: f64,
    small: f64,
    two_lines: bool,
}

impl<'a> HeatmapPicture<'a> {
    /// `None` unless at least two parameters are swept.
    pub(crate) fn new(run: &'a RunData) -> Option<Self> {
        let params = &run.sweep.params;
        if params.len() < 2 {
            return None;
        }
        let vals = |r: &SummaryRow| run.sweep.values_of(r.variant).unwrap_or(&[]);
        let get = |r: &SummaryRow, k: usize| vals(r).get(k).map_or("", String::as_str);
        let x = Levels::new(&params[0], run.summary.iter().map(|r| get(r, 0)), true);
        let y = Levels::new(&params[1], run.summary.iter().map(|r| get(r, 1)), true);
        let rest = &params[2..];
        let mut keys: Vec<Vec<String>> = Vec::new();
        let mut panels: Vec<(Option<String>, Vec<usize>)> = Vec::new();
        for (i, r) in run.summary.iter().enumerate() {
            let key: Vec<String> = vals(r).iter().skip(2).cloned().collect();
            match keys.iter().position(|k| *k == key) {
                Some(p) => panels[p].1.push(i),
                None => {
                    let title = (!rest.is_empty()).then(|| label(rest, &key));
                    keys.push(key);
                    panels.push((title, vec![i]));
                }
            }
        }
        let omitted = panels.len().saturating_sub(MAX_PANELS);
        panels.truncate(MAX_PANELS);
        Some(HeatmapPicture {
            run,
            x,
            y,
            panels,
            omitted,
        })
    }

    /// The summary row of each cell (row-major, y then x).
    fn grid(&self, rows: &[usize]) -> Vec<Option<&'a SummaryRow>> {
        let nx = self.x.values.len();
        let mut grid: Vec<Option<&SummaryRow>> = vec![None; nx * self.y.values.len()];
        for &i in rows {
            let r = &self.run.summary[i];
            let v = self.run.sweep.values_of(r.variant).unwrap_or(&[]);
            if let (Some(a), Some(b)) = (v.first(), v.get(1)) {
                grid[self.y.index_of(b) * nx + self.x.index_of(a)] = Some(r);
            }
        }
        grid
    }

    /// Draws one panel; returns whether some cell has no data.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        title: Option<&str>,
        rows: &[usize],
        slot: Slot,
    ) -> Result<bool, DrawFail> {
        let params = &self.run.sweep.params;
        let (nx, ny) = (self.x.values.len(), self.y.values.len());
        let keyed = |levels: &Levels, title: String| {
            let n = levels.values.len();
            let ticks = (0..n).map(|i| (i as f64, levels.label(i))).collect();
            Scale::keyed(-0.5, n as f64 - 0.5, ticks, title)
        };
        let x = keyed(&self.x, with_unit(&params[0]));
        let y = keyed(&self.y, with_unit(&params[1]));
        let y_label_w = self
            .y
            .labels()
            .iter()
            .map(|v| text_size(cell, v, &text(TICK_SIZE, INK)).0)
            .max()
            .unwrap_or(20);
        let margins = Margins {
            all: 12,
            top: None,
            left: None,
            right: 20,
            x_area: 62,
            y_area: (y_label_w + 50, y_label_w + 20),
        };
        let mut chart = frame(
            cell,
            &Frame {
                title,
                x: &x,
                y: &y,
                slot,
                margins,
                mesh: false,
            },
        )?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let cw = pw as f64 / nx.max(1) as f64;
        let ch = ph as f64 / ny.max(1) as f64;
        let size = (ch * 0.3).min(cw * 0.2).min(26.0);
        let small = size * 0.68;
        let fit = CellText {
            size,
            small,
            two_lines: ch >= size * 3.2 && small >= 10.0,
        };
        let grid = self.grid(rows);
        for j in 0..ny {
            for i in 0..nx {
                draw_cell(&mut chart, (i as f64, j as f64), grid[j * nx + i], &fit)?;
            }
        }
        Ok(grid.iter().any(|c| c.and_then(|r| r.p).is_none()))
    }
}

/// One cell: its colour, its value and (on a second line, with room) its interval.
fn draw_cell<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (xf, yf): (f64, f64),
    row: Option<&SummaryRow>,
    fit: &CellText,
) -> Result<(), DrawFail> {
    let corners = [(xf - 0.5, yf - 0.5), (xf + 0.5, yf + 0.5)];
    let p = row.and_then(|r| r.p);
    let bg = p.map_or(NO_DATA, viridis);
    chart.draw_series(std::iter::once(Rectangle::new(corners, bg.filled())))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        corners,
        WHITE.stroke_width(2),
    )))?;
    if fit.size < 10.0 {
        return Ok(());
    }
    let ink = ink_on(bg);
    let (main, sub) = match (p, row) {
        (Some(p), Some(r)) => (
            fmt_prob(p),
            match (r.lower, r.upper) {
                (Some(lo), Some(hi)) => Some(format!("{} to {}", fmt_prob(lo), fmt_prob(hi))),
                _ => None,
            },
        ),
        _ => ("no data".to_string(), None),
    };
    let (main_dy, sub) = if fit.two_lines && sub.is_some() {
        (-(fit.small as i32) / 2 - 2, sub)
    } else {
        (0, None)
    };
    let style = anchored(fit.size, ink, HPos::Center, VPos::Center);
    chart.draw_series(std::iter::once(
        EmptyElement::at((xf, yf)) + Text::new(main, (0, main_dy), style),
    ))?;
    if let Some(s) = sub {
        let style = anchored(fit.small, ink, HPos::Center, VPos::Center);
        chart.draw_series(std::iter::once(
            EmptyElement::at((xf, yf)) + Text::new(s, (0, (fit.size as i32) / 2 + 4), style),
        ))?;
    }
    Ok(())
}

impl Picture for HeatmapPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let params = &self.run.sweep.params;
        let title = format!(
            "Probability of graduating, by {} and {}",
            lower_name(&params[0]),
            lower_name(&params[1])
        );
        let lead = if self.panels.len() <= 4 {
            "each cell: share of trials that graduated (below: 95% Wilson interval)"
        } else {
            "each cell: share of trials that graduated"
        };
        let omitted = (self.omitted > 0).then(|| {
            format!(
                "showing the first {} of {} panels; every variant is in summary.csv",
                self.panels.len(),
                self.panels.len() + self.omitted
            )
        });
        let subtitle = subtitle(lead, &[self.run.trials_note(), omitted]);
        let body = draw_title(root, &title, Some(&subtitle))?;
        let n = self.panels.len();
        let (cells, bar_area) = split_panels(&body, n, Some(170));
        let mut missing = false;
        let titles: Vec<Option<&str>> = self.panels.iter().map(|p| p.0.as_deref()).collect();
        let slots = slots(&cells, &titles);
        for (((t, rows), cell), slot) in self.panels.iter().zip(&cells).zip(slots) {
            missing |= self.draw_panel(cell, t.as_deref(), rows, slot)?;
        }
        if let Some(area) = bar_area {
            draw_colour_bar(&area, missing)?;
        }
        Ok(())
    }
}

/// A vertical colour scale from 0 (bottom) to 1 (top), with ticks.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    missing: bool,
) -> Result<(), DrawFail> {
    let (_, h) = area.dim_in_pixel();
    let x = 14;
    let w = 30;
    let top = 60;
    let bottom = (h as i32 - 80).clamp(top + 100, top + 420);
    area.draw(&Text::new(Y_DESC, (x, 24), text(LEGEND_SIZE, INK)))?;
    let steps = 100;
    for k in 0..steps {
        let v0 = k as f64 / steps as f64;
        let y0 = bottom - ((bottom - top) as f64 * v0) as i32;
        let y1 = bottom - ((bottom - top) as f64 * (k + 1) as f64 / steps as f64) as i32;
        area.draw(&Rectangle::new(
            [(x, y1), (x + w, y0)],
            viridis(v0 + 0.5 / steps as f64).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(x, top), (x + w, bottom)],
        INK.stroke_width(1),
    ))?;
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = bottom - ((bottom - top) as f64 * t) as i32;
        area.draw(&PathElement::new(
            vec![(x + w, y), (x + w + 6, y)],
            INK.stroke_width(1),
        ))?;
        area.draw(&Text::new(
            fmt_tick(t),
            (x + w + 10, y),
            anchored(TICK_SIZE, INK, HPos::Left, VPos::Center),
        ))?;
    }
    if missing {
        let y = bottom + 30;
        area.draw(&Rectangle::new([(x, y), (x + w, y + 18)], NO_DATA.filled()))?;
        area.draw(&Text::new(
            "no data",
            (x + w + 10, y + 9),
            anchored(TICK_SIZE, MUTED, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}
