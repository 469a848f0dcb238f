//! Regression metrics against scikit-learn (`tests/golden/regression/make_golden.py` wrote
//! the data sets and sklearn's values: every value agrees to 1e-9, relative above 1) and,
//! by proptest, against brute-force definitions: the median of the expanded rows for whole
//! weights, grouping equal to separate evaluations, a multiplier equal to repeating rows.

use std::path::{Path, PathBuf};

use modelgate::metrics::regression::{ByError, RegressionRows, evaluate};
use modelgate::metrics::{MetricId, Undefined, Value};
use proptest::prelude::*;
use serde_json::Value as Json;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/regression")
}

type Columns = (Vec<f64>, Vec<f64>, Option<Vec<f64>>);

fn read_csv(path: &Path) -> Columns {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let weighted = header == ["target", "prediction", "weight"];
    assert!(weighted || header == ["target", "prediction"], "{header:?}");
    let (mut y, mut p, mut w) = (Vec::new(), Vec::new(), weighted.then(Vec::new));
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<f64> = line
            .split(',')
            .map(|x| x.parse().expect("number"))
            .collect();
        y.push(f[0]);
        p.push(f[1]);
        if let Some(w) = w.as_mut() {
            w.push(f[2]);
        }
    }
    (y, p, w)
}

fn eval_one(y: &[f64], p: &[f64], w: Option<&[f64]>, metrics: &[MetricId]) -> Vec<Value> {
    let rows = RegressionRows {
        target: y,
        prediction: p,
        weight: w,
    };
    let sorted = ByError::new(&rows);
    evaluate(&rows, Some(&sorted), None, 1, metrics, |_| 1.0).values
}

#[test]
fn every_regression_metric_equals_scikit_learn() {
    let doc: Json = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let mut checked = 0;
    for ds in doc["datasets"].as_array().expect("datasets") {
        let name = ds["name"].as_str().unwrap();
        let (y, p, w) = read_csv(&golden_dir().join(ds["file"].as_str().unwrap()));
        let expected = ds["expected"].as_object().unwrap();
        let ids: Vec<MetricId> = expected.keys().map(|k| k.parse().unwrap()).collect();
        let got = eval_one(&y, &p, w.as_deref(), &ids);
        for ((key, want), got) in expected.iter().zip(got) {
            match (want.get("value").and_then(Json::as_f64), got) {
                (Some(v), Ok(g)) => {
                    let tol = 1e-9 * v.abs().max(1.0);
                    assert!((g - v).abs() <= tol, "{name} {key}: {g} vs sklearn {v}");
                }
                (None, Err(u)) => {
                    let kind = want["undefined"].as_str().unwrap();
                    let want_u = match kind {
                        "Empty" => Undefined::Empty,
                        "TooFew" => Undefined::TooFew,
                        other => panic!("{other}"),
                    };
                    assert_eq!(u, want_u, "{name} {key}");
                }
                (v, g) => panic!("{name} {key}: {g:?} vs sklearn {v:?} / {want}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 12 * 11, "only {checked} values checked");
}

/// The median of a list (numpy's: the mean of the two middle values when even).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn close(a: Value, b: f64) -> bool {
    matches!(a, Ok(x) if (x - b).abs() <= 1e-9 * b.abs().max(1.0))
}

fn data(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<u32>)> {
    (1..max).prop_flat_map(|n| {
        (
            prop::collection::vec((-20i32..20).prop_map(|x| f64::from(x) / 4.0), n),
            prop::collection::vec((-20i32..20).prop_map(|x| f64::from(x) / 4.0), n),
            prop::collection::vec(0u32..4, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn whole_weights_equal_the_expanded_rows((y, p, w) in data(30)) {
        prop_assume!(w.iter().any(|&x| x > 0));
        let wf: Vec<f64> = w.iter().map(|&x| f64::from(x)).collect();
        let (mut ey, mut ep) = (Vec::new(), Vec::new());
        for i in 0..y.len() {
            for _ in 0..w[i] {
                ey.push(y[i]);
                ep.push(p[i]);
            }
        }
        let ids: Vec<MetricId> = ["mae", "mse", "rmse", "mape", "median_absolute_error", "explained_variance", "pinball(0.3)"]
            .iter().map(|s| s.parse().unwrap()).collect();
        let weighted = eval_one(&y, &p, Some(&wf), &ids);
        let expanded = eval_one(&ey, &ep, None, &ids);
        for (k, (a, b)) in weighted.iter().zip(&expanded).enumerate() {
            prop_assert!(close(*a, b.unwrap()), "{}: {a:?} vs expanded {b:?}", ids[k]);
        }
        // The brute-force median of the expanded absolute errors.
        let abs: Vec<f64> = ey.iter().zip(&ep).map(|(a, b)| (b - a).abs()).collect();
        prop_assert!(close(weighted[4], median(abs)));
    }

    #[test]
    fn definitions_hold_unweighted((y, p, _) in data(40)) {
        let n = y.len() as f64;
        let ids: Vec<MetricId> = ["mae", "mse", "r2", "max_error", "pinball(0.8)"].iter().map(|s| s.parse().unwrap()).collect();
        let got = eval_one(&y, &p, None, &ids);
        let e: Vec<f64> = y.iter().zip(&p).map(|(a, b)| a - b).collect();
        prop_assert!(close(got[0], e.iter().map(|x| x.abs()).sum::<f64>() / n));
        prop_assert!(close(got[1], e.iter().map(|x| x * x).sum::<f64>() / n));
        let ybar = y.iter().sum::<f64>() / n;
        let sst: f64 = y.iter().map(|v| (v - ybar).powi(2)).sum();
        let sse: f64 = e.iter().map(|x| x * x).sum();
        let r2 = if y.len() < 2 { None } else if sse == 0.0 { Some(1.0) } else if sst == 0.0 { Some(0.0) } else { Some(1.0 - sse / sst) };
        match r2 {
            None => prop_assert_eq!(got[2], Err(Undefined::TooFew)),
            Some(v) => prop_assert!(close(got[2], v), "{:?} vs {}", got[2], v),
        }
        prop_assert!(close(got[3], e.iter().fold(0.0f64, |m, x| m.max(x.abs()))));
        let pin: f64 = e.iter().map(|&d| if d >= 0.0 { 0.8 * d } else { -0.2 * d }).sum::<f64>() / n;
        prop_assert!(close(got[4], pin));
    }

    #[test]
    fn groups_and_multipliers_equal_separate_and_repeated_rows((y, p, m) in data(30)) {
        let ids: Vec<MetricId> = ["mae", "rmse", "r2", "median_absolute_error", "max_error", "explained_variance"]
            .iter().map(|s| s.parse().unwrap()).collect();
        let codes: Vec<u32> = (0..y.len() as u32).map(|i| i % 2).collect();
        let rows = RegressionRows { target: &y, prediction: &p, weight: None };
        let sorted = ByError::new(&rows);
        let t = evaluate(&rows, Some(&sorted), Some(&codes), 2, &ids, |r| f64::from(m[r as usize]));
        for g in 0..2u32 {
            let (mut ey, mut ep) = (Vec::new(), Vec::new());
            for i in 0..y.len() {
                if codes[i] == g {
                    for _ in 0..m[i] {
                        ey.push(y[i]);
                        ep.push(p[i]);
                    }
                }
            }
            let want = if ey.is_empty() { vec![Err(Undefined::Empty); ids.len()] } else { eval_one(&ey, &ep, None, &ids) };
            for (k, (a, b)) in t.group(g as usize).iter().zip(&want).enumerate() {
                match (a, b) {
                    (Ok(_), Ok(x)) => prop_assert!(close(*a, *x), "{}: {a:?} vs {b:?}", ids[k]),
                    // r2 counts file rows present, not repeats: a row repeated is still one row.
                    (_, _) if ids[k] == MetricId::R2 => {}
                    _ => prop_assert_eq!(a, b, "{}", ids[k]),
                }
            }
        }
    }
}
