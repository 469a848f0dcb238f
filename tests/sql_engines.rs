//! `modelgate sql` through the real engines (issue 15): DuckDB (the `duckdb` Python package)
//! and Spark in local mode (`pyspark` with a JRE) each run the generated SQL on generated
//! rows, twice; modelgate then gates the export and, separately, the same rows rounded by
//! the same engine. The two runs must agree: metrics and DeLong to 1e-12, every verdict,
//! status, skip decision and count, bootstrap widths within Monte Carlo noise; the export
//! must be byte-identical across the two runs; and rows the histogram would silently lose
//! (an id on one side only, a duplicated id) must make the engine raise an error.
//!
//! Each engine runs once per test through `tests/sql/engine.py` (one Spark JVM). A missing
//! package or JRE skips the test with a visible line (`.ci/run` installs them).

use crate::common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{modelgate, python_with, rows};
use serde_json::Value;

const DECIMALS: u32 = 2;

/// The gates both runs share: DeLong overall and by country, the bootstrap on a ranking
/// metric by two columns (some combinations below `min_slice`) and on a sum-based one.
const GATES: &str = "seed: 11\nthreshold: 0.3\nbootstrap: {replicates: 2000}\nmin_slice: {rows: 1000, positives: 172, negatives: 100}\ngates:\n  - metric: roc_auc\n    max_regression: 0.005\n    evidence: confident\n  - metric: roc_auc\n    max_regression: 0.02\n    by: country\n  - metric: pr_auc\n    max_regression: 0.01\n    evidence: significant\n    by: [country, channel]\n  - metric: log_loss\n    max_regression: 0.002\n  - metric: recall\n    max_regression: 0.0\n    evidence: confident\n";

fn write_rows(dir: &Path, n: usize, seed: u64, tweak: impl Fn(&mut String, &mut String)) {
    std::fs::create_dir_all(dir).unwrap();
    let channels = ["web", "app", "pos"];
    let (mut c, mut b) = (
        String::from("id,label,score,country,channel\n"),
        String::from("id,label,score,country,channel\n"),
    );
    for (i, r) in rows(n, 0.1, 0.3, seed).iter().enumerate() {
        let ch = channels[(i / 7) % 3];
        let _ = writeln!(c, "{},{},{},{},{ch}", r.id, r.label, r.cand, r.country);
        let _ = writeln!(b, "{},{},{},{},{ch}", r.id, r.label, r.base, r.country);
    }
    tweak(&mut c, &mut b);
    std::fs::write(dir.join("candidate.csv"), c).unwrap();
    std::fs::write(dir.join("baseline.csv"), b).unwrap();
}

/// `modelgate sql` for `cfg`, exporting into `out`; returns the SQL text.
fn generate(cfg: &Path, dialect: &str, tables: (&str, &str), outs: (String, String)) -> String {
    let o = modelgate()
        .args([
            "sql",
            "--dialect",
            dialect,
            "--decimals",
            &DECIMALS.to_string(),
        ])
        .arg("--config")
        .arg(cfg)
        .args(["--candidate-table", tables.0, "--baseline-table", tables.1])
        .args(["--candidate-out", &outs.0, "--baseline-out", &outs.1])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// `modelgate check --json` on a config; returns exit code and JSON.
fn check(cfg: &Path) -> (i32, Value) {
    let out = cfg.with_extension("json");
    let o = modelgate()
        .args(["check", "--config"])
        .arg(cfg)
        .arg("--json")
        .arg(&out)
        .arg("--markdown")
        .arg(cfg.with_extension("md"))
        .output()
        .unwrap();
    let code = o.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0 | 1),
        "{}: {}",
        cfg.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        code,
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap(),
    )
}

fn config(path: &Path, candidate: &Path, baseline: &Path, columns: &str) {
    std::fs::write(
        path,
        format!(
            "version: 1\nname: engines\ncandidate: '{}'\nbaseline: '{}'\ncolumns: {columns}\n{GATES}",
            candidate.display(),
            baseline.display()
        ),
    )
    .unwrap();
}

/// The data files of an export, in the order modelgate reads them (sorted by path).
fn data_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            !name.starts_with('_') && !name.starts_with('.') && !name.ends_with(".crc")
        })
        .collect();
    v.sort();
    v
}

fn close(a: &Value, b: &Value, tol: f64, what: &str) {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => assert!(
            (x - y).abs() <= tol * x.abs().max(1.0),
            "{what}: rows {x} vs histogram {y}"
        ),
        _ => assert_eq!(a, b, "{what}"),
    }
}

/// Runs the whole comparison for one engine; `None` when the engine is missing.
fn through(engine: &str, dialect: &str, ext: &str) -> Option<()> {
    let test = format!("sql_engines::{engine}");
    let python = python_with(&test, &[engine])?;
    if engine == "pyspark"
        && !std::process::Command::new("java")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    {
        eprintln!(
            "SKIPPED {test}: needs a Java runtime (`.ci/apt-packages.txt`: default-jre-headless)"
        );
        return None;
    }
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    write_rows(&w.join("rows"), 20_000, 2026, |_, _| {});
    // Rows the aggregation must refuse: an id only in the candidate table, and a duplicate.
    write_rows(&w.join("bad"), 200, 3, |c, _| {
        c.push_str("only-here,0,0.5,DE,web\n");
    });

    // The row-level config `modelgate sql` reads (columns and slices), then the SQL.
    let row_cfg = w.join("rows.yaml");
    config(
        &row_cfg,
        &w.join("rounded").join(format!("candidate{ext}")),
        &w.join("rounded").join(format!("baseline{ext}")),
        "{label: label, score: score, id: id}",
    );
    for run in ["run1", "run2"] {
        let outs = (
            w.join(run)
                .join(format!("candidate{ext}"))
                .display()
                .to_string(),
            w.join(run)
                .join(format!("baseline{ext}"))
                .display()
                .to_string(),
        );
        let sql = generate(&row_cfg, dialect, ("cand_rows", "base_rows"), outs);
        std::fs::write(w.join(format!("{run}.sql")), sql).unwrap();
    }
    let outs = (
        w.join("bad-out")
            .join(format!("candidate{ext}"))
            .display()
            .to_string(),
        w.join("bad-out")
            .join(format!("baseline{ext}"))
            .display()
            .to_string(),
    );
    std::fs::write(
        w.join("bad.sql"),
        generate(&row_cfg, dialect, ("cand_bad", "base_bad"), outs),
    )
    .unwrap();

    let o = std::process::Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/engine.py"))
        .arg(engine_name(engine))
        .arg(w)
        .arg(DECIMALS.to_string())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{engine}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: Value = serde_json::from_slice(
        o.stdout
            .split(|&b| b == b'\n')
            .rfind(|l| l.starts_with(b"{"))
            .unwrap(),
    )
    .unwrap();
    eprintln!("{engine}: {}", report["timings"]);

    // The engine refused the unpaired id, naming it, and exported nothing.
    let err = report["error"].as_str().unwrap_or_default();
    assert!(
        err.contains(
            "modelgate: an id of the candidate table is not in the baseline table: only-here"
        ),
        "{engine}: {err}"
    );
    let bad_out = w.join("bad-out").join(format!("candidate{ext}"));
    assert!(
        !bad_out.exists() || data_files(&bad_out).is_empty(),
        "{engine}: exported despite the error"
    );

    // Byte-identical exports across the two runs (Spark's part names carry a random id:
    // the data files are compared in reading order).
    for side in ["candidate", "baseline"] {
        let (a, b) = (
            data_files(&w.join("run1").join(format!("{side}{ext}"))),
            data_files(&w.join("run2").join(format!("{side}{ext}"))),
        );
        assert!(!a.is_empty() && a.len() == b.len(), "{a:?} vs {b:?}");
        for (x, y) in a.iter().zip(&b) {
            assert!(
                std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
                "{engine}: {} and {} differ",
                x.display(),
                y.display()
            );
        }
    }
    if engine == "pyspark" {
        // What Spark leaves beside the data, which modelgate must skip.
        let names: Vec<String> = std::fs::read_dir(w.join("run1/candidate"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(names.iter().any(|n| n == "_SUCCESS"), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with(".crc")), "{names:?}");
    }

    // modelgate on the histogram (the export read as is) and on the engine-rounded rows.
    let hist_cfg = w.join("hist.yaml");
    config(
        &hist_cfg,
        &w.join("run1").join(format!("candidate{ext}")),
        &w.join("run1").join(format!("baseline{ext}")),
        "{label: label, score: score, id: bin, weight: n}\nweights: frequency",
    );
    let hist2_cfg = w.join("hist2.yaml");
    config(
        &hist2_cfg,
        &w.join("run2").join(format!("candidate{ext}")),
        &w.join("run2").join(format!("baseline{ext}")),
        "{label: label, score: score, id: bin, weight: n}\nweights: frequency",
    );
    let (code_r, by_row) = check(&row_cfg);
    let (code_h, by_hist) = check(&hist_cfg);
    let (_, by_hist2) = check(&hist2_cfg);
    assert_eq!(
        by_hist["gates"], by_hist2["gates"],
        "{engine}: the two exports judge alike"
    );
    assert_eq!(
        by_row["inputs"]["candidate"]["rows"], 20_000,
        "{engine}: rounded rows"
    );
    let bins = by_hist["inputs"]["candidate"]["rows"].as_u64().unwrap();
    assert!(bins < 20_000, "{engine}: {bins} bins");
    eprintln!("{engine}: 20000 rows -> {bins} bins at {DECIMALS} decimals");

    assert_eq!(code_r, code_h, "{engine}: exit codes");
    assert_eq!(by_row["verdict"], by_hist["verdict"], "{engine}: verdicts");
    let (gr, gh) = (
        by_row["gates"].as_array().unwrap(),
        by_hist["gates"].as_array().unwrap(),
    );
    assert_eq!(gr.len(), gh.len());
    let mut skipped = 0;
    let mut bootstrapped = 0;
    for (a, h) in gr.iter().zip(gh) {
        let what = format!("{engine} {} {}", a["id"], a["slice"]);
        assert_eq!(a["id"], h["id"]);
        assert_eq!(a["slice"], h["slice"], "{what}");
        assert_eq!(
            a["status"], h["status"],
            "{what}: {} | {}",
            a["reason"], h["reason"]
        );
        assert_eq!(a["cause"], h["cause"], "{what}");
        assert_eq!(a["rows"], h["rows"], "{what}: rows");
        assert_eq!(a["positives"], h["positives"], "{what}: positives");
        skipped += usize::from(a["status"] == "skip");
        for key in ["candidate", "baseline", "delta"] {
            close(&a[key], &h[key], 1e-12, &format!("{what} {key}"));
        }
        if a["status"] == "skip" {
            continue;
        }
        if a["test"] == "delong" {
            close(&a["p_value"], &h["p_value"], 1e-12, &format!("{what} p"));
            for k in 0..2 {
                close(&a["ci"][k], &h["ci"][k], 1e-12, &format!("{what} ci"));
            }
        } else if a["ci"].is_array() {
            bootstrapped += 1;
            let width = |g: &Value| g["ci"][1].as_f64().unwrap() - g["ci"][0].as_f64().unwrap();
            let ratio = width(h) / width(a);
            assert!(
                (0.85..1.18).contains(&ratio),
                "{what}: bootstrap interval width ratio {ratio}"
            );
        }
    }
    assert!(
        skipped > 0 && skipped < gr.len(),
        "{engine}: {skipped} skipped: min_slice must split the slices"
    );
    assert!(bootstrapped > 0, "{engine}: no bootstrap gate compared");
    // Every metric value of both models, overall and on every slice.
    let (mr, mh) = (
        by_row["metrics"].as_array().unwrap(),
        by_hist["metrics"].as_array().unwrap(),
    );
    assert_eq!(mr.len(), mh.len());
    for (a, h) in mr.iter().zip(mh) {
        assert_eq!(a["slice"], h["slice"]);
        assert_eq!(a["rows"], h["rows"]);
        assert_eq!(a["positives"], h["positives"]);
        for side in ["candidate", "baseline"] {
            let (va, vh) = (a[side].as_object().unwrap(), h[side].as_object().unwrap());
            assert_eq!(va.len(), vh.len());
            for (k, x) in va {
                close(
                    x,
                    &vh[k],
                    1e-12,
                    &format!("{engine} {} {side} {k}", a["slice"]),
                );
            }
        }
    }
    Some(())
}

fn engine_name(module: &str) -> &'static str {
    if module == "pyspark" {
        "spark"
    } else {
        "duckdb"
    }
}

#[test]
fn duckdb_runs_the_generated_sql_and_the_histogram_judges_like_the_rows() {
    let _ = through("duckdb", "duckdb", ".parquet");
}

#[test]
fn spark_runs_the_generated_sql_and_modelgate_reads_its_folders() {
    let _ = through("pyspark", "spark", "");
}

/// The command itself: SQL on stdout (exit 0), and exit 2 with the fix for a config it
/// cannot aggregate, a hostile path or BigQuery without a URI.
#[test]
fn sql_command_prints_sql_or_exits_2_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("m.yaml");
    let write = |columns: &str| {
        std::fs::write(
            &cfg,
            format!("version: 1\nname: s\ncandidate: c.csv\nbaseline: b.csv\ncolumns: {columns}\n{GATES}"),
        )
        .unwrap();
    };
    let run = |extra: &[&str]| {
        modelgate()
            .args(["sql", "--config"])
            .arg(&cfg)
            .args(["--candidate-table", "c", "--baseline-table", "b"])
            .args(extra)
            .output()
            .unwrap()
    };
    write("{id: id}");
    let o = run(&["--dialect", "spark"]);
    assert_eq!(o.status.code(), Some(0));
    let sql = String::from_utf8_lossy(&o.stdout);
    assert!(
        sql.contains("INSERT OVERWRITE DIRECTORY 'candidate' USING parquet"),
        "{sql}"
    );
    assert!(
        sql.contains("--   columns: {label: label, score: score, id: bin, weight: n}"),
        "{sql}"
    );

    let o = run(&["--dialect", "bigquery"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("gs://"));
    let o = run(&["--dialect", "duckdb", "--candidate-out", "x'.parquet"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--dialect", "duckdb", "--decimals", "13"]);
    assert_eq!(o.status.code(), Some(2));
    write("{label: label}");
    let o = run(&["--dialect", "duckdb"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("columns.id"), "{err}");
    assert!(o.stdout.is_empty());
}
