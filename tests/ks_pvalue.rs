//! The KS p-value against scipy (`tests/golden/ks/make_golden.py`): `ks_2samp`'s two-sided
//! p-value and its method (exact or asymptotic, as `method='auto'` ends), `kstwo.sf` over
//! the branches of `_kolmogn`, and `special.smirnov`, to a relative 1e-9.

use std::path::Path;

use modelgate::metrics::distribution;
use modelgate::stats::ks::{self, KsMethod};
use serde_json::Value as Json;

/// Relative tolerance (with an absolute floor of 1e-300 for values that underflow).
const TOLERANCE: f64 = 1e-9;

fn golden() -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ks/expected.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("golden file")).expect("json")
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= TOLERANCE * want.abs().max(1e-300) || got == want
}

fn sorted(j: &Json) -> Vec<f64> {
    let mut v: Vec<f64> = j
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("float"))
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

#[test]
fn ks_2samp_p_values_and_methods_match_scipy() {
    let golden = golden();
    let cases = golden["cases"].as_array().expect("cases");
    assert!(cases.len() >= 60, "golden file lost cases");
    let (mut failures, mut exact, mut asymptotic, mut from_samples) = (Vec::new(), 0, 0, 0);
    let mut worst: f64 = 0.0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let n1 = case["n1"].as_u64().expect("n1");
        let n2 = case["n2"].as_u64().expect("n2");
        let mut d = case["d"].as_f64().expect("d");
        if case.get("a").is_some() {
            // The statistic modelgate computes is the one scipy tests (serde_json may parse
            // the golden float one ulp off, hence the tolerance).
            let got = distribution::ks(&sorted(&case["a"]), &sorted(&case["b"])).expect("ks");
            assert!(
                (got - d).abs() <= 1e-15,
                "{name}: statistic {got}, scipy {d}"
            );
            d = got;
            from_samples += 1;
        }
        let want_p = case["p"].as_f64().expect("p");
        let want_method = match case["method"].as_str().expect("method") {
            "exact" => KsMethod::Exact,
            _ => KsMethod::Asymptotic,
        };
        if let Some(t) = ks::two_sided(d, n1, n2)
            && want_p > 0.0
        {
            worst = worst.max((t.p_value - want_p).abs() / want_p);
        }
        match ks::two_sided(d, n1, n2) {
            Some(t) if close(t.p_value, want_p) && t.method == want_method => {
                if want_method == KsMethod::Exact {
                    exact += 1;
                } else {
                    asymptotic += 1;
                }
            }
            other => failures.push(format!(
                "{name} (n1 {n1}, n2 {n2}, D {d}): got {other:?}, scipy {want_p} {want_method:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(exact >= 40 && asymptotic >= 15 && from_samples >= 40);
    eprintln!(
        "ks_2samp: worst relative error {worst:e} over {} cases",
        cases.len()
    );
}

#[test]
fn kstwo_sf_matches_scipy_on_every_branch() {
    let golden = golden();
    let (mut failures, mut worst) = (Vec::new(), 0.0f64);
    for c in golden["kstwo"].as_array().expect("kstwo") {
        let (n, x, want) = (
            c["n"].as_f64().expect("n"),
            c["x"].as_f64().expect("x"),
            c["sf"].as_f64().expect("sf"),
        );
        let got = ks::kstwo_sf(x, n);
        if want > 0.0 {
            worst = worst.max((got - want).abs() / want);
        }
        if !close(got, want) {
            failures.push(format!("kstwo.sf({x}, {n}): got {got}, scipy {want}"));
        }
    }
    for c in golden["smirnov"].as_array().expect("smirnov") {
        let (n, x, want) = (
            c["n"].as_u64().expect("n"),
            c["x"].as_f64().expect("x"),
            c["sf"].as_f64().expect("sf"),
        );
        let got = ks::smirnov(n, x);
        if want > 0.0 {
            worst = worst.max((got - want).abs() / want);
        }
        if !close(got, want) {
            failures.push(format!("smirnov({n}, {x}): got {got}, scipy {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("kstwo.sf and smirnov: worst relative error {worst:e}");
}

/// A `ks` gate's result carries the KS test of its statistic, overall and per slice, in the
/// JSON (typed, in the published schema) and beside the value in the Markdown report; other
/// gates carry none.
#[test]
fn ks_gates_report_the_p_value_and_method_beside_the_statistic() {
    use crate::common::{modelgate, rows, write_config, write_pair};
    let dir = tempfile::tempdir().unwrap();
    let data = rows(2000, 0.2, 0.5, 11);
    write_pair(dir.path(), &data);
    let cfg = write_config(
        dir.path(),
        "",
        "  - metric: ks\n    max: 1\n  - metric: ks\n    max: 1\n    by: country\n  - metric: wasserstein\n    max: 1\n",
    );
    let (json, md) = (dir.path().join("r.json"), dir.path().join("r.md"));
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json)
        .arg("--markdown")
        .arg(&md)
        .assert()
        .code(0);
    let j: Json = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let schema: Json = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/result.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut problems = Vec::new();
    crate::contract::keys_allowed(&schema, &j, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");

    let gates = j["gates"].as_array().unwrap();
    let ks_gates: Vec<&Json> = gates.iter().filter(|g| g["metric"] == "ks").collect();
    assert_eq!(ks_gates.len(), 5, "whole set and four countries");
    for g in &ks_gates {
        let d = g["candidate"].as_f64().unwrap();
        // Candidate and baseline score the same rows: both samples have the slice's size.
        let n = g["rows"].as_u64().unwrap();
        let want = ks::two_sided(d, n, n).unwrap();
        let t = &g["ks_test"];
        assert_eq!(t["method"], "exact", "{g}");
        assert!(
            (t["p_value"].as_f64().unwrap() - want.p_value).abs() <= 1e-15,
            "{g}"
        );
    }
    let w = gates.iter().find(|g| g["metric"] == "wasserstein").unwrap();
    assert!(w.get("ks_test").is_none(), "{w}");

    let report = std::fs::read_to_string(&md).unwrap();
    let whole = ks_gates
        .iter()
        .find(|g| g["slice"] == serde_json::json!({}))
        .unwrap();
    let p = whole["ks_test"]["p_value"].as_f64().unwrap();
    let shown = format!("KS p = {}, exact", modelgate::report::num(p));
    assert!(report.contains(&shown), "{shown} not in\n{report}");
    // The reason sentence names it too (JSON `reason`, the report's folded reasons).
    assert!(
        whole["reason"].as_str().unwrap().contains(&shown),
        "{whole}"
    );
    for line in report.lines().filter(|l| l.contains("wasserstein")) {
        assert!(!line.contains("KS p"), "{line}");
    }
}

/// Against a reference sample the two samples differ in size: the evaluation rows and the
/// reference rows; above 10 000 reference rows the p-value is asymptotic, as scipy's.
#[test]
fn ks_against_a_larger_reference_is_asymptotic_with_both_sizes() {
    use crate::common::{Rng, modelgate, rows, write_config, write_pair};
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let data = rows(300, 0.2, 0.5, 5);
    write_pair(dir.path(), &data);
    let mut rng = Rng::new(9);
    let mut reference = String::from("score,country\n");
    let mut ref_scores = Vec::new();
    for i in 0..12_000 {
        let s = (rng.uniform() * 0.8 * 1e6).round() / 1e6;
        ref_scores.push(s);
        let _ = writeln!(reference, "{s},{}", ["DE", "FR", "US", "BR"][i % 4]);
    }
    std::fs::write(dir.path().join("reference.csv"), reference).unwrap();
    let cfg = write_config(
        dir.path(),
        "reference: reference.csv\n",
        "  - metric: ks\n    against: reference\n    max: 1\n",
    );
    let json = dir.path().join("r.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json)
        .assert()
        .code(0);
    let j: Json = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let g = &j["gates"][0];
    let mut cand: Vec<f64> = data.iter().map(|r| r.cand).collect();
    cand.sort_by(f64::total_cmp);
    ref_scores.sort_by(f64::total_cmp);
    let d = distribution::ks(&cand, &ref_scores).unwrap();
    assert!((g["candidate"].as_f64().unwrap() - d).abs() < 1e-15, "{g}");
    let want = ks::two_sided(d, 300, 12_000).unwrap();
    assert_eq!(want.method, KsMethod::Asymptotic);
    assert_eq!(g["ks_test"]["method"], "asymptotic", "{g}");
    assert!((g["ks_test"]["p_value"].as_f64().unwrap() - want.p_value).abs() <= 1e-15);
}
