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
//! | `weekly.png/.svg` | `weekly.csv`, `variants.csv`, `summary.csv` | fan chart: per quantity, week by week over the communities still running, the 10-90% band, median and mean (only when the folder has `weekly.csv`) |
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

pub mod compare;
mod cost;
mod fan;
mod graduation;
mod heatmap;
mod kit;
pub mod posterior;
mod sensitivity;
mod survival;
mod trace;
mod trend;

use std::path::{Path, PathBuf};

pub use crate::statistics::figures::{
    PlotError, SUMMARY_CSV, SURVIVAL_CSV, TRACE_CSV, VARIANTS_CSV,
};
use crate::statistics::figures::{RunData, Trace};
use kit::canvas::{ensure_font, write_png, write_png_and_svg, write_svg};

pub use sensitivity::{SensitivityData, draw_sensitivity};

/// Size in pixels of the run pictures when they hold a single panel (grids grow beyond it).
pub const PICTURE_SIZE: (u32, u32) = kit::canvas::PICTURE_SIZE;
/// Size in pixels of the trace picture.
pub const TRACE_SIZE: (u32, u32) = (1200, 1000);

/// Redraws every picture an output folder supports and returns the paths written.
///
/// A run folder (`survival.csv`, `summary.csv`, `variants.csv`) gives `survival`, `cif`,
/// `graduation` (PNG and SVG each), with two or more swept parameters
/// `graduation_heatmap`, and, when `summary.csv` has the host's cost columns
/// (`mean_host_spend`, `mean_host_covered`, `host_outlay_per_graduate`), `cost`; when it holds
/// `weekly.csv`, the fan chart `weekly`. If the folder holds a `trace.csv` (the folder of
/// `hothouse trace`), `trace.png` is redrawn too. A folder with none of these files is an error; so is a run
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
        let run = RunData::read(dir)?;
        let survival = survival::CurvesPicture::new(&run, survival::Kind::Survival);
        written.extend(write_png_and_svg(&survival, dir, "survival")?);
        let cif = survival::CurvesPicture::new(&run, survival::Kind::Cif);
        written.extend(write_png_and_svg(&cif, dir, "cif")?);
        if let Some(trend) = trend::TrendPicture::new(&run) {
            written.extend(write_png_and_svg(&trend, dir, "graduation")?);
        } else {
            let grad = graduation::GraduationPicture::new(&run);
            written.extend(write_png_and_svg(&grad, dir, "graduation")?);
        }
        if let Some(heat) = heatmap::HeatmapPicture::new(&run) {
            written.extend(write_png_and_svg(&heat, dir, "graduation_heatmap")?);
        }
        if let Some(cost) = cost::CostPicture::new(&run) {
            written.extend(write_png_and_svg(&cost, dir, "cost")?);
        }
        if dir.join(crate::weekly::WEEKLY_CSV).is_file() {
            let weekly = crate::statistics::figures::WeeklyData::read(dir)?;
            let fan = fan::FanPicture::new(&run, &weekly);
            written.extend(write_png_and_svg(&fan, dir, "weekly")?);
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
    draw_trace_about(trace_csv, out, None)
}

/// [`draw_trace`] with the trial named in the title, as `hothouse trace` draws it: `about` is
/// the title's part ("fading-crisis, variant 0, trial 3") and the variant's values for the
/// subtitle ("core_idea.half_life = 8, host.commitment = 26").
pub fn draw_trace_about(
    trace_csv: &Path,
    out: &Path,
    about: Option<(&str, &str)>,
) -> Result<(), PlotError> {
    ensure_font()?;
    let history = Trace::read(trace_csv)?;
    let picture = trace::TracePicture::new(&history, about);
    let is_svg = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        write_svg(&picture, out)
    } else {
        write_png(&picture, out)
    }
}
