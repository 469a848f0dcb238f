//! The ranking metrics of [`LANES`] reweightings of one model's rows in one pass: what the
//! bootstrap needs, at the cost of the data and not of the replicates.
//!
//! [`evaluate`](super::evaluate) flushes a curve point at every tie group. Here the pass
//! only does work where the curves can change: a tie group without a positive row moves
//! both curves along the FP axis only, which leaves the precision–recall sums and every
//! tracker unchanged (at equal TP, later points have more FP: lower precision, higher
//! FPR), and adds `ΔFP·2·TP` to the ROC area, a product that can wait for the next tie
//! group with a positive. So a negative row in such a group costs one addition per lane,
//! and the tie structure, which is the same for every reweighting, is found once
//! ([`Ties::new`]). Values are those of [`evaluate`](super::evaluate) with the same
//! per-row weights (proven by the tests below on heavy ties and zero weights).
// Lane and stratum loops index several parallel arrays by the same lane or label.
#![allow(clippy::needless_range_loop)]

use super::stream::{Kernel, Point, Sums, cut_of, value};
use super::{Confusion, MetricId, Plan, Ranked, SortedGroups, Value};

/// Reweightings computed together.
pub const LANES: usize = 8;

/// One value per reweighting.
pub type Lanes = [f64; LANES];

/// Per sorted position, what the pass does with the row; the same for every reweighting.
#[derive(Debug, Clone)]
pub struct Ties {
    /// 0: in a tie group (of its own group) without a positive row; 1: in a tie group with
    /// one, 2: the last row of such a tie group (its point is flushed after it).
    kind: Vec<u8>,
}

impl Ties {
    /// The tie structure of `ranked` within each group (`groups.codes` in sorted order).
    ///
    /// # Panics
    /// If the codes do not cover every row (a caller bug).
    pub fn new(ranked: &Ranked, groups: SortedGroups<'_>) -> Ties {
        let n = ranked.len();
        let code = |i: usize| groups.codes.map_or(0, |c| c[i] as usize);
        // Per row its tie group's id; per tie group whether it has a positive, and its last row.
        let mut last_score = vec![f64::NAN; groups.count];
        let mut current = vec![u32::MAX; groups.count];
        let mut tie = Vec::with_capacity(n);
        let mut has_pos: Vec<bool> = Vec::new();
        let mut last_row: Vec<usize> = Vec::new();
        for i in 0..n {
            let g = code(i);
            let s = ranked.scores[i];
            if s != last_score[g] || current[g] == u32::MAX {
                current[g] = has_pos.len() as u32;
                has_pos.push(false);
                last_row.push(i);
                last_score[g] = s;
            }
            let t = current[g] as usize;
            has_pos[t] |= ranked.positive[i];
            last_row[t] = i;
            tie.push(current[g]);
        }
        let kind = tie
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let t = t as usize;
                match (has_pos[t], last_row[t] == i) {
                    (false, _) => 0,
                    (true, false) => 1,
                    (true, true) => 2,
                }
            })
            .collect();
        Ties { kind }
    }
}

/// Per-group, per-lane state of the pass.
#[derive(Debug, Clone, Copy)]
struct Acc {
    /// Cumulative positive / negative weight up to the last flushed point, plus the
    /// negatives of tie groups without positives since.
    tp: Lanes,
    fp: Lanes,
    /// FP at the last flushed point: `fp − fp_last` is negative weight whose ROC area waits.
    fp_last: Lanes,
    /// Weight of the pending tie group (one with a positive row).
    pend_tp: Lanes,
    pend_fp: Lanes,
    /// Σ ΔFP·(TP + TP_prev) and Σ ΔTP·precision, as in [`evaluate`](super::evaluate).
    area: Lanes,
    ap: Lanes,
}

const ZERO: Lanes = [0.0; LANES];

impl Acc {
    const NEW: Acc = Acc {
        tp: ZERO,
        fp: ZERO,
        fp_last: ZERO,
        pend_tp: ZERO,
        pend_fp: ZERO,
        area: ZERO,
        ap: ZERO,
    };

    /// Settles the negatives waiting since the last point: their ROC area, and the top-k
    /// cut if their first tie group starts before it.
    #[inline(always)]
    fn settle(&mut self, k: &Kernel, slots: &mut [Lanes], totals: &[(f64, f64); LANES]) {
        for l in 0..LANES {
            self.area[l] += (self.fp[l] - self.fp_last[l]) * 2.0 * self.tp[l];
        }
        for (slot, t) in slots.iter_mut().zip(&k.trackers) {
            if let super::stream::Tracker::TopK(top) = *t {
                for l in 0..LANES {
                    let cut = cut_of(top, totals[l].0 + totals[l].1);
                    if self.tp[l] + self.fp_last[l] < cut {
                        slot[l] = self.tp[l];
                    }
                }
            }
        }
        self.fp_last = self.fp;
    }

    /// Flushes the pending tie group as one curve point per lane.
    #[inline(always)]
    fn flush(&mut self, k: &Kernel, slots: &mut [Lanes], totals: &[(f64, f64); LANES]) {
        self.settle(k, slots, totals);
        for l in 0..LANES {
            let (tp0, fp0) = (self.tp[l], self.fp[l]);
            let (tp, fp) = (tp0 + self.pend_tp[l], fp0 + self.pend_fp[l]);
            let cum = tp + fp;
            let precision = if cum > 0.0 { tp / cum } else { 0.0 };
            self.area[l] += (fp - fp0) * (tp + tp0);
            self.ap[l] += (tp - tp0) * precision;
            for (slot, t) in slots.iter_mut().zip(&k.trackers) {
                t.update(&mut slot[l], Point { tp, fp, tp0, fp0 }, totals[l]);
            }
            self.tp[l] = tp;
            self.fp[l] = fp;
        }
        self.fp_last = self.fp;
        self.pend_tp = ZERO;
        self.pend_fp = ZERO;
    }
}

/// The ranking metrics of `plan` (and the counts) for every group, in [`LANES`]
/// reweightings of the rows, in one pass over `ranked`.
///
/// `weight(sorted position, original row, group, positive)` gives the row's weight in each
/// lane (sample weight included); `totals[group]` the lanes' total positive and negative
/// weight of the group, needed during the pass by `precision_at_recall`, `recall_at_fpr`
/// and fractional top-k (the bootstrap knows them without a pass: stratification keeps
/// them). `ties` must come from the same `ranked` and `groups`.
///
/// Returns `values[(group · width + metric) · LANES + lane]`, as
/// [`evaluate`](super::evaluate) would give for each lane's weights.
///
/// # Panics
/// If the plan holds a metric that is neither ranking nor a count (calibration and
/// thresholded metrics are the caller's to compute elsewhere), or the codes, ties or totals
/// do not match the rows and groups (caller bugs).
pub fn evaluate_lanes<W>(
    ranked: &Ranked,
    groups: SortedGroups<'_>,
    ties: &Ties,
    plan: &Plan,
    totals: &[[(f64, f64); LANES]],
    weight: W,
) -> Vec<Value>
where
    W: Fn(usize, u32, usize, bool) -> Lanes,
{
    assert!(
        plan.metrics.iter().all(|m| m.uses_ranking()
            || matches!(
                m,
                MetricId::Rows | MetricId::Positives | MetricId::Prevalence
            )),
        "evaluate_lanes: ranking metrics and counts only"
    );
    let n = ranked.len();
    assert_eq!(ties.kind.len(), n, "ties of another ranking");
    assert_eq!(totals.len(), groups.count, "one total per group");
    let k = Kernel::compile(plan);
    let nt = k.trackers.len();
    let mut acc = vec![Acc::NEW; groups.count];
    let mut slots = vec![ZERO; groups.count * nt];
    let (positive, rows, kind) = (&ranked.positive[..n], &ranked.row[..n], &ties.kind[..n]);
    let mut pass = |g: usize, i: usize| {
        let pos = positive[i];
        let w = weight(i, rows[i], g, pos);
        let a = &mut acc[g];
        match kind[i] {
            0 => {
                for l in 0..LANES {
                    a.fp[l] += w[l];
                }
            }
            kind => {
                let into = if pos { &mut a.pend_tp } else { &mut a.pend_fp };
                for l in 0..LANES {
                    into[l] += w[l];
                }
                if kind == 2 {
                    a.flush(&k, &mut slots[g * nt..(g + 1) * nt], &totals[g]);
                }
            }
        }
    };
    match groups.codes {
        None => (0..n).for_each(|i| pass(0, i)),
        Some(c) => (0..n).for_each(|i| pass(c[i] as usize, i)),
    }
    let width = plan.metrics.len();
    let mut values = Vec::with_capacity(groups.count * width * LANES);
    for (g, a) in acc.iter_mut().enumerate() {
        a.settle(&k, &mut slots[g * nt..(g + 1) * nt], &totals[g]);
        for (m, &slot) in plan.metrics.iter().zip(&k.slot) {
            for l in 0..LANES {
                let sums = Sums {
                    area: a.area[l],
                    ap: a.ap[l],
                    ..Sums::default()
                };
                let tracked = || slots[g * nt + slot][l];
                values.push(value(
                    m,
                    a.tp[l],
                    a.fp[l],
                    &Confusion::default(),
                    tracked,
                    || 0.0,
                    &sums,
                ));
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{TopK, evaluate};

    /// Rows with heavy ties and zero weights in three groups.
    fn data(n: usize, seed: u64) -> (Ranked, Vec<u32>, Vec<[f64; LANES]>) {
        let mut z = seed;
        let mut next = move || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        let pos: Vec<bool> = (0..n).map(|_| next() % 5 == 0).collect();
        let scores: Vec<f64> = pos
            .iter()
            .map(|&p| ((next() % 12) as f64 + if p { 3.0 } else { 0.0 }) / 10.0)
            .collect();
        let r = Ranked::new(&scores, &pos, None);
        let codes: Vec<u32> = (0..n).map(|_| (next() % 3) as u32).collect();
        let lane_w: Vec<[f64; LANES]> = (0..n)
            .map(|_| std::array::from_fn(|_| (next() % 4) as f64 * 0.5))
            .collect();
        (r, codes, lane_w)
    }

    #[test]
    fn equals_one_pass_per_lane() {
        let plan = Plan {
            metrics: vec![
                MetricId::RocAuc,
                MetricId::PrAuc,
                MetricId::RecallAtPrecision(0.4),
                MetricId::PrecisionAtRecall(0.5),
                MetricId::RecallAtFpr(0.2),
                MetricId::PrecisionAtK(TopK::Fraction(0.3)),
                MetricId::RecallAtK(TopK::Count(7.0)),
                MetricId::LiftAtK(TopK::Fraction(0.1)),
                MetricId::Rows,
                MetricId::Prevalence,
            ],
            threshold: 0.5,
        };
        for (n, seed) in [(1, 1), (5, 2), (60, 3), (400, 4), (2000, 5)] {
            let (r, codes, lane_w) = data(n, seed);
            let sorted = r.gather(&codes);
            for grouped in [false, true] {
                let groups = SortedGroups {
                    codes: grouped.then_some(&sorted[..]),
                    count: if grouped { 3 } else { 1 },
                };
                let g_of = |i: usize| if grouped { sorted[i] as usize } else { 0 };
                let mut totals = vec![[(0.0, 0.0); LANES]; groups.count];
                for i in 0..n {
                    let w = lane_w[r.row[i] as usize];
                    for l in 0..LANES {
                        let t = &mut totals[g_of(i)][l];
                        if r.positive[i] {
                            t.0 += w[l];
                        } else {
                            t.1 += w[l];
                        }
                    }
                }
                let ties = Ties::new(&r, groups);
                let got = evaluate_lanes(&r, groups, &ties, &plan, &totals, |_, row, _, _| {
                    lane_w[row as usize]
                });
                let width = plan.metrics.len();
                for l in 0..LANES {
                    let want = evaluate(&r, groups, &plan, |row, _, _| lane_w[row as usize][l]);
                    for g in 0..groups.count {
                        for m in 0..width {
                            let (a, b) = (got[(g * width + m) * LANES + l], want.group(g)[m]);
                            let same = match (a, b) {
                                (Ok(x), Ok(y)) => (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                                (x, y) => x == y,
                            };
                            assert!(
                                same,
                                "n {n} lane {l} group {g} {}: {a:?} vs {b:?}",
                                plan.metrics[m]
                            );
                        }
                    }
                }
            }
        }
    }
}
