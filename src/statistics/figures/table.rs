//! A CSV file of an output folder read whole. Columns are found by header name; extra columns
//! are ignored.

use std::path::{Path, PathBuf};

use super::PlotError;

/// A CSV file read whole, with its header.
pub(crate) struct Table {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// A column of a [`Table`], found by name.
#[derive(Clone, Copy)]
pub(crate) struct Col<'a> {
    pub(super) idx: usize,
    pub(super) name: &'a str,
}

impl Table {
    pub(crate) fn read(path: &Path, hint: &str) -> Result<Table, PlotError> {
        if !path.is_file() {
            return Err(PlotError::MissingFile {
                path: path.to_path_buf(),
                hint: hint.to_string(),
            });
        }
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| csv_error(path, e))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(PlotError::Csv {
                path: path.to_path_buf(),
                line: Some(1),
                message: "the file is empty or has no header row".into(),
            });
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(path, e))?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn require_rows(&self) -> Result<(), PlotError> {
        if self.rows.is_empty() {
            Err(PlotError::NoRows {
                path: self.path.clone(),
            })
        } else {
            Ok(())
        }
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }

    pub(crate) fn col<'a>(&self, name: &'a str) -> Result<Col<'a>, PlotError> {
        match self.headers.iter().position(|h| h == name) {
            Some(idx) => Ok(Col { idx, name }),
            None => Err(PlotError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
                found: if self.headers.is_empty() {
                    "nothing".into()
                } else {
                    self.headers.join(", ")
                },
            }),
        }
    }

    pub(crate) fn line(&self, row: usize) -> u64 {
        self.rows[row].0
    }

    pub(crate) fn text(&self, row: usize, col: Col<'_>) -> &str {
        self.rows[row].1.get(col.idx).unwrap_or("")
    }

    fn bad(&self, row: usize, col: Col<'_>, expected: &'static str) -> PlotError {
        PlotError::BadValue {
            path: self.path.clone(),
            line: self.line(row),
            column: col.name.to_string(),
            value: self.text(row, col).to_string(),
            expected,
        }
    }

    /// A number; empty fields are an error.
    pub(crate) fn num(&self, row: usize, col: Col<'_>) -> Result<f64, PlotError> {
        self.opt_num(row, col)?
            .ok_or_else(|| self.bad(row, col, "a number (the field is empty)"))
    }

    /// A number, or `None` for an empty field (or `NA`, as R writes it). `NaN` reads as
    /// `None` too: pictures skip what is not a finite number.
    pub(crate) fn opt_num(&self, row: usize, col: Col<'_>) -> Result<Option<f64>, PlotError> {
        let s = self.text(row, col);
        if s.is_empty() || s.eq_ignore_ascii_case("na") {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_nan() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(_) => Err(self.bad(row, col, "a number")),
        }
    }

    /// A non-negative whole number such as a variant index.
    pub(crate) fn index(&self, row: usize, col: Col<'_>) -> Result<usize, PlotError> {
        let s = self.text(row, col);
        if let Ok(v) = s.parse::<usize>() {
            return Ok(v);
        }
        match s.parse::<f64>() {
            Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 1e15 => Ok(v as usize),
            _ => Err(self.bad(row, col, "a whole number (0, 1, 2, ...)")),
        }
    }
}

fn csv_error(path: &Path, e: csv::Error) -> PlotError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => PlotError::Read {
            path: path.to_path_buf(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => PlotError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!("a row has {len} fields where the header has {expected_len}"),
        },
        csv::ErrorKind::Utf8 { .. } => PlotError::Csv {
            path: path.to_path_buf(),
            line,
            message: "the text is not valid UTF-8".into(),
        },
        other => PlotError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!("{:?}", other),
        },
    }
}
