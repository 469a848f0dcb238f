//! Multiclass metrics, equal to scikit-learn 1.9's to 1e-9, from one weighted confusion matrix.
//!
//! Classes are dense codes `0..classes`. A model gives either a score per class (a
//! [`Scores`] matrix, e.g. `predict_proba`) or a predicted code per row. From scores the
//! predicted class is the arg-max, ties to the **lowest** code ([`argmax`]): numpy's
//! `argmax` returns the first maximum, which is what scikit-learn's `predict` does.
//!
//! One pass over the rows builds a weighted [`ConfusionMatrix`]; every label metric
//! (accuracy, balanced accuracy, the F1/precision/recall averages, MCC, Cohen's κ) is a
//! function of it. `log_loss` and `top_k_accuracy` are weighted means of a per-row value
//! ([`Prepared`] computes it once). `roc_auc_ovr` sorts each class's score column once
//! ([`Ranked::new`]) and reuses the binary streaming pass ([`evaluate`]).
//!
//! scikit-learn's label set (`labels=None`) is `unique_labels(y_true, y_pred)`: the classes
//! that occur in a row of the truth or of the prediction, whatever the row's weight. The
//! macro averages run over that set ([`ConfusionMatrix::present`]); a class that occurs
//! nowhere is not in it. `zero_division` is scikit-learn's default (`"warn"`, i.e. 0).
//!
//! The bootstrap reweights rows: [`Prepared::evaluate`] takes a per-row multiplier
//! (a Poisson count), and a row whose multiplier is 0 is absent from that replicate (it
//! then does not put its classes in the label set), so a replicate's value is exactly
//! scikit-learn's on the resampled rows. [`Prepared::evaluate_lanes`] does
//! [`LANES`] replicates per pass. Cost per replicate: O(n) for every metric (the per-row
//! pieces and the class sorts are computed once).
//!
//! References: scikit-learn `sklearn.metrics` (`_classification.py`, `_ranking.py`, 1.9);
//! Cohen (1960) "A coefficient of agreement for nominal scales"; Gorodkin (2004)
//! "Comparing two K-category assignments by a K-category correlation coefficient".

// Class and lane loops index several parallel arrays by the same class or lane.
#![allow(clippy::needless_range_loop)]

use super::{
    Confusion, LANES, MetricId, Plan, Ranked, SortedGroups, Ties, Undefined as BinaryUndefined,
};

/// Why a multiclass metric has no value on some rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Undefined {
    /// No rows, or zero total weight.
    #[error("no rows (or zero total weight)")]
    Empty,
    /// `roc_auc_ovr`: the class has no row of positive weight in the truth, so its
    /// one-vs-rest AUC (and the macro mean) is undefined; scikit-learn raises.
    #[error("class {class} is absent from the labels")]
    ClassAbsent {
        /// The absent class code.
        class: u32,
    },
    /// `roc_auc_ovr` and the one-vs-rest curves: every row of positive weight is this
    /// class, so "the rest" is empty.
    #[error("every row is class {class}: no other class to rank against")]
    OnlyClass {
        /// The only class with weight.
        class: u32,
    },
    /// `cohen_kappa`: the expected disagreement is 0 (truth and prediction share at most
    /// one class); scikit-learn returns `replace_undefined_by`, NaN by default.
    #[error("cohen's kappa is undefined: truth and prediction have one class in common")]
    NoDisagreement,
    /// Any other reason of the binary one-vs-rest kernel (none is expected on class
    /// columns; kept rather than mapped to a reason that would be wrong).
    #[error("{}", .0.reason())]
    Binary(BinaryUndefined),
}

/// Bad input to the kernels: a caller bug or unvalidated data, never a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// Fewer than two classes.
    #[error("a multiclass problem needs at least 2 classes, got {classes}")]
    TooFewClasses {
        /// Classes given.
        classes: usize,
    },
    /// Two inputs disagree in their number of rows.
    #[error("{what} has {got} rows, the labels have {rows}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Its number of rows.
        got: usize,
        /// The labels' number of rows.
        rows: usize,
    },
    /// A class code is not below the number of classes.
    #[error("row {row}: class code {code} is not below {classes}")]
    Code {
        /// Row index.
        row: usize,
        /// The code.
        code: u32,
        /// Number of classes.
        classes: usize,
    },
    /// A score is NaN.
    #[error("row {row}: the score of class {class} is NaN")]
    NanScore {
        /// Row index.
        row: usize,
        /// Class code.
        class: usize,
    },
    /// `log_loss` needs probabilities: scikit-learn raises outside `[0, 1]`.
    #[error("row {row}: the score of class {class} is {value}, not a probability in [0, 1]")]
    NotProbability {
        /// Row index.
        row: usize,
        /// Class code.
        class: usize,
        /// The value.
        value: f64,
    },
    /// A sample weight is negative, NaN or infinite.
    #[error("row {row}: weight {value} is not finite and >= 0")]
    Weight {
        /// Row index.
        row: usize,
        /// The weight.
        value: f64,
    },
    /// `top_k_accuracy(0)`: no class is ever in the top 0.
    #[error("top_k_accuracy needs k >= 1")]
    KZero,
    /// A metric needs class scores but only predicted codes were given.
    #[error("{metric} needs a score per class, and only predicted classes were given")]
    NeedsScores {
        /// The metric's id.
        metric: &'static str,
    },
}

/// A multiclass metric value, or why there is none.
pub type Value = Result<f64, Undefined>;

/// A multiclass metric (ids of issue 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `accuracy_score`.
    Accuracy,
    /// `balanced_accuracy_score`.
    BalancedAccuracy,
    /// `f1_score(average="macro")`.
    MacroF1,
    /// `f1_score(average="micro")`.
    MicroF1,
    /// `f1_score(average="weighted")`.
    WeightedF1,
    /// `precision_score(average="macro")`.
    MacroPrecision,
    /// `recall_score(average="macro")`.
    MacroRecall,
    /// `log_loss(labels=0..classes)`.
    LogLoss,
    /// `top_k_accuracy_score(k=k, labels=0..classes)`. With exactly 2 classes
    /// scikit-learn refuses a 2-column score matrix (it wants the positive column); here the
    /// same top-k rule applies (k = 1: the class with the higher score, class 1 on a tie).
    TopKAccuracy {
        /// How many top classes count as a hit (`>= 1`).
        k: u32,
    },
    /// `roc_auc_score(multi_class="ovr", average="macro")`.
    RocAucOvr,
    /// `matthews_corrcoef`.
    Mcc,
    /// `cohen_kappa_score` (unweighted).
    CohenKappa,
}

impl Metric {
    /// Every metric without a parameter, in the order of the issue.
    pub const PLAIN: [Metric; 11] = [
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::MacroF1,
        Metric::MicroF1,
        Metric::WeightedF1,
        Metric::MacroPrecision,
        Metric::MacroRecall,
        Metric::LogLoss,
        Metric::RocAucOvr,
        Metric::Mcc,
        Metric::CohenKappa,
    ];

    /// The id written in configs and JSON (`top_k_accuracy(3)`).
    pub fn name(&self) -> String {
        match self {
            Metric::TopKAccuracy { k } => format!("top_k_accuracy({k})"),
            other => other.base_name().to_string(),
        }
    }

    /// The id without its parameter.
    pub fn base_name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::MacroF1 => "macro_f1",
            Metric::MicroF1 => "micro_f1",
            Metric::WeightedF1 => "weighted_f1",
            Metric::MacroPrecision => "macro_precision",
            Metric::MacroRecall => "macro_recall",
            Metric::LogLoss => "log_loss",
            Metric::TopKAccuracy { .. } => "top_k_accuracy",
            Metric::RocAucOvr => "roc_auc_ovr",
            Metric::Mcc => "mcc",
            Metric::CohenKappa => "cohen_kappa",
        }
    }

    /// Parses an id (`"macro_f1"`, `"top_k_accuracy(3)"`); `None` when it is not one.
    pub fn parse(id: &str) -> Option<Metric> {
        let id = id.trim();
        if let Some(rest) = id.strip_prefix("top_k_accuracy(") {
            let k: u32 = rest.strip_suffix(')')?.trim().parse().ok()?;
            return (k >= 1).then_some(Metric::TopKAccuracy { k });
        }
        Metric::PLAIN.into_iter().find(|m| m.base_name() == id)
    }

    /// True when the metric needs a score per class (a prediction-only file cannot give it).
    pub fn needs_scores(&self) -> bool {
        matches!(
            self,
            Metric::LogLoss | Metric::TopKAccuracy { .. } | Metric::RocAucOvr
        )
    }

    /// True when a higher value is better (false for `log_loss`).
    pub fn higher_is_better(&self) -> bool {
        !matches!(self, Metric::LogLoss)
    }
}

/// A score per row and class.
#[derive(Debug, Clone, Copy)]
pub enum Scores<'a> {
    /// Row-major: the score of row `r`, class `c` is `values[r * classes + c]`.
    RowMajor {
        /// The values.
        values: &'a [f64],
        /// Number of classes (columns).
        classes: usize,
    },
    /// One column per class, each with a score per row.
    Columns(&'a [&'a [f64]]),
}

impl Scores<'_> {
    /// Number of classes.
    pub fn classes(&self) -> usize {
        match self {
            Scores::RowMajor { classes, .. } => *classes,
            Scores::Columns(cols) => cols.len(),
        }
    }

    /// Number of rows (0 for a row-major matrix without classes).
    pub fn rows(&self) -> usize {
        match self {
            Scores::RowMajor { values, classes } => values.len().checked_div(*classes).unwrap_or(0),
            Scores::Columns(cols) => cols.first().map_or(0, |c| c.len()),
        }
    }

    /// The score of `row` for `class` (caller keeps both in range).
    #[inline]
    pub fn get(&self, row: usize, class: usize) -> f64 {
        match self {
            Scores::RowMajor { values, classes } => values[row * classes + class],
            Scores::Columns(cols) => cols[class][row],
        }
    }

    /// Checks shape against `rows` × `classes` and that no score is NaN.
    fn check(&self, rows: usize, classes: usize) -> Result<(), InputError> {
        if self.classes() != classes {
            return Err(InputError::Length {
                what: "the score matrix's classes",
                got: self.classes(),
                rows: classes,
            });
        }
        match self {
            Scores::RowMajor { values, .. } => {
                if values.len() != rows * classes {
                    return Err(InputError::Length {
                        what: "the score matrix",
                        got: values.len() / classes.max(1),
                        rows,
                    });
                }
            }
            Scores::Columns(cols) => {
                if let Some(c) = cols.iter().find(|c| c.len() != rows) {
                    return Err(InputError::Length {
                        what: "a score column",
                        got: c.len(),
                        rows,
                    });
                }
            }
        }
        for r in 0..rows {
            for c in 0..classes {
                if self.get(r, c).is_nan() {
                    return Err(InputError::NanScore { row: r, class: c });
                }
            }
        }
        Ok(())
    }
}

/// The predicted class of each row: the arg-max of its scores, ties to the lowest code
/// (numpy's `argmax`, hence scikit-learn's `predict`). Scores must not be NaN.
pub fn argmax(scores: &Scores<'_>) -> Vec<u32> {
    let k = scores.classes();
    (0..scores.rows())
        .map(|r| {
            let mut best = 0usize;
            let mut top = scores.get(r, 0);
            for c in 1..k {
                let s = scores.get(r, c);
                if s > top {
                    top = s;
                    best = c;
                }
            }
            best as u32
        })
        .collect()
}

/// Whether `truth` is among the `k` top-scored classes of a row, with scikit-learn's tie
/// rule: `top_k_accuracy_score` ranks classes by `argsort(y_score, kind="mergesort")[::-1]`,
/// a stable ascending sort reversed, so among equal scores the **higher** class code ranks
/// first. The truth class `t` is a hit iff
/// `#{c : s_c > s_t} + #{c > t : s_c = s_t} < k`.
#[inline]
pub fn top_k_hit(scores: &Scores<'_>, row: usize, truth: u32, k: u32) -> bool {
    let t = truth as usize;
    let st = scores.get(row, t);
    let mut ahead = 0u32;
    for c in 0..scores.classes() {
        let s = scores.get(row, c);
        if s > st || (s == st && c > t) {
            ahead += 1;
        }
    }
    ahead < k
}

/// scikit-learn's clipping bound for float64 log loss: `np.finfo(float64).eps`.
pub const LOG_LOSS_EPS: f64 = f64::EPSILON;

/// The log loss of one row: `−ln(clip(p_truth, ε, 1 − ε))`, ε = 2⁻⁵² (scikit-learn 1.9's
/// `_log_loss`: it clips every probability to `[eps, 1 − eps]` with the dtype's machine
/// epsilon and does **not** renormalise rows that do not sum to 1; it only warns).
#[inline]
pub fn log_loss_row(p_truth: f64) -> f64 {
    -p_truth.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS).ln()
}

/// A weighted `classes × classes` confusion matrix, truth-major (scikit-learn's
/// `confusion_matrix(y_true, y_pred, sample_weight=w)`: `C[t][p]` sums the weights of rows
/// of class `t` predicted `p`), plus which classes occur in the truth or the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    classes: usize,
    cells: Vec<f64>,
    present: Vec<bool>,
}

impl ConfusionMatrix {
    /// An empty matrix.
    pub fn new(classes: usize) -> ConfusionMatrix {
        ConfusionMatrix {
            classes,
            cells: vec![0.0; classes * classes],
            present: vec![false; classes],
        }
    }

    /// Adds one row of class `truth` predicted `pred` with weight `w` (both classes become
    /// present, whatever `w`). Codes must be `< classes`.
    #[inline]
    pub fn add(&mut self, truth: u32, pred: u32, w: f64) {
        let (t, p) = (truth as usize, pred as usize);
        self.cells[t * self.classes + p] += w;
        self.present[t] = true;
        self.present[p] = true;
    }

    /// Builds the matrix in one pass, validating codes and weights.
    pub fn from_codes(
        classes: usize,
        truth: &[u32],
        pred: &[u32],
        weight: Option<&[f64]>,
    ) -> Result<ConfusionMatrix, InputError> {
        check_rows(classes, truth, weight)?;
        check_codes(classes, pred, truth.len(), "the predictions")?;
        let mut m = ConfusionMatrix::new(classes);
        for (i, (&t, &p)) in truth.iter().zip(pred).enumerate() {
            m.add(t, p, weight.map_or(1.0, |w| w[i]));
        }
        Ok(m)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// `C[truth][pred]`.
    pub fn cell(&self, truth: usize, pred: usize) -> f64 {
        self.cells[truth * self.classes + pred]
    }

    /// Whether class `c` occurs in a row of the truth or the prediction (scikit-learn's
    /// `unique_labels(y_true, y_pred)`).
    pub fn present(&self, c: usize) -> bool {
        self.present[c]
    }

    /// Total weight.
    pub fn total(&self) -> f64 {
        self.cells.iter().sum()
    }

    /// Per class: (true positives, weight predicted as the class, weight truly the class),
    /// i.e. the diagonal, column sums and row sums.
    fn sums(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let k = self.classes;
        let mut tp = vec![0.0; k];
        let mut pred = vec![0.0; k];
        let mut truth = vec![0.0; k];
        for t in 0..k {
            for p in 0..k {
                let v = self.cells[t * k + p];
                truth[t] += v;
                pred[p] += v;
            }
            tp[t] = self.cells[t * k + t];
        }
        (tp, pred, truth)
    }

    /// Class `c` against the rest as a binary [`Confusion`]: TP = `C[c][c]`,
    /// FP = column sum − TP, FN = row sum − TP, TN = the remainder. Its precision, recall
    /// and F1 are scikit-learn's `precision_recall_fscore_support(average=None)[c]`.
    pub fn one_vs_rest(&self, c: usize) -> Confusion {
        let k = self.classes;
        let tp = self.cells[c * k + c];
        let row: f64 = self.cells[c * k..(c + 1) * k].iter().sum();
        let col: f64 = (0..k).map(|t| self.cells[t * k + c]).sum();
        let total = self.total();
        Confusion {
            tp,
            fp: col - tp,
            fn_: row - tp,
            tn: total - row - col + tp,
        }
    }

    fn defined(&self, v: f64) -> Value {
        if self.total() == 0.0 {
            Err(Undefined::Empty)
        } else {
            Ok(v)
        }
    }

    /// `accuracy_score`: Σ_c C\[c\]\[c\] / Σ C. `Empty` on zero total weight.
    pub fn accuracy(&self) -> Value {
        let (tp, _, _) = self.sums();
        let total = self.total();
        if total == 0.0 {
            return Err(Undefined::Empty);
        }
        Ok(tp.iter().sum::<f64>() / total)
    }

    /// `balanced_accuracy_score` (`adjusted=False`): the mean over classes with nonzero true
    /// weight of their recall C\[c\]\[c\] / Σ_p C\[c\]\[p\]. As scikit-learn (which drops the NaN
    /// recalls of classes only predicted), classes without true weight are left out.
    /// `Empty` when no class has true weight.
    pub fn balanced_accuracy(&self) -> Value {
        let (tp, _, truth) = self.sums();
        let (mut sum, mut n) = (0.0, 0usize);
        for c in 0..self.classes {
            if truth[c] != 0.0 {
                sum += tp[c] / truth[c];
                n += 1;
            }
        }
        if n == 0 {
            return Err(Undefined::Empty);
        }
        Ok(sum / n as f64)
    }

    /// Per present class: precision TP/(TP+FP), recall TP/(TP+FN) and
    /// F1 = 2·TP/(2·TP + FN + FP) (scikit-learn's form `(1+β²)TP / (β²·true + pred)`), each
    /// 0 when its denominator is 0 (`zero_division="warn"` → 0); and the true weight.
    fn per_class(&self) -> Vec<[f64; 4]> {
        let (tp, pred, truth) = self.sums();
        let div = |n: f64, d: f64| if d == 0.0 { 0.0 } else { n / d };
        (0..self.classes)
            .filter(|&c| self.present[c])
            .map(|c| {
                [
                    div(tp[c], pred[c]),
                    div(tp[c], truth[c]),
                    div(2.0 * tp[c], truth[c] + pred[c]),
                    truth[c],
                ]
            })
            .collect()
    }

    /// The unweighted mean of `per_class()[..][field]` over present classes.
    fn macro_mean(&self, field: usize) -> Value {
        let per = self.per_class();
        if per.is_empty() || self.total() == 0.0 {
            return Err(Undefined::Empty);
        }
        Ok(per.iter().map(|v| v[field]).sum::<f64>() / per.len() as f64)
    }

    /// `precision_score(average="macro")`: (1/|L|) Σ_{c∈L} TP_c/(TP_c+FP_c), L the present
    /// classes; a class never predicted contributes 0. `Empty` on zero total weight.
    pub fn macro_precision(&self) -> Value {
        self.macro_mean(0)
    }

    /// `recall_score(average="macro")`: (1/|L|) Σ_{c∈L} TP_c/(TP_c+FN_c); a class that is
    /// predicted but absent from the truth contributes 0. `Empty` on zero total weight.
    pub fn macro_recall(&self) -> Value {
        self.macro_mean(1)
    }

    /// `f1_score(average="macro")`: (1/|L|) Σ_{c∈L} 2TP_c/(2TP_c+FP_c+FN_c), 0 for a class
    /// whose denominator is 0 (the mean of per-class F1, not the F1 of the mean precision
    /// and recall). `Empty` on zero total weight.
    pub fn macro_f1(&self) -> Value {
        self.macro_mean(2)
    }

    /// `f1_score(average="micro")`: 2ΣTP/(2ΣTP+ΣFP+ΣFN) over present classes, which for
    /// single-label multiclass equals the accuracy. `Empty` on zero total weight.
    pub fn micro_f1(&self) -> Value {
        let (tp, pred, truth) = self.sums();
        let (mut t, mut p, mut s) = (0.0, 0.0, 0.0);
        for c in (0..self.classes).filter(|&c| self.present[c]) {
            t += tp[c];
            p += pred[c];
            s += truth[c];
        }
        let d = s + p;
        self.defined(if d == 0.0 { 0.0 } else { 2.0 * t / d })
    }

    /// `f1_score(average="weighted")`: Σ_c w_c·F1_c / Σ_c w_c with w_c the true weight of
    /// class c (its support). When every support is 0 scikit-learn's `_nanaverage` falls
    /// back to the unweighted mean; that only happens at zero total weight (`Empty`).
    pub fn weighted_f1(&self) -> Value {
        let per = self.per_class();
        let support: f64 = per.iter().map(|v| v[3]).sum();
        if support == 0.0 {
            return Err(Undefined::Empty);
        }
        Ok(per.iter().map(|v| v[2] * v[3]).sum::<f64>() / support)
    }

    /// `matthews_corrcoef` (Gorodkin's K-category form, scikit-learn's formula so rounding
    /// matches): with t = row sums, p = column sums, s = Σ C, c = trace,
    /// MCC = (c·s − t·p) / √((s² − p·p)(s² − t·t)); 0 when the denominator is 0 (one class
    /// in the truth or in the prediction). `Empty` on zero total weight.
    pub fn mcc(&self) -> Value {
        let (tp, pred, truth) = self.sums();
        let n_correct: f64 = tp.iter().sum();
        let n: f64 = pred.iter().sum();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let cov_ytyp = n_correct * n - dot(&truth, &pred);
        let cov_ypyp = n * n - dot(&pred, &pred);
        let cov_ytyt = n * n - dot(&truth, &truth);
        let both = cov_ypyp * cov_ytyt;
        self.defined(if both == 0.0 {
            0.0
        } else {
            cov_ytyp / both.sqrt()
        })
    }

    /// `cohen_kappa_score` (unweighted): κ = 1 − Σ_{i≠j} C_ij / Σ_{i≠j} E_ij with
    /// E = outer(column sums, row sums) / Σ C, scikit-learn's computation. `Empty` on zero
    /// total weight, `NoDisagreement` when Σ_{i≠j} E_ij = 0 (scikit-learn returns NaN).
    pub fn cohen_kappa(&self) -> Value {
        let (_, pred, truth) = self.sums();
        let k = self.classes;
        let total: f64 = pred.iter().sum();
        if total == 0.0 {
            return Err(Undefined::Empty);
        }
        // scikit-learn: expected = outer(sum0, sum1) / sum(sum0), sum0 = column sums
        // (axis 0), sum1 = row sums; both matrices weighted by 1 − I.
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..k {
            for j in 0..k {
                if i != j {
                    num += self.cells[i * k + j];
                    den += pred[i] * truth[j] / total;
                }
            }
        }
        if den == 0.0 {
            return Err(Undefined::NoDisagreement);
        }
        Ok(1.0 - num / den)
    }

    /// The value of a confusion-matrix metric; `None` for `log_loss`, `top_k_accuracy` and
    /// `roc_auc_ovr`, which need scores.
    pub fn metric(&self, m: Metric) -> Option<Value> {
        Some(match m {
            Metric::Accuracy => self.accuracy(),
            Metric::BalancedAccuracy => self.balanced_accuracy(),
            Metric::MacroF1 => self.macro_f1(),
            Metric::MicroF1 => self.micro_f1(),
            Metric::WeightedF1 => self.weighted_f1(),
            Metric::MacroPrecision => self.macro_precision(),
            Metric::MacroRecall => self.macro_recall(),
            Metric::Mcc => self.mcc(),
            Metric::CohenKappa => self.cohen_kappa(),
            Metric::LogLoss | Metric::TopKAccuracy { .. } | Metric::RocAucOvr => return None,
        })
    }
}

fn check_codes(
    classes: usize,
    codes: &[u32],
    rows: usize,
    what: &'static str,
) -> Result<(), InputError> {
    if codes.len() != rows {
        return Err(InputError::Length {
            what,
            got: codes.len(),
            rows,
        });
    }
    match codes.iter().position(|&c| c as usize >= classes) {
        Some(row) => Err(InputError::Code {
            row,
            code: codes[row],
            classes,
        }),
        None => Ok(()),
    }
}

fn check_rows(classes: usize, truth: &[u32], weight: Option<&[f64]>) -> Result<(), InputError> {
    if classes < 2 {
        return Err(InputError::TooFewClasses { classes });
    }
    check_codes(classes, truth, truth.len(), "the labels")?;
    if let Some(w) = weight {
        if w.len() != truth.len() {
            return Err(InputError::Length {
                what: "the weights",
                got: w.len(),
                rows: truth.len(),
            });
        }
        if let Some(row) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(InputError::Weight { row, value: w[row] });
        }
    }
    Ok(())
}

/// What a model gave per row.
#[derive(Debug, Clone, Copy)]
pub enum Outputs<'a> {
    /// A score per class; the prediction is the [`argmax`].
    Scores(Scores<'a>),
    /// Only a predicted class per row (scores-only metrics refuse: [`InputError::NeedsScores`]).
    Predicted(&'a [u32]),
}

/// One model's rows prepared for a set of metrics: the predicted codes, the per-row log loss
/// and top-k hits, and one sort per class for `roc_auc_ovr` — computed once, so each
/// evaluation (a point estimate or a bootstrap replicate) is one O(n) pass.
#[derive(Debug, Clone)]
pub struct Prepared {
    classes: usize,
    truth: Vec<u32>,
    pred: Vec<u32>,
    weight: Option<Vec<f64>>,
    /// Per row, −ln(clip(p_truth)), when `log_loss` is asked for.
    log_loss: Option<Vec<f64>>,
    /// Per asked k, per row whether the truth is in the top k.
    top_k: Vec<(u32, Vec<bool>)>,
    /// Per class, its score column ranked with "is this class" as the positive label, and
    /// that ranking's tie structure (for the eight-replicate pass).
    ovr: Option<Vec<(Ranked, Ties)>>,
}

impl Prepared {
    /// Validates the rows and precomputes what `metrics` need.
    ///
    /// Errors: [`InputError`] for codes out of range, mismatched lengths, NaN scores, bad
    /// weights, `k = 0`, scores outside `[0, 1]` when `log_loss` is asked for, or a
    /// scores-only metric on predicted codes.
    pub fn new(
        classes: usize,
        truth: &[u32],
        outputs: Outputs<'_>,
        weight: Option<&[f64]>,
        metrics: &[Metric],
    ) -> Result<Prepared, InputError> {
        check_rows(classes, truth, weight)?;
        let n = truth.len();
        let scores = match outputs {
            Outputs::Scores(s) => {
                s.check(n, classes)?;
                Some(s)
            }
            Outputs::Predicted(p) => {
                check_codes(classes, p, n, "the predictions")?;
                if let Some(m) = metrics.iter().find(|m| m.needs_scores()) {
                    return Err(InputError::NeedsScores {
                        metric: m.base_name(),
                    });
                }
                None
            }
        };
        let pred = match (outputs, scores) {
            (Outputs::Predicted(p), _) => p.to_vec(),
            (_, Some(s)) => argmax(&s),
            (Outputs::Scores(_), None) => unreachable!("scores were just checked"),
        };
        let mut prepared = Prepared {
            classes,
            truth: truth.to_vec(),
            pred,
            weight: weight.map(<[f64]>::to_vec),
            log_loss: None,
            top_k: Vec::new(),
            ovr: None,
        };
        let Some(s) = scores else {
            return Ok(prepared);
        };
        for m in metrics {
            match *m {
                Metric::LogLoss if prepared.log_loss.is_none() => {
                    for r in 0..n {
                        for c in 0..classes {
                            let v = s.get(r, c);
                            if !(0.0..=1.0).contains(&v) {
                                return Err(InputError::NotProbability {
                                    row: r,
                                    class: c,
                                    value: v,
                                });
                            }
                        }
                    }
                    prepared.log_loss = Some(
                        (0..n)
                            .map(|r| log_loss_row(s.get(r, truth[r] as usize)))
                            .collect(),
                    );
                }
                Metric::TopKAccuracy { k } => {
                    if k == 0 {
                        return Err(InputError::KZero);
                    }
                    if !prepared.top_k.iter().any(|(kk, _)| *kk == k) {
                        let hits = (0..n).map(|r| top_k_hit(&s, r, truth[r], k)).collect();
                        prepared.top_k.push((k, hits));
                    }
                }
                Metric::RocAucOvr if prepared.ovr.is_none() => {
                    prepared.ovr = Some(
                        one_vs_rest_rankings(&s, truth, weight)
                            .into_iter()
                            .map(|r| {
                                let t = Ties::new(&r, SortedGroups::ALL);
                                (r, t)
                            })
                            .collect(),
                    );
                }
                _ => {}
            }
        }
        Ok(prepared)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.truth.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.truth.is_empty()
    }

    /// The predicted class per row (the arg-max of the scores, or the given codes).
    pub fn predicted(&self) -> &[u32] {
        &self.pred
    }

    /// The weighted confusion matrix, each row's weight times `reweight(row)`; a row with
    /// multiplier 0 is absent (its classes do not join the label set).
    pub fn confusion<R: Fn(u32) -> f64>(&self, reweight: R) -> ConfusionMatrix {
        let mut m = ConfusionMatrix::new(self.classes);
        for (i, (&t, &p)) in self.truth.iter().zip(&self.pred).enumerate() {
            let r = reweight(i as u32);
            if r != 0.0 {
                m.add(t, p, r * self.w(i));
            }
        }
        m
    }

    #[inline]
    fn w(&self, i: usize) -> f64 {
        self.weight.as_ref().map_or(1.0, |w| w[i])
    }

    /// Σ wᵢ·rᵢ·xᵢ / Σ wᵢ·rᵢ (`np.average(x, weights=w)`); `Empty` on zero weight.
    fn mean<R: Fn(u32) -> f64>(&self, x: impl Fn(usize) -> f64, reweight: &R) -> Value {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..self.truth.len() {
            let w = reweight(i as u32) * self.w(i);
            num += w * x(i);
            den += w;
        }
        if den == 0.0 {
            Err(Undefined::Empty)
        } else {
            Ok(num / den)
        }
    }

    /// The value of `metric` with each row's weight multiplied by `reweight(row)` (1 for
    /// the point estimate, a Poisson count in the bootstrap).
    ///
    /// - label metrics: see [`ConfusionMatrix`];
    /// - `log_loss`: Σ w·(−ln clip(p_truth)) / Σ w (scikit-learn 1.9, `normalize=True`);
    /// - `top_k_accuracy(k)`: Σ w·hit / Σ w with the tie rule of [`top_k_hit`]; k ≥ the
    ///   number of classes makes every row a hit (scikit-learn warns and returns 1);
    /// - `roc_auc_ovr`: (1/K) Σ_c AUC(class c vs rest, column c), each AUC scikit-learn's
    ///   weighted `roc_auc_score`; `ClassAbsent` if a class has no true weight, `OnlyClass`
    ///   if a single class has all of it. scikit-learn also requires each score row to sum
    ///   to 1 and raises otherwise; this does not check it (the AUC is defined for any
    ///   scores) and equals scikit-learn's wherever scikit-learn gives a value.
    ///
    /// # Panics
    /// If `metric` was not among those given to [`Prepared::new`] and needs precomputation
    /// (a caller bug).
    pub fn evaluate<R: Fn(u32) -> f64>(&self, metric: Metric, reweight: R) -> Value {
        match metric {
            Metric::LogLoss => {
                let loss = self.log_loss.as_ref().expect("log_loss was prepared");
                self.mean(|i| loss[i], &reweight)
            }
            Metric::TopKAccuracy { k } => {
                let hits = self.top_k(k);
                self.mean(|i| f64::from(u8::from(hits[i])), &reweight)
            }
            Metric::RocAucOvr => {
                let ovr = self.ovr.as_ref().expect("roc_auc_ovr was prepared");
                let mut sum = 0.0;
                for (c, (ranked, _)) in ovr.iter().enumerate() {
                    sum += one_vs_rest_ranked(ranked, c, &[MetricId::RocAuc], &reweight)[0]?;
                }
                Ok(sum / ovr.len() as f64)
            }
            label => self
                .confusion(reweight)
                .metric(label)
                .expect("a confusion-matrix metric"),
        }
    }

    /// `roc_auc_ovr` in the [`LANES`] reweightings: per class one pass over its sort
    /// ([`evaluate_lanes`](super::evaluate_lanes), eight replicates at once, counts
    /// recomputed from the row so the pass reads memory in order).
    fn roc_auc_ovr_lanes<C: Fn(u32) -> [u8; LANES]>(&self, counts: &C) -> [Value; LANES] {
        let ovr = self.ovr.as_ref().expect("roc_auc_ovr was prepared");
        let plan = Plan {
            metrics: vec![MetricId::RocAuc],
            threshold: 0.5,
        };
        let mut sum = [Ok(0.0); LANES];
        for (c, (ranked, ties)) in ovr.iter().enumerate() {
            let w = ranked.weight.as_deref();
            let values = super::evaluate_lanes(
                ranked,
                SortedGroups::ALL,
                ties,
                &plan,
                &[[(0.0, 0.0); LANES]],
                |pos, row, _, _| {
                    let k = counts(row);
                    let sw = w.map_or(1.0, |w| w[pos]);
                    std::array::from_fn(|l| sw * f64::from(k[l]))
                },
            );
            for l in 0..LANES {
                sum[l] = match (sum[l], values[l]) {
                    (Ok(a), Ok(b)) => Ok(a + b),
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(u)) => Err(class_undefined(c, u)),
                };
            }
        }
        sum.map(|v| v.map(|s| s / ovr.len() as f64))
    }

    fn top_k(&self, k: u32) -> &[bool] {
        &self
            .top_k
            .iter()
            .find(|(kk, _)| *kk == k)
            .expect("top_k_accuracy(k) was prepared")
            .1
    }

    /// [`LANES`] replicates at once: `counts(row)` gives the row's multiplier in each lane
    /// (e.g. [`crate::stats::resample::counts`]). One pass builds a confusion matrix per
    /// lane (and the weighted sums of the per-row metrics); `roc_auc_ovr` walks each class's
    /// sort once per lane. Values equal [`Prepared::evaluate`] with the lane's multipliers.
    pub fn evaluate_lanes<C: Fn(u32) -> [u8; LANES]>(
        &self,
        metrics: &[Metric],
        counts: C,
    ) -> Vec<[Value; LANES]> {
        let label = metrics.iter().any(|m| m.uses_confusion());
        let mut mats: Vec<ConfusionMatrix> = if label {
            vec![ConfusionMatrix::new(self.classes); LANES]
        } else {
            Vec::new()
        };
        // Weighted sums per lane: total weight, log loss, and one per asked k.
        let mut den = [0.0f64; LANES];
        let mut ll = [0.0f64; LANES];
        let ks: Vec<u32> = metrics
            .iter()
            .filter_map(|m| match m {
                Metric::TopKAccuracy { k } => Some(*k),
                _ => None,
            })
            .collect();
        let hits: Vec<&[bool]> = ks.iter().map(|&k| self.top_k(k)).collect();
        let mut topk = vec![[0.0f64; LANES]; ks.len()];
        let loss = if metrics.contains(&Metric::LogLoss) {
            Some(self.log_loss.as_ref().expect("log_loss was prepared"))
        } else {
            None
        };
        for i in 0..self.truth.len() {
            let c = counts(i as u32);
            let w = self.w(i);
            let (t, p) = (self.truth[i], self.pred[i]);
            for l in 0..LANES {
                if c[l] == 0 {
                    continue;
                }
                let wl = w * f64::from(c[l]);
                if label {
                    mats[l].add(t, p, wl);
                }
                den[l] += wl;
                if let Some(loss) = loss {
                    ll[l] += wl * loss[i];
                }
                for (j, h) in hits.iter().enumerate() {
                    if h[i] {
                        topk[j][l] += wl;
                    }
                }
            }
        }
        let ratio = |num: f64, d: f64| {
            if d == 0.0 {
                Err(Undefined::Empty)
            } else {
                Ok(num / d)
            }
        };
        let ovr = metrics
            .contains(&Metric::RocAucOvr)
            .then(|| self.roc_auc_ovr_lanes(&counts));
        metrics
            .iter()
            .map(|&m| {
                std::array::from_fn(|l| match m {
                    Metric::LogLoss => ratio(ll[l], den[l]),
                    Metric::TopKAccuracy { k } => {
                        let j = ks.iter().position(|&kk| kk == k).unwrap_or(0);
                        ratio(topk[j][l], den[l])
                    }
                    Metric::RocAucOvr => ovr.as_ref().map_or(Err(Undefined::Empty), |v| v[l]),
                    label => mats[l].metric(label).expect("a confusion-matrix metric"),
                })
            })
            .collect()
    }
}

impl Metric {
    /// True for the metrics computed from the confusion matrix.
    pub fn uses_confusion(&self) -> bool {
        !self.needs_scores()
    }
}

/// Per class `c`, column `c` of the scores ranked (one sort) with `truth == c` as the
/// positive label: the input of [`roc_auc_ovr`] and of the `by_class` curves.
pub fn one_vs_rest_rankings(
    scores: &Scores<'_>,
    truth: &[u32],
    weight: Option<&[f64]>,
) -> Vec<Ranked> {
    let n = truth.len();
    (0..scores.classes())
        .map(|c| {
            let col: Vec<f64> = (0..n).map(|r| scores.get(r, c)).collect();
            let positive: Vec<bool> = truth.iter().map(|&t| t as usize == c).collect();
            Ranked::new(&col, &positive, weight)
        })
        .collect()
}

/// Maps the binary kernel's "undefined" of class `class` vs rest to the multiclass reason.
fn class_undefined(class: usize, u: BinaryUndefined) -> Undefined {
    match u {
        BinaryUndefined::NoPositives => Undefined::ClassAbsent {
            class: class as u32,
        },
        BinaryUndefined::NoNegatives => Undefined::OnlyClass {
            class: class as u32,
        },
        BinaryUndefined::Empty => Undefined::Empty,
        other => Undefined::Binary(other),
    }
}

/// Binary ranking metrics (`roc_auc`, `pr_auc`, …) of class `class` vs rest on its
/// ranking (see [`one_vs_rest_rankings`]), rows reweighted by `reweight(row)`: the
/// existing binary pass ([`evaluate`](super::evaluate)), scikit-learn's
/// `roc_auc_score(y == c, s[:, c])` / `average_precision_score(y == c, s[:, c])`.
pub fn one_vs_rest_ranked<R: Fn(u32) -> f64>(
    ranked: &Ranked,
    class: usize,
    metrics: &[MetricId],
    reweight: R,
) -> Vec<Value> {
    let plan = Plan {
        metrics: metrics.to_vec(),
        threshold: 0.5,
    };
    let table = super::evaluate(ranked, SortedGroups::ALL, &plan, |row, _, _| reweight(row));
    table
        .group(0)
        .iter()
        .map(|v| v.map_err(|u| class_undefined(class, u)))
        .collect()
}

/// `roc_auc_score(y, s, multi_class="ovr", average="macro", sample_weight=w)`: the mean over
/// classes of the weighted ROC-AUC of class c vs rest on score column c. The first class
/// whose AUC is undefined makes the mean undefined (scikit-learn raises).
pub fn roc_auc_ovr<R: Fn(u32) -> f64>(ovr: &[Ranked], reweight: R) -> Value {
    let mut sum = 0.0;
    for (c, ranked) in ovr.iter().enumerate() {
        let v = one_vs_rest_ranked(ranked, c, &[MetricId::RocAuc], &reweight);
        sum += v[0]?;
    }
    if ovr.is_empty() {
        return Err(Undefined::Empty);
    }
    Ok(sum / ovr.len() as f64)
}

/// The one-vs-rest values of class `class` for a `by_class: true` gate, in the order of
/// `metrics`: thresholded ones (`precision`, `recall`, `f1`, …) from the confusion matrix
/// at the arg-max prediction (class `class` predicted iff it is the arg-max), ranking ones
/// (`pr_auc`, `roc_auc`) from the class's score column. Equal to scikit-learn's binary
/// metrics on `(y == c, pred == c)` and `(y == c, s[:, c])`.
pub fn by_class(
    matrix: &ConfusionMatrix,
    ranked: Option<&Ranked>,
    class: usize,
    metrics: &[MetricId],
) -> Vec<Option<Value>> {
    let binary = matrix.one_vs_rest(class);
    metrics
        .iter()
        .map(|m| {
            if let Some(v) = binary.metric(m) {
                return Some(v.map_err(|u| class_undefined(class, u)));
            }
            let ranked = ranked?;
            Some(one_vs_rest_ranked(ranked, class, std::slice::from_ref(m), |_| 1.0)[0])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores3() -> (Vec<u32>, Vec<f64>) {
        let truth = vec![0, 1, 2, 2, 1, 0];
        let s = vec![
            0.7, 0.2, 0.1, //
            0.3, 0.3, 0.4, //
            0.1, 0.1, 0.8, //
            0.5, 0.5, 0.0, //
            0.2, 0.6, 0.2, //
            0.4, 0.4, 0.2,
        ];
        (truth, s)
    }

    #[test]
    fn argmax_ties_go_to_the_lowest_code() {
        let (_, s) = scores3();
        let sc = Scores::RowMajor {
            values: &s,
            classes: 3,
        };
        assert_eq!(argmax(&sc), [0, 2, 2, 0, 1, 0]);
    }

    #[test]
    fn top_k_ties_rank_the_higher_code_first() {
        let s = [0.4, 0.4, 0.2];
        let sc = Scores::RowMajor {
            values: &s,
            classes: 3,
        };
        // Order by sklearn: class 1, class 0, class 2.
        assert!(top_k_hit(&sc, 0, 1, 1));
        assert!(!top_k_hit(&sc, 0, 0, 1));
        assert!(top_k_hit(&sc, 0, 0, 2));
        assert!(!top_k_hit(&sc, 0, 2, 2));
        assert!(top_k_hit(&sc, 0, 2, 3));
    }

    #[test]
    fn confusion_metrics_by_hand() {
        // truth 0,0,1,1,2 ; pred 0,1,1,1,0 (class 2 never predicted)
        let m = ConfusionMatrix::from_codes(3, &[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0], None).unwrap();
        assert_eq!(m.accuracy(), Ok(0.6));
        // recalls 0.5, 1, 0
        assert_eq!(m.balanced_accuracy(), Ok(0.5));
        // precisions 0.5, 2/3, 0
        assert!((m.macro_precision().unwrap() - (0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-15);
        assert!((m.micro_f1().unwrap() - 0.6).abs() < 1e-15);
        let b = m.one_vs_rest(1);
        assert_eq!((b.tp, b.fp, b.fn_, b.tn), (2.0, 1.0, 0.0, 2.0));
        // a class absent everywhere is not in the macro mean
        let m4 = ConfusionMatrix::from_codes(4, &[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0], None).unwrap();
        assert_eq!(m4.macro_f1(), m.macro_f1());
        assert_eq!(ConfusionMatrix::new(3).accuracy(), Err(Undefined::Empty));
        let agree = ConfusionMatrix::from_codes(3, &[1, 1], &[1, 1], None).unwrap();
        assert_eq!(agree.cohen_kappa(), Err(Undefined::NoDisagreement));
        assert_eq!(agree.mcc(), Ok(0.0));
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let p = |truth: &[u32], out, w, ms: &[Metric]| Prepared::new(3, truth, out, w, ms).err();
        assert_eq!(
            p(&[0, 3], Outputs::Predicted(&[0, 1]), None, &[]),
            Some(InputError::Code {
                row: 1,
                code: 3,
                classes: 3
            })
        );
        assert_eq!(
            p(
                &[0, 1],
                Outputs::Predicted(&[0, 1]),
                None,
                &[Metric::LogLoss]
            ),
            Some(InputError::NeedsScores { metric: "log_loss" })
        );
        let s = [0.5, 0.5, 0.0, 2.0, -1.0, 0.0];
        let sc = Scores::RowMajor {
            values: &s,
            classes: 3,
        };
        assert_eq!(
            p(&[0, 1], Outputs::Scores(sc), None, &[Metric::LogLoss]),
            Some(InputError::NotProbability {
                row: 1,
                class: 0,
                value: 2.0
            })
        );
        assert_eq!(
            p(
                &[0, 1],
                Outputs::Scores(sc),
                None,
                &[Metric::TopKAccuracy { k: 0 }]
            ),
            Some(InputError::KZero)
        );
        assert!(matches!(
            p(&[0, 1], Outputs::Scores(sc), Some(&[1.0, f64::NAN]), &[]),
            Some(InputError::Weight { row: 1, .. })
        ));
        assert_eq!(
            Prepared::new(1, &[0], Outputs::Predicted(&[0]), None, &[]).err(),
            Some(InputError::TooFewClasses { classes: 1 })
        );
    }

    #[test]
    fn ids_round_trip() {
        for m in Metric::PLAIN {
            assert_eq!(Metric::parse(&m.name()), Some(m));
        }
        assert_eq!(
            Metric::parse("top_k_accuracy(3)"),
            Some(Metric::TopKAccuracy { k: 3 })
        );
        assert_eq!(Metric::parse("top_k_accuracy(0)"), None);
        assert_eq!(Metric::parse("f1"), None);
    }

    #[test]
    fn roc_auc_ovr_refuses_an_absent_class() {
        let (_, s) = scores3();
        let sc = Scores::RowMajor {
            values: &s,
            classes: 3,
        };
        let truth = [0, 1, 1, 0, 1, 0];
        let p = Prepared::new(3, &truth, Outputs::Scores(sc), None, &[Metric::RocAucOvr]).unwrap();
        assert_eq!(
            p.evaluate(Metric::RocAucOvr, |_| 1.0),
            Err(Undefined::ClassAbsent { class: 2 })
        );
    }

    #[test]
    fn lanes_equal_single_evaluations() {
        let (truth, s) = scores3();
        let sc = Scores::RowMajor {
            values: &s,
            classes: 3,
        };
        let w = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0];
        let mut ms = Metric::PLAIN.to_vec();
        ms.push(Metric::TopKAccuracy { k: 2 });
        let p = Prepared::new(3, &truth, Outputs::Scores(sc), Some(&w), &ms).unwrap();
        let counts = |row: u32| -> [u8; LANES] {
            std::array::from_fn(|l| ((row as usize * 7 + l * 3) % 4) as u8)
        };
        let lanes = p.evaluate_lanes(&ms, counts);
        for (j, &m) in ms.iter().enumerate() {
            for l in 0..LANES {
                let single = p.evaluate(m, |row| f64::from(counts(row)[l]));
                match (lanes[j][l], single) {
                    (Ok(a), Ok(b)) => assert!((a - b).abs() < 1e-12, "{m:?} lane {l}: {a} vs {b}"),
                    (a, b) => assert_eq!(a, b, "{m:?} lane {l}"),
                }
            }
        }
    }
}
