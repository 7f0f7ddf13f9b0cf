"""Asynchronous jobs: imports and contact searches, which move through their statuses.

The sandbox fetches nothing from the network: an import's ``file_url`` must have been
registered with ``sandbox.files[url] = csv_text``; any other URL ends the import in
status 90001 (error), as an unreachable file would.  Each poll of a job advances it by
one step every ``job_polls_per_step`` polls; the import's contacts are written when it
completes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .._http import ApiError, Reply, ok, raw
from .._routing import Context, Route
from .._store import ContactRecord, Job
from ._args import body_object, paging, required_text, truthy
from .contacts import valid_email

IMPORT_STATUSES = (40001, 40010, 40002, 40004, 40003)
IMPORT_DESC = {
    40001: "Queued",
    40010: "Validating",
    40002: "Processing",
    40004: "Updating stats",
    40003: "Completed",
    90001: "Error",
    90008: "Invalid",
}
SEARCH_STATUSES = (1, 2)
_DELIMITERS = {",": ",", "|": "|", "tab": "\t", "\t": "\t", ";": ";"}
_ACTIONS = ("add", "remove", "unsubscribe", "resubscribe", "bounce", "complaint")


def _job(ctx: Context, kind: str) -> Job:
    job = ctx.store.jobs.get(ctx.params["id"])
    if job is None or job.kind != kind:
        raise ApiError(404, f"{kind} {ctx.params['id']} not found")
    return job


def create_import(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    url = required_text(data, "file_url")
    delimiter = _DELIMITERS.get(str(data.get("csv_delimiter", ",")))
    action = data.get("import_action", "add")
    if delimiter is None or action not in _ACTIONS:
        raise ApiError(412, "csv_delimiter or import_action is not valid")
    job = Job(
        ctx.store.next_id(),
        "import",
        ctx.list_id,
        data,
        IMPORT_STATUSES,
        ctx.config.job_polls_per_step,
    )
    text = ctx.store.files.get(url)
    if text is None:
        job.final = 90001
    else:
        job.result = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        if not job.result or "email" not in job.result[0]:
            job.final = 90008
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id})


def _apply_import(ctx: Context, job: Job) -> None:
    counts = dict.fromkeys(("success", "failed", "duplicate", "existing", "invalid"), 0)
    seen: set[str] = set()
    overwrite = truthy(job.request.get("overwrite"))
    for row in job.result:
        email = (row.pop("email", "") or "").strip()
        if not valid_email(email):
            counts["invalid"] += 1
            continue
        if email.lower() in seen:
            counts["duplicate"] += 1
            continue
        seen.add(email.lower())
        contact = ctx.store.find_contact(job.list_id, email)
        if contact is not None and not overwrite:
            counts["existing"] += 1
            continue
        if contact is None:
            contact = ContactRecord(ctx.store.next_id(), email, job.list_id, dict(row))
            ctx.store.contacts[job.list_id][email.lower()] = contact
        else:
            contact.fields.update(row)
        ctx.recorder.contact_writes[(job.list_id, email.lower())] += 1
        counts["success"] += 1
    job.counts = counts


def get_import(ctx: Context) -> Reply:
    job = _job(ctx, "import")
    status = job.poll()
    if status == 40003 and not job.counts:
        _apply_import(ctx, job)
    return ok(_import_payload(job, status))


def _import_payload(job: Job, status: int) -> dict[str, Any]:
    done = status in (40003, 40004) or status >= 90000
    return {
        "id": job.id,
        "list_id": job.list_id,
        "name": job.request.get("name", ""),
        "status": status,
        "status_desc": IMPORT_DESC[status],
        "progress": 100 if done else 0,
        "total": len(job.result),
        **{
            k: job.counts.get(k, 0)
            for k in ("success", "failed", "duplicate", "existing", "invalid")
        },
    }


def list_imports(ctx: Context) -> Reply:
    rows = [
        _import_payload(j, j.status)
        for j in ctx.store.jobs.values()
        if j.kind == "import" and j.list_id == ctx.list_id
    ]
    return ok(rows, total=len(rows))


def _criterion(contact: ContactRecord, rule: dict[str, Any]) -> bool:
    field = str(rule.get("field_name"))
    value = contact.email if field == "email" else contact.fields.get(field)
    text, operand = str(value or ""), [str(o) for o in rule.get("operand") or [""]]
    if not truthy(rule.get("case_sensitive")):
        text, operand = text.lower(), [o.lower() for o in operand]
    operator = str(rule.get("operator", "=")).lower()
    tests = {
        "=": text in operand,
        "!=": text not in operand,
        "like": operand[0] in text,
        "notlike": operand[0] not in text,
        "starts": text.startswith(operand[0]),
        "ends": text.endswith(operand[0]),
        "empty": not text,
        "notempty": bool(text),
    }
    if operator not in tests:
        raise ApiError(412, f"Unknown operator {operator!r}")
    return tests[operator]


def create_search(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    filters = data.get("filters")
    if not isinstance(filters, dict) or not isinstance(filters.get("criteria"), list):
        raise ApiError(412, "filters.criteria is required")
    kind = "contact_activity" if "activity" in ctx.request.path else "contact_search"
    job = Job(
        ctx.store.next_id(), kind, ctx.list_id, data, SEARCH_STATUSES, ctx.config.job_polls_per_step
    )
    fields = data.get("selected_fields") or ["email"]
    for contact in ctx.store.contacts_of(ctx.list_id):
        verdicts = [_criterion(contact, rule) for rule in filters["criteria"]]
        any_of = any(str(r.get("condition", "and")).lower() == "or" for r in filters["criteria"])
        if any(verdicts) if any_of else all(verdicts):
            full = contact.to_payload()
            job.result.append({f: full.get(f) for f in fields})
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id})


def _search(ctx: Context) -> Job:
    kind = "contact_activity" if "activity" in ctx.request.path else "contact_search"
    return _job(ctx, kind)


def get_search(ctx: Context) -> Reply:
    job = _search(ctx)
    return ok(
        {
            "id": job.id,
            "title": job.request.get("title", ""),
            "status": job.poll(),
            "total": len(job.result),
        }
    )


def search_result(ctx: Context) -> Reply:
    job = _search(ctx)
    if job.status != 2:
        raise ApiError(412, "The search is not finished yet")
    offset, limit = paging(ctx.query, default_limit=1000)
    return ok(job.result[offset : offset + limit], total=len(job.result))


def search_export(ctx: Context) -> Reply:
    job = _search(ctx)
    if job.status != 2:
        raise ApiError(412, "The search is not finished yet")
    out = io.StringIO()
    fields = job.request.get("selected_fields") or ["email"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(job.result)
    return raw(out.getvalue().encode(), "text/csv")


def list_searches(ctx: Context) -> Reply:
    kind = "contact_activity" if "activity" in ctx.request.path else "contact_search"
    rows = [
        {"id": j.id, "title": j.request.get("title", ""), "status": j.status}
        for j in ctx.store.jobs.values()
        if j.kind == kind and j.list_id == ctx.list_id
    ]
    return ok(rows, total=len(rows))


def delete_search(ctx: Context) -> Reply:
    job = _search(ctx)
    del ctx.store.jobs[job.id]
    return ok({"id": job.id, "deleted": True})


ROUTES = [
    Route("POST", r"/api/import", create_import),
    Route("GET", r"/api/import", list_imports),
    Route("GET", r"/api/import/(?P<id>\d+)", get_import),
]
for _base in ("/api/contact_search", "/api/contact_activity"):
    ROUTES += [
        Route("POST", _base, create_search),
        Route("GET", _base, list_searches),
        Route("GET", _base + r"/(?P<id>\d+)", get_search),
        Route("GET", _base + r"/(?P<id>\d+)/result", search_result),
        Route("GET", _base + r"/(?P<id>\d+)/export", search_export),
        Route("DELETE", _base + r"/(?P<id>\d+)", delete_search),
    ]
