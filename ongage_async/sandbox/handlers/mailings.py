"""Mailings (campaigns), per page 939458561 and the Corrections in API.md.

* ``POST /api/mailings`` without ``schedule_date`` launches the campaign at once: the
  answer is 60003 (in progress) and the launch is recorded in
  ``recorder.mailing_launches``.  The run stays in progress for ``job_polls_per_step``
  reads of the mailing (``GET`` of it or of the collection), then it is 60004
  (completed).  With ``schedule_date`` (unix time, an int or a digit string, in the
  future; anything else is a 412) it is 60002 (scheduled), and it launches when it is
  read at or after that time.
* ``PUT /api/mailings/<id>`` with a ``schedule_date`` (re)schedules a new or scheduled
  campaign; on a campaign in any other status that is a 412.
* The actions are ``PUT /api/mailings/<id>/<action>``; a ``POST`` there finds no route
  (404), as on Ongage.

  - ``abort`` "toggles campaign status On Hold / Stopped / In Progress".  Reading: it
    pauses a running campaign (60003 -> 60009 on hold) and resumes a paused one
    (60009 on hold or 60010 stopped -> 60003, where its run goes on); a paused run does
    not advance.  On any other status it is a 412: a scheduled campaign is unscheduled
    or cancelled instead, a finished one has nothing to toggle.
  - ``cancel`` "cancels/deletes" a campaign that has not finished: new, scheduled, in
    progress, on hold or stopped -> 60006 (cancelled).  On a completed, errored,
    cancelled or deleted campaign it is a 412.
  - ``unschedule`` sets a scheduled campaign back to 60001 (new); otherwise a 412.

Statuses are answered as digit strings with ``status_desc``, as in the page's examples
(``"status": "60004", "status_desc": "Completed"``).

A mailing is answered as the page's ``GET /api/mailings/<id>`` example shows it: ids,
flags and times as strings (``"list_id": "23939"``, ``"is_test": "0"``, ``"deleted":
"0"``), ``type`` ``"campaign"``, ``scheduled_by`` the sandbox's API user, and the
``segments``, ``distribution`` and ``email_message`` it was created with (ids) expanded
into the page's rows from what the account holds (a name the account does not have is
``""``).  Readings: a segment's ``last_count`` is the list's active contacts (the
sandbox does not evaluate segment rules) and ``exclude`` is ``"0"`` (these are the
segments sent to); a distribution row's ``name`` is its ESP's name and ``domain``
``"default"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._http import ApiError
from .._routing import Context
from .._store import USER_ID, Job, now_ts
from ._crud import Collection, stored_view
from .catalog import ESP_CONNECTIONS

NEW, SCHEDULED, IN_PROGRESS, COMPLETED, ERROR = 60001, 60002, 60003, 60004, 60005
CANCELLED, DELETED, COMPLETED_WITH_ERRORS, ON_HOLD, STOPPED = 60006, 60007, 60008, 60009, 60010
STATUS_DESC = {
    NEW: "New",
    SCHEDULED: "Scheduled",
    IN_PROGRESS: "In Progress",
    COMPLETED: "Completed",
    ERROR: "Error",
    CANCELLED: "Cancelled",
    DELETED: "Deleted",
    COMPLETED_WITH_ERRORS: "Completed with errors",
    ON_HOLD: "On Hold",
    STOPPED: "Stopped",
}
#: action -> {status it acts on: status it leaves}
_TRANSITIONS: dict[str, dict[int, int]] = {
    "abort": {IN_PROGRESS: ON_HOLD, ON_HOLD: IN_PROGRESS, STOPPED: IN_PROGRESS},
    "cancel": dict.fromkeys((NEW, SCHEDULED, IN_PROGRESS, ON_HOLD, STOPPED), CANCELLED),
    "unschedule": {SCHEDULED: NEW},
}


def status_of(mailing: dict[str, Any]) -> int:
    return int(mailing["status"])


def _set(mailing: dict[str, Any], status: int) -> None:
    mailing["status"] = str(status)
    mailing["status_desc"] = STATUS_DESC[status]
    mailing["status_date"] = str(now_ts())


def _schedule_date(value: Any) -> str:
    """A documented ``schedule_date``: unix seconds, in the future."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ApiError(
            412, "schedule_date must be a unix timestamp in seconds (an integer or digit string)"
        )
    if int(value) <= now_ts():
        raise ApiError(412, f"schedule_date {value} is in the past")
    return str(int(value))


def _launch(ctx: Context, mailing: dict[str, Any]) -> None:
    statuses = (IN_PROGRESS, COMPLETED)
    run = Job(
        mailing["id"], "mailing", mailing["list_id"], {}, statuses, ctx.config.job_polls_per_step
    )
    ctx.store.mailing_runs[mailing["id"]] = run
    ctx.recorder.mailing_launches.append((mailing["list_id"], mailing["id"]))
    _set(mailing, IN_PROGRESS)


def _on_create(ctx: Context, data: dict[str, Any], mailing: dict[str, Any]) -> None:
    when = data.get("schedule_date")
    if when is None:
        mailing["schedule_date"] = "0"
        _launch(ctx, mailing)
    else:
        mailing["schedule_date"] = _schedule_date(when)
        _set(mailing, SCHEDULED)


def _on_update(ctx: Context, data: dict[str, Any], mailing: dict[str, Any]) -> None:
    if data.get("schedule_date") is None:
        return
    if status_of(mailing) not in (NEW, SCHEDULED):
        raise ApiError(
            412,
            f"Mailing {mailing['id']} is {STATUS_DESC[status_of(mailing)]}; only a New or "
            "Scheduled mailing can be scheduled",
        )
    data["schedule_date"] = _schedule_date(data["schedule_date"])
    _set(mailing, SCHEDULED)


def _refresh(ctx: Context, mailing: dict[str, Any]) -> None:
    """A read of a mailing: a due scheduled one launches, a running one moves on."""
    status = status_of(mailing)
    if status == SCHEDULED and int(mailing["schedule_date"]) <= now_ts():
        _launch(ctx, mailing)
    elif status == IN_PROGRESS:
        run = ctx.store.mailing_runs[mailing["id"]]
        _set(mailing, run.poll())


def _action(name: str) -> Callable[[Context, dict[str, Any]], dict[str, Any]]:
    moves = _TRANSITIONS[name]

    def act(ctx: Context, mailing: dict[str, Any]) -> dict[str, Any]:
        status = status_of(mailing)
        if status not in moves:
            allowed = ", ".join(f"{STATUS_DESC[s]} ({s})" for s in moves)
            raise ApiError(
                412,
                f"Mailing {mailing['id']} is {STATUS_DESC[status]} ({status}); "
                f"{name} applies only to: {allowed}",
            )
        _set(mailing, moves[status])
        if moves[status] == CANCELLED:
            ctx.store.mailing_runs.pop(mailing["id"], None)
        return mailing

    return act


def _ids(value: Any, key: str) -> list[tuple[str, dict[str, Any]]]:
    """The referenced ids of a mailing's ``segments``/``email_message``/``distribution``:
    each item an id, or an object naming it by ``key`` (with its other settings)."""
    items = value if isinstance(value, list) else []
    found = []
    for item in items:
        given = item if isinstance(item, dict) else {key: item}
        found.append((str(given.get(key, given.get("id", ""))), given))
    return found


def _segments(ctx: Context, mailing: dict[str, Any]) -> list[dict[str, Any]]:
    segments = ctx.store.collection("segments")
    active = sum(c.status == "active" for c in ctx.store.contacts_of(mailing["list_id"]))
    rows = []
    for segment_id, given in _ids(mailing.get("segments"), "segment_id"):
        segment = segments.get(segment_id, {})
        rows.append(
            {
                "segment_id": segment_id,
                "type": str(segment.get("type") or "Active"),
                "name": str(segment.get("name") or ""),
                "last_count": str(active),
                "exclude": "1" if given.get("exclude") in (True, 1, "1") else "0",
            }
        )
    return rows


def _distribution(mailing: dict[str, Any]) -> list[dict[str, Any]]:
    connections = {row["id"]: row for row, _ in ESP_CONNECTIONS}
    rows = []
    for connection_id, given in _ids(mailing.get("distribution"), "esp_connection_id"):
        connection = connections.get(connection_id, {})
        rows.append(
            {
                "esp_id": connection.get("esp_id", ""),
                "esp_connection_id": connection_id,
                "isp_id": given.get("isp_id"),
                "domain": str(given.get("domain") or "default"),
                "percent": str(given.get("percent", 100)),
                "name": connection.get("esp_name", ""),
            }
        )
    return rows


def _email_messages(ctx: Context, mailing: dict[str, Any]) -> list[dict[str, Any]]:
    emails = ctx.store.collection("emails")
    rows = []
    for email_id, _ in _ids(mailing.get("email_message"), "email_message_id"):
        email = emails.get(email_id, {})
        rows.append(
            {
                "type": "email_message",
                "email_message_id": email_id,
                "name": str(email.get("name") or ""),
                "description": str(email.get("description") or ""),
                "subject": str(email.get("subject") or ""),
            }
        )
    return rows


def _view(ctx: Context, mailing: dict[str, Any]) -> dict[str, Any]:
    """A mailing as the page's example shows one (see the module's docstring)."""
    return {
        **stored_view(ctx, mailing, "campaign"),
        "is_test": "1" if mailing.get("is_test") in (True, 1, "1") else "0",
        "split_type": mailing.get("split_type"),
        "description": str(mailing.get("description") or ""),
        "scheduled_by": USER_ID,
        "segments": _segments(ctx, mailing),
        "distribution": _distribution(mailing),
        "email_message": _email_messages(ctx, mailing),
    }


MAILINGS = Collection(
    "mailings",
    "/api/mailings",
    "Mailing",
    protected=("id", "list_id", "created", "status", "status_desc", "status_date"),
    actions={name: _action(name) for name in _TRANSITIONS},
    on_create=_on_create,
    on_update=_on_update,
    refresh=_refresh,
    view=_view,
)

ROUTES = MAILINGS.routes()
