"""Checks on user input that must fail before anything is sent."""

from __future__ import annotations

from ._errors import InvalidArgumentError

__all__ = ["normalize_list_id", "require_text"]


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
