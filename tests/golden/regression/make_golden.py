#!/usr/bin/env python3
"""Golden values for tests/regression_golden.rs, from scikit-learn's regression metrics.

Deterministic (fixed seeds). Writes one CSV per data set (target,prediction[,weight], floats
written with repr so they parse back bit-exact) and expected.json:
  {"sklearn": "<version>", "datasets": [{"name", "file",
   "expected": {"<metric id>": {"value": x} | {"undefined": "Empty|TooFew"}}}]}

The edge cases are the ones each metric's doc comment (src/metrics/regression.rs) names:
constant targets (r2 / explained_variance force_finite), zero targets (mape's epsilon),
zero and whole-number weights (the weighted median's averaged inverted CDF), ties, one row.
max_error takes no sample_weight in scikit-learn: its expected value ignores the weights.

Run from anywhere:  python3 tests/golden/regression/make_golden.py
"""

import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.simplefilter("ignore")

PINBALL = [0.1, 0.5, 0.9]


def datasets():
    out = []
    rng = np.random.default_rng(20261201)

    n = 300
    y = rng.normal(30, 10, n)
    p = y + rng.normal(0, 4, n)
    out.append(("random", y, p, None))

    n = 250
    y = np.round(rng.gamma(2.0, 8.0, n), 1)
    p = np.round(y + rng.normal(1, 5, n), 0)
    out.append(("ties", y, p, None))

    n = 260
    y = rng.normal(100, 30, n)
    p = y + rng.laplace(0, 10, n)
    w = rng.uniform(0, 3, n)
    w[rng.random(n) < 0.2] = 0.0
    out.append(("weighted", y, p, w))

    n = 201
    y = np.round(rng.normal(5, 2, n), 0)
    p = np.round(y + rng.normal(0, 2, n), 0)
    w = rng.choice([0.0, 1.0, 2.0, 3.0, 7.0], n).astype(float)
    out.append(("whole_weights", y, p, w))

    out.append(("zero_targets", np.array([0.0, 0.0, 1.0, -2.0, 0.5]),
                np.array([0.1, -0.3, 1.0, -1.0, 0.0]), None))
    out.append(("constant_exact", np.full(6, -2.0), np.full(6, -2.0), None))
    out.append(("constant_off", np.full(5, 3.0), np.array([3.0, 3.0, 3.0, 3.0, 3.0 + 1e-8]), None))
    out.append(("one_row", np.array([4.0]), np.array([2.5]), None))
    out.append(("even_median", np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0, 4.0]), None))
    out.append(("tie_weights", np.zeros(4), np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, 1.0, 2.0])))
    out.append(("trailing_zero_weights", np.zeros(4), np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 0.0, 0.0])))
    out.append(("all_zero_weight", np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0])))
    return out


def expected(y, p, w):
    e = {}

    def put(name, f):
        try:
            v = float(f())
        except ValueError:  # "Sample weights must contain at least one non-zero number"
            e[name] = {"undefined": "Empty"}
            return
        if np.isnan(v):
            e[name] = {"undefined": "TooFew" if name == "r2" and len(y) < 2 else "Empty"}
        else:
            e[name] = {"value": v}

    for name, fn in [
        ("mae", skm.mean_absolute_error),
        ("mse", skm.mean_squared_error),
        ("rmse", skm.root_mean_squared_error),
        ("r2", skm.r2_score),
        ("mape", skm.mean_absolute_percentage_error),
        ("median_absolute_error", skm.median_absolute_error),
        ("explained_variance", skm.explained_variance_score),
    ]:
        put(name, lambda fn=fn: fn(y, p, sample_weight=w))
    for q in PINBALL:
        put(f"pinball({q})", lambda q=q: skm.mean_pinball_loss(y, p, sample_weight=w, alpha=q))
    put("max_error", lambda: skm.max_error(y, p))
    return e


def main():
    docs = []
    for name, y, p, w in datasets():
        path = os.path.join(HERE, f"{name}.csv")
        with open(path, "w") as f:
            f.write("target,prediction" + (",weight" if w is not None else "") + "\n")
            for i in range(len(y)):
                row = [repr(float(y[i])), repr(float(p[i]))]
                if w is not None:
                    row.append(repr(float(w[i])))
                f.write(",".join(row) + "\n")
        docs.append({"name": name, "file": f"{name}.csv", "expected": expected(y, p, w)})
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "datasets": docs}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
