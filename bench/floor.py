#!/usr/bin/env python3
"""The floor `modelgate check` is measured against: polars alone (the same engine modelgate
links) reads the columns `check` needs from both files and sorts each model's scores once.

    python3 bench/floor.py bench/data/10000000
"""
import sys
import time

import polars as pl


def main() -> None:
    d = sys.argv[1]
    t0 = time.perf_counter()
    rows = 0
    for f, cols in (("candidate", ["id", "label", "score", "country"]), ("baseline", ["id", "label", "score"])):
        df = pl.scan_parquet(f"{d}/{f}.parquet").select(cols).collect()
        order = df["score"].arg_sort(descending=True)
        rows = len(order)
    print(f"polars_floor rows={rows} seconds={time.perf_counter() - t0:.3f} polars={pl.__version__}")


if __name__ == "__main__":
    main()
