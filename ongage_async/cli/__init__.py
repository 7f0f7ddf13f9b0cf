"""The ``ongage-async`` command line (the ``[cli]`` extra: Typer and Rich)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ._common import AccountCode, BaseUrl, Connection, Password, Username, run
from ._contacts import app as contacts_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="ongage-async",
    help="The Ongage API from the shell, within the account's limits.",
    no_args_is_help=True,
    add_completion=False,
    # A crash's traceback never shows locals: the commands' frames hold the password.
    pretty_exceptions_show_locals=False,
)
app.add_typer(contacts_app, name="contacts")
lists_app = typer.Typer(help="Lists.", no_args_is_help=True)
reports_app = typer.Typer(help="Reports.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The embedded Ongage sandbox.", no_args_is_help=True)
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
    port: int = 8080,
    rate_limit: int = 300,
    rate_period: float = 60.0,
    max_concurrency: int = 10,
    window: str = "sliding",
    latency: str = "0,0",
) -> None:
    """Serve the sandbox over HTTP on 127.0.0.1 (same as ``python -m ongage_async.sandbox``)."""
    from ..sandbox.__main__ import main as serve

    serve(
        [
            "--port",
            str(port),
            "--rate-limit",
            str(rate_limit),
            "--rate-period",
            str(rate_period),
            "--max-concurrency",
            str(max_concurrency),
            "--window",
            window,
            "--latency",
            latency,
        ]
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
            "--rate-period",
            str(rate_period),
            *(["--quiet"] if quiet else []),
        ]
    )


def main() -> None:
    app()
