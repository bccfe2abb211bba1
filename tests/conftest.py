"""Shared fixtures: real servers on free 127.0.0.1 ports, and the installed console script."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], *, timeout: float = 30.0, what: str = "server") -> None:
    """Poll ``check`` until it is true or the deadline passes (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def skip_or_fail(reason: str) -> None:
    """Locally a missing real part skips with a reason; under CI=true it is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def without_dac_override(command: list[str]) -> list[str]:
    """Run ``command`` so that file modes bind it, as they bind a container's user.

    Root ignores modes through CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH; dropping both from the
    bounding set keeps root's UID (so the CLI in a 0700 checkout still runs) but not the bypass.
    """
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if not setpriv:
        skip_or_fail("setpriv (util-linux) is needed to drop root's DAC override")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]


@contextmanager
def running_moto(log_dir: Path, **env: str) -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port (``env`` tunes it); yields its endpoint URL."""
    port = free_port()
    with (log_dir / "moto.log").open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_ok(f"{endpoint}/moto-api/"), what="moto server")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port; yields its endpoint URL."""
    with running_moto(tmp_path_factory.mktemp("moto")) as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(moto_server: str, tmp_path: Path) -> dict[str, str]:
    """An environment pointing boto3 at moto, with no trace of the developer's own AWS set-up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=moto_server,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
    )
    return env


@pytest.fixture(scope="session")
def cli_path() -> str:
    """The installed console script, run in a subprocess as users run it."""
    path = shutil.which("code-agent", path=str(Path(sys.executable).parent))
    assert path, "code-agent console script is not installed in the test environment"
    return path


@pytest.fixture
def run_cli(cli_path: str) -> Callable[..., subprocess.CompletedProcess]:
    def run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
        return subprocess.run(
            [cli_path, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,  # callers assert on the exit code themselves
        )

    return run
