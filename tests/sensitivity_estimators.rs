//! The sensitivity estimators are right: analytic indices of the Ishigami (a = 7, b = 0.1) and
//! Sobol' G functions fall inside hothouse's own 95% intervals, and hothouse's estimates equal
//! SALib's for the same design and outputs to 1e-9 (fixtures made by
//! tests/fixtures/sensitivity/make_fixtures.py with SALib 1.6.0).

use hothouse::sensitivity::{morris, sobol};
use serde_json::Value;
use std::f64::consts::PI;

const A: f64 = 7.0;
const B: f64 = 0.1;

/// Ishigami on the unit cube mapped to [-pi, pi]^3.
fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
    ishigami_raw(&x)
}

fn ishigami_raw(x: &[f64]) -> f64 {
    x[0].sin() + A * x[1].sin().powi(2) + B * x[2].powi(4) * x[0].sin()
}

/// Analytic first-order and total indices of Ishigami.
fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
    let v1 = 0.5 * (1.0 + B * PI.powi(4) / 5.0).powi(2);
    let v2 = A * A / 8.0;
    let v13 = B * B * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/sensitivity/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

#[test]
fn ishigami_sobol_indices_hold_the_analytic_values() {
    let (s1, st) = ishigami_indices();
    // Hand-checked values of the analytic indices.
    assert!((s1[0] - 0.3139).abs() < 1e-4 && (s1[1] - 0.4424).abs() < 1e-4);
    assert!((st[0] - 0.5576).abs() < 1e-4 && (st[2] - 0.2437).abs() < 1e-4);
    let x = sobol::saltelli_design(4096, 3, 20200323);
    assert_eq!(x.len(), 4096 * 5);
    let y: Vec<f64> = x.iter().map(|u| ishigami(u)).collect();
    let got = sobol::analyze(&y, 3, 1000, 0.95, 1).unwrap();
    for j in 0..3 {
        assert!(
            got[j].s1.contains(s1[j]),
            "S1[{j}] = {:?}, analytic {}",
            got[j].s1,
            s1[j]
        );
        assert!(
            got[j].st.contains(st[j]),
            "ST[{j}] = {:?}, analytic {}",
            got[j].st,
            st[j]
        );
        // The intervals are informative, not just wide.
        assert!(got[j].s1.half_width() < 0.05 && got[j].st.half_width() < 0.05);
    }
}

#[test]
fn sobol_g_indices_hold_the_analytic_values() {
    let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
    let g = |u: &[f64]| -> f64 {
        u.iter()
            .zip(&a)
            .map(|(x, ai)| ((4.0 * x - 2.0).abs() + ai) / (1.0 + ai))
            .product()
    };
    let vi: Vec<f64> = a
        .iter()
        .map(|ai| 1.0 / (3.0 * (1.0 + ai).powi(2)))
        .collect();
    let v = vi.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
    let x = sobol::saltelli_design(8192, 6, 7);
    let y: Vec<f64> = x.iter().map(|u| g(u)).collect();
    let got = sobol::analyze(&y, 6, 1000, 0.95, 2).unwrap();
    for j in 0..6 {
        let s1 = vi[j] / v;
        let others: f64 = (0..6).filter(|&i| i != j).map(|i| 1.0 + vi[i]).product();
        let st = vi[j] * others / v;
        assert!(
            got[j].s1.contains(s1),
            "S1[{j}] = {:?}, analytic {s1}",
            got[j].s1
        );
        assert!(
            got[j].st.contains(st),
            "ST[{j}] = {:?}, analytic {st}",
            got[j].st
        );
    }
    // The first parameter matters most, the last two barely (ST about 1e-4).
    assert!(got[0].st.estimate > 0.7 && got[5].st.estimate < 0.001);
}

#[test]
fn sobol_indices_equal_salib_for_the_same_design() {
    let f = fixture("ishigami_sobol.json");
    let k = 3;
    let x = rows(&f["x"]);
    let y = floats(&f["y"]);
    // The same layout as hothouse's design: A, AB_1..AB_k, B per base point...
    let base: Vec<Vec<f64>> = x
        .chunks_exact(k + 2)
        .map(|c| c[0].iter().chain(&c[k + 1]).copied().collect())
        .collect();
    let rebuilt = sobol::saltelli_rows(&base, k);
    for (a, b) in rebuilt.iter().flatten().zip(x.iter().flatten()) {
        assert!((a - b).abs() < 1e-12);
    }
    // ... and the same function.
    for (u, yv) in x.iter().zip(&y) {
        assert!((ishigami(u) - yv).abs() < 1e-9);
    }
    let got = sobol::analyze(&y, k, 1000, 0.95, 3).unwrap();
    let (s1, st) = (floats(&f["S1"]), floats(&f["ST"]));
    let (s1c, stc) = (floats(&f["S1_conf"]), floats(&f["ST_conf"]));
    for j in 0..k {
        assert!((got[j].s1.estimate - s1[j]).abs() < 1e-9, "S1[{j}]");
        assert!((got[j].st.estimate - st[j]).abs() < 1e-9, "ST[{j}]");
        // The bootstrap draws differ from numpy's, so the widths agree only roughly.
        let r1 = got[j].s1.half_width() / s1c[j];
        let rt = got[j].st.half_width() / stc[j];
        assert!((0.8..1.25).contains(&r1), "S1_conf[{j}] ratio {r1}");
        assert!((0.8..1.25).contains(&rt), "ST_conf[{j}] ratio {rt}");
    }
}

#[test]
fn morris_measures_equal_salib_for_the_same_design() {
    let f = fixture("ishigami_morris.json");
    let k = 3;
    let x = rows(&f["x"]);
    let y = floats(&f["y"]);
    assert_eq!(x.len(), 50 * (k + 1));
    for (xi, yi) in x.iter().zip(&y) {
        assert!((ishigami_raw(xi) - yi).abs() < 1e-9);
    }
    let got = morris::analyze(&x, &y, k, 4, 1000, 0.95, 5);
    let (mu, mu_star, sigma) = (floats(&f["mu"]), floats(&f["mu_star"]), floats(&f["sigma"]));
    let conf = floats(&f["mu_star_conf"]);
    for j in 0..k {
        assert!((got[j].mu - mu[j]).abs() < 1e-9, "mu[{j}]");
        assert!(
            (got[j].mu_star.estimate - mu_star[j]).abs() < 1e-9,
            "mu*[{j}]"
        );
        assert!((got[j].sigma - sigma[j]).abs() < 1e-9, "sigma[{j}]");
        assert_eq!(got[j].effects, 50);
        if conf[j] > 1e-9 {
            let r = got[j].mu_star.half_width() / conf[j];
            assert!((0.8..1.25).contains(&r), "mu*_conf[{j}] ratio {r}");
        } else {
            assert!(got[j].mu_star.half_width() < 1e-9);
        }
    }
}

#[test]
fn morris_mu_star_of_ishigami_x2_is_exact_with_our_design() {
    // With levels 4 the step is 2/3 of the range; x2's effect is symmetric, x3 acts only with x1.
    let x = morris::trajectories(200, 3, 4, 9);
    let y: Vec<f64> = x.iter().map(|u| ishigami(u)).collect();
    let m = morris::analyze(&x, &y, 3, 4, 1000, 0.95, 1);
    // x2 moves sin^2 between levels {-pi, -pi/3, pi/3, pi}: |7 (sin^2(pi/3) - sin^2(-pi))| = 5.25
    // for every step, over a step of 2/3: mu* = 7.875 exactly.
    assert!((m[1].mu_star.estimate - 7.875).abs() < 1e-9);
    assert!(m[1].sigma > 0.0 && m[1].mu.abs() < m[1].mu_star.estimate);
}
