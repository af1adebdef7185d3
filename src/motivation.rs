//! Drawing each newcomer's motivation from the scenario's distribution on [0, 1].

use crate::parameters::{Motivation, MotivationDistribution};
use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Normal};

/// A ready-to-use sampler for one variant's motivation distribution.
#[derive(Debug, Clone)]
pub enum MotivationSampler {
    Fixed(f64),
    Uniform {
        low: f64,
        width: f64,
    },
    /// Beta with whole shapes whose sum is at most [`ORDER_STATISTIC_MAX`] + 1: the `k`-th
    /// smallest of `n` uniforms, which is exactly Beta(k, n + 1 − k).
    OrderStatistic {
        k: u32,
        n: u32,
    },
    /// Beta with other shapes: rand_distr's sampler (Cheng's algorithms BB and BC).
    Beta(Beta<f64>),
    /// Normal truncated to [0, 1] by rejection.
    TruncatedNormal(Normal<f64>),
}

/// Rejection draws tried before falling back to the nearer end of [0, 1]. Validation ensures at
/// least 0.1% of the mass lies in [0, 1], so the fallback has probability below 1e-43.
const MAX_REJECTIONS: u32 = 100_000;

/// Largest number of uniforms a Beta draw by order statistics uses (docs/MODEL.md,
/// §randomness): Beta(2, 3) takes 4, against Cheng's rejection sampler with its `ln` and `exp`.
pub const ORDER_STATISTIC_MAX: u32 = 8;

/// Whether `x` is a whole number from 1 to [`ORDER_STATISTIC_MAX`].
fn whole_shape(x: f64) -> Option<u32> {
    ((1.0..=f64::from(ORDER_STATISTIC_MAX)).contains(&x) && x.fract() == 0.0).then_some(x as u32)
}

/// The `k`-th smallest (1-based) of `N` fresh uniforms on [0, 1), `1 <= k <= N`. The uniforms
/// are those of `rng.random::<f64>()`, (bits >> 11) · 2⁻⁵³, but sorted as the generator's raw
/// 64-bit words: the map from word to uniform never decreases, so the k-th smallest word gives
/// the k-th smallest uniform, bit for bit, and only that one is converted. The sort is a
/// network of compare-exchanges (`min` and `max` of integers, which compile to conditional
/// moves; the loops unroll for each `N`), so the CPU never guesses at the order.
#[inline]
fn order_statistic<const N: usize, R: Rng + ?Sized>(k: u32, rng: &mut R) -> f64 {
    let mut u = [0u64; N];
    for x in &mut u {
        *x = rng.next_u64();
    }
    let exchange = |u: &mut [u64; N], i: usize, j: usize| {
        let (a, b) = (u[i], u[j]);
        u[i] = a.min(b);
        u[j] = a.max(b);
    };
    if N == 4 {
        // Four uniforms (Beta(2, 3), the default): the optimal network, 5 exchanges in 3 rounds.
        for (i, j) in [(0, 1), (2, 3), (0, 2), (1, 3), (1, 2)] {
            exchange(&mut u, i, j);
        }
    } else {
        for i in 1..N {
            for j in (0..i).rev() {
                exchange(&mut u, j, j + 1);
            }
        }
    }
    (u[k as usize - 1] >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// [`order_statistic`] for `n` from 1 to [`ORDER_STATISTIC_MAX`].
#[inline]
fn kth_of<R: Rng + ?Sized>(k: u32, n: u32, rng: &mut R) -> f64 {
    match n {
        1 => order_statistic::<1, R>(k, rng),
        2 => order_statistic::<2, R>(k, rng),
        3 => order_statistic::<3, R>(k, rng),
        4 => order_statistic::<4, R>(k, rng),
        5 => order_statistic::<5, R>(k, rng),
        6 => order_statistic::<6, R>(k, rng),
        7 => order_statistic::<7, R>(k, rng),
        _ => order_statistic::<8, R>(k, rng),
    }
}

impl MotivationSampler {
    /// Builds the sampler; parameters are validated by the scenario, so failure means a bug or
    /// an unchecked value and is reported as a message.
    pub fn new(m: &Motivation) -> Result<Self, String> {
        Ok(match m.distribution {
            MotivationDistribution::Fixed => MotivationSampler::Fixed(m.value),
            MotivationDistribution::Uniform => MotivationSampler::Uniform {
                low: m.low,
                width: m.high - m.low,
            },
            MotivationDistribution::Beta => match (whole_shape(m.alpha), whole_shape(m.beta)) {
                (Some(a), Some(b)) if a + b - 1 <= ORDER_STATISTIC_MAX => {
                    MotivationSampler::OrderStatistic { k: a, n: a + b - 1 }
                }
                _ => MotivationSampler::Beta(
                    Beta::new(m.alpha, m.beta).map_err(|e| format!("motivation beta: {e}"))?,
                ),
            },
            MotivationDistribution::Normal => MotivationSampler::TruncatedNormal(
                Normal::new(m.mean, m.sd).map_err(|e| format!("motivation normal: {e}"))?,
            ),
        })
    }

    /// Draws one motivation in [0, 1].
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            MotivationSampler::Fixed(v) => *v,
            MotivationSampler::Uniform { low, width } => low + width * rng.random::<f64>(),
            MotivationSampler::OrderStatistic { k, n } => kth_of(*k, *n, rng),
            MotivationSampler::Beta(b) => b.sample(rng),
            MotivationSampler::TruncatedNormal(n) => {
                for _ in 0..MAX_REJECTIONS {
                    let x = n.sample(rng);
                    if (0.0..=1.0).contains(&x) {
                        return x;
                    }
                }
                n.mean().clamp(0.0, 1.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn mean_of(m: &Motivation, n: usize) -> f64 {
        let s = MotivationSampler::new(m).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut total = 0.0;
        for _ in 0..n {
            let x = s.sample(&mut rng);
            assert!((0.0..=1.0).contains(&x));
            total += x;
        }
        total / n as f64
    }

    #[test]
    fn sample_means_match_the_distributions() {
        let n = 200_000;
        // Beta(2, 3) has mean 0.4 and sd 0.2; the standard error of the mean is 0.2/sqrt(n).
        let beta = Motivation::default();
        assert!((mean_of(&beta, n) - 0.4).abs() < 5.0 * 0.2 / (n as f64).sqrt());
        let uniform = Motivation {
            distribution: MotivationDistribution::Uniform,
            low: 0.2,
            high: 0.6,
            ..Motivation::default()
        };
        assert!((mean_of(&uniform, n) - 0.4).abs() < 5.0 * 0.1155 / (n as f64).sqrt());
        let fixed = Motivation {
            distribution: MotivationDistribution::Fixed,
            value: 0.7,
            ..Motivation::default()
        };
        assert!((mean_of(&fixed, 10) - 0.7).abs() < 1e-15);
        // Normal(0.5, 0.1) truncated to [0, 1] keeps its mean 0.5 (symmetric truncation).
        let normal = Motivation {
            distribution: MotivationDistribution::Normal,
            mean: 0.5,
            sd: 0.1,
            ..Motivation::default()
        };
        assert!((mean_of(&normal, n) - 0.5).abs() < 5.0 * 0.1 / (n as f64).sqrt());
    }

    /// The order-statistic draw has Beta's law: the Kolmogorov-Smirnov distance of 100,000
    /// draws from the exact CDF (statrs) stays below the 0.1% critical value 1.95 / sqrt(n),
    /// for every kind of whole shape (the default (2, 3), the uniform, both ends, the largest).
    #[test]
    fn order_statistics_draw_beta() {
        use statrs::distribution::{Beta as BetaLaw, ContinuousCDF};
        for (alpha, beta) in [
            (2.0, 3.0),
            (1.0, 1.0),
            (1.0, 4.0),
            (4.0, 1.0),
            (3.0, 5.0),
            (5.0, 4.0),
        ] {
            let m = Motivation {
                alpha,
                beta,
                ..Motivation::default()
            };
            let sampler = MotivationSampler::new(&m).unwrap();
            assert!(matches!(sampler, MotivationSampler::OrderStatistic { .. }));
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let n = 100_000;
            let mut x: Vec<f64> = (0..n).map(|_| sampler.sample(&mut rng)).collect();
            x.sort_unstable_by(f64::total_cmp);
            let law = BetaLaw::new(alpha, beta).unwrap();
            let d = x
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let f = law.cdf(v);
                    (f - i as f64 / n as f64)
                        .abs()
                        .max((f - (i + 1) as f64 / n as f64).abs())
                })
                .fold(0.0, f64::max);
            assert!(
                d < 1.95 / (n as f64).sqrt(),
                "Beta({alpha}, {beta}): D = {d}"
            );
        }
        // Shapes that are not whole, or too large, keep rand_distr's sampler.
        for (alpha, beta) in [(2.5, 3.0), (2.0, 8.0), (0.5, 0.5)] {
            let m = Motivation {
                alpha,
                beta,
                ..Motivation::default()
            };
            assert!(matches!(
                MotivationSampler::new(&m).unwrap(),
                MotivationSampler::Beta(_)
            ));
        }
    }
}
