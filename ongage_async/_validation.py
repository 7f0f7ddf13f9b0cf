"""Checks on user input that must fail before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import InvalidArgumentError

__all__ = ["items_of", "normalize_list_id", "require_text"]


def normalize_list_id(value: object, *, where: str = "list_id") -> str:
    """A list id as Ongage's route wants it: a positive integer, as a string."""
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{where} must be a positive integer, not {value!r}")
    if isinstance(value, int):
        if value > 0:
            return str(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return str(int(value))
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    raise InvalidArgumentError(f"{where} must be a positive integer, not {shown}")


def require_text(value: object, *, name: str) -> str:
    """A non-empty string argument."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string, not {value!r:.40}")
    return value


def items_of(value: object, *, name: str, allow_empty: bool = False) -> list[Any]:
    """A list argument (any iterable but a string, bytes or mapping), checked before use."""
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(
            f"{name} must be a list or other sequence, not {type(value).__name__}"
        )
    items = list(value)
    if not items and not allow_empty:
        raise InvalidArgumentError(f"{name} must not be empty")
    return items
