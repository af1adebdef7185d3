//! Pictures of a run, drawn from the CSV files of its output folder.
//!
//! Everything here reads the files described in the output-folder contract (`variants.csv`,
//! `survival.csv`, `summary.csv`, `trace.csv`), so `hothouse plot DIR` can redraw the pictures of
//! any run, including one merged from shards, without re-running it.
//!
//! | picture | drawn from | shows |
//! |---|---|---|
//! | `survival.png/.svg` | `survival.csv`, `variants.csv` | Kaplan-Meier P(not fizzled) per variant, shaded 95% bands |
//! | `cif.png/.svg` | `survival.csv`, `variants.csv` | cumulative incidence of graduation (solid) and fizzling (dashed) |
//! | `graduation.png/.svg` | `summary.csv`, `variants.csv` | P(graduate) with 95% Wilson intervals against the first swept parameter |
//! | `graduation_heatmap.png/.svg` | `summary.csv`, `variants.csv` | P(graduate) over the first two swept parameters (only with two or more) |
//! | `cost.png/.svg` | `summary.csv`, `variants.csv` | the host's outlay per graduation against the first swept parameter, and P(graduate) against the mean outlay per community (only when `summary.csv` has the cost columns) |
//! | `trace.png` | `trace.csv` | one trial's history in stacked panels sharing the time axis |
//!
//! Each picture is drawn by one function generic over the plotters `DrawingBackend`, once into
//! a PNG and once into an SVG. Each file is first written under a temporary name in the same
//! folder and then renamed into place, so an interrupted redraw never leaves a half-written
//! picture behind.
//!
//! With many variants the pictures switch to small multiples (a grid of panels) so that no
//! panel carries more than eight curves (four variants in the cumulative-incidence picture,
//! which draws two curves per variant).

mod arrange;
pub mod compare;
mod cost;
mod data;
mod graduation;
mod layout;
mod style;
mod survival;
mod trace;

use std::fs;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use plotters::coord::Shift;
use plotters::prelude::*;

/// File names inside an output folder.
pub const VARIANTS_CSV: &str = "variants.csv";
/// Kaplan-Meier and cumulative-incidence table, one row per variant and time.
pub const SURVIVAL_CSV: &str = "survival.csv";
/// One row per variant: counts, P(graduate) and its interval, median survival, RMST and
/// (since the cost columns were added) the host's mean outlay and outlay per graduation.
pub const SUMMARY_CSV: &str = "summary.csv";
/// One trial's step-by-step history.
pub const TRACE_CSV: &str = "trace.csv";

/// Size in pixels of the run pictures when they hold a single panel (grids grow beyond it).
pub const PICTURE_SIZE: (u32, u32) = (1200, 800);
/// Size in pixels of the trace picture.
pub const TRACE_SIZE: (u32, u32) = (1200, 1000);

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

/// Redraws every picture an output folder supports and returns the paths written.
///
/// A run folder (`survival.csv`, `summary.csv`, `variants.csv`) gives `survival`, `cif`,
/// `graduation` (PNG and SVG each), with two or more swept parameters
/// `graduation_heatmap`, and, when `summary.csv` has the host's cost columns
/// (`mean_host_spend`, `mean_host_covered`, `host_outlay_per_graduate`), `cost`. If the folder holds a `trace.csv` (the folder of `hothouse trace`),
/// `trace.png` is redrawn too. A folder with none of these files is an error; so is a run
/// folder with one of its three CSV files missing.
pub fn draw_run(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    if !dir.is_dir() {
        return Err(PlotError::MissingFile {
            path: dir.to_path_buf(),
            hint: "give the output folder of `hothouse run` (or of `hothouse trace`)".into(),
        });
    }
    let has_run = [VARIANTS_CSV, SURVIVAL_CSV, SUMMARY_CSV]
        .iter()
        .any(|f| dir.join(f).exists());
    let trace_csv = dir.join(TRACE_CSV);
    let has_trace = trace_csv.is_file();
    if !has_run && !has_trace {
        return Err(PlotError::NothingToDraw {
            dir: dir.to_path_buf(),
        });
    }

    let mut written = Vec::new();
    if has_run {
        let run = data::RunData::read(dir)?;
        let survival = survival::SurvivalPicture::new(&run);
        written.extend(write_png_and_svg(&survival, dir, "survival")?);
        let cif = survival::CifPicture::new(&run);
        written.extend(write_png_and_svg(&cif, dir, "cif")?);
        let grad = graduation::GraduationPicture::new(&run);
        written.extend(write_png_and_svg(&grad, dir, "graduation")?);
        if let Some(heat) = graduation::HeatmapPicture::new(&run) {
            written.extend(write_png_and_svg(&heat, dir, "graduation_heatmap")?);
        }
        if let Some(cost) = cost::CostPicture::new(&run) {
            written.extend(write_png_and_svg(&cost, dir, "cost")?);
        }
    }
    if has_trace {
        let out = dir.join("trace.png");
        draw_trace(&trace_csv, &out)?;
        written.push(out);
    }
    Ok(written)
}

/// Draws one trial's history from `trace_csv` into `out`: stacked panels sharing the time
/// axis (participants and active contributors; shared assets and brand; host spend, revenue
/// and operating cost; stage and host activity). The picture is an SVG when `out` ends in
/// `.svg`, otherwise a PNG ([`TRACE_SIZE`] pixels).
pub fn draw_trace(trace_csv: &Path, out: &Path) -> Result<(), PlotError> {
    ensure_font()?;
    let history = data::Trace::read(trace_csv)?;
    let picture = trace::TracePicture::new(&history);
    let is_svg = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        write_svg(&picture, out)
    } else {
        write_png(&picture, out)
    }
}

// ---------------------------------------------------------------------------------------------
// Fonts

static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

/// Registers the bundled font under the family name used everywhere ([`style::FONT`]).
fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(style::FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

// ---------------------------------------------------------------------------------------------
// Drawing into files

/// A drawing failure inside the backend-generic drawing code, turned into a
/// [`PlotError::Draw`] once the file name is known.
#[derive(Debug)]
pub(crate) struct DrawFail(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFail(e.to_string())
    }
}

/// A picture: a size and drawing code that works on any plotters backend.
pub(crate) trait Picture {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole picture onto `root` (already the full canvas).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail>;
}

fn write_png_and_svg(
    picture: &impl Picture,
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    write_png(picture, &png)?;
    write_svg(picture, &svg)?;
    Ok(vec![png, svg])
}

/// A temporary path next to `target`, ending in `.ext` (the bitmap encoder picks the format
/// from the extension), unique within this process.
fn temp_path(target: &Path, ext: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "picture".into());
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    dir.join(format!(".{name}.{}-{n}.tmp.{ext}", std::process::id()))
}

/// Runs the drawing code, turning a failure or a panic inside the drawing library into an error.
fn guarded_draw<DB: DrawingBackend>(
    picture: &impl Picture,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| -> Result<(), DrawFail> {
        root.fill(&WHITE)?;
        picture.draw(root)?;
        root.present()?;
        Ok(())
    })) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(DrawFail(message))) => Err(message),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "internal error in the drawing library".into())),
    }
}

fn write_png(picture: &impl Picture, path: &Path) -> Result<(), PlotError> {
    let tmp = temp_path(path, "png");
    let drawn = {
        let root = BitMapBackend::new(&tmp, picture.size()).into_drawing_area();
        guarded_draw(picture, &root)
        // the backend is dropped here, before the temporary file is renamed or removed
    };
    let result = match drawn {
        Ok(()) => fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .and_then(|()| fs::rename(&tmp, path))
            .map_err(|source| PlotError::Write {
                path: path.to_path_buf(),
                source,
            }),
        Err(message) => Err(PlotError::Draw {
            path: path.to_path_buf(),
            message,
        }),
    };
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_svg(picture: &impl Picture, path: &Path) -> Result<(), PlotError> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, picture.size()).into_drawing_area();
        guarded_draw(picture, &root).map_err(|message| PlotError::Draw {
            path: path.to_path_buf(),
            message,
        })?;
    }
    let tmp = temp_path(path, "svg");
    let result = fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|source| PlotError::Write {
            path: path.to_path_buf(),
            source,
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
