//! `graduation` for a sampled design (a `[sample]` table, whose variants do not form a grid):
//! P(graduate) of every variant against each sampled parameter, one panel per parameter, with
//! its 95% Wilson interval as a pale bar and a smooth trend (LOWESS, `statistics::figures`).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kit::DrawFail;
use super::kit::axis::{Frame, Margins, Scale, frame};
use super::kit::canvas::{Picture, canvas_size, draw_grid, draw_title, subtitle};
use super::kit::legend::{LegendEntry, Swatch};
use super::kit::marks::error_bar;
use super::kit::names::with_unit;
use super::kit::style::{INK, colour};
use crate::statistics::figures::{RunData, TrendPanel};

pub(crate) struct TrendPicture<'a> {
    run: &'a RunData,
    panels: Vec<TrendPanel>,
}

impl<'a> TrendPicture<'a> {
    /// The picture of a sampled design, or `None` when the variants form a grid (or no
    /// parameter is numeric).
    pub(crate) fn new(run: &'a RunData) -> Option<Self> {
        if run.is_grid() {
            return None;
        }
        let panels = run.trend_panels();
        (!panels.is_empty()).then_some(TrendPicture { run, panels })
    }
}

const MARGINS: Margins = Margins {
    all: 10,
    top: None,
    left: None,
    right: 20,
    x_area: 58,
    y_area: (80, 50),
};

impl Picture for TrendPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let note = subtitle(
            &format!(
                "{} sampled variants: dots with 95% Wilson bars; line: LOWESS trend (span 2/3)",
                self.run.summary.len()
            ),
            &[self.run.trials_note()],
        );
        let body = draw_title(
            root,
            "Probability of graduating against each sampled parameter",
            Some(&note),
        )?;
        let legend = [
            LegendEntry::new(Swatch::Point(colour(0)), "variant"),
            LegendEntry::new(Swatch::Line(INK), "trend"),
        ];
        let titles: Vec<Option<&str>> = self.panels.iter().map(|_| None).collect();
        draw_grid(&body, &titles, Some(&legend), |k, cell, slot, _| {
            let p = &self.panels[k];
            let lo = p.points.iter().map(|q| q.0).fold(f64::INFINITY, f64::min);
            let hi = p
                .points
                .iter()
                .map(|q| q.0)
                .fold(f64::NEG_INFINITY, f64::max);
            let pad = ((hi - lo) * 0.04).max(1e-9);
            let x = Scale::linear(lo - pad, hi + pad, 6, with_unit(&p.param));
            let y = Scale::linear(0.0, 1.0, 6, "P(graduate)");
            let spec = Frame {
                title: None,
                x: &x,
                y: &y,
                slot,
                margins: MARGINS,
                mesh: true,
            };
            let mut chart = frame(cell, &spec)?;
            let pale = colour(0).mix(0.3).stroke_width(2);
            for &(v, _, l, u) in &p.points {
                error_bar(&mut chart, v, (l, u), [false, false], 0.0, pale)?;
            }
            chart.draw_series(
                p.points
                    .iter()
                    .map(|&(v, q, _, _)| Circle::new((v, q), 4, colour(0).filled())),
            )?;
            chart.draw_series(LineSeries::new(p.trend.clone(), INK.stroke_width(3)))?;
            Ok(())
        })
    }
}
