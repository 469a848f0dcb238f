//! Label, score and id columns in the dtypes real exporters write (pyarrow int8 labels,
//! booleans, categoricals, float32 scores) read the same as plain 0/1 and f64.

use crate::common;

use std::path::Path;

use common::modelgate;
use polars::prelude::*;
use serde_json::Value;

const LABELS: [i8; 10] = [0, 1, 0, 0, 1, 1, 0, 0, 0, 1];
const SCORES: [f64; 10] = [0.1, 0.8, 0.35, 0.2, 0.55, 0.9, 0.7, 0.05, 0.3, 0.4];

fn write_parquet(path: &Path, label: Series, score: Series) {
    let mut df = DataFrame::new_infer_height(vec![label.into(), score.into()]).unwrap();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
}

fn metrics_json(path: &Path, extra: &[&str]) -> Value {
    let out = modelgate()
        .arg("metrics")
        .arg(path)
        .args([
            "--metric", "roc_auc", "--metric", "pr_auc", "--metric", "accuracy", "--format", "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn label_dtypes_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let score = Series::new("score".into(), SCORES.to_vec());
    let reference = {
        let p = dir.path().join("i64.parquet");
        let l: Vec<i64> = LABELS.iter().map(|&v| i64::from(v)).collect();
        write_parquet(&p, Series::new("label".into(), l), score.clone());
        metrics_json(&p, &[])["metrics"][0]["values"].clone()
    };
    // scikit-learn: roc_auc_score = 0.9166666666666667, average_precision_score = 0.8875.
    assert!(
        (reference["roc_auc"].as_f64().unwrap() - 0.9166666666666667).abs() < 1e-12,
        "{reference}"
    );
    assert!(
        (reference["pr_auc"].as_f64().unwrap() - 0.8875).abs() < 1e-12,
        "{reference}"
    );

    let cases: Vec<(&str, Series)> = vec![
        ("int8", Series::new("label".into(), LABELS.to_vec())),
        (
            "uint8",
            Series::new(
                "label".into(),
                LABELS.iter().map(|&v| v as u8).collect::<Vec<u8>>(),
            ),
        ),
        (
            "int16",
            Series::new(
                "label".into(),
                LABELS.iter().map(|&v| i16::from(v)).collect::<Vec<i16>>(),
            ),
        ),
        (
            "bool",
            Series::new(
                "label".into(),
                LABELS.iter().map(|&v| v == 1).collect::<Vec<bool>>(),
            ),
        ),
        (
            "float",
            Series::new(
                "label".into(),
                LABELS.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>(),
            ),
        ),
        (
            "categorical",
            Series::new(
                "label".into(),
                LABELS
                    .iter()
                    .map(|&v| if v == 1 { "1" } else { "0" })
                    .collect::<Vec<_>>(),
            )
            .cast(&DataType::from_categories(Categories::global()))
            .unwrap(),
        ),
    ];
    for (name, label) in cases {
        let p = dir.path().join(format!("{name}.parquet"));
        write_parquet(&p, label, score.clone());
        let got = metrics_json(&p, &[]);
        assert_eq!(got["metrics"][0]["values"], reference, "{name}");
    }
    // Text labels with `--positive`.
    let p = dir.path().join("text.parquet");
    let text: Vec<&str> = LABELS
        .iter()
        .map(|&v| if v == 1 { "fraud" } else { "legit" })
        .collect();
    write_parquet(&p, Series::new("label".into(), text), score.clone());
    assert_eq!(
        metrics_json(&p, &["--positive", "fraud"])["metrics"][0]["values"],
        reference
    );
    // float32 scores.
    let p = dir.path().join("f32.parquet");
    let s32: Vec<f32> = SCORES.iter().map(|&v| v as f32).collect();
    write_parquet(
        &p,
        Series::new("label".into(), LABELS.to_vec()),
        Series::new("score".into(), s32),
    );
    let got = metrics_json(&p, &[]);
    assert!(
        (got["metrics"][0]["values"]["roc_auc"].as_f64().unwrap() - 0.9166666666666667).abs()
            < 1e-12
    );
}
