//! Statistics on paired models: intervals, tests and multiple-comparison corrections.
//!
//! Everything here works on [`Ranked`] rows, plain numbers and
//! per-row group codes; it knows nothing of the config file or of gates.
//!
//! - [`delong`]: AUC variance, covariance, paired z test and Wald intervals (as R pROC).
//! - [`mcnemar`]: exact McNemar test on discordant pairs (as statsmodels).
//! - [`ks`]: the two-sample Kolmogorov–Smirnov test's p-value (as scipy's `ks_2samp`).
//! - [`bootstrap`]: paired, label-stratified, seeded bootstrap of any metric.
//! - [`correction`]: Holm and Benjamini–Hochberg adjusted p-values.
//! - [`task_bootstrap`]: paired bootstrap of the multiclass and ranking metrics.
//! - [`decision`]: pass/fail of a bound under `point`/`significant`/`confident` evidence.
//!
//! Group codes are always given **per original row** ([`RowGroups`]); each entry point
//! gathers them into a model's sorted order itself, because candidate and baseline sort
//! their rows differently.

pub mod bootstrap;
pub mod cells;
pub mod correction;
pub mod decision;
pub mod delong;
pub mod ks;
pub mod mcnemar;
pub mod resample;
pub mod task_bootstrap;
pub mod units;

use crate::metrics::Ranked;

/// A two-sided confidence interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// How sample weights enter variances (docs/contract.md §3); the config key `weights:`.
/// Both reduce to the unweighted formulas with unit weights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeightKind {
    /// Survey / importance (probability) weights: sandwich variances, e.g. DeLong's
    /// `var(A) = m/(m−1)·Σᵢ wᵢ²(V10ᵢ − A)²/W_P² + n/(n−1)·Σⱼ wⱼ²(V01ⱼ − A)²/W_N²`, with
    /// `m`, `n` the positive and negative rows of non-zero weight; units are the rows (or
    /// clusters).
    #[default]
    Sampling,
    /// Each weight counts identical rows: DeLong's `var(A) = S10/W_P + S01/W_N`,
    /// `S10 = Σᵢ wᵢ(V10ᵢ − A)²/(W_P − 1)`; without clusters the units are the rows the
    /// weights stand for.
    Frequency,
}

/// Why a statistic has no value: the metrics' reasons and the statistics' own (a single
/// row of a class leaves no variance, no replicate had a value).
pub use crate::metrics::Undefined;

/// Group (slice) membership of each row, in **original row order**.
///
/// Unlike [`metrics::SortedGroups`](crate::metrics::SortedGroups), whose codes follow one model's sorted
/// order, these codes are indexed by row; the stats functions gather them per model.
#[derive(Debug, Clone, Copy)]
pub struct RowGroups<'a> {
    /// Group code per original row; `None` = one group holding every row.
    pub codes: Option<&'a [u32]>,
    /// Number of groups; every code is `< count`.
    pub count: usize,
}

impl RowGroups<'static> {
    /// A single group holding every row.
    pub const ALL: RowGroups<'static> = RowGroups {
        codes: None,
        count: 1,
    };
}

impl RowGroups<'_> {
    /// The codes in `ranked`'s sorted order (`None` for a single group).
    ///
    /// # Panics
    /// If the codes do not cover every row of `ranked` (a caller bug, not user input).
    pub fn sorted_for(&self, ranked: &Ranked) -> Option<Vec<u32>> {
        self.codes
            .map(|codes| ranked.row.iter().map(|&r| codes[r as usize]).collect())
    }

    /// The group of original row `row`.
    #[inline]
    fn of(&self, row: usize) -> usize {
        self.codes.map_or(0, |c| c[row] as usize)
    }
}

/// Standard normal CDF Φ(x), to a few ulps in relative terms in both tails.
///
/// (statrs' `erfc` is off by up to ~5e-11 relative, too coarse to reproduce pROC's
/// p-values to 1e-9 with margin.)
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else if x < 0.0 {
        upper_tail(-x)
    } else {
        1.0 - upper_tail(x)
    }
}

/// `Q(t) = 1 − Φ(t)` for `t ≥ 0`.
fn upper_tail(t: f64) -> f64 {
    if t > 40.0 {
        return 0.0; // below the smallest subnormal
    }
    let density = (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    if t < 1.5 {
        // Φ(t) − ½ = φ(t)·Σₙ t^(2n+1)/(2n+1)!!: positive terms, and ½ − that loses
        // little here because Q(t) > 0.06.
        let (mut term, mut sum, mut n) = (t, t, 0.0);
        while term > 1e-17 * sum {
            n += 1.0;
            term *= t * t / (2.0 * n + 1.0);
            sum += term;
        }
        0.5 - density * sum
    } else {
        // Laplace's continued fraction Q(t) = φ(t)/(t + 1/(t + 2/(t + 3/(t + …)))),
        // evaluated backwards; 200 terms reach full precision for t ≥ 1.5.
        let mut f = t;
        for k in (1..=200).rev() {
            f = t + f64::from(k) / f;
        }
        density / f
    }
}

/// Standard normal quantile Φ⁻¹(p); NaN outside `[0, 1]`, ±∞ at the ends.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p > 0.5 {
        // 1 − p is exact for p in [½, 1].
        return -normal_quantile(1.0 - p);
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    let mut x = -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p);
    // Newton steps on the accurate CDF polish statrs' starting point to full precision.
    for _ in 0..2 {
        let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if density == 0.0 {
            break;
        }
        x -= (normal_cdf(x) - p) / density;
    }
    x
}

/// The two-sided critical value `z_{1−α/2}` of a `confidence` level (`α = 1 − confidence`);
/// NaN unless `0 < confidence < 1`.
pub fn z_critical(confidence: f64) -> f64 {
    if confidence > 0.0 && confidence < 1.0 {
        normal_quantile(1.0 - (1.0 - confidence) / 2.0)
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_functions_match_r() {
        // R / SciPy: qnorm(0.975), pnorm(-1.96), pnorm(-8), qnorm(0.2); relative error.
        let rel = |a: f64, b: f64| ((a - b) / b).abs();
        assert!(rel(z_critical(0.95), 1.959963984540054) < 1e-14);
        assert!(rel(normal_cdf(-1.96), 0.024997895148220435) < 1e-14);
        assert!(rel(normal_cdf(-8.0), 6.22096057427174e-16) < 1e-12);
        assert!(rel(normal_quantile(0.2), -0.8416212335729142) < 1e-14);
        assert!(z_critical(1.0).is_nan() && z_critical(0.0).is_nan());
        assert_eq!(normal_cdf(0.0), 0.5);
        assert_eq!(normal_quantile(0.5), 0.0);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        // Deep tails keep their relative precision (mpmath, 40 digits).
        assert!(rel(normal_cdf(-30.0), 4.906713927148187e-198) < 1e-13);
        assert!(rel(normal_quantile(1e-300), -37.0470962993612) < 1e-14);
        assert!(normal_quantile(1.5).is_nan());
    }
}
