#!/usr/bin/env python3
"""scikit-learn's time for the multiclass and ranking metrics on the 1M-row workloads of
tests/task_timing.rs (same shapes: 5 classes with probabilities rounded to 1e-4; 100,000
groups of 10 items, graded relevance 0..3). Reference figures for bench/RESULTS.md.

Usage: python3 bench/tasks_sklearn.py
"""

import time

import numpy as np
from sklearn import metrics as skm

ROWS, K = 1_000_000, 5
rng = np.random.default_rng(11)
y = rng.integers(0, K, ROWS)
raw = rng.random((ROWS, K)) + 0.8 * np.eye(K)[y]
p = np.round(raw / raw.sum(axis=1, keepdims=True), 4)
p = p / p.sum(axis=1, keepdims=True)

t = time.perf_counter()
pred = p.argmax(axis=1)
skm.accuracy_score(y, pred)
skm.balanced_accuracy_score(y, pred)
for avg in ("macro", "micro", "weighted"):
    skm.f1_score(y, pred, average=avg)
skm.precision_score(y, pred, average="macro")
skm.recall_score(y, pred, average="macro")
skm.matthews_corrcoef(y, pred)
skm.cohen_kappa_score(y, pred)
print(f"sklearn 9 label metrics: {time.perf_counter() - t:.3f} s")
t = time.perf_counter()
skm.log_loss(y, p, labels=list(range(K)))
skm.top_k_accuracy_score(y, p, k=2, labels=list(range(K)))
print(f"sklearn log_loss + top_k_accuracy(2): {time.perf_counter() - t:.3f} s")
t = time.perf_counter()
skm.roc_auc_score(y, p, multi_class="ovr", average="macro")
print(f"sklearn roc_auc_ovr: {time.perf_counter() - t:.3f} s")

G = 10
rel = np.floor(rng.random(ROWS) * 4).reshape(-1, G)
score = np.round((rel * 0.3 + rng.random(rel.shape)) * 100)
t = time.perf_counter()
skm.ndcg_score(rel, score, k=10)
print(f"sklearn ndcg_score(k=10), 100k groups of 10 (ignore_ties=False): {time.perf_counter() - t:.3f} s")
