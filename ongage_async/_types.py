"""The short names the public signatures use, as the Anthropic SDK's `Query` and `Body`.

* `Id`: an object's id.  Ongage sends ids as strings, and every model holds them so;
  a method takes either an int or a string (checked: digits only, not 0).
* `Query`: `extra_query=`, query parameters the SDK does not model (yours win).
* `Body`: `extra_body=`, body fields the SDK does not model (yours win).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

__all__ = ["Body", "Id", "Query"]

Id: TypeAlias = int | str
"""An object's id, as an int or a string (models hold ids as strings, as Ongage sends them)."""

Query: TypeAlias = Mapping[str, Any]
"""`extra_query=`: query parameters the SDK does not model; yours win."""

Body: TypeAlias = Mapping[str, Any]
"""`extra_body=`: body fields the SDK does not model; yours win (never `id` or `list_id`)."""
