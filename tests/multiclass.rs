//! `task: multiclass` end to end: the config (scores or a predicted class), the values
//! (equal to scikit-learn's, from tests/golden/multiclass_e2e/expected.json, made by the
//! script beside it), the gates (exit 0 / 1), slices by a column and by class, the JSON's
//! `task`, input errors (exit 2 naming file, column and rows), and the intent example.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::modelgate;
use crate::common::{check_json as check, gates_with_status};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/multiclass_e2e")
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(golden().join("expected.json")).unwrap()).unwrap()
}

/// Copies the golden inputs into `dir` (so that tests may edit them).
fn inputs(dir: &Path) {
    for f in ["candidate.csv", "baseline.csv"] {
        std::fs::copy(golden().join(f), dir.join(f)).unwrap();
    }
}

const SCORES: &str = "  scores: {a: p_a, b: p_b, c: p_c}\n";

fn config(dir: &Path, output: &str, extra: &str, gates: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: intents\ntask: multiclass\ncandidate: candidate.csv\nbaseline: baseline.csv\ncolumns:\n  label: intent\n{output}  id: id\nseed: 7\nbootstrap: {{replicates: 200}}\nmin_slice: {{rows: 50}}\n{extra}gates:\n{gates}"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn close(a: &Value, b: &Value, what: &str) {
    let (x, y) = (a.as_f64(), b.as_f64());
    match (x, y) {
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: {x} vs scikit-learn {y}"),
        _ => panic!("{what}: {a} vs {b}"),
    }
}

/// The metric row of `slice` (`{}` for all rows).
fn metrics_row<'a>(json: &'a Value, slice: &Value) -> &'a Value {
    json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| &r["slice"] == slice)
        .unwrap_or_else(|| panic!("no metrics row for {slice}: {json:#}"))
}

const ALL: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "macro_f1",
    "micro_f1",
    "weighted_f1",
    "macro_precision",
    "macro_recall",
    "log_loss",
    "top_k_accuracy(2)",
    "roc_auc_ovr",
    "mcc",
    "cohen_kappa",
];

#[test]
fn every_metric_equals_scikit_learn_and_a_better_model_passes() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let mut gates = String::new();
    for m in ALL {
        gates.push_str(&format!(
            "  - {{metric: \"{m}\", max_regression: 0.01, evidence: significant}}\n"
        ));
    }
    gates.push_str("  - {metric: macro_f1, max_regression: 0.02, by: region}\n");
    let cfg = config(dir.path(), SCORES, "", &gates);
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 0, "{err}\n{json:#}");
    assert_eq!(json["task"], "multiclass");
    let want = expected();
    let whole = metrics_row(&json, &serde_json::json!({}));
    assert_eq!(whole["rows"], 600);
    for m in ALL {
        close(&whole["candidate"][m], &want["candidate"]["all"][m], m);
        close(&whole["baseline"][m], &want["baseline"]["all"][m], m);
    }
    let gates = json["gates"].as_array().unwrap();
    for (g, m) in gates.iter().zip(ALL) {
        assert_eq!(g["metric"], *m);
        assert_eq!(g["status"], "pass", "{g:#}");
        assert_eq!(g["test"], "bootstrap");
        let ci = g["ci"].as_array().unwrap_or_else(|| panic!("{g:#}"));
        assert!(ci[0].as_f64().unwrap() <= ci[1].as_f64().unwrap());
        close(&g["candidate"], &want["candidate"]["all"][m], m);
    }
    // One gate per region, each with its rows and scikit-learn's macro F1.
    for region in ["north", "south"] {
        let g = gates
            .iter()
            .find(|g| g["slice"]["region"] == region)
            .unwrap_or_else(|| panic!("{json:#}"));
        close(
            &g["candidate"],
            &want["candidate"][region]["macro_f1"],
            region,
        );
        close(
            &g["baseline"],
            &want["baseline"][region]["macro_f1"],
            region,
        );
        assert!(g["rows"].as_u64().unwrap() > 250);
    }
    let notes = json["notes"].to_string();
    assert!(notes.contains("Task: multiclass"), "{notes}");
    assert!(notes.contains("resampling rows"), "{notes}");
}

#[test]
fn by_class_gates_judge_each_class_one_vs_rest() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let gates = "  - {metric: recall, by_class: true, min: 0.76}\n  - {metric: pr_auc, by_class: true, min: 0.5}\n  - {metric: f1, by_class: true, max_regression: 0.0}\n";
    let cfg = config(dir.path(), SCORES, "", gates);
    let (code, json, err) = check(dir.path(), &cfg);
    // Recall (expected.json): a 0.814 and b 0.772 pass 0.76, c 0.75 fails.
    let want = expected();
    let gates = json["gates"].as_array().unwrap_or_else(|| panic!("{err}"));
    for metric in ["recall", "pr_auc", "f1"] {
        for class in ["a", "b", "c"] {
            let g = gates
                .iter()
                .find(|g| g["metric"] == metric && g["slice"]["class"] == class)
                .unwrap_or_else(|| panic!("{metric} {class}: {json:#}"));
            close(
                &g["candidate"],
                &want["candidate"]["all"]["by_class"][class][metric],
                &format!("{metric} class {class}"),
            );
            close(
                &g["baseline"],
                &want["baseline"]["all"]["by_class"][class][metric],
                &format!("{metric} class {class} baseline"),
            );
            assert_eq!(
                g["rows"], want["candidate"]["all"]["by_class"][class]["rows"],
                "a class's rows are its support"
            );
            assert_eq!(
                g["id"],
                format!(
                    "{metric}-{}-by-class",
                    if metric == "f1" {
                        "max_regression"
                    } else {
                        "min"
                    }
                )
            );
        }
    }
    let status = |metric: &str, class: &str| {
        gates
            .iter()
            .find(|g| g["metric"] == metric && g["slice"]["class"] == class)
            .map(|g| g["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("recall", "a"), "pass");
    assert_eq!(status("recall", "b"), "pass");
    assert_eq!(status("recall", "c"), "fail");
    assert_eq!(code, 1, "{err}");
    // Class rows in the metric table too.
    let c = metrics_row(&json, &serde_json::json!({"class": "c"}));
    close(
        &c["candidate"]["recall"],
        &want["candidate"]["all"]["by_class"]["c"]["recall"],
        "table recall c",
    );
    // The Markdown report names the class slices.
    let md = dir.path().join("report.md");
    let o = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--markdown")
        .arg(&md)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("class=c"), "{text}");
}

#[test]
fn a_prediction_only_config_gives_the_label_metrics_and_refuses_the_score_ones() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let cfg = config(
        dir.path(),
        "  prediction: pred\n",
        "",
        "  - {metric: accuracy, max_regression: 0.01}\n  - {metric: cohen_kappa, min: 0.5}\n  - {metric: recall, by_class: true, min: 0.1}\n",
    );
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 0, "{err}\n{json:#}");
    let want = expected();
    let whole = metrics_row(&json, &serde_json::json!({}));
    for m in ["accuracy", "macro_f1", "cohen_kappa"] {
        close(&whole["candidate"][m], &want["candidate"]["all"][m], m);
    }
    assert!(whole["candidate"].get("log_loss").is_none(), "{whole:#}");

    for gate in [
        "  - {metric: log_loss, max: 1}\n",
        "  - {metric: \"top_k_accuracy(2)\", min: 0.5}\n",
        "  - {metric: roc_auc_ovr, min: 0.5}\n",
        "  - {metric: roc_auc, by_class: true, min: 0.5}\n",
    ] {
        let cfg = config(dir.path(), "  prediction: pred\n", "", gate);
        let (code, _, err) = check(dir.path(), &cfg);
        assert_eq!(code, 2, "{gate}: {err}");
        assert!(err.contains("columns.scores"), "{gate}: {err}");
    }
}

#[test]
fn config_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    for (output, gate, says) in [
        (
            "",
            "  - {metric: accuracy, min: 0.5}\n",
            "needs the model's output",
        ),
        (
            "  scores: {a: p_a, b: p_b}\n  prediction: pred\n",
            "  - {metric: accuracy, min: 0.5}\n",
            "not both",
        ),
        (
            SCORES,
            "  - {metric: roc_auc, min: 0.5}\n",
            "metric of `task: binary`",
        ),
        (
            SCORES,
            "  - {metric: accuracy, min: 0.5, test: mcnemar}\n",
            "test of `task: binary`",
        ),
        (
            SCORES,
            "  - {metric: accuracy, by_class: true, min: 0.5}\n",
            "one class against the rest",
        ),
        (
            SCORES,
            "  - {metric: recall, by_class: true, by: region, min: 0.5}\n",
            "cannot be combined with `by`",
        ),
        (SCORES, "  - {metric: ndcg, min: 0.5}\n", "task: ranking"),
    ] {
        let cfg = config(dir.path(), output, "", gate);
        let (code, _, err) = check(dir.path(), &cfg);
        assert_eq!(code, 2, "{gate}: {err}");
        assert!(err.contains(says), "{gate}: expected {says:?} in {err}");
    }
    // `by_class` on a binary config.
    let cfg = crate::common::write_config(
        dir.path(),
        "columns: {label: label, score: score}\n",
        "  - {metric: recall, by_class: true, min: 0.5}\n",
    );
    let (code, _, err) = check(dir.path(), &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("task: multiclass"), "{err}");
}

/// Rewrites one cell of `file` (row 1-based, as the file's data rows).
fn edit(dir: &Path, file: &str, row: usize, column: &str, value: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == column).unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    cells[col] = value.to_string();
    lines[row] = cells.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn input_errors_exit_2_naming_file_column_and_rows() {
    let gate = "  - {metric: accuracy, min: 0.5}\n";
    // A label class without a score column.
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    edit(dir.path(), "candidate.csv", 4, "intent", "z");
    let cfg = config(dir.path(), SCORES, "", gate);
    let (code, _, err) = check(dir.path(), &cfg);
    assert_eq!(code, 2, "{err}");
    for part in [
        "candidate.csv",
        "`intent`",
        "row(s) 4",
        "\"z\"",
        "no score column",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    // A predicted value that is not a class.
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    edit(dir.path(), "baseline.csv", 7, "pred", "q");
    let cfg = config(dir.path(), "  prediction: pred\n", "", gate);
    let (code, _, err) = check(dir.path(), &cfg);
    assert_eq!(code, 2, "{err}");
    for part in ["baseline.csv", "`pred`", "row(s) 7", "\"q\"", "not a class"] {
        assert!(err.contains(part), "{part}: {err}");
    }
    // A score outside [0, 1], and one that is not finite.
    for (value, says) in [("1.5", "outside [0, 1]"), ("inf", "inf")] {
        let dir = tempfile::tempdir().unwrap();
        inputs(dir.path());
        edit(dir.path(), "candidate.csv", 9, "p_b", value);
        let cfg = config(dir.path(), SCORES, "", gate);
        let (code, _, err) = check(dir.path(), &cfg);
        assert_eq!(code, 2, "{err}");
        for part in ["candidate.csv", "`p_b`", "9", says] {
            assert!(err.contains(part), "{part}: {err}");
        }
    }
    // The baseline's label of a paired row differs.
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    edit(dir.path(), "baseline.csv", 1, "intent", "zz");
    let cfg = config(dir.path(), SCORES, "", gate);
    let (code, _, err) = check(dir.path(), &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("different class"), "{err}");
}

/// Adds `user` (= id % 60) and `w` (= 1 + id % 3) to both files.
fn add_user_and_weight(dir: &Path) {
    for f in ["candidate.csv", "baseline.csv"] {
        let path = dir.join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("{line},user,w\n"));
            } else {
                let id: u64 = line.split(',').next().unwrap().parse().unwrap();
                out.push_str(&format!("{line},{},{}\n", id % 60, 1 + id % 3));
            }
        }
        std::fs::write(&path, out).unwrap();
    }
}

#[test]
fn weighted_and_clustered_rows() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    add_user_and_weight(dir.path());
    let gates = "  - {metric: macro_f1, max_regression: 0.01, evidence: significant}\n  - {metric: roc_auc_ovr, max_regression: 0.01, evidence: significant}\n  - {metric: recall, by_class: true, max_regression: 0.3, evidence: significant}\n";
    let want = expected();
    let rows = config(dir.path(), &format!("{SCORES}  weight: w\n"), "", gates);
    let (code, row_json, err) = check(dir.path(), &rows);
    assert_eq!(code, 0, "{err}\n{row_json:#}");
    let whole = metrics_row(&row_json, &serde_json::json!({}));
    for m in ["macro_f1", "accuracy", "log_loss", "roc_auc_ovr"] {
        close(&whole["candidate"][m], &want["candidate"]["weighted"][m], m);
        close(&whole["baseline"][m], &want["baseline"]["weighted"][m], m);
    }
    let clustered = config(
        dir.path(),
        &format!("{SCORES}  weight: w\n  cluster: user\n"),
        "",
        gates,
    );
    let (code, json, err) = check(dir.path(), &clustered);
    assert_eq!(code, 0, "{err}\n{json:#}");
    let notes = json["notes"].to_string();
    assert!(notes.contains("60 clusters"), "{notes}");
    assert!(notes.contains("resampling whole clusters"), "{notes}");
    // Same values, other intervals (whole clusters resampled).
    for i in 0..2 {
        let (a, b) = (&row_json["gates"][i], &json["gates"][i]);
        assert_eq!(a["candidate"], b["candidate"]);
        assert_ne!(a["ci"], b["ci"], "{a:#} {b:#}");
    }
}

#[test]
fn the_output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let cfg = config(
        dir.path(),
        SCORES,
        "",
        "  - {metric: macro_f1, max_regression: 0.01, evidence: significant}\n  - {metric: recall, by_class: true, max_regression: 0.05, evidence: significant}\n",
    );
    let (_, a, _) = check(dir.path(), &cfg);
    let (_, b, _) = check(dir.path(), &cfg);
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("run");
        v["gates"].clone()
    };
    assert_eq!(strip(a), strip(b));
}

#[test]
fn a_label_column_with_too_many_classes_is_exit_2_not_an_allocation() {
    // A prediction-only config over an id-like label: 60,000 classes would ask for a
    // 60,000² confusion matrix (28.8 GB) and abort. Refused by name instead.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,intent,predicted\n");
    for i in 0..60_000u32 {
        text.push_str(&format!("{i},c{i},c{}\n", (i * 7) % 60_000));
    }
    std::fs::write(dir.path().join("candidate.csv"), &text).unwrap();
    std::fs::write(dir.path().join("baseline.csv"), &text).unwrap();
    let cfg = config(
        dir.path(),
        "  prediction: predicted\n",
        "",
        "  - {metric: accuracy, max_regression: 0.01}\n",
    );
    let (code, _, err) = check(dir.path(), &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("candidate.csv") && err.contains("`intent`"),
        "{err}"
    );
    assert!(
        err.contains("60000 distinct classes, more than the limit of 1000"),
        "{err}"
    );
}

#[test]
fn the_intent_example_blocks_on_the_rare_class() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (code, json, err) = check(dir.path(), &root.join("examples/intent/modelgate.yaml"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["task"], "multiclass");
    let failed = gates_with_status(&json, "fail");
    assert_eq!(
        failed,
        ["recall-max_regression-by-class {\"class\":\"fraud\"}"]
    );
    let passed = json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "pass")
        .count();
    assert!(passed >= 10, "{json:#}");
    let o = modelgate()
        .args(["validate", "--config"])
        .arg(root.join("examples/intent/modelgate.yaml"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("10000 paired rows, 6 class(es)"), "{out}");
}
