"""CLI benchmark: start-up against bare Python, `analyze` against cloc. All figures from one run.

    uv run python bench/bench_cli.py [--tree PATH] [--runs N]

1. ``code-agent --version`` wall time vs ``python -c pass`` with the same interpreter
   (goal: within 4x).
2. ``code-agent analyze --format json TREE`` vs ``cloc --json TREE`` (goal: at least as fast
   as cloc). cloc is given the directories analyze skips by default, so both count the same
   files; the code lines of the languages both know are printed to show they agree.

Each command runs once to warm the page cache, then ``--runs`` times; the median is compared.
The default tree is this interpreter's standard library (without site-packages).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from code_agent.core.linecount import RULES
from code_agent.core.walker import DEFAULT_EXCLUDED_DIRS

EXTRA_EXCLUDES = ("site-packages",)


def timed(command: list[str], runs: int) -> tuple[list[float], str]:
    """Wall times of ``runs`` runs after one warm-up, and the last run's stdout."""
    output = ""
    times = []
    for index in range(runs + 1):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr[-500:]}")
        if index:
            times.append(elapsed)
        output = result.stdout
    return times, output


def code_agent_path() -> str:
    found = shutil.which("code-agent", path=str(Path(sys.executable).parent)) or shutil.which(
        "code-agent"
    )
    if not found:
        sys.exit("code-agent is not installed in this environment: run `uv sync` first")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--startup-runs", type=int, default=20)
    args = parser.parse_args()

    cli = code_agent_path()
    cloc = shutil.which("cloc")
    rows: list[tuple[str, list[float], str]] = []

    bare, _ = timed([sys.executable, "-c", "pass"], args.startup_runs)
    version, _ = timed([cli, "--version"], args.startup_runs)
    startup_ratio = statistics.median(version) / statistics.median(bare)
    rows.append(("python -c pass", bare, "baseline"))
    rows.append(("code-agent --version", version, f"{startup_ratio:.2f}x python (goal <= 4x)"))
    # --help goes through Click (the bare --version is answered before Click is imported).
    helped, _ = timed([cli, "--help"], args.startup_runs)
    help_ratio = statistics.median(helped) / statistics.median(bare)
    rows.append(("code-agent --help", helped, f"{help_ratio:.2f}x python (Click loaded)"))

    excludes = [*EXTRA_EXCLUDES]
    analyze_cmd = [cli, "analyze", "--format", "json", str(args.tree)]
    for name in excludes:
        analyze_cmd[2:2] = ["--exclude-dir", name]
    ours_times, ours_out = timed(analyze_cmd, args.runs)
    ours = {s["language"]: s for s in json.loads(ours_out)["languages"]}
    agreement = "cloc not installed"
    if cloc:
        cloc_dirs = ",".join(sorted(DEFAULT_EXCLUDED_DIRS | set(excludes)))
        cloc_cmd = [cloc, "--json", "--quiet", f"--exclude-dir={cloc_dirs}", str(args.tree)]
        cloc_times, cloc_out = timed(cloc_cmd, args.runs)
        theirs = {k: v for k, v in json.loads(cloc_out).items() if k not in ("header", "SUM")}
        common = sorted(set(theirs) & set(RULES))
        ours_code = sum(ours[lang]["code"] for lang in common if lang in ours)
        cloc_code = sum(theirs[lang]["code"] for lang in common)
        differing = [
            lang
            for lang in common
            if (ours.get(lang) or {}).get("code") != theirs[lang]["code"]
            or (ours.get(lang) or {}).get("files") != theirs[lang]["nFiles"]
        ]
        agreement = f"{len(common)} common languages, code lines {ours_code} vs {cloc_code}, " + (
            "all equal" if not differing else f"DIFFERENT: {', '.join(differing)}"
        )
        analyze_ratio = statistics.median(ours_times) / statistics.median(cloc_times)
        rows.append(("cloc --json TREE", cloc_times, "baseline"))
        rows.append(
            (
                "code-agent analyze --format json TREE",
                ours_times,
                f"{analyze_ratio:.2f}x cloc ({1 / analyze_ratio:.1f}x faster; goal <= 1x)",
            )
        )
    else:
        rows.append(("code-agent analyze --format json TREE", ours_times, "cloc missing"))

    files = sum(s["files"] for s in ours.values())
    print(f"Python {sys.version.split()[0]} at {sys.executable}")
    print(f"TREE = {args.tree} ({files} files counted by analyze)")
    print(f"startup runs: {args.startup_runs}, analyze/cloc runs: {args.runs} (after 1 warm-up)")
    print()
    width = max(len(name) for name, _, _ in rows)
    print(f"{'command':<{width}}  {'median s':>9}  {'min s':>7}  comparison")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 7}  {'-' * 40}")
    for name, times, note in rows:
        print(f"{name:<{width}}  {statistics.median(times):9.3f}  {min(times):7.3f}  {note}")
    print()
    print(f"counts: {agreement}")
    print("(analyze honours .gitignore and cloc does not: a tree with ignored files differs)")


if __name__ == "__main__":
    main()
