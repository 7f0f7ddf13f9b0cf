"""Imports, per page 1014366212: asynchronous, polled by ``GET /api/import/<id>``.

* ``POST /api/import`` requires ``file_url`` and ``csv_delimiter``: one of ``,`` ``|``
  ``;`` or a tab, sent as the tab character itself (``"\\t"`` in JSON; the page writes it
  "Tab (t)").  ``import_action`` is one of ``add`` (default) ``remove`` ``unsubscribe``
  ``resubscribe`` ``bounce`` ``complaint`` (``unsubscribe``/``resubscribe`` only into a
  sending list); ``import_type`` is ``sending`` (default) or ``suppression`` and must be
  the type of the list imported into.  Anything else is a 412 naming what is allowed.
* The sandbox fetches nothing from the network: ``file_url`` must have been registered
  with ``sandbox.files[url] = csv_text``; any other URL ends the import in status 90001
  (error), as an unreachable file would; a file without an ``email`` column ends in
  90008 (invalid).
* Each poll moves the import one step every ``job_polls_per_step`` polls: 40001 queued,
  40010 validating, 40002 processing, 40004 updating list stats, 40003 completed.  The
  contacts are written when processing ends.  Answers carry the counts as strings, as
  the page's examples do (``"total": "10"``, ``success failed duplicate existing
  not_existing incomplete invalid progress``), and ``status_desc`` reads
  ``"Processing (50%)"`` while processing and ``"Completed"`` at the end.
* The two answers keep the types of their own examples.  ``GET /api/import/<id>``
  answers ``id``, ``list_id``, ``status``, ``created`` and ``modified`` as numbers,
  ``is_override``, ``save_report`` and ``send_welcome_message`` as booleans, and
  ``account_id``, ``imported_by``, ``size``, ``send_email_notification`` and
  ``deleted`` as strings.  ``GET /api/import`` answers every value of a row as a string
  (flags ``"0"``/``"1"``, ``fields`` as JSON text, times as digit strings, ``"0"`` for a
  time not reached yet), as its example does; ``can_be_aborted`` is ``"1"`` until the
  import is processed.  ``type`` is the import's list type (``sending`` or
  ``suppression``) in both; ``file`` is an opaque token naming the stored file;
  ``fields`` defaults to the file's columns (``email`` typed ``email``, the others
  ``string``).  A contact an import creates carries its ``ocx_import_id``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import USER_ID, ContactRecord, Job, Store, now_ts
from ._args import body_object, required_text, truthy
from .contacts import valid_email

IMPORT_STATUSES = (40001, 40010, 40002, 40004, 40003)
IMPORT_DESC = {
    40001: "Queued",
    40010: "Validating",
    40002: "Processing",
    40004: "Updating list stats",
    40003: "Completed",
    90001: "Error",
    90008: "Invalid",
}
DELIMITERS = (",", "|", "\t", ";")
ACTIONS = ("add", "remove", "unsubscribe", "resubscribe", "bounce", "complaint")
FINAL = (40003, 90001, 90008)
#: why an import ended in error, answered as ``status_info``
STATUS_INFO = {90001: "The file could not be fetched", 90008: "The file has no email column"}
IMPORT_TYPES = ("sending", "suppression")
COUNTS = ("success", "failed", "duplicate", "existing", "not_existing", "incomplete", "invalid")
#: import_action -> the status it gives an existing contact (``remove`` deletes it)
_STATUS_ACTIONS = {
    "unsubscribe": "unsubscribed",
    "resubscribe": "active",
    "bounce": "bounced",
    "complaint": "complaint",
}


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = data.get(name, default)
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ApiError(412, f"{name} must be one of: {shown}", [name])
    return str(value)


def create_import(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    url = required_text(data, "file_url")
    if "csv_delimiter" not in data:
        raise ApiError(412, "csv_delimiter is required: ',', '|', '\\t' (tab) or ';'")
    delimiter = _choice(data, "csv_delimiter", DELIMITERS, ",")
    action = _choice(data, "import_action", ACTIONS, "add")
    import_type = _choice(data, "import_type", IMPORT_TYPES, "sending")
    list_type = ctx.store.lists[ctx.list_id].type
    if import_type != list_type:
        raise ApiError(412, f"import_type is {import_type} but list {ctx.list_id} is {list_type}")
    if list_type != "sending" and action in ("unsubscribe", "resubscribe"):
        raise ApiError(412, f"import_action {action} is only for a sending list")
    job = Job(
        ctx.store.next_id(),
        "import",
        ctx.list_id,
        data,
        IMPORT_STATUSES,
        ctx.config.job_polls_per_step,
    )
    text = ctx.store.files.get(url)
    columns: list[str] = []
    if text is None:
        job.final = 90001
    else:
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        job.result = list(reader)
        columns = list(reader.fieldnames or [])
        if not job.result or "email" not in job.result[0]:
            job.final = 90008
    job.info.update(
        size=len(text.encode()) if text is not None else 0,
        file=hashlib.sha1(f"{job.id}:{url}".encode()).hexdigest()[:16],
        fields=data.get("fields") or {c: {"name": c, "type": _type_of(c)} for c in columns},
        modified=job.created,
    )
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id})


def _type_of(column: str) -> str:
    return "email" if column == "email" else "string"


def _apply(ctx: Context, job: Job) -> None:
    counts = dict.fromkeys(COUNTS, 0)
    seen: set[str] = set()
    action = str(job.request.get("import_action", "add"))
    overwrite = truthy(job.request.get("overwrite"))
    contacts = ctx.store.contacts[job.list_id]
    for row in job.result:
        if None in row.values():  # a row shorter than the header
            counts["incomplete"] += 1
            continue
        email = (row.pop("email", "") or "").strip()
        if not valid_email(email):
            counts["invalid"] += 1
            continue
        if email.lower() in seen:
            counts["duplicate"] += 1
            continue
        seen.add(email.lower())
        contact = ctx.store.find_contact(job.list_id, email)
        if action == "add" and contact is not None and not overwrite:
            counts["existing"] += 1
            continue
        if action != "add" and contact is None:
            counts["not_existing"] += 1
            continue
        if contact is None:
            contact = ContactRecord(ctx.store.next_contact_id(), email, job.list_id, dict(row))
            contact.import_id = int(job.id)
            contacts[email.lower()] = contact
        elif action == "add":
            contact.fields.update(row)
        elif action == "remove":
            del contacts[email.lower()]
        else:
            contact.status = _STATUS_ACTIONS[action]
            setattr(contact, f"{action}_date", now_ts())
        ctx.recorder.contact_writes[(job.list_id, email.lower())] += 1
        counts["success"] += 1
    job.counts = counts


def _progress(job: Job, status: int, step_poll: int) -> tuple[int, str]:
    """The percentage done and ``status_desc``; ``step_poll``: the poll's place in its step."""
    if status in (40004, 40003):
        return 100, IMPORT_DESC[status]
    if status == 40002:
        progress = (step_poll + 1) * 100 // (job.polls_per_step + 1)
        return progress, f"Processing ({progress}%)"
    return 0, IMPORT_DESC[status]


def _flag(value: Any) -> str:
    return "1" if truthy(value) else "0"


def _common(store: Store, job: Job, status: int, step_poll: int) -> dict[str, Any]:
    """The keys both answers share, in the types both examples agree on (strings)."""
    progress, desc = _progress(job, status, step_poll)
    url = str(job.request.get("file_url", ""))
    return {
        "account_id": str(store.lists[job.list_id].account_id),
        "type": job.request.get("import_type", "sending"),
        "action": job.request.get("import_action", "add"),
        "name": url.rstrip("/").rsplit("/", 1)[-1],
        "file": job.info["file"],
        "file_url": url,
        "imported_by": USER_ID,
        "send_email_notification": "0",
        "csv_delimiter": job.request.get("csv_delimiter"),
        "encoding": job.request.get("encoding", "UTF-8"),
        "progress": str(progress),
        "total": str(len(job.result)),
        **{name: str(job.counts.get(name, 0)) for name in COUNTS},
        "status_desc": desc,
        "deleted": "0",
    }


def _answer(store: Store, job: Job, status: int, step_poll: int) -> dict[str, Any]:
    """``GET /api/import/<id>``, typed as the page's example of that call."""
    return {
        "id": int(job.id),
        "list_id": job.list_id,
        **_common(store, job, status, step_poll),
        "is_override": truthy(job.request.get("overwrite")),
        "save_report": True,
        "send_welcome_message": truthy(job.request.get("send_welcome_message")),
        "size": str(job.info["size"]),
        "status": status,
        "created": job.created,
        "modified": job.info["modified"],
    }


def _row(store: Store, job: Job) -> dict[str, Any]:
    """A row of ``GET /api/import``: every value a string, as in the page's example."""
    status = job.status
    return {
        "id": job.id,
        "list_id": str(job.list_id),
        **_common(store, job, status, 0),
        "is_override": _flag(job.request.get("overwrite")),
        "send_welcome_message": _flag(job.request.get("send_welcome_message")),
        "ignore_empty": _flag(job.request.get("ignore_empty")),
        "overwrite_only_nulls": _flag(job.request.get("overwrite_only_nulls")),
        "fields": json.dumps(job.info["fields"], separators=(",", ":")),
        "file_size_bytes": str(job.info["size"]),
        "status": str(status),
        "status_info": STATUS_INFO.get(status, ""),
        "remaining": "",
        "import_process_start_time": str(job.info.get("start", 0)),
        "import_process_end_time": str(job.info.get("end", 0)),
        "can_be_aborted": "1" if status in (40001, 40010, 40002) else "0",
        "created": str(job.created),
        "modified": str(job.info["modified"]),
    }


def _stamp(job: Job, status: int) -> None:
    """Keeps when the import changed status, started processing and ended."""
    stamp = now_ts()
    if job.info.get("status") != status:
        job.info.update(status=status, modified=stamp)
    if status in (40002, 40004, 40003):
        job.info.setdefault("start", stamp)
    if status in FINAL:
        job.info.setdefault("end", stamp)


def get_import(ctx: Context) -> Reply:
    job = ctx.store.jobs.get(ctx.params["id"])
    if job is None or job.kind != "import":
        raise ApiError(404, f"Import {ctx.params['id']} not found")
    status = job.poll()
    _stamp(job, status)
    if status in (40004, 40003) and not job.counts:
        _apply(ctx, job)
    step_poll = (job.polls - 1) % max(1, job.polls_per_step)
    return ok(_answer(ctx.store, job, status, step_poll))


def list_imports(ctx: Context) -> Reply:
    rows = [
        _row(ctx.store, j)
        for j in ctx.store.jobs.values()
        if j.kind == "import" and j.list_id == ctx.list_id
    ]
    return ok(rows, total=len(rows))


ROUTES = [
    Route("POST", r"/api/import", create_import),
    Route("GET", r"/api/import", list_imports),
    Route("GET", r"/api/import/(?P<id>\d+)", get_import),
]
