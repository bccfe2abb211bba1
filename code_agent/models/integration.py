"""Result of `integrate`: one entry per framework file, with the action taken (or planned)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The four things that can happen to a framework file, in report order.
CREATE = "create"  # the file did not exist: written
UPDATE = "update"  # ours and unmodified since we wrote it (or --force): rewritten
UNCHANGED = "unchanged"  # already what we would write
KEPT = "kept"  # user content (edited, pre-existing, removed): left alone
ACTIONS = (CREATE, UPDATE, UNCHANGED, KEPT)


@dataclass
class FileAction:
    """What happens to one file. ``before``/``after`` carry the text for diffs (not serialised)."""

    path: str  # POSIX path relative to the integration root
    action: str  # one of ACTIONS
    reason: str = ""
    backup: str | None = None  # relative path of the .bak written (or to be written) first
    scope: str = "file"  # "file": the whole file is ours; "block": only the marker block is
    before: str | None = field(default=None, repr=False)
    after: str | None = field(default=None, repr=False)
    digest: str | None = field(default=None, repr=False)  # sha256 to record in the manifest

    @property
    def changes(self) -> bool:
        return self.action in (CREATE, UPDATE)

    def to_dict(self) -> dict:
        data = {"path": self.path, "action": self.action, "reason": self.reason}
        if self.backup:
            data["backup"] = self.backup
        return data


@dataclass
class IntegrationResult:
    root: str
    level: str
    files: list[FileAction] = field(default_factory=list)
    dry_run: bool = False  # True: nothing was written (--dry-run, --diff, --check)
    manifest: str = ".claude/code-agent-manifest.json"
    warnings: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for item in self.files:
            counts[item.action] += 1
        return counts

    @property
    def changed(self) -> list[FileAction]:
        """Files that are (or would be) created or updated."""
        return [item for item in self.files if item.changes]

    def get(self, path: str) -> FileAction | None:
        return next((item for item in self.files if item.path == path), None)

    def to_dict(self) -> dict:
        return {
            "root": self.root,
            "level": self.level,
            "dry_run": self.dry_run,
            "manifest": self.manifest,
            "files": [item.to_dict() for item in self.files],
            "totals": self.totals,
            "warnings": list(self.warnings),
        }
