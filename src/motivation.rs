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
    Beta(Beta<f64>),
    /// Normal truncated to [0, 1] by rejection.
    TruncatedNormal(Normal<f64>),
}

/// Rejection draws tried before falling back to the nearer end of [0, 1]. Validation ensures at
/// least 0.1% of the mass lies in [0, 1], so the fallback has probability below 1e-43.
const MAX_REJECTIONS: u32 = 100_000;

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
            MotivationDistribution::Beta => MotivationSampler::Beta(
                Beta::new(m.alpha, m.beta).map_err(|e| format!("motivation beta: {e}"))?,
            ),
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
}
