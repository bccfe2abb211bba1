"""`doctor`: collect the environment facts and turn what is off into problems with hints.

Without ``check_aws`` nothing here calls AWS; with it, STS GetCallerIdentity is called once and
a failure is recorded on the report (``aws.identity_error``) for the command to raise after it
has shown the rest of the report.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from code_agent.core import aws, environment, provenance
from code_agent.exceptions import AwsConfigError
from code_agent.models.doctor import (
    AwsInfo,
    ContainerInfo,
    DoctorReport,
    Problem,
    PythonInfo,
    UserInfo,
    WorkspaceInfo,
)

USER_FLAG = '--user "$(id -u):$(id -g)"'


def python_info() -> PythonInfo:
    return PythonInfo(
        version=platform.python_version(),
        implementation=platform.python_implementation(),
        executable=sys.executable,
    )


def workspace_problems(ws: WorkspaceInfo, user: UserInfo, container: bool) -> list[Problem]:
    me = f"{user.uid}:{user.gid}"
    if ws.writable:
        return []
    if not ws.exists and ws.error == "Permission denied":
        hint = (
            f"run with {USER_FLAG}, or mount the project at /workspace"
            if container
            else f"pick a directory you can reach, or fix the permissions of {ws.path}'s parents"
        )
        message = f"workspace {ws.path} is not reachable for {me}: {ws.error}"
        return [Problem("workspace-not-accessible", message, hint)]
    if not ws.exists:
        return [
            Problem(
                "workspace-missing",
                f"workspace {ws.path} does not exist",
                'mount the project: -v "$PWD:/workspace"'
                if container
                else "pass an existing directory with --path",
            )
        ]
    if not ws.is_dir:
        return [
            Problem(
                "workspace-not-directory",
                f"workspace {ws.path} is not a directory",
                "pass a directory with --path",
            )
        ]
    owner = f"{ws.owner_uid}:{ws.owner_gid}"
    message = f"workspace {ws.path} is not writable for {me} (owner {owner}): {ws.error}"
    if ws.error == "Read-only file system":
        hint = (
            "it is mounted read-only: mount it read-write (drop `:ro` from -v)"
            if container
            else "the file system is mounted read-only: remount it read-write or pick "
            "another --path"
        )
    elif container:
        hint = f"run with {USER_FLAG} so the container user matches the owner of the mounted files"
    elif ws.owner_uid != user.uid:
        hint = f'take ownership: sudo chown -R "$(id -u):$(id -g)" {ws.path}'
    else:
        hint = f"make it writable: chmod u+w {ws.path}"
    return [Problem("workspace-not-writable", message, hint)]


def home_problems(user: UserInfo, container: bool) -> list[Problem]:
    if user.home and user.home_exists:
        return []
    what = f"HOME ({user.home}) does not exist" if user.home else "HOME is not set"
    hint = (
        "set HOME to a directory of the container user, e.g. -e HOME=/tmp, or keep the "
        "image's HOME (do not override it)"
        if container
        else "set HOME to your home directory"
    )
    return [Problem("home-missing", f"{what}: boto3 looks for ~/.aws there", hint)]


def aws_problems(info: AwsInfo, user: UserInfo, container: bool) -> list[Problem]:
    found: list[Problem] = []
    creds = info.credentials
    me = f"{user.uid}:{user.gid}"
    unreadable = [
        status
        for status in (info.shared_credentials_file, info.config_file, info.web_identity_token_file)
        if status and status.exists and not status.readable
    ]
    for status in unreadable:
        hint = (
            f"run with {USER_FLAG} so the container user can read the mounted file"
            if container
            else f"fix its permissions: chmod u+r {status.path}"
        )
        found.append(
            Problem(
                "aws-file-unreadable", f"{status.path} exists but is not readable for {me}", hint
            )
        )
    token = info.web_identity_token_file
    if token and not token.exists:
        found.append(
            Problem(
                "aws-web-identity-token-missing",
                f"web identity token file {token.path} does not exist",
                "mount the token file at that path (-v ...:ro), or fix AWS_WEB_IDENTITY_TOKEN_FILE"
                if container
                else "fix AWS_WEB_IDENTITY_TOKEN_FILE",
            )
        )
    if creds.error and creds.profile and creds.profile not in info.profiles:
        found.append(
            Problem(
                "aws-profile-not-found",
                f"AWS_PROFILE names a missing profile: {creds.error}",
                aws.profile_hint(info, container=container),
            )
        )
    elif creds.error:
        found.append(
            Problem(
                "aws-config-invalid",
                f"boto3 cannot resolve credentials: {creds.error}",
                "fix the AWS_* variables or the AWS config files named above",
            )
        )
    elif creds.source == aws.NO_CREDENTIALS:
        found.append(
            Problem(
                "aws-credentials-missing",
                "boto3 finds no AWS credentials",
                aws.missing_credentials_hint(info, container=container, home=user.home),
            )
        )
    if not info.region and not creds.error:
        found.append(Problem("aws-region-missing", aws.region_missing_message(), aws.REGION_HINT))
    return found


def run(path: Path, *, check_aws: bool = False) -> DoctorReport:
    """Probe everything `doctor` shows; call STS only when ``check_aws``."""
    container: ContainerInfo = environment.detect_container()
    user = environment.probe_user()
    workspace = environment.probe_workspace(path)
    origin = provenance.provenance()
    session = aws.new_session()
    aws_info = aws.describe(session)

    problems = [
        *provenance.problems(origin),
        *workspace_problems(workspace, user, container.detected),
        *home_problems(user, container.detected),
        *aws_problems(aws_info, user, container.detected),
    ]
    if check_aws:
        aws_info.identity_checked = True
        hint = aws.missing_credentials_hint(aws_info, container=container.detected, home=user.home)
        try:
            aws_info.identity = aws.caller_identity(
                session, aws_info, missing_hint=hint, container=container.detected
            )
        except AwsConfigError as error:
            failure = Problem("aws-identity-failed", error.message, error.hint)
            aws_info.identity_error = failure
            if not any(p.code.startswith("aws-") for p in problems):
                problems.append(failure)

    return DoctorReport(
        code_agent=origin,
        python=python_info(),
        container=container,
        user=user,
        workspace=workspace,
        aws=aws_info,
        problems=problems,
    )
