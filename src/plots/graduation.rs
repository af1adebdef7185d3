//! `graduation`: P(graduate) with its 95% Wilson interval against the first swept parameter,
//! one line per combination of the other swept parameters.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, VPos};

use super::kit::DrawFail;
use super::kit::axis::{Margins, Scale, frame_alone};
use super::kit::canvas::{Picture, canvas_size, draw_grid, draw_title, subtitle};
use super::kit::dots::{Measure, SweepDots};
use super::kit::names::lower_name;
use super::kit::style::{
    INK, LEGEND_SIZE, NEUTRAL, PALETTE, anchored, fmt_prob, ink_on, text, text_size,
};
use crate::statistics::figures::{RunData, SummaryRow};

/// P(graduate) with its Wilson interval against the first swept parameter.
pub(crate) struct GraduationPicture<'a> {
    run: &'a RunData,
    dots: SweepDots<'a>,
    measure: Measure,
}

/// P(graduate) with its 95% Wilson interval.
fn p_graduate(run: &RunData) -> Measure {
    Measure {
        rows: run.p_graduate(),
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
        rings: None,
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

/// A run without a sweep: one bar split into the shares of trials that graduated, fizzled
/// and were still active at the horizon, with the interval of P(graduate).
fn draw_outcomes<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    row: &SummaryRow,
    counts: [f64; 3],
) -> Result<(), DrawFail> {
    let total: f64 = counts.iter().sum();
    let (w, h) = body.dim_in_pixel();
    let cell = body.margin(h / 5, h / 4, w / 12, w / 12);
    let x = Scale::linear(0.0, 1.0, 10, "share of trials");
    let y = Scale::keyed(-1.0, 1.0, Vec::new(), "");
    let margins = Margins {
        all: 12,
        top: None,
        left: None,
        right: 28,
        x_area: 62,
        y_area: (20, 20),
    };
    let mut chart = frame_alone(&cell, (&x, &y), margins)?;
    let names = ["graduated", "fizzled", "still active at the horizon"];
    let colours = [PALETTE[2], PALETTE[1], NEUTRAL];
    let mut start = 0.0;
    for k in 0..3 {
        let share = counts[k] / total;
        let end = start + share;
        let bar = Rectangle::new([(start, -0.35), (end, 0.35)], colours[k].filled());
        chart.draw_series(std::iter::once(bar))?;
        if share > 0.0 {
            // the label inside its part when it fits, else above (graduated) or below it
            let s = format!("{} {:.0}%", names[k], share * 100.0);
            let room = chart.backend_coord(&(end, 0.0)).0 - chart.backend_coord(&(start, 0.0)).0;
            let fits = text_size(&cell, &s, &text(LEGEND_SIZE, INK)).0 as i32 + 12 <= room;
            let (y, ink, v) = match (fits, k) {
                (true, _) => (0.0, ink_on(colours[k]), VPos::Center),
                (false, 0) => (0.6, INK, VPos::Bottom),
                (false, _) => (-0.45, INK, VPos::Top),
            };
            let style = anchored(LEGEND_SIZE, ink, HPos::Center, v);
            let at = ((start + end) / 2.0, y);
            chart.draw_series(std::iter::once(
                EmptyElement::at(at) + Text::new(s, (0, 0), style),
            ))?;
        }
        start = end;
    }
    if let (Some(lo), Some(hi)) = (row.lower, row.upper) {
        let st = INK.stroke_width(3);
        for seg in [
            [(lo, 0.45), (hi, 0.45)],
            [(lo, 0.38), (lo, 0.52)],
            [(hi, 0.38), (hi, 0.52)],
        ] {
            chart.draw_series(std::iter::once(PathElement::new(seg.to_vec(), st)))?;
        }
    }
    Ok(())
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
        if let (true, [row]) = (self.run.sweep.params.is_empty(), &self.run.summary[..]) {
            if let Some(counts) = row.outcomes {
                let note = super::kit::canvas::subtitle(
                    "how the trials ended; black bar: 95% Wilson interval of P(graduate)",
                    &[self.run.trials_note()],
                );
                let body = draw_title(root, &title, Some(&note))?;
                return draw_outcomes(&body, row, counts);
            }
        }
        let body = draw_title(root, &title, Some(&subtitle))?;
        // a legend is only needed when there are lines to tell apart
        let entries = self.dots.shared_legend();
        let panels = &self.dots.arr.panels;
        let titles: Vec<Option<&str>> = panels.iter().map(|p| p.title.as_deref()).collect();
        let lines = self.dots.has_lines();
        draw_grid(&body, &titles, entries.as_deref(), |k, cell, slot, own| {
            let inset = lines && own;
            self.dots
                .draw_panel(cell, &panels[k], slot, inset, &self.measure)
        })
    }
}
