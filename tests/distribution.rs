//! Distribution distances and decision churn: against scipy / numpy goldens
//! (`tests/golden/distribution/make_golden.py`) to 1e-9, and through the binary as a user
//! gates on them (`max:`, per slice, exit codes, JSON fields).

use std::fmt::Write as _;
use std::path::Path;

use crate::common;

use common::{modelgate, rows, write_config, write_pair};
use modelgate::metrics::MetricId;
use modelgate::metrics::distribution::{self, Churn, ChurnOf};
use serde_json::Value as Json;

const TOLERANCE: f64 = 1e-9;

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

fn floats(j: &Json) -> Vec<f64> {
    j.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("float"))
        .collect()
}

#[test]
fn distances_and_churn_match_scipy() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/distribution/expected.json");
    let golden: Json =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("golden file")).expect("json");
    let cases = golden["cases"].as_array().expect("cases");
    assert!(cases.len() >= 7, "golden file lost cases");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let (a, b) = (floats(&case["a"]), floats(&case["b"]));
        let labels: Vec<bool> = case["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|x| x.as_bool().expect("bool"))
            .collect();
        let t = case["threshold"].as_f64().expect("threshold");
        let (sa, sb) = (sorted(&a), sorted(&b));
        let mut churn = Churn::default();
        for i in 0..a.len() {
            churn.add(labels[i], a[i], b[i], t, 1.0);
        }
        for (key, want) in case["expected"].as_object().expect("expected") {
            let want = want.as_f64().expect("value");
            let id: MetricId = key.parse().expect("metric id");
            let got = match id {
                MetricId::Ks => distribution::ks(&sa, &sb),
                MetricId::Wasserstein => distribution::wasserstein(&sa, &sb),
                MetricId::Psi { bins } => distribution::psi(&sa, &sb, bins),
                MetricId::JsDivergence { bins } => distribution::js_divergence(&sa, &sb, bins),
                MetricId::Churn => churn.rate(ChurnOf::All),
                MetricId::ChurnPositive => churn.rate(ChurnOf::Positives),
                MetricId::ChurnNegative => churn.rate(ChurnOf::Negatives),
                other => panic!("no golden for {other}"),
            };
            checked += 1;
            match got {
                Ok(g) if (g - want).abs() <= TOLERANCE => {}
                other => failures.push(format!("{name} {key}: got {other:?}, scipy {want}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 60, "only {checked} values checked");
}

/// Feature columns against a reference, with missing values (a bin of their own) and
/// categories (one bin per value of either sample): PSI and JS equal the numpy/scipy
/// reference of `make_golden.py` to 1e-9.
#[test]
fn feature_psi_and_js_with_missing_values_and_categories_match_the_reference() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/distribution/expected.json");
    let golden: Json =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("golden file")).expect("json");
    let cases = golden["feature_cases"].as_array().expect("feature_cases");
    assert!(cases.len() >= 5, "golden file lost feature cases");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let numbers = |j: &Json| -> Vec<Option<f64>> {
            j.as_array()
                .expect("array")
                .iter()
                .map(Json::as_f64)
                .collect()
        };
        let texts = |j: &Json| -> Vec<Option<String>> {
            j.as_array()
                .expect("array")
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect()
        };
        for (key, want) in case["expected"].as_object().expect("expected") {
            let want = want.as_f64().expect("value");
            let id: MetricId = key.parse().expect("metric id");
            let bins = match id {
                MetricId::Psi { bins } | MetricId::JsDivergence { bins } => bins,
                other => panic!("no feature golden for {other}"),
            };
            let shares = if case["kind"] == "numeric" {
                distribution::numeric_shares(&numbers(&case["a"]), &numbers(&case["b"]), bins)
            } else {
                distribution::categorical_shares(&texts(&case["a"]), &texts(&case["b"]))
            };
            let (p, q) = shares.expect("shares of non-empty samples");
            let got = match id {
                MetricId::Psi { .. } => distribution::psi_of_shares(&p, &q),
                _ => distribution::js_of_shares(&p, &q),
            };
            checked += 1;
            if (got - want).abs() > TOLERANCE {
                failures.push(format!("{name} {key}: got {got}, reference {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 20, "only {checked} values checked");
}

fn json_of(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn churn_and_drift_gates_judge_with_max_overall_and_per_slice() {
    let dir = tempfile::tempdir().unwrap();
    let data = rows(2000, 0.2, 0.5, 11);
    write_pair(dir.path(), &data);
    // The churn a user would count by hand.
    let flips = data
        .iter()
        .filter(|r| (r.cand >= 0.5) != (r.base >= 0.5))
        .count();
    let churn = flips as f64 / data.len() as f64;
    assert!(churn > 0.01, "fixture must churn: {churn}");
    let gates = format!(
        "  - metric: churn\n    max: {}\n  - metric: psi\n    max: 5\n    by: country\n  - metric: ks\n    max: 1\n  - metric: wasserstein\n    max: 1\n  - metric: js_divergence(20)\n    max: 1\n  - metric: churn_positive\n    max: 1\n",
        churn / 2.0
    );
    let cfg = write_config(dir.path(), "", &gates);
    let out = dir.path().join("result.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .assert()
        .code(1);
    let j = json_of(&out);
    let gate = |id: &str| -> Vec<Json> {
        j["gates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["id"] == id)
            .cloned()
            .collect()
    };
    let c = &gate("churn-max")[0];
    assert_eq!(c["status"], "fail");
    assert!(
        (c["candidate"].as_f64().unwrap() - churn).abs() < 1e-12,
        "{c}"
    );
    assert!(c["baseline"].is_null() && c["delta"].is_null(), "{c}");
    assert!(c["reason"].as_str().unwrap().contains("churn"), "{c}");
    let psi = gate("psi(10)-max-by-country");
    assert_eq!(psi.len(), 4, "one outcome per country");
    for p in &psi {
        assert_eq!(p["status"], "pass", "{p}");
        assert!(p["candidate"].as_f64().unwrap() >= 0.0);
    }
    // KS on the whole set equals the library's value on the same scores.
    let (mut a, mut b): (Vec<f64>, Vec<f64>) = data.iter().map(|r| (r.cand, r.base)).unzip();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let ks = distribution::ks(&a, &b).unwrap();
    assert!((gate("ks-max")[0]["candidate"].as_f64().unwrap() - ks).abs() < 1e-12);
    for id in [
        "wasserstein-max",
        "js_divergence(20)-max",
        "churn_positive-max",
    ] {
        assert_eq!(gate(id)[0]["status"], "pass", "{id}");
    }
    // The metrics table names why the baseline has no value of its own.
    let m = &j["metrics"][0];
    assert!(m["candidate"]["churn"].as_f64().is_some(), "{m}");
    assert!(
        m["undefined"]["baseline.churn"]
            .as_str()
            .unwrap()
            .contains("compares the two models"),
        "{m}"
    );

    // Loosen the churn limit: the run passes.
    let gates = format!("  - metric: churn\n    max: {}\n", churn * 2.0);
    let cfg = write_config(dir.path(), "", &gates);
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(0);
}

#[test]
fn comparison_gates_without_baseline_or_in_metrics_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.2, 0.5, 3));
    let mut text = String::new();
    let _ = write!(
        text,
        "version: 1\nname: t\ncandidate: candidate.csv\ngates:\n  - metric: churn\n    max: 0.02\n"
    );
    let cfg = dir.path().join("nobase.yaml");
    std::fs::write(&cfg, text).unwrap();
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nobase.yaml:5"))
        .stderr(predicates::str::contains("no baseline is configured"));
    modelgate()
        .args(["metrics", "--metric", "psi(10)"])
        .arg(dir.path().join("candidate.csv"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("use it in a `check` gate"));
}
