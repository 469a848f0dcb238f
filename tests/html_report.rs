//! `check --html`: one self-contained file with the verdict, the gates and every chart;
//! nothing loaded from anywhere, data escaped, size bounded on a large run, the same bytes
//! twice; and, where Chromium is installed, rendered for real in headless Chromium.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::common;

use common::{modelgate, rows, write_config, write_pair};
use serde_json::Value as Json;

const GATES: &str = "  - metric: roc_auc\n    max_regression: 0.02\n  - metric: pr_auc\n    max_regression: 0.01\n    by: country\n  - metric: churn\n    max: 0.5\n";

fn run_html(dir: &Path, extra_args: &[&str]) -> (i32, PathBuf) {
    let cfg = dir.join("modelgate.yaml");
    let out = dir.join("report.html");
    let assert = modelgate()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--html")
        .arg(&out)
        .args(extra_args)
        .assert();
    let code = assert.get_output().status.code().unwrap_or(-1);
    (code, out)
}

#[test]
fn html_report_is_self_contained_with_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = rows(3000, 0.2, 0.4, 5);
    // A hostile slice value: text, never markup.
    for r in data.iter_mut().step_by(4) {
        r.country = "<script>alert(1)</script>".into();
    }
    write_pair(dir.path(), &data);
    write_config(dir.path(), "", GATES);
    let (code, out) = run_html(dir.path(), &[]);
    assert!(code == 0 || code == 1, "exit {code}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..80]);
    for id in [
        "chart-roc",
        "chart-pr",
        "chart-calibration",
        "chart-distribution",
        "forest-pr-auc-max-regression-by-country",
        "id=\"verdict\"",
        "id=\"gates\"",
    ] {
        assert!(html.contains(id), "{id} missing");
    }
    // Nothing executes or loads: no script, no external reference (the SVG namespace is a
    // name, not a request).
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a script element");
    for needle in ["src=", "href=", "@import", "url("] {
        assert!(!lower.contains(needle), "{needle} in the report");
    }
    let external = lower.matches("http://").count() + lower.matches("https://").count();
    let namespaces = lower
        .matches("xmlns=\"http://www.w3.org/2000/svg\"")
        .count();
    assert_eq!(external, namespaces, "only SVG namespaces mention http");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;"),
        "the slice value is escaped text"
    );
    // Both models drawn on the curves, operating points marked.
    assert!(
        html.contains("data-series=\"candidate\"") && html.contains("data-series=\"baseline\"")
    );
    assert!(html.contains("class=\"marker cand\""));
    // Same inputs, same bytes.
    let first = html.clone();
    let (_, out) = run_html(dir.path(), &[]);
    assert_eq!(std::fs::read_to_string(out).unwrap(), first);
}

#[test]
fn html_report_size_is_bounded_on_a_large_run() {
    // 400k rows of distinct scores: without downsampling each curve would have ~400k points
    // (about 5 MB of coordinates per curve).
    let dir = tempfile::tempdir().unwrap();
    let n = 400_000;
    let mut rng = common::Rng::new(99);
    let (mut c, mut b) = (
        String::from("id,label,score,country\n"),
        String::from("id,label,score,country\n"),
    );
    for i in 0..n {
        let y = u8::from(rng.uniform() < 0.1);
        let s = (rng.uniform() + 0.3 * f64::from(y)) / 1.3;
        let t = (rng.uniform() + 0.25 * f64::from(y)) / 1.25;
        let country = ["DE", "FR", "US", "BR"][i % 4];
        let _ = writeln!(c, "r{i},{y},{s},{country}");
        let _ = writeln!(b, "r{i},{y},{t},{country}");
    }
    std::fs::write(dir.path().join("candidate.csv"), c).unwrap();
    std::fs::write(dir.path().join("baseline.csv"), b).unwrap();
    write_config(
        dir.path(),
        "",
        "  - metric: roc_auc\n    max_regression: 0.02\n    by: country\n",
    );
    let (code, out) = run_html(dir.path(), &[]);
    assert!(code == 0 || code == 1, "exit {code}");
    let size = std::fs::metadata(&out).unwrap().len() as usize;
    eprintln!("HTML report for {n} rows: {size} bytes");
    assert!(
        size < modelgate::report::SIZE_BUDGET,
        "{size} bytes > budget {}",
        modelgate::report::SIZE_BUDGET
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("each within"),
        "the caption states the error bound"
    );
}

fn browser_available() -> bool {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .any(|b| which(b))
        && which("chromedriver")
}

fn which(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}

#[test]
fn html_report_renders_in_headless_chromium() {
    if !browser_available() {
        eprintln!(
            "SKIPPED html_report::html_report_renders_in_headless_chromium: no chromium + chromedriver on PATH; `.ci/run` installs Debian's `chromium` and `chromium-driver`"
        );
        return;
    }
    let Some(python) =
        common::python_with("html_report::renders_in_headless_chromium", &["selenium"])
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(4000, 0.15, 0.6, 21));
    write_config(dir.path(), "", GATES);
    let (code, out) = run_html(dir.path(), &["--html-slice", "country=FR"]);
    assert!(code == 0 || code == 1, "exit {code}");
    let shot = dir.path().join("report.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_html.py");
    let run = std::process::Command::new(python)
        .arg(&script)
        .arg(&out)
        .arg(&shot)
        .output()
        .expect("run the browser check");
    assert!(
        run.status.success(),
        "browser check failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got: Json = serde_json::from_slice(&run.stdout).expect("the script's JSON");
    let charts = got["charts"].as_array().expect("charts");
    let kinds: Vec<&str> = charts.iter().filter_map(|c| c["kind"].as_str()).collect();
    for kind in [
        "roc",
        "pr",
        "roc-slice",
        "pr-slice",
        "calibration",
        "distribution",
        "forest",
    ] {
        assert!(kinds.contains(&kind), "{kind} not rendered: {kinds:?}");
    }
    for c in charts {
        assert!(
            c["width"].as_f64().unwrap() > 100.0 && c["height"].as_f64().unwrap() > 100.0,
            "empty chart {c}"
        );
        if c["kind"] == "forest" {
            assert!(c["marks"].as_u64().unwrap() >= 4, "one dot per country {c}");
        } else {
            assert!(
                c["drawn_series"].as_u64().unwrap() >= 2,
                "both models drawn with a non-empty box {c}"
            );
        }
    }
    assert_eq!(got["scripts"], 0, "no script in the page");
    assert_eq!(got["console"], serde_json::json!([]), "console errors");
    assert_eq!(
        got["requests"],
        serde_json::json!([]),
        "the page loaded something"
    );
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot of {} bytes",
        png.len()
    );
    // `MODELGATE_UPDATE_SCREENSHOT=1` refreshes the README's picture.
    if std::env::var_os("MODELGATE_UPDATE_SCREENSHOT").is_some() {
        let to = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/html-report.png");
        std::fs::copy(&shot, to).expect("update docs/html-report.png");
    }
}

/// `--html-slice COL=VALUE` adds the ROC and precision–recall curves of that slice's rows,
/// also for a column no gate slices by; a value no row has is exit 2 listing the values.
#[test]
fn html_slice_draws_the_curves_of_one_slice() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &rows(2000, 0.2, 0.4, 9));
    write_config(
        dir.path(),
        "",
        "  - metric: roc_auc\n    max_regression: 0.02\n",
    );
    let (code, out) = run_html(dir.path(), &["--html-slice", "country=US"]);
    assert!(code == 0 || code == 1, "exit {code}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("chart-roc-slice") && html.contains("chart-pr-slice"));
    assert!(
        html.contains("ROC curve — country=US (500 rows)"),
        "no slice title"
    );
    let (code, _) = run_html(dir.path(), &["--html-slice", "country=XX"]);
    assert_eq!(code, 2);
    let out = modelgate()
        .args(["check", "--config"])
        .arg(dir.path().join("modelgate.yaml"))
        .args(["--publish", "none", "--html"])
        .arg(dir.path().join("r.html"))
        .args(["--html-slice", "country=XX"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no row has that value") && err.contains("\"US\""),
        "{err}"
    );
    // Without --html the flag is a usage error.
    let out = modelgate()
        .args(["check", "--config"])
        .arg(dir.path().join("modelgate.yaml"))
        .args(["--publish", "none", "--html-slice", "country=US"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
