"""One bulk row as it goes on the wire: every value JSON-ready, or the reason it cannot be.

The engine encodes each row once, as it is read, and both the chunk's byte count
(``_chunking.row_bytes``) and the body sent are that encoded row, so they always agree.
A value that cannot be sent fails its own row (skipped, with the reason), never the
chunk it would have travelled in.

How values are sent (Ongage stores dates as Unix time, but a list's date fields are
written as text in the field's format, one of a documented set):

* ``str``, ``int``, ``bool``, ``None`` and finite ``float`` as they are; other real
  numbers (numpy's, ``Fraction``) as ``int``/``float``.
* ``Decimal`` as a string in plain notation (``Decimal("1E+2")`` -> ``"100"``): exact,
  where a float would round, and never in the exponent form a numeric field may refuse.
* ``date`` as ``YYYY-MM-DD``: Ongage's own example format (``yyyy-mm-dd``) and the one
  of its formats nobody can misread (``03/04`` is March or April depending on who reads).
* ``datetime`` as ``YYYY-MM-DD HH:MM:SS`` (Ongage's ``yyyy-mm-dd hh24:mi:ss``), to the
  second.  An aware one is converted to UTC first: Ongage's formats carry no offset,
  and UTC is the one reading that does not depend on the machine.  A naive one is sent
  as it reads.
* NaN and infinities are refused: JSON has no such numbers and Ongage could store
  nothing sensible.  So are sets (no order, no JSON form: pass a list or a joined
  string), bytes (decode them first) and any other type (format it as text first).
* Mappings (``fields``) and lists are encoded value by value; keys must be strings.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any

import anyio
import attrs

from ._exceptions import RowError

__all__ = ["RejectedRow", "RowError", "encode_row", "encode_value", "aiter_rows"]


@attrs.frozen
class RejectedRow:
    """An input row that could not even be read (a broken JSON line, say).

    Handed to a bulk run like any row, it is counted and skipped with ``reason``, so
    row numbers stay true and nothing is lost; ``text`` is what was read, for the record.
    """

    reason: str
    text: str = ""


def encode_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` with every value ready for JSON, or :class:`RowError`."""
    return {_key(key, ""): encode_value(value, str(key)) for key, value in row.items()}


def encode_value(value: Any, where: str) -> Any:
    """One value as sent (see the module's docstring); ``where`` names it in an error."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float):
        return _finite(value, where)
    if isinstance(value, int):
        return value
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise RowError(f"{where} is {value}: not a number Ongage can store")
        return format(value, "f")
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(dt.timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, numbers.Integral):  # numpy.int64 and friends
        return int(value)
    if isinstance(value, numbers.Real):
        return _finite(float(value), where)
    if isinstance(value, Mapping):
        return {_key(k, where): encode_value(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v, f"{where}[{n}]") for n, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        raise RowError(f"{where} is a set: JSON has none (pass a list or a joined string)")
    if isinstance(value, (bytes, bytearray)):
        raise RowError(f"{where} is bytes: decode it to text first")
    raise RowError(f"{where} is of type {type(value).__name__}: format it as text first")


def _finite(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise RowError(f"{where} is {value}: not a number Ongage can store")
    return value


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        inside = f" in {where}" if where else ""
        raise RowError(f"a field name{inside} is a {type(key).__name__}, not text: {key!r:.40}")
    return key


async def aiter_rows(rows: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[Any]:
    """The rows, sync or async, one by one, yielding to the loop now and then."""
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
        return
    for number, row in enumerate(rows):
        yield row
        if number % 1000 == 999:  # a long synchronous input must not starve the workers
            await anyio.lowlevel.checkpoint()
