"""The CodeAgentError hierarchy: every error carries the exit code the CLI documents.

Exit codes stay below 125 because ``docker run`` owns 125-127.
"""

from __future__ import annotations


class CodeAgentError(Exception):
    """A failure a user can act on: one line of message, an exit code and an optional hint."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInputError(CodeAgentError):
    """Bad input that Click itself cannot validate (unknown template, bad project name)."""

    exit_code = 2


class RefusedError(CodeAgentError):
    """The command would overwrite something without ``--force``."""

    exit_code = 3


class CheckFailedError(CodeAgentError):
    """An opt-in check (``--check``, ``--fail-on``) found something."""

    exit_code = 4


class AwsConfigError(CodeAgentError):
    """AWS credentials or configuration are missing or invalid."""

    exit_code = 5


EXIT_OK = 0
EXIT_INTERRUPTED = 130
