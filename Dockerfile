# code-agent container image: uv builds a locked virtual environment, a slim runtime runs it.
#   docker build --network host -t code-agent .
# Air-gapped sites substitute their own mirrors of the two base images:
#   docker build --build-arg PYTHON_IMAGE=registry.example/python:3.12-slim-bookworm \
#                --build-arg UV_IMAGE=registry.example/astral-sh/uv:0.13.9 .
# Build and runtime stages use the same PYTHON_IMAGE: the venv links to its interpreter.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

# uv: only a source for the uv binary (a pinned image, copied into the build stages, never shipped).
FROM ${UV_IMAGE} AS uv

# deps: the locked third-party dependencies alone, in /app/.venv (the large layer that changes
# only with uv.lock or pyproject.toml).
FROM ${PYTHON_IMAGE} AS deps
# bash with pipefail: a failing command inside a pipe fails the step.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=uv /uv /bin/uv
# UV_COMPILE_BYTECODE: .pyc written now, so start-up is fast and a --read-only container never
#   tries to write them.
# UV_LINK_MODE=copy: the cache is a mount; hard links into it would fail or dangle.
# UV_PYTHON_DOWNLOADS=never: use the base image's interpreter, the one the runtime stage has.
# UV_PROJECT_ENVIRONMENT: the venv path the runtime stage copies and puts on PATH.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-dev --no-install-project
# What the dependencies installed: the next stage ships everything else as the project layer.
RUN find /app/.venv | sort > /app/deps-files.txt

# venv: the project added to the venv as a regular (non-editable) package, plus
# /app/project-layer, a copy of just the files it added: a source edit changes only that small
# layer of the runtime image (fast rebuilds, pushes that upload a few hundred KB).
FROM deps AS venv
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY pyproject.toml uv.lock README.md ./
COPY code_agent ./code_agent
# --reinstall-package: uv reuses a cached build of a local project until pyproject.toml changes;
# a source edit must reach the image, so the project is always built afresh.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-editable --reinstall-package code-agent
RUN mkdir /app/project-layer \
    && find /app/.venv | sort | comm -13 /app/deps-files.txt - \
        | tar --no-recursion --create --file - --files-from - \
        | tar --extract --file - --directory /app/project-layer

# builder: the complete venv in /app/.venv and the wheel + sdist in /app/dist (the sdist also
# carries the tests, as pyproject.toml asks). The runtime stage does not wait for it.
FROM venv AS builder
COPY tests ./tests
RUN --mount=type=cache,target=/root/.cache/uv \
    uv build --out-dir /app/dist

# runtime: the venv on a slim Python, run as a fixed non-root user; no uv, no compiler, no cache.
FROM ${PYTHON_IMAGE} AS runtime
# UID/GID 10001: fixed (file ownership and Kubernetes runAsUser can rely on it) and outside the
# range of distribution users. HOME is 1777 (like /tmp): owned by codeagent, yet usable by any
# `--user UID:GID` a host passes to keep file ownership, without letting users remove each
# other's files. /workspace is where a host directory is mounted.
RUN groupadd --gid 10001 codeagent \
    && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /home/codeagent \
        --create-home --shell /bin/sh codeagent \
    && chmod 1777 /home/codeagent \
    && mkdir /workspace \
    && chown 10001:10001 /workspace

COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Root-owned and read-only for the user: the CLI never modifies its own installation.
# Two layers, last because they change most: the locked dependencies, then the project's files.
COPY --from=deps /app/.venv /app/.venv
COPY --from=venv /app/project-layer/app/.venv /app/.venv

# PYTHONDONTWRITEBYTECODE: the bytecode is already compiled; nothing to write at run time.
# PYTHONUNBUFFERED: output reaches `docker logs` as it is written.
ENV PATH="/app/.venv/bin:${PATH}" \
    HOME=/home/codeagent \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /workspace
USER 10001:10001

# Metadata last: these arguments change on every build and must not invalidate any layer.
ARG VERSION=""
ARG REVISION=""
ARG CREATED=""
ARG SOURCE=""
LABEL org.opencontainers.image.title="code-agent" \
      org.opencontainers.image.description="Bootstrap and inspect AI-agent-ready codebases" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

HEALTHCHECK --interval=30s --timeout=10s --start-period=5s --retries=3 \
    CMD ["code-agent", "--version"]
# SIGINT: Python turns it into KeyboardInterrupt, which the CLI handles (cleanup, exit 130).
# The CLI treats SIGTERM the same way, for runtimes that ignore STOPSIGNAL (as PID 1, an
# unhandled signal would be ignored and `docker stop` would wait for its SIGKILL).
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["--help"]
