//! JUnit XML: one test case per gate and slice, for GitLab's and GitHub's test reporters.
//!
//! A blocking failure is a `<failure>`; a skipped slice is `<skipped>`; a failed
//! warn-severity gate passes with its warning in `<system-out>`, so test reporters that
//! fail a build on any failure do not block on a warning. A gate that judged nothing gets
//! one more test case of its own: a `<failure>` when it blocks the run
//! (`on_nothing_judged: fail`), a passing case with a `<system-out>` warning otherwise.

use std::fmt::Write as _;

use super::escape::xml;
use super::{Run, not_judged_text, slice_label};
use crate::config::{OnNothingJudged, Severity};
use crate::gate::Status;

/// The JUnit XML document.
pub fn junit_xml(run: &Run) -> String {
    let blocks_unjudged =
        |sev: Severity| sev == Severity::Block && run.on_nothing_judged == OnNothingJudged::Fail;
    let tests = run.outcomes.len() + run.not_judged.len();
    let failures = run.outcomes.iter().filter(|o| o.blocks()).count()
        + run
            .not_judged
            .iter()
            .filter(|n| blocks_unjudged(n.severity))
            .count();
    let skipped = run
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Skip)
        .count();
    let suite = xml(&format!("modelgate: {}", run.name));
    let class = xml(&format!("modelgate.{}", run.name));
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"modelgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    for o in &run.outcomes {
        let name = if o.slice.is_empty() {
            o.id.clone()
        } else {
            format!("{} [{}]", o.id, slice_label(&o.slice))
        };
        let _ = write!(
            s,
            "    <testcase classname=\"{class}\" name=\"{}\" time=\"0\"",
            xml(&name)
        );
        let detail = format!(
            "metric: {}\nrule: {} {}\nevidence: {}\ntest: {}\ncandidate: {}\nbaseline: {}\ndelta: {}\n",
            o.metric,
            o.rule.as_str(),
            o.limit,
            o.evidence.as_str(),
            o.test.as_str(),
            opt(o.candidate),
            opt(o.baseline),
            opt(o.delta)
        );
        match (o.status, o.severity) {
            (Status::Pass, _) => s.push_str("/>\n"),
            (Status::Skip, _) => {
                let _ = writeln!(
                    s,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(&super::reason(o, run.confidence))
                );
            }
            (Status::Fail, Severity::Block) => {
                let _ = writeln!(
                    s,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    xml(&super::reason(o, run.confidence)),
                    o.rule.as_str(),
                    xml(&detail)
                );
            }
            (Status::Waived, _) => {
                let text = o
                    .waiver
                    .as_ref()
                    .map(super::waiver_text)
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    ">\n      <system-out>{}; the rule is broken: {}</system-out>\n    </testcase>",
                    xml(&text),
                    xml(&super::reason(o, run.confidence))
                );
            }
            (Status::Fail, Severity::Warn) => {
                let _ = writeln!(
                    s,
                    ">\n      <system-out>warning (severity: warn): {}</system-out>\n    </testcase>",
                    xml(&super::reason(o, run.confidence))
                );
            }
        }
    }
    for n in &run.not_judged {
        let _ = write!(
            s,
            "    <testcase classname=\"{class}\" name=\"{}\" time=\"0\">",
            xml(&format!("{} (nothing judged)", n.id))
        );
        let why = format!("nothing judged: {}", not_judged_text(n));
        if blocks_unjudged(n.severity) {
            let _ = writeln!(
                s,
                "\n      <failure message=\"{}\" type=\"not_judged\">{}</failure>\n    </testcase>",
                xml(&why),
                xml(&format!("config line {}; on_nothing_judged: fail", n.line))
            );
        } else {
            let _ = writeln!(
                s,
                "\n      <system-out>warning: {}</system-out>\n    </testcase>",
                xml(&why)
            );
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| v.to_string())
}
