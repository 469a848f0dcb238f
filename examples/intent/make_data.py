#!/usr/bin/env python3
"""Builds the intent example: synthetic customer-support messages (as embedding features),
two real scikit-learn classifiers, their per-class probabilities.

Reproducible: fixed seeds, deterministic models. Run from the repository root:

    python3 examples/intent/make_data.py

Needs numpy, pandas, pyarrow and scikit-learn. Writes examples/intent/data/{candidate,baseline}.parquet
(10,000 evaluation messages, one probability column per intent).

Six intents; `fraud` (a customer reporting a fraudulent charge) is rare, 2.5 % of messages,
and the one that matters most. The baseline (in production) is a LogisticRegression trained
with balanced class weights, so that fraud reports are not drowned by the frequent intents.
The candidate is a HistGradientBoostingClassifier on the same features plus the message
length: it models the interactions between features and is better overall (accuracy, macro
F1, log loss), but it was trained without class weights on a training set deduplicated by
message template, which kept one fraud report in two, and it finds fewer fraud reports: the
`by_class: true` recall gate shows it.
"""
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

SEED = 20261213
N_TRAIN, N_EVAL, DIM = 30_000, 10_000, 12
OUT = Path(__file__).resolve().parent / "data"

INTENTS = ["billing", "cancel", "fraud", "refund", "shipping", "tech"]
INTENT_P = [0.22, 0.15, 0.025, 0.2, 0.24, 0.165]
CHANNELS = ["app", "email", "phone"]


def messages(rng: np.random.Generator, n: int, centres: np.ndarray, twist: np.ndarray) -> pd.DataFrame:
    intent = rng.choice(len(INTENTS), size=n, p=INTENT_P)
    channel = rng.choice(CHANNELS, size=n, p=[0.5, 0.3, 0.2])
    x = centres[intent] + rng.normal(0, 1.0, (n, DIM))
    # Interactions a linear model cannot see: the sign of feature 0 flips the meaning of
    # feature 1 for refunds vs billing, and phone transcripts are noisier.
    flip = np.sign(x[:, 0])
    x[:, 1] += np.where(intent == INTENTS.index("refund"), 1.2 * flip, 0.0)
    x[:, 1] -= np.where(intent == INTENTS.index("billing"), 1.2 * flip, 0.0)
    x += (channel == "phone")[:, None] * rng.normal(0, 0.6, (n, DIM))
    x += twist[intent] * (x[:, 2:3] ** 2 - 1.0)
    length = rng.gamma(3.0 + intent, 12.0)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(DIM)])
    frame["length"] = length
    frame["channel"] = channel
    frame["intent"] = np.array(INTENTS)[intent]
    return frame


def main() -> None:
    rng = np.random.default_rng(SEED)
    centres = rng.normal(0, 0.75, (len(INTENTS), DIM))
    twist = rng.normal(0, 0.5, (len(INTENTS), DIM))
    train = messages(rng, N_TRAIN, centres, twist)
    evaluation = messages(rng, N_EVAL, centres, twist)
    base_cols = [f"f{i}" for i in range(DIM)]
    cand_cols = base_cols + ["length"]

    baseline = LogisticRegression(max_iter=2000, class_weight="balanced")
    baseline.fit(train[base_cols], train["intent"])
    candidate = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=SEED)
    # The candidate's training set was deduplicated by message template, which kept one
    # fraud report in four (they share templates): the rare class got rarer still.
    fraud = train["intent"] == "fraud"
    keep = ~fraud | (rng.random(len(train)) < 0.5)
    candidate.fit(train.loc[keep, cand_cols], train.loc[keep, "intent"])

    OUT.mkdir(exist_ok=True)
    ids = [f"msg-{i:05d}" for i in range(N_EVAL)]
    for name, model, cols in [("candidate", candidate, cand_cols), ("baseline", baseline, base_cols)]:
        assert list(model.classes_) == INTENTS
        proba = model.predict_proba(evaluation[cols])
        out = pd.DataFrame({"message_id": ids, "intent": evaluation["intent"], "channel": evaluation["channel"]})
        for j, c in enumerate(INTENTS):
            out[f"p_{c}"] = proba[:, j]
        if name == "baseline":
            # Another order: the files pair by message_id.
            out = out.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
        out.to_parquet(OUT / f"{name}.parquet", index=False)

    # What scikit-learn says, for the README and the test.
    from sklearn.metrics import accuracy_score, f1_score, log_loss, recall_score

    for name, model, cols in [("candidate", candidate, cand_cols), ("baseline", baseline, base_cols)]:
        proba = model.predict_proba(evaluation[cols])
        pred = np.array(INTENTS)[proba.argmax(axis=1)]
        y = evaluation["intent"]
        recalls = recall_score(y, pred, average=None, labels=INTENTS)
        print(
            f"{name}: accuracy {accuracy_score(y, pred):.4f} macro_f1 {f1_score(y, pred, average='macro'):.4f} "
            f"log_loss {log_loss(y, proba, labels=INTENTS):.4f} recall "
            + " ".join(f"{c}={r:.3f}" for c, r in zip(INTENTS, recalls))
        )


if __name__ == "__main__":
    main()
