"""Routes, and which list a call acts on.

List id precedence is the FAQ's, to the letter: request body > query ``?list_id=``
> route prefix ``/<list_id>/api/...`` > the account's default list.  An id that is not
a positive integer is a 400; a list that does not exist (or was deleted) is a 404 for
every list-scoped route, which is stricter than "use the default" and catches a
client that sends the wrong id.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from ._config import SandboxConfig
from ._http import ApiError, Reply, Request
from ._recorder import Recorder
from ._store import Store

__all__ = ["Context", "Route", "resolve_list_id"]


@attrs.frozen
class Context:
    """What a handler gets: the request, its JSON body, the list it acts on, the account."""

    request: Request
    body: Any
    list_id: int
    store: Store
    recorder: Recorder
    config: SandboxConfig
    params: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query


#: Most handlers answer at once; one that must wait (an import fetching its file) is async.
Handler = Callable[[Context], Reply | Awaitable[Reply]]


@attrs.frozen
class Route:
    """``method`` + a path pattern (named groups become ``ctx.params``).

    ``body_list_id=False`` marks endpoints whose body must not carry ``list_id``
    (``POST /api/v2/contacts``: "use the route prefix"); the sandbox answers 400
    rather than silently ignoring it.
    """

    method: str
    pattern: str
    handler: Handler
    list_scoped: bool = True
    body_list_id: bool = True

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = re.fullmatch(self.pattern, path)
        return found.groupdict() if found else None


def _as_list_id(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ApiError(400, f"Invalid list_id in the {where}")
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise ApiError(400, f"Invalid list_id in the {where}")


def resolve_list_id(request: Request, body: Any, route: Route, store: Store) -> int:
    """The list a call acts on, by the documented precedence."""
    in_body = body.get("list_id") if isinstance(body, dict) else None
    if in_body is not None and not route.body_list_id:
        raise ApiError(400, "list_id is not accepted in the body here; use the route prefix")
    if in_body is not None:
        list_id = _as_list_id(in_body, "body")
    elif request.query.get("list_id"):
        list_id = _as_list_id(request.query["list_id"], "query")
    elif request.route_list_id is not None:
        list_id = _as_list_id(request.route_list_id, "route")
    else:
        list_id = store.default_list_id
    if route.list_scoped and store.live_list(list_id) is None:
        raise ApiError(404, f"List {list_id} not found")
    return list_id
