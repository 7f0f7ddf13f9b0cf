"""The governor: a strict sliding-window budget, an in-flight cap, pauses, counters,
and no leaked slot or token whatever gets cancelled."""

from __future__ import annotations

import random
from contextlib import AsyncExitStack
from typing import Any

import anyio
import attrs
import pytest

from ongage_async.governor import (
    CapStatistics,
    Governor,
    LocalConcurrencyCap,
    SlidingWindowBudget,
)
from ongage_async.sandbox import Sandbox, SandboxConfig, most_in_any_window

from .helpers import task_group


async def test_no_more_than_limit_calls_start_in_any_window() -> None:
    governor = Governor.local(rate_limit=8, rate_period=0.15, max_concurrency=4)
    starts: list[float] = []
    rng = random.Random(1)

    async def call() -> None:
        async with governor.call():
            starts.append(anyio.current_time())
            await anyio.sleep(rng.uniform(0, 0.01))

    async with task_group() as tg:
        for _ in range(40):
            tg.start_soon(call)
    assert len(starts) == 40
    assert most_in_any_window(starts, 0.15) <= 8
    assert governor.statistics().calls_started == 40


async def test_a_token_cools_from_the_answer_not_the_send() -> None:
    # The server counts a call when its request has arrived, somewhere before the
    # answer: only cooling from the answer is safe whatever the request size.
    governor = Governor.local(rate_limit=1, rate_period=0.1, max_concurrency=2)
    times: dict[str, float] = {}

    async def long_call() -> None:
        async with governor.call():
            await anyio.sleep(0.2)
        times["first_done"] = anyio.current_time()

    async def second() -> None:
        async with governor.call():
            times["second_start"] = anyio.current_time()

    async with task_group() as tg:
        tg.start_soon(long_call)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(second)
    assert times["second_start"] >= times["first_done"] + 0.1 - 0.005


async def test_the_whole_budget_is_usable_at_once() -> None:
    governor = Governor.local(rate_limit=6, rate_period=3600, max_concurrency=10)
    release = anyio.Event()

    async def hold() -> None:
        async with governor.call():
            await release.wait()

    async with task_group() as tg:
        for _ in range(7):
            tg.start_soon(hold)
        await anyio.wait_all_tasks_blocked()
        stats = governor.statistics()
        assert stats.in_flight == 6  # a full window starts at once...
        assert stats.waiting == 1  # ...and the seventh waits for a token
        assert stats.budget.available == 0
        tg.cancel_scope.cancel()


async def test_in_flight_cap_holds() -> None:
    governor = Governor.local(rate_limit=1000, rate_period=1, max_concurrency=3, reserve=None)
    current = peak = 0

    async def call() -> None:
        nonlocal current, peak
        async with governor.call():
            current += 1
            peak = max(peak, current)
            await anyio.sleep(0.002)
            current -= 1

    async with task_group() as tg:
        for _ in range(30):
            tg.start_soon(call)
    assert peak == 3
    assert governor.statistics().peak_in_flight == 3


async def test_a_429_pauses_every_caller() -> None:
    governor = Governor.local(rate_limit=100, rate_period=1, max_concurrency=10)
    paused_at = anyio.current_time()
    await governor.record_rate_limit(0.2)
    assert governor.statistics().budget.paused_for > 0.1
    assert governor.statistics().rate_limited == 1
    starts: list[float] = []

    async def call() -> None:
        async with governor.call():
            starts.append(anyio.current_time())

    async with task_group() as tg:
        for _ in range(5):
            tg.start_soon(call)
    assert min(starts) >= paused_at + 0.2 - 0.005


async def test_cancelled_callers_leak_no_slot_and_no_token() -> None:
    governor = Governor.local(rate_limit=1000, rate_period=60, max_concurrency=10, reserve=None)
    release = anyio.Event()

    async def call() -> None:
        async with governor.call():
            await release.wait()

    # 10 in flight, 290 queued for a slot: cancel them all at once.
    async with task_group() as tg:
        for _ in range(300):
            tg.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        assert governor.statistics().in_flight == 10
        assert governor.statistics().waiting == 290
        tg.cancel_scope.cancel()
    stats = governor.statistics()
    assert (stats.in_flight, stats.waiting, stats.budget.in_use) == (0, 0, 0)
    # Only the 10 calls that really started spent a token.
    assert stats.budget.available == 1000 - 10

    # And 10 calls can still run at once.
    async with task_group() as tg:
        for _ in range(10):
            tg.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        assert governor.statistics().in_flight == 10
        release.set()
    assert governor.statistics().in_flight == 0


async def test_cancelled_while_waiting_for_budget_takes_no_token() -> None:
    budget = SlidingWindowBudget(limit=3, period=3600)
    governor = Governor(budget, LocalConcurrencyCap(10))
    for _ in range(3):
        async with governor.call():
            pass
    with anyio.move_on_after(0.05) as scope:
        async with task_group() as tg:
            for _ in range(200):
                tg.start_soon(_enter, governor)
    assert scope.cancelled_caught
    snapshot = budget.statistics()
    assert (snapshot.in_use, snapshot.available) == (0, 0)
    assert governor.statistics().waiting == 0
    # The cap gave every slot back: all 10 can be held at once, and an 11th waits.
    await _all_slots_and_no_more(governor.cap, 10)


async def _all_slots_and_no_more(cap: LocalConcurrencyCap | Any, slots: int) -> None:
    eleventh = anyio.Event()

    async def one_more() -> None:
        async with cap.slot():
            eleventh.set()

    with anyio.fail_after(5):
        async with AsyncExitStack() as stack:
            for _ in range(slots):
                await stack.enter_async_context(cap.slot())
            async with task_group() as tg:
                tg.start_soon(one_more)
                await anyio.wait_all_tasks_blocked()
                assert not eleventh.is_set()  # it waits for a slot...
                await stack.aclose()
                await eleventh.wait()  # ...and gets the first one given back


async def _enter(governor: Governor) -> None:
    async with governor.call():
        pytest.fail("no token should be available")


async def test_in_flight_cap_and_window_hold_against_a_strict_server() -> None:
    sandbox = Sandbox(SandboxConfig(rate_limit=40, rate_period=0.3, latency=(0.005, 0.02)))
    async with sandbox.client() as client, task_group() as tg:
        for _ in range(120):
            tg.start_soon(client.lists.get, sandbox.config.default_list_id)
    assert sandbox.recorder.rejected_429 == 0
    assert sandbox.recorder.peak_in_flight <= 10
    assert sandbox.recorder.most_in_any_window(0.3) <= 40
    assert len(sandbox.recorder.calls) == 120
    stats = client.governor.statistics()
    assert stats.peak_in_flight == 9  # the tenth slot is kept for "high" calls
    assert stats.calls_started == 120
    assert stats.wait_time > 0


@pytest.mark.parametrize(("limit", "period"), [(0, 1.0), (1, 0.0), (True, 1.0)])
def test_budget_rejects_nonsense(limit: int, period: float) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        SlidingWindowBudget(limit, period)


def test_stats_repr_reads_as_a_sentence() -> None:
    from ongage_async._budget import BudgetStatistics
    from ongage_async._governor import GovernorStatistics

    budget = BudgetStatistics(
        limit=300, period=60.0, available=0, in_use=10, next_free_in=12.04, paused_for=0.0
    )
    stats = GovernorStatistics(
        calls_started=120,
        in_flight=3,
        peak_in_flight=10,
        waiting=7,
        rate_limited=1,
        retries=2,
        wait_time=95.25,
        budget=budget,
        held=1,
    )
    assert repr(stats) == (
        "<GovernorStatistics: 120 calls started, 3 in flight (peak 10), 7 waiting, 1 x 429, "
        "2 retries, 95.2 s spent waiting, 1 slots held for cancelled calls; "
        "budget 0 of 300 calls free per 60 s, next call in 12.0 s>"
    )
    paused = attrs.evolve(budget, paused_for=58.0, available=5, reserved=30)
    assert paused.describe() == (
        "5 of 300 calls free per 60 s (30 reserved for high priority), paused 58.0 s"
    )


async def test_the_cap_reports_its_own_slots_taken_held_and_waited_for() -> None:
    # The governor's `held` is the cap's: nobody outside the cap writes it.
    cap = LocalConcurrencyCap(3, reserve=1)
    governor = Governor(SlidingWindowBudget(100, 1.0), cap)
    assert cap.statistics() == CapStatistics(3, 1, in_use=0, held=0, waiting=0)
    release, two_in = anyio.Event(), anyio.Event()
    now = anyio.current_time()

    async def keep(until: float) -> None:
        slot: Any = cap.slot("high")
        await slot.__aenter__()
        await slot.hold(until)  # a call cut short: its slot stays taken

    async def busy() -> None:
        async with cap.slot():
            if cap.statistics().in_use == 2:
                two_in.set()
            await release.wait()

    await keep(now + 3600)  # held for an hour
    await keep(now - 1)  # held until a time already past: free again
    stats = cap.statistics()
    assert (stats.in_use, stats.held) == (1, 1)
    assert governor.statistics().held == 1
    async with task_group() as tg:
        tg.start_soon(busy)
        tg.start_soon(busy)  # the third slot is the reserve: this one waits
        with anyio.fail_after(5):
            await two_in.wait()
        await anyio.wait_all_tasks_blocked()  # the second one is in the line
        assert cap.statistics() == CapStatistics(3, 1, in_use=2, held=1, waiting=1)
        release.set()
    assert cap.statistics() == CapStatistics(3, 1, in_use=1, held=1, waiting=0)
