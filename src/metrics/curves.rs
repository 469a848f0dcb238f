//! Curves for the pictures of the HTML report: ROC and precision–recall points, the
//! operating point at the threshold, reliability bins and score histograms, each
//! downsampled with a bounded error so that a 10M-row run draws a few thousand points.
//!
//! The curves are the same as the metrics: one point per distinct score (ties form one
//! step, as in scikit-learn's `roc_curve(drop_intermediate=False)` and
//! `precision_recall_curve`), weighted when the data are.
//!
//! Downsampling ([`downsample`]) keeps a point only when it lies more than `tolerance`
//! (in either coordinate, L∞) from the last kept point, and always keeps the first and the
//! last. Every dropped point is then within `tolerance` of a drawn vertex, so the drawn
//! polyline is never further than `tolerance` from any point of the full curve. A curve
//! whose coordinates are monotone (ROC) keeps at most `2 / tolerance + 2` points; for any
//! curve the tolerance is doubled until at most `cap` points remain, and the tolerance
//! used is returned so that the report can state it.

use super::Ranked;

/// A curve's points `(x, y)` and the L∞ error bound its downsampling kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Every point of the full curve lies within this distance (each coordinate) of a
    /// drawn vertex.
    pub tolerance: f64,
    /// Points of the full curve before downsampling.
    pub full_points: usize,
}

/// Greedy L∞ downsampling (see the module docs): first and last point always kept.
pub fn downsample(points: &[(f64, f64)], tolerance: f64, cap: usize) -> Curve {
    let cap = cap.max(2);
    let mut tol = tolerance.max(f64::MIN_POSITIVE);
    loop {
        let mut kept: Vec<(f64, f64)> = Vec::new();
        for (i, &p) in points.iter().enumerate() {
            let last = i + 1 == points.len();
            match kept.last() {
                None => kept.push(p),
                Some(&(x, y)) if last || (p.0 - x).abs() > tol || (p.1 - y).abs() > tol => {
                    kept.push(p);
                }
                Some(_) => {}
            }
        }
        if kept.len() <= cap || !tol.is_finite() {
            return Curve {
                points: kept,
                tolerance: tol,
                full_points: points.len(),
            };
        }
        tol *= 2.0;
    }
}

/// Cumulative (false positive, true positive) weight at the end of each block of tied
/// scores, in descending score order, starting at (0, 0); and the totals.
fn steps(r: &Ranked) -> (Vec<(f64, f64)>, f64, f64) {
    let mut out = vec![(0.0, 0.0)];
    let (mut fp, mut tp) = (0.0, 0.0);
    let n = r.scores.len();
    for i in 0..n {
        let w = r.weight.as_ref().map_or(1.0, |w| w[i]);
        if r.positive[i] {
            tp += w;
        } else {
            fp += w;
        }
        if i + 1 == n || r.scores[i + 1] != r.scores[i] {
            out.push((fp, tp));
        }
    }
    (out, fp, tp)
}

/// The ROC curve `(false positive rate, true positive rate)`; `None` without positives or
/// without negatives.
pub fn roc(r: &Ranked) -> Option<Vec<(f64, f64)>> {
    let (s, n, p) = steps(r);
    (p > 0.0 && n > 0.0).then(|| s.iter().map(|&(fp, tp)| (fp / n, tp / p)).collect())
}

/// The precision–recall curve `(recall, precision)`, starting at (0, 1) as scikit-learn's;
/// `None` without positives.
pub fn precision_recall(r: &Ranked) -> Option<Vec<(f64, f64)>> {
    let (s, _, p) = steps(r);
    if p <= 0.0 {
        return None;
    }
    let mut out = vec![(0.0, 1.0)];
    out.extend(
        s.iter()
            .skip(1)
            .filter(|(fp, tp)| fp + tp > 0.0)
            .map(|&(fp, tp)| (tp / p, tp / (tp + fp))),
    );
    Some(out)
}

/// The operating point at `threshold` (predict positive iff `score ≥ threshold`):
/// `(fpr, tpr, precision)`; a rate is NaN where its denominator is zero.
pub fn operating_point(r: &Ranked, threshold: f64) -> (f64, f64, f64) {
    let (mut fp, mut tp, mut n, mut p) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..r.scores.len() {
        let w = r.weight.as_ref().map_or(1.0, |w| w[i]);
        let flagged = r.scores[i] >= threshold;
        if r.positive[i] {
            p += w;
            if flagged {
                tp += w;
            }
        } else {
            n += w;
            if flagged {
                fp += w;
            }
        }
    }
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    (div(fp, n), div(tp, p), div(tp, tp + fp))
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBin {
    /// Mean predicted probability of the bin's rows.
    pub predicted: f64,
    /// Observed share of positives among them.
    pub observed: f64,
    /// Weight (row count when unweighted) of the bin.
    pub weight: f64,
}

/// Reliability bins: `bins` equal-width bins of `[0, 1]` (the last closed), empty bins left
/// out. Scores must lie in `[0, 1]`.
pub fn calibration(
    scores: &[f64],
    positive: &[bool],
    weight: Option<&[f64]>,
    bins: usize,
) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut acc = vec![(0.0f64, 0.0f64, 0.0f64); bins];
    for (i, (&s, &y)) in scores.iter().zip(positive).enumerate() {
        let w = weight.map_or(1.0, |w| w[i]);
        let k = ((s * bins as f64) as usize).min(bins - 1);
        acc[k].0 += w * s;
        acc[k].1 += if y { w } else { 0.0 };
        acc[k].2 += w;
    }
    acc.into_iter()
        .filter(|a| a.2 > 0.0)
        .map(|(s, y, w)| CalibrationBin {
            predicted: s / w,
            observed: y / w,
            weight: w,
        })
        .collect()
}

/// Shares of `scores` in `bins` equal-width bins of `[lo, hi]` (the last closed; values
/// outside are clamped into the end bins), weighted when `weight` is given.
pub fn histogram(
    scores: &[f64],
    weight: Option<&[f64]>,
    lo: f64,
    hi: f64,
    bins: usize,
) -> Vec<f64> {
    let bins = bins.max(1);
    let mut acc = vec![0.0; bins];
    let width = hi - lo;
    let mut total = 0.0;
    for (i, &s) in scores.iter().enumerate() {
        let w = weight.map_or(1.0, |w| w[i]);
        let k = if width > 0.0 {
            (((s - lo) / width * bins as f64).max(0.0) as usize).min(bins - 1)
        } else {
            0
        };
        acc[k] += w;
        total += w;
    }
    if total > 0.0 {
        for a in &mut acc {
            *a /= total;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(scores: &[f64], labels: &[bool]) -> Ranked {
        Ranked::new(scores, labels, None)
    }

    #[test]
    fn roc_and_pr_by_hand_with_ties() {
        let r = ranked(&[0.9, 0.8, 0.8, 0.1], &[true, true, false, false]);
        assert_eq!(
            roc(&r).unwrap(),
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
        let pr = precision_recall(&r).unwrap();
        assert_eq!(pr[0], (0.0, 1.0));
        assert_eq!(pr[1], (0.5, 1.0));
        assert!((pr[2].1 - 2.0 / 3.0).abs() < 1e-15);
        let (fpr, tpr, prec) = operating_point(&r, 0.8);
        assert_eq!((fpr, tpr), (0.5, 1.0));
        assert!((prec - 2.0 / 3.0).abs() < 1e-15);
        assert!(roc(&ranked(&[0.1, 0.2], &[true, true])).is_none());
    }

    #[test]
    fn downsampling_keeps_every_point_within_the_tolerance_and_bounds_the_count() {
        // A monotone staircase of 10M points (a ROC curve of 10M distinct scores).
        let n = 10_000_000usize;
        let pts: Vec<(f64, f64)> = (0..=n)
            .map(|i| {
                let t = i as f64 / n as f64;
                (t, t.sqrt())
            })
            .collect();
        let c = downsample(&pts, 1e-3, 4000);
        assert!(c.points.len() <= 2002 + 2, "{}", c.points.len());
        assert_eq!(c.tolerance, 1e-3);
        assert_eq!(c.full_points, n + 1);
        assert_eq!(c.points.first(), pts.first());
        assert_eq!(c.points.last(), pts.last());
        // Every full point is within the tolerance of the last kept vertex before it.
        let mut k = 0;
        for p in pts.iter().step_by(997) {
            while k + 1 < c.points.len() && c.points[k + 1].0 <= p.0 {
                k += 1;
            }
            let v = c.points[k];
            assert!(
                (p.0 - v.0).abs() <= 1e-3 && (p.1 - v.1).abs() <= 1e-3,
                "{p:?} vs {v:?}"
            );
        }
        // A cap below what the tolerance allows doubles the tolerance.
        let c = downsample(&pts, 1e-3, 300);
        assert!(c.points.len() <= 300 && c.tolerance > 1e-3);
    }

    #[test]
    fn calibration_and_histogram_shares() {
        let bins = calibration(
            &[0.05, 0.15, 0.95, 1.0],
            &[false, true, true, true],
            None,
            10,
        );
        assert_eq!(bins.len(), 3);
        assert_eq!(bins[2].weight, 2.0);
        assert_eq!(bins[2].observed, 1.0);
        let h = histogram(&[0.0, 0.5, 1.0, 1.0], None, 0.0, 1.0, 2);
        assert_eq!(h, vec![0.25, 0.75]);
    }
}
