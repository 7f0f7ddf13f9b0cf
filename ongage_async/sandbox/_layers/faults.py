"""Injected faults, and the configured latency (the rules are ``_faults``'s).

For each admitted call, in arrival order (so a script's entries go to calls in the
order they arrived, whatever the latency does to them afterwards):

1. the plan's fault for this call is drawn, and noted on the call's record;
2. the configured latency passes; the call is in flight all the while;
3. a fault that does nothing (``rate_limit``, ``server_error``, ``html_error``)
   answers for the call, which goes no further;
4. otherwise the call goes on to the router, and a fault that does the work
   (``slow``, ``lost_answer``, ``truncated``, ``drop``) spoils the answer it gets back.
"""

from __future__ import annotations

import random

import anyio
import attrs

from .._faults import Fault, FaultPicker
from .asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    exchange_of,
    send_bytes,
    send_error,
    start,
)

__all__ = ["ConnectionDropped", "FaultLayer"]

_HTML = "<html><head><title>{0}</title></head><body><h1>{0}</h1><hr>nginx</body></html>"
_REASONS = {
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
    500: "Internal Server Error",
}


class ConnectionDropped(Exception):
    """Raised mid-answer to cut the connection (the ``drop`` fault)."""


@attrs.frozen
class FaultLayer:
    """Draws the call's fault, waits the latency, then fails the call or spoils its answer."""

    app: ASGIApp
    picker: FaultPicker
    latency: tuple[float, float]
    rng: random.Random

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = exchange_of(scope)
        fault = self.picker.pick(exchange.request.method, exchange.request.path)
        exchange.fault = fault.kind if fault else None
        low, high = self.latency
        if high > 0:
            await anyio.sleep(self.rng.uniform(low, high))
        if fault is None:
            await self.app(scope, receive, send)
        elif not fault.does_the_work:
            await _fail(send, fault)
        else:
            await _spoil(send, fault, *await _answer_of(self.app, scope, receive))


async def _fail(send: Send, fault: Fault) -> None:
    """The answer of a fault that does nothing: Ongage's error, or a proxy's HTML page."""
    status = fault.http_status
    reason = _REASONS.get(status, "Error")
    if fault.kind == "html_error":
        page = _HTML.format(f"{status} {reason}").encode()
        await send_bytes(send, status, page, "text/html")
    else:
        await send_error(send, status, "Calls per minute exceeded" if status == 429 else reason)


async def _answer_of(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, bytes, str]:
    """Run the inner layers, keeping their answer: status, body, content type."""
    head: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            head.update(message)
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    headers = dict(head["headers"])
    return head["status"], b"".join(chunks), headers[b"content-type"].decode()


async def _spoil(send: Send, fault: Fault, status: int, data: bytes, content_type: str) -> None:
    """The answer of a fault that did the work."""
    if fault.kind == "slow":
        await anyio.sleep(fault.delay)
    if fault.kind == "lost_answer":
        await send_error(send, 504, "Gateway Time-out")
    elif fault.kind == "truncated":
        await send_bytes(send, status, data[: len(data) // 2], content_type)
    elif fault.kind == "drop":
        # Promise the whole body, deliver half, then cut the connection.
        await start(send, status, len(data), content_type)
        await send(
            {"type": "http.response.body", "body": data[: len(data) // 2], "more_body": True}
        )
        raise ConnectionDropped("connection dropped by the sandbox's fault plan")
    else:
        await send_bytes(send, status, data, content_type)
