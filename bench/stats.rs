//! Benchmarks of the statistics stage: DeLong's paired test and the paired bootstrap on
//! large synthetic data (binormal scores, 10% positives).
//!
//! `cargo bench --bench stats` (release build). The 10M-row bootstrap runs one sample of
//! 1000 replicates; it takes about a minute on two cores.

use std::hint::black_box;

use divan::Bencher;
use modelgate::metrics::{MetricId, Plan, Ranked};
use modelgate::stats::RowGroups;
use modelgate::stats::WeightKind;
use modelgate::stats::bootstrap::{self, BootstrapSpec};
use modelgate::stats::delong;

fn main() {
    divan::main();
}

/// Candidate and baseline scored on the same `n` rows.
struct Pair {
    candidate: Ranked,
    baseline: Ranked,
}

/// SplitMix64-driven binormal data, 10% positives, correlated model noise.
fn pair(n: usize) -> Pair {
    let mut state = 42u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = move || {
        let (u, v) = (uniform(), uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let y: Vec<bool> = (0..n).map(|i| i % 10 == 0).collect();
    let mut sc = Vec::with_capacity(n);
    let mut sb = Vec::with_capacity(n);
    for &pos in &y {
        let (z1, z2) = (normal(), normal());
        let shift = if pos { 1.0 } else { 0.0 };
        sc.push(1.3 * shift + z1);
        sb.push(1.2 * shift + 0.6 * z1 + 0.8 * z2);
    }
    Pair {
        candidate: Ranked::new(&sc, &y, None),
        baseline: Ranked::new(&sb, &y, None),
    }
}

#[divan::bench(args = [1_000_000, 10_000_000], sample_count = 5, sample_size = 1)]
fn delong_paired(bencher: Bencher, n: usize) {
    let p = pair(n);
    bencher.bench_local(|| {
        delong::paired(
            black_box(&p.candidate),
            black_box(&p.baseline),
            RowGroups::ALL,
            WeightKind::Sampling,
            0.95,
        )
    });
}

#[divan::bench(args = [1_000_000, 10_000_000], sample_count = 1, sample_size = 1)]
fn bootstrap_pr_auc_1000(bencher: Bencher, n: usize) {
    let p = pair(n);
    let plan = Plan {
        metrics: vec![MetricId::PrAuc],
        threshold: 0.5,
    };
    let spec = BootstrapSpec {
        replicates: 1000,
        seed: 7,
        confidence: 0.95,
        frequency: false,
        little_above: bootstrap::LITTLE_ABOVE,
    };
    bencher.bench_local(|| {
        bootstrap::paired(
            black_box(&p.candidate),
            black_box(&p.baseline),
            RowGroups::ALL,
            &plan,
            &spec,
        )
    });
}
