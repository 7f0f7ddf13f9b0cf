"""A resumable ETL job: rows from a CSV file or a SQLite table into an Ongage list.

Rows are cut into fixed chunks by their position in the source, and every chunk is
journaled twice: ``sent N`` before its call and ``done N`` once Ongage confirmed it.
Run it again after a crash and it skips the confirmed chunks; for a chunk that was
sent but never confirmed (the process died while it was in flight) it asks Ongage
which of its contacts exist and sends only the missing ones.  So nothing confirmed is
sent twice, and nothing is lost.  Rows Ongage refused, and invalid rows, go to
``failures.csv`` with the reason.

The nightly full load is another matter: with ``--full`` and a stage (``--stage
s3://bucket/prefix``, or ``ONGAGE_IMPORT_STAGE``; the store's settings come from the
environment, as obstore reads them) every row goes in one Ongage import, a few calls
instead of one per 50 contacts, as Ongage asks for batch loads.  An import reports
counts, not a result per contact, and is not journaled: run it again and it imports
again, which a full load with overwrite may do.  Without a stage, ``--full`` runs the
incremental way.  Incremental runs always use v2 calls.

    python examples/etl_sync.py examples/contacts.csv --sandbox --state /tmp/etl-state
    python examples/etl_sync.py contacts.csv --state ./etl-state --list-id 12345
    python examples/etl_sync.py crm.sqlite --table contacts --state ./etl-state
    python examples/etl_sync.py crm.sqlite --table contacts --full --stage s3://b/ongage/
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio

from ongage_async import NotFoundError, OngageClient
from ongage_async.resources import ImportResult
from ongage_async.resources.contacts import is_valid_email
from ongage_async.staging import Stage


def read_csv(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            email = row.pop("email", "")
            yield {"email": email, "fields": {k: v for k, v in row.items() if k}}


def read_sqlite(path: Path, table: str) -> Iterator[dict[str, Any]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            data = dict(row)
            email = data.pop("email", "")
            yield {"email": email, "fields": data}


class Journal:
    """``sent N`` / ``done N`` lines, each flushed to disk before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sent: set[int] = set()
        self.done: set[int] = set()
        if path.exists():
            for line in path.read_text().splitlines():
                word, _, number = line.partition(" ")
                (self.done if word == "done" else self.sent).add(int(number))
        self._file = path.open("a")

    def mark(self, word: str, chunk: int) -> None:
        self._file.write(f"{word} {chunk}\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        (self.done if word == "done" else self.sent).add(chunk)

    def close(self) -> None:
        self._file.close()


def chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    chunk: list[dict[str, Any]] = []
    number = 0
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield number, chunk
            chunk, number = [], number + 1
    if chunk:
        yield number, chunk


async def missing_from(client: OngageClient, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an unconfirmed chunk whose contacts Ongage does not have."""
    missing = []
    for row in rows:
        try:
            await client.contacts.get(row["email"])
        except NotFoundError:
            missing.append(row)
    return missing


async def sync(
    client: OngageClient,
    rows: Iterator[dict[str, Any]],
    state: Path,
    *,
    chunk_size: int = 100,
    crash_after: int | None = None,
) -> dict[str, int]:
    """Push ``rows`` into the client's list; resumable from ``state``."""
    state.mkdir(parents=True, exist_ok=True)
    journal = Journal(state / "journal.log")
    failures_path = state / "failures.csv"
    new_file = not failures_path.exists()
    failures = failures_path.open("a", newline="")
    writer = csv.writer(failures)
    if new_file:
        writer.writerow(["email", "ongage_error"])
    counts = {"sent": 0, "skipped_chunks": 0, "verified": 0, "failed": 0}

    async def deliver(number: int, chunk: list[dict[str, Any]]) -> None:
        valid, seen = [], set()
        for row in chunk:
            email = row.get("email")
            if not is_valid_email(email) or email in seen:
                writer.writerow([email, "invalid or duplicate e-mail"])
                counts["failed"] += 1
                continue
            seen.add(email)
            valid.append(row)
        if number in journal.sent:  # sent before a crash, never confirmed: ask Ongage
            counts["verified"] += len(valid)
            valid = await missing_from(client, valid)
        journal.mark("sent", number)
        if valid:
            result = await client.contacts.create(valid, overwrite=True)
            counts["sent"] += len(valid)
            for email, reason in result.failed.items():
                writer.writerow([email, reason])
                counts["failed"] += 1
        if crash_after is not None and number == crash_after:
            os._exit(137)  # tests: die between Ongage's answer and the journal
        journal.mark("done", number)

    send, receive = anyio.create_memory_object_stream[tuple[int, list[dict[str, Any]]]](0)

    async def worker(
        stream: anyio.abc.ObjectReceiveStream[tuple[int, list[dict[str, Any]]]],
    ) -> None:
        async with stream:
            async for number, chunk in stream:
                await deliver(number, chunk)

    try:
        async with anyio.create_task_group() as tg:
            for _ in range(client.governor.cap.max_concurrency):
                tg.start_soon(worker, receive.clone())
            receive.close()
            async with send:
                for number, chunk in chunks(rows, chunk_size):
                    if number in journal.done:
                        counts["skipped_chunks"] += 1
                        continue
                    await send.send((number, chunk))
    finally:
        journal.close()
        failures.close()
    return counts


async def full_load(
    client: OngageClient, rows: Iterator[dict[str, Any]], stage: Stage
) -> ImportResult:
    """The nightly full load: every row in one Ongage import, through ``stage``."""
    return await client.contacts.import_rows(rows, stage=stage, overwrite=True)


def describe(counts: dict[str, int], state: Path) -> str:
    """An incremental run's counts, as a sentence."""
    text = f"Sent {counts['sent']} contacts to Ongage"
    if counts["failed"]:
        text += f"; {counts['failed']} rows failed (see {state / 'failures.csv'})"
    if counts["skipped_chunks"]:
        text += f"; {counts['skipped_chunks']} chunks were already done and were skipped"
    if counts["verified"]:
        text += f"; {counts['verified']} contacts of unconfirmed chunks were checked first"
    return text + "."


def describe_import(result: ImportResult) -> str:
    """A full load's counts, as a sentence."""
    text = f"Imported {result.success} of {result.total} contacts in one Ongage import"
    others = {
        "duplicates in the source": result.duplicate,
        "invalid e-mails": result.invalid,
        "failed": result.failed,
        "incomplete rows": result.incomplete,
        "rows not written to the file": result.skipped_count,
    }
    missed = [f"{n} {what}" for what, n in others.items() if n]
    if missed:
        text += f" ({', '.join(missed)})"
    return f"{text}, using {result.calls} API calls."


def stage_from(url: str) -> Stage:
    """``s3://bucket/prefix`` (or ``gs://``, ``az://``) as an ObjectStoreStage."""
    from obstore.store import from_url  # the [import] extra

    from ongage_async.staging import ObjectStoreStage

    scheme, _, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    store: Any = from_url(f"{scheme}://{bucket}")
    return ObjectStoreStage(store, prefix=f"{prefix.rstrip('/')}/" if prefix else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a .csv file or a SQLite database")
    parser.add_argument("--table", help="the SQLite table (with an email column)")
    parser.add_argument("--state", type=Path, default=Path("etl-state"))
    parser.add_argument("--list-id", type=int)
    parser.add_argument("--crash-after", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--full", action="store_true", help="the nightly full load: one import, with a stage"
    )
    parser.add_argument(
        "--stage",
        default=os.environ.get("ONGAGE_IMPORT_STAGE"),
        help="where a full load's file is staged: s3://bucket/prefix, gs://..., az://...",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an embedded sandbox (list 500), no credentials",
    )
    args = parser.parse_args()
    rows = read_sqlite(args.source, args.table) if args.table else read_csv(args.source)

    async def run() -> str:
        if args.sandbox:
            from ongage_async.sandbox import Sandbox, SandboxConfig

            # The account's 300 calls on a 6 s window instead of 60 s, so an import's
            # status polls (20 token periods apart) come every 0.4 s, not every 4 s.
            sandbox = Sandbox(
                SandboxConfig(seed_lists=[{"id": 500, "name": "main"}], rate_period=6.0)
            )
            client = sandbox.client(list_id=500)
        else:
            client = OngageClient(list_id=args.list_id)
        async with client:
            if args.full and args.stage:
                return describe_import(await full_load(client, rows, stage_from(args.stage)))
            counts = await sync(client, rows, args.state, crash_after=args.crash_after)
            return describe(counts, args.state)

    print(anyio.run(run))


if __name__ == "__main__":
    main()
