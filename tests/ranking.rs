//! `task: ranking` end to end on a small generated file (tests/golden/ranking_e2e, made by
//! the script beside it): values equal to scikit-learn's `ndcg_score` /
//! `average_precision_score` and the written definitions of mrr, recall@k and precision@k,
//! the gates (exit 0 / 1) with the bootstrap over whole groups, slices, the JSON's `task`,
//! and the input errors (exit 2 naming file, column, rows or groups).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::modelgate;
use crate::common::{check_json as check, gates_with_status};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ranking_e2e")
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(golden().join("expected.json")).unwrap()).unwrap()
}

fn inputs(dir: &Path) {
    for f in ["candidate.csv", "baseline.csv"] {
        std::fs::copy(golden().join(f), dir.join(f)).unwrap();
    }
}

fn config(dir: &Path, extra: &str, gates: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: search\ntask: ranking\ncandidate: candidate.csv\nbaseline: baseline.csv\ncolumns:\n  label: relevance\n  score: score\n  group: query\n  id: id\nseed: 7\nbootstrap: {{replicates: 200}}\nmin_slice: {{rows: 100}}\n{extra}gates:\n{gates}"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn close(a: &Value, b: &Value, what: &str) {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: {x} vs reference {y}"),
        _ => panic!("{what}: {a} vs {b}"),
    }
}

const METRICS: &[&str] = &[
    "ndcg(5)",
    "ndcg",
    "map",
    "mrr",
    "recall_at_k(5)",
    "precision_at_k(5)",
];

#[test]
fn every_metric_equals_the_reference_and_a_better_ranker_passes() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let mut gates = String::new();
    for m in METRICS {
        gates.push_str(&format!(
            "  - {{metric: \"{m}\", max_regression: 0.01, evidence: significant}}\n"
        ));
    }
    gates.push_str("  - {metric: \"ndcg(5)\", max_regression: 0.02, by: device}\n");
    let cfg = config(dir.path(), "", &gates);
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 0, "{err}\n{json:#}");
    assert_eq!(json["task"], "ranking");
    let want = expected();
    let gates = json["gates"].as_array().unwrap();
    for (g, m) in gates.iter().zip(METRICS) {
        assert_eq!(g["metric"], *m);
        assert_eq!(g["status"], "pass", "{g:#}");
        assert_eq!(g["test"], "bootstrap");
        assert!(g["ci"].is_array(), "{g:#}");
        close(&g["candidate"], &want["candidate"]["all"][m], m);
        close(&g["baseline"], &want["baseline"]["all"][m], m);
        assert_eq!(g["rows"], want["candidate"]["all"]["rows"]);
    }
    for device in ["mobile", "desktop"] {
        let g = gates
            .iter()
            .find(|g| g["slice"]["device"] == device)
            .unwrap_or_else(|| panic!("{json:#}"));
        close(
            &g["candidate"],
            &want["candidate"][device]["ndcg(5)"],
            device,
        );
        close(&g["baseline"], &want["baseline"][device]["ndcg(5)"], device);
        assert_eq!(g["rows"], want["candidate"][device]["rows"]);
    }
    let notes = json["notes"].to_string();
    assert!(notes.contains("Task: ranking"), "{notes}");
    assert!(notes.contains("whole groups"), "{notes}");
}

#[test]
fn a_worse_ranker_is_blocked() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    // Swap the files: the baseline becomes the candidate.
    std::fs::rename(dir.path().join("candidate.csv"), dir.path().join("x.csv")).unwrap();
    std::fs::rename(
        dir.path().join("baseline.csv"),
        dir.path().join("candidate.csv"),
    )
    .unwrap();
    std::fs::rename(dir.path().join("x.csv"), dir.path().join("baseline.csv")).unwrap();
    let cfg = config(
        dir.path(),
        "",
        "  - {metric: \"ndcg(5)\", max_regression: 0.02, evidence: significant}\n  - {metric: mrr, min: 0.5}\n",
    );
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 1, "{err}\n{json:#}");
    let g = &json["gates"][0];
    assert_eq!(g["status"], "fail", "{g:#}");
    assert!(g["delta"].as_f64().unwrap() < -0.1, "{g:#}");
    assert_eq!(json["gates"][1]["status"], "pass");
}

#[test]
fn config_and_input_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    for (extra, gate, says) in [
        (
            "",
            "  - {metric: \"recall_at_k(0.1)\", min: 0.5}\n",
            "whole number of items",
        ),
        ("", "  - {metric: macro_f1, min: 0.5}\n", "task: multiclass"),
        (
            "",
            "  - {metric: ndcg, min: 0.5, test: delong}\n",
            "test of `task: binary`",
        ),
        (
            "threshold: 0.3\n",
            "  - {metric: ndcg, min: 0.5}\n",
            "`threshold`",
        ),
    ] {
        let cfg = config(dir.path(), extra, gate);
        let (code, _, err) = check(dir.path(), &cfg);
        assert_eq!(code, 2, "{gate}: {err}");
        assert!(err.contains(says), "{gate}: expected {says:?} in {err}");
    }
    // A negative relevance names the file, the column and the row.
    let text = std::fs::read_to_string(dir.path().join("candidate.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[3] = "-1".into();
    lines[3] = cells.join(",");
    std::fs::write(dir.path().join("candidate.csv"), lines.join("\n") + "\n").unwrap();
    let cfg = config(dir.path(), "", "  - {metric: ndcg, min: 0.5}\n");
    let (code, _, err) = check(dir.path(), &cfg);
    assert_eq!(code, 2, "{err}");
    for part in [
        "candidate.csv",
        "`relevance`",
        "row(s) 3",
        "negative relevance",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
}

#[test]
fn groups_without_a_relevant_item_refuse_mrr_and_map_gates_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    // Every item of q007 and q042 becomes irrelevant.
    for f in ["candidate.csv", "baseline.csv"] {
        let path = dir.path().join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let out: Vec<String> = text
            .lines()
            .map(|l| {
                let mut c: Vec<String> = l.split(',').map(str::to_string).collect();
                if c[1] == "q007" || c[1] == "q042" {
                    c[3] = "0".into();
                }
                c.join(",")
            })
            .collect();
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
    }
    for metric in ["mrr", "map", "recall_at_k(5)"] {
        let cfg = config(
            dir.path(),
            "",
            &format!("  - {{metric: \"{metric}\", min: 0.5}}\n"),
        );
        let (code, _, err) = check(dir.path(), &cfg);
        assert_eq!(code, 2, "{metric}: {err}");
        for part in [
            "candidate.csv",
            "`query`",
            "2 group(s)",
            "\"q007\"",
            "\"q042\"",
        ] {
            assert!(err.contains(part), "{metric} {part}: {err}");
        }
    }
    // ndcg and precision@k count such a group as 0: the run is judged.
    let cfg = config(
        dir.path(),
        "",
        "  - {metric: ndcg, min: 0.5}\n  - {metric: \"precision_at_k(5)\", min: 0.1}\n",
    );
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 0, "{err}\n{json:#}");
    // The table's mrr is undefined, with the reason.
    let whole = &json["metrics"][0];
    assert!(whole["candidate"]["mrr"].is_null(), "{whole:#}");
    assert!(
        whole["undefined"].to_string().contains("no relevant item"),
        "{whole:#}"
    );
}

#[test]
fn clustered_groups_resample_whole_clusters() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    // A site per query (queries nested in 25 sites).
    for f in ["candidate.csv", "baseline.csv"] {
        let path = dir.path().join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("{line},site\n"));
            } else {
                let q: u32 = line.split(',').nth(1).unwrap()[1..].parse().unwrap();
                out.push_str(&format!("{line},s{}\n", q % 25));
            }
        }
        std::fs::write(&path, out).unwrap();
    }
    let gate = "  - {metric: \"ndcg(5)\", max_regression: 0.01, evidence: significant}\n";
    let (_, plain, _) = check(dir.path(), &config(dir.path(), "", gate));
    let cfg = config(dir.path(), "", gate).to_string_lossy().to_string();
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("  group: query\n", "  group: query\n  cluster: site\n");
    std::fs::write(&cfg, text).unwrap();
    let (code, json, err) = check(dir.path(), Path::new(&cfg));
    assert_eq!(code, 0, "{err}\n{json:#}");
    let notes = json["notes"].to_string();
    assert!(notes.contains("25 clusters"), "{notes}");
    assert!(notes.contains("resampling whole clusters"), "{notes}");
    assert_eq!(
        plain["gates"][0]["candidate"],
        json["gates"][0]["candidate"]
    );
    assert_ne!(plain["gates"][0]["ci"], json["gates"][0]["ci"]);
}

#[test]
fn a_group_split_across_clusters_is_exit_2_naming_the_group() {
    // Whole groups are resampled with their cluster's count: a query whose rows sit in two
    // sites would be resampled with one of them, silently. Refused instead.
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    for f in ["candidate.csv", "baseline.csv"] {
        let path = dir.path().join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("{line},site\n"));
            } else {
                // Rows alternate between two sites: every query spans both.
                out.push_str(&format!("{line},s{}\n", i % 2));
            }
        }
        std::fs::write(&path, out).unwrap();
    }
    let gate = "  - {metric: \"ndcg(5)\", max_regression: 0.01}\n";
    let cfg = config(dir.path(), "", gate).to_string_lossy().to_string();
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("  group: query\n", "  group: query\n  cluster: site\n");
    std::fs::write(&cfg, text).unwrap();
    let (code, json, err) = check(dir.path(), Path::new(&cfg));
    assert_eq!(code, 2, "{err}\n{json:#}");
    assert!(
        err.contains("candidate.csv") && err.contains("query"),
        "{err}"
    );
    assert!(err.contains("span more than one `site` value"), "{err}");
}

#[test]
fn the_output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let cfg = config(
        dir.path(),
        "",
        "  - {metric: ndcg, max_regression: 0.01, evidence: significant}\n",
    );
    let (_, a, _) = check(dir.path(), &cfg);
    let (_, b, _) = check(dir.path(), &cfg);
    assert_eq!(a["gates"], b["gates"]);
    assert_eq!(a["metrics"], b["metrics"]);
    let o = modelgate()
        .current_dir(dir.path())
        .args(["validate", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("1103 paired rows, 150 group(s)"), "{out}");
}

#[test]
fn the_search_example_blocks_on_logged_out_users() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (code, json, err) = check(dir.path(), &root.join("examples/search/modelgate.yaml"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["task"], "ranking");
    let failed = gates_with_status(&json, "fail");
    assert_eq!(
        failed,
        ["ndcg(10)-max_regression-by-logged_in {\"logged_in\":\"no\"}"]
    );
    let overall = &json["gates"][0];
    assert_eq!(overall["status"], "pass");
    assert!(overall["delta"].as_f64().unwrap() > 0.02, "{overall:#}");
}
