"""Contacts, and the per-e-mail answers of contact writes and status changes."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from .._exceptions import ContactWriteError
from .._model import Model
from ._convert import WireModel, as_datetime, as_email_map, as_int, as_str, wire

__all__ = [
    "Contact",
    "ContactStatus",
    "ContactWriteResult",
    "StatusChangeResult",
]


class ContactStatus(str, enum.Enum):
    """A contact's status in a list, whatever case Ongage writes it in (`"Active"`).

    A `str` enum, so `contact.status == "active"` holds. `parse` reads Ongage's
    spelling case-insensitively (`"Active"`, `"Soft Bounce"`, `"hard_bounce"`).

    Attributes:
        ACTIVE: `"active"`.
        UNSUBSCRIBED: `"unsubscribed"`.
        BOUNCED: `"bounced"` (also read from `"bounce"` and `"hard_bounce"`).
        SOFT_BOUNCE: `"soft_bounce"`.
        COMPLAINT: `"complaint"`.
        REMOVED: `"removed"` (also read from `"deleted"`).
    """

    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    SOFT_BOUNCE = "soft_bounce"
    COMPLAINT = "complaint"
    REMOVED = "removed"

    def __str__(self) -> str:  # "active", on every Python (3.12 changed mixin formatting)
        return self.value

    @classmethod
    def parse(cls, value: object) -> ContactStatus | None:
        """The status named by `value`, or `None` for anything unknown."""
        if not isinstance(value, str):
            return None
        key = "_".join(value.strip().lower().replace("-", " ").split())
        try:
            return cls(_STATUS_ALIASES.get(key, key))
        except ValueError:
            return None


_STATUS_ALIASES = {
    "unsubscribe": "unsubscribed",
    "bounce": "bounced",
    "hard_bounce": "bounced",
    "hard_bounced": "bounced",
    "soft_bounced": "soft_bounce",
    "complained": "complaint",
    "deleted": "removed",
}


@attrs.frozen
class Contact(Model):
    """A contact in one list: its e-mail, status and list fields.

    Ongage returns the list fields and its own `ocx_*` fields side by side; the list
    fields land in `fields`, unknown `ocx_*` ones in `extra`. `id` is Ongage's opaque
    contact id (a hex string such as `"5aae312578464ae01f8b4567"`); `status` is typed
    whatever its case on the wire, and a status this SDK does not know is `None` with
    Ongage's own word kept in `extra["ocx_status"]`.

    Attributes:
        id: Ongage's contact id, an opaque string.
        email: The contact's e-mail address.
        status: Its status in the list (Ongage's `ocx_status`), or `None` when unknown.
        list_id: The list it was read from, when Ongage says.
        created: When it was added (`ocx_created_date`).
        unsubscribed_at: When it unsubscribed (`ocx_unsubscribe_date`).
        bounced_at: When it bounced (`ocx_bounce_date`).
        fields: Its list fields (`first_name`, `city`, ...), as Ongage sent them.
        extra: Ongage's other `ocx_*` fields and `list_name`, as sent.
    """

    id: str
    email: str
    status: ContactStatus | None = None
    list_id: str | None = None
    created: dt.datetime | None = None
    unsubscribed_at: dt.datetime | None = None
    bounced_at: dt.datetime | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    _SYSTEM: ClassVar[Mapping[str, str]] = {
        "ocx_status": "status",
        "ocx_created_date": "created",
        "ocx_unsubscribe_date": "unsubscribed_at",
        "ocx_bounce_date": "bounced_at",
    }

    @classmethod
    def from_payload(cls, payload: Any) -> Contact:
        """A contact from one of Ongage's contact objects; never raises on odd values."""
        data = dict(payload) if isinstance(payload, Mapping) else {}
        values: dict[str, Any] = {
            "id": as_str(data.pop("id", None)) or "",
            "email": as_str(data.pop("email", None)) or "",
            "list_id": as_str(data.pop("list_id", None)),
        }
        raw_status = data.get("ocx_status")
        for key, name in cls._SYSTEM.items():
            raw = data.pop(key, None)
            values[name] = ContactStatus.parse(raw) if name == "status" else as_datetime(raw)
        extra = {k: v for k, v in data.items() if k.startswith("ocx_") or k == "list_name"}
        if raw_status is not None and values["status"] is None:
            extra["ocx_status"] = raw_status  # a status we cannot type is kept, not lost
        fields = {k: v for k, v in data.items() if k not in extra}
        return cls(fields=fields, extra=extra, **values)


@attrs.frozen
class ContactWriteResult(WireModel):
    """The answer of `POST`/`PUT /api/v2/contacts`, e-mail by e-mail.

    A call whose rows failed is still `error: false` on the wire; here the failures
    are in `failed` (e-mail -> reason), `ok` is False, and
    [`raise_for_failures`][ongage_async.models.ContactWriteResult.raise_for_failures] turns
    them into an exception.

    Attributes:
        rows: How many contacts the call carried.
        created: Each e-mail added, and its new contact id (`created_emails`).
        updated: Each e-mail updated, and its contact id (`updated_emails`).
        revived: Each e-mail brought back (`revived_emails`), and its contact id.
        failed: Each e-mail that failed, and Ongage's reason (`failed_emails`).
        extra: Every other field of Ongage's answer (such as its counts), as sent.
    """

    rows: int = wire(lambda v: as_int(v) or 0, default=0)
    created: Mapping[str, str] = wire(as_email_map, key="created_emails", default={})
    updated: Mapping[str, str] = wire(as_email_map, key="updated_emails", default={})
    revived: Mapping[str, str] = wire(as_email_map, key="revived_emails", default={})
    failed: Mapping[str, str] = wire(as_email_map, key="failed_emails", default={})
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def succeeded(self) -> Mapping[str, str]:
        """Every e-mail written (created, updated or revived) -> its contact id."""
        return {**self.created, **self.updated, **self.revived}

    @property
    def ok(self) -> bool:
        """True when no contact failed."""
        return not self.failed

    def raise_for_failures(self) -> ContactWriteResult:
        """Raise [`ContactWriteError`][ongage_async.ContactWriteError] if any contact
        failed; else return this result (so it can end a call chain)."""
        if self.failed:
            raise ContactWriteError(self.failed)
        return self


@attrs.frozen
class StatusChangeResult(WireModel):
    """The answer of `POST /api/v2/contacts/change_status`.

    Attributes:
        success: How many contacts changed.
        failed: Each e-mail that failed, and Ongage's reason (`failed_emails`).
        extra: Every other field of Ongage's answer, as sent.
    """

    success: int = wire(lambda v: as_int(v) or 0, default=0)
    failed: Mapping[str, str] = wire(as_email_map, key="failed_emails", default={})
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True when no contact failed."""
        return not self.failed
