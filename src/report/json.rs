//! The JSON result of `check --json` (docs/contract.md §6), schema `modelgate/result/v1`.
//!
//! Keys keep the order of the contract (schema and verdict first, metric values in metric
//! order), so a reviewer opening the file reads it top-down. serde_json's own map sorts
//! keys unless its `preserve_order` feature is on, and that feature is shared with polars'
//! build; an ordered object type of our own keeps the dependency graph as it is.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value as Json, json};

use super::{Run, not_judged_text};
use crate::gate::{Cause, NotJudged, NothingJudged, Outcome};
use crate::measure::MetricsRow;
use crate::measure::SliceKey;
use crate::metrics::{MetricId, Value};
use crate::stats::mcnemar::McNemar;

/// A JSON object whose keys serialise in insertion order.
#[derive(Default)]
struct Obj(Vec<(&'static str, Node)>);

/// A JSON value built from ordered objects.
enum Node {
    Leaf(Json),
    Obj(Obj),
    Arr(Vec<Node>),
    /// An object with keys known only at run time (metric ids, slice columns).
    Dyn(Vec<(String, Node)>),
}

impl Obj {
    fn put(mut self, key: &'static str, value: impl Into<Node>) -> Self {
        self.0.push((key, value.into()));
        self
    }

    /// [`Obj::put`] only when `cond`: a key that exists only for some runs.
    fn put_if(self, cond: bool, key: &'static str, value: impl Into<Node>) -> Self {
        if cond { self.put(key, value) } else { self }
    }
}

impl From<Json> for Node {
    fn from(v: Json) -> Self {
        Node::Leaf(v)
    }
}

impl From<Obj> for Node {
    fn from(o: Obj) -> Self {
        Node::Obj(o)
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Leaf(v) => v.serialize(s),
            Node::Obj(o) => o.serialize(s),
            Node::Arr(a) => a.serialize(s),
            Node::Dyn(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

fn slice_json(slice: &SliceKey) -> Node {
    Node::Dyn(
        slice
            .iter()
            .map(|(c, v)| {
                (
                    c.clone(),
                    Node::Leaf(v.as_ref().map_or(Json::Null, |s| json!(s))),
                )
            })
            .collect(),
    )
}

fn num(x: Option<f64>) -> Json {
    match x {
        Some(v) if v.is_finite() => json!(v),
        _ => Json::Null,
    }
}

fn mcnemar_json(mc: &McNemar) -> Obj {
    Obj::default()
        .put("b", json!(mc.b))
        .put("c", json!(mc.c))
        .put("p", num(Some(mc.p)))
        .put("mid_p", num(Some(mc.mid_p)))
}

fn gate_json(o: &Outcome, confidence: f64) -> Node {
    let ci =
        o.ci.filter(|iv| iv.lo.is_finite() && iv.hi.is_finite())
            .map_or(Json::Null, |iv| json!([iv.lo, iv.hi]));
    let mut g = Obj::default()
        .put("id", json!(o.id))
        .put("metric", json!(o.metric.to_string()))
        .put("slice", slice_json(&o.slice))
        .put("status", json!(o.status.as_str()))
        .put("severity", json!(o.severity.as_str()))
        .put("rule", json!(o.rule.as_str()))
        .put("limit", num(Some(o.limit)))
        .put("evidence", json!(o.evidence.as_str()))
        .put("test", json!(o.test.as_str()))
        .put("candidate", num(o.candidate))
        .put("baseline", num(o.baseline))
        .put("delta", num(o.delta))
        .put("ci", ci)
        .put("p_value", num(o.p_value))
        .put("p_value_bound", json!(o.p_value_bound))
        .put("p_value_of", json!(o.p_value_of.map(|h| h.as_str())))
        .put("p_adjusted", num(o.p_adjusted))
        .put("reason", json!(super::reason(o, confidence)))
        .put("inconclusive", json!(o.inconclusive))
        .put("detectable_effect", num(o.detectable))
        .put("rows", json!(o.rows))
        .put("positives", json!(o.positives));
    match o.cause() {
        Some(Cause::TooSmall) => g = g.put("cause", json!("too_small")),
        Some(Cause::Undefined) => g = g.put("cause", json!("undefined")),
        Some(Cause::NonFinite(q)) => {
            g = g
                .put("cause", json!("non_finite"))
                .put("non_finite", json!(q.as_str()));
        }
        None => {}
    }
    if let Some(w) = &o.waiver {
        g = g.put(
            "waiver",
            json!({
                "owner": w.owner,
                "reason": w.reason,
                "expires": w.expires.to_string(),
                "days_left": w.days_left,
                "config_line": w.line,
            }),
        );
    }
    if let Some(mc) = &o.mcnemar {
        g = g.put("mcnemar", mcnemar_json(mc));
    }
    if let Some(t) = &o.ks_test {
        g = g.put(
            "ks_test",
            Obj::default()
                .put("p_value", num(Some(t.p_value)))
                .put("method", json!(t.method.as_str())),
        );
    }
    if let Some(by) = &o.mcnemar_context {
        g = g
            .put("mcnemar_positives", mcnemar_json(&by.positives))
            .put("mcnemar_negatives", mcnemar_json(&by.negatives));
    }
    g.into()
}

fn not_judged_json(n: &NotJudged) -> Node {
    let (why, slices, too_small, undefined) = match n.why {
        NothingJudged::NoSlices => ("no_slices", 0, 0, 0),
        NothingJudged::OneRowPerValue { slices } => ("one_row_per_value", slices, slices, 0),
        NothingJudged::AllSkipped {
            slices,
            too_small,
            undefined,
        } => ("all_skipped", slices, too_small, undefined),
    };
    Obj::default()
        .put("id", json!(n.id))
        .put("severity", json!(n.severity.as_str()))
        .put("config_line", json!(n.line))
        .put("by", json!(n.by))
        .put("why", json!(why))
        .put("slices", json!(slices))
        .put("too_small", json!(too_small))
        .put("undefined", json!(undefined))
        .put("reason", json!(not_judged_text(n)))
        .into()
}

/// Metric values as an object in metric order, plus the reasons of undefined ones.
fn values_json(
    values: &[(MetricId, Value)],
    prefix: &str,
    undefined: &mut Vec<(String, Node)>,
) -> Node {
    Node::Dyn(
        values
            .iter()
            .map(|(id, v)| {
                let key = id.to_string();
                let value = match v {
                    Ok(x) => num(Some(*x)),
                    Err(u) => {
                        undefined.push((format!("{prefix}{key}"), Node::Leaf(json!(u.reason()))));
                        Json::Null
                    }
                };
                (key, Node::Leaf(value))
            })
            .collect(),
    )
}

fn metrics_json(row: &MetricsRow) -> Node {
    let mut undefined = Vec::new();
    let mut r = Obj::default()
        .put("slice", slice_json(&row.slice))
        .put("rows", json!(row.rows))
        .put("positives", json!(row.positives))
        .put("candidate", values_json(&row.candidate, "", &mut undefined));
    if let Some(base) = &row.baseline {
        r = r.put("baseline", values_json(base, "baseline.", &mut undefined));
    }
    if !undefined.is_empty() {
        r = r.put("undefined", Node::Dyn(undefined));
    }
    r.into()
}

/// `inputs.<side>.mlflow`: the URI and what it resolved to.
fn mlflow_origin_json(o: &super::InputOrigin) -> Obj {
    Obj::default()
        .put("uri", json!(o.uri))
        .put("model", json!(o.model))
        .put("alias", json!(o.alias))
        .put("version", json!(o.version))
        .put("run_id", json!(o.run_id))
        .put("artifact_path", json!(o.artifact_path))
}

fn render(doc: &Obj) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The JSON result document. Deterministic: same run, same bytes.
pub fn result_json(run: &Run) -> String {
    let file = |f: &crate::data::FileInfo, origin: Option<&super::InputOrigin>| {
        // Every file read, with its rows: what was hashed is what was read and counted.
        let files = f
            .files
            .iter()
            .map(|p| {
                Obj::default()
                    .put("path", json!(p.path.display().to_string()))
                    .put("sha256", json!(p.sha256))
                    .put("rows", json!(p.rows))
                    .into()
            })
            .collect();
        let obj = Obj::default()
            .put("path", json!(f.path.display().to_string()))
            .put("sha256", json!(f.sha256))
            .put("rows", json!(f.rows))
            .put("files", Node::Arr(files));
        match origin {
            Some(o) => obj.put("mlflow", mlflow_origin_json(o)),
            None => obj,
        }
    };
    let origins = &run.origins;
    let mut inputs = Obj::default().put(
        "candidate",
        file(&run.candidate, origins.candidate.as_ref()),
    );
    if let Some(b) = &run.baseline {
        inputs = inputs.put("baseline", file(b, origins.baseline.as_ref()));
    }
    if let Some(r) = &run.reference {
        inputs = inputs.put("reference", file(r, None));
    }
    if let Some(sk) = &run.skew {
        inputs = inputs
            .put("skew_offline", file(&sk.offline, None))
            .put("skew_online", file(&sk.online, None));
    }
    let doc = Obj::default()
        .put("schema", json!("modelgate/result/v1"))
        .put_if(
            run.methods.task != crate::config::Task::Binary,
            "task",
            json!(run.methods.task.as_str()),
        )
        .put("verdict", json!(run.verdict.as_str()))
        .put("exit_code", json!(run.exit_code()))
        .put(
            "tool",
            Obj::default()
                .put("name", json!("modelgate"))
                .put("version", json!(run.version)),
        )
        .put(
            "config",
            Obj::default()
                .put("path", json!(run.config_path))
                .put("sha256", json!(run.config_sha256))
                .put("name", json!(run.name))
                .put_if(
                    !run.policies.is_empty(),
                    "policies",
                    json!(
                        run.policies
                            .iter()
                            .map(|(source, sha)| json!({"source": source, "sha256": sha}))
                            .collect::<Vec<_>>()
                    ),
                ),
        )
        .put("inputs", inputs)
        .put("seed", json!(run.seed))
        .put("confidence", json!(run.confidence))
        .put("threshold", json!(run.threshold))
        .put(
            "gates",
            Node::Arr(
                run.outcomes
                    .iter()
                    .map(|o| gate_json(o, run.confidence))
                    .collect(),
            ),
        )
        .put("on_nothing_judged", json!(run.on_nothing_judged.as_str()))
        .put(
            "gate_sources",
            Json::Object(
                run.gate_sources
                    .iter()
                    .map(|(id, src)| (id.clone(), json!(src)))
                    .collect(),
            ),
        )
        .put(
            "not_judged",
            Node::Arr(run.not_judged.iter().map(not_judged_json).collect()),
        )
        .put(
            "warnings",
            Node::Arr(
                run.warnings
                    .iter()
                    .map(|w| {
                        Obj::default()
                            .put("kind", json!(w.key()))
                            .put("message", json!(w.text()))
                            .into()
                    })
                    .collect(),
            ),
        )
        .put(
            "metrics",
            Node::Arr(run.metrics.iter().map(metrics_json).collect()),
        )
        .put_if(
            run.skew.is_some(),
            "skew",
            run.skew.as_ref().map_or_else(Obj::default, skew_json),
        )
        .put("notes", json!(super::method_notes(&run.methods)));
    render(&doc)
}

/// The `skew` object: the id column and every feature's counts, rates and examples, in
/// config order (the files are under `inputs`).
fn skew_json(s: &crate::measure::skew::SkewSummary) -> Obj {
    use crate::metrics::skew::SkewKind;
    let features = s
        .features
        .iter()
        .map(|f| {
            let (kind, tolerance) = match f.kind {
                SkewKind::Numeric { tolerance } => ("numeric", json!(tolerance)),
                SkewKind::Categorical => ("categorical", Json::Null),
            };
            let examples = f
                .examples
                .iter()
                .map(|e| {
                    Obj::default()
                        .put("id", json!(e.id))
                        .put("offline", json!(e.offline))
                        .put("online", json!(e.online))
                        .into()
                })
                .collect();
            Obj::default()
                .put("feature", json!(f.name))
                .put("kind", json!(kind))
                .put("tolerance", tolerance)
                .put("ids", json!(f.ids))
                .put("compared", json!(f.compared))
                .put("mismatched", json!(f.mismatched))
                .put("missing_offline", json!(f.missing_offline))
                .put("missing_online", json!(f.missing_online))
                .put("skew_mismatch_rate", json!(f.mismatch_rate().ok()))
                .put("skew_max_abs_diff", json!(f.max_abs_diff_value().ok()))
                .put("skew_missing_rate", json!(f.missing_rate().ok()))
                .put("examples", Node::Arr(examples))
                .into()
        })
        .collect();
    Obj::default()
        .put("id", json!(s.id))
        .put("features", Node::Arr(features))
}

/// The `modelgate metrics --format json` document (`modelgate/metrics/v1`).
pub fn metrics_document(rows: &[MetricsRow]) -> String {
    let metrics = rows
        .iter()
        .map(|row| {
            let mut undefined = Vec::new();
            let mut r = Obj::default()
                .put("slice", slice_json(&row.slice))
                .put("rows", json!(row.rows))
                .put("positives", json!(row.positives))
                .put("values", values_json(&row.candidate, "", &mut undefined));
            if !undefined.is_empty() {
                r = r.put("undefined", Node::Dyn(undefined));
            }
            r.into()
        })
        .collect();
    let doc = Obj::default()
        .put("schema", json!("modelgate/metrics/v1"))
        .put("metrics", Node::Arr(metrics));
    render(&doc)
}
