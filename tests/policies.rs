//! Shared gate policies (issue 11): the presets in `gates/`, shipped inside the binary as
//! `modelgate:<name>`, tested on the fraud example; `extends` with local overrides by id,
//! where each gate came from (JSON `gate_sources`, the comment's run details), and
//! `validate --print-merged`.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::modelgate;

fn example_config(dir: &Path, extends: &str, gates: &str) -> std::path::PathBuf {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fraud/data");
    let text = format!(
        "version: 1\nname: fraud-policy\ncandidate: {}\nbaseline: {}\ncolumns: {{label: is_fraud, score: score, id: txn_id}}\nthreshold: 0.2\nseed: 7\nextends: {extends}\n{gates}",
        data.join("candidate.parquet").display(),
        data.join("baseline.parquet").display(),
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn check(config: &Path) -> (Option<i32>, Value, String, String) {
    let dir = config.parent().unwrap();
    let out = modelgate()
        .current_dir(dir)
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--json",
            "r.json",
            "--markdown",
            "r.md",
        ])
        .output()
        .unwrap();
    let json = std::fs::read_to_string(dir.join("r.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (
        out.status.code(),
        json,
        std::fs::read_to_string(dir.join("r.md")).unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn statuses(json: &Value) -> Vec<(String, String)> {
    json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_string(),
                g["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every file in `gates/` is a built-in policy, and each is judged on the example.
#[test]
fn presets_are_built_in_and_judge_the_fraud_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("gates");
    let mut files: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".yaml").map(str::to_string))
        .collect();
    files.sort();
    assert_eq!(files, ["balanced-binary", "imbalanced-binary"]);

    let dir = TempDir::new().unwrap();
    // The imbalanced policy passes the better fraud model: PR metrics proven, calibrated.
    let config = example_config(dir.path(), "[modelgate:imbalanced-binary]", "");
    let (code, json, md, stderr) = check(&config);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        statuses(&json),
        [
            ("pr_auc-max_regression", "pass"),
            ("recall_at_precision(0.8)-max_regression", "pass"),
            ("ece(10)-max", "pass"),
            ("roc_auc-max_regression", "pass"),
            ("brier-max_regression", "pass"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert!(
        json["gate_sources"]
            .as_object()
            .unwrap()
            .values()
            .all(|s| s == "modelgate:imbalanced-binary")
    );
    assert!(
        md.contains("| Gates from | modelgate:imbalanced-binary: "),
        "{md}"
    );

    // The balanced policy blocks it on accuracy (McNemar): the reason the presets differ.
    let config = example_config(dir.path(), "[modelgate:balanced-binary]", "");
    let (code, json, _, stderr) = check(&config);
    assert_eq!(code, Some(1), "{stderr}");
    let st = statuses(&json);
    assert!(
        st.contains(&("accuracy-max_regression".into(), "fail".into())),
        "{st:?}"
    );
    assert!(
        st.contains(&("roc_auc-max_regression".into(), "pass".into())),
        "{st:?}"
    );
}

/// Local gates override policy gates with the same id (in place); a policy by path.
#[test]
fn local_gates_override_by_id_and_sources_are_listed() {
    let dir = TempDir::new().unwrap();
    let policy_dir = dir.path().join("policy");
    std::fs::create_dir_all(&policy_dir).unwrap();
    std::fs::write(
        policy_dir.join("org.yaml"),
        "version: 1\ngates:\n  - metric: roc_auc\n    min: 0.99\n  - metric: log_loss\n    max_regression: 0.002\n",
    )
    .unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    // roc_auc-min 0.99 would block; the local gate of the same id lowers it.
    let config = example_config(
        &project,
        "[modelgate:imbalanced-binary, ../policy/org.yaml]",
        "gates:\n  - metric: roc_auc\n    min: 0.8\n",
    );
    let (code, json, _, stderr) = check(&config);
    assert_eq!(code, Some(0), "{stderr}");
    let src = json["gate_sources"].as_object().unwrap();
    assert_eq!(src["roc_auc-min"], "local");
    assert_eq!(src["log_loss-max_regression"], "../policy/org.yaml");
    assert_eq!(src["pr_auc-max_regression"], "modelgate:imbalanced-binary");
    let ids: Vec<String> = statuses(&json).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids.iter().filter(|i| *i == "roc_auc-min").count(), 1);

    let out = modelgate()
        .args(["validate", "--config-only", "--print-merged", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let merged = String::from_utf8_lossy(&out.stdout);
    assert!(
        merged.contains("- id: \"roc_auc-min\"   # from local"),
        "{merged}"
    );
    assert!(merged.contains("    min: 0.8\n"), "{merged}");
    assert!(merged.contains("# from ../policy/org.yaml"), "{merged}");
    let parsed: Value = serde_saphyr::from_str(&merged).expect("the merged config is YAML");
    assert_eq!(parsed["gates"].as_array().unwrap().len(), 7);
}

/// A broken policy names its own file and line; unknown built-ins list the real ones.
#[test]
fn policy_errors_name_the_policy() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "version: 1\ngates:\n  - metric: roc_acu\n    min: 0.5\n",
    )
    .unwrap();
    for (extends, needles) in [
        ("[bad.yaml]", vec!["bad.yaml", "roc_acu"]),
        (
            "[modelgate:nope]",
            vec!["modelgate:imbalanced-binary", "modelgate:balanced-binary"],
        ),
        ("[missing.yaml]", vec!["missing.yaml"]),
    ] {
        let config = example_config(dir.path(), extends, "");
        let (code, json, _, stderr) = check(&config);
        assert_eq!(code, Some(2), "{extends}: {stderr}");
        assert!(json.is_null());
        for n in needles {
            assert!(stderr.contains(n), "{extends}: {n}: {stderr}");
        }
    }
    // A policy may not carry other keys (no nested extends).
    std::fs::write(
        dir.path().join("nested.yaml"),
        "version: 1\nextends: [x.yaml]\ngates: []\n",
    )
    .unwrap();
    let config = example_config(dir.path(), "[nested.yaml]", "");
    assert_eq!(check(&config).0, Some(2));
}

/// `--config-from REF` reads the policies a config extends at REF too: a pull request that
/// loosens `policy/org.yaml` in its checkout is still judged by the committed policy, and
/// the JSON names the hash of the policy text that decided.
#[test]
fn config_from_reads_extended_policies_at_the_ref_and_hashes_them() {
    use sha2::{Digest, Sha256};
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("policy")).unwrap();
    let strict = "version: 1\ngates:\n  - {metric: pr_auc, min: 0.9}\n";
    std::fs::write(dir.path().join("policy/org.yaml"), strict).unwrap();
    example_config(dir.path(), "[policy/org.yaml]", "");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !git(&["init", "-q", "-b", "main", "."]) {
        eprintln!("SKIPPED config_from_reads_extended_policies_at_the_ref: needs git");
        return;
    }
    assert!(git(&["add", "."]) && git(&["commit", "-q", "-m", "gates"]));
    // The pull request loosens the policy in its working tree.
    std::fs::write(
        dir.path().join("policy/org.yaml"),
        strict.replace("min: 0.9", "min: 0.01"),
    )
    .unwrap();
    let (code, _, _, err) = check(&dir.path().join("modelgate.yaml"));
    assert_eq!(code, Some(0), "the loosened working tree passes: {err}");

    let out = modelgate()
        .current_dir(dir.path())
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--config-from",
            "main",
        ])
        .args(["--json", "r.json", "--markdown", "r.md"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the committed policy blocks: {err}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let policies = &json["config"]["policies"];
    assert_eq!(policies[0]["source"], "policy/org.yaml", "{policies}");
    assert_eq!(
        policies[0]["sha256"],
        format!("{:x}", Sha256::digest(strict.as_bytes())),
        "the hash is of the committed policy"
    );

    // A policy that is not committed at the ref is refused, never read from the checkout.
    example_config(dir.path(), "[policy/new.yaml]", "");
    assert!(git(&["commit", "-q", "-m", "extend new", "modelgate.yaml"]));
    std::fs::write(dir.path().join("policy/new.yaml"), strict).unwrap();
    let out = modelgate()
        .current_dir(dir.path())
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--config-from",
            "main",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must be committed at the ref"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
