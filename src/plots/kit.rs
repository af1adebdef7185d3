//! The chart kit: everything pictures have in common, so that a picture is a short function
//! from a run's data to kit calls.
//!
//! | module | owns |
//! |---|---|
//! | [`canvas`] | a picture's size and drawing code ([`canvas::Picture`]), PNG and SVG from the same drawing with the bundled font, the title block, the grid of small multiples with a shared legend ([`canvas::draw_grid`]) |
//! | [`axis`] | scales (numeric, categorical, keyed), the levels of a swept parameter, and [`axis::frame`] (or [`axis::frame_dual`], with a second y axis), which draws every panel's axes and mesh |
//! | [`facets`] | which curves go into which panel, in which colour, under which label |
//! | [`legend`] | legends beside the panels or inset in one |
//! | [`labels`] | placing labels clear of marks and of each other |
//! | [`marks`] | the marks pictures share: step curves, bands, paths |
//! | [`dots`] | dots with intervals against the first swept parameter (graduation and cost panels) |
//! | [`names`] | what a parameter and its special values are called on a picture |
//! | [`style`] | colours, type sizes, the font, number formats |
//!
//! Pictures import the kit and the data they draw (`statistics::figures`), never each other.

pub(crate) mod axis;
pub(crate) mod canvas;
pub(crate) mod dots;
pub(crate) mod facets;
pub(crate) mod labels;
pub(crate) mod legend;
pub(crate) mod marks;
pub(crate) mod names;
pub(crate) mod style;

pub(crate) use canvas::DrawFail;
