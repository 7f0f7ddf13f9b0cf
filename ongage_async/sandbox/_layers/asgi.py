"""What the layers share: the ASGI types, the call's state in the scope, answer helpers.

Per-call state travels in the scope under :data:`STATE`, as Starlette keeps its
per-request state in ``scope["state"]``: the layers are built once and shared by every
call, so nothing about one call may live on them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import attrs

from .._http import Reply, Request, error_reply

__all__ = [
    "JSON",
    "STATE",
    "ASGIApp",
    "Exchange",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "exchange_of",
    "is_last",
    "send_bytes",
    "send_error",
    "send_reply",
    "start",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The scope key under which a call's :class:`Exchange` travels.
STATE = "ongage.sandbox"
JSON = "application/json"


@attrs.define
class Exchange:
    """One call on its way through the layers; each layer fills in what it decides.

    The outermost layer records it once its answer is written (``to_record`` is cleared
    for the sandbox's own read-out, which is not an Ongage call).
    """

    arrived: float
    request: Request
    status: int = 500  # until an answer starts: a call that never answers was a failure
    list_id: int | None = None
    fault: str | None = None
    to_record: bool = True


def exchange_of(scope: Scope) -> Exchange:
    exchange: Exchange = scope[STATE]
    return exchange


def is_last(message: Message) -> bool:
    """Whether ``message`` ends the answer (a body message that promises no more)."""
    return message["type"] != "http.response.start" and not message.get("more_body", False)


async def start(send: Send, status: int, length: int, content_type: str) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def send_bytes(send: Send, status: int, data: bytes, content_type: str) -> None:
    await start(send, status, len(data), content_type)
    await send({"type": "http.response.body", "body": data})


async def send_reply(send: Send, reply: Reply) -> None:
    await send_bytes(send, reply.status, reply.encode(), reply.content_type)


async def send_error(send: Send, status: int, message: str) -> None:
    """Ongage's JSON error envelope."""
    await send_bytes(send, status, error_reply(status, message).encode(), JSON)
