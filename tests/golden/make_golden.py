#!/usr/bin/env python3
"""Golden values for tests/metrics_golden.rs, from scikit-learn (and numpy references for
the metrics scikit-learn lacks: ece, top-k, recall/precision at a constraint).

Deterministic (fixed seeds). Writes one CSV per data set (label,score[,weight], floats
written with repr so they parse back bit-exact) and expected.json:
  {"sklearn": "<version>", "datasets": [{"name", "file", "threshold", "probabilities",
   "expected": {"<metric id>": {"value": x} | {"undefined": "NoPositives|NoNegatives|Empty"}}}]}

Run from anywhere:  python3 tests/golden/make_golden.py
"""

import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.simplefilter("ignore")


# ---------------------------------------------------------------- data sets
def datasets():
    out = []
    rng = np.random.default_rng(20240601)

    n = 200
    y = rng.random(n) < 0.3
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    out.append(("random", y, s, None, 0.5, True))

    n = 300
    y = rng.random(n) < 0.4
    s = np.round(np.clip(rng.normal(0.4 + 0.25 * y, 0.25), 0, 1), 1)
    out.append(("ties", y, s, None, 0.5, True))

    n = 250
    y = rng.random(n) < 0.35
    s = np.round(np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1), 2)
    w = rng.uniform(0, 3, n)
    w[rng.random(n) < 0.2] = 0.0
    out.append(("weighted", y, s, w, 0.45, True))

    n = 400
    y = rng.random(n) < 0.25
    s = np.round(np.clip(rng.normal(0.3 + 0.3 * y, 0.25), 0, 1), 1)
    w = rng.choice([0.0, 0.5, 1.0, 2.0, 7.25], n)
    out.append(("weighted_ties", y, s, w, 0.3, True))

    out.append(("tiny", np.array([True, False, True]), np.array([0.2, 0.7, 0.7]), None, 0.5, True))

    n = 20
    out.append(("all_positive", np.ones(n, bool), np.round(rng.random(n), 2), None, 0.5, True))
    out.append(("all_negative", np.zeros(n, bool), np.round(rng.random(n), 2), None, 0.5, True))
    w = rng.uniform(0.5, 2, n)
    out.append(("all_negative_weighted", np.zeros(n, bool), np.round(rng.random(n), 2), w, 0.5, True))

    # Scores exactly at the threshold (predicted positive: score >= threshold) and at bin edges.
    n = 60
    y = rng.random(n) < 0.5
    s = rng.choice([0.0, 0.1, 0.3, 0.4, 0.5, 0.5, 0.5, 0.6, 0.7, 1.0], n)
    out.append(("threshold_edge", y, s, None, 0.5, True))

    # Ranking metrics on arbitrary (non-probability) scores, including negatives.
    n = 150
    y = rng.random(n) < 0.3
    s = np.round(rng.normal(2 + 3 * y, 3)).astype(float)
    out.append(("integer_scores", y, s, None, 2.0, False))

    # Positive weights only on positives: no negatives in effect.
    n = 30
    y = rng.random(n) < 0.5
    s = np.round(rng.random(n), 2)
    w = np.where(y, rng.uniform(0.5, 2, n), 0.0)
    out.append(("zero_weight_negatives", y, s, w, 0.5, True))
    return out


# ---------------------------------------------------------------- metric ids
RANKING = [
    "roc_auc", "pr_auc",
    "recall_at_precision(0.5)", "recall_at_precision(0.8)", "recall_at_precision(0.9)",
    "recall_at_precision(1)",
    "precision_at_recall(0.1)", "precision_at_recall(0.5)", "precision_at_recall(0.9)",
    "precision_at_recall(1)",
    "recall_at_fpr(0)", "recall_at_fpr(0.05)", "recall_at_fpr(0.1)", "recall_at_fpr(0.5)",
    "precision_at_k(0.1)", "precision_at_k(0.25)", "precision_at_k(5)", "precision_at_k(37)",
    "precision_at_k(1000)",
    "recall_at_k(0.1)", "recall_at_k(0.25)", "recall_at_k(5)", "recall_at_k(1000)",
    "lift_at_k(0.1)", "lift_at_k(0.5)", "lift_at_k(5)", "lift_at_k(37)",
]
THRESHOLDED = [
    "precision", "recall", "f1", "fbeta(0.5)", "fbeta(2)", "accuracy", "balanced_accuracy",
    "mcc", "specificity", "fpr", "expected_cost(1, 5)", "expected_cost(0.5, 0)",
]
PROBABILITY = ["log_loss", "brier", "ece(10)", "ece(5)", "ece(3)", "ece(1)"]
COUNTS = ["rows", "positives", "prevalence"]


def ok(x):
    return {"value": float(x)}


def undefined(kind):
    return {"undefined": kind}


def arg(mid):
    inner = mid[mid.index("(") + 1 : -1]
    return [float(a) for a in inner.split(",")]


def topk(y, s, w, k):
    """Weight of positives in the top-k cut; a tie group straddling the cut counts pro rata."""
    total = w.sum()
    cut = k * total if k < 1 else min(k, total)
    order = np.argsort(-s, kind="stable")
    ys, ss, ws = y[order], s[order], w[order]
    before, tp = 0.0, 0.0
    for score in np.unique(ss)[::-1]:
        m = ss == score
        gw, gp = ws[m].sum(), (ws * ys)[m].sum()
        if before + gw <= cut:
            tp += gp
            before += gw
        else:
            if gw > 0:
                tp += gp * (cut - before) / gw
            break
    return tp, cut


def ece(y, s, w, bins):
    edges = np.arange(bins + 1) / bins
    idx = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, bins - 1)
    total = w.sum()
    out = 0.0
    for b in range(bins):
        m = idx == b
        wb = w[m].sum()
        if wb > 0:
            out += wb / total * abs((w * y)[m].sum() / wb - (w * s)[m].sum() / wb)
    return out


def expected(y, s, w, t, probabilities):
    yi = y.astype(int)
    sw = w  # None when unweighted: sklearn gets exactly what a user would pass
    ww = np.ones(len(y)) if w is None else w
    P, N = (ww * yi).sum(), (ww * (1 - yi)).sum()
    W = P + N
    out = {}
    ids = RANKING + THRESHOLDED + COUNTS + (PROBABILITY if probabilities else [])
    if W == 0:
        return {m: undefined("Empty") for m in ids}

    # Ranking metrics: sklearn curves.
    if P > 0:
        prec, rec, _ = skm.precision_recall_curve(yi, s, sample_weight=sw)
        out["pr_auc"] = ok(skm.average_precision_score(yi, s, sample_weight=sw))
    if P > 0 and N > 0:
        out["roc_auc"] = ok(skm.roc_auc_score(yi, s, sample_weight=sw))
        fpr, tpr, _ = skm.roc_curve(yi, s, sample_weight=sw, drop_intermediate=False)
    for m in RANKING:
        if m in ("roc_auc", "pr_auc"):
            if m not in out:
                out[m] = undefined("NoPositives" if P == 0 else "NoNegatives")
            continue
        name, a = m[: m.index("(")], arg(m)[0]
        if name == "precision_at_k":
            tp, cut = topk(yi, s, ww, a)
            out[m] = ok(tp / cut)
            continue
        if P == 0:
            out[m] = undefined("NoPositives")
            continue
        if name == "recall_at_precision":
            out[m] = ok(max(rec[prec >= a], default=0.0))
        elif name == "precision_at_recall":
            out[m] = ok(max(prec[rec >= a]))
        elif name == "recall_at_fpr":
            out[m] = ok(max(tpr[fpr <= a])) if N > 0 else undefined("NoNegatives")
        elif name == "recall_at_k":
            tp, _ = topk(yi, s, ww, a)
            out[m] = ok(tp / P)
        elif name == "lift_at_k":
            tp, cut = topk(yi, s, ww, a)
            out[m] = ok((tp / cut) / (P / W))

    # Thresholded metrics: sklearn on the predictions score >= t.
    yp = (s >= t).astype(int)
    kw = dict(sample_weight=sw, zero_division=0)
    out["precision"] = ok(skm.precision_score(yi, yp, **kw))
    out["recall"] = ok(skm.recall_score(yi, yp, **kw))
    out["f1"] = ok(skm.f1_score(yi, yp, **kw))
    out["fbeta(0.5)"] = ok(skm.fbeta_score(yi, yp, beta=0.5, **kw))
    out["fbeta(2)"] = ok(skm.fbeta_score(yi, yp, beta=2, **kw))
    out["accuracy"] = ok(skm.accuracy_score(yi, yp, sample_weight=sw))
    out["balanced_accuracy"] = ok(skm.balanced_accuracy_score(yi, yp, sample_weight=sw))
    out["mcc"] = ok(skm.matthews_corrcoef(yi, yp, sample_weight=sw))
    spec = skm.recall_score(yi, yp, pos_label=0, **kw)
    out["specificity"] = ok(spec)
    out["fpr"] = ok(1 - spec if N > 0 else 0.0)
    tn, fp, fn, tp = skm.confusion_matrix(yi, yp, sample_weight=sw, labels=[0, 1]).ravel()
    out["expected_cost(1, 5)"] = ok((1 * fp + 5 * fn) / W)
    out["expected_cost(0.5, 0)"] = ok((0.5 * fp) / W)

    out["rows"] = ok(W)
    out["positives"] = ok(P)
    out["prevalence"] = ok(P / W)

    if probabilities:
        out["log_loss"] = ok(skm.log_loss(yi, s, sample_weight=sw, labels=[0, 1]))
        try:
            out["brier"] = ok(skm.brier_score_loss(yi, s, sample_weight=sw, pos_label=1))
        except ValueError:  # a single class in y_true: the definition, directly
            out["brier"] = ok(np.average((yi - s) ** 2, weights=ww))
        for m in PROBABILITY:
            if m.startswith("ece"):
                out[m] = ok(ece(yi, s, ww, int(arg(m)[0])))
    assert set(out) == set(ids), set(ids) ^ set(out)
    return out


def main():
    result = {"sklearn": sklearn.__version__, "datasets": []}
    for name, y, s, w, t, probabilities in datasets():
        fname = f"{name}.csv"
        with open(os.path.join(HERE, fname), "w") as f:
            f.write("label,score" + (",weight" if w is not None else "") + "\n")
            for i in range(len(y)):
                row = [str(int(y[i])), repr(float(s[i]))]
                if w is not None:
                    row.append(repr(float(w[i])))
                f.write(",".join(row) + "\n")
        result["datasets"].append(
            {
                "name": name,
                "file": fname,
                "threshold": t,
                "probabilities": probabilities,
                "expected": expected(np.asarray(y), np.asarray(s, float), w, t, probabilities),
            }
        )
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
