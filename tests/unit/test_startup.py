"""Start-up stays light: `--version` and `--help` import neither AWS, templating nor Rich.

Measured with ``python -X importtime`` in a fresh interpreter, which lists every module the
process imported (on stderr), so a lazy import that stopped being lazy fails here.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("boto3", "botocore", "jinja2", "pydantic", "rich")


def imported_modules(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "code_agent", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return result, modules


@pytest.mark.parametrize(
    "args",
    [("--version",), ("--help",), ("analyze", "--help")],
    ids=["version", "help", "analyze-help"],
)
def test_startup_does_not_import_heavy_packages(args):
    result, modules = imported_modules(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "code_agent.cli.main" in modules  # the measurement itself works
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`code-agent {' '.join(args)}` imported {heavy}"


def test_version_prints_name_and_version():
    from code_agent import __version__

    result, _ = imported_modules("--version")
    assert result.stdout.strip() == f"code-agent {__version__}"
