#!/usr/bin/env python3
"""Golden values for tests/stats_reference.rs, from the reference implementations.

    python3 tests/reference/make_golden.py   # rewrites tests/reference/stats-golden.json

Sources (versions are recorded in the output):
- McNemar: statsmodels.stats.contingency_tables.mcnemar(table, exact=True); mid-p from
  scipy.stats.binom (2*cdf(k) - pmf(k), capped at 1).
- Corrections: statsmodels.stats.multitest.multipletests(method="holm" / "fdr_bh").
- Percentile interval: numpy.percentile(theta, [100*a/2, 100*(1-a/2)]) (linear rule, as
  scipy.stats.bootstrap(method="percentile")); standard error numpy.std(ddof=1).
The replicate arrays themselves are stored in the output, so the Rust test needs no RNG.
"""

import json
import pathlib

import numpy as np
import scipy
import statsmodels
from scipy.stats import binom
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

OUT = pathlib.Path(__file__).with_name("stats-golden.json")


def mcnemar_cases():
    tables = [
        (0, 0), (0, 1), (0, 3), (4, 1), (5, 5), (12, 3), (3, 60), (30, 51), (100, 150),
        (150, 100), (700, 1), (1000, 1100), (40_000, 41_000), (50_000, 50_500),
        (100_000, 99_000), (100_000, 100_000), (99_500, 100_500),
    ]
    out = []
    for b, c in tables:
        res = mcnemar(np.array([[10, b], [c, 10]]), exact=True)
        n, k = b + c, min(b, c)
        mid = min(1.0, 2 * binom.cdf(k, n, 0.5) - binom.pmf(k, n, 0.5)) if n else 1.0
        out.append({"b": b, "c": c, "p": float(res.pvalue), "mid_p": float(mid)})
    return out


def correction_cases():
    rng = np.random.default_rng(11)
    families = [
        [0.01, 0.04, 0.03, 0.005],
        [0.2, 0.2, 0.01, 0.5, 0.01, 0.9],  # ties
        [1e-8, 0.049, 0.051, 0.3, 0.7, 1.0],
        [0.5],
        rng.uniform(0, 0.1, 25).round(6).tolist(),
        np.sort(rng.uniform(0, 1, 40)).tolist()[::-1],
    ]
    out = []
    for p in families:
        p = [float(x) for x in p]
        out.append({
            "p": p,
            "holm": multipletests(p, method="holm")[1].tolist(),
            "bh": multipletests(p, method="fdr_bh")[1].tolist(),
        })
    return out


def percentile_cases():
    rng = np.random.default_rng(2024)
    arrays = [
        rng.normal(0.01, 0.02, 2000),
        rng.normal(-0.003, 0.001, 401),
        rng.integers(0, 5, 1000) / 4.0,  # heavy ties
        np.array([0.3, 0.1, 0.2, 0.5, 0.4, 0.45, 0.05]),
        rng.standard_t(3, 101),
    ]
    out = []
    for theta in arrays:
        intervals = []
        for conf in (0.95, 0.9, 0.8):
            a = 1 - conf
            lo, hi = np.percentile(theta, [100 * a / 2, 100 * (1 - a / 2)])
            intervals.append({"confidence": conf, "lo": float(lo), "hi": float(hi)})
        out.append({
            "replicates": theta.tolist(),
            "intervals": intervals,
            "se": float(np.std(theta, ddof=1)),
            # Two-sided bootstrap p-value of 0: 2*min(frac <= 0, frac >= 0), capped at 1.
            "p_zero": float(min(1.0, 2 * min(np.mean(theta <= 0), np.mean(theta >= 0)))),
        })
    return out


def main():
    golden = {
        "source": "tests/reference/make_golden.py",
        "versions": {
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "mcnemar": mcnemar_cases(),
        "correction": correction_cases(),
        "percentile": percentile_cases(),
    }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
