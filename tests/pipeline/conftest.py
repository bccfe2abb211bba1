"""Fixtures for the pipeline tests: real Distribution registries on free 127.0.0.1 ports."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import skip_or_fail
from tests.registry_server import REGISTRY_BINARY, REGISTRY_USER, start_registry, stop


@pytest.fixture(scope="session")
def oci_registry(tmp_path_factory) -> Iterator[str]:
    """An open registry on 127.0.0.1:<free port>; yields host:port."""
    if not os.access(REGISTRY_BINARY, os.X_OK):
        skip_or_fail(f"{REGISTRY_BINARY} missing (apt-get install docker-registry)")
    process, address = start_registry(tmp_path_factory.mktemp("registry-open"), None)
    try:
        yield address
    finally:
        stop(process)


@pytest.fixture(scope="session")
def oci_registry_with_auth(tmp_path_factory) -> Iterator[str]:
    """A registry that wants HTTP Basic (htpasswd, bcrypt) as ``REGISTRY_USER``."""
    if not os.access(REGISTRY_BINARY, os.X_OK):
        skip_or_fail(f"{REGISTRY_BINARY} missing (apt-get install docker-registry)")
    from passlib.hash import bcrypt

    root = tmp_path_factory.mktemp("registry-auth")
    user, password = REGISTRY_USER
    (root / "htpasswd").write_text(f"{user}:{bcrypt.using(ident='2y').hash(password)}\n")
    auth = {"htpasswd": {"realm": "code-agent-tests", "path": str(root / "htpasswd")}}
    process, address = start_registry(root, auth)
    try:
        yield address
    finally:
        stop(process)
