"""The bulk contact engine: any number of contacts through the budget, each accounted for.

How it works, and why:

* Input is read lazily, one chunk ahead of the workers, so memory does not grow with
  the input: at most ``workers + 1`` chunks exist at once.
* One worker per in-flight slot of the governor sends chunks; the governor decides
  when each may start, so all slots stay busy while there is work and no call draws
  a 429.
* Each chunk's outcome is applied to the tally at once, in one synchronous step, so a
  snapshot (progress, or the result after a cancellation) is always consistent.
* Every row read ends in exactly one of ``created``, ``updated``, ``failed`` or
  ``skipped``: ``created + updated + failed + skipped == total`` holds after any fault
  and after a cancellation (rows whose fate is unknown are failed with that reason, so
  a failures file can be fed back in).
* Duplicates: the first row for an e-mail wins; a later row with the same e-mail is
  skipped while that e-mail is among the last ``dedupe_window`` (10,000) distinct
  e-mails.  The window is bounded so memory stays flat; it is far larger than what can
  be in flight (10 chunks), so two rows for one e-mail are never sent together.  A
  repeat further apart is sent again (with ``overwrite`` it is reported as updated).
* Successes are counted, not stored (unless ``keep_ids=True``): only failed and skipped
  rows are kept, with their reasons.
* Chunks follow Ongage's advice: at most 50 rows and 8 KiB of JSON by default, so wide
  rows go fewer to a call (see ``_chunking``).
* Too large (a 413, or a 400 saying so): the chunk is split in halves, down to single
  contacts, and the target drops to the half for the rest of the run.  An upsert with
  ``overwrite`` (safe to resend) that times out is split the same way, and the target
  drops to the size that got through; once one contact alone times out, size is not the
  cause and timeouts fail their rows as before (an outage must not cost a call per row).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from ._chunking import chunk_bytes, chunk_target, positive_int, resendable, row_bytes, too_large
from ._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    OngageError,
    PermissionDeniedError,
)
from .models import ContactWriteResult, StatusChangeResult

if TYPE_CHECKING:
    from ._client import OngageClient

__all__ = ["BulkOperation", "BulkProgress", "BulkResult"]

Row = dict[str, Any]
ProgressCallback = Callable[["BulkProgress"], Any]


@attrs.frozen
class BulkProgress:
    """A snapshot after each chunk: for progress bars and logs."""

    done: int
    total: int | None
    created: int
    updated: int
    failed: int
    skipped: int
    calls: int
    rate_limited: int
    in_flight: int
    elapsed: float
    #: The current target of a chunk: lower than at the start once a chunk was too large.
    chunk_size: int = 0
    chunk_bytes: int = 0

    @property
    def rate(self) -> float:
        """Contacts per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@attrs.frozen
class BulkResult:
    """Where every input row went: ``created + len(failed) + ... == total`` always.

    ``created`` and ``updated`` are counts, so memory stays flat however many contacts
    succeed; ``failed`` and ``skipped`` map each such row (its e-mail, or
    ``"email (row N)"`` where that is ambiguous) to the reason.  ``ids`` holds e-mail ->
    contact id for the rows written, only when the run was asked to ``keep_ids``.
    ``chunk_size``/``chunk_bytes`` are the chunk target at the end; ``splits`` counts the
    chunks split as too large (or built before the target dropped).
    """

    created: int
    updated: int
    failed: Mapping[str, str]
    skipped: Mapping[str, str]
    total: int
    calls: int
    elapsed: float
    ids: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    chunk_size: int = 0
    chunk_bytes: int = 0
    splits: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def accounted(self) -> int:
        return self.created + self.updated + len(self.failed) + len(self.skipped)

    def __attrs_post_init__(self) -> None:
        accounted = self.accounted
        if accounted != self.total:  # pragma: no cover - the engine's own invariant
            raise AssertionError(f"bulk accounting broke: {accounted} != {self.total}")


@attrs.define
class _Tally:
    """The mutable account of a run; every change happens synchronously (no await)."""

    created: int = 0
    updated: int = 0
    failed: dict[str, str] = attrs.field(factory=dict)
    skipped: dict[str, str] = attrs.field(factory=dict)
    ids: dict[str, str] | None = None  # e-mail -> contact id, when asked to keep them
    pending: dict[str, int] = attrs.field(factory=dict)  # key -> row number, fate unknown
    rows_read: int = 0

    def done(self) -> int:
        return self.created + self.updated + len(self.failed) + len(self.skipped)

    def record(self, kind: str, key: str, row_number: int, detail: str) -> None:
        """Count one row's outcome; a failure is filed under a label no other row has."""
        if kind == "created" or kind == "updated":
            setattr(self, kind, getattr(self, kind) + 1)
            if self.ids is not None:
                self.ids[key] = detail
            return
        target: dict[str, str] = getattr(self, kind)
        target[f"{key} (row {row_number})" if key in target else key] = detail

    def settle_pending(self, reason: str) -> None:
        for key, row_number in list(self.pending.items()):
            self.record("failed", key, row_number, reason)
        self.pending.clear()


def _key(row: Mapping[str, Any]) -> str:
    return str(row.get("email") or row.get("id") or "")


class BulkOperation:
    """One bulk run.  ``await op.run()`` returns the result; ``op.result()`` is a consistent
    snapshot at any time, including after the run was cancelled."""

    def __init__(
        self,
        client: OngageClient,
        rows: Iterable[Any] | AsyncIterable[Any],
        send: Callable[[list[Row]], Awaitable[Mapping[str, tuple[str, str]]]],
        prepare: Callable[[Any], tuple[Row | None, str]],
        *,
        chunk_size: int | None = None,
        max_chunk_bytes: int | None = None,
        fail_fast: bool = False,
        on_progress: ProgressCallback | None = None,
        total: int | None = None,
        dedupe_window: int = 10_000,
        keep_ids: bool = False,
    ) -> None:
        # (rows, JSON bytes) a chunk may hold; it only ever drops during a run.
        self._target = chunk_target(chunk_size, max_chunk_bytes)
        self._window_size = positive_int("dedupe_window", dedupe_window)
        if isinstance(rows, (str, bytes, Mapping)) or not isinstance(
            rows, (Iterable, AsyncIterable)
        ):
            raise InvalidArgumentError(
                f"the rows must be an iterable or async iterable, not {type(rows).__name__}"
            )
        self._client = client
        self._rows = rows
        self._send = send
        self._prepare = prepare
        self._splits = 0
        self._timeouts_split = True  # until a single contact times out
        self._fail_fast = fail_fast
        self._on_progress = on_progress
        self._total = total if total is not None else _length(rows)
        self._window: OrderedDict[str, None] = OrderedDict()
        self._tally = _Tally(ids={} if keep_ids else None)
        self._started = 0.0
        self._calls_before = 0
        self._stopped: str | None = None
        self._fatal: Exception | None = None

    # -- results ---------------------------------------------------------------------

    def result(self) -> BulkResult:
        """What is known now.  Rows still pending count as failed with why they are unknown."""
        tally = attrs.evolve(
            self._tally, failed=dict(self._tally.failed), pending=dict(self._tally.pending)
        )
        tally.settle_pending(self._stopped or "not confirmed: the run was interrupted")
        return BulkResult(
            created=tally.created,
            updated=tally.updated,
            failed=tally.failed,
            skipped=dict(tally.skipped),
            total=tally.rows_read,
            calls=self._calls(),
            elapsed=self._elapsed(),
            ids=dict(tally.ids) if tally.ids is not None else {},
            chunk_size=self._target[0],
            chunk_bytes=self._target[1],
            splits=self._splits,
        )

    def progress(self) -> BulkProgress:
        tally = self._tally
        stats = self._client.governor.stats()
        return BulkProgress(
            done=tally.done(),
            total=self._total,
            created=tally.created,
            updated=tally.updated,
            failed=len(tally.failed),
            skipped=len(tally.skipped),
            calls=stats.calls_started - self._calls_before,
            rate_limited=stats.rate_limited,
            in_flight=stats.in_flight,
            elapsed=self._elapsed(),
            chunk_size=self._target[0],
            chunk_bytes=self._target[1],
        )

    def _calls(self) -> int:
        """API calls made through the governor since the run started, retries included."""
        if not self._started:
            return 0
        return self._client.governor.stats().calls_started - self._calls_before

    def _elapsed(self) -> float:
        return anyio.current_time() - self._started if self._started else 0.0

    # -- the run ---------------------------------------------------------------------

    async def run(self) -> BulkResult:
        self._started = anyio.current_time()
        self._calls_before = self._client.governor.stats().calls_started
        workers = self._client.governor.cap.max_concurrency
        send_chunks, receive_chunks = anyio.create_memory_object_stream[list[Row]](0)
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(workers):
                    tg.start_soon(self._worker, receive_chunks.clone(), tg.cancel_scope)
                receive_chunks.close()
                async with send_chunks:
                    try:
                        async for chunk in self._chunks():
                            await send_chunks.send(chunk)
                    except Exception as exc:  # the input itself failed: finish what was read
                        self._fatal = self._fatal or exc
                        self._stopped = f"not confirmed: reading the input failed ({exc})"
        except BaseException:
            self._stopped = self._stopped or "not confirmed: the run was cancelled"
            raise
        if self._stopped:  # fail_fast: what was read but never confirmed
            self._tally.settle_pending(self._stopped)
        if self._fatal is not None:
            raise self._fatal
        return self.result()

    async def _worker(
        self, chunks: anyio.abc.ObjectReceiveStream[list[Row]], scope: anyio.CancelScope
    ) -> None:
        async with chunks:
            async for chunk in chunks:
                await self._deliver(chunk, scope)

    async def _deliver(
        self, chunk: list[Row], scope: anyio.CancelScope, after_timeout: bool = False
    ) -> None:
        if len(chunk) > self._target[0]:
            # Built before the target dropped: sent whole, it would likely fail again.
            await self._split(chunk, scope, False)
            return
        try:
            outcome = await self._send(chunk)
        except (AuthenticationError, PermissionDeniedError) as exc:
            # The account, not the rows, is the problem: every chunk would fail the same.
            # Stop, and raise it (alone, not in an exception group) once the workers are done.
            self._stopped = "not confirmed: the run stopped on an authentication error"
            self._fatal = self._fatal or exc
            scope.cancel()
            return
        except APIError as exc:
            if len(chunk) > 1 and too_large(exc):
                # The server did nothing and said why: resending less is always safe.
                await self._split(chunk, scope, after_timeout, lower=True)
                return
            self._fail_chunk(chunk, f"{type(exc).__name__}: {exc.message}", scope)
            return
        except APIConnectionError as exc:
            # A big chunk can time out (or have its connection cut) where a smaller one
            # would not; only an upsert that overwrites may be sent again after that.
            if self._timeouts_split and exc.request_sent and resendable(chunk):
                if len(chunk) > 1:
                    await self._split(chunk, scope, True)
                    return
                self._timeouts_split = False  # one contact timed out: not a matter of size
            self._fail_chunk(chunk, f"{type(exc).__name__}: {exc}", scope)
            return
        except OngageError as exc:
            self._fail_chunk(chunk, f"{type(exc).__name__}: {exc}", scope)
            return
        if after_timeout:  # this size got through where a bigger one timed out
            self._lower(len(chunk), chunk_bytes(chunk))
        self._apply(chunk, outcome)

    async def _split(
        self, chunk: list[Row], scope: anyio.CancelScope, after_timeout: bool, lower: bool = False
    ) -> None:
        self._splits += 1
        half = (len(chunk) + 1) // 2  # the bigger half first: if it fits, so does the other
        if lower:
            self._lower(half, chunk_bytes(chunk[:half]))
        await self._deliver(chunk[:half], scope, after_timeout)
        await self._deliver(chunk[half:], scope, after_timeout)

    def _lower(self, rows: int, size: int) -> None:
        """Lower the target for the rest of the run, never below one row per chunk."""
        self._target = (max(1, min(self._target[0], rows)), max(1, min(self._target[1], size)))

    def _apply(self, chunk: list[Row], outcome: Mapping[str, tuple[str, str]]) -> None:
        tally = self._tally
        for row in chunk:
            key = _key(row)
            row_number = tally.pending.pop(key, tally.rows_read)
            kind, detail = outcome.get(key, ("failed", "the answer did not mention this contact"))
            tally.record(kind, key, row_number, detail)
        self._report()

    def _fail_chunk(self, chunk: list[Row], reason: str, scope: anyio.CancelScope) -> None:
        self._apply(chunk, {_key(row): ("failed", reason) for row in chunk})
        if self._fail_fast and self._stopped is None:
            self._stopped = f"not confirmed: the run stopped after an earlier failure ({reason})"
            scope.cancel()

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress())

    async def _chunks(self) -> AsyncIterator[list[Row]]:
        chunk: list[Row] = []
        size = 2  # the JSON array's brackets
        rows = _aiter(self._rows)
        while True:
            try:
                raw = await anext(rows)
            except StopAsyncIteration:
                break
            except Exception:
                if chunk:  # the input broke: still deliver what was read
                    yield chunk
                raise
            row = self._admit(raw)
            if row is None:
                continue
            share = row_bytes(row)
            rows_cap, bytes_cap = self._target  # read per row: it may have dropped meanwhile
            if chunk and (len(chunk) >= rows_cap or size + share > bytes_cap):
                yield chunk
                chunk, size = [], 2
            chunk.append(row)
            size += share
        if chunk:
            yield chunk

    def _admit(self, raw: Any) -> Row | None:
        """Count one input row; return it ready to send, or record why it is skipped."""
        tally = self._tally
        tally.rows_read += 1
        row, reason = self._prepare(raw)
        key = _key(row) if row is not None else ""
        # Skipped rows are labelled with their row number: there is no e-mail to trust.
        if row is None or not key:
            label = f"{key or _label(raw)} (row {tally.rows_read})"
            tally.skipped[label] = reason or "invalid row"
            self._report()
            return None
        if key in self._window or key in tally.pending:
            tally.skipped[f"{key} (row {tally.rows_read})"] = "duplicate: an earlier row wins"
            self._report()
            return None
        self._window[key] = None
        if len(self._window) > self._window_size:
            self._window.popitem(last=False)
        tally.pending[key] = tally.rows_read
        return row


def _label(raw: Any) -> str:
    email = raw.get("email") if isinstance(raw, Mapping) else raw
    return email[:100] if isinstance(email, str) and email else "<no email>"


def _length(rows: Any) -> int | None:
    try:
        return len(rows)
    except TypeError:
        return None


async def _aiter(rows: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[Any]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
        return
    for number, row in enumerate(rows):
        yield row
        if number % 1000 == 999:  # a long synchronous input must not starve the workers
            await anyio.lowlevel.checkpoint()


def write_outcome(result: ContactWriteResult) -> dict[str, tuple[str, str]]:
    """A contact write's answer as ``email -> (kind, detail)`` for the tally."""
    outcome: dict[str, tuple[str, str]] = {}
    for email, contact_id in {**result.created, **result.revived}.items():
        outcome[email] = ("created", contact_id)
    for email, contact_id in result.updated.items():
        outcome[email] = ("updated", contact_id)
    for email, reason in result.failed.items():
        outcome[email] = ("failed", reason or "failed")
    return outcome


def status_outcome(emails: list[str], result: StatusChangeResult) -> dict[str, tuple[str, str]]:
    """A status change's answer: every e-mail not in ``failed`` was updated."""
    return {
        email: ("failed", result.failed[email]) if email in result.failed else ("updated", "")
        for email in emails
    }


def ideal_seconds(calls: int, rate_limit: int, rate_period: float) -> float:
    """The least time ``calls`` calls can take under the budget (the first window is free)."""
    return (math.ceil(calls / rate_limit) - 1) * rate_period if calls else 0.0
