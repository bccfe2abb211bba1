"""Console-script entry point: answers a bare ``--version`` before Click is even imported.

``code-agent --version`` is what the image's HEALTHCHECK runs every interval and what people
type first; importing Click alone costs several times Python's own start-up. The output is
byte-for-byte what Click's ``version_option`` prints. Every other invocation, ``--version``
combined with anything else included, goes to the Click group in ``code_agent.cli.main``.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from code_agent import __version__

        try:
            sys.stdout.write(f"code-agent {__version__}\n")
            sys.stdout.flush()
        except BrokenPipeError:
            sys.stderr.close()
        sys.exit(0)
    from code_agent.cli.main import main as run

    run()
