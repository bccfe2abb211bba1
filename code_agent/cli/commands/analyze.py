"""`code-agent analyze`: inventory a codebase (lines per language, tooling, CI, agent files)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from code_agent.cli.output import (
    emit_json,
    format_option,
    progress_bar,
    settings,
    stderr_console,
)
from code_agent.models.analysis import Analysis

CSV_FIELDS = ("language", "files", "blank", "comment", "code")


@click.command()
@click.argument(
    "path",
    type=click.Path(readable=False, path_type=Path),  # checked by the core: one-line errors
    default=".",
    required=False,
)
@click.option(
    "--exclude-dir",
    "exclude_dirs",
    multiple=True,
    metavar="NAME",
    help="Also skip directories with this name, at any depth (repeatable).",
)
@format_option("text", "json", "csv")
def analyze(path: Path, exclude_dirs: tuple[str, ...], output_format: str) -> None:
    """Count files, blank, comment and code lines per language under PATH (default: .) and
    detect frameworks, package managers, test runners, CI configs, Dockerfiles and agent
    framework files. Line counts agree with cloc; .gitignore is honoured and dependency and
    build directories (.git, node_modules, .venv, dist, build, ...) are skipped. Empty,
    binary and duplicate files are skipped and counted, as cloc does.

    \b
    text  a table on stderr, for people
    json  one JSON document on stdout (kind "analysis")
    csv   language,files,blank,comment,code rows on stdout (last row: SUM)

    \b
    Examples:
      code-agent analyze
      code-agent analyze --format json ~/src/service | jq -r .test_command
      code-agent analyze --exclude-dir vendor --format csv . > loc.csv
    """
    from code_agent.core.analyzer import analyze as run

    with progress_bar("Counting lines") as progress:
        result = run(path, exclude_dirs=exclude_dirs, progress=progress)
    if output_format == "json":
        emit_json("analysis", result.to_dict())
    elif output_format == "csv":
        write_csv(result)
    else:
        render_text(result)


def write_csv(result: Analysis) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for stats in [*result.languages, result.total]:
        writer.writerow([getattr(stats, field) for field in CSV_FIELDS])


def render_text(result: Analysis) -> None:
    from rich.markup import escape
    from rich.table import Table

    quiet = settings().quiet
    console = stderr_console()
    console.quiet = False  # the table is the data asked for; -q only drops the commentary
    table = Table(title=f"Lines of code in {escape(result.root)}", title_justify="left")
    table.add_column("Language")
    for column in CSV_FIELDS[1:]:
        table.add_column(column.capitalize(), justify="right")
    for stats in result.languages:
        table.add_row(escape(stats.language), *(f"{getattr(stats, f):,}" for f in CSV_FIELDS[1:]))
    total = result.total
    table.add_section()
    table.add_row("Total", *(f"{getattr(total, f):,}" for f in CSV_FIELDS[1:]), style="bold")
    console.print(table)
    if quiet:
        return

    skipped = ", ".join(f"{count} {reason}" for reason, count in result.skipped.items())
    console.print(
        f"{result.files_scanned} files counted, {result.files_other} other files"
        + (f", skipped: {skipped}" if skipped else "")
        + (f", {result.files_ignored} ignored by .gitignore" if result.files_ignored else "")
    )

    def line(label: str, values: list[str] | str | None) -> None:
        if isinstance(values, list):
            values = ", ".join(values)
        console.print(f"[bold]{label}:[/bold] {escape(values) if values else '-'}")

    line("Primary language", result.primary_language)
    line("Frameworks", result.frameworks)
    line("Package managers", result.package_managers)
    line("Test runners", result.test_runners)
    line("Test command", result.test_command)
    line("CI configs", result.ci_configs)
    line("Dockerfiles", result.dockerfiles)
    line("Agent files", _summarise(result.agent_files))
    console.print(
        f"[bold]Suggested level:[/bold] {result.suggested_level} ({escape(result.level_reason)})"
    )


def _summarise(paths: list[str], limit: int = 8) -> list[str]:
    if len(paths) <= limit:
        return paths
    return [*paths[:limit], f"... {len(paths) - limit} more"]
