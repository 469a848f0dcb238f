#!/usr/bin/env python3
"""Inputs and reference values of the ranking end-to-end tests (tests/ranking.rs).

Run from the repository root: python3 tests/golden/ranking_e2e/make_data.py
Writes candidate.csv and baseline.csv: 150 queries of 3 to 12 items, graded relevance 0-3
(every query has a relevant item), a device per query, rows shuffled (a query's rows are
not together) and the baseline in another order (paired by id); and expected.json: per
model, on all queries and per device, the mean over queries of scikit-learn 1.9's
`ndcg_score` (k = 5 and all items) and `average_precision_score` (map), and of the written
definitions of mrr, recall@5 and precision@5 (scores have no ties, so no tie rule applies).
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, ndcg_score

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(2026)
rows = []
for q in range(150):
    m = int(rng.integers(3, 13))
    rel = rng.choice(4, size=m, p=[0.55, 0.25, 0.12, 0.08]).astype(float)
    if rel.max() == 0:
        rel[rng.integers(m)] = 1.0
    device = ["mobile", "desktop"][q % 2]
    cand = rel * 0.8 + rng.normal(0, 1.0, m)
    base = rel * 0.4 + rng.normal(0, 1.0, m)
    for i in range(m):
        rows.append((f"q{q:03d}", device, rel[i], cand[i], base[i]))
frame = pd.DataFrame(rows, columns=["query", "device", "relevance", "cand", "base"])
frame["id"] = np.arange(len(frame))


def per_query(g: pd.DataFrame, score: str) -> dict:
    rel, s = g["relevance"].to_numpy(), g[score].to_numpy()
    order = np.argsort(-s)
    r = rel[order]
    relevant = r > 0
    first = int(np.argmax(relevant))
    return {
        "ndcg(5)": ndcg_score([rel], [s], k=5),
        "ndcg": ndcg_score([rel], [s]),
        "map": average_precision_score(rel > 0, s),
        "mrr": 1.0 / (first + 1),
        "recall_at_k(5)": relevant[:5].sum() / relevant.sum(),
        "precision_at_k(5)": relevant[:5].sum() / 5.0,
    }


def means(f: pd.DataFrame, score: str) -> dict:
    vals = [per_query(g, score) for _, g in f.groupby("query", sort=True)]
    return {k: float(np.mean([v[k] for v in vals])) for k in vals[0]} | {"rows": len(f), "groups": len(vals)}


expected = {
    name: {"all": means(frame, col)} | {d: means(frame[frame.device == d], col) for d in ["mobile", "desktop"]}
    for name, col in [("candidate", "cand"), ("baseline", "base")]
}
(HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
shuffled = frame.sample(frac=1.0, random_state=1)
out = lambda f, col: f[["id", "query", "device", "relevance", col]].rename(columns={col: "score"})
out(shuffled, "cand").to_csv(HERE / "candidate.csv", index=False, float_format="%.17g")
out(shuffled.iloc[::-1], "base").to_csv(HERE / "baseline.csv", index=False, float_format="%.17g")
