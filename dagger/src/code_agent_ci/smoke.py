"""What test-container runs in the image and how each command's output is judged.

Plain Python, no engine: ``main.smoke_steps`` chains these checks onto the runtime image and
``main.run_smoke_checks`` feeds each one's standard output to its ``verify``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable

# The runtime image's contract (ARCHITECTURE.md) that the checks hold the image to.
WORKSPACE = "/workspace"
RUNTIME_USER = "codeagent"
RUNTIME_UID_GID = "10001:10001"
RUNTIME_HOME = "/home/codeagent"
SMOKE_PROJECT = "smoke-cli"


class SmokeTestError(RuntimeError):
    """A check of test-container failed; the message carries the command's output."""


@dataclasses.dataclass(frozen=True)
class Check:
    """One command run in the image and how its standard output is judged."""

    name: str
    args: list[str]
    verify: Callable[[str], str | None]  # stdout -> problem, or None when fine


def smoke_checks(version: str) -> list[Check]:
    """What test-container runs, in order; each later check sees the earlier ones' files."""
    project = f"{WORKSPACE}/{SMOKE_PROJECT}"
    return [
        Check(
            "runs as the image user",
            ["sh", "-c", 'printf "%s:%s %s\\n" "$(id -u)" "$(id -g)" "$HOME"'],
            functools.partial(_expect_line, f"{RUNTIME_UID_GID} {RUNTIME_HOME}"),
        ),
        Check(
            "code-agent --version",
            ["code-agent", "--version"],
            functools.partial(_expect_line, f"code-agent {version}"),
        ),
        Check(
            "analyze /workspace --format json",
            ["code-agent", "analyze", WORKSPACE, "--format", "json"],
            _verify_analysis,
        ),
        Check(
            f"create python-cli {SMOKE_PROJECT}",
            ["code-agent", "create", "python-cli", SMOKE_PROJECT, "--output-dir", WORKSPACE],
            lambda _out: None,  # judged by its exit code and by the next check
        ),
        Check(
            "created files belong to the image user",
            ["sh", "-c", f'find "{project}" -type f | wc -l; stat -c "%u:%g" "{project}"'],
            _verify_created,
        ),
    ]


# --- plain checks on command output -------------------------------------------------------------


def _expect_line(expected: str, stdout: str) -> str | None:
    got = stdout.strip()
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def _verify_analysis(stdout: str) -> str | None:
    try:
        document = json.loads(stdout)
    except ValueError:
        return "output is not one JSON document"
    if not isinstance(document, dict) or "formatVersion" not in document:
        return "JSON has no formatVersion"
    analysis = document.get("analysis", document)
    languages = {
        str(entry.get("language", "")).lower(): entry
        for entry in analysis.get("languages", [])
        if isinstance(entry, dict)
    }
    python = languages.get("python")
    if not python or not python.get("files"):
        return "no Python files counted in /workspace"
    return None


def _verify_created(stdout: str) -> str | None:
    lines = stdout.split()
    if len(lines) != 2 or not lines[0].isdigit():
        return f"unexpected output {stdout.strip()!r}"
    if int(lines[0]) == 0:
        return f"create wrote no files into {WORKSPACE}/{SMOKE_PROJECT}"
    if lines[1] != RUNTIME_UID_GID:
        return f"created project belongs to {lines[1]}, not {RUNTIME_UID_GID}"
    return None
