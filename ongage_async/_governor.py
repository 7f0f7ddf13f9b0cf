"""The governor: one account's budget and in-flight cap, shared by every call.

It pairs a :class:`~ongage_async.governor.RateBudget` (how many calls may *start* per window)
with a :class:`~ongage_async.governor.ConcurrencyCap` (how many may be *in flight*), keeps the
counters operators want, and turns a 429 into a pause for every caller, because the
budget belongs to the account and one 429 means all of us were too fast.

The order inside :meth:`Governor.call` matters: the slot is taken first and the
budget token last, just before the request is sent, so the token's time is the
send time.  Taking the token first and then queueing for a slot would let the real
send drift later than the budget believes, and the server would see a burst.

A call cancelled after its request went out may still run on the server: its attempt
can keep its slot past its end (:meth:`Attempt.keep_slot`), counted as ``held``.

Each attempt has a priority level (``_priority``): the cap and the budget serve their
waiting lines highest level first, and keep their reserve for ``"high"`` calls.

A governor outlives an event loop run (``anyio.run`` twice, a test per run).  trio
starts each run's clock at a new random offset, so on its first use in a new run the
budget's times are moved onto the new clock: the calls of the last run still count, as
they do for the server.  A governor cannot move between asyncio and trio (its locks
belong to one library); it says so instead of failing obscurely.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import weakref
from collections.abc import Callable, Mapping, MutableSet
from typing import Any, NamedTuple, TypeVar

import anyio
import attrs

from ._budget import BudgetStatistics, RateBudget, SlidingWindowBudget
from ._concurrency import (
    CapStatistics,
    ConcurrencyCap,
    LocalConcurrencyCap,
    SlotHold,
    remember,
)
from ._exceptions import ConfigurationError
from ._priority import PRIORITIES, Priority, Reserve, as_reserve, rank_of
from ._retry import RetryEvent

__all__ = ["Attempt", "Governor", "GovernorStatistics"]

T = TypeVar("T")


@attrs.frozen(repr=False)
class GovernorStatistics:
    """A snapshot of the governor's counters.

    Its repr reads as a sentence (`<GovernorStatistics: 120 calls started, 3 in flight (peak
    10), ...>`); the fields hold the numbers.
    """

    calls_started: int
    in_flight: int
    peak_in_flight: int
    waiting: int
    rate_limited: int
    retries: int
    wait_time: float
    budget: BudgetStatistics
    #: Slots kept for cancelled calls that may still run on the server (not in flight).
    held: int = 0
    #: Callers waiting at each level, highest first: ``{"high": 0, "normal": 3, "low": 900}``.
    waiting_by_priority: Mapping[str, int] = attrs.field(factory=dict, hash=False)

    def __repr__(self) -> str:
        parts = [
            f"{self.calls_started} calls started",
            f"{self.in_flight} in flight (peak {self.peak_in_flight})",
            f"{self.waiting} waiting",
            f"{self.rate_limited} x 429",
            f"{self.retries} retries",
            f"{self.wait_time:.1f} s spent waiting",
        ]
        if self.held:
            parts.append(f"{self.held} slots held for cancelled calls")
        return f"<GovernorStatistics: {', '.join(parts)}; budget {self.budget.describe()}>"


@attrs.define
class Counters:
    """What the governor counts, changed only through these methods (an `Attempt`'s
    way in and out, a 429, a retry), read by `Governor.statistics()`."""

    started: int = 0
    in_flight: int = 0
    peak: int = 0
    waiting: int = 0
    rate_limited: int = 0
    retries: int = 0
    wait_time: float = 0.0
    waiting_at: list[int] = attrs.field(factory=lambda: [0] * len(PRIORITIES))

    def queue(self, rank: int) -> None:
        """A caller of level ``rank`` starts to wait for a slot and a token."""
        self.waiting += 1
        self.waiting_at[rank] += 1

    def unqueue(self, rank: int) -> None:
        """It stops waiting: admitted, refused or cancelled."""
        self.waiting -= 1
        self.waiting_at[rank] -= 1

    def admit(self, waited: float) -> None:
        """An attempt got its slot and its token after ``waited`` seconds."""
        self.wait_time += waited
        self.started += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def finish(self) -> None:
        """An admitted attempt ended, however."""
        self.in_flight -= 1


class Attempt:
    """One attempt's hold on the governor: a slot first, then a token (see the module).

    A small class rather than a generator-based context manager: it is on every call's
    path, and each exit path (error, cancellation) releases exactly what was taken.
    """

    __slots__ = ("_governor", "_keep", "_rank", "_slot", "_spend")

    def __init__(self, governor: Governor, priority: Priority = "normal") -> None:
        self._governor = governor
        self._rank = rank_of(priority)  # also refuses a level that is none
        self._slot = governor._slot_for(priority)
        self._spend = governor._spend_for(priority)
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
        counters = gov.counters
        counters.queue(self._rank)
        try:
            await self._slot.__aenter__()
            try:
                await self._spend.__aenter__()
            except BaseException:
                await self._slot.__aexit__(None, None, None)
                raise
        finally:
            counters.unqueue(self._rank)
        counters.admit(anyio.current_time() - queued_at)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._governor.counters.finish()
        try:
            await self._spend.__aexit__(*exc_info)
        finally:
            hold = getattr(self._slot, "hold", None)
            if self._keep is None or hold is None:
                await self._slot.__aexit__(*exc_info)
            else:
                until, owner = self._keep
                held: SlotHold = await hold(until)
                if owner is not None:
                    remember(owner, held)


class Governor:
    """Gatekeeper for one Ongage account: budget + in-flight cap + pause + counters."""

    def __init__(self, budget: RateBudget, cap: ConcurrencyCap) -> None:
        self.budget = budget
        self.cap = cap
        # A third-party budget or cap may predate priorities: it then serves all alike.
        self._spend_for = _by_priority(budget.spend)
        self._slot_for = _by_priority(cap.slot)
        #: The counters `statistics()` reports; an `Attempt` moves them as it goes.
        self.counters: Counters = Counters()
        self._cap_statistics: Callable[[], CapStatistics] | None = getattr(cap, "statistics", None)
        self._last_run: _Run | None = None  # the last event loop run that used it

    @classmethod
    def local(
        cls,
        rate_limit: int = 300,
        rate_period: float = 60.0,
        max_concurrency: int = 10,
        *,
        reserve: Reserve | None = Reserve(),  # noqa: B008 (a frozen value)
        pace_low: bool = False,
    ) -> Governor:
        """The default in-process governor.

        ``reserve``: what only ``"high"`` calls may use (None: nothing is kept back).
        ``pace_low``: spread ``"low"`` calls evenly over the window (see
        :class:`~ongage_async.governor.SlidingWindowBudget`).
        """
        kept = as_reserve(reserve)
        if not isinstance(pace_low, bool):
            raise ConfigurationError(f"pace_low must be True or False, not {pace_low!r:.40}")
        budget = SlidingWindowBudget(
            rate_limit,
            rate_period,
            reserve=kept.calls(rate_limit) if isinstance(rate_limit, int) else 0,
            pace_low=pace_low,
        )
        cap = LocalConcurrencyCap(
            max_concurrency,
            reserve=kept.slots_of(max_concurrency) if isinstance(max_concurrency, int) else 0,
        )
        return cls(budget, cap)

    def call(self, priority: Priority = "normal") -> Attempt:
        """Wait for a slot and a token, then hold both while one attempt runs.

        ``priority`` places the attempt in the waiting lines ("high" first, FIFO within
        a level) and decides whether it may use the reserve (``"high"`` only).
        """
        return Attempt(self, priority)

    def ready_in(self, priority: Priority = "normal") -> float:
        """Seconds before a call of ``priority`` asking now could get a token, at best.

        The deadline check refuses at once a call that cannot start in time.  A budget
        that can tell (``SlidingWindowBudget.earliest``) counts the callers waiting ahead
        and the reserve; for another, it is when the next token frees up, or the pause.
        """
        self._follow_run()
        earliest = getattr(self.budget, "earliest", None)
        if earliest is not None:
            return float(earliest(priority))
        budget = self.budget.statistics()
        needed = budget.paused_for
        if budget.available == 0 and budget.next_free_in is not None:
            needed = max(needed, budget.next_free_in)
        return needed

    async def record_rate_limit(self, pause: float) -> None:
        """Record a 429 and pause every caller for ``pause`` seconds."""
        self.counters.rate_limited += 1
        self._follow_run()
        await self.budget.pause(pause)

    def record_retry(self, event: RetryEvent | None = None) -> None:
        """Count a retry: the governor's hook on every client's retries (`RetryEvent`)."""
        self.counters.retries += 1

    def statistics(self) -> GovernorStatistics:
        """The counters as a frozen snapshot."""
        counters = self.counters
        return GovernorStatistics(
            calls_started=counters.started,
            in_flight=counters.in_flight,
            peak_in_flight=counters.peak,
            waiting=counters.waiting,
            rate_limited=counters.rate_limited,
            retries=counters.retries,
            wait_time=counters.wait_time,
            budget=self.budget_statistics(),
            held=self._cap_statistics().held if self._cap_statistics is not None else 0,
            waiting_by_priority={
                level: counters.waiting_at[rank] for rank, level in enumerate(PRIORITIES)
            },
        )

    def budget_statistics(self) -> BudgetStatistics:
        """The budget's state now, on this event loop run's clock."""
        self._follow_run()
        return self.budget.statistics()

    def _follow_run(self) -> None:
        """On the first use in a new event loop run, move the budget onto its clock."""
        run = _current_run()
        last = self._last_run
        if run is None or (last is not None and last.run() is run):
            return
        library = "asyncio" if isinstance(run, asyncio.AbstractEventLoop) else "trio"
        offset = anyio.current_time() - time.perf_counter()
        if last is not None:
            if library != last.library:
                raise ConfigurationError(
                    "a Governor (and an OngageClient, which owns one) works under one event "
                    f"loop library: this one was used under {last.library}; make another "
                    f"for {library}"
                )
            if isinstance(self.budget, SlidingWindowBudget):
                self.budget.shift_clock(offset - last.clock_offset)
            if isinstance(self.cap, LocalConcurrencyCap):
                self.cap.shift_clock(offset - last.clock_offset)  # its held slots' times
        self._last_run = _Run(weakref.ref(run), library, offset)


class _Run(NamedTuple):
    """An event loop run that used a governor."""

    run: weakref.ref[Any]
    library: str  # "asyncio" or "trio"
    clock_offset: float  # anyio.current_time() - time.perf_counter() in that run


def _by_priority(method: Callable[..., T]) -> Callable[[Priority], T]:
    """``method(priority=...)`` if it takes a level, else ``method()`` whatever the level."""
    try:
        parameters = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):  # no signature to read (a builtin): assume not
        parameters = []
    if not any(p.name == "priority" for p in parameters):
        return lambda _priority: method()
    first = parameters[0]
    if first.name == "priority" and first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
        return method  # ours: no wrapper on every call's path
    return lambda priority: method(priority=priority)


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
