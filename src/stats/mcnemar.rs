//! Exact McNemar test on the discordant pairs of two paired classifiers, as statsmodels
//! `mcnemar(table, exact=True)`, plus the mid-p variant.
//!
//! Unweighted only: the test counts rows.

use super::RowGroups;

/// Which rows the comparison is about, and what "correct" means on them (docs/contract.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// All rows; correct = prediction equals the label.
    Accuracy,
    /// Positive rows only; correct = predicted positive.
    Recall,
    /// Negative rows only; correct = predicted negative.
    Specificity,
}

/// The result of an exact McNemar test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McNemar {
    /// Rows the candidate gets right and the baseline wrong.
    pub b: u64,
    /// Rows the baseline gets right and the candidate wrong.
    pub c: u64,
    /// Exact two-sided p-value: `min(1, 2·P(X ≤ min(b, c)))`, `X ~ Binomial(b + c, ½)`.
    pub p: f64,
    /// Mid-p: the exact p-value less `P(X = min(b, c))`, capped at 1.
    pub mid_p: f64,
}

/// The exact test on discordant counts `b` and `c` (1 when `b + c = 0`).
pub fn exact(b: u64, c: u64) -> McNemar {
    let n = b + c;
    let k = b.min(c);
    let pmf_k = binom_half_pmf(k, n);
    let cdf_k = binom_half_cdf(k, n, pmf_k);
    McNemar {
        b,
        c,
        p: (2.0 * cdf_k).min(1.0),
        mid_p: (2.0 * cdf_k - pmf_k).min(1.0),
    }
}

/// Discordant counts from per-row correctness of both models: `b` = candidate right and
/// baseline wrong, `c` = the reverse. Rows outside the target (see [`Target`]) are skipped.
///
/// All slices hold one entry per row in the same order.
///
/// # Panics
/// If the slices differ in length (a caller bug).
pub fn discordant(
    target: Target,
    label: &[bool],
    candidate_pred: &[bool],
    baseline_pred: &[bool],
) -> (u64, u64) {
    assert!(
        label.len() == candidate_pred.len() && label.len() == baseline_pred.len(),
        "mcnemar: label and prediction slices differ in length"
    );
    let (mut b, mut c) = (0u64, 0u64);
    for ((&y, &pc), &pb) in label.iter().zip(candidate_pred).zip(baseline_pred) {
        let in_target = match target {
            Target::Accuracy => true,
            Target::Recall => y,
            Target::Specificity => !y,
        };
        // On every target, "correct" is prediction == label (recall: predicted positive
        // among positives; specificity: predicted negative among negatives).
        let (rc, rb) = (pc == y, pb == y);
        b += u64::from(in_target && rc && !rb);
        c += u64::from(in_target && !rc && rb);
    }
    (b, c)
}

/// The test per group from both models' scores at `threshold` (predict positive iff
/// `score >= threshold`); `groups` codes are per row, like the scores. `counts`: frequency
/// weights, whole numbers of identical rows each row stands for (the discordant counts b
/// and c are their sums, so the test stays exact on a joint histogram).
///
/// # Panics
/// If the slices differ in length (a caller bug).
pub fn from_scores(
    target: Target,
    label: &[bool],
    candidate: &[f64],
    baseline: &[f64],
    threshold: f64,
    groups: RowGroups<'_>,
    counts: Option<&[f64]>,
) -> Vec<McNemar> {
    assert!(
        label.len() == candidate.len() && label.len() == baseline.len(),
        "mcnemar: label and score slices differ in length"
    );
    let weight = |i: usize| counts.map_or(1, |w| w[i] as u64);
    let mut cells = vec![(0u64, 0u64); groups.count];
    for (i, ((&y, &sc), &sb)) in label.iter().zip(candidate).zip(baseline).enumerate() {
        let in_target = match target {
            Target::Accuracy => true,
            Target::Recall => y,
            Target::Specificity => !y,
        };
        let positive = |s: f64| crate::metrics::predicted_positive(s, threshold);
        let (rc, rb) = (positive(sc) == y, positive(sb) == y);
        let cell = &mut cells[groups.of(i)];
        cell.0 += u64::from(in_target && rc && !rb) * weight(i);
        cell.1 += u64::from(in_target && !rc && rb) * weight(i);
    }
    cells.into_iter().map(|(b, c)| exact(b, c)).collect()
}

/// `P(X ≤ k)` for `X ~ Binomial(n, ½)` with `k ≤ n/2`, given `pmf_k = P(X = k)`: sums the
/// pmf downward from `k` by the exact ratio `P(X = i − 1)/P(X = i) = i/(n − i + 1)`.
fn binom_half_cdf(k: u64, n: u64, pmf_k: f64) -> f64 {
    let mut term = pmf_k;
    let mut sum = pmf_k;
    let mut i = k;
    while i > 0 && term > sum * 1e-17 {
        term *= i as f64 / (n - i + 1) as f64;
        sum += term;
        i -= 1;
    }
    sum.min(1.0)
}

/// `P(X = k)` for `X ~ Binomial(n, ½)`, accurate to a few ulps in relative terms for any
/// `n` (Loader's saddle-point method, as R's `dbinom` and SciPy use).
fn binom_half_pmf(k: u64, n: u64) -> f64 {
    if k > n {
        return 0.0;
    }
    if k == 0 || k == n {
        return (-(n as f64) * std::f64::consts::LN_2).exp();
    }
    let (x, nf) = (k as f64, n as f64);
    let half = nf / 2.0;
    let lc = stirlerr(nf) - stirlerr(x) - stirlerr(nf - x) - bd0(x, half) - bd0(nf - x, half);
    let lf = (2.0 * std::f64::consts::PI).ln() + x.ln() + (-x / nf).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// `ln(n!) − ln(√(2πn)·(n/e)ⁿ)`, the error of Stirling's formula, for integer `n ≥ 1`.
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        // n! is exact in f64 here; the subtraction loses only a few ulps of ln(n!).
        let fact: f64 = (2..=n as u64).map(|i| i as f64).product();
        return fact.ln() - 0.5 * (2.0 * std::f64::consts::PI * n).ln() - n * n.ln() + n;
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// `x·ln(x/np) + np − x`, computed without cancellation when `x ≈ np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        x * (x / np).ln() + np - x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tables_by_hand() {
        // b + c = 0: nothing to test.
        let t = exact(0, 0);
        assert_eq!((t.p, t.mid_p), (1.0, 1.0));
        // b = 0, c = 3: 2·(1/8) = 0.25; mid-p = 0.25 − 1/8.
        let t = exact(0, 3);
        assert!(
            (t.p - 0.25).abs() < 1e-15 && (t.mid_p - 0.125).abs() < 1e-15,
            "{t:?}"
        );
        // b = 1, c = 4: 2·(1 + 5)/32 = 0.375; mid-p = 0.375 − 5/32.
        let t = exact(4, 1);
        assert!(
            (t.p - 0.375).abs() < 1e-15 && (t.mid_p - 0.21875).abs() < 1e-15,
            "{t:?}"
        );
        // b = c: p = 1 and mid-p = 1.
        let t = exact(7, 7);
        assert!((t.p - 1.0).abs() < 1e-15 && (t.mid_p - 1.0).abs() < 1e-15);
    }

    #[test]
    fn pmf_sums_to_one() {
        for n in [1u64, 2, 15, 16, 40, 101, 999, 20_000] {
            let total: f64 = (0..=n).map(|k| binom_half_pmf(k, n)).sum();
            assert!((total - 1.0).abs() < 1e-12, "n={n}: {total}");
        }
    }

    #[test]
    fn targets_pick_rows() {
        let y = [true, true, false, false, true];
        let cand = [true, false, false, true, true];
        let base = [false, true, true, true, true];
        // accuracy: row0 cand right/base wrong; row1 reverse; row2 cand right/base wrong.
        assert_eq!(discordant(Target::Accuracy, &y, &cand, &base), (2, 1));
        assert_eq!(discordant(Target::Recall, &y, &cand, &base), (1, 1));
        assert_eq!(discordant(Target::Specificity, &y, &cand, &base), (1, 0));
        let sc = [0.9, 0.1, 0.2, 0.7, 0.8];
        let sb = [0.3, 0.6, 0.5, 0.9, 0.5];
        let t = from_scores(Target::Accuracy, &y, &sc, &sb, 0.5, RowGroups::ALL, None);
        assert_eq!((t[0].b, t[0].c), (2, 1));
        // Per group: rows 0-2 in group 0, rows 3-4 in group 1.
        let codes = [0, 0, 0, 1, 1];
        let g = from_scores(
            Target::Accuracy,
            &y,
            &sc,
            &sb,
            0.5,
            RowGroups {
                codes: Some(&codes),
                count: 2,
            },
            None,
        );
        assert_eq!((g[0].b, g[0].c, g[1].b, g[1].c), (2, 1, 0, 0));
    }

    #[test]
    fn frequency_counts_equal_the_expanded_rows() {
        // Five bins standing for 3, 1, 4, 2, 5 identical rows.
        let y = [true, true, false, false, true];
        let sc = [0.9, 0.1, 0.2, 0.7, 0.8];
        let sb = [0.3, 0.6, 0.5, 0.9, 0.5];
        let w = [3.0, 1.0, 4.0, 2.0, 5.0];
        let weighted = from_scores(
            Target::Accuracy,
            &y,
            &sc,
            &sb,
            0.5,
            RowGroups::ALL,
            Some(&w),
        );
        let (mut ey, mut ec, mut eb) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..5 {
            for _ in 0..w[i] as usize {
                ey.push(y[i]);
                ec.push(sc[i]);
                eb.push(sb[i]);
            }
        }
        let expanded = from_scores(Target::Accuracy, &ey, &ec, &eb, 0.5, RowGroups::ALL, None);
        assert_eq!(weighted, expanded);
        assert_eq!((weighted[0].b, weighted[0].c), (7, 1));
    }
}
