//! The run pictures' data: the swept parameters (`variants.csv`), the curves (`survival.csv`)
//! and one row per variant (`summary.csv`).

use std::collections::BTreeMap;
use std::path::Path;

use super::table::{Col, Table};
use super::{PlotError, SUMMARY_CSV, SURVIVAL_CSV, VARIANTS_CSV};
use crate::statistics::PairedTrials;

const RUN_HINT: &str = "the pictures of a run are drawn from `variants.csv`, `survival.csv` and `summary.csv` as written by `hothouse run` (or `hothouse merge`); redo the run or copy the file back";

/// The swept parameters and each variant's values of them (`variants.csv`).
pub(crate) struct Sweep {
    /// Dotted parameter paths, in column order.
    pub(crate) params: Vec<String>,
    /// Variant index -> values (as written), one per parameter.
    pub(crate) values: BTreeMap<usize, Vec<String>>,
}

impl Sweep {
    fn read(dir: &Path) -> Result<Sweep, PlotError> {
        let table = Table::read(&dir.join(VARIANTS_CSV), RUN_HINT)?;
        let variant = table.col("variant")?;
        table.require_rows()?;
        let param_cols: Vec<Col<'_>> = table
            .headers()
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != variant.idx)
            .map(|(idx, h)| Col { idx, name: h })
            .collect();
        let params: Vec<String> = param_cols.iter().map(|c| c.name.to_string()).collect();
        let mut values = BTreeMap::new();
        for row in 0..table.len() {
            let id = table.index(row, variant)?;
            let vals: Vec<String> = param_cols
                .iter()
                .map(|&c| table.text(row, c).to_string())
                .collect();
            if values.insert(id, vals).is_some() {
                return Err(PlotError::Inconsistent {
                    path: table.path().to_path_buf(),
                    message: format!(
                        "line {}: variant {id} appears twice; each variant needs exactly one row",
                        table.line(row)
                    ),
                });
            }
        }
        Ok(Sweep { params, values })
    }

    /// The values of variant `id`, or `None` if `variants.csv` does not list it.
    pub(crate) fn values_of(&self, id: usize) -> Option<&[String]> {
        self.values.get(&id).map(|v| v.as_slice())
    }
}

/// One variant's rows of `survival.csv`, sorted by time.
pub(crate) struct Curve {
    pub(crate) variant: usize,
    pub(crate) time: Vec<f64>,
    pub(crate) at_risk: Vec<Option<f64>>,
    pub(crate) survival: Vec<Option<f64>>,
    pub(crate) lower: Vec<Option<f64>>,
    pub(crate) upper: Vec<Option<f64>>,
    pub(crate) cif_fizzled: Vec<Option<f64>>,
    pub(crate) cif_graduated: Vec<Option<f64>>,
}

/// One row of `summary.csv`.
pub(crate) struct SummaryRow {
    pub(crate) variant: usize,
    pub(crate) trials: Option<f64>,
    pub(crate) p: Option<f64>,
    pub(crate) lower: Option<f64>,
    pub(crate) upper: Option<f64>,
    /// What the host paid, when the file has the cost columns.
    pub(crate) cost: Option<HostCost>,
    /// Trials that graduated, fizzled and were still active at the horizon, when the file
    /// has those columns.
    pub(crate) outcomes: Option<[f64; 3]>,
}

/// The host's money in one row of `summary.csv` (columns `mean_host_spend`,
/// `mean_host_covered`, `host_outlay_per_graduate`), in thousands of pounds. A missing or
/// non-finite field reads as `None`; `per_graduate` is empty when nothing graduated.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HostCost {
    /// Mean facilitation spend per community.
    pub(crate) spend: Option<f64>,
    /// Mean operating shortfall the host paid per community.
    pub(crate) covered: Option<f64>,
    /// Total outlay over all communities divided by the number that graduated.
    pub(crate) per_graduate: Option<f64>,
}

impl HostCost {
    /// Mean outlay per community: spend plus shortfall paid.
    pub(crate) fn outlay(&self) -> Option<f64> {
        match (self.spend, self.covered) {
            (Some(s), Some(c)) if (s + c).is_finite() => Some(s + c),
            _ => None,
        }
    }
}

/// The cost columns of `summary.csv`; older files lack them and draw no cost picture.
pub(crate) const COST_COLUMNS: [&str; 3] = [
    "mean_host_spend",
    "mean_host_covered",
    "host_outlay_per_graduate",
];

/// Everything the run pictures need.
pub(crate) struct RunData {
    pub(crate) sweep: Sweep,
    /// Sorted by variant.
    pub(crate) curves: Vec<Curve>,
    /// Sorted by variant.
    pub(crate) summary: Vec<SummaryRow>,
    /// Whether `summary.csv` has the cost columns ([`COST_COLUMNS`]).
    pub(crate) has_cost: bool,
    /// The trials paired by trial (`trials.csv`) and the run's seed, for "as cheap within
    /// noise"; read only for a run with the cost columns and two or more variants, when
    /// `manifest.json` says the run wrote `trials.csv` whole.
    pub(crate) paired: Option<(PairedTrials, u64)>,
}

/// The paired trials of the run in `dir` and its seed (`None` when a file is missing or
/// does not fit).
fn read_paired(dir: &Path, variants: usize) -> Option<(PairedTrials, u64)> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let m: serde_json::Value = serde_json::from_str(&text).ok()?;
    if m.get("trials_csv")?.as_bool() != Some(true) {
        return None;
    }
    let seed = m.get("seed")?.as_u64()?;
    let range = m.get("trial_range")?.as_array()?;
    let (first, end) = (range.first()?.as_u64()?, range.get(1)?.as_u64()?);
    let trials = PairedTrials::read(&dir.join("trials.csv"), variants, first, end)?;
    Some((trials, seed))
}

impl RunData {
    pub(crate) fn read(dir: &Path) -> Result<RunData, PlotError> {
        let sweep = Sweep::read(dir)?;
        let curves = read_survival(&dir.join(SURVIVAL_CSV))?;
        let (summary, has_cost) = read_summary(&dir.join(SUMMARY_CSV))?;
        let unknown = |file: &str, v: usize| PlotError::Inconsistent {
            path: dir.join(file),
            message: format!(
                "variant {v} is not listed in {VARIANTS_CSV}; the files seem to come from different runs: redo the run, or redraw the folder they were written to together"
            ),
        };
        if let Some(c) = curves.iter().find(|c| sweep.values_of(c.variant).is_none()) {
            return Err(unknown(SURVIVAL_CSV, c.variant));
        }
        if let Some(r) = summary
            .iter()
            .find(|r| sweep.values_of(r.variant).is_none())
        {
            return Err(unknown(SUMMARY_CSV, r.variant));
        }
        let paired = if has_cost && summary.len() > 1 {
            let variants = sweep.values.keys().max().map_or(0, |v| v + 1);
            read_paired(dir, variants)
        } else {
            None
        };
        Ok(RunData {
            sweep,
            curves,
            summary,
            has_cost,
            paired,
        })
    }

    /// The largest time in `survival.csv` (the horizon), at least 1.
    pub(crate) fn horizon(&self) -> f64 {
        self.curves
            .iter()
            .flat_map(|c| c.time.iter().copied())
            .filter(|t| t.is_finite())
            .fold(1.0, f64::max)
    }

    /// Trials per variant as "n = 1000" or "n = 500 to 1000 trials per variant", from the
    /// summary (or the number at risk at the first time of each curve).
    pub(crate) fn trials_note(&self) -> Option<String> {
        let mut counts: Vec<f64> = self.summary.iter().filter_map(|r| r.trials).collect();
        if counts.is_empty() {
            counts = self
                .curves
                .iter()
                .filter_map(|c| c.at_risk.first().copied().flatten())
                .collect();
        }
        let lo = counts.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = counts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        let per = if self.curves.len().max(self.summary.len()) > 1 {
            " per variant"
        } else {
            ""
        };
        Some(if lo == hi {
            format!("{} trials{per}", lo)
        } else {
            format!("{} to {} trials{per}", lo, hi)
        })
    }
}

fn read_survival(path: &Path) -> Result<Vec<Curve>, PlotError> {
    let t = Table::read(path, RUN_HINT)?;
    let variant = t.col("variant")?;
    let time = t.col("time")?;
    let survival = t.col("survival")?;
    let lower = t.col("survival_lower")?;
    let upper = t.col("survival_upper")?;
    let cif_f = t.col("cif_fizzled")?;
    let cif_g = t.col("cif_graduated")?;
    let at_risk = if t.has("at_risk") {
        Some(t.col("at_risk")?)
    } else {
        None
    };
    t.require_rows()?;

    let mut by_variant: BTreeMap<usize, Vec<[Option<f64>; 7]>> = BTreeMap::new();
    for row in 0..t.len() {
        let v = t.index(row, variant)?;
        let tm = t.num(row, time)?;
        if !tm.is_finite() {
            return Err(PlotError::BadValue {
                path: path.to_path_buf(),
                line: t.line(row),
                column: "time".into(),
                value: t.text(row, time).into(),
                expected: "a finite number",
            });
        }
        let ar = match at_risk {
            Some(c) => t.opt_num(row, c)?,
            None => None,
        };
        by_variant.entry(v).or_default().push([
            Some(tm),
            ar,
            t.opt_num(row, survival)?,
            t.opt_num(row, lower)?,
            t.opt_num(row, upper)?,
            t.opt_num(row, cif_f)?,
            t.opt_num(row, cif_g)?,
        ]);
    }
    Ok(by_variant
        .into_iter()
        .map(|(variant, mut rows)| {
            rows.sort_by(|a, b| a[0].unwrap_or(0.0).total_cmp(&b[0].unwrap_or(0.0)));
            let col = |k: usize| rows.iter().map(|r| r[k].map(clamp01)).collect::<Vec<_>>();
            Curve {
                variant,
                time: rows.iter().map(|r| r[0].unwrap_or(0.0)).collect(),
                at_risk: rows.iter().map(|r| r[1]).collect(),
                survival: col(2),
                lower: col(3),
                upper: col(4),
                cif_fizzled: col(5),
                cif_graduated: col(6),
            }
        })
        .collect())
}

/// The rows of `summary.csv`, and whether it has all of the cost columns.
fn read_summary(path: &Path) -> Result<(Vec<SummaryRow>, bool), PlotError> {
    let t = Table::read(path, RUN_HINT)?;
    let variant = t.col("variant")?;
    let p = t.col("p_graduate")?;
    let lower = t.col("p_graduate_lower")?;
    let upper = t.col("p_graduate_upper")?;
    let trials = if t.has("trials") {
        Some(t.col("trials")?)
    } else {
        None
    };
    let outcomes = if ["graduated", "fizzled", "censored"]
        .iter()
        .all(|c| t.has(c))
    {
        Some([t.col("graduated")?, t.col("fizzled")?, t.col("censored")?])
    } else {
        None
    };
    let cost = if COST_COLUMNS.iter().all(|c| t.has(c)) {
        Some([
            t.col(COST_COLUMNS[0])?,
            t.col(COST_COLUMNS[1])?,
            t.col(COST_COLUMNS[2])?,
        ])
    } else {
        None
    };
    t.require_rows()?;
    let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
    let mut rows = Vec::with_capacity(t.len());
    for row in 0..t.len() {
        rows.push(SummaryRow {
            variant: t.index(row, variant)?,
            trials: match trials {
                Some(c) => t.opt_num(row, c)?,
                None => None,
            },
            outcomes: match outcomes {
                Some([g, f, c]) => {
                    match (t.opt_num(row, g)?, t.opt_num(row, f)?, t.opt_num(row, c)?) {
                        (Some(g), Some(f), Some(c))
                            if (g + f + c).is_finite() && g + f + c > 0.0 =>
                        {
                            Some([g, f, c])
                        }
                        _ => None,
                    }
                }
                None => None,
            },
            p: t.opt_num(row, p)?.map(clamp01),
            lower: t.opt_num(row, lower)?.map(clamp01),
            upper: t.opt_num(row, upper)?.map(clamp01),
            cost: match cost {
                Some([s, c, g]) => Some(HostCost {
                    spend: finite(t.opt_num(row, s)?),
                    covered: finite(t.opt_num(row, c)?),
                    per_graduate: finite(t.opt_num(row, g)?),
                }),
                None => None,
            },
        });
    }
    rows.sort_by_key(|r| r.variant);
    for w in rows.windows(2) {
        if w[0].variant == w[1].variant {
            return Err(PlotError::Inconsistent {
                path: path.to_path_buf(),
                message: format!(
                    "variant {} appears twice; each variant needs exactly one row",
                    w[0].variant
                ),
            });
        }
    }
    Ok((rows, cost.is_some()))
}

/// Probabilities outside [0, 1] (rounding, or a damaged file) are drawn at the edge.
fn clamp01(v: f64) -> f64 {
    if v.is_finite() { v.clamp(0.0, 1.0) } else { v }
}
