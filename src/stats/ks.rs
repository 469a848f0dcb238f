//! The two-sided p-value of the two-sample Kolmogorov–Smirnov test, as
//! `scipy.stats.ks_2samp(a, b, alternative='two-sided', method='auto')` computes it.
//!
//! A `ks` gate bounds the statistic `D = sup_x |F_a(x) − F_b(x)|` with `max:`; the p-value
//! tells a reviewer whether a `D` of that size is surprising for samples of these sizes
//! drawn from one distribution (a `D` of 0.1 means little on 20 rows and a lot on 20 000).
//! It is reported beside the statistic, not gated on. It depends on `D` and the two sample
//! sizes only, so it is computed here from those three numbers.
//!
//! scipy's choices, followed step by step (scipy 1.17, `scipy/stats/_stats_py.py`
//! `ks_2samp` and `_attempt_exact_2kssamp`, `scipy/stats/_stats_pythran.py`
//! `_compute_outer_prob_inside_method`, `scipy/stats/_ksstats.py` `_kolmogn`, and
//! `xsf/cephes/kolmogorov.h` `smirnov` for the one-sided tail):
//!
//! 1. **Method.** `exact` when `max(n₁, n₂) ≤ 10 000`, otherwise `asymptotic`.
//! 2. **Exact.** With `g = gcd(n₁, n₂)`, `L = n₁n₂/g` and `h = round(D·L)` (`D` is a
//!    multiple of `1/L`): `h = 0` gives `p = 1`. For `n₁ = n₂ = n`,
//!    `p = P(D ≥ h/n) = 2 Σ_{k≥1} (−1)^{k−1} C(2n, n−kh) / C(2n, n)`, evaluated as scipy's
//!    Horner form `2·A₁(1 − A₂(1 − A₃(…)))` with `A_k = Π_{j<h} (n−kh−j)/(n+kh+j+1)`
//!    (Gnedenko–Korolyuk). For `n₁ ≠ n₂`, `p = 1 − #paths/C(n₁+n₂, n₁)` over the lattice
//!    paths from `(0, 0)` to `(n₁, n₂)` staying strictly inside `|x/n₁ − y/n₂| < h/L`
//!    (Hodges 1958), computed by Viehmann's recursion for `1 − p` directly (column by
//!    column, each cell `A(i, j) = (A(i−1, j)·i + A(i, j−1)·j)/(i + j)`).
//!    When the result leaves `[0, 1]` by rounding (it does for `h = 1`, `n₁ = n₂`),
//!    scipy falls back to the asymptotic method with `D = h/L`, and so does this.
//! 3. **Asymptotic.** `p = kstwo.sf(D, round(n₁n₂/(n₁+n₂)))`: the exact distribution of
//!    the *one*-sample two-sided statistic `D_N` at the effective size `N` (rounded half to
//!    even), computed as Simard & L'Ecuyer (2011) choose between the Ruben–Gambino closed
//!    forms, Durbin's matrix (Marsaglia–Tsang–Wang 2003), Pomeranz's recursion (1974),
//!    the Pelz–Good expansion (1976) and `2·smirnov(N, D)` (Smirnov 1944, Birnbaum–Tingey
//!    1951: `P(D⁺_N ≥ x) = x Σ_{v=0}^{⌊N(1−x)⌋} C(N, v) (1 − x − v/N)^{N−v} (x + v/N)^{v−1}`).
//!
//! Differences from scipy, all below the 1e-9 relative tolerance the golden test checks
//! (`tests/golden/ks/`): `smirnov`'s sum runs in `f64` with logarithms and a compensated sum
//! (xsf uses double-double arithmetic; the terms are positive, so the error stays near
//! `N·ε` ≈ 1e-10 at `N = 10⁶`), and matrix products are summed in plain order (numpy calls
//! BLAS).

/// How the p-value was computed: scipy's `method='auto'` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsMethod {
    /// The exact null distribution of the two-sample statistic (both samples ≤ 10 000).
    Exact,
    /// The one-sample distribution at the effective size `n₁n₂/(n₁+n₂)`.
    Asymptotic,
}

impl KsMethod {
    /// The name used in the JSON result (and scipy's `method` argument in spirit).
    pub fn as_str(&self) -> &'static str {
        match self {
            KsMethod::Exact => "exact",
            KsMethod::Asymptotic => "asymptotic",
        }
    }
}

/// The two-sided KS test of one statistic: its p-value and how it was computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTest {
    /// `P(D ≥ d)` under the null hypothesis that both samples come from one distribution.
    pub p_value: f64,
    /// Exact or asymptotic.
    pub method: KsMethod,
}

/// `ks_2samp`'s `MAX_AUTO_N`: the exact distribution is used while both samples are at
/// most this large.
pub const MAX_EXACT_N: u64 = 10_000;

/// The two-sided p-value of the KS statistic `d` of samples of `n1` and `n2` values, as
/// `scipy.stats.ks_2samp(..., method='auto').pvalue`. `None` when a sample is empty or `d`
/// is not a number in `[0, 1]`.
pub fn two_sided(d: f64, n1: u64, n2: u64) -> Option<KsTest> {
    if n1 == 0 || n2 == 0 || !(0.0..=1.0).contains(&d) {
        return None;
    }
    let mut d = d;
    if n1.max(n2) <= MAX_EXACT_N {
        let (p, rounded) = exact(d, n1, n2);
        if let Some(p) = p {
            return Some(KsTest {
                p_value: p.clamp(0.0, 1.0),
                method: KsMethod::Exact,
            });
        }
        // scipy hands the statistic rounded to a multiple of 1/lcm to the fallback.
        d = rounded;
    }
    // Smirnov's asymptotics at the effective size; sorted as scipy does (m ≥ n).
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = m * n / (m + n);
    let p = kstwo_sf(d, en.round_ties_even());
    p.is_finite().then_some(KsTest {
        p_value: p.clamp(0.0, 1.0),
        method: KsMethod::Asymptotic,
    })
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// scipy's `_attempt_exact_2kssamp` (two-sided): the exact p-value when it lies in
/// `[0, 1]`, and the statistic rounded to a multiple of `1/lcm(n1, n2)`.
fn exact(d: f64, n1: u64, n2: u64) -> (Option<f64>, f64) {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as u64;
    let rounded = h as f64 / lcm as f64;
    if h == 0 {
        return (Some(1.0), rounded);
    }
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    ((0.0..=1.0).contains(&p).then_some(p), rounded)
}

/// `P(D_{n,n} ≥ h/n)`: scipy's `_compute_prob_outside_square`, operation for operation
/// (whether the result leaves `[0, 1]` decides the method, so the rounding must agree).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut total = 0.0;
    let mut k = n / h;
    loop {
        let mut p1 = 1.0;
        for j in 0..h {
            // (n − kh − j)·p1 / (n + kh + j + 1), in this order; the first factor may be ≤ 0
            // only when the term is zero anyway.
            let num = n as f64 - (k * h) as f64 - j as f64;
            p1 = num * p1 / (n + k * h + j + 1) as f64;
        }
        total = p1 * (1.0 - total);
        if k == 0 {
            break;
        }
        k -= 1;
    }
    2.0 * total
}

/// `1 − #inside paths / C(m+n, n)`: scipy's `_compute_outer_prob_inside_method`
/// (Hodges' inside method with Viehmann's recursion for the complement).
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (h, n_i) = (h as i64, n as i64);
    // Integer floor/ceil of p/q for q > 0: what np.floor/np.ceil of the (exactly rounded,
    // never integer-crossing at these sizes) quotient give.
    let floor_div = |p: i64, q: i64| p.div_euclid(q);
    let ceil_div = |p: i64, q: i64| -((-p).div_euclid(q));
    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h, mg).min(n_i + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n_i + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for x in a.iter_mut().take(maxj as usize).skip(minj as usize) {
        *x = 0.0;
    }
    for i in 1..=m as i64 {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n_i);
        maxj = ceil_div(ng * i + h, mg).min(n_i + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            // Out of the window only if the sizes broke scipy's bounds: NaN, then the
            // caller falls back to the asymptotic method instead of panicking.
            let prev = a
                .get((jj + minj - lastminj) as usize)
                .copied()
                .unwrap_or(f64::NAN);
            val = (prev * i as f64 + val * j as f64) / (i + j) as f64;
            if let Some(cell) = a.get_mut(jj as usize) {
                *cell = val;
            }
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = ((maxj - minj) as usize).min(a.len());
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            for x in &mut a[from..to] {
                *x = 1.0;
            }
        }
    }
    a.get((maxj - minj - 1) as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// `scipy.stats.kstwo.sf(x, n)`: `P(D_n ≥ x)` of the one-sample two-sided statistic.
/// NaN unless `n` is a whole number ≥ 1 (scipy's argument check).
pub fn kstwo_sf(x: f64, n: f64) -> f64 {
    if !(n >= 1.0 && n.fract() == 0.0) || x.is_nan() {
        return f64::NAN;
    }
    // rv_continuous.sf: 1 at or below the support's start, 0 at or above its end.
    if x <= 0.0 {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    kolmogn_sf(n as u64, x)
}

/// scipy's `_kolmogn(n, x, cdf=False)` for `0 < x < 1` (Simard & L'Ecuyer's choice).
fn kolmogn_sf(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let sf_of_cdf = |cdf: f64| (1.0 - cdf).clamp(0.0, 1.0);
    let t = nf * x;
    if t <= 1.0 {
        // Ruben–Gambino: for 1/(2n) ≤ x ≤ 1/n, P(D_n ≤ x) = n!/nⁿ (2t − 1)ⁿ.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= 140 {
            (1..=n).fold(1.0, |acc, i| {
                acc * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0))
            })
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return sf_of_cdf(cdf);
    }
    if t >= nf - 1.0 {
        // Ruben–Gambino: P(D_n ≥ x) = 2 (1 − x)ⁿ for x ≥ 1 − 1/n.
        return (2.0 * (1.0 - x).powf(nf)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        // D_n⁺ ≥ x and D_n⁻ ≥ x cannot both hold: exactly twice the one-sided tail.
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    let nxsquared = t * x;
    if n <= 140 {
        if nxsquared <= 0.754693 {
            return sf_of_cdf(durbin_matrix_cdf(n, x));
        }
        if nxsquared <= 4.0 {
            return sf_of_cdf(pomeranz_cdf(n, x));
        }
        // Miller's approximation: twice the one-sided tail.
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    let cdf = if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        durbin_matrix_cdf(n, x)
    } else {
        pelz_good_cdf(n, x)
    };
    sf_of_cdf(cdf)
}

/// `ln(n!/nⁿ)` by Stirling's series with the `n ln n` removed up front (scipy's
/// `_log_nfactorial_div_n_pow_n`).
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    // B_{2j}/(2j)/(2j−1) for j = 8 … 1, written as scipy writes them.
    #[allow(clippy::excessive_precision)]
    const STIRLING: [f64; 8] = [
        -2.955065359477124183e-2,
        6.4102564102564102564e-3,
        -1.9175269175269175269e-3,
        8.4175084175084175084e-4,
        -5.952380952380952381e-4,
        7.9365079365079365079e-4,
        -2.7777777777777777778e-3,
        8.3333333333333333333e-2,
    ];
    let rn = 1.0 / n;
    let x = rn / n;
    let poly = STIRLING.iter().fold(0.0, |acc, &c| acc * x + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// `x · 2^e` without overflowing or underflowing on the way.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    let big = 2f64.powi(1000);
    let small = 2f64.powi(-1000);
    while e > 1000 {
        x *= big;
        e -= 1000;
    }
    while e < -1000 {
        x *= small;
        e += 1000;
    }
    x * 2f64.powi(e as i32)
}

/// Scaling step of the matrix and Pomeranz algorithms: 2^128.
const E128: i64 = 128;

/// `P(D_n ≤ d)` by Durbin's matrix algorithm as Marsaglia, Tsang & Wang (2003) evaluate it
/// (scipy's `_kolmogn_DMTW`): with `d = (k − h)/n`, `k` a whole number and `0 ≤ h < 1`,
/// the `(k, k)` entry of `Hⁿ`, an `m × m` matrix (`m = 2k − 1`), times `n!/nⁿ`.
fn durbin_matrix_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let nd = nf * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    // v[j] = (1 − h^(j+1))/(j+1)!, w[j] = 1/j!
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powf(j as f64)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powf(m as f64) - 2.0 * h.powf(m as f64);
    v[m - 1] = (1.0 + tt) * fac;
    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let matmul = |a: &[f64], b: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; m * m];
        for i in 0..m {
            for l in 0..m {
                let ail = a[i * m + l];
                if ail == 0.0 {
                    continue;
                }
                for j in 0..m {
                    out[i * m + j] += ail * b[l * m + j];
                }
            }
        }
        out
    };
    let mut pwr: Vec<f64> = (0..m * m)
        .map(|i| if i / m == i % m { 1.0 } else { 0.0 })
        .collect();
    let (mut nn, mut expnt, mut hexpnt) = (n, 0i64, 0i64);
    let ep128 = 2f64.powi(E128 as i32);
    while nn > 0 {
        if nn % 2 == 1 {
            pwr = matmul(&pwr, &hm);
            expnt += hexpnt;
        }
        hm = matmul(&hm, &hm);
        hexpnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > ep128 {
            for x in &mut hm {
                *x /= ep128;
            }
            hexpnt += E128;
        }
        nn /= 2;
    }
    let mut p = pwr[(k - 1) * m + (k - 1)];
    let em128 = 2f64.powi(-(E128 as i32));
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < em128 {
            p *= ep128;
            expnt -= E128;
        }
    }
    if expnt != 0 {
        p = ldexp(p, expnt);
    }
    p.clamp(0.0, 1.0)
}

/// A Python slice `v[start:end]` (negative indices from the end, clamped), for a faithful
/// port of index arithmetic written for numpy.
fn py_slice(v: &[f64], start: i64, end: i64) -> &[f64] {
    let len = v.len() as i64;
    let fix = |i: i64| {
        if i < 0 { (i + len).max(0) } else { i.min(len) }
    };
    let (s, e) = (fix(start), fix(end));
    if s >= e {
        &[]
    } else {
        &v[s as usize..e as usize]
    }
}

/// The interval of non-zero entries of Pomeranz's row `i` (scipy's
/// `_pomeranz_compute_j1j2`).
fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (ip1div2, ip1mod2) = ((i + 1).div_euclid(2), (i + 1).rem_euclid(2));
        if ip1mod2 == 0 {
            if ip1div2 == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
            }
        } else {
            (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// `P(D_n ≤ x)` by Pomeranz's recursion (1974), scipy's `_kolmogn_Pomeranz`: each row the
/// convolution of the previous one with (unnormalised) Poisson probabilities.
fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let n_i = n as i64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let mut gpower = vec![0.0; npwrs];
    let mut twogpower = vec![0.0; npwrs];
    let mut onem2gpower = vec![0.0; npwrs];
    gpower[0] = 1.0;
    twogpower[0] = 1.0;
    onem2gpower[0] = 1.0;
    let mut expnt: i64 = 0;
    let (g_over_n, two_g_over_n, one_minus_two_g_over_n) =
        (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for mm in 1..npwrs {
        let mf = mm as f64;
        gpower[mm] = gpower[mm - 1] * g_over_n / mf;
        twogpower[mm] = twogpower[mm - 1] * two_g_over_n / mf;
        onem2gpower[mm] = onem2gpower[mm - 1] * one_minus_two_g_over_n / mf;
    }
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let ep128 = 2f64.powi(E128 as i32);
    let em128 = 2f64.powi(-(E128 as i32));
    let (mut j1, _) = pomeranz_j1j2(0, n_i, ll, ceilf, roundf);
    for i in 1..(2 * n_i + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.fill(0.0);
        let (a, j2) = pomeranz_j1j2(i, n_i, ll, ceilf, roundf);
        j1 = a;
        let pwrs = if i == 1 || i == 2 * n_i + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let lhs = py_slice(&v0, k1 - v0s, k1 - v0s + ln2);
            let rhs = py_slice(pwrs, 0, ln2);
            // np.convolve(lhs, rhs), full length.
            let mut conv = vec![0.0; (lhs.len() + rhs.len()).saturating_sub(1)];
            for (p, &l) in lhs.iter().enumerate() {
                for (q, &r) in rhs.iter().enumerate() {
                    conv[p + q] += l * r;
                }
            }
            let conv_start = j1 - k1;
            let conv_len = j2 - j1 + 1;
            let part = py_slice(&conv, conv_start, conv_start + conv_len);
            let take = part.len().min(v1.len());
            v1[..take].copy_from_slice(&part[..take]);
            let max = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < max && max < em128 {
                for x in &mut v1 {
                    *x *= ep128;
                }
                expnt -= E128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let idx = n_i - v1s;
    let idx = if idx < 0 { idx + v1.len() as i64 } else { idx };
    let mut ans = v1.get(idx as usize).copied().unwrap_or(f64::NAN);
    for mm in 1..=n {
        if ans.abs() > ep128 {
            ans *= em128;
            expnt += E128;
        }
        ans *= mm as f64;
    }
    if expnt != 0 {
        ans = ldexp(ans, expnt);
    }
    ans.clamp(0.0, 1.0)
}

/// `P(D_n ≤ x)` by the Pelz–Good approximation (1976), scipy's `_kolmogn_PelzGood`: the
/// Li-Chien/Korolyuk expansion `K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}`, `z = x√n`,
/// each term rewritten through Jacobi's theta functions for small `z`.
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let z = nf.sqrt() * x;
    let (zsquared, zthree, zfour, zsix) = (z.powf(2.0), z.powf(3.0), z.powf(4.0), z.powf(6.0));
    let pi2 = PI.powf(2.0);
    let pi4 = PI.powf(4.0);
    let pi6 = PI.powf(6.0);
    let qlog = -pi2 / 8.0 / zsquared;
    if qlog < -708.0 {
        return 0.0;
    }
    let mut q = qlog.exp();
    let k1a = -zsquared;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * zsix + 2.0 * zfour;
    let k2b = (2.0 * zfour - 5.0 * zsquared) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * zsquared) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * zsquared) / 64.0;
    let k3c = pi4 * (-60.0 * zsquared + 212.0 * zfour) / 16.0;
    let k3b = pi2 * (135.0 * zfour - 96.0 * zsix) / 4.0;
    let k3a = -30.0 * zsix - 90.0 * z.powf(8.0);
    let mut kk = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for k in (1..=maxk).rev() {
        let m = (2 * k - 1) as f64;
        let (msquared, mfour, msix) = (m.powf(2.0), m.powf(4.0), m.powf(6.0));
        let qpower = q.powf((8 * k) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * msquared,
            k2a + k2b * msquared + k2c * mfour,
            k3a + k3b * msquared + k3c * mfour + k3d * msix,
        ];
        for (acc, c) in kk.iter_mut().zip(coeffs) {
            *acc *= qpower;
            *acc += c;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let denom = [z, 6.0 * zfour, 72.0 * z.powf(7.0), 6480.0 * z.powf(10.0)];
    for (acc, dn) in kk.iter_mut().zip(denom) {
        *acc *= q;
        *acc *= sqrt2pi;
        *acc /= dn;
    }
    q = (-pi2 / 2.0 / zsquared).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for k in (1..=maxk).rev() {
        let ksquared = (k * k) as f64;
        let kspi = PI * k as f64;
        let qp = q.powf(ksquared);
        k2extra += ksquared * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qp;
    }
    kk[2] += k2extra * (pi2 * sqrt2pi / (-36.0 * zthree));
    kk[3] += k3extra * (pi2 * sqrt2pi / (216.0 * zsix));
    for (i, acc) in kk.iter_mut().enumerate() {
        *acc /= nf.powf(i as f64 / 2.0);
    }
    kk.iter().sum()
}

/// `smirnov(n, x) = P(D⁺_n ≥ x)`, the one-sided tail (scipy.special.smirnov; xsf's
/// `_smirnov` with the lower Birnbaum–Tingey sum, its special cases and its large-n
/// approximation).
pub fn smirnov(n: u64, x: f64) -> f64 {
    if !(0.0..=1.0).contains(&x) || n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    // floor(n·x) and its remainder from the exact product n·x = p + e.
    let p = nf * x;
    let e = nf.mul_add(x, -p);
    let mut fl = p.floor();
    if p == fl && e < 0.0 {
        fl -= 1.0;
    }
    let mut alpha = (p - fl) + e;
    let mut nxfl = fl as i64;
    if alpha >= 1.0 {
        nxfl += 1;
        alpha = 0.0;
    }
    let n_i = n as i64;
    let mut n1mxfl = n_i - nxfl - i64::from(alpha != 0.0);
    if alpha == 0.0 {
        n1mxfl -= 1;
    }
    // x ≤ 1/n: P(D⁺ ≥ x) = 1 − x (1 + x)^{n−1}.
    if nxfl == 0 || (nxfl == 1 && alpha == 0.0) {
        let t = ((nf - 1.0) * x.ln_1p()).exp();
        return (1.0 - x * t).clamp(0.0, 1.0);
    }
    // cephes MINLOG = ln(2^-1075): the tail underflows.
    if -2.0 * nf * x * x < -7.451_332_191_019_412e2 {
        return 0.0;
    }
    // x ≥ 1 − 1/n: (1 − x)ⁿ.
    if nxfl >= n_i - 1 {
        return ((nf * (-x).ln_1p()).exp()).clamp(0.0, 1.0);
    }
    // xsf's SMIRNOV_MAX_COMPUTE_N: p ≈ exp(−(6nx + 1)²/(18n)).
    if n > 1_000_000 {
        let logp = -(6.0 * nf * x + 1.0).powf(2.0) / 18.0 / nf;
        let sf = if logp < -std::f64::consts::LN_2 {
            logp.exp()
        } else {
            1.0 - (-logp.exp_m1())
        };
        return sf.clamp(0.0, 1.0);
    }
    // The lower sum x Σ_{v=0}^{n1mxfl} C(n, v) (1 − x − v/n)^{n−v} (x + v/n)^{v−1}, each
    // term from logarithms; C(n, v) carried as mantissa·2^exponent (no overflow).
    let n_terms = n1mxfl + 1;
    let vmid = n_i / 2;
    let (mut cman, mut cexpt) = (1.0f64, 0i64);
    // Neumaier's compensated sum of the positive terms.
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in 0..n_terms {
        let vf = v as f64;
        // t1x = x + v/n and t2x = 1 − t1x, each with one rounding.
        let t1x = if v == 0 { x } else { nf.mul_add(x, vf) / nf };
        let log_t2 = (nf - vf) * (-t1x).ln_1p();
        let log_t1 = (vf - 1.0) * t1x.ln();
        let log_term = cman.ln() + cexpt as f64 * std::f64::consts::LN_2 + log_t1 + log_t2;
        let term = log_term.exp();
        if term.is_finite() && term != 0.0 {
            let t = sum + term;
            if sum.abs() >= term.abs() {
                comp += (sum - t) + term;
            } else {
                comp += (term - t) + sum;
            }
            sum = t;
        }
        // xsf's early exit: the rest cannot move the sum.
        if term != 0.0 {
            if 4.0 * (n_terms - v) as f64 * term < f64::EPSILON * (sum + comp) && v != n_terms - 1 {
                break;
            }
        } else if v > vmid {
            break;
        }
        // C(n, v+1) = C(n, v)·(n − v)/(v + 1), renormalised to a mantissa in [½, 1).
        cman *= (nf - vf) / (vf + 1.0);
        let (m, ex) = frexp(cman);
        cman = m;
        cexpt += ex;
    }
    (x * (sum + comp)).clamp(0.0, 1.0)
}

/// `x = m · 2^e` with `m` in `[½, 1)` (C's frexp), for finite non-zero `x`.
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_give_one_and_disjoint_small_samples_the_exact_tail() {
        let t = two_sided(0.0, 5, 5).unwrap();
        assert_eq!(t.p_value, 1.0);
        assert_eq!(t.method, KsMethod::Exact);
        // Disjoint samples of 3 and 3: 2 of the C(6, 3) = 20 orders, p = 0.1.
        let t = two_sided(1.0, 3, 3).unwrap();
        assert!((t.p_value - 0.1).abs() < 1e-15, "{t:?}");
        // 2 and 3 disjoint: 2 of C(5, 2) = 10 orders.
        let t = two_sided(1.0, 2, 3).unwrap();
        assert!((t.p_value - 0.2).abs() < 1e-15, "{t:?}");
        assert!(two_sided(0.5, 0, 3).is_none());
        assert!(two_sided(f64::NAN, 3, 3).is_none());
    }

    #[test]
    fn large_samples_switch_to_the_asymptotic_method() {
        let t = two_sided(0.02, 20_000, 20_000).unwrap();
        assert_eq!(t.method, KsMethod::Asymptotic);
        assert!(t.p_value > 0.0 && t.p_value < 1.0);
        assert_eq!(
            two_sided(0.02, 10_000, 10_000).unwrap().method,
            KsMethod::Exact
        );
    }

    #[test]
    fn frexp_matches_c() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        let (m, e) = frexp(3.0e-310);
        assert!(
            (0.5..1.0).contains(&m) && ldexp(m, e) == 3.0e-310,
            "{m} {e}"
        );
    }
}
