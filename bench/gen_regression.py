#!/usr/bin/env python3
"""Generates paired regression evaluation sets: bench/data/regression-{N}/{candidate,baseline}.parquet.

    python3 bench/gen_regression.py 1000000 [--slices 8]

Each file: id (int64), y (float64 target), prediction (float64), country (string, `--slices`
values), user (int64, 10 rows per user on average). The baseline lists the rows in another
order, so `check` really joins by id. Fixed seeds.
"""
import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "data"


def make(n: int, slices: int) -> None:
    rng = np.random.default_rng(n + 1)
    names = np.array([f"c{i:02d}" for i in range(slices)])
    country = names[rng.integers(0, slices, n)]
    user = rng.integers(0, max(n // 10, 1), n).astype(np.int64)
    y = rng.gamma(3.0, 10.0, n)
    shared = rng.normal(0, 3, n)
    cand = y + shared + rng.normal(0, 2.0, n)
    base = y + shared + rng.normal(0, 2.1, n)
    ids = np.arange(n, dtype=np.int64)
    d = OUT / f"regression-{n}"
    d.mkdir(parents=True, exist_ok=True)
    country_arr = pa.array(country).dictionary_encode()
    pq.write_table(
        pa.table({"id": ids, "y": y, "prediction": cand, "country": country_arr, "user": user}),
        d / "candidate.parquet",
    )
    perm = rng.permutation(n)
    pq.write_table(
        pa.table({"id": ids[perm], "y": y[perm], "prediction": base[perm], "country": country_arr.take(perm), "user": user[perm]}),
        d / "baseline.parquet",
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int, nargs="+")
    ap.add_argument("--slices", type=int, default=8)
    a = ap.parse_args()
    for n in a.rows:
        make(n, a.slices)
