//! Hostile configs, environments and servers: limits, verdicts, escaping, redaction, outputs.
//!
//! Each case asserts the exit code, the named cause and, where a result is written, the
//! JSON fields a pipeline reads. Servers are wiremock stand-ins or a raw TCP listener on
//! 127.0.0.1 (for a server that trickles bytes).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use modelgate::publish::{Annotation, Env, Level, Mode, Options, Publication, publish_with};
use modelgate::report::{Document, Section};
use predicates::prelude::*;
use serde_json::Value;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{Row, modelgate, rows, write_config, write_pair};

const TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const GL_TOKEN: &str = "glpat-9xQ2rT7vL3mN8pK4wZ1a";

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("result file")).expect("json")
}

/// A complete config with `body` after the paths (no defaults from `write_config`).
fn config(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("modelgate.yaml");
    std::fs::write(
        &p,
        format!(
            "version: 1\nname: hostile\ncandidate: candidate.csv\nbaseline: baseline.csv\n{body}"
        ),
    )
    .expect("config");
    p
}

/// `label,score,<col>` CSVs for both models with `value(i)` in `col`.
fn write_with_column(dir: &Path, rows: &[Row], col: &str, value: impl Fn(usize) -> String) {
    let mut c = format!("label,score,{col}\n");
    let mut b = c.clone();
    for (i, r) in rows.iter().enumerate() {
        let v = value(i);
        let _ = writeln!(c, "{},{},{v}", r.label, r.cand);
        let _ = writeln!(b, "{},{},{v}", r.label, r.base);
    }
    std::fs::write(dir.join("candidate.csv"), c).expect("candidate");
    std::fs::write(dir.join("baseline.csv"), b).expect("baseline");
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------- §3 nothing judged

#[test]
fn every_slice_below_min_slice_judges_nothing_and_blocks() {
    let dir = tempfile::tempdir().unwrap();
    // 120 rows over 4 countries: 30 per slice, below `min_slice.rows: 50`.
    write_pair(dir.path(), &rows(120, 0.3, 0.5, 3));
    write_config(
        dir.path(),
        "",
        "  - metric: roc_auc\n    max_regression: 0.02\n    by: country\n",
    );
    let (json, junit, md) = (
        dir.path().join("r.json"),
        dir.path().join("r.xml"),
        dir.path().join("r.md"),
    );
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("BLOCKED"), "{err}");
    assert!(
        err.contains("not judged roc_auc-max_regression-by-country"),
        "{err}"
    );
    assert!(err.contains("below `min_slice`"), "{err}");
    let j = json_of(&json);
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["exit_code"], 1);
    assert_eq!(j["on_nothing_judged"], "fail");
    let nj = &j["not_judged"][0];
    assert_eq!(nj["id"], "roc_auc-max_regression-by-country");
    assert_eq!(nj["why"], "all_skipped");
    assert_eq!(nj["slices"], 4);
    assert_eq!(nj["too_small"], 4);
    assert_eq!(nj["config_line"], 13);
    assert!(
        j["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["status"] == "skip" && g["cause"] == "too_small")
    );
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("type=\"not_judged\""), "{junit}");
    assert!(junit.contains("failures=\"1\""), "{junit}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("Blocked: nothing judged"), "{md}");
    assert!(md.contains("| ❌ **not judged** |"), "{md}");
    assert!(
        md.contains("Not judged: roc\\_auc-max\\_regression-by-country"),
        "{md}"
    );
}

#[test]
fn on_nothing_judged_warn_passes_with_the_gate_named() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(120, 0.3, 0.5, 3));
    write_config(
        dir.path(),
        "on_nothing_judged: warn\n",
        "  - metric: roc_auc\n    max_regression: 0.02\n    by: country\n",
    );
    let json = dir.path().join("r.json");
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("PASSED WITH WARNINGS"));
    let j = json_of(&json);
    assert_eq!(j["verdict"], "warn");
    assert_eq!(j["on_nothing_judged"], "warn");
    assert_eq!(
        j["not_judged"][0]["id"],
        "roc_auc-max_regression-by-country"
    );
}

#[test]
fn a_by_column_with_one_row_per_value_judges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_with_column(dir.path(), &rows(300, 0.3, 0.5, 4), "txn", |i| {
        format!("t{i}")
    });
    config(
        dir.path(),
        "gates:\n  - metric: accuracy\n    max_regression: 0.5\n    by: txn\n",
    );
    let json = dir.path().join("r.json");
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("one row per value"),
        "{}",
        stderr_of(&out)
    );
    let j = json_of(&json);
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["not_judged"][0]["why"], "one_row_per_value");
    assert_eq!(j["not_judged"][0]["slices"], 300);
}

#[test]
fn a_judged_gate_beside_an_unjudged_one_does_not_hide_it() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(120, 0.3, 0.5, 3));
    write_config(
        dir.path(),
        "",
        "  - metric: pr_auc\n    min: 0.01\n  - metric: roc_auc\n    max_regression: 0.02\n    by: country\n    severity: warn\n",
    );
    let json = dir.path().join("r.json");
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    // A warn-severity gate that judged nothing warns; it never passes silently.
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let j = json_of(&json);
    assert_eq!(j["verdict"], "warn");
    assert_eq!(j["not_judged"][0]["severity"], "warn");
}

// ---------------------------------------------------------------- §3 non-finite numbers

#[test]
fn weights_equal_up_to_scale_never_pass_on_nan() {
    let dir = tempfile::tempdir().unwrap();
    let r = rows(600, 0.3, 0.5, 5);
    let run = |w: &str| {
        write_with_column(dir.path(), &r, "w", |_| w.to_string());
        config(
            dir.path(),
            "columns: {weight: w}\ngates:\n  - metric: roc_auc\n    max_regression: 0.01\n  - metric: pr_auc\n    min: 0.99\n    severity: warn\n",
        );
        let json = dir.path().join("r.json");
        let out = modelgate()
            .current_dir(dir.path())
            .args(["check", "--config", "modelgate.yaml", "--json"])
            .arg(&json)
            .output()
            .unwrap();
        (out.status.code(), stderr_of(&out), json_of(&json))
    };
    let (code1, _, j1) = run("1");
    let (code_big, err, j_big) = run("1e300");
    let j_big = if code_big == Some(2) {
        Value::Null
    } else {
        j_big
    };
    // The weights are normalised (same verdict), or refused as overflowing (exit 2 naming
    // the weights), or the sums overflow and the gate fails naming the non-finite number:
    // never a pass on NaN.
    match code_big {
        c if c == code1 => {
            assert_eq!(
                j_big["gates"][0]["status"], j1["gates"][0]["status"],
                "{err}"
            );
        }
        Some(2) => assert!(err.contains("weight"), "{err}"),
        _ => {
            assert_eq!(code_big, Some(1), "{err}");
            assert!(err.contains("not a finite number"), "{err}");
            assert_eq!(j_big["gates"][0]["cause"], "non_finite");
        }
    }
}

#[test]
fn metric_arguments_that_cannot_be_finite_are_refused_with_the_line() {
    for (metric, needle) in [
        ("fbeta(1e200)", "beta"),
        ("expected_cost(1e308, 1e308)", "cost above"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_pair(dir.path(), &rows(200, 0.3, 0.5, 6));
        config(
            dir.path(),
            &format!(
                "gates:\n  - metric: pr_auc\n    min: 0.1\n  - metric: {metric}\n    max_regression: 0.1\n"
            ),
        );
        modelgate()
            .current_dir(dir.path())
            .args(["check", "--config", "modelgate.yaml"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("modelgate.yaml:8:"))
            .stderr(predicate::str::contains(needle));
    }
}

// ---------------------------------------------------------------- §3 obvious mistakes

#[test]
fn two_roles_on_one_column_or_empty_names_are_refused() {
    for (columns, gate_extra, needle, line) in [
        (
            "columns: {label: y, score: y}",
            "",
            "`columns.label` and `columns.score` both name the column `y`",
            5,
        ),
        ("columns: {id: \"\"}", "", "`columns.id` is empty", 5),
        (
            "columns: {weight: \"  \"}",
            "",
            "`columns.weight` is empty",
            5,
        ),
        (
            "columns: {id: k, weight: k}",
            "",
            "`columns.id` and `columns.weight`",
            5,
        ),
        (
            "columns: {score: label}",
            "",
            "`columns.label` and `columns.score`",
            5,
        ),
        ("columns: {id: k}", "    by: k\n", "it is the id column", 7),
        (
            "columns: {weight: w}",
            "    by: w\n",
            "it is the weight column",
            7,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_pair(dir.path(), &rows(200, 0.3, 0.5, 6));
        config(
            dir.path(),
            &format!("{columns}\ngates:\n  - metric: pr_auc\n    min: 0.1\n{gate_extra}"),
        );
        modelgate()
            .current_dir(dir.path())
            .args(["check", "--config", "modelgate.yaml"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("modelgate.yaml:{line}:")))
            .stderr(predicate::str::contains(needle));
    }
}

#[test]
fn candidate_compared_with_itself_warns_and_refuses_min_improvement() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(400, 0.3, 0.5, 7));
    // The same path.
    let cfg = |gate: &str| {
        std::fs::write(
            dir.path().join("modelgate.yaml"),
            format!("version: 1\nname: same\ncandidate: candidate.csv\nbaseline: ./candidate.csv\ncolumns: {{id: id}}\ngates:\n  - metric: roc_auc\n{gate}"),
        )
        .unwrap();
    };
    cfg("    min_improvement: 0.01\n");
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("modelgate.yaml:7:"))
        .stderr(predicate::str::contains("cannot improve on itself"));
    cfg("    max_regression: 0.01\n");
    let json = dir.path().join("r.json");
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("warning the candidate and the baseline are the same file"));
    let j = json_of(&json);
    assert_eq!(j["warnings"][0]["kind"], "same_inputs");
    // A copy with the same bytes: same SHA-256.
    std::fs::copy(
        dir.path().join("candidate.csv"),
        dir.path().join("copy.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("modelgate.yaml"),
        "version: 1\nname: same\ncandidate: candidate.csv\nbaseline: copy.csv\ncolumns: {id: id}\ngates:\n  - metric: roc_auc\n    min_improvement: 0.0\n",
    )
    .unwrap();
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("same SHA-256"));
}

// ---------------------------------------------------------------- §4 bounded work

#[test]
fn replicates_outside_the_schema_bounds_are_refused_with_the_line() {
    for reps in ["1e9", "1000000", "0", "99"] {
        let dir = tempfile::tempdir().unwrap();
        write_pair(dir.path(), &rows(200, 0.3, 0.5, 8));
        config(
            dir.path(),
            &format!(
                "bootstrap:\n  replicates: {reps}\ngates:\n  - metric: pr_auc\n    min: 0.1\n"
            ),
        );
        let started = Instant::now();
        let out = modelgate()
            .current_dir(dir.path())
            .args(["check", "--config", "modelgate.yaml"])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{reps}: {err}");
        // `1e9` may be refused by the YAML reader as not an integer, or by the bound.
        assert!(
            err.contains("between 100 and 100000") || err.contains("replicates"),
            "{reps}: {err}"
        );
        assert!(err.contains("modelgate.yaml:"), "{reps}: {err}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}

#[test]
fn bootstrap_memory_beyond_the_budget_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    write_with_column(dir.path(), &rows(3000, 0.4, 0.5, 9), "shop", |i| {
        format!("s{}", i % 600)
    });
    config(
        dir.path(),
        "bootstrap: {replicates: 100000}\nmin_slice: {rows: 1, positives: 0, negatives: 0}\ngates:\n  - metric: pr_auc\n    max_regression: 0.1\n    evidence: confident\n    by: shop\n  - metric: recall\n    max_regression: 0.1\n    evidence: confident\n    by: shop\n",
    );
    let started = Instant::now();
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("GiB budget"))
        .stderr(predicate::str::contains("bootstrap.replicates"));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "refused before the work"
    );
}

// ---------------------------------------------------------------- §5 escaping

#[test]
fn slice_values_cannot_forge_workflow_commands_or_break_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "DE\n::error title=X::forged\r\n::set-output name=verdict::pass";
    write_with_column(dir.path(), &rows(800, 0.3, 0.5, 10), "country", |i| {
        if i % 2 == 0 {
            format!("\"{hostile}\"")
        } else {
            "FR".into()
        }
    });
    config(
        dir.path(),
        "min_slice: {rows: 10, positives: 1, negatives: 1}\ngates:\n  - metric: pr_auc\n    min: 0.999\n    by: country\n",
    );
    let (json, metrics, junit) = (
        dir.path().join("r.json"),
        dir.path().join("m.txt"),
        dir.path().join("j.xml"),
    );
    let summary = dir.path().join("summary.md");
    let out = modelgate()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--publish",
            "github",
            "--json",
        ])
        .arg(&json)
        .arg("--metrics-txt")
        .arg(&metrics)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    for line in err.lines() {
        let t = line.trim_start();
        if t.starts_with("::") {
            assert!(
                t.starts_with("::error title=modelgate%3A ")
                    || t.starts_with("::notice title=modelgate::"),
                "forged workflow command: {line:?}"
            );
        }
    }
    assert!(!err.contains("\n::set-output"), "{err}");
    // Annotations percent-encode data and properties as GitHub's toolkit does.
    assert!(
        err.contains("DE%0A%3A%3Aerror title=X%3A%3Aforged%0D%0A%3A%3Aset-output"),
        "{err}"
    );
    // The JSON keeps the value exactly (serde escapes it).
    let j = json_of(&json);
    let values: Vec<&str> = j["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["slice"]["country"].as_str())
        .collect();
    assert!(values.contains(&hostile), "{values:?}");
    let m = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        m.lines()
            .all(|l| l.starts_with('#') || l.starts_with("modelgate_")),
        "{m}"
    );
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(!x.contains('\r'), "XML escapes or drops CR");
    let s = std::fs::read_to_string(&summary).unwrap();
    assert!(s.lines().all(|l| !l.trim_start().starts_with("::")), "{s}");
}

#[test]
fn annotation_properties_are_percent_encoded_like_the_toolkit() {
    let doc = Document {
        sections: vec![Section::new(0, "## report")],
    };
    let anns = [Annotation {
        level: Level::Error,
        title: "gate, slice: a%b\r\n::x".into(),
        message: "m: 50%\n::error::y".into(),
    }];
    let p = Publication {
        name: "n",
        document: &doc,
        verdict: "fail",
        exit_code: 1,
        report_path: None,
        annotations: &anns,
    };
    let env = Env::from_pairs([("GITHUB_ACTIONS", "true")]);
    let mut commands = Vec::new();
    let _ = publish_with(
        &p,
        &env,
        &Options {
            commit_status: false,
            mode: Mode::GitHub,
            pr: None,
            strict: false,
        },
        &mut commands,
    );
    let text = String::from_utf8(commands).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("::error title=gate%2C slice%3A a%25b%0D%0A%3A%3Ax::m: 50%25%0A::error::y")
    );
}

// ---------------------------------------------------------------- §5 redaction

/// Answers every request with `status` and a body that echoes the request's headers, as a
/// misconfigured proxy would.
struct Echo(u16);

impl Respond for Echo {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut body = String::from("{\"message\": \"denied; request headers:");
        // Credentials first, so that the 300 characters a message keeps include them.
        let mut headers: Vec<_> = req.headers.iter().collect();
        headers.sort_by_key(|(k, _)| !matches!(k.as_str(), "authorization" | "private-token"));
        for (k, v) in headers {
            let _ = write!(body, " {}: {}", k, v.to_str().unwrap_or(""));
        }
        body.push_str("\"}");
        ResponseTemplate::new(self.0).set_body_string(body)
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn small_publication<'a>(doc: &'a Document) -> Publication<'a> {
    Publication {
        name: "hostile",
        document: doc,
        verdict: "fail",
        exit_code: 1,
        report_path: None,
        annotations: &[],
    }
}

fn assert_no_token(text: &str, token: &str) {
    assert!(!text.contains(token), "token leaked: {text}");
    assert!(!text.contains(&token[..12]), "token piece leaked: {text}");
}

#[test]
fn a_server_echoing_the_github_token_cannot_print_it() {
    for status in [401, 403, 500] {
        let rt = rt();
        let server = rt.block_on(MockServer::start());
        rt.block_on(
            Mock::given(wiremock::matchers::any())
                .respond_with(Echo(status))
                .mount(&server),
        );
        let uri = server.uri();
        let env = Env::from_pairs([
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_REPOSITORY", "o/r".into()),
            ("GITHUB_API_URL", uri.clone()),
            ("GITHUB_GRAPHQL_URL", format!("{uri}/graphql")),
            ("GITHUB_TOKEN", TOKEN.into()),
            ("MODELGATE_RETRY_BASE_MS", "1".into()),
            ("MODELGATE_RETRY_ATTEMPTS", "2".into()),
        ]);
        let doc = Document {
            sections: vec![Section::new(0, "## report")],
        };
        let mut opts = Options {
            commit_status: false,
            mode: Mode::GitHub,
            pr: Some(12),
            strict: false,
        };
        let out = publish_with(&small_publication(&doc), &env, &opts, &mut Vec::new())
            .expect("a warning, not an error");
        let all = out.warnings.join("\n");
        assert!(
            all.contains("[redacted]"),
            "{status}: the echo is shown, redacted: {all}"
        );
        assert_no_token(&all, TOKEN);
        opts.strict = true;
        let e = publish_with(&small_publication(&doc), &env, &opts, &mut Vec::new())
            .expect_err("strict");
        assert_no_token(&e.to_string(), TOKEN);
        let seen = rt.block_on(server.received_requests()).unwrap_or_default();
        assert!(!seen.is_empty(), "the server was asked");
    }
}

#[test]
fn a_server_echoing_the_gitlab_token_cannot_print_it() {
    let rt = rt();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(wiremock::matchers::any())
            .respond_with(Echo(403))
            .mount(&server),
    );
    let env = Env::from_pairs([
        ("GITLAB_CI", "true".to_string()),
        ("CI_API_V4_URL", format!("{}/api/v4", server.uri())),
        ("CI_MERGE_REQUEST_IID", "7".into()),
        ("CI_MERGE_REQUEST_PROJECT_ID", "42".into()),
        ("GITLAB_TOKEN", GL_TOKEN.into()),
        ("MODELGATE_RETRY_BASE_MS", "1".into()),
    ]);
    let doc = Document {
        sections: vec![Section::new(0, "## report")],
    };
    let opts = Options {
        commit_status: false,
        mode: Mode::GitLab,
        pr: None,
        strict: true,
    };
    let e =
        publish_with(&small_publication(&doc), &env, &opts, &mut Vec::new()).expect_err("strict");
    let text = e.to_string();
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(text.contains("private-token: [redacted]"), "{text}");
    assert_no_token(&text, GL_TOKEN);
}

#[test]
fn the_cli_never_prints_an_echoed_token() {
    let rt = rt();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(wiremock::matchers::any())
            .respond_with(Echo(500))
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.3, 0.5, 11));
    write_config(dir.path(), "", "  - metric: pr_auc\n    min: 0.01\n");
    let uri = server.uri();
    let out = modelgate()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_API_URL", &uri)
        .env("GITHUB_GRAPHQL_URL", format!("{uri}/graphql"))
        .env("GITHUB_TOKEN", TOKEN)
        .env("MODELGATE_RETRY_BASE_MS", "1")
        .env("MODELGATE_RETRY_ATTEMPTS", "1")
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--publish",
            "github",
            "--strict-publish",
            "--pr",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let all = format!(
        "{}{}",
        stderr_of(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    assert_no_token(&all, TOKEN);
}

// ---------------------------------------------------------------- §4 HTTP limits

/// A server on 127.0.0.1 that answers each connection with headers and then one body byte
/// per `every`, for at most `deadline` in all.
fn trickling_server(every: Duration, deadline: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let end = Instant::now() + deadline;
        let mut conns = Vec::new();
        while Instant::now() < end {
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.set_nonblocking(false);
                let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n[",
                );
                conns.push(s);
            }
            conns.retain_mut(|s| s.write_all(b" ").is_ok());
            std::thread::sleep(every.min(Duration::from_millis(100)));
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_trickling_server_cannot_hold_the_run() {
    let uri = trickling_server(Duration::from_millis(500), Duration::from_secs(30));
    for platform in ["github", "gitlab"] {
        let env = match platform {
            "github" => Env::from_pairs([
                ("GITHUB_ACTIONS", "true".to_string()),
                ("GITHUB_REPOSITORY", "o/r".into()),
                ("GITHUB_API_URL", uri.clone()),
                ("GITHUB_GRAPHQL_URL", format!("{uri}/graphql")),
                ("GITHUB_TOKEN", TOKEN.into()),
                ("MODELGATE_RETRY_BASE_MS", "1".into()),
                ("MODELGATE_HTTP_TIMEOUT_SECS", "1".into()),
                ("MODELGATE_PUBLISH_TIMEOUT_SECS", "3".into()),
            ]),
            _ => Env::from_pairs([
                ("GITLAB_CI", "true".to_string()),
                ("CI_API_V4_URL", format!("{uri}/api/v4")),
                ("CI_MERGE_REQUEST_IID", "7".into()),
                ("CI_MERGE_REQUEST_PROJECT_ID", "42".into()),
                ("GITLAB_TOKEN", GL_TOKEN.into()),
                ("MODELGATE_RETRY_BASE_MS", "1".into()),
                ("MODELGATE_HTTP_TIMEOUT_SECS", "1".into()),
                ("MODELGATE_PUBLISH_TIMEOUT_SECS", "3".into()),
            ]),
        };
        let doc = Document {
            sections: vec![Section::new(0, "## report")],
        };
        let opts = Options {
            commit_status: false,
            mode: Mode::Auto,
            pr: Some(12),
            strict: false,
        };
        let started = Instant::now();
        let out = publish_with(&small_publication(&doc), &env, &opts, &mut Vec::new())
            .expect("a warning");
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "{platform}: held for {took:?}"
        );
        let all = out.warnings.join("\n");
        assert!(all.contains("deadline"), "{platform}: {all}");
    }
}

#[test]
fn an_oversized_body_is_cut_off() {
    let rt = rt();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(9 << 20)))
            .mount(&server),
    );
    let env = Env::from_pairs([
        ("GITLAB_CI", "true".to_string()),
        ("CI_API_V4_URL", format!("{}/api/v4", server.uri())),
        ("CI_MERGE_REQUEST_IID", "7".into()),
        ("CI_MERGE_REQUEST_PROJECT_ID", "42".into()),
        ("GITLAB_TOKEN", GL_TOKEN.into()),
        ("MODELGATE_RETRY_BASE_MS", "1".into()),
        ("MODELGATE_RETRY_ATTEMPTS", "1".into()),
    ]);
    let doc = Document {
        sections: vec![Section::new(0, "## report")],
    };
    let opts = Options {
        commit_status: false,
        mode: Mode::GitLab,
        pr: None,
        strict: false,
    };
    let out =
        publish_with(&small_publication(&doc), &env, &opts, &mut Vec::new()).expect("warning");
    assert!(
        out.warnings.join("\n").contains("larger than 8 MiB"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn an_oversized_event_payload_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    let f = std::fs::File::create(&event).unwrap();
    f.set_len((16 << 20) + 10).unwrap();
    let env = Env::from_pairs([
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_REPOSITORY", "o/r".into()),
        ("GITHUB_EVENT_NAME", "pull_request".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_TOKEN", TOKEN.into()),
    ]);
    let doc = Document {
        sections: vec![Section::new(0, "## report")],
    };
    let opts = Options {
        commit_status: false,
        mode: Mode::GitHub,
        pr: None,
        strict: false,
    };
    let out =
        publish_with(&small_publication(&doc), &env, &opts, &mut Vec::new()).expect("warning");
    assert!(
        out.warnings.join("\n").contains("larger than 16 MiB"),
        "{:?}",
        out.warnings
    );
}

// ---------------------------------------------------------------- §6 outputs

#[test]
fn a_run_that_judges_nothing_leaves_no_stale_result() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.3, 0.5, 12));
    let outs: Vec<PathBuf> = ["r.json", "r.md", "r.xml", "m.txt"]
        .iter()
        .map(|n| dir.path().join("out").join(n))
        .collect();
    let args = |cmd: &mut assert_cmd::Command| {
        cmd.current_dir(dir.path())
            .args(["check", "--config", "modelgate.yaml", "--json"])
            .arg(&outs[0])
            .arg("--markdown")
            .arg(&outs[1])
            .arg("--junit")
            .arg(&outs[2])
            .arg("--metrics-txt")
            .arg(&outs[3]);
    };
    // A good run writes all four, whole, and leaves no temporary file.
    write_config(dir.path(), "", "  - metric: pr_auc\n    min: 0.01\n");
    let mut ok = modelgate();
    args(&mut ok);
    ok.assert().code(0);
    for p in &outs {
        assert!(p.exists(), "{}", p.display());
    }
    assert_eq!(json_of(&outs[0])["verdict"], "pass");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A bad config: exit 2, and the earlier "pass" is gone.
    write_config(dir.path(), "", "  - metric: fbeta(1e200)\n    min: 0.01\n");
    let mut bad = modelgate();
    args(&mut bad);
    bad.assert().code(2);
    for p in &outs {
        assert!(!p.exists(), "stale result left: {}", p.display());
    }
    // Bad input data: the same.
    write_config(dir.path(), "", "  - metric: pr_auc\n    min: 0.01\n");
    let mut ok = modelgate();
    args(&mut ok);
    ok.assert().code(0);
    std::fs::write(dir.path().join("baseline.csv"), "id,label,score,country\n").unwrap();
    let mut bad = modelgate();
    args(&mut bad);
    bad.assert().code(2);
    for p in &outs {
        assert!(!p.exists(), "stale result left: {}", p.display());
    }
}

#[test]
fn an_output_path_naming_the_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.3, 0.5, 13));
    write_config(dir.path(), "", "  - metric: pr_auc\n    min: 0.01\n");
    modelgate()
        .current_dir(dir.path())
        .args([
            "check",
            "--config",
            "modelgate.yaml",
            "--json",
            "./modelgate.yaml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is the config file"));
    assert!(dir.path().join("modelgate.yaml").exists());
}

#[cfg(unix)]
#[test]
fn devices_and_symlinks_are_written_through_never_replaced() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(300, 0.3, 0.5, 14));
    write_config(dir.path(), "", "  - metric: pr_auc\n    min: 0.01\n");
    // A result path that is a symlink to a file elsewhere: the link stays, the target
    // gets the result; `/dev/null` stays the null device (a rename over it would replace
    // it for the whole machine).
    std::fs::create_dir(dir.path().join("store")).unwrap();
    std::fs::write(dir.path().join("store/r.json"), "{\"verdict\": \"stale\"}").unwrap();
    std::os::unix::fs::symlink(dir.path().join("store/r.json"), dir.path().join("r.json")).unwrap();
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json", "r.json"])
        .args(["--markdown", "/dev/null", "--junit", "/dev/null"])
        .assert()
        .code(0);
    let null = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device(), "/dev/null was replaced");
    let link = std::fs::symlink_metadata(dir.path().join("r.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the symlink was replaced");
    assert_eq!(json_of(&dir.path().join("store/r.json"))["verdict"], "pass");
    // Exit 2: the stale target is removed, the device is left alone.
    write_config(dir.path(), "", "  - metric: fbeta(1e200)\n    min: 0.01\n");
    modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml", "--json", "r.json"])
        .args(["--markdown", "/dev/null"])
        .assert()
        .code(2);
    assert!(
        !dir.path().join("store/r.json").exists(),
        "stale target left"
    );
    let null = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device(), "/dev/null was removed");
}
