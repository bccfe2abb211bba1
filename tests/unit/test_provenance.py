"""Install provenance: which distribution owns the running code, and when it is not ours.

Distributions here are real .dist-info directories written to tmp_path and read back through
importlib.metadata, the same way the installed one is.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

from code_agent.core import provenance
from code_agent.core.provenance import owns, problems
from code_agent.models.doctor import Provenance


def dist_info(
    site: Path,
    record: list[str],
    *,
    direct_url: dict | None = None,
    entry_point: str = "code_agent.cli.entry:main",
    version: str = "0.1.0",
):
    info = site / f"code_agent-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.3\nName: code-agent\nVersion: {version}\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "entry_points.txt").write_text(f"[console_scripts]\ncode-agent = {entry_point}\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    (info / "RECORD").write_text("".join(f"{line},,\n" for line in record))
    return metadata.PathDistribution(info)


def package(root: Path) -> Path:
    pkg = root / "code_agent"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "0.1.0"\n')
    return pkg


def test_regular_install_owns_the_package_its_record_lists(tmp_path):
    site = tmp_path / "site-packages"
    pkg = package(site)
    dist = dist_info(site, ["code_agent/__init__.py", "code_agent-0.1.0.dist-info/METADATA"])
    assert owns(dist, pkg)
    assert not owns(dist, package(tmp_path / "elsewhere"))


def test_same_named_distribution_with_other_files_does_not_own_our_package(tmp_path):
    # The unrelated PyPI `code-agent` ships its own modules, not code_agent/.
    site = tmp_path / "site-packages"
    ours = package(tmp_path / "checkout")
    impostor = dist_info(site, ["chatgpt_code_agent/__init__.py"], version="0.3.0.1")
    assert not owns(impostor, ours)


def test_editable_install_owns_the_project_its_direct_url_points_at(tmp_path):
    project = tmp_path / "project"
    pkg = package(project)
    dist = dist_info(
        tmp_path / "site-packages",
        ["_editable_impl_code_agent.pth"],
        direct_url={"url": project.as_uri(), "dir_info": {"editable": True}},
    )
    assert owns(dist, pkg)
    assert not owns(dist, package(tmp_path / "other-project"))


def test_editable_pth_file_alone_is_enough_to_own_the_project(tmp_path):
    project = tmp_path / "project"
    pkg = package(project)
    site = tmp_path / "site-packages"
    dist = dist_info(site, ["_editable_impl_code_agent.pth"])
    (site / "_editable_impl_code_agent.pth").write_text(f"{project}\n")
    assert owns(dist, pkg)


def test_the_running_code_agent_is_ours():
    info = provenance.provenance()
    assert info.distribution == "code-agent"
    assert info.owns_running_code and info.ours
    assert info.entry_point == provenance.ENTRY_POINT
    assert problems(info) == []


def base(**changes) -> Provenance:
    values = {
        "version": "0.1.0",
        "package_path": "/app/.venv/lib/python3.12/site-packages/code_agent",
        "distribution": "code-agent",
        "distribution_version": "0.1.0",
        "location": "/app/.venv/lib",
        "entry_point": provenance.ENTRY_POINT,
        "owns_running_code": True,
        "ours": True,
        "command": "/app/.venv/bin/code-agent",
        "command_on_path": "/app/.venv/bin/code-agent",
    }
    values.update(changes)
    return Provenance(**values)


def test_distribution_that_does_not_contain_the_running_code_is_a_problem():
    [problem] = problems(base(owns_running_code=False, ours=False, distribution_version="0.3.0.1"))
    assert problem.code == "provenance-foreign-distribution"
    assert "code-agent 0.3.0.1" in problem.message and "--index-url" in problem.hint


def test_stale_metadata_version_is_a_problem():
    [problem] = problems(base(distribution_version="0.0.9", ours=False))
    assert problem.code == "provenance-version-mismatch"


def test_foreign_console_script_target_is_a_problem():
    [problem] = problems(base(entry_point="chatgpt_agent.main:run", ours=False))
    assert problem.code == "provenance-foreign-entry-point"


def test_another_code_agent_first_on_path_is_a_problem():
    [problem] = problems(base(command_on_path="/root/.local/bin/code-agent"))
    assert problem.code == "provenance-shadowed-on-path"
    assert "/root/.local/bin/code-agent" in problem.message


def test_running_as_python_module_does_not_compare_with_path():
    assert problems(base(command="/src/code_agent/__main__.py")) == []
