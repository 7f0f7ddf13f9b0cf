"""The governor: one account's budget and in-flight cap, shared by every call.

It pairs a :class:`~ongage_async.RateBudget` (how many calls may *start* per window)
with a :class:`~ongage_async.ConcurrencyCap` (how many may be *in flight*), keeps the
counters operators want, and turns a 429 into a pause for every caller, because the
budget belongs to the account and one 429 means all of us were too fast.

The order inside :meth:`Governor.call` matters: the slot is taken first and the
budget token last, just before the request is sent, so the token's time is the
send time.  Taking the token first and then queueing for a slot would let the real
send drift later than the budget believes, and the server would see a burst.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
import attrs

from ._budget import BudgetSnapshot, RateBudget, SlidingWindowBudget
from ._concurrency import ConcurrencyCap, LocalConcurrencyCap

__all__ = ["Governor", "GovernorStats"]


@attrs.frozen
class GovernorStats:
    """A snapshot of the governor's counters."""

    calls_started: int
    in_flight: int
    peak_in_flight: int
    waiting: int
    rate_limited: int
    retries: int
    wait_time: float
    budget: BudgetSnapshot


class _Attempt:
    """One attempt's hold on the governor: a slot first, then a token (see the module).

    A small class rather than a generator-based context manager: it is on every call's
    path, and each exit path (error, cancellation) releases exactly what was taken.
    """

    __slots__ = ("_governor", "_slot", "_spend")

    def __init__(self, governor: Governor) -> None:
        self._governor = governor
        self._slot = governor.cap.slot()
        self._spend = governor.budget.spend()

    async def __aenter__(self) -> None:
        gov = self._governor
        queued_at = anyio.current_time()
        gov._waiting += 1
        try:
            await self._slot.__aenter__()
            try:
                await self._spend.__aenter__()
            except BaseException:
                await self._slot.__aexit__(None, None, None)
                raise
        finally:
            gov._waiting -= 1
        gov._wait_time += anyio.current_time() - queued_at
        gov._started += 1
        gov._in_flight += 1
        gov._peak = max(gov._peak, gov._in_flight)

    async def __aexit__(self, *exc_info: Any) -> None:
        self._governor._in_flight -= 1
        try:
            await self._spend.__aexit__(*exc_info)
        finally:
            await self._slot.__aexit__(*exc_info)


class Governor:
    """Gatekeeper for one Ongage account: budget + in-flight cap + pause + counters."""

    def __init__(self, budget: RateBudget, cap: ConcurrencyCap) -> None:
        self.budget = budget
        self.cap = cap
        self._started = 0
        self._in_flight = 0
        self._peak = 0
        self._waiting = 0
        self._rate_limited = 0
        self._retries = 0
        self._wait_time = 0.0

    @classmethod
    def local(
        cls, rate_limit: int = 300, rate_period: float = 60.0, max_concurrency: int = 10
    ) -> Governor:
        """The default in-process governor."""
        budget = SlidingWindowBudget(rate_limit, rate_period)
        return cls(budget, LocalConcurrencyCap(max_concurrency))

    def call(self) -> AbstractAsyncContextManager[None]:
        """Wait for a slot and a token, then hold both while one attempt runs."""
        return _Attempt(self)

    def rate_limited(self, pause: float) -> None:
        """Record a 429 and pause every caller for ``pause`` seconds."""
        self._rate_limited += 1
        self.budget.pause(pause)

    def retrying(self) -> None:
        """Record that an attempt is being retried."""
        self._retries += 1

    def stats(self) -> GovernorStats:
        """The counters as a frozen snapshot."""
        return GovernorStats(
            calls_started=self._started,
            in_flight=self._in_flight,
            peak_in_flight=self._peak,
            waiting=self._waiting,
            rate_limited=self._rate_limited,
            retries=self._retries,
            wait_time=self._wait_time,
            budget=self.budget.snapshot(),
        )
