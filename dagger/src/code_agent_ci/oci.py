"""The release guard for registries other than ECR: does a tag exist? (OCI distribution API)

``HEAD /v2/<repository>/manifests/<tag>``: 200 means the tag exists, 404 that it does not.
A 401 is answered as the registry asks in ``WWW-Authenticate``: Basic with the given user and
password, or Bearer with a token fetched from the named realm. Plain HTTP is used only for
loopback registries (as Docker does); everything else is HTTPS. Standard library only.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)
TIMEOUT = 30


class RegistryError(RuntimeError):
    """One line: which registry, what failed."""


def base_url(registry: str) -> str:
    host = registry.split("/")[0]
    loopback = re.fullmatch(r"(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?", host)
    return f"{'http' if loopback else 'https'}://{host}"


def existing_tags(
    registry: str,
    repository: str,
    tags: Iterable[str],
    *,
    username: str = "",
    password: str | None = None,
) -> list[str]:
    """Which of ``tags`` exist in ``registry/repository`` (in the order given)."""
    session = _Session(base_url(registry), username, password)
    present = []
    for tag in dict.fromkeys(tags):
        status = session.head(f"/v2/{repository}/manifests/{urllib.parse.quote(tag)}")
        if status == 200:
            present.append(tag)
        elif status != 404:
            raise RegistryError(
                f"{registry}: HEAD manifest {repository}:{tag} answered HTTP {status}"
            )
    return present


class _Session:
    def __init__(self, base: str, username: str, password: str | None):
        self.base = base
        self.username = username
        self.password = password
        self.authorization: str | None = None

    def head(self, path: str) -> int:
        status, challenge = self._head(path)
        if status == 401 and challenge:
            self.authorization = self._answer(challenge, path)
            status, _ = self._head(path)
        if status == 401:
            raise RegistryError(f"{self.base}: not authorized (check the registry user/password)")
        return status

    def _head(self, path: str) -> tuple[int, str]:
        headers = {"Accept": MANIFEST_TYPES}
        if self.authorization:
            headers["Authorization"] = self.authorization
        request = urllib.request.Request(self.base + path, method="HEAD", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("WWW-Authenticate", "")
        except OSError as exc:
            raise RegistryError(f"cannot reach registry {self.base}: {exc}") from None

    def _basic(self) -> str:
        if not self.username or self.password is None:
            raise RegistryError(f"{self.base} needs a user and password (registry credentials)")
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _answer(self, challenge: str, path: str) -> str:
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            return self._basic()
        if scheme.lower() != "bearer":
            raise RegistryError(f"{self.base}: unsupported authentication {scheme!r}")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        if "realm" not in fields:
            raise RegistryError(f"{self.base}: Bearer challenge without a realm")
        query = {k: v for k, v in fields.items() if k in ("service", "scope")}
        if "scope" not in query:
            repository = path.split("/manifests/")[0].removeprefix("/v2/")
            query["scope"] = f"repository:{repository}:pull"
        url = fields["realm"] + "?" + urllib.parse.urlencode(query)
        headers = {"Authorization": self._basic()} if self.username else {}
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body = json.load(response)
        except (OSError, ValueError) as exc:
            raise RegistryError(f"{self.base}: token request to {fields['realm']} failed: {exc}")
        token = body.get("token") or body.get("access_token")
        if not token:
            raise RegistryError(f"{self.base}: token service returned no token")
        return f"Bearer {token}"
