//! The numbers behind the HTML report's pictures: each model's curves, reliability bins and
//! score histogram on the paired rows, computed only when `--html` asks for them.
//!
//! Curves come from a fresh sort of each model's scores (the measuring stage keeps its
//! sorted rows to itself); that costs one more sort per model, only with `--html`.

use crate::data::Paired;
use crate::metrics::Ranked;
use crate::metrics::curves::{self, CalibrationBin, Curve, downsample};

/// Most points drawn per curve.
pub const CURVE_CAP: usize = 2_500;

/// The downsampling tolerance asked for, in the curve's units (its axes span 0 to 1):
/// a fifth of a pixel at the charts' size.
pub const CURVE_TOLERANCE: f64 = 5e-4;

/// Score histogram bins.
pub const HISTOGRAM_BINS: usize = 40;

/// Reliability diagram bins.
pub const CALIBRATION_BINS: usize = 10;

/// The pictures of one model.
#[derive(Debug, Clone)]
pub struct ModelCharts {
    /// ROC curve `(fpr, tpr)`, when both classes are present.
    pub roc: Option<Curve>,
    /// Precision–recall curve `(recall, precision)`, when there are positives.
    pub pr: Option<Curve>,
    /// `(fpr, tpr, precision)` at the threshold.
    pub operating: (f64, f64, f64),
    /// Reliability bins (empty when the scores are not probabilities).
    pub calibration: Vec<CalibrationBin>,
    /// Shares of the scores in [`HISTOGRAM_BINS`] bins of [`Charts::score_range`].
    pub histogram: Vec<f64>,
}

/// Everything the charts draw besides the outcomes.
#[derive(Debug, Clone)]
pub struct Charts {
    /// The candidate's pictures.
    pub candidate: ModelCharts,
    /// The baseline's, when there is a baseline.
    pub baseline: Option<ModelCharts>,
    /// The range the histograms cover (both models' smallest and largest score).
    pub score_range: (f64, f64),
    /// True when every score is a probability (the reliability diagram needs that).
    pub probabilities: bool,
    /// The reference sample's score histogram over `score_range`, when one was read.
    pub reference_histogram: Option<Vec<f64>>,
    /// The curves of one chosen slice (`--html-slice`), drawn beside the overall ones.
    pub slice: Option<SliceCharts>,
}

/// The ROC and precision–recall curves of one slice.
#[derive(Debug, Clone)]
pub struct SliceCharts {
    /// `country=MX` (not escaped).
    pub label: String,
    /// Rows in the slice.
    pub rows: usize,
    /// Both models' pictures on the slice's rows.
    pub charts: Box<Charts>,
}

/// The charts of both models at `threshold`; with the reference sample's scores their
/// histogram too, and with `slice` (`--html-slice`) the curves of that slice's rows.
pub fn charts(
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

/// The label and rows of the slice `col=value` (its slicing was requested when loading).
pub fn slice_rows(
    data: &Paired,
    (col, value): &(String, String),
) -> Result<(String, Vec<usize>), SliceError> {
    let columns = [col.clone()];
    let Some(s) = data.slicing(&columns) else {
        return Err(SliceError::NotRead {
            column: col.clone(),
        });
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
        return Err(SliceError::NoSuchValue {
            column: col.clone(),
            value: value.clone(),
            values: values.join(", "),
            more: if s.len() > 10 { ", …" } else { "" },
        });
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

/// Why the slice `--html-slice` names has no rows to draw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SliceError {
    /// The column was not read (it is no column of the predictions).
    #[error("--html-slice: the column `{column}` was not read")]
    NotRead {
        /// The column named.
        column: String,
    },
    /// No row has the value.
    #[error(
        "--html-slice {column}={value:?}: no row has that value; `{column}` holds {values}{more}"
    )]
    NoSuchValue {
        /// The column named.
        column: String,
        /// The value named.
        value: String,
        /// The first ten values of the column, quoted.
        values: String,
        /// `", …"` when the column holds more.
        more: &'static str,
    },
}
