"""Decides which list a call acts on, and says it in exactly one place.

Ongage reads a list id from the body, the query and the route prefix, and picks one
by precedence (body > query > route > the account's default).  Two different ids in
one call is almost always a bug that would silently write to the wrong list, so this
middleware refuses it before anything is sent.  When the caller already put the id in
the body or query (some endpoints want it there) it is left where it is; otherwise it
goes in the route prefix ``/<list_id>/api/...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._call import Call, Handler
from .._exceptions import ListIdConflictError
from .._response import Response
from .._validation import object_id

__all__ = ["ListIdMiddleware"]


def _carried(where: str, container: Any) -> str | None:
    if isinstance(container, Mapping) and container.get("list_id") is not None:
        return object_id(container["list_id"], name=f"list_id in the {where}")
    return None


@attrs.frozen
class ListIdMiddleware:
    """Effective list id = the call's ``list_id`` > the client's > none (account default)."""

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        if not call.list_scoped:
            if call.list_id is not None:
                raise ListIdConflictError(
                    f"{call.method} {call.path} is account-level and takes no list_id"
                )
            return await call_next(call)
        in_body = _carried("body", call.json)
        in_query = _carried("query", call.params)
        if in_body and in_query and in_body != in_query:
            raise ListIdConflictError(
                f"list_id {in_body} in the body and {in_query} in the query disagree"
            )
        carried = in_body or in_query
        wanted = call.list_id or call.default_list_id
        if carried is not None:
            if wanted is not None and wanted != carried:
                source = "passed" if call.list_id is not None else "the client's default"
                raise ListIdConflictError(
                    f"list_id {wanted} ({source}) differs from list_id {carried} that the "
                    "request already carries; pass list_id= for the list you mean"
                )
            # Already said once, in the body or query: do not say it again in the route.
            return await call_next(call)
        if wanted is None:
            return await call_next(call)
        return await call_next(attrs.evolve(call, path=f"/{wanted}{call.path}"))
