"""The framework files themselves: package data, rendering, settings.json and command syntax."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from code_agent.core import framework
from code_agent.core.integrator import find_block
from code_agent.models.analysis import Analysis, LanguageStats

# Claude Code permission rule: a tool name, optionally a specifier in parentheses.
RULE = re.compile(r"^(Bash|Read|Edit|Write|WebFetch|WebSearch|mcp__\w+)(\([^()]+\))?$")


def rendered(level: str, analysis: Analysis | None, root: Path) -> dict[str, str]:
    files = framework.files_for(level)
    context = framework.build_context(root, analysis, level, {f.target for f in files})
    return {f.target: framework.render(f, context) for f in files}


def test_every_template_ships_as_package_data():
    base = resources.files("code_agent") / "templates" / "agent"
    for item in framework.FILES:
        node = base
        for part in item.template.split("/"):
            node = node / part
        assert node.is_file(), item.template


@pytest.mark.parametrize("analysis", [None, "python", "polyglot"])
def test_settings_json_is_valid_and_every_rule_is_well_formed(tmp_path, analysis):
    if analysis == "python":
        analysis = Analysis(
            root=".", languages=[LanguageStats("Python", code=10)],
            package_managers=["uv"], test_command="uv run pytest -q",
        )  # fmt: skip
    elif analysis == "polyglot":
        analysis = Analysis(
            root=".",
            languages=[LanguageStats("Go", code=10), LanguageStats("HCL", code=5)],
            package_managers=["Go modules", "npm", "something-unknown"],
            frameworks=["Terraform"],  # the analyzer reports infrastructure tools as frameworks
            test_command='go test ./... -run "Test(A|B)"',
        )
    settings = json.loads(rendered("minimal", analysis, tmp_path)[".claude/settings.json"])
    assert settings["$schema"] == "https://json.schemastore.org/claude-code-settings.json"
    permissions = settings["permissions"]
    assert set(permissions) == {"allow", "ask", "deny"}
    for kind in ("allow", "ask", "deny"):
        assert len(permissions[kind]) == len(set(permissions[kind])), f"duplicates in {kind}"
        for rule in permissions[kind]:
            assert isinstance(rule, str)
    # Test commands may contain parentheses; every other rule must match the rule grammar.
    for rule in permissions["ask"] + permissions["deny"]:
        assert RULE.match(rule), rule
    assert "Read(./.env)" in permissions["deny"] and "Bash(git push:*)" in permissions["ask"]
    assert not set(permissions["allow"]) & set(permissions["ask"] + permissions["deny"])
    if analysis is not None and "Terraform" in analysis.frameworks:
        assert "Bash(terraform apply:*)" in permissions["ask"]
        assert "Bash(go test:*)" in permissions["allow"]  # "Go modules" understood as go
        assert 'Bash(go test ./... -run "Test(A|B)":*)' in permissions["allow"]


def test_prp_commands_take_arguments_and_have_front_matter(tmp_path):
    files = rendered("full", None, tmp_path)
    commands = {k: v for k, v in files.items() if k.startswith(".claude/commands/")}
    assert set(commands) >= {".claude/commands/generate-prp.md", ".claude/commands/execute-prp.md"}
    for path, text in commands.items():
        assert text.startswith("---\ndescription: "), path
        front_matter = text.split("---\n")[1]
        assert all(re.match(r"^[a-z-]+: \S", line) for line in front_matter.splitlines()), path
        assert "$ARGUMENTS" in text, path
    assert "PRPs/templates/prp_base.md" in commands[".claude/commands/generate-prp.md"]


def test_prp_base_template_has_the_sections_generate_prp_relies_on(tmp_path):
    text = rendered("standard", None, tmp_path)["PRPs/templates/prp_base.md"]
    for heading in (
        "## Goal", "## Why", "## What", "## All needed context",
        "## Implementation blueprint", "## Validation loop", "## Final checklist",
        "## Anti-patterns to avoid",
    ):  # fmt: skip
        assert heading in text
    assert "{{" not in text and "{%" not in text  # fully rendered


def test_claude_md_template_has_exactly_one_marker_block(tmp_path):
    for level in framework.LEVELS:
        text = rendered(level, None, tmp_path)["CLAUDE.md"]
        start, end = find_block(text)
        assert text[start:].startswith(framework.BEGIN_MARKER)
        assert text[:end].endswith(framework.END_MARKER)
        assert "## Project notes" in text[end:]  # room for the user outside the block


def test_find_block_handles_absent_single_and_malformed_markers():
    b, e = framework.BEGIN_MARKER, framework.END_MARKER
    assert find_block("just notes\n") is None
    text = f"top\n{b}\nours\n{e}\nbottom\n"
    start, end = find_block(text)
    assert text[start:end] == f"{b}\nours\n{e}"
    assert find_block(f"{b}\n") == "invalid"
    assert find_block(f"{e}\n{b}\n") == "invalid"


def test_levels_are_cumulative():
    minimal, standard, full = (set(framework.files_for(level)) for level in framework.LEVELS)
    assert minimal < standard < full
    with pytest.raises(ValueError):
        framework.files_for("everything")


def test_ecosystem_names_are_matched_case_insensitively_with_aliases():
    assert framework.ecosystem("UV").name == "uv"
    assert framework.ecosystem("Go modules").name == "go"
    assert framework.ecosystem("unknown-tool") is None


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("pyproject.toml", '[project]\nname = "billing-api"\n', "billing-api"),
        ("pyproject.toml", '[tool.poetry]\nname = "legacy-app"\n', "legacy-app"),
        ("package.json", '{"name": "@acme/web-ui"}', "@acme/web-ui"),
        ("Cargo.toml", '[package]\nname = "fastgrep"\n', "fastgrep"),
        ("go.mod", "module github.com/acme/ledger/v2\n\ngo 1.22\n", "ledger"),
        ("pyproject.toml", "not [valid toml", "workspace"),
    ],
)
def test_project_name_comes_from_metadata_then_the_directory(tmp_path, filename, content, expected):
    root = tmp_path / "workspace"  # what a container mounts the repository as
    root.mkdir()
    (root / filename).write_text(content)
    assert framework.project_name(root) == expected


def test_an_explicit_project_name_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "from-metadata"\n')
    context = framework.build_context(tmp_path, None, "minimal", set(), name="given")
    assert context["project_name"] == "given"
