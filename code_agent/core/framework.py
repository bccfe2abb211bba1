"""The agent framework: which files each level writes, and how they are rendered.

Templates are package data under ``code_agent/templates/agent`` read through importlib.resources,
so they work the same from a source tree, a wheel or a zip. Files named ``*.j2`` are rendered
with Jinja2 (imported lazily); every other template is copied verbatim.

Levels are cumulative:

* ``minimal``: ``CLAUDE.md`` (project memory) and ``.claude/settings.json`` (shared permissions).
* ``standard``: minimal + the PRP workflow: ``/generate-prp`` and ``/execute-prp`` commands, the
  PRP base and feature-request templates, and ``PRPs/ai_docs/`` for curated library docs.
* ``full``: standard + everyday commands (``/prime``, ``/review``, ``/fix-issue``,
  ``/write-tests``), a small-task PRP template and a Claude Code reference in ``PRPs/ai_docs``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from code_agent.models.analysis import NOT_PROGRAMMING

if TYPE_CHECKING:
    from code_agent.models.analysis import Analysis

LEVELS = ("minimal", "standard", "full")
DEFAULT_LEVEL = "standard"

BEGIN_MARKER = "<!-- code-agent:begin -->"
END_MARKER = "<!-- code-agent:end -->"
MANIFEST_PATH = ".claude/code-agent-manifest.json"

_TEMPLATE_PACKAGE = "code_agent"
_TEMPLATE_DIR = ("templates", "agent")


@dataclass(frozen=True)
class FrameworkFile:
    target: str  # POSIX path relative to the project root
    template: str  # path under code_agent/templates/agent
    level: str  # the lowest level that writes it
    summary: str  # one line, shown in CLAUDE.md and the docs
    block: bool = False  # True: only the region between the markers belongs to code-agent

    @property
    def command(self) -> str | None:
        """The slash command a ``.claude/commands/*.md`` file defines."""
        if self.target.startswith(".claude/commands/") and self.target.endswith(".md"):
            return "/" + self.target.rsplit("/", 1)[1][: -len(".md")]
        return None


FILES: tuple[FrameworkFile, ...] = (
    FrameworkFile(
        "CLAUDE.md",
        "CLAUDE.md.j2",
        "minimal",
        "project memory Claude Code loads at start",
        block=True,
    ),
    FrameworkFile(
        ".claude/settings.json",
        "claude/settings.json.j2",
        "minimal",
        "shared permissions (commit it)",
    ),
    FrameworkFile(
        ".claude/commands/generate-prp.md",
        "claude/commands/generate-prp.md",
        "standard",
        "research the codebase and write a PRP for a feature",
    ),
    FrameworkFile(
        ".claude/commands/execute-prp.md",
        "claude/commands/execute-prp.md",
        "standard",
        "implement a PRP and run its validation gates until they pass",
    ),
    FrameworkFile(
        "PRPs/templates/prp_base.md",
        "PRPs/templates/prp_base.md.j2",
        "standard",
        "the PRP template /generate-prp fills in",
    ),
    FrameworkFile(
        "PRPs/templates/feature_request.md",
        "PRPs/templates/feature_request.md",
        "standard",
        "the feature request you hand to /generate-prp",
    ),
    FrameworkFile(
        "PRPs/ai_docs/README.md",
        "PRPs/ai_docs/README.md",
        "standard",
        "where curated library docs for PRPs live",
    ),
    FrameworkFile(
        ".claude/commands/prime.md",
        "claude/commands/prime.md",
        "full",
        "load the project context at the start of a session",
    ),
    FrameworkFile(
        ".claude/commands/review.md",
        "claude/commands/review.md",
        "full",
        "review the working-tree changes before a commit",
    ),
    FrameworkFile(
        ".claude/commands/fix-issue.md",
        "claude/commands/fix-issue.md",
        "full",
        "reproduce a bug with a failing test, then fix it",
    ),
    FrameworkFile(
        ".claude/commands/write-tests.md",
        "claude/commands/write-tests.md",
        "full",
        "add tests for a module or behaviour",
    ),
    FrameworkFile(
        "PRPs/templates/prp_task.md",
        "PRPs/templates/prp_task.md.j2",
        "full",
        "a short PRP for a focused change",
    ),
    FrameworkFile(
        "PRPs/ai_docs/claude_code.md",
        "PRPs/ai_docs/claude_code.md",
        "full",
        "Claude Code reference: commands, settings, permissions, hooks",
    ),
)


def files_for(level: str) -> list[FrameworkFile]:
    """The files a level writes (levels are cumulative)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    rank = LEVELS.index(level)
    return [item for item in FILES if LEVELS.index(item.level) <= rank]


# --- tailoring: what the analysis found, turned into commands and permission rules -----------


@dataclass(frozen=True)
class Ecosystem:
    name: str
    install: str | None = None  # how to install dependencies
    checks: tuple[str, ...] = ()  # safe commands to pre-approve (tests, linters, builds)
    ask: tuple[str, ...] = ()  # commands that publish or change the outside world
    lockfile: str | None = None  # edited only through the tool


ECOSYSTEMS: dict[str, Ecosystem] = {
    e.name: e
    for e in (
        Ecosystem(
            "uv",
            "uv sync",
            (
                "uv run pytest",
                "uv run ruff check",
                "uv run ruff format",
                "uv run mypy",
                "uv sync",
                "uv lock",
            ),
            ("uv publish",),
            "uv.lock",
        ),
        Ecosystem(
            "poetry",
            "poetry install",
            (
                "poetry run pytest",
                "poetry run ruff",
                "poetry run mypy",
                "poetry install",
                "poetry check",
            ),
            ("poetry publish",),
            "poetry.lock",
        ),
        Ecosystem(
            "pipenv",
            "pipenv install --dev",
            ("pipenv run pytest", "pipenv install"),
            (),
            "Pipfile.lock",
        ),
        Ecosystem(
            "pdm", "pdm install", ("pdm run pytest", "pdm install"), ("pdm publish",), "pdm.lock"
        ),
        Ecosystem(
            "hatch",
            "hatch env create",
            ("hatch test", "hatch run", "hatch fmt --check"),
            ("hatch publish",),
        ),
        Ecosystem(
            "pip",
            "python -m pip install -e .",
            ("python -m pytest", "pytest", "python -m pip install"),
            ("twine upload",),
        ),
        Ecosystem(
            "npm",
            "npm ci",
            ("npm test", "npm run test", "npm run lint", "npm run build", "npm ci"),
            ("npm publish",),
            "package-lock.json",
        ),
        Ecosystem(
            "yarn",
            "yarn install --frozen-lockfile",
            ("yarn test", "yarn lint", "yarn build", "yarn install"),
            ("yarn publish", "yarn npm publish"),
            "yarn.lock",
        ),
        Ecosystem(
            "pnpm",
            "pnpm install --frozen-lockfile",
            ("pnpm test", "pnpm lint", "pnpm build", "pnpm install"),
            ("pnpm publish",),
            "pnpm-lock.yaml",
        ),
        Ecosystem(
            "bun",
            "bun install",
            ("bun test", "bun run lint", "bun run build", "bun install"),
            ("bun publish",),
            "bun.lockb",
        ),
        Ecosystem("conda", "conda env update --file environment.yml", ("conda list",)),
        Ecosystem(
            "go",
            "go mod download",
            ("go test", "go vet", "go build", "gofmt -l", "go mod tidy"),
            (),
            "go.sum",
        ),
        Ecosystem(
            "cargo",
            "cargo fetch",
            ("cargo test", "cargo check", "cargo clippy", "cargo fmt", "cargo build"),
            ("cargo publish",),
            "Cargo.lock",
        ),
        Ecosystem(
            "maven",
            "mvn -q dependency:resolve",
            ("mvn test", "mvn verify", "mvn -q", "./mvnw test", "./mvnw verify"),
            ("mvn deploy", "./mvnw deploy"),
        ),
        Ecosystem(
            "gradle",
            "./gradlew dependencies",
            ("./gradlew test", "./gradlew check", "./gradlew build", "gradle test"),
            ("./gradlew publish",),
        ),
        Ecosystem(
            "bundler",
            "bundle install",
            ("bundle exec rspec", "bundle exec rake", "bundle exec rubocop", "bundle install"),
            ("gem push",),
            "Gemfile.lock",
        ),
        Ecosystem(
            "composer",
            "composer install",
            ("composer test", "vendor/bin/phpunit", "composer install"),
            (),
            "composer.lock",
        ),
        Ecosystem(
            "terraform",
            "terraform init",
            ("terraform fmt", "terraform validate", "terraform init", "tflint"),
            ("terraform apply", "terraform destroy", "terraform import", "terraform state"),
            ".terraform.lock.hcl",
        ),
        Ecosystem(
            "helm",
            None,
            ("helm lint", "helm template"),
            ("helm install", "helm upgrade", "helm uninstall"),
        ),
    )
}

# Spellings an analyzer may use for the same tool.
_ALIASES = {
    "go modules": "go",
    "go mod": "go",
    "gomod": "go",
    "golang": "go",
    "cargo (rust)": "cargo",
    "rust": "cargo",
    "pip (requirements.txt)": "pip",
    "requirements.txt": "pip",
    "setuptools": "pip",
    "pip-tools": "pip",
    "yarn berry": "yarn",
    "bundle": "bundler",
    "gradle wrapper": "gradle",
    "maven wrapper": "maven",
    "mvn": "maven",
    "npm/yarn": "npm",
}


def ecosystem(name: str) -> Ecosystem | None:
    key = name.strip().lower()
    return ECOSYSTEMS.get(_ALIASES.get(key, key))


# Short, concrete conventions per language (cloc's language names).
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "Python": (
        "Type hints on public functions; dataclasses for plain data.",
        "Tests are pytest functions named after the behaviour they check; shared fixtures go in conftest.py.",
        "Keep imports at the top unless an import is deliberately lazy (start-up time); say why when it is.",
    ),
    "TypeScript": (
        "Keep `strict` type checking green; no `any` without a comment saying why.",
        "Prefer named exports; co-locate tests with the code they cover.",
    ),
    "JavaScript": (
        "Use the module system the package already uses (check `type` in package.json).",
        "Co-locate tests with the code they cover.",
    ),
    "Go": (
        "Code is `gofmt`-formatted and `go vet`-clean; errors are wrapped with `%w` and returned, not logged and dropped.",
        "Table-driven tests in `*_test.go` next to the code.",
    ),
    "Rust": (
        "Code is `cargo fmt`-formatted and `cargo clippy`-clean; no `unwrap()` outside tests without a reason.",
        "Unit tests in a `#[cfg(test)]` module, integration tests in `tests/`.",
    ),
    "HCL": (
        "Run `terraform fmt` and `terraform validate` after every change; never run `apply` or `destroy` yourself.",
        "Every variable and output has a description; pin provider versions in `required_providers`.",
    ),
    "Java": ("Follow the existing package layout; tests mirror the main source tree.",),
    "Ruby": ("Follow the existing RuboCop configuration; specs mirror the lib/ tree.",),
    "Bourne Shell": (
        "Shell scripts start with `set -eu` (bash: `set -euo pipefail`) and quote every expansion.",
    ),
    "Bourne Again Shell": (
        "Shell scripts start with `set -eu` (bash: `set -euo pipefail`) and quote every expansion.",
    ),
    "Dockerfile": (
        "Dockerfiles pin base images and run as a non-root user; one `RUN` does one thing.",
    ),
}

# Level-1 checks (style, types) a PRP's validation loop starts from, per primary language.
LINT_EXAMPLES: dict[str, str] = {
    "Python": "ruff check . && ruff format --check .   # prefix with `uv run` / `poetry run` as the project does",
    "TypeScript": "npx tsc --noEmit && npx eslint .",
    "JavaScript": "npx eslint .",
    "Go": "gofmt -l . && go vet ./...",
    "Rust": "cargo fmt --check && cargo clippy -- -D warnings",
    "HCL": "terraform fmt -check -recursive && terraform validate",
    "Bourne Shell": "shellcheck $(git ls-files '*.sh')",
    "Bourne Again Shell": "shellcheck $(git ls-files '*.sh')",
}

# Languages code-agent itself writes (CLAUDE.md, PRPs, settings.json): never listed as the
# project's languages, so a second run renders the same text as the first.
_OWN_FORMATS = {"Markdown", "JSON"}

_SECRET_DENY = (
    "Read(./.env)",
    "Read(./.env.*)",
    "Read(./**/.env)",
    "Read(./**/.env.*)",
    "Read(./secrets/**)",
    "Read(./**/*.pem)",
    "Read(./**/*.key)",
    "Read(~/.aws/**)",
    "Read(~/.ssh/**)",
)
_BASE_ALLOW = (
    "Bash(git status:*)",
    "Bash(git diff:*)",
    "Bash(git log:*)",
    "Bash(git show:*)",
    "Bash(git branch:*)",
    "Bash(ls:*)",
    "Bash(grep:*)",
    "Bash(rg:*)",
    "Bash(wc:*)",
)
_BASE_ASK = (
    "Bash(git push:*)",
    "Bash(git reset --hard:*)",
    "Bash(rm -rf:*)",
    "Bash(docker push:*)",
)


def project_name(root: Path) -> str:
    """The name the project gives itself (pyproject, package.json, Cargo.toml, go.mod), else the
    directory name. A container's ``/workspace`` or a staging directory says nothing useful."""
    import tomllib

    def toml(name: str) -> dict:
        try:
            return tomllib.loads((root / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    pyproject = toml("pyproject.toml")
    candidates = [
        pyproject.get("project", {}).get("name"),
        pyproject.get("tool", {}).get("poetry", {}).get("name"),
        toml("Cargo.toml").get("package", {}).get("name"),
    ]
    try:
        candidates.append(
            json.loads((root / "package.json").read_text(encoding="utf-8")).get("name")
        )
    except (OSError, ValueError, AttributeError):
        pass
    try:
        for line in (root / "go.mod").read_text(encoding="utf-8").splitlines():
            if line.startswith("module "):
                parts = line.split()[1].strip("/").split("/")
                # github.com/acme/ledger/v2: the major-version suffix is not the name
                if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
                    parts.pop()
                candidates.append(parts[-1])
                break
    except (OSError, IndexError):
        pass
    for name in candidates:
        if isinstance(name, str) and name.strip() and "{" not in name:
            return name.strip()
    return root.resolve().name or "project"


def build_context(
    root: Path,
    analysis: Analysis | None,
    level: str,
    present: set[str],
    name: str | None = None,
) -> dict:
    """Everything the templates may use. ``present``: framework files that exist after the run;
    ``name``: the project's name (default: :func:`project_name`)."""
    languages = []
    if analysis is not None:
        ranked = sorted(analysis.languages, key=lambda s: (-s.code, s.language))
        found = [s.language for s in ranked if s.code > 0]
        # Programming languages first; data and markup only when there is nothing else.
        languages = [lang for lang in found if lang not in NOT_PROGRAMMING] or [
            lang for lang in found if lang not in _OWN_FORMATS
        ]
    managers = list(analysis.package_managers) if analysis else []
    # Infrastructure tools (Terraform, Helm) are reported as frameworks, not package managers.
    tools = managers + (list(analysis.frameworks) if analysis else [])
    ecosystems = _unique(e for e in (ecosystem(m) for m in tools) if e is not None)
    test_command = analysis.test_command if analysis else None

    allow = list(_BASE_ALLOW)
    ask = list(_BASE_ASK)
    if test_command:
        allow.append(f"Bash({test_command}:*)")
    for eco in ecosystems:
        allow.extend(f"Bash({check}:*)" for check in eco.checks)
        ask.extend(f"Bash({command}:*)" for command in eco.ask)

    commands = [
        {"name": item.command, "summary": item.summary}
        for item in FILES
        if item.command and item.target in present
    ]
    conventions, shown = [], set()
    for lang in languages:  # each rule once (sh and bash share theirs)
        rules = [rule for rule in CONVENTIONS.get(lang, ()) if rule not in shown]
        shown.update(rules)
        if rules:
            conventions.append((lang, rules))
    return {
        "project_name": name or project_name(root),
        "level": level,
        "languages": languages,
        "primary_language": languages[0] if languages else None,
        "package_managers": managers,
        "install_commands": _unique(e.install for e in ecosystems if e.install),
        "lockfiles": _unique(e.lockfile for e in ecosystems if e.lockfile),
        "frameworks": list(analysis.frameworks) if analysis else [],
        "test_runners": list(analysis.test_runners) if analysis else [],
        "test_command": test_command,
        "ci_configs": list(analysis.ci_configs) if analysis else [],
        "dockerfiles": list(analysis.dockerfiles) if analysis else [],
        "conventions": conventions,
        "lint_example": LINT_EXAMPLES.get(languages[0]) if languages else None,
        "commands": commands,
        "prp_workflow": "PRPs/templates/prp_base.md" in present,
        "ai_docs": sorted(
            p for p in present if p.startswith("PRPs/ai_docs/") and not p.endswith("README.md")
        ),
        "permissions": {
            "allow": _unique(allow),
            "ask": _unique(ask),
            "deny": list(_SECRET_DENY),
        },
        "begin_marker": BEGIN_MARKER,
        "end_marker": END_MARKER,
    }


def _unique(items) -> list:
    seen: dict = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


# --- rendering ----------------------------------------------------------------------------


def _template_root():
    node = resources.files(_TEMPLATE_PACKAGE)
    for part in _TEMPLATE_DIR:
        node = node / part
    return node


def read_template(name: str) -> str:
    node = _template_root()
    for part in name.split("/"):
        node = node / part
    return node.read_text(encoding="utf-8")


_environment = None


def _jinja():
    global _environment
    if _environment is None:
        import jinja2  # heavy: only when something is rendered

        _environment = jinja2.Environment(
            loader=jinja2.FunctionLoader(lambda name: (read_template(name), None, lambda: True)),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
    return _environment


def render(item: FrameworkFile, context: dict) -> str:
    """The full text code-agent wants for ``item`` (for CLAUDE.md: the whole new file)."""
    if item.template.endswith(".j2"):
        return _jinja().get_template(item.template).render(**context)
    return read_template(item.template)
