//! One trial's history (`trace.csv`), as the trace picture draws it.

use std::path::Path;

use super::PlotError;
use super::table::Table;

const TRACE_HINT: &str =
    "write it with `hothouse trace SCENARIO.toml --variant V --trial I --out DIR`";

/// One trial's history (`trace.csv`).
pub(crate) struct Trace {
    pub(crate) time: Vec<f64>,
    pub(crate) stage: Vec<String>,
    pub(crate) participants: Vec<f64>,
    pub(crate) active: Vec<f64>,
    pub(crate) assets: Vec<f64>,
    pub(crate) brand: Vec<f64>,
    pub(crate) host_active: Vec<f64>,
    pub(crate) host_spend: Vec<f64>,
    pub(crate) revenue: Vec<f64>,
    pub(crate) operating_cost: Vec<f64>,
    /// The trial's critical mass (active contributors), when the file has the column.
    pub(crate) critical_mass: Option<f64>,
}

impl Trace {
    pub(crate) fn read(path: &Path) -> Result<Trace, PlotError> {
        let t = Table::read(path, TRACE_HINT)?;
        let names = [
            "time",
            "stage",
            "participants",
            "active",
            "assets",
            "brand",
            "host_active",
            "host_spend",
            "revenue",
            "operating_cost",
        ];
        let cols = names
            .iter()
            .map(|n| t.col(n))
            .collect::<Result<Vec<_>, _>>()?;
        t.require_rows()?;
        // written since the trace picture draws the level; older files lack it
        let critical_mass = t.col("critical_mass").ok().and_then(|c| {
            (0..t.len())
                .find_map(|row| t.opt_num(row, c).ok().flatten())
                .filter(|v| v.is_finite())
        });
        let mut rows: Vec<(f64, String, [f64; 8])> = Vec::with_capacity(t.len());
        for row in 0..t.len() {
            let time = t.num(row, cols[0])?;
            if !time.is_finite() {
                return Err(PlotError::BadValue {
                    path: path.to_path_buf(),
                    line: t.line(row),
                    column: "time".into(),
                    value: t.text(row, cols[0]).into(),
                    expected: "a finite number",
                });
            }
            let stage = t.text(row, cols[1]).to_ascii_lowercase();
            let mut vals = [0.0; 8];
            for (k, c) in cols[2..].iter().enumerate() {
                // empty or non-finite values are drawn as gaps (NaN), not as zero
                vals[k] = match t.opt_num(row, *c)? {
                    Some(v) if v.is_finite() => v,
                    _ => f64::NAN,
                };
            }
            rows.push((time, stage, vals));
        }
        // stable sort keeps the file's order for equal times
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let col = |k: usize| rows.iter().map(|r| r.2[k]).collect::<Vec<f64>>();
        Ok(Trace {
            time: rows.iter().map(|r| r.0).collect(),
            stage: rows.iter().map(|r| r.1.clone()).collect(),
            participants: col(0),
            active: col(1),
            assets: col(2),
            brand: col(3),
            host_active: col(4),
            host_spend: col(5),
            revenue: col(6),
            operating_cost: col(7),
            critical_mass,
        })
    }
}
