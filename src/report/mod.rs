//! Report: outcomes in; Markdown, JSON, JUnit XML and OpenMetrics text out.
//!
//! Everything here is pure text rendering: no files, no HTTP. The Markdown comes from a
//! minijinja template embedded from `src/report/jinja/`, and is produced as a
//! [`Document`] of prioritised sections so that a size budget can drop the least
//! important ones first.

pub mod budget;
mod console;
pub mod escape;
mod html;
mod json;
mod junit;
mod markdown;
mod metrics_table;
mod openmetrics;
mod terminal;
mod words;

pub use budget::{Document, Section};
pub use console::{Annotation, Level, annotations, explain, summary};
pub use html::{SIZE_BUDGET, html};
pub use json::{metrics_document, result_json};
pub use junit::junit_xml;
pub use markdown::markdown;
pub use metrics_table::{PROBABILITY_METRICS_HIDDEN, metrics_csv, metrics_markdown, metrics_table};
pub use openmetrics::openmetrics;
pub use terminal::terminal;
pub use words::{ks_text, mcnemar_text, num, reason};

use crate::config::OnNothingJudged;
use crate::data::FileInfo;
use crate::gate::{NotJudged, NothingJudged, Outcome, Verdict};
use crate::measure::{DelongMethod, Methods, MetricsRow, SliceKey, Stage};

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
    /// How intervals and tests were computed, worded by [`method_notes`].
    pub methods: Methods,
    /// Gates that judged nothing (every slice skipped, or none): never a pass.
    pub not_judged: Vec<NotJudged>,
    /// What a blocking gate that judged nothing does (`on_nothing_judged`).
    pub on_nothing_judged: OnNothingJudged,
    /// Things the reviewer should know that are not gate results.
    pub warnings: Vec<RunWarning>,
    /// (gate id, where it came from: `local` or an `extends` entry).
    pub gate_sources: Vec<(String, String)>,
    /// Every policy file `extends` read, with the SHA-256 of its text (the config's own hash
    /// is `config_sha256`): together they identify every gate.
    pub policies: Vec<(String, String)>,
    /// Where inputs named by an MLflow URI came from (run, model version).
    pub origins: InputOrigins,
    /// The reference sample read for gates `against: reference`, if any.
    pub reference: Option<FileInfo>,
    /// The training–serving skew comparison (`skew:`), if configured.
    pub skew: Option<crate::measure::skew::SkewSummary>,
}

/// An input read from an MLflow run or model version instead of a local path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputOrigin {
    /// The URI as written (`runs:/…` or `models:/…`).
    pub uri: String,
    /// The run whose artifact was read.
    pub run_id: String,
    /// The artifact path under the run's root.
    pub artifact_path: String,
    /// The registered model, for a `models:/` URI.
    pub model: Option<String>,
    /// The model version it resolved to.
    pub version: Option<String>,
    /// The alias it was resolved through, for `models:/<name>@<alias>/…`.
    pub alias: Option<String>,
}

/// The MLflow origins of both inputs; `None` for a local path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputOrigins {
    /// The candidate's.
    pub candidate: Option<InputOrigin>,
    /// The baseline's.
    pub baseline: Option<InputOrigin>,
}

/// A warning about the run as a whole, rendered in every report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunWarning {
    /// Candidate and baseline are the same file (or the same bytes): every delta is 0.
    SameInputs {
        /// True when the paths resolve to the same file; false when only the bytes match.
        same_path: bool,
    },
    /// A waiver matched no failing gate result (the regression is gone, or a typo).
    UnmatchedWaiver {
        /// The gate id it names.
        gate: String,
        /// ` on country=MX` or empty.
        slice: String,
        /// Its line in the config.
        line: usize,
    },
}

impl RunWarning {
    /// The key used in the JSON.
    pub fn key(&self) -> &'static str {
        match self {
            RunWarning::SameInputs { .. } => "same_inputs",
            RunWarning::UnmatchedWaiver { .. } => "unmatched_waiver",
        }
    }

    /// One sentence for the reviewer (unescaped).
    pub fn text(&self) -> String {
        match self {
            RunWarning::SameInputs { same_path: true } => {
                "the candidate and the baseline are the same file: every comparison is with itself, so no regression can show".into()
            }
            RunWarning::UnmatchedWaiver { gate, slice, line } => format!(
                "the waiver of `{gate}`{slice} (config line {line}) matched no failing gate result: check the gate id and slice, or remove it if the regression is fixed"
            ),
            RunWarning::SameInputs { same_path: false } => {
                "the candidate and the baseline files have the same bytes (same SHA-256): every comparison is with itself, so no regression can show".into()
            }
        }
    }
}

/// Why a gate judged nothing, in one sentence (unescaped; the gate id is not included).
pub fn not_judged_text(n: &NotJudged) -> String {
    let by = n.by.join(", ");
    match n.why {
        NothingJudged::NoSlices => "there was no slice to judge".into(),
        NothingJudged::OneRowPerValue { slices } => format!(
            "`by: {by}` has one row per value ({slices} slices of 1 row): slicing by a unique key judges nothing; slice by a column with fewer values"
        ),
        NothingJudged::AllSkipped {
            slices,
            too_small,
            undefined,
        } => {
            let mut parts = Vec::new();
            if too_small > 0 {
                parts.push(format!("{too_small} below `min_slice`"));
            }
            if undefined > 0 {
                parts.push(format!("{undefined} where the metric is undefined"));
            }
            let of = if n.by.is_empty() {
                String::new()
            } else {
                format!(" by {by}")
            };
            format!(
                "all {slices} slice(s){of} were skipped ({}); lower `min_slice` or gate on larger slices",
                parts.join(", ")
            )
        }
    }
}

impl Run {
    /// True when the not-judged gates decide the verdict against `on_nothing_judged: fail`.
    pub fn blocked_by_nothing_judged(&self) -> bool {
        self.on_nothing_judged == OnNothingJudged::Fail
            && self
                .not_judged
                .iter()
                .any(|n| n.severity == crate::config::Severity::Block)
    }

    /// The exit code the run ends with (docs/contract.md §2).
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

/// The methods notes of a run: one sentence per method used (unescaped).
pub fn method_notes(m: &Methods) -> Vec<String> {
    let mut notes = task_notes(m);
    if let Some(b) = &m.bootstrap {
        notes.push(format!(
            "Bootstrap: {} paired replicates (Poisson), stratified by label{}, percentile intervals, seed {}{}",
            b.replicates,
            if b.sliced { " and slice" } else { "" },
            b.seed,
            if b.little {
                "; ranking metrics on large data by the bag of little bootstraps (Kleiner et al. 2014)"
            } else {
                ""
            }
        ));
        if b.collapsed > 0 {
            notes.push(format!(
                "{} slice replicate(s) of the bootstrap left a label stratum empty and were not counted",
                b.collapsed
            ));
        }
    }
    if let Some(d) = m.delong {
        notes.push(
            match d {
                DelongMethod::Unweighted => {
                    "DeLong (fast, Sun & Xu 2014): paired z test and Wald intervals, as R pROC"
                }
                DelongMethod::SamplingWeights => {
                    "DeLong with sampling-weight (sandwich) variance for the weighted rows"
                }
                DelongMethod::FrequencyWeights => {
                    "DeLong with frequency weights (each weight counts rows)"
                }
            }
            .to_string(),
        );
    }
    notes
}

/// The notes of a task other than binary and of clustered rows (none for a binary run
/// without `cluster`, whose notes stay as they were).
fn task_notes(m: &Methods) -> Vec<String> {
    let mut notes = Vec::new();
    if m.task != crate::config::Task::Binary {
        notes.push(format!(
            "Task: {}; candidate and baseline paired row by row",
            m.task
        ));
    }
    if let Some((column, count)) = &m.clusters {
        notes.push(format!(
            "Clustered rows: `{column}` groups the rows into {count} clusters that are not independent; every interval and test takes whole clusters as the units{}",
            if m.task == crate::config::Task::Binary {
                " (DeLong and McNemar count rows, so they are not used: every gate uses the cluster bootstrap)"
            } else {
                ""
            }
        ));
    }
    if m.mean_loss {
        notes.push(format!(
            "Mean losses (mae, mse, mape, pinball): normal intervals on the mean loss and on the mean of the paired per-row loss differences (candidate − baseline){}",
            if m.clusters.is_some() {
                ", with the cluster-robust (CR1) variance"
            } else {
                ""
            }
        ));
    }
    if let Some(b) = &m.unit_bootstrap {
        notes.push(format!(
            "Bootstrap: {} paired replicates (Poisson) resampling {}, percentile intervals, seed {}",
            b.replicates,
            if m.clusters.is_some() {
                "whole clusters"
            } else {
                "rows"
            },
            b.seed
        ));
    }
    notes
}

/// The progress line's words for a measuring stage.
pub fn stage_text(stage: &Stage<'_>) -> String {
    let level = |by: &[String]| {
        if by.is_empty() {
            "overall".to_string()
        } else {
            format!("by {}", by.join(", "))
        }
    };
    match stage {
        Stage::Sorting => "sorting scores".into(),
        Stage::Metrics(by) => format!("metrics {}", level(by)),
        Stage::Delong(by) => format!("DeLong {}", level(by)),
        Stage::Bootstrap { replicates, by } => {
            format!("bootstrap, {replicates} replicates, {}", level(by))
        }
    }
}

/// How a waived failure is shown everywhere: `waived by @team until 2027-01-31 (61 days
/// left): reason` (unescaped).
pub fn waiver_text(w: &crate::gate::waive::Applied) -> String {
    let left = match w.days_left {
        0 => "last day".to_string(),
        1 => "1 day left".to_string(),
        n => format!("{n} days left"),
    };
    format!(
        "waived by {} until {} ({left}): {}",
        w.owner, w.expires, w.reason
    )
}

/// The comment's line linking to the HTML report at `link` (a URL the CI gives).
pub fn html_link(link: &str) -> Section {
    Section {
        priority: 0,
        markdown: format!(
            "📊 [Charts: the HTML report]({link}) (ROC, precision–recall, calibration, slices, score distributions)"
        ),
    }
}
