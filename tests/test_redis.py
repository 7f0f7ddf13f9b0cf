"""RedisGovernor against a real redis-server (started here on a free 127.0.0.1 port)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import anyio
import pytest

from ongage_async.sandbox import Sandbox, SandboxConfig, most_in_any_window

redis = pytest.importorskip("redis")

from ongage_async.redis import GovernorUnavailableError, RedisGovernor  # noqa: E402


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's asyncio client runs on asyncio only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: .ci/run installs Debian's redis-server")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:  # setup, not a test step: wait for the server to accept connections
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.01)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def governor(url: str, account: str, **kwargs: object) -> RedisGovernor:
    return RedisGovernor(url, account=account, key_prefix=f"test-{uuid.uuid4().hex}", **kwargs)  # type: ignore[arg-type]


def pair(url: str, **kwargs: object) -> tuple[RedisGovernor, RedisGovernor]:
    prefix = f"test-{uuid.uuid4().hex}"
    return (
        RedisGovernor(url, account="ACC", key_prefix=prefix, **kwargs),  # type: ignore[arg-type]
        RedisGovernor(url, account="ACC", key_prefix=prefix, **kwargs),
    )  # type: ignore[arg-type]


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

    async with anyio.create_task_group() as tg:
        for n in range(60):
            tg.start_soon(call, first if n % 2 else second)
    assert len(starts) == 60
    assert most_in_any_window(starts, 0.3) <= 15
    assert peak == 4
    state = await first.state()
    assert state["leases"] == 0


async def test_no_two_acquirers_get_the_last_token(redis_url: str) -> None:
    first, second = pair(redis_url, rate_limit=50, rate_period=3600, max_concurrency=1000)
    granted = 0

    async def take(gov: RedisGovernor) -> None:
        nonlocal granted
        async with gov.budget.spend():
            granted += 1

    with anyio.move_on_after(1.0):
        async with anyio.create_task_group() as tg:
            for n in range(300):
                tg.start_soon(take, first if n % 2 else second)
    assert granted == 50
    assert (await first.state())["tokens_in_use"] == 50


async def test_a_killed_workers_slots_come_back_after_the_lease(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    worker = f"""
import anyio, sys
from ongage_async.redis import RedisGovernor
async def main():
    gov = RedisGovernor({redis_url!r}, account="ACC", key_prefix={prefix!r},
                        max_concurrency=2, lease_ttl=0.6)
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
            redis_url, account="ACC", key_prefix=prefix, max_concurrency=2, lease_ttl=0.6
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


async def test_live_workers_renew_their_leases(redis_url: str) -> None:
    gov = governor(redis_url, "ACC", max_concurrency=1, lease_ttl=0.15)
    async with gov.cap.slot():
        await anyio.sleep(0.5)  # the call outlives three lease periods
        assert (await gov.state())["leases"] == 1


async def test_a_429_in_one_process_pauses_the_others(redis_url: str) -> None:
    first, second = pair(redis_url, rate_limit=100, rate_period=1.0)
    async with first.call():
        first.rate_limited(0.3)
    paused_at = time.monotonic()
    assert (await second.state())["paused_for"] > 0.1
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
    gov = RedisGovernor(f"redis://127.0.0.1:{_free_port()}/0", account="ACC")
    with pytest.raises(GovernorUnavailableError):
        async with gov.call():
            pytest.fail("no call may start without the shared governor")


async def test_unreachable_redis_can_fall_back_to_a_local_share(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gov = RedisGovernor(
        f"redis://127.0.0.1:{_free_port()}/0",
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

    with anyio.move_on_after(0.5):
        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(call)
    assert granted == 2  # a quarter of the budget: the conservative share
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
    async with clients[0], clients[1], anyio.create_task_group() as tg:
        for n in range(80):
            tg.start_soon(clients[n % 2].lists.get, sandbox.config.default_list_id)
    assert sandbox.recorder.rejected_429 == 0
    assert sandbox.recorder.most_in_any_window(0.3) <= 20
