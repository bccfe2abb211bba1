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
    assert "code_agent" in modules  # the measurement itself works
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`code-agent {' '.join(args)}` imported {heavy}"


def test_version_prints_name_and_version_without_importing_click():
    from code_agent import __version__

    result, modules = imported_modules("--version")
    assert result.stdout == f"code-agent {__version__}\n"
    assert "click" not in modules  # the entry point answers a bare --version itself


def test_version_fast_path_prints_what_click_prints():
    fast, _ = imported_modules("--version")
    through_click, modules = imported_modules("--no-color", "--version")
    assert "click" in modules
    assert fast.stdout == through_click.stdout
    assert fast.returncode == through_click.returncode == 0
