"""``RedisGovernor``: one account's budget and in-flight cap shared by every process.

Same guarantees as the in-process governor, counted in Redis:

* the budget's tokens cool from each answer (a sorted set of "free again at" times),
  handed out by one Lua script, so no two processes can take the last token;
* the in-flight cap is a set of leases with an expiry: a killed worker's slots come
  back by themselves after ``lease_ttl``, and a live worker renews its leases while a
  long call runs; a call cut short on the wire keeps its lease while the server may
  still run it (see ``ConcurrencyCap``);
* errors come out as under the in-process governor: nothing wraps the caller's block in
  a task group, whose ``ExceptionGroup`` no ``except`` and no retry would see;
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

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal, TypeVar, cast

import anyio
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .._budget import BudgetSnapshot, SlidingWindowBudget
from .._concurrency import LocalConcurrencyCap, SlotHold
from .._errors import ConfigurationError, OngageError
from .._governor import Attempt, Governor
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
                "RENEW_LEASES",
                "HOLD_LEASE",
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


async def _undone_if_cancelled(undo: Callable[[], Awaitable[Any]]) -> None:
    """After a grant in Redis: if the caller was cancelled meanwhile, undo it, and re-raise.

    The script that grants runs shielded: cancelled half-way, its answer would be lost
    while Redis has granted, and the token (held for minutes) or the slot (``lease_ttl``)
    would be gone for every process until it expired.
    """
    try:
        await anyio.lowlevel.checkpoint_if_cancelled()
    except BaseException:
        with anyio.CancelScope(shield=True), contextlib.suppress(*_UNREACHABLE):
            await undo()
        raise


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
            with anyio.CancelScope(shield=True):  # see _undone_if_cancelled
                granted, wait, used = await self._shared.run(
                    "ACQUIRE_TOKEN", keys, [self._limit, token, self._hold]
                )
            delay = float(wait)
            self._last = BudgetSnapshot(
                self._limit, self._period, self._limit - int(used), int(used), max(0.0, delay), 0.0
            )
            if granted:
                # Nothing was sent with it: a cancelled caller gives the token back whole.
                await _undone_if_cancelled(lambda: self._shared.redis.zrem(keys[0], token))
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

    @property
    def pause_pending(self) -> bool:
        """Whether a pause waits to be published to every process."""
        return self._pending_pause > 0

    async def share_pause(self) -> None:
        """Publish a pause to every process (the governor calls this after a 429)."""
        seconds, self._pending_pause = self._pending_pause, 0.0
        if seconds > 0 and self._shared.usable():
            with contextlib.suppress(_FallBack):
                await self._shared.run("PAUSE", [self._shared.key("pause")], [seconds])

    def snapshot(self) -> BudgetSnapshot:
        """The state seen at this process's last look (Redis is not read here)."""
        return self._last


class _LeaseHold:
    """A cancelled call's lease, kept in Redis until ``until`` (implements ``SlotHold``)."""

    __slots__ = ("_cap", "_lease", "released", "until")

    def __init__(self, cap: RedisConcurrencyCap, lease: str, until: float) -> None:
        self._cap = cap
        self._lease = lease
        self.until = until
        self.released = False

    @property
    def active(self) -> bool:
        return not self.released and self.until > anyio.current_time()

    async def release(self) -> None:
        if not self.released:
            self.released = True
            await self._cap._drop(self._lease)


class _Lease:
    """One slot: a lease in Redis, or a slot of the local fallback share.

    No task group here: the caller's block runs in the caller's task, and its exception
    comes out as it was raised (a task group would wrap it in an ``ExceptionGroup``, and
    no ``except NotFoundError`` or retry would see it).  Leases are renewed by the cap's
    one renewer task for all of them.
    """

    __slots__ = ("_cap", "_fallback", "_id", "_in_redis")

    def __init__(self, cap: RedisConcurrencyCap) -> None:
        self._cap = cap
        self._id = uuid.uuid4().hex
        self._fallback: Any = cap._fallback.slot()
        self._in_redis = False

    async def __aenter__(self) -> None:
        cap = self._cap

        async def remote() -> None:
            await cap._acquire(self._id)

        async def local() -> None:
            await self._fallback.__aenter__()

        _, self._in_redis = await _either(cap._shared, remote, local)
        if self._in_redis:
            cap._renew_while_held(self._id)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._in_redis:
            self._cap._live.discard(self._id)
            await self._cap._drop(self._id)
        else:
            await self._fallback.__aexit__(None, None, None)

    async def hold(self, until: float) -> SlotHold:
        """Instead of ``__aexit__``: keep the slot until ``until`` (see ``ConcurrencyCap``).

        In Redis the lease's expiry becomes ``until``, so every process counts it until
        then, and it goes away by itself, as a dead worker's does.
        """
        if not self._in_redis:
            held: SlotHold = await self._fallback.hold(until)
            return held
        cap = self._cap
        cap._live.discard(self._id)  # no longer renewed
        seconds = until - anyio.current_time()
        unavailable = (*_UNREACHABLE, GovernorUnavailableError, _FallBack)
        with anyio.CancelScope(shield=True), contextlib.suppress(*unavailable):
            # If Redis is gone, the lease expires there within lease_ttl on its own.
            await cap._shared.run(
                "HOLD_LEASE", [cap._shared.key("leases")], [self._id, max(0.0, seconds)]
            )
        return _LeaseHold(cap, self._id, until)


class RedisConcurrencyCap:
    """The in-flight cap as leases in Redis (implements :class:`~ongage_async.ConcurrencyCap`).

    A live worker renews its leases: one renewer task per cap renews every lease it
    holds in one script call every ``lease_ttl / 3`` seconds, and stops when none is
    held.  It runs on asyncio, as redis-py's asyncio client does.
    """

    def __init__(
        self, shared: _Shared, max_concurrency: int, lease_ttl: float, fallback: LocalConcurrencyCap
    ) -> None:
        self._shared = shared
        self._max = max_concurrency
        self._ttl = lease_ttl
        self._fallback = fallback
        self._lock = anyio.Lock()
        self._live: set[str] = set()  # the leases this process holds and renews
        self._renewer: asyncio.Task[None] | None = None

    @property
    def max_concurrency(self) -> int:
        return self._max

    def slot(self) -> AbstractAsyncContextManager[Any]:
        return _Lease(self)

    async def _acquire(self, lease: str) -> None:
        async with self._lock:
            await self._acquire_locked(lease)

    async def _acquire_locked(self, lease: str) -> None:
        delay = 0.001
        while True:
            with anyio.CancelScope(shield=True):  # see _undone_if_cancelled
                granted = await self._shared.run(
                    "ACQUIRE_LEASE", [self._shared.key("leases")], [self._max, lease, self._ttl]
                )
            if granted:
                await _undone_if_cancelled(lambda: self._drop(lease))
                return
            # Slots free up as answers arrive (every few ms under load): look again soon.
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.01)

    async def _drop(self, lease: str) -> None:
        # Shielded: a cancelled call must still give its slot back.
        with anyio.CancelScope(shield=True), contextlib.suppress(*_UNREACHABLE):
            await self._shared.redis.zrem(self._shared.key("leases"), lease)  # else it expires

    def _renew_while_held(self, lease: str) -> None:
        self._live.add(lease)
        loop = asyncio.get_running_loop()
        renewer = self._renewer
        if renewer is None or renewer.done() or renewer.get_loop() is not loop:
            # Not in a task group of the caller's: see _Lease.
            self._renewer = loop.create_task(self._renew())

    async def _renew(self) -> None:
        """Renew every live lease every ``lease_ttl / 3`` seconds, while there is one."""
        while self._live:
            await asyncio.sleep(self._ttl / 3)
            leases = list(self._live)
            if not leases:
                break
            try:
                await self._shared.run(
                    "RENEW_LEASES", [self._shared.key("leases")], [self._ttl, *leases]
                )
            except Exception as exc:  # the leases expire on their own; never crash a loop
                logger.warning("could not renew the governor's leases in Redis: %r", exc)
        if self._renewer is asyncio.current_task():
            self._renewer = None

    async def aclose(self) -> None:
        """Stop the renewer (the leases it renewed expire on their own)."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None and not renewer.done():
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer


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
        self._redis_cap = cap

    def call(self) -> Attempt:
        return _SharingAttempt(self)

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
        await self._redis_cap.aclose()
        await self._shared.redis.aclose()


class _SharingAttempt(Attempt):
    """An attempt that publishes to every process a 429 it met (a pause)."""

    __slots__ = ()

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            budget = cast(RedisGovernor, self._governor)._redis_budget
            if budget.pause_pending:
                with anyio.CancelScope(shield=True):
                    await budget.share_pause()
