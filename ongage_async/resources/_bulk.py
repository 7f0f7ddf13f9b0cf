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
  a failures file can be fed back in).  Unknown means "not confirmed": a row in flight
  when the run stopped, or one the answer did not vouch for (an empty ``null``, ``[]``
  or ``{}``, a count that does not add up); a row the run never sent says so too
  (``NEVER_SENT``), since it surely was not written.
* Each row is encoded once, as it is read (``_rowcodec``): a value that cannot be sent
  (NaN, a set, ...) skips that row with the reason, never its chunk; dates and
  Decimals are sent in one documented form.
* Duplicates: the first row for an e-mail wins, whatever its case (Ongage matches
  e-mails case-insensitively, so ``Ann@X.com`` and ``ann@x.com`` are one contact); a
  later row with the same e-mail is skipped while that e-mail is among the last
  ``dedupe_window`` (10,000) distinct e-mails.  The window is bounded so memory stays
  flat; it is far larger than what can be in flight (10 chunks), so two rows for one
  e-mail are never sent together.  A repeat further apart is sent again (with
  ``overwrite`` it is reported as updated).  Answers are matched to rows in any case
  too, so an e-mail Ongage echoes lower-cased is still confirmed.
* Successes are counted, not stored (unless ``keep_ids=True``): only failed and skipped
  rows are kept, with their reasons.
* Chunks follow Ongage's advice: at most 50 rows and 8 KiB of JSON by default, so wide
  rows go fewer to a call (see ``_chunking``).
* A run's calls go at ``"low"`` priority by default: a bulk job can always wait, and
  leaves the governor's reserve to the ``"high"`` calls of a web handler sharing the
  account.  ``priority=`` or a client (view) made with a ``priority`` says otherwise.
* Too large (a 413, or a 400 saying so): the chunk is split in halves, down to single
  contacts, and the target drops to the half for the rest of the run.  An upsert with
  ``overwrite`` (safe to resend) that times out is split the same way, and the target
  drops to the size that got through; once one contact alone times out, size is not the
  cause and timeouts fail their rows as before (an outage must not cost a call per row).
* Errors every call would repeat stop the run: the first call goes alone, and an
  authentication error or a missing list (a 404 "List N not found", ``list_missing``)
  stops the run after it and is raised.  Any other 404 ("Contact not found") is about
  its chunk's rows and fails only them.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import anyio
import attrs

from .._chunking import (
    chunk_bytes,
    chunk_target,
    list_missing,
    resendable,
    row_bytes,
    too_large,
)
from .._exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    OngageError,
    PermissionDeniedError,
)
from .._priority import BULK_PRIORITY, Priority, check_priority
from .._rowcodec import RejectedRow, RowError, aiter_rows, encode_row
from .._tally import (
    NEVER_SENT,
    UNCONFIRMED,
    UNMENTIONED,
    Tally,
    fold_key,
    status_outcome,
    write_outcome,
)
from .._validation import positive_int

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = [
    "NEVER_SENT",
    "UNCONFIRMED",
    "BulkOperation",
    "BulkOptions",
    "BulkProgress",
    "BulkResult",
    "fold_key",
    "status_outcome",
    "write_outcome",
]

Row = dict[str, Any]
ProgressCallback = Callable[["BulkProgress"], Any]


class BulkOptions(TypedDict, total=False):
    """How a bulk run goes: the keywords every bulk method takes (`upsert_many`, ...).

    Declared once, so each method says `**options: Unpack[BulkOptions]` and a type
    checker still catches a misspelt one (as Python does when the run starts).

    Attributes:
        chunk_size: Rows a call. `None` (the default) sizes chunks as Ongage advises: at
            most 50 contacts and 8 KiB of JSON a call (fewer for wide rows); an
            explicit 1-100 wins.
        max_chunk_bytes: JSON bytes a call at most (8 KiB, or 256 KiB with an explicit
            `chunk_size`).
        fail_fast: Stop the run at the first chunk that fails (default False).
        on_progress: Called with a [`BulkProgress`][ongage_async.resources.BulkProgress]
            after each chunk.
        total: The number of rows, for progress when the input has no `len`.
        dedupe_window: How many recent e-mails a run remembers to drop repeats
            (10,000).
        keep_ids: Also map each e-mail written to its id in `result.ids` (default
            False: successes are counted).
        priority: The run's level (default: the client's, else `"low"`).
    """

    chunk_size: int | None
    max_chunk_bytes: int | None
    fail_fast: bool
    on_progress: ProgressCallback | None
    total: int | None
    dedupe_window: int
    keep_ids: bool
    priority: Priority | None


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
    chunks split as too large (or built before the target dropped).  ``row_numbers`` maps
    each label in ``failed`` and ``skipped`` to its row's 1-based position in the input,
    so a record of the run can name the very row (an e-mail may recur).
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
    row_numbers: Mapping[str, int] = attrs.field(factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def path(self) -> Literal["calls"]:
        """Which way the rows went: `"calls"` (an `ImportResult` says `"import"`)."""
        return "calls"

    @property
    def accounted(self) -> int:
        return self.created + self.updated + len(self.failed) + len(self.skipped)

    def __attrs_post_init__(self) -> None:
        accounted = self.accounted
        if accounted != self.total:  # pragma: no cover - the engine's own invariant
            raise AssertionError(f"bulk accounting broke: {accounted} != {self.total}")


def _key(row: Mapping[str, Any]) -> str:
    return str(row.get("email") or row.get("id") or "")


class BulkOperation:
    """One bulk run.  ``await op.run()`` returns the result; ``op.result()`` is a consistent
    snapshot at any time, including after the run was cancelled."""

    #: The governor's calls started when the run began (set by `run`; read once started).
    _calls_before: int

    def __init__(
        self,
        client: Requester,
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
        priority: Priority | None = None,
    ) -> None:
        # (rows, JSON bytes) a chunk may hold; it only ever drops during a run.
        self._target = chunk_target(chunk_size, max_chunk_bytes)
        self._window_size = positive_int(dedupe_window, name="dedupe_window")
        if isinstance(rows, (str, bytes, Mapping)) or not isinstance(
            rows, (Iterable, AsyncIterable)
        ):
            raise InvalidArgumentError(
                f"the rows must be an iterable or async iterable, not {type(rows).__name__}"
            )
        self._client = client
        # The call's level: the one given, else the client's (view's) if it set one.
        self._priority: Priority = (
            check_priority(priority) if priority is not None else (client.priority or "low")
        )
        self._rows = rows
        self._send = send
        self._prepare = prepare
        self._splits = 0
        self._timeouts_split = True  # until a single contact times out
        self._fail_fast = fail_fast
        self._on_progress = on_progress
        self._total = total if total is not None else _length(rows)
        self._window: OrderedDict[str, str] = OrderedDict()  # folded key -> key as first read
        self._tally = Tally(ids={} if keep_ids else None)
        self._started = 0.0
        self._ended: tuple[float, int] | None = None  # (when, calls) if the run raised
        self._stopped: str | None = None
        self._fatal: Exception | None = None
        self._scope: anyio.CancelScope | None = None  # the workers' task group, while it runs
        # The run's first call goes alone: an error that every call would repeat (a
        # missing list, wrong credentials) then stops the run after one call, not ten.
        self._first_sent = False
        self._first_answered: anyio.Event | None = None  # made in run(): needs the loop

    # -- results ---------------------------------------------------------------------

    def result(self) -> BulkResult:
        """What is known now.  Rows still pending count as failed with why they are unknown."""
        now = self._tally
        tally = attrs.evolve(
            now,
            failed=dict(now.failed),
            pending=dict(now.pending),
            sent=set(now.sent),
            rows=dict(now.rows),
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
            row_numbers=tally.rows,
        )

    def statistics(self) -> BulkProgress:
        tally = self._tally
        stats = self._client.governor.statistics()
        return BulkProgress(
            done=tally.done(),
            total=self._total,
            created=tally.created,
            updated=tally.updated,
            failed=len(tally.failed),
            skipped=len(tally.skipped),
            calls=self._calls(),
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
        if self._ended is not None:
            return self._ended[1]
        return self._client.governor.statistics().calls_started - self._calls_before

    def _elapsed(self) -> float:
        if self._ended is not None:  # a run that raised: ``result()`` may be read off the loop
            return self._ended[0] - self._started
        return anyio.current_time() - self._started if self._started else 0.0

    # -- the run ---------------------------------------------------------------------

    async def run(self) -> BulkResult:
        self._started = anyio.current_time()
        self._calls_before = self._client.governor.statistics().calls_started
        self._first_answered = anyio.Event()  # the first call goes alone (_first_sent)
        workers = self._client.governor.cap.max_concurrency
        send_chunks, receive_chunks = anyio.create_memory_object_stream[list[Row]](0)
        try:
            async with anyio.create_task_group() as tg:
                self._scope = tg.cancel_scope
                with receive_chunks:  # the workers hold clones: the stream ends with them
                    for _ in range(workers):
                        tg.start_soon(self._worker, receive_chunks.clone(), tg.cancel_scope)
                async with send_chunks:
                    try:
                        async for chunk in self._chunks():
                            await send_chunks.send(chunk)
                    except Exception as exc:  # the input itself failed: finish what was read
                        self._fatal = self._fatal or exc
                        self._stopped = f"not confirmed: reading the input failed ({exc})"
        except BaseException:
            self._stopped = self._stopped or "not confirmed: the run was cancelled"
            self._ended = (anyio.current_time(), self._calls())
            raise
        if self._stopped:  # fail_fast: what was read but never confirmed
            self._tally.settle_pending(self._stopped)
        if self._fatal is not None:
            self._ended = (anyio.current_time(), self._calls())
            raise self._fatal
        return self.result()

    @property
    def priority(self) -> Priority:
        """The level this run's calls go at."""
        return self._priority

    async def _worker(
        self, chunks: anyio.abc.ObjectReceiveStream[list[Row]], scope: anyio.CancelScope
    ) -> None:
        # In this worker's task only: every call it makes, whatever namespace sends it.
        BULK_PRIORITY.set(self._priority)
        async with chunks:
            async for chunk in chunks:
                try:
                    await self._deliver(chunk, scope)
                except Exception as exc:  # not an API error (those fail their chunk): a bug
                    self._halt(exc, f"not confirmed: the run stopped on {type(exc).__name__}")
                    return

    async def _deliver(
        self, chunk: list[Row], scope: anyio.CancelScope, after_timeout: bool = False
    ) -> None:
        if len(chunk) > self._target[0]:
            # Built before the target dropped: sent whole, it would likely fail again.
            await self._split(chunk, scope, False)
            return
        try:
            outcome = await self._call(chunk)
        except NotFoundError as exc:
            if not list_missing(exc):  # about these rows (e.g. "Contact not found") only
                self._fail_chunk(chunk, f"{type(exc).__name__}: {exc.message}", scope)
                return
            # The list does not exist: every chunk would fail the same.  Stop, as below.
            self._stop_at_once(chunk, exc, f"not confirmed: the run stopped: {exc.message}")
            return
        except (AuthenticationError, PermissionDeniedError) as exc:
            # The account, not the rows, is the problem: every chunk would fail the same.
            # Stop, and raise it (alone, not in an exception group) once the workers are done.
            self._stopped = "not confirmed: the run stopped on an authentication error"
            self._fatal = self._fatal or exc
            # Refused before anything was done: these rows are surely not written.
            self._tally.sent.difference_update(fold_key(_key(row)) for row in chunk)
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

    async def _call(self, chunk: list[Row]) -> Mapping[str, tuple[str, str]]:
        """Send one chunk; the run's first call goes alone, the others wait for its answer."""
        first, self._first_sent = not self._first_sent, True
        answered = self._first_answered
        assert answered is not None  # made by run(), which starts the workers
        if not first:
            await answered.wait()
            # If that answer stopped the run, go no further: waking is not a checkpoint.
            await anyio.lowlevel.checkpoint_if_cancelled()
        # From here the call may write these rows: if the run stops, they are unconfirmed.
        self._tally.sent.update(fold_key(_key(row)) for row in chunk)
        try:
            return await self._send(chunk)
        finally:
            if first:
                answered.set()

    def _stop_at_once(self, chunk: list[Row], exc: Exception, reason: str) -> None:
        """Stop on an error every call would repeat; it is raised once the workers are done.

        The server refused the call before doing anything, so ``chunk`` surely was not
        written.
        """
        self._stopped = self._stopped or reason
        self._fatal = self._fatal or exc
        self._tally.sent.difference_update(fold_key(_key(row)) for row in chunk)
        if self._scope is not None:
            self._scope.cancel()

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
        """Lower the target for the rest of the run to ``rows`` and ``size``: half of a
        chunk that was split, so never below one row (a chunk of one row is not split)."""
        self._target = (min(self._target[0], rows), min(self._target[1], size))

    def _apply(self, chunk: list[Row], outcome: Mapping[str, tuple[str, str]]) -> None:
        tally = self._tally
        folded_outcome: dict[str, tuple[str, str]] | None = None
        for row in chunk:
            key = _key(row)
            folded = fold_key(key)
            answer = outcome.get(key)
            if answer is None:  # Ongage may echo an e-mail in another case than it was sent
                if folded_outcome is None:
                    folded_outcome = {fold_key(k): v for k, v in outcome.items()}
                answer = folded_outcome.get(folded, ("unconfirmed", UNMENTIONED))
            kind, detail = answer
            if kind == "unconfirmed":  # the call went out; whether it wrote the row is unknown
                kind, detail = "failed", UNCONFIRMED + detail
            row_number, _ = tally.pending.pop(folded, (tally.rows_read, key))
            tally.sent.discard(folded)
            tally.record(kind, key, row_number, detail)
        self._report()

    def _fail_chunk(self, chunk: list[Row], reason: str, scope: anyio.CancelScope) -> None:
        self._apply(chunk, {_key(row): ("failed", reason) for row in chunk})
        if self._fail_fast and self._stopped is None:
            self._stopped = f"not confirmed: the run stopped after an earlier failure ({reason})"
            scope.cancel()

    def _report(self) -> None:
        if self._on_progress is None:
            return
        try:
            self._on_progress(self.statistics())
        except Exception as exc:  # the caller's own error, raised from their callback
            self._halt(exc, f"not confirmed: the run stopped on on_progress's {type(exc).__name__}")

    def _halt(self, exc: Exception, reason: str) -> None:
        """Stop the run; ``exc`` is raised once the workers are done.

        It is raised alone, as it was raised: out of a task group it would come wrapped
        in an ``ExceptionGroup``, and no ``except`` of the caller's would see it.
        """
        self._stopped = self._stopped or reason
        self._fatal = self._fatal or exc
        if self._scope is not None:
            self._scope.cancel()

    async def _chunks(self) -> AsyncIterator[list[Row]]:
        chunk: list[Row] = []
        size = 2  # the JSON array's brackets
        rows = aiter_rows(self._rows)
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
        number = tally.rows_read
        if isinstance(raw, RejectedRow):  # the input could not read this row at all
            row, reason = None, raw.reason
        else:
            row, reason = self._prepare(raw)
        key = _key(row) if row is not None else ""
        if row is not None and key:
            try:  # encoded here, once: what is counted for the chunk is what is sent
                row = encode_row(row)
            except RowError as exc:
                row, reason = None, str(exc)
        # Skipped rows are labelled with their row number: there is no e-mail to trust.
        if row is None or not key:
            tally.skip(f"{key or _label(raw)} (row {number})", number, reason or "invalid row")
            self._report()
            return None
        folded = fold_key(key)
        first = self._window.get(folded) or tally.pending.get(folded, (0, ""))[1]
        if first:
            also = "" if first == key else f" ({first})"
            tally.skip(f"{key} (row {number})", number, f"duplicate: an earlier row wins{also}")
            self._report()
            return None
        self._window[folded] = key
        if len(self._window) > self._window_size:
            self._window.popitem(last=False)
        tally.pending[folded] = (number, key)
        return row


def _label(raw: Any) -> str:
    if isinstance(raw, RejectedRow):
        return "<unreadable>"
    email = raw.get("email") if isinstance(raw, Mapping) else raw
    return email[:100] if isinstance(email, str) and email else "<no email>"


def _length(rows: Any) -> int | None:
    try:
        return len(rows)
    except TypeError:
        return None


def ideal_seconds(calls: int, rate_limit: int, rate_period: float) -> float:
    """The least time ``calls`` calls can take under the budget (the first window is free)."""
    return (math.ceil(calls / rate_limit) - 1) * rate_period if calls else 0.0
