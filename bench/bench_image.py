"""Benchmark the container image; prints one table, every figure measured in this run.

    uv run python bench/bench_image.py [--runs 5] [--json bench/results/image.json]

Figures (goals from the container issue in brackets):
- build context sent to the engine (a few hundred KB, not .venv or .git);
- runtime image size, what it adds over its base image against the installed size of the venv
  (the floor) [within 10%], and a naive single-stage `pip install .` image on the same base;
- cold build (no layer cache, uv's cache mount emptied) and rebuild after editing one source
  file (the dependency layer must be a cache hit) [rebuild < 25% of cold];
- `docker run --rm IMG --version` against `docker run --rm BASE python3 -c pass` [within 1.3x].

Builds run in a temporary copy of the build context, so editing a source file never touches
the working tree. Needs a Docker engine (scripts/start_dockerd.sh) and the base images (official
or the stand-ins from scripts/build_airgap_images.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.integration.conftest import (  # the same image selection as the tests
    DOCKER,
    PYTHON_OFFICIAL,
    PYTHON_STANDIN,
    UV_OFFICIAL,
    UV_STANDIN,
    copy_build_context,
    image_exists,
    try_pull,
)

EDITED_SOURCE = "code_agent/cli/main.py"
DEPENDENCY_STEP = "uv sync --locked --no-dev --no-install-project"

NAIVE_DOCKERFILE = """\
ARG PYTHON_IMAGE
FROM ${PYTHON_IMAGE}
# Debian's python3 (the air-gapped stand-in) has no pip: a naive user installs it with apt.
RUN python3 -m pip --version || (apt-get update && apt-get install -y python3-pip)
ENV PIP_BREAK_SYSTEM_PACKAGES=1
WORKDIR /src
COPY . .
RUN python3 -m pip install .
ENTRYPOINT ["code-agent"]
"""


def docker(*args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    result = subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, env=env, check=False, timeout=1800
    )
    if check and result.returncode != 0:
        raise SystemExit(f"docker {' '.join(args[:3])} ... failed:\n{result.stderr[-3000:]}")
    return result.stdout + result.stderr


def base_images() -> tuple[str, str]:
    if try_pull(PYTHON_OFFICIAL) and try_pull(UV_OFFICIAL):
        return PYTHON_OFFICIAL, UV_OFFICIAL
    if image_exists(PYTHON_STANDIN) and image_exists(UV_STANDIN):
        return PYTHON_STANDIN, UV_STANDIN
    raise SystemExit("no base images: run scripts/build_airgap_images.sh (or allow pulls)")


def build(context: Path, tag: str, python: str, uv: str, *extra: str) -> tuple[float, str]:
    env = dict(os.environ, DOCKER_BUILDKIT="1")
    started = time.monotonic()
    log = docker(
        "build", "--network", "host", "--progress", "plain", "--tag", tag,
        "--build-arg", f"PYTHON_IMAGE={python}", "--build-arg", f"UV_IMAGE={uv}",
        *extra, str(context), env=env,
    )  # fmt: skip
    return time.monotonic() - started, log


def context_bytes(log: str) -> int:
    """Bytes of the build context BuildKit transferred (the last 'transferring context')."""
    sizes = re.findall(r"transferring context: ([0-9.]+)([kMG]?B)", log)
    if not sizes:
        return 0
    number, unit = sizes[-1]
    return int(float(number) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[unit])


def dependency_step_cached(log: str) -> bool:
    """True when the locked-dependency RUN step was a cache hit in this build."""
    steps = re.findall(r"^#(\d+) \[[^\]]+\] RUN .*" + re.escape(DEPENDENCY_STEP), log, re.MULTILINE)
    return bool(steps) and all(re.search(rf"^#{n} CACHED$", log, re.MULTILINE) for n in steps)


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).strip())


def venv_bytes(tag: str) -> int:
    """Bytes of the runtime venv's files (counted like image layers count them: file contents,
    not directory blocks): the floor of what the image must add to its base."""
    out = docker("run", "--rm", "--network", "none", "--entrypoint", "find", tag,
                 "/app/.venv", "-type", "f", "-printf", "%s\\n")  # fmt: skip
    return sum(int(line) for line in out.split())


def median_run_seconds(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of `docker run --rm` per command, the commands interleaved run by run
    (so a busy moment of the machine hits both alike); one untimed warm-up run each."""
    samples: list[list[float]] = [[] for _ in commands]
    for round_number in range(runs + 1):
        for index, args in enumerate(commands):
            started = time.monotonic()
            docker("run", "--rm", "--network", "none", *args)
            if round_number:
                samples[index].append(time.monotonic() - started)
    return [statistics.median(times) for times in samples]


def mb(value: float) -> str:
    return f"{value / 1e6:.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed `docker run`s per image")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    options = parser.parse_args()

    python, uv = base_images()
    nonce = uuid.uuid4().hex[:8]
    tag, naive_tag = f"code-agent-bench:{nonce}", f"code-agent-bench:{nonce}-naive"
    with tempfile.TemporaryDirectory(prefix="code-agent-bench-") as tmp:
        context = copy_build_context(Path(tmp) / "context")
        cold_id = ""
        try:
            # Cold: no layer cache and an empty uv cache mount (only cache mounts are pruned).
            docker("builder", "prune", "--force", "--filter", "type=exec.cachemount")
            cold, cold_log = build(context, tag, python, uv, "--no-cache")
            cold_id = docker("image", "inspect", "--format", "{{.Id}}", tag).strip()
            # Edit one source file: only the project layers may rebuild.
            with (context / EDITED_SOURCE).open("a") as handle:
                handle.write(f"# bench edit {nonce}\n")
            rebuild, rebuild_log = build(context, tag, python, uv)
            (context / "Dockerfile.naive").write_text(NAIVE_DOCKERFILE)
            naive_time, _ = build(context, naive_tag, python, uv, "--file",
                                  str(context / "Dockerfile.naive"), "--no-cache")  # fmt: skip

            base_size = image_size(python)
            size, naive_size, venv = image_size(tag), image_size(naive_tag), venv_bytes(tag)
            run_image, run_base = median_run_seconds(
                [[tag, "--version"], [python, "python3", "-c", "pass"]], options.runs
            )
        finally:
            # The rebuild moved the tag: the cold build's image is removed by its id.
            docker("image", "rm", "--force", tag, naive_tag, check=False)
            if cold_id:
                docker("image", "rm", "--force", cold_id, check=False)

    added = size - base_size
    figures = {
        "base_image": python,
        "uv_image": uv,
        "context_bytes": context_bytes(cold_log),
        "image_bytes": size,
        "base_bytes": base_size,
        "added_over_base_bytes": added,
        "venv_bytes": venv,
        "added_vs_venv_ratio": added / venv,
        "naive_image_bytes": naive_size,
        "naive_vs_image_ratio": naive_size / size,
        "cold_build_seconds": cold,
        "rebuild_seconds": rebuild,
        "rebuild_vs_cold_ratio": rebuild / cold,
        "rebuild_dependency_layer_cached": dependency_step_cached(rebuild_log),
        "naive_build_seconds": naive_time,
        "run_version_seconds": run_image,
        "run_base_python_seconds": run_base,
        "run_vs_base_ratio": run_image / run_base,
    }
    rows = [
        ("base images", f"{python} + {uv}", ""),
        ("build context sent", f"{figures['context_bytes'] / 1e3:.0f} kB", "a few hundred KB"),
        ("runtime image", mb(size), "< 500 MB"),
        ("base image", mb(base_size), ""),
        ("added over base", mb(added), ""),
        ("installed venv (floor)", mb(venv), ""),
        ("added / venv", f"{added / venv:.3f}x", "<= 1.10x"),
        ("naive `pip install .` image", mb(naive_size), ""),
        ("naive / runtime image", f"{naive_size / size:.2f}x", "> 1x"),
        ("cold build (no cache)", f"{cold:.1f} s", ""),
        ("rebuild after source edit", f"{rebuild:.1f} s", ""),
        ("rebuild / cold", f"{rebuild / cold:.2f}x", "< 0.25x"),
        ("dependency layer cached", "yes" if figures["rebuild_dependency_layer_cached"] else "NO", "yes"),
        ("naive build (no cache)", f"{naive_time:.1f} s", ""),
        ("run IMG --version (median)", f"{run_image:.3f} s", ""),
        ("run BASE python3 -c pass", f"{run_base:.3f} s", ""),
        ("--version / python3 -c pass", f"{run_image / run_base:.2f}x", "<= 1.3x"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"{'figure':<{width}}  {'value':<{value_width}}  goal")
    print(f"{'-' * width}  {'-' * value_width}  {'-' * 16}")
    for name, value, goal in rows:
        print(f"{name:<{width}}  {value:<{value_width}}  {goal}")
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
