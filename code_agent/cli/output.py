"""Rendering: Rich on stderr for people, one JSON document on stdout for machines.

Commands build a result object in ``core``; this module only decides how it is shown.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

FORMAT_VERSION = 1


@dataclass
class Settings:
    """Global options, stored on the Click context object."""

    verbose: bool = False
    quiet: bool = False
    no_color: bool = False

    def color_allowed(self, stream) -> bool:
        if self.no_color or os.environ.get("NO_COLOR"):
            return False
        return bool(getattr(stream, "isatty", lambda: False)())


def settings() -> Settings:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Settings) if ctx else None
    return obj or Settings()


def stderr_console() -> Console:
    """The console for people. Rich is imported here, not at start-up."""
    from rich.console import Console

    current = settings()
    color = current.color_allowed(sys.stderr)
    return Console(
        stderr=True,
        no_color=not color,
        force_terminal=color or None,
        highlight=False,
        quiet=current.quiet,
        soft_wrap=not sys.stderr.isatty(),
    )


def emit_json(kind: str, data: dict[str, Any]) -> None:
    """Print one JSON document on stdout, tagged with its kind and format version."""
    document = {"formatVersion": FORMAT_VERSION, "kind": kind, **data}
    click.echo(json.dumps(document, indent=2, sort_keys=False, default=str))


def format_option(*choices: str):
    """The ``--format`` option shared by commands that report."""
    allowed = choices or ("text", "json")
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(allowed),
        default="text",
        show_default=True,
        help="Output format: text for people (stderr), the others for machines (stdout).",
    )


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A transient progress bar on stderr, only for people watching a terminal.

    Yields the ``progress(done, total)`` callback the core takes, or None when nobody watches.
    """
    if settings().quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # No auto-refresh thread: the analyzer may fork worker processes, and forking a process
    # that runs threads risks deadlocks. The core reports often enough to redraw on each call.
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr_console(),
        transient=True,
        auto_refresh=False,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, refresh=True)

        yield update


def error_line(message: str, hint: str | None = None) -> None:
    """The one place an error reaches the user: one line, then an optional hint line."""
    click.echo(f"Error: {message}", err=True)
    if hint:
        click.echo(f"Hint: {hint}", err=True)
