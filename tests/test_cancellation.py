"""Cancelling calls at random moments leaks nothing; closing the client is clean.

A call cancelled after its request went out still runs on the server: its slot is kept
until the server has plausibly finished (the call's read timeout after the send), or
until the client is closed, so the next calls draw no 429 (issue #12).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import anyio
import httpx
import pytest

from ongage_async import (
    APITimeoutError,
    ClientClosedError,
    DeadlineExceededError,
    OngageClient,
    OngageError,
    RetryPolicy,
    ServerError,
)
from ongage_async._call import Call
from ongage_async._middleware import GovernorMiddleware
from ongage_async._response import Response
from ongage_async._wire import CURRENT_WIRE
from ongage_async.governor import Governor, Priority
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig

from .helpers import Admissions, task_group


async def test_cancel_a_random_half_of_1000_calls_at_random_moments() -> None:
    # A small budget (waiting for tokens), latency (in flight) and 500s on a fifth of
    # the calls (sleeping in back-off): cancellations land in all three places.
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=150,
            rate_period=0.1,
            latency=(0.001, 0.004),
            seed=3,
            faults=FaultPlan(rules=(Fault("server_error", probability=0.2),)),
        )
    )
    rng = random.Random(7)
    finished = cancelled = answered_without_deadline = 0
    policy = RetryPolicy(max_retries=2, base_delay=0.005, max_delay=0.01, jitter=0)
    async with sandbox.client(retry=policy) as client:

        async def one(deadline: float | None) -> None:
            nonlocal finished, cancelled, answered_without_deadline
            with anyio.move_on_after(deadline) as scope:
                # A 500 that outlives the retries is a documented error, and fine here.
                try:
                    await client.lists.get(sandbox.config.default_list_id)
                    answered_without_deadline += deadline is None
                except OngageError as exc:
                    assert isinstance(exc, ServerError), exc  # noqa: PT017 (a task: no raises)
                    answered_without_deadline += deadline is None
                finished += 1
            cancelled += scope.cancelled_caught

        async with task_group() as tg:
            for n in range(1000):
                tg.start_soon(one, rng.uniform(0, 0.4) if n % 2 else None)

        assert finished + cancelled == 1000
        assert cancelled > 100  # the random moments really did cut calls short
        # Cancelling others never cost a call that nobody cancelled its answer.
        assert answered_without_deadline == 500
        stats = client.governor.statistics()
        assert (stats.in_flight, stats.waiting, stats.budget.in_use) == (0, 0, 0)
        # In process the "server" runs in the caller's task and is cancelled with it:
        # nothing runs on after a cancellation, so no slot is kept for one.
        assert stats.held == 0
        assert sandbox.app.limits.in_flight == 0

        # Ten calls still run at once afterwards (once the budget has tokens again).
        with anyio.fail_after(10):
            await ten_at_once(client.governor)
        assert client.governor.statistics().in_flight == 0


async def test_aclose_lets_calls_in_flight_finish_and_refuses_new_ones() -> None:
    # 12 calls, 10 slots: some are on the wire when the client closes, the rest wait.
    # The server takes 0.3 s, so no answer can arrive (and let a waiting call through)
    # between the look at the server and the close, even on a loaded machine.
    sandbox = Sandbox(SandboxConfig(latency=(0.3, 0.3)))
    client = sandbox.client()
    results: list[object] = []

    async def call() -> None:
        try:
            results.append(await client.lists.get(sandbox.config.default_list_id))
        except OngageError as exc:
            results.append(exc)

    with anyio.fail_after(10):
        async with task_group() as tg:
            for _ in range(12):
                tg.start_soon(call)
            await anyio.wait_all_tasks_blocked()
            on_the_wire = sandbox.app.limits.in_flight
            assert 1 <= on_the_wire < 12
            await client.aclose()
    # The calls already sent are answered; the ones still waiting are refused.
    answered = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ClientClosedError)]
    assert (len(answered), len(refused)) == (on_the_wire, 12 - on_the_wire)
    assert all(r.id == str(sandbox.config.default_list_id) for r in answered)  # type: ignore[attr-defined]
    assert client.governor.statistics().in_flight == 0
    with pytest.raises(ClientClosedError):
        await client.lists.get(sandbox.config.default_list_id)


# -- a call cancelled on the wire keeps its slot while the server may run it --------------

#: Each call takes the server 600 ms.  Half the calls cut short are cancelled 50 ms after
#: they start (or once the server has them all, if that is later: they must be on the
#: wire); the other half run out of a 500 ms deadline, while the server still works: half
#: a second to reach the server, through a Redis governor on a busy CI machine too (CI saw
#: 250 ms run out before three of ten calls got there).  Our read timeout, 1.5 s, bounds
#: how long a kept slot waits: well after the server is done, even on a busy machine.
SERVER_TIME, CANCEL_AT, DEADLINE, TIMEOUT = 0.6, 0.05, 0.5, 1.5


@pytest.fixture
def slow_server() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(
        SandboxConfig(rate_limit=1000, rate_period=1.0, latency=(SERVER_TIME, SERVER_TIME))
    )
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


def http_client(sandbox: Sandbox, base_url: str, **options: object) -> OngageClient:
    # No reserve: the ten "normal" calls cut short take all ten slots.
    settings: dict[str, object] = {"retry": False, "timeout": TIMEOUT, "reserve": None, **options}
    if "governor" not in settings:
        settings.update(rate_limit=1000, rate_period=1.0)
    return OngageClient(**sandbox.client_settings(), base_url=base_url, **settings)  # type: ignore[arg-type]


async def cut_short(
    client: OngageClient, admissions: Admissions, list_id: int, n: int = 10
) -> None:
    """Start ``n`` calls and cut each short while the server runs it (see ``CANCEL_AT``)."""
    started = anyio.current_time()
    scopes: list[anyio.CancelScope] = []
    outcomes: list[str] = []

    async def cancelled() -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            await client.lists.get(list_id)
        outcomes.append("cancelled" if scope.cancelled_caught else "answered")

    async def past_its_deadline() -> None:
        try:
            await client.with_options(deadline=DEADLINE).lists.get(list_id)
        except DeadlineExceededError:
            outcomes.append("deadline")
        else:
            outcomes.append("answered")

    admissions.expect(n)
    async with task_group() as tg:
        for k in range(n):
            tg.start_soon(cancelled if k % 2 else past_its_deadline)
        await admissions.wait()  # every request is on the server
        await anyio.sleep_until(started + CANCEL_AT)  # the caller gives up at 50 ms
        for scope in scopes:
            scope.cancel()
    assert sorted(outcomes) == ["cancelled"] * (n // 2) + ["deadline"] * (n - n // 2)


async def ten_at_once(governor: Governor) -> None:
    """Ten attempts hold the governor at the same time: no slot has leaked.

    Nine "normal" ones fill all but the slot kept for "high" calls, then a "high" one
    takes that: neither the open slots nor the reserved one leaked.
    """
    release, nine_in, all_in = anyio.Event(), anyio.Event(), anyio.Event()
    entered = 0

    async def held(priority: Priority) -> None:
        nonlocal entered
        async with governor.call(priority):
            entered += 1
            if entered == 9:
                nine_in.set()
            if entered == 10:
                all_in.set()
            await release.wait()

    async with task_group() as tg:
        for _ in range(9):
            tg.start_soon(held, "normal")
        # The nine may first wait for budget tokens still cooling from the calls before:
        # wait for them to get in, not for the scheduler to go idle.
        with anyio.fail_after(5):
            await nine_in.wait()
        assert governor.statistics().in_flight == 9  # the tenth slot is kept...
        tg.start_soon(held, "high")  # ...for this one
        with anyio.fail_after(5):
            await all_in.wait()
        assert governor.statistics().in_flight == 10
        release.set()


@pytest.mark.http
async def test_calls_cut_short_on_the_wire_keep_their_slots_and_the_next_draw_no_429(
    slow_server: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = slow_server
    list_id = sandbox.config.default_list_id
    async with http_client(sandbox, base_url) as client:
        await cut_short(client, Admissions(sandbox), list_id)
        stats = client.governor.statistics()
        assert (stats.in_flight, stats.held) == (0, 10)  # the server still runs all ten

        # Callers that give up while waiting for a kept slot take nothing with them.
        with anyio.move_on_after(CANCEL_AT):
            await client.lists.get(list_id)

        # The next ten wait until the server is plausibly done, then all get through.
        with anyio.fail_after(5):
            async with task_group() as tg:
                for _ in range(10):
                    tg.start_soon(client.lists.get, list_id)
        assert sandbox.recorder.rejected_429 == 0
        assert client.governor.statistics().rate_limited == 0

        stats = client.governor.statistics()
        assert (stats.in_flight, stats.held, stats.waiting) == (0, 0, 0)
        await ten_at_once(client.governor)
    assert sandbox.app.limits.in_flight == 0


@pytest.mark.http
async def test_closing_the_client_frees_the_kept_slots_at_once(
    slow_server: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = slow_server
    governor = Governor.local(1000, 1.0, 10, reserve=None)
    # A long timeout: the kept slots would otherwise stay for 30 s.
    client = http_client(sandbox, base_url, governor=governor, timeout=30.0)
    async with client:
        await cut_short(client, Admissions(sandbox), sandbox.config.default_list_id)
        assert governor.statistics().held == 10
    assert governor.statistics().held == 0  # the connections are closed: nothing to wait for
    with anyio.fail_after(1):
        await ten_at_once(governor)


@pytest.mark.http
async def test_a_call_whose_timeout_ran_out_keeps_no_slot(
    slow_server: tuple[Sandbox, str],
) -> None:
    # It waited as long as a kept slot would have: the server is plausibly done.
    sandbox, base_url = slow_server
    async with http_client(sandbox, base_url, timeout=0.1) as client:
        with pytest.raises(APITimeoutError):
            await client.lists.get(sandbox.config.default_list_id)
        assert client.governor.statistics().held == 0


@pytest.mark.parametrize(
    ("events", "kept"),
    [
        ((), False),  # nothing went out (still connecting): nothing runs on the server
        (("http11.send_request_headers.started",), True),
        (("http11.send_request_body.complete",), True),
        # The answer began: the server is done, and the cut connection ends the rest.
        (("http11.send_request_body.complete", "http11.receive_response_headers.complete"), False),
    ],
)
async def test_only_a_call_cancelled_between_its_send_and_its_answer_keeps_its_slot(
    events: tuple[str, ...], kept: bool
) -> None:
    governor = Governor.local(100, 1.0, 2, reserve=None)  # both slots open to "normal"
    step = GovernorMiddleware(governor, pause_on_429=1.0, attempt_limit=lambda call: 60.0)
    started = anyio.Event()

    async def send(call: Call) -> Response:
        watch = CURRENT_WIRE.get()
        assert watch is not None
        for event in events:  # what httpcore would report through the trace extension
            await watch.trace(event, {})
        started.set()
        await anyio.sleep_forever()
        raise AssertionError("cancelled before")

    call = Call("GET", "/api/lists", timeout=httpx.Timeout(30.0))
    async with task_group() as tg:
        tg.start_soon(step, call, send)
        await started.wait()
        tg.cancel_scope.cancel()
    assert governor.statistics().held == int(kept)
    await step.release_held()  # what the client does when it closes
    assert governor.statistics().held == 0
    with anyio.fail_after(1):
        async with governor.call(), governor.call():  # both slots are free again
            pass
