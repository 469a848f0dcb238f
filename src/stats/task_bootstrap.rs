//! Paired bootstrap of the multiclass and ranking metrics (issue 13): resampling rows
//! (multiclass) or whole groups (ranking), with the same counter-based Poisson draws as the
//! binary bootstrap ([`resample::counts`]), so the candidate and the baseline see the same
//! replicate whatever their row orders.
//!
//! A replicate gives each row (multiclass) or group (ranking) a Poisson(1) count; its value
//! is the metric on the rows weighted by sample weight × count, which equals the metric on
//! the resampled data (the tests in `tests/multiclass_props.rs` and
//! `tests/ranking_props.rs` prove it against expanded rows). The draw is **not**
//! stratified by class: a replicate's class mix varies as in a plain bootstrap of rows
//! (the ranking bootstrap resamples groups, the unit of independence there). Weights are
//! sample weights (a frequency weight `w` is not turned into a Poisson(`w`) draw here).
//!
//! Cost per replicate: O(n) for the confusion-matrix metrics, log loss and top-k (one pass
//! builds one confusion matrix per lane of [`LANES`] replicates), O(K·n) for
//! `roc_auc_ovr` (one streaming pass per class over its one sort), O(groups) for ranking
//! (per-group values are computed once). Batches of eight replicates run in parallel and are
//! collected in order: identical results whatever the thread count.
//!
//! Intervals are percentile intervals and the p-value the two-sided bootstrap p-value of
//! Δ = 0, exactly as [`bootstrap`](super::bootstrap) (Efron & Tibshirani 1993, ch. 13;
//! Chamandy et al. 2012 for the Poisson bootstrap).

use rayon::prelude::*;

use super::bootstrap::{BootstrapSpec, Cell};
use super::resample::{self, LANES, counts};
use crate::metrics::{multiclass, ranking};

/// Paired bootstrap of multiclass `metrics` for a candidate (and optionally a baseline)
/// prepared on the same rows in the same order (same labels and weights). One [`Cell`] per
/// metric, in order.
///
/// # Panics
/// If the two models hold different numbers of rows, or a metric was not prepared (caller
/// bugs, not user input).
pub fn multiclass(
    candidate: &multiclass::Prepared,
    baseline: Option<&multiclass::Prepared>,
    metrics: &[multiclass::Metric],
    spec: &BootstrapSpec,
) -> Vec<Cell> {
    if let Some(b) = baseline {
        assert_eq!(
            candidate.len(),
            b.len(),
            "paired models hold different rows"
        );
    }
    let models: Vec<&multiclass::Prepared> = std::iter::once(candidate).chain(baseline).collect();
    run(models.len(), metrics.len(), spec, |m, key| {
        models[m].evaluate_lanes(metrics, |row| counts(key, row))
    })
}

/// Paired bootstrap of ranking metrics (those `candidate` was prepared with), resampling
/// whole groups. Candidate and baseline must be prepared on the same groups in the same
/// order with the same metrics.
///
/// # Panics
/// If the models differ in groups or metrics (caller bugs).
pub fn ranking(
    candidate: &ranking::Prepared,
    baseline: Option<&ranking::Prepared>,
    spec: &BootstrapSpec,
) -> Vec<Cell> {
    if let Some(b) = baseline {
        assert_eq!(
            candidate.metrics(),
            b.metrics(),
            "paired models, different metrics"
        );
        assert_eq!(
            candidate.group_values(0).len(),
            b.group_values(0).len(),
            "paired models hold different groups"
        );
    }
    let models: Vec<&ranking::Prepared> = std::iter::once(candidate).chain(baseline).collect();
    run(models.len(), candidate.metrics().len(), spec, |m, key| {
        models[m].evaluate_lanes(|g| counts(key, g as u32))
    })
}

/// The shared driver: `eval(model, batch key)` gives `[metric][lane]` values of one batch.
fn run<V, F>(models: usize, width: usize, spec: &BootstrapSpec, eval: F) -> Vec<Cell>
where
    V: Copy,
    F: Fn(usize, u64) -> Vec<[Result<f64, V>; LANES]> + Sync,
{
    let batches = spec.replicates.div_ceil(LANES as u32);
    // per_batch[q][model][metric][lane], NaN = undefined.
    let per_batch: Vec<Vec<Vec<[f64; LANES]>>> = (0..batches)
        .into_par_iter()
        .map(|q| {
            let key = resample::batch_key(spec.seed, q);
            (0..models)
                .map(|m| {
                    eval(m, key)
                        .into_iter()
                        .map(|lanes| lanes.map(|v| v.unwrap_or(f64::NAN)))
                        .collect()
                })
                .collect()
        })
        .collect();
    let replicates = spec.replicates as usize;
    let column = |model: usize, metric: usize| -> Vec<f64> {
        (0..replicates)
            .map(|b| per_batch[b / LANES][model][metric][b % LANES])
            .collect()
    };
    (0..width)
        .map(|j| {
            let b = (models > 1).then(|| column(1, j));
            Cell::of_replicates(column(0, j), b, spec.confidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::multiclass::{Metric, Outputs, Prepared, Scores};

    fn spec(replicates: u32, seed: u64) -> BootstrapSpec {
        BootstrapSpec {
            replicates,
            seed,
            ..BootstrapSpec::default()
        }
    }

    /// A deterministic 3-class data set: truth, and a model right with probability `p`.
    fn data(n: usize, p: f64, salt: u64) -> (Vec<u32>, Vec<f64>) {
        let mut truth = Vec::with_capacity(n);
        let mut scores = Vec::with_capacity(3 * n);
        for i in 0..n {
            let u = |j: u64| resample::uniform_at(salt.wrapping_mul(31).wrapping_add(j), i as u64);
            let t = (u(1) * 3.0) as u32 % 3;
            let right = u(2) < p;
            let pred = if right {
                t
            } else {
                (t + 1 + (u(3) < 0.5) as u32) % 3
            };
            truth.push(t);
            for c in 0..3 {
                scores.push(if c == pred { 0.6 } else { 0.2 });
            }
        }
        (truth, scores)
    }

    #[test]
    fn same_model_twice_gives_zero_deltas_and_is_deterministic() {
        let (truth, s) = data(300, 0.7, 1);
        let ms = [
            Metric::Accuracy,
            Metric::MacroF1,
            Metric::LogLoss,
            Metric::RocAucOvr,
        ];
        let sc = Scores::RowMajor {
            values: &s,
            classes: 3,
        };
        let p = Prepared::new(3, &truth, Outputs::Scores(sc), None, &ms).unwrap();
        let a = multiclass(&p, Some(&p), &ms, &spec(100, 7));
        let b = multiclass(&p, Some(&p), &ms, &spec(100, 7));
        assert_eq!(a, b);
        for cell in &a {
            let d = cell.delta.as_ref().unwrap();
            assert_eq!(d.replicates.len(), 100);
            assert!(d.defined_values().all(|v| v == 0.0));
            assert_eq!(cell.p_value, Some(1.0));
            let iv = cell.candidate.interval.unwrap();
            assert!(iv.lo < iv.hi);
        }
        let other = multiclass(&p, None, &ms, &spec(100, 8));
        assert_ne!(other[0].candidate.replicates, a[0].candidate.replicates);
    }

    /// Coverage: the 95 % percentile interval of accuracy covers the true accuracy (0.7) in
    /// about 95 % of independent data sets.
    #[test]
    fn accuracy_interval_covers() {
        let sims = 200;
        let mut covered = 0;
        for s in 0..sims {
            let (truth, sc) = data(300, 0.7, 1000 + s);
            let p = Prepared::new(
                3,
                &truth,
                Outputs::Scores(Scores::RowMajor {
                    values: &sc,
                    classes: 3,
                }),
                None,
                &[Metric::Accuracy],
            )
            .unwrap();
            let iv = multiclass(&p, None, &[Metric::Accuracy], &spec(400, s))[0]
                .candidate
                .interval
                .unwrap();
            covered += usize::from(iv.lo <= 0.7 && 0.7 <= iv.hi);
        }
        let rate = covered as f64 / sims as f64;
        assert!((0.89..=0.99).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn ranking_resamples_groups() {
        use crate::metrics::ranking::{Metric as R, Prepared as RP, Queries};
        let group: Vec<u32> = (0..200).map(|i| i / 5).collect();
        let rel: Vec<f64> = (0..200)
            .map(|i| f64::from(u8::from(i % 5 == 0 || i % 7 == 0)))
            .collect();
        let cand: Vec<f64> = (0..200).map(|i| f64::from((i * 37) % 11)).collect();
        let base: Vec<f64> = (0..200).map(|i| f64::from((i * 13) % 5)).collect();
        let q = Queries::new(&group).unwrap();
        let ms = [R::Ndcg { k: Some(3) }, R::Mrr];
        let c = RP::new(&q, &rel, &cand, None, &ms).unwrap();
        let b = RP::new(&q, &rel, &base, None, &ms).unwrap();
        let cells = ranking(&c, Some(&b), &spec(200, 3));
        assert_eq!(cells.len(), 2);
        for cell in &cells {
            assert_eq!(cell.candidate.defined, 200);
            let p = cell.p_value.unwrap();
            assert!((0.0..=1.0).contains(&p));
        }
    }
}
