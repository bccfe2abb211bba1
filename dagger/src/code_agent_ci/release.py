"""Before anything is pushed: the platforms asked for, and the guard against overwriting a release.

Plain Python, no engine. ``guard_registry`` asks any OCI registry (``oci.py``);
``prepare_ecr`` does everything AWS before the test gate (``ecr.py``): credentials, repository,
the same guard, login.
"""

from __future__ import annotations

import re

from . import ecr, oci, tags

PLATFORM = re.compile(r"[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?")


class ReleaseExistsError(RuntimeError):
    """A planned X.Y.Z tag is already in the registry and --force was not given."""


def check_platforms(platforms: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(p.strip() for p in platforms if p.strip()))
    if not wanted:
        raise ValueError("no platform given (e.g. linux/amd64)")
    for platform in wanted:
        if not PLATFORM.fullmatch(platform):
            raise ValueError(f"platform {platform!r} is not os/arch[/variant], e.g. linux/arm64")
    return wanted


def refuse_existing_versions(registry: str, repository: str, taken: list[str], force: bool):
    """The release guard: planned X.Y.Z tags that already exist stop publish unless ``force``."""
    if taken and not force:
        raise ReleaseExistsError(
            f"{registry}/{repository}:{', '.join(taken)} already exists and version tags are "
            "immutable; bump __version__ or pass --force"
        )


def guard_registry(
    registry: str,
    repository: str,
    planned: list[str],
    *,
    force: bool,
    username: str = "",
    password: str | None = None,
) -> None:
    """The release guard for a non-ECR registry, over the OCI distribution API."""
    versions = [tag for tag in planned if tags.is_version_tag(tag)]
    if not versions:
        return
    taken = oci.existing_tags(registry, repository, versions, username=username, password=password)
    refuse_existing_versions(registry, repository, taken, force)


def prepare_ecr(
    *,
    region: str,
    account_id: str,
    repository: str,
    planned: list[str],
    force: bool,
    kms_key: str = "",
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    session_token: str | None = None,
    web_identity_token: str | None = None,
    role_arn: str = "",
    endpoint_url: str | None = None,
) -> ecr.RegistryLogin:
    """Credentials, repository, release guard, login: everything AWS before the gate."""
    creds = ecr.resolve_credentials(
        region,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        web_identity_token=web_identity_token,
        role_arn=role_arn or None,
        endpoint_url=endpoint_url,
    )
    account = account_id or ecr.caller_account(region, creds, endpoint_url)
    client = ecr.ecr_client(region, creds, endpoint_url)
    repo = ecr.ensure_repository(client, repository, registry_id=account, kms_key=kms_key or None)
    versions = [tag for tag in planned if tags.is_version_tag(tag)]
    taken = ecr.existing_tags(client, repository, versions, registry_id=account)
    refuse_existing_versions(repo.uri.split("/")[0], repository, taken, force)
    return ecr.login(client, account)
