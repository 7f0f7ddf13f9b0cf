"""What the Redis budget and cap share: the connection, the scripts, the fallback policy,
and the way a process's callers take turns to look in Redis.

Each process keeps its own waiting line (``_lanes``: highest level first, FIFO within
one) and only its head looks in Redis, so Redis sees one looker per process, and the
order across processes is the scripts' (``_scripts``: a lower level takes nothing while
another process's caller of a higher level waits).
"""

from __future__ import annotations

import contextlib
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import anyio
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .._exceptions import FallBack, GovernorUnavailableError
from .._lanes import Lanes
from . import _scripts

__all__ = ["Shared"]

logger = logging.getLogger("ongage_async")
T = TypeVar("T")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
#: Levels whose waiting callers are registered in Redis (a "low" one blocks nobody).
REGISTERED_RANKS = 2


class Shared:
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
        self.redis: Any = aioredis.Redis(connection_pool=pool)
        self.namespace = namespace
        self.on_unavailable = on_unavailable
        self.reconnect_after = reconnect_after
        #: Until when Redis is not tried again after it was found unreachable.
        self.down_until: float = -math.inf
        #: This process's name in the levels' registry (``_scripts``).
        self.member: str = uuid.uuid4().hex
        self.scripts: dict[str, Any] = {
            name: self.redis.register_script(getattr(_scripts, name))
            for name in (
                "ACQUIRE_TOKEN",
                "FINISH_TOKEN",
                "ACQUIRE_LEASE",
                "RENEW_LEASES",
                "HOLD_LEASE",
                "FORGET",
                "UNREGISTER",
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
        except UNREACHABLE as exc:
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
            raise FallBack from exc

    async def quietly(self, script: str, keys: list[str], args: list[Any]) -> None:
        """Run a clean-up script, shielded; if Redis is gone, what it cleans expires."""
        with anyio.CancelScope(shield=True), contextlib.suppress(*UNREACHABLE):
            await self.scripts[script](keys=keys, args=args)


async def either(
    shared: Shared, remote: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
) -> tuple[T, bool]:
    """Run ``remote`` if Redis is usable, else (or on failure, if allowed) ``local``."""
    if shared.usable():
        try:
            return await remote(), True
        except FallBack:
            pass
    elif shared.on_unavailable == "fail":
        raise GovernorUnavailableError("the shared governor's Redis is unreachable")
    return await local(), False


async def undone_if_cancelled(undo: Callable[[], Awaitable[Any]]) -> None:
    """After a grant in Redis: if the caller was cancelled meanwhile, undo it, and re-raise.

    The script that grants runs shielded: cancelled half-way, its answer would be lost
    while Redis has granted, and the token (held for minutes) or the slot (``lease_ttl``)
    would be gone for every process until it expired.
    """
    try:
        await anyio.lowlevel.checkpoint_if_cancelled()
    except BaseException:
        with anyio.CancelScope(shield=True), contextlib.suppress(*UNREACHABLE):
            await undo()
        raise


async def in_turn(
    shared: Shared,
    lanes: Lanes,
    rank: int,
    registry: str,
    look: Callable[[bool], Awaitable[float | None]],
) -> None:
    """Wait for ``rank``'s turn among this process's callers, then ``look`` in Redis until
    it grants (returns None); between looks, sleep as long as it says.

    ``look(more)`` is told whether more callers of this level wait here (its script keeps
    the level registered for them).  When the last caller of a registered level here
    gives up, its entry in ``registry`` (``twait`` or ``lwait``) goes.
    """
    waiter = lanes.join(rank)
    try:
        while True:
            until = math.inf
            if lanes.head() is waiter:
                wait = await look(lanes.waiting(rank) > 1)
                if wait is None:
                    break
                until = anyio.current_time() + wait
            await lanes.wait(waiter, until)
    except BaseException as exc:
        lanes.leave(waiter)
        # Redis gone: the entry expires there within a second, and a clean-up could
        # wait out a connect timeout.
        gone = isinstance(exc, (FallBack, GovernorUnavailableError))
        if rank < REGISTERED_RANKS and not lanes.waiting(rank) and not gone:
            key = shared.key(f"{registry}:{rank}")
            await shared.quietly("UNREGISTER", [key], [shared.member])
        raise
    lanes.leave(waiter)  # granted: the next head looks at once
