//! What to compute, decided from the spec alone: which slicings, which metrics on each,
//! where DeLong runs and which metrics the bootstrap resamples.
//!
//! Pure and cheap, so that the choices (the whole set always first, slicings in the order
//! the gates name them, one DeLong and one bootstrap per slicing at most) are unit-tested
//! without data.

use crate::config::{Spec, Task, Test, WeightKind};
use crate::data::{self, ClassColumns, Request};
use crate::metrics::{self, Direction, MetricId};

/// The data request a spec implies: its files, column roles and the slicings its gates use.
pub fn request(spec: &Spec) -> Request {
    let mut slicings: Vec<Vec<String>> = Vec::new();
    for g in &spec.gates {
        if !g.by.is_empty() && !g.by_class && !slicings.contains(&g.by) {
            slicings.push(g.by.clone());
        }
    }
    let classes = match (spec.task, &spec.columns.scores, &spec.columns.prediction) {
        (Task::Multiclass, Some(map), _) => Some(ClassColumns::Scores(class_columns(map))),
        (Task::Multiclass, None, Some(p)) => Some(ClassColumns::Prediction(p.clone())),
        _ => None,
    };
    Request {
        candidate: spec.candidate.clone(),
        baseline: spec.baseline.clone(),
        label: spec.columns.label.clone(),
        score: scored_column(spec),
        id: spec.columns.id.clone(),
        weight: spec.columns.weight.clone(),
        slicings,
        positive: spec.positive.clone(),
        normalise_weights: spec.weights == WeightKind::Sampling,
        max_slices: spec.max_slices,
        task: spec.task,
        cluster: spec.columns.cluster.clone(),
        classes,
        group: match spec.task {
            Task::Ranking => spec.columns.group.clone(),
            _ => None,
        },
    }
}

/// `columns.scores` as `(class, column)` pairs in class-code order
/// ([`data::sort_classes`]).
pub fn class_columns(
    map: &std::collections::BTreeMap<crate::config::ClassName, String>,
) -> Vec<(String, String)> {
    let mut classes: Vec<String> = map.keys().map(|k| k.0.clone()).collect();
    data::sort_classes(&mut classes);
    classes
        .into_iter()
        .filter_map(|c| {
            let col = map.get(&crate::config::ClassName(c.clone()))?.clone();
            Some((c, col))
        })
        .collect()
}

/// The column holding each model's per-row output: `score`, or `prediction` for
/// regression and a prediction-only multiclass config, or the first class's score column.
pub fn scored_column(spec: &Spec) -> String {
    match (spec.task, &spec.columns.prediction, &spec.columns.scores) {
        (Task::Regression, Some(p), _) => p.clone(),
        (Task::Multiclass, _, Some(map)) => class_columns(map)
            .into_iter()
            .next()
            .map(|(_, c)| c)
            .unwrap_or_default(),
        (Task::Multiclass, Some(p), None) => p.clone(),
        _ => spec.columns.score.clone(),
    }
}

/// Everything one run computes, slicing by slicing.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The whole data set first (`by` empty), then each slicing in the order the gates
    /// first name it.
    pub levels: Vec<Level>,
    /// Indices into `spec.gates` of the `by_class: true` gates (multiclass), judged on the
    /// classes one-vs-rest rather than on a slicing of the rows.
    pub by_class: Vec<usize>,
}

/// What one slicing computes.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// The slice columns; empty for the whole data set.
    pub by: Vec<String>,
    /// The metric table of both models on every slice: on the whole set the default
    /// metrics and every gated one, on a slicing `rows`, `positives`, `prevalence` and the
    /// gated ones.
    pub table: metrics::Plan,
    /// Indices into `spec.gates` of the gates judged on this slicing, in spec order.
    pub gates: Vec<usize>,
    /// DeLong runs once on this slicing (a gate asks for `test: delong`).
    pub delong: bool,
    /// The metrics the bootstrap resamples on this slicing: every gated metric not
    /// decided by DeLong and not neutral (counts have no better direction).
    pub bootstrap: Option<metrics::Plan>,
}

impl Plan {
    /// The plan of `spec`; `probabilities`: every score of both models lies in [0, 1], so
    /// the default set may include the probability metrics.
    pub fn of(spec: &Spec, probabilities: bool) -> Plan {
        let mut by_lists: Vec<Vec<String>> = vec![Vec::new()];
        for g in spec.gates.iter().filter(|g| !g.by_class) {
            if !by_lists.contains(&g.by) {
                by_lists.push(g.by.clone());
            }
        }
        let levels = by_lists
            .into_iter()
            .map(|by| {
                let gates: Vec<usize> = (0..spec.gates.len())
                    .filter(|&i| spec.gates[i].by == by && !spec.gates[i].by_class)
                    .collect();
                let mut table = if by.is_empty() && spec.task != Task::Binary {
                    let mut m = MetricId::default_set_for(spec.task);
                    if spec.task == Task::Multiclass && spec.columns.scores.is_none() {
                        m.retain(|x| *x != MetricId::LogLoss);
                    }
                    m.extend(spec.gates.iter().filter(|g| !g.by_class).map(|g| g.metric));
                    m
                } else if !by.is_empty() && spec.task != Task::Binary {
                    let mut m = vec![MetricId::Rows];
                    m.extend(gates.iter().map(|&i| spec.gates[i].metric));
                    m
                } else if by.is_empty() {
                    let mut m = MetricId::default_set();
                    if !probabilities {
                        m.retain(|x| !x.needs_probabilities());
                    }
                    // Every gated metric, sliced or not, also shows on the whole set.
                    m.extend(spec.gates.iter().map(|g| g.metric));
                    m
                } else {
                    let mut m = vec![MetricId::Rows, MetricId::Positives, MetricId::Prevalence];
                    m.extend(gates.iter().map(|&i| spec.gates[i].metric));
                    m
                };
                dedup(&mut table);
                let delong = gates.iter().any(|&i| spec.gates[i].test == Test::Delong);
                let mut boot: Vec<MetricId> = gates
                    .iter()
                    .map(|&i| &spec.gates[i])
                    .filter(|g| {
                        !matches!(g.test, Test::Delong | Test::PairedMean)
                            && g.metric.direction() != Direction::Neutral
                            && !g.metric.compares_models()
                    })
                    .map(|g| g.metric)
                    .collect();
                dedup(&mut boot);
                Level {
                    by,
                    table: metrics::Plan {
                        metrics: table,
                        threshold: spec.threshold,
                    },
                    gates,
                    delong,
                    bootstrap: (!boot.is_empty()).then_some(metrics::Plan {
                        metrics: boot,
                        threshold: spec.threshold,
                    }),
                }
            })
            .collect();
        let by_class = (0..spec.gates.len())
            .filter(|&i| spec.gates[i].by_class)
            .collect();
        Plan { levels, by_class }
    }
}

/// Keeps the first of each metric, in order.
fn dedup(metrics: &mut Vec<MetricId>) {
    let mut seen: Vec<MetricId> = Vec::with_capacity(metrics.len());
    metrics.retain(|m| {
        let new = !seen.contains(m);
        if new {
            seen.push(*m);
        }
        new
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, parse, validate};
    use std::path::Path;

    fn spec(gates: &str) -> Spec {
        let text = format!(
            "version: 1\nname: t\ncandidate: c.csv\nbaseline: b.csv\ncolumns: {{label: y, score: s, id: id}}\ngates:\n{gates}"
        );
        let raw = parse(&text).expect("parses");
        validate(raw, Path::new("m.yaml"), &Overrides::default()).expect("valid")
    }

    #[test]
    fn whole_set_first_then_slicings_in_gate_order() {
        let s = spec(
            "  - {metric: recall, max_regression: 0.01, by: [channel]}\n  - {metric: roc_auc, min: 0.5}\n  - {metric: pr_auc, max_regression: 0.01, by: [country]}\n  - {metric: precision, max_regression: 0.01, by: [channel]}\n",
        );
        let p = Plan::of(&s, true);
        let bys: Vec<Vec<String>> = p.levels.iter().map(|l| l.by.clone()).collect();
        assert_eq!(
            bys,
            vec![
                vec![],
                vec!["channel".to_string()],
                vec!["country".to_string()]
            ]
        );
        assert_eq!(p.levels[0].gates, vec![1]);
        assert_eq!(p.levels[1].gates, vec![0, 3]);
        assert_eq!(p.levels[2].gates, vec![2]);
    }

    #[test]
    fn tables_hold_the_default_set_once_and_the_slice_counts() {
        let s = spec(
            "  - {metric: recall, max_regression: 0.01, by: [channel]}\n  - {metric: roc_auc, min: 0.5}\n  - {metric: roc_auc, max_regression: 0.01}\n",
        );
        let p = Plan::of(&s, true);
        let whole = &p.levels[0].table.metrics;
        let mut want = MetricId::default_set();
        dedup(&mut want);
        assert_eq!(&whole[..want.len()], &want[..]);
        assert_eq!(whole.iter().filter(|m| **m == MetricId::RocAuc).count(), 1);
        assert!(
            whole.contains(&MetricId::Recall),
            "sliced gates' metrics show overall too"
        );
        assert_eq!(
            p.levels[1].table.metrics,
            vec![
                MetricId::Rows,
                MetricId::Positives,
                MetricId::Prevalence,
                MetricId::Recall
            ]
        );
    }

    #[test]
    fn probability_metrics_leave_the_default_set_for_raw_scores_only() {
        let s = spec("  - {metric: roc_auc, min: 0.5}\n");
        let raw = Plan::of(&s, false);
        assert!(
            !raw.levels[0]
                .table
                .metrics
                .iter()
                .any(|m| m.needs_probabilities())
        );
        let probs = Plan::of(&s, true);
        assert!(
            probs.levels[0]
                .table
                .metrics
                .iter()
                .any(|m| m.needs_probabilities())
        );
    }

    #[test]
    fn delong_gates_leave_the_bootstrap_and_neutral_metrics_never_enter_it() {
        let s = spec(
            "  - {metric: roc_auc, max_regression: 0.01, test: delong}\n  - {metric: pr_auc, max_regression: 0.01}\n  - {metric: rows, min: 10}\n",
        );
        let p = Plan::of(&s, true);
        assert!(p.levels[0].delong);
        assert_eq!(
            p.levels[0].bootstrap.as_ref().map(|b| b.metrics.clone()),
            Some(vec![MetricId::PrAuc])
        );
        let only_delong = spec("  - {metric: roc_auc, max_regression: 0.01, test: delong}\n");
        assert_eq!(Plan::of(&only_delong, true).levels[0].bootstrap, None);
    }

    #[test]
    fn by_class_gates_leave_the_slicings_and_the_tables() {
        let text = "version: 1\nname: t\ntask: multiclass\ncandidate: c.csv\nbaseline: b.csv\ncolumns: {label: y, scores: {a: pa, b: pb, c: pc}, id: id}\ngates:\n  - {metric: recall, by_class: true, min: 0.5}\n  - {metric: macro_f1, max_regression: 0.01, by: channel}\n";
        let raw = parse(text).expect("parses");
        let s = validate(raw, Path::new("m.yaml"), &Overrides::default()).expect("valid");
        assert_eq!(s.gates[0].by, vec![crate::config::BY_CLASS.to_string()]);
        assert_eq!(s.gates[0].id, "recall-min-by-class");
        let p = Plan::of(&s, false);
        assert_eq!(p.by_class, vec![0]);
        assert_eq!(p.levels.len(), 2);
        assert!(!p.levels[0].table.metrics.contains(&MetricId::Recall));
        assert_eq!(p.levels[1].gates, vec![1]);
        let r = request(&s);
        assert_eq!(r.slicings, vec![vec!["channel".to_string()]]);
        assert_eq!(
            r.classes,
            Some(ClassColumns::Scores(vec![
                ("a".into(), "pa".into()),
                ("b".into(), "pb".into()),
                ("c".into(), "pc".into())
            ]))
        );
        assert_eq!(r.score, "pa");
    }

    #[test]
    fn request_names_each_slicing_once() {
        let s = spec(
            "  - {metric: recall, max_regression: 0.01, by: [channel]}\n  - {metric: precision, max_regression: 0.01, by: [channel]}\n  - {metric: roc_auc, min: 0.5}\n",
        );
        assert_eq!(request(&s).slicings, vec![vec!["channel".to_string()]]);
    }
}
