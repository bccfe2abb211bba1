"""Real Python package indexes for tests: pypiserver on free 127.0.0.1 ports.

Import the fixtures into a test module (``from index_servers import pypiserver, ...``); this is
a plain module, not a conftest, so it never collides with the per-directory conftest files.

- ``dependency_wheels``: the runtime dependencies of code-agent, pinned by uv.lock, as wheels
  (downloaded once per session). A private index serves them too, the way CodeArtifact's PyPI
  upstream does.
- ``pypiserver``: a factory that starts pypiserver on a free port over one or more package
  directories, uploads protected by a password, and stops it at teardown.
- ``isolated_env``: an environment in which uv, pip and pipx see no configuration but what the
  test gives them (fresh HOME, no PIP_*/UV_* variables, the test venv off PATH).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _load_root_conftest():
    # tests/conftest.py by path: ``import conftest`` is ambiguous with per-directory conftests.
    spec = importlib.util.spec_from_file_location(
        "_code_agent_root_conftest", Path(__file__).with_name("conftest.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_root = _load_root_conftest()
free_port = _root.free_port
wait_until = _root.wait_until
http_ok = _root.http_ok
skip_or_fail = _root.skip_or_fail


@dataclass(frozen=True)
class IndexServer:
    name: str
    url: str  # http://127.0.0.1:PORT
    packages: Path  # where uploads land
    username: str
    password: str

    @property
    def simple(self) -> str:
        return f"{self.url}/simple/"

    @property
    def upload_url(self) -> str:
        return f"{self.url}/"

    @property
    def simple_with_credentials(self) -> str:
        return self.simple.replace("http://", f"http://{self.username}:{self.password}@", 1)

    def files(self) -> list[str]:
        return sorted(p.name for p in self.packages.iterdir())


@pytest.fixture
def pypiserver(tmp_path_factory) -> Iterator[Callable[..., IndexServer]]:
    """Start pypiserver instances: ``pypiserver("private", extra_dirs=[deps])``."""
    processes: list[subprocess.Popen] = []

    def start(
        name: str,
        *,
        extra_dirs: tuple[Path, ...] = (),
        username: str = "ci",
        password: str = "ci-password",
        authenticate: str = "update",
    ) -> IndexServer:
        with warnings.catch_warnings():  # passlib imports the deprecated crypt module
            warnings.simplefilter("ignore", DeprecationWarning)
            from passlib.apache import HtpasswdFile

        root = tmp_path_factory.mktemp(f"pypiserver-{name}")
        packages = root / "packages"
        packages.mkdir()
        htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True)
        htpasswd.set_password(username, password)
        htpasswd.save()
        port = free_port()
        with (root / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pypiserver",
                    "run",
                    "-i",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-P",
                    str(root / "htpasswd"),
                    "-a",
                    authenticate,  # these need the password
                    "--disable-fallback",  # never redirect a missing package to pypi.org
                    str(packages),
                    *map(str, extra_dirs),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{url}/simple/"), what=f"pypiserver {name}")
        return IndexServer(name, url, packages, username, password)

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # this machine's pip.conf adds indexes and find-links
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if os.environ.get("PIP_CERT"):
        env["PIP_CERT"] = os.environ["PIP_CERT"]  # PyPI through an intercepting proxy
    return env


@pytest.fixture(scope="session")
def dependency_wheels(tmp_path_factory) -> Path:
    """code-agent's runtime dependencies (uv.lock pins) and pip as wheels, downloaded once."""
    dest = tmp_path_factory.mktemp("dependency-wheels")
    requirements = dest.parent / "requirements.txt"
    exported = subprocess.run(
        [
            "uv",
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-hashes",
            "--no-header",
            "--format",
            "requirements-txt",
            "-o",
            str(requirements),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    # pip too: pipx upgrades its shared pip from the index it is given, and CodeArtifact's
    # PyPI upstream would serve it.
    download = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            "--no-deps",
            "-r",
            str(requirements),
            "pip",
            "-d",
            str(dest),
        ],
        env=_pip_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if download.returncode != 0:
        skip_or_fail(
            f"cannot download the dependency wheels from PyPI: "
            f"{download.stderr.strip().splitlines()[-1:]}"
        )
    return dest


def _tool_bin(root: Path) -> Path:
    """uv, python3 and pipx, without the test venv's own code-agent beside them."""
    bin_dir = root / "tools-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    tools = {
        "uv": shutil.which("uv"),
        "python3": str(Path(sys.base_prefix) / "bin" / "python3"),
        "pipx": str(VENV_BIN / "pipx") if (VENV_BIN / "pipx").exists() else None,
    }
    for name, target in tools.items():
        if target and not (bin_dir / name).exists():
            (bin_dir / name).symlink_to(target)
    return bin_dir


def _uv_cache_dir() -> str:
    out = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def isolated_env(tmp_path) -> Callable[[str], dict[str, str]]:
    """``isolated_env("case")`` -> env with a fresh HOME; ``~/.local/bin`` first on PATH."""
    cache = _uv_cache_dir()  # shared wheel cache: keyed by index URL, so no mix-ups

    def make(case: str) -> dict[str, str]:
        home = tmp_path / case / "home"
        (home / ".local" / "bin").mkdir(parents=True)
        drop = ("PIP_", "UV_", "XDG_", "PIPX_", "VIRTUAL_ENV", "PYTHONPATH", "CONDA")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        path = [
            p
            for p in env.get("PATH", "").split(os.pathsep)
            if p and Path(p).resolve() != VENV_BIN.resolve()
        ]
        env.update(
            HOME=str(home),
            PATH=os.pathsep.join([str(home / ".local" / "bin"), str(_tool_bin(tmp_path)), *path]),
            UV_CACHE_DIR=cache,
            UV_PYTHON_DOWNLOADS="never",
            UV_PYTHON=str(Path(sys.base_prefix) / "bin" / "python3"),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            NO_COLOR="1",
        )
        return env

    return make


def build_wheel(project: Path, out_dir: Path) -> Path:
    """``uv build --wheel`` a project directory; returns the wheel."""
    result = subprocess.run(
        ["uv", "build", "--quiet", "--wheel", "--out-dir", str(out_dir), str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    wheels = sorted(out_dir.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def build_impostor_wheel(root: Path, version: str = "9.9.9") -> Path:
    """A same-named ``code-agent`` of a higher version whose console script says 'impostor'."""
    project = root / "impostor"
    (project / "impostor_pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [project]
        name = "code-agent"
        version = "{version}"
        requires-python = ">=3.8"

        [project.scripts]
        code-agent = "impostor_pkg:main"

        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [tool.hatch.build.targets.wheel]
        packages = ["impostor_pkg"]
        """)
    )
    (project / "impostor_pkg" / "__init__.py").write_text(
        textwrap.dedent(f"""\
        def main():
            print("impostor {version}: not the code-agent you meant to install")
        """)
    )
    return build_wheel(project, root / "impostor-dist")


def installed_version(env: dict[str, str], command: str = "code-agent") -> str:
    """What ``code-agent --version`` prints, run from PATH as the user would."""
    path = shutil.which(command, path=env["PATH"])
    assert path, f"{command} is not on PATH ({env['PATH']}) after the install"
    result = subprocess.run(
        [path, "--version"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return (result.stdout + result.stderr).strip()
