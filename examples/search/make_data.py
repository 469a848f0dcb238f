#!/usr/bin/env python3
"""Builds the search example: synthetic product-search queries, two real scikit-learn rankers,
their scores per (query, product).

Reproducible: fixed seeds, deterministic models. Run from the repository root:

    python3 examples/search/make_data.py

Needs numpy, pandas, pyarrow and scikit-learn. Writes examples/search/data/{candidate,baseline}.parquet
(3,000 evaluation queries of 5 to 20 products each, graded relevance 0-3).

The baseline (in production) is a LogisticRegression on "is this product relevant" over
text-match, popularity and price features (pointwise). The candidate is a
HistGradientBoostingRegressor on the graded relevance with the same features plus the
user's past clicks on the brand: better on average (ndcg, mrr), but for logged-out users
the click feature is read from a shared device cookie (another user's clicks), so their
results get worse: the `by: logged_in` gate shows it.
"""
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression

SEED = 20261214
OUT = Path(__file__).resolve().parent / "data"


def queries(rng: np.random.Generator, n: int, first: int) -> pd.DataFrame:
    parts = []
    for q in range(n):
        m = int(rng.integers(5, 21))
        logged_in = rng.random() < 0.7
        match = rng.random(m)
        popularity = rng.gamma(2.0, 1.0, m)
        price = rng.lognormal(3.0, 0.6, m)
        affinity = rng.random(m)
        utility = 3.0 * match + 0.4 * np.log1p(popularity) - 0.15 * np.log(price) + 2.0 * affinity
        utility += rng.normal(0, 0.6, m)
        rel = np.digitize(utility, np.quantile(utility, [0.55, 0.8, 0.93]))
        # Logged-out sessions read the click history of a shared device cookie: another
        # user's clicks, unrelated to this user's taste.
        clicks = np.where(logged_in, affinity + rng.normal(0, 0.15, m), rng.random(m))
        parts.append(pd.DataFrame({
            "query_id": f"q{first + q:05d}",
            "logged_in": np.where(logged_in, "yes", "no"),
            "match": match, "popularity": popularity, "price": price, "brand_clicks": clicks,
            "relevance": rel.astype(int),
        }))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    rng = np.random.default_rng(SEED)
    train = queries(rng, 6000, 0)
    evaluation = queries(rng, 3000, 100_000)
    base_cols = ["match", "popularity", "price"]
    cand_cols = base_cols + ["brand_clicks"]
    # Logged-out sessions were dropped from the candidate's training logs (an export filter).
    seen = train[train.logged_in == "yes"]
    baseline = LogisticRegression(max_iter=1000).fit(train[base_cols], train["relevance"] > 0)
    candidate = HistGradientBoostingRegressor(max_iter=200, random_state=SEED).fit(
        seen[cand_cols], seen["relevance"]
    )
    OUT.mkdir(exist_ok=True)
    ids = np.arange(len(evaluation))
    for name, score in [
        ("candidate", candidate.predict(evaluation[cand_cols])),
        ("baseline", baseline.predict_proba(evaluation[base_cols])[:, 1]),
    ]:
        out = pd.DataFrame({
            "row_id": ids, "query_id": evaluation["query_id"], "logged_in": evaluation["logged_in"],
            "relevance": evaluation["relevance"], "score": score,
        })
        if name == "baseline":
            out = out.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
        out.to_parquet(OUT / f"{name}.parquet", index=False)

    from sklearn.metrics import ndcg_score

    for name, score in [
        ("candidate", candidate.predict(evaluation[cand_cols])),
        ("baseline", baseline.predict_proba(evaluation[base_cols])[:, 1]),
    ]:
        e = evaluation.assign(score=score)
        for who in ["yes", "no"]:
            s = e[e.logged_in == who]
            v = [ndcg_score([g.relevance], [g.score], k=10) for _, g in s.groupby("query_id")]
            print(f"{name} logged_in={who}: ndcg@10 {np.mean(v):.4f} over {len(v)} queries")


if __name__ == "__main__":
    main()
