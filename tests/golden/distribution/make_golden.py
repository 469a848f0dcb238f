#!/usr/bin/env python3
"""Golden values for tests/distribution_golden.rs: distribution distances and churn.

KS and Wasserstein come from scipy.stats (`ks_2samp(a, b).statistic`,
`wasserstein_distance(a, b)`); JS from `scipy.spatial.distance.jensenshannon(p, q, base=2)**2`
on the binned shares; PSI and the bins from numpy as CONTRACT §4 defines them (quantile bins
of the expected sample, numpy's default linear quantiles, duplicate edges merged, bins closed
on the left, shares floored at 1e-4); churn by counting with numpy.

Deterministic (fixed seed). Writes expected.json beside this file:
  {"scipy": "<version>", "numpy": "<version>", "cases": [{"name", "a", "b", "labels",
   "threshold", "expected": {"<metric id>": x}}]}
where `a` plays the candidate (actual) and `b` the baseline (expected). Floats are written
with repr so they parse back bit-exact.

`feature_cases` hold feature columns against a reference sample, with missing values
(`null`): numeric ones get the expected sample's quantile bins over its present values plus a
bin for the missing values (shares of all rows); categorical ones one bin per value of
either sample, missing included:
  {"name", "kind": "numeric" | "categorical", "a", "b", "expected": {"<metric id>": x}}

Run from anywhere:  python3 tests/golden/distribution/make_golden.py
"""

import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
EPS = 1e-4


def shares(actual, expected, bins):
    edges = np.unique(np.quantile(expected, np.arange(1, bins) / bins))
    def share(x):
        idx = np.searchsorted(edges, x, side="right")
        return np.bincount(idx, minlength=len(edges) + 1) / len(x)
    return share(actual), share(expected)


def psi(actual, expected, bins):
    p, q = shares(actual, expected, bins)
    p, q = np.maximum(p, EPS), np.maximum(q, EPS)
    return float(np.sum((p - q) * np.log(p / q)))


def js(actual, expected, bins):
    p, q = shares(actual, expected, bins)
    return float(distance.jensenshannon(p, q, base=2) ** 2)


def feature_shares(actual, expected, bins):
    a = np.array([x for x in actual if x is not None], float)
    e = np.array([x for x in expected if x is not None], float)
    edges = np.unique(np.quantile(e, np.arange(1, bins) / bins))
    def share(x, n):
        if len(x) == 0:
            s = np.zeros(len(edges) + 1)
        else:
            s = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1) / n
        return np.append(s, (n - len(x)) / n)
    return share(a, len(actual)), share(e, len(expected))


def category_shares(actual, expected):
    values = sorted(set(actual) | set(expected), key=lambda v: (v is not None, v or ""))
    p = np.array([sum(1 for x in actual if x == v) for v in values], float) / len(actual)
    q = np.array([sum(1 for x in expected if x == v) for v in values], float) / len(expected)
    return p, q


def psi_of(p, q):
    p, q = np.maximum(p, EPS), np.maximum(q, EPS)
    return float(np.sum((p - q) * np.log(p / q)))


def js_of(p, q):
    return float(distance.jensenshannon(p, q, base=2) ** 2)


def feature_cases():
    rng = np.random.default_rng(20261201)
    out = []

    def numeric(name, a, b):
        exp = {}
        for bins in (10, 4):
            p, q = feature_shares(a, b, bins)
            exp[f"psi({bins})"] = psi_of(p, q)
            exp[f"js_divergence({bins})"] = js_of(p, q)
        out.append({"name": name, "kind": "numeric", "a": a, "b": b, "expected": exp})

    def categorical(name, a, b):
        p, q = category_shares(a, b)
        v = {"psi": psi_of(p, q), "js": js_of(p, q)}
        # Categorical bins do not depend on `bins`.
        exp = {"psi(10)": v["psi"], "psi(4)": v["psi"], "js_divergence(10)": v["js"], "js_divergence(4)": v["js"]}
        out.append({"name": name, "kind": "categorical", "a": a, "b": b, "expected": exp})

    def with_missing(x, share):
        return [None if rng.random() < share else round(float(v), 4) for v in x]

    numeric("amount_missing", with_missing(rng.lognormal(3.6, 1.1, 400), 0.1), with_missing(rng.lognormal(3.8, 1.0, 600), 0.03))
    numeric("missing_only_actual", [None, None, None], [1.0, 2.0, None, 3.0])
    numeric("ties_missing", with_missing(np.round(rng.random(300) * 3), 0.2), with_missing(np.round(rng.random(300) * 3), 0.0))
    countries = ["DE", "FR", "MX", "US"]
    categorical(
        "country_missing",
        [None if rng.random() < 0.05 else str(rng.choice(countries, p=[0.4, 0.3, 0.2, 0.1])) for _ in range(500)],
        [None if rng.random() < 0.01 else str(rng.choice(countries, p=[0.25, 0.25, 0.25, 0.25])) for _ in range(800)],
    )
    categorical("new_category", ["DE", "DE", "NG", "FR"], ["DE", "FR", "FR", "FR", "US"])
    return out


def cases():
    rng = np.random.default_rng(20261130)
    out = []

    def add(name, a, b, labels, threshold=0.5):
        out.append((name, np.asarray(a, float), np.asarray(b, float), np.asarray(labels, bool), threshold))

    n = 500
    y = rng.random(n) < 0.3
    base = 1 / (1 + np.exp(-rng.normal(-1 + 2 * y, 1.0)))
    cand = 1 / (1 + np.exp(-(rng.normal(-1 + 2 * y, 1.0) + 0.3)))
    add("logistic_shift", cand, base, y)

    cand2 = np.clip(base + rng.normal(0, 0.02, n), 0, 1)
    add("small_noise", cand2, base, y)

    add("identical", base, base, y)

    # Heavy ties: scores rounded to one decimal, a third of the baseline at exactly 0.
    t = np.round(base, 1)
    t[: n // 3] = 0.0
    add("ties", np.round(cand, 1), t, y)

    # Unbounded scores (logits), different spread.
    add("logits", rng.normal(0.2, 1.5, 300), rng.normal(0.0, 1.0, 300), rng.random(300) < 0.5, 0.0)

    # Tiny sample and integer scores.
    add("tiny", [1.0, 2.0, 2.0, 5.0], [2.0, 3.0, 3.0, 4.0], [True, False, True, False], 2.5)

    # Disjoint supports: psi hits the epsilon floor, KS = 1.
    add("disjoint", rng.uniform(0.6, 1.0, 200), rng.uniform(0.0, 0.4, 200), rng.random(200) < 0.2)
    return out


def main():
    result = {"scipy": scipy.__version__, "numpy": np.__version__, "cases": []}
    for name, a, b, y, t in cases():
        flip = (a >= t) != (b >= t)
        expected = {
            "ks": float(stats.ks_2samp(a, b).statistic),
            "wasserstein": float(stats.wasserstein_distance(a, b)),
            "psi(10)": psi(a, b, 10),
            "psi(4)": psi(a, b, 4),
            "js_divergence(10)": js(a, b, 10),
            "js_divergence(20)": js(a, b, 20),
            "churn": float(flip.mean()),
        }
        if y.any():
            expected["churn_positive"] = float(flip[y].mean())
        if (~y).any():
            expected["churn_negative"] = float(flip[~y].mean())
        result["cases"].append({
            "name": name,
            "a": [float(x) for x in a],
            "b": [float(x) for x in b],
            "labels": [bool(x) for x in y],
            "threshold": t,
            "expected": expected,
        })
    result["feature_cases"] = feature_cases()
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
