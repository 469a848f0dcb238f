//! The config file's types: what serde reads and what `modelgate schema` describes.
//!
//! These are the file's shape only. [`super::validate`] turns them into a checked
//! [`super::Spec`]; nothing downstream reads these types directly.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use crate::data::LabelValue;
use crate::metrics::MetricId;
pub use crate::task::Task;

/// A gates file: `modelgate.yaml`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "modelgate config", extend("$id" = "https://modelgate.dev/schema/config/v1.json"))]
pub struct RawConfig {
    /// Config format version; always `1`.
    pub version: u32,
    /// Report title; also the key of the sticky pull-request comment.
    pub name: String,
    /// What the model predicts: `binary` (the default), `multiclass`, `regression` or
    /// `ranking`. It sets the column roles and the metrics a gate may use.
    #[serde(default)]
    pub task: Task,
    /// The candidate model's per-row predictions (CSV, Parquet or NDJSON, by extension),
    /// relative to this file.
    #[serde(default)]
    pub candidate: Option<String>,
    /// The baseline (production) model's predictions. Without it only absolute gates run.
    #[serde(default)]
    pub baseline: Option<String>,
    /// A reference sample (e.g. production traffic) with the same column roles: the score
    /// column, and any feature or slice column a gate compares. Gates with
    /// `against: reference` compare a model's scores or a feature's values with it.
    #[serde(default)]
    pub reference: Option<String>,
    /// Training–serving skew: an offline feature file and an online (logged) one keyed by
    /// the same id, and the feature columns to compare. Gates on `skew_mismatch_rate`,
    /// `skew_max_abs_diff` and `skew_missing_rate` with `by: feature` judge each feature.
    #[serde(default)]
    pub skew: Option<Located<RawSkew>>,
    /// Column names in the prediction files. Each names a different column, none empty.
    #[serde(default)]
    pub columns: Located<Columns>,
    /// The label value that means positive, when labels are not 0/1 or true/false.
    #[serde(default)]
    pub positive: Option<LabelValue>,
    /// Decision threshold for thresholded metrics: predict positive iff `score >= threshold`.
    #[serde(default = "default_threshold")]
    #[schemars(default = "default_threshold")]
    pub threshold: f64,
    /// Confidence level of every interval, in (0, 1).
    #[serde(default = "default_confidence")]
    #[schemars(default = "default_confidence")]
    pub confidence: f64,
    /// Resampling seed: the same inputs and seed give the same report.
    #[serde(default)]
    pub seed: u64,
    /// Slices smaller than this are skipped (and shown as skipped), never judged on noise.
    #[serde(default)]
    pub min_slice: MinSlice,
    /// Paired bootstrap settings.
    #[serde(default)]
    pub bootstrap: Located<BootstrapConfig>,
    /// How sample weights enter variances: `sampling` (survey / importance weights,
    /// sandwich variance) or `frequency` (each weight counts identical rows).
    #[serde(default)]
    pub weights: WeightKind,
    /// What a blocking gate that judged nothing (every slice skipped, or no slice) does:
    /// `fail` (the default) blocks the run, `warn` reports it as a warning. Nothing judged
    /// is never a pass.
    #[serde(default)]
    pub on_nothing_judged: OnNothingJudged,
    /// Most slices a `by:` column (or combination of columns) may have; more is refused
    /// before any per-slice work (a near-unique column judges nothing).
    #[serde(default = "default_max_slices")]
    #[schemars(default = "default_max_slices")]
    pub max_slices: std::num::NonZeroU32,
    /// Shared policies whose gates this config takes: paths (relative to this file) or
    /// built-in ones by name (`modelgate:imbalanced-binary`). Local gates with the same id
    /// override them.
    #[serde(default)]
    pub extends: Vec<String>,
    /// The gates. Each entry may carry several rules; each rule is judged separately.
    /// May be empty when `extends` brings gates.
    #[serde(default)]
    pub gates: Vec<Located<Gate>>,
    /// Accepted regressions: a failing gate result that a waiver matches is reported as
    /// `waived` (with owner, reason and days left) and does not block; an expired waiver
    /// refuses the run.
    #[serde(default)]
    pub waivers: Vec<Located<RawWaiver>>,
}

/// The `skew:` block: two feature files keyed by one id column.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSkew {
    /// The features as computed offline (training pipeline, feature store export), relative
    /// to this file (CSV, Parquet or NDJSON).
    pub offline: String,
    /// The features as served online (logged at prediction time), same id column.
    pub online: String,
    /// The id column of both files; default `columns.id`.
    #[serde(default)]
    pub id: Option<String>,
    /// The feature columns to compare: a name, or `{name, tolerance}` for a numeric feature
    /// whose values may differ by up to `tolerance` (absolute) without counting as a mismatch.
    pub features: Vec<RawSkewFeature>,
}

/// One compared feature: its column name, or the name with a numeric tolerance.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSkewFeature {
    /// A column compared exactly.
    Name(String),
    /// A column with options.
    Spec(RawSkewFeatureSpec),
}

/// A compared feature with options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSkewFeatureSpec {
    /// The column name (the same in both files).
    pub name: String,
    /// Largest absolute difference of a numeric feature that still counts as a match
    /// (default 0: exact).
    #[serde(default)]
    pub tolerance: Option<f64>,
}

/// What a blocking gate that judged nothing does to the verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnNothingJudged {
    /// The run is blocked (exit 1) and the report names the gate and why.
    #[default]
    Fail,
    /// The run passes with a warning naming the gate and why.
    Warn,
}

impl OnNothingJudged {
    /// The name used in the config and the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            OnNothingJudged::Fail => "fail",
            OnNothingJudged::Warn => "warn",
        }
    }
}

/// Column names in the prediction files.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// True class: 0/1, true/false, or any two values with `positive:`.
    #[serde(default = "default_label")]
    #[schemars(default = "default_label")]
    pub label: String,
    /// The model's score; higher means more likely positive.
    #[serde(default = "default_score")]
    #[schemars(default = "default_score")]
    pub score: String,
    /// Optional join key; without it candidate and baseline rows pair by position.
    #[serde(default)]
    pub id: Option<String>,
    /// Optional sample weight, `>= 0`.
    #[serde(default)]
    pub weight: Option<String>,
    /// `task: regression`: the model's numeric prediction (default `prediction`).
    #[serde(default)]
    pub prediction: Option<String>,
    /// Optional cluster of each row (a user, a session): rows of one cluster are not
    /// independent, so every interval and test resamples whole clusters.
    #[serde(default)]
    pub cluster: Option<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            label: default_label(),
            score: default_score(),
            id: None,
            weight: None,
            prediction: None,
            cluster: None,
        }
    }
}

/// Minimum size of a slice to be judged.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MinSlice {
    /// Minimum number of rows.
    #[serde(default = "default_min_rows")]
    #[schemars(default = "default_min_rows")]
    pub rows: u64,
    /// Minimum number of positive rows.
    #[serde(default = "default_min_positives")]
    #[schemars(default = "default_min_positives")]
    pub positives: u64,
    /// Minimum number of negative rows.
    #[serde(default = "default_min_negatives")]
    #[schemars(default = "default_min_negatives")]
    pub negatives: u64,
}

impl Default for MinSlice {
    fn default() -> Self {
        MinSlice {
            rows: default_min_rows(),
            positives: default_min_positives(),
            negatives: default_min_negatives(),
        }
    }
}

/// Paired bootstrap settings.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootstrapConfig {
    /// Number of bootstrap replicates.
    #[serde(default = "default_replicates")]
    #[schemars(default = "default_replicates", range(min = 100, max = 100000))]
    pub replicates: u32,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            replicates: default_replicates(),
        }
    }
}

/// One gate entry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Metric id, e.g. `pr_auc` or `recall_at_precision(0.9)`.
    pub metric: MetricSpec,
    /// Stable id of the gate in the JSON; default `<metric>-<rule>` (plus `-by-<cols>`).
    #[serde(default)]
    pub id: Option<String>,
    /// Absolute floor on the candidate.
    #[serde(default)]
    pub min: Option<f64>,
    /// Absolute ceiling on the candidate.
    #[serde(default)]
    pub max: Option<f64>,
    /// The candidate may be at most this much worse than the baseline (metric units).
    #[serde(default)]
    pub max_regression: Option<f64>,
    /// The candidate may be at most this fraction of the baseline worse (0.02 = 2 %).
    #[serde(default)]
    pub max_regression_rel: Option<f64>,
    /// The candidate must beat the baseline by at least this much.
    #[serde(default)]
    pub min_improvement: Option<f64>,
    /// What the data must show: `point` (estimates), `significant` (fail only on a
    /// regression beyond noise) or `confident` (pass only when shown within the margin).
    #[serde(default)]
    pub evidence: Evidence,
    /// Statistical test: `auto` (DeLong for roc_auc, bootstrap otherwise), `delong`,
    /// `bootstrap`, `mcnemar`.
    #[serde(default)]
    pub test: TestKind,
    /// Slice column(s): one gate per slice value (per combination for a list).
    #[serde(default)]
    pub by: Option<OneOrMany>,
    /// `block` (default) fails the check; `warn` only reports.
    #[serde(default)]
    pub severity: Severity,
    /// Multiple-comparison correction over the slices of a `significant` gate.
    #[serde(default)]
    pub correction: Correction,
    /// For a distribution metric (`psi`, `ks`, `js_divergence`, `wasserstein`): compare with
    /// the `baseline`'s scores on the same rows (default) or with the `reference` sample.
    #[serde(default)]
    pub against: Against,
    /// With `against: reference`: whose scores to compare, `candidate` (default) or
    /// `baseline`.
    #[serde(default)]
    pub model: Option<ModelSide>,
    /// With `against: reference`: compare this feature column (numeric or categorical) of
    /// the evaluation rows (the candidate file) with the reference's, instead of scores.
    #[serde(default)]
    pub feature: Option<String>,
}

/// What a distribution metric compares with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The baseline's scores on the same rows.
    #[default]
    Baseline,
    /// The `reference:` sample.
    Reference,
}

/// A model whose scores are compared with the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModelSide {
    /// The candidate's scores.
    Candidate,
    /// The baseline's scores.
    Baseline,
}

/// A metric id, parsed while reading so that errors point at the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSpec(pub MetricId);

impl<'de> Deserialize<'de> for MetricSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map(MetricSpec)
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for MetricSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MetricId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = crate::metrics::NAMES.iter().map(|(n, _)| *n).collect();
        let pattern = format!(r"^\s*({})\s*(\(.*\))?\s*$", names.join("|"));
        let usages: Vec<&str> = crate::metrics::NAMES.iter().map(|(_, u)| *u).collect();
        schemars::json_schema!({
            "type": "string",
            "pattern": pattern,
            "description": format!("A metric id: {}", usages.join("; ")),
            "examples": ["pr_auc", "roc_auc", "recall_at_precision(0.9)", "precision_at_k(0.01)"]
        })
    }
}

/// One column name or a list of them.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single column.
    One(String),
    /// Several columns: one slice per combination of values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The column names as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// What the data must show for a gate to pass: one type from the config to the decision.
pub use crate::stats::WeightKind;
pub use crate::stats::decision::Evidence;

/// Which statistical test gives a gate's interval and p-value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// DeLong for `roc_auc`, paired bootstrap otherwise.
    #[default]
    Auto,
    /// DeLong's test (roc_auc only).
    Delong,
    /// Paired, label-stratified percentile bootstrap.
    Bootstrap,
    /// Exact McNemar test (accuracy, recall, specificity).
    Mcnemar,
}

/// Whether a failed gate blocks the promotion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A failure blocks (exit 1).
    #[default]
    Block,
    /// A failure is reported but does not block.
    Warn,
}

/// Multiple-comparison correction over a gate's slices: one type from the config to the
/// adjustment.
pub use crate::stats::correction::Correction;

fn default_label() -> String {
    "label".into()
}
fn default_score() -> String {
    "score".into()
}
fn default_threshold() -> f64 {
    0.5
}
fn default_confidence() -> f64 {
    0.95
}
fn default_min_rows() -> u64 {
    100
}
fn default_min_positives() -> u64 {
    10
}
fn default_min_negatives() -> u64 {
    10
}
fn default_replicates() -> u32 {
    2000
}
fn default_max_slices() -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(crate::data::DEFAULT_MAX_SLICES as u32)
        .unwrap_or(std::num::NonZeroU32::MIN)
}

/// A waiver as written in the file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    /// The gate id it waives (as in the report and the JSON, e.g. `roc_auc-max_regression-by-country`).
    pub gate: String,
    /// The slice it waives, e.g. `{country: MX}`; omitted: every result of the gate.
    #[serde(default)]
    pub slice: BTreeMap<String, String>,
    /// Who accepted the regression (a team or person, e.g. `@fraud-team`).
    pub owner: String,
    /// Why it is accepted.
    pub reason: String,
    /// Last day the waiver holds, `YYYY-MM-DD` (UTC). From the next day the run is refused.
    pub expires: String,
}

/// A value with the 1-based line it was read from, so later checks can name the line.
#[derive(Debug, Clone)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// 1-based line in the config file (0 when unknown).
    pub line: usize,
}

/// A defaulted key was not in the file: line 0 (unknown).
impl<T: Default> Default for Located<T> {
    fn default() -> Self {
        Located {
            value: T::default(),
            line: 0,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Located {
            value: spanned.value,
            line: spanned.referenced.line() as usize,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}
