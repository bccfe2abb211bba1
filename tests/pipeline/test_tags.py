"""The image tag plan (dagger/src/code_agent_ci/tags.py): every rule, and the inputs it refuses."""

from __future__ import annotations

import pytest
from code_agent_ci.tags import (
    TagPlanError,
    is_valid_tag,
    is_version_tag,
    plan_tags,
    read_package_version,
    slugify,
)

pytestmark = pytest.mark.pipeline

SHA = "0123456789abcdef0123456789abcdef01234567"

# fmt: off
PLANS = [
    # (id, version, branch, git_tag, build_number, commit, expected tags)
    ("release tag -> X.Y.Z and X.Y", "1.4.2", None, "v1.4.2", None, None, ["1.4.2", "1.4"]),
    ("release ignores branch/build/sha", "1.4.2", "main", "v1.4.2", "9", SHA, ["1.4.2", "1.4"]),
    ("release 0.x", "0.1.0", None, "v0.1.0", None, None, ["0.1.0", "0.1"]),
    (
        "main -> latest, main, build, sha",
        "0.1.0", "main", None, "42", SHA,
        ["latest", "main", "build-42", "sha-0123456"],
    ),
    ("main without build number", "0.1.0", "main", None, None, SHA, ["latest", "main", "sha-0123456"]),
    ("main on a laptop (nothing traceable)", "0.1.0", "main", None, None, None, ["latest", "main"]),
    ("build number as int", "0.1.0", "main", None, 7, None, ["latest", "main", "build-7"]),
    ("build number leading zeros", "0.1.0", "develop", None, "007", None, ["develop", "build-7"]),
    ("upper-case commit is lowered", "0.1.0", "develop", None, None, "ABCDEF1", ["develop", "sha-abcdef1"]),
    (
        "develop -> develop, build, sha",
        "0.1.0", "develop", None, "5", SHA,
        ["develop", "build-5", "sha-0123456"],
    ),
    ("feature branch -> slug, sha", "0.1.0", "feature/ABC-12 New UI", None, "5", SHA,
     ["feature-abc-12-new-ui", "sha-0123456"]),
    ("feature branch keeps dots/underscores", "0.1.0", "fix/py3.12_compat", None, None, None,
     ["fix-py3.12_compat"]),
    ("branch named like a version is prefixed", "0.1.0", "1.2.3", None, None, None, ["branch-1.2.3"]),
    ("branch named latest cannot move latest", "0.1.0", "Latest", None, None, None, ["branch-latest"]),
    ("branch named sha-... cannot fake a sha tag", "0.1.0", "sha-deadbee", None, None, None,
     ["branch-sha-deadbee"]),
    ("branch named like X.Y is prefixed", "0.1.0", "release/1.2", None, None, None,
     ["release-1.2"]),
]
# fmt: on


@pytest.mark.parametrize(
    ("version", "branch", "git_tag", "build", "commit", "expected"),
    [p[1:] for p in PLANS],
    ids=[p[0] for p in PLANS],
)
def test_plan_tags_follows_the_rules(version, branch, git_tag, build, commit, expected):
    tags = plan_tags(version, branch=branch, git_tag=git_tag, build_number=build, commit=commit)
    assert tags == expected
    assert all(is_valid_tag(tag) for tag in tags)


# fmt: off
REFUSED = [
    ("no branch and no tag", "0.1.0", None, None, None, None, "nothing to tag"),
    ("blank branch", "0.1.0", "  ", None, None, None, "nothing to tag"),
    ("release tag differs from version", "0.1.0", None, "v0.2.0", None, None,
     "does not match the package version 0.1.0"),
    ("release tag without v", "0.1.0", None, "0.1.0", None, None, "not of the form vX.Y.Z"),
    ("release tag with suffix", "0.1.0", None, "v0.1.0-rc1", None, None, "not of the form vX.Y.Z"),
    ("release tag two parts", "0.1", None, "v0.1", None, None, "not of the form vX.Y.Z"),
    ("pre-release version cannot be released", "0.1.0.dev1", None, "v0.1.0", None, None,
     "not X.Y.Z"),
    ("negative build number", "0.1.0", "main", None, "-1", None, "not a non-negative integer"),
    ("build number not a number", "0.1.0", "main", None, "12a", None, "not a non-negative integer"),
    ("commit not hex", "0.1.0", "main", None, None, "zzzzzzz", "not a hexadecimal git commit"),
    ("commit too short", "0.1.0", "main", None, None, "abc12", "not a hexadecimal git commit"),
    ("branch without usable characters", "0.1.0", "///", None, None, None, "no characters usable"),
]
# fmt: on


@pytest.mark.parametrize(
    ("version", "branch", "git_tag", "build", "commit", "message"),
    [r[1:] for r in REFUSED],
    ids=[r[0] for r in REFUSED],
)
def test_plan_tags_refuses_bad_input_with_one_clear_message(
    version, branch, git_tag, build, commit, message
):
    with pytest.raises(TagPlanError, match=message) as caught:
        plan_tags(version, branch=branch, git_tag=git_tag, build_number=build, commit=commit)
    assert "\n" not in str(caught.value)


def test_slug_of_a_very_long_branch_is_a_valid_tag_of_at_most_128_characters():
    slug = slugify("feature/" + "x" * 300)
    assert len(slug) == 128
    assert is_valid_tag(slug)


def test_slug_never_ends_in_a_separator_after_truncation():
    slug = slugify("a" * 127 + "-b")
    assert len(slug) <= 128 and not slug.endswith(("-", "."))


@pytest.mark.parametrize(
    ("tag", "valid"),
    [
        ("latest", True),
        ("_x", True),
        ("1.2.3", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("-x", False),
        (".x", False),
        ("a/b", False),
        ("", False),
        ("a:b", False),
    ],
)
def test_is_valid_tag_follows_the_oci_grammar(tag, valid):
    assert is_valid_tag(tag) is valid


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("1.2.3", True),
        ("0.1.0", True),
        ("10.20.30", True),
        ("1.2", False),
        ("latest", False),
        ("v1.2.3", False),
        ("01.2.3", False),
        ("1.2.3-rc1", False),
        ("sha-1234567", False),
    ],
)
def test_is_version_tag_recognises_only_immutable_release_tags(tag, expected):
    assert is_version_tag(tag) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"""doc"""\n\n__version__ = "0.1.0"\n', "0.1.0"),
        ("__version__: str = '2.3.4'\n", "2.3.4"),
        ('import os\n__all__ = ["x"]\n__version__ = "1.0.0"  # bumped\n', "1.0.0"),
    ],
)
def test_read_package_version_parses_without_importing(text, expected):
    assert read_package_version(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "VERSION = '1'\n", "__version__ = get()\n", "__version__ = ''\n", "def (:\n"],
)
def test_read_package_version_refuses_files_without_a_version_string(text):
    with pytest.raises(TagPlanError):
        read_package_version(text)


def test_package_version_of_this_repository_plans_a_matching_release(tmp_path):
    from pathlib import Path

    init_py = Path(__file__).resolve().parents[2] / "code_agent" / "__init__.py"
    version = read_package_version(init_py.read_text())
    assert plan_tags(version, git_tag=f"v{version}")[0] == version
