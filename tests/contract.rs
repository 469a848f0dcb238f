//! The user-facing contract (`docs/contract.md`) kept in step with the code: every exit code
//! the table lists is produced by the binary for the reason the table gives (and the table
//! lists no other), and every JSON result validates against `docs/result.schema.json`, whose
//! objects are closed, so a key added or renamed without changing the contract fails here.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{modelgate, python_with, rows, write_pair};

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The codes of the table under "## 2. Exit codes" in docs/contract.md.
fn documented_exit_codes() -> BTreeSet<i32> {
    let text = std::fs::read_to_string(repo("docs/contract.md")).expect("docs/contract.md");
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("2. Exit codes"))
        .expect("docs/contract.md has a section `## 2. Exit codes`");
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

/// A project with gates of every kind of result: pass, waived, skipped slices, McNemar
/// context, a warn-severity sliced gate with corrected p-values and, with `nothing_judged`, a
/// `min_slice` above every country's rows so that a blocking sliced gate judges nothing
/// (exit 1 by `on_nothing_judged: fail`).
fn rich_project(dir: &Path, nothing_judged: bool) {
    write_pair(dir, &rows(3_000, 0.3, 0.8, 5));
    let min_rows = if nothing_judged { 800 } else { 50 };
    let text = format!(
        "version: 1\nname: contract\ncandidate: candidate.csv\nbaseline: baseline.csv\n\
         columns: {{label: label, score: score, id: id}}\nseed: 7\nbootstrap: {{replicates: 200}}\n\
         min_slice: {{rows: {min_rows}, positives: 5, negatives: 5}}\n\
         waivers:\n  - {{gate: waived-one, owner: \"@t\", reason: r, expires: 2099-01-01}}\n\
         gates:\n\
         \x20 - {{metric: roc_auc, max_regression: 0.01, evidence: confident}}\n\
         \x20 - {{metric: pr_auc, min_improvement: 0.5, id: waived-one}}\n\
         \x20 - {{metric: accuracy, max_regression: 0, test: mcnemar, evidence: significant}}\n\
         \x20 - {{metric: recall, max_regression: 0.02, evidence: significant, by: country, severity: warn}}\n\
         \x20 - {{metric: log_loss, max: 0.9}}\n\
         \x20 - {{metric: precision, min: 0.99, severity: warn}}\n\
         \x20 - {{metric: roc_auc, min: 0.5, by: country, id: by-country}}\n"
    );
    std::fs::write(dir.join("modelgate.yaml"), text).unwrap();
}

fn check(dir: &Path, extra: &[&str]) -> Output {
    modelgate()
        .current_dir(dir)
        .args(["check", "--config", "modelgate.yaml", "--json", "r.json"])
        .args(["--markdown", "r.md"])
        .args(extra)
        .output()
        .expect("run modelgate")
}

fn result(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("r.json")).expect("r.json written");
    serde_json::from_str(&text).expect("r.json is JSON")
}

#[test]
fn every_documented_exit_code_is_produced_for_its_reason() {
    let documented = documented_exit_codes();
    assert_eq!(
        documented,
        BTreeSet::from([0, 1, 2, 3]),
        "the exit-code table in docs/contract.md changed: update this test and the code together"
    );
    // 0: every blocking gate passed (a warn-severity failure and a waiver allowed).
    let dir = TempDir::new().unwrap();
    rich_project(dir.path(), false);
    let out = check(dir.path(), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(result(dir.path())["exit_code"], 0);

    // 1: a blocking gate failed (here: judged nothing, `on_nothing_judged: fail`).
    let dir = TempDir::new().unwrap();
    rich_project(dir.path(), true);
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(result(dir.path())["exit_code"], 1);
    assert_eq!(result(dir.path())["verdict"], "fail");

    // 2: a config error; nothing judged, no result left behind.
    let dir = TempDir::new().unwrap();
    rich_project(dir.path(), false);
    std::fs::write(dir.path().join("r.json"), "{\"verdict\": \"pass\"}").unwrap();
    let cfg = dir.path().join("modelgate.yaml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("max: 0.9", "max: 0.9, evidence: sometimes"),
    )
    .unwrap();
    let out = check(dir.path(), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("modelgate.yaml"), "names the file: {err}");
    assert!(
        !dir.path().join("r.json").exists(),
        "a stale result must not survive an exit 2"
    );

    // 3: `--strict-publish` and the comment could not be posted (no GitHub context here);
    // the result files are still written first, with the verdict's own code.
    let dir = TempDir::new().unwrap();
    rich_project(dir.path(), false);
    let out = check(dir.path(), &["--publish", "github", "--strict-publish"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("--strict-publish"), "{err}");
    assert_eq!(result(dir.path())["exit_code"], 0);
}

/// Every key of `value` is allowed by `schema` (closed objects, `properties`,
/// `additionalProperties` schemas, `items`, `oneOf`), walked without a validator crate so
/// that this half of the check runs everywhere.
pub(crate) fn keys_allowed(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        for s in options {
            keys_allowed(s, value, at, problems);
        }
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                match (
                    props.and_then(|p| p.get(k)),
                    schema.get("additionalProperties"),
                ) {
                    (Some(s), _) => keys_allowed(s, v, &format!("{at}.{k}"), problems),
                    (None, Some(Value::Bool(false))) => {
                        problems.push(format!("{at}.{k} is not in docs/result.schema.json"))
                    }
                    (None, Some(s)) => keys_allowed(s, v, &format!("{at}.{k}"), problems),
                    (None, None) => {}
                }
            }
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for k in req.iter().filter_map(Value::as_str) {
                    if !map.contains_key(k) {
                        problems.push(format!("{at}.{k} is required but missing"));
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    keys_allowed(s, v, &format!("{at}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn json_results_follow_the_published_schema() {
    let schema_path = repo("docs/result.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let mut results = Vec::new();
    for nothing in [false, true] {
        let dir = TempDir::new().unwrap();
        rich_project(dir.path(), nothing);
        check(dir.path(), &[]);
        let r = result(dir.path());
        results.push((dir, r));
    }
    // A regression result (the ETA example): its `task` key and regression gates.
    let dir = TempDir::new().unwrap();
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config"])
        .arg(repo("examples/eta/modelgate.yaml"))
        .args(["--json", "r.json"])
        .output()
        .expect("run modelgate");
    let r = result(dir.path());
    assert_eq!(r["task"], "regression");
    results.push((dir, r));
    // A multiclass result (the intent example, with `by_class` slices).
    let dir = TempDir::new().unwrap();
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config"])
        .arg(repo("examples/intent/modelgate.yaml"))
        .args(["--json", "r.json"])
        .output()
        .expect("run modelgate");
    let r = result(dir.path());
    assert_eq!(r["task"], "multiclass");
    results.push((dir, r));
    // A ranking result (the golden ranking inputs, sliced by device).
    let dir = TempDir::new().unwrap();
    let golden = repo("tests/golden/ranking_e2e");
    let cfg = format!(
        "version: 1\nname: search\ntask: ranking\ncandidate: {}\nbaseline: {}\ncolumns: {{label: relevance, score: score, group: query, id: id}}\nbootstrap: {{replicates: 100}}\ngates:\n  - {{metric: \"ndcg(5)\", max_regression: 0.01, evidence: significant, by: device}}\n  - {{metric: mrr, min: 0.5}}\n",
        golden.join("candidate.csv").display(),
        golden.join("baseline.csv").display()
    );
    std::fs::write(dir.path().join("modelgate.yaml"), cfg).unwrap();
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json", "r.json"])
        .output()
        .expect("run modelgate");
    let r = result(dir.path());
    assert_eq!(r["task"], "ranking");
    results.push((dir, r));
    // The results exercise what the schema describes (a test that cannot fail is a defect).
    let all: Vec<&Value> = results.iter().map(|(_, r)| r).collect();
    let gates = || {
        all.iter()
            .flat_map(|r| r["gates"].as_array().unwrap().iter())
    };
    for status in ["pass", "fail", "waived"] {
        assert!(gates().any(|g| g["status"] == status), "no {status} gate");
    }
    assert!(gates().any(|g| g.get("mcnemar_positives").is_some()));
    assert!(gates().any(|g| !g["p_adjusted"].is_null()));
    assert!(
        all.iter()
            .any(|r| !r["not_judged"].as_array().unwrap().is_empty())
    );

    let mut problems = Vec::new();
    for r in &all {
        keys_allowed(&schema, r, "$", &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // The closed-key walk above always runs; the full validation needs Python's jsonschema.
    let Some(python) = python_with(
        "contract::json_results_follow_the_published_schema (full validation)",
        &["jsonschema"],
    ) else {
        return;
    };
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(s)\n\
        v=jsonschema.Draft202012Validator(s)\n\
        bad=[(f, e.json_path, e.message[:300]) for f in sys.argv[2:] for e in v.iter_errors(json.load(open(f)))]\n\
        print(bad)\n\
        sys.exit(1 if bad else 0)\n";
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&schema_path)
        .args(results.iter().map(|(d, _)| d.path().join("r.json")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_schema_walk_catches_an_undocumented_key() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("docs/result.schema.json")).unwrap())
            .unwrap();
    let forged = serde_json::json!({"schema": "modelgate/result/v1", "surprise": 1,
        "gates": [{"id": "x", "extra": true}]});
    let mut problems = Vec::new();
    keys_allowed(&schema, &forged, "$", &mut problems);
    assert!(
        problems
            .iter()
            .any(|p| p == "$.surprise is not in docs/result.schema.json")
    );
    assert!(
        problems
            .iter()
            .any(|p| p == "$.gates[0].extra is not in docs/result.schema.json")
    );
}
