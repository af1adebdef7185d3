//! Shared helpers of the validation suite (tests/validation.rs, tests/validation_trace.rs):
//! building models from scenario text, running seeded trials, and the statistical tests used to
//! compare simulation with closed forms. Distribution functions come from `statrs`; only the
//! Kolmogorov limiting distribution (which statrs lacks) is written out here.

#![allow(dead_code)]

use hothouse::model::{Model, StepRecord, TrialResult, Workspace, trial_seed};
use hothouse::parameters::Parameters;
use hothouse::scenario::Scenario;
use statrs::distribution::{
    Binomial, ChiSquared, ContinuousCDF, Discrete, DiscreteCDF, Normal, Poisson,
};

/// Parses scenario text (panicking with the scenario's own error message if it is invalid).
/// Tests write their special cases as scenario files, so the reader sees exactly what ran, and
/// every value goes through the same validation as a user's file.
pub fn scenario(text: &str) -> Scenario {
    Scenario::parse("validation.toml", text).unwrap_or_else(|e| panic!("bad test scenario: {e}"))
}

/// The base parameters of a scenario text.
pub fn params(text: &str) -> Parameters {
    scenario(text).base
}

/// A model of `params` over `steps` weeks.
pub fn model(params: Parameters, steps: u32) -> Model {
    Model::new(params, steps).expect("model")
}

/// Runs trials `0..n` of `model` under master seed `master`, exactly as `hothouse run` does
/// (trial `i` uses `trial_seed(master, i)`).
pub fn run_trials(model: &Model, master: u64, n: u64) -> Vec<TrialResult> {
    let mut ws = Workspace::new();
    (0..n)
        .map(|i| model.run(trial_seed(master, i), &mut ws))
        .collect()
}

/// Runs one trial and keeps its week-by-week records (week 0 first).
pub fn run_traced(model: &Model, seed: u64, ws: &mut Workspace) -> (Vec<StepRecord>, TrialResult) {
    let mut records = Vec::with_capacity(model.steps as usize + 1);
    let result = model.run_observed(seed, ws, |r| records.push(r.clone()));
    (records, result)
}

/// The result of a chi-square goodness-of-fit test.
#[derive(Debug, Clone)]
pub struct ChiSquareTest {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
    /// Bins after merging: (first cell, last cell, observed, expected).
    pub bins: Vec<(usize, usize, u64, f64)>,
}

impl ChiSquareTest {
    /// Power against the alternative cell probabilities `alt` at level `alpha`, from the
    /// noncentral chi-square distribution with noncentrality `n sum (p1 - p0)^2 / p0` over the
    /// same bins (the usual large-sample power of Pearson's test; Cochran 1952).
    pub fn power_against(&self, null: &[f64], alt: &[f64], n: u64, alpha: f64) -> f64 {
        let mut lambda = 0.0;
        for &(a, b, _, _) in &self.bins {
            let p0: f64 = null[a..=b].iter().sum();
            let p1: f64 = alt[a..=b].iter().sum();
            lambda += (p1 - p0).powi(2) / p0;
        }
        lambda *= n as f64;
        let critical = ChiSquared::new(self.df as f64)
            .unwrap()
            .inverse_cdf(1.0 - alpha);
        noncentral_chi_square_sf(critical, self.df, lambda)
    }
}

/// Pearson's chi-square goodness-of-fit test of counts `observed[j]` against cell probabilities
/// `probs[j]` (which must sum to 1). Adjacent cells are merged, left to right, until every bin
/// expects at least `min_expected` observations (a short remainder joins the last bin), so the
/// chi-square approximation holds (Cochran's rule asks for 5; we use more). No parameter is
/// estimated, so `df = bins - 1`.
///
/// A count in a cell of probability 0 is an impossible outcome: that panics outright.
pub fn chi_square_gof(observed: &[u64], probs: &[f64], min_expected: f64) -> ChiSquareTest {
    assert_eq!(observed.len(), probs.len());
    let n: u64 = observed.iter().sum();
    let total: f64 = probs.iter().sum();
    assert!((total - 1.0).abs() < 1e-9, "probabilities sum to {total}");
    for (j, (&o, &p)) in observed.iter().zip(probs).enumerate() {
        assert!(
            !(o > 0 && p <= 0.0),
            "cell {j} has probability 0 but was observed {o} times"
        );
    }
    let nf = n as f64;
    let mut bins: Vec<(usize, usize, u64, f64)> = Vec::new();
    let mut start = 0;
    let (mut o_acc, mut e_acc) = (0u64, 0.0f64);
    for j in 0..probs.len() {
        o_acc += observed[j];
        e_acc += nf * probs[j];
        if e_acc >= min_expected {
            bins.push((start, j, o_acc, e_acc));
            start = j + 1;
            o_acc = 0;
            e_acc = 0.0;
        }
    }
    if start < probs.len() {
        match bins.last_mut() {
            Some(last) => {
                last.1 = probs.len() - 1;
                last.2 += o_acc;
                last.3 += e_acc;
            }
            None => bins.push((start, probs.len() - 1, o_acc, e_acc)),
        }
    }
    assert!(
        bins.len() >= 2,
        "too few observations for a chi-square test"
    );
    let statistic: f64 = bins
        .iter()
        .map(|&(_, _, o, e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = bins.len() - 1;
    let p_value = ChiSquared::new(df as f64).unwrap().sf(statistic);
    ChiSquareTest {
        statistic,
        df,
        p_value,
        bins,
    }
}

/// `P(X > x)` for X noncentral chi-square with `df` degrees of freedom and noncentrality
/// `lambda`: a Poisson(lambda/2) mixture of central chi-squares with `df + 2j` degrees.
pub fn noncentral_chi_square_sf(x: f64, df: usize, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return ChiSquared::new(df as f64).unwrap().sf(x);
    }
    let half = lambda / 2.0;
    let poisson = Poisson::new(half).unwrap();
    let last = (half + 12.0 * half.sqrt() + 60.0) as u64;
    (0..=last)
        .map(|j| poisson.pmf(j) * ChiSquared::new(df as f64 + 2.0 * j as f64).unwrap().sf(x))
        .sum::<f64>()
        .min(1.0)
}

/// `P(K > x)` for the Kolmogorov distribution (the limit of `sqrt(n) D_n`):
/// `2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2)`.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let mut s = 0.0;
    for k in 1..=200 {
        let kf = f64::from(k);
        let term = (-2.0 * kf * kf * x * x).exp();
        s += if k % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

/// One-sample Kolmogorov-Smirnov test of a sample on `0..cells` (counts per cell) against cell
/// probabilities. Returns `(D, p)`. Both step functions jump only at cell points, so the
/// supremum is attained there. For a discrete null distribution the continuous Kolmogorov
/// p-value (with Stephens' small-sample factor) is conservative: the true level is at most the
/// nominal one (Noether 1963), so a pass is a pass at the stated level or better.
pub fn ks_discrete(observed: &[u64], probs: &[f64]) -> (f64, f64) {
    let n: u64 = observed.iter().sum();
    let nf = n as f64;
    let (mut cum_o, mut cum_p, mut d) = (0u64, 0.0f64, 0.0f64);
    for (&o, &p) in observed.iter().zip(probs) {
        cum_o += o;
        cum_p += p;
        d = d.max((cum_o as f64 / nf - cum_p).abs());
    }
    let sn = nf.sqrt();
    (d, kolmogorov_sf(d * (sn + 0.12 + 0.11 / sn)))
}

/// Half-width of the Dvoretzky-Kiefer-Wolfowitz simultaneous band with Massart's constant:
/// `P(sup_t |F_n(t) - F(t)| > eps) <= 2 exp(-2 n eps^2)` for every distribution, discrete ones
/// included, so `eps = sqrt(ln(2/alpha) / (2n))` gives simultaneous level `1 - alpha`.
pub fn dkw_epsilon(n: u64, alpha: f64) -> f64 {
    ((2.0 / alpha).ln() / (2.0 * n as f64)).sqrt()
}

/// Two-sided p-value of a standard normal statistic.
pub fn normal_two_sided(z: f64) -> f64 {
    2.0 * Normal::new(0.0, 1.0).unwrap().sf(z.abs())
}

/// Upper-tail p-value of a standard normal statistic.
pub fn normal_upper(z: f64) -> f64 {
    Normal::new(0.0, 1.0).unwrap().sf(z)
}

/// Exact one-sided McNemar test for paired binary outcomes: of the discordant pairs, `b` went
/// the predicted way and `c` the other; under no effect `b ~ Binomial(b + c, 1/2)`. Returns
/// `P(B >= b)`.
pub fn mcnemar_one_sided(b: u64, c: u64) -> f64 {
    if b + c == 0 {
        return 1.0;
    }
    let bin = Binomial::new(0.5, b + c).unwrap();
    if b == 0 { 1.0 } else { bin.sf(b - 1) }
}

/// Unpaired two-proportion z statistic (pooled variance) of `x1/n` against `x0/n`. With common
/// random numbers the two samples are positively correlated, which makes this test conservative.
pub fn two_proportion_z(x1: u64, x0: u64, n: u64) -> f64 {
    let nf = n as f64;
    let (p1, p0) = (x1 as f64 / nf, x0 as f64 / nf);
    let pooled = (x1 + x0) as f64 / (2.0 * nf);
    let se = (pooled * (1.0 - pooled) * 2.0 / nf).sqrt();
    if se == 0.0 { 0.0 } else { (p1 - p0) / se }
}

/// Exact (Clopper-Pearson) one-sided upper confidence bound for a binomial proportion with
/// `x` successes in `n`: the `p` with `P(Binomial(n, p) <= x) = alpha`, found by bisection.
pub fn clopper_pearson_upper(x: u64, n: u64, alpha: f64) -> f64 {
    if x >= n {
        return 1.0;
    }
    let (mut lo, mut hi) = (x as f64 / n as f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let cdf = Binomial::new(mid, n).unwrap().cdf(x);
        if cdf > alpha { lo = mid } else { hi = mid }
    }
    hi
}

/// `P(Binomial(n, p) >= k)`.
pub fn binomial_at_least(n: u64, p: f64, k: u64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    Binomial::new(p.clamp(0.0, 1.0), n).unwrap().sf(k - 1)
}

/// `P(Binomial(n, p) = x)`.
pub fn binomial_pmf(n: u64, p: f64, x: u64) -> f64 {
    Binomial::new(p.clamp(0.0, 1.0), n).unwrap().pmf(x)
}

/// The logistic function `1 / (1 + e^(-x))`.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `|a - b| <= tol * max(1, |a|, |b|)`.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * 1f64.max(a.abs()).max(b.abs())
}
