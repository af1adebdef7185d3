//! `survival` (Kaplan-Meier curves with bands) and `cif` (cumulative incidence of the two
//! outcomes), one curve (or pair of curves) per variant.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::arrange::{Arrangement, Panel, arrange, label};
use super::data::{Curve, RunData};
use super::layout::{LEGEND_W, canvas_size, edges, split_panels};
use super::style::{
    AXIS_DESC_SIZE, GRID, INK, LegendEntry, NEUTRAL, PALETTE, PANEL_TITLE_SIZE, Swatch, TICK_SIZE,
    colour, draw_inset_legend, draw_legend, draw_title, fmt_tick, legend_width, nice_max, text,
};
use super::{DrawFail, Picture};

/// At most this many variants share a survival panel.
const MAX_SURVIVAL: usize = 8;
/// At most this many variants share a cumulative-incidence panel (two curves each).
const MAX_CIF: usize = 4;

const TIME_DESC: &str = "time (weeks)";

/// Arranges the curves of a run into panels of at most `max` variants.
fn arrange_curves(run: &RunData, max: usize) -> Arrangement {
    let params = &run.sweep.params;
    let items: Vec<Vec<String>> = run
        .curves
        .iter()
        .map(|c| {
            run.sweep
                .values_of(c.variant)
                .map(<[String]>::to_vec)
                .unwrap_or_default()
        })
        .collect();
    let labels: Vec<String> = run
        .curves
        .iter()
        .map(|c| match run.sweep.values_of(c.variant) {
            Some(v) => label(params, v),
            None => format!("variant {}", c.variant),
        })
        .collect();
    arrange(params, &items, &labels, max, PALETTE.len())
}

/// The points of a step function through `(time, y)`, one path per stretch without gaps:
/// the value holds until the next time, then jumps.
pub(crate) fn step_paths(time: &[f64], y: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut paths = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    for (&t, v) in time.iter().zip(y) {
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                match last {
                    None => cur.push((t, v)),
                    Some((_, pv)) if pv != v => {
                        cur.push((t, pv));
                        cur.push((t, v));
                    }
                    Some(_) => {}
                }
                last = Some((t, v));
            }
            None => {
                if let Some(end) = last.take() {
                    if cur.last() != Some(&end) {
                        cur.push(end);
                    }
                    paths.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if let Some(end) = last {
        if cur.last() != Some(&end) {
            cur.push(end);
        }
        paths.push(cur);
    }
    paths
}

/// Polygons of the band between two step functions, one per stretch where both are known.
fn band_polygons(
    time: &[f64],
    lower: &[Option<f64>],
    upper: &[Option<f64>],
) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut start = 0;
    let valid =
        |i: usize| lower[i].is_some_and(f64::is_finite) && upper[i].is_some_and(f64::is_finite);
    while start < time.len() {
        if !valid(start) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < time.len() && valid(end) {
            end += 1;
        }
        let t = &time[start..end];
        let up = step_paths(t, &upper[start..end]);
        let lo = step_paths(t, &lower[start..end]);
        if let (Some(up), Some(lo)) = (up.into_iter().next(), lo.into_iter().next()) {
            let mut poly = up;
            poly.extend(lo.into_iter().rev());
            if poly.len() >= 3 {
                out.push(poly);
            }
        }
        start = end;
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Survival,
    Cif,
}

/// Draws one panel of curves.
#[allow(clippy::too_many_arguments)]
fn draw_panel<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    run: &RunData,
    panel: &Panel,
    kind: Kind,
    x_max: f64,
    y_max: f64,
    (bottom, left): (bool, bool),
    inset_legend: bool,
) -> Result<(), DrawFail> {
    let mut builder = ChartBuilder::on(cell);
    builder
        .margin(12)
        .margin_right(24)
        .x_label_area_size(58)
        .y_label_area_size(if left { 80 } else { 50 });
    if let Some(t) = &panel.title {
        builder.caption(t, text(PANEL_TITLE_SIZE, INK));
    }
    let mut chart = builder.build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    let y_desc = match kind {
        Kind::Survival => "P(not fizzled)",
        Kind::Cif => "cumulative probability",
    };
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .label_style(text(TICK_SIZE, INK))
        .axis_desc_style(text(AXIS_DESC_SIZE, INK))
        .x_desc(if bottom { TIME_DESC } else { "" })
        .y_desc(if left { y_desc } else { "" })
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .draw()?;

    let curves: Vec<(&Curve, RGBColor)> = panel
        .members
        .iter()
        .map(|m| (&run.curves[m.item], colour(m.colour)))
        .collect();
    match kind {
        Kind::Survival => {
            for (c, col) in &curves {
                for poly in band_polygons(&c.time, &c.lower, &c.upper) {
                    chart
                        .draw_series(std::iter::once(Polygon::new(poly, col.mix(0.13).filled())))?;
                }
            }
            for (c, col) in &curves {
                for path in step_paths(&c.time, &c.survival) {
                    draw_path(&mut chart, path, *col, false)?;
                }
            }
        }
        Kind::Cif => {
            for (c, col) in &curves {
                for path in step_paths(&c.time, &c.cif_fizzled) {
                    draw_path(&mut chart, path, *col, true)?;
                }
            }
            for (c, col) in &curves {
                for path in step_paths(&c.time, &c.cif_graduated) {
                    draw_path(&mut chart, path, *col, false)?;
                }
            }
        }
    }

    if inset_legend {
        let mut entries: Vec<LegendEntry> = panel
            .members
            .iter()
            .map(|m| {
                let sw = match kind {
                    Kind::Survival => Swatch::LineBand(colour(m.colour)),
                    Kind::Cif => Swatch::Line(colour(m.colour)),
                };
                LegendEntry::new(sw, m.label.clone())
            })
            .collect();
        if kind == Kind::Cif {
            entries.extend(cif_key());
        }
        let area = chart.plotting_area().strip_coord_spec();
        draw_inset_legend(&area, kind == Kind::Cif, &entries)?;
    }
    Ok(())
}

/// A curve (solid or dashed); a lone point, which a line cannot show, as a dot.
fn draw_path<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    path: Vec<(f64, f64)>,
    col: RGBColor,
    dashed: bool,
) -> Result<(), DrawFail> {
    if path.len() == 1 {
        chart.draw_series(std::iter::once(Circle::new(path[0], 4, col.filled())))?;
    } else if dashed {
        chart.draw_series(DashedLineSeries::new(path, 10, 7, col.stroke_width(3)))?;
    } else {
        chart.draw_series(LineSeries::new(path, col.stroke_width(3)))?;
    }
    Ok(())
}

fn cif_key() -> Vec<LegendEntry> {
    vec![
        LegendEntry::new(Swatch::Space, ""),
        LegendEntry::new(Swatch::Line(NEUTRAL), "graduated (solid)"),
        LegendEntry::new(Swatch::Dashed(NEUTRAL), "fizzled (dashed)"),
    ]
}

/// Draws title, panels and the legend column for either kind.
fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    arr: &Arrangement,
    kind: Kind,
    title: &str,
    subtitle: &str,
) -> Result<(), DrawFail> {
    let body = draw_title(root, title, Some(subtitle))?;
    let x_max = run.horizon();
    let y_max = match kind {
        Kind::Survival => 1.0,
        Kind::Cif => {
            let max = run
                .curves
                .iter()
                .flat_map(|c| c.cif_graduated.iter().chain(&c.cif_fizzled))
                .filter_map(|v| *v)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            nice_max(max * 1.05, 0.1).min(1.0)
        }
    };
    let entries: Option<Vec<LegendEntry>> = arr.shared_legend.as_ref().map(|l| {
        let mut e: Vec<LegendEntry> = l
            .iter()
            .map(|(c, s)| {
                let sw = match kind {
                    Kind::Survival => Swatch::LineBand(colour(*c)),
                    Kind::Cif => Swatch::Line(colour(*c)),
                };
                LegendEntry::new(sw, s.clone())
            })
            .collect();
        match kind {
            Kind::Survival => {
                e.push(LegendEntry::new(Swatch::Space, ""));
                e.push(LegendEntry::new(
                    Swatch::Band(NEUTRAL),
                    "95% confidence band",
                ));
            }
            Kind::Cif => e.extend(cif_key()),
        }
        e
    });
    let legend_w = entries
        .as_ref()
        .map(|e| legend_width(&body, None, e, LEGEND_W));
    let n = arr.panels.len();
    let (cells, legend_area) = split_panels(&body, n, legend_w);
    for (k, (panel, cell)) in arr.panels.iter().zip(&cells).enumerate() {
        let inset = arr.shared_legend.is_none() || legend_area.is_none();
        draw_panel(cell, run, panel, kind, x_max, y_max, edges(k, n), inset)?;
    }
    if let (Some(area), Some(entries)) = (legend_area, entries) {
        let (w, _) = area.dim_in_pixel();
        draw_legend(&area, (4, 20), w.saturating_sub(12), None, &entries)?;
    }
    Ok(())
}

/// Kaplan-Meier survival curves (P(not fizzled)) with 95% bands.
pub(crate) struct SurvivalPicture<'a> {
    run: &'a RunData,
    arr: Arrangement,
}

impl<'a> SurvivalPicture<'a> {
    pub(crate) fn new(run: &'a RunData) -> Self {
        SurvivalPicture {
            run,
            arr: arrange_curves(run, MAX_SURVIVAL),
        }
    }
}

impl Picture for SurvivalPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.arr.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let mut subtitle =
            "Kaplan–Meier estimate of P(not fizzled by week t); shaded: 95% confidence band"
                .to_string();
        if let Some(n) = self.run.trials_note() {
            subtitle.push_str("; ");
            subtitle.push_str(&n);
        }
        draw_curves(
            root,
            self.run,
            &self.arr,
            Kind::Survival,
            "Survival: share of communities that have not fizzled",
            &subtitle,
        )
    }
}

/// Cumulative incidence of graduation (solid) and fizzling (dashed).
pub(crate) struct CifPicture<'a> {
    run: &'a RunData,
    arr: Arrangement,
}

impl<'a> CifPicture<'a> {
    pub(crate) fn new(run: &'a RunData) -> Self {
        CifPicture {
            run,
            arr: arrange_curves(run, MAX_CIF),
        }
    }
}

impl Picture for CifPicture<'_> {
    fn size(&self) -> (u32, u32) {
        canvas_size(self.arr.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let mut subtitle =
            "Share of communities that have graduated (solid) or fizzled (dashed) by week t"
                .to_string();
        if let Some(n) = self.run.trials_note() {
            subtitle.push_str("; ");
            subtitle.push_str(&n);
        }
        draw_curves(
            root,
            self.run,
            &self.arr,
            Kind::Cif,
            "Cumulative incidence: graduated or fizzled by week t",
            &subtitle,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_paths_hold_then_jump() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let y = [Some(1.0), Some(1.0), Some(0.5), Some(0.5)];
        assert_eq!(
            step_paths(&t, &y),
            vec![vec![(0.0, 1.0), (2.0, 1.0), (2.0, 0.5), (3.0, 0.5)]]
        );
    }

    #[test]
    fn step_paths_split_at_gaps() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let y = [Some(1.0), None, Some(0.5), Some(0.4)];
        let p = step_paths(&t, &y);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1], vec![(2.0, 0.5), (3.0, 0.5), (3.0, 0.4)]);
    }
}
