"""List fields, per page 1027965094.

* ``POST /api/list_fields`` needs ``name``, ``title``, ``type`` (one of ``date email
  numeric string``) and ``position`` (an integer); a ``date`` field also needs
  ``format``, one of the page's date formats.  ``mandatory`` is a boolean (default
  false).  A name the list already has is a 412 (strict reading: the page is silent).
* ``POST /api/list_fields/all_lists`` creates the field in every live list of the
  account and answers ``{"success_list_fields": [the field created in each list],
  "failed_lists_errors": {"<list id>": "<why>"}}``; a list that already has a field of
  that name fails alone, and ``failed_lists_errors`` is ``[]`` when none failed (as
  every empty object is).  A ``GET`` there is not on the page: no route (404).
* ``PUT /api/list_fields/<id>`` checks the same rules for the keys it is given.
* A field's ``id``, ``account_id`` and ``list_id`` are numbers, as in the page's
  examples (``"id": 12345678``); a route takes the id as its digits.
"""

from __future__ import annotations

from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import now_ts
from ._args import body_object, required_text
from ._crud import Collection

FIELD_TYPES = ("date", "email", "numeric", "string")
_DAYS = ("dd/mm/yyyy", "mm/dd/yyyy", "yyyy/mm/dd", "dd-mm-yyyy", "mm-dd-yyyy", "yyyy-mm-dd")
DATE_FORMATS = tuple(f"{day}{time}" for time in ("", " hh24:mi", " hh24:mi:ss") for day in _DAYS)


def _position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ApiError(412, "position is required: a non-negative integer", ["position: required"])
    return int(value)


def _check(data: dict[str, Any], current: dict[str, Any] | None = None) -> None:
    """The page's rules, for a new field (``current`` None) or the keys of an update."""
    creating = current is None
    for name in ("name", "title"):
        if creating or name in data:
            required_text(data, name)
    field_type = data.get("type") if creating or "type" in data else (current or {}).get("type")
    if field_type not in FIELD_TYPES:
        raise ApiError(412, f"type must be one of: {', '.join(FIELD_TYPES)}", ["type: invalid"])
    if creating or "position" in data:
        data["position"] = _position(data.get("position"))
    if "mandatory" in data and not isinstance(data["mandatory"], bool):
        raise ApiError(412, "mandatory must be true or false")
    date_format = data.get("format", None if creating else (current or {}).get("format"))
    if field_type == "date" and date_format not in DATE_FORMATS:
        raise ApiError(
            412,
            f"format is required for a date field, one of: {', '.join(DATE_FORMATS)}",
            ["format: invalid"],
        )


def _names(ctx: Context, list_id: int) -> set[str]:
    fields = ctx.store.collection("list_fields").values()
    return {str(f["name"]).lower() for f in fields if f["list_id"] == list_id}


def _complete(ctx: Context, field: dict[str, Any]) -> None:
    """The server-kept keys of the page's example answer."""
    stamp = now_ts()
    account = ctx.store.lists[field["list_id"]].account_id
    field.update(account_id=account, modified=stamp, deleted=None)
    field.setdefault("format", "")
    field.setdefault("default", None)
    field.setdefault("mandatory", False)
    field.setdefault("is_sms", False)


def _on_create(ctx: Context, data: dict[str, Any], field: dict[str, Any]) -> None:
    _check(data)
    if str(data["name"]).lower() in _names(ctx, ctx.list_id):
        raise ApiError(412, f"List field {data['name']!r} already exists in list {ctx.list_id}")
    field["position"] = data["position"]
    _complete(ctx, field)


def _on_update(ctx: Context, data: dict[str, Any], field: dict[str, Any]) -> None:
    _check(data, field)
    renamed = str(data.get("name", field["name"])).lower()
    if renamed != str(field["name"]).lower() and renamed in _names(ctx, ctx.list_id):
        raise ApiError(412, f"List field {data['name']!r} already exists in list {ctx.list_id}")


def _view(ctx: Context, field: dict[str, Any]) -> dict[str, Any]:
    return {**field, "id": int(field["id"])}


LIST_FIELDS = Collection(
    "list_fields",
    "/api/list_fields",
    "List field",
    required=(),
    protected=("id", "list_id", "created", "account_id", "modified", "deleted"),
    on_create=_on_create,
    on_update=_on_update,
    view=_view,
)


def find_field(ctx: Context, field_id: Any) -> dict[str, Any] | None:
    """The list field of the call's list with this id (contact search names fields so)."""
    field = ctx.store.collection("list_fields").get(str(field_id))
    return field if field is not None and field["list_id"] == ctx.list_id else None


def create_in_all_lists(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    _check(data)
    keep = {k: v for k, v in data.items() if k not in LIST_FIELDS.protected}
    created: list[dict[str, Any]] = []
    failed: dict[str, str] = {}
    for record in ctx.store.lists.values():
        if record.deleted is not None:
            continue
        if str(data["name"]).lower() in _names(ctx, record.id):
            failed[str(record.id)] = f"List field {data['name']!r} already exists"
            continue
        field_id = ctx.store.next_id()
        field = {**keep, "id": field_id, "list_id": record.id, "created": now_ts()}
        _complete(ctx, field)
        ctx.store.collection("list_fields")[field_id] = field
        created.append(_view(ctx, field))
    return ok({"success_list_fields": created, "failed_lists_errors": failed or []})


ROUTES = [
    Route("POST", r"/api/list_fields/all_lists", create_in_all_lists, list_scoped=False),
    *LIST_FIELDS.routes(),
]
