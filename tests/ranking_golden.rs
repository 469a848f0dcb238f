//! Ranking metrics against `tests/golden/ranking/make_golden.py`: NDCG from scikit-learn's
//! `ndcg_score`, MAP/MRR/recall@k/precision@k from their definitions by brute force over
//! every order of tied items; all to 1e-9, and groups without a relevant item named.

use std::path::Path;

use modelgate::metrics::ranking::{Metric, Prepared, Queries, Undefined};
use serde_json::Value as Json;

const TOLERANCE: f64 = 1e-9;

fn floats(v: &Json) -> Option<Vec<f64>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|s| s.as_str().expect("repr string").parse().expect("float"))
            .collect()
    })
}

#[test]
fn every_metric_equals_the_reference() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ranking/cases.json");
    let doc: Json =
        serde_json::from_str(&std::fs::read_to_string(path).expect("cases.json")).expect("json");
    let mut checked = 0;
    for case in doc["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let group: Vec<u32> = case["group"]
            .as_array()
            .expect("group")
            .iter()
            .map(|g| g.as_u64().expect("code") as u32)
            .collect();
        let relevance = floats(&case["relevance"]).expect("relevance");
        let score = floats(&case["score"]).expect("score");
        let weight = floats(&case["group_weight"]);
        let queries = Queries::new(&group).expect("grouped");
        let expected = case["expected"].as_object().expect("expected");
        let metrics: Vec<Metric> = expected
            .keys()
            .map(|id| Metric::parse(id).expect("k > 0").expect("a ranking id"))
            .collect();
        let prepared = Prepared::new(&queries, &relevance, &score, weight.as_deref(), &metrics)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (j, (id, e)) in expected.iter().enumerate() {
            let got = prepared.evaluate(j, |_| 1.0);
            match (e.get("value").and_then(Json::as_f64), got) {
                (Some(e), Ok(g)) => assert!(
                    (e - g).abs() <= TOLERANCE,
                    "{name} {id}: reference {e}, modelgate {g}"
                ),
                (None, Err(u)) => assert_eq!(
                    u,
                    Undefined::NoRelevant {
                        group: e["group"].as_u64().expect("group") as usize,
                        others: e["others"].as_u64().expect("others") as usize,
                    },
                    "{name} {id}"
                ),
                (e, g) => panic!("{name} {id}: reference {e:?}, modelgate {g:?}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 5 * 18, "only {checked} values compared");
}
