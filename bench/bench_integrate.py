"""Benchmark `code-agent integrate`; prints one table, every figure measured in this run.

    uv run python bench/bench_integrate.py [--runs 5] [--tree DIR] [--json FILE]

The tree (default: a copy of this Python's standard library, a real multi-thousand-file source
tree) is copied to a temporary directory, so nothing is written next to the source.
Figures, each the median of --runs:

- `python -c pass`: process start-up, the floor for any CLI run;
- `code-agent analyze --format json TREE`: the analysis integrate runs to tailor CLAUDE.md;
- `code-agent integrate --dry-run TREE`: analysis + rendering + planning;
- first `code-agent integrate TREE` (fresh copy each run) and a re-run (idempotent: writes nothing).

The ratios show what integrate adds over the analysis it depends on.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def cli() -> str:
    path = shutil.which("code-agent", path=str(Path(sys.executable).parent))
    if not path:
        sys.exit("code-agent is not installed in this environment: run `uv sync` first")
    return path


def timed(command: list[str], *, expect: int = 0) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != expect:
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def copy_tree(source: Path, target: Path) -> None:
    ignore = shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc", "test", "tests")
    shutil.copytree(source, target, ignore=ignore, symlinks=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    code_agent = cli()

    figures: dict[str, list[float]] = {
        "python -c pass": [],
        "analyze": [],
        "integrate --dry-run": [],
        "integrate (first run)": [],
        "integrate (re-run)": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-integrate-") as scratch:
        base = Path(scratch) / "tree"
        copy_tree(args.tree, base)
        files = sum(1 for p in base.rglob("*") if p.is_file())
        for run in range(args.runs):
            figures["python -c pass"].append(timed([sys.executable, "-c", "pass"]))
            figures["analyze"].append(timed([code_agent, "analyze", "--format", "json", str(base)]))
            figures["integrate --dry-run"].append(
                timed([code_agent, "integrate", "--dry-run", str(base)])
            )
            fresh = Path(scratch) / f"run-{run}"
            shutil.copytree(base, fresh, symlinks=True)
            figures["integrate (first run)"].append(timed([code_agent, "integrate", str(fresh)]))
            figures["integrate (re-run)"].append(timed([code_agent, "integrate", str(fresh)]))
            check = subprocess.run(
                [code_agent, "integrate", "--check", str(fresh)], capture_output=True, check=False
            )
            if check.returncode != 0:
                sys.exit("a re-run still wants to change something: integrate is not idempotent")
            shutil.rmtree(fresh)

    medians = {name: statistics.median(values) for name, values in figures.items()}
    analyze = medians["analyze"]
    print(f"tree: {args.tree} ({files} files), {args.runs} runs, medians")
    print(f"{'what':<24} {'seconds':>8} {'x analyze':>10}")
    for name, value in medians.items():
        print(f"{name:<24} {value:8.3f} {value / analyze:10.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"tree": str(args.tree), "files": files, "medians": medians}, indent=2)
        )


if __name__ == "__main__":
    main()
