"""Build, smoke-test and publish the code-agent image; the repository's Dockerfile is the recipe.

Functions are short pipelines over ``Directory.docker_build``. The rules live in plain Python
next to this file: ``tags.py`` (what to tag), ``smoke.py`` (what test-container runs and how
its output is judged), ``release.py`` (platforms, the guard against overwriting a release,
everything AWS before the gate), ``ecr.py`` (AWS: credentials, repository, login) and
``oci.py`` (tags already in another registry). Our ECR: account 540845145946, us-east-1,
repository ``code-agent`` (pass them as arguments; ``scripts/deploy_cli_to_ecr.sh`` does).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from typing import Annotated

import anyio

import dagger
from dagger import DefaultPath, Doc, Ignore, dag, function, object_type

from . import ecr, release, smoke, tags

# Must equal the Dockerfile's ARG defaults (tests/pipeline/test_dagger_module.py checks it).
DEFAULT_PYTHON_IMAGE = "python:3.12-slim-bookworm"
DEFAULT_UV_IMAGE = "ghcr.io/astral-sh/uv:0.13.9"
DEFAULT_PLATFORMS = ("linux/amd64",)
DEFAULT_REPOSITORY = "code-agent"

RUNTIME_TARGET = "runtime"
BUILDER_TARGET = "builder"
DIST_PATH = "/app/dist"
VERSION_FILE = "code_agent/__init__.py"

# What the build context holds: .dockerignore's allow-list verbatim (a test keeps them equal),
# so `dagger call` uploads what `docker build` sends, plus the two files Docker reads from the
# context even when ignored: the Dockerfile and .dockerignore itself.
DOCKERIGNORE = [
    "*",
    "!pyproject.toml",
    "!uv.lock",
    "!README.md",
    "!code_agent/",
    "!tests/",
    "!docker-entrypoint.sh",
    "**/__pycache__",
    "**/*.py[cod]",
    "**/.pytest_cache",
]
SOURCE_IGNORE = [*DOCKERIGNORE, "!Dockerfile", "!.dockerignore"]

Source = Annotated[
    dagger.Directory,
    DefaultPath("/"),
    Ignore(SOURCE_IGNORE),
    Doc("The code-agent repository (default: this one, filtered like .dockerignore)"),
]
PythonImage = Annotated[
    str, Doc("Base image for both Dockerfile stages (build arg PYTHON_IMAGE); a mirror works")
]
UvImage = Annotated[str, Doc("Image the uv binary is copied from (build arg UV_IMAGE)")]


@dataclasses.dataclass(frozen=True)
class PublishStep:
    address: str
    container: dagger.Container
    platform_variants: list[dagger.Container]


@object_type
class CodeAgentCi:
    """Build, test and publish the code-agent CLI image (the Dockerfile is the one recipe)."""

    @function
    async def build(
        self,
        source: Source,
        python_image: PythonImage = DEFAULT_PYTHON_IMAGE,
        uv_image: UvImage = DEFAULT_UV_IMAGE,
        platform: Annotated[
            str, Doc("Platform to build, e.g. linux/arm64 (default: the engine's own)")
        ] = "",
        version: Annotated[
            str, Doc("OCI version label (default: __version__ of code_agent/__init__.py)")
        ] = "",
        revision: Annotated[str, Doc("OCI revision label: the git commit")] = "",
        created: Annotated[str, Doc("OCI created label, RFC 3339 (default: none)")] = "",
    ) -> dagger.Container:
        """The runtime image: the Dockerfile's "runtime" target."""
        if not version:
            version = await package_version(source)
        return runtime_image(
            source,
            python_image=python_image,
            uv_image=uv_image,
            platform=platform,
            version=version,
            revision=revision,
            created=created,
        )

    @function
    def dist(
        self,
        source: Source,
        python_image: PythonImage = DEFAULT_PYTHON_IMAGE,
        uv_image: UvImage = DEFAULT_UV_IMAGE,
    ) -> dagger.Directory:
        """The wheel and sdist built in the Dockerfile's "builder" stage (what CodeArtifact gets)."""
        builder = source.docker_build(
            target=BUILDER_TARGET,
            build_args=build_args(python_image=python_image, uv_image=uv_image),
        )
        return builder.directory(DIST_PATH)

    @function
    async def test_container(
        self,
        source: Source,
        workspace: Annotated[
            dagger.Directory | None,
            Doc("Tree mounted at /workspace for analyze/create (default: a small sample tree)"),
        ] = None,
        python_image: PythonImage = DEFAULT_PYTHON_IMAGE,
        uv_image: UvImage = DEFAULT_UV_IMAGE,
    ) -> str:
        """Smoke-test the image as its non-root user: --version, analyze, create; a short report."""
        version = await package_version(source)
        image = runtime_image(source, python_image=python_image, uv_image=uv_image, version=version)
        return await run_smoke_checks(image, workspace, version)

    @function
    async def publish(
        self,
        source: Source,
        region: Annotated[str, Doc("AWS region of the ECR registry (ours: us-east-1)")] = "",
        account_id: Annotated[
            str,
            Doc("AWS account id of the registry (ours: 540845145946; default: the caller's)"),
        ] = "",
        repository: Annotated[str, Doc("Image repository name")] = DEFAULT_REPOSITORY,
        registry: Annotated[
            str,
            Doc("Publish to this registry host instead of ECR (no AWS calls), e.g. host:5000"),
        ] = "",
        registry_username: Annotated[str, Doc("User for --registry")] = "",
        registry_password: Annotated[
            dagger.Secret | None, Doc("Password or token for --registry")
        ] = None,
        branch: Annotated[str, Doc("Git branch being built (main, develop, ...)")] = "",
        git_tag: Annotated[str, Doc("Release tag vX.Y.Z; must equal the package version")] = "",
        build_number: Annotated[str, Doc("CI build number, for the build-<n> tag")] = "",
        commit: Annotated[str, Doc("Git commit, for the sha-<7> tag and revision label")] = "",
        platforms: Annotated[
            list[str], Doc("Platforms; several make one multi-platform manifest")
        ] = list(DEFAULT_PLATFORMS),  # noqa: B006 - registered as the visible default; never mutated
        force: Annotated[bool, Doc("Overwrite an existing X.Y.Z version tag")] = False,
        kms_key: Annotated[
            str, Doc("KMS key for a new repository's encryption (default: AES256)")
        ] = "",
        aws_access_key_id: Annotated[dagger.Secret | None, Doc("AWS access key id")] = None,
        aws_secret_access_key: Annotated[dagger.Secret | None, Doc("AWS secret access key")] = None,
        aws_session_token: Annotated[
            dagger.Secret | None, Doc("AWS session token (temporary credentials)")
        ] = None,
        aws_web_identity_token: Annotated[
            dagger.Secret | None,
            Doc("OIDC token (e.g. Bitbucket's) exchanged for --aws-role-arn"),
        ] = None,
        aws_role_arn: Annotated[str, Doc("IAM role to assume with the web identity token")] = "",
        python_image: PythonImage = DEFAULT_PYTHON_IMAGE,
        uv_image: UvImage = DEFAULT_UV_IMAGE,
    ) -> list[str]:
        """Test, then push every planned tag; returns each registry/repo:tag@sha256:... reference.

        Order: tag plan, credentials, repository (created if missing), refusal to overwrite an
        existing X.Y.Z unless --force, the test-container gate, then one push per tag.
        """
        version = await package_version(source)
        planned = tags.plan_tags(version, branch, git_tag, build_number, commit)
        wanted = release.check_platforms(platforms)

        if registry:
            host, username = registry.rstrip("/"), registry_username
            password = registry_password
            await anyio.to_thread.run_sync(
                functools.partial(
                    release.guard_registry,
                    host,
                    repository,
                    planned,
                    force=force,
                    username=username,
                    password=await reveal(registry_password),
                )
            )
        else:
            if not region:
                raise ecr.EcrError("publish to ECR needs --region (ours: us-east-1)")
            login = await anyio.to_thread.run_sync(
                functools.partial(
                    release.prepare_ecr,
                    region=region,
                    account_id=account_id,
                    repository=repository,
                    planned=planned,
                    force=force,
                    kms_key=kms_key,
                    access_key_id=await reveal(aws_access_key_id),
                    secret_access_key=await reveal(aws_secret_access_key),
                    session_token=await reveal(aws_session_token),
                    web_identity_token=await reveal(aws_web_identity_token),
                    role_arn=aws_role_arn,
                )
            )
            host, username = login.host, login.username
            password = dag.set_secret(f"ecr-{host}", login.password)

        created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        variants = [
            runtime_image(
                source,
                python_image=python_image,
                uv_image=uv_image,
                platform=platform,
                version=version,
                revision=commit,
                created=created,
            )
            for platform in wanted
        ]
        await run_smoke_checks(variants[0], None, version)  # the gate: nothing pushed before

        steps = publish_steps(variants, host, repository, planned, username, password)
        return [await push(step) for step in steps]


# --- pipelines (pure: they only build lazy Dagger objects) -------------------------------------


def build_args(**values: str) -> list[dagger.BuildArg]:
    """Dockerfile build args; empty values are left out so the Dockerfile's defaults apply."""
    return [
        dagger.BuildArg(name=name.upper(), value=value) for name, value in values.items() if value
    ]


def runtime_image(
    source: dagger.Directory,
    *,
    python_image: str = DEFAULT_PYTHON_IMAGE,
    uv_image: str = DEFAULT_UV_IMAGE,
    platform: str = "",
    version: str = "",
    revision: str = "",
    created: str = "",
) -> dagger.Container:
    return source.docker_build(
        target=RUNTIME_TARGET,
        platform=dagger.Platform(platform) if platform else None,
        build_args=build_args(
            python_image=python_image,
            uv_image=uv_image,
            version=version,
            revision=revision,
            created=created,
        ),
    )


def sample_workspace() -> dagger.Directory:
    """A small tree with something for analyze to count."""
    return (
        dag.directory()
        .with_new_file(
            "app/main.py",
            '"""Sample service."""\n\n\ndef main() -> int:\n    # entry point\n    return 0\n',
        )
        .with_new_file(
            "app/test_main.py",
            "from app.main import main\n\n\ndef test_main():\n    assert main() == 0\n",
        )
        .with_new_file("README.md", "# sample\n\nA tree for code-agent's smoke test.\n")
    )


def smoke_steps(
    image: dagger.Container, workspace: dagger.Directory | None, version: str
) -> list[tuple[smoke.Check, dagger.Container]]:
    """Each check with the container state that runs it (chained, so files carry over)."""
    ctr = (
        image.with_user(smoke.RUNTIME_USER)
        .with_mounted_directory(
            smoke.WORKSPACE,
            workspace if workspace is not None else sample_workspace(),
            owner=smoke.RUNTIME_UID_GID,
        )
        .with_workdir(smoke.WORKSPACE)
    )
    steps = []
    for check in smoke.smoke_checks(version):
        ctr = ctr.with_exec(check.args, expect=dagger.ReturnType.ANY)
        steps.append((check, ctr))
    return steps


def publish_steps(
    variants: list[dagger.Container],
    host: str,
    repository: str,
    planned: list[str],
    username: str = "",
    password: dagger.Secret | None = None,
) -> list[PublishStep]:
    """One push per planned tag: the first platform's image, the others as variants."""
    ctr = variants[0]
    if password is not None:
        ctr = ctr.with_registry_auth(host, username, password)
    return [PublishStep(f"{host}/{repository}:{tag}", ctr, list(variants[1:])) for tag in planned]


# --- the few places that talk to the engine ----------------------------------------------------


async def package_version(source: dagger.Directory) -> str:
    return tags.read_package_version(await source.file(VERSION_FILE).contents())


async def reveal(secret: dagger.Secret | None) -> str | None:
    return await secret.plaintext() if secret is not None else None


async def run_smoke_checks(
    image: dagger.Container, workspace: dagger.Directory | None, version: str
) -> str:
    report = []
    for check, ctr in smoke_steps(image, workspace, version):
        code = await ctr.exit_code()
        stdout = await ctr.stdout()
        problem = f"exit code {code}" if code != 0 else check.verify(stdout)
        if problem:
            stderr = await ctr.stderr()
            raise smoke.SmokeTestError(
                f"test-container: {check.name} failed: {problem}\n"
                f"$ {' '.join(check.args)}\n--- stdout\n{stdout.strip()}\n"
                f"--- stderr\n{stderr.strip()}"
            )
        report.append(f"ok  {check.name}")
    return "\n".join(report)


async def push(step: PublishStep) -> str:
    return await step.container.publish(
        step.address, platform_variants=step.platform_variants or None
    )
