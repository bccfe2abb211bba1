"""Which problems doctor derives from the probed facts, and the one-line hint for each."""

from __future__ import annotations

from code_agent.core.doctor import aws_problems, home_problems, workspace_problems
from code_agent.models.doctor import (
    AwsCredentials,
    AwsInfo,
    FileStatus,
    UserInfo,
    WorkspaceInfo,
)

IMAGE_USER = UserInfo(
    uid=10001,
    gid=10001,
    name="codeagent",
    home="/home/codeagent",
    home_exists=True,
    home_writable=True,
)
HOST_USER = UserInfo(
    uid=1000, gid=1000, name="dev", home="/home/dev", home_exists=True, home_writable=True
)


def unwritable(error="Permission denied", owner=(1000, 1000)) -> WorkspaceInfo:
    return WorkspaceInfo(
        path="/workspace",
        exists=True,
        is_dir=True,
        writable=False,
        owner_uid=owner[0],
        owner_gid=owner[1],
        error=error,
    )


def test_unwritable_workspace_in_container_hints_at_docker_user_flag():
    [problem] = workspace_problems(unwritable(), IMAGE_USER, container=True)
    assert problem.code == "workspace-not-writable"
    assert "not writable for 10001:10001 (owner 1000:1000)" in problem.message
    assert '--user "$(id -u):$(id -g)"' in problem.hint


def test_unwritable_workspace_natively_owned_by_someone_else_hints_at_chown():
    [problem] = workspace_problems(unwritable(owner=(0, 0)), HOST_USER, container=False)
    assert problem.hint == 'take ownership: sudo chown -R "$(id -u):$(id -g)" /workspace'


def test_unwritable_workspace_natively_owned_by_the_user_hints_at_chmod():
    [problem] = workspace_problems(unwritable(owner=(1000, 1000)), HOST_USER, container=False)
    assert problem.hint == "make it writable: chmod u+w /workspace"


def test_read_only_mount_in_container_hints_at_dropping_ro():
    [problem] = workspace_problems(unwritable("Read-only file system"), IMAGE_USER, True)
    assert "drop `:ro`" in problem.hint


def test_writable_workspace_is_no_problem():
    ws = WorkspaceInfo(path="/w", exists=True, is_dir=True, writable=True, owner_uid=0)
    assert workspace_problems(ws, IMAGE_USER, container=True) == []


def test_missing_home_in_container_is_a_problem_with_a_hint():
    user = UserInfo(uid=1234, gid=1234, name=None, home="/nonexistent")
    [problem] = home_problems(user, container=True)
    assert problem.code == "home-missing" and "-e HOME=" in problem.hint


def aws_none(**files) -> AwsInfo:
    return AwsInfo(credentials=AwsCredentials(source="none"), region="us-east-1", **files)


def test_missing_credentials_in_container_hint_mounts_aws_dir_at_the_actual_home():
    home = "/home/someone-else"
    user = UserInfo(uid=10001, gid=10001, name=None, home=home, home_exists=True)
    info = aws_none(shared_credentials_file=FileStatus(f"{home}/.aws/credentials", False, False))
    [problem] = aws_problems(info, user, container=True)
    assert problem.code == "aws-credentials-missing"
    assert f'-v "$HOME/.aws:{home}/.aws:ro"' in problem.hint
    assert "AWS_ACCESS_KEY_ID" in problem.hint and "AWS_WEB_IDENTITY_TOKEN_FILE" in problem.hint
    assert "\n" not in problem.hint


def test_missing_credentials_natively_hint_at_aws_configure():
    info = aws_none(shared_credentials_file=FileStatus("/home/dev/.aws/credentials", False, False))
    [problem] = aws_problems(info, HOST_USER, container=False)
    assert problem.hint.startswith("run `aws configure` (writes /home/dev/.aws/credentials)")


def test_mounted_credentials_file_unreadable_for_container_user_hints_at_user_flag():
    path = "/home/codeagent/.aws/credentials"
    info = aws_none(shared_credentials_file=FileStatus(path, exists=True, readable=False))
    problems = aws_problems(info, IMAGE_USER, container=True)
    assert [p.code for p in problems] == ["aws-file-unreadable", "aws-credentials-missing"]
    assert problems[0].message == f"{path} exists but is not readable for 10001:10001"
    assert '--user "$(id -u):$(id -g)"' in problems[0].hint


def test_missing_web_identity_token_file_is_a_problem():
    info = AwsInfo(
        credentials=AwsCredentials(source="assume-role-with-web-identity"),
        region="us-east-1",
        web_identity_token_file=FileStatus("/var/run/secrets/token", exists=False, readable=False),
    )
    [problem] = aws_problems(info, IMAGE_USER, container=True)
    assert problem.code == "aws-web-identity-token-missing"


def test_missing_profile_hint_lists_the_profiles_that_exist():
    info = AwsInfo(
        credentials=AwsCredentials(source="none", profile="prod", error="profile 'prod' ..."),
        profiles=["default", "dev"],
    )
    [problem] = aws_problems(info, HOST_USER, container=False)
    assert problem.code == "aws-profile-not-found"
    assert problem.hint == "set AWS_PROFILE to one of: default, dev (or unset it)"


def test_missing_region_is_a_problem():
    info = AwsInfo(credentials=AwsCredentials(source="environment"), region=None)
    [problem] = aws_problems(info, HOST_USER, container=False)
    assert problem.code == "aws-region-missing" and "AWS_DEFAULT_REGION" in problem.hint
