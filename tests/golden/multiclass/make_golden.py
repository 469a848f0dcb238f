#!/usr/bin/env python3
"""Golden values for tests/multiclass_golden.rs, from scikit-learn.

Deterministic (fixed seed). Writes cases.json:
  {"sklearn": "<version>", "cases": [{"name", "classes", "truth": [code], "scores":
   [[repr float string per class] per row] | null, "pred": [code] | null,
   "weight": [repr float string] | null,
   "expected": {"<metric id>": {"value": x} | {"undefined": "<kind>"}},
   "by_class": [{"precision", "recall", "f1", "pr_auc", "roc_auc": {"value"|"undefined"}}]}]}
Floats are written as repr strings so that the Rust side parses them bit-exact.

Classes are codes 0..classes-1; scikit-learn is called with labels=range(classes) where it
takes them (log_loss, top_k_accuracy_score) and with its own label set (labels=None) for the
label metrics, as modelgate does. roc_auc_ovr with a class absent from the truth raises in
scikit-learn: recorded as {"undefined": "ClassAbsent"}.

Run from anywhere:  python3 tests/golden/multiclass/make_golden.py
"""

import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.simplefilter("ignore")


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cases():
    rng = np.random.default_rng(20261201)
    out = []

    k, n = 4, 300
    y = rng.integers(0, k, n)
    p = softmax(rng.normal(0, 1, (n, k)) + 1.5 * np.eye(k)[y])
    out.append(("random", k, y, p, None, None))

    # Ties: probabilities on a grid of tenths (many equal scores within a row and across rows).
    k, n = 3, 250
    y = rng.integers(0, k, n)
    counts = rng.multinomial(10, [1 / 3] * 3, size=n)
    counts[np.arange(n), y] += rng.integers(0, 3, n)
    p = counts / counts.sum(axis=1, keepdims=True)
    out.append(("ties", k, y, p, None, None))

    k, n = 5, 400
    y = rng.choice(k, n, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    p = softmax(rng.normal(0, 1.2, (n, k)) + 1.0 * np.eye(k)[y])
    w = rng.uniform(0, 3, n)
    w[rng.random(n) < 0.15] = 0.0
    out.append(("weighted", k, y, p, None, w))

    # Class 3 is never the arg-max (its score is always small).
    k, n = 4, 200
    y = rng.integers(0, k, n)
    z = rng.normal(0, 1, (n, k)) + 1.2 * np.eye(k)[y]
    z[:, 3] -= 10
    out.append(("never_predicted", k, y, softmax(z), None, rng.choice([0.5, 1.0, 2.0], n)))

    # Class 2 absent from the labels (but predicted sometimes): roc_auc_ovr undefined.
    k, n = 4, 150
    y = rng.choice([0, 1, 3], n)
    p = softmax(rng.normal(0, 1, (n, k)) + 1.0 * np.eye(k)[y])
    out.append(("absent_label", k, y, p, None, None))

    # Probabilities of exactly 0 and 1 (log loss clipping), with exact argmax ties.
    k = 3
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    p = np.array(
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0],
         [0.5, 0.5, 0.0], [0.2, 0.4, 0.4], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]]
    )
    out.append(("clipping_ties", k, y, p, None, None))

    # Hard predictions only (no scores): label metrics; one class only predicted, one only true.
    k, n = 5, 120
    y = rng.choice([0, 1, 2, 3], n)
    pred = np.where(rng.random(n) < 0.6, y, rng.choice([0, 1, 2, 4], n))
    out.append(("predicted_only", k, y, None, pred, rng.uniform(0.1, 2, n)))

    # One class everywhere: kappa undefined (NaN in sklearn), MCC 0, roc_auc_ovr undefined.
    k = 3
    y = np.array([1, 1, 1, 1])
    p = np.array([[0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1], [0.2, 0.5, 0.3]])
    out.append(("one_class", k, y, p, None, None))

    # Only two of three classes in the truth (scikit-learn's type_of_target says "binary";
    # with labels given it still ranks the 2-d scores), with exact ties in the scores.
    k = 3
    y = np.array([0, 1, 0, 1, 1, 0])
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.3, 0.3, 0.4], [0.4, 0.4, 0.2], [0.1, 0.8, 0.1], [0.5, 0.25, 0.25]])
    out.append(("two_of_three", k, y, p, None, None))

    # Two rows.
    out.append(("tiny", 3, np.array([2, 0]), np.array([[0.1, 0.2, 0.7], [0.3, 0.6, 0.1]]), None, np.array([2.0, 0.5])))
    return out


def val(f):
    try:
        v = f()
    except ValueError as e:
        return {"undefined": "Raises", "why": str(e)[:120]}
    if v is None or np.isnan(v):
        return {"undefined": "Nan"}
    return {"value": float(v)}


def main():
    doc = {"sklearn": sklearn.__version__, "cases": []}
    for name, k, y, p, pred, w in cases():
        labels = list(range(k))
        if pred is None:
            pred = np.argmax(p, axis=1)  # numpy: first maximum, lowest code
        e = {}
        e["accuracy"] = val(lambda: skm.accuracy_score(y, pred, sample_weight=w))
        e["balanced_accuracy"] = val(lambda: skm.balanced_accuracy_score(y, pred, sample_weight=w))
        for avg in ["macro", "micro", "weighted"]:
            e[f"{avg}_f1"] = val(lambda: skm.f1_score(y, pred, average=avg, sample_weight=w))
        e["macro_precision"] = val(lambda: skm.precision_score(y, pred, average="macro", sample_weight=w))
        e["macro_recall"] = val(lambda: skm.recall_score(y, pred, average="macro", sample_weight=w))
        e["mcc"] = val(lambda: skm.matthews_corrcoef(y, pred, sample_weight=w))
        e["cohen_kappa"] = val(lambda: skm.cohen_kappa_score(y, pred, sample_weight=w))
        by_class = []
        if p is not None:
            e["log_loss"] = val(lambda: skm.log_loss(y, p, labels=labels, sample_weight=w))
            for kk in [1, 2, k - 1, k, k + 2]:
                e[f"top_k_accuracy({kk})"] = val(
                    lambda: skm.top_k_accuracy_score(y, p, k=kk, labels=labels, sample_weight=w)
                )
            e["roc_auc_ovr"] = val(
                lambda: skm.roc_auc_score(y, p, multi_class="ovr", average="macro", labels=labels, sample_weight=w)
            )
        for c in range(k):
            t, h = y == c, pred == c
            b = {
                "precision": val(lambda: skm.precision_score(t, h, sample_weight=w, zero_division=0)),
                "recall": val(lambda: skm.recall_score(t, h, sample_weight=w, zero_division=0)),
                "f1": val(lambda: skm.f1_score(t, h, sample_weight=w, zero_division=0)),
            }
            if p is not None:
                wt = np.ones(len(y)) if w is None else w
                has_pos, has_neg = (wt[t] > 0).any(), (wt[~t] > 0).any()
                b["pr_auc"] = val(lambda: skm.average_precision_score(t, p[:, c], sample_weight=w)) if has_pos else {"undefined": "Raises"}
                b["roc_auc"] = val(lambda: skm.roc_auc_score(t, p[:, c], sample_weight=w)) if has_pos and has_neg else {"undefined": "Raises"}
            by_class.append(b)
        doc["cases"].append(
            {
                "name": name,
                "classes": k,
                "truth": [int(v) for v in y],
                "scores": None if p is None else [[repr(float(v)) for v in row] for row in p],
                "pred": [int(v) for v in pred],
                "from_scores": p is not None,
                "weight": None if w is None else [repr(float(v)) for v in w],
                "expected": e,
                "by_class": by_class,
            }
        )
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
