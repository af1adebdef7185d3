//! Legends: a column of entries (a swatch and a label that wraps), drawn beside the panels or
//! inset in a corner of one.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawFail;
use super::style::{GRID, INK, LEGEND_SIZE, MUTED, text, text_size};

/// The small picture in front of a legend label.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A solid line over a pale band (a curve with its confidence band).
    LineBand(RGBColor),
    /// A pale band alone.
    Band(RGBColor),
    /// Nothing: an empty entry separates groups of entries.
    Space,
    /// A line with a dot and an error bar.
    Point(RGBColor),
    /// A hollow dot.
    Ring(RGBColor),
    /// A dot with a dark ring around it.
    RingedDot(RGBColor),
    /// A cross.
    Cross(RGBColor),
    /// A triangle pointing up (a value above the axis).
    Triangle(RGBColor),
}

pub(crate) struct LegendEntry {
    pub(crate) swatch: Swatch,
    pub(crate) label: String,
}

impl LegendEntry {
    pub(crate) fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        LegendEntry {
            swatch,
            label: label.into(),
        }
    }
}

const SWATCH_W: i32 = 34;
const SWATCH_GAP: i32 = 10;
const LINE_GAP: i32 = 4;
const ENTRY_GAP: i32 = 9;
/// Room around a legend's text, in pixels.
const LEGEND_PAD: u32 = 28;

/// Splits a label into lines no wider than `max_w` pixels: at ", " where possible, otherwise
/// between words (a single word wider than that stays on its own line).
pub(crate) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    style: &TextStyle<'_>,
    max_w: u32,
) -> Vec<String> {
    wrap_at(area, label, style, max_w, &[", "])
}

/// Splits `text` into lines no wider than `max_w` pixels: after the first of `breaks` (each a
/// mark and a space, such as "; " or ", ") where possible, the mark kept at the line's end; a
/// piece still too wide at the next of `breaks`; and last between words (a single word wider
/// than that stays on its own line).
pub(crate) fn wrap_at<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max_w: u32,
    breaks: &[&str],
) -> Vec<String> {
    let fits = |s: &str| text_size(area, s, style).0 <= max_w;
    let Some((&sep, finer)) = breaks.split_first() else {
        return wrap_words(text, fits);
    };
    let mark = sep.trim_end();
    let mut lines: Vec<String> = Vec::new();
    let parts: Vec<&str> = text.split(sep).collect();
    for (k, part) in parts.iter().enumerate() {
        let part = if k + 1 < parts.len() {
            format!("{part}{mark}")
        } else {
            part.to_string()
        };
        if let Some(last) = lines.last_mut() {
            let joined = format!("{last} {part}");
            if last.ends_with(mark) && fits(&joined) {
                *last = joined;
                continue;
            }
        }
        if fits(&part) {
            lines.push(part);
        } else {
            lines.extend(wrap_at(area, &part, style, max_w, finer));
        }
    }
    lines
}

/// `text` in lines of whole words, each line as long as `fits` allows.
fn wrap_words(text: &str, fits: impl Fn(&str) -> bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        if cur.is_empty() {
            cur = word.to_string();
        } else if fits(&format!("{cur} {word}")) {
            cur = format!("{cur} {word}");
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    lines.push(cur);
    lines
}

/// The width a legend needs for `entries` (and `title`), capped at `max_w`.
pub(crate) fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: Option<&str>,
    entries: &[LegendEntry],
    max_w: u32,
) -> u32 {
    let style = text(LEGEND_SIZE, INK);
    let limit = max_w.saturating_sub(LEGEND_PAD + (SWATCH_W + SWATCH_GAP) as u32);
    let text_w = entries
        .iter()
        .map(|e| {
            wrap(area, &e.label, &style, limit)
                .iter()
                .map(|l| text_size(area, l, &style).0)
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    let swatched = text_w + (SWATCH_W + SWATCH_GAP) as u32;
    let title_w = title.map_or(0, |t| text_size(area, t, &text(LEGEND_SIZE, INK)).0);
    (swatched.max(title_w) + LEGEND_PAD).min(max_w)
}

/// The height a legend of `width` pixels needs (see [`draw_legend`]).
pub(crate) fn legend_height<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    width: u32,
    title: Option<&str>,
    entries: &[LegendEntry],
) -> i32 {
    let style = text(LEGEND_SIZE, INK);
    let line_h = text_size(area, "Hg", &style).1 as i32 + LINE_GAP;
    let text_max = (width as i32 - SWATCH_W - SWATCH_GAP).max(40) as u32;
    let mut h = if title.is_some() {
        line_h + ENTRY_GAP
    } else {
        0
    };
    for e in entries {
        h += wrap(area, &e.label, &style, text_max).len().max(1) as i32 * line_h + ENTRY_GAP;
    }
    h - ENTRY_GAP
}

/// Draws a legend inside a plot, on a white box, at a corner of `area` (the plotting area,
/// in pixels): `top` chooses the upper or lower left corner.
pub(crate) fn draw_inset_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: bool,
    entries: &[LegendEntry],
) -> Result<(), DrawFail> {
    let (w, h) = area.dim_in_pixel();
    let width = legend_width(area, None, entries, (w as f64 * 0.6) as u32);
    let height = legend_height(area, width, None, entries);
    let pad = 8;
    let x = 12;
    let y = if top {
        12
    } else {
        h as i32 - 12 - height - 2 * pad
    };
    area.draw(&Rectangle::new(
        [(x, y), (x + width as i32 + pad, y + height + 2 * pad)],
        WHITE.mix(0.85).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [(x, y), (x + width as i32 + pad, y + height + 2 * pad)],
        GRID.stroke_width(1),
    ))?;
    draw_legend(area, (x + pad, y + pad), width, None, entries)?;
    Ok(())
}

/// Draws a legend with its top-left corner at `(x, y)` of `area`, no wider than `width`.
/// Returns the height used.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    width: u32,
    title: Option<&str>,
    entries: &[LegendEntry],
) -> Result<i32, DrawFail> {
    let style = text(LEGEND_SIZE, INK);
    let line_h = text_size(area, "Hg", &style).1 as i32 + LINE_GAP;
    let mut cy = y;
    if let Some(t) = title {
        area.draw(&Text::new(t.to_string(), (x, cy), text(LEGEND_SIZE, MUTED)))?;
        cy += line_h + ENTRY_GAP;
    }
    let text_max = (width as i32 - SWATCH_W - SWATCH_GAP).max(40) as u32;
    for e in entries {
        let lines = wrap(area, &e.label, &style, text_max);
        let mid = cy + line_h / 2 - LINE_GAP / 2;
        draw_swatch(area, e.swatch, x, mid)?;
        for (k, l) in lines.iter().enumerate() {
            area.draw(&Text::new(
                l.clone(),
                (x + SWATCH_W + SWATCH_GAP, cy + k as i32 * line_h),
                style.clone(),
            ))?;
        }
        cy += lines.len().max(1) as i32 * line_h + ENTRY_GAP;
    }
    Ok(cy - y)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    mid: i32,
) -> Result<(), DrawFail> {
    let x1 = x + SWATCH_W;
    match swatch {
        Swatch::Line(c) => {
            area.draw(&PathElement::new(
                vec![(x, mid), (x1, mid)],
                c.stroke_width(3),
            ))?;
        }
        Swatch::Dashed(c) => {
            let mut sx = x;
            while sx < x1 {
                let ex = (sx + 7).min(x1);
                area.draw(&PathElement::new(
                    vec![(sx, mid), (ex, mid)],
                    c.stroke_width(3),
                ))?;
                sx += 12;
            }
        }
        Swatch::LineBand(c) => {
            area.draw(&Rectangle::new(
                [(x, mid - 8), (x1, mid + 8)],
                c.mix(0.18).filled(),
            ))?;
            area.draw(&PathElement::new(
                vec![(x, mid), (x1, mid)],
                c.stroke_width(3),
            ))?;
        }
        Swatch::Band(c) => {
            area.draw(&Rectangle::new(
                [(x, mid - 8), (x1, mid + 8)],
                c.mix(0.25).filled(),
            ))?;
        }
        Swatch::Space => {}
        Swatch::Point(c) => {
            area.draw(&PathElement::new(
                vec![(x, mid), (x1, mid)],
                c.stroke_width(2),
            ))?;
            let cx = x + SWATCH_W / 2;
            area.draw(&PathElement::new(
                vec![(cx, mid - 9), (cx, mid + 9)],
                c.stroke_width(2),
            ))?;
            area.draw(&Circle::new((cx, mid), 5, c.filled()))?;
        }
        Swatch::Ring(c) => {
            area.draw(&Circle::new((x + SWATCH_W / 2, mid), 5, c.stroke_width(2)))?;
        }
        Swatch::RingedDot(c) => {
            let cx = x + SWATCH_W / 2;
            area.draw(&Circle::new((cx, mid), 5, c.filled()))?;
            area.draw(&Circle::new((cx, mid), 9, INK.stroke_width(2)))?;
        }
        Swatch::Triangle(c) => {
            area.draw(&TriangleMarker::new((x + SWATCH_W / 2, mid), 7, c.filled()))?;
        }
        Swatch::Cross(c) => {
            area.draw(&Cross::new((x + SWATCH_W / 2, mid), 5, c.stroke_width(2)))?;
        }
    }
    Ok(())
}
