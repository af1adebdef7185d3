//! `cost`: what a graduation costs the host, and what the host's outlay buys.
//!
//! Drawn from the cost columns of `summary.csv` (`mean_host_spend`, `mean_host_covered`,
//! `host_outlay_per_graduate`, all in thousands of pounds); folders written before those
//! columns existed simply get no cost picture.
//!
//! Left: the host's outlay per graduation against the first swept parameter, drawn like the
//! graduation picture (one line per combination of the other swept parameters, small
//! multiples beyond eight lines). Bars give the range implied by the 95% Wilson interval of
//! P(graduate); a cross marks a setting where nothing graduated, so that no outlay per
//! graduation exists; the lowest outlay per graduation is ringed; settings costing more than
//! five times the lowest are drawn as arrows above the axis, with their value.
//!
//! Right: the cost-effectiveness plane, P(graduate) against the mean outlay per community,
//! one dot per setting, labelled by its swept values. The frontier joins the settings that no
//! other setting beats on both counts (cheaper and at least as likely to graduate, or as cheap
//! and likelier); settings off it are hollow. Dashed rays from the origin join the points of
//! equal outlay per graduation (outlay / P(graduate)), so the steeper the ray through a dot,
//! the less each graduation costs.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::DrawFail;
use super::kit::axis::{Chart, Margins, Scale, frame_alone};
use super::kit::canvas::{
    HEADER_H, LEGEND_W, MIN_PANEL_H, MIN_PANEL_W, PICTURE_SIZE, Picture, draw_grid, draw_title,
    grid_shape, subtitle,
};
use super::kit::dots::{Measure, Rings, SweepDots};
use super::kit::labels::{
    POINT_SPOTS, Rect, Spot, around, gathered_note, label_box, place_clear, segment_boxes,
};
use super::kit::legend::{LegendEntry, Swatch, draw_legend, legend_width};
use super::kit::marks::error_bar;
use super::kit::names::{lower_name, value_text, with_unit};
use super::kit::style::{
    INK, MUTED, NEUTRAL, PANEL_TITLE_SIZE, TICK_SIZE, anchored, colour, fmt_prob, fmt_tick,
    nice_max, text, text_size,
};
use crate::statistics::figures::{RunData, cheapest, frontier, per_graduate, ray_amounts};

/// Width kept (at least) for the outlay-per-graduation panels.
const LEFT_W: u32 = 600;
/// Width kept for the cost-effectiveness plane.
const SCATTER_W: u32 = 700;
/// Room for the heading above each half.
const HEADING_H: u32 = 52;
/// The top margin of a panel drawn by [`SweepDots`], and of the plane (which holds the
/// amounts of the rays).
const PANEL_TOP: u32 = 12;
const SCATTER_TOP: u32 = 30;
/// With more settings than this, only the points on the frontier are labelled.
const MAX_LABELS: usize = 12;
/// Outlays per graduation beyond this multiple of the lowest are drawn above the axis.
const OFF_CHART: f64 = 5.0;
/// The rays of equal outlay per graduation.
const RAY: RGBColor = RGBColor(160, 160, 160);
const RAY_TEXT: RGBColor = RGBColor(120, 120, 120);

const PER_GRADUATE_DESC: &str = "host outlay per graduation (£k)";
const OUTLAY_DESC: &str = "mean host outlay per community (£k)";

/// An amount in thousands of pounds, as "£34.5k".
fn fmt_k(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("£{v:.0}k")
    } else if a >= 10.0 || a == 0.0 {
        format!("£{v:.1}k")
    } else {
        format!("£{v:.2}k")
    }
}

/// A ray of equal outlay per graduation: its amount and where it leaves the plot.
type Ray = (f64, (f64, f64));

/// One setting in the cost-effectiveness plane.
struct Point {
    outlay: f64,
    p: f64,
    lower: Option<f64>,
    upper: Option<f64>,
    colour: usize,
    label: String,
    frontier: bool,
}

/// What the ring around the lowest outlay per graduation means: tested against noise or not,
/// and whether others are as low within it.
fn ring_legend(noise_tested: bool, rings: &Rings) -> &'static str {
    match (noise_tested, rings.equivalent.is_empty()) {
        (true, false) => {
            "lowest outlay per graduation, and those as low within noise (paired bootstrap on the same trials)"
        }
        (true, true) => {
            "lowest outlay per graduation; none other as low within noise (paired bootstrap)"
        }
        (false, _) => "lowest outlay per graduation (not tested against noise: no trials.csv)",
    }
}

pub(crate) struct CostPicture<'a> {
    run: &'a RunData,
    dots: SweepDots<'a>,
    per_graduate: Measure,
    points: Vec<Point>,
    /// The parameters the point labels give values of (empty: labels are self-explaining).
    label_names: Vec<String>,
    /// Whether the ringed values were tested against noise (paired, from `trials.csv`).
    noise_tested: bool,
}

impl<'a> CostPicture<'a> {
    /// `None` when `summary.csv` lacks the cost columns.
    pub(crate) fn new(run: &'a RunData) -> Option<Self> {
        if !run.has_cost {
            return None;
        }
        let dots = SweepDots::new(run);
        let rings = cheapest(run);
        let noise_tested = rings.as_ref().is_some_and(|r| r.2);
        let per_graduate = per_graduate_measure(run, rings);
        let (points, label_names) = scatter_points(run, &dots);
        Some(CostPicture {
            run,
            dots,
            per_graduate,
            points,
            label_names,
            noise_tested,
        })
    }

    fn label_all(&self) -> bool {
        self.points.len() <= MAX_LABELS
    }

    fn any_missing(&self) -> bool {
        self.per_graduate.rows.iter().any(|e| e.value.is_none())
    }

    /// The legend: the lines (if any), then a block for each half.
    fn legend_blocks(&self) -> Vec<(Option<&'static str>, Vec<LegendEntry>)> {
        let mut blocks = Vec::new();
        if let Some(series) = self.dots.shared_legend() {
            blocks.push((None, series));
        }
        let left = self.left_legend();
        if !left.is_empty() {
            blocks.push((Some("left panel"), left));
        }
        let right = self.right_legend();
        if !right.is_empty() {
            blocks.push((Some("right panel"), right));
        }
        blocks
    }

    /// The marks of the outlay-per-graduation panels that are drawn: Wilson bars, rings,
    /// arrows above the axis and crosses.
    fn left_legend(&self) -> Vec<LegendEntry> {
        let mut left = Vec::new();
        if self
            .per_graduate
            .rows
            .iter()
            .any(|e| e.lower.is_some() && e.upper.is_some())
        {
            left.push(LegendEntry::new(
                Swatch::Point(NEUTRAL),
                "bar: range implied by the 95% interval of P(graduate)",
            ));
        }
        if let Some(rings) = &self.per_graduate.rings {
            left.push(LegendEntry::new(
                Swatch::RingedDot(NEUTRAL),
                ring_legend(self.noise_tested, rings),
            ));
        }
        if self.per_graduate.any_above() {
            left.push(LegendEntry::new(
                Swatch::Triangle(NEUTRAL),
                "above the axis (more than five times the lowest): value beside it",
            ));
        }
        if self.any_missing() {
            left.push(LegendEntry::new(
                Swatch::Cross(NEUTRAL),
                "no graduations, so no outlay per graduation",
            ));
        }
        left
    }

    /// The marks of the cost-effectiveness plane that are drawn: Wilson bars, the frontier,
    /// hollow dots off it and the rays.
    fn right_legend(&self) -> Vec<LegendEntry> {
        let mut right = Vec::new();
        if self
            .points
            .iter()
            .any(|p| p.lower.is_some() && p.upper.is_some())
        {
            right.push(LegendEntry::new(
                Swatch::Point(NEUTRAL),
                "bar: 95% Wilson interval of P(graduate)",
            ));
        }
        if self.points.len() > 1 {
            right.push(LegendEntry::new(
                Swatch::Line(NEUTRAL),
                "frontier: no other setting is both cheaper and likelier to graduate",
            ));
            if self.points.iter().any(|p| !p.frontier) {
                right.push(LegendEntry::new(
                    Swatch::Ring(NEUTRAL),
                    "hollow: off the frontier",
                ));
            }
        }
        if !self.rays().is_empty() {
            right.push(LegendEntry::new(
                Swatch::Dashed(RAY),
                "equal outlay per graduation, in £k at the end (steeper: cheaper)",
            ));
        }
        right
    }

    /// The outlays per graduation drawn as rays in the plane: round amounts around the
    /// settings' own, at most six.
    fn rays(&self) -> Vec<f64> {
        let costs: Vec<f64> = self
            .points
            .iter()
            .filter(|p| p.p > 0.0 && p.outlay > 0.0)
            .map(|p| p.outlay / p.p)
            .collect();
        ray_amounts(&costs, self.x_range().1)
    }

    /// The x range of the plane: from 0 (or below, for negative outlays) to a round amount.
    fn x_range(&self) -> (f64, f64) {
        let max = self.points.iter().map(|p| p.outlay).fold(0.0, f64::max);
        let min = self.points.iter().map(|p| p.outlay).fold(0.0, f64::min);
        let hi = if max > 0.0 {
            nice_max(max * 1.1, 0.0)
        } else {
            1.0
        };
        let lo = if min < 0.0 {
            -nice_max(-min * 1.1, 0.0)
        } else {
            0.0
        };
        (lo, hi)
    }

    /// The cost-effectiveness plane: rays of equal outlay per graduation, the frontier, the
    /// settings with their Wilson bars, their labels and the rays' amounts.
    fn draw_scatter<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawFail> {
        let (x_lo, x_hi) = self.x_range();
        let x = Scale::linear(x_lo, x_hi, 8, OUTLAY_DESC);
        let y = Scale::linear(0.0, 1.0, 6, "P(graduate)");
        let margins = Margins {
            all: PANEL_TOP,
            top: Some(SCATTER_TOP),
            left: None,
            right: 64,
            x_area: 62,
            y_area: (80, 80),
        };
        let mut chart = frame_alone(cell, (&x, &y), margins)?;
        if self.points.is_empty() {
            let (w, h) = chart.plotting_area().dim_in_pixel();
            chart.plotting_area().strip_coord_spec().draw(&Text::new(
                "no setting has both a mean outlay and a P(graduate) to show",
                (w as i32 / 2, h as i32 / 2),
                anchored(TICK_SIZE, MUTED, HPos::Center, VPos::Center),
            ))?;
            return Ok(());
        }
        let rays = self.draw_rays(&mut chart, x_hi)?;
        let mut obstacles = self.draw_frontier(&mut chart)?;
        self.draw_points(&mut chart, x_hi - x_lo, &mut obstacles)?;
        self.label_points(cell, &mut chart, &mut obstacles)?;
        label_rays(cell, &chart, &rays)
    }

    /// Rays of equal outlay per graduation, from the origin to the edge of the plot; returns
    /// each ray's amount and end.
    fn draw_rays<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        x_hi: f64,
    ) -> Result<Vec<Ray>, DrawFail> {
        let mut rays = Vec::new();
        for c in self.rays() {
            let end = if c <= x_hi {
                (c, 1.0)
            } else {
                (x_hi, x_hi / c)
            };
            let style = RAY.stroke_width(1);
            chart.draw_series(DashedLineSeries::new(vec![(0.0, 0.0), end], 8, 6, style))?;
            rays.push((c, end));
        }
        Ok(rays)
    }

    /// The frontier, cheapest first; returns small boxes along it that labels keep clear of.
    fn draw_frontier<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
    ) -> Result<Vec<Rect>, DrawFail> {
        let mut frontier: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.frontier)
            .map(|p| (p.outlay, p.p))
            .collect();
        frontier.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        frontier.dedup();
        let mut obstacles: Vec<Rect> = Vec::new();
        for w in frontier.windows(2) {
            let (a, b) = (chart.backend_coord(&w[0]), chart.backend_coord(&w[1]));
            segment_boxes(a, b, &mut obstacles);
        }
        if frontier.len() > 1 {
            chart.draw_series(LineSeries::new(frontier, NEUTRAL.stroke_width(2)))?;
        }
        Ok(obstacles)
    }

    /// Wilson bars, then the dots (hollow off the frontier); dots at the same place get
    /// smaller so that all show.
    fn draw_points<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        x_span: f64,
        obstacles: &mut Vec<Rect>,
    ) -> Result<(), DrawFail> {
        let (px_w, _) = chart.plotting_area().dim_in_pixel();
        let cap = x_span / px_w.max(1) as f64 * 6.0;
        for p in &self.points {
            let (Some(lo), Some(hi)) = (p.lower, p.upper) else {
                continue;
            };
            let style = colour(p.colour).mix(0.8).stroke_width(2);
            error_bar(chart, p.outlay, (lo, hi), [true, true], cap, style)?;
        }
        for (k, p) in self.points.iter().enumerate() {
            let same = self.points[..k]
                .iter()
                .filter(|q| q.outlay == p.outlay && q.p == p.p)
                .count() as i32;
            let r = (7 - 2 * same).max(3);
            let col = colour(p.colour);
            let at = (p.outlay, p.p);
            if p.frontier {
                chart.draw_series(std::iter::once(Circle::new(at, r, col.filled())))?;
            } else {
                chart.draw_series(std::iter::once(Circle::new(at, r, WHITE.filled())))?;
                chart.draw_series(std::iter::once(Circle::new(at, r - 1, col.stroke_width(2))))?;
            }
            let (cx, cy) = chart.backend_coord(&at);
            obstacles.push(Rect::around(cx, cy, 9, 9));
            if let (Some(lo), Some(hi)) = (p.lower, p.upper) {
                let (_, top) = chart.backend_coord(&(p.outlay, hi));
                let (_, bottom) = chart.backend_coord(&(p.outlay, lo));
                obstacles.push(Rect {
                    x0: cx - 7,
                    y0: top - 2,
                    x1: cx + 7,
                    y1: bottom + 2,
                });
            }
        }
        Ok(())
    }

    /// Labels: frontier first, then (with few settings) the others; one per place, naming
    /// every setting there.
    fn label_points<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        chart: &mut Chart<'_, DB>,
        obstacles: &mut Vec<Rect>,
    ) -> Result<(), DrawFail> {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let bounds = Rect {
            x0: xr.start + 2,
            y0: yr.start + 2,
            x1: xr.end - 2,
            y1: yr.end - 2,
        };
        let style = text(TICK_SIZE, INK);
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&self.points[a], &self.points[b]);
            pb.frontier
                .cmp(&pa.frontier)
                .then(pa.outlay.total_cmp(&pb.outlay))
        });
        let mut done: Vec<(f64, f64)> = Vec::new();
        let mut labels: Vec<Rect> = Vec::new();
        let mut left_out: Vec<String> = Vec::new();
        for k in order {
            let p = &self.points[k];
            if done.contains(&(p.outlay, p.p)) || !(p.frontier || self.label_all()) {
                continue;
            }
            done.push((p.outlay, p.p));
            let mut names: Vec<&str> = Vec::new();
            for q in &self.points {
                if q.outlay == p.outlay && q.p == p.p && !names.contains(&q.label.as_str()) {
                    names.push(&q.label);
                }
            }
            let s = names.join("; ");
            let size = text_size(cell, &s, &style);
            let spots = around(chart.backend_coord(&(p.outlay, p.p)), &POINT_SPOTS);
            match place_clear(&spots, size, obstacles, &labels, &bounds, p.frontier) {
                Some((k, rect)) => {
                    obstacles.push(rect);
                    labels.push(rect);
                    let (dx, dy, h, v) = spots[k].1;
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((p.outlay, p.p))
                            + Text::new(s, (dx, dy), anchored(TICK_SIZE, INK, h, v)),
                    ))?;
                }
                None if p.frontier => left_out.push(s),
                None => {}
            }
        }
        if !left_out.is_empty() {
            // frontier labels that found no room clear of the others: gathered in a note
            let area = chart.plotting_area().strip_coord_spec();
            let note = gathered_note(&left_out);
            area.draw(&Text::new(
                note,
                (8, 8),
                anchored(TICK_SIZE, MUTED, HPos::Left, VPos::Top),
            ))?;
        }
        Ok(())
    }

    /// The heading of a half, with a second, smaller line; returns the area below it, which
    /// starts `overlap` pixels before the heading's room ends.
    fn heading<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        title: &str,
        note: &str,
        overlap: u32,
    ) -> Result<DrawingArea<DB, Shift>, DrawFail> {
        let (w, _) = area.dim_in_pixel();
        let cx = w as i32 / 2;
        area.draw(&Text::new(
            title.to_string(),
            (cx, 2),
            anchored(PANEL_TITLE_SIZE, INK, HPos::Center, VPos::Top),
        ))?;
        if !note.is_empty() {
            area.draw(&Text::new(
                note.to_string(),
                (cx, 28),
                anchored(TICK_SIZE, MUTED, HPos::Center, VPos::Top),
            ))?;
        }
        Ok(area.split_vertically(HEADING_H - overlap).1)
    }
}

impl Picture for CostPicture<'_> {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = grid_shape(self.dots.arr.panels.len());
        let left = (cols as u32 * MIN_PANEL_W).max(LEFT_W);
        let w = left + SCATTER_W + LEGEND_W;
        let h = PICTURE_SIZE
            .1
            .max(rows as u32 * MIN_PANEL_H + HEADER_H + HEADING_H);
        (w, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let title = match self.run.sweep.params.first() {
            Some(p) => format!("What a graduation costs the host, by {}", lower_name(p)),
            None => "What a graduation costs the host".to_string(),
        };
        let notes = [self.run.trials_note(), self.dots.arr.note()];
        let subtitle = subtitle(
            "host outlay: facilitation spend plus operating shortfall paid by the host; £k = thousands of pounds; bars: 95% intervals",
            &notes,
        );
        let body = draw_title(root, &title, Some(&subtitle))?;
        let blocks = self.legend_blocks();
        let (left, right, legend) = self.halves(&body, &blocks);
        self.draw_left(&left, legend.is_some())?;
        self.draw_right(&right)?;
        if let Some(area) = legend {
            let (w, _) = area.dim_in_pixel();
            let width = w.saturating_sub(12);
            let mut y = 20 + HEADING_H as i32;
            for (t, entries) in &blocks {
                y += draw_legend(&area, (4, y), width, *t, entries)? + 26;
            }
        }
        Ok(())
    }
}

impl CostPicture<'_> {
    /// The left half, the right half and the legend column (if there is room for it).
    #[allow(clippy::type_complexity)]
    fn halves<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        blocks: &[(Option<&'static str>, Vec<LegendEntry>)],
    ) -> (
        DrawingArea<DB, Shift>,
        DrawingArea<DB, Shift>,
        Option<DrawingArea<DB, Shift>>,
    ) {
        let legend_w = blocks
            .iter()
            .map(|(t, e)| legend_width(body, *t, e, LEGEND_W))
            .max()
            .unwrap_or(0);
        let (bw, _) = body.dim_in_pixel();
        let (main, legend) = if legend_w > 0 && legend_w + 600 < bw {
            let (m, l) = body.split_horizontally(bw - legend_w);
            (m, Some(l))
        } else {
            (body.clone(), None)
        };
        let (mw, _) = main.dim_in_pixel();
        let (_, cols) = grid_shape(self.dots.arr.panels.len());
        let left_min = (cols as u32 * MIN_PANEL_W).max(LEFT_W);
        let right_w = (mw as u64 * SCATTER_W as u64 / (left_min + SCATTER_W) as u64) as u32;
        let (left, right) = main.split_horizontally(mw.saturating_sub(right_w));
        (left, right, legend)
    }

    /// Outlay per graduation against the first parameter, in small multiples if need be.
    fn draw_left<DB: DrawingBackend>(
        &self,
        left: &DrawingArea<DB, Shift>,
        has_legend: bool,
    ) -> Result<(), DrawFail> {
        let note = match self.run.sweep.params.first() {
            Some(p) => format!("against {}", with_unit(p)),
            None => String::new(),
        };
        let left = Self::heading(left, "What each graduation costs the host", &note, 0)?;
        let inset = self.dots.has_lines() && (self.dots.arr.shared_legend.is_none() || !has_legend);
        let panels = &self.dots.arr.panels;
        let titles: Vec<Option<&str>> = panels.iter().map(|p| p.title.as_deref()).collect();
        // the legend is drawn beside both halves, by the caller
        draw_grid(&left, &titles, None, |k, cell, slot, _| {
            self.dots
                .draw_panel(cell, &panels[k], slot, inset, &self.per_graduate)
        })
    }

    /// The cost-effectiveness plane under its heading.
    fn draw_right<DB: DrawingBackend>(
        &self,
        right: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawFail> {
        let note = if self.run.sweep.params.is_empty() {
            "nothing swept: a single setting, so nothing to compare".to_string()
        } else if self.label_names.is_empty() {
            String::new()
        } else {
            let names = self.label_names.join(", ");
            if self.label_all() {
                format!("dots labelled with {names}")
            } else {
                format!("frontier dots labelled with {names}")
            }
        };
        // the plane's top margin holds the rays' amounts: start it higher, so that both
        // plots line up
        let right = Self::heading(
            right,
            "What the outlay buys",
            &note,
            SCATTER_TOP - PANEL_TOP,
        )?;
        self.draw_scatter(&right)
    }
}

/// Each ray's amount just outside the plot where it ends (above it or to its right), unless
/// it would run into the previous one.
fn label_rays<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    chart: &Chart<'_, DB>,
    rays: &[Ray],
) -> Result<(), DrawFail> {
    let (base_x, base_y) = cell.get_base_pixel();
    let ray_style = text(TICK_SIZE - 1.0, RAY_TEXT);
    let mut taken: Vec<Rect> = Vec::new();
    for &(c, end) in rays {
        let s = format!("£{}k", fmt_tick(c));
        let size = text_size(cell, &s, &ray_style);
        let (px, py) = chart.backend_coord(&end);
        let (px, py) = (px - base_x, py - base_y);
        let spot: Spot = if end.1 >= 1.0 {
            (0, -5, HPos::Center, VPos::Bottom)
        } else {
            (5, 0, HPos::Left, VPos::Center)
        };
        let b = label_box((px, py), size, &spot);
        if taken.iter().any(|t| t.overlap(&b) > 0) {
            continue;
        }
        taken.push(b);
        cell.draw(&Text::new(
            s,
            (px + spot.0, py + spot.1),
            anchored(TICK_SIZE - 1.0, RAY_TEXT, spot.2, spot.3),
        ))?;
    }
    Ok(())
}

/// Outlay per graduation with the range implied by the Wilson interval of P(graduate), with
/// values beyond [`OFF_CHART`] times the lowest drawn above the axis; `rings`: the lowest and
/// those as low within noise ([`cheapest`]).
fn per_graduate_measure(run: &RunData, rings: Option<(usize, Vec<usize>, bool)>) -> Measure {
    let rows = per_graduate(run);
    let values: Vec<f64> = rows.iter().filter_map(|e| e.value).collect();
    let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
    let limit = if lowest > 0.0 {
        lowest * OFF_CHART
    } else {
        f64::INFINITY
    };
    let top = values
        .iter()
        .copied()
        .filter(|v| *v <= limit)
        .fold(0.0, f64::max);
    let y_max = if top > 0.0 {
        nice_max(top * 1.15, 0.0)
    } else {
        1.0
    };
    Measure {
        rings: rings.map(|(lowest, equivalent, _)| Rings { lowest, equivalent }),
        rows,
        y_max,
        y_desc: PER_GRADUATE_DESC.to_string(),
        fmt: fmt_k,
        describe: |e| match e.value {
            Some(v) => format!("{} per graduation", fmt_k(v)),
            None => String::new(),
        },
        missing: Some("no graduations"),
    }
}

/// The settings as points of the plane, and the parameters their labels give values of.
/// Colours are those of the lines on the left; a label gives the values the colour does not.
fn scatter_points(run: &RunData, dots: &SweepDots<'_>) -> (Vec<Point>, Vec<String>) {
    let params = &run.sweep.params;
    let placement = dots.placement();
    let values = |i: usize| run.sweep.values_of(run.summary[i].variant).unwrap_or(&[]);
    // which parameters the colour stands for
    let coloured: Vec<usize> = if params.len() < 2 || dots.arr.shared_legend.is_none() {
        Vec::new()
    } else if dots.arr.panels.len() == 1 {
        (1..params.len()).collect()
    } else {
        // small multiples: one parameter's values have one colour each
        (1..params.len())
            .find(|&k| {
                (0..run.summary.len()).all(|a| {
                    (0..run.summary.len()).all(|b| {
                        (values(a).get(k) == values(b).get(k)) == (placement[a].1 == placement[b].1)
                    })
                })
            })
            .into_iter()
            .collect()
    };
    let named: Vec<usize> = (0..params.len())
        .filter(|k| !coloured.contains(k))
        .collect();
    let colours_mean_something = !coloured.is_empty();
    let mut points: Vec<Point> = Vec::new();
    for (i, r) in run.summary.iter().enumerate() {
        let (Some(outlay), Some(p)) = (r.cost.and_then(|c| c.outlay()), r.p) else {
            continue;
        };
        let label = if params.is_empty() {
            let mut s = "all trials".to_string();
            if let Some(g) = r.cost.and_then(|c| c.per_graduate) {
                s.push_str(&format!(": {} per graduation", fmt_k(g)));
            }
            s.push_str(&format!(", P(graduate) = {}", fmt_prob(p)));
            s
        } else {
            named
                .iter()
                .map(|&k| {
                    values(i)
                        .get(k)
                        .map_or(String::new(), |v| value_text(&params[k], v))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        points.push(Point {
            outlay,
            p,
            lower: r.lower,
            upper: r.upper,
            colour: if colours_mean_something {
                placement[i].1
            } else {
                0
            },
            label,
            frontier: false,
        });
    }
    let places: Vec<(f64, f64)> = points.iter().map(|p| (p.outlay, p.p)).collect();
    for (p, on) in points.iter_mut().zip(frontier(&places)) {
        p.frontier = on;
    }
    let names = named.iter().map(|&k| lower_name(&params[k])).collect();
    (points, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_thousands_of_pounds() {
        assert_eq!(fmt_k(34.541), "£34.5k");
        assert_eq!(fmt_k(3.4541), "£3.45k");
        assert_eq!(fmt_k(0.0), "£0.0k");
        assert_eq!(fmt_k(1234.5), "£1234k");
    }
}
