"""The sandbox's ASGI application: the order in which a real Ongage treats a call.

1. the whole request arrives (the call is counted only then, as behind a buffering
   proxy);
2. authentication: a wrong or missing credential is a 401 and is not counted against
   any account;
3. the account's limits: over the window or over the in-flight cap is a 429;
4. an injected fault, if the plan has one for this call;
5. the route, the list it acts on, the handler;
6. the configured latency, during which the call is still in flight.
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
import random
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import attrs

from ._config import SandboxConfig
from ._faults import Fault, FaultPicker
from ._http import ApiError, Reply, Request, error_reply
from ._limits import AccountLimits
from ._recorder import CallRecord, Recorder
from ._routing import Context, Route, resolve_list_id
from ._store import Store

__all__ = ["ConnectionDropped", "SandboxApp"]

logger = logging.getLogger("ongage_async.sandbox")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_JSON = "application/json"
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


class SandboxApp:
    """An ASGI app that behaves like the Ongage API for one account."""

    def __init__(
        self,
        config: SandboxConfig,
        store: Store,
        recorder: Recorder,
        routes: list[Route],
        clock: Callable[[], float] | None = None,
    ) -> None:
        #: Where arrival times come from (tests inject a fake; default: the event loop's).
        self.clock: Callable[[], float] = clock or anyio.current_time
        self.config = config
        self.store = store
        self.recorder = recorder
        self.routes = routes
        self.limits: AccountLimits = AccountLimits(
            config.rate_limit, config.rate_period, config.max_concurrency, config.window
        )
        self._rng = random.Random(config.seed)
        self._faults = FaultPicker(config.faults, random.Random(config.seed))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        arrived = self.clock()
        request = Request.from_scope(scope, body)
        if not self._authenticated(request):
            # Recorded before answering: a test that has the answer sees the record.
            self._record(arrived, request, None, 401)
            await _send(send, 401, error_reply(401, "Unauthorized").encode(), _JSON)
            return
        if request.path == "/_sandbox/recorder":
            # Not an Ongage route: lets a test read a sandbox in another process.
            summary = json.dumps(self.recorder.summary(self.config.rate_period)).encode()
            await _send(send, 200, summary, _JSON)
            return
        admission = self.limits.admit(arrived)
        if not admission.allowed:
            self.recorder.rejected_429 += 1
            self._record(arrived, request, None, 429, "limit")
            await _send(send, 429, error_reply(429, admission.reason).encode(), _JSON)
            return
        self.recorder.peak_in_flight = max(self.recorder.peak_in_flight, self.limits.in_flight)
        exchange = _Exchange(self, arrived, request, send)
        try:
            fault = self._faults.pick(request.method, request.path)
            exchange.fault = fault.kind if fault else None
            await self._answer(request, fault, exchange)
        finally:
            exchange.finish()

    def _authenticated(self, request: Request) -> bool:
        expected = self.config.credentials
        given_key = request.headers.get("x-api-key")
        if given_key is not None:
            return expected.api_key is not None and hmac.compare_digest(given_key, expected.api_key)
        pairs = (
            ("x_username", expected.username),
            ("x_password", expected.password),
            ("x_account_code", expected.account_code),
        )
        return all(hmac.compare_digest(request.headers.get(h, ""), v) for h, v in pairs)

    def _record(
        self,
        arrived: float,
        request: Request,
        list_id: int | None,
        status: int,
        fault: str | None = None,
    ) -> None:
        self.recorder.calls.append(
            CallRecord(arrived, request.method, request.path, list_id, status, fault)
        )

    async def _answer(self, request: Request, fault: Fault | None, exchange: _Exchange) -> None:
        send = exchange.send
        await self._latency()
        if fault is not None and not fault.does_the_work:
            status = fault.http_status
            reason = _REASONS.get(status, "Error")
            if fault.kind == "html_error":
                page = _HTML.format(f"{status} {reason}").encode()
                await _send(send, status, page, "text/html")
            else:
                message = "Calls per minute exceeded" if status == 429 else reason
                await _send(send, status, error_reply(status, message).encode(), _JSON)
            return

        exchange.list_id, reply = await self._dispatch(request)
        data = reply.encode()
        kind = fault.kind if fault is not None else None
        if kind == "slow" and fault is not None:
            await anyio.sleep(fault.delay)
        if kind == "lost_answer":
            await _send(send, 504, error_reply(504, "Gateway Time-out").encode(), _JSON)
            return
        if kind == "truncated":
            await _send(send, reply.status, data[: len(data) // 2], reply.content_type)
            return
        if kind == "drop":
            # Promise the whole body, deliver half, then cut the connection.
            await _start(send, reply.status, len(data), reply.content_type)
            await send(
                {"type": "http.response.body", "body": data[: len(data) // 2], "more_body": True}
            )
            raise ConnectionDropped("connection dropped by the sandbox's fault plan")
        await _send(send, reply.status, data, reply.content_type)

    async def _dispatch(self, request: Request) -> tuple[int | None, Reply]:
        list_id = None
        try:
            limit = self.config.max_body_bytes
            if limit is not None and len(request.body) > limit:
                raise ApiError(413, "Request entity too large")
            for route in self.routes:
                params = route.match(request.method, request.path)
                if params is None:
                    continue
                body = request.json()
                list_id = resolve_list_id(request, body, route, self.store)
                context = Context(
                    request, body, list_id, self.store, self.recorder, self.config, params
                )
                reply = route.handler(context)
                if inspect.isawaitable(reply):
                    reply = await reply
                return list_id, reply
            raise ApiError(404, f"No route for {request.method} {request.path}")
        except ApiError as exc:
            return list_id, error_reply(exc.status, exc.message, exc.errors)
        except Exception:  # a sandbox bug must look like a server error, loudly
            logger.exception("sandbox handler failed for %s %s", request.method, request.path)
            return list_id, error_reply(500, "Internal sandbox error")

    async def _latency(self) -> None:
        low, high = self.config.latency
        if high > 0:
            await anyio.sleep(self._rng.uniform(low, high))


@attrs.define
class _Exchange:
    """One admitted call being answered; it stops running (and is recorded) exactly once.

    The call stops running once its whole answer is written, not when this coroutine
    next runs: a client that has read the answer may start another call at once and
    must neither meet a 429 nor find the call missing from the recorder.
    """

    app: SandboxApp
    arrived: float
    request: Request
    raw_send: Send
    status: int = 500
    list_id: int | None = None
    fault: str | None = None
    running: bool = True

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif not message.get("more_body", False):
            self.finish()
        await self.raw_send(message)

    def finish(self) -> None:
        if self.running:
            self.running = False
            self.app.limits.finish()
            self.app._record(self.arrived, self.request, self.list_id, self.status, self.fault)


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


async def _start(send: Send, status: int, length: int, content_type: str) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _send(send: Send, status: int, data: bytes, content_type: str) -> None:
    await _start(send, status, len(data), content_type)
    await send({"type": "http.response.body", "body": data})
