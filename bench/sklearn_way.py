#!/usr/bin/env python3
"""The way a team computes the same numbers without modelgate: pandas merge, scikit-learn per
slice, and a numpy DeLong (Sun & Xu fast form). Prints the wall time of the whole job.

    python3 bench/sklearn_way.py bench/data/10000000
"""
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata
from sklearn.metrics import average_precision_score, roc_auc_score


def delong(y, a, b):
    """Paired DeLong test of equal AUCs (Sun & Xu 2014, midranks)."""
    pos, neg = y == 1, y == 0
    m, n = pos.sum(), neg.sum()
    out = []
    for s in (a, b):
        r_all = rankdata(s)
        r_pos = rankdata(s[pos])
        r_neg = rankdata(s[neg])
        auc = (r_all[pos].sum() - m * (m + 1) / 2) / (m * n)
        v10 = (r_all[pos] - r_pos) / n
        v01 = 1 - (r_all[neg] - r_neg) / m
        out.append((auc, v10, v01))
    (a1, v10a, v01a), (a2, v10b, v01b) = out
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    s = s10 / m + s01 / n
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    z = (a1 - a2) / np.sqrt(var)
    return a1 - a2, 2 * norm.sf(abs(z))


def main() -> None:
    d = Path(sys.argv[1])
    t0 = time.perf_counter()
    c = pd.read_parquet(d / "candidate.parquet", columns=["id", "label", "score", "country"])
    b = pd.read_parquet(d / "baseline.parquet", columns=["id", "score"])
    df = c.merge(b, on="id", suffixes=("_c", "_b"))
    y = df["label"].to_numpy()
    results = {}
    groups = [("all", np.ones(len(df), dtype=bool))] + [
        (k, (df["country"] == k).to_numpy()) for k in sorted(df["country"].unique())
    ]
    for name, mask in groups:
        yy, sc, sb = y[mask], df["score_c"].to_numpy()[mask], df["score_b"].to_numpy()[mask]
        results[name] = (
            roc_auc_score(yy, sc), roc_auc_score(yy, sb),
            average_precision_score(yy, sc), average_precision_score(yy, sb),
        )
    delta, p = delong(y, df["score_c"].to_numpy(), df["score_b"].to_numpy())
    elapsed = time.perf_counter() - t0
    print(f"sklearn_way rows={len(df)} seconds={elapsed:.2f} auc_delta={delta:.6f} p={p:.3g} "
          f"all_roc_auc={results['all'][0]:.6f} all_pr_auc={results['all'][2]:.6f}")


if __name__ == "__main__":
    main()
