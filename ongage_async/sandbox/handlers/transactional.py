"""Transactional sends and campaigns.  Every e-mail sent is recorded, so a test can
prove that nothing was sent twice.

Creating a campaign (``POST /api/transactional``) requires ``name`` and
``description`` (page 947486763); either missing is a 412.
"""

from __future__ import annotations

from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import STATUS_NAMES, now_ts
from ._args import body_object, editable, find_or_404, required_text, truthy
from .contacts import valid_email


def _recipients(data: dict[str, Any]) -> list[str]:
    recipients = data.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise ApiError(412, "recipients must be a non-empty array of e-mail addresses")
    bad = [r for r in recipients if not valid_email(r)]
    if bad:
        raise ApiError(400, "Please insert a valid Email address", [f"invalid: {bad[0]!s:.80}"])
    return recipients


def _campaign(ctx: Context, data: dict[str, Any]) -> str | None:
    campaign_id = data.get("campaign_id")
    if campaign_id is None:
        return ctx.store.default_campaign_of(ctx.list_id)
    campaign = ctx.store.campaigns.get(str(campaign_id))
    if campaign is None or campaign["list_id"] != ctx.list_id:
        raise ApiError(404, f"Transactional campaign {campaign_id} not found")
    return str(campaign_id)


def _deliver(ctx: Context, data: dict[str, Any], message: str) -> Reply:
    recipients = _recipients(data)
    campaign_id = _campaign(ctx, data)
    failed: dict[str, str] = {}
    sent = 0
    for email in recipients:
        contact = ctx.store.find_contact(ctx.list_id, email)
        if truthy(data.get("check_status")) and contact is not None and contact.status != "active":
            failed[email] = f"Contact status is {STATUS_NAMES[contact.status]}"
            continue
        ctx.recorder.transactional_sends[email.lower()] += 1
        ctx.recorder.sent_messages.append((email, message, campaign_id))
        ctx.store.sends.append(
            {
                "list_id": ctx.list_id,
                "email": email,
                "message_id": message,
                "mailing_id": campaign_id,
                "time": now_ts(),
            }
        )
        sent += 1
    return ok(
        {
            "success": sent,
            "failed": len(failed),
            "failed_recipients": failed or [],
            "campaign_id": campaign_id,
        }
    )


def send(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    message_id = data.get("message_id")
    if (
        isinstance(message_id, bool)
        or not isinstance(message_id, (int, str))
        or not str(message_id)
    ):
        raise ApiError(412, "message_id is required")
    return _deliver(ctx, data, str(message_id))


def send_embed_content(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    message = data.get("message")
    if not isinstance(message, dict):
        raise ApiError(412, "message is required")
    required_text(message, "subject")
    if not (message.get("content_html") or message.get("content_text")):
        raise ApiError(412, "message needs content_html or content_text")
    return _deliver(ctx, data, "embedded")


def list_campaigns(ctx: Context) -> Reply:
    rows = [c for c in ctx.store.campaigns.values() if c["list_id"] == ctx.list_id]
    return ok(rows, total=len(rows))


def create_campaign(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    name = required_text(data, "name")
    description = required_text(data, "description")
    campaign_id = ctx.store.next_id()
    campaign = {
        "id": campaign_id,
        "list_id": ctx.list_id,
        "name": name,
        "description": description,
        "default": False,
        "created": now_ts(),
        **editable(data, ("id", "list_id", "name", "description", "default", "created")),
    }
    ctx.store.campaigns[campaign_id] = campaign
    return ok(campaign)


def _existing(ctx: Context) -> dict[str, Any]:
    return find_or_404(ctx.store.campaigns, ctx.params["id"], "Transactional campaign")


def update_campaign(ctx: Context) -> Reply:
    campaign = _existing(ctx)
    data = body_object(ctx.body)
    campaign.update(editable(data, ("id", "list_id", "default")))
    return ok(campaign)


def delete_campaign(ctx: Context) -> Reply:
    campaign = _existing(ctx)
    if campaign["default"]:
        raise ApiError(412, "The list's default transactional campaign cannot be deleted")
    del ctx.store.campaigns[campaign["id"]]
    return ok({"id": campaign["id"], "deleted": True})


ROUTES = [
    Route("POST", r"/api/transactional/send", send),
    Route("POST", r"/api/transactional/send_embed_content", send_embed_content),
    Route("GET", r"/api/transactional", list_campaigns),
    Route("POST", r"/api/transactional", create_campaign),
    Route("PUT", r"/api/transactional/(?P<id>\d+)", update_campaign),
    Route("DELETE", r"/api/transactional/(?P<id>\d+)", delete_campaign),
]
