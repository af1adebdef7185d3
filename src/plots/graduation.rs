//! `graduation`: P(graduate) with its 95% Wilson interval against the first swept parameter,
//! one line per combination of the other swept parameters.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::RunData;
use super::kit::DrawFail;
use super::kit::canvas::{
    LEGEND_W, Picture, canvas_size, draw_title, slots, split_panels, subtitle,
};
use super::kit::dots::{Estimate, Measure, SweepDots};
use super::kit::legend::{draw_legend, legend_width};
use super::kit::names::lower_name;
use super::kit::style::fmt_prob;

/// P(graduate) with its Wilson interval against the first swept parameter.
pub(crate) struct GraduationPicture<'a> {
    run: &'a RunData,
    dots: SweepDots<'a>,
    measure: Measure,
}

/// P(graduate) with its 95% Wilson interval.
fn p_graduate(run: &RunData) -> Measure {
    Measure {
        rows: run
            .summary
            .iter()
            .map(|r| Estimate {
                value: r.p,
                lower: r.lower,
                upper: r.upper,
            })
            .collect(),
        y_max: 1.0,
        y_desc: "P(graduate)".to_string(),
        fmt: fmt_prob,
        describe: |e| {
            let mut s = format!("P(graduate) = {}", e.value.map_or(String::new(), fmt_prob));
            if let (Some(lo), Some(hi)) = (e.lower, e.upper) {
                s.push_str(&format!(" (95% CI {} to {})", fmt_prob(lo), fmt_prob(hi)));
            }
            s
        },
        missing: None,
        mark_lowest: false,
    }
}

impl<'a> GraduationPicture<'a> {
    pub(crate) fn new(run: &'a RunData) -> Self {
        GraduationPicture {
            run,
            dots: SweepDots::new(run),
            measure: p_graduate(run),
        }
    }
}

impl Picture for GraduationPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.dots.arr.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let title = match self.run.sweep.params.first() {
            Some(p) => format!("Probability of graduating, by {}", lower_name(p)),
            None => "Probability of graduating".to_string(),
        };
        let notes = [self.run.trials_note(), self.dots.arr.note()];
        let subtitle = subtitle(
            "dots: share of trials that graduated; bars: 95% Wilson interval",
            &notes,
        );
        let body = draw_title(root, &title, Some(&subtitle))?;
        // a legend is only needed when there are lines to tell apart
        let entries = self.dots.shared_legend();
        let legend_w = entries
            .as_ref()
            .map(|e| legend_width(&body, None, e, LEGEND_W));
        let arr = &self.dots.arr;
        let n = arr.panels.len();
        let (cells, legend_area) = split_panels(&body, n, legend_w);
        let inset = self.dots.has_lines() && (arr.shared_legend.is_none() || legend_area.is_none());
        let titles: Vec<Option<&str>> = arr.panels.iter().map(|p| p.title.as_deref()).collect();
        let slots = slots(&cells, &titles);
        for ((panel, cell), slot) in arr.panels.iter().zip(&cells).zip(slots) {
            self.dots
                .draw_panel(cell, panel, slot, inset, &self.measure)?;
        }
        if let (Some(area), Some(entries)) = (legend_area, entries) {
            let (w, _) = area.dim_in_pixel();
            draw_legend(&area, (4, 20), w.saturating_sub(12), None, &entries)?;
        }
        Ok(())
    }
}
