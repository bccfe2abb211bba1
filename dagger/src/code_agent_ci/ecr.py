"""AWS side of publishing: credentials, the ECR repository, registry login, the tag guard.

Plain, synchronous boto3 (the Dagger module calls it off the event loop with
``anyio.to_thread.run_sync``). Every AWS failure becomes one :class:`EcrError` whose message
names the IAM action involved, e.g. ``missing permission ecr:CreateRepository``.
``endpoint_url`` (or boto3's own ``AWS_ENDPOINT_URL``) points everything at a test server.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable
from typing import Any

DEFAULT_SESSION_NAME = "code-agent-ci"

# Error codes AWS uses for "the caller is not allowed to do this".
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
}
# Error codes for "these credentials are not valid (any more)".
_BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "InvalidIdentityToken",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "IDPRejectedClaim",
}


class EcrError(RuntimeError):
    """One clear line about what failed on the AWS side and what to fix."""


@dataclasses.dataclass(frozen=True)
class AwsCredentials:
    access_key_id: str
    secret_access_key: str = dataclasses.field(repr=False)
    session_token: str | None = dataclasses.field(default=None, repr=False)
    source: str = "static"  # static | web-identity | default-chain


@dataclasses.dataclass(frozen=True)
class Repository:
    name: str
    uri: str
    registry_id: str
    created: bool
    scan_on_push: bool
    encryption_type: str
    kms_key: str | None = None


@dataclasses.dataclass(frozen=True)
class RegistryLogin:
    host: str  # e.g. 540845145946.dkr.ecr.us-east-1.amazonaws.com (no scheme)
    username: str
    password: str = dataclasses.field(repr=False)


def aws_error(exc: Exception, action: str) -> EcrError:
    """Turn a botocore exception raised by ``action`` (e.g. ``ecr:CreateRepository``) into one line."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        message = (error.get("Message") or "").strip()
        detail = f" ({code}: {message})" if message else f" ({code})"
        if code in _DENIED:
            return EcrError(f"AWS refused {action}: missing permission {action}{detail}")
        if code in _BAD_CREDENTIALS:
            return EcrError(f"AWS rejected the credentials used for {action}{detail}")
        return EcrError(f"{action} failed{detail}")
    if isinstance(exc, NoCredentialsError):
        return EcrError(f"{action}: no AWS credentials available")
    if isinstance(exc, EndpointConnectionError):
        return EcrError(f"{action}: cannot reach the AWS endpoint ({exc})")
    if isinstance(exc, BotoCoreError):
        return EcrError(f"{action} failed: {exc}")
    return EcrError(f"{action} failed: {exc}")


def _client(service: str, region: str, credentials: AwsCredentials | None, endpoint_url=None):
    import boto3

    kwargs: dict[str, Any] = {"region_name": region}
    if credentials is not None:
        kwargs.update(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return boto3.session.Session().client(service, **kwargs)


def ecr_client(region: str, credentials: AwsCredentials | None, endpoint_url: str | None = None):
    return _client("ecr", region, credentials, endpoint_url)


def resolve_credentials(
    region: str,
    *,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    session_token: str | None = None,
    web_identity_token: str | None = None,
    role_arn: str | None = None,
    role_session_name: str = DEFAULT_SESSION_NAME,
    endpoint_url: str | None = None,
) -> AwsCredentials:
    """Static keys, else a web identity token exchanged for a role, else boto3's default chain.

    Giving half of a pair (key id without secret, token without role) is an error rather than
    a silent fall-through to another source.
    """
    if not region:
        raise EcrError("no AWS region given (ours: us-east-1)")
    if access_key_id or secret_access_key:
        if not (access_key_id and secret_access_key):
            raise EcrError("static AWS credentials need both an access key id and a secret key")
        if web_identity_token:
            raise EcrError("give either static AWS keys or a web identity token, not both")
        return AwsCredentials(access_key_id, secret_access_key, session_token or None, "static")
    if session_token:
        raise EcrError("an AWS session token needs an access key id and a secret key")
    if web_identity_token or role_arn:
        if not (web_identity_token and role_arn):
            raise EcrError("web identity needs both the token and the role ARN to assume")
        return _assume_role_with_web_identity(
            region, web_identity_token.strip(), role_arn, role_session_name, endpoint_url
        )
    return _default_chain(region)


def _assume_role_with_web_identity(region, token, role_arn, session_name, endpoint_url):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    # AssumeRoleWithWebIdentity is an unsigned call: the token is the credential.
    kwargs: dict[str, Any] = {"region_name": region, "config": Config(signature_version=UNSIGNED)}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    sts = boto3.session.Session().client("sts", **kwargs)
    try:
        response = sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName=session_name, WebIdentityToken=token
        )
    except Exception as exc:
        raise aws_error(exc, "sts:AssumeRoleWithWebIdentity") from exc
    creds = response["Credentials"]
    return AwsCredentials(
        creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], "web-identity"
    )


def _default_chain(region: str) -> AwsCredentials:
    import boto3

    found = boto3.session.Session(region_name=region).get_credentials()
    if found is None:
        raise EcrError(
            "no AWS credentials: pass an access key id and secret key, or a web identity "
            "token with a role ARN"
        )
    frozen = found.get_frozen_credentials()
    return AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token, "default-chain")


def caller_account(
    region: str, credentials: AwsCredentials | None, endpoint_url: str | None = None
) -> str:
    """The account id the credentials belong to (used when no account id is given)."""
    sts = _client("sts", region, credentials, endpoint_url)
    try:
        return sts.get_caller_identity()["Account"]
    except Exception as exc:
        raise aws_error(exc, "sts:GetCallerIdentity") from exc


def ensure_repository(
    client,
    name: str,
    *,
    registry_id: str | None = None,
    kms_key: str | None = None,
    scan_on_push: bool = True,
) -> Repository:
    """The repository, created with scan on push and encryption when missing (idempotent).

    Looks first (``ecr:DescribeRepositories``) so a role without ``ecr:CreateRepository`` can
    still publish to a repository that exists. An existing repository is left as it is.
    """
    ids = {"registryId": registry_id} if registry_id else {}
    try:
        found = client.describe_repositories(repositoryNames=[name], **ids)["repositories"]
        return _repository(found[0], created=False)
    except client.exceptions.RepositoryNotFoundException:
        pass
    except Exception as exc:
        raise aws_error(exc, "ecr:DescribeRepositories") from exc

    encryption = (
        {"encryptionType": "KMS", "kmsKey": kms_key} if kms_key else {"encryptionType": "AES256"}
    )
    try:
        created = client.create_repository(
            repositoryName=name,
            imageTagMutability="MUTABLE",  # latest/main/develop move; X.Y.Z is guarded instead
            imageScanningConfiguration={"scanOnPush": scan_on_push},
            encryptionConfiguration=encryption,
            tags=[{"Key": "managed-by", "Value": "code-agent-ci"}],
            **ids,
        )["repository"]
    except client.exceptions.RepositoryAlreadyExistsException:  # lost a race: fine
        found = client.describe_repositories(repositoryNames=[name], **ids)["repositories"]
        return _repository(found[0], created=False)
    except Exception as exc:
        raise aws_error(exc, "ecr:CreateRepository") from exc
    return _repository(created, created=True)


def _repository(data: dict[str, Any], *, created: bool) -> Repository:
    encryption = data.get("encryptionConfiguration") or {}
    return Repository(
        name=data["repositoryName"],
        uri=data["repositoryUri"],
        registry_id=data["registryId"],
        created=created,
        scan_on_push=bool(data.get("imageScanningConfiguration", {}).get("scanOnPush")),
        encryption_type=encryption.get("encryptionType", "AES256"),
        kms_key=encryption.get("kmsKey"),
    )


def login(client, registry_id: str | None = None) -> RegistryLogin:
    """Registry host, user and password from ``ecr:GetAuthorizationToken``."""
    ids = {"registryIds": [registry_id]} if registry_id else {}
    try:
        data = client.get_authorization_token(**ids)["authorizationData"][0]
    except Exception as exc:
        raise aws_error(exc, "ecr:GetAuthorizationToken") from exc
    return decode_authorization(data["authorizationToken"], data["proxyEndpoint"])


def decode_authorization(token: str, proxy_endpoint: str) -> RegistryLogin:
    """``base64("user:password")`` and ``https://host`` -> :class:`RegistryLogin`."""
    try:
        username, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise EcrError(
            "ECR returned an authorization token that is not base64 user:password"
        ) from None
    if not sep or not username or not password:
        raise EcrError("ECR returned an authorization token without user:password")
    host = proxy_endpoint.removeprefix("https://").removeprefix("http://").rstrip("/")
    return RegistryLogin(host=host, username=username, password=password)


def existing_tags(
    client, repository: str, tags: Iterable[str], *, registry_id: str | None = None
) -> list[str]:
    """Which of ``tags`` already exist in ``repository`` (in the order given)."""
    ids = {"registryId": registry_id} if registry_id else {}
    present = []
    for tag in dict.fromkeys(tags):
        try:
            client.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}], **ids)
        except client.exceptions.ImageNotFoundException:
            continue
        except client.exceptions.RepositoryNotFoundException:
            return []
        except Exception as exc:
            raise aws_error(exc, "ecr:DescribeImages") from exc
        present.append(tag)
    return present
