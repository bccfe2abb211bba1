"""Scaffold a project from a built-in template: resolve variables, render, move into place.

Templates are package data under ``code_agent/templates/projects/<name>/``:

- ``template.toml``: the manifest (description, variables with defaults and help, next steps),
  in the spirit of copier.yml / cookiecutter.json.
- ``files/``: the project tree. A file whose name ends in ``.j2`` is rendered with Jinja2 and
  loses the suffix; any other file is copied byte for byte. Filters ``py_str`` and
  ``toml_str`` quote a value as a Python / TOML string literal. Every path segment may hold a Jinja2
  expression (``src/{{ package_name }}/``); a segment that renders empty drops the file.

Nothing is ever half-written: the whole project (template files, the agent framework files that
``integrate --level standard`` writes, the answers file) is rendered into a temporary directory
next to the target first. A new target is then put in place with a single ``rename``; an existing
target (empty, or non-empty with ``force``) receives the rendered files one ``os.replace`` each,
after every conflict has been checked.

This module never imports click or rich; jinja2 is imported only when something is rendered.
"""

from __future__ import annotations

import json
import keyword
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from code_agent import __version__
from code_agent.exceptions import CodeAgentError, InvalidInputError, RefusedError
from code_agent.models.scaffold import FileAction, ScaffoldResult, TemplateInfo, TemplateVariable

MANIFEST = "template.toml"
FILES_DIR = "files"
RENDER_SUFFIX = ".j2"
ANSWERS_FILE = ".code-agent-answers.json"
ANSWERS_FORMAT_VERSION = 1

# A project name is a DNS-1123 label. It becomes a directory, a Python distribution name (and,
# dashes -> underscores, an import package), a console-script name, a Docker image name and a
# Kubernetes/ECS service name; the label rule is the one those all accept (lowercase only for
# images, 63 characters for DNS), and keeping it dash-only makes the package name unambiguous.
NAME_PATTERN = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
NAME_RULE = (
    "lowercase letters, digits and '-', starting with a letter, not ending with '-', "
    "at most 63 characters (a DNS label: it names the directory, the Python package, "
    "the Docker image and the service)"
)

Integrate = Callable[[Path], object]


# --------------------------------------------------------------------------- the catalogue


def builtin_templates_root() -> Traversable:
    """The packaged templates (works from a wheel, an sdist install or a source checkout)."""
    return resources.files("code_agent") / "templates" / "projects"


def _template_dirs(root: Traversable) -> dict[str, Traversable]:
    return {
        entry.name: entry
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_dir() and (entry / MANIFEST).is_file()
    }


def _load_manifest(name: str, directory: Traversable) -> TemplateInfo:
    try:
        data = tomllib.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CodeAgentError(f"template {name}: {MANIFEST} is not valid TOML: {error}") from error
    variables = []
    for var_name, spec in data.get("variables", {}).items():
        if not isinstance(spec, dict) or "default" not in spec:
            raise CodeAgentError(f"template {name}: variable {var_name!r} needs a default")
        variables.append(
            TemplateVariable(
                name=var_name,
                default=str(spec["default"]),
                help=str(spec.get("help", "")),
                pattern=spec.get("pattern"),
                choices=tuple(str(c) for c in spec.get("choices", ())),
                identifier=bool(spec.get("identifier", False)),
            )
        )
    return TemplateInfo(
        name=name,
        description=str(data.get("description", "")),
        variables=tuple(variables),
        next_steps=tuple(str(step) for step in data.get("next_steps", ())),
    )


def list_templates(root: Traversable | None = None) -> list[TemplateInfo]:
    """Every template under ``root`` (default: the built-in ones), sorted by name."""
    directories = _template_dirs(root or builtin_templates_root())
    return [_load_manifest(name, directory) for name, directory in directories.items()]


def get_template(name: str, root: Traversable | None = None) -> TemplateInfo:
    directories = _template_dirs(root or builtin_templates_root())
    if name not in directories:
        valid = ", ".join(directories) or "(none)"
        raise InvalidInputError(
            f"unknown template {name!r}; valid templates: {valid}",
            hint="`code-agent create --list` shows them with their variables",
        )
    return _load_manifest(name, directories[name])


# --------------------------------------------------------------------------- validation


def validate_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidInputError(f"invalid project name {name!r}: use {NAME_RULE}")
    return name


def package_name_for(name: str) -> str:
    """The Python import package a project NAME gives: dashes become underscores."""
    return name.replace("-", "_")


def _check_value(template: str, variable: TemplateVariable, value: str, given: bool) -> None:
    where = f"-d {variable.name}={value}" if given else f"{variable.name}={value!r} (from NAME)"
    if variable.choices and value not in variable.choices:
        raise InvalidInputError(f"{where}: must be one of {', '.join(variable.choices)}")
    if variable.pattern and not re.fullmatch(variable.pattern, value):
        raise InvalidInputError(
            f"{where}: must match {variable.pattern}", hint=variable.help or None
        )
    if variable.identifier and (not value.isidentifier() or keyword.iskeyword(value)):
        raise InvalidInputError(
            f"{where}: must be a Python identifier that is not a keyword",
            hint=f"template {template} uses it as an import name; pick another NAME or set it with -d",
        )


def _jinja_env():
    import jinja2

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,  # a typo in a template is an error, not an empty string
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["toml_str"] = _toml_str
    env.filters["py_str"] = _py_str
    return env


def _toml_str(value: object) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(value), ensure_ascii=False)


def _py_str(value: object) -> str:
    """A Python string literal, quoted as ruff/black format it (fewer escapes, else double)."""
    text = str(value)
    double = json.dumps(text, ensure_ascii=False)  # escapes ", \ and control characters
    if text.count('"') > text.count("'"):
        return "'" + double[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"
    return double


def resolve_variables(
    info: TemplateInfo, name: str, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Defaults (computed in manifest order), then ``-d`` overrides; each value validated."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(info.variable_names()))
    if unknown:
        valid = ", ".join(info.variable_names()) or "(none)"
        raise InvalidInputError(
            f"unknown variable{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"for template {info.name}; valid keys: {valid}"
        )
    env = _jinja_env()
    context: dict[str, str] = {"project_name": name}
    values: dict[str, str] = {}
    for variable in info.variables:
        given = variable.name in overrides
        if given:
            value = overrides[variable.name]
        else:
            try:
                value = env.from_string(variable.default).render(context)
            except Exception as error:  # jinja2.TemplateError and friends: a broken manifest
                raise CodeAgentError(
                    f"template {info.name}: default of {variable.name!r} does not render: {error}"
                ) from error
        _check_value(info.name, variable, value, given)
        context[variable.name] = value
        values[variable.name] = value
    return values


def preview_defaults(info: TemplateInfo, name: str = "NAME") -> dict[str, str]:
    """Defaults as a person reads them: computed ones rendered for a placeholder NAME."""
    import jinja2

    env = _jinja_env()
    context: dict[str, str] = {"project_name": name}
    for variable in info.variables:
        try:
            context[variable.name] = env.from_string(variable.default).render(context)
        except jinja2.TemplateError:  # shown as written when it does not render
            context[variable.name] = variable.default
    return {variable.name: context[variable.name] for variable in info.variables}


# --------------------------------------------------------------------------- rendering


def _walk(
    directory: Traversable, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            yield from _walk(entry, (*prefix, entry.name))
        else:
            yield (*prefix, entry.name), entry


def _render_path(env, parts: tuple[str, ...], context: Mapping[str, str]) -> str | None:
    rendered = []
    for index, part in enumerate(parts):
        if index == len(parts) - 1 and part.endswith(RENDER_SUFFIX):
            part = part[: -len(RENDER_SUFFIX)]
        if "{" in part:
            part = env.from_string(part).render(context).strip()
        if not part:
            return None  # a segment rendered empty: the template leaves this file out
        if "/" in part or "\\" in part or part in (".", ".."):
            raise CodeAgentError(f"template path {'/'.join(parts)!r} renders to unsafe {part!r}")
        rendered.append(part)
    return "/".join(rendered)


def render_tree(
    template_dir: Traversable, destination: Path, context: Mapping[str, str]
) -> list[str]:
    """Render ``template_dir/files`` into ``destination``; returns the POSIX paths written."""
    env = _jinja_env()
    written: list[str] = []
    files_root = template_dir / FILES_DIR
    for parts, source in _walk(files_root):
        shown = "/".join(parts)
        try:
            relative = _render_path(env, parts, context)
            if relative is None:
                continue
            if parts[-1].endswith(RENDER_SUFFIX):
                content = env.from_string(source.read_text(encoding="utf-8")).render(context)
                data = content.encode("utf-8")
            else:
                data = source.read_bytes()
        except CodeAgentError:
            raise
        except Exception as error:  # jinja2.TemplateError, UnicodeDecodeError, ...
            raise CodeAgentError(
                f"cannot render {shown}: {type(error).__name__}: {error}"
            ) from error
        target = destination.joinpath(*PurePosixPath(relative).parts)
        if relative in written:
            raise CodeAgentError(f"template writes {relative} twice (from {shown})")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(relative)
    return written


def render_next_steps(info: TemplateInfo, name: str, variables: Mapping[str, str]) -> list[str]:
    env = _jinja_env()
    context = {"project_name": name, **variables}
    return [env.from_string(step).render(context) for step in info.next_steps]


def _files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if not path.is_dir()}


def framework_integrate(info: TemplateInfo) -> Integrate:
    """``integrate --level standard`` for a freshly rendered project of template ``info``.

    The templates carry what the analysis needs to see (a ``[tool.uv]`` table, ``*.tftest.hcl``),
    so a later ``integrate`` in the project finds exactly what ``create`` wrote.
    """

    def run(root: Path) -> object:
        from code_agent.core.integrator import integrate

        return integrate(root, level="standard")

    return run


def answers_document(template: str, name: str, variables: Mapping[str, str]) -> str:
    document = {
        "formatVersion": ANSWERS_FORMAT_VERSION,
        "template": template,
        "codeAgentVersion": __version__,
        "name": name,
        "variables": dict(variables),
    }
    return json.dumps(document, indent=2) + "\n"


def _build(
    info: TemplateInfo,
    template_dir: Traversable,
    name: str,
    variables: Mapping[str, str],
    project: Path,
    integrate: Integrate,
) -> dict[str, str]:
    """Everything the project gets, into ``project``. Returns {path: source}."""
    context = {"project_name": name, **variables}
    sources = {path: "template" for path in render_tree(template_dir, project, context)}
    try:
        integrate(project)
    except CodeAgentError as error:  # whatever its own code: here it is a failed render, exit 1
        raise CodeAgentError(f"agent framework files: {error.message}", hint=error.hint) from error
    except OSError:
        raise  # reported with the path by scaffold()
    except Exception as error:  # a bug in that step must still leave nothing behind, one line
        raise CodeAgentError(
            f"agent framework files: {type(error).__name__}: {error}",
            hint="run with -v for the traceback",
        ) from error
    for path in sorted(_files_under(project) - set(sources)):
        sources[path] = "framework"
    (project / ANSWERS_FILE).write_text(
        answers_document(info.name, name, variables), encoding="utf-8"
    )
    sources[ANSWERS_FILE] = "answers"
    return dict(sorted(sources.items()))


# --------------------------------------------------------------------------- placing the result


def _conflicts(target: Path, paths: list[str]) -> list[str]:
    """Paths that cannot be placed: a directory where a file goes, or a file where a directory goes."""
    problems = []
    for relative in paths:
        destination = target / relative
        if destination.is_dir() and not destination.is_symlink():
            problems.append(f"{relative} is a directory in the target")
        for parent in PurePosixPath(relative).parents:
            if str(parent) == ".":
                break
            candidate = target / parent
            if candidate.exists() and not candidate.is_dir():
                problems.append(
                    f"{parent} is a file in the target but the template needs a directory"
                )
                break
    return problems


def _is_empty_dir(path: Path) -> bool:
    return not any(path.iterdir())


def _missing_levels(directory: Path) -> list[Path]:
    """The levels of ``directory`` that do not exist yet, deepest first; fails on a file."""
    missing = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise CodeAgentError(f"output directory {directory}: {probe} is not a directory")
    return missing


@contextmanager
def _created_dirs(directory: Path) -> Iterator[None]:
    """mkdir -p ``directory``; on failure, remove again the (empty) levels this call created."""
    missing = _missing_levels(directory)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for level in missing:  # deepest first
            try:
                level.rmdir()
            except OSError:
                break
        raise


def scaffold(
    template: str,
    name: str,
    output_dir: Path | str = ".",
    overrides: Mapping[str, str] | None = None,
    *,
    force: bool = False,
    dry_run: bool = False,
    templates_root: Traversable | None = None,
    integrate: Integrate | None = None,
) -> ScaffoldResult:
    """Create ``output_dir/name`` from ``template``; see the module docstring for the guarantees.

    ``templates_root`` and ``integrate`` exist for tests and embedding: another catalogue of
    templates, another way to add the agent framework files.
    """
    root = templates_root or builtin_templates_root()
    info = get_template(template, root)
    validate_name(name)
    variables = resolve_variables(info, name, overrides)
    integrate = integrate or framework_integrate(info)

    output = Path(output_dir)
    target = output / name
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise RefusedError(
                f"target {target} exists and is not a directory",
                hint="choose another NAME or --output-dir",
            )
        if not force and not _is_empty_dir(target):
            raise RefusedError(
                f"target {target} exists and is not empty",
                hint="--force overwrites the files the template writes and keeps the others; "
                "or choose another NAME or --output-dir",
            )
    result = ScaffoldResult(
        template=info.name,
        name=name,
        target=str(target),
        variables=dict(variables),
        dry_run=dry_run,
        answers_file=ANSWERS_FILE,
        next_steps=render_next_steps(info, name, variables),
    )
    template_dir = _template_dirs(root)[template]

    if dry_run:
        # Rendered for real (so a broken template fails here too), but in the system temp dir:
        # a dry run writes nothing next to the target.
        _missing_levels(output)
        with tempfile.TemporaryDirectory(prefix="code-agent-dry-run-") as staging:
            project = Path(staging) / name
            project.mkdir()
            _seed_framework_files(target, project)
            sources = _build(info, template_dir, name, variables, project, integrate)
            result.files = _actions(target, sources, project)
        problems = _conflicts(target, list(sources)) if target.is_dir() else []
        if problems:
            raise CodeAgentError(f"cannot place the project in {target}: {problems[0]}")
        return result

    with _created_dirs(output):
        try:
            # The project is rendered in staging/NAME: what it is called while rendered is what
            # it will be called (integrate reads the directory name), and staging/NAME -> target
            # is one rename on the same filesystem.
            staging = Path(tempfile.mkdtemp(prefix=f".{name}.code-agent-", dir=output))
        except OSError as error:
            raise CodeAgentError(
                f"cannot write in output directory {output}: {error.strerror or error}",
                hint="choose a writable --output-dir (in a container: run with "
                '--user "$(id -u):$(id -g)" and mount the workspace read-write)',
            ) from error
        try:
            project = staging / name
            project.mkdir()  # normal modes from the umask (mkdtemp's own directory is 0700)
            _seed_framework_files(target, project)
            sources = _build(info, template_dir, name, variables, project, integrate)
            result.files = _actions(target, sources, project)
            if not target.exists():
                # One atomic step: the project appears whole or not at all.
                os.rename(project, target)
            else:
                problems = _conflicts(target, list(sources))
                if problems:
                    raise CodeAgentError(f"cannot place the project in {target}: {problems[0]}")
                for entry in result.files:
                    if entry.action == "unchanged":
                        continue
                    relative = entry.path
                    destination = target / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(project / relative, destination)
        except CodeAgentError:
            raise
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            raise CodeAgentError(
                f"cannot create {target}: {error.strerror or error}{where}"
            ) from error
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return result


def _actions(target: Path, sources: Mapping[str, str], project: Path) -> list[FileAction]:
    actions = []
    for relative, source in sources.items():
        existing = target / relative
        if not existing.is_file():
            action = "create"
        elif existing.read_bytes() == (project / relative).read_bytes():
            action = "unchanged"  # identical: not rewritten
        else:
            action = "overwrite"
        actions.append(FileAction(path=relative, action=action, source=source))
    return actions


def _seed_framework_files(target: Path, project: Path) -> None:
    """Copy the target's existing agent framework files (and manifest) into the staging project.

    integrate() then sees them as it would in the target itself: a CLAUDE.md keeps the user's
    text outside the code-agent markers, a framework file the user edited is kept, and the
    manifest stays consistent. Without this, --force would replace them wholesale.
    """
    if not target.is_dir():
        return
    from code_agent.core import framework

    for relative in sorted({item.target for item in framework.FILES} | {framework.MANIFEST_PATH}):
        existing = target / relative
        if existing.is_file() and not existing.is_symlink():
            destination = project / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(existing, destination)
