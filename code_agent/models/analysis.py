"""Result of `analyze`: shared by the analyzer, `integrate` (to tailor CLAUDE.md) and output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Languages that describe data, documents or markup rather than programs.
NOT_PROGRAMMING = frozenset(
    {
        "JSON",
        "YAML",
        "TOML",
        "INI",
        "Properties",
        "XML",
        "XSD",
        "XSLT",
        "DTD",
        "SVG",
        "HTML",
        "CSS",
        "SCSS",
        "Sass",
        "LESS",
        "Markdown",
        "reStructuredText",
        "Text",
        "diff",
    }
)


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
    # Why that level: one sentence a person can check against the numbers above.
    level_reason: str = ""
    files_scanned: int = 0  # files counted in `languages`
    files_skipped: int = 0  # sum of `skipped`
    # Files left out of the counts, by reason: binary, duplicate, empty, too_large, unreadable.
    skipped: dict[str, int] = field(default_factory=dict)
    files_other: int = 0  # text files that are not source code we count (docs, data, ...)
    files_ignored: int = 0  # files and directories excluded by .gitignore

    @property
    def primary_language(self) -> str | None:
        """The programming language with the most code lines (data and markup only as a
        fallback: a repository of Python and a large JSON fixture is a Python repository)."""
        programs = [s for s in self.languages if s.language not in NOT_PROGRAMMING]
        candidates = programs or self.languages
        return max(candidates, key=lambda s: s.code).language if candidates else None

    @property
    def total(self) -> LanguageStats:
        total = LanguageStats("SUM")
        for stats in self.languages:
            total.files += stats.files
            total.blank += stats.blank
            total.comment += stats.comment
            total.code += stats.code
        return total

    def to_dict(self) -> dict:
        data = asdict(self)
        data["primary_language"] = self.primary_language
        data["total"] = asdict(self.total)
        return data
