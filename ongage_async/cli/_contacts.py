"""``ongage-async contacts``: upsert a file, get one contact, change statuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .._bulk import BulkResult
from ..resources.contacts import contact_row
from ._common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    AccountCode,
    BaseUrl,
    Connection,
    ListId,
    Password,
    Quiet,
    RateLimit,
    RatePeriod,
    Username,
    fail,
    run,
)
from ._progress import ProgressView
from ._rows import InputError, count_rows, failure_rows, read_rows, write_failures

app = typer.Typer(help="Write, read and change contacts.", no_args_is_help=True)


def _summary(result: BulkResult) -> str:
    return (
        f"{result.total} rows: {result.created} created, {result.updated} updated, "
        f"{len(result.failed)} failed, {len(result.skipped)} skipped; "
        f"{result.calls} calls in {result.elapsed:.1f} s"
    )


def _dry_run(path: Path) -> BulkResult:
    """Validate and count, send nothing."""
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    total = 0
    for total, raw in enumerate(read_rows(path), 1):
        try:
            email = contact_row(raw)["email"]
        except ValueError as exc:
            skipped[f"{raw.get('email') or '<no email>'} (row {total})"] = str(exc)
            continue
        if email in seen:
            skipped[f"{email} (row {total})"] = "duplicate: an earlier row wins"
        else:
            seen.add(email)
    return BulkResult(
        created=len(seen), updated=0, failed={}, skipped=skipped, total=total, calls=0, elapsed=0.0
    )


@app.command()
def upsert(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV (header with 'email'), .jsonl or .json",
        ),
    ],
    list_id: ListId = None,
    failures: Annotated[
        Path | None,
        typer.Option(help="CSV of failed and skipped rows with the reason (default: beside FILE)"),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Update contacts that exist.")] = True,
    chunk_size: Annotated[
        int | None,
        typer.Option(min=1, max=100, help="Contacts per call (default: up to 50 and 8 KiB)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count only.")] = False,
    quiet: Quiet = False,
    rate_limit: RateLimit = 300,
    rate_period: RatePeriod = 60.0,
    username: Username = None,
    password: Password = None,
    account_code: AccountCode = None,
    base_url: BaseUrl = "https://api.ongage.net",
) -> None:
    """Create or update every contact in FILE, at full budget, accounting for each row."""
    failures = failures or file.with_name(f"{file.stem}.failures.csv")
    try:
        if dry_run:
            result = _dry_run(file)
        else:
            total = count_rows(file)
            connection = Connection(
                username, password, account_code, base_url, list_id, rate_limit, rate_period
            )

            async def go() -> BulkResult:
                async with connection.client() as client:
                    budget = client.governor.budget.limit
                    with ProgressView(f"upsert {file.name}", budget=budget, quiet=quiet) as view:
                        return await client.contacts.upsert_many(
                            read_rows(file),
                            overwrite=overwrite,
                            chunk_size=chunk_size,
                            total=total,
                            on_progress=view.update,
                        )

            result = run(go)
        written = write_failures(failures, failure_rows(read_rows(file), result))
    except InputError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    prefix = "dry run: " if dry_run else ""
    typer.echo(prefix + _summary(result).replace("created", "valid" if dry_run else "created"))
    if written:
        typer.echo(f"{written} rows that did not succeed are in {failures}")
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def get(
    email: str,
    list_id: ListId = None,
    username: Username = None,
    password: Password = None,
    account_code: AccountCode = None,
    base_url: BaseUrl = "https://api.ongage.net",
) -> None:
    """Print one contact as JSON."""
    connection = Connection(username, password, account_code, base_url, list_id)

    async def go() -> dict[str, object]:
        async with connection.client() as client:
            contact = await client.contacts.get(email)
        return {
            "id": contact.id,
            "email": contact.email,
            "status": contact.status,
            "list_id": list_id,
            "fields": dict(contact.fields),
        }

    typer.echo(json.dumps(run(go), indent=2, default=str))


@app.command()
def status(
    emails: Annotated[list[str], typer.Argument(help="E-mail addresses")],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="unsubscribe, resubscribe, remove, bounce, complaint or soft_bounce"
        ),
    ],
    list_id: ListId = None,
    quiet: Quiet = False,
    rate_limit: RateLimit = 300,
    rate_period: RatePeriod = 60.0,
    username: Username = None,
    password: Password = None,
    account_code: AccountCode = None,
    base_url: BaseUrl = "https://api.ongage.net",
) -> None:
    """Change the status of contacts (e.g. ``--to unsubscribe``)."""
    connection = Connection(
        username, password, account_code, base_url, list_id, rate_limit, rate_period
    )

    async def go() -> BulkResult:
        async with connection.client() as client:
            with ProgressView("status", budget=client.governor.budget.limit, quiet=quiet) as view:
                return await client.contacts.change_status_many(emails, to, on_progress=view.update)

    result = run(go)
    typer.echo(_summary(result).replace("updated", "changed"))
    for label, reason in {**result.failed, **result.skipped}.items():
        typer.echo(f"  {label}: {reason}")
    if not result.ok or result.skipped:
        raise typer.Exit(EXIT_PARTIAL)
