//! Pass/fail of a bound on a quantity, given its estimate, interval and the evidence asked
//! for (docs/contract.md §3), plus the p-values and effect sizes the gate stage reports.
//!
//! The gate stage orients every rule as a [`Bound`] on one quantity: a regression margin
//! `m` on a higher-is-better delta is `AtLeast(−m)`, an absolute ceiling is `AtMost(x)`.

use super::{Interval, normal_cdf, normal_quantile, z_critical};

/// A one-sided requirement on a quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The quantity must be `>= x`.
    AtLeast(f64),
    /// The quantity must be `<= x`.
    AtMost(f64),
}

impl Bound {
    /// The limit `x`.
    pub fn limit(&self) -> f64 {
        match *self {
            Bound::AtLeast(x) | Bound::AtMost(x) => x,
        }
    }

    /// True iff `value` meets the bound (NaN never does).
    pub fn holds(&self, value: f64) -> bool {
        match *self {
            Bound::AtLeast(x) => value >= x,
            Bound::AtMost(x) => value <= x,
        }
    }

    /// True iff `value` breaks the bound (NaN never does).
    fn broken_by(&self, value: f64) -> bool {
        match *self {
            Bound::AtLeast(x) => value < x,
            Bound::AtMost(x) => value > x,
        }
    }

    /// True iff every value of `iv` meets the bound.
    fn held_by_all(&self, iv: Interval) -> bool {
        match *self {
            Bound::AtLeast(_) => self.holds(iv.lo),
            Bound::AtMost(_) => self.holds(iv.hi),
        }
    }

    /// True iff every value of `iv` breaks the bound.
    fn broken_by_all(&self, iv: Interval) -> bool {
        match *self {
            Bound::AtLeast(_) => self.broken_by(iv.hi),
            Bound::AtMost(_) => self.broken_by(iv.lo),
        }
    }
}

/// How much evidence a gate asks for (docs/contract.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Evidence {
    /// Judge the point estimate alone.
    #[default]
    Point,
    /// Fail only when the whole interval breaks the bound.
    Significant,
    /// Pass only when the whole interval meets the bound.
    Confident,
}

/// The outcome of one bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// True iff the gate passes.
    pub pass: bool,
    /// True iff the interval straddles the limit: the data neither show the bound met nor
    /// broken (always false without an interval).
    pub inconclusive: bool,
}

/// `significant` or `confident` evidence was asked for but no usable interval exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this evidence level needs a confidence interval, and none could be computed")]
pub struct NeedsInterval;

/// Pass/fail of `bound` on a quantity with point `estimate` and confidence `interval`.
///
/// - `Point`: fail iff the estimate breaks the bound (a NaN estimate fails).
/// - `Significant`: fail iff the whole interval breaks it (`AtLeast(x)`: `hi < x`).
/// - `Confident`: pass iff the whole interval meets it (`AtLeast(x)`: `lo ≥ x`).
///
/// An interval with a NaN end or `lo > hi` counts as missing. `Err` only when
/// `Significant`/`Confident` lack an interval; the caller decides what that means.
pub fn decide(
    estimate: f64,
    interval: Option<Interval>,
    bound: Bound,
    evidence: Evidence,
) -> Result<Decision, NeedsInterval> {
    let interval = interval.filter(|iv| iv.lo <= iv.hi);
    let inconclusive =
        interval.is_some_and(|iv| !bound.held_by_all(iv) && !bound.broken_by_all(iv));
    let pass = match (evidence, interval) {
        (Evidence::Point, _) => bound.holds(estimate),
        (Evidence::Significant, Some(iv)) => !bound.broken_by_all(iv),
        (Evidence::Confident, Some(iv)) => bound.held_by_all(iv),
        (_, None) => return Err(NeedsInterval),
    };
    Ok(Decision { pass, inconclusive })
}

/// One-sided-test p-value, doubled, of "the quantity breaks `bound`", for a normal (DeLong)
/// quantity with `estimate` and standard error `se`; used to correct `significant` gates
/// across slices.
///
/// `AtLeast(x)`: `p = min(1, 2·Φ((estimate − x)/se))`, so that `p < α` exactly when the
/// Wald interval at confidence `1 − α` has `hi < x`. `AtMost` mirrors it. With `se = 0`
/// the p-value is 0 when the estimate breaks the bound and 1 otherwise. NaN in, NaN out.
pub fn margin_p_normal(estimate: f64, se: f64, bound: Bound) -> f64 {
    if estimate.is_nan() || se.is_nan() {
        return f64::NAN;
    }
    let x = bound.limit();
    let toward_break = match bound {
        Bound::AtLeast(_) => estimate - x,
        Bound::AtMost(_) => x - estimate,
    };
    if se == 0.0 {
        return if toward_break < 0.0 { 0.0 } else { 1.0 };
    }
    (2.0 * normal_cdf(toward_break / se)).min(1.0)
}

/// A p-value and whether it sits at the resolution of the method: with `B` replicates a
/// bootstrap cannot tell a p-value below about `2/(B + 1)` from that bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PValue {
    /// The p-value (an upper bound when `bound`).
    pub value: f64,
    /// True when no replicate fell on the other side: the true p-value is at most `value`.
    pub bound: bool,
}

/// What a gate's p-value tests: the hypothesis the gate decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hypothesis {
    /// Small p: the data show the rule's limit is broken (`significant` and `point` gates;
    /// the null hypothesis is that the limit holds).
    LimitBroken,
    /// Small p: the data show the limit holds (`confident` gates; the null hypothesis is
    /// that the limit is broken).
    LimitHeld,
    /// Small p: McNemar's exact test shows the candidate errs more often (the test of equal
    /// error rates, counted only when the candidate is the worse).
    Regression,
}

impl Hypothesis {
    /// The name used in the JSON (`p_value_of`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Hypothesis::LimitBroken => "limit_broken",
            Hypothesis::LimitHeld => "limit_held",
            Hypothesis::Regression => "regression",
        }
    }
}

impl Bound {
    /// The opposite requirement at the same limit: the p-value of "the limit holds" is the
    /// p-value of "the opposite bound is broken".
    pub fn mirrored(&self) -> Bound {
        match *self {
            Bound::AtLeast(x) => Bound::AtMost(x),
            Bound::AtMost(x) => Bound::AtLeast(x),
        }
    }
}

/// The bootstrap analogue of [`margin_p_normal`] from the defined replicate values, with
/// the `+1` correction that keeps a Monte Carlo p-value valid and never 0 (Davison &
/// Hinkley 1997, §4.2; North, Curtis & Sham 2002): with `k` replicates on the holding side
/// of the limit — `AtLeast(x)`: `#{θ* ≥ x}`; `AtMost(x)`: `#{θ* ≤ x}` — the two-sided
/// p-value is `min(1, 2·(k + 1)/(B + 1))`, a bound when `k = 0`. NaN without replicates.
pub fn margin_p_bootstrap(replicates: &[f64], bound: Bound) -> PValue {
    if replicates.is_empty() {
        return PValue {
            value: f64::NAN,
            bound: false,
        };
    }
    let x = bound.limit();
    let holding = match bound {
        Bound::AtLeast(_) => replicates.iter().filter(|&&t| t >= x).count(),
        Bound::AtMost(_) => replicates.iter().filter(|&&t| t <= x).count(),
    };
    PValue {
        value: (2.0 * (holding + 1) as f64 / (replicates.len() + 1) as f64).min(1.0),
        bound: holding == 0,
    }
}

/// The smallest true effect a two-sided test at `confidence` detects with probability
/// `power` when the estimate's standard error is `se`: `(z_{1−α/2} + z_{power})·se`.
/// The reports (docs/contract.md) use use `power = 0.8`. NaN for a confidence or power outside `(0, 1)`.
pub fn min_detectable_effect(se: f64, confidence: f64, power: f64) -> f64 {
    if !(power > 0.0 && power < 1.0) {
        return f64::NAN;
    }
    (z_critical(confidence) + normal_quantile(power)) * se
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn iv(lo: f64, hi: f64) -> Option<Interval> {
        Some(Interval { lo, hi })
    }

    fn d(est: f64, i: Option<Interval>, b: Bound, e: Evidence) -> (bool, bool) {
        let out = decide(est, i, b, e).expect("interval given");
        (out.pass, out.inconclusive)
    }

    #[test]
    fn contract_rules_at_least() {
        // A regression margin of 0.005 on a delta: AtLeast(-0.005).
        let b = Bound::AtLeast(-0.005);
        // Point: only the estimate matters.
        assert_eq!(d(-0.004, iv(-0.02, 0.01), b, Evidence::Point), (true, true));
        assert_eq!(
            d(-0.006, iv(-0.02, 0.01), b, Evidence::Point),
            (false, true)
        );
        // Significant: fail only if hi < -m.
        assert_eq!(
            d(-0.01, iv(-0.02, -0.004), b, Evidence::Significant),
            (true, true)
        );
        assert_eq!(
            d(-0.01, iv(-0.02, -0.006), b, Evidence::Significant),
            (false, false)
        );
        // Confident: pass only if lo >= -m (equality passes).
        assert_eq!(
            d(0.0, iv(-0.005, 0.01), b, Evidence::Confident),
            (true, false)
        );
        assert_eq!(
            d(0.0, iv(-0.0051, 0.01), b, Evidence::Confident),
            (false, true)
        );
    }

    #[test]
    fn contract_rules_at_most() {
        let b = Bound::AtMost(0.1); // e.g. an absolute ceiling on log loss
        assert_eq!(d(0.09, iv(0.05, 0.2), b, Evidence::Point), (true, true));
        assert_eq!(
            d(0.2, iv(0.15, 0.25), b, Evidence::Significant),
            (false, false)
        );
        assert_eq!(
            d(0.2, iv(0.1, 0.25), b, Evidence::Significant),
            (true, true)
        );
        assert_eq!(d(0.05, iv(0.0, 0.1), b, Evidence::Confident), (true, false));
        assert_eq!(
            d(0.05, iv(0.0, 0.11), b, Evidence::Confident),
            (false, true)
        );
    }

    #[test]
    fn missing_or_broken_interval() {
        let b = Bound::AtLeast(0.0);
        assert_eq!(
            decide(1.0, None, b, Evidence::Significant),
            Err(NeedsInterval)
        );
        assert_eq!(
            decide(1.0, iv(f64::NAN, 1.0), b, Evidence::Confident),
            Err(NeedsInterval)
        );
        let p = decide(1.0, None, b, Evidence::Point).expect("point needs no interval");
        assert_eq!(
            p,
            Decision {
                pass: true,
                inconclusive: false
            }
        );
        assert!(
            !decide(f64::NAN, None, b, Evidence::Point)
                .expect("point")
                .pass
        );
    }

    #[test]
    fn normal_margin_p_matches_wald_interval() {
        // p < α exactly when the Wald interval's hi < x.
        let (e, s, conf) = (-0.02, 0.008, 0.95);
        let hi = e + z_critical(conf) * s;
        for x in [hi - 1e-6, hi + 1e-6] {
            let p = margin_p_normal(e, s, Bound::AtLeast(x));
            assert_eq!(p < 0.05, hi < x, "x={x} p={p}");
        }
        let lo = e - z_critical(conf) * s;
        for x in [lo - 1e-6, lo + 1e-6] {
            let p = margin_p_normal(e, s, Bound::AtMost(x));
            assert_eq!(p < 0.05, lo > x, "x={x} p={p}");
        }
        // Estimate on the limit: p = 1; se = 0 decides by the estimate alone.
        assert_eq!(margin_p_normal(0.3, 0.1, Bound::AtLeast(0.3)), 1.0);
        assert_eq!(margin_p_normal(0.2, 0.0, Bound::AtLeast(0.3)), 0.0);
        assert_eq!(margin_p_normal(0.4, 0.0, Bound::AtLeast(0.3)), 1.0);
        assert!(margin_p_normal(f64::NAN, 0.1, Bound::AtLeast(0.3)).is_nan());
    }

    #[test]
    fn bootstrap_margin_p_counts_replicates() {
        let reps = [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        let p = |b| margin_p_bootstrap(&reps, b);
        // 2 of 10 are >= 0.45: 2·3/11.
        assert!((p(Bound::AtLeast(0.45)).value - 6.0 / 11.0).abs() < 1e-15);
        // 3 of 10 are <= -0.1: 2·4/11.
        assert!((p(Bound::AtMost(-0.1)).value - 8.0 / 11.0).abs() < 1e-15);
        assert_eq!(p(Bound::AtLeast(-1.0)).value, 1.0);
        // None on the holding side: the resolution bound 2/(B + 1), flagged, never 0.
        let none = p(Bound::AtLeast(0.7));
        assert_eq!(
            none,
            PValue {
                value: 2.0 / 11.0,
                bound: true
            }
        );
        assert!(!p(Bound::AtLeast(0.45)).bound);
        assert!(margin_p_bootstrap(&[], Bound::AtLeast(0.0)).value.is_nan());
        assert_eq!(Bound::AtLeast(0.3).mirrored(), Bound::AtMost(0.3));
    }

    #[test]
    fn min_detectable_effect_at_80_power() {
        // (1.959964 + 0.841621) · 0.01
        let mde = min_detectable_effect(0.01, 0.95, 0.8);
        assert!((mde - 0.028015852).abs() < 1e-8, "{mde}");
        assert!(min_detectable_effect(0.01, 0.95, 1.0).is_nan());
    }
}
