"""Seeds an MLflow tracking server for tests/mlflow.rs with MLflow's own Python client.

usage: seed.py TRACKING_URI SPEC.json   (prints a JSON of what it created)

SPEC: {"experiment": str, "model": str,
       "runs": [{"name": str, "artifacts": [[local_path, artifact_dir_or_null], ...]}],
       "register": [run_index, ...],          # one model version per entry, in order
       "aliases": {"champion": version_number}}
"""
import json
import os
import sys

import mlflow
from mlflow import MlflowClient


def main() -> None:
    uri, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(spec["experiment"])
    exp_id = exp.experiment_id if exp else client.create_experiment(spec["experiment"])
    runs = []
    for r in spec["runs"]:
        run = client.create_run(exp_id, run_name=r["name"])
        for local, artifact_dir in r["artifacts"]:
            if os.path.isdir(local):
                client.log_artifacts(run.info.run_id, local, artifact_dir)
            else:
                client.log_artifact(run.info.run_id, local, artifact_dir)
        client.set_terminated(run.info.run_id)
        runs.append(run.info.run_id)
    versions = []
    model = spec.get("model")
    if model and spec.get("register"):
        try:
            client.create_registered_model(model)
        except mlflow.exceptions.MlflowException:
            pass
        for i in spec["register"]:
            run_id = runs[i]
            artifact_uri = client.get_run(run_id).info.artifact_uri
            mv = client.create_model_version(model, f"{artifact_uri}/eval", run_id=run_id)
            versions.append(int(mv.version))
    for alias, version in spec.get("aliases", {}).items():
        client.set_registered_model_alias(model, alias, str(version))
    print(json.dumps({"experiment_id": exp_id, "runs": runs, "versions": versions}))


if __name__ == "__main__":
    main()
