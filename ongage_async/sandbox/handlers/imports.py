"""Imports, per page 1014366212: asynchronous, polled by ``GET /api/import/<id>``.

* ``POST /api/import`` requires ``file_url`` and ``csv_delimiter``: one of ``,`` ``|``
  ``;`` or a tab, sent as the tab character itself (``"\\t"`` in JSON; the page writes it
  "Tab (t)").  ``import_action`` is one of ``add`` (default) ``remove`` ``unsubscribe``
  ``resubscribe`` ``bounce`` ``complaint`` (``unsubscribe``/``resubscribe`` only into a
  sending list); ``import_type`` is ``sending`` (default) or ``suppression`` and must be
  the type of the list imported into.  Anything else is a 412 naming what is allowed.
* ``file_url`` is fetched over HTTP when the import leaves 40001, once, as Ongage
  does (``_fetch``: loopback only unless ``SandboxConfig.import_fetch_hosts`` says
  otherwise, redirects only to the same host); a URL registered with
  ``sandbox.files[url] = csv_text`` is read from there instead, with no fetch.  A file
  that cannot be fetched ends the import in status 90001 (error); a ZIP of more than
  one file, text not in the import's ``encoding``, a file without an ``email`` column
  or without rows ends it in 90008 (invalid).  ``status_desc`` then says why.
* Each poll moves the import one step every ``job_polls_per_step`` polls: 40001 queued,
  40010 validating, 40002 processing, 40004 updating list stats, 40003 completed.
  Processing writes the contacts as it goes, through the same store as the v2 calls: a
  share of the rows at each 40002 poll (``import_rows_per_poll`` rows a poll when set,
  which makes processing last as many polls as it needs), the rest at the first 40004
  poll.  The counts are Ongage's: ``duplicate`` (an e-mail seen earlier in the file,
  whatever its case), ``existing`` (adding without ``overwrite`` a contact that exists),
  ``not_existing`` (another action on one that does not), ``incomplete`` (a row shorter
  than the header), ``invalid`` (an unusable e-mail).  Answers carry the counts as
  strings, as the page's examples do (``"total": "10"``, ``success failed duplicate
  existing not_existing incomplete invalid progress``), and ``status_desc`` reads
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

import codecs
import csv
import hashlib
import io
import json
import math
from collections.abc import Iterator
from typing import Any

import attrs

from .._fetch import FileInvalid, FileUnreachable, fetch_file, unpack
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
IMPORT_TYPES = ("sending", "suppression")
COUNTS = ("success", "failed", "duplicate", "existing", "not_existing", "incomplete", "invalid")
#: import_action -> the status it gives an existing contact (``remove`` deletes it)
_STATUS_ACTIONS = {
    "unsubscribe": "unsubscribed",
    "resubscribe": "active",
    "bounce": "bounced",
    "complaint": "complaint",
}
_QUEUED, _VALIDATING, _PROCESSING, _STATS, _DONE = range(5)


@attrs.define
class ImportRun:
    """An import's file and how far it got (kept in ``job.info["run"]``)."""

    polls_per_step: int
    rows_per_poll: int | None
    phase: int = _QUEUED
    polls_in_phase: int = 0
    error: tuple[int, str] | None = None  # (90001 or 90008, why)
    header: list[str] = attrs.field(factory=list)
    total: int = 0
    processed: int = 0
    progress: int = 0
    rows: Iterator[list[str]] | None = None
    seen: set[str] = attrs.field(factory=set)

    @property
    def status(self) -> int:
        return self.error[0] if self.error else IMPORT_STATUSES[self.phase]

    def dwell(self) -> int:
        """Polls the current phase lasts; processing lasts as long as its rows need."""
        polls = max(1, self.polls_per_step)
        if self.phase == _PROCESSING and self.rows_per_poll:
            return max(polls, math.ceil(self.total / self.rows_per_poll))
        return polls

    def advance(self) -> None:
        self.polls_in_phase += 1
        if self.phase < _DONE and self.polls_in_phase >= self.dwell():
            self.phase, self.polls_in_phase = self.phase + 1, 0


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
    _choice(data, "csv_delimiter", DELIMITERS, ",")
    action = _choice(data, "import_action", ACTIONS, "add")
    import_type = _choice(data, "import_type", IMPORT_TYPES, "sending")
    list_type = ctx.store.lists[ctx.list_id].type
    if import_type != list_type:
        raise ApiError(412, f"import_type is {import_type} but list {ctx.list_id} is {list_type}")
    if list_type != "sending" and action in ("unsubscribe", "resubscribe"):
        raise ApiError(412, f"import_action {action} is only for a sending list")
    job = Job(ctx.store.next_id(), "import", ctx.list_id, data, IMPORT_STATUSES, 1)
    job.info.update(
        run=ImportRun(ctx.config.job_polls_per_step, ctx.config.import_rows_per_poll),
        size=0,
        file=hashlib.sha1(f"{job.id}:{url}".encode()).hexdigest()[:16],
        fields=data.get("fields") or {},
        modified=job.created,
    )
    ctx.store.jobs[job.id] = job
    return ok({"id": job.id})


def _type_of(column: str) -> str:
    return "email" if column == "email" else "string"


async def _load(ctx: Context, job: Job, run: ImportRun) -> None:
    """Fetch and check the file (status 40010); a failure ends the import at once."""
    url = str(job.request["file_url"])
    limit = ctx.config.import_max_bytes
    try:
        text = ctx.store.files.get(url)
        if text is None:
            data = await fetch_file(url, hosts=ctx.config.import_fetch_hosts, max_bytes=limit)
            job.info["size"] = len(data)
            text = _decode(unpack(data, max_bytes=limit), job.request.get("encoding"))
        else:
            job.info["size"] = len(text.encode())
        delimiter = str(job.request["csv_delimiter"])
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        if "email" not in header:
            raise FileInvalid("The file has no email column")
        run.header, run.total = header, sum(1 for _ in _data_rows(text, delimiter))
        if not run.total:
            raise FileInvalid("The file has no rows")
    except FileUnreachable as exc:
        run.error = (90001, str(exc))
        return
    except FileInvalid as exc:
        run.error = (90008, str(exc))
        return
    run.rows = _data_rows(text, delimiter)
    if not job.info["fields"]:
        job.info["fields"] = {c: {"name": c, "type": _type_of(c)} for c in header}


def _decode(data: bytes, encoding: Any) -> str:
    name = str(encoding or "utf-8")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise FileInvalid(f"Unknown encoding {name!r}") from None
    try:  # a UTF-8 file may start with a byte-order mark, which is not part of the header
        return data.decode("utf-8-sig" if codec.name == "utf-8" else codec.name)
    except UnicodeDecodeError:
        raise FileInvalid(f"The file is not {name} text") from None


def _data_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(rows, None)  # the header
    return (row for row in rows if row)  # a blank line is no row


def _process(ctx: Context, job: Job, run: ImportRun, upto: int) -> None:
    """Import rows until ``upto`` of them are done, through the same store as v2 calls."""
    counts = job.counts or dict.fromkeys(COUNTS, 0)
    job.counts = counts
    action = str(job.request.get("import_action", "add"))
    overwrite = truthy(job.request.get("overwrite"))
    contacts = ctx.store.contacts[job.list_id]
    header = run.header
    while run.processed < upto and run.rows is not None:
        values = next(run.rows, None)
        if values is None:
            break
        run.processed += 1
        if len(values) < len(header):
            counts["incomplete"] += 1
            continue
        row = dict(zip(header, values, strict=False))  # extra values are ignored
        email = (row.pop("email", "") or "").strip()
        if not valid_email(email):
            counts["invalid"] += 1
            continue
        if email.lower() in run.seen:
            counts["duplicate"] += 1
            continue
        run.seen.add(email.lower())
        contact = ctx.store.find_contact(job.list_id, email)
        if action == "add" and contact is not None and not overwrite:
            counts["existing"] += 1
            continue
        if action != "add" and contact is None:
            counts["not_existing"] += 1
            continue
        if contact is None:
            contact = ContactRecord(ctx.store.next_contact_id(), email, job.list_id, row)
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


async def _step(ctx: Context, job: Job, run: ImportRun) -> int:
    """One poll: do what the current phase does, answer its status, move on."""
    if run.phase == _VALIDATING and run.polls_in_phase == 0 and run.error is None:
        await _load(ctx, job, run)
    if run.error is None and run.phase == _PROCESSING:
        share = run.polls_in_phase + 1, run.dwell() + 1
        run.progress = share[0] * 100 // share[1]
        _process(ctx, job, run, run.total * share[0] // share[1])
    elif run.error is None and run.phase >= _STATS:
        _process(ctx, job, run, run.total)
        run.progress = 100
    status = run.status
    if run.error is None:
        run.advance()
    return status


def _desc(run: ImportRun, status: int) -> str:
    if run.error is not None:
        return f"{IMPORT_DESC[status]}: {run.error[1]}"
    if status == 40002:
        return f"Processing ({run.progress}%)"
    return IMPORT_DESC[status]


def _flag(value: Any) -> str:
    return "1" if truthy(value) else "0"


def _common(store: Store, job: Job, status: int) -> dict[str, Any]:
    """The keys both answers share, in the types both examples agree on (strings)."""
    run: ImportRun = job.info["run"]
    url = str(job.request.get("file_url", ""))
    return {
        "account_id": str(store.lists[job.list_id].account_id),
        "type": job.request.get("import_type", "sending"),
        "action": job.request.get("import_action", "add"),
        # The file's name without the query: a signed URL's query is a credential.
        "name": url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1],
        "file": job.info["file"],
        "file_url": url,
        "imported_by": USER_ID,
        "send_email_notification": "0",
        "csv_delimiter": job.request.get("csv_delimiter"),
        "encoding": job.request.get("encoding", "UTF-8"),
        "progress": str(run.progress if run.error is None else 0),
        "total": str(run.total),
        **{name: str(job.counts.get(name, 0)) for name in COUNTS},
        "status_desc": _desc(run, status),
        "deleted": "0",
    }


def _answer(store: Store, job: Job, status: int) -> dict[str, Any]:
    """``GET /api/import/<id>``, typed as the page's example of that call."""
    return {
        "id": int(job.id),
        "list_id": job.list_id,
        **_common(store, job, status),
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
    run: ImportRun = job.info["run"]
    status = run.status
    return {
        "id": job.id,
        "list_id": str(job.list_id),
        **_common(store, job, status),
        "is_override": _flag(job.request.get("overwrite")),
        "send_welcome_message": _flag(job.request.get("send_welcome_message")),
        "ignore_empty": _flag(job.request.get("ignore_empty")),
        "overwrite_only_nulls": _flag(job.request.get("overwrite_only_nulls")),
        "fields": json.dumps(job.info["fields"], separators=(",", ":")),
        "file_size_bytes": str(job.info["size"]),
        "status": str(status),
        "status_info": run.error[1] if run.error else "",
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


async def get_import(ctx: Context) -> Reply:
    job = ctx.store.jobs.get(ctx.params["id"])
    if job is None or job.kind != "import":
        raise ApiError(404, f"Import {ctx.params['id']} not found")
    job.polls += 1
    status = await _step(ctx, job, job.info["run"])
    _stamp(job, status)
    return ok(_answer(ctx.store, job, status))


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
