//! The numbers behind the HTML report's pictures: each model's curves, reliability bins and
//! score histogram on the paired rows, computed only when `--html` asks for them.
//!
//! Curves come from a fresh sort of each model's scores (the measuring stage keeps its
//! sorted rows to itself); that costs one more sort per model, only with `--html`.

use crate::data::Paired;
use crate::metrics::Ranked;
use crate::metrics::curves::{self, downsample};
use crate::report::{
    CALIBRATION_BINS, CURVE_CAP, CURVE_TOLERANCE, Charts, HISTOGRAM_BINS, ModelCharts,
};

/// The charts of both models at `threshold`.
pub(crate) fn charts(data: &Paired, threshold: f64) -> Charts {
    let probabilities = data
        .candidate
        .iter()
        .chain(data.baseline.iter().flatten())
        .all(|s| (0.0..=1.0).contains(s));
    let (lo, hi) = data
        .candidate
        .iter()
        .chain(data.baseline.iter().flatten())
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
    }
}
