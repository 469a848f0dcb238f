//! Wall-clock timings of the multiclass and ranking kernels on 1M rows in the test profile
//! (opt-level 1), for bench/RESULTS.md where a release build is not available. Ignored by
//! default: `cargo test --test suite task_timing -- --ignored --nocapture`.

use std::time::Instant;

use modelgate::metrics::multiclass::{self, Metric, Outputs, Scores};
use modelgate::metrics::ranking::{self, Queries};
use modelgate::stats::bootstrap::BootstrapSpec;
use modelgate::stats::{resample, task_bootstrap};

const ROWS: usize = 1_000_000;
const CLASSES: usize = 5;

fn unit(i: u64, j: u64) -> f64 {
    resample::uniform_at(j.wrapping_mul(0x9E37_79B9_7F4A_7C15), i)
}

#[test]
#[ignore]
fn one_million_rows() {
    let mut truth = Vec::with_capacity(ROWS);
    let mut scores = Vec::with_capacity(ROWS * CLASSES);
    for i in 0..ROWS as u64 {
        let t = (unit(i, 1) * CLASSES as f64) as u32;
        let raw: Vec<f64> = (0..CLASSES as u64)
            .map(|c| unit(i, 2 + c) + if c as u32 == t { 0.8 } else { 0.0 })
            .collect();
        let sum: f64 = raw.iter().sum();
        truth.push(t);
        scores.extend(raw.iter().map(|v| (v / sum * 1e4).round() / 1e4));
    }
    let s = Scores::RowMajor {
        values: &scores,
        classes: CLASSES,
    };
    let labels: Vec<Metric> = Metric::PLAIN
        .into_iter()
        .filter(Metric::uses_confusion)
        .collect();
    let all: Vec<Metric> = Metric::PLAIN.to_vec();

    let t = Instant::now();
    let p = multiclass::Prepared::new(CLASSES, &truth, Outputs::Scores(s), None, &labels).unwrap();
    let m = p.confusion(|_| 1.0);
    let v: Vec<_> = labels.iter().map(|&x| m.metric(x)).collect();
    println!(
        "multiclass 9 label metrics (argmax + confusion + values): {:?}",
        t.elapsed()
    );
    assert!(v.iter().all(|x| x.is_some()));

    let t = Instant::now();
    let pa = multiclass::Prepared::new(CLASSES, &truth, Outputs::Scores(s), None, &all).unwrap();
    println!(
        "multiclass prepare all 11 (incl. {CLASSES} sorts for roc_auc_ovr): {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let _ = pa.evaluate(Metric::RocAucOvr, |_| 1.0);
    println!(
        "multiclass roc_auc_ovr evaluate (after the sorts): {:?}",
        t.elapsed()
    );

    let key = resample::batch_key(1, 0);
    let t = Instant::now();
    let _ = p.evaluate_lanes(&labels, |row| resample::counts(key, row));
    println!(
        "multiclass 8 replicates, 9 label metrics: {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let _ = pa.evaluate_lanes(&all, |row| resample::counts(key, row));
    println!("multiclass 8 replicates, all 11 metrics: {:?}", t.elapsed());
    let t = Instant::now();
    let spec = BootstrapSpec {
        replicates: 200,
        ..BootstrapSpec::default()
    };
    let _ = task_bootstrap::multiclass(&p, Some(&p), &labels, &spec);
    println!(
        "multiclass paired bootstrap, 200 replicates, 9 label metrics: {:?}",
        t.elapsed()
    );

    let group: Vec<u32> = (0..ROWS as u32).map(|i| i / 10).collect();
    let rel: Vec<f64> = (0..ROWS as u64)
        .map(|i| (unit(i, 20) * 4.0).floor())
        .collect();
    let score: Vec<f64> = rel
        .iter()
        .enumerate()
        .map(|(i, r)| ((r * 0.3 + unit(i as u64, 21)) * 100.0).round())
        .collect();
    use ranking::Metric::*;
    let rms = [
        Ndcg { k: Some(10) },
        Map { k: Some(10) },
        Mrr,
        RecallAtK { k: 5 },
        PrecisionAtK { k: 5 },
    ];
    let t = Instant::now();
    let q = Queries::new(&group).unwrap();
    let rp = ranking::Prepared::new(&q, &rel, &score, None, &rms).unwrap();
    println!(
        "ranking prepare 5 metrics, 100k groups of 10: {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let _ = task_bootstrap::ranking(
        &rp,
        Some(&rp),
        &BootstrapSpec {
            replicates: 1000,
            ..spec
        },
    );
    println!(
        "ranking paired bootstrap, 1000 replicates, 5 metrics: {:?}",
        t.elapsed()
    );
}
