#!/usr/bin/env python3
"""Builds the fraud example: a synthetic card-transaction set, two real models, their scores.

Reproducible: fixed seeds, deterministic models. Run from the repository root:

    python3 examples/fraud/make_data.py

Needs numpy, pandas, pyarrow and scikit-learn. Writes examples/fraud/data/{candidate,baseline}.parquet
(40,000 evaluation rows, ~1.5% fraud), a CSV copy of the baseline for the CSV path, and
reference.parquet: a sample of production traffic (20,000 transactions scored by the model in
production) for the gates `against: reference`.

The baseline is a logistic regression on four raw features (the model "in production").
The candidate is a gradient-boosted model on more features: better overall, but trained on a
sample in which Mexican transactions were scarce, so it learned that a country mismatch means fraud, which is false there: the slice gates show it.
"""
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

SEED = 20261127
N_TRAIN, N_EVAL = 120_000, 40_000
N_REFERENCE = 20_000
OUT = Path(__file__).resolve().parent / "data"

COUNTRIES = ["US", "GB", "DE", "FR", "BR", "MX", "IN", "NG"]
COUNTRY_P = [0.34, 0.14, 0.12, 0.10, 0.10, 0.08, 0.08, 0.04]
COUNTRY_RISK = {"US": 0.0, "GB": -0.2, "DE": -0.4, "FR": -0.3, "BR": 0.5, "MX": 0.6, "IN": 0.3, "NG": 0.9}
CHANNELS = ["web", "app", "pos"]
CHANNEL_P = [0.45, 0.35, 0.20]
CHANNEL_RISK = {"web": 0.4, "app": 0.0, "pos": -0.8}


def transactions(rng: np.random.Generator, n: int) -> pd.DataFrame:
    country = rng.choice(COUNTRIES, size=n, p=COUNTRY_P)
    channel = rng.choice(CHANNELS, size=n, p=CHANNEL_P)
    amount = np.exp(rng.normal(3.6, 1.1, n))
    hour = rng.integers(0, 24, n)
    account_age_days = rng.gamma(2.0, 300.0, n)
    txn_24h = rng.poisson(2.0, n)
    new_device = rng.random(n) < 0.08
    # Billing / shipping country mismatch: rare and risky, except in Mexico, where
    # cross-border shopping makes it common and harmless.
    mismatch = rng.random(n) < np.where(country == "MX", 0.35, 0.05)
    night = (hour < 6).astype(float)
    logit = (
        -5.3
        + 0.55 * np.log1p(amount / 50.0)
        + 0.9 * night
        - 0.7 * np.log1p(account_age_days / 90.0)
        + 0.25 * txn_24h
        + 1.6 * new_device
        + np.where(country == "MX", -0.3, 1.8) * mismatch
        + np.vectorize(COUNTRY_RISK.get)(country)
        + np.vectorize(CHANNEL_RISK.get)(channel)
        # an interaction only a non-linear model can find
        + 1.2 * (new_device & (channel == "web"))
    )
    p = 1.0 / (1.0 + np.exp(-logit))
    is_fraud = (rng.random(n) < p).astype(np.int8)
    return pd.DataFrame(
        {
            "country": country,
            "channel": channel,
            "amount": amount.round(2),
            "hour": hour,
            "account_age_days": account_age_days.round(1),
            "txn_24h": txn_24h,
            "new_device": new_device,
            "mismatch": mismatch,
            "is_fraud": is_fraud,
        }
    )


def features(df: pd.DataFrame, rich: bool) -> pd.DataFrame:
    x = pd.DataFrame(
        {
            "log_amount": np.log1p(df["amount"]),
            "log_age": np.log1p(df["account_age_days"]),
            "txn_24h": df["txn_24h"],
            "new_device": df["new_device"].astype(float),
        }
    )
    if rich:
        x["hour"] = df["hour"]
        x["mismatch"] = df["mismatch"].astype(float)
        for c in COUNTRIES:
            x[f"country_{c}"] = (df["country"] == c).astype(float)
        for c in CHANNELS:
            x[f"channel_{c}"] = (df["channel"] == c).astype(float)
    return x


def main() -> None:
    rng = np.random.default_rng(SEED)
    train = transactions(rng, N_TRAIN)
    test = transactions(rng, N_EVAL)

    baseline = LogisticRegression(max_iter=1000)
    baseline.fit(features(train, rich=False), train["is_fraud"])

    # The candidate's training sample lost most Mexican rows (a pipeline bug upstream).
    keep = (train["country"] != "MX") | (rng.random(len(train)) < 0.05)
    cand_train = train[keep]
    candidate = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.06, max_leaf_nodes=15, l2_regularization=1.0, random_state=SEED
    )
    candidate.fit(features(cand_train, rich=True), cand_train["is_fraud"])

    ids = [f"txn-{i:06d}" for i in range(N_EVAL)]
    common = {"txn_id": ids, "is_fraud": test["is_fraud"].to_numpy(), "country": test["country"], "channel": test["channel"]}
    cand = pd.DataFrame({**common, "score": candidate.predict_proba(features(test, rich=True))[:, 1].round(6)})
    base = pd.DataFrame({**common, "score": baseline.predict_proba(features(test, rich=False))[:, 1].round(6)})
    # The baseline export lists rows in another order: modelgate pairs them by txn_id.
    base = base.sample(frac=1.0, random_state=SEED).reset_index(drop=True)

    OUT.mkdir(parents=True, exist_ok=True)
    cand.to_parquet(OUT / "candidate.parquet", index=False, compression="zstd")
    base.to_parquet(OUT / "baseline.parquet", index=False, compression="zstd")
    base.to_csv(OUT / "baseline.csv", index=False)

    # A sample of production traffic: recent transactions scored by the model in production.
    # Its own generator, so the files above stay the same whether or not it is written.
    traffic = transactions(np.random.default_rng(SEED + 1), N_REFERENCE)
    reference = pd.DataFrame(
        {
            "country": traffic["country"],
            "channel": traffic["channel"],
            "score": baseline.predict_proba(features(traffic, rich=False))[:, 1].round(6),
        }
    )
    reference.to_parquet(OUT / "reference.parquet", index=False, compression="zstd")

    from sklearn.metrics import average_precision_score, roc_auc_score

    print(f"eval rows {len(cand)}, fraud rate {cand['is_fraud'].mean():.4f}")
    for name, df in [("candidate", cand), ("baseline", base)]:
        print(f"{name:9s} roc_auc {roc_auc_score(df['is_fraud'], df['score']):.4f} "
              f"pr_auc {average_precision_score(df['is_fraud'], df['score']):.4f}")
    for c in COUNTRIES:
        cm, bm = cand["country"] == c, base["country"] == c
        print(f"  {c}: n={cm.sum():5d} pos={cand.loc[cm, 'is_fraud'].sum():3d} "
              f"cand {roc_auc_score(cand.loc[cm, 'is_fraud'], cand.loc[cm, 'score']):.4f} "
              f"base {roc_auc_score(base.loc[bm, 'is_fraud'], base.loc[bm, 'score']):.4f}")


if __name__ == "__main__":
    main()
