//! `posterior.png/.svg`: the fitted parameters' posterior from `hothouse calibrate`, as a grid of
//! panels: each parameter's weighted histogram on the diagonal, each pair's particles below it
//! (dot area by weight), over the prior's range. A parameter with a log-uniform prior is drawn on
//! a logarithmic axis.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;
use super::kit::axis::{Margins, Scale, frame_alone};
use super::kit::canvas::{DrawFail, HEADER_H, Picture, draw_title, ensure_font, write_png_and_svg};
use super::kit::style::{colour, fmt_tick};

/// One fitted parameter's axis.
pub struct Axis {
    pub name: String,
    /// The prior's range (natural units).
    pub low: f64,
    pub high: f64,
    /// Drawn on a logarithmic axis (a log-uniform prior).
    pub log: bool,
    /// The posterior median and 90% interval, marked on the diagonal.
    pub median: f64,
    pub interval: (f64, f64),
}

/// Everything the posterior picture shows.
pub struct PosteriorPlot {
    pub title: String,
    pub subtitle: String,
    pub axes: Vec<Axis>,
    /// One row per particle: its values (natural units), one per axis.
    pub values: Vec<Vec<f64>>,
    /// Normalised weights, one per particle.
    pub weights: Vec<f64>,
}

/// Draws `posterior.png` and `posterior.svg` into `dir`; returns their paths.
pub fn draw_posterior(plot: &PosteriorPlot, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    write_png_and_svg(plot, dir, "posterior")
}

/// Bins of each histogram.
const BINS: usize = 20;
/// Side of one panel, in pixels.
const PANEL: u32 = 300;

impl Axis {
    /// The position of a value on the axis (its logarithm on a log axis).
    fn at(&self, x: f64) -> f64 {
        if self.log { x.log10() } else { x }
    }

    fn scale(&self, title: bool) -> Scale {
        let (lo, hi) = (self.at(self.low), self.at(self.high));
        let title = if title {
            self.name.clone()
        } else {
            String::new()
        };
        if !self.log {
            return Scale::linear(lo, hi, 4, title);
        }
        // Ticks at 1, 2 and 5 times powers of ten inside the range (at least its ends).
        let mut ticks: Vec<(f64, String)> = Vec::new();
        for e in lo.floor() as i32..=hi.ceil() as i32 {
            for m in [1.0, 2.0, 5.0] {
                let v = m * 10f64.powi(e);
                let p = v.log10();
                if p >= lo - 1e-9 && p <= hi + 1e-9 {
                    ticks.push((p, fmt_tick(v)));
                }
            }
        }
        if ticks.len() > 5 {
            ticks.retain(|(p, _)| (p.fract().abs() < 1e-9) || (1.0 - p.fract().abs()) < 1e-9);
        }
        if ticks.len() < 2 {
            ticks = vec![(lo, fmt_tick(self.low)), (hi, fmt_tick(self.high))];
        }
        Scale::keyed(lo, hi, ticks, title)
    }
}

fn margins() -> Margins {
    Margins {
        all: 6,
        top: None,
        left: None,
        right: 14,
        x_area: 44,
        y_area: (62, 62),
    }
}

impl PosteriorPlot {
    /// The weighted histogram of parameter `k`: bin heights as shares of the weight.
    fn histogram(&self, k: usize) -> Vec<f64> {
        let a = &self.axes[k];
        let (lo, hi) = (a.at(a.low), a.at(a.high));
        let mut h = vec![0.0; BINS];
        for (v, w) in self.values.iter().zip(&self.weights) {
            let t = ((a.at(v[k]) - lo) / (hi - lo) * BINS as f64).floor();
            let b = (t.max(0.0) as usize).min(BINS - 1);
            h[b] += w;
        }
        h
    }

    fn diagonal<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        k: usize,
    ) -> Result<(), DrawFail> {
        let a = &self.axes[k];
        let h = self.histogram(k);
        let top = h.iter().fold(0.0_f64, |m, &v| m.max(v)).max(1e-9) * 1.15;
        let x = a.scale(true);
        let y = Scale::linear(0.0, top, 4, "share of weight");
        let mut chart = frame_alone(cell, (&x, &y), margins())?;
        let (lo, hi) = (a.at(a.low), a.at(a.high));
        let width = (hi - lo) / BINS as f64;
        chart.draw_series(h.iter().enumerate().map(|(b, &v)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, v)], colour(0).mix(0.6).filled())
        }))?;
        let (q05, q95) = a.interval;
        for (v, style) in [
            (a.median, BLACK.stroke_width(3)),
            (q05, BLACK.stroke_width(1)),
            (q95, BLACK.stroke_width(1)),
        ] {
            let p = a.at(v);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(p, 0.0), (p, top)],
                style,
            )))?;
        }
        Ok(())
    }

    fn pair<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        (i, j): (usize, usize),
    ) -> Result<(), DrawFail> {
        let (ax, ay) = (&self.axes[j], &self.axes[i]);
        let x = ax.scale(true);
        let y = ay.scale(true);
        let mut chart = frame_alone(cell, (&x, &y), margins())?;
        let top = self
            .weights
            .iter()
            .fold(0.0_f64, |m, &w| m.max(w))
            .max(1e-12);
        chart.draw_series(self.values.iter().zip(&self.weights).map(|(v, &w)| {
            let r = 1.5 + 4.5 * (w / top).sqrt();
            Circle::new(
                (ax.at(v[j]), ay.at(v[i])),
                r.round() as i32,
                colour(0).mix(0.45).filled(),
            )
        }))?;
        Ok(())
    }
}

impl Picture for PosteriorPlot {
    fn size(&self) -> (u32, u32) {
        let k = self.axes.len().max(1) as u32;
        let side = (k * PANEL).max(900);
        (side, side + HEADER_H)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawFail> {
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let k = self.axes.len();
        if k == 0 {
            return Ok(());
        }
        let cells = body.split_evenly((k, k));
        for i in 0..k {
            for j in 0..k {
                let cell = &cells[i * k + j];
                match i.cmp(&j) {
                    std::cmp::Ordering::Equal => self.diagonal(cell, i)?,
                    std::cmp::Ordering::Greater => self.pair(cell, (i, j))?,
                    std::cmp::Ordering::Less => {}
                }
            }
        }
        Ok(())
    }
}
