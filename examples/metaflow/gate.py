"""Call modelgate from Python (a Metaflow step, a notebook, a script) and read its JSON.

No dependency beyond the standard library: flow.py imports `run_gate` from here, and
tests/pipeline.rs runs this file directly against the test build.

    python examples/metaflow/gate.py CONFIG [CANDIDATE BASELINE]
"""
import json
import os
import subprocess
import sys
import tempfile


def run_gate(config, candidate=None, baseline=None, binary=None):
    """Runs `modelgate check`; returns (exit code, result dict or None, Markdown report).

    Exit codes: 0 pass, 1 blocked, 2 bad input (no result then), 3 publish failure.
    """
    binary = binary or os.environ.get("MODELGATE_BIN", "modelgate")
    with tempfile.TemporaryDirectory() as d:
        result_path, report_path = os.path.join(d, "result.json"), os.path.join(d, "report.md")
        cmd = [binary, "check", "--config", config, "--json", result_path,
               "--markdown", report_path, "--publish", "none"]
        if candidate:
            cmd += ["--candidate", candidate]
        if baseline:
            cmd += ["--baseline", baseline]
        proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
        if proc.returncode == 2 or not os.path.exists(result_path):
            sys.stderr.write(proc.stderr)
            return proc.returncode, None, ""
        with open(result_path, encoding="utf-8") as f:
            result = json.load(f)
        with open(report_path, encoding="utf-8") as f:
            report = f.read()
    return proc.returncode, result, report


if __name__ == "__main__":
    code, result, _ = run_gate(*sys.argv[1:4])
    if result is not None:
        failed = [g["id"] for g in result["gates"] if g["status"] == "fail"]
        print(json.dumps({"exit_code": code, "verdict": result["verdict"], "failed": failed}))
    sys.exit(code)
