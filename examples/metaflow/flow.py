"""A Metaflow flow whose `gate` step runs modelgate and decides whether to deploy.

    pip install metaflow
    python examples/metaflow/flow.py run --config examples/fraud/modelgate.yaml

The step keeps the verdict and the report as artifacts (`self.verdict`, `self.report`), and
raises on a block, so the flow stops before `deploy`.
"""
import os
import sys

from metaflow import FlowSpec, Parameter, step

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gate import run_gate  # noqa: E402


class GateFlow(FlowSpec):
    config = Parameter("config", default="examples/fraud/modelgate.yaml", help="modelgate config")

    @step
    def start(self):
        self.next(self.gate)

    @step
    def gate(self):
        code, result, report = run_gate(self.config)
        if result is None:
            raise RuntimeError(f"modelgate could not judge (exit {code}); see its message above")
        self.verdict = result["verdict"]
        self.report = report
        self.failed = [g["id"] for g in result["gates"] if g["status"] == "fail"]
        if code != 0:
            raise RuntimeError(f"modelgate blocked the model: {', '.join(self.failed)}")
        self.next(self.deploy)

    @step
    def deploy(self):
        print(f"deploying (gate verdict: {self.verdict})")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    GateFlow()
