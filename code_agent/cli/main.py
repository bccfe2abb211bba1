"""Root command group: global options, lazy command loading, errors -> exit codes."""

from __future__ import annotations

import importlib
import signal
import sys

import click

from code_agent import __version__
from code_agent.cli.output import Settings, error_line
from code_agent.exceptions import EXIT_INTERRUPTED, CodeAgentError

# name -> (module, attribute, one-line help). The help is here so `--help` needs no imports.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "create": ("code_agent.cli.commands.create", "create", "Scaffold a project from a template."),
    "integrate": (
        "code_agent.cli.commands.integrate",
        "integrate",
        "Add the agent framework files to an existing repository.",
    ),
    "analyze": ("code_agent.cli.commands.analyze", "analyze", "Inventory a codebase."),
    "doctor": (
        "code_agent.cli.commands.doctor",
        "doctor",
        "Explain the environment (container, workspace, AWS).",
    ),
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (after Click's lazy-group docs)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing commands from the table keeps `--help` free of the command modules' imports.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="code-agent", message="%(prog)s %(version)s"
)
@click.option("-v", "--verbose", is_flag=True, help="Show details, and tracebacks on errors.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors and requested data.")
@click.option("--no-color", is_flag=True, help="Disable colour (also when NO_COLOR is set).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, quiet: bool, no_color: bool) -> None:
    """code-agent: bootstrap and inspect AI-agent-ready codebases."""
    ctx.obj = Settings(verbose=verbose, quiet=quiet, no_color=no_color)


def _interrupt(signum: int, frame: object) -> None:
    # `docker stop`, Kubernetes and CI runners send SIGTERM: stop as Ctrl-C does (cleanup, 130).
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the only place errors become messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = cli.main(args=args, prog_name="code-agent", standalone_mode=False)
    except CodeAgentError as error:
        code = _report(error.message, error.hint, error.exit_code, verbose=verbose)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # Click turns a KeyboardInterrupt during a command into Abort.
        click.echo("Interrupted.", err=True)
        code = EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        code = error.exit_code
    except BrokenPipeError:
        # The reader went away (`| head`): not an error worth a traceback.
        sys.stderr.close()
        code = 1
    except OSError as error:
        message = f"{error.strerror or error}: {error.filename}" if error.filename else str(error)
        code = _report(message, None, 1, verbose=verbose)
    except Exception as error:  # noqa: BLE001 - a bug: one line still, the traceback on request
        hint = "re-run with -v for the traceback, and please report it"
        code = _report(f"unexpected {type(error).__name__}: {error}", hint, 1, verbose=verbose)
    sys.exit(code if isinstance(code, int) else 0)


def _report(message: str, hint: str | None, code: int, *, verbose: bool) -> int:
    if verbose:
        import traceback

        traceback.print_exc()
    error_line(message, hint)
    return code
