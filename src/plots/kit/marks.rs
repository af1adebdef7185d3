//! The marks pictures share: step curves with their bands, paths that show a lone point as a
//! dot, interval bars with caps.

use plotters::prelude::*;

use super::DrawFail;
use super::axis::Chart;

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
pub(crate) fn band_polygons(
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

/// A curve (solid or dashed); a lone point, which a line cannot show, as a dot.
pub(crate) fn draw_path<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
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

/// A vertical interval bar at `x` from `lo` to `hi`, with a cap `half_cap` (in x units) to
/// each side at the ends `caps` says (a bar cut off at the axis has no cap there).
pub(crate) fn error_bar<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    x: f64,
    (lo, hi): (f64, f64),
    caps: [bool; 2],
    half_cap: f64,
    style: ShapeStyle,
) -> Result<(), DrawFail> {
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x, lo), (x, hi)],
        style,
    )))?;
    for (y, cap) in [(lo, caps[0]), (hi, caps[1])] {
        if cap {
            let line = vec![(x - half_cap, y), (x + half_cap, y)];
            chart.draw_series(std::iter::once(PathElement::new(line, style)))?;
        }
    }
    Ok(())
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
