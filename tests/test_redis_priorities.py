"""Priority levels and the reserve across processes, in RedisGovernor's Lua scripts.

Two ``RedisGovernor`` objects on one key prefix stand for two processes: each has its
own waiting line and its own name in the levels' registry, as two processes do.
"""

from __future__ import annotations

import time

import anyio
import pytest

from ongage_async import ConfigurationError, Reserve
from ongage_async.governor import Priority
from ongage_async.sandbox import most_in_any_window

pytest.importorskip("redis")

from ongage_async.redis import RedisGovernor

from .helpers import redis_pair, task_group


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's asyncio client runs on asyncio only


async def hold(gov: RedisGovernor, priority: Priority, got: list[str], name: str) -> None:
    async with gov.call(priority):
        got.append(name)
        await anyio.sleep_forever()


async def test_the_budgets_reserve_is_kept_for_high_calls_across_processes(
    redis_url: str,
) -> None:
    bulk, web = redis_pair(
        redis_url, rate_limit=10, rate_period=3600, reserve=Reserve(share=0.2, slots=0)
    )
    got: list[str] = []
    with anyio.fail_after(10):
        async with task_group() as tg:
            for n in range(9):
                tg.start_soon(hold, bulk, "low", got, f"low{n}")
            while len(got) < 8:  # noqa: ASYNC110  (Redis is polled: nothing to wait on)
                await anyio.sleep(0.01)
            tg.start_soon(hold, web, "normal", got, "normal")
            for n in range(2):
                async with web.call("high"):  # the reserve, at once, in another process
                    got.append(f"high{n}")
            assert len(got) == 10 and "normal" not in got
            assert (await web.shared_statistics()).tokens_in_use == 10
            tg.cancel_scope.cancel()
    for gov in (bulk, web):
        await gov.aclose()


async def test_the_caps_reserve_is_kept_for_high_calls_across_processes(redis_url: str) -> None:
    bulk, web = redis_pair(redis_url, rate_limit=1000, max_concurrency=3, reserve=Reserve(slots=1))
    got: list[str] = []
    with anyio.fail_after(10):
        async with task_group() as tg:
            for n in range(3):
                tg.start_soon(hold, bulk, "low", got, f"low{n}")
            while len(got) < 2:  # noqa: ASYNC110
                await anyio.sleep(0.01)
            async with web.call("high"):
                got.append("high")
                assert (await web.shared_statistics()).leases == 3
            assert sorted(n[:3] for n in got) == ["hig", "low", "low"]  # the third low waits
            tg.cancel_scope.cancel()
    assert (await web.shared_statistics()).leases == 0
    for gov in (bulk, web):
        await gov.aclose()


async def test_a_high_caller_waiting_in_one_process_goes_before_a_low_one_in_another(
    redis_url: str,
) -> None:
    # One token a 0.3 s window: both wait for it to cool; the high one, registered in
    # Redis, gets it although the low one in the other process asked first.
    first, second = redis_pair(redis_url, rate_limit=1, rate_period=0.3, reserve=None)
    async with first.call():
        pass
    order: list[str] = []

    async def one(gov: RedisGovernor, priority: Priority) -> None:
        async with gov.call(priority):
            order.append(priority)

    with anyio.fail_after(10):
        async with task_group() as tg:
            tg.start_soon(one, first, "low")
            await anyio.wait_all_tasks_blocked()
            assert first.statistics().waiting_by_priority["low"] == 1  # it asked first
            tg.start_soon(one, second, "high")
    assert order == ["high", "low"]
    for gov in (first, second):
        await gov.aclose()


async def test_a_cancelled_high_waiter_does_not_block_other_processes(redis_url: str) -> None:
    first, second = redis_pair(redis_url, rate_limit=1, rate_period=0.2, reserve=None)
    async with first.call():
        pass
    with anyio.move_on_after(0.1):
        async with first.call("high"):  # waits for the token, registered, then gives up
            pytest.fail("the only token is cooling")
    gave_up = time.monotonic()
    async with second.call("low"):
        # The high level's entry went with its last caller: no second's wait for it.
        waited = time.monotonic() - gave_up
    assert waited < 0.5
    for gov in (first, second):
        await gov.aclose()


async def test_levels_and_limits_hold_across_processes_under_load(redis_url: str) -> None:
    first, second = redis_pair(
        redis_url, rate_limit=20, rate_period=0.2, max_concurrency=4, reserve=Reserve(0.2, 1)
    )
    starts: list[float] = []
    high_waits: list[float] = []
    current = peak = 0

    async def call(gov: RedisGovernor, priority: Priority) -> None:
        nonlocal current, peak
        asked = time.monotonic()
        async with gov.call(priority):
            starts.append(time.monotonic())
            if priority == "high":
                high_waits.append(starts[-1] - asked)
            current += 1
            peak = max(peak, current)
            await anyio.sleep(0.002)
            current -= 1

    async def web() -> None:
        for _ in range(4):
            await anyio.sleep(0.1)  # the handler's load: two high calls a window
            await call(second, "high")

    with anyio.fail_after(20):
        async with task_group() as tg:
            for _ in range(64):
                tg.start_soon(call, first, "low")
            tg.start_soon(web)
    assert len(starts) == 68
    assert most_in_any_window(starts, 0.2) <= 20
    assert peak <= 4
    assert max(high_waits) < 0.1  # never a turn of the window
    for gov in (first, second):
        await gov.aclose()


async def test_pacing_spreads_the_low_calls_of_every_process(redis_url: str) -> None:
    first, second = redis_pair(redis_url, rate_limit=50, rate_period=1.0, pace_low=True)
    starts: list[float] = []

    async def call(gov: RedisGovernor) -> None:
        async with gov.call("low"):
            starts.append(time.monotonic())

    async with task_group() as tg:
        for n in range(10):
            tg.start_soon(call, first if n % 2 else second)
    # One low call every 1.0 / 50 s, whichever process: ten take nine intervals at least
    # (the schedule is Redis's; a start seen here may lag it by a few ms).
    assert max(starts) - min(starts) > 9 * 0.02 - 0.01
    for gov in (first, second):
        await gov.aclose()


def test_a_redis_governor_checks_its_reserve_and_pacing() -> None:
    with pytest.raises(ConfigurationError, match="reserve"):
        RedisGovernor("redis://localhost/0", account="A", reserve=0.1)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="pace_low"):
        RedisGovernor("redis://localhost/0", account="A", pace_low="yes")  # type: ignore[arg-type]
