"""Checks on user input that must fail before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import InvalidArgumentError

__all__ = ["contact_id", "digit_id", "items_of", "normalize_list_id", "require_text"]


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


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def digit_id(value: object, *, name: str = "id") -> str:
    """A list, mailing, segment, import or export id: Ongage's are digit strings or ints.

    Only ASCII digits: ``"²"`` or ``"٣"`` pass ``str.isdigit()`` but are no Ongage id.
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a positive integer, not {value!r}")
    text = str(value) if isinstance(value, int) else value
    if isinstance(text, str) and text.isascii() and text.isdigit() and int(text) > 0:
        return str(int(text))
    raise InvalidArgumentError(f"{name} must be a positive integer, not {_shown(value)}")


def contact_id(value: object, *, name: str = "contact_id") -> str:
    """A contact id: opaque to the client (Ongage's are hex, ``"5aae312578464ae01f8b4567"``).

    Any non-empty string of printable ASCII without ``/``, ``?``, ``#``, ``%``, ``\\``
    or spaces is accepted (an int too, for old numeric ids), but not ``.`` or ``..``:
    those would change the path the id is put in.
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a contact id string, not {value!r}")
    if isinstance(value, int) and value > 0:
        return str(value)
    if (
        isinstance(value, str)
        and value not in ("", ".", "..")
        and value.isascii()
        and value.isprintable()
        and not any(c in value for c in "/?#% \\")
    ):
        return value
    raise InvalidArgumentError(f"{name} must be a non-empty contact id string, not {_shown(value)}")
