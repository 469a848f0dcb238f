//! The evidence a [`Plan`] asks for: metric tables, DeLong, the bootstrap and McNemar on
//! every slicing, handed to the gates as [`Measured`] values.

use super::level::{slice_keys, table_rows};
use super::{
    BootstrapMethod, DelongMethod, Estimate, McNemarByClass, Measured, Measurements, Methods,
    MetricsRow, Plan, SliceKey, Spread, Stage, UnitBootstrap,
};
use crate::config::{GateSpec, Spec, Test, WeightKind};
use crate::data::{self, DataError, Paired};
use crate::metrics::{self, MetricId, Ranked, SortedGroups, Table};
use crate::stats::bootstrap::{self, BootstrapResult};
use crate::stats::delong::{self, Auc, PairedAuc};
use crate::stats::mcnemar::{self, McNemar, Target};
use crate::stats::{RowGroups, Undefined};
use crate::stats::{ks, units};

/// A binary gate on a probability metric needs scores in [0, 1] in both files.
pub(super) fn check_probabilities(spec: &Spec, data: &Paired) -> Result<(), DataError> {
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

/// One model's metric table over `groups` (per-row codes, as the data gives them).
pub fn evaluate(r: &Ranked, groups: RowGroups<'_>, plan: &metrics::Plan) -> Table {
    let sorted = groups.sorted_for(r);
    metrics::evaluate(
        r,
        SortedGroups {
            codes: sorted.as_deref(),
            count: groups.count,
        },
        plan,
        |_, _, _| 1.0,
    )
}

/// [`evaluate`] for the gates: under `weights: frequency` the rows and positives counted are
/// the rows the weights stand for ([`metrics::frequency_counts`]), so that `min_slice`, the
/// gates' counts and the reports see the same numbers as on the expanded rows.
pub fn evaluate_counted(
    r: &Ranked,
    groups: RowGroups<'_>,
    plan: &metrics::Plan,
    weights: WeightKind,
) -> Table {
    let table = evaluate(r, groups, plan);
    match weights {
        WeightKind::Sampling => table,
        WeightKind::Frequency => metrics::frequency_counts(table),
    }
}

/// One model's metric table, as `modelgate metrics` prints it: the whole set's row, then
/// each slicing's slices, every metric of `plan` on one sort of the candidate's scores.
pub fn metric_rows(data: &Paired, plan: &metrics::Plan) -> Vec<MetricsRow> {
    let ranked = Ranked::new(&data.candidate, &data.positive, data.weight.as_deref());
    let mut rows = table_rows(
        &[Vec::new()],
        plan,
        &evaluate(&ranked, RowGroups::ALL, plan),
        None,
    );
    for s in &data.slicings {
        let groups = RowGroups {
            codes: Some(&s.codes),
            count: s.len(),
        };
        rows.extend(table_rows(
            &slice_keys(s),
            plan,
            &evaluate(&ranked, groups, plan),
            None,
        ));
    }
    rows
}

/// DeLong on one slicing: per slice, the candidate alone or paired with the baseline.
enum DelongResult {
    Single(Vec<Result<Auc, Undefined>>),
    Paired(Vec<Result<PairedAuc, Undefined>>),
}

/// Computes everything the gates and the report need of a binary classifier; `stage`
/// hears what runs now.
pub(super) fn measure(
    spec: &Spec,
    data: &Paired,
    stage: &mut dyn FnMut(Stage<'_>),
) -> Measurements {
    stage(Stage::Sorting);
    let weight = data.weight.as_deref();
    let cand_r = Ranked::new(&data.candidate, &data.positive, weight);
    let base_r = data
        .baseline
        .as_ref()
        .map(|b| Ranked::new(b, &data.positive, weight));
    let mode = spec.weights;
    let plan = Plan::of(spec, probabilities(data));

    let mut measured: Vec<Vec<Measured>> = vec![Vec::new(); spec.gates.len()];
    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut boot_used: Option<BootstrapMethod> = None;
    for level in &plan.levels {
        let (groups, keys) = if level.by.is_empty() {
            (RowGroups::ALL, vec![Vec::new()])
        } else {
            let Some(s) = data.slicing(&level.by) else {
                continue;
            };
            (
                RowGroups {
                    codes: Some(&s.codes),
                    count: s.len(),
                },
                slice_keys(s),
            )
        };
        stage(Stage::Metrics(&level.by));
        let mut cand = evaluate_counted(&cand_r, groups, &level.table, spec.weights);
        super::compare::fill(&mut cand, &level.table, data, groups, spec.threshold);
        let base = base_r
            .as_ref()
            .map(|b| evaluate_counted(b, groups, &level.table, spec.weights));

        let dl = level.delong.then(|| {
            stage(Stage::Delong(&level.by));
            match &base_r {
                Some(b) => {
                    DelongResult::Paired(delong::paired(&cand_r, b, groups, mode, spec.confidence))
                }
                None => {
                    DelongResult::Single(delong::single(&cand_r, groups, mode, spec.confidence))
                }
            }
        });
        let boot = level.bootstrap.as_ref().map(|bplan| {
            stage(Stage::Bootstrap {
                replicates: spec.replicates,
                by: &level.by,
            });
            let bs = bootstrap::BootstrapSpec {
                replicates: spec.replicates,
                seed: spec.seed,
                confidence: spec.confidence,
                frequency: spec.weights == WeightKind::Frequency,
                little_above: bootstrap::LITTLE_ABOVE,
            };
            let b = match (&data.clusters, &base_r) {
                (Some(c), _) => cluster_bootstrap(c, &cand_r, base_r.as_ref(), groups, bplan, &bs),
                (None, Some(base)) => bootstrap::paired(&cand_r, base, groups, bplan, &bs),
                (None, None) => bootstrap::single(&cand_r, groups, bplan, &bs),
            };
            (bplan, b)
        });

        for &gi in &level.gates {
            let g = &spec.gates[gi];
            let evidence = Evidence {
                level_plan: &level.table,
                cand: &cand,
                base: base.as_ref(),
                delong: dl.as_ref(),
                boot: boot.as_ref().map(|(p, b)| (*p, b)),
            };
            measured[gi] = gate_measured(g, spec, data, groups, &keys, &evidence);
        }
        if let Some((_, b)) = &boot
            && data.clusters.is_none()
        {
            let u = boot_used.get_or_insert(BootstrapMethod {
                replicates: spec.replicates,
                seed: spec.seed,
                sliced: false,
                little: false,
                collapsed: 0,
            });
            u.sliced |= !level.by.is_empty();
            u.little |= b.little;
            u.collapsed += b.collapsed.iter().sum::<u32>();
        }
        rows.extend(table_rows(&keys, &level.table, &cand, base.as_ref()));
    }
    let delong = spec.gates.iter().any(|g| g.test == Test::Delong).then_some(
        match (data.weight.is_some(), spec.weights) {
            (false, _) => DelongMethod::Unweighted,
            (true, WeightKind::Sampling) => DelongMethod::SamplingWeights,
            (true, WeightKind::Frequency) => DelongMethod::FrequencyWeights,
        },
    );
    Measurements {
        measured,
        metrics: rows,
        methods: Methods {
            task: spec.task,
            bootstrap: boot_used,
            delong,
            unit_bootstrap: (data.clusters.is_some()
                && plan.levels.iter().any(|l| l.bootstrap.is_some()))
            .then_some(UnitBootstrap {
                replicates: spec.replicates,
                seed: spec.seed,
            }),
            mean_loss: false,
            clusters: data.clusters.as_ref().map(|c| (c.column.clone(), c.count)),
        },
    }
}

/// The binary bootstrap under `cluster`: whole clusters resampled (Poisson counts per
/// cluster, [`units::bootstrap`]), each replicate one exact metric pass per model with the
/// rows' weights multiplied by their cluster's count. Not label-stratified: a cluster holds
/// rows of both labels; a replicate that leaves a slice without one label is undefined
/// for the metrics that need it and not counted.
fn cluster_bootstrap(
    clusters: &data::Clusters,
    cand: &Ranked,
    base: Option<&Ranked>,
    groups: RowGroups<'_>,
    plan: &metrics::Plan,
    spec: &bootstrap::BootstrapSpec,
) -> BootstrapResult {
    let ranked: Vec<&Ranked> = std::iter::once(cand).chain(base).collect();
    let sorted: Vec<Option<Vec<u32>>> = ranked.iter().map(|r| groups.sorted_for(r)).collect();
    units::bootstrap(
        units::Units::Clusters {
            codes: &clusters.codes,
            count: clusters.count,
        },
        cand.len(),
        ranked.len(),
        groups.count,
        plan.metrics.len(),
        spec,
        |model, counts| {
            units::per_lane(counts, |mult| {
                metrics::evaluate(
                    ranked[model],
                    SortedGroups {
                        codes: sorted[model].as_deref(),
                        count: groups.count,
                    },
                    plan,
                    |row, _, _| mult(row),
                )
                .values
            })
        },
    )
}

/// What one slicing computed, for the gates judged on it.
struct Evidence<'a> {
    level_plan: &'a metrics::Plan,
    cand: &'a Table,
    base: Option<&'a Table>,
    delong: Option<&'a DelongResult>,
    boot: Option<(&'a metrics::Plan, &'a BootstrapResult)>,
}

/// One gate's [`Measured`] per slice: the values from the table, the interval and spread
/// from DeLong or the bootstrap, McNemar's counts for a McNemar gate.
fn gate_measured(
    g: &GateSpec,
    spec: &Spec,
    data: &Paired,
    groups: RowGroups<'_>,
    keys: &[SliceKey],
    ev: &Evidence<'_>,
) -> Vec<Measured> {
    let col = ev
        .level_plan
        .metrics
        .iter()
        .position(|m| *m == g.metric)
        .unwrap_or(0);
    let w = ev.level_plan.metrics.len();
    let mcnemar_per_group = match (g.test, &data.baseline) {
        (Test::Mcnemar, Some(b)) => Some(mcnemar_groups(g.metric, data, b, groups, spec)),
        _ => None,
    };
    // Overall accuracy can hide a recall drop on imbalanced data: show both classes.
    let context = match (&mcnemar_per_group, g.metric, &data.baseline) {
        (Some(_), MetricId::Accuracy, Some(b)) => Some((
            mcnemar_groups(MetricId::Recall, data, b, groups, spec),
            mcnemar_groups(MetricId::Specificity, data, b, groups, spec),
        )),
        _ => None,
    };
    // A `ks` gate reports the KS test of its statistic: both samples are the slice's rows.
    let ks_sizes = (g.metric == MetricId::Ks && data.baseline.is_some())
        .then(|| super::compare::group_sizes(data.len(), groups));
    keys.iter()
        .enumerate()
        .map(|(k, key)| {
            let cv = ev.cand.values[k * w + col];
            let ks_test = match (&ks_sizes, cv) {
                (Some(sizes), Ok(d)) => sizes.get(k).and_then(|&n| ks::two_sided(d, n, n)),
                _ => None,
            };
            let bv = ev.base.map(|t| t.values[k * w + col]);
            let mut cand_est = cv.map(Estimate::point);
            let mut delta_est = match (cv, bv) {
                (Ok(c), Some(Ok(b))) => Some(Ok(Estimate::point(c - b))),
                (Err(u), Some(_)) | (_, Some(Err(u))) => Some(Err(u)),
                (_, None) => None,
            };
            if g.test == Test::Delong {
                match ev.delong {
                    Some(DelongResult::Paired(p)) => {
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
                    }
                    Some(DelongResult::Single(s)) => {
                        if let (Ok(a), Ok(c)) = (&s[k], &mut cand_est) {
                            c.interval = Some(a.interval);
                            c.spread = Spread::Normal(a.se);
                        }
                    }
                    None => {}
                }
            } else if let Some((plan, b)) = ev.boot
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
            Measured {
                slice: key.clone(),
                rows: ev.cand.rows[k],
                positives: ev.cand.positives[k],
                candidate: cand_est,
                baseline: bv,
                delta: delta_est,
                mcnemar: mcnemar_per_group.as_ref().map(|v| v[k]),
                mcnemar_context: context.as_ref().map(|(r, sp)| McNemarByClass {
                    positives: r[k],
                    negatives: sp[k],
                }),
                ks_test,
            }
        })
        .collect()
}

/// McNemar per group for an accuracy / recall / specificity gate.
fn mcnemar_groups(
    metric: MetricId,
    data: &Paired,
    base: &[f64],
    groups: RowGroups<'_>,
    spec: &Spec,
) -> Vec<McNemar> {
    let target = match metric {
        MetricId::Recall => Target::Recall,
        MetricId::Specificity => Target::Specificity,
        _ => Target::Accuracy,
    };
    // Whole frequency weights are row counts (sampling weights never reach McNemar).
    let counts = data
        .weight
        .as_deref()
        .filter(|_| spec.weights == WeightKind::Frequency);
    mcnemar::from_scores(
        target,
        &data.positive,
        &data.candidate,
        base,
        spec.threshold,
        groups,
        counts,
    )
}
