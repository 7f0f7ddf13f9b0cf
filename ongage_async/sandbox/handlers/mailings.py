"""Mailings (campaigns): enough to make the FAQ's list_id examples observable."""

from __future__ import annotations

from typing import Any

from .._http import Reply, ok
from .._routing import Context, Route
from .._store import now_ts
from ._args import body_object, editable, find_or_404, paging, required_text

_DRAFT, _ABORTED = 60001, 60008


def create_mailing(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    mailing_id = ctx.store.next_id()
    mailing = {
        **editable(data, ("id", "list_id")),
        "id": mailing_id,
        "list_id": ctx.list_id,
        "name": required_text(data, "name"),
        "status": _DRAFT,
        "created": now_ts(),
    }
    ctx.store.mailings[mailing_id] = mailing
    return ok(mailing)


def _existing(ctx: Context) -> dict[str, Any]:
    return find_or_404(ctx.store.mailings, ctx.params["id"], "Mailing")


def get_mailing(ctx: Context) -> Reply:
    return ok(_existing(ctx))


def list_mailings(ctx: Context) -> Reply:
    offset, limit = paging(ctx.query)
    rows = [m for m in ctx.store.mailings.values() if m["list_id"] == ctx.list_id]
    return ok(rows[offset : offset + limit] if limit else rows[offset:], total=len(rows))


def update_mailing(ctx: Context) -> Reply:
    mailing = _existing(ctx)
    data = body_object(ctx.body)
    mailing.update(editable(data, ("id", "list_id", "status")))
    return ok(mailing)


def delete_mailing(ctx: Context) -> Reply:
    mailing = _existing(ctx)
    del ctx.store.mailings[str(mailing["id"])]
    return ok({"id": mailing["id"], "deleted": True})


def abort_mailing(ctx: Context) -> Reply:
    mailing = _existing(ctx)
    mailing["status"] = _ABORTED
    return ok(mailing)


ROUTES = [
    Route("POST", r"/api/mailings", create_mailing),
    Route("GET", r"/api/mailings", list_mailings),
    Route("GET", r"/api/mailings/(?P<id>\d+)", get_mailing),
    Route("PUT", r"/api/mailings/(?P<id>\d+)", update_mailing),
    Route("DELETE", r"/api/mailings/(?P<id>\d+)", delete_mailing),
    Route("POST", r"/api/mailings/(?P<id>\d+)/abort", abort_mailing),
]
