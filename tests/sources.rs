//! Inputs spread over many files: a hive-partitioned Parquet folder, a glob of CSV parts.

use crate::common;

use std::fmt::Write as _;
use std::path::Path;

use common::{modelgate, rows};
use polars::prelude::*;
use serde_json::Value;

fn parquet(path: &Path, ids: Vec<i64>, labels: Vec<i64>, scores: Vec<f64>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut df = DataFrame::new_infer_height(vec![
        Series::new("id".into(), ids).into(),
        Series::new("label".into(), labels).into(),
        Series::new("score".into(), scores).into(),
    ])
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

#[test]
fn hive_folder_and_csv_glob_read_as_one_input() {
    let dir = tempfile::tempdir().unwrap();
    let r = rows(600, 0.2, 0.3, 5);
    // Candidate: one Parquet file per country under country=XX/ folders.
    for country in ["BR", "DE", "FR", "US"] {
        let part: Vec<_> = r.iter().filter(|x| x.country == country).collect();
        parquet(
            &dir.path()
                .join(format!("cand/country={country}/part-0.parquet")),
            part.iter()
                .map(|x| x.id[1..].parse::<i64>().unwrap())
                .collect(),
            part.iter().map(|x| i64::from(x.label)).collect(),
            part.iter().map(|x| x.cand).collect(),
        );
    }
    // Baseline: three CSV parts in another order.
    for k in 0..3 {
        let mut s = String::from("id,label,score\n");
        for x in r.iter().skip(k).step_by(3) {
            let _ = writeln!(s, "{},{},{}", &x.id[1..], x.label, x.base);
        }
        std::fs::create_dir_all(dir.path().join("base")).unwrap();
        std::fs::write(dir.path().join(format!("base/part-{k}.csv")), s).unwrap();
    }
    std::fs::write(dir.path().join("base/_SUCCESS"), "").unwrap();
    let cfg = dir.path().join("modelgate.yaml");
    std::fs::write(
        &cfg,
        "version: 1\nname: sharded\ncandidate: cand\nbaseline: base/part-*.csv\ncolumns: {id: id}\nmin_slice: {rows: 10, positives: 2, negatives: 2}\ngates:\n  - metric: roc_auc\n    max_regression: 0.5\n    by: country\n",
    )
    .unwrap();
    let out = dir.path().join("r.json");
    let run = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let j: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(j["inputs"]["candidate"]["rows"], 600);
    assert_eq!(j["inputs"]["baseline"]["rows"], 600);
    let slices: Vec<String> = j["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["slice"]["country"].to_string())
        .collect();
    assert_eq!(
        slices,
        ["\"BR\"", "\"DE\"", "\"FR\"", "\"US\""],
        "hive folder names become the slice column"
    );
    let hash = j["inputs"]["baseline"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    // Any change to any part changes the input hash in the audit record.
    let p = dir.path().join("base/part-1.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen(",0.", ",0.0", 1)).unwrap();
    let run = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.code().is_some_and(|c| c <= 1));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_ne!(j["inputs"]["baseline"]["sha256"].as_str().unwrap(), hash);
    // A glob that matches nothing says so.
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("base/part-*.csv", "base/nope-*.csv"),
    )
    .unwrap();
    let run = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("matches no data files"));
}
