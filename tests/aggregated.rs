//! Beyond one machine: a SQL GROUP BY turns billions of paired rows into a joint histogram
//! of (slice, label, candidate score, baseline score) with a count; modelgate reads it as two
//! files keyed by the histogram row with `weights: frequency`. Ranking metrics and DeLong on
//! the histogram must equal the same run on the rows it came from, and the bootstrap must
//! resample the rows the histogram stands for (README, "Scale").

use crate::common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use common::{modelgate, rows};
use serde_json::Value;

const GATES: &str = "bootstrap: {replicates: 2000}\ngates:\n  - metric: roc_auc\n    max_regression: 0.01\n  - metric: pr_auc\n    min: 0.1\n  - metric: roc_auc\n    max_regression: 0.05\n    by: country\n  - metric: pr_auc\n    max_regression: 0.05\n    evidence: confident\n";

fn run(dir: &std::path::Path, columns: &str) -> Value {
    let cfg = dir.join("modelgate.yaml");
    std::fs::write(
        &cfg,
        format!(
            "version: 1\nname: agg\ncandidate: candidate.csv\nbaseline: baseline.csv\ncolumns:\n{columns}weights: frequency\nmin_slice: {{rows: 1, positives: 1, negatives: 1}}\n{GATES}"
        ),
    )
    .unwrap();
    let out = dir.join("r.json");
    let status = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        matches!(status.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

#[test]
fn joint_histogram_gives_the_row_level_metrics_and_delong() {
    // Scores on a 0.1 grid, as `ROUND(score, 1)` in the SQL recipe.
    let mut r = rows(3000, 0.1, 0.3, 99);
    for row in &mut r {
        row.cand = (row.cand * 10.0).round() / 10.0;
        row.base = (row.base * 10.0).round() / 10.0;
    }
    // Row level.
    let rows_dir = tempfile::tempdir().unwrap();
    let (mut c, mut b) = (
        String::from("id,label,score,country\n"),
        String::from("id,label,score,country\n"),
    );
    for row in &r {
        let _ = writeln!(c, "{},{},{},{}", row.id, row.label, row.cand, row.country);
        let _ = writeln!(b, "{},{},{},{}", row.id, row.label, row.base, row.country);
    }
    std::fs::write(rows_dir.path().join("candidate.csv"), c).unwrap();
    std::fs::write(rows_dir.path().join("baseline.csv"), b).unwrap();
    let by_row = run(rows_dir.path(), "  id: id\n");

    // The GROUP BY: SELECT country, label, cand, base, COUNT(*) AS n ... GROUP BY 1, 2, 3, 4.
    let mut hist: BTreeMap<(String, u8, i64, i64), u64> = BTreeMap::new();
    for row in &r {
        let key = (
            row.country.clone(),
            row.label,
            (row.cand * 10.0).round() as i64,
            (row.base * 10.0).round() as i64,
        );
        *hist.entry(key).or_default() += 1;
    }
    assert!(
        hist.len() < r.len(),
        "the histogram must be smaller than the rows"
    );
    let agg_dir = tempfile::tempdir().unwrap();
    let (mut c, mut b) = (
        String::from("bin,label,score,n,country\n"),
        String::from("bin,label,score,n\n"),
    );
    for (i, ((country, label, cs, bs), n)) in hist.iter().enumerate() {
        let _ = writeln!(c, "{i},{label},{},{n},{country}", *cs as f64 / 10.0);
        let _ = writeln!(b, "{i},{label},{},{n}", *bs as f64 / 10.0);
    }
    std::fs::write(agg_dir.path().join("candidate.csv"), c).unwrap();
    std::fs::write(agg_dir.path().join("baseline.csv"), b).unwrap();
    let by_hist = run(agg_dir.path(), "  id: bin\n  weight: n\n");

    let gates = |v: &Value| v["gates"].as_array().unwrap().clone();
    let (gr, gh) = (gates(&by_row), gates(&by_hist));
    assert_eq!(gr.len(), gh.len());
    for (a, h) in gr.iter().zip(&gh) {
        assert_eq!(a["id"], h["id"]);
        assert_eq!(a["slice"], h["slice"]);
        assert_eq!(a["status"], h["status"]);
        for key in ["candidate", "baseline", "delta"] {
            let (x, y) = (a[key].as_f64().unwrap(), h[key].as_f64().unwrap());
            assert!(
                (x - y).abs() < 1e-12,
                "{} {key}: rows {x} vs histogram {y}",
                a["id"]
            );
        }
        if a["test"] == "delong" {
            // DeLong with frequency weights is exact: same p-value and interval.
            let (p, q) = (
                a["p_value"].as_f64().unwrap(),
                h["p_value"].as_f64().unwrap(),
            );
            assert!(
                (p - q).abs() <= 1e-9 * p.max(1e-300) + 1e-15,
                "{}: p {p} vs {q}",
                a["id"]
            );
            for k in 0..2 {
                let (x, y) = (a["ci"][k].as_f64().unwrap(), h["ci"][k].as_f64().unwrap());
                assert!((x - y).abs() < 1e-9, "{}: ci {x} vs {y}", a["id"]);
            }
        } else {
            // The bootstrap draws Poisson(n) per histogram row, the sum of its rows'
            // Poisson(1) counts: the same distribution, other draws. Interval widths agree
            // within Monte Carlo noise; resampling histogram rows as units would not.
            let width = |g: &Value| g["ci"][1].as_f64().unwrap() - g["ci"][0].as_f64().unwrap();
            let ratio = width(h) / width(a);
            assert!(
                (0.85..1.18).contains(&ratio),
                "{}: interval width ratio {ratio}",
                a["id"]
            );
        }
    }
}

/// Under `weights: frequency` every count is the rows the bins stand for: a slice of 750
/// rows in fewer than 500 bins passes `min_slice: {rows: 500}` as its rows do, and the
/// gates' `rows` / `positives` and the metric rows equal the row-level run's (issue 15: the
/// histogram run skipped 6 of 8 countries the row-level run judged).
#[test]
fn frequency_counts_decide_min_slice_like_the_rows() {
    // Scores on a 0.1 grid: each country's 750 rows fall into far fewer bins.
    let mut r = rows(3000, 0.2, 0.3, 5);
    for row in &mut r {
        row.cand = (row.cand * 10.0).round() / 10.0;
        row.base = (row.base * 10.0).round() / 10.0;
    }
    let mut hist: BTreeMap<(String, u8, i64, i64), u64> = BTreeMap::new();
    for row in &r {
        let key = (
            row.country.clone(),
            row.label,
            (row.cand * 10.0).round() as i64,
            (row.base * 10.0).round() as i64,
        );
        *hist.entry(key).or_default() += 1;
    }
    let per_country_bins = hist.len() / 4;
    assert!(per_country_bins < 500, "{per_country_bins} bins a country");

    let gates = "gates:\n  - metric: roc_auc\n    max_regression: 0.05\n    by: country\n  - metric: pr_auc\n    max_regression: 0.05\n    by: country\n";
    let write = |dir: &std::path::Path, columns: &str, c: String, b: String| -> Value {
        std::fs::write(dir.join("candidate.csv"), c).unwrap();
        std::fs::write(dir.join("baseline.csv"), b).unwrap();
        let cfg = dir.join("modelgate.yaml");
        std::fs::write(
            &cfg,
            format!(
                "version: 1\nname: agg\ncandidate: candidate.csv\nbaseline: baseline.csv\ncolumns:\n{columns}weights: frequency\nbootstrap: {{replicates: 200}}\nmin_slice: {{rows: 500, positives: 100, negatives: 100}}\n{gates}"
            ),
        )
        .unwrap();
        let out = dir.join("r.json");
        let o = modelgate()
            .args(["check", "--config"])
            .arg(&cfg)
            .arg("--json")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
    };
    let rows_dir = tempfile::tempdir().unwrap();
    let (mut c, mut b) = (
        String::from("id,label,score,country\n"),
        String::from("id,label,score,country\n"),
    );
    for row in &r {
        let _ = writeln!(c, "{},{},{},{}", row.id, row.label, row.cand, row.country);
        let _ = writeln!(b, "{},{},{},{}", row.id, row.label, row.base, row.country);
    }
    let by_row = write(rows_dir.path(), "  id: id\n", c, b);
    let agg_dir = tempfile::tempdir().unwrap();
    let (mut c, mut b) = (
        String::from("bin,label,score,n,country\n"),
        String::from("bin,label,score,n\n"),
    );
    for (i, ((country, label, cs, bs), n)) in hist.iter().enumerate() {
        let _ = writeln!(c, "{i},{label},{},{n},{country}", *cs as f64 / 10.0);
        let _ = writeln!(b, "{i},{label},{},{n}", *bs as f64 / 10.0);
    }
    let by_hist = write(agg_dir.path(), "  id: bin\n  weight: n\n", c, b);

    assert_eq!(by_row["verdict"], by_hist["verdict"]);
    let (gr, gh) = (
        by_row["gates"].as_array().unwrap(),
        by_hist["gates"].as_array().unwrap(),
    );
    assert_eq!(gr.len(), 8, "two gates × four countries");
    for (a, h) in gr.iter().zip(gh) {
        assert_eq!(a["slice"], h["slice"]);
        assert_eq!(
            a["status"], h["status"],
            "{}: {} vs {}",
            a["slice"], a["reason"], h["reason"]
        );
        assert_ne!(a["status"], "skip", "{}", a["reason"]);
        assert_eq!(a["rows"], h["rows"]);
        assert_eq!(a["positives"], h["positives"]);
        assert_eq!(a["rows"], 750);
    }
    let metric_rows = |v: &Value| -> Vec<(Value, Value)> {
        v["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["rows"].clone(), m["positives"].clone()))
            .collect()
    };
    assert_eq!(metric_rows(&by_row), metric_rows(&by_hist));

    // And a slice truly below `min_slice` is skipped with the counts of its rows.
    let text = std::fs::read_to_string(agg_dir.path().join("modelgate.yaml"))
        .unwrap()
        .replace("rows: 500,", "rows: 751,");
    std::fs::write(agg_dir.path().join("modelgate.yaml"), text).unwrap();
    let o = modelgate()
        .args(["check", "--config"])
        .arg(agg_dir.path().join("modelgate.yaml"))
        .arg("--json")
        .arg(agg_dir.path().join("r2.json"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "every slice skipped: nothing judged"
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(agg_dir.path().join("r2.json")).unwrap())
            .unwrap();
    for g in v["gates"].as_array().unwrap() {
        assert_eq!(g["status"], "skip");
        assert!(
            g["reason"].as_str().unwrap().contains("750 rows < 751"),
            "{}",
            g["reason"]
        );
    }
}

/// Frequency weights count rows: a fractional one is refused (exit 2) naming the file,
/// column and row, since the counts would be fractions.
#[test]
fn fractional_frequency_weights_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("candidate.csv"),
        "bin,label,score,n\n1,0,0.1,3\n2,1,0.9,2.5\n3,0,0.4,1\n4,1,0.7,2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("baseline.csv"),
        "bin,label,score,n\n1,0,0.2,3\n2,1,0.8,2.5\n3,0,0.3,1\n4,1,0.6,2\n",
    )
    .unwrap();
    let cfg = dir.path().join("modelgate.yaml");
    std::fs::write(&cfg, "version: 1\nname: agg\ncandidate: candidate.csv\nbaseline: baseline.csv\ncolumns: {id: bin, weight: n}\nweights: frequency\ngates:\n  - metric: roc_auc\n    max_regression: 0.05\n").unwrap();
    let o = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("candidate.csv") && err.contains("`n`") && err.contains("row(s) 2"),
        "{err}"
    );
    // As sampling weights they are fine.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("frequency", "sampling");
    std::fs::write(&cfg, text).unwrap();
    let o = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
