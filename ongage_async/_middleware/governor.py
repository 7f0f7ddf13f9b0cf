"""Puts each attempt through the governor: a slot, a budget token, a pause on 429."""

from __future__ import annotations

import logging

import anyio
import attrs

from .._call import Call, Handler
from .._errors import BudgetExhaustedError, RateLimitError
from .._governor import Governor
from .._response import Response
from .deadline import remaining
from .retry import retry_after_seconds

__all__ = ["GovernorMiddleware"]

logger = logging.getLogger("ongage_async")


@attrs.frozen
class GovernorMiddleware:
    """Holds a governor slot and token for exactly one attempt.

    It sits *inside* the retry middleware: every attempt spends budget (the server
    counts it), and a back-off sleep holds no slot.  A 429 pauses the whole governor
    for the server's ``Retry-After`` or, lacking one, ``pause_on_429`` seconds (one
    rate period by default: by then the server's window holds none of our calls).
    """

    governor: Governor
    pause_on_429: float

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        left = remaining(call)
        if left is not None:
            self._fail_early(call, left)
        queued = anyio.current_time()
        async with self.governor.call():
            waited = anyio.current_time() - queued
            try:
                return await call_next(attrs.evolve(call, waited=waited))
            except RateLimitError as exc:
                hinted = retry_after_seconds(exc.headers)
                pause = hinted if hinted is not None else self.pause_on_429
                logger.warning(
                    "429 on %s %s: pausing every call of this governor for %.3fs",
                    call.method,
                    call.path,
                    pause,
                )
                self.governor.rate_limited(pause)
                raise

    def _fail_early(self, call: Call, left: float) -> None:
        """Refuse at once a call that cannot start before its deadline."""
        budget = self.governor.budget.snapshot()
        needed = budget.paused_for
        if budget.available == 0 and budget.next_free_in is not None:
            needed = max(needed, budget.next_free_in)
        if needed > left:
            raise BudgetExhaustedError(
                f"{call.method} {call.path} cannot start within its deadline: the budget "
                f"frees up in {needed:.3f}s",
                retry_after=needed,
            )
