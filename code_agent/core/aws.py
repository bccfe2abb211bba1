"""AWS as boto3 sees it: which credential source it resolves, and who those credentials are.

botocore/boto3 are imported inside the functions: `code-agent --version` must not pay for them.
Resolving the credential source makes no AWS API call (web identity, SSO and assume-role
credentials are fetched lazily, and only ``caller_identity`` touches them); like boto3 itself it
may ask a container or instance metadata endpoint when nothing else provides credentials.
Errors become ``AwsConfigError`` (exit 5) with one line and a hint, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from code_agent.exceptions import AwsConfigError
from code_agent.models.doctor import AwsCredentials, AwsInfo, FileStatus

if TYPE_CHECKING:
    from botocore.session import Session

# botocore's credential "method" -> the name code-agent reports (documented in the README).
SOURCE_NAMES: dict[str, str] = {
    "env": "environment",
    "shared-credentials-file": "shared-credentials-file",
    "config-file": "config-file",
    "assume-role": "assume-role",
    "assume-role-with-web-identity": "assume-role-with-web-identity",
    "sso": "sso",
    "custom-process": "process",
    "container-role": "container-role",
    "iam-role": "instance-role",
    "boto-config": "boto-config",
    "ec2-credentials-file": "ec2-credentials-file",
    "login": "login",
    "explicit": "explicit",
}
NO_CREDENTIALS = "none"

# The STS call is a health check: fail in seconds, not after botocore's long default retries.
_STS_RETRIES = {"max_attempts": 2, "mode": "standard"}
_STS_TIMEOUTS = {"connect_timeout": 5, "read_timeout": 15}


def one_line(error: BaseException) -> str:
    """An exception's message on one line (botocore messages can carry a response body)."""
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."


def new_session() -> Session:
    """A botocore session configured exactly as boto3's default session would be."""
    import botocore.session

    return botocore.session.Session()


def file_status(path: str | None) -> FileStatus | None:
    if not path:
        return None
    exists = os.path.isfile(path)
    return FileStatus(path=path, exists=exists, readable=exists and os.access(path, os.R_OK))


def _config_path(session: Session, name: str) -> str | None:
    value = session.get_config_variable(name)
    return os.path.expanduser(value) if value else None


def _mask(access_key_id: str | None) -> str | None:
    if not access_key_id:
        return None
    return "*" * max(len(access_key_id) - 4, 0) + access_key_id[-4:]


def describe(session: Session, environ: Mapping[str, str] | None = None) -> AwsInfo:
    """What boto3 would use: credential source (with its file and role), region, endpoint.

    Never raises for a broken configuration: the reason lands in ``credentials.error``.
    """
    from botocore.credentials import RefreshableCredentials
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    env = os.environ if environ is None else environ
    credentials = AwsCredentials(source=NO_CREDENTIALS, profile=session.profile)
    info = AwsInfo(
        credentials=credentials,
        config_file=file_status(_config_path(session, "config_file")),
        shared_credentials_file=file_status(_config_path(session, "credentials_file")),
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
    )
    try:
        info.profiles = sorted(session.available_profiles)
        scoped: dict[str, Any] = session.get_scoped_config()
        info.region = session.get_config_variable("region")
        info.endpoint_url = info.endpoint_url or scoped.get("endpoint_url")
        token_file = env.get("AWS_WEB_IDENTITY_TOKEN_FILE") or scoped.get("web_identity_token_file")
        info.web_identity_token_file = file_status(token_file)
        resolved = session.get_credentials()
    except ProfileNotFound:
        where = " or ".join(f.path for f in (info.config_file, info.shared_credentials_file) if f)
        credentials.error = (
            f"profile {session.profile!r} is not in {where or 'any AWS config file'}"
        )
        return info
    except BotoCoreError as error:  # PartialCredentialsError, unparsable config, ...
        credentials.error = one_line(error)
        return info
    if resolved is None:
        return info

    credentials.botocore_method = resolved.method
    credentials.source = SOURCE_NAMES.get(resolved.method, resolved.method)
    if resolved.method == "shared-credentials-file" and info.shared_credentials_file:
        credentials.path = info.shared_credentials_file.path
    elif (
        resolved.method in ("config-file", "assume-role", "sso", "custom-process")
        and info.config_file
    ):
        credentials.path = info.config_file.path
    elif resolved.method == "assume-role-with-web-identity" and info.web_identity_token_file:
        credentials.path = info.web_identity_token_file.path
    if resolved.method in ("assume-role", "assume-role-with-web-identity"):
        credentials.role_arn = env.get("AWS_ROLE_ARN") or scoped.get("role_arn")
    if not isinstance(resolved, RefreshableCredentials):
        # Reading the key of refreshable credentials would fetch them (an AWS call): static only.
        credentials.access_key_id = _mask(resolved.access_key)
    return info


def missing_credentials_hint(info: AwsInfo, *, container: bool, home: str | None) -> str:
    """One line telling the user how to give boto3 credentials, phrased for where they are."""
    credentials_path = info.shared_credentials_file.path if info.shared_credentials_file else None
    default_path = os.path.join(home, ".aws", "credentials") if home else None
    moved = ""
    if credentials_path and credentials_path != default_path:
        moved = f" (AWS_SHARED_CREDENTIALS_FILE points boto3 at {credentials_path} instead)"
    if container:
        aws_dir = os.path.join(home, ".aws") if home else "<HOME of the container user>/.aws"
        return (
            f"mount ~/.aws read-only at this container's HOME (HOME={home or 'unset'}): "
            f'-v "$HOME/.aws:{aws_dir}:ro"{moved}; or pass -e AWS_ACCESS_KEY_ID '
            "-e AWS_SECRET_ACCESS_KEY (-e AWS_SESSION_TOKEN); or mount a web identity token "
            "file and pass -e AWS_WEB_IDENTITY_TOKEN_FILE -e AWS_ROLE_ARN"
        )
    where = f" (writes {credentials_path})" if credentials_path else ""
    return (
        f"run `aws configure`{where} or `aws sso login --profile NAME` with AWS_PROFILE=NAME; "
        "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or set "
        "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN"
    )


REGION_HINT = "set AWS_DEFAULT_REGION (boto3 reads it, not AWS_REGION), or `region` in the profile"


def region_missing_message(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if env.get("AWS_REGION"):
        return (
            f"no AWS region for boto3: AWS_REGION={env['AWS_REGION']} is set, but boto3 ignores it"
        )
    return "no AWS region configured"


def profile_hint(info: AwsInfo, *, container: bool) -> str:
    """How to fix an AWS_PROFILE that names no profile boto3 can find."""
    if info.profiles:
        return f"set AWS_PROFILE to one of: {', '.join(info.profiles)} (or unset it)"
    mount = "; in a container, mount ~/.aws read-only at $HOME/.aws" if container else ""
    return f"unset AWS_PROFILE, or create the profile: aws configure --profile NAME{mount}"


_CLIENT_ERROR_HINTS: dict[str, str] = {
    "InvalidClientTokenId": "AWS does not know this access key: check the key id or create new keys",
    "UnrecognizedClientException": "AWS does not know this access key: check the key id",
    "SignatureDoesNotMatch": "the secret access key does not belong to this access key id",
    "ExpiredToken": "the session token has expired: get new credentials (e.g. `aws sso login`)",
    "ExpiredTokenException": "the session token has expired: get new credentials",
    "RequestExpired": "the request was signed too long ago: check this machine's clock",
    "InvalidIdentityToken": "the web identity token was rejected: check AWS_WEB_IDENTITY_TOKEN_FILE",
    "AccessDenied": "the role's trust policy does not allow this identity: check AWS_ROLE_ARN",
}


def caller_identity(
    session: Session,
    info: AwsInfo,
    *,
    missing_hint: str,
    container: bool = False,
    client: Any = None,
) -> dict[str, str]:
    """STS GetCallerIdentity with the resolved credentials (AWS_ENDPOINT_URL honoured by boto3).

    Returns {"Account", "Arn", "UserId"}; raises AwsConfigError (exit 5) on any failure.
    ``client`` lets a caller supply its own STS client (tests pass a botocore-Stubbed one).
    """
    import boto3
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
    )

    source = info.credentials.source
    try:
        client = client or boto3.Session(botocore_session=session).client(
            "sts", config=Config(retries=_STS_RETRIES, **_STS_TIMEOUTS)
        )
        response = client.get_caller_identity()
    except NoCredentialsError:
        raise AwsConfigError("boto3 found no AWS credentials", hint=missing_hint) from None
    except NoRegionError:
        raise AwsConfigError(
            region_missing_message(),
            hint=REGION_HINT,
        ) from None
    except ProfileNotFound:
        raise AwsConfigError(
            info.credentials.error or f"AWS profile {session.profile!r} not found",
            hint=profile_hint(info, container=container),
        ) from None
    except EndpointConnectionError as error:
        raise AwsConfigError(
            one_line(error),
            hint="check AWS_ENDPOINT_URL / the region, and that this machine can reach AWS "
            "(proxy, firewall, HTTPS_PROXY)",
        ) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "Unknown")
        message = error.response.get("Error", {}).get("Message", "")
        raise AwsConfigError(
            f"AWS rejected the credentials from {source} ({error.operation_name}): {code}: "
            f"{message}".rstrip(": "),
            hint=_CLIENT_ERROR_HINTS.get(code, "check the credentials and region boto3 resolves"),
        ) from None
    except (BotoCoreError, OSError) as error:
        path = f" ({info.credentials.path})" if info.credentials.path else ""
        raise AwsConfigError(
            f"cannot use the AWS credentials from {source}{path}: {one_line(error)}",
            hint="fix the file or variable named above, then re-run `code-agent doctor --aws`",
        ) from None
    return {key: response[key] for key in ("Account", "Arn", "UserId")}
