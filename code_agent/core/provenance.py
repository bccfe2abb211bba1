"""Where the running code-agent came from: distribution, version, location, installer.

PyPI hosts an unrelated package also named ``code-agent``. A user who wonders which one they
run needs more than a version string: the distribution whose files contain the code that is
running, who installed it (``INSTALLER``), from where (``direct_url.json``), and whether its
console script is ours. Uses only ``importlib.metadata`` (standard library, no extra imports).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

import code_agent
from code_agent.models.doctor import Problem, Provenance

DISTRIBUTION = "code-agent"
ENTRY_POINT = "code_agent.cli.entry:main"
SCRIPT = "code-agent"


def _realpath(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _direct_url(dist: metadata.Distribution) -> dict:
    try:
        return json.loads(dist.read_text("direct_url.json") or "{}")
    except (json.JSONDecodeError, OSError):
        return {}


def _file_url_path(url: str | None) -> Path | None:
    if not url or not url.startswith("file:"):
        return None
    return _realpath(unquote(urlparse(url).path))


def owns(dist: metadata.Distribution, package_dir: Path) -> bool:
    """True when ``dist`` installed the package living in ``package_dir``.

    A regular install lists the package's files in RECORD; an editable one (PEP 660) points
    at the project directory through ``direct_url.json`` and its ``.pth`` file.
    """
    init = package_dir / "__init__.py"
    project_dir = package_dir.parent
    for entry in dist.files or ():
        located = _realpath(dist.locate_file(entry))
        if located == init:
            return True
        if entry.suffix == ".pth":
            try:
                lines = Path(dist.locate_file(entry)).read_text().splitlines()
            except OSError:
                continue
            if any(line.strip() and _realpath(line.strip()) == project_dir for line in lines):
                return True
    direct = _direct_url(dist)
    editable = bool(direct.get("dir_info", {}).get("editable"))
    return editable and _file_url_path(direct.get("url")) == project_dir


def _entry_point(dist: metadata.Distribution) -> str | None:
    for entry in dist.entry_points:
        if entry.group == "console_scripts" and entry.name == SCRIPT:
            return entry.value
    return None


def _metadata_dir(dist: metadata.Distribution) -> str | None:
    for entry in dist.files or ():
        if entry.name == "METADATA" and entry.parent.name.endswith(".dist-info"):
            return str(_realpath(dist.locate_file(entry)).parent)
    return None


def provenance(argv0: str | None = None) -> Provenance:
    """Describe the running code-agent: the code in memory and the distribution that owns it."""
    package_dir = _realpath(code_agent.__file__).parent
    command = argv0 if argv0 is not None else sys.argv[0]
    on_path = shutil.which(SCRIPT)
    result = Provenance(
        version=code_agent.__version__,
        package_path=str(package_dir),
        command=str(_realpath(command)) if command and os.path.exists(command) else command or None,
        command_on_path=str(_realpath(on_path)) if on_path else None,
    )
    candidates = list(metadata.distributions(name=DISTRIBUTION))
    if not candidates:
        return result  # running from a source tree nobody installed
    owning = [dist for dist in candidates if owns(dist, package_dir)]
    dist = owning[0] if owning else candidates[0]
    direct = _direct_url(dist)
    result.distribution = dist.metadata["Name"]
    result.distribution_version = dist.version
    result.location = str(_realpath(dist.locate_file("")))
    result.metadata_path = _metadata_dir(dist)
    result.installer = (dist.read_text("INSTALLER") or "").strip() or None
    result.editable = bool(direct.get("dir_info", {}).get("editable"))
    result.source_url = direct.get("url")
    result.entry_point = _entry_point(dist)
    result.owns_running_code = bool(owning)
    result.ours = (
        result.owns_running_code
        and result.distribution_version == result.version
        and result.entry_point == ENTRY_POINT
    )
    return result


def problems(info: Provenance) -> list[Problem]:
    """What in the provenance means the user may not be running the code-agent they think."""
    found: list[Problem] = []
    reinstall = (
        "reinstall from your CodeArtifact index only (see the README's install recipes), "
        "e.g. `uv tool install --reinstall code-agent --index-url <CodeArtifact URL>`"
    )
    if info.distribution and not info.owns_running_code:
        found.append(
            Problem(
                "provenance-foreign-distribution",
                f"the installed {info.distribution} {info.distribution_version} ({info.location}) "
                f"does not contain the running code ({info.package_path})",
                reinstall,
            )
        )
    elif info.distribution and info.distribution_version != info.version:
        found.append(
            Problem(
                "provenance-version-mismatch",
                f"installed metadata says {info.distribution} {info.distribution_version}, "
                f"the running code is {info.version}",
                "the install is stale: run `uv sync` in a checkout, or " + reinstall,
            )
        )
    elif info.distribution and info.entry_point != ENTRY_POINT:
        found.append(
            Problem(
                "provenance-foreign-entry-point",
                f"the {SCRIPT} script of {info.distribution} runs {info.entry_point}, not {ENTRY_POINT}",
                reinstall,
            )
        )
    started_as_script = info.command and Path(info.command).name == SCRIPT
    if started_as_script and info.command_on_path and info.command_on_path != info.command:
        found.append(
            Problem(
                "provenance-shadowed-on-path",
                f"`{SCRIPT}` on PATH is {info.command_on_path}, not this one ({info.command})",
                "put the right one first on PATH, or remove the other "
                "(`uv tool uninstall code-agent`, `pipx uninstall code-agent`)",
            )
        )
    return found
