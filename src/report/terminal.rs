//! The report for a person at a terminal (`check` with stdout a TTY): the verdict, then an
//! aligned, optionally coloured table of the gates, in plain text. Markdown escapes
//! (`roc\_auc`) belong to files and pipes, which keep getting Markdown.

use super::escape::terminal as plain;
use super::markdown::{delta_ci_text, limit_text, summary_in, values_text};
use super::{Run, not_judged_text, slice_label};
use crate::config::Severity;
use crate::gate::{Status, Verdict};

/// SGR colour codes, or nothing.
struct Paint(bool);

impl Paint {
    fn on(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Pads `s` to `width` characters (every character here is one column wide).
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// The terminal report: verdict line, summary sentence, a table of the whole-set results
/// and failing slices, and where the rest is.
pub fn terminal(run: &Run, color: bool) -> String {
    let paint = Paint(color);
    let head = match run.verdict {
        Verdict::Fail => paint.on("1;31", "BLOCKED"),
        Verdict::Warn => paint.on("1;33", "PASSED WITH WARNINGS"),
        Verdict::Pass => paint.on("1;32", "PASSED"),
    };
    let mut out = format!("modelgate · {} — {head}\n\n", plain(&run.name));
    out.push_str(&format!("{}\n\n", summary_in(run, plain, plain)));

    // (status word, colour, cells)
    let mut rows: Vec<(String, &str, [String; 5])> = Vec::new();
    for n in &run.not_judged {
        let blocks = run.blocked_by_nothing_judged() && n.severity == Severity::Block;
        rows.push((
            "not judged".into(),
            if blocks { "31" } else { "33" },
            [
                plain(&n.id),
                if n.by.is_empty() {
                    "all rows".into()
                } else {
                    format!("by {}", plain(&n.by.join(", ")))
                },
                "–".into(),
                "–".into(),
                plain(&not_judged_text(n)),
            ],
        ));
    }
    let mut hidden = 0usize;
    for o in &run.outcomes {
        if !(o.slice.is_empty() || matches!(o.status, Status::Fail | Status::Waived)) {
            hidden += 1;
            continue;
        }
        let (word, code) = match (o.status, o.severity) {
            (Status::Pass, _) => ("pass", "32"),
            (Status::Fail, Severity::Block) => ("FAIL", "1;31"),
            (Status::Fail, Severity::Warn) => ("warn", "33"),
            (Status::Skip, _) => ("skip", "2"),
            (Status::Waived, _) => ("waived", "36"),
        };
        let word = if o.inconclusive {
            format!("{word}?")
        } else {
            word.to_string()
        };
        rows.push((
            word,
            code,
            [
                plain(&o.metric.to_string()),
                plain(&slice_label(&o.slice)),
                values_text(o),
                delta_ci_text(o),
                limit_text(o),
            ],
        ));
    }
    let ci = format!("Δ [{}% CI]", super::num(run.confidence * 100.0));
    let header = [
        "STATUS",
        "GATE",
        "SLICE",
        "BASELINE → CANDIDATE",
        ci.as_str(),
        "LIMIT",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (word, _, cells) in &rows {
        widths[0] = widths[0].max(word.chars().count());
        for (k, c) in cells.iter().enumerate() {
            widths[k + 1] = widths[k + 1].max(c.chars().count());
        }
    }
    let line: Vec<String> = header
        .iter()
        .zip(&widths)
        .map(|(h, w)| pad(h, *w))
        .collect();
    out.push_str(&format!(
        "  {}\n",
        paint.on("1", line.join("  ").trim_end())
    ));
    for (word, code, cells) in &rows {
        let mut l = format!("  {}", paint.on(code, &pad(word, widths[0])));
        for (k, c) in cells.iter().enumerate() {
            l.push_str("  ");
            l.push_str(&pad(c, widths[k + 1]));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    }
    if rows.iter().any(|(w, _, _)| w.ends_with('?')) {
        out.push_str("\n  ?: inconclusive, the interval straddles the limit.\n");
    }
    if hidden > 0 {
        out.push_str(&format!(
            "\n  {hidden} passing or skipped slice results not shown: --markdown FILE or --json FILE has them all; --explain GATE_ID shows one gate.\n"
        ));
    }
    out
}
