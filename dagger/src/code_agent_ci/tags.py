"""The image tag plan: which tags a build publishes (plain Python, no Dagger, no AWS).

Rules (README "Tag rules"):

- a release tag ``vX.Y.Z`` must equal the package version and yields ``X.Y.Z`` and ``X.Y``;
  ``X.Y.Z`` is immutable (the publish guard refuses to overwrite it without ``force``);
- ``main`` yields ``latest``, ``main``, ``build-<n>`` and ``sha-<7 hex>``;
- ``develop`` yields ``develop``, ``build-<n>`` and ``sha-<7 hex>``;
- any other branch yields its slug and ``sha-<7 hex>``.

``build-<n>`` and ``sha-<...>`` appear only when a build number / commit is given. Every tag
matches the OCI distribution tag grammar ``[A-Za-z0-9_][A-Za-z0-9._-]{0,127}``.
"""

from __future__ import annotations

import ast
import re

OCI_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
RELEASE_TAG = re.compile(r"v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)")
COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")
BUILD_NUMBER = re.compile(r"[0-9]{1,18}")
MAX_TAG_LENGTH = 128
SHORT_SHA_LENGTH = 7

# Tags only the rules above may produce; a branch slug equal to one of them (or shaped like a
# version, build or sha tag) is prefixed with "branch-" so a branch can never move them.
RESERVED_TAGS = frozenset({"latest", "main", "develop"})
RESERVED_SHAPES = (VERSION, re.compile(r"[0-9]+\.[0-9]+"), re.compile(r"(build|sha)-.*"))


class TagPlanError(ValueError):
    """The inputs cannot produce a valid, unambiguous tag plan (one clear message)."""


def is_valid_tag(tag: str) -> bool:
    """True when ``tag`` is a valid OCI distribution tag."""
    return OCI_TAG.fullmatch(tag) is not None


def is_version_tag(tag: str) -> bool:
    """True for an immutable release tag ``X.Y.Z`` (the ones the publish guard protects)."""
    return VERSION.fullmatch(tag) is not None


def slugify(branch: str) -> str:
    """A branch name as a tag: lower case, runs of other characters -> '-', at most 128 chars."""
    slug = re.sub(r"[^a-z0-9._]+", "-", branch.strip().lower())
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")
    if not slug:
        raise TagPlanError(f"branch {branch!r} has no characters usable in an image tag")
    if slug in RESERVED_TAGS or any(shape.fullmatch(slug) for shape in RESERVED_SHAPES):
        slug = f"branch-{slug}"
    return slug[:MAX_TAG_LENGTH].rstrip("-.")


def read_package_version(init_py: str) -> str:
    """``__version__`` from the text of ``code_agent/__init__.py`` (parsed, never imported)."""
    try:
        module = ast.parse(init_py)
    except SyntaxError as exc:
        raise TagPlanError(f"code_agent/__init__.py does not parse: {exc.msg}") from None
    for node in module.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            value = node.value
            if (
                "__version__" in names
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and value.value.strip()
            ):
                return value.value.strip()
    raise TagPlanError('code_agent/__init__.py has no __version__ = "X.Y.Z" string')


def plan_tags(
    version: str,
    branch: str | None = None,
    git_tag: str | None = None,
    build_number: str | int | None = None,
    commit: str | None = None,
) -> list[str]:
    """The ordered, de-duplicated tags to publish for one build.

    A release tag (``git_tag``) takes precedence over ``branch``: a tag pipeline publishes the
    release tags only. Raises :class:`TagPlanError` with one clear message on bad input.
    """
    branch = (branch or "").strip()
    git_tag = (git_tag or "").strip()
    commit = (commit or "").strip()
    build = str(build_number).strip() if build_number is not None else ""

    if git_tag:
        return _release_tags(version, git_tag)
    if not branch:
        raise TagPlanError("nothing to tag: give a branch or a release tag (vX.Y.Z)")

    build_tag = sha_tag = None
    if build:
        if not BUILD_NUMBER.fullmatch(build):
            raise TagPlanError(f"build number {build!r} is not a non-negative integer")
        build_tag = f"build-{int(build)}"
    if commit:
        if not COMMIT.fullmatch(commit):
            raise TagPlanError(f"commit {commit!r} is not a hexadecimal git commit id")
        sha_tag = f"sha-{commit[:SHORT_SHA_LENGTH].lower()}"

    if branch == "main":
        tags = ["latest", "main", build_tag, sha_tag]
    elif branch == "develop":
        tags = ["develop", build_tag, sha_tag]
    else:  # feature branches: a moving slug plus the traceable commit
        tags = [slugify(branch), sha_tag]
    return _checked([t for t in tags if t])


def _release_tags(version: str, git_tag: str) -> list[str]:
    match = RELEASE_TAG.fullmatch(git_tag)
    if not match:
        raise TagPlanError(f"release tag {git_tag!r} is not of the form vX.Y.Z (e.g. v1.2.3)")
    if not VERSION.fullmatch(version):
        raise TagPlanError(
            f"package version {version!r} is not X.Y.Z; a release needs a final version"
        )
    if match["version"] != version:
        raise TagPlanError(
            f"release tag {git_tag} does not match the package version {version} "
            "(code_agent/__init__.py): bump __version__ or fix the tag"
        )
    major, minor, _ = version.split(".")
    return _checked([version, f"{major}.{minor}"])


def _checked(tags: list[str]) -> list[str]:
    unique = list(dict.fromkeys(tags))
    for tag in unique:
        if not is_valid_tag(tag):  # the rules above should make this unreachable
            raise TagPlanError(f"planned tag {tag!r} is not a valid OCI tag")
    return unique
