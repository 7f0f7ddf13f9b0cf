"""Plain list-scoped collections (mailings, segments, e-mail messages, list fields).

One :class:`Collection` describes a collection and yields its five routes, so each
area states only what differs: its path, its required fields, its paging style, the
extra actions it has (``PUT <path>/<id>/<action>``, as Ongage's mailing actions are),
hooks that check a new record or update one on each read, and the view that turns a
stored record into the answer (records keep native values, e.g. ``list_id`` an int, so
that the sandbox compares them simply; the view gives them the types Ongage's page
shows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import now_ts
from ._args import body_object, editable, find_or_404, paging, required_text

__all__ = ["Collection", "stored_view"]


def stored_view(ctx: Context, item: dict[str, Any], kind: str) -> dict[str, Any]:
    """What Ongage's example answers share for a stored item of ``kind`` (its ``type``):
    string ids, the account, the times as strings, and ``deleted`` "0"."""
    created = item["created"]
    return {
        **item,
        "type": kind,
        "account_id": str(ctx.store.lists[item["list_id"]].account_id),
        "list_id": str(item["list_id"]),
        "created": str(created),
        "modified": str(item.get("modified", created)),
        "deleted": "0",
    }


#: acts on the stored record and returns the record to answer
Action = Callable[[Context, dict[str, Any]], dict[str, Any]]
#: checks the body of a create or update and fills in what the server decides
Hook = Callable[[Context, dict[str, Any], dict[str, Any]], None]
#: called on every stored record a call reads (a job-like record moves on)
Refresh = Callable[[Context, dict[str, Any]], None]
#: the answer for a stored record (the record itself when a collection has none)
View = Callable[[Context, dict[str, Any]], dict[str, Any]]


@attrs.frozen
class Collection:
    """``GET/POST <path>``, ``GET/PUT/DELETE <path>/<id>``, and ``PUT <path>/<id>/<action>``.

    ``on_create(ctx, data, record)`` and ``on_update(ctx, data, record)`` see the body
    and the record being written (raise :class:`ApiError` to refuse it);
    ``refresh(ctx, record)`` runs on each record a ``GET`` answers (writes and actions
    do not move a record on: only reads are polls).  ``view(ctx, record)`` builds what
    is answered for a record, from a copy: it never changes the record.
    """

    name: str
    path: str
    label: str
    required: tuple[str, ...] = ("name",)
    defaults: Mapping[str, Any] = attrs.field(factory=dict)
    protected: tuple[str, ...] = ("id", "list_id", "created")
    paging: Literal["offset", "page"] = "offset"
    actions: Mapping[str, Action] = attrs.field(factory=dict)
    on_create: Hook | None = None
    on_update: Hook | None = None
    refresh: Refresh | None = None
    view: View | None = None

    def answer(self, ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
        """A stored record as answered."""
        return dict(record) if self.view is None else self.view(ctx, dict(record))

    def records(self, ctx: Context) -> dict[str, dict[str, Any]]:
        return ctx.store.collection(self.name)

    def existing(self, ctx: Context, *, read: bool = False) -> dict[str, Any]:
        """The record the path names; ``read`` (a ``GET``) lets ``refresh`` move it on."""
        record = find_or_404(self.records(ctx), ctx.params["id"], self.label)
        if record["list_id"] != ctx.list_id:
            raise ApiError(404, f"{self.label} {ctx.params['id']} not found")
        if read and self.refresh is not None:
            self.refresh(ctx, record)
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
        if self.on_create is not None:
            self.on_create(ctx, data, record)
        self.records(ctx)[record_id] = record
        return ok(self.answer(ctx, record))

    def get(self, ctx: Context) -> Reply:
        return ok(self.answer(ctx, self.existing(ctx, read=True)))

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
            answered = rows[(page - 1) * size : page * size]
        else:
            offset, limit = paging(ctx.query)
            answered = rows[offset : offset + limit] if limit else rows[offset:]
        if self.refresh is not None:
            for row in answered:
                self.refresh(ctx, row)
        return ok([self.answer(ctx, row) for row in answered], total=len(rows))

    def update(self, ctx: Context) -> Reply:
        record = self.existing(ctx)
        data = body_object(ctx.body)
        if self.on_update is not None:
            self.on_update(ctx, data, record)
        record.update(editable(data, (*self.protected, *self.defaults)))
        record["modified"] = now_ts()
        return ok(self.answer(ctx, record))

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
            routes.append(Route("PUT", f"{item}/{verb}", self._act(action)))
        return routes

    def _act(self, action: Action) -> Callable[[Context], Reply]:
        return lambda ctx: ok(self.answer(ctx, action(ctx, self.existing(ctx))))
