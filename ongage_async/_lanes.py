"""The waiting line of a budget or a cap: highest priority first, FIFO within a level.

Only the waiter at the head looks at the resource; the others sleep until they become
the head.  A resource is taken synchronously (no ``await`` between the look and the
take), so a waiter cancelled at any ``await`` took nothing, and its leaving wakes the
next head: a cancelled waiter never leaves the line stuck nor lets anyone skip it.

A newcomer of a higher level than everyone waiting does not queue: it looks at the
resource at once (and takes it if its level may), which is what "highest priority
first" means.  The head it overtook keeps its place and looks again when woken.
Nothing here knows what the resource is: the caller passes ``take(now, rank)``, which
takes it and returns None, or returns the time worth looking again (``math.inf``: only
when woken by :meth:`Lanes.wake`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import anyio

from ._priority import PRIORITIES

__all__ = ["Entry", "Lanes", "Waiter"]

#: ``take(now, rank)``: take the resource and return None, or say when to look again.
Take = Callable[[float, int], float | None]


class Waiter:
    """One caller in the line (a small class: there may be thousands)."""

    __slots__ = ("event", "rank")

    def __init__(self, rank: int) -> None:
        self.rank = rank
        self.event: anyio.Event | None = None


class Lanes:
    """One FIFO line per priority level; the head is the oldest of the highest level."""

    __slots__ = ("_lines",)

    def __init__(self) -> None:
        self._lines: tuple[deque[Waiter], ...] = tuple(deque() for _ in PRIORITIES)

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines)

    def waiting(self, rank: int) -> int:
        """How many wait at exactly ``rank``."""
        return len(self._lines[rank])

    def ahead(self, rank: int) -> int:
        """How many wait at ``rank`` or above: a newcomer at ``rank`` comes after them."""
        return sum(len(line) for line in self._lines[: rank + 1])

    def head(self) -> Waiter | None:
        for line in self._lines:
            if line:
                return line[0]
        return None

    def join(self, rank: int) -> Waiter:
        waiter = Waiter(rank)
        self._lines[rank].append(waiter)
        return waiter

    def leave(self, waiter: Waiter) -> None:
        """Take ``waiter`` out of the line; if it was the head, wake the next head."""
        was_head = self.head() is waiter
        line = self._lines[waiter.rank]
        if line and line[0] is waiter:
            line.popleft()
        else:
            line.remove(waiter)  # cancelled in the middle of the line: rare, O(n) is fine
        if was_head:
            self.wake()

    def wake(self) -> None:
        """Let the head look again (the resource changed: something was freed)."""
        head = self.head()
        if head is not None and head.event is not None:
            head.event.set()

    async def wait(self, waiter: Waiter, until: float) -> None:
        """Sleep until woken, or until ``until`` (an ``anyio.current_time()``)."""
        event = waiter.event = anyio.Event()
        if until == math.inf:
            await event.wait()
            return
        with anyio.move_on_after(until - anyio.current_time()):
            await event.wait()

    async def acquire(self, rank: int, take: Take) -> None:
        """Wait for this level's turn, then ``take`` the resource."""
        if not self.ahead(rank) and take(anyio.current_time(), rank) is None:
            return  # nobody of this level or above waits, and it was free: no trip
        waiter = self.join(rank)
        try:
            while True:
                until = math.inf
                if self.head() is waiter:
                    retry_at = take(anyio.current_time(), rank)
                    if retry_at is None:
                        self.leave(waiter)  # the next head may find something free too
                        return
                    until = retry_at
                await self.wait(waiter, until)
        except BaseException:
            self.leave(waiter)
            raise


class Laned(Protocol):
    """A resource waited for in lanes: a budget's tokens, a cap's slots."""

    _lanes: Lanes

    def _take(self, now: float, rank: int) -> float | None: ...


R = TypeVar("R", bound=Laned)


class Entry(Generic[R]):
    """One caller's way into a laned resource: its ``__aenter__`` waits in line, then
    takes; each resource's subclass gives back in ``__aexit__``.  A small class: one is
    made for every call."""

    __slots__ = ("_of", "_rank")

    def __init__(self, of: R, rank: int) -> None:
        self._of = of
        self._rank = rank

    async def __aenter__(self) -> None:
        # Cancelled while waiting: nothing was taken (it is taken without an await).
        await self._of._lanes.acquire(self._rank, self._of._take)
