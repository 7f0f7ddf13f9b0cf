"""The innermost layers: the body limit, then the route, the list it acts on, the handler.

* :class:`BodyLimitLayer`: a body over ``max_body_bytes`` is a 413 before any route is
  looked at (Ongage documents no limit, so none applies unless a test sets one).
* :class:`Router`: the first route whose method and pattern match; its list
  (``_routing.resolve_list_id``); its handler.  A handler's :class:`ApiError` is
  Ongage's error envelope; no matching route is a 404; any other exception is a
  sandbox bug, logged loudly and answered as a 500.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence

import attrs

from .._config import SandboxConfig
from .._http import ApiError, Reply, Request, error_reply
from .._recorder import Recorder
from .._routing import Context, Route, resolve_list_id
from .._store import Store
from .asgi import ASGIApp, Receive, Scope, Send, exchange_of, send_reply

__all__ = ["BodyLimitLayer", "Router"]

logger = logging.getLogger("ongage_async.sandbox")


@attrs.frozen
class BodyLimitLayer:
    """413 for a body over ``max_bytes`` (``None``: no limit)."""

    app: ASGIApp
    max_bytes: int | None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_bytes
        if limit is not None and len(exchange_of(scope).request.body) > limit:
            await send_reply(send, error_reply(413, "Request entity too large"))
            return
        await self.app(scope, receive, send)


@attrs.frozen
class Router:
    """The end of the chain: finds the route and answers with its handler's reply."""

    routes: Sequence[Route]
    store: Store
    recorder: Recorder
    config: SandboxConfig

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = exchange_of(scope)
        exchange.list_id, reply = await self._dispatch(exchange.request)
        await send_reply(send, reply)

    async def _dispatch(self, request: Request) -> tuple[int | None, Reply]:
        list_id = None
        try:
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
