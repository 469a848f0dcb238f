//! Multiclass metrics against scikit-learn: `tests/golden/multiclass/make_golden.py` wrote
//! the cases and sklearn's values (cases.json); every value must agree to 1e-9, and every
//! case where sklearn raises or returns NaN must be the matching typed `Undefined`.

use std::path::Path;

use modelgate::metrics::MetricId;
use modelgate::metrics::multiclass::{
    ConfusionMatrix, Metric, Outputs, Prepared, Scores, Undefined, Value, by_class,
    one_vs_rest_rankings,
};
use serde_json::Value as Json;

const TOLERANCE: f64 = 1e-9;

fn cases() -> Vec<Json> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/multiclass/cases.json");
    let text = std::fs::read_to_string(&path).expect("cases.json");
    let doc: Json = serde_json::from_str(&text).expect("json");
    doc["cases"].as_array().expect("cases").clone()
}

fn floats(v: &Json) -> Option<Vec<f64>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|s| s.as_str().expect("repr string").parse().expect("float"))
            .collect()
    })
}

fn codes(v: &Json) -> Vec<u32> {
    v.as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_u64().expect("code") as u32)
        .collect()
}

/// Compares one value: a number within 1e-9, or an expected "undefined" (sklearn NaN or
/// raise) against `Err`, with the kind `check_kind` accepts.
fn compare(
    case: &str,
    id: &str,
    expected: &Json,
    got: Value,
    check_kind: impl Fn(Undefined) -> bool,
) {
    match (expected.get("value").and_then(Json::as_f64), got) {
        (Some(e), Ok(g)) => assert!(
            (e - g).abs() <= TOLERANCE,
            "{case} {id}: sklearn {e}, modelgate {g} (diff {:e})",
            (e - g).abs()
        ),
        (None, Err(u)) => assert!(check_kind(u), "{case} {id}: unexpected kind {u:?}"),
        (e, g) => panic!("{case} {id}: sklearn {expected} ({e:?}), modelgate {g:?}"),
    }
}

#[test]
fn every_metric_equals_scikit_learn() {
    let mut checked = 0;
    let cases = cases();
    // Every value in the file is compared.
    let in_file: usize = cases
        .iter()
        .map(|c| {
            c["expected"].as_object().expect("expected").len()
                + c["by_class"]
                    .as_array()
                    .expect("by_class")
                    .iter()
                    .map(|b| b.as_object().expect("class").len())
                    .sum::<usize>()
        })
        .sum();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let classes = case["classes"].as_u64().expect("classes") as usize;
        let truth = codes(&case["truth"]);
        let sklearn_pred = codes(&case["pred"]);
        let weight = floats(&case["weight"]);
        let scores = floats(&case["scores"].as_array().map_or(Json::Null, |rows| {
            Json::Array(
                rows.iter()
                    .flat_map(|r| r.as_array().expect("row").clone())
                    .collect(),
            )
        }));
        let expected = case["expected"].as_object().expect("expected");
        let metrics: Vec<Metric> = expected
            .keys()
            .map(|id| Metric::parse(id).unwrap_or_else(|| panic!("unknown id {id}")))
            .collect();
        let outputs = match &scores {
            Some(values) => Outputs::Scores(Scores::RowMajor { values, classes }),
            None => Outputs::Predicted(&sklearn_pred),
        };
        let prepared = Prepared::new(classes, &truth, outputs, weight.as_deref(), &metrics)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // numpy's argmax (lowest code on ties) is our prediction.
        assert_eq!(prepared.predicted(), &sklearn_pred[..], "{name}: argmax");
        for (id, m) in expected.keys().zip(&metrics) {
            let got = prepared.evaluate(*m, |_| 1.0);
            compare(name, id, &expected[id], got, |u| match m {
                Metric::CohenKappa => u == Undefined::NoDisagreement,
                Metric::RocAucOvr => matches!(u, Undefined::ClassAbsent { .. }),
                _ => false,
            });
            checked += 1;
        }
        // Absent classes: the first one named.
        if name == "absent_label" {
            assert_eq!(
                prepared.evaluate(Metric::RocAucOvr, |_| 1.0),
                Err(Undefined::ClassAbsent { class: 2 })
            );
        }

        // One-vs-rest per class (`by_class: true`).
        let matrix = ConfusionMatrix::from_codes(classes, &truth, &sklearn_pred, weight.as_deref())
            .expect("codes");
        let rankings = scores.as_ref().map(|values| {
            one_vs_rest_rankings(
                &Scores::RowMajor { values, classes },
                &truth,
                weight.as_deref(),
            )
        });
        let ids = [
            ("precision", MetricId::Precision),
            ("recall", MetricId::Recall),
            ("f1", MetricId::F1),
            ("pr_auc", MetricId::PrAuc),
            ("roc_auc", MetricId::RocAuc),
        ];
        for (c, exp) in case["by_class"]
            .as_array()
            .expect("by_class")
            .iter()
            .enumerate()
        {
            let ms: Vec<MetricId> = ids.iter().map(|(_, m)| *m).collect();
            let got = by_class(&matrix, rankings.as_ref().map(|r| &r[c]), c, &ms);
            for ((id, _), g) in ids.iter().zip(got) {
                match (exp.get(*id), g) {
                    (None, None) => {}
                    (Some(e), Some(g)) => {
                        compare(name, &format!("class {c} {id}"), e, g, |u| {
                            matches!(
                                u,
                                Undefined::ClassAbsent { .. } | Undefined::OnlyClass { .. }
                            )
                        });
                        checked += 1;
                    }
                    (e, g) => panic!("{name} class {c} {id}: {e:?} vs {g:?}"),
                }
            }
        }
    }
    assert_eq!(checked, in_file, "values compared");
    assert!(checked > 250);
}
