#!/usr/bin/env bash
# Publish the code-agent image to ECR: a thin wrapper over `dagger call publish`, which builds the
# Dockerfile, runs the test-container gate and pushes every planned tag.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/deploy_cli_to_ecr.sh [--dry-run] [-- EXTRA_DAGGER_CALL_ARGS...]

Build, smoke-test and publish the code-agent image to AWS ECR with `dagger call publish`.
The image tags follow the tag plan (README "Tag rules"); a release tag X.Y.Z that already
exists is refused unless FORCE=1.

Environment:
  AWS_ACCOUNT_ID   registry account                   (default: 540845145946)
  AWS_REGION       registry region                    (default: us-east-1)
  REPOSITORY       ECR repository                     (default: code-agent)
  TAG              release to publish, v1.2.3 or 1.2.3; must equal code_agent/__init__.py.
                   Without TAG, a branch build is published:
  BRANCH           branch build                       (default: the current git branch)
  BUILD_NUMBER     adds the build-<n> tag             (default: none)
  COMMIT           adds sha-<7>, the revision label   (default: git rev-parse HEAD)
  PLATFORMS        comma-separated, e.g. linux/amd64,linux/arm64 (default: linux/amd64)
  FORCE=1          overwrite an existing X.Y.Z tag

Credentials go to Dagger as secrets (env:// or file://), never as values on a command line:
  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN], or
  AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (e.g. Bitbucket OIDC).

Options:
  --dry-run   print the dagger command instead of running it
  -h, --help  show this help

Exit status: 0 published; 2 bad usage or input; 127 the dagger CLI is missing;
otherwise the status of `dagger call publish`.
EOF
}

die() {
  echo "deploy_cli_to_ecr: $1" >&2
  exit "${2:-2}"
}

dry_run=0
extra=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=1 ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

pinned="$(sed -n 's/.*"engineVersion": *"v\{0,1\}\([^"]*\)".*/\1/p' dagger.json)"
[ -n "$pinned" ] || die "dagger.json has no engineVersion"

if [ "$dry_run" -eq 0 ] && ! command -v dagger >/dev/null 2>&1; then
  die "the dagger CLI is not on PATH; install v${pinned}: curl -fsSL https://dl.dagger.io/dagger/install.sh | DAGGER_VERSION=${pinned} BIN_DIR=\$HOME/.local/bin sh" 127
fi

account="${AWS_ACCOUNT_ID:-540845145946}"
region="${AWS_REGION:-us-east-1}"
repository="${REPOSITORY:-code-agent}"
platforms="${PLATFORMS:-linux/amd64}"

args=(call publish --region "$region" --account-id "$account" --repository "$repository")
args+=(--platforms "$platforms")

tag="${TAG:-}"
if [ -n "$tag" ]; then
  case "$tag" in
    v[0-9]*.[0-9]*.[0-9]*) ;;
    [0-9]*.[0-9]*.[0-9]*) tag="v$tag" ;;
    *) die "TAG must be a release like v1.2.3 (got '$tag'); for a branch build set BRANCH instead" ;;
  esac
  args+=(--git-tag "$tag")
else
  branch="${BRANCH:-$(git rev-parse --abbrev-ref HEAD 2>/dev/null || true)}"
  if [ -z "$branch" ] || [ "$branch" = "HEAD" ]; then
    die "no TAG and no branch (detached HEAD?): set TAG=v1.2.3 or BRANCH=name"
  fi
  args+=(--branch "$branch")
fi

commit="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}"
[ -z "$commit" ] || args+=(--commit "$commit")
[ -z "${BUILD_NUMBER:-}" ] || args+=(--build-number "$BUILD_NUMBER")
[ "${FORCE:-0}" != "1" ] || args+=(--force)

if [ -n "${AWS_ACCESS_KEY_ID:-}" ] || [ -n "${AWS_SECRET_ACCESS_KEY:-}" ]; then
  [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ] ||
    die "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither"
  args+=(--aws-access-key-id env://AWS_ACCESS_KEY_ID)
  args+=(--aws-secret-access-key env://AWS_SECRET_ACCESS_KEY)
  [ -z "${AWS_SESSION_TOKEN:-}" ] || args+=(--aws-session-token env://AWS_SESSION_TOKEN)
elif [ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]; then
  [ -r "$AWS_WEB_IDENTITY_TOKEN_FILE" ] ||
    die "AWS_WEB_IDENTITY_TOKEN_FILE '$AWS_WEB_IDENTITY_TOKEN_FILE' is not a readable file"
  [ -n "${AWS_ROLE_ARN:-}" ] || die "AWS_WEB_IDENTITY_TOKEN_FILE needs AWS_ROLE_ARN"
  args+=(--aws-web-identity-token "file://$AWS_WEB_IDENTITY_TOKEN_FILE")
  args+=(--aws-role-arn "$AWS_ROLE_ARN")
else
  die "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN" 2
fi

args+=("${extra[@]}")

if [ "$dry_run" -eq 1 ]; then
  printf 'dagger'
  printf ' %q' "${args[@]}"
  printf '\n'
  exit 0
fi

installed="$(dagger version 2>/dev/null | sed -n 's/^dagger v\{0,1\}\([^ ]*\).*/\1/p')"
if [ -n "$installed" ] && [ "$installed" != "$pinned" ]; then
  echo "deploy_cli_to_ecr: warning: dagger $installed is installed, dagger.json pins $pinned" >&2
fi

exec dagger "${args[@]}"
