"""The scaffolder's rules: names, variables, targets, --force, --dry-run, and no partial output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from code_agent import __version__
from code_agent.core import scaffolder
from code_agent.exceptions import CodeAgentError, InvalidInputError, RefusedError


def no_framework(root: Path) -> None:
    """Stands in for integrate() where a test is about the template alone."""


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def make_template(root: Path, name: str, files: dict[str, str], manifest: str = "") -> Path:
    """A test-only template catalogue entry: ``root/name/{template.toml,files/...}``."""
    directory = root / name
    (directory / "files").mkdir(parents=True)
    (directory / "template.toml").write_text(
        manifest or 'description = "test template"\n', encoding="utf-8"
    )
    for relative, content in files.items():
        path = directory / "files" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["a", "svc", "orders-api", "x1", "a-b-c-9", "a" * 63])
def test_valid_project_names_are_accepted(name):
    assert scaffolder.validate_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "1svc", "-svc", "svc-", "Svc", "my_svc", "my.svc", "my svc", "ünï", "a" * 64, "../x"],
)
def test_invalid_project_names_exit_2_stating_the_rule(name):
    with pytest.raises(InvalidInputError) as caught:
        scaffolder.validate_name(name)
    assert caught.value.exit_code == 2
    assert "lowercase letters, digits and '-'" in caught.value.message
    assert "at most 63 characters" in caught.value.message


def test_package_name_replaces_dashes_with_underscores():
    assert scaffolder.package_name_for("my-cool-tool") == "my_cool_tool"


def test_generated_python_package_derives_from_name(tmp_path):
    result = scaffolder.scaffold("python-cli", "my-cool-tool", tmp_path, integrate=no_framework)
    project = tmp_path / "my-cool-tool"
    assert (project / "src" / "my_cool_tool" / "cli.py").is_file()
    assert not (project / "src" / "my-cool-tool").exists()
    pyproject = (project / "pyproject.toml").read_text()
    assert 'name = "my-cool-tool"' in pyproject
    assert 'my-cool-tool = "my_cool_tool.cli:main"' in pyproject
    assert 'packages = ["src/my_cool_tool"]' in pyproject
    assert result.variables["package_name"] == "my_cool_tool"


def test_name_whose_package_is_a_python_keyword_is_refused_with_exit_2(tmp_path):
    with pytest.raises(InvalidInputError) as caught:
        scaffolder.scaffold("python-cli", "import", tmp_path, integrate=no_framework)
    assert caught.value.exit_code == 2
    assert "package_name='import'" in caught.value.message
    assert "keyword" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_keyword_name_works_when_package_name_is_given(tmp_path):
    scaffolder.scaffold(
        "python-cli", "import", tmp_path, {"package_name": "import_tool"}, integrate=no_framework
    )
    assert (tmp_path / "import" / "src" / "import_tool" / "cli.py").is_file()


# --------------------------------------------------------------------------- templates and variables


def test_builtin_catalogue_has_the_three_templates():
    names = [info.name for info in scaffolder.list_templates()]
    assert names == ["python-cli", "python-microservice", "terraform-module"]
    for info in scaffolder.list_templates():
        assert info.description
        assert all(variable.help for variable in info.variables)


def test_unknown_template_exits_2_listing_valid_templates(tmp_path):
    with pytest.raises(InvalidInputError) as caught:
        scaffolder.scaffold("rust-service", "svc", tmp_path)
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        "unknown template 'rust-service'; valid templates: "
        "python-cli, python-microservice, terraform-module"
    )


def test_unknown_variable_exits_2_naming_valid_keys(tmp_path):
    with pytest.raises(InvalidInputError) as caught:
        scaffolder.scaffold("python-microservice", "svc", tmp_path, {"prot": "80"})
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        "unknown variable prot for template python-microservice; "
        "valid keys: package_name, description, port, python_version"
    )
    assert list(tmp_path.iterdir()) == []


def test_variable_value_is_checked_against_its_pattern(tmp_path):
    with pytest.raises(InvalidInputError) as caught:
        scaffolder.scaffold("python-microservice", "svc", tmp_path, {"port": "http"})
    assert caught.value.message.startswith("-d port=http: must match")


def test_defaults_are_computed_from_earlier_variables():
    info = scaffolder.get_template("python-cli")
    values = scaffolder.resolve_variables(info, "rel-tool", {"package_name": "reltool"})
    assert values == {
        "package_name": "reltool",
        "command_name": "rel-tool",
        "description": "rel-tool: a command-line tool",
    }


def test_choices_are_enforced(tmp_path):
    root = make_template(
        tmp_path / "catalogue",
        "t",
        {"x.txt.j2": "{{ flavour }}\n"},
        'description = "t"\n[variables.flavour]\ndefault = "a"\nhelp = "h"\nchoices = ["a", "b"]\n',
    )
    with pytest.raises(InvalidInputError, match="must be one of a, b"):
        scaffolder.scaffold(
            "t",
            "p",
            tmp_path / "out",
            {"flavour": "c"},
            templates_root=root,
            integrate=no_framework,
        )
    scaffolder.scaffold(
        "t", "p", tmp_path / "out", {"flavour": "b"}, templates_root=root, integrate=no_framework
    )
    assert (tmp_path / "out" / "p" / "x.txt").read_text() == "b\n"


def test_only_j2_files_are_rendered_others_are_copied_verbatim(tmp_path):
    root = make_template(
        tmp_path / "catalogue",
        "t",
        {"rendered.txt.j2": "name={{ project_name }}\n", "verbatim.yml": "x: ${{ github.sha }}\n"},
    )
    scaffolder.scaffold("t", "proj", tmp_path / "out", templates_root=root, integrate=no_framework)
    project = tmp_path / "out" / "proj"
    assert (project / "rendered.txt").read_text() == "name=proj\n"
    assert (project / "verbatim.yml").read_text() == "x: ${{ github.sha }}\n"


def test_a_path_segment_rendering_empty_leaves_the_file_out(tmp_path):
    manifest = 'description = "t"\n[variables.docker]\ndefault = "no"\nhelp = "h"\n'
    root = make_template(
        tmp_path / "catalogue",
        "t",
        {"{% if docker == 'yes' %}Dockerfile{% endif %}": "FROM scratch\n", "keep.txt": "k\n"},
        manifest,
    )
    result = scaffolder.scaffold(
        "t", "p", tmp_path / "out", templates_root=root, integrate=no_framework
    )
    assert [entry.path for entry in result.files] == [".code-agent-answers.json", "keep.txt"]
    scaffolder.scaffold(
        "t", "q", tmp_path / "out", {"docker": "yes"}, templates_root=root, integrate=no_framework
    )
    assert (tmp_path / "out" / "q" / "Dockerfile").is_file()


def test_a_path_that_renders_outside_the_project_is_refused(tmp_path):
    manifest = 'description = "t"\n[variables.sub]\ndefault = ".."\nhelp = "h"\n'
    root = make_template(tmp_path / "catalogue", "t", {"{{ sub }}/evil.txt": "x\n"}, manifest)
    with pytest.raises(CodeAgentError, match="unsafe"):
        scaffolder.scaffold("t", "p", tmp_path / "out", templates_root=root, integrate=no_framework)
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- targets


def test_non_empty_target_is_refused_with_exit_3_naming_the_path(tmp_path):
    target = tmp_path / "svc"
    target.mkdir()
    (target / "mine.txt").write_text("keep me\n")
    with pytest.raises(RefusedError) as caught:
        scaffolder.scaffold("python-cli", "svc", tmp_path, integrate=no_framework)
    assert caught.value.exit_code == 3
    assert caught.value.message == f"target {target} exists and is not empty"
    assert "--force" in caught.value.hint
    assert tree(target) == {"mine.txt": b"keep me\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_target_that_is_a_file_is_refused_even_with_force(tmp_path):
    (tmp_path / "svc").write_text("a file\n")
    with pytest.raises(RefusedError, match="exists and is not a directory"):
        scaffolder.scaffold("python-cli", "svc", tmp_path, force=True, integrate=no_framework)


def test_an_existing_empty_target_is_filled(tmp_path):
    target = tmp_path / "svc"
    target.mkdir()
    inode = target.stat().st_ino
    scaffolder.scaffold("python-cli", "svc", tmp_path, integrate=no_framework)
    assert (target / "pyproject.toml").is_file()
    assert target.stat().st_ino == inode  # the same directory: a shell cd'd into it still sees it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_force_overwrites_template_files_and_keeps_the_others(tmp_path):
    target = tmp_path / "svc"
    (target / "docs").mkdir(parents=True)
    (target / "README.md").write_text("old readme\n")
    (target / "docs" / "notes.md").write_text("my notes\n")
    result = scaffolder.scaffold("python-cli", "svc", tmp_path, force=True, integrate=no_framework)
    assert (target / "README.md").read_text().startswith("# svc\n")
    assert (target / "docs" / "notes.md").read_text() == "my notes\n"
    actions = {entry.path: entry.action for entry in result.files}
    assert actions["README.md"] == "overwrite"
    assert actions["pyproject.toml"] == "create"
    assert result.count("overwrite") == 1
    assert "docs/notes.md" not in actions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]  # no staging directory left


def test_force_stops_before_writing_when_a_directory_blocks_a_file(tmp_path):
    target = tmp_path / "svc"
    (target / "README.md").mkdir(parents=True)  # a directory where the template writes a file
    (target / "keep.txt").write_text("k\n")
    with pytest.raises(CodeAgentError, match="README.md is a directory in the target"):
        scaffolder.scaffold("python-cli", "svc", tmp_path, force=True, integrate=no_framework)
    assert tree(target) == {"keep.txt": b"k\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]


def test_output_dir_is_created_when_missing(tmp_path):
    scaffolder.scaffold("python-cli", "svc", tmp_path / "a" / "b", integrate=no_framework)
    assert (tmp_path / "a" / "b" / "svc" / "pyproject.toml").is_file()


def test_new_project_has_normal_permissions_not_mkdtemp_0700(tmp_path):
    scaffolder.scaffold("python-cli", "svc", tmp_path, integrate=no_framework)
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "svc").stat().st_mode & 0o777 == 0o777 & ~umask


# --------------------------------------------------------------------------- dry run


def test_dry_run_lists_files_and_writes_nothing(tmp_path):
    output = tmp_path / "not-yet"
    result = scaffolder.scaffold(
        "python-microservice", "svc", output, dry_run=True, integrate=no_framework
    )
    assert not output.exists()
    paths = [entry.path for entry in result.files]
    assert (
        "Dockerfile" in paths
        and "src/svc/server.py" in paths
        and ".code-agent-answers.json" in paths
    )
    assert {entry.action for entry in result.files} == {"create"}
    assert result.dry_run is True


def test_dry_run_with_force_reports_overwrites_and_changes_nothing(tmp_path):
    target = tmp_path / "svc"
    target.mkdir()
    (target / "README.md").write_text("old\n")
    result = scaffolder.scaffold(
        "python-cli", "svc", tmp_path, force=True, dry_run=True, integrate=no_framework
    )
    assert {e.path: e.action for e in result.files}["README.md"] == "overwrite"
    assert tree(target) == {"README.md": b"old\n"}


def test_dry_run_refuses_a_non_empty_target_like_the_real_run(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "x").write_text("x")
    with pytest.raises(RefusedError):
        scaffolder.scaffold("python-cli", "svc", tmp_path, dry_run=True, integrate=no_framework)


# --------------------------------------------------------------------------- nothing half-written


def broken_catalogue(tmp_path: Path) -> Path:
    # Files render in sorted order: a.txt and b/c.txt are written before z.txt fails.
    return make_template(
        tmp_path / "catalogue",
        "broken",
        {
            "a.txt.j2": "{{ project_name }}\n",
            "b/c.txt": "c\n",
            "z.txt.j2": "{{ no_such_variable }}\n",
        },
    )


def test_rendering_failure_exits_1_and_leaves_no_directory(tmp_path):
    root = broken_catalogue(tmp_path)
    output = tmp_path / "out"
    output.mkdir()
    with pytest.raises(CodeAgentError) as caught:
        scaffolder.scaffold("broken", "proj", output, templates_root=root, integrate=no_framework)
    assert caught.value.exit_code == 1
    assert "cannot render z.txt.j2" in caught.value.message
    assert "no_such_variable" in caught.value.message
    assert list(output.iterdir()) == []  # neither the project nor the staging directory


def test_rendering_failure_removes_the_output_dirs_it_created(tmp_path):
    root = broken_catalogue(tmp_path)
    with pytest.raises(CodeAgentError):
        scaffolder.scaffold(
            "broken",
            "proj",
            tmp_path / "new" / "deeper",
            templates_root=root,
            integrate=no_framework,
        )
    assert not (tmp_path / "new").exists()


def test_rendering_failure_with_force_leaves_the_existing_target_as_it_was(tmp_path):
    root = broken_catalogue(tmp_path)
    target = tmp_path / "out" / "proj"
    target.mkdir(parents=True)
    (target / "a.txt").write_text("mine\n")
    with pytest.raises(CodeAgentError):
        scaffolder.scaffold(
            "broken",
            "proj",
            tmp_path / "out",
            force=True,
            templates_root=root,
            integrate=no_framework,
        )
    assert tree(target) == {"a.txt": b"mine\n"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["proj"]


def test_framework_step_failure_leaves_no_directory(tmp_path):
    def failing_integrate(root: Path) -> None:
        (root / "CLAUDE.md").write_text("half")
        raise OSError(28, "No space left on device", str(root / ".claude"))

    with pytest.raises(CodeAgentError) as caught:
        scaffolder.scaffold("python-cli", "svc", tmp_path, integrate=failing_integrate)
    assert caught.value.exit_code == 1
    assert "No space left on device" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_interrupt_while_rendering_leaves_no_directory(tmp_path):
    def interrupted(root: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scaffolder.scaffold("python-cli", "svc", tmp_path / "out", integrate=interrupted)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- answers, framework, determinism


def test_answers_file_records_template_version_name_and_all_variables(tmp_path):
    scaffolder.scaffold(
        "python-microservice", "orders-api", tmp_path, {"port": "9000"}, integrate=no_framework
    )
    text = (tmp_path / "orders-api" / ".code-agent-answers.json").read_text()
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "formatVersion": 1,
        "template": "python-microservice",
        "codeAgentVersion": __version__,
        "name": "orders-api",
        "variables": {
            "package_name": "orders_api",
            "description": "orders-api: a small HTTP service",
            "port": "9000",
            "python_version": "3.12",
        },
    }


def test_answers_replay_to_the_same_project(tmp_path):
    scaffolder.scaffold(
        "python-cli",
        "tool",
        tmp_path / "one",
        {"description": "Ships releases"},
        integrate=no_framework,
    )
    answers = json.loads((tmp_path / "one" / "tool" / ".code-agent-answers.json").read_text())
    scaffolder.scaffold(
        answers["template"],
        answers["name"],
        tmp_path / "two",
        answers["variables"],
        integrate=no_framework,
    )
    assert tree(tmp_path / "one" / "tool") == tree(tmp_path / "two" / "tool")


def test_project_gets_the_standard_agent_framework_files(tmp_path):
    result = scaffolder.scaffold("python-cli", "tool", tmp_path)
    project = tmp_path / "tool"
    framework = {entry.path for entry in result.files if entry.source == "framework"}
    for expected in (
        "CLAUDE.md",
        ".claude/settings.json",
        ".claude/commands/generate-prp.md",
        ".claude/commands/execute-prp.md",
    ):
        assert expected in framework
        assert (project / expected).is_file()
    assert any(path.startswith("PRPs/templates/") for path in framework)
    assert any(path.startswith("PRPs/ai_docs/") for path in framework)
    # The same files `integrate --level standard` writes, plus its manifest ...
    from code_agent.core.integrator import integrate

    plain = integrate(project, level="standard", analysis=None, dry_run=True)
    assert framework == {a.path for a in plain.files} | {".claude/code-agent-manifest.json"}
    # ... and running the framework step again changes nothing: the manifest matches.
    again = scaffolder.framework_integrate(scaffolder.get_template("python-cli"))(project)
    assert {a.action for a in again.files} == {"unchanged"}


@pytest.mark.parametrize("template", ["python-microservice", "python-cli", "terraform-module"])
def test_generated_files_are_byte_identical_across_runs(tmp_path, template):
    scaffolder.scaffold(template, "same-name", tmp_path / "first")
    scaffolder.scaffold(template, "same-name", tmp_path / "second")
    first, second = tree(tmp_path / "first" / "same-name"), tree(tmp_path / "second" / "same-name")
    assert list(first) == list(second)
    different = [path for path in first if first[path] != second[path]]
    assert different == []


def test_force_keeps_user_text_in_an_existing_claude_md(tmp_path):
    target = tmp_path / "svc"
    target.mkdir()
    (target / "CLAUDE.md").write_text("# Team notes\n\nDeploy on Tuesdays.\n")
    result = scaffolder.scaffold("python-cli", "svc", tmp_path, force=True)
    claude = (target / "CLAUDE.md").read_text()
    assert claude.startswith("# Team notes\n\nDeploy on Tuesdays.\n")
    assert "<!-- code-agent:begin -->" in claude
    assert {e.path: e.action for e in result.files}["CLAUDE.md"] == "overwrite"


def test_force_on_a_generated_project_rewrites_only_what_differs(tmp_path):
    scaffolder.scaffold("python-cli", "svc", tmp_path)
    target = tmp_path / "svc"
    (target / "README.md").write_text("edited\n")
    (target / ".claude" / "commands" / "generate-prp.md").write_text("my own command\n")
    result = scaffolder.scaffold("python-cli", "svc", tmp_path, force=True)
    actions = {e.path: e.action for e in result.files}
    assert actions.pop("README.md") == "overwrite"  # a template file: --force restores it
    assert set(actions.values()) == {"unchanged"}
    # A framework file the user edited is theirs (integrate keeps it), even with --force.
    assert (target / ".claude/commands/generate-prp.md").read_text() == "my own command\n"
    assert (target / "README.md").read_text().startswith("# svc\n")


@pytest.mark.parametrize(
    ("template", "test_command", "install"),
    [
        ("python-cli", "uv run pytest", "uv sync"),
        ("python-microservice", "uv run pytest", "uv sync"),
        ("terraform-module", "terraform test", None),
    ],
)
def test_claude_md_tells_how_the_generated_project_is_tested(
    tmp_path, template, test_command, install
):
    scaffolder.scaffold(template, "proj", tmp_path)
    claude = (tmp_path / "proj" / "CLAUDE.md").read_text()
    settings = json.loads((tmp_path / "proj" / ".claude" / "settings.json").read_text())
    assert f"Run the tests: `{test_command}`" in claude
    assert f"Bash({test_command}:*)" in settings["permissions"]["allow"]
    if install:
        assert f"Install dependencies: `{install}`" in claude
    assert "pip install" not in claude


def test_preview_defaults_renders_computed_defaults_for_a_placeholder_name():
    info = scaffolder.get_template("python-microservice")
    assert scaffolder.preview_defaults(info, "my-svc") == {
        "package_name": "my_svc",
        "description": "my-svc: a small HTTP service",
        "port": "8080",
        "python_version": "3.12",
    }


@pytest.mark.parametrize(
    "value",
    ["plain", "Bob's", 'say "hi"', "both ' and \"", 'a\\"b', "\\", "end\\", "ünï <&>", '"""'],
)
def test_string_filters_round_trip_through_python_and_toml(value):
    import ast
    import tomllib

    assert ast.literal_eval(scaffolder._py_str(value)) == value
    assert tomllib.loads("v = " + scaffolder._toml_str(value))["v"] == value


def test_py_str_quotes_like_the_formatter():
    assert scaffolder._py_str("plain") == '"plain"'
    assert scaffolder._py_str('say "hi"') == "'say \"hi\"'"


def test_a_bug_in_the_framework_step_is_one_error_and_leaves_nothing(tmp_path):
    def buggy(root: Path) -> None:
        raise ValueError("unexpected")

    with pytest.raises(CodeAgentError) as caught:
        scaffolder.scaffold("python-cli", "svc", tmp_path, integrate=buggy)
    assert caught.value.exit_code == 1
    assert caught.value.message == "agent framework files: ValueError: unexpected"
    assert list(tmp_path.iterdir()) == []


def test_dry_run_fails_like_the_real_run_when_the_output_dir_is_below_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(CodeAgentError, match="is not a directory"):
        scaffolder.scaffold(
            "python-cli", "svc", tmp_path / "file" / "sub", dry_run=True, integrate=no_framework
        )
