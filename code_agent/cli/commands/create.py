"""`code-agent create`: parse options, call the scaffolder, render the result."""

from __future__ import annotations

from pathlib import Path

import click

from code_agent.cli.output import emit_json, format_option, stderr_console


def _parse_defines(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict:
    defines: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", ctx=ctx, param=param)
        defines[key] = value  # the last -d for a key wins, as with most CLIs
    return defines


@click.command("create")
@click.argument("template", required=False)
@click.argument("name", required=False)
@click.option(
    "--list",
    "list_templates",
    is_flag=True,
    help="List the templates (with TEMPLATE: that template's variables) and exit.",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="Directory the project is created in, as OUTPUT_DIR/NAME (created if missing).",
)
@click.option(
    "-d",
    "--define",
    "defines",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_defines,
    help="Set a template variable (repeatable); `--list TEMPLATE` shows the keys.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Allow a non-empty target: overwrite the files the template writes, keep the others.",
)
@click.option(
    "--dry-run", is_flag=True, help="List the files that would be written; write nothing."
)
@format_option()
def create(
    template: str | None,
    name: str | None,
    list_templates: bool,
    output_dir: Path,
    defines: dict[str, str],
    force: bool,
    dry_run: bool,
    output_format: str,
) -> None:
    """Scaffold project NAME from built-in TEMPLATE into OUTPUT_DIR/NAME.

    The project gets the agent framework files (as `integrate --level standard` writes them) and
    .code-agent-answers.json, which records the template, code-agent version and variables.

    \b
    Examples:
      code-agent create --list
      code-agent create python-microservice orders-api -d port=9000
      code-agent create python-cli release-tool -o ~/src --dry-run
      code-agent create terraform-module s3-bucket --format json
    """
    from code_agent.core import scaffolder

    if list_templates:
        if name is not None:
            raise click.UsageError("--list takes at most a TEMPLATE, no NAME")
        _render_list(scaffolder, template, output_format)
        return
    if template is None or name is None:
        raise click.UsageError(
            "missing TEMPLATE and NAME" if template is None else "missing NAME",
        )
    result = scaffolder.scaffold(template, name, output_dir, defines, force=force, dry_run=dry_run)
    if output_format == "json":
        emit_json("create", result.to_dict())
        return
    _render_result(result)


def _render_list(scaffolder, template: str | None, output_format: str) -> None:
    from rich.table import Table
    from rich.text import Text

    if template is not None:
        info = scaffolder.get_template(template)
        if output_format == "json":
            emit_json("template", info.to_dict())
            return
        table = Table(title=f"{info.name}: {info.description}", title_justify="left")
        for column in ("variable", "default", "description"):
            table.add_column(column)
        defaults = scaffolder.preview_defaults(info)
        for variable in info.variables:
            rule = ""
            if variable.choices:
                rule = f" (one of {', '.join(variable.choices)})"
            table.add_row(Text(variable.name), Text(defaults[variable.name]), variable.help + rule)
        stderr_console().print(table)
        return

    templates = scaffolder.list_templates()
    if output_format == "json":
        emit_json("templates", {"templates": [info.to_dict() for info in templates]})
        return
    table = Table(title="Templates (code-agent create TEMPLATE NAME)", title_justify="left")
    for column in ("template", "description", "variables (-d KEY=VALUE)"):
        table.add_column(column)
    for info in templates:
        table.add_row(info.name, info.description, ", ".join(info.variable_names()))
    stderr_console().print(table)


def _render_result(result) -> None:
    from rich.table import Table
    from rich.text import Text

    console = stderr_console()
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("action")
    table.add_column("path")
    table.add_column("from", style="dim")
    styles = {"create": "green", "overwrite": "yellow", "unchanged": "dim"}
    for entry in result.files:
        label = entry.action
        if result.dry_run and entry.action != "unchanged":
            label = f"would {label}"
        table.add_row(Text(label, style=styles[entry.action]), Text(entry.path), entry.source)
    console.print(table)
    counts = {action: result.count(action) for action in styles}
    if result.dry_run:
        summary = f"{counts['create']} to create, {counts['overwrite']} to overwrite"
    else:
        summary = f"{counts['create']} created, {counts['overwrite']} overwritten"
    if counts["unchanged"]:
        summary += f", {counts['unchanged']} unchanged"
    if result.dry_run:
        console.print(
            f"Dry run: {result.target} from {result.template}: {summary}; nothing written.",
            markup=False,
        )
        return
    console.print(f"Created {result.target} from {result.template}: {summary}.", markup=False)
    if result.next_steps:
        console.print("Next steps:")
        console.print(f"  cd {result.target}", markup=False)
        for step in result.next_steps:
            console.print(f"  {step}", markup=False)
