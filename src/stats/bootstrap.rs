//! Paired, label-stratified, seeded bootstrap of any metric, without resampling arrays.
//!
//! A replicate gives every row a Poisson(1) count (the "Poisson bootstrap"), drawn from a
//! counter-based generator keyed by `(seed, replicate, row)`: no state, so any row's count
//! is computed where it is needed and the same row gets the same count in the candidate
//! and the baseline (pairing) whatever their sort orders. Counts are then rescaled per
//! `(group, label)` stratum so each stratum keeps its total weight (stratification), and
//! the replicate's metrics come from [`metrics::evaluate`](crate::metrics::evaluate) with
//! `reweight = count × stratum scale`. No per-replicate array of length n is allocated.
//!
//! Replicates run in parallel (rayon), each one sequentially, and are collected in
//! replicate order: results are identical bit for bit whatever the number of threads.

use rayon::prelude::*;

use super::{Interval, RowGroups, Undefined};
use crate::metrics::{Groups, Plan, Ranked, Table, evaluate};

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapSpec {
    /// Number of replicates `B`.
    pub replicates: u32,
    /// Seed: the same inputs and seed give the same replicates.
    pub seed: u64,
    /// Confidence level of the percentile intervals, `0 < confidence < 1`.
    pub confidence: f64,
    /// Weights are frequencies (a row stands for `w` identical rows, as in an aggregated
    /// histogram): a row draws a Poisson(`w`) count, the sum of `w` rows' Poisson(1) counts,
    /// instead of `w`·Poisson(1), so the replicate resamples the rows it stands for.
    pub frequency: bool,
}

impl Default for BootstrapSpec {
    fn default() -> Self {
        BootstrapSpec {
            replicates: 2000,
            seed: 0,
            confidence: 0.95,
            frequency: false,
        }
    }
}

/// The bootstrap distribution of one quantity (a metric of one model, or a delta).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Value per replicate, in replicate order; NaN where the replicate is undefined.
    pub replicates: Vec<f64>,
    /// Percentile interval of the defined replicates (NumPy's linear rule, as
    /// `scipy.stats.bootstrap(method = "percentile")`), or why there is none.
    pub interval: Result<Interval, Undefined>,
    /// Standard deviation of the defined replicates (`ddof = 1`); NaN with fewer than two.
    pub se: f64,
    /// Replicates with a value.
    pub defined: usize,
    /// Replicates without one (the metric was undefined, or a stratum was left empty).
    pub undefined: usize,
}

impl Estimate {
    fn new(replicates: Vec<f64>, confidence: f64) -> Estimate {
        let mut sorted: Vec<f64> = replicates.iter().copied().filter(|v| !v.is_nan()).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        let defined = sorted.len();
        Estimate {
            interval: percentile_interval(&sorted, confidence).ok_or(Undefined::NoReplicates),
            se: std_ddof1(&sorted),
            defined,
            undefined: replicates.len() - defined,
            replicates,
        }
    }

    /// The defined replicate values, in replicate order.
    pub fn defined_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.replicates.iter().copied().filter(|v| !v.is_nan())
    }
}

/// One metric of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The candidate's (or the single model's) metric.
    pub candidate: Estimate,
    /// The baseline's metric (paired bootstrap only).
    pub baseline: Option<Estimate>,
    /// `candidate − baseline`, replicate by replicate (paired bootstrap only).
    pub delta: Option<Estimate>,
    /// Two-sided bootstrap p-value of `delta = 0`: `min(1, 2·min(#{Δ* ≤ 0}, #{Δ* ≥ 0})/B)`
    /// over the defined replicates (paired bootstrap only; NaN without any).
    pub p_value: Option<f64>,
}

/// Everything a bootstrap run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapResult {
    /// Number of metrics per group (the plan's length).
    pub width: usize,
    /// Cells, group-major: `cells[group * width + metric]`.
    pub cells: Vec<Cell>,
    /// Per group: replicates in which one of its label strata that has weight in the data
    /// got zero weight (every metric of the group is undefined in those replicates).
    pub collapsed: Vec<u32>,
    /// The spec the run used.
    pub spec: BootstrapSpec,
}

impl BootstrapResult {
    /// The cell of metric `metric` (plan index) in group `group`.
    pub fn cell(&self, group: usize, metric: usize) -> &Cell {
        &self.cells[group * self.width + metric]
    }
}

/// Paired bootstrap of every metric of `plan` in every group, for two models scored on the
/// same rows (paired by [`Ranked::row`], same labels and weights).
///
/// `groups` codes are per original row (see [`RowGroups`]); strata are `(group, label)`.
///
/// # Panics
/// If the two models hold different numbers of rows, or the codes do not cover every row
/// (caller bugs, not user input).
pub fn paired(
    candidate: &Ranked,
    baseline: &Ranked,
    groups: RowGroups<'_>,
    plan: &Plan,
    spec: &BootstrapSpec,
) -> BootstrapResult {
    assert_eq!(
        candidate.len(),
        baseline.len(),
        "bootstrap::paired: candidate and baseline hold different rows"
    );
    run(candidate, Some(baseline), groups, plan, spec)
}

/// Bootstrap of one model's metrics (no baseline): intervals and standard errors only.
///
/// # Panics
/// If the codes do not cover every row (a caller bug).
pub fn single(
    ranked: &Ranked,
    groups: RowGroups<'_>,
    plan: &Plan,
    spec: &BootstrapSpec,
) -> BootstrapResult {
    run(ranked, None, groups, plan, spec)
}

fn run(
    candidate: &Ranked,
    baseline: Option<&Ranked>,
    groups: RowGroups<'_>,
    plan: &Plan,
    spec: &BootstrapSpec,
) -> BootstrapResult {
    let n = candidate.len();
    let count = groups.count;
    let width = plan.metrics.len();
    if let Some(c) = groups.codes {
        assert_eq!(c.len(), n, "bootstrap: one group code per row");
    }
    let strata = Strata::new(candidate, groups, spec.frequency);
    let codes_c = groups.sorted_for(candidate);
    let codes_b = baseline.and_then(|b| groups.sorted_for(b));
    let groups_c = Groups {
        codes: codes_c.as_deref(),
        count,
    };
    let groups_b = Groups {
        codes: codes_b.as_deref(),
        count,
    };
    let models = 1 + usize::from(baseline.is_some());

    // Per replicate: values[model][group][metric], flattened; NaN = undefined.
    let per_rep: Vec<(Vec<f64>, Vec<bool>)> = (0..spec.replicates)
        .into_par_iter()
        .map(|b| {
            let key = replicate_key(spec.seed, b);
            let (scale, collapsed) = strata.scales(key);
            let row_weight = strata.weight.as_deref().filter(|_| strata.frequency);
            let reweight = |row: u32, g: u32, pos: bool| {
                let count = match row_weight {
                    // evaluate() multiplies by the row's weight w: Poisson(w)/w gives Poisson(w).
                    Some(w) => {
                        let w = w[row as usize];
                        if w > 0.0 {
                            poisson(key, row, w) / w
                        } else {
                            0.0
                        }
                    }
                    None => f64::from(poisson1(key, row)),
                };
                count * scale[2 * g as usize + usize::from(pos)]
            };
            let mut out = Vec::with_capacity(models * count * width);
            push_values(
                &mut out,
                &evaluate(candidate, groups_c, plan, reweight),
                &collapsed,
            );
            if let Some(base) = baseline {
                push_values(
                    &mut out,
                    &evaluate(base, groups_b, plan, reweight),
                    &collapsed,
                );
            }
            (out, collapsed)
        })
        .collect();

    let column = |model: usize, cell: usize| -> Vec<f64> {
        per_rep
            .iter()
            .map(|(v, _)| v[model * count * width + cell])
            .collect()
    };
    let cells = (0..count * width)
        .map(|cell| {
            let c = column(0, cell);
            let candidate = Estimate::new(c.clone(), spec.confidence);
            if baseline.is_none() {
                return Cell {
                    candidate,
                    baseline: None,
                    delta: None,
                    p_value: None,
                };
            }
            let b = column(1, cell);
            // NaN propagates: the delta is undefined when either side is.
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
    let collapsed = (0..count)
        .map(|g| per_rep.iter().filter(|(_, c)| c[g]).count() as u32)
        .collect();
    BootstrapResult {
        width,
        cells,
        collapsed,
        spec: *spec,
    }
}

/// Appends a replicate's table, with collapsed groups' values set to NaN.
fn push_values(out: &mut Vec<f64>, table: &Table, collapsed: &[bool]) {
    for (i, v) in table.values.iter().enumerate() {
        let g = i / table.width.max(1);
        out.push(match v {
            Ok(x) if !collapsed[g] => *x,
            _ => f64::NAN,
        });
    }
}

/// The `(group, label)` strata in original row order, and their total weights.
struct Strata<'a> {
    groups: RowGroups<'a>,
    /// Label per original row.
    label: Vec<bool>,
    /// Sample weight per original row, when weighted.
    weight: Option<Vec<f64>>,
    /// Total weight per stratum `2·group + label`.
    total: Vec<f64>,
    /// Weights are frequencies: rows draw Poisson(weight) counts.
    frequency: bool,
}

impl<'a> Strata<'a> {
    fn new(ranked: &Ranked, groups: RowGroups<'a>, frequency: bool) -> Strata<'a> {
        let n = ranked.len();
        let mut label = vec![false; n];
        for (&r, &p) in ranked.row.iter().zip(&ranked.positive) {
            label[r as usize] = p;
        }
        let weight = ranked.weight.as_ref().map(|w| {
            let mut out = vec![0.0; n];
            for (&r, &x) in ranked.row.iter().zip(w) {
                out[r as usize] = x;
            }
            out
        });
        let mut total = vec![0.0; 2 * groups.count];
        for (r, &p) in label.iter().enumerate() {
            total[2 * groups.of(r) + usize::from(p)] += weight.as_ref().map_or(1.0, |w| w[r]);
        }
        Strata {
            groups,
            label,
            frequency: frequency && weight.is_some(),
            weight,
            total,
        }
    }

    /// Per-stratum scale factors of one replicate, and which groups collapsed (a stratum
    /// with weight in the data got none in the replicate).
    fn scales(&self, key: u64) -> (Vec<f64>, Vec<bool>) {
        // Monomorphised loops so neither the group lookup nor the weight branches per row.
        // Unweighted sums are exact integers; weighted ones are f64 in a fixed order.
        let sum: Vec<f64> = match (self.groups.codes, self.weight.as_deref()) {
            (None, None) => self.count_sums_one_group(key),
            (Some(c), None) => self.count_sums(key, |r| c[r] as usize),
            (None, Some(w)) => self.weight_sums(key, |_| 0, w),
            (Some(c), Some(w)) => self.weight_sums(key, |r| c[r] as usize, w),
        };
        let mut collapsed = vec![false; self.groups.count];
        let scale = sum
            .iter()
            .zip(&self.total)
            .enumerate()
            .map(|(s, (&got, &want))| {
                if got > 0.0 {
                    want / got
                } else {
                    collapsed[s / 2] |= want > 0.0;
                    0.0
                }
            })
            .collect();
        (scale, collapsed)
    }

    /// [`Strata::count_sums`] for a single group: the two sums stay in registers.
    #[inline(always)]
    fn count_sums_one_group(&self, key: u64) -> Vec<f64> {
        let (mut all, mut pos) = (0u64, 0u64);
        for (r, &p) in self.label.iter().enumerate() {
            let c = u64::from(poisson1(key, r as u32));
            all += c;
            pos += c * u64::from(p);
        }
        vec![(all - pos) as f64, pos as f64]
    }

    /// Σ count per stratum, in [`LANES`] interleaved accumulators so that consecutive rows
    /// do not wait on each other's sums.
    #[inline(always)]
    fn count_sums(&self, key: u64, group: impl Fn(usize) -> usize) -> Vec<f64> {
        let s = self.total.len();
        let mut lanes = vec![0u64; LANES * s];
        for (r, &p) in self.label.iter().enumerate() {
            let c = u64::from(poisson1(key, r as u32));
            lanes[(r % LANES) * s + 2 * group(r) + usize::from(p)] += c;
        }
        (0..s)
            .map(|i| (0..LANES).map(|l| lanes[l * s + i]).sum::<u64>() as f64)
            .collect()
    }

    /// Σ weight·count per stratum, like [`Strata::count_sums`].
    #[inline(always)]
    fn weight_sums(&self, key: u64, group: impl Fn(usize) -> usize, w: &[f64]) -> Vec<f64> {
        let s = self.total.len();
        let mut lanes = vec![0.0f64; LANES * s];
        for (r, (&p, &w)) in self.label.iter().zip(w).enumerate() {
            let weighted = if self.frequency {
                poisson(key, r as u32, w)
            } else {
                w * f64::from(poisson1(key, r as u32))
            };
            lanes[(r % LANES) * s + 2 * group(r) + usize::from(p)] += weighted;
        }
        (0..s)
            .map(|i| (0..LANES).map(|l| lanes[l * s + i]).sum::<f64>())
            .collect()
    }
}

/// Interleaved accumulators of the stratum sums.
const LANES: usize = 4;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijective 64-bit mixer.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of replicate `b`. Mixing the seed first keeps replicate streams of nearby
/// seeds unrelated.
fn replicate_key(seed: u64, b: u32) -> u64 {
    mix(mix(seed ^ 0x6D6F_6465_6C67_6174).wrapping_add(GAMMA.wrapping_mul(u64::from(b) + 1)))
}

/// `P(K ≤ k)·2⁶⁴` for `K ~ Poisson(1)`, `k = 0..`; the last entry catches the far tail
/// (`P(K > 19)` < 10⁻¹⁸).
const POISSON1_CDF: [u64; 20] = {
    let mut out = [0u64; 20];
    let mut pmf = 0.367_879_441_171_442_33; // e⁻¹
    let mut cdf = 0.0;
    let mut k = 0;
    while k < 19 {
        cdf += pmf;
        // 2⁶⁴ as f64; the cast saturates at u64::MAX.
        out[k] = (cdf * 18_446_744_073_709_551_616.0) as u64;
        k += 1;
        pmf /= k as f64;
    }
    out[19] = u64::MAX;
    out
};

/// The Poisson(1) count of `row` in the replicate keyed by `key`: SplitMix64 jumped to
/// position `row` of the replicate's stream, inverted against [`POISSON1_CDF`].
#[inline(always)]
fn poisson1(key: u64, row: u32) -> u32 {
    let u = mix(key.wrapping_add(GAMMA.wrapping_mul(u64::from(row) + 1)));
    // Branch-free for counts 0..=3 (98% of rows); the rare tail walks the table.
    let t = &POISSON1_CDF;
    let mut c = u32::from(u >= t[0]) + u32::from(u >= t[1]) + u32::from(u >= t[2]);
    if u >= t[2] {
        let mut k = 3;
        while k < t.len() - 1 && u >= t[k] {
            k += 1;
        }
        c = k as u32;
    }
    c
}

/// A Poisson(`lambda`) count for `row` in the replicate keyed by `key`, from the same
/// uniform as [`poisson1`] (so `lambda = 1` gives the same count): inversion for small
/// means, the normal approximation with continuity correction above 30, where its error
/// is far below the bootstrap's own noise.
fn poisson(key: u64, row: u32, lambda: f64) -> f64 {
    if lambda == 1.0 {
        return f64::from(poisson1(key, row));
    }
    let u = mix(key.wrapping_add(GAMMA.wrapping_mul(u64::from(row) + 1)));
    // A uniform in (0, 1), never exactly 0 or 1.
    let uf = ((u >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    if lambda < 30.0 {
        let mut pmf = (-lambda).exp();
        let mut cdf = pmf;
        let mut k = 0.0;
        while uf > cdf && k < 200.0 {
            k += 1.0;
            pmf *= lambda / k;
            cdf += pmf;
        }
        k
    } else {
        (lambda + lambda.sqrt() * super::normal_quantile(uf) + 0.5)
            .floor()
            .max(0.0)
    }
}

/// NumPy's default (`linear`) percentile of sorted values, `q` in percent; `None` if empty.
///
/// Same arithmetic as `numpy.percentile`: index `(n − 1)·q/100`, then NumPy's `_lerp`
/// (interpolating from the nearer end).
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let virtual_index = (n - 1) as f64 * (q / 100.0);
    let below = virtual_index.floor().clamp(0.0, (n - 1) as f64);
    let i = below as usize;
    let a = sorted[i];
    let b = sorted[(i + 1).min(n - 1)];
    let t = virtual_index - below;
    let diff = b - a;
    Some(if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    })
}

/// The percentile interval at `confidence`: the `100·α/2` and `100·(1 − α/2)` percentiles
/// of sorted values (`np.percentile(θ, [100·α/2, 100·(1 − α/2)])`). `None` if empty or the
/// confidence is not in `(0, 1)`.
pub fn percentile_interval(sorted: &[f64], confidence: f64) -> Option<Interval> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let alpha = 1.0 - confidence;
    Some(Interval {
        lo: percentile(sorted, 100.0 * alpha / 2.0)?,
        hi: percentile(sorted, 100.0 * (1.0 - alpha / 2.0))?,
    })
}

/// Sample standard deviation (`ddof = 1`); NaN with fewer than two values.
pub fn std_ddof1(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return f64::NAN;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (ss / (n - 1) as f64).sqrt()
}

/// Two-sided bootstrap p-value of 0: `min(1, 2·min(#{θ ≤ 0}, #{θ ≥ 0})/B)`; NaN if empty.
pub fn p_value_zero(values: impl Iterator<Item = f64>) -> f64 {
    let (mut total, mut le, mut ge) = (0usize, 0usize, 0usize);
    for v in values {
        total += 1;
        le += usize::from(v <= 0.0);
        ge += usize::from(v >= 0.0);
    }
    if total == 0 {
        return f64::NAN;
    }
    (2.0 * le.min(ge) as f64 / total as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::MetricId;

    /// Deterministic test data: `n` rows, scores with signal, every 7th row positive.
    fn data(n: usize, seed: u64) -> (Ranked, Ranked, Vec<u32>) {
        let mut k = seed;
        let mut u = move || {
            k = k.wrapping_add(GAMMA);
            (mix(k) >> 11) as f64 / (1u64 << 53) as f64
        };
        let y: Vec<bool> = (0..n).map(|i| i % 7 == 0).collect();
        let sc: Vec<f64> = y.iter().map(|&p| u() + if p { 0.4 } else { 0.0 }).collect();
        let sb: Vec<f64> = y.iter().map(|&p| u() + if p { 0.3 } else { 0.0 }).collect();
        let codes = (0..n as u32).map(|i| i % 3).collect();
        (
            Ranked::new(&sc, &y, None),
            Ranked::new(&sb, &y, None),
            codes,
        )
    }

    fn plan(metrics: Vec<MetricId>) -> Plan {
        Plan {
            metrics,
            threshold: 0.5,
        }
    }

    #[test]
    fn identical_whatever_the_thread_count() {
        let (c, b, codes) = data(3000, 1);
        let groups = RowGroups {
            codes: Some(&codes),
            count: 3,
        };
        let p = plan(vec![MetricId::PrAuc, MetricId::RocAuc, MetricId::Recall]);
        let spec = BootstrapSpec {
            replicates: 64,
            seed: 9,
            confidence: 0.9,
            frequency: false,
        };
        let run_with = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            pool.install(|| paired(&c, &b, groups, &p, &spec))
        };
        let (one, two) = (run_with(1), run_with(2));
        // Bit for bit, NaN included: compare the bits of every replicate value.
        let bits = |r: &BootstrapResult| -> Vec<u64> {
            r.cells
                .iter()
                .flat_map(|cell| {
                    let d = cell.delta.as_ref().expect("paired");
                    cell.candidate
                        .replicates
                        .iter()
                        .chain(&d.replicates)
                        .map(|v| v.to_bits())
                })
                .collect()
        };
        assert_eq!(bits(&one), bits(&two));
        assert_eq!(one.collapsed, two.collapsed);
        // Same seed, same result; another seed, another result.
        assert_eq!(bits(&paired(&c, &b, groups, &p, &spec)), bits(&one));
        let other = paired(&c, &b, groups, &p, &BootstrapSpec { seed: 10, ..spec });
        assert_ne!(bits(&other), bits(&one));
    }

    #[test]
    fn strata_keep_their_weight() {
        // `rows` and `positives` are the weighted totals: stratification keeps both per group.
        let (c, _, codes) = data(2000, 2);
        let groups = RowGroups {
            codes: Some(&codes),
            count: 3,
        };
        let p = plan(vec![MetricId::Rows, MetricId::Positives, MetricId::PrAuc]);
        let spec = BootstrapSpec {
            replicates: 50,
            seed: 3,
            confidence: 0.95,
            frequency: false,
        };
        let out = single(&c, groups, &p, &spec);
        let point = evaluate(
            &c,
            Groups {
                codes: groups.sorted_for(&c).as_deref(),
                count: 3,
            },
            &p,
            |_, _, _| 1.0,
        );
        for g in 0..3 {
            for m in 0..2 {
                let want = point.group(g)[m].expect("defined");
                for v in &out.cell(g, m).candidate.replicates {
                    assert!(
                        (v - want).abs() < 1e-9 * want,
                        "group {g} metric {m}: {v} vs {want}"
                    );
                }
            }
            // The AP itself varies between replicates.
            let ap = out.cell(g, 2).candidate.se;
            assert!(ap > 0.001, "AP se {ap}");
            assert!(out.cell(g, 0).baseline.is_none() && out.cell(g, 0).p_value.is_none());
        }
    }

    #[test]
    fn identical_models_have_zero_delta() {
        let (c, _, _) = data(500, 4);
        let p = plan(vec![MetricId::PrAuc]);
        let spec = BootstrapSpec {
            replicates: 40,
            seed: 1,
            confidence: 0.95,
            frequency: false,
        };
        let out = paired(&c, &c, RowGroups::ALL, &p, &spec);
        let cell = out.cell(0, 0);
        let d = cell.delta.as_ref().expect("paired");
        assert!(d.replicates.iter().all(|&v| v == 0.0));
        assert_eq!(d.interval, Ok(Interval { lo: 0.0, hi: 0.0 }));
        assert_eq!(cell.p_value, Some(1.0));
        assert!(cell.candidate.se > 0.0 && cell.candidate.defined == 40);
    }

    #[test]
    fn empty_strata_make_replicates_undefined() {
        // Group 1 holds a single positive: in ~e⁻¹ of the replicates it draws count 0.
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        let y = [true, false, true, false, true, false, false, false];
        let codes = [0, 0, 0, 0, 1, 1, 1, 1];
        let r = Ranked::new(&scores, &y, None);
        let p = plan(vec![MetricId::RocAuc]);
        let spec = BootstrapSpec {
            replicates: 400,
            seed: 5,
            confidence: 0.95,
            frequency: false,
        };
        let out = single(
            &r,
            RowGroups {
                codes: Some(&codes),
                count: 2,
            },
            &p,
            &spec,
        );
        let collapsed = out.collapsed[1];
        // Group 1's positive stratum empties in Binomial(400, e⁻¹) replicates (mean 147),
        // and its negative stratum (3 rows) only in ~e⁻³ of them.
        assert!((110..=190).contains(&collapsed), "{collapsed}");
        let cell = &out.cell(1, 0).candidate;
        assert_eq!(cell.undefined, collapsed as usize);
        assert_eq!(cell.defined + cell.undefined, 400);
        // With one positive at the top, every defined replicate has AUC 1.
        assert!(cell.defined_values().all(|v| v == 1.0));
    }

    #[test]
    fn poisson_counts_have_poisson_moments() {
        let key = replicate_key(7, 3);
        let n = 200_000u32;
        let mut hist = [0u32; 20];
        for r in 0..n {
            hist[poisson1(key, r) as usize] += 1;
        }
        // P(0) = P(1) = e⁻¹, P(2) = e⁻¹/2, P(3) = e⁻¹/6; 5 binomial standard errors.
        let e1 = (-1.0f64).exp();
        for (k, p) in [
            (0, e1),
            (1, e1),
            (2, e1 / 2.0),
            (3, e1 / 6.0),
            (4, e1 / 24.0),
        ] {
            let got = f64::from(hist[k]) / f64::from(n);
            let se = (p * (1.0 - p) / f64::from(n)).sqrt();
            assert!((got - p).abs() < 5.0 * se, "P({k}) = {got}, want {p}");
        }
        let mean: f64 = hist
            .iter()
            .enumerate()
            .map(|(k, &c)| k as f64 * f64::from(c))
            .sum::<f64>()
            / f64::from(n);
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
    }

    #[test]
    fn replicates_and_seeds_are_unrelated() {
        // Counts of the same rows in two replicates (or two seeds) are uncorrelated.
        let corr = |k1: u64, k2: u64| {
            let n = 50_000u32;
            let (mut sxy, mut sx, mut sy, mut sxx, mut syy) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for r in 0..n {
                let (x, y) = (f64::from(poisson1(k1, r)), f64::from(poisson1(k2, r)));
                sxy += x * y;
                sx += x;
                sy += y;
                sxx += x * x;
                syy += y * y;
            }
            let nf = f64::from(n);
            (sxy / nf - sx * sy / nf / nf)
                / ((sxx / nf - (sx / nf).powi(2)) * (syy / nf - (sy / nf).powi(2))).sqrt()
        };
        assert!(corr(replicate_key(1, 0), replicate_key(1, 1)).abs() < 0.02);
        assert!(corr(replicate_key(1, 0), replicate_key(2, 0)).abs() < 0.02);
        assert_ne!(replicate_key(1, 0), replicate_key(0, 1));
    }

    #[test]
    fn percentile_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&x, 50.0), Some(3.0));
        assert_eq!(percentile(&x, 0.0), Some(1.0));
        assert_eq!(percentile(&x, 100.0), Some(5.0));
        // (n − 1)·0.1 = 0.4 → 1 + 0.4
        assert!((percentile(&x, 10.0).expect("non-empty") - 1.4).abs() < 1e-15);
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[2.5], 97.5), Some(2.5));
        assert!(percentile_interval(&x, 1.0).is_none());
    }

    #[test]
    fn p_value_of_zero() {
        assert_eq!(p_value_zero([1.0, 2.0, 3.0].into_iter()), 0.0);
        assert_eq!(p_value_zero([-1.0, 2.0, 3.0, 4.0].into_iter()), 0.5);
        assert_eq!(p_value_zero([0.0, 0.0].into_iter()), 1.0);
        assert!(p_value_zero(std::iter::empty()).is_nan());
    }

    #[test]
    fn poisson_counts_of_any_mean_have_poisson_moments() {
        for lambda in [0.3, 3.7, 29.0, 80.0, 5000.0] {
            let key = replicate_key(11, 3);
            let n = 200_000u32;
            let draws: Vec<f64> = (0..n).map(|r| poisson(key, r, lambda)).collect();
            let mean = draws.iter().sum::<f64>() / f64::from(n);
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
            assert!(
                (mean / lambda - 1.0).abs() < 0.02,
                "lambda {lambda}: mean {mean}"
            );
            assert!(
                (var / lambda - 1.0).abs() < 0.03,
                "lambda {lambda}: var {var}"
            );
            assert!(draws.iter().all(|&x| x >= 0.0 && x.fract() == 0.0));
        }
        // A mean of 1 draws exactly the Poisson(1) count of the unweighted bootstrap.
        let key = replicate_key(5, 0);
        assert!((0..1000).all(|r| poisson(key, r, 1.0) == f64::from(poisson1(key, r))));
    }
}
