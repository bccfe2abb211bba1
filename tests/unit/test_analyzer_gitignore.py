"""The walker's .gitignore semantics checked against git itself on the same tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from code_agent.core import walker
from tests.conftest import skip_or_fail

GIT = shutil.which("git")

ROOT_PATTERNS = (
    "# comment line",
    "*.log",
    "!important.log",
    "/root-only.txt",
    "out/",
    "docs/**/*.tmp",
    "**/generated",
    "cache-*/",
    "*.py[co]",
    "[!a-m]x.txt",
    "\\#hash.txt",
    "trailing.txt   ",
    "space\\ ",
    "a/**/z.md",
    "vendor/*",
    "!vendor/keep/",
)
GITIGNORES = {
    ".gitignore": "\n".join(ROOT_PATTERNS) + "\n",
    "pkg/.gitignore": "secret.*\n!*.log\n/local/\n",
    "pkg/deeper/.gitignore": "!secret.keep\n*.md\n",
    "third/.gitignore": ".*\n!/.github/\n*.egg\n/release\n",
}
FILES = [
    "a.log", "important.log", "root-only.txt", "sub/root-only.txt", "out/o.py", "sub/out/o.py",
    "outfile", "docs/a/b/c.tmp", "docs/c.tmp", "docs/c.md", "x/generated/g.py", "generated",
    "cache-1/f", "cache-file", "m.pyc", "m.pyo", "m.py", "ax.txt", "zx.txt", "#hash.txt",
    "trailing.txt", "space ", "space", "a/z.md", "a/b/c/z.md", "b/a/z.md", "vendor/lib.py",
    "vendor/keep/k.py", "pkg/secret.txt", "pkg/debug.log", "pkg/local/l.py", "pkg/sub/local/l.py",
    "pkg/deeper/secret.keep", "pkg/deeper/secret.other", "pkg/deeper/notes.md", "notes.md",
    "third/.eslintrc.yml", "third/.github/workflows/ci.yml", "third/a.egg", "third/release/x.py",
    "third/src/release/x.py", "third/src/.hidden", "third/src/ok.py",
]  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    if not GIT:
        skip_or_fail("git is not installed")
    for rel, text in GITIGNORES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    subprocess.run([GIT, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("m.py\n")
    return tmp_path


def git_files(root: Path) -> set[str]:
    result = subprocess.run(
        [GIT, "-C", str(root), "ls-files", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    )
    return {name for name in result.stdout.decode().split("\0") if name}


def test_walker_keeps_exactly_the_files_git_does_not_ignore(tree):
    ours = {rel for rel, _ in walker.walk(str(tree)).files}
    expected = git_files(tree)
    assert len(expected) > 10 and len(set(FILES) - expected) > 15  # both sides exercised
    assert ours == expected, {"only ours": ours - expected, "only git": expected - ours}
