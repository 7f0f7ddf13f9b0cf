"""The ``ongage-async`` Typer app: the commands and their help."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from .._version import __version__
from ..sandbox._config import LATENCY_HELP, parse_latency
from ._common import AccountCode, BaseUrl, Connection, Password, Username, run
from ._contacts import app as contacts_app


class Window(str, enum.Enum):
    """How the sandbox counts calls: any span of the period, or aligned windows."""

    SLIDING = "sliding"
    FIXED = "fixed"


def _checked_latency(text: str) -> str:
    try:
        parse_latency(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return text


class LogLevel(str, enum.Enum):
    """The levels uvicorn knows."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    DEBUG = "debug"
    TRACE = "trace"


__all__ = ["app"]

app = typer.Typer(
    name="ongage-async",
    help="The Ongage API from the shell, within the account's limits.",
    no_args_is_help=True,
    add_completion=False,
    # A crash's traceback never shows locals: the commands' frames hold the password.
    pretty_exceptions_show_locals=False,
)
app.add_typer(contacts_app, name="contacts")
lists_app = typer.Typer(
    help="Show the account's lists: id, type, name and contact count.", no_args_is_help=True
)
reports_app = typer.Typer(
    help="Run a report (sums, counts, groups over lists and mailings) and print its rows.",
    no_args_is_help=True,
)
sandbox_app = typer.Typer(
    help="Serve a fake Ongage API locally, to try the SDK and the CLI without an account.",
    no_args_is_help=True,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ongage-async {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """The Ongage API from the shell, within the account's limits."""


app.add_typer(lists_app, name="lists")
app.add_typer(reports_app, name="reports")
app.add_typer(sandbox_app, name="sandbox")


@lists_app.command("ls")
def lists_ls(
    type: Annotated[str | None, typer.Option(help="sending or suppression")] = None,
    username: Username = None,
    password: Password = None,
    account_code: AccountCode = None,
    base_url: BaseUrl = "https://api.ongage.net",
) -> None:
    """List the account's lists (id, type, name, contacts)."""
    connection = Connection(username, password, account_code, base_url, None)

    async def go() -> list[str]:
        async with connection.client() as client:
            return [
                f"{lst.id}\t{lst.type}\t{lst.name}\t{lst.last_count}"
                async for lst in client.lists.iter(type=type)
            ]

    for line in run(go):
        typer.echo(line)


@reports_app.command("query")
def reports_query(
    select: Annotated[list[str], typer.Option("--select", "-s", help="a name, or EXPR=ALIAS")],
    group: Annotated[list[str] | None, typer.Option("--group", "-g")] = None,
    filter: Annotated[
        list[str] | None,
        typer.Option("--filter", "-f", help="FIELD,OPERATOR,VALUE"),
    ] = None,
    list_ids: Annotated[str, typer.Option(help='"all" or comma-separated ids')] = "all",
    username: Username = None,
    password: Password = None,
    account_code: AccountCode = None,
    base_url: BaseUrl = "https://api.ongage.net",
) -> None:
    """Run a report and print its rows as JSON lines."""
    items: list[str | tuple[str, str]] = [
        (s.split("=", 1)[0], s.split("=", 1)[1]) if "=" in s else s for s in select
    ]
    clauses: list[tuple[str, str, Any]] = []
    for text in filter or []:
        parts = text.split(",", 2)
        if len(parts) != 3:
            raise typer.BadParameter(f"--filter takes FIELD,OPERATOR,VALUE, not {text!r}")
        clauses.append((parts[0], parts[1], parts[2]))
    ids: Any = "all" if list_ids == "all" else [i.strip() for i in list_ids.split(",")]
    connection = Connection(username, password, account_code, base_url, None)

    async def go() -> list[str]:
        async with connection.client() as client:
            report = await client.reports.query(
                items,
                list_ids=ids,
                group=group,
                filter=clauses or None,
            )
            return [json.dumps(row, default=str) for row in report]

    for line in run(go):
        typer.echo(line)


@sandbox_app.command("serve")
def sandbox_serve(
    host: Annotated[
        str, typer.Option(help="The address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port (0: any free one).")] = 8080,
    rate_limit: Annotated[int, typer.Option(help="Calls per window (Ongage: 300).")] = 300,
    rate_period: Annotated[float, typer.Option(help="The window, in seconds.")] = 60.0,
    max_concurrency: Annotated[int, typer.Option(help="Calls in flight at once.")] = 10,
    window: Annotated[
        Window, typer.Option(case_sensitive=False, help="How calls are counted.")
    ] = Window.SLIDING,
    latency: Annotated[
        str,
        typer.Option(metavar="DURATION", callback=_checked_latency, help=LATENCY_HELP + "."),
    ] = "0",
    log_level: Annotated[
        LogLevel, typer.Option(case_sensitive=False, help="How much the HTTP server logs.")
    ] = LogLevel.WARNING,
) -> None:
    """Serve the sandbox over HTTP, on 127.0.0.1 unless --host says otherwise.

    The same as python -m ongage_async.sandbox.
    """
    from ..sandbox.__main__ import main as serve

    serve(
        prog="ongage-async sandbox serve",
        argv=[
            "--host",
            host,
            "--log-level",
            log_level.value,
            "--port",
            str(port),
            "--rate-limit",
            str(rate_limit),
            "--rate-period",
            str(rate_period),
            "--max-concurrency",
            str(max_concurrency),
            "--window",
            window.value,
            "--latency",
            latency,
        ],
    )


@app.command()
def demo(
    contacts: Annotated[int, typer.Option(help="How many contacts to generate.")] = 20_000,
    rate_limit: Annotated[int, typer.Option(help="Calls per window (Ongage: 300).")] = 60,
    rate_period: Annotated[float, typer.Option(help="Seconds per window (Ongage: 60).")] = 2.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Bulk-load generated contacts into an embedded sandbox, with live progress."""
    from .._demo import run as run_demo

    run_demo(
        [
            "--contacts",
            str(contacts),
            "--rate-limit",
            str(rate_limit),
            "--rate-period",
            str(rate_period),
            *(["--quiet"] if quiet else []),
        ]
    )
