"""The container image on a real Docker engine: the CLI behaves in it exactly as natively.

The image is built once per session (fixture ``built_image``) from the repository's Dockerfile,
on the official base images when they can be pulled, else on the air-gapped stand-ins made by
``scripts/build_airgap_images.sh``. Servers (moto, the registry) listen on 127.0.0.1 only;
containers that talk to them use ``--network host``, all others ``--network none``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, wait_until
from tests.integration.conftest import (
    DOCKER,
    BuiltImage,
    copy_build_context,
    docker,
    docker_build,
)

pytestmark = [pytest.mark.container, pytest.mark.slow]

IMAGE_USER = "10001:10001"
IMAGE_HOME = "/home/codeagent"
MAX_IMAGE_BYTES = 500 * 1000 * 1000
MOTO_ACCOUNT = "123456789012"  # moto's default account id


# ------------------------------------------------------------------ helpers


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` (relative POSIX path -> bytes)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def assert_same_tree(actual: dict[str, bytes], expected: dict[str, bytes]) -> None:
    """Equal file sets and bytes; on a difference, a unified diff of the first differing file."""
    assert sorted(actual) == sorted(expected)
    for relative in sorted(expected, key=lambda r: r.endswith(".json")):
        if actual[relative] != expected[relative]:
            diff = difflib.unified_diff(
                expected[relative].decode(errors="replace").splitlines(),
                actual[relative].decode(errors="replace").splitlines(),
                f"native/{relative}",
                f"container/{relative}",
                lineterm="",
            )
            raise AssertionError("\n".join(diff))


def host_ids() -> tuple[int, int]:
    """The host user the container writes as: the test user, or an unprivileged one as root.

    Under root, ``--user "$(id -u):$(id -g)"`` would be 0:0 and prove nothing about ownership,
    so a root test run plays a developer with UID/GID 12345.
    """
    if os.getuid() == 0:
        return 12345, 12345
    return os.getuid(), os.getgid()


def host_dir(path: Path) -> Path:
    """A directory owned by the host user of ``host_ids()``, like a developer's checkout."""
    path.mkdir(parents=True, exist_ok=True)
    uid, gid = host_ids()
    if os.getuid() == 0:
        os.chown(path, uid, gid)
    path.chmod(0o755)
    return path


def chown_tree(root: Path, uid: int, gid: int) -> None:
    if os.getuid() != 0:
        return
    os.chown(root, uid, gid)
    for path in root.rglob("*"):
        os.chown(path, uid, gid, follow_symlinks=False)


def sample_repository(root: Path) -> Path:
    """A small polyglot repository to integrate and analyze."""
    files = {
        "README.md": "# sample\n\nA service.\n",
        "pyproject.toml": '[project]\nname = "sample"\nversion = "1.0.0"\n',
        "src/sample/__init__.py": '"""Sample."""\n\n__version__ = "1.0.0"\n',
        "src/sample/app.py": "def main() -> int:\n    return 0\n\n\n# a comment\n",
        "tests/test_app.py": "from sample.app import main\n\n\ndef test_main():\n    assert main() == 0\n",
        "infra/main.tf": 'terraform {\n  required_version = ">= 1.5"\n}\n',
        "scripts/run.sh": "#!/bin/sh\nset -eu\necho run\n",
        "Dockerfile": "FROM python:3.12-slim\n",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def parse_json(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.strip(), f"no JSON on stdout; stderr:\n{result.stderr}"
    return json.loads(result.stdout)


def replace_strings(value, old: str, new: str):
    """``value`` with ``old`` replaced by ``new`` in every string (keys included)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replace_strings(item, old, new) for item in value]
    if isinstance(value, dict):
        return {
            replace_strings(k, old, new): replace_strings(v, old, new) for k, v in value.items()
        }
    return value


def image_config(tag: str) -> dict:
    return json.loads(docker("image", "inspect", tag).stdout)[0]


def native_env() -> dict[str, str]:
    """The environment the native CLI runs with: the test's own, minus AWS and colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    return env


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


# ------------------------------------------------------------------ 1. build and size


def test_both_targets_build_and_runtime_image_is_under_500_mb(
    built_image: BuiltImage, record_property
):
    runtime = image_config(built_image.tag)
    builder = image_config(built_image.builder_tag)
    size = runtime["Size"]
    record_property("runtime_image_bytes", size)
    print(
        f"\nruntime image {built_image.tag}: {size / 1e6:.1f} MB "
        f"(base {built_image.base.python}, builder {builder['Size'] / 1e6:.1f} MB)"
    )
    assert size < MAX_IMAGE_BYTES, f"runtime image is {size / 1e6:.1f} MB"
    # The builder stage carries what the Dagger module exports: the wheel and the sdist.
    listing = docker(
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "ls",
        built_image.builder_tag,
        "/app/dist",
    ).stdout.split()
    assert any(name.endswith(".whl") for name in listing), listing
    assert any(name.endswith(".tar.gz") for name in listing), listing


def venv_checksums(image: str) -> str:
    """sha256 of every file of /app/.venv, and every symlink's target, sorted."""
    script = (
        "set -o pipefail; cd /app/.venv"
        " && find . -type f -print0 | sort -z | xargs -0 sha256sum"
        " && find . -type l -printf '%p -> %l\\n' | sort"
    )
    return docker("run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "bash",
                  image, "-c", script).stdout  # fmt: skip


def test_runtime_venv_is_exactly_the_builder_venv(built_image: BuiltImage):
    """The runtime ships the venv as two layers (dependencies, project): nothing lost or stale."""
    runtime = venv_checksums(built_image.tag)
    assert "site-packages/code_agent/__init__.py" in runtime
    assert runtime == venv_checksums(built_image.builder_tag)


def test_source_edit_reaches_the_image_and_keeps_the_dependency_layer(
    built_image: BuiltImage, tmp_path
):
    """A rebuild after editing one source file: the edit is in the image (no stale uv build
    cache), the dependency layer is shared with the first build, only the project layer differs."""
    context = copy_build_context(tmp_path / "context")
    marker = f"# edited by the rebuild test {uuid.uuid4().hex}"
    with (context / "code_agent" / "cli" / "main.py").open("a") as handle:
        handle.write(marker + "\n")
    tag = f"{built_image.tag}-edited"
    result = docker_build(context, tag, base=built_image.base, version=built_image.version)
    try:
        log = result.stdout + result.stderr
        step = re.search(
            r"^#(\d+) \[[^\]]+\] RUN .*uv sync --locked --no-dev --no-install-project",
            log,
            re.MULTILINE,
        )
        assert step and re.search(rf"^#{step.group(1)} CACHED$", log, re.MULTILINE), (
            "dependency step rebuilt"
        )
        installed = docker("run", "--rm", "--network", "none", "--entrypoint", "python", tag, "-c",
                           "import code_agent.cli.main as m, pathlib; print(pathlib.Path(m.__file__).read_text())")  # fmt: skip
        assert marker in installed.stdout
        before = image_config(built_image.tag)["RootFS"]["Layers"]
        after = image_config(tag)["RootFS"]["Layers"]
        changed = [index for index, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert len(changed) == 1, f"layers changed by a source edit: {changed}"
    finally:
        docker("image", "rm", "--force", tag, check=False)


# ------------------------------------------------------------------ 2. same output as native


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_equal_native_output(option, run_image, run_cli):
    native = run_cli(option, env=native_env())
    contained = run_image(option)
    assert (contained.returncode, contained.stdout) == (native.returncode, native.stdout)
    assert native.returncode == 0
    assert contained.stderr == ""


def test_no_arguments_show_the_help(run_image, run_cli):
    contained = run_image()
    assert contained.returncode == 0
    assert contained.stdout == run_cli("--help", env=native_env()).stdout


# ------------------------------------------------------------------ 3. users and hardening


def test_default_user_is_the_fixed_non_root_user(built_image: BuiltImage, run_image):
    assert image_config(built_image.tag)["Config"]["User"] == IMAGE_USER
    result = run_image("sh", "-c", 'id -u; id -g; echo "$HOME"; pwd; stat -c "%u:%g %a" "$HOME"')
    assert result.returncode == 0, result.stderr
    uid, gid, home, workdir, home_stat = result.stdout.split("\n")[:5]
    assert (uid, gid, home, workdir) == ("10001", "10001", IMAGE_HOME, "/workspace")
    assert home_stat == "10001:10001 1777"  # owned by the user, usable by any --user


HARDENED_RUNS = {
    "arbitrary-user": ["--user", "12345:12345"],
    "read-only-root": ["--read-only", "--tmpfs", "/tmp"],
    "no-capabilities": ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"],
    "all-at-once": [
        "--user", "12345:12345", "--read-only", "--tmpfs", "/tmp",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
    ],
}  # fmt: skip


@pytest.mark.parametrize("mode", sorted(HARDENED_RUNS))
def test_cli_works_hardened(mode, tmp_path, run_image):
    options = HARDENED_RUNS[mode]
    uid = 12345 if "--user" in options else 10001
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    if os.getuid() == 0:
        os.chown(workspace, uid, uid)
    else:
        workspace.chmod(0o777)
    volumes = [f"{workspace}:/workspace"]

    version = run_image("--version", options=options)
    assert version.returncode == 0, version.stderr

    created = run_image("create", "python-cli", "demo", options=options, volumes=volumes)
    assert created.returncode == 0, created.stderr
    no_traceback(created.stderr)
    assert (workspace / "demo" / "pyproject.toml").is_file()

    report = run_image("doctor", "--format", "json", options=options, volumes=volumes)
    assert report.returncode == 0, report.stderr
    doctor = parse_json(report)
    assert doctor["user"]["uid"] == uid
    assert doctor["user"]["home"] == IMAGE_HOME
    # HOME (mode 1777) is usable by any UID, unless the whole root filesystem is read-only.
    assert doctor["user"]["home_writable"] is ("--read-only" not in options)
    assert doctor["workspace"]["writable"] is True
    assert doctor["container"]["detected"] is True


# ------------------------------------------------------------------ 4. files through a volume


def test_create_through_volume_is_owned_by_host_user_and_identical_to_native(
    tmp_path, run_image, run_cli
):
    uid, gid = host_ids()
    mounted = host_dir(tmp_path / "mounted")
    native = tmp_path / "native"
    native.mkdir()

    contained = run_image(
        "create", "python-cli", "demo", user=f"{uid}:{gid}", volumes=[f"{mounted}:/workspace"]
    )
    assert contained.returncode == 0, contained.stderr
    expected = run_cli("create", "python-cli", "demo", cwd=native, env=native_env())
    assert expected.returncode == 0, expected.stderr

    container_files = tree(mounted / "demo")
    assert container_files, "the container wrote nothing"
    assert_same_tree(container_files, tree(native / "demo"))
    for path in [mounted / "demo", *(mounted / "demo").rglob("*")]:
        stat = path.lstat()
        assert (stat.st_uid, stat.st_gid) == (uid, gid), (
            f"{path} belongs to {stat.st_uid}:{stat.st_gid}"
        )
    native_modes = {p.relative_to(native).as_posix(): p.stat().st_mode for p in native.rglob("*")}
    mounted_modes = {
        p.relative_to(mounted).as_posix(): p.stat().st_mode for p in mounted.rglob("*")
    }
    assert mounted_modes == native_modes


def test_integrate_through_volume_is_owned_by_host_user_and_identical_to_native(
    tmp_path, run_image, run_cli
):
    uid, gid = host_ids()
    mounted = sample_repository(host_dir(tmp_path / "mounted"))
    chown_tree(mounted, uid, gid)
    native = sample_repository(tmp_path / "native")
    before = tree(mounted)

    contained = run_image("integrate", ".", user=f"{uid}:{gid}", volumes=[f"{mounted}:/workspace"])
    assert contained.returncode == 0, contained.stderr
    expected = run_cli("integrate", ".", cwd=native, env=native_env())
    assert expected.returncode == 0, expected.stderr

    after = tree(mounted)
    assert set(after) > set(before), "integrate added no file"
    assert_same_tree(after, tree(native))
    for path in mounted.rglob("*"):
        stat = path.lstat()
        assert (stat.st_uid, stat.st_gid) == (uid, gid), (
            f"{path} belongs to {stat.st_uid}:{stat.st_gid}"
        )


# ------------------------------------------------------------------ 5. analyze


def test_analyze_json_equals_native_result(tmp_path, run_image, run_cli):
    repository = sample_repository(tmp_path / "repo")
    contained = run_image(
        "analyze", "/workspace", "--format", "json", volumes=[f"{repository}:/workspace:ro"]
    )
    assert contained.returncode == 0, contained.stderr
    native = run_cli("analyze", str(repository), "--format", "json", env=native_env())
    assert native.returncode == 0, native.stderr

    inside = replace_strings(parse_json(contained), "/workspace", "<root>")
    outside = replace_strings(parse_json(native), str(repository), "<root>")
    for report in (inside, outside):  # run-dependent figures, not part of the result
        for key in ("elapsed_seconds", "duration_seconds", "generated_at"):
            report.pop(key, None)
    assert inside == outside


# ------------------------------------------------------------------ 6. unwritable workspace


@pytest.mark.parametrize("how", ["read-only-mount", "owned-by-another-user"])
def test_unwritable_workspace_fails_with_hint_and_no_traceback(how, tmp_path, run_image):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    workspace.chmod(0o755)
    if how == "read-only-mount":
        user, volume = None, f"{workspace}:/workspace:ro"
    else:  # owned by the test user (root here), the container runs as somebody else
        user, volume = "23456:23456", f"{workspace}:/workspace"

    result = run_image("create", "python-cli", "demo", user=user, volumes=[volume])
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: "), result.stderr
    assert "Hint: " in result.stderr
    no_traceback(result.stderr)
    assert list(workspace.iterdir()) == [], "something was half-written"


# ------------------------------------------------------------------ 7. AWS against moto


def aws_options(moto_server: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance metadata endpoint
    }


def doctor_aws(run_image, env: dict[str, str], **kwargs) -> dict:
    result = run_image("doctor", "--aws", "--format", "json", env=env, network_host=True, **kwargs)
    assert result.returncode == 0, result.stderr
    no_traceback(result.stderr)
    return parse_json(result)["aws"]


def test_aws_credentials_from_environment(moto_server, run_image):
    env = dict(
        aws_options(moto_server),
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    aws = doctor_aws(run_image, env)
    assert aws["credentials"]["source"] == "environment"
    assert aws["identity"]["Account"] == MOTO_ACCOUNT


def test_aws_credentials_from_read_only_mount_at_image_home(tmp_path, moto_server, run_image):
    uid, gid = host_ids()
    aws_dir = tmp_path / "dot-aws"
    aws_dir.mkdir(mode=0o700)
    (aws_dir / "credentials").write_text(
        "[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    (aws_dir / "config").write_text("[profile ci]\nregion = us-east-1\n")
    for name in ("credentials", "config"):
        (aws_dir / name).chmod(0o600)  # as `aws configure` leaves them: only the owner reads
    chown_tree(aws_dir, uid, gid)
    env = dict(aws_options(moto_server), AWS_PROFILE="ci")
    env.pop("AWS_DEFAULT_REGION")

    aws = doctor_aws(
        run_image, env, user=f"{uid}:{gid}", volumes=[f"{aws_dir}:{IMAGE_HOME}/.aws:ro"]
    )
    assert aws["credentials"]["source"] == "shared-credentials-file"
    assert aws["credentials"]["path"] == f"{IMAGE_HOME}/.aws/credentials"
    assert aws["credentials"]["profile"] == "ci"
    assert aws["region"] == "us-east-1"
    assert aws["identity"]["Account"] == MOTO_ACCOUNT


def test_aws_credentials_from_web_identity_token_file(tmp_path, moto_server, run_image):
    token_dir = tmp_path / "token"
    token_dir.mkdir()
    (token_dir / "token").write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl")
    (token_dir / "token").chmod(0o644)
    role_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/code-agent-ci"
    env = dict(
        aws_options(moto_server),
        AWS_WEB_IDENTITY_TOKEN_FILE="/var/run/secrets/aws/token",
        AWS_ROLE_ARN=role_arn,
        AWS_ROLE_SESSION_NAME="container-test",
    )

    aws = doctor_aws(run_image, env, volumes=[f"{token_dir}:/var/run/secrets/aws:ro"])
    assert aws["credentials"]["source"] == "assume-role-with-web-identity"
    assert aws["credentials"]["role_arn"] == role_arn
    assert aws["identity"]["Account"] == MOTO_ACCOUNT
    assert "code-agent-ci" in aws["identity"]["Arn"]


def test_aws_without_credentials_exits_5_with_the_mount_hint(run_image):
    result = run_image(
        "doctor",
        "--aws",
        "--format",
        "json",
        env={"AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"},
    )
    assert result.returncode == 5, result.stderr
    assert f"{IMAGE_HOME}/.aws" in result.stderr
    assert ":ro" in result.stderr
    no_traceback(result.stderr)


# ------------------------------------------------------------------ 8. entrypoint


def test_entrypoint_runs_a_program_from_path(run_image):
    result = run_image("sh", "-c", "echo ok")
    assert (result.returncode, result.stdout) == (0, "ok\n")
    python = run_image("python", "-c", "import code_agent; print(code_agent.__version__)")
    assert python.returncode == 0, python.stderr


def test_entrypoint_passes_unknown_subcommand_to_cli_usage_error(run_image, run_cli):
    result = run_image("frobnicate")
    native = run_cli("frobnicate", env=native_env())
    assert result.returncode == 2
    assert result.stderr == native.stderr
    assert "No such command 'frobnicate'" in result.stderr


def test_entrypoint_knows_every_cli_subcommand():
    """The entrypoint routes the CLI's subcommands to it before looking for programs on PATH."""
    from code_agent.cli.main import COMMANDS

    text = (REPO_ROOT / "docker-entrypoint.sh").read_text()
    match = re.search(r"^\s*((?:[a-z-]+ \| )*[a-z-]+)\)\s*$", text, flags=re.MULTILINE)
    assert match, "no subcommand case in docker-entrypoint.sh"
    assert set(match.group(1).split(" | ")) == set(COMMANDS)


# ------------------------------------------------------------------ 9. docker stop


def test_docker_stop_of_a_long_cli_command_returns_within_3_seconds(built_image, silent_server):
    """`doctor --aws` against an endpoint that never answers is mid-request when stopped."""
    endpoint, accepted = silent_server
    name = f"code-agent-stop-{os.getpid()}-{time.monotonic_ns()}"
    docker("run", "--detach", "--name", name, "--network", "host",
           "--env", f"AWS_ENDPOINT_URL={endpoint}", "--env", "AWS_DEFAULT_REGION=us-east-1",
           "--env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
           "--env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
           built_image.tag, "doctor", "--aws")  # fmt: skip
    try:
        wait_until(lambda: bool(accepted), timeout=30, what="the CLI's request to the endpoint")
        assert docker("inspect", "--format", "{{.State.Running}}", name).stdout.strip() == "true"
        started = time.monotonic()
        docker("stop", name, timeout=30)
        elapsed = time.monotonic() - started
        print(f"\ndocker stop returned after {elapsed:.2f}s")
        assert elapsed < 3.0, f"docker stop took {elapsed:.1f}s"
        state = json.loads(docker("inspect", "--format", "{{json .State}}", name).stdout)
        assert state["ExitCode"] == 130  # SIGINT -> KeyboardInterrupt -> the CLI's exit code
        assert "Traceback" not in docker("logs", name).stderr
    finally:
        docker("rm", "--force", name, check=False)


# ------------------------------------------------------------------ 10. healthcheck


def test_healthcheck_command_succeeds_in_the_image(built_image):
    healthcheck = image_config(built_image.tag)["Config"]["Healthcheck"]
    assert healthcheck["Test"] == ["CMD", "code-agent", "--version"]
    name = f"code-agent-health-{os.getpid()}-{time.monotonic_ns()}"
    # The image's own check, run by the engine; only the interval is shortened for the test.
    docker("run", "--detach", "--name", name, "--network", "none", "--health-interval", "1s",
           built_image.tag, "sleep", "60")  # fmt: skip
    try:

        def status() -> str:
            return docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()

        wait_until(lambda: status() != "starting", timeout=60, what="the healthcheck")
        health = json.loads(docker("inspect", "--format", "{{json .State.Health}}", name).stdout)
        assert health["Status"] == "healthy", health
        assert health["Log"][-1]["ExitCode"] == 0
        assert health["Log"][-1]["Output"].strip() == f"code-agent {built_image.version}"
    finally:
        docker("rm", "--force", name, check=False)


# ------------------------------------------------------------------ 11. nothing leaks


@pytest.fixture(scope="module")
def exported_filesystem(built_image: BuiltImage, tmp_path_factory) -> tuple[list[str], list[str]]:
    """(member names, names of regular files holding a build-environment secret)."""
    name = f"code-agent-export-{os.getpid()}-{time.monotonic_ns()}"
    docker("create", "--name", name, built_image.tag)
    needles = [value.encode() for value in built_image.build_secrets.values()]
    names: list[str] = []
    leaking: list[str] = []
    try:
        process = subprocess.Popen([DOCKER, "export", name], stdout=subprocess.PIPE)
        assert process.stdout is not None
        with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
            for member in archive:
                names.append(member.name.lstrip("./"))
                if member.isfile():
                    handle = archive.extractfile(member)
                    content = handle.read() if handle else b""
                    if any(needle in content for needle in needles):
                        leaking.append(member.name)
        assert process.wait(timeout=120) == 0
    finally:
        docker("rm", "--force", name, check=False)
    return names, leaking


def test_runtime_image_has_no_uv_compiler_caches_git_or_tests(exported_filesystem):
    names, _ = exported_filesystem
    assert any(n.endswith("site-packages/code_agent/__init__.py") for n in names), "venv missing"
    forbidden = {
        "uv binary": re.compile(r"(^|/)(s?bin/)?uvx?$"),
        "compiler": re.compile(
            r"(^|/)bin/((x86_64|aarch64)-linux-gnu-)?(gcc|g\+\+|cc|c\+\+|clang|rustc)(-[0-9.]+)?$"
        ),
        "uv or pip cache": re.compile(r"(^|/)\.cache/(uv|pip)(/|$)"),
        "git metadata": re.compile(r"(^|/)\.git(/|$)"),
        "project tests": re.compile(r"(^app/tests(/|$)|site-packages/tests/|(^|/)conftest\.py$)"),
        "project sources outside the venv": re.compile(r"^app/(?!\.venv(/|$))"),
    }
    found = {what: [n for n in names if pattern.search(n)] for what, pattern in forbidden.items()}
    assert {what: hits for what, hits in found.items() if hits} == {}


def test_no_build_environment_credential_in_history_config_or_filesystem(
    built_image: BuiltImage, exported_filesystem
):
    _, leaking = exported_filesystem
    assert leaking == []
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", built_image.tag).stdout
    config = docker("image", "inspect", built_image.tag).stdout
    assert history.strip()
    for name, value in built_image.build_secrets.items():
        assert value not in history, f"{name} is in the image history"
        assert value not in config, f"{name} is in the image config"
    # Sanity: the credentials really were in the environment of the build.
    assert set(built_image.build_secrets) >= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


# ------------------------------------------------------------------ 12. labels


def test_oci_labels_carry_the_package_version_and_revision(built_image: BuiltImage, run_image):
    labels = image_config(built_image.tag)["Config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == built_image.version
    assert (
        run_image("--version").stdout.strip()
        == f"code-agent {labels['org.opencontainers.image.version']}"
    )
    assert labels["org.opencontainers.image.revision"] == built_image.revision
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", labels["org.opencontainers.image.created"]
    )
    assert labels["org.opencontainers.image.title"] == "code-agent"
    assert "org.opencontainers.image.source" in labels


# ------------------------------------------------------------------ 13. registry push


def planned_tags(version: str) -> list[str]:
    """Every tag the pipeline can publish for this version (the Dagger module's tag plan)."""
    try:
        from code_agent_ci.tags import plan_tags
    except ImportError:  # the module is not in this tree: the documented plan, spelled out
        return [version, version.rsplit(".", 1)[0], "latest", "main", "build-42", "sha-abcdef1"]
    release = plan_tags(version, git_tag=f"v{version}")
    branch = plan_tags(version, branch="main", build_number=42, commit="abcdef1234567")
    return list(dict.fromkeys(release + branch))


@pytest.mark.registry
def test_push_every_planned_tag_and_second_push_uploads_no_layer(built_image, registry):
    tags = planned_tags(built_image.version)
    assert built_image.version in tags and "latest" in tags
    repository = f"{registry}/code-agent"
    pushed_per_tag: dict[str, int] = {}
    for round_number in (1, 2):
        for tag in tags:
            docker("tag", built_image.tag, f"{repository}:{tag}")
            output = docker("push", f"{repository}:{tag}", timeout=600).stdout
            pushed = len(re.findall(r": Pushed$", output, flags=re.MULTILINE))
            if round_number == 1:
                pushed_per_tag[tag] = pushed
            else:
                assert pushed == 0, f"second push of {tag} uploaded {pushed} layer(s):\n{output}"
                assert "Layer already exists" in output
    # Layers are uploaded once, by the first tag; every other tag reuses them.
    assert pushed_per_tag[tags[0]] > 0
    assert all(count == 0 for tag, count in pushed_per_tag.items() if tag != tags[0]), (
        pushed_per_tag
    )

    import urllib.request

    with urllib.request.urlopen(
        f"http://{registry}/v2/code-agent/tags/list", timeout=10
    ) as response:
        assert sorted(json.load(response)["tags"]) == sorted(tags)
    digests = set()
    for tag in tags:
        request = urllib.request.Request(
            f"http://{registry}/v2/code-agent/manifests/{tag}",
            method="HEAD",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            digests.add(response.headers["Docker-Content-Digest"])
    assert len(digests) == 1, "the tags point at different manifests"
    for tag in tags:
        docker("image", "rm", f"{repository}:{tag}", check=False)


# ------------------------------------------------------------------ 14. linters


def dev_tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert path, f"{name} is not installed (uv sync installs it from PyPI)"
    return path


def shell_scripts() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    scripts = []
    for relative in listed:
        path = REPO_ROOT / relative
        if not path.is_file() or ".venv" in path.parts:
            continue
        if path.suffix in (".sh", ".bash"):
            scripts.append(path)
            continue
        with path.open("rb") as handle:
            first = handle.readline(100)
        if re.match(rb"#!\s*(/usr)?/bin/(env\s+)?(ba|da)?sh\b", first):
            scripts.append(path)
    return sorted(scripts)


def test_hadolint_is_clean_on_the_dockerfile():
    result = subprocess.run(
        [dev_tool("hadolint"), "Dockerfile"],
        cwd=REPO_ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_is_clean_on_every_shell_script():
    scripts = shell_scripts()
    names = {p.relative_to(REPO_ROOT).as_posix() for p in scripts}
    assert {
        "docker-entrypoint.sh",
        "scripts/build_airgap_images.sh",
        "scripts/start_dockerd.sh",
    } <= names
    result = subprocess.run(
        [dev_tool("shellcheck"), *map(str, scripts)],
        cwd=REPO_ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
