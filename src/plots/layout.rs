//! Canvas sizes and the grid of small multiples.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PICTURE_SIZE;

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
const MIN_PANEL_W: u32 = 340;
const MIN_PANEL_H: u32 = 300;

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
