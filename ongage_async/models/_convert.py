"""Converters that absorb Ongage's quirks at the edge of the wire.

Ongage sends numbers and ids as numbers or as strings depending on the call, an empty
object as `[]`, and times as unix timestamps.  These converters turn all of that into
one Python shape, and never raise on an odd value: a model keeps what it cannot read
rather than failing a user's whole call because a field changed type.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from .._compat import Self
from .._model import Model

__all__ = [
    "Page",
    "WireModel",
    "as_bool",
    "as_datetime",
    "as_email_map",
    "as_int",
    "as_mapping",
    "as_str",
    "wire",
]

T = TypeVar("T")


def as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def as_str(value: Any) -> str | None:
    if value is None or isinstance(value, (list, dict)):
        return None
    return str(value)


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no", ""):
            return False
    return None


def as_datetime(value: Any) -> dt.datetime | None:
    """A unix timestamp (number or digit string) as an aware UTC datetime; 0 means none."""
    seconds = as_int(value)
    if seconds is None and isinstance(value, float) and math.isfinite(value):
        seconds = int(value)
    if not seconds:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def as_mapping(value: Any) -> Mapping[str, Any]:
    """An object field; Ongage sends `[]` for an empty object."""
    return dict(value) if isinstance(value, Mapping) else {}


def as_email_map(value: Any) -> Mapping[str, str]:
    """A per-e-mail answer (`{"a@x.com": "..."}`, or `[]` when empty) as a mapping."""
    if isinstance(value, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):  # a list of e-mails, or [] for an empty object
        return {str(v): "" for v in value if isinstance(v, (str, int))}
    return {}


def wire(
    convert: Callable[[Any], Any] | None = None, *, key: str | None = None, default: Any = None
) -> Any:
    """A model field read from the payload key `key` (default: its own name) by `convert`."""
    return attrs.field(default=default, metadata={"wire": convert, "key": key})


class WireModel(Model):
    """Builds a frozen attrs model from a payload: declared fields are converted, every
    other key lands in `extra` so a field Ongage adds tomorrow breaks nobody."""

    @classmethod
    def from_payload(cls, payload: Any) -> Self:
        data = payload if isinstance(payload, Mapping) else {}
        plan, known = _PLANS.get(cls) or _PLANS.setdefault(cls, _plan(cls))
        values: dict[str, Any] = {
            name: convert(data[key]) if convert else data[key]
            for name, key, convert in plan
            if key in data
        }
        values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)


_Plan = tuple[tuple[tuple[str, str, Any], ...], frozenset[str]]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """Which payload key feeds which field, through which converter (once per class)."""
    plan = tuple(
        (field.name, field.metadata["key"] or field.name, field.metadata["wire"])
        for field in attrs.fields(cls)
        if "wire" in field.metadata
    )
    return plan, frozenset(key for _, key, _ in plan)


@attrs.frozen
class Page(Model, Generic[T]):
    """One page of a collection, with the collection's `total` when Ongage sends it.

    Iterate it (`for item in page`) or take `len(page)`.

    Attributes:
        items: The page's items, each of the namespace's model.
        total: How many items the whole collection has (Ongage's `metadata.total`),
            when Ongage sends it.
        offset: The position of the page's first item in the collection.
        limit: The page size asked for, or `None` for Ongage's default.

    Walk a collection page by page with `has_next` and `next_offset`, or let the
    namespace's `iter()` do it:

    ```python
    page = await client.segments.list(limit=100)
    while page.has_next:
        page = await client.segments.list(offset=page.next_offset, limit=100)
    ```
    """

    items: tuple[T, ...]
    total: int | None = None
    offset: int = 0
    limit: int | None = None

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or `None` when this page is the last.

        A page is the last when it is empty, when it reaches Ongage's `total`, or, with
        no `total`, when it is shorter than `limit`.  With neither a `total` nor a
        `limit` a full page cannot be told from the last one, so more is assumed: the
        page after the end comes back empty.
        """
        end = self.offset + len(self.items)
        if not self.items:
            return None
        if self.total is not None:
            return end if end < self.total else None
        if self.limit is not None and len(self.items) < self.limit:
            return None
        return end

    @property
    def has_next(self) -> bool:
        """Whether another page may follow (see `next_offset`)."""
        return self.next_offset is not None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
