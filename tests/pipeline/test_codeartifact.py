"""scripts/publish_codeartifact.sh and scripts/codeartifact.py: versions, origin controls, uploads.

Real parts: pypiserver on 127.0.0.1 stands in for the CodeArtifact repository endpoint, uv builds
and uploads, ``uv tool install`` installs from it, moto's STS answers the web-identity exchange.
moto has no CodeArtifact, so the CodeArtifact API calls go through a botocore Stubber (the tests
say so in their names).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import boto3
import pytest
from botocore.stub import ANY, Stubber

pytest.register_assert_rewrite("index_servers")
from index_servers import REPO_ROOT, installed_version

pytest_plugins = ["index_servers"]  # fixtures: pypiserver, dependency_wheels, isolated_env

SCRIPT = REPO_ROOT / "scripts" / "publish_codeartifact.sh"
HELPER = REPO_ROOT / "scripts" / "codeartifact.py"


def _load_helper():
    spec = importlib.util.spec_from_file_location("codeartifact_helper", HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _load_helper()


@pytest.fixture(scope="module")
def package_version() -> str:
    return helper.read_package_version(REPO_ROOT)


# --- version rules -------------------------------------------------------------------------


def test_release_tag_publishes_exactly_the_package_version(package_version):
    assert (
        helper.compute_version(package_version, tag=f"v{package_version}", build_number="17")
        == package_version
    )


def test_branch_build_publishes_a_dev_release_from_the_build_number(package_version):
    version = helper.compute_version(package_version, build_number="42")
    assert version == f"{package_version}.dev42"
    assert "+" not in version


def test_dev_release_sorts_before_its_release_and_after_earlier_builds():
    from packaging.version import Version

    assert Version(helper.compute_version("1.2.0", build_number="9")) < Version("1.2.0")
    assert Version(helper.compute_version("1.2.0", build_number="10")) > Version(
        helper.compute_version("1.2.0", build_number="9")
    )


def test_dev_release_replaces_an_existing_dev_part_of_the_package_version():
    assert helper.compute_version("2.0.0rc1.dev3", build_number="5") == "2.0.0rc1.dev5"


@pytest.mark.parametrize("tag", ["v9.9.9", "0.1.0", "release-0.1.0", "v0.1"])
def test_tag_that_is_not_exactly_the_package_version_is_refused(tag):
    with pytest.raises(helper.UsageError, match="tag"):
        helper.compute_version("0.1.0", tag=tag)


def test_local_version_part_is_refused_because_indexes_reject_it():
    with pytest.raises(helper.UsageError, match="local part"):
        helper.compute_version("0.1.0", explicit="0.1.0+abc123")


def test_explicit_package_version_wins_over_tag_and_build_number():
    assert (
        helper.compute_version("0.1.0", explicit="0.1.0.post1", tag="v0.1.0", build_number="3")
        == "0.1.0.post1"
    )


def test_no_version_source_is_refused_with_the_variables_to_set():
    with pytest.raises(helper.UsageError, match="BITBUCKET_BUILD_NUMBER"):
        helper.compute_version("0.1.0")


def test_stage_stamps_the_version_in_a_copy_and_leaves_the_tree_alone(tmp_path, package_version):
    init = REPO_ROOT / "code_agent" / "__init__.py"
    before = init.read_bytes()
    staged = helper.stage(REPO_ROOT, tmp_path / "stage", "0.1.0.dev5")
    assert helper.read_package_version(staged) == "0.1.0.dev5"
    assert init.read_bytes() == before
    assert not (staged / ".venv").exists() and not (staged / ".git").exists()


# --- CodeArtifact API (botocore Stubber: moto has no CodeArtifact) -------------------------------


def _stubbed_client():
    client = boto3.client(
        "codeartifact",
        region_name="us-east-1",
        aws_access_key_id="stub",
        aws_secret_access_key="stub",
    )
    return client, Stubber(client)


ORIGIN_REQUEST = {
    "domain": "acme",
    "domainOwner": "540845145946",
    "repository": "python",
    "format": "pypi",
    "package": "code-agent",
    "restrictions": {"publish": "ALLOW", "upstream": "BLOCK"},
}


def _origin_response(publish="ALLOW", upstream="BLOCK"):
    return {"originConfiguration": {"restrictions": {"publish": publish, "upstream": upstream}}}


def test_origin_controls_set_publish_allow_upstream_block_stubber():
    client, stubber = _stubbed_client()
    stubber.add_response("put_package_origin_configuration", _origin_response(), ORIGIN_REQUEST)
    with stubber:
        restrictions = helper.set_origin_controls(
            client, domain="acme", owner="540845145946", repository="python"
        )
    assert restrictions == {"publish": "ALLOW", "upstream": "BLOCK"}
    stubber.assert_no_pending_responses()


def test_origin_controls_are_idempotent_every_run_sends_the_same_put_stubber():
    client, stubber = _stubbed_client()
    for _ in range(2):  # a second publish must neither fail nor change anything
        stubber.add_response("put_package_origin_configuration", _origin_response(), ORIGIN_REQUEST)
    with stubber:
        for _ in range(2):
            helper.set_origin_controls(
                client, domain="acme", owner="540845145946", repository="python"
            )
    stubber.assert_no_pending_responses()


def test_origin_controls_that_codeartifact_did_not_apply_are_an_error_stubber():
    client, stubber = _stubbed_client()
    stubber.add_response(
        "put_package_origin_configuration", _origin_response(upstream="ALLOW"), ORIGIN_REQUEST
    )
    with stubber, pytest.raises(RuntimeError, match="upstream"):
        helper.set_origin_controls(client, domain="acme", owner="540845145946", repository="python")


def test_prepare_sets_origin_controls_before_fetching_url_and_token_stubber():
    client, stubber = _stubbed_client()
    # The Stubber answers strictly in this order: any other order fails the test.
    stubber.add_response("put_package_origin_configuration", _origin_response(), ORIGIN_REQUEST)
    stubber.add_response(
        "get_repository_endpoint",
        {
            "repositoryEndpoint": "https://acme-540845145946.d.codeartifact.us-east-1.amazonaws.com/pypi/python/"
        },
        {"domain": "acme", "domainOwner": "540845145946", "repository": "python", "format": "pypi"},
    )
    stubber.add_response(
        "get_authorization_token",
        {"authorizationToken": "tok-123"},
        {"domain": "acme", "domainOwner": "540845145946", "durationSeconds": ANY},
    )
    with stubber:
        url, token = helper.prepare(
            client, domain="acme", owner="540845145946", repository="python"
        )
    assert url.endswith("/pypi/python/") and token == "tok-123"
    stubber.assert_no_pending_responses()


@pytest.mark.aws
def test_web_identity_token_file_yields_temporary_credentials_from_moto_sts(aws_env, tmp_path):
    """What the pipeline step does: OIDC token file + role ARN, no long-lived keys."""
    token = tmp_path / "web-identity-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln")  # moto does not verify it
    env = {
        k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    env.update(
        AWS_ROLE_ARN="arn:aws:iam::540845145946:role/code-agent-bitbucket-publish",
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token),
        AWS_ROLE_SESSION_NAME="bitbucket-42",
    )
    probe = textwrap.dedent(f"""\
        import importlib.util, boto3
        spec = importlib.util.spec_from_file_location("h", {str(HELPER)!r})
        h = importlib.util.module_from_spec(spec); spec.loader.exec_module(h)
        h.codeartifact_client("us-east-1")
        creds = boto3.DEFAULT_SESSION.get_credentials()
        print(creds.method, creds.get_frozen_credentials().access_key)
        """)
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    method, access_key = result.stdout.split()
    assert method == "assume-role-with-web-identity"
    assert access_key not in ("", "testing")


# --- the script, end to end with pypiserver ------------------------------------------------------


def _script_env(server, **extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BITBUCKET_", "CODEARTIFACT_", "UV_PUBLISH_", "PACKAGE_VERSION"))
    }
    env["CODEARTIFACT_PYTHON"] = sys.executable  # boto3 + packaging are in the test venv
    if server is not None:
        env.update(
            UV_PUBLISH_URL=server.upload_url,
            UV_PUBLISH_USERNAME=server.username,
            UV_PUBLISH_PASSWORD=server.password,
        )
    env.update(extra)
    return env


def _run_script(env, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        check=False,
    )


def test_script_help_names_every_input():
    result = _run_script(dict(os.environ), "--help")
    assert result.returncode == 0
    for name in (
        "PACKAGE_VERSION",
        "BITBUCKET_TAG",
        "BITBUCKET_BUILD_NUMBER",
        "CODEARTIFACT_DOMAIN",
        "CODEARTIFACT_REPOSITORY",
        "UV_PUBLISH_URL",
    ):
        assert name in result.stdout


def test_script_refuses_an_unknown_argument_in_one_line():
    result = _run_script(dict(os.environ), "--bogus")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "publish_codeartifact: unknown argument '--bogus' (see --help)"
    ]


@pytest.mark.index
def test_mismatched_release_tag_fails_before_building_or_uploading(pypiserver):
    server = pypiserver("tag-mismatch")
    result = _run_script(_script_env(server, BITBUCKET_TAG="v99.0.0"))
    assert result.returncode == 2
    assert "does not match the package version" in result.stderr
    assert server.files() == []


@pytest.mark.index
def test_missing_codeartifact_settings_are_reported_with_exit_2():
    env = _script_env(None, BITBUCKET_BUILD_NUMBER="1")
    result = _run_script(env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "publish_codeartifact: set CODEARTIFACT_DOMAIN (or UV_PUBLISH_URL); see --help"
    )


@pytest.mark.slow
def test_dry_run_with_the_default_uv_script_runner_builds_and_uploads_nothing(tmp_path):
    """No CODEARTIFACT_PYTHON: the helper runs under `uv run --script` with its own deps."""
    env = _script_env(
        None,
        BITBUCKET_BUILD_NUMBER="8",
        CODEARTIFACT_DOMAIN="acme",
        CODEARTIFACT_REPOSITORY="python",
        DIST_DIR=str(tmp_path / "dist"),
    )
    del env["CODEARTIFACT_PYTHON"]
    result = _run_script(env, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "publish_codeartifact: dry run: would upload to acme/python (540845145946, us-east-1)"
    )
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [
        "code_agent-0.1.0.dev8-py3-none-any.whl",
        "code_agent-0.1.0.dev8.tar.gz",
    ]


@pytest.mark.slow
def test_codeartifact_path_without_aws_credentials_fails_with_exit_5_and_a_hint(tmp_path):
    env = {k: v for k, v in _script_env(None).items() if not k.startswith("AWS_")}
    env.update(
        CODEARTIFACT_DOMAIN="acme",
        CODEARTIFACT_REPOSITORY="python",
        PACKAGE_VERSION="0.1.0.dev3",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    result = _run_script(env)
    assert result.returncode == 5
    assert result.stderr.strip().splitlines()[-1] == (
        "codeartifact: no AWS credentials: set AWS_PROFILE (laptop) or "
        "AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (pipeline)"
    )


@pytest.mark.index
@pytest.mark.slow
def test_release_tag_build_uploads_exactly_the_package_version(pypiserver, package_version):
    server = pypiserver("release")
    result = _run_script(
        _script_env(server, BITBUCKET_TAG=f"v{package_version}", BITBUCKET_BUILD_NUMBER="77")
    )
    assert result.returncode == 0, result.stderr
    assert server.files() == [
        f"code_agent-{package_version}-py3-none-any.whl",
        f"code_agent-{package_version}.tar.gz",
    ]


@pytest.mark.index
@pytest.mark.slow
def test_dev_build_uploads_installs_with_uv_tool_and_refuses_a_second_upload(
    pypiserver, dependency_wheels, isolated_env, package_version
):
    init = REPO_ROOT / "code_agent" / "__init__.py"
    before = init.read_bytes()
    server = pypiserver("codeartifact-stand-in", extra_dirs=(dependency_wheels,))
    env = _script_env(server, BITBUCKET_BUILD_NUMBER="42")
    dev = f"{package_version}.dev42"

    first = _run_script(env)
    assert first.returncode == 0, first.stderr
    assert f"uploaded code-agent {dev}" in first.stdout
    assert server.files() == [f"code_agent-{dev}-py3-none-any.whl", f"code_agent-{dev}.tar.gz"]
    assert init.read_bytes() == before, "the script must not modify the working tree"

    # A user installs it from that index alone, as the README says.
    user = isolated_env("user")
    install = subprocess.run(
        [
            "uv",
            "tool",
            "install",
            "--no-config",
            "--default-index",
            server.simple,
            f"code-agent=={dev}",
        ],
        env=user,
        cwd=user["HOME"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    assert installed_version(user) == f"code-agent {dev}"

    # The same version again: refused by the index, reported in one line, exit 3.
    uploaded = (server.packages / f"code_agent-{dev}-py3-none-any.whl").read_bytes()
    second = _run_script(env)
    assert second.returncode == 3
    last = second.stderr.strip().splitlines()
    assert len(last) == 1, second.stderr
    assert last[0].startswith(f"publish_codeartifact: code-agent {dev} is already in ")
    assert "versions are immutable" in last[0]
    assert (server.packages / f"code_agent-{dev}-py3-none-any.whl").read_bytes() == uploaded


STUB_RUNNER = """\
#!{python}
# Runs scripts/codeartifact.py with its CodeArtifact client replaced by a botocore Stubber
# (moto has no CodeArtifact). Everything else in the script runs for real.
import importlib.util, json, sys
import boto3
from botocore.stub import ANY, Stubber

config = json.loads(open({config!r}).read())
spec = importlib.util.spec_from_file_location("codeartifact_helper", sys.argv[1])
helper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(helper)
stubbers = []

def stubbed_client(region):
    client = boto3.client("codeartifact", region_name=region,
                          aws_access_key_id="stub", aws_secret_access_key="stub")
    stubber = Stubber(client)
    where = dict(domain=config["domain"], domainOwner=config["owner"])
    stubber.add_response(
        "put_package_origin_configuration",
        {{"originConfiguration": {{"restrictions": {{"publish": "ALLOW", "upstream": "BLOCK"}}}}}},
        dict(where, repository=config["repository"], format="pypi", package="code-agent",
             restrictions={{"publish": "ALLOW", "upstream": "BLOCK"}}))
    stubber.add_response("get_repository_endpoint", {{"repositoryEndpoint": config["url"]}},
                         dict(where, repository=config["repository"], format="pypi"))
    stubber.add_response("get_authorization_token", {{"authorizationToken": config["token"]}},
                         dict(where, durationSeconds=ANY))
    stubber.activate()
    stubbers.append((region, stubber))
    return client

helper.codeartifact_client = stubbed_client
status = helper.main(sys.argv[2:])
for region, stubber in stubbers:
    stubber.assert_no_pending_responses()
    with open(config["record"], "a") as record:
        record.write(json.dumps({{"region": region, "all_calls_made": True}}) + "\\n")
sys.exit(status)
"""


@pytest.mark.index
@pytest.mark.slow
def test_codeartifact_path_sets_origin_controls_then_uploads_with_the_token_stubber(
    pypiserver, tmp_path
):
    """The script's CodeArtifact branch: domain/repository/owner/region in, token out, upload."""
    token = "codeartifact-token-for-this-test"
    server = pypiserver("codeartifact-token", username="aws", password=token)
    record = tmp_path / "calls.jsonl"
    config = tmp_path / "stub.json"
    config.write_text(
        json.dumps(
            {
                "domain": "acme",
                "owner": "111122223333",
                "repository": "python",
                "url": server.upload_url,
                "token": token,
                "record": str(record),
            }
        )
    )
    runner = tmp_path / "stubbed-python"
    runner.write_text(STUB_RUNNER.format(python=sys.executable, config=str(config)))
    runner.chmod(0o755)
    env = _script_env(
        None,
        CODEARTIFACT_PYTHON=str(runner),
        CODEARTIFACT_DOMAIN="acme",
        CODEARTIFACT_REPOSITORY="python",
        CODEARTIFACT_DOMAIN_OWNER="111122223333",
        AWS_REGION="eu-west-1",
        PACKAGE_VERSION="0.1.0.dev900",
    )
    result = _run_script(env)
    assert result.returncode == 0, result.stderr
    assert "publish ALLOW, upstream BLOCK" in result.stdout
    assert [json.loads(line) for line in record.read_text().splitlines()] == [
        {"region": "eu-west-1", "all_calls_made": True}
    ]
    assert "code_agent-0.1.0.dev900-py3-none-any.whl" in server.files()
    assert token not in result.stdout + result.stderr, "the token must never be printed"
