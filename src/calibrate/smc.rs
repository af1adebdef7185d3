//! Sequential Monte Carlo approximate Bayesian computation (ABC-SMC, the population Monte Carlo
//! scheme of Beaumont, Cornuet, Marin & Robert 2009, *Adaptive approximate Bayesian computation*,
//! Biometrika 96, with an adaptive tolerance as in Del Moral, Doucet & Jasra 2012 and pyabc: each
//! generation's tolerance is a quantile of the previous generation's distances).
//!
//! Generic over a `simulate(values, seed) -> distance` closure, so that it can be tested on toy
//! models with a known posterior.
//!
//! # Algorithm
//!
//! Every prior is uniform, or log-uniform, on an interval; the engine works in *internal*
//! coordinates (the value itself, or its logarithm), where every prior is uniform on a box, so
//! that the prior density is a constant inside the box.
//!
//! 1. Generation 0: `N` particles drawn from the prior, each simulated once, all accepted with
//!    weight `1/N` (tolerance infinite).
//! 2. Generation `g >= 1`: tolerance `eps_g` = the weighted `quantile` of generation `g-1`'s
//!    distances. Kernel: multivariate normal with covariance twice the weighted covariance of
//!    generation `g-1` (Beaumont et al. 2009). Each of the `N` new particles is found by
//!    repeating: pick a particle `j` of `g-1` with probability `w_j`, perturb it, reject it if
//!    outside the prior box, simulate, accept if the distance is `<= eps_g`. Its weight is
//!    `pi(x) / sum_j w_j K(x | x_j)`, with `pi` constant inside the box; then normalised.
//! 3. Stop after `generations` generations, or once a generation's acceptance rate
//!    (accepted / simulations) falls below `min_acceptance`.
//!
//! # Reproducibility
//!
//! Particle `i` of generation `g` draws from its own Xoshiro256++ stream seeded from
//! `(seed, g, i)`; the particles of a generation are found in parallel (rayon) and kept in index
//! order, and every sum over particles runs in that order: the result is byte-identical for any
//! number of threads.

use nalgebra::{DMatrix, DVector};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::trial_seed;

/// The prior of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// Uniform on `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// Uniform in the logarithm on `[low, high]`, `0 < low`.
    LogUniform { low: f64, high: f64 },
}

impl Prior {
    /// The value in internal coordinates (itself, or its logarithm).
    pub fn to_internal(&self, x: f64) -> f64 {
        match self {
            Prior::Uniform { .. } => x,
            Prior::LogUniform { .. } => x.ln(),
        }
    }

    /// The value of internal coordinate `u`.
    pub fn from_internal(&self, u: f64) -> f64 {
        match self {
            Prior::Uniform { .. } => u,
            Prior::LogUniform { .. } => u.exp(),
        }
    }

    /// The box in internal coordinates.
    pub fn internal_bounds(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { low, high } => (low, high),
            Prior::LogUniform { low, high } => (low.ln(), high.ln()),
        }
    }
}

/// Settings of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Particles per generation.
    pub particles: usize,
    /// Most generations (generation 0, from the prior, included).
    pub generations: usize,
    /// The tolerance of a generation is this weighted quantile of the previous one's distances.
    pub quantile: f64,
    /// Stop after a generation whose acceptance rate is below this.
    pub min_acceptance: f64,
    /// Most proposals tried for one particle before the fit stops (tolerance out of reach).
    pub max_attempts: u64,
    pub seed: u64,
}

/// One particle: its values (natural coordinates), normalised weight and distance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Particle {
    pub values: Vec<f64>,
    pub weight: f64,
    /// Infinite for a parameter set the model refused (generation 0 only).
    #[serde(with = "infinite_as_null")]
    pub distance: f64,
}

/// One generation of particles.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Generation {
    pub index: usize,
    /// The tolerance its particles met (infinite for generation 0).
    #[serde(with = "infinite_as_null")]
    pub tolerance: f64,
    pub particles: Vec<Particle>,
    /// Simulations run to find them.
    pub simulations: u64,
    /// `particles / simulations`.
    pub acceptance: f64,
    /// Effective sample size `(sum w)^2 / sum w^2`.
    pub ess: f64,
}

/// JSON has no infinity: an infinite distance or tolerance is stored as `null`.
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        x.is_finite().then_some(*x).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// Why a fit stopped early.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SmcError {
    #[error("interrupted")]
    Interrupted,
    #[error(
        "generation {generation}: no particle met tolerance {tolerance} within {attempts} proposals; the model may not reach that distance"
    )]
    Stuck {
        generation: usize,
        tolerance: f64,
        attempts: u64,
    },
}

/// A particle found: its internal coordinates, its distance and the simulations it took.
type Found = (DVector<f64>, f64, u64);

/// The seed of particle `i`'s stream in generation `g`.
fn stream(seed: u64, generation: usize, particle: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(trial_seed(
        trial_seed(seed, generation as u64),
        particle as u64,
    ))
}

/// `ln sum exp(x)`, stable.
fn log_sum_exp(x: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = x.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + x.map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// The weighted `q`-quantile of `values` (weights summing to 1): the smallest value whose
/// cumulative weight reaches `q`.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for &i in &order {
        acc += weights[i] / total;
        if acc >= q - 1e-12 {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

/// Effective sample size of normalised weights.
pub fn ess(weights: &[f64]) -> f64 {
    let s: f64 = weights.iter().sum();
    let s2: f64 = weights.iter().map(|w| w * w).sum();
    if s2 > 0.0 { s * s / s2 } else { 0.0 }
}

/// The perturbation kernel: a multivariate normal with covariance `2 Cov_w` (Beaumont et al.
/// 2009), through nalgebra's Cholesky factor `L` (`x = m + L z`, `z` standard normal).
struct Kernel {
    chol: DMatrix<f64>,
}

impl Kernel {
    fn new(points: &[DVector<f64>], weights: &[f64], bounds: &[(f64, f64)]) -> Kernel {
        let d = bounds.len();
        let mean = points
            .iter()
            .zip(weights)
            .fold(DVector::zeros(d), |acc, (p, &w)| acc + p * w);
        let mut cov = points
            .iter()
            .zip(weights)
            .fold(DMatrix::zeros(d, d), |acc, (p, &w)| {
                let c = p - &mean;
                acc + (&c * c.transpose()) * w
            });
        cov *= 2.0;
        // Keep it positive definite when the particles have collapsed along some direction.
        for (k, (lo, hi)) in bounds.iter().enumerate() {
            cov[(k, k)] += ((hi - lo) * 1e-6).powi(2);
        }
        let chol = match nalgebra::Cholesky::new(cov.clone()) {
            Some(c) => c.l(),
            None => DMatrix::from_diagonal(&cov.diagonal().map(|v| v.abs().sqrt())),
        };
        Kernel { chol }
    }

    fn perturb(&self, centre: &DVector<f64>, rng: &mut Xoshiro256PlusPlus) -> DVector<f64> {
        let z = DVector::from_iterator(
            centre.len(),
            (0..centre.len()).map(|_| rng.sample::<f64, _>(StandardNormal)),
        );
        centre + &self.chol * z
    }

    /// `ln K(x | centre)` up to a constant shared by every centre.
    fn log_density(&self, x: &DVector<f64>, centre: &DVector<f64>) -> f64 {
        let diff = x - centre;
        match self.chol.solve_lower_triangular(&diff) {
            Some(y) => -0.5 * y.norm_squared(),
            None => f64::NEG_INFINITY,
        }
    }
}

/// The fit's engine: finds one generation at a time from the one before, so that a driver can
/// checkpoint and report between generations (and resume from a saved one).
pub struct Smc<'a> {
    priors: &'a [Prior],
    settings: &'a Settings,
    bounds: Vec<(f64, f64)>,
}

impl<'a> Smc<'a> {
    pub fn new(priors: &'a [Prior], settings: &'a Settings) -> Smc<'a> {
        Smc {
            priors,
            settings,
            bounds: priors.iter().map(Prior::internal_bounds).collect(),
        }
    }

    fn natural(&self, u: &DVector<f64>) -> Vec<f64> {
        self.priors
            .iter()
            .zip(u.iter())
            .map(|(p, &x)| p.from_internal(x))
            .collect()
    }

    fn internal(&self, values: &[f64]) -> DVector<f64> {
        DVector::from_iterator(
            values.len(),
            self.priors
                .iter()
                .zip(values)
                .map(|(p, &x)| p.to_internal(x)),
        )
    }

    fn inside(&self, u: &DVector<f64>) -> bool {
        u.iter()
            .zip(&self.bounds)
            .all(|(&x, &(lo, hi))| x >= lo && x <= hi)
    }

    /// Particles per generation.
    pub fn particles(&self) -> usize {
        self.settings.particles
    }

    /// Whether the fit is over: all generations found, or the last one's acceptance rate below
    /// the minimum.
    pub fn finished(&self, generations: &[Generation]) -> bool {
        generations.len() >= self.settings.generations
            || generations
                .last()
                .is_some_and(|g| g.index > 0 && g.acceptance < self.settings.min_acceptance)
    }

    /// The tolerance the generation after `previous` must meet (infinite for generation 0).
    pub fn tolerance_after(&self, previous: Option<&Generation>) -> f64 {
        previous.map_or(f64::INFINITY, |p| {
            let d: Vec<f64> = p.particles.iter().map(|x| x.distance).collect();
            let w: Vec<f64> = p.particles.iter().map(|x| x.weight).collect();
            weighted_quantile(&d, &w, self.settings.quantile)
        })
    }

    /// Generation 0: particles drawn from the prior, each simulated once, all accepted.
    fn first_generation<F>(
        &self,
        simulate: &F,
        found: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<Generation, SmcError>
    where
        F: Fn(&[f64], u64) -> f64 + Sync,
    {
        let n = self.settings.particles;
        let first: Vec<(Vec<f64>, f64)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(self.settings.seed, 0, i);
                let u = DVector::from_iterator(
                    self.bounds.len(),
                    self.bounds
                        .iter()
                        .map(|&(lo, hi)| lo + (hi - lo) * rng.random::<f64>()),
                );
                let values = self.natural(&u);
                let d = simulate(&values, rng.random::<u64>());
                found(1);
                (values, d)
            })
            .collect();
        if cancel.load(Ordering::SeqCst) {
            return Err(SmcError::Interrupted);
        }
        let weights = vec![1.0 / n as f64; n];
        Ok(generation(0, f64::INFINITY, first, weights, n as u64))
    }

    /// Finds the generation after `previous` (generation 0, from the prior, when `None`).
    /// `simulate(values, seed)` returns the distance of one simulation at `values` (natural
    /// coordinates, one per prior); `found(simulations)` is called as each particle is found.
    /// The result depends only on `previous`, the settings and the seed.
    pub fn next_generation<F>(
        &self,
        previous: Option<&Generation>,
        simulate: &F,
        found: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<Generation, SmcError>
    where
        F: Fn(&[f64], u64) -> f64 + Sync,
    {
        let Some(previous) = previous else {
            return self.first_generation(simulate, found, cancel);
        };
        let g = previous.index + 1;
        let tolerance = self.tolerance_after(Some(previous));
        let proposal = Proposal::new(self, previous);
        let results: Vec<Result<Found, SmcError>> = (0..self.settings.particles)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(self.settings.seed, g, i);
                let mut simulations = 0;
                for _ in 0..self.settings.max_attempts {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(SmcError::Interrupted);
                    }
                    let u = proposal.draw(&mut rng);
                    let seed = rng.random::<u64>();
                    if !self.inside(&u) {
                        continue;
                    }
                    simulations += 1;
                    let d = simulate(&self.natural(&u), seed);
                    if d <= tolerance {
                        found(simulations);
                        return Ok((u, d, simulations));
                    }
                }
                Err(SmcError::Stuck {
                    generation: g,
                    tolerance,
                    attempts: self.settings.max_attempts,
                })
            })
            .collect();
        let results: Vec<Found> = results.into_iter().collect::<Result<_, _>>()?;
        let new_weights = proposal.importance_weights(&results);
        let simulations = results.iter().map(|(_, _, s)| s).sum();
        let particles = results
            .into_iter()
            .map(|(u, d, _)| (self.natural(&u), d))
            .collect();
        Ok(generation(
            g,
            tolerance,
            particles,
            new_weights,
            simulations,
        ))
    }
}

/// Where a generation's particles are proposed from: the previous generation's particles in
/// internal coordinates, their weights, and the perturbation kernel around them.
struct Proposal {
    points: Vec<DVector<f64>>,
    weights: Vec<f64>,
    cumulative: Vec<f64>,
    kernel: Kernel,
}

impl Proposal {
    fn new(smc: &Smc<'_>, previous: &Generation) -> Proposal {
        // Internal coordinates, always from the stored natural values, so that a resumed fit
        // continues exactly as an uninterrupted one.
        let points: Vec<DVector<f64>> = previous
            .particles
            .iter()
            .map(|p| smc.internal(&p.values))
            .collect();
        let weights: Vec<f64> = previous.particles.iter().map(|p| p.weight).collect();
        let kernel = Kernel::new(&points, &weights, &smc.bounds);
        let cumulative: Vec<f64> = weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        Proposal {
            points,
            weights,
            cumulative,
            kernel,
        }
    }

    /// A particle of the previous generation picked by weight, then perturbed by the kernel.
    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> DVector<f64> {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let r = rng.random::<f64>() * total;
        let j = self
            .cumulative
            .partition_point(|&c| c <= r)
            .min(self.points.len() - 1);
        self.kernel.perturb(&self.points[j], rng)
    }

    /// The accepted particles' normalised importance weights: pi(x) / sum_j w_j K(x | x_j),
    /// pi constant inside the prior's box.
    fn importance_weights(&self, results: &[Found]) -> Vec<f64> {
        let log_w: Vec<f64> = results
            .iter()
            .map(|(u, _, _)| {
                -log_sum_exp(
                    self.points
                        .iter()
                        .zip(&self.weights)
                        .map(|(p, &w)| w.ln() + self.kernel.log_density(u, p)),
                )
            })
            .collect();
        let norm = log_sum_exp(log_w.iter().copied());
        log_w.iter().map(|l| (l - norm).exp()).collect()
    }
}

fn generation(
    index: usize,
    tolerance: f64,
    particles: Vec<(Vec<f64>, f64)>,
    weights: Vec<f64>,
    simulations: u64,
) -> Generation {
    let n = particles.len();
    Generation {
        index,
        tolerance,
        ess: ess(&weights),
        particles: particles
            .into_iter()
            .zip(weights)
            .map(|((values, distance), weight)| Particle {
                values,
                weight,
                distance,
            })
            .collect(),
        simulations,
        acceptance: n as f64 / simulations.max(1) as f64,
    }
}

/// Runs a whole fit in memory (no checkpoints): generations until [`Smc::finished`].
pub fn run<F>(
    priors: &[Prior],
    settings: &Settings,
    simulate: F,
    cancel: &AtomicBool,
) -> Result<Vec<Generation>, SmcError>
where
    F: Fn(&[f64], u64) -> f64 + Sync,
{
    let smc = Smc::new(priors, settings);
    let mut generations: Vec<Generation> = Vec::new();
    while !smc.finished(&generations) {
        let next = smc.next_generation(generations.last(), &simulate, &|_| {}, cancel)?;
        generations.push(next);
    }
    Ok(generations)
}

/// The weighted `q`-quantile of parameter `k` in a generation.
pub fn marginal_quantile(generation: &Generation, k: usize, q: f64) -> f64 {
    let values: Vec<f64> = generation.particles.iter().map(|p| p.values[k]).collect();
    let weights: Vec<f64> = generation.particles.iter().map(|p| p.weight).collect();
    weighted_quantile(&values, &weights, q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles() {
        let v = [3.0, 1.0, 2.0, 4.0];
        let w = [0.25; 4];
        assert_eq!(weighted_quantile(&v, &w, 0.5), 2.0);
        assert_eq!(weighted_quantile(&v, &w, 0.75), 3.0);
        assert_eq!(weighted_quantile(&v, &[0.0, 0.0, 0.0, 1.0], 0.1), 4.0);
        assert_eq!(ess(&w), 4.0);
    }

    /// Toy model: 20 observations from N(theta, 1) with sample mean 1.3; the distance is the
    /// gap between a simulated sample's mean and 1.3 (a sufficient statistic). As the
    /// tolerance shrinks, the ABC posterior tends to the exact one under the flat prior on
    /// [-5, 5]: N(1.3, 1/20), sd 0.2236 (the truncation is 17 sd away).
    fn normal_mean(threads: usize, seed: u64) -> Vec<Generation> {
        let simulate = |v: &[f64], s: u64| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(s);
            let mean = (0..20)
                .map(|_| v[0] + rng.sample::<f64, _>(StandardNormal))
                .sum::<f64>()
                / 20.0;
            (mean - 1.3).abs()
        };
        let settings = Settings {
            particles: 500,
            generations: 10,
            quantile: 0.5,
            min_acceptance: 0.005,
            max_attempts: 100_000,
            seed,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            run(
                &[Prior::Uniform {
                    low: -5.0,
                    high: 5.0,
                }],
                &settings,
                simulate,
                &AtomicBool::new(false),
            )
        })
        .unwrap()
    }

    #[test]
    fn recovers_the_posterior_of_a_normal_mean() {
        let gens = normal_mean(2, 42);
        let last = gens.last().unwrap();
        let w: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
        let x: Vec<f64> = last.particles.iter().map(|p| p.values[0]).collect();
        let mean: f64 = x.iter().zip(&w).map(|(x, w)| x * w).sum();
        let sd = x
            .iter()
            .zip(&w)
            .map(|(x, w)| w * (x - mean).powi(2))
            .sum::<f64>()
            .sqrt();
        println!(
            "generations {}, last tolerance {:.4}, mean {mean:.4}, sd {sd:.4}, ESS {:.0}",
            gens.len(),
            last.tolerance,
            last.ess
        );
        assert_eq!(gens.len(), 10);
        assert!(last.tolerance < 0.02, "{}", last.tolerance);
        // Monte Carlo error of the mean with ESS >= 150: about 0.2236 / sqrt(150) = 0.018.
        assert!((mean - 1.3).abs() < 0.05, "{mean}");
        // the tolerance adds at most tol^2 / 3 to the variance
        assert!((sd - 0.2236).abs() < 0.03, "{sd}");
        assert!(last.ess > 150.0, "{}", last.ess);
        // the exact posterior's 90% interval, 1.3 -/+ 1.645 * 0.2236
        let q05 = marginal_quantile(last, 0, 0.05);
        let q95 = marginal_quantile(last, 0, 0.95);
        assert!(
            (q05 - 0.932).abs() < 0.06 && (q95 - 1.668).abs() < 0.06,
            "{q05} {q95}"
        );
    }

    #[test]
    fn identical_for_any_thread_count() {
        assert_eq!(normal_mean(1, 7), normal_mean(3, 7));
    }
}
