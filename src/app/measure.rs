//! From a validated spec and paired data to metric tables and per-gate measurements.
//!
//! Each model's rows are sorted once ([`Ranked::new`]); every slicing's metrics, DeLong
//! and the bootstrap reuse that order.

use super::progress::Progress;
use crate::config::{GateSpec, Spec, Test, WeightKind};
use crate::data::{self, DataError, Paired, Request};
use crate::gate::{Estimate, Measured, SliceKey, Spread};
use crate::metrics::{self, Groups, MetricId, Plan, Ranked, Table, Value};
use crate::report::MetricsRow;
use crate::stats::delong::{self, WeightMode};
use crate::stats::mcnemar::{self, McNemar, Target};
use crate::stats::{RowGroups, bootstrap};

/// The data request a spec implies.
pub(crate) fn request(spec: &Spec) -> Request {
    let mut slicings: Vec<Vec<String>> = Vec::new();
    for g in &spec.gates {
        if !g.by.is_empty() && !slicings.contains(&g.by) {
            slicings.push(g.by.clone());
        }
    }
    Request {
        candidate: spec.candidate.clone(),
        baseline: spec.baseline.clone(),
        label: spec.columns.label.clone(),
        score: spec.columns.score.clone(),
        id: spec.columns.id.clone(),
        weight: spec.columns.weight.clone(),
        slicings,
        positive: spec.positive.clone(),
        normalise_weights: spec.weights == WeightKind::Sampling,
        max_slices: spec.max_slices,
    }
}

/// Probability metrics need scores in [0, 1]; ranking metrics take any score.
pub(crate) fn check_probabilities(spec: &Spec, data: &Paired) -> Result<(), DataError> {
    if let Some(g) = spec.gates.iter().find(|g| g.metric.needs_probabilities()) {
        let why = format!(
            "gate `{}` (config line {}) needs probabilities",
            g.id, g.line
        );
        data::check_unit_interval(
            &data.candidate,
            &data.candidate_file.path,
            &spec.columns.score,
            &why,
        )?;
        if let (Some(b), Some(f)) = (&data.baseline, &data.baseline_file) {
            data::check_unit_interval(b, &f.path, &spec.columns.score, &why)?;
        }
    }
    Ok(())
}

/// True when every score of both models lies in [0, 1].
fn probabilities(data: &Paired) -> bool {
    let ok = |s: &[f64]| s.iter().all(|&x| (0.0..=1.0).contains(&x));
    ok(&data.candidate) && data.baseline.as_deref().is_none_or(ok)
}

/// Metric tables and measurements for every gate.
pub(crate) struct Measurements {
    /// Per gate (spec order), one entry per slice (one for the whole set).
    pub measured: Vec<Vec<Measured>>,
    /// Metric values: the whole set first, then each slicing's slices.
    pub metrics: Vec<MetricsRow>,
    /// Methods notes for the report.
    pub notes: Vec<String>,
}

/// One slicing's evaluation: the whole set (`by` empty) or a slicing.
struct Level<'a> {
    by: Vec<String>,
    groups: RowGroups<'a>,
    keys: Vec<SliceKey>,
    plan: Plan,
    cand: Table,
    base: Option<Table>,
}

fn plan_for(metrics: Vec<MetricId>, threshold: f64) -> Plan {
    let mut unique: Vec<MetricId> = Vec::new();
    for m in metrics {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    Plan {
        metrics: unique,
        threshold,
    }
}

fn evaluate(r: &Ranked, groups: RowGroups<'_>, plan: &Plan) -> Table {
    let sorted = groups.sorted_for(r);
    metrics::evaluate(
        r,
        Groups {
            codes: sorted.as_deref(),
            count: groups.count,
        },
        plan,
        |_, _, _| 1.0,
    )
}

fn value_result(v: Value) -> Result<f64, String> {
    v.map_err(|u| u.reason().to_string())
}

/// Computes everything the gates and the report need.
pub(crate) fn measure(spec: &Spec, data: &Paired, progress: &Progress) -> Measurements {
    progress.stage("sorting scores");
    let weight = data.weight.as_deref();
    let cand_r = Ranked::new(&data.candidate, &data.positive, weight);
    let base_r = data
        .baseline
        .as_ref()
        .map(|b| Ranked::new(b, &data.positive, weight));
    let mode = match spec.weights {
        WeightKind::Sampling => WeightMode::Sampling,
        WeightKind::Frequency => WeightMode::Frequency,
    };
    let probs = probabilities(data);

    // Levels: the whole set, then each slicing in request order.
    let mut by_lists: Vec<Vec<String>> = vec![Vec::new()];
    for g in &spec.gates {
        if !by_lists.contains(&g.by) {
            by_lists.push(g.by.clone());
        }
    }
    let mut levels: Vec<Level<'_>> = Vec::new();
    for by in by_lists {
        let gated: Vec<MetricId> = spec
            .gates
            .iter()
            .filter(|g| g.by == by)
            .map(|g| g.metric)
            .collect();
        let (groups, keys, metrics) = if by.is_empty() {
            let mut m = MetricId::default_set();
            if !probs {
                m.retain(|x| !x.needs_probabilities());
            }
            m.extend(spec.gates.iter().map(|g| g.metric));
            (RowGroups::ALL, vec![Vec::new()], m)
        } else {
            let Some(s) = data.slicing(&by) else { continue };
            let keys = s
                .keys
                .iter()
                .map(|k| s.columns.iter().cloned().zip(k.iter().cloned()).collect())
                .collect();
            let mut m = vec![MetricId::Rows, MetricId::Positives, MetricId::Prevalence];
            m.extend(gated);
            (
                RowGroups {
                    codes: Some(&s.codes),
                    count: s.len(),
                },
                keys,
                m,
            )
        };
        let plan = plan_for(metrics, spec.threshold);
        progress.stage(format!("metrics {}", level_name(&by)));
        let cand = evaluate(&cand_r, groups, &plan);
        let base = base_r.as_ref().map(|b| evaluate(b, groups, &plan));
        levels.push(Level {
            by,
            groups,
            keys,
            plan,
            cand,
            base,
        });
    }

    let mut notes = Vec::new();
    let mut boot_used = BootUsed::default();
    let mut measured: Vec<Vec<Measured>> = vec![Vec::new(); spec.gates.len()];
    for level in &levels {
        let gates: Vec<(usize, &GateSpec)> = spec
            .gates
            .iter()
            .enumerate()
            .filter(|(_, g)| g.by == level.by)
            .collect();
        if gates.is_empty() && !level.by.is_empty() {
            continue;
        }
        // DeLong once per level, when a gate uses it.
        let delong_needed = gates.iter().any(|(_, g)| g.test == Test::Delong);
        if delong_needed {
            progress.stage(format!("DeLong {}", level_name(&level.by)));
        }
        let (single, paired) = if delong_needed {
            match &base_r {
                Some(b) => (
                    None,
                    Some(delong::paired(
                        &cand_r,
                        b,
                        level.groups,
                        mode,
                        spec.confidence,
                    )),
                ),
                None => (
                    Some(delong::single(&cand_r, level.groups, mode, spec.confidence)),
                    None,
                ),
            }
        } else {
            (None, None)
        };
        // One bootstrap per level over every metric that wants it.
        let boot_metrics: Vec<MetricId> = gates
            .iter()
            .filter(|(_, g)| {
                g.test != Test::Delong && g.metric.direction() != metrics::Direction::Neutral
            })
            .map(|(_, g)| g.metric)
            .collect();
        if !boot_metrics.is_empty() {
            progress.stage(format!(
                "bootstrap, {} replicates, {}",
                spec.replicates,
                level_name(&level.by)
            ));
        }
        let boot = if boot_metrics.is_empty() {
            None
        } else {
            let plan = plan_for(boot_metrics, spec.threshold);
            let bs = bootstrap::BootstrapSpec {
                replicates: spec.replicates,
                seed: spec.seed,
                confidence: spec.confidence,
                frequency: spec.weights == WeightKind::Frequency,
                little_above: bootstrap::LITTLE_ABOVE,
            };
            let b = match &base_r {
                Some(base) => bootstrap::paired(&cand_r, base, level.groups, &plan, &bs),
                None => bootstrap::single(&cand_r, level.groups, &plan, &bs),
            };
            Some((plan, b))
        };
        for (gi, g) in gates {
            let col = level
                .plan
                .metrics
                .iter()
                .position(|m| *m == g.metric)
                .unwrap_or(0);
            let w = level.plan.metrics.len();
            let mcnemar_per_group = if g.test == Test::Mcnemar {
                data.baseline
                    .as_ref()
                    .map(|b| mcnemar_groups(g.metric, data, b, level.groups, spec.threshold))
            } else {
                None
            };
            // Overall accuracy can hide a recall drop on imbalanced data: show both classes.
            let context = match (&mcnemar_per_group, g.metric, &data.baseline) {
                (Some(_), MetricId::Accuracy, Some(b)) => Some((
                    mcnemar_groups(MetricId::Recall, data, b, level.groups, spec.threshold),
                    mcnemar_groups(MetricId::Specificity, data, b, level.groups, spec.threshold),
                )),
                _ => None,
            };
            for (k, key) in level.keys.iter().enumerate() {
                let cv = level.cand.values[k * w + col];
                let bv = level.base.as_ref().map(|t| t.values[k * w + col]);
                let mut cand_est = value_result(cv).map(Estimate::point);
                let mut delta_est = match (cv, bv) {
                    (Ok(c), Some(Ok(b))) => Some(Ok(Estimate::point(c - b))),
                    (Err(u), Some(_)) | (_, Some(Err(u))) => Some(Err(u.reason().to_string())),
                    (_, None) => None,
                };
                if g.test == Test::Delong {
                    if let Some(p) = &paired {
                        if let Ok(pa) = &p[k] {
                            if let Ok(c) = &mut cand_est {
                                c.interval = Some(pa.candidate.interval);
                                c.spread = Spread::Normal(pa.candidate.se);
                            }
                            if let Some(Ok(d)) = &mut delta_est {
                                d.interval = Some(pa.interval);
                                d.spread = Spread::Normal(pa.se);
                            }
                        }
                    } else if let Some(s) = &single
                        && let (Ok(a), Ok(c)) = (&s[k], &mut cand_est)
                    {
                        c.interval = Some(a.interval);
                        c.spread = Spread::Normal(a.se);
                    }
                } else if let Some((plan, b)) = &boot
                    && let Some(j) = plan.metrics.iter().position(|m| *m == g.metric)
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
                let mc = mcnemar_per_group.as_ref().map(|v| v[k]);
                measured[gi].push(Measured {
                    slice: key.clone(),
                    rows: level.cand.rows[k],
                    positives: level.cand.positives[k],
                    candidate: cand_est,
                    baseline: bv.map(value_result),
                    delta: delta_est,
                    mcnemar: mc,
                    mcnemar_context: context
                        .as_ref()
                        .map(|(r, sp)| {
                            vec![
                                ("among positives (recall)", r[k]),
                                ("among negatives (specificity)", sp[k]),
                            ]
                        })
                        .unwrap_or_default(),
                });
            }
        }
        if let Some((_, b)) = &boot {
            boot_used.sliced |= !level.by.is_empty();
            boot_used.little |= b.little;
            boot_used.collapsed += b.collapsed.iter().sum::<u32>();
            boot_used.any = true;
        }
    }
    if boot_used.any {
        notes.push(format!(
            "Bootstrap: {} paired replicates (Poisson), stratified by label{}, percentile intervals, seed {}{}",
            spec.replicates,
            if boot_used.sliced { " and slice" } else { "" },
            spec.seed,
            if boot_used.little {
                "; ranking metrics on large data by the bag of little bootstraps (Kleiner et al. 2014)"
            } else {
                ""
            }
        ));
        if boot_used.collapsed > 0 {
            notes.push(format!(
                "{} slice replicate(s) of the bootstrap left a label stratum empty and were not counted",
                boot_used.collapsed
            ));
        }
    }
    if spec.gates.iter().any(|g| g.test == Test::Delong) {
        notes.push(match (data.weight.is_some(), spec.weights) {
            (false, _) => {
                "DeLong (fast, Sun & Xu 2014): paired z test and Wald intervals, as R pROC"
                    .to_string()
            }
            (true, WeightKind::Sampling) => {
                "DeLong with sampling-weight (sandwich) variance for the weighted rows".to_string()
            }
            (true, WeightKind::Frequency) => {
                "DeLong with frequency weights (each weight counts rows)".to_string()
            }
        });
    }

    // Metric rows: whole set first, then every slice a gate touches.
    let mut rows = Vec::new();
    for level in &levels {
        let w = level.plan.metrics.len();
        for (k, key) in level.keys.iter().enumerate() {
            let pick = |t: &Table| -> Vec<(MetricId, Value)> {
                level
                    .plan
                    .metrics
                    .iter()
                    .enumerate()
                    .map(|(j, m)| (*m, t.values[k * w + j]))
                    .collect()
            };
            rows.push(MetricsRow {
                slice: key.clone(),
                rows: level.cand.rows[k],
                positives: level.cand.positives[k],
                candidate: pick(&level.cand),
                baseline: level.base.as_ref().map(pick),
            });
        }
    }
    Measurements {
        measured,
        metrics: rows,
        notes,
    }
}

/// What the bootstraps of all levels did, for one methods note.
#[derive(Debug, Default)]
struct BootUsed {
    any: bool,
    sliced: bool,
    little: bool,
    collapsed: u32,
}

/// `overall` or `by country`, for progress messages.
fn level_name(by: &[String]) -> String {
    if by.is_empty() {
        "overall".into()
    } else {
        format!("by {}", by.join(", "))
    }
}

/// McNemar per group for an accuracy / recall / specificity gate.
fn mcnemar_groups(
    metric: MetricId,
    data: &Paired,
    base: &[f64],
    groups: RowGroups<'_>,
    t: f64,
) -> Vec<McNemar> {
    let target = match metric {
        MetricId::Recall => Target::Recall,
        MetricId::Specificity => Target::Specificity,
        _ => Target::Accuracy,
    };
    mcnemar::from_scores(target, &data.positive, &data.candidate, base, t, groups)
}
