#!/usr/bin/env python3
"""Generates paired multiclass evaluation sets: bench/data/multiclass-{N}/{candidate,baseline}.parquet
and a config beside them.

    python3 bench/gen_multiclass.py 1000000 [--classes 5] [--slices 8]

Each file: id (int64), label (string class), p_c0 … p_c{K-1} (float64 probabilities summing to
1), country (string, `--slices` values). The baseline lists the rows in another order, so
`check` really joins by id. Fixed seeds.
"""
import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "data"

CONFIG = """version: 1
name: multiclass-bench
task: multiclass
candidate: candidate.parquet
baseline: baseline.parquet
columns:
  label: label
  scores: {{{scores}}}
  id: id
seed: 7
gates:
  - {{metric: accuracy, max_regression: 0.01, evidence: significant}}
  - {{metric: macro_f1, max_regression: 0.01, evidence: significant}}
  - {{metric: log_loss, max_regression: 0.02, evidence: significant}}
  - {{metric: macro_f1, max_regression: 0.02, by: country}}
"""


def make(n: int, k: int, slices: int) -> None:
    rng = np.random.default_rng(n + k)
    classes = np.array([f"c{i}" for i in range(k)])
    truth = rng.integers(0, k, n)
    names = np.array([f"s{i:02d}" for i in range(slices)])
    country = names[rng.integers(0, slices, n)]

    def model(skill: float) -> np.ndarray:
        a = np.ones((n, k))
        a[np.arange(n), truth] += skill
        g = rng.gamma(a)
        return g / g.sum(axis=1, keepdims=True)

    ids = np.arange(n, dtype=np.int64)
    d = OUT / f"multiclass-{n}"
    d.mkdir(parents=True, exist_ok=True)
    perm = rng.permutation(n)
    for name, p, order in [("candidate", model(2.0), np.arange(n)), ("baseline", model(1.9), perm)]:
        cols = {"id": ids[order], "label": classes[truth][order], "country": country[order]}
        for j, c in enumerate(classes):
            cols[f"p_{c}"] = p[order, j]
        pq.write_table(pa.table(cols), d / f"{name}.parquet")
    scores = ", ".join(f"{c}: p_{c}" for c in classes)
    (d / "modelgate.yaml").write_text(CONFIG.format(scores=scores))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--slices", type=int, default=8)
    args = ap.parse_args()
    make(args.n, args.classes, args.slices)
