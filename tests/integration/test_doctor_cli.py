"""`code-agent doctor` through the installed console script, against a real moto server.

Covers: the credential source boto3 resolves (environment, shared credentials file, web
identity), the STS caller identity routed through AWS_ENDPOINT_URL, exit 5 for missing or
rejected credentials, exit 4 with --check, no AWS traffic without --aws, an honestly
unwritable workspace (another UID; a read-only bind mount), and the install provenance.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import code_agent
from code_agent.core.environment import in_container
from tests.conftest import (
    REPO_ROOT,
    free_port,
    running_moto,
    skip_or_fail,
    without_dac_override,
)

MOTO_ACCOUNT = "123456789012"  # the account moto answers for
SCHEMA = json.loads((REPO_ROOT / "docs" / "schemas" / "doctor.schema.json").read_text())
USER_FLAG = '--user "$(id -u):$(id -g)"'


def doctor(run_cli, *args, env, cwd):
    """Run `doctor --format json`; every document must match the documented schema."""
    result = run_cli("doctor", *args, "--format", "json", cwd=cwd, env=env)
    document = json.loads(result.stdout) if result.stdout.strip() else None
    if document is not None:
        validate(document)
    return result, document


def validate(document: dict) -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator(SCHEMA).validate(document)


def without_keys(env: dict[str, str]) -> dict[str, str]:
    """aws_env minus its static keys; instance metadata off so 'none' stays 'none'."""
    env = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def assert_one_error(stderr: str, message_start: str) -> tuple[str, str]:
    """The last two stderr lines are exactly 'Error: ...' and 'Hint: ...'; no traceback."""
    assert "Traceback" not in stderr
    *_, error, hint = stderr.rstrip("\n").splitlines()
    assert error.startswith(f"Error: {message_start}"), error
    assert hint.startswith("Hint: "), hint
    return error, hint


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


# --- AWS: credential sources and identity ---------------------------------------------------


@pytest.mark.aws
def test_doctor_aws_with_environment_keys_reports_source_and_moto_identity(
    run_cli, aws_env, moto_server, workspace, home
):
    env = {**aws_env, "HOME": str(home)}
    result, doc = doctor(run_cli, "--aws", env=env, cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert doc["kind"] == "doctor" and doc["formatVersion"] == 1
    assert doc["aws"]["credentials"]["source"] == "environment"
    assert doc["aws"]["credentials"]["access_key_id"] == "***ting"
    assert doc["aws"]["endpoint_url"] == moto_server
    assert doc["aws"]["identity"] == {
        "Account": MOTO_ACCOUNT,
        "Arn": f"arn:aws:sts::{MOTO_ACCOUNT}:user/moto",
        "UserId": doc["aws"]["identity"]["UserId"],
    }
    assert doc["aws"]["identity_checked"] and doc["aws"]["identity_error"] is None
    assert doc["ok"] is True and doc["problems"] == []


@pytest.mark.aws
def test_doctor_aws_with_shared_credentials_file_and_profile_reports_the_file(
    run_cli, aws_env, workspace, home, tmp_path
):
    credentials = tmp_path / "aws-credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n"
        "[ci]\naws_access_key_id = AKIACIPROFILE0001\naws_secret_access_key = c\n"
    )
    env = {
        **without_keys(aws_env),
        "HOME": str(home),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_PROFILE": "ci",
    }
    result, doc = doctor(run_cli, "--aws", env=env, cwd=workspace)
    assert result.returncode == 0, result.stderr
    creds = doc["aws"]["credentials"]
    assert creds["source"] == "shared-credentials-file"
    assert creds["path"] == str(credentials)
    assert creds["profile"] == "ci"
    assert creds["access_key_id"].endswith("0001")  # the [ci] key, not [default]
    assert doc["aws"]["identity"]["Account"] == MOTO_ACCOUNT


@pytest.mark.aws
def test_doctor_finds_credentials_mounted_at_home_dot_aws(run_cli, aws_env, workspace, home):
    # The container recipe: ~/.aws mounted read-only at the image user's HOME.
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAHOMEKEY\naws_secret_access_key = h\n"
    )
    env = without_keys(aws_env)
    env.pop("AWS_SHARED_CREDENTIALS_FILE")
    env["HOME"] = str(home)
    result, doc = doctor(run_cli, "--aws", env=env, cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert doc["aws"]["credentials"]["source"] == "shared-credentials-file"
    assert doc["aws"]["credentials"]["path"] == str(home / ".aws" / "credentials")
    assert doc["aws"]["identity"]["Account"] == MOTO_ACCOUNT


@pytest.mark.aws
def test_doctor_aws_with_web_identity_token_assumes_the_role_through_the_endpoint(
    run_cli, aws_env, workspace, home, tmp_path
):
    token = tmp_path / "web-identity-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")  # moto accepts any token
    role = f"arn:aws:iam::{MOTO_ACCOUNT}:role/code-agent-ci"
    env = {
        **without_keys(aws_env),
        "HOME": str(home),
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
        "AWS_ROLE_ARN": role,
        "AWS_ROLE_SESSION_NAME": "doctor-test",
    }
    result, doc = doctor(run_cli, "--aws", env=env, cwd=workspace)
    assert result.returncode == 0, result.stderr
    creds = doc["aws"]["credentials"]
    assert creds["source"] == "assume-role-with-web-identity"
    assert (creds["path"], creds["role_arn"]) == (str(token), role)
    # AssumeRoleWithWebIdentity and GetCallerIdentity both went to moto via AWS_ENDPOINT_URL.
    identity = doc["aws"]["identity"]
    assert identity["Arn"] == f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/code-agent-ci/doctor-test"
    assert identity["UserId"].endswith(":doctor-test")


@pytest.mark.aws
def test_doctor_aws_without_credentials_exits_5_with_a_mount_hint_using_home(
    run_cli, aws_env, workspace, home
):
    env = {**without_keys(aws_env), "HOME": str(home)}
    result = run_cli("doctor", "--aws", cwd=workspace, env=env)
    assert result.returncode == 5
    assert result.stdout == ""
    _, hint = assert_one_error(result.stderr, "boto3 found no AWS credentials")
    if in_container():
        assert f'-v "$HOME/.aws:{home}/.aws:ro"' in hint
        assert "-e AWS_ACCESS_KEY_ID" in hint and "AWS_WEB_IDENTITY_TOKEN_FILE" in hint
    else:
        assert "aws configure" in hint


@pytest.mark.aws
def test_doctor_aws_json_without_credentials_still_prints_the_report_and_exits_5(
    run_cli, aws_env, workspace, home
):
    env = {**without_keys(aws_env), "HOME": str(home)}
    result, doc = doctor(run_cli, "--aws", env=env, cwd=workspace)
    assert result.returncode == 5
    assert doc["aws"]["credentials"]["source"] == "none"
    assert doc["aws"]["identity"] is None
    assert doc["aws"]["identity_error"]["message"] == "boto3 found no AWS credentials"
    assert "aws-credentials-missing" in [p["code"] for p in doc["problems"]]
    assert_one_error(result.stderr, "boto3 found no AWS credentials")


@pytest.fixture(scope="module")
def moto_server_with_iam_auth(tmp_path_factory):
    """A second moto server that checks credentials (INITIAL_NO_AUTH_ACTION_COUNT=0), so it
    rejects access keys that its IAM does not know, as AWS does."""
    log_dir = tmp_path_factory.mktemp("moto-auth")
    with running_moto(log_dir, INITIAL_NO_AUTH_ACTION_COUNT="0") as endpoint:
        yield endpoint


@pytest.mark.aws
def test_doctor_aws_with_keys_aws_rejects_exits_5_with_one_line(
    run_cli, aws_env, moto_server_with_iam_auth, workspace, home
):
    env = {**aws_env, "HOME": str(home), "AWS_ENDPOINT_URL": moto_server_with_iam_auth}
    result = run_cli("doctor", "--aws", cwd=workspace, env=env)
    assert result.returncode == 5, result.stderr
    error, hint = assert_one_error(result.stderr, "AWS rejected the credentials from environment")
    assert "InvalidClientTokenId" in error
    assert hint == "Hint: AWS does not know this access key: check the key id or create new keys"


@pytest.mark.aws
def test_doctor_aws_with_unreachable_endpoint_exits_5(run_cli, aws_env, workspace, home):
    dead = f"http://127.0.0.1:{free_port()}"
    env = {**aws_env, "HOME": str(home), "AWS_ENDPOINT_URL": dead}
    result = run_cli("doctor", "--aws", cwd=workspace, env=env)
    assert result.returncode == 5
    error, hint = assert_one_error(result.stderr, "Could not connect to the endpoint URL")
    assert dead in error and "AWS_ENDPOINT_URL" in hint


@pytest.mark.aws
def test_doctor_aws_with_unknown_profile_exits_5_listing_profiles(
    run_cli, aws_env, workspace, home, tmp_path
):
    config = tmp_path / "aws-config"
    config.write_text("[profile dev]\nregion = us-east-1\n[profile prod]\nregion = us-east-1\n")
    env = {
        **without_keys(aws_env),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_PROFILE": "staging",
    }
    result = run_cli("doctor", "--aws", cwd=workspace, env=env)
    assert result.returncode == 5
    _, hint = assert_one_error(result.stderr, "profile 'staging' is not in ")
    assert hint == "Hint: set AWS_PROFILE to one of: dev, prod (or unset it)"


class ConnectionCounter:
    """A TCP listener on 127.0.0.1 that counts connections and hangs up on each."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_doctor_without_aws_flag_never_calls_aws(run_cli, aws_env, workspace, home, tmp_path):
    token = tmp_path / "token"
    token.write_text("header.payload.signature")
    counter = ConnectionCounter()
    try:
        env = {
            **without_keys(aws_env),
            "HOME": str(home),
            "AWS_ENDPOINT_URL": counter.url,
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
            "AWS_ROLE_ARN": f"arn:aws:iam::{MOTO_ACCOUNT}:role/lazy",
        }
        quiet = run_cli("doctor", cwd=workspace, env=env)
        assert quiet.returncode == 0, quiet.stderr
        assert "assume-role-with-web-identity" in quiet.stderr
        assert counter.count == 0
        # The listener does see the STS call that --aws makes (so the zero above means something).
        checked = run_cli("doctor", "--aws", cwd=workspace, env=env)
        assert checked.returncode == 5, checked.stderr
        assert counter.count > 0, checked.stderr
    finally:
        counter.close()


# --- problems, --check and exit codes --------------------------------------------------------


def test_doctor_reports_problems_but_exits_0_without_check(run_cli, aws_env, workspace, home):
    env = {**without_keys(aws_env), "HOME": str(home)}
    result = run_cli("doctor", cwd=workspace, env=env)
    assert result.returncode == 0
    assert "x boto3 finds no AWS credentials" in result.stderr
    assert "Error:" not in result.stderr


def test_doctor_check_exits_4_when_a_problem_is_found(run_cli, aws_env, workspace, home):
    env = {**without_keys(aws_env), "HOME": str(home)}
    result = run_cli("doctor", "--check", cwd=workspace, env=env)
    assert result.returncode == 4
    error, _ = assert_one_error(result.stderr, "doctor found ")
    assert "aws-credentials-missing" in error


def test_doctor_check_exits_0_when_all_is_well(run_cli, aws_env, workspace, home):
    result = run_cli("doctor", "--check", cwd=workspace, env={**aws_env, "HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert "no problems found" in result.stderr


def test_doctor_text_report_goes_to_stderr_and_json_to_stdout(run_cli, aws_env, workspace, home):
    env = {**aws_env, "HOME": str(home)}
    text = run_cli("doctor", cwd=workspace, env=env)
    assert text.stdout == ""
    for label in (
        "code-agent",
        "python",
        "container",
        "user",
        "HOME",
        "workspace",
        "AWS credentials",
        "AWS region",
        "AWS identity",
    ):
        assert f"\n{label} " in "\n" + text.stderr, label
    assert "\x1b[" not in text.stderr  # not a TTY: no colour
    _, doc = doctor(run_cli, env=env, cwd=workspace)
    assert set(doc) >= {
        "formatVersion",
        "kind",
        "ok",
        "code_agent",
        "python",
        "container",
        "user",
        "workspace",
        "aws",
        "problems",
    }
    assert doc["workspace"] == {**doc["workspace"], "path": str(workspace), "writable": True}
    assert doc["user"]["home"] == str(home) and doc["user"]["home_writable"] is True
    assert doc["user"]["uid"] == os.geteuid()
    assert doc["container"]["detected"] is in_container()
    assert doc["aws"]["identity_checked"] is False and doc["aws"]["identity"] is None


def test_doctor_with_missing_path_is_a_usage_error(run_cli, aws_env, tmp_path):
    result = run_cli("doctor", "--path", str(tmp_path / "nope"), cwd=tmp_path, env=aws_env)
    assert result.returncode == 2
    assert result.stderr == f"Error: --path {tmp_path / 'nope'} does not exist\n"


# --- an honestly unwritable workspace ---------------------------------------------------------


def test_workspace_owned_by_another_user_is_reported_with_the_user_flag_hint(
    cli_path, aws_env, tmp_path
):
    # As in `docker run -v "$PWD:/workspace"` with the host user owning the files.
    workspace = tmp_path / "host-owned"
    workspace.mkdir(mode=0o755)
    os.chown(workspace, 65534, 65534)
    result = subprocess.run(
        without_dac_override([cli_path, "doctor", "--path", str(workspace), "--format", "json"]),
        check=False,
        capture_output=True,
        text=True,
        env={**aws_env, "HOME": str(tmp_path)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    validate(doc)
    ws = doc["workspace"]
    assert (ws["writable"], ws["error"], ws["owner_uid"]) == (False, "Permission denied", 65534)
    uid, gid = os.geteuid(), os.getegid()
    [problem] = [p for p in doc["problems"] if p["code"] == "workspace-not-writable"]
    assert problem["message"].startswith(
        f"workspace {workspace} is not writable for {uid}:{gid} (owner 65534:65534)"
    )
    if in_container():
        assert USER_FLAG in problem["hint"]
    else:
        assert problem["hint"].startswith("take ownership: sudo chown")


@pytest.mark.privileged
def test_read_only_mounted_workspace_is_reported_with_the_read_only_hint(
    cli_path, aws_env, tmp_path
):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip_or_fail("needs root and unshare for a private read-only bind mount")
    workspace = tmp_path / "ro"
    workspace.mkdir()
    script = 'mount --bind -o ro "$1" "$1" && exec "$2" doctor --check --path "$1" --format json'
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", str(workspace), cli_path],
        check=False,
        capture_output=True,
        text=True,
        env={**aws_env, "HOME": str(tmp_path)},
        timeout=120,
    )
    if "mount:" in result.stderr:
        skip_or_fail(f"cannot make a read-only bind mount here: {result.stderr.strip()}")
    assert result.returncode == 4, result.stderr
    doc = json.loads(result.stdout)
    validate(doc)
    assert (doc["workspace"]["writable"], doc["workspace"]["error"]) == (
        False,
        "Read-only file system",
    )
    [problem] = doc["problems"]
    assert problem["code"] == "workspace-not-writable" and "read-only" in problem["hint"]
    assert (workspace / "still-writable-outside").touch() is None  # the mount stayed private


def test_workspace_this_user_cannot_reach_is_reported_not_called_missing(
    cli_path, aws_env, tmp_path
):
    # The workspace sits in a 0700 directory of another user: it cannot even be stat'ed.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    workspace = private / "hidden"
    workspace.mkdir()
    os.chown(private, 65534, 65534)
    command = [cli_path, "doctor", "--check", "--path", str(workspace), "--format", "json"]
    result = subprocess.run(
        without_dac_override(command),
        check=False,
        capture_output=True,
        text=True,
        env={**aws_env, "HOME": str(tmp_path)},
        timeout=120,
    )
    assert result.returncode == 4, result.stderr
    doc = json.loads(result.stdout)
    validate(doc)
    assert (doc["workspace"]["exists"], doc["workspace"]["error"]) == (False, "Permission denied")
    codes = [p["code"] for p in doc["problems"]]
    assert "workspace-not-accessible" in codes and "workspace-missing" not in codes


# --- provenance (issue 6) ---------------------------------------------------------------------


def test_doctor_reports_where_the_running_code_agent_came_from(run_cli, aws_env, workspace):
    _, doc = doctor(run_cli, env=aws_env, cwd=workspace)
    origin = doc["code_agent"]
    assert origin["distribution"] == "code-agent"
    assert origin["version"] == origin["distribution_version"] == code_agent.__version__
    venv = Path(sys.prefix).resolve()
    assert Path(origin["location"]).is_relative_to(venv), (origin["location"], venv)
    assert Path(origin["metadata_path"]).name == f"code_agent-{code_agent.__version__}.dist-info"
    assert origin["installer"] == "uv"
    assert origin["entry_point"] == "code_agent.cli.entry:main"
    assert origin["package_path"] == str(Path(code_agent.__file__).resolve().parent)
    assert origin["owns_running_code"] is True and origin["ours"] is True
    text = run_cli("doctor", cwd=workspace, env=aws_env)
    assert f"distribution code-agent {code_agent.__version__}, installed by uv" in text.stderr


# --- start-up cost ------------------------------------------------------------------------------


def imported_modules(args: list[str], env: dict[str, str], cwd: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "code_agent", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.aws
def test_boto3_is_imported_only_when_doctor_calls_aws(aws_env, workspace):
    plain = imported_modules(["doctor"], aws_env, workspace)
    assert "botocore.session" in plain  # resolving the credential source needs botocore
    assert "boto3" not in plain
    assert "boto3" in imported_modules(["doctor", "--aws"], aws_env, workspace)


def test_schema_rejects_a_renamed_identity_key(run_cli, aws_env, workspace):
    # The schema is strict enough that renaming a documented key would fail the tests above.
    from jsonschema import ValidationError

    _, doc = doctor(run_cli, env=aws_env, cwd=workspace)
    doc["aws"]["identity"] = {"account": MOTO_ACCOUNT, "Arn": "arn", "UserId": "u"}
    with pytest.raises(ValidationError):
        validate(doc)
