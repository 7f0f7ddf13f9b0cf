"""`client.contacts.import_rows`: any number of contacts in one import, the way Ongage asks.

Ongage's pages say that v2 contacts calls are for a few contacts at a time and that a
batch or nightly load belongs to `POST /api/import` (FAQ; page 1014366212).  An import
is one call and a few status polls, whatever the number of rows; its price is that
Ongage fetches the file itself, from a URL.  So:

1. the rows are written to a CSV on disk (`_importfile`: flat memory, a ZIP above a
   size), with Ongage's default delimiter (comma) and encoding (UTF-8);
2. a [`Stage`][ongage_async.staging.Stage] stores it and hands out a signed URL;
3. `POST /api/import` names that URL; then the import is polled, at an interval drawn
   from the budget, until it completes (or fails: `JobFailedError`);
4. the staged file is deleted, unless `keep_file=True`, or unless Ongage may still
   need it (see below).

The import call is never sent twice.  A repeated import would run twice, so the
client's retry policy does not resend it after an ambiguous failure (a 5xx, a timeout,
a dropped connection), and neither does this: it raises
[`ImportUnconfirmedError`][ongage_async.ImportUnconfirmedError], which says to look at
`client.imports.list()`, and keeps the staged file so that an import that did start
can still fetch it.  For the same reason the file is kept when the wait ends (a
timeout, a cancellation) before Ongage was seen to process it: a queued import has not
fetched it yet.  A signed URL expires anyway (`ObjectStoreStage`: after 6 hours).

The signed URL is a credential: it is logged, and shown in errors, without its query
string (`redact_url`).
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import anyio
import attrs

from ._compat import Unpack
from ._exceptions import (
    APIConnectionError,
    ImportUnconfirmedError,
    InvalidArgumentError,
    InvalidResponseError,
    JobFailedError,
    OngageError,
    ServerError,
    StagingError,
)
from ._importfile import csv_rows, read_chunks, write_import_file
from ._validation import non_negative_int
from .staging import Stage, redact_url

if TYPE_CHECKING:
    from ._requester import Requester
    from .models import Import
    from .resources._jobs import ImportJob

__all__ = ["ImportProgress", "ImportResult", "ImportRunOptions", "import_rows"]

logger = logging.getLogger("ongage_async")

#: Above this many bytes the CSV goes as a ZIP of one CSV (Ongage accepts both).
DEFAULT_COMPRESS_ABOVE = 8 * 1024 * 1024
#: Statuses at which Ongage has fetched the file already: deleting it is safe then.
_FETCHED = (40002, 40004, 40003)

Phase = Literal["writing", "staging", "importing"]


class ImportRunOptions(TypedDict, total=False):
    """How `contacts.import_rows` writes the file and follows the import (all optional).

    Attributes:
        encoding: The encoding of a CSV file given as `rows` (default `"utf-8-sig"`).
        compress_above: Bytes of CSV above which it goes as a ZIP (8 MiB; None: never).
        keep_file: Leave the staged file in place (default False).
        poll_interval: Seconds between polls (default: 20 token periods of the budget,
            4 s at 300 calls a minute).
        timeout: Seconds to wait for the import at most (default: no limit).
        on_progress: Called with an
            [`ImportProgress`][ongage_async.resources.ImportProgress]: rows written,
            then bytes staged, then Ongage's `progress`.
    """

    encoding: str
    compress_above: int | None
    keep_file: bool
    poll_interval: float | None
    timeout: float | None
    on_progress: Callable[[ImportProgress], Any] | None


@attrs.frozen
class ImportProgress:
    """Where an import stands: for `on_progress`.

    Attributes:
        phase: `"writing"` the file, `"staging"` it (uploading), or `"importing"`
            (Ongage processes it).
        rows: Rows written to the file so far.
        bytes_staged: Bytes uploaded so far.
        bytes_total: The file's size, once written.
        progress: Ongage's percentage, while importing.
        status: Ongage's status code, while importing.
        status_desc: Ongage's words for it (`"Processing (46%)"`).
    """

    phase: Phase
    rows: int = 0
    bytes_staged: int = 0
    bytes_total: int | None = None
    progress: int | None = None
    status: int | None = None
    status_desc: str | None = None


@attrs.frozen
class ImportResult:
    """What an import did, as Ongage counted it: counts, not a result per contact.

    `total` is the rows in the file (`rows`, as written); each ended in exactly one of
    `success`, `failed`, `duplicate` (an e-mail seen earlier in the file), `existing`
    (adding, without `overwrite`, a contact that exists), `not_existing` (another
    action on a contact that does not), `incomplete` or `invalid` (an unusable e-mail).
    Rows that could not be written to the file at all are in `skipped` (up to 10,000
    of them, with why; `skipped_count` counts them all).

    Attributes:
        import_id: The import's id (`client.imports.get(import_id)`).
        status: The final status (40003, completed).
        status_desc: Ongage's words for it.
        file_name: The staged file's name (the URL is not kept: it is a credential).
        file_bytes: Its size.
        compressed: Whether it went as a ZIP.
        kept: Whether the staged file was left in place.
        calls: API calls made through the client meanwhile (the import, its polls).
        elapsed: Seconds from the first row read to the final status.
    """

    import_id: str
    status: int
    status_desc: str
    total: int
    success: int
    failed: int
    duplicate: int
    existing: int
    not_existing: int
    incomplete: int
    invalid: int
    rows: int
    skipped: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    skipped_count: int = 0
    file_name: str = ""
    file_bytes: int = 0
    compressed: bool = False
    kept: bool = False
    calls: int = 0
    elapsed: float = 0.0

    @property
    def path(self) -> Literal["import"]:
        """Which way the rows went: `"import"` (a `BulkResult` says `"calls"`)."""
        return "import"

    @property
    def counted(self) -> int:
        """The rows Ongage's counts account for; equal to `total` when they add up."""
        return sum(getattr(self, name) for name in _COUNTS[1:])

    @property
    def ok(self) -> bool:
        """Every row written was imported, or was a repeat of one that was."""
        return self.success + self.duplicate + self.existing == self.total


#: Ongage's counts in an import's report (`Import`), copied into the `ImportResult`:
#: the total first, then the rows each outcome accounts for.
_COUNTS = (
    "total",
    "success",
    "failed",
    "duplicate",
    "existing",
    "not_existing",
    "incomplete",
    "invalid",
)


def _ambiguous(exc: BaseException) -> bool:
    """Whether the import may have started although the call failed."""
    if isinstance(exc, APIConnectionError):
        return exc.request_sent
    return isinstance(exc, (ServerError, InvalidResponseError))


class _Run:
    """One import's state: what to report, and whether its file may be deleted."""

    def __init__(self, on_progress: Callable[[ImportProgress], Any] | None) -> None:
        self.on_progress = on_progress
        self.rows = 0
        self.size: int | None = None
        self.staged = 0
        self.seen: Import | None = None
        self.keep = False

    def report(self, phase: Phase) -> None:
        if self.on_progress is None:
            return
        seen = self.seen
        self.on_progress(
            ImportProgress(
                phase,
                self.rows,
                self.staged,
                self.size,
                seen.progress if seen is not None else None,
                seen.status if seen is not None else None,
                seen.status_desc if seen is not None else None,
            )
        )

    def on_rows(self, rows: int) -> None:
        self.rows = rows
        self.report("writing")

    def on_bytes(self, done: int) -> None:
        self.staged = done
        self.report("staging")

    def on_status(self, status: Import) -> None:
        self.seen = status
        self.report("importing")


async def _delete(stage: Stage, name: str) -> None:
    with anyio.CancelScope(shield=True):
        try:
            await stage.delete(name)
        except Exception as exc:  # the import's outcome matters more than the cleanup
            logger.warning("could not delete the staged file %s: %s", name, _safe(exc))


def _safe(exc: BaseException) -> str:
    """An error's text with any URL's query string cut (a signed URL is a credential)."""
    return " ".join(redact_url(w) if "://" in w else w for w in str(exc).split(" "))


async def import_rows(
    client: Requester,
    rows: Iterable[Any] | AsyncIterable[Any] | str | os.PathLike[str],
    *,
    stage: Stage,
    create: Callable[[str, str], Awaitable[ImportJob]],
    fields: Sequence[str] | Mapping[str, Any] | None = None,
    **options: Unpack[ImportRunOptions],
) -> ImportResult:
    """The whole import; `create(url, name)` sends `POST /api/import` (see the module)."""
    encoding = options.get("encoding", "utf-8-sig")
    compress_above = options.get("compress_above", DEFAULT_COMPRESS_ABOVE)
    keep_file = options.get("keep_file", False)
    poll_interval = options.get("poll_interval")
    timeout = options.get("timeout")
    on_progress = options.get("on_progress")
    if not isinstance(stage, Stage):
        raise InvalidArgumentError(
            "stage must be a Stage (put and delete), such as ObjectStoreStage"
        )
    if compress_above is not None:
        non_negative_int(compress_above, name="compress_above (bytes, or None)")
    if isinstance(rows, (str, os.PathLike)):
        path = Path(rows)
        if not await anyio.Path(path).is_file():
            raise InvalidArgumentError(f"no such CSV file: {path}")
        rows = csv_rows(path, encoding)
    started = anyio.current_time()
    calls_before = client.governor.statistics().calls_started
    run = _Run(on_progress)
    base = f"ongage-import-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="ongage-import-") as directory:
        file = await write_import_file(
            rows,
            Path(directory),
            base,
            fields=fields,
            compress_above=compress_above,
            on_rows=run.on_rows,
        )
        run.size = file.size
        name = file.path.name
        run.report("staging")
        try:
            url = await stage.put(name, read_chunks(file.path, run.on_bytes))
        except BaseException as exc:
            await _delete(stage, name)  # a half-staged file, or one nobody will fetch
            if isinstance(exc, Exception) and not isinstance(exc, OngageError):
                raise StagingError(f"could not stage {name}: {_safe(exc)}") from exc
            raise
    logger.info("staged %s (%d bytes) at %s", name, file.size, redact_url(url))
    try:
        try:
            job = await create(url, name)
        except BaseException as exc:
            if _ambiguous(exc):
                run.keep = True
                raise ImportUnconfirmedError(name, exc) from exc
            if not isinstance(exc, Exception):  # cancelled while the call was out
                run.keep = True
            raise
        try:
            final: Import = await job.wait(
                poll_interval=poll_interval, timeout=timeout, on_status=run.on_status
            )
        except JobFailedError:
            raise
        except BaseException:  # a timeout or a cancellation: the import goes on
            run.keep = run.seen is None or run.seen.status not in _FETCHED
            raise
    finally:
        if run.keep or keep_file:
            logger.info("the staged file %s was kept", name)
        else:
            await _delete(stage, name)
    return ImportResult(
        import_id=job.id,
        status=final.status or 0,
        status_desc=final.status_desc or "",
        **{name: getattr(final, name) for name in _COUNTS},
        rows=file.rows,
        skipped=file.skipped,
        skipped_count=file.skipped_count,
        file_name=name,
        file_bytes=file.size,
        compressed=file.compressed,
        kept=keep_file,
        calls=client.governor.statistics().calls_started - calls_before,
        elapsed=anyio.current_time() - started,
    )
