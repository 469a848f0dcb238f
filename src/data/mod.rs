//! Data: prediction files in, paired and validated columns out.
//!
//! polars reads each file lazily, projecting only the named columns. Every problem a
//! user can make (a missing column, a NaN score, a third label value, duplicate ids,
//! rows on one side only, …) becomes a [`DataError`] naming the file, the column, the
//! first offending rows or ids with counts, and the fix. Rows are never dropped.

mod classes;
mod columns;
mod guard;
mod pair;
mod read;
mod reference;
mod skew;
mod slices;
mod sources;

use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

pub use classes::sort_classes;
pub use pair::{Ids, PairError, PairSide, pair_ids};
pub use reference::{Feature, Reference, load_features, load_reference};
pub use skew::{SkewColumn, SkewData, load_skew};
pub use slices::Slicing;

/// The label value that means "positive", when labels are not 0/1 or true/false.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum LabelValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl fmt::Display for LabelValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelValue::Bool(b) => write!(f, "{b}"),
            LabelValue::Int(i) => write!(f, "{i}"),
            LabelValue::Float(x) => write!(f, "{x}"),
            LabelValue::Str(s) => f.write_str(s),
        }
    }
}

/// What to load: files, column names and slicings.
#[derive(Debug, Clone)]
pub struct Request {
    /// The candidate's predictions (CSV, Parquet, NDJSON).
    pub candidate: PathBuf,
    /// The baseline's predictions, if any.
    pub baseline: Option<PathBuf>,
    /// Label column.
    pub label: String,
    /// Score column.
    pub score: String,
    /// Join key; `None` pairs by position.
    pub id: Option<String>,
    /// Sample weight column.
    pub weight: Option<String>,
    /// The slicings to build; each is one or more columns (one slice per combination).
    pub slicings: Vec<Vec<String>>,
    /// The positive label value, when labels are not 0/1 / booleans.
    pub positive: Option<LabelValue>,
    /// Divide the weights by their mean (`weights: sampling`): weights equal up to scale
    /// then give the same numbers, and no sum overflows. Frequency weights are counts and
    /// stay as they are.
    pub normalise_weights: bool,
    /// Most slices one slicing may have (the config's `max_slices`).
    pub max_slices: usize,
    /// What the model predicts: how the label column reads and which columns exist.
    pub task: crate::task::Task,
    /// The cluster column, when rows are not independent.
    pub cluster: Option<String>,
    /// `task: multiclass`: the model's output columns (`score` then names the first score
    /// column, or the prediction column).
    pub classes: Option<ClassColumns>,
    /// `task: ranking`: the group (query) column, read from the candidate file.
    pub group: Option<String>,
}

/// A multiclass model's output columns.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassColumns {
    /// One probability column per class: `(class, column)` in class order.
    Scores(Vec<(String, String)>),
    /// The predicted class.
    Prediction(String),
}

/// The default of `max_slices`: a slicing with more slices is refused.
pub const DEFAULT_MAX_SLICES: usize = 1000;

/// One input (a file, a folder or a glob) as read: for the audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The path as given.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex; for several files, of their `sha256sum` manifest.
    pub sha256: String,
    /// Data rows read.
    pub rows: usize,
    /// Every file read, in reading order; their rows add up to `rows`.
    pub files: Vec<PartInfo>,
}

/// One file of an input as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// The file's path.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Data rows read from it.
    pub rows: usize,
}

/// The audit hash of an input of several files (the `sha256sum`-style manifest of `files`),
/// as [`FileInfo::sha256`] holds it: for callers that rename the files (MLflow downloads
/// recorded under their artifact paths).
pub fn manifest_sha256(files: &[PartInfo]) -> String {
    sources::manifest(files.iter().map(|f| (f.sha256.as_str(), f.path.as_path())))
}

/// Candidate and baseline rows, paired and validated, in the candidate's row order.
#[derive(Debug, Clone)]
pub struct Paired {
    /// Label per row (`true` = positive); empty unless the task is binary.
    pub positive: Vec<bool>,
    /// The task's own label and prediction columns (binary's are `positive`, `candidate`
    /// and `baseline`).
    pub columns: TaskColumns,
    /// The cluster of each row, when a `cluster` column is given.
    pub clusters: Option<Clusters>,
    /// Sample weight per row, when a weight column is given.
    pub weight: Option<Vec<f64>>,
    /// Candidate score per row.
    pub candidate: Vec<f64>,
    /// Baseline score per row (paired), when a baseline is given.
    pub baseline: Option<Vec<f64>>,
    /// One entry per requested slicing, in request order.
    pub slicings: Vec<Slicing>,
    /// The candidate file.
    pub candidate_file: FileInfo,
    /// The baseline file.
    pub baseline_file: Option<FileInfo>,
}

/// The task-specific columns of the paired rows, in candidate row order.
///
/// Every task keeps one per-row numeric prediction per model in [`Paired::candidate`] /
/// [`Paired::baseline`] (binary and ranking: the score; regression: the prediction); what
/// else a task needs (its label, class scores, query groups) is its variant here.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskColumns {
    /// `task: binary`: the label is [`Paired::positive`].
    Binary,
    /// `task: regression`: the numeric target per row.
    Regression {
        /// The target `y` per row (finite).
        target: Vec<f64>,
    },
    /// `task: multiclass`: class codes `0..classes.len()` per row and each model's output.
    Multiclass {
        /// The class values, in code order (numeric order when every class is an integer,
        /// else text order: scikit-learn's `np.unique`).
        classes: Vec<String>,
        /// The true class code per row.
        truth: Vec<u32>,
        /// The candidate's output.
        candidate: ClassPredictions,
        /// The baseline's output (paired rows), when there is a baseline.
        baseline: Option<ClassPredictions>,
    },
    /// `task: ranking`: the graded relevance and the group of each row.
    Ranking {
        /// Relevance per row (finite, `>= 0`).
        relevance: Vec<f64>,
        /// The group (query) of each row; codes in first-seen order.
        groups: Clusters,
    },
}

/// A multiclass model's output, in candidate row order.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassPredictions {
    /// One probability column per class (in class-code order), each in `[0, 1]`.
    Scores(Vec<Vec<f64>>),
    /// The predicted class code per row.
    Predicted(Vec<u32>),
}

/// The cluster of each row: rows of one cluster are resampled together.
#[derive(Debug, Clone, PartialEq)]
pub struct Clusters {
    /// The cluster column's name.
    pub column: String,
    /// Cluster code per row, in candidate row order; every code `< count`.
    pub codes: Vec<u32>,
    /// Number of distinct clusters.
    pub count: usize,
    /// The value of each code, for messages naming clusters or groups.
    pub names: Vec<String>,
}

impl Paired {
    /// Number of paired rows.
    pub fn len(&self) -> usize {
        self.candidate.len()
    }

    /// True when there are no rows (never, after a successful load).
    pub fn is_empty(&self) -> bool {
        self.candidate.is_empty()
    }

    /// The regression target, for `task: regression`.
    pub fn target(&self) -> Option<&[f64]> {
        match &self.columns {
            TaskColumns::Regression { target } => Some(target),
            _ => None,
        }
    }

    /// The slicing over exactly these columns, if it was requested.
    pub fn slicing(&self, columns: &[String]) -> Option<&Slicing> {
        self.slicings.iter().find(|s| s.columns == columns)
    }
}

/// An input problem: exit code 2, nothing judged.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// The file, when the problem is in one.
    pub path: Option<PathBuf>,
    /// The column, when the problem is in one.
    pub column: Option<String>,
    /// What is wrong, where, and how to fix it.
    pub message: String,
    /// The problem as data, for the classes a caller may want to tell apart;
    /// [`Cause::Other`] for the rest (the message says it all).
    pub cause: Box<Cause>,
    /// The fix the error points to, worded in [`DataError::vocabulary`] by `Display`.
    pub fix: Option<Fix>,
    /// Whose words the fix uses: the caller chooses ([`DataError::in_words_of`]).
    pub vocabulary: Vocabulary,
}

/// Whose words a fix is given in: the config file's keys (`check`, `validate`) or the
/// `metrics` command's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Vocabulary {
    /// Config keys: `columns:`, `positive:`, `max_slices`, paths relative to the config.
    #[default]
    Config,
    /// Command-line flags: `--label`, `--positive`, …; paths relative to the working folder.
    Flags,
}

/// The fix an input error points to, as data; [`Fix::words`] says it in a vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub enum Fix {
    /// Name the right column for its role.
    ColumnName,
    /// Say which label value means positive, with an example value seen in the labels.
    Positive {
        /// A label value to show in the example.
        example: Option<String>,
    },
    /// Check the path.
    Path,
    /// Slice by a coarser column (or raise the slice limit, where the caller has one).
    CoarserSlices {
        /// The limit in force.
        max: usize,
    },
}

impl Fix {
    /// The fix as the tail of a message (it starts with its own separator).
    pub fn words(&self, v: Vocabulary) -> String {
        match (self, v) {
            (Fix::ColumnName, Vocabulary::Config) => {
                "; set the right name under `columns:` in the config".into()
            }
            (Fix::ColumnName, Vocabulary::Flags) => {
                "; name it with --label, --score, --id, --weight or --by".into()
            }
            (Fix::Positive { example }, v) => {
                let (say, eg) = match v {
                    Vocabulary::Config => (
                        "set `positive:` in the config to the label value that means positive",
                        "`positive: ",
                    ),
                    Vocabulary::Flags => (
                        "pass --positive with the label value that means positive",
                        "`--positive ",
                    ),
                };
                match example {
                    Some(x) => format!("; {say}, e.g. {eg}{x}`"),
                    None => format!("; {say}"),
                }
            }
            (Fix::Path, Vocabulary::Config) => {
                "; check the path (relative paths are relative to the config file)".into()
            }
            (Fix::Path, Vocabulary::Flags) => "; check the path".into(),
            (Fix::CoarserSlices { max }, Vocabulary::Config) => {
                format!("; slice by a coarser column, or raise `max_slices` ({max})")
            }
            (Fix::CoarserSlices { .. }, Vocabulary::Flags) => "; slice by a coarser column".into(),
        }
    }
}

/// What went wrong, as data. The message of a [`DataError`] built from a cause is the
/// cause's `Display`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cause {
    /// Described by the message only.
    Other,
    /// polars could not read the file; its message names no line, so the reader adds what
    /// it can find (the NDJSON line, a stray quote).
    PolarsRead {
        /// The format read: `CSV`, `NDJSON` or `Parquet`.
        format: String,
        /// The first line of polars' message.
        detail: String,
    },
    /// One input (a folder or a glob) holds files with different extensions:
    /// `(extension, number of files, one of them)` each.
    MixedExtensions(Vec<(String, usize, PathBuf)>),
    /// One input lists the same file twice (through a symbolic link).
    SameFileTwice {
        /// The first listed path.
        first: PathBuf,
        /// The second path to the same file.
        second: PathBuf,
    },
    /// A column has a different type in two files of one input.
    PartTypes {
        /// A file and the column's type in it.
        first: (PathBuf, String),
        /// Another file and the column's type there.
        other: (PathBuf, String),
    },
    /// A NUL byte in a text file: binary, UTF-16, or what a crashed writer leaves.
    NulByte {
        /// 1-based line.
        line: u64,
        /// 0-based byte offset.
        offset: u64,
    },
    /// A physical line longer than modelgate reads.
    LineTooLong {
        /// 1-based line.
        line: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The id column has a type modelgate cannot pair on (floats, booleans, dates, …).
    IdType {
        /// The column's type.
        dtype: String,
    },
    /// Candidate ids are integers and baseline ids text, or the other way round.
    IdTypes {
        /// The candidate's id type.
        candidate: String,
        /// The baseline's id type.
        baseline: String,
    },
    /// A `by:` column (or combination) has more distinct values than `max_slices`.
    TooManySlices {
        /// The column(s).
        columns: Vec<String>,
        /// Its distinct values (or combinations).
        distinct: usize,
        /// The configured limit.
        max: usize,
    },
    /// The weights' sum is not a finite number.
    WeightSum,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Other => f.write_str("input error"),
            Cause::MixedExtensions(exts) => {
                let parts: Vec<String> = exts
                    .iter()
                    .map(|(ext, n, example)| {
                        let s = if *n == 1 { "" } else { "s" };
                        format!("`.{ext}` ({n} file{s}, e.g. {})", example.display())
                    })
                    .collect();
                write!(
                    f,
                    "mixes file extensions: {}; one input must hold files of one format and one extension: rename the files or point at them with a glob such as `dir/*.csv`",
                    parts.join(", ")
                )
            }
            Cause::PolarsRead { format, detail } => {
                write!(f, "cannot read the file as {format}: {detail}")
            }
            Cause::SameFileTwice { first, second } => write!(
                f,
                "lists the same file twice ({} and {}, through a symbolic link); its rows would count twice: remove the link",
                first.display(),
                second.display()
            ),
            Cause::PartTypes { first, other } => write!(
                f,
                "the column is {} in {} but {} in {}; write every file of the input with one type per column",
                first.1,
                first.0.display(),
                other.1,
                other.0.display()
            ),
            Cause::NulByte { line, offset } => {
                if *offset == 0 {
                    write!(
                        f,
                        "the file starts with a NUL byte: it is binary, UTF-16, or was not written completely (a crashed writer leaves NUL bytes): write it again as UTF-8 text"
                    )
                } else {
                    write!(
                        f,
                        "line {line} holds a NUL byte (byte {offset}): the file is binary, UTF-16, or was not written completely (a crashed writer leaves NUL bytes): write it again as UTF-8 text"
                    )
                }
            }
            Cause::LineTooLong { line, limit } => write!(
                f,
                "line {line} is longer than {} MiB: this is not one row of predictions (a missing line break, or not a text file); check how the file was written",
                limit / (1024 * 1024)
            ),
            Cause::IdType { dtype } => write!(
                f,
                "the id column holds {dtype} values; ids pair exactly only as integers or text: write them as integers or strings"
            ),
            Cause::IdTypes {
                candidate,
                baseline,
            } => write!(
                f,
                "the candidate's ids are {candidate} but the baseline's are {baseline}; integer and text ids never pair (is `42` the same row as `\"042\"`?): write the ids with one type in both files"
            ),
            Cause::TooManySlices {
                columns,
                distinct,
                max,
            } => {
                let what = if columns.len() == 1 {
                    format!("`by: {}` has {distinct} distinct values", columns[0])
                } else {
                    format!(
                        "`by: [{}]` has {distinct} distinct combinations",
                        columns.join(", ")
                    )
                };
                write!(
                    f,
                    "{what}, more than the limit of {max} slices: slicing by a near-unique column judges nothing and costs memory"
                )
            }
            Cause::WeightSum => f.write_str(
                "the weights add up to more than the largest finite number; rescale them (sampling weights matter only relative to each other)",
            ),
        }
    }
}

impl DataError {
    pub(crate) fn new(path: &Path, column: Option<&str>, message: impl Into<String>) -> Self {
        DataError {
            path: Some(path.to_path_buf()),
            column: column.map(str::to_string),
            message: message.into(),
            cause: Box::new(Cause::Other),
            fix: None,
            vocabulary: Vocabulary::Config,
        }
    }

    /// The same error pointing to `fix`.
    pub(crate) fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The same error, its fix worded for a caller that speaks `v`.
    pub fn in_words_of(mut self, v: Vocabulary) -> Self {
        self.vocabulary = v;
        self
    }

    /// An error whose message is the cause's.
    pub(crate) fn of(path: &Path, column: Option<&str>, cause: Cause) -> Self {
        DataError {
            path: Some(path.to_path_buf()),
            column: column.map(str::to_string),
            message: cause.to_string(),
            fix: match &cause {
                Cause::TooManySlices { max, .. } => Some(Fix::CoarserSlices { max: *max }),
                _ => None,
            },
            cause: Box::new(cause),
            vocabulary: Vocabulary::Config,
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("input error")?;
        if let Some(p) = &self.path {
            write!(f, " in {}", p.display())?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        write!(f, ": {}", self.message)?;
        match &self.fix {
            Some(fix) => f.write_str(&fix.words(self.vocabulary)),
            None => Ok(()),
        }
    }
}

impl std::error::Error for DataError {}

/// Loads, validates and pairs the candidate and baseline files.
pub fn load(req: &Request) -> Result<Paired, DataError> {
    let slice_cols = slices::distinct_columns(&req.slicings);
    let score_role = match (req.task, &req.classes) {
        (crate::task::Task::Regression, _) => "prediction",
        (_, Some(ClassColumns::Prediction(_))) => "prediction",
        (_, Some(ClassColumns::Scores(_))) => "class score",
        _ => "score",
    };
    // A task's further columns: every class score column after the first, the group.
    let more_scores: Vec<(String, &'static str)> = match &req.classes {
        Some(ClassColumns::Scores(cols)) => cols
            .iter()
            .skip(1)
            .map(|(_, c)| (c.clone(), "class score"))
            .collect(),
        _ => Vec::new(),
    };
    let mut cand_extra = more_scores.clone();
    if let Some(g) = &req.group {
        cand_extra.push((g.clone(), "group"));
    }
    let cand_cols = read::Wanted {
        label: Some(req.label.as_str()),
        score: &req.score,
        score_role,
        cluster: req.cluster.as_deref(),
        id: req.id.as_deref(),
        weight: req.weight.as_deref(),
        extra: &slice_cols,
        extra_role: "slice",
        task_extra: &cand_extra,
    };
    let cand = read::read(&req.candidate, &cand_cols, true)?;
    let cand_side = columns::Side::from_frame(
        &req.candidate,
        &cand.frame,
        &cand_cols,
        req.positive.as_ref(),
        req.task,
        req.classes.as_ref(),
    )?;
    let groups = match &req.group {
        Some(g) => Some(cluster_codes(&req.candidate, &cand.frame, g, "group")?),
        None => None,
    };
    let clusters = match &req.cluster {
        Some(c) => Some(cluster_codes(&req.candidate, &cand.frame, c, "cluster")?),
        None => None,
    };
    if let (Some(g), Some(c)) = (&groups, &clusters) {
        groups_within_clusters(&req.candidate, g, c)?;
    }

    let mut slicings = Vec::with_capacity(req.slicings.len());
    for cols in &req.slicings {
        slicings.push(slices::build(
            &req.candidate,
            &cand.frame,
            cols,
            req.max_slices,
        )?);
    }

    let mut base_classes = None;
    let (baseline, baseline_file) = match &req.baseline {
        None => (None, None),
        Some(path) => {
            let base_cols = read::Wanted {
                label: Some(req.label.as_str()),
                score: &req.score,
                score_role,
                cluster: None,
                id: req.id.as_deref(),
                weight: req.weight.as_deref(),
                extra: &[],
                extra_role: "slice",
                task_extra: &more_scores,
            };
            // The label and weight may live in the candidate file only.
            let base = read::read(path, &base_cols, false)?;
            let base_side = columns::Side::from_frame(
                path,
                &base.frame,
                &base_cols,
                req.positive.as_ref(),
                req.task,
                req.classes.as_ref(),
            )?;
            let order = match &req.id {
                Some(id) => pair::by_id((&req.candidate, &cand.frame), (path, &base.frame), id)?,
                None => pair::by_position(&req.candidate, cand_side.len(), path, base_side.len())?,
            };
            let scores = pair::check_agreement(
                (&req.candidate, &cand_side, &cand.frame),
                (path, &base_side, &base.frame),
                order.as_deref(),
                req,
            )?;
            let info = FileInfo {
                path: path.clone(),
                sha256: base.sha256,
                rows: base_side.len(),
                files: base.files,
            };
            base_classes = base_side.classes.map(|c| (path.clone(), c, order));
            (Some(scores), Some(info))
        }
    };

    let candidate_file = FileInfo {
        path: req.candidate.clone(),
        sha256: cand.sha256,
        rows: cand_side.len(),
        files: cand.files,
    };
    // Sorted positions index rows with u32 to halve the memory of the one sort.
    if cand_side.len() > u32::MAX as usize {
        return Err(DataError::new(
            &req.candidate,
            None,
            format!(
                "{} rows is more than modelgate holds in memory (4,294,967,295); aggregate the rows first (README, \"Scale\")",
                cand_side.len()
            ),
        ));
    }
    let columns::Side {
        positive,
        target,
        mut weight,
        score,
        classes: cand_classes,
    } = cand_side;
    let task_columns = match req.task {
        crate::task::Task::Regression => TaskColumns::Regression {
            target: target.unwrap_or_default(),
        },
        crate::task::Task::Multiclass => {
            let (Some(cols), Some(side)) = (&req.classes, cand_classes) else {
                return Err(DataError::new(
                    &req.candidate,
                    None,
                    "a multiclass request names no score or prediction column",
                ));
            };
            classes::multiclass(req, cols, side, base_classes)?
        }
        crate::task::Task::Ranking => TaskColumns::Ranking {
            relevance: target.unwrap_or_default(),
            groups: groups.ok_or_else(|| {
                DataError::new(
                    &req.candidate,
                    None,
                    "a ranking request names no group column",
                )
            })?,
        },
        crate::task::Task::Binary => TaskColumns::Binary,
    };
    if let Some(w) = weight.as_mut() {
        if req.normalise_weights {
            columns::normalise(w);
        } else {
            columns::check_whole(&req.candidate, req.weight.as_deref().unwrap_or("weight"), w)?;
        }
    }
    Ok(Paired {
        positive: positive.unwrap_or_default(),
        columns: task_columns,
        clusters,
        weight,
        candidate: score,
        baseline,
        slicings,
        candidate_file,
        baseline_file,
    })
}

/// Ranking under `cluster`: a group is resampled whole, with the count its cluster draws,
/// so every row of a group must lie in one cluster; a group split across clusters is an
/// error naming up to five such groups (resampling it with one of its clusters would
/// understate the dependence the config declares).
fn groups_within_clusters(
    path: &Path,
    groups: &Clusters,
    clusters: &Clusters,
) -> Result<(), DataError> {
    const SHOWN: usize = 5;
    let mut cluster_of = vec![u32::MAX; groups.count];
    let mut split: Vec<u32> = Vec::new();
    let mut total = 0usize;
    for (&g, &c) in groups.codes.iter().zip(&clusters.codes) {
        let slot = &mut cluster_of[g as usize];
        if *slot == u32::MAX {
            *slot = c;
        } else if *slot != c && *slot != u32::MAX - 1 {
            // Counted once per group.
            *slot = u32::MAX - 1;
            total += 1;
            if split.len() < SHOWN {
                split.push(g);
            }
        }
    }
    if split.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = split
        .iter()
        .map(|&g| {
            format!(
                "{:?}",
                groups.names.get(g as usize).map_or("", String::as_str)
            )
        })
        .collect();
    Err(DataError::new(
        path,
        Some(&groups.column),
        format!(
            "{total} group(s) span more than one `{}` value ({}{}); a group is resampled whole with its cluster, so all rows of a group must share one cluster: fix the group or the cluster column",
            clusters.column,
            names.join(", "),
            if total > SHOWN { ", …" } else { "" }
        ),
    ))
}

/// The cluster code of every row of the candidate file: codes in first-seen order (the
/// resampling does not depend on the order of the codes' names). A missing value is an
/// error naming the rows: a row without a cluster cannot be resampled with its cluster.
fn cluster_codes(
    path: &Path,
    frame: &polars::prelude::DataFrame,
    name: &str,
    role: &str,
) -> Result<Clusters, DataError> {
    use polars::prelude::DataType;
    let s = frame
        .column(name)
        .map_err(|_| DataError::new(path, Some(name), format!("the {role} column is missing")))?
        .as_materialized_series();
    let text = s.cast(&DataType::String).map_err(|e| {
        DataError::new(
            path,
            Some(name),
            format!("cannot read {role} values as text: {e}"),
        )
    })?;
    let ca = text
        .str()
        .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
    let mut seen: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut codes = Vec::with_capacity(ca.len());
    let mut missing: Vec<usize> = Vec::new();
    let mut missing_count = 0usize;
    for (i, v) in ca.iter().enumerate() {
        match v {
            Some(v) => {
                let next = seen.len() as u32;
                let code = *seen.entry(v).or_insert(next);
                if code == next {
                    names.push(v.to_string());
                }
                codes.push(code);
            }
            None => {
                if missing.len() < 5 {
                    missing.push(i + 1);
                }
                missing_count += 1;
                codes.push(0);
            }
        }
    }
    if missing_count > 0 {
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "{missing_count} missing {role} value(s) at row(s) {}; every row needs its {role}{}",
                examples(&missing, missing_count),
                if role == "cluster" {
                    " (a row alone is its own cluster: give it a unique value)"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(Clusters {
        column: name.to_string(),
        count: seen.len(),
        codes,
        names,
    })
}

/// Formats up to five examples and the total, e.g. `rows 3, 9 (2 in all)`.
pub(crate) fn examples<T: fmt::Display>(items: &[T], total: usize) -> String {
    let shown: Vec<String> = items.iter().take(5).map(|x| x.to_string()).collect();
    if total > shown.len() {
        format!("{} … ({total} in all)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Checks that scores read as probabilities lie in `[0, 1]`; `why` says which metric needs it.
pub fn check_unit_interval(
    scores: &[f64],
    path: &Path,
    column: &str,
    why: &str,
) -> Result<(), DataError> {
    let bad: Vec<usize> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| !(0.0..=1.0).contains(*s))
        .map(|(i, _)| i + 1)
        .take(5)
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let count = scores.iter().filter(|s| !(0.0..=1.0).contains(*s)).count();
    let first = scores[bad[0] - 1];
    Err(DataError::new(
        path,
        Some(column),
        format!(
            "{count} score(s) outside [0, 1] at row(s) {} (e.g. {first}); {why}: pass calibrated probabilities, or gate on ranking metrics (roc_auc, pr_auc) only",
            examples(&bad, count)
        ),
    ))
}
