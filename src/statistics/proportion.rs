//! Confidence interval of a binomial proportion.

/// Wilson (1927) score interval of the proportion `successes / n` at normal quantile `z`
/// (`z = 1.959963984540054` for 95%, see [`super::Z_95`]):
///
/// ```text
///          p + z²/(2n)      z      ┌ p(1-p)    z²  ┐½
/// centre = -----------,  ------- · │ ------ + ---- │   = half-width,   p = successes / n
///           1 + z²/n     1 + z²/n  └   n      4n²  ┘
/// ```
///
/// and the interval is `centre ± half-width`. Unlike the Wald interval it stays inside `[0, 1]`
/// and does not collapse to a point at `p = 0` or `p = 1` (there it is exactly `[0, ·]` and
/// `[·, 1]`). Example: 8 of 10 gives `(0.4902, 0.9433)`.
///
/// With `n = 0` nothing is known: the interval is `[0, 1]`. `successes` larger than `n` is
/// treated as `n`. The result always satisfies `0 <= lower <= p <= upper <= 1`.
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let successes = successes.min(n);
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z.abs() / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lower = if successes == 0 {
        0.0
    } else {
        (centre - half).clamp(0.0, p)
    };
    let upper = if successes == n {
        1.0
    } else {
        (centre + half).clamp(p, 1.0)
    };
    (lower, upper)
}
