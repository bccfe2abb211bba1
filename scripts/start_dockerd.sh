#!/usr/bin/env bash
# Start a Docker engine for the tests when none answers: `dockerd --bridge=none --iptables=false`,
# fully detached, every byte of its output in LOGFILE, and wait (with a deadline) until it answers.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/start_dockerd.sh [--timeout SECONDS] LOGFILE

Start dockerd (--bridge=none --iptables=false) in the background when no Docker engine
answers, writing all of its output to LOGFILE, and wait until it is ready.
Does nothing when an engine already answers. Containers must then use --network host.

Environment:
  DOCKER_CLIENT   docker client to probe the engine with (default: /usr/bin/docker, else docker)
EOF
}

timeout=60
logfile=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --timeout) timeout="${2:?--timeout needs a value}"; shift 2 ;;
    -*) echo "start_dockerd: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) logfile="$1"; shift ;;
  esac
done
if [ -z "$logfile" ]; then
  echo "start_dockerd: LOGFILE is required (see --help)" >&2
  exit 2
fi

client="${DOCKER_CLIENT:-/usr/bin/docker}"
[ -x "$client" ] || client="$(command -v docker || true)"
if [ -z "$client" ]; then
  echo "start_dockerd: no docker client found; install docker.io (apt-get install docker.io)" >&2
  exit 1
fi

engine_answers() {
  "$client" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if engine_answers; then
  echo "start_dockerd: a Docker engine already answers"
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  echo "start_dockerd: dockerd not found; install docker.io (apt-get install docker.io)" >&2
  exit 1
fi

# True when PID is a live (not zombie) dockerd process.
dockerd_alive() {
  local pid="$1" stat
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  # Field 2 is "(comm)", field 3 the state; a killed but unreaped dockerd is a zombie (Z).
  case "$stat" in
    *"(dockerd) Z "* | *"(dockerd) X "*) return 1 ;;
    *"(dockerd) "*) return 0 ;;
    *) return 1 ;;
  esac
}

# A pid file left by a dockerd that died makes the next one refuse to start.
pidfile=/var/run/docker.pid
if [ -e "$pidfile" ]; then
  old_pid="$(cat "$pidfile" 2>/dev/null || true)"
  if ! dockerd_alive "$old_pid"; then
    echo "start_dockerd: removing stale $pidfile (pid ${old_pid:-?} is not a live dockerd)"
    rm -f "$pidfile"
  fi
fi

mkdir -p "$(dirname "$logfile")"
if [ -e "$pidfile" ]; then
  # A live dockerd that does not answer yet is still starting: wait for it, start no second one.
  dockerd_pid="$(cat "$pidfile")"
  echo "start_dockerd: waiting for the running dockerd (pid $dockerd_pid)"
else
  # setsid + nohup + stdin from /dev/null + all output to the log: the engine never holds the
  # caller's terminal or CI's stdout pipe open, and survives the caller's exit.
  setsid nohup dockerd --bridge=none --iptables=false </dev/null >>"$logfile" 2>&1 &
  dockerd_pid=$!
  echo "start_dockerd: started dockerd (pid $dockerd_pid), log: $logfile"
fi

deadline=$((SECONDS + timeout))
until engine_answers; do
  if ! dockerd_alive "$dockerd_pid"; then
    echo "start_dockerd: dockerd exited; last log lines:" >&2
    tail -n 20 "$logfile" >&2 || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "start_dockerd: dockerd not ready after ${timeout}s; see $logfile" >&2
    exit 1
  fi
  sleep 0.5
done
echo "start_dockerd: Docker engine ready"
