//! The comment as GitHub renders it: the report through `cmark-gfm` (GitHub's Markdown
//! engine, Debian package `cmark-gfm`), checked on the HTML. The first screen is one
//! six-column table that fits the ~780 px comment column; the rest is folded in
//! `<details>`; no HTML from data survives (rendered `--unsafe`, as GitHub passes raw HTML
//! to its sanitizer, so anything from data that became a tag would show here).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::modelgate;

/// `markdown` rendered by cmark-gfm with GitHub's table extension, or `None` (with a
/// visible SKIPPED line) when the binary is missing.
fn cmark_gfm(test: &str, markdown: &str) -> Option<String> {
    let child = Command::new("cmark-gfm")
        .args([
            "--unsafe",
            "-e",
            "table",
            "-e",
            "strikethrough",
            "-e",
            "autolink",
            "--to",
            "html",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!(
            "SKIPPED {test}: needs cmark-gfm (Debian package cmark-gfm; .ci/run installs it)"
        );
        return None;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(markdown.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("cmark-gfm");
    assert!(out.status.success());
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

/// Text of every element `tag` in `html` (not nested in itself; `<th>` is not `<thead>`).
fn cells<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i..];
        let next = after[open.len()..].chars().next();
        if !matches!(next, Some('>' | ' ')) {
            rest = &after[open.len()..];
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        let Some(end) = after.find(&close) else { break };
        out.push(&after[gt + 1..end]);
        rest = &after[end + close.len()..];
    }
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn check_comment(test: &str, markdown: &str) -> Option<String> {
    let html = cmark_gfm(test, markdown)?;
    let first_table = cells(&html, "table").first().copied().expect("a table");
    let heads: Vec<String> = cells(first_table, "th")
        .iter()
        .map(|h| strip_tags(h))
        .collect();
    assert_eq!(
        heads,
        [
            "Status",
            "Gate",
            "Slice",
            "Baseline → candidate",
            "Δ [95% CI]",
            "Limit"
        ],
        "{html}"
    );
    let body = cells(first_table, "tbody");
    let rows = cells(body.first().copied().unwrap_or(""), "tr");
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(
            cells(r, "td").len(),
            6,
            "a row with the wrong cell count: {r}"
        );
    }
    // The first screen fits: GitHub wraps cells at spaces, so what cannot shrink is each
    // column's longest unbreakable word. At ~8 px a character and 2 × 13 px cell padding,
    // the sum must stay within the ~780 px comment column.
    let mut widest = [0usize; 6];
    for r in &rows {
        for (k, c) in cells(r, "td").iter().enumerate() {
            let text = strip_tags(c);
            let word = text
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            widest[k] = widest[k].max(word);
        }
    }
    let px: usize = widest.iter().map(|w| w * 8 + 26).sum();
    assert!(px <= 780, "first table needs {px} px at least: {widest:?}");
    // The verdict line comes before the table, everything else after it is folded.
    let table_at = html.find("<table").unwrap();
    assert!(html[..table_at].contains("<h2>"), "verdict first");
    let opened = html.matches("<details>").count();
    assert!(opened >= 2, "{html}");
    assert_eq!(opened, html.matches("</details>").count());
    assert!(html.find("<details>").unwrap() > table_at);
    // Only the tags the report writes itself: nothing from data became HTML.
    let allowed = [
        "h2",
        "h3",
        "p",
        "strong",
        "em",
        "code",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "details",
        "summary",
        "sub",
        "ul",
        "li",
        "a",
        "br",
        "hr",
        "blockquote",
        "del",
        "pre",
    ];
    for piece in html.split('<').skip(1) {
        let name: String = piece
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if piece.starts_with('!') {
            continue; // an HTML comment (the sticky marker is added when publishing)
        }
        assert!(
            allowed.contains(&name.as_str()),
            "raw HTML <{name}> in the comment:\n{html}"
        );
    }
    Some(html)
}

#[test]
fn the_example_comment_renders_as_one_compact_table_and_folds_the_rest() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fraud/modelgate.yaml");
    let out = modelgate()
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    let Some(html) = check_comment("comment_html::example", &md) else {
        return;
    };
    assert!(
        html.contains("<summary>Worst slices (8)</summary>"),
        "{html}"
    );
    assert!(html.contains("0.846 → 0.7916"), "{html}");
}

#[test]
fn hostile_slice_values_stay_text_in_the_rendered_comment() {
    let dir = tempfile::tempdir().unwrap();
    let segments = [
        "<img src=x onerror=alert(1)>",
        "<details><summary>x",
        "a|b",
        "</td></tr></table><script>alert(1)</script>",
        "@team",
    ];
    let mut cand = String::from("id,label,score,segment\n");
    let mut base = cand.clone();
    for i in 0..2_000u64 {
        let seg = segments[(i % 5) as usize];
        let label = u64::from(((i / 5) * 7919) % 10 < 3);
        let noise = ((i * 2_654_435_761) % 1_000) as f64 / 2_000.0;
        let good = if label == 1 { 0.5 + noise } else { noise };
        let bad = if label == 1 { noise } else { 0.5 + noise };
        let c = if i % 5 < 2 { bad } else { good };
        let q = format!("\"{}\"", seg.replace('"', "\"\""));
        cand.push_str(&format!("{i},{label},{c:.4},{q}\n"));
        base.push_str(&format!("{i},{label},{good:.4},{q}\n"));
    }
    std::fs::write(dir.path().join("candidate.csv"), cand).unwrap();
    std::fs::write(dir.path().join("baseline.csv"), base).unwrap();
    std::fs::write(
        dir.path().join("modelgate.yaml"),
        "version: 1\nname: \"<b>x</b> --> <img src=y>\"\ncandidate: candidate.csv\nbaseline: baseline.csv\n\
         columns: {label: label, score: score, id: id}\nseed: 3\nbootstrap: {replicates: 200}\n\
         min_slice: {rows: 10, positives: 2, negatives: 2}\ngates:\n  - metric: roc_auc\n    max_regression: 0.01\n    by: segment\n",
    )
    .unwrap();
    let out = modelgate()
        .current_dir(dir.path())
        .args(["check", "--config", "modelgate.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    let Some(html) = check_comment("comment_html::hostile", &md) else {
        return;
    };
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
}
