//! One streaming pass over the ranked rows: every metric of a plan, for every group.
//!
//! Walking the rows by descending score, each group keeps cumulative weighted TP/FP counts.
//! A group's *tie group* (its consecutive rows with one score) is pending until that group
//! sees a different score or the pass ends; then it is *flushed*: one point of the ROC and
//! precision–recall curves, exactly the points of scikit-learn's curves over distinct
//! thresholds. Area sums, constraint trackers, top-k cuts and the confusion matrix at the
//! threshold are updated at flushes; calibration sums per row.
//!
//! Zero-weight tie groups add no point (scikit-learn drops zero-weight rows before building
//! its curves); this is also what makes a bootstrap replicate that omits a row exact.
//!
//! Totals (P, N) are needed *during* the pass only by `precision_at_recall` (recall ≥ r),
//! `recall_at_fpr` (FPR ≤ f) and fractional top-k (the cut is a fraction of the total);
//! for plans with one of those, a cheap first pass sums them, calling `reweight` a second
//! time per row. Every other metric divides by the totals only at the end, in one pass.

use super::calibration::{brier_row, ece_bin, log_loss_row};
use super::{Confusion, MetricId, Plan, Ranked, SortedGroups, Table, TopK, Undefined, Value};

/// A metric that tracks the best point of the curve under a constraint, or a top-k cut.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Tracker {
    /// Slot: largest TP among points with precision ≥ p.
    RecallAtPrecision(f64),
    /// Slot: largest precision among points with recall ≥ r.
    PrecisionAtRecall(f64),
    /// Slot: largest TP among points with FPR ≤ f.
    RecallAtFpr(f64),
    /// Slot: TP weight inside the top-k cut (pro rata for the straddling tie group).
    TopK(TopK),
}

/// A curve point as the pass flushes it: cumulative weights after the tie group
/// (`tp`, `fp`) and before it (`tp0`, `fp0`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Point {
    pub tp: f64,
    pub fp: f64,
    pub tp0: f64,
    pub fp0: f64,
}

impl Tracker {
    /// Updates the tracker's slot with one flushed point; `totals` = (P, N) of the group
    /// when the kernel needs them.
    #[inline(always)]
    pub(super) fn update(&self, slot: &mut f64, pt: Point, totals: (f64, f64)) {
        let cum = pt.tp + pt.fp;
        let precision = if cum > 0.0 { pt.tp / cum } else { 0.0 };
        match *self {
            // TP never decreases along the curve, so the latest qualifying point is the best.
            Tracker::RecallAtPrecision(p) => {
                if precision >= p {
                    *slot = pt.tp;
                }
            }
            Tracker::PrecisionAtRecall(r) => {
                if pt.tp / totals.0 >= r && precision > *slot {
                    *slot = precision;
                }
            }
            Tracker::RecallAtFpr(f) => {
                if pt.fp / totals.1 <= f {
                    *slot = pt.tp;
                }
            }
            Tracker::TopK(top) => {
                let cut = cut_of(top, totals.0 + totals.1);
                let before = pt.tp0 + pt.fp0;
                if before < cut {
                    *slot = if cum <= cut {
                        pt.tp
                    } else {
                        pt.tp0 + (pt.tp - pt.tp0) * ((cut - before) / (cum - before))
                    };
                }
            }
        }
    }
}

/// The plan, compiled into what the pass must maintain.
#[derive(Debug, Default)]
pub(super) struct Kernel {
    pub(super) threshold: f64,
    pub(super) auc: bool,
    pub(super) ap: bool,
    pub(super) confusion: bool,
    pub(super) log_loss: bool,
    pub(super) brier: bool,
    /// Distinct ECE bin counts.
    pub(super) ece: Vec<u32>,
    /// Distinct trackers; per group one `f64` slot each.
    pub(super) trackers: Vec<Tracker>,
    /// A first pass must sum P and N per group.
    pub(super) totals: bool,
    /// Per plan metric: its index into `trackers` or `ece` (0 for others).
    pub(super) slot: Vec<usize>,
}

impl Kernel {
    pub(super) fn compile(plan: &Plan) -> Kernel {
        let mut k = Kernel {
            threshold: plan.threshold,
            ..Kernel::default()
        };
        for m in &plan.metrics {
            let tracker = match *m {
                MetricId::RecallAtPrecision(p) => Some(Tracker::RecallAtPrecision(p)),
                MetricId::PrecisionAtRecall(r) => Some(Tracker::PrecisionAtRecall(r)),
                MetricId::RecallAtFpr(f) => Some(Tracker::RecallAtFpr(f)),
                MetricId::PrecisionAtK(t) | MetricId::RecallAtK(t) | MetricId::LiftAtK(t) => {
                    Some(Tracker::TopK(t))
                }
                _ => None,
            };
            let slot = if let Some(t) = tracker {
                k.totals |= matches!(
                    t,
                    Tracker::PrecisionAtRecall(_)
                        | Tracker::RecallAtFpr(_)
                        | Tracker::TopK(TopK::Fraction(_))
                );
                index_of(&mut k.trackers, t)
            } else if let MetricId::Ece { bins } = *m {
                index_of(&mut k.ece, bins.max(1))
            } else {
                0
            };
            k.slot.push(slot);
            match m {
                MetricId::RocAuc => k.auc = true,
                MetricId::PrAuc => k.ap = true,
                MetricId::LogLoss => k.log_loss = true,
                MetricId::Brier => k.brier = true,
                other => k.confusion |= other.uses_threshold(),
            }
        }
        k
    }

    fn calibration(&self) -> bool {
        self.log_loss || self.brier || !self.ece.is_empty()
    }
}

/// Index of `x` in `v`, appending it if absent (plans are short: linear search is fine).
fn index_of<T: PartialEq>(v: &mut Vec<T>, x: T) -> usize {
    match v.iter().position(|y| *y == x) {
        Some(i) => i,
        None => {
            v.push(x);
            v.len() - 1
        }
    }
}

/// Per-group state of the pass.
#[derive(Debug, Clone, Copy)]
struct Acc {
    /// Score of the pending tie group (NaN before the first row, so the first row differs).
    last: f64,
    /// Cumulative positive / negative weight, pending tie group included.
    tp: f64,
    fp: f64,
    /// The same at the last flushed point.
    tp0: f64,
    fp0: f64,
    /// Σ ΔFP·(TP + TP_prev): twice the unnormalised ROC area.
    area: f64,
    /// Σ ΔTP·precision: P times the average precision.
    ap: f64,
    /// Cumulative TP / FP at the last point with score ≥ threshold.
    tp_t: f64,
    fp_t: f64,
    /// Σ w·log loss and Σ w·(y − p)².
    log_loss: f64,
    brier: f64,
    /// Unweighted counts (reweight ignored).
    rows: u64,
    positives: u64,
}

impl Acc {
    const NEW: Acc = Acc {
        last: f64::NAN,
        tp: 0.0,
        fp: 0.0,
        tp0: 0.0,
        fp0: 0.0,
        area: 0.0,
        ap: 0.0,
        tp_t: 0.0,
        fp_t: 0.0,
        log_loss: 0.0,
        brier: 0.0,
        rows: 0,
        positives: 0,
    };

    /// Adds a row's weight to the cumulative counts (branch-free on the label).
    #[inline(always)]
    fn add(&mut self, w: f64, positive: bool) {
        let wp = if positive { w } else { 0.0 };
        self.tp += wp;
        self.fp += w - wp;
    }

    /// Emits the pending tie group as a curve point. `totals` = (P, N) of the group when
    /// the kernel needs them (else unused).
    #[inline(always)]
    fn flush(&mut self, k: &Kernel, slots: &mut [f64], totals: (f64, f64)) {
        // A zero-weight tie group (a bootstrap count of 0, about a third of all rows) repeats
        // the previous curve point, which changes no sum and no tracker; handling it without
        // a branch keeps this hot loop free of an unpredictable early return.
        let dtp = self.tp - self.tp0;
        let cum = self.tp + self.fp;
        let precision = if cum > 0.0 { self.tp / cum } else { 0.0 };
        if k.auc {
            self.area += (self.fp - self.fp0) * (self.tp + self.tp0);
        }
        if k.ap {
            self.ap += dtp * precision;
        }
        if k.confusion && super::predicted_positive(self.last, k.threshold) {
            self.tp_t = self.tp;
            self.fp_t = self.fp;
        }
        for (slot, t) in slots.iter_mut().zip(&k.trackers) {
            t.update(
                slot,
                Point {
                    tp: self.tp,
                    fp: self.fp,
                    tp0: self.tp0,
                    fp0: self.fp0,
                },
                totals,
            );
        }
        self.tp0 = self.tp;
        self.fp0 = self.fp;
    }
}

/// The weight at which a top-k cut falls. A fractional cut needs the total (from the
/// totals pass); a count is used as is and capped at the total when the value is made.
#[inline(always)]
pub(super) fn cut_of(top: TopK, total: f64) -> f64 {
    match top {
        TopK::Fraction(f) => f * total,
        TopK::Count(c) => c,
    }
}

/// Computes every metric of `plan` for every group in one pass over `ranked`.
///
/// Each row's weight is its sample weight (1 when unweighted) times
/// `reweight(original row, group, positive)`: point estimates pass `|_, _, _| 1.0`, the
/// bootstrap per-row replicate counts. `reweight` must be pure and return finite values
/// `>= 0`; it is called once per row, twice for plans that need totals first (see the
/// module docs). Generic so the closure inlines into the loop.
///
/// Values follow scikit-learn (docs/contract.md §4); where scikit-learn raises or returns NaN the
/// value is `Err`:
/// - zero total weight in a group: every metric `Err(Empty)`;
/// - `roc_auc`: `Err(NoPositives)` / `Err(NoNegatives)` when a class has zero weight;
/// - `pr_auc`, `recall_at_precision`, `precision_at_recall`, `recall_at_k`, `lift_at_k`:
///   `Err(NoPositives)` without positive weight; `recall_at_fpr` also `Err(NoNegatives)`
///   without negative weight;
/// - thresholded metrics are always defined (`zero_division=0`), as are `log_loss`,
///   `brier`, `ece`, `precision_at_k` and the counts.
///
/// `Table::rows` / `Table::positives` are unweighted counts of the group's rows, whatever
/// `reweight` says. Scores may be any non-NaN value; the caller checks `[0, 1]` for the
/// probability metrics.
///
/// # Panics
/// If `groups.codes` is given with a length other than `ranked.len()`, holds a code
/// `>= groups.count`, or `groups.count` is 0 while there are rows (programming errors).
pub fn evaluate<W: Fn(u32, u32, bool) -> f64>(
    ranked: &Ranked,
    groups: SortedGroups<'_>,
    plan: &Plan,
    reweight: W,
) -> Table {
    let n = ranked.len();
    if let Some(codes) = groups.codes {
        assert_eq!(codes.len(), n, "one group code per row");
    }
    let k = Kernel::compile(plan);
    // Four monomorphised loops, so neither the group lookup nor the weight is a branch per row.
    match (groups.codes, ranked.weight.as_deref()) {
        (None, None) => run(ranked, groups.count, &k, |_| 0, |_| 1.0, &reweight),
        (None, Some(w)) => run(ranked, groups.count, &k, |_| 0, |i| w[i], &reweight),
        (Some(c), None) => run(
            ranked,
            groups.count,
            &k,
            |i| c[i] as usize,
            |_| 1.0,
            &reweight,
        ),
        (Some(c), Some(w)) => run(
            ranked,
            groups.count,
            &k,
            |i| c[i] as usize,
            |i| w[i],
            &reweight,
        ),
    }
    .finish(plan, &k)
}

/// Accumulated state of all groups after the pass.
struct Pass {
    acc: Vec<Acc>,
    /// `trackers.len()` slots per group.
    slots: Vec<f64>,
    /// Per ECE bin count (kernel order): Σ w·(y − p) per group and bin, group-major.
    ece: Vec<Vec<f64>>,
}

#[inline(always)]
fn run<C, B, W>(ranked: &Ranked, count: usize, k: &Kernel, code: C, base: B, reweight: &W) -> Pass
where
    C: Fn(usize) -> usize,
    B: Fn(usize) -> f64,
    W: Fn(u32, u32, bool) -> f64,
{
    let n = ranked.len();
    let (scores, positive, rows) = (&ranked.scores[..n], &ranked.positive[..n], &ranked.row[..n]);
    let weight = |i: usize, g: usize| base(i) * reweight(rows[i], g as u32, positive[i]);

    let totals: Vec<(f64, f64)> = if k.totals {
        let mut t = vec![Acc::NEW; count];
        for (i, &pos) in positive.iter().enumerate() {
            let g = code(i);
            t[g].add(weight(i, g), pos);
        }
        t.iter().map(|a| (a.tp, a.fp)).collect()
    } else {
        vec![(0.0, 0.0); count]
    };

    let nt = k.trackers.len();
    let mut acc = vec![Acc::NEW; count];
    let mut slots = vec![0.0; count * nt];
    let mut ece: Vec<Vec<f64>> = k
        .ece
        .iter()
        .map(|&b| vec![0.0; count * b as usize])
        .collect();
    let calibration = k.calibration();

    for i in 0..n {
        let g = code(i);
        let pos = positive[i];
        let s = scores[i];
        let w = weight(i, g);
        let a = &mut acc[g];
        a.rows += 1;
        a.positives += u64::from(pos);
        if s != a.last {
            a.flush(k, &mut slots[g * nt..(g + 1) * nt], totals[g]);
            a.last = s;
        }
        a.add(w, pos);
        if calibration {
            if k.log_loss {
                a.log_loss += w * log_loss_row(s, pos);
            }
            if k.brier {
                a.brier += w * brier_row(s, pos);
            }
            let residual = w * (f64::from(u8::from(pos)) - s);
            for (sums, &bins) in ece.iter_mut().zip(&k.ece) {
                sums[g * bins as usize + ece_bin(s, bins)] += residual;
            }
        }
    }
    for (g, a) in acc.iter_mut().enumerate() {
        a.flush(k, &mut slots[g * nt..(g + 1) * nt], totals[g]);
    }
    Pass { acc, slots, ece }
}

impl Pass {
    fn finish(self, plan: &Plan, k: &Kernel) -> Table {
        let width = plan.metrics.len();
        let nt = k.trackers.len();
        let mut values = Vec::with_capacity(self.acc.len() * width);
        for (g, a) in self.acc.iter().enumerate() {
            let (p, n) = (a.tp, a.fp);
            let total = p + n;
            let confusion = Confusion {
                tp: a.tp_t,
                fp: a.fp_t,
                fn_: p - a.tp_t,
                tn: n - a.fp_t,
            };
            for (m, &slot) in plan.metrics.iter().zip(&k.slot) {
                let tracked = || self.slots[g * nt + slot];
                let ece = || {
                    let bins = k.ece[slot] as usize;
                    let sums = &self.ece[slot][g * bins..(g + 1) * bins];
                    sums.iter().map(|s| s.abs()).sum::<f64>() / total
                };
                let sums = Sums {
                    area: a.area,
                    ap: a.ap,
                    log_loss: a.log_loss,
                    brier: a.brier,
                };
                values.push(value(m, p, n, &confusion, tracked, ece, &sums));
            }
        }
        Table {
            width,
            values,
            rows: self.acc.iter().map(|a| a.rows).collect(),
            positives: self.acc.iter().map(|a| a.positives).collect(),
            weight_sums: self.acc.iter().map(|a| (a.tp, a.fp)).collect(),
        }
    }
}

/// A group's sums at the end of a pass.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sums {
    /// Σ ΔFP·(TP + TP_prev): twice the unnormalised ROC area.
    pub area: f64,
    /// Σ ΔTP·precision: P times the average precision.
    pub ap: f64,
    /// Σ w·log loss.
    pub log_loss: f64,
    /// Σ w·(y − p)².
    pub brier: f64,
}

/// One metric of one group from its accumulated state; `p`, `n` = positive and negative weight.
pub(super) fn value(
    m: &MetricId,
    p: f64,
    n: f64,
    confusion: &Confusion,
    tracked: impl Fn() -> f64,
    ece: impl Fn() -> f64,
    a: &Sums,
) -> Value {
    use MetricId::*;
    // A comparison of two models has no value on one model's rows; `app` fills it in.
    if m.compares_models() {
        return Err(Undefined::ComparesModels);
    }
    // Skew metrics are measured from the `skew:` files (`app`), never on predictions.
    if m.is_skew() {
        return Err(Undefined::Empty);
    }
    let total = p + n;
    if total == 0.0 {
        return Err(Undefined::Empty);
    }
    let need_pos = |v: f64| {
        if p > 0.0 {
            Ok(v)
        } else {
            Err(Undefined::NoPositives)
        }
    };
    let top_k = |top: TopK| cut_of(top, total).min(total);
    match *m {
        RocAuc => {
            if p == 0.0 {
                Err(Undefined::NoPositives)
            } else if n == 0.0 {
                Err(Undefined::NoNegatives)
            } else {
                Ok(a.area / (2.0 * p * n))
            }
        }
        PrAuc => need_pos(a.ap / p),
        LogLoss => Ok(a.log_loss / total),
        Brier => Ok(a.brier / total),
        Ece { .. } => Ok(ece()),
        RecallAtPrecision(_) => need_pos(tracked() / p),
        PrecisionAtRecall(_) => need_pos(tracked()),
        RecallAtFpr(_) => {
            if p == 0.0 {
                Err(Undefined::NoPositives)
            } else if n == 0.0 {
                Err(Undefined::NoNegatives)
            } else {
                Ok(tracked() / p)
            }
        }
        PrecisionAtK(top) => Ok(tracked() / top_k(top)),
        RecallAtK(_) => need_pos(tracked() / p),
        LiftAtK(top) => need_pos((tracked() / top_k(top)) / (p / total)),
        Rows => Ok(total),
        Positives => Ok(p),
        Prevalence => Ok(p / total),
        // Thresholded metrics: `Confusion::metric` answers every id `uses_threshold` names,
        // so the fallback is never taken.
        _ => confusion.metric(m).unwrap_or(Err(Undefined::Empty)),
    }
}
