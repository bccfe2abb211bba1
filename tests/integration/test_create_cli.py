"""`code-agent create` as users run it: the installed console script in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, skip_or_fail, without_dac_override

TEMPLATES = ["python-cli", "python-microservice", "terraform-module"]


def error_lines(stderr: str) -> list[str]:
    """stderr of a failed run: exactly one Error line (plus an optional Hint), no traceback."""
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert lines and lines[0].startswith("Error: "), stderr
    assert all(line.startswith("Hint: ") for line in lines[1:]), stderr
    return lines


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- --list


def test_list_shows_every_template_on_stderr_and_nothing_on_stdout(run_cli):
    completed = run_cli("create", "--list")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    for name in TEMPLATES:
        assert name in completed.stderr
    assert "\x1b[" not in completed.stderr  # not a TTY: no colour


def test_list_json_is_one_document_on_stdout(run_cli):
    completed = run_cli("create", "--list", "--format", "json")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["formatVersion"] == 1
    assert document["kind"] == "templates"
    assert [t["name"] for t in document["templates"]] == TEMPLATES
    cli = document["templates"][0]
    assert [v["name"] for v in cli["variables"]] == ["package_name", "command_name", "description"]
    assert all(v["help"] for t in document["templates"] for v in t["variables"])


def test_list_of_one_template_shows_its_variables(run_cli):
    completed = run_cli("create", "--list", "python-microservice", "--format", "json")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["kind"] == "template"
    port = next(v for v in document["variables"] if v["name"] == "port")
    assert port["default"] == "8080"


# --------------------------------------------------------------------------- creating


def test_create_writes_the_project_and_reports_json(run_cli, tmp_path):
    completed = run_cli(
        "create", "python-cli", "release-tool", "-o", str(tmp_path), "--format", "json"
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    project = tmp_path / "release-tool"
    assert report["kind"] == "create"
    assert report["target"] == str(project)
    assert report["dryRun"] is False
    written = {entry["path"]: entry for entry in report["files"]}
    assert set(written) == set(tree(project))
    assert written["src/release_tool/cli.py"]["source"] == "template"
    assert written["CLAUDE.md"]["source"] == "framework"
    assert written[".code-agent-answers.json"]["source"] == "answers"
    assert report["totals"] == {"create": len(written), "overwrite": 0, "unchanged": 0}
    answers = json.loads((project / ".code-agent-answers.json").read_text())
    assert answers["template"] == "python-cli"
    assert answers["variables"]["package_name"] == "release_tool"


def test_create_text_output_lists_files_and_next_steps_on_stderr(run_cli, tmp_path):
    completed = run_cli("create", "terraform-module", "vpc", "-o", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert re.search(r"^create\s+versions\.tf\s+template\s*$", completed.stderr, re.MULTILINE)
    assert f"Created {tmp_path / 'vpc'} from terraform-module" in completed.stderr
    assert "terraform test" in completed.stderr
    assert (tmp_path / "vpc" / "tests" / "main.tftest.hcl").is_file()


def test_output_dir_defaults_to_the_working_directory(run_cli, tmp_path):
    completed = run_cli("create", "python-cli", "here", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "here" / "pyproject.toml").is_file()


def test_define_sets_variables(run_cli, tmp_path):
    completed = run_cli(
        "create", "python-microservice", "orders", "-o", str(tmp_path),
        "-d", "port=9000", "-d", "description=Order intake",
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "EXPOSE 9000" in (tmp_path / "orders" / "Dockerfile").read_text()
    assert 'description = "Order intake"' in (tmp_path / "orders" / "pyproject.toml").read_text()


def test_force_overwrites_template_files_and_keeps_the_others(run_cli, tmp_path):
    project = tmp_path / "svc"
    project.mkdir()
    (project / "README.md").write_text("old\n")
    (project / "NOTES.txt").write_text("mine\n")
    completed = run_cli(
        "create", "python-cli", "svc", "-o", str(tmp_path), "--force", "--format", "json"
    )
    assert completed.returncode == 0, completed.stderr
    actions = {e["path"]: e["action"] for e in json.loads(completed.stdout)["files"]}
    assert actions["README.md"] == "overwrite"
    assert "NOTES.txt" not in actions
    assert (project / "NOTES.txt").read_text() == "mine\n"
    assert (project / "README.md").read_text().startswith("# svc\n")


def test_dry_run_lists_the_files_and_writes_nothing(run_cli, tmp_path):
    output = tmp_path / "out"
    completed = run_cli(
        "create", "python-microservice", "svc", "-o", str(output), "--dry-run", "--format", "json"
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["dryRun"] is True
    paths = [entry["path"] for entry in report["files"]]
    assert "Dockerfile" in paths and "CLAUDE.md" in paths and "src/svc/app.py" in paths
    assert not output.exists()

    text = run_cli("create", "python-microservice", "svc", "-o", str(output), "--dry-run")
    assert "would create" in text.stderr
    assert "nothing written" in text.stderr
    assert not output.exists()


def test_two_runs_generate_byte_identical_projects(run_cli, tmp_path):
    for run in ("a", "b"):
        completed = run_cli("create", "python-microservice", "same", "-o", str(tmp_path / run))
        assert completed.returncode == 0, completed.stderr
    assert tree(tmp_path / "a" / "same") == tree(tmp_path / "b" / "same")


@pytest.mark.parametrize("template", ["python-cli", "python-microservice", "terraform-module"])
def test_generated_project_already_has_what_integrate_would_write(run_cli, tmp_path, template):
    assert run_cli("create", template, "fresh", "-o", str(tmp_path)).returncode == 0
    check = run_cli("integrate", str(tmp_path / "fresh"), "--check")
    assert check.returncode == 0, check.stderr


# --------------------------------------------------------------------------- errors


def test_unknown_template_exits_2_listing_the_valid_ones(run_cli, tmp_path):
    completed = run_cli("create", "go-service", "svc", "-o", str(tmp_path))
    assert completed.returncode == 2
    lines = error_lines(completed.stderr)
    assert lines[0] == (
        "Error: unknown template 'go-service'; valid templates: "
        "python-cli, python-microservice, terraform-module"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["My_Service", "9lives", "trailing-", "a" * 64])
def test_invalid_project_name_exits_2_stating_the_rule(run_cli, tmp_path, name):
    completed = run_cli("create", "python-cli", name, "-o", str(tmp_path))
    assert completed.returncode == 2
    (line,) = error_lines(completed.stderr)
    assert line.startswith(f"Error: invalid project name {name!r}: use lowercase letters")
    assert "at most 63 characters" in line
    assert list(tmp_path.iterdir()) == []


def test_unknown_define_key_exits_2_naming_the_valid_keys(run_cli, tmp_path):
    completed = run_cli("create", "python-cli", "svc", "-o", str(tmp_path), "-d", "colour=red")
    assert completed.returncode == 2
    (line,) = error_lines(completed.stderr)
    assert line == (
        "Error: unknown variable colour for template python-cli; "
        "valid keys: package_name, command_name, description"
    )


def test_define_without_equals_is_a_usage_error(run_cli, tmp_path):
    completed = run_cli("create", "python-cli", "svc", "-o", str(tmp_path), "-d", "port")
    assert completed.returncode == 2
    assert "'port' is not KEY=VALUE" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_name_is_a_usage_error(run_cli):
    completed = run_cli("create", "python-cli")
    assert completed.returncode == 2
    assert "missing NAME" in completed.stderr


def test_non_empty_target_exits_3_naming_the_path(run_cli, tmp_path):
    project = tmp_path / "svc"
    project.mkdir()
    (project / "keep.txt").write_text("keep\n")
    completed = run_cli("create", "python-cli", "svc", "-o", str(tmp_path))
    assert completed.returncode == 3
    lines = error_lines(completed.stderr)
    assert lines[0] == f"Error: target {project} exists and is not empty"
    assert "--force" in lines[1]
    assert tree(project) == {"keep.txt": b"keep\n"}


def test_unwritable_output_dir_exits_1_and_leaves_nothing(cli_path, tmp_path):
    output = tmp_path / "readonly"
    output.mkdir()
    output.chmod(0o555)
    try:
        completed = subprocess.run(
            without_dac_override([cli_path, "create", "python-cli", "svc", "-o", str(output)]),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 1, completed.stderr
        lines = error_lines(completed.stderr)
        assert lines[0].startswith(f"Error: cannot write in output directory {output}")
        assert "Permission denied" in lines[0]
        assert list(output.iterdir()) == []
    finally:
        output.chmod(0o755)


def test_output_dir_below_a_file_exits_1_and_leaves_nothing(run_cli, tmp_path):
    (tmp_path / "plain-file").write_text("x\n")
    completed = run_cli("create", "python-cli", "svc", "-o", str(tmp_path / "plain-file" / "sub"))
    assert completed.returncode == 1
    (line,) = error_lines(completed.stderr)
    assert "is not a directory" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain-file"]


# --------------------------------------------------------------------------- the generated projects are real


def _uv_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    env.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))  # shared: warm after once
    env["UV_PYTHON_DOWNLOADS"] = "never"  # use an installed Python; never fetch one
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _uv_run(uv: str, project: Path, *args: str, timeout: float = 120):
    """`uv run ARGS` inside a generated project, as its developer would type it."""
    return subprocess.run(
        [uv, "run", "--no-progress", *args],
        cwd=project,
        env=_uv_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("template", ["python-cli", "python-microservice"])
def test_generated_python_project_passes_its_own_tests_with_uv(run_cli, tmp_path, template):
    uv = shutil.which("uv")
    if not uv:
        skip_or_fail("uv is not installed")
    completed = run_cli(
        "create", template, "gen-check", "-o", str(tmp_path),
        "-d", 'description=Bob\'s "quoted" tool \\ with <odd> chars',
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    project = tmp_path / "gen-check"
    result = _uv_run(uv, project, "pytest", "-q", "-p", "no:cacheprovider", timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"^\d+ passed in ", output, re.MULTILINE), output
    # Its own linter and formatter (dev group, [tool.ruff]) accept it, awkward description and all.
    for lint in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        checked = _uv_run(uv, project, *lint)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    # The console script named after the project works too.
    version = _uv_run(uv, project, "gen-check", "--version")
    assert version.returncode == 0, version.stderr
    assert "0.1.0" in version.stdout


@pytest.mark.slow
def test_wheel_ships_every_template_file(tmp_path):
    uv = shutil.which("uv")
    if not uv:
        skip_or_fail("uv is not installed")
    subprocess.run(
        [uv, "build", "--wheel", "--no-progress", "-o", str(tmp_path), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    (wheel,) = tmp_path.glob("code_agent-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    source = REPO_ROOT / "code_agent" / "templates" / "projects"
    expected = {
        p.relative_to(REPO_ROOT).as_posix()
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert expected, "no template files found"
    assert expected - shipped == set()
    assert any(name.endswith("files/.gitignore") for name in shipped)  # dotfiles survive


def test_python_dash_m_code_agent_create_works(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "code_agent", "create", "--list", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["kind"] == "templates"


@pytest.mark.container
@pytest.mark.slow
def test_generated_microservice_image_builds_serves_and_stops_cleanly(
    run_cli, tmp_path, base_images
):
    from tests.conftest import free_port, http_ok, wait_until
    from tests.integration.conftest import docker, docker_build

    uv = shutil.which("uv")
    if not uv:
        skip_or_fail("uv is not installed")
    completed = run_cli("create", "python-microservice", "img-check", "-o", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    project = tmp_path / "img-check"
    # The Dockerfile installs exactly what uv.lock pins, as its README says: lock first.
    subprocess.run([uv, "lock", "--no-progress"], cwd=project, env=_uv_env(), check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    tag = f"code-agent-test/img-check:{os.getpid()}"
    name = f"img-check-{os.getpid()}"
    port = free_port()
    docker_build(project, tag, base=base_images)
    try:
        docker("run", "--detach", "--name", name, "--network", "host", "--read-only",
               "--cap-drop", "ALL", "--env", f"PORT={port}", tag)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/healthz"), timeout=60, what="generated service")
        with urllib.request.urlopen(f"{url}/version", timeout=5) as response:
            assert json.loads(response.read()) == {"service": "img-check", "version": "0.1.0"}
        assert docker("exec", name, "id", "-u").stdout.strip() == "10001"
        docker("stop", "--time", "10", name)  # SIGTERM: the server shuts down and exits 0
        state = docker("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        assert state == "0", docker("logs", name, check=False).stderr
        assert "stopped" in docker("logs", name).stderr
    finally:
        docker("rm", "--force", name, check=False)
        docker("rmi", "--force", tag, check=False)
