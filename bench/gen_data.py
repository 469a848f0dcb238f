#!/usr/bin/env python3
"""Generates paired evaluation sets for the benchmarks: bench/data/{N}/{candidate,baseline}.parquet.

    python3 bench/gen_data.py 1000000 10000000 [50000000] [--slices 8]

Each file: id (int64), label (int8, ~1 % positives), score (float64), country (string, `--slices`
values). The baseline lists the rows in another order, so `check` really joins by id. Fixed seeds.
"""
import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "data"


def make(n: int, slices: int) -> None:
    rng = np.random.default_rng(n)
    label = (rng.random(n) < 0.01).astype(np.int8)
    names = np.array([f"c{i:02d}" for i in range(slices)])
    country = names[rng.integers(0, slices, n)]
    shared = rng.normal(0, 1, n)
    signal = label * 2.0
    cand = 1 / (1 + np.exp(-(signal * 1.05 + shared + rng.normal(0, 1, n) - 4)))
    base = 1 / (1 + np.exp(-(signal + shared + rng.normal(0, 1, n) - 4)))
    ids = np.arange(n, dtype=np.int64)
    d = OUT / str(n)
    d.mkdir(parents=True, exist_ok=True)
    country_arr = pa.array(country).dictionary_encode()
    pq.write_table(
        pa.table({"id": ids, "label": label, "score": cand, "country": country_arr}),
        d / "candidate.parquet",
    )
    perm = rng.permutation(n)
    pq.write_table(
        pa.table({"id": ids[perm], "label": label[perm], "score": base[perm], "country": country_arr.take(perm)}),
        d / "baseline.parquet",
    )
    print(f"wrote {d} ({n} rows, {slices} slices)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--slices", type=int, default=8)
    a = ap.parse_args()
    for n in a.sizes:
        make(n, a.slices)


if __name__ == "__main__":
    main()
