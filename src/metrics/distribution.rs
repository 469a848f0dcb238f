//! Distribution metrics: how far two sets of scores lie apart, labels unused; and decision
//! churn: how many decisions flip between two models on the same rows.
//!
//! A promotion gate on labelled rows misses a candidate whose scores drift (every
//! threshold, calibration and downstream rule was tuned on the old distribution) or that
//! is "as good" while changing many individual decisions. These functions measure that on
//! plain slices; `app` feeds them the candidate's and the baseline's scores of one slice.
//!
//! Definitions (CONTRACT §4, golden values from `tests/golden/distribution/make_golden.py`):
//! - `ks`: the two-sample Kolmogorov–Smirnov statistic `D = sup_x |F_a(x) − F_b(x)|` with
//!   empirical CDFs `F(x) = #{s ≤ x} / n`, as `scipy.stats.ks_2samp(a, b).statistic`.
//! - `wasserstein`: the 1-Wasserstein (earth mover's) distance `∫ |F_a(x) − F_b(x)| dx`, as
//!   `scipy.stats.wasserstein_distance(a, b)`.
//! - `psi(bins)`: the population stability index of `actual` against `expected`:
//!   bins are cut at the `expected` sample's quantiles `i / bins` (`i = 1 … bins − 1`,
//!   linear interpolation, numpy's default), duplicate edges merged; a value `x` falls in
//!   bin `#{edges ≤ x}` (bins closed on the left). With shares `p` (actual) and `q`
//!   (expected), each raised to at least [`PSI_EPSILON`] so that an empty bin is finite,
//!   `PSI = Σ (p_i − q_i) · ln(p_i / q_i)`.
//! - `js_divergence(bins)`: the Jensen–Shannon divergence of the same binned shares, in
//!   bits (base 2, so it lies in `[0, 1]`): `JS = ½ KL(p‖m) + ½ KL(q‖m)`, `m = (p + q) / 2`,
//!   `0 · log 0 = 0` (no epsilon needed). Equals
//!   `scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2`.
//! - `churn`: the share of rows whose decision (`score ≥ threshold`) differs between the
//!   two models; `churn_positive` / `churn_negative` the same among positive / negative
//!   rows. Weighted by the sample weights when there are any.

use super::{Undefined, Value};

/// Floor on a bin's share in PSI, so that an empty bin gives a large but finite term
/// (the common choice of monitoring tools; `ln(1e-4)` ≈ −9.2).
pub const PSI_EPSILON: f64 = 1e-4;

/// The two-sample Kolmogorov–Smirnov statistic of two **ascending** samples.
///
/// Walks the merged order once: after every distinct value `x` the two empirical CDFs are
/// `#{a ≤ x}/n_a` and `#{b ≤ x}/n_b`; `D` is the largest absolute difference. `O(n_a + n_b)`.
pub fn ks(a: &[f64], b: &[f64]) -> Value {
    if a.is_empty() || b.is_empty() {
        return Err(Undefined::Empty);
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut d: f64 = 0.0;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    Ok(d)
}

/// The 1-Wasserstein distance of two **ascending** samples: `Σ_k |F_a − F_b| · (x_{k+1} − x_k)`
/// over the merged distinct values `x_k`, the CDFs taken at `x_k` (as scipy computes it).
pub fn wasserstein(a: &[f64], b: &[f64]) -> Value {
    if a.is_empty() || b.is_empty() {
        return Err(Undefined::Empty);
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut total = 0.0;
    let mut prev: Option<f64> = None;
    let mut prev_gap = 0.0;
    loop {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        if let Some(p) = prev {
            total += prev_gap * (x - p);
        }
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        prev = Some(x);
        prev_gap = (i as f64 / na - j as f64 / nb).abs();
    }
    Ok(total)
}

/// The `q`-quantile of an **ascending** non-empty sample, numpy's default (`linear`):
/// position `q·(n − 1)`, interpolated between its neighbours.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = pos - lo as f64;
    let (a, b) = (sorted[lo.min(n - 1)], sorted[hi]);
    // numpy's lerp: exact at both ends.
    if frac >= 0.5 {
        b - (b - a) * (1.0 - frac)
    } else {
        a + (b - a) * frac
    }
}

/// Bin edges: the `expected` sample's quantiles `i / bins`, `i = 1 … bins − 1`, duplicates
/// merged, ascending.
pub fn quantile_edges(expected_sorted: &[f64], bins: u32) -> Vec<f64> {
    let mut edges: Vec<f64> = (1..bins)
        .map(|i| quantile(expected_sorted, f64::from(i) / f64::from(bins)))
        .collect();
    edges.dedup();
    edges
}

/// The share of an **ascending** sample in each bin: bin `k` holds `edges[k−1] ≤ x < edges[k]`
/// (`edges.len() + 1` bins, the outer ones open).
pub fn bin_shares(sorted: &[f64], edges: &[f64]) -> Vec<f64> {
    let n = sorted.len() as f64;
    let mut out = Vec::with_capacity(edges.len() + 1);
    let mut start = 0usize;
    for &e in edges {
        let end = start + sorted[start..].partition_point(|&x| x < e);
        out.push((end - start) as f64 / n);
        start = end;
    }
    out.push((sorted.len() - start) as f64 / n);
    out
}

/// The binned shares of `actual` and `expected` on `expected`'s quantile bins.
fn binned(actual: &[f64], expected: &[f64], bins: u32) -> Result<(Vec<f64>, Vec<f64>), Undefined> {
    if actual.is_empty() || expected.is_empty() {
        return Err(Undefined::Empty);
    }
    let edges = quantile_edges(expected, bins);
    Ok((bin_shares(actual, &edges), bin_shares(expected, &edges)))
}

/// The population stability index of two **ascending** samples (see the module docs).
pub fn psi(actual: &[f64], expected: &[f64], bins: u32) -> Value {
    let (p, q) = binned(actual, expected, bins)?;
    Ok(psi_of_shares(&p, &q))
}

/// PSI of two share vectors over the same bins, shares floored at [`PSI_EPSILON`].
pub fn psi_of_shares(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(&p, &q)| {
            let (p, q) = (p.max(PSI_EPSILON), q.max(PSI_EPSILON));
            (p - q) * (p / q).ln()
        })
        .sum()
}

/// The Jensen–Shannon divergence in bits of two **ascending** samples on `expected`'s
/// quantile bins (see the module docs).
pub fn js_divergence(actual: &[f64], expected: &[f64], bins: u32) -> Value {
    let (p, q) = binned(actual, expected, bins)?;
    Ok(js_of_shares(&p, &q))
}

/// Jensen–Shannon divergence in bits of two share vectors over the same bins.
pub fn js_of_shares(p: &[f64], q: &[f64]) -> f64 {
    let kl = |x: f64, m: f64| if x > 0.0 { x * (x / m).log2() } else { 0.0 };
    p.iter()
        .zip(q)
        .map(|(&p, &q)| {
            let m = 0.5 * (p + q);
            0.5 * kl(p, m) + 0.5 * kl(q, m)
        })
        .sum::<f64>()
        .max(0.0)
}

/// Shares of two samples of a numeric feature with missing values: the `expected`
/// sample's quantile bins over the present values (as [`psi`]), plus one bin for the
/// missing values; shares are of all rows. `None` when either sample is empty.
pub fn numeric_shares(
    actual: &[Option<f64>],
    expected: &[Option<f64>],
    bins: u32,
) -> Option<(Vec<f64>, Vec<f64>)> {
    if actual.is_empty() || expected.is_empty() {
        return None;
    }
    let present = |v: &[Option<f64>]| {
        let mut x: Vec<f64> = v.iter().flatten().copied().collect();
        x.sort_unstable_by(f64::total_cmp);
        x
    };
    let (a, e) = (present(actual), present(expected));
    let edges = quantile_edges(&e, bins);
    let share = |sorted: &[f64], all: usize| -> Vec<f64> {
        let mut s: Vec<f64> = if sorted.is_empty() {
            vec![0.0; edges.len() + 1]
        } else {
            bin_shares(sorted, &edges)
                .into_iter()
                .map(|x| x * sorted.len() as f64 / all as f64)
                .collect()
        };
        s.push((all - sorted.len()) as f64 / all as f64);
        s
    };
    Some((share(&a, actual.len()), share(&e, expected.len())))
}

/// Shares of two samples of a categorical feature over the union of their values (missing
/// is a value of its own), in sorted value order. `None` when either sample is empty.
pub fn categorical_shares<S: AsRef<str> + Ord>(
    actual: &[Option<S>],
    expected: &[Option<S>],
) -> Option<(Vec<f64>, Vec<f64>)> {
    use std::collections::BTreeMap;
    if actual.is_empty() || expected.is_empty() {
        return None;
    }
    let mut counts: BTreeMap<Option<&str>, (f64, f64)> = BTreeMap::new();
    for v in actual {
        counts.entry(v.as_ref().map(AsRef::as_ref)).or_default().0 += 1.0;
    }
    for v in expected {
        counts.entry(v.as_ref().map(AsRef::as_ref)).or_default().1 += 1.0;
    }
    let (na, ne) = (actual.len() as f64, expected.len() as f64);
    Some(counts.values().map(|(a, e)| (a / na, e / ne)).unzip())
}

/// Which rows a churn rate counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnOf {
    /// Every row.
    All,
    /// Positive rows only.
    Positives,
    /// Negative rows only.
    Negatives,
}

/// Accumulates decision flips between two models, per group.
#[derive(Debug, Clone, Default)]
pub struct Churn {
    /// Weight (or count) of rows, all / positive / negative.
    total: [f64; 3],
    /// Weight (or count) of flipped rows, all / positive / negative.
    flipped: [f64; 3],
}

impl Churn {
    /// Adds one row: its label, both scores, its weight.
    #[inline]
    pub fn add(&mut self, positive: bool, cand: f64, base: f64, threshold: f64, w: f64) {
        let flip = (cand >= threshold) != (base >= threshold);
        let class = if positive { 1 } else { 2 };
        self.total[0] += w;
        self.total[class] += w;
        if flip {
            self.flipped[0] += w;
            self.flipped[class] += w;
        }
    }

    /// The share of flipped decisions among the rows `of`.
    pub fn rate(&self, of: ChurnOf) -> Value {
        let (k, none) = match of {
            ChurnOf::All => (0, Undefined::Empty),
            ChurnOf::Positives => (1, Undefined::NoPositives),
            ChurnOf::Negatives => (2, Undefined::NoNegatives),
        };
        if self.total[k] > 0.0 {
            Ok(self.flipped[k] / self.total[k])
        } else {
            Err(none)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_and_wasserstein_by_hand() {
        // F_a steps at 1,2,3; F_b at 2,3,4: D = 1/3, W = 1 (every mass moved by 1).
        let a = [1.0, 2.0, 3.0];
        let b = [2.0, 3.0, 4.0];
        assert!((ks(&a, &b).unwrap() - 1.0 / 3.0).abs() < 1e-15);
        assert!((wasserstein(&a, &b).unwrap() - 1.0).abs() < 1e-15);
        assert_eq!(ks(&a, &a).unwrap(), 0.0);
        assert_eq!(wasserstein(&a, &a).unwrap(), 0.0);
        // Disjoint supports: D = 1.
        assert_eq!(ks(&[0.0, 0.1], &[0.5, 0.9]).unwrap(), 1.0);
        assert_eq!(ks(&[], &a), Err(Undefined::Empty));
    }

    #[test]
    fn psi_and_js_are_zero_on_identical_samples_and_grow_with_a_shift() {
        let a: Vec<f64> = (0..1000).map(|i| f64::from(i) / 1000.0).collect();
        let shifted: Vec<f64> = a.iter().map(|x| x + 0.2).collect();
        assert!(psi(&a, &a, 10).unwrap().abs() < 1e-12);
        assert!(js_divergence(&a, &a, 10).unwrap().abs() < 1e-12);
        let p = psi(&shifted, &a, 10).unwrap();
        let j = js_divergence(&shifted, &a, 10).unwrap();
        assert!(p > 0.5 && j > 0.1 && j <= 1.0, "{p} {j}");
    }

    #[test]
    fn bins_are_closed_on_the_left() {
        let shares = bin_shares(&[0.0, 1.0, 1.0, 2.0], &[1.0]);
        assert_eq!(shares, vec![0.25, 0.75]);
    }

    #[test]
    fn churn_counts_flips_by_class() {
        let mut c = Churn::default();
        c.add(true, 0.6, 0.4, 0.5, 1.0); // flip
        c.add(true, 0.6, 0.7, 0.5, 1.0);
        c.add(false, 0.1, 0.2, 0.5, 1.0);
        c.add(false, 0.5, 0.49, 0.5, 1.0); // flip at the threshold (>=)
        assert_eq!(c.rate(ChurnOf::All), Ok(0.5));
        assert_eq!(c.rate(ChurnOf::Positives), Ok(0.5));
        assert_eq!(c.rate(ChurnOf::Negatives), Ok(0.5));
        assert_eq!(
            Churn::default().rate(ChurnOf::Positives),
            Err(Undefined::NoPositives)
        );
    }
}
