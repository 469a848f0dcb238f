//! The Markdown report a reviewer reads in seconds: verdict first, then the gates.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::escape::{md, md_cell};
use super::{Document, Run, Section, not_judged_text, slice_label};
use super::{num, reason};
use crate::config::{Rule, Severity};
use crate::gate::{Outcome, Status, Verdict};

const TEMPLATE: &str = include_str!("jinja/report.md.j2");

/// Section order and budget priority: higher numbers are dropped first.
const BLOCKS: &[(&str, u8)] = &[
    ("summary", 0),
    ("worst", 1),
    ("reasons", 2),
    ("skew", 3),
    ("details", 3),
    ("slices", 4),
];

/// Failing slices listed in the main table; more are counted and left to the slice tables.
const MAX_FAILING_SLICES: usize = 20;

/// How many slices the "worst slices" table shows.
const WORST: usize = 8;

/// One row of the first-screen table: six columns, so it fits GitHub's ~780 px comment
/// column without scrolling (status first, so it is never the column cut off).
#[derive(Serialize)]
struct GateRow {
    /// Icon and status word, e.g. `❌ **fail**`.
    status: String,
    gate: String,
    slice: String,
    /// `baseline → candidate` (the candidate alone without a baseline).
    values: String,
    /// The delta and its interval in one cell: `+0.0612 [0.0445, 0.0779]`.
    delta: String,
    /// The limit, short: `≥ 0.12`, `Δ ≥ −0.005, confident`.
    limit: String,
}

#[derive(Serialize)]
struct SliceRow {
    gate: String,
    slice: String,
    rows: u64,
    positives: u64,
    values: String,
    delta_ci: String,
    p: String,
    bar: String,
    status: String,
}

#[derive(Serialize)]
struct ReasonRow {
    icon: &'static str,
    gate: String,
    slice: String,
    reason: String,
    /// `p = 0.0898 (limit_broken)`, or empty.
    p: String,
}

fn icon(o: &Outcome) -> &'static str {
    match (o.status, o.severity) {
        (Status::Pass, _) => "✅",
        (Status::Fail, Severity::Block) => "❌",
        (Status::Fail, Severity::Warn) => "⚠️",
        (Status::Skip, _) => "⏭️",
        (Status::Waived, _) => "🔕",
    }
}

fn status_text(o: &Outcome) -> String {
    let base = match (o.status, o.severity) {
        (Status::Pass, _) => "pass",
        (Status::Fail, Severity::Block) => "**fail**",
        (Status::Fail, Severity::Warn) => "warn",
        (Status::Skip, _) => "skip",
        (Status::Waived, _) => "waived",
    };
    if o.inconclusive {
        format!("{base} (inconclusive)")
    } else {
        base.to_string()
    }
}

/// Whether the outcome's interval is the candidate's own (absolute rules) rather than the
/// delta's.
fn absolute(o: &Outcome) -> bool {
    matches!(o.rule, Rule::Min | Rule::Max)
}

/// `baseline → candidate`, or the candidate alone; an absolute rule's interval (on the
/// candidate's value) follows the candidate, and a `ks` value its test's p-value.
pub(super) fn values_text(o: &Outcome) -> String {
    let mut candidate = match (absolute(o), o.ci) {
        (true, Some(iv)) => format!("{} [{}, {}]", opt(o.candidate), num(iv.lo), num(iv.hi)),
        _ => opt(o.candidate),
    };
    if let Some(t) = &o.ks_test {
        candidate = format!("{candidate} ({})", super::ks_text(t));
    }
    match o.baseline {
        Some(b) => format!("{} → {candidate}", num(b)),
        None => candidate,
    }
}

/// The delta and its interval in one cell (the interval only when it is the delta's).
pub(super) fn delta_ci_text(o: &Outcome) -> String {
    match (o.delta, o.ci) {
        (None, _) => "–".into(),
        (d, Some(iv)) if !absolute(o) => {
            format!("{} [{}, {}]", signed(d), num(iv.lo), num(iv.hi))
        }
        (d, _) => signed(d),
    }
}

/// The short limit of the first-screen table.
pub(super) fn limit_text(o: &Outcome) -> String {
    let ev = match o.evidence {
        crate::config::Evidence::Point => String::new(),
        e => format!(", {}", e.as_str()),
    };
    match o.rule {
        Rule::Min => format!("≥ {}{ev}", num(o.limit)),
        Rule::Max => format!("≤ {}{ev}", num(o.limit)),
        Rule::MaxRegression if o.limit == 0.0 => format!("Δ ≥ 0{ev}"),
        Rule::MaxRegression => format!("Δ ≥ −{}{ev}", num(o.limit)),
        Rule::MaxRegressionRel => format!("Δ ≥ −{}%{ev}", num(o.limit * 100.0)),
        Rule::MinImprovement => format!("Δ ≥ +{}{ev}", num(o.limit)),
    }
}

/// `p = …` for the folded reasons, with what it is the p-value of.
fn p_note(o: &Outcome) -> String {
    let p = p_text(o);
    if p == "–" {
        return String::new();
    }
    let of = o.p_value_of.map_or("", |h| h.as_str());
    if of.is_empty() {
        format!(" (p {p})")
    } else {
        format!(" (p {p}, `{of}`)")
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), num)
}

fn signed(x: Option<f64>) -> String {
    match x {
        Some(v) if v > 0.0 => format!("+{}", num(v)),
        Some(v) => num(v),
        None => "–".into(),
    }
}

fn p_text(o: &Outcome) -> String {
    match (o.p_value, o.p_adjusted) {
        (_, Some(adj)) => format!("{} (adj.)", pfmt(adj, o.p_value_bound)),
        (Some(p), None) => pfmt(p, o.p_value_bound),
        (None, None) => "–".into(),
    }
}

/// A p-value for the table: `≤ x` when it is the bootstrap's resolution bound.
fn pfmt(p: f64, bound: bool) -> String {
    match (bound, p < 1e-4) {
        (true, _) => format!("≤{}", num(p)),
        (false, true) => "<0.0001".into(),
        (false, false) => num(p),
    }
}

/// A delta oriented so that positive is better: (estimate, interval, limit).
type Oriented = (f64, Option<(f64, f64)>, f64);

/// The oriented delta and the oriented limit it is held to, for sorting slices and drawing
/// bars; `None` for absolute rules or without a delta.
fn oriented(o: &Outcome) -> Option<Oriented> {
    if !o.rule.is_relative() || o.delta.is_none() {
        return None;
    }
    let j = o.judged?;
    Some((
        j.value,
        o.oriented_ci().map(|iv| (iv.lo, iv.hi)),
        j.bound.limit(),
    ))
}

/// A 21-cell text strip: the oriented delta `●`, its interval `─`, zero `│`, limit `┆`.
fn bar(est: f64, ci: Option<(f64, f64)>, limit: f64, scale: f64) -> String {
    const W: usize = 21;
    let pos = |x: f64| -> usize {
        let t = (x / scale).clamp(-1.0, 1.0);
        (((t + 1.0) / 2.0) * (W - 1) as f64).round() as usize
    };
    let mut cells = ['·'; W];
    if let Some((lo, hi)) = ci {
        for c in cells.iter_mut().take(pos(hi) + 1).skip(pos(lo)) {
            *c = '─';
        }
    }
    cells[pos(0.0)] = '│';
    cells[pos(limit)] = '┆';
    cells[pos(est)] = '●';
    format!("`{}`", cells.iter().collect::<String>())
}

fn gate_label(o: &Outcome) -> String {
    format!("`{}`", o.metric).replace('|', "\\|")
}

fn slice_row(o: &Outcome, scales: &[(String, f64)]) -> SliceRow {
    let scale = scales
        .iter()
        .find(|(id, _)| *id == o.id)
        .map_or(1.0, |(_, s)| *s);
    let bar = oriented(o).map_or_else(|| "–".to_string(), |(d, ci, lim)| bar(d, ci, lim, scale));
    SliceRow {
        gate: gate_label(o),
        slice: md_cell(&slice_label(&o.slice)),
        rows: o.rows,
        positives: o.positives,
        values: values_text(o),
        delta_ci: delta_ci_text(o),
        p: p_text(o),
        bar,
        status: format!("{} {}", icon(o), status_text(o)),
    }
}

fn summary(run: &Run) -> String {
    summary_in(run, md, md_cell)
}

/// The one-sentence verdict, with `text` escaping free text and `cell` slice labels: the
/// Markdown escapes here, the terminal's in `report::terminal`.
pub(super) fn summary_in(run: &Run, text: fn(&str) -> String, cell: fn(&str) -> String) -> String {
    let md = text;
    let md_cell = cell;
    let judged = run
        .outcomes
        .iter()
        .filter(|o| o.status != Status::Skip)
        .count();
    let skipped = run.outcomes.len() - judged;
    let failing: Vec<&Outcome> = run
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Fail)
        .collect();
    let blocking: Vec<&&Outcome> = failing.iter().filter(|o| o.blocks()).collect();
    let first = |o: &Outcome| {
        let at = if o.slice.is_empty() {
            String::new()
        } else {
            format!(" on {}", md_cell(&slice_label(&o.slice)))
        };
        format!("{}{at}: {}", md(&o.id), md(&reason(o, run.confidence)))
    };
    let skipped_note = if skipped > 0 {
        format!(" ({skipped} slice results skipped)")
    } else {
        String::new()
    };
    // Nothing judged is never a pass: each such gate is named, with why.
    let unjudged: String = run
        .not_judged
        .iter()
        .map(|n| {
            format!(
                " Not judged: {} ({}) — {}.",
                md(&n.id),
                n.severity.as_str(),
                md(&not_judged_text(n))
            )
        })
        .collect();
    let warnings: String = run
        .warnings
        .iter()
        .map(|w| format!(" Warning: {}.", md(&w.text())))
        .collect();
    let waived: Vec<&Outcome> = run
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Waived)
        .collect();
    let waived_note = match waived.first() {
        None => String::new(),
        Some(o) => format!(
            " Waived: {} failing result{} accepted on purpose, never hidden; first: {}{} — {}.",
            waived.len(),
            if waived.len() == 1 { "" } else { "s" },
            md(&o.id),
            if o.slice.is_empty() {
                String::new()
            } else {
                format!(" on {}", md_cell(&slice_label(&o.slice)))
            },
            o.waiver
                .as_ref()
                .map(|w| md(&super::waiver_text(w)))
                .unwrap_or_default()
        ),
    };
    let tail = format!("{waived_note}{unjudged}{warnings}");
    let head = match run.verdict {
        Verdict::Fail if blocking.is_empty() => format!(
            "Blocked: nothing judged — {} blocking gate{} judged no slice (`on_nothing_judged: fail`); {judged} gate results judged{skipped_note}.",
            run.not_judged.len(),
            if run.not_judged.len() == 1 { "" } else { "s" },
        ),
        Verdict::Fail => {
            let more = if blocking.len() > 1 {
                format!(" (and {} more)", blocking.len() - 1)
            } else {
                String::new()
            };
            format!(
                "Blocked: {} of {judged} gate results failed{skipped_note}. {}{more}.",
                blocking.len(),
                blocking.first().map(|o| first(o)).unwrap_or_default()
            )
        }
        Verdict::Warn if failing.is_empty() && !waived.is_empty() => {
            format!("Passed with waivers: every gate result holds or is waived{skipped_note}.")
        }
        Verdict::Warn if failing.is_empty() => format!(
            "Passed with warnings: no gate result failed, but not every gate was judged{skipped_note}."
        ),
        Verdict::Warn => format!(
            "Passed with warnings: every blocking gate holds, {} warning{}{skipped_note}. {}.",
            failing.len(),
            if failing.len() == 1 { "" } else { "s" },
            failing.first().map(|o| first(o)).unwrap_or_default()
        ),
        Verdict::Pass => format!("Passed: all {judged} gate results hold{skipped_note}."),
    };
    format!("{head}{tail}")
}

/// Where the gates came from, when any came from a shared policy: `modelgate:imbalanced-binary:
/// pr_auc-max_regression, …; local: …`; empty when every gate is local.
fn sources_text(run: &Run) -> String {
    if run.gate_sources.iter().all(|(_, s)| s == "local") {
        return String::new();
    }
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (id, src) in &run.gate_sources {
        match groups.iter_mut().find(|(s, _)| s == src) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((src, vec![id])),
        }
    }
    groups
        .iter()
        .map(|(s, ids)| format!("{}: {}", md_cell(s), md_cell(&ids.join(", "))))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders the report as a [`Document`] of prioritised sections.
pub fn markdown(run: &Run) -> Document {
    let (icon_v, headline) = match run.verdict {
        Verdict::Fail => ("❌", "promotion blocked"),
        Verdict::Warn => ("⚠️", "passed with warnings"),
        Verdict::Pass => ("✅", "passed"),
    };
    // Main table: whole-set results and failing slices; everything else below.
    let mut gates = Vec::new();
    // A gate that judged nothing has no row of its own otherwise (its slices are skipped).
    for n in &run.not_judged {
        let blocks = run.blocked_by_nothing_judged() && n.severity == Severity::Block;
        gates.push(GateRow {
            status: if blocks {
                "❌ **not judged**".into()
            } else {
                "⚠️ not judged".into()
            },
            gate: md(&n.id),
            slice: if n.by.is_empty() {
                "all rows".into()
            } else {
                format!("by {}", md_cell(&n.by.join(", ")))
            },
            values: "–".into(),
            delta: "–".into(),
            limit: "–".into(),
        });
    }
    let mut hidden = 0usize;
    let mut hidden_failures = 0usize;
    let mut shown_failures = 0usize;
    for o in &run.outcomes {
        let failing_slice =
            !o.slice.is_empty() && matches!(o.status, Status::Fail | Status::Waived);
        if failing_slice && shown_failures == MAX_FAILING_SLICES {
            // The summary must stay short whatever the slice count: the rest are below.
            hidden_failures += 1;
            continue;
        }
        shown_failures += usize::from(failing_slice);
        if o.slice.is_empty() || matches!(o.status, Status::Fail | Status::Waived) {
            gates.push(GateRow {
                status: format!("{} {}", icon(o), status_text(o)),
                gate: gate_label(o),
                slice: md_cell(&slice_label(&o.slice)),
                values: values_text(o),
                delta: delta_ci_text(o),
                limit: limit_text(o),
            });
        } else {
            hidden += 1;
        }
    }
    let sliced: Vec<&Outcome> = run
        .outcomes
        .iter()
        .filter(|o| !o.slice.is_empty())
        .collect();
    // One scale per gate, so that a gate's slices compare at a glance.
    let mut scales: Vec<(String, f64)> = Vec::new();
    for o in &sliced {
        let Some((d, ci, lim)) = oriented(o) else {
            continue;
        };
        let (lo, hi) = ci.unwrap_or((d, d));
        let m = [d.abs(), lo.abs(), hi.abs(), lim.abs()]
            .into_iter()
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max);
        match scales.iter_mut().find(|(id, _)| *id == o.id) {
            Some((_, s)) => *s = s.max(m),
            None => scales.push((o.id.clone(), m.max(1e-12))),
        }
    }
    // Worst slices: judged slices by how far the oriented delta sits from its limit.
    let mut ranked: Vec<(&Outcome, f64)> = sliced
        .iter()
        .filter(|o| o.status != Status::Skip)
        .filter_map(|o| oriented(o).map(|(d, _, lim)| (*o, d - lim)))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let worst: Vec<SliceRow> = ranked
        .iter()
        .take(WORST)
        .map(|(o, _)| slice_row(o, &scales))
        .collect();
    let slices: Vec<SliceRow> = sliced.iter().map(|o| slice_row(o, &scales)).collect();
    let reasons: Vec<ReasonRow> = run
        .outcomes
        .iter()
        .filter(|o| o.slice.is_empty() || o.status != Status::Pass)
        .map(|o| ReasonRow {
            icon: icon(o),
            gate: md(&o.id),
            slice: md_cell(&slice_label(&o.slice)),
            reason: match &o.waiver {
                Some(w) => format!(
                    "**{}**; {}",
                    md(&super::waiver_text(w)),
                    md(&reason(o, run.confidence))
                ),
                None => md(&reason(o, run.confidence)),
            },
            p: p_note(o),
        })
        .collect();
    let file = |f: &crate::data::FileInfo, origin: Option<&super::InputOrigin>| {
        // An MLflow input also names what its URI resolved to.
        let resolved = origin.map_or(String::new(), |o| match (&o.model, &o.version) {
            (Some(m), Some(v)) => format!(
                ", MLflow model {} version {}, run {}",
                md(m),
                md(v),
                md(&o.run_id)
            ),
            _ => format!(", MLflow run {}", md(&o.run_id)),
        });
        format!(
            "{} ({} rows, sha256 {}{resolved})",
            md(&f.path.display().to_string()),
            f.rows,
            &f.sha256[..f.sha256.len().min(12)]
        )
    };
    let ctx = context! {
        icon => icon_v,
        headline => headline,
        title => md(&run.name),
        summary => summary(run),
        ci_label => format!("{}% CI", num(run.confidence * 100.0)),
        gates => Value::from(Serde(&gates)),
        hidden_passes => hidden,
        hidden_failures => hidden_failures,
        worst => Value::from(Serde(&worst)),
        reasons => Value::from(Serde(&reasons)),
        slices => Value::from(Serde(&slices)),
        candidate => file(&run.candidate, run.origins.candidate.as_ref()),
        baseline => run
            .baseline
            .as_ref()
            .map(|b| file(b, run.origins.baseline.as_ref()))
            .unwrap_or_default(),
        config => format!("{} (sha256 {})", md(&run.config_path), &run.config_sha256[..run.config_sha256.len().min(12)]),
        threshold => num(run.threshold),
        confidence => num(run.confidence),
        seed => run.seed,
        version => run.version.clone(),
        notes => Value::from(Serde(
            super::method_notes(&run.methods)
                .iter()
                .map(|n| md(n))
                .collect::<Vec<_>>()
        )),
        sources => sources_text(run),
        reference => run.reference.as_ref().map(|r| file(r, None)).unwrap_or_default(),
        skew => run.skew.as_ref().map(|s| Value::from(Serde(skew_block(s, &file)))),
    };
    let mut env = Environment::new();
    if let Ok(syntax) = SyntaxConfig::builder().trim_blocks(true).build() {
        env.set_syntax(syntax);
    }
    let sections = match env.template_from_str(TEMPLATE).and_then(|t| {
        let mut captured = t.render_captured(ctx)?;
        let mut out = Vec::new();
        for (name, priority) in BLOCKS {
            let text = captured.with_state_mut(|s| s.render_block(name))?;
            out.push(Section {
                priority: *priority,
                markdown: text,
            });
        }
        Ok(out)
    }) {
        Ok(s) => s,
        // The template is embedded and tested; a failure here is a bug, shown not hidden.
        Err(e) => vec![Section {
            priority: 0,
            markdown: format!("modelgate: report template error: {e}\n"),
        }],
    };
    Document {
        sections: sections
            .into_iter()
            .filter(|s| !s.markdown.trim().is_empty())
            .collect(),
    }
}

/// Features listed in the skew table (the worst; the JSON has them all).
const SKEW_ROWS: usize = 10;

/// The skew section's values, escaped for Markdown.
#[derive(Serialize)]
struct SkewBlock {
    headline: String,
    offline: String,
    online: String,
    id: String,
    rows: Vec<SkewRow>,
}

/// One feature of the skew table.
#[derive(Serialize)]
struct SkewRow {
    name: String,
    kind: String,
    mismatch: String,
    max_diff: String,
    missing: String,
    examples: String,
}

fn skew_block(
    s: &crate::measure::skew::SkewSummary,
    file: &dyn Fn(&crate::data::FileInfo, Option<&super::InputOrigin>) -> String,
) -> SkewBlock {
    let worst = s.worst();
    let headline = if worst.is_empty() {
        format!("all {} feature(s) agree", s.features.len())
    } else {
        format!(
            "{} of {} feature(s) disagree",
            worst.len(),
            s.features.len()
        )
    };
    let pct = |r: Result<f64, crate::metrics::Undefined>, of: u64| match r {
        Ok(x) => format!("{}% of {of}", num(x * 100.0)),
        Err(_) => "–".to_string(),
    };
    let rows = worst
        .iter()
        .take(SKEW_ROWS)
        .map(|f| SkewRow {
            name: md_cell(&f.name),
            kind: super::words::skew_kind(f.kind),
            mismatch: pct(f.mismatch_rate(), f.compared),
            max_diff: f
                .max_abs_diff_value()
                .map(num)
                .unwrap_or_else(|_| "–".into()),
            missing: pct(f.missing_rate(), f.ids),
            examples: f
                .examples
                .iter()
                .map(|e| {
                    let v =
                        |x: &Option<String>| x.as_deref().map_or("missing".to_string(), md_cell);
                    format!("{}: {} → {}", md_cell(&e.id), v(&e.offline), v(&e.online))
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    SkewBlock {
        headline,
        offline: file(&s.offline, None),
        online: file(&s.online, None),
        id: md_cell(&s.id),
        rows,
    }
}
