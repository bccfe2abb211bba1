"""Walk a source tree the way a developer sees it: .gitignore honoured, tool directories skipped.

Gitignore semantics implemented here (gitignore(5)): blank lines and ``#`` comments ignored,
``\\`` escapes, trailing spaces trimmed, ``!`` re-includes, a trailing ``/`` matches directories
only, a pattern with a ``/`` at the start or in the middle is relative to the directory of its
.gitignore while one without matches a name at any depth, ``*`` ``?`` ``[...]`` do not cross
``/``, ``**`` spans directories. The last matching pattern wins, deeper .gitignore files
override shallower ones, and nothing inside an ignored directory is ever re-included (the
walker does not enter it). ``.git/info/exclude`` is read too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# Directories that hold tools' state, dependencies or build output, never the project's source.
DEFAULT_EXCLUDED_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "CVS",
        ".snapshot",
        "node_modules",
        "bower_components",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".eggs",
        "dist",
        "build",
        "htmlcov",
        ".terraform",
        ".gradle",
        ".idea",
        ".next",
        ".nuxt",
        ".cache",
    }
)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    directory_only: bool
    anchored: bool  # matched against the path relative to the .gitignore, else the name


def _translate(pattern: str) -> str:
    """A gitignore glob (no leading/trailing slash handling) as a regex source."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i == 0 or pattern[i - 1] == "/"
            if j - i >= 2 and at_start and (j == n or pattern[j] == "/"):
                if j == n:
                    out.append(".*")  # "dir/**": everything inside
                else:
                    out.append("(?:.*/)?")  # "**/": zero or more directories
                    j += 1
            else:
                out.append("[^/]*")
            i = j
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            if j >= n:
                out.append(re.escape(char))  # no closing bracket: a literal "["
            else:
                out.append(_translate_class(pattern[i + 1 : j]))
                i = j
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _translate_class(body: str) -> str:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    chars = []
    k = 0
    while k < len(body):
        char = body[k]
        if char == "\\" and k + 1 < len(body):
            k += 1
            chars.append(re.escape(body[k]))
        elif char == "-":
            chars.append("-")
        else:
            chars.append(re.escape(char))
        k += 1
    return ("[^/" if negate else "[") + "".join(chars) + "]"


def parse_gitignore(lines: Iterable[str]) -> list[_Pattern]:
    patterns = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip("\r")
        if not line or line.startswith("#"):
            continue
        # Trailing spaces are ignored unless escaped with a backslash.
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        directory_only = line.endswith("/") and not line.endswith("\\/")
        line = line.rstrip("/") if directory_only else line
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        if not anchored and line.startswith("**"):
            anchored = True
        try:
            regex = re.compile(_translate(line) + r"\Z", re.DOTALL)
        except re.error:
            continue  # git ignores patterns it cannot parse; so do we
        patterns.append(_Pattern(regex, negated, directory_only, anchored))
    return patterns


@dataclass
class _IgnoreFile:
    base: str  # directory of the .gitignore, relative to the root ("" for the root)
    patterns: list[_Pattern]


def _ignored(rel: str, name: str, is_dir: bool, stack: list[_IgnoreFile]) -> bool:
    for ignore in reversed(stack):
        sub = rel[len(ignore.base) + 1 :] if ignore.base else rel
        for pattern in reversed(ignore.patterns):
            if pattern.directory_only and not is_dir:
                continue
            target = sub if pattern.anchored else name
            if pattern.regex.match(target):
                return not pattern.negated
    return False


def _read_patterns(path: str) -> list[_Pattern]:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return parse_gitignore(handle)
    except OSError:
        return []


@dataclass
class WalkResult:
    files: list[tuple[str, str]] = field(default_factory=list)  # (relative path, absolute path)
    unreadable_dirs: list[str] = field(default_factory=list)
    ignored: int = 0  # files and directories left out by .gitignore


def walk(root: str, exclude_dirs: Iterable[str] = ()) -> WalkResult:
    """Regular files under ``root`` (symlinked files included, symlinked dirs not entered)."""
    excluded = DEFAULT_EXCLUDED_DIRS | set(exclude_dirs)
    result = WalkResult()
    base_stack: list[_IgnoreFile] = []
    info_exclude = os.path.join(root, ".git", "info", "exclude")
    if os.path.isfile(info_exclude):
        base_stack.append(_IgnoreFile("", _read_patterns(info_exclude)))
    for entry in _walk_dir(root, "", excluded, base_stack, result):
        result.files.append(entry)
    return result


def _walk_dir(
    top: str, rel_dir: str, excluded: frozenset[str] | set[str], stack: list[_IgnoreFile], result
) -> Iterator[tuple[str, str]]:
    try:
        with os.scandir(top) as iterator:
            entries = list(iterator)
    except OSError:
        if rel_dir:
            result.unreadable_dirs.append(rel_dir)
            return
        raise
    names = {entry.name for entry in entries}
    if ".gitignore" in names:
        stack = [*stack, _IgnoreFile(rel_dir, _read_patterns(os.path.join(top, ".gitignore")))]
    subdirs = []
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if is_dir:
            if entry.name in excluded:
                continue
            if stack and _ignored(rel, entry.name, True, stack):
                result.ignored += 1
                continue
            subdirs.append((entry.path, rel))
        elif is_file:
            if stack and _ignored(rel, entry.name, False, stack):
                result.ignored += 1
                continue
            yield rel, entry.path
    for path, rel in subdirs:
        yield from _walk_dir(path, rel, excluded, stack, result)
