//! OpenMetrics text (`metrics.txt`) for GitLab's metrics report.

use std::fmt::Write as _;

use super::escape::label;
use super::{Run, slice_label};
use crate::gate::Status;

/// Gate statuses and metric values as OpenMetrics gauges.
pub fn openmetrics(run: &Run) -> String {
    let mut s = String::new();
    s.push_str("# TYPE modelgate_verdict_pass gauge\n");
    let _ = writeln!(
        s,
        "modelgate_verdict_pass{{name=\"{}\"}} {}",
        label(&run.name),
        u8::from(run.exit_code() == 0)
    );
    s.push_str("# TYPE modelgate_gate_pass gauge\n");
    for o in &run.outcomes {
        if o.status == Status::Skip {
            continue;
        }
        let _ = writeln!(
            s,
            "modelgate_gate_pass{{gate=\"{}\",slice=\"{}\"}} {}",
            label(&o.id),
            label(&slice_label(&o.slice)),
            u8::from(o.status == Status::Pass)
        );
    }
    if !run.not_judged.is_empty() {
        // A gate that judged nothing has no gate_pass line: say so, so a dashboard does not
        // read its absence as nothing to report.
        s.push_str("# TYPE modelgate_gate_not_judged gauge\n");
        for n in &run.not_judged {
            let _ = writeln!(
                s,
                "modelgate_gate_not_judged{{gate=\"{}\"}} 1",
                label(&n.id)
            );
        }
    }
    s.push_str("# TYPE modelgate_metric gauge\n");
    for row in &run.metrics {
        let sl = label(&slice_label(&row.slice));
        let sides = std::iter::once(("candidate", &row.candidate))
            .chain(row.baseline.as_ref().map(|b| ("baseline", b)));
        for (model, values) in sides {
            for (id, v) in values {
                if let Ok(x) = v
                    && x.is_finite()
                {
                    let _ = writeln!(
                        s,
                        "modelgate_metric{{model=\"{model}\",metric=\"{}\",slice=\"{sl}\"}} {x}",
                        label(&id.to_string())
                    );
                }
            }
        }
    }
    s.push_str("# EOF\n");
    s
}
