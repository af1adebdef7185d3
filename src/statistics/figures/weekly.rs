//! The fan chart's data (`weekly.csv`): per variant and recorded week, the number of
//! communities still running and, for each quantity, the mean and the 10%, 50% and 90%
//! quantiles over them (`crate::weekly` defines them).

use std::path::Path;

use super::PlotError;
use super::table::Table;

/// The weekly statistics of a run.
pub(crate) const WEEKLY_CSV: &str = crate::weekly::WEEKLY_CSV;

const HINT: &str = "the fan chart is drawn from `weekly.csv` as written by `hothouse run` (or `hothouse merge`); redo the run or copy the file back";

/// One quantity's fan over the weeks of a variant; `None` where no community was running.
#[derive(Debug, Default)]
pub(crate) struct Fan {
    pub(crate) mean: Vec<Option<f64>>,
    pub(crate) p10: Vec<Option<f64>>,
    pub(crate) p50: Vec<Option<f64>>,
    pub(crate) p90: Vec<Option<f64>>,
}

impl Fan {
    /// The highest value drawn (mean or 90% quantile) in the weeks with at least `least`
    /// communities `running`; 0 when none.
    pub(crate) fn max(&self, running: &[f64], least: f64) -> f64 {
        let shown = |ys: &[Option<f64>]| {
            ys.iter()
                .zip(running)
                .filter(|&(_, &n)| n >= least)
                .filter_map(|(y, _)| *y)
                .collect::<Vec<f64>>()
        };
        shown(&self.p90)
            .into_iter()
            .chain(shown(&self.mean))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }
}

/// One variant's rows, in week order.
#[derive(Debug)]
pub(crate) struct WeeklySeries {
    pub(crate) variant: usize,
    pub(crate) week: Vec<f64>,
    pub(crate) running: Vec<f64>,
    /// In the order of [`crate::weekly::QUANTITIES`].
    pub(crate) fans: [Fan; 4],
}

/// `weekly.csv`, by variant.
#[derive(Debug)]
pub(crate) struct WeeklyData {
    /// Sorted by variant.
    pub(crate) series: Vec<WeeklySeries>,
}

impl WeeklyData {
    pub(crate) fn read(dir: &Path) -> Result<WeeklyData, PlotError> {
        let table = Table::read(&dir.join(WEEKLY_CSV), HINT)?;
        table.require_rows()?;
        let variant = table.col("variant")?;
        let week = table.col("week")?;
        let running = table.col("n_running")?;
        let names: Vec<[String; 4]> = crate::weekly::QUANTITIES
            .iter()
            .map(|q| ["mean", "p10", "p50", "p90"].map(|s| format!("{q}_{s}")))
            .collect();
        let mut cols = Vec::new();
        for n in &names {
            cols.push([
                table.col(&n[0])?,
                table.col(&n[1])?,
                table.col(&n[2])?,
                table.col(&n[3])?,
            ]);
        }
        let mut series: Vec<WeeklySeries> = Vec::new();
        for row in 0..table.len() {
            let v = table.index(row, variant)?;
            let k = match series.iter().position(|s| s.variant == v) {
                Some(k) => k,
                None => {
                    series.push(WeeklySeries {
                        variant: v,
                        week: Vec::new(),
                        running: Vec::new(),
                        fans: Default::default(),
                    });
                    series.len() - 1
                }
            };
            let s = &mut series[k];
            s.week.push(table.num(row, week)?);
            s.running.push(table.num(row, running)?);
            for (fan, c) in s.fans.iter_mut().zip(&cols) {
                fan.mean.push(table.opt_num(row, c[0])?);
                fan.p10.push(table.opt_num(row, c[1])?);
                fan.p50.push(table.opt_num(row, c[2])?);
                fan.p90.push(table.opt_num(row, c[3])?);
            }
        }
        series.sort_by_key(|s| s.variant);
        Ok(WeeklyData { series })
    }

    /// The last recorded week (the horizon), at least 1.
    pub(crate) fn horizon(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.week.iter().copied())
            .filter(|t| t.is_finite())
            .fold(1.0, f64::max)
    }
}

/// Consecutive stretches of a fan where both edges are known: (week, lower, upper) each.
pub(crate) fn stretches(
    week: &[f64],
    lo: &[Option<f64>],
    hi: &[Option<f64>],
) -> Vec<Vec<(f64, f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for ((&t, l), h) in week.iter().zip(lo).zip(hi) {
        match (l, h) {
            (Some(l), Some(h)) if l.is_finite() && h.is_finite() => cur.push((t, *l, *h)),
            _ => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_weekly_file_by_variant_and_splits_at_empty_weeks() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = crate::weekly::columns().join(",");
        text.push('\n');
        text.push_str("1,0,2,3.000,2,3,4,1.000,1,1,1,0.000,0,0,0,0.000,0,0,0\n");
        text.push_str("0,0,2,5.000,4,5,6,2.000,2,2,2,1.000,1,1,1,0.400,0.4,0.4,0.4\n");
        text.push_str("0,1,0,,,,,,,,,,,,,,,,\n");
        text.push_str("0,2,1,7.000,7,7,7,2.000,2,2,2,1.000,1,1,1,0.800,0.8,0.8,0.8\n");
        std::fs::write(dir.path().join(WEEKLY_CSV), text).unwrap();
        let d = WeeklyData::read(dir.path()).unwrap();
        assert_eq!(d.series.len(), 2);
        assert_eq!(d.series[0].variant, 0);
        assert_eq!(d.series[0].week, [0.0, 1.0, 2.0]);
        assert_eq!(d.series[0].running, [2.0, 0.0, 1.0]);
        let f = &d.series[0].fans[0];
        assert_eq!(f.p50, [Some(5.0), None, Some(7.0)]);
        assert_eq!(f.max(&d.series[0].running, 1.0), 7.0);
        assert_eq!(f.max(&d.series[0].running, 2.0), 6.0);
        assert_eq!(d.horizon(), 2.0);
        let s = stretches(&d.series[0].week, &f.p10, &f.p90);
        assert_eq!(s, vec![vec![(0.0, 4.0, 6.0)], vec![(2.0, 7.0, 7.0)]]);
    }
}
