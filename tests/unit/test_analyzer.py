"""The analyzer core: the walk (.gitignore, exclusions), counting rules, detection, levels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from code_agent.core import analyzer, walker
from code_agent.core.analyzer import analyze, suggest_level
from code_agent.exceptions import CodeAgentError, InvalidInputError
from code_agent.models.analysis import Analysis, LanguageStats


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def walked(root: Path, exclude_dirs=()) -> list[str]:
    return sorted(rel for rel, _ in walker.walk(str(root), exclude_dirs).files)


# --- walk -------------------------------------------------------------------------------------


def test_walk_honours_root_and_nested_gitignore_with_negation(tmp_path):
    write(
        tmp_path,
        {
            ".gitignore": "*.log\n!keep.log\n/out/\ndocs/**/*.tmp\n",
            "a.log": "x",
            "keep.log": "x",
            "out/gen.py": "x",
            "src/out/real.py": "x",  # "/out/" is anchored to the root
            "docs/a/b/c.tmp": "x",
            "docs/readme.md": "x",
            "pkg/.gitignore": "secret.py\n!*.log\n",
            "pkg/secret.py": "x",
            "pkg/debug.log": "x",  # re-included by the deeper .gitignore
            "other/secret.py": "x",  # the nested rule applies below pkg/ only
        },
    )
    assert walked(tmp_path) == [
        ".gitignore",
        "docs/readme.md",
        "keep.log",
        "other/secret.py",
        "pkg/.gitignore",
        "pkg/debug.log",
        "src/out/real.py",
    ]


def test_walk_cannot_reinclude_a_file_inside_an_ignored_directory(tmp_path):
    write(tmp_path, {".gitignore": "build-out/\n!build-out/keep.py\n", "build-out/keep.py": "x"})
    assert walked(tmp_path) == [".gitignore"]


def test_walk_skips_tool_directories_and_extra_excludes(tmp_path):
    write(
        tmp_path,
        {
            "app.py": "x",
            ".git/config": "x",
            "node_modules/x/index.js": "x",
            ".venv/lib/site.py": "x",
            "src/__pycache__/app.cpython-311.pyc": "x",
            "dist/app.whl": "x",
            "third_party/lib.py": "x",
            "src/third_party/lib.py": "x",
        },
    )
    assert walked(tmp_path) == ["app.py", "src/third_party/lib.py", "third_party/lib.py"]
    assert walked(tmp_path, ["third_party"]) == ["app.py"]


def test_walk_reads_git_info_exclude(tmp_path):
    write(tmp_path, {".git/info/exclude": "local.py\n", "local.py": "x", "app.py": "x"})
    assert walked(tmp_path) == ["app.py"]


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.py[co]", "a/b.pyc", False, True),
        ("[!a]x", "bx", False, True),
        ("[!a]x", "ax", False, False),
        ("doc/*.txt", "doc/a.txt", False, True),
        ("doc/*.txt", "doc/sub/a.txt", False, False),  # "*" does not cross "/"
        ("**/cache", "a/b/cache", True, True),
        ("logs/", "logs", False, False),  # directory-only pattern, a file named logs
        ("\\#notes", "#notes", False, True),
        ("name\\ ", "name ", False, True),
    ],
)
def test_gitignore_pattern_semantics(pattern, path, is_dir, ignored):
    stack = [walker._IgnoreFile("", walker.parse_gitignore([pattern]))]
    assert walker._ignored(path, path.rpartition("/")[2], is_dir, stack) is ignored


# --- counting ---------------------------------------------------------------------------------


def test_analyze_counts_per_language_and_skips_binary_empty_and_duplicates(tmp_path):
    write(
        tmp_path,
        {
            "a/mod.py": '"""Doc."""\n\nx = 1  # note\n',
            "b/copy.py": '"""Doc."""\n\nx = 1  # note\n',  # same content: counted once
            "empty.py": "",
            "blob.c": b"\x00\x01\x02binary",
            "run": "#!/bin/sh\necho hi\n",
            "notes.csv": "a,b\n",
        },
    )
    result = analyze(tmp_path)
    assert [(s.language, s.files, s.blank, s.comment, s.code) for s in result.languages] == [
        ("Bourne Shell", 1, 0, 0, 2),
        ("Python", 1, 1, 1, 1),
    ]
    assert result.skipped == {"binary": 1, "duplicate": 1, "empty": 1}
    assert result.files_skipped == 3
    assert result.files_scanned == 2
    assert result.files_other == 1  # notes.csv


def test_analyze_reports_progress(tmp_path):
    write(tmp_path, {f"m{i}.py": f"x = {i}\n" for i in range(5)})
    calls = []
    analyze(tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (5, 5)


def test_analyze_rejects_missing_and_non_directory_paths(tmp_path):
    with pytest.raises(InvalidInputError, match="no such directory"):
        analyze(tmp_path / "missing")
    file = write(tmp_path, {"f.py": "x"}) / "f.py"
    with pytest.raises(InvalidInputError, match="not a directory"):
        analyze(file)


def test_analyze_unreadable_root_is_a_runtime_error(tmp_path, monkeypatch):
    # Stub: root can read any directory, so os.scandir is made to refuse (named as such).
    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(walker.os, "scandir", refuse)
    with pytest.raises(CodeAgentError, match="cannot read .*: Permission denied") as error:
        analyze(tmp_path)
    assert error.value.exit_code == 1


# --- detection --------------------------------------------------------------------------------


def test_detects_uv_pytest_fastapi_ci_docker_and_agent_files(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "s"\ndependencies = ["FastAPI>=0.1", "click"]\n'
            '[dependency-groups]\ndev = ["pytest"]\n',
            "uv.lock": "version = 1\n",
            "src/s/app.py": "x = 1\n",
            "Dockerfile": "FROM python\n",
            "deploy/Dockerfile.worker": "FROM python\n",
            "bitbucket-pipelines.yml": "pipelines: {}\n",
            ".github/workflows/ci.yaml": "on: push\n",
            "CLAUDE.md": "# c\n",
            ".claude/commands/review.md": "review\n",
            "PRPs/templates/prp_base.md": "base\n",
        },
    )
    result = analyze(tmp_path)
    assert result.frameworks == ["Click", "FastAPI"]
    assert result.package_managers == ["uv"]
    assert result.test_runners == ["pytest"]
    assert result.test_command == "uv run pytest"
    assert result.ci_configs == [".github/workflows/ci.yaml", "bitbucket-pipelines.yml"]
    assert result.dockerfiles == ["Dockerfile", "deploy/Dockerfile.worker"]
    assert result.agent_files == [
        "CLAUDE.md",
        ".claude/commands/review.md",
        "PRPs/templates/prp_base.md",
    ]


def test_detects_poetry_and_requirements_without_uv(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\n'
            'django = "^5"\n[tool.poetry.group.dev.dependencies]\npytest = "*"\n',
            "poetry.lock": "",
            "requirements-dev.txt": "flask==3.0  # web\n-r base.txt\n",
            "app.py": "x = 1\n",
        },
    )
    result = analyze(tmp_path)
    assert result.package_managers == ["poetry", "pip"]
    assert {"Django", "Flask"} <= set(result.frameworks)
    assert result.test_command == "poetry run pytest"


def test_tool_uv_table_marks_a_uv_project_before_its_first_lock(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\n[dependency-groups]\ndev = ["pytest"]\n'
            '[tool.uv]\ndefault-groups = ["dev"]\n',
            "tests/test_x.py": "def test_x():\n    pass\n",
        },
    )
    result = analyze(tmp_path)
    assert result.package_managers == ["uv"]
    assert result.test_command == "uv run pytest"


def test_detects_node_tooling_and_uses_the_package_test_script(tmp_path):
    package = {
        "scripts": {"test": "vitest run"},
        "dependencies": {"react": "^18", "express": "^4"},
        "devDependencies": {"vitest": "^1"},
    }
    write(
        tmp_path,
        {
            "package.json": json.dumps(package),
            "pnpm-lock.yaml": "lockfileVersion: 6\n",
            "src/index.js": "const a = 1;\n",
        },
    )
    result = analyze(tmp_path)
    assert result.package_managers == ["pnpm"]
    assert {"React", "Express"} <= set(result.frameworks)
    assert result.test_runners == ["vitest"]
    assert result.test_command == "pnpm test"


def test_npm_placeholder_test_script_is_not_a_test_command(tmp_path):
    package = {"scripts": {"test": 'echo "Error: no test specified" && exit 1'}}
    write(tmp_path, {"package.json": json.dumps(package), "index.js": "var a;\n"})
    result = analyze(tmp_path)
    assert result.package_managers == ["npm"]
    assert result.test_command is None


def test_detects_go_terraform_and_jenkins(tmp_path):
    write(
        tmp_path,
        {
            "go.mod": "module x\n\nrequire github.com/spf13/cobra v1.8.0\n",
            "main.go": "package main\n",
            "main_test.go": "package main\n",
            "infra/main.tf": 'resource "x" "y" {}\n',
            "Jenkinsfile": "pipeline {}\n",
        },
    )
    result = analyze(tmp_path)
    assert result.package_managers == ["go modules"]
    assert result.frameworks == ["Cobra", "Terraform"]
    assert result.test_command == "go test ./..."
    assert result.ci_configs == ["Jenkinsfile"]


def test_terraform_module_with_tftest_files_uses_terraform_test(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": 'resource "terraform_data" "x" {}\n',
            "tests/main.tftest.hcl": 'run "plan" {\n  command = plan\n}\n',
        },
    )
    result = analyze(tmp_path)
    assert "terraform test" in result.test_runners
    assert result.test_command == "terraform test"


def test_primary_language_ignores_data_and_markup():
    result = Analysis(
        root=".",
        languages=[LanguageStats("JSON", 1, 0, 0, 5000), LanguageStats("Python", 2, 0, 0, 300)],
    )
    assert result.primary_language == "Python"


# --- suggested level ---------------------------------------------------------------------------


def level_for(code: int, **fields) -> str:
    return suggest_level(
        Analysis(root=".", languages=[LanguageStats("Python", 1, 0, 0, code)], **fields)
    )[0]


def test_level_minimal_for_small_untested_code():
    assert level_for(200) == "minimal"


def test_level_standard_when_tests_exist_or_code_grows():
    assert level_for(200, test_runners=["pytest"]) == "standard"
    assert level_for(5000) == "standard"


def test_level_full_for_large_or_shipped_automated_projects():
    assert level_for(25_000) == "full"
    shipped = {
        "ci_configs": ["bitbucket-pipelines.yml"],
        "dockerfiles": ["Dockerfile"],
        "test_command": "uv run pytest",
        "test_runners": ["pytest"],
    }
    assert level_for(3000, **shipped) == "full"
    assert level_for(500, **shipped) == "standard"


def test_analyzer_core_imports_no_click_or_rich(tmp_path):
    code = (
        "import sys, pathlib; from code_agent.core.analyzer import analyze; "
        f"analyze(pathlib.Path({str(tmp_path)!r})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('click', 'rich')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(os.geteuid() != 0, reason="checks that root-readable files are counted")
def test_analyze_counts_files_root_can_read_even_without_mode_bits(tmp_path):
    path = write(tmp_path, {"a.py": "x = 1\n"}) / "a.py"
    path.chmod(0)
    assert analyze(tmp_path).languages[0].code == 1


def test_worker_processes_count_exactly_what_one_process_counts(tmp_path, monkeypatch):
    files = {f"pkg{i % 7}/m{i}.py": f'"""Doc {i}."""\n\n# c\nx = {i}\n' for i in range(150)}
    files.update({f"dup{i}.py": "same = 1\n" for i in range(5)})
    files.update({f"s{i}.sh": f"#!/bin/sh\necho {i}\n" for i in range(20)})
    write(tmp_path, files)
    monkeypatch.setattr(analyzer, "PARALLEL_MIN_FILES", 10**9)
    sequential = analyze(tmp_path).to_dict()
    # A fresh interpreter has one thread (a test session may have more, and then the analyzer
    # rightly refuses to fork), so the parallel path is taken for certain there.
    script = (
        "import json, multiprocessing, sys\n"
        "from pathlib import Path\n"
        "from code_agent.core import analyzer\n"
        "analyzer.PARALLEL_MIN_FILES = 1\n"
        "contexts, real = [], multiprocessing.get_context\n"
        "multiprocessing.get_context = lambda method: contexts.append(method) or real(method)\n"
        "result = analyzer.analyze(Path(sys.argv[1])).to_dict()\n"
        "assert contexts == ['fork'], contexts\n"
        "print(json.dumps(result))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    parallel = json.loads(completed.stdout)
    assert parallel == json.loads(json.dumps(sequential))
    assert sequential["skipped"] == {"duplicate": 4}
