"""Exports: ``POST /api/export`` starts one; ``GET /api/export/<id>/retrieve`` answers
412 ("not finished yet", as documented) until it is ready, then a ZIP of one CSV.

Strict reading: each ``GET /api/export/<id>`` or ``/retrieve`` is a poll that moves the
export one step (every ``job_polls_per_step`` polls): queued, processing, completed.
"""

from __future__ import annotations

import csv
import io
import zipfile

from .._http import ApiError, Reply, ok, raw
from .._routing import Context, Route
from .._store import Job
from ._args import body_object, required_text

STATUSES = (1, 2, 3)  # queued, processing, completed
_DESC = {1: "Queued", 2: "Processing", 3: "Completed"}
_STATUS_FILTER = {"active", "unsubscribed", "bounced", "complaint", "soft_bounce", "removed"}


def create_export(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    required_text(data, "name")
    if data.get("file_format", "csv") != "csv":
        raise ApiError(412, "file_format must be csv")
    statuses = data.get("status") or ["active"]
    if not isinstance(statuses, list) or not set(statuses) <= _STATUS_FILTER:
        raise ApiError(412, "status must be an array of contact statuses")
    fields = data.get("fields_selected") or ["email"]
    job = Job(
        ctx.store.next_id(), "export", ctx.list_id, data, STATUSES, ctx.config.job_polls_per_step
    )
    for contact in ctx.store.contacts_of(ctx.list_id):
        if contact.status in statuses:
            full = {**contact.to_payload(), "email": contact.email}
            job.result.append({f: full.get(f, "") for f in fields})
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id, "status": job.status})


def _export(ctx: Context) -> Job:
    job = ctx.store.jobs.get(ctx.params["id"])
    if job is None or job.kind != "export":
        raise ApiError(404, f"Export {ctx.params['id']} not found")
    return job


def get_export(ctx: Context) -> Reply:
    job = _export(ctx)
    status = job.poll()
    return ok(
        {
            "id": job.id,
            "name": job.request.get("name"),
            "status": status,
            "status_desc": _DESC[status],
            "rows": len(job.result),
        }
    )


def retrieve_export(ctx: Context) -> Reply:
    job = _export(ctx)
    if job.poll() != 3:
        raise ApiError(412, "Export is not finished yet")
    fields = job.request.get("fields_selected") or ["email"]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    writer.writerows(job.result)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"export_{job.id}.csv", text.getvalue())
    return raw(archive.getvalue(), "application/zip")


ROUTES = [
    Route("POST", r"/api/export", create_export),
    Route("GET", r"/api/export/(?P<id>\d+)", get_export),
    Route("GET", r"/api/export/(?P<id>\d+)/retrieve", retrieve_export),
]
