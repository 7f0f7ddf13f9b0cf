"""Puts each attempt through the governor: a slot, a budget token, a pause on 429."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import attrs

from .._call import Call, Handler
from .._concurrency import SlotHold
from .._exceptions import BudgetExhaustedError, RateLimitError
from .._governor import Attempt, Governor
from .._response import Response
from .._retry import RetryPolicy, retry_after_seconds
from .._wire import CURRENT_WIRE, WireWatch
from .deadline import remaining

__all__ = ["GovernorMiddleware"]

logger = logging.getLogger("ongage_async")

#: The longest pause after a 429 for a call without a retry policy (``retry=False``):
#: the default policy's ``max_delay``, the longest wait Ongage's advice ever asks for.
_MAX_PAUSE_WITHOUT_POLICY = RetryPolicy().max_delay
#: How long a cancelled call's slot is kept when neither a read timeout nor an attempt
#: limit says more: the client's default attempt limit (2 x the default 30 s timeout).
_LONGEST_HOLD = 60.0


@attrs.frozen
class GovernorMiddleware:
    """Holds a governor slot and token for exactly one attempt.

    It sits *inside* the retry middleware: every attempt spends budget (the server
    counts it), and a back-off sleep holds no slot.  A 429 pauses the whole governor
    for the server's ``Retry-After`` or, lacking one, ``pause_on_429`` seconds (one
    rate period by default: by then the server's window holds none of our calls), never
    longer than the call's retry policy allows (``max_delay``): a ``Retry-After`` of a
    year must not stop every call of the process for a year.

    An attempt cancelled (by its caller or its deadline) after its request went out,
    before any answer came back, may still run on the server, which counts it against
    the in-flight cap until it is done.  Freeing its slot at once would send the next
    call into a server with one call too many: a 429, and a pause for every caller.  So
    the slot is kept until the server has plausibly finished: until this attempt would
    itself have stopped waiting (its read timeout after the request went out, never past
    ``attempt_limit``).  It is freed earlier when the client closes its connections
    (:meth:`release_held`).  An attempt that ends with an error (a timeout, a dropped
    connection) or after its answer began frees its slot at once: the server is done,
    or the connection that carried the call is gone.
    """

    governor: Governor
    pause_on_429: float
    #: How long an attempt of a call may last in all (the sender's ``attempt_limit``).
    attempt_limit: Callable[[Call], float] | None = None
    #: The slots kept for this client's cancelled calls (see :meth:`release_held`).
    held: set[SlotHold] = attrs.field(factory=set, init=False, eq=False, repr=False)

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        left = remaining(call)
        if left is not None:
            self._fail_early(call, left)
        queued = anyio.current_time()
        async with self.governor.call(call.priority) as attempt:
            started = anyio.current_time()
            wire = WireWatch()
            token = CURRENT_WIRE.set(wire)
            try:
                return await call_next(attrs.evolve(call, waited=started - queued))
            except RateLimitError as exc:
                hinted = retry_after_seconds(exc.headers)
                pause = _bounded(call, hinted if hinted is not None else self.pause_on_429)
                logger.warning(
                    "429 on %s %s: pausing every call of this governor for %.3fs",
                    call.method,
                    call.path,
                    pause,
                )
                # Shielded: a pause half told (this process, not Redis) would let the
                # other processes hammer the account.
                with anyio.CancelScope(shield=True):
                    await self.governor.record_rate_limit(pause)
                raise
            except anyio.get_cancelled_exc_class():
                sent_at = wire.sent_at  # None: not a byte went out, nothing runs anywhere
                # (A Governor subclass's own call() may not hand out an Attempt.)
                if sent_at is not None and not wire.answered and isinstance(attempt, Attempt):
                    attempt.keep_slot(self._plausible_end(call, started, sent_at), self.held)
                raise
            finally:
                CURRENT_WIRE.reset(token)

    def _plausible_end(self, call: Call, started: float, sent_at: float) -> float:
        """When a call whose answer we stopped waiting for is plausibly done on the server."""
        ends = [] if self.attempt_limit is None else [started + self.attempt_limit(call)]
        if call.timeout.read is not None:
            ends.append(sent_at + call.timeout.read)
        return min(ends, default=sent_at + _LONGEST_HOLD)

    async def release_held(self) -> None:
        """Free the slots kept for cancelled calls: the client's connections are closed."""
        holds = list(self.held)
        self.held.clear()
        for hold in holds:
            await hold.release()

    def _fail_early(self, call: Call, left: float) -> None:
        """Refuse at once a call that cannot start before its deadline.

        At its own level: a ``"high"`` call may take the reserve and passes the lower
        levels' queue, a ``"low"`` one waits behind everyone and leaves the reserve.
        """
        needed = self.governor.ready_in(call.priority)
        if needed >= left:  # starting only at its deadline, it would have no time to run
            raise BudgetExhaustedError(
                f"{call.method} {call.path} cannot start within its deadline: the budget "
                f"frees up in {needed:.3f}s",
                retry_after=needed,
            )


def _bounded(call: Call, pause: float) -> float:
    if call.retry is not None:
        return call.retry.pause_bound(pause)
    return min(pause, _MAX_PAUSE_WITHOUT_POLICY)
