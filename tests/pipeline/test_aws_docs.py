"""docs/aws-setup.md and docs/iam/*.json: the OIDC trust and least-privilege publish permissions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest
import yaml

pytestmark = pytest.mark.pipeline

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
TRUST = DOCS / "iam" / "bitbucket-oidc-trust-policy.json"
PERMISSIONS = DOCS / "iam" / "publish-permissions-policy.json"
PROVIDER = "api.bitbucket.org/2.0/workspaces/WORKSPACE/pipelines-config/identity/oidc"
ACCOUNT, REGION = "540845145946", "us-east-1"

ECR_PUSH = {
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
}
REQUIRED = ECR_PUSH | {
    "ecr:GetAuthorizationToken",
    "ecr:DescribeRepositories",
    "ecr:CreateRepository",
    "ecr:TagResource",
    "ecr:DescribeImages",
    "codeartifact:GetAuthorizationToken",
    "codeartifact:GetRepositoryEndpoint",
    "codeartifact:PublishPackageVersion",
    "codeartifact:PutPackageOriginConfiguration",
    "sts:GetServiceBearerToken",
}
NO_RESOURCE_LEVEL = {"ecr:GetAuthorizationToken", "sts:GetServiceBearerToken"}


def _statements(path: Path) -> list[dict]:
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    return document["Statement"]


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def _allowed() -> dict[str, list[str]]:
    """action -> resources it is allowed on."""
    allowed: dict[str, list[str]] = {}
    for statement in _statements(PERMISSIONS):
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        for action in _actions(statement):
            allowed.setdefault(action, []).extend(resources)
    return allowed


def _pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


# --- trust policy --------------------------------------------------------------------------------


def test_trust_policy_lets_only_bitbucket_oidc_assume_the_role():
    [statement] = _statements(TRUST)
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}"
    }


def test_trust_policy_requires_the_workspace_audience_and_the_repository_subject():
    [statement] = _statements(TRUST)
    condition = statement["Condition"]
    assert condition["StringEquals"] == {
        f"{PROVIDER}:aud": "ari:cloud:bitbucket::workspace/WORKSPACE_UUID"
    }
    assert condition["StringLike"] == {f"{PROVIDER}:sub": "{REPOSITORY_UUID}:*"}
    assert set(condition) == {"StringEquals", "StringLike"}


# --- permissions policy --------------------------------------------------------------------------


def test_permissions_policy_grants_every_required_action():
    missing = REQUIRED - set(_allowed())
    assert not missing, missing


def test_permissions_policy_grants_nothing_beyond_what_publishing_needs():
    allowed = _allowed()
    assert set(allowed) == REQUIRED, set(allowed) - REQUIRED
    assert not [a for a in allowed if "*" in a], "no wildcard actions"


def test_only_actions_without_resource_level_permissions_get_a_wildcard_resource():
    for action, resources in _allowed().items():
        if action in NO_RESOURCE_LEVEL:
            continue
        assert "*" not in resources, action
        for resource in resources:
            assert resource.startswith("arn:aws:") and f":{REGION}:{ACCOUNT}:" in resource


def test_bearer_token_is_limited_to_codeartifact():
    [statement] = [
        s for s in _statements(PERMISSIONS) if "sts:GetServiceBearerToken" in _actions(s)
    ]
    assert statement["Condition"] == {
        "StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}
    }


def test_ecr_actions_are_scoped_to_the_code_agent_repository():
    for action, resources in _allowed().items():
        if action.startswith("ecr:") and action not in NO_RESOURCE_LEVEL:
            assert resources == [f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/code-agent"], action


def test_publishing_and_origin_controls_are_scoped_to_the_code_agent_package():
    package = (
        f"arn:aws:codeartifact:{REGION}:{ACCOUNT}:package/code-agent/code-agent/pypi//code-agent"
    )
    allowed = _allowed()
    assert allowed["codeartifact:PublishPackageVersion"] == [package]
    assert allowed["codeartifact:PutPackageOriginConfiguration"] == [package]


def test_every_codeartifact_call_of_the_publish_script_is_allowed():
    source = (REPO_ROOT / "scripts" / "codeartifact.py").read_text()
    calls = set(re.findall(r"client\.([a-z_]+)\(", source))
    assert calls >= {"put_package_origin_configuration", "get_authorization_token"}
    needed = {f"codeartifact:{_pascal(call)}" for call in calls}
    assert needed <= set(_allowed()), needed - set(_allowed())


def test_every_ecr_call_of_the_dagger_module_is_allowed():
    source = (REPO_ROOT / "dagger" / "src" / "code_agent_ci" / "ecr.py").read_text()
    calls = set(re.findall(r"client\.([a-z_]+)\(", source)) - {"get_caller_identity"}
    assert calls, "no ECR calls found: did ecr.py move?"
    needed = {f"ecr:{_pascal(call)}" for call in calls}
    if "tags=" in source:
        needed.add("ecr:TagResource")  # CreateRepository with tags also needs TagResource
    assert needed <= set(_allowed()), needed - set(_allowed())


@pytest.fixture
def iam(aws_env):
    """IAM on the moto server: it validates policy documents as AWS does."""
    return boto3.client(
        "iam",
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.mark.aws
def test_iam_accepts_both_policy_documents_moto(iam):
    role = iam.create_role(
        RoleName="code-agent-bitbucket-publish", AssumeRolePolicyDocument=TRUST.read_text()
    )["Role"]
    iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="code-agent-publish",
        PolicyDocument=PERMISSIONS.read_text(),
    )
    policy = iam.create_policy(
        PolicyName="code-agent-publish-managed", PolicyDocument=PERMISSIONS.read_text()
    )["Policy"]
    assert policy["Arn"].endswith(":policy/code-agent-publish-managed")
    stored = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="code-agent-publish")
    assert stored["PolicyDocument"]["Statement"] == _statements(PERMISSIONS)


@pytest.mark.aws
def test_moto_iam_rejects_a_malformed_policy_moto(iam):
    """The acceptance above means something: a document missing its Effect is refused."""
    from botocore.exceptions import ClientError

    bad = json.loads(PERMISSIONS.read_text())
    del bad["Statement"][0]["Effect"]
    with pytest.raises(ClientError, match="MalformedPolicyDocument"):
        iam.create_policy(PolicyName="broken", PolicyDocument=json.dumps(bad))


# --- the guide -----------------------------------------------------------------------------------


def test_guide_names_the_provider_audience_files_and_every_action():
    guide = (DOCS / "aws-setup.md").read_text()
    assert f"https://{PROVIDER}" in guide
    assert "ari:cloud:bitbucket::workspace/WORKSPACE_UUID" in guide
    for path in (TRUST, PERMISSIONS):
        assert path.relative_to(DOCS).as_posix() in guide
    for action in REQUIRED:
        assert action.split(":")[1] in guide, action
    for key in (f"{PROVIDER}:aud", f"{PROVIDER}:sub"):
        assert key in guide


def test_guide_and_pipeline_agree_on_variables_and_the_default_role():
    guide = (DOCS / "aws-setup.md").read_text()
    pipeline = (REPO_ROOT / "bitbucket-pipelines.yml").read_text()
    yaml.safe_load(pipeline)
    for variable in (
        "AWS_ACCOUNT_ID",
        "AWS_REGION",
        "ECR_REPOSITORY",
        "CODEARTIFACT_DOMAIN",
        "CODEARTIFACT_REPOSITORY",
        "AWS_ROLE_ARN",
    ):
        assert f"`{variable}`" in guide and f"${{{variable}:-" in pipeline, variable
    assert "role/code-agent-bitbucket-publish" in guide
    assert "role/code-agent-bitbucket-publish" in pipeline
