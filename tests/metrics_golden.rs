//! Metrics against scikit-learn: `tests/golden/make_golden.py` wrote the data sets (CSV) and
//! sklearn's values (expected.json); every value must agree to 1e-9, and every case where
//! sklearn raises or has no value must be the same `Undefined`.

use std::path::{Path, PathBuf};

use modelgate::metrics::{MetricId, Plan, Ranked, SortedGroups, Undefined, Value, evaluate};
use serde_json::Value as Json;

const TOLERANCE: f64 = 1e-9;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

struct Data {
    positive: Vec<bool>,
    scores: Vec<f64>,
    weight: Option<Vec<f64>>,
}

/// Reads `label,score[,weight]`; floats go through `str::parse`, which is exact, so the
/// scores (and ties at the threshold) are bit-for-bit those sklearn saw.
fn read_csv(path: &Path) -> Data {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let weighted = header == ["label", "score", "weight"];
    assert!(
        weighted || header == ["label", "score"],
        "unexpected header {header:?}"
    );
    let mut data = Data {
        positive: Vec::new(),
        scores: Vec::new(),
        weight: weighted.then(Vec::new),
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        data.positive.push(match f[0] {
            "1" => true,
            "0" => false,
            other => panic!("bad label {other}"),
        });
        data.scores.push(f[1].parse().expect("score"));
        if let Some(w) = data.weight.as_mut() {
            w.push(f[2].parse().expect("weight"));
        }
    }
    data
}

fn undefined(name: &str) -> Undefined {
    match name {
        "NoPositives" => Undefined::NoPositives,
        "NoNegatives" => Undefined::NoNegatives,
        "Empty" => Undefined::Empty,
        other => panic!("unknown undefined kind {other}"),
    }
}

#[test]
fn metrics_match_sklearn() {
    let dir = golden_dir();
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let golden: Json = serde_json::from_str(&text).expect("valid json");
    let datasets = golden["datasets"].as_array().expect("datasets");
    assert!(datasets.len() >= 10, "golden file lost data sets");

    let mut failures = Vec::new();
    let mut checked = 0;
    for ds in datasets {
        let name = ds["name"].as_str().expect("name");
        let data = read_csv(&dir.join(ds["file"].as_str().expect("file")));
        let expected = ds["expected"].as_object().expect("expected");
        let ids: Vec<(String, MetricId)> = expected
            .keys()
            .map(|k| (k.clone(), k.parse().unwrap_or_else(|e| panic!("{k}: {e}"))))
            .collect();
        let plan = Plan {
            metrics: ids.iter().map(|(_, m)| *m).collect(),
            threshold: ds["threshold"].as_f64().expect("threshold"),
        };
        let ranked = Ranked::new(&data.scores, &data.positive, data.weight.as_deref());
        let table = evaluate(&ranked, SortedGroups::ALL, &plan, |_, _, _| 1.0);
        assert_eq!(table.rows, [data.scores.len() as u64]);
        assert_eq!(
            table.positives,
            [data.positive.iter().filter(|&&p| p).count() as u64]
        );

        // Also one metric at a time: a plan's other metrics must not change a value.
        for (i, (key, id)) in ids.iter().enumerate() {
            let want = &expected[key];
            let got: Value = table.group(0)[i];
            let single = evaluate(
                &ranked,
                SortedGroups::ALL,
                &Plan {
                    metrics: vec![*id],
                    threshold: plan.threshold,
                },
                |_, _, _| 1.0,
            );
            if single.group(0)[0] != got {
                failures.push(format!(
                    "{name} {key}: alone {:?} != in plan {got:?}",
                    single.group(0)[0]
                ));
            }
            checked += 1;
            match (
                want.get("value").and_then(Json::as_f64),
                want.get("undefined").and_then(Json::as_str),
            ) {
                (Some(v), _) => match got {
                    Ok(x) if (x - v).abs() <= TOLERANCE => {}
                    _ => failures.push(format!("{name} {key}: sklearn {v}, ours {got:?}")),
                },
                (None, Some(kind)) => {
                    if got != Err(undefined(kind)) {
                        failures.push(format!(
                            "{name} {key}: sklearn undefined ({kind}), ours {got:?}"
                        ));
                    }
                }
                _ => panic!("{name} {key}: malformed expectation {want}"),
            }
        }
    }
    assert!(checked > 400, "only {checked} values checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Groups evaluated together equal each data set evaluated alone: the golden sets stacked
/// as the groups of one input (rows interleaved, so pending tie groups interleave too).
#[test]
fn stacked_golden_sets_as_groups() {
    let dir = golden_dir();
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let golden: Json = serde_json::from_str(&text).expect("valid json");
    let sets: Vec<(Data, f64)> = golden["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .filter(|ds| ds["probabilities"].as_bool() == Some(true))
        .map(|ds| {
            (
                read_csv(&dir.join(ds["file"].as_str().expect("file"))),
                ds["threshold"].as_f64().expect("t"),
            )
        })
        .collect();
    let metrics: Vec<MetricId> = [
        "roc_auc",
        "pr_auc",
        "log_loss",
        "ece(7)",
        "f1",
        "recall_at_fpr(0.1)",
        "lift_at_k(0.2)",
    ]
    .iter()
    .map(|s| s.parse().expect("id"))
    .collect();
    // One threshold for all groups: the plan has one.
    let threshold = sets[0].1;

    let (mut scores, mut positive, mut weight, mut code) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let longest = sets.iter().map(|(d, _)| d.scores.len()).max().unwrap_or(0);
    for i in 0..longest {
        for (g, (d, _)) in sets.iter().enumerate() {
            if i < d.scores.len() {
                scores.push(d.scores[i]);
                positive.push(d.positive[i]);
                weight.push(d.weight.as_ref().map_or(1.0, |w| w[i]));
                code.push(g as u32);
            }
        }
    }
    let ranked = Ranked::new(&scores, &positive, Some(&weight));
    let codes = ranked.gather(&code);
    let plan = Plan { metrics, threshold };
    let together = evaluate(
        &ranked,
        SortedGroups {
            codes: Some(&codes),
            count: sets.len(),
        },
        &plan,
        |_, _, _| 1.0,
    );
    for (g, (d, _)) in sets.iter().enumerate() {
        let alone_ranked = Ranked::new(&d.scores, &d.positive, d.weight.as_deref());
        let alone = evaluate(&alone_ranked, SortedGroups::ALL, &plan, |_, _, _| 1.0);
        assert_eq!(together.rows[g], alone.rows[0]);
        for (a, b) in together.group(g).iter().zip(alone.group(0)) {
            match (a, b) {
                (Ok(x), Ok(y)) => assert!((x - y).abs() <= 1e-12, "group {g}: {x} vs {y}"),
                _ => assert_eq!(a, b, "group {g}"),
            }
        }
    }
}
