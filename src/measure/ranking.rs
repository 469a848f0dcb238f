//! The evidence of a `task: ranking` run: metrics averaged over groups (queries, sessions)
//! on every slicing, and the paired Poisson bootstrap resampling whole groups, handed to
//! the gates as the same [`Measured`] values the other tasks give.
//!
//! - a slice's rows are put in group order (stably: a group's rows keep their file order),
//!   so each group is contiguous for [`ranking::Queries`]; a group whose rows fall in two
//!   slices (`by:` a column that varies within a group) is one group in each;
//! - per-group values are computed once per model ([`ranking::Prepared`]); the point
//!   estimate and every replicate are weighted means over groups, O(groups);
//! - the bootstrap unit is the group (every row of a group draws the group's Poisson count),
//!   or the cluster under `cluster` (groups nest in clusters, checked when the data are
//!   read: a group draws its cluster's count); candidate and baseline see the same counts (paired);
//! - a group without a relevant item has no `map`, `mrr` or `recall_at_k` (the kernel's
//!   documented rule): a gate on one of them refuses the run before measuring, naming the
//!   groups ([`check_relevant`]); in the metric table alone the value shows as undefined.

use super::level::{Level, gate_measured, slice_keys, table_rows};
use super::plan::Plan;
use super::{Measured, Measurements, Methods, MetricsRow, SliceKey, Stage, UnitBootstrap};
use crate::config::Spec;
use crate::data::{DataError, Paired, TaskColumns, examples};
use crate::metrics::ranking::{self, Metric, Prepared, Queries};
use crate::metrics::{LANES, MetricId, Table, TopK, Undefined, Value};
use crate::stats::bootstrap::{BootstrapResult, BootstrapSpec};
use crate::stats::units::{self, Units};
use crate::stats::z_critical;

/// The ranking kernel of a metric id (`None` for `rows`); cut-offs are counts (the config
/// refuses fractions under `task: ranking`).
pub fn kernel(m: MetricId) -> Option<Metric> {
    let count = |k: TopK| match k {
        TopK::Count(c) => Some(c as u32),
        TopK::Fraction(_) => None,
    };
    Some(match m {
        MetricId::Ndcg(k) => Metric::Ndcg { k },
        MetricId::Map(k) => Metric::Map { k },
        MetricId::Mrr => Metric::Mrr,
        MetricId::RecallAtK(k) => Metric::RecallAtK { k: count(k)? },
        MetricId::PrecisionAtK(k) => Metric::PrecisionAtK { k: count(k)? },
        _ => return None,
    })
}

/// True for the metrics a group without a relevant item leaves undefined.
fn needs_relevant(m: MetricId) -> bool {
    matches!(m, MetricId::Map(_) | MetricId::Mrr | MetricId::RecallAtK(_))
}

fn value(v: ranking::Value) -> Value {
    v.map_err(|u| match u {
        ranking::Undefined::Empty => Undefined::Empty,
        ranking::Undefined::NoRelevant { .. } => Undefined::NoRelevant,
    })
}

/// A gate on `map`, `mrr` or `recall_at_k` needs a relevant item in every group: the
/// groups without one are an input error naming them (exit 2).
pub fn check_relevant(spec: &Spec, data: &Paired) -> Result<(), DataError> {
    let TaskColumns::Ranking { relevance, groups } = &data.columns else {
        return Ok(());
    };
    let Some(g) = spec.gates.iter().find(|g| needs_relevant(g.metric)) else {
        return Ok(());
    };
    let mut any = vec![false; groups.count];
    for (i, &c) in groups.codes.iter().enumerate() {
        any[c as usize] |= relevance[i] > 0.0;
    }
    let empty: Vec<&str> = any
        .iter()
        .enumerate()
        .filter(|(_, a)| !**a)
        .map(|(c, _)| groups.names.get(c).map_or("?", String::as_str))
        .collect();
    if empty.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = empty.iter().take(5).map(|n| format!("{n:?}")).collect();
    Err(DataError::new(
        &data.candidate_file.path,
        Some(&groups.column),
        format!(
            "{} group(s) have no relevant item (every `{}` is 0): {}; gate `{}` (config line {}) on `{}` has no value for such a group (no relevant item to find); drop those groups upstream, or gate on ndcg or precision_at_k, which count them as 0",
            empty.len(),
            spec.columns.label,
            examples(&shown, empty.len()),
            g.id,
            g.line,
            g.metric
        ),
    ))
}

/// One slice's groups: the queries, and each query's first row (for its resampling count).
struct SliceGroups {
    prepared: Prepared,
    first_row: Vec<u32>,
}

/// Measures a ranking spec on ranking data (see the module docs).
pub(super) fn measure(
    spec: &Spec,
    data: &Paired,
    stage: &mut dyn FnMut(Stage<'_>),
) -> Measurements {
    let TaskColumns::Ranking { relevance, groups } = &data.columns else {
        return Measurements {
            measured: vec![Vec::new(); spec.gates.len()],
            metrics: Vec::new(),
            methods: Methods::default(),
        };
    };
    let n = relevance.len();
    let scores: Vec<&[f64]> = std::iter::once(data.candidate.as_slice())
        .chain(data.baseline.as_deref())
        .collect();
    let plan = Plan::of(spec, false);
    let unit = match &data.clusters {
        Some(c) => Units::Clusters {
            codes: &c.codes,
            count: c.count,
        },
        None => Units::Clusters {
            codes: &groups.codes,
            count: groups.count,
        },
    };
    let bs = BootstrapSpec {
        replicates: spec.replicates,
        seed: spec.seed,
        confidence: spec.confidence,
        frequency: false,
        little_above: u64::MAX,
    };
    let z = z_critical(spec.confidence);

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
        let boot_ids: Vec<MetricId> = level
            .bootstrap
            .as_ref()
            .map(|b| b.metrics.clone())
            .unwrap_or_default();
        // The kernels: the table's first, then the bootstrap's not in the table.
        let mut kernels: Vec<Metric> = Vec::new();
        for m in level.table.metrics.iter().chain(&boot_ids) {
            if let Some(k) = kernel(*m)
                && !kernels.contains(&k)
            {
                kernels.push(k);
            }
        }
        // Rows of each slice in group order, stable.
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); count];
        for i in 0..n {
            members[codes.map_or(0, |c| c[i] as usize)].push(i as u32);
        }
        let slices: Vec<Vec<Option<SliceGroups>>> = scores
            .iter()
            .map(|score| {
                members
                    .iter()
                    .map(|m| slice_groups(m, &groups.codes, relevance, score, &kernels))
                    .collect()
            })
            .collect();
        let at = |k: Metric| kernels.iter().position(|x| *x == k).unwrap_or(0);
        let table = |m: usize| -> Table {
            let ids = &level.table.metrics;
            let mut values = Vec::with_capacity(count * ids.len());
            let mut sizes = Vec::with_capacity(count);
            for (g, s) in slices[m].iter().enumerate() {
                sizes.push(members[g].len() as u64);
                for id in ids {
                    values.push(match (id, kernel(*id), s) {
                        (MetricId::Rows, _, _) => Ok(members[g].len() as f64),
                        (_, Some(km), Some(s)) => value(s.prepared.evaluate(at(km), |_| 1.0)),
                        _ => Err(Undefined::Empty),
                    });
                }
            }
            Table {
                width: ids.len(),
                values,
                rows: sizes.clone(),
                positives: vec![0; count],
                weight_sums: sizes.iter().map(|&r| (r as f64, 0.0)).collect(),
            }
        };
        let cand = table(0);
        let base = (scores.len() > 1).then(|| table(1));

        let boot: Option<BootstrapResult> = (!boot_ids.is_empty()).then(|| {
            stage(Stage::Bootstrap {
                replicates: spec.replicates,
                by: &level.by,
            });
            booted = true;
            let width = boot_ids.len();
            let cols: Vec<Option<usize>> = boot_ids.iter().map(|m| kernel(*m).map(at)).collect();
            units::bootstrap(unit, n, scores.len(), count, width, &bs, |m, counts| {
                let mut out = vec![vec![Err(Undefined::Empty); count * width]; LANES];
                for (g, s) in slices[m].iter().enumerate() {
                    let Some(s) = s else { continue };
                    let lanes = s
                        .prepared
                        .evaluate_lanes(|q| counts[s.first_row[q] as usize]);
                    for (j, c) in cols.iter().enumerate() {
                        let Some(c) = c else { continue };
                        for l in 0..LANES {
                            out[l][g * width + j] = value(lanes[*c][l]);
                        }
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

/// One slice's rows `rows` (row order) put in group order and prepared for `kernels`;
/// `None` for an empty slice.
fn slice_groups(
    rows: &[u32],
    group: &[u32],
    relevance: &[f64],
    score: &[f64],
    kernels: &[Metric],
) -> Option<SliceGroups> {
    if rows.is_empty() {
        return None;
    }
    let mut order: Vec<u32> = rows.to_vec();
    order.sort_by_key(|&i| group[i as usize]);
    let codes: Vec<u32> = order.iter().map(|&i| group[i as usize]).collect();
    let queries = Queries::new(&codes).ok()?;
    let rel: Vec<f64> = order.iter().map(|&i| relevance[i as usize]).collect();
    let sc: Vec<f64> = order.iter().map(|&i| score[i as usize]).collect();
    let first_row: Vec<u32> = (0..queries.len())
        .map(|q| order[queries.rows(q).start])
        .collect();
    let prepared = Prepared::new(&queries, &rel, &sc, None, kernels).ok()?;
    Some(SliceGroups {
        prepared,
        first_row,
    })
}
