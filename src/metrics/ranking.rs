//! Ranking metrics averaged over groups (queries, sessions): NDCG equal to scikit-learn's
//! `ndcg_score`, and MAP, MRR, recall@k and precision@k with written definitions.
//!
//! Rows come grouped: all rows of a group are contiguous ([`Queries::new`] checks it). Each
//! row has a graded relevance ≥ 0 and a score; an item is *relevant* when its relevance
//! is positive. Each group is sorted once by descending score; a metric's value per group is
//! computed from that order, and the reported value is the mean over groups, weighted by an
//! optional group weight (`np.average(per_group, weights=w)`).
//!
//! **Ties.** Items with equal scores have no order. Every metric here is the *expected value
//! over the uniformly random orders of tied items*: for NDCG this is scikit-learn's
//! `ignore_ties=False` (which averages the gains of a tie group over its positions; DCG is
//! linear, so that is the expectation); for the others it is the same rule, computed in
//! closed form per tie group (see each metric). So a model gains nothing from ties, and the
//! value does not depend on row order.
//!
//! **Groups without a relevant item.** NDCG is 0 there (scikit-learn); precision@k is 0;
//! MAP, MRR and recall@k have no value, and the mean is [`Undefined::NoRelevant`] naming
//! the first such group (by its index in [`Queries`]) so that the caller refuses with the
//! group's id.
//!
//! The bootstrap resamples whole groups: per-group values are computed once
//! ([`Prepared::new`]); a replicate is a reweighted mean over groups, O(groups).
//!
//! References: Järvelin & Kekäläinen (2002) "Cumulated gain-based evaluation of IR
//! techniques"; McSherry & Najork (2008) "Computing information retrieval performance
//! measures efficiently in the presence of tied scores" (the tie-averaged DCG scikit-learn
//! implements); Manning, Raghavan & Schütze (2008) "Introduction to Information Retrieval",
//! ch. 8 (precision@k, MAP); Voorhees (1999) TREC-8 QA track (MRR).

// Lane loops index several per-lane arrays by the same lane.
#![allow(clippy::needless_range_loop)]

use super::LANES;

/// A ranking metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `ndcg_score(k=k)`; `None` = all items.
    Ndcg {
        /// Cut-off (≥ 1), or all items.
        k: Option<u32>,
    },
    /// Mean average precision at k; `None` = all items.
    Map {
        /// Cut-off (≥ 1), or all items.
        k: Option<u32>,
    },
    /// Mean reciprocal rank of the first relevant item.
    Mrr,
    /// Mean fraction of a group's relevant items in its top k.
    RecallAtK {
        /// Cut-off (≥ 1).
        k: u32,
    },
    /// Mean fraction of the top k that is relevant.
    PrecisionAtK {
        /// Cut-off (≥ 1).
        k: u32,
    },
}

impl Metric {
    /// The id written in configs and JSON: `ndcg(10)`, `ndcg`, `map(5)`, `map`, `mrr`,
    /// `recall_at_k(10)`, `precision_at_k(10)`.
    pub fn name(&self) -> String {
        match self {
            Metric::Ndcg { k: Some(k) } => format!("ndcg({k})"),
            Metric::Ndcg { k: None } => "ndcg".into(),
            Metric::Map { k: Some(k) } => format!("map({k})"),
            Metric::Map { k: None } => "map".into(),
            Metric::Mrr => "mrr".into(),
            Metric::RecallAtK { k } => format!("recall_at_k({k})"),
            Metric::PrecisionAtK { k } => format!("precision_at_k({k})"),
        }
    }

    /// Parses an id; `Err(KZero)` for a cut-off of 0, `Ok(None)` for an id that is not a
    /// ranking metric.
    pub fn parse(id: &str) -> Result<Option<Metric>, InputError> {
        let id = id.trim();
        let (base, k) = match id.split_once('(') {
            Some((base, rest)) => {
                let Some(k) = rest
                    .strip_suffix(')')
                    .and_then(|k| k.trim().parse::<u32>().ok())
                else {
                    return Ok(None);
                };
                if k == 0 {
                    return Err(InputError::KZero);
                }
                (base.trim(), Some(k))
            }
            None => (id, None),
        };
        Ok(match (base, k) {
            ("ndcg", k) => Some(Metric::Ndcg { k }),
            ("map", k) => Some(Metric::Map { k }),
            ("mrr", None) => Some(Metric::Mrr),
            ("recall_at_k", Some(k)) => Some(Metric::RecallAtK { k }),
            ("precision_at_k", Some(k)) => Some(Metric::PrecisionAtK { k }),
            _ => None,
        })
    }

    /// The cut-off, `None` for all items.
    fn k(&self) -> Option<u32> {
        match *self {
            Metric::Ndcg { k } | Metric::Map { k } => k,
            Metric::Mrr => None,
            Metric::RecallAtK { k } | Metric::PrecisionAtK { k } => Some(k),
        }
    }
}

/// Why a ranking metric has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Undefined {
    /// No group, or zero total group weight.
    #[error("no groups (or zero total group weight)")]
    Empty,
    /// MAP, MRR or recall@k on a group without a relevant item.
    #[error("group #{group} (and {others} more) has no relevant item")]
    NoRelevant {
        /// Index (in [`Queries`] order) of the first such group.
        group: usize,
        /// How many other groups have none.
        others: usize,
    },
}

/// A ranking metric's value, or why there is none.
pub type Value = Result<f64, Undefined>;

/// Bad input to the ranking kernels.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// A cut-off of 0.
    #[error("a ranking cut-off k must be at least 1")]
    KZero,
    /// Inputs of different lengths.
    #[error("{what} has {got} entries, expected {expected}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The expected length.
        expected: usize,
    },
    /// A relevance below 0, NaN or infinite.
    #[error("row {row}: relevance {value} is not a finite number >= 0")]
    Relevance {
        /// Row index.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A NaN score.
    #[error("row {row}: the score is NaN")]
    NanScore {
        /// Row index.
        row: usize,
    },
    /// A group's rows are not contiguous.
    #[error("row {row}: group {group} appears again after other groups; rows must be grouped")]
    NotContiguous {
        /// The first row where the group reappears.
        row: usize,
        /// The group code.
        group: u32,
    },
    /// A group weight is negative or not finite.
    #[error("group #{group}: weight {value} is not finite and >= 0")]
    Weight {
        /// Group index.
        group: usize,
        /// The weight.
        value: f64,
    },
}

/// The groups of the rows: group `g` is rows `bounds[g]..bounds[g + 1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queries {
    bounds: Vec<usize>,
    codes: Vec<u32>,
}

impl Queries {
    /// Finds the groups of rows whose group codes are contiguous (each group's rows
    /// together, groups in any order). `NotContiguous` names the row where a group comes back.
    pub fn new(group: &[u32]) -> Result<Queries, InputError> {
        let mut bounds = vec![0];
        let mut codes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, &g) in group.iter().enumerate() {
            if codes.last() != Some(&g) {
                if !seen.insert(g) {
                    return Err(InputError::NotContiguous { row: i, group: g });
                }
                if i > 0 {
                    bounds.push(i);
                }
                codes.push(g);
            }
        }
        if !group.is_empty() {
            bounds.push(group.len());
        }
        Ok(Queries { bounds, codes })
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True without groups.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The rows of group `g`.
    pub fn rows(&self, g: usize) -> std::ops::Range<usize> {
        self.bounds[g]..self.bounds[g + 1]
    }

    /// The code of group `g`.
    pub fn code(&self, g: usize) -> u32 {
        self.codes[g]
    }

    /// Number of rows.
    pub fn total_rows(&self) -> usize {
        *self.bounds.last().unwrap_or(&0)
    }
}

/// One tie group of a sorted query: `len` items at positions `start..start+len` (0-based),
/// with total gain `gain` and `relevant` items of relevance > 0.
#[derive(Debug, Clone, Copy)]
struct Tie {
    start: usize,
    len: usize,
    gain: f64,
    relevant: usize,
}

/// `1 / log2(i + 2)`, computed as scikit-learn does (`1 / (log(i + 2) / log(2))`).
#[inline]
fn discount(i: usize) -> f64 {
    1.0 / (((i + 2) as f64).ln() / std::f64::consts::LN_2)
}

/// The tie groups of one query sorted by descending score.
fn ties(relevance: &[f64], score: &[f64]) -> Vec<Tie> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    // Descending score; NaN was refused. `total_cmp` orders -0.0 below 0.0, so compare
    // with `partial_cmp` semantics through `==` grouping below instead.
    order.sort_unstable_by(|&a, &b| {
        score[b]
            .partial_cmp(&score[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut out: Vec<Tie> = Vec::new();
    let mut last = f64::NAN;
    for (pos, &i) in order.iter().enumerate() {
        let s = score[i];
        if out.is_empty() || s != last {
            out.push(Tie {
                start: pos,
                len: 0,
                gain: 0.0,
                relevant: 0,
            });
            last = s;
        }
        let t = out.last_mut().expect("pushed above");
        t.len += 1;
        t.gain += relevance[i];
        t.relevant += usize::from(relevance[i] > 0.0);
    }
    out
}

/// NDCG@k of one query, scikit-learn's `_ndcg_sample_scores` with `ignore_ties=False`:
///
/// DCG@k = Σ_T (gain_T / |T|) · Σ_{p ∈ T, p < k} 1/log2(p + 2) over tie groups T (positions
/// p 0-based; linear gain = the relevance), IDCG@k = Σ_{p < k} rel₍p₎ / log2(p + 2) with
/// relevances sorted descending, NDCG = DCG / IDCG, and 0 when IDCG = 0 (all relevances 0).
/// k ≥ the group's size means all items. scikit-learn refuses a group of one item; the
/// formula gives 1 (relevant) or 0.
fn ndcg(relevance: &[f64], ties: &[Tie], k: usize) -> f64 {
    let mut dcg = 0.0;
    for t in ties {
        if t.start >= k {
            break;
        }
        let end = (t.start + t.len).min(k);
        let d: f64 = (t.start..end).map(discount).sum();
        dcg += t.gain / t.len as f64 * d;
    }
    let mut ideal: Vec<f64> = relevance.to_vec();
    ideal.sort_unstable_by(|a, b| b.total_cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(p, r)| r * discount(p))
        .sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Expected number of relevant items in the first `k` positions over the random orders of
/// ties: the groups entirely before `k` count exactly, the group straddling `k` counts
/// `(k − start) · relevant / len`.
fn expected_hits(ties: &[Tie], k: usize) -> f64 {
    let mut hits = 0.0;
    for t in ties {
        if t.start >= k {
            break;
        }
        let inside = (t.start + t.len).min(k) - t.start;
        hits += if inside == t.len {
            t.relevant as f64
        } else {
            inside as f64 * t.relevant as f64 / t.len as f64
        };
    }
    hits
}

/// Reciprocal rank of the first relevant item, expected over tie orders: with the first
/// tie group holding a relevant item starting after `s` items, of size m with a relevant
/// items, the first relevant item's position X within the group has
/// P(X > j) = C(m − j, a) / C(m, a), so E[1/(s + X)] = Σ_j P(X = j) / (s + j).
fn reciprocal_rank(ties: &[Tie]) -> Option<f64> {
    let t = ties.iter().find(|t| t.relevant > 0)?;
    let (m, a) = (t.len as f64, t.relevant as f64);
    let mut survive = 1.0; // P(X > j - 1)
    let mut rr = 0.0;
    for j in 1..=(t.len - t.relevant + 1) {
        let jf = j as f64;
        // P(X > j) = P(X > j−1) · (m − j + 1 − a) / (m − j + 1)
        let next = survive * (m - jf + 1.0 - a) / (m - jf + 1.0);
        rr += (survive - next) / (t.start as f64 + jf);
        survive = next;
    }
    Some(rr)
}

/// Average precision at k, expected over tie orders:
/// AP@k = (1 / min(k, R)) · Σ_{p < k} rel_p · (Σ_{q ≤ p} rel_q) / (p + 1), R the number of
/// relevant items. In tie group T (start s, size m, a relevant) position p has
/// E[rel_p] = a/m and E[rel_p · Σ_{q ≤ p} rel_q] = a/m · (1 + R_before) +
/// (p − s) · a(a − 1) / (m(m − 1)), R_before the relevant items of earlier groups.
/// Without ties and with k ≥ the group's size this is scikit-learn's
/// `average_precision_score(rel > 0, score)`.
fn average_precision(ties: &[Tie], k: usize) -> Option<f64> {
    let total: usize = ties.iter().map(|t| t.relevant).sum();
    if total == 0 {
        return None;
    }
    let mut sum = 0.0;
    let mut before = 0.0;
    for t in ties {
        if t.start >= k {
            break;
        }
        let (m, a) = (t.len as f64, t.relevant as f64);
        if t.relevant > 0 {
            let q = a / m;
            let pair = if t.len > 1 {
                a * (a - 1.0) / (m * (m - 1.0))
            } else {
                0.0
            };
            for p in t.start..(t.start + t.len).min(k) {
                sum += (q * (1.0 + before) + (p - t.start) as f64 * pair) / (p + 1) as f64;
            }
        }
        before += a;
    }
    Some(sum / k.min(total) as f64)
}

/// The value of `metric` on one query; `None` where it is undefined (no relevant item for
/// MAP, MRR, recall@k). Definitions (expectations over tie orders, see the module docs):
/// - `ndcg(k)`: see [`ndcg`]; scikit-learn's `ndcg_score([rel], [score], k=k)`;
/// - `map(k)`: see [`average_precision`]; the normaliser is min(k, R);
/// - `mrr`: see [`reciprocal_rank`];
/// - `recall_at_k(k)`: E[relevant items in the top k] / R;
/// - `precision_at_k(k)`: E[relevant items in the top k] / k (TREC's convention: a group of
///   fewer than k items cannot reach 1; 0 without relevant items).
fn group_value(metric: Metric, relevance: &[f64], ties: &[Tie]) -> Option<f64> {
    let k = metric.k().map_or(usize::MAX, |k| k as usize);
    let relevant: usize = ties.iter().map(|t| t.relevant).sum();
    match metric {
        Metric::Ndcg { .. } => Some(ndcg(relevance, ties, k)),
        Metric::Map { .. } => average_precision(ties, k),
        Metric::Mrr => reciprocal_rank(ties),
        Metric::RecallAtK { .. } => {
            (relevant > 0).then(|| expected_hits(ties, k) / relevant as f64)
        }
        Metric::PrecisionAtK { k } => Some(expected_hits(ties, k as usize) / f64::from(k)),
    }
}

/// Per-group values of a set of metrics, computed once; the mean over (reweighted) groups
/// is then O(groups): the point estimate and each bootstrap replicate.
#[derive(Debug, Clone)]
pub struct Prepared {
    metrics: Vec<Metric>,
    /// `values[m][g]`: metric m on group g, `None` = undefined.
    values: Vec<Vec<Option<f64>>>,
    weight: Option<Vec<f64>>,
}

impl Prepared {
    /// Validates the rows and computes every metric on every group (one sort per group).
    ///
    /// `relevance`, `score` per row, grouped by `queries`; `group_weight` one per group.
    pub fn new(
        queries: &Queries,
        relevance: &[f64],
        score: &[f64],
        group_weight: Option<&[f64]>,
        metrics: &[Metric],
    ) -> Result<Prepared, InputError> {
        let n = queries.total_rows();
        for (what, v) in [
            ("the relevance", relevance.len()),
            ("the scores", score.len()),
        ] {
            if v != n {
                return Err(InputError::Length {
                    what,
                    got: v,
                    expected: n,
                });
            }
        }
        if let Some(row) = relevance.iter().position(|r| !(r.is_finite() && *r >= 0.0)) {
            return Err(InputError::Relevance {
                row,
                value: relevance[row],
            });
        }
        if let Some(row) = score.iter().position(|s| s.is_nan()) {
            return Err(InputError::NanScore { row });
        }
        if let Some(w) = group_weight {
            if w.len() != queries.len() {
                return Err(InputError::Length {
                    what: "the group weights",
                    got: w.len(),
                    expected: queries.len(),
                });
            }
            if let Some(group) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(InputError::Weight {
                    group,
                    value: w[group],
                });
            }
        }
        if metrics.iter().any(|m| m.k() == Some(0)) {
            return Err(InputError::KZero);
        }
        let mut values = vec![Vec::with_capacity(queries.len()); metrics.len()];
        for g in 0..queries.len() {
            let rows = queries.rows(g);
            let (rel, sc) = (&relevance[rows.clone()], &score[rows]);
            let t = ties(rel, sc);
            for (j, &m) in metrics.iter().enumerate() {
                values[j].push(group_value(m, rel, &t));
            }
        }
        Ok(Prepared {
            metrics: metrics.to_vec(),
            values,
            weight: group_weight.map(<[f64]>::to_vec),
        })
    }

    /// The metrics, in evaluation order.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// The per-group values of metric `j` (`None` = undefined on that group).
    pub fn group_values(&self, j: usize) -> &[Option<f64>] {
        &self.values[j]
    }

    /// Metric `j` averaged over groups, each group weighted by its weight times
    /// `reweight(group)`: Σ w_g·v_g / Σ w_g. A group with multiplier 0 is left out (not in
    /// the replicate); a group in the mean whose value is undefined makes the mean
    /// [`Undefined::NoRelevant`]; zero total weight is `Empty`.
    pub fn evaluate<R: Fn(usize) -> f64>(&self, j: usize, reweight: R) -> Value {
        let (mut num, mut den) = (0.0, 0.0);
        let mut missing: Option<(usize, usize)> = None;
        for (g, v) in self.values[j].iter().enumerate() {
            let r = reweight(g);
            if r == 0.0 {
                continue;
            }
            match v {
                Some(v) => {
                    let w = r * self.weight.as_ref().map_or(1.0, |w| w[g]);
                    num += w * v;
                    den += w;
                }
                None => {
                    missing = Some(missing.map_or((g, 0), |(first, n)| (first, n + 1)));
                }
            }
        }
        if let Some((group, others)) = missing {
            return Err(Undefined::NoRelevant { group, others });
        }
        if den == 0.0 {
            Err(Undefined::Empty)
        } else {
            Ok(num / den)
        }
    }

    /// Every metric in [`LANES`] replicates: `counts(group)` gives the group's multiplier
    /// in each lane (the bootstrap resamples whole groups). `[metric][lane]`, each equal to
    /// [`Prepared::evaluate`] with that lane's multipliers. One pass over the groups for
    /// all metrics and lanes; a lane holding an undefined group is re-walked to name it.
    pub fn evaluate_lanes<C: Fn(usize) -> [u8; LANES]>(&self, counts: C) -> Vec<[Value; LANES]> {
        let width = self.metrics.len();
        let groups = self.values.first().map_or(0, Vec::len);
        let mut num = vec![[0.0f64; LANES]; width];
        let mut bad = vec![[false; LANES]; width];
        let mut den = [0.0f64; LANES];
        let mut c = Vec::with_capacity(groups);
        for g in 0..groups {
            let k = counts(g);
            c.push(k);
            if k == [0; LANES] {
                continue;
            }
            let w = self.weight.as_ref().map_or(1.0, |w| w[g]);
            let wl: [f64; LANES] = std::array::from_fn(|l| w * f64::from(k[l]));
            for l in 0..LANES {
                den[l] += wl[l];
            }
            for j in 0..width {
                match self.values[j][g] {
                    Some(v) => {
                        for l in 0..LANES {
                            num[j][l] += wl[l] * v;
                        }
                    }
                    None => {
                        for l in 0..LANES {
                            bad[j][l] |= k[l] != 0;
                        }
                    }
                }
            }
        }
        (0..width)
            .map(|j| {
                std::array::from_fn(|l| {
                    if bad[j][l] {
                        self.evaluate(j, |g| f64::from(c[g][l]))
                    } else if den[l] == 0.0 {
                        Err(Undefined::Empty)
                    } else {
                        Ok(num[j][l] / den[l])
                    }
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(metric: Metric, rel: &[f64], score: &[f64]) -> Option<f64> {
        group_value(metric, rel, &ties(rel, score))
    }

    #[test]
    fn textbook_values_without_ties() {
        let rel = [0.0, 1.0, 0.0, 1.0];
        let score = [0.9, 0.8, 0.7, 0.6];
        // relevant at ranks 2 and 4
        assert_eq!(one(Metric::Mrr, &rel, &score), Some(0.5));
        assert_eq!(
            one(Metric::Map { k: None }, &rel, &score),
            Some((0.5 + 0.5) / 2.0)
        );
        assert_eq!(one(Metric::PrecisionAtK { k: 2 }, &rel, &score), Some(0.5));
        assert_eq!(one(Metric::RecallAtK { k: 2 }, &rel, &score), Some(0.5));
        assert_eq!(one(Metric::PrecisionAtK { k: 10 }, &rel, &score), Some(0.2));
        let ndcg = one(Metric::Ndcg { k: None }, &rel, &score).unwrap();
        let expect = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg - expect).abs() < 1e-15);
    }

    #[test]
    fn ties_are_averaged() {
        // One relevant among 4 tied items: expected reciprocal rank (1+1/2+1/3+1/4)/4.
        let rel = [0.0, 0.0, 3.0, 0.0];
        let score = [1.0; 4];
        let rr = one(Metric::Mrr, &rel, &score).unwrap();
        assert!((rr - (1.0 + 0.5 + 1.0 / 3.0 + 0.25) / 4.0).abs() < 1e-15);
        assert_eq!(one(Metric::PrecisionAtK { k: 2 }, &rel, &score), Some(0.25));
        assert_eq!(one(Metric::RecallAtK { k: 2 }, &rel, &score), Some(0.5));
    }

    #[test]
    fn no_relevant_item() {
        let rel = [0.0, 0.0];
        let score = [0.3, 0.1];
        assert_eq!(one(Metric::Ndcg { k: Some(1) }, &rel, &score), Some(0.0));
        assert_eq!(one(Metric::PrecisionAtK { k: 1 }, &rel, &score), Some(0.0));
        assert_eq!(one(Metric::Mrr, &rel, &score), None);
        assert_eq!(one(Metric::Map { k: None }, &rel, &score), None);
        assert_eq!(one(Metric::RecallAtK { k: 1 }, &rel, &score), None);
        let q = Queries::new(&[7, 7, 3, 3, 5]).unwrap();
        let p = Prepared::new(
            &q,
            &[1.0, 0.0, 0.0, 0.0, 0.0],
            &[0.1, 0.2, 0.3, 0.4, 0.5],
            None,
            &[Metric::Mrr],
        )
        .unwrap();
        assert_eq!(
            p.evaluate(0, |_| 1.0),
            Err(Undefined::NoRelevant {
                group: 1,
                others: 1
            })
        );
        // A replicate without the empty groups is defined.
        assert_eq!(p.evaluate(0, |g| if g == 0 { 2.0 } else { 0.0 }), Ok(0.5));
    }

    #[test]
    fn input_errors() {
        assert_eq!(
            Queries::new(&[1, 1, 2, 1]),
            Err(InputError::NotContiguous { row: 3, group: 1 })
        );
        let q = Queries::new(&[1, 1]).unwrap();
        assert_eq!(
            Prepared::new(&q, &[1.0, -1.0], &[0.0, 0.0], None, &[Metric::Mrr]).err(),
            Some(InputError::Relevance {
                row: 1,
                value: -1.0
            })
        );
        assert_eq!(Metric::parse("ndcg(0)"), Err(InputError::KZero));
        assert_eq!(
            Metric::parse("ndcg(5)"),
            Ok(Some(Metric::Ndcg { k: Some(5) }))
        );
        assert_eq!(Metric::parse("mrr(5)"), Ok(None));
        assert_eq!(Metric::parse("recall_at_k"), Ok(None));
        for m in [
            Metric::Ndcg { k: None },
            Metric::Map { k: Some(3) },
            Metric::Mrr,
            Metric::RecallAtK { k: 2 },
            Metric::PrecisionAtK { k: 1 },
        ] {
            assert_eq!(Metric::parse(&m.name()), Ok(Some(m)));
        }
        assert!(Queries::new(&[]).unwrap().is_empty());
    }
}
