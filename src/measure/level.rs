//! What one slicing computed and the gates' measurements read from it, shared by every
//! task's measuring: the metric table rows of a slicing's slices, and for regression,
//! multiclass and ranking one gate's [`Measured`] per slice from the tables, the mean-loss
//! intervals or the bootstrap. A module of its own so the tasks' modules depend on it and
//! not on each other.

use super::{Estimate, Measured, MetricsRow, SliceKey, Spread};
use crate::config::GateSpec;
use crate::data::Slicing;
use crate::metrics::{self, MetricId, Table, Value};
use crate::stats::Interval;
use crate::stats::bootstrap::BootstrapResult;
use crate::stats::units::MeanInterval;

/// The keys of a slicing's slices, as `(column, value)` pairs.
pub fn slice_keys(s: &Slicing) -> Vec<SliceKey> {
    s.keys
        .iter()
        .map(|k| s.columns.iter().cloned().zip(k.iter().cloned()).collect())
        .collect()
}

/// One row per slice of metric tables computed with `plan`.
pub fn table_rows(
    keys: &[SliceKey],
    plan: &metrics::Plan,
    cand: &Table,
    base: Option<&Table>,
) -> Vec<MetricsRow> {
    let w = plan.metrics.len();
    keys.iter()
        .enumerate()
        .map(|(k, key)| {
            let pick = |t: &Table| -> Vec<(MetricId, Value)> {
                plan.metrics
                    .iter()
                    .enumerate()
                    .map(|(j, m)| (*m, t.values[k * w + j]))
                    .collect()
            };
            MetricsRow {
                slice: key.clone(),
                rows: cand.rows[k],
                positives: cand.positives[k],
                candidate: pick(cand),
                baseline: base.map(pick),
            }
        })
        .collect()
}

/// Per group, the candidate's mean-loss interval and (with a baseline) the paired
/// difference's; `None` when `metric` is not a mean loss.
pub(super) type MeanLosses = (Vec<Option<MeanInterval>>, Option<Vec<Option<MeanInterval>>>);

/// What one slicing computed, for the gates judged on it (shared with the multiclass and
/// ranking measuring, which have no mean-loss intervals).
pub(super) struct Level<'a> {
    pub plan: &'a metrics::Plan,
    pub cand: &'a Table,
    pub base: Option<&'a Table>,
    pub boot: Option<(&'a [MetricId], &'a BootstrapResult)>,
    pub means: Option<&'a MeanLosses>,
    pub z: f64,
}

/// A normal interval of half-width `z·se` around `centre`.
fn around(centre: f64, se: f64, z: f64) -> Interval {
    Interval {
        lo: centre - z * se,
        hi: centre + z * se,
    }
}

/// One gate's [`Measured`] per slice.
pub(super) fn gate_measured(g: &GateSpec, keys: &[SliceKey], ev: &Level<'_>) -> Vec<Measured> {
    let col = ev
        .plan
        .metrics
        .iter()
        .position(|m| *m == g.metric)
        .unwrap_or(0);
    let w = ev.plan.metrics.len();
    keys.iter()
        .enumerate()
        .map(|(k, key)| {
            let cv = ev.cand.values[k * w + col];
            let bv = ev.base.map(|t| t.values[k * w + col]);
            let mut cand_est = cv.map(Estimate::point);
            let mut delta_est = match (cv, bv) {
                (Ok(c), Some(Ok(b))) => Some(Ok(Estimate::point(c - b))),
                (Err(u), Some(_)) | (_, Some(Err(u))) => Some(Err(u)),
                (_, None) => None,
            };
            if let Some((c_means, d_means)) = ev.means {
                if let (Ok(c), Some(m)) = (&mut cand_est, c_means[k]) {
                    c.interval = Some(around(c.value, m.se, ev.z));
                    c.spread = Spread::Normal(m.se);
                }
                if let (Some(Ok(d)), Some(Some(m))) =
                    (&mut delta_est, d_means.as_ref().map(|v| v[k]))
                {
                    d.interval = Some(around(d.value, m.se, ev.z));
                    d.spread = Spread::Normal(m.se);
                }
            } else if let Some((metrics, b)) = ev.boot
                && let Some(j) = metrics.iter().position(|m| *m == g.metric)
            {
                let cell = b.cell(k, j);
                if let (Ok(c), Ok(iv)) = (&mut cand_est, cell.candidate.interval) {
                    c.interval = Some(iv);
                    c.spread = Spread::Replicates(cell.candidate.defined_values().collect());
                }
                if let (Some(Ok(d)), Some(e)) = (&mut delta_est, &cell.delta)
                    && let Ok(iv) = e.interval
                {
                    d.interval = Some(iv);
                    d.spread = Spread::Replicates(e.defined_values().collect());
                }
            }
            Measured {
                slice: key.clone(),
                rows: ev.cand.rows[k],
                positives: 0,
                candidate: cand_est,
                baseline: bv,
                delta: delta_est,
                mcnemar: None,
                mcnemar_context: None,
                ks_test: None,
            }
        })
        .collect()
}
