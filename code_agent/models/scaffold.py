"""Result types of `create`: the template catalogue and what a scaffold run wrote (or would write)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class TemplateVariable:
    """One variable a template asks for, as declared in its ``template.toml`` manifest.

    ``default`` may be a Jinja2 expression over the variables declared before it (for example
    ``{{ project_name | replace('-', '_') }}``), like copier's computed defaults.
    """

    name: str
    default: str
    help: str
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    identifier: bool = False  # must be a Python identifier that is not a keyword (import names)


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str
    variables: tuple[TemplateVariable, ...] = ()
    next_steps: tuple[str, ...] = ()  # shell lines shown after `create`, run inside the project
    # What the template knows about the project it makes, for the agent framework files:

    def variable_names(self) -> list[str]:
        return [variable.name for variable in self.variables]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "variables": [
                {
                    key: value
                    for key, value in asdict(variable).items()
                    if value not in (None, (), False)
                }
                for variable in self.variables
            ],
            "nextSteps": list(self.next_steps),
        }


@dataclass
class FileAction:
    """One file of the generated project.

    ``create`` (new), ``overwrite`` (existed with other content: ``--force``) or ``unchanged``
    (existed with exactly this content: not rewritten).
    """

    path: str  # POSIX path relative to the project root
    action: str
    source: str  # "template", "framework" (integrate --level standard) or "answers"


@dataclass
class ScaffoldResult:
    template: str
    name: str
    target: str
    variables: dict[str, str]
    files: list[FileAction] = field(default_factory=list)
    dry_run: bool = False
    answers_file: str = ""
    next_steps: list[str] = field(default_factory=list)  # rendered, run inside the project

    def count(self, action: str) -> int:
        return sum(1 for entry in self.files if entry.action == action)

    def to_dict(self) -> dict:
        return {
            "template": self.template,
            "name": self.name,
            "target": self.target,
            "dryRun": self.dry_run,
            "variables": dict(self.variables),
            "answersFile": self.answers_file,
            "files": [asdict(entry) for entry in self.files],
            "nextSteps": list(self.next_steps),
            "totals": {
                "create": self.count("create"),
                "overwrite": self.count("overwrite"),
                "unchanged": self.count("unchanged"),
            },
        }
