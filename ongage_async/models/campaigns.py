"""Mailings, transactional campaigns and sends, segments, e-mail messages, list fields,
ESP connections: the account's other objects."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

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
    """Per-list errors: an object keyed by list id, a list of entries, or ``[]`` for none."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


class MailingStatus(enum.IntEnum):
    """A mailing's status, as Ongage's mailings page documents the codes (page 939458561)."""

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
    """A documented code as :class:`MailingStatus`; an unknown code stays a plain int."""
    code = as_int(value)
    if code is None:
        return None
    try:
        return MailingStatus(code)
    except ValueError:
        return code


@attrs.frozen
class Mailing(WireModel):
    """A mailing (campaign); ``status`` is a :class:`MailingStatus` (60001 new ... 60010
    stopped) when Ongage sends a documented code, else the code as an int."""

    id: str = _id
    name: str = _name
    list_id: int | None = wire(as_int)
    status: int | None = wire(_mailing_status)
    schedule_date: dt.datetime | None = wire(as_datetime)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class TransactionalCampaign(WireModel):
    """A transactional campaign; each list has one ``default`` campaign."""

    id: str = _id
    name: str = _name
    list_id: int | None = wire(as_int)
    default: bool | None = wire(as_bool)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class SendResult:
    """The answer of a transactional send, kept as Ongage sent it.

    No public Ongage page documents this answer's shape, so the SDK reads no key of it
    (reading a guessed key would report a wrong count with confidence): the whole
    ``payload`` is here, to be read by code that knows the account's answers.
    """

    payload: Any = None

    @classmethod
    def from_payload(cls, payload: Any) -> SendResult:
        return cls(payload)


@attrs.frozen
class Segment(WireModel):
    id: str = _id
    name: str = _name
    list_id: int | None = wire(as_int)
    description: str | None = wire(as_str)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class EmailMessage(WireModel):
    id: str = _id
    name: str = _name
    list_id: int | None = wire(as_int)
    subject: str | None = wire(as_str)
    created: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class ListField(WireModel):
    """A list field; ``type`` is one of ``date``, ``email``, ``numeric``, ``string``."""

    id: str = _id
    name: str = _name
    title: str | None = wire(as_str)
    type: str | None = wire(as_str)
    mandatory: bool | None = wire(as_bool)
    position: int | None = wire(as_int)
    list_id: int | None = wire(as_int)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AllListsFieldResult(WireModel):
    """The answer of ``POST /api/list_fields/all_lists`` (a field created in every list).

    ``created`` holds one :class:`ListField` per list where the field was created;
    ``failed`` holds what Ongage said for the lists where it was not (``[]`` on the
    wire when there is nothing, which is ``{}`` here).
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
        return not self.failed


@attrs.frozen
class EspConnection(WireModel):
    """A sending connection (``GET /api/esp_connections/options``, page 820215810)."""

    id: str = _id
    name: str = _name
    esp_id: str | None = wire(as_str)
    esp_name: str | None = wire(as_str)
    support_transactional: bool | None = wire(as_bool)
    extra: Mapping[str, Any] = _extra()
