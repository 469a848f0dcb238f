//! The JSON result of `check --json` (CONTRACT §6), schema `modelgate/result/v1`.

use serde_json::{Map, Value as Json, json};

use super::{MetricsRow, Run};
use crate::gate::{Outcome, SliceKey};
use crate::metrics::{MetricId, Value};
use crate::stats::mcnemar::McNemar;

fn slice_json(slice: &SliceKey) -> Json {
    let mut m = Map::new();
    for (c, v) in slice {
        m.insert(
            c.clone(),
            v.as_ref().map_or(Json::Null, |s| Json::String(s.clone())),
        );
    }
    Json::Object(m)
}

fn num(x: Option<f64>) -> Json {
    match x {
        Some(v) if v.is_finite() => json!(v),
        _ => Json::Null,
    }
}

fn gate_json(o: &Outcome) -> Json {
    let mut g = Map::new();
    g.insert("id".into(), json!(o.id));
    g.insert("metric".into(), json!(o.metric.to_string()));
    g.insert("slice".into(), slice_json(&o.slice));
    g.insert("status".into(), json!(o.status.as_str()));
    g.insert("severity".into(), json!(o.severity.as_str()));
    g.insert("rule".into(), json!(o.rule.as_str()));
    g.insert("limit".into(), num(Some(o.limit)));
    g.insert("evidence".into(), json!(o.evidence.as_str()));
    g.insert("test".into(), json!(o.test.as_str()));
    g.insert("candidate".into(), num(o.candidate));
    g.insert("baseline".into(), num(o.baseline));
    g.insert("delta".into(), num(o.delta));
    g.insert(
        "ci".into(),
        o.ci.filter(|iv| iv.lo.is_finite() && iv.hi.is_finite())
            .map_or(Json::Null, |iv| json!([iv.lo, iv.hi])),
    );
    g.insert("p_value".into(), num(o.p_value));
    g.insert("p_adjusted".into(), num(o.p_adjusted));
    g.insert("reason".into(), json!(o.reason));
    g.insert("inconclusive".into(), json!(o.inconclusive));
    g.insert("detectable_effect".into(), num(o.detectable));
    g.insert("rows".into(), json!(o.rows));
    g.insert("positives".into(), json!(o.positives));
    let mc_json = |mc: &McNemar| json!({"b": mc.b, "c": mc.c, "p": num(Some(mc.p)), "mid_p": num(Some(mc.mid_p))});
    if let Some(mc) = &o.mcnemar {
        g.insert("mcnemar".into(), mc_json(mc));
    }
    for (what, mc) in &o.mcnemar_context {
        let key = if what.contains("positives") {
            "mcnemar_positives"
        } else {
            "mcnemar_negatives"
        };
        g.insert(key.into(), mc_json(mc));
    }
    Json::Object(g)
}

/// Metric values as an object in metric order, plus the reasons of undefined ones.
pub(crate) fn values_json(values: &[(MetricId, Value)]) -> (Json, Map<String, Json>) {
    let mut m = Map::new();
    let mut undefined = Map::new();
    for (id, v) in values {
        let key = id.to_string();
        match v {
            Ok(x) => {
                m.insert(key, num(Some(*x)));
            }
            Err(u) => {
                m.insert(key.clone(), Json::Null);
                undefined.insert(key, json!(u.reason()));
            }
        }
    }
    (Json::Object(m), undefined)
}

fn metrics_json(row: &MetricsRow) -> Json {
    let mut r = Map::new();
    r.insert("slice".into(), slice_json(&row.slice));
    r.insert("rows".into(), json!(row.rows));
    r.insert("positives".into(), json!(row.positives));
    let (cand, mut undefined) = values_json(&row.candidate);
    r.insert("candidate".into(), cand);
    if let Some(base) = &row.baseline {
        let (b, u) = values_json(base);
        r.insert("baseline".into(), b);
        for (k, v) in u {
            undefined.entry(format!("baseline.{k}")).or_insert(v);
        }
    }
    if !undefined.is_empty() {
        r.insert("undefined".into(), Json::Object(undefined));
    }
    Json::Object(r)
}

/// The JSON result document. Deterministic: same run, same bytes.
pub fn result_json(run: &Run) -> String {
    let file = |f: &crate::data::FileInfo| json!({"path": f.path.display().to_string(), "sha256": f.sha256, "rows": f.rows});
    let mut inputs = Map::new();
    inputs.insert("candidate".into(), file(&run.candidate));
    if let Some(b) = &run.baseline {
        inputs.insert("baseline".into(), file(b));
    }
    let doc = json!({
        "schema": "modelgate/result/v1",
        "verdict": run.verdict.as_str(),
        "exit_code": run.exit_code(),
        "tool": {"name": "modelgate", "version": run.version},
        "config": {"path": run.config_path, "sha256": run.config_sha256, "name": run.name},
        "inputs": Json::Object(inputs),
        "seed": run.seed,
        "confidence": run.confidence,
        "threshold": run.threshold,
        "gates": run.outcomes.iter().map(gate_json).collect::<Vec<_>>(),
        "metrics": run.metrics.iter().map(metrics_json).collect::<Vec<_>>(),
        "notes": run.notes,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The `modelgate metrics --format json` document (`modelgate/metrics/v1`).
pub fn metrics_document(rows: &[MetricsRow]) -> String {
    let metrics: Vec<Json> = rows
        .iter()
        .map(|row| {
            let (values, undefined) = values_json(&row.candidate);
            let mut r = Map::new();
            r.insert("slice".into(), slice_json(&row.slice));
            r.insert("rows".into(), json!(row.rows));
            r.insert("positives".into(), json!(row.positives));
            r.insert("values".into(), values);
            if !undefined.is_empty() {
                r.insert("undefined".into(), Json::Object(undefined));
            }
            Json::Object(r)
        })
        .collect();
    let mut text = serde_json::to_string_pretty(
        &json!({"schema": "modelgate/metrics/v1", "metrics": metrics}),
    )
    .unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
