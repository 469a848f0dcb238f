//! The bootstrap of every metric that is a function of sums over rows — the thresholded
//! metrics (from the paired confusion table), log loss, Brier score, ECE and the counts —
//! without a pass over the rows per replicate.
//!
//! Rows fall into *cells*: `(group, label, each model's prediction at the threshold, each
//! model's ECE bin)`. A replicate of such a metric depends only on the cells' resampled
//! sums `S = Σ cᵢ·xᵢ` of the row vectors `xᵢ = wᵢ·(1, log lossᵢ, Brierᵢ, y − pᵢ per model)`
//! with Poisson(1) counts `cᵢ` (the Poisson bootstrap; frequency weights: a row's count
//! is Poisson(wᵢ) and `xᵢ` per unit weight). Per cell and replicate:
//!
//! - counts only, unweighted or frequency-weighted: the sum of independent Poisson counts
//!   is Poisson of the summed means, so `S ~ Poisson(Σ wᵢ)`, drawn exactly — the same
//!   distribution the row-level bootstrap has, at one draw per cell;
//! - a cell of at most [`SMALL`] rows: the rows' own counts (the row-level bootstrap);
//! - a larger cell: `S ~ N(Σ xᵢ, Σ xᵢxᵢᵀ)` (frequency: `Σ wᵢ x̃ᵢx̃ᵢᵀ`), the mean and
//!   covariance of the row-level sum, drawn through a Cholesky factor. A sum of more than
//!   `SMALL` independent terms is normal to well within the bootstrap's Monte Carlo error
//!   (Berry–Esseen); the coverage simulations in the test suite check the intervals.
//!
//! Each `(group, label)` stratum is then rescaled to its total weight (stratification), as
//! in the row-level pass.
// Lane and stratum loops index several parallel arrays by the same lane or label.
#![allow(clippy::needless_range_loop)]

use super::RowGroups;
use super::resample::{Batch, LANES, Stream, counts};
use crate::metrics::{Confusion, MetricId, Undefined, Value};

/// Cells with at most this many rows are resampled row by row.
pub const SMALL: usize = 1024;

/// Salt that keeps cell streams apart from row streams.
const CELL_SALT: u64 = 0x0C31_1500_0000_0000;

/// What the cells must hold for the metrics asked.
#[derive(Debug, Clone)]
pub struct CellPlan {
    /// The metrics, in output order (sum-based metrics and counts only).
    pub metrics: Vec<MetricId>,
    /// Thresholded metrics predict positive iff `score >= threshold`.
    pub threshold: f64,
    confusion: bool,
    log_loss: bool,
    brier: bool,
    /// ECE bin count (at most one per plan).
    bins: Option<u32>,
}

impl CellPlan {
    /// A plan for `metrics`; `None` if one is not sum-based, or two ECE bin counts differ
    /// (the caller splits such plans).
    pub fn new(metrics: Vec<MetricId>, threshold: f64) -> Option<CellPlan> {
        let mut plan = CellPlan {
            metrics,
            threshold,
            confusion: false,
            log_loss: false,
            brier: false,
            bins: None,
        };
        for m in &plan.metrics {
            match *m {
                MetricId::LogLoss => plan.log_loss = true,
                MetricId::Brier => plan.brier = true,
                MetricId::Ece { bins } => match plan.bins {
                    Some(b) if b != bins.max(1) => return None,
                    _ => plan.bins = Some(bins.max(1)),
                },
                MetricId::Rows | MetricId::Positives | MetricId::Prevalence => {}
                other if other.uses_threshold() => plan.confusion = true,
                _ => return None,
            }
        }
        Some(plan)
    }

    /// True for metrics this engine computes.
    pub fn handles(m: &MetricId) -> bool {
        m.uses_threshold()
            || matches!(
                m,
                MetricId::LogLoss
                    | MetricId::Brier
                    | MetricId::Ece { .. }
                    | MetricId::Rows
                    | MetricId::Positives
                    | MetricId::Prevalence
            )
    }
}

/// The rows, in original order, as the cells see them.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    /// Label per row.
    pub positive: &'a [bool],
    /// Sample weight per row, when weighted.
    pub weight: Option<&'a [f64]>,
    /// The weights count identical rows.
    pub frequency: bool,
    /// Scores per model (candidate first), per row.
    pub scores: &'a [&'a [f64]],
    /// Groups per row.
    pub groups: RowGroups<'a>,
}

/// The cells of one run: layout, sums and the rows of small cells.
pub struct Cells {
    plan: CellPlan,
    models: usize,
    groups: usize,
    /// Predictions per model (1 without thresholded metrics) and bins per model.
    preds: usize,
    bins: usize,
    /// Components per cell: weight, then per model log loss, Brier, residual.
    dims: usize,
    /// Per cell: draw kind.
    kind: Vec<Kind>,
    /// Per cell: Σ x (dims values).
    mean: Vec<f64>,
    /// Per cell: Cholesky factor (dims², lower), for normal cells.
    chol: Vec<f64>,
    /// Rows of small cells, CSR: `rows[start[c]..start[c + 1]]`.
    start: Vec<usize>,
    rows: Vec<u32>,
    /// Component vector per unit count (dims values) of each row in `rows`.
    x: Vec<f64>,
    /// Total weight per stratum `2·group + label`.
    total: Vec<f64>,
    frequency: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Empty,
    Poisson,
    Rows,
    Normal,
}

impl Cells {
    /// Sorts the rows into cells and prepares every cell's draw.
    pub fn new(plan: CellPlan, data: Rows<'_>) -> Cells {
        let models = data.scores.len();
        let groups = data.groups.count;
        let preds = if plan.confusion { 1 << models } else { 1 };
        let bins_per = plan.bins.unwrap_or(1) as usize;
        let bins = bins_per.pow(models as u32);
        let per_model =
            usize::from(plan.log_loss) + usize::from(plan.brier) + usize::from(plan.bins.is_some());
        let dims = 1 + models * per_model;
        let n_cells = groups * 2 * preds * bins;
        let weighted = data.weight.is_some() && !data.frequency;
        let n = data.positive.len();

        // Cell of every row and its component vector per unit count.
        // A row's cell and its component vector per unit count.
        let describe = |r: usize, xr: &mut [f64]| -> usize {
            let y = data.positive[r];
            let g = data.groups.codes.map_or(0, |c| c[r] as usize);
            let (mut pred, mut bin) = (0usize, 0usize);
            xr[0] = 1.0;
            let mut j = 1;
            for (m, s) in data.scores.iter().enumerate() {
                let p = s[r];
                if plan.confusion && crate::metrics::predicted_positive(p, plan.threshold) {
                    pred |= 1 << m;
                }
                if plan.log_loss {
                    xr[j] = crate::metrics::log_loss_row(p, y);
                    j += 1;
                }
                if plan.brier {
                    xr[j] = crate::metrics::brier_row(p, y);
                    j += 1;
                }
                if let Some(b) = plan.bins {
                    bin = bin * bins_per + crate::metrics::ece_bin(p, b);
                    xr[j] = f64::from(u8::from(y)) - p;
                    j += 1;
                }
            }
            if weighted {
                let w = data.weight.map_or(1.0, |w| w[r]);
                xr.iter_mut().for_each(|v| *v *= w);
            }
            ((2 * g + usize::from(y)) * preds + pred) * bins + bin
        };

        // Sums, second moments and sizes per cell.
        let mut cell_of: Vec<u32> = Vec::with_capacity(n);
        let mut total = vec![0.0; 2 * groups];
        let mut size = vec![0usize; n_cells];
        let mut mean = vec![0.0; n_cells * dims];
        let mut second = vec![0.0; n_cells * dims * dims];
        let mut xr = vec![0.0; dims];
        for r in 0..n {
            let c = describe(r, &mut xr);
            cell_of.push(c as u32);
            let w = data.weight.map_or(1.0, |w| w[r]);
            total[2 * data.groups.codes.map_or(0, |g| g[r] as usize)
                + usize::from(data.positive[r])] += w;
            size[c] += 1;
            // Frequency: mean w·x̃, covariance w·x̃x̃ᵀ; otherwise x and xxᵀ.
            let f = if data.frequency { w } else { 1.0 };
            for i in 0..dims {
                mean[c * dims + i] += f * xr[i];
                for k in 0..=i {
                    second[(c * dims + i) * dims + k] += f * xr[i] * xr[k];
                }
            }
        }
        let count_only = dims == 1 && !weighted;
        let kind: Vec<Kind> = size
            .iter()
            .map(|&s| match s {
                0 => Kind::Empty,
                _ if count_only => Kind::Poisson,
                s if s <= SMALL => Kind::Rows,
                _ => Kind::Normal,
            })
            .collect();
        let mut chol = vec![0.0; n_cells * dims * dims];
        for c in 0..n_cells {
            if kind[c] == Kind::Normal {
                cholesky(
                    &second[c * dims * dims..(c + 1) * dims * dims],
                    &mut chol[c * dims * dims..(c + 1) * dims * dims],
                    dims,
                );
            }
        }
        let mut start = vec![0usize; n_cells + 1];
        for c in 0..n_cells {
            start[c + 1] = start[c] + if kind[c] == Kind::Rows { size[c] } else { 0 };
        }
        let mut fill = start.clone();
        let mut rows = vec![0u32; start[n_cells]];
        let mut x = vec![0.0; start[n_cells] * dims];
        for (r, &c) in cell_of.iter().enumerate() {
            let c = c as usize;
            if kind[c] == Kind::Rows {
                rows[fill[c]] = r as u32;
                describe(r, &mut x[fill[c] * dims..(fill[c] + 1) * dims]);
                fill[c] += 1;
            }
        }
        Cells {
            plan,
            models,
            groups,
            preds,
            bins,
            dims,
            kind,
            mean,
            chol,
            start,
            rows,
            x,
            total,
            frequency: data.frequency && data.weight.is_some(),
        }
    }

    /// Number of metrics.
    pub fn width(&self) -> usize {
        self.plan.metrics.len()
    }

    /// One batch of replicates: every metric for every model and group, in
    /// `out[((model · groups + group) · width + metric) · LANES + lane]` (NaN = undefined),
    /// and the groups whose strata collapsed in each lane.
    pub fn replicate(&self, key: u64, weight: Option<&[f64]>, out: &mut Batch) {
        let (dims, n_cells) = (self.dims, self.kind.len());
        let mut s = vec![0.0; n_cells * dims * LANES];
        for c in 0..n_cells {
            let sc = &mut s[c * dims * LANES..(c + 1) * dims * LANES];
            match self.kind[c] {
                Kind::Empty => {}
                Kind::Poisson => {
                    for (l, v) in sc.iter_mut().enumerate().take(LANES) {
                        *v = Stream::new(key, l, CELL_SALT ^ c as u64).poisson(self.mean[c * dims]);
                    }
                }
                Kind::Rows => {
                    for at in self.start[c]..self.start[c + 1] {
                        let r = self.rows[at];
                        let xr = &self.x[at * dims..(at + 1) * dims];
                        let cnt: [f64; LANES] = if self.frequency {
                            let w = weight.map_or(1.0, |w| w[r as usize]);
                            std::array::from_fn(|l| Stream::new(key, l, u64::from(r)).poisson(w))
                        } else {
                            counts(key, r).map(f64::from)
                        };
                        for (i, &xi) in xr.iter().enumerate() {
                            for l in 0..LANES {
                                sc[i * LANES + l] += cnt[l] * xi;
                            }
                        }
                    }
                }
                Kind::Normal => {
                    let l_fac = &self.chol[c * dims * dims..(c + 1) * dims * dims];
                    for l in 0..LANES {
                        let mut st = Stream::new(key, l, CELL_SALT ^ c as u64);
                        let z: Vec<f64> = (0..dims).map(|_| st.normal()).collect();
                        for i in 0..dims {
                            let dz: f64 = (0..=i).map(|k| l_fac[i * dims + k] * z[k]).sum();
                            sc[i * LANES + l] = self.mean[c * dims + i] + dz;
                        }
                        sc[l] = sc[l].max(0.0);
                    }
                }
            }
        }
        self.values(&s, out);
    }

    /// Metric values of one batch from the cells' resampled sums.
    fn values(&self, s: &[f64], out: &mut Batch) {
        let (dims, preds, bins) = (self.dims, self.preds, self.bins);
        let per_model = (dims - 1) / self.models;
        let cells_per_stratum = preds * bins;
        let bins_per = self.plan.bins.unwrap_or(1) as usize;
        for g in 0..self.groups {
            for l in 0..LANES {
                // Stratum scales of this lane.
                let mut scale = [0.0; 2];
                let mut collapsed = false;
                for y in 0..2 {
                    let st = 2 * g + y;
                    let got: f64 = (0..cells_per_stratum)
                        .map(|k| s[((st * cells_per_stratum + k) * dims) * LANES + l])
                        .sum();
                    let want = self.total[st];
                    if got > 0.0 {
                        scale[y] = want / got;
                    } else {
                        collapsed |= want > 0.0;
                    }
                }
                if collapsed {
                    out.collapse(g, l);
                }
                for m in 0..self.models {
                    let mut conf = Confusion::default();
                    let (mut ll, mut br) = (0.0, 0.0);
                    let mut resid = vec![0.0; bins_per];
                    for y in 0..2 {
                        let st = 2 * g + y;
                        for pred in 0..preds {
                            for bin in 0..bins {
                                let c = (st * preds + pred) * bins + bin;
                                let at = |i: usize| s[(c * dims + i) * LANES + l] * scale[y];
                                let w = at(0);
                                let predicted = (pred >> m) & 1 == 1;
                                match (y == 1, predicted) {
                                    (true, true) => conf.tp += w,
                                    (true, false) => conf.fn_ += w,
                                    (false, true) => conf.fp += w,
                                    (false, false) => conf.tn += w,
                                }
                                let mut j = 1 + m * per_model;
                                if self.plan.log_loss {
                                    ll += at(j);
                                    j += 1;
                                }
                                if self.plan.brier {
                                    br += at(j);
                                    j += 1;
                                }
                                if self.plan.bins.is_some() {
                                    // The model's own bin: digit m (from the left) of `bin`.
                                    let own = (bin / bins_per.pow((self.models - 1 - m) as u32))
                                        % bins_per;
                                    resid[own] += at(j);
                                }
                            }
                        }
                    }
                    let total = self.total[2 * g] + self.total[2 * g + 1];
                    let p = self.total[2 * g + 1];
                    for (k, metric) in self.plan.metrics.iter().enumerate() {
                        let v: Value = if total == 0.0 {
                            Err(Undefined::Empty)
                        } else {
                            match metric {
                                MetricId::LogLoss => Ok(ll / total),
                                MetricId::Brier => Ok(br / total),
                                MetricId::Ece { .. } => {
                                    Ok(resid.iter().map(|r| r.abs()).sum::<f64>() / total)
                                }
                                MetricId::Rows => Ok(total),
                                MetricId::Positives => Ok(p),
                                MetricId::Prevalence => Ok(p / total),
                                other => conf.metric(other).unwrap_or(Err(Undefined::Empty)),
                            }
                        };
                        out.set(m, g, k, l, v);
                    }
                }
            }
        }
    }
}

/// Lower Cholesky factor of the symmetric matrix whose lower triangle is `a` (`n × n`,
/// row-major); a pivot that is not positive (a degenerate direction) gets a zero column.
fn cholesky(a: &[f64], out: &mut [f64], n: usize) {
    for j in 0..n {
        let d = a[j * n + j] - (0..j).map(|k| out[j * n + k].powi(2)).sum::<f64>();
        if d <= 1e-12 * a[j * n + j].abs() || d <= 0.0 {
            continue;
        }
        let root = d.sqrt();
        out[j * n + j] = root;
        for i in j + 1..n {
            let v = a[i * n + j] - (0..j).map(|k| out[i * n + k] * out[j * n + k]).sum::<f64>();
            out[i * n + j] = v / root;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix() {
        // A = L Lᵀ with L = [[2,0,0],[1,3,0],[0.5,-1,1]].
        let l = [2.0, 0.0, 0.0, 1.0, 3.0, 0.0, 0.5, -1.0, 1.0];
        let mut a = [0.0; 9];
        for i in 0..3 {
            for k in 0..3 {
                a[i * 3 + k] = (0..3).map(|j| l[i * 3 + j] * l[k * 3 + j]).sum();
            }
        }
        let mut out = [0.0; 9];
        cholesky(&a, &mut out, 3);
        for (x, y) in out.iter().zip(&l) {
            assert!((x - y).abs() < 1e-12, "{out:?}");
        }
        // A rank-one matrix: the degenerate direction gets a zero column, no NaN.
        let mut out = [0.0; 4];
        cholesky(&[1.0, 1.0, 1.0, 1.0], &mut out, 2);
        assert_eq!(out, [1.0, 0.0, 1.0, 0.0]);
    }
}
