"""A real Distribution registry (Debian `docker-registry`) on 127.0.0.1 for the container and
pipeline tests, and a way to push a tiny image manifest into it over the distribution API."""

from __future__ import annotations

import hashlib
import json
import subprocess
import urllib.request
from pathlib import Path

from tests.conftest import free_port, http_ok, wait_until

REGISTRY_BINARY = "/usr/bin/docker-registry"
REGISTRY_USER = ("ci", "registry-test-password")


def start_registry(root: Path, auth: dict | None = None) -> tuple[subprocess.Popen, str]:
    address = f"127.0.0.1:{free_port()}"
    config = {
        "version": 0.1,
        "log": {"level": "warn", "formatter": "text"},
        "storage": {
            "filesystem": {"rootdirectory": str(root / "data")},
            "delete": {"enabled": True},
        },
        "http": {"addr": address},
    }
    if auth:
        config["auth"] = auth
    (root / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    with (root / "registry.log").open("wb") as sink:
        process = subprocess.Popen(
            [REGISTRY_BINARY, "serve", str(root / "config.yml")],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_until(lambda: http_ok(f"http://{address}/v2/"), what="docker-registry")
    except TimeoutError:
        process.kill()
        raise
    return process, address


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def push_test_manifest(address: str, repository: str, tag: str, auth: str | None = None) -> str:
    """Upload a config blob and an OCI manifest under ``tag`` over the distribution API."""
    headers = {"Authorization": auth} if auth else {}
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
    ).encode()
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    base = f"http://{address}/v2/{repository}"
    start = urllib.request.Request(f"{base}/blobs/uploads/", method="POST", headers=headers)
    with urllib.request.urlopen(start, timeout=10) as response:
        location = response.headers["Location"]
    if location.startswith("/"):
        location = f"http://{address}{location}"
    separator = "&" if "?" in location else "?"
    put_blob = urllib.request.Request(
        f"{location}{separator}digest={digest}",
        data=config,
        method="PUT",
        headers={**headers, "Content-Type": "application/octet-stream"},
    )
    urllib.request.urlopen(put_blob, timeout=10).close()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": len(config),
                "digest": digest,
            },
            "layers": [],
        }
    ).encode()
    put_manifest = urllib.request.Request(
        f"{base}/manifests/{tag}",
        data=manifest,
        method="PUT",
        headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    with urllib.request.urlopen(put_manifest, timeout=10) as response:
        return response.headers.get("Docker-Content-Digest", "")
