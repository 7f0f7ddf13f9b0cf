"""The sandbox's view of one HTTP exchange: the parsed request and Ongage's envelopes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import attrs

__all__ = ["ApiError", "Reply", "Request", "envelope", "error_envelope", "error_reply", "ok", "raw"]


class ApiError(Exception):
    """Raised by a handler: becomes Ongage's error envelope with this status."""

    def __init__(self, status: int, message: str, errors: Any = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors)


@attrs.frozen
class Request:
    """A request whose whole body has arrived."""

    method: str
    path: str  # without the route prefix
    route_list_id: str | None
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None when empty); 400 as Ongage answers invalid JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            raise ApiError(400, "Invalid JSON in the request body") from None

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any], body: bytes) -> Request:
        path: str = scope["path"]
        route_list_id = None
        head, _, rest = path.lstrip("/").partition("/")
        if head.isdigit() and rest.startswith("api"):
            route_list_id, path = head, "/" + rest
        raw_query = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        return cls(
            method=scope["method"].upper(),
            path=path.rstrip("/") or "/",
            route_list_id=route_list_id,
            query=dict(parse_qsl(raw_query, keep_blank_values=True)),
            headers=headers,
            body=body,
        )


@attrs.frozen
class Reply:
    """What a handler answers: a payload, and ``total`` for collections."""

    payload: Any
    total: int | None = None
    status: int = 200
    body: bytes | None = None  # a non-JSON answer (a CSV export), sent as it is
    content_type: str = "application/json"

    def encode(self) -> bytes:
        """The bytes on the wire: the body as given, or the payload in its envelope."""
        return self.body if self.body is not None else json.dumps(envelope(self)).encode()


def ok(payload: Any, *, total: int | None = None) -> Reply:
    # "every object field ... will return an empty array when empty"
    if isinstance(payload, dict) and not payload:
        payload = []
    return Reply(payload, total)


def raw(body: bytes, content_type: str) -> Reply:
    return Reply(None, body=body, content_type=content_type)


def envelope(reply: Reply) -> dict[str, Any]:
    metadata: dict[str, Any] = {"error": False}
    if reply.total is not None:
        metadata["total"] = reply.total
    return {"metadata": metadata, "links": [], "payload": reply.payload}


def error_envelope(status: int, message: str, errors: Any = ()) -> dict[str, Any]:
    return {
        "metadata": {"error": True, "type": "http"},
        "links": [],
        "payload": {"code": status, "errors": list(errors), "message": message},
    }


def error_reply(status: int, message: str, errors: Any = ()) -> Reply:
    body = json.dumps(error_envelope(status, message, errors)).encode()
    return Reply(None, status=status, body=body)
