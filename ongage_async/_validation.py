"""Checks on user input that must fail before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._exceptions import InvalidArgumentError

__all__ = ["contact_id", "digit_id", "items_of", "normalize_list_id", "require_text"]


#: The largest id: past 2**63 - 1 a server's integer parsing saturates or wraps, and
#: ``list_id=10**30`` would name some other list.
MAX_ID = 2**63 - 1


def normalize_list_id(value: object, *, where: str = "list_id") -> str:
    """A list id as Ongage's route wants it: a positive integer, as a string."""
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{where} must be a positive integer, not {value!r}")
    if isinstance(value, int):
        if 0 < value <= MAX_ID:
            return str(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        # Length first: int() of thousands of digits is slow, or a plain ValueError.
        if 0 < len(digits) <= len(str(MAX_ID)) and int(digits) <= MAX_ID:
            return digits
    raise InvalidArgumentError(
        f"{where} must be a positive integer up to 2**63 - 1, not {_shown(value)}"
    )


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
    if isinstance(value, int) and value.bit_length() > 128:
        return "an integer of that size"  # repr() of a huge int is slow, or a ValueError
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def digit_id(value: object, *, name: str = "id") -> str:
    """A list, mailing, segment, import or export id: Ongage's are digit strings or ints.

    The same rule as a list id (one place for it): only ASCII digits, since ``"²"`` or
    ``"٣"`` pass ``str.isdigit()`` but are no Ongage id, and at most 2**63 - 1.
    """
    return normalize_list_id(value, where=name)


def contact_id(value: object, *, name: str = "contact_id") -> str:
    """A contact id: opaque to the client (Ongage's are hex, ``"5aae312578464ae01f8b4567"``).

    Any non-empty string of printable ASCII without ``/``, ``?``, ``#``, ``%``, ``\\``
    or spaces is accepted (an int too, for old numeric ids), but not ``.`` or ``..``:
    those would change the path the id is put in.
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a contact id string, not {value!r}")
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return str(value)
    if (
        isinstance(value, str)
        and value not in ("", ".", "..")
        and len(value) <= 128
        and value.isascii()
        and value.isprintable()
        and not any(c in value for c in "/?#% \\")
    ):
        return value
    raise InvalidArgumentError(f"{name} must be a non-empty contact id string, not {_shown(value)}")
