"""Authentication, and the sandbox's own read-out that needs it.

* :class:`AuthLayer`: a wrong or missing credential is a 401 (recorded by the layer
  outside, with no list and no fault); it never reaches the account's limits, so it is
  not counted against any account.
* :class:`RecorderReadout`: ``/_sandbox/recorder`` (any method) answers the recorder's
  figures to an authenticated caller, so a test can read a sandbox in another process.
  It is not an Ongage route: it sits before the limits and is not recorded, so reading
  it changes nothing.
"""

from __future__ import annotations

import hmac
import json

import attrs

from .._config import SandboxCredentials
from .._http import Request
from .._recorder import Recorder
from .asgi import JSON, ASGIApp, Receive, Scope, Send, exchange_of, send_bytes, send_error

__all__ = ["READOUT_PATH", "AuthLayer", "RecorderReadout", "authenticated"]

READOUT_PATH = "/_sandbox/recorder"


def authenticated(request: Request, expected: SandboxCredentials) -> bool:
    """An ``x-api-key`` if one is sent, else the three ``X_*`` headers (constant time)."""
    given_key = request.headers.get("x-api-key")
    if given_key is not None:
        return expected.api_key is not None and hmac.compare_digest(given_key, expected.api_key)
    pairs = (
        ("x_username", expected.username),
        ("x_password", expected.password),
        ("x_account_code", expected.account_code),
    )
    return all(hmac.compare_digest(request.headers.get(h, ""), v) for h, v in pairs)


@attrs.frozen
class AuthLayer:
    """401 unless the call carries the account's credentials."""

    app: ASGIApp
    credentials: SandboxCredentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not authenticated(exchange_of(scope).request, self.credentials):
            await send_error(send, 401, "Unauthorized")
            return
        await self.app(scope, receive, send)


@attrs.frozen
class RecorderReadout:
    """``/_sandbox/recorder``: the recorder's summary; every other path goes on."""

    app: ASGIApp
    recorder: Recorder
    period: float

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = exchange_of(scope)
        if exchange.request.path != READOUT_PATH:
            await self.app(scope, receive, send)
            return
        exchange.to_record = False
        summary = json.dumps(self.recorder.statistics(self.period).to_dict()).encode()
        await send_bytes(send, 200, summary, JSON)
