"""Issue #12, item 10: closing a busy client, and calls nobody should make.

Each of them fails before anything is sent, or at once, with a typed error: never an
untyped one from httpx, never a hang, never a request to the wrong list or host.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest
import trio

from ongage_async import (
    ClientClosedError,
    ConfigurationError,
    DeadlineExceededError,
    InvalidArgumentError,
    OngageClient,
    OngageError,
    RetryPolicy,
    ServerError,
)
from ongage_async.governor import Governor

from .helpers import creds, task_group

pytestmark = pytest.mark.usefixtures("clean_env")

OK = {"metadata": {"error": False}, "payload": {"id": 1}}


def recording_client(**options: Any) -> tuple[OngageClient, list[httpx.Request]]:
    """A client whose every request is recorded and answered 200."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=OK)

    return OngageClient(**creds(transport=httpx.MockTransport(handler), **options)), sent


# -- aclose() with calls in flight, queued and backing off ------------------------------


async def test_aclose_fails_waiting_calls_at_once_and_lets_the_wire_finish() -> None:
    release = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/held"):
            await release.wait()
            status = {"/api/held": 200, "/api/held-503": 503, "/api/held-500": 500}
            return httpx.Response(status[request.url.path], json=OK)
        return httpx.Response(503, json={"metadata": {"error": True}, "payload": {}})

    async def never_wakes(_: float) -> None:
        await anyio.sleep_forever()  # a back-off as long as Ongage's 16 minutes

    client = OngageClient(
        **creds(),
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_retries=3, base_delay=1.0, jitter=0),
        sleep=never_wakes,
        rate_limit=4,
        rate_period=3600,  # four calls spend the budget: a fifth waits for it
        max_concurrency=4,
        reserve=None,  # all four slots open to these "normal" calls
    )
    results: dict[str, object] = {}
    closed = anyio.Event()

    async def call(name: str, method: str, path: str) -> None:
        outcome: object
        try:
            outcome = await client.request(method, path)
        except Exception as exc:  # the outcome is what is checked
            outcome = exc
        await anyio.lowlevel.checkpoint()  # a stray cancellation from aclose() surfaces here
        results[name] = outcome

    async def close() -> None:
        await client.aclose()
        closed.set()

    with anyio.fail_after(10):
        async with task_group() as tg:
            tg.start_soon(call, "on the wire", "GET", "/api/held")
            tg.start_soon(call, "on the wire, then 503", "GET", "/api/held-503")
            tg.start_soon(call, "a send on the wire, then 500", "POST", "/api/held-500")
            tg.start_soon(call, "backing off", "GET", "/api/flaky")
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(call, "queued", "GET", "/api/lists")
            await anyio.wait_all_tasks_blocked()
            stats = client.governor.statistics()
            assert (stats.in_flight, stats.waiting) == (3, 1)

            tg.start_soon(close)
            await anyio.wait_all_tasks_blocked()
            # At once, with no back-off slept and nothing sent:
            assert isinstance(results.pop("backing off"), ClientClosedError)
            assert isinstance(results.pop("queued"), ClientClosedError)
            # Attempts on the wire are let finish; aclose() waits for them.
            assert not results
            assert not closed.is_set()
            release.set()
    assert results.pop("on the wire") == OK["payload"]
    assert isinstance(results.pop("on the wire, then 503"), ClientClosedError)  # no retry
    assert isinstance(results.pop("a send on the wire, then 500"), ServerError)
    assert closed.is_set()
    assert client.governor.statistics().in_flight == 0
    with pytest.raises(ClientClosedError):
        await client.request("GET", "/api/lists")


async def test_aclose_of_an_idle_client_returns_at_once_and_twice() -> None:
    client, sent = recording_client()
    await client.request("GET", "/api/lists")
    view = client.with_options(timeout=3.0)
    with anyio.fail_after(5):
        await client.aclose()
        await view.aclose()
    with pytest.raises(ClientClosedError):
        await view.download("/api/export/1/retrieve", bytearray_sink())
    assert len(sent) == 1


def bytearray_sink() -> Any:
    import io

    return io.BytesIO()


# -- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/../../999/api/contacts",
        "/api/contacts/..",
        "api/%2e%2e/%2E%2E/999/api/contacts",
        "/api/./lists",
        "/api/..\\999",
    ],
)
async def test_dot_segments_are_refused_before_anything_is_sent(path: str) -> None:
    client, sent = recording_client(list_id=500)
    async with client:
        with pytest.raises(InvalidArgumentError, match=r"'\.\.'"):
            await client.request("GET", path)
        with pytest.raises(InvalidArgumentError):
            await client.download(path, bytearray_sink())
    assert sent == []


@pytest.mark.parametrize(
    "path", ["/api/contacts?list_id=7", "/api/contacts?x=1&list_id=500", "/api/c?LIST%5Fid=7"]
)
async def test_a_list_id_in_the_paths_query_is_refused(path: str) -> None:
    client, sent = recording_client(list_id=500)
    async with client:
        with pytest.raises(InvalidArgumentError, match="list_id"):
            await client.request("GET", path)
        await client.request("GET", "/api/lists?type=sending")  # other queries are fine
    assert [str(r.url) for r in sent] == ["https://api.ongage.net/500/api/lists?type=sending"]


@pytest.mark.parametrize(
    "path",
    ["\t//evil.com", "\n//evil.com/api", " //evil.com", "/api/lists\r\nX-Evil: 1", "/api\x00/x"],
)
async def test_whitespace_and_control_characters_in_a_path_are_a_typed_error(path: str) -> None:
    client, sent = recording_client()
    async with client:
        with pytest.raises(InvalidArgumentError):
            await client.request("GET", path)
    assert sent == []


# -- odd values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timeout", [math.inf, httpx.Timeout(5.0, read=math.inf), httpx.Timeout(5.0, pool=-1.0)]
)
async def test_an_endless_timeout_is_refused(timeout: Any) -> None:
    with pytest.raises(ConfigurationError, match="finite"):
        OngageClient(**creds(), timeout=timeout)
    client, sent = recording_client()
    with pytest.raises(ConfigurationError, match="finite"):
        client.with_options(timeout=timeout)
    with pytest.raises(OngageError, match="finite"):
        await client.request("GET", "/api/lists", timeout=timeout)
    with pytest.raises(ConfigurationError, match="finite"):
        OngageClient(**creds(), deadline=math.inf)
    with pytest.raises(InvalidArgumentError, match="finite"):
        await client.request("GET", "/api/lists", deadline=math.inf)
    assert sent == []


@pytest.mark.parametrize(
    "list_id",
    [10**30, 2**63, str(10**30), "9" * 5000, 10**5000],
    ids=["10**30", "2**63", "'10**30'", "5000 digits", "10**5000"],
)
async def test_a_list_id_past_a_64_bit_integer_is_refused(list_id: Any) -> None:
    with pytest.raises(ConfigurationError):
        OngageClient(**creds(), list_id=list_id)
    client, sent = recording_client()
    with pytest.raises(InvalidArgumentError):
        await client.request("GET", "/api/lists", list_id=list_id)
    with pytest.raises(InvalidArgumentError):
        await client.request("GET", "/api/lists", params={"list_id": list_id})
    with pytest.raises(InvalidArgumentError):
        client.with_options(list_id=list_id)
    await client.request("GET", "/api/lists", list_id=2**63 - 1)
    await client.request("GET", "/api/lists", list_id="000042")
    assert [r.url.path for r in sent] == [f"/{2**63 - 1}/api/lists", "/42/api/lists"]


async def test_a_transactional_send_without_a_message_id_is_refused() -> None:
    client, sent = recording_client()
    async with client:
        with pytest.raises(InvalidArgumentError, match="message_id"):
            await client.transactional.send(None, ["a@example.com"])  # type: ignore[arg-type]
    assert sent == []


@pytest.mark.parametrize(
    "params",
    [
        {"name": object()},
        {"filter": {"a": 1}},
        {"ids": [1, object()]},
        {"ids": {1, 2}},
        {"limit": math.nan},
        {1: "a"},
    ],
)
async def test_objects_in_params_are_refused(params: Any) -> None:
    client, sent = recording_client()
    async with client:
        with pytest.raises(InvalidArgumentError, match="params"):
            await client.request("GET", "/api/lists", params=params)
        await client.request(
            "GET",
            "/api/lists",
            params={"a": "x", "b": 1, "c": 1.5, "d": True, "e": None, "f": [1, "2"]},
        )
    assert [r.url.query for r in sent] == [b"a=x&b=1&c=1.5&d=true&f=1&f=2"]


# -- download() and the deadline ---------------------------------------------------------


@pytest.mark.parametrize("where", ["client", "view", "call"])
async def test_download_is_bounded_by_the_deadline(where: str) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()  # an export that never comes
        raise AssertionError

    options: dict[str, Any] = {"deadline": 0.05} if where == "client" else {}
    client = OngageClient(**creds(), transport=httpx.MockTransport(handler), **options)
    target = client.with_options(deadline=0.05) if where == "view" else client
    extra: dict[str, Any] = {"deadline": 0.05} if where == "call" else {}
    async with client:
        with anyio.fail_after(5), pytest.raises(DeadlineExceededError):
            await target.download("/api/export/1/retrieve", bytearray_sink(), **extra)


# -- a governor across event loop runs ---------------------------------------------------


class ShiftedClock(trio.abc.Clock):
    """trio's own clock, with the offset a new run would pick at random, chosen."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def start_clock(self) -> None:
        pass

    def current_time(self) -> float:
        return self.offset + time.perf_counter()

    def deadline_to_sleep_time(self, deadline: float) -> float:
        return deadline - self.current_time()


def spend(governor: Governor, calls: int, *, within: float) -> Callable[[], Awaitable[int]]:
    """How many of ``calls`` the governor lets start within ``within`` seconds."""

    async def run() -> int:
        started = 0
        with anyio.move_on_after(within):
            for _ in range(calls):
                async with governor.call():
                    started += 1
        return started

    return run


@pytest.mark.parametrize(("first", "second"), [(150_000.0, 10_000.0), (10_000.0, 150_000.0)])
def test_a_governor_keeps_its_budget_across_trio_runs(first: float, second: float) -> None:
    # A short window: the second run's calls must not wait the clocks' difference (a hang).
    quick = Governor.local(rate_limit=2, rate_period=0.05, max_concurrency=2)
    assert trio.run(spend(quick, 2, within=5), clock=ShiftedClock(first)) == 2
    assert trio.run(spend(quick, 2, within=5), clock=ShiftedClock(second)) == 2
    # A long window: the first run's calls still count in the second (no overshoot).
    slow = Governor.local(rate_limit=2, rate_period=3600, max_concurrency=2)
    assert trio.run(spend(slow, 3, within=0.05), clock=ShiftedClock(first)) == 2
    assert trio.run(spend(slow, 1, within=0.05), clock=ShiftedClock(second)) == 0

    async def budget_left() -> tuple[int, float | None]:
        snapshot = slow.statistics().budget
        return snapshot.available, snapshot.next_free_in

    available, next_free_in = trio.run(budget_left, clock=ShiftedClock(second))
    assert available == 0
    assert next_free_in is not None and 3500 < next_free_in <= 3600


def test_a_governor_keeps_its_budget_across_asyncio_runs() -> None:
    slow = Governor.local(rate_limit=2, rate_period=3600, max_concurrency=2)
    assert anyio.run(spend(slow, 2, within=5), backend="asyncio") == 2
    assert anyio.run(spend(slow, 1, within=0.05), backend="asyncio") == 0


def test_a_governor_refuses_clearly_to_change_event_loop_library() -> None:
    governor = Governor.local(rate_limit=10, rate_period=1, max_concurrency=2)
    assert anyio.run(spend(governor, 1, within=5), backend="asyncio") == 1
    with pytest.raises(ConfigurationError, match="asyncio"):
        trio.run(spend(governor, 1, within=5))
