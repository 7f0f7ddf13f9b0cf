"""The call chain: what a middleware sees, and how a call's options are spelt.

Pass `middleware=[...]` to `OngageClient` to add steps to every call's chain; each is a
`Middleware` (`async def __call__(self, call, call_next)`) that sees a frozen `Call`.
`CallOptions` and `SendOptions` are the options `client.request` and `client.download`
take; `USE_CLIENT_DEFAULT` leaves one as the client (or view) has it.  `RetryEvent`
is what `OngageClient(on_retry=[...])` hooks receive before each back-off.
"""

from .._call import (
    USE_CLIENT_DEFAULT,
    ByteSink,
    Call,
    CallOptions,
    Handler,
    Middleware,
    SendOptions,
    UseClientDefault,
)
from .._credentials import Credentials
from .._retry import RetryEvent, RetryHook

__all__ = [
    "USE_CLIENT_DEFAULT",
    "ByteSink",
    "Call",
    "CallOptions",
    "Credentials",
    "Handler",
    "Middleware",
    "RetryEvent",
    "RetryHook",
    "SendOptions",
    "UseClientDefault",
]
