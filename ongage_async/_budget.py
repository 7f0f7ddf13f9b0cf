"""The account's call budget: at most ``limit`` calls start in any ``period`` seconds.

Why not :class:`aiolimiter.AsyncLimiter` on its own: it is a leaky bucket, so with
``AsyncLimiter(300, 60)`` a full bucket lets 300 calls through at once and keeps
leaking 5 a second, about 600 calls in the first minute; a server counting a strict
sliding window answers 429 to a fifth of them.  ``AsyncLimiter(1, 0.2)`` is safe but
never bursts, and ends up ~30 % slower than the budget allows.

:class:`SlidingWindowBudget` keeps one token per allowed call.  A call takes a token
when it is sent and the token cools for ``period`` seconds *from the moment the answer
arrived*, not from the send.  The server counts a call when its whole request has
arrived, which is somewhere between our send and our receipt of the answer, so
counting from the answer makes the guarantee hold whatever the network or the body
size does, without guessing a safety margin: the margin each call leaves is exactly
its own send-to-answer time.
"""

from __future__ import annotations

import heapq
import math
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

import anyio
import attrs

__all__ = ["BudgetSnapshot", "RateBudget", "SlidingWindowBudget"]


@attrs.frozen
class BudgetSnapshot:
    """The budget's state at one moment."""

    limit: int
    period: float
    available: int
    in_use: int
    next_free_in: float | None
    paused_for: float


@runtime_checkable
class RateBudget(Protocol):
    """What the governor needs from a rate budget; a distributed store can implement it."""

    @property
    def limit(self) -> int: ...

    @property
    def period(self) -> float: ...

    def spend(self) -> AbstractAsyncContextManager[None]:
        """Wait for a token, hold it while the call runs, and let it cool afterwards."""
        ...

    def pause(self, seconds: float) -> None:
        """Hand out no token for ``seconds`` (after a 429: the budget is the account's)."""
        ...

    def snapshot(self) -> BudgetSnapshot: ...


class _Spend:
    """Holds one token for one call (a small class: this is on every call's path)."""

    __slots__ = ("_budget",)

    def __init__(self, budget: SlidingWindowBudget) -> None:
        self._budget = budget

    async def __aenter__(self) -> None:
        # Cancelled while waiting: no token was taken (it is taken without an await).
        await self._budget._acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        # Also on error or cancellation: the request may have reached the server.
        self._budget._give_back(anyio.current_time())


class SlidingWindowBudget:
    """A strict sliding-window budget for one process (works under asyncio and trio)."""

    def __init__(self, limit: int = 300, period: float = 60.0) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be a positive int, not {limit!r}")
        if not isinstance(period, (int, float)) or not period > 0 or math.isinf(period):
            raise ValueError(f"period must be a positive number of seconds, not {period!r}")
        self._limit = limit
        self._period = float(period)
        self._unused = limit
        self._cooling: list[float] = []  # heap of the times cooled tokens become free
        self._in_use = 0
        self._paused_until = -math.inf
        # FIFO lock: callers get tokens in arrival order, and only the head waits on time.
        self._lock = anyio.Lock(fast_acquire=True)
        self._wake: anyio.Event | None = None

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def period(self) -> float:
        return self._period

    def _take(self, now: float) -> float | None:
        """Take a token at ``now`` and return None, or return when to look again."""
        if now < self._paused_until:
            return self._paused_until
        if self._unused:
            self._unused -= 1
        elif self._cooling and self._cooling[0] <= now:
            heapq.heappop(self._cooling)
        else:
            # All tokens are cooling or held by calls in flight; a finishing call wakes us.
            return self._cooling[0] if self._cooling else math.inf
        self._in_use += 1
        return None

    def _give_back(self, finished_at: float) -> None:
        self._in_use -= 1
        heapq.heappush(self._cooling, finished_at + self._period)
        self._notify()

    def shift_clock(self, by: float) -> None:
        """Move every stored time ``by`` seconds: a new event loop run's clock differs."""
        self._cooling = [t + by for t in self._cooling]  # a shift keeps the heap order
        self._paused_until += by

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()
            self._wake = None

    async def _acquire(self) -> None:
        async with self._lock:
            while True:
                now = anyio.current_time()
                retry_at = self._take(now)
                if retry_at is None:
                    return
                wake = self._wake = anyio.Event()
                with anyio.move_on_after(retry_at - now if retry_at < math.inf else None):
                    await wake.wait()

    def spend(self) -> AbstractAsyncContextManager[None]:
        return _Spend(self)

    def pause(self, seconds: float) -> None:
        # NaN and infinity are no length of time: a pause without a bound would stop
        # every call of the process for good, so they pause nothing.
        if 0 < seconds < math.inf:
            self._paused_until = max(self._paused_until, anyio.current_time() + seconds)
            self._notify()

    def snapshot(self) -> BudgetSnapshot:
        now = anyio.current_time()
        ready = self._unused + sum(1 for t in self._cooling if t <= now)
        pending = [t for t in self._cooling if t > now]
        next_free = 0.0 if ready else (min(pending) - now if pending else None)
        return BudgetSnapshot(
            limit=self._limit,
            period=self._period,
            available=ready,
            in_use=self._in_use,
            next_free_in=next_free,
            paused_for=max(0.0, self._paused_until - now),
        )
