"""Result of `doctor`: what the environment looks like to code-agent, and what is off.

The JSON rendering (``DoctorReport.to_dict``) is a documented, stable shape: keys are
snake_case like the rest of code-agent's JSON, except ``aws.identity`` which keeps the names
STS itself returns (``Account``, ``Arn``, ``UserId``) so it reads like ``aws sts get-caller-identity``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Problem:
    """Something that will get in the user's way, with a one-line hint naming the fix."""

    code: str  # stable identifier, e.g. "workspace-not-writable"
    message: str
    hint: str | None = None


@dataclass
class Provenance:
    """Where the running code-agent came from (which distribution, installed by what, where)."""

    version: str  # code_agent.__version__ of the code that is running
    package_path: str  # directory of the running code_agent package
    distribution: str | None = None  # "code-agent" when installed, None when run from a bare tree
    distribution_version: str | None = None
    location: str | None = None  # the site-packages dir holding the distribution's metadata
    metadata_path: str | None = None  # the .dist-info directory
    installer: str | None = None  # INSTALLER file: uv, pip, ...
    editable: bool = False
    source_url: str | None = None  # direct_url.json "url" (file:// for local or editable installs)
    entry_point: str | None = None  # the console script's target, "code_agent.cli.entry:main"
    command: str | None = None  # the script this process was started as (sys.argv[0])
    command_on_path: str | None = None  # what `code-agent` resolves to on PATH
    owns_running_code: bool = False  # the distribution's files contain the running package
    ours: bool = False  # owns the running code, same version, our entry point


@dataclass
class PythonInfo:
    version: str
    implementation: str
    executable: str


@dataclass
class ContainerInfo:
    detected: bool
    runtime: str | None = None  # docker, podman, kubernetes, ecs, containerd, lxc, ...
    evidence: list[str] = field(default_factory=list)


@dataclass
class UserInfo:
    uid: int
    gid: int
    name: str | None  # None when the UID has no passwd entry (common with `docker run --user`)
    home: str | None
    home_exists: bool = False
    home_writable: bool = False


@dataclass
class WorkspaceInfo:
    path: str
    exists: bool
    is_dir: bool
    writable: bool
    owner_uid: int | None = None
    owner_gid: int | None = None
    error: str | None = None  # why the write probe failed, e.g. "Read-only file system"


@dataclass
class FileStatus:
    path: str
    exists: bool
    readable: bool


@dataclass
class AwsCredentials:
    # environment | shared-credentials-file | config-file | assume-role |
    # assume-role-with-web-identity | sso | process | container-role | instance-role |
    # boto-config | none (or botocore's own name for a method not listed here)
    source: str
    botocore_method: str | None = None
    profile: str | None = None  # None means the default profile
    path: str | None = None  # the file the credentials come from (credentials/config/token file)
    role_arn: str | None = None
    access_key_id: str | None = None  # masked, only for static keys (never triggers a refresh)
    error: str | None = None  # why resolution failed (bad profile, partial keys, ...)


@dataclass
class AwsInfo:
    credentials: AwsCredentials
    region: str | None = None
    profiles: list[str] = field(default_factory=list)  # profiles in the config/credentials files
    endpoint_url: str | None = None  # AWS_ENDPOINT_URL when set (boto3 honours it natively)
    config_file: FileStatus | None = None
    shared_credentials_file: FileStatus | None = None
    web_identity_token_file: FileStatus | None = None  # AWS_WEB_IDENTITY_TOKEN_FILE or profile's
    identity_checked: bool = False  # True only with --aws (STS GetCallerIdentity was called)
    identity: dict[str, str] | None = None  # {"Account", "Arn", "UserId"}
    identity_error: Problem | None = None


@dataclass
class DoctorReport:
    code_agent: Provenance
    python: PythonInfo
    container: ContainerInfo
    user: UserInfo
    workspace: WorkspaceInfo
    aws: AwsInfo
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"ok": self.ok, **data}
