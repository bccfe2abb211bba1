"""ecr.py against a real moto server over HTTP; a botocore Stubber only for errors moto can't make."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from code_agent_ci import ecr
from code_agent_ci.release import ReleaseExistsError, prepare_ecr

pytestmark = [pytest.mark.pipeline, pytest.mark.aws]

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/bitbucket-oidc"
OIDC_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ7cmVwb30ifQ.signature"


@pytest.fixture
def clean_aws(monkeypatch, tmp_path: Path):
    """No trace of the developer's AWS set-up; static fake keys for moto."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def creds(clean_aws) -> ecr.AwsCredentials:
    return ecr.AwsCredentials("AKIATESTTESTTEST", "secret", None)


@pytest.fixture
def client(moto_server: str, creds):
    return ecr.ecr_client(REGION, creds, moto_server)


@pytest.fixture
def repo_name(request) -> str:
    """A repository name unique to the test (the moto server lives for the whole session)."""
    return "ca-" + request.node.name.lower().replace("_", "-")[:60].strip("-")


def put_manifest(client, repository: str, tag: str) -> None:
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": 2,
            "digest": "sha256:" + "4" * 64,
        },
        "layers": [],
    }
    client.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)


def test_ensure_repository_creates_it_once_then_finds_it(client, repo_name):
    first = ecr.ensure_repository(client, repo_name)
    second = ecr.ensure_repository(client, repo_name)

    assert first.created is True
    assert second.created is False
    assert first.uri == second.uri == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repo_name}"
    names = [r["repositoryName"] for r in client.describe_repositories()["repositories"]]
    assert names.count(repo_name) == 1


def test_new_repository_scans_on_push_and_is_encrypted_with_aes256(client, repo_name):
    ecr.ensure_repository(client, repo_name)

    stored = client.describe_repositories(repositoryNames=[repo_name])["repositories"][0]
    assert stored["imageScanningConfiguration"] == {"scanOnPush": True}
    assert stored["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert stored["imageTagMutability"] == "MUTABLE"


def test_new_repository_uses_the_kms_key_when_given(client, repo_name):
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    repo = ecr.ensure_repository(client, repo_name, kms_key=key)

    stored = client.describe_repositories(repositoryNames=[repo_name])["repositories"][0]
    assert stored["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key}
    assert (repo.encryption_type, repo.kms_key) == ("KMS", key)


def test_login_decodes_the_authorization_token_into_host_user_password(client):
    raw = client.get_authorization_token(registryIds=[ACCOUNT])["authorizationData"][0]
    user, _, password = base64.b64decode(raw["authorizationToken"]).decode().partition(":")

    login = ecr.login(client, ACCOUNT)

    assert login.host == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    assert (login.username, login.password) == (user, password) == ("AWS", password)
    assert password and password not in repr(login)


@pytest.mark.parametrize(
    "token",
    ["not base64!", base64.b64encode(b"no-colon").decode(), base64.b64encode(b":pw").decode()],
)
def test_decode_authorization_refuses_a_malformed_token(token):
    with pytest.raises(ecr.EcrError, match="authorization token"):
        ecr.decode_authorization(token, "https://example.com")


def test_web_identity_token_is_exchanged_for_role_credentials_through_sts(moto_server, clean_aws):
    creds = ecr.resolve_credentials(
        REGION, web_identity_token=OIDC_TOKEN + "\n", role_arn=ROLE_ARN, endpoint_url=moto_server
    )

    assert creds.source == "web-identity"
    assert creds.access_key_id.startswith("ASIA") and creds.session_token
    assert ecr.caller_account(REGION, creds, moto_server) == ACCOUNT
    assert creds.secret_access_key not in repr(creds)


def test_static_credentials_are_used_as_given(clean_aws):
    creds = ecr.resolve_credentials(
        REGION, access_key_id="AKIAX", secret_access_key="s3cr3t", session_token="tok"
    )
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        "AKIAX",
        "s3cr3t",
        "tok",
    )
    assert creds.source == "static"


def test_default_chain_is_used_when_no_credentials_are_passed(clean_aws, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-env")

    creds = ecr.resolve_credentials(REGION)

    assert (creds.access_key_id, creds.source) == ("AKIAFROMENV", "default-chain")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"access_key_id": "AKIAX"}, "need both an access key id and a secret key"),
        ({"secret_access_key": "s"}, "need both an access key id and a secret key"),
        ({"session_token": "t"}, "session token needs an access key id"),
        ({"web_identity_token": OIDC_TOKEN}, "needs both the token and the role ARN"),
        ({"role_arn": ROLE_ARN}, "needs both the token and the role ARN"),
        (
            {"access_key_id": "A", "secret_access_key": "s", "web_identity_token": OIDC_TOKEN},
            "not both",
        ),
        ({}, "no AWS credentials"),
    ],
)
def test_incomplete_or_missing_credentials_are_one_clear_error(clean_aws, kwargs, message):
    with pytest.raises(ecr.EcrError, match=message) as caught:
        ecr.resolve_credentials(REGION, **kwargs)
    assert "\n" not in str(caught.value)


def test_existing_tags_reports_only_tags_present_in_the_repository(client, repo_name):
    ecr.ensure_repository(client, repo_name)
    put_manifest(client, repo_name, "0.1.0")

    assert ecr.existing_tags(client, repo_name, ["0.1.0", "0.2.0", "0.1"]) == ["0.1.0"]


def test_existing_tags_of_a_missing_repository_is_empty(client):
    assert ecr.existing_tags(client, "ca-never-created", ["0.1.0"]) == []


def test_prepare_ecr_refuses_to_overwrite_an_existing_version_tag(
    moto_server, clean_aws, repo_name
):
    client = ecr.ecr_client(REGION, ecr.AwsCredentials("AKIAX", "s"), moto_server)
    ecr.ensure_repository(client, repo_name)
    put_manifest(client, repo_name, "0.1.0")
    args = {
        "region": REGION,
        "account_id": ACCOUNT,
        "repository": repo_name,
        "planned": ["0.1.0", "0.1"],
        "access_key_id": "AKIAX",
        "secret_access_key": "s",
        "endpoint_url": moto_server,
    }

    with pytest.raises(ReleaseExistsError, match=rf"/{repo_name}:0.1.0 already exists.*--force"):
        prepare_ecr(force=False, **args)
    assert prepare_ecr(force=True, **args).host == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def test_prepare_ecr_lets_moving_tags_be_republished(moto_server, clean_aws, repo_name):
    client = ecr.ecr_client(REGION, ecr.AwsCredentials("AKIAX", "s"), moto_server)
    ecr.ensure_repository(client, repo_name)
    put_manifest(client, repo_name, "latest")

    login = prepare_ecr(
        region=REGION,
        account_id="",
        repository=repo_name,
        planned=["latest", "main"],
        force=False,
        web_identity_token=OIDC_TOKEN,
        role_arn=ROLE_ARN,
        endpoint_url=moto_server,
    )
    assert login.username == "AWS"


def test_prepare_ecr_creates_the_repository_through_web_identity(moto_server, clean_aws, repo_name):
    prepare_ecr(
        region=REGION,
        account_id=ACCOUNT,
        repository=repo_name,
        planned=["develop"],
        force=False,
        web_identity_token=OIDC_TOKEN,
        role_arn=ROLE_ARN,
        endpoint_url=moto_server,
    )
    client = ecr.ecr_client(REGION, ecr.AwsCredentials("AKIAX", "s"), moto_server)
    stored = client.describe_repositories(repositoryNames=[repo_name])["repositories"][0]
    assert stored["imageScanningConfiguration"]["scanOnPush"] is True


def test_aws_errors_name_the_action_even_for_bad_parameters(client):
    with pytest.raises(ecr.EcrError, match=r"^ecr:DescribeRepositories failed"):
        ecr.ensure_repository(client, "x")  # ECR names need at least 2 characters


# --- Stubber: moto does not enforce IAM, so it cannot produce AccessDenied ------------------


def stubbed_client():
    from botocore.stub import Stubber

    client = ecr.ecr_client(REGION, ecr.AwsCredentials("AKIAX", "s"))
    return client, Stubber(client)


def test_stubber_access_denied_on_create_repository_names_the_missing_permission(clean_aws):
    client, stub = stubbed_client()
    stub.add_client_error(
        "describe_repositories", "RepositoryNotFoundException", "The repository does not exist"
    )
    stub.add_client_error(
        "create_repository",
        "AccessDeniedException",
        "User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: ecr:CreateRepository",
        http_status_code=400,
    )
    with stub, pytest.raises(ecr.EcrError) as caught:
        ecr.ensure_repository(client, "code-agent")

    message = str(caught.value)
    assert "missing permission ecr:CreateRepository" in message
    assert "\n" not in message


def test_stubber_access_denied_on_login_names_the_missing_permission(clean_aws):
    client, stub = stubbed_client()
    stub.add_client_error("get_authorization_token", "AccessDeniedException", "denied")
    with stub, pytest.raises(ecr.EcrError, match="missing permission ecr:GetAuthorizationToken"):
        ecr.login(client)


def test_stubber_expired_token_is_reported_as_rejected_credentials(clean_aws):
    client, stub = stubbed_client()
    stub.add_client_error("describe_images", "ExpiredTokenException", "token expired")
    with stub, pytest.raises(ecr.EcrError, match="rejected the credentials used for ecr:Desc"):
        ecr.existing_tags(client, "code-agent", ["0.1.0"])
