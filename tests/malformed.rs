//! Hostile and malformed inputs through the binary: each either fails with exit 2 and a
//! message naming the file, line or column and the cause, or — where a mature tool should
//! read it (BOM, CRLF, scientific notation, …) — gives exactly the clean file's results.
//! Every run is time-bounded, and on Linux also memory-bounded (`ulimit -v`).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use polars::prelude::*;

const CLEAN: &str = "id,label,score,country\na,0,0.1,DE\nb,1,0.9,DE\nc,0,0.3,FR\nd,1,0.7,FR\ne,0,0.6,FR\nf,1,0.4,DE\n";
const BASELINE: &str = "id,label,score,country\na,0,0.2,DE\nb,1,0.8,DE\nc,0,0.4,FR\nd,1,0.6,FR\ne,0,0.5,FR\nf,1,0.3,DE\n";

/// Address-space cap for the binary: generous for polars' thread pools, far below what a
/// runaway allocation (a YAML bomb, a 50 MB line copied per field) would need.
const MEMORY_LIMIT_KB: u64 = 2 * 1024 * 1024;

/// The config used unless a case brings its own; `{candidate}` is replaced.
fn config(candidate: &str, extra: &str, gate_extra: &str) -> String {
    format!(
        "version: 1\nname: malformed\ncandidate: {candidate}\nbaseline: baseline.csv\ncolumns:\n  label: label\n  score: score\n  id: id\nseed: 7\nbootstrap: {{replicates: 100}}\nmin_slice: {{rows: 1, positives: 0, negatives: 0}}\n{extra}gates:\n  - metric: roc_auc\n    max_regression: 0.5\n{gate_extra}"
    )
}

/// Runs `modelgate check` on `cfg` (plus `args`), bounded in time and, on Linux, memory.
fn check(cfg: &Path, args: &[&str]) -> (Output, Duration) {
    let bin = env!("CARGO_BIN_EXE_modelgate");
    let mut cmd = if cfg!(target_os = "linux") {
        let mut c = assert_cmd::Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {MEMORY_LIMIT_KB} && exec \"$0\" \"$@\""))
            .arg(bin);
        c
    } else {
        assert_cmd::Command::new(bin)
    };
    cmd.arg("check").arg("--config").arg(cfg).args(args);
    // Keep virtual reservations (malloc arenas, thread stacks) small under the cap.
    cmd.env("MALLOC_ARENA_MAX", "2")
        .env("POLARS_MAX_THREADS", "2")
        .env("RAYON_NUM_THREADS", "2");
    for var in [
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "GITHUB_TOKEN",
        "MODELGATE_TOKEN",
        "GITLAB_TOKEN",
        "CI",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(120));
    let start = Instant::now();
    let out = cmd.output().expect("cannot run modelgate");
    (out, start.elapsed())
}

/// A directory holding the baseline and the given files, and a config over them.
fn setup(files: &[(&str, &[u8])], cfg: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("baseline.csv"), BASELINE).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let path = dir.path().join("modelgate.yaml");
    std::fs::write(&path, cfg).unwrap();
    (dir, path)
}

/// Asserts exit 2, no panic, nothing judged, and every `needle` in stderr.
fn assert_refused(name: &str, out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name}: want exit 2, got {:?}; stderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{name}: a refused input prints no report"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{name}: `{needle}` not in stderr: {stderr}"
        );
    }
}

/// One malformed candidate file and what stderr must name.
struct Refused {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    needles: &'static [&'static str],
}

fn refused(
    name: &'static str,
    file: &'static str,
    bytes: impl Into<Vec<u8>>,
    needles: &'static [&'static str],
) -> Refused {
    Refused {
        name,
        file,
        bytes: bytes.into(),
        needles,
    }
}

fn run_refused(cases: Vec<Refused>, extra: &str, gate_extra: &str) {
    for case in cases {
        let (_dir, cfg) = setup(
            &[(case.file, &case.bytes)],
            &config(case.file, extra, gate_extra),
        );
        let (out, took) = check(&cfg, &[]);
        assert_refused(case.name, &out, case.needles);
        assert!(
            took < Duration::from_secs(30),
            "{}: took {took:?}",
            case.name
        );
    }
}

/// `text` encoded as Latin-1 (every char must be below U+0100).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("not Latin-1"))
        .collect()
}

/// The clean file with `f` applied to its text.
fn clean_with(f: impl Fn(&str) -> String) -> Vec<u8> {
    f(CLEAN).into_bytes()
}

#[test]
fn broken_csv_files_are_refused_with_line_and_cause() {
    let utf16: Vec<u8> = {
        let mut v = vec![0xFF, 0xFE];
        v.extend(CLEAN.encode_utf16().flat_map(u16::to_le_bytes));
        v
    };
    let utf16_no_bom: Vec<u8> = CLEAN.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let cases = vec![
        refused(
            "UTF-16 with BOM",
            "candidate.csv",
            utf16,
            &["candidate.csv", "UTF-16", "save it as UTF-8"],
        ),
        refused(
            "UTF-16 without BOM",
            "candidate.csv",
            utf16_no_bom,
            &["candidate.csv", "line 1 holds a NUL byte", "UTF-16"],
        ),
        refused(
            "Latin-1 byte in a slice value",
            "candidate.csv",
            latin1(&CLEAN.replace("a,0,0.1,DE", "a,0,0.1,M\u{e9}xico")),
            &[
                "candidate.csv",
                "line 2 is not valid UTF-8 (byte 0xE9)",
                "Latin-1",
            ],
        ),
        refused(
            "bare CR line endings (classic Mac)",
            "candidate.csv",
            clean_with(|t| t.replace('\n', "\r")),
            &["candidate.csv", "line 1", "bare carriage return"],
        ),
        refused(
            "a bare CR inside otherwise LF data",
            "candidate.csv",
            clean_with(|t| t.replacen("DE\nb", "DE\rb", 1)),
            &["line 2", "bare carriage return"],
        ),
        refused(
            "infinite score from overflow (1e309)",
            "candidate.csv",
            clean_with(|t| t.replace("a,0,0.1,", "a,0,1e309,")),
            &["column `score`", "infinite score", "row(s) 1"],
        ),
        refused(
            "inf and -inf scores",
            "candidate.csv",
            clean_with(|t| {
                t.replace("a,0,0.1,", "a,0,inf,")
                    .replace("b,1,0.9,", "b,1,-inf,")
            }),
            &["column `score`", "2 infinite score(s)", "row(s) 1, 2"],
        ),
        refused(
            "duplicate score column in the header",
            "candidate.csv",
            clean_with(|t| t.replace("country\n", "score\n")),
            &["column `score`", "names the score column `score` 2 times"],
        ),
        refused(
            "header only",
            "candidate.csv",
            "id,label,score,country\n",
            &["candidate.csv", "header but no rows"],
        ),
        refused(
            "only newlines",
            "candidate.csv",
            "\n\n\n\n",
            &["candidate.csv", "line 1 is blank", "header"],
        ),
        refused(
            "a blank line inside the data",
            "candidate.csv",
            clean_with(|t| t.replacen("DE\nb", "DE\n\nb", 1)),
            &["line 3 is blank", "remove blank lines"],
        ),
        refused(
            "ragged row: too many fields",
            "candidate.csv",
            clean_with(|t| t.replace("c,0,0.3,FR", "c,0,0.3,FR,extra")),
            &[
                "candidate.csv",
                "line 4 has 5 fields but the header has 4",
                "quote values",
            ],
        ),
        refused(
            "ragged row: an unquoted comma shifts the score",
            "candidate.csv",
            clean_with(|t| t.replace("c,0,0.3,FR", "c,0,0,3,FR")),
            &["line 4 has 5 fields"],
        ),
        refused(
            "ragged row: too few fields",
            "candidate.csv",
            clean_with(|t| t.replace("b,1,0.9,DE", "b,1,0.9")),
            &["line 3 has 3 fields but the header has 4"],
        ),
        refused(
            "quote left open",
            "candidate.csv",
            clean_with(|t| t.replace("d,1,0.7,FR", "d,1,0.7,\"FR")),
            &["candidate.csv", "quote opened on line 5 is never closed"],
        ),
        refused(
            "NUL byte in a value",
            "candidate.csv",
            clean_with(|t| t.replace("0.9", "0.\u{0}9")),
            &["candidate.csv", "line 3 holds a NUL byte"],
        ),
        refused(
            "labels as strings without positive:",
            "candidate.csv",
            clean_with(|t| t.replace(",0,", ",no,").replace(",1,", ",yes,")),
            &["column `label`", "neither 0/1 nor true/false", "positive:"],
        ),
        refused(
            "labels all NaN",
            "candidate.csv",
            clean_with(|t| t.replace(",0,", ",NaN,").replace(",1,", ",NaN,")),
            &[
                "column `label`",
                "6 label(s) that are NaN",
                "row(s) 1, 2, 3, 4, 5",
            ],
        ),
        refused(
            "id column with a null",
            "candidate.csv",
            clean_with(|t| t.replace("c,0,0.3", ",0,0.3")),
            &["column `id`", "1 missing id(s) at row(s) 3"],
        ),
        // Found by fuzzing: polars takes `x^` (0x78 0x5E) for zlib magic and panicked.
        refused(
            "a header starting `x^` (zlib magic to polars)",
            "candidate.csv",
            clean_with(|t| t.replacen("id,", "x^2,", 1)),
            &["candidate.csv", "0x78 0x5E", "quote the first column name"],
        ),
        refused(
            "a gzip-compressed CSV",
            "candidate.csv",
            [&[0x1f, 0x8b, 0x08, 0x00][..], &[0u8; 16][..]].concat(),
            &["candidate.csv", "gzip-compressed", "gunzip"],
        ),
        refused(
            "a zstd-compressed NDJSON",
            "candidate.ndjson",
            [&[0x28, 0xb5, 0x2f, 0xfd][..], &[0u8; 16][..]].concat(),
            &["candidate.ndjson", "zstd-compressed"],
        ),
        refused(
            "a .txt extension",
            "candidate.txt",
            CLEAN,
            &[
                "candidate.txt",
                "cannot tell the format",
                ".csv, .parquet or .ndjson",
            ],
        ),
    ];
    run_refused(cases, "", "");
}

#[test]
fn weight_column_with_text_is_refused() {
    let weighted = CLEAN
        .replace("country\n", "country,w\n")
        .replace("DE\n", "DE,1\n")
        .replace("FR\n", "FR,2\n")
        .replacen("FR,2\n", "FR,heavy\n", 1);
    let base = BASELINE
        .replace("country\n", "country,w\n")
        .replace("DE\n", "DE,1\n")
        .replace("FR\n", "FR,2\n");
    let cfg = config("candidate.csv", "", "").replace("  id: id\n", "  id: id\n  weight: w\n");
    let (dir, cfg) = setup(&[("candidate.csv", weighted.as_bytes())], &cfg);
    std::fs::write(dir.path().join("baseline.csv"), base).unwrap();
    let (out, _) = check(&cfg, &[]);
    assert_refused(
        "weight with text",
        &out,
        &[
            "column `w`",
            "weight column holds str",
            "row 3 holds \"heavy\"",
        ],
    );
}

#[test]
fn broken_ndjson_and_parquet_files_are_refused() {
    let rows =
        "{\"id\":\"b\",\"label\":1,\"score\":0.9}\n{\"id\":\"c\",\"label\":0,\"score\":0.3}\n";
    let cases = vec![
        refused(
            "NDJSON with a broken line",
            "candidate.ndjson",
            format!(
                "{{\"id\":\"a\",\"label\":0,\"score\":0.1}}\n{{\"id\":\"x\",\"label\":1,\"sc\n{rows}"
            ),
            &[
                "candidate.ndjson",
                "line 2 is not valid JSON",
                "EOF while parsing",
            ],
        ),
        refused(
            "NDJSON score as boolean on one line",
            "candidate.ndjson",
            format!(
                "{{\"id\":\"a\",\"label\":0,\"score\":0.1}}\n{{\"id\":\"x\",\"label\":1,\"score\":true}}\n{rows}"
            ),
            &[
                "candidate.ndjson",
                "`score` is a number on line 1 but a boolean on line 2",
            ],
        ),
        refused(
            "NDJSON score as text on one line",
            "candidate.ndjson",
            format!("{{\"id\":\"a\",\"label\":0,\"score\":\"high\"}}\n{rows}"),
            &["candidate.ndjson", "column `score`", "row 1 holds \"high\""],
        ),
        refused(
            "NDJSON score as a quoted number",
            "candidate.ndjson",
            format!("{{\"id\":\"a\",\"label\":0,\"score\":\"0.1\"}}\n{rows}"),
            &["column `score`", "quoted text", "bare numbers"],
        ),
        refused(
            "NDJSON with NaN (not JSON)",
            "candidate.ndjson",
            format!("{{\"id\":\"a\",\"label\":0,\"score\":NaN}}\n{rows}"),
            &["line 1 is not valid JSON"],
        ),
        refused(
            "NDJSON line that is an array",
            "candidate.ndjson",
            format!("[0, 0.1]\n{rows}"),
            &["line 1 is an array in JSON, not an object"],
        ),
        // Found by fuzzing: an integer beyond 64 bits makes polars infer Int128, a type it
        // is built without, and panic, even in a column that is not read.
        refused(
            "NDJSON with an integer beyond 64 bits",
            "candidate.ndjson",
            format!(
                "{{\"id\":\"a\",\"label\":0,\"score\":0.1,\"hash\":33333333333333333333333366666}}\n{rows}"
            ),
            &[
                "candidate.ndjson",
                "type Int128",
                "integers beyond 64 bits",
                "as text for ids",
            ],
        ),
        refused(
            "NDJSON with a UTF-8 BOM",
            "candidate.ndjson",
            format!("\u{feff}{{\"id\":\"a\",\"label\":0,\"score\":0.1}}\n{rows}"),
            &["candidate.ndjson", "byte-order mark", "without BOM"],
        ),
    ];
    run_refused(cases, "", "");

    let parquet = parquet_bytes();
    let cases = vec![
        refused(
            "Parquet truncated",
            "candidate.parquet",
            parquet[..parquet.len() / 2].to_vec(),
            &["candidate.parquet", "Parquet", "truncated"],
        ),
        refused(
            "Parquet missing its footer",
            "candidate.parquet",
            parquet[..parquet.len() - 1].to_vec(),
            &["candidate.parquet", "truncated"],
        ),
        // A decimal column (common in warehouse exports) made polars panic in the same way.
        refused(
            "Parquet with a decimal column",
            "candidate.parquet",
            DECIMAL_PARQUET[1..].to_vec(),
            &[
                "candidate.parquet",
                "type Decimal(10, 2)",
                "write such columns as float64",
            ],
        ),
        // Found by fuzzing: flipped bits declare an interval column (polars panicked on
        // the type) and break a page header (now refused before polars reads it).
        refused(
            "Parquet with an interval column and a broken page header",
            "candidate.parquet",
            INTERVAL_PARQUET[1..].to_vec(),
            &[
                "candidate.parquet",
                "column `country`",
                "not a page header",
                "corrupt",
            ],
        ),
        // Found by fuzzing: a negative value count in a page header made polars reserve
        // 2^61 bytes and abort.
        refused(
            "Parquet page header with a negative value count",
            "candidate.parquet",
            include_bytes!("../fuzz/corpus/data_parquet/regress-negative-count.bin")[1..].to_vec(),
            &[
                "candidate.parquet",
                "column `id`",
                "a page claims -20 num_values",
                "corrupt",
            ],
        ),
        refused(
            "Parquet with a corrupt footer",
            "candidate.parquet",
            thrift_bool_parquet(),
            &["candidate.parquet", "failed unexpectedly", "corrupt"],
        ),
        // Found by fuzzing: polars sliced the file by a footer's byte range unchecked
        // (undefined behaviour; the debug build aborted with exit 134).
        refused(
            "Parquet whose footer points past its end",
            "candidate.parquet",
            include_bytes!("../fuzz/corpus/data_parquet/regress-range-past-end.bin")[1..].to_vec(),
            &[
                "candidate.parquet",
                "row group 1 claims bytes",
                "truncated or corrupt",
            ],
        ),
        // Found by fuzzing: a page header our own check looped over (a map of 2^62
        // booleans); now refused at once.
        refused(
            "Parquet page header that once made the check loop",
            "candidate.parquet",
            include_bytes!("../fuzz/corpus/data_parquet/regress-header-loop.bin")[1..].to_vec(),
            &["candidate.parquet", "not a page header", "corrupt"],
        ),
        // Found by fuzzing: a footer list length that polars reserved 35 GB for (abort).
        refused(
            "Parquet footer declaring more entries than it holds",
            "candidate.parquet",
            split_first(include_bytes!(
                "../fuzz/corpus/data_parquet/regress-footer-count.bin"
            )),
            &["candidate.parquet", "the footer (file metadata)", "corrupt"],
        ),
        refused(
            "CSV text named .parquet",
            "candidate.parquet",
            CLEAN,
            &["candidate.parquet", "not Parquet"],
        ),
    ];
    // Without an id the Parquet candidate pairs with the 6-row CSV baseline by position.
    run_refused(cases, "", "");
}

/// The clean rows plus an unused `decimal(10, 2)` column, written by pyarrow: the fuzz
/// regression seed (its first byte is the fuzz target's flag byte).
const DECIMAL_PARQUET: &[u8] =
    include_bytes!("../fuzz/corpus/data_parquet/regress-decimal-column.bin");

/// The fuzz regression seed whose schema declares an interval column.
const INTERVAL_PARQUET: &[u8] =
    include_bytes!("../fuzz/corpus/data_parquet/regress-interval-type.bin");

/// The candidate file of a fuzz seed: after the flag byte, up to the `\n#SPLIT#\n` that
/// separates candidate and baseline (when the flag's split bit is set).
fn split_first(seed: &[u8]) -> Vec<u8> {
    let body = &seed[1..];
    let split = b"\n#SPLIT#\n";
    let end = body
        .windows(split.len())
        .position(|w| w == split)
        .filter(|_| seed[0] & 0x80 != 0)
        .unwrap_or(body.len());
    body[..end].to_vec()
}

/// The fuzz regression seed with the corrupt footer field.
fn thrift_bool_parquet() -> Vec<u8> {
    split_first(include_bytes!(
        "../fuzz/corpus/data_parquet/regress-thrift-bool.bin"
    ))
}

/// A valid Parquet file of the clean rows.
fn parquet_bytes() -> Vec<u8> {
    let mut df = df!(
        "id" => ["a", "b", "c", "d", "e", "f"],
        "label" => [0i64, 1, 0, 1, 0, 1],
        "score" => [0.1f64, 0.9, 0.3, 0.7, 0.6, 0.4],
        "country" => ["DE", "DE", "FR", "FR", "FR", "DE"],
    )
    .unwrap();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df).unwrap();
    buf
}

#[test]
fn filesystem_oddities_are_refused() {
    // A directory where the candidate file should be.
    let (dir, cfg) = setup(&[], &config("candidate.csv", "", ""));
    std::fs::create_dir(dir.path().join("candidate.csv")).unwrap();
    let (out, _) = check(&cfg, &[]);
    assert_refused("directory", &out, &["candidate.csv", "is a directory"]);

    #[cfg(unix)]
    {
        // A symlink loop.
        let (dir, cfg) = setup(&[], &config("candidate.csv", "", ""));
        std::os::unix::fs::symlink("loop.csv", dir.path().join("candidate.csv")).unwrap();
        std::os::unix::fs::symlink("candidate.csv", dir.path().join("loop.csv")).unwrap();
        let (out, _) = check(&cfg, &[]);
        assert_refused(
            "symlink loop",
            &out,
            &["candidate.csv", "cannot open the file"],
        );

        // An unreadable file: only meaningful when the tests do not run as root (root
        // reads mode-000 files), so probe first and skip otherwise.
        use std::os::unix::fs::PermissionsExt as _;
        let (dir, cfg) = setup(
            &[("candidate.csv", CLEAN.as_bytes())],
            &config("candidate.csv", "", ""),
        );
        let path = dir.path().join("candidate.csv");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&path).is_err() {
            let (out, _) = check(&cfg, &[]);
            assert_refused(
                "unreadable file",
                &out,
                &["candidate.csv", "ermission denied"],
            );
        }
    }
}

#[test]
fn a_50_mb_line_is_refused_quickly_in_bounded_memory() {
    let mut bytes = CLEAN.replacen("b,1,0.9,DE\n", "", 1).into_bytes();
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let long = vec![b'x'; 50 << 20];
    bytes.splice(at..at, long.into_iter().chain(*b"\n"));
    let (_dir, cfg) = setup(
        &[("candidate.csv", &bytes)],
        &config("candidate.csv", "", ""),
    );
    let (out, took) = check(&cfg, &[]);
    assert_refused(
        "50 MB line",
        &out,
        &["candidate.csv", "line 2 is longer than 16 MiB"],
    );
    assert!(took < Duration::from_secs(60), "a 50 MB line took {took:?}");
}

/// Runs the clean files and a variant, both with `--json`, and returns the two results.
fn json_of(
    files: &[(&str, &[u8])],
    candidate: &str,
    extra: &str,
    gate_extra: &str,
) -> serde_json::Value {
    let (dir, cfg) = setup(files, &config(candidate, extra, gate_extra));
    let json = dir.path().join("out.json");
    let (out, _) = check(&cfg, &["--json", json.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{candidate}: want a verdict, got {:?}: {stderr}",
        out.status
    );
    let text = std::fs::read_to_string(&json).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Asserts that `variant` gives exactly the clean file's gates and metrics.
fn assert_reads_like_clean(name: &str, variant: &[u8], extra: &str, gate_extra: &str) {
    let clean = json_of(
        &[("candidate.csv", CLEAN.as_bytes())],
        "candidate.csv",
        extra,
        gate_extra,
    );
    let got = json_of(
        &[("candidate.csv", variant)],
        "candidate.csv",
        extra,
        gate_extra,
    );
    assert_eq!(got["gates"], clean["gates"], "{name}: gates differ");
    assert_eq!(got["metrics"], clean["metrics"], "{name}: metrics differ");
    assert_eq!(got["inputs"]["candidate"]["rows"], 6, "{name}: rows");
}

#[test]
fn utf8_bom_before_the_header_is_read_correctly() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(CLEAN.as_bytes());
    // `id` is the first column: were the BOM kept, `\u{feff}id` would not be found.
    assert_reads_like_clean("BOM", &bytes, "", "");
}

#[test]
fn crlf_and_mixed_line_endings_are_read_correctly() {
    assert_reads_like_clean("CRLF", &clean_with(|t| t.replace('\n', "\r\n")), "", "");
    let mixed: String = CLEAN
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i % 2 == 0 {
                l.replace('\n', "\r\n")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_reads_like_clean("mixed CRLF/LF", mixed.as_bytes(), "", "");
    // Trailing blank lines are a trailing newline, not rows.
    assert_reads_like_clean(
        "trailing blank lines",
        &clean_with(|t| format!("{t}\n\r\n")),
        "",
        "",
    );
}

#[test]
fn scientific_notation_and_huge_finite_scores_are_read_correctly() {
    let sci = clean_with(|t| {
        t.replace("0.1,", "1e-1,")
            .replace("0.9,", "9.0E-1,")
            .replace("0.3,", "3e-01,")
    });
    assert_reads_like_clean("scientific notation", &sci, "", "");
    // 1e308 is finite and still the highest score: the ranking, and so the gate, are
    // unchanged; only the probability metrics (log loss, Brier, ECE) are left out.
    let huge = clean_with(|t| t.replace("b,1,0.9,", "b,1,1e308,"));
    let clean = json_of(
        &[("candidate.csv", CLEAN.as_bytes())],
        "candidate.csv",
        "",
        "",
    );
    let got = json_of(&[("candidate.csv", &huge)], "candidate.csv", "", "");
    assert_eq!(got["gates"], clean["gates"]);
    let values = |j: &serde_json::Value| j["metrics"][0]["candidate"].clone();
    assert_eq!(values(&got)["roc_auc"], values(&clean)["roc_auc"]);
    assert!(values(&got)["log_loss"].is_null(), "{}", values(&got));
}

#[test]
fn keyword_column_names_and_empty_slice_values_are_read_correctly() {
    let renamed = CLEAN
        .replace("id,label,score,country", "id,select,from,null")
        .into_bytes();
    let extra = "";
    let cfg_cols = |c: String| {
        c.replace(
            "  label: label\n  score: score\n",
            "  label: select\n  score: from\n",
        )
    };
    let (dir, cfg) = setup(
        &[("candidate.csv", &renamed)],
        &cfg_cols(config("candidate.csv", extra, "    by: \"null\"\n")),
    );
    std::fs::write(
        dir.path().join("baseline.csv"),
        BASELINE.replace("id,label,score,country", "id,select,from,null"),
    )
    .unwrap();
    let json = dir.path().join("out.json");
    let (out, _) = check(&cfg, &["--json", json.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let slices: Vec<&serde_json::Value> = result["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["slice"]["null"])
        .collect();
    assert_eq!(slices, ["DE", "FR"], "slices by the column named `null`");

    // Empty slice values form an explicit "missing" slice: never dropped.
    let blanks = clean_with(|t| {
        t.replace("e,0,0.6,FR", "e,0,0.6,")
            .replace("f,1,0.4,DE", "f,1,0.4,")
    });
    let result = json_of(
        &[("candidate.csv", &blanks)],
        "candidate.csv",
        "",
        "    by: country\n",
    );
    let gates = result["gates"].as_array().unwrap();
    assert_eq!(gates.len(), 3, "DE, FR and the missing slice: {gates:?}");
    assert!(
        gates.iter().any(|g| g["slice"]["country"].is_null()),
        "{gates:?}"
    );
}

/// Runs one config against the clean files and asserts exit 2 with `needles`.
fn config_refused(name: &str, text: impl AsRef<[u8]>, needles: &[&str], within: Duration) {
    let (dir, cfg) = setup(&[("candidate.csv", CLEAN.as_bytes())], "");
    std::fs::write(&cfg, text).unwrap();
    let (out, took) = check(&cfg, &[]);
    assert_refused(name, &out, needles);
    assert!(took < within, "{name}: took {took:?}");
    drop(dir);
}

#[test]
fn hostile_configs_are_refused_fast() {
    let good = config("candidate.csv", "", "");
    let second = Duration::from_secs(20);
    config_refused(
        "YAML with tabs for indentation",
        good.replace("  - metric", "\t- metric"),
        &["modelgate.yaml", "line 13", "tabs"],
        second,
    );
    // Billion laughs: nine levels of nine aliases, 387 million nodes if expanded.
    let mut bomb =
        String::from("positive:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..9u8 {
        let (this, prev) = ((b'a' + level) as char, (b'a' + level - 1) as char);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        bomb.push_str(&format!("  {this}: &{this} [{refs}]\n"));
    }
    config_refused(
        "YAML alias bomb",
        good.replace("seed: 7\n", &format!("seed: 7\n{bomb}")),
        &["modelgate.yaml", "alias bombs are refused"],
        Duration::from_secs(5),
    );
    config_refused(
        "deeply nested YAML",
        good.replace(
            "seed: 7\n",
            &format!(
                "seed: 7\npositive: {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        &["modelgate.yaml", "line 10", "recursion limit"],
        second,
    );
    config_refused(
        "YAML with a 1 MB string",
        good.replace(
            "name: malformed",
            &format!("name: {}", "x".repeat(1_000_000)),
        ),
        &["modelgate.yaml", "`name` is 1000000 characters long"],
        second,
    );
    config_refused(
        "a config larger than 1 MiB",
        format!("{good}# {}\n", "x".repeat(2 << 20)),
        &["modelgate.yaml", "larger than 1 MiB"],
        second,
    );
    config_refused(
        "config version 2",
        good.replace("version: 1", "version: 2"),
        &["modelgate.yaml", "version 2 is not supported", "version: 1"],
        second,
    );
    config_refused(
        "config with a duplicate key",
        good.replace("seed: 7\n", "seed: 7\nseed: 8\n"),
        &[
            "modelgate.yaml",
            "line 10",
            "duplicate mapping key: seed",
            "once per mapping",
        ],
        second,
    );
    config_refused(
        "config that is not UTF-8",
        latin1(&good.replace("name: malformed", "name: caf\u{e9}")),
        &["modelgate.yaml", "cannot read the config file", "UTF-8"],
        second,
    );
}

/// Every seed of the data fuzz targets (`fuzz/corpus/data_*`), built into files the way
/// `fuzz/fuzz_targets/loader.rs` builds them, through `data::load` in this process: each
/// loads with aligned, finite columns or is refused with a message; none may abort the
/// process (the Parquet seeds once did), and in text formats none may reach a polars
/// panic (those have had a root cause on our side).
#[test]
fn every_data_fuzz_seed_loads_or_is_refused() {
    use modelgate::data::{self, LabelValue, Request};

    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut seen = 0;
    for ext in ["csv", "ndjson", "parquet"] {
        let mut seeds: Vec<PathBuf> = std::fs::read_dir(corpus.join(format!("data_{ext}")))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        seeds.sort();
        for seed in seeds {
            let bytes = std::fs::read(&seed).unwrap();
            let Some((&flags, body)) = bytes.split_first() else {
                continue;
            };
            let dir = tempfile::tempdir().unwrap();
            let candidate = dir.path().join(format!("candidate.{ext}"));
            let baseline = dir.path().join(format!("baseline.{ext}"));
            let split = b"\n#SPLIT#\n";
            let (cand, base) = if flags & 0x80 != 0 {
                match body.windows(split.len()).position(|w| w == split) {
                    Some(at) => (&body[..at], Some(&body[at + split.len()..])),
                    None => (body, Some(body)),
                }
            } else if flags & 0x01 != 0 {
                (body, Some(body))
            } else {
                (body, None)
            };
            std::fs::write(&candidate, cand).unwrap();
            if let Some(b) = base {
                std::fs::write(&baseline, b).unwrap();
            }
            let slicings = match (flags >> 3) & 0x03 {
                0 => vec![],
                1 => vec![vec!["country".to_string()]],
                2 => vec![vec!["country".to_string(), "channel".to_string()]],
                _ => vec![vec!["country".to_string()], vec!["channel".to_string()]],
            };
            let positive = match (flags >> 5) & 0x03 {
                0 => None,
                1 => Some(LabelValue::Str("yes".into())),
                2 => Some(LabelValue::Int(1)),
                _ => Some(LabelValue::Bool(true)),
            };
            let req = Request {
                candidate,
                baseline: base.map(|_| baseline),
                label: "label".into(),
                score: "score".into(),
                id: (flags & 0x02 != 0).then(|| "id".to_string()),
                weight: (flags & 0x04 != 0).then(|| "w".to_string()),
                slicings,
                positive,
                normalise_weights: flags & 0x04 != 0,
                max_slices: data::DEFAULT_MAX_SLICES,
                task: modelgate::task::Task::Binary,
                cluster: None,
                classes: None,
                group: None,
            };
            let name = seed.display();
            match data::load(&req) {
                Ok(paired) => {
                    let n = paired.len();
                    assert!(n > 0, "{name}: no rows");
                    assert_eq!(paired.candidate.len(), n, "{name}");
                    assert!(paired.candidate.iter().all(|s| s.is_finite()), "{name}");
                    if let Some(b) = &paired.baseline {
                        assert_eq!(b.len(), n, "{name}");
                        assert!(b.iter().all(|s| s.is_finite()), "{name}");
                    }
                }
                Err(e) => {
                    assert!(!e.message.is_empty(), "{name}");
                    assert!(
                        ext == "parquet" || !e.message.contains("reader failed unexpectedly"),
                        "{name}: {e}"
                    );
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 30, "only {seen} seeds found");
}
