"""The `List` model (an Ongage contact list: sending or suppression)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ._convert import WireModel, as_bool, as_datetime, as_int, as_str, wire

__all__ = ["List"]


@attrs.frozen
class List(WireModel):
    """An Ongage list: `client.lists.get`, `list`, `create`, ... return one.

    Ids and counts are ints and times aware UTC datetimes, whether Ongage sends them
    as numbers or as strings. Fields Ongage adds later land in `extra`, never an error.

    Attributes:
        id: The list's id.
        name: Its name.
        type: `"sending"` or `"suppression"`.
        description: Its description.
        account_id: The account it belongs to.
        last_count: How many contacts it had at the last count.
        last_active_count: How many of them were active.
        unsubscribes: Its unsubscribed contacts.
        complaints: Its contacts who complained.
        bounces: Its bounced contacts.
        archive: Whether it is archived.
        default: Whether it is the account's default list.
        created: When it was created.
        modified: When it was last changed.
        deleted: When it was deleted (`None` if it was not).
        extra: Every other field of Ongage's answer, as sent.
    """

    id: str = wire(lambda v: as_str(v) or "", default="")
    name: str = wire(lambda v: as_str(v) or "", default="")
    type: str | None = wire(as_str)
    description: str | None = wire(as_str)
    account_id: str | None = wire(as_str)
    last_count: int | None = wire(as_int)
    last_active_count: int | None = wire(as_int)
    unsubscribes: int | None = wire(as_int)
    complaints: int | None = wire(as_int)
    bounces: int | None = wire(as_int)
    archive: bool | None = wire(as_bool)
    default: bool | None = wire(as_bool)
    created: dt.datetime | None = wire(as_datetime)
    modified: dt.datetime | None = wire(as_datetime)
    deleted: dt.datetime | None = wire(as_datetime)
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
