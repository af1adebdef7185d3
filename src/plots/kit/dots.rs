//! Dots with intervals against the first swept parameter: the panels of the `graduation` and
//! `cost` pictures.
//!
//! [`SweepDots`] lays the variants of a run out (x: the first swept parameter, numeric or
//! categorical; one line per combination of the other swept parameters; small multiples
//! beyond eight lines); a [`Measure`] says what the y axis shows. Values above the axis are
//! arrows at the top with their value; missing values are crosses above the x axis.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Chart, Frame, Levels, Margins, Scale, frame};
use super::canvas::{DrawFail, Slot};
use super::facets::{Arrangement, Panel, arrange, label};
use super::labels::{Rect, Spot, place, place_clear, segment_boxes};
use super::legend::{LegendEntry, Swatch, draw_inset_legend};
use super::marks::error_bar;
use super::names::with_unit;
use super::style::{INK, MUTED, PALETTE, TICK_SIZE, anchored, colour, text, text_size};
pub(crate) use crate::statistics::figures::Estimate;
use crate::statistics::figures::{RunData, SummaryRow};

/// At most this many lines share a panel.
const MAX_SERIES: usize = 8;

const MARGINS: Margins = Margins {
    all: 12,
    top: None,
    left: None,
    right: 28,
    x_area: 62,
    y_area: (80, 50),
};

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
    /// Rings the lowest value (writing it next to its dot) and the values equivalent to it
    /// within noise; `None`: no rings.
    pub(crate) rings: Option<Rings>,
}

/// The rows of `RunData::summary` a [`Measure`] rings.
pub(crate) struct Rings {
    /// The row with the lowest value, written next to its dot.
    pub(crate) lowest: usize,
    /// Rows as low within noise (ringed too, without their value).
    pub(crate) equivalent: Vec<usize>,
}

impl Measure {
    /// Whether some value lies above the axis (drawn as an arrow at the top).
    pub(crate) fn any_above(&self) -> bool {
        self.rows
            .iter()
            .any(|e| e.value.is_some_and(|v| v > self.top()))
    }

    fn est(&self, i: usize) -> Estimate {
        self.rows.get(i).copied().unwrap_or_default()
    }

    fn top(&self) -> f64 {
        if self.y_max.is_finite() && self.y_max > 0.0 {
            self.y_max
        } else {
            1.0
        }
    }
}

/// A line of a panel: the variants sharing the values of all swept parameters but the first.
struct Series {
    /// Indices into `RunData::summary`.
    rows: Vec<usize>,
}

/// The variants of a run as dots against the first swept parameter, one line per
/// combination of the other swept parameters. Without a sweep, one dot per summary row.
pub(crate) struct SweepDots<'a> {
    run: &'a RunData,
    x: Levels,
    series: Vec<Series>,
    pub(crate) arr: Arrangement,
}

/// One dot of a panel: where it sits and which summary row it shows.
#[derive(Clone, Copy)]
struct Dot {
    /// Position, after dodging.
    x: f64,
    /// Position of the dot's value of the first parameter.
    base: f64,
    row: usize,
    /// Whether that value is special ("open-ended"): no line joins it to the amounts.
    special: bool,
}

/// What one panel's drawing has learnt so far: what labels must keep clear of, which x
/// positions have a value, and the label of the lowest value, placed last.
struct PanelState {
    obstacles: Vec<Rect>,
    missing_at: Vec<(f64, bool)>,
    lowest_label: Option<(f64, f64, f64, f64, String)>,
    /// Labels of values above the axis already placed, and how many found no room.
    taken: Vec<Rect>,
    unlabelled: usize,
}

impl<'a> SweepDots<'a> {
    pub(crate) fn new(run: &'a RunData) -> Self {
        let params = &run.sweep.params;
        if params.is_empty() {
            return Self::unswept(run);
        }
        let values_of = |r: &SummaryRow| run.sweep.values_of(r.variant).unwrap_or(&[]);
        let x = Levels::new(
            &params[0],
            run.summary
                .iter()
                .map(|r| values_of(r).first().map_or("", String::as_str)),
            true,
        );
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
        let other = &params[1..];
        let labels: Vec<String> = keys.iter().map(|k| label(other, k)).collect();
        let arr = arrange(other, &keys, &labels, MAX_SERIES, PALETTE.len());
        SweepDots {
            run,
            x,
            series,
            arr,
        }
    }

    /// No sweep: one point per row (normally one).
    fn unswept(run: &'a RunData) -> Self {
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
        SweepDots {
            run,
            x: Levels::categories(labels),
            series: vec![Series {
                rows: (0..run.summary.len()).collect(),
            }],
            arr: arrange(&[], &[vec![]], &["all trials".to_string()], 1, 1),
        }
    }

    fn no_sweep(&self) -> bool {
        self.run.sweep.params.is_empty()
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

    /// The dots of a series, in x order, shifted by `shift` (dodging).
    fn dots(&self, s: &Series, shift: f64) -> Vec<Dot> {
        let mut pts: Vec<Dot> = s
            .rows
            .iter()
            .enumerate()
            .map(|(k, &row)| {
                if self.no_sweep() {
                    let x = k as f64;
                    return Dot {
                        x,
                        base: x,
                        row,
                        special: false,
                    };
                }
                let v = self.run.sweep.values_of(self.run.summary[row].variant);
                let v = v.and_then(|v| v.first()).map_or("", String::as_str);
                let x = self.x.position(v);
                Dot {
                    x,
                    base: x,
                    row,
                    special: self.x.is_special(v),
                }
            })
            .collect();
        pts.sort_by(|a, b| a.x.total_cmp(&b.x));
        for d in &mut pts {
            d.x += shift;
        }
        pts
    }

    /// The x scale of a panel drawn in `cell`.
    fn x_scale<DB: DrawingBackend>(&self, cell: &DrawingArea<DB, Shift>) -> Scale {
        let title = if self.no_sweep() {
            String::new()
        } else {
            with_unit(&self.run.sweep.params[0])
        };
        let room = cell.dim_in_pixel().0.saturating_sub(120).max(1);
        self.x.sweep_scale(cell, self.x.range(), room, title)
    }

    /// Draws one panel: dots with interval bars, one line per member, against the first
    /// swept parameter; `slot` says which axis titles the panel carries.
    pub(crate) fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        panel: &Panel,
        slot: Slot,
        inset_legend: bool,
        m: &Measure,
    ) -> Result<(), DrawFail> {
        let y_max = m.top();
        let x = self.x_scale(cell);
        let y = Scale::linear(0.0, y_max, 6, m.y_desc.clone());
        let title = panel.title.as_deref();
        let mut chart = frame(
            cell,
            &Frame {
                title,
                x: &x,
                y: &y,
                slot,
                margins: MARGINS,
                mesh: true,
            },
        )?;
        let mut state = PanelState {
            obstacles: Vec::new(),
            missing_at: Vec::new(),
            lowest_label: None,
            taken: Vec::new(),
            unlabelled: 0,
        };
        let n = panel.members.len();
        let lowest = m.rings.as_ref().map(|r| r.lowest);
        let ringed = |row: usize| {
            m.rings
                .as_ref()
                .is_some_and(|r| r.lowest == row || r.equivalent.contains(&row))
        };
        let dodge = self.dodge(n);
        let annotate = self.annotate(&chart, n);
        for (j, mem) in panel.members.iter().enumerate() {
            let col = colour(mem.colour);
            let shift = (j as f64 - (n as f64 - 1.0) / 2.0) * dodge;
            let pts = self.dots(&self.series[mem.item], shift);
            self.draw_lines(&mut chart, &pts, m, col, n, &mut state)?;
            draw_intervals(&mut chart, &pts, m, col, &mut state)?;
            draw_dots(cell, &mut chart, &pts, m, col, &mut state)?;
            if m.missing.is_some() {
                draw_crosses(&mut chart, &pts, m, col, &mut state)?;
            }
            for d in &pts {
                self.value_label(
                    &mut chart,
                    *d,
                    m,
                    (ringed(d.row), lowest == Some(d.row)),
                    annotate,
                    &mut state,
                )?;
            }
        }
        if state.unlabelled > 0 {
            draw_unlabelled_note(&mut chart, state.unlabelled)?;
        }
        if let Some(note) = m.missing {
            draw_missing_notes(cell, &mut chart, note, &mut state)?;
        }
        if let Some(l) = state.lowest_label.take() {
            place_lowest_label(cell, &mut chart, l, &state)?;
        }
        if inset_legend {
            let entries: Vec<LegendEntry> = panel
                .members
                .iter()
                .map(|mem| LegendEntry::new(Swatch::Point(colour(mem.colour)), mem.label.clone()))
                .collect();
            let area = chart.plotting_area().strip_coord_spec();
            draw_inset_legend(&area, true, &entries)?;
        }
        Ok(())
    }

    /// How far apart the lines' dots at one x are moved so that their bars do not overlap.
    fn dodge(&self, n: usize) -> f64 {
        if n <= 1 {
            return 0.0;
        }
        let cap = if self.x.numbers.is_none() {
            0.1
        } else {
            f64::MAX
        };
        (self.x.min_gap() * 0.5 / n as f64).min(cap)
    }

    /// Values are written next to the dots when there is one line and room for them.
    fn annotate<DB: DrawingBackend>(&self, chart: &Chart<'_, DB>, n: usize) -> bool {
        let (x0, x1) = self.x.range();
        let (pw, _) = chart.plotting_area().dim_in_pixel();
        n == 1 && self.x.min_gap() / (x1 - x0) * pw as f64 >= 70.0
    }

    /// The line through a series, broken where a value is missing or above the axis;
    /// categories have no order, so there faint lines only help to follow one of several
    /// series.
    fn draw_lines<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        pts: &[Dot],
        m: &Measure,
        col: RGBColor,
        n: usize,
        state: &mut PanelState,
    ) -> Result<(), DrawFail> {
        let categorical = self.x.numbers.is_none();
        let mut line_pts: Vec<(f64, Option<f64>)> = Vec::new();
        for (k, d) in pts.iter().enumerate() {
            // no line between a special value ("open-ended", "no host") and the amounts
            if k > 0 && d.special != pts[k - 1].special {
                line_pts.push((d.x, None));
            }
            line_pts.push((d.x, m.est(d.row).value));
        }
        for line in clipped_lines(&line_pts, m.top()) {
            if !categorical || n > 1 {
                for w in line.windows(2) {
                    let (a, b) = (chart.backend_coord(&w[0]), chart.backend_coord(&w[1]));
                    segment_boxes(a, b, &mut state.obstacles);
                }
            }
            if !categorical {
                chart.draw_series(LineSeries::new(line, col.stroke_width(2)))?;
            } else if n > 1 {
                chart.draw_series(LineSeries::new(line, col.mix(0.45).stroke_width(1)))?;
            }
        }
        Ok(())
    }

    /// The value next to a dot (all values when there is room; the ringed lowest one, placed
    /// last, clear of everything else).
    fn value_label<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        d: Dot,
        m: &Measure,
        (ringed, is_lowest): (bool, bool),
        annotate: bool,
        state: &mut PanelState,
    ) -> Result<(), DrawFail> {
        let y_max = m.top();
        let e = m.est(d.row);
        let Some(v) = e.value.filter(|v| *v <= y_max) else {
            return Ok(());
        };
        if ringed {
            chart.draw_series(std::iter::once(Circle::new(
                (d.x, v),
                10,
                INK.stroke_width(2),
            )))?;
        }
        if !(annotate || is_lowest) {
            return Ok(());
        }
        let top = e.upper.unwrap_or(v).max(v);
        if is_lowest && !annotate && !self.no_sweep() {
            let s = format!("lowest: {}", (m.fmt)(v));
            let bottom = e.lower.unwrap_or(v).min(v).max(0.0);
            state.lowest_label = Some((d.x, v, top.min(y_max), bottom, s));
            return Ok(());
        }
        let s = if self.no_sweep() {
            (m.describe)(&e)
        } else {
            (m.fmt)(v)
        };
        // above the interval's upper end, clear of the line and the dot; to the right of the
        // dot when that is too close to the top
        let (_, ph) = chart.plotting_area().dim_in_pixel();
        let near_top = y_max * (1.0 - 28.0 / ph.max(1) as f64);
        let element = if top >= near_top {
            let dx = if is_lowest { 14 } else { 10 };
            EmptyElement::at((d.x, v))
                + Text::new(
                    s,
                    (dx, 0),
                    anchored(TICK_SIZE, INK, HPos::Left, VPos::Center),
                )
        } else {
            let dy = if is_lowest { -10 } else { -6 };
            EmptyElement::at((d.x, top))
                + Text::new(
                    s,
                    (4, dy),
                    anchored(TICK_SIZE, INK, HPos::Left, VPos::Bottom),
                )
        };
        chart.draw_series(std::iter::once(element))?;
        Ok(())
    }
}

/// Interval bars with caps (none where the interval runs off the axis).
fn draw_intervals<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: &[Dot],
    m: &Measure,
    col: RGBColor,
    state: &mut PanelState,
) -> Result<(), DrawFail> {
    let y_max = m.top();
    let (pw, _) = chart.plotting_area().dim_in_pixel();
    let x_span = chart.x_range().end - chart.x_range().start;
    let cap = x_span / pw.max(1) as f64 * 7.0;
    for d in pts {
        let e = m.est(d.row);
        if let Some(v) = e.value.filter(|v| *v <= y_max) {
            let (cx, cy) = chart.backend_coord(&(d.x, v));
            state.obstacles.push(Rect::around(cx, cy, 8, 8));
        }
        let (Some(lo), Some(hi)) = (e.lower, e.upper) else {
            continue;
        };
        let (lo_c, hi_c) = (lo.clamp(0.0, y_max), hi.clamp(0.0, y_max));
        let (bx, top) = chart.backend_coord(&(d.x, hi_c));
        let (_, bottom) = chart.backend_coord(&(d.x, lo_c));
        state.obstacles.push(Rect {
            x0: bx - 8,
            y0: top - 2,
            x1: bx + 8,
            y1: bottom + 2,
        });
        let caps = [lo <= y_max, hi <= y_max];
        error_bar(chart, d.x, (lo_c, hi_c), caps, cap, col.stroke_width(2))?;
    }
    Ok(())
}

/// The dots, and values above the axis as an arrow at the top with the value beside it
/// where it fits clear of the other labels (counted in `state.unlabelled` where not).
fn draw_dots<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    chart: &mut Chart<'_, DB>,
    pts: &[Dot],
    m: &Measure,
    col: RGBColor,
    state: &mut PanelState,
) -> Result<(), DrawFail> {
    let y_max = m.top();
    chart.draw_series(pts.iter().filter_map(|d| {
        m.est(d.row)
            .value
            .filter(|v| *v <= y_max)
            .map(|v| Circle::new((d.x, v), 6, col.filled()))
    }))?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let bounds = Rect {
        x0: xr.start,
        y0: yr.start - 2,
        x1: xr.end + 24,
        y1: yr.end,
    };
    const SPOTS: [Spot; 2] = [
        (10, 7, HPos::Left, VPos::Center),
        (-10, 7, HPos::Right, VPos::Center),
    ];
    for d in pts {
        let Some(v) = m.est(d.row).value.filter(|v| *v > y_max) else {
            continue;
        };
        let anchor = chart.backend_coord(&(d.x, y_max));
        chart.draw_series(std::iter::once(
            EmptyElement::at((d.x, y_max)) + TriangleMarker::new((0, 7), 7, col.filled()),
        ))?;
        state
            .obstacles
            .push(Rect::around(anchor.0, anchor.1 + 7, 7, 7));
        let s = (m.fmt)(v);
        let size = text_size(cell, &s, &text(TICK_SIZE, INK));
        let candidates: Vec<((i32, i32), Spot)> = SPOTS.iter().map(|sp| (anchor, *sp)).collect();
        match place(&candidates, size, &state.taken, &bounds, false) {
            Some((k, rect)) => {
                state.taken.push(rect);
                let (dx, dy, h, vp) = SPOTS[k];
                chart.draw_series(std::iter::once(
                    EmptyElement::at((d.x, y_max))
                        + Text::new(s, (dx, dy), anchored(TICK_SIZE, INK, h, vp)),
                ))?;
            }
            None => state.unlabelled += 1,
        }
    }
    Ok(())
}

/// Says how many values above the axis had no room for their label.
fn draw_unlabelled_note<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    unlabelled: usize,
) -> Result<(), DrawFail> {
    let area = chart.plotting_area().strip_coord_spec();
    let (w, _) = area.dim_in_pixel();
    let note = format!("{unlabelled} more above the axis (values in summary.csv)");
    area.draw(&Text::new(
        note,
        (w as i32 - 8, 22),
        anchored(TICK_SIZE, MUTED, HPos::Right, VPos::Top),
    ))?;
    Ok(())
}

/// A cross just above the x axis where a variant has no value; remembers which x positions
/// have a value in some line.
fn draw_crosses<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: &[Dot],
    m: &Measure,
    col: RGBColor,
    state: &mut PanelState,
) -> Result<(), DrawFail> {
    for d in pts {
        let has = m.est(d.row).value.is_some();
        let base = d.base;
        match state.missing_at.iter_mut().find(|(mx, _)| *mx == base) {
            Some((_, any)) => *any |= has,
            None => state.missing_at.push((base, has)),
        }
        if !has {
            chart.draw_series(std::iter::once(
                EmptyElement::at((d.x, 0.0)) + Cross::new((0, -9), 5, col.stroke_width(2)),
            ))?;
        }
    }
    Ok(())
}

/// The note written upwards above the crosses where no line has a value (an obstacle for
/// the labels placed after it).
fn draw_missing_notes<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    chart: &mut Chart<'_, DB>,
    note: &str,
    state: &mut PanelState,
) -> Result<(), DrawFail> {
    let style = text(TICK_SIZE, MUTED)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (w, h) = text_size(cell, note, &text(TICK_SIZE, MUTED));
    let missing_at = state.missing_at.clone();
    for (x, any) in missing_at {
        if !any {
            // upwards from 20 pixels above the axis: as tall as the text is long
            let (cx, cy) = chart.backend_coord(&(x, 0.0));
            state.obstacles.push(Rect {
                x0: cx - h as i32 / 2 - 2,
                y0: cy - 20 - w as i32 - 2,
                x1: cx + h as i32 / 2 + 2,
                y1: cy,
            });
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, 0.0)) + Text::new(note.to_string(), (0, -20), style.clone()),
            ))?;
        }
    }
    Ok(())
}

/// The label of the lowest value: right or left of its dot, above its interval or below it,
/// wherever it keeps clear of the other marks.
fn place_lowest_label<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    chart: &mut Chart<'_, DB>,
    (x, v, top, bottom, s): (f64, f64, f64, f64, String),
    state: &PanelState,
) -> Result<(), DrawFail> {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let bounds = Rect {
        x0: xr.start + 2,
        y0: yr.start + 2,
        x1: xr.end - 2,
        y1: yr.end - 2,
    };
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
    if let Some((k, _)) = place_clear(
        &candidates,
        size,
        &state.obstacles,
        &state.taken,
        &bounds,
        true,
    ) {
        let (y, (dx, dy, h, vp)) = spots[k];
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y)) + Text::new(s, (dx, dy), anchored(TICK_SIZE, INK, h, vp)),
        ))?;
    }
    Ok(())
}

/// The polylines through `pts` (x, value), broken where a value is missing or lies above
/// the axis at `y_max` (such a point is drawn on its own, as an arrow at the top).
fn clipped_lines(pts: &[(f64, Option<f64>)], y_max: f64) -> Vec<Vec<(f64, f64)>> {
    let mut lines: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, v) in pts {
        match (v.filter(|y| *y <= y_max), lines.last_mut()) {
            (Some(y), Some(line)) => line.push((x, y)),
            _ => lines.push(Vec::new()),
        }
    }
    lines.retain(|l| l.len() > 1);
    lines
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
