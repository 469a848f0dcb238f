//! Snapshots of what reviewers and pipelines read: the Markdown report and the JSON result.

use crate::common;

use common::{modelgate, rows, write_config, write_pair};

/// A run with every kind of outcome: pass, blocking fail, warn, skipped slice.
fn run_fixture() -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows(1200, 0.12, 0.4, 42);
    // A small slice that min_slice skips.
    for row in r.iter_mut().take(40) {
        row.country = "LU".into();
    }
    write_pair(dir.path(), &r);
    let gates = concat!(
        "  - metric: pr_auc\n    min: 0.75\n",
        "  - metric: roc_auc\n    max_regression: 0.01\n    evidence: confident\n",
        "  - metric: log_loss\n    max_regression: 0.001\n    severity: warn\n",
        "  - metric: roc_auc\n    max_regression: 0.02\n    evidence: significant\n    by: country\n",
        "  - metric: accuracy\n    max_regression: 0.0\n    evidence: significant\n    test: mcnemar\n",
    );
    write_config(dir.path(), "threshold: 0.3\n", gates);
    let out = modelgate()
        .current_dir(dir.path())
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--json",
            "r.json",
            "--junit",
            "j.xml",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    let json = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    let junit = std::fs::read_to_string(dir.path().join("j.xml")).unwrap();
    (md, json, junit)
}

#[test]
fn report_json_and_junit_snapshots() {
    let (md, json, junit) = run_fixture();
    // The version moves with releases; everything else is pinned.
    let version = env!("CARGO_PKG_VERSION");
    let md = md.replace(version, "[version]");
    let json = json.replace(
        &format!("\"version\": \"{version}\""),
        "\"version\": \"[version]\"",
    );
    insta::assert_snapshot!("report_markdown", md);
    insta::assert_snapshot!("result_json", json);
    insta::assert_snapshot!("junit_xml", junit);
}
