"""``RedisGovernor``: one account's budget and in-flight cap shared by every process.

Same guarantees as the in-process governor, counted in Redis:

* the budget's tokens cool from each answer (a sorted set of "free again at" times),
  handed out by one Lua script, so no two processes can take the last token;
* the in-flight cap is a set of leases with an expiry: a killed worker's slots come
  back by themselves after ``lease_ttl``, and a live worker renews its leases while a
  long call runs;
* a 429 seen by one process pauses all of them (a shared "paused until" key);
* keys are namespaced by account code, so two accounts on one Redis never share a
  budget.

When Redis cannot be reached the governor *fails closed* by default, raising
:class:`GovernorUnavailableError`.  With ``on_unavailable="local"`` it falls back to an
in-process governor with a conservative share of the limits (``1 / expected_processes``)
and tries Redis again after ``reconnect_after`` seconds.  It never drops the limit.

redis-py's asyncio client runs on asyncio only, so this governor does too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar

import anyio
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .._budget import BudgetSnapshot, SlidingWindowBudget
from .._concurrency import LocalConcurrencyCap
from .._errors import ConfigurationError, OngageError
from .._governor import Governor
from . import _scripts

__all__ = ["GovernorUnavailableError", "RedisGovernor"]

logger = logging.getLogger("ongage_async")
T = TypeVar("T")
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class GovernorUnavailableError(OngageError):
    """The shared governor's store (Redis) cannot be reached; no call was sent."""


class _Shared:
    """The Redis connection, the scripts and the fallback policy, shared by budget and cap."""

    def __init__(
        self,
        url: str,
        namespace: str,
        on_unavailable: Literal["fail", "local"],
        reconnect_after: float,
    ) -> None:
        # A blocking pool: callers queue for a connection instead of failing past its size.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=32, timeout=10, socket_timeout=5, socket_connect_timeout=5
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.namespace = namespace
        self.on_unavailable = on_unavailable
        self.reconnect_after = reconnect_after
        self.down_until = 0.0
        self.scripts = {
            name: self.redis.register_script(getattr(_scripts, name))
            for name in (
                "ACQUIRE_TOKEN",
                "FINISH_TOKEN",
                "ACQUIRE_LEASE",
                "RENEW_LEASE",
                "PAUSE",
                "STATE",
            )
        }

    def key(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def usable(self) -> bool:
        return anyio.current_time() >= self.down_until

    async def run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.scripts[script](keys=keys, args=args)
        except _UNREACHABLE as exc:
            self.down_until = anyio.current_time() + self.reconnect_after
            if self.on_unavailable == "fail":
                raise GovernorUnavailableError(
                    f"the shared governor's Redis is unreachable: {type(exc).__name__}"
                ) from exc
            logger.warning(
                "Redis unreachable (%s); using the local fallback share for %.0f s",
                type(exc).__name__,
                self.reconnect_after,
            )
            raise _FallBack from exc


class _FallBack(Exception):
    """Internal: Redis failed and the policy says use the local share."""


async def _either(
    shared: _Shared, remote: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
) -> tuple[T, bool]:
    """Run ``remote`` if Redis is usable, else (or on failure, if allowed) ``local``."""
    if shared.usable():
        try:
            return await remote(), True
        except _FallBack:
            pass
    elif shared.on_unavailable == "fail":
        raise GovernorUnavailableError("the shared governor's Redis is unreachable")
    return await local(), False


class RedisRateBudget:
    """The account budget in Redis (implements :class:`~ongage_async.RateBudget`)."""

    def __init__(
        self, shared: _Shared, limit: int, period: float, hold: float, fallback: SlidingWindowBudget
    ) -> None:
        self._shared = shared
        self._limit = limit
        self._period = period
        self._hold = hold
        self._fallback = fallback
        self._last = BudgetSnapshot(limit, period, limit, 0, 0.0, 0.0)
        self._lock = anyio.Lock()
        self._pending_pause = 0.0  # a 429's pause, not yet published to Redis

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def period(self) -> float:
        return self._period

    async def _take(self, token: str) -> None:
        # One looker per process at a time (FIFO): fair here, and gentle on Redis.
        async with self._lock:
            await self._take_locked(token)

    async def _take_locked(self, token: str) -> None:
        keys = [self._shared.key("tokens"), self._shared.key("pause")]
        while True:
            granted, wait, used = await self._shared.run(
                "ACQUIRE_TOKEN", keys, [self._limit, token, self._hold]
            )
            delay = float(wait)
            self._last = BudgetSnapshot(
                self._limit, self._period, self._limit - int(used), int(used), max(0.0, delay), 0.0
            )
            if granted:
                return
            # Other processes may free tokens too: never sleep long between looks.
            await anyio.sleep(min(max(delay, 0.001), 0.25))

    @asynccontextmanager
    async def spend(self) -> AsyncIterator[None]:
        token = uuid.uuid4().hex
        fallback_cm = self._fallback.spend()

        async def remote() -> None:
            await self._take(token)

        async def local() -> None:
            await fallback_cm.__aenter__()

        _, in_redis = await _either(self._shared, remote, local)
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                if in_redis:
                    # If Redis is gone, the token's hold expires there on its own.
                    with contextlib.suppress(GovernorUnavailableError, _FallBack):
                        await self._shared.run(
                            "FINISH_TOKEN", [self._shared.key("tokens")], [token, self._period]
                        )
                else:
                    await fallback_cm.__aexit__(None, None, None)

    def pause(self, seconds: float) -> None:
        self._fallback.pause(seconds)
        self._pending_pause = max(self._pending_pause, seconds)

    async def share_pause(self) -> None:
        """Publish a pause to every process (the governor calls this after a 429)."""
        seconds, self._pending_pause = self._pending_pause, 0.0
        if seconds > 0 and self._shared.usable():
            with contextlib.suppress(_FallBack):
                await self._shared.run("PAUSE", [self._shared.key("pause")], [seconds])

    def snapshot(self) -> BudgetSnapshot:
        """The state seen at this process's last look (Redis is not read here)."""
        return self._last


class RedisConcurrencyCap:
    """The in-flight cap as leases in Redis (implements :class:`~ongage_async.ConcurrencyCap`)."""

    def __init__(
        self, shared: _Shared, max_concurrency: int, lease_ttl: float, fallback: LocalConcurrencyCap
    ) -> None:
        self._shared = shared
        self._max = max_concurrency
        self._ttl = lease_ttl
        self._fallback = fallback
        self._lock = anyio.Lock()

    @property
    def max_concurrency(self) -> int:
        return self._max

    async def _acquire(self, lease: str) -> None:
        async with self._lock:
            await self._acquire_locked(lease)

    async def _acquire_locked(self, lease: str) -> None:
        delay = 0.001
        while not await self._shared.run(
            "ACQUIRE_LEASE", [self._shared.key("leases")], [self._max, lease, self._ttl]
        ):
            # Slots free up as answers arrive (every few ms under load): look again soon.
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.01)

    async def _renew(self, lease: str) -> None:
        while True:
            await anyio.sleep(self._ttl / 3)
            try:
                await self._shared.run(
                    "RENEW_LEASE", [self._shared.key("leases")], [lease, self._ttl]
                )
            except (GovernorUnavailableError, _FallBack):
                return

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        lease = uuid.uuid4().hex
        fallback_cm = self._fallback.slot()

        async def remote() -> None:
            await self._acquire(lease)

        async def local() -> None:
            await fallback_cm.__aenter__()

        _, in_redis = await _either(self._shared, remote, local)
        try:
            if in_redis:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._renew, lease)
                    try:
                        yield
                    finally:
                        tg.cancel_scope.cancel()
            else:
                yield
        finally:
            with anyio.CancelScope(shield=True):
                if in_redis:
                    with contextlib.suppress(*_UNREACHABLE):  # else the lease expires
                        await self._shared.redis.zrem(self._shared.key("leases"), lease)
                else:
                    await fallback_cm.__aexit__(None, None, None)


class RedisGovernor(Governor):
    """A governor whose budget, cap and pause live in Redis, shared by every process.

    ``RedisGovernor("redis://localhost:6379/0", account="ACCOUNT_CODE")``; the URL
    falls back to ``ONGAGE_REDIS_URL`` and the account to ``ONGAGE_ACCOUNT_CODE``.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        rate_limit: int = 300,
        rate_period: float = 60.0,
        max_concurrency: int = 10,
        account: str | None = None,
        lease_ttl: float = 30.0,
        on_unavailable: Literal["fail", "local"] = "fail",
        expected_processes: int = 4,
        reconnect_after: float = 5.0,
        key_prefix: str = "ongage-async",
    ) -> None:
        url = redis_url or os.environ.get("ONGAGE_REDIS_URL")
        account = account or os.environ.get("ONGAGE_ACCOUNT_CODE")
        if not url:
            raise ConfigurationError("RedisGovernor needs redis_url= or ONGAGE_REDIS_URL")
        if not account:
            raise ConfigurationError(
                "RedisGovernor needs account= (or ONGAGE_ACCOUNT_CODE): the budget is per account"
            )
        if on_unavailable not in ("fail", "local"):
            raise ConfigurationError('on_unavailable must be "fail" or "local"')
        if not lease_ttl > 0 or expected_processes < 1:
            raise ConfigurationError("lease_ttl and expected_processes must be positive")
        shared = _Shared(url, f"{key_prefix}:{account}", on_unavailable, reconnect_after)
        share = expected_processes
        budget = RedisRateBudget(
            shared,
            rate_limit,
            rate_period,
            hold=300.0 + rate_period,
            fallback=SlidingWindowBudget(max(1, rate_limit // share), rate_period),
        )
        cap = RedisConcurrencyCap(
            shared,
            max_concurrency,
            lease_ttl,
            LocalConcurrencyCap(max(1, max_concurrency // share)),
        )
        super().__init__(budget, cap)
        self._shared = shared
        self._redis_budget = budget

    @asynccontextmanager
    async def call(self) -> AsyncIterator[None]:
        async with super().call():
            try:
                yield
            finally:
                # A 429 recorded during the call is published to every process.
                with anyio.CancelScope(shield=True):
                    await self._redis_budget.share_pause()

    async def state(self) -> dict[str, float]:
        """The shared state as Redis has it now: tokens in use, leases, pause, next free."""
        keys = [self._shared.key(k) for k in ("tokens", "leases", "pause")]
        tokens, leases, paused, next_free = await self._shared.run("STATE", keys, [])
        return {
            "tokens_in_use": int(tokens),
            "leases": int(leases),
            "paused_for": float(paused),
            "next_free_in": float(next_free),
        }

    async def aclose(self) -> None:
        await self._shared.redis.aclose()
