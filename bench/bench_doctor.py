"""Benchmark `code-agent doctor` start-up; prints one table, every figure measured in this run.

    uv run python bench/bench_doctor.py [--runs 9]

No network: static keys in the environment, instance metadata disabled, so the figures are
the cost of the probes and imports, not of AWS. Each figure is the median of --runs:

- `python -c pass`: process start-up, the floor for any CLI run;
- `python -c "import botocore.session"`: what resolving the credential source must pay;
- `code-agent --version`: the CLI's own start-up;
- `code-agent doctor` and `doctor --format json`: every probe, credential source included.

Ratios are against `python -c pass` from the same run. Each command runs once unmeasured
first, with PYTHONDONTWRITEBYTECODE removed, so the figures use cached bytecode as an
installed tool does (the image compiles it at build time).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cli() -> str:
    path = shutil.which("code-agent", path=str(Path(sys.executable).parent))
    if not path:
        sys.exit("code-agent is not installed in this environment: run `uv sync` first")
    return path


def median_seconds(command: list[str], runs: int, env: dict[str, str], cwd: str) -> float:
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-doctor-") as workspace:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=str(Path(workspace) / "no-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(Path(workspace) / "no-credentials"),
        )
        py, ca = sys.executable, cli()
        cases = [
            ("python -c pass", [py, "-c", "pass"]),
            ("python -c 'import botocore.session'", [py, "-c", "import botocore.session"]),
            ("code-agent --version", [ca, "--version"]),
            ("code-agent doctor", [ca, "doctor"]),
            ("code-agent doctor --format json", [ca, "doctor", "--format", "json"]),
        ]
        figures = [(name, median_seconds(cmd, args.runs, env, workspace)) for name, cmd in cases]

    floor = figures[0][1]
    width = max(len(name) for name, _ in figures)
    print(f"{'command':<{width}}  median ms  x python -c pass   (median of {args.runs} runs)")
    for name, seconds in figures:
        print(f"{name:<{width}}  {seconds * 1000:9.1f}  {seconds / floor:6.2f}")


if __name__ == "__main__":
    main()
