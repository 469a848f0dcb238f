//! Seeded simulations of the regression intervals: do they cover the true difference of two
//! models' losses as often as they claim (93–97 % at 95 %), does a `significant` gate stay
//! quiet on two equally good models (≤ 5 % false blocks), and — with strongly correlated
//! rows inside clusters — do row-level intervals under-cover while clustered ones
//! (whole clusters as the units) reach 93–97 %?
//!
//! Data: a target `y ~ N(20, 5²)`; each model predicts `y + ε` with normal errors, the
//! candidate's and the baseline's errors correlated (`ρ`) as two models of the same rows
//! are. With clusters, a model's error is `a_k + e_i`: a shared error `a_k ~ N(0, τ²)` per
//! cluster `k` (a user the model misjudges) plus row noise `e_i ~ N(0, s²)`. For a normal
//! error of standard deviation `σ` the true MAE is `σ·√(2/π)` and the true RMSE `σ`.

use modelgate::metrics::MetricId;
use modelgate::metrics::regression::{RegressionRows, evaluate_lanes};
use modelgate::stats::WeightKind;
use modelgate::stats::bootstrap::BootstrapSpec;
use modelgate::stats::decision::{Bound, Evidence, decide};
use modelgate::stats::units::{self, Units};
use modelgate::stats::{Interval, z_critical};

/// SplitMix64 with Box–Muller normals, as tests/stats_simulation.rs.
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

/// One paired sample: target, both predictions, cluster per row.
struct Sample {
    y: Vec<f64>,
    cand: Vec<f64>,
    base: Vec<f64>,
    cluster: Vec<u32>,
    clusters: usize,
}

/// Errors of standard deviation `sd_c` / `sd_b`: of which `tau_share` of the variance is the
/// cluster's shared error (0: independent rows); the two models' errors correlate `rho`
/// (both parts).
fn sample(
    rng: &mut Rng,
    clusters: usize,
    size: usize,
    (sd_c, sd_b): (f64, f64),
    tau_share: f64,
    rho: f64,
) -> Sample {
    let n = clusters * size;
    let mut s = Sample {
        y: Vec::with_capacity(n),
        cand: Vec::with_capacity(n),
        base: Vec::with_capacity(n),
        cluster: Vec::with_capacity(n),
        clusters,
    };
    let pair = |rng: &mut Rng| {
        let (z1, z2) = (rng.normal(), rng.normal());
        (z1, rho * z1 + (1.0 - rho * rho).sqrt() * z2)
    };
    for k in 0..clusters {
        let (ac, ab) = pair(rng);
        for _ in 0..size {
            let (ec, eb) = pair(rng);
            let y = 20.0 + 5.0 * rng.normal();
            let err = |sd: f64, a: f64, e: f64| {
                sd * (tau_share.sqrt() * a + (1.0 - tau_share).sqrt() * e)
            };
            s.y.push(y);
            s.cand.push(y + err(sd_c, ac, ec));
            s.base.push(y + err(sd_b, ab, eb));
            s.cluster.push(k as u32);
        }
    }
    s
}

fn covers(iv: Interval, truth: f64) -> bool {
    iv.lo <= truth && truth <= iv.hi
}

const MAE_PER_SD: f64 = 0.797_884_560_802_865_4; // √(2/π)

/// The paired MAE difference's interval, rows or clusters as units.
fn mae_delta(s: &Sample, clustered: bool) -> Interval {
    let d: Vec<f64> = (0..s.y.len())
        .map(|i| (s.cand[i] - s.y[i]).abs() - (s.base[i] - s.y[i]).abs())
        .collect();
    let clusters = clustered.then_some((s.cluster.as_slice(), s.clusters));
    units::paired_mean(&d, None, WeightKind::Sampling, None, 1, clusters, 0.95)[0]
        .expect("defined")
        .interval
}

/// The paired bootstrap interval of the RMSE difference.
fn rmse_delta(s: &Sample, clustered: bool, replicates: u32, seed: u64) -> Interval {
    let models = [&s.cand, &s.base];
    let unit = if clustered {
        Units::Clusters {
            codes: &s.cluster,
            count: s.clusters,
        }
    } else {
        Units::Rows
    };
    let spec = BootstrapSpec {
        replicates,
        seed,
        ..BootstrapSpec::default()
    };
    let b = units::bootstrap(unit, s.y.len(), 2, 1, 1, &spec, |m, counts| {
        let rows = RegressionRows {
            target: &s.y,
            prediction: models[m],
            weight: None,
        };
        evaluate_lanes(&rows, None, None, 1, &[MetricId::Rmse], counts)
    });
    b.cell(0, 0)
        .delta
        .as_ref()
        .expect("paired")
        .interval
        .expect("interval")
}

#[test]
fn mean_loss_interval_of_the_paired_difference_covers_95_percent() {
    let truth = (1.2 - 1.0) * MAE_PER_SD;
    let mut rng = Rng(20_261_201);
    let reps = 2000;
    let hit = (0..reps)
        .filter(|_| {
            covers(
                mae_delta(&sample(&mut rng, 400, 1, (1.2, 1.0), 0.0, 0.6), false),
                truth,
            )
        })
        .count();
    let rate = hit as f64 / f64::from(reps);
    eprintln!("paired-mean 95% interval of the MAE delta (400 rows): coverage {rate:.3}");
    assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
}

#[test]
fn significant_mae_gate_rarely_blocks_equal_models() {
    let mut rng = Rng(77);
    let reps = 2000;
    let z = z_critical(0.95);
    let mut fired = 0;
    for _ in 0..reps {
        let s = sample(&mut rng, 400, 1, (1.0, 1.0), 0.0, 0.5);
        let iv = mae_delta(&s, false);
        let delta = (iv.lo + iv.hi) / 2.0;
        assert!(iv.hi - iv.lo > 0.0 && z > 0.0);
        // `max_regression: 0` on a loss: the delta must be at most 0; blocked when the
        // interval shows it is above.
        let d =
            decide(delta, Some(iv), Bound::AtMost(0.0), Evidence::Significant).expect("interval");
        fired += usize::from(!d.pass);
    }
    let rate = fired as f64 / f64::from(reps);
    eprintln!("significant mae gate on equal models: blocked {fired}/{reps} = {rate:.3}");
    assert!(rate <= 0.05, "false block rate {rate}");
}

#[test]
fn row_bootstrap_of_the_rmse_difference_covers_95_percent_and_aa_is_quiet() {
    let truth = 1.2 - 1.0;
    let mut rng = Rng(4242);
    let reps: u32 = 600;
    let mut hit = 0;
    for r in 0..reps {
        let s = sample(&mut rng, 300, 1, (1.2, 1.0), 0.0, 0.6);
        hit += usize::from(covers(rmse_delta(&s, false, 400, u64::from(r)), truth));
    }
    let rate = hit as f64 / f64::from(reps);
    eprintln!("row bootstrap 95% interval of the RMSE delta (300 rows, B=400): coverage {rate:.3}");
    assert!((0.93..=0.97).contains(&rate), "coverage {rate}");

    let mut fired = 0;
    for r in 0..reps {
        let s = sample(&mut rng, 300, 1, (1.0, 1.0), 0.0, 0.5);
        let iv = rmse_delta(&s, false, 400, u64::from(r));
        let d = decide(
            (iv.lo + iv.hi) / 2.0,
            Some(iv),
            Bound::AtMost(0.0),
            Evidence::Significant,
        )
        .expect("interval");
        fired += usize::from(!d.pass);
    }
    let rate = fired as f64 / f64::from(reps);
    eprintln!("significant rmse gate on equal models: blocked {fired}/{reps} = {rate:.3}");
    assert!(rate <= 0.05, "false block rate {rate}");
}

#[test]
fn with_clustered_rows_row_intervals_under_cover_and_cluster_intervals_cover() {
    // 100 clusters of 10 rows; 80 % of each model's error variance is the cluster's.
    let truth_mae = (1.2 - 1.0) * MAE_PER_SD;
    let mut rng = Rng(31_337);
    let reps = 1000;
    let (mut rows_hit, mut cl_hit) = (0, 0);
    for _ in 0..reps {
        let s = sample(&mut rng, 100, 10, (1.2, 1.0), 0.8, 0.3);
        rows_hit += usize::from(covers(mae_delta(&s, false), truth_mae));
        cl_hit += usize::from(covers(mae_delta(&s, true), truth_mae));
    }
    let (rows_rate, cl_rate) = (
        rows_hit as f64 / f64::from(reps),
        cl_hit as f64 / f64::from(reps),
    );
    eprintln!(
        "clustered rows, MAE delta: row-level coverage {rows_rate:.3}, cluster-robust {cl_rate:.3}"
    );
    assert!(
        rows_rate < 0.85,
        "row-level coverage {rows_rate} should fall well short"
    );
    assert!(
        (0.93..=0.97).contains(&cl_rate),
        "cluster coverage {cl_rate}"
    );

    // The bootstrap: rows vs whole clusters, RMSE delta.
    let reps: u32 = 400;
    let (mut rows_hit, mut cl_hit) = (0, 0);
    for r in 0..reps {
        let s = sample(&mut rng, 100, 10, (1.2, 1.0), 0.8, 0.3);
        rows_hit += usize::from(covers(rmse_delta(&s, false, 300, u64::from(r)), 0.2));
        cl_hit += usize::from(covers(rmse_delta(&s, true, 300, u64::from(r)), 0.2));
    }
    let (rows_rate, cl_rate) = (
        rows_hit as f64 / f64::from(reps),
        cl_hit as f64 / f64::from(reps),
    );
    eprintln!(
        "clustered rows, RMSE delta (B=300): row bootstrap coverage {rows_rate:.3}, cluster bootstrap {cl_rate:.3}"
    );
    assert!(
        rows_rate < 0.85,
        "row bootstrap coverage {rows_rate} should fall well short"
    );
    assert!(
        (0.93..=0.97).contains(&cl_rate),
        "cluster bootstrap coverage {cl_rate}"
    );
}
