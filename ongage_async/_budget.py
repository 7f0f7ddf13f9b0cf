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

import bisect
import heapq
import itertools
import math
from collections import deque
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

import anyio
import attrs

from ._exceptions import ConfigurationError
from ._lanes import Entry, Lanes
from ._priority import Priority, rank_of
from ._validation import non_negative_int

__all__ = ["BudgetStatistics", "RateBudget", "SlidingWindowBudget", "BudgetLimits"]


@attrs.frozen
class BudgetStatistics:
    """The budget's state at one moment."""

    limit: int
    period: float
    available: int
    in_use: int
    next_free_in: float | None
    paused_for: float
    #: Tokens only ``"high"`` calls may take (see :class:`~ongage_async.Reserve`).
    reserved: int = 0

    def describe(self) -> str:
        """The snapshot as a phrase: `"250 of 300 calls free per 60 s, paused 12.0 s"`."""
        text = f"{self.available} of {self.limit} calls free per {self.period:g} s"
        if self.reserved:
            text += f" ({self.reserved} reserved for high priority)"
        if self.paused_for > 0:
            text += f", paused {self.paused_for:.1f} s"
        elif self.available == 0 and self.next_free_in is not None:
            text += f", next call in {self.next_free_in:.1f} s"
        return text


class BudgetLimits:
    """What a budget was made with, read-only: `limit` calls per `period`, `reserve`."""

    _limit: int
    _period: float
    _reserve: int

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def period(self) -> float:
        return self._period

    @property
    def reserve(self) -> int:
        return self._reserve


@runtime_checkable
class RateBudget(Protocol):
    """What the governor needs from a rate budget; a distributed store can implement it.

    ``spend`` may also take the call's level, ``spend(priority="normal")``: the governor
    passes it when the method's signature has a ``priority`` parameter, and a budget
    without one serves every level alike.
    """

    @property
    def limit(self) -> int: ...

    @property
    def period(self) -> float: ...

    def spend(self) -> AbstractAsyncContextManager[None]:
        """Wait for a token, hold it while the call runs, and let it cool afterwards."""
        ...

    async def pause(self, seconds: float) -> None:
        """Hand out no token for ``seconds`` (after a 429: the budget is the account's).

        Async, so a shared budget can tell every process before it returns.
        """
        ...

    def statistics(self) -> BudgetStatistics: ...


class _Spend(Entry["SlidingWindowBudget"]):
    """Holds one token for one call (a small class: this is on every call's path)."""

    __slots__ = ()

    async def __aexit__(self, *exc_info: object) -> None:
        # Also on error or cancellation: the request may have reached the server.
        self._of._give_back(anyio.current_time(), self._rank)


def _count(value: object, name: str, below: int) -> int:
    count = non_negative_int(value, name=name, error=ConfigurationError)
    if count >= below:
        raise ConfigurationError(f"{name} must be an int, 0 <= {name} < {below}, not {value!r}")
    return count


class SlidingWindowBudget(BudgetLimits):
    """A strict sliding-window budget for one process (works under asyncio and trio).

    ``reserve`` tokens of every window are the ``"high"`` calls' lane: while high calls
    hold (or cool) fewer than ``reserve`` tokens, the other levels leave the difference
    free, so a high call finds a token at once; high calls beyond the reserve share the
    rest, first in line.  So the other levels start at least ``limit - max(reserve, H)``
    calls a window, H being the high calls of that window.

    ``pace_low=True`` spreads ``"low"`` calls evenly, one every ``period / limit`` seconds
    at most, instead of letting them burst at the start of a window: tokens stay free
    between them for the other levels.
    """

    def __init__(
        self,
        limit: int = 300,
        period: float = 60.0,
        *,
        reserve: int = 0,
        pace_low: bool = False,
    ) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be a positive int, not {limit!r}")
        if not isinstance(period, (int, float)) or not period > 0 or math.isinf(period):
            raise ValueError(f"period must be a positive number of seconds, not {period!r}")
        self._limit = limit
        self._period = float(period)
        self._reserve = _count(reserve, "reserve", limit)
        self._free = limit  # tokens never used, or cooled and collected by _collect
        # When each cooling token is free again, oldest first, for high calls' tokens
        # [0] and the others' [1].
        self._cooling: tuple[deque[float], deque[float]] = (deque(), deque())
        self._in_use = [0, 0]  # tokens held by calls in flight: high, others
        self._paused_until = -math.inf
        self._pace = self._period / limit if pace_low else 0.0
        self._paced_until = -math.inf  # no low call takes a token before this
        self._lanes = Lanes()

    def _collect(self, now: float) -> None:
        for cooling in self._cooling:
            while cooling and cooling[0] <= now:
                cooling.popleft()
                self._free += 1

    def _kept(self) -> int:
        """Tokens the other levels must leave free: the high lane's unused part."""
        return max(0, self._reserve - self._in_use[0] - len(self._cooling[0]))

    def _take(self, now: float, rank: int) -> float | None:
        """Take a token at ``now`` for a call of ``rank``, or return when to look again."""
        if now < self._paused_until:
            return self._paused_until
        self._collect(now)
        kept = self._kept() if rank else 0
        if self._free > kept:
            if rank == 2 and self._pace:
                if now < self._paced_until:
                    return self._paced_until
                # A waiter wakes a little after its time: keep to the schedule, or those
                # delays add up over a long job.  Later than one interval, start afresh
                # (an idle low level earns no burst).
                late = now - self._paced_until < self._pace
                self._paced_until = (self._paced_until if late else now) + self._pace
            self._free -= 1
            self._in_use[rank != 0] += 1
            return None
        return self._retry_at(rank, kept)

    def _retry_at(self, rank: int, kept: int) -> float:
        """When the head of ``rank`` may find what it needs, if no call finishes first
        (a finishing call wakes the line).  Tokens in flight are not counted."""
        high, others = self._cooling
        soonest = min(high[0] if high else math.inf, others[0] if others else math.inf)
        if not rank:
            return soonest
        if kept == 0 and self._reserve - self._in_use[0] - len(high) < 0:
            # High calls went past their lane: one of theirs cooling frees one for all.
            return soonest
        # A high call's token cooling refills the lane, not the others' share: they wait
        # for kept + 1 - free of their own.
        needed = kept - self._free
        return others[needed] if needed < len(others) else math.inf

    def _give_back(self, finished_at: float, rank: int) -> None:
        lane = rank != 0
        self._in_use[lane] -= 1
        # Tokens come back in time order, so this lands at the end, but a clock that
        # stepped back may put one earlier: the times stay sorted either way.
        bisect.insort(self._cooling[lane], finished_at + self._period)
        self._lanes.wake()

    def shift_clock(self, by: float) -> None:
        """Move every stored time ``by`` seconds: a new event loop run's clock differs."""
        high, others = self._cooling
        self._cooling = (deque(t + by for t in high), deque(t + by for t in others))
        self._paused_until += by
        self._paced_until += by

    def spend(self, priority: Priority = "normal") -> AbstractAsyncContextManager[None]:
        return _Spend(self, rank_of(priority))

    async def pause(self, seconds: float) -> None:
        # NaN and infinity are no length of time: a pause without a bound would stop
        # every call of the process for good, so they pause nothing (and one of 0 s or
        # less has ended already).  Nobody is woken: a pause only delays, and a waiter
        # finds it when it looks again at its own time.
        if math.isfinite(seconds):
            self._paused_until = max(self._paused_until, anyio.current_time() + seconds)

    def earliest(self, priority: Priority = "normal") -> float:
        """Seconds before a call of ``priority`` asking now could take a token, at best.

        It comes after everyone waiting at its level or above, and each of them takes a
        token first; a token still in flight cools at least a ``period`` from now.
        """
        now = anyio.current_time()
        self._collect(now)
        rank = rank_of(priority)
        # How many tokens must free up before this call's own: one per waiter ahead,
        # plus the high lane's unused reserve below "high", less those free now.
        needed = self._lanes.ahead(rank) - self._free
        cooling: Iterable[float]
        if rank:
            needed += self._kept()
            cooling = self._cooling[1]  # the high calls' cooling tokens refill their lane
        else:
            cooling = heapq.merge(*self._cooling)
        if needed < 0:
            wait = 0.0
        else:  # the cooling token after those, if there is one; else one in flight
            free_at = next(itertools.islice(cooling, needed, None), None)
            wait = self._period if free_at is None else free_at - now
        return max(wait, self._paused_until - now, 0.0)

    def statistics(self) -> BudgetStatistics:
        now = anyio.current_time()
        self._collect(now)
        ready = self._free
        high, others = self._cooling
        soonest = min(high[0] if high else math.inf, others[0] if others else math.inf)
        next_free = 0.0 if ready else (soonest - now if soonest < math.inf else None)
        return BudgetStatistics(
            limit=self._limit,
            period=self._period,
            available=ready,
            in_use=sum(self._in_use),
            next_free_in=next_free,
            paused_for=max(0.0, self._paused_until - now),
            reserved=self._reserve,
        )
