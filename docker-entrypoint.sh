#!/bin/sh
# Entrypoint of the code-agent image.
#   docker run IMG analyze .      -> code-agent analyze .
#   docker run IMG --version      -> code-agent --version
#   docker run IMG sh -c '...'    -> sh -c '...' (any program on PATH)
#   docker run IMG frobnicate     -> code-agent frobnicate (its usage error, exit 2)
# Always `exec`: the program becomes PID 1 and receives `docker stop`'s signal itself.
set -eu

if [ "$#" -eq 0 ]; then
    exec code-agent
fi

case "$1" in
    -*)
        # An option (--version, --help, -v, --format ...) is always for code-agent.
        exec code-agent "$@"
        ;;
    create | integrate | analyze | doctor)
        # Known subcommands win over any same-named program on PATH.
        exec code-agent "$@"
        ;;
esac

if command -v "$1" >/dev/null 2>&1; then
    exec "$@"
fi
exec code-agent "$@"
