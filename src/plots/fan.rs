//! `weekly` (fan chart): what happened over time. One panel per quantity (participants, active
//! contributors, shared assets, the host's spend so far), each showing, week by week over the
//! communities still running, the 10-90% band, the median (line) and the mean (dashed), one
//! colour per variant. Up to four variants share a panel; a larger sweep gets one row of
//! four panels per group of variants (grouped as the other pictures group them).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kit::DrawFail;
use super::kit::axis::{Frame, Margins, Scale, frame};
use super::kit::canvas::{
    HEADER_H, LEGEND_W, MIN_PANEL_H, MIN_PANEL_W, PICTURE_SIZE, Picture, Slot, draw_title,
    fit_title, subtitle,
};
use super::kit::facets::{Arrangement, arrange_variants};
use super::kit::legend::{LegendEntry, Swatch, draw_legend, legend_width};
use super::kit::marks::draw_path;
use super::kit::style::{NEUTRAL, colour, nice_max};
use crate::statistics::figures::{RunData, WeeklyData, WeeklySeries, stretches};

/// Variants sharing a panel.
const PER_PANEL: usize = 4;
/// Rows of panels (groups of variants) drawn at most; the rest are left out with a note.
const MAX_GROUPS: usize = 6;
/// Weeks with fewer communities still running than this are not drawn: their quantiles
/// describe a handful of communities and only add noise (they are in `weekly.csv`).
pub(crate) const MIN_RUNNING: f64 = 20.0;

/// Each quantity's panel title and axis title, in the order of `crate::weekly::QUANTITIES`.
/// The axis title names the quantity too: in a sweep's rows of panels the panel title names
/// the group of variants instead.
const QUANTITIES: [(&str, &str); 4] = [
    ("Participants", "participants (people)"),
    ("Active contributors", "active contributors (people)"),
    ("Shared assets", "shared assets (asset units)"),
    ("Host spend so far", "host spend so far (£k)"),
];

const MARGINS: Margins = Margins {
    all: 10,
    top: None,
    left: None,
    right: 20,
    x_area: 50,
    y_area: (80, 80),
};

pub(crate) struct FanPicture<'a> {
    run: &'a RunData,
    weekly: &'a WeeklyData,
    arr: Arrangement,
    /// Groups left out beyond [`MAX_GROUPS`].
    omitted: usize,
}

impl<'a> FanPicture<'a> {
    pub(crate) fn new(run: &'a RunData, weekly: &'a WeeklyData) -> Self {
        let variants: Vec<usize> = weekly.series.iter().map(|s| s.variant).collect();
        let mut arr = arrange_variants(run, &variants, PER_PANEL);
        let omitted = arr.panels.len().saturating_sub(MAX_GROUPS) + arr.omitted;
        arr.panels.truncate(MAX_GROUPS);
        FanPicture {
            run,
            weekly,
            arr,
            omitted,
        }
    }

    /// Rows and columns of panels.
    fn shape(&self) -> (usize, usize) {
        match self.arr.panels.len() {
            0 | 1 => (2, 2),
            g => (g, 4),
        }
    }

    fn legend(&self) -> Vec<LegendEntry> {
        let mut entries: Vec<LegendEntry> = match &self.arr.shared_legend {
            Some(l) => l
                .iter()
                .map(|(c, s)| LegendEntry::new(Swatch::LineBand(colour(*c)), s.clone()))
                .collect(),
            None => self
                .arr
                .panels
                .iter()
                .flat_map(|p| &p.members)
                .map(|m| LegendEntry::new(Swatch::LineBand(colour(m.colour)), m.label.clone()))
                .collect(),
        };
        entries.push(LegendEntry::new(Swatch::Space, ""));
        entries.push(LegendEntry::new(
            Swatch::Band(NEUTRAL),
            "10–90% of the communities still running",
        ));
        entries.push(LegendEntry::new(Swatch::Line(NEUTRAL), "median"));
        entries.push(LegendEntry::new(Swatch::Dashed(NEUTRAL), "mean"));
        entries
    }

    /// The top of quantity `k`'s axis, shared by its panels: the highest value drawn (of the
    /// variants shown, in the weeks shown).
    fn y_max(&self, k: usize) -> f64 {
        let max = self
            .arr
            .panels
            .iter()
            .flat_map(|p| &p.members)
            .filter_map(|m| self.weekly.series.get(m.item))
            .map(|s| s.fans[k].max(&s.running, MIN_RUNNING))
            .fold(0.0, f64::max);
        if max > 0.0 { nice_max(max, 0.0) } else { 1.0 }
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        (group, k): (usize, usize),
        title: &str,
        x: &Scale,
        slot: Slot,
    ) -> Result<(), DrawFail> {
        let y = Scale::linear(0.0, self.y_max(k), 6, QUANTITIES[k].1);
        let spec = Frame {
            title: Some(title),
            x,
            y: &y,
            slot,
            margins: MARGINS,
            mesh: true,
        };
        let mut chart = frame(cell, &spec)?;
        let members = &self.arr.panels[group].members;
        let shown = |s: &WeeklySeries, ys: &[Option<f64>]| -> Vec<Option<f64>> {
            ys.iter()
                .zip(&s.running)
                .map(|(y, &n)| y.filter(|_| n >= MIN_RUNNING))
                .collect()
        };
        for m in members {
            let s = &self.weekly.series[m.item];
            let fan = &s.fans[k];
            let (lo, hi) = (shown(s, &fan.p10), shown(s, &fan.p90));
            for stretch in stretches(&s.week, &lo, &hi) {
                let mut poly: Vec<(f64, f64)> = stretch.iter().map(|&(t, _, h)| (t, h)).collect();
                poly.extend(stretch.iter().rev().map(|&(t, l, _)| (t, l)));
                let col = colour(m.colour).mix(0.16).filled();
                chart.draw_series(std::iter::once(Polygon::new(poly, col)))?;
            }
        }
        for m in members {
            let s = &self.weekly.series[m.item];
            let fan = &s.fans[k];
            for (ys, dashed) in [(&fan.p50, false), (&fan.mean, true)] {
                let ys = shown(s, ys);
                for stretch in stretches(&s.week, &ys, &ys) {
                    let path = stretch.iter().map(|&(t, v, _)| (t, v)).collect();
                    draw_path(&mut chart, path, colour(m.colour), dashed)?;
                }
            }
        }
        Ok(())
    }
}

impl Picture for FanPicture<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = self.shape();
        let w = PICTURE_SIZE.0.max(cols as u32 * MIN_PANEL_W + LEGEND_W);
        let h = PICTURE_SIZE.1.max(rows as u32 * MIN_PANEL_H + HEADER_H);
        (w, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let omitted = (self.omitted > 0).then(|| {
            format!(
                "showing the first {} groups of variants; every variant is in weekly.csv",
                self.arr.panels.len()
            )
        });
        let note = subtitle(
            "Week by week, over the communities still running (not yet graduated or fizzled)",
            &[
                self.run.trials_note(),
                Some(format!(
                    "weeks with fewer than {MIN_RUNNING} still running not drawn"
                )),
                omitted,
            ],
        );
        let body = draw_title(root, "What happened over time", Some(&note))?;
        let entries = self.legend();
        let (w, _) = body.dim_in_pixel();
        let lw = legend_width(&body, None, &entries, LEGEND_W);
        let (left, legend) = body.split_horizontally(w.saturating_sub(lw));
        let (rows, cols) = self.shape();
        let cells = left.split_evenly((rows, cols));
        let groups = self.arr.panels.len().max(1);
        let title = |idx: usize| {
            let (g, k) = if groups == 1 {
                (0, idx)
            } else {
                (idx / 4, idx % 4)
            };
            // A row's panels share its group's title (the quantity is on each y axis): the
            // quantity and a long group title together would not fit a panel's width.
            let t = match self.arr.panels.get(g).and_then(|p| p.title.as_deref()) {
                Some(group) => group.to_string(),
                None => QUANTITIES[k].0.to_string(),
            };
            ((g, k), t)
        };
        let title_rows = cells
            .iter()
            .enumerate()
            .map(|(i, c)| fit_title(c, &title(i).1, c.dim_in_pixel().0.saturating_sub(24)).len())
            .max()
            .unwrap_or(1);
        let x = Scale::linear(0.0, self.weekly.horizon(), 8, "week");
        if !self.arr.panels.is_empty() {
            for (i, cell) in cells.iter().enumerate() {
                let (gk, t) = title(i);
                let slot = Slot {
                    bottom: i / cols == rows - 1,
                    // Every panel shows another quantity: each carries its y axis title.
                    left: true,
                    title_rows,
                };
                self.draw_panel(cell, gk, &t, &x, slot)?;
            }
        }
        let (lw, _) = legend.dim_in_pixel();
        draw_legend(&legend, (4, 20), lw.saturating_sub(12), None, &entries)?;
        Ok(())
    }
}
