"""An OpenTelemetry span per call, when ``opentelemetry-api`` is installed.

No hard dependency: without the package the client simply has no such middleware.  The
span's name is low-cardinality (``ongage GET``); the path goes in an attribute with any
e-mail address in it replaced, so traces carry no customer addresses.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import attrs

from .._call import Call, Handler
from .._exceptions import APIConnectionError, APIError
from .._response import Response

__all__ = ["TracingMiddleware", "tracing_available"]


def tracing_available() -> bool:
    return importlib.util.find_spec("opentelemetry") is not None


def _safe_path(path: str) -> str:
    return "/".join("{email}" if "@" in part else part for part in path.split("/"))


@attrs.frozen
class TracingMiddleware:
    """Wraps each call (all its attempts) in one client span."""

    tracer: Any

    @classmethod
    def create(cls) -> TracingMiddleware:
        from opentelemetry import trace

        return cls(trace.get_tracer("ongage_async"))

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        with self.tracer.start_as_current_span(
            f"ongage {call.method}", kind=SpanKind.CLIENT
        ) as span:
            span.set_attribute("http.request.method", call.method)
            span.set_attribute("url.path", _safe_path(call.path))
            span.set_attribute("ongage.idempotent", call.is_idempotent)
            try:
                response = await call_next(call)
            except APIError as exc:
                span.set_attribute("http.response.status_code", exc.status)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            except APIConnectionError as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            span.set_attribute("http.response.status_code", response.status_code)
            return response
