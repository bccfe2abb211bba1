"""Result of `analyze`: shared by the analyzer, `integrate` (to tailor CLAUDE.md) and output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class LanguageStats:
    language: str
    files: int = 0
    blank: int = 0
    comment: int = 0
    code: int = 0


@dataclass
class Analysis:
    root: str
    languages: list[LanguageStats] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    package_managers: list[str] = field(default_factory=list)
    test_runners: list[str] = field(default_factory=list)
    # The command a developer runs the tests with, e.g. "uv run pytest"; None when unknown.
    test_command: str | None = None
    ci_configs: list[str] = field(default_factory=list)
    dockerfiles: list[str] = field(default_factory=list)
    agent_files: list[str] = field(default_factory=list)
    suggested_level: str = "standard"  # minimal | standard | full
    files_scanned: int = 0
    files_skipped: int = 0

    @property
    def primary_language(self) -> str | None:
        return max(self.languages, key=lambda s: s.code).language if self.languages else None

    def to_dict(self) -> dict:
        return asdict(self)
