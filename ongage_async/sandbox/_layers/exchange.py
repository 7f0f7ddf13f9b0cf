"""The outermost layer: the server's edge, where a call arrives and is recorded.

* The whole request is read before anything else happens, and the call's arrival time
  is taken only then (as behind a buffering proxy; see ``_limits``).
* Every call is recorded exactly once, whatever answers it (a 401, a 429, a fault, a
  route), once its whole answer has been written and before the last byte leaves: a
  client that has its answer must find the call in the recorder.  A call that ends
  without a whole answer (a dropped connection, a cancelled task) is recorded too.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from .._http import Request
from .._recorder import CallRecord, Recorder
from .asgi import STATE, ASGIApp, Exchange, Message, Receive, Scope, Send, is_last

__all__ = ["ExchangeLayer"]


@attrs.frozen
class ExchangeLayer:
    """Reads the request, opens the call's :class:`Exchange` in the scope, records it."""

    app: ASGIApp
    recorder: Recorder
    clock: Callable[[], float]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        exchange = Exchange(self.clock(), Request.from_scope(scope, body))

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
            elif is_last(message):
                self._record(exchange)
            await send(message)

        try:
            await self.app({**scope, STATE: exchange}, _replay(body, receive), send_and_record)
        finally:
            self._record(exchange)

    def _record(self, exchange: Exchange) -> None:
        if exchange.to_record:
            exchange.to_record = False
            request = exchange.request
            self.recorder.calls.append(
                CallRecord(
                    exchange.arrived,
                    request.method,
                    request.path,
                    exchange.list_id,
                    exchange.status,
                    exchange.fault,
                )
            )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, once, for an inner layer that asks; then the real channel."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
