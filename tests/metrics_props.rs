//! Property tests of the streaming metrics against naive definitions, on random inputs
//! with heavy ties, zero weights and several groups.

use modelgate::metrics::{MetricId, Plan, Ranked, SortedGroups, TopK, Undefined, Value, evaluate};
use proptest::prelude::*;

/// One row: score (few distinct values, so ties are common), label, weight (zeros included).
#[derive(Debug, Clone, Copy)]
struct Row {
    score: f64,
    positive: bool,
    weight: f64,
    group: u32,
}

fn rows(max: usize, groups: u32) -> impl Strategy<Value = Vec<Row>> {
    let row = (
        0..12u32,
        any::<bool>(),
        prop::sample::select(vec![0.0, 0.5, 1.0, 1.0, 2.5, 3.0]),
        0..groups,
    )
        .prop_map(|(s, positive, weight, group)| Row {
            score: f64::from(s) / 11.0,
            positive,
            weight,
            group,
        });
    prop::collection::vec(row, 0..max)
}

fn eval_rows(rows: &[Row], weighted: bool, metrics: &[MetricId], threshold: f64) -> Vec<Value> {
    let scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
    let positive: Vec<bool> = rows.iter().map(|r| r.positive).collect();
    let weight: Vec<f64> = rows.iter().map(|r| r.weight).collect();
    let ranked = Ranked::new(&scores, &positive, weighted.then_some(&weight[..]));
    let plan = Plan {
        metrics: metrics.to_vec(),
        threshold,
    };
    evaluate(&ranked, SortedGroups::ALL, &plan, |_, _, _| 1.0).values
}

fn w(r: &Row, weighted: bool) -> f64 {
    if weighted { r.weight } else { 1.0 }
}

/// Weighted AUC over all (positive, negative) pairs, ties counting ½.
fn brute_auc(rows: &[Row], weighted: bool) -> Option<f64> {
    let (mut num, mut p, mut n) = (0.0, 0.0, 0.0);
    for a in rows.iter().filter(|r| r.positive) {
        p += w(a, weighted);
        for b in rows.iter().filter(|r| !r.positive) {
            let credit = if a.score > b.score {
                1.0
            } else if a.score == b.score {
                0.5
            } else {
                0.0
            };
            num += w(a, weighted) * w(b, weighted) * credit;
        }
    }
    for b in rows.iter().filter(|r| !r.positive) {
        n += w(b, weighted);
    }
    (p > 0.0 && n > 0.0).then(|| num / (p * n))
}

/// (TP, FP) predicting positive iff score >= t.
fn counts_at(rows: &[Row], weighted: bool, t: f64) -> (f64, f64) {
    rows.iter()
        .filter(|r| r.score >= t)
        .fold((0.0, 0.0), |(tp, fp), r| {
            if r.positive {
                (tp + w(r, weighted), fp)
            } else {
                (tp, fp + w(r, weighted))
            }
        })
}

/// Distinct scores, descending, that carry weight (zero-weight rows are not thresholds).
fn thresholds(rows: &[Row], weighted: bool) -> Vec<f64> {
    let mut t: Vec<f64> = rows
        .iter()
        .filter(|r| w(r, weighted) > 0.0)
        .map(|r| r.score)
        .collect();
    t.sort_by(|a, b| b.total_cmp(a));
    t.dedup();
    t
}

/// Average precision from the definition: Σ (R_n − R_{n−1}) · P_n over distinct thresholds.
fn naive_ap(rows: &[Row], weighted: bool) -> Option<f64> {
    let (p, _) = counts_at(rows, weighted, f64::NEG_INFINITY);
    if p == 0.0 {
        return None;
    }
    let mut prev_recall = 0.0;
    let mut ap = 0.0;
    for t in thresholds(rows, weighted) {
        let (tp, fp) = counts_at(rows, weighted, t);
        let recall = tp / p;
        ap += (recall - prev_recall) * tp / (tp + fp);
        prev_recall = recall;
    }
    Some(ap)
}

/// Curve points (precision, recall, fpr) at every distinct threshold.
fn points(rows: &[Row], weighted: bool) -> Vec<(f64, f64, f64)> {
    let (p, n) = counts_at(rows, weighted, f64::NEG_INFINITY);
    thresholds(rows, weighted)
        .into_iter()
        .map(|t| {
            let (tp, fp) = counts_at(rows, weighted, t);
            (tp / (tp + fp), tp / p, fp / n)
        })
        .collect()
}

fn close(got: Value, want: Option<f64>, tol: f64) -> bool {
    match (got, want) {
        (Ok(x), Some(y)) => (x - y).abs() <= tol,
        (Err(_), None) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn auc_and_ap_match_definitions(rows in rows(60, 1), weighted in any::<bool>()) {
        let got = eval_rows(&rows, weighted, &[MetricId::RocAuc, MetricId::PrAuc], 0.5);
        prop_assert!(close(got[0], brute_auc(&rows, weighted), 1e-12), "auc {:?} vs {:?}", got[0], brute_auc(&rows, weighted));
        prop_assert!(close(got[1], naive_ap(&rows, weighted), 1e-12), "ap {:?} vs {:?}", got[1], naive_ap(&rows, weighted));
    }

    #[test]
    fn thresholded_match_confusion(rows in rows(60, 1), weighted in any::<bool>(), t in 0u32..13) {
        let t = f64::from(t) / 11.0; // often exactly a score: tests >=
        let ids: Vec<MetricId> = ["precision", "recall", "f1", "fbeta(2)", "accuracy", "balanced_accuracy",
            "mcc", "specificity", "fpr", "expected_cost(1, 3)"].iter().map(|s| s.parse().unwrap()).collect();
        let got = eval_rows(&rows, weighted, &ids, t);
        let (tp, fp) = counts_at(&rows, weighted, t);
        let (p, n) = counts_at(&rows, weighted, f64::NEG_INFINITY);
        let (fn_, tn) = (p - tp, n - fp);
        let div = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        let (prec, rec, spec) = (div(tp, tp + fp), div(tp, p), div(tn, n));
        let bal = match (p > 0.0, n > 0.0) {
            (true, true) => (rec + spec) / 2.0,
            (true, false) => rec,
            _ => spec,
        };
        let mcc = div(tp * tn - fp * fn_, ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt());
        let want = [prec, rec, div(2.0 * tp, 2.0 * tp + fp + fn_), div(5.0 * tp, 5.0 * tp + 4.0 * fn_ + fp),
            div(tp + tn, p + n), bal, mcc, spec, div(fp, n), div(fp + 3.0 * fn_, p + n)];
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            if p + n == 0.0 {
                prop_assert_eq!(*g, Err(Undefined::Empty));
            } else {
                prop_assert!(close(*g, Some(w), 1e-12), "{}: {:?} vs {}", ids[i], g, w);
            }
        }
    }

    #[test]
    fn constrained_metrics_match_curve_points(rows in rows(50, 1), weighted in any::<bool>(), c in 1u32..10) {
        let c = f64::from(c) / 10.0;
        let ids = [MetricId::RecallAtPrecision(c), MetricId::PrecisionAtRecall(c), MetricId::RecallAtFpr(c - 0.1)];
        let got = eval_rows(&rows, weighted, &ids, 0.5);
        let (p, n) = counts_at(&rows, weighted, f64::NEG_INFINITY);
        let pts = points(&rows, weighted);
        let rap = pts.iter().filter(|q| q.0 >= c).map(|q| q.1).fold(0.0, f64::max);
        let par = pts.iter().filter(|q| q.1 >= c).map(|q| q.0).fold(0.0, f64::max);
        let raf = pts.iter().filter(|q| q.2 <= c - 0.1).map(|q| q.1).fold(0.0, f64::max);
        prop_assert!(close(got[0], (p > 0.0).then_some(rap), 1e-12), "rap {:?} {}", got[0], rap);
        prop_assert!(close(got[1], (p > 0.0).then_some(par), 1e-12), "par {:?} {}", got[1], par);
        prop_assert!(close(got[2], (p > 0.0 && n > 0.0).then_some(raf), 1e-12), "raf {:?} {}", got[2], raf);
    }

    #[test]
    fn top_k_pro_rata(rows in rows(50, 1), weighted in any::<bool>(), k in 1u32..60, frac in any::<bool>()) {
        let top = if frac { TopK::Fraction(f64::from(k % 10 + 1) / 11.0) } else { TopK::Count(f64::from(k)) };
        let got = eval_rows(&rows, weighted, &[MetricId::PrecisionAtK(top), MetricId::RecallAtK(top), MetricId::LiftAtK(top)], 0.5);
        let (p, n) = counts_at(&rows, weighted, f64::NEG_INFINITY);
        let total = p + n;
        let cut = match top { TopK::Fraction(f) => f * total, TopK::Count(c) => c.min(total) };
        // Pro rata within each tie group: a group's share inside the cut, by weight.
        let mut tp_k = 0.0;
        let mut before = 0.0;
        for t in thresholds(&rows, weighted) {
            let group: Vec<&Row> = rows.iter().filter(|r| r.score == t).collect();
            let gw: f64 = group.iter().map(|r| w(r, weighted)).sum();
            let gp: f64 = group.iter().filter(|r| r.positive).map(|r| w(r, weighted)).sum();
            let inside = (cut - before).clamp(0.0, gw);
            tp_k += gp * inside / gw;
            before += gw;
        }
        if total == 0.0 {
            prop_assert!(got.iter().all(|v| *v == Err(Undefined::Empty)));
        } else {
            prop_assert!(close(got[0], Some(tp_k / cut), 1e-12), "p@k {:?} {}", got[0], tp_k / cut);
            prop_assert!(close(got[1], (p > 0.0).then(|| tp_k / p), 1e-12));
            prop_assert!(close(got[2], (p > 0.0).then(|| tp_k / cut / (p / total)), 1e-12));
        }
    }

    #[test]
    fn groups_equal_separate_evaluation(rows in rows(80, 4), weighted in any::<bool>()) {
        let ids: Vec<MetricId> = ["roc_auc", "pr_auc", "log_loss", "brier", "ece(4)", "mcc", "balanced_accuracy",
            "recall_at_precision(0.6)", "precision_at_recall(0.5)", "recall_at_fpr(0.2)", "precision_at_k(0.3)",
            "recall_at_k(4)", "rows", "prevalence"].iter().map(|s| s.parse().unwrap()).collect();
        let scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
        let positive: Vec<bool> = rows.iter().map(|r| r.positive).collect();
        let weight: Vec<f64> = rows.iter().map(|r| r.weight).collect();
        let code: Vec<u32> = rows.iter().map(|r| r.group).collect();
        let ranked = Ranked::new(&scores, &positive, weighted.then_some(&weight[..]));
        let codes = ranked.gather(&code);
        let plan = Plan { metrics: ids.clone(), threshold: 0.5 };
        let table = evaluate(&ranked, SortedGroups { codes: Some(&codes), count: 4 }, &plan, |_, _, _| 1.0);
        for g in 0..4u32 {
            let mine: Vec<Row> = rows.iter().copied().filter(|r| r.group == g).collect();
            let alone = eval_rows(&mine, weighted, &ids, 0.5);
            prop_assert_eq!(table.rows[g as usize], mine.len() as u64);
            prop_assert_eq!(table.positives[g as usize], mine.iter().filter(|r| r.positive).count() as u64);
            for (i, (a, b)) in table.group(g as usize).iter().zip(&alone).enumerate() {
                match (a, b) {
                    (Ok(x), Ok(y)) => prop_assert!((x - y).abs() <= 1e-12, "group {} {}: {} vs {}", g, ids[i], x, y),
                    _ => prop_assert_eq!(a, b, "group {} {}", g, ids[i]),
                }
            }
        }
    }

    /// The bootstrap's contract: reweighting a row by an integer count equals repeating it.
    #[test]
    fn reweight_equals_repeating_rows(rows in rows(40, 2), counts in prop::collection::vec(0u32..4, 40)) {
        let ids: Vec<MetricId> = ["roc_auc", "pr_auc", "brier", "ece(3)", "f1", "recall_at_precision(0.5)",
            "recall_at_fpr(0.25)", "precision_at_k(0.5)", "lift_at_k(3)", "rows"].iter().map(|s| s.parse().unwrap()).collect();
        let scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
        let positive: Vec<bool> = rows.iter().map(|r| r.positive).collect();
        let weight: Vec<f64> = rows.iter().map(|r| r.weight).collect();
        let code: Vec<u32> = rows.iter().map(|r| r.group).collect();
        let ranked = Ranked::new(&scores, &positive, Some(&weight));
        let codes = ranked.gather(&code);
        let plan = Plan { metrics: ids.clone(), threshold: 0.5 };
        let groups = SortedGroups { codes: Some(&codes), count: 2 };
        let reweighted = evaluate(&ranked, groups, &plan, |row, group, pos| {
            assert_eq!(code[row as usize], group);
            assert_eq!(positive[row as usize], pos);
            f64::from(counts[row as usize])
        });
        let repeated: Vec<Row> = rows.iter().enumerate()
            .flat_map(|(i, r)| std::iter::repeat_n(*r, counts[i] as usize)).collect();
        for g in 0..2u32 {
            let mine: Vec<Row> = repeated.iter().copied().filter(|r| r.group == g).collect();
            let want = eval_rows(&mine, true, &ids, 0.5);
            for (i, (a, b)) in reweighted.group(g as usize).iter().zip(&want).enumerate() {
                match (a, b) {
                    (Ok(x), Ok(y)) => prop_assert!((x - y).abs() <= 1e-12, "group {} {}: {} vs {}", g, ids[i], x, y),
                    _ => prop_assert_eq!(a, b, "group {} {}", g, ids[i]),
                }
            }
        }
    }

    #[test]
    fn ranked_is_a_sorted_permutation(scores in prop::collection::vec(prop::sample::select(vec![-1.0, -0.0, 0.0, 0.5, 2.0, f64::INFINITY]), 0..50)) {
        let positive = vec![false; scores.len()];
        let r = Ranked::new(&scores, &positive, None);
        let mut seen = r.row.clone();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..scores.len() as u32).collect::<Vec<_>>());
        for i in 1..r.len() {
            let (a, b) = (r.scores[i - 1], r.scores[i]);
            prop_assert!(a > b || (a == b && r.row[i - 1] < r.row[i]), "{} {} at {}", a, b, i);
            prop_assert_eq!(r.scores[i].to_bits(), scores[r.row[i] as usize].to_bits());
        }
    }
}

#[test]
fn empty_input_is_empty_everywhere() {
    let ids: Vec<MetricId> = ["roc_auc", "rows", "precision", "ece"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let got = eval_rows(&[], false, &ids, 0.5);
    assert!(got.iter().all(|v| *v == Err(Undefined::Empty)), "{got:?}");
}

#[test]
fn one_class_errors_name_the_missing_class() {
    let pos = [
        Row {
            score: 0.3,
            positive: true,
            weight: 1.0,
            group: 0,
        },
        Row {
            score: 0.8,
            positive: true,
            weight: 1.0,
            group: 0,
        },
    ];
    let got = eval_rows(
        &pos,
        false,
        &[
            MetricId::RocAuc,
            MetricId::PrAuc,
            MetricId::RecallAtFpr(0.1),
        ],
        0.5,
    );
    assert_eq!(
        got,
        [
            Err(Undefined::NoNegatives),
            Ok(1.0),
            Err(Undefined::NoNegatives)
        ]
    );
    let neg: Vec<Row> = pos
        .iter()
        .map(|r| Row {
            positive: false,
            ..*r
        })
        .collect();
    let got = eval_rows(
        &neg,
        false,
        &[
            MetricId::RocAuc,
            MetricId::PrAuc,
            MetricId::RecallAtK(TopK::Count(1.0)),
        ],
        0.5,
    );
    assert_eq!(got, [Err(Undefined::NoPositives); 3]);
}
