//! The numbers behind the HTML report's pictures: each model's curves, reliability bins and
//! score histogram on the paired rows, computed only when `--html` asks for them.
//!
//! Curves come from a fresh sort of each model's scores (the measuring stage keeps its
//! sorted rows to itself); that costs one more sort per model, only with `--html`.

use crate::data::Paired;
use crate::metrics::Ranked;
use crate::metrics::curves::{self, downsample};
use crate::report::{
    CALIBRATION_BINS, CURVE_CAP, CURVE_TOLERANCE, Charts, HISTOGRAM_BINS, ModelCharts, SliceCharts,
};

/// The charts of both models at `threshold`; with the reference sample's scores their
/// histogram too, and with `slice` (`--html-slice`) the curves of that slice's rows.
pub(crate) fn charts(
    data: &Paired,
    threshold: f64,
    reference: Option<&[f64]>,
    slice: Option<(String, Vec<usize>)>,
) -> Charts {
    let mut c = charts_of(data, threshold, reference);
    if let Some((label, rows)) = slice {
        let sub = Paired {
            positive: rows.iter().map(|&i| data.positive[i]).collect(),
            columns: crate::data::TaskColumns::Binary,
            clusters: None,
            weight: data
                .weight
                .as_ref()
                .map(|w| rows.iter().map(|&i| w[i]).collect()),
            candidate: rows.iter().map(|&i| data.candidate[i]).collect(),
            baseline: data
                .baseline
                .as_ref()
                .map(|b| rows.iter().map(|&i| b[i]).collect()),
            slicings: Vec::new(),
            candidate_file: data.candidate_file.clone(),
            baseline_file: data.baseline_file.clone(),
        };
        c.slice = Some(SliceCharts {
            label,
            rows: rows.len(),
            charts: Box::new(charts_of(&sub, threshold, None)),
        });
    }
    c
}

fn charts_of(data: &Paired, threshold: f64, reference: Option<&[f64]>) -> Charts {
    let probabilities = data
        .candidate
        .iter()
        .chain(data.baseline.iter().flatten())
        .all(|s| (0.0..=1.0).contains(s));
    let (lo, hi) = data
        .candidate
        .iter()
        .chain(data.baseline.iter().flatten())
        .chain(reference.into_iter().flatten())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| {
            (lo.min(s), hi.max(s))
        });
    let range = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let model = |scores: &[f64]| -> ModelCharts {
        let weight = data.weight.as_deref();
        let r = Ranked::new(scores, &data.positive, weight);
        ModelCharts {
            roc: curves::roc(&r).map(|c| downsample(&c, CURVE_TOLERANCE, CURVE_CAP)),
            pr: curves::precision_recall(&r).map(|c| downsample(&c, CURVE_TOLERANCE, CURVE_CAP)),
            operating: curves::operating_point(&r, threshold),
            calibration: if probabilities {
                curves::calibration(scores, &data.positive, weight, CALIBRATION_BINS)
            } else {
                Vec::new()
            },
            histogram: curves::histogram(scores, weight, range.0, range.1, HISTOGRAM_BINS),
        }
    };
    Charts {
        candidate: model(&data.candidate),
        baseline: data.baseline.as_deref().map(model),
        score_range: range,
        probabilities,
        reference_histogram: reference
            .map(|r| curves::histogram(r, None, range.0, range.1, HISTOGRAM_BINS)),
        slice: None,
    }
}

/// `--html-slice COL=VALUE` split at the first `=`.
pub(crate) fn parse_slice(arg: &str) -> Result<(String, String), super::Error> {
    match arg.split_once('=') {
        Some((col, value)) if !col.trim().is_empty() => Ok((col.to_string(), value.to_string())),
        _ => Err(super::Error::Usage(format!(
            "--html-slice {arg:?}: write COLUMN=VALUE, e.g. --html-slice country=MX"
        ))),
    }
}

/// The label and rows of the slice `col=value` (its slicing was requested when loading).
pub(crate) fn slice_rows(
    data: &Paired,
    (col, value): &(String, String),
) -> Result<(String, Vec<usize>), super::Error> {
    let columns = [col.clone()];
    let Some(s) = data.slicing(&columns) else {
        return Err(super::Error::Usage(format!(
            "--html-slice: the column `{col}` was not read"
        )));
    };
    let Some(code) = s
        .keys
        .iter()
        .position(|k| k.first().and_then(|v| v.as_deref()) == Some(value.as_str()))
    else {
        let values: Vec<String> = s
            .keys
            .iter()
            .take(10)
            .map(|k| format!("{:?}", k.first().and_then(|v| v.as_deref()).unwrap_or("")))
            .collect();
        return Err(super::Error::Usage(format!(
            "--html-slice {col}={value:?}: no row has that value; `{col}` holds {}{}",
            values.join(", "),
            if s.len() > 10 { ", …" } else { "" }
        )));
    };
    let rows: Vec<usize> = s
        .codes
        .iter()
        .enumerate()
        .filter(|(_, c)| **c as usize == code)
        .map(|(i, _)| i)
        .collect();
    Ok((format!("{col}={value}"), rows))
}
