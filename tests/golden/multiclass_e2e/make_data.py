#!/usr/bin/env python3
"""Inputs and scikit-learn values of the multiclass end-to-end tests (tests/multiclass.rs).

Run from the repository root: python3 tests/golden/multiclass_e2e/make_data.py
Writes candidate.csv and baseline.csv (600 rows, classes a/b/c with `c` rare, a region per
row, the baseline in another row order: paired by id) and expected.json: scikit-learn 1.9's
values of every multiclass metric for both models on all rows and per region, and the
one-vs-rest values of each class; and the weighted values of four metrics with
w = 1 + id % 3.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as M

HERE = Path(__file__).resolve().parent
CLASSES = ["a", "b", "c"]
rng = np.random.default_rng(13)
n = 600
truth = rng.choice(3, size=n, p=[0.5, 0.4, 0.1])
region = rng.choice(["north", "south"], size=n)


def model(skill: float) -> np.ndarray:
    alpha = np.ones((n, 3))
    alpha[np.arange(n), truth] += skill
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


cand = model(2.0)
base = model(1.2)
y = np.array(CLASSES)[truth]


def values(p: np.ndarray, rows: np.ndarray) -> dict:
    t, s = y[rows], p[rows]
    pred = np.array(CLASSES)[s.argmax(axis=1)]
    out = {
        "accuracy": M.accuracy_score(t, pred),
        "balanced_accuracy": M.balanced_accuracy_score(t, pred),
        "macro_f1": M.f1_score(t, pred, average="macro"),
        "micro_f1": M.f1_score(t, pred, average="micro"),
        "weighted_f1": M.f1_score(t, pred, average="weighted"),
        "macro_precision": M.precision_score(t, pred, average="macro", zero_division=0),
        "macro_recall": M.recall_score(t, pred, average="macro", zero_division=0),
        "log_loss": M.log_loss(t, s, labels=CLASSES),
        "top_k_accuracy(2)": M.top_k_accuracy_score(t, s, k=2, labels=CLASSES),
        "roc_auc_ovr": M.roc_auc_score(t, s, multi_class="ovr", labels=CLASSES),
        "mcc": M.matthews_corrcoef(t, pred),
        "cohen_kappa": M.cohen_kappa_score(t, pred),
    }
    by_class = {}
    for j, c in enumerate(CLASSES):
        yt, yp = (t == c), (pred == c)
        by_class[c] = {
            "precision": M.precision_score(yt, yp, zero_division=0),
            "recall": M.recall_score(yt, yp, zero_division=0),
            "f1": M.f1_score(yt, yp, zero_division=0),
            "pr_auc": M.average_precision_score(yt, s[:, j]),
            "roc_auc": M.roc_auc_score(yt, s[:, j]),
            "rows": int(yt.sum()),
        }
    out["by_class"] = by_class
    return out


every = np.arange(n)
expected = {
    name: {
        "all": values(p, every),
        "north": values(p, every[region == "north"]),
        "south": values(p, every[region == "south"]),
    }
    for name, p in [("candidate", cand), ("baseline", base)]
}
# Weighted (w = 1 + id % 3, the tests add the column): the label and score metrics.
w = 1 + np.arange(n) % 3
for name, p in [("candidate", cand), ("baseline", base)]:
    pred = np.array(CLASSES)[p.argmax(axis=1)]
    expected[name]["weighted"] = {
        "macro_f1": M.f1_score(y, pred, average="macro", sample_weight=w),
        "accuracy": M.accuracy_score(y, pred, sample_weight=w),
        "log_loss": M.log_loss(y, p, labels=CLASSES, sample_weight=w),
        "roc_auc_ovr": M.roc_auc_score(y, p, multi_class="ovr", labels=CLASSES, sample_weight=w),
    }
(HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")

for name, p in [("candidate", cand), ("baseline", base)]:
    frame = pd.DataFrame({"id": np.arange(n), "intent": y, "region": region})
    for j, c in enumerate(CLASSES):
        frame[f"p_{c}"] = p[:, j]
    frame["pred"] = np.array(CLASSES)[p.argmax(axis=1)]
    if name == "baseline":
        frame = frame.iloc[::-1]
    frame.to_csv(HERE / f"{name}.csv", index=False, float_format="%.17g")
