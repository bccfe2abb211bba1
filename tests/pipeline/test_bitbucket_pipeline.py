"""bitbucket-pipelines.yml: schema, structure, the Dagger call contract, and shellcheck per step."""

from __future__ import annotations

import ast
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.pipeline

REPO_ROOT = Path(__file__).resolve().parents[2]
PIPELINE = REPO_ROOT / "bitbucket-pipelines.yml"
DAGGER_MAIN = REPO_ROOT / "dagger" / "src" / "code_agent_ci" / "main.py"
VENV_BIN = Path(sys.executable).parent
PUBLISH_MARKERS = (
    "publish_codeartifact.sh",
    "dagger call publish",
    "uv publish",
    "docker push",
    "twine upload",
)


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    assert path, f"{name} is a dev dependency: run uv sync"
    return path


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(PIPELINE.read_text())  # anchors and aliases resolved


def _stages(pipeline: list) -> list[list[dict]]:
    """A pipeline as its stages in order; each stage is the list of steps that run in it."""
    stages = []
    for item in pipeline:
        if "step" in item:
            stages.append([item["step"]])
        elif "parallel" in item:
            parallel = item["parallel"]
            entries = parallel["steps"] if isinstance(parallel, dict) else parallel
            stages.append([entry["step"] for entry in entries])
        else:
            raise AssertionError(f"unexpected pipeline item {item}")
    return stages


def _all_pipelines(config: dict) -> dict[str, list]:
    pipelines = config["pipelines"]
    found = {}
    if "default" in pipelines:
        found["default"] = pipelines["default"]
    for kind in ("branches", "tags", "pull-requests", "custom"):
        for pattern, pipeline in pipelines.get(kind, {}).items():
            found[f"{kind}:{pattern}"] = pipeline
    return found


def _script(step: dict) -> str:
    lines = []
    for line in step.get("script", []) + step.get("after-script", []):
        assert isinstance(line, str), f"step {step['name']}: pipes are not expected: {line}"
        lines.append(line)
    return "\n".join(lines)


def _publishes(step: dict) -> bool:
    return any(marker in _script(step) for marker in PUBLISH_MARKERS)


def _steps_by_name(config: dict) -> dict[str, dict]:
    steps = {}
    for pipeline in _all_pipelines(config).values():
        for stage in _stages(pipeline):
            for step in stage:
                steps.setdefault(step["name"], step)
    return steps


def _dagger_calls(step: dict) -> list[list[str]]:
    return [
        shlex.split(line)
        for line in step.get("script", [])
        if line.strip().startswith("dagger call")
    ]


def _engine_version() -> str:
    return json.loads((REPO_ROOT / "dagger.json").read_text())["engineVersion"].removeprefix("v")


# --- schema --------------------------------------------------------------------------------------


def _check_schema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.bitbucket-pipelines", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pipeline_validates_against_the_bitbucket_pipelines_schema():
    result = _check_schema(PIPELINE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_pipeline(tmp_path):
    """The validator is not a no-op: an invalid step size is caught."""
    broken = tmp_path / "bitbucket-pipelines.yml"
    broken.write_text(PIPELINE.read_text().replace("size: 2x", "size: 3x", 1))
    assert _check_schema(broken).returncode != 0


# --- structure -----------------------------------------------------------------------------------


PUBLISHING = ["branches:main", "branches:develop", "tags:v*"]


@pytest.mark.parametrize("name", PUBLISHING)
def test_publishing_pipeline_runs_tests_then_codeartifact_then_ecr(config, name):
    stages = _stages(_all_pipelines(config)[name])
    assert len(stages) == 3, [[s["name"] for s in stage] for stage in stages]
    tests, codeartifact, ecr = stages
    assert not any(_publishes(step) for step in tests)
    scripts = [_script(step) for step in tests]
    assert any(
        "uv sync --locked" in s and re.search(r"^uv run pytest$", s, re.MULTILINE) for s in scripts
    ), "the test stage runs the README's test command"
    assert any("ruff check" in s and "hadolint" in s and "shellcheck" in s for s in scripts)
    assert [len(codeartifact), len(ecr)] == [1, 1]
    assert "scripts/publish_codeartifact.sh" in _script(codeartifact[0])
    assert "dagger call publish" in _script(ecr[0])


@pytest.mark.parametrize("name", PUBLISHING)
def test_publish_steps_use_oidc_and_never_continue_past_a_failure(config, name):
    for stage in _stages(_all_pipelines(config)[name])[1:]:
        for step in stage:
            assert step.get("oidc") is True, step["name"]
            assert "trigger" not in step or step["trigger"] == "automatic"
            assert not any(m in "\n".join(step.get("after-script", [])) for m in PUBLISH_MARKERS)


def test_only_main_develop_and_release_tags_publish(config):
    publishing = {
        name
        for name, pipeline in _all_pipelines(config).items()
        if any(_publishes(step) for stage in _stages(pipeline) for step in stage)
    }
    assert publishing == set(PUBLISHING)


def test_pull_request_and_default_pipelines_publish_nothing_and_get_no_oidc(config):
    pipelines = _all_pipelines(config)
    names = ["default", *[n for n in pipelines if n.startswith("pull-requests:")]]
    assert "default" in pipelines and len(names) > 1
    for name in names:
        for stage in _stages(pipelines[name]):
            for step in stage:
                assert not _publishes(step), (name, step["name"])
                assert not step.get("oidc"), (name, step["name"])
                assert "BITBUCKET_STEP_OIDC_TOKEN" not in _script(step)


def test_steps_that_run_uv_use_the_uv_cache_keyed_on_the_lock(config):
    cache = config["definitions"]["caches"]["uv"]
    assert cache["key"]["files"] == ["uv.lock"] and cache["path"].endswith(".cache/uv")
    for step in _steps_by_name(config).values():
        if re.search(r"^uv (sync|run)", _script(step), re.MULTILINE):
            assert "uv" in step.get("caches", []), step["name"]
            assert 'export UV_CACHE_DIR="$HOME/.cache/uv"' in _script(step), step["name"]


def test_ecr_step_runs_pinned_dagger_publish_on_runtime_v3_with_docker(config):
    steps = _steps_by_name(config)
    ecr = next(s for s in steps.values() if "dagger call publish" in _script(s))
    assert ecr["runtime"]["cloud"]["version"] == "3"
    assert "docker" in ecr["services"]
    assert ecr.get("size") in ("2x", "4x", "8x")
    assert config["definitions"]["services"]["docker"]["memory"] >= 4096
    script = _script(ecr)
    assert f"DAGGER_VERSION={_engine_version()}" in script
    assert "https://dl.dagger.io/dagger/install.sh" in script and "| sh" not in script
    [call] = _dagger_calls(ecr)
    assert call[:3] == ["dagger", "call", "publish"]
    flags = dict(zip(call[3::2], call[4::2], strict=False))
    for flag in ("--branch", "--git-tag", "--build-number", "--commit", "--aws-role-arn"):
        assert flag in flags, flag
    assert flags["--aws-web-identity-token"].startswith("file://")
    assert "BITBUCKET_STEP_OIDC_TOKEN" not in " ".join(call)  # only through the file


def test_steps_with_the_docker_service_are_big_enough_for_its_memory(config):
    memory = config["definitions"]["services"]["docker"]["memory"]
    for step in _steps_by_name(config).values():
        if "docker" in step.get("services", []):
            size = int(step.get("size", "1x").removesuffix("x"))
            assert memory <= size * 4096 - 1024, (step["name"], size, memory)


def test_every_dagger_install_is_pinned_to_dagger_json(config):
    for step in _steps_by_name(config).values():
        if "dagger" in _script(step) and "install.sh" in _script(step):
            assert f"DAGGER_VERSION={_engine_version()}" in _script(step), step["name"]


def _module_functions() -> dict[str, set[str]]:
    tree = ast.parse(DAGGER_MAIN.read_text())
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "CodeAgentCi"]
    return {
        fn.name.replace("_", "-"): {a.arg.replace("_", "-") for a in fn.args.args[1:]}
        for fn in cls.body
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_dagger_calls_use_only_functions_and_flags_the_module_defines(config):
    functions = _module_functions()
    calls = [call for step in _steps_by_name(config).values() for call in _dagger_calls(step)]
    assert calls
    for call in calls:
        function = call[2]
        assert function in functions, f"no function {function} in {DAGGER_MAIN}"
        flags = {token.split("=")[0][2:] for token in call[3:] if token.startswith("--")}
        assert flags <= functions[function], flags - functions[function]


def test_repository_variables_have_the_documented_defaults(config):
    text = PIPELINE.read_text()
    for default in (
        "${AWS_ACCOUNT_ID:-540845145946}",
        "${AWS_REGION:-us-east-1}",
        "${ECR_REPOSITORY:-code-agent}",
        "${CODEARTIFACT_DOMAIN:-",
        "${CODEARTIFACT_REPOSITORY:-",
        "${AWS_ROLE_ARN:-",
    ):
        assert default in text, default


SECRET_PATTERNS = [
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key ids
    r"(?i)aws_secret_access_key\s*[:=]",
    r"(?i)\b(password|secret|token)\s*:\s*['\"]?[A-Za-z0-9/+=]{12,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",  # 40-char secret-key shape
    r"--aws-(access-key-id|secret-access-key|session-token)\b",  # long-lived keys: never here
    r"--registry-password\b",
]


@pytest.mark.parametrize("pattern", SECRET_PATTERNS)
def test_no_literal_secret_or_long_lived_key_in_the_pipeline(pattern):
    assert not re.search(pattern, PIPELINE.read_text()), pattern


def test_secret_patterns_catch_a_planted_access_key():
    planted = "script:\n  - export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
    assert re.search(SECRET_PATTERNS[0], planted)


# --- shellcheck ----------------------------------------------------------------------------------


def _shellcheck(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_tool("shellcheck"), "--shell=sh", "--severity=style", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _step_ids(config) -> list[str]:
    return sorted(_steps_by_name(config))


@pytest.mark.parametrize("step_name", _step_ids(yaml.safe_load(PIPELINE.read_text())))
def test_step_script_passes_shellcheck(config, step_name, tmp_path):
    """Each step's script as Bitbucket runs it (POSIX sh: the Dagger steps use Alpine)."""
    step = _steps_by_name(config)[step_name]
    script = tmp_path / (re.sub(r"\W+", "-", step_name.lower()) + ".sh")
    script.write_text("#!/bin/sh\nset -e\n" + _script(step) + "\n")
    result = _shellcheck(script)
    assert result.returncode == 0, result.stdout


def test_shellcheck_harness_reports_a_bad_step(tmp_path):
    script = tmp_path / "bad.sh"
    script.write_text("#!/bin/sh\nset -e\nfiles=$(ls *.whl)\nrm $files\n[[ -n x ]]\n")
    result = _shellcheck(script)
    assert result.returncode != 0 and "SC2086" in result.stdout
