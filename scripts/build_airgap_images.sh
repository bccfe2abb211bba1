#!/usr/bin/env bash
# Build air-gapped stand-ins for the two base images of the Dockerfile, from sources reachable
# without Docker Hub or ghcr.io:
#   code-agent-airgap/python:bookworm  Debian 12 rootfs (debootstrap) with python3 + CA certificates
#   code-agent-airgap/uv:0.13.9        the uv/uvx binaries of the PyPI `uv` wheel at /uv and /uvx,
#                                      the layout of the official ghcr.io/astral-sh/uv image
# Use them with: docker build --build-arg PYTHON_IMAGE=... --build-arg UV_IMAGE=... .
set -Eeuo pipefail

UV_VERSION="${UV_VERSION:-0.13.9}"
PYTHON_OFFICIAL="${PYTHON_OFFICIAL:-python:3.12-slim-bookworm}"
UV_OFFICIAL="${UV_OFFICIAL:-ghcr.io/astral-sh/uv:${UV_VERSION}}"
PYTHON_STANDIN="${PYTHON_STANDIN:-code-agent-airgap/python:bookworm}"
UV_STANDIN="${UV_STANDIN:-code-agent-airgap/uv:${UV_VERSION}}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PULL_TIMEOUT="${PULL_TIMEOUT:-20}"
DOCKER="${DOCKER:-/usr/bin/docker}"
[ -x "$DOCKER" ] || DOCKER="docker"

usage() {
  cat <<EOF
Usage: scripts/build_airgap_images.sh [--if-needed] [--force]

Build the air-gapped stand-ins for the Dockerfile's base images:
  $PYTHON_STANDIN  Debian bookworm rootfs via debootstrap ($DEBIAN_MIRROR),
                   python3 + ca-certificates, the host CA bundle ($CA_BUNDLE) and SSL_CERT_FILE
  $UV_STANDIN     /uv and /uvx from the PyPI wheel uv==$UV_VERSION

These are TEST stand-ins: the python one trusts this host's CA bundle. Production builds use
the official images or a site's own mirrors (build args PYTHON_IMAGE / UV_IMAGE).

Options:
  --if-needed  do nothing when the stand-ins exist, or when the official images
               ($PYTHON_OFFICIAL, $UV_OFFICIAL) are present or can be pulled
  --force      rebuild even when the stand-ins exist (the rootfs cache is reused)
  -h, --help   this text

Environment: AIRGAP_CACHE_DIR (rootfs/wheel cache; default /var/cache/code-agent-airgap,
or .airgap/ in the repository when that is not writable), DEBIAN_MIRROR, CA_BUNDLE, UV_VERSION,
PULL_TIMEOUT (seconds per docker pull attempt, default 20), DOCKER (client, default /usr/bin/docker).
EOF
}

if_needed=false
force=false
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --if-needed) if_needed=true ;;
    --force) force=true ;;
    *) echo "build_airgap_images: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "build_airgap_images: $*"; }
trap 'echo "build_airgap_images: failed (line $LINENO: $BASH_COMMAND)" >&2' ERR
die() { echo "build_airgap_images: $*" >&2; exit 1; }

"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || die "no Docker engine answers; start one first (scripts/start_dockerd.sh LOGFILE)"

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
try_pull() { have_image "$1" || timeout "$PULL_TIMEOUT" "$DOCKER" pull --quiet "$1" >/dev/null 2>&1; }

if "$if_needed"; then
  if have_image "$PYTHON_STANDIN" && have_image "$UV_STANDIN"; then
    log "stand-ins exist: $PYTHON_STANDIN, $UV_STANDIN"
    exit 0
  fi
  if try_pull "$PYTHON_OFFICIAL" && try_pull "$UV_OFFICIAL"; then
    log "official images available: $PYTHON_OFFICIAL, $UV_OFFICIAL; no stand-ins needed"
    exit 0
  fi
  log "official images cannot be pulled; building the stand-ins"
fi

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cache_dir="${AIRGAP_CACHE_DIR:-/var/cache/code-agent-airgap}"
if ! mkdir -p "$cache_dir" 2>/dev/null || [ ! -w "$cache_dir" ]; then
  cache_dir="$repo_root/.airgap"
  mkdir -p "$cache_dir"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build_python_standin() {
  if have_image "$PYTHON_STANDIN" && ! "$force"; then
    log "$PYTHON_STANDIN exists"
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap not found; apt-get install debootstrap"
  [ -r "$CA_BUNDLE" ] || die "CA bundle $CA_BUNDLE not readable; set CA_BUNDLE"
  local rootfs_tar="$cache_dir/python-bookworm-rootfs.tar"
  if [ ! -s "$rootfs_tar" ]; then
    local rootfs="$work/rootfs"
    log "debootstrap bookworm from $DEBIAN_MIRROR (takes a few minutes)"
    # minbase + python3: the interpreter, ca-certificates for TLS, python-is-python3 so `python`
    # exists as in the official image; passwd (useradd/groupadd) is part of minbase.
    debootstrap --variant=minbase --include=python3,python-is-python3,ca-certificates \
      bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
      || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    # Trim what an image does not need: package caches, lists, docs, man pages.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* \
      "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
    tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$rootfs"
  else
    log "reusing cached rootfs $rootfs_tar"
  fi
  # The host bundle (with this site's TLS interception CA) replaces the image's: TEST ONLY.
  mkdir -p "$work/ca/etc/ssl/certs"
  cp "$CA_BUNDLE" "$work/ca/etc/ssl/certs/ca-certificates.crt"
  cp "$rootfs_tar" "$work/python.tar"
  tar --delete -f "$work/python.tar" ./etc/ssl/certs/ca-certificates.crt 2>/dev/null || true
  tar -C "$work/ca" --owner=0 --group=0 -rf "$work/python.tar" ./etc/ssl/certs/ca-certificates.crt
  "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    --message "code-agent air-gapped stand-in: Debian bookworm + python3 (test CA bundle)" \
    "$work/python.tar" "$PYTHON_STANDIN" >/dev/null
  log "built $PYTHON_STANDIN ($("$DOCKER" run --rm --network none "$PYTHON_STANDIN" python3 --version))"
}

build_uv_standin() {
  if have_image "$UV_STANDIN" && ! "$force"; then
    log "$UV_STANDIN exists"
    return
  fi
  local wheel_dir="$cache_dir/uv-$UV_VERSION"
  local wheel
  mkdir -p "$wheel_dir"
  wheel="$(find "$wheel_dir" -maxdepth 1 -name "uv-$UV_VERSION-*.whl" | head -n 1)"
  if [ -z "$wheel" ]; then
    log "downloading uv==$UV_VERSION wheel from the package index"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --dest "$wheel_dir" "uv==$UV_VERSION" || die "pip download uv==$UV_VERSION failed"
    wheel="$(find "$wheel_dir" -maxdepth 1 -name "uv-$UV_VERSION-*.whl" | head -n 1)"
  fi
  mkdir -p "$work/uv-wheel" "$work/uv-image"
  python3 -m zipfile -e "$wheel" "$work/uv-wheel"
  local bin
  for bin in uv uvx; do
    install -m 0755 "$work/uv-wheel/uv-$UV_VERSION.data/scripts/$bin" "$work/uv-image/$bin"
  done
  # Like the official image: nothing but /uv and /uvx (it is only ever a COPY --from source).
  tar -C "$work/uv-image" --owner=0 --group=0 -cf "$work/uv.tar" uv uvx
  "$DOCKER" import --change 'ENTRYPOINT ["/uv"]' \
    --message "code-agent air-gapped stand-in: uv $UV_VERSION from the PyPI wheel" \
    "$work/uv.tar" "$UV_STANDIN" >/dev/null
  log "built $UV_STANDIN"
}

build_uv_standin
build_python_standin
log "done: PYTHON_IMAGE=$PYTHON_STANDIN UV_IMAGE=$UV_STANDIN"
