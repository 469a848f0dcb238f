//! Regression metrics: a numeric target and a numeric prediction per row, values equal to
//! scikit-learn's (`sklearn.metrics`, 1.9) to 1e-9.
//!
//! One evaluation is two streaming passes over the rows in file order (per group: the
//! weight, the target's and the error's weighted sums, then the sums of squares around
//! those means) plus, only when `median_absolute_error` is asked for, two walks over the
//! rows sorted once per model by absolute error ([`ByError`]). Every metric of every group
//! (slice) comes out of those passes at once. The same evaluation, with a per-row
//! multiplier, serves the paired bootstrap (`stats::resample_rows`): the point estimate is
//! the multiplier 1.
//!
//! Notation: `y` the target, `p` the prediction, `e = y − p`, `v = w·m` the row's sample
//! weight `w` (1 unweighted) times its multiplier `m` (1 for the point estimate, a
//! bootstrap count otherwise), `W = Σ v`, and `avg(x) = Σ v·x / W` (numpy's `average`).
//! Where scikit-learn raises or returns NaN the value is `Err`:
//! - `W = 0` (no rows, or zero total weight): every metric `Err(Empty)` except `max_error`,
//!   which ignores weights (below);
//! - `r2` on fewer than two rows: `Err(TooFew)` (scikit-learn warns and returns NaN);
//! - a result that is not finite (squares of errors beyond 1e154 overflow): `Err(NotFinite)`.

use super::{MetricId, Table, Undefined, Value};

/// `np.finfo(np.float64).eps`: the floor of `|y|` in `mape` and the tie tolerance of
/// scikit-learn's weighted percentile.
pub const EPS: f64 = f64::EPSILON;

/// One model's rows: the target, the prediction and the sample weight, in file order.
#[derive(Debug, Clone, Copy)]
pub struct RegressionRows<'a> {
    /// The target `y` per row (finite).
    pub target: &'a [f64],
    /// The prediction `p` per row (finite).
    pub prediction: &'a [f64],
    /// The sample weight per row (finite, `>= 0`), when the data are weighted.
    pub weight: Option<&'a [f64]>,
}

/// The rows sorted by absolute error `|p − y|`, ascending (ties in row order): the one sort
/// of a model's rows, needed only by `median_absolute_error`.
#[derive(Debug, Clone)]
pub struct ByError {
    /// `|p − y|`, ascending.
    pub abs: Vec<f64>,
    /// The original row of each sorted position.
    pub row: Vec<u32>,
}

impl ByError {
    /// Sorts `rows` by absolute error (one `O(n log n)` sort).
    pub fn new(rows: &RegressionRows<'_>) -> ByError {
        let mut pairs: Vec<(f64, u32)> = rows
            .target
            .iter()
            .zip(rows.prediction)
            .enumerate()
            .map(|(i, (y, p))| ((p - y).abs(), i as u32))
            .collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        ByError {
            abs: pairs.iter().map(|x| x.0).collect(),
            row: pairs.iter().map(|x| x.1).collect(),
        }
    }
}

/// True when the metric needs [`ByError`].
pub fn needs_sort(metrics: &[MetricId]) -> bool {
    metrics.contains(&MetricId::MedianAbsoluteError)
}

/// The per-row loss of a mean-loss metric, `None` for the others: the metric is then
/// `avg(loss)`, and a paired interval on the difference of two models' values is an
/// interval on the mean of the per-row loss differences (`stats::paired_mean`).
///
/// - `mae`: `|p − y|`
/// - `mse`: `(p − y)²`
/// - `mape`: `|p − y| / max(|y|, ε)`, `ε = 2.22e-16`
/// - `pinball(q)`: `q·e` if `e >= 0`, else `−(1 − q)·e`, `e = y − p`
#[inline]
pub fn row_loss(metric: MetricId, y: f64, p: f64) -> Option<f64> {
    match metric {
        MetricId::Mae => Some((p - y).abs()),
        MetricId::Mse => Some((y - p) * (y - p)),
        MetricId::Mape => Some((p - y).abs() / y.abs().max(EPS)),
        MetricId::Pinball(q) => Some(pinball_row(q, y, p)),
        _ => None,
    }
}

/// scikit-learn's `mean_pinball_loss` per row: `alpha·sign·diff − (1 − alpha)·(1 − sign)·diff`
/// with `diff = y − p` and `sign = diff >= 0`.
#[inline]
fn pinball_row(q: f64, y: f64, p: f64) -> f64 {
    let d = y - p;
    if d >= 0.0 { q * d } else { -(1.0 - q) * d }
}

/// Per-group sums of the first pass.
#[derive(Debug, Clone, Copy, Default)]
struct First {
    w: f64,
    wy: f64,
    we: f64,
    /// Rows with a multiplier > 0 (file rows, whatever their weight).
    present: u64,
    /// Largest `|e|` over the present rows.
    max_abs: f64,
}

/// Per-group sums of the second pass.
#[derive(Debug, Clone, Default)]
struct Second {
    sse: f64,
    sae: f64,
    sst: f64,
    sve: f64,
    sape: f64,
    /// One sum per pinball metric of the plan, in plan order.
    pinball: Vec<f64>,
}

/// Computes every metric of `metrics` for every group, the row's weight multiplied by
/// `multiplier(row)` (finite, `>= 0`; `|_| 1.0` for the point estimates).
///
/// `codes`: the group of each row (file order), every code `< count`; `None` = one group.
/// `sorted` must be given when `metrics` holds `median_absolute_error` ([`needs_sort`]).
/// `Table::rows` counts the present rows (multiplier > 0) of each group, `positives` is 0
/// and `weight_sums[g]` is `(0, W)`, so [`super::frequency_counts`] turns rows into the
/// rows frequency weights stand for.
///
/// # Panics
/// If `codes` or `multiplier`'s rows do not cover the rows, a code is `>= count`, or the
/// median is asked for without `sorted` (programming errors, not user input).
pub fn evaluate<M: Fn(u32) -> f64>(
    rows: &RegressionRows<'_>,
    sorted: Option<&ByError>,
    codes: Option<&[u32]>,
    count: usize,
    metrics: &[MetricId],
    multiplier: M,
) -> Table {
    let n = rows.target.len();
    assert_eq!(rows.prediction.len(), n, "one prediction per target");
    if let Some(c) = codes {
        assert_eq!(c.len(), n, "one group code per row");
    }
    let group = |i: usize| codes.map_or(0, |c| c[i] as usize);
    let weight = |i: usize| rows.weight.map_or(1.0, |w| w[i]);
    let pinballs: Vec<f64> = metrics
        .iter()
        .filter_map(|m| match m {
            MetricId::Pinball(q) => Some(*q),
            _ => None,
        })
        .collect();

    // Pass 1: weights, means and the largest error.
    let mut first = vec![First::default(); count];
    for i in 0..n {
        let m = multiplier(i as u32);
        if m <= 0.0 {
            continue;
        }
        let (y, p) = (rows.target[i], rows.prediction[i]);
        let v = weight(i) * m;
        let f = &mut first[group(i)];
        f.w += v;
        f.wy += v * y;
        f.we += v * (y - p);
        f.present += 1;
        f.max_abs = f.max_abs.max((y - p).abs());
    }
    // Pass 2: sums around the means.
    let mut second = vec![
        Second {
            pinball: vec![0.0; pinballs.len()],
            ..Second::default()
        };
        count
    ];
    let means: Vec<(f64, f64)> = first
        .iter()
        .map(|f| {
            if f.w > 0.0 {
                (f.wy / f.w, f.we / f.w)
            } else {
                (0.0, 0.0)
            }
        })
        .collect();
    for i in 0..n {
        let m = multiplier(i as u32);
        if m <= 0.0 {
            continue;
        }
        let (y, p) = (rows.target[i], rows.prediction[i]);
        let v = weight(i) * m;
        let g = group(i);
        let (ybar, ebar) = means[g];
        let s = &mut second[g];
        let e = y - p;
        s.sse += v * (e * e);
        s.sae += v * (p - y).abs();
        s.sst += v * ((y - ybar) * (y - ybar));
        s.sve += v * ((e - ebar) * (e - ebar));
        s.sape += v * ((p - y).abs() / y.abs().max(EPS));
        for (k, q) in pinballs.iter().enumerate() {
            s.pinball[k] += v * pinball_row(*q, y, p);
        }
    }
    let medians = if needs_sort(metrics) {
        let sorted = sorted.expect("median_absolute_error needs the rows sorted by error");
        Some(weighted_medians(
            sorted,
            &group,
            &weight,
            &multiplier,
            count,
            rows.weight.is_some(),
        ))
    } else {
        None
    };

    let width = metrics.len();
    let mut values = Vec::with_capacity(count * width);
    for g in 0..count {
        let f = &first[g];
        let s = &second[g];
        let mut pin = 0;
        for m in metrics {
            let v = value(*m, f, s, medians.as_ref().map(|x| x[g]), &mut pin);
            values.push(v);
        }
    }
    Table {
        width,
        values,
        rows: first.iter().map(|f| f.present).collect(),
        positives: vec![0; count],
        weight_sums: first.iter().map(|f| (0.0, f.w)).collect(),
    }
}

fn finite(x: f64) -> Value {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Undefined::NotFinite)
    }
}

/// scikit-learn's `_assemble_r2_explained_variance` with `force_finite=True`: 1 when the
/// numerator is 0 (perfect predictions, even of a constant target), 0 when only the
/// denominator is (a constant target predicted imperfectly), else `1 − num/den`.
fn force_finite(num: f64, den: f64) -> Value {
    if num == 0.0 {
        Ok(1.0)
    } else if den == 0.0 {
        Ok(0.0)
    } else {
        finite(1.0 - num / den)
    }
}

fn value(m: MetricId, f: &First, s: &Second, median: Option<Value>, pin: &mut usize) -> Value {
    use MetricId::*;
    if let MaxError = m {
        return if f.present == 0 {
            Err(Undefined::Empty)
        } else {
            finite(f.max_abs)
        };
    }
    if f.w <= 0.0 {
        if let Pinball(_) = m {
            *pin += 1;
        }
        return Err(Undefined::Empty);
    }
    match m {
        Rows => Ok(f.w),
        Mae => finite(s.sae / f.w),
        Mse => finite(s.sse / f.w),
        Rmse => finite((s.sse / f.w).sqrt()),
        Mape => finite(s.sape / f.w),
        Pinball(_) => {
            let k = *pin;
            *pin += 1;
            finite(s.pinball[k] / f.w)
        }
        R2 => {
            if f.present < 2 {
                Err(Undefined::TooFew)
            } else {
                force_finite(s.sse, s.sst)
            }
        }
        ExplainedVariance => force_finite(s.sve / f.w, s.sst / f.w),
        MedianAbsoluteError => median.unwrap_or(Err(Undefined::Empty)),
        // Not a regression metric: config validation keeps these out of regression plans.
        _ => Err(Undefined::Empty),
    }
}

/// Per group, scikit-learn's median of the absolute errors: `np.median` without weights,
/// `_weighted_percentile(|e|, w, 50, average=True)` with them (numpy's
/// "averaged_inverted_cdf": with `cdf` the running weight over the errors in ascending
/// order and `t = W/2`, the first error whose `cdf >= t`; when `cdf − t <= ε` the mean of
/// it and the next error of positive weight). Both give the same value for unit weights
/// and for whole-number weights (the median of the expanded rows), so one walk serves the
/// point estimate and every bootstrap replicate; `weighted` is kept for the documentation
/// of which scikit-learn path the value equals.
fn weighted_medians<G: Fn(usize) -> usize, W: Fn(usize) -> f64, M: Fn(u32) -> f64>(
    sorted: &ByError,
    group: &G,
    weight: &W,
    multiplier: &M,
    count: usize,
    _weighted: bool,
) -> Vec<Value> {
    // Walk 1: the total weight per group in sorted order (numpy's `cumsum(...)[-1]`).
    let mut total = vec![0.0; count];
    for &r in &sorted.row {
        let m = multiplier(r);
        if m > 0.0 {
            total[group(r as usize)] += weight(r as usize) * m;
        }
    }
    #[derive(Clone, Copy)]
    enum State {
        Searching,
        /// Found at an exact tie with `cdf`: wait for the next error of positive weight.
        NeedNext(f64, f64),
        Done(f64),
    }
    let mut state = vec![State::Searching; count];
    let mut cdf = vec![0.0; count];
    for (k, &r) in sorted.row.iter().enumerate() {
        let m = multiplier(r);
        if m <= 0.0 {
            continue;
        }
        let g = group(r as usize);
        let v = weight(r as usize) * m;
        let x = sorted.abs[k];
        match state[g] {
            State::Done(_) => {}
            State::Searching => {
                cdf[g] += v;
                let t = 0.5 * total[g];
                if total[g] > 0.0 && cdf[g] >= t {
                    state[g] = if cdf[g] - t > EPS {
                        State::Done(x)
                    } else {
                        State::NeedNext(x, cdf[g])
                    };
                }
            }
            State::NeedNext(at, c) => {
                cdf[g] += v;
                if cdf[g] > c {
                    state[g] = State::Done((at + x) / 2.0);
                }
            }
        }
    }
    state
        .into_iter()
        .zip(&total)
        .map(|(s, &t)| match s {
            _ if t <= 0.0 => Err(Undefined::Empty),
            State::Done(x) | State::NeedNext(x, _) => finite(x),
            State::Searching => Err(Undefined::Empty),
        })
        .collect()
}

/// Per group, the sums of one batch pass ([`evaluate_lanes`]), one slot per lane (structure
/// of arrays, so the lane loops vectorise), around fixed centres so that the one-pass
/// variances keep their digits.
#[derive(Debug, Clone, Copy, Default)]
struct LaneSums {
    w: [f64; super::LANES],
    /// `Σ v (y − cy)`, `Σ v (y − cy)²`.
    sy: [f64; super::LANES],
    syy: [f64; super::LANES],
    /// `Σ v (e − ce)`, `Σ v (e − ce)²`, `Σ v e²`.
    se: [f64; super::LANES],
    see: [f64; super::LANES],
    se2: [f64; super::LANES],
    sae: [f64; super::LANES],
    sape: [f64; super::LANES],
    present: [u64; super::LANES],
    max_abs: [f64; super::LANES],
}

/// Which sums a plan needs (the others are skipped in the pass).
#[derive(Debug, Clone, Copy)]
struct Needs {
    y: bool,
    e: bool,
    ae: bool,
    ape: bool,
}

/// [`evaluate`] for the [`LANES`](super::LANES) replicates of one bootstrap batch at once:
/// `counts[row][lane]` is the row's multiplier in each replicate. Metrics that are functions
/// of sums (every regression metric but `median_absolute_error`) take **one** pass over the
/// rows for all lanes, with the variances of `r2` and `explained_variance` as
/// `Σv(x − c)² − W(x̄ − c)²` around the data's means `c` (so no cancellation); with the
/// median in the plan each lane is a full [`evaluate`]. Values agree with [`evaluate`] with
/// the same multipliers to rounding (tested).
// Lane loops index several parallel sum arrays by the same lane.
#[allow(clippy::needless_range_loop)]
pub fn evaluate_lanes(
    rows: &RegressionRows<'_>,
    sorted: Option<&ByError>,
    codes: Option<&[u32]>,
    count: usize,
    metrics: &[MetricId],
    counts: &[[u8; super::LANES]],
) -> Vec<Vec<Value>> {
    const L: usize = super::LANES;
    if needs_sort(metrics) {
        return (0..L)
            .map(|l| {
                evaluate(rows, sorted, codes, count, metrics, |r| {
                    f64::from(counts[r as usize][l])
                })
                .values
            })
            .collect();
    }
    use MetricId::*;
    let needs = Needs {
        y: metrics.iter().any(|m| matches!(m, R2 | ExplainedVariance)),
        e: metrics.contains(&ExplainedVariance),
        ae: metrics.iter().any(|m| matches!(m, Mae | MaxError)),
        ape: metrics.contains(&Mape),
    };
    let n = rows.target.len();
    // Centres: the unweighted means of the target and the error over all rows.
    let (cy, ce) = if n == 0 {
        (0.0, 0.0)
    } else {
        let (sy, se) = rows
            .target
            .iter()
            .zip(rows.prediction)
            .fold((0.0, 0.0), |(a, b), (y, p)| (a + y, b + (y - p)));
        (sy / n as f64, se / n as f64)
    };
    let pinballs: Vec<f64> = metrics
        .iter()
        .filter_map(|m| match m {
            Pinball(q) => Some(*q),
            _ => None,
        })
        .collect();
    let mut sums = vec![LaneSums::default(); count];
    let mut pin = vec![[0.0f64; L]; count * pinballs.len().max(1)];
    for i in 0..n {
        let c = &counts[i];
        let (y, p) = (rows.target[i], rows.prediction[i]);
        let w = rows.weight.map_or(1.0, |w| w[i]);
        let g = codes.map_or(0, |c| c[i] as usize);
        let e = y - p;
        let v: [f64; L] = std::array::from_fn(|l| w * f64::from(c[l]));
        let a = &mut sums[g];
        for l in 0..L {
            a.w[l] += v[l];
            a.se2[l] += v[l] * (e * e);
            a.present[l] += u64::from(c[l] > 0);
        }
        if needs.y {
            let dy = y - cy;
            for l in 0..L {
                a.sy[l] += v[l] * dy;
                a.syy[l] += v[l] * (dy * dy);
            }
        }
        if needs.e {
            let de = e - ce;
            for l in 0..L {
                a.se[l] += v[l] * de;
                a.see[l] += v[l] * (de * de);
            }
        }
        if needs.ae {
            let ae = (p - y).abs();
            for l in 0..L {
                a.sae[l] += v[l] * ae;
                let m = if c[l] > 0 { ae } else { 0.0 };
                a.max_abs[l] = a.max_abs[l].max(m);
            }
        }
        if needs.ape {
            let ape = (p - y).abs() / y.abs().max(EPS);
            for l in 0..L {
                a.sape[l] += v[l] * ape;
            }
        }
        for (k, q) in pinballs.iter().enumerate() {
            let loss = pinball_row(*q, y, p);
            let slot = &mut pin[g * pinballs.len() + k];
            for l in 0..L {
                slot[l] += v[l] * loss;
            }
        }
    }
    (0..L)
        .map(|l| {
            let mut out = Vec::with_capacity(count * metrics.len());
            for (g, a) in sums.iter().enumerate() {
                let mut k = 0;
                for m in metrics {
                    out.push(lane_value(*m, a, &pin, g, pinballs.len(), &mut k, l));
                }
            }
            out
        })
        .collect()
}

/// A centred sum of squares `Σv(x − c)² − (Σv(x − c))²/W`, 0 when rounding leaves only
/// noise (a constant target), so `force_finite` sees the exact zero scikit-learn would.
fn centred(ss: f64, s: f64, w: f64) -> f64 {
    let v = ss - s * s / w;
    if v <= 1e-12 * ss.abs() { 0.0 } else { v }
}

fn lane_value(
    m: MetricId,
    a: &LaneSums,
    pin: &[[f64; super::LANES]],
    g: usize,
    pins: usize,
    k: &mut usize,
    l: usize,
) -> Value {
    use MetricId::*;
    let w = a.w[l];
    if let MaxError = m {
        return if a.present[l] == 0 {
            Err(Undefined::Empty)
        } else {
            finite(a.max_abs[l])
        };
    }
    if let Pinball(_) = m {
        let slot = g * pins + *k;
        *k += 1;
        return if w <= 0.0 {
            Err(Undefined::Empty)
        } else {
            finite(pin[slot][l] / w)
        };
    }
    if w <= 0.0 {
        return Err(Undefined::Empty);
    }
    match m {
        Rows => Ok(w),
        Mae => finite(a.sae[l] / w),
        Mse => finite(a.se2[l] / w),
        Rmse => finite((a.se2[l] / w).sqrt()),
        Mape => finite(a.sape[l] / w),
        R2 => {
            if a.present[l] < 2 {
                Err(Undefined::TooFew)
            } else {
                force_finite(a.se2[l], centred(a.syy[l], a.sy[l], w))
            }
        }
        ExplainedVariance => force_finite(
            centred(a.see[l], a.se[l], w) / w,
            centred(a.syy[l], a.sy[l], w) / w,
        ),
        _ => Err(Undefined::Empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(y: &[f64], p: &[f64], w: Option<&[f64]>, metrics: &[MetricId]) -> Vec<Value> {
        let rows = RegressionRows {
            target: y,
            prediction: p,
            weight: w,
        };
        let sorted = ByError::new(&rows);
        evaluate(&rows, Some(&sorted), None, 1, metrics, |_| 1.0).values
    }

    #[test]
    fn sklearn_docstring_examples() {
        use MetricId::*;
        let y = [3.0, -0.5, 2.0, 7.0];
        let p = [2.5, 0.0, 2.0, 8.0];
        let v = eval(
            &y,
            &p,
            None,
            &[
                Mae,
                Mse,
                R2,
                ExplainedVariance,
                MedianAbsoluteError,
                MaxError,
            ],
        );
        let want = [
            0.5,
            0.375,
            0.948_608_137_044_967_9,
            0.957_173_447_537_473_2,
            0.5,
            1.0,
        ];
        for (got, want) in v.iter().zip(want) {
            assert!((got.unwrap() - want).abs() < 1e-12, "{got:?} vs {want}");
        }
    }

    #[test]
    fn constant_target_follows_force_finite() {
        use MetricId::*;
        let y = [-2.0, -2.0, -2.0];
        assert_eq!(
            eval(&y, &y, None, &[R2, ExplainedVariance]),
            [Ok(1.0), Ok(1.0)]
        );
        let p = [-2.0, -2.0, -2.0 + 1e-8];
        assert_eq!(
            eval(&y, &p, None, &[R2, ExplainedVariance]),
            [Ok(0.0), Ok(0.0)]
        );
        assert_eq!(eval(&[1.0], &[2.0], None, &[R2]), [Err(Undefined::TooFew)]);
    }

    #[test]
    fn zero_weight_is_empty_but_max_error_ignores_weights() {
        use MetricId::*;
        let v = eval(
            &[1.0, 2.0],
            &[0.0, 0.0],
            Some(&[0.0, 0.0]),
            &[Mae, MaxError],
        );
        assert_eq!(v, [Err(Undefined::Empty), Ok(2.0)]);
    }

    #[test]
    fn weighted_median_matches_sklearn_averaged_inverted_cdf() {
        // sklearn 1.9: median_absolute_error([0,0,0,0], [1,2,3,4], sample_weight=[1,1,1,1]) = 2.5
        let y = [0.0; 4];
        let p = [1.0, 2.0, 3.0, 4.0];
        let m = [MetricId::MedianAbsoluteError];
        assert_eq!(eval(&y, &p, Some(&[1.0; 4]), &m), [Ok(2.5)]);
        // weights [1, 0, 1, 2]: cdf 1, 1, 2, 4; t = 2 reached at 3 exactly -> (3 + 4) / 2
        assert_eq!(eval(&y, &p, Some(&[1.0, 0.0, 1.0, 2.0]), &m), [Ok(3.5)]);
        // weights [3, 1, 1, 1]: t = 3 reached at 1 exactly -> (1 + 2) / 2
        assert_eq!(eval(&y, &p, Some(&[3.0, 1.0, 1.0, 1.0]), &m), [Ok(1.5)]);
        // weights [1, 1, 0, 0]: tie at 1 with no later positive weight -> ... (1 + 2) / 2
        assert_eq!(eval(&y, &p, Some(&[1.0, 1.0, 0.0, 0.0]), &m), [Ok(1.5)]);
    }

    #[test]
    fn lanes_equal_one_evaluation_per_lane() {
        use MetricId::*;
        let y: Vec<f64> = (0..40).map(|i| 100.0 + f64::from(i % 7) * 1.5).collect();
        let p: Vec<f64> = (0..40).map(|i| 101.0 + f64::from((i * 3) % 5)).collect();
        let w: Vec<f64> = (0..40).map(|i| 0.5 + f64::from(i % 3)).collect();
        let codes: Vec<u32> = (0..40).map(|i| (i % 3) as u32).collect();
        let counts: Vec<[u8; 8]> = (0..40u32)
            .map(|i| std::array::from_fn(|l| ((i as usize * 7 + l * 3) % 4) as u8))
            .collect();
        let metrics = [
            Rows,
            Mae,
            Mse,
            Rmse,
            R2,
            Mape,
            ExplainedVariance,
            MaxError,
            Pinball(0.2),
        ];
        let rows = RegressionRows {
            target: &y,
            prediction: &p,
            weight: Some(&w),
        };
        let lanes = evaluate_lanes(&rows, None, Some(&codes), 3, &metrics, &counts);
        for (l, lane) in lanes.iter().enumerate() {
            let one = evaluate(&rows, None, Some(&codes), 3, &metrics, |r| {
                f64::from(counts[r as usize][l])
            });
            for (a, b) in lane.iter().zip(&one.values) {
                match (a, b) {
                    (Ok(x), Ok(z)) => assert!((x - z).abs() <= 1e-10 * z.abs().max(1.0), "{x} {z}"),
                    _ => assert_eq!(a, b),
                }
            }
        }
    }

    #[test]
    fn groups_equal_separate_evaluations() {
        use MetricId::*;
        let y = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
        let p = [1.5, 1.0, 3.5, 3.0, 6.0, 6.5];
        let codes = [0u32, 1, 0, 1, 0, 1];
        let metrics = [
            Mae,
            Rmse,
            R2,
            MedianAbsoluteError,
            Pinball(0.9),
            Pinball(0.1),
        ];
        let rows = RegressionRows {
            target: &y,
            prediction: &p,
            weight: None,
        };
        let sorted = ByError::new(&rows);
        let t = evaluate(&rows, Some(&sorted), Some(&codes), 2, &metrics, |_| 1.0);
        for g in 0..2u32 {
            let idx: Vec<usize> = (0..6).filter(|&i| codes[i] == g).collect();
            let yy: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
            let pp: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
            assert_eq!(t.group(g as usize), &eval(&yy, &pp, None, &metrics)[..]);
        }
    }
}
