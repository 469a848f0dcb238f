//! Benchmarks of the multiclass and ranking kernels on 1M rows: preparing (argmax, per-row
//! pieces, one sort per class / per group) and one batch of eight bootstrap replicates.
//! Run with `cargo bench --bench tasks`; `tests/task_timing.rs` times the same work in the
//! test profile.

use divan::{Bencher, black_box};
use modelgate::metrics::multiclass::{self, Metric, Outputs, Scores};
use modelgate::metrics::ranking::{self, Queries};

const ROWS: usize = 1_000_000;
const CLASSES: usize = 5;
const GROUP: usize = 10;

/// SplitMix64: deterministic benchmark data.
struct Mix(u64);

impl Mix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Multiclass rows: truth, probabilities (rounded to 1e-4, so ties occur), row-major.
fn multiclass_data() -> (Vec<u32>, Vec<f64>) {
    let mut mix = Mix(11);
    let mut truth = Vec::with_capacity(ROWS);
    let mut scores = Vec::with_capacity(ROWS * CLASSES);
    for _ in 0..ROWS {
        let t = (mix.unit() * CLASSES as f64) as u32;
        let raw: Vec<f64> = (0..CLASSES)
            .map(|c| mix.unit() + if c as u32 == t { 0.8 } else { 0.0 })
            .collect();
        let sum: f64 = raw.iter().sum();
        truth.push(t);
        scores.extend(raw.iter().map(|v| (v / sum * 1e4).round() / 1e4));
    }
    (truth, scores)
}

fn metrics() -> Vec<Metric> {
    let mut ms = Metric::PLAIN.to_vec();
    ms.push(Metric::TopKAccuracy { k: 2 });
    ms
}

#[divan::bench(sample_count = 5)]
fn multiclass_prepare(bencher: Bencher) {
    let (truth, scores) = multiclass_data();
    let ms = metrics();
    bencher.bench(|| {
        let s = Scores::RowMajor {
            values: &scores,
            classes: CLASSES,
        };
        black_box(multiclass::Prepared::new(
            CLASSES,
            &truth,
            Outputs::Scores(s),
            None,
            &ms,
        ))
    });
}

#[divan::bench(sample_count = 5)]
fn multiclass_eight_replicates(bencher: Bencher) {
    let (truth, scores) = multiclass_data();
    let ms = metrics();
    let s = Scores::RowMajor {
        values: &scores,
        classes: CLASSES,
    };
    let p = multiclass::Prepared::new(CLASSES, &truth, Outputs::Scores(s), None, &ms)
        .expect("valid data");
    let key = modelgate::stats::resample::batch_key(1, 0);
    bencher.bench(|| {
        black_box(p.evaluate_lanes(&ms, |row| modelgate::stats::resample::counts(key, row)))
    });
}

fn ranking_data() -> (Vec<u32>, Vec<f64>, Vec<f64>) {
    let mut mix = Mix(12);
    let group = (0..ROWS).map(|i| (i / GROUP) as u32).collect();
    let rel: Vec<f64> = (0..ROWS).map(|_| (mix.unit() * 4.0).floor()).collect();
    let score = rel
        .iter()
        .map(|r| ((r * 0.3 + mix.unit()) * 100.0).round())
        .collect();
    (group, rel, score)
}

fn ranking_metrics() -> Vec<ranking::Metric> {
    use ranking::Metric::*;
    vec![
        Ndcg { k: Some(10) },
        Map { k: Some(10) },
        Mrr,
        RecallAtK { k: 5 },
        PrecisionAtK { k: 5 },
    ]
}

#[divan::bench(sample_count = 5)]
fn ranking_prepare(bencher: Bencher) {
    let (group, rel, score) = ranking_data();
    let ms = ranking_metrics();
    bencher.bench(|| {
        let q = Queries::new(&group).expect("grouped");
        black_box(ranking::Prepared::new(&q, &rel, &score, None, &ms))
    });
}

fn main() {
    divan::main();
}
