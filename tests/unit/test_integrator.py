"""The integration planner and applier (core API, no CLI): manifest, markers, backups, levels."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from code_agent.core import framework, integrator
from code_agent.core.framework import BEGIN_MARKER, END_MARKER, MANIFEST_PATH
from code_agent.core.integrator import integrate, plan, unified_diff
from code_agent.exceptions import CodeAgentError, InvalidInputError
from code_agent.models.analysis import Analysis, LanguageStats

STANDARD = {
    "CLAUDE.md",
    ".claude/settings.json",
    ".claude/commands/generate-prp.md",
    ".claude/commands/execute-prp.md",
    "PRPs/templates/prp_base.md",
    "PRPs/templates/feature_request.md",
    "PRPs/ai_docs/README.md",
}
MINIMAL = {"CLAUDE.md", ".claude/settings.json"}
FULL_ONLY = {
    ".claude/commands/prime.md",
    ".claude/commands/review.md",
    ".claude/commands/fix-issue.md",
    ".claude/commands/write-tests.md",
    "PRPs/templates/prp_task.md",
    "PRPs/ai_docs/claude_code.md",
}


def python_analysis(root: Path, test_command: str = "uv run pytest") -> Analysis:
    return Analysis(
        root=str(root),
        languages=[
            LanguageStats("Python", files=12, blank=40, comment=30, code=900),
            LanguageStats("Markdown", files=3, code=120),  # must not be listed: we write Markdown
            LanguageStats("Bourne Shell", files=1, code=20),
        ],
        frameworks=["FastAPI"],
        package_managers=["uv"],
        test_runners=["pytest"],
        test_command=test_command,
        ci_configs=["bitbucket-pipelines.yml"],
        dockerfiles=["Dockerfile"],
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its content (the observable state of the directory)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def actions(result) -> dict[str, str]:
    return {item.path: item.action for item in result.files}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop-api"
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n")
    return root


def test_first_run_creates_standard_files_and_second_run_changes_nothing(repo):
    analysis = python_analysis(repo)
    first = integrate(repo, analysis=analysis)
    assert actions(first) == dict.fromkeys(STANDARD, "create")
    assert first.dry_run is False
    manifest_before = (repo / MANIFEST_PATH).read_bytes()
    state = tree(repo)

    second = integrate(repo, analysis=analysis)

    assert second.totals == {"create": 0, "update": 0, "unchanged": len(STANDARD), "kept": 0}
    assert tree(repo) == state
    assert (repo / MANIFEST_PATH).read_bytes() == manifest_before


def test_levels_are_cumulative_and_write_the_documented_files(tmp_path):
    written = {}
    for level in framework.LEVELS:
        root = tmp_path / level
        root.mkdir()
        integrate(root, level=level, analysis=python_analysis(root))
        written[level] = set(tree(root)) - {MANIFEST_PATH}
    assert written["minimal"] == MINIMAL
    assert written["standard"] == STANDARD
    assert written["full"] == STANDARD | FULL_ONLY
    # The per-level file table and the documented lists agree.
    assert {f.target for f in framework.files_for("full")} == STANDARD | FULL_ONLY


def test_claude_md_only_mentions_commands_that_exist(tmp_path):
    minimal, full = tmp_path / "minimal", tmp_path / "full"
    for root, level in ((minimal, "minimal"), (full, "full")):
        root.mkdir()
        integrate(root, level=level, analysis=python_analysis(root))
    assert "/generate-prp" not in (minimal / "CLAUDE.md").read_text()
    full_text = (full / "CLAUDE.md").read_text()
    for command in ("/generate-prp", "/execute-prp", "/prime", "/review", "/fix-issue"):
        assert f"`{command}`" in full_text


def test_lower_level_after_higher_deletes_nothing_and_keeps_listing_existing_commands(repo):
    integrate(repo, level="full", analysis=python_analysis(repo))
    result = integrate(repo, level="minimal", analysis=python_analysis(repo))
    assert set(actions(result)) == MINIMAL
    assert set(tree(repo)) >= STANDARD | FULL_ONLY
    assert "`/review`" in (repo / "CLAUDE.md").read_text()


def test_content_is_tailored_by_the_analysis(repo):
    integrate(repo, analysis=python_analysis(repo))
    claude = (repo / "CLAUDE.md").read_text()
    assert "# shop-api: working notes for Claude Code" in claude
    assert "- Languages: Python, Bourne Shell" in claude  # by code lines, Markdown left out
    assert "Run the tests: `uv run pytest`" in claude
    assert "Install dependencies: `uv sync`" in claude
    assert (
        "FastAPI" in claude and "`bitbucket-pipelines.yml`" in claude and "`Dockerfile`" in claude
    )
    assert "Python:" in claude and "set -eu" in claude  # conventions of both languages

    settings = json.loads((repo / ".claude/settings.json").read_text())
    assert "Bash(uv run pytest:*)" in settings["permissions"]["allow"]
    assert "Bash(uv publish:*)" in settings["permissions"]["ask"]
    assert "uv run pytest" in (repo / "PRPs/templates/prp_base.md").read_text()


def test_without_analysis_findings_claude_md_asks_for_the_test_command(repo):
    integrate(repo, analysis=Analysis(root=str(repo)))
    claude = (repo / "CLAUDE.md").read_text()
    assert "no test command was detected" in claude
    settings = json.loads((repo / ".claude/settings.json").read_text())
    assert "Bash(git diff:*)" in settings["permissions"]["allow"]


def test_edited_file_is_kept_and_the_edit_survives(repo):
    integrate(repo, analysis=python_analysis(repo))
    command = repo / ".claude/commands/generate-prp.md"
    command.write_text(command.read_text() + "\nAlways cite the ticket number.\n")
    edited = command.read_bytes()

    # The template's output changes (new test command) but the user's edit wins.
    result = integrate(repo, analysis=python_analysis(repo, "make test"))

    item = result.get(".claude/commands/generate-prp.md")
    assert item.action == "kept"
    assert "edited by hand" in item.reason
    assert command.read_bytes() == edited
    assert not (repo / ".claude/commands/generate-prp.md.bak").exists()


def test_unmodified_file_is_updated_when_the_template_output_changes(repo):
    integrate(repo, analysis=python_analysis(repo))
    result = integrate(repo, analysis=python_analysis(repo, "make test"))
    assert result.get(".claude/settings.json").action == "update"
    assert "Bash(make test:*)" in (repo / ".claude/settings.json").read_text()
    assert integrate(repo, analysis=python_analysis(repo, "make test")).totals["update"] == 0


def test_force_overwrites_an_edited_file_after_writing_a_bak(repo):
    integrate(repo, analysis=python_analysis(repo))
    settings = repo / ".claude/settings.json"
    settings.write_text('{"permissions": {"allow": ["Bash"]}}\n')

    result = integrate(repo, force=True, analysis=python_analysis(repo))

    item = result.get(".claude/settings.json")
    assert item.action == "update" and item.backup == ".claude/settings.json.bak"
    assert (
        repo / ".claude/settings.json.bak"
    ).read_text() == '{"permissions": {"allow": ["Bash"]}}\n'
    assert "Bash(git diff:*)" in settings.read_text()
    # The overwrite is recorded: the next plain run sees our own file again.
    assert (
        integrate(repo, analysis=python_analysis(repo)).get(".claude/settings.json").action
        == "unchanged"
    )


def test_a_second_forced_overwrite_never_replaces_an_earlier_backup(repo):
    integrate(repo, analysis=python_analysis(repo))
    target = repo / "PRPs/ai_docs/README.md"
    target.write_text("first edit\n")
    integrate(repo, force=True, analysis=python_analysis(repo))
    target.write_text("second edit\n")
    result = integrate(repo, force=True, analysis=python_analysis(repo))
    assert result.get("PRPs/ai_docs/README.md").backup == "PRPs/ai_docs/README.md.bak.1"
    assert (repo / "PRPs/ai_docs/README.md.bak").read_text() == "first edit\n"
    assert (repo / "PRPs/ai_docs/README.md.bak.1").read_text() == "second edit\n"


def test_pre_existing_file_not_written_by_code_agent_is_kept(repo):
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text('{"permissions": {"allow": ["Bash(make:*)"]}}\n')
    result = integrate(repo, analysis=python_analysis(repo))
    item = result.get(".claude/settings.json")
    assert item.action == "kept" and "not written by code-agent" in item.reason
    assert settings.read_text() == '{"permissions": {"allow": ["Bash(make:*)"]}}\n'
    manifest = json.loads((repo / MANIFEST_PATH).read_text())
    assert ".claude/settings.json" not in manifest["files"]  # never adopted as ours


def test_pre_existing_file_identical_to_ours_is_unchanged_and_adopted(repo):
    integrate(repo, analysis=python_analysis(repo))
    (repo / MANIFEST_PATH).unlink()
    result = integrate(repo, analysis=python_analysis(repo))
    assert result.totals == {"create": 0, "update": 0, "unchanged": len(STANDARD), "kept": 0}
    assert set(json.loads((repo / MANIFEST_PATH).read_text())["files"]) == STANDARD


def test_existing_claude_md_gets_the_block_appended_and_user_text_is_untouched(repo):
    user_text = "# Shop API\n\nNever touch the billing module without Dana.\n"
    (repo / "CLAUDE.md").write_text(user_text)

    result = integrate(repo, analysis=python_analysis(repo))

    assert result.get("CLAUDE.md").action == "update"
    assert "appended" in result.get("CLAUDE.md").reason
    text = (repo / "CLAUDE.md").read_text()
    assert text.startswith(user_text)
    assert text.count(BEGIN_MARKER) == 1 and text.rstrip().endswith(END_MARKER)
    assert not (repo / "CLAUDE.md.bak").exists()
    assert integrate(repo, analysis=python_analysis(repo)).get("CLAUDE.md").action == "unchanged"


def test_block_refresh_preserves_user_text_before_and_after_the_markers(repo):
    integrate(repo, analysis=python_analysis(repo))
    claude = repo / "CLAUDE.md"
    original = claude.read_text()
    before, after = "Intro written by the team.\n\n", "\n## Our rules\n\n- Dana owns billing.\n"
    claude.write_text(before + original + after)

    result = integrate(repo, analysis=python_analysis(repo, "make test"))

    assert result.get("CLAUDE.md").action == "update"
    text = claude.read_text()
    assert text.startswith(before) and text.endswith(original.split(END_MARKER)[1] + after)
    assert "Run the tests: `make test`" in text
    assert "`uv run pytest`" not in text


def test_edited_claude_md_block_is_kept_and_force_replaces_only_the_block(repo):
    integrate(repo, analysis=python_analysis(repo))
    claude = repo / "CLAUDE.md"
    edited = claude.read_text().replace("Work in small steps", "Work in tiny steps") + "Mine.\n"
    claude.write_text(edited)

    kept = integrate(repo, analysis=python_analysis(repo))
    assert kept.get("CLAUDE.md").action == "kept"
    assert claude.read_text() == edited

    forced = integrate(repo, force=True, analysis=python_analysis(repo))
    assert forced.get("CLAUDE.md").action == "update"
    assert (repo / "CLAUDE.md.bak").read_text() == edited
    text = claude.read_text()
    assert "Work in small steps" in text and text.endswith("Mine.\n")


@pytest.mark.parametrize(
    "broken",
    [
        f"{BEGIN_MARKER}\nno end\n",
        f"{END_MARKER}\n{BEGIN_MARKER}\n",
        f"{BEGIN_MARKER}\n{END_MARKER}\n{BEGIN_MARKER}\n{END_MARKER}\n",
    ],
)
def test_unbalanced_markers_are_never_touched_even_with_force(repo, broken):
    (repo / "CLAUDE.md").write_text(broken)
    result = integrate(repo, force=True, analysis=python_analysis(repo))
    assert result.get("CLAUDE.md").action == "kept"
    assert "unbalanced" in result.get("CLAUDE.md").reason
    assert (repo / "CLAUDE.md").read_text() == broken


def test_a_file_removed_by_the_user_is_not_recreated_without_force(repo):
    integrate(repo, analysis=python_analysis(repo))
    (repo / "PRPs/templates/feature_request.md").unlink()
    result = integrate(repo, analysis=python_analysis(repo))
    assert result.get("PRPs/templates/feature_request.md").action == "kept"
    assert not (repo / "PRPs/templates/feature_request.md").exists()
    result = integrate(repo, force=True, analysis=python_analysis(repo))
    assert result.get("PRPs/templates/feature_request.md").action == "create"
    assert (repo / "PRPs/templates/feature_request.md").exists()


def test_dry_run_reports_the_plan_and_writes_nothing(repo):
    (repo / "CLAUDE.md").write_text("user notes\n")
    state = tree(repo)
    result = integrate(repo, dry_run=True, analysis=python_analysis(repo))
    assert result.dry_run is True
    assert result.get("CLAUDE.md").action == "update"
    assert result.totals["create"] == len(STANDARD) - 1
    assert tree(repo) == state
    assert sorted(p.name for p in repo.iterdir()) == ["CLAUDE.md", "app.py"]


def test_symlinks_are_never_followed(repo, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("outside the repository\n")
    (repo / "CLAUDE.md").symlink_to(outside)
    (repo / "PRPs").symlink_to(tmp_path)  # a directory link that points out of the repo

    result = integrate(repo, force=True, analysis=python_analysis(repo))

    assert result.get("CLAUDE.md").action == "kept"
    assert result.get("PRPs/templates/prp_base.md").action == "kept"
    assert outside.read_text() == "outside the repository\n"
    assert not (tmp_path / "templates").exists()


def test_a_file_where_a_directory_belongs_is_reported_not_crashed_on(repo):
    (repo / "PRPs").write_text("not a directory\n")
    result = integrate(repo, analysis=python_analysis(repo))
    assert result.get("PRPs/ai_docs/README.md").action == "kept"
    assert "PRPs is not a directory" in result.get("PRPs/ai_docs/README.md").reason
    assert (repo / "PRPs").read_text() == "not a directory\n"
    assert (repo / "CLAUDE.md").exists()


def test_unreadable_manifest_is_reported_and_our_files_become_user_content(repo):
    integrate(repo, analysis=python_analysis(repo))
    (repo / MANIFEST_PATH).write_text("{ not json")
    result = integrate(repo, analysis=python_analysis(repo, "make test"))
    assert result.warnings and "unreadable" in result.warnings[0]
    assert result.get(".claude/settings.json").action == "kept"


def test_unified_diff_shows_creation_and_update(repo):
    integrate(repo, analysis=python_analysis(repo))
    result = plan(repo, analysis=python_analysis(repo, "make test"), level="full")
    update = unified_diff(result.get(".claude/settings.json"))
    assert update.startswith("--- a/.claude/settings.json\n+++ b/.claude/settings.json\n")
    assert '+      "Bash(make test:*)",' in update
    create = unified_diff(result.get(".claude/commands/review.md"))
    assert create.startswith("--- /dev/null\n+++ b/.claude/commands/review.md\n")
    assert unified_diff(result.get("PRPs/ai_docs/README.md")) == ""


def test_a_failure_mid_way_leaves_no_partial_file_and_records_what_was_written(repo, monkeypatch):
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):  # a stub: the third rename fails as a full disk would
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(integrator.os, "replace", failing_replace)
    with pytest.raises(CodeAgentError, match="No space left on device"):
        integrate(repo, analysis=python_analysis(repo))
    monkeypatch.undo()

    files = tree(repo)
    assert not [name for name in files if name.endswith(".tmp")]  # no temporary left behind
    recorded = set(json.loads(files[MANIFEST_PATH])["files"])
    written = set(files) - {"app.py", MANIFEST_PATH}
    assert len(written) == 2 and recorded == written
    # The next run finishes the job and treats the files already written as ours.
    result = integrate(repo, analysis=python_analysis(repo))
    assert result.totals == {"create": len(STANDARD) - 2, "update": 0, "unchanged": 2, "kept": 0}


def test_new_files_get_the_umask_mode_and_updates_keep_the_existing_mode(repo):
    old = os.umask(0o027)
    try:
        integrate(repo, analysis=python_analysis(repo))
    finally:
        os.umask(old)
    settings = repo / ".claude/settings.json"
    assert settings.stat().st_mode & 0o777 == 0o640
    settings.chmod(0o600)
    integrate(repo, analysis=python_analysis(repo, "make test"))
    assert settings.stat().st_mode & 0o777 == 0o600


def test_unknown_level_and_missing_directory_are_invalid_input(tmp_path):
    with pytest.raises(InvalidInputError, match="unknown level 'huge'"):
        integrate(tmp_path, level="huge", analysis=Analysis(root=str(tmp_path)))
    with pytest.raises(InvalidInputError, match="not a directory"):
        integrate(tmp_path / "missing", analysis=Analysis(root="missing"))


def test_a_terraform_module_gets_terraform_rules_and_never_auto_applies(repo):
    analysis = Analysis(
        root=str(repo),
        languages=[LanguageStats("HCL", files=3, code=120), LanguageStats("Markdown", code=40)],
        frameworks=["Terraform"],
    )
    integrate(repo, analysis=analysis)
    permissions = json.loads((repo / ".claude/settings.json").read_text())["permissions"]
    assert "Bash(terraform validate:*)" in permissions["allow"]
    assert {"Bash(terraform apply:*)", "Bash(terraform destroy:*)"} <= set(permissions["ask"])
    claude = (repo / "CLAUDE.md").read_text()
    assert "- Languages: HCL" in claude and "never run `apply` or `destroy` yourself" in claude
    assert "terraform fmt -check -recursive" in (repo / "PRPs/templates/prp_base.md").read_text()
