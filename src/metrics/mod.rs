//! Metrics: sorted arrays in, values out.
//!
//! Everything here works on plain slices: it knows nothing of files, YAML or gates.
//! A model's rows are sorted once ([`Ranked::new`]); one streaming pass over that order
//! then yields every metric for every group (slice) at once ([`evaluate`]). The same pass,
//! with per-row replicate weights, serves the bootstrap in `stats`.

mod calibration;
mod confusion;
mod counts;
pub mod curves;
pub mod distribution;
mod id;
mod lanes;
pub mod multiclass;
mod ranked;
pub mod ranking;
pub mod regression;
pub mod skew;
mod stream;

pub use crate::task::Task;
pub use calibration::{brier_row, ece_bin, log_loss_row};
pub use confusion::Confusion;
pub use counts::frequency_counts;
pub use id::{Direction, MAX_DISTRIBUTION_BINS, MetricId, NAMES, ParseMetricError, TopK};
pub use lanes::{LANES, Lanes, Ties, evaluate_lanes};
pub use stream::evaluate;

/// Why a metric, or a statistic of one (a variance, an interval), has no value on some
/// rows: one type for the metrics and [`crate::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// No positive rows (or zero positive weight).
    NoPositives,
    /// No negative rows (or zero negative weight).
    NoNegatives,
    /// No rows, or zero total weight.
    Empty,
    /// Not a value of one model: the metric compares the candidate with the baseline.
    ComparesModels,
    /// A gate against the reference: the reference sample has no row in this slice.
    NoReferenceRows,
    /// A skew metric: no id has a value of the feature in both files.
    NothingCompared,
    /// `skew_max_abs_diff` of a categorical feature.
    NotNumeric,
    /// Fewer than two rows (`r2`, as scikit-learn's NaN).
    TooFew,
    /// The value overflows (errors beyond about 1e154 squared).
    NotFinite,
    /// A multiclass metric: a class has no row in the labels (`roc_auc_ovr`).
    ClassAbsent,
    /// A multiclass metric: every row is one class, nothing to rank it against.
    OneClass,
    /// `cohen_kappa`: truth and prediction share at most one class.
    NoDisagreement,
    /// A ranking metric (`map`, `mrr`, `recall_at_k`): a group has no relevant item.
    NoRelevant,
    /// A variance (DeLong's): a single positive row (or positive weight ≤ 1 with frequency
    /// weights) leaves no spread.
    SinglePositive,
    /// A variance (DeLong's): a single negative row (or negative weight ≤ 1 with frequency
    /// weights) leaves no spread.
    SingleNegative,
    /// A bootstrap interval: every replicate was undefined.
    NoReplicates,
}

impl Undefined {
    /// A short reason a reviewer understands.
    pub fn reason(&self) -> &'static str {
        match self {
            Undefined::NoPositives => "undefined: no positive rows",
            Undefined::NoNegatives => "undefined: no negative rows",
            Undefined::Empty => "undefined: no rows",
            Undefined::ComparesModels => "not a value of one model: it compares the two models",
            Undefined::NoReferenceRows => "undefined: no reference rows in this slice",
            Undefined::NothingCompared => "undefined: no id has a value in both files",
            Undefined::NotNumeric => {
                "undefined: a categorical feature has no numeric difference (gate it on skew_mismatch_rate)"
            }
            Undefined::TooFew => "undefined: fewer than two rows",
            Undefined::NotFinite => "undefined: the value overflows (errors too large)",
            Undefined::ClassAbsent => "undefined: a class has no row in the labels",
            Undefined::OneClass => "undefined: every row has one class",
            Undefined::NoDisagreement => {
                "undefined: truth and prediction have one class in common (cohen_kappa)"
            }
            Undefined::NoRelevant => "undefined: a group has no relevant item",
            Undefined::SinglePositive => "undefined: a single positive row leaves no variance",
            Undefined::SingleNegative => "undefined: a single negative row leaves no variance",
            Undefined::NoReplicates => "undefined: no bootstrap replicate had a value",
        }
    }
}

impl std::fmt::Display for Undefined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

/// A metric's value, or why it has none.
pub type Value = Result<f64, Undefined>;

/// One model's rows sorted by descending score, ties in ascending row order.
///
/// This is the only sort of a model's rows; every ranking metric, DeLong and the
/// bootstrap read this order. The label, weight and original row index are gathered
/// into the sorted order once so that later passes stream through memory.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// Scores, descending.
    pub scores: Vec<f64>,
    /// Label of each sorted position (`true` = positive class).
    pub positive: Vec<bool>,
    /// Sample weight of each sorted position, when the data are weighted.
    pub weight: Option<Vec<f64>>,
    /// Original row index of each sorted position.
    pub row: Vec<u32>,
}

/// Which group (slice) each sorted position belongs to.
#[derive(Debug, Clone, Copy)]
pub struct SortedGroups<'a> {
    /// Group code per *sorted* position (see [`Ranked::gather`]); `None` = one group, all rows.
    pub codes: Option<&'a [u32]>,
    /// Number of groups; every code is `< count`.
    pub count: usize,
}

impl SortedGroups<'static> {
    /// A single group holding every row.
    pub const ALL: SortedGroups<'static> = SortedGroups {
        codes: None,
        count: 1,
    };
}

/// The decision rule of every thresholded metric, McNemar and the bootstrap's cells: a row
/// is predicted positive iff its score is at least the threshold (scikit-learn's
/// `y_score >= threshold` of `precision_recall_curve`). The one place this rule is written.
#[inline]
pub fn predicted_positive(score: f64, threshold: f64) -> bool {
    score >= threshold
}

/// What to compute: the metrics, in output order, and the decision threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Metrics to compute, in the order of [`Table`] columns.
    pub metrics: Vec<MetricId>,
    /// Thresholded metrics predict positive iff `score >= threshold`.
    pub threshold: f64,
}

/// Metric values per group: `values[group * plan.metrics.len() + metric]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Number of metrics per group (the plan's length).
    pub width: usize,
    /// Values, group-major.
    pub values: Vec<Value>,
    /// Row count per group: the pass counts file rows; [`frequency_counts`] turns it into
    /// the rows frequency weights stand for.
    pub rows: Vec<u64>,
    /// Positive count per group, counted like `rows`.
    pub positives: Vec<u64>,
    /// Weight of the positive and of the negative rows per group (the pass's P and N).
    pub weight_sums: Vec<(f64, f64)>,
}

impl Table {
    /// The values of one group, in plan order.
    pub fn group(&self, g: usize) -> &[Value] {
        &self.values[g * self.width..(g + 1) * self.width]
    }
}
