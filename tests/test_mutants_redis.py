"""The Redis governor's shared pause, lease renewal and fallback share (issue 17)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

pytest.importorskip("redis")

from ongage_async import ConfigurationError
from ongage_async._budget import BudgetStatistics
from ongage_async.governor import LocalConcurrencyCap, SlidingWindowBudget
from ongage_async.redis import RedisConcurrencyCap, RedisGovernor, RedisRateBudget
from ongage_async.redis._shared import Shared

from .helpers import free_port, redis_pair, task_group


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's asyncio client runs on asyncio only


async def test_a_shorter_pause_never_shrinks_a_longer_shared_one(redis_url: str) -> None:
    first, second = redis_pair(redis_url, rate_limit=100, rate_period=1.0)
    with anyio.fail_after(5):
        async with second.call():
            async with first.call():
                await first.record_rate_limit(5.0)  # published to every process at once
            assert (await second.shared_statistics()).paused_for > 4.0
            await second.record_rate_limit(0.2)  # a later, shorter pause from another process
    assert (await first.shared_statistics()).paused_for > 4.0
    await first.aclose()
    await second.aclose()


async def test_a_live_calls_lease_outlives_its_ttl_for_every_process(redis_url: str) -> None:
    # lease_ttl=0.15: the one slot stays taken while its call runs 4 TTLs; another
    # process never gets it meanwhile (the lease is renewed in time, every ttl/3).
    holder, other = redis_pair(redis_url, max_concurrency=1, lease_ttl=0.15)
    async with holder.cap.slot():
        with anyio.move_on_after(0.6) as waited:
            async with other.cap.slot():
                pytest.fail("a second process took the only slot while it was held")
        assert waited.cancelled_caught
        assert (await other.shared_statistics()).leases == 1
    with anyio.fail_after(5):  # and once it is given back, the other gets it
        async with other.cap.slot():
            pass
    await holder.aclose()
    await other.aclose()


async def test_the_fallback_cap_is_a_share_of_the_cap() -> None:
    gov = RedisGovernor(
        f"redis://127.0.0.1:{free_port()}/0",
        account="ACC",
        rate_limit=1000,
        max_concurrency=8,
        on_unavailable="local",
        expected_processes=4,
    )
    release = anyio.Event()
    inside = 0

    async def call() -> None:
        nonlocal inside
        async with gov.call():
            inside += 1
            await release.wait()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(call)
            # Each caller first finds Redis gone (a refused connection), then queues.
            while gov.statistics().waiting + gov.statistics().in_flight < 6:  # noqa: ASYNC110
                await anyio.sleep(0.01)
            await anyio.wait_all_tasks_blocked()
            assert (inside, gov.statistics().in_flight) == (2, 2)  # 8 // 4 processes
            release.set()
    assert inside == 6
    await gov.aclose()


# -- survivors of `nox -s mutants` in the Redis governor's Python ----------------------


def governor(url: str, **kwargs: Any) -> RedisGovernor:
    return RedisGovernor(url, account="ACC", key_prefix=f"test-{uuid.uuid4().hex}", **kwargs)


def count_scripts(
    gov: RedisGovernor,
    after: Callable[[str], Awaitable[None]] | None = None,
    before: Callable[[str], Awaitable[None]] | None = None,
) -> Counter[str]:
    """Count the scripts ``gov`` runs; ``before(script)`` runs before each is sent (a wait
    for a connection, say), ``after(script)`` once each has answered."""
    shared = gov._shared
    original = shared.run
    counts: Counter[str] = Counter()

    async def run(script: str, keys: list[str], args: list[Any]) -> Any:
        counts[script] += 1
        if before is not None:
            await before(script)
        answer = await original(script, keys, args)
        if after is not None:
            await after(script)
        return answer

    shared.run = run  # type: ignore[method-assign]
    return counts


@pytest.mark.parametrize("script", ["ACQUIRE_TOKEN", "ACQUIRE_LEASE"])
async def test_a_caller_cancelled_as_redis_grants_gives_the_grant_back(
    redis_url: str, script: str
) -> None:
    # The cancellation lands after Redis granted, before the answer was read: the token
    # or lease must be given back at once, not left taken for minutes.
    gov = governor(redis_url, rate_limit=5, max_concurrency=2)
    scope = anyio.CancelScope()

    async def cancel_on_the_way_back(ran: str) -> None:
        if ran == script:
            scope.cancel()
            await anyio.sleep(0.01)  # the answer is still being read

    async def wait_for_a_connection(script: str) -> None:
        await anyio.lowlevel.checkpoint()  # where an unshielded give-back would stop

    count_scripts(gov, cancel_on_the_way_back, wait_for_a_connection)
    with anyio.fail_after(5):
        with scope:
            # The cap's slot alone for a lease: nothing else after it would notice.
            async with gov.call() if script == "ACQUIRE_TOKEN" else gov.cap.slot():
                pytest.fail("the cancelled caller got into its block")
        state = await gov.shared_statistics()
    assert (state.tokens_in_use, state.leases) == (0, 0)
    await gov.aclose()


async def test_a_call_cancelled_in_its_block_gives_back_its_lease_and_cools_its_token(
    redis_url: str,
) -> None:
    gov = governor(redis_url, rate_limit=5, rate_period=2.0)

    async def wait_for_a_connection(script: str) -> None:
        await anyio.lowlevel.checkpoint()  # where a cancelled clean-up would stop

    count_scripts(gov, before=wait_for_a_connection)
    with anyio.fail_after(5):
        with anyio.CancelScope() as scope:
            async with gov.call():
                scope.cancel()
                await anyio.sleep(1)
        state = await gov.shared_statistics()
    assert state.leases == 0
    assert state.tokens_in_use == 1 and state.next_free_in <= 2.0  # not held 300 s
    await gov.aclose()


async def test_a_caller_waiting_for_a_cooling_token_looks_a_few_times_only(
    redis_url: str,
) -> None:
    gov = governor(redis_url, rate_limit=1, rate_period=0.4)
    counts = count_scripts(gov)
    with anyio.fail_after(5):
        for _ in range(2):
            async with gov.call():
                pass
    assert 2 <= counts["ACQUIRE_TOKEN"] <= 8  # the second waits ~0.4 s: 0.25 s a look at most
    await gov.aclose()


async def test_a_caller_looks_again_as_soon_as_its_token_cools(redis_url: str) -> None:
    gov = governor(redis_url, rate_limit=1, rate_period=0.02)
    started = anyio.current_time()
    with anyio.fail_after(5):
        for _ in range(5):
            async with gov.call():
                pass
    assert anyio.current_time() - started < 0.6  # 4 waits of ~0.02 s, never 0.25 s each
    await gov.aclose()


async def test_a_caller_here_is_woken_when_a_token_comes_back(redis_url: str) -> None:
    # The only token is in flight (held for minutes in Redis): only the wake-up at its
    # return, not the next look a quarter of a second later, lets the waiter in at once.
    gov = governor(redis_url, rate_limit=1, rate_period=0.001)
    lanes = gov._redis_budget._lanes
    delays = []
    for _ in range(3):
        got_it = anyio.Event()

        async def waiter(got_it: anyio.Event = got_it) -> None:
            async with gov.call():
                got_it.set()

        async with task_group(within=5) as tg:
            async with gov.call():
                tg.start_soon(waiter)
                # Until the waiter has looked and sleeps (no event to wait on for that).
                while (head := lanes.head()) is None or head.event is None:  # noqa: ASYNC110
                    await anyio.sleep(0.001)
                given_back = anyio.current_time()
            await got_it.wait()
            delays.append(anyio.current_time() - given_back)
    assert sum(delays) < 0.45  # without the wake-up: ~0.25 s each
    await gov.aclose()


async def test_the_budgets_snapshot_is_what_redis_last_said(redis_url: str) -> None:
    gov = governor(redis_url, rate_limit=3, rate_period=5.0, reserve=None)
    assert gov.statistics().budget == BudgetStatistics(3, 5.0, 3, 0, 0.0, 0.0, 0)  # before a look
    async with gov.call():
        snapshot = gov.statistics().budget
    assert (snapshot.available, snapshot.in_use, snapshot.next_free_in) == (2, 1, 0.0)
    for _ in range(2):
        async with gov.call():
            pass
    with anyio.move_on_after(0.1):
        async with gov.call():
            pytest.fail("a fourth token in a window of 3")
    snapshot = gov.statistics().budget
    assert snapshot.available == 0 and 4.0 < snapshot.next_free_in <= 5.0  # type: ignore[operator]
    await gov.aclose()


async def test_a_pause_is_published_before_record_rate_limit_returns(redis_url: str) -> None:
    # The pause is told to every process at once (an async pause), inside the call:
    # no other process may start a call between the 429 and the pause in Redis.
    gov = governor(redis_url)
    with anyio.fail_after(5):
        async with gov.call():
            await gov.record_rate_limit(0.5)
            shared = await gov.shared_statistics()
            assert 0.3 < shared.paused_for <= 0.5
    await gov.aclose()


async def test_paced_low_calls_go_one_interval_apart(redis_url: str) -> None:
    paced = governor(redis_url, rate_limit=100, rate_period=1.0, pace_low=True)
    with anyio.fail_after(2):  # 0.01 s apart
        for _ in range(3):
            async with paced.call("low"):
                pass
    await paced.aclose()
    unpaced = governor(redis_url, rate_limit=10, rate_period=10.0)  # pace_low=False
    with anyio.fail_after(1.5):  # paced, they would be 1 s apart
        for _ in range(3):
            async with unpaced.call("low"):
                pass
    await unpaced.aclose()


def test_the_redis_budget_and_cap_keep_nothing_back_by_default(redis_url: str) -> None:
    shared = Shared(redis_url, f"test-{uuid.uuid4().hex}", "fail", 5.0)
    budget = RedisRateBudget(shared, 10, 10.0, 60.0, SlidingWindowBudget(10, 10.0))
    assert (budget.reserve, budget.statistics().reserved, budget._pace) == (0, 0, 0.0)
    cap = RedisConcurrencyCap(shared, 2, 30.0, LocalConcurrencyCap(2))
    assert cap.reserve == 0


async def test_with_redis_down_the_local_share_gives_its_tokens_back() -> None:
    gov = RedisGovernor(
        f"redis://127.0.0.1:{free_port()}/0",
        account="ACC",
        rate_limit=4,
        rate_period=0.02,
        on_unavailable="local",
        expected_processes=1,
        reconnect_after=5.0,
    )
    with anyio.fail_after(5):
        for _ in range(12):  # three windows' worth
            async with gov.call():
                pass
        assert not gov._shared.usable()  # Redis is not tried again for 5 s
        assert 4.0 < gov._shared.down_until - anyio.current_time() <= 5.0
    await gov.aclose()


async def test_a_waiting_levels_entry_goes_with_its_last_caller_here(redis_url: str) -> None:
    gov = governor(redis_url, rate_limit=1, rate_period=30.0)
    shared = gov._shared
    key = shared.key("twait:1")

    async def entry() -> float | None:
        found = await shared.redis.zscore(key, shared.member)
        return None if found is None else float(found)

    async def wait_in_line(scope: anyio.CancelScope, gone: anyio.Event) -> None:
        try:
            with scope:
                async with gov.call():
                    pytest.fail("a second token in a window of 1")
        finally:
            gone.set()  # after any clean-up the cancelled caller did

    async with gov.call():
        pass
    first, second = anyio.CancelScope(), anyio.CancelScope()
    first_gone, second_gone = anyio.Event(), anyio.Event()
    async with task_group(within=5) as tg:
        tg.start_soon(wait_in_line, first, first_gone)
        tg.start_soon(wait_in_line, second, second_gone)
        while await entry() is None:  # noqa: ASYNC110 (the entry is in Redis)
            await anyio.sleep(0.01)
        # The one behind gives up (the head, asleep for 0.25 s, would not re-register
        # before that): the entry stays for the head.
        second.cancel()
        await second_gone.wait()
        assert await entry() is not None
        first.cancel()  # the last one here: the entry goes at once, not a second later
        await first_gone.wait()
    assert await entry() is None
    await gov.aclose()


async def test_a_granted_caller_with_nobody_behind_it_leaves_the_registry(
    redis_url: str,
) -> None:
    gov = governor(redis_url, rate_limit=1, rate_period=0.2)
    shared = gov._shared
    with anyio.fail_after(5):
        for _ in range(2):  # the second waits ~0.2 s, registered
            async with gov.call():
                pass
        assert await shared.redis.zscore(shared.key("twait:1"), shared.member) is None
    await gov.aclose()


async def test_the_lease_renewer_sleeps_a_third_of_the_ttl(redis_url: str) -> None:
    gov = governor(redis_url, lease_ttl=3.0)
    counts = count_scripts(gov)
    async with gov.cap.slot():
        await anyio.sleep(0.3)
    assert counts["RENEW_LEASES"] == 0  # the first renewal is due after 1 s
    await gov.aclose()


async def test_a_slot_held_past_its_time_is_free_at_once(redis_url: str) -> None:
    gov = governor(redis_url, lease_ttl=3.0)
    slot = gov.cap.slot()
    await slot.__aenter__()
    await slot.hold(anyio.current_time() - 1)  # type: ignore[attr-defined]
    assert (await gov.shared_statistics()).leases == 0
    await gov.aclose()


async def test_a_held_slot_is_no_longer_renewed(redis_url: str) -> None:
    gov = governor(redis_url, lease_ttl=0.3)  # renewed every 0.1 s while live
    slot = gov.cap.slot()
    await slot.__aenter__()
    await slot.hold(anyio.current_time() + 0.05)  # type: ignore[attr-defined]
    await anyio.sleep(0.5)
    assert (await gov.shared_statistics()).leases == 0
    await gov.aclose()


async def test_aclose_stops_the_lease_renewer(redis_url: str) -> None:
    gov = governor(redis_url, lease_ttl=3.0)
    cap = gov._redis_cap
    async with gov.cap.slot():
        renewer = cap._renewer
        assert renewer is not None
        await cap.aclose()
        await anyio.lowlevel.checkpoint()
        assert renewer.done()
    await gov.aclose()


async def test_a_caller_waiting_for_another_processs_slot_looks_every_few_ms(
    redis_url: str,
) -> None:
    holder, waiter = redis_pair(redis_url, max_concurrency=1, lease_ttl=5.0)
    counts = count_scripts(waiter)
    got_it = anyio.Event()

    async def wait_for_the_slot() -> None:
        async with waiter.cap.slot():
            got_it.set()

    async with task_group(within=5) as tg:
        async with holder.cap.slot():
            tg.start_soon(wait_for_the_slot)
            await anyio.sleep(1.0)
            given_back = anyio.current_time()
        await got_it.wait()
        noticed = anyio.current_time() - given_back
    # Backing off from 1 ms to 10 ms: ~100 looks in the second, and the free slot seen
    # within a few ms; never a busy loop, nor a back-off that grows without bound.
    assert 20 <= counts["ACQUIRE_LEASE"] <= 250
    assert noticed < 0.2
    await holder.aclose()
    await waiter.aclose()


async def test_with_redis_down_a_pause_is_not_sent_there() -> None:
    # Trying would only wait out a connection again, and push Redis's retry further off.
    gov = RedisGovernor(f"redis://127.0.0.1:{free_port()}/0", account="ACC", on_unavailable="local")
    counts = count_scripts(gov)
    with anyio.fail_after(5):
        async with gov.call():
            await gov.record_rate_limit(0.01)
    assert counts["PAUSE"] == 0
    await gov.aclose()


async def test_a_429_met_by_a_call_then_cancelled_still_pauses_every_process(
    redis_url: str,
) -> None:
    gov = governor(redis_url)

    async def wait_for_a_connection(script: str) -> None:
        await anyio.lowlevel.checkpoint()  # where an unshielded publish would stop

    count_scripts(gov, before=wait_for_a_connection)
    with anyio.fail_after(5):
        with anyio.CancelScope() as scope:
            async with gov.call():
                await gov.record_rate_limit(5.0)
                scope.cancel()
                await anyio.sleep(1)
        assert (await gov.shared_statistics()).paused_for > 4.0
    await gov.aclose()


@pytest.mark.parametrize("settings", [{"expected_processes": 0}, {"lease_ttl": 0}])
def test_a_redis_governor_needs_a_positive_share_and_lease(
    redis_url: str, settings: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError, match="must be positive"):
        RedisGovernor(redis_url, account="ACC", **settings)
    assert RedisGovernor(redis_url, account="ACC", expected_processes=1, lease_ttl=0.1)


async def test_closing_the_governor_stops_its_lease_renewer(redis_url: str) -> None:
    gov = governor(redis_url, lease_ttl=3.0)
    slot = gov.cap.slot()
    await slot.__aenter__()
    renewer = gov._redis_cap._renewer
    assert renewer is not None
    await gov.aclose()
    await anyio.lowlevel.checkpoint()
    assert renewer.done()


async def test_closing_the_governor_closes_its_redis_connections(redis_url: str) -> None:
    gov = governor(redis_url)
    async with gov.call():
        pass
    pool = gov._shared.redis.connection_pool
    connections = [*pool._available_connections, *pool._in_use_connections]
    assert connections and any(c.is_connected for c in connections)
    await gov.aclose()
    assert not any(c.is_connected for c in connections)
