"""A Kubeflow pipeline that gates a model before deploying it, using
integrations/kubeflow/component.yaml.

    pip install kfp
    python examples/kubeflow/pipeline.py gate_pipeline.yaml   # compile; submit with the KFP UI or client

The gate step fails on a block, so `deploy` runs only after a pass; its `verdict` output
(pass or warn) and the JSON and Markdown artifacts are there for later steps and the UI.
tests/pipeline.rs compiles this file with the kfp SDK.
"""
import os
import sys

from kfp import compiler, components, dsl

HERE = os.path.dirname(os.path.abspath(__file__))
gate = components.load_component_from_file(
    os.path.join(HERE, "..", "..", "integrations", "kubeflow", "component.yaml")
)


@dsl.container_component
def deploy(verdict: str):
    """Stands for the real deployment step."""
    return dsl.ContainerSpec(image="alpine:3.22", command=["echo"], args=["deploying; gate verdict:", verdict])


@dsl.pipeline(name="gate-then-deploy", description="modelgate between evaluation and deployment")
def gate_then_deploy(
    candidate_uri: str = "gs://my-bucket/eval/candidate.parquet",
    baseline_uri: str = "gs://my-bucket/eval/baseline.parquet",
    config_uri: str = "gs://my-bucket/modelgate.yaml",
):
    candidate = dsl.importer(artifact_uri=candidate_uri, artifact_class=dsl.Artifact, reimport=False)
    baseline = dsl.importer(artifact_uri=baseline_uri, artifact_class=dsl.Artifact, reimport=False)
    config = dsl.importer(artifact_uri=config_uri, artifact_class=dsl.Artifact, reimport=False)
    check = gate(candidate=candidate.output, baseline=baseline.output, config=config.output, format="parquet")
    deploy(verdict=check.outputs["verdict"])


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "gate_pipeline.yaml"
    compiler.Compiler().compile(gate_then_deploy, out)
    print(f"wrote {out}")
