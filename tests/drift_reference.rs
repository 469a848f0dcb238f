//! Gates against a reference sample (`reference:` + `against: reference`): a model's scores
//! and feature columns (numeric and categorical) of the evaluation rows, overall and per
//! slice; bad inputs are exit 2 naming file, column and rows.

use std::fmt::Write as _;
use std::path::Path;

use crate::common;

use common::{Rng, modelgate};
use modelgate::metrics::distribution;
use serde_json::Value as Json;

/// Evaluation rows (both models) and a reference sample; `amount` drifts by `shift` in the
/// evaluation rows, `merchant` does not.
fn write_inputs(dir: &Path, shift: f64, missing_amount_at: Option<usize>) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(5);
    let header = "id,label,score,country,amount,merchant\n";
    let (mut c, mut b, mut r) = (
        header.to_string(),
        header.to_string(),
        String::from("score,country,amount,merchant\n"),
    );
    let (mut eval_amount, mut ref_amount) = (Vec::new(), Vec::new());
    let merchants = ["grocery", "travel", "online", "fuel"];
    for i in 0..2000 {
        let y = u8::from(rng.uniform() < 0.2);
        let s = ((rng.uniform() + 0.4 * f64::from(y)) / 1.4 * 1e6).round() / 1e6;
        let t = ((rng.uniform() + 0.3 * f64::from(y)) / 1.3 * 1e6).round() / 1e6;
        let country = ["DE", "FR"][i % 2];
        let amount = ((rng.uniform() * 100.0 + shift) * 100.0).round() / 100.0;
        let merchant = merchants[i % 4];
        let shown = if missing_amount_at == Some(i) {
            String::new()
        } else {
            amount.to_string()
        };
        eval_amount.push(amount);
        let _ = writeln!(c, "r{i},{y},{s},{country},{shown},{merchant}");
        let _ = writeln!(b, "r{i},{y},{t},{country},{shown},{merchant}");
        let rs = ((rng.uniform() + 0.05) / 1.1 * 1e6).round() / 1e6;
        let ra = ((rng.uniform() * 100.0) * 100.0).round() / 100.0;
        ref_amount.push(ra);
        let _ = writeln!(r, "{rs},{country},{ra},{}", merchants[(i / 3) % 4]);
    }
    std::fs::write(dir.join("candidate.csv"), c).unwrap();
    std::fs::write(dir.join("baseline.csv"), b).unwrap();
    std::fs::write(dir.join("reference.csv"), r).unwrap();
    (eval_amount, ref_amount)
}

fn config(dir: &Path, gates: &str) -> std::path::PathBuf {
    let text = format!(
        "version: 1\nname: drift\ncandidate: candidate.csv\nbaseline: baseline.csv\nreference: reference.csv\ncolumns: {{label: label, score: score, id: id}}\nmin_slice: {{rows: 50, positives: 5, negatives: 5}}\nbootstrap: {{replicates: 200}}\ngates:\n{gates}"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn scores_and_features_are_gated_against_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (eval_amount, ref_amount) = write_inputs(dir.path(), 30.0, None);
    let cfg = config(
        dir.path(),
        "  - metric: psi\n    against: reference\n    max: 5\n  - metric: ks\n    against: reference\n    model: baseline\n    max: 1\n  - metric: psi(10)\n    against: reference\n    feature: amount\n    max: 0.1\n  - metric: js_divergence\n    against: reference\n    feature: merchant\n    max: 0.05\n  - metric: wasserstein\n    against: reference\n    feature: amount\n    max: 100\n    by: country\n",
    );
    let out = dir.path().join("r.json");
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .arg("--html")
        .arg(dir.path().join("report.html"))
        .assert()
        .code(1);
    let j: Json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let schema: Json = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/result.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut problems = Vec::new();
    crate::contract::keys_allowed(&schema, &j, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    // The reference file is an input of the run: path, hash and rows.
    assert_eq!(j["inputs"]["reference"]["rows"], 2000);
    assert_eq!(
        j["inputs"]["reference"]["sha256"].as_str().unwrap().len(),
        64
    );
    // Its score distribution is drawn beside both models'.
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("data-series=\"reference\""),
        "no reference histogram"
    );
    assert!(html.contains("<td>Reference</td>"));
    let gate = |id: &str| -> Vec<Json> {
        j["gates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["id"] == id)
            .cloned()
            .collect()
    };
    assert_eq!(gate("psi(10)-max-vs-reference")[0]["status"], "pass");
    assert_eq!(gate("ks-max-baseline-vs-reference")[0]["status"], "pass");
    // The drifted feature fails, with the value the library gives on the same numbers.
    let amount = &gate("psi(10)-max-amount-vs-reference")[0];
    assert_eq!(amount["status"], "fail", "{amount}");
    let (mut a, mut r) = (eval_amount.clone(), ref_amount.clone());
    a.sort_by(f64::total_cmp);
    r.sort_by(f64::total_cmp);
    let want = distribution::psi(&a, &r, 10).unwrap();
    assert!(
        (amount["candidate"].as_f64().unwrap() - want).abs() < 1e-12,
        "{amount} vs {want}"
    );
    assert!(amount["baseline"].is_null() && amount["delta"].is_null());
    // Categorical: shares over the merchants (the same four, equal shares on both sides).
    let merchant = &gate("js_divergence(10)-max-merchant-vs-reference")[0];
    assert_eq!(merchant["status"], "pass", "{merchant}");
    assert!(merchant["candidate"].as_f64().unwrap() < 1e-3, "{merchant}");
    // Per slice, against the reference's rows of the same slice.
    let by = gate("wasserstein-max-amount-vs-reference-by-country");
    assert_eq!(by.len(), 2);
    for g in &by {
        let w = g["candidate"].as_f64().unwrap();
        assert!((20.0..40.0).contains(&w), "a 30-unit shift: {g}");
    }
}

#[test]
fn bad_reference_inputs_are_exit_2_naming_file_column_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path(), 0.0, Some(6));
    // ks on a text column.
    let cfg = config(
        dir.path(),
        "  - metric: ks\n    against: reference\n    feature: merchant\n    max: 0.1\n",
    );
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("merchant"))
        .stderr(predicates::str::contains("use psi or js_divergence"));
    // wasserstein on a numeric column with a missing value: names the row.
    let cfg = config(
        dir.path(),
        "  - metric: wasserstein\n    against: reference\n    feature: amount\n    max: 1\n",
    );
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("candidate.csv"))
        .stderr(predicates::str::contains("row(s) 7"));
    // psi counts the missing value as a bin of its own: judged.
    let cfg = config(
        dir.path(),
        "  - metric: psi\n    against: reference\n    feature: amount\n    max: 1\n",
    );
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(0);
    // A feature the reference lacks.
    let cfg = config(
        dir.path(),
        "  - metric: psi\n    against: reference\n    feature: channel\n    max: 1\n",
    );
    modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("channel"));
    // against: reference without a reference.
    std::fs::write(
        dir.path().join("noref.yaml"),
        "version: 1\nname: t\ncandidate: candidate.csv\ngates:\n  - metric: psi\n    against: reference\n    max: 1\n",
    )
    .unwrap();
    modelgate()
        .args(["check", "--config"])
        .arg(dir.path().join("noref.yaml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("noref.yaml:5"))
        .stderr(predicates::str::contains("no reference sample"));
}
