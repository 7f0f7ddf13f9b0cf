"""``ongage-async contacts``: upsert or import a file, get one contact, change statuses.

``upsert`` keeps a record whatever ends the run: the summary and the failures file (see
``_rows``) are written after a finished run, an interrupted one (Ctrl-C), an input that
broke half-way and an API error alike, so every row is either done or listed with what
became of it.  Only then does the command exit, with its documented code.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from .._exceptions import OngageError
from .._import import ImportResult
from .._rowcodec import RejectedRow, encode_row
from ..resources._bulk import BulkOperation, BulkResult, fold_key
from ..resources.contacts import contact_row
from ._common import (
    EXIT_API,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
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
from ._importview import ImportView
from ._progress import ProgressView, follow, waiting_on
from ._rows import InputError, Source, open_source, read_rows, scan, status_of, write_record

app = typer.Typer(help="Write, read and change contacts.", no_args_is_help=True)

Encoding = Annotated[
    str | None,
    typer.Option(
        help="The file's text encoding, e.g. latin-1, cp1252, utf-16 "
        "(default: its byte-order mark's, else utf-8)."
    ),
]


def _summary(result: BulkResult) -> str:
    return (
        f"{result.total} rows: {result.created} created, {result.updated} updated, "
        f"{len(result.failed)} failed, {len(result.skipped)} skipped; "
        f"{result.calls} calls in {result.elapsed:.1f} s"
    )


def _stopped_summary(result: BulkResult, total: int) -> str:
    """A run that ended early: the rows by what became of them, up to the file's total."""
    counts: Counter[str] = Counter()
    for kind, labels in (("failed", result.failed), ("skipped", result.skipped)):
        counts.update(status_of(kind, reason) for reason in labels.values())
    not_attempted = counts["not_attempted"] + max(0, total - result.total)
    return (
        f"{max(total, result.total)} rows: {result.created} created, {result.updated} updated, "
        f"{counts['failed']} failed, {counts['skipped'] + counts['duplicate']} skipped, "
        f"{counts['unconfirmed']} unconfirmed, {not_attempted} not attempted; "
        f"{result.calls} calls in {result.elapsed:.1f} s"
    )


def _dry_run(source: Source) -> BulkResult:
    """Validate and count, send nothing: the engine's checks, row by row."""
    skipped: dict[str, str] = {}
    numbers: dict[str, int] = {}
    seen: dict[str, str] = {}  # folded e-mail -> as first seen
    total = 0
    for total, raw in enumerate(read_rows(source), 1):
        email, reason = _check(raw)
        first = seen.get(fold_key(email)) if email else None
        if first is not None:
            reason = "duplicate: an earlier row wins" + ("" if first == email else f" ({first})")
        elif email and not reason:
            seen[fold_key(email)] = email
            continue
        label = f"{email or _label(raw)} (row {total})"
        skipped[label], numbers[label] = reason, total
    return BulkResult(
        created=len(seen),
        updated=0,
        failed={},
        skipped=skipped,
        total=total,
        calls=0,
        elapsed=0.0,
        row_numbers=numbers,
    )


def _check(raw: Any) -> tuple[str, str]:
    """A row's e-mail (when it has a valid one) and why it would be skipped ("" if not)."""
    if isinstance(raw, RejectedRow):
        return "", raw.reason
    try:
        row = contact_row(raw)
    except ValueError as exc:
        return "", str(exc)
    try:
        encode_row(row)
    except ValueError as exc:
        return row["email"], str(exc)
    return row["email"], ""


def _label(raw: Any) -> str:
    email = raw.get("email") if isinstance(raw, dict) else None
    return email[:100] if isinstance(email, str) and email else "<no email>"


def _why_stopped(exc: BaseException) -> tuple[int, str] | None:
    """The exit code and the reason for a run that ended early; None for a crash (a bug)."""
    if _interrupted(exc) or (isinstance(exc, SystemExit) and exc.code == EXIT_INTERRUPTED):
        return EXIT_INTERRUPTED, "the run was interrupted (Ctrl-C)"
    if isinstance(exc, typer.Exit):  # ``run`` has said why and chosen the code
        cause = type(exc.__context__).__name__ if exc.__context__ else "an error"
        message = getattr(exc.__context__, "message", "")  # an API error's own words
        return exc.exit_code, f"the run stopped on {cause}" + (f": {message}" if message else "")
    if isinstance(exc, (InputError, OSError)):
        return EXIT_INPUT, f"the input broke: {exc}"
    return None


def _interrupted(exc: BaseException) -> bool:
    """A Ctrl-C, alone or inside an exception group (trio raises it from the task group)."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    inner = getattr(exc, "exceptions", None)
    return isinstance(inner, tuple) and any(_interrupted(e) for e in inner)


def _keep_record(
    source: Source, failures: Path, result: BulkResult, total: int, stopped: str | None
) -> int:
    """Write the failures file and print the summary; returns how many rows it lists."""
    record = write_record(failures, source, result, stopped)
    if stopped is None:
        typer.echo(_summary(result))
    else:
        typer.echo(f"stopped: {stopped}", err=True)
        typer.echo(_stopped_summary(result, total))
    if record.rows:
        shown = ", ".join(f"{n} {status}" for status, n in sorted(record.statuses.items()))
        typer.echo(f"{record.rows} rows that were not done are in {failures} ({shown})")
    if record.unreadable:
        typer.echo(f"warning: {record.unreadable}, so they are not in {failures}", err=True)
    return record.rows


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
        typer.Option(
            help="CSV of the rows not done, with what became of each (default: beside FILE)"
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Update contacts that exist.")] = True,
    chunk_size: Annotated[
        int | None,
        typer.Option(min=1, max=100, help="Contacts per call (default: up to 50 and 8 KiB)."),
    ] = None,
    encoding: Encoding = None,
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
        source = open_source(file, encoding)
        # The whole file once, before any call: one that cannot be read to its end (a
        # wrong encoding, a broken CSV) is refused with nothing sent, not after row 1,800.
        total = scan(source)
        if dry_run:
            result = _dry_run(source)
            written = write_record(failures, source, result).rows
            typer.echo("dry run: " + _summary(result).replace("created", "valid"))
            if written:
                typer.echo(f"{written} rows that would not succeed are in {failures}")
                raise typer.Exit(EXIT_PARTIAL)
            return
    except InputError as exc:
        raise fail(f"{exc}; nothing was sent", EXIT_USAGE) from None
    connection = Connection(
        username, password, account_code, base_url, list_id, rate_limit, rate_period
    )
    started: list[BulkOperation] = []

    async def go() -> BulkResult:
        async with connection.client() as client:
            budget = client.governor.budget.limit
            with ProgressView(f"upsert {file.name}", budget=budget, quiet=quiet) as view:
                operation = client.contacts.bulk_upsert(
                    read_rows(source),
                    overwrite=overwrite,
                    chunk_size=chunk_size,
                    total=total,
                    on_progress=view.update,
                )
                started.append(operation)
                waiting = waiting_on(client.governor, operation)
                return await follow(view, operation.statistics, waiting, operation.run)

    try:
        result = run(go)
    except BaseException as exc:
        if not started:  # nothing was sent: there is nothing to record
            raise
        stop = _why_stopped(exc)
        _keep_record(source, failures, started[0].result(), total, stop[1] if stop else "a crash")
        if stop is None:
            raise
        raise typer.Exit(stop[0]) from None
    if _keep_record(source, failures, result, total, None):
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
    """Change the status of contacts, for example --to unsubscribe."""
    connection = Connection(
        username, password, account_code, base_url, list_id, rate_limit, rate_period
    )

    async def go() -> BulkResult:
        async with connection.client() as client:
            with ProgressView("status", budget=client.governor.budget.limit, quiet=quiet) as view:
                return await client.contacts.change_status_many(emails, to, on_progress=view.update)

    result = run(go)
    typer.echo(_status_summary(result, to))
    for label, reason in {**result.failed, **result.skipped}.items():
        typer.echo(f"  {label}: {reason}")
    if not result.ok or result.skipped:
        raise typer.Exit(EXIT_PARTIAL)


#: ``--to`` -> what became of a contact whose status was changed, for the summary.
_DONE_BY = {
    "unsubscribe": "unsubscribed",
    "resubscribe": "resubscribed",
    "remove": "removed",
    "bounce": "marked as bounced",
    "complaint": "marked as complaining",
    "soft_bounce": "marked as soft-bounced",
}


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _status_summary(result: BulkResult, to: str) -> str:
    """A sentence: "1 of 2 contacts unsubscribed, 1 not (listed below). 1 call in 0.1 s."."""
    changed = result.created + result.updated
    done = _DONE_BY.get(to, f"changed to {to}")
    missed = result.total - changed
    if not missed:
        head = f"{'All ' if result.total > 1 else ''}{_count(result.total, 'contact')} {done}."
    elif not changed:
        head = f"No contact {done} (listed below)."
    else:
        head = (
            f"{changed} of {_count(result.total, 'contact')} {done}, {missed} not (listed below)."
        )
    return f"{head} {_count(result.calls, 'call')} in {result.elapsed:.1f} s."


StageUrl = Annotated[
    str,
    typer.Option(
        "--stage",
        envvar="ONGAGE_IMPORT_STAGE",
        help="Where the file is staged for Ongage to fetch: s3://bucket/prefix, "
        "gs://bucket/prefix or az://container/prefix. The store's settings and "
        "credentials come from the environment, as obstore reads them (AWS_*, "
        "GOOGLE_*, AZURE_*).",
    ),
]


def stage_from_url(url: str) -> Any:
    """An ObjectStoreStage for ``scheme://bucket/prefix`` (needs the [import] extra)."""
    try:
        from obstore.store import from_url
    except ImportError:
        raise fail(
            "--stage needs obstore: pip install 'ongage-async[import]'", EXIT_USAGE
        ) from None
    from ..staging import ObjectStoreStage

    scheme, sep, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    if not sep or not bucket or scheme not in ("s3", "s3a", "gs", "az", "abfs", "azure"):
        raise fail(f"--stage must look like s3://bucket/prefix, not {url!r}", EXIT_USAGE)
    try:
        store = from_url(f"{scheme}://{bucket}")
    except Exception as exc:
        raise fail(f"--stage {url}: {exc}", EXIT_USAGE) from None
    # The schemes above give stores that sign (S3, GCS, Azure); from_url's type says any.
    signing: Any = store
    return ObjectStoreStage(signing, prefix=f"{prefix.rstrip('/')}/" if prefix else "")


def _import_summary(result: ImportResult) -> str:
    """Ongage's counts as a sentence, the ones that are zero left out."""
    parts = [
        f"{n} {what}"
        for n, what in (
            (result.failed, "failed"),
            (result.duplicate, "duplicates in the file"),
            (result.existing, "already in the list (not overwritten)"),
            (result.not_existing, "not in the list"),
            (result.incomplete, "incomplete"),
            (result.invalid, "with an invalid e-mail"),
        )
        if n
    ]
    others = f"; {', '.join(parts)}" if parts else ""
    skipped = (
        f" {_count(result.skipped_count, 'row')} could not be written to the file."
        if result.skipped_count
        else ""
    )
    return (
        f"Imported {result.success} of {_count(result.total, 'row')}{others} "
        f"(import {result.import_id}, {result.status_desc}).{skipped} "
        f"{_count(result.calls, 'API call')} in {result.elapsed:.1f} s."
    )


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV with a header with 'email'"
        ),
    ],
    stage: StageUrl,
    list_id: ListId = None,
    overwrite: Annotated[bool, typer.Option(help="Update contacts that exist.")] = True,
    action: Annotated[
        str,
        typer.Option("--action", help="add, remove, unsubscribe, resubscribe, bounce or complaint"),
    ] = "add",
    encoding: Encoding = None,
    keep_file: Annotated[
        bool, typer.Option("--keep-file", help="Leave the staged file in place.")
    ] = False,
    quiet: Quiet = False,
    rate_limit: RateLimit = 300,
    rate_period: RatePeriod = 60.0,
    username: Username = None,
    password: Password = None,
    account_code: AccountCode = None,
    base_url: BaseUrl = "https://api.ongage.net",
) -> None:
    """Import FILE in one Ongage import: stage it, let Ongage fetch it, wait for the counts.

    A few API calls whatever the size of FILE; Ongage reports counts, not a result per
    contact (use `contacts upsert` for that).
    """
    staging = stage_from_url(stage)
    connection = Connection(
        username, password, account_code, base_url, list_id, rate_limit, rate_period
    )

    async def go() -> ImportResult:
        async with connection.client() as client:
            with ImportView(f"import {file.name}", quiet=quiet) as view:
                return await client.contacts.import_rows(
                    file,
                    stage=staging,
                    overwrite=overwrite,
                    import_action=action,
                    encoding=encoding or "utf-8-sig",
                    keep_file=keep_file,
                    on_progress=view.update,
                )

    try:
        result = run(go)
    except OngageError as exc:  # the import failed, or its outcome is unknown: say why
        raise fail(str(exc), EXIT_API) from None
    typer.echo(_import_summary(result))
    if not result.ok:
        raise typer.Exit(EXIT_PARTIAL)
