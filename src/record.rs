//! A real life-cycle record: one row per community with its outcome and how long it was followed,
//! as in `data/apache_incubator.csv`. Columns (found by name; others are ignored):
//! `name, start, end, outcome, time_weeks`, with `outcome` one of `graduated`, `fizzled`,
//! `censored` (still running when the record was taken) and `time_weeks` the weeks from start to
//! the outcome (or to the record's date when censored), a real number `>= 0`.
//!
//! # Putting record times on the model's weekly grid
//!
//! The model's week `k` is the interval `(k-1, k]` and an outcome in it is recorded at time `k`
//! (the first outcome can come in week 1). A record time `x` weeks is therefore put at week
//! `max(1, ceil(x))`: the week in which it happened. This holds for censoring too (a community
//! followed to 10.3 weeks is counted at risk in week 11, and, as usual, a censoring counts as
//! after the outcomes of its week). Records of zero length go to week 1.

use std::path::Path;

use crate::Outcome;
use crate::error::Error;
use crate::statistics::{Incidence, OutcomeCounts, cumulative_incidence};

/// The columns a record must have.
pub const RECORD_COLUMNS: [&str; 5] = ["name", "start", "end", "outcome", "time_weeks"];

/// The longest time accepted, in weeks (about 1,900 years): anything longer is a mistake in the
/// file, and would make the weekly tables needlessly large.
pub const MAX_WEEKS: f64 = 100_000.0;

/// Most problems listed for one file.
const MAX_LISTED: usize = 20;

/// One community of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub outcome: Outcome,
    /// Weeks followed, as written.
    pub weeks: f64,
}

impl Entry {
    /// The week of the model's grid this entry ends in: `max(1, ceil(weeks))`.
    pub fn week(&self) -> u32 {
        week_of(self.weeks)
    }
}

/// A record time in weeks put on the weekly grid: `max(1, ceil(weeks))` (module documentation).
pub fn week_of(weeks: f64) -> u32 {
    weeks.ceil().clamp(1.0, MAX_WEEKS) as u32
}

/// A whole record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The file it was read from, as given.
    pub file: String,
    pub entries: Vec<Entry>,
}

impl Record {
    /// Reads and validates a record file. Every problem is reported at once, each naming the file,
    /// line and column (exit code 2).
    pub fn read(path: &Path) -> Result<Record, Error> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::BadInput(format!("{file}: cannot read the record ({e})")))?;
        Record::parse(&file, &text)
    }

    /// Parses and validates the text of a record file named `file`.
    pub fn parse(file: &str, text: &str) -> Result<Record, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::BadInput(format!("{file}:1: cannot read the header row ({e})")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let columns = Columns::find(file, &headers)?;
        let mut problems: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        for record in reader.records() {
            match record {
                Ok(row) => entries.extend(columns.entry(file, &headers, &row, &mut problems)),
                Err(e) => problems.push(row_error(file, &e)),
            }
        }
        if problems.is_empty() {
            if entries.is_empty() {
                problems.push(format!(
                    "{file}: the record has no rows; it needs one row per community"
                ));
            } else if entries.iter().all(|e| e.outcome == Outcome::Censored) {
                problems.push(format!(
                    "{file}: every community of the record is censored; without a graduation or a fizzle there are no curves to compare"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems_error(file, problems));
        }
        Ok(Record {
            file: file.to_string(),
            entries,
        })
    }

    /// The longest follow-up on the weekly grid: the largest [`Entry::week`].
    pub fn follow_up(&self) -> u32 {
        self.entries.iter().map(Entry::week).max().unwrap_or(1)
    }

    /// The record's outcome counts on the weekly grid, over weeks `0..=follow_up`.
    pub fn counts(&self) -> OutcomeCounts {
        OutcomeCounts::from_outcomes(
            self.follow_up(),
            self.entries.iter().map(|e| (e.outcome, e.week())),
        )
    }

    /// The record's Aalen-Johansen curves of both outcomes with 95% bands, per week
    /// `0..=follow_up`.
    pub fn incidence(&self) -> Incidence {
        cumulative_incidence(&self.counts())
    }

    /// How many communities ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }
}

/// Where the record's columns are in its header.
struct Columns {
    name: usize,
    outcome: usize,
    time: usize,
}

impl Columns {
    /// The columns of [`RECORD_COLUMNS`] in `headers`; an error listing those missing.
    fn find(file: &str, headers: &[String]) -> Result<Columns, Error> {
        let col = |name: &str| headers.iter().position(|h| h == name);
        if let (Some(name), Some(outcome), Some(time)) =
            (col("name"), col("outcome"), col("time_weeks"))
        {
            return Ok(Columns {
                name,
                outcome,
                time,
            });
        }
        let missing: Vec<String> = RECORD_COLUMNS
            .iter()
            .filter(|c| col(c).is_none())
            .map(|m| format!("`{m}`"))
            .collect();
        Err(Error::BadInput(format!(
            "{file}:1: missing column{} {} (the header has: {}); a record needs the columns {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if headers.iter().all(String::is_empty) {
                "nothing".to_string()
            } else {
                headers.join(", ")
            },
            RECORD_COLUMNS.join(", ")
        )))
    }

    /// One row as an entry, or `None` with its problems (naming line and column) pushed.
    fn entry(
        &self,
        file: &str,
        headers: &[String],
        row: &csv::StringRecord,
        problems: &mut Vec<String>,
    ) -> Option<Entry> {
        let line = row.position().map_or(0, |p| p.line());
        let at = |c: usize| format!("{file}:{line}:{}: column `{}`", c + 1, headers[c]);
        let outcome_text = row.get(self.outcome).unwrap_or("");
        let outcome = Outcome::parse(outcome_text);
        if outcome.is_none() {
            problems.push(format!(
                "{}: `{outcome_text}` is not an outcome; use graduated, fizzled or censored",
                at(self.outcome)
            ));
        }
        let time_text = row.get(self.time).unwrap_or("");
        let weeks = match time_text.parse::<f64>() {
            Ok(w) if w.is_finite() && (0.0..=MAX_WEEKS).contains(&w) => Some(w),
            Ok(w) if w < 0.0 => {
                problems.push(format!(
                    "{}: `{time_text}` is negative; a time is the number of weeks followed, 0 or more",
                    at(self.time)
                ));
                None
            }
            _ => {
                problems.push(format!(
                    "{}: `{time_text}` is not a number of weeks between 0 and {MAX_WEEKS}",
                    at(self.time)
                ));
                None
            }
        };
        Some(Entry {
            name: row.get(self.name).unwrap_or("").to_string(),
            outcome: outcome?,
            weeks: weeks?,
        })
    }
}

/// A row the CSV reader could not read, as "file:line: what is wrong".
fn row_error(file: &str, e: &csv::Error) -> String {
    let line = e.position().map_or(0, |p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".into(),
        _ => e.to_string(),
    };
    format!("{file}:{line}: {what}")
}

/// Every problem found in a record, the first [`MAX_LISTED`] shown, as one bad-input error.
fn problems_error(file: &str, mut problems: Vec<String>) -> Error {
    let total = problems.len();
    problems.truncate(MAX_LISTED);
    if total > MAX_LISTED {
        problems.push(format!(
            "{file}: … and {} more problem(s) not shown",
            total - MAX_LISTED
        ));
    }
    let mut msg = format!(
        "{file}: {total} problem{} in the record; nothing was written",
        if total == 1 { "" } else { "s" }
    );
    for p in problems {
        msg.push_str("\n  ");
        msg.push_str(&p);
    }
    Error::BadInput(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "name,start,end,outcome,time_weeks\n";

    fn err(text: &str) -> String {
        match Record::parse("r.csv", text) {
            Err(Error::BadInput(m)) => m,
            other => panic!("expected bad input, got {other:?}"),
        }
    }

    #[test]
    fn weeks_on_the_grid() {
        assert_eq!(week_of(0.0), 1);
        assert_eq!(week_of(0.2), 1);
        assert_eq!(week_of(1.0), 1);
        assert_eq!(week_of(8.286), 9);
        assert_eq!(week_of(205.0), 205);
    }

    #[test]
    fn reads_a_good_record() {
        let r = Record::parse(
            "r.csv",
            &format!("{HEAD}a,2003-01-01,2004-01-01,graduated,52.14\nb,x,y,fizzled,3\nc,,,censored,10.5\n"),
        )
        .unwrap();
        assert_eq!(r.entries.len(), 3);
        assert_eq!(r.follow_up(), 53);
        let c = r.counts();
        assert_eq!(c.graduated[53], 1);
        assert_eq!(c.fizzled[3], 1);
        assert_eq!(c.censored[11], 1);
    }

    #[test]
    fn names_file_line_and_column() {
        let m = err(&format!(
            "{HEAD}a,s,e,graduated,1\nb,s,e,retired,2\nc,s,e,fizzled,-1\nd,s,e,censored,abc\n"
        ));
        assert!(m.contains("3 problems"), "{m}");
        assert!(
            m.contains("r.csv:3:4: column `outcome`: `retired` is not an outcome"),
            "{m}"
        );
        assert!(
            m.contains("r.csv:4:5: column `time_weeks`: `-1` is negative"),
            "{m}"
        );
        assert!(
            m.contains("r.csv:5:5: column `time_weeks`: `abc` is not a number"),
            "{m}"
        );
    }

    #[test]
    fn missing_columns_and_no_events() {
        let m = err("name,start,end,time\na,s,e,1\n");
        assert!(
            m.starts_with("r.csv:1: missing columns `outcome`, `time_weeks`"),
            "{m}"
        );
        assert!(err(HEAD).contains("no rows"));
        assert!(err(&format!("{HEAD}a,s,e,censored,4\n")).contains("every community"));
        assert!(err(&format!("{HEAD}a,s,e,graduated,inf\n")).contains("not a number"));
        assert!(err(&format!("{HEAD}a,s,e\n")).contains("r.csv:2: the row has 3 fields"));
    }
}
