//! Axes: a [`Scale`] (limits, tick positions and their labels, a title) for each direction of
//! a panel, and [`frame`], which draws a panel's grid, axes and titles from two scales and the
//! picture's [`Margins`]. Every panel of every picture is framed here, so that ticks, mesh and
//! axis titles look alike everywhere.
//!
//! Numeric scales take their ticks from plotters (`key_points`); categorical ones put a tick
//! on every category that has room for its label. Either way plotters receives a [`Coord`]:
//! linear between the limits, with ticks exactly where the scale says.

use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{BoldPoints, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::DrawFail;
use super::canvas::{Slot, draw_panel_title};
use super::facets::distinct;
use super::names::{special, special_goes_last};
use super::style::{AXIS_DESC_SIZE, GRID, INK, TICK_SIZE, fmt_tick, text, text_size};

/// Pixels kept clear either side of a tick label of a sweep axis ([`Levels::sweep_scale`]).
const LABEL_GAP: f64 = 5.0;

/// A position scale: the range drawn, where its ticks sit and what they say, and its title.
#[derive(Clone, Debug)]
pub(crate) struct Scale {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    ticks: Vec<(f64, String)>,
    /// The axis title (left empty on panels that do not carry it).
    pub(crate) title: String,
}

impl Scale {
    /// A linear scale with at most `max_ticks` round ticks, labelled by [`fmt_tick`].
    pub(crate) fn linear(lo: f64, hi: f64, max_ticks: usize, title: impl Into<String>) -> Scale {
        let range: RangedCoordf64 = (lo..hi).into();
        let ticks = range
            .key_points(BoldPoints(max_ticks))
            .into_iter()
            .map(|v| (v, fmt_tick(v)))
            .collect();
        Scale {
            lo,
            hi,
            ticks,
            title: title.into(),
        }
    }

    /// A scale with ticks at given positions and labels.
    pub(crate) fn keyed(
        lo: f64,
        hi: f64,
        ticks: Vec<(f64, String)>,
        title: impl Into<String>,
    ) -> Scale {
        Scale {
            lo,
            hi,
            ticks,
            title: title.into(),
        }
    }

    /// Categories at 0, 1, 2, ...; with `room` pixels, only every k-th is labelled so that
    /// the labels (measured on `area`) do not run into each other.
    pub(crate) fn categorical<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        values: &[String],
        room: u32,
        title: impl Into<String>,
    ) -> Scale {
        let style = text(TICK_SIZE, INK);
        let widest = values
            .iter()
            .map(|v| text_size(area, v, &style).0)
            .max()
            .unwrap_or(10)
            + 16;
        let every = (widest as usize * values.len())
            .div_ceil(room.max(1) as usize)
            .max(1);
        let ticks = (0..values.len())
            .step_by(every)
            .map(|i| (i as f64, values[i].clone()))
            .collect();
        Scale::keyed(-0.5, values.len() as f64 - 0.5, ticks, title)
    }

    /// The label of the tick at `v` ("" between ticks).
    fn label_at(&self, v: f64) -> String {
        self.ticks
            .iter()
            .find(|(t, _)| (t - v).abs() <= 1e-9 * (1.0 + t.abs()))
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    fn coord(&self) -> Coord {
        Coord {
            range: (self.lo..self.hi).into(),
            ticks: self.ticks.iter().map(|(t, _)| *t).collect(),
        }
    }
}

/// The plotters coordinate of a [`Scale`]: linear between the limits, ticks where the scale
/// says (and no light grid lines).
pub(crate) struct Coord {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Coord {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(v, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// A panel's chart: two [`Coord`]s.
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Coord, Coord>>;

/// Room around a panel's plotting area, in pixels (a picture's theme).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Margins {
    pub(crate) all: u32,
    pub(crate) top: Option<u32>,
    pub(crate) left: Option<u32>,
    pub(crate) right: u32,
    /// Height of the tick labels and title under the x axis.
    pub(crate) x_area: u32,
    /// Width of the tick labels and title left of the y axis, on the left column of a grid
    /// and elsewhere.
    pub(crate) y_area: (u32, u32),
}

/// What a panel's frame shows.
pub(crate) struct Frame<'s> {
    pub(crate) title: Option<&'s str>,
    pub(crate) x: &'s Scale,
    pub(crate) y: &'s Scale,
    /// Where the panel sits in its grid (which axis titles it carries, the titles' height).
    pub(crate) slot: Slot,
    pub(crate) margins: Margins,
    /// Horizontal and vertical grid lines at the ticks.
    pub(crate) mesh: bool,
}

/// Frames a panel that stands alone: no title, both axis titles, grid lines.
pub(crate) fn frame_alone<'a, DB: DrawingBackend>(
    cell: &'a DrawingArea<DB, Shift>,
    (x, y): (&Scale, &Scale),
    margins: Margins,
) -> Result<Chart<'a, DB>, DrawFail> {
    let spec = Frame {
        title: None,
        x,
        y,
        slot: Slot::alone(),
        margins,
        mesh: true,
    };
    frame(cell, &spec)
}

/// Draws a panel's frame into `cell` and returns the chart to draw marks in.
pub(crate) fn frame<'a, DB: DrawingBackend>(
    cell: &'a DrawingArea<DB, Shift>,
    f: &Frame<'_>,
) -> Result<Chart<'a, DB>, DrawFail> {
    let mut chart = builder(cell, f)?.build_cartesian_2d(f.x.coord(), f.y.coord())?;
    draw_mesh(&mut chart, f)?;
    Ok(chart)
}

/// A panel's chart with a second y axis on the right.
pub(crate) type DualChart<'a, DB> =
    DualCoordChartContext<'a, DB, Cartesian2d<Coord, Coord>, Cartesian2d<Coord, Coord>>;

/// Draws the frame of a panel with a second y axis, `right`, on the right (in `right_area`
/// pixels); marks are drawn against it with `draw_secondary_series`. Without `right` the room
/// is kept empty, so that the plots of stacked panels line up whichever have a second axis.
pub(crate) fn frame_dual<'a, DB: DrawingBackend>(
    cell: &'a DrawingArea<DB, Shift>,
    f: &Frame<'_>,
    right: Option<&Scale>,
    right_area: u32,
) -> Result<DualChart<'a, DB>, DrawFail> {
    let mut builder = builder(cell, f)?;
    builder.right_y_label_area_size(right_area);
    let chart = builder.build_cartesian_2d(f.x.coord(), f.y.coord())?;
    let mut chart = chart.set_secondary_coord(f.x.coord(), right.unwrap_or(f.y).coord());
    draw_mesh(&mut chart, f)?;
    if let Some(r) = right {
        let fmt = |v: &f64| r.label_at(*v);
        chart
            .configure_secondary_axes()
            .axis_style(INK)
            .label_style(text(TICK_SIZE, INK))
            .axis_desc_style(text(AXIS_DESC_SIZE, INK))
            .y_desc(r.title.as_str())
            .y_label_formatter(&fmt)
            .draw()?;
    }
    Ok(chart)
}

/// A chart builder on `cell` with the frame's margins and label areas, below the panel title
/// (drawn here).
fn builder<'a, 'b, DB: DrawingBackend>(
    cell: &'a DrawingArea<DB, Shift>,
    f: &Frame<'_>,
) -> Result<ChartBuilder<'a, 'b, DB>, DrawFail> {
    let m = f.margins;
    let title_h = match f.title {
        Some(t) => draw_panel_title(cell, t, f.slot.title_rows)?,
        None => 0,
    };
    let mut builder = ChartBuilder::on(cell);
    builder
        .margin(m.all)
        .margin_right(m.right)
        .x_label_area_size(m.x_area)
        .y_label_area_size(if f.slot.left { m.y_area.0 } else { m.y_area.1 });
    builder.margin_top(m.top.unwrap_or(m.all) + title_h);
    if let Some(left) = m.left {
        builder.margin_left(left);
    }
    Ok(builder)
}

/// The grid lines (if the frame has them), the axes, their ticks and titles.
fn draw_mesh<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, f: &Frame<'_>) -> Result<(), DrawFail> {
    let (x, y) = (f.x, f.y);
    let fmt_x = |v: &f64| x.label_at(*v);
    let fmt_y = |v: &f64| y.label_at(*v);
    let mut mesh = chart.configure_mesh();
    if f.mesh {
        mesh.bold_line_style(GRID).light_line_style(TRANSPARENT);
    } else {
        mesh.disable_mesh();
    }
    mesh.axis_style(INK)
        .label_style(text(TICK_SIZE, INK))
        .axis_desc_style(text(AXIS_DESC_SIZE, INK))
        .x_desc(if f.slot.bottom { x.title.as_str() } else { "" })
        .y_desc(if f.slot.left { y.title.as_str() } else { "" })
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .draw()?;
    Ok(())
}

/// The positions of a parameter's values on an axis.
pub(crate) struct Levels {
    /// Distinct values as written, in axis order.
    pub(crate) values: Vec<String>,
    /// Numeric positions when every value is a number, else `None` (categorical: 0, 1, ...).
    pub(crate) numbers: Option<Vec<f64>>,
    /// The words of values that are not amounts ("open-ended"), parallel to `values`; such
    /// values sit apart from the amounts, after them when they stand for an unbounded time
    /// ([`special_goes_last`]) and before them otherwise.
    pub(crate) words: Vec<Option<String>>,
}

impl Levels {
    /// The levels of parameter `path`. `sort`: numeric values are put in increasing order
    /// (categorical ones keep the order of first appearance, which is the order of the
    /// sweep); special values go to their end either way.
    pub(crate) fn new<'a>(
        path: &str,
        raw: impl IntoIterator<Item = &'a str>,
        sort: bool,
    ) -> Levels {
        let mut values = distinct(raw);
        let last = special_goes_last(path);
        // -1: before the amounts, 0: an amount, 1: after them
        let side = |v: &String| match (special(path, v).is_some(), last) {
            (false, _) => 0,
            (true, true) => 1,
            (true, false) => -1,
        };
        if sort {
            // stable: special values at their end, amounts in increasing order
            let key = |v: &String| v.parse::<f64>().ok().filter(|x| x.is_finite());
            values.sort_by(|a, b| {
                let (sa, sb) = (side(a), side(b));
                sa.cmp(&sb).then(match (key(a), key(b)) {
                    (Some(x), Some(y)) if sa == 0 && sb == 0 => x.total_cmp(&y),
                    _ => std::cmp::Ordering::Equal,
                })
            });
        } else {
            values.sort_by_key(|v| side(v));
        }
        let words: Vec<Option<String>> = values.iter().map(|v| special(path, v)).collect();
        let parsed: Option<Vec<f64>> = values
            .iter()
            .zip(&words)
            .filter(|(_, w)| w.is_none())
            .map(|(v, _)| v.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        let numbers = parsed.filter(|n| !n.is_empty()).map(|nums| {
            // special values: beyond the largest amount (or below the smallest), a third of
            // the span apart
            let lo = nums.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let gap = if hi > lo {
                (hi - lo) / 3.0
            } else {
                hi.abs().max(1.0)
            };
            let n_special = words.iter().filter(|w| w.is_some()).count();
            let mut out: Vec<f64> = Vec::with_capacity(values.len());
            if last {
                out.extend(nums);
                out.extend((1..=n_special).map(|k| hi + gap * k as f64));
            } else {
                out.extend((1..=n_special).rev().map(|k| lo - gap * k as f64));
                out.extend(nums);
            }
            out
        });
        Levels {
            values,
            numbers,
            words,
        }
    }

    /// Levels given by their labels, at 0, 1, 2, ...
    pub(crate) fn categories(labels: Vec<String>) -> Levels {
        let words = vec![None; labels.len()];
        Levels {
            values: labels,
            numbers: None,
            words,
        }
    }

    /// The label of level `i`: its words, or the value as written.
    pub(crate) fn label(&self, i: usize) -> String {
        match self.words.get(i).and_then(Option::as_ref) {
            Some(w) => w.clone(),
            None => self.values.get(i).cloned().unwrap_or_default(),
        }
    }

    /// The labels of all levels, in axis order.
    pub(crate) fn labels(&self) -> Vec<String> {
        (0..self.values.len()).map(|i| self.label(i)).collect()
    }

    /// Whether level `v` is a special value.
    pub(crate) fn is_special(&self, v: &str) -> bool {
        self.words
            .get(self.index_of(v))
            .is_some_and(Option::is_some)
    }

    /// A numeric scale over the levels from `lo` to `hi` with a tick at every level and no
    /// other: the values a sweep ran, and its special values in words, so that a reader sees
    /// exactly the settings tried. Where labels would run into each other on an axis `room`
    /// pixels long (measured on `area`), some ticks stay unlabelled: special values and the
    /// smallest and largest amounts are labelled first, then the other amounts from the left.
    /// Categorical levels get [`Scale::categorical`].
    pub(crate) fn sweep_scale<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (lo, hi): (f64, f64),
        room: u32,
        title: String,
    ) -> Scale {
        let Some(nums) = &self.numbers else {
            return Scale::categorical(area, &self.labels(), room, title);
        };
        let style = text(TICK_SIZE, INK);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let px = |v: f64| (v - lo) / span * f64::from(room.max(1));
        // each level's label and the room it needs either side of its tick
        let labels: Vec<(String, f64)> = (0..self.values.len())
            .map(|i| {
                let label = self.label(i);
                let half = f64::from(text_size(area, &label, &style).0) / 2.0 + LABEL_GAP;
                (label, half)
            })
            .collect();
        let mut order: Vec<usize> = (0..nums.len()).collect();
        order.sort_by(|&a, &b| nums[a].total_cmp(&nums[b]));
        let amounts: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| self.words[i].is_none())
            .collect();
        let first_last = [amounts.first(), amounts.last()].into_iter().flatten();
        let priority: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| self.words[i].is_some())
            .chain(first_last.copied())
            .chain(amounts.iter().copied())
            .collect();
        let mut shown: Vec<usize> = Vec::new();
        for i in priority {
            let clear = shown
                .iter()
                .all(|&j| (px(nums[i]) - px(nums[j])).abs() >= labels[i].1 + labels[j].1);
            if !shown.contains(&i) && clear {
                shown.push(i);
            }
        }
        let ticks = order
            .into_iter()
            .map(|i| {
                let label = if shown.contains(&i) {
                    labels[i].0.clone()
                } else {
                    String::new()
                };
                (nums[i], label)
            })
            .collect();
        Scale::keyed(lo, hi, ticks, title)
    }

    pub(crate) fn index_of(&self, v: &str) -> usize {
        self.values.iter().position(|x| x == v).unwrap_or(0)
    }

    /// Where value `v` sits on the x axis.
    pub(crate) fn position(&self, v: &str) -> f64 {
        let i = self.index_of(v);
        match &self.numbers {
            Some(n) => n[i],
            None => i as f64,
        }
    }

    /// The x range drawn.
    pub(crate) fn range(&self) -> (f64, f64) {
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
    pub(crate) fn min_gap(&self) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values_sit_apart_at_their_end() {
        // open-ended: after the longest commitment, a third of the span beyond it
        let l = Levels::new("host.commitment", ["0", "26", "13", "52"], true);
        assert_eq!(l.values, ["13", "26", "52", "0"]);
        assert_eq!(l.numbers.as_deref(), Some(&[13.0, 26.0, 52.0, 65.0][..]));
        assert_eq!(l.label(3), "open-ended");
        assert!(l.is_special("0") && !l.is_special("13"));
        // no host: before the smallest investment, with no round tick at or below 0
        let l = Levels::new("host.investment", ["1", "0", "4"], true);
        assert_eq!(l.values, ["0", "1", "4"]);
        assert_eq!(l.numbers.as_deref(), Some(&[0.0, 1.0, 4.0][..]));
        let l = Levels::new("host.investment", ["0", "2", "4", "8"], true);
        assert_eq!(l.numbers.as_deref(), Some(&[0.0, 2.0, 4.0, 8.0][..]));
        // a tick at every swept value and no other, "no host" in words
        let labels = |l: &Levels, room: u32| {
            super::super::canvas::ensure_font().unwrap();
            let mut svg = String::new();
            let area = SVGBackend::with_string(&mut svg, (1200, 800)).into_drawing_area();
            l.sweep_scale(&area, l.range(), room, String::new()).ticks
        };
        let ticks = labels(&l, 1000);
        let want = [(0.0, "no host"), (2.0, "2"), (4.0, "4"), (8.0, "8")];
        assert_eq!(ticks.len(), 4);
        for ((t, s), (wt, ws)) in ticks.iter().zip(want) {
            assert!((t - wt).abs() < 1e-12 && s == ws, "{ticks:?}");
        }
        // host-investment: 0.25 and 0.5 labelled beside 1, 2 and 4
        let l = Levels::new("host.investment", ["0", "0.25", "0.5", "1", "2", "4"], true);
        let shown: Vec<String> = labels(&l, 1000).into_iter().map(|t| t.1).collect();
        assert_eq!(shown, ["no host", "0.25", "0.5", "1", "2", "4"]);
        // crowded values keep their ticks; labels that would collide are left out, the ends
        // and special values kept
        let l = Levels::new(
            "host.investment",
            ["0", "0.25", "0.5", "1", "2", "4", "8", "16", "32", "64"],
            true,
        );
        let ticks = labels(&l, 600);
        assert_eq!(ticks.len(), 10);
        let shown: Vec<&str> = ticks
            .iter()
            .map(|t| t.1.as_str())
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(shown.first(), Some(&"no host"));
        assert_eq!(shown.get(1), Some(&"0.25"));
        assert_eq!(shown.last(), Some(&"64"));
        assert!(shown.len() < 10 && shown.contains(&"32"), "{shown:?}");
        // a parameter whose 0 is an amount keeps it on the axis
        let l = Levels::new("core_idea.strength", ["0", "1"], true);
        assert!(l.words.iter().all(Option::is_none));
    }
}
