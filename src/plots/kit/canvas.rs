//! The canvas: a picture's size and drawing code, written once into a PNG and once into an SVG
//! with the bundled font; the title block; the grid of small multiples.
//!
//! Each file is first written under a temporary name in the same folder and then renamed into
//! place, so an interrupted redraw never leaves a half-written picture behind.

use std::fs;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::legend::{LegendEntry, draw_legend, legend_width, wrap, wrap_at};
use super::style::{
    self, INK, MUTED, PANEL_TITLE_SIZE, SUBTITLE_SIZE, TITLE_SIZE, anchored, text, text_size,
};
use crate::plots::PlotError;

/// Size in pixels of the run pictures when they hold a single panel (grids grow beyond it).
pub(crate) const PICTURE_SIZE: (u32, u32) = (1200, 800);

static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

/// Registers the bundled font under the family name used everywhere ([`style::FONT`]).
pub(crate) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(style::FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

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

pub(crate) fn write_png_and_svg(
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

pub(crate) fn write_png(picture: &impl Picture, path: &Path) -> Result<(), PlotError> {
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

pub(crate) fn write_svg(picture: &impl Picture, path: &Path) -> Result<(), PlotError> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, picture.size()).into_drawing_area();
        guarded_draw(picture, &root).map_err(|message| PlotError::Draw {
            path: path.to_path_buf(),
            message,
        })?;
    }
    let text = name_svg_font(&text);
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

/// The SVG with every `font-family` naming the bundled font and its fallbacks, so that a
/// browser draws it as the PNG is drawn.
fn name_svg_font(svg: &str) -> String {
    svg.replace(
        &format!("font-family=\"{}\"", style::FONT),
        &format!("font-family=\"{}\"", style::SVG_FONT_FAMILY),
    )
}

/// A subtitle: `lead`, then each note there is, separated by "; ".
pub(crate) fn subtitle(lead: &str, notes: &[Option<String>]) -> String {
    let mut s = lead.to_string();
    for n in notes.iter().flatten() {
        s.push_str("; ");
        s.push_str(n);
    }
    s
}

/// A panel title fitted to `max_w` pixels: wrapped (at ", " where possible) onto at most
/// two lines, the second shortened with "…" if it is still too wide, so that titles of
/// neighbouring panels never run into each other.
pub(crate) fn fit_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    max_w: u32,
) -> Vec<String> {
    let style = text(PANEL_TITLE_SIZE, INK);
    let mut lines = wrap(area, title, &style, max_w);
    if lines.len() > 2 {
        let rest = lines.split_off(1).join(" ");
        lines.push(rest);
    }
    for line in &mut lines {
        if text_size(area, line, &style).0 <= max_w {
            continue;
        }
        let mut chars: Vec<char> = line.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let short: String = chars.iter().collect::<String>() + "…";
            if text_size(area, &short, &style).0 <= max_w {
                *line = short;
                break;
            }
        }
    }
    lines
}

/// Draws a panel title centred at the top of `cell`; returns the height it takes (at least
/// `rows` lines).
pub(crate) fn draw_panel_title<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    title: &str,
    rows: usize,
) -> Result<u32, DrawFail> {
    let (w, _) = cell.dim_in_pixel();
    let lines = fit_title(cell, title, title_width(cell));
    let line_h = text_size(cell, "Hg", &text(PANEL_TITLE_SIZE, INK)).1 + 3;
    for (k, line) in lines.iter().enumerate() {
        cell.draw(&Text::new(
            line.clone(),
            (w as i32 / 2, 6 + (k as u32 * line_h) as i32),
            anchored(PANEL_TITLE_SIZE, INK, HPos::Center, VPos::Top),
        ))?;
    }
    Ok(6 + lines.len().max(rows) as u32 * line_h + 4)
}

/// Draws a title (and optional subtitle) at the top of `root`; returns the area below it.
pub(crate) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: Option<&str>,
) -> Result<DrawingArea<DB, Shift>, DrawFail> {
    let (w, _) = root.dim_in_pixel();
    let cx = w as i32 / 2;
    root.draw(&Text::new(
        title.to_string(),
        (cx, 14),
        anchored(TITLE_SIZE, INK, HPos::Center, VPos::Top),
    ))?;
    let mut used = 14 + text_size(root, title, &text(TITLE_SIZE, INK)).1 as i32 + 8;
    if let Some(s) = subtitle {
        let style = text(SUBTITLE_SIZE, MUTED);
        let line_h = text_size(root, "Hg", &style).1 as i32 + 4;
        for line in wrap_subtitle(root, s, w.saturating_sub(2 * SUBTITLE_MARGIN)) {
            root.draw(&Text::new(
                line,
                (cx, used),
                anchored(SUBTITLE_SIZE, MUTED, HPos::Center, VPos::Top),
            ))?;
            used += line_h;
        }
        used += 4;
    }
    Ok(root.split_vertically(used + 6).1)
}

/// Room kept on either side of a subtitle, in pixels.
const SUBTITLE_MARGIN: u32 = 20;

/// A subtitle as lines no wider than `max_w` pixels: one line when it fits; otherwise broken
/// after its notes' "; " where possible, and within a note as [`wrap`] breaks a label.
fn wrap_subtitle<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    subtitle: &str,
    max_w: u32,
) -> Vec<String> {
    wrap_at(
        area,
        subtitle,
        &text(SUBTITLE_SIZE, MUTED),
        max_w,
        &["; ", ", "],
    )
}

/// Rows and columns of a grid holding `n` panels.
pub(crate) fn grid_shape(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 | 4 => (2, 2),
        5 | 6 => (2, 3),
        7..=9 => (3, 3),
        10..=12 => (3, 4),
        _ => (n.div_ceil(4), 4),
    }
}

/// Room kept for the title and subtitle.
pub(crate) const HEADER_H: u32 = 100;
/// Room kept for a legend column on the right.
pub(crate) const LEGEND_W: u32 = 300;
/// Narrowest panel of a grid.
pub(crate) const MIN_PANEL_W: u32 = 340;
/// Lowest panel of a grid.
pub(crate) const MIN_PANEL_H: u32 = 300;

/// Canvas size for `n` panels: [`PICTURE_SIZE`], grown so that each panel keeps a readable size.
pub(crate) fn canvas_size(n: usize) -> (u32, u32) {
    let (rows, cols) = grid_shape(n);
    let w = PICTURE_SIZE.0.max(cols as u32 * MIN_PANEL_W + LEGEND_W);
    let h = PICTURE_SIZE.1.max(rows as u32 * MIN_PANEL_H + HEADER_H);
    (w, h)
}

/// Splits `body` into a legend column of `legend_w` pixels on the right (if any) and the
/// first `n` cells of the panel grid on the left (row by row).
#[allow(clippy::type_complexity)]
pub(crate) fn split_panels<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    n: usize,
    legend_w: Option<u32>,
) -> (Vec<DrawingArea<DB, Shift>>, Option<DrawingArea<DB, Shift>>) {
    let (w, _) = body.dim_in_pixel();
    let (left, legend) = match legend_w {
        Some(lw) if lw + 200 < w => {
            let (l, r) = body.split_horizontally(w - lw);
            (l, Some(r))
        }
        _ => (body.clone(), None),
    };
    let (rows, cols) = grid_shape(n);
    let mut cells = left.split_evenly((rows, cols));
    cells.truncate(n.max(1));
    (cells, legend)
}

/// Small multiples: draws panel `k` of a grid with `draw_panel(k, cell, slot, own_legend)`,
/// one per title in `titles`, and the `legend` entries shared by all panels in a column on the
/// right when there are entries and room for them. `own_legend` is true when no shared legend
/// is drawn (none given, or no room), so a panel whose marks need a key carries its own.
pub(crate) fn draw_grid<DB, F>(
    body: &DrawingArea<DB, Shift>,
    titles: &[Option<&str>],
    legend: Option<&[LegendEntry]>,
    mut draw_panel: F,
) -> Result<(), DrawFail>
where
    DB: DrawingBackend,
    F: FnMut(usize, &DrawingArea<DB, Shift>, Slot, bool) -> Result<(), DrawFail>,
{
    let legend_w = legend.map(|e| legend_width(body, None, e, LEGEND_W));
    let (cells, legend_area) = split_panels(body, titles.len(), legend_w);
    let own_legend = legend.is_none() || legend_area.is_none();
    for (k, (cell, slot)) in cells.iter().zip(slots(&cells, titles)).enumerate() {
        draw_panel(k, cell, slot, own_legend)?;
    }
    if let (Some(area), Some(entries)) = (legend_area, legend) {
        let (w, _) = area.dim_in_pixel();
        draw_legend(&area, (4, 20), w.saturating_sub(12), None, entries)?;
    }
    Ok(())
}

/// Where a panel sits in its grid: whether it carries the x axis title (bottom row) and the y
/// axis title (left column), and how many lines all panel titles of the grid take, so that
/// the plots of one row line up whatever their titles.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub(crate) bottom: bool,
    pub(crate) left: bool,
    pub(crate) title_rows: usize,
}

impl Slot {
    /// A panel alone: both axis titles, a title of its own height.
    pub(crate) fn alone() -> Slot {
        Slot {
            bottom: true,
            left: true,
            title_rows: 0,
        }
    }
}

/// The slots of the panels of a grid drawn into `cells`, with the given titles.
pub(crate) fn slots<DB: DrawingBackend>(
    cells: &[DrawingArea<DB, Shift>],
    titles: &[Option<&str>],
) -> Vec<Slot> {
    let n = titles.len();
    let rows = titles
        .iter()
        .zip(cells)
        .filter_map(|(t, cell)| t.map(|t| fit_title(cell, t, title_width(cell)).len()))
        .max()
        .unwrap_or(0);
    (0..n)
        .map(|k| {
            let (bottom, left) = edges(k, n);
            Slot {
                bottom,
                left,
                title_rows: rows,
            }
        })
        .collect()
}

fn title_width<DB: DrawingBackend>(cell: &DrawingArea<DB, Shift>) -> u32 {
    cell.dim_in_pixel().0.saturating_sub(24)
}

/// Whether panel `k` of `n` sits on the bottom row of its grid (or above an empty cell),
/// and whether it sits in the left column.
fn edges(k: usize, n: usize) -> (bool, bool) {
    let (_, cols) = grid_shape(n);
    let bottom = k + cols >= n;
    let left = k % cols == 0;
    (bottom, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subtitle_too_wide_breaks_after_its_notes_and_keeps_every_word() {
        ensure_font().unwrap();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (1200, 800)).into_drawing_area();
        let style = text(SUBTITLE_SIZE, MUTED);
        let short = "median and 80% band of 2,000 communities";
        assert_eq!(wrap_subtitle(&area, short, 1160), [short]);
        let long = subtitle(
            "median and 80% band, by week",
            &[
                Some("host spend in £k, the host's facilitation spend so far".into()),
                None,
                Some("cost = 0.25, 4 or 16 times the default cost of contributing".into()),
            ],
        );
        let lines = wrap_subtitle(&area, &long, 700);
        assert!(lines.len() >= 2, "{lines:?}");
        for line in &lines {
            assert!(text_size(&area, line, &style).0 <= 700, "{line}");
        }
        // The first break is after a note, and nothing is lost.
        assert!(lines[0].ends_with(';'), "{lines:?}");
        assert_eq!(lines.join(" "), long);
    }
}
