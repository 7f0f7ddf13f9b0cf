"""Segments, e-mail messages (paged by page/page_size) and ESP connection options.

``GET /api/esp_connections/options`` (page 820215810) answers rows of ``id, esp_id,
esp_name, support_transactional, name`` (digit strings, as on the page).  Its
``active_only`` filter is a boolean (``1``/``true``/``0``/``false``, any case; anything
else is a 412): when true only active connections come back.  The sandbox account has
one inactive connection so that the filter can be seen to work.

An e-mail message is answered as the page's ``GET /api/emails/<id>`` example shows it:
ids, flags and times as strings (``"list_id": "23939"``, ``"unsubscribe_default_link":
"1"``, ``"deleted": "0"``), ``type`` ``"email_message"``, and the text keys a message
was created without as ``""``.  Reading: ``mailing_id`` is the first mailing of the
list that sends the message, ``"0"`` while none does.
"""

from __future__ import annotations

from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from ._crud import Collection, stored_view

_TEXTS = (
    "description",
    "content_html",
    "content_text",
    "unsubscribe_success_html",
    "unsubscribe_confirmation_html",
    "unsubscribe_confirmation_button",
)


def _flag(value: Any) -> str:
    return "0" if value in (False, 0, "0", "false") else "1"


def _mailing_of(ctx: Context, email: dict[str, Any]) -> str:
    """The first mailing of the message's list that sends it, ``"0"`` when none does."""
    for mailing in ctx.store.collection("mailings").values():
        messages = mailing.get("email_message")
        if mailing["list_id"] != email["list_id"] or not isinstance(messages, list):
            continue
        ids = {str(m.get("email_message_id") if isinstance(m, dict) else m) for m in messages}
        if email["id"] in ids:
            return str(mailing["id"])
    return "0"


def _email_view(ctx: Context, email: dict[str, Any]) -> dict[str, Any]:
    """An e-mail message as the page's example shows one (see the module's docstring)."""
    return {
        **stored_view(ctx, email, "email_message"),
        **{key: str(email.get(key) or "") for key in _TEXTS},
        "unsubscribe_default_link": _flag(email.get("unsubscribe_default_link", True)),
        "mailing_id": _mailing_of(ctx, email),
    }


SEGMENTS = Collection("segments", "/api/segments", "Segment")
EMAILS = Collection("emails", "/api/emails", "Email message", paging="page", view=_email_view)

#: (row as answered, whether the connection is active)
ESP_CONNECTIONS: list[tuple[dict[str, str], bool]] = [
    (
        {
            "id": "14897",
            "esp_id": "4",
            "esp_name": "Amazon SES",
            "support_transactional": "1",
            "name": "Sandbox SES",
        },
        True,
    ),
    (
        {
            "id": "14889",
            "esp_id": "59",
            "esp_name": "Private SMTP",
            "support_transactional": "1",
            "name": "Sandbox SMTP",
        },
        True,
    ),
    (
        {
            "id": "15074",
            "esp_id": "58",
            "esp_name": "Mailgun",
            "support_transactional": "1",
            "name": "Sandbox Mailgun (inactive)",
        },
        False,
    ),
]
_BOOLEANS = {"1": True, "true": True, "0": False, "false": False}


def esp_options(ctx: Context) -> Reply:
    given = ctx.query.get("active_only", "false").strip().lower()
    if given not in _BOOLEANS:
        raise ApiError(412, "active_only must be a boolean: true, false, 1 or 0")
    rows: list[dict[str, Any]] = [
        dict(row) for row, active in ESP_CONNECTIONS if active or not _BOOLEANS[given]
    ]
    return ok(rows, total=len(rows))


ROUTES = [
    Route("GET", r"/api/esp_connections/options", esp_options, list_scoped=False),
    *SEGMENTS.routes(),
    *EMAILS.routes(),
]
