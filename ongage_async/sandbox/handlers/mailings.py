"""Mailings (campaigns) with their documented status codes (60001-60010), segments,
e-mail messages (paged by page/page_size), list fields and ESP connections."""

from __future__ import annotations

from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from ._crud import Collection

DRAFT, SCHEDULED, ABORTED, CANCELLED = 60001, 60002, 60008, 60009
_FINAL = (ABORTED, CANCELLED, 60004)


def _to(status: int, allowed_from: tuple[int, ...] | None = None) -> Any:
    def act(ctx: Context, mailing: dict[str, Any]) -> Reply:
        if mailing["status"] in _FINAL or (allowed_from and mailing["status"] not in allowed_from):
            raise ApiError(412, f"Mailing {mailing['id']} cannot change from {mailing['status']}")
        mailing["status"] = status
        return ok(mailing)

    return act


MAILINGS = Collection(
    "mailings",
    "/api/mailings",
    "Mailing",
    protected=("id", "list_id", "created", "status"),
    defaults={"status": DRAFT},
    actions={
        "abort": _to(ABORTED),
        "cancel": _to(CANCELLED),
        "unschedule": _to(DRAFT, allowed_from=(SCHEDULED,)),
    },
)
SEGMENTS = Collection("segments", "/api/segments", "Segment")
EMAILS = Collection("emails", "/api/emails", "Email message", paging="page")
LIST_FIELDS = Collection(
    "list_fields",
    "/api/list_fields",
    "List field",
    required=("name", "type"),
    defaults={"mandatory": False},
)

ESP_OPTIONS = [
    {"id": "1", "name": "Sandbox SMTP", "esp_id": "100", "active": True},
    {"id": "2", "name": "Sandbox SES", "esp_id": "200", "active": True},
]


def all_list_fields(ctx: Context) -> Reply:
    rows = list(ctx.store.collection("list_fields").values())
    return ok(rows, total=len(rows))


def esp_options(ctx: Context) -> Reply:
    return ok(ESP_OPTIONS, total=len(ESP_OPTIONS))


ROUTES = [
    Route("GET", r"/api/list_fields/all_lists", all_list_fields, list_scoped=False),
    Route("GET", r"/api/esp_connections/options", esp_options, list_scoped=False),
    *MAILINGS.routes(),
    *SEGMENTS.routes(),
    *EMAILS.routes(),
    *LIST_FIELDS.routes(),
]
