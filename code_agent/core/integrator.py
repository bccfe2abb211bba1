"""Add the agent framework to a directory: plan every file, then apply the plan.

Rules (the safety contract of ``code-agent integrate``):

* The manifest ``.claude/code-agent-manifest.json`` records the sha256 of every file (for
  CLAUDE.md: of the marker block) code-agent wrote. A file whose current hash still matches is
  ours and may be updated; anything else is user content and is ``kept`` unless ``force``, in which
  case a ``<file>.bak`` is written first.
* In CLAUDE.md only the region between the markers belongs to code-agent; the block is appended
  when the markers are absent. Text outside the markers is never changed, not even with ``force``.
* Nothing is ever deleted, and files are written into ``root`` itself. Each write is atomic
  (temporary file + rename), so an interrupted run leaves no half-written file.
* Planning never writes: ``dry_run`` (and the CLI's ``--diff``/``--check``) stop after :func:`plan`.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from code_agent import __version__
from code_agent.core import framework
from code_agent.core.framework import BEGIN_MARKER, END_MARKER, MANIFEST_PATH, FrameworkFile
from code_agent.exceptions import CodeAgentError, InvalidInputError
from code_agent.models.analysis import Analysis
from code_agent.models.integration import (
    CREATE,
    KEPT,
    UNCHANGED,
    UPDATE,
    FileAction,
    IntegrationResult,
)

Progress = Callable[[int, int], None]  # (files done, files in total), as the analyzer reports
MANIFEST_FORMAT = 1
# Directories the analysis skips: they hold only what code-agent itself writes.
FRAMEWORK_DIRS = (".claude", "PRPs")


def integrate(
    root: Path,
    *,
    level: str = framework.DEFAULT_LEVEL,
    force: bool = False,
    dry_run: bool = False,
    analysis: Analysis | None = None,
    project_name: str | None = None,
    progress: Progress | None = None,
) -> IntegrationResult:
    """Plan the framework files for ``root`` and, unless ``dry_run``, write them.

    ``analysis`` tailors CLAUDE.md and the permissions; when None, ``root`` is analysed.
    ``project_name`` titles CLAUDE.md; when None it comes from the project's own metadata
    (pyproject.toml, package.json, Cargo.toml, go.mod) or the directory name.
    ``progress(done, total)`` is called while ``root`` is analysed.
    Returns one :class:`FileAction` per framework file of ``level``.
    """
    result = plan(
        root,
        level=level,
        force=force,
        analysis=analysis,
        project_name=project_name,
        progress=progress,
    )
    if dry_run:
        return result
    return apply(result)


# --- planning ------------------------------------------------------------------------------


def plan(
    root: Path,
    *,
    level: str = framework.DEFAULT_LEVEL,
    force: bool = False,
    analysis: Analysis | None = None,
    project_name: str | None = None,
    progress: Progress | None = None,
) -> IntegrationResult:
    """Decide what happens to each file of ``level``. Writes nothing."""
    root = Path(root)
    if level not in framework.LEVELS:
        raise InvalidInputError(
            f"unknown level {level!r}; choose one of: {', '.join(framework.LEVELS)}"
        )
    if not root.is_dir():
        raise InvalidInputError(f"not a directory: {root}")
    if analysis is None:
        analysis = _analyze(root, progress)

    manifest, warnings = read_manifest(root)
    selected = framework.files_for(level)
    present = {item.target for item in selected}
    present |= {item.target for item in framework.FILES if (root / item.target).is_file()}
    context = framework.build_context(root, analysis, level, present, project_name)

    result = IntegrationResult(root=str(root), level=level, dry_run=True, warnings=warnings)
    for item in selected:
        desired = framework.render(item, context)
        entry = manifest.get(item.target)
        recorded = entry.get("sha256") if isinstance(entry, dict) else None
        if item.block:
            action = _plan_block(root, item, desired, recorded, force)
        else:
            action = _plan_file(root, item, desired, recorded, force)
        result.files.append(action)
    return result


def _plan_file(
    root: Path, item: FrameworkFile, desired: str, recorded: str | None, force: bool
) -> FileAction:
    path = root / item.target
    digest = sha256(desired)
    blocked = _obstacle(root, item.target)
    if blocked:
        return FileAction(item.target, KEPT, blocked)
    if not path.exists():
        if recorded and not force:
            return FileAction(
                item.target, KEPT, "removed since code-agent wrote it; --force restores it"
            )
        return FileAction(item.target, CREATE, "new", after=desired, digest=digest)
    current = _read_text(path)
    if current is None:
        return FileAction(item.target, KEPT, "not UTF-8 text; left alone")
    if current == desired:
        return FileAction(item.target, UNCHANGED, "up to date", digest=digest)
    if recorded == sha256(current):
        return FileAction(
            item.target,
            UPDATE,
            "refreshed (unmodified since written)",
            before=current,
            after=desired,
            digest=digest,
        )
    return _user_content(item.target, current, desired, digest, recorded, force, root)


def _plan_block(
    root: Path, item: FrameworkFile, desired_file: str, recorded: str | None, force: bool
) -> FileAction:
    """CLAUDE.md: only the marker block is ours; user text around it is never touched."""
    path = root / item.target
    span = find_block(desired_file)
    assert span is not None and span != "invalid", f"{item.template} must contain the markers"
    block = desired_file[span[0] : span[1]]
    digest = sha256(block)
    blocked = _obstacle(root, item.target)
    if blocked:
        return FileAction(item.target, KEPT, blocked, scope="block")
    if not path.exists():
        if recorded and not force:
            return FileAction(
                item.target,
                KEPT,
                "removed since code-agent wrote it; --force restores it",
                scope="block",
            )
        return FileAction(
            item.target, CREATE, "new", scope="block", after=desired_file, digest=digest
        )
    current = _read_text(path)
    if current is None:
        return FileAction(item.target, KEPT, "not UTF-8 text; left alone", scope="block")
    found = find_block(current)
    if found == "invalid":
        return FileAction(
            item.target,
            KEPT,
            f"unbalanced code-agent markers; fix {BEGIN_MARKER} / {END_MARKER} by hand",
            scope="block",
        )
    if found is None:
        if recorded and not force:
            return FileAction(
                item.target,
                KEPT,
                "code-agent block removed by the user; --force appends it again",
                scope="block",
            )
        if current.strip():
            after = (current if current.endswith("\n") else current + "\n") + "\n" + block + "\n"
        else:
            after = block + "\n"
        return FileAction(
            item.target,
            UPDATE,
            "appended the code-agent block; your text is unchanged",
            scope="block",
            before=current,
            after=after,
            digest=digest,
        )
    start, end = found
    existing_block = current[start:end]
    after = current[:start] + block + current[end:]
    if existing_block == block:
        return FileAction(item.target, UNCHANGED, "up to date", scope="block", digest=digest)
    if recorded == sha256(existing_block):
        return FileAction(
            item.target,
            UPDATE,
            "block refreshed; text outside the markers unchanged",
            scope="block",
            before=current,
            after=after,
            digest=digest,
        )
    action = _user_content(item.target, current, after, digest, recorded, force, root, block=True)
    action.scope = "block"
    return action


def _user_content(
    target: str,
    current: str,
    desired: str,
    digest: str,
    recorded: str | None,
    force: bool,
    root: Path,
    block: bool = False,
) -> FileAction:
    """A file (or CLAUDE.md block) that is not, or no longer, exactly what code-agent wrote."""
    if block:
        origin = "block edited by hand" if recorded else "block not written by code-agent"
        verb = "replaces the block"
    else:
        origin = "edited by hand" if recorded else "not written by code-agent"
        verb = "overwrites it"
    if not force:
        return FileAction(target, KEPT, f"{origin}; --force {verb} (after a .bak)")
    backup = backup_path(root / target).relative_to(root).as_posix()
    return FileAction(
        target,
        UPDATE,
        f"{origin}; {'block replaced' if block else 'overwritten'} (--force), copy in {backup}",
        backup=backup,
        before=current,
        after=desired,
        digest=digest,
    )


def find_block(text: str) -> tuple[int, int] | str | None:
    """Span of the marker block (begin line through end marker), None, or "invalid"."""
    begins, ends = [], []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith(BEGIN_MARKER[:-4]) and stripped.endswith("-->"):
            begins.append(offset)
        elif stripped.startswith(END_MARKER[:-4]) and stripped.endswith("-->"):
            ends.append(offset + len(line.rstrip("\r\n")))
        offset += len(line)
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        return "invalid"
    return begins[0], ends[0]


def _obstacle(root: Path, target: str) -> str | None:
    """Why ``target`` cannot be written safely (a symlink or a file in the way), else None."""
    path = root
    parts = Path(target).parts
    for index, part in enumerate(parts):
        path = path / part
        last = index == len(parts) - 1
        if path.is_symlink():
            return f"{path.relative_to(root).as_posix()} is a symlink; left alone"
        if not path.exists():
            return None
        if not last and not path.is_dir():
            return f"{path.relative_to(root).as_posix()} is not a directory"
        if last and not path.is_file():
            return "not a regular file; left alone"
    return None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


def _analyze(root: Path, progress: Progress | None) -> Analysis:
    from code_agent.core.analyzer import analyze

    return analyze(root, exclude_dirs=FRAMEWORK_DIRS, progress=progress)


# --- the manifest ----------------------------------------------------------------------------


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest(root: Path) -> tuple[dict[str, dict], list[str]]:
    """The recorded files, and warnings (an unreadable manifest is treated as empty)."""
    path = root / MANIFEST_PATH
    if not path.is_file():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict):
            raise TypeError("files is not an object")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return {}, [
            f"{MANIFEST_PATH} is unreadable ({error}); existing files are treated as user content"
        ]
    return files, []


def _manifest_text(files: dict[str, dict], level: str) -> str:
    document = {
        "formatVersion": MANIFEST_FORMAT,
        "generator": "code-agent",
        "generatorVersion": __version__,
        "level": level,
        "files": {key: files[key] for key in sorted(files)},
    }
    return json.dumps(document, indent=2) + "\n"


# --- applying --------------------------------------------------------------------------------


def apply(result: IntegrationResult) -> IntegrationResult:
    """Write the planned creates and updates (backups first), then the manifest.

    When nothing changes and the manifest already records every file, nothing is written at
    all, so a re-run on a read-only tree succeeds.
    """
    root = Path(result.root)
    changes = result.changed
    manifest, _ = read_manifest(root)
    before = dict(manifest)
    for item in result.files:
        if item.action == UNCHANGED:  # adopt files that already are exactly what we write
            manifest[item.path] = {"sha256": item.digest, "scope": item.scope}
    if changes or manifest != before:
        _check_writable(root, [root / item.path for item in changes] + [root / MANIFEST_PATH])
    try:
        for item in changes:
            path = root / item.path
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if item.backup:
                    original_mode = path.stat().st_mode & 0o7777
                    atomic_write(root / item.backup, path.read_bytes(), mode=original_mode)
                mode = path.stat().st_mode & 0o7777 if path.exists() else None
                atomic_write(path, item.after.encode("utf-8"), mode=mode)
            except OSError as error:
                raise _write_error(path, error) from error
            manifest[item.path] = {"sha256": item.digest, "scope": item.scope}
    finally:
        # Record whatever was written, even when a later file failed, so the next run knows.
        if manifest != before:
            manifest_file = root / MANIFEST_PATH
            try:
                manifest_file.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(manifest_file, _manifest_text(manifest, result.level).encode("utf-8"))
            except OSError as error:
                raise _write_error(manifest_file, error) from error
    result.dry_run = False
    return result


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it into place."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # 0o666 lets the umask decide, as for any file the user creates; an update keeps the old mode.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def backup_path(path: Path) -> Path:
    """``<file>.bak``, or ``<file>.bak.N`` when earlier backups exist (never overwrite one)."""
    candidate = path.with_name(path.name + ".bak")
    number = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}.bak.{number}")
        number += 1
    return candidate


def _check_writable(root: Path, targets: list[Path]) -> None:
    """Fail before the first write when a directory that will receive files is not writable."""
    probed: set[Path] = set()
    for target in targets:
        directory = target.parent
        while not directory.exists() and directory != root:
            directory = directory.parent
        if directory in probed:
            continue
        probed.add(directory)
        try:
            handle, name = tempfile.mkstemp(prefix=".code-agent-probe-", dir=directory)
        except OSError as error:
            raise _write_error(directory, error) from error
        os.close(handle)
        os.unlink(name)


_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def _write_error(path: Path, error: OSError) -> CodeAgentError:
    reason = error.strerror or str(error)
    if error.errno not in _NOT_WRITABLE:
        return CodeAgentError(f"cannot write {path}: {reason}")
    from code_agent.core.environment import in_container  # the doctor's probe, shared

    if in_container():
        hint = (
            "run the container as your own user so it can write the mounted directory: "
            'docker run --user "$(id -u):$(id -g)" -v "$PWD:/workspace" ...'
        )
        if error.errno == errno.EROFS:
            hint = 'mount the directory read-write (no ":ro") and ' + hint[:1].lower() + hint[1:]
    elif error.errno == errno.EROFS:
        hint = "the file system is mounted read-only; integrate into a writable copy"
    else:
        hint = f"check the owner and permissions of {path}"
    return CodeAgentError(f"cannot write to {path}: {reason}", hint=hint)


# --- diffs -----------------------------------------------------------------------------------


def unified_diff(action: FileAction) -> str:
    """The change ``action`` makes, as a unified diff (empty when it changes nothing)."""
    if not action.changes:
        return ""
    before = action.before or ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        (action.after or "").splitlines(keepends=True),
        fromfile="/dev/null" if action.action == CREATE else f"a/{action.path}",
        tofile=f"b/{action.path}",
    )
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return text
