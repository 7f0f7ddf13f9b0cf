"""The bulk engine's accounting and stopping rules (issue 17's regression list)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from ongage_async import (
    AuthenticationError,
    BadRequestError,
    DeadlineExceededError,
    InvalidArgumentError,
    NotFoundError,
    OngageClient,
)
from ongage_async._chunking import list_missing, row_bytes, too_large
from ongage_async._rowcodec import encode_row
from ongage_async._tally import NEVER_SENT
from ongage_async.resources import BulkProgress, BulkResult
from ongage_async.resources._bulk import BulkOperation, ideal_seconds

from .helpers import task_group
from .test_bulk import RETRY, make_sandbox, people
from .test_bulk_input import Rewrite


async def test_a_row_the_answer_does_not_mention_is_not_confirmed() -> None:
    sandbox = make_sandbox(rate_limit=1000)

    def forget_b(payload: Any, body: Any) -> Any:
        emails = payload["created_emails"]
        payload["created_emails"] = {e: i for e, i in emails.items() if e != "b@example.com"}
        return payload

    wire = Rewrite(sandbox, "/api/v2/contacts", forget_b)
    rows = [{"email": e} for e in ("a@example.com", "b@example.com", "c@example.com")]
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(rows)
    assert result.created == 2
    assert result.failed == {
        "b@example.com": "not confirmed: the answer did not mention this contact"
    }


async def test_an_authentication_error_stops_the_run_within_one_call_per_worker() -> None:
    sandbox = make_sandbox(rate_limit=10_000, rate_period=1.0)
    async with sandbox.client(retry=RETRY, list_id=500, password="wrong") as client:
        with anyio.fail_after(10), pytest.raises(AuthenticationError):
            await client.contacts.upsert_many(people(1000), chunk_size=10)  # 100 chunks
        calls = client.governor.statistics().calls_started
    workers = client.governor.cap.max_concurrency
    assert 1 <= calls <= workers  # the chunks already on their way, and no more
    assert len(sandbox.recorder.calls) == calls


async def upsert_with_a_late_repeat(sandbox: Any, repeat: str) -> BulkResult:
    """Upsert a, b, c, d through a window of two e-mails (so c and d are in it at the
    end), then ``repeat`` once three rows are confirmed: no longer pending, so only the
    window can catch it."""
    three_done = anyio.Event()

    def progress(snapshot: BulkProgress) -> None:
        if snapshot.done >= 3:
            three_done.set()

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for name in "abcd":
            yield {"email": f"{name}@example.com"}
        with anyio.fail_after(5):
            await three_done.wait()
        yield {"email": repeat}

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        return await client.contacts.upsert_many(
            rows(), chunk_size=1, dedupe_window=2, on_progress=progress
        )


async def test_the_dedupe_window_keeps_the_newest_emails() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    result = await upsert_with_a_late_repeat(sandbox, "c@example.com")
    assert result.created == 4
    assert result.skipped == {"c@example.com (row 5)": "duplicate: an earlier row wins"}
    assert sandbox.recorder.contact_writes[(500, "c@example.com")] == 1


@pytest.mark.parametrize(
    ("status", "message", "split"),
    [
        (413, "Request Entity Too Large", True),
        (400, "Payload too large", True),
        (400, "Too many contacts in one call", True),
        (400, "Please insert a valid Email address", False),
        (400, "", False),
        (404, "too large", False),
    ],
)
def test_only_a_refusal_for_size_splits_a_chunk(status: int, message: str, split: bool) -> None:
    assert too_large(BadRequestError(message, status=status)) is split


async def test_an_ordinary_400_is_sent_once_and_fails_its_whole_chunk() -> None:
    sandbox = make_sandbox(rate_limit=1000)

    def refuse(payload: Any, body: Any) -> Any:
        raise AssertionError("not reached")

    calls: list[int] = []

    class Refusing(Rewrite):
        async def handle_async_request(self, request: Any) -> Any:
            import httpx

            if request.url.path.endswith("/api/v2/contacts"):
                calls.append(1)
                body = {"code": 400, "message": "Please insert a valid Email address"}
                document = {"metadata": {"error": True}, "payload": body}
                return httpx.Response(400, json=document)
            return await super().handle_async_request(request)

    wire = Refusing(sandbox, "/api/v2/contacts", refuse)
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(people(8), chunk_size=8)
    assert len(calls) == 1
    assert len(result.failed) == 8 and result.created == 0


@pytest.mark.parametrize(
    ("status", "message", "missing"),
    [
        (404, "List 5 not found", True),
        (404, "list id #5 was not found", True),
        (404, "Contact not found", False),
        (400, "List 5 not found", False),
    ],
)
def test_only_a_404_naming_a_list_says_the_list_is_missing(
    status: int, message: str, missing: bool
) -> None:
    assert list_missing(NotFoundError(message, status=status)) is missing


async def test_a_missing_list_stops_the_run_after_its_first_call() -> None:
    # The first call goes alone; its 404 says every chunk would fail: no other is sent,
    # and every row is reported as never sent, with why.
    # The server takes 50 ms: time enough for the other workers to send, were they not
    # waiting for the first answer.
    sandbox = make_sandbox(rate_limit=10_000, rate_period=1.0, latency=(0.05, 0.05))
    async with sandbox.client(retry=RETRY, list_id=999) as client:
        operation = client.contacts.bulk_upsert(people(300), chunk_size=10)
        with anyio.fail_after(10), pytest.raises(NotFoundError, match="List 999 not found"):
            await operation.run()
        assert client.governor.statistics().calls_started == 1
    assert len(sandbox.recorder.calls) == 1
    result = operation.result()
    assert result.total == result.accounted and result.created == 0
    assert result.calls == 1  # counted when the run raised, not read later
    reasons = set(result.failed.values())
    assert reasons == {"not confirmed: the run stopped: List 999 not found" + NEVER_SENT}


class _Scripted(httpx.AsyncBaseTransport):
    """Answers every contacts call with ``answer()``, or holds it until cancelled."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.answer(self.calls, request)


async def test_a_404_about_the_rows_fails_only_their_chunk() -> None:
    async def answer(n: int, request: httpx.Request) -> httpx.Response:
        body = {"code": 404, "message": "Contact not found"}
        return httpx.Response(404, json={"metadata": {"error": True}, "payload": body})

    wire = _Scripted(answer)
    client = OngageClient(
        username="u", password="p", account_code="a", list_id=500, transport=wire, retry=RETRY
    )
    async with client:
        result = await client.contacts.upsert_many(people(30), chunk_size=10)
    assert wire.calls == 3  # the run went on
    assert set(result.failed.values()) == {"NotFoundError: Contact not found"}
    assert len(result.failed) == 30


async def test_rows_in_flight_when_the_run_is_cancelled_may_have_been_written() -> None:
    # Calls 2+ hang on the wire; the run is cancelled with three of them in flight.
    three_in_flight = anyio.Event()

    async def answer(n: int, request: httpx.Request) -> httpx.Response:
        if n == 1:
            emails = [row["email"] for row in json.loads(request.content)]
            created = {e: f"{i:x}" for i, e in enumerate(emails)}
            payload = {"created_emails": created, "updated_emails": {}, "failed_emails": {}}
            return httpx.Response(200, json={"metadata": {"error": False}, "payload": payload})
        if n == 4:
            three_in_flight.set()
        await anyio.sleep_forever()
        raise AssertionError

    wire = _Scripted(answer)
    client = OngageClient(
        username="u", password="p", account_code="a", list_id=500, transport=wire, retry=RETRY
    )
    async with client:
        operation = client.contacts.bulk_upsert(people(100), chunk_size=10)
        async with anyio.create_task_group() as tg:
            tg.start_soon(operation.run)
            with anyio.fail_after(5):
                await three_in_flight.wait()
            tg.cancel_scope.cancel()
    result = operation.result()
    assert result.created == 10
    reasons = list(result.failed.values())
    in_flight = [r for r in reasons if not r.endswith(NEVER_SENT)]
    assert len(in_flight) >= 30  # the chunks on the wire: maybe written
    assert all(r.startswith("not confirmed: the run was cancelled") for r in reasons)
    assert len(reasons) - len(in_flight) >= 10  # read, never sent


async def test_after_an_authentication_error_no_row_was_written() -> None:
    # The first call goes alone and is refused before anything is done: every row is
    # reported as never sent, with why.
    sandbox = make_sandbox(rate_limit=10_000, rate_period=1.0)
    async with sandbox.client(retry=RETRY, list_id=500, password="wrong") as client:
        operation = client.contacts.bulk_upsert(people(50), chunk_size=10)
        with anyio.fail_after(10), pytest.raises(AuthenticationError):
            await operation.run()
    reasons = set(operation.result().failed.values())
    assert reasons == {"not confirmed: the run stopped on an authentication error" + NEVER_SENT}


async def test_an_error_in_on_progress_says_why_the_rows_are_unconfirmed() -> None:
    sandbox = make_sandbox(rate_limit=10_000, rate_period=1.0)

    def progress(snapshot: BulkProgress) -> None:
        raise ValueError("the progress bar broke")

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = client.contacts.bulk_upsert(people(100), chunk_size=10)
        operation._on_progress = progress
        with anyio.fail_after(10), pytest.raises(ValueError, match="progress bar"):
            await operation.run()
    result = operation.result()
    assert result.failed and result.total == result.accounted
    why = "not confirmed: the run stopped on on_progress's ValueError"
    assert all(reason.startswith(why) for reason in result.failed.values())


async def test_a_skipped_row_is_reported_as_soon_as_it_is_read() -> None:
    # The duplicate is read while its chunk is still being filled: only a report of the
    # skip itself lets the input go on.
    sandbox = make_sandbox(rate_limit=1000)
    skip_seen = anyio.Event()

    def progress(snapshot: BulkProgress) -> None:
        if snapshot.skipped:
            skip_seen.set()

    async def rows() -> AsyncIterator[dict[str, Any]]:
        yield {"email": "a@example.com"}
        yield {"email": "A@example.com"}
        with anyio.fail_after(5):
            await skip_seen.wait()
        yield {"email": "b@example.com"}

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(rows(), chunk_size=2, on_progress=progress)
    assert result.created == 2 and len(result.skipped) == 1


async def test_progress_reports_the_runs_chunk_targets() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    snapshots: list[BulkProgress] = []
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(people(20), on_progress=snapshots.append)
    assert snapshots
    last = snapshots[-1]
    assert (last.chunk_size, last.chunk_bytes) == (result.chunk_size, result.chunk_bytes)
    assert result.chunk_bytes > result.chunk_size  # bytes, not rows


async def test_a_single_row_refused_as_too_large_fails_without_a_split() -> None:
    async def answer(n: int, request: httpx.Request) -> httpx.Response:
        body = {"code": 413, "message": "Request Entity Too Large"}
        return httpx.Response(413, json={"metadata": {"error": True}, "payload": body})

    wire = _Scripted(answer)
    client = OngageClient(
        username="u", password="p", account_code="a", list_id=500, transport=wire, retry=RETRY
    )
    async with client:
        with anyio.fail_after(5):
            result = await client.contacts.upsert_many(people(1))
    assert (wire.calls, result.splits) == (1, 0)
    assert list(result.failed.values()) == ["BadRequestError: Request Entity Too Large"]


async def test_an_invalid_row_is_reported_as_soon_as_it_is_read() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    skip_seen = anyio.Event()

    def progress(snapshot: BulkProgress) -> None:
        if snapshot.skipped:
            skip_seen.set()

    async def rows() -> AsyncIterator[dict[str, Any]]:
        yield {"email": "a@example.com"}
        yield {"email": ""}
        with anyio.fail_after(5):
            await skip_seen.wait()
        yield {"email": "b@example.com"}

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(rows(), chunk_size=2, on_progress=progress)
    assert result.created == 2 and len(result.skipped) == 1


async def test_a_long_synchronous_input_lets_other_tasks_run() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    ticks = 0
    seen: list[int] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.lowlevel.checkpoint()

    def rows() -> Iterator[dict[str, Any]]:
        for number in range(3000):  # all skipped: nothing is sent, no await but the reader's
            if number in (0, 2500):
                seen.append(ticks)
            yield {"email": ""}

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            await anyio.lowlevel.checkpoint()
            with anyio.fail_after(10):
                result = await client.contacts.upsert_many(rows())
            tg.cancel_scope.cancel()
    assert len(result.skipped) == 3000
    assert seen[1] > seen[0]


@pytest.mark.parametrize(
    ("calls", "seconds"), [(0, 0.0), (1, 0.0), (300, 0.0), (301, 60.0), (900, 120.0)]
)
def test_the_ideal_time_leaves_the_first_window_free(calls: int, seconds: float) -> None:
    assert ideal_seconds(calls, 300, 60.0) == seconds


# -- survivors of the full mutation run (issue 17) ------------------------------------


def test_a_result_built_by_hand_defaults_to_no_chunks_no_splits_and_no_rows() -> None:
    # As GovernorStatistics: a test double of a run's result needs only the counts.
    result = BulkResult(created=1, updated=0, failed={}, skipped={}, total=1, calls=1, elapsed=0.5)
    assert (result.chunk_size, result.chunk_bytes, result.splits) == (0, 0, 0)
    assert (result.ids, result.row_numbers) == ({}, {})


async def test_a_results_repr_leaves_out_what_has_an_entry_a_row() -> None:
    # `ids` and `row_numbers` may hold a million entries: a log line of the result shows
    # the counts, and those stay readable as fields.
    sandbox = make_sandbox(rate_limit=1000)
    rows = [*people(3), {"email": "p0@example.com"}]  # the repeat is skipped, by row
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(rows, keep_ids=True)
    assert len(result.ids) == 3 and result.row_numbers == {"p0@example.com (row 4)": 4}
    assert "ids=" not in repr(result) and "row_numbers=" not in repr(result)
    assert "created=3" in repr(result)


async def test_by_default_a_failed_chunk_does_not_stop_the_run() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    rows = [*people(5), {"email": "bad@example.com", "fields": {"age": "x" * 5000}}]
    sent: list[int] = []

    async def send(chunk: list[Any]) -> Any:
        sent.append(len(chunk))
        if len(sent) == 1:
            raise BadRequestError("Invalid field value", status=400)
        return {row["email"]: ("created", "") for row in chunk}

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = BulkOperation(client, rows, send, lambda raw: (raw, ""), chunk_size=2)
        result = await operation.run()
    assert len(sent) == 3  # the first chunk failed, the other two went anyway
    assert (result.created, len(result.failed)) == (4, 2)


@pytest.mark.parametrize("rows", ["a@example.com", b"a@example.com", {"email": "a@x.com"}])
async def test_a_string_bytes_or_one_row_is_refused_before_anything_is_sent(
    rows: object,
) -> None:
    # Each is iterable, but not rows: a str would be sent a character a row.
    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        with pytest.raises(InvalidArgumentError, match="iterable or async iterable"):
            await client.contacts.upsert_many(rows)  # type: ignore[arg-type]
    assert sandbox.recorder.calls == []


async def test_a_run_not_started_has_taken_no_time() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = client.contacts.bulk_upsert(people(3))
        assert operation.result().elapsed == 0.0
        assert operation.statistics().elapsed == 0.0


async def test_an_email_that_left_the_dedupe_window_is_sent_again() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    result = await upsert_with_a_late_repeat(sandbox, "a@example.com")  # a has left it
    assert (result.created, result.updated, result.skipped) == (4, 1, {})
    assert sandbox.recorder.contact_writes[(500, "a@example.com")] == 2


async def test_a_chunk_takes_rows_up_to_exactly_its_byte_cap() -> None:
    rows = [{"email": f"r{i}@example.com"} for i in range(4)]
    share = row_bytes(encode_row(rows[0]))  # every row encodes to the same size
    sizes: list[int] = []

    async def send(chunk: list[Any]) -> Any:
        sizes.append(len(chunk))
        return {row["email"]: ("created", "") for row in chunk}

    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        for cap, expected in ((2 + 2 * share, [2, 2]), (1 + 2 * share, [1, 1, 1, 1])):
            sizes.clear()
            operation = BulkOperation(
                client, rows, send, lambda raw: (raw, ""), max_chunk_bytes=cap
            )
            await operation.run()
            assert sorted(sizes) == expected, cap


async def test_at_most_one_chunk_past_the_workers_is_read_ahead() -> None:
    # Memory stays flat in the input's size: with every worker blocked in a call, the
    # input is read one chunk past them (the one waiting to be handed over) and no more.
    sandbox = make_sandbox(rate_limit=1000)
    release = anyio.Event()
    read = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal read
        for i in range(1000):
            read += 1
            yield {"email": f"r{i}@example.com"}

    async def send(chunk: list[Any]) -> Any:
        await release.wait()
        return {row["email"]: ("created", "") for row in chunk}

    async with sandbox.client(retry=RETRY, list_id=500) as client:
        workers = client.governor.cap.max_concurrency
        operation = BulkOperation(client, rows(), send, lambda raw: (raw, ""), chunk_size=1)
        async with task_group() as tg:
            tg.start_soon(operation.run)
            await anyio.wait_all_tasks_blocked()
            # the chunks in calls, the one handed over next, and the row that closed it
            assert read == workers + 2
            release.set()
    assert operation.result().created == 1000


async def test_progress_and_result_count_only_the_runs_own_calls() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    seen: list[tuple[int, int]] = []
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        for _ in range(3):  # calls made before the run are not the run's
            await client.lists.get(500)
        operation = client.contacts.bulk_upsert(
            people(30),
            chunk_size=10,
            on_progress=lambda p: seen.append((p.calls, operation.result().calls)),
        )
        result = await operation.run()
    assert result.calls == 3
    assert seen and all(0 <= progress <= 3 and 0 <= so_far <= 3 for progress, so_far in seen)
    assert seen[-1][0] == 3


async def test_a_row_whose_email_is_no_text_is_named_for_what_it_lacks() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    rows = [{"email": 12345}, {"email": ""}, {"email": "a@example.com"}]
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(rows)
    assert result.created == 1
    assert sorted(result.skipped) == ["<no email> (row 1)", "<no email> (row 2)"]


async def test_a_repeat_of_a_row_still_pending_names_the_row_that_wins() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    # One chunk, and a window of one e-mail: by the third row the window holds only b,
    # so the rows still pending (read, not yet confirmed) are what catches the repeat.
    rows = [{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "A@Example.com"}]
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(rows, dedupe_window=1)
    assert result.created == 2
    assert result.skipped == {
        "A@Example.com (row 3)": "duplicate: an earlier row wins (a@example.com)"
    }


async def test_a_row_written_earlier_and_read_again_is_never_sent_if_the_run_stops() -> None:
    # One worker.  a is written by the first call; the second call (b) fails for good
    # while the producer holds a's repeat (out of a one-row window): that repeat never
    # left, and says so, whatever the first a's call did.
    sandbox = make_sandbox(rate_limit=1000)
    third_read = anyio.Event()

    def rows() -> Iterator[dict[str, Any]]:
        yield {"email": "a@example.com"}
        yield {"email": "b@example.com"}
        third_read.set()
        yield {"email": "a@example.com"}

    async def send(chunk: list[Any]) -> Any:
        if chunk[0]["email"] == "b@example.com":
            with anyio.fail_after(5):
                await third_read.wait()
            raise AuthenticationError("Unauthorized", status=401)
        return {row["email"]: ("created", "") for row in chunk}

    async with sandbox.client(retry=RETRY, list_id=500, max_concurrency=1) as client:
        operation = BulkOperation(
            client, rows(), send, lambda raw: (raw, ""), chunk_size=1, dedupe_window=1
        )
        with pytest.raises(AuthenticationError):
            await operation.run()
    result = operation.result()
    assert result.created == 1
    assert result.failed["a@example.com"].endswith(NEVER_SENT)
    assert "authentication" in result.failed["b@example.com"]


def test_a_progress_built_by_hand_defaults_to_no_chunk_target() -> None:
    progress = BulkProgress(
        done=0, total=None, created=0, updated=0, failed=0, skipped=0,
        calls=0, rate_limited=0, in_flight=0, elapsed=0.0,
    )  # fmt: skip
    assert (progress.chunk_size, progress.chunk_bytes, progress.rate) == (0, 0, 0.0)


def test_every_bulk_option_is_optional() -> None:
    from ongage_async.resources import BulkOptions

    assert BulkOptions.__required_keys__ == frozenset()
    assert "chunk_size" in BulkOptions.__optional_keys__


async def test_a_run_not_started_has_made_no_call_whatever_the_client_did() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        await client.lists.get(500)
        operation = client.contacts.bulk_upsert(people(3))
        assert operation.statistics().calls == operation.result().calls == 0


async def test_every_body_sent_fits_the_byte_cap() -> None:
    # The cap is counted against json.dumps' default form (", " between items), the
    # larger of what httpx may send: three rows of L bytes take 3L + 6 there.
    rows = [{"email": f"r{i}@example.com"} for i in range(6)]
    length = len(json.dumps(encode_row(rows[0])))
    cap = 3 * length  # room for two rows a chunk, not three
    bodies: list[int] = []

    async def send(chunk: list[Any]) -> Any:
        bodies.append(len(json.dumps(chunk)))
        return {row["email"]: ("created", "") for row in chunk}

    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = BulkOperation(client, rows, send, lambda raw: (raw, ""), max_chunk_bytes=cap)
        result = await operation.run()
    assert result.created == 6
    assert len(bodies) == 3 and max(bodies) <= cap


async def test_progress_after_a_stopped_run_agrees_with_its_result() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    sent: list[int] = []

    async def send(chunk: list[Any]) -> Any:
        sent.append(len(chunk))
        raise BadRequestError("Invalid field value", status=400)

    async with sandbox.client(retry=RETRY, list_id=500, max_concurrency=1) as client:
        operation = BulkOperation(
            client, list(people(30)), send, lambda raw: (raw, ""), chunk_size=5, fail_fast=True
        )
        result = await operation.run()
    progress = operation.statistics()
    # 5 refused, the rest read so far never confirmed (fail_fast stops reading too)
    assert len(result.failed) == result.total > 5
    assert (progress.failed, progress.done) == (result.total, result.total)


async def test_a_chunk_too_large_is_split_bigger_half_first() -> None:
    sizes: list[int] = []

    async def send(chunk: list[Any]) -> Any:
        sizes.append(len(chunk))
        if len(chunk) > 2:
            raise BadRequestError("Request Entity Too Large", status=413)
        return {row["email"]: ("created", "") for row in chunk}

    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = BulkOperation(client, list(people(3)), send, lambda raw: (raw, ""))
        result = await operation.run()
    assert sizes == [3, 2, 1] and result.created == 3
    assert result.chunk_size == 2  # the rest of the run aims at the half that fitted


async def test_ids_are_kept_only_when_asked_for() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(people(3))
    assert result.created == 3 and result.ids == {}


async def test_a_chunk_past_its_deadline_fails_with_the_reason_and_the_run_goes_on() -> None:
    sent: list[str] = []

    async def send(chunk: list[Any]) -> Any:
        sent.append(chunk[0]["email"])
        if len(sent) == 1:
            raise DeadlineExceededError("the call's deadline passed")
        return {row["email"]: ("created", "") for row in chunk}

    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = BulkOperation(
            client, list(people(4)), send, lambda raw: (raw, ""), chunk_size=2
        )
        result = await operation.run()
    assert result.created == 2
    assert result.failed == dict.fromkeys(
        ["p0@example.com", "p1@example.com"],
        "DeadlineExceededError: the call's deadline passed",
    )


async def test_a_bug_in_sending_stops_the_run_and_is_raised() -> None:
    async def send(chunk: list[Any]) -> Any:
        raise RuntimeError("a bug in the send function")

    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        operation = BulkOperation(client, list(people(3)), send, lambda raw: (raw, ""))
        with pytest.raises(RuntimeError, match="a bug in the send function"):
            await operation.run()
    assert set(operation.result().failed.values()) == {
        "not confirmed: the run stopped on RuntimeError"
    }


async def test_the_chunk_target_never_rises_during_a_run() -> None:
    # Two chunks of 100 in flight together; the server takes 25 rows at most.  The
    # first refusal lowers the target to 50, then 25; the second chunk, refused after
    # that, must not raise it back to its own half (50): it is split to 25 unsent.
    both_in, small_sent = anyio.Event(), anyio.Event()
    refused: list[int] = []
    big = 0

    async def send(chunk: list[Any]) -> Any:
        nonlocal big
        if len(chunk) == 100:
            big += 1
            if big == 3:
                both_in.set()
            with anyio.fail_after(5):
                if big == 2:  # refused once the next one is in flight too
                    await both_in.wait()
                elif big == 3:  # refused once the target has come down to 25
                    await small_sent.wait()
        if big > 1 and len(chunk) > 25:
            refused.append(len(chunk))
            raise BadRequestError("Request Entity Too Large", status=413)
        if len(chunk) == 25:
            small_sent.set()
        return {row["email"]: ("created", "") for row in chunk}

    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        rows = list(people(300))
        operation = BulkOperation(client, rows, send, lambda raw: (raw, ""), chunk_size=100)
        result = await operation.run()
    assert result.created == 300
    assert sorted(refused) == [50, 100, 100] and result.chunk_size == 25
