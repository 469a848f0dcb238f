//! Property tests of the multiclass kernels against naive definitions: per-class loops over
//! the rows (not the confusion matrix), pairwise ROC-AUC, explicit class sorting for top-k,
//! and "a replicate equals the metric on the resampled rows" for the bootstrap.

// Naive definitions index parallel arrays by position, on purpose.
#![allow(clippy::needless_range_loop)]

use modelgate::metrics::LANES;
use modelgate::metrics::multiclass::{
    ConfusionMatrix, Metric, Outputs, Prepared, Scores, Undefined, Value,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    classes: usize,
    truth: Vec<u32>,
    scores: Vec<f64>,
    weight: Vec<f64>,
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..5).prop_flat_map(|k| {
        prop::collection::vec(
            (
                0..k as u32,
                prop::collection::vec(0u32..5, k),
                prop::sample::select(vec![0.0, 0.5, 1.0, 1.0, 2.0, 3.5]),
            ),
            0..40,
        )
        .prop_map(move |rows| {
            let mut c = Case {
                classes: k,
                truth: Vec::new(),
                scores: Vec::new(),
                weight: Vec::new(),
            };
            for (t, s, w) in rows {
                c.truth.push(t);
                // Few distinct values (ties), normalised to sum 1 when possible.
                let sum: u32 = s.iter().sum();
                c.scores.extend(s.iter().map(|&v| {
                    if sum == 0 {
                        1.0 / k as f64
                    } else {
                        f64::from(v) / f64::from(sum)
                    }
                }));
                c.weight.push(w);
            }
            c
        })
    })
}

fn close(a: Value, b: Value) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * (1.0 + x.abs()),
        (a, b) => a == b,
    }
}

/// The naive per-class definitions, looping over rows for every class.
fn naive(c: &Case, pred: &[u32], m: Metric) -> Value {
    let k = c.classes;
    let rows = c.truth.len();
    let total: f64 = c.weight.iter().sum();
    if total == 0.0 {
        return Err(Undefined::Empty);
    }
    let present: Vec<usize> = (0..k)
        .filter(|&cl| (0..rows).any(|i| c.truth[i] as usize == cl || pred[i] as usize == cl))
        .collect();
    let per = |cl: usize| {
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for i in 0..rows {
            let (t, p, w) = (
                c.truth[i] as usize == cl,
                pred[i] as usize == cl,
                c.weight[i],
            );
            if t && p {
                tp += w;
            } else if p {
                fp += w;
            } else if t {
                fn_ += w;
            }
        }
        (tp, fp, fn_)
    };
    let div = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
    let mean = |f: &dyn Fn(f64, f64, f64) -> f64| {
        present
            .iter()
            .map(|&cl| {
                let (tp, fp, fn_) = per(cl);
                f(tp, fp, fn_)
            })
            .sum::<f64>()
            / present.len() as f64
    };
    Ok(match m {
        Metric::Accuracy => {
            (0..rows)
                .filter(|&i| c.truth[i] == pred[i])
                .map(|i| c.weight[i])
                .sum::<f64>()
                / total
        }
        Metric::MacroPrecision => mean(&|tp, fp, _| div(tp, tp + fp)),
        Metric::MacroRecall => mean(&|tp, _, fn_| div(tp, tp + fn_)),
        Metric::MacroF1 => mean(&|tp, fp, fn_| div(2.0 * tp, 2.0 * tp + fp + fn_)),
        Metric::MicroF1 => {
            let (tp, fp, fn_) = present.iter().fold((0.0, 0.0, 0.0), |a, &cl| {
                let (tp, fp, fn_) = per(cl);
                (a.0 + tp, a.1 + fp, a.2 + fn_)
            });
            div(2.0 * tp, 2.0 * tp + fp + fn_)
        }
        Metric::WeightedF1 => {
            let (mut num, mut den) = (0.0, 0.0);
            for &cl in &present {
                let (tp, fp, fn_) = per(cl);
                num += (tp + fn_) * div(2.0 * tp, 2.0 * tp + fp + fn_);
                den += tp + fn_;
            }
            num / den
        }
        Metric::BalancedAccuracy => {
            let recalls: Vec<f64> = (0..k)
                .filter_map(|cl| {
                    let (tp, _, fn_) = per(cl);
                    (tp + fn_ > 0.0).then(|| tp / (tp + fn_))
                })
                .collect();
            recalls.iter().sum::<f64>() / recalls.len() as f64
        }
        Metric::CohenKappa => {
            // p_o and p_e form: κ = (p_o − p_e) / (1 − p_e).
            let po = naive(c, pred, Metric::Accuracy)?;
            let pe: f64 = (0..k)
                .map(|cl| {
                    let (tp, fp, fn_) = per(cl);
                    (tp + fn_) * (tp + fp) / (total * total)
                })
                .sum();
            if (1.0 - pe).abs() < 1e-12 {
                return Err(Undefined::NoDisagreement);
            }
            (po - pe) / (1.0 - pe)
        }
        Metric::Mcc => {
            // Pearson correlation of the one-hot truth and prediction matrices (Gorodkin).
            let onehot = |v: &[u32]| -> Vec<Vec<f64>> {
                v.iter()
                    .map(|&x| {
                        (0..k)
                            .map(|cl| f64::from(u8::from(x as usize == cl)))
                            .collect()
                    })
                    .collect()
            };
            let (x, y) = (onehot(&c.truth), onehot(pred));
            let cov = |a: &[Vec<f64>], b: &[Vec<f64>]| {
                let mut s = 0.0;
                for cl in 0..k {
                    let ma: f64 = (0..rows).map(|i| c.weight[i] * a[i][cl]).sum::<f64>() / total;
                    let mb: f64 = (0..rows).map(|i| c.weight[i] * b[i][cl]).sum::<f64>() / total;
                    s += (0..rows)
                        .map(|i| c.weight[i] * (a[i][cl] - ma) * (b[i][cl] - mb))
                        .sum::<f64>();
                }
                s
            };
            let d = cov(&x, &x) * cov(&y, &y);
            if d.abs() < 1e-12 {
                0.0
            } else {
                cov(&x, &y) / d.sqrt()
            }
        }
        Metric::LogLoss => {
            let eps = f64::EPSILON;
            (0..rows)
                .map(|i| {
                    let p = c.scores[i * k + c.truth[i] as usize].clamp(eps, 1.0 - eps);
                    -c.weight[i] * p.ln()
                })
                .sum::<f64>()
                / total
        }
        Metric::TopKAccuracy { k: top } => {
            let mut hit = 0.0;
            for i in 0..rows {
                // sklearn: argsort(kind="mergesort") ascending, reversed.
                let mut order: Vec<usize> = (0..k).collect();
                order.sort_by(|&a, &b| c.scores[i * k + a].total_cmp(&c.scores[i * k + b]));
                order.reverse();
                if order
                    .iter()
                    .take(top as usize)
                    .any(|&cl| cl == c.truth[i] as usize)
                {
                    hit += c.weight[i];
                }
            }
            hit / total
        }
        Metric::RocAucOvr => {
            let mut sum = 0.0;
            for cl in 0..k {
                let (mut num, mut wp, mut wn) = (0.0, 0.0, 0.0);
                for i in 0..rows {
                    let pos = c.truth[i] as usize == cl;
                    if pos {
                        wp += c.weight[i];
                    } else {
                        wn += c.weight[i];
                    }
                    if !pos {
                        continue;
                    }
                    for j in 0..rows {
                        if c.truth[j] as usize == cl {
                            continue;
                        }
                        let (si, sj) = (c.scores[i * k + cl], c.scores[j * k + cl]);
                        let w = c.weight[i] * c.weight[j];
                        num += if si > sj {
                            w
                        } else if si == sj {
                            0.5 * w
                        } else {
                            0.0
                        };
                    }
                }
                if wp == 0.0 {
                    return Err(Undefined::ClassAbsent { class: cl as u32 });
                }
                if wn == 0.0 {
                    return Err(Undefined::OnlyClass { class: cl as u32 });
                }
                sum += num / (wp * wn);
            }
            sum / k as f64
        }
    })
}

fn all_metrics(k: usize) -> Vec<Metric> {
    let mut ms = Metric::PLAIN.to_vec();
    ms.extend((1..=k as u32 + 1).map(|top| Metric::TopKAccuracy { k: top }));
    ms
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn metrics_equal_naive_definitions(c in case()) {
        let ms = all_metrics(c.classes);
        let p = Prepared::new(
            c.classes,
            &c.truth,
            Outputs::Scores(Scores::RowMajor { values: &c.scores, classes: c.classes }),
            Some(&c.weight),
            &ms,
        ).unwrap();
        let pred = p.predicted().to_vec();
        for &m in &ms {
            let got = p.evaluate(m, |_| 1.0);
            let want = naive(&c, &pred, m);
            prop_assert!(close(got, want), "{:?}: got {:?}, naive {:?}", m, got, want);
        }
        // The confusion matrix from codes gives the same label metrics.
        let mat = ConfusionMatrix::from_codes(c.classes, &c.truth, &pred, Some(&c.weight)).unwrap();
        for m in ms.iter().filter(|m| m.uses_confusion()) {
            prop_assert_eq!(mat.metric(*m), Some(p.evaluate(*m, |_| 1.0)));
        }
    }

    /// A replicate with integer counts equals the metric on the rows repeated that often
    /// (what scikit-learn would see on the resampled data), lane by lane.
    #[test]
    fn replicates_equal_resampled_rows(c in case(), seed in any::<u64>()) {
        let ms = all_metrics(c.classes);
        let scores = Scores::RowMajor { values: &c.scores, classes: c.classes };
        let p = Prepared::new(c.classes, &c.truth, Outputs::Scores(scores), Some(&c.weight), &ms).unwrap();
        let count = |row: u32, lane: usize| -> u8 {
            let h = (seed ^ (u64::from(row) << 8) ^ lane as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((h >> 60) % 3) as u8
        };
        let lanes = p.evaluate_lanes(&ms, |row| std::array::from_fn(|l| count(row, l)));
        for l in [0, LANES - 1] {
            let mut r = Case { classes: c.classes, truth: vec![], scores: vec![], weight: vec![] };
            for i in 0..c.truth.len() {
                for _ in 0..count(i as u32, l) {
                    r.truth.push(c.truth[i]);
                    r.scores.extend_from_slice(&c.scores[i * c.classes..(i + 1) * c.classes]);
                    r.weight.push(c.weight[i]);
                }
            }
            let q = Prepared::new(
                r.classes, &r.truth,
                Outputs::Scores(Scores::RowMajor { values: &r.scores, classes: r.classes }),
                Some(&r.weight), &ms,
            ).unwrap();
            for (j, &m) in ms.iter().enumerate() {
                let want = q.evaluate(m, |_| 1.0);
                prop_assert!(close(lanes[j][l], want), "{:?} lane {}: {:?} vs {:?}", m, l, lanes[j][l], want);
                prop_assert!(close(p.evaluate(m, |row| f64::from(count(row, l))), want));
            }
        }
    }

    /// Per-class columns and a row-major matrix are the same input.
    #[test]
    fn column_layout_is_the_same(c in case()) {
        let ms = all_metrics(c.classes);
        let k = c.classes;
        let cols: Vec<Vec<f64>> = (0..k).map(|cl| (0..c.truth.len()).map(|i| c.scores[i * k + cl]).collect()).collect();
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let a = Prepared::new(k, &c.truth, Outputs::Scores(Scores::Columns(&refs)), None, &ms).unwrap();
        let b = Prepared::new(k, &c.truth, Outputs::Scores(Scores::RowMajor { values: &c.scores, classes: k }), None, &ms).unwrap();
        for &m in &ms {
            prop_assert_eq!(a.evaluate(m, |_| 1.0), b.evaluate(m, |_| 1.0));
        }
    }
}
