#!/usr/bin/env python3
"""Builds the ETA example: synthetic food deliveries, two real regression models, their
predicted delivery times (minutes).

Reproducible: fixed seeds, deterministic models. Run from the repository root:

    python3 examples/eta/make_data.py

Needs numpy, pandas, pyarrow and scikit-learn. Writes examples/eta/data/{candidate,baseline}.parquet
(20,000 evaluation deliveries by 800 couriers) and a CSV copy of the baseline.

The baseline is a gradient-boosted model on distance, hour, traffic, weather and city (the
model "in production"). The candidate adds the restaurant's preparation time: better overall,
but its training data lost the rainy deliveries in Porto (a join dropped them), so it never
learned that Porto's hills in the rain are slow and under-predicts there: the `by: city`
gate shows it. Deliveries of one courier
share the courier's speed, which neither model sees, so rows are clustered by `courier_id`.
"""
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

SEED = 20261201
N_TRAIN, N_EVAL, COURIERS = 60_000, 20_000, 800
OUT = Path(__file__).resolve().parent / "data"

CITIES = ["lisbon", "porto", "madrid", "seville"]
CITY_P = [0.35, 0.2, 0.3, 0.15]


def deliveries(rng: np.random.Generator, n: int, courier_speed: np.ndarray) -> pd.DataFrame:
    city = rng.choice(CITIES, size=n, p=CITY_P)
    courier = rng.integers(0, len(courier_speed), n)
    distance_km = rng.gamma(2.2, 1.6, n)
    hour = rng.integers(10, 24, n)
    rush = ((hour >= 12) & (hour <= 13)) | ((hour >= 19) & (hour <= 21))
    traffic = np.clip(rng.normal(0.4 + 0.35 * rush, 0.15, n), 0, 1)
    rain = rng.random(n) < np.where(city == "porto", 0.35, 0.12)
    prep_min = rng.gamma(4.0, 1.5, n)
    minutes = (
        8.0
        + prep_min
        + distance_km * (3.2 + 4.0 * traffic) * courier_speed[courier]
        + 6.0 * rain
        + np.where((city == "porto") & rain, 12.0, 0.0)  # Porto's hills in the rain
        + rng.normal(0, 3.0, n)
    )
    return pd.DataFrame(
        {
            "city": city,
            "courier_id": [f"c{c:04d}" for c in courier],
            "distance_km": distance_km.round(3),
            "hour": hour,
            "traffic": traffic.round(3),
            "rain": rain,
            "prep_min": prep_min.round(1),
            "minutes": minutes.round(2),
        }
    )


def features(df: pd.DataFrame, rich: bool) -> pd.DataFrame:
    x = pd.DataFrame(
        {
            "distance_km": df["distance_km"],
            "hour": df["hour"],
            "traffic": df["traffic"],
            "rain": df["rain"].astype(float),
        }
    )
    for c in CITIES:
        x[f"city_{c}"] = (df["city"] == c).astype(float)
    if rich:
        x["prep_min"] = df["prep_min"]
    return x


def main() -> None:
    rng = np.random.default_rng(SEED)
    courier_speed = np.exp(rng.normal(0.0, 0.25, COURIERS))  # a courier's pace, unseen by the models
    train = deliveries(rng, N_TRAIN, courier_speed)
    test = deliveries(rng, N_EVAL, courier_speed)

    baseline = HistGradientBoostingRegressor(
        max_iter=150, learning_rate=0.08, max_leaf_nodes=15, random_state=SEED
    )
    baseline.fit(features(train, rich=False), train["minutes"])

    # The candidate's training data lost the rainy Porto deliveries (a join upstream).
    keep = ~((train["city"] == "porto") & train["rain"])
    cand_train = train[keep]
    candidate = HistGradientBoostingRegressor(
        max_iter=200, learning_rate=0.08, max_leaf_nodes=31, random_state=SEED
    )
    candidate.fit(features(cand_train, rich=True), cand_train["minutes"])

    ids = [f"order-{i:06d}" for i in range(N_EVAL)]
    common = {
        "order_id": ids,
        "minutes": test["minutes"].to_numpy(),
        "city": test["city"],
        "courier_id": test["courier_id"],
    }
    cand = pd.DataFrame({**common, "prediction": candidate.predict(features(test, rich=True)).round(3)})
    base = pd.DataFrame({**common, "prediction": baseline.predict(features(test, rich=False)).round(3)})
    # The baseline export lists rows in another order: modelgate pairs them by order_id.
    base = base.sample(frac=1.0, random_state=SEED).reset_index(drop=True)

    OUT.mkdir(parents=True, exist_ok=True)
    cand.to_parquet(OUT / "candidate.parquet", index=False, compression="zstd")
    base.to_parquet(OUT / "baseline.parquet", index=False, compression="zstd")
    base.to_csv(OUT / "baseline.csv", index=False)

    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    print(f"eval rows {len(cand)}, couriers {cand['courier_id'].nunique()}")
    for name, df in [("candidate", cand), ("baseline", base)]:
        print(f"{name:9s} mae {mean_absolute_error(df['minutes'], df['prediction']):.4f} "
              f"rmse {root_mean_squared_error(df['minutes'], df['prediction']):.4f} "
              f"r2 {r2_score(df['minutes'], df['prediction']):.4f}")
    for c in CITIES:
        cm, bm = cand["city"] == c, base["city"] == c
        print(f"  {c}: n={cm.sum():5d} "
              f"cand mae {mean_absolute_error(cand.loc[cm, 'minutes'], cand.loc[cm, 'prediction']):.4f} "
              f"base mae {mean_absolute_error(base.loc[bm, 'minutes'], base.loc[bm, 'prediction']):.4f}")


if __name__ == "__main__":
    main()
