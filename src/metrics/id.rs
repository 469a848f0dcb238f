//! Metric identifiers: `name` or `name(args)`, parsed, validated and printed canonically.
//!
//! The canonical string (`Display`) is what the JSON result and the report use, so
//! `recall_at_precision(0.90)` and `recall_at_precision(0.9)` name the same metric.

use std::fmt;
use std::str::FromStr;

use crate::task::Task;

/// Whether a larger value of a metric is better, worse, or neither (counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Larger is better (AUCs, recall, ...).
    HigherIsBetter,
    /// Smaller is better (losses, FPR, cost).
    LowerIsBetter,
    /// A descriptive count with no better direction (`rows`, `positives`, `prevalence`).
    Neutral,
}

/// The size of a top-k cut: a fraction of the total weight (`< 1`) or an absolute count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TopK {
    /// A fraction of all rows (of the total weight when weighted), `0 < f < 1`.
    Fraction(f64),
    /// A number of rows (of weight units when weighted), `>= 1`.
    Count(f64),
}

/// One metric the tool can compute. See docs/contract.md §4 for the definitions.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)] // variants are the metric ids of docs/contract.md §4, documented there and in the README
pub enum MetricId {
    RocAuc,
    PrAuc,
    LogLoss,
    Brier,
    Ece { bins: u32 },
    Precision,
    Recall,
    F1,
    FBeta { beta: f64 },
    Accuracy,
    BalancedAccuracy,
    Mcc,
    Specificity,
    Fpr,
    RecallAtPrecision(f64),
    PrecisionAtRecall(f64),
    RecallAtFpr(f64),
    PrecisionAtK(TopK),
    RecallAtK(TopK),
    LiftAtK(TopK),
    ExpectedCost { fp: f64, fn_: f64 },
    Rows,
    Positives,
    Prevalence,
    Psi { bins: u32 },
    Ks,
    JsDivergence { bins: u32 },
    Wasserstein,
    Churn,
    ChurnPositive,
    ChurnNegative,
    SkewMismatchRate,
    SkewMaxAbsDiff,
    SkewMissingRate,
    // task: regression (definitions in `metrics::regression`).
    Mae,
    Mse,
    Rmse,
    R2,
    Mape,
    MedianAbsoluteError,
    MaxError,
    ExplainedVariance,
    Pinball(f64),
    // task: multiclass (definitions in `metrics::multiclass`); `accuracy`,
    // `balanced_accuracy`, `mcc` and `log_loss` are shared with binary: the task decides.
    MacroF1,
    MicroF1,
    WeightedF1,
    MacroPrecision,
    MacroRecall,
    TopKAccuracy(u32),
    RocAucOvr,
    CohenKappa,
    // task: ranking (definitions in `metrics::ranking`); `recall_at_k(k)` and
    // `precision_at_k(k)` are shared with binary (a count k: the top k of each group).
    Ndcg(Option<u32>),
    Map(Option<u32>),
    Mrr,
}

/// Why a metric id could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseMetricError {
    /// The name is not one of the known metrics.
    #[error("unknown metric `{name}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        /// The name as written.
        name: String,
        /// The closest known name, if any is close.
        suggestion: Option<String>,
    },
    /// The arguments are missing, extra, malformed or out of range.
    #[error("metric `{id}`: {problem}; expected `{usage}`")]
    BadArgs {
        /// The id as written.
        id: String,
        /// What is wrong.
        problem: String,
        /// The accepted form.
        usage: &'static str,
    },
}

/// Every metric name with its usage string, in the order of docs/contract.md §4.
pub const NAMES: &[(&str, &str)] = &[
    ("roc_auc", "roc_auc"),
    ("pr_auc", "pr_auc"),
    ("log_loss", "log_loss"),
    ("brier", "brier"),
    ("ece", "ece or ece(bins), bins an integer >= 1"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("f1", "f1"),
    ("fbeta", "fbeta(beta), beta > 0"),
    ("accuracy", "accuracy"),
    ("balanced_accuracy", "balanced_accuracy"),
    ("mcc", "mcc"),
    ("specificity", "specificity"),
    ("fpr", "fpr"),
    ("recall_at_precision", "recall_at_precision(p), 0 < p <= 1"),
    ("precision_at_recall", "precision_at_recall(r), 0 < r <= 1"),
    ("recall_at_fpr", "recall_at_fpr(f), 0 <= f < 1"),
    (
        "precision_at_k",
        "precision_at_k(k), k a fraction in (0, 1) or a count >= 1",
    ),
    (
        "recall_at_k",
        "recall_at_k(k), k a fraction in (0, 1) or a count >= 1",
    ),
    (
        "lift_at_k",
        "lift_at_k(k), k a fraction in (0, 1) or a count >= 1",
    ),
    ("expected_cost", "expected_cost(fp, fn), costs >= 0"),
    ("rows", "rows"),
    ("positives", "positives"),
    ("prevalence", "prevalence"),
    (
        "psi",
        "psi or psi(bins), bins an integer from 2 to 1000 (default 10)",
    ),
    ("ks", "ks"),
    (
        "js_divergence",
        "js_divergence or js_divergence(bins), bins an integer from 2 to 1000 (default 10)",
    ),
    ("wasserstein", "wasserstein"),
    ("churn", "churn"),
    ("churn_positive", "churn_positive"),
    ("churn_negative", "churn_negative"),
    ("skew_mismatch_rate", "skew_mismatch_rate"),
    ("skew_max_abs_diff", "skew_max_abs_diff"),
    ("skew_missing_rate", "skew_missing_rate"),
    ("mae", "mae"),
    ("mse", "mse"),
    ("rmse", "rmse"),
    ("r2", "r2"),
    ("mape", "mape"),
    ("median_absolute_error", "median_absolute_error"),
    ("max_error", "max_error"),
    ("explained_variance", "explained_variance"),
    ("pinball", "pinball(q), 0 <= q <= 1"),
    ("macro_f1", "macro_f1"),
    ("micro_f1", "micro_f1"),
    ("weighted_f1", "weighted_f1"),
    ("macro_precision", "macro_precision"),
    ("macro_recall", "macro_recall"),
    ("top_k_accuracy", "top_k_accuracy(k), k an integer >= 1"),
    ("roc_auc_ovr", "roc_auc_ovr"),
    ("cohen_kappa", "cohen_kappa"),
    ("ndcg", "ndcg or ndcg(k), k an integer >= 1"),
    ("map", "map or map(k), k an integer >= 1"),
    ("mrr", "mrr"),
];

/// Most quantile bins of `psi(bins)` and `js_divergence(bins)`.
pub const MAX_DISTRIBUTION_BINS: u32 = 1000;

impl MetricId {
    /// The tasks whose configs may gate on this metric: a gate on a metric of another task
    /// is refused when the config is read (exit 2). `rows` describes any data set.
    pub fn tasks(&self) -> &'static [Task] {
        use MetricId::*;
        match self {
            Rows => &[
                Task::Binary,
                Task::Multiclass,
                Task::Regression,
                Task::Ranking,
            ],
            Mae | Mse | Rmse | R2 | Mape | MedianAbsoluteError | MaxError | ExplainedVariance
            | Pinball(_) => &[Task::Regression],
            Accuracy | BalancedAccuracy | Mcc | LogLoss => &[Task::Binary, Task::Multiclass],
            MacroF1 | MicroF1 | WeightedF1 | MacroPrecision | MacroRecall | TopKAccuracy(_)
            | RocAucOvr | CohenKappa => &[Task::Multiclass],
            PrecisionAtK(_) | RecallAtK(_) => &[Task::Binary, Task::Ranking],
            Ndcg(_) | Map(_) | Mrr => &[Task::Ranking],
            _ => &[Task::Binary],
        }
    }

    /// True when a config of `task` may gate on this metric.
    pub fn belongs_to(&self, task: Task) -> bool {
        self.tasks().contains(&task)
    }

    /// The default set of a task's metric table (the whole data set's rows of the report).
    pub fn default_set_for(task: Task) -> Vec<MetricId> {
        use MetricId::*;
        match task {
            Task::Binary => Self::default_set(),
            Task::Regression => vec![Rows, Mae, Mse, Rmse, R2],
            Task::Multiclass => vec![Rows, Accuracy, BalancedAccuracy, MacroF1, LogLoss],
            Task::Ranking => vec![Rows, Ndcg(Some(10)), Map(None), Mrr],
        }
    }

    /// The default set computed by `modelgate metrics` without `--metric` (docs/contract.md §4).
    /// `fbeta` needs a beta and `f1` is `fbeta(1)`, so it is left out of the set.
    pub fn default_set() -> Vec<MetricId> {
        use MetricId::*;
        vec![
            Rows,
            Positives,
            Prevalence,
            RocAuc,
            PrAuc,
            LogLoss,
            Brier,
            Ece { bins: 10 },
            Precision,
            Recall,
            F1,
            Accuracy,
            BalancedAccuracy,
            Mcc,
        ]
    }

    /// The bare name, without arguments.
    pub fn name(&self) -> &'static str {
        use MetricId::*;
        match self {
            RocAuc => "roc_auc",
            PrAuc => "pr_auc",
            LogLoss => "log_loss",
            Brier => "brier",
            Ece { .. } => "ece",
            Precision => "precision",
            Recall => "recall",
            F1 => "f1",
            FBeta { .. } => "fbeta",
            Accuracy => "accuracy",
            BalancedAccuracy => "balanced_accuracy",
            Mcc => "mcc",
            Specificity => "specificity",
            Fpr => "fpr",
            RecallAtPrecision(_) => "recall_at_precision",
            PrecisionAtRecall(_) => "precision_at_recall",
            RecallAtFpr(_) => "recall_at_fpr",
            PrecisionAtK(_) => "precision_at_k",
            RecallAtK(_) => "recall_at_k",
            LiftAtK(_) => "lift_at_k",
            ExpectedCost { .. } => "expected_cost",
            Rows => "rows",
            Positives => "positives",
            Prevalence => "prevalence",
            Psi { .. } => "psi",
            Ks => "ks",
            JsDivergence { .. } => "js_divergence",
            Wasserstein => "wasserstein",
            Churn => "churn",
            ChurnPositive => "churn_positive",
            ChurnNegative => "churn_negative",
            SkewMismatchRate => "skew_mismatch_rate",
            SkewMaxAbsDiff => "skew_max_abs_diff",
            SkewMissingRate => "skew_missing_rate",
            Mae => "mae",
            Mse => "mse",
            Rmse => "rmse",
            R2 => "r2",
            Mape => "mape",
            MedianAbsoluteError => "median_absolute_error",
            MaxError => "max_error",
            ExplainedVariance => "explained_variance",
            Pinball(_) => "pinball",
            MacroF1 => "macro_f1",
            MicroF1 => "micro_f1",
            WeightedF1 => "weighted_f1",
            MacroPrecision => "macro_precision",
            MacroRecall => "macro_recall",
            TopKAccuracy(_) => "top_k_accuracy",
            RocAucOvr => "roc_auc_ovr",
            CohenKappa => "cohen_kappa",
            Ndcg(_) => "ndcg",
            Map(_) => "map",
            Mrr => "mrr",
        }
    }

    /// Which way is better.
    pub fn direction(&self) -> Direction {
        use MetricId::*;
        match self {
            LogLoss | Brier | Ece { .. } | Fpr | ExpectedCost { .. } => Direction::LowerIsBetter,
            m if m.compares_models() || m.is_skew() => Direction::LowerIsBetter,
            Mae | Mse | Rmse | Mape | MedianAbsoluteError | MaxError | Pinball(_) => {
                Direction::LowerIsBetter
            }
            Rows | Positives | Prevalence => Direction::Neutral,
            _ => Direction::HigherIsBetter,
        }
    }

    /// True for metrics that read scores as probabilities and so need them in `[0, 1]`.
    pub fn needs_probabilities(&self) -> bool {
        matches!(
            self,
            MetricId::LogLoss | MetricId::Brier | MetricId::Ece { .. }
        )
    }

    /// True for metrics of the two models together rather than of one model: the
    /// distribution distances between the candidate's and the baseline's scores on the same
    /// rows, and decision churn. They need a baseline, have no baseline value and no delta,
    /// and are gated with `max:` (or `min:`) on their value.
    pub fn compares_models(&self) -> bool {
        use MetricId::*;
        matches!(
            self,
            Psi { .. }
                | Ks
                | JsDivergence { .. }
                | Wasserstein
                | Churn
                | ChurnPositive
                | ChurnNegative
        )
    }

    /// True for the training–serving skew metrics: computed per feature from the `skew:`
    /// files (offline and online features keyed by id), not from the predictions.
    pub fn is_skew(&self) -> bool {
        use MetricId::*;
        matches!(self, SkewMismatchRate | SkewMaxAbsDiff | SkewMissingRate)
    }

    /// True for the distribution distances (labels unused, rows counted unweighted).
    pub fn is_distribution(&self) -> bool {
        use MetricId::*;
        matches!(self, Psi { .. } | Ks | JsDivergence { .. } | Wasserstein)
    }

    /// True for metrics that depend on the decision threshold.
    pub fn uses_threshold(&self) -> bool {
        use MetricId::*;
        matches!(
            self,
            Precision
                | Recall
                | F1
                | FBeta { .. }
                | Accuracy
                | BalancedAccuracy
                | Mcc
                | Specificity
                | Fpr
                | ExpectedCost { .. }
        )
    }

    /// True for metrics that depend on the order of the scores (need the sorted rows).
    pub fn uses_ranking(&self) -> bool {
        use MetricId::*;
        matches!(
            self,
            RocAuc
                | PrAuc
                | RecallAtPrecision(_)
                | PrecisionAtRecall(_)
                | RecallAtFpr(_)
                | PrecisionAtK(_)
                | RecallAtK(_)
                | LiftAtK(_)
        )
    }
}

impl fmt::Display for TopK {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopK::Fraction(x) | TopK::Count(x) => write!(f, "{x}"),
        }
    }
}

impl fmt::Display for MetricId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MetricId::*;
        let name = self.name();
        match self {
            Ece { bins } | Psi { bins } | JsDivergence { bins } => write!(f, "{name}({bins})"),
            FBeta { beta } => write!(f, "{name}({beta})"),
            RecallAtPrecision(x) | PrecisionAtRecall(x) | RecallAtFpr(x) | Pinball(x) => {
                write!(f, "{name}({x})")
            }
            PrecisionAtK(k) | RecallAtK(k) | LiftAtK(k) => write!(f, "{name}({k})"),
            TopKAccuracy(k) | Ndcg(Some(k)) | Map(Some(k)) => write!(f, "{name}({k})"),
            ExpectedCost { fp, fn_ } => write!(f, "{name}({fp}, {fn_})"),
            _ => f.write_str(name),
        }
    }
}

impl FromStr for MetricId {
    type Err = ParseMetricError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        use MetricId::*;
        let text = raw.trim();
        let (name, args) = match text.find('(') {
            Some(open) => {
                let Some(inner) = text[open + 1..].strip_suffix(')') else {
                    return Err(bad(raw, "unbalanced parentheses", usage_of(&text[..open])));
                };
                (text[..open].trim(), Some(inner))
            }
            None => (text, None),
        };
        let Some(&(_, usage)) = NAMES.iter().find(|(n, _)| *n == name) else {
            return Err(ParseMetricError::Unknown {
                name: name.to_string(),
                suggestion: closest(name),
            });
        };
        let nums: Vec<f64> = match args {
            None => Vec::new(),
            Some(inner) => {
                let mut out = Vec::new();
                for part in inner.split(',') {
                    match part.trim().parse::<f64>() {
                        Ok(v) if v.is_finite() => out.push(v),
                        _ => {
                            return Err(bad(
                                raw,
                                &format!("`{}` is not a number", part.trim()),
                                usage,
                            ));
                        }
                    }
                }
                out
            }
        };
        let arity = |n: usize| -> Result<(), ParseMetricError> {
            if nums.len() == n {
                Ok(())
            } else {
                Err(bad(
                    raw,
                    &format!("takes {n} argument(s), got {}", nums.len()),
                    usage,
                ))
            }
        };
        let unit = |lo_open: bool, v: f64, hi_open: bool| -> Result<f64, ParseMetricError> {
            let ok_lo = if lo_open { v > 0.0 } else { v >= 0.0 };
            let ok_hi = if hi_open { v < 1.0 } else { v <= 1.0 };
            if ok_lo && ok_hi {
                Ok(v)
            } else {
                Err(bad(raw, &format!("{v} is out of range"), usage))
            }
        };
        let topk = |v: f64| -> Result<TopK, ParseMetricError> {
            if v > 0.0 && v < 1.0 {
                Ok(TopK::Fraction(v))
            } else if v >= 1.0 {
                Ok(TopK::Count(v))
            } else {
                Err(bad(raw, &format!("{v} is out of range"), usage))
            }
        };
        let id = match name {
            "ece" => {
                if nums.is_empty() {
                    Ece { bins: 10 }
                } else {
                    arity(1)?;
                    let b = nums[0];
                    if b < 1.0 || b.fract() != 0.0 || b > 1_000_000.0 {
                        return Err(bad(raw, &format!("{b} is not a bin count"), usage));
                    }
                    Ece { bins: b as u32 }
                }
            }
            "psi" | "js_divergence" => {
                let bins = if nums.is_empty() {
                    10
                } else {
                    arity(1)?;
                    let b = nums[0];
                    if b < 2.0 || b.fract() != 0.0 || b > f64::from(MAX_DISTRIBUTION_BINS) {
                        return Err(bad(raw, &format!("{b} is not a bin count"), usage));
                    }
                    b as u32
                };
                if name == "psi" {
                    Psi { bins }
                } else {
                    JsDivergence { bins }
                }
            }
            "fbeta" => {
                arity(1)?;
                if nums[0] <= 0.0 {
                    return Err(bad(raw, "beta must be > 0", usage));
                }
                FBeta { beta: nums[0] }
            }
            "recall_at_precision" => {
                arity(1)?;
                RecallAtPrecision(unit(true, nums[0], false)?)
            }
            "precision_at_recall" => {
                arity(1)?;
                PrecisionAtRecall(unit(true, nums[0], false)?)
            }
            "recall_at_fpr" => {
                arity(1)?;
                RecallAtFpr(unit(false, nums[0], true)?)
            }
            "precision_at_k" => {
                arity(1)?;
                PrecisionAtK(topk(nums[0])?)
            }
            "recall_at_k" => {
                arity(1)?;
                RecallAtK(topk(nums[0])?)
            }
            "lift_at_k" => {
                arity(1)?;
                LiftAtK(topk(nums[0])?)
            }
            "top_k_accuracy" | "ndcg" | "map" => {
                let k = if nums.is_empty() && name != "top_k_accuracy" {
                    None
                } else {
                    arity(1)?;
                    let k = nums[0];
                    if k < 1.0 || k.fract() != 0.0 || k > f64::from(u32::MAX) {
                        return Err(bad(raw, &format!("{k} is not a count >= 1"), usage));
                    }
                    Some(k as u32)
                };
                match (name, k) {
                    ("top_k_accuracy", Some(k)) => TopKAccuracy(k),
                    ("ndcg", k) => Ndcg(k),
                    (_, k) => Map(k),
                }
            }
            "pinball" => {
                arity(1)?;
                Pinball(unit(false, nums[0], false)?)
            }
            "expected_cost" => {
                arity(2)?;
                if nums[0] < 0.0 || nums[1] < 0.0 {
                    return Err(bad(raw, "costs must be >= 0", usage));
                }
                ExpectedCost {
                    fp: nums[0],
                    fn_: nums[1],
                }
            }
            simple => {
                if args.is_some() {
                    return Err(bad(raw, "takes no arguments", usage));
                }
                match simple {
                    "roc_auc" => RocAuc,
                    "pr_auc" => PrAuc,
                    "log_loss" => LogLoss,
                    "brier" => Brier,
                    "precision" => Precision,
                    "recall" => Recall,
                    "f1" => F1,
                    "accuracy" => Accuracy,
                    "balanced_accuracy" => BalancedAccuracy,
                    "mcc" => Mcc,
                    "specificity" => Specificity,
                    "fpr" => Fpr,
                    "rows" => Rows,
                    "positives" => Positives,
                    "prevalence" => Prevalence,
                    "ks" => Ks,
                    "wasserstein" => Wasserstein,
                    "churn" => Churn,
                    "skew_mismatch_rate" => SkewMismatchRate,
                    "skew_max_abs_diff" => SkewMaxAbsDiff,
                    "skew_missing_rate" => SkewMissingRate,
                    "churn_positive" => ChurnPositive,
                    "churn_negative" => ChurnNegative,
                    "mae" => Mae,
                    "mse" => Mse,
                    "rmse" => Rmse,
                    "r2" => R2,
                    "mape" => Mape,
                    "median_absolute_error" => MedianAbsoluteError,
                    "max_error" => MaxError,
                    "explained_variance" => ExplainedVariance,
                    "macro_f1" => MacroF1,
                    "micro_f1" => MicroF1,
                    "weighted_f1" => WeightedF1,
                    "macro_precision" => MacroPrecision,
                    "macro_recall" => MacroRecall,
                    "roc_auc_ovr" => RocAucOvr,
                    "cohen_kappa" => CohenKappa,
                    "mrr" => Mrr,
                    // Every name in NAMES with arguments is handled above.
                    other => return Err(bad(raw, &format!("`{other}` needs arguments"), usage)),
                }
            }
        };
        Ok(id)
    }
}

fn bad(raw: &str, problem: &str, usage: &'static str) -> ParseMetricError {
    ParseMetricError::BadArgs {
        id: raw.trim().to_string(),
        problem: problem.to_string(),
        usage,
    }
}

fn usage_of(name: &str) -> &'static str {
    NAMES
        .iter()
        .find(|(n, _)| *n == name.trim())
        .map(|(_, u)| *u)
        .unwrap_or("name or name(args)")
}

/// The known name closest to `name` by edit distance, when it is plausibly a typo.
fn closest(name: &str) -> Option<String> {
    NAMES
        .iter()
        .map(|(n, _)| (edit_distance(name, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_canonical_strings() {
        for s in [
            "roc_auc",
            "ece(10)",
            "fbeta(0.5)",
            "recall_at_precision(0.9)",
            "precision_at_k(0.01)",
            "recall_at_k(100)",
            "expected_cost(1, 10)",
        ] {
            let id: MetricId = s.parse().unwrap();
            assert_eq!(id.to_string(), s);
        }
        assert_eq!("ece".parse::<MetricId>().unwrap().to_string(), "ece(10)");
        assert_eq!(
            " recall_at_precision( 0.90 ) "
                .parse::<MetricId>()
                .unwrap()
                .to_string(),
            "recall_at_precision(0.9)"
        );
    }

    #[test]
    fn rejects_unknown_and_bad_args_with_help() {
        let e = "roc_acu".parse::<MetricId>().unwrap_err().to_string();
        assert!(e.contains("did you mean `roc_auc`"), "{e}");
        let e = "recall_at_precision(1.5)"
            .parse::<MetricId>()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("out of range") && e.contains("0 < p <= 1"),
            "{e}"
        );
        let e = "recall_at_precision"
            .parse::<MetricId>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("takes 1 argument"), "{e}");
        let e = "roc_auc(3)".parse::<MetricId>().unwrap_err().to_string();
        assert!(e.contains("takes no arguments"), "{e}");
        assert!("fbeta(x)".parse::<MetricId>().is_err());
        assert!("ece(2.5)".parse::<MetricId>().is_err());
        assert!("psi(1)".parse::<MetricId>().is_err());
        assert!("js_divergence(1001)".parse::<MetricId>().is_err());
        assert_eq!("psi".parse::<MetricId>().unwrap().to_string(), "psi(10)");
        assert_eq!(
            "js_divergence(20)".parse::<MetricId>().unwrap(),
            MetricId::JsDivergence { bins: 20 }
        );
        assert!("churn".parse::<MetricId>().unwrap().compares_models());
    }

    #[test]
    fn regression_ids_parse_belong_to_regression_and_point_the_right_way() {
        for s in [
            "mae",
            "mse",
            "rmse",
            "r2",
            "mape",
            "median_absolute_error",
            "max_error",
            "explained_variance",
            "pinball(0.9)",
        ] {
            let id: MetricId = s.parse().unwrap();
            assert_eq!(id.to_string(), s);
            assert!(
                id.belongs_to(Task::Regression) && !id.belongs_to(Task::Binary),
                "{s}"
            );
        }
        assert_eq!(MetricId::R2.direction(), Direction::HigherIsBetter);
        assert_eq!(
            MetricId::ExplainedVariance.direction(),
            Direction::HigherIsBetter
        );
        assert_eq!(MetricId::Pinball(0.5).direction(), Direction::LowerIsBetter);
        assert!("pinball".parse::<MetricId>().is_err());
        assert!("pinball(1.5)".parse::<MetricId>().is_err());
        assert!("mae(2)".parse::<MetricId>().is_err());
        assert!(MetricId::Rows.belongs_to(Task::Regression));
        assert!(!MetricId::RocAuc.belongs_to(Task::Regression));
    }

    #[test]
    fn multiclass_and_ranking_ids_parse_and_belong_to_their_tasks() {
        for (s, task) in [
            ("macro_f1", Task::Multiclass),
            ("micro_f1", Task::Multiclass),
            ("weighted_f1", Task::Multiclass),
            ("macro_precision", Task::Multiclass),
            ("macro_recall", Task::Multiclass),
            ("top_k_accuracy(3)", Task::Multiclass),
            ("roc_auc_ovr", Task::Multiclass),
            ("cohen_kappa", Task::Multiclass),
            ("ndcg(10)", Task::Ranking),
            ("ndcg", Task::Ranking),
            ("map(5)", Task::Ranking),
            ("map", Task::Ranking),
            ("mrr", Task::Ranking),
        ] {
            let id: MetricId = s.parse().unwrap();
            assert_eq!(id.to_string(), s);
            assert!(id.belongs_to(task) && !id.belongs_to(Task::Binary), "{s}");
            assert_eq!(id.direction(), Direction::HigherIsBetter, "{s}");
        }
        // Shared ids: the task decides the kernel.
        for s in ["accuracy", "balanced_accuracy", "mcc", "log_loss"] {
            let id: MetricId = s.parse().unwrap();
            assert!(id.belongs_to(Task::Binary) && id.belongs_to(Task::Multiclass));
        }
        for s in ["recall_at_k(10)", "precision_at_k(5)"] {
            let id: MetricId = s.parse().unwrap();
            assert!(id.belongs_to(Task::Binary) && id.belongs_to(Task::Ranking));
        }
        assert!("top_k_accuracy".parse::<MetricId>().is_err());
        assert!("top_k_accuracy(0)".parse::<MetricId>().is_err());
        assert!("ndcg(2.5)".parse::<MetricId>().is_err());
        assert!("mrr(3)".parse::<MetricId>().is_err());
    }

    #[test]
    fn default_set_is_contract_default() {
        let names: Vec<String> = MetricId::default_set()
            .iter()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "rows",
                "positives",
                "prevalence",
                "roc_auc",
                "pr_auc",
                "log_loss",
                "brier",
                "ece(10)",
                "precision",
                "recall",
                "f1",
                "accuracy",
                "balanced_accuracy",
                "mcc"
            ]
        );
    }
}
