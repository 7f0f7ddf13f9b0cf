"""Mailings, transactional campaigns and sends, segments, e-mail messages, list fields,
ESP connections: the account's other objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ._convert import WireModel, as_bool, as_datetime, as_email_map, as_int, as_str, wire

__all__ = [
    "EmailMessage",
    "EspConnection",
    "ListField",
    "Mailing",
    "Segment",
    "SendResult",
    "TransactionalCampaign",
]

_id = wire(lambda v: as_str(v) or "", default="")
_name = wire(lambda v: as_str(v) or "", default="")


def _extra() -> Any:
    return attrs.field(factory=dict, repr=False)


@attrs.frozen
class Mailing(WireModel):
    """A mailing (campaign); ``status`` is Ongage's 6000x code (60001 draft ...)."""

    id: str = _id
    name: str = _name
    list_id: int | None = wire(as_int)
    status: int | None = wire(as_int)
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
class SendResult(WireModel):
    """The answer of a transactional send."""

    success: int = wire(lambda v: as_int(v) or 0, default=0)
    failed: Mapping[str, str] = wire(as_email_map, key="failed_recipients", default={})
    campaign_id: str | None = wire(as_str)
    extra: Mapping[str, Any] = _extra()


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
    id: str = _id
    name: str = _name
    title: str | None = wire(as_str)
    type: str | None = wire(as_str)
    mandatory: bool | None = wire(as_bool)
    position: int | None = wire(as_int)
    list_id: int | None = wire(as_int)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class EspConnection(WireModel):
    id: str = _id
    name: str = _name
    esp_id: str | None = wire(as_str)
    active: bool | None = wire(as_bool)
    extra: Mapping[str, Any] = _extra()
