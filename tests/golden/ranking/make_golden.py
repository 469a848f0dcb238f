#!/usr/bin/env python3
"""Golden values for tests/ranking_golden.rs.

NDCG comes from scikit-learn's `ndcg_score` (ignore_ties=False), one group at a time,
averaged over groups with `np.average(weights=group_weight)`. scikit-learn has no MAP@k,
MRR, recall@k or precision@k over groups; their values here come from the documented
definitions (src/metrics/ranking.rs) evaluated by brute force: every order of the group's
items that is consistent with its scores (ties in any order), each metric computed on that
order, averaged over the orders. Where a group has no tie, MAP (k = all) is also checked
against scikit-learn's `average_precision_score(rel > 0, score)`.

Writes cases.json: {"sklearn", "cases": [{"name", "group": [code], "relevance": [repr],
"score": [repr], "group_weight": [repr] | null, "expected": {"<id>": {"value"} |
{"undefined": "NoRelevant", "group": index}}}]}. Deterministic.

Run from anywhere:  python3 tests/golden/ranking/make_golden.py
"""

import itertools
import json
import math
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, ndcg_score

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.simplefilter("ignore")


def orders(score):
    """Every order of the items by descending score, tied items in any order."""
    n = len(score)
    if n > 8:
        raise ValueError("brute force is for small groups")
    out = []
    for perm in itertools.permutations(range(n)):
        if all(score[perm[i]] >= score[perm[i + 1]] for i in range(n - 1)):
            out.append(perm)
    return out


def brute(metric, k, rel, score):
    """The metric on one group, averaged over the orders consistent with the scores."""
    relevant = [r > 0 for r in rel]
    total = sum(relevant)
    vals = []
    for perm in orders(score):
        hits = [relevant[i] for i in perm]
        kk = len(perm) if k is None else k
        if metric == "mrr":
            if total == 0:
                return None
            vals.append(1.0 / (hits.index(True) + 1))
        elif metric == "map":
            if total == 0:
                return None
            s, seen = 0.0, 0
            for p, h in enumerate(hits[:kk]):
                seen += h
                if h:
                    s += seen / (p + 1)
            vals.append(s / min(kk, total))
        elif metric == "recall_at_k":
            if total == 0:
                return None
            vals.append(sum(hits[:kk]) / total)
        elif metric == "precision_at_k":
            vals.append(sum(hits[:kk]) / kk)
        elif metric == "ndcg":
            gains = [rel[i] for i in perm][:kk]
            dcg = sum(g / math.log2(p + 2) for p, g in enumerate(gains))
            ideal = sorted(rel, reverse=True)[:kk]
            idcg = sum(g / math.log2(p + 2) for p, g in enumerate(ideal))
            vals.append(0.0 if idcg == 0 else dcg / idcg)
    return sum(vals) / len(vals)


def cases():
    rng = np.random.default_rng(20261202)
    out = []

    # Continuous scores (no ties), graded relevance 0..3, sizes 2..8, every group has a
    # relevant item.
    groups = []
    for g in range(40):
        n = int(rng.integers(2, 9))
        rel = rng.choice([0, 0, 1, 2, 3], n).astype(float)
        rel[rng.integers(0, n)] = max(1.0, rel.max())
        score = rng.normal(0, 1, n) + 0.4 * rel
        groups.append((rel, score))
    out.append(("random", groups, None))

    # Heavy ties: scores in {0, 1, 2}.
    groups = []
    for g in range(40):
        n = int(rng.integers(2, 8))
        rel = rng.choice([0, 1, 2], n).astype(float)
        rel[rng.integers(0, n)] = 1.0
        score = rng.integers(0, 3, n).astype(float)
        groups.append((rel, score))
    out.append(("ties", groups, None))

    # Group weights (zeros included), fractional relevance.
    groups = []
    for g in range(30):
        n = int(rng.integers(2, 7))
        rel = np.round(rng.uniform(0, 2, n), 2) * (rng.random(n) < 0.6)
        rel[rng.integers(0, n)] = 0.5
        score = np.round(rng.normal(0, 1, n), 1)
        groups.append((rel, score))
    w = rng.uniform(0, 3, len(groups))
    w[::7] = 0.0
    out.append(("weighted", groups, w))

    # Groups without a relevant item: ndcg 0 there, precision 0, the others undefined.
    groups = [
        (np.array([1.0, 0.0, 2.0]), np.array([0.3, 0.9, 0.1])),
        (np.array([0.0, 0.0]), np.array([0.5, 0.4])),
        (np.array([0.0, 3.0, 0.0, 1.0]), np.array([1.0, 1.0, 1.0, 0.0])),
        (np.array([0.0, 0.0, 0.0]), np.array([0.2, 0.2, 0.1])),
    ]
    out.append(("no_relevant", groups, None))

    # Tiny groups: all items tied, two items.
    groups = [
        (np.array([0.0, 1.0]), np.array([0.5, 0.5])),
        (np.array([2.0, 1.0]), np.array([0.1, 0.9])),
        (np.array([1.0, 1.0]), np.array([-1.0, -1.0])),
        (np.array([0.0, 4.0]), np.array([0.0, -0.0])),
    ]
    out.append(("tiny", groups, np.array([1.0, 2.0, 0.5, 1.0])))
    return out


METRICS = [("ndcg", None)] + [("ndcg", k) for k in (1, 3, 5, 20)]
METRICS += [("map", None)] + [("map", k) for k in (1, 3, 20)]
METRICS += [("mrr", None)]
METRICS += [(m, k) for m in ("recall_at_k", "precision_at_k") for k in (1, 2, 5, 20)]


def ident(m, k):
    return m if k is None else f"{m}({k})"


def main():
    doc = {"sklearn": sklearn.__version__, "cases": []}
    for name, groups, w in cases():
        expected = {}
        for m, k in METRICS:
            per = []
            for rel, score in groups:
                if m == "ndcg":
                    v = ndcg_score([rel], [score], k=k)
                    b = brute(m, k, rel, score)
                    assert abs(v - b) < 1e-12, (name, m, k, v, b)
                else:
                    v = brute(m, k, list(rel), list(score))
                    if m == "map" and k is None and v is not None and len(set(score)) == len(score):
                        ap = average_precision_score(rel > 0, score)
                        assert abs(v - ap) < 1e-12, (name, v, ap)
                per.append(v)
            missing = [g for g, v in enumerate(per) if v is None and (w is None or True)]
            if missing:
                expected[ident(m, k)] = {"undefined": "NoRelevant", "group": missing[0], "others": len(missing) - 1}
            else:
                expected[ident(m, k)] = {"value": float(np.average(per, weights=w))}
        codes, rel, score = [], [], []
        for g, (r, s) in enumerate(groups):
            codes += [100 + 3 * g] * len(r)
            rel += [repr(float(v)) for v in r]
            score += [repr(float(v)) for v in s]
        doc["cases"].append(
            {
                "name": name,
                "group": codes,
                "relevance": rel,
                "score": score,
                "group_weight": None if w is None else [repr(float(v)) for v in w],
                "expected": expected,
            }
        )
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
