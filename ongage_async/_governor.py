"""The governor: one account's budget and in-flight cap, shared by every call.

It pairs a :class:`~ongage_async.RateBudget` (how many calls may *start* per window)
with a :class:`~ongage_async.ConcurrencyCap` (how many may be *in flight*), keeps the
counters operators want, and turns a 429 into a pause for every caller, because the
budget belongs to the account and one 429 means all of us were too fast.

The order inside :meth:`Governor.call` matters: the slot is taken first and the
budget token last, just before the request is sent, so the token's time is the
send time.  Taking the token first and then queueing for a slot would let the real
send drift later than the budget believes, and the server would see a burst.

A call cancelled after its request went out may still run on the server: its attempt
can keep its slot past its end (:meth:`Attempt.keep_slot`), counted as ``held``.

A governor outlives an event loop run (``anyio.run`` twice, a test per run).  trio
starts each run's clock at a new random offset, so on its first use in a new run the
budget's times are moved onto the new clock: the calls of the last run still count, as
they do for the server.  A governor cannot move between asyncio and trio (its locks
belong to one library); it says so instead of failing obscurely.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import MutableSet
from typing import Any

import anyio
import attrs

from ._budget import BudgetSnapshot, RateBudget, SlidingWindowBudget
from ._concurrency import ConcurrencyCap, LocalConcurrencyCap, SlotHold
from ._errors import ConfigurationError

__all__ = ["Attempt", "Governor", "GovernorStats"]


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
    #: Slots kept for cancelled calls that may still run on the server (not in flight).
    held: int = 0


class Attempt:
    """One attempt's hold on the governor: a slot first, then a token (see the module).

    A small class rather than a generator-based context manager: it is on every call's
    path, and each exit path (error, cancellation) releases exactly what was taken.
    """

    __slots__ = ("_governor", "_keep", "_slot", "_spend")

    def __init__(self, governor: Governor) -> None:
        self._governor = governor
        self._slot = governor.cap.slot()
        self._spend = governor.budget.spend()
        self._keep: tuple[float, MutableSet[SlotHold] | None] | None = None

    def keep_slot(self, until: float, owner: MutableSet[SlotHold] | None = None) -> None:
        """At the exit, keep the slot until ``until`` instead of freeing it.

        For a call cancelled while the server may still be running it.  The hold is
        added to ``owner`` (so whoever owns the connection can release it early).  A cap
        whose slots cannot be held frees the slot at once.
        """
        self._keep = (until, owner)

    async def __aenter__(self) -> Attempt:
        gov = self._governor
        gov._follow_run()
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
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._governor._in_flight -= 1
        try:
            await self._spend.__aexit__(*exc_info)
        finally:
            hold = getattr(self._slot, "hold", None) if self._keep is not None else None
            if hold is None or self._keep is None:
                await self._slot.__aexit__(*exc_info)
            else:
                until, owner = self._keep
                held: SlotHold = await hold(until)
                _remember(self._governor._holds, held)
                if owner is not None:
                    _remember(owner, held)


def _prune(holds: MutableSet[SlotHold]) -> None:
    for hold in [hold for hold in holds if not hold.active]:
        holds.discard(hold)


def _remember(holds: MutableSet[SlotHold], hold: SlotHold) -> None:
    _prune(holds)  # only cancelled calls get here: the sets stay small
    holds.add(hold)


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
        self._holds: set[SlotHold] = set()
        # The last event loop run that used this governor, its library and clock offset
        # (anyio.current_time() - time.perf_counter()).
        self._run: weakref.ref[Any] | None = None
        self._library = ""
        self._clock_offset = 0.0

    @classmethod
    def local(
        cls, rate_limit: int = 300, rate_period: float = 60.0, max_concurrency: int = 10
    ) -> Governor:
        """The default in-process governor."""
        budget = SlidingWindowBudget(rate_limit, rate_period)
        return cls(budget, LocalConcurrencyCap(max_concurrency))

    def call(self) -> Attempt:
        """Wait for a slot and a token, then hold both while one attempt runs."""
        return Attempt(self)

    def _held(self) -> int:
        """How many slots are kept for cancelled calls now (forgetting those that ended)."""
        _prune(self._holds)
        return len(self._holds)

    def rate_limited(self, pause: float) -> None:
        """Record a 429 and pause every caller for ``pause`` seconds."""
        self._rate_limited += 1
        self._follow_run()
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
            budget=self.budget_snapshot(),
            held=self._held() if self._holds else 0,
        )

    def budget_snapshot(self) -> BudgetSnapshot:
        """The budget's state now, on this event loop run's clock."""
        self._follow_run()
        return self.budget.snapshot()

    def _follow_run(self) -> None:
        """On the first use in a new event loop run, move the budget onto its clock."""
        run = _current_run()
        if run is None or (self._run is not None and self._run() is run):
            return
        library = "asyncio" if isinstance(run, asyncio.AbstractEventLoop) else "trio"
        if self._library and library != self._library:
            raise ConfigurationError(
                "a Governor (and an OngageClient, which owns one) works under one event "
                f"loop library: this one was used under {self._library}; make another "
                f"for {library}"
            )
        offset = anyio.current_time() - time.perf_counter()
        if self._run is not None and isinstance(self.budget, SlidingWindowBudget):
            self.budget.shift_clock(offset - self._clock_offset)
        if self._run is not None and isinstance(self.cap, LocalConcurrencyCap):
            self.cap.shift_clock(offset - self._clock_offset)  # its held slots' times
        self._run, self._library, self._clock_offset = weakref.ref(run), library, offset


def _current_run() -> object | None:
    """The event loop run this is in: the asyncio loop, or trio's token for this run."""
    loop = asyncio.events._get_running_loop()
    if loop is not None:
        return loop
    try:
        import trio  # anyio's other backend: with no asyncio loop, it is trio or nothing

        return trio.lowlevel.current_trio_token()
    except (ImportError, RuntimeError):
        return None
