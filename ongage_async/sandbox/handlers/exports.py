"""Exports, per page 1027997823: ``POST /api/export`` starts one;
``GET /api/export/<id>/retrieve`` answers 412 ("not finished yet", as documented) until
it is ready, then the file: a ZIP of one CSV (``application/zip``).  The page documents
no status route for one export, so ``GET /api/export/<id>`` is a 404.

What ``POST /api/export`` requires (each missing or wrong one is a 412 naming what is
allowed):

* ``name``; ``date_format``, one of ``mm/dd/yyyy mm/dd/yy mm-dd-yyyy mm-dd-yy
  dd/mm/yyyy dd/mm/yy dd-mm-yyyy dd-mm-yy``; ``file_format`` ``csv``;
* ``status``, a non-empty array from ``active unjoin-member clicked opened inactive
  bounced complaint`` (any case); ``bounced`` and ``complaint`` only with ``segment_id``;
* ``segment_id`` or ``mailing_id``: a non-empty array of ids of this list's segments or
  mailings; not needed when the list is a suppression list (whose id the caller gives).

Readings where the page is silent: each ``/retrieve`` is a poll that moves the export
one step (every ``job_polls_per_step`` polls): queued, processing, completed.  The
rows are the list's contacts whose status matches: ``active`` = active (a soft bounce
still receives mail), ``unjoin-member`` = unsubscribed, ``inactive`` = unsubscribed,
bounced or complaint, ``bounced`` and ``complaint`` as named; nobody opens or clicks
sandbox mail, so ``opened`` and ``clicked`` match no one.  ``fields_selected``
defaults to ``email`` and the list's fields; the system fields allowed are
``ocx_contact_id ocx_created_date ocx_unsubscribe_date``, and dates are written in
``date_format``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timezone
from typing import Any

from ...resources.exports import DATE_FORMATS  # the export page's list, kept once
from .._http import ApiError, Reply, ok, raw
from .._routing import Context, Route
from .._store import ContactRecord, Job
from ._args import body_object, required_text

STATUSES = (1, 2, 3)  # queued, processing, completed
#: export status -> the stored contact statuses it selects
EXPORT_STATUSES: dict[str, frozenset[str]] = {
    "active": frozenset({"active", "soft_bounce"}),
    "unjoin-member": frozenset({"unsubscribed"}),
    "clicked": frozenset(),
    "opened": frozenset(),
    "inactive": frozenset({"unsubscribed", "bounced", "complaint"}),
    "bounced": frozenset({"bounced"}),
    "complaint": frozenset({"complaint"}),
}
_SEGMENT_ONLY = ("bounced", "complaint")
SYSTEM_FIELDS = ("ocx_contact_id", "ocx_created_date", "ocx_unsubscribe_date")


def _one_of(data: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in allowed:
        raise ApiError(412, f"{name} is required, one of: {', '.join(allowed)}", [f"{name}"])
    return str(value)


def _statuses(data: dict[str, Any]) -> list[str]:
    given = data.get("status")
    allowed = ", ".join(EXPORT_STATUSES)
    if not isinstance(given, list) or not given:
        raise ApiError(412, f"status is required: a non-empty array of {allowed}", ["status"])
    wanted = [str(s).lower() for s in given]
    unknown = [s for s in wanted if s not in EXPORT_STATUSES]
    if unknown:
        raise ApiError(412, f"Unknown status {unknown[0]!r}; available: {allowed}", ["status"])
    if "segment_id" not in data and any(s in _SEGMENT_ONLY for s in wanted):
        raise ApiError(412, "bounced and complaint are available only for a segment export")
    return wanted


def _ids(ctx: Context, data: dict[str, Any], name: str, collection: str) -> None:
    ids = data[name]
    if not isinstance(ids, list) or not ids:
        raise ApiError(412, f"{name} must be a non-empty array of ids", [name])
    records = ctx.store.collection(collection)
    for item in ids:
        found = records.get(str(item)) if str(item).isdigit() else None
        if found is None or found["list_id"] != ctx.list_id:
            raise ApiError(412, f"{name} {item!r} is not a {collection[:-1]} of list {ctx.list_id}")


def _source(ctx: Context, data: dict[str, Any]) -> None:
    """``segment_id[]`` or ``mailing_id[]``; neither is needed on a suppression list."""
    for name, collection in (("segment_id", "segments"), ("mailing_id", "mailings")):
        if name in data:
            _ids(ctx, data, name, collection)
            return
    if ctx.store.lists[ctx.list_id].type != "suppression":
        raise ApiError(412, "segment_id or mailing_id (an array of ids) is required")


def _fields(ctx: Context, data: dict[str, Any]) -> list[str]:
    given = data.get("fields_selected")
    if given is None:
        names = dict.fromkeys(["email"])
        for contact in ctx.store.contacts_of(ctx.list_id):
            names.update(dict.fromkeys(contact.fields))
        return list(names)
    if not isinstance(given, list) or not all(isinstance(f, str) and f for f in given):
        raise ApiError(412, "fields_selected must be an array of field names")
    system = [f for f in given if f.startswith("ocx_") and f not in SYSTEM_FIELDS]
    if system:
        allowed = ", ".join(SYSTEM_FIELDS)
        raise ApiError(412, f"{system[0]!r} is not exportable; system fields: {allowed}")
    return list(given)


def _date(stamp: int | None, date_format: str) -> str:
    if stamp is None:
        return ""
    pattern = date_format.replace("yyyy", "%Y").replace("yy", "%y")
    pattern = pattern.replace("mm", "%m").replace("dd", "%d")
    return datetime.fromtimestamp(stamp, tz=timezone.utc).strftime(pattern)


def _row(contact: ContactRecord, fields: list[str], date_format: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        **contact.fields,
        "email": contact.email,
        "ocx_contact_id": contact.id,
        "ocx_created_date": _date(contact.created, date_format),
        "ocx_unsubscribe_date": _date(contact.unsubscribe_date, date_format),
    }
    return {f: values.get(f, "") for f in fields}


def create_export(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    required_text(data, "name")
    date_format = _one_of(data, "date_format", DATE_FORMATS)
    _one_of(data, "file_format", ("csv",))
    wanted = _statuses(data)
    _source(ctx, data)
    fields = _fields(ctx, data)
    selected = frozenset().union(*(EXPORT_STATUSES[s] for s in wanted))
    job = Job(
        ctx.store.next_id(), "export", ctx.list_id, data, STATUSES, ctx.config.job_polls_per_step
    )
    job.request = {**data, "fields_selected": fields}
    for contact in ctx.store.contacts_of(ctx.list_id):
        if contact.status in selected:
            job.result.append(_row(contact, fields, date_format))
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id, "name": data["name"], "list_id": ctx.list_id})


def retrieve_export(ctx: Context) -> Reply:
    job = ctx.store.jobs.get(ctx.params["id"])
    if job is None or job.kind != "export":
        raise ApiError(404, f"Export {ctx.params['id']} not found")
    if job.poll() != STATUSES[-1]:
        raise ApiError(412, "Export is not finished yet")
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=job.request["fields_selected"])
    writer.writeheader()
    writer.writerows(job.result)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"export_{job.id}.csv", text.getvalue())
    return raw(archive.getvalue(), "application/zip")


ROUTES = [
    Route("POST", r"/api/export", create_export),
    Route("GET", r"/api/export/(?P<id>\d+)/retrieve", retrieve_export),
]
