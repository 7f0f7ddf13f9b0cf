"""How big a bulk chunk is: Ongage's advice on contacts per call, in rows and in bytes.

Ongage documents no hard limit for ``POST``/``PUT /api/v2/contacts``, only advice: "2, 5,
10, 20 ... depending on size of data"; "typically 5-50 contacts in one command; if you're
posting very little data you might even get up to 100"; mass updates belong to
``POST /api/import``.  So the size of a call depends on the rows, and the defaults are
the typical case:

* at most ``DEFAULT_CHUNK_SIZE`` (50) rows, the top of "typically 5-50";
* at most ``DEFAULT_CHUNK_BYTES`` (8 KiB) of JSON: 50 typical rows, an e-mail and four or
  five short fields being about 150 bytes (the benchmark's rows are 147).  Rows with 20
  fields (about 700 bytes) go 11 to a call, "10, 20 depending on size of data".

An explicit ``chunk_size`` wins, up to ``MAX_CHUNK_SIZE`` (100, Ongage's ceiling for very
small rows); the byte cap is then only a safety net (256 KiB) unless ``max_chunk_bytes``
is given too.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._exceptions import APIError, InvalidArgumentError
from ._validation import positive_int

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "SAFETY_CHUNK_BYTES",
    "chunk_bytes",
    "chunk_target",
    "list_missing",
    "positive_int",
    "resendable",
    "row_bytes",
    "too_large",
]

DEFAULT_CHUNK_SIZE = 50
MAX_CHUNK_SIZE = 100
DEFAULT_CHUNK_BYTES = 8 * 1024
SAFETY_CHUNK_BYTES = 256 * 1024
# What a 400 says when the request, not a value in it, is too big.  An ordinary 400 is
# about the data: splitting the chunk would only repeat it in more calls.
_TOO_LARGE = ("entity too large", "payload too large", "request too large", "too many contacts")


def chunk_target(chunk_size: int | None, max_chunk_bytes: int | None) -> tuple[int, int]:
    """The (rows, bytes) a chunk may hold at the start of a run; ``None`` is automatic."""
    if chunk_size is not None and positive_int(chunk_size, name="chunk_size") > MAX_CHUNK_SIZE:
        raise InvalidArgumentError(
            f"chunk_size must be at most {MAX_CHUNK_SIZE}, not {chunk_size}: Ongage advises "
            f"5-50 contacts a call, up to {MAX_CHUNK_SIZE} for very small rows (use imports "
            "for mass updates)"
        )
    if max_chunk_bytes is not None:
        positive_int(max_chunk_bytes, name="max_chunk_bytes")
    else:
        max_chunk_bytes = DEFAULT_CHUNK_BYTES if chunk_size is None else SAFETY_CHUNK_BYTES
    return chunk_size or DEFAULT_CHUNK_SIZE, max_chunk_bytes


def row_bytes(row: Any) -> int:
    """A row's share of the body: json.dumps' default (``", "`` between items) is what
    httpx 0.27 sends and never less than 0.28's compact UTF-8, so bodies stay within it.

    ``row`` is already encoded (``_rowcodec.encode_row``), the very dict that is sent:
    there is no fallback for other values, so the count can never describe another body.
    """
    return len(json.dumps(row)) + 2


def chunk_bytes(chunk: list[Any]) -> int:
    return 2 + sum(row_bytes(row) for row in chunk)  # the brackets, and each row


def too_large(exc: APIError) -> bool:
    """Whether the server refused the request for its size (and so did nothing)."""
    return exc.status == 413 or (
        exc.status == 400 and any(w in exc.message.lower() for w in _TOO_LARGE)
    )


#: Ongage's (and the sandbox's) 404 for a list-scoped call on a list that does not exist
#: or was deleted: "List 424242 not found".  A contact's own 404 says "Contact not found".
_LIST_MISSING = re.compile(r"^\s*list\s+(?:id\s+)?#?\d+\s+(?:was\s+)?not\s+found\b", re.I)


def list_missing(exc: APIError) -> bool:
    """Whether a 404 says the list itself is missing, so every later chunk would fail too.

    Only a 404 whose message names a list is: a 404 about one contact ("Contact not
    found") is about that chunk's rows, and the run goes on.
    """
    return exc.status == 404 and _LIST_MISSING.match(exc.message) is not None


def resendable(chunk: list[Any]) -> bool:
    """Whether a chunk may be sent again after a timeout: an upsert marks each row with
    ``overwrite``, and writing the same values again ends in the same state.  A plain add
    is not: its rows may exist after the timeout, and a resend would fail them."""
    return all(isinstance(row, dict) and row.get("overwrite") is True for row in chunk)
