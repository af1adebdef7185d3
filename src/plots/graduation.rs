//! `graduation` (P(graduate) with Wilson intervals against the first swept parameter) and
//! `graduation_heatmap` (P(graduate) over the first two swept parameters).
//!
//! The dots-against-the-first-parameter panel ([`SweepDots`]) is shared with the `cost`
//! picture, which draws the host's outlay per graduation the same way ([`Measure`] says what
//! the y axis shows).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::arrange::{Arrangement, Panel, arrange, label, with_unit};
use super::data::{RunData, SummaryRow};
use super::layout::{
    Axis, KeyAxis, LEGEND_W, Rect, Spot, canvas_size, edges, place, segment_boxes, split_panels,
};
use super::style::{
    AXIS_DESC_SIZE, GRID, INK, LEGEND_SIZE, LegendEntry, MUTED, PALETTE, PANEL_TITLE_SIZE, Swatch,
    TICK_SIZE, anchored, colour, draw_inset_legend, draw_legend, draw_title, fmt_prob, fmt_tick,
    ink_on, legend_width, text, text_size, viridis,
};
use super::{DrawFail, Picture};

const MAX_SERIES: usize = 8;
const Y_DESC: &str = "P(graduate)";

/// A line of a [`SweepDots`] panel: the variants sharing the values of all swept parameters
/// but the first.
struct Series {
    /// Indices into `RunData::summary`.
    rows: Vec<usize>,
}

/// A value drawn as a dot with its interval; any of the three may be missing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Estimate {
    pub(crate) value: Option<f64>,
    pub(crate) lower: Option<f64>,
    pub(crate) upper: Option<f64>,
}

/// What the y axis of a [`SweepDots`] panel shows.
pub(crate) struct Measure {
    /// One estimate per row of `RunData::summary`.
    pub(crate) rows: Vec<Estimate>,
    /// The y axis runs from 0 to this; intervals reaching beyond it are cut off at the top
    /// (and drawn without a cap there).
    pub(crate) y_max: f64,
    /// The y axis title.
    pub(crate) y_desc: String,
    /// A value as written next to its dot.
    pub(crate) fmt: fn(f64) -> String,
    /// The text next to the lone dot of a run without a sweep.
    pub(crate) describe: fn(&Estimate) -> String,
    /// Where a variant has no value: a cross in its colour just above the x axis and, where
    /// no line of the panel has a value, this text above it. `None`: such variants are left
    /// out silently.
    pub(crate) missing: Option<&'static str>,
    /// Rings the lowest value of each panel and writes it next to its dot.
    pub(crate) mark_lowest: bool,
}

impl Measure {
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
            y_desc: Y_DESC.to_string(),
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
}

/// The variants of a run as dots against the first swept parameter (numeric or categorical),
/// one line per combination of the other swept parameters, spread over small multiples when
/// there are more than eight lines. Without a sweep, one dot per summary row.
pub(crate) struct SweepDots<'a> {
    run: &'a RunData,
    x: Axis,
    series: Vec<Series>,
    pub(crate) arr: Arrangement,
}

impl<'a> SweepDots<'a> {
    pub(crate) fn new(run: &'a RunData) -> Self {
        let params = &run.sweep.params;
        let values_of = |r: &SummaryRow| run.sweep.values_of(r.variant).unwrap_or(&[]);
        if params.is_empty() {
            // no sweep: one point per row (normally one)
            let labels: Vec<String> = run
                .summary
                .iter()
                .map(|r| {
                    if run.summary.len() == 1 {
                        "all trials".to_string()
                    } else {
                        format!("variant {}", r.variant)
                    }
                })
                .collect();
            let x = Axis {
                values: labels,
                numbers: None,
            };
            let series = vec![Series {
                rows: (0..run.summary.len()).collect(),
            }];
            let arr = arrange(&[], &[vec![]], &["all trials".to_string()], 1, 1);
            return SweepDots {
                run,
                x,
                series,
                arr,
            };
        }
        let x = Axis::new(
            run.summary
                .iter()
                .map(|r| values_of(r).first().map_or("", String::as_str)),
            true,
        );
        let other = &params[1..];
        let mut keys: Vec<Vec<String>> = Vec::new();
        let mut series: Vec<Series> = Vec::new();
        for (i, r) in run.summary.iter().enumerate() {
            let key: Vec<String> = values_of(r).iter().skip(1).cloned().collect();
            match keys.iter().position(|k| *k == key) {
                Some(s) => series[s].rows.push(i),
                None => {
                    keys.push(key);
                    series.push(Series { rows: vec![i] });
                }
            }
        }
        let labels: Vec<String> = keys.iter().map(|k| label(other, k)).collect();
        let arr = arrange(other, &keys, &labels, MAX_SERIES, PALETTE.len());
        SweepDots {
            run,
            x,
            series,
            arr,
        }
    }

    /// Whether there are lines to tell apart (two or more swept parameters).
    pub(crate) fn has_lines(&self) -> bool {
        self.run.sweep.params.len() >= 2
    }

    /// The entries of the legend shared by all panels, when there is one and lines to tell
    /// apart.
    pub(crate) fn shared_legend(&self) -> Option<Vec<LegendEntry>> {
        self.arr
            .shared_legend
            .as_ref()
            .filter(|_| self.has_lines())
            .map(|l| {
                l.iter()
                    .map(|(c, s)| LegendEntry::new(Swatch::Point(colour(*c)), s.clone()))
                    .collect()
            })
    }

    /// For each row of `RunData::summary`: the panel it is drawn in and its palette index.
    pub(crate) fn placement(&self) -> Vec<(usize, usize)> {
        let mut out = vec![(0, 0); self.run.summary.len()];
        for (k, panel) in self.arr.panels.iter().enumerate() {
            for m in &panel.members {
                for &i in &self.series[m.item].rows {
                    out[i] = (k, m.colour);
                }
            }
        }
        out
    }

    fn x_value(&self, r: &SummaryRow) -> &'a str {
        if self.run.sweep.params.is_empty() {
            ""
        } else {
            self.run
                .sweep
                .values_of(r.variant)
                .and_then(|v| v.first())
                .map_or("", String::as_str)
        }
    }

    /// (x position, summary row index) of a series, in x order.
    fn points(&self, s: &Series) -> Vec<(f64, usize)> {
        let mut pts: Vec<(f64, usize)> = s
            .rows
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let x = if self.run.sweep.params.is_empty() {
                    k as f64
                } else {
                    self.x.position(self.x_value(&self.run.summary[i]))
                };
                (x, i)
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts
    }

    /// Draws one panel: dots with interval bars, one line per member, against the first
    /// swept parameter; `(bottom, left)` say which axis titles the panel carries.
    pub(crate) fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        panel: &Panel,
        (bottom, left): (bool, bool),
        inset_legend: bool,
        m: &Measure,
    ) -> Result<(), DrawFail> {
        let no_sweep = self.run.sweep.params.is_empty();
        let (x0, x1) = self.x.range();
        let y_max = if m.y_max.is_finite() && m.y_max > 0.0 {
            m.y_max
        } else {
            1.0
        };
        let mut builder = ChartBuilder::on(cell);
        builder
            .margin(12)
            .margin_right(28)
            .x_label_area_size(62)
            .y_label_area_size(if left { 80 } else { 50 });
        if let Some(t) = &panel.title {
            builder.caption(t, text(PANEL_TITLE_SIZE, INK));
        }
        let x_desc = if no_sweep || !bottom {
            String::new()
        } else {
            with_unit(&self.run.sweep.params[0])
        };
        let y_desc = if left { m.y_desc.as_str() } else { "" };

        let categorical = self.x.numbers.is_none();
        let key_points: Vec<f64> = if categorical {
            // thin out the labels if they would overlap
            let (w, _) = cell.dim_in_pixel();
            let style = text(TICK_SIZE, INK);
            let widest = self
                .x
                .values
                .iter()
                .map(|v| text_size(cell, v, &style).0)
                .max()
                .unwrap_or(10)
                + 16;
            let room = w.saturating_sub(120).max(1);
            let every = (widest as usize * self.x.values.len())
                .div_ceil(room as usize)
                .max(1);
            (0..self.x.values.len())
                .step_by(every)
                .map(|i| i as f64)
                .collect()
        } else {
            Vec::new()
        };
        let values = self.x.values.clone();
        let cat_fmt = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                values.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let est = |i: usize| m.rows.get(i).copied().unwrap_or_default();
        // the lowest value of the panel, ringed
        let lowest: Option<usize> = if m.mark_lowest {
            panel
                .members
                .iter()
                .flat_map(|mem| self.series[mem.item].rows.iter().copied())
                .filter_map(|i| est(i).value.map(|v| (i, v)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
        } else {
            None
        };

        // draws everything after the mesh; generic over the x coordinate type
        macro_rules! finish {
            ($chart:expr) => {{
                let chart = $chart;
                let (pw, ph) = chart.plotting_area().dim_in_pixel();
                let cap = (x1 - x0) / pw.max(1) as f64 * 7.0;
                let n = panel.members.len();
                let dodge = if n > 1 {
                    (self.x.min_gap() * 0.5 / n as f64).min(if categorical {
                        0.1
                    } else {
                        f64::MAX
                    })
                } else {
                    0.0
                };
                // values are written next to the dots when there is room for them
                let annotate = n == 1 && self.x.min_gap() / (x1 - x0) * pw as f64 >= 70.0;
                // a label above a point this close to the top goes to its right instead
                let near_top = y_max * (1.0 - 28.0 / ph.max(1) as f64);
                let mut missing_at: Vec<(f64, bool)> = Vec::new();
                // what a label of the lowest value must keep clear of (pixels), and that label
                let mut obstacles: Vec<Rect> = Vec::new();
                let mut lowest_label: Option<(f64, f64, f64, f64, String)> = None;
                for (j, mem) in panel.members.iter().enumerate() {
                    let col = colour(mem.colour);
                    let shift = (j as f64 - (n as f64 - 1.0) / 2.0) * dodge;
                    let pts = self.points(&self.series[mem.item]);
                    // the line, broken where a value is missing or above the axis
                    let line_pts: Vec<(f64, Option<f64>)> = pts
                        .iter()
                        .map(|&(x, i)| (x + shift, est(i).value))
                        .collect();
                    for line in clipped_lines(&line_pts, y_max) {
                        if !categorical || n > 1 {
                            for w in line.windows(2) {
                                let (a, b) =
                                    (chart.backend_coord(&w[0]), chart.backend_coord(&w[1]));
                                segment_boxes(a, b, &mut obstacles);
                            }
                        }
                        // categories have no order: there, faint lines only help to follow a series
                        if !categorical {
                            chart.draw_series(LineSeries::new(line, col.stroke_width(2)))?;
                        } else if n > 1 {
                            chart.draw_series(LineSeries::new(
                                line,
                                col.mix(0.45).stroke_width(1),
                            ))?;
                        }
                    }
                    for &(x, i) in &pts {
                        let x = x + shift;
                        let e = est(i);
                        if let Some(v) = e.value.filter(|v| *v <= y_max) {
                            let (cx, cy) = chart.backend_coord(&(x, v));
                            obstacles.push(Rect::around(cx, cy, 8, 8));
                        }
                        if let (Some(lo), Some(hi)) = (e.lower, e.upper) {
                            let (lo, hi) = (lo.clamp(0.0, y_max), hi.clamp(0.0, y_max));
                            let (bx, top) = chart.backend_coord(&(x, hi));
                            let (_, bottom) = chart.backend_coord(&(x, lo));
                            obstacles.push(Rect {
                                x0: bx - 8,
                                y0: top - 2,
                                x1: bx + 8,
                                y1: bottom + 2,
                            });
                            let st = col.stroke_width(2);
                            chart.draw_series(std::iter::once(PathElement::new(
                                vec![(x, lo), (x, hi)],
                                st,
                            )))?;
                            for (y, end) in [(lo, e.lower), (hi, e.upper)] {
                                // no cap where the interval runs off the axis
                                if end.is_some_and(|v| v > y_max) {
                                    continue;
                                }
                                chart.draw_series(std::iter::once(PathElement::new(
                                    vec![(x - cap, y), (x + cap, y)],
                                    st,
                                )))?;
                            }
                        }
                    }
                    chart.draw_series(pts.iter().filter_map(|&(x, i)| {
                        est(i)
                            .value
                            .filter(|v| *v <= y_max)
                            .map(|v| Circle::new((x + shift, v), 6, col.filled()))
                    }))?;
                    // values above the axis: an arrow at the top, with the value beside it
                    for &(x, i) in &pts {
                        let Some(v) = est(i).value.filter(|v| *v > y_max) else {
                            continue;
                        };
                        chart.draw_series(std::iter::once(
                            EmptyElement::at((x + shift, y_max))
                                + TriangleMarker::new((0, 7), 7, col.filled())
                                + Text::new(
                                    (m.fmt)(v),
                                    (10, 7),
                                    anchored(TICK_SIZE, INK, HPos::Left, VPos::Center),
                                ),
                        ))?;
                    }
                    if m.missing.is_some() {
                        for &(x, i) in &pts {
                            let has = est(i).value.is_some();
                            match missing_at.iter_mut().find(|(mx, _)| *mx == x) {
                                Some((_, any)) => *any |= has,
                                None => missing_at.push((x, has)),
                            }
                            if !has {
                                chart.draw_series(std::iter::once(
                                    EmptyElement::at((x + shift, 0.0))
                                        + Cross::new((0, -9), 5, col.stroke_width(2)),
                                ))?;
                            }
                        }
                    }
                    for &(x, i) in &pts {
                        let e = est(i);
                        let Some(v) = e.value.filter(|v| *v <= y_max) else {
                            continue;
                        };
                        let is_lowest = lowest == Some(i);
                        if is_lowest {
                            chart.draw_series(std::iter::once(Circle::new(
                                (x + shift, v),
                                10,
                                INK.stroke_width(2),
                            )))?;
                        }
                        if !(annotate || is_lowest) {
                            continue;
                        }
                        let top = e.upper.unwrap_or(v).max(v);
                        if is_lowest && !annotate && !no_sweep {
                            // placed once everything it must keep clear of is known
                            let s = format!("lowest: {}", (m.fmt)(v));
                            let bottom = e.lower.unwrap_or(v).min(v).max(0.0);
                            lowest_label = Some((x + shift, v, top.min(y_max), bottom, s));
                            continue;
                        }
                        let s = if no_sweep {
                            (m.describe)(&e)
                        } else {
                            (m.fmt)(v)
                        };
                        // above the interval's upper end, clear of the line and the dot;
                        // to the right of the dot when that is too close to the top
                        let element = if top >= near_top {
                            EmptyElement::at((x + shift, v))
                                + Text::new(
                                    s,
                                    (if is_lowest { 14 } else { 10 }, 0),
                                    anchored(TICK_SIZE, INK, HPos::Left, VPos::Center),
                                )
                        } else {
                            EmptyElement::at((x + shift, top))
                                + Text::new(
                                    s,
                                    (4, if is_lowest { -10 } else { -6 }),
                                    anchored(TICK_SIZE, INK, HPos::Left, VPos::Bottom),
                                )
                        };
                        chart.draw_series(std::iter::once(element))?;
                    }
                }
                if let Some((x, v, top, bottom, s)) = lowest_label {
                    let (xr, yr) = chart.plotting_area().get_pixel_range();
                    let bounds = Rect {
                        x0: xr.start + 2,
                        y0: yr.start + 2,
                        x1: xr.end - 2,
                        y1: yr.end - 2,
                    };
                    // right or left of the dot, above the interval, below it
                    let spots: [(f64, Spot); 6] = [
                        (v, (15, 0, HPos::Left, VPos::Center)),
                        (v, (-15, 0, HPos::Right, VPos::Center)),
                        (top, (4, -8, HPos::Left, VPos::Bottom)),
                        (top, (-4, -8, HPos::Right, VPos::Bottom)),
                        (bottom, (4, 8, HPos::Left, VPos::Top)),
                        (bottom, (-4, 8, HPos::Right, VPos::Top)),
                    ];
                    let candidates: Vec<((i32, i32), Spot)> = spots
                        .iter()
                        .map(|&(y, spot)| (chart.backend_coord(&(x, y)), spot))
                        .collect();
                    let size = text_size(cell, &s, &text(TICK_SIZE, INK));
                    if let Some((k, _)) = place(&candidates, size, &obstacles, &bounds, true) {
                        let (y, (dx, dy, h, vp)) = spots[k];
                        chart.draw_series(std::iter::once(
                            EmptyElement::at((x, y))
                                + Text::new(s, (dx, dy), anchored(TICK_SIZE, INK, h, vp)),
                        ))?;
                    }
                }
                if let Some(note) = m.missing {
                    // written upwards above the crosses where no line has a value
                    let style = text(TICK_SIZE, MUTED)
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Left, VPos::Center));
                    for (x, any) in missing_at {
                        if !any {
                            chart.draw_series(std::iter::once(
                                EmptyElement::at((x, 0.0))
                                    + Text::new(note.to_string(), (0, -20), style.clone()),
                            ))?;
                        }
                    }
                }
                if inset_legend {
                    let entries: Vec<LegendEntry> = panel
                        .members
                        .iter()
                        .map(|mem| {
                            LegendEntry::new(Swatch::Point(colour(mem.colour)), mem.label.clone())
                        })
                        .collect();
                    let area = chart.plotting_area().strip_coord_spec();
                    draw_inset_legend(&area, true, &entries)?;
                }
            }};
        }

        if categorical {
            let mut chart =
                builder.build_cartesian_2d(KeyAxis::new(x0, x1, key_points), 0.0..y_max)?;
            chart
                .configure_mesh()
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(INK)
                .label_style(text(TICK_SIZE, INK))
                .axis_desc_style(text(AXIS_DESC_SIZE, INK))
                .x_desc(x_desc)
                .y_desc(y_desc)
                .y_labels(6)
                .x_label_formatter(&cat_fmt)
                .y_label_formatter(&|v| fmt_tick(*v))
                .draw()?;
            finish!(&mut chart);
        } else {
            let mut chart = builder.build_cartesian_2d(x0..x1, 0.0..y_max)?;
            chart
                .configure_mesh()
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(INK)
                .label_style(text(TICK_SIZE, INK))
                .axis_desc_style(text(AXIS_DESC_SIZE, INK))
                .x_desc(x_desc)
                .y_desc(y_desc)
                .x_labels(8)
                .y_labels(6)
                .x_label_formatter(&|v| fmt_tick(*v))
                .y_label_formatter(&|v| fmt_tick(*v))
                .draw()?;
            finish!(&mut chart);
        }
        Ok(())
    }
}

/// The polylines through `pts` (x, value), broken where a value is missing or lies above
/// the axis at `y_max` (such a point is drawn on its own, as an arrow at the top).
fn clipped_lines(pts: &[(f64, Option<f64>)], y_max: f64) -> Vec<Vec<(f64, f64)>> {
    let mut lines: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, v) in pts {
        match v.filter(|y| *y <= y_max) {
            Some(y) => lines.last_mut().unwrap().push((x, y)),
            None => lines.push(Vec::new()),
        }
    }
    lines.retain(|l| l.len() > 1);
    lines
}

/// P(graduate) with its Wilson interval against the first swept parameter.
pub(crate) struct GraduationPicture<'a> {
    run: &'a RunData,
    dots: SweepDots<'a>,
    measure: Measure,
}

impl<'a> GraduationPicture<'a> {
    pub(crate) fn new(run: &'a RunData) -> Self {
        GraduationPicture {
            run,
            dots: SweepDots::new(run),
            measure: Measure::p_graduate(run),
        }
    }
}

impl Picture for GraduationPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.dots.arr.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let params = &self.run.sweep.params;
        let title = match params.first() {
            Some(p) => format!("Probability of graduating, by {p}"),
            None => "Probability of graduating".to_string(),
        };
        let mut subtitle =
            "dots: share of trials that graduated; bars: 95% Wilson interval".to_string();
        if let Some(n) = self.run.trials_note() {
            subtitle.push_str("; ");
            subtitle.push_str(&n);
        }
        let body = draw_title(root, &title, Some(&subtitle))?;
        // a legend is only needed when there are lines to tell apart
        let entries = self.dots.shared_legend();
        let legend_w = entries
            .as_ref()
            .map(|e| legend_width(&body, None, e, LEGEND_W));
        let arr = &self.dots.arr;
        let n = arr.panels.len();
        let (cells, legend_area) = split_panels(&body, n, legend_w);
        for (k, (panel, cell)) in arr.panels.iter().zip(&cells).enumerate() {
            let inset =
                self.dots.has_lines() && (arr.shared_legend.is_none() || legend_area.is_none());
            self.dots
                .draw_panel(cell, panel, edges(k, n), inset, &self.measure)?;
        }
        if let (Some(area), Some(entries)) = (legend_area, entries) {
            let (w, _) = area.dim_in_pixel();
            draw_legend(&area, (4, 20), w.saturating_sub(12), None, &entries)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Heat map

pub(crate) struct HeatmapPicture<'a> {
    run: &'a RunData,
    x: Axis,
    y: Axis,
    /// Panel title (values of the third and later parameters) and the summary rows in it.
    panels: Vec<(Option<String>, Vec<usize>)>,
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
        let x = Axis::new(run.summary.iter().map(|r| get(r, 0)), true);
        let y = Axis::new(run.summary.iter().map(|r| get(r, 1)), true);
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
        Some(HeatmapPicture { run, x, y, panels })
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        title: Option<&str>,
        rows: &[usize],
        (bottom, left): (bool, bool),
    ) -> Result<bool, DrawFail> {
        let params = &self.run.sweep.params;
        let (nx, ny) = (self.x.values.len(), self.y.values.len());
        let y_label_w = self
            .y
            .values
            .iter()
            .map(|v| text_size(cell, v, &text(TICK_SIZE, INK)).0)
            .max()
            .unwrap_or(20);
        let mut builder = ChartBuilder::on(cell);
        builder
            .margin(12)
            .margin_right(20)
            .x_label_area_size(62)
            .y_label_area_size(y_label_w + if left { 50 } else { 20 });
        if let Some(t) = title {
            builder.caption(t, text(PANEL_TITLE_SIZE, INK));
        }
        let xs: Vec<f64> = (0..nx).map(|i| i as f64).collect();
        let ys: Vec<f64> = (0..ny).map(|i| i as f64).collect();
        let mut chart = builder.build_cartesian_2d(
            KeyAxis::new(-0.5, nx as f64 - 0.5, xs),
            KeyAxis::new(-0.5, ny as f64 - 0.5, ys),
        )?;
        let xv = self.x.values.clone();
        let yv = self.y.values.clone();
        let fmt_x = move |v: &f64| {
            xv.get(v.round().max(0.0) as usize)
                .cloned()
                .unwrap_or_default()
        };
        let fmt_y = move |v: &f64| {
            yv.get(v.round().max(0.0) as usize)
                .cloned()
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(INK)
            .label_style(text(TICK_SIZE, INK))
            .axis_desc_style(text(AXIS_DESC_SIZE, INK))
            .x_desc(if bottom {
                with_unit(&params[0])
            } else {
                String::new()
            })
            .y_desc(if left {
                with_unit(&params[1])
            } else {
                String::new()
            })
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&fmt_y)
            .draw()?;

        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let cw = pw as f64 / nx.max(1) as f64;
        let ch = ph as f64 / ny.max(1) as f64;
        let size = (ch * 0.3).min(cw * 0.2).min(26.0);
        let small = size * 0.68;
        let two_lines = ch >= size * 3.2 && small >= 10.0;

        let mut grid: Vec<Option<&SummaryRow>> = vec![None; nx * ny];
        for &i in rows {
            let r = &self.run.summary[i];
            let v = self.run.sweep.values_of(r.variant).unwrap_or(&[]);
            let (Some(a), Some(b)) = (v.first(), v.get(1)) else {
                continue;
            };
            grid[self.y.index_of(b) * nx + self.x.index_of(a)] = Some(r);
        }
        let mut missing = false;
        for j in 0..ny {
            for i in 0..nx {
                let (xf, yf) = (i as f64, j as f64);
                let corners = [(xf - 0.5, yf - 0.5), (xf + 0.5, yf + 0.5)];
                let p = grid[j * nx + i].and_then(|r| r.p);
                let bg = match p {
                    Some(p) => viridis(p),
                    None => {
                        missing = true;
                        RGBColor(235, 235, 235)
                    }
                };
                chart.draw_series(std::iter::once(Rectangle::new(corners, bg.filled())))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    corners,
                    WHITE.stroke_width(2),
                )))?;
                if size < 10.0 {
                    continue;
                }
                let ink = ink_on(bg);
                let (main, sub) = match (p, grid[j * nx + i]) {
                    (Some(p), Some(r)) => (
                        fmt_prob(p),
                        match (r.lower, r.upper) {
                            (Some(lo), Some(hi)) => {
                                Some(format!("{} to {}", fmt_prob(lo), fmt_prob(hi)))
                            }
                            _ => None,
                        },
                    ),
                    _ => ("no data".to_string(), None),
                };
                let (main_dy, sub) = if two_lines && sub.is_some() {
                    (-(small as i32) / 2 - 2, sub)
                } else {
                    (0, None)
                };
                chart.draw_series(std::iter::once(
                    EmptyElement::at((xf, yf))
                        + Text::new(
                            main,
                            (0, main_dy),
                            anchored(size, ink, HPos::Center, VPos::Center),
                        ),
                ))?;
                if let Some(s) = sub {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((xf, yf))
                            + Text::new(
                                s,
                                (0, (size as i32) / 2 + 4),
                                anchored(small, ink, HPos::Center, VPos::Center),
                            ),
                    ))?;
                }
            }
        }
        Ok(missing)
    }
}

impl Picture for HeatmapPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let params = &self.run.sweep.params;
        let title = format!(
            "Probability of graduating, by {} and {}",
            params[0], params[1]
        );
        let mut subtitle = "each cell: share of trials that graduated".to_string();
        let two_lines = self.panels.len() <= 4;
        if two_lines {
            subtitle.push_str(" (below: 95% Wilson interval)");
        }
        if let Some(n) = self.run.trials_note() {
            subtitle.push_str("; ");
            subtitle.push_str(&n);
        }
        let body = draw_title(root, &title, Some(&subtitle))?;
        let n = self.panels.len();
        let (cells, bar_area) = split_panels(&body, n, Some(170));
        let mut missing = false;
        for (k, ((t, rows), cell)) in self.panels.iter().zip(&cells).enumerate() {
            missing |= self.draw_panel(cell, t.as_deref(), rows, edges(k, n))?;
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
        area.draw(&Rectangle::new(
            [(x, y), (x + w, y + 18)],
            RGBColor(235, 235, 235).filled(),
        ))?;
        area.draw(&Text::new(
            "no data",
            (x + w + 10, y + 9),
            anchored(TICK_SIZE, MUTED, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::clipped_lines;

    #[test]
    fn lines_break_at_gaps_and_above_the_axis() {
        let pts = [
            (0.0, Some(0.5)),
            (1.0, Some(1.0)),
            (2.0, None),
            (3.0, Some(3.0)),
            (4.0, Some(1.0)),
            (5.0, Some(0.0)),
        ];
        let lines = clipped_lines(&pts, 2.0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], vec![(0.0, 0.5), (1.0, 1.0)]);
        assert_eq!(lines[1], vec![(4.0, 1.0), (5.0, 0.0)]);
    }
}
