"""The account budget in Redis: the same sliding window, levels and reserve as in one process.

Tokens cool from each answer (a sorted set of "free again at" times), handed out by one
Lua script, so no two processes can take the last token.  A high call's token is also
in the high lane (``htokens``) while it is held and while it cools: the other levels
leave free as much of the reserve as the high calls are not using, as in
:class:`~ongage_async.governor.SlidingWindowBudget`.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio

from .._budget import BudgetLimits, BudgetStatistics, SlidingWindowBudget
from .._exceptions import FallBack, GovernorUnavailableError
from .._lanes import Lanes
from .._priority import Priority, rank_of
from ._shared import (
    Shared,
    either,
    in_turn,
    undone_if_cancelled,
)

__all__ = ["RedisRateBudget"]

#: The longest sleep between two looks: other processes free tokens too, and a waiting
#: level's entry in the registry lives a second (``_scripts``).
_LONGEST_LOOK = 0.25


class RedisRateBudget(BudgetLimits):
    """The account budget in Redis (implements :class:`~ongage_async.governor.RateBudget`)."""

    def __init__(
        self,
        shared: Shared,
        limit: int,
        period: float,
        hold: float,
        fallback: SlidingWindowBudget,
        *,
        reserve: int = 0,
        pace_low: bool = False,
    ) -> None:
        self._shared = shared
        self._limit = limit
        self._period = period
        self._hold = hold
        self._fallback = fallback
        self._reserve = reserve
        self._pace = period / limit if pace_low else 0.0
        self._last = BudgetStatistics(limit, period, limit, 0, 0.0, 0.0, reserve)
        self._lanes = Lanes()

    def _keys(self) -> list[str]:
        names = ("tokens", "pause", "htokens", "twait:0", "twait:1", "pace")
        return [self._shared.key(name) for name in names]

    async def _take(self, token: str, rank: int) -> None:
        keys = self._keys()
        args = [self._limit, token, self._hold, rank, self._reserve, self._shared.member]

        async def look(more: bool) -> float | None:
            with anyio.CancelScope(shield=True):  # see undone_if_cancelled
                granted, wait, used = await self._shared.run(
                    "ACQUIRE_TOKEN", keys, [*args, int(more), self._pace]
                )
            delay = max(0.0, float(wait))
            self._last = BudgetStatistics(
                self._limit,
                self._period,
                self._limit - int(used),
                int(used),
                delay,
                0.0,
                self._reserve,
            )
            return None if granted else min(max(delay, 0.001), _LONGEST_LOOK)

        await in_turn(self._shared, self._lanes, rank, "twait", look)
        # Nothing was sent with it: a cancelled caller gives the token back whole.
        await undone_if_cancelled(lambda: self._shared.run("FORGET", [keys[0], keys[2]], [token]))

    def spend(self, priority: Priority = "normal") -> AbstractAsyncContextManager[None]:
        return self._spend(rank_of(priority), priority)

    @asynccontextmanager
    async def _spend(self, rank: int, priority: Priority) -> AsyncIterator[None]:
        token = uuid.uuid4().hex
        fallback_cm = self._fallback.spend(priority)

        async def remote() -> None:
            await self._take(token, rank)

        async def local() -> None:
            await fallback_cm.__aenter__()

        _, in_redis = await either(self._shared, remote, local)
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                if in_redis:
                    # If Redis is gone, the token's hold expires there on its own.
                    with contextlib.suppress(GovernorUnavailableError, FallBack):
                        await self._shared.run(
                            "FINISH_TOKEN",
                            [self._shared.key("tokens"), self._shared.key("htokens")],
                            [token, self._period],
                        )
                    self._lanes.wake()  # a waiting caller here may look again
                else:
                    await fallback_cm.__aexit__(None, None, None)

    async def pause(self, seconds: float) -> None:
        """Pause this process at once, then every process through Redis."""
        await self._fallback.pause(seconds)
        if 0 < seconds < math.inf and self._shared.usable():
            with contextlib.suppress(FallBack):
                await self._shared.run("PAUSE", [self._shared.key("pause")], [seconds])

    def statistics(self) -> BudgetStatistics:
        """The state seen at this process's last look (Redis is not read here)."""
        return self._last
