"""`code-agent integrate [PATH]`: add CLAUDE.md, .claude/ and PRPs/ to an existing repository."""

from __future__ import annotations

from pathlib import Path

import click

from code_agent.cli.output import (
    emit_json,
    format_option,
    progress_bar,
    settings,
    stderr_console,
)

LEVELS = ("minimal", "standard", "full")  # mirrors core.framework.LEVELS (kept import-free)

_STYLES = {"create": "green", "update": "yellow", "unchanged": "dim", "kept": "cyan"}
_PAST = {"create": "created", "update": "updated", "unchanged": "unchanged", "kept": "kept"}
_WOULD = {"create": "to create", "update": "to update", "unchanged": "unchanged", "kept": "kept"}


@click.command(
    "integrate",
    epilog="""\b
Levels (cumulative):
  minimal   CLAUDE.md, .claude/settings.json
  standard  + /generate-prp, /execute-prp, PRPs/templates/, PRPs/ai_docs/
  full      + /prime, /review, /fix-issue, /write-tests, task PRP, Claude Code reference

\b
Exit codes: 0 done (or nothing to change), 1 cannot write, 2 bad PATH or option,
4 --check found changes.""",
)
@click.argument(
    "path",
    default=".",
    type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path),
)
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="standard",
    show_default=True,
    help="How much of the framework to add.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite edited or pre-existing files (a .bak is written first).",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print unified diffs of what would change; write nothing.",
)
@click.option("--check", is_flag=True, help="Exit 4 when something would change; write nothing.")
@format_option("text", "json")
def integrate(
    path: Path,
    level: str,
    force: bool,
    dry_run: bool,
    show_diff: bool,
    check: bool,
    output_format: str,
) -> None:
    """Add the agent framework (CLAUDE.md, .claude/, PRPs/) to the repository at PATH.

    Files are written into PATH itself. Files you edited, and files that existed before, are
    kept unless --force; in an existing CLAUDE.md only the block between the code-agent
    markers is ever changed. Running it again changes nothing.
    """
    from code_agent.core import integrator
    from code_agent.exceptions import CheckFailedError

    write = not (dry_run or show_diff or check)
    with progress_bar("Analysing the repository") as progress:
        result = integrator.integrate(
            path, level=level, force=force, dry_run=not write, progress=progress
        )
    diffs = (
        {item.path: integrator.unified_diff(item) for item in result.changed} if show_diff else {}
    )

    if output_format == "json":
        data = result.to_dict()
        if show_diff:
            for entry in data["files"]:
                entry["diff"] = diffs.get(entry["path"], "")
        emit_json("integration", data)
    else:
        if show_diff:
            for text in diffs.values():
                click.echo(text, nl=False)
        _render_text(result)

    if check and result.changed:
        names = ", ".join(item.path for item in result.changed)
        raise CheckFailedError(
            f"{len(result.changed)} framework file(s) would change: {names}",
            hint=f"run `code-agent integrate {path} --level {level}` to apply it; --diff shows the changes",
        )


def _render_text(result) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = stderr_console()
    for warning in result.warnings:
        console.print(Text(f"Warning: {warning}", style="yellow"))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Action", no_wrap=True)
    # Paths are never cut short: they are what a user copies from the report.
    table.add_column(
        "File", no_wrap=True, min_width=max((len(f.path) for f in result.files), default=4)
    )
    table.add_column("Note", overflow="fold")
    for item in result.files:
        table.add_row(
            Text(item.action, style=_STYLES[item.action]), Text(item.path), Text(item.reason)
        )
    console.print(table)
    words = _WOULD if result.dry_run else _PAST
    totals = ", ".join(f"{count} {words[action]}" for action, count in result.totals.items())
    suffix = " (dry run: nothing written)" if result.dry_run else ""
    console.print(Text(f"{result.root} ({result.level}): {totals}{suffix}"))
    if settings().verbose:
        console.print(Text(f"Manifest: {result.manifest}", style="dim"))
