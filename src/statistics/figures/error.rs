//! Why a picture could not be drawn.

use std::path::PathBuf;

use super::{SUMMARY_CSV, SURVIVAL_CSV, TRACE_CSV};

/// Why a picture could not be drawn. Every message names the file concerned and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A CSV file the pictures are drawn from is not there.
    #[error(
        "{}: not found; {hint}",
        path.display()
    )]
    MissingFile {
        /// The file looked for.
        path: PathBuf,
        /// What the user can do about it.
        hint: String,
    },
    /// The folder holds none of the CSV files pictures are drawn from.
    #[error(
        "{}: nothing to draw: the folder holds neither `{SURVIVAL_CSV}`/`{SUMMARY_CSV}` (written by `hothouse run`) nor `{TRACE_CSV}` (written by `hothouse trace`); give the output folder of a run or of a trace",
        dir.display()
    )]
    NothingToDraw {
        /// The folder given.
        dir: PathBuf,
    },
    /// Reading a file failed at the operating-system level.
    #[error("{}: cannot read the file: {source}", path.display())]
    Read {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing a picture failed at the operating-system level.
    #[error("{}: cannot write the picture: {source}; check that the folder exists, is writable and the disk is not full", path.display())]
    Write {
        /// The picture being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not well-formed CSV (for instance a row with the wrong number of fields).
    #[error("{}{}: not a well-formed CSV file: {message}; redo the run, or repair the file so that every row has one field per header column", path.display(), line_suffix(*line))]
    Csv {
        /// The file being read.
        path: PathBuf,
        /// The line where the problem was found, if known.
        line: Option<u64>,
        /// What the CSV reader reported.
        message: String,
    },
    /// A column the picture needs is not in the file's header.
    #[error("{}: missing column `{column}` (the header has: {found}); redo the run with this version of hothouse, or add the column", path.display())]
    MissingColumn {
        /// The file being read.
        path: PathBuf,
        /// The column looked for.
        column: String,
        /// The columns the header does have, comma separated.
        found: String,
    },
    /// A field does not hold the kind of value its column needs.
    #[error("{}, line {line}, column `{column}`: `{value}` is not {expected}; fix the value or redo the run", path.display())]
    BadValue {
        /// The file being read.
        path: PathBuf,
        /// The line of the bad field (1 is the header).
        line: u64,
        /// The column of the bad field.
        column: String,
        /// The field as written.
        value: String,
        /// What the column needs, e.g. "a number".
        expected: &'static str,
    },
    /// The file has a header but no data rows.
    #[error("{}: the file has no data rows; redo the run (it may have been interrupted before writing them)", path.display())]
    NoRows {
        /// The file being read.
        path: PathBuf,
    },
    /// The files contradict each other or themselves.
    #[error("{}: {message}", path.display())]
    Inconsistent {
        /// The file where the contradiction shows.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The drawing library failed.
    #[error("{}: drawing failed: {message}", path.display())]
    Draw {
        /// The picture being drawn.
        path: PathBuf,
        /// What the drawing library reported.
        message: String,
    },
    /// The bundled font could not be loaded (the binary is damaged).
    #[error(
        "the bundled font assets/fonts/DejaVuSans.ttf could not be loaded; the build is damaged, reinstall hothouse"
    )]
    Font,
}

fn line_suffix(line: Option<u64>) -> String {
    match line {
        Some(l) => format!(", line {l}"),
        None => String::new(),
    }
}

impl PlotError {
    /// True when the error comes from the input files (missing, malformed or inconsistent),
    /// for which the command line exits with code 2; false for failures while drawing or
    /// writing pictures (exit code 1).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            PlotError::MissingFile { .. }
                | PlotError::NothingToDraw { .. }
                | PlotError::Read { .. }
                | PlotError::Csv { .. }
                | PlotError::MissingColumn { .. }
                | PlotError::BadValue { .. }
                | PlotError::NoRows { .. }
                | PlotError::Inconsistent { .. }
        )
    }
}
