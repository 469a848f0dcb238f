//! Waivers (issue 11): an accepted regression with an owner and an expiry is reported as
//! `waived` and does not block; an expired one refuses the run; one that matches nothing is
//! a warning. JSON, JUnit, Markdown and the stderr summary all show it.

use tempfile::TempDir;

use crate::common::{modelgate, rows, write_config, write_pair};

/// A blocking gate that fails overall and a sliced gate that fails on every country.
const GATES: &str = "  - metric: roc_auc\n    min_improvement: 0.5\n  - metric: roc_auc\n    min_improvement: 0.5\n    by: country\n    id: per-country\n";

fn project(dir: &std::path::Path, waivers: &str) -> std::path::PathBuf {
    write_pair(dir, &rows(2_000, 0.3, 0.8, 11));
    write_config(dir, waivers, GATES)
}

fn run(dir: &TempDir) -> (Option<i32>, String, serde_json::Value, String, String) {
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
            "--markdown",
            "r.md",
        ])
        .output()
        .unwrap();
    let json = std::fs::read_to_string(dir.path().join("r.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        json,
        read("j.xml"),
        read("r.md"),
    )
}

#[test]
fn waived_failures_do_not_block_and_are_shown_everywhere() {
    let dir = TempDir::new().unwrap();
    project(
        dir.path(),
        concat!(
            "waivers:\n",
            "  - gate: roc_auc-min_improvement\n    owner: \"@fraud-team\"\n    reason: retrain scheduled\n    expires: 2099-12-31\n",
            "  - gate: per-country\n    slice: {country: DE}\n    owner: \"@de-team\"\n    reason: DE data late\n    expires: 2099-01-31\n",
        ),
    );
    let (code, stderr, json, junit, md) = run(&dir);
    // The other countries still fail and block: a waiver is per slice.
    assert_eq!(code, Some(1), "{stderr}");
    let gates = json["gates"].as_array().unwrap();
    let overall = gates
        .iter()
        .find(|g| g["id"] == "roc_auc-min_improvement")
        .unwrap();
    assert_eq!(overall["status"], "waived");
    assert_eq!(overall["waiver"]["owner"], "@fraud-team");
    assert_eq!(overall["waiver"]["reason"], "retrain scheduled");
    assert_eq!(overall["waiver"]["expires"], "2099-12-31");
    assert!(overall["waiver"]["days_left"].as_i64().unwrap() > 20_000);
    let by: Vec<(&str, &str)> = gates
        .iter()
        .filter(|g| g["id"] == "per-country")
        .map(|g| {
            (
                g["slice"]["country"].as_str().unwrap(),
                g["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        by.contains(&("DE", "waived")) && by.contains(&("FR", "fail")),
        "{by:?}"
    );
    assert!(
        junit.contains("waived by @fraud-team until 2099-12-31"),
        "{junit}"
    );
    assert!(md.contains("🔕 waived"), "{md}");
    // `@` is made inert in Markdown (no ping): the owner shows, the mention does not fire.
    assert!(md.contains("de-team until 2099-01-31"), "{md}");
    assert!(md.contains("Waived: 2 failing results"), "{md}");
    assert!(stderr.contains("2 waived"), "{stderr}");

    // Waive every country too: nothing blocks, the verdict says warn (never a plain pass).
    project(
        dir.path(),
        concat!(
            "waivers:\n",
            "  - gate: roc_auc-min_improvement\n    owner: \"@fraud-team\"\n    reason: retrain scheduled\n    expires: 2099-12-31\n",
            "  - gate: per-country\n    owner: \"@fraud-team\"\n    reason: all countries\n    expires: 2099-12-31\n",
        ),
    );
    let (code, stderr, json, _, md) = run(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json["verdict"], "warn");
    assert!(md.contains("Passed with waivers"), "{md}");
}

#[test]
fn an_expired_waiver_refuses_the_run_naming_it() {
    let dir = TempDir::new().unwrap();
    project(
        dir.path(),
        "waivers:\n  - gate: roc_auc-min_improvement\n    owner: \"@fraud-team\"\n    reason: retrain\n    expires: 2020-01-31\n",
    );
    let (code, stderr, json, _, _) = run(&dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(json.is_null(), "nothing judged, nothing written");
    assert!(stderr.contains("modelgate.yaml:"), "{stderr}");
    assert!(
        stderr.contains("roc_auc-min_improvement") && stderr.contains("expired on 2020-01-31"),
        "{stderr}"
    );
    assert!(stderr.contains("@fraud-team"), "{stderr}");
    // validate, also --config-only, refuses it too.
    for extra in [&[][..], &["--config-only"][..]] {
        let out = modelgate()
            .current_dir(dir.path())
            .args(["validate", "--config", "modelgate.yaml"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }
}

#[test]
fn a_waiver_that_matches_nothing_is_a_warning_and_bad_waivers_are_config_errors() {
    let dir = TempDir::new().unwrap();
    project(
        dir.path(),
        concat!(
            "waivers:\n",
            "  - gate: roc_auc-min_improvement\n    owner: \"@a\"\n    reason: r\n    expires: 2099-12-31\n",
            "  - gate: per-country\n    owner: \"@a\"\n    reason: r\n    expires: 2099-12-31\n",
            "  - gate: roc-auc-typo\n    owner: \"@a\"\n    reason: r\n    expires: 2099-12-31\n",
        ),
    );
    let (code, stderr, json, _, _) = run(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    let w = &json["warnings"][0];
    assert_eq!(w["kind"], "unmatched_waiver");
    assert!(
        w["message"].as_str().unwrap().contains("roc-auc-typo"),
        "{w}"
    );
    assert!(stderr.contains("roc-auc-typo"), "{stderr}");

    for (waiver, needle) in [
        (
            "  - gate: x\n    owner: \"\"\n    reason: r\n    expires: 2099-01-01\n",
            "`owner` is empty",
        ),
        (
            "  - gate: x\n    owner: a\n    reason: r\n    expires: 2099-02-30\n",
            "is not a date",
        ),
        ("  - gate: x\n    owner: a\n    reason: r\n", "expires"),
        (
            "  - gate: x\n    owner: a\n    reason: r\n    expires: 2099-01-01\n    until: 1\n",
            "until",
        ),
    ] {
        project(dir.path(), &format!("waivers:\n{waiver}"));
        let (code, stderr, _, _, _) = run(&dir);
        assert_eq!(code, Some(2), "{waiver}: {stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}
