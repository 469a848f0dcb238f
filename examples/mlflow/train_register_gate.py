"""MLflow end to end: train two models, log their predictions, register them, gate the new
one against the champion and promote it on a pass.

    pip install mlflow scikit-learn pandas pyarrow
    mlflow server --backend-store-uri sqlite:///mlflow.db --serve-artifacts --port 5000 &
    export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
    python examples/mlflow/train_register_gate.py [path/to/modelgate]

The first model (logistic regression) becomes version N and `@champion`; the second
(gradient boosting) becomes version N+1 and `@challenger`. modelgate then reads both
models' predictions through the registry (examples/mlflow/modelgate.yaml), logs the result
to the challenger's run and, only on a pass, moves `@champion` to it.
"""
import os
import subprocess
import sys
import tempfile

import mlflow
import pandas as pd
from mlflow import MlflowClient
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

# The config names `fraud-scorer`; another name (tests/mlflow.rs sets one) overrides its inputs.
MODEL = os.environ.get("MODELGATE_EXAMPLE_MODEL", "fraud-scorer")
HERE = os.path.dirname(os.path.abspath(__file__))


def train_and_log(client, name, model, split):
    x_train, x_eval, y_train, y_eval = split
    with mlflow.start_run(run_name=name) as run:
        model.fit(x_train, y_train)
        preds = pd.DataFrame(
            {"id": range(len(y_eval)), "label": y_eval, "score": model.predict_proba(x_eval)[:, 1]}
        )
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "predictions.parquet")
            preds.to_parquet(path, index=False)
            mlflow.log_artifact(path, artifact_path="eval")
        mlflow.log_param("model", name)
    if not client.search_registered_models(f"name='{MODEL}'"):
        client.create_registered_model(MODEL)
    mv = client.create_model_version(MODEL, f"{run.info.artifact_uri}/eval", run_id=run.info.run_id)
    return run.info.run_id, mv.version


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "modelgate"
    client = MlflowClient()
    x, y = make_classification(
        n_samples=20_000, n_features=20, n_informative=6, weights=[0.95], random_state=7
    )
    split = train_test_split(x, y, test_size=0.5, random_state=7, stratify=y)
    _, v_old = train_and_log(client, "logistic", LogisticRegression(max_iter=1000), split)
    client.set_registered_model_alias(MODEL, "champion", v_old)
    run_new, v_new = train_and_log(client, "boosting", HistGradientBoostingClassifier(random_state=7), split)
    client.set_registered_model_alias(MODEL, "challenger", v_new)

    cmd = [
        binary, "check", "--config", os.path.join(HERE, "modelgate.yaml"),
        "--json", "result.json", "--markdown", "report.md",
        "--promote", f"models:/{MODEL}/{v_new}@champion",
        "--log-run", run_new,
    ]
    if MODEL != "fraud-scorer":
        cmd += [
            "--candidate", f"models:/{MODEL}@challenger/eval/predictions.parquet",
            "--baseline", f"models:/{MODEL}@champion/eval/predictions.parquet",
        ]
    print("$", " ".join(cmd))
    code = subprocess.call(cmd)
    champion = client.get_model_version_by_alias(MODEL, "champion").version
    print(f"exit {code}; @champion is now version {champion} (candidate was {v_new})")
    sys.exit(code)


if __name__ == "__main__":
    main()
