//! Hostile data: input listing, id pairing, byte-level checks, slice explosion, weights.
//! Each case asserts the exit code, the named cause (file, column, line or ids) and that no
//! row was dropped or added (the JSON's `inputs` rows, per file and in all).

use crate::common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::{Row, modelgate, rows};
use polars::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const GATES: &str = "gates:\n  - metric: roc_auc\n    max_regression: 0.5\n";

/// A config over `candidate` and `baseline.csv`, paired by `id`.
fn config(dir: &Path, candidate: &str, extra: &str, gates: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: hostile\ncandidate: '{candidate}'\nbaseline: baseline.csv\ncolumns: {{id: id}}\nseed: 7\nbootstrap: {{replicates: 100}}\nmin_slice: {{rows: 5, positives: 1, negatives: 1}}\n{extra}{gates}"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `check --json` under a time limit; returns the output and the JSON, if written.
fn check(cfg: &Path) -> (Output, Option<Value>, Duration) {
    let json = cfg.with_file_name("result.json");
    let _ = std::fs::remove_file(&json);
    let start = Instant::now();
    let out = modelgate()
        .arg("check")
        .arg("--config")
        .arg(cfg)
        .arg("--json")
        .arg(&json)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let took = start.elapsed();
    let value = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    (out, value, took)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts exit 2 and every needle in stderr.
fn refused(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "want exit 2: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in stderr: {err}");
    }
}

/// Asserts a verdict and returns the JSON.
fn judged(out: &Output, json: Option<Value>) -> Value {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "want a verdict: {}",
        stderr(out)
    );
    json.expect("a verdict writes the JSON")
}

fn csv(rows: &[&Row], cand: bool, with_country: bool) -> String {
    let mut s = String::from(if with_country {
        "id,label,score,country\n"
    } else {
        "id,label,score\n"
    });
    for r in rows {
        let score = if cand { r.cand } else { r.base };
        if with_country {
            let _ = writeln!(s, "{},{},{score},{}", r.id, r.label, r.country);
        } else {
            let _ = writeln!(s, "{},{},{score}", r.id, r.label);
        }
    }
    s
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Leftovers of Spark/Hadoop writers and hidden files: each would add rows if read.
fn litter(dir: &Path, extra_rows: &str) {
    write(&dir.join("_SUCCESS"), "");
    write(&dir.join("._SUCCESS.crc"), "crc");
    write(&dir.join(".part-0.csv.crc"), "crc");
    write(&dir.join("part-0.csv.crc"), "crc");
    write(&dir.join("_tmp.csv"), extra_rows);
    write(&dir.join(".hidden.csv"), extra_rows);
    write(&dir.join("_temporary/0/part-9.csv"), extra_rows);
}

/// Checks the audit record of one input: the files listed are exactly `want` (relative to
/// `root`), each file's hash is its bytes' hash, the input's hash is the manifest of those
/// files, and the rows add up.
fn assert_audit(input: &Value, root: &Path, want: &[&str], rows: usize) {
    let files = input["files"].as_array().expect("inputs.*.files");
    let listed: Vec<String> = files
        .iter()
        .map(|f| {
            let p = PathBuf::from(f["path"].as_str().unwrap());
            let p = if p.is_absolute() { p } else { root.join(p) };
            p.strip_prefix(root).unwrap().display().to_string()
        })
        .collect();
    assert_eq!(listed, want, "files read");
    let mut manifest = Sha256::new();
    let mut sum = 0;
    for f in files {
        let path = f["path"].as_str().unwrap();
        let full = if Path::new(path).is_absolute() {
            PathBuf::from(path)
        } else {
            root.join(path)
        };
        let sha = hex(&Sha256::digest(std::fs::read(&full).unwrap()));
        assert_eq!(f["sha256"], sha.as_str(), "{path}: hashed = read");
        manifest.update(format!("{sha}  {path}\n").as_bytes());
        sum += f["rows"].as_u64().unwrap() as usize;
    }
    assert_eq!(sum, rows, "rows = the sum of the files' rows");
    assert_eq!(input["rows"], rows, "no row dropped or added");
    if want.len() > 1 || input["path"].as_str() != files[0]["path"].as_str() {
        assert_eq!(
            input["sha256"],
            hex(&manifest.finalize()).as_str(),
            "the input's hash covers exactly the files read"
        );
    } else {
        assert_eq!(input["sha256"], files[0]["sha256"]);
    }
}

#[test]
fn every_input_form_reads_hashes_and_counts_the_same_files() {
    let r = rows(400, 0.3, 0.3, 11);
    let all: Vec<&Row> = r.iter().collect();
    let extra = csv(&all[..50], true, true);
    // (name, candidate path in the config, files to write: (relative path, rows), files
    // expected to be read)
    type Layout<'a> = (&'a str, &'a str, Vec<(String, Vec<&'a Row>)>);
    let quarter = |k: usize| -> Vec<&Row> { all.iter().skip(k).step_by(4).copied().collect() };
    let by_country =
        |c: &str| -> Vec<&Row> { all.iter().filter(|x| x.country == c).copied().collect() };
    let layouts: Vec<Layout> = vec![
        (
            "single file",
            "cand.csv",
            vec![("cand.csv".into(), all.clone())],
        ),
        (
            "glob",
            "parts/part-*.csv",
            (0..4)
                .map(|k| (format!("parts/part-{k}.csv"), quarter(k)))
                .collect(),
        ),
        (
            "folder",
            "parts",
            (0..4)
                .map(|k| (format!("parts/part-{k}.csv"), quarter(k)))
                .collect(),
        ),
        (
            "hive folder",
            "hive",
            ["BR", "DE", "FR", "US"]
                .iter()
                .map(|c| (format!("hive/country={c}/part-0.csv"), by_country(c)))
                .collect(),
        ),
        (
            "recursive glob",
            "deep/**/*.csv",
            vec![
                ("deep/a.csv".into(), quarter(0)),
                ("deep/x/b.csv".into(), quarter(1)),
                ("deep/x/y/c.csv".into(), quarter(2)),
                ("deep/z/d.csv".into(), quarter(3)),
            ],
        ),
        (
            "folder with a `[` in its name",
            "run[1]",
            (0..4)
                .map(|k| (format!("run[1]/part-{k}.csv"), quarter(k)))
                .collect(),
        ),
    ];
    for (name, candidate, files) in layouts {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("baseline.csv"), csv(&all, false, true));
        let hive = name.starts_with("hive");
        for (path, part) in &files {
            write(&dir.path().join(path), csv(part, true, !hive));
        }
        // Leftovers beside every data file, in every folder.
        for (path, _) in &files {
            litter(dir.path().join(path).parent().unwrap(), &extra);
        }
        let gates = "gates:\n  - metric: roc_auc\n    max_regression: 0.5\n    by: country\n";
        let cfg = config(dir.path(), candidate, "", gates);
        let (out, json, _) = check(&cfg);
        let j = judged(&out, json);
        let mut want: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
        want.sort();
        let want: Vec<&str> = want.iter().map(String::as_str).collect();
        assert_audit(&j["inputs"]["candidate"], dir.path(), &want, 400);
        assert_audit(&j["inputs"]["baseline"], dir.path(), &["baseline.csv"], 400);
        assert_eq!(j["metrics"][0]["rows"], 400, "{name}");
    }
}

#[test]
fn mixed_extensions_in_one_input_are_refused_with_the_list() {
    let r = rows(200, 0.3, 0.3, 3);
    let all: Vec<&Row> = r.iter().collect();
    for (a, b) in [("a.csv", "b.CSV"), ("a.jsonl", "b.ndjson")] {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("baseline.csv"), csv(&all, false, true));
        let json_rows = |part: &[&Row]| -> String {
            part.iter()
                .map(|x| {
                    format!(
                        "{{\"id\":\"{}\",\"label\":{},\"score\":{}}}\n",
                        x.id, x.label, x.cand
                    )
                })
                .collect()
        };
        let (first, second) = all.split_at(100);
        let body = |name: &str, part: &[&Row]| {
            if name.ends_with("csv") || name.ends_with("CSV") {
                csv(part, true, false)
            } else {
                json_rows(part)
            }
        };
        write(&dir.path().join("cand").join(a), body(a, first));
        write(&dir.path().join("cand").join(b), body(b, second));
        let cfg = config(dir.path(), "cand", "", GATES);
        let (out, json, _) = check(&cfg);
        let ext = |n: &str| format!("`.{}`", n.rsplit('.').next().unwrap());
        refused(&out, &["mixes file extensions", &ext(a), &ext(b), a, b]);
        assert!(json.is_none(), "nothing judged, nothing written");
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_not_followed_and_a_linked_file_not_read_twice() {
    let r = rows(200, 0.3, 0.3, 4);
    let all: Vec<&Row> = r.iter().collect();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("baseline.csv"), csv(&all, false, false));
    write(&dir.path().join("cand/part-0.csv"), csv(&all, true, false));
    std::os::unix::fs::symlink(dir.path().join("cand"), dir.path().join("cand/loop")).unwrap();
    for candidate in ["cand", "cand/**/*.csv"] {
        let cfg = config(dir.path(), candidate, "", GATES);
        let (out, json, _) = check(&cfg);
        let j = judged(&out, json);
        assert_audit(
            &j["inputs"]["candidate"],
            dir.path(),
            &["cand/part-0.csv"],
            200,
        );
    }
    // A link to a file of the same input: its rows would count twice.
    std::os::unix::fs::symlink(
        dir.path().join("cand/part-0.csv"),
        dir.path().join("cand/part-1.csv"),
    )
    .unwrap();
    let cfg = config(dir.path(), "cand", "", GATES);
    let (out, _, _) = check(&cfg);
    refused(&out, &["the same file twice", "part-0.csv", "part-1.csv"]);
}

#[test]
fn an_error_in_one_file_of_many_names_that_file_and_its_line() {
    let r = rows(200, 0.3, 0.3, 5);
    let all: Vec<&Row> = r.iter().collect();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("baseline.csv"), csv(&all, false, false));
    write(
        &dir.path().join("cand/part-0.csv"),
        csv(&all[..100], true, false),
    );
    let broken = csv(&all[100..], true, false).replacen('\n', "\nx,1,0.5,extra\n", 2);
    write(&dir.path().join("cand/part-1.csv"), broken);
    let cfg = config(dir.path(), "cand/part-*.csv", "", GATES);
    let (out, _, _) = check(&cfg);
    refused(&out, &["part-1.csv", "line 2 has 4 fields"]);
    // A file of NUL bytes among good ones (a crashed writer): that file, at once.
    write(&dir.path().join("cand/part-1.csv"), vec![0u8; 8 << 20]);
    let (out, _, took) = check(&cfg);
    refused(&out, &["part-1.csv", "NUL byte"]);
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn nul_files_and_endless_lines_fail_in_seconds_naming_the_file() {
    let r = rows(100, 0.3, 0.3, 6);
    let all: Vec<&Row> = r.iter().collect();
    let mut long = csv(&all, true, false).into_bytes();
    let at = long.iter().position(|&b| b == b'\n').unwrap() + 1;
    long.splice(at..at, std::iter::repeat_n(b'7', 40 << 20));
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "candidate.csv",
            vec![0u8; 32 << 20],
            &["candidate.csv", "starts with a NUL byte"],
        ),
        (
            "candidate.ndjson",
            vec![0u8; 32 << 20],
            &["candidate.ndjson", "NUL byte"],
        ),
        (
            "candidate.csv",
            long.clone(),
            &["candidate.csv", "line 2 is longer than 16 MiB"],
        ),
        (
            "candidate.ndjson",
            [b"{\"id\":\"".as_slice(), &vec![b'a'; 40 << 20], b"\"}\n"].concat(),
            &["candidate.ndjson", "line 1 is longer than 16 MiB"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("baseline.csv"), csv(&all, false, false));
        write(&dir.path().join(name), bytes);
        let cfg = config(dir.path(), name, "", GATES);
        let (out, _, took) = check(&cfg);
        refused(&out, needles);
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
    }
}

fn parquet(path: &Path, id: Series, labels: &[i64], scores: &[f64]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut df = DataFrame::new_infer_height(vec![
        id.with_name("id".into()).into(),
        Series::new("label".into(), labels.to_vec()).into(),
        Series::new("score".into(), scores.to_vec()).into(),
    ])
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

#[test]
fn ids_pair_on_their_own_values_or_not_at_all() {
    let n = 300usize;
    let r = rows(n, 0.3, 0.3, 8);
    let labels: Vec<i64> = r.iter().map(|x| i64::from(x.label)).collect();
    let cand: Vec<f64> = r.iter().map(|x| x.cand).collect();
    let base: Vec<f64> = r.iter().map(|x| x.base).collect();
    // Unique 64-bit hashes, all at or above 2^63 (they used to become null, then 0).
    let ids: Vec<u64> = (0..n as u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1) | (1 << 63))
        .collect();
    let rev = |v: &[u64]| v.iter().rev().copied().collect::<Vec<_>>();
    let rev_f = |v: &[f64]| v.iter().rev().copied().collect::<Vec<_>>();
    let rev_i = |v: &[i64]| v.iter().rev().copied().collect::<Vec<_>>();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    parquet(
        &d.join("c.parquet"),
        Series::new("id".into(), ids.clone()),
        &labels,
        &cand,
    );
    // The baseline in the reverse order: pairing must undo it.
    parquet(
        &d.join("b.parquet"),
        Series::new("id".into(), rev(&ids)),
        &rev_i(&labels),
        &rev_f(&base),
    );
    let cfg_text = |c: &str, b: &str| {
        format!(
            "version: 1\nname: ids\ncandidate: {c}\nbaseline: {b}\ncolumns: {{id: id}}\nbootstrap: {{replicates: 100}}\n{GATES}"
        )
    };
    let cfg = d.join("modelgate.yaml");
    std::fs::write(&cfg, cfg_text("c.parquet", "b.parquet")).unwrap();
    let (out, json, _) = check(&cfg);
    let j = judged(&out, json);
    assert_eq!(j["inputs"]["candidate"]["rows"], n);
    assert_eq!(j["metrics"][0]["rows"], n);
    // The same scores paired by position from the same order give the same metrics.
    let pos_cfg = d.join("pos.yaml");
    let pos_dir = tempfile::tempdir().unwrap();
    parquet(
        &pos_dir.path().join("c.parquet"),
        Series::new("id".into(), ids.clone()),
        &labels,
        &cand,
    );
    parquet(
        &pos_dir.path().join("b.parquet"),
        Series::new("id".into(), ids.clone()),
        &labels,
        &base,
    );
    std::fs::write(
        &pos_cfg,
        cfg_text(
            &pos_dir.path().join("c.parquet").display().to_string(),
            &pos_dir.path().join("b.parquet").display().to_string(),
        )
        .replace("columns: {id: id}\n", ""),
    )
    .unwrap();
    let (out, json, _) = check(&pos_cfg);
    let by_position = judged(&out, json);
    assert_eq!(
        by_position["metrics"][0]["baseline"], j["metrics"][0]["baseline"],
        "pairing by id undoes the reversed order exactly"
    );

    // One id differs in its last bit: two different rows must not pair.
    let mut other = rev(&ids);
    other[0] ^= 1;
    parquet(
        &d.join("b.parquet"),
        Series::new("id".into(), other.clone()),
        &rev_i(&labels),
        &rev_f(&base),
    );
    let (out, _, _) = check(&cfg);
    refused(
        &out,
        &[
            "only in the candidate",
            &ids[n - 1].to_string(),
            "only in the baseline",
            &other[0].to_string(),
        ],
    );

    // Signed candidate ids against the same values as unsigned baseline ids pair.
    let small: Vec<i64> = (0..n as i64).collect();
    parquet(
        &d.join("c.parquet"),
        Series::new("id".into(), small.clone()),
        &labels,
        &cand,
    );
    let small_u: Vec<u32> = (0..n as u32).collect();
    parquet(
        &d.join("b.parquet"),
        Series::new("id".into(), small_u),
        &labels,
        &base,
    );
    let (out, json, _) = check(&cfg);
    assert_eq!(judged(&out, json)["metrics"][0]["rows"], n);

    // Integer ids against text ids: refused, naming both types.
    let text: Vec<String> = small.iter().map(|v| v.to_string()).collect();
    parquet(
        &d.join("b.parquet"),
        Series::new("id".into(), text),
        &labels,
        &base,
    );
    let (out, _, _) = check(&cfg);
    refused(&out, &["b.parquet", "`id`", "i64", "str", "never pair"]);
}

#[test]
fn a_near_unique_by_column_is_refused_before_any_slice_is_judged() {
    let r = rows(1500, 0.3, 0.3, 9);
    let all: Vec<&Row> = r.iter().collect();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("baseline.csv"), csv(&all, false, true));
    write(&dir.path().join("candidate.csv"), csv(&all, true, true));
    // (`by: id` itself is refused by the config check: the id column is one row per value.)
    let gates = "gates:\n  - metric: roc_auc\n    max_regression: 0.5\n    evidence: significant\n    by: country\n";
    let cfg = config(dir.path(), "candidate.csv", "max_slices: 2\n", gates);
    let (out, json, took) = check(&cfg);
    refused(
        &out,
        &["`by: country` has", "distinct values", "`max_slices` (2)"],
    );
    assert!(json.is_none());
    assert!(took < Duration::from_secs(30), "took {took:?}");
    // Combinations count too: 4 countries × 2 channels.
    let channel = |text: String| -> String {
        text.lines()
            .enumerate()
            .map(|(i, l)| match i {
                0 => format!("{l},channel\n"),
                _ => format!("{l},{}\n", ["web", "app"][(i - 1) / 4 % 2]),
            })
            .collect()
    };
    write(
        &dir.path().join("candidate.csv"),
        channel(csv(&all, true, true)),
    );
    let gates =
        "gates:\n  - metric: roc_auc\n    max_regression: 0.5\n    by: [country, channel]\n";
    let cfg = config(dir.path(), "candidate.csv", "max_slices: 5\n", gates);
    let (out, _, _) = check(&cfg);
    refused(
        &out,
        &[
            "`by: [country, channel]` has 8 distinct combinations",
            "(5)",
        ],
    );
    // Raised, it runs: every row is still there.
    let cfg = config(dir.path(), "candidate.csv", "max_slices: 8\n", gates);
    let (out, json, _) = check(&cfg);
    assert_eq!(judged(&out, json)["metrics"][0]["rows"], 1500);
    // Zero is not a limit.
    let cfg = config(dir.path(), "candidate.csv", "max_slices: 0\n", gates);
    let (out, _, _) = check(&cfg);
    refused(&out, &["max_slices"]);
}

#[test]
fn weights_equal_up_to_scale_give_the_same_verdict_and_overflow_is_refused() {
    let r = rows(600, 0.3, 0.2, 10);
    let with_weight = |scale: f64, cand: bool| -> String {
        let mut s = String::from("id,label,score,w\n");
        for (i, x) in r.iter().enumerate() {
            let w = scale * (1.0 + (i % 3) as f64);
            let score = if cand { x.cand } else { x.base };
            let _ = writeln!(s, "{},{},{score},{w:e}", x.id, x.label);
        }
        s
    };
    let gates = "gates:\n  - metric: roc_auc\n    max_regression: 0.01\n  - metric: pr_auc\n    max_regression: 0.01\n    evidence: significant\n  - metric: log_loss\n    max_regression: 0.01\n";
    let mut results = Vec::new();
    for scale in [1.0, 1e300, 1e-300] {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("candidate.csv"), with_weight(scale, true));
        write(&dir.path().join("baseline.csv"), with_weight(scale, false));
        let cfg = config(
            dir.path(),
            "candidate.csv",
            "columns: {id: id, weight: w}\n",
            gates,
        );
        let text = std::fs::read_to_string(&cfg)
            .unwrap()
            .replacen("columns: {id: id}\n", "", 1);
        std::fs::write(&cfg, text).unwrap();
        let (out, json, _) = check(&cfg);
        let j = judged(&out, json);
        results.push((
            out.status.code(),
            j["verdict"].clone(),
            j["gates"].clone(),
            j["metrics"].clone(),
        ));
    }
    for other in &results[1..] {
        assert_eq!(other.0, results[0].0, "exit code");
        assert_eq!(other.1, results[0].1, "verdict");
        let statuses = |g: &Value| -> Vec<Value> {
            g.as_array()
                .unwrap()
                .iter()
                .map(|x| x["status"].clone())
                .collect()
        };
        assert_eq!(statuses(&other.2), statuses(&results[0].2));
        for (a, b) in other
            .2
            .as_array()
            .unwrap()
            .iter()
            .zip(results[0].2.as_array().unwrap())
        {
            for key in ["candidate", "baseline", "delta"] {
                let (x, y) = (a[key].as_f64().unwrap(), b[key].as_f64().unwrap());
                assert!(
                    (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                    "{key}: {x} vs {y}"
                );
            }
        }
    }
    // Weights whose sum overflows: refused naming the file and the column.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("candidate.csv"), with_weight(1e307, true));
    write(&dir.path().join("baseline.csv"), with_weight(1e307, false));
    for kind in ["sampling", "frequency"] {
        let cfg = config(
            dir.path(),
            "candidate.csv",
            &format!("columns: {{id: id, weight: w}}\nweights: {kind}\n"),
            GATES,
        );
        let text = std::fs::read_to_string(&cfg)
            .unwrap()
            .replacen("columns: {id: id}\n", "", 1);
        std::fs::write(&cfg, text).unwrap();
        let (out, _, _) = check(&cfg);
        refused(&out, &["candidate.csv", "`w`", "largest finite number"]);
    }
}

/// A `[` in a folder name is a character, for every format: polars is never handed a
/// pattern (the NDJSON scan, which always globs, gets the path escaped).
#[test]
fn a_bracket_in_a_folder_name_reads_every_format() {
    let r = rows(200, 0.3, 0.3, 12);
    let all: Vec<&Row> = r.iter().collect();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("baseline.csv"), csv(&all, false, false));
    let ndjson: String = all
        .iter()
        .map(|x| {
            format!(
                "{{\"id\":\"{}\",\"label\":{},\"score\":{}}}\n",
                x.id, x.label, x.cand
            )
        })
        .collect();
    write(&dir.path().join("run[1]/c.ndjson"), &ndjson);
    // A decoy that a glob reading of `run[1]` would match instead.
    write(
        &dir.path().join("run1/c.ndjson"),
        &ndjson[..ndjson.len() / 2],
    );
    let ids: Vec<String> = all.iter().map(|x| x.id.clone()).collect();
    let labels: Vec<i64> = all.iter().map(|x| i64::from(x.label)).collect();
    let scores: Vec<f64> = all.iter().map(|x| x.cand).collect();
    parquet(
        &dir.path().join("run[1]/p[x]/part-0.parquet"),
        Series::new("id".into(), ids),
        &labels,
        &scores,
    );
    for candidate in ["run[1]/c.ndjson", "run[1]/p[x]", "run[1]/p[x]/*.parquet"] {
        let cfg = config(dir.path(), candidate, "", GATES);
        let (out, json, _) = check(&cfg);
        let j = judged(&out, json);
        assert_eq!(j["inputs"]["candidate"]["rows"], 200, "{candidate}");
        let files = j["inputs"]["candidate"]["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "{candidate}");
        assert!(
            files[0]["path"].as_str().unwrap().contains("run[1]"),
            "{candidate}: {files:?}"
        );
    }
}
