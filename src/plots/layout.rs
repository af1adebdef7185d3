//! Canvas sizes and the grid of small multiples.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::PICTURE_SIZE;
use super::arrange::distinct;

/// Rows and columns of a grid holding `n` panels.
pub(crate) fn grid_shape(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 | 4 => (2, 2),
        5 | 6 => (2, 3),
        7..=9 => (3, 3),
        10..=12 => (3, 4),
        _ => (n.div_ceil(4), 4),
    }
}

/// Room kept for the title and subtitle.
pub(crate) const HEADER_H: u32 = 100;
/// Room kept for a legend column on the right.
pub(crate) const LEGEND_W: u32 = 300;
/// Narrowest panel of a grid.
pub(crate) const MIN_PANEL_W: u32 = 340;
/// Lowest panel of a grid.
pub(crate) const MIN_PANEL_H: u32 = 300;

/// Canvas size for `n` panels: [`PICTURE_SIZE`], grown so that each panel keeps a readable size.
pub(crate) fn canvas_size(n: usize) -> (u32, u32) {
    let (rows, cols) = grid_shape(n);
    let w = PICTURE_SIZE.0.max(cols as u32 * MIN_PANEL_W + LEGEND_W);
    let h = PICTURE_SIZE.1.max(rows as u32 * MIN_PANEL_H + HEADER_H);
    (w, h)
}

/// Splits `body` into a legend column of `legend_w` pixels on the right (if any) and the
/// first `n` cells of the panel grid on the left (row by row).
#[allow(clippy::type_complexity)]
pub(crate) fn split_panels<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    n: usize,
    legend_w: Option<u32>,
) -> (Vec<DrawingArea<DB, Shift>>, Option<DrawingArea<DB, Shift>>) {
    let (w, _) = body.dim_in_pixel();
    let (left, legend) = match legend_w {
        Some(lw) if lw + 200 < w => {
            let (l, r) = body.split_horizontally(w - lw);
            (l, Some(r))
        }
        _ => (body.clone(), None),
    };
    let (rows, cols) = grid_shape(n);
    let mut cells = left.split_evenly((rows, cols));
    cells.truncate(n.max(1));
    (cells, legend)
}

/// Whether panel `k` of `n` sits on the bottom row of its grid (or above an empty cell),
/// and whether it sits in the left column.
pub(crate) fn edges(k: usize, n: usize) -> (bool, bool) {
    let (_, cols) = grid_shape(n);
    let bottom = k + cols >= n;
    let left = k % cols == 0;
    (bottom, left)
}

/// A linear f64 axis whose ticks sit exactly at given positions (for categories at 0, 1, 2,
/// ... and for the rows of the stage panel); labels come from a label formatter.
pub(crate) struct KeyAxis {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl KeyAxis {
    pub(crate) fn new(lo: f64, hi: f64, keys: Vec<f64>) -> Self {
        KeyAxis { lo, hi, keys }
    }
}

impl Ranged for KeyAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let f = (v - self.lo) / (self.hi - self.lo);
        (limit.0 as f64 + f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The positions of a parameter's values on an axis.
pub(crate) struct Axis {
    /// Distinct values as written, in axis order.
    pub(crate) values: Vec<String>,
    /// Numeric positions when every value is a number, else `None` (categorical: 0, 1, ...).
    pub(crate) numbers: Option<Vec<f64>>,
}

impl Axis {
    /// `sort`: numeric values are put in increasing order (categorical ones keep the order
    /// of first appearance, which is the order of the sweep).
    pub(crate) fn new<'a>(raw: impl IntoIterator<Item = &'a str>, sort: bool) -> Axis {
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

// ---------------------------------------------------------------------------------------------
// Placing labels clear of dots, bars, lines and other labels

/// A box in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rect {
    pub(crate) x0: i32,
    pub(crate) y0: i32,
    pub(crate) x1: i32,
    pub(crate) y1: i32,
}

impl Rect {
    pub(crate) fn around(x: i32, y: i32, rx: i32, ry: i32) -> Rect {
        Rect {
            x0: x - rx,
            y0: y - ry,
            x1: x + rx,
            y1: y + ry,
        }
    }

    pub(crate) fn overlap(&self, o: &Rect) -> i64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0) as i64;
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0) as i64;
        w * h
    }

    pub(crate) fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.y0 >= o.y0 && self.x1 <= o.x1 && self.y1 <= o.y1
    }
}

/// A way of putting a label next to its anchor: pixel offset and text anchor.
pub(crate) type Spot = (i32, i32, HPos, VPos);

/// Right, left, the four diagonals, above and below a dot.
pub(crate) const POINT_SPOTS: [Spot; 8] = [
    (11, 0, HPos::Left, VPos::Center),
    (-11, 0, HPos::Right, VPos::Center),
    (8, -8, HPos::Left, VPos::Bottom),
    (8, 8, HPos::Left, VPos::Top),
    (-8, -8, HPos::Right, VPos::Bottom),
    (-8, 8, HPos::Right, VPos::Top),
    (0, -12, HPos::Center, VPos::Bottom),
    (0, 12, HPos::Center, VPos::Top),
];
/// The box of a label of `size` put at `anchor` the way `spot` says.
pub(crate) fn label_box(anchor: (i32, i32), (w, h): (u32, u32), spot: &Spot) -> Rect {
    let (w, h) = (w as i32, h as i32);
    let (ax, ay) = (anchor.0 + spot.0, anchor.1 + spot.1);
    let x0 = match spot.2 {
        HPos::Left => ax,
        HPos::Right => ax - w,
        HPos::Center => ax - w / 2,
    };
    let y0 = match spot.3 {
        VPos::Top => ay,
        VPos::Bottom => ay - h,
        VPos::Center => ay - h / 2,
    };
    Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    }
}

/// The first of `candidates` (an anchor in pixels and a way of putting the label next to
/// it) where a label of `size` fits inside `bounds` clear of `obstacles`; with `force`, the
/// least bad one inside `bounds` when none is clear. Returns the candidate's index and the
/// label's box, or `None` if no candidate fits.
pub(crate) fn place(
    candidates: &[((i32, i32), Spot)],
    size: (u32, u32),
    obstacles: &[Rect],
    bounds: &Rect,
    force: bool,
) -> Option<(usize, Rect)> {
    let mut best: Option<(i64, usize, Rect)> = None;
    for (k, (anchor, spot)) in candidates.iter().enumerate() {
        let b = label_box(*anchor, size, spot);
        if !b.inside(bounds) {
            continue;
        }
        let bad: i64 = obstacles.iter().map(|o| o.overlap(&b)).sum();
        if bad == 0 {
            return Some((k, b));
        }
        if best.as_ref().is_none_or(|(v, _, _)| bad < *v) {
            best = Some((bad, k, b));
        }
    }
    match best {
        Some((_, k, b)) if force => Some((k, b)),
        _ => None,
    }
}

/// `spots` around one anchor, as candidates for [`place`].
pub(crate) fn around(anchor: (i32, i32), spots: &[Spot]) -> Vec<((i32, i32), Spot)> {
    spots.iter().map(|s| (anchor, *s)).collect()
}

/// Small boxes along the segment from `a` to `b` (pixels), so that labels keep clear of a line.
pub(crate) fn segment_boxes(a: (i32, i32), b: (i32, i32), out: &mut Vec<Rect>) {
    let steps = ((a.0 - b.0).abs().max((a.1 - b.1).abs()) / 6).max(1);
    for k in 0..=steps {
        let f = k as f64 / steps as f64;
        let x = a.0 + ((b.0 - a.0) as f64 * f).round() as i32;
        let y = a.1 + ((b.1 - a.1) as f64 * f).round() as i32;
        out.push(Rect::around(x, y, 3, 3));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_avoid_obstacles_and_stay_inside() {
        let bounds = Rect {
            x0: 0,
            y0: 0,
            x1: 200,
            y1: 100,
        };
        let dot = Rect::around(100, 50, 9, 9);
        // right of the dot is taken: the label goes left
        let taken = Rect {
            x0: 105,
            y0: 30,
            x1: 200,
            y1: 70,
        };
        let spots = around((100, 50), &POINT_SPOTS);
        let (k, b) = place(&spots, (40, 12), &[dot, taken], &bounds, false).unwrap();
        assert!(matches!(spots[k].1.2, HPos::Right));
        assert!(b.inside(&bounds) && b.overlap(&dot) == 0 && b.overlap(&taken) == 0);
        // near the right edge nothing on the right fits
        let near_edge = around((195, 50), &POINT_SPOTS);
        let (k, _) = place(&near_edge, (40, 12), &[], &bounds, false).unwrap();
        assert!(!matches!(near_edge[k].1.2, HPos::Left));
        // boxed in: only a forced label is placed
        assert!(place(&spots, (40, 12), &[bounds], &bounds, false).is_none());
        assert!(place(&spots, (40, 12), &[bounds], &bounds, true).is_some());
    }

    #[test]
    fn segments_are_covered_by_boxes() {
        let mut boxes = Vec::new();
        segment_boxes((0, 0), (60, 30), &mut boxes);
        let probe = Rect::around(30, 15, 1, 1);
        assert!(boxes.iter().any(|b| b.overlap(&probe) > 0));
        assert!(boxes.len() >= 10);
    }
}
