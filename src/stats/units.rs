//! Resampling units: rows, or whole clusters of rows that are not independent.
//!
//! Rows of one cluster (a user, a session; the config's `cluster` column) share what the
//! model gets right or wrong, so a row-level interval treats `n` correlated rows as `n`
//! independent ones and is too narrow. Every interval under `cluster` therefore takes the
//! cluster as the unit:
//! - [`bootstrap`]: the paired Poisson bootstrap of any metric, each *unit* (a row, or a
//!   cluster with all its rows) drawing one Poisson(1) count per replicate from the same
//!   counter-based generator as the row bootstrap ([`resample::counts`] keyed by the unit
//!   index), so candidate and baseline see the same resample (pairing) and results are
//!   identical whatever the thread count. Usable by any task: the caller's `eval` computes
//!   one model's metrics with every row's weight multiplied by its unit's count.
//! - [`paired_mean`]: the interval of a weighted mean (a mean loss, or the mean of per-row
//!   loss differences between two models) with the cluster-robust (CR1 sandwich) variance:
//!   clusters are the independent units (Liang & Zeger 1986; Cameron & Miller 2015, §2).
//!
//! The Poisson cluster bootstrap: Chamandy, Muralidharan, Najmi & Naidu (2012), "Estimating
//! uncertainty for massive data streams", §3 (resampling at the level of independent units).
// Lane loops index several arrays by the same lane.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use super::bootstrap::{BootstrapResult, BootstrapSpec, Cell, Estimate, p_value_zero};
use super::resample::{self, LANES};
use super::{Interval, WeightKind, z_critical};
use crate::metrics::Value;

/// What one bootstrap draw resamples.
#[derive(Debug, Clone, Copy)]
pub enum Units<'a> {
    /// Every row on its own.
    Rows,
    /// Whole clusters: `codes[row]` is the row's cluster, every code `< count`.
    Clusters {
        /// Cluster code per original row.
        codes: &'a [u32],
        /// Number of clusters.
        count: usize,
    },
}

impl Units<'_> {
    /// The Poisson(1) counts of every row in the [`LANES`] replicates of the batch keyed by
    /// `key`: a row's own count, or its cluster's.
    pub fn row_counts(&self, key: u64, rows: usize) -> Vec<[u8; LANES]> {
        match self {
            Units::Rows => (0..rows as u32).map(|r| resample::counts(key, r)).collect(),
            Units::Clusters { codes, count } => {
                let per: Vec<[u8; LANES]> = (0..*count as u32)
                    .map(|c| resample::counts(key, c))
                    .collect();
                codes.iter().map(|&c| per[c as usize]).collect()
            }
        }
    }
}

/// Paired bootstrap over `units` of `models` models (1: the candidate alone; 2: candidate
/// then baseline). For each batch of [`LANES`] replicates, `eval(model, counts)` returns one
/// vector per lane of `count · width` values (group-major, as a metric `Table`) computed
/// with row `r`'s weight multiplied by `counts[r][lane]` (a kernel may do all lanes in one
/// pass; [`per_lane`] adapts one that takes a single multiplier). The result has the shape of the row bootstrap's, so the gates read
/// both alike; `collapsed` is 0 (a replicate where a metric is undefined counts as
/// undefined in that cell).
///
/// Cost: `B · models` evaluations of `O(rows)` each, batches of [`LANES`] replicates in
/// parallel, collected in replicate order.
pub fn bootstrap<F>(
    units: Units<'_>,
    rows: usize,
    models: usize,
    groups: usize,
    width: usize,
    spec: &BootstrapSpec,
    eval: F,
) -> BootstrapResult
where
    F: Fn(usize, &[[u8; LANES]]) -> Vec<Vec<Value>> + Sync,
{
    let batches = spec.replicates.div_ceil(LANES as u32);
    let stride = models * groups * width;
    let per_batch: Vec<Vec<f64>> = (0..batches)
        .into_par_iter()
        .map(|q| {
            let key = resample::batch_key(spec.seed, q);
            let counts = units.row_counts(key, rows);
            let per_model: Vec<Vec<Vec<Value>>> = (0..models).map(|m| eval(m, &counts)).collect();
            let mut out = Vec::with_capacity(LANES * stride);
            for l in 0..LANES {
                for lanes in &per_model {
                    debug_assert_eq!(lanes[l].len(), groups * width);
                    out.extend(lanes[l].iter().map(|v| v.unwrap_or(f64::NAN)));
                }
            }
            out
        })
        .collect();
    let replicates = spec.replicates as usize;
    let column = |model: usize, cell: usize| -> Vec<f64> {
        (0..replicates)
            .map(|b| per_batch[b / LANES][(b % LANES) * stride + model * groups * width + cell])
            .collect()
    };
    let cells = (0..groups * width)
        .map(|cell| {
            let c = column(0, cell);
            let candidate = Estimate::new(c.clone(), spec.confidence);
            if models < 2 {
                return Cell {
                    candidate,
                    baseline: None,
                    delta: None,
                    p_value: None,
                };
            }
            let b = column(1, cell);
            let d: Vec<f64> = c.iter().zip(&b).map(|(x, y)| x - y).collect();
            let delta = Estimate::new(d, spec.confidence);
            let p_value = p_value_zero(delta.defined_values());
            Cell {
                candidate,
                baseline: Some(Estimate::new(b, spec.confidence)),
                delta: Some(delta),
                p_value: Some(p_value),
            }
        })
        .collect();
    BootstrapResult {
        width,
        cells,
        collapsed: vec![0; groups],
        spec: *spec,
        little: false,
    }
}

/// Adapts a kernel that takes one per-row multiplier to [`bootstrap`]'s batch interface:
/// one call per lane.
pub fn per_lane<K>(counts: &[[u8; LANES]], kernel: K) -> Vec<Vec<Value>>
where
    K: Fn(&dyn Fn(u32) -> f64) -> Vec<Value>,
{
    (0..LANES)
        .map(|l| kernel(&|r: u32| f64::from(counts[r as usize][l])))
        .collect()
}

/// A weighted mean with its standard error and normal interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanInterval {
    /// `Σ w·x / Σ w`.
    pub mean: f64,
    /// Its standard error.
    pub se: f64,
    /// `mean ± z·se`, `z` the normal quantile of the confidence.
    pub interval: Interval,
}

/// Per group, the weighted mean of `x` (a per-row loss, or the per-row difference of two
/// models' losses: the paired comparison) with its standard error and normal interval:
///
/// `μ = Σ wᵢxᵢ / W`, `W = Σ wᵢ`, and with `uₖ = Σ_{i∈k} wᵢ(xᵢ − μ)` over units `k`
/// (rows, or clusters), `Var(μ) = G/(G−1) · Σₖ uₖ² / W²` (the CR1 sandwich; for unit weights
/// without clusters exactly `s²/n`, the paired t statistic's variance). Frequency weights
/// without clusters: `Var(μ) = Σ wᵢ(xᵢ − μ)² / (W(W − 1))` (the expanded rows' `s²/n`).
///
/// `None` for a group with fewer than two units or zero weight. `codes`: group per row
/// (`None` = one group); `clusters`: cluster per row, every code `< clusters.1`.
pub fn paired_mean(
    x: &[f64],
    weight: Option<&[f64]>,
    role: WeightKind,
    codes: Option<&[u32]>,
    groups: usize,
    clusters: Option<(&[u32], usize)>,
    confidence: f64,
) -> Vec<Option<MeanInterval>> {
    let n = x.len();
    let g_of = |i: usize| codes.map_or(0, |c| c[i] as usize);
    let w_of = |i: usize| weight.map_or(1.0, |w| w[i]);
    let mut sw = vec![0.0; groups];
    let mut swx = vec![0.0; groups];
    for i in 0..n {
        sw[g_of(i)] += w_of(i);
        swx[g_of(i)] += w_of(i) * x[i];
    }
    let mean: Vec<f64> = (0..groups)
        .map(|g| {
            if sw[g] > 0.0 {
                swx[g] / sw[g]
            } else {
                f64::NAN
            }
        })
        .collect();
    let z = z_critical(confidence);
    let mut var = vec![0.0; groups];
    let mut units = vec![0.0f64; groups];
    match clusters {
        None => {
            for i in 0..n {
                let g = g_of(i);
                let r = x[i] - mean[g];
                match role {
                    WeightKind::Sampling => {
                        var[g] += (w_of(i) * r) * (w_of(i) * r);
                        units[g] += f64::from(u8::from(w_of(i) > 0.0));
                    }
                    WeightKind::Frequency => {
                        var[g] += w_of(i) * r * r;
                        units[g] += w_of(i);
                    }
                }
            }
            for g in 0..groups {
                var[g] = match role {
                    WeightKind::Sampling => var[g] / (sw[g] * sw[g]) * units[g] / (units[g] - 1.0),
                    WeightKind::Frequency => var[g] / (sw[g] * (sw[g] - 1.0)),
                };
            }
        }
        Some((cl, count)) => {
            // One sum per (group, cluster) that holds rows: a cluster may span slices.
            let mut sums: std::collections::HashMap<(usize, u32), f64> =
                std::collections::HashMap::new();
            let _ = count;
            for i in 0..n {
                let g = g_of(i);
                *sums.entry((g, cl[i])).or_insert(0.0) += w_of(i) * (x[i] - mean[g]);
            }
            let mut keys: Vec<(usize, u32)> = sums.keys().copied().collect();
            keys.sort_unstable();
            for k in keys {
                let u = sums[&k];
                var[k.0] += u * u;
                units[k.0] += 1.0;
            }
            for g in 0..groups {
                var[g] = var[g] / (sw[g] * sw[g]) * units[g] / (units[g] - 1.0);
            }
        }
    }
    (0..groups)
        .map(|g| {
            let se = var[g].sqrt();
            (sw[g] > 0.0 && units[g] >= 2.0 && se.is_finite() && mean[g].is_finite()).then(|| {
                MeanInterval {
                    mean: mean[g],
                    se,
                    interval: Interval {
                        lo: mean[g] - z * se,
                        hi: mean[g] + z * se,
                    },
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unweighted_rows_give_the_paired_t_standard_error() {
        let x = [1.0, 2.0, 4.0, 7.0];
        let m = paired_mean(&x, None, WeightKind::Sampling, None, 1, None, 0.95)[0].unwrap();
        let mean = 3.5;
        let s2 = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 3.0;
        assert!((m.mean - mean).abs() < 1e-15);
        assert!((m.se - (s2 / 4.0).sqrt()).abs() < 1e-14);
    }

    #[test]
    fn frequency_weights_equal_expanded_rows_and_singleton_clusters_equal_rows() {
        let x = [1.0, 2.0, 4.0];
        let w = [2.0, 1.0, 3.0];
        let f = paired_mean(&x, Some(&w), WeightKind::Frequency, None, 1, None, 0.9)[0].unwrap();
        let expanded = [1.0, 1.0, 2.0, 4.0, 4.0, 4.0];
        let e = paired_mean(&expanded, None, WeightKind::Sampling, None, 1, None, 0.9)[0].unwrap();
        assert!((f.se - e.se).abs() < 1e-14 && (f.mean - e.mean).abs() < 1e-15);
        let codes = [0u32, 1, 2, 3];
        let y = [1.0, 2.0, 4.0, 7.0];
        let rows = paired_mean(&y, None, WeightKind::Sampling, None, 1, None, 0.95)[0].unwrap();
        let cl = paired_mean(
            &y,
            None,
            WeightKind::Sampling,
            None,
            1,
            Some((&codes, 4)),
            0.95,
        )[0]
        .unwrap();
        assert!((rows.se - cl.se).abs() < 1e-14);
    }

    #[test]
    fn one_unit_has_no_interval() {
        let cl = [0u32, 0, 0];
        let r = paired_mean(
            &[1.0, 2.0, 3.0],
            None,
            WeightKind::Sampling,
            None,
            1,
            Some((&cl, 1)),
            0.95,
        );
        assert_eq!(r, vec![None]);
    }

    #[test]
    fn cluster_counts_are_shared_by_a_clusters_rows() {
        let codes = [0u32, 1, 0, 1, 2];
        let u = Units::Clusters {
            codes: &codes,
            count: 3,
        };
        let c = u.row_counts(resample::batch_key(7, 0), 5);
        assert_eq!(c[0], c[2]);
        assert_eq!(c[1], c[3]);
    }
}
