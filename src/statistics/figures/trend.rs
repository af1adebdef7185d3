//! P(graduate) against each parameter of a sampled design (a `[sample]` table: the variants do
//! not form a grid), with a smooth trend: a locally weighted linear regression (LOWESS without
//! the robustness steps; Cleveland 1979, *Robust locally weighted regression and smoothing
//! scatterplots*, JASA 74). At each point `x0` the trend is the value at `x0` of the straight
//! line fitted by weighted least squares to the `q = ceil(span * n)` sample points nearest to
//! `x0`, weighted by the tricube `(1 - (d / d_max)^3)^3` of their distance `d` relative to the
//! farthest of them, `d_max`.

use super::RunData;

/// Share of the points each local fit uses.
pub(crate) const SPAN: f64 = 2.0 / 3.0;
/// Points at which the trend is evaluated, evenly across the parameter's sampled range.
const TREND_POINTS: usize = 60;

/// One sampled parameter's panel: each variant's point and the trend.
pub(crate) struct TrendPanel {
    pub(crate) param: String,
    /// (value, P(graduate), Wilson lower, Wilson upper), one per variant.
    pub(crate) points: Vec<(f64, f64, f64, f64)>,
    /// (value, trend) across the range.
    pub(crate) trend: Vec<(f64, f64)>,
}

impl RunData {
    /// Whether the variants form a full grid of their parameters' values (a `[sweep]`); a
    /// sampled design does not (unless it has one parameter).
    pub(crate) fn is_grid(&self) -> bool {
        let params = self.sweep.params.len();
        if params < 2 {
            return true;
        }
        let cells: usize = (0..params)
            .map(|k| {
                let mut v: Vec<&str> = self
                    .sweep
                    .values
                    .values()
                    .map(|row| row[k].as_str())
                    .collect();
                v.sort_unstable();
                v.dedup();
                v.len()
            })
            .product();
        cells == self.sweep.values.len()
    }

    /// One panel per numeric parameter of a sampled design.
    pub(crate) fn trend_panels(&self) -> Vec<TrendPanel> {
        (0..self.sweep.params.len())
            .filter_map(|k| {
                let points: Vec<(f64, f64, f64, f64)> = self
                    .summary
                    .iter()
                    .filter_map(|row| {
                        let x = self.sweep.values_of(row.variant)?.get(k)?.parse().ok()?;
                        let p = row.p?;
                        Some((x, p, row.lower.unwrap_or(p), row.upper.unwrap_or(p)))
                    })
                    .collect();
                if points.len() < 3 || points.len() < self.summary.len() {
                    return None;
                }
                let x: Vec<f64> = points.iter().map(|p| p.0).collect();
                let y: Vec<f64> = points.iter().map(|p| p.1).collect();
                let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let at: Vec<f64> = (0..TREND_POINTS)
                    .map(|i| lo + (hi - lo) * i as f64 / (TREND_POINTS - 1) as f64)
                    .collect();
                let trend = at
                    .iter()
                    .map(|&x0| (x0, lowess_at(&x, &y, SPAN, x0).clamp(0.0, 1.0)))
                    .collect();
                Some(TrendPanel {
                    param: self.sweep.params[k].clone(),
                    points,
                    trend,
                })
            })
            .collect()
    }
}

/// The locally weighted linear fit at `x0` (module documentation).
pub(crate) fn lowess_at(x: &[f64], y: &[f64], span: f64, x0: f64) -> f64 {
    let n = x.len();
    let q = ((span * n as f64).ceil() as usize).clamp(2.min(n), n);
    let mut d: Vec<f64> = x.iter().map(|&xi| (xi - x0).abs()).collect();
    d.sort_by(f64::total_cmp);
    let d_max = d[q - 1];
    let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(y) {
        let u = if d_max > 0.0 {
            (xi - x0).abs() / d_max
        } else {
            0.0
        };
        if u >= 1.0 {
            continue;
        }
        let w = (1.0 - u.powi(3)).powi(3);
        sw += w;
        sx += w * xi;
        sy += w * yi;
        sxx += w * xi * xi;
        sxy += w * xi * yi;
    }
    if sw == 0.0 {
        return f64::NAN;
    }
    let (mx, my) = (sx / sw, sy / sw);
    let var = sxx / sw - mx * mx;
    if var <= 1e-12 * (1.0 + mx * mx) {
        return my;
    }
    let slope = (sxy / sw - mx * my) / var;
    my + slope * (x0 - mx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_line_is_reproduced() {
        let x: Vec<f64> = (0..12).map(|i| i as f64 * 0.7).collect();
        let y: Vec<f64> = x.iter().map(|v| 0.2 + 0.05 * v).collect();
        for x0 in [0.0, 1.3, 4.0, 7.7] {
            assert!((lowess_at(&x, &y, SPAN, x0) - (0.2 + 0.05 * x0)).abs() < 1e-12);
        }
    }

    /// Hand-computed: x = 0, 1, 2, 3, y = 0, 1, 0, 1, span 3/4 (q = 3). At x0 = 0 the three
    /// nearest are 0, 1, 2 with d_max = 2: weights 1, (1 - 1/8)^3 = 0.669921875, 0. The fit
    /// through (0, 0) and (1, 1) with those weights is the line y = x, so the trend at 0 is 0.
    /// At x0 = 1.5: nearest 1, 2 (d 0.5) and 0 or 3 (d 1.5) -> q = 3, d_max = 1.5; the points
    /// at distance 1.5 get weight 0, so the fit uses (1, 1) and (2, 0) with equal weights: the
    /// line through them, 0.5 at 1.5.
    #[test]
    fn hand_computed_values() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [0.0, 1.0, 0.0, 1.0];
        assert!(lowess_at(&x, &y, 0.75, 0.0).abs() < 1e-12);
        assert!((lowess_at(&x, &y, 0.75, 1.5) - 0.5).abs() < 1e-12);
    }
}
