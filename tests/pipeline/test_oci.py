"""oci.py: the release guard for non-ECR registries, against a real Distribution registry."""

from __future__ import annotations

import base64

import pytest
from code_agent_ci import oci

from tests.conftest import free_port
from tests.registry_server import REGISTRY_USER, push_test_manifest

pytestmark = [pytest.mark.pipeline, pytest.mark.registry]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_existing_tags_finds_only_pushed_tags(oci_registry):
    push_test_manifest(oci_registry, "guard/open", "1.2.3")

    assert oci.existing_tags(oci_registry, "guard/open", ["1.2.3", "1.2.4", "latest"]) == ["1.2.3"]


def test_existing_tags_of_an_unknown_repository_is_empty(oci_registry):
    assert oci.existing_tags(oci_registry, "guard/never-pushed", ["0.1.0"]) == []


def test_existing_tags_answers_a_basic_auth_challenge(oci_registry_with_auth):
    user, password = REGISTRY_USER
    push_test_manifest(oci_registry_with_auth, "guard/auth", "0.1.0", auth=basic(user, password))

    found = oci.existing_tags(
        oci_registry_with_auth, "guard/auth", ["0.1.0", "0.2.0"], username=user, password=password
    )
    assert found == ["0.1.0"]


def test_wrong_registry_password_is_one_clear_error(oci_registry_with_auth):
    with pytest.raises(oci.RegistryError, match="not authorized"):
        oci.existing_tags(
            oci_registry_with_auth, "guard/auth", ["0.1.0"], username="ci", password="wrong"
        )


def test_registry_asking_for_credentials_without_any_given_is_one_clear_error(
    oci_registry_with_auth,
):
    with pytest.raises(oci.RegistryError, match="needs a user and password"):
        oci.existing_tags(oci_registry_with_auth, "guard/auth", ["0.1.0"])


def test_unreachable_registry_is_one_clear_error():
    with pytest.raises(oci.RegistryError, match="cannot reach registry"):
        oci.existing_tags(f"127.0.0.1:{free_port()}", "x", ["0.1.0"])


@pytest.mark.parametrize(
    ("registry", "url"),
    [
        ("127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("localhost:5000", "http://localhost:5000"),
        ("registry.example.com", "https://registry.example.com"),
        ("10.0.0.5:5000", "https://10.0.0.5:5000"),
    ],
)
def test_plain_http_only_for_loopback_registries(registry, url):
    assert oci.base_url(registry) == url
