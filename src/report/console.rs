//! What a person reads in the console: the short summary on stderr, `--explain GATE_ID`,
//! and the annotations a CI shows beside the diff. Words only; `app` decides where they go
//! (and whether the terminal takes colour), `publish` sends the annotations.

use crate::config::{Severity, Spec};
use crate::gate::{Outcome, Status, Verdict};

use super::{Run, escape, not_judged_text, slice_label};

/// How loud an annotation is: GitHub's `::error`, `::warning` or `::notice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// A blocking gate failed (or judged nothing and blocks): `::error`.
    #[default]
    Error,
    /// A warn-severity gate failed, or a non-blocking gate judged nothing: `::warning`.
    Warning,
}

/// A failed gate, as a GitHub annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// `::error` for what blocks, `::warning` for what does not.
    pub level: Level,
    /// Short title (e.g. `roc_auc, country=DE: fail`).
    pub title: String,
    /// One sentence a reviewer understands.
    pub message: String,
}

/// One annotation per gate that judged nothing and per failed gate result: `::error` for
/// what blocks the run, `::warning` for what does not.
pub fn annotations(run: &Run) -> Vec<Annotation> {
    let level = |blocks: bool| {
        if blocks { Level::Error } else { Level::Warning }
    };
    let unjudged = run.not_judged.iter().map(|n| Annotation {
        level: level(n.severity == Severity::Block && run.blocked_by_nothing_judged()),
        title: format!("modelgate: {} not judged", n.id),
        message: format!("nothing judged: {}", not_judged_text(n)),
    });
    let failed = run
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Fail)
        .map(|o| Annotation {
            level: level(o.blocks()),
            title: format!(
                "modelgate: {} {}",
                o.id,
                if o.slice.is_empty() {
                    String::new()
                } else {
                    slice_label(&o.slice)
                }
            ),
            message: super::reason(o, run.confidence),
        });
    unjudged.chain(failed).collect()
}

/// The short human summary on stderr: the verdict and each failing gate.
pub fn summary(run: &Run, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let head = match run.verdict {
        Verdict::Fail => paint("1;31", "BLOCKED"),
        Verdict::Warn => paint("1;33", "PASSED WITH WARNINGS"),
        Verdict::Pass => paint("1;32", "PASSED"),
    };
    let judged = run
        .outcomes
        .iter()
        .filter(|o| o.status != Status::Skip)
        .count();
    let (failed, warned) = fail_counts(run);
    let skipped = run.outcomes.len() - judged;
    let waived = run
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Waived)
        .count();
    let t = escape::terminal;
    let waived = if waived > 0 {
        format!(", {waived} waived")
    } else {
        String::new()
    };
    let mut s = format!(
        "modelgate: {head} · {} · {judged} judged, {failed} failed, {warned} warned{waived}, {skipped} skipped\n",
        t(&run.name)
    );
    for n in &run.not_judged {
        let tag = if n.severity == Severity::Block && run.blocked_by_nothing_judged() {
            paint("31", "not judged")
        } else {
            paint("33", "not judged")
        };
        s.push_str(&format!(
            "  {tag} {} (config line {}): {}\n",
            t(&n.id),
            n.line,
            t(&not_judged_text(n))
        ));
    }
    for w in &run.warnings {
        s.push_str(&format!("  {} {}\n", paint("33", "warning"), t(&w.text())));
    }
    // Waived and failed results, each with its slice: a slice-less waiver on a `by` gate
    // covers several results, which must stay tellable apart.
    let shown = |o: &&Outcome| matches!(o.status, Status::Waived | Status::Fail);
    for o in run.outcomes.iter().filter(shown) {
        let (tag, text) = match o.status {
            Status::Waived => (
                paint("36", "waived"),
                o.waiver
                    .as_ref()
                    .map(super::waiver_text)
                    .unwrap_or_default(),
            ),
            _ if o.blocks() => (paint("31", "fail"), super::reason(o, run.confidence)),
            _ => (paint("33", "warn"), super::reason(o, run.confidence)),
        };
        let at = if o.slice.is_empty() {
            String::new()
        } else {
            format!(" [{}]", t(&slice_label(&o.slice)))
        };
        s.push_str(&format!("  {tag} {}{at}: {}\n", t(&o.id), t(&text)));
    }
    s
}

/// (blocking failures, warn-severity failures) among the gate results.
fn fail_counts(run: &Run) -> (usize, usize) {
    let failing = run.outcomes.iter().filter(|o| o.status == Status::Fail);
    let blocking = failing.clone().filter(|o| o.blocks()).count();
    (blocking, failing.count() - blocking)
}

/// `--explain GATE_ID`: how one gate reached its decision, numbers included.
pub fn explain(spec: &Spec, run: &Run, id: &str) -> String {
    let mut s = String::new();
    let Some(g) = spec.gates.iter().find(|g| g.id == id) else {
        return s;
    };
    s.push_str(&format!(
        "gate {} (config {}:{})\n",
        escape::terminal(id),
        escape::terminal(&spec.path.display().to_string()),
        g.line
    ));
    s.push_str(&format!(
        "  metric:     {} ({:?})\n",
        g.metric,
        g.metric.direction()
    ));
    s.push_str(&format!("  rule:       {} {}\n", g.rule.as_str(), g.limit));
    s.push_str(&format!("  evidence:   {}\n", g.evidence.as_str()));
    s.push_str(&format!("  test:       {}\n", g.test.as_str()));
    s.push_str(&format!("  severity:   {}\n", g.severity.as_str()));
    if !g.by.is_empty() {
        s.push_str(&format!(
            "  by:         {} (correction: {:?})\n",
            escape::terminal(&g.by.join(", ")),
            g.correction
        ));
    }
    s.push_str(&format!("  confidence: {}\n", spec.confidence));
    if let Some(n) = run.not_judged.iter().find(|n| n.id == id) {
        s.push_str(&format!(
            "  NOT JUDGED: {} (on_nothing_judged: {})\n",
            escape::terminal(&not_judged_text(n)),
            run.on_nothing_judged.as_str()
        ));
    }
    for o in run.outcomes.iter().filter(|o| o.id == id) {
        s.push_str(&format!(
            "\n  [{}] {}\n",
            escape::terminal(&slice_label(&o.slice)),
            o.status.as_str().to_uppercase()
        ));
        s.push_str(&format!("    rows {}, positives {}\n", o.rows, o.positives));
        let f = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{v:.6}"));
        s.push_str(&format!(
            "    candidate {}  baseline {}  delta {}\n",
            f(o.candidate),
            f(o.baseline),
            f(o.delta)
        ));
        if let Some(iv) = o.ci {
            s.push_str(&format!(
                "    {}% CI [{:.6}, {:.6}]\n",
                spec.confidence * 100.0,
                iv.lo,
                iv.hi
            ));
        }
        if let Some(p) = o.p_value {
            let of = o.p_value_of.map_or("", |h| h.as_str());
            let le = if o.p_value_bound { "<= " } else { "" };
            s.push_str(&format!("    p-value ({of}) {le}{p:.6}"));
            if let Some(a) = o.p_adjusted {
                s.push_str(&format!(", adjusted {a:.6}"));
            }
            s.push('\n');
        }
        if let Some(m) = &o.mcnemar {
            s.push_str(&format!(
                "    McNemar: b={} c={} p={:.6} mid-p={:.6}\n",
                m.b, m.c, m.p, m.mid_p
            ));
        }
        if o.inconclusive {
            s.push_str("    inconclusive: the interval straddles the limit\n");
        }
        if let Some(d) = o.detectable {
            s.push_str(&format!("    detectable change (80% power): {d:.6}\n"));
        }
        s.push_str(&format!(
            "    because: {}\n",
            escape::terminal(&super::reason(o, run.confidence))
        ));
    }
    s
}
