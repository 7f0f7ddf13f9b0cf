"""The cap on calls in flight (Ongage allows at most 10 API calls running in parallel).

A call cancelled after its request went out still runs on the server, which counts it
against the 10 until it is done.  Freeing its slot at once would let the next call meet
a server with one call too many running: a 429, and a pause for every caller.  So a
slot can be *held* past the end of its block, until a time the governor names (see
:meth:`Slot.hold`), or until it is released early (the client was closed).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import MutableSet
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

import anyio
import attrs

from ._lanes import Entry, Lanes
from ._priority import Priority, rank_of

__all__ = [
    "CapLimits",
    "CapStatistics",
    "ConcurrencyCap",
    "LocalConcurrencyCap",
    "SlotHold",
    "remember",
]


@attrs.frozen
class CapStatistics:
    """A cap's state now, as this process sees it: ``cap.statistics()``.

    ``in_use`` counts every slot taken here, by calls in flight and by ``held`` ones;
    ``held`` are kept for calls cut short that the server may still be running.
    """

    max_concurrency: int
    reserve: int
    in_use: int
    held: int
    waiting: int


@runtime_checkable
class ConcurrencyCap(Protocol):
    """What the governor needs from an in-flight cap; a distributed store can implement it.

    A slot may also have ``async def hold(until) -> SlotHold``: called *instead of* its
    ``__aexit__``, it keeps the slot taken until ``until`` (an ``anyio.current_time()``)
    or until the hold is released.  A cap whose slots lack it frees them at once.

    ``slot`` may also take the call's level, ``slot(priority="normal")``: the governor
    passes it when the method's signature has a ``priority`` parameter.  And a cap may
    have ``statistics() -> CapStatistics``: the governor reports its ``held`` slots.
    """

    @property
    def max_concurrency(self) -> int: ...

    def slot(self) -> AbstractAsyncContextManager[Any]:
        """Hold one of ``max_concurrency`` slots for the duration of the block."""
        ...


@runtime_checkable
class SlotHold(Protocol):
    """A slot kept for a cancelled call that may still run on the server."""

    @property
    def active(self) -> bool:
        """Whether the slot is still held (neither released nor past its time)."""
        ...

    async def release(self) -> None:
        """Free the slot now (idempotent)."""
        ...


def remember(holds: MutableSet[SlotHold], hold: SlotHold) -> None:
    """Add ``hold`` to ``holds``, forgetting those that ended (released or past their
    time).  Only calls cut short get here, so the sets stay small."""
    for ended in [kept for kept in holds if not kept.active]:
        holds.discard(ended)
    holds.add(hold)


class _Hold:
    """A held local slot: freed when its time comes (by the cap) or by :meth:`release`."""

    __slots__ = ("_cap", "released", "until")

    def __init__(self, cap: LocalConcurrencyCap, until: float) -> None:
        self._cap = cap
        self.until = until
        self.released = False

    def __lt__(self, other: _Hold) -> bool:
        return self.until < other.until

    @property
    def active(self) -> bool:
        return not self.released and self.until > anyio.current_time()

    def free(self) -> None:
        if not self.released:
            self.released = True
            self._cap._release()

    async def release(self) -> None:
        self.free()


class _Slot(Entry["LocalConcurrencyCap"]):
    """One slot of a :class:`LocalConcurrencyCap` (a small class: on every call's path)."""

    __slots__ = ()

    async def __aexit__(self, *exc_info: object) -> None:
        # Also on error or cancellation: nothing awaited, so nothing can interrupt it.
        if not self._rank:
            self._of._high_busy -= 1
        self._of._release()

    async def hold(self, until: float) -> SlotHold:
        """Instead of ``__aexit__``: keep the slot until ``until`` or an early release."""
        if not self._rank:
            self._of._high_busy -= 1  # kept, but no longer the high lane's
        hold = _Hold(self._of, until)
        heapq.heappush(self._of._held, hold)
        self._of._lanes.wake()  # the waiting head must now also wake up at ``until``
        return hold


class CapLimits:
    """What a cap was made with, read-only: `max_concurrency` slots, `reserve` of them."""

    _max: int
    _reserve: int

    @property
    def max_concurrency(self) -> int:
        return self._max

    @property
    def reserve(self) -> int:
        return self._reserve


class LocalConcurrencyCap(CapLimits):
    """An in-process cap: a fair semaphore, released even on cancellation.

    Callers wait in line, highest priority first and FIFO within a level (``_lanes``),
    and only the head waits for a slot: it wakes when a slot is released or when the
    first held slot's time comes, whichever is first.  ``reserve`` slots are the
    ``"high"`` calls' lane: the other levels leave free as many of them as high calls
    are not using, so a high call finds a slot at once while fewer than ``reserve`` run.
    """

    def __init__(self, max_concurrency: int = 10, *, reserve: int = 0) -> None:
        if (
            not isinstance(max_concurrency, int)
            or isinstance(max_concurrency, bool)
            or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be a positive int, not {max_concurrency!r}")
        if (
            not isinstance(reserve, int)
            or isinstance(reserve, bool)
            or not 0 <= reserve < max_concurrency
        ):
            raise ValueError(
                f"reserve must be an int, 0 <= reserve < max_concurrency, not {reserve!r}"
            )
        self._max = max_concurrency
        self._reserve = reserve
        self._free = max_concurrency
        self._high_busy = 0  # slots held by "high" calls in flight
        self._held: list[_Hold] = []  # heap by ``until``; early-released ones linger here
        self._lanes = Lanes()

    def slot(self, priority: Priority = "normal") -> AbstractAsyncContextManager[Any]:
        return _Slot(self, rank_of(priority))

    def _take(self, now: float, rank: int) -> float | None:
        """Take a slot for a call of ``rank`` (taken without an await: a caller cancelled
        while waiting took nothing), or return when to look again."""
        if self._held:
            self._expire(now)
        kept = max(0, self._reserve - self._high_busy) if rank else 0
        if self._free > kept:
            self._free -= 1
            if not rank:
                self._high_busy += 1
            return None
        return self._held[0].until if self._held else math.inf

    def _expire(self, now: float) -> None:
        held = self._held
        while held and (held[0].released or held[0].until <= now):
            heapq.heappop(held).free()

    def _release(self) -> None:
        self._free += 1
        self._lanes.wake()

    def statistics(self) -> CapStatistics:
        """Its slots now: taken (of them, held for cancelled calls) and its waiting line."""
        held = sum(1 for hold in self._held if hold.active) if self._held else 0
        expired = sum(1 for hold in self._held if not hold.released) - held
        return CapStatistics(
            max_concurrency=self._max,
            reserve=self._reserve,
            in_use=self._max - self._free - expired,  # a hold past its time is free
            held=held,
            waiting=len(self._lanes),
        )

    def shift_clock(self, by: float) -> None:
        """Move the held slots' times ``by`` seconds: a new event loop run's clock differs."""
        for hold in self._held:
            hold.until += by  # a shift keeps the heap order
