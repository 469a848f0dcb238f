//! Fuzz bytes as a whole `check` run over generated input folders: parts, writer leftovers,
//! hive folders, symbolic-link loops, duplicate and missing ids, mixed extensions and
//! non-finite scores, then `app::check` end to end with a JSON result.
//!
//! The oracle is what a user relies on: a run over clean folders gives a verdict (exit 0
//! or 1) whose JSON lists exactly the data files written, each with its rows, and judges
//! the whole set on exactly the rows written (nothing dropped, nothing read twice); a run
//! over a broken input is refused with exit 2; nothing panics.
#![no_main]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use modelgate::app;
use clap::Parser as _;
use modelgate::cli::{Cli, Command};

/// Reads the fuzz bytes as small numbers; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
}

/// Faults, one bit each of the second byte.
const LEFTOVERS: u8 = 0x01; // `_SUCCESS`, `.crc`, `_tmp`, `.hidden`, `_temporary/`: skipped
const DUPLICATE_ID: u8 = 0x02; // one candidate id twice, in two parts: exit 2
const MISSING_ID: u8 = 0x04; // one baseline id missing: exit 2
const MIXED_EXT: u8 = 0x08; // a `.ndjson` file among the `.csv` parts: exit 2
const HIVE: u8 = 0x10; // parts in `part=<k>/` folders: read, the hive column unused
const LINK_LOOP: u8 = 0x20; // a symbolic link from the folder to itself: not followed
const NAN_SCORE: u8 = 0x40; // one candidate score `NaN`: exit 2
const REFUSED: u8 = DUPLICATE_ID | MISSING_ID | MIXED_EXT | NAN_SCORE;

fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("MODELGATE_FUZZ_TMP")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        base.join(format!("modelgate-fuzz-run-{}", std::process::id()))
    })
}

/// One generated row of both models.
struct Row {
    id: u32,
    label: u8,
    cand: f64,
    base: f64,
    country: &'static str,
}

/// Writes one model's parts; returns the data files written (relative paths, sorted as
/// the listing sorts them) and their rows.
fn write_parts(
    dir: &Path,
    rows: &[Row],
    parts: usize,
    faults: u8,
    score: impl Fn(&Row) -> String,
) -> Vec<(String, u64)> {
    std::fs::create_dir_all(dir).expect("fuzz dir");
    let mut written = Vec::new();
    for p in 0..parts {
        let mut text = String::from("id,label,score,country\n");
        let mut n = 0u64;
        for r in rows.iter().skip(p).step_by(parts) {
            let _ = writeln!(text, "r{},{},{},{}", r.id, r.label, score(r), r.country);
            n += 1;
        }
        let rel = if faults & HIVE != 0 {
            format!("part={p}/part-{p:05}.csv")
        } else {
            format!("part-{p:05}.csv")
        };
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("fuzz dir");
        }
        std::fs::write(&path, text).expect("fuzz file");
        written.push((rel, n));
    }
    if faults & LEFTOVERS != 0 {
        std::fs::write(dir.join("_SUCCESS"), "").expect("fuzz file");
        std::fs::write(dir.join(".part-00000.csv.crc"), "crc").expect("fuzz file");
        std::fs::write(dir.join("_tmp.csv"), "id,label,score,country\nr0,1,0.5,DE\n").expect("fuzz file");
        std::fs::write(dir.join(".hidden.csv"), "id,label,score,country\nr0,1,0.5,DE\n").expect("fuzz file");
        std::fs::create_dir_all(dir.join("_temporary/0")).expect("fuzz dir");
        std::fs::write(dir.join("_temporary/0/part-9.csv"), "id,label,score,country\nr0,1,0.5,DE\n")
            .expect("fuzz file");
    }
    if faults & LINK_LOOP != 0 {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink(dir, dir.join("loop"));
    }
    written.sort();
    written
}

fn json_rows(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or(u64::MAX)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let shape = b.next();
    let faults = b.next();
    let n = 20 + usize::from(b.next() % 200);
    let cand_parts = 1 + usize::from(shape % 4);
    let base_parts = 1 + usize::from((shape >> 2) % 4);
    let countries = ["DE", "FR", "MX"];
    let mut rows: Vec<Row> = (0..n)
        .map(|i| {
            let x = b.next();
            let y = b.next();
            Row {
                id: i as u32,
                // Rows 0 and 1 make sure both classes exist.
                label: match i {
                    0 => 1,
                    1 => 0,
                    _ => x & 1,
                },
                cand: f64::from(x) / 255.0,
                base: f64::from(y) / 255.0,
                country: countries[usize::from(y) % 3],
            }
        })
        .collect();

    let dir = workdir();
    let _ = std::fs::remove_dir_all(dir);
    let (cdir, bdir) = (dir.join("candidate"), dir.join("baseline"));
    let nan_at = usize::from(b.next()) % n;
    let cand_score = |r: &Row| {
        if faults & NAN_SCORE != 0 && r.id as usize == nan_at {
            "NaN".to_string()
        } else {
            r.cand.to_string()
        }
    };
    let cand_files = write_parts(&cdir, &rows, cand_parts, faults, cand_score);
    if faults & DUPLICATE_ID != 0 {
        std::fs::write(
            cdir.join("part-99999.csv"),
            format!("id,label,score,country\nr{},1,0.5,DE\n", n / 2),
        )
        .expect("fuzz file");
    }
    if faults & MIXED_EXT != 0 {
        std::fs::write(cdir.join("extra.ndjson"), "{\"id\":\"x\"}\n").expect("fuzz file");
    }
    if faults & MISSING_ID != 0 {
        rows.remove(n / 3);
    }
    let base_files = write_parts(&bdir, &rows, base_parts, faults & !NAN_SCORE, |r| {
        r.base.to_string()
    });

    let (by, metric) = match shape >> 4 & 3 {
        0 => ("", "roc_auc"),
        1 => ("    by: country\n", "pr_auc"),
        2 => ("", "recall"),
        _ => ("    by: country\n", "log_loss"),
    };
    let config = dir.join("modelgate.yaml");
    std::fs::write(
        &config,
        format!(
            "version: 1\nname: fuzz\ncandidate: candidate\nbaseline: baseline\ncolumns: {{label: label, score: score, id: id}}\nseed: 1\nbootstrap: {{replicates: 100}}\nmin_slice: {{rows: 5, positives: 1, negatives: 1}}\ngates:\n  - metric: {metric}\n    max_regression: 0.05\n{by}  - metric: roc_auc\n    min: 0.1\n"
        ),
    )
    .expect("fuzz config");
    let json = dir.join("result.json");
    let report = dir.join("report.md");
    // Parsed like the command line, so a new flag never breaks the target.
    let argv = [
        "modelgate".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
        "--markdown".as_ref(),
        report.as_os_str(),
        "--publish".as_ref(),
        "none".as_ref(),
    ];
    let args = match Cli::try_parse_from(argv).expect("fuzz command line").command {
        Command::Check(args) => args,
        _ => unreachable!("parsed as check"),
    };
    let got = app::check(&args);
    if faults & REFUSED != 0 {
        match got {
            Err(e) => assert_eq!(e.exit_code(), 2, "{e}"),
            Ok(code) => panic!("faults {faults:#04x} gave a verdict (exit {code})"),
        }
        assert!(!json.exists(), "a refused run left a result behind");
        return;
    }
    let code = match got {
        Ok(code) => code,
        Err(e) => panic!("clean folders (faults {faults:#04x}) were refused: {e}"),
    };
    assert!(code == 0 || code == 1, "exit {code}");
    let text = std::fs::read_to_string(&json).expect("the result JSON is written");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the result is JSON");
    for (side, files, total) in [
        ("candidate", &cand_files, n as u64),
        ("baseline", &base_files, n as u64),
    ] {
        let input = &doc["inputs"][side];
        assert_eq!(json_rows(&input["rows"]), total, "{side} rows");
        let listed: Vec<(String, u64)> = input["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| {
                let p = f["path"].as_str().unwrap_or_default();
                let dir = if side == "candidate" { "candidate/" } else { "baseline/" };
                let rel = p.split_once(dir).map_or(p, |(_, r)| r).to_string();
                (rel, json_rows(&f["rows"]))
            })
            .collect();
        assert_eq!(&listed, files, "{side}: files read ≠ files written");
    }
    // The whole-set gate judged exactly the rows written, each once.
    let whole = doc["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .find(|g| g["slice"].as_object().is_none_or(|s| s.is_empty()))
        .expect("a whole-set outcome");
    assert_eq!(json_rows(&whole["rows"]), n as u64, "paired rows");
});
