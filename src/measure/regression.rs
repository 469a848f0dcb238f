//! The evidence of a `task: regression` run: the metric tables of both models on every
//! slicing, normal intervals for mean losses (from the per-row losses and their paired
//! differences) and the paired unit bootstrap for the other metrics, handed to the gates
//! as the same [`Measured`] values binary gates get.
//!
//! - mean losses (`mae`, `mse`, `mape`, `pinball(q)`): the candidate's interval is the
//!   normal interval of its mean per-row loss, the delta's that of the mean of
//!   `dᵢ = loss_candᵢ − loss_baseᵢ` (the paired comparison: both models on the same rows),
//!   weighted where weights exist, with the cluster-robust variance under `cluster`
//!   ([`units::paired_mean`]); centred on the table's values, so point and interval agree;
//! - `rmse`, `r2`, `median_absolute_error`, `max_error`, `explained_variance`: the paired
//!   Poisson bootstrap over rows, or whole clusters ([`units::bootstrap`]), each replicate
//!   one exact evaluation per model ([`regression::evaluate`]).

use super::UnitBootstrap;
use super::level::{Level, MeanLosses, gate_measured, slice_keys, table_rows};
use super::plan::Plan;
use super::{Measured, Measurements, Methods, MetricsRow, SliceKey, Stage};
use crate::config::{Spec, Test, WeightKind};
use crate::data::Paired;
use crate::metrics::regression::{self, ByError, RegressionRows};
use crate::metrics::{self, MetricId, Table};
use crate::stats::bootstrap::{BootstrapResult, BootstrapSpec};
use crate::stats::units::{self, Units};
use crate::stats::z_critical;

/// Measures a regression spec on regression data (see the module docs).
pub(super) fn measure(
    spec: &Spec,
    data: &Paired,
    stage: &mut dyn FnMut(Stage<'_>),
) -> Measurements {
    let target = data.target().unwrap_or(&[]);
    let weight = data.weight.as_deref();
    let models: Vec<RegressionRows<'_>> = std::iter::once(&data.candidate)
        .chain(data.baseline.as_ref())
        .map(|p| RegressionRows {
            target,
            prediction: p,
            weight,
        })
        .collect();
    let plan = Plan::of(spec, false);
    let sort = plan.levels.iter().any(|l| {
        regression::needs_sort(&l.table.metrics)
            || l.bootstrap
                .as_ref()
                .is_some_and(|b| regression::needs_sort(&b.metrics))
    });
    if sort {
        stage(Stage::Sorting);
    }
    let sorted: Vec<Option<ByError>> = models
        .iter()
        .map(|m| sort.then(|| ByError::new(m)))
        .collect();
    let unit = match &data.clusters {
        Some(c) => Units::Clusters {
            codes: &c.codes,
            count: c.count,
        },
        None => Units::Rows,
    };
    let clusters = data
        .clusters
        .as_ref()
        .map(|c| (c.codes.as_slice(), c.count));
    let role = spec.weights;

    let mut measured: Vec<Vec<Measured>> = vec![Vec::new(); spec.gates.len()];
    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut booted = false;
    let mut mean_loss = false;
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
        let table = |m: usize, metrics: &[MetricId]| -> Table {
            let t = regression::evaluate(
                &models[m],
                sorted[m].as_ref(),
                codes,
                count,
                metrics,
                |_| 1.0,
            );
            match spec.weights {
                WeightKind::Sampling => t,
                WeightKind::Frequency => metrics::frequency_counts(t),
            }
        };
        let cand = table(0, &level.table.metrics);
        let base = (models.len() > 1).then(|| table(1, &level.table.metrics));

        // The bootstrap resamples the metrics of the gates not judged by `PairedMean`.
        let boot_metrics: Vec<MetricId> = level
            .bootstrap
            .as_ref()
            .map(|b| b.metrics.clone())
            .unwrap_or_default();
        let boot: Option<BootstrapResult> = (!boot_metrics.is_empty()).then(|| {
            stage(Stage::Bootstrap {
                replicates: spec.replicates,
                by: &level.by,
            });
            booted = true;
            let bs = BootstrapSpec {
                replicates: spec.replicates,
                seed: spec.seed,
                confidence: spec.confidence,
                frequency: spec.weights == WeightKind::Frequency,
                little_above: u64::MAX,
            };
            units::bootstrap(
                unit,
                target.len(),
                models.len(),
                count,
                boot_metrics.len(),
                &bs,
                |m, counts| {
                    regression::evaluate_lanes(
                        &models[m],
                        sorted[m].as_ref(),
                        codes,
                        count,
                        &boot_metrics,
                        counts,
                    )
                },
            )
        });

        for &gi in &level.gates {
            let g = &spec.gates[gi];
            let means = (g.test == Test::PairedMean)
                .then(|| mean_loss_intervals(g.metric, &models, codes, count, clusters, role, spec))
                .flatten();
            mean_loss |= means.is_some();
            let ev = Level {
                plan: &level.table,
                cand: &cand,
                base: base.as_ref(),
                boot: boot.as_ref().map(|b| (boot_metrics.as_slice(), b)),
                means: means.as_ref(),
                z: z_critical(spec.confidence),
            };
            measured[gi] = gate_measured(g, &keys, &ev);
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
            mean_loss,
            clusters: data.clusters.as_ref().map(|c| (c.column.clone(), c.count)),
        },
    }
}

fn mean_loss_intervals(
    metric: MetricId,
    models: &[RegressionRows<'_>],
    codes: Option<&[u32]>,
    count: usize,
    clusters: Option<(&[u32], usize)>,
    role: WeightKind,
    spec: &Spec,
) -> Option<MeanLosses> {
    regression::row_loss(metric, 0.0, 0.0)?;
    let losses = |m: &RegressionRows<'_>| -> Vec<f64> {
        m.target
            .iter()
            .zip(m.prediction)
            .map(|(&y, &p)| regression::row_loss(metric, y, p).unwrap_or(f64::NAN))
            .collect()
    };
    let cand = losses(&models[0]);
    let weight = models[0].weight;
    let c = units::paired_mean(&cand, weight, role, codes, count, clusters, spec.confidence);
    let d = models.get(1).map(|b| {
        let base = losses(b);
        let diff: Vec<f64> = cand.iter().zip(&base).map(|(x, y)| x - y).collect();
        units::paired_mean(&diff, weight, role, codes, count, clusters, spec.confidence)
    });
    Some((c, d))
}
