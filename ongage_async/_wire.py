"""Whether an attempt's request went out, and whether its answer began to come back.

When a call is cancelled (by its caller, or by its deadline) the governor must know
whether the server may still be running it: only then is its slot kept (see
:mod:`ongage_async._middleware.governor`).  httpx does not say how far a request got;
httpcore does, through the ``trace`` request extension.  The client installs
:func:`trace_requests` as an httpx request hook, which hands httpcore the
:class:`WireWatch` of the attempt under way, found through a context variable: the
chain runs in the caller's task, down to httpx.

In process (httpx's ``ASGITransport``, a ``MockTransport``) nothing is traced, and
nothing needs to be: the "server" runs in the caller's task and is cancelled with it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import anyio
import httpx

__all__ = ["CURRENT_WIRE", "WireWatch", "trace_requests"]


class WireWatch:
    """What httpcore reported about one attempt's request."""

    __slots__ = ("answered", "sent_at")

    def __init__(self) -> None:
        #: When the request was last seen going out (None: not a byte of it yet).
        self.sent_at: float | None = None
        #: Whether the answer's status line and headers have arrived.
        self.answered = False

    async def trace(self, event: str, info: Any) -> None:
        # "http11.send_request_headers.started" ... "http11.send_request_body.complete":
        # from the first byte on, the server may get the whole request and run it.
        if "send_request_" in event:
            self.sent_at = anyio.current_time()
        elif event.endswith("receive_response_headers.complete"):
            self.answered = True


CURRENT_WIRE: ContextVar[WireWatch | None] = ContextVar("ongage_async_wire", default=None)


async def trace_requests(request: httpx.Request) -> None:
    """An httpx request hook: let the attempt under way watch its request go out."""
    watch = CURRENT_WIRE.get()
    if watch is not None:
        request.extensions["trace"] = watch.trace
