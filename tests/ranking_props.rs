//! Property tests of the ranking kernels: every metric against the average over every order
//! of tied items (brute force on small groups), and group resampling against repeated groups.

// Naive definitions index parallel arrays by position, on purpose.
#![allow(clippy::needless_range_loop)]

use modelgate::metrics::ranking::{Metric, Prepared, Queries};
use proptest::prelude::*;

type Group = Vec<(f64, f64)>; // (relevance, score)

fn groups() -> impl Strategy<Value = Vec<Group>> {
    let item = (prop::sample::select(vec![0.0, 0.0, 0.5, 1.0, 2.0]), 0u32..4)
        .prop_map(|(r, s)| (r, f64::from(s)));
    prop::collection::vec(prop::collection::vec(item, 1..7), 1..6)
}

fn metrics() -> Vec<Metric> {
    let mut ms = vec![
        Metric::Ndcg { k: None },
        Metric::Map { k: None },
        Metric::Mrr,
    ];
    for k in [1, 2, 3, 7] {
        ms.push(Metric::Ndcg { k: Some(k) });
        ms.push(Metric::Map { k: Some(k) });
        ms.push(Metric::RecallAtK { k });
        ms.push(Metric::PrecisionAtK { k });
    }
    ms
}

/// Every permutation of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for i in 0..=p.len() {
            let mut q = p.clone();
            q.insert(i, n - 1);
            out.push(q);
        }
    }
    out
}

/// The metric on one fixed order (no ties), by its textbook definition.
fn on_order(m: Metric, g: &Group, order: &[usize]) -> Option<f64> {
    let rel: Vec<f64> = order.iter().map(|&i| g[i].0).collect();
    let hit: Vec<bool> = rel.iter().map(|&r| r > 0.0).collect();
    let total = hit.iter().filter(|&&h| h).count();
    let n = rel.len();
    let cut = |k: Option<u32>| k.map_or(n, |k| k as usize).min(n);
    match m {
        Metric::Ndcg { k } => {
            let kk = cut(k);
            let dcg: f64 = (0..kk).map(|p| rel[p] / ((p + 2) as f64).log2()).sum();
            let mut ideal = rel.clone();
            ideal.sort_by(|a, b| b.total_cmp(a));
            let idcg: f64 = (0..kk).map(|p| ideal[p] / ((p + 2) as f64).log2()).sum();
            Some(if idcg == 0.0 { 0.0 } else { dcg / idcg })
        }
        Metric::Map { k } => {
            if total == 0 {
                return None;
            }
            let kk = k.map_or(n, |k| k as usize);
            let (mut s, mut seen) = (0.0, 0);
            for p in 0..cut(k) {
                if hit[p] {
                    seen += 1;
                    s += seen as f64 / (p + 1) as f64;
                }
            }
            Some(s / kk.min(total) as f64)
        }
        Metric::Mrr => hit.iter().position(|&h| h).map(|p| 1.0 / (p + 1) as f64),
        Metric::RecallAtK { k } => (total > 0)
            .then(|| hit[..cut(Some(k))].iter().filter(|&&h| h).count() as f64 / total as f64),
        Metric::PrecisionAtK { k } => {
            Some(hit[..cut(Some(k))].iter().filter(|&&h| h).count() as f64 / f64::from(k))
        }
    }
}

/// The average over the orders consistent with descending scores.
fn brute(m: Metric, g: &Group) -> Option<f64> {
    let mut vals = Vec::new();
    for order in permutations(g.len()) {
        if order.windows(2).all(|w| g[w[0]].1 >= g[w[1]].1) {
            vals.push(on_order(m, g, &order)?);
        }
    }
    Some(vals.iter().sum::<f64>() / vals.len() as f64)
}

fn prepare(gs: &[Group], weight: Option<&[f64]>) -> Prepared {
    let mut code = Vec::new();
    let (mut rel, mut score) = (Vec::new(), Vec::new());
    for (g, items) in gs.iter().enumerate() {
        for &(r, s) in items {
            code.push(g as u32);
            rel.push(r);
            score.push(s);
        }
    }
    let q = Queries::new(&code).unwrap();
    Prepared::new(&q, &rel, &score, weight, &metrics()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn per_group_values_equal_the_tie_average(gs in groups()) {
        let p = prepare(&gs, None);
        for (j, &m) in metrics().iter().enumerate() {
            for (g, items) in gs.iter().enumerate() {
                let got = p.group_values(j)[g];
                let want = brute(m, items);
                match (got, want) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12, "{:?} group {}: {} vs {}", m, g, a, b),
                    (a, b) => prop_assert_eq!(a, b, "{:?} group {}", m, g),
                }
            }
        }
    }

    /// Resampling whole groups with counts equals evaluating the groups repeated.
    #[test]
    fn group_replicates_equal_repeated_groups(gs in groups(), counts in prop::collection::vec(0u8..3, 6)) {
        let w: Vec<f64> = (0..gs.len()).map(|g| 0.5 + g as f64).collect();
        let p = prepare(&gs, Some(&w));
        let mut rep = Vec::new();
        let mut rw = Vec::new();
        for (g, items) in gs.iter().enumerate() {
            for _ in 0..counts[g] {
                rep.push(items.clone());
                rw.push(w[g]);
            }
        }
        let lanes = p.evaluate_lanes(|g| [counts[g]; 8]);
        if rep.is_empty() {
            for l in &lanes {
                prop_assert!(l[0].is_err());
            }
            return Ok(());
        }
        let q = prepare(&rep, Some(&rw));
        for j in 0..metrics().len() {
            let (a, b) = (lanes[j][3], q.evaluate(j, |_| 1.0));
            match (a, b) {
                (Ok(x), Ok(y)) => prop_assert!((x - y).abs() < 1e-12),
                // Undefined names a group index, which differs between the two layouts.
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
            }
        }
    }
}
