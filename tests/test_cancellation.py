"""Cancelling calls at random moments leaks nothing; closing the client is clean."""

from __future__ import annotations

import contextlib
import random

import anyio
import pytest

from ongage_async import ClientClosedError, OngageError, RetryPolicy
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig


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
    finished = cancelled = 0
    policy = RetryPolicy(max_retries=2, base_delay=0.005, max_delay=0.01, jitter=0)
    async with sandbox.client(retry=policy) as client:

        async def one(deadline: float | None) -> None:
            nonlocal finished, cancelled
            with anyio.move_on_after(deadline) as scope:
                # A 500 that outlives the retries is a documented error, and fine here.
                with contextlib.suppress(OngageError):
                    await client.lists.get(sandbox.config.default_list_id)
                finished += 1
            cancelled += scope.cancelled_caught

        async with anyio.create_task_group() as tg:
            for n in range(1000):
                tg.start_soon(one, rng.uniform(0, 0.4) if n % 2 else None)

        assert finished + cancelled == 1000
        assert cancelled > 100  # the random moments really did cut calls short
        stats = client.governor.stats()
        assert (stats.in_flight, stats.waiting, stats.budget.in_use) == (0, 0, 0)
        assert sandbox.app.limits.in_flight == 0

        # Ten calls still run at once afterwards (once the budget has tokens again).
        release, all_in = anyio.Event(), anyio.Event()
        entered = 0

        async def held_call() -> None:
            nonlocal entered
            async with client.governor.call():
                entered += 1
                if entered == 10:
                    all_in.set()
                await release.wait()

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(held_call)
            with anyio.fail_after(10):
                await all_in.wait()
            assert client.governor.stats().in_flight == 10
            release.set()
        assert client.governor.stats().in_flight == 0


async def test_aclose_lets_calls_in_flight_finish_and_refuses_new_ones() -> None:
    sandbox = Sandbox(SandboxConfig(latency=(0.02, 0.02)))
    client = sandbox.client()
    results: list[object] = []

    async def call() -> None:
        try:
            results.append(await client.lists.get(sandbox.config.default_list_id))
        except OngageError as exc:
            results.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        await client.aclose()
    # Calls already sent are answered; anything else is a documented error, never a crash.
    assert len(results) == 5
    assert all(not isinstance(r, Exception) or isinstance(r, OngageError) for r in results)
    assert client.governor.stats().in_flight == 0
    with pytest.raises(ClientClosedError):
        await client.lists.get(sandbox.config.default_list_id)
