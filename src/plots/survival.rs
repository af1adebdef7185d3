//! `survival` (Kaplan-Meier curves with bands) and `cif` (cumulative incidence of the two
//! outcomes), one curve (or pair of curves) per variant. The two pictures differ only in what
//! [`Kind`] says: which columns are drawn, how, and in which words.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kit::DrawFail;
use super::kit::axis::{Frame, Margins, Scale, frame};
use super::kit::canvas::{Picture, Slot, canvas_size, draw_grid, draw_title, subtitle};
use super::kit::facets::{Arrangement, Panel, arrange_variants};
use super::kit::legend::{LegendEntry, Swatch, draw_inset_legend};
use super::kit::marks::{band_polygons, draw_path, step_paths};
use super::kit::style::{NEUTRAL, colour, nice_max};
use crate::statistics::figures::{Curve, RunData};

const TIME_DESC: &str = "time (weeks)";

const MARGINS: Margins = Margins {
    all: 12,
    top: None,
    left: None,
    right: 24,
    x_area: 58,
    y_area: (80, 50),
};

/// Which of the two curve pictures.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Survival,
    Cif,
}

impl Kind {
    /// At most this many variants share a panel (the cumulative-incidence picture draws two
    /// curves per variant).
    fn max_per_panel(self) -> usize {
        match self {
            Kind::Survival => 8,
            Kind::Cif => 4,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Survival => "Survival: share of communities that have not fizzled",
            Kind::Cif => "Cumulative incidence: graduated or fizzled by week t",
        }
    }

    fn subtitle(self) -> &'static str {
        match self {
            Kind::Survival => {
                "Kaplan–Meier estimate of P(not fizzled by week t); shaded: 95% confidence band"
            }
            Kind::Cif => {
                "Share of communities that have graduated (solid) or fizzled (dashed) by week t"
            }
        }
    }

    fn y_desc(self) -> &'static str {
        match self {
            Kind::Survival => "P(not fizzled)",
            Kind::Cif => "cumulative probability",
        }
    }

    fn swatch(self, c: usize) -> Swatch {
        match self {
            Kind::Survival => Swatch::LineBand(colour(c)),
            Kind::Cif => Swatch::Line(colour(c)),
        }
    }

    /// The legend entries after the variants: what the band or the line styles mean.
    fn key(self) -> Vec<LegendEntry> {
        let mut e = vec![LegendEntry::new(Swatch::Space, "")];
        match self {
            Kind::Survival => e.push(LegendEntry::new(
                Swatch::Band(NEUTRAL),
                "95% confidence band",
            )),
            Kind::Cif => {
                e.push(LegendEntry::new(Swatch::Line(NEUTRAL), "graduated (solid)"));
                e.push(LegendEntry::new(
                    Swatch::Dashed(NEUTRAL),
                    "fizzled (dashed)",
                ));
            }
        }
        e
    }

    /// The top of the y axis: 1 for survival; for incidence, a round value above the
    /// highest curve.
    fn y_max(self, run: &RunData) -> f64 {
        match self {
            Kind::Survival => 1.0,
            Kind::Cif => nice_max(run.max_incidence() * 1.05, 0.1).min(1.0),
        }
    }
}

/// Curves of every variant, one panel per group of at most [`Kind::max_per_panel`].
pub(crate) struct CurvesPicture<'a> {
    run: &'a RunData,
    arr: Arrangement,
    kind: Kind,
}

impl<'a> CurvesPicture<'a> {
    pub(crate) fn new(run: &'a RunData, kind: Kind) -> Self {
        let variants: Vec<usize> = run.curves.iter().map(|c| c.variant).collect();
        let arr = arrange_variants(run, &variants, kind.max_per_panel());
        CurvesPicture { run, arr, kind }
    }

    /// Draws one panel of curves.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        panel: &Panel,
        (x, y): (&Scale, &Scale),
        slot: Slot,
        inset_legend: bool,
    ) -> Result<(), DrawFail> {
        let title = panel.title.as_deref();
        let frame_spec = Frame {
            title,
            x,
            y,
            slot,
            margins: MARGINS,
            mesh: true,
        };
        let mut chart = frame(cell, &frame_spec)?;
        let curves: Vec<(&Curve, RGBColor)> = panel
            .members
            .iter()
            .map(|m| (&self.run.curves[m.item], colour(m.colour)))
            .collect();
        match self.kind {
            Kind::Survival => {
                for (c, col) in &curves {
                    for poly in band_polygons(&c.time, &c.lower, &c.upper) {
                        let band = Polygon::new(poly, col.mix(0.13).filled());
                        chart.draw_series(std::iter::once(band))?;
                    }
                }
                for (c, col) in &curves {
                    for path in step_paths(&c.time, &c.survival) {
                        draw_path(&mut chart, path, *col, false)?;
                    }
                }
            }
            Kind::Cif => {
                for (dashed, pick) in [(true, 0), (false, 1)] {
                    for (c, col) in &curves {
                        let ys = if pick == 0 {
                            &c.cif_fizzled
                        } else {
                            &c.cif_graduated
                        };
                        for path in step_paths(&c.time, ys) {
                            draw_path(&mut chart, path, *col, dashed)?;
                        }
                    }
                }
            }
        }
        if inset_legend {
            let mut entries: Vec<LegendEntry> = panel
                .members
                .iter()
                .map(|m| LegendEntry::new(self.kind.swatch(m.colour), m.label.clone()))
                .collect();
            if self.kind == Kind::Cif {
                entries.extend(self.kind.key());
            }
            let area = chart.plotting_area().strip_coord_spec();
            draw_inset_legend(&area, self.kind == Kind::Cif, &entries)?;
        }
        Ok(())
    }
}

impl Picture for CurvesPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.arr.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let kind = self.kind;
        let subtitle = subtitle(kind.subtitle(), &[self.run.trials_note(), self.arr.note()]);
        let body = draw_title(root, kind.title(), Some(&subtitle))?;
        let x = Scale::linear(0.0, self.run.horizon(), 8, TIME_DESC);
        let y = Scale::linear(0.0, kind.y_max(self.run), 6, kind.y_desc());
        let entries: Option<Vec<LegendEntry>> = self.arr.shared_legend.as_ref().map(|l| {
            let mut e: Vec<LegendEntry> = l
                .iter()
                .map(|(c, s)| LegendEntry::new(kind.swatch(*c), s.clone()))
                .collect();
            e.extend(kind.key());
            e
        });
        let panels = &self.arr.panels;
        let titles: Vec<Option<&str>> = panels.iter().map(|p| p.title.as_deref()).collect();
        draw_grid(
            &body,
            &titles,
            entries.as_deref(),
            |k, cell, slot, inset| self.draw_panel(cell, &panels[k], (&x, &y), slot, inset),
        )
    }
}
