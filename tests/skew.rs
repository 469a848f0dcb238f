//! Training–serving skew (`skew:`): offline and online feature files keyed by id, gated per
//! feature (`by: feature`) on `skew_mismatch_rate`, `skew_max_abs_diff` and
//! `skew_missing_rate`; the JSON, Markdown and HTML list the worst features with example
//! ids; bad inputs are exit 2 naming file, column and ids.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::common::{self, modelgate};

/// Offline ids r0..r199; online r0..r194 plus `x1` and a hostile id. `amount` differs by
/// 0.5 online on every tenth id (else by 0.001, inside a 0.01 tolerance), `country` is
/// lower-cased online on every 25th id (r0 carries a hostile value), `merchant` agrees.
fn write_features(dir: &Path) {
    let mut off = String::from("id,amount,country,merchant\n");
    let mut on = String::new();
    let countries = ["DE", "FR", "MX"];
    for i in 0..200u32 {
        let amount = f64::from(i) * 1.5;
        let country = countries[i as usize % 3];
        let merchant = ["grocery", "travel"][i as usize % 2];
        let _ = writeln!(off, "r{i},{amount},{country},{merchant}");
        if i < 195 {
            let online_amount = if i % 10 == 0 {
                amount + 0.5
            } else {
                amount + 0.001
            };
            let online_country = if i == 0 {
                "<script>alert(1)</script>|**x**".to_string()
            } else if i % 25 == 0 {
                country.to_lowercase()
            } else {
                country.to_string()
            };
            let _ = writeln!(
                on,
                "{}",
                serde_json::json!({"id": format!("r{i}"), "amount": online_amount, "country": online_country, "merchant": merchant})
            );
        }
    }
    for id in ["x1", "<img src=x onerror=alert(2)>"] {
        let _ = writeln!(
            on,
            "{}",
            serde_json::json!({"id": id, "amount": 1.0, "country": "DE", "merchant": "grocery"})
        );
    }
    std::fs::write(dir.join("offline.csv"), off).unwrap();
    std::fs::write(dir.join("online.ndjson"), on).unwrap();
}

const SKEW: &str = "skew:\n  offline: offline.csv\n  online: online.ndjson\n  features:\n    - {name: amount, tolerance: 0.01}\n    - country\n    - merchant\n";

fn setup(skew: &str, gates: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    common::write_pair(dir.path(), &common::rows(400, 0.3, 0.8, 3));
    write_features(dir.path());
    let cfg = common::write_config(dir.path(), skew, gates);
    (dir, cfg)
}

fn check(dir: &Path, cfg: &Path, extra: &[&str]) -> (Option<i32>, String, Json) {
    let json = dir.join("result.json");
    let _ = std::fs::remove_file(&json);
    let out = modelgate()
        .arg("check")
        .arg("--config")
        .arg(cfg)
        .args(["--publish", "none", "--json"])
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let doc = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Json::Null);
    (out.status.code(), stderr, doc)
}

const GATES: &str = "  - metric: roc_auc\n    min: 0.5\n  - metric: skew_mismatch_rate\n    by: feature\n    max: 0.05\n  - metric: skew_missing_rate\n    by: feature\n    max: 0.05\n  - metric: skew_max_abs_diff\n    by: feature\n    max: 1\n";

#[test]
fn skew_gates_judge_each_feature_and_report_the_worst_with_example_ids() {
    let (dir, cfg) = setup(SKEW, GATES);
    let md = dir.path().join("report.md");
    let html = dir.path().join("report.html");
    let (code, stderr, doc) = check(
        dir.path(),
        &cfg,
        &[
            "--markdown",
            &md.display().to_string(),
            "--html",
            &html.display().to_string(),
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");

    // Every key is one docs/result.schema.json documents (closed objects).
    let schema: Json = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/result.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut problems = Vec::new();
    crate::contract::keys_allowed(&schema, &doc, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");

    // Inputs: both files, hashed and counted.
    assert_eq!(doc["inputs"]["skew_offline"]["rows"], 200);
    assert_eq!(doc["inputs"]["skew_online"]["rows"], 197);
    assert_eq!(
        doc["inputs"]["skew_online"]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    // Per feature, exact counts over the 202 ids of either file.
    let f = &doc["skew"]["features"];
    assert_eq!(doc["skew"]["id"], "id");
    assert_eq!(f[0]["feature"], "amount");
    assert_eq!(f[0]["kind"], "numeric");
    assert_eq!(f[0]["tolerance"], 0.01);
    assert_eq!(f[0]["ids"], 202);
    assert_eq!(f[0]["compared"], 195);
    assert_eq!(f[0]["mismatched"], 20);
    assert_eq!(f[0]["missing_online"], 5);
    assert_eq!(f[0]["missing_offline"], 2);
    let rate = f[0]["skew_mismatch_rate"].as_f64().unwrap();
    assert!((rate - 20.0 / 195.0).abs() < 1e-12, "{rate}");
    let missing = f[0]["skew_missing_rate"].as_f64().unwrap();
    assert!((missing - 7.0 / 202.0).abs() < 1e-12, "{missing}");
    let diff = f[0]["skew_max_abs_diff"].as_f64().unwrap();
    assert!((diff - 0.5).abs() < 1e-9, "{diff}");
    let ids: Vec<&str> = f[0]["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["r0", "r10", "r20", "r30", "r40"]);
    assert_eq!(f[1]["kind"], "categorical");
    assert_eq!(f[1]["mismatched"], 8);
    assert_eq!(f[1]["skew_max_abs_diff"], Json::Null);
    assert_eq!(f[2]["mismatched"], 0);
    // Ids in one file only are the missing share, shown as examples (not dropped).
    let merchant_ids: Vec<&str> = f[2]["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(merchant_ids, ["r195", "r196", "r197", "r198", "r199"]);
    assert_eq!(f[2]["examples"][0]["online"], Json::Null);

    // Gates: one slice per feature; amount fails the mismatch gate, categorical
    // max_abs_diff is skipped as undefined, the missing share passes.
    let gate = |id: &str, feature: &str| -> Json {
        doc["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == id && g["slice"]["feature"] == feature)
            .cloned()
            .unwrap_or_else(|| panic!("no gate {id} on {feature}: {}", doc["gates"]))
    };
    assert_eq!(
        gate("skew_mismatch_rate-max-by-feature", "amount")["status"],
        "fail"
    );
    assert_eq!(
        gate("skew_mismatch_rate-max-by-feature", "country")["status"],
        "pass"
    );
    assert_eq!(
        gate("skew_missing_rate-max-by-feature", "merchant")["status"],
        "pass"
    );
    assert_eq!(
        gate("skew_max_abs_diff-max-by-feature", "amount")["status"],
        "pass"
    );
    assert_eq!(
        gate("skew_max_abs_diff-max-by-feature", "country")["status"],
        "skip"
    );

    // Markdown: the worst feature first, example ids, hostile values escaped.
    let md = std::fs::read_to_string(md).unwrap();
    let section = &md[md.find("Training–serving skew").expect("skew section")..];
    let amount = section.find("| amount |").expect("amount row");
    let country = section.find("| country |").expect("country row");
    assert!(amount < country, "{section}");
    assert!(section.contains("r10: 15 → 15.5"), "{section}");
    assert!(
        !md.contains("<script"),
        "raw HTML from data in the Markdown"
    );
    assert!(!md.contains("<img"), "raw HTML from data in the Markdown");
    assert!(section.contains("&lt;script&gt;"), "{section}");

    // HTML: the table with the same rows, escaped.
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.contains("id=\"skew\""));
    assert!(html.contains("3 of 3 feature(s) disagree"), "{html:.200}");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
}

#[test]
fn skew_gates_pass_within_their_limits_and_validate_reads_the_files() {
    let gates = "  - metric: skew_mismatch_rate\n    by: feature\n    max: 0.2\n";
    let (dir, cfg) = setup(SKEW, gates);
    let (code, stderr, _) = check(dir.path(), &cfg, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let out = modelgate()
        .args(["validate", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("skew: 3 feature(s) over 202 id(s) (200 offline rows, 197 online rows)"),
        "{text}"
    );
}

/// Bad skew inputs and configs: exit 2, the message names file, column and ids.
#[test]
fn bad_skew_inputs_are_exit_2_naming_file_column_and_ids() {
    let gates = "  - metric: skew_mismatch_rate\n    by: feature\n    max: 0.2\n";
    let run = |skew: &str, gates: &str, edit: &dyn Fn(&Path)| -> (Option<i32>, String) {
        let (dir, cfg) = setup(skew, gates);
        edit(dir.path());
        let (code, stderr, _) = check(dir.path(), &cfg, &[]);
        (code, stderr)
    };
    let append = |line: &'static str| {
        move |d: &Path| {
            let p = d.join("online.ndjson");
            let mut t = std::fs::read_to_string(&p).unwrap();
            t.push_str(line);
            std::fs::write(p, t).unwrap();
        }
    };

    // A repeated id online.
    let (code, err) = run(
        SKEW,
        gates,
        &append(
            "{\"id\": \"r3\", \"amount\": 4.5, \"country\": \"DE\", \"merchant\": \"travel\"}\n",
        ),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("online.ndjson") && err.contains("`id`"),
        "{err}"
    );
    assert!(
        err.contains("\"r3\"") && err.contains("more than once"),
        "{err}"
    );

    // A feature missing from the online file.
    let (code, err) = run(
        &SKEW.replace("    - merchant\n", "    - merchant\n    - device\n"),
        gates,
        &|_| {},
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("offline.csv") && err.contains("device"),
        "{err}"
    );

    // Text online where the offline file has numbers.
    let (code, err) = run(
        SKEW,
        gates,
        &append(
            "{\"id\": \"x9\", \"amount\": \"12,5\", \"country\": \"DE\", \"merchant\": \"travel\"}\n",
        ),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("online.ndjson") && err.contains("`amount`") && err.contains("offline.csv"),
        "{err}"
    );

    // A tolerance on a text feature.
    let (code, err) = run(
        &SKEW.replace("    - country\n", "    - {name: country, tolerance: 1}\n"),
        gates,
        &|_| {},
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`country`") && err.contains("tolerance"),
        "{err}"
    );

    // Integer ids offline, text ids online.
    let (code, err) = run(SKEW, gates, &|d: &Path| {
        std::fs::write(
            d.join("offline.csv"),
            "id,amount,country,merchant\n1,1.0,DE,grocery\n",
        )
        .unwrap();
    });
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("online.ndjson") && err.contains("one type"),
        "{err}"
    );

    // Config: a skew gate without `by: feature`, a skew metric without `skew:`, a bad
    // tolerance, an empty feature list.
    for (skew, gates, needle) in [
        (
            SKEW,
            "  - metric: skew_mismatch_rate\n    max: 0.1\n",
            "by: feature",
        ),
        (
            "",
            "  - metric: skew_missing_rate\n    by: feature\n    max: 0.1\n",
            "no `skew:` block",
        ),
        (
            &*SKEW.replace("tolerance: 0.01", "tolerance: -1"),
            gates,
            "finite number >= 0",
        ),
        (
            "skew:\n  offline: offline.csv\n  online: online.ndjson\n  features: []\n",
            gates,
            "`skew.features` is empty",
        ),
        (
            SKEW,
            "  - metric: skew_mismatch_rate\n    by: feature\n    max_regression: 0.1\n",
            "use `max:`",
        ),
    ] {
        let (code, err) = run(skew, gates, &|_| {});
        assert_eq!(code, Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }

    // `modelgate metrics` reads predictions only.
    let dir = tempfile::tempdir().unwrap();
    let (cand, _) = common::write_pair(dir.path(), &common::rows(100, 0.3, 0.8, 3));
    let out = modelgate()
        .arg("metrics")
        .arg(&cand)
        .args(["--metric", "skew_mismatch_rate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `modelgate sql` groups by the predictions' slice columns only: a skew gate's
/// `by: feature` is no column of the prediction tables.
#[test]
fn sql_leaves_the_skew_slicing_out() {
    let gates = "  - metric: roc_auc\n    min: 0.5\n    by: country\n  - metric: skew_mismatch_rate\n    by: feature\n    max: 0.2\n";
    let (_dir, cfg) = setup(SKEW, gates);
    let out = modelgate()
        .args([
            "sql",
            "--dialect",
            "duckdb",
            "--candidate-table",
            "c",
            "--baseline-table",
            "b",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    let sql = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sql.contains("\"country\""), "{sql}");
    assert!(!sql.contains("\"feature\""), "{sql}");
}
