//! Gates against the reference sample (`against: reference`): a model's scores or a feature
//! column of the evaluation rows compared with a sample of production traffic, overall and
//! per slice.
//!
//! Loading checks everything a metric needs before anything is measured (a text column
//! under `ks`, missing values under `ks`/`wasserstein`, one column numeric in one file and
//! text in the other: exit 2 naming file, column and rows). Measuring then cannot fail: a
//! slice with no reference rows is undefined and skipped like any undefined metric.
//! Kept apart from the paired-row measuring ([`super::evidence`]): these gates have their own
//! inputs; [`super::measure_all`] puts their measurements back in spec order.

use super::{Estimate, Measured, SliceKey};
use crate::config::{Drift, GateSpec, ModelSide, Spec};
use crate::data::{self, DataError, Feature, Paired, Reference};
use crate::metrics::distribution::{self, categorical_shares, numeric_shares};
use crate::metrics::{MetricId, Undefined, Value};
use crate::stats::ks;

/// The reference sample and the compared feature columns of the evaluation rows.
pub struct Inputs {
    reference: Reference,
    features: Vec<(String, Feature)>,
}

/// The reference sample's scores, for the HTML histogram.
pub fn reference_scores(inputs: &Inputs) -> &[f64] {
    &inputs.reference.scores
}

/// The reference sample's file, for the report's inputs.
pub fn reference_file(inputs: &Inputs) -> data::FileInfo {
    inputs.reference.file.clone()
}

/// The gates measured here.
pub fn is_drift(g: &GateSpec) -> bool {
    g.reference.is_some()
}

/// The gates measured outside the paired rows: against the reference (here) and the
/// training–serving skew gates ([`super::skew`]).
pub fn measured_elsewhere(g: &GateSpec) -> bool {
    is_drift(g) || g.metric.is_skew()
}

/// The spec without the gates measured elsewhere, for the paired-row measuring.
pub fn without_drift(spec: &Spec) -> Spec {
    let mut s = spec.clone();
    s.gates.retain(|g| !measured_elsewhere(g));
    s
}

/// Reads the reference and the feature columns the gates compare, and checks that each
/// gate's metric applies to its column; `None` without gates against the reference.
pub fn load(spec: &Spec) -> Result<Option<Inputs>, DataError> {
    let gates: Vec<&GateSpec> = spec.gates.iter().filter(|g| is_drift(g)).collect();
    let Some(path) = &spec.reference else {
        return Ok(None);
    };
    if gates.is_empty() {
        return Ok(None);
    }
    let mut features: Vec<String> = Vec::new();
    let mut slicings: Vec<Vec<String>> = Vec::new();
    for g in &gates {
        if let Some(Drift::Feature(f)) = &g.reference
            && !features.contains(f)
        {
            features.push(f.clone());
        }
        if !g.by.is_empty() && !slicings.contains(&g.by) {
            slicings.push(g.by.clone());
        }
    }
    let reference = data::load_reference(
        path,
        &spec.columns.score,
        &features,
        &slicings,
        spec.max_slices,
    )?;
    let evaluation = if features.is_empty() {
        Vec::new()
    } else {
        data::load_features(&spec.candidate, &spec.columns.score, &features)?
    };
    for g in &gates {
        let Some(Drift::Feature(f)) = &g.reference else {
            continue;
        };
        let find = |v: &[(String, Feature)]| v.iter().find(|(n, _)| n == f).map(|(_, x)| x.clone());
        let (Some(ev), Some(rf)) = (find(&evaluation), find(&reference.features)) else {
            continue;
        };
        check_feature(g, f, (&spec.candidate, &ev), (path, &rf))?;
    }
    Ok(Some(Inputs {
        reference,
        features: evaluation,
    }))
}

fn check_feature(
    g: &GateSpec,
    name: &str,
    (ev_path, ev): (&std::path::Path, &Feature),
    (rf_path, rf): (&std::path::Path, &Feature),
) -> Result<(), DataError> {
    let line = g.line;
    match (ev, rf) {
        (Feature::Numeric(_), Feature::Categorical(_))
        | (Feature::Categorical(_), Feature::Numeric(_)) => {
            let (text_path, num_path) = if matches!(ev, Feature::Categorical(_)) {
                (ev_path, rf_path)
            } else {
                (rf_path, ev_path)
            };
            return Err(DataError::new(
                text_path,
                Some(name),
                format!(
                    "the column holds text here but numbers in {} (gate `{}`, config line {line}); give it one type in both files",
                    num_path.display(),
                    g.id
                ),
            ));
        }
        (Feature::Categorical(_), Feature::Categorical(_))
            if matches!(g.metric, MetricId::Ks | MetricId::Wasserstein) =>
        {
            return Err(DataError::new(
                ev_path,
                Some(name),
                format!(
                    "gate `{}` (config line {line}) computes {} on a column of text values; {} needs numbers: use psi or js_divergence for a categorical feature",
                    g.id, g.metric, g.metric
                ),
            ));
        }
        _ => {}
    }
    if matches!(g.metric, MetricId::Ks | MetricId::Wasserstein) {
        for (path, f) in [(ev_path, ev), (rf_path, rf)] {
            if let Feature::Numeric(v) = f {
                let rows: Vec<usize> = v
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.is_none())
                    .map(|(i, _)| i + 1)
                    .collect();
                if !rows.is_empty() {
                    return Err(DataError::new(
                        path,
                        Some(name),
                        format!(
                            "{} missing value(s) at row(s) {}; gate `{}` (config line {line}) computes {} on values present in every row; use psi or js_divergence (missing values count as a bin of their own) or fill them upstream",
                            rows.len(),
                            data::examples(&rows, rows.len()),
                            g.id,
                            g.metric
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// One gate's value on one pair of samples.
fn value_of(metric: MetricId, ev: &Sample<'_>, rf: &Sample<'_>) -> Value {
    match (ev, rf) {
        (Sample::Numbers(a), Sample::Numbers(b)) => {
            let sorted = |v: &[Option<f64>]| -> Vec<f64> {
                let mut x: Vec<f64> = v.iter().flatten().copied().collect();
                x.sort_unstable_by(f64::total_cmp);
                x
            };
            match metric {
                MetricId::Ks => distribution::ks(&sorted(a), &sorted(b)),
                MetricId::Wasserstein => distribution::wasserstein(&sorted(a), &sorted(b)),
                MetricId::Psi { bins } => numeric_shares(a, b, bins)
                    .map(|(p, q)| distribution::psi_of_shares(&p, &q))
                    .ok_or(Undefined::Empty),
                MetricId::JsDivergence { bins } => numeric_shares(a, b, bins)
                    .map(|(p, q)| distribution::js_of_shares(&p, &q))
                    .ok_or(Undefined::Empty),
                _ => Err(Undefined::ComparesModels),
            }
        }
        (Sample::Text(a), Sample::Text(b)) => match metric {
            MetricId::Psi { .. } => categorical_shares(a, b)
                .map(|(p, q)| distribution::psi_of_shares(&p, &q))
                .ok_or(Undefined::Empty),
            MetricId::JsDivergence { .. } => categorical_shares(a, b)
                .map(|(p, q)| distribution::js_of_shares(&p, &q))
                .ok_or(Undefined::Empty),
            // Refused while loading.
            _ => Err(Undefined::Empty),
        },
        _ => Err(Undefined::Empty),
    }
}

/// The rows of one slice of one side.
enum Sample<'a> {
    Numbers(Vec<Option<f64>>),
    Text(Vec<Option<&'a String>>),
}

impl Sample<'_> {
    /// How many numbers the sample holds (missing values left out, as the distances do);
    /// `None` for text.
    fn numbers(&self) -> Option<u64> {
        match self {
            Sample::Numbers(v) => Some(v.iter().flatten().count() as u64),
            Sample::Text(_) => None,
        }
    }
}

fn sample<'a>(
    g: &GateSpec,
    scores: Option<&[f64]>,
    features: &'a [(String, Feature)],
    rows: &[usize],
) -> Sample<'a> {
    match &g.reference {
        Some(Drift::Feature(f)) => match features.iter().find(|(n, _)| n == f) {
            Some((_, Feature::Numeric(v))) => Sample::Numbers(rows.iter().map(|&i| v[i]).collect()),
            Some((_, Feature::Categorical(v))) => {
                Sample::Text(rows.iter().map(|&i| v[i].as_ref()).collect())
            }
            None => Sample::Numbers(Vec::new()),
        },
        _ => Sample::Numbers(
            scores
                .map(|s| rows.iter().map(|&i| Some(s[i])).collect())
                .unwrap_or_default(),
        ),
    }
}

/// Rows of each slice: `(key, rows)`, the whole set when `by` is empty.
fn groups(by: &[String], n: usize, slicing: Option<&data::Slicing>) -> Vec<(SliceKey, Vec<usize>)> {
    if by.is_empty() {
        return vec![(Vec::new(), (0..n).collect())];
    }
    let Some(s) = slicing else {
        return Vec::new();
    };
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); s.len()];
    for (i, &c) in s.codes.iter().enumerate() {
        rows[c as usize].push(i);
    }
    s.keys
        .iter()
        .zip(rows)
        .map(|(k, r)| {
            (
                s.columns.iter().cloned().zip(k.iter().cloned()).collect(),
                r,
            )
        })
        .collect()
}

/// The measurements of every gate against the reference, by gate index in `spec.gates`.
pub fn measure(spec: &Spec, data: &Paired, inputs: &Inputs) -> Vec<(usize, Vec<Measured>)> {
    let mut out = Vec::new();
    for (gi, g) in spec.gates.iter().enumerate() {
        let Some(drift) = &g.reference else { continue };
        let eval_scores: Option<&[f64]> = match drift {
            Drift::Scores(ModelSide::Candidate) => Some(&data.candidate),
            Drift::Scores(ModelSide::Baseline) => data.baseline.as_deref(),
            Drift::Feature(_) => None,
        };
        let ev_groups = groups(&g.by, data.len(), data.slicing(&g.by));
        let rf_slicing = inputs.reference.slicings.iter().find(|s| s.columns == g.by);
        let rf_groups = groups(&g.by, inputs.reference.scores.len(), rf_slicing);
        let mut measured = Vec::with_capacity(ev_groups.len());
        for (key, rows) in &ev_groups {
            let ev = sample(g, eval_scores, &inputs.features, rows);
            let mut ks_test = None;
            let value = match rf_groups.iter().find(|(k, _)| k == key) {
                Some((_, rf_rows)) => {
                    let rf = sample(
                        g,
                        Some(&inputs.reference.scores),
                        &inputs.reference.features,
                        rf_rows,
                    );
                    let value = value_of(g.metric, &ev, &rf);
                    if g.metric == MetricId::Ks
                        && let (Ok(d), Some(n1), Some(n2)) = (value, ev.numbers(), rf.numbers())
                    {
                        ks_test = ks::two_sided(d, n1, n2);
                    }
                    value
                }
                None => Err(Undefined::NoReferenceRows),
            };
            measured.push(Measured {
                slice: key.clone(),
                rows: rows.len() as u64,
                positives: rows.iter().filter(|&&i| data.positive[i]).count() as u64,
                candidate: value.map(Estimate::point),
                baseline: None,
                delta: None,
                mcnemar: None,
                mcnemar_context: None,
                ks_test,
            });
        }
        out.push((gi, measured));
    }
    out
}

/// Puts the gates' measurements back in spec order: `main` holds those of the measuring
/// stage's gates, in order; `drift` those measured elsewhere, by gate index.
pub fn merge(
    spec: &Spec,
    main: Vec<Vec<Measured>>,
    mut drift: Vec<(usize, Vec<Measured>)>,
) -> Vec<Vec<Measured>> {
    drift.sort_by_key(|(i, _)| *i);
    let mut main = main.into_iter();
    let mut drift = drift.into_iter().peekable();
    spec.gates
        .iter()
        .enumerate()
        .map(|(i, g)| {
            if measured_elsewhere(g) {
                match drift.peek() {
                    Some((j, _)) if *j == i => drift.next().map(|(_, m)| m).unwrap_or_default(),
                    _ => Vec::new(),
                }
            } else {
                main.next().unwrap_or_default()
            }
        })
        .collect()
}
