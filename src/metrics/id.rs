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

/// One metric the tool can compute: its id in a config and in the JSON (docs/contract.md §4).
///
/// Each variant says, the way scikit-learn's API reference does: the definition, the edge
/// cases (ties, zero division, a missing class: where scikit-learn raises or returns NaN the
/// value is undefined, [`Undefined`](super::Undefined), and a gate skips the slice), the
/// function it equals and a reference. Notation: rows `i` with label `yᵢ ∈ {0, 1}`, score
/// `sᵢ` and sample weight `wᵢ` (1 unweighted); `P = Σ wᵢyᵢ`, `N = Σ wᵢ(1 − yᵢ)`, `W = P + N`;
/// at the config's threshold `t` a row is predicted positive iff `sᵢ ≥ t`, which gives the
/// weighted confusion matrix `TP, FP, FN, TN` ([`Confusion`](super::Confusion)). Every
/// binary metric is weighted when a weight column is given, and is undefined (`Empty`) when
/// `W = 0`. Golden values: `tests/golden/make_golden.py` (binary),
/// `tests/golden/distribution/make_golden.py`, `tests/golden/ks/make_golden.py`,
/// `tests/golden/regression/make_golden.py`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricId {
    /// `roc_auc`: area under the ROC curve, the probability that a random positive scores
    /// above a random negative, ties counted ½:
    /// `AUC = Σ_{i:yᵢ=1} Σ_{j:yⱼ=0} wᵢwⱼ (1[sᵢ > sⱼ] + ½·1[sᵢ = sⱼ]) / (P·N)` (trapezoids over
    /// one ROC point per distinct score).
    /// Edge cases: undefined without positives (`NoPositives`) or without negatives
    /// (`NoNegatives`), where scikit-learn raises "Only one class present".
    /// Equals `sklearn.metrics.roc_auc_score(y, s, sample_weight=w)`.
    /// Reference: Hanley & McNeil (1982), *Radiology* 143(1).
    RocAuc,
    /// `pr_auc`: average precision, the step-wise area under the precision–recall curve
    /// without interpolation: `AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ` over the thresholds `n` in descending
    /// score order, one step per distinct score (tied scores form one step).
    /// Edge cases: undefined without positives (`NoPositives`; scikit-learn warns that
    /// no positive sample is present and its value means nothing).
    /// Equals `sklearn.metrics.average_precision_score(y, s, sample_weight=w)`.
    /// Reference: Manning, Raghavan & Schütze, *Introduction to Information Retrieval*
    /// (2008), §8.4.
    PrAuc,
    /// `log_loss`: mean negative log-likelihood,
    /// `−Σ wᵢ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)] / W` with the probability of the true class
    /// clipped to `[ε, 1 − ε]`, `ε = 2.22e-16` (float64 eps).
    /// Edge cases: scores must lie in `[0, 1]` (otherwise exit 2 naming the rows); a single
    /// class is fine (defined).
    /// Equals `sklearn.metrics.log_loss(y, s, sample_weight=w, labels=[0, 1])`.
    /// Reference: Bishop, *Pattern Recognition and Machine Learning* (2006), §4.3.2.
    LogLoss,
    /// `brier`: mean squared error of the probability, `Σ wᵢ (yᵢ − pᵢ)² / W`.
    /// Edge cases: scores must lie in `[0, 1]`; a single class is fine.
    /// Equals `sklearn.metrics.brier_score_loss(y, s, sample_weight=w)`.
    /// Reference: Brier (1950), *Monthly Weather Review* 78(1).
    Brier,
    /// `ece(bins)`: expected calibration error on `bins` equal-width bins of `[0, 1]` (bin
    /// `b` holds `[b/bins, (b+1)/bins)`, a score of 1 the last bin):
    /// `ECE = Σ_b |Σ_{i∈b} wᵢ(yᵢ − pᵢ)| / W = Σ_b (W_b/W)·|ȳ_b − p̄_b|`; empty bins add 0.
    /// Edge cases: scores must lie in `[0, 1]`; `bins` defaults to 10.
    /// scikit-learn has no ECE; `sklearn.calibration.calibration_curve(strategy='uniform')`
    /// gives the per-bin means. Reference: Naeini, Cooper & Hauskrecht (2015), AAAI,
    /// "Obtaining well calibrated probabilities using Bayesian binning".
    Ece {
        /// Equal-width bins over `[0, 1]`, at least 1.
        bins: u32,
    },
    /// `precision`: `TP / (TP + FP)` at the threshold.
    /// Edge cases: 0 when nothing is predicted positive (`zero_division=0`).
    /// Equals `sklearn.metrics.precision_score(y, s >= t, sample_weight=w, zero_division=0)`.
    /// Reference: van Rijsbergen, *Information Retrieval* (1979), ch. 7.
    Precision,
    /// `recall` (sensitivity, true-positive rate): `TP / (TP + FN)` at the threshold.
    /// Edge cases: 0 without positives (`zero_division=0`).
    /// Equals `sklearn.metrics.recall_score(y, s >= t, sample_weight=w, zero_division=0)`.
    /// Reference: van Rijsbergen (1979), ch. 7.
    Recall,
    /// `f1`: harmonic mean of precision and recall, `2·TP / (2·TP + FP + FN)`.
    /// Edge cases: 0 when `2·TP + FP + FN = 0` (no positives and none predicted).
    /// Equals `sklearn.metrics.f1_score(y, s >= t, sample_weight=w, zero_division=0)`.
    /// Reference: van Rijsbergen (1979), ch. 7.
    F1,
    /// `fbeta(beta)`: `(1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP)`; β > 1 weighs recall more.
    /// Edge cases: 0 when the denominator is 0; `beta > 0`.
    /// Equals `sklearn.metrics.fbeta_score(y, s >= t, beta=β, sample_weight=w,
    /// zero_division=0)`. Reference: van Rijsbergen (1979), ch. 7.
    FBeta {
        /// β > 0.
        beta: f64,
    },
    /// `accuracy`: `(TP + TN) / W`.
    /// Edge cases: a single class is fine.
    /// Equals `sklearn.metrics.accuracy_score(y, s >= t, sample_weight=w)`.
    Accuracy,
    /// `balanced_accuracy`: the mean recall of the classes present,
    /// `½·(TP/(TP + FN) + TN/(TN + FP))`.
    /// Edge cases: with one class present it is that class's recall (scikit-learn drops the
    /// absent class from the mean and warns), not a mean with a 0.
    /// Equals `sklearn.metrics.balanced_accuracy_score(y, s >= t, sample_weight=w)`.
    /// Reference: Brodersen et al. (2010), ICPR, "The balanced accuracy and its posterior
    /// distribution".
    BalancedAccuracy,
    /// `mcc`: Matthews correlation coefficient,
    /// `(TP·TN − FP·FN) / √((TP + FP)(TP + FN)(TN + FP)(TN + FN))`, in `[−1, 1]`, computed
    /// with scikit-learn's covariance form so that rounding matches.
    /// Edge cases: 0 when the truth or the prediction has a single class (zero
    /// denominator).
    /// Equals `sklearn.metrics.matthews_corrcoef(y, s >= t, sample_weight=w)`.
    /// Reference: Matthews (1975), *Biochimica et Biophysica Acta* 405(2).
    Mcc,
    /// `specificity` (true-negative rate): `TN / (TN + FP)`.
    /// Edge cases: 0 without negatives (`zero_division=0`).
    /// Equals `sklearn.metrics.recall_score(y, s >= t, pos_label=0, sample_weight=w,
    /// zero_division=0)`.
    Specificity,
    /// `fpr` (false-positive rate, fall-out): `FP / (FP + TN)`; lower is better.
    /// Edge cases: 0 without negatives (not `1 − specificity`, which would be 1).
    /// Equals `1 − specificity` with negatives present; the `fpr` of
    /// `sklearn.metrics.roc_curve` at the threshold.
    Fpr,
    /// `recall_at_precision(p)`: the largest recall over all thresholds (one per distinct
    /// score) whose precision is at least `p`, `0 < p ≤ 1`.
    /// Edge cases: 0 when no threshold reaches precision `p`; undefined without positives
    /// (`NoPositives`).
    /// Equals `max(recall[precision >= p], default=0)` of
    /// `sklearn.metrics.precision_recall_curve(y, s, sample_weight=w)`.
    RecallAtPrecision(f64),
    /// `precision_at_recall(r)`: the largest precision over all thresholds whose recall is
    /// at least `r`, `0 < r ≤ 1` (recall 1 is always reached at the lowest threshold).
    /// Edge cases: undefined without positives (`NoPositives`).
    /// Equals `max(precision[recall >= r])` of `sklearn.metrics.precision_recall_curve`.
    PrecisionAtRecall(f64),
    /// `recall_at_fpr(f)`: the largest true-positive rate over all thresholds whose
    /// false-positive rate is at most `f`, `0 ≤ f < 1`.
    /// Edge cases: undefined without positives (`NoPositives`) or negatives
    /// (`NoNegatives`).
    /// Equals `max(tpr[fpr <= f])` of
    /// `sklearn.metrics.roc_curve(y, s, sample_weight=w, drop_intermediate=False)`.
    RecallAtFpr(f64),
    /// `precision_at_k(k)`: the positive share of the top `k` rows by score,
    /// `TP_k / K`, where `K = k·W` for a fraction `0 < k < 1` and `K = min(k, W)` for a count
    /// `k ≥ 1` (weight units when weighted).
    /// Edge cases (ties): a tie group straddling the cut counts pro rata (its positive weight
    /// times the share of the group inside the cut), so the value does not depend on row
    /// order. Defined without positives (0).
    /// scikit-learn has no equivalent for binary scores (`top_k_accuracy_score` is another
    /// metric); golden values from the brute-force definition in `tests/golden/make_golden.py`.
    /// Reference: Manning, Raghavan & Schütze (2008), §8.4 ("precision at k").
    PrecisionAtK(TopK),
    /// `recall_at_k(k)`: the share of the positive weight in the top `k`, `TP_k / P` (cut and
    /// ties as `precision_at_k`).
    /// Edge cases: undefined without positives (`NoPositives`).
    /// Golden values from the brute-force definition (no scikit-learn function).
    RecallAtK(TopK),
    /// `lift_at_k(k)`: precision in the top `k` over the prevalence,
    /// `(TP_k / K) / (P / W)` (cut and ties as `precision_at_k`); 1 = no better than random.
    /// Edge cases: undefined without positives (`NoPositives`).
    /// Golden values from the brute-force definition (no scikit-learn function).
    /// Reference: Ling & Li (1998), KDD, "Data mining for direct marketing".
    LiftAtK(TopK),
    /// `expected_cost(fp, fn)`: mean misclassification cost at the threshold,
    /// `(c_fp·FP + c_fn·FN) / W`, costs `≥ 0`; lower is better.
    /// Edge cases: a single class is fine.
    /// Equals `(c_fp·fp + c_fn·fn) / w.sum()` from
    /// `sklearn.metrics.confusion_matrix(y, s >= t, sample_weight=w).ravel()`.
    /// Reference: Elkan (2001), IJCAI, "The foundations of cost-sensitive learning".
    ExpectedCost {
        /// Cost of one false positive (per unit weight).
        fp: f64,
        /// Cost of one false negative (per unit weight).
        fn_: f64,
    },
    /// `rows`: the number of rows, `W` (the sum of the weights when weighted; under
    /// `weights: frequency` the rows the weights stand for). Any task. No better direction.
    Rows,
    /// `positives`: the positive weight `P`. No better direction.
    Positives,
    /// `prevalence`: the positive share `P / W`. No better direction.
    Prevalence,
    /// `psi(bins)`: population stability index of the candidate's scores (shares `pᵦ`)
    /// against the baseline's on the same rows (`qᵦ`), on `bins` quantile bins of the
    /// baseline (edges at its quantiles `i/bins`, numpy's linear interpolation, duplicate
    /// edges merged, bin of `x` = `#{edges ≤ x}`): `PSI = Σ_b (pᵦ − qᵦ)·ln(pᵦ/qᵦ)` with each
    /// share floored at 1e-4 so an empty bin stays finite.
    /// Edge cases: needs a baseline (or a reference); undefined when a sample is empty;
    /// heavy ties give fewer bins; counts rows (refused with a weight column).
    /// No scikit-learn function; golden values from numpy
    /// (`tests/golden/distribution/make_golden.py`). Reference: Yurdakul (2018),
    /// "Statistical properties of population stability index", Western Michigan University.
    Psi {
        /// Quantile bins of the baseline, 2 to 1000 (default 10).
        bins: u32,
    },
    /// `ks`: the two-sample Kolmogorov–Smirnov statistic of the candidate's and the
    /// baseline's scores, `D = sup_x |F_c(x) − F_b(x)|` with empirical CDFs
    /// `F(x) = #{s ≤ x}/n`; each result also carries the test's two-sided p-value
    /// ([`crate::stats::ks`]).
    /// Edge cases (ties): the CDFs step at every distinct value of either sample, so tied
    /// scores move together; undefined when a sample is empty; counts rows.
    /// Equals `scipy.stats.ks_2samp(c, b).statistic` (and `.pvalue`, `method='auto'`).
    /// Reference: Smirnov (1939); Hodges (1958), *Arkiv för Matematik* 3(43).
    Ks,
    /// `js_divergence(bins)`: Jensen–Shannon divergence in bits of the binned shares (bins
    /// as `psi`): `JS = ½ KL(p‖m) + ½ KL(q‖m)`, `m = (p + q)/2`, `0·log 0 = 0`, in `[0, 1]`.
    /// Edge cases: no floor needed (empty bins are fine); undefined when a sample is empty.
    /// Equals `scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2`.
    /// Reference: Lin (1991), *IEEE Trans. Information Theory* 37(1).
    JsDivergence {
        /// Quantile bins of the baseline, 2 to 1000 (default 10).
        bins: u32,
    },
    /// `wasserstein`: the 1-Wasserstein (earth mover's) distance of the two score samples,
    /// `∫ |F_c(x) − F_b(x)| dx`, in score units.
    /// Edge cases: undefined when a sample is empty; counts rows.
    /// Equals `scipy.stats.wasserstein_distance(c, b)`.
    /// Reference: Villani, *Optimal Transport* (2009), ch. 6.
    Wasserstein,
    /// `churn`: the share of rows whose decision flips between the models,
    /// `Σ wᵢ·1[(cᵢ ≥ t) ≠ (bᵢ ≥ t)] / W`.
    /// Edge cases: needs a baseline; weighted; undefined on zero weight.
    /// No library function (counted). Reference: Fard et al. (2016), "Launch and iterate:
    /// reducing prediction churn", NeurIPS.
    Churn,
    /// `churn_positive`: `churn` among the positive rows only.
    /// Edge cases: undefined without positives (`NoPositives`).
    ChurnPositive,
    /// `churn_negative`: `churn` among the negative rows only.
    /// Edge cases: undefined without negatives (`NoNegatives`).
    ChurnNegative,
    /// `skew_mismatch_rate`: per feature of `skew:`, mismatched / compared ids (compared =
    /// a value in both the offline and the online file; mismatched = different text, or
    /// `|offline − online| > tolerance` for numbers). See [`super::skew`].
    /// Edge cases: undefined when no id is compared (`NothingCompared`). Counted.
    SkewMismatchRate,
    /// `skew_max_abs_diff`: per numeric feature, `max |offline − online|` over the compared
    /// ids.
    /// Edge cases: undefined for a text feature (`NotNumeric`) or when nothing is compared.
    SkewMaxAbsDiff,
    /// `skew_missing_rate`: per feature, ids with a value in one file only / ids in either
    /// file (an id missing on both sides agrees). Counted.
    SkewMissingRate,
    /// `mae` (task: regression): mean absolute error `Σ wᵢ|yᵢ − pᵢ| / W`.
    /// Edge cases: undefined on zero weight (`Empty`).
    /// Equals `sklearn.metrics.mean_absolute_error(y, p, sample_weight=w)`; definitions in
    /// [`super::regression`].
    Mae,
    /// `mse`: mean squared error `Σ wᵢ(yᵢ − pᵢ)² / W`.
    /// Edge cases: undefined on zero weight; `NotFinite` when the squares overflow.
    /// Equals `sklearn.metrics.mean_squared_error(y, p, sample_weight=w)`.
    Mse,
    /// `rmse`: `√mse`.
    /// Edge cases: as `mse`.
    /// Equals `sklearn.metrics.root_mean_squared_error(y, p, sample_weight=w)`.
    Rmse,
    /// `r2`: coefficient of determination `1 − Σ wᵢ(yᵢ − pᵢ)² / Σ wᵢ(yᵢ − ȳ)²`.
    /// Edge cases: `force_finite` — a constant target gives 1 for perfect predictions and 0
    /// otherwise; undefined below two rows (`TooFew`, scikit-learn's NaN).
    /// Equals `sklearn.metrics.r2_score(y, p, sample_weight=w)`.
    R2,
    /// `mape`: mean absolute percentage error `Σ wᵢ |yᵢ − pᵢ| / max(|yᵢ|, ε) / W`,
    /// `ε = 2.22e-16` (a fraction, not %).
    /// Edge cases: a zero target gives a huge value, not an error (as scikit-learn).
    /// Equals `sklearn.metrics.mean_absolute_percentage_error(y, p, sample_weight=w)`.
    Mape,
    /// `median_absolute_error`: the (weighted) median of `|yᵢ − pᵢ|`.
    /// Edge cases (ties): weighted, scikit-learn's averaged inverted CDF (≥ 1.8); an even
    /// count averages the two middle values.
    /// Equals `sklearn.metrics.median_absolute_error(y, p, sample_weight=w)`.
    MedianAbsoluteError,
    /// `max_error`: `max |yᵢ − pᵢ|`.
    /// Edge cases: ignores weights (as scikit-learn): rows of zero weight still count, and
    /// it is undefined only without rows.
    /// Equals `sklearn.metrics.max_error(y, p)`.
    MaxError,
    /// `explained_variance`: `1 − Var_w(y − p) / Var_w(y)`.
    /// Edge cases: `force_finite` as `r2` for a constant target.
    /// Equals `sklearn.metrics.explained_variance_score(y, p, sample_weight=w)`.
    ExplainedVariance,
    /// `pinball(q)`: mean pinball (quantile) loss at level `q`, `0 ≤ q ≤ 1`:
    /// `Σ wᵢ ρ_q(yᵢ − pᵢ) / W` with `ρ_q(e) = q·e` for `e ≥ 0`, `−(1 − q)·e` otherwise.
    /// Edge cases: `pinball(0.5)` is half the MAE.
    /// Equals `sklearn.metrics.mean_pinball_loss(y, p, alpha=q, sample_weight=w)`.
    /// Reference: Koenker & Bassett (1978), *Econometrica* 46(1).
    Pinball(f64),
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
            // task: multiclass and ranking bring their own default sets.
            Task::Multiclass | Task::Ranking => vec![Rows],
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
