# /// script
# requires-python = ">=3.11"
# dependencies = ["boto3>=1.34", "packaging>=23"]
# ///
"""Helpers for scripts/publish_codeartifact.sh: version, staging, and the CodeArtifact calls.

Kept in Python because these are the parts with rules (PEP 440 versions) or an AWS API (boto3),
and so they can be tested in-process. The shell script runs it with ``uv run --script`` (the
dependencies above) or with ``$CODEARTIFACT_PYTHON`` when a suitable interpreter is at hand.

Sub-commands (each prints its result on stdout, errors as one line on stderr):
  version   the version to publish, from --package-version, --tag or --build-number
  stage     copy the source tree to a scratch directory and stamp the version there
  prepare   set the package origin controls, then print the upload URL and a token (2 lines)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "code-agent"
VERSION_FILE = Path("code_agent") / "__init__.py"
VERSION_RE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)
# Publish directly, never take versions of this name from an upstream (PyPI has an unrelated
# package called code-agent): https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html
ORIGIN_RESTRICTIONS = {"publish": "ALLOW", "upstream": "BLOCK"}
# Never copied into the staging tree (git's ignore rules cover the rest when git is there).
STAGE_SKIP = {
    ".git",
    ".venv",
    "dist",
    "build",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    ".airgap",
    ".mypy_cache",
    "node_modules",
}


class UsageError(Exception):
    """Bad input: reported as one line, exit status 2."""


# --- version ---------------------------------------------------------------------------------


def read_package_version(source: Path) -> str:
    text = (source / VERSION_FILE).read_text(encoding="utf-8")
    match = VERSION_RE.search(text)
    if not match:
        raise UsageError(f'no __version__ = "..." line in {source / VERSION_FILE}')
    return match.group(1)


def _parse(version: str, what: str):
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version)
    except InvalidVersion:
        raise UsageError(f"{what} {version!r} is not a PEP 440 version") from None


def compute_version(
    package_version: str,
    *,
    explicit: str = "",
    tag: str = "",
    build_number: str = "",
) -> str:
    """The version to upload.

    - ``explicit`` (PACKAGE_VERSION) wins: any PEP 440 public version.
    - ``tag`` (BITBUCKET_TAG, ``vX.Y.Z``) must name exactly the package version.
    - ``build_number`` (BITBUCKET_BUILD_NUMBER) gives ``X.Y.Z.devN``: a PEP 440 development
      release, unique per build and without a local ``+`` part (package indexes reject those).
    """
    base = _parse(package_version, "package version")
    if base.local:
        raise UsageError(
            f"package version {package_version} has a local part (+...): "
            "package indexes reject those"
        )
    if explicit:
        version = _parse(explicit, "PACKAGE_VERSION")
        if version.local:
            raise UsageError(
                f"PACKAGE_VERSION {explicit} has a local part (+...): "
                "package indexes reject those; use X.Y.Z.devN instead"
            )
        return str(version)
    if tag:
        if not re.fullmatch(r"v\d+(\.\d+)*\S*", tag):
            raise UsageError(
                f"tag {tag!r} is not a release tag (expected v<version>, e.g. v{package_version})"
            )
        tagged = _parse(tag[1:], "tag")
        if tagged != base or tag[1:] != package_version:  # exactly, not just equal in PEP 440
            raise UsageError(
                f"tag {tag} does not match the package version {package_version} "
                f"in {VERSION_FILE}: bump __version__ or tag v{package_version}"
            )
        return package_version
    if build_number:
        if not build_number.isdigit():
            raise UsageError(f"build number {build_number!r} is not a whole number")
        release = base.public.split(".dev")[0]  # X.Y.Z[aN|bN|rcN][.postN], no dev part
        return f"{release}.dev{int(build_number)}"
    raise UsageError(
        "no version source: set BITBUCKET_TAG, BITBUCKET_BUILD_NUMBER or PACKAGE_VERSION"
    )


# --- stage -------------------------------------------------------------------------------------


def _source_files(source: Path) -> list[Path]:
    """Files of the working tree as git sees them (tracked + untracked, not ignored)."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(source),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(source):
            dirs[:] = [d for d in dirs if d not in STAGE_SKIP]
            files += [Path(root, name).relative_to(source) for name in names]
        return files
    return [Path(p) for p in out.decode().split("\0") if p]


def stage(source: Path, dest: Path, version: str) -> Path:
    """Copy the tree to ``dest`` and stamp ``version`` there; the working tree is not touched."""
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"staging directory {dest} is not empty")
    for rel in _source_files(source):
        if any(part in STAGE_SKIP for part in rel.parts):
            continue
        src = source / rel
        if not src.is_file():  # deleted in the working tree, or a submodule
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    init = dest / VERSION_FILE
    text = init.read_text(encoding="utf-8")
    stamped, count = VERSION_RE.subn(f'__version__ = "{version}"', text, count=1)
    if count != 1:
        raise UsageError(f"could not stamp the version into {init}")
    init.write_text(stamped, encoding="utf-8")
    if read_package_version(dest) != version:
        raise UsageError(f"stamped version in {init} does not read back as {version}")
    return dest


# --- CodeArtifact ------------------------------------------------------------------------------


def codeartifact_client(region: str):
    import boto3  # heavy: only for the AWS sub-command

    # AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_CODEARTIFACT) is honoured by botocore itself.
    return boto3.client("codeartifact", region_name=region)


def set_origin_controls(client, *, domain: str, owner: str, repository: str) -> dict:
    """Publish ALLOW, upstream BLOCK for code-agent. Idempotent; creates the package if needed."""
    response = client.put_package_origin_configuration(
        domain=domain,
        domainOwner=owner,
        repository=repository,
        format="pypi",
        package=PACKAGE,
        restrictions=dict(ORIGIN_RESTRICTIONS),
    )
    restrictions = response["originConfiguration"]["restrictions"]
    if restrictions != ORIGIN_RESTRICTIONS:
        raise RuntimeError(f"CodeArtifact kept origin restrictions {restrictions} for {PACKAGE}")
    return restrictions


def repository_url(client, *, domain: str, owner: str, repository: str) -> str:
    response = client.get_repository_endpoint(
        domain=domain, domainOwner=owner, repository=repository, format="pypi"
    )
    return response["repositoryEndpoint"]


def authorization_token(client, *, domain: str, owner: str, duration: int = 1800) -> str:
    response = client.get_authorization_token(
        domain=domain, domainOwner=owner, durationSeconds=duration
    )
    return response["authorizationToken"]


def prepare(client, *, domain: str, owner: str, repository: str) -> tuple[str, str]:
    """Origin controls first (so even the first upload is protected), then URL and token."""
    set_origin_controls(client, domain=domain, owner=owner, repository=repository)
    url = repository_url(client, domain=domain, owner=owner, repository=repository)
    token = authorization_token(client, domain=domain, owner=owner)
    return url, token


# --- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codeartifact.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_version = sub.add_parser("version", help="print the version to publish")
    p_version.add_argument("--source", type=Path, default=Path("."))
    p_version.add_argument("--package-version", default="")
    p_version.add_argument("--tag", default="")
    p_version.add_argument("--build-number", default="")

    p_stage = sub.add_parser("stage", help="copy the tree and stamp the version")
    p_stage.add_argument("--source", type=Path, default=Path("."))
    p_stage.add_argument("--dest", type=Path, required=True)
    p_stage.add_argument("--version", required=True)

    p_prepare = sub.add_parser("prepare", help="origin controls, then URL and token")
    p_prepare.add_argument("--domain", required=True)
    p_prepare.add_argument("--owner", required=True)
    p_prepare.add_argument("--repository", required=True)
    p_prepare.add_argument("--region", required=True)

    args = parser.parse_args(argv)
    try:
        if args.command == "version":
            print(
                compute_version(
                    read_package_version(args.source),
                    explicit=args.package_version,
                    tag=args.tag,
                    build_number=args.build_number,
                )
            )
        elif args.command == "stage":
            _parse(args.version, "version")
            print(stage(args.source, args.dest, args.version))
        else:
            from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

            client = codeartifact_client(args.region)
            try:
                url, token = prepare(
                    client, domain=args.domain, owner=args.owner, repository=args.repository
                )
            except NoCredentialsError:
                print(
                    "codeartifact: no AWS credentials: set AWS_PROFILE (laptop) or "
                    "AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (pipeline)",
                    file=sys.stderr,
                )
                return 5
            except (BotoCoreError, ClientError) as exc:
                print(f"codeartifact: {exc}", file=sys.stderr)
                return 5
            print(url)
            print(token)
    except UsageError as exc:
        print(f"codeartifact: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
