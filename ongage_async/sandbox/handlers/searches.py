"""Contact search and contact activity (pages 1029308417, 1027997911): asynchronous.

``POST /api/contact_search`` (or ``/api/contact_activity``) needs ``title`` and
``filters.criteria``; ``GET .../<id>`` is a poll (status 1 pending, then 2 completed,
with ``status_desc``), moving one step every ``job_polls_per_step`` polls; then
``GET .../<id>/export`` answers the CSV, and contact activity also has
``GET .../<id>/export_detailed`` (the sandbox's "combined detailed" report is the same
rows).  Before completion both are a 412.

A criterion names its field by ``field_name`` or by ``field_id`` (a list field of the
list searched; an unknown id is a 412).  Its ``operator`` is exactly one of ``=`` ``<``
``>`` ``<=`` ``>=`` ``!=`` ``><`` (in range: operand ``[low, high]``, inclusive)
``empty`` ``notempty`` ``LIKE`` (contains) ``NOT LIKE`` ``LIKE_`` (begins with)
``_LIKE`` (ends with); any other is a 412 naming these.  ``operand`` is an array;
``=`` matches any of its values, ``!=`` none of them.  Comparisons ignore case unless
``case_sensitive`` is true (``ocx_status`` always ignores case: Ongage answers
``"Active"``); ``<`` ``>`` ``><`` compare numbers when both sides are numbers, text
otherwise.  ``condition`` (``and``/``or``) joins a criterion to the one before, with
``and`` binding tighter.

Behavioural criteria (``type`` ``behavior`` or ``activity``) take an object operand
(``{"mailing_ids": [...]}``); it is checked to be an object.  Reading: nobody opens
or clicks sandbox mail, so no contact has the activity such a criterion asks for and
it matches no one.  ``include_behavior`` and ``combined_as_and`` are accepted at the
top of the body (booleans); their effect on results is not documented, so the sandbox
lets them change nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from .._http import ApiError, Reply, ok, raw
from .._routing import Context, Route
from .._store import ContactRecord, Job
from ._args import body_object, paging, required_text, truthy
from .list_fields import find_field

SEARCH_STATUSES = (1, 2)
_DESC = {1: "Pending", 2: "Completed"}
BEHAVIOURAL = ("behavior", "activity")
_Test = Callable[[str, list[str]], bool]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(text: str, other: str) -> int:
    """-1, 0 or 1: as numbers when both are numbers, else as text."""
    left, right = _number(text), _number(other)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    return (text > other) - (text < other)


OPERATORS: dict[str, _Test] = {
    "=": lambda v, o: v in o,
    "<": lambda v, o: _compare(v, o[0]) < 0,
    ">": lambda v, o: _compare(v, o[0]) > 0,
    "<=": lambda v, o: _compare(v, o[0]) <= 0,
    ">=": lambda v, o: _compare(v, o[0]) >= 0,
    "!=": lambda v, o: v not in o,
    "><": lambda v, o: _compare(v, o[0]) >= 0 and _compare(v, o[1]) <= 0,
    "empty": lambda v, o: not v,
    "notempty": lambda v, o: bool(v),
    "LIKE": lambda v, o: o[0] in v,
    "NOT LIKE": lambda v, o: o[0] not in v,
    "LIKE_": lambda v, o: v.startswith(o[0]),
    "_LIKE": lambda v, o: v.endswith(o[0]),
}
_OPERANDS = {"><": 2, "empty": 0, "notempty": 0}  # how many operands; others need one


def _field_name(ctx: Context, rule: dict[str, Any]) -> str:
    if rule.get("field_name") is not None:
        return str(rule["field_name"])
    if rule.get("field_id") is None:
        raise ApiError(412, "A criterion needs field_name or field_id")
    field = find_field(ctx, rule["field_id"])
    if field is None:
        raise ApiError(412, f"field_id {rule['field_id']!r} is not a field of list {ctx.list_id}")
    return str(field["name"])


def _checked(ctx: Context, rule: Any) -> dict[str, Any]:
    """A criterion, validated once, with its field name resolved."""
    if not isinstance(rule, dict):
        raise ApiError(412, "Each criterion must be an object")
    condition = str(rule.get("condition", "and")).lower()
    if condition not in ("and", "or"):
        raise ApiError(412, "condition must be and or or")
    if str(rule.get("type", "")).lower() in BEHAVIOURAL:
        if not isinstance(rule.get("operand"), dict):
            raise ApiError(
                412, 'A behavioural criterion takes an object operand, e.g. {"mailing_ids": [1]}'
            )
        return {"behavioural": True, "condition": condition}
    operator = rule.get("operator")
    if not isinstance(operator, str) or operator not in OPERATORS:
        raise ApiError(412, f"Unknown operator {operator!r}; allowed: {', '.join(OPERATORS)}")
    operand = rule.get("operand", [])
    if not isinstance(operand, list) or not all(isinstance(o, (str, int, float)) for o in operand):
        raise ApiError(412, "operand must be an array of values")
    if len(operand) < _OPERANDS.get(operator, 1):
        raise ApiError(412, f"operator {operator} needs {_OPERANDS.get(operator, 1)} operand(s)")
    field = _field_name(ctx, rule)
    sensitive = truthy(rule.get("case_sensitive")) and field != "ocx_status"
    return {
        "field": field,
        "test": OPERATORS[operator],
        "operand": [str(o) if sensitive else str(o).lower() for o in operand],
        "sensitive": sensitive,
        "condition": condition,
    }


def _matches(contact: ContactRecord, rule: dict[str, Any]) -> bool:
    if rule.get("behavioural"):
        return False  # no contact has opened or clicked anything in the sandbox
    value = contact.to_payload().get(rule["field"])
    text = "" if value is None else str(value)
    test: _Test = rule["test"]
    return test(text if rule["sensitive"] else text.lower(), rule["operand"])


def _selected(contact: ContactRecord, rules: list[dict[str, Any]]) -> bool:
    """``or`` separates groups of ``and``-ed criteria; no criteria select everyone."""
    groups: list[list[bool]] = [] if rules else [[]]
    for index, rule in enumerate(rules):
        if index == 0 or rule["condition"] == "or":
            groups.append([])
        groups[-1].append(_matches(contact, rule))
    return any(all(group) for group in groups)


def _kind(ctx: Context) -> str:
    return "contact_activity" if "activity" in ctx.request.path else "contact_search"


def create_search(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    required_text(data, "title")
    filters = data.get("filters")
    if not isinstance(filters, dict) or not isinstance(filters.get("criteria"), list):
        raise ApiError(412, "filters.criteria is required (an array of criteria)")
    for flag in ("include_behavior", "combined_as_and"):
        if flag in data and not isinstance(data[flag], (bool, int, str)):
            raise ApiError(412, f"{flag} must be a boolean")
    rules = [_checked(ctx, rule) for rule in filters["criteria"]]
    fields = data.get("selected_fields") or ["email"]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ApiError(412, "selected_fields must be an array of field names")
    job = Job(
        ctx.store.next_id(),
        _kind(ctx),
        ctx.list_id,
        data,
        SEARCH_STATUSES,
        ctx.config.job_polls_per_step,
    )
    for contact in ctx.store.contacts_of(ctx.list_id):
        if _selected(contact, rules):
            full = contact.to_payload()
            job.result.append({f: full.get(f) for f in fields})
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id, "status": job.status, "status_desc": _DESC[job.status]})


def _search(ctx: Context) -> Job:
    job = ctx.store.jobs.get(ctx.params["id"])
    if job is None or job.kind != _kind(ctx):
        raise ApiError(404, f"{_kind(ctx)} {ctx.params['id']} not found")
    return job


def _finished(ctx: Context) -> Job:
    job = _search(ctx)
    if job.status != SEARCH_STATUSES[-1]:
        raise ApiError(412, "The search is not finished yet")
    return job


def get_search(ctx: Context) -> Reply:
    job = _search(ctx)
    status = job.poll()
    title = job.request.get("title", "")
    payload = {"id": job.id, "title": title, "status": status, "status_desc": _DESC[status]}
    return ok({**payload, "total": len(job.result)})


def search_result(ctx: Context) -> Reply:
    """The results as JSON, paged.  Ongage's current pages no longer document this
    route (they offer ``/export``); it is kept for clients written against older pages."""
    job = _finished(ctx)
    offset, limit = paging(ctx.query, default_limit=1000)
    return ok(job.result[offset : offset + limit], total=len(job.result))


def search_export(ctx: Context) -> Reply:
    job = _finished(ctx)
    out = io.StringIO()
    fields = job.request.get("selected_fields") or ["email"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(job.result)
    return raw(out.getvalue().encode(), "text/csv")


def list_searches(ctx: Context) -> Reply:
    rows = [
        {"id": j.id, "title": j.request.get("title", ""), "status": j.status}
        for j in ctx.store.jobs.values()
        if j.kind == _kind(ctx) and j.list_id == ctx.list_id
    ]
    return ok(rows, total=len(rows))


def delete_search(ctx: Context) -> Reply:
    job = _search(ctx)
    del ctx.store.jobs[job.id]
    return ok({"id": job.id, "deleted": True})


ROUTES: list[Route] = []
for _base in ("/api/contact_search", "/api/contact_activity"):
    ROUTES += [
        Route("POST", _base, create_search),
        Route("GET", _base, list_searches),
        Route("GET", _base + r"/(?P<id>\d+)", get_search),
        Route("GET", _base + r"/(?P<id>\d+)/result", search_result),
        Route("GET", _base + r"/(?P<id>\d+)/export", search_export),
        Route("DELETE", _base + r"/(?P<id>\d+)", delete_search),
    ]
ROUTES.append(Route("GET", r"/api/contact_activity/(?P<id>\d+)/export_detailed", search_export))
