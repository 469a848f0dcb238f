//! The binary as CI and users drive it: exit codes, files, messages (CONTRACT §1-2, §6).

use crate::common;

use common::{modelgate, rows, write_config, write_pair};
use predicates::prelude::*;
use serde_json::Value;

const GOOD_GATES: &str =
    "  - metric: roc_auc\n    max_regression: 0.02\n  - metric: pr_auc\n    min: 0.05\n";

fn json_of(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn passing_gate_exits_0_and_writes_contract_json() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(2000, 0.1, 0.5, 1));
    let cfg = write_config(dir.path(), "", GOOD_GATES);
    let out = dir.path().join("out/result.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("modelgate · test-model — passed"))
        .stderr(predicate::str::contains("PASSED"));
    let j = json_of(&out);
    assert_eq!(j["schema"], "modelgate/result/v1");
    assert_eq!(j["verdict"], "pass");
    assert_eq!(j["exit_code"], 0);
    assert_eq!(j["tool"]["name"], "modelgate");
    assert_eq!(j["seed"], 7);
    assert_eq!(j["inputs"]["candidate"]["rows"], 2000);
    assert_eq!(
        j["inputs"]["baseline"]["sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(j["config"]["sha256"].as_str().unwrap().len(), 64);
    let g = &j["gates"][0];
    for key in [
        "id",
        "metric",
        "slice",
        "status",
        "severity",
        "rule",
        "limit",
        "evidence",
        "test",
        "candidate",
        "baseline",
        "delta",
        "ci",
        "p_value",
        "p_adjusted",
        "reason",
    ] {
        assert!(g.get(key).is_some(), "gate field {key} missing: {g}");
    }
    assert_eq!(g["id"], "roc_auc-max_regression");
    assert_eq!(g["test"], "delong");
    assert_eq!(g["slice"], serde_json::json!({}));
    let delta = g["delta"].as_f64().unwrap();
    let (c, b) = (
        g["candidate"].as_f64().unwrap(),
        g["baseline"].as_f64().unwrap(),
    );
    assert!(
        (delta - (c - b)).abs() < 1e-12,
        "delta is candidate - baseline"
    );
    let ci = g["ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= delta && delta <= ci[1].as_f64().unwrap());
    let m = &j["metrics"][0];
    assert_eq!(m["slice"], serde_json::json!({}));
    assert_eq!(m["rows"], 2000);
    assert!(m["candidate"]["roc_auc"].is_f64() && m["baseline"]["pr_auc"].is_f64());
}

#[test]
fn blocking_failure_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(1000, 0.1, 0.0, 2));
    let cfg = write_config(dir.path(), "", "  - metric: pr_auc\n    min: 0.99\n");
    let out = dir.path().join("r.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("promotion blocked"))
        .stderr(predicate::str::contains("BLOCKED").and(predicate::str::contains("pr_auc-min")));
    let j = json_of(&out);
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["exit_code"], 1);
    assert_eq!(j["gates"][0]["status"], "fail");
}

#[test]
fn warn_severity_failure_exits_0_with_warn_verdict() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(1000, 0.1, 0.0, 3));
    let cfg = write_config(
        dir.path(),
        "",
        "  - metric: pr_auc\n    min: 0.99\n    severity: warn\n",
    );
    let out = dir.path().join("r.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(json_of(&out)["verdict"], "warn");
}

#[test]
fn markdown_file_replaces_stdout_and_junit_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(1000, 0.1, 0.5, 4));
    let cfg = write_config(
        dir.path(),
        "",
        "  - metric: pr_auc\n    min: 0.99\n    by: country\n",
    );
    let (md, junit) = (dir.path().join("r.md"), dir.path().join("junit.xml"));
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--markdown")
        .arg(&md)
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let report = std::fs::read_to_string(&md).unwrap();
    assert!(
        report.starts_with("## ❌ modelgate · test-model — promotion blocked"),
        "{report}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert_eq!(
        xml.matches("<testcase ").count(),
        4,
        "one test case per slice: {xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 4);
    assert!(xml.contains("pr_auc-min-by-country [country=BR]"));
}

#[test]
fn same_inputs_and_seed_give_identical_json_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(1500, 0.1, 0.3, 5));
    let gates = "  - metric: pr_auc\n    max_regression: 0.01\n    evidence: confident\n    by: country\n  - metric: roc_auc\n    max_regression: 0.01\n";
    let cfg = write_config(dir.path(), "", gates);
    let mut outputs = Vec::new();
    for threads in ["1", "2", "2"] {
        let out = dir.path().join(format!("r{}.json", outputs.len()));
        modelgate()
            .env("RAYON_NUM_THREADS", threads)
            .args(["check", "--config"])
            .arg(&cfg)
            .arg("--json")
            .arg(&out)
            .assert()
            .code(predicate::in_iter([0, 1]));
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outputs[0], outputs[1], "1 vs 2 threads");
    assert_eq!(outputs[1], outputs[2], "repeat run");
    // A different seed moves the bootstrap interval.
    let out = dir.path().join("seed.json");
    modelgate()
        .args(["check", "--seed", "8", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .assert()
        .code(predicate::in_iter([0, 1]));
    assert_ne!(std::fs::read(&out).unwrap(), outputs[0]);
}

#[test]
fn hostile_slice_values_are_inert_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows(400, 0.25, 0.5, 6);
    let hostile = [
        "@team <img src=x onerror=alert(1)>",
        "a|b `x` [l](http://e)",
        "\"/merge\"",
        "**bold**",
    ];
    for (i, row) in r.iter_mut().enumerate() {
        row.country = hostile[i % hostile.len()].to_string();
    }
    // CSV-quote the slice values.
    let mut c = String::from("id,label,score,country\n");
    let mut b = c.clone();
    for row in &r {
        let q = format!("\"{}\"", row.country.replace('"', "\"\""));
        c.push_str(&format!("{},{},{},{q}\n", row.id, row.label, row.cand));
        b.push_str(&format!("{},{},{},{q}\n", row.id, row.label, row.base));
    }
    std::fs::write(dir.path().join("candidate.csv"), c).unwrap();
    std::fs::write(dir.path().join("baseline.csv"), b).unwrap();
    let cfg = write_config(
        dir.path(),
        "",
        "  - metric: roc_auc\n    max_regression: 0.5\n    by: country\n",
    );
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("country="), "{md}");
    assert!(!md.contains("@team"), "mention survives");
    assert!(!md.contains("<img"), "html survives");
    assert!(!md.contains("a|b"), "pipe breaks the table");
    assert!(!md.contains("[l](http"), "link survives");
    assert!(
        md.lines().all(|l| !l.trim_start().starts_with('/')),
        "a line starts with /"
    );
    for line in md.lines().filter(|l| l.starts_with("| `roc_auc`")) {
        assert_eq!(
            line.matches(" | ").count() + 2,
            11,
            "cell count changed: {line}"
        );
    }
}

#[test]
fn schema_is_json_with_the_config_keys() {
    let out = modelgate()
        .arg("schema")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let text = v.to_string();
    for key in [
        "gates",
        "max_regression",
        "min_slice",
        "evidence",
        "columns",
    ] {
        assert!(text.contains(key), "{key}");
    }
}

#[test]
fn init_writes_a_starter_that_validate_reads() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("modelgate.yaml");
    modelgate()
        .args(["init", "--out"])
        .arg(&cfg)
        .assert()
        .code(0);
    // A second init does not clobber the file.
    modelgate()
        .args(["init", "--out"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    // The starter names example paths that do not exist yet: validate says so.
    modelgate()
        .args(["validate", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("eval/candidate.parquet")
                .and(predicate::str::contains("cannot open")),
        );
}

#[test]
fn validate_reports_counts_without_judging() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.1, 0.0, 7));
    let cfg = write_config(
        dir.path(),
        "",
        "  - metric: pr_auc\n    min: 0.99\n    by: country\n",
    );
    modelgate()
        .args(["validate", "--config"])
        .arg(&cfg)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid").and(predicate::str::contains("300 paired rows")));
}

#[test]
fn command_line_paths_override_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.1, 0.0, 8));
    let cfg = write_config(dir.path(), "", GOOD_GATES);
    let other = tempfile::tempdir().unwrap();
    let (c, b) = write_pair(other.path(), &rows(300, 0.1, 0.0, 9));
    let out = dir.path().join("r.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--candidate")
        .arg(&c)
        .arg("--baseline")
        .arg(&b)
        .arg("--json")
        .arg(&out)
        .assert()
        .code(predicate::in_iter([0, 1]));
    let j = json_of(&out);
    assert_eq!(j["inputs"]["candidate"]["path"], c.display().to_string());
    assert_eq!(j["inputs"]["baseline"]["path"], b.display().to_string());
}

#[test]
fn explain_prints_the_decision_with_numbers() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(800, 0.1, 0.5, 10));
    let cfg = write_config(dir.path(), "", GOOD_GATES);
    modelgate()
        .args(["check", "--explain", "roc_auc-max_regression", "--config"])
        .arg(&cfg)
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("gate roc_auc-max_regression")
                .and(predicate::str::contains("95% CI"))
                .and(predicate::str::contains("because:")),
        );
    modelgate()
        .args(["check", "--explain", "nope", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("roc_auc-max_regression"));
}

#[test]
fn metrics_command_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = write_pair(dir.path(), &rows(500, 0.2, 0.0, 11));
    let out = modelgate()
        .arg("metrics")
        .arg(&c)
        .args(["--by", "country", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema"], "modelgate/metrics/v1");
    assert_eq!(
        v["metrics"].as_array().unwrap().len(),
        5,
        "whole set + 4 countries"
    );
    assert_eq!(v["metrics"][0]["rows"], 500);
    for key in [
        "roc_auc",
        "pr_auc",
        "log_loss",
        "brier",
        "ece(10)",
        "precision",
        "mcc",
        "prevalence",
    ] {
        assert!(v["metrics"][0]["values"][key].is_f64(), "{key}");
    }
    modelgate()
        .arg("metrics")
        .arg(&c)
        .args([
            "--metric",
            "roc_auc",
            "--metric",
            "recall_at_precision(0.5)",
            "--format",
            "csv",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "slice,n,n_pos,roc_auc,recall_at_precision(0.5)\nall rows,500,",
        ));
    modelgate()
        .arg("metrics")
        .arg(&c)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("roc_auc").and(predicate::str::contains("all rows")));
    modelgate()
        .arg("metrics")
        .arg(&c)
        .args(["--metric", "roc_acu"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `roc_auc`"));
}

#[test]
fn help_and_version_exit_0_and_bad_flags_exit_2() {
    modelgate().arg("--help").assert().code(0);
    modelgate()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("modelgate"));
    modelgate()
        .args(["check", "--no-such-flag"])
        .assert()
        .code(2);
}

#[test]
fn main_table_stays_short_with_many_failing_slices() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows(3000, 0.2, 0.0, 12);
    for (i, row) in r.iter_mut().enumerate() {
        row.country = format!("s{:02}", i % 30);
    }
    write_pair(dir.path(), &r);
    let cfg = write_config(
        dir.path(),
        "",
        "  - metric: pr_auc\n    min: 0.99\n    by: country\n",
    );
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    let summary = md.split("<details>").next().unwrap();
    assert_eq!(summary.matches("| ❌ **fail**").count(), 20, "{summary}");
    assert!(
        summary.contains("**10 more failing slice results**"),
        "{summary}"
    );
    assert!(md.contains("All slices (30)"));
}
