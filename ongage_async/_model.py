"""`Model`: the base every result has, for `to_dict()`.

Its own module, outside `models/`, so that core modules (`_response`, `_raw`) can build
results on it without importing the `models` package, which imports them.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attr

__all__ = ["Model"]


def _json_value(_: object, __: object, value: Any) -> Any:
    """One value as JSON has it: ISO 8601 times, enums by value, sets as sorted lists."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return value


class Model:
    """What every model can do: `to_dict()`, a JSON-ready copy (for a web handler's answer)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON types: dicts, lists, str, int, float, bool, None.

        Times become ISO 8601 strings, enums their wire value (`"active"`, `60004`),
        tuples and sets lists, nested models dicts; `extra` is kept, so nothing Ongage
        sent is lost. `json.dumps(model.to_dict())` always works, and FastAPI can return it.
        """
        instance: Any = self  # every subclass is an attrs class
        # attr.asdict, not attrs.asdict: only the former turns tuples into lists.
        return attr.asdict(instance, retain_collection_types=False, value_serializer=_json_value)
