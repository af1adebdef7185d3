//! `graduation` (P(graduate) with Wilson intervals against the first swept parameter) and
//! `graduation_heatmap` (P(graduate) over the first two swept parameters).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::arrange::{Arrangement, Panel, arrange, distinct, label};
use super::data::{RunData, SummaryRow};
use super::layout::{KeyAxis, LEGEND_W, canvas_size, edges, split_panels};
use super::style::{
    AXIS_DESC_SIZE, GRID, INK, LEGEND_SIZE, LegendEntry, MUTED, PALETTE, PANEL_TITLE_SIZE, Swatch,
    TICK_SIZE, anchored, colour, draw_inset_legend, draw_legend, draw_title, fmt_prob, fmt_tick,
    ink_on, legend_width, text, text_size, viridis,
};
use super::{DrawFail, Picture};

const MAX_SERIES: usize = 8;
const Y_DESC: &str = "P(graduate)";

/// The positions of a parameter's values on an axis.
struct Axis {
    /// Distinct values as written, in axis order.
    values: Vec<String>,
    /// Numeric positions when every value is a number, else `None` (categorical: 0, 1, ...).
    numbers: Option<Vec<f64>>,
}

impl Axis {
    /// `sort`: numeric values are put in increasing order (categorical ones keep the order
    /// of first appearance, which is the order of the sweep).
    fn new<'a>(raw: impl IntoIterator<Item = &'a str>, sort: bool) -> Axis {
        let mut values = distinct(raw);
        let parsed: Option<Vec<f64>> = values
            .iter()
            .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        match parsed {
            Some(mut nums) if !nums.is_empty() => {
                if sort {
                    let mut pairs: Vec<(f64, String)> = nums.into_iter().zip(values).collect();
                    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                    nums = pairs.iter().map(|p| p.0).collect();
                    values = pairs.into_iter().map(|p| p.1).collect();
                }
                Axis {
                    values,
                    numbers: Some(nums),
                }
            }
            _ => Axis {
                values,
                numbers: None,
            },
        }
    }

    fn index_of(&self, v: &str) -> usize {
        self.values.iter().position(|x| x == v).unwrap_or(0)
    }

    /// Where value `v` sits on the x axis.
    fn position(&self, v: &str) -> f64 {
        let i = self.index_of(v);
        match &self.numbers {
            Some(n) => n[i],
            None => i as f64,
        }
    }

    /// The x range drawn.
    fn range(&self) -> (f64, f64) {
        match &self.numbers {
            Some(n) => {
                let lo = n.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = n.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let span = hi - lo;
                let pad = if span > 0.0 {
                    span * 0.07
                } else if lo != 0.0 {
                    lo.abs() * 0.5
                } else {
                    1.0
                };
                (lo - pad, hi + pad)
            }
            None => (-0.5, self.values.len() as f64 - 0.5),
        }
    }

    /// The smallest distance between neighbouring positions (for dodging).
    fn min_gap(&self) -> f64 {
        match &self.numbers {
            Some(n) => {
                let mut s = n.clone();
                s.sort_by(f64::total_cmp);
                s.windows(2)
                    .map(|w| w[1] - w[0])
                    .filter(|d| *d > 0.0)
                    .fold(f64::INFINITY, f64::min)
                    .min((self.range().1 - self.range().0) * 0.25)
            }
            None => 1.0,
        }
    }
}

/// A line of the graduation picture: the variants sharing the values of all swept
/// parameters but the first.
struct Series {
    /// Indices into `RunData::summary`.
    rows: Vec<usize>,
}

pub(crate) struct GraduationPicture<'a> {
    run: &'a RunData,
    x: Axis,
    series: Vec<Series>,
    arr: Arrangement,
}

impl<'a> GraduationPicture<'a> {
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
            return GraduationPicture {
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
        GraduationPicture {
            run,
            x,
            series,
            arr,
        }
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

    /// (x position, row) of a series, in x order.
    fn points(&self, s: &Series) -> Vec<(f64, &SummaryRow)> {
        let mut pts: Vec<(f64, &SummaryRow)> = s
            .rows
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let r = &self.run.summary[i];
                let x = if self.run.sweep.params.is_empty() {
                    k as f64
                } else {
                    self.x.position(self.x_value(r))
                };
                (x, r)
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        panel: &Panel,
        (bottom, left): (bool, bool),
        inset_legend: bool,
    ) -> Result<(), DrawFail> {
        let no_sweep = self.run.sweep.params.is_empty();
        let (x0, x1) = self.x.range();
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
        let y_desc = if left { Y_DESC } else { "" };

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

        // draws everything after the mesh; generic over the x coordinate type
        macro_rules! finish {
            ($chart:expr) => {{
                let chart = $chart;
                let (pw, _) = chart.plotting_area().dim_in_pixel();
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
                for (j, m) in panel.members.iter().enumerate() {
                    let col = colour(m.colour);
                    let shift = (j as f64 - (n as f64 - 1.0) / 2.0) * dodge;
                    let pts = self.points(&self.series[m.item]);
                    let line: Vec<(f64, f64)> = pts
                        .iter()
                        .filter_map(|(x, r)| r.p.map(|p| (x + shift, p)))
                        .collect();
                    // categories have no order: there, faint lines only help to follow a series
                    if !categorical {
                        chart.draw_series(LineSeries::new(line.clone(), col.stroke_width(2)))?;
                    } else if n > 1 {
                        chart.draw_series(LineSeries::new(
                            line.clone(),
                            col.mix(0.45).stroke_width(1),
                        ))?;
                    }
                    for (x, r) in &pts {
                        let x = x + shift;
                        if let (Some(lo), Some(hi)) = (r.lower, r.upper) {
                            let st = col.stroke_width(2);
                            chart.draw_series(std::iter::once(PathElement::new(
                                vec![(x, lo), (x, hi)],
                                st,
                            )))?;
                            for y in [lo, hi] {
                                chart.draw_series(std::iter::once(PathElement::new(
                                    vec![(x - cap, y), (x + cap, y)],
                                    st,
                                )))?;
                            }
                        }
                    }
                    chart.draw_series(
                        line.iter()
                            .map(|&(x, p)| Circle::new((x, p), 6, col.filled())),
                    )?;
                    if annotate {
                        for (x, r) in &pts {
                            let Some(p) = r.p else { continue };
                            let s = if no_sweep {
                                let mut s = format!("P(graduate) = {}", fmt_prob(p));
                                if let (Some(lo), Some(hi)) = (r.lower, r.upper) {
                                    s.push_str(&format!(
                                        " (95% CI {} to {})",
                                        fmt_prob(lo),
                                        fmt_prob(hi)
                                    ));
                                }
                                s
                            } else {
                                fmt_prob(p)
                            };
                            // above the interval's upper end, clear of the line and the dot
                            let top = r.upper.unwrap_or(p).max(p);
                            chart.draw_series(std::iter::once(
                                EmptyElement::at((x + shift, top))
                                    + Text::new(
                                        s,
                                        (4, -6),
                                        anchored(TICK_SIZE, INK, HPos::Left, VPos::Bottom),
                                    ),
                            ))?;
                        }
                    }
                }
                if inset_legend {
                    let entries: Vec<LegendEntry> = panel
                        .members
                        .iter()
                        .map(|m| LegendEntry::new(Swatch::Point(colour(m.colour)), m.label.clone()))
                        .collect();
                    let area = chart.plotting_area().strip_coord_spec();
                    draw_inset_legend(&area, true, &entries)?;
                }
            }};
        }

        if categorical {
            let mut chart =
                builder.build_cartesian_2d(KeyAxis::new(x0, x1, key_points), 0.0..1.0)?;
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
            let mut chart = builder.build_cartesian_2d(x0..x1, 0.0..1.0)?;
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

impl Picture for GraduationPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.arr.panels.len())
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
        let show_legend = params.len() >= 2;
        let entries: Option<Vec<LegendEntry>> = self
            .arr
            .shared_legend
            .as_ref()
            .filter(|_| show_legend)
            .map(|l| {
                l.iter()
                    .map(|(c, s)| LegendEntry::new(Swatch::Point(colour(*c)), s.clone()))
                    .collect()
            });
        let legend_w = entries
            .as_ref()
            .map(|e| legend_width(&body, None, e, LEGEND_W));
        let n = self.arr.panels.len();
        let (cells, legend_area) = split_panels(&body, n, legend_w);
        for (k, (panel, cell)) in self.arr.panels.iter().zip(&cells).enumerate() {
            let inset = show_legend && (self.arr.shared_legend.is_none() || legend_area.is_none());
            self.draw_panel(cell, panel, edges(k, n), inset)?;
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

/// A swept parameter's axis title with its unit from the parameter registry, such as
/// "host.investment (staff-days/week)".
fn with_unit(path: &str) -> String {
    match crate::parameters::spec(path) {
        Some(spec) if !spec.unit.is_empty() => format!("{path} ({})", spec.unit),
        _ => path.to_string(),
    }
}
