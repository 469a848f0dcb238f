#!/usr/bin/env python3
"""Golden values for tests/ks_pvalue.rs: the two-sided p-value of the two-sample
Kolmogorov-Smirnov test exactly as scipy computes it.

`cases` come from `scipy.stats.ks_2samp(a, b)` (alternative='two-sided', method='auto') on
seeded samples: the statistic D as the maximum absolute difference of the two empirical CDFs
(what modelgate's `ks` computes, before scipy rounds it to a multiple of 1/lcm(n1, n2)), the
sizes, scipy's p-value and the method scipy ended with: "exact" when both sizes are at most
10 000 and the exact computation succeeded, "asymptotic" otherwise (scipy warns when its exact
attempt fails and falls back; the warning is caught here to name the method). Small cases keep
their samples (`a`, `b`) so the test also computes D itself.

`kstwo` holds `scipy.stats.kstwo.sf(x, n)` across the branches of scipy's `_kolmogn`
(Ruben-Gambino, Durbin matrix, Pomeranz, Pelz-Good, 2*smirnov, n <= 140 and beyond), and
`smirnov` holds `scipy.special.smirnov(n, x)`, the one-sided tail, up to n = 2e6.

Deterministic (fixed seed). Writes expected.json beside this file:
  {"scipy": "<version>", "numpy": "<version>",
   "cases": [{"name", "n1", "n2", "d", "p", "method", ["a", "b"]}],
   "kstwo": [{"n", "x", "sf"}], "smirnov": [{"n", "x", "sf"}]}
Floats are written with repr so they parse back bit-exact.

Run from anywhere:  python3 tests/golden/ks/make_golden.py
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import special, stats

HERE = os.path.dirname(os.path.abspath(__file__))


def raw_d(a, b):
    a, b = np.sort(a), np.sort(b)
    both = np.concatenate([a, b])
    cdf1 = np.searchsorted(a, both, side="right") / len(a)
    cdf2 = np.searchsorted(b, both, side="right") / len(b)
    return float(np.max(np.abs(cdf1 - cdf2)))


def ks_case(name, a, b, keep=None):
    a, b = np.asarray(a, float), np.asarray(b, float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(a, b)
    fell_back = any("Switching to method=asymp" in str(w.message) for w in caught)
    exact = max(len(a), len(b)) <= 10000 and not fell_back
    case = {
        "name": name,
        "n1": len(a),
        "n2": len(b),
        "d": raw_d(a, b),
        "p": float(res.pvalue),
        "method": "exact" if exact else "asymptotic",
    }
    if keep if keep is not None else len(a) + len(b) <= 400:
        case["a"] = a.tolist()
        case["b"] = b.tolist()
    return case


def main():
    rng = np.random.default_rng(20261201)
    cases = []
    # Exact, equal sizes, continuous scores, no shift and a shift.
    for n in [1, 2, 3, 5, 7, 10, 25, 60, 150]:
        for shift in [0.0, 0.5, 1.5]:
            cases.append(ks_case(f"exact_equal_n{n}_shift{shift}",
                                 rng.normal(0, 1, n), rng.normal(shift, 1, n)))
    # Exact, unequal sizes.
    for n1, n2 in [(1, 2), (2, 3), (3, 7), (10, 15), (12, 18), (40, 25), (97, 101), (200, 130)]:
        for shift in [0.0, 0.7]:
            cases.append(ks_case(f"exact_unequal_{n1}_{n2}_shift{shift}",
                                 rng.normal(0, 1, n1), rng.normal(shift, 1, n2)))
    # Ties: scores on a coarse grid (model scores rounded to two decimals, or a few values).
    for n1, n2 in [(30, 30), (30, 45), (80, 64), (5, 5)]:
        a = np.round(rng.uniform(0, 1, n1) * 5) / 5
        b = np.round(rng.uniform(0, 1, n2) ** 1.3 * 5) / 5
        cases.append(ks_case(f"ties_{n1}_{n2}", a, b))
    cases.append(ks_case("ties_identical_values", [0.5] * 8, [0.5] * 11))
    # D = 1/n with equal sizes: scipy's exact sum rounds above 1 for some n and falls back
    # to the asymptotic method with D = 1/n.
    for n in [4, 5, 7, 13, 30]:
        a = np.arange(n, dtype=float) * 2
        b = a + 1
        cases.append(ks_case(f"one_step_n{n}", a, b))
    # Large exact cases (kept as sizes and D only).
    for n1, n2, shift in [(2000, 2000, 0.05), (10000, 10000, 0.03), (10000, 37, 0.4),
                          (6000, 7000, 0.02), (9999, 10000, 0.01), (3000, 10000, 0.0)]:
        cases.append(ks_case(f"exact_large_{n1}_{n2}",
                             rng.normal(0, 1, n1), rng.normal(shift, 1, n2), keep=False))
    # Asymptotic: a sample above 10 000.
    for n1, n2, shift in [(20000, 20000, 0.0), (20000, 20000, 0.02), (20000, 20000, 0.1),
                          (50000, 12000, 0.01), (10001, 10001, 0.05), (200000, 200000, 0.005),
                          (20000, 5, 0.5), (20000, 5, 0.0), (15000, 60, 0.3),
                          (15000, 60, 0.05), (30000, 130, 0.2), (12000, 300, 0.1),
                          (12000, 3000, 0.03), (11000, 1, 0.0),
                          (3000000, 3000000, 0.002)]:
        a = rng.normal(0, 1, n1)
        b = rng.normal(shift, 1, n2)
        cases.append(ks_case(f"asymptotic_{n1}_{n2}_shift{shift}", a, b, keep=False))

    # kstwo.sf over the branches of _kolmogn.
    kstwo = []
    for n in [1, 2, 3, 5, 10, 40, 100, 140, 141, 500, 5000, 50000, 100001, 1500000]:
        for x in [0.3 / n, 0.7 / n, 1.0 / n, 1.5 / n, 0.5 / math.sqrt(n), 0.8 / math.sqrt(n),
                  1.2 / math.sqrt(n), 1.6 / math.sqrt(n), 2.5 / math.sqrt(n), 5.0 / math.sqrt(n),
                  0.3, 0.5, 0.75, 1.0 - 1.0 / n, 1.0 - 0.5 / n]:
            if 0.0 < x < 1.0:
                kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    # smirnov, the one-sided tail 2*smirnov feeds.
    smirnov = []
    for n in [2, 3, 10, 141, 1000, 100000, 1000000, 2000000]:
        for z in [0.2, 1.1, 1.6, 2.5, 4.0]:
            x = z / math.sqrt(n)
            if x < 1.0:
                smirnov.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})
        for x in [0.5, 0.9]:
            smirnov.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})

    doc = {"scipy": scipy.__version__, "numpy": np.__version__,
           "cases": cases, "kstwo": kstwo, "smirnov": smirnov}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
