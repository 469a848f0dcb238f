//! Measuring: from a validated spec and paired data to the evidence each gate needs.
//!
//! A stage of its own between [`crate::stats`] and [`crate::gate`]: [`plan`] decides from
//! the spec alone what to compute on which slicing (pure, unit-tested), [`measure`] computes
//! it. Each model's rows are sorted once ([`Ranked::new`](crate::metrics::Ranked::new));
//! every slicing's metric table, DeLong and bootstrap reuse that order. Nothing here writes
//! English: the methods used are [`Methods`], progress is a [`Stage`]; `report` words them.

pub mod charts;
mod compare;
pub mod drift;
mod evidence;
mod level;
pub mod multiclass;
pub mod plan;
pub mod ranking;
mod regression;
pub mod skew;

pub use evidence::{evaluate, metric_rows};
pub use level::{slice_keys, table_rows};
pub use plan::{Plan, request};

use crate::config::{Spec, Task};
use crate::data::{DataError, FileInfo, Paired};
use crate::metrics::{MetricId, Undefined, Value};
use crate::stats::Interval;
use crate::stats::ks::KsTest;
use crate::stats::mcnemar::McNemar;

/// A slice: `(column, value)` pairs, empty for the whole data set; `None` = missing value.
pub type SliceKey = Vec<(String, Option<String>)>;

/// How the spread of an estimate is known, for margin p-values and detectable effects.
#[derive(Debug, Clone, PartialEq)]
pub enum Spread {
    /// No spread (no row-level data for it).
    None,
    /// Normal approximation with this standard error (DeLong).
    Normal(f64),
    /// Bootstrap replicate values of the quantity.
    Replicates(Vec<f64>),
}

impl Spread {
    /// The standard error: DeLong's, or the replicates' sample standard deviation.
    pub fn se(&self) -> Option<f64> {
        match self {
            Spread::None => None,
            Spread::Normal(se) => Some(*se),
            Spread::Replicates(r) if r.len() > 1 => {
                let n = r.len() as f64;
                let mean = r.iter().sum::<f64>() / n;
                Some((r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
            }
            Spread::Replicates(_) => None,
        }
    }

    /// The spread of the negated quantity.
    pub fn negated(&self) -> Spread {
        match self {
            Spread::Replicates(r) => Spread::Replicates(r.iter().map(|x| -x).collect()),
            other => other.clone(),
        }
    }
}

/// A point estimate with its interval and spread.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Its confidence interval, when row-level data allow one.
    pub interval: Option<Interval>,
    /// How its spread is known.
    pub spread: Spread,
}

impl Estimate {
    /// A bare value without interval.
    pub fn point(value: f64) -> Self {
        Estimate {
            value,
            interval: None,
            spread: Spread::None,
        }
    }

    /// The estimate of the negated quantity (interval ends swapped).
    pub fn negated(&self) -> Estimate {
        Estimate {
            value: -self.value,
            interval: self.interval.map(|iv| Interval {
                lo: -iv.hi,
                hi: -iv.lo,
            }),
            spread: self.spread.negated(),
        }
    }
}

/// What was measured for one gate's metric on one slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The slice (empty = whole data set).
    pub slice: SliceKey,
    /// Rows in the slice.
    pub rows: u64,
    /// Positive rows in the slice.
    pub positives: u64,
    /// The candidate's value, or why it has none.
    pub candidate: Result<Estimate, Undefined>,
    /// The baseline's value, when there is a baseline.
    pub baseline: Option<Value>,
    /// The raw delta (candidate − baseline) with its interval, when there is a baseline;
    /// undefined when either side is.
    pub delta: Option<Result<Estimate, Undefined>>,
    /// McNemar's counts, for McNemar gates.
    pub mcnemar: Option<McNemar>,
    /// For an accuracy gate: McNemar among positives and among negatives, so that overall
    /// accuracy cannot hide a recall drop on imbalanced data.
    pub mcnemar_context: Option<McNemarByClass>,
    /// For a `ks` gate: the two-sample Kolmogorov–Smirnov test of the candidate's statistic
    /// (its p-value and whether it is exact), as `scipy.stats.ks_2samp` computes it.
    pub ks_test: Option<KsTest>,
}

/// McNemar's test restricted to each true class: among positives it compares recall,
/// among negatives specificity (the context an accuracy gate reports).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McNemarByClass {
    /// Among rows whose label is positive (recall).
    pub positives: McNemar,
    /// Among rows whose label is negative (specificity).
    pub negatives: McNemar,
}

/// Metric values of both models on one slice.
#[derive(Debug, Clone)]
pub struct MetricsRow {
    /// The slice (empty = whole data set).
    pub slice: SliceKey,
    /// Rows in the slice.
    pub rows: u64,
    /// Positive rows in the slice.
    pub positives: u64,
    /// Candidate values, in metric order.
    pub candidate: Vec<(MetricId, Value)>,
    /// Baseline values, when there is a baseline.
    pub baseline: Option<Vec<(MetricId, Value)>>,
}

/// Everything the gates and the report need from one run.
#[derive(Debug, Clone)]
pub struct Measurements {
    /// Per gate (spec order), one entry per slice (one for the whole set).
    pub measured: Vec<Vec<Measured>>,
    /// Metric values: the whole set first, then each slicing's slices.
    pub metrics: Vec<MetricsRow>,
    /// How the intervals and tests were computed.
    pub methods: Methods,
}

/// The statistical methods a run used, for the report's methods notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Methods {
    /// What the model predicts (binary by default; the report names any other task).
    pub task: crate::config::Task,
    /// The bootstrap, when any gate used it.
    pub bootstrap: Option<BootstrapMethod>,
    /// DeLong, when any gate used it.
    pub delong: Option<DelongMethod>,
    /// The bootstrap by resampling units (rows, or whole clusters), when a gate used it:
    /// every task other than binary, and binary under `cluster`.
    pub unit_bootstrap: Option<UnitBootstrap>,
    /// Normal intervals on mean losses and on paired mean loss differences, when a gate
    /// on a mean loss (`mae`, `mse`, `mape`, `pinball`) had one.
    pub mean_loss: bool,
    /// The cluster column and its number of clusters, when rows are clustered: every
    /// interval and test then takes whole clusters as the units.
    pub clusters: Option<(String, usize)>,
}

/// How the unit bootstrap ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitBootstrap {
    /// Replicates per slicing.
    pub replicates: u32,
    /// The resampling seed.
    pub seed: u64,
}

/// How the bootstrap ran, over every slicing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapMethod {
    /// Replicates per slicing.
    pub replicates: u32,
    /// The resampling seed.
    pub seed: u64,
    /// Some slicing was bootstrapped, so strata are (slice, label).
    pub sliced: bool,
    /// Ranking metrics used the bag of little bootstraps (large data).
    pub little: bool,
    /// Slice replicates that left a label stratum empty and were not counted.
    pub collapsed: u32,
}

/// DeLong's variance, by the kind of row weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelongMethod {
    /// Unweighted rows: the fast DeLong of Sun & Xu (2014), as R pROC.
    Unweighted,
    /// Sampling weights: a sandwich variance.
    SamplingWeights,
    /// Frequency weights: each weight counts rows.
    FrequencyWeights,
}

/// What a long run is doing now, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage<'a> {
    /// Sorting each model's scores.
    Sorting,
    /// The metric table of one slicing (empty = the whole set).
    Metrics(&'a [String]),
    /// DeLong on one slicing.
    Delong(&'a [String]),
    /// The bootstrap on one slicing.
    Bootstrap {
        /// Replicates.
        replicates: u32,
        /// The slicing.
        by: &'a [String],
    },
}

/// Computes everything the gates and the report need on the paired rows; each task
/// measures in its own module. `stage` hears what runs now.
pub fn measure(spec: &Spec, data: &Paired, stage: &mut dyn FnMut(Stage<'_>)) -> Measurements {
    match spec.task {
        Task::Binary => evidence::measure(spec, data, stage),
        Task::Regression => regression::measure(spec, data, stage),
        Task::Multiclass => multiclass::measure(spec, data, stage),
        Task::Ranking => ranking::measure(spec, data, stage),
    }
}

/// The checks that need both the data and the gates, before anything is measured: a
/// binary probability metric needs scores in [0, 1]; a ranking gate on `map`, `mrr` or
/// `recall_at_k` needs a relevant item in every group ([`ranking::check_relevant`]);
/// multiclass scores were checked in [0, 1] when read, regression values when read.
pub fn check_probabilities(spec: &Spec, data: &Paired) -> Result<(), DataError> {
    match spec.task {
        Task::Binary => evidence::check_probabilities(spec, data),
        Task::Ranking => ranking::check_relevant(spec, data),
        Task::Multiclass | Task::Regression => Ok(()),
    }
}

/// The inputs besides the paired rows: the reference sample (gates `against: reference`)
/// and the training–serving skew files (`skew:`), read and checked before anything is
/// measured.
pub struct Extra {
    /// The reference sample and the compared feature columns, when a gate needs them.
    pub reference: Option<drift::Inputs>,
    /// The compared offline and online features, when `skew:` is configured.
    pub skew: Option<skew::SkewSummary>,
}

impl Extra {
    /// Reads the reference sample and the skew files `spec` names (exit-2 errors name the
    /// file, column and rows).
    pub fn load(spec: &Spec) -> Result<Extra, DataError> {
        Ok(Extra {
            reference: drift::load(spec)?,
            skew: skew::load(spec)?,
        })
    }

    /// The reference file as read, for the report's inputs.
    pub fn reference_file(&self) -> Option<FileInfo> {
        self.reference.as_ref().map(drift::reference_file)
    }

    /// The reference sample's scores, for the HTML histogram.
    pub fn reference_scores(&self) -> Option<&[f64]> {
        self.reference.as_ref().map(drift::reference_scores)
    }
}

/// What to read as paired rows for `spec`: its slicings, without the skew gates'
/// `by: feature` (no column of the predictions).
pub fn paired_request(spec: &Spec) -> crate::data::Request {
    request(&skew::without_skew(spec))
}

/// Measures every gate of `spec` in spec order: the gates on the paired rows
/// ([`measure`]), then those against the reference ([`drift`]) and the skew gates
/// ([`skew`]), put back in their places.
pub fn measure_all(
    spec: &Spec,
    data: &Paired,
    extra: &Extra,
    stage: &mut dyn FnMut(Stage<'_>),
) -> Measurements {
    let Measurements {
        measured,
        metrics,
        methods,
    } = measure(&drift::without_drift(spec), data, stage);
    let mut elsewhere = match &extra.reference {
        Some(inputs) => drift::measure(spec, data, inputs),
        None => Vec::new(),
    };
    elsewhere.extend(skew::measure(spec, extra.skew.as_ref()));
    Measurements {
        measured: drift::merge(spec, measured, elsewhere),
        metrics,
        methods,
    }
}
