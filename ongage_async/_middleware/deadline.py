"""Bounds a whole call (budget wait, attempts, back-offs) by its deadline.

A web handler must answer in a second or fail cleanly; a nightly job should rather wait
out a long back-off.  The deadline is what tells them apart: with none, nothing here
changes anything.
"""

from __future__ import annotations

import anyio
import attrs

from .._call import Call, Handler
from .._exceptions import DeadlineExceededError
from .._response import Response

__all__ = ["DeadlineMiddleware", "remaining"]


def remaining(call: Call) -> float | None:
    """Seconds left before the call's deadline (None: no deadline)."""
    if call.deadline_at is None:
        return None
    return call.deadline_at - anyio.current_time()


@attrs.frozen
class DeadlineMiddleware:
    async def __call__(self, call: Call, call_next: Handler) -> Response:
        left = remaining(call)
        if left is None:
            return await call_next(call)
        try:
            with anyio.fail_after(max(0.0, left)):
                return await call_next(call)
        except TimeoutError as exc:
            if isinstance(exc, DeadlineExceededError):
                raise
            raise DeadlineExceededError(
                f"{call.method} {call.path} did not finish within its deadline"
            ) from None
