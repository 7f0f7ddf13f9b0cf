"""Gaps that mutation testing found past issue 17's list: each test kills a mutant that
survived a full run of `nox -s mutants` (see CONTRIBUTING.md, "Tests that bite")."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest

from ongage_async import AmbiguousOutcomeError, APIError, BadRequestError, RetryPolicy, ServerError
from ongage_async._rowcodec import encode_value
from ongage_async.resources import BulkProgress
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import free_port
from .sandbox_helpers import call, raw_client
from .test_bulk import RETRY as BULK_RETRY
from .test_bulk import make_sandbox, people
from .test_pauses_and_retries import Script, mock_client, ongage_error
from .test_retry import Sleeps


async def test_a_write_refused_after_a_plain_500_is_ambiguous() -> None:
    # A 500 may come after the server did the work, as a 504 may.
    script = Script(ongage_error(500, "Internal Server Error"), ongage_error(404, "not found"))
    policy = RetryPolicy(max_retries=1, base_delay=0, max_delay=0.001, jitter=0)
    async with mock_client(script, retry=policy, sleep=Sleeps()) as client:
        with pytest.raises(AmbiguousOutcomeError) as caught:
            await client.request("DELETE", "/api/lists/5")
    assert isinstance(caught.value.earlier, ServerError) and caught.value.earlier.status == 500


async def test_a_429_pauses_the_local_share_when_redis_is_down() -> None:
    pytest.importorskip("redis")
    from ongage_async.redis import RedisGovernor

    gov = RedisGovernor(f"redis://127.0.0.1:{free_port()}/0", account="ACC", on_unavailable="local")
    with anyio.fail_after(5):
        async with gov.call():  # Redis is found gone: the local share serves
            pass
        paused_at = anyio.current_time()
        await gov.record_rate_limit(0.3)
        async with gov.call():
            started = anyio.current_time()
    assert started - paused_at >= 0.3 - 0.005
    await gov.aclose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the Redis governor's test above; the others run on either


@pytest.mark.parametrize("where", ["body", "query", "route"])
async def test_the_sandbox_refuses_list_id_0_wherever_it_is(where: str) -> None:
    sandbox = Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}]))
    path = {
        "body": "/api/lists/500",
        "query": "/api/lists/500?list_id=0",
        "route": "/0/api/lists/500",
    }
    body = {"list_id": 0, "name": "renamed"} if where == "body" else {"name": "renamed"}
    async with raw_client(sandbox) as http:
        document = await call(http, "PUT", path[where], json=body)
    assert document["status"] == 400
    assert document["payload"]["message"] == f"Invalid list_id in the {where}"


def test_an_errors_text_names_its_code_only_when_it_differs_from_the_status() -> None:
    assert str(BadRequestError("bad", status=400, code=400)) == "HTTP 400: bad"
    assert str(BadRequestError("bad", status=400, code=1001)) == "HTTP 400 code=1001: bad"
    assert str(APIError("x", status=500, method="GET", url="/u")) == "HTTP 500: x (GET /u)"


def test_a_progress_rate_is_zero_before_any_time_passed() -> None:
    fields = {"total": 10, "created": 0, "updated": 0, "failed": 0, "skipped": 0}
    start = BulkProgress(done=0, elapsed=0.0, calls=0, rate_limited=0, in_flight=0, **fields)
    assert start.rate == 0.0
    later = BulkProgress(done=10, elapsed=2.0, calls=1, rate_limited=0, in_flight=0, **fields)
    assert later.rate == 5.0


@pytest.fixture
def oslo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "Europe/Oslo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class _NoOffset(dt.tzinfo):
    """A zone that knows no offset: Python counts such a datetime as naive."""

    def utcoffset(self, when: dt.datetime | None) -> None:
        return None

    def dst(self, when: dt.datetime | None) -> None:
        return None

    def tzname(self, when: dt.datetime | None) -> None:
        return None


@pytest.mark.usefixtures("oslo_time")
def test_a_naive_datetime_is_sent_as_it_reads_whatever_the_machines_zone() -> None:
    assert encode_value(dt.datetime(2024, 5, 1, 9, 0), "seen") == "2024-05-01 09:00:00"
    no_offset = dt.datetime(2024, 5, 1, 9, 0, tzinfo=_NoOffset())
    assert encode_value(no_offset, "seen") == "2024-05-01 09:00:00"  # naive too
    oslo = dt.timezone(dt.timedelta(hours=2))
    aware = dt.datetime(2024, 5, 1, 9, 0, tzinfo=oslo)
    assert encode_value(aware, "seen") == "2024-05-01 07:00:00"  # aware: converted to UTC


def test_the_back_off_left_of_a_shrinking_schedule_adds_its_steps() -> None:
    # multiplier < 1: the steps shrink after the cap, so "every later step is the cap"
    # holds only for a growing schedule.
    policy = RetryPolicy(max_retries=5, base_delay=10.0, multiplier=0.5, max_delay=5.0, jitter=0)
    assert policy.backoff_left(0, connection=False) == 5 + 5 + 2.5 + 1.25 + 0.625
    growing = RetryPolicy(max_retries=5, base_delay=1.0, multiplier=2.0, max_delay=4.0, jitter=0)
    assert growing.backoff_left(0, connection=False) == 1 + 2 + 4 + 4 + 4


async def test_a_cancelled_bulk_run_says_so_and_times_itself() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    async with sandbox.client(retry=BULK_RETRY, list_id=500) as client:
        operation = client.contacts.bulk_upsert(people(2000), chunk_size=50)
        started = anyio.current_time()
        with anyio.CancelScope() as scope:

            def stop_after_some(progress: BulkProgress) -> None:
                if progress.done >= 200:
                    scope.cancel()

            operation._on_progress = stop_after_some
            await operation.run()
        took = anyio.current_time() - started
        result = operation.result()
    assert scope.cancelled_caught
    reasons = set(result.failed.values())
    assert reasons <= {
        "not confirmed: the run was cancelled",
        "not confirmed: the run was cancelled; never sent",
    }
    assert reasons  # rows read but never confirmed
    assert 0 < result.elapsed <= took


def test_a_400_keeps_its_status_whatever_code_its_payload_gives() -> None:
    from ongage_async._response import parse_response

    body = {"metadata": {"error": True}, "payload": {"code": 1001, "message": "bad field"}}
    with pytest.raises(BadRequestError) as caught:
        parse_response(httpx.Response(400, json=body), method="POST", url="https://h/api")
    assert (caught.value.status, caught.value.code) == (400, 1001)


async def test_progress_counts_every_kind_of_outcome() -> None:
    sandbox = make_sandbox(rate_limit=1000)
    rows = [*people(60), {"email": "broken"}, {"email": "p1@example.com"}]
    seen: list[BulkProgress] = []
    async with sandbox.client(retry=BULK_RETRY, list_id=500) as client:
        await client.contacts.upsert_many(people(5), chunk_size=50)  # p0-p4 exist
        started = anyio.current_time()
        result = await client.contacts.upsert_many(
            rows, chunk_size=50, overwrite=False, on_progress=seen.append
        )
        took = anyio.current_time() - started
    assert 0 < result.elapsed <= took
    assert 0 < seen[-1].elapsed <= took
    assert (result.created, len(result.failed), len(result.skipped)) == (55, 5, 2)
    last = seen[-1]
    assert (last.created, last.updated, last.failed, last.skipped) == (55, 0, 5, 2)
    assert last.done == 62 == result.total
