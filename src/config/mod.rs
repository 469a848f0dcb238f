//! Config: the YAML gates file in, a validated [`Spec`] out.
//!
//! Reading reports syntax and unknown keys with line, column and a caret (serde-saphyr);
//! [`validate`] then checks what the types cannot (a baseline gate without a baseline,
//! a test that does not apply to the metric, …) and names the gate's line.

pub mod extends;
mod spec;
pub mod waiver;

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

pub use spec::{
    Against, BootstrapConfig, Columns, Correction, Evidence, Gate, Located, MetricSpec, MinSlice,
    ModelSide, OnNothingJudged, OneOrMany, RawConfig, RawSkew, RawSkewFeature, RawSkewFeatureSpec,
    Severity, Task, TestKind, WeightKind,
};

use crate::data::LabelValue;

use crate::metrics::{Direction, MetricId};

/// A config problem: exit code 2, nothing judged.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The config file.
    pub path: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) if line > 0 => {
                write!(
                    f,
                    "config error in {}:{line}: {}",
                    self.path.display(),
                    self.message
                )
            }
            _ => write!(
                f,
                "config error in {}: {}",
                self.path.display(),
                self.message
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The rule a gate applies (docs/contract.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Candidate ≥ limit (for lower-is-better metrics too: `min` is on the raw value).
    Min,
    /// Candidate ≤ limit.
    Max,
    /// Oriented delta ≥ −limit.
    MaxRegression,
    /// Oriented delta ≥ −limit·|baseline|.
    MaxRegressionRel,
    /// Oriented delta ≥ limit.
    MinImprovement,
}

impl Rule {
    /// The config key, also the rule name in the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Rule::Min => "min",
            Rule::Max => "max",
            Rule::MaxRegression => "max_regression",
            Rule::MaxRegressionRel => "max_regression_rel",
            Rule::MinImprovement => "min_improvement",
        }
    }

    /// True when the rule compares the candidate with the baseline.
    pub fn is_relative(&self) -> bool {
        !matches!(self, Rule::Min | Rule::Max)
    }
}

/// The test that provides a gate's interval and p-value, after `auto` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// DeLong (roc_auc).
    Delong,
    /// Paired bootstrap.
    Bootstrap,
    /// Exact McNemar (p-value); the interval comes from the bootstrap.
    Mcnemar,
    /// Normal interval on a mean loss and on the mean of the paired per-row loss
    /// differences (regression's `mae`, `mse`, `mape`, `pinball` under `test: auto`).
    PairedMean,
}

impl Test {
    /// The name used in the config and the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Test::Delong => "delong",
            Test::Bootstrap => "bootstrap",
            Test::Mcnemar => "mcnemar",
            Test::PairedMean => "paired_mean",
        }
    }
}

impl Severity {
    /// The name used in the config and the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Block => "block",
            Severity::Warn => "warn",
        }
    }
}

/// One checked rule of one gate entry (a gate entry with `min` and `max_regression`
/// yields two).
#[derive(Debug, Clone, PartialEq)]
pub struct GateSpec {
    /// Stable id, unique in the config.
    pub id: String,
    /// The metric judged.
    pub metric: MetricId,
    /// The rule.
    pub rule: Rule,
    /// The rule's number (floor, ceiling, margin or fraction).
    pub limit: f64,
    /// What the data must show.
    pub evidence: Evidence,
    /// Which test gives the interval / p-value.
    pub test: Test,
    /// Slice columns; empty = the whole data set.
    pub by: Vec<String>,
    /// Whether a failure blocks.
    pub severity: Severity,
    /// Correction over the slice family (`significant` gates with `by`).
    pub correction: Correction,
    /// Line of the gate entry in the config file.
    pub line: usize,
    /// For a distribution metric with `against: reference`: what is compared with the
    /// reference sample; `None` compares the candidate's scores with the baseline's.
    pub reference: Option<Drift>,
}

/// What a gate with `against: reference` compares with the reference sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// A model's scores.
    Scores(ModelSide),
    /// A feature column of the evaluation rows.
    Feature(String),
}

/// The checked `skew:` block.
#[derive(Debug, Clone, PartialEq)]
pub struct SkewSpec {
    /// The offline feature file.
    pub offline: PathBuf,
    /// The online (logged) feature file.
    pub online: PathBuf,
    /// The id column of both.
    pub id: String,
    /// The compared features, in config order, names unique.
    pub features: Vec<SkewFeature>,
    /// Line of the `skew:` key.
    pub line: usize,
}

/// One compared feature.
#[derive(Debug, Clone, PartialEq)]
pub struct SkewFeature {
    /// The column name.
    pub name: String,
    /// Largest absolute difference that still matches (numeric features only); `None` = exact.
    pub tolerance: Option<f64>,
}

/// The slicing of a skew gate: `by: feature` judges each compared feature.
pub const SKEW_BY: &str = "feature";

/// A validated config: every path resolved, every gate checked.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The config file.
    pub path: PathBuf,
    /// Report title and sticky-comment key.
    pub name: String,
    /// Candidate predictions.
    pub candidate: PathBuf,
    /// Baseline predictions, if any.
    pub baseline: Option<PathBuf>,
    /// The reference sample, if any.
    pub reference: Option<PathBuf>,
    /// The training–serving skew comparison, if configured.
    pub skew: Option<SkewSpec>,
    /// What the model predicts; sets the column roles and the metrics.
    pub task: Task,
    /// Column names. `prediction` is resolved (`Some`) for `task: regression`.
    pub columns: Columns,
    /// The positive label value, if labels are not 0/1 / booleans.
    pub positive: Option<LabelValue>,
    /// Decision threshold.
    pub threshold: f64,
    /// Confidence level of intervals.
    pub confidence: f64,
    /// Resampling seed.
    pub seed: u64,
    /// Minimum slice size.
    pub min_slice: MinSlice,
    /// Bootstrap replicates.
    pub replicates: u32,
    /// How weights enter variances.
    pub weights: WeightKind,
    /// What a gate that judged nothing does to the verdict.
    pub on_nothing_judged: OnNothingJudged,
    /// Most slices one slicing may have.
    pub max_slices: usize,
    /// The gates, one per rule.
    pub gates: Vec<GateSpec>,
    /// Accepted regressions, each with an owner, a reason and an expiry.
    pub waivers: Vec<waiver::Waiver>,
    /// Where each gate came from (`local`, or an `extends` entry), parallel to `gates`.
    pub gate_sources: Vec<String>,
    /// Every policy file read for `extends`, with the SHA-256 of its text, in `extends` order.
    pub policies: Vec<(String, String)>,
}

/// Command-line values that override the file's (docs/contract.md §1).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--candidate`.
    pub candidate: Option<PathBuf>,
    /// `--baseline`.
    pub baseline: Option<PathBuf>,
    /// `--seed`.
    pub seed: Option<u64>,
}

/// Configs larger than this are refused before parsing.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Longest accepted `name`: it titles the report and keys the sticky comment.
const MAX_NAME_CHARS: usize = 256;

/// Fewest bootstrap replicates: fewer give percentile intervals that mean nothing.
pub const MIN_REPLICATES: u32 = 100;

/// Most bootstrap replicates (the schema's bound): beyond this the intervals no longer
/// change, and the replicate arrays grow by 8 bytes per replicate and metric cell.
pub const MAX_REPLICATES: u32 = 100_000;

/// Largest `beta` of `fbeta(beta)`: the score weighs recall `beta²` times precision, and
/// beyond 1,000 (a weight of 10⁶) it is recall; past about 10¹⁵⁴ `beta²` overflows and
/// every value is NaN.
pub const MAX_FBETA: f64 = 1_000.0;

/// Largest cost of `expected_cost(fp, fn)`: a cost times a weighted error count must stay
/// far from the largest float, whatever the data's size.
pub const MAX_COST: f64 = 1e12;

/// Where a config, and every policy file it extends, is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The files on disk.
    WorkTree,
    /// The files as committed at a git ref (`--config-from REF`): a pull request cannot
    /// loosen the gates it is judged by, in the config or in a policy it extends.
    GitRef(String),
}

/// Why a config or policy text could not be read; the caller adds the hint.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The text is larger than [`MAX_CONFIG_BYTES`].
    TooLarge,
    /// `git` could not be run.
    NoGit(std::io::Error),
    /// `git show` failed; its first line of stderr.
    Git(String),
    /// The committed file is not UTF-8.
    NotUtf8(std::io::Error),
}

/// The text of `rel` (relative to `dir`) from `origin`, at most [`MAX_CONFIG_BYTES`]
/// (`--config /dev/zero` must not fill memory), and the name errors show (`path`, or
/// `REF:path`).
pub(crate) fn read_text(
    origin: &Origin,
    dir: &Path,
    rel: &str,
) -> (PathBuf, Result<String, ReadError>) {
    let path = dir.join(rel);
    match origin {
        Origin::WorkTree => {
            let mut text = String::new();
            let read = std::fs::File::open(&path)
                .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text));
            let result = match read {
                Err(e) => Err(ReadError::Io(e)),
                Ok(_) if text.len() as u64 > MAX_CONFIG_BYTES => Err(ReadError::TooLarge),
                Ok(_) => Ok(text),
            };
            (path, result)
        }
        Origin::GitRef(reference) => {
            let shown = PathBuf::from(format!("{reference}:{}", path.display()));
            (shown, git_show(reference, dir, rel))
        }
    }
}

/// `git -C dir show REF:./rel`, capped at [`MAX_CONFIG_BYTES`].
fn git_show(reference: &str, dir: &Path, rel: &str) -> Result<String, ReadError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["show", "--no-textconv", "--end-of-options"])
        .arg(format!("{reference}:./{rel}"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(ReadError::NoGit)?;
    let mut text = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| out.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text));
    if text.len() as u64 > MAX_CONFIG_BYTES {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ReadError::TooLarge);
    }
    let out = child.wait_with_output().map_err(ReadError::NoGit)?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(ReadError::Git(
            why.lines().next().unwrap_or("").trim().to_string(),
        ));
    }
    match read {
        Some(Err(e)) => Err(ReadError::NotUtf8(e)),
        _ => Ok(text),
    }
}

/// Reads and parses a config file from `origin`. The returned text is what was read, for
/// the audit hash.
pub fn read_from(origin: &Origin, path: &Path) -> Result<(RawConfig, String), ConfigError> {
    if let Origin::GitRef(reference) = origin
        && (reference.is_empty()
            || reference.starts_with('-')
            || reference
                .chars()
                .any(|c| c == ':' || c.is_whitespace() || c.is_control()))
    {
        return Err(ConfigError {
            path: PathBuf::from(format!("{reference}:{}", path.display())),
            line: None,
            message: format!(
                "--config-from {reference:?} is not a git ref; give a branch, tag or commit such as origin/main"
            ),
        });
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (shown, text) = read_text(origin, dir, &file);
    let fail = |message: String| ConfigError {
        path: shown.clone(),
        line: None,
        message,
    };
    let text = text.map_err(|e| {
        fail(match (e, origin) {
            (ReadError::Io(e), _) => format!(
                "cannot read the config file: {e}; pass --config PATH or run `modelgate init` to write one"
            ),
            (ReadError::TooLarge, _) => format!(
                "the config file is larger than {} MiB; a gates file is a few kilobytes: is this the right file?",
                MAX_CONFIG_BYTES >> 20
            ),
            (ReadError::NoGit(e), _) => format!("--config-from needs git: {e}"),
            (ReadError::Git(why), Origin::GitRef(r)) => format!(
                "git cannot show {file} at {r} ({why}); fetch the ref first (actions/checkout with fetch-depth: 0, or git fetch origin main)"
            ),
            (ReadError::Git(why), Origin::WorkTree) => why,
            (ReadError::NotUtf8(e), _) => format!("the committed config is not UTF-8 text: {e}"),
        })
    })?;
    parse_text(text, &shown)
}

/// Reads and parses a config file from disk.
pub fn read(path: &Path) -> Result<(RawConfig, String), ConfigError> {
    read_from(&Origin::WorkTree, path)
}

/// Reads and parses the config as committed at git ref `reference` (`--config-from`).
pub fn read_at_ref(reference: &str, path: &Path) -> Result<(RawConfig, String), ConfigError> {
    read_from(&Origin::GitRef(reference.to_string()), path)
}

/// Parses config text read from `path` (a file, or `REF:path` from git).
fn parse_text(text: String, path: &Path) -> Result<(RawConfig, String), ConfigError> {
    let raw = parse(&text).map_err(|message| {
        // serde-saphyr says `error: line L column C: …` and shows the source as <input>.
        let message = message
            .strip_prefix("error: ")
            .unwrap_or(&message)
            .replace("<input>", &path.display().to_string())
            // Its hints name library settings a user cannot reach.
            .replace(
                ", set DuplicateKeyPolicy in Options if acceptable",
                "; a key may appear once per mapping",
            )
            .replace(
                "budget breached:",
                "too many YAML aliases, nodes or nesting levels (alias bombs are refused):",
            );
        ConfigError {
            path: path.to_path_buf(),
            line: None,
            message,
        }
    })?;
    Ok((raw, text))
}

/// Parses config text; the error message carries line, column and a caret.
pub fn parse(text: &str) -> Result<RawConfig, String> {
    if text.trim().is_empty() {
        return Err("the file is empty; run `modelgate init` for a starter config".into());
    }
    serde_saphyr::from_str::<RawConfig>(text).map_err(|e| e.to_string())
}

/// Reads, parses and validates a config file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Spec, ConfigError> {
    let (raw, _) = read(path)?;
    extends::resolve(raw, path, overrides, &Origin::WorkTree)
}

/// Checks what the types cannot and resolves paths relative to the config file.
pub fn validate(raw: RawConfig, path: &Path, overrides: &Overrides) -> Result<Spec, ConfigError> {
    let err = |line: usize, message: String| ConfigError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    if raw.version != 1 {
        return Err(err(
            0,
            format!("version {} is not supported; use `version: 1`", raw.version),
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(err(
            0,
            "`name` is empty; give the gate a title, e.g. `name: fraud-scorer`".into(),
        ));
    }
    let name_chars = raw.name.trim().chars().count();
    if name_chars > MAX_NAME_CHARS {
        return Err(err(
            0,
            format!(
                "`name` is {name_chars} characters long; keep it under {MAX_NAME_CHARS} (it titles the report and keys the pull-request comment)"
            ),
        ));
    }
    if !raw.threshold.is_finite() {
        return Err(err(0, "`threshold` must be a finite number".into()));
    }
    if !(raw.confidence > 0.0 && raw.confidence < 1.0) {
        return Err(err(
            0,
            format!(
                "`confidence` is {}; it must lie strictly between 0 and 1, e.g. 0.95",
                raw.confidence
            ),
        ));
    }
    let replicates = raw.bootstrap.value.replicates;
    if !(MIN_REPLICATES..=MAX_REPLICATES).contains(&replicates) {
        return Err(err(
            raw.bootstrap.line,
            format!(
                "`bootstrap.replicates` is {replicates}; use between {MIN_REPLICATES} and {MAX_REPLICATES} (2000 is the default; more replicates than that do not change the intervals, they only cost memory and time)"
            ),
        ));
    }
    let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
    let resolve = |p: &str| -> PathBuf {
        // An MLflow URI (`runs:/…`, `models:/…`) is not a path: `app` downloads it.
        if crate::mlflow::uri::is_uri(p) {
            return PathBuf::from(p);
        }
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base_dir.join(p)
        }
    };
    let candidate = match (&overrides.candidate, &raw.candidate) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => resolve(p),
        (None, None) => {
            return Err(err(
                0,
                "no candidate predictions: add `candidate: PATH` or pass --candidate".into(),
            ));
        }
    };
    let baseline = match (&overrides.baseline, &raw.baseline) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(resolve(p)),
        (None, None) => None,
    };
    let mut columns = raw.columns.value.clone();
    let columns_line = raw.columns.line;
    let task = raw.task;
    let min_slice = task_settings(&raw, &mut columns).map_err(|m| err(columns_line, m))?;
    // Every role names its own, non-empty column: a score read as the label (or a weight
    // read as the id) would judge a model on a column that is not its output.
    let scored = match task {
        Task::Regression => ("prediction", columns.prediction.as_deref()),
        // task: multiclass and ranking add their roles here.
        Task::Binary | Task::Multiclass | Task::Ranking => ("score", Some(columns.score.as_str())),
    };
    let roles: Vec<(&str, &str)> = [
        ("label", Some(columns.label.as_str())),
        scored,
        ("id", columns.id.as_deref()),
        ("weight", columns.weight.as_deref()),
        ("cluster", columns.cluster.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    for (i, &(key, name)) in roles.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(err(
                columns_line,
                format!(
                    "`columns.{key}` is empty; name the column, or leave the key out{}",
                    if matches!(key, "id" | "weight" | "cluster") {
                        " (it is optional)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if let Some(&(other, _)) = roles[..i].iter().find(|(_, n)| *n == name) {
            return Err(err(
                columns_line,
                format!(
                    "`columns.{other}` and `columns.{key}` both name the column `{name}`; each role needs its own column"
                ),
            ));
        }
    }
    if raw.gates.is_empty() {
        return Err(err(
            0,
            "`gates` is empty: a check without gates would pass anything; add at least one".into(),
        ));
    }

    let skew = match &raw.skew {
        Some(located) => {
            Some(skew_spec(located, &columns, &resolve).map_err(|m| err(located.line, m))?)
        }
        None => None,
    };

    let mut gates = Vec::new();
    for located in &raw.gates {
        let line = located.line;
        let g = &located.value;
        let metric = g.metric.0;
        let rules: Vec<(Rule, f64)> = [
            (Rule::Min, g.min),
            (Rule::Max, g.max),
            (Rule::MaxRegression, g.max_regression),
            (Rule::MaxRegressionRel, g.max_regression_rel),
            (Rule::MinImprovement, g.min_improvement),
        ]
        .into_iter()
        .filter_map(|(r, v)| v.map(|v| (r, v)))
        .collect();
        if rules.is_empty() {
            return Err(err(
                line,
                format!(
                    "gate on `{metric}` has no rule; add one of min, max, max_regression, max_regression_rel, min_improvement"
                ),
            ));
        }
        if let (Some(lo), Some(hi)) = (g.min, g.max)
            && lo > hi
        {
            return Err(err(
                line,
                format!("gate on `{metric}`: min {lo} is above max {hi}; no value can pass"),
            ));
        }
        let by = g.by.as_ref().map(OneOrMany::to_vec).unwrap_or_default();
        for (i, col) in by.iter().enumerate() {
            if col.trim().is_empty() {
                return Err(err(
                    line,
                    format!("gate on `{metric}`: an empty column name in `by`"),
                ));
            }
            if by[..i].contains(col) {
                return Err(err(
                    line,
                    format!("gate on `{metric}`: column `{col}` appears twice in `by`"),
                ));
            }
            if metric.is_skew() {
                continue;
            }
            if let Some(&(role, _)) = roles.iter().find(|(_, n)| n == col) {
                return Err(err(
                    line,
                    format!(
                        "gate on `{metric}`: cannot slice by `{col}`, it is the {role} column{}",
                        if role == "id" {
                            " (one row per value: nothing could be judged)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        if let Some(problem) = unbounded_argument(metric) {
            return Err(err(line, format!("gate on `{metric}`: {problem}")));
        }
        if !metric.belongs_to(task) {
            let tasks: Vec<&str> = metric.tasks().iter().map(Task::as_str).collect();
            return Err(err(
                line,
                format!(
                    "gate on `{metric}`: `{metric}` is a metric of `task: {}`, but this config's task is `{task}`{}; gate on a {task} metric, or set the config's `task`",
                    tasks.join("` / `task: "),
                    if raw.task == Task::Binary {
                        " (the default)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if columns.cluster.is_some() && matches!(g.test, TestKind::Delong | TestKind::Mcnemar) {
            return Err(err(
                line,
                format!(
                    "gate on `{metric}`: `test: {}` treats rows as independent, but `columns.cluster` says they are not; use `test: bootstrap` (the default under `cluster`), which resamples whole clusters",
                    if g.test == TestKind::Delong {
                        "delong"
                    } else {
                        "mcnemar"
                    }
                ),
            ));
        }
        let neutral = metric.direction() == Direction::Neutral;
        let test = match (g.test, metric) {
            // A mean loss's interval comes from its per-row losses (and their paired
            // differences); `test: bootstrap` keeps the bootstrap.
            (TestKind::Auto, m) if crate::metrics::regression::row_loss(m, 0.0, 0.0).is_some() => {
                Test::PairedMean
            }
            // Under `cluster`, roc_auc leaves DeLong (row-level) for the cluster bootstrap.
            (TestKind::Auto, MetricId::RocAuc) if columns.cluster.is_some() => Test::Bootstrap,
            (TestKind::Auto, MetricId::RocAuc) | (TestKind::Delong, MetricId::RocAuc) => {
                Test::Delong
            }
            (TestKind::Delong, _) => {
                return Err(err(
                    line,
                    format!(
                        "gate on `{metric}`: `test: delong` applies to roc_auc only; use `bootstrap`"
                    ),
                ));
            }
            (TestKind::Mcnemar, MetricId::Accuracy | MetricId::Recall | MetricId::Specificity) => {
                // Whole frequency weights count rows, so McNemar stays exact on them (a
                // joint histogram); sampling weights are not counts.
                if columns.weight.is_some() && raw.weights == WeightKind::Sampling {
                    return Err(err(
                        line,
                        format!(
                            "gate on `{metric}`: the exact McNemar test counts rows and cannot use sampling weights; use `test: bootstrap` (or `weights: frequency` if each weight counts identical rows)"
                        ),
                    ));
                }
                Test::Mcnemar
            }
            (TestKind::Mcnemar, _) => {
                return Err(err(
                    line,
                    format!(
                        "gate on `{metric}`: `test: mcnemar` applies to accuracy, recall and specificity; use `bootstrap`"
                    ),
                ));
            }
            _ => Test::Bootstrap,
        };
        let drift = match drift_of(
            g,
            metric,
            raw.reference.is_some(),
            baseline.is_some(),
            &roles,
            &by,
        ) {
            Ok(d) => d,
            Err(problem) => return Err(err(line, format!("gate on `{metric}`: {problem}"))),
        };
        if let Some(problem) = skew_problem(g, metric, skew.is_some(), &by) {
            return Err(err(line, format!("gate on `{metric}`: {problem}")));
        }
        // A gate against the reference needs no baseline.
        let compared = baseline.is_some() || drift.is_some();
        if let Some(problem) = comparison_problem(g, metric, compared, &columns) {
            return Err(err(line, format!("gate on `{metric}`: {problem}")));
        }
        if neutral && g.evidence != Evidence::Point {
            return Err(err(
                line,
                format!(
                    "gate on `{metric}`: `{metric}` is a count with no interval; use `evidence: point`"
                ),
            ));
        }
        for &(rule, limit) in &rules {
            if !limit.is_finite() {
                return Err(err(
                    line,
                    format!(
                        "gate on `{metric}`: `{}` must be a finite number",
                        rule.as_str()
                    ),
                ));
            }
            if rule.is_relative() {
                if neutral {
                    return Err(err(
                        line,
                        format!(
                            "gate on `{metric}`: `{}` compares with the baseline, but `{metric}` describes the data, not the model; use min or max",
                            rule.as_str()
                        ),
                    ));
                }
                if baseline.is_none() {
                    return Err(err(
                        line,
                        format!(
                            "gate on `{metric}` uses `{}` but no baseline is configured; add `baseline: PATH` or pass --baseline",
                            rule.as_str()
                        ),
                    ));
                }
                if limit < 0.0 {
                    return Err(err(
                        line,
                        format!(
                            "gate on `{metric}`: `{}` must be >= 0 (it is a margin), got {limit}",
                            rule.as_str()
                        ),
                    ));
                }
            } else if test == Test::Mcnemar {
                return Err(err(
                    line,
                    format!(
                        "gate on `{metric}`: McNemar compares two models; `{}` judges the candidate alone, use `test: bootstrap`",
                        rule.as_str()
                    ),
                ));
            }
            if test == Test::Mcnemar && g.evidence == Evidence::Significant && limit != 0.0 {
                return Err(err(
                    line,
                    format!(
                        "gate on `{metric}`: McNemar tests equal error rates, so a `significant` McNemar gate needs a margin of 0; use `test: bootstrap` for a margin"
                    ),
                ));
            }
            let id = match &g.id {
                Some(id) if rules.len() == 1 => id.clone(),
                Some(id) => format!("{id}-{}", rule.as_str()),
                None => {
                    let mut id = format!("{metric}-{}", rule.as_str());
                    match &drift {
                        Some(Drift::Scores(ModelSide::Candidate)) => id.push_str("-vs-reference"),
                        Some(Drift::Scores(ModelSide::Baseline)) => {
                            id.push_str("-baseline-vs-reference")
                        }
                        Some(Drift::Feature(f)) => id.push_str(&format!("-{f}-vs-reference")),
                        None => {}
                    }
                    if !by.is_empty() {
                        id.push_str(&format!("-by-{}", by.join("-")));
                    }
                    id
                }
            };
            if gates.iter().any(|x: &GateSpec| x.id == id) {
                return Err(err(
                    line,
                    format!("two gates have the id `{id}`; give one of them an `id:`"),
                ));
            }
            gates.push(GateSpec {
                id,
                metric,
                rule,
                limit,
                evidence: g.evidence,
                test,
                by: by.clone(),
                severity: g.severity,
                correction: g.correction,
                line,
                reference: drift.clone(),
            });
        }
    }

    Ok(Spec {
        path: path.to_path_buf(),
        name: raw.name.trim().to_string(),
        candidate,
        baseline,
        reference: raw.reference.as_deref().map(resolve),
        skew,
        task,
        columns,
        positive: raw.positive,
        threshold: raw.threshold,
        confidence: raw.confidence,
        seed: overrides.seed.unwrap_or(raw.seed),
        min_slice,
        replicates,
        weights: raw.weights,
        on_nothing_judged: raw.on_nothing_judged,
        max_slices: raw.max_slices.get() as usize,
        gates,
        waivers: waiver::validate(&raw.waivers, path)?,
        gate_sources: Vec::new(),
        policies: Vec::new(),
    })
}

/// The checked `skew:` block, or what is wrong with it.
fn skew_spec(
    located: &Located<RawSkew>,
    columns: &Columns,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<SkewSpec, String> {
    let raw = &located.value;
    for (key, p) in [("offline", &raw.offline), ("online", &raw.online)] {
        if p.trim().is_empty() {
            return Err(format!(
                "`skew.{key}` is empty; name the {key} feature file"
            ));
        }
    }
    if raw.offline == raw.online {
        return Err(format!(
            "`skew.offline` and `skew.online` are the same file `{}`; compare the offline features with the values logged online",
            raw.offline
        ));
    }
    let id = match (&raw.id, &columns.id) {
        (Some(id), _) | (None, Some(id)) => id.clone(),
        (None, None) => {
            return Err(
                "`skew:` pairs the two files by id; set `skew.id` (or `columns.id`) to the id column".into(),
            );
        }
    };
    if id.trim().is_empty() {
        return Err("`skew.id` is empty; name the id column".into());
    }
    if raw.features.is_empty() {
        return Err("`skew.features` is empty; list the feature columns to compare".into());
    }
    let mut features: Vec<SkewFeature> = Vec::with_capacity(raw.features.len());
    for f in &raw.features {
        let (name, tolerance) = match f {
            RawSkewFeature::Name(n) => (n.clone(), None),
            RawSkewFeature::Spec(RawSkewFeatureSpec { name, tolerance }) => {
                (name.clone(), *tolerance)
            }
        };
        if name.trim().is_empty() {
            return Err("`skew.features` holds an empty name".into());
        }
        if name == id {
            return Err(format!(
                "`skew.features` lists `{name}`, the id column; list the feature columns"
            ));
        }
        if features.iter().any(|x| x.name == name) {
            return Err(format!("`skew.features` lists `{name}` twice"));
        }
        if let Some(t) = tolerance
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(format!(
                "`skew.features`: the tolerance of `{name}` is {t}; it must be a finite number >= 0 (an absolute difference)"
            ));
        }
        features.push(SkewFeature { name, tolerance });
    }
    Ok(SkewSpec {
        offline: resolve(&raw.offline),
        online: resolve(&raw.online),
        id,
        features,
        line: located.line,
    })
}

/// Why a gate on a skew metric (or a gate naming the skew slicing) cannot be judged as
/// written, if it cannot: skew metrics need `skew:`, `by: feature`, and `min`/`max` with
/// `evidence: point`.
fn skew_problem(g: &Gate, metric: MetricId, has_skew: bool, by: &[String]) -> Option<String> {
    if !metric.is_skew() {
        return None;
    }
    if !has_skew {
        return Some(format!(
            "`{metric}` compares offline and online feature values, but no `skew:` block is configured; add `skew: {{offline: PATH, online: PATH, features: [...]}}`"
        ));
    }
    if by != [SKEW_BY] {
        return Some(format!(
            "`{metric}` is judged per feature; write `by: {SKEW_BY}`"
        ));
    }
    if g.max_regression.is_some() || g.max_regression_rel.is_some() || g.min_improvement.is_some() {
        return Some(format!(
            "`{metric}` describes the features, not a model: there is no baseline value; use `max:`, e.g. `max: 0.01`"
        ));
    }
    if g.evidence != Evidence::Point {
        return Some(format!(
            "`{metric}` is an exact count with no interval; use `evidence: point`"
        ));
    }
    if g.test != TestKind::Auto {
        return Some(format!(
            "`{metric}` is not judged by a statistical test; leave `test:` out"
        ));
    }
    if g.against != Against::Baseline || g.model.is_some() || g.feature.is_some() {
        return Some(format!(
            "`{metric}` compares the `skew:` files; `against`, `model` and `feature` do not apply"
        ));
    }
    None
}

/// Why a gate on a metric of both models (distribution distance or churn) cannot be
/// judged as written, if it cannot. These metrics need a baseline, have no baseline value
/// to compare with and no interval yet, so only `min`/`max` with `evidence: point` apply.
fn comparison_problem(
    g: &Gate,
    metric: MetricId,
    has_baseline: bool,
    columns: &Columns,
) -> Option<String> {
    if !metric.compares_models() {
        return None;
    }
    if !has_baseline {
        return Some(format!(
            "`{metric}` compares the candidate's scores with the baseline's on the same rows, but no baseline is configured; add `baseline: PATH` or pass --baseline"
        ));
    }
    if g.max_regression.is_some() || g.max_regression_rel.is_some() || g.min_improvement.is_some() {
        return Some(format!(
            "`{metric}` already compares the two models (it has no baseline value to regress from); use `max:` on it, e.g. `max: 0.1`"
        ));
    }
    if g.evidence != Evidence::Point {
        return Some(format!(
            "`{metric}` has no confidence interval in this version; use `evidence: point`"
        ));
    }
    if g.test != TestKind::Auto {
        return Some(format!(
            "`{metric}` is not judged by a statistical test; leave `test:` out"
        ));
    }
    if metric.is_distribution() && columns.weight.is_some() {
        return Some(format!(
            "`{metric}` compares the score distributions row by row and does not use `columns.weight`; drop the weight column or gate on `churn` (which does)"
        ));
    }
    None
}

/// What a gate compares with the reference sample (`against: reference`), or why its keys
/// do not fit together.
fn drift_of(
    g: &Gate,
    metric: MetricId,
    has_reference: bool,
    has_baseline: bool,
    roles: &[(&str, &str)],
    by: &[String],
) -> Result<Option<Drift>, String> {
    if g.against == Against::Baseline {
        if g.model.is_some() || g.feature.is_some() {
            return Err(
                "`model:` and `feature:` choose what is compared with the reference; add `against: reference`"
                    .into(),
            );
        }
        return Ok(None);
    }
    if !metric.is_distribution() {
        return Err(format!(
            "`against: reference` applies to psi, ks, js_divergence and wasserstein, not `{metric}`"
        ));
    }
    if !has_reference {
        return Err(
            "`against: reference` but no reference sample is configured; add `reference: PATH` (same column names as the predictions)"
                .into(),
        );
    }
    match (&g.feature, g.model) {
        (Some(_), Some(_)) => Err(
            "`model:` compares a model's scores and `feature:` a feature column; give one of them"
                .into(),
        ),
        (Some(f), None) => {
            if f.trim().is_empty() {
                return Err("`feature:` is empty; name a column".into());
            }
            if let Some((role, _)) = roles.iter().find(|(_, n)| n == f) {
                return Err(format!(
                    "`feature: {f}` is the {role} column; use `model:` to compare scores"
                ));
            }
            if by.contains(f) {
                return Err(format!("`feature: {f}` is also a `by` column"));
            }
            Ok(Some(Drift::Feature(f.clone())))
        }
        (None, side) => {
            let side = side.unwrap_or(ModelSide::Candidate);
            if side == ModelSide::Baseline && !has_baseline {
                return Err(
                    "`model: baseline` but no baseline is configured; add `baseline: PATH`".into(),
                );
            }
            Ok(Some(Drift::Scores(side)))
        }
    }
}

/// The task's column roles and settings: resolves `columns.prediction` for regression,
/// refuses the keys that mean nothing for the task, and returns the `min_slice` to use
/// (`positives` / `negatives` are binary counts: 0 for the other tasks).
fn task_settings(raw: &RawConfig, columns: &mut Columns) -> Result<MinSlice, String> {
    let task = raw.task;
    match task {
        Task::Binary => {
            if columns.prediction.is_some() {
                return Err("`columns.prediction` is a role of `task: regression`; a binary config reads `columns.score` (or set `task: regression`)".into());
            }
            Ok(raw.min_slice)
        }
        Task::Regression => {
            if raw.positive.is_some() {
                return Err("`positive` names the positive class of `task: binary`; a regression target has no classes: remove it".into());
            }
            if raw.threshold != 0.5 {
                return Err("`threshold` turns binary scores into classes; `task: regression` has none: remove it".into());
            }
            let ms = raw.min_slice;
            let defaults = MinSlice::default();
            if ms.positives != defaults.positives || ms.negatives != defaults.negatives {
                return Err("`min_slice.positives` / `min_slice.negatives` count the classes of `task: binary`; for `task: regression` use `min_slice.rows`".into());
            }
            columns
                .prediction
                .get_or_insert_with(|| "prediction".to_string());
            Ok(MinSlice {
                rows: ms.rows,
                positives: 0,
                negatives: 0,
            })
        }
        Task::Multiclass | Task::Ranking => Err(format!(
            "`task: {task}` is not supported yet (binary and regression are); see the README's \"Tasks\""
        )),
    }
}

/// Why a metric's arguments cannot give finite values, if they cannot.
fn unbounded_argument(metric: MetricId) -> Option<String> {
    match metric {
        MetricId::FBeta { beta } if beta > MAX_FBETA => Some(format!(
            "beta {beta} is above {MAX_FBETA}; past that fbeta is recall (use `recall`), and a huge beta makes every value NaN"
        )),
        MetricId::ExpectedCost { fp, fn_ } if fp > MAX_COST || fn_ > MAX_COST => Some(format!(
            "a cost above {MAX_COST:e} cannot give a finite expected cost on weighted rows; express the costs in larger units (thousands, millions)"
        )),
        _ => None,
    }
}

/// The JSON Schema of the config file, generated from the same types serde reads.
pub fn schema() -> serde_json::Value {
    let schema = schemars::schema_for!(RawConfig);
    serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null)
}

/// A commented starter config for `modelgate init`.
pub const STARTER: &str = include_str!("starter.yaml");

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Spec, ConfigError> {
        let raw = parse(text).map_err(|message| ConfigError {
            path: "t.yaml".into(),
            line: None,
            message,
        })?;
        validate(raw, Path::new("dir/t.yaml"), &Overrides::default())
    }

    const BASE: &str = "version: 1\nname: t\ncandidate: c.csv\nbaseline: b.csv\n";

    #[test]
    fn starter_config_is_valid() {
        let spec = check(STARTER).expect("starter config must validate");
        assert!(!spec.gates.is_empty());
    }

    #[test]
    fn resolves_paths_and_defaults() {
        let spec = check(&format!("{BASE}gates:\n  - metric: pr_auc\n    min: 0.3\n")).unwrap();
        assert_eq!(spec.candidate, Path::new("dir/c.csv"));
        assert_eq!(spec.baseline.as_deref(), Some(Path::new("dir/b.csv")));
        assert_eq!(spec.gates[0].id, "pr_auc-min");
        assert_eq!(spec.gates[0].line, 6);
        assert_eq!(spec.threshold, 0.5);
        assert_eq!(spec.columns.label, "label");
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e = check(&format!("{BASE}gates:\n  - metric: pr_auc\n    mni: 0.3\n")).unwrap_err();
        assert!(e.message.contains("mni"), "{e}");
        assert!(e.message.contains('7'), "line expected: {e}");
    }

    #[test]
    fn unknown_metric_suggests() {
        let e = check(&format!("{BASE}gates:\n  - metric: pr_acu\n    min: 0.3\n")).unwrap_err();
        assert!(e.message.contains("did you mean `pr_auc`"), "{e}");
    }

    #[test]
    fn baseline_rule_without_baseline_names_line() {
        let e = check("version: 1\nname: t\ncandidate: c.csv\ngates:\n  - metric: roc_auc\n    max_regression: 0.01\n")
            .unwrap_err();
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("no baseline"), "{e}");
    }

    #[test]
    fn impossible_combinations_are_errors() {
        for (gate, needle) in [
            (
                "metric: pr_auc\n    max_regression: 0.01\n    test: delong",
                "roc_auc only",
            ),
            (
                "metric: pr_auc\n    max_regression: 0.01\n    test: mcnemar",
                "accuracy, recall",
            ),
            (
                "metric: recall\n    min: 0.5\n    test: mcnemar",
                "candidate alone",
            ),
            ("metric: rows\n    max_regression: 1", "describes the data"),
            (
                "metric: pr_auc\n    min: 0.5\n    max: 0.4",
                "no value can pass",
            ),
            ("metric: pr_auc", "has no rule"),
            ("metric: psi\n    max_regression: 0.1", "use `max:`"),
            (
                "metric: ks\n    max: 0.1\n    evidence: significant",
                "evidence: point",
            ),
            (
                "metric: churn\n    max: 0.1\n    test: bootstrap",
                "leave `test:` out",
            ),
            ("metric: pr_auc\n    max_regression: -0.1", "must be >= 0"),
            (
                "metric: pr_auc\n    min: 0.1\n    by: label",
                "cannot slice by",
            ),
        ] {
            let e = check(&format!("{BASE}gates:\n  - {gate}\n")).unwrap_err();
            assert!(e.message.contains(needle), "{gate}: {e}");
            assert_eq!(e.line, Some(6), "{gate}");
        }
    }

    #[test]
    fn several_rules_make_several_gates_with_unique_ids() {
        let spec = check(&format!(
            "{BASE}gates:\n  - metric: roc_auc\n    min: 0.8\n    max_regression: 0.01\n  - metric: roc_auc\n    max_regression: 0.02\n    by: [country, channel]\n"
        ))
        .unwrap();
        let ids: Vec<&str> = spec.gates.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "roc_auc-min",
                "roc_auc-max_regression",
                "roc_auc-max_regression-by-country-channel"
            ]
        );
        assert_eq!(spec.gates[1].test, Test::Delong);
    }

    #[test]
    fn comparison_metrics_need_a_baseline_and_no_weights() {
        let e = check(
            "version: 1\nname: t\ncandidate: c.csv\ngates:\n  - metric: churn\n    max: 0.02\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("no baseline is configured"), "{e}");
        let e = check(&format!(
            "{BASE}columns: {{weight: w}}\ngates:\n  - metric: wasserstein\n    max: 0.02\n"
        ))
        .unwrap_err();
        assert!(e.message.contains("columns.weight"), "{e}");
        let spec = check(&format!(
            "{BASE}columns: {{weight: w}}\ngates:\n  - metric: churn\n    max: 0.02\n  - metric: psi(20)\n    max: 0.2\n    by: country\n"
        ));
        let e = spec.unwrap_err();
        assert!(e.message.contains("psi(20)"), "{e}");
        let spec = check(&format!(
            "{BASE}gates:\n  - metric: churn\n    max: 0.02\n  - metric: psi(20)\n    max: 0.2\n    by: country\n"
        ))
        .unwrap();
        assert_eq!(spec.gates[1].id, "psi(20)-max-by-country");
    }

    #[test]
    fn broken_yaml_has_position() {
        let e = parse("version: 1\nname: [unclosed\n").unwrap_err();
        assert!(e.contains('2') || e.contains("line"), "{e}");
    }

    #[test]
    fn schema_lists_keys() {
        let s = schema().to_string();
        for key in [
            "max_regression",
            "min_slice",
            "evidence",
            "MetricId",
            "deny",
        ] {
            if key == "deny" {
                assert!(
                    s.contains("additionalProperties"),
                    "schema must forbid unknown keys"
                );
            } else {
                assert!(s.contains(key), "{key} missing from schema");
            }
        }
    }
}
