"""The Redis governor's survivors of `nox -s mutants` (issue 17), second batch.

Some differ only at an exact instant (a back-off's end, a hold's end) or only by how
soon a waiter looks again: those tests set the event loop's clock (``anyio.current_time()``
on asyncio is the loop's ``time()``), or the Lua script's ``now``, instead of sleeping.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest

pytest.importorskip("redis")

from ongage_async._concurrency import CapStatistics
from ongage_async.redis import RedisGovernor, _scripts

from .helpers import free_port
from .test_mutants_redis import count_scripts, governor


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's asyncio client runs on asyncio only


class Clock:
    """The running loop's clock, set by the test: it stands still until moved."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def set_clock() -> Iterator[Clock]:
    """Stop the loop's clock (timers wait until the test moves it; bound the test with
    ``pytest.mark.timeout``, as ``fail_after`` runs on this clock too)."""
    loop = asyncio.get_running_loop()
    clock = Clock(loop.time())
    loop.time = clock  # type: ignore[method-assign]
    try:
        yield clock
    finally:
        del loop.time


#: Under ``slow_clock()`` one second of the loop's clock lasts this many real ones.
SLOWER = 10_000


@contextmanager
def slow_clock() -> Iterator[None]:
    """Run the loop's clock ``SLOWER`` times slower than real time: a back-off of a few
    milliseconds lasts real seconds, and ``fail_after(real / SLOWER)`` bounds a wait."""
    loop = asyncio.get_running_loop()
    real = loop.time
    start = real()
    loop.time = lambda: start + (real() - start) / SLOWER  # type: ignore[method-assign]
    try:
        yield
    finally:
        del loop.time


# -- _shared.py ----------------------------------------------------------------------------


@pytest.mark.timeout(30)
async def test_redis_is_tried_again_as_soon_as_reconnect_after_has_passed() -> None:
    gov = RedisGovernor(
        f"redis://127.0.0.1:{free_port()}/0",
        account="ACC",
        on_unavailable="local",
        reconnect_after=5.0,
    )
    counts = count_scripts(gov)
    with set_clock() as clock:
        found_down = clock.now
        async with gov.call():  # Redis is found unreachable: the local share serves
            pass
        assert counts.total() == 1
        clock.now = found_down + 4.5
        async with gov.call():
            pass
        assert counts.total() == 1  # not tried again before reconnect_after
        clock.now = found_down + 5.0
        async with gov.call():
            pass
        assert counts.total() == 2  # tried again at that very time
    await gov.aclose()


async def test_a_cancelled_low_caller_sends_no_clean_up_to_redis(redis_url: str) -> None:
    # "low" callers are never registered as waiting (they block nobody): giving up
    # costs no round trip to Redis.
    gov = governor(redis_url, max_concurrency=1, reserve=None)
    shared = gov._shared
    cleaned: list[str] = []
    quietly = shared.quietly

    async def counted(script: str, keys: list[str], args: list[Any]) -> None:
        cleaned.append(script)
        await quietly(script, keys, args)

    shared.quietly = counted  # type: ignore[method-assign]
    looked = anyio.Event()

    async def after(script: str) -> None:
        if script == "ACQUIRE_LEASE":
            looked.set()

    with anyio.fail_after(5):
        async with gov.cap.slot():
            count_scripts(gov, after)
            async with anyio.create_task_group() as tg:

                async def low_caller() -> None:
                    async with gov._redis_cap.slot("low"):
                        pytest.fail("a second slot in a cap of 1")

                tg.start_soon(low_caller)
                await looked.wait()  # it waits in line for the slot
                tg.cancel_scope.cancel()
            assert "UNREGISTER" not in cleaned
    await gov.aclose()


# -- _cap.py -------------------------------------------------------------------------------


@pytest.mark.timeout(30)
async def test_a_held_slot_is_free_at_the_time_it_was_held_until(redis_url: str) -> None:
    gov = governor(redis_url)
    cap = gov._redis_cap
    with set_clock() as clock:
        slot = cap.slot()
        await slot.__aenter__()
        hold = await slot.hold(clock.now + 1.0)  # type: ignore[attr-defined]
        assert (cap.statistics().in_use, cap.statistics().held, hold.active) == (1, 1, True)
        clock.now += 1.0
        assert (cap.statistics().in_use, cap.statistics().held, hold.active) == (0, 0, False)
    await gov.aclose()


async def test_calls_in_flight_on_one_cap_share_one_lease_renewer(redis_url: str) -> None:
    gov = governor(redis_url, max_concurrency=3, reserve=None)

    def renewers() -> int:
        names = [getattr(task.get_coro(), "__qualname__", "") for task in asyncio.all_tasks()]
        return names.count("RedisConcurrencyCap._renew")

    with anyio.fail_after(5):
        async with gov.cap.slot(), gov.cap.slot(), gov.cap.slot():
            assert renewers() == 1
    await gov.aclose()


async def test_closing_the_cap_returns_once_its_lease_renewer_has_stopped(
    redis_url: str,
) -> None:
    gov = governor(redis_url)
    cap = gov._redis_cap
    with anyio.fail_after(5):
        async with cap.slot():
            renewer = cap._renewer
            assert renewer is not None
            await cap.aclose()
            assert renewer.done()
    await gov.aclose()


async def test_a_waiter_here_gets_a_slot_the_moment_it_is_given_back(redis_url: str) -> None:
    # The waiter backs off 1 ms after its look, 10 real seconds on this clock: only the
    # wake-up when the slot comes back lets it in within the bound.
    gov = governor(redis_url, max_concurrency=1, reserve=None)
    looked, got_it = anyio.Event(), anyio.Event()

    async def after(script: str) -> None:
        if script == "ACQUIRE_LEASE":
            looked.set()

    async def waiter() -> None:
        async with gov.cap.slot():
            got_it.set()

    with slow_clock(), anyio.fail_after(10 / SLOWER):
        async with anyio.create_task_group() as tg:
            async with gov.cap.slot():
                count_scripts(gov, after)
                tg.start_soon(waiter)
                await looked.wait()
                await anyio.wait_all_tasks_blocked()  # it sleeps out its back-off
            with anyio.fail_after(3 / SLOWER):
                await got_it.wait()
    await gov.aclose()


async def test_a_caps_statistics_are_its_leases_and_its_fallback_shares_slots(
    redis_url: str,
) -> None:
    # 2 slots of the local share (8 // 4 processes) when Redis is down.
    gov = governor(redis_url, max_concurrency=8, on_unavailable="local", expected_processes=4)
    cap = gov._redis_cap
    nothing = CapStatistics(max_concurrency=8, reserve=cap.reserve, in_use=0, held=0, waiting=0)
    assert cap.statistics() == nothing
    with anyio.fail_after(5):
        live, kept = cap.slot(), cap.slot()
        await live.__aenter__()
        await kept.__aenter__()
        held_in_redis = await kept.hold(anyio.current_time() + 60)  # type: ignore[attr-defined]
        gov._shared.down_until = anyio.current_time() + 60  # Redis found down: local share
        local_live, local_kept = cap.slot(), cap.slot()
        await local_live.__aenter__()
        await local_kept.__aenter__()
        held_here = await local_kept.hold(anyio.current_time() + 60)  # type: ignore[attr-defined]
        async with anyio.create_task_group() as tg:
            tg.start_soon(cap.slot().__aenter__)  # the local share is full: it waits
            await anyio.wait_all_tasks_blocked()
            assert cap.statistics() == CapStatistics(8, cap.reserve, in_use=4, held=2, waiting=1)
            tg.cancel_scope.cancel()
        await held_in_redis.release()
        assert cap.statistics() == CapStatistics(8, cap.reserve, in_use=3, held=1, waiting=0)
        await held_here.release()
        await local_live.__aexit__(None, None, None)
        await live.__aexit__(None, None, None)
        assert cap.statistics() == nothing
    await gov.aclose()


# -- _budget.py ----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0.0, math.inf])
async def test_a_pause_of_no_time_or_without_a_bound_is_not_sent_to_redis(
    redis_url: str, seconds: float
) -> None:
    gov = governor(redis_url)
    counts = count_scripts(gov)
    with anyio.fail_after(5):
        async with gov.call():
            await gov.record_rate_limit(seconds)
        assert counts["PAUSE"] == 0
        assert not await gov._shared.redis.exists(gov._shared.key("pause"))
    await gov.aclose()


# -- _scripts.py, with the script's clock set by the test where it matters ---------------


class Account:
    """One account's keys in the test Redis, and the scripts run on them."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.prefix = f"lua-{uuid.uuid4().hex}"
        # ACQUIRE_TOKEN with its ``now`` given by the test (ARGV[9]), not Redis's TIME.
        assert _scripts.ACQUIRE_TOKEN.count(_scripts._NOW) == 1
        at = _scripts.ACQUIRE_TOKEN.replace(_scripts._NOW, "\nlocal now = tonumber(ARGV[9])\n")
        self.acquire_token_at = db.register_script(at)

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def ask(self, now: float, rank: int = 2, pace: float = 0.0) -> tuple[int, float]:
        """A call of ``rank`` ("low" unless told) asking for a token at ``now``: whether it
        is granted (1/0), and how long to wait before asking again."""
        names = ("tokens", "pause", "htokens", "twait:0", "twait:1", "pace")
        args = [10, uuid.uuid4().hex, 5.0, rank, 0, "A", 0, pace, now]
        keys = [self.key(n) for n in names]
        granted, wait, _ = await self.acquire_token_at(keys=keys, args=args)
        return int(granted), float(wait)

    async def next_low_at(self) -> float | None:
        found = await self.db.get(self.key("pace"))
        return None if found is None else float(found)

    async def run(self, script: str, names: tuple[str, ...], args: list[Any]) -> Any:
        keys = [self.key(n) for n in names]
        return await self.db.register_script(getattr(_scripts, script))(keys=keys, args=args)


@pytest.fixture
async def account(redis_url: str) -> AsyncIterator[Account]:
    import redis.asyncio as aioredis

    db = aioredis.Redis.from_url(redis_url)
    yield Account(db)
    await db.aclose()


async def test_a_shared_pause_is_over_at_its_end(account: Account) -> None:
    await account.db.set(account.key("pause"), "100.5")
    assert await account.ask(100.25, rank=1) == (0, 0.25)  # told when it ends
    assert (await account.ask(100.5, rank=1))[0] == 1  # not a moment later


async def test_a_paced_low_call_goes_at_its_due_time(account: Account) -> None:
    await account.db.set(account.key("pace"), "100.5")
    assert await account.ask(100.25, pace=0.5) == (0, 0.25)
    assert (await account.ask(100.5, pace=0.5))[0] == 1  # due now: not a moment later
    assert await account.next_low_at() == 101.0


async def test_a_paced_low_call_a_whole_interval_late_restarts_the_schedule(
    account: Account,
) -> None:
    await account.db.set(account.key("pace"), "100")
    assert (await account.ask(100.5, pace=0.5))[0] == 1  # late by one interval
    assert await account.next_low_at() == 101.0  # from now: no two calls back to back


async def test_unpaced_low_calls_keep_no_schedule_in_redis(account: Account) -> None:
    assert (await account.ask(100.0, pace=0.0))[0] == 1
    assert await account.next_low_at() is None


@pytest.mark.parametrize(
    ("script", "args"), [("RENEW_LEASES", [30.0, "lease"]), ("HOLD_LEASE", ["lease", 30.0])]
)
async def test_the_leases_key_outlives_a_renewed_or_held_lease(
    account: Account, script: str, args: list[Any]
) -> None:
    leases = account.key("leases")
    await account.db.zadd(leases, {"lease": 0})  # its end is the script's to set
    await account.db.pexpire(leases, 2000)  # as if taken with a short ttl
    await account.run(script, ("leases", "hleases"), args)
    assert 60_000 < await account.db.pttl(leases) <= 90_000  # the 30 s lease, and a minute
