//! Report: outcomes in; Markdown, JSON, JUnit XML and OpenMetrics text out.
//!
//! Everything here is pure text rendering: no files, no HTTP. The Markdown comes from a
//! minijinja template embedded from `src/report/templates/`, and is produced as a
//! [`Document`] of prioritised sections so that a size budget can drop the least
//! important ones first.

pub mod budget;
pub mod escape;
mod json;
mod junit;
mod markdown;
mod openmetrics;

pub use budget::{Document, Section};
pub use json::{metrics_document, result_json};
pub use junit::junit_xml;
pub use markdown::markdown;
pub use openmetrics::openmetrics;

use crate::data::FileInfo;
use crate::gate::{Outcome, SliceKey, Verdict};
use crate::metrics::{MetricId, Value};

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

/// Everything a report shows about one `check` run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Config `name`: the report title.
    pub name: String,
    /// Tool version.
    pub version: String,
    /// The config file's path as given.
    pub config_path: String,
    /// SHA-256 of the config file.
    pub config_sha256: String,
    /// The candidate file.
    pub candidate: FileInfo,
    /// The baseline file.
    pub baseline: Option<FileInfo>,
    /// Resampling seed.
    pub seed: u64,
    /// Confidence level of intervals.
    pub confidence: f64,
    /// Decision threshold.
    pub threshold: f64,
    /// Gate outcomes, in config order, slices in slice order.
    pub outcomes: Vec<Outcome>,
    /// The verdict.
    pub verdict: Verdict,
    /// Metric values: the whole set first, then every slice a gate touches.
    pub metrics: Vec<MetricsRow>,
    /// Methods notes shown in the report's details (variance kind, replicates, …).
    pub notes: Vec<String>,
}

impl Run {
    /// The exit code the run ends with (CONTRACT §2).
    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }
}

/// `country=DE, channel=web`, or `all rows` for the whole set (not escaped).
pub fn slice_label(slice: &SliceKey) -> String {
    if slice.is_empty() {
        return "all rows".into();
    }
    slice
        .iter()
        .map(|(c, v)| format!("{c}={}", v.as_deref().unwrap_or("(missing)")))
        .collect::<Vec<_>>()
        .join(", ")
}
