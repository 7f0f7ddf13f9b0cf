"""RedisGovernor against a real redis-server (conftest's ``redis_url``: one per session)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import uuid

import anyio
import pytest

from ongage_async import NotFoundError, OngageClient, RateLimitError, ServerError
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig, most_in_any_window

redis = pytest.importorskip("redis")

from ongage_async.redis import GovernorUnavailableError, RedisGovernor  # noqa: E402

from .helpers import Admissions, fast_retry, free_port, redis_pair, task_group  # noqa: E402  (the server: conftest's redis_url)
from .test_cancellation import SERVER_TIME, TIMEOUT, cut_short  # noqa: E402


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's asyncio client runs on asyncio only


def governor(url: str, account: str, **kwargs: object) -> RedisGovernor:
    kwargs.setdefault("reserve", None)  # these tests fill every slot with "normal" calls
    return RedisGovernor(url, account=account, key_prefix=f"test-{uuid.uuid4().hex}", **kwargs)  # type: ignore[arg-type]


def pair(url: str, **kwargs: object) -> tuple[RedisGovernor, RedisGovernor]:
    kwargs.setdefault("reserve", None)  # these tests fill every slot with "normal" calls
    return redis_pair(url, **kwargs)  # type: ignore[no-any-return]


async def test_window_and_cap_hold_across_governors(redis_url: str) -> None:
    first, second = pair(redis_url, rate_limit=15, rate_period=0.3, max_concurrency=4)
    starts: list[float] = []
    current = peak = 0

    async def call(gov: RedisGovernor) -> None:
        nonlocal current, peak
        async with gov.call():
            starts.append(time.monotonic())
            current += 1
            peak = max(peak, current)
            await anyio.sleep(0.005)
            current -= 1

    async with task_group() as tg:
        for n in range(60):
            tg.start_soon(call, first if n % 2 else second)
    assert len(starts) == 60
    assert most_in_any_window(starts, 0.3) <= 15
    assert peak == 4
    state = await first.shared_statistics()
    assert state.leases == 0


async def test_no_two_acquirers_get_the_last_token(redis_url: str) -> None:
    first, second = pair(redis_url, rate_limit=50, rate_period=3600, max_concurrency=1000)
    granted = 0
    all_granted = anyio.Event()

    async def take(gov: RedisGovernor) -> None:
        nonlocal granted
        async with gov.budget.spend():
            granted += 1
            if granted == 50:
                all_granted.set()
            await anyio.sleep_forever()  # hold the token: nothing cools

    with anyio.fail_after(10):
        async with task_group() as tg:
            for n in range(300):
                tg.start_soon(take, first if n % 2 else second)
            await all_granted.wait()
            # Redis runs one script at a time: a 51st grant would be counted by now.
            assert (await first.shared_statistics()).tokens_in_use == 50
            tg.cancel_scope.cancel()
    assert granted == 50


async def test_a_killed_workers_slots_come_back_after_the_lease(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    worker = f"""
import anyio, sys
from ongage_async.redis import RedisGovernor
async def main():
    gov = RedisGovernor({redis_url!r}, account="ACC", key_prefix={prefix!r},
                        max_concurrency=2, lease_ttl=0.6, reserve=None)
    async with gov.cap.slot(), gov.cap.slot():
        print("held", flush=True)
        await anyio.sleep(3600)
anyio.run(main)
"""
    process = subprocess.Popen([sys.executable, "-c", worker], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        gov = RedisGovernor(
            redis_url,
            account="ACC",
            key_prefix=prefix,
            max_concurrency=2,
            lease_ttl=0.6,
            reserve=None,
        )
        with anyio.move_on_after(0.3) as blocked:  # both slots are taken by a live worker
            async with gov.cap.slot():
                pass
        assert blocked.cancelled_caught
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed_at = time.monotonic()
        with anyio.fail_after(5):
            async with gov.cap.slot(), gov.cap.slot():
                came_back = time.monotonic() - killed_at
        assert came_back <= 0.6 + 0.5
    finally:
        process.kill()


async def leases_while_held(gov: RedisGovernor, seconds: float, every: float) -> set[int]:
    """The lease counts Redis reports (dropping the expired ones) while a call runs."""
    seen = set()
    for _ in range(round(seconds / every)):
        await anyio.sleep(every)
        seen.add(int((await gov.shared_statistics()).leases))
    return seen


async def test_live_workers_renew_their_leases(redis_url: str) -> None:
    # lease_ttl=0.3: renewed every 0.1 s, so a renewal may come 0.2 s late (a loaded
    # machine, or coverage's tracing) before the lease lapses.
    gov = governor(redis_url, "ACC", max_concurrency=1, lease_ttl=0.3)
    async with gov.cap.slot():
        # The call outlives four lease periods; at every look its lease is still there.
        assert await leases_while_held(gov, 1.2, 0.1) == {1}
    assert (await gov.shared_statistics()).leases == 0


async def test_a_429_in_one_process_pauses_the_others(redis_url: str) -> None:
    first, second = pair(redis_url, rate_limit=100, rate_period=1.0)
    async with first.call():
        await first.record_rate_limit(0.3)
    paused_at = time.monotonic()
    assert (await second.shared_statistics()).paused_for > 0.1
    async with second.call():
        started = time.monotonic()
    assert started - paused_at >= 0.25


async def test_two_accounts_never_share_a_budget(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    spent = RedisGovernor(
        redis_url, account="ONE", key_prefix=prefix, rate_limit=3, rate_period=3600
    )
    other = RedisGovernor(
        redis_url, account="TWO", key_prefix=prefix, rate_limit=3, rate_period=3600
    )
    for _ in range(3):
        async with spent.call():
            pass
    with anyio.move_on_after(0.2) as blocked:
        async with spent.call():
            pass
    assert blocked.cancelled_caught
    with anyio.fail_after(1):
        async with other.call():
            pass


async def test_unreachable_redis_fails_closed_by_default() -> None:
    gov = RedisGovernor(f"redis://127.0.0.1:{free_port()}/0", account="ACC")
    with pytest.raises(GovernorUnavailableError):
        async with gov.call():
            pytest.fail("no call may start without the shared governor")


async def test_unreachable_redis_can_fall_back_to_a_local_share(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gov = RedisGovernor(
        f"redis://127.0.0.1:{free_port()}/0",
        account="ACC",
        rate_limit=8,
        max_concurrency=8,
        on_unavailable="local",
        expected_processes=4,
    )
    caplog.set_level(logging.WARNING, logger="ongage_async")
    granted = 0

    async def call() -> None:
        nonlocal granted
        async with gov.call():
            granted += 1

    with anyio.fail_after(10):
        async with task_group() as tg:
            for _ in range(10):
                tg.start_soon(call)
            while granted < 2:  # noqa: ASYNC110 (the local share's two tokens)
                await anyio.sleep(0.01)
            # The others find Redis gone (a refused connection: a millisecond on the
            # loopback) and queue on the local share, whose next token is a minute away.
            await anyio.sleep(0.05)
            assert granted == 2  # a quarter of the budget: the conservative share
            tg.cancel_scope.cancel()
    assert granted == 2
    assert any("local fallback" in r.getMessage() for r in caplog.records)


def test_it_needs_an_account_and_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from ongage_async import ConfigurationError

    monkeypatch.delenv("ONGAGE_REDIS_URL", raising=False)
    monkeypatch.delenv("ONGAGE_ACCOUNT_CODE", raising=False)
    with pytest.raises(ConfigurationError, match="ONGAGE_REDIS_URL"):
        RedisGovernor(account="A")
    with pytest.raises(ConfigurationError, match="ONGAGE_ACCOUNT_CODE"):
        RedisGovernor("redis://127.0.0.1:1/0")


async def test_clients_sharing_a_redis_governor_draw_no_429(redis_url: str) -> None:
    sandbox = Sandbox(SandboxConfig(rate_limit=20, rate_period=0.3, latency=(0.001, 0.005)))
    first, second = pair(redis_url, rate_limit=20, rate_period=0.3)
    clients = [sandbox.client(governor=first), sandbox.client(governor=second)]
    async with clients[0], clients[1], task_group() as tg:
        for n in range(80):
            tg.start_soon(clients[n % 2].lists.get, sandbox.config.default_list_id)
    assert sandbox.recorder.rejected_429 == 0
    assert sandbox.recorder.most_in_any_window(0.3) <= 20


# -- errors come out exactly as under the in-process governor (issue #12) -----------------

FAST = fast_retry(max_delay=0.005)


async def test_an_error_in_the_block_comes_out_as_raised_not_in_a_group(redis_url: str) -> None:
    gov = governor(redis_url, "ACC", lease_ttl=0.3)
    with pytest.raises(KeyError):
        async with gov.call():
            raise KeyError("mine")
    with pytest.raises(KeyError):
        async with gov.cap.slot():
            raise KeyError("mine")
    assert (await gov.shared_statistics()).leases == 0
    await gov.aclose()


async def test_api_errors_are_typed_and_retried_under_a_redis_governor(redis_url: str) -> None:
    # In arrival order: a 404, a 500 then its retry, a 429 then its retry; then, with no
    # retries, a 500 and a 429.  Each comes out as with the in-process governor.
    server_error, rate_limit = Fault("server_error", status=500), Fault("rate_limit")
    script = (None, server_error, None, rate_limit, None, server_error, rate_limit)
    sandbox = Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0, faults=FaultPlan(script)))
    gov = governor(redis_url, "ACC", rate_limit=1000, rate_period=1.0)
    list_id = sandbox.config.default_list_id
    async with sandbox.client(governor=gov, retry=FAST) as client:
        with pytest.raises(NotFoundError):
            await client.lists.get(999)
        await client.lists.get(list_id)
        await client.lists.get(list_id)
        assert client.governor.statistics().retries == 2
        bare = client.with_options(retry=False)
        with pytest.raises(ServerError):
            await bare.lists.get(list_id)
        with pytest.raises(RateLimitError):
            await bare.lists.get(list_id)
    assert [call.status for call in sandbox.recorder.calls] == [404, 500, 200, 429, 200, 500, 429]
    assert (await gov.shared_statistics()).leases == 0
    await gov.aclose()


async def test_upsert_many_rides_out_a_transient_500_and_counts_right(redis_url: str) -> None:
    faults = FaultPlan(script=(None, Fault("server_error", status=500)))  # the 2nd call
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=1000,
            rate_period=1.0,
            faults=faults,
            seed_lists=[{"id": 500, "name": "main"}],
        )
    )
    gov = governor(redis_url, "ACC", rate_limit=1000, rate_period=1.0)
    rows = [{"email": f"p{n}@example.com"} for n in range(900)]
    async with sandbox.client(governor=gov, retry=FAST, list_id=500) as client:
        result = await client.contacts.upsert_many(rows)
    assert (result.created, result.updated, dict(result.failed)) == (900, 0, {})
    assert len(sandbox.store.contacts[500]) == 900
    assert [call.status for call in sandbox.recorder.calls].count(500) == 1
    await gov.aclose()


async def test_one_renewer_renews_every_lease_and_stops_when_none_is_held(redis_url: str) -> None:
    gov = governor(redis_url, "ACC", max_concurrency=3, lease_ttl=0.15)
    async with gov.cap.slot(), gov.cap.slot(), gov.cap.slot():
        # The calls outlive four lease periods; at every look their leases are there.
        assert await leases_while_held(gov, 0.6, 0.05) == {3}
    assert (await gov.shared_statistics()).leases == 0
    assert not gov._redis_cap._live  # the renewer ends at its next look
    await gov.aclose()
    assert gov._redis_cap._renewer is None


# -- a call cancelled on the wire keeps its lease while the server may run it -------------


@pytest.mark.http
@pytest.mark.timeout(20)  # real HTTP, answers of 0.3 s in three rounds: ~3.5 s, more loaded
async def test_calls_cut_short_on_the_wire_keep_their_leases_across_processes(
    redis_url: str,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(rate_limit=1000, rate_period=1.0, latency=(SERVER_TIME, SERVER_TIME))
    )
    admissions = Admissions(sandbox)
    first, second = pair(redis_url, rate_limit=1000, rate_period=1.0, max_concurrency=10)
    list_id = sandbox.config.default_list_id
    with sandbox.serve(log_level="critical") as base_url:
        options = {**sandbox.client_settings(), "base_url": base_url, "retry": False}
        cutting = OngageClient(**options, governor=first, timeout=TIMEOUT)
        following = OngageClient(**options, governor=second, timeout=TIMEOUT)
        async with cutting, following:
            await cut_short(cutting, admissions, list_id)
            assert first.statistics().held == 10
            assert first.cap.statistics().held == 10  # the cap's own figure
            assert second.cap.statistics().in_use == 0  # this process's leases only
            assert (await second.shared_statistics()).leases == 10  # every process counts them
            # Another process's next calls wait for the server, and draw no 429.
            with anyio.fail_after(5):
                async with task_group() as tg:
                    for _ in range(10):
                        tg.start_soon(following.lists.get, list_id)
            assert sandbox.recorder.rejected_429 == 0
            assert (await first.shared_statistics()).leases == 0
            assert first.statistics().held == 0
            assert first.cap.statistics().in_use == 0

            # Closing the client gives its kept leases back at once.
            closing = OngageClient(**options, governor=first, timeout=30.0)
            async with closing:
                await cut_short(closing, admissions, list_id)
                assert (await first.shared_statistics()).leases == 10
            assert (await first.shared_statistics()).leases == 0
            assert first.statistics().held == 0
    await first.aclose()
    await second.aclose()


async def test_cancelled_callers_leak_no_lease_and_no_token(redis_url: str) -> None:
    # Waiting, acquiring (a script under way) and in flight: cancelled anywhere, a caller
    # leaves nothing in Redis, where a lost lease or token would cost every process.
    import random

    gov = governor(redis_url, "ACC", rate_limit=40, rate_period=0.1, max_concurrency=4)
    rng = random.Random(5)

    async def one(cut: float) -> None:
        with anyio.move_on_after(cut):
            async with gov.call():
                await anyio.sleep(0.002)

    async with task_group() as tg:
        for _ in range(300):
            tg.start_soon(one, rng.uniform(0, 0.3))
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        leases = await client.zcard(f"{gov._shared.namespace}:leases")
        (now, micros) = await client.time()
        held_long = await client.zcount(
            f"{gov._shared.namespace}:tokens", now + micros / 1e6 + 1.0, "+inf"
        )
    finally:
        await client.aclose()
    assert (leases, held_long) == (0, 0)  # tokens only cool (0.1 s); none is held for minutes
    assert gov.statistics().in_flight == 0
    await gov.aclose()
