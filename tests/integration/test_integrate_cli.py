"""`code-agent integrate` through the installed console script, as users run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from code_agent.core.environment import in_container
from tests.conftest import REPO_ROOT, skip_or_fail

STANDARD = {
    "CLAUDE.md",
    ".claude/settings.json",
    ".claude/commands/generate-prp.md",
    ".claude/commands/execute-prp.md",
    "PRPs/templates/prp_base.md",
    "PRPs/templates/feature_request.md",
    "PRPs/ai_docs/README.md",
}
MANIFEST = ".claude/code-agent-manifest.json"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def report(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode in (0, 4), result.stderr
    document = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert document["formatVersion"] == 1 and document["kind"] == "integration"
    return document


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small but real Python project (uv, pytest) for the analyzer to find."""
    root = tmp_path / "inventory-service"
    (root / "src" / "inventory").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "inventory-service"\nversion = "0.1.0"\n'
        'dependencies = ["fastapi"]\n\n[dependency-groups]\ndev = ["pytest"]\n'
    )
    (root / "uv.lock").write_text("version = 1\n")
    (root / "src" / "inventory" / "__init__.py").write_text(
        '"""Inventory."""\n\n\ndef count(items):\n    # how many\n    return len(items)\n'
    )
    (root / "tests" / "test_count.py").write_text(
        "from inventory import count\n\n\ndef test_count():\n    assert count([1]) == 1\n"
    )
    return root


def test_second_run_creates_and_updates_nothing(run_cli, project):
    first = report(run_cli("integrate", str(project), "--format", "json"))
    assert {f["path"] for f in first["files"]} == STANDARD
    assert first["totals"] == {"create": 7, "update": 0, "unchanged": 0, "kept": 0}
    state = snapshot(project)

    second = report(run_cli("integrate", str(project), "--format", "json"))

    assert second["totals"] == {"create": 0, "update": 0, "unchanged": 7, "kept": 0}
    assert snapshot(project) == state


def test_writes_into_path_itself_and_defaults_to_the_current_directory(run_cli, project):
    before = {p.name for p in project.iterdir()}
    result = run_cli("integrate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in project.iterdir()} == before | {"CLAUDE.md", ".claude", "PRPs"}
    assert not (project / project.name).exists()


def test_claude_md_is_tailored_by_the_analysis_of_the_repository(run_cli, project):
    assert run_cli("integrate", str(project)).returncode == 0
    claude = (project / "CLAUDE.md").read_text()
    assert "# inventory-service: working notes for Claude Code" in claude
    assert "- Languages: Python" in claude
    assert "uv" in claude and "Install dependencies: `uv sync`" in claude
    assert "pytest" in claude


def test_text_report_lists_each_file_and_totals_on_stderr_only(run_cli, project):
    result = run_cli("integrate", str(project), "--level", "minimal")
    assert result.returncode == 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert any(line.split()[:2] == ["create", "CLAUDE.md"] for line in lines)
    assert any(line.split()[:2] == ["create", ".claude/settings.json"] for line in lines)
    assert lines[-1].endswith("(minimal): 2 created, 0 updated, 0 unchanged, 0 kept")
    assert "\x1b[" not in result.stderr  # no colour when not a TTY


def test_levels_write_different_sets_of_files(run_cli, tmp_path):
    written = {}
    for level in ("minimal", "standard", "full"):
        root = tmp_path / level
        root.mkdir()
        assert run_cli("integrate", str(root), "--level", level).returncode == 0
        written[level] = set(snapshot(root)) - {MANIFEST}
    assert written["minimal"] == {"CLAUDE.md", ".claude/settings.json"}
    assert written["standard"] == STANDARD
    assert written["full"] > STANDARD
    assert {".claude/commands/review.md", "PRPs/ai_docs/claude_code.md"} <= written["full"]


def test_edited_file_is_kept_and_force_overwrites_it_after_a_bak(run_cli, project):
    run_cli("integrate", str(project))
    command = project / ".claude/commands/execute-prp.md"
    command.write_text("my own execute-prp\n")

    kept = report(run_cli("integrate", str(project), "--format", "json"))
    entry = next(f for f in kept["files"] if f["path"] == ".claude/commands/execute-prp.md")
    assert entry["action"] == "kept"
    assert command.read_text() == "my own execute-prp\n"

    forced = report(run_cli("integrate", str(project), "--force", "--format", "json"))
    entry = next(f for f in forced["files"] if f["path"] == ".claude/commands/execute-prp.md")
    assert entry["action"] == "update" and entry["backup"] == ".claude/commands/execute-prp.md.bak"
    assert (project / ".claude/commands/execute-prp.md.bak").read_text() == "my own execute-prp\n"
    assert "$ARGUMENTS" in command.read_text()
    assert forced["totals"]["update"] == 1


def test_existing_claude_md_keeps_user_text_outside_the_markers(run_cli, project):
    mine = "# Inventory\n\nThe warehouse API is flaky; mock it in tests.\n"
    (project / "CLAUDE.md").write_text(mine)
    run_cli("integrate", str(project))
    text = (project / "CLAUDE.md").read_text()
    assert text.startswith(mine) and "<!-- code-agent:begin -->" in text

    (project / "CLAUDE.md").write_text(text + "\nAsk Sam about releases.\n")
    (project / "Dockerfile").write_text("FROM python:3.12-slim\n")  # the analysis changes
    result = report(run_cli("integrate", str(project), "--format", "json"))
    final = (project / "CLAUDE.md").read_text()
    assert final.startswith(mine) and final.endswith("\nAsk Sam about releases.\n")
    claude = next(f for f in result["files"] if f["path"] == "CLAUDE.md")
    assert claude["action"] in ("update", "unchanged")


def test_check_exits_4_and_writes_nothing_then_0_once_integrated(run_cli, project):
    state = snapshot(project)
    result = run_cli("integrate", str(project), "--check")
    assert result.returncode == 4
    assert "Error: 7 framework file(s) would change: CLAUDE.md, " in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == state

    assert run_cli("integrate", str(project)).returncode == 0
    assert run_cli("integrate", str(project), "--check").returncode == 0


def test_dry_run_writes_nothing(run_cli, project):
    state = snapshot(project)
    document = report(run_cli("integrate", str(project), "--dry-run", "--format", "json"))
    assert document["dry_run"] is True and document["totals"]["create"] == 7
    assert snapshot(project) == state
    text = run_cli("integrate", str(project), "--dry-run")
    assert text.stderr.splitlines()[-1].endswith(
        "7 to create, 0 to update, 0 unchanged, 0 kept (dry run: nothing written)"
    )
    assert snapshot(project) == state


def test_diff_prints_unified_diffs_and_writes_nothing(run_cli, project):
    run_cli("integrate", str(project), "--level", "minimal")
    state = snapshot(project)
    result = run_cli("integrate", str(project), "--level", "standard", "--diff")
    assert result.returncode == 0, result.stderr
    assert "--- /dev/null\n+++ b/.claude/commands/generate-prp.md\n@@ " in result.stdout
    assert "--- a/CLAUDE.md\n+++ b/CLAUDE.md\n" in result.stdout  # now lists the PRP workflow
    assert "+## PRP workflow" in result.stdout
    assert snapshot(project) == state

    document = report(run_cli("integrate", str(project), "--diff", "--format", "json"))
    diffs = {f["path"]: f["diff"] for f in document["files"]}
    assert diffs[".claude/settings.json"] == ""  # unchanged: empty diff
    assert diffs["PRPs/ai_docs/README.md"].startswith("--- /dev/null")


def test_missing_path_exits_2_with_one_line(run_cli, tmp_path):
    result = run_cli("integrate", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nope").exists()


def test_path_that_is_a_file_exits_2(run_cli, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    result = run_cli("integrate", str(tmp_path / "file.txt"))
    assert result.returncode == 2
    assert "is a file" in result.stderr


def read_only_mount(command: list[str], directory: Path) -> subprocess.CompletedProcess:
    """Run ``command`` while ``directory`` really refuses writes.

    As root (this machine, most CI containers) permission bits prove nothing, so ``directory``
    is bind-mounted read-only in a private mount namespace: a kernel refusal (EROFS) for root
    too, exactly what a `:ro` volume gives a container. A non-root user gets a mode-0555
    directory instead (EACCES), what a container user meets on a host directory it does not own.
    """
    if os.geteuid() != 0:
        mode = directory.stat().st_mode
        directory.chmod(0o555)
        try:
            return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
        finally:
            directory.chmod(mode)
    if not shutil.which("unshare"):
        skip_or_fail("unshare (util-linux) is needed for a read-only mount as root")
    script = (
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" || exit 99; shift; exec "$@"'
    )
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", str(directory), *command],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 99 or "unshare failed" in result.stderr:
        skip_or_fail(f"cannot create a read-only mount here: {result.stderr.strip()}")
    return result


@pytest.mark.privileged
def test_unwritable_path_exits_1_with_one_line_naming_it(cli_path, project):
    result = read_only_mount([cli_path, "integrate", str(project)], project)

    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert lines[0] == f"Error: cannot write to {project}: {reason}"
    assert "Traceback" not in result.stderr
    if in_container():
        assert lines[1].startswith("Hint: ") and '--user "$(id -u):$(id -g)"' in lines[1]
    assert len(lines) <= 2
    assert sorted(p.name for p in project.iterdir()) == [
        "pyproject.toml",
        "src",
        "tests",
        "uv.lock",
    ]


@pytest.mark.privileged
def test_read_only_tree_can_be_checked_and_an_integrated_one_re_run(run_cli, cli_path, project):
    result = read_only_mount([cli_path, "integrate", str(project), "--check"], project)
    assert result.returncode == 4, result.stderr
    assert "would change" in result.stderr

    assert run_cli("integrate", str(project)).returncode == 0
    # Nothing to change: a plain run writes nothing, so a read-only mount is no error.
    result = read_only_mount([cli_path, "integrate", str(project)], project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].endswith("0 created, 0 updated, 7 unchanged, 0 kept")


@pytest.mark.slow
def test_the_wheel_ships_every_framework_template(tmp_path):
    if not shutil.which("uv"):
        skip_or_fail("uv is needed to build the wheel")
    subprocess.run(
        ["uv", "build", "--wheel", "--out-dir", str(tmp_path), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    from code_agent.core.framework import FILES

    (wheel,) = tmp_path.glob("code_agent-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for item in FILES:
        assert f"code_agent/templates/agent/{item.template}" in names, item.template


def test_integrate_help_imports_neither_jinja2_nor_boto3(cli_path):
    # sys.modules, not -X importtime: the lazy group loads commands with importlib.import_module,
    # which importtime does not report.
    probe = (
        "import sys\n"
        "from code_agent.cli.main import cli\n"
        "try:\n"
        "    cli.main(args=['integrate', '--help'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(*sorted(sys.modules), sep='\\n', file=sys.stderr)\n"
    )
    python = Path(cli_path).parent / "python"
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0 and "--level" in result.stdout, result.stderr
    loaded = {name.split(".")[0] for name in result.stderr.splitlines()}
    assert "code_agent.cli.commands.integrate" in result.stderr.splitlines()
    assert not loaded & {"jinja2", "boto3", "botocore", "pydantic"}
