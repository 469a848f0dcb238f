//! Seeded simulations: do the intervals cover the truth as often as they claim, and does a
//! `significant` gate stay quiet when two models are equally good?
//!
//! Data: the binormal model. Of `n` rows a fixed 10% are positive; a model's score is
//! `μ·y + ε` with standard normal noise, so its true AUC is `Φ(μ/√2)`. Candidate and
//! baseline noises are correlated (ρ), as two models of the same rows are. The true
//! average precision comes from numerical integration over the population curves.
//!
//! The default tests are sized for a debug build (a few seconds). The full-size coverage
//! study of the bootstrap is `#[ignore]`d; run it with
//! `cargo test --release --test suite stats_simulation -- --ignored --nocapture`.

use modelgate::metrics::{MetricId, Plan, Ranked};
use modelgate::stats::WeightKind;
use modelgate::stats::bootstrap::{self, BootstrapSpec};
use modelgate::stats::decision::{Bound, Evidence, decide};
use modelgate::stats::delong;
use modelgate::stats::{Interval, RowGroups, normal_cdf};

/// SplitMix64 with Box–Muller normals: small, seeded, good enough for simulations.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// One paired sample: labels (first `n/10` rows positive) and both models' scores.
struct Sample {
    candidate: Ranked,
    baseline: Ranked,
}

fn sample(rng: &mut Rng, n: usize, mu_c: f64, mu_b: f64, rho: f64) -> Sample {
    let y: Vec<bool> = (0..n).map(|i| i < n / 10).collect();
    let mut sc = Vec::with_capacity(n);
    let mut sb = Vec::with_capacity(n);
    for &pos in &y {
        let (z1, z2) = (rng.normal(), rng.normal());
        let yv = f64::from(u8::from(pos));
        sc.push(mu_c * yv + z1);
        sb.push(mu_b * yv + rho * z1 + (1.0 - rho * rho).sqrt() * z2);
    }
    Sample {
        candidate: Ranked::new(&sc, &y, None),
        baseline: Ranked::new(&sb, &y, None),
    }
}

fn true_auc(mu: f64) -> f64 {
    normal_cdf(mu / std::f64::consts::SQRT_2)
}

/// Population average precision of a binormal model at prevalence `pi`:
/// `∫ precision dTPR` over thresholds, by the midpoint rule on a fine grid.
fn true_ap(mu: f64, pi: f64) -> f64 {
    let (lo, hi, steps) = (-12.0, 12.0 + mu, 20_000);
    let h = (hi - lo) / f64::from(steps);
    let mut ap = 0.0;
    for i in 0..steps {
        let t = hi - (f64::from(i) + 0.5) * h;
        // Upper tails as Φ(−x), so that far from the bulk they are small, not 1 − 1 = 0.
        let tpr = normal_cdf(mu - t);
        let fpr = normal_cdf(-t);
        let density = (-(t - mu) * (t - mu) / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let precision = pi * tpr / (pi * tpr + (1.0 - pi) * fpr);
        ap += precision * density * h;
    }
    ap
}

fn covers(iv: Interval, truth: f64) -> bool {
    iv.lo <= truth && truth <= iv.hi
}

const N: usize = 2000;
const MU_C: f64 = 1.3;
const MU_B: f64 = 1.0;
const RHO: f64 = 0.6;

#[test]
fn delong_interval_of_auc_delta_covers_95_percent() {
    let truth = true_auc(MU_C) - true_auc(MU_B);
    let mut rng = Rng(20_240_601);
    let reps = 1000;
    let mut hit = 0;
    for _ in 0..reps {
        let s = sample(&mut rng, N, MU_C, MU_B, RHO);
        let p = delong::paired(
            &s.candidate,
            &s.baseline,
            RowGroups::ALL,
            WeightKind::Sampling,
            0.95,
        )[0]
        .expect("defined");
        hit += usize::from(covers(p.interval, truth));
    }
    let rate = hit as f64 / f64::from(reps);
    eprintln!("DeLong 95% interval of the AUC delta: coverage {rate:.3} over {reps} samples");
    assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
}

/// Bootstrap coverage of the AUC and AP deltas, and the bootstrap SE of the AUC delta
/// against DeLong's (a paired bootstrap must agree with the paired variance). `little`
/// forces the bag of little bootstraps (at 50,000 rows both label strata are subsampled:
/// 5,000 positives and 45,000 negatives, subsets of 2,000 rows each).
fn bootstrap_study(
    n: usize,
    reps: u32,
    replicates: u32,
    seed: u64,
    little: bool,
) -> (f64, f64, f64) {
    let truth_auc = true_auc(MU_C) - true_auc(MU_B);
    let truth_ap = true_ap(MU_C, 0.1) - true_ap(MU_B, 0.1);
    let plan = Plan {
        metrics: vec![MetricId::RocAuc, MetricId::PrAuc],
        threshold: 0.5,
    };
    let mut rng = Rng(seed);
    let (mut hit_auc, mut hit_ap, mut se_ratio) = (0, 0, 0.0);
    for r in 0..reps {
        let s = sample(&mut rng, n, MU_C, MU_B, RHO);
        let spec = BootstrapSpec {
            replicates,
            seed: u64::from(r),
            little_above: if little { 0 } else { u64::MAX },
            ..BootstrapSpec::default()
        };
        let boot = bootstrap::paired(&s.candidate, &s.baseline, RowGroups::ALL, &plan, &spec);
        assert_eq!(boot.little, little);
        let d_auc = boot.cell(0, 0).delta.as_ref().expect("paired");
        let d_ap = boot.cell(0, 1).delta.as_ref().expect("paired");
        hit_auc += usize::from(covers(d_auc.interval.expect("interval"), truth_auc));
        hit_ap += usize::from(covers(d_ap.interval.expect("interval"), truth_ap));
        let dl = delong::paired(
            &s.candidate,
            &s.baseline,
            RowGroups::ALL,
            WeightKind::Sampling,
            0.95,
        )[0]
        .expect("defined");
        se_ratio += d_auc.se / dl.se;
    }
    let r = f64::from(reps);
    (hit_auc as f64 / r, hit_ap as f64 / r, se_ratio / r)
}

#[test]
fn bootstrap_is_paired_and_roughly_calibrated() {
    // Small enough for a debug build: the coverage band is loose here (50 samples); the
    // SE ratio is the sharp check (resampling the models independently, unpaired, would
    // inflate it well above 1).
    let (auc, ap, ratio) = bootstrap_study(1000, 50, 200, 7, false);
    eprintln!(
        "bootstrap (50 samples of 1000 rows, B=200): AUC {auc:.3}, AP {ap:.3}, SE/DeLong {ratio:.3}"
    );
    assert!(auc >= 0.85 && ap >= 0.85, "coverage AUC {auc}, AP {ap}");
    assert!(
        (0.9..=1.1).contains(&ratio),
        "bootstrap SE / DeLong SE = {ratio}"
    );
}

#[test]
#[ignore = "coverage study, ~80 s in release: cargo test --release --test suite stats_simulation -- --ignored"]
fn bootstrap_intervals_cover_95_percent() {
    let (auc, ap, ratio) = bootstrap_study(N, 1000, 1000, 11, false);
    eprintln!("bootstrap (1000 samples, B=1000): AUC {auc:.3}, AP {ap:.3}, SE/DeLong {ratio:.3}");
    assert!((0.93..=0.97).contains(&auc), "AUC coverage {auc}");
    assert!((0.93..=0.97).contains(&ap), "AP coverage {ap}");
}

#[test]
fn significant_gate_rarely_fires_on_equal_models() {
    // Same μ, independent noise: the true delta is 0, so "hi < 0" should fire ~2.5%.
    let mut rng = Rng(99);
    let reps = 200;
    let mut fired = 0;
    for _ in 0..reps {
        let s = sample(&mut rng, N, MU_B, MU_B, 0.0);
        let p = delong::paired(
            &s.candidate,
            &s.baseline,
            RowGroups::ALL,
            WeightKind::Sampling,
            0.95,
        )[0]
        .expect("defined");
        let d = decide(
            p.delta,
            Some(p.interval),
            Bound::AtLeast(0.0),
            Evidence::Significant,
        )
        .expect("interval");
        fired += usize::from(!d.pass);
    }
    let rate = fired as f64 / f64::from(reps);
    eprintln!("significant gate on equal models: fired {fired}/{reps} = {rate:.3}");
    assert!(rate <= 0.05, "false alarm rate {rate}");
}

/// Share of `reps` pairs of equally good models (binormal, noise correlation `rho`) on
/// which a `significant` no-regression gate on the PR-AUC delta fires.
fn ap_false_alarms(seed: u64, n: usize, rho: f64, reps: u64, replicates: u32, little: bool) -> f64 {
    let plan = Plan {
        metrics: vec![MetricId::PrAuc],
        threshold: 0.5,
    };
    let mut rng = Rng(seed);
    let mut fired = 0usize;
    for r in 0..reps {
        let s = sample(&mut rng, n, MU_B, MU_B, rho);
        let spec = BootstrapSpec {
            replicates,
            seed: r,
            little_above: if little { 0 } else { u64::MAX },
            ..BootstrapSpec::default()
        };
        let boot = bootstrap::paired(&s.candidate, &s.baseline, RowGroups::ALL, &plan, &spec);
        let delta = boot.cell(0, 0).delta.as_ref().expect("paired");
        let d = decide(
            f64::NAN,
            delta.interval.ok(),
            Bound::AtLeast(0.0),
            Evidence::Significant,
        )
        .expect("interval");
        fired += usize::from(!d.pass);
    }
    fired as f64 / reps as f64
}

#[test]
fn bootstrap_significant_gate_rarely_fires_on_equal_models() {
    let rate = ap_false_alarms(1234, 600, 0.0, 100, 200, false);
    eprintln!("bootstrap significant gate (AP) on equal models: fired {rate:.3}");
    assert!(rate <= 0.06, "false alarm rate {rate}");
}

/// Logistic scores `σ(μ·y + ε)`: probabilities for the calibration metrics.
fn sample_probabilities(rng: &mut Rng, n: usize, mu_c: f64, mu_b: f64, rho: f64) -> Sample {
    let y: Vec<bool> = (0..n).map(|i| i < n / 10).collect();
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let (mut sc, mut sb) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for &pos in &y {
        let (z1, z2) = (rng.normal(), rng.normal());
        let yv = f64::from(u8::from(pos));
        sc.push(sigmoid(mu_c * yv + z1 - 1.5));
        sb.push(sigmoid(
            mu_b * yv + rho * z1 + (1.0 - rho * rho).sqrt() * z2 - 1.5,
        ));
    }
    Sample {
        candidate: Ranked::new(&sc, &y, None),
        baseline: Ranked::new(&sb, &y, None),
    }
}

/// `E[f(ε)]` for standard normal ε, by the midpoint rule.
fn expect_normal(f: impl Fn(f64) -> f64) -> f64 {
    let (lo, hi, steps) = (-12.0, 12.0, 40_000);
    let h = (hi - lo) / f64::from(steps);
    (0..steps)
        .map(|i| {
            let e = lo + (f64::from(i) + 0.5) * h;
            f(e) * (-e * e / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() * h
        })
        .sum()
}

/// Population log loss and Brier score of `σ(μ·y + ε − 1.5)` at prevalence 0.1.
fn true_losses(mu: f64) -> (f64, f64) {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let pos_ll = expect_normal(|e| -sigmoid(mu + e - 1.5).ln());
    let neg_ll = expect_normal(|e| -(1.0 - sigmoid(e - 1.5)).ln());
    let pos_br = expect_normal(|e| (1.0 - sigmoid(mu + e - 1.5)).powi(2));
    let neg_br = expect_normal(|e| sigmoid(e - 1.5).powi(2));
    (0.1 * pos_ll + 0.9 * neg_ll, 0.1 * pos_br + 0.9 * neg_br)
}

/// Coverage of the bootstrap intervals of the recall, accuracy, log-loss and Brier deltas:
/// the cell engine's exact Poisson draws (thresholded metrics), its row-level draws (the
/// 200 positives) and its normal draws (the 1,800 negatives, more than `cells::SMALL`).
fn cell_study(reps: u32, replicates: u32, seed: u64) -> [f64; 4] {
    let t: f64 = 0.3;
    // Recall at threshold t: P(σ(μ + ε − 1.5) ≥ t) = Φ(μ − 1.5 − logit t).
    let logit_t = (t / (1.0 - t)).ln();
    let recall = |mu: f64| normal_cdf(mu - 1.5 - logit_t);
    let specificity = normal_cdf(1.5 + logit_t);
    let accuracy = |mu: f64| 0.1 * recall(mu) + 0.9 * specificity;
    let (llc, brc) = true_losses(MU_C);
    let (llb, brb) = true_losses(MU_B);
    let truth = [
        recall(MU_C) - recall(MU_B),
        accuracy(MU_C) - accuracy(MU_B),
        llc - llb,
        brc - brb,
    ];
    let plan = Plan {
        metrics: vec![
            MetricId::Recall,
            MetricId::Accuracy,
            MetricId::LogLoss,
            MetricId::Brier,
        ],
        threshold: t,
    };
    let mut rng = Rng(seed);
    let mut hits = [0u32; 4];
    for r in 0..reps {
        let s = sample_probabilities(&mut rng, N, MU_C, MU_B, RHO);
        let spec = BootstrapSpec {
            replicates,
            seed: u64::from(r),
            confidence: 0.95,
            frequency: false,
            little_above: bootstrap::LITTLE_ABOVE,
        };
        let boot = bootstrap::paired(&s.candidate, &s.baseline, RowGroups::ALL, &plan, &spec);
        for (m, hit) in hits.iter_mut().enumerate() {
            let d = boot.cell(0, m).delta.as_ref().expect("paired");
            *hit += u32::from(covers(d.interval.expect("interval"), truth[m]));
        }
    }
    hits.map(|h| f64::from(h) / f64::from(reps))
}

#[test]
fn cell_bootstrap_intervals_cover_95_percent() {
    let [recall, accuracy, log_loss, brier] = cell_study(400, 500, 31);
    eprintln!(
        "cell bootstrap (400 samples of {N} rows, B=500): recall {recall:.3}, accuracy {accuracy:.3}, log loss {log_loss:.3}, Brier {brier:.3}"
    );
    // 400 samples: the binomial standard error of a 95% rate is 1.1 points.
    for (name, rate) in [
        ("recall", recall),
        ("accuracy", accuracy),
        ("log loss", log_loss),
        ("brier", brier),
    ] {
        assert!((0.925..=0.975).contains(&rate), "{name} coverage {rate}");
    }
}

#[test]
fn cell_bootstrap_significant_gate_rarely_fires_on_equal_models() {
    let plan = Plan {
        metrics: vec![MetricId::Recall, MetricId::LogLoss],
        threshold: 0.3,
    };
    let mut rng = Rng(4321);
    let reps: u64 = 300;
    let mut fired = [0usize; 2];
    for r in 0..reps {
        let s = sample_probabilities(&mut rng, N, MU_B, MU_B, 0.3);
        let spec = BootstrapSpec {
            replicates: 400,
            seed: r,
            confidence: 0.95,
            frequency: false,
            little_above: bootstrap::LITTLE_ABOVE,
        };
        let boot = bootstrap::paired(&s.candidate, &s.baseline, RowGroups::ALL, &plan, &spec);
        for (m, f) in fired.iter_mut().enumerate() {
            let delta = boot.cell(0, m).delta.as_ref().expect("paired");
            // Higher recall is better; lower log loss is: orient so a regression is < 0.
            let iv = delta.interval.expect("interval");
            let iv = if m == 1 {
                Interval {
                    lo: -iv.hi,
                    hi: -iv.lo,
                }
            } else {
                iv
            };
            let d = decide(
                f64::NAN,
                Some(iv),
                Bound::AtLeast(0.0),
                Evidence::Significant,
            )
            .expect("interval");
            *f += usize::from(!d.pass);
        }
    }
    let rates = fired.map(|f| f as f64 / reps as f64);
    eprintln!(
        "cell bootstrap significant gate on equal models: recall {:.3}, log loss {:.3}",
        rates[0], rates[1]
    );
    assert!(
        rates.iter().all(|&r| r <= 0.05),
        "false alarm rates {rates:?}"
    );
}

#[test]
fn little_bootstrap_intervals_cover_95_percent() {
    let (auc, ap, ratio) = bootstrap_study(50_000, 400, 384, 77, true);
    eprintln!(
        "bag of little bootstraps (400 samples of 50,000 rows, B=384): AUC {auc:.3}, AP {ap:.3}, SE/DeLong {ratio:.3}"
    );
    assert!((0.925..=0.975).contains(&auc), "AUC coverage {auc}");
    assert!((0.925..=0.975).contains(&ap), "AP coverage {ap}");
    assert!(
        (0.93..=1.07).contains(&ratio),
        "little bootstrap SE / DeLong SE = {ratio}"
    );
}

#[test]
fn little_bootstrap_significant_gate_rarely_fires_on_equal_models() {
    let rate = ap_false_alarms(8765, 50_000, 0.3, 300, 384, true);
    eprintln!("little bootstrap significant gate (AP) on equal models: fired {rate:.3}");
    assert!(rate <= 0.05, "false alarm rate {rate}");
}
