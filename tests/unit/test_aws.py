"""Credential-source resolution as boto3 sees it (in-process, no network), and how STS errors
become AwsConfigError. The STS answers moto cannot give (expired token, access denied) come
from a botocore Stubber; the real STS round trips are in tests/integration/test_doctor_cli.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from code_agent.core import aws
from code_agent.exceptions import AwsConfigError


@pytest.fixture
def clean_aws(monkeypatch, tmp_path) -> Path:
    """No AWS_* from the developer's shell; config files in tmp_path; no instance metadata."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_environment_keys_are_source_environment_with_masked_key(clean_aws, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY123456")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    info = aws.describe(aws.new_session())
    assert info.credentials.source == "environment"
    assert info.credentials.botocore_method == "env"
    assert info.credentials.access_key_id == "****************3456"
    assert info.region == "eu-west-1"
    assert "secret" not in repr(info)


def test_shared_credentials_file_profile_reports_the_file_path(clean_aws, monkeypatch):
    (clean_aws / "credentials").write_text(
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")
    info = aws.describe(aws.new_session())
    assert info.credentials.source == "shared-credentials-file"
    assert info.credentials.path == str(clean_aws / "credentials")
    assert info.credentials.profile == "dev"
    assert info.profiles == ["dev"]
    assert info.shared_credentials_file.exists and info.shared_credentials_file.readable


def test_keys_in_config_file_are_source_config_file(clean_aws):
    (clean_aws / "config").write_text(
        "[default]\nregion = us-east-2\naws_access_key_id = AKIACFG\naws_secret_access_key = s\n"
    )
    info = aws.describe(aws.new_session())
    assert (info.credentials.source, info.credentials.path) == (
        "config-file",
        str(clean_aws / "config"),
    )
    assert info.region == "us-east-2"


def test_web_identity_is_resolved_without_calling_sts(clean_aws, monkeypatch):
    token = clean_aws / "token"
    token.write_text("a-jwt")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Nothing listens here: if describe() fetched the credentials it would fail.
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    info = aws.describe(aws.new_session())
    creds = info.credentials
    assert creds.source == "assume-role-with-web-identity"
    assert creds.path == str(token) and creds.role_arn == "arn:aws:iam::123456789012:role/ci"
    assert creds.access_key_id is None and creds.error is None
    assert info.web_identity_token_file.readable


def test_no_credentials_anywhere_is_source_none(clean_aws):
    info = aws.describe(aws.new_session())
    assert info.credentials.source == "none" and info.credentials.error is None


def test_missing_profile_is_recorded_not_raised(clean_aws, monkeypatch):
    (clean_aws / "config").write_text("[profile dev]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    info = aws.describe(aws.new_session())
    assert info.credentials.source == "none"
    assert info.credentials.error.startswith("profile 'prod' is not in ")
    assert info.profiles == ["dev"]


def test_half_set_environment_keys_are_an_error_not_a_crash(clean_aws, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAONLYHALF")
    info = aws.describe(aws.new_session())
    assert info.credentials.source == "none"
    assert (
        info.credentials.error == "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
    )


def test_endpoint_url_from_environment_is_reported(clean_aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert aws.describe(aws.new_session()).endpoint_url == "http://127.0.0.1:5000"


def test_no_credentials_raises_aws_config_error_with_the_given_hint(clean_aws, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    session = aws.new_session()
    info = aws.describe(session)
    with pytest.raises(AwsConfigError) as caught:
        aws.caller_identity(session, info, missing_hint="mount ~/.aws")
    assert caught.value.exit_code == 5
    assert caught.value.message == "boto3 found no AWS credentials"
    assert caught.value.hint == "mount ~/.aws"


def test_no_region_with_a_custom_endpoint_raises_aws_config_error(clean_aws, monkeypatch):
    # Without an endpoint botocore falls back to STS's global endpoint; with one it needs a region.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAX")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    session = aws.new_session()
    with pytest.raises(AwsConfigError) as caught:
        aws.caller_identity(session, aws.describe(session), missing_hint="-")
    assert caught.value.message == (
        "no AWS region for boto3: AWS_REGION=eu-west-1 is set, but boto3 ignores it"
    )
    assert "AWS_DEFAULT_REGION" in caught.value.hint


def stubbed_sts(session):
    """An STS client whose answers come from a botocore Stubber (moto cannot expire tokens)."""
    from botocore.stub import Stubber

    client = session.create_client("sts", region_name="us-east-1")
    return client, Stubber(client)


@pytest.mark.parametrize(
    ("code", "hint_part"),
    [
        ("ExpiredToken", "has expired"),
        ("SignatureDoesNotMatch", "secret access key"),
        ("AccessDenied", "trust policy"),
    ],
)
def test_botocore_stubber_sts_rejection_becomes_one_line_error_with_hint(
    clean_aws, monkeypatch, code, hint_part
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAX")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    session = aws.new_session()
    info = aws.describe(session)
    client, stubber = stubbed_sts(session)
    stubber.add_client_error("get_caller_identity", code, "The security token is bad.\nline 2")
    with stubber, pytest.raises(AwsConfigError) as caught:
        aws.caller_identity(session, info, missing_hint="-", client=client)
    error = caught.value
    assert error.exit_code == 5
    assert error.message.startswith("AWS rejected the credentials from environment ")
    assert f"{code}: The security token is bad." in error.message
    assert hint_part in error.hint


def test_botocore_stubber_identity_answer_is_returned_without_response_metadata(clean_aws):
    session = aws.new_session()
    client, stubber = stubbed_sts(session)
    stubber.add_response(
        "get_caller_identity",
        {"Account": "540845145946", "Arn": "arn:aws:iam::540845145946:user/ci", "UserId": "AIDA1"},
    )
    with stubber:
        identity = aws.caller_identity(
            session, aws.describe(session), missing_hint="-", client=client
        )
    assert identity == {
        "Account": "540845145946",
        "Arn": "arn:aws:iam::540845145946:user/ci",
        "UserId": "AIDA1",
    }


def test_unreachable_endpoint_raises_aws_config_error(clean_aws, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAX")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    url = closed_port_url()
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    session = aws.new_session()
    with pytest.raises(AwsConfigError) as caught:
        aws.caller_identity(session, aws.describe(session), missing_hint="-")
    assert url in caught.value.message and "AWS_ENDPOINT_URL" in caught.value.hint


def test_missing_web_identity_token_file_raises_aws_config_error_naming_it(clean_aws, monkeypatch):
    missing = clean_aws / "no-token"
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(missing))
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    session = aws.new_session()
    with pytest.raises(AwsConfigError) as caught:
        aws.caller_identity(session, aws.describe(session), missing_hint="-")
    assert caught.value.message.startswith(
        f"cannot use the AWS credentials from assume-role-with-web-identity ({missing})"
    )
    assert "\n" not in caught.value.message


def test_boto3_is_not_imported_by_describe():
    import subprocess
    import sys

    code = (
        "import sys; from code_agent.core import aws; aws.describe(aws.new_session()); "
        "print('boto3' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert result.stdout.strip() == "False"
