"""`code-agent doctor`: explain the environment (container, user, workspace, AWS, provenance)."""

from __future__ import annotations

from pathlib import Path

import click

from code_agent.cli.output import emit_json, format_option, settings, stderr_console
from code_agent.exceptions import AwsConfigError, CheckFailedError, InvalidInputError
from code_agent.models.doctor import DoctorReport


@click.command()
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    default=".",
    show_default="the current directory",
    help="Workspace whose writability to check.",
)
@click.option(
    "--aws",
    "check_aws",
    is_flag=True,
    help="Also call STS GetCallerIdentity (exit 5 when credentials are missing/invalid).",
)
@click.option("--check", is_flag=True, help="Exit 4 when any problem is found.")
@format_option("text", "json")
def doctor(path: Path, check_aws: bool, check: bool, output_format: str) -> None:
    """Explain the environment: versions, provenance, container, user, workspace and AWS.

    Without --aws no AWS API is called and the exit status is 0 even when problems are
    reported (use --check to make them fail the command).
    """
    from code_agent.core.doctor import run

    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InvalidInputError(f"--path {path} does not exist") from None
    except OSError:
        pass  # e.g. not reachable for this user: that is what doctor reports
    report = run(path, check_aws=check_aws)
    if output_format == "json":
        emit_json("doctor", report.to_dict())
    else:
        render_text(report)

    failure = report.aws.identity_error
    if failure:
        raise AwsConfigError(failure.message, hint=failure.hint)
    if check and report.problems:
        codes = ", ".join(problem.code for problem in report.problems)
        raise CheckFailedError(
            f"doctor found {len(report.problems)} problem(s): {codes}",
            hint="each problem above comes with its own hint",
        )


def render_text(report: DoctorReport) -> None:
    from rich.markup import escape as e

    if settings().quiet:
        # -q: only what needs attention, still one "Problem"/"Hint" pair each.
        for problem in report.problems:
            click.echo(f"Problem: {problem.message}", err=True)
            if problem.hint:
                click.echo(f"Hint: {problem.hint}", err=True)
        return

    origin, user, ws, aws = report.code_agent, report.user, report.workspace, report.aws
    rows: list[tuple[str, str]] = []  # (label, Rich markup): printed as lines, never wrapped

    def row(label: str, markup: str) -> None:
        rows.append((label, markup))

    if origin.distribution:
        how = f"installed by {origin.installer or 'an unknown installer'}"
        if origin.source_url:
            how += f", {'editable ' if origin.editable else ''}from {origin.source_url}"
        mark = "" if origin.ours else " [red](not ours: see problems)[/]"
        row(
            "code-agent",
            e(
                f"{origin.version} (distribution {origin.distribution} "
                f"{origin.distribution_version}, {how})"
            )
            + mark,
        )
        row("  location", e(origin.location or "?"))
    else:
        row("code-agent", e(f"{origin.version} (not installed: running from source)"))
    row("  package", e(origin.package_path))
    if origin.command:
        row("  command", e(origin.command))
    py = report.python
    row("python", e(f"{py.version} ({py.implementation}) {py.executable}"))

    container = report.container
    if container.detected:
        row(
            "container",
            f"[cyan]yes[/] ({e(container.runtime or '?')}): " + e("; ".join(container.evidence)),
        )
    else:
        row("container", "no")
    row("user", e(f"uid {user.uid}, gid {user.gid} ({user.name or 'no passwd entry'})"))
    if user.home:
        state = (
            ("writable" if user.home_writable else "read-only")
            if user.home_exists
            else "[red]missing[/]"
        )
        row("HOME", f"{e(user.home)} ({state})")
    else:
        row("HOME", "[red]not set[/]")
    owner = f", owner {ws.owner_uid}:{ws.owner_gid}" if ws.owner_uid is not None else ""
    state = "[green]writable[/]" if ws.writable else f"[red]not writable: {e(ws.error or '?')}[/]"
    row("workspace", f"{e(ws.path)} ({state}{e(owner)})")

    creds = aws.credentials
    details = [
        f"profile {creds.profile}" if creds.profile else "",
        creds.path or "",
        f"role {creds.role_arn}" if creds.role_arn else "",
        f"key {creds.access_key_id}" if creds.access_key_id else "",
    ]
    detail = ", ".join(d for d in details if d)
    source = e(creds.source) if creds.source != "none" else "[red]none[/]"
    row(
        "AWS credentials",
        source
        + (f" ({e(detail)})" if detail else "")
        + (f" [red]{e(creds.error)}[/]" if creds.error else ""),
    )
    row("AWS region", e(aws.region) if aws.region else "[red]none[/]")
    if aws.endpoint_url:
        row("AWS endpoint", e(aws.endpoint_url))
    if aws.identity:
        ident = aws.identity
        row("AWS identity", e(f"account {ident['Account']}, {ident['Arn']} ({ident['UserId']})"))
    elif aws.identity_checked:
        row("AWS identity", "[red]unavailable[/] (see the error below)")
    else:
        row("AWS identity", "not checked (add --aws to call STS)")

    console = stderr_console()
    width = max(len(label) for label, _ in rows) + 2
    for label, markup in rows:
        console.print(f"[bold]{e(label.ljust(width))}[/]{markup}")
    if report.problems:
        console.print(f"\n[bold red]{len(report.problems)} problem(s)[/]")
        for problem in report.problems:
            console.print(f"[red]x[/] {e(problem.message)}")
            if problem.hint:
                console.print(f"  [dim]hint:[/] {e(problem.hint)}")
    else:
        console.print("\n[green]no problems found[/]")
