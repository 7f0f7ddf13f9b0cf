"""What tests share besides fixtures: credentials, the fast retry policy, bounded waits.

Fixtures live in ``conftest.py``; a test imports these from here (``from .helpers
import creds``), never from ``conftest``.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs

from ongage_async import OngageClient, RetryPolicy
from ongage_async._governor import Governor
from ongage_async.sandbox import Sandbox

#: Retries as in production, but with delays short enough for a test.
FAST_RETRY = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01, jitter=0)


def fast_retry(**changes: Any) -> RetryPolicy:
    """``FAST_RETRY`` with some fields changed: the one fast policy, tuned per test."""
    return attrs.evolve(FAST_RETRY, **changes)


#: How long a test's tasks may wait for a slot, a token or an event before the test fails.
WAIT_LIMIT = 5.0


@asynccontextmanager
async def task_group(within: float = WAIT_LIMIT) -> AsyncIterator[anyio.abc.TaskGroup]:
    """A task group whose waits (slots, tokens, events) fail after ``within`` seconds.

    A governor that never wakes a waiter (a lost notify, a leaked slot) makes a test
    hang: under this it fails fast with a ``TimeoutError`` where it waited.
    """
    with anyio.fail_after(within):
        async with anyio.create_task_group() as tg:
            yield tg


#: The list that the ``main_client`` and ``main_sandbox`` fixtures work in.
MAIN_LIST = 500


def creds(**extra: Any) -> dict[str, Any]:
    return {"username": "user", "password": "s3cret-pass", "account_code": "ACC-CODE", **extra}


def load_example(name: str) -> Any:
    """Import ``examples/<name>.py`` (the examples are scripts, not a package)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flush_redis(url: str) -> None:
    """Start a test from an empty Redis (the server is shared by the session)."""
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()


class Governors:
    """Makes the governors of one test, of one kind, and closes them after it."""

    def __init__(self, kind: str, redis_url: str | None) -> None:
        self.kind = kind
        self.redis_url = redis_url
        self.made: list[Any] = []

    def __call__(
        self, rate_limit: int = 300, rate_period: float = 60.0, max_concurrency: int = 10
    ) -> Governor:
        if self.redis_url is None:
            return Governor.local(rate_limit, rate_period, max_concurrency)
        from ongage_async.redis import RedisGovernor

        governor = RedisGovernor(
            self.redis_url,
            account="SANDBOX",
            key_prefix=f"test-{uuid.uuid4().hex}",
            rate_limit=rate_limit,
            rate_period=rate_period,
            max_concurrency=max_concurrency,
        )
        self.made.append(governor)
        return governor

    def client(self, sandbox: Sandbox, **options: Any) -> OngageClient:
        """``sandbox.client(**options)`` under a governor of this kind, with the same limits."""
        config = sandbox.config
        governor = self(
            options.pop("rate_limit", config.rate_limit),
            options.pop("rate_period", config.rate_period),
            options.pop("max_concurrency", config.max_concurrency),
        )
        return sandbox.client(governor=governor, **options)

    async def aclose(self) -> None:
        for governor in self.made:  # each a RedisGovernor: its connection pool is closed
            await governor.aclose()


class Admissions:
    """Counts the calls a served sandbox admits, so a test can wait until it has them.

    The server runs in another thread (``sandbox.serve``): the test waits for a thread
    event in a worker thread, and never sleeps to find out.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self._limits = sandbox.app.limits
        self._admit = self._limits.admit
        self._limits.admit = self._counting  # type: ignore[method-assign]
        self._count = 0
        self._want = 0
        self._reached = threading.Event()

    def _counting(self, now: float) -> Any:
        admission = self._admit(now)
        if admission.allowed:
            self._count += 1
            if self._count >= self._want:
                self._reached.set()
        return admission

    def expect(self, more: int) -> None:
        """From now on, wait for ``more`` admissions."""
        self._reached.clear()
        self._want = self._count + more

    async def wait(self, timeout: float = 10.0) -> None:
        reached = await anyio.to_thread.run_sync(self._reached.wait, timeout)
        assert reached, f"the server admitted {self._count} calls, not {self._want}"


def redis_pair(url: str, **options: Any) -> tuple[Any, Any]:
    """Two `RedisGovernor`s of one account on one Redis: two processes, as the server
    sees them (a fresh key prefix each time, so tests share nothing)."""
    from ongage_async.redis import RedisGovernor

    prefix = f"test-{uuid.uuid4().hex}"
    return (
        RedisGovernor(url, account="ACC", key_prefix=prefix, **options),
        RedisGovernor(url, account="ACC", key_prefix=prefix, **options),
    )
