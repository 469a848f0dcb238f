#!/usr/bin/env python3
"""Figures for the README's "Scale": `modelgate sql` through DuckDB on synthetic rows.

For N paired rows (8 countries, 1.5 % positives, two correlated models) and each number of
decimals: the DuckDB time of the generated aggregation, the bins it gives, and the time of
`modelgate check` on the histogram against the same rows rounded by DuckDB (DeLong overall
and by country, a pr_auc bootstrap). Prints a Markdown table.

usage: python bench/sql_scale.py MODELGATE_BINARY_FOR_SQL MODELGATE_BINARY_FOR_CHECK N [DECIMALS...]
(needs duckdb and numpy; the data are made with a fixed seed)
"""

import os
import subprocess
import sys
import tempfile
import time

import duckdb
import numpy as np

GATES = """seed: 7
threshold: 0.2
bootstrap: {replicates: 1000}
min_slice: {rows: 500, positives: 20, negatives: 20}
gates:
  - metric: roc_auc
    max_regression: 0.005
    evidence: confident
  - metric: roc_auc
    max_regression: 0.02
    by: country
  - metric: pr_auc
    max_regression: 0.01
    evidence: confident
"""


def make_rows(con, n, work):
    rng = np.random.default_rng(15)
    label = (rng.random(n) < 0.015).astype(np.int8)
    shared = rng.normal(size=n)
    cand = 1 / (1 + np.exp(-(-4.2 + 2.0 * label + 0.8 * shared + 0.6 * rng.normal(size=n))))
    base = 1 / (1 + np.exp(-(-4.2 + 1.6 * label + 0.8 * shared + 0.7 * rng.normal(size=n))))
    countries = np.array(["DE", "FR", "US", "BR", "MX", "NG", "IN", "JP"])
    country = countries[rng.integers(0, 8, size=n)]
    ids = np.arange(n)
    con.register("c_df", {"id": ids, "label": label, "score": cand, "country": country})
    con.register("b_df", {"id": ids, "label": label, "score": base})
    con.execute("CREATE TABLE cand_rows AS SELECT * FROM c_df")
    con.execute("CREATE TABLE base_rows AS SELECT * FROM b_df ORDER BY hash(id)")


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"{cmd}: {r.stderr}")
    return time.perf_counter() - t


def main():
    sql_bin, check_bin, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    decimals = [int(d) for d in sys.argv[4:]] or [2, 3, 4]
    work = tempfile.mkdtemp(prefix="mg-sql-bench-")
    con = duckdb.connect()
    make_rows(con, n, work)
    print(f"| decimals | bins ({n:,} rows) | DuckDB aggregation + export | check on the histogram | check on the rounded rows |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for d in decimals:
        dd = os.path.join(work, f"d{d}")
        os.makedirs(dd)
        rows_cfg = os.path.join(dd, "rows.yaml")
        with open(rows_cfg, "w") as f:
            f.write("version: 1\nname: bench\ncandidate: rows_c.parquet\nbaseline: rows_b.parquet\n"
                    "columns: {label: label, score: score, id: id}\n" + GATES)
        sql = subprocess.run(
            [sql_bin, "sql", "--dialect", "duckdb", "--config", rows_cfg, "--decimals", str(d),
             "--candidate-table", "cand_rows", "--baseline-table", "base_rows",
             "--candidate-out", os.path.join(dd, "hist_c.parquet"),
             "--baseline-out", os.path.join(dd, "hist_b.parquet")],
            capture_output=True, text=True, check=True).stdout
        t = time.perf_counter()
        con.execute(sql)
        engine = time.perf_counter() - t
        bins = con.execute("SELECT COUNT(*) FROM modelgate_hist").fetchone()[0]
        for side, table in (("c", "cand_rows"), ("b", "base_rows")):
            con.execute(f"COPY (SELECT * REPLACE (CAST(ROUND(score, {d}) AS DOUBLE) AS score) FROM {table}) "
                        f"TO '{os.path.join(dd, 'rows_' + side + '.parquet')}' (FORMAT parquet)")
        hist_cfg = os.path.join(dd, "hist.yaml")
        with open(hist_cfg, "w") as f:
            f.write("version: 1\nname: bench\ncandidate: hist_c.parquet\nbaseline: hist_b.parquet\n"
                    "columns: {label: label, score: score, id: bin, weight: n}\nweights: frequency\n" + GATES)
        runs = 3
        th = sorted(timed([check_bin, "check", "--config", hist_cfg, "--publish", "none",
                           "--markdown", os.devnull]) for _ in range(runs))[runs // 2]
        tr = sorted(timed([check_bin, "check", "--config", rows_cfg, "--publish", "none",
                           "--markdown", os.devnull]) for _ in range(runs))[runs // 2]
        print(f"| {d} | {bins:,} ({n / bins:.1f}× fewer) | {engine:.2f} s | {th:.2f} s | {tr:.2f} s |")


if __name__ == "__main__":
    main()
