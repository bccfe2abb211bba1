"""Environment probe: container detection from a described file system, user, workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from code_agent.core import environment
from code_agent.core.environment import detect_container, probe_user, probe_workspace

DOCKER_V2_MOUNTINFO = (
    "620 590 0:52 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/...\n"
    "640 620 254:0 /var/lib/docker/containers/4f1c2d/resolv.conf /etc/resolv.conf rw - ext4 "
    "/dev/vda rw\n"
    "641 620 254:0 /var/lib/docker/containers/4f1c2d/hostname /etc/hostname rw - ext4 /dev/vda rw\n"
)
# A Docker HOST: its own mount table lists the containers' shm mounts, and dockerd runs in
# docker.service. Neither makes the host a container.
DOCKER_HOST_MOUNTINFO = (
    "25 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "300 25 0:60 / /var/lib/docker/containers/4f1c2d/mounts/shm rw - tmpfs shm rw\n"
)


def machine(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "root"
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    root.mkdir(parents=True, exist_ok=True)
    return root


def test_bare_machine_is_not_a_container(tmp_path):
    root = machine(tmp_path, {"proc/1/cgroup": "0::/init.scope\n"})
    info = detect_container(root, environ={})
    assert (info.detected, info.runtime, info.evidence) == (False, None, [])


def test_dockerenv_file_means_docker(tmp_path):
    info = detect_container(machine(tmp_path, {".dockerenv": ""}), environ={})
    assert info.detected and info.runtime == "docker"
    assert info.evidence == ["/.dockerenv exists"]


def test_containerenv_file_means_podman(tmp_path):
    info = detect_container(machine(tmp_path, {"run/.containerenv": "engine=podman"}), environ={})
    assert info.runtime == "podman" and "/run/.containerenv exists" in info.evidence


@pytest.mark.parametrize(
    ("cgroup", "runtime"),
    [
        ("12:pids:/docker/4f1c2d9e\n", "docker"),
        ("0::/system.slice/docker-4f1c2d9e.scope\n", "docker"),
        ("11:memory:/kubepods/besteffort/pod1234/4f1c2d\n", "kubernetes"),
        ("0::/machine.slice/libpod-4f1c2d.scope\n", "podman"),
        ("9:cpu:/ecs/task-id/4f1c2d\n", "ecs"),
    ],
)
def test_cgroup_path_names_the_runtime(tmp_path, cgroup, runtime):
    info = detect_container(machine(tmp_path, {"proc/1/cgroup": cgroup}), environ={})
    assert info.detected and info.runtime == runtime
    assert info.evidence[0].startswith("/proc/1/cgroup mentions")


def test_cgroup_v2_container_is_found_through_runtime_bind_mounts(tmp_path):
    root = machine(
        tmp_path, {"proc/1/cgroup": "0::/\n", "proc/self/mountinfo": DOCKER_V2_MOUNTINFO}
    )
    info = detect_container(root, environ={})
    assert info.detected and info.runtime == "docker"
    assert "/etc/resolv.conf is mounted from /var/lib/docker/containers/4f1c2d" in info.evidence[0]


def test_docker_host_itself_is_not_reported_as_a_container(tmp_path):
    root = machine(
        tmp_path,
        {
            "proc/1/cgroup": "0::/init.scope\n",
            "proc/self/cgroup": "0::/system.slice/docker.service\n",
            "proc/self/mountinfo": DOCKER_HOST_MOUNTINFO,
        },
    )
    assert not detect_container(root, environ={}).detected


def test_kubernetes_and_ecs_variables_are_evidence_and_name_the_orchestrator(tmp_path):
    root = machine(tmp_path, {".dockerenv": ""})
    k8s = detect_container(root, environ={"KUBERNETES_SERVICE_HOST": "10.0.0.1"})
    assert k8s.runtime == "kubernetes" and "KUBERNETES_SERVICE_HOST is set" in k8s.evidence
    ecs = detect_container(
        machine(tmp_path / "ecs", {}),
        environ={"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc"},
    )
    assert ecs.detected and ecs.runtime == "ecs"
    assert ecs.evidence == ["ECS_CONTAINER_METADATA_URI_V4 is set"]


def test_in_container_agrees_with_the_real_machine():
    expected = detect_container().detected
    assert environment.in_container() is expected
    if Path("/.dockerenv").exists():
        assert expected


def test_writable_directory_is_probed_by_really_writing(tmp_path):
    info = probe_workspace(tmp_path)
    assert (info.exists, info.is_dir, info.writable, info.error) == (True, True, True, None)
    assert (info.owner_uid, info.owner_gid) == (os.stat(tmp_path).st_uid, os.stat(tmp_path).st_gid)
    assert list(tmp_path.iterdir()) == [], "the write probe must not leave a file behind"


def test_missing_workspace_and_file_workspace_are_not_writable(tmp_path):
    missing = probe_workspace(tmp_path / "nope")
    assert (missing.exists, missing.writable) == (False, False)
    file = tmp_path / "file"
    file.write_text("x")
    as_file = probe_workspace(file)
    assert (as_file.exists, as_file.is_dir, as_file.writable) == (True, False, False)
    assert as_file.error == "Not a directory"


def test_workspace_path_is_reported_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert probe_workspace(Path(".")).path == str(tmp_path)


def test_user_reports_effective_ids_and_home_from_environment(tmp_path):
    user = probe_user({"HOME": str(tmp_path)})
    assert (user.uid, user.gid) == (os.geteuid(), os.getegid())
    assert user.home == str(tmp_path) and user.home_exists and user.home_writable


def test_missing_home_is_reported_as_missing(tmp_path):
    user = probe_user({"HOME": str(tmp_path / "gone")})
    assert (user.home_exists, user.home_writable) == (False, False)
