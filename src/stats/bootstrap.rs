//! Paired, label-stratified, seeded bootstrap of any metric, without resampling arrays.
//!
//! A replicate gives every row a Poisson(1) count (the "Poisson bootstrap"; Hanley &
//! MacGibbon 2006, Chamandy et al. 2012), drawn from a counter-based generator keyed by
//! `(seed, replicate, row)` ([`resample`](super::resample)): no state, so any row's count
//! is computed where it is needed and the same row gets the same count in the candidate
//! and the baseline (pairing) whatever their sort orders. Counts are rescaled per
//! `(group, label)` stratum so each stratum keeps its total weight (stratification).
//!
//! Two engines share the work, so that a replicate costs what the metric needs:
//! - ranking metrics (AP, ROC-AUC, the constrained and top-k metrics) walk each model's
//!   one sort, eight replicates per pass ([`evaluate_lanes`]), where a negative row costs
//!   an addition per replicate;
//! - metrics that are functions of sums over rows (thresholded, log loss, Brier, ECE,
//!   counts) resample the sums of cells of rows ([`cells`](super::cells)): exactly
//!   (Poisson draws per cell, or the rows of small cells), or, for cells of more than
//!   [`SMALL`](super::cells::SMALL) rows, the normal law of the row-level sum.
//!
//! Batches of eight replicates run in parallel (rayon) and are collected in replicate
//! order: results are identical bit for bit whatever the number of threads.
// Lane and stratum loops index several parallel arrays by the same lane or label.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use super::cells::{CellPlan, Cells, Rows as CellRows};
use super::resample::{self, Batch, LANES, Lanes, Stream, counts};
use super::{Interval, RowGroups, Undefined};
use crate::metrics::{MetricId, Plan, Ranked, SortedGroups, Ties, evaluate_lanes};

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
    /// Rows × replicates above which ranking metrics use the bag of little bootstraps
    /// ([`LITTLE_ABOVE`] by default; 0 always, `u64::MAX` never).
    pub little_above: u64,
}

/// Rows × replicates above which ranking metrics are resampled by the bag of little
/// bootstraps (about 134,000 rows at 2,000 replicates).
pub const LITTLE_ABOVE: u64 = 1 << 28;

impl Default for BootstrapSpec {
    fn default() -> Self {
        BootstrapSpec {
            replicates: 2000,
            seed: 0,
            confidence: 0.95,
            frequency: false,
            little_above: LITTLE_ABOVE,
        }
    }
}

/// The bootstrap distribution of one quantity (a metric of one model, or a delta).
#[derive(Debug, Clone, PartialEq)]
pub struct Replicates {
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

impl Replicates {
    /// The estimate of `replicates` (NaN = undefined) at `confidence`.
    pub fn new(replicates: Vec<f64>, confidence: f64) -> Replicates {
        let mut sorted: Vec<f64> = replicates.iter().copied().filter(|v| !v.is_nan()).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        let defined = sorted.len();
        Replicates {
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
    pub candidate: Replicates,
    /// The baseline's metric (paired bootstrap only).
    pub baseline: Option<Replicates>,
    /// `candidate − baseline`, replicate by replicate (paired bootstrap only).
    pub delta: Option<Replicates>,
    /// Two-sided bootstrap p-value of `delta = 0`: `min(1, 2·min(#{Δ* ≤ 0}, #{Δ* ≥ 0})/B)`
    /// over the defined replicates (paired bootstrap only; NaN without any).
    pub p_value: Option<f64>,
}

impl Cell {
    /// The cell of one quantity from its replicate values: the candidate's, and with the
    /// baseline's the paired delta `candidate − baseline` per replicate (NaN propagates:
    /// the delta is undefined when either side is) and its percentile p-value.
    pub fn of_replicates(candidate: Vec<f64>, baseline: Option<Vec<f64>>, confidence: f64) -> Cell {
        let Some(b) = baseline else {
            return Cell {
                candidate: Replicates::new(candidate, confidence),
                baseline: None,
                delta: None,
                p_value: None,
            };
        };
        let d: Vec<f64> = candidate.iter().zip(&b).map(|(x, y)| x - y).collect();
        let delta = Replicates::new(d, confidence);
        let p_value = p_value_zero(delta.defined_values());
        Cell {
            candidate: Replicates::new(candidate, confidence),
            baseline: Some(Replicates::new(b, confidence)),
            delta: Some(delta),
            p_value: Some(p_value),
        }
    }
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
    /// Ranking metrics were resampled by the bag of little bootstraps ([`Little`]).
    pub little: bool,
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
    let ranked: Vec<&Ranked> = std::iter::once(candidate).chain(baseline).collect();
    let models = ranked.len();
    let frequency = spec.frequency && candidate.weight.is_some();

    // Rows in original order, for the stratum sums and the cells.
    let positive = scatter(candidate, &candidate.positive);
    let weight = candidate.weight.as_ref().map(|w| scatter(candidate, w));
    let weight = weight.as_deref();
    let scores: Vec<Vec<f64>> = ranked.iter().map(|r| scatter(r, &r.scores)).collect();
    let score_refs: Vec<&[f64]> = scores.iter().map(Vec::as_slice).collect();
    let mut total = vec![0.0; 2 * count];
    for (r, &p) in positive.iter().enumerate() {
        total[2 * groups.of(r) + usize::from(p)] += weight.map_or(1.0, |w| w[r]);
    }

    // Which engine computes which plan column: ranking metrics walk the sorted rows, the
    // rest come from the cells (one cell plan per ECE bin count).
    let mut walk_metrics: Vec<MetricId> = Vec::new();
    let mut cell_plans: Vec<Vec<MetricId>> = Vec::new();
    let mut route: Vec<(Engine, usize)> = Vec::with_capacity(width);
    for m in &plan.metrics {
        if m.uses_ranking() {
            route.push((Engine::Walk, walk_metrics.len()));
            walk_metrics.push(*m);
            continue;
        }
        let slot = cell_plans
            .iter()
            .position(|p| {
                let mut trial = p.clone();
                trial.push(*m);
                CellPlan::new(trial, plan.threshold).is_some()
            })
            .unwrap_or_else(|| {
                cell_plans.push(Vec::new());
                cell_plans.len() - 1
            });
        route.push((Engine::Cells(slot), cell_plans[slot].len()));
        cell_plans[slot].push(*m);
    }
    let cells: Vec<Cells> = cell_plans
        .into_iter()
        .filter_map(|metrics| CellPlan::new(metrics, plan.threshold))
        .map(|p| {
            Cells::new(
                p,
                CellRows {
                    positive: &positive,
                    weight,
                    frequency,
                    scores: &score_refs,
                    groups,
                },
            )
        })
        .collect();
    let batches = spec.replicates.div_ceil(LANES as u32);
    let little = !walk_metrics.is_empty()
        && !frequency
        && (n as u64).saturating_mul(u64::from(spec.replicates)) > spec.little_above;
    // With the bag of little bootstraps, the ranking side of every batch comes first, one
    // subset at a time; otherwise each batch walks the full rows.
    let little_batches: Vec<Batch> = if little {
        let bag = Little::new(
            &ranked,
            groups,
            &positive,
            walk_metrics.clone(),
            plan.threshold,
        );
        let subsets = batches.div_ceil(SUBSET_BATCHES);
        let per: Vec<Vec<Batch>> = (0..subsets)
            .into_par_iter()
            .map(|j| bag.subset(j, spec.seed, &ranked, &positive, weight, groups, &total))
            .collect();
        per.into_iter().flatten().collect()
    } else {
        Vec::new()
    };
    let walk = (!walk_metrics.is_empty() && !little)
        .then(|| Walk::new(&ranked, groups, walk_metrics, plan.threshold, &total));

    let per_batch: Vec<(Vec<f64>, Vec<bool>)> = (0..batches)
        .into_par_iter()
        .map(|q| {
            let key = resample::batch_key(spec.seed, q);
            let owned = walk
                .as_ref()
                .map(|w| w.replicate(key, &ranked, &positive, weight, frequency, groups, &total));
            let walked = owned.as_ref().or(little_batches.get(q as usize));
            let celled: Vec<Batch> = cells
                .iter()
                .map(|c| {
                    let mut b = Batch::new(models, count, c.width());
                    c.replicate(key, weight, &mut b);
                    b
                })
                .collect();
            // Lane-major: values[lane][model][group][metric], collapsed[lane][group].
            let mut values = Vec::with_capacity(LANES * models * count * width);
            let mut collapsed = Vec::with_capacity(LANES * count);
            for l in 0..LANES {
                for m in 0..models {
                    for g in 0..count {
                        for &(engine, k) in &route {
                            values.push(match engine {
                                Engine::Walk => walked.map_or(f64::NAN, |b| b.get(m, g, k, l)),
                                Engine::Cells(c) => celled[c].get(m, g, k, l),
                            });
                        }
                    }
                }
                for g in 0..count {
                    collapsed.push(
                        walked.is_some_and(|b| b.collapsed(g, l))
                            || celled.iter().any(|b| b.collapsed(g, l)),
                    );
                }
            }
            (values, collapsed)
        })
        .collect();

    // Replicate b is lane b % LANES of batch b / LANES.
    let replicates = spec.replicates as usize;
    let stride = models * count * width;
    let column = |model: usize, cell: usize| -> Vec<f64> {
        (0..replicates)
            .map(|b| per_batch[b / LANES].0[(b % LANES) * stride + model * count * width + cell])
            .collect()
    };
    let cells_out = (0..count * width)
        .map(|cell| {
            let b = baseline.is_some().then(|| column(1, cell));
            Cell::of_replicates(column(0, cell), b, spec.confidence)
        })
        .collect();
    let collapsed = (0..count)
        .map(|g| {
            (0..replicates)
                .filter(|&b| per_batch[b / LANES].1[(b % LANES) * count + g])
                .count() as u32
        })
        .collect();
    BootstrapResult {
        width,
        cells: cells_out,
        collapsed,
        spec: *spec,
        little,
    }
}

/// Which engine computes a plan column.
#[derive(Debug, Clone, Copy)]
enum Engine {
    Walk,
    Cells(usize),
}

/// A per-sorted-position array put back into original row order.
fn scatter<T: Copy + Default>(r: &Ranked, sorted: &[T]) -> Vec<T> {
    let mut out = vec![T::default(); r.len()];
    for (&row, &v) in r.row.iter().zip(sorted) {
        out[row as usize] = v;
    }
    out
}

/// Per stratum and lane, the factor that gives the resampled stratum its total weight
/// back (stratification); a stratum with weight that drew none collapses its group.
fn stratum_scales(sums: &[Lanes], total: &[f64], batch: &mut Batch) -> Vec<Lanes> {
    let mut scale = vec![[0.0; LANES]; sums.len()];
    for (st, (got, want)) in sums.iter().zip(total).enumerate() {
        for l in 0..LANES {
            if got[l] > 0.0 {
                scale[st][l] = want / got[l];
            } else if *want > 0.0 {
                batch.collapse(st / 2, l);
            }
        }
    }
    scale
}

/// The ranking metrics' side: each model's tie structure, walked per batch.
struct Walk {
    plan: Plan,
    /// Per model: group codes in its sorted order, and its ties.
    sorted: Vec<(Option<Vec<u32>>, Ties)>,
    /// Per group and lane: the stratified totals (P, N) the pass needs.
    totals: Vec<[(f64, f64); LANES]>,
}

impl Walk {
    fn new(
        ranked: &[&Ranked],
        groups: RowGroups<'_>,
        metrics: Vec<MetricId>,
        threshold: f64,
        total: &[f64],
    ) -> Walk {
        let sorted = ranked
            .iter()
            .map(|r| {
                let codes = groups.sorted_for(r);
                let ties = Ties::new(
                    r,
                    SortedGroups {
                        codes: codes.as_deref(),
                        count: groups.count,
                    },
                );
                (codes, ties)
            })
            .collect();
        Walk {
            plan: Plan { metrics, threshold },
            sorted,
            totals: (0..groups.count)
                .map(|g| [(total[2 * g + 1], total[2 * g]); LANES])
                .collect(),
        }
    }

    /// One batch: the stratum scales of each lane (one pass in row order), then one pass
    /// over each model's sorted rows.
    #[allow(clippy::too_many_arguments)]
    fn replicate(
        &self,
        key: u64,
        ranked: &[&Ranked],
        positive: &[bool],
        weight: Option<&[f64]>,
        frequency: bool,
        groups: RowGroups<'_>,
        total: &[f64],
    ) -> Batch {
        let count = groups.count;
        // The batch's Poisson(1) counts, drawn once in row order and read by the stratum
        // sums and both models' walks (8 bytes a row, not three generator passes).
        let drawn: Vec<[u8; LANES]> = if frequency {
            Vec::new()
        } else {
            (0..positive.len() as u32).map(|r| counts(key, r)).collect()
        };
        // Per row and lane: count × weight (frequency: a Poisson(w) count).
        let lane_weight = |row: u32, w: f64| -> Lanes {
            if frequency {
                std::array::from_fn(|l| {
                    if w > 0.0 {
                        Stream::new(key, l, u64::from(row)).poisson(w)
                    } else {
                        0.0
                    }
                })
            } else {
                drawn[row as usize].map(|c| f64::from(c) * w)
            }
        };
        let mut sums = vec![[0.0; LANES]; 2 * count];
        for (r, &p) in positive.iter().enumerate() {
            let lw = lane_weight(r as u32, weight.map_or(1.0, |w| w[r]));
            let s = &mut sums[2 * groups.of(r) + usize::from(p)];
            for l in 0..LANES {
                s[l] += lw[l];
            }
        }
        let mut batch = Batch::new(ranked.len(), count, self.plan.metrics.len());
        let scale = stratum_scales(&sums, total, &mut batch);
        for (m, (r, (codes, ties))) in ranked.iter().zip(&self.sorted).enumerate() {
            let g = SortedGroups {
                codes: codes.as_deref(),
                count,
            };
            let w = r.weight.as_deref();
            let values =
                evaluate_lanes(r, g, ties, &self.plan, &self.totals, |i, row, grp, pos| {
                    let lw = lane_weight(row, w.map_or(1.0, |w| w[i]));
                    let sc = &scale[2 * grp + usize::from(pos)];
                    std::array::from_fn(|l| lw[l] * sc[l])
                });
            for (idx, v) in values.into_iter().enumerate() {
                let (gm, l) = (idx / LANES, idx % LANES);
                batch.set(
                    m,
                    gm / self.plan.metrics.len(),
                    gm % self.plan.metrics.len(),
                    l,
                    v,
                );
            }
        }
        batch
    }
}

/// Bag of little bootstraps (Kleiner, Talwalkar, Sarkar & Jordan, "A scalable bootstrap for
/// massive data", JRSS-B 76, 2014) for the ranking metrics on large data.
///
/// Subset `j` takes from every `(group, label)` stratum of `nₛ` rows about
/// `bₛ = max(nₛ^0.7, 2000)` rows (all of a smaller stratum), by a seeded hash of the row.
/// Its [`SUBSET_BATCHES`] batches resample the full size `nₛ` from those rows: each member
/// row draws a Poisson(`nₛ/mₛ`) count (`mₛ` members; the multinomial of size `nₛ` over
/// the members, as independent Poisson counts, then stratified like the full bootstrap). A
/// replicate costs `Σ bₛ` rows instead of `n`, and the subsets together see the data.
///
/// Each subset's replicates are centred on their own mean and moved to the full-data
/// estimate `θ̂`: the replicate reported is `θ̂ + θ*ⱼₖ − mean_k θ*ⱼₖ`, so percentile
/// intervals and p-values read the pooled `s·r` replicates as they read a full bootstrap's,
/// without the resampling bias of ranking metrics on rows repeated `nₛ/mₛ` times (the
/// subset's replicates are tie-heavy). Pairing holds: both models' replicates use the same
/// members and counts, and the delta's centre is the difference of the models' centres.
pub struct Little {
    plan: Plan,
    /// Per stratum: rows, and the probability that a row is a member.
    rows: Vec<usize>,
    keep: Vec<f64>,
    /// Full-data values per model, group and metric (NaN = undefined).
    full: Vec<f64>,
}

/// Batches of [`LANES`] replicates per subset of the bag of little bootstraps.
pub const SUBSET_BATCHES: u32 = 6;
/// Subset size exponent `γ` and floor of the bag of little bootstraps.
const SUBSET_EXPONENT: f64 = 0.7;
const SUBSET_FLOOR: f64 = 2000.0;
const LITTLE_SALT: u64 = 0x4C69_7474_6C65_0000;

impl Little {
    fn new(
        ranked: &[&Ranked],
        groups: RowGroups<'_>,
        positive: &[bool],
        metrics: Vec<MetricId>,
        threshold: f64,
    ) -> Little {
        let count = groups.count;
        let mut rows = vec![0usize; 2 * count];
        for (r, &p) in positive.iter().enumerate() {
            rows[2 * groups.of(r) + usize::from(p)] += 1;
        }
        let keep = rows
            .iter()
            .map(|&n| {
                let n = n as f64;
                if n == 0.0 {
                    1.0
                } else {
                    (n.powf(SUBSET_EXPONENT).max(SUBSET_FLOOR) / n).min(1.0)
                }
            })
            .collect();
        let plan = Plan { metrics, threshold };
        let width = plan.metrics.len();
        let mut full = Vec::with_capacity(ranked.len() * count * width);
        for r in ranked {
            let codes = groups.sorted_for(r);
            let t = crate::metrics::evaluate(
                r,
                SortedGroups {
                    codes: codes.as_deref(),
                    count,
                },
                &plan,
                |_, _, _| 1.0,
            );
            full.extend(t.values.iter().map(|v| v.unwrap_or(f64::NAN)));
        }
        Little {
            plan,
            rows,
            keep,
            full,
        }
    }

    /// The batches of subset `j`, in replicate order.
    #[allow(clippy::too_many_arguments)]
    fn subset(
        &self,
        j: u32,
        seed: u64,
        ranked: &[&Ranked],
        positive: &[bool],
        weight: Option<&[f64]>,
        groups: RowGroups<'_>,
        total: &[f64],
    ) -> Vec<Batch> {
        let count = groups.count;
        let width = self.plan.metrics.len();
        let key = resample::batch_key(seed ^ LITTLE_SALT, j);
        let stratum = |r: usize| 2 * groups.of(r) + usize::from(positive[r]);
        // Members in original order; `member[row]` = index among members, or u32::MAX.
        let mut member = vec![u32::MAX; positive.len()];
        let mut members: Vec<u32> = Vec::new();
        let mut size = vec![0usize; 2 * count];
        for r in 0..positive.len() {
            let s = stratum(r);
            if self.keep[s] >= 1.0 || resample::uniform_at(key, r as u64) < self.keep[s] {
                member[r] = members.len() as u32;
                members.push(r as u32);
                size[s] += 1;
            }
        }
        let tables: Vec<resample::PoissonTable> = (0..2 * count)
            .map(|s| {
                resample::PoissonTable::new(if size[s] > 0 {
                    self.rows[s] as f64 / size[s] as f64
                } else {
                    0.0
                })
            })
            .collect();
        // Each model's sorted rows restricted to the members, rows renumbered as members.
        let subsets: Vec<(Ranked, Option<Vec<u32>>, Ties)> = ranked
            .iter()
            .map(|r| {
                let keep: Vec<usize> = (0..r.len())
                    .filter(|&i| member[r.row[i] as usize] != u32::MAX)
                    .collect();
                let sub = Ranked {
                    scores: keep.iter().map(|&i| r.scores[i]).collect(),
                    positive: keep.iter().map(|&i| r.positive[i]).collect(),
                    weight: r
                        .weight
                        .as_ref()
                        .map(|w| keep.iter().map(|&i| w[i]).collect()),
                    row: keep.iter().map(|&i| member[r.row[i] as usize]).collect(),
                };
                let codes = groups.codes.map(|c| {
                    keep.iter()
                        .map(|&i| c[r.row[i] as usize])
                        .collect::<Vec<u32>>()
                });
                let ties = Ties::new(
                    &sub,
                    SortedGroups {
                        codes: codes.as_deref(),
                        count,
                    },
                );
                (sub, codes, ties)
            })
            .collect();
        let totals: Vec<[(f64, f64); LANES]> = (0..count)
            .map(|g| [(total[2 * g + 1], total[2 * g]); LANES])
            .collect();
        let walk = |lane_w: &dyn Fn(u32) -> Lanes, scale: &[Lanes], batch: &mut Batch| {
            for (m, (sub, codes, ties)) in subsets.iter().enumerate() {
                let g = SortedGroups {
                    codes: codes.as_deref(),
                    count,
                };
                let values =
                    evaluate_lanes(sub, g, ties, &self.plan, &totals, |i, mem, grp, pos| {
                        let w = sub.weight.as_ref().map_or(1.0, |w| w[i]);
                        let lw = lane_w(mem);
                        let sc = &scale[2 * grp + usize::from(pos)];
                        std::array::from_fn(|l| lw[l] * w * sc[l])
                    });
                for (idx, v) in values.into_iter().enumerate() {
                    let (gm, l) = (idx / LANES, idx % LANES);
                    batch.set(m, gm / width, gm % width, l, v);
                }
            }
        };
        let mut batches: Vec<Batch> = (0..SUBSET_BATCHES)
            .map(|t| {
                let bkey =
                    resample::batch_key(seed ^ LITTLE_SALT, (j + 1).wrapping_mul(1 << 16) + t);
                let counts: Vec<Lanes> = members
                    .iter()
                    .enumerate()
                    .map(|(mi, &r)| {
                        let table = &tables[stratum(r as usize)];
                        std::array::from_fn(|l| {
                            table.draw(resample::uniform_at(bkey, (mi * LANES + l) as u64))
                        })
                    })
                    .collect();
                let mut sums = vec![[0.0; LANES]; 2 * count];
                for (mi, &r) in members.iter().enumerate() {
                    let w = weight.map_or(1.0, |w| w[r as usize]);
                    let s = &mut sums[stratum(r as usize)];
                    for l in 0..LANES {
                        s[l] += counts[mi][l] * w;
                    }
                }
                let mut batch = Batch::new(ranked.len(), count, width);
                let scale = stratum_scales(&sums, total, &mut batch);
                walk(&|mem| counts[mem as usize], &scale, &mut batch);
                batch
            })
            .collect();
        // Centre: θ̂ + θ* − mean(θ*) per model, group and metric.
        let models = ranked.len();
        for at in 0..models * count * width {
            let (m, g, k) = (at / (count * width), (at / width) % count, at % width);
            let (mut sum, mut defined) = (0.0, 0usize);
            for b in &batches {
                for l in 0..LANES {
                    let v = b.get(m, g, k, l);
                    if !v.is_nan() {
                        sum += v;
                        defined += 1;
                    }
                }
            }
            let shift = self.full[at] - sum / defined.max(1) as f64;
            for b in &mut batches {
                for l in 0..LANES {
                    b.shift(m, g, k, l, shift);
                }
            }
        }
        batches
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

    use crate::metrics::{MetricId, evaluate};

    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
    use super::resample::mix;

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
            little_above: LITTLE_ABOVE,
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
            little_above: LITTLE_ABOVE,
        };
        let out = single(&c, groups, &p, &spec);
        let point = evaluate(
            &c,
            SortedGroups {
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
            little_above: LITTLE_ABOVE,
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
            little_above: LITTLE_ABOVE,
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
}

#[cfg(test)]
mod se_check {
    use super::*;
    use crate::metrics::{MetricId, evaluate};

    #[test]
    fn se_matches_plain_multinomial_bootstrap() {
        let (c, b, _) = {
            let n = 1200;
            let mut k = 42u64;
            let mut u = move || {
                k = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
                (resample::mix(k) >> 11) as f64 / (1u64 << 53) as f64
            };
            let y: Vec<bool> = (0..n).map(|_| u() < 0.12).collect();
            let sc: Vec<f64> = y.iter().map(|&p| u() + if p { 0.5 } else { 0.0 }).collect();
            let sb: Vec<f64> = y.iter().map(|&p| u() + if p { 0.3 } else { 0.0 }).collect();
            (Ranked::new(&sc, &y, None), Ranked::new(&sb, &y, None), ())
        };
        let plan = Plan {
            metrics: vec![MetricId::PrAuc, MetricId::RocAuc],
            threshold: 0.5,
        };
        let spec = BootstrapSpec {
            replicates: 4000,
            seed: 3,
            ..BootstrapSpec::default()
        };
        let out = paired(&c, &b, RowGroups::ALL, &plan, &spec);
        // Plain multinomial bootstrap, stratified by label.
        let n = c.len();
        let label = scatter(&c, &c.positive);
        let pos: Vec<usize> = (0..n).filter(|&r| label[r]).collect();
        let neg: Vec<usize> = (0..n).filter(|&r| !label[r]).collect();
        let mut k = 7u64;
        let mut next = move || {
            k = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
            resample::mix(k)
        };
        let mut ap = Vec::new();
        let mut auc = Vec::new();
        for _ in 0..4000 {
            let mut w = vec![0.0; n];
            for set in [&pos, &neg] {
                for _ in 0..set.len() {
                    w[set[(next() % set.len() as u64) as usize]] += 1.0;
                }
            }
            let t = evaluate(&c, crate::metrics::SortedGroups::ALL, &plan, |r, _, _| {
                w[r as usize]
            });
            ap.push(t.values[0].expect("defined"));
            auc.push(t.values[1].expect("defined"));
        }
        let sd = |v: &[f64]| std_ddof1(v);
        eprintln!(
            "AP se new {} plain {}; AUC se new {} plain {}",
            out.cell(0, 0).candidate.se,
            sd(&ap),
            out.cell(0, 1).candidate.se,
            sd(&auc)
        );
        assert!((out.cell(0, 0).candidate.se / sd(&ap) - 1.0).abs() < 0.06);
        assert!((out.cell(0, 1).candidate.se / sd(&auc) - 1.0).abs() < 0.06);
    }
}
