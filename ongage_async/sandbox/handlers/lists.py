"""The List API methods, per ``ongage-list-api.txt``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import ListRecord, now_ts
from ._args import body_object, paging, required_text, truthy

_TYPES = ("sending", "suppression")
_SCOPES = ("global", "list", "campaign")
_UPDATABLE = (
    "unsubscribe_default_link",
    "unsubscribe_confirmation_html",
    "unsubscribe_confirmation_button",
    "unsubscribe_success_html",
    "frequency_active",
    "frequency_html",
    "frequencies",
    "welcome_email_active",
)


def _get(ctx: Context) -> ListRecord:
    record = ctx.store.live_list(int(ctx.params["id"]))
    if record is None:
        raise ApiError(404, f"List {ctx.params['id']} not found")
    return record


def get_list(ctx: Context) -> Reply:
    return ok(_get(ctx).to_payload(ctx.store))


def _matches(record: ListRecord, query: dict[str, str]) -> bool:
    if truthy(query.get("deleted", "")) != (record.deleted is not None):
        return False
    checks: dict[str, Callable[[str], bool]] = {
        "name": lambda v: record.name == v,
        "name_like": lambda v: v.lower() in record.name.lower(),
        "type": lambda v: record.type == v,
        "hash_type": lambda v: record.hash_type == v,
        "scope": lambda v: record.scope == v,
        "archive": lambda v: record.archive == truthy(v),
    }
    return all(check(query[key]) for key, check in checks.items() if key in query)


def list_lists(ctx: Context) -> Reply:
    query = dict(ctx.query)
    offset, limit = paging(query)
    rows = [r for r in ctx.store.lists.values() if _matches(r, query)]
    sort = query.get("sort", "id")
    reverse = query.get("order", "ASC").upper() == "DESC"
    rows.sort(key=lambda r: (str(getattr(r, sort, r.id)), r.id), reverse=reverse)
    page = rows[offset : offset + limit] if limit else rows[offset:]
    return ok([r.to_payload(ctx.store) for r in page], total=len(rows))


def _suppression_only(data: dict[str, Any], list_type: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if "scope" in data:
        if data["scope"] not in _SCOPES:
            raise ApiError(412, "scope must be global, list or campaign")
        extra["scope"] = data["scope"]
    if "expiration_date" in data:
        extra["expiration_date"] = data["expiration_date"]
    if extra and list_type != "suppression":
        raise ApiError(412, "scope and expiration_date are for suppression lists only")
    if list_type == "suppression":
        extra.setdefault("scope", "global")
    return extra


def create_list(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    name = required_text(data, "name")
    list_type = required_text(data, "type")
    if list_type not in _TYPES:
        raise ApiError(412, "type must be sending or suppression")
    fields = data.get("fields")
    if fields is not None and not isinstance(fields, list):
        raise ApiError(400, "fields must be an array")
    record = ctx.store.add_list(
        name=name,
        type=list_type,
        description=str(data.get("description") or ""),
        fields=list(fields or []),
        **_suppression_only(data, list_type),
    )
    return ok(record.to_payload(ctx.store))


def update_list(ctx: Context) -> Reply:
    record = _get(ctx)
    data = body_object(ctx.body)
    record.name = required_text(data, "name")
    if "description" in data:
        record.description = str(data["description"] or "")
    for key, value in _suppression_only(data, record.type).items():
        setattr(record, key, value)
    if truthy(data.get("frequency_active")) and not data.get("frequencies"):
        raise ApiError(412, "frequencies must be provided when frequency_active is true")
    record.settings.update({k: data[k] for k in _UPDATABLE if k in data})
    record.modified = now_ts()
    return ok(record.to_payload(ctx.store))


def copy_list(ctx: Context) -> Reply:
    source = _get(ctx)
    data = body_object(ctx.body)
    list_type = str(data.get("type") or source.type)
    if list_type not in _TYPES:
        raise ApiError(412, "type must be sending or suppression")
    record = ctx.store.add_list(
        name=required_text(data, "name"),
        type=list_type,
        description=str(data.get("description") or ""),
        fields=[dict(f) for f in source.fields],
    )
    for contact in ctx.store.contacts_of(source.id):
        copied = ctx.store.next_contact_id()
        ctx.store.contacts[record.id][contact.email.lower()] = type(contact)(
            id=copied,
            email=contact.email,
            list_id=record.id,
            fields=dict(contact.fields),
            status=contact.status,
        )
    return ok(record.to_payload(ctx.store))


def delete_list(ctx: Context) -> Reply:
    record = _get(ctx)
    if record.id == ctx.store.default_list_id:
        raise ApiError(412, "The account's default list cannot be deleted")
    record.deleted = now_ts()
    return ok({"id": record.id, "deleted": True})


ROUTES = [
    Route("GET", r"/api/lists/(?P<id>\d+)", get_list, list_scoped=False),
    Route("GET", r"/api/lists", list_lists, list_scoped=False),
    Route("POST", r"/api/lists", create_list, list_scoped=False),
    Route("PUT", r"/api/lists/(?P<id>\d+)", update_list, list_scoped=False),
    Route("POST", r"/api/lists/(?P<id>\d+)/copy", copy_list, list_scoped=False),
    Route("DELETE", r"/api/lists/(?P<id>\d+)", delete_list, list_scoped=False),
]
