//! `trace.png`: one trial's history as stacked panels sharing the time axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::TRACE_SIZE;
use super::kit::DrawFail;
use super::kit::axis::{Chart, DualChart, Frame, Margins, Scale, frame, frame_dual};
use super::kit::canvas::{Picture, Slot, draw_title};
use super::kit::legend::{LegendEntry, Swatch, draw_legend};
use super::kit::style::{PALETTE, fmt_tick, nice_max};
use crate::statistics::figures::Trace;

const TIME_DESC: &str = "time (weeks)";
const LEGEND_COL_W: u32 = 250;
/// Label areas, the same in every panel so that the time axes line up.
const Y_AREA: u32 = 120;
const RIGHT_AREA: u32 = 90;

/// The stages in the order a community passes through them.
const STAGES: [&str; 4] = ["convening", "exploring", "collaborating", "formalising"];

fn stage_colour(stage: &str) -> RGBColor {
    match stage {
        "convening" => RGBColor(86, 180, 233),
        "exploring" => RGBColor(0, 114, 178),
        "collaborating" => RGBColor(204, 121, 167),
        "formalising" => RGBColor(230, 159, 0),
        "graduated" => RGBColor(0, 158, 115),
        "fizzled" => RGBColor(213, 94, 0),
        _ => RGBColor(150, 150, 150),
    }
}

const HOST_COLOUR: RGBColor = RGBColor(110, 110, 110);
/// The critical-mass level on the participants panel.
const CRITICAL_COLOUR: RGBColor = RGBColor(120, 120, 120);

fn is_outcome(stage: &str) -> bool {
    stage == "graduated" || stage == "fizzled"
}

/// A panel of lines: its caption, its lines, and the y axis titles (left, right, and the
/// single one when all lines share the left axis).
struct LinePanel<'a> {
    caption: &'static str,
    lines: Vec<Line<'a>>,
    descs: [&'static str; 3],
}

/// One line of a panel.
struct Line<'a> {
    name: &'a str,
    values: &'a [f64],
    colour: RGBColor,
    dashed: bool,
    /// Drawn against the right axis when the scales differ a lot.
    right: bool,
}

/// Stretches of finite values, as drawable paths.
fn segments(t: &[f64], v: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&x, &y) in t.iter().zip(v) {
        if y.is_finite() {
            cur.push((x, y));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn extent(values: &[&[f64]]) -> (f64, f64) {
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    for v in values
        .iter()
        .flat_map(|v| v.iter())
        .filter(|v| v.is_finite())
    {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let hi = nice_max(hi, if hi > 0.0 { 0.0 } else { 1.0 });
    let lo = if lo < 0.0 { -nice_max(-lo, 0.0) } else { 0.0 };
    (lo, if hi > lo { hi } else { lo + 1.0 })
}

pub(crate) struct TracePicture<'a> {
    trace: &'a Trace,
    /// Which trial this is ("fading-crisis, variant 0, trial 3") and the variant's values,
    /// when known.
    about: Option<(&'a str, &'a str)>,
    /// The critical mass at every time (drawn as a level line), when `trace.csv` has it.
    critical: Vec<f64>,
    critical_name: String,
}

impl<'a> TracePicture<'a> {
    pub(crate) fn new(trace: &'a Trace, about: Option<(&'a str, &'a str)>) -> Self {
        let (critical, critical_name) = match trace.critical_mass {
            Some(cm) => (
                vec![cm; trace.time.len()],
                format!("critical mass ({} active)", fmt_tick(cm)),
            ),
            None => (Vec::new(), String::new()),
        };
        TracePicture {
            trace,
            about,
            critical,
            critical_name,
        }
    }

    fn x_range(&self) -> (f64, f64) {
        let t = &self.trace.time;
        let lo = t.first().copied().unwrap_or(0.0).min(0.0);
        let hi = t.last().copied().unwrap_or(1.0);
        let hi = if hi > lo { hi } else { lo + 1.0 };
        // a little room after the last week, so that the outcome line is not the frame
        (lo, hi + (hi - lo) * 0.015)
    }

    /// The three panels of lines: people (with the critical mass), what they built, money
    /// (thousands of pounds). Each line has a colour of its own.
    fn line_panels(&self) -> [LinePanel<'_>; 3] {
        let tr = self.trace;
        let p = &PALETTE;
        let line = |name, values, colour| Line {
            name,
            values,
            colour,
            dashed: false,
            right: false,
        };
        [
            LinePanel {
                caption: "Participants",
                lines: {
                    let mut lines = vec![
                        line("participants", &tr.participants[..], p[0]),
                        line("active contributors", &tr.active[..], p[5]),
                    ];
                    if !self.critical.is_empty() {
                        lines.push(Line {
                            dashed: true,
                            ..line(&self.critical_name, &self.critical[..], CRITICAL_COLOUR)
                        });
                    }
                    lines
                },
                descs: ["people", "people", "people"],
            },
            LinePanel {
                caption: "Shared assets and brand",
                lines: vec![
                    line("shared assets", &tr.assets[..], p[2]),
                    Line {
                        right: true,
                        ..line("brand", &tr.brand[..], p[3])
                    },
                ],
                descs: ["shared assets", "brand", "level"],
            },
            LinePanel {
                caption: "Money",
                lines: vec![
                    line("host spend (cumulative, £k)", &tr.host_spend[..], p[6]),
                    Line {
                        right: true,
                        ..line("revenue (£k per week)", &tr.revenue[..], p[7])
                    },
                    Line {
                        right: true,
                        dashed: true,
                        ..line("operating cost (£k per week)", &tr.operating_cost[..], p[4])
                    },
                ],
                descs: ["cumulative host spend (£k)", "£k per week", "£k"],
            },
        ]
    }

    /// Times at which the stage changes (not counting the outcome).
    fn stage_changes(&self) -> Vec<f64> {
        let s = &self.trace.stage;
        (1..s.len())
            .filter(|&i| s[i] != s[i - 1] && !is_outcome(&s[i]))
            .map(|i| self.trace.time[i])
            .collect()
    }

    /// The outcome and its time, if the trial ended.
    fn outcome(&self) -> Option<(&str, f64)> {
        self.trace
            .stage
            .iter()
            .zip(&self.trace.time)
            .find(|(s, _)| is_outcome(s))
            .map(|(s, t)| (s.as_str(), *t))
    }

    /// Draws a panel of lines (and its legend beside it): one y axis, or a second one on the
    /// right when the right-hand lines' scale differs by more than a factor of four.
    fn draw_lines<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        legend: &DrawingArea<DB, Shift>,
        panel: &LinePanel<'_>,
    ) -> Result<(), DrawFail> {
        let lines = &panel.lines;
        let (x0, x1) = self.x_range();
        let left: Vec<&[f64]> = lines
            .iter()
            .filter(|l| !l.right)
            .map(|l| l.values)
            .collect();
        let right: Vec<&[f64]> = lines.iter().filter(|l| l.right).map(|l| l.values).collect();
        let (llo, lhi) = extent(&left);
        let (rlo, rhi) = extent(&right);
        let dual = !right.is_empty() && (rhi * 4.0 < lhi || rhi > lhi * 4.0);
        let (llo, lhi) = if dual {
            (llo, lhi)
        } else {
            extent(&lines.iter().map(|l| l.values).collect::<Vec<_>>())
        };
        let x = Scale::linear(x0, x1, 10, "");
        let y_desc = if dual { panel.descs[0] } else { panel.descs[2] };
        let y = Scale::linear(llo, lhi, 5, y_desc);
        let right = Scale::linear(rlo, rhi, 5, panel.descs[1]);
        let margins = Margins {
            all: 8,
            top: None,
            left: Some(12),
            right: 8,
            x_area: 28,
            y_area: (Y_AREA, Y_AREA),
        };
        let spec = Frame {
            title: Some(panel.caption),
            x: &x,
            y: &y,
            slot: Slot {
                bottom: false,
                left: true,
                title_rows: 0,
            },
            margins,
            mesh: true,
        };
        let mut chart = frame_dual(cell, &spec, dual.then_some(&right), RIGHT_AREA)?;
        self.draw_markers(&mut chart, llo, lhi)?;
        self.draw_series(&mut chart, lines, dual)?;
        line_legend(legend, lines, dual)
    }

    /// The lines of a panel, against the right axis where they belong there.
    fn draw_series<DB: DrawingBackend>(
        &self,
        chart: &mut DualChart<'_, DB>,
        lines: &[Line<'_>],
        dual: bool,
    ) -> Result<(), DrawFail> {
        let t = &self.trace.time;
        for l in lines {
            let style = l.colour.stroke_width(3);
            for seg in segments(t, l.values) {
                if seg.len() == 1 {
                    // a lone value, which a line cannot show
                    let dot = std::iter::once(Circle::new(seg[0], 4, l.colour.filled()));
                    if dual && l.right {
                        chart.draw_secondary_series(dot)?;
                    } else {
                        chart.draw_series(dot)?;
                    }
                    continue;
                }
                match (l.dashed, dual && l.right) {
                    (false, false) => {
                        chart.draw_series(LineSeries::new(seg, style))?;
                    }
                    (true, false) => {
                        chart.draw_series(DashedLineSeries::new(seg, 10, 6, style))?;
                    }
                    (false, true) => {
                        chart.draw_secondary_series(LineSeries::new(seg, style))?;
                    }
                    (true, true) => {
                        chart.draw_secondary_series(DashedLineSeries::new(seg, 10, 6, style))?;
                    }
                }
            }
        }

        Ok(())
    }

    /// Faint vertical lines at stage changes and a coloured one at the outcome.
    fn draw_markers<DB: DrawingBackend, X, Y>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
        lo: f64,
        hi: f64,
    ) -> Result<(), DrawFail>
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        for t in self.stage_changes() {
            chart.draw_series(DashedLineSeries::new(
                vec![(t, lo), (t, hi)],
                4,
                4,
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
        }
        if let Some((stage, t)) = self.outcome() {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(t, lo), (t, hi)],
                stage_colour(stage).stroke_width(2),
            )))?;
        }
        Ok(())
    }

    /// The stage rows from the top: the stages in order, any unknown stage words, then the
    /// host.
    fn stage_rows(&self) -> Vec<String> {
        let mut rows: Vec<String> = STAGES.iter().map(|s| s.to_string()).collect();
        for s in &self.trace.stage {
            if !is_outcome(s) && !rows.contains(s) {
                rows.push(s.clone());
            }
        }
        rows.push("host active".to_string());
        rows
    }

    fn draw_stages<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        legend: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawFail> {
        let (x0, x1) = self.x_range();
        let rows = self.stage_rows();
        let n = rows.len();
        // row k (from the top) sits at y = n - 1 - k
        let ticks = (0..n)
            .map(|i| (i as f64, rows[n - 1 - i].clone()))
            .collect();
        let y = Scale::keyed(-0.6, n as f64 - 0.4, ticks, "");
        let x = Scale::linear(x0, x1, 10, TIME_DESC);
        let margins = Margins {
            all: 8,
            top: None,
            left: Some(12),
            // no right axis here: keep its room empty so the time axes line up
            right: 8 + RIGHT_AREA,
            x_area: 58,
            y_area: (Y_AREA, Y_AREA),
        };
        let title = Some("Stage and host activity");
        let spec = Frame {
            title,
            x: &x,
            y: &y,
            slot: Slot::alone(),
            margins,
            mesh: true,
        };
        let mut chart = frame(cell, &spec)?;
        self.draw_markers(&mut chart, -0.6, n as f64 - 0.4)?;
        self.stage_bars(&mut chart, &rows, x1)?;
        self.stage_legend(legend)
    }

    /// A bar per stretch of weeks in one stage, and one per stretch with the host active.
    fn stage_bars<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        rows: &[String],
        x1: f64,
    ) -> Result<(), DrawFail> {
        let tr = self.trace;
        let n = rows.len();
        let y_of = |k: usize| (n - 1 - k) as f64;
        // a step in time lasts until the next row's time (the last one a typical step)
        let t = &tr.time;
        let dt = if t.len() >= 2 {
            ((t[t.len() - 1] - t[0]) / (t.len() - 1) as f64).max(1e-9)
        } else {
            1.0
        };
        // nothing lasts beyond the outcome
        let end = self.outcome().map_or(x1, |(_, at)| at.min(x1));
        let end_of = |i: usize| t.get(i + 1).copied().unwrap_or(t[i] + dt).min(end);
        let mut i = 0;
        while i < t.len() {
            let s = &tr.stage[i];
            let mut j = i;
            while j + 1 < t.len() && tr.stage[j + 1] == *s {
                j += 1;
            }
            if !is_outcome(s) {
                if let Some(k) = rows.iter().position(|r| r == s) {
                    let y = y_of(k);
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(t[i], y - 0.32), (end_of(j), y + 0.32)],
                        stage_colour(s).filled(),
                    )))?;
                }
            }
            i = j + 1;
        }
        let host_y = y_of(n - 1);
        let mut i = 0;
        while i < t.len() {
            if tr.host_active[i] > 0.5 {
                let mut j = i;
                while j + 1 < t.len() && tr.host_active[j + 1] > 0.5 {
                    j += 1;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(t[i], host_y - 0.32), (end_of(j), host_y + 0.32)],
                    HOST_COLOUR.filled(),
                )))?;
                i = j + 1;
            } else {
                i += 1;
            }
        }
        Ok(())
    }

    fn stage_legend<DB: DrawingBackend>(
        &self,
        legend: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawFail> {
        let mut entries = Vec::new();
        if let Some((stage, at)) = self.outcome() {
            entries.push(LegendEntry::new(
                Swatch::Line(stage_colour(stage)),
                format!("{stage} (week {})", fmt_tick(at)),
            ));
        }
        if !self.stage_changes().is_empty() {
            entries.push(LegendEntry::new(
                Swatch::Dashed(RGBColor(150, 150, 150)),
                "stage change",
            ));
        }
        let (w, _) = legend.dim_in_pixel();
        draw_legend(legend, (6, 44), w.saturating_sub(12), None, &entries)?;
        Ok(())
    }
}

/// The legend of a panel of lines.
fn line_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, Shift>,
    lines: &[Line<'_>],
    dual: bool,
) -> Result<(), DrawFail> {
    let entries: Vec<LegendEntry> = lines
        .iter()
        .map(|l| {
            let sw = if l.dashed {
                Swatch::Dashed(l.colour)
            } else {
                Swatch::Line(l.colour)
            };
            let name = if dual && l.right {
                format!("{} (right axis)", l.name)
            } else {
                l.name.to_string()
            };
            LegendEntry::new(sw, name)
        })
        .collect();
    let (w, _) = legend.dim_in_pixel();
    draw_legend(legend, (6, 44), w.saturating_sub(12), None, &entries)?;
    Ok(())
}

impl Picture for TracePicture<'_> {
    fn size(&self) -> (u32, u32) {
        TRACE_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let tr = self.trace;
        let last_t = tr.time.last().copied().unwrap_or(0.0);
        let ending = match self.outcome() {
            Some((stage, t)) => format!("{stage} in week {}", fmt_tick(t)),
            None => format!("still active at week {} (censored)", fmt_tick(last_t)),
        };
        let (title, subtitle) = match self.about {
            Some((trial, values)) => (
                format!("{trial}: {ending}"),
                format!(
                    "{values}; panels share the time axis; dashed grey lines mark stage changes"
                ),
            ),
            None => (
                format!("History of one trial: {ending}"),
                "panels share the time axis; dashed grey lines mark stage changes".to_string(),
            ),
        };
        let body = draw_title(root, &title, Some(&subtitle))?;
        let (w, h) = body.dim_in_pixel();
        let (plots, legends) = body.split_horizontally(w.saturating_sub(LEGEND_COL_W));
        let line_h = (h as f64 * 0.235) as u32;
        let cuts = [line_h, 2 * line_h, 3 * line_h];
        let plot_cells = plots.split_by_breakpoints([] as [u32; 0], cuts);
        let legend_cells = legends.split_by_breakpoints([] as [u32; 0], cuts);

        for (k, panel) in self.line_panels().iter().enumerate() {
            self.draw_lines(&plot_cells[k], &legend_cells[k], panel)?;
        }
        self.draw_stages(&plot_cells[3], &legend_cells[3])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_has_a_colour_of_its_own() {
        let v = vec![1.0, 2.0, 3.0];
        let t = Trace {
            time: vec![0.0, 1.0, 2.0],
            stage: vec!["convening".to_string(); 3],
            participants: v.clone(),
            active: v.clone(),
            assets: v.clone(),
            brand: v.clone(),
            host_active: v.clone(),
            host_spend: v.clone(),
            revenue: v.clone(),
            operating_cost: v,
            critical_mass: Some(5.0),
        };
        let picture = TracePicture::new(&t, None);
        let panels = picture.line_panels();
        let colours: Vec<RGBColor> = panels
            .iter()
            .flat_map(|p| p.lines.iter().map(|l| l.colour))
            .collect();
        // participants, active, critical mass; assets, brand; spend, revenue, cost
        assert_eq!(colours.len(), 8);
        for (i, a) in colours.iter().enumerate() {
            assert!(!colours[i + 1..].contains(a), "colour {a:?} used twice");
        }
        assert_eq!(panels[0].lines[2].name, "critical mass (5 active)");
        assert!(panels[2].descs.iter().all(|d| d.contains("£k")));
    }
}
