//! Errors of the library, each telling the user what went wrong and what to do about it.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::ops::Range;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Exit code for bad input: scenario files, options, input folders.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for every other failure.
pub const EXIT_FAILURE: i32 = 1;

/// One problem found in a scenario file.
#[derive(Debug, Clone, Error, Diagnostic)]
#[error("{message}")]
pub struct Problem {
    /// What is wrong, naming the key and what is allowed; starts with `file:line:column:`
    /// when the position is known.
    pub message: String,
    #[label("here")]
    pub span: Option<SourceSpan>,
    #[help]
    pub help: Option<String>,
}

/// Every problem found in one scenario file, with its text for rendering.
#[derive(Debug, Error, Diagnostic)]
#[error("{} has {} problem{}; nothing was run", .file, .total, if *.total == 1 { "" } else { "s" })]
pub struct ScenarioError {
    pub file: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[related]
    pub problems: Vec<Problem>,
    /// How many problems were found: more than `problems` holds when there were more than
    /// [`MAX_PROBLEMS`] (the last problem then says how many are not shown).
    pub total: usize,
}

impl ScenarioError {
    /// The problems as plain lines, one per problem.
    pub fn lines(&self) -> Vec<String> {
        self.problems.iter().map(|p| p.message.clone()).collect()
    }
}

/// Most problems reported for one file; beyond this a last problem says how many more there are
/// (a generated file with thousands of bad values would otherwise flood the terminal).
pub const MAX_PROBLEMS: usize = 100;

/// Collects problems in a scenario file, turning byte offsets into `file:line:column` prefixes.
pub struct ProblemSink<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
    /// Problems found beyond [`MAX_PROBLEMS`].
    more: usize,
}

impl<'a> ProblemSink<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            problems: Vec::new(),
            more: 0,
        }
    }

    /// Records a problem at an optional byte range of the file.
    pub fn push(&mut self, span: Option<Range<usize>>, message: String, help: Option<String>) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        // Keep the span inside the text and on character boundaries, so that rendering it can
        // never fail, whatever offsets the caller passes.
        let span = span.map(|r| {
            let start = floor_char_boundary(self.text, r.start);
            start..floor_char_boundary(self.text, r.end).max(start)
        });
        let prefix = match &span {
            Some(r) => {
                let (line, col) = line_col(self.text, r.start);
                format!("{}:{line}:{col}", self.file)
            }
            None => self.file.to_string(),
        };
        self.problems.push(Problem {
            message: format!("{prefix}: {message}"),
            span: span.map(|r| SourceSpan::from(r.start..r.end)),
            help,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The collected problems as an error, or `Ok(())` when there are none.
    // The error is large, but made at most once per file, on the way out.
    #[allow(clippy::result_large_err)]
    pub fn finish(mut self) -> Result<(), ScenarioError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        if self.more > 0 {
            self.problems.push(Problem {
                message: format!(
                    "{}: … and {} more problem(s) not shown; fix the ones above and check again",
                    self.file, self.more
                ),
                span: None,
                help: None,
            });
        }
        Err(ScenarioError {
            file: self.file.to_string(),
            source_code: NamedSource::new(self.file, self.text.to_string()),
            total: self.problems.len() + self.more - usize::from(self.more > 0),
            problems: self.problems,
        })
    }
}

/// The largest character boundary of `text` at or before `offset` (at most `text.len()`).
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based line and column (in characters) of a byte offset. An offset inside a character
/// counts as that character; one past the end, as the end.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Any failure of hothouse.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(Box<ScenarioError>),

    /// A command-line option or argument that cannot be used.
    #[error("{0}")]
    Usage(String),

    #[error(
        "the output folder {} already exists; pass --force to replace it, or choose another with --out",
        .0.display()
    )]
    OutputExists(PathBuf),

    /// Input files (shards, output folders) that cannot be used.
    #[error("{0}")]
    BadInput(String),

    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: {message}", .path.display())]
    Csv { path: PathBuf, message: String },

    #[error(transparent)]
    Plot(#[from] crate::plots::PlotError),

    #[error(
        "interrupted; the previous results (if any) are untouched. Run again with --resume to continue"
    )]
    Interrupted,
}

impl Error {
    /// The process exit code the contract gives this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Usage(_) | Error::OutputExists(_) | Error::BadInput(_) => {
                EXIT_BAD_INPUT
            }
            Error::Plot(e) if e.is_input_error() => EXIT_BAD_INPUT,
            _ => EXIT_FAILURE,
        }
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn csv(path: impl AsRef<Path>, err: impl std::fmt::Display) -> Self {
        Error::Csv {
            path: path.as_ref().to_path_buf(),
            message: err.to_string(),
        }
    }
}

impl From<ScenarioError> for Error {
    fn from(e: ScenarioError) -> Self {
        Error::Scenario(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 8), (2, 3));
        assert_eq!(line_col(t, 999), (3, 1));
    }

    #[test]
    fn line_col_inside_a_character() {
        let t = "é\nb";
        assert_eq!(line_col(t, 1), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
    }

    #[test]
    fn a_flood_of_problems_is_cut_short() {
        let mut sink = ProblemSink::new("f", "x");
        for i in 0..MAX_PROBLEMS + 7 {
            sink.push(None, format!("p{i}"), None);
        }
        let lines = sink.finish().unwrap_err().lines();
        assert_eq!(lines.len(), MAX_PROBLEMS + 1);
        assert!(lines[MAX_PROBLEMS].contains("7 more problem(s)"));
    }

    #[test]
    fn spans_are_kept_inside_the_text() {
        let mut sink = ProblemSink::new("f", "é");
        sink.push(Some(1..99), "x".into(), None);
        let e = sink.finish().unwrap_err();
        assert_eq!(e.lines(), vec!["f:1:1: x".to_string()]);
    }
}
