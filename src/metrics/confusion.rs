//! Thresholded metrics from a weighted confusion matrix, as scikit-learn with `zero_division=0`.

use super::{MetricId, Undefined, Value};

/// A weighted 2×2 confusion matrix (predicted positive iff `score >= threshold`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Confusion {
    /// Positive rows predicted positive.
    pub tp: f64,
    /// Negative rows predicted positive.
    pub fp: f64,
    /// Positive rows predicted negative.
    pub fn_: f64,
    /// Negative rows predicted negative.
    pub tn: f64,
}

/// `num / den`, or 0 when `den == 0` (scikit-learn's `zero_division=0`).
#[inline]
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { num / den }
}

impl Confusion {
    /// Total weight.
    pub fn total(&self) -> f64 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// `precision_score`: TP / (TP + FP), 0 when nothing is predicted positive.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// `recall_score`: TP / (TP + FN), 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Recall of the negatives: TN / (TN + FP), 0 when there are no negatives.
    pub fn specificity(&self) -> f64 {
        ratio(self.tn, self.tn + self.fp)
    }

    /// False-positive rate FP / (FP + TN), 0 when there are no negatives (not `1 − 0`).
    pub fn fpr(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }

    /// `fbeta_score`: (1+β²)·TP / (β²·(TP+FN) + TP+FP), scikit-learn's form; 0 when the
    /// denominator is 0 (no positives and nothing predicted positive).
    pub fn fbeta(&self, beta: f64) -> f64 {
        let b2 = beta * beta;
        ratio(
            (1.0 + b2) * self.tp,
            b2 * (self.tp + self.fn_) + (self.tp + self.fp),
        )
    }

    /// `accuracy_score`: (TP + TN) / total; `Empty` on zero total weight.
    pub fn accuracy(&self) -> Value {
        let total = self.total();
        if total == 0.0 {
            return Err(Undefined::Empty);
        }
        Ok((self.tp + self.tn) / total)
    }

    /// `balanced_accuracy_score`: the mean recall over the classes present (nonzero weight)
    /// in the truth. As scikit-learn, an absent class is dropped from the mean rather than
    /// counted as 0, so with only positives it is the recall. `Empty` on zero total weight.
    pub fn balanced_accuracy(&self) -> Value {
        let (p, n) = (self.tp + self.fn_, self.tn + self.fp);
        match (p > 0.0, n > 0.0) {
            (true, true) => Ok(0.5 * (self.tp / p + self.tn / n)),
            (true, false) => Ok(self.tp / p),
            (false, true) => Ok(self.tn / n),
            (false, false) => Err(Undefined::Empty),
        }
    }

    /// `matthews_corrcoef`, with scikit-learn's covariance formula (so rounding matches);
    /// 0 when either the truth or the prediction has a single class.
    pub fn mcc(&self) -> f64 {
        let t = [self.tn + self.fp, self.fn_ + self.tp];
        let p = [self.tn + self.fn_, self.fp + self.tp];
        let n = p[0] + p[1];
        let cov_ytyp = (self.tp + self.tn) * n - (t[0] * p[0] + t[1] * p[1]);
        let cov_ypyp = n * n - (p[0] * p[0] + p[1] * p[1]);
        let cov_ytyt = n * n - (t[0] * t[0] + t[1] * t[1]);
        let both = cov_ypyp * cov_ytyt;
        if both == 0.0 {
            0.0
        } else {
            cov_ytyp / both.sqrt()
        }
    }

    /// Mean misclassification cost `(fp·FP + fn·FN) / total`; `Empty` on zero total weight.
    pub fn expected_cost(&self, fp_cost: f64, fn_cost: f64) -> Value {
        let total = self.total();
        if total == 0.0 {
            return Err(Undefined::Empty);
        }
        Ok((fp_cost * self.fp + fn_cost * self.fn_) / total)
    }

    /// The value of a thresholded metric (see [`MetricId::uses_threshold`]); `None` for any
    /// other metric. Only zero total weight is undefined (`Empty`).
    pub fn metric(&self, id: &MetricId) -> Option<Value> {
        use MetricId::*;
        let defined = |v: f64| {
            if self.total() == 0.0 {
                Err(Undefined::Empty)
            } else {
                Ok(v)
            }
        };
        Some(match *id {
            Precision => defined(self.precision()),
            Recall => defined(self.recall()),
            F1 => defined(self.fbeta(1.0)),
            FBeta { beta } => defined(self.fbeta(beta)),
            Accuracy => self.accuracy(),
            BalancedAccuracy => self.balanced_accuracy(),
            Mcc => defined(self.mcc()),
            Specificity => defined(self.specificity()),
            Fpr => defined(self.fpr()),
            ExpectedCost { fp, fn_ } => self.expected_cost(fp, fn_),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Confusion = Confusion {
        tp: 3.0,
        fp: 1.0,
        fn_: 2.0,
        tn: 4.0,
    };

    #[test]
    fn textbook_values() {
        assert_eq!(M.precision(), 0.75);
        assert_eq!(M.recall(), 0.6);
        assert_eq!(M.specificity(), 0.8);
        assert!((M.fpr() - 0.2).abs() < 1e-15);
        assert!((M.fbeta(1.0) - 6.0 / 9.0).abs() < 1e-15);
        // F2 = 5·TP / (5·TP + 4·FN + FP)
        assert!((M.fbeta(2.0) - 15.0 / 24.0).abs() < 1e-15);
        assert_eq!(M.accuracy(), Ok(0.7));
        assert_eq!(M.balanced_accuracy(), Ok(0.7));
        assert!((M.mcc() - (12.0 - 2.0) / (4.0f64 * 5.0 * 5.0 * 6.0).sqrt()).abs() < 1e-15);
        assert_eq!(M.expected_cost(1.0, 10.0), Ok(2.1));
    }

    #[test]
    fn zero_division_and_absent_classes() {
        let only_neg = Confusion {
            tp: 0.0,
            fp: 2.0,
            fn_: 0.0,
            tn: 3.0,
        };
        assert_eq!(only_neg.precision(), 0.0);
        assert_eq!(only_neg.recall(), 0.0);
        assert_eq!(only_neg.fbeta(1.0), 0.0);
        assert_eq!(only_neg.mcc(), 0.0);
        assert_eq!(only_neg.balanced_accuracy(), Ok(0.6));
        let only_pos = Confusion {
            tp: 1.0,
            fp: 0.0,
            fn_: 3.0,
            tn: 0.0,
        };
        assert_eq!(only_pos.fpr(), 0.0);
        assert_eq!(only_pos.specificity(), 0.0);
        assert_eq!(only_pos.balanced_accuracy(), Ok(0.25));
        let empty = Confusion::default();
        assert_eq!(
            empty.metric(&MetricId::Precision),
            Some(Err(Undefined::Empty))
        );
        assert_eq!(
            empty.metric(&MetricId::BalancedAccuracy),
            Some(Err(Undefined::Empty))
        );
        assert_eq!(M.metric(&MetricId::RocAuc), None);
    }
}
