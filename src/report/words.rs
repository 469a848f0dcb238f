//! The sentences: what a gate decided ([`Why`]), worded for the reviewer, and numbers
//! formatted for prose. The only place a judgement becomes English.

use std::fmt::Write as _;

use crate::config::{Correction, Evidence, Rule};
use crate::gate::{Count, Missing, Outcome, Quantity, Shortfall, Status, Why};
use crate::metrics::MetricId;
use crate::stats::Interval;
use crate::stats::ks::KsTest;
use crate::stats::mcnemar::McNemar;

/// Formats a number for prose: four significant decimals, no trailing zeros.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    let s = if !(1e-4..1e6).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 100.0 {
        format!("{x:.2}")
    } else {
        // Four decimals, more for small numbers so that two significant digits show.
        let decimals = if a >= 0.01 {
            4
        } else {
            (2.0 - a.log10().floor()) as usize
        }
        .min(8);
        format!("{x:.decimals$}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// One sentence explaining an outcome (unescaped); `confidence` names the intervals.
pub fn reason(o: &Outcome, confidence: f64) -> String {
    let metric = o.metric;
    match &o.why {
        Why::TooSmall(short) => {
            let mut s = format!(
                "slice too small to judge ({}; see `min_slice`)",
                short.iter().map(shortfall).collect::<Vec<_>>().join(", ")
            );
            if let Some(d) = o.detectable {
                let _ = write!(s, "; it could only detect a change of about {}", num(d));
            }
            s
        }
        Why::Undefined(missing) => {
            let why = match missing {
                Missing::Candidate(u) => format!("candidate {}", u.reason()),
                Missing::Baseline(u) => format!("baseline {}", u.reason()),
                Missing::Delta(u) => u.reason().to_string(),
                Missing::NoBaseline => "no baseline to compare with".to_string(),
            };
            if o.status == Status::Skip {
                format!("not judged on this slice: {why}")
            } else {
                format!("{metric} cannot be computed on the whole data set: {why}")
            }
        }
        Why::NonFinite {
            quantity: Quantity::PValue,
            value,
        } => format!(
            "{metric}: McNemar's p-value is {value}, not a finite number, so it was never compared with α"
        ),
        Why::NonFinite { quantity, value } => format!(
            "{metric}: the {} is {value}, not a finite number, so it was never compared with the limit; check the scores and weights of these rows",
            quantity_words(*quantity)
        ),
        Why::NoInterval => format!(
            "`evidence: {}` needs a confidence interval and none could be computed on these rows",
            o.evidence.as_str()
        ),
        Why::Compared { corrected } => {
            // The sentence of the interval rule, before any correction changed the status.
            let pass = (o.status == Status::Pass) != corrected.is_some();
            let mut s = compared(o, pass, confidence);
            if let (true, Some(d)) = (o.inconclusive, o.detectable) {
                let _ = write!(
                    s,
                    "; these rows can only detect a change of about {} or more (80% power)",
                    num(d)
                );
            }
            if let Some(t) = &o.ks_test {
                let _ = write!(s, " ({})", ks_text(t));
            }
            if let Some(mc) = &o.mcnemar {
                let on = match metric {
                    MetricId::Recall => " among positives",
                    MetricId::Specificity => " among negatives",
                    _ => "",
                };
                let _ = write!(s, "; McNemar{on}: {}", mcnemar_text(mc));
                if let Some(by) = &o.mcnemar_context {
                    let _ = write!(
                        s,
                        "; among positives (recall): {}; among negatives (specificity): {}",
                        mcnemar_text(&by.positives),
                        mcnemar_text(&by.negatives)
                    );
                }
            }
            if let Some(c) = corrected {
                let method = match o.correction {
                    Correction::Holm => "Holm",
                    Correction::BenjaminiHochberg => "Benjamini–Hochberg",
                    Correction::None => "uncorrected",
                };
                let fails = o.status == Status::Fail;
                let _ = write!(
                    s,
                    "; after {method} correction over {} slices the adjusted p = {} {} α = {}, so it {}",
                    c.family,
                    num(c.adjusted),
                    if fails { "<" } else { "≥" },
                    num(c.alpha),
                    if fails { "fails" } else { "passes" }
                );
            }
            s
        }
    }
}

fn shortfall(s: &Shortfall) -> String {
    let what = match s.count {
        Count::Rows => "rows",
        Count::Positives => "positives",
        Count::Negatives => "negatives",
    };
    format!("{} {what} < {}", s.have, s.need)
}

fn quantity_words(q: Quantity) -> &'static str {
    match q {
        Quantity::Candidate => "candidate's value",
        Quantity::Baseline => "baseline's value",
        Quantity::Delta => "delta (candidate − baseline)",
        Quantity::Limit => "limit (scaled by the baseline)",
        Quantity::Interval => "confidence interval",
        Quantity::PValue => "p-value",
    }
}

/// A KS statistic's test in words: `KS p = 0.0123, exact` (scipy's `ks_2samp` p-value,
/// in scientific notation when tiny).
pub fn ks_text(t: &KsTest) -> String {
    format!("KS p = {}, {}", num(t.p_value), t.method.as_str())
}

/// McNemar's counts and p-values in words.
pub fn mcnemar_text(mc: &McNemar) -> String {
    format!(
        "{} rows only the candidate gets right, {} only the baseline (exact p = {}, mid-p = {})",
        mc.b,
        mc.c,
        num(mc.p),
        num(mc.mid_p)
    )
}

fn interval_text(iv: Interval, confidence: f64) -> String {
    format!(
        "{}% CI [{}, {}]",
        num(confidence * 100.0),
        num(iv.lo),
        num(iv.hi)
    )
}

/// The sentence of a rule compared with its limit.
fn compared(o: &Outcome, pass: bool, confidence: f64) -> String {
    let metric = o.metric.to_string();
    let (value, bound, flipped) = match o.judged {
        Some(j) => (j.value, j.bound.limit(), j.flipped),
        None => (f64::NAN, f64::NAN, false),
    };
    // What the rule asks, in words, on the oriented quantity.
    let limit_words = match o.rule {
        Rule::Min => format!("the floor {}", num(o.limit)),
        Rule::Max => format!("the ceiling {}", num(o.limit)),
        Rule::MaxRegression => format!("the allowed regression of {}", num(o.limit)),
        Rule::MaxRegressionRel => format!(
            "the allowed regression of {}% ({})",
            num(o.limit * 100.0),
            num(-bound)
        ),
        Rule::MinImprovement => format!("the required improvement of {}", num(o.limit)),
    };
    let what = if o.rule.is_relative() {
        let (c, b) = (
            o.candidate.unwrap_or(f64::NAN),
            o.baseline.unwrap_or(f64::NAN),
        );
        let d = o.delta.unwrap_or(f64::NAN);
        let moved = if value < 0.0 { "worsened" } else { "improved" };
        let change = if d == 0.0 {
            "did not change".to_string()
        } else {
            format!("{moved} by {}", num(d.abs()))
        };
        format!("{metric} {change} ({} → {})", num(b), num(c))
    } else {
        format!("{metric} is {}", num(value))
    };
    // Interval of the oriented quantity as the reviewer reads it: unoriented values.
    let ci = o.ci.map(|iv| interval_text(iv, confidence));
    let bound_raw = if flipped { -bound } else { bound };
    match (o.evidence, pass, o.inconclusive, ci) {
        (Evidence::Point, true, ..) => format!("{what}, within {limit_words}"),
        (Evidence::Point, false, ..) => format!("{what}, beyond {limit_words}"),
        (Evidence::Significant, true, true, Some(ci)) => {
            format!("{what}: within noise, {ci} does not exclude {limit_words}")
        }
        (Evidence::Significant, true, _, Some(ci)) => format!("{what}: {ci} meets {limit_words}"),
        (Evidence::Significant, false, _, Some(ci)) => format!(
            "{what} beyond noise: {ci} lies entirely past {} ({limit_words})",
            num(bound_raw)
        ),
        (Evidence::Confident, true, _, Some(ci)) => {
            format!("{what}: shown within {limit_words}, {ci}")
        }
        (Evidence::Confident, false, true, Some(ci)) => format!(
            "{what}: not shown within {limit_words}, {ci} reaches past {} (inconclusive)",
            num(bound_raw)
        ),
        (Evidence::Confident, false, false, Some(ci)) => {
            format!(
                "{what}: {ci} lies entirely past {} ({limit_words})",
                num(bound_raw)
            )
        }
        (_, true, ..) => format!("{what}, within {limit_words}"),
        (_, false, ..) => format!("{what}, beyond {limit_words}"),
    }
}

/// How a skew feature is compared, for the reports' skew tables.
pub(super) fn skew_kind(kind: crate::metrics::skew::SkewKind) -> String {
    use crate::metrics::skew::SkewKind;
    match kind {
        SkewKind::Numeric { tolerance } if tolerance > 0.0 => {
            format!("numeric (± {})", super::num(tolerance))
        }
        SkewKind::Numeric { .. } => "numeric (exact)".into(),
        SkewKind::Categorical => "categorical".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0.9391), "0.9391");
        assert_eq!(num(-0.0093), "-0.0093");
        assert_eq!(num(0.005), "0.005");
        assert_eq!(num(0.00033), "0.00033");
        assert_eq!(num(40000.0), "40000");
        assert_eq!(num(95.0), "95");
    }
}
