//! Metrics of the two models together, per slice: the distribution distances between the
//! candidate's and the baseline's scores on the same rows, and decision churn.
//!
//! The streaming evaluator works on one model's sorted rows and leaves these cells
//! undefined ([`Undefined::ComparesModels`]); this stage fills the candidate's cells with
//! the comparison's value so that a `max:` gate judges it like any lower-is-better metric.
//! The baseline's cells stay undefined: a comparison has no baseline value and no delta.
//! Kept out of `measure.rs` so that stage's refactoring and this one stay apart.

use crate::data::Paired;
use crate::metrics::distribution::{self, Churn, ChurnOf};
use crate::metrics::{MetricId, Plan, Table, Undefined, Value};
use crate::stats::RowGroups;

/// Fills every comparison metric of `plan` into the candidate's `table`, one value per
/// group. Without a baseline (which the config refuses for these metrics) nothing changes.
pub(crate) fn fill(
    table: &mut Table,
    plan: &Plan,
    data: &Paired,
    groups: RowGroups<'_>,
    threshold: f64,
) {
    let Some(base) = data.baseline.as_deref() else {
        return;
    };
    let wanted: Vec<(usize, MetricId)> = plan
        .metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| m.compares_models())
        .map(|(j, m)| (j, *m))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let code = |row: usize| groups.codes.map_or(0, |c| c[row] as usize);

    // Decision churn: one pass, weighted when the data are.
    let mut churn = vec![Churn::default(); groups.count];
    if wanted.iter().any(|(_, m)| !m.is_distribution()) {
        for (row, (&c, &b)) in data.candidate.iter().zip(base).enumerate() {
            let w = data.weight.as_ref().map_or(1.0, |w| w[row]);
            churn[code(row)].add(data.positive[row], c, b, threshold, w);
        }
    }

    // Distribution distances: each group's scores of both models, sorted once.
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    if wanted.iter().any(|(_, m)| m.is_distribution()) {
        samples = vec![(Vec::new(), Vec::new()); groups.count];
        for (row, (&c, &b)) in data.candidate.iter().zip(base).enumerate() {
            let s = &mut samples[code(row)];
            s.0.push(c);
            s.1.push(b);
        }
        for (c, b) in &mut samples {
            c.sort_unstable_by(f64::total_cmp);
            b.sort_unstable_by(f64::total_cmp);
        }
    }

    for (g, churn) in churn.iter().enumerate() {
        for &(j, m) in &wanted {
            let sample = samples.get(g);
            let dist = |f: &dyn Fn(&[f64], &[f64]) -> Value| -> Value {
                sample.map_or(Err(Undefined::Empty), |(c, b)| f(c, b))
            };
            let v = match m {
                MetricId::Psi { bins } => dist(&|c, b| distribution::psi(c, b, bins)),
                MetricId::JsDivergence { bins } => {
                    dist(&|c, b| distribution::js_divergence(c, b, bins))
                }
                MetricId::Ks => dist(&distribution::ks),
                MetricId::Wasserstein => dist(&distribution::wasserstein),
                MetricId::Churn => churn.rate(ChurnOf::All),
                MetricId::ChurnPositive => churn.rate(ChurnOf::Positives),
                MetricId::ChurnNegative => churn.rate(ChurnOf::Negatives),
                _ => continue,
            };
            table.values[g * table.width + j] = v;
        }
    }
}

/// Rows per group, unweighted: the sizes of the two samples a distribution distance compares
/// (candidate and baseline score the same rows, so both samples have this size).
pub(crate) fn group_sizes(rows: usize, groups: RowGroups<'_>) -> Vec<u64> {
    let mut sizes = vec![0u64; groups.count];
    match groups.codes {
        Some(codes) => {
            for &c in codes.iter().take(rows) {
                if let Some(s) = sizes.get_mut(c as usize) {
                    *s += 1;
                }
            }
        }
        None => {
            if let Some(s) = sizes.first_mut() {
                *s = rows as u64;
            }
        }
    }
    sizes
}
