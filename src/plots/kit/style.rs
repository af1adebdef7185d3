//! One style for every picture: colours, type sizes, the font, number formats.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font family every text uses: the bundled DejaVu Sans is registered under this name
/// for PNGs, and SVGs name it (see [`SVG_FONT_FAMILY`]) so that a browser draws the same font.
pub(crate) const FONT: &str = "DejaVu Sans";
/// What an SVG's `font-family` says: the bundled font first, then its metric twin and
/// common fallbacks.
pub(crate) const SVG_FONT_FAMILY: &str =
    "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif";

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
