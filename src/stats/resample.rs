//! The random numbers of the bootstrap, counter-based: every number is a pure function of
//! `(seed, batch, lane, row or cell)`, so a row gets the same count in the candidate's and
//! the baseline's pass whatever their sort orders (pairing), and any thread computes any
//! replicate (byte-identical results whatever the thread count). A batch's values are kept
//! in a [`Batch`], shared by the bootstrap engines.
//!
//! Replicates run in batches of [`LANES`]: one batch key, and per row two 64-bit mixes give
//! the row's Poisson(1) counts in all eight replicates of the batch (16 bits each).

pub use crate::metrics::{LANES, Lanes};

use crate::metrics::Value;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijective 64-bit mixer (Steele, Lea & Flood 2014).
#[inline(always)]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of batch `batch` (replicates `LANES·batch ..`). Mixing the seed first keeps the
/// streams of nearby seeds unrelated.
pub fn batch_key(seed: u64, batch: u32) -> u64 {
    mix(mix(seed ^ 0x6D6F_6465_6C67_6174).wrapping_add(GAMMA.wrapping_mul(u64::from(batch) + 1)))
}

/// `P(K ≤ k)·2¹⁶`, rounded, for `K ~ Poisson(1)`, `k = 0..8`. A 16-bit uniform `u` maps to
/// the count `#{k : u ≥ CDF16[k]}`: each probability is within 2⁻¹⁷ of Poisson(1)'s, and
/// counts stop at 8 (`P(K > 8) < 10⁻⁵`); the mean and variance of the count are within
/// 10⁻⁴ of 1 (tested below), far inside the bootstrap's own Monte Carlo error.
const CDF16: [u16; 8] = {
    let mut out = [0u16; 8];
    let mut pmf = 0.367_879_441_171_442_33; // e⁻¹
    let mut cdf = 0.0;
    let mut k = 0;
    while k < 8 {
        cdf += pmf;
        let scaled = cdf * 65_536.0 + 0.5;
        out[k] = if scaled >= 65_535.0 {
            65_535
        } else {
            scaled as u16
        };
        k += 1;
        pmf /= k as f64;
    }
    out
};

/// The count of every 16-bit uniform: `COUNT16[u] = #{k : u ≥ CDF16[k]}`, one lookup
/// instead of eight comparisons per lane (64 KiB, stays in cache).
static COUNT16: [u8; 65_536] = {
    let mut out = [0u8; 65_536];
    let mut u = 0;
    while u < 65_536 {
        let mut c = 0u8;
        let mut k = 0;
        while k < 8 {
            if u >= CDF16[k] as usize {
                c += 1;
            }
            k += 1;
        }
        out[u] = c;
        u += 1;
    }
    out
};

/// The Poisson(1) counts of original row `row` in the [`LANES`] replicates of the batch
/// keyed by `key`: two mixes, eight table lookups.
#[inline(always)]
pub fn counts(key: u64, row: u32) -> [u8; LANES] {
    let r = 2 * u64::from(row);
    let a = mix(key.wrapping_add(GAMMA.wrapping_mul(r + 1)));
    let b = mix(key.wrapping_add(GAMMA.wrapping_mul(r + 2)));
    std::array::from_fn(|l| {
        let word = if l < 4 { a } else { b };
        COUNT16[((word >> (16 * (l % 4))) & 0xFFFF) as usize]
    })
}

/// The uniform in `(0, 1)` at `index` of the stream keyed by `key`: one mix, no state.
#[inline(always)]
pub fn uniform_at(key: u64, index: u64) -> f64 {
    ((mix(key.wrapping_add(GAMMA.wrapping_mul(index + 1))) >> 11) as f64 + 0.5)
        / (1u64 << 53) as f64
}

/// Poisson(`mean`) by inversion against a table of its CDF: for many draws of one mean
/// (the bag of little bootstraps draws every row of a stratum with the same mean).
#[derive(Debug, Clone)]
pub struct PoissonTable {
    cdf: Vec<f64>,
}

impl PoissonTable {
    /// The table of Poisson(`mean`), `mean >= 0`, to where the tail is below 10⁻¹⁶.
    pub fn new(mean: f64) -> PoissonTable {
        if mean.is_nan() || mean <= 0.0 {
            return PoissonTable { cdf: vec![1.0] };
        }
        let top = (mean + 12.0 * mean.sqrt() + 30.0).ceil() as usize;
        let ln_mean = mean.ln();
        let mut cdf = Vec::with_capacity(top + 1);
        let mut acc = 0.0;
        for k in 0..=top {
            let kf = k as f64;
            acc += (-mean + kf * ln_mean - statrs::function::gamma::ln_gamma(kf + 1.0)).exp();
            cdf.push(acc);
            if acc >= 1.0 - 1e-16 && kf > mean {
                break;
            }
        }
        PoissonTable { cdf }
    }

    /// The count for uniform `u` in `(0, 1)`: the first `k` with `CDF(k) >= u`.
    #[inline]
    pub fn draw(&self, u: f64) -> f64 {
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1) as f64
    }
}

/// A stream of uniforms in `(0, 1)` for one `(key, lane, item)`, for draws that need more
/// than one uniform (Poisson of any mean, normal variates).
#[derive(Debug, Clone)]
pub struct Stream {
    state: u64,
}

impl Stream {
    /// The stream of `item` (a row or a cell) in lane `lane` of the batch keyed by `key`.
    pub fn new(key: u64, lane: usize, item: u64) -> Stream {
        Stream {
            state: mix(key ^ mix((lane as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03) ^ item)),
        }
    }

    /// The next uniform in `(0, 1)`, never exactly 0 or 1.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(GAMMA);
        ((mix(self.state) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A standard normal variate (Box–Muller; one of the pair is used).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// A Poisson(`mean`) count, exact: inversion below a mean of 10, above it Hörmann's
    /// transformed rejection with squeeze (PTRS; W. Hörmann, "The transformed rejection
    /// method for generating Poisson random variables", Insurance: Mathematics and
    /// Economics 12, 1993), as NumPy's `random_poisson_ptrs`. Non-positive means give 0.
    pub fn poisson(&mut self, mean: f64) -> f64 {
        if mean.is_nan() || mean <= 0.0 {
            return 0.0;
        }
        if mean < 10.0 {
            let u = self.uniform();
            let (mut pmf, mut k) = ((-mean).exp(), 0.0);
            let mut cdf = pmf;
            while u > cdf && k < 1000.0 {
                k += 1.0;
                pmf *= mean / k;
                cdf += pmf;
            }
            return k;
        }
        let slam = mean.sqrt();
        let loglam = mean.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            let lhs = v.ln() + invalpha.ln() - (a / (us * us) + b).ln();
            let rhs = -mean + k * loglam - statrs::function::gamma::ln_gamma(k + 1.0);
            if lhs <= rhs {
                return k;
            }
        }
    }
}

/// One batch's values of one engine: `[model][group][metric][lane]`, NaN = undefined, and
/// the groups whose strata collapsed in each lane.
pub struct Batch {
    groups: usize,
    width: usize,
    values: Vec<f64>,
    collapsed: Vec<bool>,
}

impl Batch {
    /// An empty batch (every value undefined).
    pub fn new(models: usize, groups: usize, width: usize) -> Batch {
        Batch {
            groups,
            width,
            values: vec![f64::NAN; models * groups * width * LANES],
            collapsed: vec![false; groups * LANES],
        }
    }

    pub(super) fn at(&self, model: usize, group: usize, metric: usize, lane: usize) -> usize {
        ((model * self.groups + group) * self.width + metric) * LANES + lane
    }

    /// Sets one value (an undefined one is NaN).
    pub fn set(&mut self, model: usize, group: usize, metric: usize, lane: usize, v: Value) {
        let i = self.at(model, group, metric, lane);
        self.values[i] = v.unwrap_or(f64::NAN);
    }

    /// Adds `by` to one value (the little bootstrap's recentring).
    pub(super) fn shift(
        &mut self,
        model: usize,
        group: usize,
        metric: usize,
        lane: usize,
        by: f64,
    ) {
        let i = self.at(model, group, metric, lane);
        self.values[i] += by;
    }

    /// Marks a group collapsed in a lane: all its values are undefined there.
    pub fn collapse(&mut self, group: usize, lane: usize) {
        self.collapsed[group * LANES + lane] = true;
    }

    pub(super) fn collapsed(&self, group: usize, lane: usize) -> bool {
        self.collapsed[group * LANES + lane]
    }

    pub(super) fn get(&self, model: usize, group: usize, metric: usize, lane: usize) -> f64 {
        if self.collapsed(group, lane) {
            f64::NAN
        } else {
            self.values[self.at(model, group, metric, lane)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(xs: impl Iterator<Item = f64>) -> (f64, f64) {
        let v: Vec<f64> = xs.collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn quantised_poisson_one_has_poisson_moments() {
        // Exact moments of the quantised distribution: within 1e-4 of 1.
        let p = |k: usize| -> f64 {
            let lo = if k == 0 { 0.0 } else { f64::from(CDF16[k - 1]) };
            let hi = if k < 8 { f64::from(CDF16[k]) } else { 65_536.0 };
            (hi - lo) / 65_536.0
        };
        let mean: f64 = (0..=8).map(|k| k as f64 * p(k)).sum();
        let var: f64 = (0..=8).map(|k| (k as f64 - mean).powi(2) * p(k)).sum();
        assert!((mean - 1.0).abs() < 1e-4, "{mean}");
        assert!((var - 1.0).abs() < 1e-4, "{var}");
        let e1 = (-1.0f64).exp();
        assert!((p(0) - e1).abs() < 1e-5 && (p(1) - e1).abs() < 1e-5);
        // Sampled: every lane has those moments, and lanes are uncorrelated.
        let key = batch_key(7, 3);
        let rows: Vec<[u8; LANES]> = (0..100_000).map(|r| counts(key, r)).collect();
        for l in 0..LANES {
            let (m, v) = moments(rows.iter().map(|c| f64::from(c[l])));
            assert!(
                (m - 1.0).abs() < 0.015 && (v - 1.0).abs() < 0.03,
                "lane {l}: {m} {v}"
            );
        }
        let (m0, _) = moments(rows.iter().map(|c| f64::from(c[0]) * f64::from(c[5])));
        assert!((m0 - 1.0).abs() < 0.03, "E[c0·c5] = {m0}");
    }

    #[test]
    fn batches_and_seeds_are_unrelated() {
        let corr = |k1: u64, k2: u64| {
            let x: Vec<(f64, f64)> = (0..50_000)
                .map(|r| (f64::from(counts(k1, r)[2]), f64::from(counts(k2, r)[2])))
                .collect();
            let n = x.len() as f64;
            let (mx, my) = (
                x.iter().map(|p| p.0).sum::<f64>() / n,
                x.iter().map(|p| p.1).sum::<f64>() / n,
            );
            let cov = x.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / n;
            let sx = (x.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>() / n).sqrt();
            let sy = (x.iter().map(|p| (p.1 - my).powi(2)).sum::<f64>() / n).sqrt();
            cov / sx / sy
        };
        assert!(corr(batch_key(1, 0), batch_key(1, 1)).abs() < 0.02);
        assert!(corr(batch_key(1, 0), batch_key(2, 0)).abs() < 0.02);
        assert_ne!(batch_key(1, 0), batch_key(0, 1));
    }

    #[test]
    fn poisson_of_any_mean_has_poisson_moments() {
        for mean in [0.3, 3.7, 9.99, 10.0, 29.0, 80.0, 5_000.0, 1e7] {
            let draws = (0..40_000u64).map(|i| Stream::new(11, 3, i).poisson(mean));
            let draws: Vec<f64> = draws.collect();
            assert!(draws.iter().all(|&x| x >= 0.0 && x.fract() == 0.0));
            let (m, v) = moments(draws.into_iter());
            assert!((m / mean - 1.0).abs() < 0.03, "mean {mean}: {m}");
            assert!((v / mean - 1.0).abs() < 0.05, "mean {mean}: var {v}");
        }
        assert_eq!(Stream::new(1, 0, 0).poisson(0.0), 0.0);
        assert_eq!(Stream::new(1, 0, 0).poisson(f64::NAN), 0.0);
    }

    #[test]
    fn table_draws_match_the_poisson_law() {
        for mean in [0.5, 3.0, 63.0, 900.0] {
            let t = PoissonTable::new(mean);
            let (m, v) = moments((0..60_000u64).map(|i| t.draw(uniform_at(9, i))));
            assert!((m / mean - 1.0).abs() < 0.02, "mean {mean}: {m}");
            assert!((v / mean - 1.0).abs() < 0.04, "mean {mean}: var {v}");
        }
        assert_eq!(PoissonTable::new(0.0).draw(0.7), 0.0);
    }

    #[test]
    fn normals_are_standard() {
        let mut s = Stream::new(5, 1, 9);
        let (m, v) = moments((0..100_000).map(|_| s.normal()));
        assert!(m.abs() < 0.015 && (v - 1.0).abs() < 0.02, "{m} {v}");
    }
}
