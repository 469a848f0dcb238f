//! Bad input: exit 2 with one clear message naming the file, column, rows or ids, and
//! the fix. Never a panic, never exit 0/1 (CONTRACT §2).

use crate::common;

use common::{modelgate, write_config};

/// A case: candidate CSV, baseline CSV, extra config lines, gates, expected stderr parts.
struct Case {
    name: &'static str,
    candidate: &'static str,
    baseline: &'static str,
    extra: &'static str,
    gates: &'static str,
    expect: &'static [&'static str],
}

const OK_GATE: &str = "  - metric: roc_auc\n    max_regression: 0.1\n";
const CAND: &str = "id,label,score,country\na,0,0.1,DE\nb,1,0.9,DE\nc,0,0.3,FR\nd,1,0.7,FR\n";

fn run(case: &Case) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("candidate.csv"), case.candidate).unwrap();
    std::fs::write(dir.path().join("baseline.csv"), case.baseline).unwrap();
    let cfg = write_config(dir.path(), case.extra, case.gates);
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}: exit {:?}, stderr: {stderr}",
        case.name,
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "{}: {stderr}", case.name);
    assert!(
        out.stdout.is_empty(),
        "{}: nothing is judged, nothing printed",
        case.name
    );
    for part in case.expect {
        assert!(
            stderr.contains(part),
            "{}: `{part}` not in: {stderr}",
            case.name
        );
    }
    // One message: a single line, or a YAML error with its source line and caret.
    let lines = stderr.trim().lines().count();
    assert!(
        lines == 1 || (stderr.contains("modelgate.yaml") && lines <= 12),
        "{}: {stderr}",
        case.name
    );
}

#[test]
fn input_errors_name_file_column_and_rows() {
    let cases = [
        Case {
            name: "missing column",
            candidate: "id,label,prob\na,0,0.1\nb,1,0.9\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &[
                "candidate.csv",
                "score column `score` is missing",
                "`prob`",
                "columns:",
            ],
        },
        Case {
            name: "NaN score",
            candidate: "id,label,score,country\na,0,0.1,DE\nb,1,NaN,DE\nc,0,0.3,FR\nd,1,0.7,FR\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "column `score`", "NaN", "row(s) 2"],
        },
        Case {
            name: "text score",
            candidate: "id,label,score,country\na,0,0.1,DE\nb,1,high,DE\nc,0,0.3,FR\nd,1,0.7,FR\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "column `score`", "not numbers", "\"high\""],
        },
        Case {
            name: "missing score",
            candidate: "id,label,score,country\na,0,0.1,DE\nb,1,,DE\nc,0,0.3,FR\nd,1,0.7,FR\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "column `score`", "missing", "row(s) 2"],
        },
        Case {
            name: "third label value",
            candidate: "id,label,score,country\na,0,0.1,DE\nb,1,0.9,DE\nc,2,0.3,FR\nd,1,0.7,FR\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "column `label`", "row 3", "2"],
        },
        Case {
            name: "text labels without positive",
            candidate: "id,label,score,country\na,legit,0.1,DE\nb,fraud,0.9,DE\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "column `label`", "positive:", "\"legit\""],
        },
        Case {
            name: "duplicate ids",
            candidate: "id,label,score,country\na,0,0.1,DE\na,1,0.9,DE\nc,0,0.3,FR\nd,1,0.7,FR\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "column `id`", "more than once", "\"a\""],
        },
        Case {
            name: "duplicate integer ids",
            candidate: "id,label,score\n7,0,0.1\n7,1,0.9\n9,0,0.3\n9,1,0.7\n",
            baseline: "id,label,score\n7,0,0.1\n8,1,0.9\n9,0,0.3\n10,1,0.7\n",
            extra: "",
            gates: OK_GATE,
            expect: &[
                "candidate.csv",
                "column `id`",
                "2 id value(s) occur more than once (2 duplicate rows)",
                "7, 9",
            ],
        },
        Case {
            name: "unpaired integer ids",
            candidate: "id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n4,1,0.7\n",
            baseline: "id,label,score\n1,0,0.1\n2,1,0.9\n3,0,0.3\n40,1,0.7\n41,0,0.2\n",
            extra: "",
            gates: OK_GATE,
            expect: &[
                "same rows",
                "1 id(s) only in the candidate",
                "(e.g. 4)",
                "2 id(s) only in the baseline",
                "40, 41",
            ],
        },
        Case {
            name: "unpaired rows",
            candidate: CAND,
            baseline: "id,label,score,country\na,0,0.1,DE\nb,1,0.9,DE\nc,0,0.3,FR\nzz,1,0.7,FR\n",
            extra: "",
            gates: OK_GATE,
            expect: &[
                "same rows",
                "1 id(s) only in the candidate",
                "\"d\"",
                "only in the baseline",
                "\"zz\"",
            ],
        },
        Case {
            name: "labels disagree",
            candidate: CAND,
            baseline: "id,label,score,country\na,0,0.1,DE\nb,0,0.9,DE\nc,0,0.3,FR\nd,1,0.7,FR\n",
            extra: "",
            gates: OK_GATE,
            expect: &[
                "baseline.csv",
                "column `label`",
                "different label",
                "id \"b\"",
            ],
        },
        Case {
            name: "negative weight",
            candidate: "id,label,score,w\na,0,0.1,1\nb,1,0.9,-2\n",
            baseline: "id,label,score,w\na,0,0.1,1\nb,1,0.9,-2\n",
            extra: "columns:\n  id: id\n  weight: w\n",
            gates: OK_GATE,
            expect: &["column `w`", "negative weight", "row(s) 2"],
        },
        Case {
            name: "header only",
            candidate: "id,label,score\n",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "no rows"],
        },
        Case {
            name: "empty file",
            candidate: "",
            baseline: CAND,
            extra: "",
            gates: OK_GATE,
            expect: &["candidate.csv", "empty"],
        },
        Case {
            name: "probabilities out of range",
            candidate: "id,label,score\na,0,-1\nb,1,3\nc,0,0.2\nd,1,0.5\n",
            baseline: "id,label,score\na,0,0.1\nb,1,0.9\nc,0,0.2\nd,1,0.5\n",
            extra: "",
            gates: "  - metric: log_loss\n    max: 1.0\n",
            expect: &[
                "candidate.csv",
                "column `score`",
                "outside [0, 1]",
                "log_loss",
            ],
        },
        Case {
            name: "unknown metric",
            candidate: CAND,
            baseline: CAND,
            extra: "",
            gates: "  - metric: pr_acu\n    min: 0.1\n",
            expect: &[
                "modelgate.yaml",
                "unknown metric `pr_acu`",
                "did you mean `pr_auc`",
            ],
        },
        Case {
            name: "unknown key",
            candidate: CAND,
            baseline: CAND,
            extra: "",
            gates: "  - metric: pr_auc\n    minimum: 0.1\n",
            expect: &["modelgate.yaml", "minimum"],
        },
        Case {
            name: "slice column missing",
            candidate: CAND,
            baseline: CAND,
            extra: "",
            gates: "  - metric: pr_auc\n    min: 0.1\n    by: region\n",
            expect: &["candidate.csv", "slice column `region` is missing"],
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn broken_yaml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("modelgate.yaml");
    std::fs::write(
        &cfg,
        "version: 1\nname: x\ngates:\n  - metric: pr_auc\n    min: [0.1\n",
    )
    .unwrap();
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("modelgate.yaml") && err.contains("line"),
        "{err}"
    );
}

#[test]
fn missing_config_and_missing_data_file_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = modelgate()
        .args(["check", "--config"])
        .arg(dir.path().join("nope.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("modelgate init"));
    let cfg = write_config(dir.path(), "", OK_GATE);
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("candidate.csv") && err.contains("cannot open"),
        "{err}"
    );
}

#[test]
fn pairing_by_position_needs_equal_lengths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("candidate.csv"),
        "label,score\n0,0.1\n1,0.9\n0,0.2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("baseline.csv"),
        "label,score\n0,0.1\n1,0.9\n",
    )
    .unwrap();
    let cfg = dir.path().join("modelgate.yaml");
    std::fs::write(
        &cfg,
        "version: 1\nname: t\ncandidate: candidate.csv\nbaseline: baseline.csv\ngates:\n  - metric: roc_auc\n    max_regression: 0.1\n",
    )
    .unwrap();
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has 2 rows") && err.contains("has 3") && err.contains("columns.id"),
        "{err}"
    );
}
