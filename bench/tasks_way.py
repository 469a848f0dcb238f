#!/usr/bin/env python3
"""The peer of a multiclass or regression `modelgate check` at scale: what a team writes
without modelgate. pandas reads both Parquet files, joins them on id, and scikit-learn
computes the same point values modelgate's point-gate config computes (overall and per
country, both models). No intervals: this is the floor a script pays for the numbers alone.

    python3 bench/tasks_way.py multiclass bench/data/multiclass-1000000
    python3 bench/tasks_way.py regression bench/data/regression-1000000

bench/RESULTS.md quotes its whole-process time beside `modelgate check` on the same files
(`bench/data/*/point.yaml`, written by this script next to the data).
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as skm

POINT = {
    "multiclass": """version: 1
name: multiclass-point
task: multiclass
candidate: candidate.parquet
baseline: baseline.parquet
columns:
  label: label
  scores: {{{scores}}}
  id: id
gates:
  - {{metric: accuracy, max_regression: 0.01}}
  - {{metric: macro_f1, max_regression: 0.01}}
  - {{metric: log_loss, max_regression: 0.02}}
  - {{metric: macro_f1, max_regression: 0.02, by: country}}
""",
    "regression": """version: 1
name: regression-point
task: regression
candidate: candidate.parquet
baseline: baseline.parquet
columns:
  label: y
  prediction: prediction
  id: id
gates:
  - {metric: mae, max_regression: 0.05}
  - {metric: rmse, max_regression: 0.05}
  - {metric: r2, min: 0.5}
  - {metric: mae, max_regression: 0.1, by: country}
""",
}


def multiclass(d: Path) -> None:
    c = pd.read_parquet(d / "candidate.parquet")
    b = pd.read_parquet(d / "baseline.parquet")
    cols = [x for x in c.columns if x.startswith("p_")]
    classes = [x[2:] for x in cols]
    m = c.merge(b[["id"] + cols], on="id", suffixes=("", "_b"))
    for suffix in ("", "_b"):
        p = m[[x + suffix for x in cols]].to_numpy()
        pred = np.array(classes)[p.argmax(axis=1)]
        skm.accuracy_score(m["label"], pred)
        skm.f1_score(m["label"], pred, average="macro")
        skm.log_loss(m["label"], p, labels=classes)
        for _, g in m.assign(pred=pred).groupby("country"):
            skm.f1_score(g["label"], g["pred"], average="macro")
    (d / "point.yaml").write_text(
        POINT["multiclass"].format(scores=", ".join(f"{k}: p_{k}" for k in classes))
    )


def regression(d: Path) -> None:
    c = pd.read_parquet(d / "candidate.parquet")
    b = pd.read_parquet(d / "baseline.parquet")
    m = c.merge(b[["id", "prediction"]], on="id", suffixes=("", "_b"))
    for col in ("prediction", "prediction_b"):
        skm.mean_absolute_error(m["y"], m[col])
        skm.root_mean_squared_error(m["y"], m[col])
        skm.r2_score(m["y"], m[col])
        for _, g in m.groupby("country", observed=True):
            skm.mean_absolute_error(g["y"], g[col])
    (d / "point.yaml").write_text(POINT["regression"])


if __name__ == "__main__":
    task, folder = sys.argv[1], Path(sys.argv[2])
    {"multiclass": multiclass, "regression": regression}[task](folder)
