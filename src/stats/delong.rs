//! DeLong's variance of the AUC, the paired test of two AUCs and their Wald intervals,
//! in O(n) on the existing sort (Sun & Xu 2014), equal to R pROC's `var`, `cov`,
//! `ci.auc(method = "delong")` and `roc.test(method = "delong", paired = TRUE)`.
//!
//! Placement values: a positive's `V10` is the weight of negatives scored below it plus half
//! the tied negatives, over the negative weight; a negative's `V01` is the weight of
//! positives scored above it plus half the tied, over the positive weight. The AUC is the
//! weighted mean of either set; its variance comes from their spread (see [`WeightKind`]).

use super::{Interval, RowGroups, Undefined, WeightKind, normal_cdf, z_critical};
use crate::metrics::Ranked;

/// One model's AUC with its DeLong variance and Wald interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Auc {
    /// The AUC (ties count ½), weighted when weights are given.
    pub auc: f64,
    /// DeLong variance of the AUC.
    pub variance: f64,
    /// Standard error, `√variance`.
    pub se: f64,
    /// Wald interval `auc ± z·se`, clamped to `[0, 1]` as pROC `ci.auc` does.
    pub interval: Interval,
    /// Positive rows in the group.
    pub positives: u64,
    /// Negative rows in the group.
    pub negatives: u64,
}

/// Two models' AUCs on the same rows, compared with DeLong's paired test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedAuc {
    /// The candidate's AUC.
    pub candidate: Auc,
    /// The baseline's AUC.
    pub baseline: Auc,
    /// `candidate.auc − baseline.auc`.
    pub delta: f64,
    /// DeLong covariance of the two AUCs.
    pub covariance: f64,
    /// Variance of the delta: `var_c + var_b − 2·cov`.
    pub variance: f64,
    /// Standard error of the delta.
    pub se: f64,
    /// `delta / se` (0 when both are 0, as pROC; ±∞ when only `se` is 0).
    pub z: f64,
    /// Two-sided p-value of equal AUCs, `2·Φ(−|z|)`.
    pub p_value: f64,
    /// Wald interval of the delta, `delta ± z_{1−α/2}·se` (not clamped).
    pub interval: Interval,
}

/// DeLong AUC, variance and Wald interval at `confidence`, per group.
///
/// `groups` codes are per original row (see [`RowGroups`]). A group is undefined without
/// positives or negatives, or with a single one of either (no variance).
pub fn single(
    ranked: &Ranked,
    groups: RowGroups<'_>,
    mode: WeightKind,
    confidence: f64,
) -> Vec<Result<Auc, Undefined>> {
    let codes = groups.sorted_for(ranked);
    let pl = placements(ranked, codes.as_deref(), groups.count);
    let mut sums = vec![Moments::default(); groups.count];
    let w = ranked.weight.as_deref();
    for (k, &pos) in ranked.positive.iter().enumerate() {
        let g = codes.as_ref().map_or(0, |c| c[k] as usize);
        let f = weight_factor(mode, w.map_or(1.0, |w| w[k]));
        let d = pl.v[k] - pl.groups[g].auc;
        let s = &mut sums[g].class[usize::from(pos)];
        s.cc += f * d * d;
    }
    let z = z_critical(confidence);
    pl.groups
        .iter()
        .zip(&sums)
        .map(|(t, s)| {
            let (fp, fn_) = t.factors(mode)?;
            let variance = fp * s.class[1].cc + fn_ * s.class[0].cc;
            Ok(auc_with_interval(t, variance, z))
        })
        .collect()
}

/// DeLong's paired comparison of two models scored on the same rows, per group.
///
/// The two [`Ranked`] must hold the same rows (paired by [`Ranked::row`]) with the same
/// labels and weights; `groups` codes are per original row (see [`RowGroups`]). Equal to
/// pROC `roc.test(method = "delong", paired = TRUE)` with unit weights: `z`, `p`, and
/// the delta's interval at `confidence`.
///
/// # Panics
/// If the two models hold different numbers of rows (a caller bug, not user input).
pub fn paired(
    candidate: &Ranked,
    baseline: &Ranked,
    groups: RowGroups<'_>,
    mode: WeightKind,
    confidence: f64,
) -> Vec<Result<PairedAuc, Undefined>> {
    assert_eq!(
        candidate.row.len(),
        baseline.row.len(),
        "delong::paired: candidate and baseline hold different rows"
    );
    let codes_c = groups.sorted_for(candidate);
    let pc = placements(candidate, codes_c.as_deref(), groups.count);
    let pb = {
        let codes_b = groups.sorted_for(baseline);
        placements(baseline, codes_b.as_deref(), groups.count)
    };
    // Baseline placements by original row, so the candidate's order can pair them.
    let mut vb_row = vec![0.0; baseline.row.len()];
    for (&r, &v) in baseline.row.iter().zip(&pb.v) {
        vb_row[r as usize] = v;
    }
    let mut sums = vec![Moments::default(); groups.count];
    let w = candidate.weight.as_deref();
    for (k, (&pos, &r)) in candidate.positive.iter().zip(&candidate.row).enumerate() {
        let g = codes_c.as_ref().map_or(0, |c| c[k] as usize);
        let f = weight_factor(mode, w.map_or(1.0, |w| w[k]));
        let dc = pc.v[k] - pc.groups[g].auc;
        let db = vb_row[r as usize] - pb.groups[g].auc;
        let s = &mut sums[g].class[usize::from(pos)];
        s.cc += f * dc * dc;
        s.bb += f * db * db;
        s.cb += f * dc * db;
    }
    let z = z_critical(confidence);
    pc.groups
        .iter()
        .zip(&pb.groups)
        .zip(&sums)
        .map(|((tc, tb), s)| {
            let (fp, fn_) = tc.factors(mode)?;
            let (pos, neg) = (&s.class[1], &s.class[0]);
            let var_c = fp * pos.cc + fn_ * neg.cc;
            let var_b = fp * pos.bb + fn_ * neg.bb;
            let covariance = fp * pos.cb + fn_ * neg.cb;
            let delta = tc.auc - tb.auc;
            // Rounding can push the variance of two near-identical models just below 0.
            let variance = (var_c + var_b - 2.0 * covariance).max(0.0);
            let se = variance.sqrt();
            let zs = if se == 0.0 && delta == 0.0 {
                0.0
            } else {
                delta / se
            };
            Ok(PairedAuc {
                candidate: auc_with_interval(tc, var_c, z),
                baseline: auc_with_interval(tb, var_b, z),
                delta,
                covariance,
                variance,
                se,
                z: zs,
                p_value: 2.0 * normal_cdf(-zs.abs()),
                interval: Interval {
                    lo: delta - z * se,
                    hi: delta + z * se,
                },
            })
        })
        .collect()
}

/// Per-row weight multiplier of the squared deviations.
#[inline]
fn weight_factor(mode: WeightKind, w: f64) -> f64 {
    match mode {
        WeightKind::Sampling => w * w,
        WeightKind::Frequency => w,
    }
}

fn auc_with_interval(t: &GroupTotals, variance: f64, z: f64) -> Auc {
    let se = variance.sqrt();
    Auc {
        auc: t.auc,
        variance,
        se,
        interval: Interval {
            lo: (t.auc - z * se).clamp(0.0, 1.0),
            hi: (t.auc + z * se).clamp(0.0, 1.0),
        },
        positives: t.positives,
        negatives: t.negatives,
    }
}

/// Weighted sums of products of deviations from the AUC, for one class of one group:
/// candidate², baseline², candidate·baseline.
#[derive(Debug, Clone, Copy, Default)]
struct Products {
    cc: f64,
    bb: f64,
    cb: f64,
}

/// [`Products`] per class: `class[0]` negatives, `class[1]` positives.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    class: [Products; 2],
}

/// One group's class totals and AUC.
#[derive(Debug, Clone, Copy, Default)]
struct GroupTotals {
    /// Positive weight `W_P`.
    wp: f64,
    /// Negative weight `W_N`.
    wn: f64,
    /// Positive rows.
    positives: u64,
    /// Negative rows.
    negatives: u64,
    /// Positive rows of non-zero weight (`m` of the sandwich correction).
    m: u64,
    /// Negative rows of non-zero weight.
    n: u64,
    /// Weighted mean of the positives' `V10`.
    auc: f64,
}

impl GroupTotals {
    /// The factors that turn the positive and negative sums of squares into variance
    /// terms, or why the variance is undefined.
    fn factors(&self, mode: WeightKind) -> Result<(f64, f64), Undefined> {
        if self.m == 0 || self.wp <= 0.0 {
            return Err(Undefined::NoPositives);
        }
        if self.n == 0 || self.wn <= 0.0 {
            return Err(Undefined::NoNegatives);
        }
        match mode {
            WeightKind::Sampling => {
                if self.m < 2 {
                    return Err(Undefined::SinglePositive);
                }
                if self.n < 2 {
                    return Err(Undefined::SingleNegative);
                }
                let (m, n) = (self.m as f64, self.n as f64);
                Ok((
                    m / (m - 1.0) / (self.wp * self.wp),
                    n / (n - 1.0) / (self.wn * self.wn),
                ))
            }
            WeightKind::Frequency => {
                if self.wp <= 1.0 {
                    return Err(Undefined::SinglePositive);
                }
                if self.wn <= 1.0 {
                    return Err(Undefined::SingleNegative);
                }
                Ok((
                    1.0 / ((self.wp - 1.0) * self.wp),
                    1.0 / ((self.wn - 1.0) * self.wn),
                ))
            }
        }
    }
}

/// Placement values of one model, per sorted position, and per-group totals.
struct Placements {
    /// `V10` at positive positions, `V01` at negative ones.
    v: Vec<f64>,
    groups: Vec<GroupTotals>,
}

/// One pass for the class totals, one over tie blocks (equal scores) for the placements.
fn placements(ranked: &Ranked, codes: Option<&[u32]>, count: usize) -> Placements {
    let n = ranked.scores.len();
    let group = |k: usize| codes.map_or(0, |c| c[k] as usize);
    let weight = |k: usize| ranked.weight.as_ref().map_or(1.0, |w| w[k]);
    let mut groups = vec![GroupTotals::default(); count];
    for k in 0..n {
        let t = &mut groups[group(k)];
        let w = weight(k);
        if ranked.positive[k] {
            t.wp += w;
            t.positives += 1;
            t.m += u64::from(w > 0.0);
        } else {
            t.wn += w;
            t.negatives += 1;
            t.n += u64::from(w > 0.0);
        }
    }
    // Weight strictly above the current block, and within it, per group and class.
    let mut above = vec![[0.0f64; 2]; count];
    let mut tied = vec![[0.0f64; 2]; count];
    let mut auc_sum = vec![0.0f64; count];
    let mut v = vec![0.0f64; n];
    let mut start = 0;
    while start < n {
        let s = ranked.scores[start];
        let mut end = start + 1;
        while end < n && ranked.scores[end] == s {
            end += 1;
        }
        for k in start..end {
            tied[group(k)][usize::from(ranked.positive[k])] += weight(k);
        }
        for (k, out) in (start..end).zip(&mut v[start..end]) {
            let g = group(k);
            let t = &groups[g];
            if ranked.positive[k] {
                // Negatives below = all − above − tied; ties count half.
                let below = t.wn - above[g][0] - tied[g][0];
                let v10 = (below + 0.5 * tied[g][0]) / t.wn;
                *out = v10;
                auc_sum[g] += weight(k) * v10;
            } else {
                *out = (above[g][1] + 0.5 * tied[g][1]) / t.wp;
            }
        }
        for k in start..end {
            let g = group(k);
            let c = usize::from(ranked.positive[k]);
            above[g][c] += tied[g][c];
            tied[g][c] = 0.0;
        }
        start = end;
    }
    for (t, s) in groups.iter_mut().zip(auc_sum) {
        t.auc = s / t.wp;
    }
    Placements { v, groups }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted rows from unsorted scores (descending, ties by row), for the tests.
    fn rank(scores: &[f64], positive: &[bool], weight: Option<&[f64]>) -> Ranked {
        let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
        idx.sort_by(|&a, &b| {
            scores[b as usize]
                .total_cmp(&scores[a as usize])
                .then(a.cmp(&b))
        });
        Ranked {
            scores: idx.iter().map(|&i| scores[i as usize]).collect(),
            positive: idx.iter().map(|&i| positive[i as usize]).collect(),
            weight: weight.map(|w| idx.iter().map(|&i| w[i as usize]).collect()),
            row: idx,
        }
    }

    /// O(P·N) reference placements and variance, straight from DeLong (1988).
    fn brute(scores: &[f64], y: &[bool]) -> (f64, f64) {
        let pos: Vec<f64> = scores
            .iter()
            .zip(y)
            .filter(|p| *p.1)
            .map(|p| *p.0)
            .collect();
        let neg: Vec<f64> = scores
            .iter()
            .zip(y)
            .filter(|p| !*p.1)
            .map(|p| *p.0)
            .collect();
        let psi = |x: f64, z: f64| {
            if x > z {
                1.0
            } else if x == z {
                0.5
            } else {
                0.0
            }
        };
        let (m, n) = (pos.len() as f64, neg.len() as f64);
        let v10: Vec<f64> = pos
            .iter()
            .map(|&x| neg.iter().map(|&z| psi(x, z)).sum::<f64>() / n)
            .collect();
        let v01: Vec<f64> = neg
            .iter()
            .map(|&z| pos.iter().map(|&x| psi(x, z)).sum::<f64>() / m)
            .collect();
        let a = v10.iter().sum::<f64>() / m;
        let s10 = v10.iter().map(|v| (v - a).powi(2)).sum::<f64>() / (m - 1.0);
        let s01 = v01.iter().map(|v| (v - a).powi(2)).sum::<f64>() / (n - 1.0);
        (a, s10 / m + s01 / n)
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn matches_brute_force_with_ties() {
        let mut s = 3u64;
        let n = 300;
        // Scores on a coarse grid to force many ties.
        let y: Vec<bool> = (0..n).map(|_| lcg(&mut s) < 0.3).collect();
        let sc: Vec<f64> = y
            .iter()
            .map(|&p| ((lcg(&mut s) + if p { 0.3 } else { 0.0 }) * 10.0).floor())
            .collect();
        let (a, var) = brute(&sc, &y);
        for mode in [WeightKind::Sampling, WeightKind::Frequency] {
            let out = single(&rank(&sc, &y, None), RowGroups::ALL, mode, 0.95);
            let got = out[0].expect("defined");
            assert!((got.auc - a).abs() < 1e-14, "{} vs {a}", got.auc);
            assert!(
                (got.variance - var).abs() < 1e-15,
                "{} vs {var}",
                got.variance
            );
        }
        // Unit weights given explicitly change nothing.
        let ones = vec![1.0; n];
        let got = single(
            &rank(&sc, &y, Some(&ones)),
            RowGroups::ALL,
            WeightKind::Sampling,
            0.95,
        )[0]
        .expect("defined");
        assert!((got.variance - var).abs() < 1e-15);
    }

    #[test]
    fn frequency_weights_equal_duplicated_rows() {
        let sc = [0.9, 0.8, 0.8, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2];
        let y = [true, false, true, true, false, true, false, false, false];
        let w = [2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 1.0, 4.0, 1.0];
        let mut sd = Vec::new();
        let mut yd = Vec::new();
        for i in 0..sc.len() {
            for _ in 0..w[i] as usize {
                sd.push(sc[i]);
                yd.push(y[i]);
            }
        }
        let (a, var) = brute(&sd, &yd);
        let got = single(
            &rank(&sc, &y, Some(&w)),
            RowGroups::ALL,
            WeightKind::Frequency,
            0.95,
        )[0]
        .expect("defined");
        assert!((got.auc - a).abs() < 1e-14 && (got.variance - var).abs() < 1e-15);
        // Sampling weights: same AUC, a different (sandwich) variance.
        let samp = single(
            &rank(&sc, &y, Some(&w)),
            RowGroups::ALL,
            WeightKind::Sampling,
            0.95,
        )[0]
        .expect("defined");
        assert!((samp.auc - a).abs() < 1e-14 && (samp.variance - var).abs() > 1e-6);
    }

    #[test]
    fn groups_are_independent_and_undefined_reasons() {
        let sc = [0.9, 0.1, 0.8, 0.3, 0.7, 0.2, 0.6, 0.65, 0.5];
        let y = [true, false, true, false, true, false, false, true, true];
        let codes = [0, 0, 1, 1, 0, 0, 2, 2, 3];
        let r = rank(&sc, &y, None);
        let out = single(
            &r,
            RowGroups {
                codes: Some(&codes),
                count: 5,
            },
            WeightKind::Sampling,
            0.95,
        );
        // Group 0: rows 0, 1, 4, 5 → AUC 1, variance 0.
        let g0 = out[0].expect("group 0");
        assert_eq!(
            (g0.auc, g0.variance, g0.positives, g0.negatives),
            (1.0, 0.0, 2, 2)
        );
        assert_eq!(out[1], Err(Undefined::SinglePositive));
        assert_eq!(out[2], Err(Undefined::SinglePositive));
        assert_eq!(out[3], Err(Undefined::NoNegatives));
        assert_eq!(out[4], Err(Undefined::NoPositives));
    }

    #[test]
    fn identical_models_give_zero_z() {
        let sc = [0.9, 0.1, 0.8, 0.3, 0.7, 0.2, 0.6];
        let y = [true, false, true, false, false, true, true];
        let r = rank(&sc, &y, None);
        let p = paired(&r, &r, RowGroups::ALL, WeightKind::Sampling, 0.95)[0].expect("defined");
        assert_eq!((p.delta, p.z, p.p_value), (0.0, 0.0, 1.0));
        assert!(p.se.abs() < 1e-9 && p.interval.lo <= 0.0 && p.interval.hi >= 0.0);
    }
}
