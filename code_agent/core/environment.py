"""Environment probe: container detection, effective user, HOME and workspace writability.

Plain Python (no click, no rich) so other commands can reuse it, e.g. ``in_container()`` to
phrase a hint for ``docker run`` users. Every probe takes its inputs (file-system root,
environment) as arguments with the real ones as defaults, so tests can describe a machine.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from code_agent.models.doctor import ContainerInfo, UserInfo, WorkspaceInfo

# Substrings of a cgroup path that betray a container runtime (cgroup v1, and v2 with a
# non-private namespace), checked in this order.
_CGROUP_HINTS: tuple[tuple[str, str], ...] = (
    ("kubepods", "kubernetes"),
    ("libpod", "podman"),
    ("/docker/", "docker"),  # cgroupfs driver
    ("docker-", "docker"),  # systemd driver: docker-<id>.scope (not docker.service, the daemon)
    ("/ecs/", "ecs"),
    ("/lxc/", "lxc"),
    ("lxc.payload", "lxc"),
)

# Files a runtime bind-mounts into every container; where they come from names the runtime.
_RUNTIME_MOUNT_POINTS = ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")
_MOUNT_SOURCE_HINTS: tuple[tuple[str, str], ...] = (
    ("/kubelet/pods/", "kubernetes"),
    ("/docker/containers/", "docker"),
    ("/containers/storage/", "podman"),
    ("/libpod/", "podman"),
    ("/containerd/", "containerd"),
)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _cgroup_hint(text: str) -> tuple[str, str] | None:
    """(cgroup path, runtime) of the first line naming a container runtime."""
    for line in text.splitlines():
        cgroup_path = line.rsplit(":", 1)[-1]
        for key, runtime in _CGROUP_HINTS:
            if key in cgroup_path:
                return cgroup_path, runtime
    return None


def detect_container(
    root: Path = Path("/"), environ: Mapping[str, str] | None = None
) -> ContainerInfo:
    """Collect every sign that this process runs in a container, with the evidence for each."""
    env = os.environ if environ is None else environ
    evidence: list[str] = []
    runtimes: list[str] = []

    def found(what: str, runtime: str) -> None:
        evidence.append(what)
        runtimes.append(runtime)

    if (root / ".dockerenv").exists():
        found("/.dockerenv exists", "docker")
    if (root / "run/.containerenv").exists():
        found("/run/.containerenv exists", "podman")

    for proc_file in ("proc/1/cgroup", "proc/self/cgroup"):
        hit = _cgroup_hint(_read(root / proc_file))
        if hit:
            found(f"/{proc_file} mentions {hit[1]} ({hit[0]})", hit[1])
            break  # one cgroup file is evidence enough

    # cgroup v2 with a private namespace shows only "0::/"; the runtime's bind mounts still tell.
    for line in _read(root / "proc/self/mountinfo").splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[4] not in _RUNTIME_MOUNT_POINTS:
            continue
        source = fields[3]
        hint = next((rt for key, rt in _MOUNT_SOURCE_HINTS if key in source), None)
        if hint:
            found(f"{fields[4]} is mounted from {source} ({hint})", hint)
            break

    if env.get("KUBERNETES_SERVICE_HOST"):
        found("KUBERNETES_SERVICE_HOST is set", "kubernetes")
    for name in ("ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI"):
        if env.get(name):
            found(f"{name} is set", "ecs")
            break
    if env.get("container"):  # set by podman, systemd-nspawn, LXC
        found(f"container={env['container']} is set", env["container"])

    # The orchestrator says more than the engine underneath it.
    runtime = next((rt for rt in ("kubernetes", "ecs") if rt in runtimes), None)
    return ContainerInfo(
        detected=bool(evidence),
        runtime=runtime or (runtimes[0] if runtimes else None),
        evidence=evidence,
    )


def in_container() -> bool:
    """True when this process runs in a container (Docker, Podman, Kubernetes, ECS, ...)."""
    return detect_container().detected


def probe_writable(directory: Path) -> tuple[bool, str | None]:
    """Really try to create (and remove) a file: the only answer that holds for root, ACLs,
    read-only mounts and user namespaces alike. Returns (writable, reason when not)."""
    try:
        handle, name = tempfile.mkstemp(prefix=".code-agent-doctor-", dir=directory)
    except OSError as error:
        return False, error.strerror or str(error)
    os.close(handle)
    os.unlink(name)
    return True, None


def probe_user(environ: Mapping[str, str] | None = None) -> UserInfo:
    """Effective UID/GID, user name (None without a passwd entry) and HOME."""
    import pwd

    env = os.environ if environ is None else environ
    uid, gid = os.geteuid(), os.getegid()
    try:
        entry = pwd.getpwuid(uid)
        name, passwd_home = entry.pw_name, entry.pw_dir
    except KeyError:
        name, passwd_home = None, None
    home = env.get("HOME") or passwd_home
    info = UserInfo(uid=uid, gid=gid, name=name, home=home)
    if home:
        info.home_exists = os.path.isdir(home)  # False, not an exception, when not searchable
        info.home_writable = info.home_exists and probe_writable(Path(home))[0]
    return info


def probe_workspace(path: Path) -> WorkspaceInfo:
    """Whether ``path`` is a directory this process can create files in, and who owns it.

    A path this user cannot even reach (a parent without search permission) is reported with
    ``exists=False`` and ``error="Permission denied"``, not as missing.
    """
    import stat

    absolute = Path(os.path.abspath(path))
    info = WorkspaceInfo(path=str(absolute), exists=False, is_dir=False, writable=False)
    try:
        status = absolute.stat()
    except OSError as error:
        info.error = error.strerror or str(error)
        return info
    info.exists, info.is_dir = True, stat.S_ISDIR(status.st_mode)
    info.owner_uid, info.owner_gid = status.st_uid, status.st_gid
    if not info.is_dir:
        info.error = "Not a directory"
        return info
    info.writable, info.error = probe_writable(absolute)
    return info
