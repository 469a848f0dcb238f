#!/usr/bin/env python3
"""Generates paired ranking evaluation sets: bench/data/ranking-{N}/{candidate,baseline}.parquet,
a config beside them, and times the scikit-learn peer.

    python3 bench/gen_ranking.py 1000000 [--items 10] [--slices 8]
    python3 bench/gen_ranking.py --peer bench/data/ranking-1000000

Each file: id (int64), query (int64, `--items` rows per query), relevance (graded 0..3),
score (float64, rounded so ties occur), country (string, one per query). The baseline lists
the rows in another order, so `check` really joins by id. Fixed seeds. `--peer` is what a
team writes without modelgate: pandas reads and joins both files, scikit-learn's
`ndcg_score(k=10)` for both models overall and per country (point values only; scikit-learn
has no MAP or MRR for graded relevance).
"""
import argparse
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "data"

CONFIG = """version: 1
name: ranking-bench
task: ranking
candidate: candidate.parquet
baseline: baseline.parquet
columns: {label: relevance, score: score, group: query, id: id}
seed: 7
gates:
  - {metric: "ndcg(10)", max_regression: 0.005, evidence: significant}
  - {metric: mrr, max_regression: 0.01, evidence: significant}
  - {metric: "ndcg(10)", max_regression: 0.02, by: country}
"""


def make(n: int, items: int, slices: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(n + items)
    q = n // items
    query = np.repeat(np.arange(q, dtype=np.int64), items)
    rel = np.floor(rng.random(q * items) * 4)
    # Every query has a relevant item (MRR is defined everywhere).
    rel[::items] = np.maximum(rel[::items], 1)
    names = np.array([f"s{i:02d}" for i in range(slices)])
    country = np.repeat(names[rng.integers(0, slices, q)], items)
    ids = np.arange(q * items, dtype=np.int64)
    d = OUT / f"ranking-{n}"
    d.mkdir(parents=True, exist_ok=True)
    perm = rng.permutation(q * items)
    for name, skill, order in [("candidate", 0.32, ids), ("baseline", 0.30, perm)]:
        score = np.round((rel * skill + rng.random(rel.shape)) * 100)
        cols = {"id": ids[order], "query": query[order], "relevance": rel[order],
                "score": score[order], "country": country[order]}
        pq.write_table(pa.table(cols), d / f"{name}.parquet")
    (d / "modelgate.yaml").write_text(CONFIG)


def peer(d: Path) -> None:
    import pandas as pd
    from sklearn.metrics import ndcg_score

    c = pd.read_parquet(d / "candidate.parquet")
    b = pd.read_parquet(d / "baseline.parquet")
    m = c.merge(b[["id", "score"]], on="id", suffixes=("", "_b")).sort_values(["query", "id"])
    items = int(m.groupby("query").size().iloc[0])
    for col in ("score", "score_b"):
        rel = m["relevance"].to_numpy().reshape(-1, items)
        s = m[col].to_numpy().reshape(-1, items)
        ndcg_score(rel, s, k=10)
        for _, g in m.groupby("country"):
            ndcg_score(g["relevance"].to_numpy().reshape(-1, items), g[col].to_numpy().reshape(-1, items), k=10)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int, nargs="?")
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--slices", type=int, default=8)
    ap.add_argument("--peer", type=Path)
    a = ap.parse_args()
    if a.peer:
        peer(a.peer)
    else:
        make(a.rows, a.items, a.slices)
