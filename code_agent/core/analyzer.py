"""Inventory a codebase: lines per language (cloc-compatible), tooling, CI, containers, agents.

Pure core: no click, no rich. ``analyze`` returns an :class:`Analysis`; the command renders it.

Counting follows cloc so the numbers can be checked against it: files are classified by
:mod:`code_agent.core.languages`, counted by :mod:`code_agent.core.linecount`, empty, binary
(Perl's ``-B`` heuristic on the first 512 bytes) and larger-than-100-MB files are skipped, and
files with identical content are counted once (the copy whose path sorts last is kept, as
cloc keeps it). Unlike plain cloc, the walk honours .gitignore and skips dependency and build
directories (:mod:`code_agent.core.walker`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from code_agent.core import languages
from code_agent.core.linecount import RULES, count
from code_agent.core.walker import walk
from code_agent.exceptions import CodeAgentError, InvalidInputError
from code_agent.models.analysis import NOT_PROGRAMMING, Analysis, LanguageStats

Progress = Callable[[int, int], None]  # (files done, files in total)

MAX_FILE_SIZE = 100 * 1024 * 1024  # cloc's default --max-file-size
_HEAD = 512  # bytes Perl's -B looks at
# Perl's -B: printable ASCII, whitespace other than VT, backspace and ESC are "text".
_TEXT_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n\f\r\b\x1b"


def is_binary(head: bytes) -> bool:
    """Perl's ``-B`` on the first block: valid UTF-8 is text; NUL or >1/3 odd bytes is binary."""
    head = head[:_HEAD]
    if not head.isascii():
        try:
            head.decode("utf-8")
            return False
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data":
                return False  # a character cut by the block boundary
    if b"\0" in head:
        return True
    odd = len(head.translate(None, _TEXT_BYTES))
    return odd * 3 > len(head)


def analyze(
    root: Path, exclude_dirs: Sequence[str] = (), progress: Progress | None = None
) -> Analysis:
    """Analyze the tree at ``root``. Raises InvalidInputError / CodeAgentError on a bad root."""
    root = Path(root)
    try:
        if not root.is_dir():
            if root.exists():
                raise InvalidInputError(f"not a directory: {root}")
            raise InvalidInputError(f"no such directory: {root}")
        found = walk(str(root), exclude_dirs)
    except OSError as error:
        raise CodeAgentError(f"cannot read {root}: {error.strerror or error}") from None

    analysis = Analysis(root=str(root))
    analysis.files_ignored = found.ignored
    skipped: dict[str, int] = {}
    if found.unreadable_dirs:
        skipped["unreadable"] = len(found.unreadable_dirs)

    # content key -> (relative path, language, blank, comment, code)
    counted: dict[tuple[int, bytes], tuple[str, str, int, int, int]] = {}
    total = len(found.files)
    step = max(1, total // 200)
    for done, outcome in enumerate(_examine_all(found.files), start=1):
        if progress and (done % step == 0 or done == total):
            progress(done, total)
        if outcome[0] == "other":
            analysis.files_other += 1
        elif outcome[0] == "skip":
            skipped[outcome[1]] = skipped.get(outcome[1], 0) + 1
        else:
            _, key, rel, language, blank, comment, code = outcome
            previous = counted.get(key)
            if previous is not None:
                # Identical content is counted once; cloc keeps the path that sorts last.
                skipped["duplicate"] = skipped.get("duplicate", 0) + 1
                if previous[0] > rel:
                    continue
            counted[key] = (rel, language, blank, comment, code)

    by_language: dict[str, LanguageStats] = {}
    for _rel, language, blank, comment, code in counted.values():
        stats = by_language.setdefault(language, LanguageStats(language))
        stats.files += 1
        stats.blank += blank
        stats.comment += comment
        stats.code += code
    analysis.languages = sorted(by_language.values(), key=lambda s: (-s.code, s.language))
    analysis.files_scanned = len(counted)
    analysis.skipped = dict(sorted(skipped.items()))
    analysis.files_skipped = sum(skipped.values())

    paths = [rel for rel, _ in found.files]
    _detect(root, paths, analysis)
    return analysis


Outcome = tuple  # ("other",) | ("skip", reason) | ("count", key, rel, language, b, c, k)
PARALLEL_MIN_FILES = 400  # below this, starting worker processes costs more than it saves
_CHUNK = 64


def _examine(rel: str, path: str) -> Outcome:
    """Classify, read and count one file."""
    name = rel.rpartition("/")[2]
    language = languages.classify_name(name)
    if language in (languages.SKIP, languages.OTHER) or (
        language != languages.NEEDS_CONTENT and language not in RULES
    ):
        return ("other",)
    reason, data = _read(path)
    if reason:
        return ("skip", reason)
    if language == languages.NEEDS_CONTENT:
        language = languages.classify_content(name, data)
        if language not in RULES:
            return ("other",)
    key = (len(data), hashlib.blake2b(data, digest_size=16).digest())
    return ("count", key, rel, language, *count(data, language))


def _examine_chunk(chunk: list[tuple[str, str]]) -> list[Outcome]:
    return [_examine(rel, path) for rel, path in chunk]


def _examine_all(files: list[tuple[str, str]]) -> Iterator[Outcome]:
    """Outcomes in file order; on several cores, large trees are counted by worker processes
    (forked, so they start in milliseconds and inherit the compiled regexes). A caller that
    runs threads (say a progress bar that refreshes itself) gets the sequential path."""
    workers = min(os.cpu_count() or 1, 8)
    if (
        workers < 2
        or len(files) < PARALLEL_MIN_FILES
        or "fork" not in _start_methods()
        or threading.active_count() > 1  # forking a threaded process can deadlock the child
    ):
        for rel, path in files:
            yield _examine(rel, path)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_ignore_interrupts
    )
    try:
        for outcomes in pool.map(_examine_chunk, chunks):
            yield from outcomes
    finally:
        # On Ctrl-C the parent stops at once; queued chunks are dropped, running ones end.
        pool.shutdown(wait=False, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent (which exits 130) instead of each printing a
    traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _read(path: str) -> tuple[str | None, bytes]:
    """(skip reason or None, content)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                return "empty", b""
            if size > MAX_FILE_SIZE:
                return "too_large", b""
            head = handle.read(_HEAD)
            if not head:
                return "empty", b""
            if is_binary(head):
                return "binary", b""
            return None, head + handle.read()
    except OSError:
        return "unreadable", b""


# --- detection --------------------------------------------------------------------------------

_PY_FRAMEWORKS = {
    "fastapi": "FastAPI",
    "flask": "Flask",
    "django": "Django",
    "starlette": "Starlette",
    "aiohttp": "aiohttp",
    "tornado": "Tornado",
    "pyramid": "Pyramid",
    "sanic": "Sanic",
    "litestar": "Litestar",
    "click": "Click",
    "typer": "Typer",
    "streamlit": "Streamlit",
    "celery": "Celery",
    "sqlalchemy": "SQLAlchemy",
    "pydantic": "Pydantic",
    "boto3": "boto3",
    "aws-cdk-lib": "AWS CDK",
    "dagger-io": "Dagger",
    "langchain": "LangChain",
}
_JS_FRAMEWORKS = {
    "react": "React",
    "next": "Next.js",
    "vue": "Vue",
    "nuxt": "Nuxt",
    "@angular/core": "Angular",
    "svelte": "Svelte",
    "express": "Express",
    "fastify": "Fastify",
    "@nestjs/core": "NestJS",
    "koa": "Koa",
    "electron": "Electron",
    "aws-cdk-lib": "AWS CDK",
}
_GO_FRAMEWORKS = {
    "github.com/gin-gonic/gin": "Gin",
    "github.com/labstack/echo": "Echo",
    "github.com/gofiber/fiber": "Fiber",
    "github.com/spf13/cobra": "Cobra",
    "github.com/aws/aws-cdk-go": "AWS CDK",
}
_RUST_FRAMEWORKS = {
    "actix-web": "Actix Web",
    "axum": "Axum",
    "rocket": "Rocket",
    "clap": "clap",
    "tokio": "Tokio",
}
_RUBY_FRAMEWORKS = {"rails": "Rails", "sinatra": "Sinatra"}
_JS_RUNNERS = {
    "jest": "jest",
    "vitest": "vitest",
    "mocha": "mocha",
    "@playwright/test": "playwright",
    "cypress": "cypress",
}

_CI_EXACT = {
    "bitbucket-pipelines.yml",
    ".gitlab-ci.yml",
    ".travis.yml",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    ".circleci/config.yml",
    ".drone.yml",
    ".woodpecker.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    ".buildkite/pipeline.yml",
    "appveyor.yml",
    ".appveyor.yml",
    "bitrise.yml",
}
_AGENT_FILES = (
    "CLAUDE.md",
    "CLAUDE.local.md",
    "AGENTS.md",
    "GEMINI.md",
    ".cursorrules",
    ".windsurfrules",
    ".mcp.json",
    ".github/copilot-instructions.md",
)
_AGENT_DIRS = (".claude", "PRPs", ".cursor/rules")
_NPM_DEFAULT_TEST = "no test specified"
_MANIFEST_DEPTH = 2  # manifests are looked for at the root and two directory levels below


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str | None:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return _normalise(match.group(1)) if match else None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _load_toml(path: Path) -> dict:
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError:
        return {}


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(_read_text(path) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _python_dependencies(root: Path, manifests: Iterable[str]) -> tuple[set[str], bool]:
    """Normalised Python dependency names, and whether pytest is configured."""
    names: set[str] = set()
    pytest_configured = False
    for rel in manifests:
        path = root / rel
        base = rel.rpartition("/")[2]
        if base == "pyproject.toml":
            data = _load_toml(path)
            project = data.get("project", {})
            specs = list(project.get("dependencies", []))
            for group in project.get("optional-dependencies", {}).values():
                specs.extend(group)
            for group in data.get("dependency-groups", {}).values():
                specs.extend(item for item in group if isinstance(item, str))
            poetry = data.get("tool", {}).get("poetry", {})
            specs.extend(poetry.get("dependencies", {}))
            specs.extend(poetry.get("dev-dependencies", {}))
            for group in poetry.get("group", {}).values():
                specs.extend(group.get("dependencies", {}))
            names.update(filter(None, map(_requirement_name, specs)))
            pytest_configured |= "pytest" in data.get("tool", {})
        elif base == "Pipfile":
            data = _load_toml(path)
            for section in ("packages", "dev-packages"):
                names.update(_normalise(name) for name in data.get(section, {}))
        elif base.startswith("requirements") and base.endswith(".txt"):
            for line in _read_text(path).splitlines():
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    name = _requirement_name(line)
                    if name:
                        names.add(name)
        elif base in ("setup.cfg", "tox.ini", "pytest.ini"):
            text = _read_text(path)
            pytest_configured |= base == "pytest.ini" or bool(
                re.search(r"^\[(tool:)?pytest\]", text, re.MULTILINE)
            )
            if base == "setup.cfg":
                block = re.search(r"install_requires\s*=\s*\n((?:[ \t]+\S.*\n?)+)", text)
                if block:
                    names.update(filter(None, map(_requirement_name, block.group(1).split("\n"))))
        elif base == "setup.py":
            for quoted in re.findall(
                r"[\"']([A-Za-z0-9][A-Za-z0-9._-]*)\s*[<>=!~\[;\"']", _read_text(path)
            ):
                names.add(_normalise(quoted))
    return names, pytest_configured


def _detect(root: Path, paths: list[str], analysis: Analysis) -> None:
    shallow = [rel for rel in paths if rel.count("/") <= _MANIFEST_DEPTH]
    by_name: dict[str, list[str]] = {}
    for rel in shallow:
        by_name.setdefault(rel.rpartition("/")[2], []).append(rel)
    at_root = {rel for rel in paths if "/" not in rel}

    def present(*names: str) -> bool:
        return any(name in by_name for name in names)

    frameworks: set[str] = set()
    managers: list[str] = []
    runners: list[str] = []

    # Python
    py_manifests = [
        rel
        for name, rels in by_name.items()
        if name in ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py", "tox.ini", "pytest.ini")
        or (name.startswith("requirements") and name.endswith(".txt"))
        for rel in rels
    ]
    py_names, pytest_configured = _python_dependencies(root, py_manifests)
    frameworks.update(label for key, label in _PY_FRAMEWORKS.items() if key in py_names)
    poetry_project = any(
        "poetry" in _load_toml(root / rel).get("tool", {})
        for rel in by_name.get("pyproject.toml", [])
    )
    # A `[tool.uv]` table marks a uv project before its first `uv lock` (a fresh `create`).
    uv_project = "uv.lock" in at_root or (
        "pyproject.toml" in at_root and "uv" in _load_toml(root / "pyproject.toml").get("tool", {})
    )
    python_managers = []
    if present("uv.lock") or uv_project:
        python_managers.append("uv")
    if present("poetry.lock") or poetry_project:
        python_managers.append("poetry")
    if present("pdm.lock"):
        python_managers.append("pdm")
    if present("Pipfile", "Pipfile.lock"):
        python_managers.append("pipenv")
    if any(name.startswith("requirements") and name.endswith(".txt") for name in by_name) or (
        not python_managers and present("pyproject.toml", "setup.py")
    ):
        python_managers.append("pip")
    if present("environment.yml", "environment.yaml"):
        python_managers.append("conda")
    managers.extend(python_managers)
    python_tests = [rel for rel in paths if re.search(r"(^|/)(test_[^/]*|[^/]*_test)\.py$", rel)]
    has_pytest = (
        "pytest" in py_names
        or pytest_configured
        or any(rel.rpartition("/")[2] == "conftest.py" for rel in paths)
    )
    if has_pytest:
        runners.append("pytest")
    elif python_tests:
        runners.append("unittest")
    if present("tox.ini"):
        runners.append("tox")
    if present("noxfile.py"):
        runners.append("nox")

    # JavaScript / TypeScript
    package_json = {rel: _load_json(root / rel) for rel in by_name.get("package.json", [])}
    js_names: set[str] = set()
    for data in package_json.values():
        for section in ("dependencies", "devDependencies", "peerDependencies"):
            deps = data.get(section)
            if isinstance(deps, dict):
                js_names.update(deps)
    frameworks.update(label for key, label in _JS_FRAMEWORKS.items() if key in js_names)
    node_managers = [
        manager
        for manager, lock in (
            ("npm", "package-lock.json"),
            ("yarn", "yarn.lock"),
            ("pnpm", "pnpm-lock.yaml"),
            ("bun", "bun.lockb"),
            ("bun", "bun.lock"),
        )
        if present(lock)
    ]
    if package_json and not node_managers:
        node_managers.append("npm")
    managers.extend(dict.fromkeys(node_managers))
    js_configs = {name.split(".config.")[0] for name in by_name if ".config." in name}
    for key, runner in _JS_RUNNERS.items():
        if key in js_names or runner in js_configs:
            runners.append(runner)

    # Go, Rust, JVM, Ruby, PHP
    go_mods = by_name.get("go.mod", [])
    if go_mods:
        managers.append("go modules")
        requires = "\n".join(_read_text(root / rel) for rel in go_mods)
        frameworks.update(label for key, label in _GO_FRAMEWORKS.items() if key in requires)
        if any(rel.endswith("_test.go") for rel in paths):
            runners.append("go test")
    if present("Cargo.toml"):
        managers.append("cargo")
        crates: set[str] = set()
        for rel in by_name["Cargo.toml"]:
            data = _load_toml(root / rel)
            for section in ("dependencies", "dev-dependencies"):
                crates.update(data.get(section, {}))
        frameworks.update(label for key, label in _RUST_FRAMEWORKS.items() if key in crates)
        runners.append("cargo test")
    jvm_text = ""
    if present("pom.xml"):
        managers.append("maven")
        jvm_text += "".join(_read_text(root / rel) for rel in by_name["pom.xml"])
    gradle_files = [
        n
        for n in ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts")
        if n in by_name
    ]
    if gradle_files:
        managers.append("gradle")
        jvm_text += "".join(_read_text(root / rel) for n in gradle_files for rel in by_name[n])
    if "spring-boot" in jvm_text:
        frameworks.add("Spring Boot")
    if jvm_text and ("junit" in jvm_text.lower() or any("src/test/" in rel for rel in paths)):
        runners.append("junit")
    if present("Gemfile"):
        managers.append("bundler")
        gems = {
            match.lower()
            for rel in by_name["Gemfile"]
            for match in re.findall(
                r"^\s*gem\s+[\"']([^\"']+)", _read_text(root / rel), re.MULTILINE
            )
        }
        frameworks.update(label for key, label in _RUBY_FRAMEWORKS.items() if key in gems)
        if (
            "rspec" in gems
            or "rspec-rails" in gems
            or any(rel.endswith("_spec.rb") for rel in paths)
        ):
            runners.append("rspec")
    if present("composer.json"):
        managers.append("composer")
        php = set()
        for rel in by_name["composer.json"]:
            for section in ("require", "require-dev"):
                deps = _load_json(root / rel).get(section)
                if isinstance(deps, dict):
                    php.update(deps)
        if "laravel/framework" in php:
            frameworks.add("Laravel")
        if any(name.startswith("symfony/") for name in php):
            frameworks.add("Symfony")
        if "phpunit/phpunit" in php:
            runners.append("phpunit")
    if any(rel.endswith(".bats") for rel in paths):
        runners.append("bats")

    # Infrastructure and pipelines as code
    if any(rel.endswith(".tf") for rel in paths):
        frameworks.add("Terraform")
        if any(rel.endswith(".tftest.hcl") for rel in paths):
            runners.append("terraform test")
    if present("Chart.yaml"):
        frameworks.add("Helm")
    if present("cdk.json"):
        frameworks.add("AWS CDK")
    if present("serverless.yml", "serverless.yaml"):
        frameworks.add("Serverless Framework")
    if present("dagger.json"):
        frameworks.add("Dagger")
    if present("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"):
        frameworks.add("Docker Compose")

    analysis.frameworks = sorted(frameworks, key=str.lower)
    analysis.package_managers = list(dict.fromkeys(managers))
    analysis.test_runners = list(dict.fromkeys(runners))
    analysis.ci_configs = sorted(rel for rel in paths if _is_ci_config(rel))
    analysis.dockerfiles = sorted(rel for rel in paths if _is_dockerfile(rel.rpartition("/")[2]))
    analysis.agent_files = _agent_files(root)
    analysis.test_command = _test_command(
        root, analysis, at_root, package_json.get("package.json"), uv_project=uv_project
    )
    analysis.suggested_level, analysis.level_reason = suggest_level(analysis)


def _is_ci_config(rel: str) -> bool:
    if rel in _CI_EXACT:
        return True
    base = rel.rpartition("/")[2]
    if base == "Jenkinsfile" or base.startswith("Jenkinsfile."):
        return True
    if re.fullmatch(r"\.github/workflows/[^/]+\.ya?ml", rel):
        return True
    if re.fullmatch(r"\.woodpecker/[^/]+\.ya?ml", rel):
        return True
    return "/" not in rel and re.fullmatch(r"buildspec[^/]*\.ya?ml", rel) is not None


def _is_dockerfile(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in ("dockerfile", "containerfile")
        or lowered.startswith(("dockerfile.", "containerfile."))
        or lowered.endswith((".dockerfile", ".containerfile"))
    )


def _agent_files(root: Path) -> list[str]:
    """Agent framework files, looked up directly (they are often git-ignored, yet they exist)."""
    found = [name for name in _AGENT_FILES if (root / name).is_file()]
    for directory in _AGENT_DIRS:
        top = root / directory
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            base = Path(dirpath).relative_to(root).as_posix()
            found.extend(f"{base}/{name}" for name in sorted(filenames))
    return found


_ECOSYSTEM = {
    "Python": "python",
    "JavaScript": "node",
    "TypeScript": "node",
    "JSX": "node",
    "Vuejs Component": "node",
    "Svelte": "node",
    "Go": "go",
    "Rust": "rust",
    "Java": "jvm",
    "Kotlin": "jvm",
    "Scala": "jvm",
    "Ruby": "ruby",
    "PHP": "php",
    "HCL": "terraform",
}


def _test_command(
    root: Path,
    analysis: Analysis,
    at_root: set[str],
    package: dict | None,
    *,
    uv_project: bool,
) -> str | None:
    """The test command for the primary language's ecosystem, else the first one found.

    Only tooling at the repository root is considered: that is where a developer types it.
    """
    runners = analysis.test_runners
    candidates: list[tuple[str, str]] = []
    if "pytest" in runners or "unittest" in runners or "tox" in runners:
        prefix = next(
            (
                command
                for managed, command in (
                    (uv_project, "uv run "),
                    ("poetry.lock" in at_root, "poetry run "),
                    ("pdm.lock" in at_root, "pdm run "),
                    ("Pipfile" in at_root, "pipenv run "),
                )
                if managed
            ),
            None,
        )
        if "pytest" in runners:
            candidates.append(("python", f"{prefix}pytest" if prefix else "python -m pytest"))
        elif "unittest" in runners:
            candidates.append(("python", f"{prefix or ''}python -m unittest"))
        else:
            candidates.append(("python", "tox"))
    if package is not None:
        scripts = package.get("scripts") if isinstance(package.get("scripts"), dict) else {}
        manager = next(
            (
                m
                for m, lock in (
                    ("pnpm", "pnpm-lock.yaml"),
                    ("yarn", "yarn.lock"),
                    ("bun", "bun.lockb"),
                    ("bun", "bun.lock"),
                )
                if lock in at_root
            ),
            "npm",
        )
        test_script = scripts.get("test")
        if isinstance(test_script, str) and _NPM_DEFAULT_TEST not in test_script:
            candidates.append(
                ("node", f"{manager} run test" if manager == "bun" else f"{manager} test")
            )
        elif "vitest" in runners:
            candidates.append(("node", "npx vitest run"))
        elif "jest" in runners:
            candidates.append(("node", "npx jest"))
        elif "mocha" in runners:
            candidates.append(("node", "npx mocha"))
    if "go.mod" in at_root and "go test" in runners:
        candidates.append(("go", "go test ./..."))
    if "Cargo.toml" in at_root:
        candidates.append(("rust", "cargo test"))
    if "pom.xml" in at_root:
        candidates.append(("jvm", "./mvnw test" if "mvnw" in at_root else "mvn test"))
    elif at_root & {"build.gradle", "build.gradle.kts"}:
        candidates.append(("jvm", "./gradlew test" if "gradlew" in at_root else "gradle test"))
    if "terraform test" in runners and any(rel.endswith(".tf") for rel in at_root):
        candidates.append(("terraform", "terraform test"))
    if "rspec" in runners:
        candidates.append(("ruby", "bundle exec rspec" if "Gemfile" in at_root else "rspec"))
    if "phpunit" in runners:
        candidates.append(("php", "vendor/bin/phpunit"))
    makefile = next((n for n in ("Makefile", "makefile", "GNUmakefile") if n in at_root), None)
    if makefile and re.search(r"^test\s*:", _read_text(root / makefile), re.MULTILINE):
        candidates.append(("make", "make test"))
    if not candidates:
        return None
    wanted = _ECOSYSTEM.get(analysis.primary_language or "")
    for ecosystem, command in candidates:
        if ecosystem == wanted:
            return command
    return candidates[0][1]


FULL_CODE_LINES = 20_000
SHIPPED_CODE_LINES = 2_000
MINIMAL_CODE_LINES = 1_000


def suggest_level(analysis: Analysis) -> tuple[str, str]:
    """The integration level for this repository, and the reason in one sentence.

    - full: at least 20,000 lines of program code, or a shipped, automated project
      (CI config, Dockerfile and a test command) with at least 2,000 lines;
    - minimal: under 1,000 lines of program code and no test runner found;
    - standard: everything else.
    Program code excludes data and markup (JSON, YAML, Markdown, ...).
    """
    code = sum(s.code for s in analysis.languages if s.language not in NOT_PROGRAMMING)
    automated = bool(analysis.ci_configs and analysis.dockerfiles and analysis.test_command)
    if code >= FULL_CODE_LINES:
        return "full", f"{code} lines of program code (>= {FULL_CODE_LINES})"
    if automated and code >= SHIPPED_CODE_LINES:
        return "full", (
            f"CI, Dockerfile and a test command with {code} lines of program code "
            f"(>= {SHIPPED_CODE_LINES})"
        )
    if code < MINIMAL_CODE_LINES and not analysis.test_runners:
        return "minimal", f"{code} lines of program code (< {MINIMAL_CODE_LINES}) and no tests"
    return "standard", f"{code} lines of program code" + (
        ", tests found" if analysis.test_runners else ""
    )
