"""The ``List`` model (an Ongage contact list: sending or suppression)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ._convert import as_bool, as_datetime, as_int, as_str, split_known

__all__ = ["List"]


@attrs.frozen
class List:
    """An Ongage list.  Fields Ongage adds later land in :attr:`extra`, never an error."""

    id: int
    name: str
    type: str | None = None
    description: str | None = None
    account_id: int | None = None
    last_count: int | None = None
    last_active_count: int | None = None
    unsubscribes: int | None = None
    complaints: int | None = None
    bounces: int | None = None
    archive: bool | None = None
    default: bool | None = None
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    deleted: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    _COUNTS = ("last_count", "last_active_count", "unsubscribes", "complaints", "bounces")

    @classmethod
    def from_payload(cls, payload: Any) -> List:
        data, extra = split_known(payload, _KNOWN)
        return cls(
            id=as_int(data.get("id")) or 0,
            name=as_str(data.get("name")) or "",
            type=as_str(data.get("type")),
            description=as_str(data.get("description")),
            account_id=as_int(data.get("account_id")),
            archive=as_bool(data.get("archive")),
            default=as_bool(data.get("default")),
            created=as_datetime(data.get("created")),
            modified=as_datetime(data.get("modified")),
            deleted=as_datetime(data.get("deleted")),
            extra=extra,
            **{name: as_int(data.get(name)) for name in cls._COUNTS},
        )


_KNOWN = frozenset(a.name for a in attrs.fields(List) if a.name != "extra")
