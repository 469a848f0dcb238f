//! Gates: a checked rule plus measured values in, typed outcomes out: pass / fail / skip,
//! the oriented quantity judged and [`Why`] as data (`report` writes the sentence).
//!
//! Every rule becomes a bound on one quantity: the candidate's value for `min`/`max`, the
//! delta oriented so that positive is better for the relative rules. The decision itself
//! (docs/contract.md §3) is [`crate::stats::decision::decide`]; this stage adds slices,
//! `min_slice` and the multiple-comparison correction.

pub mod waive;

use crate::config::{
    Correction, Evidence, GateSpec, MinSlice, OnNothingJudged, Rule, Severity, Test,
};
use crate::measure::{Estimate, McNemarByClass, Measured, SliceKey, Spread};
use crate::metrics::{Direction, MetricId, Undefined};
use crate::stats::Interval;
use crate::stats::correction;
use crate::stats::decision::{self, Bound, Hypothesis};
use crate::stats::ks::KsTest;
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
    pub mcnemar_context: Option<McNemarByClass>,
    /// The KS test of a `ks` gate's statistic: p-value and method.
    pub ks_test: Option<KsTest>,
    /// The quantity the rule bounds, oriented; `None` when a value it needs is missing.
    pub judged: Option<Judged>,
    /// Why the status is what it is, as data (`report` words it).
    pub why: Why,
    /// The multiple-comparison correction of the gate (`significant` gates with `by`).
    pub correction: Correction,
    /// The waiver that accepted this failure (status [`Status::Waived`]).
    pub waiver: Option<waive::Applied>,
}

impl Outcome {
    /// True when this outcome blocks the promotion.
    pub fn blocks(&self) -> bool {
        self.status == Status::Fail && self.severity == Severity::Block
    }

    /// [`Outcome::ci`] oriented like [`Outcome::judged`] (ends swapped when flipped).
    pub fn oriented_ci(&self) -> Option<Interval> {
        let iv = self.ci?;
        Some(match self.judged {
            Some(j) if j.flipped => Interval {
                lo: -iv.hi,
                hi: -iv.lo,
            },
            _ => iv,
        })
    }

    /// Why the slice was skipped, or why it failed without a comparison; `None` when the
    /// rule was compared with its limit.
    pub fn cause(&self) -> Option<Cause> {
        match &self.why {
            Why::TooSmall(_) => Some(Cause::TooSmall),
            Why::Undefined(_) => Some(Cause::Undefined),
            Why::NonFinite { quantity, .. } => Some(Cause::NonFinite(*quantity)),
            Why::Compared { .. } | Why::NoInterval => None,
        }
    }
}

/// The quantity a rule bounds, oriented so that the bound reads the same way for every
/// metric: the candidate's value for `min`/`max`; for the relative rules the delta,
/// negated when lower is better (so that positive is always better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    /// The oriented value.
    pub value: f64,
    /// The bound it is held to.
    pub bound: Bound,
    /// True when `value` is the delta negated because lower is better.
    pub flipped: bool,
}

/// Why an outcome has its status: the data a reviewer's sentence is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// The rule was compared with its limit under the gate's evidence rule.
    Compared {
        /// Set when the slice family's correction changed the status.
        corrected: Option<Corrected>,
    },
    /// Skipped: the slice is below `min_slice` in these counts.
    TooSmall(Vec<Shortfall>),
    /// A value the rule needs has none on these rows (a skip on a slice, a failure on the
    /// whole data set).
    Undefined(Missing),
    /// A number the rule needs is NaN or infinite, so it was never compared (a failure).
    NonFinite {
        /// Which number.
        quantity: Quantity,
        /// Its value.
        value: f64,
    },
    /// The evidence rule needs a confidence interval and none could be computed (a failure).
    NoInterval,
}

/// One count of a slice below its `min_slice` floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    /// Which count.
    pub count: Count,
    /// The slice's count.
    pub have: u64,
    /// The floor.
    pub need: u64,
}

/// The counts `min_slice` sets floors on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Rows.
    Rows,
    /// Positive rows.
    Positives,
    /// Negative rows.
    Negatives,
}

/// Which value a rule needs is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The candidate's metric is undefined.
    Candidate(Undefined),
    /// The baseline's metric is undefined.
    Baseline(Undefined),
    /// The delta is undefined (one side is).
    Delta(Undefined),
    /// A relative rule without a baseline.
    NoBaseline,
}

/// A status the slice family's correction changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Corrected {
    /// Slices in the family.
    pub family: usize,
    /// The adjusted p-value.
    pub adjusted: f64,
    /// The significance level it was held to.
    pub alpha: f64,
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

    /// The process exit code (docs/contract.md §2).
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
            let count = |c: Cause| mine.iter().filter(|o| o.cause() == Some(c)).count();
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

/// [`Judged`] with the spread of its estimate, for p-values and detectable effects.
struct Judging {
    est: Estimate,
    bound: Bound,
    flipped: bool,
}

impl Judging {
    fn public(&self) -> Judged {
        Judged {
            value: self.est.value,
            bound: self.bound,
            flipped: self.flipped,
        }
    }
}

fn judged(
    g: &GateSpec,
    cand: &Estimate,
    base: Option<f64>,
    delta: Option<&Estimate>,
) -> Option<Judging> {
    let lower_better = g.metric.direction() == Direction::LowerIsBetter;
    let oriented = |d: &Estimate| if lower_better { d.negated() } else { d.clone() };
    Some(match g.rule {
        Rule::Min => Judging {
            est: cand.clone(),
            bound: Bound::AtLeast(g.limit),
            flipped: false,
        },
        Rule::Max => Judging {
            est: cand.clone(),
            bound: Bound::AtMost(g.limit),
            flipped: false,
        },
        Rule::MaxRegression => Judging {
            est: oriented(delta?),
            bound: Bound::AtLeast(-g.limit),
            flipped: lower_better,
        },
        Rule::MaxRegressionRel => Judging {
            est: oriented(delta?),
            bound: Bound::AtLeast(-g.limit * base?.abs()),
            flipped: lower_better,
        },
        Rule::MinImprovement => Judging {
            est: oriented(delta?),
            bound: Bound::AtLeast(g.limit),
            flipped: lower_better,
        },
    })
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
            mcnemar_context: m.mcnemar_context,
            ks_test: m.ks_test,
            judged: None,
            why: Why::Compared { corrected: None },
            correction: g.correction,
            waiver: None,
        };
        let p = judge_slice(g, m, settings, &mut o);
        if let Some(p) = p
            && sliced
        {
            family.push((out.len(), p));
        }
        out.push(o);
    }

    // Correct the slice family of a `significant` gate: fail iff the adjusted margin
    // p-value is below α. Without correction the interval rule already decided (except
    // McNemar, which decides by its p-value).
    if !family.is_empty() {
        let ps: Vec<f64> = family.iter().map(|(_, p)| *p).collect();
        let adjusted = correction::adjust(&ps, g.correction);
        for ((i, _), adj) in family.iter().zip(adjusted) {
            let o = &mut out[*i];
            if g.correction != Correction::None {
                o.p_adjusted = Some(adj);
            } else if g.test != Test::Mcnemar {
                // Uncorrected: the interval rule already decided.
                continue;
            }
            let was = o.status;
            o.status = if adj < alpha {
                Status::Fail
            } else {
                Status::Pass
            };
            if was != o.status {
                o.why = Why::Compared {
                    corrected: Some(Corrected {
                        family: family.len(),
                        adjusted: adj,
                        alpha,
                    }),
                };
            }
        }
    }
    out
}

/// Judges one slice into `o`; returns the p-value that joins the slice family's correction
/// (finite margin p-values of `significant` gates).
fn judge_slice(g: &GateSpec, m: &Measured, settings: &Settings, o: &mut Outcome) -> Option<f64> {
    let sliced = !g.by.is_empty();
    let alpha = 1.0 - settings.confidence;
    let delta_est = m.delta.as_ref().and_then(|d| d.as_ref().ok());
    let detectable_se = if g.rule.is_relative() {
        delta_est.and_then(|d| d.spread.se())
    } else {
        m.candidate.as_ref().ok().and_then(|c| c.spread.se())
    };
    let detectable = detectable_se
        .map(|se| decision::min_detectable_effect(se, settings.confidence, 0.8))
        .filter(|x| x.is_finite());
    let base = m.baseline.as_ref().and_then(|b| b.as_ref().ok().copied());
    let judging = m
        .candidate
        .as_ref()
        .ok()
        .and_then(|c| judged(g, c, base, delta_est));
    o.judged = judging.as_ref().map(Judging::public);

    if sliced {
        let short = shortfalls(m, settings.min_slice, !g.metric.is_skew());
        if !short.is_empty() {
            o.detectable = detectable;
            o.why = Why::TooSmall(short);
            return None;
        }
    }
    // A value the rule needs is undefined: a skip on a slice, a failure on the whole set.
    let missing = match (&m.candidate, &m.baseline, &m.delta, g.rule.is_relative()) {
        (Err(u), ..) => Some(Missing::Candidate(*u)),
        (_, Some(Err(u)), _, true) => Some(Missing::Baseline(*u)),
        (_, _, Some(Err(u)), true) => Some(Missing::Delta(*u)),
        _ if judging.is_none() => Some(Missing::NoBaseline),
        _ => None,
    };
    let (Some(j), None) = (judging, missing) else {
        o.status = if sliced { Status::Skip } else { Status::Fail };
        o.why = Why::Undefined(missing.unwrap_or(Missing::NoBaseline));
        return None;
    };
    let Ok(cand) = &m.candidate else {
        return None;
    };
    let delta = if g.rule.is_relative() {
        delta_est
    } else {
        None
    };
    // The interval in the JSON is unoriented, like `delta`.
    o.ci = if g.rule.is_relative() {
        delta.and_then(|d| d.interval)
    } else {
        cand.interval
    };

    // A NaN or an infinity is never compared with a limit: the gate fails and says which
    // number it was (a point gate ignores an interval it does not use).
    if let Some((quantity, value)) = non_finite(g, cand, base, delta, &j) {
        if g.evidence == Evidence::Point && quantity == Quantity::Interval {
            o.ci = None;
        } else {
            o.status = Status::Fail;
            o.ci = o.ci.filter(|iv| iv.lo.is_finite() && iv.hi.is_finite());
            o.why = Why::NonFinite { quantity, value };
            return None;
        }
    }
    let interval = j
        .est
        .interval
        .filter(|iv| iv.lo.is_finite() && iv.hi.is_finite());
    match decision::decide(j.est.value, interval, j.bound, g.evidence) {
        Ok(d) => {
            o.status = if d.pass { Status::Pass } else { Status::Fail };
            o.inconclusive = d.inconclusive;
        }
        Err(_) => {
            o.status = Status::Fail;
            o.why = Why::NoInterval;
            return None;
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
    if g.evidence != Evidence::Significant {
        return None;
    }
    let p = p.value;
    if g.test == Test::Mcnemar && !sliced {
        if !p.is_finite() {
            o.status = Status::Fail;
            o.why = Why::NonFinite {
                quantity: Quantity::PValue,
                value: p,
            };
            return None;
        }
        o.status = if p < alpha {
            Status::Fail
        } else {
            Status::Pass
        };
    }
    (sliced && p.is_finite()).then_some(p)
}

/// The counts of a slice below its `min_slice` floors.
/// `labelled` is false for skew gates: feature files have no labels, so only rows count.
fn shortfalls(m: &Measured, ms: MinSlice, labelled: bool) -> Vec<Shortfall> {
    let negatives = m.rows.saturating_sub(m.positives);
    [
        (Count::Rows, m.rows, ms.rows),
        (Count::Positives, m.positives, ms.positives),
        (Count::Negatives, negatives, ms.negatives),
    ]
    .into_iter()
    .filter(|(count, _, _)| labelled || *count == Count::Rows)
    .filter(|(_, have, need)| have < need)
    .map(|(count, have, need)| Shortfall { count, have, need })
    .collect()
}

/// The first number the rule needs that is NaN or infinite, with its value.
fn non_finite(
    g: &GateSpec,
    cand: &Estimate,
    base: Option<f64>,
    delta: Option<&Estimate>,
    j: &Judging,
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

#[cfg(test)]
mod tests;
