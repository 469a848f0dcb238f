//! `task: regression` end to end: the config, the data checks (exit 2 naming file, column
//! and rows), the gates (exit 0 / 1), the JSON's `task` and the methods notes, slices with
//! `min_slice`, and clustered rows.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Rng, check_json as check, gates_with_status, modelgate};

/// One regression row of both models: target, two predictions, a region and a user.
struct Row {
    id: usize,
    y: f64,
    cand: f64,
    base: f64,
    region: &'static str,
    user: usize,
}

/// `n` rows; the candidate's noise has standard deviation `cand_sd`, the baseline's
/// `base_sd` (uniform noise scaled to that spread); users hold 5 rows each.
fn rows(n: usize, cand_sd: f64, base_sd: f64, seed: u64) -> Vec<Row> {
    let mut rng = Rng::new(seed);
    let regions = ["north", "south", "east"];
    (0..n)
        .map(|i| {
            let y = 10.0 + 20.0 * rng.uniform();
            let noise = |rng: &mut Rng, sd: f64| (rng.uniform() - 0.5) * sd * 12f64.sqrt();
            Row {
                id: i,
                y,
                cand: y + noise(&mut rng, cand_sd),
                base: y + noise(&mut rng, base_sd),
                region: regions[i % 3],
                user: i / 5,
            }
        })
        .collect()
}

fn write_pair(dir: &Path, rows: &[Row]) {
    let mut c = String::from("id,eta,prediction,region,user\n");
    let mut b = String::from("id,eta,prediction,region,user\n");
    for r in rows {
        let _ = writeln!(c, "{},{},{},{},{}", r.id, r.y, r.cand, r.region, r.user);
        let _ = writeln!(b, "{},{},{},{},{}", r.id, r.y, r.base, r.region, r.user);
    }
    std::fs::write(dir.join("candidate.csv"), c).unwrap();
    std::fs::write(dir.join("baseline.csv"), b).unwrap();
}

fn config(dir: &Path, extra: &str, gates: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: eta-model\ntask: regression\ncandidate: candidate.csv\nbaseline: baseline.csv\ncolumns:\n  label: eta\n  prediction: prediction\n  id: id\nseed: 7\nbootstrap: {{replicates: 200}}\nmin_slice: {{rows: 50}}\n{extra}gates:\n{gates}"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

const GATES: &str = "  - {metric: mae, max_regression: 0.05, evidence: significant}\n  - {metric: rmse, max_regression: 0.05, evidence: significant}\n  - {metric: r2, min: 0.5}\n  - {metric: mae, max_regression: 0.1, by: region}\n";

#[test]
fn a_better_regression_model_passes_and_the_json_carries_the_task() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(600, 1.0, 1.5, 1));
    let cfg = config(dir.path(), "", GATES);
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 0, "{err}\n{json:#}");
    assert_eq!(json["task"], "regression");
    let gates = json["gates"].as_array().unwrap();
    let mae = &gates[0];
    assert_eq!(mae["metric"], "mae");
    assert_eq!(mae["test"], "paired_mean");
    assert!(mae["delta"].as_f64().unwrap() < 0.0, "{mae:#}");
    let ci = mae["ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < ci[1].as_f64().unwrap());
    assert_eq!(gates[1]["test"], "bootstrap");
    assert!(gates[1]["ci"].is_array(), "{:#}", gates[1]);
    // One gate per region, each with its rows.
    let by_region: Vec<&Value> = gates
        .iter()
        .filter(|g| g["slice"]["region"].is_string())
        .collect();
    assert_eq!(by_region.len(), 3);
    assert!(
        by_region
            .iter()
            .all(|g| g["rows"] == 200 && g["positives"] == 0)
    );
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.iter().any(|n| n.starts_with("Task: regression")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("Mean losses")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("resampling rows")),
        "{notes:?}"
    );
}

#[test]
fn a_worse_regression_model_is_blocked_on_mae_and_rmse() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(600, 2.0, 1.0, 2));
    let cfg = config(dir.path(), "", GATES);
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 1, "{err}\n{json:#}");
    let gates = json["gates"].as_array().unwrap();
    assert_eq!(gates[0]["status"], "fail", "{:#}", gates[0]);
    assert_eq!(gates[1]["status"], "fail", "{:#}", gates[1]);
}

#[test]
fn html_on_a_regression_config_is_exit_2_before_reading_and_writes_nothing() {
    // The HTML report draws a binary classifier's curves; a regression config must not
    // get an empty or wrong picture (nor a panic on the missing binary labels).
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 1.0, 1.0, 5));
    let cfg = config(dir.path(), "", GATES);
    let html = dir.path().join("report.html");
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--html") && err.contains("task: regression"),
        "{err}"
    );
    assert!(!html.exists());
}

#[test]
fn slices_below_min_slice_rows_are_skipped_not_judged() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(120, 1.0, 1.0, 3));
    let cfg = config(
        dir.path(),
        "",
        "  - {metric: mae, max_regression: 0.1, by: region}\n",
    );
    let (_, json, err) = check(dir.path(), &cfg);
    let gates = json["gates"].as_array().unwrap_or_else(|| panic!("{err}"));
    assert!(gates.iter().all(|g| g["status"] == "skip"), "{json:#}");
    assert!(
        gates[0]["reason"]
            .as_str()
            .unwrap()
            .contains("40 rows < 50"),
        "{:#}",
        gates[0]
    );
}

#[test]
fn clustered_rows_resample_whole_clusters_and_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(600, 1.0, 1.5, 4));
    let cfg = config(dir.path(), "", GATES);
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("  id: id\n", "  id: id\n  cluster: user\n");
    std::fs::write(&cfg, text).unwrap();
    let (code, json, err) = check(dir.path(), &cfg);
    assert_eq!(code, 0, "{err}\n{json:#}");
    let notes = json["notes"].to_string();
    assert!(
        notes.contains("`user` groups the rows into 120 clusters"),
        "{notes}"
    );
    assert!(notes.contains("cluster-robust"), "{notes}");
    assert!(notes.contains("resampling whole clusters"), "{notes}");
}

#[test]
fn input_and_config_errors_exit_2_naming_file_column_rows_gate_and_task() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_pair(d, &rows(100, 1.0, 1.0, 5));

    // A regression metric in a binary config names the gate's line and both tasks.
    let p = d.join("binary.yaml");
    std::fs::write(
        &p,
        "version: 1\nname: t\ncandidate: candidate.csv\ngates:\n  - {metric: mae, max: 1}\n",
    )
    .unwrap();
    let (code, _, err) = check(d, &p);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("binary.yaml:5")
            && err.contains("`mae` is a metric of `task: regression`")
            && err.contains("task is `binary`"),
        "{err}"
    );
    // A binary metric in a regression config.
    let cfg = config(d, "", "  - {metric: roc_auc, min: 0.5}\n");
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`roc_auc` is a metric of `task: binary`"),
        "{err}"
    );

    // A non-numeric target.
    let cfg = config(d, "", "  - {metric: mae, max: 10}\n");
    let bad =
        "id,eta,prediction,region,user\n0,12.5,12,north,0\n1,soon,11,north,0\n2,9,9,south,1\n";
    std::fs::write(d.join("candidate.csv"), bad).unwrap();
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("candidate.csv")
            && err.contains("`eta`")
            && err.contains("row 2")
            && err.contains("\"soon\""),
        "{err}"
    );
    // A non-finite prediction.
    let bad =
        "id,eta,prediction,region,user\n0,12.5,12,north,0\n1,3,inf,north,0\n2,9,NaN,south,1\n";
    std::fs::write(d.join("candidate.csv"), bad).unwrap();
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`prediction`") && err.contains("NaN prediction") && err.contains("row(s) 3"),
        "{err}"
    );
    // A missing cluster value.
    write_pair(d, &rows(100, 1.0, 1.0, 5));
    let text = std::fs::read_to_string(d.join("candidate.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for i in [4usize, 9] {
        let mut parts: Vec<&str> = lines[i].split(',').collect();
        parts[4] = "";
        lines[i] = parts.join(",");
    }
    std::fs::write(d.join("candidate.csv"), lines.join("\n") + "\n").unwrap();
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("  id: id\n", "  id: id\n  cluster: user\n");
    std::fs::write(&cfg, text).unwrap();
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`user`") && err.contains("2 missing cluster value(s) at row(s) 4, 9"),
        "{err}"
    );
    // A target that differs between the two files.
    write_pair(d, &rows(100, 1.0, 1.0, 5));
    let text = std::fs::read_to_string(d.join("baseline.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut parts: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    parts[1] = "999".into();
    lines[3] = parts.join(",");
    std::fs::write(d.join("baseline.csv"), lines.join("\n") + "\n").unwrap();
    let cfg = config(d, "", "  - {metric: mae, max: 10}\n");
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("different target") && err.contains("id 2"),
        "{err}"
    );
    // Binary-only keys are refused for regression.
    let cfg = config(d, "positive: 1\n", "  - {metric: mae, max: 10}\n");
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`positive`"), "{err}");
}

#[test]
fn binary_under_cluster_uses_the_cluster_bootstrap_and_refuses_row_level_tests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = crate::common::rows(800, 0.3, 0.5, 9);
    crate::common::write_pair(d, &rows);
    let cfg = crate::common::write_config(
        d,
        "columns:\n  label: label\n  score: score\n  id: id\n  cluster: country\n",
        "  - {metric: roc_auc, max_regression: 0.05}\n",
    );
    let (code, json, err) = check(d, &cfg);
    assert!(code == 0 || code == 1, "{err}");
    assert_eq!(json["gates"][0]["test"], "bootstrap", "{json:#}");
    assert!(json.get("task").is_none(), "binary JSON keeps its shape");
    let notes = json["notes"].to_string();
    assert!(
        notes.contains("`country` groups the rows into 4 clusters"),
        "{notes}"
    );
    assert!(notes.contains("DeLong and McNemar count rows"), "{notes}");
    let cfg = crate::common::write_config(
        d,
        "columns:\n  label: label\n  score: score\n  id: id\n  cluster: country\n",
        "  - {metric: roc_auc, max_regression: 0.05, test: delong}\n",
    );
    let (code, _, err) = check(d, &cfg);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`test: delong` treats rows as independent"),
        "{err}"
    );
}

#[test]
fn the_eta_example_blocks_on_rmse_and_on_porto() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (code, json, err) = check(dir.path(), &root.join("examples/eta/modelgate.yaml"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["task"], "regression");
    let failed = gates_with_status(&json, "fail");
    assert_eq!(
        failed,
        [
            "rmse-max_regression {}",
            "mae-max_regression-by-city {\"city\":\"porto\"}"
        ]
    );
    assert!(json["notes"].to_string().contains("800 clusters"));
}
