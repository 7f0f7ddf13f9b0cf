"""Reading and checking request arguments the way Ongage answers bad ones (400/412)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._http import ApiError

__all__ = ["body_object", "editable", "find_or_404", "paging", "required_text", "truthy"]


def body_object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def required_text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(412, f"{name} is required", [f"{name}: required"])
    return value


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def paging(query: Mapping[str, str], default_limit: int = 50) -> tuple[int, int]:
    try:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", default_limit))
    except ValueError:
        raise ApiError(400, "offset and limit must be integers") from None
    if offset < 0 or limit < 0:
        raise ApiError(400, "offset and limit must be >= 0")
    return offset, limit


def find_or_404(records: Mapping[str, dict[str, Any]], key: str, label: str) -> dict[str, Any]:
    """The stored object with this id, or Ongage's 404."""
    record = records.get(key)
    if record is None:
        raise ApiError(404, f"{label} {key} not found")
    return record


def editable(data: Mapping[str, Any], protected: tuple[str, ...]) -> dict[str, Any]:
    """The fields of an update the caller may change (never ids or server-kept state)."""
    return {key: value for key, value in data.items() if key not in protected}
