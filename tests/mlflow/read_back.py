"""Reads back, with MLflow's own Python client, what modelgate wrote (tests/mlflow.rs).

usage: read_back.py TRACKING_URI SPEC.json   (prints one JSON line)

SPEC: {"model": str, "versions": [int], "aliases": [str], "run": run_id}
"""
import hashlib
import json
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient


def main() -> None:
    uri, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    model = spec["model"]
    aliases = {}
    for alias in spec["aliases"]:
        try:
            aliases[alias] = client.get_model_version_by_alias(model, alias).version
        except mlflow.exceptions.MlflowException:
            aliases[alias] = None
    versions = {
        str(v): dict(client.get_model_version(model, str(v)).tags) for v in spec["versions"]
    }
    run = client.get_run(spec["run"])
    artifacts = sorted(a.path for a in client.list_artifacts(spec["run"], "modelgate"))
    with tempfile.TemporaryDirectory() as d:
        local = client.download_artifacts(spec["run"], "modelgate/result.json", d)
        with open(local, "rb") as f:
            result_sha = hashlib.sha256(f.read()).hexdigest()
    out = {
        "aliases": aliases,
        "versions": versions,
        "run": {
            "tags": {k: v for k, v in run.data.tags.items() if k.startswith("modelgate.")},
            "metrics": run.data.metrics,
            "artifacts": artifacts,
            "result_json_sha256": result_sha,
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
