//! Benchmarks of the metrics stage on 1M rows: the sort, and the streaming pass that the
//! bootstrap runs once per replicate. Run with `cargo bench --bench metrics`.

use divan::{Bencher, black_box};
use modelgate::metrics::{MetricId, Plan, Ranked, SortedGroups, evaluate};

const ROWS: usize = 1_000_000;
const GROUPS: u32 = 8;

/// SplitMix64: a deterministic stream of `u64`s, good enough for benchmark data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Scores with a signal, rounded to 1e-5 so that ties occur (as with real model outputs),
/// 5% positives, 8 slices.
struct Data {
    scores: Vec<f64>,
    positive: Vec<bool>,
    group: Vec<u32>,
    /// Bootstrap-style replicate counts (Poisson(1)-like: 0, 1, 2 or 3).
    counts: Vec<u8>,
}

fn data() -> Data {
    let mut mix = Mix(7);
    let mut d = Data {
        scores: Vec::with_capacity(ROWS),
        positive: Vec::with_capacity(ROWS),
        group: Vec::with_capacity(ROWS),
        counts: Vec::with_capacity(ROWS),
    };
    for _ in 0..ROWS {
        let positive = mix.unit() < 0.05;
        let s = (0.6 * mix.unit() + if positive { 0.4 * mix.unit() } else { 0.0 }).min(1.0);
        d.scores.push((s * 1e5).round() / 1e5);
        d.positive.push(positive);
        d.group.push((mix.next() % u64::from(GROUPS)) as u32);
        let u = mix.unit();
        d.counts.push(if u < 0.368 {
            0
        } else if u < 0.736 {
            1
        } else if u < 0.92 {
            2
        } else {
            3
        });
    }
    d
}

fn plan(ids: &[&str]) -> Plan {
    Plan {
        metrics: ids
            .iter()
            .map(|s| s.parse::<MetricId>().expect("valid id"))
            .collect(),
        threshold: 0.5,
    }
}

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn ranked_new(bencher: Bencher) {
    let d = data();
    bencher.bench(|| Ranked::new(black_box(&d.scores), black_box(&d.positive), None));
}

#[divan::bench(sample_count = 20)]
fn evaluate_auc_ap_8_groups(bencher: Bencher) {
    let d = data();
    let ranked = Ranked::new(&d.scores, &d.positive, None);
    let codes = ranked.gather(&d.group);
    let groups = SortedGroups {
        codes: Some(&codes),
        count: GROUPS as usize,
    };
    let plan = plan(&["roc_auc", "pr_auc"]);
    bencher.bench(|| evaluate(black_box(&ranked), groups, &plan, |_, _, _| 1.0));
}

/// The bootstrap's hot loop: one replicate, reweighted by per-row counts.
#[divan::bench(sample_count = 20)]
fn evaluate_auc_ap_8_groups_replicate(bencher: Bencher) {
    let d = data();
    let ranked = Ranked::new(&d.scores, &d.positive, None);
    let codes = ranked.gather(&d.group);
    let groups = SortedGroups {
        codes: Some(&codes),
        count: GROUPS as usize,
    };
    let plan = plan(&["roc_auc", "pr_auc"]);
    let counts = &d.counts;
    bencher.bench(|| {
        evaluate(black_box(&ranked), groups, &plan, |row, _, _| {
            f64::from(counts[row as usize])
        })
    });
}

/// The default set plus the constraint and top-k metrics (which need the totals pass).
#[divan::bench(sample_count = 10)]
fn evaluate_everything_8_groups(bencher: Bencher) {
    let d = data();
    let ranked = Ranked::new(&d.scores, &d.positive, None);
    let codes = ranked.gather(&d.group);
    let groups = SortedGroups {
        codes: Some(&codes),
        count: GROUPS as usize,
    };
    let mut ids: Vec<String> = MetricId::default_set()
        .iter()
        .map(ToString::to_string)
        .collect();
    ids.extend(
        [
            "recall_at_precision(0.9)",
            "precision_at_recall(0.5)",
            "recall_at_fpr(0.01)",
            "precision_at_k(0.01)",
        ]
        .map(String::from),
    );
    let plan = plan(&ids.iter().map(String::as_str).collect::<Vec<_>>());
    bencher.bench(|| evaluate(black_box(&ranked), groups, &plan, |_, _, _| 1.0));
}
