//! Placing labels clear of dots, bars, lines and other labels.

use plotters::style::text_anchor::{HPos, VPos};

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
    place_clear(candidates, size, obstacles, &[], bounds, force)
}

/// [`place`], never over `labels` (other labels: text on text is a smear, so even a forced
/// label is left out rather than put there; the caller gathers it into a note).
pub(crate) fn place_clear(
    candidates: &[((i32, i32), Spot)],
    size: (u32, u32),
    obstacles: &[Rect],
    labels: &[Rect],
    bounds: &Rect,
    force: bool,
) -> Option<(usize, Rect)> {
    let mut best: Option<(i64, usize, Rect)> = None;
    for (k, (anchor, spot)) in candidates.iter().enumerate() {
        let b = label_box(*anchor, size, spot);
        if !b.inside(bounds) || labels.iter().any(|l| l.overlap(&b) > 0) {
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

/// The note that names labels left out for want of room: "not labelled (no room): a; b",
/// the first few and a count of the rest.
pub(crate) fn gathered_note(left_out: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut s = format!(
        "not labelled (no room): {}",
        left_out
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    );
    if left_out.len() > SHOWN {
        s.push_str(&format!(" and {} more", left_out.len() - SHOWN));
    }
    s
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
        // a forced label never goes over another label
        assert!(place_clear(&spots, (40, 12), &[], &[bounds], &bounds, true).is_none());
        let (_, b) = place_clear(&spots, (40, 12), &[bounds], &[taken], &bounds, true).unwrap();
        assert_eq!(b.overlap(&taken), 0);
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
