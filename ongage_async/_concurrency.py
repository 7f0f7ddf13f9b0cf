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
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

import anyio

__all__ = ["ConcurrencyCap", "LocalConcurrencyCap", "SlotHold"]


@runtime_checkable
class ConcurrencyCap(Protocol):
    """What the governor needs from an in-flight cap; a distributed store can implement it.

    A slot may also have ``async def hold(until) -> SlotHold``: called *instead of* its
    ``__aexit__``, it keeps the slot taken until ``until`` (an ``anyio.current_time()``)
    or until the hold is released.  A cap whose slots lack it frees them at once.
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


class _Slot:
    """One slot of a :class:`LocalConcurrencyCap` (a small class: on every call's path)."""

    __slots__ = ("_cap",)

    def __init__(self, cap: LocalConcurrencyCap) -> None:
        self._cap = cap

    async def __aenter__(self) -> None:
        await self._cap._acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        # Also on error or cancellation: nothing awaited, so nothing can interrupt it.
        self._cap._release()

    async def hold(self, until: float) -> SlotHold:
        """Instead of ``__aexit__``: keep the slot until ``until`` or an early release."""
        hold = _Hold(self._cap, until)
        heapq.heappush(self._cap._held, hold)
        self._cap._notify()  # the waiting head must now also wake up at ``until``
        return hold


class LocalConcurrencyCap:
    """An in-process cap: a fair (FIFO) semaphore, released even on cancellation.

    Callers queue on a FIFO lock and only the head waits for a slot: it wakes when a
    slot is released or when the first held slot's time comes, whichever is first.
    """

    def __init__(self, max_concurrency: int = 10) -> None:
        if (
            not isinstance(max_concurrency, int)
            or isinstance(max_concurrency, bool)
            or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be a positive int, not {max_concurrency!r}")
        self._max = max_concurrency
        self._free = max_concurrency
        self._held: list[_Hold] = []  # heap by ``until``; early-released ones linger here
        # fast_acquire: an uncontended slot costs no trip through the event loop.
        self._lock = anyio.Lock(fast_acquire=True)
        self._wake: anyio.Event | None = None

    @property
    def max_concurrency(self) -> int:
        return self._max

    def slot(self) -> AbstractAsyncContextManager[Any]:
        return _Slot(self)

    async def _acquire(self) -> None:
        async with self._lock:
            while True:
                now = anyio.current_time()
                if self._held:
                    self._expire(now)
                if self._free:
                    # Taken without an await: a caller cancelled while waiting took nothing.
                    self._free -= 1
                    return
                wake = self._wake = anyio.Event()
                until = self._held[0].until if self._held else math.inf
                with anyio.move_on_after(until - now if until < math.inf else None):
                    await wake.wait()

    def _expire(self, now: float) -> None:
        held = self._held
        while held and (held[0].released or held[0].until <= now):
            heapq.heappop(held).free()

    def _release(self) -> None:
        self._free += 1
        self._notify()

    def shift_clock(self, by: float) -> None:
        """Move the held slots' times ``by`` seconds: a new event loop run's clock differs."""
        for hold in self._held:
            hold.until += by  # a shift keeps the heap order

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()
            self._wake = None
