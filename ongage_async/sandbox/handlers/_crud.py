"""Plain list-scoped collections (mailings, segments, e-mail messages, list fields).

One :class:`Collection` describes a collection and yields its five routes, so each
area states only what differs: its path, its required fields, its paging style and
the extra actions it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import now_ts
from ._args import body_object, editable, find_or_404, paging, required_text

__all__ = ["Collection"]

Action = Callable[[Context, dict[str, Any]], Reply]


@attrs.frozen
class Collection:
    """``GET/POST <path>``, ``GET/PUT/DELETE <path>/<id>``, and ``POST <path>/<id>/<action>``."""

    name: str
    path: str
    label: str
    required: tuple[str, ...] = ("name",)
    defaults: Mapping[str, Any] = attrs.field(factory=dict)
    protected: tuple[str, ...] = ("id", "list_id", "created")
    paging: Literal["offset", "page"] = "offset"
    actions: Mapping[str, Action] = attrs.field(factory=dict)

    def records(self, ctx: Context) -> dict[str, dict[str, Any]]:
        return ctx.store.collection(self.name)

    def existing(self, ctx: Context) -> dict[str, Any]:
        record = find_or_404(self.records(ctx), ctx.params["id"], self.label)
        if record["list_id"] != ctx.list_id:
            raise ApiError(404, f"{self.label} {ctx.params['id']} not found")
        return record

    def create(self, ctx: Context) -> Reply:
        data = body_object(ctx.body)
        for name in self.required:
            required_text(data, name)
        record_id = ctx.store.next_id()
        record = {
            **self.defaults,
            **editable(data, self.protected),
            "id": record_id,
            "list_id": ctx.list_id,
            "created": now_ts(),
        }
        self.records(ctx)[record_id] = record
        return ok(record)

    def get(self, ctx: Context) -> Reply:
        return ok(self.existing(ctx))

    def collection(self, ctx: Context) -> Reply:
        rows = [r for r in self.records(ctx).values() if r["list_id"] == ctx.list_id]
        if self.paging == "page":
            try:
                page = int(ctx.query.get("page", 1))
                size = int(ctx.query.get("page_size", 50))
            except ValueError:
                raise ApiError(400, "page and page_size must be integers") from None
            if page < 1 or size < 1:
                raise ApiError(400, "page and page_size start at 1")
            return ok(rows[(page - 1) * size : page * size], total=len(rows))
        offset, limit = paging(ctx.query)
        return ok(rows[offset : offset + limit] if limit else rows[offset:], total=len(rows))

    def update(self, ctx: Context) -> Reply:
        record = self.existing(ctx)
        record.update(editable(body_object(ctx.body), (*self.protected, *self.defaults)))
        record["modified"] = now_ts()
        return ok(record)

    def delete(self, ctx: Context) -> Reply:
        record = self.existing(ctx)
        del self.records(ctx)[record["id"]]
        return ok({"id": record["id"], "deleted": True})

    def routes(self) -> list[Route]:
        item = self.path + r"/(?P<id>\d+)"
        routes = [
            Route("GET", self.path, self.collection),
            Route("POST", self.path, self.create),
            Route("GET", item, self.get),
            Route("PUT", item, self.update),
            Route("DELETE", item, self.delete),
        ]
        for verb, action in self.actions.items():
            routes.append(Route("POST", f"{item}/{verb}", self._act(action)))
        return routes

    def _act(self, action: Action) -> Callable[[Context], Reply]:
        return lambda ctx: action(ctx, self.existing(ctx))
