"""What every resource namespace shares: a reference to the client, and nothing else.

Namespaces build paths and arguments and convert payloads to models; sending is
always ``client.request``, so every method goes through the one middleware chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import InvalidArgumentError

if TYPE_CHECKING:
    from .._client import OngageClient

__all__ = ["APIResource", "drop_none", "one_of", "page_bounds"]


class APIResource:
    """Base of the namespaces; holds the client (or view) it was reached from."""

    def __init__(self, client: OngageClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the arguments the caller gave: ``None`` means "not given" at the wire."""
    return {key: value for key, value in values.items() if value is not None}


def one_of(value: object, allowed: tuple[str, ...], *, name: str) -> str | None:
    """Check an enum-like argument before anything is sent."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(allowed)}; got {value!r:.40}")
    return value


def page_bounds(offset: object, limit: object) -> tuple[int | None, int | None]:
    """Validate ``offset``/``limit`` paging arguments."""
    for name, value in (("offset", offset), ("limit", limit)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise InvalidArgumentError(f"{name} must be an int >= 0, not {value!r:.40}")
    return offset, limit  # type: ignore[return-value]
