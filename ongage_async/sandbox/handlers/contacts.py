"""Contacts: the v2 write methods with their per-e-mail answer, lookups, status, delete.

The answer of ``POST``/``PUT /api/v2/contacts`` reports each e-mail, and a call whose
rows all failed is still ``error: false`` (as documented): a client has to read
``failed_emails``.  Empty per-e-mail objects arrive as ``[]``.

Contact ids are opaque strings (24 hex characters, as Ongage issues them): every route
that takes one (``by_id/<id>``, ``contacts/delete``, ``PUT /api/v2/contacts`` matching
by ``id``) accepts any id without ``/`` and answers "not found" when there is none.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
from .._store import ContactRecord, now_ts
from ._args import body_object, truthy

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_RESERVED = frozenset({"email", "overwrite", "fields", "id", "contact_id", "list_id"})
_CHANGE_TO = {
    "unsubscribe": "unsubscribed",
    "resubscribe": "active",
    "remove": "removed",
    "bounce": "bounced",
    "complaint": "complaint",
    "soft_bounce": "soft_bounce",
}


def valid_email(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def _rows(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.body if isinstance(ctx.body, list) else [ctx.body]
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise ApiError(400, "The body must be a contact object or an array of them")
    if any("list_id" in r for r in rows):
        raise ApiError(400, "list_id is not accepted in the body here; use the route prefix")
    limit = ctx.config.max_contacts_per_call
    if limit is not None and len(rows) > limit:
        raise ApiError(413, f"Too many contacts in one call (at most {limit})")
    return rows


def _fields_of(row: dict[str, Any]) -> dict[str, Any]:
    fields = row.get("fields")
    if fields is not None and not isinstance(fields, dict):
        raise ApiError(400, "fields must be an object")
    flat = {k: v for k, v in row.items() if k not in _RESERVED}
    return {**flat, **(fields or {})}


def _write(ctx: Context, *, update_only: bool) -> Reply:
    rows = _rows(ctx)
    outcome: dict[str, dict[str, Any]] = {"created": {}, "updated": {}, "revived": {}, "failed": {}}
    for row in rows:
        email = row.get("email")
        key = str(email)
        fields = _fields_of(row)
        contact = _match(ctx, row, email)
        if update_only:
            if contact is None:
                outcome["failed"][key] = "Contact not found"
                continue
            contact.fields.update(fields)
            outcome["updated"][contact.email] = contact.id
        elif not valid_email(email):
            outcome["failed"][key] = "Please insert a valid Email address"
            continue
        elif contact is None:
            contact = ContactRecord(
                id=ctx.store.next_contact_id(), email=email, list_id=ctx.list_id, fields=fields
            )
            ctx.store.contacts[ctx.list_id][email.lower()] = contact
            outcome["created"][email] = contact.id
        elif contact.status == "removed":
            contact.status, contact.fields = "active", fields
            outcome["revived"][email] = contact.id
        elif truthy(row.get("overwrite", False)):
            contact.fields.update(fields)
            outcome["updated"][email] = contact.id
        else:
            outcome["failed"][key] = "Email already exists"
            continue
        ctx.recorder.contact_writes[(ctx.list_id, contact.email.lower())] += 1
    counts = {name: len(emails) for name, emails in outcome.items()}
    payload: dict[str, Any] = {"rows": len(rows)}
    for name in ("created", "updated", "revived", "failed"):
        payload[name] = counts[name]
        payload[f"{name}_emails"] = outcome[name] or []
    payload["success"] = counts["created"] + counts["updated"] + counts["revived"]
    return ok(payload)


def _contact_id(value: Any) -> str:
    """A contact id as a client may send it: a non-empty string (an int is read as text)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise ApiError(412, "A contact id must be a non-empty string")
    return str(value)


def _match(ctx: Context, row: dict[str, Any], email: Any) -> ContactRecord | None:
    contact_id = row.get("id", row.get("contact_id"))
    if contact_id is not None:
        return ctx.store.find_contact_by_id(ctx.list_id, _contact_id(contact_id))
    return ctx.store.find_contact(ctx.list_id, email) if isinstance(email, str) else None


def create_contacts(ctx: Context) -> Reply:
    return _write(ctx, update_only=False)


def update_contacts(ctx: Context) -> Reply:
    return _write(ctx, update_only=True)


def by_email(ctx: Context) -> Reply:
    contact = ctx.store.find_contact(ctx.list_id, ctx.params["email"])
    if contact is None:
        raise ApiError(404, "Contact not found")
    return ok(contact.to_payload())


def by_id(ctx: Context) -> Reply:
    contact = ctx.store.find_contact_by_id(ctx.list_id, ctx.params["id"])
    if contact is None:
        raise ApiError(404, "Contact not found")
    return ok(contact.to_payload())


def cross_account(ctx: Context) -> Reply:
    email = ctx.query.get("email", "")
    if not valid_email(email):
        raise ApiError(400, "Please insert a valid Email address")
    found = []
    for record in ctx.store.lists.values():
        contact = ctx.store.find_contact(record.id, email)
        if contact is not None and record.deleted is None:
            found.append({"list_id": record.id, "list_name": record.name, **contact.to_payload()})
    return ok(found, total=len(found))


def change_status(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    change_to = data.get("change_to")
    if change_to not in _CHANGE_TO:
        raise ApiError(412, f"change_to must be one of {', '.join(_CHANGE_TO)}")
    emails = data.get("emails")
    if not isinstance(emails, list) or not emails:
        raise ApiError(412, "emails must be a non-empty array")
    failed: dict[str, str] = {}
    success = 0
    for email in emails:
        contact = ctx.store.find_contact(ctx.list_id, email) if isinstance(email, str) else None
        if contact is None:
            failed[str(email)] = "Contact not found"
            continue
        contact.status = _CHANGE_TO[change_to]
        stamp = now_ts()
        if change_to == "unsubscribe":
            contact.unsubscribe_date = stamp
        elif change_to in ("bounce", "soft_bounce"):
            contact.bounce_date = stamp
        elif change_to == "complaint":
            contact.complaint_date = stamp
        elif change_to == "resubscribe":
            contact.resubscribe_date = stamp
        success += 1
    return ok({"success": success, "failed": len(failed), "failed_emails": failed or []})


def change_email(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    old, new = data.get("email"), data.get("new_email")
    if not valid_email(old) or not valid_email(new):
        raise ApiError(400, "Please insert a valid Email address")
    contact = ctx.store.find_contact(ctx.list_id, old)
    if contact is None:
        raise ApiError(404, "Contact not found")
    if ctx.store.find_contact(ctx.list_id, new) is not None:
        raise ApiError(412, "Email already exists")
    del ctx.store.contacts[ctx.list_id][old.lower()]
    contact.email = new
    ctx.store.contacts[ctx.list_id][new.lower()] = contact
    return ok({"id": contact.id, "email": new})


def delete_contacts(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    ids = data.get("contact_ids", [data["contact_id"]] if "contact_id" in data else None)
    if not isinstance(ids, list) or not ids:
        raise ApiError(412, "contact_id or contact_ids is required")
    deleted = 0
    for contact_id in [_contact_id(i) for i in ids]:
        contact = ctx.store.find_contact_by_id(ctx.list_id, contact_id)
        if contact is not None:
            del ctx.store.contacts[ctx.list_id][contact.email.lower()]
            deleted += 1
    return ok({"deleted": deleted})


ROUTES = [
    Route("POST", r"/api/v2/contacts", create_contacts, body_list_id=False),
    Route("PUT", r"/api/v2/contacts", update_contacts, body_list_id=False),
    Route("POST", r"/api/v2/contacts/change_status", change_status),
    Route("GET", r"/api/contacts/by_email/(?P<email>[^/]+)", by_email),
    Route("GET", r"/api/contacts/by_id/(?P<id>[^/]+)", by_id),
    Route("GET", r"/api/contacts/cross_account", cross_account, list_scoped=False),
    Route("PUT", r"/api/contacts/change_email", change_email),
    Route("POST", r"/api/contacts/delete", delete_contacts),
]
