"""The public `code-agent` on PyPI must never replace ours (issue 6), proven with real indexes.

Two pypiservers on 127.0.0.1:
- "private" plays our CodeArtifact repository: our wheel plus the dependency wheels (what its
  PyPI upstream would serve), every request needs the user ``aws`` and a token;
- "public" plays PyPI: a same-named impostor ``code-agent`` 9.9.9 that this test builds, plus
  the same dependency wheels.

Every block marked ``# recipe:`` in docs/install.md runs as written (bash) with
``$CODEARTIFACT_INDEX`` pointing at "private" and installs ours; the blocks marked ``# unsafe:``
install the impostor, so the hazard is real and the recipes are what avoid it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.register_assert_rewrite("index_servers")
from index_servers import (
    REPO_ROOT,
    IndexServer,
    build_impostor_wheel,
    build_wheel,
    installed_version,
)

pytest_plugins = ["index_servers"]  # fixtures: pypiserver, dependency_wheels, isolated_env

pytestmark = [pytest.mark.index, pytest.mark.slow]

DOC = REPO_ROOT / "docs" / "install.md"
PYPI = "https://pypi.org/simple/"
BLOCK_RE = re.compile(r"```(?:sh|toml)\n# (recipe|unsafe): ([\w-]+)\n(.*?)```", re.DOTALL)


def _blocks(kind: str) -> dict[str, str]:
    return {name: body for k, name, body in BLOCK_RE.findall(DOC.read_text()) if k == kind}


RECIPES = _blocks("recipe")
UNSAFE = _blocks("unsafe")


@dataclass(frozen=True)
class Indexes:
    private: IndexServer
    public: IndexServer
    ours: str  # the version code-agent --version must print


@pytest.fixture(scope="session")
def our_wheel(tmp_path_factory) -> Path:
    return build_wheel(REPO_ROOT, tmp_path_factory.mktemp("our-wheel"))


@pytest.fixture(scope="session")
def impostor_wheel(tmp_path_factory) -> Path:
    return build_impostor_wheel(tmp_path_factory.mktemp("impostor"))


@pytest.fixture
def indexes(pypiserver, dependency_wheels, our_wheel, impostor_wheel) -> Indexes:
    private = pypiserver(
        "private",
        extra_dirs=(dependency_wheels,),
        username="aws",
        password="codeartifact-token",
        authenticate="download,list,update",
    )
    public = pypiserver("public", extra_dirs=(dependency_wheels,))
    shutil.copy(our_wheel, private.packages)
    shutil.copy(impostor_wheel, public.packages)
    version = our_wheel.name.split("-")[1]
    return Indexes(private, public, f"code-agent {version}")


def _hostile(env: dict[str, str], public: IndexServer) -> dict[str, str]:
    """A user whose configuration adds PyPI as a second index, as many do."""
    home = Path(env["HOME"])
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(
        f"[global]\nextra-index-url = {public.simple}\n"
    )
    (home / ".config" / "uv").mkdir(parents=True)
    (home / ".config" / "uv" / "uv.toml").write_text(f'[[index]]\nurl = "{public.simple}"\n')
    return dict(
        env,
        PIP_EXTRA_INDEX_URL=public.simple,
        UV_INDEX=public.simple,
        UV_EXTRA_INDEX_URL=public.simple,
    )


def _run(script: str, env: dict[str, str], idx: Indexes, cwd: Path | None = None):
    script = script.replace(PYPI, idx.public.simple)  # "PyPI" is the local public index
    env = dict(env, CODEARTIFACT_INDEX=idx.private.simple_with_credentials)
    # uv's own default index is PyPI: point it at the local "public" index, so that no test
    # ever installs the real PyPI package, and a recipe that falls back to it is caught.
    env.setdefault("UV_DEFAULT_INDEX", idx.public.simple)
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=cwd or env["HOME"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_doc_has_the_recipes_the_issue_asks_for():
    assert {"uv-tool", "pipx", "pip", "uv-project"} <= set(RECIPES)
    assert {"uv-extra-index", "pip-extra-index", "pipx-uv-backend"} <= set(UNSAFE)
    for name, body in RECIPES.items():
        assert "--extra-index-url" not in body and PYPI not in body, name


def test_impostor_is_higher_and_really_on_the_public_index(indexes):
    assert "9.9.9" in indexes.public.files()[0]
    assert indexes.ours != "code-agent 9.9.9"


@pytest.mark.parametrize("hostile", [False, True], ids=["clean-user", "user-config-adds-pypi"])
@pytest.mark.parametrize("recipe", ["uv-tool", "pipx", "pip"])
def test_documented_install_recipe_installs_ours(recipe, hostile, indexes, isolated_env):
    if recipe == "pipx" and not shutil.which("pipx", path=isolated_env("probe")["PATH"]):
        pytest.fail("pipx is a dev dependency (uv sync) and must be installed")
    env = isolated_env(recipe)
    if hostile:
        env = _hostile(env, indexes.public)
    result = _run(RECIPES[recipe], env, indexes)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(env) == indexes.ours, result.stdout + result.stderr


def _uv_project(env: dict[str, str], indexes: Indexes, *, pinned: bool) -> Path:
    """The documented uv project, its CodeArtifact URL pointed at "private"."""
    project = Path(env["HOME"]) / "my-tools"
    project.mkdir()
    pyproject = re.sub(
        r'^url = "[^"]+"',
        f'url = "{indexes.private.simple}"',
        RECIPES["uv-project"],
        count=1,
        flags=re.MULTILINE,
    )
    if not pinned:
        pyproject = pyproject.replace('code-agent = { index = "codeartifact" }', "")
    (project / "pyproject.toml").write_text(pyproject)
    env.update(
        UV_DEFAULT_INDEX=indexes.public.simple,  # everything else from "PyPI"
        UV_INDEX_CODEARTIFACT_USERNAME="aws",
        UV_INDEX_CODEARTIFACT_PASSWORD=indexes.private.password,
    )
    return project


@pytest.mark.parametrize("hostile", [False, True], ids=["clean-user", "user-config-adds-pypi"])
def test_uv_project_pinning_code_agent_to_the_explicit_index_installs_ours(
    hostile, indexes, isolated_env
):
    env = isolated_env("uv-project")
    if hostile:
        env = _hostile(env, indexes.public)
    project = _uv_project(env, indexes, pinned=True)
    result = _run("uv sync", env, indexes, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    env["PATH"] = f"{project / '.venv' / 'bin'}:{env['PATH']}"
    assert installed_version(env) == indexes.ours


def test_uv_project_without_the_sources_pin_gets_the_impostor(indexes, isolated_env):
    """The pin is what matters: an explicit index serves nothing that is not pinned to it."""
    env = isolated_env("uv-project-unpinned")
    project = _uv_project(env, indexes, pinned=False)
    result = _run("uv sync", env, indexes, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    env["PATH"] = f"{project / '.venv' / 'bin'}:{env['PATH']}"
    assert installed_version(env).startswith("impostor 9.9.9")


@pytest.mark.parametrize("recipe", ["uv-extra-index", "pip-extra-index", "pipx-uv-backend"])
def test_naive_recipe_installs_the_impostor(recipe, indexes, isolated_env):
    env = isolated_env(recipe)
    result = _run(UNSAFE[recipe], env, indexes)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(env).startswith("impostor 9.9.9")


def test_plain_pip_index_url_with_a_user_config_adding_pypi_installs_the_impostor(
    indexes, isolated_env
):
    env = _hostile(isolated_env("plain-pip"), indexes.public)
    venv = Path(env["HOME"]) / "venv"
    result = _run(
        f'python3 -m venv "{venv}" && "{venv}/bin/python" -m pip install '
        '--index-url "$CODEARTIFACT_INDEX" code-agent',
        env,
        indexes,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    assert installed_version(env).startswith("impostor 9.9.9")


def test_plain_uv_default_index_with_a_user_config_adding_pypi_installs_the_impostor(
    indexes, isolated_env
):
    env = _hostile(isolated_env("plain-uv"), indexes.public)
    result = _run('uv tool install --default-index "$CODEARTIFACT_INDEX" code-agent', env, indexes)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(env).startswith("impostor 9.9.9")
