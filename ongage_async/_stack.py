"""What a client and all its views share: the pool, the governor and the chain, built once.

The chain, outermost first::

    AuthMiddleware -> ListIdMiddleware -> DeadlineMiddleware -> [TracingMiddleware]
        -> *your middleware* -> RetryMiddleware -> GovernorMiddleware -> HTTPSender

Retry wraps the governor, not the other way round: every attempt must pass the
governor (the server counts each one) and a back-off sleep must not hold a slot.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import anyio
import attrs
import httpx

from ._call import Handler, Middleware
from ._credentials import Credentials
from ._governor import Governor
from ._lifetime import Lifetime
from ._middleware import (
    AuthMiddleware,
    DeadlineMiddleware,
    GovernorMiddleware,
    ListIdMiddleware,
    RetryMiddleware,
)
from ._middleware.retry import Sleep, log_retry
from ._middleware.tracing import TracingMiddleware, tracing_available
from ._priority import Priority
from ._retry import RetryHook, RetryPolicy
from ._sender import HTTPSender
from ._version import __version__
from ._wire import trace_requests

__all__ = ["CallDefaults", "Shared", "assemble", "build_chain"]


@attrs.frozen
class CallDefaults:
    """What a view (``with_options``) can change; everything else is shared."""

    list_id: str | None
    retry: RetryPolicy | None
    timeout: httpx.Timeout
    deadline: float | None = None
    #: None: not set, so a call goes at "normal" and a bulk run at "low".
    priority: Priority | None = None


@attrs.define
class Shared:
    """State shared by a client and all its views."""

    http: httpx.AsyncClient
    governor: Governor
    chain: Handler
    base_url: str
    lifetime: Lifetime
    governing: GovernorMiddleware | None = None  # frees held slots at close


def build_chain(middleware: Sequence[Middleware], send: Handler) -> Handler:
    def link(handler: Handler, step: Middleware) -> Handler:
        return functools.partial(step.__call__, call_next=handler)

    return functools.reduce(link, reversed(middleware), send)


def assemble(
    credentials: Credentials,
    url: httpx.URL,
    transport: httpx.AsyncBaseTransport | None,
    gov: Governor,
    timeout: httpx.Timeout,
    middleware: Sequence[Middleware],
    sleep: Sleep | None,
    on_retry: Sequence[RetryHook],
    max_response_bytes: int,
    attempt_timeout: float | None,
) -> Shared:
    """The pool, the sender and the chain around `gov`, for a new client."""
    slots = gov.cap.max_concurrency
    http = httpx.AsyncClient(
        base_url=url,
        transport=transport,
        timeout=timeout,
        # The pool matches the in-flight cap, so no request queues unseen inside httpx.
        limits=httpx.Limits(max_connections=slots, max_keepalive_connections=slots),
        follow_redirects=False,
        headers={"User-Agent": f"ongage-async/{__version__}", "Accept": "application/json"},
        # Lets the governor see whether a cancelled call's request went out.
        event_hooks={"request": [trace_requests]},
    )
    sender = HTTPSender(http, max_response_bytes, attempt_timeout)
    governing = GovernorMiddleware(
        gov, pause_on_429=gov.budget.period, attempt_limit=sender.attempt_limit
    )
    steps: list[Middleware] = [
        AuthMiddleware(credentials),
        ListIdMiddleware(),
        DeadlineMiddleware(),
        # One span per call when opentelemetry-api is installed; nothing otherwise.
        *([TracingMiddleware.create()] if tracing_available() else []),
        *middleware,
        RetryMiddleware((log_retry, gov.record_retry, *on_retry), sleep or anyio.sleep),
        governing,
    ]
    lifetime = Lifetime()
    chain = build_chain(steps, lifetime.wire(sender))
    return Shared(
        http=http,
        governor=gov,
        chain=chain,
        base_url=str(url),
        lifetime=lifetime,
        governing=governing,
    )
