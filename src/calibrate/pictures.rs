//! The fit's pictures: `fit.png/.svg` (the record's curves with their 95% band, the curves at the
//! posterior median and the 90% band of curves simulated from the posterior) and
//! `posterior.png/.svg` (the last generation's marginals and pairs).

use std::path::{Path, PathBuf};

use super::smc::Prior;
use super::{Calibration, Fit};
use crate::error::Error;
use crate::plots::compare::{ComparePlot, RunBand, RunSeries, Series, draw_named};
use crate::plots::posterior::{Axis, PosteriorPlot, draw_posterior};
use crate::statistics::IncidenceCurve;

/// Draws both pictures into `dir`; returns the paths written.
pub(super) fn draw(cal: &Calibration, fit: &Fit<'_>, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut written = draw_named(&fit_plot(cal, fit), dir, "fit")?;
    written.extend(draw_posterior(&posterior_plot(cal), dir)?);
    Ok(written)
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn fit_plot(cal: &Calibration, fit: &Fit<'_>) -> ComparePlot {
    let end = cal.window as usize + 1;
    let cut = |v: &[f64]| v[..end.min(v.len())].to_vec();
    let series = |c: &IncidenceCurve| Series {
        estimate: cut(&c.estimate),
        lower: cut(&c.lower),
        upper: cut(&c.upper),
    };
    let runs = fit
        .fitted
        .as_ref()
        .map(|(g, f)| RunSeries {
            label: format!("posterior median: D = {:.3}", cal.fitted_distance),
            graduated: cut(g),
            fizzled: cut(f),
            band: fit.band.as_ref().map(|b| RunBand {
                label: format!(
                    "90% of {} posterior draws ({} communities each)",
                    super::BAND_DRAWS,
                    cal.config.trials
                ),
                graduated: (cut(&b.graduated.0), cut(&b.graduated.1)),
                fizzled: (cut(&b.fizzled.0), cut(&b.fizzled.1)),
            }),
        })
        .into_iter()
        .collect();
    ComparePlot {
        title: "Fitted model against the record: cumulative incidence".into(),
        subtitle: format!(
            "record {} ({} communities), black with shaded 95% band; weeks 0-{}",
            file_name(&fit.record.file),
            fit.record.entries.len(),
            cal.window
        ),
        graduated: series(&fit.incidence.graduated),
        fizzled: series(&fit.incidence.fizzled),
        runs,
    }
}

fn posterior_plot(cal: &Calibration) -> PosteriorPlot {
    let last = cal.generations.last();
    let particles = last.map(|g| g.particles.as_slice()).unwrap_or_default();
    PosteriorPlot {
        title: "Posterior of the fitted parameters".into(),
        subtitle: format!(
            "generation {} of sequential Monte Carlo ABC, {} particles; median (thick) and 90% interval (thin) on the diagonal",
            last.map_or(0, |g| g.index),
            particles.len()
        ),
        axes: cal
            .config
            .parameters
            .iter()
            .zip(&cal.median)
            .zip(&cal.interval)
            .map(|((f, &median), &interval)| {
                let (low, high, log) = match f.prior {
                    Prior::Uniform { low, high } => (low, high, false),
                    Prior::LogUniform { low, high } => (low, high, true),
                };
                Axis {
                    name: f.path.clone(),
                    low,
                    high,
                    log,
                    median,
                    interval,
                }
            })
            .collect(),
        values: particles.iter().map(|p| p.values.clone()).collect(),
        weights: particles.iter().map(|p| p.weight).collect(),
    }
}
