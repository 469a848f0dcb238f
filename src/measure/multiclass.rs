//! The evidence of a `task: multiclass` run: the metric tables of both models on every
//! slicing and the paired Poisson bootstrap, handed to the gates as the same [`Measured`]
//! values binary and regression gates get.
//!
//! - every slice's rows are prepared once per model ([`multiclass::Prepared`]: predicted
//!   classes, per-row log loss and top-k hits, one sort per class for `roc_auc_ovr`), so the
//!   point estimate and each replicate are one O(n) pass;
//! - the bootstrap resamples rows, or whole clusters under `cluster` ([`units::bootstrap`]:
//!   the same counter-based Poisson counts for both models, so the comparison is paired); a
//!   replicate's value is the metric on the rows weighted by weight × count, which equals the
//!   metric on the resampled rows (`tests/multiclass_props.rs`);
//! - a `by_class: true` gate judges each class one-vs-rest: `precision`, `recall`, `f1` from
//!   the confusion matrix at the arg-max prediction (class c predicted iff it is the
//!   prediction), `pr_auc`, `roc_auc` from class c's score column
//!   (as [`multiclass::by_class`]), one slice `class=<value>` per class whose `rows` are the
//!   class's support (rows labelled c), so `min_slice.rows` skips rare classes openly.

use super::level::{Level, gate_measured, slice_keys, table_rows};
use super::plan::Plan;
use super::{Measured, Measurements, Methods, MetricsRow, SliceKey, Stage, UnitBootstrap};
use crate::config::{BY_CLASS, Spec, WeightKind};
use crate::data::{ClassPredictions, Paired, TaskColumns};
use crate::metrics::multiclass::{self, Metric, Outputs, Prepared, Scores};
use crate::metrics::{self, LANES, MetricId, Ranked, SortedGroups, Table, Ties, Undefined, Value};
use crate::stats::bootstrap::{BootstrapResult, BootstrapSpec};
use crate::stats::units::{self, Units};
use crate::stats::z_critical;

/// The multiclass kernel of a metric id (`None` for `rows` and the binary ids).
pub fn kernel(m: MetricId) -> Option<Metric> {
    Some(match m {
        MetricId::Accuracy => Metric::Accuracy,
        MetricId::BalancedAccuracy => Metric::BalancedAccuracy,
        MetricId::MacroF1 => Metric::MacroF1,
        MetricId::MicroF1 => Metric::MicroF1,
        MetricId::WeightedF1 => Metric::WeightedF1,
        MetricId::MacroPrecision => Metric::MacroPrecision,
        MetricId::MacroRecall => Metric::MacroRecall,
        MetricId::LogLoss => Metric::LogLoss,
        MetricId::TopKAccuracy(k) => Metric::TopKAccuracy { k },
        MetricId::RocAucOvr => Metric::RocAucOvr,
        MetricId::Mcc => Metric::Mcc,
        MetricId::CohenKappa => Metric::CohenKappa,
        _ => return None,
    })
}

/// The multiclass reason as the report's.
fn undefined(u: multiclass::Undefined) -> Undefined {
    match u {
        multiclass::Undefined::Empty => Undefined::Empty,
        multiclass::Undefined::ClassAbsent { .. } => Undefined::ClassAbsent,
        multiclass::Undefined::OnlyClass { .. } => Undefined::OneClass,
        multiclass::Undefined::NoDisagreement => Undefined::NoDisagreement,
        multiclass::Undefined::Binary(u) => u,
    }
}

fn value(v: multiclass::Value) -> Value {
    v.map_err(undefined)
}

/// One model's output restricted to `rows` (all rows when `None`).
enum Subset {
    Scores(Vec<Vec<f64>>),
    Predicted(Vec<u32>),
}

fn subset(p: &ClassPredictions, rows: Option<&[u32]>) -> Subset {
    let pick_f = |v: &[f64]| -> Vec<f64> {
        match rows {
            None => v.to_vec(),
            Some(r) => r.iter().map(|&i| v[i as usize]).collect(),
        }
    };
    match p {
        ClassPredictions::Scores(cols) => Subset::Scores(cols.iter().map(|c| pick_f(c)).collect()),
        ClassPredictions::Predicted(codes) => Subset::Predicted(match rows {
            None => codes.clone(),
            Some(r) => r.iter().map(|&i| codes[i as usize]).collect(),
        }),
    }
}

/// Prepares one model on the rows `rows` (all when `None`) for `metrics`; `None` when the
/// kernel refuses the rows (no rows: every value is then undefined).
fn prepare(
    classes: usize,
    truth: &[u32],
    weight: Option<&[f64]>,
    out: &ClassPredictions,
    rows: Option<&[u32]>,
    metrics: &[Metric],
) -> Option<Prepared> {
    let t: Vec<u32> = match rows {
        None => truth.to_vec(),
        Some(r) => r.iter().map(|&i| truth[i as usize]).collect(),
    };
    let w: Option<Vec<f64>> = weight.map(|w| match rows {
        None => w.to_vec(),
        Some(r) => r.iter().map(|&i| w[i as usize]).collect(),
    });
    if t.is_empty() {
        return None;
    }
    let sub = subset(out, rows);
    let cols: Vec<&[f64]>;
    let outputs = match &sub {
        Subset::Scores(c) => {
            cols = c.iter().map(Vec::as_slice).collect();
            Outputs::Scores(Scores::Columns(&cols))
        }
        Subset::Predicted(p) => Outputs::Predicted(p),
    };
    Prepared::new(classes, &t, outputs, w.as_deref(), metrics).ok()
}

/// Rows and the weight they stand for in each group.
fn counts(
    codes: Option<&[u32]>,
    count: usize,
    weight: Option<&[f64]>,
    n: usize,
) -> Vec<(u64, f64)> {
    let mut out = vec![(0u64, 0.0f64); count];
    for i in 0..n {
        let g = codes.map_or(0, |c| c[i] as usize);
        out[g].0 += 1;
        out[g].1 += weight.map_or(1.0, |w| w[i]);
    }
    out
}

/// Measures a multiclass spec on multiclass data (see the module docs).
pub(super) fn measure(
    spec: &Spec,
    data: &Paired,
    stage: &mut dyn FnMut(Stage<'_>),
) -> Measurements {
    let TaskColumns::Multiclass {
        classes,
        truth,
        candidate,
        baseline,
    } = &data.columns
    else {
        return Measurements {
            measured: vec![Vec::new(); spec.gates.len()],
            metrics: Vec::new(),
            methods: Methods::default(),
        };
    };
    let k = classes.len();
    let n = truth.len();
    let weight = data.weight.as_deref();
    let models: Vec<&ClassPredictions> = std::iter::once(candidate).chain(baseline).collect();
    let plan = Plan::of(spec, false);
    let unit = match &data.clusters {
        Some(c) => Units::Clusters {
            codes: &c.codes,
            count: c.count,
        },
        None => Units::Rows,
    };
    let bs = BootstrapSpec {
        replicates: spec.replicates,
        seed: spec.seed,
        confidence: spec.confidence,
        frequency: spec.weights == WeightKind::Frequency,
        little_above: u64::MAX,
    };
    let z = z_critical(spec.confidence);
    let frequency = spec.weights == WeightKind::Frequency;
    let rows_of = |c: (u64, f64)| if frequency { c.1.round() as u64 } else { c.0 };

    let mut measured: Vec<Vec<Measured>> = vec![Vec::new(); spec.gates.len()];
    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut booted = false;
    for level in &plan.levels {
        let (codes, count, keys): (Option<&[u32]>, usize, Vec<SliceKey>) = if level.by.is_empty() {
            (None, 1, vec![Vec::new()])
        } else {
            let Some(s) = data.slicing(&level.by) else {
                continue;
            };
            (Some(&s.codes), s.len(), slice_keys(s))
        };
        stage(Stage::Metrics(&level.by));
        // The rows of each slice, in row order.
        let members: Vec<Vec<u32>> = match codes {
            None => vec![(0..n as u32).collect()],
            Some(c) => {
                let mut m = vec![Vec::new(); count];
                for (i, &g) in c.iter().enumerate() {
                    m[g as usize].push(i as u32);
                }
                m
            }
        };
        let boot_ids: Vec<MetricId> = level
            .bootstrap
            .as_ref()
            .map(|b| b.metrics.clone())
            .unwrap_or_default();
        let mut kernels: Vec<Metric> = level
            .table
            .metrics
            .iter()
            .chain(&boot_ids)
            .filter_map(|m| kernel(*m))
            .collect();
        kernels.dedup();
        let prepared: Vec<Vec<Option<Prepared>>> = models
            .iter()
            .map(|out| {
                members
                    .iter()
                    .map(|r| {
                        let rows = codes.map(|_| r.as_slice());
                        prepare(k, truth, weight, out, rows, &kernels)
                    })
                    .collect()
            })
            .collect();
        let sizes = counts(codes, count, weight, n);
        let table = |m: usize| -> Table {
            let ids = &level.table.metrics;
            let mut values = Vec::with_capacity(count * ids.len());
            for (g, p) in prepared[m].iter().enumerate() {
                for id in ids {
                    values.push(match (id, kernel(*id), p) {
                        (MetricId::Rows, _, _) => Ok(rows_of(sizes[g]) as f64),
                        (_, Some(km), Some(p)) => value(p.evaluate(km, |_| 1.0)),
                        _ => Err(Undefined::Empty),
                    });
                }
            }
            Table {
                width: ids.len(),
                values,
                rows: sizes.iter().map(|&c| rows_of(c)).collect(),
                positives: vec![0; count],
                weight_sums: sizes.iter().map(|&(_, w)| (w, 0.0)).collect(),
            }
        };
        let cand = table(0);
        let base = (models.len() > 1).then(|| table(1));

        let boot: Option<BootstrapResult> = (!boot_ids.is_empty()).then(|| {
            stage(Stage::Bootstrap {
                replicates: spec.replicates,
                by: &level.by,
            });
            booted = true;
            let boot_kernels: Vec<Option<Metric>> = boot_ids.iter().map(|m| kernel(*m)).collect();
            let asked: Vec<Metric> = boot_kernels.iter().flatten().copied().collect();
            let width = boot_ids.len();
            units::bootstrap(unit, n, models.len(), count, width, &bs, |m, counts| {
                let mut out = vec![vec![Err(Undefined::Empty); count * width]; LANES];
                for (g, p) in prepared[m].iter().enumerate() {
                    let Some(p) = p else { continue };
                    let rows = &members[g];
                    let lanes =
                        p.evaluate_lanes(&asked, |local| counts[rows[local as usize] as usize]);
                    let mut next = 0;
                    for (j, km) in boot_kernels.iter().enumerate() {
                        if km.is_none() {
                            continue;
                        }
                        for l in 0..LANES {
                            out[l][g * width + j] = value(lanes[next][l]);
                        }
                        next += 1;
                    }
                }
                out
            })
        });

        let ev = Level {
            plan: &level.table,
            cand: &cand,
            base: base.as_ref(),
            boot: boot.as_ref().map(|b| (boot_ids.as_slice(), b)),
            means: None,
            z,
        };
        for &gi in &level.gates {
            measured[gi] = gate_measured(&spec.gates[gi], &keys, &ev);
        }
        rows.extend(table_rows(&keys, &level.table, &cand, base.as_ref()));
    }

    if !plan.by_class.is_empty() {
        booted |= by_class(
            spec,
            data,
            &plan,
            &models,
            &bs,
            unit,
            &mut measured,
            &mut rows,
            stage,
        );
    }
    Measurements {
        measured,
        metrics: rows,
        methods: Methods {
            task: spec.task,
            bootstrap: None,
            delong: None,
            unit_bootstrap: booted.then_some(UnitBootstrap {
                replicates: spec.replicates,
                seed: spec.seed,
            }),
            mean_loss: false,
            clusters: data.clusters.as_ref().map(|c| (c.column.clone(), c.count)),
        },
    }
}

/// One model's one-vs-rest pieces: every row's predicted class, and (with scores) each
/// class's score column ranked with "is this class" as the positive label, with its ties.
struct OneVsRest {
    prepared: Prepared,
    ranked: Option<Vec<(Ranked, Ties)>>,
}

/// The values of `ids` for every class (class-major), rows reweighted by `reweight`.
fn class_values(
    ovr: &OneVsRest,
    k: usize,
    ids: &[MetricId],
    reweight: &dyn Fn(u32) -> f64,
) -> Vec<Value> {
    let matrix = ovr.prepared.confusion(reweight);
    let mut out = Vec::with_capacity(k * ids.len());
    for c in 0..k {
        let binary = matrix.one_vs_rest(c);
        for id in ids {
            let v = match (binary.metric(id), &ovr.ranked) {
                (Some(v), _) => v,
                (None, Some(ranked)) => value(
                    multiclass::one_vs_rest_ranked(
                        &ranked[c].0,
                        c,
                        std::slice::from_ref(id),
                        reweight,
                    )[0],
                ),
                (None, None) => Err(Undefined::Empty),
            };
            out.push(v);
        }
    }
    out
}

/// [`class_values`] in the [`LANES`] reweightings of one bootstrap batch (`counts[row]`):
/// per lane one confusion matrix for the thresholded metrics, and per class one 8-lane
/// streaming pass over its ranked score column for `pr_auc` / `roc_auc`
/// ([`metrics::evaluate_lanes`]), instead of one pass per lane.
fn class_values_lanes(
    ovr: &OneVsRest,
    k: usize,
    ids: &[MetricId],
    counts: &[[u8; LANES]],
) -> Vec<Vec<Value>> {
    let w = ids.len();
    let mut out: Vec<Vec<Value>> = (0..LANES)
        .map(|l| {
            let matrix = ovr.prepared.confusion(|r| f64::from(counts[r as usize][l]));
            let mut v = Vec::with_capacity(k * w);
            for c in 0..k {
                let binary = matrix.one_vs_rest(c);
                v.extend(
                    ids.iter()
                        .map(|id| binary.metric(id).unwrap_or(Err(Undefined::Empty))),
                );
            }
            v
        })
        .collect();
    let ranking: Vec<(usize, MetricId)> = ids
        .iter()
        .enumerate()
        .filter(|(_, m)| m.uses_ranking())
        .map(|(j, m)| (j, *m))
        .collect();
    let Some(ranked) = ovr.ranked.as_ref().filter(|_| !ranking.is_empty()) else {
        return out;
    };
    let plan = metrics::Plan {
        metrics: ranking.iter().map(|(_, m)| *m).collect(),
        threshold: 0.5,
    };
    for (c, (r, ties)) in ranked.iter().enumerate() {
        let sw = r.weight.as_deref();
        let values = metrics::evaluate_lanes(
            r,
            SortedGroups::ALL,
            ties,
            &plan,
            &[[(0.0, 0.0); LANES]],
            |pos, row, _, _| {
                let n = counts[row as usize];
                let s = sw.map_or(1.0, |w| w[pos]);
                std::array::from_fn(|l| s * f64::from(n[l]))
            },
        );
        for (jj, (j, _)) in ranking.iter().enumerate() {
            for (l, lane) in out.iter_mut().enumerate() {
                lane[c * w + j] = values[jj * LANES + l];
            }
        }
    }
    out
}

/// The `by_class: true` gates: one slice per class; returns whether it bootstrapped.
#[allow(clippy::too_many_arguments)]
fn by_class(
    spec: &Spec,
    data: &Paired,
    plan: &Plan,
    models: &[&ClassPredictions],
    bs: &BootstrapSpec,
    unit: Units<'_>,
    measured: &mut [Vec<Measured>],
    rows: &mut Vec<MetricsRow>,
    stage: &mut dyn FnMut(Stage<'_>),
) -> bool {
    let TaskColumns::Multiclass { classes, truth, .. } = &data.columns else {
        return false;
    };
    let k = classes.len();
    let n = truth.len();
    let weight = data.weight.as_deref();
    let by = vec![BY_CLASS.to_string()];
    stage(Stage::Metrics(&by));
    let mut ids: Vec<MetricId> = Vec::new();
    for &gi in &plan.by_class {
        if !ids.contains(&spec.gates[gi].metric) {
            ids.push(spec.gates[gi].metric);
        }
    }
    let ranks = ids.iter().any(|m| m.uses_ranking());
    let ovr: Vec<OneVsRest> = models
        .iter()
        .filter_map(|out| {
            let prepared = prepare(k, truth, weight, out, None, &[])?;
            let ranked = match (out, ranks) {
                (ClassPredictions::Scores(cols), true) => {
                    let c: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
                    Some(
                        multiclass::one_vs_rest_rankings(&Scores::Columns(&c), truth, weight)
                            .into_iter()
                            .map(|r| {
                                let t = Ties::new(&r, SortedGroups::ALL);
                                (r, t)
                            })
                            .collect(),
                    )
                }
                _ => None,
            };
            Some(OneVsRest { prepared, ranked })
        })
        .collect();
    if ovr.len() != models.len() {
        return false;
    }
    let frequency = spec.weights == WeightKind::Frequency;
    let mut support = vec![(0u64, 0.0f64); k];
    for i in 0..n {
        let c = truth[i] as usize;
        support[c].0 += 1;
        support[c].1 += weight.map_or(1.0, |w| w[i]);
    }
    let rows_of = |c: (u64, f64)| if frequency { c.1.round() as u64 } else { c.0 };
    let table = |m: usize| -> Table {
        Table {
            width: ids.len(),
            values: class_values(&ovr[m], k, &ids, &|_| 1.0),
            rows: support.iter().map(|&c| rows_of(c)).collect(),
            positives: vec![0; k],
            weight_sums: support.iter().map(|&(_, w)| (w, 0.0)).collect(),
        }
    };
    let cand = table(0);
    let base = (ovr.len() > 1).then(|| table(1));
    stage(Stage::Bootstrap {
        replicates: spec.replicates,
        by: &by,
    });
    let width = ids.len();
    let boot = units::bootstrap(unit, n, ovr.len(), k, width, bs, |m, counts| {
        class_values_lanes(&ovr[m], k, &ids, counts)
    });
    let keys: Vec<SliceKey> = classes
        .iter()
        .map(|c| vec![(BY_CLASS.to_string(), Some(c.clone()))])
        .collect();
    let table_plan = metrics::Plan {
        metrics: ids.clone(),
        threshold: spec.threshold,
    };
    for &gi in &plan.by_class {
        let ev = Level {
            plan: &table_plan,
            cand: &cand,
            base: base.as_ref(),
            boot: Some((ids.as_slice(), &boot)),
            means: None,
            z: z_critical(spec.confidence),
        };
        measured[gi] = gate_measured(&spec.gates[gi], &keys, &ev);
    }
    rows.extend(table_rows(&keys, &table_plan, &cand, base.as_ref()));
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::resample::counts;

    /// The 8-lane bootstrap values of the one-vs-rest metrics equal one evaluation per
    /// lane with that lane's multipliers.
    #[test]
    fn class_lanes_equal_single_evaluations() {
        let truth: Vec<u32> = (0..90).map(|i| (i * 7 % 3) as u32).collect();
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|c| {
                (0..90)
                    .map(|i| f64::from(((i * 13 + c * 5) % 11) as u32) / 10.0)
                    .collect()
            })
            .collect();
        let weight: Vec<f64> = (0..90).map(|i| 1.0 + f64::from(i % 4)).collect();
        let out = ClassPredictions::Scores(cols.clone());
        let prepared = prepare(3, &truth, Some(&weight), &out, None, &[]).unwrap();
        let c: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let ranked = multiclass::one_vs_rest_rankings(&Scores::Columns(&c), &truth, Some(&weight))
            .into_iter()
            .map(|r| {
                let t = Ties::new(&r, SortedGroups::ALL);
                (r, t)
            })
            .collect();
        let ovr = OneVsRest {
            prepared,
            ranked: Some(ranked),
        };
        let ids = [
            MetricId::Recall,
            MetricId::PrAuc,
            MetricId::Precision,
            MetricId::RocAuc,
            MetricId::F1,
        ];
        let n: Vec<[u8; LANES]> = (0..90).map(|r| counts(42, r)).collect();
        let lanes = class_values_lanes(&ovr, 3, &ids, &n);
        for (l, lane) in lanes.iter().enumerate() {
            let single = class_values(&ovr, 3, &ids, &|r| f64::from(n[r as usize][l]));
            for (a, b) in lane.iter().zip(&single) {
                match (a, b) {
                    (Ok(x), Ok(y)) => assert!((x - y).abs() < 1e-12, "lane {l}: {x} vs {y}"),
                    (x, y) => assert_eq!(x, y, "lane {l}"),
                }
            }
        }
    }
}
