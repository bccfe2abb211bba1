"""Docker fixtures: a real engine, the base images, the image built once, a real registry.

Every fixture here is lazy: tests that do not ask for Docker never touch it. Without an engine
the container tests skip locally and fail under CI=true (``skip_or_fail``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, skip_or_fail
from tests.registry_server import REGISTRY_BINARY, start_registry, stop

# The 20.10 client with BuildKit; a newer `docker` earlier on PATH may lack buildx.
DOCKER = (
    "/usr/bin/docker"
    if os.access("/usr/bin/docker", os.X_OK)
    else (shutil.which("docker") or "docker")
)

PYTHON_OFFICIAL = "python:3.12-slim-bookworm"
UV_OFFICIAL = "ghcr.io/astral-sh/uv:0.13.9"
PYTHON_STANDIN = "code-agent-airgap/python:bookworm"
UV_STANDIN = "code-agent-airgap/uv:0.13.9"
PULL_TIMEOUT = 20


def docker(
    *args: str,
    check: bool = True,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    """Run the docker client; on failure with check=True the assertion shows stdout/stderr."""
    result = subprocess.run(
        [DOCKER, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        input=input,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


def image_exists(ref: str) -> bool:
    return docker("image", "inspect", ref, check=False, timeout=30).returncode == 0


def try_pull(ref: str) -> bool:
    if image_exists(ref):
        return True
    try:
        return docker("pull", "--quiet", ref, check=False, timeout=PULL_TIMEOUT).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@dataclass(frozen=True)
class BaseImages:
    python: str
    uv: str
    official: bool


@dataclass
class BuiltImage:
    """The image under test, built once per session from the repository's Dockerfile."""

    tag: str  # runtime target
    builder_tag: str  # builder target
    base: BaseImages
    version: str
    revision: str
    build_secrets: dict[str, str] = field(default_factory=dict)  # present in the build env only
    build_log: str = ""


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The server version of a Docker engine that answers, or skip/fail."""
    if not os.access(DOCKER, os.X_OK) and not shutil.which(DOCKER):
        skip_or_fail("no docker client (apt-get install docker.io)")
    try:
        result = docker("version", "--format", "{{.Server.Version}}", check=False, timeout=30)
    except subprocess.TimeoutExpired:
        skip_or_fail("the Docker engine does not answer (start it: scripts/start_dockerd.sh LOG)")
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        skip_or_fail(f"no Docker engine answers (start it: scripts/start_dockerd.sh LOG): {detail}")
    return result.stdout.strip()


@pytest.fixture(scope="session")
def base_images(docker_engine: str) -> BaseImages:
    """The official base images when present or pullable, else the air-gapped stand-ins."""
    if try_pull(PYTHON_OFFICIAL) and try_pull(UV_OFFICIAL):
        return BaseImages(python=PYTHON_OFFICIAL, uv=UV_OFFICIAL, official=True)
    if image_exists(PYTHON_STANDIN) and image_exists(UV_STANDIN):
        return BaseImages(python=PYTHON_STANDIN, uv=UV_STANDIN, official=False)
    skip_or_fail(
        "official base images cannot be pulled and the stand-ins are missing: "
        "run scripts/build_airgap_images.sh"
    )
    raise AssertionError("unreachable")


def build_args(base: BaseImages, version: str, revision: str, created: str) -> list[str]:
    return [
        "--build-arg", f"PYTHON_IMAGE={base.python}",
        "--build-arg", f"UV_IMAGE={base.uv}",
        "--build-arg", f"VERSION={version}",
        "--build-arg", f"REVISION={revision}",
        "--build-arg", f"CREATED={created}",
    ]  # fmt: skip


def docker_build(
    context: Path,
    tag: str,
    *,
    base: BaseImages,
    target: str = "runtime",
    version: str = "",
    revision: str = "",
    created: str = "",
    env: dict[str, str] | None = None,
    extra: Sequence[str] = (),
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """`docker build` with BuildKit and --network host, as CI and the Dagger module build it."""
    build_env = dict(os.environ if env is None else env, DOCKER_BUILDKIT="1")
    return docker(
        "build", "--network", "host", "--progress", "plain", "--target", target, "--tag", tag,
        *build_args(base, version, revision, created), *extra, str(context),
        env=build_env, timeout=timeout,
    )  # fmt: skip


# What the Dockerfile's context holds (the .dockerignore allow-list), for builds from a copy.
CONTEXT_ENTRIES = (
    "Dockerfile",
    ".dockerignore",
    "pyproject.toml",
    "uv.lock",
    "README.md",
    "docker-entrypoint.sh",
    "code_agent",
    "tests",
)


def copy_build_context(destination: Path) -> Path:
    """A copy of the build context, to edit without touching the working tree."""
    destination.mkdir(parents=True, exist_ok=True)
    for entry in CONTEXT_ENTRIES:
        source = REPO_ROOT / entry
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
            shutil.copytree(source, destination / entry, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, destination / entry)
    return destination


def package_version(root: Path = REPO_ROOT) -> str:
    """``__version__`` of the tree being built (read, not imported: the image is what we test)."""
    text = (root / "code_agent" / "__init__.py").read_text()
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, flags=re.MULTILINE)
    assert match, "code_agent/__init__.py has no __version__"
    return match.group(1)


@pytest.fixture(scope="session")
def built_image(base_images: BaseImages, tmp_path_factory) -> Iterator[BuiltImage]:
    """Both Dockerfile targets, built once per session (removed afterwards).

    The build runs with AWS credentials in its environment, as a developer's shell or a CI
    runner has them: the leak test proves none of them reaches the image.
    """
    session_id = uuid.uuid4().hex[:10]
    tag = f"code-agent-test:{session_id}"
    builder_tag = f"code-agent-test:{session_id}-builder"
    build_secrets = {
        "AWS_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        "AWS_SESSION_TOKEN": secrets.token_urlsafe(60),
    }
    env = dict(os.environ, **build_secrets)
    revision = "0123456789abcdef0123456789abcdef01234567"
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    # Both targets from one snapshot of the tree: edits made meanwhile cannot split them.
    context = copy_build_context(tmp_path_factory.mktemp("image-context") / "context")
    version = package_version(context)
    common = {"base": base_images, "version": version, "revision": revision, "created": created}
    builder = docker_build(context, builder_tag, target="builder", env=env, **common)
    runtime = docker_build(context, tag, target="runtime", env=env, **common)
    try:
        yield BuiltImage(
            tag=tag,
            builder_tag=builder_tag,
            base=base_images,
            version=version,
            revision=revision,
            build_secrets=build_secrets,
            build_log=builder.stderr + runtime.stderr,
        )
    finally:
        docker("image", "rm", "--force", tag, builder_tag, check=False, timeout=120)


@pytest.fixture
def run_image(built_image: BuiltImage):
    """Run the built image: ``run_image(*args, user=, volumes=, env=, options=, network_host=)``."""

    def run(
        *args: str,
        user: str | None = None,
        volumes: Sequence[str] = (),
        env: dict[str, str] | None = None,
        options: Sequence[str] = (),
        network_host: bool = False,
        timeout: float = 180,
    ) -> subprocess.CompletedProcess:
        command = ["run", "--rm"]
        if network_host:
            command += ["--network", "host"]
        else:
            command += ["--network", "none"]
        if user:
            command += ["--user", user]
        for volume in volumes:
            command += ["--volume", volume]
        for key, value in (env or {}).items():
            command += ["--env", f"{key}={value}"]
        command += [*options, built_image.tag, *args]
        return docker(*command, check=False, timeout=timeout)

    return run


@pytest.fixture(scope="session")
def registry(tmp_path_factory, docker_engine: str) -> Iterator[str]:
    """A Distribution registry (Debian `docker-registry`) on 127.0.0.1:<free port>; yields host:port.

    Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by default.
    """
    if not os.access(REGISTRY_BINARY, os.X_OK):
        skip_or_fail(f"{REGISTRY_BINARY} missing (apt-get install docker-registry)")
    process, address = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield address
    finally:
        stop(process)
