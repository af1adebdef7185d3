//! Colours, fonts, number formats and the legend shared by all pictures.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawFail;

/// The font family every text uses (the bundled DejaVu Sans is registered under it).
pub(crate) const FONT: &str = "sans-serif";

/// Okabe-Ito colours (safe for the common forms of colour blindness), ordered so that the
/// first few are the most distinct; the original's pale yellow is darkened to show on white.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 0, 0),       // black
    RGBColor(170, 150, 0),   // dark yellow
];

/// Text and axes.
pub(crate) const INK: RGBColor = RGBColor(30, 30, 30);
/// Secondary text (subtitles, notes).
pub(crate) const MUTED: RGBColor = RGBColor(100, 100, 100);
/// Neutral swatches in legends (line-style keys, the band key).
pub(crate) const NEUTRAL: RGBColor = RGBColor(90, 90, 90);
/// Mesh lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);

pub(crate) const TITLE_SIZE: f64 = 28.0;
pub(crate) const SUBTITLE_SIZE: f64 = 17.0;
pub(crate) const PANEL_TITLE_SIZE: f64 = 18.0;
pub(crate) const AXIS_DESC_SIZE: f64 = 18.0;
pub(crate) const TICK_SIZE: f64 = 15.0;
pub(crate) const LEGEND_SIZE: f64 = 16.0;

pub(crate) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A text style in the bundled font.
pub(crate) fn text(size: f64, colour: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// A text style anchored at the given position.
pub(crate) fn anchored(size: f64, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    text(size, colour).pos(Pos::new(h, v))
}

/// Width and height of `s` in pixels when drawn in `style` on `area`.
pub(crate) fn text_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle<'_>,
) -> (u32, u32) {
    area.estimate_text_size(s, style)
        .unwrap_or((s.chars().count() as u32 * 9, 16))
}

/// A probability as "0.42".
pub(crate) fn fmt_prob(p: f64) -> String {
    format!("{p:.2}")
}

/// A tick label: whole numbers without decimals, large ones with a thousands suffix, others
/// with at most three significant decimals.
pub(crate) fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        trim_zeros(format!("{:.2}", v / 1e6)) + "M"
    } else if a >= 1e4 {
        trim_zeros(format!("{:.1}", v / 1e3)) + "k"
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else if a >= 10.0 {
        trim_zeros(format!("{v:.1}"))
    } else {
        trim_zeros(format!("{v:.3}"))
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A "nice" upper limit for an axis whose data reach `max` (at least `floor`).
pub(crate) fn nice_max(max: f64, floor: f64) -> f64 {
    if !max.is_finite() || max <= floor {
        return floor;
    }
    let mag = 10f64.powf(max.log10().floor());
    for step in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if step * mag >= max * 1.02 {
            return step * mag;
        }
    }
    10.0 * mag
}

/// The viridis colour map (perceptually uniform, colour-blind safe) at `v` in [0, 1].
pub(crate) fn viridis(v: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 45, 123),
        (59, 82, 139),
        (44, 114, 142),
        (33, 145, 140),
        (40, 174, 128),
        (94, 201, 98),
        (173, 220, 48),
        (253, 231, 37),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = v * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `bg`.
pub(crate) fn ink_on(bg: RGBColor) -> RGBColor {
    let lum = 0.299 * bg.0 as f64 + 0.587 * bg.1 as f64 + 0.114 * bg.2 as f64;
    if lum > 140.0 { INK } else { WHITE }
}

// ---------------------------------------------------------------------------------------------
// Legend

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
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    style: &TextStyle<'_>,
    max_w: u32,
) -> Vec<String> {
    let fits = |s: &str| text_size(area, s, style).0 <= max_w;
    let mut lines: Vec<String> = Vec::new();
    let parts: Vec<&str> = label.split(", ").collect();
    for (k, part) in parts.iter().enumerate() {
        let part = if k + 1 < parts.len() {
            format!("{part},")
        } else {
            part.to_string()
        };
        if let Some(last) = lines.last_mut() {
            let joined = format!("{last} {part}");
            if last.ends_with(',') && fits(&joined) {
                *last = joined;
                continue;
            }
        }
        if fits(&part) {
            lines.push(part);
            continue;
        }
        // word-wrap a part that is too wide on its own
        let mut cur = String::new();
        for word in part.split(' ') {
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
    }
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
        Swatch::Cross(c) => {
            area.draw(&Cross::new((x + SWATCH_W / 2, mid), 5, c.stroke_width(2)))?;
        }
    }
    Ok(())
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
        root.draw(&Text::new(
            s.to_string(),
            (cx, used),
            anchored(SUBTITLE_SIZE, MUTED, HPos::Center, VPos::Top),
        ))?;
        used += text_size(root, s, &text(SUBTITLE_SIZE, MUTED)).1 as i32 + 8;
    }
    Ok(root.split_vertically(used + 6).1)
}
