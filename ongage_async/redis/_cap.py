"""The in-flight cap as leases in Redis: the same levels and reserve as in one process.

Each slot is a lease with an expiry: a killed worker's slots come back by themselves
after ``lease_ttl``, and a live worker renews its leases while a long call runs; a call
cut short on the wire keeps its lease while the server may still run it (see
``ConcurrencyCap``).  A high call's lease is also in the high lane (``hleases``) while
its call runs: the other levels leave free as many reserved slots as high calls are not
using, as in :class:`~ongage_async.governor.LocalConcurrencyCap`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio

from .._concurrency import CapLimits, CapStatistics, LocalConcurrencyCap, SlotHold, remember
from .._exceptions import FallBack, GovernorUnavailableError
from .._lanes import Lanes
from .._priority import Priority, rank_of
from ._shared import (
    UNREACHABLE,
    Shared,
    either,
    in_turn,
    logger,
    undone_if_cancelled,
)

__all__ = ["RedisConcurrencyCap"]


class _LeaseHold:
    """A cancelled call's lease, kept in Redis until ``until`` (implements ``SlotHold``)."""

    __slots__ = ("_cap", "_lease", "released", "until")

    def __init__(self, cap: RedisConcurrencyCap, lease: str, until: float) -> None:
        self._cap = cap
        self._lease = lease
        self.until = until
        self.released = False

    @property
    def active(self) -> bool:
        return not self.released and self.until > anyio.current_time()

    async def release(self) -> None:
        if not self.released:
            self.released = True
            await self._cap._drop(self._lease)


class _Lease:
    """One slot: a lease in Redis, or a slot of the local fallback share.

    No task group here: the caller's block runs in the caller's task, and its exception
    comes out as it was raised (a task group would wrap it in an ``ExceptionGroup``, and
    no ``except NotFoundError`` or retry would see it).  Leases are renewed by the cap's
    one renewer task for all of them.
    """

    __slots__ = ("_cap", "_fallback", "_id", "_in_redis", "_rank")

    def __init__(self, cap: RedisConcurrencyCap, priority: Priority) -> None:
        self._cap = cap
        self._rank = rank_of(priority)
        self._id = uuid.uuid4().hex
        self._fallback: Any = cap._fallback.slot(priority)
        self._in_redis: bool  # set by __aenter__: a lease in Redis, or a fallback slot

    async def __aenter__(self) -> None:
        cap = self._cap

        async def remote() -> None:
            await cap._acquire(self._id, self._rank)

        async def local() -> None:
            await self._fallback.__aenter__()

        _, self._in_redis = await either(cap._shared, remote, local)
        if self._in_redis:
            cap._renew_while_held(self._id)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._in_redis:
            self._cap._live.discard(self._id)
            await self._cap._drop(self._id)
        else:
            await self._fallback.__aexit__(None, None, None)

    async def hold(self, until: float) -> SlotHold:
        """Instead of ``__aexit__``: keep the slot until ``until`` (see ``ConcurrencyCap``).

        In Redis the lease's expiry becomes ``until``, so every process counts it until
        then, and it goes away by itself, as a dead worker's does.
        """
        if not self._in_redis:
            held: SlotHold = await self._fallback.hold(until)
            return held
        cap = self._cap
        cap._live.discard(self._id)  # no longer renewed
        seconds = until - anyio.current_time()
        unavailable = (*UNREACHABLE, GovernorUnavailableError, FallBack)
        with anyio.CancelScope(shield=True), contextlib.suppress(*unavailable):
            # If Redis is gone, the lease expires there within lease_ttl on its own.
            await cap._shared.run("HOLD_LEASE", cap._keys[:2], [self._id, max(0.0, seconds)])
        kept = _LeaseHold(cap, self._id, until)
        remember(cap._holds, kept)
        return kept


class RedisConcurrencyCap(CapLimits):
    """The in-flight cap as leases in Redis (a :class:`~ongage_async.governor.ConcurrencyCap`).

    A live worker renews its leases: one renewer task per cap renews every lease it
    holds in one script call every ``lease_ttl / 3`` seconds, and stops when none is
    held.  It runs on asyncio, as redis-py's asyncio client does.
    """

    def __init__(
        self,
        shared: Shared,
        max_concurrency: int,
        lease_ttl: float,
        fallback: LocalConcurrencyCap,
        *,
        reserve: int = 0,
    ) -> None:
        self._shared = shared
        self._max = max_concurrency
        self._ttl = lease_ttl
        self._fallback = fallback
        self._reserve = reserve
        self._lanes = Lanes()
        key = shared.key
        self._keys = [key("leases"), key("hleases"), key("lwait:0"), key("lwait:1")]
        self._live: set[str] = set()  # the leases this process holds and renews
        self._holds: set[SlotHold] = set()  # its leases kept for calls cut short
        #: The task renewing the live leases (once done, the next lease starts another).
        self._renewer: asyncio.Task[None] | None = None

    def slot(self, priority: Priority = "normal") -> AbstractAsyncContextManager[Any]:
        return _Lease(self, priority)

    def statistics(self) -> CapStatistics:
        """This process's slots: its leases (live and held) and its fallback share's.

        Every process's leases are in Redis: ``RedisGovernor.shared_statistics()``.
        """
        local = self._fallback.statistics()
        held = sum(1 for hold in self._holds if hold.active) if self._holds else 0
        return CapStatistics(
            max_concurrency=self._max,
            reserve=self._reserve,
            in_use=len(self._live) + held + local.in_use,
            held=held + local.held,
            waiting=len(self._lanes) + local.waiting,
        )

    async def _acquire(self, lease: str, rank: int) -> None:
        args = [self._max, lease, self._ttl, rank, self._reserve, self._shared.member]
        delay = 0.001

        async def look(more: bool) -> float | None:
            nonlocal delay
            with anyio.CancelScope(shield=True):  # see undone_if_cancelled
                granted = await self._shared.run("ACQUIRE_LEASE", self._keys, [*args, int(more)])
            if granted:
                return None
            # Slots free up as answers arrive (every few ms under load): look again soon.
            wait, delay = delay, min(delay * 2, 0.01)
            return wait

        await in_turn(self._shared, self._lanes, rank, "lwait", look)
        await undone_if_cancelled(lambda: self._drop(lease))

    async def _drop(self, lease: str) -> None:
        # Shielded: a cancelled call must still give its slot back (else it expires).
        await self._shared.quietly("FORGET", self._keys[:2], [lease])
        self._lanes.wake()  # a waiting caller here may look again at once

    def _renew_while_held(self, lease: str) -> None:
        self._live.add(lease)
        loop = asyncio.get_running_loop()
        renewer = self._renewer
        if renewer is None or renewer.done() or renewer.get_loop() is not loop:
            # Not in a task group of the caller's: see _Lease.
            self._renewer = loop.create_task(self._renew())

    async def _renew(self) -> None:
        """Renew every live lease every ``lease_ttl / 3`` seconds, while there is one."""
        while self._live:
            await asyncio.sleep(self._ttl / 3)
            leases = list(self._live)
            if not leases:
                break
            try:
                await self._shared.run("RENEW_LEASES", self._keys[:2], [self._ttl, *leases])
            except Exception as exc:  # the leases expire on their own; never crash a loop
                logger.warning("could not renew the governor's leases in Redis: %r", exc)

    async def aclose(self) -> None:
        """Stop the renewer (the leases it renewed expire on their own)."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None and not renewer.done():
            renewer.cancel()
            # Wait until it has stopped.  Not ``await renewer``: the CancelledError thrown
            # here would hide the callers' next lines from coverage on Python 3.11
            # (coveragepy#2124), and so their tests from `nox -s mutants`.
            await asyncio.wait([renewer])
