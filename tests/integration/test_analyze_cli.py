"""`code-agent analyze` through the installed console script, checked against the real cloc."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from code_agent.core.linecount import RULES
from code_agent.core.walker import DEFAULT_EXCLUDED_DIRS
from tests.conftest import skip_or_fail, without_dac_override

CLOC = shutil.which("cloc") or "/usr/bin/cloc"
STDLIB_PACKAGES = (
    "email",
    "json",
    "http",
    "logging",
    "asyncio",
    "unittest",
    "importlib",
    "xml",
    "concurrent",
    "urllib",
    "wsgiref",
    "sqlite3",
    "html",
    "ctypes",
    "tomllib",
)
SHARE_EXTENSIONS = (
    "js",
    "css",
    "html",
    "yml",
    "yaml",
    "xml",
    "md",
    "sh",
    "c",
    "pm",
    "json",
    "cmake",
    "pl",
    "sql",
    "rst",
    "txt",
    "svg",
)
PER_EXTENSION = 25
MAX_BYTES = 512 * 1024


def _copy(source: Path, target: Path) -> bool:
    try:
        if not source.is_file() or source.is_symlink() or source.stat().st_size > MAX_BYTES:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return True
    except OSError:
        return False


def _build_machine_tree(tree: Path) -> int:
    """A source tree made of files that ship with this machine; returns the number copied."""
    copied = 0
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py")):
        copied += _copy(path, tree / "stdlib" / path.name)
    for package in STDLIB_PACKAGES:
        for dirpath, dirnames, filenames in os.walk(stdlib / package):
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDED_DIRS)
            rel = Path(dirpath).relative_to(stdlib)
            for name in sorted(filenames):
                copied += _copy(Path(dirpath) / name, tree / "stdlib" / rel / name)
    headers = sorted(Path("/usr/include").glob("*.h"))[:150]
    for path in headers:
        copied += _copy(path, tree / "include" / path.name)
    # Scripts without an extension: classified by their #! line.
    scripts = 0
    for path in sorted(Path("/usr/bin").iterdir()):
        if scripts >= 60:
            break
        try:
            with path.open("rb") as handle:
                is_script = handle.read(2) == b"#!"
        except OSError:
            continue
        if is_script and _copy(path, tree / "bin" / path.name):
            scripts += 1
    copied += scripts
    # Python's own headers, then a sample per extension from /usr/share and from the
    # packages installed next to the test environment (present wherever the tests run).
    for path in sorted(Path(sysconfig.get_paths()["include"]).glob("*.h"))[:50]:
        copied += _copy(path, tree / "pyinclude" / path.name)
    for label, top in (("share", "/usr/share"), ("site", sysconfig.get_paths()["purelib"])):
        wanted: dict[str, list[Path]] = {f".{ext}": [] for ext in SHARE_EXTENSIONS}
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDED_DIRS)
            for name in sorted(filenames):
                bucket = wanted.get(os.path.splitext(name)[1])
                if bucket is not None and len(bucket) < PER_EXTENSION:
                    bucket.append(Path(dirpath) / name)
        for ext, paths in wanted.items():
            for index, path in enumerate(paths):
                copied += _copy(path, tree / label / ext[1:] / f"{index:02d}-{path.name}")
    return copied


def _add_edge_cases(tree: Path) -> None:
    """Files cloc treats specially: duplicates, empty, binary, CRLF and BOM text."""
    edge = tree / "edge"
    edge.mkdir()
    source = next((tree / "stdlib").glob("*.py"))
    shutil.copyfile(source, edge / "duplicate_of_stdlib.py")
    (edge / "empty.py").write_bytes(b"")
    shutil.copyfile("/usr/bin/true" if os.path.exists("/usr/bin/true") else source, edge / "x.c")
    text = source.read_bytes()
    (edge / "crlf.py").write_bytes(text.replace(b"\n", b"\r\n") + b"\n# trailing")
    (edge / "bom.py").write_bytes(b"\xef\xbb\xbf" + text + b"x = 1")


def _cloc(tree: Path) -> dict:
    result = subprocess.run(
        [
            CLOC,
            "--json",
            "--quiet",
            f"--exclude-dir={','.join(sorted(DEFAULT_EXCLUDED_DIRS))}",
            str(tree),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    report.pop("header", None)
    report.pop("SUM", None)
    return report


def test_analyze_agrees_with_cloc_on_files_shipped_with_the_machine(run_cli, tmp_path):
    if not os.access(CLOC, os.X_OK):
        skip_or_fail("cloc is not installed (Debian package cloc)")
    tree = tmp_path / "tree"
    copied = _build_machine_tree(tree)
    assert copied >= 300, f"only {copied} files found on this machine to build the tree"
    _add_edge_cases(tree)

    result = run_cli("analyze", "--format", "json", str(tree), timeout=300)
    assert result.returncode == 0, result.stderr
    ours = {
        stats["language"]: {k: stats[k] for k in ("files", "blank", "comment", "code")}
        for stats in json.loads(result.stdout)["languages"]
    }
    cloc = {
        language: {
            "files": v["nFiles"],
            "blank": v["blank"],
            "comment": v["comment"],
            "code": v["code"],
        }
        for language, v in _cloc(tree).items()
    }

    common = sorted(set(cloc) & set(RULES))
    assert len(common) >= 8, f"too few languages to compare: {common}"
    assert "Python" in common and "C/C++ Header" in common
    assert len({"JavaScript", "YAML", "Bourne Shell", "C", "HTML", "Markdown"} & set(common)) >= 4
    mismatches = {
        lang: (ours.get(lang), cloc[lang]) for lang in common if ours.get(lang) != cloc[lang]
    }
    assert not mismatches, f"analyze (ours, cloc) differ: {mismatches}"
    # Nothing we report is unknown to cloc on the same tree.
    assert set(ours) <= set(cloc)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "service"
    (root / "src" / "service").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "service"\nversion = "0.1.0"\n'
        'dependencies = ["fastapi>=0.110", "click"]\n\n'
        '[dependency-groups]\ndev = ["pytest>=8"]\n'
    )
    (root / "uv.lock").write_text("version = 1\n")
    (root / "src" / "service" / "app.py").write_text(
        '"""The app."""\n\nimport fastapi\n\n# the application\napp = fastapi.FastAPI()\n'
    )
    (root / "tests" / "test_app.py").write_text("def test_app():\n    assert True\n")
    (root / "Dockerfile").write_text('FROM python:3.12-slim\n# run\nCMD ["app"]\n')
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    (root / "CLAUDE.md").write_text("# Project\n")
    (root / ".gitignore").write_text("generated/\n*.log\n")
    (root / "generated").mkdir()
    (root / "generated" / "big.py").write_text("x = 1\n" * 100)
    (root / "debug.log").write_text("noise\n")
    (root / "node_modules" / "lib").mkdir(parents=True)
    (root / "node_modules" / "lib" / "index.js").write_text("var a = 1;\n")
    (root / "vendor").mkdir()
    (root / "vendor" / "thing.py").write_text("y = 2\n")
    return root


def test_analyze_json_reports_counts_and_tooling(run_cli, project):
    result = run_cli("analyze", "--format", "json", str(project))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["formatVersion"] == 1
    assert document["kind"] == "analysis"
    python = next(s for s in document["languages"] if s["language"] == "Python")
    # app.py: docstring = comment, "# ..." = comment; test_app.py; vendor/thing.py.
    # generated/ (gitignored) and node_modules/ (default exclusion) are not counted.
    assert python == {"language": "Python", "files": 3, "blank": 2, "comment": 2, "code": 5}
    assert "JavaScript" not in {s["language"] for s in document["languages"]}
    assert document["primary_language"] == "Python"
    assert {"FastAPI", "Click"} <= set(document["frameworks"])
    assert document["package_managers"] == ["uv"]
    assert document["test_runners"] == ["pytest"]
    assert document["test_command"] == "uv run pytest"
    assert document["ci_configs"] == [".github/workflows/ci.yml"]
    assert document["dockerfiles"] == ["Dockerfile"]
    assert document["agent_files"] == ["CLAUDE.md"]
    assert document["suggested_level"] in ("minimal", "standard", "full")
    assert document["files_ignored"] == 2  # generated/ and debug.log


def test_analyze_exclude_dir_is_repeatable(run_cli, project):
    result = run_cli(
        "analyze",
        "--format",
        "json",
        "--exclude-dir",
        "vendor",
        "--exclude-dir",
        "tests",
        str(project),
    )
    assert result.returncode == 0, result.stderr
    python = next(s for s in json.loads(result.stdout)["languages"] if s["language"] == "Python")
    assert python["files"] == 1


def test_analyze_csv_prints_rows_and_a_sum(run_cli, project):
    result = run_cli("analyze", "--format", "csv", str(project))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "language,files,blank,comment,code"
    assert "Python,3,2,2,5" in lines
    assert lines[-1].startswith("SUM,")
    assert result.stderr == ""


def test_analyze_text_goes_to_stderr_without_progress_or_colour_when_piped(run_cli, project):
    result = run_cli("analyze", str(project))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "Python" in result.stderr
    assert "Test command: uv run pytest" in result.stderr
    assert "Counting lines" not in result.stderr
    assert "\x1b[" not in result.stderr


def test_analyze_defaults_to_the_current_directory(run_cli, project):
    result = run_cli("analyze", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["test_command"] == "uv run pytest"


def test_analyze_missing_path_exits_2_with_one_line(run_cli, tmp_path):
    result = run_cli("analyze", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"Error: no such directory: {tmp_path / 'nope'}"]
    assert result.stdout == ""


def test_analyze_file_path_exits_2_with_one_line(run_cli, tmp_path):
    file = tmp_path / "file.py"
    file.write_text("x = 1\n")
    result = run_cli("analyze", str(file))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"Error: not a directory: {file}"]


def test_analyze_unknown_format_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("analyze", "--format", "xml", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_analyze_unreadable_path_exits_1_with_one_line(tmp_path, cli_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.py").write_text("x = 1\n")
    locked.chmod(0o000)
    try:
        result = subprocess.run(
            without_dac_override([cli_path, "analyze", str(locked)]),
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"Error: cannot read {locked}: Permission denied"]


def test_analyze_quiet_text_prints_only_the_table(run_cli, project):
    result = run_cli("-q", "analyze", str(project))
    assert result.returncode == 0, result.stderr
    assert "Python" in result.stderr
    assert "Test command" not in result.stderr


def test_analyze_counts_unreadable_files_as_skipped(tmp_path, cli_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    secret = tmp_path / "secret.py"
    secret.write_text("y = 2\n")
    secret.chmod(0o000)
    result = subprocess.run(
        without_dac_override([cli_path, "analyze", "--format", "json", str(tmp_path)]),
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["skipped"] == {"unreadable": 1}
    assert document["languages"][0]["files"] == 1
