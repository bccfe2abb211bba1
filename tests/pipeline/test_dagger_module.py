"""The Dagger module with the real dagger-io SDK and no engine.

What is checked: the functions and arguments the SDK registers (through its own ``Module``
machinery), and the call chain each function builds lazily (docker_build target and build args,
the /workspace mount and user, the exec'd commands, registry auth, one publish per planned
tag). Nothing here awaits a Dagger object: the few engine-bound leaves (reading a file,
revealing a secret, running the smoke checks, pushing) are replaced by recorders, and AWS is a
real moto server. ``dagger_chain.render`` prints a chain when an assertion fails.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from pathlib import Path

import anyio
import pytest
from code_agent_ci import ecr, main, release, smoke, tags
from code_agent_ci.main import CodeAgentCi
from dagger.client.gen import Module as ModuleObject
from dagger.mod import default_module
from dagger_chain import calls, named, only, render, secret_plaintext

import dagger
from dagger import dag
from tests.registry_server import push_test_manifest

pytestmark = pytest.mark.pipeline

REPO_ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
SHA = "89abcdef0123456789abcdef0123456789abcdef"
ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"
ECR_HOST = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
VERSION = tags.read_package_version((REPO_ROOT / "code_agent" / "__init__.py").read_text())


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def source() -> dagger.Directory:
    return dag.host().directory(str(REPO_ROOT))


def build_args(ctr) -> dict[str, str]:
    return {arg["name"]: arg["value"] for arg in only(ctr, "dockerBuild").args["buildArgs"]}


# --- what the SDK registers -------------------------------------------------------------------

SECRET = "Secret | None"
# name -> [(argument, type, default as registered JSON or marker)] in declaration order.
# README's function reference documents exactly these.
SIGNATURES = {
    "build": [
        ("source", "Directory", "path:/"),
        ("python_image", "str", '"python:3.12-slim-bookworm"'),
        ("uv_image", "str", '"ghcr.io/astral-sh/uv:0.13.9"'),
        ("platform", "str", '""'),
        ("version", "str", '""'),
        ("revision", "str", '""'),
        ("created", "str", '""'),
    ],
    "dist": [
        ("source", "Directory", "path:/"),
        ("python_image", "str", '"python:3.12-slim-bookworm"'),
        ("uv_image", "str", '"ghcr.io/astral-sh/uv:0.13.9"'),
    ],
    "test_container": [
        ("source", "Directory", "path:/"),
        ("workspace", "Directory | None", "null"),
        ("python_image", "str", '"python:3.12-slim-bookworm"'),
        ("uv_image", "str", '"ghcr.io/astral-sh/uv:0.13.9"'),
    ],
    "publish": [
        ("source", "Directory", "path:/"),
        ("region", "str", '""'),
        ("account_id", "str", '""'),
        ("repository", "str", '"code-agent"'),
        ("registry", "str", '""'),
        ("registry_username", "str", '""'),
        ("registry_password", SECRET, "null"),
        ("branch", "str", '""'),
        ("git_tag", "str", '""'),
        ("build_number", "str", '""'),
        ("commit", "str", '""'),
        ("platforms", "list[str]", '["linux/amd64"]'),
        ("force", "bool", "false"),
        ("kms_key", "str", '""'),
        ("aws_access_key_id", SECRET, "null"),
        ("aws_secret_access_key", SECRET, "null"),
        ("aws_session_token", SECRET, "null"),
        ("aws_web_identity_token", SECRET, "null"),
        ("aws_role_arn", "str", '""'),
        ("python_image", "str", '"python:3.12-slim-bookworm"'),
        ("uv_image", "str", '"ghcr.io/astral-sh/uv:0.13.9"'),
    ],
}
RETURNS = {
    "build": "Container",
    "dist": "Directory",
    "test_container": "str",
    "publish": "list[str]",
}


def type_name(tp) -> str:
    text = getattr(tp, "__name__", None) if not hasattr(tp, "__args__") else None
    return text or str(tp).replace("dagger.client.gen.", "").replace("dagger.", "")


@pytest.fixture(scope="module")
def registered():
    return default_module()._objects["CodeAgentCi"]


def test_module_registers_exactly_the_four_documented_functions(registered):
    assert sorted(registered.functions) == sorted(SIGNATURES)
    assert {name: type_name(fn.return_type) for name, fn in registered.functions.items()} == RETURNS


@pytest.mark.parametrize("function_name", sorted(SIGNATURES))
def test_registered_arguments_have_the_documented_names_types_and_defaults(
    registered, function_name
):
    fn = registered.functions[function_name]
    got = []
    for param in fn.parameters.values():
        default = f"path:{param.default_path}" if param.default_path else param.default_value
        got.append((param.name, type_name(param.resolved_type), default))
    assert got == SIGNATURES[function_name]


@pytest.mark.parametrize("function_name", sorted(SIGNATURES))
def test_every_function_and_argument_is_documented(registered, function_name):
    fn = registered.functions[function_name]
    assert fn.doc and fn.doc.strip()
    undocumented = [p.name for p in fn.parameters.values() if not (p.doc and p.doc.strip())]
    assert undocumented == []


def test_every_credential_is_a_dagger_secret(registered):
    params = registered.functions["publish"].parameters
    credentials = [name for name in params if re.search(r"password|secret|token|key_id", name)]
    assert credentials, "publish has no credential arguments?"
    for name in credentials:
        assert params[name].resolved_type == dagger.Secret | None, name


def test_source_defaults_to_the_repository_root_filtered_like_dockerignore(registered):
    for fn in registered.functions.values():
        param = fn.parameters["source"]
        assert param.default_path == "/"
        assert param.ignore == main.SOURCE_IGNORE


def test_sdk_registration_produces_the_module_typedefs(monkeypatch):
    """Run the SDK's own registration; Module.id is replaced so the query is kept, not sent."""
    module = default_module()
    monkeypatch.setattr(module, "_main_name", "CodeAgentCi")
    monkeypatch.setattr(module, "_main", module._objects["CodeAgentCi"])
    kept = {}

    async def keep_instead_of_sending(self):
        kept["module"] = self
        return "module-id"

    monkeypatch.setattr(ModuleObject, "id", keep_instead_of_sending)
    assert anyio.run(module._typedefs) == "module-id"

    text = render(kept["module"])
    assert "withDescription(description='Build, test and publish the code-agent CLI image" in text
    for name in ("build", "dist", "test_container", "publish"):
        assert f"Query.function(name='{name}'" in text, text
    source_args = [line for line in text.splitlines() if "withArg(name='source'" in line]
    assert len(source_args) == 4
    assert all("defaultPath='/'" in line and "'!Dockerfile'" in line for line in source_args)


# --- the lazily built call chains ----------------------------------------------------------------


def test_build_runs_the_dockerfile_runtime_target_with_all_build_args():
    ctr = anyio.run(
        functools.partial(
            CodeAgentCi().build,
            source(),
            python_image="mirror.example/python:3.12-slim-bookworm",
            uv_image="mirror.example/uv:0.13.9",
            platform="linux/arm64",
            version="9.8.7",
            revision=SHA,
            created="2026-01-02T03:04:05Z",
        )
    )
    call = only(ctr, "dockerBuild")
    assert call.args["target"] == "runtime", render(ctr)
    assert call.args["platform"] == "linux/arm64"
    assert build_args(ctr) == {
        "PYTHON_IMAGE": "mirror.example/python:3.12-slim-bookworm",
        "UV_IMAGE": "mirror.example/uv:0.13.9",
        "VERSION": "9.8.7",
        "REVISION": SHA,
        "CREATED": "2026-01-02T03:04:05Z",
    }
    assert calls(ctr)[-1].name == "dockerBuild"  # nothing added behind the Dockerfile's back


def test_build_defaults_match_the_dockerfile_defaults_and_leave_empty_args_out():
    ctr = anyio.run(functools.partial(CodeAgentCi().build, source(), version=VERSION))
    assert "platform" not in only(ctr, "dockerBuild").args  # the engine's own platform
    assert build_args(ctr) == {
        "PYTHON_IMAGE": "python:3.12-slim-bookworm",
        "UV_IMAGE": "ghcr.io/astral-sh/uv:0.13.9",
        "VERSION": VERSION,
    }


def test_build_reads_the_version_from_the_source_when_not_given(monkeypatch):
    seen = []

    async def version_of(src):
        seen.append(src)
        return "4.5.6"

    monkeypatch.setattr(main, "package_version", version_of)
    src = source()
    ctr = anyio.run(CodeAgentCi().build, src)
    assert seen == [src]
    assert build_args(ctr)["VERSION"] == "4.5.6"


def test_dist_is_the_builder_stage_app_dist_directory():
    out = CodeAgentCi().dist(source(), uv_image="mirror.example/uv:0.13.9")
    assert only(out, "dockerBuild").args["target"] == "builder", render(out)
    assert build_args(out)["UV_IMAGE"] == "mirror.example/uv:0.13.9"
    assert calls(out)[-1].name == "directory" and calls(out)[-1].args == {"path": "/app/dist"}


def test_smoke_steps_run_as_the_image_user_with_the_workspace_mounted():
    image = main.runtime_image(source(), version=VERSION)
    steps = main.smoke_steps(image, None, VERSION)
    last = steps[-1][1]

    assert only(last, "withUser").args == {"name": "codeagent"}, render(last)
    mount = only(last, "withMountedDirectory")
    assert mount.args["path"] == "/workspace"
    assert mount.args["owner"] == "10001:10001"
    sample = [c.args["path"] for c in named(mount.args["source"], "withNewFile")]
    assert "app/main.py" in sample
    assert only(last, "withWorkdir").args == {"path": "/workspace"}
    execs = [c.args["args"] for c in named(last, "withExec")]
    assert execs == [check.args for check, _ in steps]
    assert ["code-agent", "--version"] in execs
    assert ["code-agent", "analyze", "/workspace", "--format", "json"] in execs
    create = next(args for args in execs if args[:2] == ["code-agent", "create"])
    assert create[-2:] == ["--output-dir", "/workspace"]
    assert all(c.args.get("expect") == "ANY" for c in named(last, "withExec"))  # we judge them
    # each step's container is the chain up to and including its own command
    for index, (check, ctr) in enumerate(steps):
        assert [c.args["args"] for c in named(ctr, "withExec")] == execs[: index + 1]


def test_smoke_steps_mount_the_given_workspace():
    workspace = dag.host().directory(str(REPO_ROOT / "code_agent"))
    steps = main.smoke_steps(main.runtime_image(source()), workspace, VERSION)
    assert only(steps[0][1], "withMountedDirectory").args["source"] is workspace


def test_test_container_smoke_tests_the_runtime_image(monkeypatch):
    seen = {}

    async def version_of(_src):
        return "1.2.3"

    async def checks(image, workspace, version):
        seen.update(image=image, workspace=workspace, version=version)
        return "ok"

    monkeypatch.setattr(main, "package_version", version_of)
    monkeypatch.setattr(main, "run_smoke_checks", checks)
    workspace = dag.directory()
    assert anyio.run(CodeAgentCi().test_container, source(), workspace) == "ok"
    assert only(seen["image"], "dockerBuild").args["target"] == "runtime"
    assert build_args(seen["image"])["VERSION"] == "1.2.3"
    assert (seen["workspace"], seen["version"]) == (workspace, "1.2.3")


@pytest.mark.parametrize(
    ("check_index", "stdout", "ok"),
    [
        (0, "10001:10001 /home/codeagent\n", True),
        (0, "0:0 /root\n", False),
        (1, f"code-agent {VERSION}\n", True),
        (1, "code-agent 0.0.0\n", False),
        (
            2,
            json.dumps({"formatVersion": 1, "languages": [{"language": "Python", "files": 2}]}),
            True,
        ),
        (
            2,
            json.dumps(
                {
                    "formatVersion": 1,
                    "analysis": {"languages": [{"language": "Python", "files": 1}]},
                }
            ),
            True,
        ),
        (2, json.dumps({"languages": [{"language": "Python", "files": 2}]}), False),
        (2, json.dumps({"formatVersion": 1, "languages": []}), False),
        (2, "Python 2 files", False),
        (4, "12\n10001:10001\n", True),
        (4, "0\n10001:10001\n", False),
        (4, "12\n0:0\n", False),
        (4, "stat: cannot stat\n", False),
    ],
)
def test_smoke_checks_judge_the_output(check_index, stdout, ok):
    check = smoke.smoke_checks(VERSION)[check_index]
    problem = check.verify(stdout)
    assert (problem is None) is ok, problem


def test_smoke_checks_accept_what_the_real_cli_prints_for_the_sample_tree(run_cli, tmp_path):
    """The CLI checks of test-container, run natively on the sample tree the module mounts."""
    for call in named(main.sample_workspace(), "withNewFile"):
        target = tmp_path / call.args["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(call.args["contents"])
    cli_checks = [c for c in smoke.smoke_checks(VERSION) if c.args[0] == "code-agent"]
    assert len(cli_checks) == 3
    for check in cli_checks:
        args = [str(tmp_path) if a == smoke.WORKSPACE else a for a in check.args[1:]]
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, f"{check.name}: {result.stderr}"
        assert check.verify(result.stdout) is None, f"{check.name}: {result.stdout[:500]}"
    assert (tmp_path / smoke.SMOKE_PROJECT / "pyproject.toml").is_file()


# --- publish: order, guard and one push per tag, with AWS on a moto server ------------------------


@pytest.fixture
def engine_leaves(monkeypatch):
    """Stand-ins for the calls that need an engine; they record what publish asked for."""
    events: list[tuple] = []

    async def version_of(_src):
        return VERSION

    async def reveal(secret):
        return secret_plaintext(secret) if secret is not None else None

    async def gate(image, workspace, version):
        events.append(("gate", image, workspace, version))
        return "ok"

    async def push(step):
        events.append(("push", step))
        return f"{step.address}@sha256:{'ab' * 32}"

    monkeypatch.setattr(main, "package_version", version_of)
    monkeypatch.setattr(main, "reveal", reveal)
    monkeypatch.setattr(main, "run_smoke_checks", gate)
    monkeypatch.setattr(main, "push", push)
    return events


@pytest.fixture
def moto_env(moto_server, monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)  # boto3 honours it for every client
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return moto_server


def publish(**kwargs):
    kwargs.setdefault("region", REGION)
    kwargs.setdefault("account_id", ACCOUNT)
    kwargs.setdefault("aws_access_key_id", dag.set_secret("aws-key", "AKIATEST"))
    kwargs.setdefault("aws_secret_access_key", dag.set_secret("aws-secret", "test-secret"))
    return anyio.run(functools.partial(CodeAgentCi().publish, source(), **kwargs))


def ecr_client():
    return ecr.ecr_client(REGION, ecr.AwsCredentials("AKIATEST", "test-secret"))


def test_publish_main_creates_the_repository_gates_then_pushes_each_planned_tag(
    moto_env, engine_leaves
):
    refs = publish(repository="ca-publish-main", branch="main", build_number="12", commit=SHA)

    planned = ["latest", "main", "build-12", f"sha-{SHA[:7]}"]
    assert refs == [f"{ECR_HOST}/ca-publish-main:{t}@sha256:{'ab' * 32}" for t in planned]
    assert [e[0] for e in engine_leaves] == ["gate"] + ["push"] * len(planned)

    repo = ecr_client().describe_repositories(repositoryNames=["ca-publish-main"])
    assert repo["repositories"][0]["imageScanningConfiguration"]["scanOnPush"] is True

    gate_image = engine_leaves[0][1]
    assert build_args(gate_image)["REVISION"] == SHA
    password = ecr.login(ecr_client(), ACCOUNT).password
    for (_, step), tag in zip(engine_leaves[1:], planned, strict=True):
        assert step.address == f"{ECR_HOST}/ca-publish-main:{tag}"
        auth = only(step.container, "withRegistryAuth")
        assert (auth.args["address"], auth.args["username"]) == (ECR_HOST, "AWS")
        assert secret_plaintext(auth.args["secret"]) == password
        build = only(step.container, "dockerBuild").args
        assert (build["target"], build["platform"]) == ("runtime", "linux/amd64")
        assert build_args(step.container)["VERSION"] == VERSION
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", build_args(step.container)["CREATED"]
        )
        assert step.platform_variants == []
        assert "plaintext='***'" in render(step.container)


def test_publish_several_platforms_is_one_build_per_platform_as_variants(moto_env, engine_leaves):
    publish(
        repository="ca-publish-multi", branch="develop", platforms=["linux/amd64", "linux/arm64"]
    )
    pushes = [e[1] for e in engine_leaves if e[0] == "push"]
    assert [p.address.rsplit(":", 1)[1] for p in pushes] == ["develop"]
    (step,) = pushes
    assert only(step.container, "dockerBuild").args["platform"] == "linux/amd64"
    (variant,) = step.platform_variants
    assert only(variant, "dockerBuild").args["platform"] == "linux/arm64", render(variant)
    assert only(engine_leaves[0][1], "dockerBuild").args["platform"] == "linux/amd64"


def test_publish_refuses_an_existing_release_tag_before_testing_or_pushing(moto_env, engine_leaves):
    client = ecr_client()
    ecr.ensure_repository(client, "ca-publish-release")
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": 2,
            "digest": "sha256:" + "5" * 64,
        },
        "layers": [],
    }
    client.put_image(
        repositoryName="ca-publish-release", imageManifest=json.dumps(manifest), imageTag=VERSION
    )

    with pytest.raises(
        release.ReleaseExistsError, match=rf"ca-publish-release:{re.escape(VERSION)} already"
    ):
        publish(repository="ca-publish-release", git_tag=f"v{VERSION}")
    assert engine_leaves == []

    refs = publish(repository="ca-publish-release", git_tag=f"v{VERSION}", force=True)
    minor = VERSION.rsplit(".", 1)[0]
    assert [r.split("@")[0] for r in refs] == [
        f"{ECR_HOST}/ca-publish-release:{VERSION}",
        f"{ECR_HOST}/ca-publish-release:{minor}",
    ]


def test_publish_with_a_mismatched_release_tag_fails_before_any_aws_call(moto_env, engine_leaves):
    with pytest.raises(tags.TagPlanError, match="does not match the package version"):
        publish(repository="ca-publish-mismatch", git_tag="v99.0.0")
    names = [r["repositoryName"] for r in ecr_client().describe_repositories()["repositories"]]
    assert "ca-publish-mismatch" not in names
    assert engine_leaves == []


def test_publish_through_web_identity_assumes_the_role(moto_env, engine_leaves):
    refs = publish(
        repository="ca-publish-oidc",
        branch="feature/x",
        commit=SHA,
        account_id="",  # taken from the assumed role's identity
        aws_access_key_id=None,
        aws_secret_access_key=None,
        aws_web_identity_token=dag.set_secret("oidc", "header.payload.signature"),
        aws_role_arn=f"arn:aws:iam::{ACCOUNT}:role/bitbucket",
    )
    assert [r.split("@")[0] for r in refs] == [
        f"{ECR_HOST}/ca-publish-oidc:feature-x",
        f"{ECR_HOST}/ca-publish-oidc:sha-{SHA[:7]}",
    ]


def test_publish_stops_when_the_gate_fails(moto_env, engine_leaves, monkeypatch):
    async def failing_gate(image, workspace, version):
        raise smoke.SmokeTestError("test-container: code-agent --version failed: exit code 1")

    monkeypatch.setattr(main, "run_smoke_checks", failing_gate)
    with pytest.raises(smoke.SmokeTestError):
        publish(repository="ca-publish-gate", branch="main")
    assert [e for e in engine_leaves if e[0] == "push"] == []


@pytest.mark.registry
def test_publish_to_another_registry_makes_no_aws_call(engine_leaves, monkeypatch, oci_registry):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would fail if used

    refs = publish(
        registry=oci_registry,
        branch="develop",
        region="",
        aws_access_key_id=None,
        aws_secret_access_key=None,
    )
    assert [r.split("@")[0] for r in refs] == [f"{oci_registry}/code-agent:develop"]
    (_, step) = engine_leaves[-1]
    assert named(step.container, "withRegistryAuth") == []

    publish(
        registry=oci_registry,
        branch="develop",
        region="",
        registry_username="ci",
        registry_password=dag.set_secret("reg", "pw"),
    )
    auth = only(engine_leaves[-1][1].container, "withRegistryAuth")
    assert (auth.args["address"], auth.args["username"]) == (oci_registry, "ci")


@pytest.mark.registry
def test_publish_to_another_registry_refuses_an_existing_release_tag(engine_leaves, oci_registry):
    push_test_manifest(oci_registry, "guarded", VERSION)

    with pytest.raises(release.ReleaseExistsError, match=rf"guarded:{re.escape(VERSION)} already"):
        publish(registry=oci_registry, repository="guarded", git_tag=f"v{VERSION}", region="")
    assert engine_leaves == []

    refs = publish(
        registry=oci_registry, repository="guarded", git_tag=f"v{VERSION}", region="", force=True
    )
    assert refs[0].startswith(f"{oci_registry}/guarded:{VERSION}@sha256:")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"region": "", "branch": "main"}, ecr.EcrError, "needs --region"),
        ({"branch": "main", "platforms": ["amd64"]}, ValueError, "not os/arch"),
        ({"branch": "main", "platforms": []}, ValueError, "no platform"),
        ({}, tags.TagPlanError, "nothing to tag"),
    ],
)
def test_publish_refuses_bad_arguments_before_building(engine_leaves, kwargs, error, message):
    with pytest.raises(error, match=message):
        publish(**kwargs)
    assert engine_leaves == []


# --- the Dockerfile, .dockerignore and README agree with the module ---------------------------


def dockerfile_text() -> str:
    path = REPO_ROOT / "Dockerfile"
    if not path.is_file():
        skip_or_fail("Dockerfile not there yet (issue: container image)")
    return path.read_text()


def test_dockerfile_has_the_targets_the_module_builds():
    stages = re.findall(r"(?im)^\s*FROM\s+\S+(?:\s+--\S+)*\s+AS\s+(\S+)\s*$", dockerfile_text())
    stages = [s.lower() for s in stages]
    assert main.BUILDER_TARGET in stages and main.RUNTIME_TARGET in stages, stages


def test_dockerfile_declares_every_build_arg_with_the_module_defaults():
    text = dockerfile_text()
    declared = dict(re.findall(r"(?m)^\s*ARG\s+([A-Z_]+)(?:=(\S*))?", text))
    for name in ("PYTHON_IMAGE", "UV_IMAGE", "VERSION", "REVISION", "CREATED"):
        assert name in declared, f"ARG {name} missing from Dockerfile"
    assert declared["PYTHON_IMAGE"].strip("\"'") == main.DEFAULT_PYTHON_IMAGE
    assert declared["UV_IMAGE"].strip("\"'") == main.DEFAULT_UV_IMAGE


def test_dockerfile_builder_leaves_dist_and_runtime_matches_the_smoke_test_contract():
    text = dockerfile_text()
    runtime = re.split(r"(?im)^\s*FROM\s+.*\s+AS\s+runtime\s*$", text)[-1]
    assert main.DIST_PATH in text, "builder stage must leave the wheel and sdist in /app/dist"
    assert re.search(r"(?m)^\s*WORKDIR\s+/workspace\s*$", runtime)
    assert re.search(r"(?m)^\s*USER\s+(codeagent|10001)(:(codeagent|10001))?\s*$", runtime)
    assert smoke.RUNTIME_HOME in runtime


def test_source_ignore_mirrors_dockerignore():
    path = REPO_ROOT / ".dockerignore"
    if not path.is_file():
        skip_or_fail(".dockerignore not there yet (issue: container image)")
    patterns = [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert main.DOCKERIGNORE == patterns
    assert main.SOURCE_IGNORE == [*patterns, "!Dockerfile", "!.dockerignore"]


def readme_dagger_calls() -> list[list[str]]:
    text = (REPO_ROOT / "README.md").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("dagger call ")]
    return [shlex.split(line, comments=True) for line in lines]


def test_readme_dagger_call_lines_use_registered_functions_and_arguments(registered):
    commands = readme_dagger_calls()
    if not commands:
        skip_or_fail("README has no `dagger call` lines yet (the lead assembles README)")
    params_of = {
        name.replace("_", "-"): {p.name.replace("_", "-"): p for p in fn.parameters.values()}
        for name, fn in registered.functions.items()
    }
    for words in commands:
        words = words[2:]
        while words and words[0].startswith("-"):  # dagger's own flags before the function
            words = words[2:] if "=" not in words[0] else words[1:]
        function, args = words[0], words[1:]
        assert function in params_of, f"README calls unknown function {function!r}"
        index = 0
        while index < len(args) and args[index].startswith("--"):
            flag, _, inline = args[index][2:].partition("=")
            assert flag in params_of[function], f"README: {function} has no --{flag}"
            switch = params_of[function][flag].resolved_type is bool
            index += 1 if inline or switch else 2
        # whatever follows (export --path ..., stdout) is a call on the returned object
