//! Tests of the survival statistics against hand-computed values, published examples and
//! invariants. Reference numbers were computed by hand (shown in comments) and agree with
//! lifelines 0.30 (`KaplanMeierFitter`, `logrank_test`, `multivariate_logrank_test`) and R's
//! `survival::survdiff` where noted.

// Everything sits in `mod statistics` so that `cargo test --test statistics --lib statistics`
// (whose name filter also applies to this file) runs these tests.
mod statistics {
    use hothouse::Outcome;
    use hothouse::statistics::*;
    use proptest::prelude::*;

    const Z: f64 = 1.959963984540054;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr, $tol:expr) => {{
            let (a, b): (f64, f64) = ($a, $b);
            assert!(
                close(a, b, $tol),
                "{} = {a}, expected {b} (±{})",
                stringify!($a),
                $tol
            );
        }};
        ($a:expr, $b:expr) => {
            assert_close!($a, $b, 1e-12)
        };
    }

    /// Builds counts from `(outcome, time, how many)`.
    fn counts(steps: u32, spec: &[(Outcome, u32, u64)]) -> OutcomeCounts {
        let mut c = OutcomeCounts::new(steps);
        for &(outcome, time, n) in spec {
            c.record_n(outcome, time, n);
        }
        c
    }

    use Outcome::{Censored as C, Fizzled as F, Graduated as G};

    // ---------------------------------------------------------------------------------------------
    // Data set A: steps = 5, 10 trials, with ties and graduates mixed in.
    //
    //   time  fizzled graduated censored
    //     1      1       .        .
    //     2      2       1        .
    //     3      1       .        .
    //     4      1       2        .
    //     5      .       .        2
    //
    // Kaplan-Meier of time-to-fizzle (graduates are at risk until steps = 5):
    //   n_t = #fizzled at >= t + 3 graduates + 2 censored
    //   t  n  d   1-d/n   S                   Greenwood term d/(n(n-d))   V
    //   0 10  0   1       1                   0                           0
    //   1 10  1   9/10    0.9                 1/(10*9)  = 1/90            1/90
    //   2  9  2   7/9     0.9*7/9   = 0.7     2/(9*7)   = 2/63            27/630 = 3/70
    //   3  7  1   6/7     0.7*6/7   = 0.6     1/(7*6)   = 1/42            3/70+1/42 = 1/15
    //   4  6  1   5/6     0.6*5/6   = 0.5     1/(6*5)   = 1/30            1/15+1/30 = 1/10
    //   5  5  0   1       0.5                 0                           1/10
    //
    // log(-log) interval, se = sqrt(V)/|ln S|, lower = exp(-exp(ln(-ln S) + z se)):
    //   t=1: ln S = -0.1053605, se = 0.1054093/0.1053605 = 1.0004626,
    //        lower = exp(-exp(-2.2503673 + 1.9608705)) = exp(-0.7486563) = 0.4730093
    //        upper = exp(-exp(-2.2503673 - 1.9608705)) = exp(-0.0148281) = 0.9852814
    //   t=2: S = 0.7, se = 0.2070197/0.3566749 = 0.5804155 -> [0.3287166, 0.8919490]
    //   t=3: S = 0.6, se = 0.2581989/0.5108256 = 0.5054541 -> [0.2526689, 0.8272210]
    //   t=4: S = 0.5, se = 0.3162278/0.6931472 = 0.4562202 -> [0.1836056, 0.7531741]
    //   (lifelines KaplanMeierFitter gives the same to 1e-15.)
    //
    // Aalen-Johansen: all-cause risk set r_t = outcomes at >= t: r = 10, 10, 9, 6, 5, 2 (t = 0..5)
    //   t  r  dF dG  S_all(t-1)  CIF_F                        CIF_G
    //   1 10  1  0   1           1*1/10       = 0.1           0
    //   2  9  2  1   9/10        0.1+0.9*2/9  = 0.3           0.9*1/9 = 0.1
    //   3  6  1  0   0.6         0.3+0.6*1/6  = 0.4           0.1
    //   4  5  1  2   0.5         0.4+0.5*1/5  = 0.5           0.1+0.5*2/5 = 0.3
    //   5  2  0  0   0.2         0.5                          0.3
    //   = cumulative counts / 10, as it must with censoring only at the horizon.
    //
    // Summary: median = 4 (S(4) = 0.5 up to rounding), rmst = 1 + 0.9 + 0.7 + 0.6 + 0.5 = 3.7,
    //   p_graduate = 3/10 with Wilson interval: centre = (0.3 + z²/20)/(1 + z²/10) = 0.3555065,
    //   half = z/(1+z²/10) * sqrt(0.021 + z²/400) = 0.2477153 -> [0.1077913, 0.6032219].
    // ---------------------------------------------------------------------------------------------
    fn data_set_a() -> OutcomeCounts {
        counts(
            5,
            &[
                (F, 1, 1),
                (F, 2, 2),
                (G, 2, 1),
                (F, 3, 1),
                (F, 4, 1),
                (G, 4, 2),
                (C, 5, 2),
            ],
        )
    }

    #[test]
    fn data_set_a_survival_table() {
        let table = survival_table(&data_set_a());
        assert_eq!(table.len(), 6);
        let times: Vec<u32> = table.iter().map(|r| r.time).collect();
        assert_eq!(times, [0, 1, 2, 3, 4, 5]);
        let at_risk: Vec<u64> = table.iter().map(|r| r.at_risk).collect();
        assert_eq!(at_risk, [10, 10, 9, 7, 6, 5]);
        let fizzled: Vec<u64> = table.iter().map(|r| r.fizzled).collect();
        assert_eq!(fizzled, [0, 1, 2, 1, 1, 0]);
        let graduated: Vec<u64> = table.iter().map(|r| r.graduated).collect();
        assert_eq!(graduated, [0, 0, 1, 0, 2, 0]);
        let censored: Vec<u64> = table.iter().map(|r| r.censored).collect();
        assert_eq!(censored, [0, 0, 0, 0, 0, 2]);

        let survival = [1.0, 0.9, 0.7, 0.6, 0.5, 0.5];
        let lower = [
            1.0,
            0.47300927136205084,
            0.3287165932797348,
            0.2526688970038936,
            0.18360559061901463,
            0.18360559061901463,
        ];
        let upper = [
            1.0,
            0.985281393367343,
            0.8919490412248441,
            0.8272209670285114,
            0.7531740769982297,
            0.7531740769982297,
        ];
        let cif_f = [0.0, 0.1, 0.3, 0.4, 0.5, 0.5];
        let cif_g = [0.0, 0.0, 0.1, 0.1, 0.3, 0.3];
        for (t, row) in table.iter().enumerate() {
            assert_close!(row.survival, survival[t]);
            assert_close!(row.survival_lower, lower[t]);
            assert_close!(row.survival_upper, upper[t]);
            assert_close!(row.cif_fizzled, cif_f[t]);
            assert_close!(row.cif_graduated, cif_g[t]);
        }
        // before any event the interval is exactly [1, 1]
        assert_eq!(
            (table[0].survival_lower, table[0].survival_upper),
            (1.0, 1.0)
        );
    }

    #[test]
    fn data_set_a_summary() {
        let s = summarize(&data_set_a());
        assert_eq!(
            (s.trials, s.graduated, s.fizzled, s.censored),
            (10, 3, 5, 2)
        );
        assert_close!(s.p_graduate, 0.3);
        assert_close!(s.p_graduate_lower, 0.10779126740630099);
        assert_close!(s.p_graduate_upper, 0.6032218525388546);
        assert_eq!(s.median_survival, Some(4));
        assert_close!(s.rmst, 3.7);
    }

    #[test]
    fn loglog_interval_matches_formula_and_lifelines() {
        // S = 0.9, V = 1/90: see data set A, t = 1
        let (lo, hi) = loglog_interval(0.9, 1.0 / 90.0, Z_95);
        assert_close!(lo, 0.47300927136205084);
        assert_close!(hi, 0.985281393367343);
        assert_eq!(loglog_interval(1.0, 0.0, Z_95), (1.0, 1.0));
        assert_eq!(loglog_interval(0.0, f64::INFINITY, Z_95), (0.0, 0.0));
    }

    #[test]
    fn no_events() {
        // 4 graduates at various times and 3 censored at the horizon: nobody fizzles.
        let c = counts(6, &[(G, 1, 1), (G, 3, 3), (C, 6, 3)]);
        let table = survival_table(&c);
        for row in &table {
            // graduates stay at risk of fizzling until the horizon
            assert_eq!(row.at_risk, 7);
            assert_eq!(row.survival, 1.0);
            assert_eq!((row.survival_lower, row.survival_upper), (1.0, 1.0));
            assert_eq!(row.cif_fizzled, 0.0);
        }
        // CIF_G: 1/7 at t = 1, 4/7 from t = 3 on
        assert_close!(table[1].cif_graduated, 1.0 / 7.0);
        assert_close!(table[2].cif_graduated, 1.0 / 7.0);
        assert_close!(table[3].cif_graduated, 4.0 / 7.0);
        assert_close!(table[6].cif_graduated, 4.0 / 7.0);
        let s = summarize(&c);
        assert_eq!(s.median_survival, None);
        assert_close!(s.rmst, 6.0);
        assert_close!(s.p_graduate, 4.0 / 7.0);

        // log-rank with no events anywhere: nothing to test
        let d = counts(6, &[(C, 6, 5)]);
        let lr = logrank(&[&c, &d]);
        assert_eq!(
            lr,
            LogRank {
                chi2: 0.0,
                df: 1,
                p_value: 1.0
            }
        );
    }

    #[test]
    fn all_events() {
        // steps 3; three trials fizzle at 1, 2, 2.
        //   t n d  S                Greenwood V
        //   1 3 1  2/3              1/(3*2) = 1/6
        //   2 2 2  0   (d = n)      -> interval [0, 0]
        //   3 0 0  0
        // t=1: se = sqrt(1/6)/ln(3/2) = 0.4082483/0.4054651 = 1.0068642,
        //      lower = exp(-exp(ln(0.4054651) + z se)) = 0.0540734, upper = 0.9452064 (= lifelines)
        let c = counts(3, &[(F, 1, 1), (F, 2, 2)]);
        let t = survival_table(&c);
        assert_eq!(
            t.iter().map(|r| r.at_risk).collect::<Vec<_>>(),
            [3, 3, 2, 0]
        );
        assert_close!(t[1].survival, 2.0 / 3.0);
        assert_close!(t[1].survival_lower, 0.05407342678651668);
        assert_close!(t[1].survival_upper, 0.945206387272047);
        for row in &t[2..] {
            assert_eq!(row.survival, 0.0);
            assert_eq!((row.survival_lower, row.survival_upper), (0.0, 0.0));
            assert_close!(row.cif_fizzled, 1.0);
            assert_eq!(row.cif_graduated, 0.0);
        }
        let s = summarize(&c);
        assert_eq!(s.median_survival, Some(2));
        assert_close!(s.rmst, 1.0 + 2.0 / 3.0 + 0.0);
        assert_eq!((s.p_graduate, s.p_graduate_lower), (0.0, 0.0));
        // Wilson upper for 0/3: 2 * (z²/6) / (1 + z²/3) = z²/(3 + z²) = 0.5614970
        assert_close!(s.p_graduate_upper, Z * Z / (3.0 + Z * Z));
    }

    #[test]
    fn single_trial() {
        // one trial fizzling at 2 of 3 steps: S = 1, 1, 0, 0
        let c = counts(3, &[(F, 2, 1)]);
        let t = survival_table(&c);
        assert_eq!(
            t.iter().map(|r| r.survival).collect::<Vec<_>>(),
            [1.0, 1.0, 0.0, 0.0]
        );
        assert_eq!(
            t.iter().map(|r| r.at_risk).collect::<Vec<_>>(),
            [1, 1, 1, 0]
        );
        assert_eq!((t[2].survival_lower, t[2].survival_upper), (0.0, 0.0));
        let s = summarize(&c);
        assert_eq!(s.median_survival, Some(2));
        assert_close!(s.rmst, 2.0);

        // one graduate: survival 1 throughout; Wilson for 1/1 is [1/(1+z²), 1]
        let c = counts(3, &[(G, 1, 1)]);
        let s = summarize(&c);
        assert_eq!(s.median_survival, None);
        assert_close!(s.rmst, 3.0);
        assert_eq!(s.p_graduate, 1.0);
        assert_close!(s.p_graduate_lower, 1.0 / (1.0 + Z * Z));
        assert_close!(s.p_graduate_lower, 0.20654931437723742);
        assert_eq!(s.p_graduate_upper, 1.0);
        assert_close!(survival_table(&c)[3].cif_graduated, 1.0);
    }

    #[test]
    fn no_trials() {
        let c = OutcomeCounts::new(5);
        let s = summarize(&c);
        assert_eq!(s.trials, 0);
        // documented choice: p = 0, interval [0, 1], survival 1 throughout
        assert_eq!(
            (s.p_graduate, s.p_graduate_lower, s.p_graduate_upper),
            (0.0, 0.0, 1.0)
        );
        assert_eq!(s.median_survival, None);
        assert_eq!(s.rmst, 5.0);
        let t = survival_table(&c);
        assert_eq!(t.len(), 6);
        assert!(
            t.iter()
                .all(|r| r.at_risk == 0 && r.survival == 1.0 && r.cif_fizzled == 0.0)
        );
    }

    #[test]
    fn median_uses_tolerance_and_is_first_time() {
        // 1 of 2 fizzles at 3: S(3) = 0.5 exactly -> median 3
        let c = counts(5, &[(F, 3, 1), (G, 4, 1)]);
        assert_eq!(summarize(&c).median_survival, Some(3));
        // 0.9 * 7/9 * 6/7 * 5/6 lands on 0.49999999999999983 or 0.5000000000000001 depending on the
        // order of rounding; either way the median is 4 (data set A)
        assert_eq!(summarize(&data_set_a()).median_survival, Some(4));
        // S just above 0.5 is not the median: 5 of 11 fizzle -> S = 6/11
        let c = counts(2, &[(F, 1, 5), (C, 2, 6)]);
        assert_eq!(summarize(&c).median_survival, None);
    }

    #[test]
    fn cif_uses_general_aalen_johansen_formula() {
        // Censoring before the horizon (not produced by the simulator, but the formula is general):
        // steps 3: censored at 1, fizzled at 2, graduated at 2, fizzled at 3.
        //   all-cause risk r = 4 (t=1), 3 (t=2), 1 (t=3); S_all(1) = 1 (a censoring is not an event)
        //   CIF_F(2) = 1 * 1/3,  CIF_G(2) = 1 * 1/3,  S_all(2) = 1 - 2/3 = 1/3
        //   CIF_F(3) = 1/3 + 1/3 * 1/1 = 2/3   (the plain count 2/4 would be wrong)
        // KM: durations 1 (censored), 2 (event), 3 (graduate), 3 (event):
        //   n = 4, 3, 2 -> S(2) = 2/3, S(3) = 2/3 * 1/2 = 1/3
        let c = counts(3, &[(C, 1, 1), (F, 2, 1), (G, 2, 1), (F, 3, 1)]);
        let t = survival_table(&c);
        assert_eq!(
            t.iter().map(|r| r.at_risk).collect::<Vec<_>>(),
            [4, 4, 3, 2]
        );
        assert_close!(t[1].cif_fizzled, 0.0);
        assert_close!(t[2].cif_fizzled, 1.0 / 3.0);
        assert_close!(t[2].cif_graduated, 1.0 / 3.0);
        assert_close!(t[3].cif_fizzled, 2.0 / 3.0);
        assert_close!(t[3].cif_graduated, 1.0 / 3.0);
        assert_close!(t[2].survival, 2.0 / 3.0);
        assert_close!(t[3].survival, 1.0 / 3.0);
    }

    #[test]
    fn cif_equals_cumulative_fraction_with_horizon_censoring() {
        let c = data_set_a();
        let n = c.trials() as f64;
        let (mut cum_f, mut cum_g) = (0, 0);
        for row in survival_table(&c) {
            cum_f += row.fizzled;
            cum_g += row.graduated;
            assert_close!(row.cif_fizzled, cum_f as f64 / n);
            assert_close!(row.cif_graduated, cum_g as f64 / n);
            assert_close!(1.0 - row.survival, row.cif_fizzled);
        }
    }

    #[test]
    fn wilson_textbook_values() {
        // 8/10: (0.4902, 0.9433)
        let (lo, hi) = wilson_interval(8, 10, 1.96);
        assert_close!(lo, 0.4902, 5e-5);
        assert_close!(hi, 0.9433, 5e-5);
        // Newcombe (1998), Statistics in Medicine 17, 857-872, Table I, method 3 (Wilson score):
        for (s, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, h) = wilson_interval(s, n, Z_95);
            assert_close!(l, lo, 5e-5);
            assert_close!(h, hi, 5e-5);
        }
        assert_eq!(wilson_interval(0, 0, Z_95), (0.0, 1.0));
        assert_eq!(wilson_interval(0, 20, Z_95).0, 0.0);
        assert_eq!(wilson_interval(20, 20, Z_95).1, 1.0);
    }

    #[test]
    fn z_95_is_the_normal_quantile() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let q = Normal::standard().inverse_cdf(0.975);
        assert_close!(Z_95, q, 1e-12);
    }

    // ---------------------------------------------------------------------------------------------
    // Log-rank, two samples, by hand (steps = 4):
    //   A: fizzle at 1, fizzle at 2, graduate at 2 (censored at 4), censored at 4
    //   B: fizzle at 2, fizzle at 3, censored at 4 twice
    //   t  nA nB  n  dA dB d   E_A = d nA/n   V = d(n-d)/(n-1) * nA nB / n²
    //   1  4  4   8  1  0  1   1/2            1*7/7 * 16/64  = 1/4
    //   2  3  4   7  1  1  2   6/7            2*5/6 * 12/49  = 20/49
    //   3  2  3   5  0  1  1   2/5            1*4/4 * 6/25   = 6/25
    //   O_A = 2, E_A = 123/70, O_A - E_A = 17/70, V = 4401/4900
    //   chi2 = (17/70)² / (4401/4900) = 289/4401 = 0.0656669, p = P(χ²₁ > 0.0656669) = 0.7977535
    //   (lifelines logrank_test: 0.06566689388775279, p 0.7977535370778648)
    // ---------------------------------------------------------------------------------------------
    fn group_a() -> OutcomeCounts {
        counts(4, &[(F, 1, 1), (F, 2, 1), (G, 2, 1), (C, 4, 1)])
    }
    fn group_b() -> OutcomeCounts {
        counts(4, &[(F, 2, 1), (F, 3, 1), (C, 4, 2)])
    }
    fn group_c() -> OutcomeCounts {
        counts(4, &[(F, 1, 2), (F, 3, 1), (G, 3, 1)])
    }

    #[test]
    fn logrank_two_sample_by_hand() {
        let lr = logrank(&[&group_a(), &group_b()]);
        assert_eq!(lr.df, 1);
        assert_close!(lr.chi2, 289.0 / 4401.0);
        assert_close!(lr.p_value, 0.7977535370778648, 1e-10);
        // symmetric in the two groups
        let rl = logrank(&[&group_b(), &group_a()]);
        assert_close!(rl.chi2, lr.chi2);
        // identical groups: O = E, chi2 = 0, p = 1
        let same = logrank(&[&group_a(), &group_a()]);
        assert_close!(same.chi2, 0.0);
        assert_close!(same.p_value, 1.0);
    }

    // Three samples (k = 3), A, B as above and
    //   C: fizzle at 1 twice, fizzle at 3, graduate at 3 (censored at 4)
    //   t  nA nB nC  n  d   E_A   E_B   w = d(n-d)/(n-1)
    //   1  4  4  4  12  3   1     1     27/11   V_AA = V_BB = w*(1/3)(2/3) = 6/11, V_AB = -w/9 = -3/11
    //   2  3  4  2   9  2   2/3   8/9   7/4     V_AA = 7/18, V_BB = 35/81, V_AB = -7/27
    //   3  2  3  2   7  2   4/7   6/7   5/3     V_AA = 50/147, V_BB = 20/49, V_AB = -10/49
    //   O - E = (2 - 47/21, 2 - 173/63) = (-5/21, -47/63)
    //   V = [[12365/9702, -10712/14553], [-10712/14553, 60499/43659]]
    //   chi2 = (O-E)ᵀ V⁻¹ (O-E) = 7055455/8231369 = 0.8571424, df 2, p = exp(-chi2/2) = 0.6514392
    //   (lifelines multivariate_logrank_test: 0.8571423538417485, p 0.651439221466076)
    #[test]
    fn logrank_three_sample_by_hand() {
        let lr = logrank(&[&group_a(), &group_b(), &group_c()]);
        assert_eq!(lr.df, 2);
        assert_close!(lr.chi2, 7055455.0 / 8231369.0);
        assert_close!(lr.p_value, (-lr.chi2 / 2.0).exp(), 1e-12);
        assert_close!(lr.p_value, 0.651439221466076, 1e-10);
        // the result does not depend on which group is left out of the k-1 system
        let other = logrank(&[&group_c(), &group_a(), &group_b()]);
        assert_close!(other.chi2, lr.chi2);
    }

    #[test]
    fn logrank_drops_empty_groups() {
        let empty = OutcomeCounts::new(4);
        let with_empty = logrank(&[&group_a(), &empty, &group_b()]);
        let without = logrank(&[&group_a(), &group_b()]);
        assert_eq!(with_empty.df, 1);
        assert_close!(with_empty.chi2, without.chi2);
        assert_close!(with_empty.p_value, without.p_value);
        // fewer than two non-empty groups: nothing to test
        assert_eq!(
            logrank(&[&group_a(), &empty]),
            LogRank {
                chi2: 0.0,
                df: 0,
                p_value: 1.0
            }
        );
        assert_eq!(
            logrank(&[]),
            LogRank {
                chi2: 0.0,
                df: 0,
                p_value: 1.0
            }
        );
    }

    #[test]
    fn logrank_degenerate_variance() {
        // every trial fizzles at the same step: each risk set is emptied at once, V = 0, O = E
        let a = counts(3, &[(F, 2, 1)]);
        let b = counts(3, &[(F, 2, 1)]);
        let lr = logrank(&[&a, &b]);
        assert_eq!(lr.chi2, 0.0);
        assert_eq!(lr.p_value, 1.0);
    }

    // ---------------------------------------------------------------------------------------------
    // Published example: Freireich et al. (1963) 6-MP vs placebo remission times (weeks), as in
    // Gehan (1965) and every survival textbook. R: survdiff(Surv(time, cens) ~ treat, gehan) gives
    // "Chisq= 16.8 on 1 degrees of freedom, p= 4e-05"; lifelines: 16.792940989216547, 4.1688e-05.
    // Censored 6-MP times are right-censored before the horizon (35).
    // Kaplan-Meier of 6-MP with log-log 95% interval (R conf.type = "log-log", lifelines default):
    //   S(6) = 0.857 [0.620, 0.952], S(23) = 0.448 [0.188, 0.680]; median 6-MP 23, placebo 8.
    // ---------------------------------------------------------------------------------------------
    fn six_mp() -> OutcomeCounts {
        let mut c = OutcomeCounts::new(35);
        for t in [6, 6, 6, 7, 10, 13, 16, 22, 23] {
            c.record(F, t);
        }
        for t in [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35] {
            c.record(C, t);
        }
        c
    }
    fn placebo() -> OutcomeCounts {
        let times = [
            1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
        ];
        OutcomeCounts::from_outcomes(35, times.map(|t| (F, t)))
    }

    #[test]
    fn logrank_gehan_leukemia() {
        let lr = logrank(&[&six_mp(), &placebo()]);
        assert_eq!(lr.df, 1);
        assert_close!(lr.chi2, 16.792940989216547, 1e-9);
        assert_close!(lr.p_value, 4.168809109334511e-05, 1e-10);
    }

    #[test]
    fn kaplan_meier_gehan_leukemia() {
        let t = survival_table(&six_mp());
        assert_close!(t[6].survival, 0.857142857142857);
        assert_close!(t[6].survival_lower, 0.6197179552659838);
        assert_close!(t[6].survival_upper, 0.9515517476469969);
        assert_close!(t[13].survival, 0.6901960784313722);
        assert_close!(t[13].survival_lower, 0.4316102224861839);
        assert_close!(t[13].survival_upper, 0.8490659633494505);
        assert_close!(t[23].survival, 0.44817927170868327);
        assert_close!(t[23].survival_lower, 0.18805200595923233);
        assert_close!(t[23].survival_upper, 0.6801426284952412);
        assert_eq!(summarize(&six_mp()).median_survival, Some(23));
        assert_eq!(summarize(&placebo()).median_survival, Some(8));
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = group_a();
        a.merge(&group_b());
        let all = counts(
            4,
            &[
                (F, 1, 1),
                (F, 2, 1),
                (G, 2, 1),
                (C, 4, 1),
                (F, 2, 1),
                (F, 3, 1),
                (C, 4, 2),
            ],
        );
        assert_eq!(a, all);
        assert_eq!(a.trials(), 8);
    }

    #[test]
    fn survival_row_serializes_with_contract_columns() {
        let mut w = csv::Writer::from_writer(vec![]);
        for row in survival_table(&group_a()) {
            w.serialize(row).unwrap();
        }
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let header = text.lines().next().unwrap();
        assert_eq!(
            header,
            "time,at_risk,fizzled,graduated,censored,survival,survival_lower,survival_upper,\
             cif_fizzled,cif_graduated"
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Properties on random counts (censoring only at the horizon, as the simulator produces).
    // ---------------------------------------------------------------------------------------------

    /// Random trials `(outcome, time)` for a horizon of `steps`.
    fn trials(steps: u32, max: usize) -> impl Strategy<Value = Vec<(Outcome, u32)>> {
        prop::collection::vec((0u8..3, 1..=steps), 0..max).prop_map(move |v| {
            v.into_iter()
                .map(|(o, t)| match o {
                    0 => (F, t),
                    1 => (G, t),
                    _ => (C, steps),
                })
                .collect()
        })
    }

    fn counts_strategy() -> impl Strategy<Value = OutcomeCounts> {
        (1u32..=15).prop_flat_map(|steps| {
            trials(steps, 60).prop_map(move |v| OutcomeCounts::from_outcomes(steps, v))
        })
    }

    fn groups_strategy(k: usize) -> impl Strategy<Value = Vec<OutcomeCounts>> {
        (1u32..=12).prop_flat_map(move |steps| {
            prop::collection::vec(trials(steps, 40), k).prop_map(move |gs| {
                gs.into_iter()
                    .map(|v| OutcomeCounts::from_outcomes(steps, v))
                    .collect()
            })
        })
    }

    proptest! {
        #[test]
        fn survival_table_invariants(c in counts_strategy()) {
            let table = survival_table(&c);
            prop_assert_eq!(table.len(), c.steps as usize + 1);
            let n = c.trials();
            let mut previous = 1.0;
            for row in &table {
                prop_assert!((0.0..=1.0).contains(&row.survival));
                prop_assert!(row.survival <= previous);
                previous = row.survival;
                prop_assert!(0.0 <= row.survival_lower);
                prop_assert!(row.survival_lower <= row.survival);
                prop_assert!(row.survival <= row.survival_upper);
                prop_assert!(row.survival_upper <= 1.0);
                prop_assert!(row.cif_fizzled >= 0.0 && row.cif_graduated >= 0.0);
                prop_assert!(row.cif_fizzled + row.cif_graduated <= 1.0 + 1e-12);
                // censoring only at the horizon: 1 - KM = CIF of fizzling
                prop_assert!((1.0 - row.survival - row.cif_fizzled).abs() <= 1e-12);
                if row.time <= 1 {
                    prop_assert_eq!(row.at_risk, n);
                }
            }
            prop_assert_eq!(table[0].survival, 1.0);
            if n > 0 {
                let last = table.last().unwrap();
                let done = (c.total(F) + c.total(G)) as f64 / n as f64;
                prop_assert!((last.cif_fizzled + last.cif_graduated - done).abs() <= 1e-12);
            }
        }

        #[test]
        fn summary_invariants(c in counts_strategy()) {
            let s = summarize(&c);
            prop_assert_eq!(s.trials, s.graduated + s.fizzled + s.censored);
            prop_assert!(s.p_graduate_lower <= s.p_graduate && s.p_graduate <= s.p_graduate_upper);
            prop_assert!(0.0 <= s.p_graduate_lower && s.p_graduate_upper <= 1.0);
            prop_assert!(s.rmst >= 0.0 && s.rmst <= c.steps as f64 + 1e-9);
            let table = survival_table(&c);
            match s.median_survival {
                Some(m) => {
                    prop_assert!(table[m as usize].survival <= 0.5 + 1e-9);
                    prop_assert!(table[..m as usize].iter().all(|r| r.survival > 0.5 + 1e-9));
                }
                None => prop_assert!(table.iter().all(|r| r.survival > 0.5 + 1e-9)),
            }
        }

        #[test]
        fn merge_is_commutative_and_equals_recording_all(
            (steps, x, y) in (1u32..=10).prop_flat_map(|s| (Just(s), trials(s, 30), trials(s, 30)))
        ) {
            let a = OutcomeCounts::from_outcomes(steps, x.clone());
            let b = OutcomeCounts::from_outcomes(steps, y.clone());
            let mut ab = a.clone();
            ab.merge(&b);
            let mut ba = b.clone();
            ba.merge(&a);
            prop_assert_eq!(&ab, &ba);
            let all = OutcomeCounts::from_outcomes(steps, x.into_iter().chain(y));
            prop_assert_eq!(&ab, &all);
            prop_assert_eq!(ab.trials(), a.trials() + b.trials());
        }

        #[test]
        fn logrank_two_sample_invariants(gs in groups_strategy(2)) {
            let lr = logrank(&[&gs[0], &gs[1]]);
            prop_assert!(lr.chi2 >= 0.0 && lr.chi2.is_finite());
            prop_assert!((0.0..=1.0).contains(&lr.p_value));
            prop_assert!(lr.df <= 1);
            let rl = logrank(&[&gs[1], &gs[0]]);
            prop_assert!((lr.chi2 - rl.chi2).abs() <= 1e-9 * (1.0 + lr.chi2));
            // independent scalar computation: (O1 - E1)² / V11
            let (ra, rb) = (gs[0].at_risk(), gs[1].at_risk());
            let (mut o, mut e, mut v) = (0.0, 0.0, 0.0);
            for t in 0..=gs[0].steps as usize {
                let (da, db) = (gs[0].fizzled[t] as f64, gs[1].fizzled[t] as f64);
                let (na, nb) = (ra[t] as f64, rb[t] as f64);
                let (d, n) = (da + db, na + nb);
                if d == 0.0 { continue; }
                o += da;
                e += d * na / n;
                if n > 1.0 { v += d * (n - d) / (n - 1.0) * na * nb / (n * n); }
            }
            if gs[0].trials() > 0 && gs[1].trials() > 0 && v > 1e-12 {
                let chi2 = (o - e) * (o - e) / v;
                prop_assert!((lr.chi2 - chi2).abs() <= 1e-9 * (1.0 + chi2), "{} vs {}", lr.chi2, chi2);
            }
        }

        #[test]
        fn logrank_k_sample_invariants(gs in groups_strategy(3)) {
            let lr = logrank(&[&gs[0], &gs[1], &gs[2]]);
            prop_assert!(lr.chi2 >= 0.0 && lr.chi2.is_finite());
            prop_assert!((0.0..=1.0).contains(&lr.p_value));
            prop_assert!(lr.df <= 2);
            // the choice of the group left out of the (k-1) system does not matter
            let other = logrank(&[&gs[2], &gs[0], &gs[1]]);
            prop_assert!((lr.chi2 - other.chi2).abs() <= 1e-7 * (1.0 + lr.chi2), "{} vs {}", lr.chi2, other.chi2);
            prop_assert_eq!(lr.df, other.df);
        }
    }
}
