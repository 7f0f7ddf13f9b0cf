"""Mailings, transactional campaigns and sends, segments, e-mail messages, list fields,
ESP connections: the account's other objects."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from .._model import Model
from ._convert import WireModel, as_bool, as_datetime, as_int, as_str, wire

__all__ = [
    "AllListsFieldResult",
    "EmailMessage",
    "EspConnection",
    "ListField",
    "Mailing",
    "MailingStatus",
    "Segment",
    "SendResult",
    "TransactionalCampaign",
]

_id = wire(lambda v: as_str(v) or "", default="")
_name = wire(lambda v: as_str(v) or "", default="")


def _extra() -> Any:
    return attrs.field(factory=dict, repr=False)


def _rows(value: Any) -> list[Any]:
    """A collection that may come as a list, or as an object keyed by id."""
    if isinstance(value, Mapping):
        return list(value.values())
    return list(value) if isinstance(value, list) else []


def _errors_by_list(value: Any) -> Mapping[str, Any]:
    """Per-list errors: an object keyed by list id, a list of entries, or `[]` for none."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


class MailingStatus(enum.IntEnum):
    """A mailing's status, as Ongage's mailings page documents the codes (page 939458561).

    An `IntEnum`: `mailing.status == 60004` holds.

    Attributes:
        NEW: 60001.
        SCHEDULED: 60002.
        IN_PROGRESS: 60003.
        COMPLETED: 60004.
        ERROR: 60005.
        CANCELLED: 60006.
        DELETED: 60007.
        COMPLETED_WITH_ERRORS: 60008.
        ON_HOLD: 60009.
        STOPPED: 60010.
    """

    NEW = 60001
    SCHEDULED = 60002
    IN_PROGRESS = 60003
    COMPLETED = 60004
    ERROR = 60005
    CANCELLED = 60006
    DELETED = 60007
    COMPLETED_WITH_ERRORS = 60008
    ON_HOLD = 60009
    STOPPED = 60010


def _mailing_status(value: Any) -> int | None:
    """A documented code as `MailingStatus`; an unknown code stays a plain int."""
    code = as_int(value)
    if code is None:
        return None
    try:
        return MailingStatus(code)
    except ValueError:
        return code


@attrs.frozen
class Mailing(WireModel):
    """A mailing (campaign): `client.mailings.get`, `create`, `abort`, ... return one.

    Attributes:
        id: The mailing's id.
        name: Its name.
        list_id: Its list.
        status: A [`MailingStatus`][ongage_async.models.MailingStatus] (60001 new ... 60010
            stopped) when Ongage sends a documented code, else the code as an int.
        schedule_date: When it is (or was) scheduled to send.
        created: When it was created.
        extra: Every other field of Ongage's answer (its messages, segments,
            distribution, ...), as sent.
    """

    id: str = _id
    name: str = _name
    list_id: str | None = wire(as_str)
    status: int | None = wire(_mailing_status)
    schedule_date: dt.datetime | None = wire(as_datetime)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class TransactionalCampaign(WireModel):
    """A transactional campaign (`client.transactional.list`, `create`, ...).

    Each list has one default transactional campaign.

    Attributes:
        id: The campaign's id.
        name: Its name.
        list_id: Its list.
        default: Whether it is its list's default transactional campaign.
        created: When it was created.
        extra: Every other field of Ongage's answer (its `description`, ...), as sent.
    """

    id: str = _id
    name: str = _name
    list_id: str | None = wire(as_str)
    default: bool | None = wire(as_bool)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class SendResult(Model):
    """The answer of a transactional send, kept as Ongage sent it.

    No public Ongage page documents this answer's shape, so the SDK reads no key of it
    (reading a guessed key would report a wrong count with confidence): the whole
    `payload` is here, to be read by code that knows the account's answers.

    Attributes:
        payload: Ongage's answer (the envelope's `payload`), as it came.
    """

    payload: Any = None

    @classmethod
    def from_payload(cls, payload: Any) -> SendResult:
        """The answer as it came."""
        return cls(payload)


@attrs.frozen
class Segment(WireModel):
    """A segment of a list (`client.segments.get`, `list`, `create`, ...).

    Attributes:
        id: The segment's id.
        name: Its name.
        list_id: Its list.
        description: Its description.
        created: When it was created.
        extra: Every other field of Ongage's answer (its rules, `last_count`, ...), as
            sent.
    """

    id: str = _id
    name: str = _name
    list_id: str | None = wire(as_str)
    description: str | None = wire(as_str)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class EmailMessage(WireModel):
    """An e-mail message or template (`client.emails.get`, `list`, `create`, ...).

    Attributes:
        id: The message's id.
        name: Its name.
        list_id: Its list.
        subject: Its subject line.
        created: When it was created.
        extra: Every other field of Ongage's answer (its content, addresses, ...), as
            sent.
    """

    id: str = _id
    name: str = _name
    list_id: str | None = wire(as_str)
    subject: str | None = wire(as_str)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class ListField(WireModel):
    """A list field (`client.list_fields.get`, `list`, `create`, ...).

    Attributes:
        id: The field's id.
        name: Its name (its key in contacts).
        title: The title the Ongage UI shows.
        type: `"date"`, `"email"`, `"numeric"` or `"string"`.
        mandatory: Whether every contact must have a value.
        position: Its position among the list's fields.
        list_id: Its list.
        extra: Every other field of Ongage's answer (`format`, `default`, ...), as sent.
    """

    id: str = _id
    name: str = _name
    title: str | None = wire(as_str)
    type: str | None = wire(as_str)
    mandatory: bool | None = wire(as_bool)
    position: int | None = wire(as_int)
    list_id: str | None = wire(as_str)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AllListsFieldResult(WireModel):
    """The answer of `POST /api/list_fields/all_lists` (a field created in every list).

    Attributes:
        created: One [`ListField`][ongage_async.models.ListField] per list where the field was
            created (`success_list_fields`).
        failed: What Ongage said for each list where it was not, keyed by list id
            (`failed_lists_errors`; `[]` on the wire when there is nothing, `{}` here).
        extra: Every other field of Ongage's answer, as sent.
    """

    created: tuple[ListField, ...] = wire(
        lambda v: tuple(ListField.from_payload(r) for r in _rows(v)),
        key="success_list_fields",
        default=(),
    )
    failed: Mapping[str, Any] = wire(_errors_by_list, key="failed_lists_errors", default={})
    extra: Mapping[str, Any] = _extra()

    @property
    def ok(self) -> bool:
        """True when every list got the field."""
        return not self.failed


@attrs.frozen
class EspConnection(WireModel):
    """A sending connection (`GET /api/esp_connections/options`, page 820215810).

    Attributes:
        id: The connection's id.
        name: Its name.
        esp_id: The id of its ESP.
        esp_name: The ESP's name.
        support_transactional: Whether it can send transactional e-mail.
        extra: Every other field of Ongage's answer, as sent.
    """

    id: str = _id
    name: str = _name
    esp_id: str | None = wire(as_str)
    esp_name: str | None = wire(as_str)
    support_transactional: bool | None = wire(as_bool)
    extra: Mapping[str, Any] = _extra()
