use super::*;
use crate::config::{Correction, Evidence, GateSpec, MinSlice, Rule, Severity, Test};

fn gate(metric: &str, rule: Rule, limit: f64, evidence: Evidence, by: &[&str]) -> GateSpec {
    GateSpec {
        id: "g".into(),
        metric: metric.parse().unwrap(),
        rule,
        limit,
        evidence,
        test: Test::Bootstrap,
        by: by.iter().map(|s| s.to_string()).collect(),
        severity: Severity::Block,
        correction: Correction::Holm,
        line: 1,
        reference: None,
    }
}

fn settings() -> Settings {
    Settings {
        min_slice: MinSlice {
            rows: 100,
            positives: 10,
            negatives: 10,
        },
        confidence: 0.95,
    }
}

fn paired(c: f64, b: f64, ci: Option<(f64, f64)>, slice: &str) -> Measured {
    let interval = ci.map(|(lo, hi)| Interval { lo, hi });
    Measured {
        slice: if slice.is_empty() {
            vec![]
        } else {
            vec![("country".into(), Some(slice.into()))]
        },
        rows: 1000,
        positives: 100,
        candidate: Ok(Estimate::point(c)),
        baseline: Some(Ok(b)),
        delta: Some(Ok(Estimate {
            value: c - b,
            interval,
            spread: Spread::None,
        })),
        mcnemar: None,
        mcnemar_context: None,
        ks_test: None,
    }
}

#[test]
fn point_regression_rule_follows_contract() {
    let g = gate("roc_auc", Rule::MaxRegression, 0.005, Evidence::Point, &[]);
    let o = &judge(&g, &[paired(0.9391, 0.9484, None, "")], &settings())[0];
    assert_eq!(o.status, Status::Fail);
    assert!((o.delta.unwrap() + 0.0093).abs() < 1e-12);
    assert_eq!(o.why, Why::Compared { corrected: None });
    let words = crate::report::reason(o, 0.95);
    assert!(words.contains("worsened by 0.0093"), "{words}");
    let o = &judge(&g, &[paired(0.946, 0.9484, None, "")], &settings())[0];
    assert_eq!(o.status, Status::Pass, "{:?}", o.why);
}

#[test]
fn lower_is_better_metrics_are_oriented() {
    // log_loss rising by 0.02 is a regression of 0.02.
    let g = gate("log_loss", Rule::MaxRegression, 0.01, Evidence::Point, &[]);
    let o = &judge(&g, &[paired(0.32, 0.30, None, "")], &settings())[0];
    assert_eq!(o.status, Status::Fail, "{:?}", o.why);
    assert!(
        (o.delta.unwrap() - 0.02).abs() < 1e-12,
        "delta stays candidate - baseline"
    );
    let o = &judge(&g, &[paired(0.28, 0.30, None, "")], &settings())[0];
    assert_eq!(o.status, Status::Pass);
    // max on a lower-is-better metric is a ceiling on the raw value.
    let g = gate("log_loss", Rule::Max, 0.3, Evidence::Point, &[]);
    assert_eq!(
        judge(&g, &[paired(0.31, 0.30, None, "")], &settings())[0].status,
        Status::Fail
    );
}

#[test]
fn significant_and_confident_follow_the_interval() {
    // The contract's example: drop 0.0093, CI [-0.0144, -0.0042], margin 0.005.
    let m = paired(0.9391, 0.9484, Some((-0.0144, -0.0042)), "");
    let sig = gate(
        "roc_auc",
        Rule::MaxRegression,
        0.005,
        Evidence::Significant,
        &[],
    );
    let o = &judge(&sig, std::slice::from_ref(&m), &settings())[0];
    assert_eq!(o.status, Status::Pass, "hi = -0.0042 >= -0.005");
    assert!(o.inconclusive);
    assert!(o.inconclusive, "{:?}", o.why);
    let words = crate::report::reason(o, 0.95);
    assert!(words.contains("within noise"), "{words}");
    let conf = gate(
        "roc_auc",
        Rule::MaxRegression,
        0.005,
        Evidence::Confident,
        &[],
    );
    let o = &judge(&conf, std::slice::from_ref(&m), &settings())[0];
    assert_eq!(o.status, Status::Fail, "lo = -0.0144 < -0.005");
    assert!(o.inconclusive, "{:?}", o.why);
    let words = crate::report::reason(o, 0.95);
    assert!(words.contains("inconclusive"), "{words}");
    // Entirely below the margin: both fail.
    let m = paired(0.92, 0.9484, Some((-0.04, -0.01)), "");
    assert_eq!(
        judge(&sig, std::slice::from_ref(&m), &settings())[0].status,
        Status::Fail
    );
    assert_eq!(judge(&conf, &[m], &settings())[0].status, Status::Fail);
}

#[test]
fn relative_margin_scales_with_the_baseline() {
    let g = gate("pr_auc", Rule::MaxRegressionRel, 0.05, Evidence::Point, &[]);
    // 5 % of 0.6 is 0.03: a drop of 0.02 passes, 0.04 fails.
    assert_eq!(
        judge(&g, &[paired(0.58, 0.6, None, "")], &settings())[0].status,
        Status::Pass
    );
    assert_eq!(
        judge(&g, &[paired(0.56, 0.6, None, "")], &settings())[0].status,
        Status::Fail
    );
}

#[test]
fn small_slices_are_skipped_with_counts() {
    let g = gate("pr_auc", Rule::Min, 0.3, Evidence::Point, &["country"]);
    let mut m = paired(0.1, 0.2, None, "LU");
    m.rows = 40;
    m.positives = 2;
    let o = &judge(&g, &[m], &settings())[0];
    assert_eq!(o.status, Status::Skip);
    let short = |count, have, need| Shortfall { count, have, need };
    assert_eq!(
        o.why,
        Why::TooSmall(vec![
            short(Count::Rows, 40, 100),
            short(Count::Positives, 2, 10)
        ])
    );
    let words = crate::report::reason(o, 0.95);
    assert!(words.contains("40 rows < 100, 2 positives < 10"), "{words}");
}

#[test]
fn undefined_metric_skips_a_slice_but_fails_the_whole_set() {
    let mut m = paired(0.5, 0.5, None, "DE");
    m.candidate = Err(crate::metrics::Undefined::NoPositives);
    let g = gate("pr_auc", Rule::Min, 0.3, Evidence::Point, &["country"]);
    assert_eq!(
        judge(&g, std::slice::from_ref(&m), &settings())[0].status,
        Status::Skip
    );
    m.slice.clear();
    let g = gate("pr_auc", Rule::Min, 0.3, Evidence::Point, &[]);
    let o = &judge(&g, &[m], &settings())[0];
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.why,
        Why::Undefined(Missing::Candidate(crate::metrics::Undefined::NoPositives))
    );
    let words = crate::report::reason(o, 0.95);
    assert!(words.contains("no positive rows"), "{words}");
}

#[test]
fn holm_correction_can_rescue_a_marginal_slice() {
    // Normal spreads: slice A clearly regressed, slice B only marginally (uncorrected p ≈ 0.03).
    let mut g = gate(
        "roc_auc",
        Rule::MaxRegression,
        0.0,
        Evidence::Significant,
        &["country"],
    );
    let mk = |d: f64, se: f64, s: &str| {
        let mut m = paired(0.9 + d, 0.9, None, s);
        let z = crate::stats::z_critical(0.95);
        m.delta = Some(Ok(Estimate {
            value: d,
            interval: Some(Interval {
                lo: d - z * se,
                hi: d + z * se,
            }),
            spread: Spread::Normal(se),
        }));
        m
    };
    let ms = [
        mk(-0.05, 0.01, "A"),
        mk(-0.0217, 0.01, "B"),
        mk(0.01, 0.01, "C"),
    ];
    let out = judge(&g, &ms, &settings());
    assert_eq!(out[0].status, Status::Fail);
    assert_eq!(
        out[1].status,
        Status::Pass,
        "Holm over 3 slices: {:?}",
        out[1].why
    );
    assert!(out[1].p_adjusted.unwrap() > 0.05);
    assert_eq!(out[2].status, Status::Pass);
    g.correction = Correction::None;
    let out = judge(&g, &ms, &settings());
    assert_eq!(
        out[1].status,
        Status::Fail,
        "uncorrected, the interval excludes 0"
    );
    assert!(out[1].p_adjusted.is_none());
}

#[test]
fn verdict_and_exit_codes() {
    let g = gate("pr_auc", Rule::Min, 0.3, Evidence::Point, &[]);
    let fail = judge(&g, &[paired(0.1, 0.2, None, "")], &settings());
    assert_eq!(Verdict::of(&fail), Verdict::Fail);
    assert_eq!(Verdict::of(&fail).exit_code(), 1);
    let mut warn = fail.clone();
    warn[0].severity = Severity::Warn;
    assert_eq!(Verdict::of(&warn), Verdict::Warn);
    assert_eq!(Verdict::of(&warn).exit_code(), 0);
}

#[test]
fn non_finite_numbers_fail_and_are_never_compared() {
    let settings = settings();
    // A NaN candidate on an absolute rule: `min` would have "passed" nothing, `max` would
    // have compared NaN; both fail, naming the quantity.
    for rule in [Rule::Min, Rule::Max] {
        let g = gate("pr_auc", rule, 0.3, Evidence::Point, &[]);
        let o = &judge(&g, &[paired(f64::NAN, 0.2, None, "")], &settings)[0];
        assert_eq!(o.status, Status::Fail, "{rule:?}");
        assert_eq!(o.cause(), Some(Cause::NonFinite(Quantity::Candidate)));
        assert!(matches!(o.why, Why::NonFinite { .. }), "{:?}", o.why);
        let words = crate::report::reason(o, 0.95);
        assert!(words.contains("not a finite number"), "{words}");
    }
    // An infinite baseline makes the relative limit infinite.
    let g = gate("pr_auc", Rule::MaxRegression, 0.01, Evidence::Point, &[]);
    let o = &judge(&g, &[paired(0.5, f64::INFINITY, None, "")], &settings)[0];
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.cause(), Some(Cause::NonFinite(Quantity::Baseline)));
    // On a slice too: a NaN is not "too small", it fails.
    let g = gate(
        "pr_auc",
        Rule::MaxRegression,
        0.01,
        Evidence::Point,
        &["country"],
    );
    let o = &judge(&g, &[paired(f64::NAN, 0.5, None, "DE")], &settings)[0];
    assert_eq!(o.status, Status::Fail);
    // An infinite interval end under `confident` fails; a point gate ignores it.
    let g = gate(
        "pr_auc",
        Rule::MaxRegression,
        0.01,
        Evidence::Confident,
        &[],
    );
    let m = paired(0.5, 0.5, Some((f64::NEG_INFINITY, 0.1)), "");
    let o = &judge(&g, std::slice::from_ref(&m), &settings)[0];
    assert_eq!(o.cause(), Some(Cause::NonFinite(Quantity::Interval)));
    assert_eq!(o.status, Status::Fail);
    let g = gate("pr_auc", Rule::MaxRegression, 0.01, Evidence::Point, &[]);
    let o = &judge(&g, &[m], &settings)[0];
    assert_eq!(o.status, Status::Pass);
    assert_eq!(o.ci, None);
}

#[test]
fn nothing_judged_is_not_a_pass() {
    let g = gate(
        "roc_auc",
        Rule::MaxRegression,
        0.01,
        Evidence::Point,
        &["country"],
    );
    let mut small = paired(0.9, 0.9, None, "DE");
    small.rows = 20;
    small.positives = 2;
    let mut single = paired(0.9, 0.9, None, "FR");
    single.rows = 1;
    single.positives = 1;
    let outcomes = judge(&g, &[small.clone(), single.clone()], &settings());
    assert!(outcomes.iter().all(|o| o.status == Status::Skip));
    let nj = not_judged(std::slice::from_ref(&g), &outcomes);
    assert_eq!(nj.len(), 1);
    assert_eq!(
        nj[0].why,
        NothingJudged::AllSkipped {
            slices: 2,
            too_small: 2,
            undefined: 0
        }
    );
    assert_eq!(
        Verdict::of(&outcomes),
        Verdict::Pass,
        "the old rule passed this"
    );
    assert_eq!(
        Verdict::of_run(&outcomes, &nj, OnNothingJudged::Fail),
        Verdict::Fail
    );
    assert_eq!(
        Verdict::of_run(&outcomes, &nj, OnNothingJudged::Warn),
        Verdict::Warn
    );
    // One row per value.
    let mut single2 = single.clone();
    single2.slice = vec![("country".into(), Some("US".into()))];
    let outcomes = judge(&g, &[single, single2], &settings());
    let nj = not_judged(std::slice::from_ref(&g), &outcomes);
    assert_eq!(nj[0].why, NothingJudged::OneRowPerValue { slices: 2 });
    // No slice at all.
    let nj = not_judged(std::slice::from_ref(&g), &[]);
    assert_eq!(nj[0].why, NothingJudged::NoSlices);
    // A warn-severity gate that judged nothing only warns; one judged slice is enough.
    let mut w = g.clone();
    w.severity = Severity::Warn;
    let nj = not_judged(std::slice::from_ref(&w), &[]);
    assert_eq!(
        Verdict::of_run(&[], &nj, OnNothingJudged::Fail),
        Verdict::Warn
    );
    let outcomes = judge(&g, &[small, paired(0.9, 0.9, None, "US")], &settings());
    assert!(not_judged(std::slice::from_ref(&g), &outcomes).is_empty());
}

/// A slice whose delta has bootstrap replicates around `centre` with spread `sd`.
fn resampled(centre: f64, sd: f64, slice: &str, seed: u64) -> Measured {
    let mut m = paired(0.8 + centre, 0.8, None, slice);
    let mut z = seed;
    let reps: Vec<f64> = (0..400)
        .map(|_| {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let u = (crate::stats::resample::mix(z) >> 11) as f64 / (1u64 << 53) as f64;
            centre + sd * crate::stats::normal_quantile(u.clamp(1e-9, 1.0 - 1e-9))
        })
        .collect();
    let mut sorted = reps.clone();
    sorted.sort_by(f64::total_cmp);
    if let Some(Ok(d)) = &mut m.delta {
        d.interval = crate::stats::bootstrap::percentile_interval(&sorted, 0.95);
        d.spread = Spread::Replicates(reps);
    }
    m
}

#[test]
fn p_values_belong_to_the_hypothesis_decided_and_adjusted_is_never_below_raw() {
    // Random families of slices, every evidence and correction: the adjusted p-value is
    // never below the raw one, and the raw one is the p-value of the decided hypothesis.
    let mut seed = 1u64;
    for family in 0..60 {
        let evidence = [Evidence::Significant, Evidence::Confident, Evidence::Point][family % 3];
        let mut g = gate("pr_auc", Rule::MaxRegression, 0.01, evidence, &["country"]);
        g.correction = [Correction::Holm, Correction::BenjaminiHochberg][family % 2];
        let slices: Vec<Measured> = (0..1 + family % 7)
            .map(|k| {
                seed += 1;
                let centre = ((seed * 7919) % 200) as f64 / 1000.0 - 0.1;
                resampled(centre, 0.01 + (k as f64) * 0.005, &format!("s{k}"), seed)
            })
            .collect();
        for o in judge(&g, &slices, &settings()) {
            let p = o.p_value.expect("a resampled delta has a p-value");
            assert!((0.0..=1.0).contains(&p) && p > 0.0, "p {p}");
            let want = if evidence == Evidence::Confident {
                Hypothesis::LimitHeld
            } else {
                Hypothesis::LimitBroken
            };
            assert_eq!(o.p_value_of, Some(want));
            if let Some(adj) = o.p_adjusted {
                assert!(adj >= p, "adjusted {adj} < raw {p}");
            }
        }
    }
}

#[test]
fn a_p_value_beyond_the_replicates_is_a_bound_never_zero() {
    // Every replicate far below the limit: the p-value of "the limit is broken" is the
    // resolution bound 2/(B + 1), flagged.
    let g = gate(
        "pr_auc",
        Rule::MaxRegression,
        0.01,
        Evidence::Significant,
        &[],
    );
    let o = &judge(&g, &[resampled(-0.2, 0.01, "", 3)], &settings())[0];
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.p_value, Some(2.0 / 401.0));
    assert!(o.p_value_bound);
    let o = &judge(&g, &[resampled(0.0, 0.01, "", 4)], &settings())[0];
    assert!(!o.p_value_bound && o.p_value.expect("p") > 0.05);
}
