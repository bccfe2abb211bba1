#!/usr/bin/env bash
# Build the code-agent wheel and sdist with a unique version and upload them to AWS CodeArtifact.
# Bitbucket Pipelines and a laptop run this same script; everything comes from the environment.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/publish_codeartifact.sh [--dry-run] [--help]

Builds code-agent with `uv build` and uploads it with `uv publish`.

Version (first that is set wins):
  PACKAGE_VERSION          publish exactly this PEP 440 version (no local "+..." part)
  BITBUCKET_TAG            release tag vX.Y.Z: must equal __version__ in code_agent/__init__.py
  BITBUCKET_BUILD_NUMBER   branch build N: publishes X.Y.Z.devN (a PEP 440 development release)

Index, either CodeArtifact (token fetched with boto3, origin controls set on code-agent):
  CODEARTIFACT_DOMAIN       domain name (required)
  CODEARTIFACT_REPOSITORY   repository name (required)
  CODEARTIFACT_DOMAIN_OWNER account that owns the domain (default: AWS_ACCOUNT_ID, else 540845145946)
  AWS_REGION                region (default: us-east-1)
  AWS_ENDPOINT_URL          optional endpoint override (tests)
or any upload URL with its credentials (no AWS calls):
  UV_PUBLISH_URL            e.g. https://upload.example/legacy/
  UV_PUBLISH_TOKEN, or UV_PUBLISH_USERNAME + UV_PUBLISH_PASSWORD

Other:
  DIST_DIR                  also copy the uploaded files here (default: not kept)
  CODEARTIFACT_PYTHON       interpreter with boto3 + packaging for scripts/codeartifact.py
                            (default: `uv run --script`, which provides them)
  --dry-run                 compute the version and build, upload nothing

Exit status: 0 uploaded; 2 bad input; 3 refused (this version is already in the index,
versions are immutable); 5 AWS credentials/configuration; 1 anything else.
EOF
}

die() { # die STATUS MESSAGE: one clear line on stderr
  echo "publish_codeartifact: $2" >&2
  exit "$1"
}

dry_run=false
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=true ;;
    *) die 2 "unknown argument '$arg' (see --help)" ;;
  esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helper="$repo_root/scripts/codeartifact.py"
command -v uv >/dev/null || die 1 "uv is not on PATH: install it (https://docs.astral.sh/uv/)"

run_helper() {
  if [ -n "${CODEARTIFACT_PYTHON:-}" ]; then
    "$CODEARTIFACT_PYTHON" "$helper" "$@"
  else
    uv run --quiet --no-project --script "$helper" "$@"
  fi
}

# 1. The version: fail before building anything if it is wrong.
version="$(run_helper version --source "$repo_root" \
  --package-version "${PACKAGE_VERSION:-}" \
  --tag "${BITBUCKET_TAG:-}" \
  --build-number "${BITBUCKET_BUILD_NUMBER:-}")"  # set -e: its one-line error, its status
echo "publish_codeartifact: version $version"

# 2. Build from a stamped copy: the working tree is never modified, nothing to restore.
work="$(mktemp -d "${TMPDIR:-/tmp}/publish-codeartifact.XXXXXX")"
trap 'rm -rf "$work"' EXIT
run_helper stage --source "$repo_root" --dest "$work/src" --version "$version" >/dev/null
uv build --quiet --no-sources --out-dir "$work/dist" "$work/src"
wheel="$work/dist/code_agent-$version-py3-none-any.whl"
[ -f "$wheel" ] || die 1 "uv build did not produce $(basename "$wheel")"
echo "publish_codeartifact: built $(cd "$work/dist" && echo *)"

if [ -n "${DIST_DIR:-}" ]; then
  mkdir -p "$DIST_DIR"
  cp "$work"/dist/* "$DIST_DIR"/
fi

# 3. Where to upload, and with which credentials.
if [ -n "${UV_PUBLISH_URL:-}" ]; then
  publish_url="$UV_PUBLISH_URL"
  if [ -z "${UV_PUBLISH_TOKEN:-}" ] && [ -z "${UV_PUBLISH_PASSWORD:-}" ]; then
    die 2 "UV_PUBLISH_URL is set but neither UV_PUBLISH_TOKEN nor UV_PUBLISH_PASSWORD is"
  fi
else
  [ -n "${CODEARTIFACT_DOMAIN:-}" ] || die 2 "set CODEARTIFACT_DOMAIN (or UV_PUBLISH_URL); see --help"
  [ -n "${CODEARTIFACT_REPOSITORY:-}" ] || die 2 "set CODEARTIFACT_REPOSITORY (or UV_PUBLISH_URL); see --help"
  owner="${CODEARTIFACT_DOMAIN_OWNER:-${AWS_ACCOUNT_ID:-540845145946}}"
  region="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
  if $dry_run; then
    echo "publish_codeartifact: dry run: would upload to $CODEARTIFACT_DOMAIN/$CODEARTIFACT_REPOSITORY ($owner, $region)"
    exit 0
  fi
  # Prints the repository endpoint, then a short-lived token (after setting the origin
  # controls of code-agent: publish ALLOW, upstream BLOCK).
  prepared="$(run_helper prepare --domain "$CODEARTIFACT_DOMAIN" --owner "$owner" \
    --repository "$CODEARTIFACT_REPOSITORY" --region "$region")"
  publish_url="${prepared%%$'\n'*}"
  export UV_PUBLISH_USERNAME=aws
  UV_PUBLISH_PASSWORD="${prepared#*$'\n'}"
  export UV_PUBLISH_PASSWORD
  unset UV_PUBLISH_TOKEN
  echo "publish_codeartifact: origin controls of code-agent: publish ALLOW, upstream BLOCK"
fi

if $dry_run; then
  echo "publish_codeartifact: dry run: would upload to $publish_url"
  exit 0
fi

# 4. Upload. A version that is already there is refused by the index: say so in one line.
log="$work/publish.log"
if ! uv publish --trusted-publishing never --publish-url "$publish_url" "$work"/dist/* >"$log" 2>&1; then
  if grep -qiE '409 Conflict|already exists' "$log"; then
    die 3 "code-agent $version is already in $publish_url and versions are immutable: bump __version__ (release) or run a new build (dev)"
  fi
  sed 's/^/  /' "$log" >&2
  die 1 "uv publish to $publish_url failed (output above)"
fi
echo "publish_codeartifact: uploaded code-agent $version to $publish_url"
