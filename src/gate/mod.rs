//! Gates: a checked rule plus measured values in, outcomes (pass / fail / skip, with a
//! reason a reviewer understands) out.
//!
//! Every rule becomes a bound on one quantity: the candidate's value for `min`/`max`, the
//! delta oriented so that positive is better for the relative rules. The decision itself
//! (CONTRACT §3) is [`crate::stats::decision::decide`]; this stage adds slices, `min_slice`,
//! multiple-comparison correction and the words.

pub mod waive;

use std::fmt::Write as _;

use crate::config::{
    Correction, Evidence, GateSpec, MinSlice, OnNothingJudged, Rule, Severity, Test,
};
use crate::measure::{Estimate, Measured, SliceKey, Spread};
use crate::metrics::{Direction, MetricId};
use crate::stats::Interval;
use crate::stats::correction;
use crate::stats::decision::{self, Bound, Hypothesis};
use crate::stats::mcnemar::McNemar;

/// A gate's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The rule holds.
    Pass,
    /// The rule is broken.
    Fail,
    /// Not judged (slice too small, or the metric undefined on it).
    Skip,
    /// The rule is broken, but a waiver accepts it: reported with owner, reason and
    /// days left, never hidden; does not block.
    Waived,
}

impl Status {
    /// The name used in the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Waived => "waived",
        }
    }
}

/// Which number of a gate could not be compared with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The candidate's value.
    Candidate,
    /// The baseline's value.
    Baseline,
    /// Candidate − baseline.
    Delta,
    /// The limit itself (`max_regression_rel` scales it by the baseline).
    Limit,
    /// An end of the confidence interval.
    Interval,
    /// The test's p-value.
    PValue,
}

impl Quantity {
    /// The name used in the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Quantity::Candidate => "candidate",
            Quantity::Baseline => "baseline",
            Quantity::Delta => "delta",
            Quantity::Limit => "limit",
            Quantity::Interval => "interval",
            Quantity::PValue => "p_value",
        }
    }
}

/// Why an outcome is a skip, or a failure that no comparison decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Skipped: the slice is below `min_slice`.
    TooSmall,
    /// Skipped: the metric (or the baseline, or the delta) has no value on the slice.
    Undefined,
    /// Failed: a number the rule needs is NaN or infinite, so it was never compared.
    NonFinite(Quantity),
}

/// The outcome of one gate on one slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The gate's id.
    pub id: String,
    /// The metric.
    pub metric: MetricId,
    /// The slice (empty = whole data set).
    pub slice: SliceKey,
    /// Pass, fail or skip.
    pub status: Status,
    /// Whether a failure blocks.
    pub severity: Severity,
    /// The rule.
    pub rule: Rule,
    /// The rule's number.
    pub limit: f64,
    /// The evidence asked for.
    pub evidence: Evidence,
    /// The test used.
    pub test: Test,
    /// Candidate value.
    pub candidate: Option<f64>,
    /// Baseline value.
    pub baseline: Option<f64>,
    /// Candidate − baseline (not oriented).
    pub delta: Option<f64>,
    /// Interval of the judged quantity, unoriented: the delta's for relative rules, the
    /// candidate's for absolute ones.
    pub ci: Option<Interval>,
    /// The p-value of the hypothesis the gate decides ([`Outcome::p_value_of`]).
    pub p_value: Option<f64>,
    /// The p-value is the bootstrap's resolution bound: the true one is at most this.
    pub p_value_bound: bool,
    /// What `p_value` tests.
    pub p_value_of: Option<Hypothesis>,
    /// `p_value` after correction over the slices (`significant` gates with `by`); never
    /// below `p_value`.
    pub p_adjusted: Option<f64>,
    /// True when the interval straddles the limit: the data cannot tell.
    pub inconclusive: bool,
    /// Smallest regression the data could detect (80 % power), for skipped or
    /// inconclusive slices.
    pub detectable: Option<f64>,
    /// Rows in the slice.
    pub rows: u64,
    /// Positives in the slice.
    pub positives: u64,
    /// McNemar's counts, when McNemar was the test.
    pub mcnemar: Option<McNemar>,
    /// McNemar among positives / negatives for an accuracy gate.
    pub mcnemar_context: Vec<(&'static str, McNemar)>,
    /// One sentence a reviewer understands.
    pub reason: String,
    /// Why the slice was skipped, or why it failed without a comparison; `None` when the
    /// rule was compared with its limit.
    pub cause: Option<Cause>,
    /// The waiver that accepted this failure (status [`Status::Waived`]).
    pub waiver: Option<waive::Applied>,
}

impl Outcome {
    /// True when this outcome blocks the promotion.
    pub fn blocks(&self) -> bool {
        self.status == Status::Fail && self.severity == Severity::Block
    }
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every gate passed (or was skipped).
    Pass,
    /// Only warn-severity gates failed.
    Warn,
    /// A blocking gate failed.
    Fail,
}

impl Verdict {
    /// From all outcomes.
    pub fn of(outcomes: &[Outcome]) -> Verdict {
        if outcomes.iter().any(Outcome::blocks) {
            Verdict::Fail
        } else if outcomes
            .iter()
            .any(|o| matches!(o.status, Status::Fail | Status::Waived))
        {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }

    /// From all outcomes and the gates that judged nothing, under the config's
    /// `on_nothing_judged` policy: a blocking gate that judged nothing fails the run with
    /// `fail` (the default) and warns with `warn`; a warn-severity one only ever warns.
    pub fn of_run(
        outcomes: &[Outcome],
        not_judged: &[NotJudged],
        policy: OnNothingJudged,
    ) -> Verdict {
        let judged = Verdict::of(outcomes);
        let unjudged = not_judged
            .iter()
            .map(|n| match (n.severity, policy) {
                (Severity::Block, OnNothingJudged::Fail) => Verdict::Fail,
                _ => Verdict::Warn,
            })
            .max_by_key(Verdict::rank);
        match unjudged {
            Some(v) if v.rank() > judged.rank() => v,
            _ => judged,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Warn => 1,
            Verdict::Fail => 2,
        }
    }

    /// The name used in the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }

    /// The process exit code (CONTRACT §2).
    pub fn exit_code(&self) -> i32 {
        match self {
            Verdict::Fail => 1,
            _ => 0,
        }
    }
}

/// A gate (one rule of one config entry) none of whose slices was judged: nothing judged
/// is not a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotJudged {
    /// The gate's id.
    pub id: String,
    /// Whether the gate blocks.
    pub severity: Severity,
    /// Line of the gate entry in the config file.
    pub line: usize,
    /// The gate's slice columns (empty for the whole data set).
    pub by: Vec<String>,
    /// Why nothing was judged.
    pub why: NothingJudged,
}

/// Why a gate judged nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NothingJudged {
    /// There was no slice at all to judge.
    NoSlices,
    /// Every slice has exactly one row: the `by` column is a unique key.
    OneRowPerValue {
        /// The number of slices.
        slices: usize,
    },
    /// Every slice was skipped: `too_small` below `min_slice`, `undefined` because the
    /// metric has no value there.
    AllSkipped {
        /// The number of slices.
        slices: usize,
        /// Slices below `min_slice`.
        too_small: usize,
        /// Slices on which the metric, baseline or delta is undefined.
        undefined: usize,
    },
}

/// The gates of `gates` with no judged (pass or fail) outcome in `outcomes`.
pub fn not_judged(gates: &[GateSpec], outcomes: &[Outcome]) -> Vec<NotJudged> {
    gates
        .iter()
        .filter_map(|g| {
            let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.id == g.id).collect();
            if mine.iter().any(|o| o.status != Status::Skip) {
                return None;
            }
            let slices = mine.len();
            let count = |c: Cause| mine.iter().filter(|o| o.cause == Some(c)).count();
            let why = if slices == 0 {
                NothingJudged::NoSlices
            } else if !g.by.is_empty() && mine.iter().all(|o| o.rows == 1) {
                NothingJudged::OneRowPerValue { slices }
            } else {
                NothingJudged::AllSkipped {
                    slices,
                    too_small: count(Cause::TooSmall),
                    undefined: count(Cause::Undefined),
                }
            };
            Some(NotJudged {
                id: g.id.clone(),
                severity: g.severity,
                line: g.line,
                by: g.by.clone(),
                why,
            })
        })
        .collect()
}

/// Settings that apply to every gate.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Minimum slice size.
    pub min_slice: MinSlice,
    /// Confidence level.
    pub confidence: f64,
}

/// The quantity a rule bounds, oriented so that the bound reads the same way for every metric.
struct Judged {
    est: Estimate,
    bound: Bound,
    /// True when `est` is the delta negated because lower is better.
    flipped: bool,
}

fn judged(
    g: &GateSpec,
    cand: &Estimate,
    base: Option<f64>,
    delta: Option<&Estimate>,
) -> Option<Judged> {
    let lower_better = g.metric.direction() == Direction::LowerIsBetter;
    let oriented = |d: &Estimate| if lower_better { d.negated() } else { d.clone() };
    Some(match g.rule {
        Rule::Min => Judged {
            est: cand.clone(),
            bound: Bound::AtLeast(g.limit),
            flipped: false,
        },
        Rule::Max => Judged {
            est: cand.clone(),
            bound: Bound::AtMost(g.limit),
            flipped: false,
        },
        Rule::MaxRegression => Judged {
            est: oriented(delta?),
            bound: Bound::AtLeast(-g.limit),
            flipped: lower_better,
        },
        Rule::MaxRegressionRel => Judged {
            est: oriented(delta?),
            bound: Bound::AtLeast(-g.limit * base?.abs()),
            flipped: lower_better,
        },
        Rule::MinImprovement => Judged {
            est: oriented(delta?),
            bound: Bound::AtLeast(g.limit),
            flipped: lower_better,
        },
    })
}

fn to_stats_evidence(e: Evidence) -> decision::Evidence {
    match e {
        Evidence::Point => decision::Evidence::Point,
        Evidence::Significant => decision::Evidence::Significant,
        Evidence::Confident => decision::Evidence::Confident,
    }
}

fn to_stats_correction(c: Correction) -> correction::Correction {
    match c {
        Correction::Holm => correction::Correction::Holm,
        Correction::Bh => correction::Correction::BenjaminiHochberg,
        Correction::None => correction::Correction::None,
    }
}

/// Judges one gate on each measured slice (one entry for a gate without `by`).
pub fn judge(g: &GateSpec, measured: &[Measured], settings: &Settings) -> Vec<Outcome> {
    let sliced = !g.by.is_empty();
    let alpha = 1.0 - settings.confidence;
    let mut out: Vec<Outcome> = Vec::with_capacity(measured.len());
    // Margin p-values of `significant` slices, for the correction: (index in out, p).
    let mut family: Vec<(usize, f64)> = Vec::new();

    for m in measured {
        let mut o = Outcome {
            id: g.id.clone(),
            metric: g.metric,
            slice: m.slice.clone(),
            status: Status::Skip,
            severity: g.severity,
            rule: g.rule,
            limit: g.limit,
            evidence: g.evidence,
            test: g.test,
            candidate: m.candidate.as_ref().ok().map(|e| e.value),
            baseline: m.baseline.as_ref().and_then(|b| b.as_ref().ok().copied()),
            delta: m
                .delta
                .as_ref()
                .and_then(|d| d.as_ref().ok().map(|e| e.value)),
            ci: None,
            p_value: None,
            p_value_bound: false,
            p_value_of: None,
            p_adjusted: None,
            inconclusive: false,
            detectable: None,
            rows: m.rows,
            positives: m.positives,
            mcnemar: m.mcnemar,
            mcnemar_context: m.mcnemar_context.clone(),
            reason: String::new(),
            cause: None,
            waiver: None,
        };
        let delta_est = m.delta.as_ref().and_then(|d| d.as_ref().ok());
        let detectable_se = if g.rule.is_relative() {
            delta_est.and_then(|d| d.spread.se())
        } else {
            m.candidate.as_ref().ok().and_then(|c| c.spread.se())
        };
        let detectable = detectable_se
            .map(|se| decision::min_detectable_effect(se, settings.confidence, 0.8))
            .filter(|x| x.is_finite());

        if sliced {
            let ms = settings.min_slice;
            let negatives = m.rows.saturating_sub(m.positives);
            let mut short = Vec::new();
            if m.rows < ms.rows {
                short.push(format!("{} rows < {}", m.rows, ms.rows));
            }
            // Skew gates judge feature files, which have no labels.
            let labelled = !g.metric.is_skew();
            if labelled && m.positives < ms.positives {
                short.push(format!("{} positives < {}", m.positives, ms.positives));
            }
            if labelled && negatives < ms.negatives {
                short.push(format!("{negatives} negatives < {}", ms.negatives));
            }
            if !short.is_empty() {
                o.detectable = detectable;
                o.cause = Some(Cause::TooSmall);
                o.reason = format!(
                    "slice too small to judge ({}; see `min_slice`)",
                    short.join(", ")
                );
                if let Some(d) = detectable {
                    let _ = write!(
                        o.reason,
                        "; it could only detect a change of about {}",
                        num(d)
                    );
                }
                out.push(o);
                continue;
            }
        }

        let unusable = |why: &str, o: &mut Outcome| {
            o.cause = Some(Cause::Undefined);
            if sliced {
                o.status = Status::Skip;
                o.reason = format!("not judged on this slice: {why}");
            } else {
                o.status = Status::Fail;
                o.reason = format!(
                    "{} cannot be computed on the whole data set: {why}",
                    g.metric
                );
            }
        };
        let cand = match &m.candidate {
            Ok(c) => c,
            Err(why) => {
                unusable(&format!("candidate {why}"), &mut o);
                out.push(o);
                continue;
            }
        };
        let base = match (&m.baseline, g.rule.is_relative()) {
            (Some(Ok(b)), _) => Some(*b),
            (Some(Err(why)), true) => {
                unusable(&format!("baseline {why}"), &mut o);
                out.push(o);
                continue;
            }
            _ => None,
        };
        let delta = match (&m.delta, g.rule.is_relative()) {
            (Some(Ok(d)), _) => Some(d),
            (Some(Err(why)), true) => {
                unusable(why, &mut o);
                out.push(o);
                continue;
            }
            _ => None,
        };
        let Some(j) = judged(g, cand, base, delta) else {
            unusable("no baseline to compare with", &mut o);
            out.push(o);
            continue;
        };
        // The interval in the JSON is unoriented, like `delta`.
        o.ci = if g.rule.is_relative() {
            delta.and_then(|d| d.interval)
        } else {
            cand.interval
        };

        // A NaN or an infinity is never compared with a limit: the gate fails and says
        // which number it was (a point gate ignores an interval it does not use).
        if let Some((what, value)) = non_finite(g, cand, base, delta, &j) {
            if g.evidence == Evidence::Point && what == Quantity::Interval {
                o.ci = None;
            } else {
                o.status = Status::Fail;
                o.cause = Some(Cause::NonFinite(what));
                o.ci = o.ci.filter(|iv| iv.lo.is_finite() && iv.hi.is_finite());
                o.reason = format!(
                    "{}: the {} is {value}, not a finite number, so it was never compared with the limit; check the scores and weights of these rows",
                    g.metric,
                    quantity_words(what)
                );
                out.push(o);
                continue;
            }
        }
        let interval = j
            .est
            .interval
            .filter(|iv| iv.lo.is_finite() && iv.hi.is_finite());

        match decision::decide(
            j.est.value,
            interval,
            j.bound,
            to_stats_evidence(g.evidence),
        ) {
            Ok(d) => {
                o.status = if d.pass { Status::Pass } else { Status::Fail };
                o.inconclusive = d.inconclusive;
            }
            Err(_) => {
                o.status = Status::Fail;
                o.reason = format!(
                    "`evidence: {}` needs a confidence interval and none could be computed on these rows",
                    g.evidence.as_str()
                );
                out.push(o);
                continue;
            }
        }
        if o.inconclusive {
            o.detectable = detectable;
        }
        // The p-value of the hypothesis this gate decides, for every gate with a spread.
        let (p, of) = match (g.test, &m.mcnemar) {
            // McNemar tests equal error rates; it speaks only to a regression.
            (Test::Mcnemar, Some(mc)) => (
                decision::PValue {
                    value: if j.est.value < 0.0 { mc.p } else { 1.0 },
                    bound: false,
                },
                Hypothesis::Regression,
            ),
            _ => {
                let (bound, of) = if g.evidence == Evidence::Confident {
                    (j.bound.mirrored(), Hypothesis::LimitHeld)
                } else {
                    (j.bound, Hypothesis::LimitBroken)
                };
                let p = match &j.est.spread {
                    Spread::Normal(se) => decision::PValue {
                        value: decision::margin_p_normal(j.est.value, *se, bound),
                        bound: false,
                    },
                    Spread::Replicates(r) => decision::margin_p_bootstrap(r, bound),
                    Spread::None => decision::PValue {
                        value: f64::NAN,
                        bound: false,
                    },
                };
                (p, of)
            }
        };
        if !matches!(j.est.spread, Spread::None) || of == Hypothesis::Regression {
            o.p_value = Some(p.value);
            o.p_value_bound = p.bound;
            o.p_value_of = Some(of);
        }
        if g.evidence == Evidence::Significant {
            let p = p.value;
            if g.test == Test::Mcnemar && !sliced && !p.is_finite() {
                o.status = Status::Fail;
                o.cause = Some(Cause::NonFinite(Quantity::PValue));
                o.reason = format!(
                    "{}: McNemar's p-value is {p}, not a finite number, so it was never compared with α",
                    g.metric
                );
                out.push(o);
                continue;
            }
            if g.test == Test::Mcnemar && !sliced {
                o.status = if p < alpha {
                    Status::Fail
                } else {
                    Status::Pass
                };
            }
            if sliced && p.is_finite() {
                family.push((out.len(), p));
            }
        }
        o.reason = reason(g, &o, &j, settings.confidence);
        if let (true, Some(d)) = (o.inconclusive, o.detectable) {
            let _ = write!(
                o.reason,
                "; these rows can only detect a change of about {} or more (80% power)",
                num(d)
            );
        }
        if let Some(mc) = &o.mcnemar {
            let on = match g.metric {
                MetricId::Recall => " among positives",
                MetricId::Specificity => " among negatives",
                _ => "",
            };
            let _ = write!(o.reason, "; McNemar{on}: {}", mcnemar_text(mc));
            for (what, c) in &o.mcnemar_context {
                let _ = write!(o.reason, "; {what}: {}", mcnemar_text(c));
            }
        }
        out.push(o);
    }

    // Correct the slice family of a `significant` gate: fail iff the adjusted margin
    // p-value is below α. Without correction the interval rule above already decided
    // (except McNemar, which decides by its p-value).
    if !family.is_empty() {
        let ps: Vec<f64> = family.iter().map(|(_, p)| *p).collect();
        let adjusted = correction::adjust(&ps, to_stats_correction(g.correction));
        for ((i, _), adj) in family.iter().zip(adjusted) {
            let o = &mut out[*i];
            if g.correction != Correction::None {
                o.p_adjusted = Some(adj);
            } else if g.test != Test::Mcnemar {
                // Uncorrected: the interval rule already decided.
                continue;
            }
            let fails = adj < alpha;
            let was = o.status;
            o.status = if fails { Status::Fail } else { Status::Pass };
            if was != o.status {
                let method = match g.correction {
                    Correction::Holm => "Holm",
                    Correction::Bh => "Benjamini–Hochberg",
                    Correction::None => "uncorrected",
                };
                let _ = write!(
                    o.reason,
                    "; after {method} correction over {} slices the adjusted p = {} {} α = {}, so it {}",
                    family.len(),
                    num(adj),
                    if fails { "<" } else { "≥" },
                    num(alpha),
                    if fails { "fails" } else { "passes" }
                );
            }
        }
    }
    out
}

/// The first number the rule needs that is NaN or infinite, with its value.
fn non_finite(
    g: &GateSpec,
    cand: &Estimate,
    base: Option<f64>,
    delta: Option<&Estimate>,
    j: &Judged,
) -> Option<(Quantity, f64)> {
    let mut checks = vec![(Quantity::Candidate, cand.value)];
    if g.rule.is_relative() {
        if let Some(b) = base {
            checks.push((Quantity::Baseline, b));
        }
        if let Some(d) = delta {
            checks.push((Quantity::Delta, d.value));
        }
    }
    checks.push((Quantity::Limit, j.bound.limit()));
    if let Some(iv) = j.est.interval {
        checks.push((Quantity::Interval, iv.lo));
        checks.push((Quantity::Interval, iv.hi));
    }
    checks.into_iter().find(|(_, v)| !v.is_finite())
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

fn mcnemar_text(mc: &McNemar) -> String {
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

/// One sentence explaining the outcome.
fn reason(g: &GateSpec, o: &Outcome, j: &Judged, confidence: f64) -> String {
    let metric = g.metric.to_string();
    let pass = o.status == Status::Pass;
    // What the rule asks, in words, on the oriented quantity.
    let limit_words = match g.rule {
        Rule::Min => format!("the floor {}", num(g.limit)),
        Rule::Max => format!("the ceiling {}", num(g.limit)),
        Rule::MaxRegression => format!("the allowed regression of {}", num(g.limit)),
        Rule::MaxRegressionRel => format!(
            "the allowed regression of {}% ({})",
            num(g.limit * 100.0),
            num(-j.bound.limit())
        ),
        Rule::MinImprovement => format!("the required improvement of {}", num(g.limit)),
    };
    let what = if g.rule.is_relative() {
        let (c, b) = (
            o.candidate.unwrap_or(f64::NAN),
            o.baseline.unwrap_or(f64::NAN),
        );
        let d = o.delta.unwrap_or(f64::NAN);
        let moved = if j.est.value < 0.0 {
            "worsened"
        } else {
            "improved"
        };
        let change = if d == 0.0 {
            "did not change".to_string()
        } else {
            format!("{moved} by {}", num(d.abs()))
        };
        format!("{metric} {change} ({} → {})", num(b), num(c))
    } else {
        format!("{metric} is {}", num(j.est.value))
    };
    // Interval of the oriented quantity as the reviewer reads it: unoriented values.
    let ci = o.ci.map(|iv| interval_text(iv, confidence));
    let bound_raw = if j.flipped {
        -j.bound.limit()
    } else {
        j.bound.limit()
    };
    match (g.evidence, pass, o.inconclusive, ci) {
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

#[cfg(test)]
mod tests;
