"""The bulk contact engine: every row accounted for exactly once, at full budget.

Every test runs under both governors (``governors``): the in-process one, and a
``RedisGovernor`` (asyncio only), so the shared path can never drift from the local one.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ongage_async import InvalidArgumentError
from ongage_async.resources import BulkProgress, BulkResult
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig

from .helpers import Governors, fast_retry

RETRY = fast_retry(max_retries=2, max_delay=0.005)


def make_sandbox(**config: Any) -> Sandbox:
    config.setdefault("rate_limit", 60)
    config.setdefault("rate_period", 0.2)
    return Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}], **config))


def people(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for i in range(start, start + n):
        yield {"email": f"p{i}@example.com", "fields": {"first_name": f"P{i}"}}


def accounted(result: BulkResult) -> int:
    return result.accounted


#: The documented default chunk target: 50 rows and 8 KiB of JSON a call.
ROWS, BYTES = 50, 8 * 1024


def wide(n: int) -> Iterator[dict[str, Any]]:
    """Rows with 20 fields: about 700 bytes of JSON each."""
    for i in range(n):
        fields = {f"field_{k:02d}": f"value {k} of {i:05d}" for k in range(20)}
        yield {"email": f"w{i}@example.com", "fields": fields}


class Wire(httpx.AsyncBaseTransport):
    """The sandbox behind a wire that records each contacts write (rows, bytes, status)
    and can time out the big ones (``slow_over`` rows) or answer the next one with a 400."""

    def __init__(self, sandbox: Sandbox, slow_over: int | None = None, bad: str = "") -> None:
        self.inner = sandbox.transport()
        self.slow_over = slow_over
        self.bad = bad
        self.writes: list[tuple[int, int, int | str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/api/v2/contacts"):
            return await self.inner.handle_async_request(request)
        rows, size = len(json.loads(request.content)), len(request.content)
        if self.slow_over is not None and rows > self.slow_over:
            self.writes.append((rows, size, "timeout"))
            raise httpx.ReadTimeout("timed out", request=request)
        if self.bad:
            self.writes.append((rows, size, 400))
            payload = {"code": 400, "message": self.bad, "errors": []}
            self.bad = ""
            return httpx.Response(400, json={"metadata": {"error": True}, "payload": payload})
        response = await self.inner.handle_async_request(request)
        self.writes.append((rows, size, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_upsert_many_uses_the_fewest_calls_and_no_429(governors: Governors) -> None:
    sandbox = make_sandbox(latency=(0.001, 0.004))
    rows = [*people(1234), {"email": "broken"}, {"fields": {"x": 1}}, {"email": "p7@example.com"}]
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(rows)
    assert result.total == len(rows) == accounted(result)
    assert result.created == 1234 and result.ok
    assert result.skipped == {
        "broken (row 1235)": "a contact's email is not a valid e-mail address: 'broken'",
        "<no email> (row 1236)": "a contact's email is not a valid e-mail address: None",
        "p7@example.com (row 1237)": "duplicate: an earlier row wins",
    }
    assert result.calls == math.ceil(1234 / 50)  # Ongage's "typically 5-50" a call
    assert sandbox.recorder.rejected_429 == 0
    assert sandbox.recorder.peak_in_flight <= 10
    assert sandbox.recorder.most_in_any_window(0.2) <= 60
    assert set(sandbox.recorder.contact_writes.values()) == {1}


async def test_async_iterable_input_and_second_run_updates(governors: Governors) -> None:
    sandbox = make_sandbox()

    async def stream() -> AsyncIterator[dict[str, Any]]:
        for row in people(250):
            yield row

    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        first = await client.contacts.upsert_many(stream(), chunk_size=50)
        second = await client.contacts.upsert_many(people(250), chunk_size=50)
        inserted = await client.contacts.upsert_many(people(10), overwrite=False)
    assert first.created == second.updated == 250
    assert set(inserted.failed.values()) == {"Email already exists"}


async def test_too_large_chunks_are_split_not_failed(governors: Governors) -> None:
    sandbox = make_sandbox(max_contacts_per_call=30)
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(people(200), chunk_size=100)
    assert result.created == 200
    statuses = [c.status for c in sandbox.recorder.calls]
    assert statuses.count(413) >= 2


async def test_chunks_are_capped_by_bytes_too(governors: Governors) -> None:
    sandbox = make_sandbox()
    wide = [{"email": f"w{i}@example.com", "fields": {"bio": "x" * 1000}} for i in range(40)]
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(wide, chunk_size=100, max_chunk_bytes=5000)
    assert result.created == 40
    assert result.calls == 10  # four ~1 KB rows fit in 5,000 bytes


async def test_small_rows_go_50_to_a_call_by_default(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox)
    async with governors.client(sandbox, retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(people(1234))
    sizes = [rows for rows, _, _ in wire.writes]
    assert result.created == 1234 and result.calls == len(sizes) == 25
    assert all(50 <= rows <= 100 for rows in sizes[:-1]) and sum(sizes) == 1234
    assert sizes[:-1] == [ROWS] * 24  # the top of Ongage's "typically 5-50"
    assert (result.chunk_size, result.chunk_bytes, result.splits) == (ROWS, BYTES, 0)


async def test_an_explicit_chunk_size_wins_up_to_100(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox)
    async with governors.client(sandbox, retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(wide(250), chunk_size=100)
        for bad in (0, 101, 1000, True, "50"):
            with pytest.raises(InvalidArgumentError, match="chunk_size must be"):
                await client.contacts.upsert_many(people(1), chunk_size=bad)
        with pytest.raises(InvalidArgumentError, match="max_chunk_bytes must be"):
            await client.contacts.upsert_many(people(1), max_chunk_bytes=0)
    assert result.created == 250
    assert [rows for rows, _, _ in wire.writes] == [100, 100, 50]  # the 8 KiB default is off


async def test_wide_rows_go_fewer_to_a_call_within_the_byte_target(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox)
    async with governors.client(sandbox, retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(wide(300))
    assert result.created == 300 and result.ok
    sizes = [rows for rows, _, _ in wire.writes]
    assert sum(sizes) == 300 and max(sizes) < ROWS  # Ongage: "10, 20 ... depending on size"
    assert all(5 <= rows <= 20 for rows in sizes[:-1])
    row = len(json.dumps(next(wide(1)))) + 2
    assert all(body <= BYTES for _, body, _ in wire.writes)
    # Packed tight: each call but the last holds as many rows as fit.
    assert all(body > BYTES - 2 * row for _, body, _ in wire.writes[:-1])


async def test_a_413_splits_the_chunk_and_lowers_the_target_for_the_rest(
    governors: Governors,
) -> None:
    sandbox = make_sandbox(max_contacts_per_call=30)
    wire = Wire(sandbox)
    async with governors.client(
        sandbox, retry=RETRY, list_id=500, transport=wire, max_concurrency=1
    ) as c:
        result = await c.contacts.upsert_many(people(500))
    assert result.created == 500 and result.ok
    assert wire.writes[0][::2] == (50, 413)
    assert [status for _, _, status in wire.writes].count(413) == 1
    # The chunk built while the first was failing is split before it is sent; every
    # later one is built at the lowered target.
    assert all(rows <= 25 for rows, _, _ in wire.writes[1:])
    assert result.chunk_size == 25 and result.chunk_bytes < BYTES and result.splits >= 1


async def test_a_413_costs_at_most_one_call_per_worker(governors: Governors) -> None:
    sandbox = make_sandbox(max_contacts_per_call=30)
    wire = Wire(sandbox)
    async with governors.client(sandbox, retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(people(2000))
    assert result.created == 2000
    assert [status for _, _, status in wire.writes].count(413) <= 10


async def test_an_ordinary_400_fails_its_chunk_without_splitting(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox, bad="Invalid payload: too many fields for this list")
    async with governors.client(
        sandbox, retry=RETRY, list_id=500, transport=wire, max_concurrency=1
    ) as c:
        result = await c.contacts.upsert_many(people(120))
    assert [(rows, status) for rows, _, status in wire.writes] == [(50, 400), (50, 200), (20, 200)]
    assert len(result.failed) == 50 and result.created == 70
    assert set(result.failed.values()) == {
        "BadRequestError: Invalid payload: too many fields for this list"
    }
    assert (result.chunk_size, result.splits) == (ROWS, 0)


async def test_a_timeout_on_an_upsert_splits_it_and_lowers_the_target(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox, slow_over=20)  # more than 20 contacts take too long
    async with governors.client(
        sandbox, retry=RETRY, list_id=500, transport=wire, max_concurrency=1
    ) as c:
        result = await c.contacts.upsert_many(people(300))
    assert result.created == 300 and result.ok
    timeouts = [rows for rows, _, status in wire.writes if status == "timeout"]
    assert timeouts == [50] * 3 + [25] * 3  # each tried 1 + 2 times by the retry policy
    # Nothing too big was sent again: the chunks still waiting were split first.
    assert all(rows <= 13 for rows, _, _ in wire.writes[6:])
    assert 10 <= result.chunk_size <= 13 and result.splits >= 3
    assert set(sandbox.recorder.contact_writes.values()) == {1}


async def test_a_timeout_on_a_plain_add_is_not_resent(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox, slow_over=20)
    async with governors.client(
        sandbox, retry=RETRY, list_id=500, transport=wire, max_concurrency=1
    ) as c:
        result = await c.contacts.upsert_many(people(120), overwrite=False)
    # An add may have landed before the timeout: it is never sent again, whole or split.
    assert [rows for rows, _, _ in wire.writes] == [50, 50, 20]
    assert result.created == 20 and len(result.failed) == 100 and result.splits == 0
    assert all(r.startswith("APITimeoutError") for r in result.failed.values())


async def test_when_one_contact_times_out_timeouts_stop_splitting(governors: Governors) -> None:
    sandbox = make_sandbox()
    wire = Wire(sandbox, slow_over=0)  # an outage: every write times out
    async with governors.client(
        sandbox, retry=RETRY, list_id=500, transport=wire, max_concurrency=1
    ) as c:
        result = await c.contacts.upsert_many(people(200))
    assert len(result.failed) == 200 == result.total
    # One chunk is split down to a single contact (the proof that size is not the cause);
    # the rest fail whole, as before, instead of becoming one call per contact.
    assert len(wire.writes) <= 3 * (4 + 2 * 7)
    assert [rows for rows, _, _ in wire.writes[-9:]] == [50] * 9
    assert result.chunk_size == ROWS


async def test_input_is_consumed_lazily(governors: Governors) -> None:
    sandbox = make_sandbox(rate_limit=1000)
    consumed = 0
    worst = 0

    def source() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for row in people(3000):
            consumed += 1
            yield row

    def watch(progress: BulkProgress) -> None:
        nonlocal worst
        worst = max(worst, consumed - progress.done)

    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        await client.contacts.upsert_many(source(), chunk_size=20, on_progress=watch)
    # At most one chunk per worker, one being built and one waiting to be handed over.
    assert worst <= (10 + 2) * 20


async def test_fail_fast_stops_and_still_accounts_for_every_row(governors: Governors) -> None:
    sandbox = make_sandbox(faults=FaultPlan(script=(None, Fault("server_error", status=503))))
    async with governors.client(sandbox, retry=False, list_id=500, max_concurrency=1) as client:
        result = await client.contacts.upsert_many(people(1000), chunk_size=50, fail_fast=True)
    assert result.total == accounted(result) < 1000
    assert result.created == 50
    reasons = set(result.failed.values())
    assert any(r.startswith("ServerError") for r in reasons)
    assert any(r.startswith("not confirmed: the run stopped") for r in reasons)


async def test_a_chunk_that_fails_for_good_fails_its_rows_and_the_run_goes_on(
    governors: Governors,
) -> None:
    faults = FaultPlan(rules=(Fault("server_error", probability=1.0, path="contacts"),))
    sandbox = make_sandbox(faults=faults)
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many(people(120), chunk_size=50)
    assert len(result.failed) == 120 == result.total
    assert result.calls == 3 * 3  # three chunks, each tried three times


async def test_cancellation_leaves_a_consistent_result(governors: Governors) -> None:
    sandbox = make_sandbox(rate_limit=1000)
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        operation = client.contacts.bulk_upsert(people(5000), chunk_size=50, keep_ids=True)
        with anyio.CancelScope() as scope:

            def stop_after_some(progress: BulkProgress) -> None:
                if progress.done >= 500:
                    scope.cancel()

            operation._on_progress = stop_after_some
            await operation.run()
        result = operation.result()
    assert scope.cancelled_caught
    assert result.total == accounted(result) < 5000
    assert result.created >= 500
    stored = sandbox.store.contacts[500]
    assert len(result.ids) == result.created
    assert all(email in stored for email in result.ids)
    assert all(r.startswith("not confirmed") for r in result.failed.values())


async def test_update_many_and_change_status_many(governors: Governors) -> None:
    sandbox = make_sandbox()
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        await client.contacts.upsert_many(people(150))
        updated = await client.contacts.update_many(
            [{"email": f"p{i}@example.com", "city": "Oslo"} for i in range(160)]
        )
        changed = await client.contacts.change_status_many(
            [f"p{i}@example.com" for i in range(155)] + ["nope"], "unsubscribe"
        )
        with pytest.raises(InvalidArgumentError):
            await client.contacts.change_status_many(["p1@example.com"], "vanish")
    assert updated.updated == 150 and len(updated.failed) == 10
    assert changed.updated == 150 and len(changed.failed) == 5
    assert changed.skipped == {"nope (row 156)": "not a valid e-mail address: 'nope'"}
    assert sandbox.store.find_contact(500, "p3@example.com").status == "unsubscribed"


async def test_progress_snapshots_count_up_to_the_total(governors: Governors) -> None:
    sandbox = make_sandbox()
    snapshots: list[BulkProgress] = []
    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        await client.contacts.upsert_many(
            list(people(300)), chunk_size=60, on_progress=snapshots.append
        )
    assert [s.done for s in snapshots] == sorted(s.done for s in snapshots)
    last = snapshots[-1]
    assert (last.done, last.total, last.created, last.calls) == (300, 300, 300, 5)
    assert last.rate > 0 and last.in_flight <= 10


rows_strategy = st.lists(
    st.one_of(
        st.integers(0, 60).map(lambda i: {"email": f"u{i}@example.com"}),
        st.sampled_from([{"email": "bad"}, {"fields": {}}, "not a mapping"]),
    ),
    max_size=150,
)
faults_strategy = st.lists(
    st.builds(
        Fault,
        kind=st.sampled_from(
            ["server_error", "rate_limit", "lost_answer", "drop", "truncated", "html_error"]
        ),
        probability=st.floats(0.0, 0.4),
    ),
    max_size=3,
)


@pytest.fixture(scope="module", params=["local", "redis"])
def redis_or_local(request: pytest.FixtureRequest) -> str | None:
    """For a test that runs its own event loops: a Redis URL, or None for the local governor.

    Not function-scoped, as Hypothesis asks: the examples share it.
    """
    return request.getfixturevalue("redis_url") if request.param == "redis" else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows_strategy,
    faults=faults_strategy,
    seed=st.integers(0, 1000),
    chunk=st.integers(1, 40),
    overwrite=st.booleans(),
)
def test_every_row_is_accounted_for_exactly_once_under_random_faults(
    redis_or_local: str | None,
    rows: list[Any],
    faults: list[Fault],
    seed: int,
    chunk: int,
    overwrite: bool,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=10_000, rate_period=1.0, seed=seed, faults=FaultPlan(rules=tuple(faults))
        )
    )

    async def run() -> BulkResult:
        governors = Governors("redis" if redis_or_local else "local", redis_or_local)
        try:
            async with governors.client(sandbox, retry=RETRY) as client:
                return await client.contacts.upsert_many(
                    rows, chunk_size=chunk, overwrite=overwrite, keep_ids=True
                )
        finally:
            await governors.aclose()

    result = anyio.run(run)  # asyncio: RedisGovernor's one backend
    assert result.total == len(rows) == accounted(result)
    # What we say was written, was written; what we say failed never silently vanished.
    stored = sandbox.store.contacts[sandbox.config.default_list_id]
    assert len(result.ids) == result.created + result.updated
    assert all(email in stored for email in result.ids)
    assert sandbox.app.limits.in_flight == 0


async def test_a_failing_input_finishes_what_was_read_then_raises_its_error(
    governors: Governors,
) -> None:
    sandbox = make_sandbox()

    def source() -> Iterator[dict[str, Any]]:
        yield from people(230)
        raise OSError("disk went away")

    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        operation = client.contacts.bulk_upsert(source())
        with pytest.raises(OSError, match="disk went away"):
            await operation.run()
    result = operation.result()
    assert result.total == 230 == accounted(result)
    assert result.created == 230  # every row read was still delivered


async def test_an_authentication_error_stops_the_run_and_is_raised_alone(
    governors: Governors,
) -> None:
    from ongage_async import AuthenticationError

    sandbox = make_sandbox()
    async with governors.client(sandbox, retry=RETRY, list_id=500, password="wrong") as client:
        with pytest.raises(AuthenticationError):
            await client.contacts.upsert_many(people(500))


@pytest.mark.parametrize("where", ["a worker", "the reader"])
async def test_an_error_in_on_progress_stops_the_run_and_is_raised_alone(
    governors: Governors, where: str
) -> None:
    # After a written chunk (in a worker), or after a skipped row (in the input's reader).
    sandbox = make_sandbox(rate_limit=1000)
    rows = [*people(1000)] if where == "a worker" else [{"email": "bad"}, *people(1000)]

    def progress(snapshot: BulkProgress) -> None:
        if snapshot.done >= 1:
            raise ValueError("the progress bar broke")

    async with governors.client(sandbox, retry=RETRY, list_id=500) as client:
        with pytest.raises(ValueError, match="the progress bar broke"):
            await client.contacts.upsert_many(rows, chunk_size=50, on_progress=progress)
        operation = client.contacts.bulk_upsert(rows, chunk_size=50)
        operation._on_progress = progress
        with pytest.raises(ValueError, match="the progress bar broke"):
            await operation.run()
        assert client.governor.statistics().in_flight == 0
    result = operation.result()
    assert result.total == accounted(result) < len(rows)
    assert all(r.startswith("not confirmed") for r in result.failed.values())
    assert sandbox.app.limits.in_flight == 0
